//! `cargo bench --bench scan`: scanning a 10,000-cluster `az aks list` export to JSON,
//! side by side with Python's `json` module merely parsing and re-serialising it; and
//! the upgrade calendar (support, next windows, events, insights) worked out for the
//! simulator's 10,000 clusters with every maintenance window and event.
//!
//! Both run as child processes under the same small Python wrapper, which reports
//! wall time and peak resident memory (`ru_maxrss`) per run. The input comes from
//! `benches/gen_fleet.py` (deterministic) and is kept in `target/bench-data/`.
//! Set `AKSRADAR_BENCH_CLUSTERS` to change the fleet size, `AKSRADAR_BENCH_RUNS` the
//! number of runs (median reported).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const WRAPPER: &str = r#"
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"#;

const PYTHON_BASELINE: &str =
    "import json, sys; data = json.load(open(sys.argv[1])); sys.stdout.write(json.dumps(data))";

mod common;

use common::fleet_file;

fn main() {
    let clusters: usize = env_or("AKSRADAR_BENCH_CLUSTERS", 10_000);
    let runs: usize = env_or("AKSRADAR_BENCH_RUNS", 5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = fleet_file(root, clusters);
    let size = std::fs::metadata(&input).expect("input written").len();
    println!("input: {} ({clusters} clusters, {:.1} MB)", input.display(), mb(size));

    let binary = env!("CARGO_BIN_EXE_aksradar");
    let input_arg = input.to_str().expect("utf-8 path");
    let python = measure(runs, &["python3", "-c", PYTHON_BASELINE, input_arg]);
    let aksradar = measure(runs, &[binary, "scan", "--input", input_arg, "--format", "json"]);

    println!("{:<44} {:>10} {:>14}", "", "median", "peak memory");
    println!(
        "{:<44} {:>8.0}ms {:>11.1} MB",
        "python3 json.load + json.dumps",
        python.0 * 1e3,
        mb(python.1)
    );
    println!(
        "{:<44} {:>8.0}ms {:>11.1} MB",
        "aksradar scan --format json",
        aksradar.0 * 1e3,
        mb(aksradar.1)
    );
    println!(
        "aksradar/python time: {:.2}x; aksradar peak memory / file size: {:.2}x (goal < 3x)",
        aksradar.0 / python.0,
        aksradar.1 as f64 / size as f64
    );
    in_process_phases(&input);
    calendar_over_the_simulated_fleet(clusters);
}

/// The upgrade calendar of the simulator's fleet as `scan --details` reads it: every
/// cluster with its maintenance configurations (parsed as the details read parses
/// them) and the fleet's events, worked out `runs` times; the median is reported.
fn calendar_over_the_simulated_fleet(clusters: usize) {
    use aksradar::sim::{SimClock, SimFleet, SimOptions};
    let now = time::macros::datetime!(2026-11-29 12:00 UTC);
    let options = SimOptions {
        subscriptions: clusters.div_ceil(100),
        clusters_per_subscription: 100,
        clock: SimClock::manual(now),
        ..SimOptions::default()
    };
    let sim = SimFleet::generate(&options);
    let mut fleet = Vec::with_capacity(clusters);
    let mut windows = 0;
    for sub in &sim.subscriptions {
        for (i, raw) in sub.cluster_values().enumerate() {
            let text = serde_json::to_vec(&raw).expect("serialisable");
            let mut cluster = aksradar::import::parse(&text, "sim")
                .expect("a cluster")
                .clusters
                .remove(0);
            let details = sub.details(i).expect("details");
            let configs: Vec<_> = details
                .maintenance_configurations
                .iter()
                .map(aksradar::import::maintenance_config)
                .collect();
            windows += configs.len();
            cluster.maintenance = Some(configs);
            fleet.push(cluster);
        }
    }
    let config = aksradar::config::Config::default();
    let calendar = config.support_calendar();
    let regions = std::collections::BTreeMap::new();
    let mut assessed = aksradar::rules::assess(fleet, &config, now.date());
    let mut times = Vec::new();
    let mut insights = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let ctx = aksradar::calendar::Context::new(now, &calendar, &regions, Some(&[]), &config.insights, &assessed);
        aksradar::calendar::annotate(&mut assessed, &ctx);
        times.push(start.elapsed().as_secs_f64());
        insights = aksradar::calendar::insights(&assessed).count();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "calendar over {} simulated clusters ({windows} maintenance windows): {:.0}ms median of 5 ({insights} insights)",
        assessed.len(),
        times[2] * 1e3
    );
}

/// Where the time goes inside one scan, without process start-up.
fn in_process_phases(input: &Path) {
    let config = aksradar::config::Config::default();
    let today = time::macros::date!(2026 - 11 - 26);
    let start = Instant::now();
    let bytes = std::fs::read(input).expect("read input");
    let read = start.elapsed();
    let fleet = aksradar::import::parse(&bytes, "bench").expect("valid input");
    let parsed = start.elapsed();
    drop(bytes);
    let assessed = aksradar::rules::assess(fleet.clusters, &config, today);
    let ruled = start.elapsed();
    let report = aksradar::report::Report {
        assessed: &assessed,
        skipped: fleet.skipped,
        duplicates: fleet.duplicates,
        errors: &fleet.errors,
        minimum_version: &config.rules.kubernetes_minimum_version,
        changes: None,
    };
    let mut out = Vec::with_capacity(32 << 20);
    aksradar::report::write(aksradar::report::Format::Json, &report, Default::default(), &mut out).expect("write");
    let written = start.elapsed();
    println!(
        "in process: read {:.0}ms, import {:.0}ms, rules {:.0}ms, json {:.0}ms ({:.1} MB out)",
        read.as_secs_f64() * 1e3,
        (parsed - read).as_secs_f64() * 1e3,
        (ruled - parsed).as_secs_f64() * 1e3,
        (written - ruled).as_secs_f64() * 1e3,
        mb(out.len() as u64)
    );
}

/// Median wall time (seconds) and the largest peak RSS (bytes) over `runs` runs.
fn measure(runs: usize, command: &[&str]) -> (f64, u64) {
    let mut times = Vec::with_capacity(runs);
    let mut peak = 0u64;
    for _ in 0..runs {
        let out = Command::new("python3")
            .arg("-c")
            .arg(WRAPPER)
            .args(command)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8(out.stdout).expect("utf-8");
        let mut fields = line.split_whitespace();
        times.push(fields.next().and_then(|t| t.parse::<f64>().ok()).expect("time"));
        let kib: u64 = fields.next().and_then(|m| m.parse().ok()).expect("maxrss");
        peak = peak.max(kib * 1024);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], peak)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
