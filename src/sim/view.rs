//! What a cluster looks like now: as a write left it (`state`), or as generated
//! (`fleet`). Every view of a cluster (reads, lists, Resource Graph rows, writes
//! that start from it) goes through here, so none of them can miss a write.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::fleet::SimFleet;
use super::state::{Changes, Key};

/// The cluster's ARM object now: as a write left it, or as generated.
pub(super) fn cluster_value(fleet: &SimFleet, changes: &Changes, key: Key) -> Option<Value> {
    match changes.cluster(key) {
        Some(raw) => serde_json::from_str(raw.get()).ok(),
        None => fleet.subscriptions.get(key.0)?.cluster(key.1),
    }
}

/// The cluster's maintenance configurations now.
pub(super) fn maintenance_of(fleet: &SimFleet, changes: &Changes, key: Key) -> Vec<Value> {
    match changes.maintenance(key) {
        Some(configs) => configs.to_vec(),
        None => fleet
            .subscriptions
            .get(key.0)
            .and_then(|s| s.details(key.1))
            .map(|d| d.maintenance_configurations)
            .unwrap_or_default(),
    }
}

/// A cluster's body in a list or a Resource Graph row: as changed, or replayed.
pub(super) enum ClusterBody<'a, D> {
    Changed(&'a RawValue),
    Drawn(D),
}

impl<D: Serialize> Serialize for ClusterBody<'_, D> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ClusterBody::Changed(raw) => raw.serialize(serializer),
            ClusterBody::Drawn(object) => object.serialize(serializer),
        }
    }
}

/// Cluster `key` as it is now, ready to be written into a body.
pub(super) fn cluster_body<'a>(
    fleet: &'a SimFleet,
    changes: &'a Changes,
    key: Key,
) -> Option<ClusterBody<'a, impl Serialize + 'a>> {
    match changes.cluster(key) {
        Some(raw) => Some(ClusterBody::Changed(raw)),
        None => fleet
            .subscriptions
            .get(key.0)?
            .cluster_object(key.1)
            .map(ClusterBody::Drawn),
    }
}

/// An agent pool resource (`.../agentPools/{name}`) from its profile in the cluster.
pub(super) fn agent_pool(cluster_id: &str, profile: &Value) -> Value {
    let mut properties = profile.as_object().cloned().unwrap_or_default();
    let name = properties.remove("name").unwrap_or(Value::Null);
    json!({
        "id": format!("{cluster_id}/agentPools/{}", name.as_str().unwrap_or_default()),
        "name": name,
        "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "properties": properties,
    })
}

/// The cluster's pool profiles.
pub(super) fn pools(cluster: &Value) -> &[Value] {
    cluster["properties"]["agentPoolProfiles"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// The pool of `cluster` named `pool` (ignoring case).
pub(super) fn find_pool<'c>(cluster: &'c Value, pool: &str) -> Option<&'c Value> {
    pools(cluster)
        .iter()
        .find(|p| p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(pool)))
}
