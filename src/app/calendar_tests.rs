//! The upgrade calendar in the dashboard, as specifications over `update`: the outlook
//! of every cluster worked out as `scan` works it out, once per data change and from
//! the state's clock; the calendar's filter terms; the SUPPORT and NEXT WINDOW sorts;
//! the upgrades view; and what a refresh's list and a failed events read leave on
//! screen.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime, Time, UtcOffset, Weekday};

use super::action::Action;
use super::command::Command;
use super::keymap::{Keymap, parse_keys};
use super::state::{DataSource, Overlay, Screen, State, View};
use super::update::{key_action, update};
use crate::cache::{self, Snapshot};
use crate::config::Config;
use crate::filter::{Column, Filter};
use crate::model::support::OfferedMinor;
use crate::model::window::{Recurrence, Timing, Window};
use crate::model::{
    Assessed, Cluster, EventKind, EventStatus, Fleet, InsightKind, MaintenanceConfig, MaintenanceSchedule, RegionOffer,
    SourceError, SubscriptionState, UpgradeEvent,
};

/// Thursday 2026-11-26, noon UTC: 1.34 ends on the 30th, 1.33 ended in July.
const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

fn id(name: &str) -> String {
    format!("/subscriptions/sub-0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}")
}

fn window(recurrence: Recurrence, hour: u8, offset: i8, hours: u8) -> MaintenanceSchedule {
    MaintenanceSchedule::of(
        Timing::Window(Window {
            recurrence,
            duration_hours: hours,
            start_time: Time::from_hms(hour, 0, 0).unwrap(),
            utc_offset: UtcOffset::from_hms(offset, 0, 0).unwrap(),
            start_date: Some(date!(2026 - 01 - 01)),
            not_allowed: Vec::new(),
        }),
        None,
    )
}

fn config(name: &str, schedule: MaintenanceSchedule) -> MaintenanceConfig {
    MaintenanceConfig {
        name: name.into(),
        schedule: Some(std::sync::Arc::new(schedule)),
    }
}

fn cluster(name: &str, version: &str, location: &str, maintenance: Option<Vec<MaintenanceConfig>>) -> Cluster {
    Cluster {
        id: id(name),
        name: name.into(),
        subscription_id: "sub-0".into(),
        resource_group: "rg".into(),
        location: location.into(),
        kubernetes_version: Some(version.into()),
        upgrade_channel: Some("patch".into()),
        node_os_upgrade_channel: Some("NodeImage".into()),
        maintenance,
        ..Default::default()
    }
}

/// Six clusters, one of each kind of outlook:
/// - out: 1.32 where westeurope offers 1.33 and up (AKS may upgrade it by force); no window;
/// - ending: 1.34 (ends in 4 days), a node OS window on Saturdays 22:00 +01:00 (in 2 d 9 h),
///   its last node OS upgrade failed yesterday and the next is scheduled;
/// - fine: 1.35 (125 days left), a daily window at 13:00 UTC (in 1 h);
/// - lts: 1.33 on the LTS plan and the Premium tier (until July 2027), no window;
/// - unread: 1.36, its windows not read;
/// - unknown: 1.99, a minor no calendar knows.
fn clusters() -> Vec<Cluster> {
    let mut lts = cluster("aks-lts", "1.33.3", "eastus", Some(Vec::new()));
    lts.support_plan = Some("AKSLongTermSupport".into());
    lts.sku_tier = Some("Premium".into());
    vec![
        cluster("aks-out", "1.32.9", "westeurope", Some(Vec::new())),
        cluster(
            "aks-ending",
            "1.34.2",
            "westeurope",
            Some(vec![config(
                "aksManagedNodeOSUpgradeSchedule",
                window(
                    Recurrence::Weekly {
                        every: 1,
                        day: Weekday::Saturday,
                    },
                    22,
                    1,
                    6,
                ),
            )]),
        ),
        cluster(
            "aks-fine",
            "1.35.1",
            "eastus",
            Some(vec![config(
                "aksManagedAutoUpgradeSchedule",
                window(Recurrence::Daily { every: 1 }, 13, 0, 4),
            )]),
        ),
        lts,
        cluster("aks-unread", "1.36.0", "eastus", None),
        cluster("aks-unknown", "1.99.0", "eastus", None),
    ]
}

fn regions() -> BTreeMap<String, RegionOffer> {
    let offer = |minor| OfferedMinor {
        minor,
        plans: vec!["KubernetesOfficial".into()],
        preview: false,
    };
    BTreeMap::from([(
        "westeurope".to_string(),
        RegionOffer {
            minors: vec![offer((1, 33)), offer((1, 34)), offer((1, 35))],
        },
    )])
}

fn event(cluster: &str, n: u32, status: EventStatus, hours: i64) -> UpgradeEvent {
    let at = NOW + Duration::hours(hours);
    UpgradeEvent {
        id: format!("{}/scheduledevents/e-{n}", id(cluster)).into(),
        cluster_id: id(cluster).into(),
        event_id: Some(format!("e-{n}").into()),
        kind: EventKind::NodeOs,
        status: status.clone(),
        scheduled: Some(at),
        started: (status != EventStatus::Scheduled).then_some(at),
        updated: (status != EventStatus::Scheduled).then(|| at + Duration::hours(1)),
        details: None,
    }
}

/// aks-ending: one failed yesterday (the latest), one scheduled in two days, one
/// completed a week ago; aks-fine: one completed two days ago, one failed 20 days ago.
fn events() -> Vec<UpgradeEvent> {
    vec![
        event("aks-ending", 1, EventStatus::Completed, -24 * 7),
        event("aks-ending", 2, EventStatus::Failed, -24),
        event("aks-ending", 3, EventStatus::Scheduled, 48),
        event("aks-fine", 4, EventStatus::Completed, -48),
        event("aks-fine", 5, EventStatus::Failed, -24 * 20),
    ]
}

fn fleet() -> Fleet {
    Fleet {
        clusters: clusters(),
        subscriptions: vec![SubscriptionState {
            id: "sub-0".into(),
            name: None,
            fetched_at: None,
            error: None,
        }],
        regions: regions(),
        events: Some(events()),
        ..Default::default()
    }
}

/// The live dashboard after the cache (or a refresh) brought `fleet()`.
fn dashboard() -> State {
    let mut state = State::new(Arc::new(Config::default()), DataSource::Demo, NOW);
    update(
        &mut state,
        Action::Refreshed {
            generation: 0,
            snapshot: Box::new(cache::merge(None, fleet(), "demo", NOW)),
        },
    );
    update(&mut state, Action::Resize { rows: 10 });
    state
}

/// What `scan` does with the same fleet at the same instant (`cmd::assess`): the rules,
/// then the calendar over the whole read.
fn scanned(config: &Config) -> Vec<Assessed> {
    let fleet = fleet();
    let mut assessed = crate::rules::assess(fleet.clusters, config, NOW.date());
    let calendar = config.support_calendar();
    let context = crate::calendar::Context::new(
        NOW,
        &calendar,
        &fleet.regions,
        fleet.events.as_deref(),
        &config.insights,
        &assessed,
    );
    crate::calendar::annotate(&mut assessed, &context);
    assessed
}

fn press(state: &mut State, keys: &str) {
    let keymap = Keymap::default();
    for key in parse_keys(keys).unwrap() {
        if let Some(action) = key_action(state, &keymap, key) {
            update(state, action);
        }
    }
}

fn in_view(state: &State) -> Vec<String> {
    state
        .visible
        .iter()
        .map(|&r| state.fleet[state.rows[r].index].cluster.name.to_string())
        .collect()
}

fn outlook_of<'a>(state: &'a State, name: &str) -> &'a crate::model::Outlook {
    let item = state
        .fleet
        .iter()
        .find(|a| a.cluster.name == name)
        .expect("in the fleet");
    item.outlook.as_deref().expect("an outlook")
}

fn cell(state: &State, name: &str, column: Column) -> String {
    let row = state
        .rows
        .iter()
        .find(|r| state.fleet[r.index].cluster.name == name)
        .expect("a row");
    row.cells[column].to_string()
}

#[test]
fn the_calendar_s_filter_terms_pick_in_the_dashboard_what_they_pick_in_scan() {
    let mut state = dashboard();
    let scan = scanned(&state.config);
    let filters = [
        ("support:out", 1),
        ("support:ending", 1),
        ("support:lts", 1),
        ("support:ok", 2),
        ("support:unknown", 1),
        ("support:forced", 1),
        ("support:<60d", 1),
        ("support:<200d", 2),
        ("window:<2h", 1),
        ("window:<3d", 2),
        ("window:none", 2),
        ("window:unknown", 2),
        ("insight:failed-upgrade", 1),
        ("insight:forced-upgrade,eol-soon", 2),
        ("insight:any", 2),
        ("!insight:any", 4),
        ("support:out window:none", 1),
    ];
    for (text, count) in filters {
        let filter = Filter::parse(text).unwrap();
        let by_scan: BTreeSet<String> = scan
            .iter()
            .filter(|a| filter.matches_item(a))
            .map(|a| a.cluster.name.to_string())
            .collect();
        press(&mut state, "C");
        press(&mut state, &format!("/{}<Enter>", text.replace('<', "<lt>")));
        let by_dashboard: BTreeSet<String> = in_view(&state).into_iter().collect();
        assert_eq!(by_dashboard, by_scan, "{text}");
        assert_eq!(by_dashboard.len(), count, "{text}: {by_dashboard:?}");
    }
}

#[test]
fn every_row_s_brief_tells_its_cluster_s_counts_and_calendar() {
    let mut state = dashboard();
    press(&mut state, "x");
    press(&mut state, "x");
    assert!(state.rows.len() > 5);
    let mut facts = Vec::new();
    for (at, row) in state.rows.iter().enumerate() {
        let brief = state.brief(at).expect("a brief for every row");
        assert_eq!(brief, &row.brief, "the state's copy is the row's");
        let item = &state.fleet[row.index];
        assert_eq!(brief.tally(), crate::model::Tally::of(item), "{at}");
        let calendar = super::rows::CalendarTally::of(item.outlook.as_deref());
        assert_eq!(brief.calendar(), calendar, "{at}");
        assert_eq!(brief.failing(), item.failing().count() > 0);
        let outlook = outlook_of(&state, &item.cluster.name);
        let told = brief.facts().outlook.expect("every row here has an outlook");
        assert_eq!(told.windows_read, outlook.windows.is_some(), "{at}");
        assert_eq!(told.window_ahead, outlook.soonest().is_some(), "{at}");
        facts.push((told.windows_read, told.window_ahead, told.support, told.days_left));
    }
    // The fixture has windows ahead, none and unread, and support both known and not.
    facts.sort();
    facts.dedup_by_key(|f| (f.0, f.1));
    assert!(facts.len() >= 3, "{facts:?}");
}

#[test]
fn every_cluster_s_outlook_is_the_one_scan_works_out() {
    let state = dashboard();
    for scanned in scanned(&state.config) {
        let name = &scanned.cluster.name;
        assert_eq!(
            Some(outlook_of(&state, name)),
            scanned.outlook.as_deref(),
            "{name}: the dashboard and scan agree"
        );
    }
    assert!(
        outlook_of(&state, "aks-out").support.forced_upgrade,
        "from the region's offer"
    );
    assert!(
        outlook_of(&state, "aks-ending").has(InsightKind::FailedUpgrade),
        "from the events"
    );
    // The events are held once, by the outlooks.
    assert!(state.events.is_none() && state.events_read());
    assert_eq!(state.events().count(), events().len());
}

#[test]
fn outlooks_count_from_the_state_s_clock_once_per_data_change_and_again_a_minute_on() {
    let mut state = dashboard();
    assert!(
        state
            .fleet
            .iter()
            .all(|a| a.outlook.as_ref().is_some_and(|o| o.at == NOW))
    );
    assert_eq!(cell(&state, "aks-fine", Column::Window), "in 1 h");
    assert_eq!(cell(&state, "aks-ending", Column::Window), "in 2 d 9 h");
    assert_eq!(cell(&state, "aks-unread", Column::Window), "-");
    assert_eq!(cell(&state, "aks-out", Column::Window), "none");
    assert_eq!(cell(&state, "aks-ending", Column::Support), "ends in 4 d");
    // Ticks within the minute change nothing: the outlooks are the data's.
    update(&mut state, Action::Tick(NOW + Duration::seconds(59)));
    assert_eq!(state.outlook_at, Some(NOW));
    assert_eq!(outlook_of(&state, "aks-fine").at, NOW);
    // The data changes (a refresh lands): worked out again, from the state's clock.
    let later = NOW + Duration::seconds(59);
    update(
        &mut state,
        Action::Refreshed {
            generation: 0,
            snapshot: Box::new(cache::merge(None, fleet(), "demo", later)),
        },
    );
    assert_eq!(outlook_of(&state, "aks-fine").at, later);
    assert_eq!(cell(&state, "aks-fine", Column::Window), "in 59 m");
    // The same data 90 minutes on: the idle tick works the outlooks out again. The
    // daily window is open now (window:<2h still finds it: a window under way counts),
    // the weekend's is nearer, and the selection stays.
    press(&mut state, "/window:<lt>2h<Enter>");
    assert_eq!(in_view(&state), ["aks-fine"]);
    let selected = state.selected_item().map(|a| a.cluster.name.clone());
    update(&mut state, Action::Tick(NOW + Duration::minutes(90)));
    assert_eq!(state.outlook_at, Some(NOW + Duration::minutes(90)));
    assert_eq!(cell(&state, "aks-fine", Column::Window), "open now");
    assert_eq!(cell(&state, "aks-ending", Column::Window), "in 2 d 7 h");
    assert_eq!(in_view(&state), ["aks-fine"]);
    assert_eq!(state.selected_item().map(|a| a.cluster.name.clone()), selected);
    assert_eq!(
        state.calendar_summary.failed_upgrades, 0,
        "aks-fine's failure is 20 days old"
    );
    press(&mut state, "C");
    assert_eq!(state.calendar_summary.failed_upgrades, 1, "aks-ending's is a day old");
}

#[test]
fn a_refresh_s_list_keeps_the_regions_and_events_until_they_are_read_again() {
    let mut state = dashboard();
    press(&mut state, "r");
    let generation = state.refresh.generation;
    // The list phase has neither the regions' offers nor the events.
    let listed = Fleet {
        regions: BTreeMap::new(),
        events: None,
        ..fleet()
    };
    update(
        &mut state,
        Action::Listed {
            generation,
            snapshot: Box::new(cache::merge(None, listed, "demo", NOW)),
        },
    );
    assert!(
        outlook_of(&state, "aks-out").support.forced_upgrade,
        "the region's word stays"
    );
    assert!(
        outlook_of(&state, "aks-ending").has(InsightKind::FailedUpgrade),
        "the events stay"
    );
    assert_eq!(state.calendar_summary.failed_upgrades, 1);
    // The finished refresh read them again: the failure was retried and completed.
    let mut retried = events();
    retried[1].status = EventStatus::Completed;
    let read = Fleet {
        events: Some(retried),
        ..fleet()
    };
    update(
        &mut state,
        Action::Refreshed {
            generation,
            snapshot: Box::new(cache::merge(None, read, "demo", NOW)),
        },
    );
    assert!(!outlook_of(&state, "aks-ending").has(InsightKind::FailedUpgrade));
    assert_eq!(state.calendar_summary.failed_upgrades, 0);
}

#[test]
fn a_failed_events_read_is_in_the_error_list_and_the_events_read_before_stay() {
    let mut state = dashboard();
    press(&mut state, "r");
    let generation = state.refresh.generation;
    let mut snapshot = cache::merge(None, fleet(), "demo", NOW);
    // As `fetch::events` leaves it: the error, and the previous snapshot's events.
    snapshot.errors.push(SourceError {
        subscription_id: None,
        url: Some("https://management.azure.com/providers/Microsoft.ResourceGraph/resources".into()),
        code: Some(SourceError::EVENTS_UNREADABLE.into()),
        message: "AKS's scheduled upgrade events could not be read: AuthorizationFailed: no".into(),
    });
    update(
        &mut state,
        Action::Refreshed {
            generation,
            snapshot: Box::new(snapshot),
        },
    );
    assert!(state.errors.iter().any(SourceError::is_events));
    assert!(
        state.status.is_none(),
        "not a failure to read the fleet: {:?}",
        state.status
    );
    assert!(outlook_of(&state, "aks-ending").has(InsightKind::FailedUpgrade));
    press(&mut state, "!");
    assert!(matches!(state.overlay, Some(Overlay::Errors { .. })));
}

#[test]
fn support_and_next_window_sort_by_time_left_with_their_keys_and_by_name() {
    let mut state = dashboard();
    press(&mut state, "T");
    assert_eq!(state.sort, (Column::Support, false));
    assert_eq!(
        in_view(&state),
        [
            "aks-out",
            "aks-ending",
            "aks-fine",
            "aks-unread",
            "aks-lts",
            "aks-unknown"
        ],
        "out first, then the fewest days left (LTS's end for the LTS cluster), unknown last"
    );
    press(&mut state, "T");
    assert_eq!(state.sort, (Column::Support, true));
    assert_eq!(in_view(&state)[0], "aks-unknown");
    press(&mut state, "M");
    assert_eq!(
        in_view(&state),
        [
            "aks-fine",
            "aks-ending",
            "aks-lts",
            "aks-out",
            "aks-unknown",
            "aks-unread"
        ],
        "the soonest window first, then none, then not read (each by name)"
    );
    press(&mut state, ":sort window desc<Enter>");
    assert_eq!(state.sort, (Column::Window, true));
    assert_eq!(in_view(&state)[5], "aks-fine");
    press(&mut state, ":sort support<Enter>");
    assert_eq!(state.sort, (Column::Support, false));
    assert_eq!(in_view(&state)[0], "aks-out");
}

#[test]
fn the_upgrades_view_lists_failed_first_and_enter_opens_the_cluster_esc_comes_back() {
    let mut state = dashboard();
    press(&mut state, "4");
    assert_eq!(state.view, View::Upgrades);
    let listed: Vec<(String, EventStatus)> = state
        .upgrade_rows
        .iter()
        .map(|r| {
            let item = &state.fleet[state.rows[r.row as usize].index];
            let event = &item.outlook.as_deref().unwrap().events.as_deref().unwrap()[r.event as usize];
            (event.event_id.clone().unwrap().to_string(), event.status.clone())
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("e-2".to_string(), EventStatus::Failed),
            ("e-5".to_string(), EventStatus::Failed),
            ("e-3".to_string(), EventStatus::Scheduled),
            ("e-4".to_string(), EventStatus::Completed),
            ("e-1".to_string(), EventStatus::Completed),
        ],
        "failed (newest first), scheduled (soonest first), the rest (newest first)"
    );
    assert_eq!((state.upgrade_counts.failed, state.upgrade_counts.scheduled), (2, 1));
    press(&mut state, "j");
    assert_eq!(state.upgrade_selected, 1);
    press(&mut state, "<Enter>");
    assert_eq!(
        state.screen,
        Screen::Cluster {
            id: id("aks-fine").to_ascii_lowercase(),
            scroll: 0
        },
        "e-5 is aks-fine's"
    );
    press(&mut state, "<Esc>");
    assert_eq!((state.view, &state.screen), (View::Upgrades, &Screen::Fleet));
    assert_eq!(state.upgrade_selected, 1, "back on the same event");
    // The filter narrows it to the events of the clusters in view.
    press(&mut state, "/aks-ending<Enter>");
    assert_eq!(state.upgrade_rows.len(), 3);
    assert_eq!(state.upgrade_counts.failed, 1);
    press(&mut state, ":view upgrades<Enter>");
    assert_eq!(state.view, View::Upgrades);
}

#[test]
fn the_header_counts_the_calendar_of_the_clusters_in_view() {
    let mut state = dashboard();
    let summary = state.calendar_summary;
    assert_eq!(
        (
            summary.clusters,
            summary.out_of_support,
            summary.ending_soon,
            summary.unknown_support,
            summary.failed_upgrades
        ),
        (6, 1, 1, 1, 1)
    );
    press(&mut state, "/!aks-ending<Enter>");
    assert_eq!(
        (
            state.calendar_summary.ending_soon,
            state.calendar_summary.failed_upgrades
        ),
        (0, 0)
    );
    // The posture view charts support left over the same clusters.
    press(&mut state, "3");
    let left: Vec<(&str, u64)> = state
        .posture
        .by_support_left
        .iter()
        .map(|(label, n)| (label.as_str(), *n))
        .collect();
    assert_eq!(
        left,
        [
            ("out", 1),
            ("<1 mo", 0),
            ("1-3 mo", 0),
            ("3-6 mo", 1),
            ("6-12 mo", 2),
            ("12+ mo", 0),
            ("unknown", 1)
        ]
    );
}

#[test]
fn a_snapshot_without_events_counts_no_failed_upgrades_and_says_nothing_of_them() {
    let mut state = State::new(Arc::new(Config::default()), DataSource::Demo, NOW);
    let snapshot: Snapshot = cache::merge(
        None,
        Fleet {
            events: None,
            ..fleet()
        },
        "demo",
        NOW,
    );
    update(
        &mut state,
        Action::Refreshed {
            generation: 0,
            snapshot: Box::new(snapshot),
        },
    );
    assert!(
        state
            .fleet
            .iter()
            .all(|a| a.outlook.as_ref().is_some_and(|o| o.events.is_none()))
    );
    assert_eq!(state.calendar_summary.failed_upgrades, 0);
    update(&mut state, Action::Command(Command::UpgradesView));
    assert!(state.upgrade_rows.is_empty());
}
