//! `update` as specifications: sequences of actions and what they do to the state.
//!
//! Long because it is a list of specifications over one shared fixture fleet; each
//! test stands alone, and splitting them would only split the fixture.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use super::action::Action;
use super::command::Command;
use super::keymap::{Key, Keymap};
use super::state::{DataSource, DetailState, Level, Overlay, Screen, State};
use super::update::{Effect, key_action, update};
use crate::cache::{self, Snapshot};
use crate::config::Config;
use crate::filter::Column;
use crate::model::{AgentPool, Cluster, Fleet, MaintenanceConfig, Outcome, Rule, SubscriptionState};
use crate::model::{ClusterDetails, Progress};
use crate::remediate;

const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

fn cluster(i: usize, node_os: Option<&str>, version: &str) -> Cluster {
    Cluster {
        id: format!(
            "/subscriptions/sub-{}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-{i:03}",
            i % 3
        ),
        name: format!("aks-{i:03}"),
        subscription_id: format!("sub-{}", i % 3),
        resource_group: "rg".into(),
        location: if i.is_multiple_of(2) {
            "westeurope".into()
        } else {
            "eastus".into()
        },
        kubernetes_version: Some(version.into()),
        upgrade_channel: Some("patch".into()),
        node_os_upgrade_channel: node_os.map(String::from),
        pools: vec![AgentPool {
            name: "system".into(),
            os_type: Some("Linux".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn clusters(n: usize) -> Vec<Cluster> {
    let channels = [
        Some("SecurityPatch"),
        Some("NodeImage"),
        Some("Unmanaged"),
        Some("None"),
        None,
    ];
    let versions = ["1.34.2", "1.33.7", "1.32.9", "1.35.0"];
    (0..n)
        .map(|i| cluster(i, channels[i % channels.len()], versions[i % versions.len()]))
        .collect()
}

fn state(n: usize, live: bool) -> State {
    let config = Arc::new(Config::default());
    let data_source = if live {
        DataSource::Demo
    } else {
        DataSource::Files(vec!["fleet.json".into()])
    };
    let mut state = State::new(config.clone(), data_source, NOW);
    state.set_fleet(crate::rules::assess(clusters(n), &config, NOW.date()));
    update(&mut state, Action::Resize { rows: 10 });
    state
}

fn press(state: &mut State, keys: &str) -> Vec<Effect> {
    let keymap = Keymap::default();
    let mut effects = Vec::new();
    for key in super::keymap::parse_keys(keys).unwrap() {
        if let Some(action) = key_action(state, &keymap, key) {
            effects.extend(update(state, action));
        }
    }
    effects
}

fn selected_name(state: &State) -> String {
    state
        .selected_item()
        .map(|a| a.cluster.name.clone())
        .unwrap_or_default()
}

#[test]
fn moving_keeps_the_cursor_in_view() {
    let mut s = state(50, false);
    press(&mut s, "jjj");
    assert_eq!(s.selected, 3);
    press(&mut s, "<PgDn>");
    assert_eq!(s.selected, 13);
    assert!(s.offset <= 13 && 13 < s.offset + 10, "offset {}", s.offset);
    press(&mut s, "G");
    assert_eq!(s.selected, 49);
    assert_eq!(s.offset, 40);
    press(&mut s, "k<PgUp>");
    assert_eq!(s.selected, 38);
    press(&mut s, "g");
    assert_eq!((s.selected, s.offset), (0, 0));
    press(&mut s, "kkk");
    assert_eq!(s.selected, 0, "stops at the top");
}

#[test]
fn the_filter_narrows_as_you_type_enter_keeps_it_and_esc_clears_it() {
    let mut s = state(30, false);
    press(&mut s, "/aks-00");
    assert!(s.filter_input.editing);
    assert_eq!(s.visible.len(), 10);
    press(&mut s, "1");
    assert_eq!(s.visible.len(), 1);
    assert_eq!(selected_name(&s), "aks-001");
    press(&mut s, "<Enter>");
    assert!(!s.filter_input.editing);
    assert_eq!(s.filter_input.applied, "aks-001");
    press(&mut s, "/<Esc>");
    assert_eq!(s.visible.len(), 30);
    assert!(s.filter.is_empty());
}

#[test]
fn keys_typed_into_the_filter_are_text_not_commands() {
    let mut s = state(5, false);
    press(&mut s, "/q");
    assert!(!s.quit);
    assert_eq!(s.filter_input.text, "q");
    press(&mut s, "<C-c>");
    assert!(s.quit, "Ctrl-C still quits");
}

#[test]
fn a_malformed_term_shows_an_error_and_the_last_valid_filter_stays() {
    let mut s = state(30, false);
    press(&mut s, "/channel:unmanaged");
    let unmanaged = s.visible.len();
    assert_eq!(unmanaged, 6);
    press(&mut s, ",x");
    let error = s.filter_input.error.clone().expect("an error");
    assert!(error.contains("channel:unmanaged,x"), "{error}");
    assert_eq!(s.visible.len(), unmanaged, "the last filter that parsed still applies");
    press(&mut s, "<Enter>");
    assert_eq!(s.filter_input.applied, "channel:unmanaged");
    assert_eq!(s.filter_input.text, "channel:unmanaged");
    assert!(matches!(&s.status, Some((m, Level::Error)) if m.contains("channel:unmanaged,x")));
}

#[test]
fn sorting_cycles_columns_reverses_and_keeps_the_selected_cluster() {
    let mut s = state(20, false);
    assert_eq!(s.sort, (Column::Verdict, true), "worst first by default");
    press(&mut s, "jjj");
    let chosen = selected_name(&s);
    press(&mut s, "s");
    assert_eq!(s.sort.0, Column::Name);
    assert_eq!(selected_name(&s), chosen);
    press(&mut s, "S");
    assert!(!s.sort.1);
    let names: Vec<String> = s
        .visible
        .iter()
        .map(|&r| s.rows[r].cells[Column::Name].clone())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ascending by name");
    assert_eq!(selected_name(&s), chosen);
}

#[test]
fn the_default_order_puts_failing_clusters_first() {
    let s = state(20, false);
    let first = &s.fleet[s.rows[s.visible[0]].index];
    let last = &s.fleet[s.rows[*s.visible.last().unwrap()].index];
    assert_eq!(first.verdict(), Outcome::Fail);
    assert!(first.verdict() >= last.verdict());
}

#[test]
fn enter_opens_the_cluster_and_asks_for_its_details_when_live() {
    let mut live = state(5, true);
    let effects = press(&mut live, "<Enter>");
    let id = live.selected_item().unwrap().cluster.id.to_ascii_lowercase();
    assert_eq!(
        live.screen,
        Screen::Cluster {
            id: id.clone(),
            scroll: 0
        }
    );
    assert!(matches!(&effects[..], [Effect::FetchDetails { id: asked, .. }] if *asked == id));
    assert!(matches!(live.details.get(&id), Some(DetailState::Loading)));
    press(&mut live, "<Esc>");
    assert_eq!(live.screen, Screen::Fleet);
    assert!(press(&mut live, "<Enter>").is_empty(), "details are fetched once");

    let mut files = state(5, false);
    assert!(
        press(&mut files, "<Enter>").is_empty(),
        "files have no details to fetch"
    );
}

#[test]
fn details_arriving_judge_the_maintenance_window() {
    let mut s = state(3, true);
    press(&mut s, "<Enter>");
    let id = s.selected_item().unwrap().cluster.id.to_ascii_lowercase();
    let index = s.find(&id).unwrap();
    assert_eq!(
        s.fleet[index].outcome_of(Rule::MaintenanceWindow),
        Some(Outcome::Unknown)
    );
    let details = ClusterDetails {
        maintenance: Some(vec![
            MaintenanceConfig {
                name: "aksManagedAutoUpgradeSchedule".into(),
                schedule: None,
            },
            MaintenanceConfig {
                name: "aksManagedNodeOSUpgradeSchedule".into(),
                schedule: None,
            },
        ]),
        latest_images: vec![("system".into(), "AKSUbuntu-2204gen2containerd-202611.20.0".into())],
        version_supported: Some(true),
        errors: vec![],
    };
    update(
        &mut s,
        Action::Details {
            id: id.clone(),
            details: Box::new(details),
        },
    );
    let index = s.find(&id).unwrap();
    assert_eq!(s.fleet[index].outcome_of(Rule::MaintenanceWindow), Some(Outcome::Pass));
    assert_eq!(
        s.fleet[index].cluster.pools[0].latest_node_image_version.as_deref(),
        Some("AKSUbuntu-2204gen2containerd-202611.20.0")
    );
    assert!(matches!(s.details.get(&id), Some(DetailState::Loaded(_))));
}

fn snapshot_of(n: usize, failing: &[&str]) -> Snapshot {
    let subs = ["sub-0", "sub-1", "sub-2"];
    let fleet = Fleet {
        clusters: clusters(n)
            .into_iter()
            .filter(|c| !failing.contains(&c.subscription_id.as_str()))
            .collect(),
        subscriptions: subs
            .iter()
            .map(|id| SubscriptionState {
                id: id.to_string(),
                name: None,
                fetched_at: None,
                error: failing.contains(id).then(|| crate::model::SourceError {
                    subscription_id: Some(id.to_string()),
                    url: None,
                    code: Some("AuthorizationFailed".into()),
                    message: "no".into(),
                }),
            })
            .collect(),
        ..Default::default()
    };
    cache::merge(None, fleet, "demo", NOW)
}

#[test]
fn a_refresh_is_tagged_and_a_superseded_one_is_ignored() {
    let mut s = state(0, true);
    let effects = press(&mut s, "r");
    assert_eq!(effects, vec![Effect::Refresh { generation: 1 }]);
    assert!(s.refresh.running);
    update(
        &mut s,
        Action::Progress {
            generation: 1,
            progress: Progress::Subscriptions { total: 3 },
        },
    );
    update(
        &mut s,
        Action::Progress {
            generation: 1,
            progress: Progress::Done {
                subscription: "sub-0".into(),
                clusters: 4,
            },
        },
    );
    update(
        &mut s,
        Action::Progress {
            generation: 0,
            progress: Progress::Done {
                subscription: "old".into(),
                clusters: 9,
            },
        },
    );
    assert_eq!((s.refresh.total, s.refresh.done), (3, 1));
    update(
        &mut s,
        Action::Refreshed {
            generation: 0,
            snapshot: Box::new(snapshot_of(9, &[])),
        },
    );
    assert!(s.fleet.is_empty(), "a late answer of an older refresh is dropped");
    let effects = update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(snapshot_of(12, &[])),
        },
    );
    assert_eq!(s.fleet.len(), 12);
    assert!(!s.refresh.running);
    assert!(
        matches!(&effects[..], [Effect::RecordHistory(record)] if record.clusters.len() == 12),
        "a live read goes into the history"
    );
}

#[test]
fn r_while_a_refresh_runs_supersedes_it_and_only_the_newest_answer_counts() {
    let mut s = state(0, true);
    assert_eq!(press(&mut s, "r"), vec![Effect::Refresh { generation: 1 }]);
    // The first one is stuck (a hung sign-in): `r` again starts a new generation,
    // which the loop runs after cancelling the old one.
    assert_eq!(press(&mut s, "r"), vec![Effect::Refresh { generation: 2 }]);
    assert!(s.refresh.running);
    assert!(
        s.status.as_ref().is_some_and(|(text, _)| text.contains("cancelled")),
        "{:?}",
        s.status
    );
    update(
        &mut s,
        Action::RefreshFailed {
            generation: 1,
            message: "superseded".into(),
        },
    );
    assert!(
        s.refresh.running,
        "the cancelled refresh's end does not end the new one"
    );
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(snapshot_of(9, &[])),
        },
    );
    assert!(s.fleet.is_empty(), "a late answer of the superseded refresh is dropped");
    update(
        &mut s,
        Action::Refreshed {
            generation: 2,
            snapshot: Box::new(snapshot_of(12, &[])),
        },
    );
    assert_eq!(s.fleet.len(), 12);
    assert!(!s.refresh.running);
}

#[test]
fn failing_subscriptions_after_a_refresh_are_said_in_the_status_line() {
    let mut s = state(0, true);
    press(&mut s, "r");
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(snapshot_of(12, &["sub-2"])),
        },
    );
    assert_eq!(s.fleet.len(), 8);
    assert_eq!(s.errors.len(), 1);
    assert!(matches!(&s.status, Some((m, Level::Error)) if m.contains("1 subscription")));
}

#[test]
fn listed_ids_that_are_not_guids_are_said_without_calling_the_fleet_unreadable() {
    let mut s = state(0, true);
    let mut snapshot = snapshot_of(6, &[]);
    snapshot.errors.push(crate::model::SourceError {
        subscription_id: None,
        url: None,
        code: Some("InvalidSubscriptionId".into()),
        message: "`../x` is not a subscription id".into(),
    });
    update(
        &mut s,
        Action::Refreshed {
            generation: 0,
            snapshot: Box::new(snapshot),
        },
    );
    assert_eq!(s.fleet.len(), 6);
    let (text, _) = s.status.clone().expect("a status");
    assert!(text.contains("1 listed subscription id(s) are not GUIDs"), "{text}");
    assert!(!text.contains("could not be read"), "{text}");
}

#[test]
fn files_have_nothing_to_refresh() {
    let mut s = state(3, false);
    assert!(press(&mut s, "r").is_empty());
    assert!(s.status.is_some());
}

#[test]
fn the_fix_popup_cycles_formats_copies_and_writes() {
    let mut s = state(10, false);
    // The first row is failing (worst first): it has something to fix.
    press(&mut s, "f");
    let Some(Overlay::Fix(popup)) = &s.overlay else {
        panic!("no popup")
    };
    assert_eq!(popup.format, remediate::Format::Cli);
    assert!(popup.text.contains("az aks"), "{}", popup.text);
    press(&mut s, "<Tab>");
    let Some(Overlay::Fix(popup)) = &s.overlay else {
        panic!()
    };
    assert_eq!(popup.format, remediate::Format::Bicep);
    assert!(popup.text.contains("Microsoft.ContainerService/managedClusters@"));
    press(&mut s, "<S-Tab><S-Tab>");
    let Some(Overlay::Fix(popup)) = &s.overlay else {
        panic!()
    };
    assert_eq!(popup.format, remediate::Format::Terraform);
    let text = popup.text.clone();
    assert_eq!(press(&mut s, "y"), vec![Effect::Copy(text.clone())]);
    let name = selected_name(&s);
    assert_eq!(
        press(&mut s, "w"),
        vec![Effect::WriteFile {
            name: format!("aksradar-fix-{name}.tf"),
            text
        }]
    );
    update(&mut s, Action::Done(Ok("Copied 12 lines".into())));
    assert!(matches!(&s.status, Some((m, Level::Info)) if m == "Copied 12 lines"));
    press(&mut s, "<Esc>");
    assert!(s.overlay.is_none());
}

#[test]
fn the_fix_works_from_the_cluster_view_too() {
    let mut s = state(4, false);
    press(&mut s, "jj<Enter>");
    let open = s.open_cluster().unwrap().1.cluster.name.clone();
    press(&mut s, "f");
    let Some(Overlay::Fix(popup)) = &s.overlay else {
        panic!()
    };
    assert!(popup.ids[0].ends_with(&open));
    press(&mut s, "<Esc><Esc>");
    assert_eq!(s.screen, Screen::Fleet, "Esc closes the popup, then the view");
}

#[test]
fn raw_json_comes_from_azure_when_live_and_from_the_model_for_files() {
    let mut files = state(2, false);
    press(&mut files, "v");
    let Some(Overlay::Raw { text: Some(text), .. }) = &files.overlay else {
        panic!()
    };
    assert!(text.contains("\"kubernetesVersion\""));

    let mut live = state(2, true);
    let effects = press(&mut live, "v");
    let id = live.selected_item().unwrap().cluster.id.to_ascii_lowercase();
    assert!(matches!(&effects[..], [Effect::FetchRaw { id: asked, .. }] if *asked == id));
    assert!(
        matches!(&live.overlay, Some(Overlay::Raw { text: None, .. })),
        "loading"
    );
    update(
        &mut live,
        Action::Raw {
            id,
            text: Ok("{\"name\": \"x\"}".into()),
        },
    );
    assert!(matches!(&live.overlay, Some(Overlay::Raw { text: Some(t), .. }) if t.contains("\"x\"")));
}

#[test]
fn help_errors_and_quit() {
    let mut s = state(2, false);
    press(&mut s, "?");
    assert_eq!(s.overlay, Some(Overlay::Help { scroll: 0 }));
    press(&mut s, "j");
    assert_eq!(
        s.overlay,
        Some(Overlay::Help { scroll: 1 }),
        "keys scroll the overlay, not the table"
    );
    assert_eq!(s.selected, 0);
    press(&mut s, "<Esc>!");
    assert_eq!(s.overlay, Some(Overlay::Errors { scroll: 0 }));
    press(&mut s, "q");
    assert!(s.quit);
}

#[test]
fn a_remapped_key_drives_its_command() {
    let mut keymap = Keymap::default();
    keymap.unbind_command(Command::Down);
    keymap.bind(Key::char('n'), Command::Down);
    let mut s = state(5, false);
    for key in [Key::char('n'), Key::char('j'), Key::char('n')] {
        if let Some(action) = key_action(&s, &keymap, key) {
            update(&mut s, action);
        }
    }
    assert_eq!(s.selected, 2);
}

#[test]
fn marks_pick_the_clusters_of_the_batch_fix() {
    let mut s = state(12, false);
    let first = selected_name(&s);
    press(&mut s, "<Space><Space>");
    assert_eq!(s.marked_count(), 2);
    assert_eq!(s.selected, 2, "marking moves on");
    press(&mut s, "k<Space>");
    assert_eq!(s.marked_count(), 1, "Space again unmarks");
    press(&mut s, "F");
    let Some(Overlay::Fix(popup)) = &s.overlay else {
        panic!("no batch popup")
    };
    assert!(popup.batch);
    assert_eq!(popup.ids.len(), 1);
    assert!(popup.ids[0].ends_with(&first));
    press(&mut s, "<Esc>c");
    assert!(s.marked_count() == 0);
    press(&mut s, "F");
    let Some(Overlay::Fix(popup)) = &s.overlay else {
        panic!()
    };
    let failing = s.fleet.iter().filter(|a| a.failing().next().is_some()).count();
    assert_eq!(popup.ids.len(), failing, "with no marks: every failing cluster in view");
    assert!(popup.text.contains("set -euo pipefail"));
}

#[test]
fn mark_all_marks_what_is_in_view() {
    let mut s = state(12, false);
    press(&mut s, "/eastus<Enter>a");
    assert_eq!(s.marked_count(), 6);
    press(&mut s, "<Esc>");
    assert_eq!(s.visible.len(), 12);
    assert_eq!(
        s.batch_ids().len(),
        6,
        "marked clusters stay marked when the filter goes"
    );
}

#[test]
fn the_non_compliant_toggle_hides_passing_clusters() {
    let mut s = state(20, false);
    press(&mut s, "x");
    assert!(s.only_failing);
    assert!(s.visible.iter().all(|&r| s.rows[r].tally.failing > 0));
    assert!(s.visible.len() < 20);
    press(&mut s, "x");
    assert_eq!(s.visible.len(), 20);
}

#[test]
fn views_switch_and_a_subscription_opens_its_clusters() {
    let mut s = state(12, false);
    press(&mut s, "2");
    assert_eq!(s.view, super::state::View::Subscriptions);
    assert_eq!(s.subscription_rows.len(), 3);
    assert_eq!(s.subscription_rows.iter().map(|r| r.clusters).sum::<usize>(), 12);
    press(&mut s, "j<Enter>");
    let opened = s.subscription_rows[1].id.clone();
    assert_eq!(s.view, super::state::View::Clusters);
    assert_eq!(s.filter.source(), format!("sub:{opened}"));
    assert!(
        s.visible
            .iter()
            .all(|&r| s.fleet[s.rows[r].index].cluster.subscription_id == opened)
    );
    press(&mut s, "3");
    assert_eq!(s.view, super::state::View::Posture);
    let total: u64 = s.posture.by_channel.iter().map(|(_, n)| n).sum();
    assert_eq!(
        total as usize,
        s.visible.len(),
        "the posture counts the clusters in view"
    );
    assert_eq!(
        s.posture.by_minor.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>(),
        ["1.32", "1.33", "1.34", "1.35"]
    );
}

#[test]
fn export_writes_the_view_as_scan_would() {
    let mut s = state(12, false);
    press(&mut s, "/westeurope<Enter>");
    let effects = press(&mut s, "e");
    let [Effect::WriteFile { name, text }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(
        name.starts_with("aksradar-export-") && name.ends_with(".json"),
        "{name}"
    );
    let report: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(report["clusters"].as_array().unwrap().len(), 6);
    let effects = press(&mut s, "E");
    let [Effect::WriteFile { name, text }] = &effects[..] else {
        panic!()
    };
    assert!(name.ends_with(".csv"));
    assert_eq!(text.lines().count(), 7, "a header and six rows");
}

#[test]
fn the_portal_link_follows_the_cloud() {
    let mut s = state(2, false);
    let id = s.selected_item().unwrap().cluster.id.clone();
    assert_eq!(
        press(&mut s, "u"),
        vec![Effect::Copy(format!(
            "https://portal.azure.com/#@/resource{id}/overview"
        ))]
    );
    s.cloud = crate::config::Cloud::UsGovernment;
    assert_eq!(
        press(&mut s, "u"),
        vec![Effect::Copy(format!(
            "https://portal.azure.us/#@/resource{id}/overview"
        ))]
    );
}

#[test]
fn the_refresh_interval_starts_a_refresh_when_due() {
    let config = Config {
        refresh_interval: Some(std::time::Duration::from_secs(300)),
        ..Config::default()
    };
    let mut s = State::new(Arc::new(config), DataSource::Demo, NOW);
    assert_eq!(
        super::update::start_refresh(&mut s),
        vec![Effect::Refresh { generation: 1 }]
    );
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(snapshot_of(3, &[])),
        },
    );
    assert!(update(&mut s, Action::Tick(NOW + time::Duration::minutes(4))).is_empty());
    assert_eq!(
        update(&mut s, Action::Tick(NOW + time::Duration::minutes(5))),
        vec![Effect::Refresh { generation: 2 }]
    );
    assert!(
        update(&mut s, Action::Tick(NOW + time::Duration::minutes(11))).is_empty(),
        "not while one runs"
    );
}

#[test]
fn the_view_sort_and_filter_are_remembered() {
    let mut s = state(12, false);
    press(&mut s, "/eastus<Enter>sSx3");
    let json = super::saved::Saved::of(&s).to_json();
    let mut again = state(12, false);
    super::saved::Saved::from_json(&json).unwrap().apply(&mut again);
    assert_eq!(again.view, super::state::View::Posture);
    assert_eq!(again.sort, (Column::Name, false));
    assert_eq!(again.filter.source(), "eastus");
    assert!(again.only_failing);
    assert_eq!(again.visible, s.visible);
}

#[test]
fn marks_follow_their_clusters_across_a_refresh() {
    let mut s = state(0, true);
    press(&mut s, "r");
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(snapshot_of(12, &[])),
        },
    );
    press(&mut s, "<Space><Space>");
    let mut marked = s.batch_ids();
    marked.sort();
    assert_eq!(marked.len(), 2);
    press(&mut s, "r");
    update(
        &mut s,
        Action::Refreshed {
            generation: 2,
            snapshot: Box::new(snapshot_of(12, &[])),
        },
    );
    let mut again = s.batch_ids();
    again.sort();
    assert_eq!(again, marked);
}

#[test]
fn a_read_that_cannot_start_says_why_and_keeps_the_last_data() {
    let mut s = state(0, true);
    press(&mut s, "r");
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(snapshot_of(12, &[])),
        },
    );
    press(&mut s, "r");
    let failed = Fleet {
        errors: vec![crate::model::SourceError {
            subscription_id: None,
            url: Some("https://management.azure.com/subscriptions".into()),
            code: Some("AuthenticationFailed".into()),
            message: "could not get a token (Azure CLI): az login first".into(),
        }],
        ..Default::default()
    };
    let previous = snapshot_of(12, &[]);
    let snapshot = cache::merge(Some(previous), failed, "demo", NOW);
    update(
        &mut s,
        Action::Refreshed {
            generation: 2,
            snapshot: Box::new(snapshot),
        },
    );
    assert_eq!(s.fleet.len(), 12, "the last good rows stay");
    assert!(s.fleet.iter().all(|a| a.cluster.stale));
    assert!(
        matches!(&s.status, Some((m, Level::Error)) if m.contains("AuthenticationFailed") && m.contains("az login"))
    );
}
