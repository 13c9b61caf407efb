//! What each rule means, for code-scanning viewers: a full description, and help (what
//! the rule checks, why it matters, how to fix it, PSRule's page) as text and Markdown.
//!
//! Both forms are built from the same parts, so they never say different things.

use crate::model::Rule;

/// The parts of one rule's help.
struct Parts {
    checks: &'static str,
    why: &'static str,
    fix: &'static str,
    /// The Azure CLI for one cluster (`RG`, `NAME` and such stand for its values).
    cli: &'static str,
    /// The same in Bicep, on the cluster's declaration.
    bicep: &'static str,
    /// The Well-Architected pillar PSRule files the rule under.
    pillar: &'static str,
}

fn parts(rule: Rule) -> Parts {
    match rule {
        Rule::NodeAutoUpgrade => Parts {
            checks: "Checks that the cluster's node OS auto-upgrade channel \
                     (`properties.autoUpgradeProfile.nodeOSUpgradeChannel`) is `SecurityPatch` or `NodeImage`; \
                     `None`, `Unmanaged` and a missing value fail.",
            why: "Without one of these channels AKS does not patch the nodes' operating system, so \
                  published vulnerabilities stay open on every node until someone acts.",
            fix: "Set the channel to `SecurityPatch` (OS security patches) or `NodeImage` (the whole \
                  node image, weekly). Changing it reimages the nodes and takes up to 24 hours to \
                  apply; schedule it with the `aksManagedNodeOSUpgradeSchedule` maintenance window.",
            cli: "az aks update -g RG -n NAME --node-os-upgrade-channel SecurityPatch",
            bicep: "autoUpgradeProfile: {\n  upgradeChannel: 'patch' // keep your current value\n  nodeOSUpgradeChannel: 'SecurityPatch'\n}",
            pillar: "security",
        },
        Rule::AutoUpgrade => Parts {
            checks: "Checks that the cluster's Kubernetes auto-upgrade channel \
                     (`properties.autoUpgradeProfile.upgradeChannel`) is set and is not `none`.",
            why: "Without it the control plane and node pools keep their Kubernetes version until \
                  someone upgrades them by hand, and drift out of support.",
            fix: "Choose a channel: `patch` (the newest patch of the current minor version), `stable` \
                  or `rapid`. Schedule upgrades with the `aksManagedAutoUpgradeSchedule` maintenance \
                  window.",
            cli: "az aks update -g RG -n NAME --auto-upgrade-channel patch",
            bicep: "autoUpgradeProfile: {\n  upgradeChannel: 'patch'\n  nodeOSUpgradeChannel: 'SecurityPatch'\n}",
            pillar: "operational-excellence",
        },
        Rule::Version => Parts {
            checks: "Checks that `properties.kubernetesVersion` is at least the minimum version, compared \
                     as versions (default 1.33.7; `kubernetes_minimum_version` in aksradar's `[rules]` \
                     config). A template resource on the `rapid` or `stable` channel passes without a \
                     check, as in PSRule.",
            why: "Older Kubernetes versions leave AKS support and stop receiving security and bug fixes.",
            fix: "Upgrade the cluster one minor version at a time (`az aks get-upgrades` lists the \
                  targets), or set `kubernetesVersion` in the template; an auto-upgrade channel keeps \
                  it current afterwards.",
            cli: "az aks upgrade -g RG -n NAME --kubernetes-version VERSION",
            bicep: "properties: {\n  kubernetesVersion: 'VERSION'\n}",
            pillar: "reliability",
        },
        Rule::PoolVersion => Parts {
            checks: "Checks that every agent pool's `orchestratorVersion` is absent or equal to the \
                     cluster's `kubernetesVersion`.",
            why: "A pool left behind the control plane misses fixes, and a version gap blocks the \
                  cluster's next upgrade.",
            fix: "Upgrade the pools to the cluster's version, or leave `orchestratorVersion` out of the \
                  template so the pools follow the cluster.",
            cli: "az aks nodepool upgrade -g RG --cluster-name NAME -n POOL --kubernetes-version VERSION",
            bicep: "agentPoolProfiles: [\n  {\n    name: 'POOL'\n    orchestratorVersion: 'VERSION' // the cluster's kubernetesVersion\n  }\n]",
            pillar: "reliability",
        },
        Rule::MaintenanceWindow => Parts {
            checks: "Checks that the planned maintenance configurations `aksManagedAutoUpgradeSchedule` \
                     and `aksManagedNodeOSUpgradeSchedule` both exist.",
            why: "Without them automatic upgrades and node OS updates may start at any time of day, \
                  including busy hours.",
            fix: "Add both maintenance configurations, each with a weekly window at a quiet time (run \
                  the command once per name), or declare \
                  `Microsoft.ContainerService/managedClusters/maintenanceConfigurations` resources \
                  beside the cluster.",
            cli: "az aks maintenanceconfiguration add -g RG --cluster-name NAME -n aksManagedAutoUpgradeSchedule \
                  --schedule-type Weekly --day-of-week Sunday --interval-weeks 1 --duration 4 --start-time 00:00 \
                  --utc-offset=+00:00",
            bicep: "resource window 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations@2025-10-01' = {\n  parent: cluster\n  name: 'aksManagedAutoUpgradeSchedule'\n  properties: {\n    maintenanceWindow: {\n      schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Sunday' } }\n      startTime: '00:00'\n      durationHours: 4\n      utcOffset: '+00:00'\n    }\n  }\n}",
            pillar: "reliability",
        },
    }
}

const REMEDIATE: &str = "`aksradar remediate --format cli|bicep|arm|policy|terraform` writes the fix for every \
                         failing cluster, with the warnings that go with it.";

/// A rule's descriptions, ready for its `reportingDescriptor`.
pub(super) struct RuleHelp {
    pub full_description: String,
    pub text: String,
    pub markdown: String,
    pub tags: [&'static str; 4],
}

pub(super) fn help(rule: Rule) -> RuleHelp {
    let p = parts(rule);
    let uri = rule.help_uri();
    let name = rule.name();
    RuleHelp {
        full_description: format!("{} {}", p.checks, p.why),
        text: format!(
            "{checks}\n\nWhy: {why}\n\nHow to fix: {fix}\n\nAzure CLI:\n  {cli}\n\nBicep:\n{bicep}\n\n{REMEDIATE}\n\nPSRule for Azure, {name}: {uri}",
            checks = p.checks,
            why = p.why,
            fix = p.fix,
            cli = p.cli,
            bicep = indent(p.bicep),
        ),
        markdown: format!(
            "{checks}\n\n**Why:** {why}\n\n**How to fix:** {fix}\n\nAzure CLI:\n\n```bash\n{cli}\n```\n\nBicep:\n\n```bicep\n{bicep}\n```\n\n{REMEDIATE}\n\nPSRule for Azure: [{name}]({uri})",
            checks = p.checks,
            why = p.why,
            fix = p.fix,
            cli = p.cli,
            bicep = p.bicep,
        ),
        tags: ["azure", "aks", "psrule", p.pillar],
    }
}

fn indent(block: &str) -> String {
    block
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}
