//! Starting a long-running operation: the object while it runs and once it ends
//! (its outcome decided now, by `--fail-operations`), new entity tags, and the
//! answer with `Azure-AsyncOperation` and `Retry-After`.

use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::merge::{Change, location_of};
use crate::sim::read::Ctx;
use crate::sim::rng::{guid_of, mix, unit};
use crate::sim::state::{Changes, Key, Operation};
use crate::sim::wire::Reply;

/// Starts the operation for `change` on cluster `key`: stores the running object,
/// decides the outcome, and returns the running object and the operation.
pub(super) fn start(ctx: &Ctx, changes: &mut Changes, key: Key, current: &Value, change: Change) -> (Value, Operation) {
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
pub(super) fn lro(ctx: &Ctx, resource: &Value, operation: Operation) -> Reply {
    let status_url = format!(
        "{}/subscriptions/{}/providers/Microsoft.ContainerService/locations/{}/operationStatuses/{}?api-version={}",
        ctx.base_url, operation.subscription_id, operation.location, operation.id, ctx.api_version
    );
    Reply::ok(resource)
        .header("azure-asyncoperation", status_url)
        .header("retry-after", ctx.options.operation_seconds.clamp(1, 10).to_string())
}
