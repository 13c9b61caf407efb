//! One resource object -> a `Cluster`, or a note that it is not one.
//!
//! The same reader serves every shape: ARM (`properties` wrapper), PSRule's export
//! (`Properties`, `SubscriptionId`, `ResourceGroupName`, children in `resources`),
//! `az aks` output (flattened, `nodeOsUpgradeChannel`), Resource Graph rows
//! (projected columns such as `nodeOSUpgradeChannel`, `pools`) and template resources
//! (`apiVersion`). Keys are matched ignoring case; `null` counts as absent; a value of
//! the wrong JSON type is an error naming its path.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::ShapeError;
use crate::model::{AgentPool, Atom, Cluster, MaintenanceConfig, Origin, ResourceId, UpgradeEvent};

const CLUSTER_TYPE: &str = "Microsoft.ContainerService/managedClusters";
const POOL_TYPE: &str = "Microsoft.ContainerService/managedClusters/agentPools";
const MAINTENANCE_TYPE: &str = "Microsoft.ContainerService/managedClusters/maintenanceConfigurations";

pub enum Element {
    Cluster(Box<Cluster>),
    /// A scheduled upgrade event of a cluster (a Resource Graph row).
    Event(Box<UpgradeEvent>),
    /// An object that is not a managed cluster (a pool, a subnet, a VM...).
    Skipped,
    /// A managed cluster whose id does not read as a cluster's id: left out (nothing
    /// about it, least of all a fix, may rest on a guess at its subscription), with
    /// where and why.
    Unusable(ShapeError),
}

/// A nested value and the JSON path it sits at.
type Nested<'a, T> = (String, &'a T);

/// An object and the JSON path it sits at, for lookups that report their own path.
#[derive(Clone, Copy)]
pub(super) struct Obj<'a> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) path: &'a str,
}

impl<'a> Obj<'a> {
    /// The value under `key` ignoring case, with the key as spelled in the input;
    /// `null` counts as absent.
    pub(super) fn get(&self, key: &str) -> Option<(&'a str, &'a Value)> {
        let found = match self.map.get_key_value(key) {
            Some(kv) => Some(kv),
            None => self.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)),
        };
        found.filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.as_str(), v))
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some((_, Value::String(s))) => Ok(Some(s.clone())),
            Some((k, other)) => Err(self.wrong(k, "a string", other)),
        }
    }

    /// The first of several spellings that is present.
    pub(super) fn string_any(&self, keys: &[&str]) -> Result<Option<String>, ShapeError> {
        for key in keys {
            if let Some(s) = self.string(key)? {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    pub(super) fn object(&self, key: &str) -> Result<Option<Nested<'a, Map<String, Value>>>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some((k, Value::Object(m))) => Ok(Some((format!("{}.{k}", self.path), m))),
            Some((k, other)) => Err(self.wrong(k, "an object", other)),
        }
    }

    pub(super) fn array(&self, key: &str) -> Result<Option<Nested<'a, Vec<Value>>>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some((k, Value::Array(a))) => Ok(Some((format!("{}.{k}", self.path), a))),
            Some((k, other)) => Err(self.wrong(k, "an array", other)),
        }
    }

    pub(super) fn count(&self, key: &str) -> Result<Option<u32>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some((k, v @ Value::Number(n))) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| self.wrong(k, "a whole number", v)),
            Some((k, other)) => Err(self.wrong(k, "a whole number", other)),
        }
    }

    /// `powerState` is `{"code": "Running"}` in ARM and a plain string in Resource Graph projections.
    fn power_state(&self) -> Result<Option<String>, ShapeError> {
        match self.get("powerState") {
            Some((_, Value::String(s))) => Ok(Some(s.clone())),
            Some(_) => {
                let Some((path, map)) = self.object("powerState")? else {
                    return Ok(None);
                };
                Obj { map, path: &path }.string("code")
            }
            None => Ok(None),
        }
    }

    pub(super) fn wrong(&self, key: &str, expected: &str, found: &Value) -> ShapeError {
        ShapeError {
            path: format!("{}.{key}", self.path),
            message: format!("expected {expected}, found {}", kind(found)),
        }
    }
}

pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn is_type(value: Option<&str>, wanted: &str) -> bool {
    value.is_some_and(|t| t.eq_ignore_ascii_case(wanted))
}

/// Reads one element of a list (or a whole single-resource file).
pub fn read_element(value: Value, path: &str) -> Result<Element, ShapeError> {
    let Value::Object(map) = value else {
        return Err(ShapeError {
            path: path.to_string(),
            message: format!("expected a resource object, found {}", kind(&value)),
        });
    };
    let obj = Obj { map: &map, path };
    let resource_type = obj.string_any(&["type", "ResourceType"])?;
    if is_type(resource_type.as_deref(), super::event::EVENT_TYPE) {
        return super::event::read_event(&obj).map(|e| Element::Event(Box::new(e)));
    }
    let is_cluster = match resource_type.as_deref() {
        Some(t) => is_type(Some(t), CLUSTER_TYPE),
        // Without a type, a cluster is recognised by what only clusters carry.
        None => looks_like_cluster(&obj)?,
    };
    if !is_cluster {
        return Ok(Element::Skipped);
    }
    if let Some(problem) = unusable_id(&obj)? {
        return Ok(Element::Unusable(problem));
    }
    read_cluster(&obj).map(|c| Element::Cluster(Box::new(c)))
}

/// Why a cluster's id (when it has one) is not a managed cluster's id:
/// `/subscriptions/{id}/resourceGroups/{group}/providers/{namespace}/{type}/{name}`.
fn unusable_id(obj: &Obj) -> Result<Option<ShapeError>, ShapeError> {
    for key in ["id", "ResourceId"] {
        let id = match obj.get(key) {
            None => continue,
            Some((_, Value::String(id))) => id,
            Some((spelled, other)) => return Err(obj.wrong(spelled, "a string", other)),
        };
        if id.is_empty() {
            return Ok(None);
        }
        let why = match ResourceId::parse(id) {
            Ok(parsed) if parsed.resource_group.is_none() => "it has no `/resourceGroups/{name}`".to_string(),
            Ok(parsed) if parsed.name.is_none() => "it has no `/providers/{namespace}/{type}/{name}`".to_string(),
            Ok(_) => return Ok(None),
            Err(err) => err.to_string(),
        };
        let spelled = obj.get(key).map_or(key, |(k, _)| k);
        return Ok(Some(ShapeError {
            path: format!("{}.{spelled}", obj.path),
            message: format!(
                "the id `{}` is not a cluster's id: {why}",
                crate::text::clip(id, crate::text::ECHO)
            ),
        }));
    }
    Ok(None)
}

fn looks_like_cluster(obj: &Obj) -> Result<bool, ShapeError> {
    if obj.has("agentPoolProfiles") || obj.has("kubernetesVersion") || obj.has("autoUpgradeProfile") {
        return Ok(true);
    }
    Ok(match obj.object("properties")? {
        Some((path, map)) => {
            let props = Obj { map, path: &path };
            props.has("agentPoolProfiles") || props.has("kubernetesVersion")
        }
        None => false,
    })
}

fn read_cluster(obj: &Obj) -> Result<Cluster, ShapeError> {
    // ARM and PSRule wrap settings in `properties`; `az` and Resource Graph rows flatten them.
    let props_holder = obj.object("properties")?;
    let props = match &props_holder {
        Some((path, map)) => Obj { map, path },
        None => *obj,
    };

    let id = obj.string_any(&["id", "ResourceId"])?.unwrap_or_default();
    // `read_element` has refused an id that does not parse; no id at all (a template
    // resource) has no parts to give.
    let parsed = ResourceId::parse(&id).unwrap_or_default();
    let name = obj
        .string_any(&["name", "ResourceName"])?
        .or_else(|| parsed.name.map(String::from))
        .unwrap_or_default();
    let subscription_id = obj
        .string("subscriptionId")?
        .or_else(|| parsed.subscription_id.map(String::from))
        .unwrap_or_default();
    let resource_group = obj
        .string_any(&["resourceGroup", "ResourceGroupName"])?
        .or_else(|| parsed.resource_group.map(String::from))
        .unwrap_or_default();
    // A template resource describes what will be deployed; PSRule only treats it so
    // when it is not an export (an export always carries a subscription).
    let origin = if obj.has("apiVersion") && !obj.has("subscriptionId") {
        Origin::Template
    } else {
        Origin::Deployed
    };

    let (upgrade_channel, node_os_upgrade_channel) = match props.object("autoUpgradeProfile")? {
        Some((path, map)) => {
            let profile = Obj { map, path: &path };
            (
                profile.string("upgradeChannel")?,
                profile.string("nodeOSUpgradeChannel")?,
            )
        }
        // Resource Graph projections put the channels in their own columns.
        None => (obj.string("upgradeChannel")?, obj.string("nodeOSUpgradeChannel")?),
    };

    let (sku_name, sku_tier) = match obj.object("sku")? {
        Some((path, map)) => {
            let sku = Obj { map, path: &path };
            (sku.string("name")?, sku.string("tier")?)
        }
        None => (None, obj.string("skuTier")?),
    };

    let mut pools = Vec::new();
    let pool_list = match props.array("agentPoolProfiles")? {
        Some(list) => Some(list),
        None => obj.array("pools")?,
    };
    if let Some((path, list)) = pool_list {
        // As many as there are: a large fleet keeps every cluster's.
        pools.reserve_exact(list.len());
        for (i, item) in list.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            let Value::Object(map) = item else {
                return Err(ShapeError {
                    path: item_path,
                    message: format!("expected an agent pool object, found {}", kind(item)),
                });
            };
            pools.push(read_pool(&Obj { map, path: &item_path })?);
        }
    }

    // Child resources: PSRule exports and templates nest them; none there means none exist.
    let children = obj.array("resources")?;
    let mut maintenance = (children.is_some() || origin == Origin::Template).then(Vec::new);
    if let Some((path, list)) = children {
        for (i, item) in list.iter().enumerate() {
            let Value::Object(map) = item else { continue };
            let child_path = format!("{path}[{i}]");
            let child = Obj { map, path: &child_path };
            let child_type = child.string_any(&["type", "ResourceType"])?;
            if is_type(child_type.as_deref(), MAINTENANCE_TYPE) {
                let config = read_maintenance(&child)?;
                maintenance.get_or_insert_with(Vec::new).push(config);
            } else if is_type(child_type.as_deref(), POOL_TYPE) {
                let mut pool = match child.object("properties")? {
                    Some((p, map)) => read_pool(&Obj { map, path: &p })?,
                    None => AgentPool::default(),
                };
                let child_name = child.string_any(&["name", "ResourceName"])?.unwrap_or_default();
                pool.name = last_segment(&child_name).into();
                pools.push(pool);
            }
        }
    }

    // Resource Graph's `tostring()` turns a missing property into "": in the flattened
    // shapes an empty string is the same as absent.
    let flat = props_holder.is_none();
    let value = |v: Option<String>| {
        let v = if flat { v.filter(|s| !s.is_empty()) } else { v };
        v.map(Atom::from)
    };
    Ok(Cluster {
        id,
        name: name.into(),
        subscription_id: subscription_id.into(),
        subscription_name: obj.string("subscriptionName")?.map(Atom::from),
        resource_group: resource_group.into(),
        location: obj.string_any(&["location", "Location"])?.unwrap_or_default().into(),
        tags: read_tags(obj)?.into(),
        kubernetes_version: value(props.string("kubernetesVersion")?),
        current_kubernetes_version: value(props.string("currentKubernetesVersion")?),
        upgrade_channel: value(upgrade_channel),
        node_os_upgrade_channel: value(node_os_upgrade_channel),
        provisioning_state: value(props.string("provisioningState")?),
        power_state: value(props.power_state()?),
        sku_name: sku_name.map(Atom::from),
        sku_tier: value(sku_tier),
        support_plan: value(props.string("supportPlan")?),
        pools,
        maintenance,
        upgrades: None,
        origin,
        version_supported_in_region: None,
        details: None,
        as_of: None,
        stale: false,
        source: None,
    })
}

fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn read_pool(pool: &Obj) -> Result<AgentPool, ShapeError> {
    Ok(AgentPool {
        name: pool.string("name")?.unwrap_or_default().into(),
        mode: pool.string("mode")?.map(Atom::from),
        os_type: pool.string("osType")?.map(Atom::from),
        os_sku: pool.string("osSKU")?.map(Atom::from),
        orchestrator_version: pool.string("orchestratorVersion")?.map(Atom::from),
        node_image_version: pool.string("nodeImageVersion")?.map(Atom::from),
        count: pool.count("count")?,
        latest_node_image_version: None,
        upgrades: None,
    })
}

/// Tags are strings in ARM; other JSON values are kept as their JSON text.
fn read_tags(obj: &Obj) -> Result<BTreeMap<String, String>, ShapeError> {
    let Some((_, map)) = obj.object("tags")? else {
        return Ok(BTreeMap::new());
    };
    Ok(map
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), String::from)))
        .collect())
}

fn read_maintenance(child: &Obj) -> Result<MaintenanceConfig, ShapeError> {
    let name = child.string_any(&["name", "ResourceName"])?.unwrap_or_default();
    Ok(super::maintenance::read(child.map, last_segment(&name)))
}
