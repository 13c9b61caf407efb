//! What to change on each cluster, decided once so that every format proposes the same fix.
//!
//! A `ClusterFix` exists only for a cluster with at least one `Fail` finding of a rule
//! in scope (`Scope`); `Waived`, `Unknown` and `Pass` never produce a fix. A Kubernetes
//! upgrade targets one step: the newest patch of the next minor version the cluster's
//! upgrade profile offers (AKS moves one minor at a time), and says when more steps
//! must follow to reach the minimum; a profile the latest read could not get (even one
//! kept, stale, from an earlier read) gives no target, and the version is chosen by hand. Fixes come out sorted by subscription,
//! resource group, name and id, so the text built from them does not depend on the
//! order of the input. What a fix needs to know about a rule (the pools behind, the
//! schedules present) it asks the rule; the words are in `words`, the names in `names`.

use super::Scope;
use crate::config::{Frequency, MaintenanceWindow, RemediationConfig};
use crate::model::{
    AgentPool, Assessed, Atom, Cluster, DetailPart, Finding, NodeOsChannel, Outcome, Rule, UpgradeChannel, Version,
};
pub use crate::rules::Schedule;
use crate::rules::{has_schedule, pools_behind};

/// Everything to change on one cluster: its plan of fixes. Each field is `Some` only
/// when its rule fails.
#[derive(Debug)]
pub struct ClusterFix<'a> {
    pub cluster: &'a Cluster,
    pub channel: Option<ChannelFix<'a>>,
    pub node_os: Option<NodeOsFix<'a>>,
    pub version: Option<VersionFix<'a>>,
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

/// Azure.AKS.Version: the Kubernetes version to move the control plane (and its pools) to.
#[derive(Debug)]
pub struct VersionFix<'a> {
    pub finding: &'a Finding,
    pub target: Target,
}

/// Where a Kubernetes upgrade goes, from the cluster's upgrade profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One step: the newest patch of the next minor version offered (of the cluster's
    /// own minor when the region offers no next one). `short_of`: the minimum the step
    /// still falls short of, so more steps follow.
    Step {
        from: Option<String>,
        to: String,
        short_of: Option<String>,
    },
    /// The upgrade profile offers no generally available version to move to.
    NoneOffered,
    /// The upgrade profile was not read: the person running the fix chooses the
    /// version (`K8S_TARGET_VERSION`, or the template's parameter).
    Unread,
}

impl VersionFix<'_> {
    /// Whether there is an upgrade to write down (a step, or one to choose).
    pub fn upgrades(&self) -> bool {
        self.target != Target::NoneOffered
    }
}

/// The step the cluster's upgrade profile allows toward `minimum`.
pub fn target(cluster: &Cluster, minimum: &Version) -> Target {
    // A profile the latest read could not get gives no target, even when an earlier
    // read's value is kept (stale): the cluster and its region may have moved since.
    let failed = cluster
        .details
        .as_deref()
        .is_some_and(|d| d.failure(DetailPart::UpgradeProfile).is_some());
    let (false, Some(offered)) = (failed, &cluster.upgrades) else {
        return Target::Unread;
    };
    // The profile's upgrades are from the version the control plane runs.
    let from = cluster
        .current_kubernetes_version
        .as_deref()
        .or(cluster.kubernetes_version.as_deref());
    let offered: Vec<(Version, &Atom)> = offered
        .iter()
        .filter_map(|v| Version::parse(v).filter(|p| p.pre.is_none()).map(|p| (p, v)))
        .collect();
    let newest_of = |minor: (u64, u64)| {
        offered
            .iter()
            .filter(|(v, _)| v.minor_key() == minor)
            .max_by(|a, b| a.0.cmp(&b.0))
    };
    let chosen = match from.and_then(Version::parse) {
        Some(current) => newest_of((current.major, current.minor + 1))
            .or_else(|| newest_of(current.minor_key()).filter(|(v, _)| *v > current)),
        // Nothing to count from: the lowest minor offered, one step.
        None => offered.iter().map(|(v, _)| v.minor_key()).min().and_then(newest_of),
    };
    match chosen {
        Some((version, text)) => Target::Step {
            from: from.map(String::from),
            to: (*text).to_string(),
            short_of: (!version.satisfies_minimum(minimum)).then(|| minimum.to_string()),
        },
        None => Target::NoneOffered,
    }
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

/// The fixes of every cluster with a failing finding of a rule in `scope`, in a stable
/// order; `minimum` says whether an upgrade step is the last.
pub fn decide<'a>(
    items: &[&'a Assessed],
    config: &RemediationConfig,
    scope: Scope,
    minimum: &Version,
) -> Vec<ClusterFix<'a>> {
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
    items
        .into_iter()
        .filter_map(|item| fix(item, config, scope, minimum))
        .collect()
}

/// The rules `item` fails that `scope` does not ask for, in rule order: their fixes
/// are left out, and every output says so (`left_out_note`, the plan's left-out list).
pub fn not_asked(item: &Assessed, scope: Scope) -> Vec<Rule> {
    Rule::ALL
        .into_iter()
        .filter(|rule| {
            !scope.includes(*rule)
                && item
                    .findings
                    .iter()
                    .any(|f| f.rule == *rule && f.outcome == Outcome::Fail)
        })
        .collect()
}

fn fix<'a>(item: &'a Assessed, config: &RemediationConfig, scope: Scope, minimum: &Version) -> Option<ClusterFix<'a>> {
    let cluster = &item.cluster;
    let failing = |rule: Rule| {
        item.findings
            .iter()
            .find(|f| f.rule == rule && f.outcome == Outcome::Fail && scope.includes(rule))
    };

    let channel = failing(Rule::AutoUpgrade).map(|finding| ChannelFix {
        finding,
        target: recommended_channel(config),
    });
    // The node OS channel must follow the cluster channel as it will be after this fix.
    let channel_after = channel_after(cluster, channel.as_ref());
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
    let version = failing(Rule::Version).map(|finding| VersionFix {
        finding,
        target: target(cluster, minimum),
    });
    let pools = failing(Rule::PoolVersion).and_then(|finding| {
        let pools: Vec<&AgentPool> = pools_behind(cluster).map(|(pool, _)| pool).collect();
        (!pools.is_empty()).then_some(PoolsFix { finding, pools })
    });
    let maintenance = failing(Rule::MaintenanceWindow).and_then(|finding| {
        let missing: Vec<Schedule> = Schedule::ALL
            .into_iter()
            .filter(|s| has_schedule(cluster, *s) != Some(true))
            .collect();
        (!missing.is_empty()).then_some(MaintenanceFix { finding, missing })
    });

    let fix = ClusterFix {
        cluster,
        channel,
        node_os,
        version,
        pools,
        maintenance,
    };
    (fix.fix_count() > 0).then_some(fix)
}

/// The cluster channel once `fix` (if any) is applied.
fn channel_after(cluster: &Cluster, fix: Option<&ChannelFix<'_>>) -> UpgradeChannel {
    fix.map_or_else(|| cluster.upgrade_channel(), |fix| fix.target.clone())
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

impl ClusterFix<'_> {
    pub fn fix_count(&self) -> usize {
        usize::from(self.channel.is_some())
            + usize::from(self.node_os.is_some())
            + usize::from(self.version.is_some())
            + usize::from(self.pools.is_some())
            + usize::from(self.maintenance.is_some())
    }

    /// The cluster channel once this plan is applied.
    pub fn channel_after(&self) -> UpgradeChannel {
        channel_after(self.cluster, self.channel.as_ref())
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

    /// Whether the declarative formats write a cluster patch (version or channels).
    pub fn has_patch(&self) -> bool {
        self.version.as_ref().is_some_and(VersionFix::upgrades) || self.channel.is_some() || self.node_os.is_some()
    }

    /// Whether the Kubernetes version is upgraded to a version the person running the
    /// fix chooses (the upgrade profile was not read).
    pub fn needs_chosen_version(&self) -> bool {
        self.version.as_ref().is_some_and(|v| v.target == Target::Unread)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{failing as assessed, maintenance};

    fn decide<'a>(items: &[&'a Assessed], config: &RemediationConfig) -> Vec<ClusterFix<'a>> {
        super::decide(items, config, Scope::ALL, &Version::parse("1.33.7").unwrap())
    }

    #[test]
    fn the_upgrade_target_is_the_newest_patch_of_the_next_minor_the_profile_offers() {
        let minimum = Version::parse("1.33.7").unwrap();
        let with = |running: &str, offered: Option<&[&str]>| Cluster {
            kubernetes_version: Some(running.into()),
            current_kubernetes_version: Some(running.into()),
            upgrades: offered.map(|o| o.iter().map(|v| Atom::from(*v)).collect()),
            ..Default::default()
        };
        let step = |from: &str, to: &str, more: bool| Target::Step {
            from: Some(from.into()),
            to: to.into(),
            short_of: more.then(|| "1.33.7".to_string()),
        };
        let cases = [
            // One minor at a time, the newest patch of it, whatever the order offered.
            (
                with("1.32.4", Some(&["1.33.10", "1.32.9", "1.33.2", "1.34.1"])),
                step("1.32.4", "1.33.10", false),
            ),
            // Two minors behind the minimum: the first step, and more follow.
            (
                with("1.31.4", Some(&["1.31.9", "1.32.9", "1.32.10"])),
                step("1.31.4", "1.32.10", true),
            ),
            // A preview is never a target.
            (
                with("1.35.2", Some(&["1.36.0-preview", "1.35.4"])),
                step("1.35.2", "1.35.4", false),
            ),
            // Only patches offered: the newest patch of its own minor.
            (
                with("1.33.5", Some(&["1.33.6", "1.33.10"])),
                step("1.33.5", "1.33.10", false),
            ),
            (with("1.33.5", Some(&[])), Target::NoneOffered),
            (with("1.33.5", None), Target::Unread),
        ];
        for (cluster, want) in cases {
            assert_eq!(target(&cluster, &minimum), want, "{:?}", cluster.upgrades);
        }
    }

    /// The latest read could not get the upgrade profile: the value an earlier read got
    /// is kept (stale) for the cluster view, but no target is made from it; the version
    /// is chosen by hand, as where no profile was ever read.
    #[test]
    fn a_profile_kept_from_an_earlier_read_gives_no_target() {
        use crate::model::{ClusterDetails, SourceError, UpgradeProfile};
        use time::macros::datetime;
        let minimum = Version::parse("1.33.7").unwrap();
        let mut cluster = Cluster {
            kubernetes_version: Some("1.32.4".into()),
            ..Default::default()
        };
        ClusterDetails {
            upgrades: Some(UpgradeProfile {
                control_plane: vec!["1.33.10".into()],
                pools: vec![],
            }),
            ..Default::default()
        }
        .apply(&mut cluster, datetime!(2026-11-25 12:00 UTC));
        assert!(matches!(target(&cluster, &minimum), Target::Step { .. }));
        ClusterDetails {
            failed: vec![(
                DetailPart::UpgradeProfile,
                SourceError {
                    subscription_id: None,
                    url: None,
                    code: Some("AuthorizationFailed".into()),
                    message: "no access".into(),
                },
            )],
            ..Default::default()
        }
        .apply(&mut cluster, datetime!(2026-11-26 12:00 UTC));
        assert_eq!(
            cluster.upgrades.as_deref(),
            Some(&["1.33.10".into()][..]),
            "kept, stale"
        );
        assert_eq!(target(&cluster, &minimum), Target::Unread);
    }

    #[test]
    fn rules_out_of_scope_make_no_fix_and_kubernetes_upgrades_are_out_unless_asked() {
        let config = RemediationConfig::default();
        let minimum = Version::parse("1.33.7").unwrap();
        let item = assessed(
            Cluster::default(),
            &[Rule::NodeAutoUpgrade, Rule::Version, Rule::PoolVersion],
        );
        let plans = super::decide(&[&item], &config, Scope::default(), &minimum);
        assert!(plans[0].node_os.is_some());
        assert!(plans[0].version.is_none(), "Version is not in the default scope");
        let only_version = assessed(Cluster::default(), &[Rule::Version]);
        assert!(super::decide(&[&only_version], &config, Scope::default(), &minimum).is_empty());
        let plans = super::decide(&[&only_version], &config, Scope::of([Rule::Version]), &minimum);
        assert_eq!(
            plans[0].version.as_ref().map(|v| v.target.clone()),
            Some(Target::Unread)
        );
        let plans = super::decide(&[&item], &config, Scope::of([Rule::Version]), &minimum);
        assert!(plans[0].node_os.is_none(), "only what was asked for");
    }

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
            let fixes = decide(&[&item], &config);
            assert_eq!(fixes[0].node_os.as_ref().map(|f| f.target.clone()), Some(want));
        }
    }

    #[test]
    fn a_cluster_channel_fixed_to_node_image_pins_the_node_os_target() {
        let config = RemediationConfig {
            upgrade_channel: UpgradeChannel::NodeImage,
            ..Default::default()
        };
        let item = assessed(Cluster::default(), &[Rule::AutoUpgrade, Rule::NodeAutoUpgrade]);
        let fixes = decide(&[&item], &config);
        let fix = fixes[0].node_os.as_ref().unwrap();
        assert_eq!(fix.target, NodeOsChannel::NodeImage);
        assert!(fix.pinned_by_node_image);
    }

    #[test]
    fn only_failing_findings_make_a_plan() {
        let config = RemediationConfig::default();
        let mut item = assessed(Cluster::default(), &[Rule::NodeAutoUpgrade, Rule::AutoUpgrade]);
        item.findings[0].outcome = Outcome::Waived;
        item.findings[1].outcome = Outcome::Unknown;
        assert!(decide(&[&item], &config).is_empty());
    }

    #[test]
    fn only_missing_schedules_are_added() {
        let config = RemediationConfig::default();
        let cluster = Cluster {
            maintenance: maintenance(&["c/AKSMANAGEDAUTOUPGRADESCHEDULE"]),
            ..Default::default()
        };
        let item = assessed(cluster, &[Rule::MaintenanceWindow]);
        let fixes = decide(&[&item], &config);
        assert_eq!(fixes[0].maintenance.as_ref().unwrap().missing, vec![Schedule::NodeOs]);
    }
}
