//! Outlooks and insights as specifications: a small fleet, one clock, and what each
//! cluster must (and must not) be told.

use std::collections::BTreeMap;

use time::macros::{datetime, time};
use time::{OffsetDateTime, UtcOffset, Weekday};

use super::*;
use crate::config::Config;
use crate::model::fixtures::{assessed, cluster, finding, pool};
use crate::model::window::{Recurrence, Timing, Window};
use crate::model::{
    AgentPool, EventKind, EventStatus, InsightKind, MaintenanceConfig, MaintenanceSchedule, Outcome, Rule, SupportState,
};

/// Sunday 2026-11-29, noon.
const NOW: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

fn weekly(day: Weekday, start: time::Time) -> Timing {
    Timing::Window(Window {
        recurrence: Recurrence::Weekly { every: 1, day },
        duration_hours: 4,
        start_time: start,
        utc_offset: UtcOffset::UTC,
        start_date: None,
        not_allowed: Vec::new(),
    })
}

fn monthly(day: u8) -> Timing {
    Timing::Window(Window {
        recurrence: Recurrence::AbsoluteMonthly { every: 1, day },
        duration_hours: 4,
        start_time: time!(00:00),
        utc_offset: UtcOffset::UTC,
        start_date: None,
        not_allowed: Vec::new(),
    })
}

fn config(name: &str, timing: Timing, modified: Option<OffsetDateTime>) -> MaintenanceConfig {
    MaintenanceConfig {
        name: name.into(),
        schedule: Some(std::sync::Arc::new(MaintenanceSchedule::of(timing, modified))),
    }
}

fn node_os_window(timing: Timing) -> Option<Vec<MaintenanceConfig>> {
    Some(vec![config("aksManagedNodeOSUpgradeSchedule", timing, None)])
}

fn image_pool(name: &str, image: &str, latest: Option<&str>) -> AgentPool {
    AgentPool {
        node_image_version: Some(image.into()),
        latest_node_image_version: latest.map(Into::into),
        ..pool(name, "1.35.3")
    }
}

fn on_channel(
    name: &str,
    channel: &str,
    pools: Vec<AgentPool>,
    maintenance: Option<Vec<MaintenanceConfig>>,
) -> Cluster {
    Cluster {
        kubernetes_version: Some("1.35.3".into()),
        node_os_upgrade_channel: Some(channel.into()),
        pools,
        maintenance,
        ..cluster("sub", "rg", name)
    }
}

const OLD: &str = "AKSUbuntu-2204gen2containerd-202609.15.0";
const NEW: &str = "AKSUbuntu-2204gen2containerd-202611.10.0";

fn outlook_of(fleet: Vec<Cluster>, events: Option<Vec<UpgradeEvent>>, which: usize) -> Outlook {
    let config = Config::default();
    let calendar = config.support_calendar();
    let regions = BTreeMap::new();
    let mut fleet: Vec<Assessed> = fleet.into_iter().map(|c| assessed(c, Vec::new())).collect();
    let ctx = Context::new(NOW, &calendar, &regions, events.as_deref(), &config.insights, &fleet);
    annotate(&mut fleet, &ctx);
    *fleet.swap_remove(which).outlook.expect("annotated")
}

fn kinds(outlook: &Outlook) -> Vec<InsightKind> {
    outlook.insights.iter().map(|i| i.kind).collect()
}

#[test]
fn stale_images_are_flagged_only_when_patching_was_configured_and_a_window_passed() {
    use InsightKind::StaleImage;
    // 2026-11-10 came out on a Tuesday; the Sunday 00:00 window opened on the 15th, the 22nd and this morning.
    let behind = || vec![image_pool("user", OLD, Some(NEW))];
    let cases: [(&str, Cluster, bool); 9] = [
        (
            "SecurityPatch, 56 days behind, weekly window passed",
            on_channel(
                "a",
                "SecurityPatch",
                behind(),
                node_os_window(weekly(Weekday::Sunday, time!(00:00))),
            ),
            true,
        ),
        (
            "NodeImage too",
            on_channel(
                "a",
                "NodeImage",
                behind(),
                node_os_window(weekly(Weekday::Sunday, time!(00:00))),
            ),
            true,
        ),
        (
            "Unmanaged: nothing was configured to patch",
            on_channel(
                "a",
                "Unmanaged",
                behind(),
                node_os_window(weekly(Weekday::Sunday, time!(00:00))),
            ),
            false,
        ),
        (
            "a monthly window on the 30th has not opened since the 10th",
            on_channel("a", "SecurityPatch", behind(), node_os_window(monthly(30))),
            false,
        ),
        (
            "within the allowed age",
            on_channel(
                "a",
                "SecurityPatch",
                vec![image_pool(
                    "user",
                    "AKSUbuntu-2204gen2containerd-202610.27.0",
                    Some(NEW),
                )],
                node_os_window(weekly(Weekday::Sunday, time!(00:00))),
            ),
            false,
        ),
        (
            "windows not read: it cannot be told",
            on_channel("a", "SecurityPatch", behind(), None),
            false,
        ),
        (
            "no node OS window: AKS may patch any time",
            on_channel("a", "SecurityPatch", behind(), Some(Vec::new())),
            true,
        ),
        (
            "a node OS window that cannot be read: it cannot be told",
            on_channel(
                "a",
                "SecurityPatch",
                behind(),
                Some(vec![MaintenanceConfig {
                    name: "aksManagedNodeOSUpgradeSchedule".into(),
                    schedule: Some(std::sync::Arc::new(MaintenanceSchedule::unreadable(
                        "startTime: bad".into(),
                        None,
                    ))),
                }]),
            ),
            false,
        ),
        (
            "no latest known and no newer image in the fleet",
            on_channel(
                "a",
                "SecurityPatch",
                vec![image_pool("user", OLD, None)],
                node_os_window(weekly(Weekday::Sunday, time!(00:00))),
            ),
            false,
        ),
    ];
    for (what, cluster, want) in cases {
        let outlook = outlook_of(vec![cluster], None, 0);
        assert_eq!(
            kinds(&outlook).contains(&StaleImage),
            want,
            "{what}: {:?}",
            outlook.insights
        );
    }
    let outlook = outlook_of(
        vec![on_channel(
            "a",
            "SecurityPatch",
            behind(),
            node_os_window(weekly(Weekday::Sunday, time!(00:00))),
        )],
        None,
        0,
    );
    let insight = &outlook.insights[0];
    assert_eq!(insight.subject.as_deref(), Some("user"));
    assert_eq!(
        insight.message,
        "SecurityPatch is configured, but pool 'user' runs AKSUbuntu-2204gen2containerd-202609.15.0 (2026-09-15), \
         56 days behind the latest AKS offers it (AKSUbuntu-2204gen2containerd-202611.10.0, 2026-11-10), although the \
         node OS window has opened since (Sun 15 Nov 00:00–04:00 UTC): configured but not applied. Check the cluster's \
         activity log for failed node image upgrades, or upgrade the pool's node image now."
    );
}

#[test]
fn without_a_pool_s_latest_the_newest_of_its_family_in_its_region_counts() {
    let window = || node_os_window(weekly(Weekday::Sunday, time!(00:00)));
    let stale = on_channel("stale", "NodeImage", vec![image_pool("np", OLD, None)], window());
    let fresh = on_channel("fresh", "NodeImage", vec![image_pool("np", NEW, None)], window());
    let elsewhere = Cluster {
        location: "eastus".into(),
        ..on_channel("elsewhere", "NodeImage", vec![image_pool("np", NEW, None)], window())
    };
    let outlook = outlook_of(vec![stale.clone(), fresh], None, 0);
    assert_eq!(kinds(&outlook), [InsightKind::StaleImage]);
    assert!(
        outlook.insights[0]
            .message
            .contains("behind the newest of its family the fleet runs in its region"),
        "{}",
        outlook.insights[0].message
    );
    let outlook = outlook_of(vec![stale, elsewhere], None, 0);
    assert!(outlook.insights.is_empty(), "another region's images do not count");
}

fn event(cluster: &Cluster, n: u32, kind: EventKind, status: EventStatus, days_ago: i64) -> UpgradeEvent {
    UpgradeEvent {
        id: format!("{}/scheduledevents/e{n}", cluster.id).into(),
        cluster_id: cluster.id.as_str().into(),
        event_id: Some(format!("e{n}").into()),
        kind,
        status,
        scheduled: Some(NOW - time::Duration::days(days_ago)),
        started: None,
        updated: Some(NOW - time::Duration::days(days_ago) + time::Duration::hours(2)),
        details: Some("drain failed: PodDisruptionBudget".into()),
    }
}

#[test]
fn a_failed_upgrade_is_flagged_until_a_later_one_of_its_kind_goes_through() {
    let c = on_channel("a", "NodeImage", Vec::new(), Some(Vec::new()));
    let cases = [
        (
            "the latest node OS upgrade failed",
            vec![
                event(&c, 1, EventKind::NodeOs, EventStatus::Completed, 14),
                event(&c, 2, EventKind::NodeOs, EventStatus::Failed, 7),
            ],
            vec!["e2"],
        ),
        (
            "a retry is only scheduled",
            vec![
                event(&c, 1, EventKind::NodeOs, EventStatus::Failed, 7),
                event(&c, 2, EventKind::NodeOs, EventStatus::Scheduled, -2),
            ],
            vec!["e1"],
        ),
        (
            "a later one completed",
            vec![
                event(&c, 1, EventKind::NodeOs, EventStatus::Failed, 14),
                event(&c, 2, EventKind::NodeOs, EventStatus::Completed, 7),
            ],
            vec![],
        ),
        (
            "each kind on its own",
            vec![
                event(&c, 1, EventKind::Kubernetes, EventStatus::Failed, 20),
                event(&c, 2, EventKind::NodeOs, EventStatus::Completed, 7),
                event(&c, 3, EventKind::NodeOs, EventStatus::Scheduled, -2),
            ],
            vec!["e1"],
        ),
    ];
    for (what, events, want) in cases {
        let outlook = outlook_of(vec![c.clone()], Some(events.clone()), 0);
        let failed: Vec<&str> = outlook
            .insights
            .iter()
            .filter(|i| i.kind == InsightKind::FailedUpgrade)
            .filter_map(|i| i.subject.as_deref())
            .collect();
        assert_eq!(failed, want, "{what}");
        let events = outlook.events.expect("events were read");
        assert!(
            events.windows(2).all(|w| w[0].when() >= w[1].when()),
            "newest first: {what}"
        );
    }
    let outlook = outlook_of(
        vec![c.clone()],
        Some(vec![event(&c, 2, EventKind::NodeOs, EventStatus::Failed, 7)]),
        0,
    );
    assert!(
        outlook.insights[0]
            .message
            .starts_with("The latest NodeOSUpgrade scheduled upgrade failed (at 2026-11-22 14:00 UTC): drain failed"),
        "{}",
        outlook.insights[0].message
    );
    let other = on_channel("b", "NodeImage", Vec::new(), Some(Vec::new()));
    let outlook = outlook_of(
        vec![c.clone(), other],
        Some(vec![event(&c, 2, EventKind::NodeOs, EventStatus::Failed, 7)]),
        1,
    );
    assert_eq!(
        outlook.events,
        Some(Vec::new()),
        "another cluster's events are not its own"
    );
    assert!(outlook.insights.is_empty());
    assert_eq!(outlook_of(vec![c], None, 0).events, None, "events not read");
}

#[test]
fn a_window_changed_within_24_hours_of_its_start_is_flagged() {
    // The next Wednesday 02:00 window opens 2026-12-02 02:00 UTC.
    let cases = [
        ("changed 3 hours before it opens", datetime!(2026-12-01 23:00 UTC), true),
        ("changed 23 hours before", datetime!(2026-12-01 03:00 UTC), true),
        ("changed 2 days before", datetime!(2026-11-30 02:00 UTC), false),
        ("changed while it was open", datetime!(2026-12-02 03:00 UTC), true),
    ];
    for (what, modified, want) in cases {
        // Read a minute after the change.
        let c = on_channel(
            "a",
            "NodeImage",
            Vec::new(),
            Some(vec![config(
                "aksManagedAutoUpgradeSchedule",
                weekly(Weekday::Wednesday, time!(02:00)),
                Some(modified),
            )]),
        );
        let config = Config::default();
        let calendar = config.support_calendar();
        let regions = BTreeMap::new();
        let now = modified + time::Duration::minutes(1);
        let fleet = [assessed(c.clone(), Vec::new())];
        let ctx = Context::new(now, &calendar, &regions, None, &config.insights, &fleet);
        let outlook = outlook(&c, &ctx);
        let flagged: Vec<&Insight> = outlook
            .insights
            .iter()
            .filter(|i| i.kind == InsightKind::WindowChanged)
            .collect();
        assert_eq!(!flagged.is_empty(), want, "{what}: {:?}", outlook.insights);
        if let Some(insight) = flagged.first() {
            assert_eq!(insight.subject.as_deref(), Some("aksManagedAutoUpgradeSchedule"));
            assert!(
                insight.message.contains("(Wed 2 Dec 02:00–06:00 UTC)"),
                "{}",
                insight.message
            );
        }
    }
}

#[test]
fn support_insights_follow_the_support_state() {
    let at = |version: &str, plan: &str, tier: &str| Cluster {
        kubernetes_version: Some(version.into()),
        support_plan: Some(plan.into()),
        sku_tier: Some(tier.into()),
        ..cluster("sub", "rg", "a")
    };
    let cases = [
        (
            "1.35.3",
            "KubernetesOfficial",
            "Standard",
            SupportState::Supported,
            vec![],
        ),
        (
            "1.34.5",
            "KubernetesOfficial",
            "Standard",
            SupportState::Ending,
            vec![InsightKind::EolSoon],
        ),
        (
            "1.31.12",
            "AKSLongTermSupport",
            "Premium",
            SupportState::Lts,
            vec![InsightKind::EolSoon],
        ),
        ("1.32.9", "AKSLongTermSupport", "Premium", SupportState::Lts, vec![]),
        (
            "1.32.9",
            "KubernetesOfficial",
            "Standard",
            SupportState::OutOfSupport,
            vec![InsightKind::OutOfSupport],
        ),
    ];
    for (version, plan, tier, state, want) in cases {
        let outlook = outlook_of(vec![at(version, plan, tier)], None, 0);
        assert_eq!(outlook.support.state, state, "{version} {plan}");
        assert_eq!(kinds(&outlook), want, "{version} {plan}");
    }
    // Forced: the region no longer offers 1.30.
    let config = Config::default();
    let calendar = config.support_calendar();
    let offered = |minor| crate::model::support::OfferedMinor {
        minor,
        plans: vec!["KubernetesOfficial".into()],
        preview: false,
    };
    let regions: BTreeMap<String, RegionOffer> = [(
        "westeurope".to_string(),
        RegionOffer {
            minors: vec![offered((1, 34)), offered((1, 35))],
        },
    )]
    .into();
    let old = at("1.30.14", "KubernetesOfficial", "Standard");
    let fleet = [assessed(old.clone(), Vec::new())];
    let ctx = Context::new(NOW, &calendar, &regions, None, &config.insights, &fleet);
    let outlook = outlook(&old, &ctx);
    assert_eq!(kinds(&outlook), [InsightKind::OutOfSupport, InsightKind::ForcedUpgrade]);
    assert!(
        outlook.insights[1]
            .message
            .contains("below 1.34, the oldest minor westeurope offers")
    );
}

#[test]
fn annotating_adds_outlooks_and_changes_no_finding() {
    let with_windows = on_channel(
        "a",
        "NodeImage",
        vec![image_pool("user", OLD, Some(NEW))],
        Some(vec![
            config("aksManagedAutoUpgradeSchedule", monthly(1), None),
            config(
                "aksManagedNodeOSUpgradeSchedule",
                weekly(Weekday::Sunday, time!(00:00)),
                None,
            ),
        ]),
    );
    let unread = on_channel("b", "NodeImage", Vec::new(), None);
    let findings = vec![finding(Rule::NodeAutoUpgrade, Outcome::Pass, "ok")];
    let mut fleet = vec![
        assessed(with_windows, findings.clone()),
        assessed(unread, findings.clone()),
    ];
    let before: Vec<_> = fleet
        .iter()
        .map(|a| (a.findings.clone(), a.verdict(), a.policy.clone()))
        .collect();
    let config = Config::default();
    let calendar = config.support_calendar();
    let regions = BTreeMap::new();
    let ctx = Context::new(NOW, &calendar, &regions, Some(&[]), &config.insights, &fleet);
    annotate(&mut fleet, &ctx);
    let after: Vec<_> = fleet
        .iter()
        .map(|a| (a.findings.clone(), a.verdict(), a.policy.clone()))
        .collect();
    assert_eq!(before, after, "insights never touch a finding");

    let first = fleet[0].outlook.as_ref().expect("annotated");
    let windows = first.windows.as_ref().expect("read");
    let next: Vec<(&str, OffsetDateTime)> = windows
        .iter()
        .map(|w| (w.name.as_str(), w.next.expect("opens").start))
        .collect();
    assert_eq!(
        next,
        [
            ("aksManagedAutoUpgradeSchedule", datetime!(2026-12-01 00:00 UTC)),
            ("aksManagedNodeOSUpgradeSchedule", datetime!(2026-12-06 00:00 UTC)),
        ]
    );
    assert_eq!(first.soonest().map(|o| o.start), Some(datetime!(2026-12-01 00:00 UTC)));
    assert_eq!(first.events, Some(Vec::new()));
    let second = fleet[1].outlook.as_ref().expect("annotated");
    assert_eq!(second.windows, None, "not read");
    let all: Vec<InsightKind> = insights(&fleet).map(|(_, i)| i.kind).collect();
    assert_eq!(all, [InsightKind::StaleImage]);
}

/// Each cluster takes its own events in a list of their very size: a fleet's events
/// are held once, not with room for more beside each cluster's one or two.
#[test]
fn each_cluster_s_events_are_handed_over_in_a_list_of_their_size() {
    let config = Config::default();
    let calendar = config.support_calendar();
    let regions = BTreeMap::new();
    let clusters = [
        cluster("s", "rg", "a"),
        cluster("s", "rg", "b"),
        cluster("s", "rg", "c"),
    ];
    let events: Vec<UpgradeEvent> = [(0, "1"), (1, "2"), (1, "3")]
        .iter()
        .map(|&(at, id)| {
            let owner = &clusters[at].id;
            crate::model::fixtures::event(&format!("{owner}/scheduledevents/{id}"), owner, Some(id))
        })
        .collect();
    let mut fleet: Vec<Assessed> = clusters.into_iter().map(|c| assessed(c, Vec::new())).collect();
    let ctx = Context::new(NOW, &calendar, &regions, None, &config.insights, &fleet);
    annotate_with_events(&mut fleet, &ctx, Some(events));
    let lists: Vec<(usize, usize)> = (fleet.iter())
        .map(|a| a.outlook.as_ref().and_then(|o| o.events.as_ref()).expect("events read"))
        .map(|events| (events.len(), events.capacity()))
        .collect();
    assert_eq!(lists, [(1, 1), (2, 2), (0, 0)]);
}
