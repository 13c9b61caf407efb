//! The plan of an apply: for one cluster, each change as `property: from → to`, the
//! rule it fixes, what is left out and why, and the warnings that travel with it.
//!
//! Pure: a function of the assessed cluster (with the upgrades its upgrade profile
//! offers, read with its details), the config and the rules asked for (`Scope`). The
//! same inputs always give the same plan, so a plan rebuilt from a fresh read can be
//! compared with the one a person confirmed: equal means nothing they agreed to has
//! moved. What to change, what the scope leaves out and where a Kubernetes upgrade
//! goes (one minor step, from the upgrade profile) all come from `decide`, the same
//! decisions every remediation format spells; this module names them as changes.

use std::fmt;

use serde_json::{Value, json};

use super::decide::{self, ClusterFix, Scalar, Schedule};
use super::{Scope, words};
use crate::config::{Config, MaintenanceWindow};
use crate::model::{Assessed, Cluster, NodeOsChannel, Origin, Outcome, Rule, UpgradeChannel, Version};

/// The cluster a plan is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub subscription_id: String,
    pub resource_group: String,
}

impl Target {
    fn of(cluster: &Cluster) -> Target {
        Target {
            id: cluster.id.clone(),
            name: cluster.name.to_string(),
            subscription_id: cluster.subscription_id.to_string(),
            resource_group: cluster.resource_group.to_string(),
        }
    }
}

/// Everything an apply would do to one cluster, and what it would not.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub cluster: Target,
    /// In the order they are applied: the cluster's own properties, then the pools,
    /// then the maintenance windows.
    pub changes: Vec<Change>,
    pub left_out: Vec<LeftOut>,
    /// Sentences for the person confirming, without repeats.
    pub warnings: Vec<String>,
}

impl Plan {
    /// The rules this plan fixes, in their fixed order, each once.
    pub fn fixes(&self) -> Vec<Rule> {
        Rule::ALL
            .into_iter()
            .filter(|rule| self.changes.iter().any(|c| c.rule == *rule))
            .collect()
    }
}

/// One change: a property from its value now to the value the fix sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The rule it fixes.
    pub rule: Rule,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// `properties.autoUpgradeProfile.upgradeChannel`.
    UpgradeChannel { from: Option<String>, to: UpgradeChannel },
    /// `properties.autoUpgradeProfile.nodeOSUpgradeChannel`.
    NodeOsChannel { from: Option<String>, to: NodeOsChannel },
    /// A new maintenance configuration for one of the AKS-managed schedules.
    Window {
        schedule: Schedule,
        window: MaintenanceWindow,
    },
    /// `properties.kubernetesVersion`, one minor at most, with the pools that run the
    /// cluster's version now (they move with it, as `az aks upgrade` moves them).
    KubernetesVersion {
        from: Option<String>,
        to: String,
        pools: Vec<String>,
    },
    /// One pool's `orchestratorVersion`, one minor at most.
    PoolVersion { pool: String, from: String, to: String },
}

impl Change {
    /// The property as a path: `autoUpgradeProfile.nodeOSUpgradeChannel`,
    /// `agentPoolProfiles[np1].orchestratorVersion`, `maintenanceConfigurations/NAME`.
    pub fn property(&self) -> String {
        match &self.what {
            What::UpgradeChannel { .. } => "autoUpgradeProfile.upgradeChannel".into(),
            What::NodeOsChannel { .. } => "autoUpgradeProfile.nodeOSUpgradeChannel".into(),
            What::Window { schedule, .. } => format!("maintenanceConfigurations/{}", schedule.name()),
            What::KubernetesVersion { .. } => "kubernetesVersion".into(),
            What::PoolVersion { pool, .. } => format!("agentPoolProfiles[{pool}].orchestratorVersion"),
        }
    }

    /// The value now, in words when there is none.
    pub fn from(&self) -> String {
        let unset = |v: &Option<String>| {
            v.clone()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "(not set)".into())
        };
        match &self.what {
            What::UpgradeChannel { from, .. } | What::NodeOsChannel { from, .. } => unset(from),
            What::KubernetesVersion { from, .. } => unset(from),
            What::Window { .. } => "(none)".into(),
            What::PoolVersion { from, .. } => from.clone(),
        }
    }

    /// The value the change sets.
    pub fn to(&self) -> String {
        match &self.what {
            What::UpgradeChannel { to, .. } => to.to_string(),
            What::NodeOsChannel { to, .. } => to.to_string(),
            What::Window { window, .. } => words::describe_window(window),
            What::KubernetesVersion { to, .. } | What::PoolVersion { to, .. } => to.clone(),
        }
    }
}

impl fmt::Display for Change {
    /// `autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch`; values from
    /// outside are cleaned, so the line is one line of plain text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clean = |s: String| crate::text::clean(&s).into_owned();
        write!(
            f,
            "{}: {} → {}",
            clean(self.property()),
            clean(self.from()),
            clean(self.to())
        )?;
        if let What::KubernetesVersion { pools, .. } = &self.what
            && !pools.is_empty()
        {
            write!(f, " (with {})", clean(pools.join(", ")))?;
        }
        Ok(())
    }
}

/// A fix that is not in the plan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The rule whose fix is left out; `None` when the whole cluster is.
    pub rule: Option<Rule>,
    pub why: Why,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The cluster's data is from an earlier read (its subscription's latest read failed).
    Stale,
    /// A resource from a template, not a deployed cluster.
    Template,
    /// A waiver accepts the failure.
    Waived { reason: String },
    /// The rule fails but is not asked for (`--rule`, the filter, the popup's toggles).
    NotAsked,
    /// A Kubernetes upgrade (Version, PoolVersion), which is only planned when asked for.
    KubernetesNotAsked,
    /// The rule's outcome is unknown: the data it needs was not read.
    Unknown { reason: String },
    /// SecurityPatch is the configured channel, but the cluster has a Windows pool: the
    /// plan sets NodeImage instead.
    WindowsPool,
    /// No Kubernetes upgrade to plan.
    NoUpgrade { reason: String },
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = self.rule.map_or("every fix", Rule::name);
        let text = match &self.why {
            Why::Stale => "every fix: the cluster's data is stale (from an earlier read, since the latest read of its \
                           subscription failed); read it again first"
                .to_string(),
            Why::Template => {
                "every fix: this is a template resource, not a deployed cluster; change the template".to_string()
            }
            Why::Waived { reason } => format!("{rule}: waived ({})", reason.strip_prefix("Waived: ").unwrap_or(reason)),
            Why::NotAsked => format!(
                "{rule}: fails, but not asked for (ask with --rule {0}, fail:{0} in the filter or the rule toggle)",
                self.short()
            ),
            Why::KubernetesNotAsked => format!(
                "{rule}: a Kubernetes upgrade, which drains every node; only applied when asked for (--rule {0}, \
                 fail:{0} in the filter or the rule toggle)",
                self.short()
            ),
            Why::Unknown { reason } => format!("{rule}: unknown ({reason})"),
            Why::WindowsPool => format!(
                "{rule}: SecurityPatch left out: the cluster has a Windows pool, and Windows pools do not support \
                 SecurityPatch; NodeImage instead"
            ),
            Why::NoUpgrade { reason } => format!("{rule}: {reason}"),
        };
        f.write_str(&crate::text::clean(&text))
    }
}

impl LeftOut {
    fn short(&self) -> &'static str {
        self.rule.map_or("", Rule::short_name)
    }
}

/// The plan for one assessed cluster, with the rules `scope` asks for. A Kubernetes
/// upgrade goes where `decide` says: one minor step from the cluster's upgrade profile
/// (left out, saying so, when the profile was not read or offers nothing).
pub fn plan(item: &Assessed, config: &Config, scope: Scope) -> Plan {
    let cluster = &item.cluster;
    let mut plan = Plan {
        cluster: Target::of(cluster),
        changes: Vec::new(),
        left_out: Vec::new(),
        warnings: Vec::new(),
    };
    let whole = |why| LeftOut { rule: None, why };
    if cluster.origin == Origin::Template {
        plan.left_out.push(whole(Why::Template));
        return plan;
    }
    if cluster.stale && item.failing().next().is_some() {
        plan.left_out.push(whole(Why::Stale));
        return plan;
    }
    for finding in &item.findings {
        let why = match finding.outcome {
            Outcome::Waived if scope.includes(finding.rule) => Why::Waived {
                reason: finding.waiver.as_deref().unwrap_or(&finding.reason).to_string(),
            },
            Outcome::Unknown if scope.includes(finding.rule) => Why::Unknown {
                reason: finding.reason.to_string(),
            },
            _ => continue,
        };
        plan.left_out.push(LeftOut {
            rule: Some(finding.rule),
            why,
        });
    }
    // What the scope leaves out is what every remediation output leaves out.
    for rule in decide::not_asked(item, scope) {
        let why = if Scope::drains_nodes(rule) {
            Why::KubernetesNotAsked
        } else {
            Why::NotAsked
        };
        plan.left_out.push(LeftOut { rule: Some(rule), why });
    }
    let minimum = &config.rules.kubernetes_minimum_version;
    let fixes = decide::decide(&[item], &config.remediation, scope, minimum);
    let Some(fix) = fixes.first() else {
        return plan;
    };
    let mut warnings = Vec::new();
    let mut steps_left = Vec::new();

    if let Some(channel) = &fix.channel {
        plan.changes.push(Change {
            rule: Rule::AutoUpgrade,
            what: What::UpgradeChannel {
                from: cluster.upgrade_channel.as_deref().map(String::from),
                to: channel.target.clone(),
            },
        });
        warnings.extend(fix.channel_warnings(channel, true));
    }
    node_os(&mut plan, fix, config, &mut warnings);

    let mut version_after: Option<String> = cluster.kubernetes_version.as_deref().map(String::from);
    if let Some(version) = &fix.version {
        match &version.target {
            decide::Target::Step { to, short_of, .. } => {
                let now = cluster.kubernetes_version.as_deref();
                let pools = cluster
                    .pools
                    .iter()
                    .filter(|p| {
                        p.orchestrator_version
                            .as_deref()
                            .is_some_and(|v| now.is_some_and(|n| n.eq_ignore_ascii_case(v)))
                    })
                    .map(|p| p.name.to_string())
                    .collect();
                if let Some(minimum) = short_of {
                    steps_left.push(format!(
                        "kubernetesVersion {to} is one minor step and still below the minimum {minimum}: apply \
                         again once it is done for the next"
                    ));
                }
                plan.changes.push(Change {
                    rule: Rule::Version,
                    what: What::KubernetesVersion {
                        from: cluster.kubernetes_version.as_deref().map(String::from),
                        to: to.clone(),
                        pools,
                    },
                });
                warnings.push(words::VERSION_DRAIN.to_string());
                version_after = Some(to.clone());
            }
            decide::Target::NoneOffered => plan.left_out.push(LeftOut {
                rule: Some(Rule::Version),
                why: Why::NoUpgrade {
                    reason: "left out: its upgrade profile offers no version to move to now".into(),
                },
            }),
            decide::Target::Unread => plan.left_out.push(LeftOut {
                rule: Some(Rule::Version),
                why: Why::NoUpgrade {
                    reason: "left out: the upgrades AKS offers the cluster (its upgrade profile) were not read".into(),
                },
            }),
        }
    }

    if let Some(behind) = &fix.pools {
        for pool in &behind.pools {
            let from = pool.orchestrator_version.as_deref().unwrap_or_default().to_string();
            match pool_step(&pool.name, &from, version_after.as_deref(), pool.upgrades.as_deref()) {
                Ok((to, last)) => {
                    if !last {
                        steps_left.push(format!(
                            "pool {} moves one minor to {to}: apply again once it is done for the next",
                            pool.name
                        ));
                    }
                    plan.changes.push(Change {
                        rule: Rule::PoolVersion,
                        what: What::PoolVersion {
                            pool: pool.name.to_string(),
                            from,
                            to,
                        },
                    });
                    warnings.push(words::POOL_DRAIN.to_string());
                }
                Err(reason) => plan.left_out.push(LeftOut {
                    rule: Some(Rule::PoolVersion),
                    why: Why::NoUpgrade { reason },
                }),
            }
        }
    }

    if let Some(maintenance) = &fix.maintenance {
        for schedule in &maintenance.missing {
            plan.changes.push(Change {
                rule: Rule::MaintenanceWindow,
                what: What::Window {
                    schedule: *schedule,
                    window: config.remediation.maintenance_window.clone(),
                },
            });
            warnings.push(window_warning(*schedule, &config.remediation.maintenance_window));
        }
    }
    warnings.extend(steps_left);
    let mut seen = std::collections::BTreeSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    plan.warnings = warnings;
    plan
}

/// The node OS channel change: the fix's, or NodeImage when the cluster channel
/// becomes `node-image` (AKS allows nothing else then).
fn node_os(plan: &mut Plan, fix: &ClusterFix<'_>, config: &Config, warnings: &mut Vec<String>) {
    let cluster = fix.cluster;
    if let Some(node_os) = &fix.node_os {
        if node_os.has_windows_pool && config.remediation.node_os_channel == NodeOsChannel::SecurityPatch {
            plan.left_out.push(LeftOut {
                rule: Some(Rule::NodeAutoUpgrade),
                why: Why::WindowsPool,
            });
        }
        plan.changes.push(Change {
            rule: Rule::NodeAutoUpgrade,
            what: What::NodeOsChannel {
                from: cluster.node_os_upgrade_channel.as_deref().map(String::from),
                to: node_os.target.clone(),
            },
        });
        warnings.extend(fix.node_os_warnings(node_os, true));
    } else if fix.sets_node_os() && cluster.node_os_channel() != fix.node_os_after() {
        plan.changes.push(Change {
            rule: Rule::AutoUpgrade,
            what: What::NodeOsChannel {
                from: cluster.node_os_upgrade_channel.as_deref().map(String::from),
                to: fix.node_os_after(),
            },
        });
        warnings.extend([words::REIMAGE.to_string(), words::NODE_IMAGE_LEGACY.to_string()]);
    }
}

fn window_warning(schedule: Schedule, window: &MaintenanceWindow) -> String {
    let what = match schedule {
        Schedule::AutoUpgrade => "Kubernetes auto-upgrades",
        Schedule::NodeOs => "node OS auto-upgrades",
    };
    format!(
        "The new {} window holds {what} to {}.",
        schedule.name(),
        words::describe_window(window)
    )
}

/// A pool's next version: the cluster's (after this plan) when it is at most one minor
/// ahead, else the newest patch of the pool's next minor that AKS offers it. Also
/// whether that is the last step; `Err` says why there is none.
fn pool_step(
    pool: &str,
    from: &str,
    cluster: Option<&str>,
    offered: Option<&[crate::model::Atom]>,
) -> Result<(String, bool), String> {
    let (Some(now), Some(target_text)) = (Version::parse(from), cluster) else {
        return Err(format!(
            "left out for pool {pool}: its version or the cluster's does not read as a version"
        ));
    };
    let Some(target) = Version::parse(target_text) else {
        return Err(format!(
            "left out for pool {pool}: the cluster's version `{target_text}` does not read"
        ));
    };
    if target.minor_key() < now.minor_key() {
        return Err(format!(
            "left out for pool {pool}: it runs {from}, a newer minor than the cluster's {target_text}; a pool is \
             never moved down"
        ));
    }
    if now.major == target.major && target.minor <= now.minor + 1 {
        return Ok((target_text.to_string(), true));
    }
    let Some(offered) = offered else {
        return Err(format!(
            "left out for pool {pool}: it is more than one minor behind the cluster, and the upgrades AKS offers it \
             were not read"
        ));
    };
    offered
        .iter()
        .filter_map(|v| Version::parse(v))
        .filter(|v| v.pre.is_none() && v.minor_key() == (now.major, now.minor + 1))
        .max()
        .map(|v| (v.to_string(), false))
        .ok_or_else(|| format!("left out for pool {pool}: AKS offers it no upgrade to the next minor"))
}

/// The plans of every cluster with a failing or waived finding, in the order of
/// `decide` (subscription, resource group, name, id).
pub fn plans<'a>(items: impl IntoIterator<Item = &'a Assessed>, config: &Config, scope: Scope) -> Vec<Plan> {
    let mut items: Vec<&Assessed> = items
        .into_iter()
        .filter(|a| {
            a.findings
                .iter()
                .any(|f| matches!(f.outcome, Outcome::Fail | Outcome::Waived))
        })
        .collect();
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
    items.into_iter().map(|item| plan(item, config, scope)).collect()
}

/// What a person types to go ahead with an apply to `clusters` clusters: their
/// number, or `yes` for one (the CLI's question and the dashboard's confirmation).
pub fn go_ahead_word(clusters: usize) -> String {
    if clusters == 1 {
        "yes".to_string()
    } else {
        clusters.to_string()
    }
}

/// The clusters of `plans` that have something to change, and their changes.
pub fn totals(plans: &[Plan]) -> (usize, usize) {
    let with_changes = plans.iter().filter(|p| !p.changes.is_empty());
    (
        with_changes.clone().count(),
        with_changes.map(|p| p.changes.len()).sum(),
    )
}

/// The plans for people, as `aksradar apply` prints them and the dashboard's plan
/// popup shows them: per subscription (named by `subscription_name` when it knows
/// it), each cluster with its changes (`property: from → to   [Rule]`) and what is
/// left out, then the warnings of the clusters with changes, each once. One line per
/// entry, cleaned of control characters.
pub fn describe(plans: &[Plan], subscription_name: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let clean = |s: &str| crate::text::clean(s).into_owned();
    let mut out = Vec::new();
    let mut subscription: Option<&str> = None;
    for plan in plans {
        let target = &plan.cluster;
        if subscription != Some(target.subscription_id.as_str()) {
            subscription = Some(&target.subscription_id);
            if !out.is_empty() {
                out.push(String::new());
            }
            out.push(match subscription_name(&target.subscription_id) {
                Some(name) => format!("Subscription {} ({})", clean(&target.subscription_id), clean(&name)),
                None => format!("Subscription {}", clean(&target.subscription_id)),
            });
        }
        out.push(format!(
            "  {} (resource group {})",
            clean(&target.name),
            clean(&target.resource_group)
        ));
        if plan.changes.is_empty() {
            out.push("    nothing to change".to_string());
        }
        for change in &plan.changes {
            out.push(format!("    {change}   [{}]", change.rule.short_name()));
        }
        for left in &plan.left_out {
            out.push(format!("    left out: {left}"));
        }
    }
    let mut warnings: Vec<&String> = Vec::new();
    for warning in plans.iter().filter(|p| !p.changes.is_empty()).flat_map(|p| &p.warnings) {
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    if !warnings.is_empty() {
        out.push(String::new());
        out.push("Warnings:".to_string());
        for warning in warnings {
            out.push(format!("  - {}", clean(warning)));
        }
    }
    out
}

/// The `properties` of a maintenance configuration that holds `window`, as ARM takes it.
pub fn window_properties(window: &MaintenanceWindow) -> Value {
    let (kind, fields) = decide::schedule_fields(window);
    let fields: serde_json::Map<String, Value> = fields
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Scalar::Int(n) => json!(n),
                Scalar::Str(s) => json!(s),
            };
            (key.to_string(), value)
        })
        .collect();
    json!({
        "maintenanceWindow": {
            "schedule": { kind: fields },
            "durationHours": window.duration_hours,
            "startTime": window.start_time,
            "utcOffset": window.utc_offset,
        }
    })
}

#[cfg(test)]
mod tests;
