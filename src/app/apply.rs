//! Applying fixes from the dashboard: the plan popup (`apply` in a fix or batch
//! popup), the confirmation typed on the prompt line, the operations view that follows
//! every change, and the fleet brought up to date from what Azure says afterwards.
//!
//! Pure, like the rest of `app`: the engine runs in the loop's effects
//! (`Effect::Apply`, `Effect::CancelApply`) and comes back only as actions
//! (`Action::Applying` with the engine's own events, `Action::ApplyEnded`). The plan
//! is `remediate::plan`'s, the one `aksradar apply` prints, made from the clusters
//! on screen for the rules the fix popup has chosen.
//!
//! Invariants: a plan is applied only after the number of its clusters (or `yes` for
//! one) was typed while that very plan was shown; what runs is what was shown. Each
//! change of a run has one row, which moves forward only (queued, running, then one
//! final state), but for a cancel the engine was too late for. A cluster the engine
//! read back replaces the one on screen, assessed from what Azure said, and a refresh
//! that read it earlier does not bring the older read back.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::state::{Level, Overlay, Prompt, PromptKind, Screen, State, View};
use super::update::{Effect, refresh_fix};
use crate::cache::Snapshot;
use crate::model::{Assessed, Cluster, Rule};
use crate::remediate::Scope;
use crate::remediate::outcome::{ChangeState, ClusterResult, Ending, Event};
use crate::remediate::plan::{self, Plan};
use crate::text::{clean, count};

/// What `apply` says while config does not allow writing.
pub const APPLY_OFF: &str = "Apply is off: aksradar changes clusters only when its config allows it. To allow it, \
     add a table [apply] with enabled = true to the config file (`aksradar info` names it); the demo has it on.";

/// The plan popup: what an apply would do to the clusters of a fix popup, waiting for
/// the confirmation typed on the prompt line.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPopup {
    /// Every cluster's plan, with changes or with something left out.
    pub plans: Vec<Plan>,
    /// The rules the plans are for.
    pub scope: Scope,
    /// The plans as people read them (`plan::describe`), made once.
    pub lines: Vec<String>,
    /// Clusters with a change, and changes in all.
    pub clusters: usize,
    pub changes: usize,
    /// What to type to go ahead.
    pub expected: String,
    pub scroll: u16,
    /// The popup it was opened from, back with Esc.
    pub under: Option<Box<Overlay>>,
}

/// Where one change of an apply stands, as the operations view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpState {
    /// Waiting for its cluster's turn (or its cluster is being read first).
    Queued,
    /// Sent; `since` on the dashboard's clock.
    Running {
        since: OffsetDateTime,
        operation: Option<String>,
    },
    /// Azure says it is done; being read back.
    Verifying { operation: Option<String> },
    /// Read back: Azure shows it.
    Succeeded { operation: Option<String> },
    /// Read back: Azure shows something else.
    NotVerified { found: String },
    /// Refused, or its operation failed: Azure's code and message.
    Failed {
        code: String,
        message: String,
        operation: Option<String>,
    },
    /// Not sent, and why.
    Skipped { why: String },
    /// Not sent: the cluster changed since it was read (412, or a new plan). Its new
    /// plan needs a new confirmation.
    Changed { why: String },
    /// Cancelled before its cluster's turn: nothing was sent.
    Cancelled,
}

impl OpState {
    /// One word or two for the STATE column.
    pub fn label(&self) -> &'static str {
        match self {
            OpState::Queued => "queued",
            OpState::Running { .. } => "running",
            OpState::Verifying { .. } => "verifying",
            OpState::Succeeded { .. } => "succeeded",
            OpState::NotVerified { .. } => "not verified",
            OpState::Failed { .. } => "failed",
            OpState::Skipped { .. } => "skipped",
            OpState::Changed { .. } => "changed",
            OpState::Cancelled => "cancelled",
        }
    }

    /// Whether nothing more will happen to it.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            OpState::Queued | OpState::Running { .. } | OpState::Verifying { .. }
        )
    }

    /// Whether it ended badly: refused, failed or not shown by Azure.
    pub fn is_failure(&self) -> bool {
        matches!(self, OpState::Failed { .. } | OpState::NotVerified { .. })
    }
}

/// One change of an apply.
#[derive(Debug, Clone, PartialEq)]
pub struct OpRow {
    /// The apply it belongs to.
    pub run: u64,
    /// The cluster's resource id, as the plan has it.
    pub cluster: String,
    pub name: String,
    /// The change's place in its cluster's plan.
    pub index: usize,
    /// `property: from → to`.
    pub change: String,
    pub rule: Rule,
    /// The rules its apply was for: a changed cluster's new plan uses them again.
    pub scope: Scope,
    /// Whether its cluster's turn has come (then it can no longer be cancelled).
    pub started: bool,
    pub state: OpState,
    /// What its cluster waits for (another operation on it, 409), while it waits.
    pub note: Option<String>,
}

/// The changes applied from the dashboard, and how each went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operations {
    /// In the order they were applied: by run, cluster and change.
    pub rows: Vec<OpRow>,
    /// Position in `rows`, and the first row drawn.
    pub selected: usize,
    pub offset: usize,
    /// Applies started (the last run's number).
    pub runs: u64,
    /// Clusters read back after their apply, by lower-case id: when. A refresh's
    /// older read of one of them does not replace it.
    pub reread: HashMap<String, OffsetDateTime>,
    /// Clusters a refresh's snapshot had older reads of: to be written over them in
    /// the saved snapshot once that refresh is saved.
    resave: Vec<Cluster>,
}

impl Operations {
    /// Changes whose cluster has started and that have not ended.
    pub fn running(&self) -> usize {
        self.rows.iter().filter(|r| r.started && !r.state.is_final()).count()
    }

    /// Changes still waiting for their cluster's turn.
    pub fn queued(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| !r.started && r.state == OpState::Queued)
            .count()
    }

    /// How many rows are in each state, by label, in the order of `LABELS`.
    pub fn tally(&self) -> Vec<(&'static str, usize)> {
        const LABELS: [&str; 9] = [
            "running",
            "verifying",
            "queued",
            "succeeded",
            "failed",
            "not verified",
            "changed",
            "skipped",
            "cancelled",
        ];
        LABELS
            .into_iter()
            .map(|label| (label, self.rows.iter().filter(|r| r.state.label() == label).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    fn of_cluster<'a>(&'a mut self, run: u64, cluster: &'a str) -> impl Iterator<Item = &'a mut OpRow> + 'a {
        self.rows
            .iter_mut()
            .filter(move |r| r.run == run && r.cluster.eq_ignore_ascii_case(cluster))
    }
}

/// `apply`: in a fix or batch popup, the plan of its clusters for its rules; on a row
/// of the operations view, the plan of that row's cluster as it is now (after a 412,
/// its new plan). With a change to make, the confirmation line opens.
pub(super) fn open_plan(state: &mut State) -> Vec<Effect> {
    let (ids, scope) = match (&state.overlay, &state.screen, state.view) {
        (Some(Overlay::Fix(popup)), _, _) => (popup.ids.clone(), popup.scope()),
        (None, Screen::Fleet, View::Operations) => match state.operations.rows.get(state.operations.selected) {
            Some(row) => (vec![row.cluster.to_ascii_lowercase()], row.scope),
            None => return vec![],
        },
        _ => return vec![],
    };
    if !state.live {
        state.say(
            "Exported files are not a fleet to change: apply works on a live fleet (or the demo).",
            Level::Info,
        );
        return vec![];
    }
    if !state.config.apply.enabled {
        state.say(APPLY_OFF, Level::Info);
        return vec![];
    }
    let items: Vec<&Assessed> = ids
        .iter()
        .filter_map(|id| state.find(id))
        .map(|i| &state.fleet[i])
        .collect();
    let plans: Vec<Plan> = plan::plans(items, &state.config, scope)
        .into_iter()
        .filter(|p| !p.changes.is_empty() || !p.left_out.is_empty())
        .collect();
    // Subscription names as the read listed them, else as the clusters carry them.
    let mut names: HashMap<String, String> = HashMap::new();
    for plan in &plans {
        if let Some(i) = state.find(&plan.cluster.id)
            && let Some(name) = &state.fleet[i].cluster.subscription_name
        {
            names.insert(plan.cluster.subscription_id.to_ascii_lowercase(), name.to_string());
        }
    }
    names.extend(
        state
            .subscriptions
            .iter()
            .filter_map(|s| Some((s.id.to_ascii_lowercase(), s.name.clone()?))),
    );
    let lines = plan::describe(&plans, |id| names.get(&id.to_ascii_lowercase()).cloned());
    let (clusters, changes) = plan::totals(&plans);
    let expected = plan::go_ahead_word(clusters);
    let under = state.overlay.take().map(Box::new);
    state.overlay = Some(Overlay::Plan(PlanPopup {
        plans,
        scope,
        lines,
        clusters,
        changes,
        expected: expected.clone(),
        scroll: 0,
        under,
    }));
    if clusters == 0 {
        state.say(
            "Nothing to apply: no change is planned (see why in the plan).",
            Level::Info,
        );
    } else {
        state.prompt = Some(Prompt::new(PromptKind::Confirm, "", String::new()));
        state.say(ask(clusters, changes, &expected), Level::Info);
    }
    vec![]
}

/// The question the message line asks under a plan.
fn ask(clusters: usize, changes: usize, expected: &str) -> String {
    format!(
        "Apply {} to {}? Type {expected} and Enter to go ahead; Esc goes back.",
        count(changes, "change"),
        count(clusters, "cluster")
    )
}

/// Enter on the confirmation line: the expected word starts the apply; anything else
/// says what is expected and leaves the line open.
pub(super) fn confirm(state: &mut State, mut prompt: Prompt) -> Vec<Effect> {
    let Some(Overlay::Plan(popup)) = &state.overlay else {
        return vec![];
    };
    let typed = prompt.line.text().trim().to_string();
    if typed != popup.expected {
        let what = if popup.clusters == 1 {
            "yes (one cluster)".to_string()
        } else {
            format!("{}, the number of clusters,", popup.expected)
        };
        let typed = if typed.is_empty() {
            "nothing was typed".to_string()
        } else {
            format!("`{}` is not it", clean(&typed))
        };
        prompt.error = Some(format!("{typed}: type {what} to apply; Esc goes back"));
        state.prompt = Some(prompt);
        return vec![];
    }
    let plans: Vec<Plan> = popup.plans.iter().filter(|p| !p.changes.is_empty()).cloned().collect();
    let (clusters, changes, scope) = (popup.clusters, popup.changes, popup.scope);
    let operations = &mut state.operations;
    operations.runs += 1;
    let run = operations.runs;
    for plan in &plans {
        for (index, change) in plan.changes.iter().enumerate() {
            operations.rows.push(OpRow {
                run,
                cluster: plan.cluster.id.clone(),
                name: plan.cluster.name.clone(),
                index,
                change: change.to_string(),
                rule: change.rule,
                scope,
                started: false,
                state: OpState::Queued,
                note: None,
            });
        }
    }
    // The plan and the popup it came from have done their work.
    state.overlay = None;
    let view = if state.view == View::Operations {
        String::new()
    } else {
        " (the operations view shows them)".to_string()
    };
    state.say(
        format!(
            "Applying {} to {}{view}; you can keep working meanwhile.",
            count(changes, "change"),
            count(clusters, "cluster")
        ),
        Level::Info,
    );
    vec![Effect::Apply { run, plans, scope }]
}

/// Esc on the confirmation line: back to the popup the plan was opened from, nothing
/// applied.
pub(super) fn back_out(state: &mut State) {
    if let Some(Overlay::Plan(popup)) = state.overlay.take() {
        state.overlay = popup.under.map(|b| *b);
        // Data may have arrived while the plan covered the popup.
        refresh_fix(state);
        state.say("Nothing was applied.", Level::Info);
    }
}

/// Scrolls the plan popup by `delta` lines.
pub(super) fn scroll_plan(state: &mut State, delta: i64) {
    if let Some(Overlay::Plan(popup)) = &mut state.overlay {
        let last = popup.lines.len().saturating_sub(1) as i64;
        popup.scroll = (i64::from(popup.scroll) + delta).clamp(0, last.clamp(0, i64::from(u16::MAX))) as u16;
    }
}

/// Moves the operations view's cursor by `delta` rows.
pub(super) fn move_selection(state: &mut State, delta: i64) {
    let operations = &mut state.operations;
    let last = operations.rows.len().saturating_sub(1) as i64;
    operations.selected = (operations.selected as i64 + delta).clamp(0, last.max(0)) as usize;
    let page = state.page.max(1);
    if operations.selected < operations.offset {
        operations.offset = operations.selected;
    } else if operations.selected >= operations.offset + page {
        operations.offset = operations.selected + 1 - page;
    }
}

/// Enter on a row of the operations view: its cluster's view; Esc comes back.
pub(super) fn open_row(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.operations.rows.get(state.operations.selected) else {
        return vec![];
    };
    let id = row.cluster.to_ascii_lowercase();
    if state.find(&id).is_none() {
        let name = clean(&row.name).into_owned();
        state.say(format!("{name} is not in the fleet on screen."), Level::Info);
        return vec![];
    }
    let place = state.place();
    state.back.push(place);
    state.screen = Screen::Cluster { id, scroll: 0 };
    vec![]
}

/// Cancels queued changes: the selected row's cluster's (`all`: every cluster's) that
/// have not started. Said at once; the engine confirms when their turn comes.
pub(super) fn cancel(state: &mut State, all: bool) -> Vec<Effect> {
    let queued = |r: &OpRow| !r.started && r.state == OpState::Queued;
    let wanted: Vec<(u64, String)> = if all {
        state
            .operations
            .rows
            .iter()
            .filter(|r| queued(r))
            .map(|r| (r.run, r.cluster.clone()))
            .collect()
    } else {
        let Some(row) = state.operations.rows.get(state.operations.selected) else {
            return vec![];
        };
        if !queued(row) {
            let why = if row.started && !row.state.is_final() {
                "its changes have started: they go on in Azure"
            } else {
                "it is not queued"
            };
            let text = format!("Nothing to cancel for {}: {why}.", clean(&row.name));
            state.say(text, Level::Info);
            return vec![];
        }
        vec![(row.run, row.cluster.clone())]
    };
    let mut clusters: Vec<(u64, String)> = Vec::new();
    let mut changes = 0;
    for (run, cluster) in wanted {
        for row in state.operations.of_cluster(run, &cluster) {
            if row.state == OpState::Queued {
                row.state = OpState::Cancelled;
                changes += 1;
            }
        }
        if !clusters.contains(&(run, cluster.clone())) {
            clusters.push((run, cluster));
        }
    }
    if clusters.is_empty() {
        state.say("Nothing is queued.", Level::Info);
        return vec![];
    }
    state.say(
        format!(
            "Cancelled {} of {}; nothing is sent for them.",
            count(changes, "queued change"),
            count(clusters.len(), "cluster")
        ),
        Level::Info,
    );
    clusters
        .into_iter()
        .map(|(run, cluster)| Effect::CancelApply { run, cluster })
        .collect()
}

/// `quit`: at once when nothing runs or waits; else asked first (the quit popup), and
/// when asked again, queued changes are cancelled so they never start.
pub(super) fn quit(state: &mut State) -> Vec<Effect> {
    let (running, queued) = (state.operations.running(), state.operations.queued());
    if running + queued > 0 && !matches!(state.overlay, Some(Overlay::Quit { .. })) {
        state.prompt = None;
        state.overlay = Some(Overlay::Quit { running, queued });
        return vec![];
    }
    state.quit = true;
    let mut cancels: Vec<Effect> = Vec::new();
    for row in state
        .operations
        .rows
        .iter()
        .filter(|r| !r.started && r.state == OpState::Queued)
    {
        let effect = Effect::CancelApply {
            run: row.run,
            cluster: row.cluster.clone(),
        };
        if !cancels.contains(&effect) {
            cancels.push(effect);
        }
    }
    cancels
}

/// What the engine reported for run `run`.
pub(super) fn event(state: &mut State, run: u64, event: Event) -> Vec<Effect> {
    let now = state.now;
    match event {
        Event::Started { cluster } => {
            let mut too_late = None;
            for row in state.operations.of_cluster(run, &cluster) {
                row.started = true;
                if row.state == OpState::Cancelled {
                    row.state = OpState::Queued;
                    too_late = Some(row.name.clone());
                }
            }
            if let Some(name) = too_late {
                state.say(
                    format!("Too late to cancel {}: it had started.", clean(&name)),
                    Level::Error,
                );
            }
            vec![]
        }
        Event::Change {
            cluster,
            index,
            state: change,
        } => {
            if let Some(row) = state.operations.of_cluster(run, &cluster).find(|r| r.index == index) {
                row.started = true;
                row.state = next(&row.state, &change, now);
                if row.state.is_final() || matches!(row.state, OpState::Running { .. }) {
                    row.note = None;
                }
            }
            vec![]
        }
        Event::Waiting {
            cluster,
            seconds,
            why,
            busy,
        } => {
            // The operation's own polls are what running means; a 409 is worth saying.
            for row in state.operations.of_cluster(run, &cluster) {
                if !row.state.is_final() {
                    row.note = busy.then(|| format!("{why}; looking again in {seconds:.0} s"));
                }
            }
            vec![]
        }
        Event::Warning { message } => {
            state.say(message, Level::Error);
            vec![]
        }
        Event::Finished(result) => finished(state, run, *result),
    }
}

/// The row's state after the engine's `change`.
fn next(before: &OpState, change: &ChangeState, now: OffsetDateTime) -> OpState {
    match change.clone() {
        ChangeState::Queued => OpState::Queued,
        ChangeState::Running { operation } => OpState::Running {
            since: match before {
                OpState::Running { since, .. } => *since,
                _ => now,
            },
            operation,
        },
        ChangeState::Succeeded { operation } => OpState::Verifying { operation },
        ChangeState::Verified { operation } => OpState::Succeeded { operation },
        ChangeState::NotVerified { found, .. } => OpState::NotVerified { found },
        ChangeState::Failed {
            operation,
            code,
            message,
        } => OpState::Failed {
            code,
            message,
            operation,
        },
        ChangeState::Skipped { why } => OpState::Skipped { why },
    }
}

/// A cluster's end: its rows final, what Azure now says about it on screen.
fn finished(state: &mut State, run: u64, result: ClusterResult) -> Vec<Effect> {
    let now = state.now;
    let id = result.plan.cluster.id.clone();
    let name = clean(&result.plan.cluster.name).into_owned();
    for row in state.operations.of_cluster(run, &id) {
        row.started = row.started || result.ending != Ending::Cancelled;
        row.note = None;
        if let Some(change) = result.states.get(row.index) {
            row.state = next(&row.state, change, now);
        }
        match &result.ending {
            Ending::Changed { why, .. }
                if !row.state.is_failure() && !matches!(row.state, OpState::Succeeded { .. }) =>
            {
                row.state = OpState::Changed { why: why.clone() };
            }
            Ending::Cancelled => row.state = OpState::Cancelled,
            _ => {}
        }
    }
    let message = match &result.ending {
        Ending::Verified => Some((
            format!(
                "{name}: {} applied and verified.",
                count(result.plan.changes.len(), "change")
            ),
            Level::Info,
        )),
        Ending::Failed => Some((
            format!("{name}: a change did not go through (see the operations view)."),
            Level::Error,
        )),
        Ending::Changed { .. } => Some((
            format!(
                "{name} changed since it was read: nothing more was written to it. Its new plan needs a new \
                 confirmation: select it in the operations view and apply again."
            ),
            Level::Error,
        )),
        Ending::Cancelled => None,
    };
    if let Some((text, level)) = message {
        state.say(text, level);
    }
    let mut effects = Vec::new();
    if let Some(now) = result.now {
        effects.extend(deliver(state, std::sync::Arc::unwrap_or_clone(now.cluster)));
    }
    if let Some(summary) = run_summary(state, run) {
        state.say(summary.0, summary.1);
    }
    effects
}

/// Once every change of a run is final: how it went, in one line.
fn run_summary(state: &State, run: u64) -> Option<(String, Level)> {
    let rows: Vec<&OpRow> = state.operations.rows.iter().filter(|r| r.run == run).collect();
    if rows.is_empty() || !rows.iter().all(|r| r.state.is_final()) {
        return None;
    }
    let of = |wanted: fn(&OpState) -> bool| rows.iter().filter(|r| wanted(&r.state)).count();
    let succeeded = of(|s| matches!(s, OpState::Succeeded { .. }));
    let failed = of(OpState::is_failure);
    let other = rows.len() - succeeded - failed;
    let mut text = format!(
        "Apply done: {} succeeded and verified, {failed} failed",
        count(succeeded, "change")
    );
    if other > 0 {
        text.push_str(&format!(", {other} not sent (changed, skipped or cancelled)"));
    }
    text.push('.');
    let level = if failed + other > 0 { Level::Error } else { Level::Info };
    Some((text, level))
}

/// The cluster as Azure described it after its apply, in place of the one on screen:
/// assessed again, its subscription's name kept, remembered as newer than any
/// refresh that read it before, and saved.
fn deliver(state: &mut State, mut cluster: Cluster) -> Vec<Effect> {
    let Some(index) = state.find(&cluster.id) else {
        return vec![];
    };
    let before = &state.fleet[index].cluster;
    if before.as_of.is_some_and(|t| cluster.as_of.is_some_and(|now| t > now)) {
        // Something newer is on screen already.
        return vec![];
    }
    if cluster.subscription_name.is_none() {
        cluster.subscription_name = before.subscription_name.clone();
    }
    if let Some(as_of) = cluster.as_of {
        state.operations.reread.insert(cluster.id.to_ascii_lowercase(), as_of);
    }
    let assessed = crate::rules::assess_one(cluster.clone(), &state.config, state.now.date());
    state.set_one(index, assessed);
    refresh_fix(state);
    vec![Effect::SaveCluster(Box::new(cluster))]
}

/// Before a refresh's snapshot goes on screen: a cluster read back after its apply
/// more recently than the refresh read it stays as read back (a refresh that started
/// before the apply ended would bring the old values back).
pub(super) fn keep_rereads(state: &mut State, snapshot: &mut Snapshot) {
    state.operations.resave.clear();
    if state.operations.reread.is_empty() {
        return;
    }
    for cluster in &mut snapshot.clusters {
        let key = cluster.id.to_ascii_lowercase();
        let Some(&read_back) = state.operations.reread.get(&key) else {
            continue;
        };
        if cluster.as_of.is_some_and(|t| t >= read_back) {
            // The refresh is newer: it wins, and the read back is history.
            state.operations.reread.remove(&key);
            continue;
        }
        if let Some(index) = state.find(&key) {
            let mut kept = state.fleet[index].cluster.clone();
            std::sync::Arc::make_mut(&mut kept).stale = cluster.stale;
            state.operations.resave.push((*kept).clone());
            *cluster = kept;
        }
    }
}

/// After a refresh was saved: the clusters read back more recently than it read them,
/// written over its older reads.
pub(super) fn resave(state: &mut State) -> Vec<Effect> {
    std::mem::take(&mut state.operations.resave)
        .into_iter()
        .map(|cluster| Effect::SaveCluster(Box::new(cluster)))
        .collect()
}

/// The apply numbered `run` ended. Rows it left unfinished (it could not start, or
/// stopped) fail, saying why.
pub(super) fn ended(state: &mut State, run: u64, failure: Option<String>) -> Vec<Effect> {
    let why = failure
        .clone()
        .unwrap_or_else(|| "the apply stopped before this change ended".to_string());
    let mut left = 0;
    for row in state.operations.rows.iter_mut().filter(|r| r.run == run) {
        if !row.state.is_final() {
            row.state = if row.started {
                OpState::Failed {
                    code: "ApplyStopped".into(),
                    message: why.clone(),
                    operation: None,
                }
            } else {
                OpState::Skipped { why: why.clone() }
            };
            left += 1;
        }
    }
    if let Some(failure) = failure {
        state.say(format!("Nothing was applied: {failure}"), Level::Error);
    } else if left > 0 {
        state.say(
            format!("The apply stopped with {} unfinished.", count(left, "change")),
            Level::Error,
        );
    }
    vec![]
}

#[cfg(test)]
mod tests;
