//! The read side of the simulated ARM: every GET a subscription's resources answer
//! (clusters and their lists, pool upgrade profiles, maintenance configurations,
//! Kubernetes versions) and `GET /subscriptions`, in ARM's envelopes and paging.
//!
//! Handlers are plain functions of the request context and the fleet: no clock, no
//! shared mutable state, so the same request always gets the same body.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::fleet::{SimFleet, SimSubscription};
use super::options::SimOptions;
use super::route::{CONTAINER_SERVICE, Target, ci};
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

pub(super) fn in_subscription(ctx: &Ctx, sub: &str, target: Target) -> Reply {
    let fleet = &ctx.fleet;
    let Some(subscription) = fleet.subscription(sub) else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        );
    };
    if matches!(target, Target::Itself) {
        // Reading the subscription itself needs no role on its resources.
        return Reply::ok(&subscription.to_json());
    }
    if fleet.forbidden(sub) {
        let action = match target {
            Target::PoolUpgradeProfile { .. } => {
                "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles/read"
            }
            Target::MaintenanceConfigurations { .. } | Target::MaintenanceConfiguration { .. } => {
                "Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read"
            }
            Target::KubernetesVersions { .. } => "Microsoft.ContainerService/locations/kubernetesVersions/read",
            _ => "Microsoft.ContainerService/managedClusters/read",
        };
        let oid = &fleet.client_object_id;
        let scope = ctx.path.trim_end_matches('/');
        return Reply::error(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            format!(
                "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' \
                 over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
            ),
        );
    }

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
                    subscription,
                    indices: &clusters[start..end],
                },
                count: None,
                next_link: next_link(ctx, next),
            })
        }
        Target::Cluster { rg, name } => match cluster(fleet, &subscription.id, rg, name) {
            Ok((s, i)) => s.cluster(i).map_or_else(
                || resource_not_found(&format!("managedClusters/{name}"), rg),
                |c| Reply::ok(&c),
            ),
            Err(reply) => reply,
        },
        Target::PoolUpgradeProfile {
            rg,
            name,
            pool,
            profile,
        } => {
            let (s, i) = match cluster(fleet, &subscription.id, rg, name) {
                Ok(found) => found,
                Err(reply) => return reply,
            };
            let profiles = s.details(i).map(|d| d.pool_upgrade_profiles).unwrap_or_default();
            let found = profiles.iter().find(|(n, _)| ci(n, pool));
            match (found, ci(profile, "default")) {
                (Some((_, body)), true) => Reply::ok(body),
                (Some(_), false) => resource_not_found(
                    &format!("managedClusters/{name}/agentPools/{pool}/upgradeProfiles/{profile}"),
                    rg,
                ),
                (None, _) => resource_not_found(&format!("managedClusters/{name}/agentPools/{pool}"), rg),
            }
        }
        Target::MaintenanceConfigurations { rg, name } => match cluster(fleet, &subscription.id, rg, name) {
            Ok((s, i)) => Reply::ok(&Page {
                value: &maintenance_configurations(s, i),
                count: None,
                next_link: None,
            }),
            Err(reply) => reply,
        },
        Target::MaintenanceConfiguration { rg, name, config } => match cluster(fleet, &subscription.id, rg, name) {
            Ok((s, i)) => maintenance_configurations(s, i)
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
        Target::Unknown => not_found(ctx),
    }
}

/// The clusters of one list page: only these are rebuilt, each written into the
/// body as soon as it is drawn.
struct ClusterPage<'a> {
    subscription: &'a SimSubscription,
    indices: &'a [usize],
}

impl Serialize for ClusterPage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.indices.iter().filter_map(|&i| self.subscription.cluster_object(i)))
    }
}

fn maintenance_configurations(sub: &SimSubscription, index: usize) -> Vec<Value> {
    sub.details(index)
        .map(|d| d.maintenance_configurations)
        .unwrap_or_default()
}

fn cluster<'f>(fleet: &'f SimFleet, sub: &str, rg: &str, name: &str) -> Result<(&'f SimSubscription, usize), Reply> {
    if !fleet.resource_group_exists(sub, rg) {
        return Err(group_not_found(rg));
    }
    fleet
        .find_cluster(sub, rg, name)
        .ok_or_else(|| resource_not_found(&format!("managedClusters/{name}"), rg))
}

fn group_not_found(rg: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "ResourceGroupNotFound",
        format!("Resource group '{rg}' could not be found."),
    )
}

fn resource_not_found(what: &str, rg: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!(
            "The Resource '{CONTAINER_SERVICE}/{what}' under resource group '{rg}' was not found. \
             For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}
