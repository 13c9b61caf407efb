//! The binary on the live path: `aksradar simulate` serving, `scan` reading it with a
//! token or through a fake Azure CLI, and an insecure endpoint refused.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use aksradar::sim::{SimOptions, Simulator};

fn aksradar() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    let home = env!("CARGO_TARGET_TMPDIR");
    cmd.env("XDG_CONFIG_HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("HOME", home);
    cmd.env_remove("AKSRADAR_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("IDENTITY_ENDPOINT");
    cmd
}

/// `aksradar simulate` in the background, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn simulate(args: &[&str]) -> Served {
    let mut child = aksradar()
        .args(["simulate", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("simulate starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("a first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("`listening on URL` first")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Served { child, url }
}

fn scan_json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("aksradar runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn scan_reads_the_whole_simulated_fleet_with_and_without_faults() {
    let calm = simulate(&[
        "--subscriptions",
        "3",
        "--clusters-per-subscription",
        "4",
        "--page-size",
        "3",
    ]);
    let report = scan_json(aksradar().env("AKSRADAR_TOKEN", "simulator").args([
        "--endpoint",
        &calm.url,
        "--auth",
        "token",
        "scan",
        "--format",
        "json",
    ]));
    assert_eq!(report["clusters"].as_array().unwrap().len(), 12, "{}", report["errors"]);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);

    let stormy = simulate(&[
        "--subscriptions",
        "3",
        "--clusters-per-subscription",
        "4",
        "--page-size",
        "3",
        "--fault-429",
        "0.2",
        "--retry-after",
        "1",
        "--fault-5xx",
        "0.1",
        "--seed",
        "11",
    ]);
    // The global flags also work after the command.
    let report = scan_json(aksradar().env("AKSRADAR_TOKEN", "simulator").args([
        "scan",
        "--format",
        "json",
        "--endpoint",
        &stormy.url,
        "--auth",
        "token",
        "--concurrency",
        "2",
    ]));
    assert_eq!(report["clusters"].as_array().unwrap().len(), 12, "{}", report["errors"]);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn scan_details_judges_maintenance_windows_and_graph_reads_the_same_fleet() {
    let served = simulate(&[
        "--subscriptions",
        "2",
        "--clusters-per-subscription",
        "5",
        "--forbidden-subscriptions",
        "1",
    ]);
    let base = |extra: &[&str]| {
        let mut cmd = aksradar();
        cmd.env("AKSRADAR_TOKEN", "simulator").args([
            "--endpoint",
            &served.url,
            "--auth",
            "token",
            "scan",
            "--format",
            "json",
        ]);
        cmd.args(extra);
        scan_json(&mut cmd)
    };
    let report = base(&["--details"]);
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 5);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], "AuthorizationFailed");
    for cluster in clusters {
        let window = cluster["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "Azure.AKS.MaintenanceWindow")
            .unwrap();
        assert_ne!(window["outcome"], "Unknown", "details were read");
    }
    let graph = base(&["--source", "graph"]);
    assert_eq!(graph["clusters"].as_array().unwrap().len(), 5);
}

#[test]
fn the_azure_cli_credential_is_used_for_real_through_a_fake_az() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fake-az");
    std::fs::create_dir_all(&dir).unwrap();
    let calls = dir.join("calls.log");
    let _ = std::fs::remove_file(&calls);
    let az = dir.join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nprintf '{{\"accessToken\":\"simulator\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":4070908800,\"tokenType\":\"Bearer\"}}\\n'\n",
            calls.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&az).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&az, permissions).unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Simulator::start(
            "127.0.0.1:0".parse().unwrap(),
            SimOptions {
                subscriptions: 2,
                clusters_per_subscription: 3,
                page_size: 1,
                ..Default::default()
            },
        ))
        .unwrap();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    let report = scan_json(aksradar().env("PATH", path).args([
        "--endpoint",
        &sim.url(),
        "--auth",
        "cli",
        "scan",
        "--format",
        "json",
    ]));
    assert_eq!(report["clusters"].as_array().unwrap().len(), 6);
    let log = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(log.lines().count(), 1, "one az call, then the cached token: {log}");
    assert!(
        log.contains("account get-access-token") && log.contains("--scope https://management.azure.com/.default"),
        "{log}"
    );
    assert!(sim.requests().len() > 6, "every page carried the token");
    runtime.block_on(sim.stop());
}

#[test]
fn a_token_is_never_sent_over_plain_http_off_this_machine() {
    let out = aksradar()
        .env("AKSRADAR_TOKEN", "secret-token")
        .args(["--endpoint", "http://management.example.com", "--auth", "token", "scan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("refusing to send a bearer token over plain http"), "{err}");
    assert!(!err.contains("secret-token"));
}

#[test]
fn missing_credentials_are_explained() {
    let out = aksradar()
        .args(["--endpoint", "http://127.0.0.1:9", "--auth", "token", "scan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AKSRADAR_TOKEN is not set"));
}

#[test]
fn simulate_refuses_to_listen_beyond_loopback() {
    let out = aksradar().args(["simulate", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
