//! The dashboard through the binary's headless render: the same filter as `scan
//! --filter`, keys remapped in config, the batch fix equal to `remediate --filter`,
//! the demo answering keys, and judging its fleet as `scan` does, details and all.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn aksradar(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"));
    cmd
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-fleet.json")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Cluster names in a rendered table (rows start with the name after the markers).
fn names_on_screen(screen: &str) -> BTreeSet<String> {
    screen
        .lines()
        .filter_map(|line| line.split_whitespace().find(|word| word.starts_with("aks-")))
        .map(String::from)
        .collect()
}

#[test]
fn the_dashboard_filter_and_scan_filter_pick_the_same_clusters() {
    let home = tempfile::tempdir().unwrap();
    for filter in [
        "channel:unmanaged,none",
        "k8s:<1.33.7",
        "!fail:NodeAutoUpgrade",
        "prod loc:eastus",
        "tag:team=data",
    ] {
        let json = run(aksradar(home.path())
            .args(["scan", "--format", "json", "--filter", filter, "--input"])
            .arg(sample()));
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        let by_scan: BTreeSet<String> = report["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        assert!(!by_scan.is_empty(), "{filter} picks something");
        let keys = format!("/{}<Enter>", filter.replace('<', "<lt>"));
        let screen = run(aksradar(home.path())
            .arg("--input")
            .arg(sample())
            .args(["--render", "220x40", "--keys", &keys]));
        assert_eq!(names_on_screen(&screen), by_scan, "{filter}\n{screen}");
    }
}

#[test]
fn a_bad_filter_on_the_command_line_names_the_term() {
    let home = tempfile::tempdir().unwrap();
    let out = aksradar(home.path())
        .args(["scan", "--filter", "channel:weekly", "--input"])
        .arg(sample())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`channel:weekly`"));
}

#[test]
fn keys_remapped_in_config_drive_the_dashboard_and_show_in_help() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("keys.toml");
    std::fs::write(&config, "[keys]\ndown = [\"n\", \"<Down>\"]\nrefresh = \"R\"\n").unwrap();
    let with = |keys: &str, config: Option<&PathBuf>| {
        let mut cmd = aksradar(home.path());
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        run(cmd
            .arg("--input")
            .arg(sample())
            .args(["--render", "160x45", "--keys", keys]))
    };
    let default = with("jj<Enter>", None);
    let remapped = with("nn<Enter>", Some(&config));
    assert_eq!(
        default.lines().nth(4),
        remapped.lines().nth(4),
        "n moves like j did:\n{remapped}"
    );
    let unmoved = with("jj<Enter>", Some(&config));
    assert_ne!(unmoved.lines().nth(4), remapped.lines().nth(4), "j is no longer bound");
    let help = with("?", Some(&config));
    let refresh = help
        .lines()
        .find(|l| l.contains("read the fleet again"))
        .expect("refresh in help");
    assert!(refresh.contains('R') && !refresh.contains(" r "), "{refresh}");
}

#[test]
fn the_batch_fix_is_the_same_text_as_remediate_filter() {
    let home = tempfile::tempdir().unwrap();
    let filter = "channel:unmanaged";
    let script = run(aksradar(home.path())
        .args(["remediate", "--filter", filter, "--input"])
        .arg(sample()));
    let dir = home.path().join("work");
    std::fs::create_dir_all(&dir).unwrap();
    let keys = format!("/{filter}<Enter>Fw");
    run(aksradar(home.path())
        .current_dir(&dir)
        .arg("--input")
        .arg(sample())
        .args(["--render", "160x45", "--keys", &keys]));
    let written: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(written.len(), 1, "one file written");
    let name = written[0].file_name().to_string_lossy().to_string();
    assert!(name.starts_with("aksradar-fix-") && name.ends_with(".sh"), "{name}");
    // The same script, its usage comment naming the file it was written to.
    let expected = script.replace("bash aksradar-fix.sh", &format!("bash {name}"));
    assert_ne!(expected, script, "the script has a usage comment");
    assert_eq!(std::fs::read_to_string(written[0].path()).unwrap(), expected);
}

#[test]
fn the_demo_renders_headless_after_its_first_load() {
    let home = tempfile::tempdir().unwrap();
    let screen = run(aksradar(home.path()).args([
        "demo",
        "--subscriptions",
        "2",
        "--clusters-per-subscription",
        "4",
        "--latency-ms",
        "0",
        "--render",
        "140x30",
        "--keys",
        "2",
    ]));
    assert!(screen.contains("DEMO"), "{screen}");
    assert!(
        screen.contains("Contoso"),
        "the subscriptions view lists subscriptions:\n{screen}"
    );
}

#[test]
fn scan_lists_clusters_in_the_dashboard_s_default_order() {
    let home = tempfile::tempdir().unwrap();
    let json = run(aksradar(home.path())
        .args(["scan", "--format", "json", "--input"])
        .arg(sample()));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let by_scan: Vec<String> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    let screen = run(aksradar(home.path())
        .arg("--input")
        .arg(sample())
        .args(["--render", "220x60", "--keys", ""]));
    let on_screen: Vec<String> = screen
        .lines()
        .filter_map(|line| line.split_whitespace().find(|word| word.starts_with("aks-")))
        .map(String::from)
        .collect();
    assert!(by_scan.len() > 3 && on_screen.len() == by_scan.len(), "{screen}");
    assert_eq!(on_screen, by_scan, "worst first in both");
}

#[test]
fn esc_goes_back_and_a_stray_esc_keeps_the_filter() {
    let home = tempfile::tempdir().unwrap();
    let render = |keys: &str| {
        run(aksradar(home.path())
            .arg("--input")
            .arg(sample())
            .args(["--render", "160x45", "--keys", keys]))
    };
    let filtered = render("/prod<Enter>");
    let after_esc = render("/prod<Enter><Esc>");
    assert_eq!(names_on_screen(&filtered), names_on_screen(&after_esc));
    assert!(
        after_esc.contains("filter prod"),
        "the header shows the filter:\n{after_esc}"
    );
    // Into a cluster and back: the table, as it was.
    let back = render("/prod<Enter>j<Enter><Esc>");
    assert_eq!(names_on_screen(&back), names_on_screen(&filtered));
}

/// Each row of a rendered table: the cluster's name and its verdict (`Fail (4)`, `Pass`).
fn verdicts_on_screen(screen: &str) -> Vec<(String, String)> {
    screen
        .lines()
        .filter_map(|line| {
            let name = line.split_whitespace().find(|word| word.starts_with("aks-"))?;
            let line = line.trim_end();
            let verdict = match line.rfind("Fail (") {
                Some(at) if line.ends_with(')') => &line[at..],
                _ => line.rsplit(' ').next()?,
            };
            Some((name.to_string(), verdict.to_string()))
        })
        .collect()
}

/// The whole-fleet read of issue 10, through the real dashboard loop: the demo reads
/// every cluster's details in its refresh (nothing is left unknown for want of them),
/// so its verdicts are the ones `scan` gives the same simulated fleet; opening a
/// cluster shows the verdict its row showed, and coming back leaves every row as it was.
#[test]
fn the_demo_judges_every_cluster_as_scan_does_and_opening_one_moves_no_verdict() {
    let home = tempfile::tempdir().unwrap();
    let render = |keys: &str| {
        run(aksradar(home.path()).args([
            "demo",
            "--subscriptions",
            "2",
            "--clusters-per-subscription",
            "4",
            "--latency-ms",
            "0",
            "--render",
            "160x30",
            "--keys",
            keys,
        ]))
    };
    let table = render("");
    let rows = verdicts_on_screen(&table);
    assert_eq!(rows.len(), 8, "{table}");
    assert!(!table.lines().next().unwrap_or_default().contains("unknown"), "{table}");

    // `scan` over the same simulated fleet (the demo's seed and size).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(aksradar::sim::Simulator::start(
            "127.0.0.1:0".parse().unwrap(),
            aksradar::sim::SimOptions {
                subscriptions: 2,
                clusters_per_subscription: 4,
                seed: 1,
                ..Default::default()
            },
        ))
        .unwrap();
    let json = run(aksradar(home.path()).env("AKSRADAR_TOKEN", "simulator").args([
        "--endpoint",
        &sim.url(),
        "--auth",
        "token",
        "scan",
        "--format",
        "json",
    ]));
    runtime.block_on(sim.stop());
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["summary"]["unknown"], 0, "every detail was read");
    let mut by_scan: Vec<(String, String)> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let failing = c["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["outcome"] == "Fail")
                .count();
            let verdict = match c["verdict"].as_str().unwrap() {
                "Fail" => format!("Fail ({failing})"),
                other => other.to_string(),
            };
            (c["name"].as_str().unwrap().to_string(), verdict)
        })
        .collect();
    let mut on_screen = rows.clone();
    by_scan.sort();
    on_screen.sort();
    assert_eq!(on_screen, by_scan, "the dashboard and scan judge the same data");

    for (at, (name, verdict)) in rows.iter().enumerate().take(3) {
        let opened = render(&format!("{}<Enter>", "j".repeat(at)));
        // The view's title is the first line under the header's rule.
        let title = opened
            .lines()
            .skip_while(|l| !l.starts_with('─'))
            .nth(1)
            .unwrap_or_default();
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(title.starts_with(&format!("{name} {verdict}")), "{opened}");
    }
    let back = render("<Enter><Esc>j<Enter><Esc>jj<Enter><Esc>");
    assert_eq!(verdicts_on_screen(&back), rows, "{back}");
}
