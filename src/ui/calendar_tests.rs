//! The upgrade calendar on screen: the header's calendar line, the upgrades view, the
//! cluster view's support, windows, insights and events, snapshotted over the shared
//! fixture fleet of `tests` (its windows, events and westeurope's offer), with the
//! colours that carry meaning asserted on cells.

use std::sync::Arc;

use ratatui::style::Color;
use time::Duration;

use super::tests::{
    NOW, SIZES, accept, clusters, command, config, find, live_state, render, screen, subscriptions, text, type_filter,
};
use super::*;
use crate::app::state::{DataSource, State};
use crate::config::Config;
use crate::model::window::{DaySlots, TimeInWeek, Timing};
use crate::model::{Cluster, MaintenanceConfig, MaintenanceSchedule, SourceError};
use crate::rules;

/// The header's calendar line (the third), at 120 columns.
fn calendar_line(state: &State) -> String {
    screen(state, 120, 40)
        .lines()
        .nth(2)
        .expect("a calendar line")
        .to_string()
}

/// A live state over `clusters`, with the fixture's regions and `events`.
fn state_of(clusters: Vec<Cluster>, events: Option<Vec<crate::model::UpgradeEvent>>) -> State {
    let config = Arc::new(Config::default());
    let mut state = State::new(config.clone(), DataSource::Demo, NOW);
    state.subscriptions = subscriptions();
    state.events = events;
    state.set_fleet(rules::assess(clusters, &config, NOW.date()));
    state
}

#[test]
fn the_header_says_the_calendar_of_the_clusters_in_view_only_what_is_not_zero() {
    let mut state = live_state(120, 40);
    assert_eq!(
        calendar_line(&state),
        "calendar 4 out of support · 1 end within 60 days · 1 upgrade failed in 7 days"
    );
    let buffer = render(&state, 120, 40, Theme { color: true });
    let (x, y) = find(&buffer, "4 out of support").expect("on screen");
    assert_eq!((y, buffer[(x, y)].fg), (2, Color::Red));
    let (x, y) = find(&buffer, "1 end within 60 days").expect("on screen");
    assert_eq!(buffer[(x, y)].fg, Color::Yellow);
    // The clusters in view only: a filter narrows the counts.
    type_filter(&mut state, "aks-dev");
    accept(&mut state);
    assert_eq!(calendar_line(&state), "calendar 1 end within 60 days");
    // Nothing to say: it says so, quietly.
    let mut fine = clusters();
    fine.truncate(1);
    fine[0].kubernetes_version = Some("1.36.2".into());
    assert_eq!(
        calendar_line(&state_of(fine.clone(), Some(Vec::new()))),
        "calendar nothing out of support, ending or failed"
    );
    assert_eq!(
        calendar_line(&state_of(fine.clone(), None)),
        "calendar nothing out of support or ending",
        "without events, no claim about failed upgrades"
    );
    // No calendar data for anything in view.
    let mut unknown = fine;
    unknown[0].kubernetes_version = Some("1.99.0".into());
    assert_eq!(calendar_line(&state_of(unknown, None)), "calendar support unknown");
}

#[test]
fn a_failed_events_read_shows_in_the_header_and_the_error_list() {
    let mut state = live_state(120, 40);
    state.errors.push(SourceError {
        subscription_id: None,
        url: Some("https://management.azure.com/providers/Microsoft.ResourceGraph/resources".into()),
        code: Some(SourceError::EVENTS_UNREADABLE.into()),
        message: "AKS's scheduled upgrade events could not be read: AuthorizationFailed: no access".into(),
    });
    let line = calendar_line(&state);
    assert!(line.ends_with("· upgrade events unread (press !)"), "{line}");
    let buffer = render(&state, 120, 40, Theme { color: true });
    let (x, y) = find(&buffer, "upgrade events unread").expect("on screen");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    let activity = screen(&state, 120, 40).lines().nth(3).expect("activity").to_string();
    assert!(activity.contains("1 read error (press !)"), "{activity}");
    command(&mut state, Command::Errors);
    let shown = screen(&state, 120, 40);
    assert!(shown.contains("ScheduledEventsUnreadable"), "{shown}");
    assert!(
        shown.contains("AKS's scheduled upgrade events could not be read"),
        "{shown}"
    );
    // The upgrades view says that what it lists is from an earlier read.
    command(&mut state, Command::Back);
    command(&mut state, Command::UpgradesView);
    let shown = screen(&state, 120, 40);
    assert!(
        shown.contains("the last read failed: events from an earlier read"),
        "{shown}"
    );
}

#[test]
fn upgrades_view() {
    for (w, h) in SIZES {
        let mut state = live_state(w, h);
        command(&mut state, Command::UpgradesView);
        insta::assert_snapshot!(format!("upgrades_{w}x{h}"), screen(&state, w, h));
    }
    let mut state = live_state(120, 40);
    command(&mut state, Command::UpgradesView);
    let buffer = render(&state, 120, 40, Theme { color: true });
    let shown = text(&buffer);
    assert!(
        shown.contains("Upgrades 4 events of 5 clusters in view · 1 failed · 1 scheduled"),
        "{shown}"
    );
    // Failed first, red, and the word says it without colour.
    let first = shown.lines().nth(6).expect("a first row");
    assert!(
        first.starts_with("▶ Failed") && first.contains("aks-prod-weu-2"),
        "{first}"
    );
    let (x, y) = find(&buffer, "Failed").expect("the failed event");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    assert!(
        shown.contains("1 d 22 h ago") && shown.contains("in 2 d 9 h"),
        "{shown}"
    );
}

#[test]
fn the_upgrades_view_says_why_it_is_empty() {
    let mut files = State::new(Arc::new(config()), DataSource::Files(vec!["fleet.json".into()]), NOW);
    files.set_fleet(rules::assess(clusters(), &files.config, NOW.date()));
    command(&mut files, Command::UpgradesView);
    let shown = screen(&files, 120, 30);
    assert!(shown.contains("No scheduled upgrade events were read"), "{shown}");
    let mut none = state_of(clusters(), Some(Vec::new()));
    command(&mut none, Command::UpgradesView);
    let shown = screen(&none, 120, 30);
    assert!(shown.contains("AKS schedules them only where"), "{shown}");
}

/// aks-prod-weu-2 as the cluster view shows it, whole: a window in its own offset, a
/// legacy `default` configuration, a window changed 15 hours before it opens, and its
/// events; and aks-prod-weu-1, below its region's oldest minor.
#[test]
fn cluster_view_calendar() {
    let mut fleet = clusters();
    let changed = MaintenanceSchedule::of(
        Timing::Window(crate::model::window::Window {
            recurrence: crate::model::window::Recurrence::Daily { every: 1 },
            duration_hours: 4,
            start_time: time::Time::from_hms(2, 0, 0).unwrap(),
            utc_offset: time::UtcOffset::UTC,
            start_date: None,
            not_allowed: Vec::new(),
        }),
        Some(NOW - Duration::hours(1)),
    );
    let legacy = MaintenanceSchedule::of(
        Timing::TimeInWeek(TimeInWeek {
            slots: vec![
                DaySlots {
                    day: time::Weekday::Saturday,
                    hours: vec![0, 1, 2, 3],
                },
                DaySlots {
                    day: time::Weekday::Sunday,
                    hours: vec![1, 5],
                },
            ],
            not_allowed: Vec::new(),
        }),
        None,
    );
    let passing = &mut fleet[1];
    let windows = passing.maintenance.as_mut().expect("both windows");
    windows[0].schedule = Some(std::sync::Arc::new(changed));
    windows.push(MaintenanceConfig {
        name: "default".into(),
        schedule: Some(std::sync::Arc::new(legacy)),
    });
    let mut state = State::new(Arc::new(config()), DataSource::Demo, NOW);
    state.subscriptions = subscriptions();
    state.regions = super::tests::regions();
    state.events = Some(super::tests::events());
    state.set_fleet(rules::assess(fleet, &state.config, NOW.date()));
    type_filter(&mut state, "aks-prod-weu-2");
    accept(&mut state);
    command(&mut state, Command::Open);
    // A laptop's width wraps every line under its label, cutting nothing.
    insta::assert_snapshot!("cluster_calendar_80", screen(&state, 80, 120));
    let buffer = render(&state, 120, 90, Theme { color: true });
    let shown = text(&buffer);
    insta::assert_snapshot!("cluster_calendar", shown);
    for part in [
        "next: Sat 28 Nov 21:00–03:00 UTC (Sat 28 Nov 22:00–04:00 +01:00), in 2 d 9 h",
        "next: Fri 27 Nov 02:00–06:00 UTC, in 14 h",
        "default: Saturday 00:00–04:00, Sunday 01:00–02:00 and 05:00–06:00 UTC",
        "⚠ aksManagedAutoUpgradeSchedule changed at 2026-11-26 11:00 UTC, 15 h before it opens",
        "Insights (aksradar's own, not PSRule verdicts)",
        "failed-upgrade",
        "Drain of node aks-user-1 failed",
    ] {
        assert!(shown.contains(part), "{part}:\n{shown}");
    }
    // Its events: what is ahead first, then what happened, the latest first (the
    // scheduled one's last update, its notice, is older than both).
    let events: Vec<&str> = shown
        .lines()
        .skip_while(|l| !l.starts_with("Upgrade events"))
        .skip(1)
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .take(3)
        .collect();
    assert_eq!(events, ["Scheduled", "Failed", "Completed"], "{shown}");
    let (x, y) = find(&buffer, "failed-upgrade").expect("the insight");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    // aks-prod-weu-1: out of support, below what westeurope offers.
    command(&mut state, Command::Back);
    command(&mut state, Command::ClearFilter);
    type_filter(&mut state, "aks-prod-weu-1");
    accept(&mut state);
    command(&mut state, Command::Open);
    let shown = screen(&state, 120, 90);
    assert!(
        shown.contains("forced upgrade    yes: out of support and below the oldest minor its region offers"),
        "{shown}"
    );
    assert!(
        shown.contains("source            the Kubernetes versions westeurope offers"),
        "{shown}"
    );
}
