//! The live path against a hostile server (`hostile/`), over real HTTP on 127.0.0.1:
//! waits it asks for that never end, lists that never end, bodies that never end or
//! explode when decoded, redirects to another origin, ids that climb out of their
//! path, and passwords in links. Each read must end, in bounded time and memory, with
//! an error that names what happened, and the token must never leave the endpoint.
//!
//! Limits are small here so the tests are quick; long waits go through a manual clock,
//! which records them instead of sleeping.

mod hostile;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aksradar::azure::{self, ArmClient, Clock, Credentials, FleetRequest, Limits, RetryPolicy};
use aksradar::config::Source;
use aksradar::model::{Cluster, DetailPart, Fleet, SourceError};
use hostile::{Hostile, Reply, SUB};

const SCOPE: &str = "https://management.azure.com/.default";
const TOKEN: &str = "hostile-test-token";

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
    }
}

fn small_limits() -> Limits {
    Limits {
        max_wait: Duration::from_secs(60),
        read_deadline: Duration::from_secs(300),
        max_pages: 50,
        max_items: 1_000,
        max_body_bytes: 1024 * 1024,
    }
}

fn client(base: &str, limits: Limits, clock: Clock) -> Arc<ArmClient> {
    let client = ArmClient::new(base, SCOPE, Arc::new(Credentials::fixed(TOKEN)), quick_retry()).expect("client");
    Arc::new(client.with_limits(limits).with_clock(clock))
}

/// Reads the fleet on the ARM path; a read that does not end within 30 s fails the test.
async fn read(client: Arc<ArmClient>) -> Fleet {
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 4,
    };
    tokio::time::timeout(Duration::from_secs(30), azure::fetch_fleet(client, &request, None))
        .await
        .expect("the read ends by itself")
}

fn the_only_error(fleet: &Fleet) -> &SourceError {
    assert_eq!(fleet.errors.len(), 1, "{:#?}", fleet.errors);
    &fleet.errors[0]
}

fn cluster_list(request: &hostile::Request) -> bool {
    request.path().ends_with("/managedClusters")
}

#[tokio::test]
async fn a_retry_after_of_days_is_capped_at_max_wait_and_the_read_then_goes_on() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            hostile::subscriptions(&[SUB])
        } else if request.n <= 2 {
            Reply::status(
                429,
                &[("retry-after", "999999")],
                r#"{"error":{"code":"Throttled","message":"later"}}"#,
            )
        } else {
            let value = vec![hostile::cluster(SUB, "rg", "aks-1")];
            Reply::ok(serde_json::json!({ "value": value }).to_string())
        }
    })
    .await;
    let clock = Clock::manual();
    let fleet = read(client(&server.url, small_limits(), clock.clone())).await;
    assert!(fleet.errors.is_empty(), "{:#?}", fleet.errors);
    assert_eq!(fleet.clusters.len(), 1);
    assert_eq!(
        clock.waits(),
        vec![Duration::from_secs(60); 2],
        "each 999999 s wait became the 60 s cap"
    );
}

#[tokio::test]
async fn endless_throttling_ends_at_the_read_deadline_with_a_clear_error() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            hostile::subscriptions(&[SUB])
        } else {
            Reply::status(
                429,
                &[("retry-after", "999999")],
                r#"{"error":{"code":"Throttled","message":"later"}}"#,
            )
        }
    })
    .await;
    let clock = Clock::manual();
    let fleet = read(client(&server.url, small_limits(), clock.clone())).await;
    let error = the_only_error(&fleet);
    assert_eq!(error.subscription_id.as_deref(), Some(SUB));
    assert_eq!(error.code.as_deref(), Some("DeadlineExceeded"));
    assert!(
        error.message.contains("300 s (limits.read_deadline_seconds)") && error.message.contains("999999 s"),
        "{error:?}"
    );
    let waits = clock.waits();
    assert!(waits.iter().all(|&w| w == Duration::from_secs(60)), "{waits:?}");
    assert_eq!(
        waits.len(),
        4,
        "60 s at a time, until a wait would leave nothing of the 300 s: {waits:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_at_the_read_deadline() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            hostile::subscriptions(&[SUB])
        } else {
            Reply::Hang
        }
    })
    .await;
    let limits = Limits {
        read_deadline: Duration::from_millis(500),
        ..small_limits()
    };
    let fleet = read(client(&server.url, limits, Clock::Real)).await;
    let error = the_only_error(&fleet);
    assert_eq!(error.code.as_deref(), Some("DeadlineExceeded"), "{error:?}");
    assert!(error.message.contains("still unanswered"), "{error:?}");
}

#[tokio::test]
async fn a_list_that_never_ends_stops_at_max_pages_and_names_the_subscription() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        // A fresh link every time: no repeat for the loop check to catch.
        let next = format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01&$skipToken={}",
            request.base,
            request.n + 1
        );
        Reply::ok(serde_json::json!({ "value": [], "nextLink": next }).to_string())
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    let error = the_only_error(&fleet);
    assert_eq!(error.subscription_id.as_deref(), Some(SUB));
    assert_eq!(error.code.as_deref(), Some("TooManyPages"));
    assert!(error.message.contains("limits.max_pages"), "{error:?}");
    let pages = server.requests().iter().filter(|r| cluster_list(r)).count();
    assert_eq!(pages, 50, "max_pages pages were read, not one more");
}

#[tokio::test]
async fn a_list_that_keeps_growing_stops_at_max_items() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let value: Vec<serde_json::Value> = (0..400)
            .map(|i| hostile::cluster(SUB, "rg", &format!("aks-{}-{i}", request.n)))
            .collect();
        let next = format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01&$skipToken={}",
            request.base,
            request.n + 1
        );
        Reply::ok(serde_json::json!({ "value": value, "nextLink": next }).to_string())
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    let error = the_only_error(&fleet);
    assert_eq!(error.code.as_deref(), Some("TooManyItems"), "{error:?}");
    assert!(error.message.contains("1000 items (limits.max_items)"), "{error:?}");
    assert!(
        fleet.clusters.is_empty(),
        "a list cut short is not taken as the subscription's clusters"
    );
    assert_eq!(server.requests().iter().filter(|r| cluster_list(r)).count(), 3);
}

/// A server whose cluster list (or, with `listing`, subscription list) is `reply`.
async fn body_server(listing: bool, reply: fn() -> Reply) -> Hostile {
    Hostile::start(move |request| {
        if request.path() == "/subscriptions" && !listing {
            hostile::subscriptions(&[SUB])
        } else {
            reply()
        }
    })
    .await
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_body_limit() {
    let endless = || Reply::Endless {
        headers: Vec::new(),
        prefix: br#"{"value":["#.to_vec(),
        chunk: br#"{"type":"Microsoft.Network/virtualNetworks","name":"x"},"#.repeat(200),
    };
    // The cluster list is parsed as it streams; the subscription list is read whole.
    for listing in [false, true] {
        let server = body_server(listing, endless).await;
        let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
        let error = the_only_error(&fleet);
        assert_eq!(error.code.as_deref(), Some("ResponseTooLarge"), "{error:?}");
        assert!(
            error.message.contains("1 MiB decoded (limits.max_body_mib)"),
            "{error:?}"
        );
        assert_eq!(
            error.subscription_id.as_deref(),
            if listing { None } else { Some(SUB) },
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn a_gzip_bomb_and_an_endless_gzip_stream_stop_at_the_body_limit_decoded() {
    let bomb = || Reply::Bytes {
        status: 200,
        headers: vec![
            ("content-encoding".into(), "gzip".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: hostile::gzip_bomb(200),
    };
    let stream = || {
        let (prefix, chunk) = hostile::endless_gzip();
        Reply::Endless {
            headers: vec![("content-encoding".into(), "gzip".into())],
            prefix,
            chunk,
        }
    };
    for reply in [bomb as fn() -> Reply, stream] {
        for listing in [false, true] {
            let server = body_server(listing, reply).await;
            let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
            let error = the_only_error(&fleet);
            assert_eq!(error.code.as_deref(), Some("ResponseTooLarge"), "{error:?}");
        }
    }
}

#[tokio::test]
async fn an_honest_gzip_body_is_decoded_and_read() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let value = vec![
            hostile::cluster(SUB, "rg", "aks-1"),
            hostile::cluster(SUB, "rg", "aks-2"),
        ];
        Reply::Bytes {
            status: 200,
            headers: vec![
                ("content-encoding".into(), "gzip".into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: hostile::gzip(serde_json::json!({ "value": value }).to_string().as_bytes()),
        }
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    assert!(fleet.errors.is_empty(), "{:#?}", fleet.errors);
    assert_eq!(fleet.clusters.len(), 2);
}

#[tokio::test]
async fn a_large_honest_page_is_parsed_while_it_streams_and_reads_the_same_as_a_small_one() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let value: Vec<serde_json::Value> = (0..1500)
            .map(|i| hostile::cluster(SUB, "rg", &format!("aks-{i}")))
            .collect();
        Reply::ok(serde_json::json!({ "value": value }).to_string())
    })
    .await;
    // Past a quarter of a 1 MiB limit the page goes to the streaming parser; under a
    // 64 MiB limit it is read whole. Both read the same 1500 clusters.
    let mut fleets = Vec::new();
    for max_body_bytes in [1024 * 1024, 64 * 1024 * 1024] {
        let limits = Limits {
            max_body_bytes,
            max_items: 10_000,
            ..small_limits()
        };
        let fleet = read(client(&server.url, limits, Clock::manual())).await;
        assert!(fleet.errors.is_empty(), "{:#?}", fleet.errors);
        assert_eq!(fleet.clusters.len(), 1500);
        fleets.push(fleet.clusters);
    }
    assert_eq!(fleets[0], fleets[1]);
}

/// A second origin that would serve a perfectly good fleet to anyone who asked.
async fn elsewhere() -> Hostile {
    Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            hostile::subscriptions(&[SUB])
        } else {
            let value = vec![hostile::cluster(SUB, "rg", "planted")];
            Reply::ok(serde_json::json!({ "value": value }).to_string())
        }
    })
    .await
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_an_error_and_that_origin_gets_nothing() {
    let other = elsewhere().await;
    for listing in [true, false] {
        let target = other.url.clone();
        let server = Hostile::start(move |request| {
            if request.path() == "/subscriptions" && !listing {
                hostile::subscriptions(&[SUB])
            } else {
                Reply::Redirect(format!("{target}{}", request.target))
            }
        })
        .await;
        let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
        let error = the_only_error(&fleet);
        assert_eq!(error.code.as_deref(), Some("CrossOriginRedirect"), "{error:?}");
        assert!(fleet.clusters.is_empty(), "nothing from the other origin is fleet data");
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}

#[tokio::test]
async fn a_redirect_on_the_same_origin_is_followed_with_the_token() {
    let server = Hostile::start(|request| match request.path() {
        "/subscriptions" => hostile::subscriptions(&[SUB]),
        "/moved" => {
            let value = vec![hostile::cluster(SUB, "rg", "aks-1")];
            Reply::ok(serde_json::json!({ "value": value }).to_string())
        }
        _ => Reply::Redirect(format!("{}/moved", request.base)),
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    assert!(fleet.errors.is_empty(), "{:#?}", fleet.errors);
    assert_eq!(fleet.clusters.len(), 1);
    let moved = server.requests().into_iter().find(|r| r.path() == "/moved").unwrap();
    assert_eq!(moved.authorization, Some(format!("Bearer {TOKEN}")));
}

#[tokio::test]
async fn subscription_ids_that_climb_out_of_their_path_are_reported_and_never_requested() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            hostile::subscriptions(&["../../../providers/Evil", "a/b?c=d#e", SUB])
        } else if request.path() == format!("/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters")
        {
            let value = vec![hostile::cluster(SUB, "rg", "aks-1")];
            Reply::ok(serde_json::json!({ "value": value }).to_string())
        } else {
            Reply::status(404, &[], r#"{"error":{"code":"NotFound","message":"no"}}"#)
        }
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    assert_eq!(fleet.clusters.len(), 1, "the valid subscription is still read");
    let invalid: Vec<&SourceError> = fleet
        .errors
        .iter()
        .filter(|e| e.code.as_deref() == Some("InvalidSubscriptionId"))
        .collect();
    assert_eq!(invalid.len(), 2, "{:#?}", fleet.errors);
    assert!(
        invalid
            .iter()
            .all(|e| e.subscription_id.is_none() && e.message.contains("not a subscription id"))
    );
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets.len(), 2, "the list and the one valid subscription: {targets:?}");
    for target in &targets[1..] {
        assert_eq!(
            target,
            &format!(
                "/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01"
            )
        );
    }
}

/// A cluster whose id does not read, in a page the service lists: left out, never
/// guessed at, and reported, so the read counts as incomplete (exit 3), as a file's
/// bad id does. On the ARM path it names the subscription that listed it.
#[tokio::test]
async fn a_listed_cluster_whose_id_does_not_read_is_reported_and_makes_the_read_incomplete() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let mut broken = hostile::cluster(SUB, "rg", "aks-broken");
        broken["id"] = serde_json::json!(format!("/subscriptions/{SUB}/resourceGroups/rg"));
        let value = vec![hostile::cluster(SUB, "rg", "aks-good"), broken];
        if request.path().ends_with("/resources") {
            // Resource Graph: the same two rows, in its object-array form.
            let rows: Vec<serde_json::Value> = value
                .into_iter()
                .map(|mut c| {
                    c["subscriptionId"] = serde_json::json!(SUB);
                    c["resourceGroup"] = serde_json::json!("rg");
                    c
                })
                .collect();
            return Reply::ok(serde_json::json!({ "data": rows, "count": 2, "totalRecords": 2 }).to_string());
        }
        Reply::ok(serde_json::json!({ "value": value }).to_string())
    })
    .await;
    for source in [Source::Arm, Source::Graph] {
        let request = FleetRequest {
            subscriptions: vec![],
            source,
            concurrency: 4,
        };
        let client = client(&server.url, small_limits(), Clock::manual());
        let fleet = azure::fetch_fleet(client, &request, None).await;
        let names: Vec<&str> = fleet.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["aks-good"], "{source:?}: the rest of the page is read");
        let error = the_only_error(&fleet);
        assert_eq!(error.code.as_deref(), Some("InvalidResourceId"), "{source:?}");
        assert!(error.is_left_out() && !error.is_listing(), "{source:?}: {error:?}");
        assert!(
            error.message.contains("left out") && error.message.contains("the service listed an id that does not read"),
            "{source:?}: {}",
            error.message
        );
        let want_subscription = (source == Source::Arm).then(|| SUB.to_string());
        assert_eq!(error.subscription_id, want_subscription, "{source:?}");
        assert!(
            fleet.subscriptions.iter().all(|s| s.error.is_none()),
            "{source:?}: the subscription itself was read: {:?}",
            fleet.subscriptions
        );
        let incomplete = aksradar::fetch::incomplete(&fleet);
        assert_eq!(incomplete.len(), 1, "{source:?}: {incomplete:?}");
        assert!(
            incomplete[0].starts_with("1 cluster left out, the id does not read: "),
            "{source:?}: {}",
            incomplete[0]
        );
        // What the cache keeps says the same after a round trip.
        let snapshot = aksradar::cache::merge(None, fleet, "k", time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(aksradar::fetch::incomplete(&snapshot.into_fleet()), incomplete);
    }
}

#[tokio::test]
async fn details_and_raw_json_of_hostile_ids_never_leave_the_endpoint() {
    let other = elsewhere().await;
    let server = Hostile::start(|_| Reply::status(404, &[], r#"{"error":{"code":"NotFound","message":"no"}}"#)).await;
    let client = client(&server.url, small_limits(), Clock::manual());
    let host = other.url.trim_start_matches("http://").to_string();
    let raw_ids = [
        format!("//{host}/subscriptions/{SUB}"),
        format!(
            "{}/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a",
            other.url
        ),
        format!("https://{host}/x"),
        format!("/subscriptions/{SUB}/resourceGroups/../providers/Microsoft.ContainerService/managedClusters/a"),
        format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a/../../b"
        ),
        format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a?x=//{host}"
        ),
        "/subscriptions/../../x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a".to_string(),
    ];
    for id in &raw_ids {
        let err = azure::fetch_raw(&client, id).await.unwrap_err();
        assert_eq!(err.code(), "InvalidResourceId", "{id}: {err}");
    }
    let hostile_clusters = [
        ("../../x", "rg", "aks"),
        (SUB, "..", "aks"),
        (SUB, "rg", "a/../../b"),
        (SUB, "rg", &*format!("//{host}")),
    ];
    let clusters: Vec<Cluster> = hostile_clusters
        .iter()
        .map(|(sub, group, name)| Cluster {
            subscription_id: sub.to_string().into(),
            resource_group: group.to_string().into(),
            name: name.to_string().into(),
            ..Default::default()
        })
        .collect();
    let read = azure::read_details(client.clone(), &clusters, 4, None).await;
    assert_eq!(read.requests, 0, "no request for an id that is not one");
    assert_eq!(read.errors.len(), 4, "{:#?}", read.errors);
    for (details, error) in read.clusters.iter().zip(&read.errors) {
        let details = details.as_ref().expect("asked for");
        let parts: Vec<DetailPart> = details.failed.iter().map(|(part, _)| *part).collect();
        assert_eq!(parts, [DetailPart::Maintenance, DetailPart::UpgradeProfile]);
        let code = error.code.as_deref();
        assert!(
            matches!(code, Some("InvalidSubscriptionId" | "InvalidResourceName")),
            "{code:?}"
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert!(other.requests().is_empty(), "{:?}", other.requests());

    // A pool or region name that is not a name is refused on its own; the rest is read.
    let cluster = Cluster {
        subscription_id: SUB.into(),
        resource_group: "rg".into(),
        name: "aks".into(),
        location: "../../evil".into(),
        kubernetes_version: Some("1.33.7".into()),
        pools: vec![aksradar::model::AgentPool {
            name: "../../../x".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let read = azure::read_details(client, std::slice::from_ref(&cluster), 4, None).await;
    let details = read.clusters[0].as_ref().expect("asked for");
    let failed: Vec<(DetailPart, &str)> = details
        .failed
        .iter()
        .map(|(part, e)| (*part, e.code.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        failed,
        [
            (DetailPart::Maintenance, "NotFound"),
            (DetailPart::UpgradeProfile, "NotFound"),
            (DetailPart::NodeImages, "InvalidResourceName"),
            (DetailPart::RegionVersions, "InvalidResourceName"),
        ],
        "{details:#?}"
    );
    let mut targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    targets.sort();
    let at = format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks");
    assert_eq!(
        targets,
        [
            format!("{at}/maintenanceConfigurations?api-version=2025-10-01"),
            format!("{at}/upgradeProfiles/default?api-version=2025-10-01"),
        ]
    );
}

#[tokio::test]
async fn a_next_link_with_a_password_is_refused_and_the_password_is_reported_nowhere() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let with_password = request.base.replace("http://", "http://admin:s3cret-pw@");
        let next = format!(
            "{with_password}/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01&$skipToken=2"
        );
        Reply::ok(serde_json::json!({ "value": [], "nextLink": next }).to_string())
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    let error = the_only_error(&fleet);
    assert_eq!(error.code.as_deref(), Some("RefusedUrl"), "{error:?}");
    let snapshot = aksradar::cache::merge(None, fleet.clone(), "key", time::OffsetDateTime::now_utc());
    let stored = String::from_utf8(aksradar::cache::snapshot_bytes(&snapshot)).unwrap();
    assert!(!stored.contains("s3cret-pw"), "{stored}");
    assert!(!format!("{fleet:?}").contains("s3cret-pw"));
    assert_eq!(server.requests().len(), 2, "the link was not followed");
}

#[tokio::test]
async fn a_next_link_that_repeats_is_an_error_not_a_loop() {
    let server = Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let next = format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01&$skipToken=same",
            request.base
        );
        Reply::ok(serde_json::json!({ "value": [], "nextLink": next }).to_string())
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    let error = the_only_error(&fleet);
    assert_eq!(error.code.as_deref(), Some("LoopingNextLink"));
    assert_eq!(error.subscription_id.as_deref(), Some(SUB));
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed() {
    let other = elsewhere().await;
    let target = other.url.clone();
    let server = Hostile::start(move |request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let next = format!("{target}/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?x=1");
        Reply::ok(serde_json::json!({ "value": [], "nextLink": next }).to_string())
    })
    .await;
    let fleet = read(client(&server.url, small_limits(), Clock::manual())).await;
    assert_eq!(the_only_error(&fleet).code.as_deref(), Some("ForeignNextLink"));
    assert!(other.requests().is_empty());
}

#[tokio::test]
async fn resource_graph_lists_are_bounded_too() {
    let pages = Arc::new(AtomicUsize::new(0));
    let counted = pages.clone();
    let server = Hostile::start(move |request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let n = counted.fetch_add(1, Ordering::SeqCst);
        Reply::ok(serde_json::json!({ "data": [], "$skipToken": format!("token-{n}"), "totalRecords": 1 }).to_string())
    })
    .await;
    let client = client(&server.url, small_limits(), Clock::manual());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Graph,
        concurrency: 1,
    };
    let fleet = tokio::time::timeout(Duration::from_secs(30), azure::fetch_fleet(client, &request, None))
        .await
        .expect("ends by itself");
    let error = the_only_error(&fleet);
    assert_eq!(error.code.as_deref(), Some("TooManyPages"), "{error:?}");
    assert_eq!(error.subscription_id.as_deref(), Some(SUB));
    assert_eq!(pages.load(Ordering::SeqCst), 50);
}
