//! `cargo bench --bench live`: reading a 1,000-subscription, 10,000-cluster fleet from
//! the built-in simulator over real HTTP on 127.0.0.1, with 50 ms per request.
//!
//! The ARM path at concurrency C cannot beat `ceil(1000 / C) × 2 pages × 50 ms` plus
//! listing the subscriptions (10 pages of 100, one after the other); the bench prints
//! that lower bound beside the time. Then the Resource Graph path on the same fleet,
//! and the ARM path again with 20% of requests throttled (`Retry-After: 1`). Then the
//! fleet's scheduled upgrade events, one paged Resource Graph query (the first query
//! also works out each cluster's events plan in the simulator; the second does not).
//!
//! The whole read as `scan` makes it, the list and then the details phase, at
//! concurrency 32: the requests of each phase, the time of each and of the whole. The
//! details phase truly needs two requests per cluster (its maintenance configurations,
//! its upgrade profile), one per region (its Kubernetes versions) and one per node image
//! line in a region (its latest image); the bench works that number out from the fleet
//! read, checks the phase made exactly that many, and prints the lower bound
//! `ceil(needed / 32) x 50 ms` plus the list phase's own bound (goal: within 1.3x).
//! `AKSRADAR_BENCH_SUBSCRIPTIONS` scales the fleet down for a quick look.
//!
//! First, the overlap of a read's phases: 400 subscriptions x 2 pages of clusters, 50
//! ms per request, concurrency 32, beside its bound when nothing waits for a phase to
//! end (every request / 32 x 50 ms, plus one round trip); then the same with every
//! cluster's details read in the same pool.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aksradar::azure::{self, ArmClient, Credentials, FleetRequest, RetryPolicy};
use aksradar::config::Source;
use aksradar::sim::{SimOptions, Simulator};

const LATENCY_MS: u64 = 50;
const PAGE_SIZE: usize = 5;
const PER_SUBSCRIPTION: usize = 10;
const SUBSCRIPTION_PAGE: usize = 100;

fn main() {
    let subscriptions: usize = std::env::var("AKSRADAR_BENCH_SUBSCRIPTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let options = |fault_429: f64| SimOptions {
            subscriptions,
            clusters_per_subscription: PER_SUBSCRIPTION,
            page_size: PAGE_SIZE,
            subscription_page_size: SUBSCRIPTION_PAGE,
            latency_ms: LATENCY_MS,
            fault_429,
            retry_after: 1,
            seed: 42,
            ..Default::default()
        };
        overlap().await;
        let clusters = subscriptions * PER_SUBSCRIPTION;
        println!("fleet: {subscriptions} subscriptions x {PER_SUBSCRIPTION} clusters, page size {PAGE_SIZE}, {LATENCY_MS} ms per request");

        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), options(0.0)).await.expect("simulator");
        for concurrency in [32, 64] {
            let (elapsed, read) = measure(&sim, Source::Arm, concurrency).await;
            let bound = lower_bound(subscriptions, concurrency);
            println!(
                "ARM, concurrency {concurrency:>3}: {:>6.2} s for {read}/{clusters} clusters; lower bound {:.2} s; {:.2}x the bound",
                elapsed.as_secs_f64(),
                bound.as_secs_f64(),
                elapsed.as_secs_f64() / bound.as_secs_f64()
            );
        }
        whole_read(&sim, subscriptions, 32).await;
        let (elapsed, read) = measure(&sim, Source::Graph, 32).await;
        let graph_requests = sim.requests().iter().filter(|r| r.path_and_query.contains("ResourceGraph")).count();
        println!(
            "Resource Graph:      {:>6.2} s for {read}/{clusters} clusters ({graph_requests} queries)",
            elapsed.as_secs_f64()
        );
        let ids: Vec<String> = sim.fleet().subscriptions.iter().map(|s| s.id.clone()).collect();
        let client = client(&sim);
        for run in ["first", "second"] {
            let before = sim.requests().len();
            let started = Instant::now();
            let events = azure::fetch_events(&client, &ids, aksradar::model::Interner::new()).await.expect("events read");
            let queries = sim.requests().len() - before;
            println!(
                "events, {run} read:  {:>6.2} s for {} events of {clusters} clusters ({queries} queries)",
                started.elapsed().as_secs_f64(),
                events.len()
            );
        }
        sim.stop().await;

        let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), options(0.2)).await.expect("simulator");
        let (elapsed, read) = measure(&sim, Source::Arm, 32).await;
        let throttled = sim.requests().iter().filter(|r| r.status == 429).count();
        println!(
            "ARM, 20% 429s:       {:>6.2} s for {read}/{clusters} clusters ({throttled} requests throttled, each retried after >= 1 s)",
            elapsed.as_secs_f64()
        );
        assert_eq!(read, clusters, "every cluster must arrive despite throttling");
        sim.stop().await;
    });
}

/// 400 subscriptions x 2 pages x 50 ms at concurrency 32: the list alone, then list and
/// details, each beside the bound of its requests in one pool.
async fn overlap() {
    const SUBSCRIPTIONS: usize = 400;
    const CONCURRENCY: usize = 32;
    let sim = Simulator::start(
        "127.0.0.1:0".parse().unwrap(),
        SimOptions {
            subscriptions: SUBSCRIPTIONS,
            clusters_per_subscription: PER_SUBSCRIPTION,
            page_size: PAGE_SIZE,
            subscription_page_size: SUBSCRIPTION_PAGE,
            latency_ms: LATENCY_MS,
            seed: 42,
            record_requests: true,
            ..Default::default()
        },
    )
    .await
    .expect("simulator");
    let bound = |requests: usize| Duration::from_millis(requests as u64 * LATENCY_MS / CONCURRENCY as u64 + LATENCY_MS);
    let (elapsed, read) = measure(&sim, Source::Arm, CONCURRENCY).await;
    let requests = sim.requests().len();
    println!(
        "overlap, {SUBSCRIPTIONS} subscriptions x 2 pages, concurrency {CONCURRENCY}, list: {:.2} s for {read} clusters, {requests} requests; bound {:.2} s; {:.2}x the bound (goal < 1.2x)",
        elapsed.as_secs_f64(),
        bound(requests).as_secs_f64(),
        elapsed.as_secs_f64() / bound(requests).as_secs_f64()
    );
    let before = sim.requests().len();
    let client = Arc::new(client(&sim));
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: CONCURRENCY,
    };
    let started = Instant::now();
    let none = || std::future::ready(None);
    let now = time::OffsetDateTime::now_utc();
    let snapshot = aksradar::fetch::refresh(client, &request, true, None, none, "bench", move || now).await;
    let elapsed = started.elapsed();
    let requests = sim.requests().len() - before;
    println!(
        "overlap, list and details in one pool: {:.2} s for {} clusters, {requests} requests; bound {:.2} s; {:.2}x the bound",
        elapsed.as_secs_f64(),
        snapshot.clusters.len(),
        bound(requests).as_secs_f64(),
        elapsed.as_secs_f64() / bound(requests).as_secs_f64()
    );
    sim.stop().await;
}

fn lower_bound(subscriptions: usize, concurrency: usize) -> Duration {
    let pages = PER_SUBSCRIPTION.div_ceil(PAGE_SIZE) as u64;
    let waves = subscriptions.div_ceil(concurrency) as u64;
    let listing = subscriptions.div_ceil(SUBSCRIPTION_PAGE) as u64;
    Duration::from_millis((waves * pages + listing) * LATENCY_MS)
}

fn client(sim: &Simulator) -> ArmClient {
    let credentials = Arc::new(Credentials::fixed("simulator"));
    let retry = RetryPolicy {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    ArmClient::new(&sim.url(), "https://management.azure.com/.default", credentials, retry).expect("client")
}

async fn measure(sim: &Simulator, source: Source, concurrency: usize) -> (Duration, usize) {
    let client = Arc::new(client(sim));
    let request = FleetRequest {
        subscriptions: vec![],
        source,
        concurrency,
    };
    let started = Instant::now();
    let fleet = azure::fetch_fleet(client, &request, None).await;
    let elapsed = started.elapsed();
    assert!(
        fleet.errors.is_empty(),
        "{:?}",
        &fleet.errors[..fleet.errors.len().min(3)]
    );
    (elapsed, fleet.clusters.len())
}

/// The whole read at `concurrency`: the list phase, then the details phase, each timed
/// and its requests counted, against the lower bound of both.
async fn whole_read(sim: &Simulator, subscriptions: usize, concurrency: usize) {
    let client = Arc::new(client(sim));
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency,
    };
    let none = || std::future::ready(None);
    let now = time::OffsetDateTime::now_utc();
    let before = sim.requests().len();
    let started = Instant::now();
    let mut snapshot = aksradar::fetch::list(client.clone(), &request, None, &none, "bench", now).await;
    let listed = started.elapsed();
    let made = aksradar::fetch::details(client, &mut snapshot, concurrency, None, &none, now).await;
    let whole = started.elapsed();
    let detailed = whole - listed;
    assert!(
        snapshot.errors.is_empty(),
        "{:?}",
        &snapshot.errors[..snapshot.errors.len().min(3)]
    );
    let requests = sim.requests();
    let list_requests = requests[before..]
        .iter()
        .filter(|r| r.path_and_query.contains("/managedClusters?") || r.path_and_query.starts_with("/subscriptions?"))
        .count();
    let detail_requests = requests.len() - before - list_requests;
    assert_eq!(made, detail_requests, "the phase counts what it asked");

    // What the details phase truly needs, from the fleet read.
    let clusters = &snapshot.clusters;
    let regions: HashSet<String> = clusters
        .iter()
        .filter(|c| c.version().is_some())
        .map(|c| c.location.to_ascii_lowercase())
        .collect();
    let lines: HashSet<(String, String, String, String)> = clusters
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
    let pools: usize = clusters.iter().map(|c| c.pools.len()).sum();
    let needed = 2 * clusters.len() + regions.len() + lines.len();
    assert_eq!(made, needed, "nothing else, nothing twice");
    assert!(
        clusters
            .iter()
            .all(|c| c.details.as_deref().is_some_and(|d| d.failed.is_empty())),
        "every cluster's details were read"
    );

    let list_bound = lower_bound(subscriptions, concurrency);
    let details_bound = Duration::from_millis(needed.div_ceil(concurrency) as u64 * LATENCY_MS);
    let bound = list_bound + details_bound;
    println!(
        "whole read, concurrency {concurrency}: list {list_requests} requests in {:.2} s (bound {:.2} s); \
         details {made} requests in {:.2} s (bound {:.2} s: {} clusters x 2, {} regions, {} image lines for {pools} pools)",
        listed.as_secs_f64(),
        list_bound.as_secs_f64(),
        detailed.as_secs_f64(),
        details_bound.as_secs_f64(),
        clusters.len(),
        regions.len(),
        lines.len(),
    );
    println!(
        "whole read, concurrency {concurrency}: {:.2} s for {} clusters with details; lower bound {:.2} s; {:.2}x the bound (goal < 1.3x)",
        whole.as_secs_f64(),
        clusters.len(),
        bound.as_secs_f64(),
        whole.as_secs_f64() / bound.as_secs_f64()
    );
}
