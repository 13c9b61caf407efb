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
//!
//! The parts: here the handlers and their checks, `merge` (a body over the
//! current object, checked by `validate`), `operation` (starting the long-running
//! operation and the answer that points at it).

mod merge;
mod operation;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use self::merge::{cluster_change, pool_change};
use self::operation::{lro, start};
use super::read::{Ctx, forbidden, group_not_found, locate, resource_not_found, subscription};
use super::route::ci;
use super::state::Key;
use super::validate::{self, Refusal};
use super::view::{agent_pool, cluster_value, find_pool, maintenance_of};
use super::wire::Reply;

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
        let mut configs = maintenance_of(ctx.fleet, changes, key);
        let existing = configs
            .iter()
            .position(|c| c["name"].as_str().is_some_and(|n| ci(n, canonical)));
        // ARM stamps every write; that is how a late change to a window can be known.
        let now = ctx.wall.format(&Rfc3339).unwrap_or_default();
        let created = existing
            .and_then(|i| configs[i]["systemData"]["createdAt"].as_str().map(String::from))
            .unwrap_or_else(|| now.clone());
        let resource = json!({
            "id": format!("{cluster_id}/maintenanceConfigurations/{canonical}"),
            "name": canonical,
            "type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
            "systemData": {
                "createdAt": created,
                "createdByType": "User",
                "lastModifiedAt": now,
                "lastModifiedByType": "User",
            },
            "properties": properties,
        });
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
