//! Reading one cluster fresh, as an apply needs it: its own object (for the write's
//! body and entity tag), its maintenance configurations, and when a Kubernetes upgrade
//! may be planned its upgrade profile; then assessed and planned, so what was read and
//! what would be done come from the same moment.
//!
//! `survey` reads many clusters this way, a few at a time: the plan a person confirms
//! is made from it, never from a cache.

use std::sync::Arc;

use serde_json::Value;
use time::Date;
use tokio::sync::Semaphore;

use crate::azure::client::{ArmClient, ClientError};
use crate::azure::path::{self, ClusterRef, Path};
use crate::config::Config;
use crate::import::Element;
use crate::model::api::ARM_API_VERSION;
use crate::model::{Assessed, Cluster, MaintenanceConfig, Outcome, Rule};
use crate::remediate::plan::{self, Plan, Scope, Target, Upgrades};

/// How plans are made: the rules, waivers and remediation settings of `config`, the
/// fixes `scope` allows, and the day waivers are judged on.
#[derive(Debug, Clone)]
pub struct Planner {
    pub config: Arc<Config>,
    pub scope: Scope,
    pub today: Date,
}

impl Planner {
    pub fn assess(&self, cluster: Cluster) -> Assessed {
        crate::rules::assess_one(cluster, &self.config, self.today)
    }

    pub fn plan(&self, item: &Assessed, upgrades: Option<&Upgrades>) -> Plan {
        plan::plan(item, &self.config, &self.scope, upgrades)
    }

    /// Whether planning `item` needs its upgrade profile: a Kubernetes upgrade it
    /// fails is in scope.
    fn needs_upgrades(&self, item: &Assessed) -> bool {
        [Rule::Version, Rule::PoolVersion]
            .into_iter()
            .any(|rule| self.scope.asks(rule) && item.outcome_of(rule) == Some(Outcome::Fail))
    }
}

/// A cluster as just read: its ARM object, assessed, and its plan as of now.
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The cluster's own object, as GET returned it.
    pub value: Value,
    /// Assessed from `value` and the maintenance configurations read with it. Its
    /// subscription's display name is not in the object: a caller that had it keeps it.
    pub assessed: Assessed,
    pub plan: Plan,
}

/// The managed cluster `target` names, on the endpoint.
pub fn cluster_ref(target: &Target) -> Result<ClusterRef<'_>, ClientError> {
    Ok(ClusterRef::new(
        &target.subscription_id,
        &target.resource_group,
        &target.name,
    )?)
}

/// Reads `target` fresh and plans it.
pub async fn read_cluster(client: &ArmClient, planner: &Planner, target: &Target) -> Result<Fresh, ClientError> {
    let at = cluster_ref(target)?;
    let deadline = client.deadline();
    let url = client.url(&Path::new(at.segments()).api_version(ARM_API_VERSION))?;
    let value = client.get(&url, deadline).await?;
    let not_a_cluster = |message: String| ClientError::Malformed {
        url: crate::config::without_userinfo(&url),
        message,
    };
    let mut cluster = match crate::import::read_element(value.clone(), "$") {
        Ok(Element::Cluster(cluster)) => *cluster,
        Ok(_) => return Err(not_a_cluster("the answer is not a managed cluster".into())),
        Err(shape) => return Err(not_a_cluster(shape.to_string())),
    };
    let list = client.url(
        &Path::new(at.segments())
            .then(["maintenanceConfigurations"])
            .api_version(ARM_API_VERSION),
    )?;
    let mut configs = Vec::new();
    client
        .get_pages(list, deadline, |items| {
            configs.extend(items.into_iter().map(|item| MaintenanceConfig {
                name: item.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
                schedule: crate::import::maintenance_schedule(&item),
            }));
        })
        .await?;
    cluster.maintenance = Some(configs);
    let assessed = planner.assess(cluster);
    let upgrades = if planner.needs_upgrades(&assessed) {
        let profile = client.url(
            &Path::new(at.segments())
                .then(["upgradeProfiles", "default"])
                .api_version(ARM_API_VERSION),
        )?;
        Some(upgrades_of(&client.get(&profile, deadline).await?))
    } else {
        None
    };
    let plan = planner.plan(&assessed, upgrades.as_ref());
    Ok(Fresh { value, assessed, plan })
}

/// What a cluster's upgrade profile offers: the control plane's and each pool's
/// upgrades, previews left out.
pub fn upgrades_of(profile: &Value) -> Upgrades {
    let versions = |p: &Value| -> Vec<String> {
        p.get("upgrades")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|u| u.get("isPreview").and_then(Value::as_bool) != Some(true))
            .filter_map(|u| u.get("kubernetesVersion").and_then(Value::as_str))
            .map(String::from)
            .collect()
    };
    let properties = profile.get("properties").unwrap_or(&Value::Null);
    Upgrades {
        control_plane: properties.get("controlPlaneProfile").map(versions).unwrap_or_default(),
        pools: properties
            .get("agentPoolProfiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.get("name")?.as_str()?.to_ascii_lowercase(), versions(p))))
            .collect(),
    }
}

/// Reads each of `targets` fresh, `concurrency` at a time; the results in their order.
pub async fn survey(
    client: Arc<ArmClient>,
    planner: Arc<Planner>,
    targets: Vec<Target>,
    concurrency: usize,
) -> Vec<(Target, Result<Fresh, ClientError>)> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, target) in targets.iter().cloned().enumerate() {
        let (client, planner, permits) = (client.clone(), planner.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, read_cluster(&client, &planner, &target).await)
        });
    }
    let mut results: Vec<Option<Result<Fresh, ClientError>>> = targets.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    targets
        .into_iter()
        .zip(results)
        .map(|(target, result)| {
            let result = result.unwrap_or_else(|| {
                Err(ClientError::Transport {
                    url: target.id.clone(),
                    message: "the read of this cluster did not finish".into(),
                })
            });
            (target, result)
        })
        .collect()
}

/// The target of a cluster.
pub fn target_of(cluster: &Cluster) -> Target {
    Target {
        id: cluster.id.clone(),
        name: cluster.name.clone(),
        subscription_id: cluster.subscription_id.clone(),
        resource_group: cluster.resource_group.clone(),
    }
}

/// The URL of a path under the cluster `at`.
pub fn under(client: &ArmClient, at: &ClusterRef<'_>, tail: &[&str]) -> Result<reqwest::Url, ClientError> {
    let mut segments: Vec<&str> = at.segments().to_vec();
    for part in tail {
        segments.push(path::name("resource", part)?);
    }
    client.url(&Path::new(segments).api_version(ARM_API_VERSION))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_upgrade_profile_gives_the_control_plane_s_and_each_pool_s_upgrades_without_previews() {
        let profile = json!({"properties": {
            "controlPlaneProfile": {"kubernetesVersion": "1.33.2", "upgrades": [
                {"kubernetesVersion": "1.33.7"}, {"kubernetesVersion": "1.34.2"},
                {"kubernetesVersion": "1.35.0", "isPreview": true}
            ]},
            "agentPoolProfiles": [
                {"name": "System", "kubernetesVersion": "1.33.2", "upgrades": [{"kubernetesVersion": "1.34.2"}]},
                {"name": "np2", "kubernetesVersion": "1.34.2"}
            ]
        }});
        let upgrades = upgrades_of(&profile);
        assert_eq!(upgrades.control_plane, ["1.33.7", "1.34.2"]);
        assert_eq!(
            upgrades.pools.get("system").map(Vec::as_slice),
            Some(&["1.34.2".to_string()][..])
        );
        assert_eq!(
            upgrades.pools.get("np2").map(Vec::len),
            Some(0),
            "nothing to upgrade to: no `upgrades`"
        );
        assert_eq!(upgrades_of(&json!("nonsense")), Upgrades::default());
    }
}
