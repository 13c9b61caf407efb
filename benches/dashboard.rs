//! `cargo bench --bench dashboard`: the dashboard with 10,000 clusters (the demo's
//! fleet at 100 subscriptions x 100 clusters).
//!
//! 1. First frame from the cache: load the snapshot, build the state, draw once.
//! 2. One key: `update` plus drawing the frame, for moves, filter keystrokes and line
//!    editing, `:` commands, sorts (cycling and direct), opening a cluster or a
//!    subscription and coming back with Esc, the fix popup; the 50th, 99th percentile
//!    and worst.
//! 3. One frame alone (no key): the clusters table paged into the fleet, and the
//!    subscriptions view of 5,000 subscriptions (what two unit tests used to time).
//!
//! Drawing goes to ratatui's `TestBackend` (160x45), which does what a terminal
//! backend does except writing bytes to a tty.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aksradar::app::keymap::parse_keys;
use aksradar::app::state::DataSource;
use aksradar::app::update::{apply_snapshot, key_action};
use aksradar::app::{Keymap, State, update};
use aksradar::cache::{self, Loaded, Store};
use aksradar::config::Config;
use aksradar::import::{Element, read_element};
use aksradar::model::{Fleet, SubscriptionState};
use aksradar::sim::{SimOptions, fleet::SimFleet};
use aksradar::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

#[path = "common/keys.rs"]
mod keys;

fn main() {
    let options = SimOptions {
        subscriptions: 100,
        clusters_per_subscription: 100,
        ..Default::default()
    };
    let sim = SimFleet::generate(&options);
    let mut fleet = Fleet::default();
    for (i, value) in sim.cluster_values().enumerate() {
        if let Ok(Element::Cluster(cluster)) = read_element(value, &format!("$[{i}]")) {
            fleet.clusters.push(*cluster);
        }
    }
    fleet.subscriptions = sim
        .subscriptions
        .iter()
        .map(|s| SubscriptionState {
            id: s.id.clone(),
            name: Some(s.display_name.clone()),
            fetched_at: None,
            error: None,
        })
        .collect();
    let clusters = fleet.clusters.len();
    drop(sim);
    let now = time::OffsetDateTime::now_utc();
    let snapshot = cache::merge(None, fleet, "bench-dashboard", now);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/dashboard-cache");
    let store = Store::new(&dir);
    store.save(&snapshot).expect("save");
    drop(snapshot);
    let config = Arc::new(Config::default());
    let keymap = Keymap::default();
    let theme = Theme { color: true };
    let (width, height) = (160, 45);

    // 1. Cold start to first frame, from the cache.
    let mut first = Vec::new();
    let mut state = None;
    for _ in 0..7 {
        let start = Instant::now();
        let Loaded::Hit(snapshot) = store.load("bench-dashboard") else {
            panic!("cache miss")
        };
        let mut s = State::new(config.clone(), DataSource::Demo, now);
        apply_snapshot(&mut s, *snapshot);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        update(
            &mut s,
            aksradar::app::Action::Resize {
                rows: ui::table_rows(Rect::new(0, 0, width, height)),
            },
        );
        terminal.draw(|f| ui::draw(f, &s, &keymap, theme)).expect("draw");
        first.push(start.elapsed());
        state = Some(s);
    }
    first.sort();
    let mut state = state.expect("a state");
    {
        // Where the first frame's time goes, once.
        let start = Instant::now();
        let Loaded::Hit(snapshot) = store.load("bench-dashboard") else {
            panic!("cache miss")
        };
        let loaded = start.elapsed();
        let mut s = State::new(config.clone(), DataSource::Demo, now);
        let fleet = snapshot.into_fleet();
        let assessed = aksradar::rules::assess(fleet.clusters, &config, now.date());
        let ruled = start.elapsed();
        s.set_fleet(assessed);
        let applied = start.elapsed();
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        terminal.draw(|f| ui::draw(f, &s, &keymap, theme)).expect("draw");
        let drawn = start.elapsed();
        println!(
            "  of which: load the snapshot {:.1} ms, rules {:.1} ms, rows, order and counts {:.1} ms, draw {:.1} ms",
            ms(loaded),
            ms(ruled - loaded),
            ms(applied - ruled),
            ms(drawn - applied)
        );
    }
    println!(
        "{clusters} clusters; first frame from the cache: median {:.1} ms, best {:.1} ms (goal < 100 ms)",
        ms(first[3]),
        ms(first[0])
    );

    // 2. Keys. The loop's slow tick comes within a second of new data and orders the
    // fleet by every column while the user reads the screen; the bench does the same.
    update(&mut state, aksradar::app::Action::Tick(now));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| ui::draw(f, &state, &keymap, theme)).expect("draw");
    let scripts = keys::scripts();
    println!(
        "{:<32} {:>6} {:>8} {:>8} {:>8}",
        "keys (update + draw)", "n", "p50", "p99", "max"
    );
    let mut all = Vec::new();
    for (name, keys) in scripts {
        let mut times = Vec::new();
        for key in parse_keys(&keys).expect("keys") {
            let start = Instant::now();
            if let Some(action) = key_action(&state, &keymap, key) {
                // Details are not fetched here: the effects are dropped.
                let _ = update(&mut state, action);
            }
            terminal.draw(|f| ui::draw(f, &state, &keymap, theme)).expect("draw");
            times.push(start.elapsed());
        }
        report(name, &mut times);
        all.extend(times);
    }
    report("all keys", &mut all);

    // 3. Frames alone, the fastest of a few: what `a_frame_of_ten_thousand_clusters`
    // and the subscriptions-view unit test timed before (now correctness checks only).
    let frame_times = |state: &State, terminal: &mut Terminal<TestBackend>| -> Vec<Duration> {
        (0..50)
            .map(|_| {
                let start = Instant::now();
                terminal.draw(|f| ui::draw(f, state, &keymap, theme)).expect("draw");
                start.elapsed()
            })
            .collect()
    };
    let _ = update(
        &mut state,
        aksradar::app::Action::Command(aksradar::app::Command::ClustersView),
    );
    for _ in 0..2 {
        let _ = update(
            &mut state,
            aksradar::app::Action::Command(aksradar::app::Command::PageDown),
        );
    }
    let mut times = frame_times(&state, &mut terminal);
    report("frame: 10,000-cluster table", &mut times);
    let mut subscriptions = State::new(config.clone(), DataSource::Demo, now);
    subscriptions.subscriptions = (0..5_000)
        .map(|i| SubscriptionState {
            id: format!("{i:08}-0000-0000-0000-000000000000"),
            name: Some(format!("subscription {i}")),
            fetched_at: Some(now),
            error: None,
        })
        .collect();
    subscriptions.set_fleet(Vec::new());
    let _ = update(
        &mut subscriptions,
        aksradar::app::Action::Command(aksradar::app::Command::SubscriptionsView),
    );
    let _ = update(
        &mut subscriptions,
        aksradar::app::Action::Command(aksradar::app::Command::PageDown),
    );
    let mut times = frame_times(&subscriptions, &mut terminal);
    report("frame: 5,000 subscriptions", &mut times);

    // 3. Memory of the real thing: `aksradar demo` at 10,000 clusters, headless, its
    // simulator in the same process; first with no cache, then painting from it.
    let home = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/demo-home");
    let _ = std::fs::remove_dir_all(&home);
    for label in ["demo, no cache yet", "demo, painted from its cache"] {
        let (elapsed, peak) = demo_peak(&home);
        println!(
            "{label:<32} peak RSS {:.0} MB (goal < 150 MB), {:.1} s to load 10,000 clusters and exit",
            peak as f64 / 1e6,
            elapsed
        );
    }
}

/// Runs `aksradar demo` headless under a small Python wrapper that reports the child's
/// peak resident set (`ru_maxrss`) and wall time.
fn demo_peak(home: &std::path::Path) -> (f64, u64) {
    let wrapper = "import resource, subprocess, sys, time\nstart = time.perf_counter()\nsubprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\nprint(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    let out = std::process::Command::new("python3")
        .args(["-c", wrapper, env!("CARGO_BIN_EXE_aksradar")])
        .args([
            "demo",
            "--subscriptions",
            "100",
            "--clusters-per-subscription",
            "100",
            "--latency-ms",
            "0",
        ])
        .args(["--render", "160x45", "--keys", "jjj/prod<Enter>s<Enter>"])
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).expect("utf-8");
    let mut fields = line.split_whitespace();
    let elapsed: f64 = fields.next().and_then(|t| t.parse().ok()).expect("time");
    let kib: u64 = fields.next().and_then(|m| m.parse().ok()).expect("maxrss");
    (elapsed, kib * 1024)
}

fn report(name: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{name:<32} {:>6} {:>6.2}ms {:>6.2}ms {:>6.2}ms",
        times.len(),
        ms(at(0.50)),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
