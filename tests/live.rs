//! The live path over real HTTP against the built-in simulator on 127.0.0.1:0:
//! paging, throttling, server errors, forbidden subscriptions, malformed bodies,
//! token refresh, timeouts and Resource Graph (hostile servers: `live_hostile.rs`).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aksradar::azure::{self, ArmClient, Credentials, FleetRequest, RetryPolicy};
use aksradar::config::Source;
use aksradar::model::Fleet;
use aksradar::sim::{SimOptions, Simulator};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};

const SCOPE: &str = "https://management.azure.com/.default";

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 6,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    }
}

async fn start(options: SimOptions) -> Simulator {
    Simulator::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .expect("simulator starts")
}

fn client(sim: &Simulator, credentials: Credentials, retry: RetryPolicy) -> Arc<ArmClient> {
    Arc::new(ArmClient::new(&sim.url(), SCOPE, Arc::new(credentials), retry).expect("client"))
}

async fn read(sim: &Simulator, source: Source, retry: RetryPolicy) -> Fleet {
    let client = client(sim, Credentials::fixed("simulator"), retry);
    let request = FleetRequest {
        subscriptions: vec![],
        source,
        concurrency: 8,
    };
    azure::fetch_fleet(client, &request, None).await
}

/// Every cluster id the simulator holds, lower-cased.
fn expected_ids(sim: &Simulator, skip_forbidden: bool) -> HashSet<String> {
    let fleet = sim.fleet();
    fleet
        .subscriptions
        .iter()
        .filter(|s| !(skip_forbidden && fleet.forbidden(&s.id)))
        .flat_map(|s| s.cluster_ids())
        .map(|id| id.to_ascii_lowercase())
        .collect()
}

fn ids(fleet: &Fleet) -> Vec<String> {
    fleet.clusters.iter().map(|c| c.id.to_ascii_lowercase()).collect()
}

fn assert_exactly(fleet: &Fleet, want: &HashSet<String>) {
    let got = ids(fleet);
    let unique: HashSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), unique.len(), "no cluster twice");
    assert_eq!(&unique, want);
}

#[tokio::test]
async fn paging_follows_every_next_link_and_reads_each_cluster_once() {
    let sim = start(SimOptions {
        subscriptions: 4,
        clusters_per_subscription: 9,
        page_size: 2,
        subscription_page_size: 3,
        ..Default::default()
    })
    .await;
    let fleet = read(&sim, Source::Arm, quick_retry()).await;
    assert!(fleet.errors.is_empty(), "{:?}", fleet.errors);
    assert_exactly(&fleet, &expected_ids(&sim, false));
    let list_requests = sim
        .requests()
        .iter()
        .filter(|r| r.path_and_query.contains("managedClusters"))
        .count();
    assert_eq!(
        list_requests,
        4 * 5,
        "nine clusters at two a page is five pages per subscription"
    );
    assert!(
        fleet.clusters.iter().all(|c| c.subscription_name.is_some()),
        "display names come from /subscriptions"
    );
}

#[tokio::test]
async fn throttled_requests_wait_at_least_retry_after_and_everything_arrives() {
    let sim = start(SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 4,
        page_size: 2,
        fault_429: 0.3,
        retry_after: 1,
        seed: 7,
        ..Default::default()
    })
    .await;
    let fleet = read(&sim, Source::Arm, quick_retry()).await;
    assert!(fleet.errors.is_empty(), "{:?}", fleet.errors);
    assert_exactly(&fleet, &expected_ids(&sim, false));
    let log = sim.requests();
    let throttled: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
    assert!(!throttled.is_empty(), "the fault rate should have throttled something");
    for hit in throttled {
        let retry = log
            .iter()
            .find(|r| r.path_and_query == hit.path_and_query && r.at > hit.at)
            .expect("a throttled request is retried");
        let waited = retry.at - hit.at;
        assert!(
            waited >= Duration::from_secs(1),
            "retried after {waited:?}, before Retry-After"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_until_they_succeed() {
    let sim = start(SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 5,
        page_size: 2,
        fault_5xx: 0.3,
        seed: 3,
        ..Default::default()
    })
    .await;
    let fleet = read(&sim, Source::Arm, quick_retry()).await;
    assert!(fleet.errors.is_empty(), "{:?}", fleet.errors);
    assert_exactly(&fleet, &expected_ids(&sim, false));
    assert!(
        sim.requests().iter().any(|r| r.status >= 500),
        "the fault rate should have failed something"
    );
}

#[tokio::test]
async fn forbidden_subscriptions_are_reported_and_the_rest_arrive() {
    let sim = start(SimOptions {
        subscriptions: 5,
        clusters_per_subscription: 3,
        forbidden_subscriptions: 2,
        ..Default::default()
    })
    .await;
    let fleet = read(&sim, Source::Arm, quick_retry()).await;
    assert_exactly(&fleet, &expected_ids(&sim, true));
    assert_eq!(fleet.errors.len(), 2, "{:?}", fleet.errors);
    for error in &fleet.errors {
        let sub = error.subscription_id.as_deref().expect("names the subscription");
        assert!(sim.fleet().forbidden(sub));
        assert_eq!(error.code.as_deref(), Some("AuthorizationFailed"));
        assert!(
            error
                .url
                .as_deref()
                .is_some_and(|u| u.contains(sub) && u.contains("managedClusters")),
            "{error:?}"
        );
        assert!(error.message.contains("does not have authorization"), "{error:?}");
    }
}

#[tokio::test]
async fn a_body_that_stays_malformed_fails_its_subscription_with_the_url() {
    // A rate of 1.0 truncates /subscriptions too, so the whole read fails, and says where.
    let sim = start(SimOptions {
        subscriptions: 2,
        clusters_per_subscription: 2,
        malformed_rate: 1.0,
        ..Default::default()
    })
    .await;
    let retry = RetryPolicy {
        attempts: 2,
        ..quick_retry()
    };
    let fleet = read(&sim, Source::Arm, retry).await;
    assert!(fleet.clusters.is_empty());
    let error = &fleet.errors[0];
    assert_eq!(error.code.as_deref(), Some("MalformedResponse"));
    assert!(
        error.url.as_deref().is_some_and(|u| u.contains("/subscriptions")),
        "{error:?}"
    );
}

#[tokio::test]
async fn occasional_malformed_bodies_are_retried() {
    let sim = start(SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 6,
        page_size: 2,
        malformed_rate: 0.3,
        seed: 5,
        ..Default::default()
    })
    .await;
    let fleet = read(&sim, Source::Arm, quick_retry()).await;
    assert!(fleet.errors.is_empty(), "{:?}", fleet.errors);
    assert_exactly(&fleet, &expected_ids(&sim, false));
}

/// Hands out a stale token first, then the right one.
#[derive(Debug, Default)]
struct StaleThenFresh(AtomicUsize);

#[async_trait::async_trait]
impl TokenCredential for StaleThenFresh {
    async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let token = if n == 0 { "stale-token" } else { "simulator" };
        Ok(AccessToken::new(
            Secret::new(token),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_carries_on() {
    let sim = start(SimOptions {
        subscriptions: 2,
        clusters_per_subscription: 3,
        ..Default::default()
    })
    .await;
    let credential = Arc::new(StaleThenFresh::default());
    let client = client(&sim, Credentials::from_credential(credential.clone()), quick_retry());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 1,
    };
    let fleet = azure::fetch_fleet(client, &request, None).await;
    assert!(fleet.errors.is_empty(), "{:?}", fleet.errors);
    assert_exactly(&fleet, &expected_ids(&sim, false));
    assert_eq!(credential.0.load(Ordering::SeqCst), 2, "one refresh, then the cache");
    let log = sim.requests();
    assert_eq!(log.iter().filter(|r| r.status == 401).count(), 1);
    assert_eq!(log[0].status, 401);
}

#[tokio::test]
async fn a_wrong_fixed_token_fails_with_the_arm_code() {
    let sim = start(SimOptions {
        subscriptions: 1,
        clusters_per_subscription: 1,
        ..Default::default()
    })
    .await;
    let client = client(&sim, Credentials::fixed("not-the-token"), quick_retry());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 1,
    };
    let fleet = azure::fetch_fleet(client, &request, None).await;
    assert!(fleet.clusters.is_empty());
    assert_eq!(fleet.errors[0].code.as_deref(), Some("InvalidAuthenticationToken"));
}

#[tokio::test]
async fn a_slow_server_times_out_after_the_retries() {
    let sim = start(SimOptions {
        subscriptions: 1,
        clusters_per_subscription: 1,
        latency_ms: 2_000,
        ..Default::default()
    })
    .await;
    let retry = RetryPolicy {
        attempts: 2,
        timeout: Duration::from_millis(200),
        ..quick_retry()
    };
    let started = std::time::Instant::now();
    let fleet = read(&sim, Source::Arm, retry).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not wait for the slow server"
    );
    assert_eq!(fleet.errors[0].code.as_deref(), Some("TransportError"));
    assert!(
        fleet.errors[0].message.contains("no answer within"),
        "{:?}",
        fleet.errors
    );
}

#[tokio::test]
async fn resource_graph_pages_with_skip_token_and_reads_each_cluster_once() {
    let sim = start(SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 700,
        forbidden_subscriptions: 1,
        ..Default::default()
    })
    .await;
    let fleet = read(&sim, Source::Graph, quick_retry()).await;
    assert!(fleet.errors.is_empty(), "{:?}", fleet.errors);
    assert_exactly(&fleet, &expected_ids(&sim, true));
    let graph_pages = sim
        .requests()
        .iter()
        .filter(|r| r.path_and_query.contains("ResourceGraph"))
        .count();
    assert_eq!(graph_pages, 2, "1400 visible rows at 1000 a page");
    let arm = read(&sim, Source::Arm, quick_retry()).await;
    let by_arm: HashSet<String> = ids(&arm).into_iter().collect();
    assert_eq!(
        by_arm,
        ids(&fleet).into_iter().collect::<HashSet<_>>(),
        "both sources see the same clusters"
    );
}

/// What one GET of the simulator answers, as the checks below read it.
async fn get(sim: &Simulator, path: &str) -> serde_json::Value {
    let url = format!("{}{path}?api-version=2025-10-01", sim.url());
    reqwest::Client::new()
        .get(url)
        .bearer_auth("simulator")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}

/// The details phase reads each cluster's own parts once, and what clusters share (a
/// region's versions, an image line's latest image) once per read, not once per pool:
/// and what it reads is what each pool's and cluster's own profile says.
#[tokio::test]
async fn the_details_phase_reads_every_cluster_once_and_shared_facts_once_per_read() {
    let sim = start(SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 8,
        ..Default::default()
    })
    .await;
    let client = client(&sim, Credentials::fixed("simulator"), quick_retry());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 4,
    };
    let none = || std::future::ready(None);
    let now = time::OffsetDateTime::now_utc();
    let mut snapshot = aksradar::fetch::list(client.clone(), &request, None, &none, "k", now).await;
    assert!(
        snapshot
            .clusters
            .iter()
            .all(|c| c.maintenance.is_none() && c.details.is_none()),
        "lists do not carry details"
    );
    let listed = sim.requests().len();
    let made = aksradar::fetch::details(client, &mut snapshot, 4, None, &none, now).await;
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);

    let requests: Vec<String> = sim.requests()[listed..]
        .iter()
        .map(|r| {
            r.path_and_query
                .split('?')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
        .collect();
    assert_eq!(made, requests.len(), "the phase counts what it asked");
    let count = |what: &dyn Fn(&str) -> bool| requests.iter().filter(|p| what(p)).count();
    let clusters = snapshot.clusters.len();
    assert_eq!(count(&|p| p.ends_with("/maintenanceconfigurations")), clusters);
    assert_eq!(
        count(&|p| p.ends_with("/upgradeprofiles/default") && !p.contains("/agentpools/")),
        clusters
    );
    let regions: HashSet<String> = snapshot
        .clusters
        .iter()
        .map(|c| c.location.to_ascii_lowercase())
        .collect();
    assert_eq!(
        count(&|p| p.ends_with("/kubernetesversions")),
        regions.len(),
        "once per region"
    );
    assert_eq!(
        snapshot.regions.keys().cloned().collect::<HashSet<String>>(),
        regions,
        "what each region offers is kept for the support calendar"
    );
    assert!(snapshot.regions.values().all(|offer| !offer.minors.is_empty()));
    let lines: HashSet<(String, String, String, String)> = snapshot
        .clusters
        .iter()
        .flat_map(|c| {
            c.pools.iter().map(|p| {
                (
                    c.location.to_ascii_lowercase(),
                    p.os_type.clone().unwrap_or_default().to_ascii_lowercase(),
                    p.os_sku.clone().unwrap_or_default().to_ascii_lowercase(),
                    aksradar::model::node_image_line(p.node_image_version.as_deref().unwrap_or_default()).to_string(),
                )
            })
        })
        .collect();
    let pools: usize = snapshot.clusters.iter().map(|c| c.pools.len()).sum();
    let images = count(&|p| p.contains("/agentpools/") && p.ends_with("/upgradeprofiles/default"));
    assert_eq!(images, lines.len(), "once per image line in a region");
    assert!(images < pools, "not once per pool: {images} of {pools}");
    assert_eq!(
        made,
        2 * clusters + regions.len() + lines.len(),
        "nothing else, nothing twice"
    );

    for cluster in &snapshot.clusters {
        let read = cluster.details.as_deref().expect("stamped");
        assert!(read.failed.is_empty(), "{:?}", read.failed);
        assert!(cluster.maintenance.is_some());
        assert!(cluster.version_supported_in_region.is_some());
        // What the cluster's own profile offers, previews aside.
        let id = &cluster.id;
        let profile = get(&sim, &format!("{id}/upgradeProfiles/default")).await;
        let offered: Vec<String> = profile["properties"]["controlPlaneProfile"]["upgrades"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| u["isPreview"] != true)
            .filter_map(|u| u["kubernetesVersion"].as_str().map(String::from))
            .collect();
        let mut ours: Vec<String> = cluster
            .upgrades
            .as_deref()
            .expect("the profile was read")
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut theirs = offered;
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{id}");
        // Each pool's latest image is the one its own profile names, though most were
        // read through another pool of the same line.
        for pool in &cluster.pools {
            let own = get(&sim, &format!("{id}/agentPools/{}/upgradeProfiles/default", pool.name)).await;
            assert_eq!(
                pool.latest_node_image_version.as_deref(),
                own["properties"]["latestNodeImageVersion"].as_str(),
                "{id} {}",
                pool.name
            );
        }
    }
}

/// A detail that cannot be read (here: every maintenance list answers 403) is reported
/// once per request, leaves each cluster's part failed with why, and keeps the value
/// the previous snapshot had, marked stale with that read's time.
#[tokio::test]
async fn a_detail_that_fails_keeps_the_last_good_value_from_the_previous_snapshot() {
    let options = SimOptions {
        subscriptions: 1,
        clusters_per_subscription: 4,
        ..Default::default()
    };
    let sim = start(options.clone()).await;
    let client = client(&sim, Credentials::fixed("simulator"), quick_retry());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 4,
    };
    let before = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let none = || std::future::ready(None);
    let first = aksradar::fetch::refresh(client.clone(), &request, true, None, none, "k", move || before).await;
    assert!(first.clusters.iter().all(|c| c.maintenance.is_some()));
    sim.stop().await;

    // The same fleet, now refusing every read of maintenance configurations.
    let sim = start(SimOptions {
        forbidden_reads: vec!["maintenanceConfigurations".into()],
        ..options
    })
    .await;
    let client = self::client(&sim, Credentials::fixed("simulator"), quick_retry());
    let later = before + time::Duration::hours(1);
    let kept = first.clone();
    let previous = move || std::future::ready(Some(kept.clone()));
    let second = aksradar::fetch::refresh(client, &request, true, None, previous, "k", move || later).await;
    assert_eq!(second.errors.len(), 4, "one per failed request: {:?}", second.errors);
    for (now, then) in second.clusters.iter().zip(&first.clusters) {
        assert_eq!(now.maintenance, then.maintenance, "the last good value stays");
        let read = now.details.as_deref().unwrap();
        assert_eq!(read.as_of, later);
        let failure = read.failure(aksradar::model::DetailPart::Maintenance).expect("failed");
        assert_eq!(failure.kept_from, Some(before), "stale, from the first read");
        assert!(now.upgrades.is_some(), "the other parts were read");
    }
    let incomplete = aksradar::fetch::incomplete(&second.into_fleet());
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert_eq!(
        incomplete[0],
        "4 detail reads failed, 4 clusters affected: AuthorizationFailed (4)"
    );
}

#[tokio::test]
async fn resource_graph_is_as_persistent_as_arm_through_heavy_throttling() {
    // Half the requests throttled, with the seed that once made every subscription fail
    // with RateLimiting on the Resource Graph path while ARM read them all: one query
    // for all subscriptions met six 429s in a row. Throttling uses up the read's
    // deadline, not its attempts. (`retry_after: 0` keeps the test quick; the waits
    // are then the backoff's floor.)
    let options = SimOptions {
        subscriptions: 10,
        clusters_per_subscription: 20,
        fault_429: 0.5,
        retry_after: 0,
        seed: 1,
        ..Default::default()
    };
    let sim = start(options.clone()).await;
    let graph = read(&sim, Source::Graph, quick_retry()).await;
    assert!(graph.errors.is_empty(), "{:?}", graph.errors);
    assert_exactly(&graph, &expected_ids(&sim, false));
    let statuses: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|r| r.path_and_query.contains("ResourceGraph"))
        .map(|r| r.status)
        .collect();
    let longest_run = statuses.split(|&s| s != 429).map(<[u16]>::len).max().unwrap_or(0);
    assert!(
        longest_run >= 6,
        "the query met more 429s in a row than there are attempts: {statuses:?}"
    );
    let sim = start(options).await;
    let arm = read(&sim, Source::Arm, quick_retry()).await;
    assert!(arm.errors.is_empty(), "{:?}", arm.errors);
    assert_eq!(ids(&arm).len(), 200);
}

#[test]
fn a_plain_http_endpoint_off_this_machine_is_refused() {
    for base in ["http://management.azure.com", "http://10.1.2.3:8080"] {
        let err = ArmClient::new(base, SCOPE, Arc::new(Credentials::fixed("t")), quick_retry()).unwrap_err();
        assert!(
            err.to_string()
                .contains("refusing to send a bearer token over plain http"),
            "{err}"
        );
    }
}

/// What a request to the simulator was: the subscription list, a cluster list, or a
/// detail (and when it arrived).
fn kinds(sim: &Simulator) -> Vec<(&'static str, std::time::Instant)> {
    sim.requests()
        .iter()
        .map(|r| {
            let path = r
                .path_and_query
                .split('?')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let kind = if path == "/subscriptions" {
                "subscriptions"
            } else if path.ends_with("/providers/microsoft.containerservice/managedclusters") {
                "list"
            } else {
                "detail"
            };
            (kind, r.at)
        })
        .collect()
}

/// One pool of workers for the whole read: cluster lists start while later pages of
/// the subscription list are still read, and a subscription's details start as soon as
/// its list is whole, while other lists are still read.
#[tokio::test]
async fn the_phases_of_a_read_overlap_in_one_pool_of_workers() {
    let sim = start(SimOptions {
        subscriptions: 12,
        clusters_per_subscription: 3,
        subscription_page_size: 2,
        page_size: 2,
        latency_ms: 20,
        ..Default::default()
    })
    .await;
    let client = client(&sim, Credentials::fixed("simulator"), quick_retry());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 8,
    };
    let none = || std::future::ready(None);
    let now = time::OffsetDateTime::now_utc();
    let snapshot = aksradar::fetch::refresh(client, &request, true, None, none, "k", move || now).await;
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
    assert_eq!(snapshot.clusters.len(), 36);
    assert!(
        snapshot.clusters.iter().all(|c| c.details.is_some()),
        "every cluster's details read"
    );

    let requests = kinds(&sim);
    let first = |kind: &str| {
        requests
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, at)| *at)
            .min()
            .unwrap()
    };
    let last = |kind: &str| {
        requests
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, at)| *at)
            .max()
            .unwrap()
    };
    assert_eq!(requests.iter().filter(|(k, _)| *k == "subscriptions").count(), 6);
    assert!(
        first("list") < last("subscriptions"),
        "the first subscriptions' lists are read while the subscription list still is"
    );
    assert!(
        first("detail") < last("list"),
        "the first subscriptions' details are read while later lists still are"
    );
}

/// The dashboard's read: the list goes to the screen once, whole, before any details;
/// then each listed cluster comes back once with its details; a listed cluster keeps
/// the details the screen shows until its own are read, and a part that cannot be read
/// keeps the shown value, marked stale with its time.
#[tokio::test]
async fn a_watched_read_shows_the_list_then_each_cluster_once_and_keeps_what_was_shown() {
    let options = SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 4,
        ..Default::default()
    };
    let sim = start(options.clone()).await;
    let client = client(&sim, Credentials::fixed("simulator"), quick_retry());
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 4,
    };
    let before = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let none = || std::future::ready(None);
    let first = aksradar::fetch::refresh(client, &request, true, None, none, "k", move || before).await;
    sim.stop().await;

    let sim = start(SimOptions {
        forbidden_reads: vec!["maintenanceConfigurations".into()],
        ..options
    })
    .await;
    let client = self::client(&sim, Credentials::fixed("simulator"), quick_retry());
    let later = before + time::Duration::hours(1);
    let listed = std::cell::RefCell::new(None::<aksradar::cache::Snapshot>);
    let detailed = std::cell::RefCell::new(Vec::new());
    // The screen shows one cluster on another version than the one listed now.
    let mut shown = first.clusters.clone();
    std::sync::Arc::make_mut(&mut shown[5]).kubernetes_version = Some("1.20.0".into());
    let watch = aksradar::fetch::Watch {
        shown: shown.clone(),
        linger: Duration::ZERO,
        listed: |snapshot: &aksradar::cache::Snapshot| {
            assert!(listed.borrow().is_none(), "the list goes out once");
            *listed.borrow_mut() = Some(snapshot.clone());
        },
        detailed: |snapshot: &aksradar::cache::Snapshot, places: &[usize]| {
            assert!(listed.borrow().is_some(), "the list before any details");
            for &at in places {
                assert!(snapshot.clusters[at].details.as_deref().unwrap().as_of == later);
            }
            detailed.borrow_mut().extend_from_slice(places);
        },
    };
    let none = || std::future::ready(None);
    let second = aksradar::fetch::read(client, &request, true, None, &none, "k", &move || later, watch).await;
    let listed = listed.into_inner().expect("listed");
    assert_eq!(listed.clusters.len(), 12);
    for (at, (shown, now)) in shown.iter().zip(&listed.clusters).enumerate() {
        assert_eq!(
            now.maintenance, shown.maintenance,
            "the list keeps what the screen shows"
        );
        assert_eq!(now.details, shown.details);
        assert_eq!(
            std::sync::Arc::ptr_eq(now, shown),
            at != 5,
            "a cluster listed as it is shown is the screen's copy, not a second one; the changed one is its own"
        );
    }
    assert_eq!(
        listed.clusters[5].kubernetes_version,
        first.clusters[5].kubernetes_version
    );
    assert_eq!(
        listed.clusters[5].as_of,
        Some(later),
        "a cluster listed anew is stamped as listed"
    );
    assert!(
        shown.iter().all(|c| c.as_of == Some(before)),
        "the screen's copies are not touched"
    );
    let mut places = detailed.into_inner();
    places.sort_unstable();
    assert_eq!(places, (0..12).collect::<Vec<_>>(), "each cluster once");
    for (now, then) in second.clusters.iter().zip(&first.clusters) {
        assert_eq!(now.as_of, Some(later), "every cluster listed is stamped as listed");
        assert_eq!(now.maintenance, then.maintenance, "the shown value stays");
        let read = now.details.as_deref().unwrap();
        let failure = read.failure(aksradar::model::DetailPart::Maintenance).expect("failed");
        assert_eq!(failure.kept_from, Some(before), "stale, from the shown read");
        assert!(now.upgrades.is_some(), "the other parts were read");
    }
    assert_eq!(second.errors.len(), 12, "one per failed request: {:?}", second.errors);
}
