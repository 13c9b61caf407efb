//! Remediation text: the fixes for every failing finding, in one of five formats.
//!
//! Pure and deterministic: the same clusters and config give the same text, byte for
//! byte (clusters are sorted, nothing reads the clock). `decide` decides what to change
//! once, `words` and `names` word and name it; each format module only spells it. Text from outside (names, tags, reasons)
//! reaches a comment only through `text::clean`, and a value only through the format's
//! own quoting, so no input can end a comment or a string early.
//!
//! `plan` turns the same decisions into the changes an apply makes (property: from →
//! to), and `outcome` holds what applying them reports; both are plain data too.

mod arm;
mod bicep;
mod cli;
mod decide;
mod names;
pub mod outcome;
pub mod plan;
mod policy;
mod shell;
mod terraform;
mod words;

use crate::config::RemediationConfig;
use crate::model::Assessed;
use crate::text::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Cli,
    Bicep,
    Arm,
    Policy,
    Terraform,
}

impl Format {
    /// Every format, in the order the dashboard cycles through them.
    pub const ALL: [Format; 5] = [
        Format::Cli,
        Format::Bicep,
        Format::Arm,
        Format::Policy,
        Format::Terraform,
    ];

    /// The name people know the format by.
    pub fn label(self) -> &'static str {
        match self {
            Format::Cli => "Azure CLI",
            Format::Bicep => "Bicep",
            Format::Arm => "ARM",
            Format::Policy => "Azure Policy",
            Format::Terraform => "Terraform",
        }
    }
}

/// The fixes for every `Fail` finding of `items`, in `format`. When nothing fails, a
/// short note in the format's own comment syntax (for ARM, a template without resources).
pub fn render(format: Format, items: &[&Assessed], config: &RemediationConfig) -> String {
    render_noted(format, items, config, &[])
}

/// `render`, with `notes` for the reader at the top, in the format's comment syntax
/// (for ARM, in the template's `metadata`): what was left out and why, say.
pub fn render_noted(format: Format, items: &[&Assessed], config: &RemediationConfig, notes: &[String]) -> String {
    let plans = decide::decide(items, config);
    match format {
        Format::Cli => cli::render(&plans, config, notes),
        Format::Bicep => bicep::render(&plans, config, notes),
        Format::Arm => arm::render(&plans, config, notes),
        Format::Policy => policy::render(&plans, notes),
        Format::Terraform => terraform::render(&plans, config, notes),
    }
}

/// What a fix says about `stale` failing clusters whose data is from an earlier read
/// (the latest read of their subscription failed): left out, or `included` on request.
pub fn stale_note(stale: usize, included: bool) -> String {
    let one = stale == 1;
    let (is, their, subscription) = if one {
        ("its data is", "its", "subscription")
    } else {
        ("their data is", "their", "subscriptions")
    };
    if included {
        format!(
            "{} included although {is} stale: from an earlier read, since the latest read of {their} {subscription} failed (--include-stale).",
            crate::text::count(stale, "failing cluster")
        )
    } else {
        format!(
            "{} left out: {is} stale (from an earlier read, since the latest read of {their} {subscription} failed); \
             read again when {} can be read, or pass --include-stale.",
            crate::text::count(stale, "failing cluster"),
            if one { "it" } else { "they" }
        )
    }
}

/// Text being written line by line, with comments in the format's syntax.
struct Text {
    out: String,
    /// `#` or `//`.
    prefix: &'static str,
}

impl Text {
    fn new(prefix: &'static str) -> Text {
        Text {
            out: String::new(),
            prefix,
        }
    }

    fn line(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// A comment on its own line, indented by `indent`. The text is cleaned, so it
    /// stays on one line whatever it holds.
    fn comment_at(&mut self, indent: &str, text: &str) {
        self.out.push_str(indent);
        self.out.push_str(self.prefix);
        self.out.push(' ');
        self.out.push_str(&clean(text));
        self.out.push('\n');
    }

    fn comment(&mut self, text: &str) {
        self.comment_at("", text);
    }

    /// Each note as a comment of its own.
    fn notes(&mut self, notes: &[String]) {
        for note in notes {
            self.comment(note);
        }
    }

    /// Code followed by a comment on the same line.
    fn line_with_comment(&mut self, code: &str, text: &str) {
        self.out.push_str(code);
        self.out.push(' ');
        self.out.push_str(self.prefix);
        self.out.push(' ');
        self.out.push_str(&clean(text));
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::{Config, Frequency, Waiver};
    use crate::model::fixtures::maintenance;
    use crate::model::{AgentPool, Cluster, MaintenanceConfig, Rule};

    const SUB_A: &str = "11111111-1111-1111-1111-111111111111";
    const SUB_B: &str = "22222222-2222-2222-2222-222222222222";

    fn pool(name: &str, os: &str, version: Option<&str>) -> AgentPool {
        AgentPool {
            name: name.into(),
            mode: Some("System".into()),
            os_type: Some(os.into()),
            orchestrator_version: version.map(String::from),
            ..Default::default()
        }
    }

    const BOTH: &[&str] = &["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"];

    #[expect(
        clippy::too_many_arguments,
        reason = "a fixture reads best with every field in one call"
    )]
    fn cluster(
        sub: &str,
        rg: &str,
        name: &str,
        version: &str,
        channel: Option<&str>,
        node_os: Option<&str>,
        pools: Vec<AgentPool>,
        maintenance: Option<Vec<MaintenanceConfig>>,
    ) -> Cluster {
        Cluster {
            id: format!(
                "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
            ),
            name: name.into(),
            subscription_id: sub.into(),
            subscription_name: (sub == SUB_A).then(|| "Production".to_string()),
            resource_group: rg.into(),
            location: if sub == SUB_A {
                "westeurope".into()
            } else {
                "eastus".into()
            },
            kubernetes_version: Some(version.into()),
            upgrade_channel: channel.map(String::from),
            node_os_upgrade_channel: node_os.map(String::from),
            pools,
            maintenance,
            ..Default::default()
        }
    }

    /// Two subscriptions; every kind of failure once; a passing and a waived cluster
    /// that must produce nothing. Listed out of order: the output sorts them.
    fn fleet() -> (Vec<Assessed>, Config) {
        let linux = |v: &str| vec![pool("system", "Linux", Some(v))];
        let mut unmanaged = cluster(
            SUB_A,
            "team(prod).eu",
            "aks-weu-unmanaged",
            "1.33.7",
            Some("patch"),
            Some("Unmanaged"),
            linux("1.33.7"),
            maintenance(BOTH),
        );
        unmanaged.tags = BTreeMap::from([("owner".into(), "O'Brien".into()), ("env".into(), "prod".into())]);
        let windows = cluster(
            SUB_A,
            "rg-win",
            "aks-win",
            "1.34.2",
            Some("none"),
            Some("None"),
            vec![
                pool("system", "Linux", Some("1.34.2")),
                pool("win1", "Windows", Some("1.34.2")),
            ],
            maintenance(&["aksManagedAutoUpgradeSchedule"]),
        );
        let node_image = cluster(
            SUB_A,
            "rg-legacy",
            "aks-nodeimage",
            "1.33.7",
            Some("node-image"),
            None,
            linux("1.33.7"),
            None,
        );
        let passing = cluster(
            SUB_A,
            "rg-ok",
            "aks-ok",
            "1.34.2",
            Some("patch"),
            Some("SecurityPatch"),
            linux("1.34.2"),
            maintenance(BOTH),
        );
        let old = cluster(
            SUB_B,
            "rg-b",
            "aks-old",
            "1.31.4",
            Some("stable"),
            None,
            vec![
                pool("system", "Linux", Some("1.31.4")),
                pool("user1", "Linux", Some("1.30.9")),
            ],
            maintenance(&[]),
        );
        let waived = cluster(
            SUB_B,
            "rg-b",
            "aks-waived",
            "1.34.2",
            Some("patch"),
            Some("Unmanaged"),
            linux("1.34.2"),
            maintenance(BOTH),
        );
        let mut tagged = cluster(
            SUB_B,
            "rg-b",
            "aks-tagged",
            "1.34.2",
            None,
            Some("SecurityPatch"),
            linux("1.34.2"),
            maintenance(BOTH),
        );
        tagged.tags = BTreeMap::from([("note".into(), "it's \"quoted\" $(id) `x`\nline two".into())]);
        let mut config = Config::default();
        config.waivers.push(Waiver {
            cluster: "aks-waived".into(),
            rule: Rule::NodeAutoUpgrade,
            reason: "vendor appliance".into(),
            expires: None,
        });
        let clusters = vec![old, passing, tagged, unmanaged, waived, node_image, windows];
        let today = time::macros::date!(2026 - 11 - 26);
        (crate::rules::assess(clusters, &config, today), config)
    }

    fn render_fleet(format: Format) -> String {
        let (items, config) = fleet();
        let refs: Vec<&Assessed> = items.iter().collect();
        render(format, &refs, &config.remediation)
    }

    /// A cluster whose every string tries to escape its quoting.
    fn hostile() -> (Vec<Assessed>, Config) {
        // Shell metacharacters, not control characters: those make the CLI skip the cluster.
        let name = "evil'\" $(touch pwned)`id`${x}%{y}[z]\\";
        let mut c = cluster(
            SUB_A,
            "rg'; rm -rf ~ #",
            name,
            "1.20.0",
            None,
            Some("Unmanaged"),
            vec![pool("p'1", "Linux", Some("1.19.0"))],
            maintenance(&[]),
        );
        c.location = "[concat('x')]".into();
        c.tags = BTreeMap::from([("*/ '\n".into(), "${evil}\r\n# not a comment".into())]);
        let config = Config::default();
        let today = time::macros::date!(2026 - 11 - 26);
        (crate::rules::assess(vec![c], &config, today), config)
    }

    fn render_hostile(format: Format) -> String {
        let (items, config) = hostile();
        let refs: Vec<&Assessed> = items.iter().collect();
        render(format, &refs, &config.remediation)
    }

    #[test]
    fn cli_snapshot() {
        insta::assert_snapshot!("cli", render_fleet(Format::Cli));
    }

    #[test]
    fn bicep_snapshot() {
        insta::assert_snapshot!("bicep", render_fleet(Format::Bicep));
    }

    #[test]
    fn arm_snapshot() {
        insta::assert_snapshot!("arm", render_fleet(Format::Arm));
    }

    #[test]
    fn policy_snapshot() {
        insta::assert_snapshot!("policy", render_fleet(Format::Policy));
    }

    #[test]
    fn terraform_snapshot() {
        insta::assert_snapshot!("terraform", render_fleet(Format::Terraform));
    }

    #[test]
    fn passing_and_waived_clusters_produce_nothing() {
        for format in Format::ALL {
            let text = render_fleet(format);
            for name in ["aks-ok", "aks-waived"] {
                assert!(!text.contains(name), "{} mentions {name}", format.label());
            }
            assert!(
                text.contains("aks-weu-unmanaged"),
                "{} misses a failing cluster",
                format.label()
            );
        }
    }

    #[test]
    fn nothing_failing_gives_a_short_note_in_the_format_syntax() {
        let config = RemediationConfig::default();
        for format in Format::ALL {
            let text = render(format, &[], &config);
            assert!(text.contains("nothing to fix"), "{}: {text}", format.label());
            match format {
                Format::Bicep => assert!(text.starts_with("// ")),
                Format::Arm => {
                    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
                    assert_eq!(value["resources"], serde_json::json!([]));
                }
                Format::Cli | Format::Policy | Format::Terraform => assert!(text.starts_with("# ")),
            }
        }
    }

    #[test]
    fn notes_go_at_the_top_in_the_format_syntax_and_stay_one_line_each() {
        let (items, config) = fleet();
        let refs: Vec<&Assessed> = items.iter().collect();
        let notes = vec![
            "2 failing clusters left out: their data is stale.".to_string(),
            "a note with\na newline and `$(id)`".to_string(),
        ];
        for format in Format::ALL {
            for refs in [&refs[..], &[]] {
                let text = render_noted(format, refs, &config.remediation, &notes);
                let plain = render(format, refs, &config.remediation);
                assert_ne!(text, plain, "{}", format.label());
                match format {
                    Format::Arm => {
                        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
                        assert_eq!(
                            value["metadata"]["notes"][0],
                            "2 failing clusters left out: their data is stale."
                        );
                    }
                    _ => {
                        let prefix = if format == Format::Bicep { "// " } else { "# " };
                        let line = format!("{prefix}2 failing clusters left out: their data is stale.");
                        assert!(text.lines().any(|l| l == line), "{}: {text}", format.label());
                        assert!(
                            text.lines()
                                .any(|l| l == format!("{prefix}a note witha newline and `$(id)`")),
                            "{}: one clean line",
                            format.label()
                        );
                        let first = text.lines().next().unwrap_or_default();
                        assert!(
                            first.starts_with(prefix) || first == "#!/usr/bin/env bash",
                            "{}: {first}",
                            format.label()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_stale_note_says_what_was_left_out_and_how_to_put_it_back() {
        assert_eq!(
            stale_note(1, false),
            "1 failing cluster left out: its data is stale (from an earlier read, since the latest read of its \
             subscription failed); read again when it can be read, or pass --include-stale."
        );
        assert_eq!(
            stale_note(3, true),
            "3 failing clusters included although their data is stale: from an earlier read, since the latest \
             read of their subscriptions failed (--include-stale)."
        );
    }

    #[test]
    fn policy_says_so_when_only_other_rules_fail() {
        let (items, config) = fleet();
        let tagged: Vec<&Assessed> = items.iter().filter(|a| a.cluster.name == "aks-tagged").collect();
        let text = render(Format::Policy, &tagged, &config.remediation);
        assert!(
            text.starts_with("# aksradar: no cluster fails Azure.AKS.NodeAutoUpgrade"),
            "{text}"
        );
    }

    #[test]
    fn output_does_not_depend_on_input_order() {
        let (items, config) = fleet();
        let forward: Vec<&Assessed> = items.iter().collect();
        let backward: Vec<&Assessed> = items.iter().rev().collect();
        for format in Format::ALL {
            assert_eq!(
                render(format, &forward, &config.remediation),
                render(format, &backward, &config.remediation),
                "{}",
                format.label()
            );
        }
    }

    #[test]
    fn cli_quotes_values_for_the_shell() {
        let text = render_fleet(Format::Cli);
        assert!(text.contains("-g 'team(prod).eu' -n aks-weu-unmanaged"), "{text}");
        assert!(!text.contains("-g team(prod).eu"));
        assert!(text.contains("--node-os-upgrade-channel SecurityPatch"));
        // The Windows cluster and the node-image cluster get NodeImage.
        assert!(text.contains("-g rg-win -n aks-win --node-os-upgrade-channel NodeImage"));
        assert!(text.contains("-g rg-legacy -n aks-nodeimage --node-os-upgrade-channel NodeImage"));
    }

    #[test]
    fn every_bicep_output_parses_without_errors() {
        let config = RemediationConfig::default();
        for text in [
            render_fleet(Format::Bicep),
            render_hostile(Format::Bicep),
            render(Format::Bicep, &[], &config),
        ] {
            assert_bicep_parses(&text);
        }
    }

    fn assert_bicep_parses(text: &str) {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_bicep::LANGUAGE.into())
            .expect("the Bicep grammar loads");
        let tree = parser.parse(text, None).expect("the parser returns a tree");
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.is_error() || node.is_missing() {
                let line = text.lines().nth(node.start_position().row).unwrap_or_default();
                panic!("{} at {}: {line}\n{text}", node.kind(), node.start_position());
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        assert!(!tree.root_node().has_error(), "{text}");
    }

    #[test]
    fn arm_output_is_json_with_literal_strings() {
        let fleet: serde_json::Value = serde_json::from_str(&render_fleet(Format::Arm)).expect("valid JSON");
        let resources = fleet["resources"].as_array().expect("a resources array");
        assert!(
            resources
                .iter()
                .all(|r| r["type"].is_string() && r["apiVersion"] == "2025-10-01")
        );
        let text = render_hostile(Format::Arm);
        let hostile: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(hostile["resources"][0]["location"], "[[concat('x')]");
        assert_eq!(
            hostile["resources"][0]["name"],
            "evil'\" $(touch pwned)`id`${x}%{y}[z]\\"
        );
    }

    #[test]
    fn untrusted_text_stays_inside_comments_and_strings() {
        for format in Format::ALL {
            let text = render_hostile(format);
            // A tag value's line break would start a new line if it escaped its comment.
            assert!(!text.contains("\n# not a comment"), "{}", format.label());
            // Bicep and HCL strings escape line breaks, so input never starts a line.
            // (Shell single quotes may hold a line break; the next test runs the script.)
            if matches!(format, Format::Bicep | Format::Terraform) {
                for line in text.lines() {
                    assert!(
                        !line.starts_with("$(touch") && !line.starts_with("line two"),
                        "{}: {line}",
                        format.label()
                    );
                }
            }
        }
    }

    #[test]
    fn every_window_frequency_gives_valid_bicep_and_json() {
        let (items, mut config) = fleet();
        let refs: Vec<&Assessed> = items.iter().collect();
        for frequency in [
            Frequency::Daily,
            Frequency::Weekly,
            Frequency::AbsoluteMonthly,
            Frequency::RelativeMonthly,
        ] {
            config.remediation.maintenance_window.frequency = frequency;
            assert_bicep_parses(&render(Format::Bicep, &refs, &config.remediation));
            let arm = render(Format::Arm, &refs, &config.remediation);
            assert!(serde_json::from_str::<serde_json::Value>(&arm).is_ok(), "{frequency:?}");
        }
    }

    /// Runs the CLI script against a stand-in `az` that records its arguments, and
    /// checks that hostile values arrive as single, unchanged arguments.
    #[cfg(unix)]
    #[test]
    fn the_cli_script_passes_hostile_values_to_az_unchanged() {
        let Ok(bash) = which_bash() else { return };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("az.log");
        let az = dir.path().join("az");
        std::fs::write(
            &az,
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\037' \"$a\"; done >> \"$AZ_LOG\"\nprintf '\\036' >> \"$AZ_LOG\"\n\
             [ \"$2 $3\" = 'maintenanceconfiguration show' ] && exit 1\n\
             [ \"$2 $3\" = 'nodepool show' ] && echo 1.19.0\nexit 0\n",
        )
        .expect("the stand-in az is written");
        set_executable(&az);
        let script = dir.path().join("fix.sh");
        std::fs::write(&script, render_hostile(Format::Cli)).expect("the script is written");
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
        let status = std::process::Command::new(bash)
            .arg(&script)
            .current_dir(dir.path())
            .env("PATH", path)
            .env("AZ_LOG", &log)
            .env("K8S_TARGET_VERSION", "1.33.7")
            .status()
            .expect("bash runs");
        assert!(status.success());
        assert!(!dir.path().join("pwned").exists(), "a command substitution ran");
        let calls = std::fs::read_to_string(&log).expect("az was called");
        let calls: Vec<Vec<&str>> = calls
            .split('\u{1e}')
            .filter(|c| !c.is_empty())
            .map(|c| c.split_terminator('\u{1f}').collect())
            .collect();
        let (items, _) = hostile();
        let c = &items[0].cluster;
        let update = calls
            .iter()
            .find(|a| a.starts_with(&["aks", "update"]) && a.contains(&"--node-os-upgrade-channel"))
            .expect("the node OS channel is set");
        let value_of = |flag: &str| {
            update
                .iter()
                .position(|a| *a == flag)
                .and_then(|i| update.get(i + 1))
                .copied()
        };
        assert_eq!(value_of("-n"), Some(c.name.as_str()));
        assert_eq!(value_of("-g"), Some(c.resource_group.as_str()));
        let pool_upgrade = calls.iter().find(|a| a.starts_with(&["aks", "nodepool", "upgrade"]));
        assert!(pool_upgrade.is_some_and(|a| a.contains(&"p'1")), "{calls:?}");
    }

    /// A stand-in `az` that fails every update of the cluster named in `$AZ_FAIL`
    /// (like an operation AKS ends `Failed`) and succeeds at everything else. The
    /// script must go on with the other clusters, say which one failed, list the
    /// ones it fixed, and exit non-zero.
    #[cfg(unix)]
    #[test]
    fn the_cli_script_reports_a_failed_cluster_fixes_the_others_and_exits_non_zero() {
        let Ok(bash) = which_bash() else { return };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("az.log");
        let az = dir.path().join("az");
        std::fs::write(
            &az,
            "#!/bin/sh\necho \"$*\" >> \"$AZ_LOG\"\n\
             case \"$*\" in *\"aks update\"*\"-n $AZ_FAIL \"*) echo 'ERROR: (UpgradeFailed) drain failed' >&2; exit 1;; esac\n\
             [ \"$2 $3\" = 'maintenanceconfiguration show' ] && exit 1\nexit 0\n",
        )
        .expect("the stand-in az is written");
        set_executable(&az);
        let script = dir.path().join("fix.sh");
        std::fs::write(&script, render_fleet(Format::Cli)).expect("the script is written");
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
        let output = std::process::Command::new(bash)
            .arg(&script)
            .current_dir(dir.path())
            .env("PATH", path)
            .env("AZ_LOG", &log)
            .env("AZ_FAIL", "aks-win")
            .env("K8S_TARGET_VERSION", "1.33.7")
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
        assert!(
            stderr.contains("aksradar: FAILED: 11111111-1111-1111-1111-111111111111/rg-win/aks-win\n"),
            "{stderr}"
        );
        assert!(
            stdout.contains("aksradar: 4 clusters fixed or already right, 1 failed."),
            "{stdout}"
        );
        assert!(
            stdout.contains("  FAILED  11111111-1111-1111-1111-111111111111/rg-win/aks-win"),
            "{stdout}"
        );
        for fixed in [
            "rg-legacy/aks-nodeimage",
            "team(prod).eu/aks-weu-unmanaged",
            "rg-b/aks-old",
        ] {
            assert!(
                stdout.contains(fixed) && !stdout.contains(&format!("FAILED  {fixed}")),
                "{fixed}: {stdout}"
            );
        }
        let calls = std::fs::read_to_string(&log).expect("az was called");
        let failing = calls
            .lines()
            .position(|l| l.contains("update") && l.contains("-n aks-win "));
        let later = calls
            .lines()
            .position(|l| l.contains("update") && l.contains("-n aks-old "));
        assert!(
            failing < later && failing.is_some(),
            "the clusters after the failure still ran:\n{calls}"
        );
        assert!(
            !calls.contains("-n aks-win --node-os-upgrade-channel"),
            "the failed cluster's later changes did not run:\n{calls}"
        );
    }

    #[cfg(unix)]
    fn which_bash() -> Result<std::path::PathBuf, ()> {
        ["/bin/bash", "/usr/bin/bash"]
            .iter()
            .map(std::path::PathBuf::from)
            .find(|p| p.exists())
            .ok_or(())
    }

    #[cfg(unix)]
    fn set_executable(path: &std::path::Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    #[test]
    fn labels_and_the_tab_order_cover_every_format() {
        let labels: Vec<&str> = Format::ALL.iter().map(|f| f.label()).collect();
        assert_eq!(labels, ["Azure CLI", "Bicep", "ARM", "Azure Policy", "Terraform"]);
    }
}
