//! The binary on the live path: `aksradar simulate` serving, `scan` reading it with a
//! token or through a fake Azure CLI, an insecure endpoint refused, and the exit codes:
//! 0, 1 with `--fail-on`, 2 for bad usage, 3 when the read was incomplete, with the
//! summary on stderr in every format.

mod hostile;
mod simulate;

use std::path::PathBuf;
use std::process::Command;

use aksradar::sim::{SimOptions, Simulator};

/// The binary with a home of its own: no snapshot of another test's read (a simulator
/// that got the same port, so the same cache key) is merged into this one's. The
/// homes of the run before are removed when the first is made.
fn aksradar() -> Command {
    static HOMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static FRESH: std::sync::Once = std::sync::Once::new();
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live_cli-homes");
    FRESH.call_once(|| {
        let _ = std::fs::remove_dir_all(&root);
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    let home = root.join(HOMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string());
    std::fs::create_dir_all(&home).expect("a home for the test");
    cmd.env("XDG_CONFIG_HOME", &home)
        .env("XDG_CACHE_HOME", &home)
        .env("HOME", &home);
    cmd.env_remove("AKSRADAR_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("IDENTITY_ENDPOINT");
    cmd
}

/// `aksradar simulate` in the background, killed when dropped.
struct Served {
    _running: simulate::Running,
    url: String,
}

fn simulate(args: &[&str]) -> Served {
    let (running, lines) = simulate::start(aksradar().args(["simulate", "--listen", "127.0.0.1:0"]).args(args), 1);
    let url = simulate::url(&lines[0]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Served { _running: running, url }
}

fn scan_json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("aksradar runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Runs to the end: the exit code, stdout and stderr.
fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().expect("aksradar runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `aksradar --endpoint URL --auth token` with `token` in AKSRADAR_TOKEN.
fn against(url: &str, token: &str) -> Command {
    let mut cmd = aksradar();
    cmd.env("AKSRADAR_TOKEN", token)
        .args(["--endpoint", url, "--auth", "token"]);
    cmd
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
    // Details are read by default.
    let (code, stdout, stderr) = run(aksradar().env("AKSRADAR_TOKEN", "simulator").args([
        "--endpoint",
        &served.url,
        "--auth",
        "token",
        "scan",
        "--format",
        "json",
    ]));
    assert_eq!(code, Some(3), "one subscription could not be read: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(stdout.as_bytes()).unwrap();
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
    // Resource Graph hides the subscription the identity may not read: nothing failed.
    let graph = base(&["--source", "graph"]);
    assert_eq!(graph["clusters"].as_array().unwrap().len(), 5);
    // With --no-details, the windows are unknown (and counted so); the old --details is
    // still accepted and changes nothing.
    let (_, stdout, _) = run(against(&served.url, "simulator").args(["scan", "--format", "json", "--no-details"]));
    let skipped: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        skipped["clusters"].as_array().unwrap().iter().all(|c| c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "Azure.AKS.MaintenanceWindow" && f["outcome"] == "Unknown")),
        "{skipped}"
    );
    assert!(skipped["summary"]["unknown"].as_u64().unwrap() > 0);
    let (_, stdout, _) = run(against(&served.url, "simulator").args(["scan", "--format", "json", "--details"]));
    let old: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(old["summary"], report["summary"], "--details is the default now");
}

/// A detail the identity may not read (here every cluster's maintenance configurations)
/// leaves the MaintenanceWindow finding Unknown with the reason, is counted as unknown,
/// and makes the read incomplete: exit 3, with a line on stderr.
#[test]
fn a_detail_that_cannot_be_read_is_unknown_with_why_and_exits_3() {
    let served = simulate(&[
        "--subscriptions",
        "2",
        "--clusters-per-subscription",
        "3",
        "--forbid-read",
        "maintenanceConfigurations",
    ]);
    for format in ["json", "table"] {
        let (code, _, stderr) = run(against(&served.url, "simulator").args(["scan", "--format", format]));
        assert_eq!(code, Some(3), "{format}: {stderr}");
        assert!(
            stderr.contains("aksradar: 6 detail reads failed, 6 clusters affected: AuthorizationFailed (6)"),
            "{format}: {stderr}"
        );
    }
    let (_, stdout, _) = run(against(&served.url, "simulator").args(["scan", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for cluster in report["clusters"].as_array().unwrap() {
        let window = cluster["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "Azure.AKS.MaintenanceWindow")
            .unwrap();
        assert_eq!(window["outcome"], "Unknown", "{cluster}");
        assert!(
            window["reason"]
                .as_str()
                .unwrap()
                .starts_with("The maintenance configurations could not be read (AuthorizationFailed:"),
            "{window}"
        );
    }
    assert_eq!(report["errors"].as_array().unwrap().len(), 6);
}

/// `remediate --rule Version` against the simulator: each failing cluster is upgraded
/// one step, to the newest patch of the next minor its own upgrade profile offers, with
/// no version to choose by hand; nothing else is fixed.
#[test]
fn remediate_rule_version_gives_each_cluster_its_own_target_from_its_upgrade_profile() {
    let served = simulate(&[
        "--subscriptions",
        "3",
        "--clusters-per-subscription",
        "8",
        "--seed",
        "5",
    ]);
    let (code, script, stderr) = run(against(&served.url, "simulator").args(["remediate", "--rule", "Version"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !script.contains("K8S_TARGET_VERSION"),
        "every profile was read:\n{script}"
    );
    assert!(!script.contains("--node-os-upgrade-channel") && !script.contains("maintenanceconfiguration"));
    let (_, json, _) = run(against(&served.url, "simulator").args(["scan", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let mut upgrades = 0;
    for line in script.lines().filter(|l| l.trim_start().starts_with("az aks upgrade ")) {
        upgrades += 1;
        let words: Vec<&str> = line.split_whitespace().collect();
        let value = |flag: &str| words[words.iter().position(|w| *w == flag).unwrap() + 1];
        let (sub, group, name, target) = (
            value("--subscription"),
            value("-g"),
            value("-n"),
            value("--kubernetes-version"),
        );
        let id = format!(
            "/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}"
        );
        let profile: serde_json::Value = runtime.block_on(async {
            client
                .get(format!(
                    "{}{id}/upgradeProfiles/default?api-version=2025-10-01",
                    served.url
                ))
                .bearer_auth("simulator")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        let control = &profile["properties"]["controlPlaneProfile"];
        let running = control["kubernetesVersion"].as_str().unwrap();
        let parse = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
        let current = parse(running);
        let offered: Vec<Vec<u64>> = control["upgrades"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| u["isPreview"] != true)
            .map(|u| parse(u["kubernetesVersion"].as_str().unwrap()))
            .collect();
        let next: Vec<&Vec<u64>> = offered
            .iter()
            .filter(|v| v[..2] == [current[0], current[1] + 1])
            .collect();
        let want = match next.iter().max() {
            Some(newest) => newest,
            None => offered
                .iter()
                .filter(|v| v[..2] == current[..2])
                .max()
                .expect("an upgrade"),
        };
        assert_eq!(
            parse(target),
            *want,
            "{name}: {running} -> {target}, offered {offered:?}"
        );
        let cluster = report["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"].as_str().unwrap().eq_ignore_ascii_case(&id))
            .expect("the cluster is in the scan");
        assert!(
            cluster["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "Azure.AKS.Version" && f["outcome"] == "Fail"),
            "only clusters that fail Version are upgraded: {name}"
        );
    }
    assert!(upgrades > 0, "the fleet has clusters below the minimum:\n{script}");
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

#[test]
fn help_lists_the_exit_codes() {
    for args in [&["--help"][..], &["scan", "--help"], &["remediate", "--help"]] {
        let (code, stdout, _) = run(aksradar().args(args));
        assert_eq!(code, Some(0));
        for line in [
            "0  success",
            "1  --fail-on was given and a finding fails",
            "2  bad input, config or usage",
            "3  the read was incomplete",
        ] {
            assert!(stdout.contains(line), "{args:?}: {line}\n{stdout}");
        }
    }
}

#[test]
fn a_complete_read_exits_0_and_1_only_with_fail_on_and_a_failing_finding() {
    let served = simulate(&["--subscriptions", "2", "--clusters-per-subscription", "6"]);
    let (code, stdout, stderr) = run(against(&served.url, "simulator").args(["scan", "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "nothing to say about a complete read: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        report["summary"]["nonCompliant"].as_u64().unwrap() > 0,
        "the fleet has failures"
    );
    let (code, _, _) = run(against(&served.url, "simulator").args(["scan", "--fail-on"]));
    assert_eq!(code, Some(1));
    let (code, _, _) =
        run(against(&served.url, "simulator").args(["scan", "--fail-on", "--filter", "no-such-cluster-anywhere"]));
    assert_eq!(code, Some(0), "nothing failing in view");
}

#[test]
fn bad_usage_and_config_exit_2_and_never_repeat_a_password() {
    let (code, _, stderr) = run(against("http://user:hunter2@127.0.0.1:9", "t").arg("scan"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("user name or password"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "endpoint = \"http://user:hunter2@127.0.0.1:9\"\n",
            "user name or password",
        ),
        ("[limits]\nmax_pages = 0\n", "limits.max_pages"),
        ("[limits]\nmax_wait_seconds = 99999\n", "limits.max_wait_seconds"),
    ];
    for (text, words) in cases {
        let config = dir.path().join("config.toml");
        std::fs::write(&config, text).unwrap();
        let mut cmd = aksradar();
        cmd.env("AKSRADAR_TOKEN", "t")
            .args(["--auth", "token", "--config"])
            .arg(&config)
            .arg("scan");
        let (code, _, stderr) = run(&mut cmd);
        assert_eq!(code, Some(2), "{text}: {stderr}");
        assert!(stderr.contains(words), "{text}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[test]
fn forbidden_subscriptions_exit_3_after_the_report_with_a_summary_in_every_format() {
    let served = simulate(&[
        "--subscriptions",
        "5",
        "--clusters-per-subscription",
        "3",
        "--forbidden-subscriptions",
        "2",
    ]);
    let summary = "aksradar: 2 of 5 subscriptions could not be read: AuthorizationFailed (2)";
    for format in ["table", "json", "csv", "markdown", "sarif"] {
        for fail_on in [false, true] {
            let mut cmd = against(&served.url, "simulator");
            cmd.args(["scan", "--format", format]);
            if fail_on {
                cmd.arg("--fail-on");
            }
            let (code, stdout, stderr) = run(&mut cmd);
            assert_eq!(code, Some(3), "{format} --fail-on {fail_on}: {stderr}");
            assert!(stderr.lines().any(|l| l == summary), "{format}: {stderr}");
            assert!(stdout.contains("aks-"), "{format}: what was read is printed");
        }
    }
    let (_, stdout, _) = run(against(&served.url, "simulator").args(["scan", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["clusters"].as_array().unwrap().len(), 9);
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn a_wrong_token_exits_3_with_a_clear_message_never_0() {
    let served = simulate(&["--subscriptions", "3", "--clusters-per-subscription", "2"]);
    for extra in [&[][..], &["--fail-on"], &["--format", "json"]] {
        let (code, _, stderr) = run(against(&served.url, "not-the-token").arg("scan").args(extra));
        assert_eq!(code, Some(3), "{extra:?}: {stderr}");
        for words in [
            "the subscription list could not be read: InvalidAuthenticationToken",
            "the credentials were refused",
            "nothing was read",
        ] {
            assert!(stderr.contains(words), "{extra:?}: {words}: {stderr}");
        }
        assert!(!stderr.contains("not-the-token"), "{stderr}");
    }
}

#[test]
fn resource_graph_reads_all_200_clusters_with_half_the_requests_throttled() {
    let served = simulate(&["--fault-429", "0.5", "--seed", "1", "--retry-after", "0"]);
    let (code, stdout, stderr) =
        run(against(&served.url, "simulator").args(["scan", "--source", "graph", "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["clusters"].as_array().unwrap().len(),
        200,
        "{}",
        report["errors"]
    );
}

#[test]
fn a_hung_az_is_given_up_after_the_credential_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls.log");
    let az = dir.path().join("az");
    // It answers, but only after 20 s: far past the 1 s the config allows.
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nsleep 20\nprintf '{{\"accessToken\":\"simulator\",\"expires_on\":4070908800,\"tokenType\":\"Bearer\"}}\\n'\n",
            calls.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&az).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&az, permissions).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[limits]\ncredential_timeout_seconds = 1\n").unwrap();
    let served = simulate(&["--subscriptions", "3", "--clusters-per-subscription", "2"]);
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = aksradar();
    cmd.env("PATH", path)
        .args(["--endpoint", &served.url, "--auth", "cli", "--config"])
        .arg(&config)
        .arg("scan");
    let (code, _, stderr) = run(&mut cmd);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("AuthenticationFailed") && stderr.contains("no answer within 1 s"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(log.lines().count(), 1, "one hung sign-in, not one per request: {log}");
}

#[test]
fn limits_in_config_bound_a_live_read() {
    use hostile::{Hostile, Reply, SUB};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Hostile::start(|request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[SUB]);
        }
        let next = format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01&$skipToken={}",
            request.base,
            request.n + 1
        );
        Reply::ok(serde_json::json!({ "value": [], "nextLink": next }).to_string())
    }));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[limits]\nmax_pages = 7\n").unwrap();
    let mut cmd = against(&server.url, "t");
    cmd.arg("--config").arg(&config).args(["scan", "--format", "json"]);
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("1 of 1 subscriptions could not be read: TooManyPages (1)"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["errors"][0]["subscriptionId"], SUB);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("after 7 pages (limits.max_pages)"),
        "{report}"
    );
    assert_eq!(server.requests().len(), 1 + 7);
}

/// A home of its own (config, cache, state), for tests that need a cache.
fn home_command(home: &std::path::Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AKSRADAR_TOKEN", "simulator")
        .args(["--endpoint", url, "--auth", "token"]);
    cmd
}

#[test]
fn remediate_leaves_stale_clusters_out_unless_asked_and_exits_3() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use hostile::{Hostile, Reply};
    const OPEN: &str = "0b7e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4";
    const LATER_FORBIDDEN: &str = "9c8d7e6f-5a4b-4c3d-9e2f-1a0b9c8d7e6f";
    let forbid = Arc::new(AtomicBool::new(false));
    let forbidding = forbid.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Hostile::start(move |request| {
        if request.path() == "/subscriptions" {
            return hostile::subscriptions(&[OPEN, LATER_FORBIDDEN]);
        }
        let sub = if request.path().contains(OPEN) {
            OPEN
        } else {
            LATER_FORBIDDEN
        };
        if sub == LATER_FORBIDDEN && forbidding.load(Ordering::SeqCst) {
            return Reply::status(
                403,
                &[],
                r#"{"error":{"code":"AuthorizationFailed","message":"no access"}}"#,
            );
        }
        // Each subscription has one cluster whose nodes are not patched automatically.
        let mut cluster = hostile::cluster(sub, "rg", &format!("aks-{}", &sub[..4]));
        cluster["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"] = "None".into();
        Reply::ok(serde_json::json!({ "value": [cluster] }).to_string())
    }));
    let home = tempfile::tempdir().unwrap();
    // This server lists clusters and nothing else: no details to read.
    let remediate = ["remediate", "--no-details"];
    let (code, script, stderr) = run(home_command(home.path(), &server.url).args(remediate));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(script.contains(LATER_FORBIDDEN) && script.contains(OPEN), "{script}");

    // Now the second subscription refuses us: its cluster stays in the cache, stale,
    // and the script must not act on it.
    forbid.store(true, Ordering::SeqCst);
    let (code, script, stderr) = run(home_command(home.path(), &server.url).args(remediate));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(script.contains(OPEN), "the subscription that answered is fixed");
    assert!(
        !script.contains(LATER_FORBIDDEN),
        "no command for a subscription that answered 403:\n{script}"
    );
    assert!(script.starts_with("#!/usr/bin/env bash"), "{script}");
    let note = script
        .lines()
        .find(|l| l.contains("left out"))
        .unwrap_or_else(|| panic!("a comment says what was left out:\n{script}"));
    assert!(
        note.starts_with("# 1 failing cluster left out") && note.contains("--include-stale"),
        "{note}"
    );
    assert!(stderr.contains("1 failing cluster left out"), "{stderr}");
    assert!(
        stderr.contains("1 of 2 subscriptions could not be read: AuthorizationFailed (1)"),
        "{stderr}"
    );

    let (code, script, stderr) =
        run(home_command(home.path(), &server.url).args(["remediate", "--no-details", "--include-stale"]));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(script.contains(LATER_FORBIDDEN), "--include-stale puts it back");
    assert!(
        script
            .lines()
            .any(|l| l.starts_with("# 1 failing cluster included although its data is stale")),
        "{script}"
    );
}

/// A stand-in `az` for a generated script: each call is one record in `$AZ_LOG`
/// (arguments split by `\x1f`, calls ended by `\x1e`, one write so parallel jobs do
/// not interleave); a query of the node OS channel answers `Unmanaged` (so every fix
/// is needed), of the provisioning state `Succeeded`; everything else succeeds quietly.
#[cfg(unix)]
const RECORDING_AZ: &str = r#"#!/usr/bin/env bash
record=; for a in "$@"; do record+="$a"$'\037'; done; printf '%s\036' "$record" >> "$AZ_LOG"
query=; prev=; for a in "$@"; do [ "$prev" = --query ] && query=$a; prev=$a; done
case "$query" in
  autoUpgradeProfile.nodeOsUpgradeChannel) echo Unmanaged ;;
  provisioningState) echo Succeeded ;;
esac
"#;

/// The fleet question of issue 10, over the demo's own fleet (the simulator with
/// `aksradar demo`'s defaults): `remediate --filter channel:unmanaged,none,unspecified`
/// asks about the node OS channel, so every cluster the filter keeps that fails
/// NodeAutoUpgrade gets one job with exactly one `az aks update`, and nothing else
/// writes: no Kubernetes upgrade, no maintenance window, no auto-upgrade channel. The
/// script runs, in parallel, against a stand-in `az` that records every call.
#[cfg(unix)]
#[test]
fn remediate_over_the_demo_fleet_for_a_channel_filter_makes_one_update_per_cluster_and_no_upgrade() {
    let Ok(aksradar::cli::Cli {
        command: Some(aksradar::cli::Command::Demo(demo)),
        ..
    }) = aksradar::cli::Cli::parse_args(["aksradar", "demo"])
    else {
        panic!("`aksradar demo` parses")
    };
    let served = simulate(&[
        "--subscriptions",
        &demo.subscriptions.to_string(),
        "--clusters-per-subscription",
        &demo.clusters_per_subscription.to_string(),
        "--seed",
        &demo.seed.to_string(),
    ]);
    const FILTER: &str = "channel:unmanaged,none,unspecified";
    let (code, json, stderr) =
        run(against(&served.url, "simulator").args(["scan", "--format", "json", "--filter", FILTER]));
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut want: Vec<String> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "Azure.AKS.NodeAutoUpgrade" && f["outcome"] == "Fail")
        })
        .map(|c| c["id"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    want.sort();
    assert!(
        want.len() > 50,
        "the demo's fleet has many such clusters: {}",
        want.len()
    );
    let version_failures = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "Azure.AKS.Version" && f["outcome"] == "Fail")
        })
        .count();
    assert!(version_failures > 0, "some of them are below the minimum version too");

    let (code, script, stderr) = run(against(&served.url, "simulator").args(["remediate", "--filter", FILTER]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        script.lines().filter(|l| l.starts_with("start ")).count(),
        want.len(),
        "one job per failing cluster"
    );
    for never in [
        "az aks upgrade",
        "az aks nodepool upgrade",
        "--auto-upgrade-channel",
        "maintenanceconfiguration add",
    ] {
        assert!(
            !script
                .lines()
                .any(|l| !l.trim_start().starts_with('#') && l.contains(never)),
            "{never}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let az = dir.path().join("az");
    std::fs::write(&az, RECORDING_AZ).unwrap();
    let mut permissions = std::fs::metadata(&az).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&az, permissions).unwrap();
    let file = dir.path().join("fix.sh");
    std::fs::write(&file, &script).unwrap();
    let log = dir.path().join("az.log");
    let out = Command::new("bash")
        .arg(&file)
        .env(
            "PATH",
            format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default()),
        )
        .env("AZ_LOG", &log)
        .env("MAX_PARALLEL", "16")
        .env("WAIT_INTERVAL", "1")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "aksradar: {} clusters fixed or already right, 0 failed.",
            want.len()
        )),
        "{stdout}"
    );
    let calls: Vec<Vec<String>> = std::fs::read_to_string(&log)
        .unwrap()
        .split('\u{1e}')
        .filter(|c| !c.is_empty())
        .map(|c| c.split_terminator('\u{1f}').map(String::from).collect())
        .collect();
    let value = |call: &[String], flag: &str| -> String {
        let at = call
            .iter()
            .position(|a| a == flag)
            .unwrap_or_else(|| panic!("{flag} in {call:?}"));
        call[at + 1].clone()
    };
    let id = |call: &[String]| {
        format!(
            "/subscriptions/{}/resourcegroups/{}/providers/microsoft.containerservice/managedclusters/{}",
            value(call, "--subscription"),
            value(call, "-g"),
            value(call, "-n")
        )
        .to_ascii_lowercase()
    };
    let mut updated: Vec<String> = Vec::new();
    for call in &calls {
        let verb: Vec<&str> = call.iter().take(3).map(String::as_str).collect();
        match verb.as_slice() {
            ["aks", "show", _] | ["aks", "wait", _] => {}
            ["aks", "update", _] => {
                assert!(!value(call, "--node-os-upgrade-channel").is_empty(), "{call:?}");
                assert!(call.iter().any(|a| a == "--no-wait"), "{call:?}");
                assert!(!call.iter().any(|a| a == "--auto-upgrade-channel"), "{call:?}");
                updated.push(id(call));
            }
            other => panic!("only reads, updates and waits: {other:?} in {call:?}"),
        }
    }
    updated.sort();
    assert_eq!(updated, want, "exactly one az aks update per cluster");
}
