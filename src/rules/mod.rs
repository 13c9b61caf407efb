//! The PSRule for Azure upgrade rules, with PSRule's exact semantics and reasons.
//!
//! One file per rule, each a pure `check(&Cluster, ...)` giving the outcome and its
//! reason. `assess` runs the enabled ones, then applies waivers, then adds Azure
//! Policy's verdict. Where remediation needs a rule's own test (the pools behind, the
//! schedules present), the rule exports it, so there is one copy of each predicate.
//!
//! To add a rule: add a variant to `model::Rule` (name, reference, synopsis), write
//! `rules/<name>.rs` with a `check` and a table of cases, call it from `check` below,
//! and give it a fix in each `remediate` format.

mod auto_upgrade;
mod maintenance_window;
mod node_auto_upgrade;
mod policy;
mod pool_version;
mod version;
mod waiver;

use std::sync::Arc;

use time::Date;

use crate::config::Config;
use crate::model::{Assessed, Cluster, Finding, Interner, Outcome, Rule};

pub use maintenance_window::{AUTO_UPGRADE_SCHEDULE, NODE_OS_SCHEDULE, Schedule, has_schedule};
pub use policy::{DEFINITION_ID as POLICY_DEFINITION_ID, azure_policy_node_os};
pub use pool_version::pools_behind;

/// Evaluates every enabled rule on every cluster. `today` decides which waivers
/// have expired. The reasons are shared: clusters judged alike hold one copy of each.
pub fn assess(clusters: Vec<Cluster>, config: &Config, today: Date) -> Vec<Assessed> {
    assess_shared(clusters.into_iter().map(Arc::new).collect(), config, today)
}

/// `assess` for clusters that others may hold too (a refresh still reading them).
pub fn assess_shared(clusters: Vec<Arc<Cluster>>, config: &Config, today: Date) -> Vec<Assessed> {
    // Each thread shares the reasons it gives: a few hundred texts, kept once per core.
    crate::par::map(clusters, Interner::new, |reasons, cluster| {
        assess_sharing(cluster, config, today, reasons)
    })
}

pub fn assess_one(cluster: impl Into<Arc<Cluster>>, config: &Config, today: Date) -> Assessed {
    assess_sharing(cluster.into(), config, today, &mut Interner::new())
}

/// `assess_one`, its reasons taken from `reasons` where an equal one was given before.
pub fn assess_sharing(cluster: Arc<Cluster>, config: &Config, today: Date, reasons: &mut Interner) -> Assessed {
    // As many as there are rules, no more: a 100,000-cluster fleet keeps every one.
    let mut findings = Vec::with_capacity(Rule::ALL.len());
    findings.extend(config.enabled_rules().map(|rule| {
        let finding = check(rule, &cluster, config, reasons);
        waiver::apply(finding, &cluster, &config.waivers, today)
    }));
    let mut policy = azure_policy_node_os(&cluster);
    reasons.share(&mut policy.reason);
    Assessed {
        cluster,
        findings,
        policy,
        outlook: None,
    }
}

fn check(rule: Rule, cluster: &Cluster, config: &Config, reasons: &mut Interner) -> Finding {
    let (outcome, reason) = match rule {
        Rule::NodeAutoUpgrade => node_auto_upgrade::check(cluster),
        Rule::AutoUpgrade => auto_upgrade::check(cluster),
        Rule::Version => version::check(cluster, &config.rules.kubernetes_minimum_version),
        Rule::PoolVersion => pool_version::check(cluster),
        Rule::MaintenanceWindow => maintenance_window::check(cluster),
    };
    Finding {
        rule,
        outcome,
        reason: reasons.intern(&reason),
        waiver: None,
    }
}

/// What a rule module returns: the outcome and the reason for it.
type Check = (Outcome, String);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Version;

    #[test]
    fn disabled_rules_are_not_evaluated_and_the_rest_keep_their_order() {
        let mut config = Config::default();
        config.rules.disabled = vec![Rule::AutoUpgrade, Rule::MaintenanceWindow];
        let today = time::macros::date!(2026 - 11 - 26);
        let assessed = assess_one(Cluster::default(), &config, today);
        let rules: Vec<Rule> = assessed.findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, vec![Rule::NodeAutoUpgrade, Rule::Version, Rule::PoolVersion]);
    }

    #[test]
    fn the_configured_minimum_version_is_used() {
        let mut config = Config::default();
        config.rules.kubernetes_minimum_version = Version::parse("9.99.9").unwrap();
        let cluster = Cluster {
            kubernetes_version: Some("1.34.1".into()),
            ..Default::default()
        };
        let today = time::macros::date!(2026 - 11 - 26);
        let assessed = assess_one(cluster, &config, today);
        assert_eq!(assessed.outcome_of(Rule::Version), Some(Outcome::Fail));
        assert!(assessed.findings[2].reason.contains("'>=9.99.9'"));
    }
}
