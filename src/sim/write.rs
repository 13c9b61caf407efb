//! The write side of the simulated AKS: `PUT` of a managed cluster and of an agent
//! pool (long-running operations), `PUT` and `DELETE` of maintenance configurations
//! (synchronous), validated as AKS validates them (`validate`).
//!
//! A cluster or pool write checks, in order: the subscription and the cluster
//! exist and may be written, the api-version, no operation runs on the cluster
//! (else 409 `OperationNotAllowed`), `If-Match` (else 412), the body; then it
//! stores the object with `provisioningState` `Updating` (or `Upgrading`), starts
//! an operation that ends `--operation-seconds` later, and answers with
//! `Azure-AsyncOperation` and `Retry-After`. The check and the start happen under
//! one lock, so two writes cannot both start.
//!
//! PUT semantics: the body's writable properties replace the cluster's, read-only
//! ones (`provisioningState`, `currentKubernetesVersion`, `fqdn`, ...) are ignored
//! as ARM ignores them, and properties the body leaves out are kept. Pools are
//! matched by name; the simulator neither creates nor deletes clusters or pools.

use axum::http::{HeaderMap, StatusCode};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::read::{Ctx, forbidden, group_not_found, locate, resource_not_found, subscription};
use super::rng::{guid_of, mix, unit};
use super::route::ci;
use super::state::{Changes, Key, Operation};
use super::validate::{self, Refusal};
use super::view::{agent_pool, cluster_value, find_pool, maintenance_of};
use super::wire::Reply;

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
struct Change {
    /// The object with the new values, before the operation's own fields.
    desired: Value,
    /// The full version the control plane runs once the operation succeeds.
    control_plane: String,
    /// Per pool whose version moves: its name and the full version it will run.
    pool_versions: Vec<(String, String)>,
    /// The pools the write touched, by name.
    touched: Vec<String>,
    /// Whether the cluster's own properties changed (a pool write leaves them).
    cluster_write: bool,
}

impl Change {
    fn upgrading(&self, current: &Value) -> bool {
        current["properties"]["currentKubernetesVersion"].as_str() != Some(self.control_plane.as_str())
            || !self.pool_versions.is_empty()
    }
}

/// `PUT .../managedClusters/{name}`.
pub(super) fn put_cluster(ctx: &Ctx, sub: &str, rg: &str, name: &str, headers: &HeaderMap, body: &[u8]) -> Reply {
    let key = match writable(ctx, sub, rg, name, "Microsoft.ContainerService/managedClusters/write") {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let body = match json_body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.reply(),
    };
    ctx.state
        .transact(|changes| {
            let current = cluster_value(ctx.fleet, changes, key)
                .ok_or_else(|| resource_not_found(&format!("managedClusters/{name}"), rg))?;
            if let Some(running) = changes.running(key, ctx.now) {
                return Err(conflict(name, &running.id));
            }
            if_match(headers, current["eTag"].as_str(), &format!("managed cluster '{name}'"))?;
            let change = cluster_change(ctx, &current, &body).map_err(Refusal::reply)?;
            let running = start(ctx, changes, key, &current, change);
            Ok(lro(ctx, &running.0, running.1))
        })
        .unwrap_or_else(|reply| reply)
}

/// `PUT .../managedClusters/{name}/agentPools/{pool}`.
pub(super) fn put_pool(
    ctx: &Ctx,
    sub: &str,
    rg: &str,
    name: &str,
    pool: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let key = match writable(
        ctx,
        sub,
        rg,
        name,
        "Microsoft.ContainerService/managedClusters/agentPools/write",
    ) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let body = match json_body(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.reply(),
    };
    ctx.state.transact(|changes| {
        let current = cluster_value(ctx.fleet, changes, key)
            .ok_or_else(|| resource_not_found(&format!("managedClusters/{name}"), rg))?;
        let Some(profile) = find_pool(&current, pool) else {
            return Err(Reply::error(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                format!(
                    "The Resource 'Microsoft.ContainerService/managedClusters/{name}/agentPools/{pool}' under resource \
                     group '{rg}' was not found. The simulator creates no agent pools: only existing ones can be updated."
                ),
            ));
        };
        if let Some(running) = changes.running(key, ctx.now) {
            return Err(conflict(name, &running.id));
        }
        if_match(headers, profile["eTag"].as_str(), &format!("agent pool '{pool}'"))?;
        let change = pool_change(ctx, &current, profile, &body).map_err(Refusal::reply)?;
        let pool_name = profile["name"].as_str().unwrap_or(pool).to_string();
        let (running, operation) = start(ctx, changes, key, &current, change);
        let id = running["id"].as_str().unwrap_or_default().to_string();
        let Some(profile) = find_pool(&running, &pool_name) else {
            return Err(resource_not_found(&format!("managedClusters/{name}/agentPools/{pool}"), rg));
        };
        Ok(lro(ctx, &agent_pool(&id, profile), operation))
    })
    .unwrap_or_else(|reply| reply)
}

/// `PUT .../maintenanceConfigurations/{config}`: synchronous, 201 when new.
pub(super) fn put_maintenance(ctx: &Ctx, sub: &str, rg: &str, name: &str, config: &str, body: &[u8]) -> Reply {
    let key = match writable(
        ctx,
        sub,
        rg,
        name,
        "Microsoft.ContainerService/managedClusters/maintenanceConfigurations/write",
    ) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let parsed = json_body(body)
        .and_then(|body| validate::maintenance_name(config).map(|n| (n, body)))
        .and_then(|(canonical, body)| validate::maintenance_properties(canonical, &body).map(|p| (canonical, p)));
    let (canonical, properties) = match parsed {
        Ok(found) => found,
        Err(refusal) => return refusal.reply(),
    };
    ctx.state.transact(|changes| {
        let Some(cluster_id) = cluster_value(ctx.fleet, changes, key).and_then(|c| c["id"].as_str().map(String::from))
        else {
            return resource_not_found(&format!("managedClusters/{name}"), rg);
        };
        let resource = json!({
            "id": format!("{cluster_id}/maintenanceConfigurations/{canonical}"),
            "name": canonical,
            "type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
            "properties": properties,
        });
        let mut configs = maintenance_of(ctx.fleet, changes, key);
        let existing = configs
            .iter()
            .position(|c| c["name"].as_str().is_some_and(|n| ci(n, canonical)));
        let status = match existing {
            Some(i) => {
                configs[i] = resource.clone();
                StatusCode::OK
            }
            None => {
                configs.push(resource.clone());
                // AKS lists them in a fixed order: default, then the two aksManaged ones.
                configs.sort_by_key(|c| {
                    validate::MAINTENANCE_NAMES
                        .iter()
                        .position(|n| c["name"].as_str().is_some_and(|c| ci(c, n)))
                });
                StatusCode::CREATED
            }
        };
        changes.set_maintenance(key, configs);
        Reply::json(status, &resource)
    })
}

/// `DELETE .../maintenanceConfigurations/{config}`: 200 when it existed, 204 when not.
pub(super) fn delete_maintenance(ctx: &Ctx, sub: &str, rg: &str, name: &str, config: &str) -> Reply {
    let key = match writable(
        ctx,
        sub,
        rg,
        name,
        "Microsoft.ContainerService/managedClusters/maintenanceConfigurations/delete",
    ) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    ctx.state.transact(|changes| {
        let mut configs = maintenance_of(ctx.fleet, changes, key);
        let before = configs.len();
        configs.retain(|c| !c["name"].as_str().is_some_and(|n| ci(n, config)));
        if configs.len() == before {
            return empty(StatusCode::NO_CONTENT);
        }
        changes.set_maintenance(key, configs);
        empty(StatusCode::OK)
    })
}

fn empty(status: StatusCode) -> Reply {
    Reply {
        status,
        body: Vec::new(),
        headers: Vec::new(),
    }
}

/// The cluster a write names, once the subscription, the caller's role and the
/// api-version allow writing it.
fn writable(ctx: &Ctx, sub: &str, rg: &str, name: &str, action: &str) -> Result<Key, Reply> {
    let (_, subscription) = subscription(ctx, sub)?;
    if ctx.fleet.forbidden(sub) {
        return Err(forbidden(ctx, action));
    }
    validate::write_api_version(ctx.api_version).map_err(Refusal::reply)?;
    if !ctx.fleet.resource_group_exists(&subscription.id, rg) {
        return Err(group_not_found(rg));
    }
    locate(ctx, &subscription.id, rg, name).map_err(|_| {
        Reply::error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not \
                 found. The simulator creates no clusters: only existing ones can be updated."
            ),
        )
    })
}

fn json_body(body: &[u8]) -> Result<Value, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "The request content must be a JSON object.",
        )),
        Err(e) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: '{e}'."),
        )),
    }
}

/// 409 while an operation runs on the cluster.
fn conflict(name: &str, operation: &str) -> Reply {
    Reply::error(
        StatusCode::CONFLICT,
        "OperationNotAllowed",
        format!(
            "Operation is not allowed because there's an in progress operation (id: '{operation}') on managed cluster \
             '{name}'. Please wait for it to finish before starting a new operation. See \
             https://aka.ms/aks-pending-operation for more details."
        ),
    )
}

/// 412 when `If-Match` names another eTag than the resource's (`*` matches any).
fn if_match(headers: &HeaderMap, current: Option<&str>, what: &str) -> Result<(), Reply> {
    let Some(wanted) = headers.get("if-match") else {
        return Ok(());
    };
    let wanted = wanted.to_str().unwrap_or_default().trim();
    let bare = wanted.trim_start_matches("W/").trim_matches('"');
    if bare == "*" || Some(bare) == current {
        return Ok(());
    }
    Err(Reply::error(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
        format!(
            "Operation is not allowed: the If-Match eTag '{bare}' does not match the current eTag '{}' of {what}. \
             Read the resource again and retry with its current eTag.",
            current.unwrap_or_default()
        ),
    ))
}

/// The location as the catalogue names it.
fn location_of(cluster: &Value) -> &str {
    cluster["location"].as_str().unwrap_or_default()
}

/// A cluster PUT body applied to `current`, checked.
fn cluster_change(ctx: &Ctx, current: &Value, body: &Value) -> Result<Change, Refusal> {
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
                    let index = super::view::pools(current)
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
                    let before = &super::view::pools(current)[index];
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
fn pool_change(ctx: &Ctx, current: &Value, profile: &Value, body: &Value) -> Result<Change, Refusal> {
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
    if let Some(index) = super::view::pools(current)
        .iter()
        .position(|p| p["name"] == profile["name"])
    {
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
    offers: &[super::fleet::Offer],
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

/// Starts the operation for `change` on cluster `key`: stores the running object,
/// decides the outcome, and returns the running object and the operation.
fn start(ctx: &Ctx, changes: &mut Changes, key: Key, current: &Value, change: Change) -> (Value, Operation) {
    let seed = ctx.options.seed;
    let write = ctx.state.next_write();
    let id = guid_of(mix(seed ^ mix(write ^ 0x0B5E_C0DE)), mix(write ^ 0x0B5E_C0DE_0B5E));
    let upgrading = change.upgrading(current);
    let fails = unit(mix(seed ^ mix(write.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xFA11))) < ctx.options.fail_operations;
    let error = fails.then(|| simulated_failure(upgrading, &change));
    let busy = if upgrading { "Upgrading" } else { "Updating" };

    let etag = |salt: u64| guid_of(mix(seed ^ mix(write ^ salt)), mix(write.wrapping_add(salt)));
    let mut running = change.desired.clone();
    running["eTag"] = json!(etag(1));
    if change.cluster_write {
        running["properties"]["provisioningState"] = json!(busy);
    }
    for (i, pool) in running["properties"]["agentPoolProfiles"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = pool["name"].as_str().unwrap_or_default().to_string();
        if change.touched.contains(&name) || change.pool_versions.iter().any(|(n, _)| *n == name) {
            pool["eTag"] = json!(etag(2 + i as u64));
            pool["provisioningState"] = json!(busy);
        }
    }

    let mut settled = running.clone();
    let outcome = if error.is_some() { "Failed" } else { "Succeeded" };
    if change.cluster_write {
        settled["properties"]["provisioningState"] = json!(outcome);
    }
    for pool in settled["properties"]["agentPoolProfiles"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if pool["provisioningState"] == busy {
            pool["provisioningState"] = json!(outcome);
        }
        if error.is_none()
            && let Some((_, version)) = change
                .pool_versions
                .iter()
                .find(|(n, _)| pool["name"].as_str() == Some(n.as_str()))
        {
            pool["currentOrchestratorVersion"] = json!(version);
        }
    }
    match &error {
        None => {
            settled["properties"]["currentKubernetesVersion"] = json!(change.control_plane);
            if let Some(p) = settled["properties"].as_object_mut() {
                p.remove("status");
            }
        }
        Some((code, message)) if change.cluster_write => {
            settled["properties"]["status"] = json!({ "provisioningError": { "code": code, "message": message } });
        }
        Some(_) => {}
    }

    let duration = std::time::Duration::from_secs(ctx.options.operation_seconds);
    let operation = Operation {
        id,
        subscription_id: ctx.fleet.subscriptions[key.0].id.clone(),
        location: location_of(current).to_string(),
        started: ctx.wall,
        duration,
        ends: ctx.now + duration,
        error,
    };
    changes.begin(key, raw(&running), raw(&settled), operation.clone());
    (running, operation)
}

/// The error object of an operation `--fail-operations` fails.
fn simulated_failure(upgrading: bool, change: &Change) -> (String, String) {
    let pool = change
        .touched
        .first()
        .or(change.pool_versions.first().map(|(n, _)| n))
        .map_or("nodepool1", String::as_str);
    if upgrading {
        (
            "UpgradeFailed".to_string(),
            format!(
                "Simulated failure (--fail-operations): drain of node aks-{pool}-00000000-vmss000000 failed when \
                 evicting a pod: a Pod Disruption Budget allows no disruption. See http://aka.ms/aks/debugdrainfailures"
            ),
        )
    } else {
        (
            "ReconcileVMSSAgentPoolFailed".to_string(),
            format!(
                "Simulated failure (--fail-operations): reconciling agent pool '{pool}' failed: the virtual machine \
                 scale set did not report success in time. Retry the operation."
            ),
        )
    }
}

fn raw(value: &Value) -> Box<RawValue> {
    // A Value always serialises (its keys are strings).
    serde_json::value::to_raw_value(value).unwrap_or_default()
}

/// The answer to a write that started `operation`: the resource as it is now, with
/// the headers a client follows the operation by.
fn lro(ctx: &Ctx, resource: &Value, operation: Operation) -> Reply {
    let status_url = format!(
        "{}/subscriptions/{}/providers/Microsoft.ContainerService/locations/{}/operationStatuses/{}?api-version={}",
        ctx.base_url, operation.subscription_id, operation.location, operation.id, ctx.api_version
    );
    Reply::ok(resource)
        .header("azure-asyncoperation", status_url)
        .header("retry-after", ctx.options.operation_seconds.clamp(1, 10).to_string())
}
