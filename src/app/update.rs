//! `update`: the only function that changes the `State`. It returns the side effects
//! it wants (a refresh, a fetch, a copy); the loop runs them and reports back with
//! more actions. Pure and synchronous, so every behaviour is a unit test.
//!
//! Long on purpose: one `match` over every command keeps what each key does in one
//! place, where splitting it would scatter the modes it checks. The line being typed is
//! `prompt`'s; what is copied, written and exported is `output`'s.

use super::action::{Action, PromptKey};
use super::apply;
use super::command::Command;
use super::context::{self, Context};
use super::keymap::{Key, Keymap};
use super::line::Edit;
use super::output::{self, command_at};
use super::prompt;
use super::state::{DetailsProgress, FixPopup, Level, Overlay, PromptKind, RuleChoice, Screen, State, View};
use super::state::{ERROR_SECONDS, INFO_SECONDS};
use crate::cache::Snapshot;
use crate::filter::{Column, Filter};
use crate::model::{Cluster, Progress, carry_details};
use crate::remediate::Scope;
use crate::{remediate, rules};

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read the fleet again; tag what comes back with `generation`. A refresh still
    /// running is cancelled: only the newest one runs.
    Refresh { generation: u64 },
    /// Read one cluster's raw JSON from Azure.
    FetchRaw { id: String, cluster: Box<Cluster> },
    /// Put text on the clipboard (OSC 52); `done` is what the message line says then.
    Copy { text: String, done: String },
    /// Write text to a file in the current folder named `name` (or `name-1`... when
    /// another file has that name; not again when the same text is already there).
    /// `usage` is a file name the text's usage comment gives, to be replaced by the
    /// name it is written under.
    WriteFile {
        name: String,
        text: String,
        usage: Option<&'static str>,
    },
    /// Append a live read's verdicts to the history, then read the trend again.
    RecordHistory(crate::history::Record),
    /// Read the history's trend (for the posture view).
    LoadTrend,
    /// Apply these confirmed plans (for the rules of `scope`) as run `run`: what it
    /// does comes back as `Action::Applying`, its end as `Action::ApplyEnded`.
    Apply {
        run: u64,
        plans: Vec<crate::remediate::plan::Plan>,
        scope: Scope,
    },
    /// Do not start this cluster (by resource id) of run `run` if it has not started.
    CancelApply { run: u64, cluster: String },
    /// A cluster read again after its apply: into the saved snapshot, in place of an
    /// older read of it.
    SaveCluster(Box<Cluster>),
}

/// Turns a key into an action, by the mode the screen is in: while a line is being
/// typed, keys edit it (as a shell line does); elsewhere they go through the key map,
/// and a command that does nothing here becomes `Inert`, so the user hears why.
pub fn key_action(state: &State, keymap: &Keymap, key: Key) -> Option<Action> {
    use crossterm::event::{KeyCode, KeyModifiers};
    if state.prompt.is_some() {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let edit = |edit| Some(Action::Prompt(PromptKey::Edit(edit)));
        return match key.code {
            KeyCode::Enter => Some(Action::Prompt(PromptKey::Accept)),
            KeyCode::Esc => Some(Action::Prompt(PromptKey::Cancel)),
            KeyCode::Tab => Some(Action::Prompt(PromptKey::Complete)),
            // Under a plan, the page keys scroll it while its confirmation is typed.
            KeyCode::PageUp | KeyCode::PageDown
                if state.prompt.as_ref().is_some_and(|p| p.kind == PromptKind::Confirm) =>
            {
                let command = if key.code == KeyCode::PageUp {
                    Command::PageUp
                } else {
                    Command::PageDown
                };
                Some(Action::Command(command))
            }
            KeyCode::Up => Some(Action::Prompt(PromptKey::Older)),
            KeyCode::Down => Some(Action::Prompt(PromptKey::Newer)),
            KeyCode::Backspace => edit(Edit::Backspace),
            KeyCode::Delete => edit(Edit::Delete),
            KeyCode::Left => edit(Edit::Left),
            KeyCode::Right => edit(Edit::Right),
            KeyCode::Home => edit(Edit::Home),
            KeyCode::End => edit(Edit::End),
            KeyCode::Char('c') if control => Some(Action::Command(Command::Quit)),
            KeyCode::Char('a') if control => edit(Edit::Home),
            KeyCode::Char('e') if control => edit(Edit::End),
            KeyCode::Char('w') if control => edit(Edit::DeleteWord),
            KeyCode::Char('u') if control => edit(Edit::DeleteToStart),
            KeyCode::Char(c) if !control => edit(Edit::Insert(c)),
            _ => None,
        };
    }
    let command = keymap.command(key)?;
    if context::works(command, state) {
        Some(Action::Command(command))
    } else {
        Some(Action::Inert {
            key: key.label(),
            command,
        })
    }
}

/// Applies one action. Returns the effects to run, in order.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Command(command) => command_effects(state, command),
        Action::Inert { key, command } => {
            let why = context::why_not(command, state);
            state.say(format!("{key} ({}): {why}", command.description()), Level::Info);
            vec![]
        }
        Action::Prompt(key) => prompt::key(state, key),
        Action::Resize { rows } => {
            state.page = rows.max(1);
            keep_in_view(state);
            vec![]
        }
        Action::Tick(now) => {
            state.now = now;
            let expired = state.status.as_ref().is_some_and(|status| {
                let seconds = match status.level {
                    Level::Info => INFO_SECONDS,
                    Level::Error => ERROR_SECONDS,
                };
                (now - status.since).whole_seconds() >= seconds
            });
            if expired {
                state.status = None;
            }
            // The same data a minute on: windows open and close, spans shorten.
            if state.renew_outlooks() {
                keep_in_view(state);
            }
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
        Action::Listed { generation, snapshot } => {
            if generation == state.refresh.generation {
                apply_listed(state, *snapshot);
            }
            vec![]
        }
        Action::Detailed { generation, clusters } => {
            if generation == state.refresh.generation {
                state.replace(clusters);
                keep_in_view(state);
            }
            vec![]
        }
        Action::Refreshed { generation, snapshot } => {
            if generation != state.refresh.generation {
                return vec![];
            }
            let read_at = snapshot.saved_at;
            apply_snapshot(state, *snapshot);
            // The snapshot just saved has older reads of clusters read back since.
            let mut effects = apply::resave(state);
            // A read that reached nothing has nothing to record.
            if state.errors.iter().any(crate::model::SourceError::is_listing) {
                return effects;
            }
            effects.push(Effect::RecordHistory(crate::history::Record::of(&state.fleet, read_at)));
            effects
        }
        Action::RefreshFailed { generation, message } => {
            if generation == state.refresh.generation {
                state.refresh.running = false;
                state.loading = false;
                state.say(message, Level::Error);
            }
            vec![]
        }
        Action::Raw { id, text } => {
            if let Some(Overlay::Raw {
                id: open, text: shown, ..
            }) = state.overlay.as_mut().map(unhelp)
                && *open == id
            {
                *shown = Some(text.unwrap_or_else(|err| format!("The raw JSON could not be read: {err}")));
            }
            vec![]
        }
        Action::Done(result) => {
            match result {
                Ok(message) => state.say(message, Level::Info),
                Err(message) => state.say(message, Level::Error),
            }
            vec![]
        }
        Action::Warning(message) => {
            state.say(message, Level::Error);
            vec![]
        }
        Action::Trend(trend) => {
            state.trend = trend;
            vec![]
        }
        Action::Applying { run, event } => apply::event(state, run, *event),
        Action::ApplyEnded { run, failure } => apply::ended(state, run, failure),
    }
}

/// The popup under the help, if the help is open over one; else the popup itself.
fn unhelp(overlay: &mut Overlay) -> &mut Overlay {
    match overlay {
        Overlay::Help { under: Some(under), .. } => under,
        other => other,
    }
}

pub(super) fn command_effects(state: &mut State, command: Command) -> Vec<Effect> {
    if let Some(column) = command.sort_column() {
        if state.overlay.is_none() && state.screen == Screen::Fleet && state.view == View::Clusters {
            // The same key again reverses; a new column starts in its usual direction.
            let descending = if state.sort.0 == column {
                !state.sort.1
            } else {
                column == Column::Verdict
            };
            sort_by(state, column, descending);
        }
        return vec![];
    }
    match command {
        Command::Up => scroll_or_move(state, -1),
        Command::Down => scroll_or_move(state, 1),
        Command::PageUp => scroll_or_move(state, -(state.page as i64)),
        Command::PageDown => scroll_or_move(state, state.page as i64),
        Command::Top => scroll_or_move(state, i64::MIN / 2),
        Command::Bottom => scroll_or_move(state, i64::MAX / 2),
        Command::Open => open(state),
        Command::Back => {
            back(state);
            vec![]
        }
        Command::Filter => {
            if let Some(Overlay::Raw { scroll, search, .. }) = &state.overlay {
                let text = search.clone().unwrap_or_default();
                state.prompt = Some(super::state::Prompt::new(PromptKind::Search, &text, scroll.to_string()));
            } else if state.overlay.is_none() {
                let text = state.filter.source().to_string();
                state.prompt = Some(super::state::Prompt::new(PromptKind::Filter, &text, text.clone()));
            }
            vec![]
        }
        Command::ClearFilter => {
            if !state.filter.is_empty() {
                let was = state.filter.source().to_string();
                remember(&mut state.filter_history, &was);
                state.set_filter(Filter::default());
                keep_in_view(state);
                state.say(
                    format!(
                        "Filter `{}` cleared (/ then Up brings it back).",
                        crate::text::clean(&was)
                    ),
                    Level::Info,
                );
            }
            vec![]
        }
        Command::CommandLine => {
            if state.overlay.is_none() {
                state.prompt = Some(super::state::Prompt::new(PromptKind::Command, "", String::new()));
            }
            vec![]
        }
        Command::SortNext | Command::SortReverse
            if state.screen == Screen::Fleet && state.overlay.is_none() && state.view == View::Clusters =>
        {
            if command == Command::SortNext {
                let next = state.sort.0.next();
                sort_by(state, next, next == Column::Verdict);
            } else {
                let (column, descending) = state.sort;
                sort_by(state, column, !descending);
            }
            vec![]
        }
        Command::SortNext | Command::SortReverse => vec![],
        // Handled above, by their column.
        Command::SortName
        | Command::SortSubscription
        | Command::SortResourceGroup
        | Command::SortLocation
        | Command::SortVersion
        | Command::SortUpgrade
        | Command::SortNodeOs
        | Command::SortProvisioning
        | Command::SortSupport
        | Command::SortWindow
        | Command::SortVerdict => vec![],
        Command::Refresh => {
            if !state.live {
                state.say("Exported files have nothing to refresh.", Level::Info);
                return vec![];
            }
            // A refresh that is still running may be stuck (a hung sign-in, a server
            // that never answers): `r` supersedes it, and the loop cancels it.
            let superseding = state.refresh.running;
            let effects = start_refresh(state);
            if superseding {
                state.say(
                    "Refreshing again; the refresh that was still running is cancelled.",
                    Level::Info,
                );
            }
            effects
        }
        Command::Fix => {
            if state.view != View::Clusters && state.screen == Screen::Fleet {
                return vec![];
            }
            let Some(item) = state.target() else { return vec![] };
            let ids = vec![item.cluster.id.to_ascii_lowercase()];
            let scope = Scope::asked(&state.filter.rules_asked());
            open_fix(state, ids, false, remediate::Format::Cli, scope);
            vec![]
        }
        Command::BatchFix => {
            if state.view != View::Clusters || state.screen != Screen::Fleet {
                return vec![];
            }
            let ids = state.batch_ids();
            if ids.is_empty() {
                state.say(
                    "Nothing to fix: no cluster is marked and none in view fails.",
                    Level::Info,
                );
                return vec![];
            }
            let scope = Scope::asked(&state.filter.rules_asked());
            open_fix(state, ids, true, remediate::Format::Cli, scope);
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
                let (ids, batch, scope) = (popup.ids.clone(), popup.batch, popup.scope());
                open_fix(state, ids, batch, format, scope);
            }
            vec![]
        }
        Command::PreviousRule | Command::NextRule => {
            if let Some(Overlay::Fix(popup)) = &mut state.overlay {
                let n = popup.rules.len().max(1);
                let step = if command == Command::NextRule { 1 } else { n - 1 };
                popup.rule_at = (popup.rule_at + step) % n;
            }
            vec![]
        }
        Command::ToggleRule => {
            if let Some(Overlay::Fix(popup)) = &mut state.overlay
                && let Some(choice) = popup.rules.get_mut(popup.rule_at)
            {
                choice.included = !choice.included;
                let (rule, included) = (choice.rule, choice.included);
                refresh_fix(state);
                let what = if included { "in the fix" } else { "left out of the fix" };
                let drains = if included && Scope::UPGRADES.contains(&rule) {
                    " (a Kubernetes upgrade: it drains and replaces every node)"
                } else {
                    ""
                };
                state.say(format!("{} {what}{drains}.", rule.name()), Level::Info);
            }
            vec![]
        }
        Command::Apply => apply::open_plan(state),
        Command::CancelQueued | Command::CancelAllQueued => {
            if state.overlay.is_none() && state.screen == Screen::Fleet && state.view == View::Operations {
                return apply::cancel(state, command == Command::CancelAllQueued);
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
                let text = format!("{} marked.", crate::text::count(state.marked_count(), "cluster"));
                state.say(text, Level::Info);
            }
            vec![]
        }
        Command::ClearMarks => {
            if state.overlay.is_none() {
                let had = state.marked_count();
                state.clear_marks();
                let text = format!("Marks cleared ({} unmarked).", crate::text::count(had, "cluster"));
                state.say(text, Level::Info);
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
        Command::ClustersView
        | Command::SubscriptionsView
        | Command::PostureView
        | Command::UpgradesView
        | Command::OperationsView => {
            if state.overlay.is_none() {
                let view = match command {
                    Command::SubscriptionsView => View::Subscriptions,
                    Command::PostureView => View::Posture,
                    Command::UpgradesView => View::Upgrades,
                    Command::OperationsView => View::Operations,
                    _ => View::Clusters,
                };
                switch_view(state, view);
                if view == View::Posture && state.live && !state.trend.loaded {
                    return vec![Effect::LoadTrend];
                }
            }
            vec![]
        }
        Command::ExportJson | Command::ExportCsv => output::export(state, command == Command::ExportJson),
        Command::PortalLink => {
            let Some(item) = state.target() else { return vec![] };
            let link = format!("{}/#@/resource{}/overview", state.cloud.portal(), item.cluster.id);
            let done = format!("Copied the portal link (OSC 52): {link}");
            vec![Effect::Copy { text: link, done }]
        }
        Command::Copy | Command::CopyAll => output::copy(state, command == Command::CopyAll),
        Command::Write => output::write(state),
        Command::SearchNext => {
            if let Some(Overlay::Raw {
                text: Some(text),
                scroll,
                search: Some(search),
                ..
            }) = &mut state.overlay
            {
                match output::find_line(text, search, usize::from(*scroll) + 1) {
                    Some(line) => *scroll = line.min(usize::from(u16::MAX)) as u16,
                    None => {
                        let message = format!("No more matches of `{}`.", crate::text::clean(search));
                        state.say(message, Level::Info);
                    }
                }
            }
            vec![]
        }
        Command::Raw => {
            if matches!(state.overlay, Some(Overlay::Raw { .. })) {
                state.overlay = None;
                return vec![];
            }
            let Some(item) = state.target() else { return vec![] };
            let id = item.cluster.id.to_ascii_lowercase();
            if state.live {
                let cluster = Box::new((*item.cluster).clone());
                state.overlay = Some(Overlay::Raw {
                    id: id.clone(),
                    text: None,
                    scroll: 0,
                    search: None,
                });
                vec![Effect::FetchRaw { id, cluster }]
            } else {
                // Files: the cluster as aksradar read it.
                let text = serde_json::to_string_pretty(&item.cluster).unwrap_or_default();
                state.overlay = Some(Overlay::Raw {
                    id,
                    text: Some(text),
                    scroll: 0,
                    search: None,
                });
                vec![]
            }
        }
        Command::Errors => {
            state.overlay = match state.overlay {
                Some(Overlay::Errors { .. }) => None,
                _ => Some(Overlay::Errors { scroll: 0 }),
            };
            vec![]
        }
        Command::Help => {
            state.overlay = match state.overlay.take() {
                Some(Overlay::Help { under, .. }) => under.map(|b| *b),
                under => {
                    state.overlay = under;
                    let context = Context::of(state);
                    let under = state.overlay.take().map(Box::new);
                    Some(Overlay::Help {
                        scroll: 0,
                        context,
                        under,
                    })
                }
            };
            vec![]
        }
        Command::Quit => apply::quit(state),
    }
}

/// Sorts the table by `column`, keeping the selected cluster.
pub(super) fn sort_by(state: &mut State, column: Column, descending: bool) {
    state.sort = (column, descending);
    state.recompute_keeping_selection();
    keep_in_view(state);
}

/// Shows a view: a jump, so the way back is forgotten.
pub(super) fn switch_view(state: &mut State, view: View) {
    state.screen = Screen::Fleet;
    state.view = view;
    state.back.clear();
    state.aggregate_view();
}

/// Esc: closes the popup (back to the popup under the help), else goes back to where
/// the view was opened from, with the filter it had.
fn back(state: &mut State) {
    match state.overlay.take() {
        Some(Overlay::Help { under, .. }) => state.overlay = under.map(|b| *b),
        Some(Overlay::Plan(popup)) => {
            state.overlay = popup.under.map(|b| *b);
            // Data may have arrived while the plan covered it.
            refresh_fix(state);
        }
        Some(_) => {}
        None => {
            let Some(place) = state.back.pop() else { return };
            state.view = place.view;
            state.screen = place.screen;
            if place.filter != state.filter.source() {
                // It parsed when it was applied.
                state.set_filter(Filter::parse(&place.filter).unwrap_or_default());
            }
            state.aggregate_view();
            state.subscription_selected = place.subscription_selected;
            state.upgrade_selected = place.upgrade_selected.min(state.upgrade_rows.len().saturating_sub(1));
            if let Some(id) = place.selected {
                state.select_id(&id);
            }
            keep_in_view(state);
        }
    }
}

/// Adds `text` to a history, at the end, once.
pub(super) fn remember(history: &mut Vec<String>, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    history.retain(|t| t != text);
    history.push(text.to_string());
    const KEEP: usize = 50;
    if history.len() > KEEP {
        history.remove(0);
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
    state.refresh.details = None;
    state.refresh.started = Some(state.now);
    vec![Effect::Refresh {
        generation: state.refresh.generation,
    }]
}

/// Opens (or switches) the fix popup on these clusters in `format`, for the rules in
/// `scope`; the rule under the rule cursor is the first one asked for.
pub(super) fn open_fix(state: &mut State, ids: Vec<String>, batch: bool, format: remediate::Format, scope: Scope) {
    let items = fix_items(state, &ids);
    let rules: Vec<RuleChoice> = remediate::failing_per_rule(&items)
        .into_iter()
        .map(|(rule, failing)| RuleChoice {
            rule,
            included: scope.includes(rule),
            failing,
        })
        .collect();
    let text = fix_text(state, &items, format, scope);
    drop(items);
    // The cursor starts on the first command, so `y` copies something at once.
    let cursor = first_command(&text, format);
    let rule_at = rules.iter().position(|r| r.included).unwrap_or(0);
    state.overlay = Some(Overlay::Fix(FixPopup {
        ids,
        batch,
        format,
        text,
        scroll: 0,
        cursor,
        rules,
        rule_at,
    }));
}

/// The first line of `text` with a command on it, or the first line.
fn first_command(text: &str, format: remediate::Format) -> usize {
    (0..text.lines().count())
        .find(|&line| command_at(text, line, format).is_some())
        .unwrap_or(0)
}

/// Makes the open fix popup's text again (new data, another choice of rules), in
/// place: the same clusters, format and rules, the scroll kept, the cursor kept on
/// its line (or the last one), the counts per rule made again.
pub(super) fn refresh_fix(state: &mut State) {
    let Some(Overlay::Fix(popup)) = state.overlay.as_mut().map(unhelp) else {
        return;
    };
    let (ids, format, scope) = (popup.ids.clone(), popup.format, popup.scope());
    let items = fix_items(state, &ids);
    let counts = remediate::failing_per_rule(&items);
    let text = fix_text(state, &items, format, scope);
    drop(items);
    let Some(Overlay::Fix(popup)) = state.overlay.as_mut().map(unhelp) else {
        return;
    };
    for (choice, (_, failing)) in popup.rules.iter_mut().zip(counts) {
        choice.failing = failing;
    }
    let last = text.lines().count().saturating_sub(1);
    popup.cursor = popup.cursor.min(last);
    popup.scroll = popup.scroll.min(u16::try_from(last).unwrap_or(u16::MAX));
    popup.text = text;
}

/// The clusters of these ids, in the order given.
fn fix_items<'a>(state: &'a State, ids: &[String]) -> Vec<&'a crate::model::Assessed> {
    if ids.len() <= 8 {
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
    }
}

/// The fix text of these clusters in one format for the rules in `scope`: the same
/// generator as `remediate`.
fn fix_text(state: &State, items: &[&crate::model::Assessed], format: remediate::Format, scope: Scope) -> String {
    let request = remediate::Request {
        format,
        scope,
        minimum: &state.config.rules.kubernetes_minimum_version,
        notes: &[],
    };
    remediate::render_request(&request, items, &state.config.remediation)
}

fn open(state: &mut State) -> Vec<Effect> {
    if state.overlay.is_some() || state.screen != Screen::Fleet {
        return vec![];
    }
    match state.view {
        View::Subscriptions => {
            // A subscription opens as the clusters view, its term added to the filter;
            // Esc comes back here with the filter as it was.
            if let Some(row) = state.subscription_rows.get(state.subscription_selected) {
                let term = format!("sub:{}", crate::filter::quote(&row.id));
                let text = match state.filter.source() {
                    "" => term,
                    current => format!("{current} {term}"),
                };
                if let Ok(filter) = Filter::parse(&text) {
                    let place = state.place();
                    state.back.push(place);
                    state.view = View::Clusters;
                    state.set_filter(filter);
                    state.selected = 0;
                    state.offset = 0;
                }
            }
            return vec![];
        }
        View::Posture => return vec![],
        View::Operations => return apply::open_row(state),
        View::Upgrades => {
            // The event's cluster opens; Esc comes back to this event.
            let Some((item, _)) = state.selected_upgrade() else {
                return vec![];
            };
            let id = item.cluster.id.to_ascii_lowercase();
            let place = state.place();
            state.back.push(place);
            state.screen = Screen::Cluster { id, scroll: 0 };
            return vec![];
        }
        View::Clusters => {}
    }
    let Some(item) = state.selected_item() else {
        return vec![];
    };
    // Opening shows what is there: the details come with every refresh, for the whole
    // fleet, so no verdict moves because a cluster was looked at.
    let id = item.cluster.id.to_ascii_lowercase();
    let place = state.place();
    state.back.push(place);
    state.screen = Screen::Cluster { id, scroll: 0 };
    vec![]
}

/// Scrolls the open overlay or view, or moves the table's cursor. No effects.
fn scroll_or_move(state: &mut State, delta: i64) -> Vec<Effect> {
    let scroll = |value: &mut u16| *value = (i64::from(*value) + delta).clamp(0, i64::from(u16::MAX)) as u16;
    match (&mut state.overlay, &mut state.screen) {
        (Some(Overlay::Help { scroll: s, .. }), _)
        | (Some(Overlay::Errors { scroll: s }), _)
        | (Some(Overlay::Raw { scroll: s, .. }), _) => scroll(s),
        (Some(Overlay::Plan(_)), _) => apply::scroll_plan(state, delta),
        (Some(Overlay::Quit { .. }), _) => {}
        (Some(Overlay::Fix(popup)), _) => {
            // The cursor moves; the popup scrolls to keep it in view when drawn.
            let last = popup.text.lines().count().saturating_sub(1) as i64;
            popup.cursor = (popup.cursor as i64 + delta).clamp(0, last.max(0)) as usize;
            if popup.cursor < usize::from(popup.scroll) {
                popup.scroll = popup.cursor.min(usize::from(u16::MAX)) as u16;
            }
        }
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
        (None, Screen::Fleet) if state.view == View::Upgrades => {
            let last = state.upgrade_rows.len().saturating_sub(1) as i64;
            state.upgrade_selected = (state.upgrade_selected as i64 + delta).clamp(0, last.max(0)) as usize;
            let page = state.page.max(1);
            if state.upgrade_selected < state.upgrade_offset {
                state.upgrade_offset = state.upgrade_selected;
            } else if state.upgrade_selected >= state.upgrade_offset + page {
                state.upgrade_offset = state.upgrade_selected + 1 - page;
            }
        }
        (None, Screen::Fleet) if state.view == View::Posture => {}
        (None, Screen::Fleet) if state.view == View::Operations => apply::move_selection(state, delta),
        (None, Screen::Fleet) => {
            let last = state.visible.len().saturating_sub(1) as i64;
            state.selected = (state.selected as i64 + delta).clamp(0, last.max(0)) as usize;
            keep_in_view(state);
        }
    }
    Vec::new()
}

pub(super) fn keep_in_view(state: &mut State) {
    if state.selected < state.offset {
        state.offset = state.selected;
    } else if state.selected >= state.offset + state.page {
        state.offset = state.selected + 1 - state.page;
    }
    let max_offset = state.visible.len().saturating_sub(state.page);
    state.offset = state.offset.min(max_offset);
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
        // The total grows as lists end and their clusters' details are asked for.
        Progress::Details { total } => refresh.details.get_or_insert_with(DetailsProgress::default).total = total,
        Progress::Detail { failed } => {
            if let Some(details) = &mut refresh.details {
                details.done += 1;
                details.failed += usize::from(failed);
                refresh.waiting = None;
            }
        }
    }
}

/// Puts a refresh's list on screen while its details are read. Each cluster keeps the
/// details on screen until the new ones arrive (moved over, not copied), and the
/// regions' offers and the events stay until the refresh reads them again, so no
/// verdict or outlook moves because the phase has not ended; the refresh goes on.
pub fn apply_listed(state: &mut State, mut snapshot: Snapshot) {
    for (region, offer) in std::mem::take(&mut state.regions) {
        snapshot.regions.entry(region).or_insert(offer);
    }
    if snapshot.events.is_none() {
        snapshot.events = state.take_events();
    }
    // A refresh hands over its list with the details on screen already in it: only a
    // list without them needs the old clusters looked up.
    if snapshot.clusters.iter().all(|c| c.details.is_some()) || state.fleet.is_empty() {
        install_snapshot(state, snapshot);
        return;
    }
    let at: std::collections::HashMap<String, usize> = state
        .fleet
        .iter()
        .enumerate()
        .map(|(i, a)| (a.cluster.id.to_ascii_lowercase(), i))
        .collect();
    for cluster in &mut snapshot.clusters {
        if let Some(&i) = at.get(&cluster.id.to_ascii_lowercase())
            && cluster.details.is_none()
            && state.fleet[i].cluster.details.is_some()
        {
            carry_details(&state.fleet[i].cluster, std::sync::Arc::make_mut(cluster));
        }
    }
    drop(at);
    install_snapshot(state, snapshot);
}

/// Puts a finished refresh (or the cache) on screen: the refresh is over.
pub fn apply_snapshot(state: &mut State, snapshot: Snapshot) {
    state.refresh.running = false;
    state.refresh.waiting = None;
    install_snapshot(state, snapshot);
}

/// Puts a snapshot's clusters on screen, assessed and with their upgrade outlook (from
/// the snapshot's regions and events), with the selection and marks kept, and an open
/// fix popup made again from them in place.
fn install_snapshot(state: &mut State, mut snapshot: Snapshot) {
    apply::keep_rereads(state, &mut snapshot);
    // The old data goes before the new is assessed, so both are not held at once.
    let carried = state.release();
    // The clusters stay shared: a refresh still reading their details holds them too.
    let (fleet, clusters) = snapshot.into_parts();
    let today = state.now.date();
    let assessed = rules::assess_shared(clusters, &state.config, today);
    state.subscriptions = fleet.subscriptions;
    state.errors = fleet.errors;
    state.skipped = fleet.skipped;
    state.regions = fleet.regions;
    state.events = fleet.events;
    state.install(assessed, carried);
    keep_in_view(state);
    refresh_fix(state);
    // A read that could not even list subscriptions (no credentials, no network) says
    // why, and whether anything is left to show. Failed subscriptions are the header's
    // to count (it says so once, and for as long as it is true). A listed id that is no
    // subscription id is not a failure to list.
    let invalid = |e: &&crate::model::SourceError| {
        e.subscription_id.is_none() && e.code.as_deref() == Some(crate::model::SourceError::BAD_SUBSCRIPTION_ID)
    };
    let skipped_ids = state.errors.iter().filter(invalid).count();
    if let Some(general) = state.errors.iter().find(|e| e.is_listing()) {
        let code = general.code.as_deref().unwrap_or("error");
        let kept = if state.fleet.is_empty() {
            "nothing was read before, so there is nothing to show"
        } else {
            "the last good data is shown, marked stale"
        };
        let message = format!("The fleet could not be read ({code}: {}); {kept}.", general.message);
        state.say(message, Level::Error);
    } else if skipped_ids > 0 {
        state.say(
            format!("{skipped_ids} listed subscription id(s) are not GUIDs and were not read (press !)."),
            Level::Error,
        );
    }
}
