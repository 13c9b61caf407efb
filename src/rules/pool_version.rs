//! Azure.AKS.PoolVersion (AZR-000016): every pool runs the cluster's version.
//!
//! PSRule's `HasDefaultValue`: a pool passes when `orchestratorVersion` is absent or
//! equals the cluster's `kubernetesVersion`. A cluster without pools passes.

use super::Check;
use crate::model::{AgentPool, Cluster, Outcome};

/// The pools the rule fails on: with an `orchestratorVersion` that is not the cluster's
/// `kubernetesVersion` (ignoring case), in the cluster's order.
pub fn pools_behind(cluster: &Cluster) -> impl Iterator<Item = (&AgentPool, &str)> {
    let cluster_version = cluster.kubernetes_version.as_deref();
    cluster.pools.iter().filter_map(move |pool| {
        let version = pool.orchestrator_version.as_deref()?;
        let same = cluster_version.is_some_and(|c| c.eq_ignore_ascii_case(version));
        (!same).then_some((pool, version))
    })
}

pub fn check(cluster: &Cluster) -> Check {
    let cluster_version = cluster.kubernetes_version.as_deref();
    let behind: Vec<String> = pools_behind(cluster)
        .map(|(pool, version)| format!("The agent pool ({}) is running v{version}.", pool.name))
        .collect();
    if behind.is_empty() {
        let reason = match cluster_version {
            Some(v) if !cluster.pools.is_empty() => format!("Every agent pool runs the cluster version {v}."),
            _ if cluster.pools.is_empty() => "The cluster has no agent pools to compare.".to_string(),
            _ => "No agent pool sets its own version.".to_string(),
        };
        (Outcome::Pass, reason)
    } else {
        (Outcome::Fail, behind.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AgentPool;

    fn cluster(version: Option<&str>, pools: &[(&str, Option<&str>)]) -> Cluster {
        Cluster {
            kubernetes_version: version.map(Into::into),
            pools: pools
                .iter()
                .map(|(name, v)| AgentPool {
                    name: name.to_string().into(),
                    orchestrator_version: v.map(Into::into),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn pools_pass_when_absent_or_equal() {
        let cases = [
            (cluster(Some("1.33.7"), &[("a", Some("1.33.7"))]), Outcome::Pass),
            (cluster(Some("1.33.7"), &[("a", None)]), Outcome::Pass),
            (cluster(Some("1.33.7"), &[]), Outcome::Pass),
            (
                cluster(Some("1.33.7"), &[("a", Some("1.33.7")), ("b", Some("1.32.9"))]),
                Outcome::Fail,
            ),
            (cluster(Some("1.33.7"), &[("a", Some("1.33"))]), Outcome::Fail),
            (cluster(None, &[("a", Some("1.33.7"))]), Outcome::Fail),
            (cluster(None, &[("a", None)]), Outcome::Pass),
        ];
        for (i, (c, want)) in cases.iter().enumerate() {
            assert_eq!(check(c).0, *want, "case {i}");
        }
    }

    #[test]
    fn the_reason_names_each_pool_behind_like_psrule() {
        let c = cluster(
            Some("1.13.8"),
            &[("agentpool", Some("1.11.4")), ("user", Some("1.12.0"))],
        );
        assert_eq!(
            check(&c).1,
            "The agent pool (agentpool) is running v1.11.4. The agent pool (user) is running v1.12.0."
        );
    }
}
