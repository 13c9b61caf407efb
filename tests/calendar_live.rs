//! The upgrade calendar's live path over real HTTP against the built-in simulator on
//! 127.0.0.1:0, on a manual clock: the fleet's scheduled events read with one paged
//! Resource Graph query, consistent with each cluster's channels and windows; and a
//! maintenance window written just before it opens, read back with its
//! `systemData.lastModifiedAt` and flagged.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use aksradar::azure::{self, ArmClient, Credentials, RetryPolicy};
use aksradar::calendar::{self, Context};
use aksradar::config::Config;
use aksradar::model::api::{ARM_API_VERSION, EVENTS_QUERY, GRAPH_API_VERSION};
use aksradar::model::{Atom, EventKind, EventStatus, InsightKind, Interner};
use aksradar::sim::{SimClock, SimOptions, Simulator};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

/// Sunday 2026-11-29, noon UTC.
const NOW: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

fn retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        timeout: Duration::from_secs(20),
    }
}

async fn start(options: SimOptions) -> Simulator {
    Simulator::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .expect("simulator starts")
}

fn client(sim: &Simulator) -> ArmClient {
    ArmClient::new(
        &sim.url(),
        "https://management.azure.com/.default",
        Arc::new(Credentials::fixed("simulator")),
        retry(),
    )
    .expect("client")
}

/// Per cluster (lower-case id): its upgrade channel, node OS channel and maintenance
/// configuration names, as the simulator generated them.
fn channels_and_windows(sim: &Simulator) -> HashMap<String, (String, String, HashSet<String>)> {
    let mut out = HashMap::new();
    for sub in &sim.fleet().subscriptions {
        for (i, cluster) in sub.cluster_values().enumerate() {
            let profile = &cluster["properties"]["autoUpgradeProfile"];
            let names = sub
                .details(i)
                .expect("details")
                .maintenance_configurations
                .iter()
                .filter_map(|c| c["name"].as_str().map(String::from))
                .collect();
            out.insert(
                cluster["id"].as_str().unwrap().to_ascii_lowercase(),
                (
                    profile["upgradeChannel"].as_str().unwrap_or("none").to_string(),
                    profile["nodeOSUpgradeChannel"].as_str().unwrap_or("").to_string(),
                    names,
                ),
            );
        }
    }
    out
}

#[tokio::test]
async fn the_fleet_s_events_are_read_page_by_page_and_follow_channels_and_windows() {
    let sim = start(SimOptions {
        subscriptions: 30,
        clusters_per_subscription: 50,
        seed: 5,
        forbidden_subscriptions: 1,
        clock: SimClock::manual(NOW),
        ..SimOptions::default()
    })
    .await;
    let subscriptions: Vec<String> = sim.fleet().subscriptions.iter().map(|s| s.id.clone()).collect();
    let forbidden = subscriptions.last().unwrap().to_ascii_lowercase();
    let client = client(&sim);
    let events = azure::fetch_events(&client, &subscriptions, Interner::new())
        .await
        .expect("events read");

    let graph_requests = sim
        .requests()
        .iter()
        .filter(|r| r.path_and_query.contains("Microsoft.ResourceGraph"))
        .count();
    assert!(events.len() > 1000, "{} events: enough to need pages", events.len());
    assert_eq!(graph_requests, events.len().div_ceil(1000), "one query, paged");
    let ids: HashSet<String> = events.iter().map(|e| e.id().into_owned()).collect();
    assert_eq!(ids.len(), events.len(), "every event once");
    // Held compactly: a cluster's events share its id, and make their own from it.
    assert!(
        events
            .iter()
            .all(|e| e.id.is_made() && e.id().starts_with(e.cluster_id.as_str()))
    );
    let mut by_cluster: HashMap<&str, &Atom> = HashMap::new();
    let mut shared = 0;
    for e in &events {
        let first = by_cluster.entry(e.cluster_id.as_str()).or_insert(&e.cluster_id);
        assert!(Atom::ptr_eq(first, &e.cluster_id), "{}", e.cluster_id);
        shared += usize::from(!std::ptr::eq(*first, &e.cluster_id));
    }
    assert!(shared > 0, "some cluster has more than one event");

    let fleet = channels_and_windows(&sim);
    let mut statuses: HashMap<&str, usize> = HashMap::new();
    for event in &events {
        let (upgrade, node_os, windows) = fleet
            .get(&event.cluster_id.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("{} is a cluster of the fleet", event.cluster_id));
        assert!(
            !event.cluster_id.to_ascii_lowercase().contains(&forbidden),
            "forbidden subscriptions are not seen"
        );
        match event.kind {
            EventKind::Kubernetes => {
                assert_ne!(upgrade, "none", "{}", event.id());
                assert!(windows.contains("aksManagedAutoUpgradeSchedule"), "{}", event.id());
            }
            EventKind::NodeOs => {
                assert!(
                    ["NodeImage", "SecurityPatch"].contains(&node_os.as_str()),
                    "{}",
                    event.id()
                );
                assert!(windows.contains("aksManagedNodeOSUpgradeSchedule"), "{}", event.id());
            }
            EventKind::Other(ref other) => panic!("an upgrade event of kind {other}"),
        }
        let scheduled = event.scheduled.expect("every event has its scheduled time");
        match event.status {
            EventStatus::Scheduled => assert!(
                scheduled > NOW && scheduled - NOW <= time::Duration::days(7),
                "scheduled within the week's notice: {scheduled}"
            ),
            EventStatus::Completed | EventStatus::Failed | EventStatus::Canceled | EventStatus::Started => {
                assert!(
                    scheduled <= NOW && NOW - scheduled <= time::Duration::days(35),
                    "{scheduled}"
                )
            }
            EventStatus::Other(ref other) => panic!("status {other}"),
        }
        *statuses.entry(event.status.as_str()).or_default() += 1;
    }
    for status in ["Scheduled", "Completed", "Failed"] {
        assert!(
            statuses.get(status).is_some_and(|n| *n > 0),
            "some {status}: {statuses:?}"
        );
    }
    // And the other way round: every cluster whose channel runs in a window has events
    // of that kind (the simulator's windows all opened within the last five weeks).
    for (kind, runs) in [
        (
            EventKind::Kubernetes,
            (|upgrade: &str, _: &str, windows: &HashSet<String>| {
                upgrade != "none" && windows.contains("aksManagedAutoUpgradeSchedule")
            }) as fn(&str, &str, &HashSet<String>) -> bool,
        ),
        (EventKind::NodeOs, |_, node_os, windows| {
            ["NodeImage", "SecurityPatch"].contains(&node_os) && windows.contains("aksManagedNodeOSUpgradeSchedule")
        }),
    ] {
        let want: HashSet<&String> = fleet
            .iter()
            .filter(|(id, (upgrade, node_os, windows))| !id.contains(&forbidden) && runs(upgrade, node_os, windows))
            .map(|(id, _)| id)
            .collect();
        let got: HashSet<String> = events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.cluster_id.to_ascii_lowercase())
            .collect();
        assert!(!want.is_empty(), "{kind}: some clusters run it");
        assert_eq!(
            got.iter().collect::<HashSet<_>>(),
            want,
            "{kind}: exactly the clusters that run it"
        );
    }

    // The same seed and clock give the same events; read again knowing the texts of
    // the first read's (the dashboard's events on screen), they share them.
    let mut known = Interner::new();
    for event in &events {
        known.share(&mut event.cluster_id.clone());
    }
    let again = azure::fetch_events(&client, &subscriptions, known).await.unwrap();
    assert_eq!(again, events);
    assert!(
        (again.iter().zip(&events)).all(|(now, then)| Atom::ptr_eq(&now.cluster_id, &then.cluster_id)),
        "a cluster's id is held once for both reads"
    );
    sim.stop().await;
}

#[tokio::test]
async fn event_rows_carry_properties_as_objects_and_as_json_strings() {
    let sim = start(SimOptions {
        subscriptions: 2,
        clusters_per_subscription: 40,
        clock: SimClock::manual(NOW),
        ..SimOptions::default()
    })
    .await;
    let subscriptions: Vec<&str> = sim.fleet().subscriptions.iter().map(|s| s.id.as_str()).collect();
    let body = json!({"subscriptions": subscriptions, "query": EVENTS_QUERY,
                      "options": {"$top": 1000, "resultFormat": "objectArray"}});
    let response: Value = reqwest::Client::new()
        .post(format!(
            "{}/providers/Microsoft.ResourceGraph/resources?api-version={GRAPH_API_VERSION}",
            sim.url()
        ))
        .bearer_auth("simulator")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = response["data"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["properties"].is_string()), "some as a string");
    assert!(rows.iter().any(|r| r["properties"].is_object()), "some as an object");
    for row in rows {
        assert_eq!(
            row["type"],
            "microsoft.containerservice/managedclusters/scheduledevents"
        );
    }
    let other = json!({"subscriptions": subscriptions, "query": "containerserviceeventresources | take 5"});
    let refused = reqwest::Client::new()
        .post(format!(
            "{}/providers/Microsoft.ResourceGraph/resources?api-version={GRAPH_API_VERSION}",
            sim.url()
        ))
        .bearer_auth("simulator")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400, "only known queries are answered");
    sim.stop().await;
}

#[tokio::test]
async fn a_window_written_just_before_it_opens_is_read_back_and_flagged() {
    let clock = SimClock::manual(NOW);
    let sim = start(SimOptions {
        subscriptions: 1,
        clusters_per_subscription: 30,
        clock: clock.clone(),
        ..SimOptions::default()
    })
    .await;
    let client = client(&sim);
    // A cluster on the NodeImage channel, to give it a daily window opening at 15:00.
    let request = azure::FleetRequest {
        subscriptions: vec![],
        source: aksradar::config::Source::Arm,
        concurrency: 4,
    };
    let fleet = azure::fetch_fleet(Arc::new(client), &request, None).await;
    let cluster = fleet
        .clusters
        .iter()
        .find(|c| {
            c.node_os_upgrade_channel.as_deref() == Some("NodeImage") && c.upgrade_channel.as_deref() != Some("none")
        })
        .expect("a NodeImage cluster")
        .clone();
    let url = format!(
        "{}{}/maintenanceConfigurations/aksManagedNodeOSUpgradeSchedule?api-version={ARM_API_VERSION}",
        sim.url(),
        cluster.id
    );
    let window = json!({"properties": {"maintenanceWindow": {
        "schedule": {"daily": {"intervalDays": 1}}, "startTime": "15:00", "durationHours": 4, "utcOffset": "+00:00"}}});
    let written = reqwest::Client::new()
        .put(&url)
        .bearer_auth("simulator")
        .json(&window)
        .send()
        .await
        .unwrap();
    assert!(written.status().is_success(), "{}", written.status());

    let client = Arc::new(self::client(&sim));
    let mut details = azure::read_details(client.clone(), std::slice::from_ref(&cluster), 4, None).await;
    assert!(details.errors.is_empty(), "{:?}", details.errors);
    let mut read = cluster.clone();
    let own = details.clusters.pop().flatten().expect("the cluster's details");
    own.apply(&mut read, NOW);
    let config = read
        .maintenance
        .iter()
        .flatten()
        .find(|c| c.name == "aksManagedNodeOSUpgradeSchedule")
        .expect("the window written");
    let schedule = config.schedule.as_ref().expect("a schedule");
    assert_eq!(
        schedule.modified,
        Some(NOW),
        "systemData.lastModifiedAt is the write's time"
    );
    assert_eq!(&***schedule, "Daily 15:00–19:00 +00:00");

    // Read a minute later: the window opens in three hours, after a change AKS may not apply.
    clock.advance(Duration::from_secs(60));
    let config = Config::default();
    let calendar = config.support_calendar();
    let regions = details.regions;
    assert!(regions.contains_key(&read.location.to_ascii_lowercase()), "{regions:?}");
    let events = azure::fetch_events(&client, &[read.subscription_id.to_string()], Interner::new())
        .await
        .expect("events");
    let now = NOW + time::Duration::minutes(1);
    let assessed = aksradar::rules::assess(vec![read.clone()], &config, now.date());
    let ctx = Context::new(now, &calendar, &regions, Some(&events), &config.insights, &assessed);
    let outlook = calendar::outlook(&read, &ctx);
    let changed: Vec<_> = outlook
        .insights
        .iter()
        .filter(|i| i.kind == InsightKind::WindowChanged)
        .collect();
    assert_eq!(changed.len(), 1, "{:?}", outlook.insights);
    assert!(
        changed[0]
            .message
            .contains("changed at 2026-11-29 12:00 UTC, 3 h before it opens"),
        "{}",
        changed[0].message
    );
    // Its events follow the new window: the next occurrence is within the week.
    let mine: Vec<_> = outlook
        .events
        .iter()
        .flatten()
        .filter(|e| e.kind == EventKind::NodeOs)
        .collect();
    assert!(
        mine.iter()
            .any(|e| e.status == EventStatus::Scheduled && e.scheduled == Some(datetime!(2026-11-29 15:00 UTC))),
        "{mine:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn events_that_cannot_be_read_are_an_error_and_the_last_ones_stay() {
    use aksradar::cache::Snapshot;
    use aksradar::model::{SubscriptionState, UpgradeEvent};
    // Nothing listens on port 1: the events read fails at once.
    let client = ArmClient::new(
        "http://127.0.0.1:1",
        "https://management.azure.com/.default",
        Arc::new(Credentials::fixed("simulator")),
        RetryPolicy { attempts: 1, ..retry() },
    )
    .expect("client");
    let kept = UpgradeEvent {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/scheduledevents/e"
            .into(),
        cluster_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c".into(),
        event_id: Some("e".into()),
        kind: EventKind::NodeOs,
        status: EventStatus::Completed,
        scheduled: Some(NOW),
        started: None,
        updated: None,
        details: None,
    };
    let mut snapshot = Snapshot {
        schema: aksradar::cache::SCHEMA_VERSION,
        key: "k".into(),
        saved_at: NOW,
        subscriptions: vec![SubscriptionState {
            id: "s".into(),
            name: None,
            fetched_at: Some(NOW),
            error: None,
        }],
        clusters: Vec::new(),
        skipped: 0,
        errors: Vec::new(),
        regions: BTreeMap::new(),
        events: Some(vec![kept.clone()]),
    };
    aksradar::fetch::read_events(&client, &mut snapshot, Interner::new()).await;
    assert_eq!(snapshot.events, Some(vec![kept]), "what was read before stays");
    assert_eq!(snapshot.errors.len(), 1);
    let error = &snapshot.errors[0];
    assert!(
        error
            .message
            .starts_with("AKS's scheduled upgrade events could not be read"),
        "{}",
        error.message
    );
    // Its own code, so it is told apart from a failure to list subscriptions (exit 3
    // either way); the transport's code is in the message.
    assert_eq!(error.code.as_deref(), Some("ScheduledEventsUnreadable"));
    assert!(error.message.contains("TransportError"), "{}", error.message);
    let said = aksradar::fetch::incomplete(&snapshot.clone().into_fleet());
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("AKS's scheduled upgrade events could not be read: TransportError"),
        "{said:?}"
    );
    assert!(error.url.as_deref().unwrap().contains("Microsoft.ResourceGraph"));
}

#[tokio::test]
async fn events_that_cannot_be_read_come_back_from_the_previous_snapshot() {
    use aksradar::cache::Snapshot;
    use aksradar::model::{SubscriptionState, UpgradeEvent};
    // Nothing listens on port 1: the events read fails at once.
    let client = ArmClient::new(
        "http://127.0.0.1:1",
        "https://management.azure.com/.default",
        Arc::new(Credentials::fixed("simulator")),
        RetryPolicy { attempts: 1, ..retry() },
    )
    .expect("client");
    let event = UpgradeEvent {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/scheduledevents/e"
            .into(),
        cluster_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c".into(),
        event_id: Some("e".into()),
        kind: EventKind::NodeOs,
        status: EventStatus::Failed,
        scheduled: Some(NOW),
        started: None,
        updated: None,
        details: None,
    };
    // A read that succeeded everywhere else merged no previous snapshot, so it has no
    // events of its own to keep.
    let fresh = |events: Option<Vec<UpgradeEvent>>, key: &str| Snapshot {
        schema: aksradar::cache::SCHEMA_VERSION,
        key: key.into(),
        saved_at: NOW,
        subscriptions: vec![SubscriptionState {
            id: "s".into(),
            name: None,
            fetched_at: Some(NOW),
            error: None,
        }],
        clusters: Vec::new(),
        skipped: 0,
        errors: Vec::new(),
        regions: BTreeMap::new(),
        events,
    };
    let loads = std::sync::atomic::AtomicUsize::new(0);
    let previous = || {
        loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::future::ready(Some(fresh(Some(vec![event.clone()]), "k")))
    };
    let mut snapshot = fresh(None, "k");
    aksradar::fetch::events(&client, &mut snapshot, &previous, Interner::new()).await;
    assert_eq!(snapshot.events, Some(vec![event.clone()]), "the previous read's events");
    assert!(snapshot.errors.iter().any(|e| e.is_events()), "and the error");
    assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
    // Another fleet's snapshot lends nothing.
    let mut other = fresh(None, "another fleet");
    aksradar::fetch::events(&client, &mut other, &previous, Interner::new()).await;
    assert_eq!(other.events, None);
}

/// Every row of one paged events query, `top` rows a page; `between` runs after each page.
async fn paged_ids(sim: &Simulator, top: u32, mut between: impl FnMut()) -> Vec<String> {
    let subscriptions: Vec<&str> = sim.fleet().subscriptions.iter().map(|s| s.id.as_str()).collect();
    let url = format!(
        "{}/providers/Microsoft.ResourceGraph/resources?api-version={GRAPH_API_VERSION}",
        sim.url()
    );
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut options = json!({"$top": top, "resultFormat": "objectArray"});
        if let Some(t) = &token {
            options["$skipToken"] = json!(t);
        }
        let body = json!({"subscriptions": subscriptions, "query": EVENTS_QUERY, "options": options});
        let page: Value = reqwest::Client::new()
            .post(&url)
            .bearer_auth("simulator")
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string()),
        );
        between();
        match page["$skipToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn the_pages_of_one_events_query_are_one_moment_even_when_the_clock_moves() {
    let clock = SimClock::manual(NOW);
    let sim = start(SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 40,
        clock: clock.clone(),
        ..SimOptions::default()
    })
    .await;
    let still = paged_ids(&sim, 10, || {}).await;
    // Three days pass between every two pages: windows open and new ones come within a week.
    let moving = paged_ids(&sim, 10, || clock.advance(Duration::from_secs(3 * 86_400))).await;
    assert!(still.len() > 30, "several pages: {}", still.len());
    assert_eq!(moving, still, "no event is lost or repeated across pages");
    // A new query is answered at the new moment.
    let later = paged_ids(&sim, 1000, || {}).await;
    assert_ne!(later, still);
    sim.stop().await;
}
