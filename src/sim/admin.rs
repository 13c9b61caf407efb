//! Changing a cluster behind the clients' backs, for tests: `POST /admin/mutate`.
//!
//! Served only with `--admin` (a 404 otherwise, as for any unknown path) and only to
//! a caller with the bearer token. The body names a cluster by resource id and gives
//! a JSON merge patch (RFC 7396: objects merge, `null` removes, anything else
//! replaces) for its ARM object:
//!
//! ```json
//! {"cluster": "/subscriptions/.../managedClusters/aks-1",
//!  "patch": {"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": "None"}}},
//!  "afterGets": 1}
//! ```
//!
//! With `afterGets: n` (default 0) the change lands right after the n-th GET of that
//! cluster from now is answered: a client's read then sees the old object and its
//! write, carrying the old entity tag, meets the new one (412). The changed cluster
//! gets a new `eTag`, like after any write. A patch cannot change the id, name or
//! location; an operation already running on the cluster still ends with its own
//! final object.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fleet::SimFleet;
use super::options::SimOptions;
use super::rng::{guid_of, mix};
use super::state::{Key, SimState, Trap};
use super::wire::Reply;
use crate::model::ResourceId;

/// `POST /admin/mutate`.
pub(super) fn mutate(fleet: &SimFleet, options: &SimOptions, state: &SimState, body: &[u8]) -> Reply {
    let bad = |message: String| Reply::error(StatusCode::BAD_REQUEST, "InvalidRequestContent", message);
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return bad("The body must be a JSON object with `cluster` and `patch`.".into());
    };
    let Some(id) = request.get("cluster").and_then(Value::as_str) else {
        return bad("`cluster` (a managed cluster's resource id) is missing.".into());
    };
    let patch = match request.get("patch") {
        Some(patch @ Value::Object(_)) => patch.clone(),
        _ => return bad("`patch` must be an object (a JSON merge patch of the cluster).".into()),
    };
    for fixed in ["id", "name", "location", "type"] {
        if patch.get(fixed).is_some() {
            return bad(format!("`patch` cannot change `{fixed}`."));
        }
    }
    let after = match request.get("afterGets") {
        None => 0,
        Some(n) => match n.as_u64() {
            Some(n) => n,
            None => return bad("`afterGets` must be a whole number.".into()),
        },
    };
    let Some(key) = key_of(fleet, id) else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("No managed cluster has the id '{id}'."),
        );
    };
    let trap = Trap {
        key,
        gets_left: after,
        patch,
    };
    if after == 0 {
        land(fleet, options, state, &trap);
    } else {
        state.transact(|changes| changes.set_trap(trap));
    }
    Reply::json(StatusCode::ACCEPTED, &json!({ "cluster": id, "afterGets": after }))
}

/// The cluster an id names.
pub(super) fn key_of(fleet: &SimFleet, id: &str) -> Option<Key> {
    let parsed = ResourceId::parse(id).ok()?;
    fleet.cluster_key(parsed.subscription_id?, parsed.resource_group?, parsed.name?)
}

/// A GET of cluster `key` was answered: a change waiting for it may land now.
pub(super) fn after_get(fleet: &SimFleet, options: &SimOptions, state: &SimState, key: Key) {
    if !state.has_traps() {
        return;
    }
    if let Some(trap) = state.transact(|changes| changes.count_get(key)) {
        land(fleet, options, state, &trap);
    }
}

/// Makes the change: the object merged with the patch, with a new entity tag.
fn land(fleet: &SimFleet, options: &SimOptions, state: &SimState, trap: &Trap) {
    let write = state.next_write();
    let etag = guid_of(mix(options.seed ^ mix(write ^ 0xAD_0001)), mix(write ^ 0xAD_0002));
    state.transact(|changes| {
        let Some(mut cluster) = super::view::cluster_value(fleet, changes, trap.key) else {
            return;
        };
        merge(&mut cluster, &trap.patch);
        cluster["eTag"] = json!(etag);
        changes.replace(trap.key, &cluster);
    });
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    if let Value::Object(map) = target {
        for (key, value) in fields {
            if value.is_null() {
                map.remove(key);
            } else {
                merge(map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_patch_merges_objects_removes_nulls_and_replaces_the_rest() {
        let mut cluster = json!({"a": {"b": 1, "c": 2}, "d": [1, 2], "e": "x"});
        merge(
            &mut cluster,
            &json!({"a": {"b": 9, "c": null, "n": {"m": true}}, "d": [3], "e": null}),
        );
        assert_eq!(cluster, json!({"a": {"b": 9, "n": {"m": true}}, "d": [3]}));
    }
}
