//! The words of a fix: warnings as plain sentences, the window in words, headings and
//! counts. Each format turns them into its own comments; nothing here knows a syntax.

use std::collections::BTreeSet;

use super::decide::{ChannelFix, ClusterFix, NodeOsFix, Schedule, Target, VersionFix};
use crate::config::{Frequency, MaintenanceWindow};
use crate::model::{Cluster, Finding, UpgradeChannel};
use crate::text::count;

impl ClusterFix<'_> {
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
        if let Some(fix) = &self.version {
            findings.push(finding_line(fix.finding));
            warnings.extend(version_lines(fix));
            warnings.extend(self.pools_left_behind());
            if fix.upgrades() {
                warnings.push(VERSION_DRAIN.to_string());
            }
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

    /// What a pool should move to, in words: the cluster's version, and when the
    /// control plane is upgraded too, after that its target with it (AKS moves a pool
    /// one minor version at a time, so it catches up first).
    pub fn pool_target(&self, target_parameter: &str) -> String {
        let now = match self.cluster.kubernetes_version.as_deref() {
            Some(v) => format!("'{v}', the cluster's kubernetesVersion"),
            None => "the cluster's kubernetesVersion (not in the data)".to_string(),
        };
        match self.version.as_ref().map(|v| &v.target) {
            Some(Target::Step { to, .. }) => format!("{now}, then '{to}' with the control plane"),
            Some(Target::Unread) => format!("{now}, then {target_parameter} with the control plane"),
            Some(Target::NoneOffered) | None => now,
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

impl ClusterFix<'_> {
    /// When the control plane is upgraded but the pools behind it are not asked for: AKS
    /// moves a pool one minor version at a time, so it may refuse the upgrade.
    pub fn pools_left_behind(&self) -> Option<String> {
        if self.pools.is_some() || !self.version.as_ref().is_some_and(VersionFix::upgrades) {
            return None;
        }
        let behind: Vec<&str> = crate::rules::pools_behind(self.cluster)
            .map(|(pool, _)| pool.name.as_str())
            .collect();
        (!behind.is_empty()).then(|| {
            format!(
                "Pool {} runs another version than the control plane, and Azure.AKS.PoolVersion is not asked for: \
                 AKS moves a pool one minor version at a time and may refuse this upgrade; ask for PoolVersion too.",
                behind.join(", ")
            )
        })
    }
}

/// What a Kubernetes upgrade does and why to that version, as sentences.
pub fn version_lines(fix: &VersionFix<'_>) -> Vec<String> {
    match &fix.target {
        Target::Step { from, to, short_of } => {
            let from = from.as_deref().map(|f| format!(" from {f}")).unwrap_or_default();
            let mut lines = vec![format!(
                "Upgrade{from} to {to}: the newest patch of the next minor version its upgrade profile offers \
                 (AKS moves one minor version at a time)."
            )];
            if let Some(minimum) = short_of {
                lines.push(format!(
                    "{to} is still below the minimum {minimum}: more steps follow. Run the fix again once this \
                     upgrade is done."
                ));
            }
            lines
        }
        Target::NoneOffered => {
            vec!["Its upgrade profile offers no version to move to now; nothing is run for it here.".to_string()]
        }
        Target::Unread => vec![
            "Its upgrade profile could not be read, so the target is chosen by hand.".to_string(),
            VERSION_STEP.to_string(),
        ],
    }
}

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
pub fn totals(plans: &[ClusterFix<'_>]) -> String {
    let findings: usize = plans.iter().map(ClusterFix::fix_count).sum();
    format!(
        "{} on {}",
        count(findings, "failing finding"),
        count(plans.len(), "cluster")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
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
