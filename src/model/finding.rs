//! Rules, their outcomes on one cluster, and Azure Policy's verdict beside them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Atom, Cluster, Outlook};

/// The PSRule for Azure rules aksradar evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rule {
    #[serde(rename = "Azure.AKS.NodeAutoUpgrade")]
    NodeAutoUpgrade,
    #[serde(rename = "Azure.AKS.AutoUpgrade")]
    AutoUpgrade,
    #[serde(rename = "Azure.AKS.Version")]
    Version,
    #[serde(rename = "Azure.AKS.PoolVersion")]
    PoolVersion,
    #[serde(rename = "Azure.AKS.MaintenanceWindow")]
    MaintenanceWindow,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::NodeAutoUpgrade,
        Rule::AutoUpgrade,
        Rule::Version,
        Rule::PoolVersion,
        Rule::MaintenanceWindow,
    ];

    /// PSRule's rule name, e.g. `Azure.AKS.NodeAutoUpgrade`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::NodeAutoUpgrade => "Azure.AKS.NodeAutoUpgrade",
            Rule::AutoUpgrade => "Azure.AKS.AutoUpgrade",
            Rule::Version => "Azure.AKS.Version",
            Rule::PoolVersion => "Azure.AKS.PoolVersion",
            Rule::MaintenanceWindow => "Azure.AKS.MaintenanceWindow",
        }
    }

    /// The last part of the name, e.g. `NodeAutoUpgrade`.
    pub fn short_name(self) -> &'static str {
        &self.name()["Azure.AKS.".len()..]
    }

    /// PSRule's stable reference, e.g. `AZR-000435`.
    pub fn reference(self) -> &'static str {
        match self {
            Rule::NodeAutoUpgrade => "AZR-000435",
            Rule::AutoUpgrade => "AZR-000036",
            Rule::Version => "AZR-000015",
            Rule::PoolVersion => "AZR-000016",
            Rule::MaintenanceWindow => "AZR-000446",
        }
    }

    pub fn synopsis(self) -> &'static str {
        match self {
            Rule::NodeAutoUpgrade => "Kubernetes Cluster nodes are not automatically patched.",
            Rule::AutoUpgrade => {
                "Configure AKS to automatically upgrade to newer supported AKS versions as they are made available."
            }
            Rule::Version => "AKS control plane and nodes pools should use a current stable release.",
            Rule::PoolVersion => "AKS agent pools should run the same Kubernetes version as the cluster.",
            Rule::MaintenanceWindow => "Configure customer-controlled maintenance windows for AKS clusters.",
        }
    }

    pub fn help_uri(self) -> String {
        format!("https://azure.github.io/PSRule.Rules.Azure/en/rules/{}/", self.name())
    }

    /// Finds a rule by full name, short name or reference, ignoring case.
    pub fn lookup(text: &str) -> Option<Rule> {
        let text = text.trim();
        Rule::ALL.into_iter().find(|rule| {
            rule.name().eq_ignore_ascii_case(text)
                || rule.short_name().eq_ignore_ascii_case(text)
                || rule.reference().eq_ignore_ascii_case(text)
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The result of one rule on one cluster. Ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    Pass,
    /// A waiver in config covers a failure.
    Waived,
    /// The data the rule needs was not read.
    Unknown,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "Pass",
            Outcome::Waived => "Waived",
            Outcome::Unknown => "Unknown",
            Outcome::Fail => "Fail",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub outcome: Outcome,
    /// Why, in words a person can act on. Shared: a fleet's findings say the same few
    /// hundred things.
    pub reason: Atom,
    /// What a waiver did to this finding: why it applies, or that it expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Atom>,
}

/// How the built-in Azure Policy 04408ca5 ("Azure Kubernetes Service Clusters should
/// enable node os auto-upgrade") judges the cluster, shown beside PSRule's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVerdict {
    pub compliant: bool,
    pub reason: Atom,
}

/// A cluster with its findings: the unit every output and view works on. The cluster
/// is shared: the dashboard's state and a refresh that reads its details hold one copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    pub cluster: std::sync::Arc<Cluster>,
    pub findings: Vec<Finding>,
    pub policy: PolicyVerdict,
    /// Its upgrade outlook (support, next windows, events, insights), once
    /// `calendar::annotate` has worked it out; never part of the verdict.
    pub outlook: Option<Box<Outlook>>,
}

impl Assessed {
    /// The worst outcome over all findings (`Pass` when there are none).
    pub fn verdict(&self) -> Outcome {
        self.findings.iter().map(|f| f.outcome).max().unwrap_or(Outcome::Pass)
    }

    /// `Fail (2)` for a failing cluster, else the verdict alone: what people scan for.
    pub fn verdict_label(&self) -> String {
        match self.verdict() {
            Outcome::Fail => format!("Fail ({})", self.failing().count()),
            other => other.as_str().to_string(),
        }
    }

    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.outcome == Outcome::Fail)
    }

    pub fn outcome_of(&self, rule: Rule) -> Option<Outcome> {
        self.findings.iter().find(|f| f.rule == rule).map(|f| f.outcome)
    }

    /// Below the minimum Kubernetes version: its Version finding fails.
    ///
    /// This follows PSRule's verdict rather than comparing versions again, so the
    /// header, the views and every scan format count the same clusters, and a cluster
    /// the rules do not fail is never called below the minimum:
    /// - a template resource on the `rapid` or `stable` channel passes Version without
    ///   a check (PSRule's rule for templates), so it is not below;
    /// - with the Version rule disabled nothing is evaluated, so nothing is below;
    /// - a waived Version failure is accepted, not failing: it is not below, just as it
    ///   does not make the cluster non-compliant;
    /// - a missing or unreadable `kubernetesVersion` fails the rule, so it is below.
    pub fn below_minimum(&self) -> bool {
        self.outcome_of(Rule::Version) == Some(Outcome::Fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_found_by_name_short_name_or_reference() {
        assert_eq!(Rule::lookup("Azure.AKS.NodeAutoUpgrade"), Some(Rule::NodeAutoUpgrade));
        assert_eq!(Rule::lookup("nodeautoupgrade"), Some(Rule::NodeAutoUpgrade));
        assert_eq!(Rule::lookup("azr-000446"), Some(Rule::MaintenanceWindow));
        assert_eq!(Rule::lookup("Version"), Some(Rule::Version));
        assert_eq!(Rule::lookup("Azure.AKS.UseRBAC"), None);
    }

    #[test]
    fn the_verdict_is_the_worst_outcome() {
        assert!(Outcome::Fail > Outcome::Unknown);
        assert!(Outcome::Unknown > Outcome::Waived);
        assert!(Outcome::Waived > Outcome::Pass);
    }
}
