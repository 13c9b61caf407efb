//! The screens of applying from the dashboard: the plan popup and its confirmation
//! line, the operations view with a change in every state, the header's pulse and the
//! question before quitting. Reached through the real `update` and the engine's
//! events, on the fixed clock.

use crate::app::apply::OpState;
use crate::remediate::outcome::{ChangeState, ClusterResult, Ending, Event};

use super::*;

const OPS: [&str; 9] = [
    "aks-ops-01",
    "aks-ops-02",
    "aks-ops-03",
    "aks-ops-04",
    "aks-ops-05",
    "aks-ops-06",
    "aks-ops-07",
    "aks-ops-08",
    "aks-ops-09",
];

fn enabled() -> Config {
    let mut config = config();
    config.apply.enabled = true;
    config
}

/// The fixture fleet, with apply on.
fn plan_state(width: u16, height: u16) -> State {
    live_state_with(enabled(), width, height)
}

/// Nine clusters that each fail NodeAutoUpgrade alone: one change apiece.
fn ops_state(width: u16, height: u16) -> State {
    let mut state = plan_state(width, height);
    let fleet: Vec<Cluster> = OPS
        .iter()
        .map(|name| {
            let mut c = cluster(
                name,
                (PROD, "Production"),
                "rg-ops",
                "westeurope",
                "1.33.7",
                Some("patch"),
                Some("Unmanaged"),
                4,
            );
            c.maintenance = both_windows();
            c
        })
        .collect();
    let config = state.config.clone();
    state.set_fleet(rules::assess(fleet, &config, NOW.date()));
    state
}

fn press(state: &mut State, keys: &str) -> Vec<crate::app::Effect> {
    let keymap = Keymap::default();
    let mut effects = Vec::new();
    for key in crate::app::keymap::parse_keys(keys).unwrap() {
        if let Some(action) = crate::app::update::key_action(state, &keymap, key) {
            effects.extend(update(state, action));
        }
    }
    effects
}

fn event(state: &mut State, event: Event) {
    update(
        state,
        Action::Applying {
            run: 1,
            event: Box::new(event),
        },
    );
}

fn id(name: &str) -> String {
    format!("/subscriptions/{PROD}/resourceGroups/rg-ops/providers/Microsoft.ContainerService/managedClusters/{name}")
}

fn set(state: &mut State, name: &str, to: ChangeState) {
    event(state, Event::Started { cluster: id(name) });
    event(
        state,
        Event::Change {
            cluster: id(name),
            index: 0,
            state: to,
        },
    );
}

fn finish(state: &mut State, plan: &crate::remediate::plan::Plan, to: ChangeState, ending: Ending) {
    event(
        state,
        Event::Finished(Box::new(ClusterResult {
            plan: plan.clone(),
            states: vec![to],
            ending,
            now: None,
        })),
    );
}

/// The nine clusters applied in one batch, each change taken to another state; the
/// clock then 75 s on, so the running one shows its time.
fn operations(width: u16, height: u16) -> State {
    let mut state = ops_state(width, height);
    let effects = press(&mut state, "FA9<Enter>");
    let plans = match effects.as_slice() {
        [crate::app::Effect::Apply { plans, .. }] => plans.clone(),
        other => panic!("one apply: {other:?}"),
    };
    let op = |n: &str| Some(format!("6f0c1d2e-0000-4000-8000-00000000000{n}"));
    set(&mut state, "aks-ops-02", ChangeState::Running { operation: op("2") });
    set(&mut state, "aks-ops-03", ChangeState::Succeeded { operation: op("3") });
    set(&mut state, "aks-ops-04", ChangeState::Verified { operation: op("4") });
    set(
        &mut state,
        "aks-ops-05",
        ChangeState::Failed {
            operation: op("5"),
            code: "ReconcileVMSSAgentPoolFailed".into(),
            message: "The node pool could not be reconciled: the VM scale set reported a quota error for \
                      Standard_D4s_v5 in westeurope."
                .into(),
        },
    );
    set(
        &mut state,
        "aks-ops-06",
        ChangeState::NotVerified {
            operation: op("6"),
            found: "nodeOSUpgradeChannel Unmanaged".into(),
        },
    );
    finish(
        &mut state,
        &plans[6],
        ChangeState::Skipped {
            why: "an earlier change of this cluster did not go through".into(),
        },
        Ending::Failed,
    );
    finish(
        &mut state,
        &plans[7],
        ChangeState::Skipped {
            why: "the cluster changed since the plan was made; nothing was written".into(),
        },
        Ending::Changed {
            plan: plans[7].clone(),
            why: "The cluster changed since the plan was made. Planned now: autoUpgradeProfile.nodeOSUpgradeChannel: \
                  None → SecurityPatch. Confirm the new plan to apply it."
                .into(),
        },
    );
    press(&mut state, "5Gd");
    update(&mut state, Action::Tick(NOW + time::Duration::seconds(75)));
    state.status = None;
    state
}

#[test]
fn plan_popup() {
    for (w, h) in SIZES {
        let mut state = plan_state(w, h);
        press(&mut state, "FA");
        insta::assert_snapshot!(format!("plan_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn a_wrong_confirmation_says_what_to_type() {
    let mut state = plan_state(120, 40);
    press(&mut state, "FA2<Enter>");
    let shown = screen(&state, 120, 40);
    insta::assert_snapshot!("plan_wrong_entry", shown);
    assert!(
        shown.contains("✗ not applied: `2` is not it: type yes (one cluster) to apply"),
        "{shown}"
    );
    assert!(shown.contains("apply? 2█ ✗"), "{shown}");
}

#[test]
fn operations_view_in_every_state() {
    for (w, h) in SIZES {
        let state = operations(w, h);
        let labels: Vec<&str> = state.operations.rows.iter().map(|r| r.state.label()).collect();
        assert_eq!(
            labels,
            [
                "queued",
                "running",
                "verifying",
                "succeeded",
                "failed",
                "not verified",
                "skipped",
                "changed",
                "cancelled"
            ]
        );
        insta::assert_snapshot!(format!("operations_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn the_running_change_shows_its_time_and_the_header_pulses() {
    let state = operations(120, 40);
    let shown = screen(&state, 120, 40);
    let running = shown.lines().find(|l| l.contains("aks-ops-02")).unwrap();
    assert!(running.contains("running") && running.contains("1m"), "{running}");
    assert!(shown.lines().next().unwrap().contains("applying 2 running"), "{shown}");
    // The dot beats with the clock's seconds; the words stay.
    let mut later = state;
    update(&mut later, Action::Tick(NOW + time::Duration::seconds(76)));
    let (first, second) = (screen(&later, 120, 40), shown);
    let beat = |s: &str| s.lines().next().unwrap().contains('●');
    assert_ne!(beat(&first), beat(&second));
}

#[test]
fn the_selected_operation_shows_its_error_in_full() {
    let mut state = operations(120, 40);
    press(&mut state, "gjjjj");
    assert_eq!(state.operations.rows[state.operations.selected].name, "aks-ops-05");
    let shown = screen(&state, 120, 40);
    // Under the rule below the rows, wrapped: read as one text.
    let lines: Vec<&str> = shown.lines().collect();
    let rule = lines
        .iter()
        .rposition(|l| l.starts_with("───"))
        .expect("the rule below the rows");
    let below = &lines[rule + 1..rule + 4];
    let full = below.join(" ");
    assert!(
        full.starts_with("aks-ops-05 · autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch · failed:"),
        "{shown}"
    );
    assert!(
        full.contains(
            "ReconcileVMSSAgentPoolFailed: The node pool could not be reconciled: the VM scale set reported a \
             quota error for Standard_D4s_v5 in westeurope."
        ),
        "{shown}"
    );
}

#[test]
fn states_carry_their_colours_and_read_without_them() {
    let state = operations(200, 50);
    let buffer = render(&state, 200, 50, Theme { color: true });
    for (word, colour) in [
        ("succeeded", Color::Green),
        ("failed", Color::Red),
        ("not verified", Color::Red),
        ("running", Color::Yellow),
        ("changed", Color::Yellow),
    ] {
        let (x, y) = find(&buffer, &format!(" {word} ")).unwrap_or_else(|| panic!("{word}"));
        assert_eq!(buffer[(x + 1, y)].fg, colour, "{word}");
    }
    let plain = text(&render(&state, 200, 50, Theme { color: false }));
    for word in [
        "queued",
        "running",
        "verifying",
        "succeeded",
        "failed",
        "not verified",
        "skipped",
        "changed",
        "cancelled",
    ] {
        assert!(plain.contains(word), "{word} reads without colour");
    }
}

#[test]
fn no_operations_yet() {
    let mut state = plan_state(80, 24);
    press(&mut state, "5");
    insta::assert_snapshot!("operations_empty", screen(&state, 80, 24));
}

#[test]
fn quitting_while_changes_run_asks_first() {
    let mut state = operations(80, 24);
    press(&mut state, "q");
    assert!(!state.quit);
    let shown = screen(&state, 80, 24);
    insta::assert_snapshot!("quit_while_running", shown);
    assert!(state.operations.rows.iter().any(|r| r.state == OpState::Queued));
}
