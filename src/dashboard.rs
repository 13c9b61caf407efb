//! The dashboard's loop: terminal or headless, it feeds keys and background results
//! to `update` as actions, runs the effects `update` asks for, and draws once after
//! draining everything pending.
//!
//! Background work (refreshes, raw JSON, file writes) runs in tasks that send actions
//! back. A refresh reads in two phases: the list, which goes on screen at once
//! (`Listed`), then every cluster's details and the fleet's scheduled upgrade events,
//! after which the finished snapshot is saved and replaces it (`Refreshed`). A refresh carries a generation so a superseded one
//! is ignored, and starting a refresh cancels the one still running (a stuck sign-in
//! or server must not keep the next one from starting). Every request goes through one
//! client, so refreshes, raw JSON and applies share one connection pool. An apply runs
//! the engine (`apply::apply`) in a task of its own: its events come back as
//! `Action::Applying`, its end as `Action::ApplyEnded`, and the only thing the loop
//! sends it is a cancel of a queued cluster. Nothing here holds the state but the loop
//! itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use time::OffsetDateTime;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::oneshot;

use crate::app::update::{key_action, start_refresh};
use crate::app::{Action, Effect, Key, Keymap, State, update};
use crate::apply::{Audit, Control, Options, Planner};
use crate::azure::{ArmClient, Credentials, FleetRequest, Trust, fetch_raw};
use crate::cache::{Loaded, Snapshot, Store};
use crate::config::Config;
use crate::fetch::{self, Live};
use crate::history::History;
use crate::model::Cluster;
use crate::tui::{self, Input};
use crate::ui::{self, Theme};

/// The edges the dashboard reaches through: Azure (or the simulator), the cache and
/// history, the clipboard and the current folder.
pub struct Services {
    /// `None` for exported files: nothing to refresh or fetch.
    pub live: Option<LiveServices>,
    pub config: Arc<Config>,
    /// Inside tmux, copies are also sent for tmux's passthrough.
    pub in_tmux: bool,
    /// Where `w` writes files.
    pub write_dir: PathBuf,
}

pub struct LiveServices {
    pub live: Live,
    pub credentials: Arc<Credentials>,
    /// The roots the clients trust (config `ca_file`, `SSL_CERT_FILE`).
    pub trust: Trust,
    /// The one client (one connection pool): raw JSON uses it as is, refreshes through
    /// a copy that reports progress.
    pub client: Arc<ArmClient>,
    pub store: Option<Store>,
    pub history: Option<History>,
    pub key: String,
    /// Cancels the refresh that is running, if one is. Only the loop touches it.
    running: Mutex<Option<oneshot::Sender<()>>>,
    /// Where applies record what they write (the state folder's audit log); `None`
    /// without a state folder, and then nothing is applied.
    pub audit: Option<PathBuf>,
    /// Each running apply's way to hear a cancel, by run; a run removes its own at its end.
    applies: Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Control>>>>,
    /// One write of the saved snapshot at a time (a cluster read back after its apply).
    saving: Arc<Mutex<()>>,
}

impl LiveServices {
    pub fn new(
        live: Live,
        credentials: Arc<Credentials>,
        trust: Trust,
        store: Option<Store>,
        history: Option<History>,
        key: String,
    ) -> anyhow::Result<LiveServices> {
        let client = live.arm_client(credentials.clone(), &trust)?;
        Ok(LiveServices {
            live,
            credentials,
            trust,
            client: Arc::new(client),
            store,
            history,
            key,
            running: Mutex::new(None),
            audit: None,
            applies: Arc::new(Mutex::new(HashMap::new())),
            saving: Arc::new(Mutex::new(())),
        })
    }

    /// Applies record what they write in `path`.
    pub fn with_audit_log(mut self, path: PathBuf) -> LiveServices {
        self.audit = Some(path);
        self
    }

    /// Remembers how to cancel a new refresh, cancelling the one before it.
    fn supersede(&self, cancel: oneshot::Sender<()>) {
        let previous = self.running.lock().unwrap_or_else(|e| e.into_inner()).replace(cancel);
        if let Some(previous) = previous {
            // A refresh that already finished has dropped its end: nothing to cancel.
            let _ = previous.send(());
        }
    }

    /// Paints the cache first: the snapshot from the last read, if there is one.
    pub fn cached(&self) -> Option<crate::cache::Snapshot> {
        match self.store.as_ref()?.load(&self.key) {
            Loaded::Hit(snapshot) => Some(*snapshot),
            _ => None,
        }
    }
}

/// Effects that end in an action the loop waits for (a refresh, a fetch, a write).
struct Pending(usize);

impl Services {
    /// Starts an effect. Returns whether an action will report its end.
    fn start(&self, effect: Effect, state: &State, actions: &UnboundedSender<Action>, headless: bool) -> bool {
        match effect {
            Effect::Refresh { generation } => {
                let Some(live) = &self.live else { return false };
                self.spawn_refresh(live, generation, state, actions.clone());
                true
            }
            Effect::FetchRaw { id, cluster } => {
                let Some(live) = &self.live else { return false };
                let (client, actions) = (live.client.clone(), actions.clone());
                tokio::spawn(async move {
                    let text = fetch_raw(&client, &cluster.id)
                        .await
                        .map(|value| serde_json::to_string_pretty(&value).unwrap_or_default())
                        .map_err(|e| e.to_string());
                    let _ = actions.send(Action::Raw { id, text });
                });
                true
            }
            Effect::Copy { text, done } => {
                let result = if headless {
                    Ok(())
                } else {
                    tui::copy(&mut std::io::stdout(), &text, self.in_tmux)
                };
                let message = result.map(|()| done).map_err(|e| format!("Could not copy: {e}"));
                let _ = actions.send(Action::Done(message));
                true
            }
            Effect::RecordHistory(record) => {
                let Some(history) = self.live.as_ref().and_then(|l| l.history.clone()) else {
                    return false;
                };
                let actions = actions.clone();
                // Appended, then read back for the posture view's trend, off the loop.
                tokio::task::spawn_blocking(move || {
                    let trouble = match history.append(&record) {
                        Ok(warning) => warning,
                        Err(err) => Some(format!("This read is not in the history: {err}")),
                    };
                    // Let go before the history is read back: a large fleet's record is
                    // tens of megabytes.
                    drop(record);
                    if let Some(message) = trouble {
                        let _ = actions.send(Action::Warning(crate::text::clean(&message).into_owned()));
                    }
                    if let Ok(tallies) = history.tallies() {
                        let _ = actions.send(Action::Trend(crate::app::aggregates::trend(&tallies)));
                    }
                });
                false
            }
            Effect::LoadTrend => {
                let Some(history) = self.live.as_ref().and_then(|l| l.history.clone()) else {
                    return false;
                };
                let actions = actions.clone();
                tokio::task::spawn_blocking(move || {
                    let tallies = history.tallies().unwrap_or_default();
                    let _ = actions.send(Action::Trend(crate::app::aggregates::trend(&tallies)));
                });
                false
            }
            Effect::WriteFile { name, text, usage } => {
                let (dir, actions) = (self.write_dir.clone(), actions.clone());
                tokio::task::spawn_blocking(move || {
                    let _ = actions.send(Action::Done(write_new_file(&dir, &name, &text, usage)));
                });
                true
            }
            Effect::Apply { run, plans, scope } => {
                let Some(live) = &self.live else {
                    let failure = Some("exported files are not a fleet to change".to_string());
                    let _ = actions.send(Action::ApplyEnded { run, failure });
                    return true;
                };
                self.spawn_apply(live, run, plans, scope, actions.clone());
                true
            }
            Effect::CancelApply { run, cluster } => {
                if let Some(live) = &self.live
                    && let Some(control) = live.applies.lock().unwrap_or_else(|e| e.into_inner()).get(&run)
                {
                    // An apply that has ended has nothing left to cancel.
                    let _ = control.send(Control::Cancel(cluster));
                }
                false
            }
            Effect::SaveCluster(cluster) => {
                let Some(live) = &self.live else { return false };
                let Some(store) = live.store.clone() else { return false };
                let (key, saving, actions) = (live.key.clone(), live.saving.clone(), actions.clone());
                tokio::task::spawn_blocking(move || {
                    let _one_at_a_time = saving.lock().unwrap_or_else(|e| e.into_inner());
                    if let Err(err) = save_cluster(&store, &key, *cluster) {
                        let message = format!("The cluster read back is not in the cache: {err}");
                        let _ = actions.send(Action::Warning(crate::text::clean(&message).into_owned()));
                    }
                });
                false
            }
        }
    }

    /// Runs the engine on confirmed plans, with the one client, an audit log opened
    /// first (without one nothing is written), and the config's `[apply]` settings.
    fn spawn_apply(
        &self,
        live: &LiveServices,
        run: u64,
        plans: Vec<crate::remediate::plan::Plan>,
        scope: crate::remediate::Scope,
        actions: UnboundedSender<Action>,
    ) {
        let (control, listen) = mpsc::unbounded_channel();
        live.applies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(run, control);
        let applies = live.applies.clone();
        let client = live.client.clone();
        let planner = Arc::new(Planner {
            config: self.config.clone(),
            scope,
            clock: OffsetDateTime::now_utc,
        });
        let options = Options::from(&self.config.apply);
        let audit_path = live.audit.clone();
        tokio::spawn(async move {
            let audit = match audit_path {
                None => Err("there is no state folder (no home folder) for the audit log".to_string()),
                Some(path) => {
                    let who = client.identity().await;
                    Audit::open(path.clone(), who, OffsetDateTime::now_utc)
                        .map_err(|e| format!("cannot keep the audit log {}: {e}", path.display()))
                }
            };
            let audit = match audit {
                Ok(audit) => audit,
                Err(message) => {
                    applies.lock().unwrap_or_else(|e| e.into_inner()).remove(&run);
                    let _ = actions.send(Action::ApplyEnded {
                        run,
                        failure: Some(message),
                    });
                    return;
                }
            };
            let (events, mut received) = mpsc::unbounded_channel();
            let forward = actions.clone();
            let forwarder = tokio::spawn(async move {
                while let Some(event) = received.recv().await {
                    let _ = forward.send(Action::Applying {
                        run,
                        event: Box::new(event),
                    });
                }
            });
            crate::apply::apply(client, planner, plans, options, Some(Arc::new(audit)), events, listen).await;
            // The engine has dropped its end of the events: every one is forwarded
            // before the end is said.
            let _ = forwarder.await;
            applies.lock().unwrap_or_else(|e| e.into_inner()).remove(&run);
            let _ = actions.send(Action::ApplyEnded { run, failure: None });
        });
    }

    fn spawn_refresh(&self, live: &LiveServices, generation: u64, state: &State, actions: UnboundedSender<Action>) {
        let (events, mut received) = mpsc::unbounded_channel();
        let forward = actions.clone();
        tokio::spawn(async move {
            while let Some(progress) = received.recv().await {
                let _ = forward.send(Action::Progress { generation, progress });
            }
        });
        let client = Arc::new(live.client.with_events(events.clone()));
        let request: FleetRequest = live.live.request.clone();
        let (store, key) = (live.store.clone(), live.key.clone());
        let key_for_load = key.clone();
        let (cancel, cancelled) = oneshot::channel();
        live.supersede(cancel);
        // The clusters on screen, shared: each listed cluster keeps the details it shows
        // until its own are read.
        let shown: Vec<Arc<Cluster>> = state.fleet.iter().map(|a| a.cluster.clone()).collect();
        // The texts of the events on screen, which the events read again share: taken
        // here (a pointer each), put together in the task, off the loop.
        let event_texts: Vec<crate::model::Atom> = state
            .events()
            .flat_map(|e| std::iter::once(e.cluster_id.clone()).chain(e.details.clone()))
            .collect();
        tokio::spawn(async move {
            // The previous snapshot is read from disk only when a failure needs it.
            let previous = || {
                let (store, key) = (store.clone(), key_for_load.clone());
                async move {
                    let store = store?;
                    tokio::task::spawn_blocking(move || match store.load(&key) {
                        Loaded::Hit(snapshot) => Some(*snapshot),
                        _ => None,
                    })
                    .await
                    .unwrap_or(None)
                }
            };
            let read = async {
                let watch = fetch::Watch {
                    shown,
                    linger: DETAILS_LINGER,
                    // The list goes on screen as soon as it is whole, its clusters
                    // shared with this read (no copy); the details follow, a batch of
                    // clusters at a time, each replacing its listed copy.
                    listed: |snapshot: &Snapshot| {
                        let _ = actions.send(Action::Listed {
                            generation,
                            snapshot: Box::new(snapshot.clone()),
                        });
                    },
                    detailed: |snapshot: &Snapshot, places: &[usize]| {
                        let clusters = places.iter().map(|&at| (at, snapshot.clusters[at].clone())).collect();
                        let _ = actions.send(Action::Detailed { generation, clusters });
                    },
                };
                let mut snapshot = fetch::read(
                    client.clone(),
                    &request,
                    true,
                    Some(&events),
                    &previous,
                    &key,
                    &OffsetDateTime::now_utc,
                    watch,
                )
                .await;
                // AKS's scheduled upgrade events, one paged query, as `scan` reads them.
                let mut texts = crate::model::Interner::new();
                for mut text in event_texts {
                    texts.share(&mut text);
                }
                fetch::events(&client, &mut snapshot, &previous, texts).await;
                snapshot
            };
            // Cancelled (a newer refresh, or the dashboard closing): the read is
            // dropped where it stands, its requests and sign-in with it.
            let snapshot = tokio::select! {
                snapshot = read => snapshot,
                _ = cancelled => {
                    let _ = actions.send(Action::RefreshFailed {
                        generation,
                        message: "superseded by a newer refresh".into(),
                    });
                    return;
                }
            };
            drop(events);
            // Saved without a copy: the blocking task hands the snapshot back.
            let snapshot = match store {
                Some(store) => tokio::task::spawn_blocking(move || {
                    let _ = store.save(&snapshot);
                    snapshot
                })
                .await
                .ok(),
                None => Some(snapshot),
            };
            let Some(snapshot) = snapshot else {
                let _ = actions.send(Action::RefreshFailed {
                    generation,
                    message: "the refresh task failed".into(),
                });
                return;
            };
            let _ = actions.send(Action::Refreshed {
                generation,
                snapshot: Box::new(snapshot),
            });
        });
    }
}

/// How long a refresh gathers the details that complete before the screen takes them:
/// each batch orders and filters the whole fleet again.
const DETAILS_LINGER: Duration = Duration::from_millis(400);

/// Writes `text` to a new file `name` in `dir`. When a file of that name holds this
/// very text already, nothing is written again (pressing `w` twice makes one file);
/// when it holds something else, it is kept and `-1`, `-2`... are tried. Where the
/// text's usage comment names `usage`, it names the file written instead. Returns
/// what the message line says: the full path and the line count, which is the popup's.
pub fn write_new_file(dir: &std::path::Path, name: &str, text: &str, usage: Option<&str>) -> Result<String, String> {
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, "txt"));
    for n in 0..100 {
        let candidate = if n == 0 {
            name.to_string()
        } else {
            format!("{stem}-{n}.{extension}")
        };
        let text = match usage {
            Some(usage) => text.replace(&format!("bash {usage}"), &format!("bash {candidate}")),
            None => text.to_string(),
        };
        let path = dir.join(&candidate);
        let lines = crate::text::count(text.lines().count(), "line");
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                use std::io::Write;
                return file
                    .write_all(text.as_bytes())
                    .map(|()| format!("Wrote {} ({lines}).", path.display()))
                    .map_err(|e| format!("Could not write {}: {e}", path.display()));
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                if std::fs::read(&path).is_ok_and(|there| there == text.as_bytes()) {
                    return Ok(format!("Already written: {} ({lines}, unchanged).", path.display()));
                }
                continue;
            }
            Err(err) => return Err(format!("Could not write {}: {err}", path.display())),
        }
    }
    Err(format!(
        "Could not write {name}: too many files of that name in {}",
        dir.display()
    ))
}

/// Whether an action ends a pending effect (a trend arriving does not: reading the
/// history is not waited for).
fn ends_pending(action: &Action) -> bool {
    matches!(
        action,
        Action::Refreshed { .. }
            | Action::RefreshFailed { .. }
            | Action::Raw { .. }
            | Action::Done(_)
            | Action::ApplyEnded { .. }
    )
}

/// Puts `cluster` (read back after its apply) into the saved snapshot of `key`, in
/// place of the same cluster when the snapshot's read of it is older. Nothing is
/// written when there is no snapshot, or it has a newer read.
fn save_cluster(store: &Store, key: &str, cluster: crate::model::Cluster) -> std::io::Result<()> {
    let Loaded::Hit(mut snapshot) = store.load(key) else {
        return Ok(());
    };
    let Some(at) = snapshot
        .clusters
        .iter()
        .position(|c| c.id.eq_ignore_ascii_case(&cluster.id))
    else {
        return Ok(());
    };
    let kept = &snapshot.clusters[at];
    if kept.as_of.is_some_and(|t| cluster.as_of.is_none_or(|now| t > now)) {
        return Ok(());
    }
    let mut cluster = cluster;
    if cluster.subscription_name.is_none() {
        cluster.subscription_name = kept.subscription_name.clone();
    }
    snapshot.clusters[at] = Arc::new(cluster);
    store.save(&snapshot).map(|_| ())
}

/// Applies an action and starts the effects it asks for.
fn step(
    state: &mut State,
    services: &Services,
    action: Action,
    actions: &UnboundedSender<Action>,
    pending: &mut Pending,
    headless: bool,
) {
    if ends_pending(&action) {
        pending.0 = pending.0.saturating_sub(1);
    }
    for effect in update(state, action) {
        if services.start(effect, state, actions, headless) {
            pending.0 += 1;
        }
    }
}

/// The first effects: a refresh for live data, and the trend of its history.
fn initial_effects(state: &mut State, services: &Services) -> Vec<Effect> {
    if services.live.is_some() {
        let mut effects = start_refresh(state);
        effects.push(Effect::LoadTrend);
        effects
    } else {
        Vec::new()
    }
}

/// Runs the dashboard in the terminal until the user quits.
/// Returns the final state, for what is remembered across runs.
pub async fn interactive(mut state: State, keymap: Keymap, services: Services, theme: Theme) -> anyhow::Result<State> {
    let mut terminal = tui::enter().context("cannot set up the terminal")?;
    let result = run_loop(&mut terminal, &mut state, &keymap, &services, theme).await;
    tui::leave();
    result.map(|()| state)
}

async fn run_loop(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut State,
    keymap: &Keymap,
    services: &Services,
    theme: Theme,
) -> anyhow::Result<()> {
    let (input_tx, mut inputs) = mpsc::unbounded_channel();
    let stop_input = tui::spawn_input(input_tx);
    let (actions_tx, mut actions) = mpsc::unbounded_channel();
    let mut pending = Pending(0);
    let size = terminal.size()?;
    step(
        state,
        services,
        Action::Resize {
            rows: ui::table_rows(Rect::new(0, 0, size.width, size.height)),
        },
        &actions_tx,
        &mut pending,
        false,
    );
    for effect in initial_effects(state, services) {
        if services.start(effect, state, &actions_tx, false) {
            pending.0 += 1;
        }
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let handle_input =
        |state: &mut State, pending: &mut Pending, input: Input, terminal: &ratatui::DefaultTerminal| match input {
            Input::Key(event) => {
                if let Some(action) = key_action(state, keymap, Key::from_event(event)) {
                    step(state, services, action, &actions_tx, pending, false);
                }
            }
            Input::Resize => {
                if let Ok(size) = terminal.size() {
                    let rows = ui::table_rows(Rect::new(0, 0, size.width, size.height));
                    step(state, services, Action::Resize { rows }, &actions_tx, pending, false);
                }
            }
        };
    while !state.quit {
        terminal.draw(|frame| ui::draw(frame, state, keymap, theme))?;
        tokio::select! {
            Some(input) = inputs.recv() => handle_input(state, &mut pending, input, terminal),
            Some(action) = actions.recv() => step(state, services, action, &actions_tx, &mut pending, false),
            _ = tick.tick() => step(state, services, Action::Tick(OffsetDateTime::now_utc()), &actions_tx, &mut pending, false),
        }
        // Drain everything that is waiting, then draw once.
        loop {
            if let Ok(input) = inputs.try_recv() {
                handle_input(state, &mut pending, input, terminal);
            } else if let Ok(action) = actions.try_recv() {
                step(state, services, action, &actions_tx, &mut pending, false);
            } else {
                break;
            }
        }
    }
    let _ = stop_input.send(());
    Ok(())
}

/// Runs the dashboard without a terminal: feeds `keys`, waiting after the start and
/// after each key for the loads it started, and returns the final screen as text.
pub async fn headless(
    mut state: State,
    keymap: Keymap,
    services: Services,
    width: u16,
    height: u16,
    keys: &[Key],
) -> anyhow::Result<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    let (actions_tx, mut actions) = mpsc::unbounded_channel();
    let mut pending = Pending(0);
    let theme = Theme { color: false };
    let rows = ui::table_rows(Rect::new(0, 0, width, height));
    step(
        &mut state,
        &services,
        Action::Resize { rows },
        &actions_tx,
        &mut pending,
        true,
    );
    for effect in initial_effects(&mut state, &services) {
        if services.start(effect, &state, &actions_tx, true) {
            pending.0 += 1;
        }
    }
    settle(&mut state, &services, &actions_tx, &mut actions, &mut pending).await?;
    for &key in keys {
        if state.quit {
            break;
        }
        if let Some(action) = key_action(&state, &keymap, key) {
            step(&mut state, &services, action, &actions_tx, &mut pending, true);
        }
        settle(&mut state, &services, &actions_tx, &mut actions, &mut pending).await?;
    }
    terminal.draw(|frame| ui::draw(frame, &state, &keymap, theme))?;
    Ok(screen_text(terminal.backend().buffer()))
}

/// Processes actions until no effect is pending (at most a minute).
async fn settle(
    state: &mut State,
    services: &Services,
    actions_tx: &UnboundedSender<Action>,
    actions: &mut mpsc::UnboundedReceiver<Action>,
    pending: &mut Pending,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while pending.0 > 0 {
        let action = tokio::time::timeout_at(deadline, actions.recv())
            .await
            .context("the loads did not finish within a minute")?
            .context("the background tasks stopped")?;
        step(state, services, action, actions_tx, pending, true);
    }
    while let Ok(action) = actions.try_recv() {
        step(state, services, action, actions_tx, pending, true);
    }
    Ok(())
}

/// The buffer as lines of text, without trailing spaces.
pub fn screen_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::Notify;

    use super::*;
    use crate::app::Command;
    use crate::app::state::DataSource;
    use crate::fetch::Overrides;
    use crate::sim::{SimOptions, Simulator};

    /// The first sign-in never answers (a hung `az`); every later one does at once.
    #[derive(Debug, Default)]
    struct HangsOnce {
        calls: AtomicUsize,
        first_call: Notify,
    }

    #[async_trait::async_trait]
    impl TokenCredential for HangsOnce {
        async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                self.first_call.notify_one();
                std::future::pending::<()>().await;
            }
            Ok(AccessToken::new(
                Secret::new("simulator"),
                OffsetDateTime::now_utc() + time::Duration::hours(1),
            ))
        }
    }

    /// A TCP proxy to `target` that counts the connections made through it.
    async fn counting_proxy(target: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        (url, connections)
    }

    fn services(endpoint: String, credentials: Credentials) -> (State, Services) {
        let config = Arc::new(Config::default());
        let mut live = Live::new(&config, &Overrides::default());
        live.endpoint = endpoint;
        // Fewer workers than requests: every refresh keeps them all busy, so the number
        // of connections a refresh needs does not hang on the order answers come in.
        live.request.concurrency = 4;
        let live = LiveServices::new(live, Arc::new(credentials), Trust::default(), None, None, "test".into()).unwrap();
        let state = State::new(config.clone(), DataSource::Demo, OffsetDateTime::now_utc());
        let services = Services {
            live: Some(live),
            config,
            in_tmux: false,
            write_dir: PathBuf::from("."),
        };
        (state, services)
    }

    /// Runs the loop's steps until nothing is pending; a test fails after 20 s.
    async fn settle_soon(
        state: &mut State,
        services: &Services,
        tx: &UnboundedSender<Action>,
        rx: &mut mpsc::UnboundedReceiver<Action>,
        pending: &mut Pending,
    ) {
        tokio::time::timeout(Duration::from_secs(20), settle(state, services, tx, rx, pending))
            .await
            .expect("the refreshes end")
            .unwrap();
    }

    fn options() -> SimOptions {
        SimOptions {
            subscriptions: 2,
            clusters_per_subscription: 3,
            ..SimOptions::default()
        }
    }

    #[tokio::test]
    async fn r_cancels_a_refresh_stuck_in_sign_in_and_the_new_one_arrives() {
        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), options())
            .await
            .unwrap();
        let credential = Arc::new(HangsOnce::default());
        let (mut state, services) = services(sim.url(), Credentials::from_credential(credential.clone()));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut pending = start_initial(&mut state, &services, &tx);
        credential.first_call.notified().await;
        assert!(state.refresh.running, "the first refresh is stuck in its sign-in");
        step(
            &mut state,
            &services,
            Action::Command(Command::Refresh),
            &tx,
            &mut pending,
            true,
        );
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;
        assert_eq!(state.refresh.generation, 2);
        assert!(!state.refresh.running);
        assert_eq!(state.fleet.len(), 6, "{:?}", state.status);
        assert_eq!(credential.calls.load(Ordering::SeqCst), 2);
        sim.stop().await;
    }

    #[tokio::test]
    async fn refreshes_share_one_connection_pool() {
        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), options())
            .await
            .unwrap();
        let (url, connections) = counting_proxy(sim.addr()).await;
        let (mut state, services) = services(url, Credentials::fixed("simulator"));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut pending = start_initial(&mut state, &services, &tx);
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;
        assert_eq!(state.fleet.len(), 6);
        let after_first = connections.load(Ordering::SeqCst);
        assert!(after_first >= 1);
        for _ in 0..3 {
            step(
                &mut state,
                &services,
                Action::Command(Command::Refresh),
                &tx,
                &mut pending,
                true,
            );
            settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;
            assert_eq!(state.fleet.len(), 6);
        }
        assert_eq!(
            connections.load(Ordering::SeqCst),
            after_first,
            "three more refreshes, no new connection"
        );
        sim.stop().await;
    }

    /// The loop's parts over a simulator whose operations take no time, with apply on
    /// (`max_parallel` at once) and an audit log in `dir`.
    fn apply_services(endpoint: String, max_parallel: usize, dir: &std::path::Path) -> (State, Services) {
        let mut config = Config::default();
        config.apply.enabled = true;
        config.apply.max_parallel = max_parallel;
        let config = Arc::new(config);
        let mut live = Live::new(&config, &Overrides::default());
        live.endpoint = endpoint;
        let live = LiveServices::new(
            live,
            Arc::new(Credentials::fixed("simulator")),
            Trust::default(),
            None,
            None,
            "test".into(),
        )
        .unwrap()
        .with_audit_log(dir.join("apply-audit.jsonl"));
        let state = State::new(config.clone(), DataSource::Demo, OffsetDateTime::now_utc());
        let services = Services {
            live: Some(live),
            config,
            in_tmux: false,
            write_dir: PathBuf::from("."),
        };
        (state, services)
    }

    fn apply_options() -> SimOptions {
        SimOptions {
            subscriptions: 2,
            clusters_per_subscription: 4,
            seed: 3,
            operation_seconds: 0,
            ..SimOptions::default()
        }
    }

    /// Runs `action` through the loop's step, starting the effects it asks for.
    fn act(
        state: &mut State,
        services: &Services,
        action: Action,
        tx: &UnboundedSender<Action>,
        pending: &mut Pending,
    ) {
        step(state, services, action, tx, pending, true);
    }

    /// Types `text` on the open line and presses Enter.
    fn type_line(
        state: &mut State,
        services: &Services,
        text: &str,
        tx: &UnboundedSender<Action>,
        pending: &mut Pending,
    ) {
        use crate::app::action::PromptKey;
        use crate::app::line::Edit;
        for c in text.chars() {
            act(
                state,
                services,
                Action::Prompt(PromptKey::Edit(Edit::Insert(c))),
                tx,
                pending,
            );
        }
        act(state, services, Action::Prompt(PromptKey::Accept), tx, pending);
    }

    /// The clusters the default plan changes, by id.
    fn to_change(state: &State) -> Vec<String> {
        state
            .fleet
            .iter()
            .filter(|a| {
                !crate::remediate::plan::plan(a, &state.config, crate::remediate::Scope::default())
                    .changes
                    .is_empty()
            })
            .map(|a| a.cluster.id.clone())
            .collect()
    }

    /// Starts what the dashboard starts with, as the loop does; how many are pending.
    fn start_initial(state: &mut State, services: &Services, tx: &UnboundedSender<Action>) -> Pending {
        let mut pending = Pending(0);
        for effect in initial_effects(state, services) {
            if services.start(effect, state, tx, true) {
                pending.0 += 1;
            }
        }
        pending
    }

    #[tokio::test]
    async fn an_apply_runs_through_effects_and_actions_and_the_cluster_read_back_replaces_its_row() {
        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), apply_options())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (mut state, services) = apply_services(sim.url(), 4, dir.path());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut pending = start_initial(&mut state, &services, &tx);
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;
        let id = to_change(&state)
            .into_iter()
            .next()
            .expect("a cluster with something to change");
        let failing = |state: &State| state.fleet[state.find(&id).unwrap()].failing().count();
        let failing_before = failing(&state);
        state.select_id(&id);
        act(&mut state, &services, Action::Command(Command::Fix), &tx, &mut pending);
        act(
            &mut state,
            &services,
            Action::Command(Command::Apply),
            &tx,
            &mut pending,
        );
        assert_eq!(pending.0, 0, "showing the plan reads and writes nothing");
        type_line(&mut state, &services, "yes", &tx, &mut pending);
        assert_eq!(pending.0, 1, "the apply runs in the background");
        // The user keeps working: the table moves while it runs.
        act(&mut state, &services, Action::Command(Command::Down), &tx, &mut pending);
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;

        let rows = &state.operations.rows;
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|r| matches!(r.state, crate::app::apply::OpState::Succeeded { .. })),
            "{rows:#?}"
        );
        // What Azure now says is on screen: nothing left to change, fewer findings failing.
        assert!(!to_change(&state).contains(&id), "re-assessed from the read back");
        assert!(failing(&state) < failing_before);
        let as_of = state.fleet[state.find(&id).unwrap()].cluster.as_of;
        assert!(
            as_of.is_some_and(|t| t > state.now - time::Duration::minutes(1)),
            "stamped when read back"
        );
        let writes: Vec<_> = sim
            .requests()
            .into_iter()
            .filter(|r| r.method == "PUT")
            .map(|r| (r.path_and_query.to_ascii_lowercase(), r.status))
            .collect();
        assert!(!writes.is_empty());
        assert!(
            writes
                .iter()
                .all(|(path, status)| path.starts_with(&id.to_ascii_lowercase()) && *status < 300),
            "{writes:?}"
        );
        let audit = std::fs::read_to_string(dir.path().join("apply-audit.jsonl")).unwrap();
        assert!(audit.contains("\"result\":\"verified\""), "{audit}");
        assert!(!audit.contains("simulator"), "never the token");
        sim.stop().await;
    }

    #[tokio::test]
    async fn a_queued_cluster_cancelled_in_the_operations_view_is_never_written() {
        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), apply_options())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        // One cluster at a time, so the others wait their turn.
        let (mut state, services) = apply_services(sim.url(), 1, dir.path());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut pending = start_initial(&mut state, &services, &tx);
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;
        assert!(to_change(&state).len() >= 2, "a batch to queue");
        act(
            &mut state,
            &services,
            Action::Command(Command::BatchFix),
            &tx,
            &mut pending,
        );
        act(
            &mut state,
            &services,
            Action::Command(Command::Apply),
            &tx,
            &mut pending,
        );
        let expected = match &state.overlay {
            Some(crate::app::state::Overlay::Plan(popup)) => popup.expected.clone(),
            other => panic!("the plan: {other:?}"),
        };
        type_line(&mut state, &services, &expected, &tx, &mut pending);
        // The last cluster waits behind the others: cancel it in the operations view.
        act(
            &mut state,
            &services,
            Action::Command(Command::OperationsView),
            &tx,
            &mut pending,
        );
        act(
            &mut state,
            &services,
            Action::Command(Command::Bottom),
            &tx,
            &mut pending,
        );
        let last = state.operations.rows.last().unwrap().cluster.clone();
        act(
            &mut state,
            &services,
            Action::Command(Command::CancelQueued),
            &tx,
            &mut pending,
        );
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;

        use crate::app::apply::OpState;
        for row in &state.operations.rows {
            if row.cluster == last {
                assert_eq!(row.state, OpState::Cancelled, "{row:?}");
            } else {
                assert!(matches!(row.state, OpState::Succeeded { .. }), "{row:?}");
            }
        }
        let written = sim.requests().into_iter().any(|r| {
            r.method != "GET"
                && r.path_and_query
                    .to_ascii_lowercase()
                    .starts_with(&last.to_ascii_lowercase())
        });
        assert!(!written, "nothing was sent for the cancelled cluster");
        sim.stop().await;
    }

    #[test]
    fn a_cluster_read_back_goes_into_the_saved_snapshot_unless_it_holds_a_newer_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let at = |minutes: i64| Some(time::macros::datetime!(2026-11-26 12:00 UTC) + time::Duration::minutes(minutes));
        let mut kept = crate::model::fixtures::cluster("s", "rg", "aks-1");
        kept.node_os_upgrade_channel = Some("Unmanaged".into());
        kept.subscription_name = Some("Production".into());
        kept.as_of = at(0);
        let snapshot = crate::cache::Snapshot {
            schema: crate::cache::SCHEMA_VERSION,
            key: "k".into(),
            saved_at: OffsetDateTime::now_utc(),
            subscriptions: vec![],
            clusters: vec![
                Arc::new(kept.clone()),
                Arc::new(crate::model::fixtures::cluster("s", "rg", "aks-2")),
            ],
            skipped: 0,
            errors: vec![],
            regions: Default::default(),
            events: None,
        };
        store.save(&snapshot).unwrap();
        let saved = |store: &Store| match store.load("k") {
            Loaded::Hit(snapshot) => snapshot.clusters,
            _ => panic!("the snapshot"),
        };

        let mut read_back = kept.clone();
        read_back.node_os_upgrade_channel = Some("SecurityPatch".into());
        read_back.subscription_name = None;
        read_back.as_of = at(5);
        save_cluster(&store, "k", read_back.clone()).unwrap();
        let clusters = saved(&store);
        assert_eq!(clusters[0].node_os_upgrade_channel.as_deref(), Some("SecurityPatch"));
        assert_eq!(clusters[0].subscription_name.as_deref(), Some("Production"), "kept");
        assert_eq!(clusters[1].name, "aks-2", "the rest as it was");

        // An older read back does not replace a newer read.
        let mut older = read_back;
        older.node_os_upgrade_channel = Some("None".into());
        older.as_of = at(1);
        save_cluster(&store, "k", older).unwrap();
        assert_eq!(
            saved(&store)[0].node_os_upgrade_channel.as_deref(),
            Some("SecurityPatch")
        );
        // No snapshot, nothing to do.
        save_cluster(&store, "other", kept).unwrap();
        assert!(matches!(store.load("other"), Loaded::Miss));
    }

    /// Runs one refresh of the dashboard against `sim`, keeping its snapshots in `store`.
    async fn refresh_once(sim: &Simulator, store: &std::path::Path) -> State {
        let config = Arc::new(Config::default());
        let mut live = Live::new(&config, &Overrides::default());
        live.endpoint = sim.url();
        let store = Some(Store::new(store));
        let credentials = Arc::new(Credentials::fixed("simulator"));
        let live = LiveServices::new(live, credentials, Trust::default(), store, None, "test".into()).unwrap();
        let mut state = State::new(config.clone(), DataSource::Demo, OffsetDateTime::now_utc());
        let services = Services {
            live: Some(live),
            config,
            in_tmux: false,
            write_dir: PathBuf::from("."),
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut pending = start_initial(&mut state, &services, &tx);
        settle_soon(&mut state, &services, &tx, &mut rx, &mut pending).await;
        state
    }

    #[tokio::test]
    async fn a_refresh_reads_the_fleet_s_events_and_a_refused_read_keeps_the_last_ones_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = SimOptions {
            subscriptions: 3,
            clusters_per_subscription: 20,
            ..SimOptions::default()
        };
        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), fleet.clone())
            .await
            .unwrap();
        let state = refresh_once(&sim, dir.path()).await;
        sim.stop().await;
        assert!(state.events_read(), "the events were read");
        assert!(state.errors.is_empty(), "{:?}", state.errors);
        let ids = |state: &State| {
            state
                .events()
                .map(|e| e.id().to_ascii_lowercase())
                .collect::<std::collections::BTreeSet<_>>()
        };
        let events = ids(&state);
        assert!(!events.is_empty(), "60 clusters have some");
        // Every event is in its cluster's outlook, as scan puts it there.
        assert!(state.fleet.iter().all(|a| {
            a.outlook
                .as_deref()
                .and_then(|o| o.events.as_deref())
                .is_some_and(|mine| mine.iter().all(|e| e.of_cluster(&a.cluster.id)))
        }));

        // The same fleet, where the events query is refused: the error is in the list
        // (`!`) and counts in the header; the events of the last read stay.
        let refused = SimOptions {
            forbidden_reads: vec!["scheduledEvents".into()],
            ..fleet
        };
        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), refused).await.unwrap();
        let state = refresh_once(&sim, dir.path()).await;
        sim.stop().await;
        let error = state
            .errors
            .iter()
            .find(|e| e.is_events())
            .expect("the events read failed");
        assert!(error.message.contains("AuthorizationFailed"), "{}", error.message);
        assert_eq!(ids(&state), events, "the last events stay");
        assert_eq!(state.fleet.len(), 60, "the rest of the read is whole");
        let mut terminal = Terminal::new(TestBackend::new(160, 40)).unwrap();
        terminal
            .draw(|f| ui::draw(f, &state, &Keymap::default(), Theme { color: false }))
            .unwrap();
        let screen = screen_text(terminal.backend().buffer());
        assert!(screen.contains("upgrade events unread (press !)"), "{screen}");
    }

    #[test]
    fn writing_the_same_text_twice_makes_one_file_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let script = "#!/usr/bin/env bash\n# K8S_TARGET_VERSION=1.34.2 bash aksradar-fix.sh\naz aks update\n";
        let first = write_new_file(dir.path(), "aksradar-fix-a.sh", script, Some("aksradar-fix.sh")).unwrap();
        let path = dir.path().join("aksradar-fix-a.sh");
        assert_eq!(first, format!("Wrote {} (3 lines).", path.display()));
        let again = write_new_file(dir.path(), "aksradar-fix-a.sh", script, Some("aksradar-fix.sh")).unwrap();
        assert!(
            again.starts_with("Already written: ") && again.contains(&path.display().to_string()),
            "{again}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no -1 copy");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains("bash aksradar-fix-a.sh"),
            "the usage names the file: {written}"
        );
        assert_eq!(written.lines().count(), script.lines().count());

        // Another text under the same name keeps the first file.
        let other = write_new_file(dir.path(), "aksradar-fix-a.sh", "echo other\n", None).unwrap();
        assert!(other.contains("aksradar-fix-a-1.sh"), "{other}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    }
}
