//! `cargo bench --bench apply`: applying plans to 100 clusters of the built-in
//! simulator over real HTTP on 127.0.0.1, each cluster one channel change (one PUT,
//! an operation of `--operation-seconds 2`, then read back), at `max_parallel` 4 and 16.
//!
//! No apply can beat `ceil(100 / max_parallel) × 2 s`: each operation takes 2 s and
//! a cluster's turn waits for a free place. The bench prints that lower bound beside
//! the time. The plans come from a live read of the fleet with its details first
//! (as `aksradar apply` makes them), which is not timed. It also prints the requests
//! the apply sent: each cluster is read with its details before the write and again
//! to verify (the cluster, its maintenance configurations, its upgrade profile, one
//! pool's for the node image, its region's versions), plus the PUT and one status.
//! `AKSRADAR_BENCH_CLUSTERS` changes the number of clusters for a quick look.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aksradar::apply::{self, Options, Planner};
use aksradar::azure::{ArmClient, Credentials, FleetRequest, RetryPolicy};
use aksradar::config::{Config, Source};
use aksradar::fetch;
use aksradar::model::Rule;
use aksradar::remediate::Scope;
use aksradar::remediate::outcome::Ending;
use aksradar::remediate::plan::{Plan, What};
use aksradar::sim::{SimOptions, Simulator};

const OPERATION_SECONDS: u64 = 2;

fn main() {
    let wanted: usize = std::env::var("AKSRADAR_BENCH_CLUSTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        println!(
            "apply: {wanted} clusters, one channel change each, operations of {OPERATION_SECONDS} s, simulator on 127.0.0.1"
        );
        for max_parallel in [4, 16] {
            let (elapsed, requests) = measure(wanted, max_parallel).await;
            let bound = Duration::from_secs(wanted.div_ceil(max_parallel) as u64 * OPERATION_SECONDS);
            println!(
                "max_parallel {max_parallel:>2}: {:>6.2} s; lower bound ceil({wanted} / {max_parallel}) x {OPERATION_SECONDS} s = {:.0} s; \
                 {:.3}x the bound; {requests} requests",
                elapsed.as_secs_f64(),
                bound.as_secs_f64(),
                elapsed.as_secs_f64() / bound.as_secs_f64()
            );
        }
    });
}

/// A fresh simulator, `wanted` plans of one cluster write each, applied and timed.
async fn measure(wanted: usize, max_parallel: usize) -> (Duration, usize) {
    let sim = Simulator::start(
        "127.0.0.1:0".parse().expect("address"),
        SimOptions {
            subscriptions: 8,
            clusters_per_subscription: wanted.div_ceil(2).max(10),
            operation_seconds: OPERATION_SECONDS,
            seed: 42,
            ..Default::default()
        },
    )
    .await
    .expect("simulator");
    let retry = RetryPolicy {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let client = Arc::new(
        ArmClient::new(
            &sim.url(),
            "https://management.azure.com/.default",
            Arc::new(Credentials::fixed("simulator")),
            retry,
        )
        .expect("client"),
    );
    let planner = Arc::new(Planner {
        config: Arc::new(Config::default()),
        scope: Scope::of([Rule::NodeAutoUpgrade, Rule::AutoUpgrade]),
        clock: time::OffsetDateTime::now_utc,
    });
    let request = FleetRequest {
        subscriptions: vec![],
        source: Source::Arm,
        concurrency: 32,
    };
    let nothing_earlier = || std::future::ready(None);
    let now = time::OffsetDateTime::now_utc();
    let mut snapshot = fetch::list(client.clone(), &request, None, &nothing_earlier, "bench", now).await;
    fetch::details(client.clone(), &mut snapshot, 32, None, &nothing_earlier, now).await;
    let assessed: Vec<_> = snapshot
        .clusters
        .into_iter()
        .map(|c| planner.assess(Arc::unwrap_or_clone(c)))
        .collect();
    let plans: Vec<Plan> = planner
        .plans(&assessed)
        .into_iter()
        .filter(|p| {
            !p.changes.is_empty()
                && p.changes
                    .iter()
                    .all(|c| matches!(c.what, What::UpgradeChannel { .. } | What::NodeOsChannel { .. }))
        })
        .take(wanted)
        .collect();
    assert_eq!(plans.len(), wanted, "the fleet has {wanted} clusters to change");
    let before = sim.requests().len();
    let (events, _ignored) = tokio::sync::mpsc::unbounded_channel();
    let (_control, listen) = tokio::sync::mpsc::unbounded_channel();
    let options = Options {
        max_parallel,
        conflict_deadline: Duration::from_secs(60),
        operation_deadline: Duration::from_secs(600),
    };
    let started = Instant::now();
    let results = apply::apply(client, planner, plans, options, None, events, listen).await;
    let elapsed = started.elapsed();
    let verified = results.iter().filter(|r| r.ending == Ending::Verified).count();
    assert_eq!(verified, wanted, "every cluster applied and verified");
    let requests = sim.requests().len() - before;
    sim.stop().await;
    (elapsed, requests)
}
