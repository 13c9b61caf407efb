//! The simulator's HTTP side: one fallback handler that authenticates, checks the
//! api-version, injects faults, routes (paths matched ignoring case, as ARM does)
//! and answers in ARM's envelopes with ARM's headers.
//!
//! Order of checks, and why: latency first (every request is slow), then the
//! token (a 401 must never be masked by a fault), then `api-version` (a client
//! bug, not a transient), then injected faults, then routing and authorization
//! (403 for forbidden subscriptions), then the handler. A malformed body is only
//! ever a cut-short 200.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::faults::{Fault, GraphQuota, Plan, ReadBuckets};
use super::fleet::{SimFleet, SimSubscription};
use super::rng::{guid_of, mix};
use super::wire::{self, Query, Reply};
use super::{RequestRecord, SimOptions, graph};
use crate::azure::query::ARM_API_VERSION;

/// Largest request body read (a Resource Graph query with 1000 subscriptions is ~40 KB).
const MAX_BODY: usize = 4 << 20;
const CONTAINER_SERVICE: &str = "Microsoft.ContainerService";

/// State shared by every request.
pub struct Shared {
    pub fleet: Arc<SimFleet>,
    pub options: SimOptions,
    pub base_url: String,
    seq: AtomicU64,
    log: Mutex<Vec<(u64, RequestRecord)>>,
    pub quota: GraphQuota,
    reads: ReadBuckets,
    /// (subscription index, cluster index) of every cluster, in Resource Graph's id order.
    pub graph_rows: Vec<(usize, usize)>,
}

impl Shared {
    pub fn new(fleet: Arc<SimFleet>, options: SimOptions, base_url: String) -> Shared {
        let quota = GraphQuota::new(options.graph_quota, Duration::from_secs(5));
        let graph_rows = graph::all_rows(&fleet);
        Shared {
            graph_rows,
            fleet,
            options,
            base_url,
            seq: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            quota,
            reads: ReadBuckets::new(),
        }
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        log.sort_by_key(|(seq, _)| *seq);
        log.into_iter().map(|(_, r)| r).collect()
    }

    fn record(&self, seq: u64, record: RequestRecord) {
        if self.options.record_requests {
            self.log.lock().unwrap_or_else(|e| e.into_inner()).push((seq, record));
        }
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let at = Instant::now();
    let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    if shared.options.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(shared.options.latency_ms)).await;
    }
    let auth = authenticate(&parts.headers, &shared.options.token);
    let reply = match auth {
        Auth::Ok => answer(&shared, seq, &parts.method, &parts.uri, body).await,
        Auth::Missing => unauthenticated(
            &shared.fleet,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
        ),
        Auth::Invalid => unauthenticated(
            &shared.fleet,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
            "The access token is invalid.",
        ),
    };
    shared.record(
        seq,
        RequestRecord {
            method: parts.method.to_string(),
            path_and_query,
            status: reply.status.as_u16(),
            at,
            authorized: auth == Auth::Ok,
        },
    );
    into_response(reply, &request_id(shared.options.seed, seq))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    Ok,
    Missing,
    Invalid,
}

fn authenticate(headers: &HeaderMap, token: &str) -> Auth {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Auth::Missing;
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if presented == Some(token) {
        Auth::Ok
    } else {
        Auth::Invalid
    }
}

fn unauthenticated(fleet: &SimFleet, code: &str, message: &str, description: &str) -> Reply {
    Reply::error(StatusCode::UNAUTHORIZED, code, message).header(
        "www-authenticate",
        format!(
            "Bearer authorization_uri=\"https://login.windows.net/{}\", error=\"invalid_token\", error_description=\"{description}\"",
            fleet.tenant_id
        ),
    )
}

/// An authenticated request, from api-version check to handler.
async fn answer(shared: &Shared, seq: u64, method: &Method, uri: &axum::http::Uri, body: Body) -> Reply {
    let Some(query) = Query::parse(uri.query()) else {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidQueryString",
            "The query string could not be decoded: a '%' escape is broken or not UTF-8.",
        );
    };
    let api_version = match query.get("api-version") {
        None | Some("") => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                wire::MISSING_API_VERSION,
            );
        }
        Some(v) if !wire::valid_api_version(v) => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{v}' is invalid. The supported versions are '{ARM_API_VERSION}'. \
                     An api-version has the form 'YYYY-MM-DD' or 'YYYY-MM-DD-preview'."
                ),
            );
        }
        Some(v) => v.to_string(),
    };

    let segments: Vec<String> = uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| wire::percent_decode(s).unwrap_or_else(|| s.to_string()))
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let route = classify(&segments);
    let now = Instant::now();
    let subscription = match route {
        Route::Subscription { sub, .. } => Some(sub),
        _ => None,
    };

    let plan = Plan::for_request(&shared.options, seq);
    let mut reply = match plan.fault {
        Fault::Throttle => throttled(shared, &route, subscription),
        Fault::ServerError(status) => server_error(shared, status, subscription, seq),
        Fault::None => {
            let ctx = Ctx {
                shared,
                api_version: &api_version,
                query: &query,
                path: uri.path(),
            };
            dispatch(&ctx, method, &route, body, now).await
        }
    };

    // ARM reports the read bucket of the scope on every GET.
    if method == Method::GET {
        match (subscription, &route) {
            (Some(sub), _) => {
                let left = if plan.fault == Fault::Throttle {
                    0
                } else {
                    shared.reads.take(sub, now)
                };
                reply = reply.header("x-ms-ratelimit-remaining-subscription-reads", left.to_string());
            }
            (None, Route::ListSubscriptions) => {
                let left = if plan.fault == Fault::Throttle {
                    0
                } else {
                    shared.reads.take("", now)
                };
                reply = reply.header("x-ms-ratelimit-remaining-tenant-reads", left.to_string());
            }
            _ => {}
        }
    }

    if plan.malformed && reply.status == StatusCode::OK {
        // Cut mid-document: the status and headers look fine, the JSON does not parse.
        let keep = reply.body.len() / 2;
        reply.body.truncate(keep);
    }
    reply
}

/// What a path names, before the method or the subscription are checked.
#[derive(Debug, Clone, Copy)]
enum Route<'a> {
    ListSubscriptions,
    Graph,
    Subscription { sub: &'a str, target: Target<'a> },
    Unknown,
}

#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Itself,
    Clusters {
        rg: Option<&'a str>,
    },
    Cluster {
        rg: &'a str,
        name: &'a str,
    },
    PoolUpgradeProfile {
        rg: &'a str,
        name: &'a str,
        pool: &'a str,
        profile: &'a str,
    },
    MaintenanceConfigurations {
        rg: &'a str,
        name: &'a str,
    },
    MaintenanceConfiguration {
        rg: &'a str,
        name: &'a str,
        config: &'a str,
    },
    KubernetesVersions {
        location: &'a str,
    },
    Unknown,
}

fn ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn classify<'a>(segments: &[&'a str]) -> Route<'a> {
    match segments {
        [s] if ci(s, "subscriptions") => Route::ListSubscriptions,
        [p, ns, r] if ci(p, "providers") && ci(ns, "Microsoft.ResourceGraph") && ci(r, "resources") => Route::Graph,
        [s, sub, rest @ ..] if ci(s, "subscriptions") => Route::Subscription {
            sub,
            target: classify_in_subscription(rest),
        },
        _ => Route::Unknown,
    }
}

fn classify_in_subscription<'a>(rest: &[&'a str]) -> Target<'a> {
    let provider = |p: &str, ns: &str| ci(p, "providers") && ci(ns, CONTAINER_SERVICE);
    match rest {
        [] => Target::Itself,
        [p, ns, t] if provider(p, ns) && ci(t, "managedClusters") => Target::Clusters { rg: None },
        [p, ns, l, location, k] if provider(p, ns) && ci(l, "locations") && ci(k, "kubernetesVersions") => {
            Target::KubernetesVersions { location }
        }
        [g, rg, p, ns, t, tail @ ..] if ci(g, "resourceGroups") && provider(p, ns) && ci(t, "managedClusters") => {
            match tail {
                [] => Target::Clusters { rg: Some(rg) },
                [name] => Target::Cluster { rg, name },
                [name, a, pool, u, profile] if ci(a, "agentPools") && ci(u, "upgradeProfiles") => {
                    Target::PoolUpgradeProfile {
                        rg,
                        name,
                        pool,
                        profile,
                    }
                }
                [name, m] if ci(m, "maintenanceConfigurations") => Target::MaintenanceConfigurations { rg, name },
                [name, m, config] if ci(m, "maintenanceConfigurations") => {
                    Target::MaintenanceConfiguration { rg, name, config }
                }
                _ => Target::Unknown,
            }
        }
        _ => Target::Unknown,
    }
}

/// What a handler needs about the request.
struct Ctx<'a> {
    shared: &'a Shared,
    api_version: &'a str,
    query: &'a Query,
    /// The path as received, for `nextLink` and error messages.
    path: &'a str,
}

async fn dispatch(ctx: &Ctx<'_>, method: &Method, route: &Route<'_>, body: Body, now: Instant) -> Reply {
    let expected = match route {
        Route::Graph => Method::POST,
        _ => Method::GET,
    };
    if matches!(route, Route::Unknown) {
        return not_found(ctx);
    }
    if *method != expected {
        return Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!(
                "The simulator serves reads only: {method} is not supported on '{}'; use {expected}.",
                ctx.path
            ),
        );
    }
    match *route {
        Route::ListSubscriptions => list_subscriptions(ctx),
        Route::Graph => match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => graph::answer(ctx.shared, &bytes, now),
            Err(_) => Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                format!("The request content could not be read (at most {MAX_BODY} bytes are accepted)."),
            ),
        },
        Route::Subscription { sub, target } => in_subscription(ctx, sub, target),
        Route::Unknown => not_found(ctx),
    }
}

fn not_found(ctx: &Ctx) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!(
            "No HTTP resource was found that matches the request URI '{}{}?api-version={}'.",
            ctx.shared.base_url, ctx.path, ctx.api_version
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
            ctx.shared.base_url,
            ctx.path,
            ctx.api_version,
            wire::list_token(offset)
        )
    })
}

fn list_subscriptions(ctx: &Ctx) -> Reply {
    let all: Vec<Value> = ctx.shared.fleet.subscriptions.iter().map(|s| s.to_json()).collect();
    let (start, end, next) = match page_bounds(ctx, all.len(), ctx.shared.options.subscription_page_size) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    Reply::ok(&Page {
        value: &all[start..end],
        count: Some(serde_json::json!({ "type": "Total", "value": all.len() })),
        next_link: next_link(ctx, next),
    })
}

fn in_subscription(ctx: &Ctx, sub: &str, target: Target) -> Reply {
    let fleet = &ctx.shared.fleet;
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
            let (start, end, next) = match page_bounds(ctx, clusters.len(), ctx.shared.options.page_size) {
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

fn throttled(shared: &Shared, route: &Route, subscription: Option<&str>) -> Reply {
    let wait = shared.options.retry_after;
    let oid = &shared.fleet.client_object_id;
    if matches!(route, Route::Graph) {
        // Resource Graph throttles per user with its own body and quota headers.
        return graph::rate_limited(wait)
            .header("retry-after", wait.to_string())
            .header("x-ms-user-quota-remaining", "0")
            .header("x-ms-user-quota-resets-after", format!("00:00:{:02}", wait.min(59)));
    }
    let scope = match subscription {
        Some(sub) => format!("subscription '{sub}'"),
        None => format!("tenant '{}'", shared.fleet.tenant_id),
    };
    Reply::error(
        StatusCode::TOO_MANY_REQUESTS,
        "SubscriptionRequestsThrottled",
        format!(
            "Number of 'read' requests for {scope} actor '{oid}' exceeded. Please try again after '{wait}' seconds."
        ),
    )
    .header("retry-after", wait.to_string())
}

fn server_error(shared: &Shared, status: u16, subscription: Option<&str>, seq: u64) -> Reply {
    if status == 503 {
        return Reply::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The server is currently unable to handle the request due to a temporary overloading or maintenance. \
             Please try again later.",
        )
        .header("retry-after", shared.options.retry_after.to_string());
    }
    let tracking = request_id(shared.options.seed, seq);
    Reply::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        format!(
            "Encountered internal server error. Diagnostic information: subscription id '{}', tracking id '{tracking}', \
             request correlation id '{tracking}'.",
            subscription.unwrap_or_default()
        ),
    )
}

/// Deterministic per request, so two runs with the same options send the same ids.
fn request_id(seed: u64, seq: u64) -> String {
    guid_of(mix(seed ^ mix(seq)), mix(seq ^ 0xA5A5_A5A5_A5A5_A5A5))
}

fn into_response(reply: Reply, request_id: &str) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for name in ["x-ms-request-id", "x-ms-correlation-request-id"] {
        if let Ok(v) = HeaderValue::from_str(request_id) {
            headers.insert(name, v);
        }
    }
    for (name, value) in reply.headers {
        // Our header values are ASCII we built; one that is not is dropped rather than failing the response.
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}
