//! The dashboard's loop: terminal or headless, it feeds keys and background results
//! to `update` as actions, runs the effects `update` asks for, and draws once after
//! draining everything pending.
//!
//! Background work (refreshes, raw JSON, file writes) runs in tasks that send actions
//! back. A refresh reads in two phases: the list, which goes on screen at once
//! (`Listed`), then every cluster's details, after which the finished snapshot is saved
//! and replaces it (`Refreshed`). A refresh carries a generation so a superseded one
//! is ignored, and starting a refresh cancels the one still running (a stuck sign-in
//! or server must not keep the next one from starting). Every request goes through one
//! client, so refreshes and raw JSON share one connection pool. Nothing here holds the
//! state but the loop itself.

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
        })
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
                    if let Some(message) = trouble {
                        let _ = actions.send(Action::Warning(crate::text::clean(&message).into_owned()));
                    }
                    if let Ok(records) = history.records() {
                        let _ = actions.send(Action::Trend(crate::app::aggregates::trend(&records)));
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
                    let records = history.records().unwrap_or_default();
                    let _ = actions.send(Action::Trend(crate::app::aggregates::trend(&records)));
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
        }
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
                fetch::read(
                    client,
                    &request,
                    true,
                    Some(&events),
                    &previous,
                    &key,
                    &OffsetDateTime::now_utc,
                    watch,
                )
                .await
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
        Action::Refreshed { .. } | Action::RefreshFailed { .. } | Action::Raw { .. } | Action::Done(_)
    )
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
        let mut pending = Pending(0);
        for effect in initial_effects(&mut state, &services) {
            if services.start(effect, &state, &tx, true) {
                pending.0 += 1;
            }
        }
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
        let mut pending = Pending(0);
        for effect in initial_effects(&mut state, &services) {
            if services.start(effect, &state, &tx, true) {
                pending.0 += 1;
            }
        }
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
