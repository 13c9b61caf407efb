//! The `aksradar` binary end to end: commands, formats, exit codes, error messages.

use std::path::PathBuf;

use assert_cmd::Command;

fn aksradar() -> Command {
    let mut cmd = Command::cargo_bin("aksradar").expect("binary built");
    // A config in the user's folder must not change what these tests see.
    cmd.env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("HOME", env!("CARGO_TARGET_TMPDIR"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-fleet.json")
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scan_prints_a_table_of_the_sample_fleet_without_colour_when_piped() {
    let out = stdout_of(aksradar().args(["scan", "--input"]).arg(sample()));
    for name in ["aks-payments-prod-weu", "aks-legacy-win-eus", "aks-vendor-appliance-01"] {
        assert!(out.contains(name), "{name} missing from\n{out}");
    }
    assert!(!out.contains('\x1b'), "no colour when stdout is not a terminal");
}

#[test]
fn scan_json_follows_the_contract() {
    let out = stdout_of(aksradar().args(["scan", "--format", "json", "--input"]).arg(sample()));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 10);
    for cluster in clusters {
        for key in [
            "id",
            "name",
            "subscriptionId",
            "resourceGroup",
            "location",
            "kubernetesVersion",
            "nodeOsUpgradeChannel",
            "upgradeChannel",
            "findings",
        ] {
            assert!(cluster.get(key).is_some(), "{key} missing in {cluster}");
        }
        for finding in cluster["findings"].as_array().unwrap() {
            for key in ["rule", "ref", "outcome", "reason"] {
                assert!(finding.get(key).is_some(), "{key} missing in {finding}");
            }
        }
    }
    assert!(report["errors"].is_array());
    let identity = clusters.iter().find(|c| c["name"] == "aks-identity-prod-eus").unwrap();
    let node = identity["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "Azure.AKS.NodeAutoUpgrade")
        .unwrap();
    assert_eq!(node["outcome"], "Fail");
    assert_eq!(node["ref"], "AZR-000435");
}

#[test]
fn every_scan_format_runs_on_the_sample() {
    for format in ["table", "json", "csv", "markdown", "sarif"] {
        let out = stdout_of(aksradar().args(["scan", "--format", format, "--input"]).arg(sample()));
        assert!(out.contains("aks-identity-prod-eus"), "{format}");
    }
}

#[test]
fn fail_on_turns_a_failing_finding_into_exit_code_1() {
    aksradar()
        .args(["scan", "--fail-on", "--input"])
        .arg(sample())
        .assert()
        .code(1);
    aksradar().args(["scan", "--input"]).arg(sample()).assert().code(0);
    let compliant = write_temp(
        "compliant.json",
        r#"[{"type": "Microsoft.ContainerService/managedClusters", "name": "ok", "resources": [
            {"type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations", "name": "aksManagedAutoUpgradeSchedule"},
            {"type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations", "name": "aksManagedNodeOSUpgradeSchedule"}],
            "properties": {"kubernetesVersion": "1.34.2", "autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "SecurityPatch"}}}]"#,
    );
    aksradar()
        .args(["scan", "--fail-on", "--input"])
        .arg(&compliant)
        .assert()
        .code(0);
}

#[test]
fn waivers_and_the_minimum_version_come_from_the_config_file() {
    let config = write_temp(
        "waiver.toml",
        "[rules]\nkubernetes_minimum_version = \"1.30.0\"\n[[waivers]]\ncluster = \"aks-vendor-*\"\n\
         rule = \"NodeAutoUpgrade\"\nreason = \"vendor\"\nexpires = 2999-01-01\n",
    );
    let out = stdout_of(
        aksradar()
            .arg("--config")
            .arg(&config)
            .args(["scan", "--format", "json", "--input"])
            .arg(sample()),
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let vendor = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aks-vendor-appliance-01")
        .unwrap();
    let outcome = |rule: &str| {
        vendor["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome("Azure.AKS.NodeAutoUpgrade"), "Waived");
    assert_eq!(
        outcome("Azure.AKS.Version"),
        "Pass",
        "1.31.9 meets the configured 1.30.0"
    );
}

#[test]
fn bad_input_exits_2_and_names_the_file_and_place() {
    let broken = write_temp("broken.json", "[\n  {\"name\": \"a\",\n");
    let out = aksradar().args(["scan", "--input"]).arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.json:3:"), "{err}");

    let wrong = write_temp(
        "wrong.json",
        r#"{"value": [{"type": "Microsoft.ContainerService/managedClusters", "properties": []}]}"#,
    );
    let err = String::from_utf8(
        aksradar()
            .args(["scan", "--input"])
            .arg(&wrong)
            .output()
            .unwrap()
            .stderr,
    )
    .unwrap();
    assert!(
        err.contains("wrong.json: at $.value[0].properties: expected an object, found an array"),
        "{err}"
    );

    let missing = aksradar()
        .args(["scan", "--input", "/nonexistent/fleet.json"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/fleet.json"));
}

/// `scan` of the sample with a config file of this text: the exit code and stderr.
fn scan_with_config(name: &str, text: &str) -> (Option<i32>, String) {
    let config = write_temp(name, text);
    let out = aksradar()
        .arg("--config")
        .arg(&config)
        .args(["scan", "--input"])
        .arg(sample())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn a_bad_config_exits_2_and_names_line_and_key() {
    let (code, err) = scan_with_config("bad.toml", "[remediation]\nnode_os_channel = \"Unmanaged\"\n");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("bad.toml:2:") && err.contains("remediation.node_os_channel"),
        "{err}"
    );
}

#[test]
fn an_unknown_command_in_config_keys_stops_scan_too_with_its_place() {
    let (code, err) = scan_with_config("keys.toml", "[keys]\ndown = \"n\"\njump = \"J\"\n");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("keys.toml:3:1: key `keys.jump`: unknown action `jump`"),
        "{err}"
    );
}

#[test]
fn hostile_names_never_reach_the_terminal_with_escapes() {
    let hostile = write_temp(
        "hostile.json",
        r#"[{"type": "Microsoft.ContainerService/managedClusters", "name": "evil\u001b]52;c;aGk=\u0007\u001b[2J",
            "tags": {"x": "\u001b[31m"}, "properties": {"kubernetesVersion": "1.20.0"}}]"#,
    );
    for format in ["table", "markdown", "csv"] {
        let out = stdout_of(aksradar().args(["scan", "--format", format, "--input"]).arg(&hostile));
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{format}: {out:?}");
    }
    let script = stdout_of(
        aksradar()
            .args(["remediate", "--format", "cli", "--input"])
            .arg(&hostile),
    );
    assert!(!script.contains('\x1b') && !script.contains('\x07'), "{script:?}");
}

#[test]
fn remediate_gives_every_format_for_the_failing_clusters() {
    let cli = stdout_of(aksradar().args(["remediate", "--input"]).arg(sample()));
    assert!(cli.contains("\nset -euo pipefail\n"));
    assert!(
        cli.contains("\nfix_1() {\n") && cli.contains(" fix_1\n"),
        "each cluster's changes are a job of their own"
    );
    assert!(cli.contains("--node-os-upgrade-channel"));
    assert!(
        cli.contains("'team(prod).eu'"),
        "resource groups are quoted for the shell"
    );
    assert!(
        !cli.contains("aks-payments-prod-weu --node-os"),
        "a compliant cluster gets no node OS fix"
    );
    for format in ["bicep", "arm", "policy", "terraform"] {
        let out = stdout_of(
            aksradar()
                .args(["remediate", "--format", format, "--input"])
                .arg(sample()),
        );
        assert!(!out.trim().is_empty(), "{format}");
    }
    let arm = stdout_of(
        aksradar()
            .args(["remediate", "--format", "arm", "--input"])
            .arg(sample()),
    );
    serde_json::from_str::<serde_json::Value>(&arm).expect("ARM output is JSON");
}

/// `--rule` limits the fixes to the rules named (full name, short name or reference);
/// without it the filter's rules; without either every rule but the Kubernetes upgrades,
/// which the script says it left out.
#[test]
fn remediate_fixes_the_rules_asked_for_and_kubernetes_upgrades_only_when_asked() {
    let run = |args: &[&str]| stdout_of(aksradar().arg("remediate").args(args).arg("--input").arg(sample()));
    let default = run(&[]);
    assert!(
        !default.contains("az aks upgrade") && !default.contains("nodepool upgrade"),
        "{default}"
    );
    let note = default
        .lines()
        .find(|l| l.starts_with("# Not asked for, so not fixed here: Azure.AKS.Version ("))
        .unwrap_or_else(|| panic!("the script says what it left out:\n{default}"));
    assert!(
        note.contains("Kubernetes upgrades drain and replace every node"),
        "{note}"
    );
    assert!(default.contains("--node-os-upgrade-channel"), "{default}");

    for rule in ["Version", "Azure.AKS.Version", "azr-000015"] {
        let version = run(&["--rule", rule]);
        assert!(version.contains("az aks upgrade"), "{rule}: {version}");
        assert!(
            !version.contains("--node-os-upgrade-channel") && !version.contains("maintenanceconfiguration add"),
            "{rule}: only what was asked for: {version}"
        );
        // Files carry no upgrade profile: the version is chosen when the script runs.
        assert!(version.contains("K8S_TARGET_VERSION"), "{rule}");
    }
    let both = run(&["--rule", "NodeAutoUpgrade", "--rule", "PoolVersion"]);
    assert!(both.contains("--node-os-upgrade-channel"), "{both}");
    assert!(!both.contains("az aks upgrade"), "{both}");

    let filtered = run(&["--filter", "channel:unmanaged,none,unspecified"]);
    assert!(filtered.contains("--node-os-upgrade-channel"), "{filtered}");
    assert!(
        !filtered.contains("--auto-upgrade-channel") && !filtered.contains("az aks upgrade"),
        "the filter asks about the node OS channel only: {filtered}"
    );

    let out = aksradar()
        .args(["remediate", "--rule", "UseRBAC", "--input"])
        .arg(sample())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`UseRBAC` is not a rule aksradar checks"), "{err}");
}

#[test]
fn info_prints_the_paths_in_use() {
    let out = stdout_of(aksradar().arg("info"));
    assert!(
        out.contains("config:") && out.contains("cache:") && out.contains("state:"),
        "{out}"
    );
}

#[test]
fn the_example_config_is_accepted_by_the_binary() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    aksradar()
        .arg("--config")
        .arg(example)
        .args(["scan", "--input"])
        .arg(sample())
        .assert()
        .success();
}
