//! Remediation text: the fixes for the failing findings of the rules asked for (a
//! `Scope`), in one of five formats.
//!
//! Kubernetes upgrades (Version, PoolVersion) drain and replace every node, so they are
//! in a fix only when asked for; the text says what was left out and how to ask.
//! Pure and deterministic: the same clusters and config give the same text, byte for
//! byte (clusters are sorted, nothing reads the clock). `decide` decides what to change
//! once, `words` and `names` word and name it; each format module only spells it. Text
//! from outside (names, tags, reasons) reaches a comment only through `text::clean`,
//! and a value only through the format's own quoting, so no input can end a comment or
//! a string early.
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

use crate::config::{RemediationConfig, RulesConfig};
use crate::model::{Assessed, Outcome, Rule, Version};
use crate::text::clean;

pub use decide::Target;

/// The rules a fix is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope([bool; Rule::ALL.len()]);

impl Scope {
    pub const ALL: Scope = Scope([true; Rule::ALL.len()]);

    /// The rules whose fix is a Kubernetes upgrade: it drains and replaces every node.
    pub const UPGRADES: [Rule; 2] = [Rule::Version, Rule::PoolVersion];

    /// Whether the fix of `rule` is a Kubernetes upgrade, only ever made when asked for.
    pub fn drains_nodes(rule: Rule) -> bool {
        Scope::UPGRADES.contains(&rule)
    }

    fn slot(rule: Rule) -> usize {
        Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0)
    }

    /// Exactly these rules.
    pub fn of(rules: impl IntoIterator<Item = Rule>) -> Scope {
        let mut scope = Scope([false; Rule::ALL.len()]);
        for rule in rules {
            scope.0[Scope::slot(rule)] = true;
        }
        scope
    }

    /// The rules asked for (by `--rule`, a filter, the popup), or with none asked for,
    /// the default: every rule but the Kubernetes upgrades.
    pub fn asked(rules: &[Rule]) -> Scope {
        if rules.is_empty() {
            Scope::default()
        } else {
            Scope::of(rules.iter().copied())
        }
    }

    pub fn includes(self, rule: Rule) -> bool {
        self.0[Scope::slot(rule)]
    }
}

impl Default for Scope {
    /// Every rule but the Kubernetes upgrades.
    fn default() -> Scope {
        Scope::of(Rule::ALL.into_iter().filter(|r| !Scope::drains_nodes(*r)))
    }
}

/// What a fix is asked for, besides the clusters and the remediation config.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub format: Format,
    pub scope: Scope,
    /// The minimum Kubernetes version (config `rules.kubernetes_minimum_version`): an
    /// upgrade step short of it says that more steps follow.
    pub minimum: &'a Version,
    /// Said at the top, in the format's comment syntax (for ARM, in `metadata.notes`).
    pub notes: &'a [String],
}

/// How many of `items` fail each rule, in rule order (waived and unknown findings
/// are not failures).
pub fn failing_per_rule(items: &[&Assessed]) -> [(Rule, usize); Rule::ALL.len()] {
    Rule::ALL.map(|rule| {
        let n = items
            .iter()
            .filter(|a| a.findings.iter().any(|f| f.rule == rule && f.outcome == Outcome::Fail))
            .count();
        (rule, n)
    })
}

/// What a fix in `scope` leaves out of `items`: one line naming each failing rule that
/// was not asked for (`decide::not_asked`, as an apply's plan says per cluster), with
/// how many clusters fail it and how to ask for it. `None` when nothing failing is left
/// out.
pub fn left_out_note(items: &[&Assessed], scope: Scope) -> Option<String> {
    let mut clusters = [0usize; Rule::ALL.len()];
    for item in items {
        for rule in decide::not_asked(item, scope) {
            clusters[Scope::slot(rule)] += 1;
        }
    }
    let left: Vec<(Rule, usize)> = Rule::ALL.into_iter().zip(clusters).filter(|(_, n)| *n > 0).collect();
    if left.is_empty() {
        return None;
    }
    let why = if left.iter().any(|(rule, _)| Scope::drains_nodes(*rule)) {
        " Kubernetes upgrades drain and replace every node, so they are fixed only when asked for."
    } else {
        ""
    };
    let left: Vec<String> = left
        .into_iter()
        .map(|(rule, n)| format!("{} ({})", rule.name(), crate::text::count(n, "cluster")))
        .collect();
    Some(format!(
        "Not asked for, so not fixed here: {}.{why} Ask with --rule (repeatable), a fail: term in the filter, \
         or the fix popup's rule toggles.",
        left.join(", ")
    ))
}

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

/// The fixes for the `Fail` findings of `items` in the default scope (every rule but
/// the Kubernetes upgrades, against the default minimum version), in `format`.
pub fn render(format: Format, items: &[&Assessed], config: &RemediationConfig) -> String {
    let minimum = RulesConfig::default().kubernetes_minimum_version;
    let request = Request {
        format,
        scope: Scope::default(),
        minimum: &minimum,
        notes: &[],
    };
    render_request(&request, items, config)
}

/// The fixes for the `Fail` findings of `items` of the rules in the request's scope, in
/// its format, with its notes and what the scope left out at the top. When nothing is
/// left to fix, a short note in the format's own comment syntax (for ARM, a template
/// without resources).
pub fn render_request(request: &Request<'_>, items: &[&Assessed], config: &RemediationConfig) -> String {
    let plans = decide::decide(items, config, request.scope, request.minimum);
    let mut notes = request.notes.to_vec();
    notes.extend(left_out_note(items, request.scope));
    match request.format {
        Format::Cli => cli::render(&plans, config, &notes),
        Format::Bicep => bicep::render(&plans, config, &notes),
        Format::Arm => arm::render(&plans, config, &notes),
        Format::Policy => policy::render(&plans, request.scope, &notes),
        Format::Terraform => terraform::render(&plans, config, &notes),
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
            orchestrator_version: version.map(Into::into),
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
            subscription_name: (sub == SUB_A).then(|| "Production".into()),
            resource_group: rg.into(),
            location: if sub == SUB_A {
                "westeurope".into()
            } else {
                "eastus".into()
            },
            kubernetes_version: Some(version.into()),
            upgrade_channel: channel.map(Into::into),
            node_os_upgrade_channel: node_os.map(Into::into),
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
        unmanaged.tags = BTreeMap::from([("owner".into(), "O'Brien".into()), ("env".into(), "prod".into())]).into();
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
        let mut old = cluster(
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
        // Its upgrade profile: two minors behind the minimum, so one step and more to follow.
        old.upgrades = Some(["1.31.9", "1.32.10", "1.32.7"].map(crate::model::Atom::from).into());
        // Below the minimum by a patch, its profile not read: the version is chosen by hand.
        let unread = cluster(
            SUB_B,
            "rg-b",
            "aks-unread",
            "1.33.2",
            Some("patch"),
            Some("SecurityPatch"),
            linux("1.33.2"),
            maintenance(BOTH),
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
        tagged.tags = BTreeMap::from([("note".into(), "it's \"quoted\" $(id) `x`\nline two".into())]).into();
        let mut config = Config::default();
        config.waivers.push(Waiver {
            cluster: "aks-waived".into(),
            rule: Rule::NodeAutoUpgrade,
            reason: "vendor appliance".into(),
            expires: None,
        });
        let clusters = vec![old, passing, tagged, unmanaged, waived, node_image, windows, unread];
        let today = time::macros::date!(2026 - 11 - 26);
        (crate::rules::assess(clusters, &config, today), config)
    }

    /// Every rule's fixes, against the default minimum, with these notes.
    fn render_all(format: Format, items: &[&Assessed], config: &RemediationConfig, notes: &[String]) -> String {
        let minimum = Version::parse("1.33.7").unwrap();
        let request = Request {
            format,
            scope: Scope::ALL,
            minimum: &minimum,
            notes,
        };
        render_request(&request, items, config)
    }

    fn render_fleet(format: Format) -> String {
        let (items, config) = fleet();
        let refs: Vec<&Assessed> = items.iter().collect();
        render_all(format, &refs, &config.remediation, &[])
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
        c.tags = BTreeMap::from([("*/ '\n".into(), "${evil}\r\n# not a comment".into())]).into();
        let config = Config::default();
        let today = time::macros::date!(2026 - 11 - 26);
        (crate::rules::assess(vec![c], &config, today), config)
    }

    fn render_hostile(format: Format) -> String {
        let (items, config) = hostile();
        let refs: Vec<&Assessed> = items.iter().collect();
        render_all(format, &refs, &config.remediation, &[])
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
                let text = render_all(format, refs, &config.remediation, &notes);
                let plain = render_all(format, refs, &config.remediation, &[]);
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
        assert!(text.contains("-g rg-win -n aks-win --query autoUpgradeProfile.nodeOsUpgradeChannel -o tsv)\n  if [ \"$current\" != NodeImage ]; then flags+=(--node-os-upgrade-channel NodeImage)"), "{text}");
        assert!(text.contains("-g rg-legacy -n aks-nodeimage --query autoUpgradeProfile.nodeOsUpgradeChannel -o tsv)\n  if [ \"$current\" != NodeImage ]; then flags+=(--node-os-upgrade-channel NodeImage)"), "{text}");
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

    /// A stand-in `az` for the scripts: it records every call (arguments split by
    /// `\x1f`, calls by `\x1e`) and keeps each cluster's values in files under
    /// `$AZ_STATE`, so a second run sees what the first changed. `az aks update` of the
    /// cluster named in `$AZ_FAIL` fails, as an operation AKS ends `Failed` does. Each
    /// operation started with `--no-wait` is in flight until its `wait`; the count in
    /// flight is logged when one starts, and with `$AZ_MEET` set the first `wait` holds
    /// its operation in flight until two have been in flight at once (for at most a
    /// minute, for loaded machines), whether the other started before this wait or
    /// during it: parallel jobs meet there, a script that ran one cluster at a time would
    /// not.
    #[cfg(unix)]
    const FAKE_AZ: &str = r#"#!/usr/bin/env bash
set -u
# One write per call: the jobs run in parallel, and O_APPEND keeps one write whole.
record=; for a in "$@"; do record+="$a"$'\037'; done; printf '%s\036' "$record" >> "$AZ_LOG"
arg() { local want=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then printf '%s' "${2-}"; return; fi; shift; done; }
key() { printf '%s' "$1" | cksum | tr ' ' _; }
cluster=$(arg --cluster-name "$@"); [ -n "$cluster" ] || cluster=$(arg -n "$@")
k="$AZ_STATE/$(key "$cluster")"
start_op() {
  mkdir -p "$AZ_STATE/inflight"; touch "$AZ_STATE/inflight/$(key "$cluster")"
  ls "$AZ_STATE/inflight" | wc -l | tr -d ' ' >> "$AZ_STATE/inflight.log"
}
end_op() {
  if [ -n "${AZ_MEET-}" ] && mkdir "$AZ_STATE/first-wait" 2>/dev/null; then
    for _ in $(seq 1200); do grep -qvx 1 "$AZ_STATE/inflight.log" && break; sleep 0.05; done
    if grep -qvx 1 "$AZ_STATE/inflight.log"; then echo met; else echo alone; fi > "$AZ_STATE/met"
  fi
  rm -f "$AZ_STATE/inflight/$(key "$cluster")"
}
show() { if [ -f "$1" ]; then cat "$1"; elif [ "$2" = provisioningState ]; then echo Succeeded; fi; }
case "$1 $2" in
"aks show") q=$(arg --query "$@"); show "$k.$q" "$q" ;;
"aks update")
  if [ "$cluster" = "${AZ_FAIL-}" ]; then echo 'ERROR: (UpgradeFailed) drain failed' >&2; exit 1; fi
  v=$(arg --auto-upgrade-channel "$@"); [ -z "$v" ] || echo "$v" > "$k.autoUpgradeProfile.upgradeChannel"
  v=$(arg --node-os-upgrade-channel "$@"); [ -z "$v" ] || echo "$v" > "$k.autoUpgradeProfile.nodeOsUpgradeChannel"
  start_op ;;
"aks upgrade")
  # As az does without --control-plane-only: the pools move with the control plane.
  v=$(arg --kubernetes-version "$@"); echo "$v" > "$k.kubernetesVersion"
  for f in "$k".*.orchestratorVersion; do [ ! -f "$f" ] || echo "$v" > "$f"; done
  start_op ;;
"aks wait") end_op ;;
"aks nodepool")
  pool=$(arg -n "$@"); p="$k.$(key "$pool")"
  case "$3" in
  show) q=$(arg --query "$@"); show "$p.$q" "$q" ;;
  upgrade) arg --kubernetes-version "$@" > "$p.orchestratorVersion"; echo >> "$p.orchestratorVersion"; start_op ;;
  wait) end_op ;;
  esac ;;
"aks maintenanceconfiguration")
  n=$(arg -n "$@")
  case "$3" in show) [ -f "$k.mc.$n" ] ;; add) touch "$k.mc.$n" ;; esac ;;
esac
"#;

    /// A run of a script against `FAKE_AZ`.
    #[cfg(unix)]
    struct FakeRun {
        code: Option<i32>,
        stdout: String,
        stderr: String,
        /// The `az` calls of this run, each as its arguments.
        calls: Vec<Vec<String>>,
        /// The count in flight each time an operation started.
        in_flight: Vec<usize>,
    }

    #[cfg(unix)]
    impl FakeRun {
        fn calls_of(&self, group: &[&str]) -> Vec<&Vec<String>> {
            self.calls
                .iter()
                .filter(|c| c.len() >= group.len() && c.iter().zip(group).all(|(a, b)| a == b))
                .collect()
        }

        /// The value after `flag` in a call.
        fn value<'a>(call: &'a [String], flag: &str) -> Option<&'a str> {
            call.iter()
                .position(|a| a == flag)
                .and_then(|i| call.get(i + 1))
                .map(String::as_str)
        }
    }

    /// A folder with `FAKE_AZ` as `az`, its state seeded with each cluster's version and
    /// each pool's (so version reads answer as the fleet does).
    #[cfg(unix)]
    fn fake_az(items: &[Assessed]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let az = dir.path().join("az");
        std::fs::write(&az, FAKE_AZ).expect("the stand-in az is written");
        set_executable(&az);
        let state = dir.path().join("state");
        std::fs::create_dir(&state).expect("the state folder");
        let key = |name: &str| -> String {
            let out = std::process::Command::new("cksum")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    use std::io::Write;
                    child.stdin.take().expect("stdin").write_all(name.as_bytes())?;
                    child.wait_with_output()
                })
                .expect("cksum runs");
            String::from_utf8_lossy(&out.stdout).trim().replace(' ', "_")
        };
        for item in items {
            let c = &item.cluster;
            let k = key(&c.name);
            if let Some(version) = &c.kubernetes_version {
                std::fs::write(state.join(format!("{k}.kubernetesVersion")), format!("{version}\n")).expect("seed");
            }
            for pool in &c.pools {
                if let Some(version) = &pool.orchestrator_version {
                    let file = state.join(format!("{k}.{}.orchestratorVersion", key(&pool.name)));
                    std::fs::write(file, format!("{version}\n")).expect("seed");
                }
            }
        }
        dir
    }

    /// Runs `script` with bash in `dir` (made by `fake_az`), with `env` set.
    #[cfg(unix)]
    fn run_script(dir: &std::path::Path, script: &str, env: &[(&str, &str)]) -> Option<FakeRun> {
        let bash = which_bash().ok()?;
        let log = dir.join("az.log");
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(dir.join("state/inflight.log"));
        let _ = std::fs::remove_dir(dir.join("state/first-wait"));
        let file = dir.join("fix.sh");
        std::fs::write(&file, script).expect("the script is written");
        let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
        let mut command = std::process::Command::new(bash);
        command
            .arg(&file)
            .current_dir(dir)
            .env("PATH", path)
            .env("AZ_LOG", &log)
            .env("AZ_STATE", dir.join("state"))
            .env_remove("K8S_TARGET_VERSION")
            .env_remove("MAX_PARALLEL")
            .env_remove("AZ_MEET")
            .env_remove("AZ_FAIL");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("bash runs");
        let calls = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .split('\u{1e}')
            .filter(|c| !c.is_empty())
            .map(|c| c.split_terminator('\u{1f}').map(String::from).collect())
            .collect();
        let in_flight = std::fs::read_to_string(dir.join("state/inflight.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        Some(FakeRun {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            calls,
            in_flight,
        })
    }

    /// Runs the CLI script against the stand-in `az`, and checks that hostile values
    /// arrive as single, unchanged arguments.
    #[cfg(unix)]
    #[test]
    fn the_cli_script_passes_hostile_values_to_az_unchanged() {
        let (items, _) = hostile();
        let dir = fake_az(&items);
        let Some(run) = run_script(
            dir.path(),
            &render_hostile(Format::Cli),
            &[("K8S_TARGET_VERSION", "1.33.7")],
        ) else {
            return;
        };
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        assert!(!dir.path().join("pwned").exists(), "a command substitution ran");
        let c = &items[0].cluster;
        let updates = run.calls_of(&["aks", "update"]);
        let [update] = updates.as_slice() else {
            panic!("one update: {:?}", run.calls)
        };
        assert_eq!(FakeRun::value(update, "-n"), Some(c.name.as_str()));
        assert_eq!(FakeRun::value(update, "-g"), Some(c.resource_group.as_str()));
        assert_eq!(
            FakeRun::value(update, "--node-os-upgrade-channel"),
            Some("SecurityPatch")
        );
        let pools = run.calls_of(&["aks", "nodepool", "upgrade"]);
        assert!(
            pools.iter().any(|a| FakeRun::value(a, "-n") == Some("p'1")),
            "{:?}",
            run.calls
        );
    }

    /// A failed update (an operation AKS ends `Failed`) stops that cluster, and only
    /// that cluster: the others are fixed, each result is said as it comes, and the
    /// script ends naming both and exiting 1.
    #[cfg(unix)]
    #[test]
    fn the_cli_script_reports_a_failed_cluster_fixes_the_others_and_exits_non_zero() {
        let (items, _) = fleet();
        let dir = fake_az(&items);
        let Some(run) = run_script(
            dir.path(),
            &render_fleet(Format::Cli),
            &[("AZ_FAIL", "aks-win"), ("K8S_TARGET_VERSION", "1.33.7")],
        ) else {
            return;
        };
        assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("aksradar: FAILED: 11111111-1111-1111-1111-111111111111/rg-win/aks-win\n"),
            "{}",
            run.stderr
        );
        assert!(
            run.stdout
                .contains("aksradar: 5 clusters fixed or already right, 1 failed."),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("  FAILED  11111111-1111-1111-1111-111111111111/rg-win/aks-win"),
            "{}",
            run.stdout
        );
        for fixed in [
            "rg-legacy/aks-nodeimage",
            "team(prod).eu/aks-weu-unmanaged",
            "rg-b/aks-old",
            "rg-b/aks-tagged",
            "rg-b/aks-unread",
        ] {
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.starts_with("aksradar: ok: ") && l.ends_with(fixed)),
                "{fixed} is reported as it ends: {}",
                run.stdout
            );
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.starts_with("  ok      ") && l.ends_with(fixed)),
                "{fixed} is in the summary: {}",
                run.stdout
            );
        }
        let win_waits = run
            .calls_of(&["aks", "wait"])
            .into_iter()
            .filter(|c| FakeRun::value(c, "-n") == Some("aks-win"))
            .count();
        assert_eq!(win_waits, 0, "the failed cluster's later steps did not run");
        assert!(
            run.calls_of(&["aks", "upgrade"])
                .iter()
                .any(|c| FakeRun::value(c, "-n") == Some("aks-old")),
            "the clusters after the failure still ran"
        );
    }

    /// One `az aks update` per cluster with every channel flag it needs, started with
    /// `--no-wait` and waited for with `az aks wait --updated`; at most MAX_PARALLEL
    /// clusters at once, and more than one at once; each upgrade to the cluster's own
    /// target; and a second run changes nothing.
    #[cfg(unix)]
    #[test]
    fn the_cli_script_fixes_clusters_in_parallel_with_one_update_each_and_is_idempotent() {
        let (items, _) = fleet();
        let dir = fake_az(&items);
        let script = render_fleet(Format::Cli);
        let env = [
            ("MAX_PARALLEL", "2"),
            ("K8S_TARGET_VERSION", "1.33.9"),
            ("AZ_MEET", "1"),
        ];
        let Some(run) = run_script(dir.path(), &script, &env) else {
            return;
        };
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .contains("aksradar: 6 clusters fixed or already right, 0 failed."),
            "{}",
            run.stdout
        );
        assert_eq!(
            run.stdout.lines().filter(|l| l.starts_with("aksradar: ok: ")).count(),
            6,
            "each result as it ends: {}",
            run.stdout
        );
        let updates = run.calls_of(&["aks", "update"]);
        let mut updated: Vec<&str> = updates.iter().filter_map(|c| FakeRun::value(c, "-n")).collect();
        updated.sort_unstable();
        assert_eq!(
            updated,
            ["aks-nodeimage", "aks-old", "aks-tagged", "aks-weu-unmanaged", "aks-win"],
            "one update per cluster with a channel to set"
        );
        let win = updates
            .iter()
            .find(|c| FakeRun::value(c, "-n") == Some("aks-win"))
            .unwrap();
        assert_eq!(FakeRun::value(win, "--auto-upgrade-channel"), Some("patch"));
        assert_eq!(FakeRun::value(win, "--node-os-upgrade-channel"), Some("NodeImage"));
        for update in &updates {
            assert!(update.iter().any(|a| a == "--no-wait"), "{update:?}");
            let name = FakeRun::value(update, "-n");
            assert!(
                run.calls_of(&["aks", "wait"])
                    .iter()
                    .any(|w| FakeRun::value(w, "-n") == name && w.iter().any(|a| a == "--updated")),
                "{name:?} is waited for"
            );
        }
        let upgrades: Vec<(Option<&str>, Option<&str>)> = run
            .calls_of(&["aks", "upgrade"])
            .iter()
            .map(|c| (FakeRun::value(c, "-n"), FakeRun::value(c, "--kubernetes-version")))
            .collect();
        assert!(
            upgrades.contains(&(Some("aks-old"), Some("1.32.10"))),
            "its profile's step: {upgrades:?}"
        );
        assert!(
            upgrades.contains(&(Some("aks-unread"), Some("1.33.9"))),
            "K8S_TARGET_VERSION where the profile was not read: {upgrades:?}"
        );
        assert_eq!(
            run.in_flight.iter().max(),
            Some(&2),
            "up to MAX_PARALLEL at once, and more than one: {:?}",
            run.in_flight
        );
        let met = std::fs::read_to_string(dir.path().join("state/met")).unwrap_or_default();
        assert_eq!(
            met.trim(),
            "met",
            "another cluster's operation started while the first was in flight"
        );

        let again = run_script(dir.path(), &script, &env).expect("bash");
        assert_eq!(again.code, Some(0), "{}", again.stderr);
        let writes: Vec<&Vec<String>> = again
            .calls
            .iter()
            .filter(|c| {
                let verb = c.get(1).map(String::as_str);
                let sub = c.get(2).map(String::as_str);
                matches!(verb, Some("update" | "upgrade")) || matches!(sub, Some("add" | "upgrade"))
            })
            .collect();
        assert!(writes.is_empty(), "a second run changes nothing: {writes:?}");
    }

    /// Without `K8S_TARGET_VERSION`, only the cluster whose profile was not read fails
    /// (saying what to set); a bad MAX_PARALLEL stops the script before any change.
    #[cfg(unix)]
    #[test]
    fn the_cli_script_needs_a_chosen_version_only_where_the_profile_was_not_read() {
        let (items, _) = fleet();
        let dir = fake_az(&items);
        let script = render_fleet(Format::Cli);
        let Some(run) = run_script(dir.path(), &script, &[]) else {
            return;
        };
        assert_eq!(run.code, Some(1), "{}", run.stdout);
        assert!(
            run.stdout.contains("5 clusters fixed or already right, 1 failed."),
            "{}",
            run.stdout
        );
        assert!(
            run.stderr
                .contains("aksradar: FAILED: 22222222-2222-2222-2222-222222222222/rg-b/aks-unread"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("set K8S_TARGET_VERSION"), "{}", run.stderr);

        for bad in ["0", "four", "-1"] {
            let run = run_script(dir.path(), &script, &[("MAX_PARALLEL", bad)]).expect("bash");
            assert_eq!(run.code, Some(2), "MAX_PARALLEL={bad:?}");
            assert!(
                run.stderr.contains("MAX_PARALLEL must be a whole number above 0"),
                "{}",
                run.stderr
            );
            assert!(run.calls.is_empty(), "nothing ran: {:?}", run.calls);
        }
    }

    #[test]
    fn kubernetes_upgrades_are_left_out_unless_asked_and_every_format_says_so() {
        let (items, config) = fleet();
        let refs: Vec<&Assessed> = items.iter().collect();
        for format in Format::ALL {
            let text = render(format, &refs, &config.remediation);
            for upgrade in [
                "az aks upgrade",
                "nodepool upgrade",
                "kubernetesVersion",
                "kubernetes_version",
            ] {
                assert!(!text.contains(upgrade), "{}: {upgrade}\n{text}", format.label());
            }
            assert!(
                text.contains(
                    "Not asked for, so not fixed here: Azure.AKS.Version (2 clusters), Azure.AKS.PoolVersion (1 cluster). \
                     Kubernetes upgrades drain and replace every node"
                ),
                "{}: {text}",
                format.label()
            );
        }
        // Asked for, one rule alone: nothing else.
        let minimum = Version::parse("1.33.7").unwrap();
        let request = Request {
            format: Format::Cli,
            scope: Scope::of([Rule::Version]),
            minimum: &minimum,
            notes: &[],
        };
        let text = render_request(&request, &refs, &config.remediation);
        assert!(text.contains("az aks upgrade"), "{text}");
        assert!(
            !text.contains("--node-os-upgrade-channel") && !text.contains("maintenanceconfiguration"),
            "{text}"
        );
    }

    #[test]
    fn each_cluster_moves_one_step_to_its_own_target_in_every_format() {
        let text = render_fleet(Format::Cli);
        assert!(
            text.contains("-n aks-old --kubernetes-version 1.32.10 --yes --no-wait"),
            "{text}"
        );
        assert!(
            text.contains(
                "Upgrade from 1.31.4 to 1.32.10: the newest patch of the next minor version its upgrade profile offers"
            ),
            "{text}"
        );
        assert!(
            text.contains("1.32.10 is still below the minimum 1.33.7: more steps follow."),
            "{text}"
        );
        assert!(
            text.contains(r#"-n aks-unread --kubernetes-version "$K8S_TARGET_VERSION""#),
            "{text}"
        );
        assert_eq!(
            text.matches("K8S_TARGET_VERSION:?").count(),
            1,
            "asked for only where the profile was not read"
        );
        let bicep = render_fleet(Format::Bicep);
        assert!(bicep.contains("kubernetesVersion: '1.32.10'"), "{bicep}");
        assert!(bicep.contains("kubernetesVersion: kubernetesTargetVersion"), "{bicep}");
        let arm: serde_json::Value = serde_json::from_str(&render_fleet(Format::Arm)).unwrap();
        let versions: Vec<&str> = arm["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["properties"]["kubernetesVersion"].as_str())
            .collect();
        assert_eq!(versions, ["1.32.10", "[parameters('kubernetesTargetVersion')]"]);
        let terraform = render_fleet(Format::Terraform);
        assert!(
            terraform.contains(r#"kubernetes_version      = "1.32.10""#),
            "{terraform}"
        );
        assert!(terraform.contains("var.kubernetes_target_version"), "{terraform}");
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
