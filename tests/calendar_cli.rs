//! The upgrade calendar through the binary: `scan` over exported files (clusters with
//! their maintenance configurations, and a Resource Graph export of events) and over
//! `aksradar simulate`, the calendar's filter terms, and `info`.
//!
//! The binary runs on the real clock, so these assert what holds on any day after the
//! fixtures' dates: 1.27 stays out of support, a September image stays behind a
//! November one, a weekly window keeps opening.

mod simulate;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn aksradar() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    let home = env!("CARGO_TARGET_TMPDIR");
    cmd.env("XDG_CONFIG_HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("XDG_STATE_HOME", home)
        .env("HOME", home);
    cmd.env_remove("AKSRADAR_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("IDENTITY_ENDPOINT");
    cmd
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("aksradar runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn names(report: &Value) -> Vec<&str> {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

fn scan_files(extra: &[&str]) -> Value {
    json_of(
        aksradar()
            .args(["scan", "--format", "json", "--input"])
            .arg(fixture("calendar-export.json"))
            .arg("--input")
            .arg(fixture("resource-graph-events.json"))
            .args(extra),
    )
}

#[test]
fn scan_over_files_reports_support_windows_events_and_insights() {
    let report = scan_files(&[]);
    let mut read = names(&report);
    read.sort();
    assert_eq!(read, ["aks-new", "aks-old"], "events are not clusters");
    let old = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aks-old")
        .unwrap();
    let new = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aks-new")
        .unwrap();
    assert_eq!(old["support"]["state"], "out-of-support");
    assert_eq!(old["support"]["ends"], "2024-07-31", "Jul 2024 is its last day");
    assert_eq!(old["support"]["source"], "calendar");
    assert_eq!(old["support"]["forcedUpgrade"], false, "no region read: not known");

    let now = time::OffsetDateTime::now_utc();
    let windows = old["nextWindows"].as_object().expect("read from the export");
    let node_os = &windows["aksManagedNodeOSUpgradeSchedule"];
    let start = time::OffsetDateTime::parse(
        node_os["start"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        start + time::Duration::hours(4) > now && start - now < time::Duration::days(7),
        "{start}"
    );
    assert_eq!(
        start.weekday(),
        time::Weekday::Saturday,
        "Sunday 00:00 +01:00 is Saturday 23:00 UTC"
    );
    assert_eq!(node_os["utcOffset"], "+01:00");
    assert!(
        windows["aksManagedAutoUpgradeSchedule"]["problem"]
            .as_str()
            .unwrap()
            .contains("startTime: `25:00` is not a time of day"),
        "{}",
        windows["aksManagedAutoUpgradeSchedule"]
    );
    assert_eq!(new["nextWindows"], serde_json::json!({}), "none configured");

    let insights: Vec<(&str, &str)> = report["insights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        insights,
        [
            ("aks-old", "out-of-support"),
            ("aks-old", "failed-upgrade"),
            ("aks-old", "stale-image")
        ]
    );
    let stale = &report["insights"][2];
    assert_eq!(stale["subject"], "system");
    assert!(
        stale["message"]
            .as_str()
            .unwrap()
            .contains("56 days behind the newest of its family the fleet runs in its region"),
        "{stale}"
    );
    let events: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventId"].as_str().unwrap())
        .collect();
    // Cluster by cluster in the report's order (worst first: aks-new, then aks-old),
    // each cluster's newest first.
    assert_eq!(events, ["4e5f", "2c3d", "0a1b"], "per cluster, newest first");
    assert_eq!(
        report["events"][1]["details"],
        "Drain failed: eviction blocked by a PodDisruptionBudget."
    );
    // Insights change no verdict: the findings of aks-old are PSRule's alone.
    assert!(
        old["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"].as_str().unwrap().starts_with("Azure.AKS."))
    );
}

#[test]
fn the_calendar_filter_terms_pick_clusters_on_the_command_line() {
    let cases = [
        ("support:out", vec!["aks-old"]),
        ("!support:out", vec!["aks-new"]),
        ("insight:stale-image", vec!["aks-old"]),
        ("insight:failed-upgrade,eol-soon", vec!["aks-old"]),
        ("window:none", vec!["aks-new"]),
        ("window:<8d", vec!["aks-old"]),
    ];
    for (filter, want) in cases {
        let report = scan_files(&["--filter", filter]);
        assert_eq!(names(&report), want, "{filter}");
    }
    let out = aksradar()
        .args(["scan", "--filter", "support:soon", "--input"])
        .arg(fixture("calendar-export.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`soon` is not one of"));
}

#[test]
fn the_dashboard_s_calendar_terms_pick_what_scan_s_pick() {
    let names_on_screen = |screen: &str| -> Vec<String> {
        let mut names: Vec<String> = screen
            .lines()
            .filter_map(|line| line.split_whitespace().find(|word| word.starts_with("aks-")))
            .map(String::from)
            .collect();
        names.sort();
        names
    };
    for filter in [
        "support:out",
        "!support:out",
        "support:<400d",
        "insight:stale-image",
        "insight:any",
        "window:none",
        "window:<8d",
        "window:unknown",
    ] {
        let mut by_scan: Vec<String> = names(&scan_files(&["--filter", filter]))
            .into_iter()
            .map(String::from)
            .collect();
        by_scan.sort();
        let out = aksradar()
            .arg("--input")
            .arg(fixture("calendar-export.json"))
            .arg("--input")
            .arg(fixture("resource-graph-events.json"))
            .args(["--render", "220x30", "--keys"])
            .arg(format!("/{}<Enter>", filter.replace('<', "<lt>")))
            .output()
            .expect("aksradar runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let screen = String::from_utf8(out.stdout).expect("utf-8");
        assert_eq!(names_on_screen(&screen), by_scan, "{filter}\n{screen}");
    }
}

#[test]
fn csv_and_markdown_carry_a_support_column() {
    let out = aksradar()
        .args(["scan", "--format", "csv", "--input"])
        .arg(fixture("calendar-export.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().ends_with(",support,supportEnds,stale,asOf"));
    assert!(
        lines.any(|l| l.contains(",aks-old,") && l.ends_with(",out-of-support,2024-07-31,false,")),
        "{text}"
    );
    let out = aksradar()
        .args(["scan", "--format", "markdown", "--input"])
        .arg(fixture("calendar-export.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("| Kubernetes | Support |"), "{text}");
    assert!(text.contains("| 1.27.9 | out of support |"), "{text}");
    assert!(text.contains("## Upgrade insights"), "{text}");
}

#[test]
fn info_shows_the_built_in_support_calendar_s_age() {
    let out = aksradar().arg("info").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("support calendar: built in (assets/kubernetes-support.toml), read 2026-11-29, "),
        "{text}"
    );
}

/// `aksradar simulate` in the background, killed when dropped.
struct Served {
    _running: simulate::Running,
    url: String,
}

fn simulate(args: &[&str]) -> Served {
    let (running, lines) = simulate::start(aksradar().args(["simulate", "--listen", "127.0.0.1:0"]).args(args), 1);
    Served {
        _running: running,
        url: simulate::url(&lines[0]),
    }
}

#[test]
fn a_live_scan_reads_events_and_works_out_every_cluster_s_calendar() {
    let served = simulate(&[
        "--subscriptions",
        "2",
        "--clusters-per-subscription",
        "25",
        "--seed",
        "4",
    ]);
    let scan = |extra: &[&str]| {
        json_of(
            aksradar()
                .env("AKSRADAR_TOKEN", "simulator")
                .args([
                    "--endpoint",
                    &served.url,
                    "--auth",
                    "token",
                    "scan",
                    "--details",
                    "--format",
                    "json",
                ])
                .args(extra),
        )
    };
    let report = scan(&[]);
    assert_eq!(report["errors"], serde_json::json!([]), "{}", report["errors"]);
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 50);
    for cluster in clusters {
        assert!(cluster["support"]["state"].is_string(), "{}", cluster["name"]);
        assert!(
            cluster["support"]["source"].is_string(),
            "the region was read: {}",
            cluster["support"]
        );
        assert!(cluster["nextWindows"].is_object(), "details read its windows");
    }
    let events = report["events"].as_array().expect("events were read");
    assert!(!events.is_empty());
    let ids: Vec<&str> = clusters.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(events.iter().all(|e| ids.contains(&e["clusterId"].as_str().unwrap())));
    let kinds: Vec<&str> = report["insights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    // The simulator's regions no longer list 1.30, and some clusters still run it.
    assert!(
        kinds.contains(&"out-of-support") && kinds.contains(&"forced-upgrade"),
        "{kinds:?}"
    );

    let forced = scan(&["--filter", "support:forced"]);
    let forced = forced["clusters"].as_array().unwrap();
    assert!(!forced.is_empty());
    assert!(forced.iter().all(|c| c["support"]["forcedUpgrade"] == true));
}
