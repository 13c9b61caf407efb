//! Hostile local files through the binary: inputs that are devices, FIFOs or huge;
//! cache and state files replaced by FIFOs and links; folders that are links; names
//! longer than a format width; echoed input; ids that do not parse; repeated ids.
//!
//! A command that would hang or read without end on a regression is stopped by a
//! generous timeout, so the test fails instead of hanging the suite; no time is
//! measured.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

use aksradar::sim::{SimOptions, Simulator};
use assert_cmd::Command;

const TOKEN: &str = "tok-hostile-files";
/// Only a hang reaches this: every command here ends in well under a second.
const HANG: Duration = Duration::from_secs(60);

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn aksradar(&self) -> Command {
        let mut cmd = Command::cargo_bin("aksradar").unwrap();
        let root = self.dir.path();
        cmd.env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("AKSRADAR_TOKEN", TOKEN)
            .env_remove("NO_COLOR")
            .timeout(HANG);
        cmd
    }

    fn live(&self, endpoint: &str) -> Command {
        let mut cmd = self.aksradar();
        cmd.args(["--endpoint", endpoint, "--auth", "token"]);
        cmd
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache").join("aksradar")
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state").join("aksradar")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The one file in `dir` whose name starts with `prefix`.
fn file_in(dir: &Path, prefix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix}* in {}", dir.display()))
        .path()
}

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

struct Sim {
    runtime: tokio::runtime::Runtime,
    sim: Option<Simulator>,
}

impl Sim {
    fn start() -> Sim {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let options = SimOptions {
            subscriptions: 2,
            clusters_per_subscription: 3,
            token: TOKEN.into(),
            ..Default::default()
        };
        let sim = runtime
            .block_on(Simulator::start("127.0.0.1:0".parse().unwrap(), options))
            .unwrap();
        Sim {
            runtime,
            sim: Some(sim),
        }
    }

    fn url(&self) -> String {
        self.sim.as_ref().unwrap().url()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.stop());
        }
    }
}

/// Puts something other than a snapshot at a path.
type Plant<'a> = dyn Fn(&Path) + 'a;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn clusters(json: &str) -> usize {
    let report: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    report["clusters"].as_array().unwrap().len()
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-fleet.json")
}

#[test]
fn scan_input_refuses_devices_and_fifos_with_exit_2_naming_the_file() {
    let home = Home::new();
    let pipe = home.path("export.json");
    fifo(&pipe);
    for input in [Path::new("/dev/zero"), Path::new("/dev/urandom"), pipe.as_path()] {
        let out = run(home.aksradar().args(["scan", "--input"]).arg(input));
        assert_eq!(out.code, Some(2), "{}: {}", input.display(), out.stderr);
        assert!(out.stderr.contains(&input.display().to_string()), "{}", out.stderr);
        assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
        assert!(out.stderr.contains("--input -"), "{}", out.stderr);
    }
}

#[test]
fn scan_input_refuses_a_file_past_the_limit_without_reading_it() {
    let home = Home::new();
    let huge = home.path("huge.json");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(aksradar::disk::INPUT_LIMIT + 1))
        .unwrap();
    let out = run(home.aksradar().args(["scan", "--input"]).arg(&huge));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("huge.json"), "{}", out.stderr);
    assert!(
        out.stderr.contains("larger than") && out.stderr.contains("512 MiB"),
        "{}",
        out.stderr
    );
}

#[test]
fn scan_input_dash_reads_standard_input_and_bounds_it() {
    let home = Home::new();
    let bytes = std::fs::read(sample()).unwrap();
    let out = run(home
        .aksradar()
        .args(["scan", "--format", "json", "--input", "-"])
        .write_stdin(bytes));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(clusters(&out.stdout), 10);
}

#[test]
fn a_fifo_or_a_link_at_the_snapshot_path_is_a_damaged_cache_and_the_live_read_goes_on() {
    let sim = Sim::start();
    let home = Home::new();
    let first = run(home.live(&sim.url()).args(["scan", "--format", "json"]));
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let snapshot = file_in(&home.cache_dir(), "snapshot-");
    let huge = home.path("huge.json");
    std::fs::File::create(&huge).and_then(|f| f.set_len(3 << 30)).unwrap();
    let plant: [(&str, &Plant<'_>); 3] = [
        ("a FIFO", &|p| fifo(p)),
        ("a symbolic link", &|p| symlink("/dev/zero", p).unwrap()),
        ("a symbolic link", &|p| symlink(&huge, p).unwrap()),
    ];
    for (what, plant) in plant {
        std::fs::remove_file(&snapshot).unwrap();
        plant(&snapshot);
        for extra in [&[][..], &["--max-age", "1h"][..]] {
            let out = run(home.live(&sim.url()).args(["scan", "--format", "json"]).args(extra));
            assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
            assert!(out.stderr.contains("the cache is damaged"), "{what}: {}", out.stderr);
            assert!(out.stderr.contains(what), "{what}: {}", out.stderr);
            assert!(out.stderr.contains("kept aside"), "{what}: {}", out.stderr);
            assert_eq!(clusters(&out.stdout), 6, "{what}: the live read went on");
            // The live read wrote a good snapshot in its place; plant the next one.
            std::fs::remove_file(&snapshot).unwrap();
            plant(&snapshot);
        }
        let offline = run(home.live(&sim.url()).args(["scan", "--offline"]));
        assert_eq!(
            offline.code,
            Some(2),
            "{what}: --offline has no cache now: {}",
            offline.stderr
        );
        assert!(offline.stderr.contains("the cache is damaged"), "{}", offline.stderr);
        std::fs::write(&snapshot, b"").unwrap();
    }
    assert_eq!(
        std::fs::metadata(&huge).unwrap().len(),
        3 << 30,
        "the link's target is left alone"
    );
}

#[test]
fn the_log_is_never_appended_through_a_link() {
    let sim = Sim::start();
    let home = Home::new();
    assert_eq!(run(home.live(&sim.url()).args(["scan"])).code, Some(0));
    let outside = home.path("bashrc");
    std::fs::write(&outside, b"original\n").unwrap();
    symlink(&outside, home.state_dir().join("aksradar.log")).unwrap();
    // A damaged snapshot makes a warning, which goes to stderr and the log.
    std::fs::write(file_in(&home.cache_dir(), "snapshot-"), b"{ damaged").unwrap();
    let out = run(home.live(&sim.url()).args(["scan"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("is damaged"), "{}", out.stderr);
    assert!(out.stderr.contains("not in the log"), "{}", out.stderr);
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        b"original\n",
        "nothing appended to the target"
    );
}

#[test]
fn a_cache_folder_that_is_a_link_is_refused_not_chmod_ed_and_the_read_goes_on() {
    let sim = Sim::start();
    let home = Home::new();
    let outside = home.path("shared");
    std::fs::create_dir(&outside).unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(home.dir.path().join("cache")).unwrap();
    symlink(&outside, home.cache_dir()).unwrap();
    let out = run(home.live(&sim.url()).args(["scan", "--format", "json"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(clusters(&out.stdout), 6);
    assert!(out.stderr.contains("is a symbolic link"), "{}", out.stderr);
    assert!(
        out.stderr.contains("remove the link"),
        "says what to do: {}",
        out.stderr
    );
    let mode = std::fs::metadata(&outside).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the outside folder keeps its mode");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "nothing written there");
}

#[test]
fn a_history_that_is_a_fifo_or_a_link_is_not_read_and_the_report_still_comes() {
    let sim = Sim::start();
    let home = Home::new();
    assert_eq!(run(home.live(&sim.url()).args(["scan"])).code, Some(0));
    let history = file_in(&home.state_dir(), "history-");
    let outside = home.path("other-history.jsonl");
    std::fs::copy(&history, &outside).unwrap();
    std::fs::remove_file(&history).unwrap();
    fifo(&history);
    // The cache is young: no live read, so the history is only read.
    let out = run(home
        .live(&sim.url())
        .args(["scan", "--changes", "--max-age", "1h", "--format", "json"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(clusters(&out.stdout), 6);
    assert!(
        out.stderr.contains("a FIFO") && out.stderr.contains("kept aside"),
        "{}",
        out.stderr
    );

    symlink(&outside, &history).unwrap();
    let out = run(home.live(&sim.url()).args(["scan", "--changes", "--format", "json"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        report.get("changes").is_none(),
        "no changes from a history that is not ours"
    );
    assert_eq!(
        std::fs::read_to_string(&history).unwrap().lines().count(),
        1,
        "a new history starts; the linked one was not copied in"
    );
    assert!(!std::fs::symlink_metadata(&history).unwrap().file_type().is_symlink());
}

#[test]
fn a_remembered_view_that_is_a_fifo_does_not_hang_the_dashboard() {
    let home = Home::new();
    std::fs::create_dir_all(home.state_dir()).unwrap();
    fifo(&home.state_dir().join("dashboard.json"));
    let out = run(home
        .aksradar()
        .args(["--render", "200x20", "--keys", "", "--input"])
        .arg(sample()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("aks-payments-prod-weu"), "{}", out.stdout);
    assert!(
        out.stderr.contains("remembered view") && out.stderr.contains("FIFO"),
        "{}",
        out.stderr
    );
}

fn long_fleet(home: &Home) -> PathBuf {
    let long = |c: char| c.to_string().repeat(70_000);
    let cluster = serde_json::json!([{
        "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            long('s'), long('g'), long('n')),
        "type": "Microsoft.ContainerService/managedClusters",
        "name": long('n'),
        "location": long('l'),
        "properties": {
            "kubernetesVersion": format!("1.{}", "3".repeat(70_000)),
            "autoUpgradeProfile": { "upgradeChannel": long('u'), "nodeOSUpgradeChannel": long('o') }
        }
    }]);
    let path = home.path("long.json");
    std::fs::write(&path, cluster.to_string()).unwrap();
    path
}

#[test]
fn names_longer_than_a_format_width_never_panic_in_any_format() {
    let home = Home::new();
    let input = long_fleet(&home);
    for format in ["table", "json", "csv", "markdown", "sarif"] {
        let out = run(home
            .aksradar()
            .args(["scan", "--format", format, "--input"])
            .arg(&input));
        assert_eq!(out.code, Some(0), "{format}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{format}: {}", out.stderr);
    }
    let table = run(home.aksradar().args(["scan", "--input"]).arg(&input)).stdout;
    assert!(table.contains(&format!("{}…", "n".repeat(100))), "cut for display");
    for format in ["cli", "bicep", "arm", "policy", "terraform"] {
        let out = run(home
            .aksradar()
            .args(["remediate", "--format", format, "--input"])
            .arg(&input));
        assert_eq!(out.code, Some(0), "{format}: {}", out.stderr);
    }
}

#[test]
fn a_huge_config_value_and_filter_term_are_echoed_clipped() {
    let home = Home::new();
    let config = home.path("config.toml");
    std::fs::write(
        &config,
        format!("[rules]\nkubernetes_minimum_version = \"{}\"\n", "9".repeat(5 << 20)),
    )
    .unwrap();
    let out = run(home
        .aksradar()
        .arg("--config")
        .arg(&config)
        .args(["scan", "--input"])
        .arg(sample()));
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.len() < 1_000, "{} bytes on stderr", out.stderr.len());
    assert!(
        out.stderr.contains(":2:") && out.stderr.contains("(5242880 characters)"),
        "{}",
        out.stderr
    );

    let term = format!("k8s:<{}", "y".repeat(100_000));
    let out = run(home
        .aksradar()
        .args(["scan", "--filter", &term, "--input"])
        .arg(sample()));
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.len() < 1_000, "{} bytes on stderr", out.stderr.len());
    assert!(out.stderr.contains("characters)"), "{}", out.stderr);
}

#[test]
fn a_config_that_is_not_utf8_names_the_line_and_column_once() {
    let home = Home::new();
    let config = home.path("config.toml");
    std::fs::write(&config, b"auth = \"auto\"\nconcurrency = 4 # \xff\n").unwrap();
    let out = run(home
        .aksradar()
        .arg("--config")
        .arg(&config)
        .args(["scan", "--input"])
        .arg(sample()));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("config.toml:2:19: the file is not UTF-8"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("UTF-8").count(), 2, "one message: {}", out.stderr);
}

#[test]
fn a_filter_may_start_with_a_hyphen_and_a_double_negation_is_an_error() {
    let home = Home::new();
    for args in [&["--filter", "-weu"][..], &["--filter=-weu"][..]] {
        let out = run(home
            .aksradar()
            .args(["scan", "--format", "json"])
            .args(args)
            .arg("--input")
            .arg(sample()));
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        assert!(
            clusters(&out.stdout) >= 1,
            "{args:?}: the word matches names ending in -weu"
        );
    }
    let out = run(home
        .aksradar()
        .args(["scan", "--filter", "!!prod", "--input"])
        .arg(sample()));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("`!!prod`") && out.stderr.contains("negate a term once"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_id_that_does_not_parse_is_reported_and_gets_no_fix() {
    let home = Home::new();
    let input = home.path("bad-id.json");
    let cluster = |id: &str, name: &str| {
        serde_json::json!({
            "id": id, "name": name, "type": "Microsoft.ContainerService/managedClusters",
            "properties": { "kubernetesVersion": "1.30.1", "autoUpgradeProfile": { "nodeOSUpgradeChannel": "None" } }
        })
    };
    let fleet = serde_json::json!([
        cluster(
            "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/good",
            "good"
        ),
        cluster(
            "/subscriptions//resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/bad",
            "bad"
        ),
    ]);
    std::fs::write(&input, fleet.to_string()).unwrap();
    let out = run(home
        .aksradar()
        .args(["scan", "--format", "json", "--input"])
        .arg(&input));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["good"]);
    let error = &report["errors"][0];
    assert_eq!(error["code"], "InvalidResourceId");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("bad-id.json") && message.contains("$[1].id"),
        "{message}"
    );
    assert!(message.contains("no subscription id"), "{message}");
    assert!(out.stderr.contains("1 cluster left out"), "{}", out.stderr);

    let script = run(home.aksradar().args(["remediate", "--input"]).arg(&input)).stdout;
    assert!(script.contains("-n good"), "{script}");
    assert!(
        !script.to_ascii_lowercase().contains("--subscription resourcegroups"),
        "no guessed subscription: {script}"
    );
    assert!(!script.contains("-n bad"), "{script}");
}

#[test]
fn five_objects_with_one_id_are_one_cluster_and_four_duplicates() {
    let home = Home::new();
    let input = home.path("repeated.json");
    let id = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
    let fleet: Vec<serde_json::Value> = (1..=5)
        .map(|i| {
            serde_json::json!({
                "id": id, "name": "aks", "type": "Microsoft.ContainerService/managedClusters",
                "properties": { "kubernetesVersion": format!("1.3{i}.0") }
            })
        })
        .collect();
    std::fs::write(&input, serde_json::to_string(&fleet).unwrap()).unwrap();
    let out = run(home
        .aksradar()
        .args(["scan", "--format", "json", "--input"])
        .arg(&input));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["clusters"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["clusters"][0]["kubernetesVersion"], "1.35.0",
        "the later copy is kept"
    );
    assert_eq!(report["duplicates"], 4);
    assert!(
        out.stderr.contains("4 clusters repeated an id read before"),
        "{}",
        out.stderr
    );
    let table = run(home.aksradar().args(["scan", "--input"]).arg(&input)).stdout;
    let words = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("4 clusters repeated an id read before"), "{table}");
}
