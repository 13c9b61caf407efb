//! The simulator's HTTP side: one fallback handler that authenticates, checks the
//! api-version, injects faults, routes (paths matched ignoring case, as ARM does)
//! and answers in ARM's envelopes with ARM's headers.
//!
//! Order of checks, and why: latency first (every request is slow), then the
//! token (a 401 must never be masked by a fault; only the token service and the
//! cloud metadata answer without one), then `api-version` (a client bug, not a
//! transient), then injected faults (writes included: a throttled or failed write
//! changes nothing), then the method, authorization (403 for forbidden
//! subscriptions) and the handler: `read` for GETs, `write` for PUT and DELETE,
//! `graph` for Resource Graph. A malformed body is only ever a cut-short 200.
//!
//! Operations end on the simulator's clock: each request first settles those whose
//! time is up, so every answer sees the fleet as it is at that moment.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;

use super::faults::{Buckets, Fault, Plan};
use super::fleet::SimFleet;
use super::graph::{self, Graph};
use super::options::{RequestRecord, SimOptions};
use super::read::{self, Ctx};
use super::rng::{guid_of, mix};
use super::route::{Route, Target, classify};
use super::state::SimState;
use super::wire::{self, Query, Reply};
use super::{admin, token, write};
use crate::model::api::ARM_API_VERSION;

/// Largest request body read (a Resource Graph query with 1000 subscriptions is ~40 KB).
const MAX_BODY: usize = 4 << 20;

/// State shared by every request.
pub struct Shared {
    pub fleet: Arc<SimFleet>,
    pub options: SimOptions,
    pub base_url: String,
    /// What writes changed.
    pub state: SimState,
    seq: AtomicU64,
    log: Mutex<Vec<(u64, RequestRecord)>>,
    /// `--request-log`: one JSON line per request.
    log_file: Option<Mutex<std::fs::File>>,
    graph: Graph,
    reads: Buckets,
    writes: Buckets,
}

impl Shared {
    pub fn new(fleet: Arc<SimFleet>, options: SimOptions, base_url: String) -> std::io::Result<Shared> {
        let graph = Graph::new(&fleet, options.graph_quota, options.seed);
        let log_file = match &options.request_log {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        std::io::Error::new(
                            e.kind(),
                            format!("--request-log {}: cannot open it for appending: {e}", path.display()),
                        )
                    })?,
            )),
            None => None,
        };
        Ok(Shared {
            graph,
            fleet,
            options,
            base_url,
            state: SimState::new(),
            seq: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            log_file,
            reads: Buckets::reads(),
            writes: Buckets::writes(),
        })
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        log.sort_by_key(|(seq, _)| *seq);
        log.into_iter().map(|(_, r)| r).collect()
    }

    fn record(&self, seq: u64, record: RequestRecord) {
        if let Some(file) = &self.log_file {
            let line = serde_json::json!({
                "method": record.method,
                "path": record.path_and_query,
                "status": record.status,
            });
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            // A full disk must not stop the simulator; the log is a convenience.
            let _ = writeln!(file, "{line}");
        }
        if self.options.record_requests {
            self.log.lock().unwrap_or_else(|e| e.into_inner()).push((seq, record));
        }
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// The path's segments, `%` escapes decoded.
fn segments(uri: &Uri) -> Vec<String> {
    uri.path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| wire::percent_decode(s).unwrap_or_else(|| s.to_string()))
        .collect()
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
    let segments = segments(&parts.uri);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let route = classify(&segments);
    let (reply, authorized) = if route.is_public() {
        let issuer = token::Issuer {
            base: &shared.base_url,
            tenant_id: &shared.fleet.tenant_id,
            token: &shared.options.token,
        };
        (
            token::answer(&issuer, &route, &parts.method, &parts.uri, body).await,
            false,
        )
    } else {
        let auth = authenticate(&parts.headers, &shared.options.token);
        let reply = match auth {
            Auth::Ok if matches!(route, Route::AdminMutate) => admin_answer(&shared, &parts, body).await,
            Auth::Ok => answer(&shared, seq, &parts, &route, body).await,
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
        (reply, auth == Auth::Ok)
    };
    shared.record(
        seq,
        RequestRecord {
            method: parts.method.to_string(),
            path_and_query,
            status: reply.status.as_u16(),
            at,
            authorized,
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

/// What ARM counts a request as, for throttling and its rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
    Delete,
}

impl Kind {
    fn of(method: &Method) -> Kind {
        match *method {
            Method::DELETE => Kind::Delete,
            Method::PUT | Method::PATCH => Kind::Write,
            _ => Kind::Read,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Write => "write",
            Kind::Delete => "delete",
        }
    }
}

/// An authenticated request, from api-version check to handler.
async fn answer(shared: &Shared, seq: u64, parts: &Parts, route: &Route<'_>, body: Body) -> Reply {
    let Some(query) = Query::parse(parts.uri.query()) else {
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

    let now = shared.options.clock.now();
    shared.state.settle(now);
    let subscription = match route {
        Route::Subscription { sub, .. } => Some(*sub),
        _ => None,
    };
    let kind = Kind::of(&parts.method);

    let plan = Plan::for_request(&shared.options, seq);
    let mut reply = match plan.fault {
        Fault::Throttle => throttled(shared, route, subscription, kind),
        Fault::ServerError(status) => server_error(shared, status, subscription, seq),
        Fault::None => {
            let ctx = Ctx {
                fleet: &shared.fleet,
                options: &shared.options,
                base_url: &shared.base_url,
                api_version: &api_version,
                query: &query,
                path: parts.uri.path(),
                state: &shared.state,
                now,
                wall: shared.options.clock.wall(),
            };
            dispatch(shared, &ctx, parts, route, body).await
        }
    };

    // ARM reports what is left of the scope's bucket for the kind of request.
    let left = |buckets: &Buckets, scope: &str| {
        if plan.fault == Fault::Throttle {
            0
        } else {
            buckets.take(scope, now)
        }
    };
    match (kind, subscription, route) {
        (Kind::Read, Some(sub), _) => {
            reply = reply.header(
                "x-ms-ratelimit-remaining-subscription-reads",
                left(&shared.reads, sub).to_string(),
            );
        }
        (Kind::Read, None, Route::ListSubscriptions) => {
            reply = reply.header(
                "x-ms-ratelimit-remaining-tenant-reads",
                left(&shared.reads, "").to_string(),
            );
        }
        (Kind::Write, Some(sub), _) => {
            reply = reply.header(
                "x-ms-ratelimit-remaining-subscription-writes",
                left(&shared.writes, sub).to_string(),
            );
        }
        (Kind::Delete, Some(sub), _) => {
            reply = reply.header(
                "x-ms-ratelimit-remaining-subscription-deletes",
                left(&shared.writes, sub).to_string(),
            );
        }
        _ => {}
    }

    // A change held back for this GET of the cluster lands once it is answered.
    if let Route::Subscription {
        sub,
        target: Target::Cluster { rg, name },
    } = route
        && parts.method == Method::GET
        && reply.status == StatusCode::OK
        && let Some(key) = shared.fleet.cluster_key(sub, rg, name)
    {
        admin::after_get(&shared.fleet, &shared.options, &shared.state, key);
    }

    if plan.malformed && reply.status == StatusCode::OK {
        // Cut mid-document: the status and headers look fine, the JSON does not parse.
        let keep = reply.body.len() / 2;
        reply.body.truncate(keep);
    }
    reply
}

/// `POST /admin/mutate`, when `--admin` serves it (`admin`); an unknown path otherwise.
async fn admin_answer(shared: &Shared, parts: &Parts, body: Body) -> Reply {
    if !shared.options.admin {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!(
                "No HTTP resource was found that matches the request URI '{}{}'.",
                shared.base_url,
                parts.uri.path()
            ),
        );
    }
    if parts.method != Method::POST {
        return Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "POST /admin/mutate is the only method there.",
        )
        .header("allow", "POST");
    }
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => admin::mutate(&shared.fleet, &shared.options, &shared.state, &bytes),
        Err(_) => Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            format!("The request content could not be read (at most {MAX_BODY} bytes are accepted)."),
        ),
    }
}

/// The methods a route answers.
fn allowed(route: &Route) -> &'static [Method] {
    match route {
        Route::Graph => &[Method::POST],
        Route::Subscription { target, .. } => match target {
            Target::Cluster { .. } | Target::AgentPool { .. } => &[Method::GET, Method::PUT],
            Target::MaintenanceConfiguration { .. } => &[Method::GET, Method::PUT, Method::DELETE],
            _ => &[Method::GET],
        },
        _ => &[Method::GET],
    }
}

async fn dispatch(shared: &Shared, ctx: &Ctx<'_>, parts: &Parts, route: &Route<'_>, body: Body) -> Reply {
    if matches!(route, Route::Unknown) {
        return read::not_found(ctx);
    }
    let method = &parts.method;
    let allowed = allowed(route);
    if !allowed.contains(method) {
        let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        return Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!(
                "The requested resource does not support http method '{method}' on '{}'; it supports {}.",
                ctx.path,
                names.join(", ")
            ),
        )
        .header("allow", names.join(", "));
    }
    let bytes = if *method == Method::GET {
        Vec::new()
    } else {
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => bytes.to_vec(),
            Err(_) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContent",
                    format!("The request content could not be read (at most {MAX_BODY} bytes are accepted)."),
                );
            }
        }
    };
    let headers = &parts.headers;
    match (*route, method.clone()) {
        (Route::ListSubscriptions, _) => read::list_subscriptions(ctx),
        (Route::Graph, _) => {
            let changes = shared.state.read();
            let events_forbidden = ctx.options.forbidden_reads.iter().any(|k| k == "scheduledEvents");
            shared
                .graph
                .answer(&shared.fleet, &changes, &bytes, ctx.now, ctx.wall, events_forbidden)
        }
        (Route::Subscription { sub, target }, Method::PUT) => match target {
            Target::Cluster { rg, name } => write::put_cluster(ctx, sub, rg, name, headers, &bytes),
            Target::AgentPool { rg, name, pool } => write::put_pool(ctx, sub, rg, name, pool, headers, &bytes),
            Target::MaintenanceConfiguration { rg, name, config } => {
                write::put_maintenance(ctx, sub, rg, name, config, &bytes)
            }
            _ => read::not_found(ctx),
        },
        (
            Route::Subscription {
                sub,
                target: Target::MaintenanceConfiguration { rg, name, config },
            },
            Method::DELETE,
        ) => write::delete_maintenance(ctx, sub, rg, name, config),
        (Route::Subscription { sub, target }, _) => read::in_subscription(ctx, sub, target),
        _ => read::not_found(ctx),
    }
}

fn throttled(shared: &Shared, route: &Route, subscription: Option<&str>, kind: Kind) -> Reply {
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
            "Number of '{}' requests for {scope} actor '{oid}' exceeded. Please try again after '{wait}' seconds.",
            kind.name()
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
