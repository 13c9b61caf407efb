//! The cache and the history through the binary: last-known-good rows after a failed
//! refresh, `--offline`, `--max-age`, `--changes`, and no token on disk.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use aksradar::sim::{SimOptions, Simulator};

const TOKEN: &str = "tok-7c1e5a0d9b3f-never-on-disk";

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn aksradar(&self, endpoint: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
        let root = self.dir.path();
        cmd.env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("AKSRADAR_TOKEN", TOKEN)
            .args(["--endpoint", endpoint, "--auth", "token"]);
        cmd
    }

    fn scan(&self, endpoint: &str, extra: &[&str]) -> serde_json::Value {
        let out = self
            .aksradar(endpoint)
            .args(["scan", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Exit 3 exactly when something could not be read; the report still comes.
        let incomplete = !report["errors"].as_array().unwrap().is_empty();
        assert_eq!(
            out.status.code(),
            Some(if incomplete { 3 } else { 0 }),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        report
    }
}

fn options(seed: u64, forbidden: usize) -> SimOptions {
    SimOptions {
        subscriptions: 3,
        clusters_per_subscription: 4,
        seed,
        forbidden_subscriptions: forbidden,
        token: TOKEN.into(),
        ..Default::default()
    }
}

fn ids(report: &serde_json::Value) -> BTreeSet<String> {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

fn stale_count(report: &serde_json::Value) -> usize {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["stale"] == true)
        .count()
}

/// Every file below `dir`, read as bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_refresh_keeps_the_last_good_rows_and_offline_reads_them_back() {
    let home = Home::new();
    let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), options(1, 0))
        .await
        .unwrap();
    let addr: SocketAddr = sim.addr();
    let url = sim.url();

    let fresh = tokio::task::block_in_place(|| home.scan(&url, &[]));
    assert_eq!(ids(&fresh).len(), 12);
    assert_eq!(stale_count(&fresh), 0);
    assert!(
        fresh["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["asOf"].is_string())
    );

    // The same endpoint, but now the last subscription refuses us.
    sim.stop().await;
    let sim = Simulator::start(addr, options(1, 1))
        .await
        .expect("the port is free again");
    let refreshed = tokio::task::block_in_place(|| home.scan(&url, &[]));
    assert_eq!(
        ids(&refreshed),
        ids(&fresh),
        "the failed subscription's clusters are still there"
    );
    assert_eq!(stale_count(&refreshed), 4);
    let errors = refreshed["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], "AuthorizationFailed");
    for cluster in refreshed["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["stale"] == true)
    {
        let before = fresh["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == cluster["id"])
            .unwrap();
        assert_eq!(
            cluster["asOf"], before["asOf"],
            "a stale row keeps the time it was read"
        );
    }

    // Offline: no request reaches the simulator, and the rows are the same.
    let served = sim.requests().len();
    let offline = tokio::task::block_in_place(|| home.scan(&url, &["--offline"]));
    assert_eq!(ids(&offline), ids(&refreshed));
    assert_eq!(stale_count(&offline), 4);
    let young = tokio::task::block_in_place(|| home.scan(&url, &["--max-age", "1h"]));
    assert_eq!(ids(&young), ids(&refreshed));
    assert_eq!(
        sim.requests().len(),
        served,
        "--offline and a young cache make no request"
    );

    // A different fleet on the same endpoint: --changes names what appeared and went.
    sim.stop().await;
    let sim = Simulator::start(addr, options(2, 0))
        .await
        .expect("the port is free again");
    let changed = tokio::task::block_in_place(|| home.scan(&url, &["--changes"]));
    let changes = &changed["changes"];
    assert_eq!(changes["appeared"].as_array().unwrap().len(), 12, "{changes}");
    assert!(!changes["disappeared"].as_array().unwrap().is_empty());
    let table = tokio::task::block_in_place(|| {
        home.aksradar(&url)
            .args(["scan", "--offline", "--changes"])
            .output()
            .unwrap()
    });
    assert!(String::from_utf8_lossy(&table.stdout).contains("Changes since the read of"));
    sim.stop().await;

    // Nothing the client sent, least of all the token, was written anywhere.
    let written = files(home.dir.path());
    assert!(
        written.iter().any(|(p, _)| p.to_string_lossy().contains("snapshot-")),
        "a snapshot was written"
    );
    assert!(
        written.iter().any(|(p, _)| p.to_string_lossy().contains("history-")),
        "a history was written"
    );
    for (path, bytes) in written {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TOKEN), "the token is in {}", path.display());
        assert!(
            !text.to_ascii_lowercase().contains("bearer"),
            "an Authorization header is in {}",
            path.display()
        );
    }
}

#[test]
fn offline_without_a_cache_says_how_to_make_one() {
    let home = Home::new();
    let out = home
        .aksradar("http://127.0.0.1:9")
        .args(["scan", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no cached fleet") && err.contains("run `aksradar scan` once"),
        "{err}"
    );
}

#[test]
fn a_damaged_cache_is_a_warning_and_a_live_read() {
    let home = Home::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Simulator::start("127.0.0.1:0".parse().unwrap(), options(3, 0)))
        .unwrap();
    let url = sim.url();
    let report = home.scan(&url, &[]);
    assert_eq!(ids(&report).len(), 12);
    let cache_dir = home.dir.path().join("cache").join("aksradar");
    let snapshot = std::fs::read_dir(&cache_dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("snapshot-"))
        .unwrap();
    std::fs::write(snapshot.path(), b"{\"schema\": 1, \"trunc").unwrap();
    let out = home.aksradar(&url).args(["scan", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning") && err.contains("is damaged"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&report).len(), 12);
    runtime.block_on(sim.stop());
}

#[test]
fn info_dump_cache_prints_the_snapshot_scan_offline_reads_as_plain_json() {
    let home = Home::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Simulator::start("127.0.0.1:0".parse().unwrap(), options(5, 0)))
        .unwrap();
    let url = sim.url();
    let report = home.scan(&url, &[]);
    runtime.block_on(sim.stop());
    let dump = |extra: &[&str]| {
        let root = home.dir.path();
        Command::new(env!("CARGO_BIN_EXE_aksradar"))
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_STATE_HOME", root.join("state"))
            .args(["info", "--dump-cache"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = dump(&["--endpoint", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snapshot: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(snapshot["schema"], aksradar::cache::SCHEMA_VERSION);
    let clusters = snapshot["clusters"].as_array().unwrap();
    let dumped: BTreeSet<String> = clusters
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    assert_eq!(dumped, ids(&report), "every cluster, each an object with its id");
    assert!(
        clusters
            .iter()
            .all(|c| c["location"].is_string() && c["pools"].is_array())
    );

    // A file named after the flag; a damaged one is an error that names it.
    let file = std::fs::read_dir(home.dir.path().join("cache").join("aksradar"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("snapshot-"))
        .unwrap()
        .path();
    let by_file = dump(&[file.to_str().unwrap()]);
    assert_eq!(by_file.stdout, out.stdout);
    std::fs::write(&file, b"{\"schema\": 5, \"clusters\": 7}").unwrap();
    let damaged = dump(&[file.to_str().unwrap()]);
    assert_eq!(damaged.status.code(), Some(2));
    let err = String::from_utf8_lossy(&damaged.stderr);
    assert!(
        err.contains(&file.display().to_string()) && err.contains("not a snapshot"),
        "{err}"
    );
    let nowhere = dump(&["--endpoint", "http://127.0.0.1:9"]);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("run `aksradar scan` once"));
}
