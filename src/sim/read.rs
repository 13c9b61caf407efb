//! The read side of the simulated ARM: every GET a subscription's resources answer
//! (clusters and their lists, agent pools, upgrade profiles, maintenance
//! configurations, Kubernetes versions, operation statuses) and `GET
//! /subscriptions`, in ARM's envelopes and paging.
//!
//! Every view reads a cluster as writes left it (`state`) and replays it from the
//! fleet only when it never changed, so a write shows everywhere at once. Without
//! writes, the same request always gets the same body.

use std::time::Instant;

use time::OffsetDateTime;

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::fleet::{SimFleet, SimSubscription};
use super::options::SimOptions;
use super::route::{CONTAINER_SERVICE, Target, ci};
use super::state::{Changes, Key, SimState};
use super::view::{agent_pool, cluster_body, cluster_value, find_pool, maintenance_of, pools};
use super::wire::{self, Query, Reply};
use crate::model::api::ARM_API_VERSION;

/// What a handler needs about the request and the simulator.
pub(super) struct Ctx<'a> {
    pub(super) fleet: &'a SimFleet,
    pub(super) options: &'a SimOptions,
    /// `http://127.0.0.1:PORT`, for `nextLink` and error messages.
    pub(super) base_url: &'a str,
    pub(super) api_version: &'a str,
    pub(super) query: &'a Query,
    /// The path as received, for `nextLink` and error messages.
    pub(super) path: &'a str,
    /// What writes changed.
    pub(super) state: &'a SimState,
    /// When the request is answered, on the simulator's clock.
    pub(super) now: Instant,
    /// The same moment as a date and time, for operation statuses.
    pub(super) wall: OffsetDateTime,
}

pub(super) fn not_found(ctx: &Ctx) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!(
            "No HTTP resource was found that matches the request URI '{}{}?api-version={}'.",
            ctx.base_url, ctx.path, ctx.api_version
        ),
    )
}

/// One page of an ARM list, with `nextLink` last as ARM writes it.
#[derive(Serialize)]
struct Page<T: Serialize> {
    value: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<Value>,
    #[serde(rename = "nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
}

/// The slice of `len` items a list request asks for, and the offset of the next page.
fn page_bounds(ctx: &Ctx, len: usize, page_size: usize) -> Result<(usize, usize, Option<usize>), Reply> {
    let offset = match ctx.query.get("$skipToken") {
        None => 0,
        Some(token) => wire::read_list_token(token).ok_or_else(|| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidSkipToken",
                format!("The skip token '{token}' is invalid. Follow nextLink exactly as returned."),
            )
        })?,
    };
    let start = offset.min(len);
    let end = start.saturating_add(page_size.max(1)).min(len);
    Ok((start, end, (end < len).then_some(end)))
}

fn next_link(ctx: &Ctx, next: Option<usize>) -> Option<String> {
    next.map(|offset| {
        format!(
            "{}{}?api-version={}&%24skipToken={}",
            ctx.base_url,
            ctx.path,
            ctx.api_version,
            wire::list_token(offset)
        )
    })
}

pub(super) fn list_subscriptions(ctx: &Ctx) -> Reply {
    let all: Vec<Value> = ctx.fleet.subscriptions.iter().map(|s| s.to_json()).collect();
    let (start, end, next) = match page_bounds(ctx, all.len(), ctx.options.subscription_page_size) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    Reply::ok(&Page {
        value: &all[start..end],
        count: Some(serde_json::json!({ "type": "Total", "value": all.len() })),
        next_link: next_link(ctx, next),
    })
}

/// The subscription the path names, with its index.
pub(super) fn subscription<'a>(ctx: &Ctx<'a>, sub: &str) -> Result<(usize, &'a SimSubscription), Reply> {
    ctx.fleet
        .subscription_index(sub)
        .map(|i| (i, &ctx.fleet.subscriptions[i]))
        .ok_or_else(|| {
            Reply::error(
                StatusCode::NOT_FOUND,
                "SubscriptionNotFound",
                format!("The subscription '{sub}' could not be found."),
            )
        })
}

/// 403 `AuthorizationFailed` for `action` over the path's scope.
pub(super) fn forbidden(ctx: &Ctx, action: &str) -> Reply {
    let oid = &ctx.fleet.client_object_id;
    let scope = ctx.path.trim_end_matches('/');
    Reply::error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        format!(
            "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' \
             over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        ),
    )
}

/// The cluster a path names, or the 404 ARM gives.
pub(super) fn locate(ctx: &Ctx, sub: &str, rg: &str, name: &str) -> Result<Key, Reply> {
    if !ctx.fleet.resource_group_exists(sub, rg) {
        return Err(group_not_found(rg));
    }
    ctx.fleet
        .cluster_key(sub, rg, name)
        .ok_or_else(|| resource_not_found(&format!("managedClusters/{name}"), rg))
}

/// The action a GET of `target` needs, for 403s.
fn read_action(target: &Target) -> &'static str {
    match target {
        Target::PoolUpgradeProfile { .. } => {
            "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles/read"
        }
        Target::AgentPools { .. } | Target::AgentPool { .. } => {
            "Microsoft.ContainerService/managedClusters/agentPools/read"
        }
        Target::ClusterUpgradeProfile { .. } => "Microsoft.ContainerService/managedClusters/upgradeProfiles/read",
        Target::MaintenanceConfigurations { .. } | Target::MaintenanceConfiguration { .. } => {
            "Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read"
        }
        Target::KubernetesVersions { .. } => "Microsoft.ContainerService/locations/kubernetesVersions/read",
        Target::OperationStatus { .. } => "Microsoft.ContainerService/locations/operations/read",
        _ => "Microsoft.ContainerService/managedClusters/read",
    }
}

/// The kind of a detail read, as `--forbid-read` names it.
fn read_kind(target: &Target) -> Option<&'static str> {
    match target {
        Target::MaintenanceConfigurations { .. } | Target::MaintenanceConfiguration { .. } => {
            Some("maintenanceConfigurations")
        }
        Target::ClusterUpgradeProfile { .. } => Some("upgradeProfiles"),
        Target::PoolUpgradeProfile { .. } => Some("agentPools/upgradeProfiles"),
        Target::KubernetesVersions { .. } => Some("kubernetesVersions"),
        _ => None,
    }
}

/// A GET inside a subscription.
pub(super) fn in_subscription(ctx: &Ctx, sub: &str, target: Target) -> Reply {
    let fleet = ctx.fleet;
    let (sub_index, subscription) = match subscription(ctx, sub) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    if matches!(target, Target::Itself) {
        // Reading the subscription itself needs no role on its resources.
        return Reply::ok(&subscription.to_json());
    }
    if fleet.forbidden(sub)
        || read_kind(&target).is_some_and(|kind| ctx.options.forbidden_reads.iter().any(|k| k == kind))
    {
        return forbidden(ctx, read_action(&target));
    }
    let changes = ctx.state.read();
    let changes = &*changes;
    // The cluster a target names, its current object, or the 404.
    let cluster = |rg: &str, name: &str| -> Result<(Key, Value), Reply> {
        let key = locate(ctx, &subscription.id, rg, name)?;
        let value = cluster_value(fleet, changes, key)
            .ok_or_else(|| resource_not_found(&format!("managedClusters/{name}"), rg))?;
        Ok((key, value))
    };

    match target {
        Target::Itself => Reply::ok(&subscription.to_json()),
        Target::Clusters { rg } => {
            if let Some(rg) = rg
                && !fleet.resource_group_exists(&subscription.id, rg)
            {
                return group_not_found(rg);
            }
            let clusters = subscription.clusters_in(rg);
            let (start, end, next) = match page_bounds(ctx, clusters.len(), ctx.options.page_size) {
                Ok(b) => b,
                Err(reply) => return reply,
            };
            Reply::ok(&Page {
                value: ClusterPage {
                    fleet,
                    changes,
                    subscription: sub_index,
                    indices: &clusters[start..end],
                },
                count: None,
                next_link: next_link(ctx, next),
            })
        }
        Target::Cluster { rg, name } => match locate(ctx, &subscription.id, rg, name) {
            Ok(key) => match cluster_body(fleet, changes, key) {
                Some(body) => Reply::ok(&body),
                None => resource_not_found(&format!("managedClusters/{name}"), rg),
            },
            Err(reply) => reply,
        },
        Target::ClusterUpgradeProfile { rg, name, profile } => match cluster(rg, name) {
            Ok(_) if !ci(profile, "default") => {
                resource_not_found(&format!("managedClusters/{name}/upgradeProfiles/{profile}"), rg)
            }
            Ok((_, value)) => Reply::ok(&cluster_upgrade_profile(fleet, &value)),
            Err(reply) => reply,
        },
        Target::AgentPools { rg, name } => match cluster(rg, name) {
            Ok((_, value)) => {
                let id = value["id"].as_str().unwrap_or_default();
                let all: Vec<Value> = pools(&value).iter().map(|p| agent_pool(id, p)).collect();
                Reply::ok(&Page {
                    value: all,
                    count: None,
                    next_link: None,
                })
            }
            Err(reply) => reply,
        },
        Target::AgentPool { rg, name, pool } => match cluster(rg, name) {
            Ok((_, value)) => match find_pool(&value, pool) {
                Some(profile) => Reply::ok(&agent_pool(value["id"].as_str().unwrap_or_default(), profile)),
                None => resource_not_found(&format!("managedClusters/{name}/agentPools/{pool}"), rg),
            },
            Err(reply) => reply,
        },
        Target::PoolUpgradeProfile {
            rg,
            name,
            pool,
            profile,
        } => {
            let (key, value) = match cluster(rg, name) {
                Ok(found) => found,
                Err(reply) => return reply,
            };
            let Some(current) = find_pool(&value, pool) else {
                return resource_not_found(&format!("managedClusters/{name}/agentPools/{pool}"), rg);
            };
            if !ci(profile, "default") {
                return resource_not_found(
                    &format!("managedClusters/{name}/agentPools/{pool}/upgradeProfiles/{profile}"),
                    rg,
                );
            }
            let drawn = subscription
                .details(key.1)
                .map(|d| d.pool_upgrade_profiles)
                .unwrap_or_default();
            match drawn.into_iter().find(|(n, _)| ci(n, pool)) {
                Some((_, body)) if changes.cluster(key).is_none() => Reply::ok(&body),
                Some((_, body)) => Reply::ok(&pool_upgrade_profile_now(fleet, &value, current, body)),
                None => resource_not_found(&format!("managedClusters/{name}/agentPools/{pool}"), rg),
            }
        }
        Target::MaintenanceConfigurations { rg, name } => match locate(ctx, &subscription.id, rg, name) {
            Ok(key) => Reply::ok(&Page {
                value: &maintenance_of(fleet, changes, key),
                count: None,
                next_link: None,
            }),
            Err(reply) => reply,
        },
        Target::MaintenanceConfiguration { rg, name, config } => match locate(ctx, &subscription.id, rg, name) {
            Ok(key) => maintenance_of(fleet, changes, key)
                .iter()
                .find(|c| c["name"].as_str().is_some_and(|n| ci(n, config)))
                .map(Reply::ok)
                .unwrap_or_else(|| {
                    resource_not_found(
                        &format!("managedClusters/{name}/maintenanceConfigurations/{config}"),
                        rg,
                    )
                }),
            Err(reply) => reply,
        },
        Target::KubernetesVersions { location } => match fleet.kubernetes_versions_for(location) {
            Some(body) => Reply::ok(body),
            None => Reply::error(
                StatusCode::BAD_REQUEST,
                "NoRegisteredProviderFound",
                format!(
                    "No registered resource provider found for location '{location}' and API version '{}' for type \
                     'locations/kubernetesVersions'. The supported api-versions are '{ARM_API_VERSION}'. \
                     The supported locations are '{}'.",
                    ctx.api_version,
                    fleet.locations().collect::<Vec<_>>().join(", ")
                ),
            ),
        },
        Target::OperationStatus { location, id } => {
            let found = changes.operation(id).filter(|op| {
                ci(&op.subscription_id, &subscription.id)
                    && op.location.eq_ignore_ascii_case(&location.replace(' ', ""))
            });
            match found {
                Some(op) => {
                    let status = op.status(ctx.now);
                    let running = status.status == "InProgress";
                    let reply = Reply::ok(&status);
                    if running {
                        // Pollers wait this long before asking again (Azure CLI's default is 30 s).
                        let left = op.ends.saturating_duration_since(ctx.now).as_secs_f64().ceil() as u64;
                        reply.header("retry-after", left.clamp(1, 10).to_string())
                    } else {
                        reply
                    }
                }
                None => Reply::error(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    format!("Operation '{id}' was not found in location '{location}'."),
                ),
            }
        }
        Target::Unknown => not_found(ctx),
    }
}

/// `.../managedClusters/{name}/upgradeProfiles/default`: the versions the control
/// plane and each pool run now, and the upgrades the region offers them.
pub(super) fn cluster_upgrade_profile(fleet: &SimFleet, cluster: &Value) -> Value {
    let location = cluster["location"].as_str().unwrap_or_default();
    let profile = |version: &str, os_type: &str, name: Option<&str>| {
        let mut p = Map::new();
        p.insert("kubernetesVersion".into(), json!(version));
        if let Some(name) = name {
            p.insert("name".into(), json!(name));
        }
        p.insert("osType".into(), json!(os_type));
        let upgrades = fleet.upgrades(location, version);
        // The RP leaves `upgrades` out when there is nothing to upgrade to.
        if !upgrades.is_empty() {
            p.insert("upgrades".into(), Value::Array(upgrades));
        }
        Value::Object(p)
    };
    let control_plane = cluster["properties"]["currentKubernetesVersion"]
        .as_str()
        .unwrap_or_default();
    let pools: Vec<Value> = pools(cluster)
        .iter()
        .map(|p| {
            profile(
                p["currentOrchestratorVersion"].as_str().unwrap_or_default(),
                p["osType"].as_str().unwrap_or("Linux"),
                p["name"].as_str(),
            )
        })
        .collect();
    json!({
        "id": format!("{}/upgradeProfiles/default", cluster["id"].as_str().unwrap_or_default()),
        "name": "default",
        "type": "Microsoft.ContainerService/managedClusters/upgradeProfiles",
        "properties": {
            "controlPlaneProfile": profile(control_plane, "Linux", None),
            "agentPoolProfiles": pools,
        },
    })
}

/// A changed pool's upgrade profile: the generated one (its images), with the
/// version the pool runs now and the upgrades from there.
fn pool_upgrade_profile_now(fleet: &SimFleet, cluster: &Value, pool: &Value, mut drawn: Value) -> Value {
    let location = cluster["location"].as_str().unwrap_or_default();
    let version = pool["currentOrchestratorVersion"].as_str().unwrap_or_default();
    if let Some(properties) = drawn.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert("kubernetesVersion".into(), json!(version));
        let upgrades = fleet.upgrades(location, version);
        if upgrades.is_empty() {
            properties.remove("upgrades");
        } else {
            properties.insert("upgrades".into(), Value::Array(upgrades));
        }
    }
    drawn
}

/// The clusters of one list page: only these are rebuilt (or read as changed),
/// each written into the body as soon as it is ready.
struct ClusterPage<'a> {
    fleet: &'a SimFleet,
    changes: &'a Changes,
    subscription: usize,
    indices: &'a [usize],
}

impl Serialize for ClusterPage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.indices
                .iter()
                .filter_map(|&i| cluster_body(self.fleet, self.changes, (self.subscription, i))),
        )
    }
}

pub(super) fn group_not_found(rg: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "ResourceGroupNotFound",
        format!("Resource group '{rg}' could not be found."),
    )
}

pub(super) fn resource_not_found(what: &str, rg: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!(
            "The Resource '{CONTAINER_SERVICE}/{what}' under resource group '{rg}' was not found. \
             For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}
