//! Applying from the dashboard as specifications: key sequences and the engine's
//! events over the pure state, and the effects `update` asks the loop for.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::app::action::Action;
use crate::app::command::Command;
use crate::app::keymap::{Keymap, parse_keys};
use crate::app::state::{DataSource, Overlay, PromptKind, Screen, State, View};
use crate::app::update::{Effect, apply_listed, key_action, update};
use crate::cache::Snapshot;
use crate::config::Config;
use crate::model::fixtures::{cluster, maintenance, pool};
use crate::model::{Outcome, Rule};
use crate::remediate::outcome::{ChangeState, ClusterResult, Ending, Event};

const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
const SUB: &str = "11111111-1111-1111-1111-111111111111";
const BOTH: &[&str] = &["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"];

/// A cluster that passes every rule; each fixture changes what it is about.
fn passing(name: &str) -> Cluster {
    Cluster {
        kubernetes_version: Some("1.34.2".into()),
        current_kubernetes_version: Some("1.34.2".into()),
        upgrade_channel: Some("patch".into()),
        node_os_upgrade_channel: Some("SecurityPatch".into()),
        pools: vec![pool("system", "1.34.2")],
        maintenance: maintenance(BOTH),
        as_of: Some(NOW - time::Duration::minutes(5)),
        subscription_name: Some("Production".into()),
        ..cluster(SUB, "rg", name)
    }
}

/// aks-a fails NodeAutoUpgrade; aks-b AutoUpgrade and NodeAutoUpgrade; aks-c passes;
/// aks-d fails NodeAutoUpgrade and Version (a Kubernetes upgrade, not asked for).
fn fleet() -> Vec<Cluster> {
    vec![
        Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            ..passing("aks-a")
        },
        Cluster {
            upgrade_channel: Some("none".into()),
            node_os_upgrade_channel: Some("None".into()),
            ..passing("aks-b")
        },
        passing("aks-c"),
        Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            kubernetes_version: Some("1.32.9".into()),
            current_kubernetes_version: Some("1.32.9".into()),
            pools: vec![pool("system", "1.32.9")],
            ..passing("aks-d")
        },
    ]
}

fn state_with(config: Config, data_source: DataSource) -> State {
    let config = Arc::new(config);
    let mut state = State::new(config.clone(), data_source, NOW);
    state.set_fleet(crate::rules::assess(fleet(), &config, NOW.date()));
    update(&mut state, Action::Resize { rows: 10 });
    state
}

fn enabled() -> Config {
    let mut config = Config::default();
    config.apply.enabled = true;
    config
}

/// The demo's fleet, with apply on.
fn live() -> State {
    state_with(enabled(), DataSource::Demo)
}

fn press(state: &mut State, keys: &str) -> Vec<Effect> {
    let keymap = Keymap::default();
    let mut effects = Vec::new();
    for key in parse_keys(keys).unwrap() {
        if let Some(action) = key_action(state, &keymap, key) {
            effects.extend(update(state, action));
        }
    }
    effects
}

fn status(state: &State) -> String {
    state.status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
}

/// Puts the cursor on the cluster named `name`.
fn select(state: &mut State, name: &str) {
    let at = state
        .visible
        .iter()
        .position(|&row| state.fleet[state.rows[row].index].cluster.name == name)
        .expect("the cluster is in view");
    state.selected = at;
}

fn plan_popup(state: &State) -> &PlanPopup {
    match &state.overlay {
        Some(Overlay::Plan(popup)) => popup,
        other => panic!("not the plan popup: {other:?}"),
    }
}

fn id(name: &str) -> String {
    cluster(SUB, "rg", name).id
}

/// Confirms the batch of every failing cluster in view and returns its effect.
fn apply_batch(state: &mut State) -> (u64, Vec<Plan>) {
    press(state, "FA");
    let expected = plan_popup(state).expected.clone();
    let effects = press(state, &format!("{expected}<Enter>"));
    match effects.as_slice() {
        [Effect::Apply { run, plans, .. }] => (*run, plans.clone()),
        other => panic!("one apply: {other:?}"),
    }
}

fn engine(state: &mut State, run: u64, event: Event) -> Vec<Effect> {
    update(
        state,
        Action::Applying {
            run,
            event: Box::new(event),
        },
    )
}

fn change(state: &mut State, run: u64, name: &str, index: usize, to: ChangeState) {
    engine(
        state,
        run,
        Event::Change {
            cluster: id(name),
            index,
            state: to,
        },
    );
}

fn row_states(state: &State, name: &str) -> Vec<OpState> {
    state
        .operations
        .rows
        .iter()
        .filter(|r| r.name == name)
        .map(|r| r.state.clone())
        .collect()
}

#[test]
fn a_in_a_fix_popup_opens_the_plan_aksradar_apply_prints_and_asks_for_yes() {
    let mut s = live();
    select(&mut s, "aks-b");
    let effects = press(&mut s, "fA");
    assert!(effects.is_empty(), "nothing is read or written to show a plan");
    let popup = plan_popup(&s);
    // The plan is `remediate::plan`'s, for the fix popup's rules, described as the CLI does.
    let item = &s.fleet[s.find(&id("aks-b")).unwrap()];
    let want = plan::plans([item], &s.config, Scope::default());
    assert_eq!(popup.plans, want);
    assert_eq!(popup.lines, plan::describe(&want, |_| Some("Production".into())));
    assert_eq!(
        popup.lines[..4],
        [
            format!("Subscription {SUB} (Production)"),
            "  aks-b (resource group rg)".to_string(),
            "    autoUpgradeProfile.upgradeChannel: none → patch   [AutoUpgrade]".to_string(),
            "    autoUpgradeProfile.nodeOSUpgradeChannel: None → SecurityPatch   [NodeAutoUpgrade]".to_string(),
        ]
    );
    assert_eq!((popup.clusters, popup.changes), (1, 2));
    assert_eq!(popup.expected, "yes", "one cluster: yes");
    assert!(
        matches!(popup.under.as_deref(), Some(Overlay::Fix(_))),
        "the fix popup waits under it"
    );
    assert_eq!(s.prompt.as_ref().map(|p| p.kind), Some(PromptKind::Confirm));
    assert!(
        status(&s).contains("Apply 2 changes to 1 cluster? Type yes"),
        "{}",
        status(&s)
    );
}

#[test]
fn the_batch_plan_leaves_out_what_the_popup_leaves_out_and_asks_for_the_number_of_clusters() {
    let mut s = live();
    press(&mut s, "FA");
    let popup = plan_popup(&s);
    let names: Vec<&str> = popup.plans.iter().map(|p| p.cluster.name.as_str()).collect();
    assert_eq!(names, ["aks-a", "aks-b", "aks-d"], "the passing cluster has no plan");
    assert_eq!((popup.clusters, popup.changes), (3, 4));
    assert_eq!(popup.expected, "3");
    assert!(
        popup
            .lines
            .iter()
            .any(|l| l.starts_with("    left out: Azure.AKS.Version: a Kubernetes upgrade")),
        "{:#?}",
        popup.lines
    );

    // With Version toggled in, the same plan holds the upgrade's left-out reason
    // instead (no upgrade profile was read for the fixture).
    press(&mut s, "<Esc><Esc>F");
    let (at, from, n) = match &s.overlay {
        Some(Overlay::Fix(popup)) => (
            popup.rules.iter().position(|r| r.rule == Rule::Version).unwrap(),
            popup.rule_at,
            popup.rules.len(),
        ),
        other => panic!("{other:?}"),
    };
    for _ in 0..(at + n - from) % n {
        press(&mut s, "<Right>");
    }
    press(&mut s, "tA");
    let popup = plan_popup(&s);
    assert!(popup.scope.includes(Rule::Version));
    assert!(
        popup
            .lines
            .iter()
            .any(|l| l.contains("Azure.AKS.Version: left out: the upgrades AKS offers")),
        "{:#?}",
        popup.lines
    );
}

#[test]
fn with_apply_off_the_key_says_how_to_turn_it_on_and_changes_nothing_else() {
    let mut s = state_with(Config::default(), DataSource::Demo);
    press(&mut s, "f");
    let before = s.overlay.clone();
    let effects = press(&mut s, "A");
    assert!(effects.is_empty());
    assert_eq!(s.overlay, before, "the fix popup stays as it was");
    assert!(s.prompt.is_none());
    assert!(s.operations.rows.is_empty());
    let said = status(&s);
    assert!(said.starts_with("Apply is off"), "{said}");
    assert!(said.contains("[apply] with enabled = true"), "{said}");
    assert!(said.contains("`aksradar info` names it"), "{said}");

    // Exported files are no fleet to write to, whatever config says.
    let mut files = state_with(enabled(), DataSource::Files(vec!["fleet.json".into()]));
    press(&mut files, "fA");
    assert!(matches!(files.overlay, Some(Overlay::Fix(_))));
    assert!(
        status(&files).contains("apply works on a live fleet"),
        "{}",
        status(&files)
    );
}

#[test]
fn a_wrong_entry_says_what_is_expected_and_esc_backs_out_at_no_cost() {
    let mut s = live();
    press(&mut s, "FA");
    let effects = press(&mut s, "yes<Enter>");
    assert!(effects.is_empty(), "`yes` is not 3");
    let prompt = s.prompt.as_ref().expect("the line stays open");
    assert_eq!(prompt.kind, PromptKind::Confirm);
    let error = prompt.error.clone().unwrap_or_default();
    assert!(
        error.contains("`yes` is not it: type 3, the number of clusters, to apply"),
        "{error}"
    );
    press(&mut s, "<BS><BS><BS>2<Enter>");
    assert!(
        s.prompt
            .as_ref()
            .and_then(|p| p.error.as_deref())
            .is_some_and(|e| e.contains("`2`"))
    );
    assert!(matches!(s.overlay, Some(Overlay::Plan(_))));

    // Typing clears the complaint; Esc goes back to the batch popup, nothing applied.
    press(&mut s, "<BS>");
    assert_eq!(s.prompt.as_ref().and_then(|p| p.error.clone()), None);
    let effects = press(&mut s, "<Esc>");
    assert!(effects.is_empty());
    assert!(s.prompt.is_none());
    assert!(matches!(&s.overlay, Some(Overlay::Fix(popup)) if popup.batch));
    assert!(s.operations.rows.is_empty());
    assert_eq!(status(&s), "Nothing was applied.");
}

#[test]
fn the_typed_count_applies_the_plan_shown_and_the_user_keeps_working() {
    let mut s = live();
    press(&mut s, "FA");
    let shown: Vec<Plan> = plan_popup(&s)
        .plans
        .iter()
        .filter(|p| !p.changes.is_empty())
        .cloned()
        .collect();
    let effects = press(&mut s, "3<Enter>");
    assert_eq!(
        effects,
        [Effect::Apply {
            run: 1,
            plans: shown.clone(),
            scope: Scope::default(),
        }]
    );
    assert!(s.overlay.is_none() && s.prompt.is_none(), "back to work");
    let rows: Vec<(&str, &str, &OpState)> = s
        .operations
        .rows
        .iter()
        .map(|r| (r.name.as_str(), r.change.as_str(), &r.state))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "aks-a",
                "autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch",
                &OpState::Queued
            ),
            (
                "aks-b",
                "autoUpgradeProfile.upgradeChannel: none → patch",
                &OpState::Queued
            ),
            (
                "aks-b",
                "autoUpgradeProfile.nodeOSUpgradeChannel: None → SecurityPatch",
                &OpState::Queued
            ),
            (
                "aks-d",
                "autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch",
                &OpState::Queued
            ),
        ]
    );
    assert_eq!((s.operations.running(), s.operations.queued()), (0, 4));
    assert!(
        status(&s).contains("Applying 4 changes to 3 clusters"),
        "{}",
        status(&s)
    );
    // The table still moves and opens while the apply runs.
    press(&mut s, "j<Enter>");
    assert!(matches!(s.screen, Screen::Cluster { .. }));
}

#[test]
fn the_engine_s_events_move_each_row_forward_with_the_time_from_the_tick_clock() {
    let mut s = live();
    let (run, _) = apply_batch(&mut s);
    engine(&mut s, run, Event::Started { cluster: id("aks-a") });
    assert!(s.operations.rows[0].started);
    change(
        &mut s,
        run,
        "aks-a",
        0,
        ChangeState::Running {
            operation: Some("op-1".into()),
        },
    );
    assert_eq!((s.operations.running(), s.operations.queued()), (1, 3));
    update(&mut s, Action::Tick(NOW + time::Duration::seconds(42)));
    // A second report of the same running change keeps when it started.
    change(
        &mut s,
        run,
        "aks-a",
        0,
        ChangeState::Running {
            operation: Some("op-1".into()),
        },
    );
    assert_eq!(
        row_states(&s, "aks-a"),
        [OpState::Running {
            since: NOW,
            operation: Some("op-1".into())
        }]
    );
    change(
        &mut s,
        run,
        "aks-a",
        0,
        ChangeState::Succeeded {
            operation: Some("op-1".into()),
        },
    );
    assert_eq!(row_states(&s, "aks-a")[0].label(), "verifying");
    change(
        &mut s,
        run,
        "aks-a",
        0,
        ChangeState::Verified {
            operation: Some("op-1".into()),
        },
    );
    assert_eq!(
        row_states(&s, "aks-a"),
        [OpState::Succeeded {
            operation: Some("op-1".into())
        }]
    );
    // Waiting out another operation (409) is said on the row; the operation's own
    // polls are just running.
    engine(&mut s, run, Event::Started { cluster: id("aks-b") });
    engine(
        &mut s,
        run,
        Event::Waiting {
            cluster: id("aks-b"),
            seconds: 15.0,
            why: "another operation is running on the cluster (409 OperationNotAllowed)".into(),
            busy: true,
        },
    );
    let note = s.operations.rows[1].note.clone().unwrap_or_default();
    assert!(note.contains("409") && note.contains("15 s"), "{note}");
    engine(
        &mut s,
        run,
        Event::Warning {
            message: "the audit log is missing a line".into(),
        },
    );
    assert!(status(&s).contains("audit log"));
}

#[test]
fn a_failed_change_shows_azure_s_code_and_message_and_the_rest_of_its_cluster_is_skipped() {
    let mut s = live();
    let (run, plans) = apply_batch(&mut s);
    let plan = plans.iter().find(|p| p.cluster.name == "aks-b").unwrap().clone();
    let failed = ChangeState::Failed {
        operation: Some("op-9".into()),
        code: "ReconcileVMSSAgentPoolFailed".into(),
        message: "the node pool could not be reconciled".into(),
    };
    let skipped = ChangeState::Skipped {
        why: "an earlier change of this cluster did not go through".into(),
    };
    engine(
        &mut s,
        run,
        Event::Finished(Box::new(ClusterResult {
            plan,
            states: vec![failed, skipped],
            ending: Ending::Failed,
            now: None,
        })),
    );
    let states = row_states(&s, "aks-b");
    assert_eq!(
        states[0],
        OpState::Failed {
            code: "ReconcileVMSSAgentPoolFailed".into(),
            message: "the node pool could not be reconciled".into(),
            operation: Some("op-9".into()),
        }
    );
    assert_eq!(states[1].label(), "skipped");
    assert!(status(&s).starts_with("aks-b: a change did not go through"));
}

/// The cluster as the engine read it back: `change` applied, stamped after `NOW`.
fn read_back(name: &str, change: impl FnOnce(&mut Cluster)) -> Assessed {
    let mut cluster = fleet().into_iter().find(|c| c.name == name).unwrap();
    change(&mut cluster);
    cluster.subscription_name = None;
    cluster.as_of = Some(NOW + time::Duration::seconds(30));
    crate::rules::assess_one(cluster, &Config::default(), NOW.date())
}

#[test]
fn after_a_success_the_cluster_read_back_replaces_the_row_and_an_older_refresh_does_not_undo_it() {
    let mut s = live();
    let (run, plans) = apply_batch(&mut s);
    let non_compliant = s.summary.non_compliant;
    let plan = plans.iter().find(|p| p.cluster.name == "aks-a").unwrap().clone();
    let now = read_back("aks-a", |c| c.node_os_upgrade_channel = Some("SecurityPatch".into()));
    let effects = engine(
        &mut s,
        run,
        Event::Finished(Box::new(ClusterResult {
            plan,
            states: vec![ChangeState::Verified { operation: None }],
            ending: Ending::Verified,
            now: Some(now.clone()),
        })),
    );
    let at = s.find(&id("aks-a")).unwrap();
    let item = &s.fleet[at];
    assert_eq!(
        item.outcome_of(Rule::NodeAutoUpgrade),
        Some(Outcome::Pass),
        "re-assessed"
    );
    assert_eq!(
        item.cluster.subscription_name.as_deref(),
        Some("Production"),
        "its subscription keeps its name"
    );
    assert_eq!(s.summary.non_compliant, non_compliant - 1, "the header counts it");
    let mut saved = (*now.cluster).clone();
    saved.subscription_name = Some("Production".into());
    assert_eq!(effects, [Effect::SaveCluster(Box::new(saved))]);
    assert!(status(&s).contains("aks-a: 1 change applied and verified"));

    // A refresh that listed the fleet before the read back: its older copy of aks-a
    // does not bring Unmanaged back.
    let older = Snapshot {
        schema: crate::cache::SCHEMA_VERSION,
        key: "demo".into(),
        saved_at: NOW,
        subscriptions: vec![],
        clusters: fleet().into_iter().map(std::sync::Arc::new).collect(),
        skipped: 0,
        errors: vec![],
        regions: Default::default(),
        events: None,
    };
    apply_listed(&mut s, older.clone());
    let at = s.find(&id("aks-a")).unwrap();
    assert_eq!(s.fleet[at].outcome_of(Rule::NodeAutoUpgrade), Some(Outcome::Pass));
    // When that refresh ends (and was saved with its older read), the read back is
    // written over it again.
    let generation = s.refresh.generation;
    let effects = update(
        &mut s,
        Action::Refreshed {
            generation,
            snapshot: Box::new(older.clone()),
        },
    );
    let at = s.find(&id("aks-a")).unwrap();
    assert_eq!(s.fleet[at].outcome_of(Rule::NodeAutoUpgrade), Some(Outcome::Pass));
    assert!(
        effects.contains(&Effect::SaveCluster(Box::new((*s.fleet[at].cluster).clone()))),
        "{effects:?}"
    );
    // A newer read wins, whatever it says.
    let mut newer = older;
    for c in &mut newer.clusters {
        std::sync::Arc::make_mut(c).as_of = Some(NOW + time::Duration::minutes(5));
    }
    apply_listed(&mut s, newer);
    let at = s.find(&id("aks-a")).unwrap();
    assert_eq!(s.fleet[at].outcome_of(Rule::NodeAutoUpgrade), Some(Outcome::Fail));
    assert!(s.operations.reread.is_empty(), "the read back is history now");
}

#[test]
fn an_open_fix_popup_shows_the_cluster_as_read_back() {
    let mut s = live();
    let (run, plans) = apply_batch(&mut s);
    select(&mut s, "aks-b");
    press(&mut s, "f");
    let before = match &s.overlay {
        Some(Overlay::Fix(popup)) => popup.text.clone(),
        other => panic!("{other:?}"),
    };
    let plan = plans.iter().find(|p| p.cluster.name == "aks-b").unwrap().clone();
    let now = read_back("aks-b", |c| {
        c.upgrade_channel = Some("patch".into());
        c.node_os_upgrade_channel = Some("SecurityPatch".into());
    });
    engine(
        &mut s,
        run,
        Event::Finished(Box::new(ClusterResult {
            plan,
            states: vec![ChangeState::Verified { operation: None }; 2],
            ending: Ending::Verified,
            now: Some(now),
        })),
    );
    let after = match &s.overlay {
        Some(Overlay::Fix(popup)) => popup.text.clone(),
        other => panic!("{other:?}"),
    };
    assert_ne!(before, after);
    assert!(!after.contains("--node-os-upgrade-channel"), "{after}");
}

#[test]
fn a_cluster_changed_since_read_shows_why_and_its_new_plan_needs_a_new_confirmation() {
    let mut s = live();
    let (run, plans) = apply_batch(&mut s);
    let plan = plans.iter().find(|p| p.cluster.name == "aks-a").unwrap().clone();
    // Someone set None meanwhile: the engine stopped, nothing written, and read it.
    let now = read_back("aks-a", |c| c.node_os_upgrade_channel = Some("None".into()));
    let rebuilt = plan::plan(&now, &s.config, Scope::default());
    let why = "someone changed it between aksradar's read and its write (412 Precondition Failed)".to_string();
    engine(
        &mut s,
        run,
        Event::Finished(Box::new(ClusterResult {
            plan,
            states: vec![ChangeState::Skipped { why: "412".into() }],
            ending: Ending::Changed {
                plan: rebuilt.clone(),
                why: why.clone(),
            },
            now: Some(now),
        })),
    );
    assert_eq!(row_states(&s, "aks-a"), [OpState::Changed { why }]);
    assert!(
        status(&s).contains("Its new plan needs a new confirmation"),
        "{}",
        status(&s)
    );

    // In the operations view, apply on its row shows the plan as it is now, to confirm.
    press(&mut s, "5");
    assert_eq!(s.view, View::Operations);
    assert_eq!(s.operations.selected, 0);
    press(&mut s, "A");
    let popup = plan_popup(&s);
    assert_eq!(popup.plans, [rebuilt]);
    assert_eq!(
        popup.lines[2],
        "    autoUpgradeProfile.nodeOSUpgradeChannel: None → SecurityPatch   [NodeAutoUpgrade]"
    );
    let effects = press(&mut s, "yes<Enter>");
    assert!(matches!(effects.as_slice(), [Effect::Apply { run: 2, plans, .. }] if plans.len() == 1));
}

#[test]
fn queued_changes_are_cancelled_one_cluster_or_all_and_a_started_one_cannot_be() {
    let mut s = live();
    let (run, _) = apply_batch(&mut s);
    press(&mut s, "5");
    engine(&mut s, run, Event::Started { cluster: id("aks-a") });
    // The selected row's cluster has started: its change goes on in Azure.
    let effects = press(&mut s, "d");
    assert!(effects.is_empty());
    assert!(status(&s).contains("its changes have started"), "{}", status(&s));
    // The next cluster's two queued changes go together.
    let effects = press(&mut s, "jd");
    assert_eq!(
        effects,
        [Effect::CancelApply {
            run,
            cluster: id("aks-b")
        }]
    );
    assert_eq!(row_states(&s, "aks-b"), [OpState::Cancelled, OpState::Cancelled]);
    assert!(status(&s).contains("Cancelled 2 queued changes of 1 cluster"));
    // Every queued one.
    let effects = press(&mut s, "D");
    assert_eq!(
        effects,
        [Effect::CancelApply {
            run,
            cluster: id("aks-d")
        }]
    );
    assert_eq!(s.operations.queued(), 0);
    // Nothing is left to cancel: the keys say so.
    press(&mut s, "D");
    assert!(status(&s).contains("no change is queued"), "{}", status(&s));
    // The engine was already starting aks-d: too late, and said.
    engine(&mut s, run, Event::Started { cluster: id("aks-d") });
    assert_eq!(row_states(&s, "aks-d"), [OpState::Queued]);
    assert!(status(&s).contains("Too late to cancel aks-d"));
    // aks-b's turn comes: the engine confirms it cancelled.
    let plan = plan_popup_plans_of(&s, "aks-b");
    engine(
        &mut s,
        run,
        Event::Finished(Box::new(ClusterResult {
            plan,
            states: vec![
                ChangeState::Skipped {
                    why: "cancelled before it started".into(),
                };
                2
            ],
            ending: Ending::Cancelled,
            now: None,
        })),
    );
    assert_eq!(row_states(&s, "aks-b"), [OpState::Cancelled, OpState::Cancelled]);
}

/// The confirmed plan of one cluster, as the engine would hand it back.
fn plan_popup_plans_of(state: &State, name: &str) -> Plan {
    let item = &state.fleet[state.find(&id(name)).unwrap()];
    plan::plan(item, &state.config, Scope::default())
}

#[test]
fn quitting_with_changes_running_asks_first_and_queued_ones_never_start() {
    let mut s = live();
    let (run, _) = apply_batch(&mut s);
    engine(&mut s, run, Event::Started { cluster: id("aks-a") });
    change(&mut s, run, "aks-a", 0, ChangeState::Running { operation: None });
    let effects = press(&mut s, "q");
    assert!(effects.is_empty());
    assert!(!s.quit);
    assert_eq!(s.overlay, Some(Overlay::Quit { running: 1, queued: 3 }));
    // Esc stays.
    press(&mut s, "<Esc>");
    assert!(s.overlay.is_none() && !s.quit);
    // Ctrl-C asks too, even from a line being typed; asked again, it quits, and the
    // queued clusters are cancelled so they never start.
    press(&mut s, "/aks");
    press(&mut s, "<C-c>");
    assert!(matches!(s.overlay, Some(Overlay::Quit { .. })) && s.prompt.is_none());
    let effects = press(&mut s, "q");
    assert!(s.quit);
    assert_eq!(
        effects,
        [
            Effect::CancelApply {
                run,
                cluster: id("aks-b")
            },
            Effect::CancelApply {
                run,
                cluster: id("aks-d")
            },
        ]
    );

    // With nothing running or queued, q quits at once.
    let mut idle = live();
    press(&mut idle, "q");
    assert!(idle.quit);
}

#[test]
fn enter_on_an_operation_opens_its_cluster_and_esc_comes_back_to_the_operations() {
    let mut s = live();
    apply_batch(&mut s);
    press(&mut s, "5jj<Enter>");
    assert_eq!(
        s.screen,
        Screen::Cluster {
            id: id("aks-b").to_ascii_lowercase(),
            scroll: 0
        }
    );
    press(&mut s, "<Esc>");
    assert_eq!((s.screen.clone(), s.view), (Screen::Fleet, View::Operations));
    assert_eq!(s.operations.selected, 2, "the row it was on");
}

#[test]
fn an_apply_that_cannot_start_says_nothing_was_applied() {
    let mut s = live();
    let (run, _) = apply_batch(&mut s);
    update(
        &mut s,
        Action::ApplyEnded {
            run,
            failure: Some("cannot keep the audit log /x/apply-audit.jsonl: permission denied".into()),
        },
    );
    assert!(
        s.operations
            .rows
            .iter()
            .all(|r| matches!(&r.state, OpState::Skipped { why } if why.contains("audit log")))
    );
    assert!(status(&s).starts_with("Nothing was applied: cannot keep the audit log"));
    assert_eq!(s.operations.queued(), 0, "nothing waits any more");
}

#[test]
fn a_run_that_ends_sums_itself_up() {
    let mut s = live();
    let (run, plans) = apply_batch(&mut s);
    for plan in plans {
        let states = vec![ChangeState::Verified { operation: None }; plan.changes.len()];
        engine(
            &mut s,
            run,
            Event::Finished(Box::new(ClusterResult {
                plan,
                states,
                ending: Ending::Verified,
                now: None,
            })),
        );
    }
    assert_eq!(status(&s), "Apply done: 4 changes succeeded and verified, 0 failed.");
    update(&mut s, Action::ApplyEnded { run, failure: None });
    assert!(
        s.operations
            .rows
            .iter()
            .all(|r| matches!(r.state, OpState::Succeeded { .. }))
    );
}

#[test]
fn the_operations_view_has_its_key_its_command_line_name_and_is_not_remembered() {
    let mut s = live();
    press(&mut s, "5");
    assert_eq!(s.view, View::Operations);
    press(&mut s, "1:view operations<Enter>");
    assert_eq!(s.view, View::Operations);
    let saved = crate::app::saved::Saved::of(&s);
    assert_eq!(saved.view, "operations");
    let mut next = live();
    saved.apply(&mut next);
    assert_eq!(next.view, View::Clusters, "a new run has no operations to show");
    assert!(crate::app::context::works(Command::OperationsView, &s));
    assert!(
        !crate::app::context::works(Command::CancelQueued, &s),
        "nothing is queued"
    );
}
