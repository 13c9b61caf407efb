//! The bodies of the writes, and whether a cluster as read has what a change sets.
//!
//! Pure. A body is the resource exactly as it was just read, with only the plan's
//! properties changed and the read-only ones left out (ARM ignores those, but a body
//! should say only what its writer means). Nothing else in the object is touched, so
//! a setting aksradar does not know survives the write.

use serde_json::{Map, Value, json};

use crate::config::MaintenanceWindow;
use crate::model::{Cluster, Version};
use crate::remediate::plan::{Change, What, window_properties};
use crate::rules::has_schedule;

/// A cluster's read-only properties.
const CLUSTER_READ_ONLY: &[&str] = &[
    "provisioningState",
    "powerState",
    "currentKubernetesVersion",
    "fqdn",
    "azurePortalFQDN",
    "privateFQDN",
    "maxAgentPools",
    "resourceUID",
    "status",
];

/// A pool's read-only properties.
const POOL_READ_ONLY: &[&str] = &[
    "currentOrchestratorVersion",
    "provisioningState",
    "powerState",
    "eTag",
    "nodeImageVersion",
];

/// Object `key` of `value`, made an object when it is missing or something else.
fn object<'v>(value: &'v mut Value, key: &str) -> &'v mut Map<String, Value> {
    if !value.get(key).is_some_and(Value::is_object) {
        value[key] = json!({});
    }
    match value.get_mut(key) {
        Some(Value::Object(map)) => map,
        // Just made an object above.
        _ => unreachable!("`{key}` is an object"),
    }
}

fn without(map: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        map.remove(*key);
    }
}

/// The cluster `current` (as GET returned it) with `changes` made: channels and the
/// Kubernetes version (with the pools it names).
pub fn cluster_body(current: &Value, changes: &[&Change]) -> Value {
    let mut body = current.clone();
    if let Some(map) = body.as_object_mut() {
        without(map, &["eTag", "systemData"]);
    }
    let properties = object(&mut body, "properties");
    without(properties, CLUSTER_READ_ONLY);
    if let Some(Value::Array(pools)) = properties.get_mut("agentPoolProfiles") {
        for pool in pools.iter_mut().filter_map(Value::as_object_mut) {
            without(pool, POOL_READ_ONLY);
        }
    }
    for change in changes {
        let properties = &mut body["properties"];
        match &change.what {
            What::UpgradeChannel { to, .. } => {
                object(properties, "autoUpgradeProfile").insert("upgradeChannel".into(), json!(to.as_str()));
            }
            What::NodeOsChannel { to, .. } => {
                object(properties, "autoUpgradeProfile").insert("nodeOSUpgradeChannel".into(), json!(to.as_str()));
            }
            What::KubernetesVersion { to, pools, .. } => {
                properties["kubernetesVersion"] = json!(to);
                if let Some(Value::Array(profiles)) = properties.get_mut("agentPoolProfiles") {
                    for profile in profiles.iter_mut() {
                        let moves = profile["name"]
                            .as_str()
                            .is_some_and(|n| pools.iter().any(|p| p.eq_ignore_ascii_case(n)));
                        if moves {
                            profile["orchestratorVersion"] = json!(to);
                        }
                    }
                }
            }
            What::PoolVersion { .. } | What::Window { .. } => {}
        }
    }
    body
}

/// The agent pool `current` (as GET returned it) moved to Kubernetes `to`.
pub fn pool_body(current: &Value, to: &str) -> Value {
    let mut body = current.clone();
    if let Some(map) = body.as_object_mut() {
        without(map, &["systemData"]);
    }
    let properties = object(&mut body, "properties");
    without(properties, POOL_READ_ONLY);
    properties.insert("orchestratorVersion".into(), json!(to));
    body
}

/// A new maintenance configuration holding `window`.
pub fn window_body(window: &MaintenanceWindow) -> Value {
    json!({ "properties": window_properties(window) })
}

/// Whether `cluster`, as just read, has what `change` sets; else what it has instead.
pub fn observed(cluster: &Cluster, change: &Change) -> Result<(), String> {
    let same_version = |have: Option<&str>, want: &str| {
        have.is_some_and(|h| {
            h.eq_ignore_ascii_case(want) || Version::parse(h).is_some_and(|h| Some(h) == Version::parse(want))
        })
    };
    let shown = |v: Option<&str>| v.filter(|v| !v.is_empty()).unwrap_or("(not set)").to_string();
    match &change.what {
        What::UpgradeChannel { to, .. } if cluster.upgrade_channel() == *to => Ok(()),
        What::UpgradeChannel { .. } => Err(format!("upgradeChannel {}", shown(cluster.upgrade_channel.as_deref()))),
        What::NodeOsChannel { to, .. } if cluster.node_os_channel() == *to => Ok(()),
        What::NodeOsChannel { .. } => Err(format!(
            "nodeOSUpgradeChannel {}",
            shown(cluster.node_os_upgrade_channel.as_deref())
        )),
        What::Window { schedule, .. } => match has_schedule(cluster, *schedule) {
            Some(true) => Ok(()),
            Some(false) => Err(format!("no {} configuration", schedule.name())),
            None => Err("maintenance configurations not read".into()),
        },
        What::KubernetesVersion { to, pools, .. } => {
            if !same_version(cluster.kubernetes_version.as_deref(), to) {
                return Err(format!(
                    "kubernetesVersion {}",
                    shown(cluster.kubernetes_version.as_deref())
                ));
            }
            for name in pools {
                let pool = cluster.pools.iter().find(|p| p.name.eq_ignore_ascii_case(name));
                let version = pool.and_then(|p| p.orchestrator_version.as_deref());
                if !same_version(version, to) {
                    return Err(format!("pool {name} on {}", shown(version)));
                }
            }
            Ok(())
        }
        What::PoolVersion { pool, to, .. } => {
            let found = cluster.pools.iter().find(|p| p.name.eq_ignore_ascii_case(pool));
            let version = found.and_then(|p| p.orchestrator_version.as_deref());
            if same_version(version, to) {
                Ok(())
            } else {
                Err(format!("pool {pool} on {}", shown(version)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{cluster, maintenance, pool};
    use crate::model::{NodeOsChannel, Rule, UpgradeChannel};
    use crate::remediate::plan::Change;
    use crate::rules::Schedule;

    fn change(rule: Rule, what: What) -> Change {
        Change { rule, what }
    }

    /// A cluster as ARM returns it, read-only fields and a setting aksradar does not know.
    fn arm_cluster() -> Value {
        json!({
            "id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
            "name": "c",
            "location": "westeurope",
            "eTag": "e-1",
            "tags": {"env": "prod"},
            "properties": {
                "provisioningState": "Succeeded",
                "powerState": {"code": "Running"},
                "kubernetesVersion": "1.33.2",
                "currentKubernetesVersion": "1.33.2",
                "fqdn": "c-1.hcp.westeurope.azmk8s.io",
                "autoUpgradeProfile": {"upgradeChannel": "none", "nodeOSUpgradeChannel": "Unmanaged"},
                "agentPoolProfiles": [
                    {"name": "system", "orchestratorVersion": "1.33.2", "currentOrchestratorVersion": "1.33.2",
                     "eTag": "p-1", "provisioningState": "Succeeded", "count": 3},
                    {"name": "old", "orchestratorVersion": "1.32.9", "currentOrchestratorVersion": "1.32.9", "count": 1}
                ],
                "futureSetting": {"keep": true}
            }
        })
    }

    #[test]
    fn a_cluster_body_changes_only_the_plan_s_properties_and_drops_read_only_ones() {
        let node_os = change(
            Rule::NodeAutoUpgrade,
            What::NodeOsChannel {
                from: Some("Unmanaged".into()),
                to: NodeOsChannel::SecurityPatch,
            },
        );
        let body = cluster_body(&arm_cluster(), &[&node_os]);
        let mut want = arm_cluster();
        want.as_object_mut().unwrap().remove("eTag");
        let props = want["properties"].as_object_mut().unwrap();
        for key in ["provisioningState", "powerState", "currentKubernetesVersion", "fqdn"] {
            props.remove(key);
        }
        props["autoUpgradeProfile"]["nodeOSUpgradeChannel"] = json!("SecurityPatch");
        for pool in props["agentPoolProfiles"].as_array_mut().unwrap() {
            let pool = pool.as_object_mut().unwrap();
            for key in ["currentOrchestratorVersion", "eTag", "provisioningState"] {
                pool.remove(key);
            }
        }
        assert_eq!(body, want);
    }

    #[test]
    fn a_kubernetes_upgrade_moves_the_control_plane_and_the_pools_it_names_only() {
        let upgrade = change(
            Rule::Version,
            What::KubernetesVersion {
                from: Some("1.33.2".into()),
                to: "1.34.2".into(),
                pools: vec!["SYSTEM".into()],
            },
        );
        let channel = change(
            Rule::AutoUpgrade,
            What::UpgradeChannel {
                from: Some("none".into()),
                to: UpgradeChannel::Patch,
            },
        );
        let body = cluster_body(&arm_cluster(), &[&upgrade, &channel]);
        assert_eq!(body["properties"]["kubernetesVersion"], "1.34.2");
        assert_eq!(
            body["properties"]["agentPoolProfiles"][0]["orchestratorVersion"],
            "1.34.2"
        );
        assert_eq!(
            body["properties"]["agentPoolProfiles"][1]["orchestratorVersion"], "1.32.9",
            "a pool behind is PoolVersion's"
        );
        assert_eq!(body["properties"]["autoUpgradeProfile"]["upgradeChannel"], "patch");
        assert_eq!(body["properties"]["futureSetting"], json!({"keep": true}));
    }

    #[test]
    fn a_cluster_without_an_auto_upgrade_profile_gets_one() {
        let mut bare = arm_cluster();
        bare["properties"].as_object_mut().unwrap().remove("autoUpgradeProfile");
        let node_os = change(
            Rule::NodeAutoUpgrade,
            What::NodeOsChannel {
                from: None,
                to: NodeOsChannel::NodeImage,
            },
        );
        let body = cluster_body(&bare, &[&node_os]);
        assert_eq!(
            body["properties"]["autoUpgradeProfile"],
            json!({"nodeOSUpgradeChannel": "NodeImage"})
        );
    }

    #[test]
    fn a_pool_body_moves_the_version_and_drops_read_only_ones() {
        let pool = json!({
            "id": "x/agentPools/old", "name": "old",
            "properties": {"orchestratorVersion": "1.32.9", "currentOrchestratorVersion": "1.32.9", "eTag": "p-2",
                           "count": 1, "mode": "User"}
        });
        assert_eq!(
            pool_body(&pool, "1.33.8"),
            json!({"id": "x/agentPools/old", "name": "old",
                   "properties": {"orchestratorVersion": "1.33.8", "count": 1, "mode": "User"}})
        );
    }

    #[test]
    fn what_a_read_shows_is_checked_per_kind_of_change() {
        let mut c = Cluster {
            kubernetes_version: Some("1.34.2".into()),
            upgrade_channel: Some("patch".into()),
            node_os_upgrade_channel: Some("NodeImage".into()),
            pools: vec![pool("system", "1.34.2"), pool("old", "1.33.8")],
            maintenance: maintenance(&["aksManagedNodeOSUpgradeSchedule"]),
            ..cluster("s", "rg", "c")
        };
        let window = |schedule| {
            change(
                Rule::MaintenanceWindow,
                What::Window {
                    schedule,
                    window: MaintenanceWindow::default(),
                },
            )
        };
        let cases: Vec<(Change, Result<(), String>)> = vec![
            (
                change(
                    Rule::AutoUpgrade,
                    What::UpgradeChannel {
                        from: None,
                        to: UpgradeChannel::Patch,
                    },
                ),
                Ok(()),
            ),
            (
                change(
                    Rule::NodeAutoUpgrade,
                    What::NodeOsChannel {
                        from: None,
                        to: NodeOsChannel::SecurityPatch,
                    },
                ),
                Err("nodeOSUpgradeChannel NodeImage".into()),
            ),
            (window(Schedule::NodeOs), Ok(())),
            (
                window(Schedule::AutoUpgrade),
                Err("no aksManagedAutoUpgradeSchedule configuration".into()),
            ),
            (
                change(
                    Rule::Version,
                    What::KubernetesVersion {
                        from: None,
                        to: "1.34.2".into(),
                        pools: vec!["system".into()],
                    },
                ),
                Ok(()),
            ),
            (
                change(
                    Rule::PoolVersion,
                    What::PoolVersion {
                        pool: "old".into(),
                        from: "1.32.9".into(),
                        to: "1.34.2".into(),
                    },
                ),
                Err("pool old on 1.33.8".into()),
            ),
        ];
        for (change, want) in &cases {
            assert_eq!(observed(&c, change), *want, "{change}");
        }
        c.maintenance = None;
        assert_eq!(
            observed(&c, &window(Schedule::NodeOs)),
            Err("maintenance configurations not read".into())
        );
    }
}
