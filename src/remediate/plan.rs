//! What to change on each cluster, decided once so that every format proposes the same fix.
//!
//! A plan exists only for a cluster with at least one `Fail` finding; `Waived`, `Unknown`
//! and `Pass` never produce a fix. Plans come out sorted by subscription, resource group,
//! name and id, so the text built from them does not depend on the order of the input.
//! The warnings here are plain sentences; each format turns them into its own comments.

use std::collections::BTreeSet;

use crate::config::{Frequency, MaintenanceWindow, RemediationConfig};
use crate::model::{AgentPool, Assessed, Cluster, Finding, NodeOsChannel, Outcome, Rule, UpgradeChannel};

pub use crate::rules::{AUTO_UPGRADE_SCHEDULE, NODE_OS_SCHEDULE};

/// One of the two AKS-managed maintenance schedules the MaintenanceWindow rule wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Schedule {
    AutoUpgrade,
    NodeOs,
}

impl Schedule {
    pub const ALL: [Schedule; 2] = [Schedule::AutoUpgrade, Schedule::NodeOs];

    /// The configuration name AKS requires.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::AutoUpgrade => AUTO_UPGRADE_SCHEDULE,
            Schedule::NodeOs => NODE_OS_SCHEDULE,
        }
    }
}

/// Everything to change on one cluster. Each field is `Some` only when its rule fails.
#[derive(Debug)]
pub struct Plan<'a> {
    pub cluster: &'a Cluster,
    pub channel: Option<ChannelFix<'a>>,
    pub node_os: Option<NodeOsFix<'a>>,
    pub version: Option<&'a Finding>,
    pub pools: Option<PoolsFix<'a>>,
    pub maintenance: Option<MaintenanceFix<'a>>,
}

/// Azure.AKS.AutoUpgrade: the cluster channel to set.
#[derive(Debug)]
pub struct ChannelFix<'a> {
    pub finding: &'a Finding,
    pub target: UpgradeChannel,
}

/// Azure.AKS.NodeAutoUpgrade: the node OS channel to set, and why it may not be the
/// configured one.
#[derive(Debug)]
pub struct NodeOsFix<'a> {
    pub finding: &'a Finding,
    pub target: NodeOsChannel,
    /// SecurityPatch is not supported on Windows pools.
    pub has_windows_pool: bool,
    /// The cluster channel is (or becomes) `node-image`, which pins NodeImage.
    pub pinned_by_node_image: bool,
}

/// Azure.AKS.PoolVersion: the pools whose version differs from the cluster's.
#[derive(Debug)]
pub struct PoolsFix<'a> {
    pub finding: &'a Finding,
    pub pools: Vec<&'a AgentPool>,
}

/// Azure.AKS.MaintenanceWindow: the schedules to add.
#[derive(Debug)]
pub struct MaintenanceFix<'a> {
    pub finding: &'a Finding,
    pub missing: Vec<Schedule>,
}

/// The plans for every cluster with a failing finding, in a stable order.
pub fn plans<'a>(items: &[&'a Assessed], config: &RemediationConfig) -> Vec<Plan<'a>> {
    let mut items: Vec<&Assessed> = items.to_vec();
    items.sort_by(|a, b| {
        let key = |x: &'a Assessed| {
            let c = &x.cluster;
            (
                c.subscription_id.as_str(),
                c.resource_group.as_str(),
                c.name.as_str(),
                c.id.as_str(),
            )
        };
        key(a).cmp(&key(b))
    });
    items.into_iter().filter_map(|item| plan(item, config)).collect()
}

fn plan<'a>(item: &'a Assessed, config: &RemediationConfig) -> Option<Plan<'a>> {
    let cluster = &item.cluster;
    let failing = |rule: Rule| {
        item.findings
            .iter()
            .find(|f| f.rule == rule && f.outcome == Outcome::Fail)
    };

    let channel = failing(Rule::AutoUpgrade).map(|finding| ChannelFix {
        finding,
        target: recommended_channel(config),
    });
    // The node OS channel must follow the cluster channel as it will be after this fix.
    let channel_after = channel
        .as_ref()
        .map_or_else(|| cluster.upgrade_channel(), |fix| fix.target.clone());
    let node_os = failing(Rule::NodeAutoUpgrade).map(|finding| {
        let has_windows_pool = cluster.has_windows_pool();
        let pinned_by_node_image = channel_after == UpgradeChannel::NodeImage;
        let target = if has_windows_pool || pinned_by_node_image {
            NodeOsChannel::NodeImage
        } else {
            recommended_node_os(config)
        };
        NodeOsFix {
            finding,
            target,
            has_windows_pool,
            pinned_by_node_image,
        }
    });
    let version = failing(Rule::Version);
    let pools = failing(Rule::PoolVersion).and_then(|finding| {
        let pools = pools_behind(cluster);
        (!pools.is_empty()).then_some(PoolsFix { finding, pools })
    });
    let maintenance = failing(Rule::MaintenanceWindow).and_then(|finding| {
        let missing: Vec<Schedule> = Schedule::ALL
            .into_iter()
            .filter(|s| has_schedule(cluster, *s) != Some(true))
            .collect();
        (!missing.is_empty()).then_some(MaintenanceFix { finding, missing })
    });

    let plan = Plan {
        cluster,
        channel,
        node_os,
        version,
        pools,
        maintenance,
    };
    (plan.fix_count() > 0).then_some(plan)
}

/// The configured node OS channel; the config loader only accepts ones that patch,
/// but the struct's fields are public, so fall back rather than propose a failing value.
fn recommended_node_os(config: &RemediationConfig) -> NodeOsChannel {
    if config.node_os_channel.patches_automatically() {
        config.node_os_channel.clone()
    } else {
        NodeOsChannel::SecurityPatch
    }
}

/// The configured cluster channel, or `patch` when the config holds one that would fail.
fn recommended_channel(config: &RemediationConfig) -> UpgradeChannel {
    match config.upgrade_channel {
        UpgradeChannel::Rapid | UpgradeChannel::Stable | UpgradeChannel::Patch | UpgradeChannel::NodeImage => {
            config.upgrade_channel.clone()
        }
        _ => UpgradeChannel::Patch,
    }
}

/// PoolVersion's own test: a pool with a version that is not the cluster's.
fn pools_behind(cluster: &Cluster) -> Vec<&AgentPool> {
    let cluster_version = cluster.kubernetes_version.as_deref();
    cluster
        .pools
        .iter()
        .filter(|pool| {
            pool.orchestrator_version
                .as_deref()
                .is_some_and(|v| !cluster_version.is_some_and(|c| c.eq_ignore_ascii_case(v)))
        })
        .collect()
}

/// Whether the cluster has the schedule; `None` when its configurations were not read.
/// Names match by suffix ignoring case, as the rule does (template children are `cluster/name`).
pub fn has_schedule(cluster: &Cluster, schedule: Schedule) -> Option<bool> {
    let suffix = schedule.name().as_bytes();
    cluster.maintenance.as_ref().map(|configs| {
        configs.iter().any(|c| {
            let name = c.name.as_bytes();
            name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        })
    })
}

impl Plan<'_> {
    pub fn fix_count(&self) -> usize {
        usize::from(self.channel.is_some())
            + usize::from(self.node_os.is_some())
            + usize::from(self.version.is_some())
            + usize::from(self.pools.is_some())
            + usize::from(self.maintenance.is_some())
    }

    /// The cluster channel once this plan is applied.
    pub fn channel_after(&self) -> UpgradeChannel {
        self.channel
            .as_ref()
            .map_or_else(|| self.cluster.upgrade_channel(), |fix| fix.target.clone())
    }

    /// The node OS channel once this plan is applied: the fix, else NodeImage when the
    /// cluster channel becomes `node-image` (AKS sets it then), else what the cluster has.
    pub fn node_os_after(&self) -> NodeOsChannel {
        match &self.node_os {
            Some(fix) => fix.target.clone(),
            None if self.channel_after() == UpgradeChannel::NodeImage => NodeOsChannel::NodeImage,
            None => self.cluster.node_os_channel(),
        }
    }

    /// Whether this plan adds the schedule (the MaintenanceWindow fix).
    pub fn adds(&self, schedule: Schedule) -> bool {
        self.maintenance.as_ref().is_some_and(|m| m.missing.contains(&schedule))
    }

    /// Whether a maintenance window should be recommended beside a channel change:
    /// the cluster lacks it (or nobody read it), and the output does not add it.
    pub fn lacks_window(&self, schedule: Schedule, output_adds_windows: bool) -> bool {
        has_schedule(self.cluster, schedule) != Some(true) && !(output_adds_windows && self.adds(schedule))
    }

    /// Warnings to print next to the node OS channel change.
    pub fn node_os_warnings(&self, fix: &NodeOsFix<'_>, output_adds_windows: bool) -> Vec<String> {
        let mut out = vec![REIMAGE.to_string(), DELAY.to_string()];
        if fix.has_windows_pool {
            out.push(WINDOWS.to_string());
        }
        if fix.pinned_by_node_image {
            out.push(NODE_IMAGE_PINS.to_string());
        }
        if self.lacks_window(Schedule::NodeOs, output_adds_windows) {
            out.push(window_recommended(Schedule::NodeOs));
        }
        out
    }

    /// Warnings to print next to the cluster channel change.
    pub fn channel_warnings(&self, fix: &ChannelFix<'_>, output_adds_windows: bool) -> Vec<String> {
        let mut out = vec![
            format!(
                "The cluster will upgrade Kubernetes by itself on the '{}' channel.",
                fix.target
            ),
            DELAY.to_string(),
        ];
        if fix.target == UpgradeChannel::NodeImage {
            out.push(NODE_IMAGE_LEGACY.to_string());
        }
        if self.lacks_window(Schedule::AutoUpgrade, output_adds_windows) {
            out.push(window_recommended(Schedule::AutoUpgrade));
        }
        out
    }

    /// For a declarative patch (version and channels in one resource): the failing
    /// findings it fixes, and their warnings without repeats.
    pub fn patch_notes(&self) -> (Vec<String>, Vec<String>) {
        let mut findings = Vec::new();
        let mut warnings = Vec::new();
        if let Some(finding) = self.version {
            findings.push(finding_line(finding));
            warnings.extend([VERSION_STEP.to_string(), VERSION_DRAIN.to_string()]);
        }
        if let Some(fix) = &self.channel {
            findings.push(finding_line(fix.finding));
            warnings.extend(self.channel_warnings(fix, true));
        }
        if let Some(fix) = &self.node_os {
            findings.push(finding_line(fix.finding));
            warnings.extend(self.node_os_warnings(fix, true));
        }
        let mut seen = BTreeSet::new();
        warnings.retain(|w| seen.insert(w.clone()));
        (findings, warnings)
    }

    /// Whether the declarative formats write a cluster patch (version or channels).
    pub fn has_patch(&self) -> bool {
        self.version.is_some() || self.channel.is_some() || self.node_os.is_some()
    }

    /// Whether the output must set the node OS channel: its rule fails, or the cluster
    /// channel becomes `node-image`, which allows NodeImage only.
    pub fn sets_node_os(&self) -> bool {
        self.node_os.is_some()
            || self
                .channel
                .as_ref()
                .is_some_and(|fix| fix.target == UpgradeChannel::NodeImage)
    }

    /// What a pool should move to, in words: the target version parameter when the
    /// control plane is upgraded too, else the cluster's version.
    pub fn pool_target(&self, target_parameter: &str) -> String {
        match (self.version, self.cluster.kubernetes_version.as_deref()) {
            (Some(_), _) => format!("{target_parameter}, with the control plane"),
            (None, Some(v)) => format!("'{v}', the cluster's kubernetesVersion"),
            (None, None) => "the cluster's kubernetesVersion (not in the data)".to_string(),
        }
    }
}

pub const REIMAGE: &str = "Warning: changing between NodeImage and SecurityPatch reimages the nodes, \
     and either channel rolls its updates through the pools by draining and reimaging nodes.";
pub const DELAY: &str = "Allow up to 24 hours for the change to take effect.";
pub const WINDOWS: &str =
    "The cluster has a Windows pool, and Windows pools do not support SecurityPatch: the target is NodeImage.";
pub const NODE_IMAGE_PINS: &str = "upgradeChannel is node-image: the node OS channel cannot differ from \
     NodeImage while it stays so (node-image is legacy; move it to patch or stable to use SecurityPatch).";
pub const NODE_IMAGE_LEGACY: &str = "node-image is a legacy channel and pins the node OS channel to NodeImage.";
pub const VERSION_STEP: &str = "AKS upgrades one minor version at a time, and only to versions the region \
     supports: choose the target with az aks get-upgrades; a cluster far behind needs several passes.";
pub const VERSION_DRAIN: &str = "Warning: a Kubernetes upgrade drains and replaces every node; check the \
     workloads for removed APIs first.";
pub const POOL_DRAIN: &str = "Warning: upgrading a pool drains and replaces its nodes, per its surge settings.";

pub fn window_recommended(schedule: Schedule) -> String {
    let what = match schedule {
        Schedule::AutoUpgrade => "Kubernetes upgrades",
        Schedule::NodeOs => "node OS updates",
    };
    format!(
        "A planned maintenance window ({}) is recommended, so {what} run when you choose.",
        schedule.name()
    )
}

/// The window in words, e.g. `every week on Sunday at 00:00 (UTC+00:00) for 4 hours`.
pub fn describe_window(w: &MaintenanceWindow) -> String {
    let every = |unit: &str| match w.interval {
        1 => format!("every {unit}"),
        n => format!("every {n} {unit}s"),
    };
    let when = match w.frequency {
        Frequency::Daily => every("day"),
        Frequency::Weekly => format!("{} on {}", every("week"), w.day_of_week),
        Frequency::AbsoluteMonthly => format!("on day {} of {}", w.day_of_month, every("month")),
        Frequency::RelativeMonthly => format!("on the {} {} of {}", w.week_index, w.day_of_week, every("month")),
    };
    format!(
        "{when} at {} (UTC{}) for {} hours",
        w.start_time, w.utc_offset, w.duration_hours
    )
}

/// A value in a maintenance schedule: a count or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    Int(u8),
    Str(String),
}

/// The ARM `maintenanceWindow.schedule` of the window: its kind (`weekly`, ...) and fields,
/// in the order the API documents them.
pub fn schedule_fields(w: &MaintenanceWindow) -> (&'static str, Vec<(&'static str, Scalar)>) {
    let day = Scalar::Str(w.day_of_week.to_string());
    match w.frequency {
        Frequency::Daily => ("daily", vec![("intervalDays", Scalar::Int(w.interval))]),
        Frequency::Weekly => (
            "weekly",
            vec![("intervalWeeks", Scalar::Int(w.interval)), ("dayOfWeek", day)],
        ),
        Frequency::AbsoluteMonthly => (
            "absoluteMonthly",
            vec![
                ("intervalMonths", Scalar::Int(w.interval)),
                ("dayOfMonth", Scalar::Int(w.day_of_month)),
            ],
        ),
        Frequency::RelativeMonthly => (
            "relativeMonthly",
            vec![
                ("intervalMonths", Scalar::Int(w.interval)),
                ("weekIndex", Scalar::Str(w.week_index.to_string())),
                ("dayOfWeek", day),
            ],
        ),
    }
}

/// The failing rule and its reason, for the line above a fix.
pub fn finding_line(finding: &Finding) -> String {
    format!(
        "{} ({}): {}",
        finding.rule.name(),
        finding.rule.reference(),
        finding.reason
    )
}

/// The subscription heading: `Subscription <id> (<name>)`.
pub fn subscription_heading(cluster: &Cluster) -> String {
    match cluster.subscription_name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("Subscription {} ({name})", cluster.subscription_id),
        None => format!("Subscription {}", cluster.subscription_id),
    }
}

/// The line that introduces a cluster: name, resource group and location.
pub fn cluster_heading(cluster: &Cluster) -> String {
    format!(
        "Cluster {} in resource group {} ({})",
        cluster.name, cluster.resource_group, cluster.location
    )
}

/// The cluster's tags as `key=value, ...`, or `None` when it has none.
pub fn tags_line(cluster: &Cluster) -> Option<String> {
    (!cluster.tags.is_empty()).then(|| {
        let tags: Vec<String> = cluster.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("Tags: {}", tags.join(", "))
    })
}

/// The header's count: `N failing findings on M clusters`.
pub fn totals(plans: &[Plan<'_>]) -> String {
    let findings: usize = plans.iter().map(Plan::fix_count).sum();
    format!(
        "{} on {}",
        count(findings, "failing finding"),
        count(plans.len(), "cluster")
    )
}

/// `1 cluster`, `2 clusters`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Words Bicep reserves, which a symbol must not be.
const RESERVED: &[&str] = &[
    "as",
    "assert",
    "existing",
    "extends",
    "extension",
    "false",
    "for",
    "func",
    "if",
    "import",
    "in",
    "metadata",
    "module",
    "null",
    "output",
    "param",
    "provider",
    "resource",
    "targetScope",
    "true",
    "type",
    "using",
    "var",
    "with",
];

/// One identifier per plan, derived from the cluster name: only `[A-Za-z0-9_]`, starting
/// with a letter, and unique together with every `base + suffix` the format derives.
pub fn identifiers(plans: &[Plan<'_>], suffixes: &[&str]) -> Vec<String> {
    let mut used = BTreeSet::new();
    plans
        .iter()
        .map(|plan| {
            let base = sanitize(&plan.cluster.name);
            let mut n = 1;
            loop {
                let candidate = if n == 1 { base.clone() } else { format!("{base}_{n}") };
                let derived: Vec<String> = std::iter::once(candidate.clone())
                    .chain(suffixes.iter().map(|s| format!("{candidate}{s}")))
                    .collect();
                if !RESERVED.contains(&candidate.as_str()) && derived.iter().all(|d| !used.contains(d)) {
                    used.extend(derived);
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "aks_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{failing as assessed, maintenance};

    #[test]
    fn the_node_os_target_follows_windows_pools_and_the_node_image_channel() {
        let config = RemediationConfig::default();
        let windows = Cluster {
            pools: vec![AgentPool {
                name: "win".into(),
                os_type: Some("Windows".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let node_image = Cluster {
            upgrade_channel: Some("node-image".into()),
            ..Default::default()
        };
        let linux = Cluster::default();
        let cases = [
            (windows, NodeOsChannel::NodeImage),
            (node_image, NodeOsChannel::NodeImage),
            (linux, NodeOsChannel::SecurityPatch),
        ];
        for (cluster, want) in cases {
            let item = assessed(cluster, &[Rule::NodeAutoUpgrade]);
            let plans = plans(&[&item], &config);
            assert_eq!(plans[0].node_os.as_ref().map(|f| f.target.clone()), Some(want));
        }
    }

    #[test]
    fn a_cluster_channel_fixed_to_node_image_pins_the_node_os_target() {
        let config = RemediationConfig {
            upgrade_channel: UpgradeChannel::NodeImage,
            ..Default::default()
        };
        let item = assessed(Cluster::default(), &[Rule::AutoUpgrade, Rule::NodeAutoUpgrade]);
        let plans = plans(&[&item], &config);
        let fix = plans[0].node_os.as_ref().unwrap();
        assert_eq!(fix.target, NodeOsChannel::NodeImage);
        assert!(fix.pinned_by_node_image);
    }

    #[test]
    fn only_failing_findings_make_a_plan() {
        let config = RemediationConfig::default();
        let mut item = assessed(Cluster::default(), &[Rule::NodeAutoUpgrade, Rule::AutoUpgrade]);
        item.findings[0].outcome = Outcome::Waived;
        item.findings[1].outcome = Outcome::Unknown;
        assert!(plans(&[&item], &config).is_empty());
    }

    #[test]
    fn only_missing_schedules_are_added() {
        let config = RemediationConfig::default();
        let cluster = Cluster {
            maintenance: maintenance(&["c/AKSMANAGEDAUTOUPGRADESCHEDULE"]),
            ..Default::default()
        };
        let item = assessed(cluster, &[Rule::MaintenanceWindow]);
        let plans = plans(&[&item], &config);
        assert_eq!(plans[0].maintenance.as_ref().unwrap().missing, vec![Schedule::NodeOs]);
    }

    #[test]
    fn identifiers_are_valid_and_unique() {
        let names = ["aks-1", "aks_1", "1st", "résumé", "", "resource", "aks-1-existing"];
        let items: Vec<Assessed> = names
            .iter()
            .map(|n| {
                assessed(
                    Cluster {
                        name: n.to_string(),
                        ..Default::default()
                    },
                    &[Rule::Version],
                )
            })
            .collect();
        let refs: Vec<&Assessed> = items.iter().collect();
        let plans = plans(&refs, &RemediationConfig::default());
        let ids = identifiers(&plans, &["_existing"]);
        let got: Vec<(&str, &str)> = plans
            .iter()
            .map(|p| p.cluster.name.as_str())
            .zip(ids.iter().map(String::as_str))
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "aks_"),
                ("1st", "aks_1st"),
                ("aks-1", "aks_1"),
                ("aks-1-existing", "aks_1_existing_2"),
                ("aks_1", "aks_1_2"),
                ("resource", "resource_2"),
                ("résumé", "r_sum_"),
            ]
        );
    }

    #[test]
    fn windows_are_described_in_words() {
        let mut w = MaintenanceWindow::default();
        assert_eq!(
            describe_window(&w),
            "every week on Sunday at 00:00 (UTC+00:00) for 4 hours"
        );
        w.frequency = Frequency::RelativeMonthly;
        w.interval = 2;
        assert_eq!(
            describe_window(&w),
            "on the First Sunday of every 2 months at 00:00 (UTC+00:00) for 4 hours"
        );
    }
}
