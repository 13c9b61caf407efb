//! `cargo bench --bench cache`: loading a 10,000-cluster snapshot from the cache, side
//! by side with parsing the equivalent `az aks list` export.
//!
//! The export comes from `benches/gen_fleet.py` (shared with the scan bench); the
//! snapshot is made from it the way a live read makes one. Both are read from disk
//! and parsed into the model, best and median of several runs.

use std::path::Path;
use std::time::{Duration, Instant};

use aksradar::cache::{self, Loaded, Store};
use aksradar::model::{Fleet, SubscriptionState};

const RUNS: usize = 15;

mod common;

use common::fleet_file;

fn main() {
    let clusters: usize = std::env::var("AKSRADAR_BENCH_CLUSTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let export = fleet_file(root, clusters);
    let bytes = std::fs::read(&export).expect("export");
    let fleet = aksradar::import::parse(&bytes, "bench").expect("valid export");

    let mut subscriptions: Vec<String> = fleet.clusters.iter().map(|c| c.subscription_id.to_string()).collect();
    subscriptions.sort();
    subscriptions.dedup();
    let live = Fleet {
        subscriptions: subscriptions
            .into_iter()
            .map(|id| SubscriptionState {
                id,
                name: None,
                fetched_at: None,
                error: None,
            })
            .collect(),
        ..fleet
    };
    let now = time::OffsetDateTime::now_utc();
    let snapshot = cache::merge(None, live, "bench", now);
    let dir = root.join("target").join("bench-data").join("cache");
    let store = Store::new(&dir);
    let path = store.save(&snapshot).expect("save");
    println!(
        "{clusters} clusters: az aks list export {:.1} MB, snapshot {:.1} MB",
        mb(std::fs::metadata(&export).unwrap().len()),
        mb(std::fs::metadata(&path).unwrap().len())
    );

    let parse = time_runs(|| {
        let bytes = std::fs::read(&export).expect("read");
        let fleet = aksradar::import::parse(&bytes, "bench").expect("parse");
        assert_eq!(fleet.clusters.len(), clusters);
    });
    let load = time_runs(|| match store.load("bench") {
        Loaded::Hit(snapshot) => assert_eq!(snapshot.clusters.len(), clusters),
        other => panic!("{other:?}"),
    });
    let save = time_runs(|| {
        store.save(&snapshot).expect("save");
    });
    println!("{:<34} {:>8} {:>8}", "", "best", "median");
    println!(
        "{:<34} {:>6.1}ms {:>6.1}ms",
        "parse the az aks list export",
        ms(parse.0),
        ms(parse.1)
    );
    println!(
        "{:<34} {:>6.1}ms {:>6.1}ms",
        "load the snapshot (goal < 100 ms)",
        ms(load.0),
        ms(load.1)
    );
    println!(
        "{:<34} {:>6.1}ms {:>6.1}ms",
        "save the snapshot (atomic, fsync)",
        ms(save.0),
        ms(save.1)
    );
}

/// Best and median of `RUNS` runs.
fn time_runs(mut run: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[RUNS / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
