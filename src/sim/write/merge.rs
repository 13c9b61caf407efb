//! A PUT body over the object as it is: writable properties replaced, read-only
//! ones ignored as ARM ignores them, properties left out kept, pools matched by
//! name; every value AKS checks goes through `validate`.

use serde_json::{Map, Value};

use crate::sim::fleet::Offer;
use crate::sim::read::Ctx;
use crate::sim::route::ci;
use crate::sim::validate::{self, Refusal};
use crate::sim::view::pools;

/// Properties of a cluster a PUT cannot set.
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
    "identityProfile",
];

/// Properties of an agent pool a PUT cannot set.
const POOL_READ_ONLY: &[&str] = &[
    "name",
    "currentOrchestratorVersion",
    "provisioningState",
    "powerState",
    "eTag",
    "nodeImageVersion",
];

/// What a write asks of a cluster, after the checks.
pub(super) struct Change {
    /// The object with the new values, before the operation's own fields.
    pub(super) desired: Value,
    /// The full version the control plane runs once the operation succeeds.
    pub(super) control_plane: String,
    /// Per pool whose version moves: its name and the full version it will run.
    pub(super) pool_versions: Vec<(String, String)>,
    /// The pools the write touched, by name.
    pub(super) touched: Vec<String>,
    /// Whether the cluster's own properties changed (a pool write leaves them).
    pub(super) cluster_write: bool,
}

impl Change {
    pub(super) fn upgrading(&self, current: &Value) -> bool {
        current["properties"]["currentKubernetesVersion"].as_str() != Some(self.control_plane.as_str())
            || !self.pool_versions.is_empty()
    }
}

/// The location as the catalogue names it.
pub(super) fn location_of(cluster: &Value) -> &str {
    cluster["location"].as_str().unwrap_or_default()
}

/// A cluster PUT body applied to `current`, checked.
pub(super) fn cluster_change(ctx: &Ctx, current: &Value, body: &Value) -> Result<Change, Refusal> {
    let location = location_of(current);
    if let Some(wanted) = body.get("location").and_then(Value::as_str) {
        let normal = |l: &str| l.replace(' ', "").to_ascii_lowercase();
        if normal(wanted) != normal(location) {
            return Err(Refusal::invalid(
                "location",
                format!("The location of managed cluster cannot be changed from '{location}' to '{wanted}'."),
            ));
        }
    }
    let offers = ctx.fleet.offers(location).unwrap_or_default();
    let mut desired = current.clone();
    for key in ["tags", "sku"] {
        match body.get(key) {
            Some(Value::Null) => {
                if let Some(o) = desired.as_object_mut() {
                    o.remove(key);
                }
            }
            Some(value @ Value::Object(_)) => desired[key] = value.clone(),
            Some(other) => return Err(Refusal::invalid(key, format!("{key} must be an object, not {other}."))),
            None => {}
        }
    }
    let running = current["properties"]["currentKubernetesVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut control_plane = running.clone();
    let properties = match body.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(other) => {
            return Err(Refusal::invalid(
                "properties",
                format!("properties must be an object, not {other}."),
            ));
        }
    };
    // The control plane's version first: the pools are checked against it.
    if let Some(requested) = properties.get("kubernetesVersion").filter(|v| !v.is_null()) {
        let Some(requested) = requested.as_str() else {
            return Err(Refusal::invalid(
                "properties.kubernetesVersion",
                "properties.kubernetesVersion must be a string.",
            ));
        };
        control_plane = validate::cluster_version(&running, requested, &offers)?;
    }
    let mut pool_versions = Vec::new();
    let mut touched = Vec::new();
    for (key, value) in &properties {
        if CLUSTER_READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        match key.as_str() {
            "autoUpgradeProfile" => set(
                &mut desired["properties"],
                key,
                validate::auto_upgrade_profile(value, ctx.api_version)?,
            ),
            "agentPoolProfiles" => {
                let Some(items) = value.as_array() else {
                    return Err(Refusal::invalid(
                        "properties.agentPoolProfiles",
                        "properties.agentPoolProfiles must be an array.",
                    ));
                };
                for item in items {
                    let name = item["name"].as_str().unwrap_or_default();
                    let index = pools(current)
                        .iter()
                        .position(|p| p["name"].as_str().is_some_and(|n| ci(n, name)))
                        .ok_or_else(|| {
                            Refusal::invalid(
                                "properties.agentPoolProfiles",
                                format!(
                                    "Agent pool '{name}' does not exist. The simulator adds no agent pools through a \
                                     managed cluster PUT; send only the cluster's existing pools."
                                ),
                            )
                        })?;
                    let before = &pools(current)[index];
                    let merged = merge_pool(before, item, &control_plane, &offers, &mut pool_versions)?;
                    if &merged != before {
                        touched.push(before["name"].as_str().unwrap_or_default().to_string());
                    }
                    desired["properties"]["agentPoolProfiles"][index] = merged;
                }
            }
            _ => set(&mut desired["properties"], key, value.clone()),
        }
    }
    Ok(Change {
        desired,
        control_plane,
        pool_versions,
        touched,
        cluster_write: true,
    })
}

/// A pool PUT body applied to the pool `profile` of `current`, checked.
pub(super) fn pool_change(ctx: &Ctx, current: &Value, profile: &Value, body: &Value) -> Result<Change, Refusal> {
    let properties = match body.get("properties") {
        Some(p @ Value::Object(_)) => p.clone(),
        _ => {
            return Err(Refusal::invalid(
                "properties",
                "The request body must have a 'properties' object.",
            ));
        }
    };
    let mut item = properties;
    item["name"] = profile["name"].clone();
    let control_plane = current["properties"]["currentKubernetesVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let offers = ctx.fleet.offers(location_of(current)).unwrap_or_default();
    let mut pool_versions = Vec::new();
    let merged = merge_pool(profile, &item, &control_plane, &offers, &mut pool_versions)?;
    let mut desired = current.clone();
    let name = profile["name"].as_str().unwrap_or_default().to_string();
    if let Some(index) = pools(current).iter().position(|p| p["name"] == profile["name"]) {
        desired["properties"]["agentPoolProfiles"][index] = merged;
    }
    Ok(Change {
        desired,
        control_plane,
        pool_versions,
        touched: vec![name],
        cluster_write: false,
    })
}

/// One pool of a PUT body over the pool as it is; a new `orchestratorVersion` is
/// checked against the control plane's version after the write.
fn merge_pool(
    before: &Value,
    item: &Value,
    control_plane: &str,
    offers: &[Offer],
    versions: &mut Vec<(String, String)>,
) -> Result<Value, Refusal> {
    let Some(fields) = item.as_object() else {
        return Err(Refusal::invalid(
            "properties.agentPoolProfiles",
            "Every agent pool profile must be an object.",
        ));
    };
    let name = before["name"].as_str().unwrap_or_default();
    let mut merged = before.clone();
    for (key, value) in fields {
        if POOL_READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        if key == "orchestratorVersion" && !value.is_null() {
            let requested = value.as_str().ok_or_else(|| {
                Refusal::invalid(
                    &format!("properties.agentPoolProfiles[{name}].orchestratorVersion"),
                    "orchestratorVersion must be a string.",
                )
            })?;
            let running = before["currentOrchestratorVersion"].as_str().unwrap_or_default();
            let resolved = validate::pool_version(name, running, requested, control_plane, offers)?;
            if resolved != running {
                versions.push((name.to_string(), resolved));
            }
        }
        set(&mut merged, key, value.clone());
    }
    Ok(merged)
}

/// `object[key] = value`, a null removing the key (ARM drops nulls).
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(key.to_string(), value);
        }
    }
}
