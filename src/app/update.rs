//! `update`: the only function that changes the `State`. It returns the side effects
//! it wants (a refresh, a fetch, a copy); the loop runs them and reports back with
//! more actions. Pure and synchronous, so every behaviour is a unit test.
//!
//! Longer than 600 lines on purpose: one `match` over every command keeps what each
//! key does in one place, where splitting it would scatter the modes it checks.

use super::action::Action;
use super::command::Command;
use super::keymap::{Key, Keymap};
use super::state::{DetailState, FixPopup, Level, Overlay, Screen, State, View};
use crate::cache::Snapshot;
use crate::filter::Filter;
use crate::model::Cluster;
use crate::model::{ClusterDetails, Progress};
use crate::{remediate, report, rules};

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the fleet again; tag what comes back with `generation`. A refresh still
    /// running is cancelled: only the newest one runs.
    Refresh { generation: u64 },
    /// Read one cluster's maintenance windows, latest node images and region versions.
    FetchDetails { id: String, cluster: Box<Cluster> },
    /// Read one cluster's raw JSON from Azure.
    FetchRaw { id: String, cluster: Box<Cluster> },
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Write text to a new file in the current folder, named after `name`.
    WriteFile { name: String, text: String },
    /// Append a live read's verdicts to the history.
    RecordHistory(crate::history::Record),
}

/// Turns a key into an action, by the mode the screen is in: while the filter line is
/// being edited, keys are text; elsewhere they go through the key map.
pub fn key_action(state: &State, keymap: &Keymap, key: Key) -> Option<Action> {
    use crossterm::event::{KeyCode, KeyModifiers};
    if state.filter_input.editing {
        return match key.code {
            KeyCode::Enter => Some(Action::FilterAccept),
            KeyCode::Esc => Some(Action::FilterCancel),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::Command(Command::Quit)),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::FilterChar(c)),
            _ => None,
        };
    }
    keymap.command(key).map(Action::Command)
}

/// Applies one action. Returns the effects to run, in order.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Command(command) => command_effects(state, command),
        Action::FilterChar(c) => {
            state.filter_input.text.push(c);
            retry_filter(state);
            vec![]
        }
        Action::FilterBackspace => {
            state.filter_input.text.pop();
            retry_filter(state);
            vec![]
        }
        Action::FilterAccept => {
            let input = &mut state.filter_input;
            input.editing = false;
            if let Some(error) = input.error.take() {
                // What stays is the last filter that parsed, so say which.
                input.applied = state.filter.source().to_string();
                input.text = input.applied.clone();
                state.status = Some((format!("filter not applied: {error}"), Level::Error));
            } else {
                input.applied = input.text.clone();
            }
            vec![]
        }
        Action::FilterCancel => {
            state.filter_input = Default::default();
            state.filter = Filter::default();
            state.recompute_keeping_selection();
            vec![]
        }
        Action::Resize { rows } => {
            state.page = rows.max(1);
            keep_in_view(state);
            vec![]
        }
        Action::Tick(now) => {
            state.now = now;
            // Idle time: order the fleet by every column now, not on the first `s`.
            state.warm_ranks();
            let due = match (state.config.refresh_interval, state.refresh.started) {
                (Some(interval), Some(started)) => now - started >= interval,
                _ => false,
            };
            if due && state.live && !state.refresh.running {
                start_refresh(state)
            } else {
                vec![]
            }
        }
        Action::Progress { generation, progress } => {
            if generation == state.refresh.generation {
                progress_step(state, progress);
            }
            vec![]
        }
        Action::Refreshed { generation, snapshot } => {
            if generation != state.refresh.generation {
                return vec![];
            }
            let read_at = snapshot.saved_at;
            apply_snapshot(state, *snapshot);
            vec![Effect::RecordHistory(crate::history::Record::of(&state.fleet, read_at))]
        }
        Action::RefreshFailed { generation, message } => {
            if generation == state.refresh.generation {
                state.refresh.running = false;
                state.loading = false;
                state.status = Some((message, Level::Error));
            }
            vec![]
        }
        Action::Details { id, details } => {
            apply_details(state, &id, *details);
            vec![]
        }
        Action::Raw { id, text } => {
            if let Some(Overlay::Raw {
                id: open, text: shown, ..
            }) = &mut state.overlay
                && *open == id
            {
                *shown = Some(text.unwrap_or_else(|err| format!("The raw JSON could not be read: {err}")));
            }
            vec![]
        }
        Action::Done(result) => {
            state.status = Some(match result {
                Ok(message) => (message, Level::Info),
                Err(message) => (message, Level::Error),
            });
            vec![]
        }
    }
}

fn command_effects(state: &mut State, command: Command) -> Vec<Effect> {
    match command {
        Command::Up => scroll_or_move(state, -1),
        Command::Down => scroll_or_move(state, 1),
        Command::PageUp => scroll_or_move(state, -(state.page as i64)),
        Command::PageDown => scroll_or_move(state, state.page as i64),
        Command::Top => scroll_or_move(state, i64::MIN / 2),
        Command::Bottom => scroll_or_move(state, i64::MAX / 2),
        Command::Open => open(state),
        Command::Back => {
            if state.overlay.take().is_none() {
                match state.screen {
                    Screen::Cluster { .. } => state.screen = Screen::Fleet,
                    Screen::Fleet if !state.filter.is_empty() => {
                        state.filter_input = Default::default();
                        state.filter = Filter::default();
                        state.recompute_keeping_selection();
                    }
                    Screen::Fleet => {}
                }
            }
            vec![]
        }
        Command::Filter => {
            if state.overlay.is_none() && state.screen == Screen::Fleet {
                state.view = View::Clusters;
                state.filter_input.editing = true;
                state.filter_input.text = state.filter_input.applied.clone();
            }
            vec![]
        }
        Command::SortNext | Command::SortReverse
            if state.screen == Screen::Fleet && state.overlay.is_none() && state.view == View::Clusters =>
        {
            if command == Command::SortNext {
                state.sort.0 = state.sort.0.next();
            } else {
                state.sort.1 = !state.sort.1;
            }
            state.recompute_keeping_selection();
            vec![]
        }
        Command::SortNext | Command::SortReverse => vec![],
        Command::Refresh => {
            if !state.live {
                state.status = Some(("Exported files have nothing to refresh.".into(), Level::Info));
                return vec![];
            }
            // A refresh that is still running may be stuck (a hung sign-in, a server
            // that never answers): `r` supersedes it, and the loop cancels it.
            let superseding = state.refresh.running;
            let effects = start_refresh(state);
            if superseding {
                state.status = Some((
                    "Refreshing again; the refresh that was still running is cancelled.".into(),
                    Level::Info,
                ));
            }
            effects
        }
        Command::Fix => {
            if state.view != View::Clusters && state.screen == Screen::Fleet {
                return vec![];
            }
            let Some(item) = state.target() else { return vec![] };
            let ids = vec![item.cluster.id.to_ascii_lowercase()];
            open_fix(state, ids, false, remediate::Format::Cli);
            vec![]
        }
        Command::BatchFix => {
            if state.view != View::Clusters || state.screen != Screen::Fleet {
                return vec![];
            }
            let ids = state.batch_ids();
            if ids.is_empty() {
                state.status = Some((
                    "Nothing to fix: no cluster is marked and none in view fails.".into(),
                    Level::Info,
                ));
                return vec![];
            }
            open_fix(state, ids, true, remediate::Format::Cli);
            vec![]
        }
        Command::NextFormat | Command::PreviousFormat => {
            if let Some(Overlay::Fix(popup)) = &state.overlay {
                let formats = remediate::Format::ALL;
                let at = formats.iter().position(|f| *f == popup.format).unwrap_or(0);
                let step = if command == Command::NextFormat {
                    1
                } else {
                    formats.len() - 1
                };
                let format = formats[(at + step) % formats.len()];
                let (ids, batch) = (popup.ids.clone(), popup.batch);
                open_fix(state, ids, batch, format);
            }
            vec![]
        }
        Command::Mark => {
            if state.view == View::Clusters && state.screen == Screen::Fleet && state.overlay.is_none() {
                if let Some(&row) = state.visible.get(state.selected) {
                    let marked = state.is_marked(row);
                    state.set_marked(row, !marked);
                }
                // Marking moves on, so Space Space Space marks three rows.
                return scroll_or_move(state, 1);
            }
            vec![]
        }
        Command::MarkAll => {
            if state.view == View::Clusters && state.overlay.is_none() {
                for row in state.visible.clone() {
                    state.set_marked(row, true);
                }
                state.status = Some((format!("{} clusters marked.", state.marked_count()), Level::Info));
            }
            vec![]
        }
        Command::ClearMarks => {
            if state.overlay.is_none() {
                state.clear_marks();
                state.status = Some(("Marks cleared.".into(), Level::Info));
            }
            vec![]
        }
        Command::OnlyFailing => {
            if state.overlay.is_none() {
                state.only_failing = !state.only_failing;
                state.recompute_keeping_selection();
                keep_in_view(state);
            }
            vec![]
        }
        Command::ClustersView | Command::SubscriptionsView | Command::PostureView => {
            if state.overlay.is_none() {
                state.screen = Screen::Fleet;
                state.view = match command {
                    Command::SubscriptionsView => View::Subscriptions,
                    Command::PostureView => View::Posture,
                    _ => View::Clusters,
                };
            }
            vec![]
        }
        Command::ExportJson | Command::ExportCsv => {
            if state.overlay.is_some() {
                return vec![];
            }
            let json = command == Command::ExportJson;
            let format = if json {
                report::Format::Json
            } else {
                report::Format::Csv
            };
            let items: Vec<crate::model::Assessed> = state
                .visible
                .iter()
                .map(|&r| state.fleet[state.rows[r].index].clone())
                .collect();
            let report = report::Report {
                assessed: &items,
                skipped: state.skipped,
                errors: &state.errors,
                minimum_version: &state.config.rules.kubernetes_minimum_version,
                changes: None,
            };
            let mut out = Vec::new();
            if let Err(err) = report::write(format, &report, report::Style::default(), &mut out) {
                state.status = Some((format!("Could not export: {err}"), Level::Error));
                return vec![];
            }
            let stamp = state
                .now
                .format(time::macros::format_description!(
                    "[year][month][day]-[hour][minute][second]"
                ))
                .unwrap_or_default();
            let name = format!("aksradar-export-{stamp}.{}", if json { "json" } else { "csv" });
            vec![Effect::WriteFile {
                name,
                text: String::from_utf8_lossy(&out).into_owned(),
            }]
        }
        Command::PortalLink => {
            let Some(item) = state.target() else { return vec![] };
            let link = format!("{}/#@/resource{}/overview", state.cloud.portal(), item.cluster.id);
            vec![Effect::Copy(link)]
        }
        Command::Copy => match &state.overlay {
            Some(Overlay::Fix(popup)) => vec![Effect::Copy(popup.text.clone())],
            _ => vec![],
        },
        Command::Write => match &state.overlay {
            Some(Overlay::Fix(popup)) => {
                let name = match popup.ids.as_slice() {
                    [one] if !popup.batch => state
                        .find(one)
                        .map_or("cluster".to_string(), |i| state.fleet[i].cluster.name.clone()),
                    ids => format!("{}-clusters", ids.len()),
                };
                vec![Effect::WriteFile {
                    name: file_name(&name, popup.format),
                    text: popup.text.clone(),
                }]
            }
            _ => vec![],
        },
        Command::Raw => {
            let Some(item) = state.target() else { return vec![] };
            let id = item.cluster.id.to_ascii_lowercase();
            if state.live {
                let cluster = Box::new(item.cluster.clone());
                state.overlay = Some(Overlay::Raw {
                    id: id.clone(),
                    text: None,
                    scroll: 0,
                });
                vec![Effect::FetchRaw { id, cluster }]
            } else {
                // Files: the cluster as aksradar read it.
                let text = serde_json::to_string_pretty(&item.cluster).unwrap_or_default();
                state.overlay = Some(Overlay::Raw {
                    id,
                    text: Some(text),
                    scroll: 0,
                });
                vec![]
            }
        }
        Command::Errors => {
            state.overlay = Some(Overlay::Errors { scroll: 0 });
            vec![]
        }
        Command::Help => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Command::Quit => {
            state.quit = true;
            vec![]
        }
    }
}

/// Starts a refresh: a new generation, so the answers of any earlier one are dropped.
pub fn start_refresh(state: &mut State) -> Vec<Effect> {
    state.refresh.generation += 1;
    state.refresh.running = true;
    state.refresh.total = 0;
    state.refresh.done = 0;
    state.refresh.failed = 0;
    state.refresh.clusters = 0;
    state.refresh.waiting = None;
    state.refresh.started = Some(state.now);
    vec![Effect::Refresh {
        generation: state.refresh.generation,
    }]
}

/// Opens (or switches) the fix popup on these clusters in `format`.
fn open_fix(state: &mut State, ids: Vec<String>, batch: bool, format: remediate::Format) {
    let text = fix_text(state, &ids, format);
    state.overlay = Some(Overlay::Fix(FixPopup {
        ids,
        batch,
        format,
        text,
        scroll: 0,
    }));
}

/// The fix text of these clusters in one format: the same generator as `remediate`.
fn fix_text(state: &State, ids: &[String], format: remediate::Format) -> String {
    let items: Vec<&crate::model::Assessed> = if ids.len() <= 8 {
        ids.iter()
            .filter_map(|id| state.find(id))
            .map(|i| &state.fleet[i])
            .collect()
    } else {
        let index: std::collections::HashMap<String, usize> = state
            .fleet
            .iter()
            .enumerate()
            .map(|(i, a)| (a.cluster.id.to_ascii_lowercase(), i))
            .collect();
        ids.iter()
            .filter_map(|id| index.get(id))
            .map(|&i| &state.fleet[i])
            .collect()
    };
    remediate::render(format, &items, &state.config.remediation)
}

/// `aksradar-fix-<cluster>.<ext>`, with only characters safe in any file name.
fn file_name(cluster: &str, format: remediate::Format) -> String {
    let safe: String = cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let extension = match format {
        remediate::Format::Cli | remediate::Format::Policy => "sh",
        remediate::Format::Bicep => "bicep",
        remediate::Format::Arm => "json",
        remediate::Format::Terraform => "tf",
    };
    let kind = match format {
        remediate::Format::Policy => "policy",
        _ => "fix",
    };
    format!("aksradar-{kind}-{safe}.{extension}")
}

fn open(state: &mut State) -> Vec<Effect> {
    if state.overlay.is_some() || state.screen != Screen::Fleet {
        return vec![];
    }
    match state.view {
        View::Subscriptions => {
            // A subscription opens as the clusters view filtered to it.
            if let Some(row) = state.subscription_rows.get(state.subscription_selected) {
                let text = format!("sub:{}", row.id);
                if let Ok(filter) = Filter::parse(&text) {
                    state.filter = filter;
                    state.filter_input = crate::app::state::FilterInput {
                        applied: text.clone(),
                        text,
                        ..Default::default()
                    };
                    state.view = View::Clusters;
                    state.selected = 0;
                    state.offset = 0;
                    state.recompute();
                }
            }
            return vec![];
        }
        View::Posture => return vec![],
        View::Clusters => {}
    }
    let Some(item) = state.selected_item() else {
        return vec![];
    };
    let id = item.cluster.id.to_ascii_lowercase();
    let cluster = Box::new(item.cluster.clone());
    state.screen = Screen::Cluster {
        id: id.clone(),
        scroll: 0,
    };
    if state.live && !state.details.contains_key(&id) {
        state.details.insert(id.clone(), DetailState::Loading);
        return vec![Effect::FetchDetails { id, cluster }];
    }
    vec![]
}

/// Scrolls the open overlay or view, or moves the table's cursor. No effects.
fn scroll_or_move(state: &mut State, delta: i64) -> Vec<Effect> {
    let scroll = |value: &mut u16| *value = (i64::from(*value) + delta).clamp(0, i64::from(u16::MAX)) as u16;
    match (&mut state.overlay, &mut state.screen) {
        (Some(Overlay::Help { scroll: s }), _)
        | (Some(Overlay::Errors { scroll: s }), _)
        | (Some(Overlay::Raw { scroll: s, .. }), _) => scroll(s),
        (Some(Overlay::Fix(popup)), _) => scroll(&mut popup.scroll),
        (None, Screen::Cluster { scroll: s, .. }) => scroll(s),
        (None, Screen::Fleet) if state.view == View::Subscriptions => {
            let last = state.subscription_rows.len().saturating_sub(1) as i64;
            state.subscription_selected = (state.subscription_selected as i64 + delta).clamp(0, last.max(0)) as usize;
            let page = state.page.max(1);
            if state.subscription_selected < state.subscription_offset {
                state.subscription_offset = state.subscription_selected;
            } else if state.subscription_selected >= state.subscription_offset + page {
                state.subscription_offset = state.subscription_selected + 1 - page;
            }
        }
        (None, Screen::Fleet) if state.view == View::Posture => {}
        (None, Screen::Fleet) => {
            let last = state.visible.len().saturating_sub(1) as i64;
            state.selected = (state.selected as i64 + delta).clamp(0, last.max(0)) as usize;
            keep_in_view(state);
        }
    }
    Vec::new()
}

fn keep_in_view(state: &mut State) {
    if state.selected < state.offset {
        state.offset = state.selected;
    } else if state.selected >= state.offset + state.page {
        state.offset = state.selected + 1 - state.page;
    }
    let max_offset = state.visible.len().saturating_sub(state.page);
    state.offset = state.offset.min(max_offset);
}

fn retry_filter(state: &mut State) {
    match Filter::parse(&state.filter_input.text) {
        Ok(filter) => {
            state.filter_input.error = None;
            if filter != state.filter {
                state.filter = filter;
                state.recompute_keeping_selection();
                keep_in_view(state);
            }
        }
        // The last filter that parsed stays applied; the error shows under the input.
        Err(error) => state.filter_input.error = Some(error.to_string()),
    }
}

fn progress_step(state: &mut State, progress: Progress) {
    let refresh = &mut state.refresh;
    match progress {
        Progress::Subscriptions { total } => refresh.total = total,
        Progress::Page { clusters, .. } => refresh.clusters += clusters,
        Progress::Done { .. } => {
            refresh.done += 1;
            refresh.waiting = None;
        }
        Progress::Failed { .. } => refresh.failed += 1,
        Progress::Waiting { seconds, why, .. } => refresh.waiting = Some(format!("{why}, retrying in {seconds:.1}s")),
        Progress::Started { .. } => {}
    }
}

/// Puts a snapshot on screen: the clusters assessed, the details already fetched
/// applied again, the selection kept.
pub fn apply_snapshot(state: &mut State, snapshot: Snapshot) {
    state.refresh.running = false;
    state.refresh.waiting = None;
    // The old data goes before the new is assessed, so both are not held at once.
    let carried = state.release();
    let fleet = snapshot.into_fleet();
    let failed = fleet.subscriptions.iter().filter(|s| s.error.is_some()).count();
    let today = state.now.date();
    let mut clusters = fleet.clusters;
    for cluster in &mut clusters {
        if let Some(DetailState::Loaded(details)) = state.details.get(&cluster.id.to_ascii_lowercase()) {
            details.as_ref().clone().apply(cluster);
        }
    }
    let assessed = rules::assess(clusters, &state.config, today);
    state.subscriptions = fleet.subscriptions;
    state.errors = fleet.errors;
    state.skipped = fleet.skipped;
    state.install(assessed, carried);
    keep_in_view(state);
    // A read that could not even list subscriptions (no credentials, no network) says
    // why; one that lost some subscriptions says how many. The last good rows stay.
    // A listed id that is no subscription id is not a failure to list.
    let invalid = |e: &&crate::model::SourceError| e.code.as_deref() == Some("InvalidSubscriptionId");
    let skipped_ids = state.errors.iter().filter(invalid).count();
    if let Some(general) = state.errors.iter().find(|e| e.subscription_id.is_none() && !invalid(e)) {
        let code = general.code.as_deref().unwrap_or("error");
        state.status = Some((
            format!(
                "The fleet could not be read ({code}: {}); the last good data is shown.",
                general.message
            ),
            Level::Error,
        ));
    } else if failed > 0 {
        state.status = Some((
            format!("{failed} subscription(s) could not be read; their last good rows are shown (press !)."),
            Level::Error,
        ));
    } else if skipped_ids > 0 {
        state.status = Some((
            format!("{skipped_ids} listed subscription id(s) are not GUIDs and were not read (press !)."),
            Level::Error,
        ));
    }
}

fn apply_details(state: &mut State, id: &str, details: ClusterDetails) {
    if let Some(index) = state.find(id) {
        let mut cluster = state.fleet[index].cluster.clone();
        details.clone().apply(&mut cluster);
        let item = rules::assess_one(cluster, &state.config, state.now.date());
        state.set_one(index, item);
    }
    state
        .details
        .insert(id.to_string(), DetailState::Loaded(Box::new(details)));
}
