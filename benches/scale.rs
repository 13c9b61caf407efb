//! `cargo bench --bench scale`: aksradar at 10,000 and at 100,000 clusters, side by side
//! with the ratio of the two, for the targets of a 100,000-cluster fleet on one laptop.
//!
//! The fleet is the simulator's (1 and 10 thousand subscriptions x 100 clusters, seed 1,
//! no latency), served over real HTTP on 127.0.0.1. For each size:
//!
//! 1. The list read alone, in this process: ARM (concurrency 32) and Resource Graph.
//! 2. `aksradar scan --format json` over ARM and over Resource Graph (details read), as
//!    child processes: wall time and peak resident memory. Each leaves its snapshot in
//!    a temporary cache folder.
//! 3. `aksradar scan --offline --format json` from that snapshot: time and peak memory.
//!    Then the dashboard alone (`aksradar --endpoint URL --render 160x45`) against this
//!    process's simulator: with no cache, then painted from its cache and refreshed.
//! 4. `aksradar demo --render 160x45` (simulator in the same process, details read, the
//!    snapshot saved): with no cache, then painted from its cache and refreshed.
//! 5. In this process, from the demo's snapshot: its size, its load time, the first
//!    frame (load, rules, rows, draw), the memory of each part per cluster, and every
//!    kind of key (update + draw into a 160x45 `TestBackend`): p50, p99, worst.
//!
//! Child processes run under a small Python wrapper that reports wall time and peak
//! RSS (`ru_maxrss`). `AKSRADAR_SCALE_SIZES` picks the sizes (default
//! `10000,100000`), `AKSRADAR_SCALE_RUNS` the runs of each child (default 1; the best
//! is kept). Every file is written to a temporary folder removed at the end.
//! `AKSRADAR_SCALE_SNAPSHOT=FILE AKSRADAR_SCALE_KEY=KEY` runs part 5 alone on a
//! snapshot kept from before; `AKSRADAR_SCALE_SLOWEST=1` also names each script's
//! three slowest keys (by their place in the script).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aksradar::app::keymap::parse_keys;
use aksradar::app::state::DataSource;
use aksradar::app::update::{apply_snapshot, key_action};
use aksradar::app::{Action, Keymap, State, update};
use aksradar::azure::{self, ArmClient, Credentials, FleetRequest, RetryPolicy};
use aksradar::cache::{Loaded, Store};
use aksradar::config::{Config, Source};
use aksradar::sim::{SimOptions, Simulator};
use aksradar::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

#[path = "common/keys.rs"]
mod keys;

const WRAPPER: &str = r#"
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"#;

const PER_SUBSCRIPTION: usize = 100;
const CONCURRENCY: usize = 32;
const SEED: u64 = 1;
const SIZE: (u16, u16) = (160, 45);

/// One measure at one size: its value and its unit.
#[derive(Debug, Clone, Copy)]
struct Value {
    value: f64,
    unit: &'static str,
}

fn seconds(d: Duration) -> Value {
    Value {
        value: d.as_secs_f64(),
        unit: "s",
    }
}

fn millis(d: Duration) -> Value {
    Value {
        value: d.as_secs_f64() * 1e3,
        unit: "ms",
    }
}

fn megabytes(bytes: u64) -> Value {
    Value {
        value: bytes as f64 / 1e6,
        unit: "MB",
    }
}

fn bytes(n: f64) -> Value {
    Value { value: n, unit: "B" }
}

/// The measures of one size, in the order they print.
type Measures = Vec<(String, Value)>;

/// Set (to the snapshot's path) in the child that measures memory by part.
const MEMORY_CHILD: &str = "AKSRADAR_SCALE_MEMORY";

fn main() {
    if let Ok(path) = std::env::var(MEMORY_CHILD) {
        let key = std::env::var("AKSRADAR_SCALE_KEY").expect("the snapshot's key");
        memory_by_part(Path::new(&path), &key);
        return;
    }
    // A snapshot made before (`AKSRADAR_SCALE_SNAPSHOT=path`, with its key in
    // `AKSRADAR_SCALE_KEY`): the in-process part only, for a quick look at the keys.
    if let Ok(path) = std::env::var("AKSRADAR_SCALE_SNAPSHOT") {
        let key = std::env::var("AKSRADAR_SCALE_KEY").expect("the snapshot's key");
        let store = Store::new(Path::new(&path).parent().expect("the cache folder"));
        let clusters = match store.load(&key) {
            Loaded::Hit(snapshot) => snapshot.clusters.len(),
            other => panic!("{other:?}"),
        };
        let mut out = Measures::new();
        dashboard(&store, &key, clusters, &mut out);
        for (name, value) in &out {
            println!("  {name:<58} {}", show(*value));
        }
        return;
    }
    let sizes: Vec<usize> = std::env::var("AKSRADAR_SCALE_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let runs: usize = std::env::var("AKSRADAR_SCALE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut all: Vec<(usize, Measures)> = Vec::new();
    for &clusters in &sizes {
        println!("== {clusters} clusters ==");
        let measures = measure(clusters, runs);
        for (name, value) in &measures {
            println!("  {name:<58} {}", show(*value));
        }
        all.push((clusters, measures));
    }
    print_table(&all);
}

fn measure(clusters: usize, runs: usize) -> Measures {
    let subscriptions = clusters.div_ceil(PER_SUBSCRIPTION);
    let temp = tempfile::tempdir().expect("a temporary folder");
    let mut out: Measures = Vec::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let options = SimOptions {
        subscriptions,
        clusters_per_subscription: PER_SUBSCRIPTION,
        seed: SEED,
        record_requests: false,
        ..SimOptions::default()
    };
    let sim = runtime
        .block_on(Simulator::start("127.0.0.1:0".parse().unwrap(), options))
        .expect("simulator");

    // 1. The list read alone.
    for (label, source) in [("ARM", Source::Arm), ("Resource Graph", Source::Graph)] {
        let (elapsed, read) = runtime.block_on(list_read(&sim, source));
        assert_eq!(read, clusters, "{label}: every cluster read");
        out.push((format!("list read, {label} (in process)"), seconds(elapsed)));
    }

    // 2. and 3. Scans in child processes.
    let scan_home = temp.path().join("scan-home");
    let endpoint = sim.url();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "json", "--endpoint", &endpoint, "--auth", "token"];
        args.extend_from_slice(extra);
        best_of(runs, &args, &scan_home)
    };
    let (time, peak) = scan(&[]);
    out.push(("scan --format json, ARM, details: time".into(), seconds(time)));
    out.push(("scan --format json, ARM, details: peak RSS".into(), megabytes(peak)));
    let (time, peak) = scan(&["--source", "graph"]);
    out.push((
        "scan --format json, Resource Graph, details: time".into(),
        seconds(time),
    ));
    out.push((
        "scan --format json, Resource Graph, details: peak RSS".into(),
        megabytes(peak),
    ));
    // The offline scan reads what the last live scan saved.
    let (time, peak) = scan(&["--offline"]);
    out.push(("scan --offline --format json: time".into(), seconds(time)));
    out.push(("scan --offline --format json: peak RSS".into(), megabytes(peak)));
    // The dashboard alone, the simulator in this process: what the issue's goal is
    // about, without the demo's simulator beside it.
    let size = format!("{}x{}", SIZE.0, SIZE.1);
    let dashboard_home = temp.path().join("dashboard-home");
    let alone = [
        "--endpoint",
        &endpoint,
        "--auth",
        "token",
        "--render",
        &size,
        "--keys",
        "",
    ];
    let (time, peak) = child(&alone, &dashboard_home);
    out.push(("dashboard alone, no cache: time".into(), seconds(time)));
    out.push(("dashboard alone, no cache: peak RSS".into(), megabytes(peak)));
    let (time, peak) = child(&alone, &dashboard_home);
    out.push((
        "dashboard alone, from its cache, then refreshed: time".into(),
        seconds(time),
    ));
    out.push((
        "dashboard alone, from its cache, then refreshed: peak RSS (goal < 500 MB)".into(),
        megabytes(peak),
    ));
    runtime.block_on(sim.stop());

    // 4. The dashboard, as `aksradar demo` (its simulator in the same process).
    let demo_home = temp.path().join("demo-home");
    let subs = subscriptions.to_string();
    let per = PER_SUBSCRIPTION.to_string();
    let demo = [
        "demo",
        "--subscriptions",
        &subs,
        "--clusters-per-subscription",
        &per,
        "--latency-ms",
        "0",
        "--render",
        &size,
        "--keys",
        "",
    ];
    let (time, peak) = child(&demo, &demo_home);
    out.push((
        "demo, no cache: list and details read, saved: time".into(),
        seconds(time),
    ));
    out.push(("demo, no cache: peak RSS".into(), megabytes(peak)));
    let (time, peak) = child(&demo, &demo_home);
    out.push(("demo, from its cache, then refreshed: time".into(), seconds(time)));
    out.push((
        "demo, from its cache, then refreshed: peak RSS (goal < 500 MB)".into(),
        megabytes(peak),
    ));

    // 5. In process, from the demo's snapshot.
    let store = Store::new(demo_home.join("cache").join("aksradar"));
    let key = format!("demo|{SEED}|{subscriptions}|{PER_SUBSCRIPTION}");
    let file = std::fs::metadata(store.path(&key))
        .expect("the demo saved its snapshot")
        .len();
    out.push(("snapshot on disk (goal < 60 MB at 100k)".into(), megabytes(file)));
    out.push((
        "snapshot on disk per cluster".into(),
        bytes(file as f64 / clusters as f64),
    ));
    dashboard(&store, &key, clusters, &mut out);
    drop(temp);
    out
}

/// Reads the fleet's list (no details) from the simulator: the time and the clusters read.
async fn list_read(sim: &Simulator, source: Source) -> (Duration, usize) {
    let credentials = Arc::new(Credentials::fixed("simulator"));
    let retry = RetryPolicy {
        timeout: Duration::from_secs(60),
        ..Default::default()
    };
    let client =
        ArmClient::new(&sim.url(), "https://management.azure.com/.default", credentials, retry).expect("client");
    let request = FleetRequest {
        subscriptions: vec![],
        source,
        concurrency: CONCURRENCY,
    };
    let started = Instant::now();
    let fleet = azure::fetch_fleet(Arc::new(client), &request, None).await;
    let elapsed = started.elapsed();
    assert!(
        fleet.errors.is_empty(),
        "{:?}",
        &fleet.errors[..fleet.errors.len().min(3)]
    );
    (elapsed, fleet.clusters.len())
}

/// The dashboard in this process: load, first frame, memory by part, keys.
fn dashboard(store: &Store, key: &str, clusters: usize, out: &mut Measures) {
    let config = Arc::new(Config::default());
    let keymap = Keymap::default();
    let theme = Theme { color: true };
    let now = time::OffsetDateTime::now_utc();
    let load = || match store.load(key) {
        Loaded::Hit(snapshot) => *snapshot,
        other => panic!("{other:?}"),
    };

    let mut loads = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let snapshot = load();
        loads.push(start.elapsed());
        assert_eq!(snapshot.clusters.len(), clusters);
    }
    loads.sort();
    out.push(("snapshot load (goal < 1 s)".into(), millis(loads[0])));

    let mut firsts = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let state = first_frame(load(), &config, &keymap, theme, now);
        firsts.push(start.elapsed());
        drop(state);
    }
    firsts.sort();
    out.push(("first frame from the cache (goal < 1 s)".into(), millis(firsts[0])));

    // Memory by part, in a fresh process of this bench: freed memory this process
    // still holds would hide what each part adds.
    let memory = Command::new(std::env::current_exe().expect("the bench's own path"))
        .env(MEMORY_CHILD, store.path(key))
        .env("AKSRADAR_SCALE_KEY", key)
        .output()
        .expect("the memory child runs");
    assert!(memory.status.success(), "{}", String::from_utf8_lossy(&memory.stderr));
    for line in String::from_utf8_lossy(&memory.stdout).lines() {
        if let Some((name, value)) = line.rsplit_once('\t')
            && let Ok(value) = value.parse::<f64>()
        {
            out.push((format!("memory per cluster: {name}"), bytes(value / clusters as f64)));
        }
    }

    let mut state = first_frame(load(), &config, &keymap, theme, now);
    update(&mut state, Action::Tick(now));
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");
    update(
        &mut state,
        Action::Resize {
            rows: ui::table_rows(Rect::new(0, 0, SIZE.0, SIZE.1)),
        },
    );
    terminal.draw(|f| ui::draw(f, &state, &keymap, theme)).expect("draw");
    let mut all = Vec::new();
    for (name, keys) in keys::scripts() {
        let mut times = Vec::new();
        let mut slowest: Vec<(Duration, usize)> = Vec::new();
        for (n, key) in parse_keys(&keys).expect("keys").into_iter().enumerate() {
            let start = Instant::now();
            if let Some(action) = key_action(&state, &keymap, key) {
                // Details are not fetched here: the effects are dropped.
                let _ = update(&mut state, action);
            }
            terminal.draw(|f| ui::draw(f, &state, &keymap, theme)).expect("draw");
            times.push(start.elapsed());
            slowest.push((start.elapsed(), n));
        }
        if std::env::var_os("AKSRADAR_SCALE_SLOWEST").is_some() {
            slowest.sort();
            eprintln!("{name}: slowest keys {:?}", &slowest[slowest.len().saturating_sub(3)..]);
        }
        times.sort();
        out.push((format!("key p99: {name}"), millis(percentile(&times, 0.99))));
        all.extend(times);
    }
    all.sort();
    out.push((format!("keys, all {}: p50", all.len()), millis(percentile(&all, 0.50))));
    out.push((
        format!("keys, all {}: p99 (goal < 5 ms)", all.len()),
        millis(percentile(&all, 0.99)),
    ));
    out.push((format!("keys, all {}: worst", all.len()), millis(all[all.len() - 1])));
}

/// What each part of the dashboard's data adds to the resident set, in bytes, one
/// `part\tbytes` line each: the clusters as loaded, the rules' findings, the table's
/// rows and the sort orders.
fn memory_by_part(path: &Path, key: &str) {
    let store = Store::new(path.parent().expect("the cache folder"));
    let config = Arc::new(Config::default());
    let now = time::OffsetDateTime::now_utc();
    let before = rss();
    let Loaded::Hit(snapshot) = store.load(key) else {
        panic!("no snapshot at {}", path.display())
    };
    let loaded = rss();
    // As the dashboard installs a snapshot: the clusters stay shared.
    let (fleet, clusters) = snapshot.into_parts();
    let subscriptions = fleet.subscriptions;
    let assessed = aksradar::rules::assess_shared(clusters, &config, now.date());
    let ruled = rss();
    let mut state = State::new(config.clone(), DataSource::Demo, now);
    state.subscriptions = subscriptions;
    state.set_fleet(assessed);
    let rows = rss();
    update(&mut state, Action::Tick(now));
    let ordered = rss();
    let parts = [
        ("clusters as loaded", before, loaded),
        ("findings and policy", loaded, ruled),
        ("table rows (cells, search text)", ruled, rows),
        ("sort orders (every column)", rows, ordered),
        ("in all", before, ordered),
    ];
    for (name, from, to) in parts {
        println!("{name}\t{}", to.saturating_sub(from));
    }
}

/// Load to the first frame, as the dashboard paints from its cache.
fn first_frame(
    snapshot: aksradar::cache::Snapshot,
    config: &Arc<Config>,
    keymap: &Keymap,
    theme: Theme,
    now: time::OffsetDateTime,
) -> State {
    let mut state = State::new(config.clone(), DataSource::Demo, now);
    apply_snapshot(&mut state, snapshot);
    update(
        &mut state,
        Action::Resize {
            rows: ui::table_rows(Rect::new(0, 0, SIZE.0, SIZE.1)),
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");
    terminal.draw(|f| ui::draw(f, &state, keymap, theme)).expect("draw");
    state
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// This process's resident set, from `/proc/self/status`.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS")
        * 1024
}

/// The best time and the lowest peak of `runs` runs of the binary.
fn best_of(runs: usize, args: &[&str], home: &Path) -> (Duration, u64) {
    let mut best = (Duration::MAX, u64::MAX);
    for _ in 0..runs {
        let (time, peak) = child(args, home);
        best = (best.0.min(time), best.1.min(peak));
    }
    best
}

/// Runs the binary with `home` as its home (cache, state and config inside it): its
/// wall time and peak resident memory.
fn child(args: &[&str], home: &Path) -> (Duration, u64) {
    let out = Command::new("python3")
        .args(["-c", WRAPPER, env!("CARGO_BIN_EXE_aksradar")])
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AKSRADAR_TOKEN", "simulator")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).expect("utf-8");
    let mut fields = line.split_whitespace();
    let elapsed: f64 = fields.next().and_then(|t| t.parse().ok()).expect("time");
    let kib: u64 = fields.next().and_then(|m| m.parse().ok()).expect("maxrss");
    (Duration::from_secs_f64(elapsed), kib * 1024)
}

fn show(v: Value) -> String {
    match v.unit {
        "s" => format!("{:>9.2} s ", v.value),
        "ms" => format!("{:>9.1} ms", v.value),
        "MB" => format!("{:>9.0} MB", v.value),
        _ => format!("{:>9.0} B ", v.value),
    }
}

/// Every measure, one row, one column per size, then the ratio of the last to the first.
fn print_table(all: &[(usize, Measures)]) {
    let Some((_, first)) = all.first() else { return };
    print!("\n{:<60}", "measure");
    for (clusters, _) in all {
        print!(" {:>12}", format!("{clusters}"));
    }
    println!("  {:>7}", "ratio");
    for (i, (name, _)) in first.iter().enumerate() {
        print!("{name:<60}");
        for (_, measures) in all {
            print!(" {:>12}", show(measures[i].1));
        }
        let (a, b) = (first[i].1.value, all[all.len() - 1].1[i].1.value);
        if all.len() > 1 && a > 0.0 {
            println!("  {:>6.1}x", b / a);
        } else {
            println!();
        }
    }
}
