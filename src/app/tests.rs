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
use super::state::{DataSource, Level, Overlay, Screen, State};
use super::update::{Effect, key_action, update};
use crate::cache::{self, Snapshot};
use crate::config::Config;
use crate::filter::Column;
use crate::filter::Filter;
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
        name: format!("aks-{i:03}").into(),
        subscription_id: format!("sub-{}", i % 3).into(),
        resource_group: "rg".into(),
        location: if i.is_multiple_of(2) {
            "westeurope".into()
        } else {
            "eastus".into()
        },
        kubernetes_version: Some(version.into()),
        upgrade_channel: Some("patch".into()),
        node_os_upgrade_channel: node_os.map(Into::into),
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

/// A state showing `fleet`, read from a file.
fn files_state(fleet: Vec<Cluster>) -> State {
    let config = Arc::new(Config::default());
    let mut state = State::new(config.clone(), DataSource::Files(vec!["fleet.json".into()]), NOW);
    state.set_fleet(crate::rules::assess(fleet, &config, NOW.date()));
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
        .map(|a| a.cluster.name.to_string())
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

fn typed(state: &State) -> &str {
    state.prompt.as_ref().map_or("", |p| p.line.text())
}

fn status_text(state: &State) -> String {
    state.status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
}

fn status_is(state: &State, level: Level, part: &str) -> bool {
    state
        .status
        .as_ref()
        .is_some_and(|s| s.level == level && s.text.contains(part))
}

#[test]
fn the_filter_narrows_as_you_type_enter_keeps_it_and_esc_restores_the_one_before() {
    let mut s = state(30, false);
    press(&mut s, "/aks-00");
    assert!(s.prompt.is_some());
    assert_eq!(s.visible.len(), 10);
    press(&mut s, "1");
    assert_eq!(s.visible.len(), 1);
    assert_eq!(selected_name(&s), "aks-001");
    press(&mut s, "<Enter>");
    assert!(s.prompt.is_none());
    assert_eq!(s.filter.source(), "aks-001");
    // Esc while editing puts back what was applied when editing began, not nothing.
    press(&mut s, "/<BS><BS><BS>westeurope");
    assert_eq!(s.filter.source(), "aks-westeurope");
    press(&mut s, "<Esc>");
    assert_eq!(s.filter.source(), "aks-001");
    assert_eq!(s.visible.len(), 1);
}

#[test]
fn keys_typed_into_the_filter_are_text_not_commands() {
    let mut s = state(5, false);
    press(&mut s, "/q");
    assert!(!s.quit);
    assert_eq!(typed(&s), "q");
    press(&mut s, "<C-c>");
    assert!(s.quit, "Ctrl-C still quits");
}

#[test]
fn a_term_being_typed_is_not_applied_while_it_does_not_parse() {
    let mut s = state(30, false);
    press(&mut s, "/channel:unmanaged");
    let unmanaged = s.visible.len();
    assert_eq!(unmanaged, 6);
    press(&mut s, " fail:node");
    let error = s.prompt.as_ref().and_then(|p| p.error.clone()).expect("an error");
    assert!(error.contains("fail:node"), "{error}");
    assert_eq!(
        s.filter.source(),
        "channel:unmanaged",
        "the half-written term is left out"
    );
    assert_eq!(s.visible.len(), unmanaged);
    // Today's trap: `fail` alone is a word that matches every failing row; `fail:` and
    // `fail:node` must not go on showing what that word matched.
    let mut t = state(30, false);
    press(&mut t, "/fail");
    let word = t.visible.len();
    assert!(word < 30);
    press(&mut t, ":node");
    assert_eq!(t.visible.len(), 30, "`fail:node` is not applied, and `fail` is gone");
    press(&mut t, "<Enter>");
    assert!(status_is(&t, Level::Error, "fail:node"), "{}", status_text(&t));
    assert!(t.filter.is_empty());
    // A misspelt channel shows the error, not an empty table.
    let mut u = state(30, false);
    press(&mut u, "/channel:unmanged");
    assert_eq!(u.visible.len(), 30);
    assert!(
        u.prompt
            .as_ref()
            .and_then(|p| p.error.as_ref())
            .is_some_and(|e| e.contains("unmanged"))
    );
}

#[test]
fn the_filter_line_edits_like_a_shell_line() {
    let mut s = state(30, false);
    // Left/Right, Home/End, Ctrl-A/E, Ctrl-W, Ctrl-U, Delete, at the cursor.
    press(&mut s, "/eastus<Home>!<End> aks-0<Left><Left><Del>");
    assert_eq!(typed(&s), "!eastus aks0");
    press(&mut s, "<C-a><Right><Right><Del><C-e><C-w>");
    assert_eq!(typed(&s), "!estus ");
    press(&mut s, "<Left><Left><C-u>");
    assert_eq!(typed(&s), "s ");
    assert_eq!(s.filter.source(), "s", "the filter follows every edit");
}

#[test]
fn filter_history_comes_back_with_up_and_down() {
    let mut s = state(30, false);
    press(&mut s, "/eastus<Enter>/<C-u>channel:none<Enter>/x");
    press(&mut s, "<Up>");
    assert_eq!(typed(&s), "channel:none");
    assert_eq!(s.filter.source(), "channel:none");
    press(&mut s, "<Up><Up>");
    assert_eq!(typed(&s), "eastus");
    press(&mut s, "<Down>");
    assert_eq!(typed(&s), "channel:none");
    press(&mut s, "<Down>");
    assert_eq!(typed(&s), "channel:nonex", "back to what was being typed");
}

#[test]
fn tab_completes_terms_channels_subscriptions_and_tags() {
    let mut s = state(12, false);
    press(&mut s, "/cha<Tab>");
    assert_eq!(typed(&s), "channel:");
    press(&mut s, "unm<Tab>");
    assert_eq!(typed(&s), "channel:unmanaged ");
    assert_eq!(s.filter.source(), "channel:unmanaged");
    press(&mut s, "sub:sub-<Tab>");
    assert_eq!(typed(&s), "channel:unmanaged sub:sub-");
    let candidates = s.prompt.as_ref().map(|p| p.candidates.clone()).unwrap_or_default();
    assert_eq!(candidates, ["sub:sub-0", "sub:sub-1", "sub:sub-2"]);
    press(&mut s, "2<Tab>");
    assert_eq!(typed(&s), "channel:unmanaged sub:sub-2 ");
}

#[test]
fn sorting_cycles_columns_reverses_and_keeps_the_selected_cluster() {
    let mut s = state(20, false);
    assert_eq!(s.sort, (Column::Verdict, true), "worst first by default");
    press(&mut s, "jjj");
    let chosen = selected_name(&s);
    press(&mut s, "s");
    assert_eq!(s.sort, (Column::Name, false), "a text column starts ascending");
    assert_eq!(selected_name(&s), chosen);
    press(&mut s, "SS");
    assert!(!s.sort.1);
    let names: Vec<String> = s
        .visible
        .iter()
        .map(|&r| s.rows[r].cells[Column::Name].to_string())
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
fn opening_a_cluster_reads_nothing_and_never_moves_a_verdict() {
    let mut live = state(5, true);
    let before: Vec<(String, String)> = live
        .fleet
        .iter()
        .map(|a| (a.cluster.name.to_string(), a.verdict_label()))
        .collect();
    let summary = live.summary;
    let effects = press(&mut live, "<Enter>");
    let id = live.selected_item().unwrap().cluster.id.to_ascii_lowercase();
    assert_eq!(live.screen, Screen::Cluster { id, scroll: 0 });
    assert!(effects.is_empty(), "opening shows what is there: {effects:?}");
    press(&mut live, "<Esc>j<Enter><Esc>j<Enter><Esc>");
    let after: Vec<(String, String)> = live
        .fleet
        .iter()
        .map(|a| (a.cluster.name.to_string(), a.verdict_label()))
        .collect();
    assert_eq!(after, before, "no verdict moved");
    assert_eq!(live.summary, summary, "nor did the header's counts");
}

/// Both AKS-managed schedules, read: the MaintenanceWindow rule passes.
fn both_schedules() -> Vec<MaintenanceConfig> {
    ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]
        .map(|name| MaintenanceConfig {
            name: name.into(),
            schedule: None,
        })
        .to_vec()
}

/// The details a read got for every cluster, put into `snapshot`, stamped `at`.
fn with_details(mut snapshot: Snapshot, at: OffsetDateTime, details: impl Fn(&Cluster) -> ClusterDetails) -> Snapshot {
    for cluster in &mut snapshot.clusters {
        let read = details(cluster);
        read.apply(std::sync::Arc::make_mut(cluster), at);
    }
    snapshot
}

fn window_outcomes(state: &State) -> Vec<Option<Outcome>> {
    let mut by_name: Vec<(String, Option<Outcome>)> = state
        .fleet
        .iter()
        .map(|a| (a.cluster.name.to_string(), a.outcome_of(Rule::MaintenanceWindow)))
        .collect();
    by_name.sort();
    by_name.into_iter().map(|(_, o)| o).collect()
}

#[test]
fn a_refresh_shows_the_list_at_once_and_verdicts_hold_until_the_details_arrive() {
    let mut s = state(0, true);
    press(&mut s, "r");
    let read = |_: &Cluster| ClusterDetails {
        maintenance: Some(both_schedules()),
        ..Default::default()
    };
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(with_details(snapshot_of(6, &[]), NOW, read)),
        },
    );
    assert_eq!(window_outcomes(&s), vec![Some(Outcome::Pass); 6]);
    let summary = s.summary;

    // The next refresh: its list first, without details, while they are read.
    press(&mut s, "r");
    update(
        &mut s,
        Action::Listed {
            generation: 2,
            snapshot: Box::new(snapshot_of(6, &[])),
        },
    );
    assert!(s.refresh.running, "the refresh goes on: the details are being read");
    assert_eq!(
        window_outcomes(&s),
        vec![Some(Outcome::Pass); 6],
        "each cluster keeps the details on screen until the new ones arrive"
    );
    assert_eq!(s.summary, summary);
    for progress in [
        Progress::Details { total: 12 },
        Progress::Detail { failed: false },
        Progress::Detail { failed: true },
    ] {
        update(
            &mut s,
            Action::Progress {
                generation: 2,
                progress,
            },
        );
    }
    assert_eq!(
        s.refresh.details,
        Some(super::state::DetailsProgress {
            total: 12,
            done: 2,
            failed: 1
        })
    );

    // The details arrive: now the verdicts move, because the read says so.
    let later = NOW + time::Duration::minutes(5);
    let none = |_: &Cluster| ClusterDetails {
        maintenance: Some(vec![]),
        ..Default::default()
    };
    let effects = update(
        &mut s,
        Action::Refreshed {
            generation: 2,
            snapshot: Box::new(with_details(snapshot_of(6, &[]), later, none)),
        },
    );
    assert!(!s.refresh.running);
    assert_eq!(window_outcomes(&s), vec![Some(Outcome::Fail); 6]);
    assert!(
        matches!(&effects[..], [Effect::RecordHistory(_)]),
        "the finished read is recorded"
    );
}

/// The rows a filter shows, cluster by cluster as `scan --filter` matches them.
fn fresh_visible(s: &State, filter: &str, only_failing: bool) -> Vec<usize> {
    let filter = Filter::parse(filter).unwrap();
    let mut rows: Vec<usize> = (0..s.rows.len())
        .filter(|&i| {
            let item = &s.fleet[s.rows[i].index];
            (!only_failing || item.failing().next().is_some()) && filter.matches_item(item)
        })
        .collect();
    rows.sort_unstable();
    rows
}

/// Sets each filter in turn: the dashboard shows the rows `scan --filter` keeps.
fn shows_what_scan_shows(s: &mut State, filters: &[&str]) {
    for text in filters {
        s.set_filter(Filter::parse(text).unwrap());
        s.recompute();
        assert_eq!(shown(s), fresh_visible(s, text, false), "{text:?}");
    }
}

/// The rows a state shows, as a set.
fn shown(s: &State) -> Vec<usize> {
    let mut rows = s.visible.clone();
    rows.sort_unstable();
    rows
}

/// `sub:` is asked once per subscription when all its clusters carry one id and name;
/// a subscription whose clusters disagree (a file that names it two ways) is asked
/// cluster by cluster, so the dashboard shows what `scan --filter` reports.
#[test]
fn sub_terms_match_each_cluster_as_scan_does_even_when_a_subscription_is_named_two_ways() {
    let mut fleet = clusters(12);
    for (i, cluster) in fleet.iter_mut().enumerate() {
        // sub-2 is named one way (asked once); sub-0 and sub-1 two ways.
        let name = match (i % 3, i % 2) {
            (2, _) => "Batch",
            (_, 0) => "Payments Prod",
            _ => "Search",
        };
        cluster.subscription_name = Some(name.into());
    }
    let mut s = files_state(fleet);
    shows_what_scan_shows(
        &mut s,
        &[
            "sub:payments",
            "sub:search",
            "sub:batch",
            "sub:sub-1",
            "!sub:payments",
            "sub:sub-1 sub:search",
            "!sub:batch",
            "sub:zzz",
        ],
    );
    s.set_filter(Filter::parse("sub:payments").unwrap());
    s.recompute();
    assert_eq!(s.visible.len(), 4, "aks-000, 004, 006 and 010 are named Payments Prod");
    s.set_filter(Filter::parse("sub:batch").unwrap());
    s.recompute();
    assert_eq!(s.visible.len(), 4, "the clusters of sub-2");
}

/// `channel:` is answered from the row's channel when AKS names it; a channel it does
/// not name is asked of the cluster: either way what `scan --filter` reports.
#[test]
fn channel_terms_match_as_scan_does_for_every_channel_even_one_aks_does_not_name() {
    let mut fleet = clusters(12);
    fleet[3].node_os_upgrade_channel = Some("Weekly".into());
    let mut s = files_state(fleet);
    shows_what_scan_shows(
        &mut s,
        &[
            "channel:none",
            "channel:unspecified",
            "!channel:unspecified",
            "channel:securitypatch,unmanaged",
            "!channel:nodeimage sub:sub-0",
        ],
    );
    s.set_filter(Filter::parse("!channel:securitypatch,nodeimage,unmanaged,none,unspecified").unwrap());
    s.recompute();
    assert_eq!(s.visible.len(), 1, "only the Weekly cluster");
}

#[test]
fn typing_erasing_and_recalling_a_filter_shows_what_the_filter_shows_from_nothing() {
    let mut s = state(40, true);
    let typed = [
        "a",
        "ak",
        "aks",
        "aks-0",
        "aks-01",
        "aks-0",
        "aks",
        "",
        "sub:s",
        "sub:sub-1",
        "sub:sub-1 aks-01",
        "sub:sub-1",
        "!aks-01",
        "!aks-0",
        "k8s:<1.3",
        "k8s:<1.34",
        "aks-01",
    ];
    for only_failing in [false, true, false] {
        s.only_failing = only_failing;
        for text in typed {
            s.set_filter(Filter::parse(text).unwrap());
            s.recompute();
            assert_eq!(
                shown(&s),
                fresh_visible(&s, text, only_failing),
                "{text:?}, failing only {only_failing}"
            );
        }
    }

    // New data: nothing remembered of the old holds.
    s.set_filter(Filter::parse("needle").unwrap());
    assert!(s.visible.is_empty());
    let mut renamed = (*s.fleet[3].cluster).clone();
    renamed.name = "aks-needle".into();
    s.replace(vec![(3, Arc::new(renamed))]);
    assert_eq!(s.visible.len(), 1, "the renamed cluster now matches");
    assert_eq!(shown(&s), fresh_visible(&s, "needle", false));
}

#[test]
fn a_word_is_found_within_one_row_s_text_never_across_two() {
    let mut first = cluster(0, None, "1.33.7");
    first.tags = std::collections::BTreeMap::from([("k".to_string(), "zzend".to_string())]).into();
    let mut second = cluster(1, None, "1.33.7");
    second.name = "startzz".into();
    let mut s = State::new(Arc::new(Config::default()), DataSource::Demo, NOW);
    s.set_fleet(crate::rules::assess(vec![first, second], &s.config.clone(), NOW.date()));
    for (text, want) in [
        ("zzend", 1),
        ("startzz", 1),
        ("zzendstartzz", 0),
        ("zz", 2),
        ("k=zzend zz", 1),
    ] {
        s.set_filter(Filter::parse(text).unwrap());
        assert_eq!(s.visible.len(), want, "{text}");
        assert_eq!(shown(&s), fresh_visible(&s, text, false), "{text}");
    }
}

/// A live state whose first refresh listed `n` clusters (no details yet), and that list.
fn listing(n: usize) -> (State, Snapshot) {
    let mut s = state(0, true);
    press(&mut s, "r");
    let listed = snapshot_of(n, &[]);
    update(
        &mut s,
        Action::Listed {
            generation: 1,
            snapshot: Box::new(listed.clone()),
        },
    );
    (s, listed)
}

/// A fleet large enough to be made a share per core keeps its search texts a string
/// per share: a word is found in every share, and clusters that come back changed are
/// found by their new texts, whether each is as long as before (put in place) or not
/// (its share's string made again).
#[test]
fn search_texts_follow_the_clusters_that_change_in_every_share_of_a_large_fleet() {
    let (mut s, listed) = listing(5_000);
    shows_what_scan_shows(&mut s, &["aks-003", "aks-4990", "1.33.7", "zzblue", "qqq-"]);
    let changed = |at: usize, change: &dyn Fn(&mut Cluster)| {
        let mut cluster = (*listed.clusters[at]).clone();
        change(&mut cluster);
        (at, Arc::new(cluster))
    };
    let same_length = |c: &mut Cluster| c.name = c.name.replace("aks-", "qqq-").into();
    let longer = |c: &mut Cluster| c.tags = std::collections::BTreeMap::from([("team".into(), "zzblue".into())]).into();
    for batch in [
        vec![changed(10, &same_length), changed(4_000, &same_length)],
        vec![changed(3, &longer), changed(4_990, &longer)],
    ] {
        update(
            &mut s,
            Action::Detailed {
                generation: 1,
                clusters: batch,
            },
        );
    }
    for (word, want) in [("qqq-", 2), ("zzblue", 2), ("aks-4990", 1), ("aks-003", 1)] {
        s.set_filter(Filter::parse(word).unwrap());
        assert_eq!(s.visible.len(), want, "{word}");
        assert_eq!(shown(&s), fresh_visible(&s, word, false), "{word}");
    }
    shows_what_scan_shows(&mut s, &["1.33.7", "aks-01", "team=zzblue"]);
}

#[test]
fn details_that_arrive_replace_their_clusters_one_batch_at_a_time_and_shared() {
    let (mut s, listed) = listing(6);
    assert!(
        s.fleet
            .iter()
            .zip(&listed.clusters)
            .all(|(a, c)| Arc::ptr_eq(&a.cluster, c)),
        "the list on screen is the read's own clusters, not a copy"
    );
    assert_eq!(window_outcomes(&s), vec![Some(Outcome::Unknown); 6]);
    let summary = s.summary;

    // Two clusters' details arrive: those two move, the others hold.
    let read = |at: usize| {
        let mut cluster = (*listed.clusters[at]).clone();
        ClusterDetails {
            maintenance: Some(both_schedules()),
            ..Default::default()
        }
        .apply(&mut cluster, NOW);
        (at, Arc::new(cluster))
    };
    let batch = vec![read(1), read(4)];
    let arrived: Vec<Arc<Cluster>> = batch.iter().map(|(_, c)| c.clone()).collect();
    update(
        &mut s,
        Action::Detailed {
            generation: 1,
            clusters: batch,
        },
    );
    let passing: Vec<String> = s
        .fleet
        .iter()
        .filter(|a| a.outcome_of(Rule::MaintenanceWindow) == Some(Outcome::Pass))
        .map(|a| a.cluster.name.to_string())
        .collect();
    assert_eq!(passing, ["aks-001", "aks-004"]);
    assert!(Arc::ptr_eq(&s.fleet[1].cluster, &arrived[0]), "shared, not copied");
    assert_ne!(s.summary, summary, "the counts follow");
    assert!(s.refresh.running, "the refresh goes on");

    // A place that holds another cluster now, or a superseded refresh, changes nothing.
    let shown = s.fleet.clone();
    let mut other = read(2);
    other.0 = 3;
    update(
        &mut s,
        Action::Detailed {
            generation: 1,
            clusters: vec![other],
        },
    );
    update(
        &mut s,
        Action::Detailed {
            generation: 0,
            clusters: vec![read(5)],
        },
    );
    assert_eq!(s.fleet, shown);
}

#[test]
fn a_detail_that_could_not_be_read_is_unknown_with_why_and_counted_on_its_own() {
    let mut s = state(0, true);
    press(&mut s, "r");
    let first = with_details(snapshot_of(3, &[]), NOW, |_| ClusterDetails {
        maintenance: Some(both_schedules()),
        ..Default::default()
    });
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(first.clone()),
        },
    );
    let unknown_before = s.summary.unknown;
    press(&mut s, "r");
    // The second read of one cluster's maintenance configurations is refused; the cache
    // carried its first read over (as `fetch::details` does) before it failed.
    let mut second = snapshot_of(3, &[]);
    for (cluster, old) in second.clusters.iter_mut().zip(&first.clusters) {
        crate::model::carry_details(old, std::sync::Arc::make_mut(cluster));
    }
    let refused = second.clusters[0].id.clone();
    let later = NOW + time::Duration::hours(1);
    let second = with_details(second, later, |c| {
        if c.id == refused {
            ClusterDetails {
                failed: vec![(
                    crate::model::DetailPart::Maintenance,
                    crate::model::SourceError {
                        subscription_id: Some(c.subscription_id.to_string()),
                        url: None,
                        code: Some("AuthorizationFailed".into()),
                        message: "no access".into(),
                    },
                )],
                ..Default::default()
            }
        } else {
            ClusterDetails {
                maintenance: Some(both_schedules()),
                ..Default::default()
            }
        }
    });
    update(
        &mut s,
        Action::Refreshed {
            generation: 2,
            snapshot: Box::new(second),
        },
    );
    let at = s.find(&refused).unwrap();
    let item = &s.fleet[at];
    let window = item
        .findings
        .iter()
        .find(|f| f.rule == Rule::MaintenanceWindow)
        .unwrap();
    assert_eq!(window.outcome, Outcome::Unknown);
    assert!(
        window.reason.contains("AuthorizationFailed: no access"),
        "{}",
        window.reason
    );
    assert_eq!(
        item.cluster.maintenance,
        Some(both_schedules()),
        "the last good value is kept, marked stale"
    );
    let failure = item
        .cluster
        .details
        .as_deref()
        .unwrap()
        .failure(crate::model::DetailPart::Maintenance);
    assert_eq!(failure.and_then(|f| f.kept_from), Some(NOW));
    assert_eq!(s.summary.unknown, unknown_before + 1, "counted as unknown");
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
        s.status
            .as_ref()
            .is_some_and(|status| status.text.contains("cancelled")),
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
    assert_eq!(s.unread_subscriptions(), (1, 3));
    assert!(s.status.is_none(), "the header counts it, once: {}", status_text(&s));
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
    let text = s.status.clone().expect("a status").text;
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
    assert!(matches!(&press(&mut s, "Y")[..], [Effect::Copy { text: all, .. }] if *all == text));
    let name = selected_name(&s);
    assert_eq!(
        press(&mut s, "w"),
        vec![Effect::WriteFile {
            name: format!("aksradar-fix-{name}.tf"),
            text,
            usage: None,
        }]
    );
    update(&mut s, Action::Done(Ok("Copied 12 lines".into())));
    assert!(status_is(&s, Level::Info, "Copied 12 lines"));
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
    assert!(popup.ids[0].ends_with(open.as_str()));
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
    assert!(matches!(s.overlay, Some(Overlay::Help { scroll: 0, .. })));
    press(&mut s, "j");
    assert!(
        matches!(s.overlay, Some(Overlay::Help { scroll: 1, .. })),
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

fn popup(state: &State) -> &super::state::FixPopup {
    match &state.overlay {
        Some(Overlay::Fix(popup)) => popup,
        other => panic!("no fix popup: {other:?}"),
    }
}

fn included(popup: &super::state::FixPopup) -> Vec<Rule> {
    popup.rules.iter().filter(|r| r.included).map(|r| r.rule).collect()
}

#[test]
fn the_batch_fix_asks_the_filter_s_rules_and_leaves_kubernetes_upgrades_out() {
    let cases: [(&str, &[Rule]); 5] = [
        ("", &[Rule::NodeAutoUpgrade, Rule::AutoUpgrade, Rule::MaintenanceWindow]),
        ("channel:unmanaged,none,unspecified", &[Rule::NodeAutoUpgrade]),
        ("upgrade:patch", &[Rule::AutoUpgrade]),
        ("k8s:<lt>1.34", &[Rule::Version]),
        (
            "fail:NodeAutoUpgrade pass:PoolVersion",
            &[Rule::NodeAutoUpgrade, Rule::PoolVersion],
        ),
    ];
    for (filter, want) in cases {
        let mut s = state(20, false);
        press(&mut s, &format!("/{filter}<Enter>F"));
        assert_eq!(included(popup(&s)), want, "{filter}");
    }
    // With no rule asked, the upgrades are left out and the text says how to ask.
    let mut s = state(20, false);
    press(&mut s, "F");
    let p = popup(&s);
    assert!(!p.text.contains("az aks upgrade"), "{}", p.text);
    assert!(
        p.text.contains("Not asked for, so not fixed here: Azure.AKS.Version"),
        "{}",
        p.text
    );
}

#[test]
fn rules_are_toggled_in_the_popup_with_their_counts() {
    let mut s = state(20, false);
    press(&mut s, "/channel:none<Enter>F");
    let p = popup(&s);
    let ids = p.ids.clone();
    let items: Vec<&crate::model::Assessed> = ids.iter().filter_map(|id| s.find(id)).map(|i| &s.fleet[i]).collect();
    for choice in &p.rules {
        let failing = items
            .iter()
            .filter(|a| a.outcome_of(choice.rule) == Some(Outcome::Fail))
            .count();
        assert_eq!(choice.failing, failing, "{:?}", choice.rule);
    }
    assert_eq!(
        p.rules[p.rule_at].rule,
        Rule::NodeAutoUpgrade,
        "the cursor starts on a rule asked for"
    );
    let versions = p
        .rules
        .iter()
        .find(|r| r.rule == Rule::Version)
        .map_or(0, |r| r.failing);
    assert!(versions > 0, "the fixture has clusters below the minimum in view");
    assert!(!p.text.contains("az aks upgrade"));
    // Right twice: Version; t puts it in.
    press(&mut s, "<Right><Right>t");
    let p = popup(&s);
    assert_eq!(included(p), [Rule::NodeAutoUpgrade, Rule::Version]);
    assert!(
        p.text.contains("az aks upgrade") || p.text.contains("K8S_TARGET_VERSION"),
        "{}",
        p.text
    );
    assert!(
        status_text(&s).contains("Azure.AKS.Version in the fix"),
        "{}",
        status_text(&s)
    );
    assert!(status_text(&s).contains("drains"), "{}", status_text(&s));
    // Left wraps round; t on NodeAutoUpgrade leaves it out; the format keeps the choice.
    press(&mut s, "<Left><Left>t<Tab>");
    let p = popup(&s);
    assert_eq!(included(p), [Rule::Version]);
    assert_eq!(p.format, remediate::Format::Bicep);
    assert!(!p.text.contains("nodeOSUpgradeChannel: 'SecurityPatch'"), "{}", p.text);
}

#[test]
fn an_open_fix_popup_is_made_again_in_place_when_new_data_arrives() {
    let mut s = state(0, true);
    press(&mut s, "r");
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(with_details(snapshot_of(9, &[]), NOW, |_| ClusterDetails {
                maintenance: Some(both_schedules()),
                ..Default::default()
            })),
        },
    );
    press(&mut s, "Fjjjj");
    let before = popup(&s).clone();
    assert!(before.cursor >= 4);
    assert!(!before.text.contains("MaintenanceWindow"), "{}", before.text);
    // The refresh running behind the popup finds the windows gone: the popup now fixes
    // them too, where it was.
    let generation = crate::app::update::start_refresh(&mut s)
        .into_iter()
        .find_map(|e| match e {
            Effect::Refresh { generation } => Some(generation),
            _ => None,
        })
        .unwrap();
    update(
        &mut s,
        Action::Refreshed {
            generation,
            snapshot: Box::new(with_details(snapshot_of(9, &[]), NOW, |_| ClusterDetails {
                maintenance: Some(vec![]),
                ..Default::default()
            })),
        },
    );
    let after = popup(&s);
    assert_ne!(after.text, before.text);
    assert!(after.text.contains("Azure.AKS.MaintenanceWindow"), "{}", after.text);
    assert_eq!(
        (after.scroll, after.cursor),
        (before.scroll, before.cursor),
        "the place is kept"
    );
    assert_eq!(after.ids, before.ids, "the same clusters");
    let windows = after.rules.iter().find(|r| r.rule == Rule::MaintenanceWindow).unwrap();
    assert_eq!(windows.failing, before.ids.len(), "the counts are made again");
}

#[test]
fn mark_all_marks_what_is_in_view() {
    let mut s = state(12, false);
    press(&mut s, "/eastus<Enter>a");
    assert_eq!(s.marked_count(), 6);
    press(&mut s, "C");
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
    assert!(s.visible.iter().all(|&r| s.rows[r].brief.failing()));
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
    press(&mut s, "j");
    let opened = s.subscription_rows[1].id.clone();
    press(&mut s, "<Enter>");
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
    press(&mut s, "C");
    assert_eq!(
        s.posture.by_minor.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>(),
        ["1.32", "1.33", "1.34", "1.35"]
    );
}

#[test]
fn the_subscriptions_view_shows_the_subscriptions_of_the_clusters_in_view() {
    let mut s = state(12, false);
    press(&mut s, "/westeurope<Enter>2");
    // Clusters 0, 2, 4... are in westeurope: subscriptions 0, 2, 1 (i % 3) all have some.
    assert_eq!(s.subscription_rows.iter().map(|r| r.clusters).sum::<usize>(), 6);
    press(&mut s, "/<C-u>sub:sub-1<Enter>");
    assert_eq!(s.subscription_rows.len(), 1, "only subscriptions with clusters in view");
    assert_eq!(s.subscription_rows[0].id, "sub-1");
    assert_eq!(s.subscription_rows[0].clusters, 4);
}

#[test]
fn a_large_fleet_s_subscription_rows_count_each_cluster_in_view_once() {
    // Enough rows in view to be counted a share per core (2,048 a thread at least),
    // and a filter that leaves some out.
    let mut s = state(10_001, false);
    press(&mut s, "/westeurope<Enter>2");
    let mut want: std::collections::BTreeMap<String, (usize, usize, [usize; 8])> = Default::default();
    for &row in &s.visible {
        let item = &s.fleet[s.rows[row].index];
        let (clusters, non_compliant, failures) = want.entry(item.cluster.subscription_id.to_string()).or_default();
        *clusters += 1;
        *non_compliant += usize::from(item.failing().count() > 0);
        for f in item.failing() {
            failures[Rule::ALL.iter().position(|r| *r == f.rule).unwrap()] += 1;
        }
    }
    assert_eq!(s.visible.len(), 5_001);
    assert_eq!(s.subscription_rows.len(), 3);
    for row in &s.subscription_rows {
        let (clusters, non_compliant, failures) = want[&row.id];
        assert_eq!(
            (row.clusters, row.non_compliant),
            (clusters, non_compliant),
            "{}",
            row.id
        );
        let most = failures.iter().copied().max().unwrap();
        assert_eq!(row.most_failed.map(|(_, n)| n), Some(most), "{}", row.id);
    }
}

#[test]
fn enter_on_a_subscription_adds_to_the_filter_and_esc_comes_back() {
    let mut s = state(12, false);
    press(&mut s, "/westeurope<Enter>2");
    let before = s.subscription_rows.len();
    press(&mut s, "j");
    let opened = s.subscription_rows[1].id.clone();
    press(&mut s, "<Enter>");
    assert_eq!(s.view, super::state::View::Clusters);
    assert_eq!(
        s.filter.source(),
        format!("westeurope sub:{opened}"),
        "added, not replaced"
    );
    assert!(s.visible.iter().all(|&r| {
        let c = &s.fleet[s.rows[r].index].cluster;
        c.subscription_id == opened && c.location == "westeurope"
    }));
    // Into a cluster and back, twice: Esc retraces the way in.
    press(&mut s, "<Enter>");
    assert!(matches!(s.screen, Screen::Cluster { .. }));
    press(&mut s, "<Esc>");
    assert_eq!(
        (s.screen.clone(), s.view),
        (Screen::Fleet, super::state::View::Clusters)
    );
    press(&mut s, "<Esc>");
    assert_eq!(s.view, super::state::View::Subscriptions);
    assert_eq!(s.filter.source(), "westeurope", "the filter as it was");
    assert_eq!(s.subscription_rows.len(), before);
    assert_eq!(s.subscription_selected, 1, "on the subscription it left");
    // Nothing further back: Esc says so, and keeps the filter.
    press(&mut s, "<Esc>");
    assert_eq!(s.filter.source(), "westeurope");
    assert!(
        status_is(&s, Level::Info, "nothing to go back to"),
        "{}",
        status_text(&s)
    );
}

#[test]
fn esc_on_the_table_never_clears_the_filter_its_own_key_does() {
    let mut s = state(30, false);
    press(&mut s, "/channel:unmanaged,none sub:sub-1 !k8s:1.35<Enter>");
    let narrowed = s.visible.len();
    press(&mut s, "<Esc>");
    assert_eq!(s.visible.len(), narrowed, "a stray Esc keeps the filter");
    assert_eq!(s.filter.source(), "channel:unmanaged,none sub:sub-1 !k8s:1.35");
    press(&mut s, "C");
    assert!(s.filter.is_empty());
    assert_eq!(s.visible.len(), 30);
    // And it is one Up away.
    press(&mut s, "/<Up><Enter>");
    assert_eq!(s.visible.len(), narrowed);
}

#[test]
fn export_writes_the_view_as_scan_would() {
    let mut s = state(12, false);
    press(&mut s, "/westeurope<Enter>");
    let effects = press(&mut s, "e");
    let [Effect::WriteFile { name, text, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(
        name.starts_with("aksradar-export-") && name.ends_with(".json"),
        "{name}"
    );
    let report: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(report["clusters"].as_array().unwrap().len(), 6);
    let effects = press(&mut s, "E");
    let [Effect::WriteFile { name, text, .. }] = &effects[..] else {
        panic!()
    };
    assert!(name.ends_with(".csv"));
    assert_eq!(text.lines().count(), 7, "a header and six rows");
}

#[test]
fn the_portal_link_follows_the_cloud() {
    let mut s = state(2, false);
    let id = s.selected_item().unwrap().cluster.id.clone();
    let link = format!("https://portal.azure.com/#@/resource{id}/overview");
    assert_eq!(
        press(&mut s, "u"),
        vec![Effect::Copy {
            done: format!("Copied the portal link (OSC 52): {link}"),
            text: link,
        }]
    );
    s.cloud = crate::config::Cloud::UsGovernment;
    assert!(matches!(&press(&mut s, "u")[..],
        [Effect::Copy { text, done }] if *text == format!("https://portal.azure.us/#@/resource{id}/overview")
            && !done.contains("press w")));
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
    assert_eq!(again.sort, (Column::Name, true));
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
    assert!(status_is(&s, Level::Error, "AuthenticationFailed"));
    assert!(status_is(&s, Level::Error, "az login"));
    assert!(status_is(&s, Level::Error, "the last good data is shown"));
}

#[test]
fn status_messages_expire_with_the_clock() {
    let mut s = state(5, false);
    press(&mut s, "<Space>c");
    assert!(status_is(&s, Level::Info, "Marks cleared"));
    update(&mut s, Action::Tick(NOW + time::Duration::seconds(4)));
    assert!(s.status.is_some(), "still there after 4 s");
    update(&mut s, Action::Tick(NOW + time::Duration::seconds(5)));
    assert!(s.status.is_none(), "gone after 5 s");
    // Errors stay longer, and go too.
    s.say("Could not copy", Level::Error);
    update(&mut s, Action::Tick(NOW + time::Duration::seconds(20)));
    assert!(s.status.is_some());
    update(&mut s, Action::Tick(NOW + time::Duration::seconds(25)));
    assert!(s.status.is_none());
}

#[test]
fn a_key_that_does_nothing_here_says_so() {
    let mut s = state(12, false);
    press(&mut s, "2");
    for (key, part) in [
        ("s", "not in the subscriptions view: it works in the clusters view"),
        ("f", "not in the subscriptions view: it works on a cluster"),
        (
            "<Space>",
            "not in the subscriptions view: it works in the clusters view",
        ),
        ("F", "not in the subscriptions view: it works in the clusters view"),
    ] {
        s.status = None;
        let effects = press(&mut s, key);
        assert!(effects.is_empty());
        assert!(status_is(&s, Level::Info, part), "{key}: {}", status_text(&s));
    }
    press(&mut s, "3<Enter>");
    assert!(status_is(&s, Level::Info, "Enter (open"), "{}", status_text(&s));
    press(&mut s, "1w");
    assert!(
        status_is(&s, Level::Info, "it works in the fix popup and the raw JSON"),
        "{}",
        status_text(&s)
    );
    press(&mut s, "c");
    assert!(
        status_is(&s, Level::Info, "no cluster is marked"),
        "{}",
        status_text(&s)
    );
}

#[test]
fn help_toggles_and_comes_back_to_the_popup_it_covered() {
    let mut s = state(5, false);
    press(&mut s, "f?");
    assert!(matches!(
        &s.overlay,
        Some(Overlay::Help {
            context: super::context::Context::Fix,
            ..
        })
    ));
    press(&mut s, "?");
    assert!(matches!(&s.overlay, Some(Overlay::Fix(_))), "the fix popup is back");
    press(&mut s, "?<Esc>");
    assert!(matches!(&s.overlay, Some(Overlay::Fix(_))), "Esc closes the help first");
    press(&mut s, "<Esc>");
    assert!(s.overlay.is_none());
}

#[test]
fn direct_sort_keys_sort_by_their_column_and_again_reverse() {
    let mut s = state(20, false);
    press(&mut s, "N");
    assert_eq!(s.sort, (Column::Name, false));
    press(&mut s, "N");
    assert_eq!(s.sort, (Column::Name, true));
    press(&mut s, "V");
    assert_eq!(s.sort, (Column::Version, false));
    let versions: Vec<_> = s
        .visible
        .iter()
        .map(|&r| s.fleet[s.rows[r].index].cluster.version())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "ascending by version");
    press(&mut s, "W");
    assert_eq!(s.sort, (Column::Verdict, true), "the verdict starts worst first");
    for (key, column) in [
        ("B", Column::Subscription),
        ("R", Column::ResourceGroup),
        ("L", Column::Location),
        ("U", Column::Upgrade),
        ("O", Column::NodeOs),
        ("P", Column::Provisioning),
    ] {
        press(&mut s, key);
        assert_eq!(s.sort.0, column, "{key}");
    }
}

#[test]
fn the_command_line_runs_commands_by_name_with_arguments() {
    let mut s = state(12, true);
    press(&mut s, ":sort version<Enter>");
    assert_eq!(s.sort, (Column::Version, false));
    press(&mut s, ":view subscriptions<Enter>");
    assert_eq!(s.view, super::state::View::Subscriptions);
    press(&mut s, ":sort name desc<Enter>");
    assert_eq!(
        (s.view, s.sort),
        (super::state::View::Clusters, (Column::Name, true)),
        "sorting shows the clusters"
    );
    press(&mut s, ":fix<Enter>");
    assert!(matches!(&s.overlay, Some(Overlay::Fix(p)) if p.format == remediate::Format::Cli));
    press(&mut s, "<Esc>:fix terraform<Enter>");
    assert!(matches!(&s.overlay, Some(Overlay::Fix(p)) if p.format == remediate::Format::Terraform));
    press(&mut s, "<Esc>");
    let effects = press(&mut s, ":export csv<Enter>");
    assert!(matches!(&effects[..], [Effect::WriteFile { name, .. }] if name.ends_with(".csv")));
    let effects = press(&mut s, ":refresh<Enter>");
    assert!(matches!(&effects[..], [Effect::Refresh { .. }]));
    press(&mut s, ":jump<Enter>");
    assert!(
        status_is(&s, Level::Error, "unknown command `jump`"),
        "{}",
        status_text(&s)
    );
    // Tab completes, Up recalls.
    press(&mut s, ":vi<Tab>po<Tab>");
    assert_eq!(typed(&s), "view posture ");
    press(&mut s, "<Enter>");
    assert_eq!(s.view, super::state::View::Posture);
    press(&mut s, ":<Up><Up>");
    assert_eq!(typed(&s), "jump");
    press(&mut s, "<Esc>");
    assert!(s.prompt.is_none());
}

#[test]
fn y_copies_the_resource_id_in_the_cluster_view_and_says_what() {
    let mut s = state(5, false);
    press(&mut s, "<Enter>");
    let id = s.open_cluster().unwrap().1.cluster.id.clone();
    let effects = press(&mut s, "y");
    let [Effect::Copy { text, done }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(*text, id);
    assert!(done.contains("resource id") && done.contains(&id), "{done}");
    assert!(!done.contains("press w"), "w writes nothing here: {done}");
}

#[test]
fn in_the_fix_popup_y_copies_the_command_under_the_cursor_and_y_all_the_text() {
    let mut s = state(5, false);
    press(&mut s, "f");
    let (text, cursor) = match &s.overlay {
        Some(Overlay::Fix(p)) => (p.text.clone(), p.cursor),
        _ => panic!("no popup"),
    };
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        !lines[cursor].starts_with('#') && !lines[cursor].is_empty(),
        "the cursor starts on a command"
    );
    let effects = press(&mut s, "y");
    let [Effect::Copy { text: copied, done }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(copied.trim_end(), lines[cursor]);
    assert!(done.contains(&format!("line {}", cursor + 1)), "{done}");
    // The `az aks update` inside the if: the cursor moves onto it.
    let update_line = lines
        .iter()
        .position(|l| l.trim_start().starts_with("az aks update"))
        .expect("an update");
    for _ in cursor..update_line {
        press(&mut s, "j");
    }
    let effects = press(&mut s, "y");
    assert!(matches!(&effects[..], [Effect::Copy { text, .. }] if text.trim() == lines[update_line].trim()));
    // On a comment: nothing to copy, and it says what to do.
    let comment = lines.iter().position(|l| l.starts_with('#')).unwrap();
    for _ in 0..update_line {
        press(&mut s, "k");
    }
    for _ in 0..comment {
        press(&mut s, "j");
    }
    assert!(press(&mut s, "y").is_empty());
    assert!(status_is(&s, Level::Info, "Y copies the whole text"));
    let effects = press(&mut s, "Y");
    assert!(
        matches!(&effects[..], [Effect::Copy { text: all, done }] if *all == text && done.contains("Press w to write"))
    );
}

/// The loop's writer puts the file's name in the usage comment
/// (`dashboard::tests::writing_the_same_text_twice_makes_one_file_and_says_where`);
/// here, that the fix asks for it and is the popup's text, line for line.
#[test]
fn a_written_script_asks_for_its_usage_comment_to_name_the_file() {
    let mut s = state(5, false);
    press(&mut s, "f");
    let popup_text = match &s.overlay {
        Some(Overlay::Fix(p)) => p.text.clone(),
        _ => panic!(),
    };
    let effects = press(&mut s, "w");
    let [Effect::WriteFile { text, usage, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(*usage, Some(super::output::USAGE_NAME));
    assert!(
        text.contains(&format!("bash {}", super::output::USAGE_NAME)),
        "the comment the writer renames"
    );
    assert_eq!(*text, popup_text);
}

#[test]
fn the_raw_json_copies_writes_and_searches() {
    let mut s = state(2, false);
    press(&mut s, "v");
    let text = match &s.overlay {
        Some(Overlay::Raw { text: Some(t), .. }) => t.clone(),
        _ => panic!(),
    };
    assert!(matches!(&press(&mut s, "y")[..], [Effect::Copy { text: t, .. }] if *t == text));
    let effects = press(&mut s, "w");
    assert!(
        matches!(&effects[..], [Effect::WriteFile { name, text: t, usage: None }]
        if name.starts_with("aksradar-raw-") && name.ends_with(".json") && *t == text)
    );
    press(&mut s, "/nodeOsUpgrade");
    let line = text.lines().position(|l| l.contains("nodeOsUpgrade")).unwrap();
    assert!(
        matches!(&s.overlay, Some(Overlay::Raw { scroll, .. }) if usize::from(*scroll) == line),
        "jumps as it is typed"
    );
    press(&mut s, "<Enter>");
    assert!(matches!(&s.overlay, Some(Overlay::Raw { search: Some(q), .. }) if q == "nodeOsUpgrade"));
    press(&mut s, "/<C-u>\"name\"<Enter>");
    let first = text.lines().position(|l| l.contains("\"name\"")).unwrap();
    let scroll_of = |s: &State| match &s.overlay {
        Some(Overlay::Raw { scroll, .. }) => usize::from(*scroll),
        _ => usize::MAX,
    };
    assert!(scroll_of(&s) >= first);
    let at = scroll_of(&s);
    press(&mut s, "n");
    let next = text
        .lines()
        .enumerate()
        .skip(at + 1)
        .find(|(_, l)| l.contains("\"name\""))
        .map(|(i, _)| i);
    match next {
        Some(next) => assert_eq!(scroll_of(&s), next),
        None => assert!(status_is(&s, Level::Info, "No more matches")),
    }
    press(&mut s, "/nothing-like-this");
    assert!(
        s.prompt
            .as_ref()
            .and_then(|p| p.error.as_ref())
            .is_some_and(|e| e.contains("not in the raw JSON"))
    );
    press(&mut s, "<Esc>");
    assert!(
        matches!(&s.overlay, Some(Overlay::Raw { .. })),
        "Esc ends the search, not the view"
    );
}

#[test]
fn a_remembered_filter_belongs_to_the_fleet_it_was_set_on() {
    let mut demo = state(12, false);
    demo.fleet_key = "demo|1|20|25".into();
    press(&mut demo, "/stale:yes<Enter>");
    let json = super::saved::Saved::of(&demo).to_json();
    let saved = super::saved::Saved::from_json(&json).unwrap();
    let mut same = state(12, false);
    same.fleet_key = "demo|1|20|25".into();
    saved.apply(&mut same);
    assert_eq!(same.filter.source(), "stale:yes");
    assert_eq!(same.filter_history, ["stale:yes"]);
    let mut other = state(12, false);
    other.fleet_key = "https://management.azure.com|tenant".into();
    saved.apply(&mut other);
    assert!(other.filter.is_empty(), "another fleet opens unfiltered");
    assert_eq!(other.visible.len(), 12);
    // Saving the other fleet keeps the first one's filter.
    let mut both = saved.clone();
    both.remember(&other);
    assert_eq!(both.fleets.len(), 2);
    assert_eq!(both.fleets["demo|1|20|25"].filter, "stale:yes");
}

#[test]
fn a_first_read_that_fails_does_not_claim_last_good_data() {
    let mut s = state(0, true);
    press(&mut s, "r");
    let failed = Fleet {
        errors: vec![crate::model::SourceError {
            subscription_id: None,
            url: None,
            code: Some("AuthenticationFailed".into()),
            message: "no credential".into(),
        }],
        ..Default::default()
    };
    update(
        &mut s,
        Action::Refreshed {
            generation: 1,
            snapshot: Box::new(cache::merge(None, failed, "demo", NOW)),
        },
    );
    assert!(
        status_is(&s, Level::Error, "nothing was read before"),
        "{}",
        status_text(&s)
    );
    assert!(!status_text(&s).contains("last good"));
}

#[test]
fn scan_and_the_dashboard_list_clusters_in_the_same_default_order() {
    let s = state(20, false);
    let dashboard: Vec<String> = s
        .visible
        .iter()
        .map(|&r| s.fleet[s.rows[r].index].cluster.name.to_string())
        .collect();
    let mut scan = s.fleet.clone();
    crate::report::worst_first(&mut scan);
    let scan: Vec<String> = scan.iter().map(|a| a.cluster.name.to_string()).collect();
    assert_eq!(dashboard, scan);
}

#[test]
fn the_posture_view_asks_for_the_history_once_and_never_reads_it_itself() {
    let mut live = state(5, true);
    assert_eq!(
        press(&mut live, "3"),
        vec![Effect::LoadTrend],
        "an effect: the loop reads the file"
    );
    update(
        &mut live,
        Action::Trend(super::aggregates::Trend {
            points: vec![],
            loaded: true,
        }),
    );
    assert!(
        press(&mut live, "13").is_empty(),
        "read once; each later read comes with RecordHistory"
    );
    let mut files = state(5, false);
    assert!(press(&mut files, "3").is_empty(), "files keep no history");
}

#[test]
fn a_background_warning_shows_as_an_error_in_the_status_line() {
    let mut s = state(3, true);
    let effects = update(
        &mut s,
        Action::Warning("This read is not in the history: disk full".into()),
    );
    assert!(effects.is_empty());
    assert!(status_is(&s, Level::Error, "not in the history"), "{:?}", s.status);
}
