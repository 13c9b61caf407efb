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

use super::faults::{Fault, Plan, ReadBuckets};
use super::fleet::SimFleet;
use super::graph::{self, Graph};
use super::options::{RequestRecord, SimOptions};
use super::read::{self, Ctx};
use super::rng::{guid_of, mix};
use super::route::{Route, classify};
use super::wire::{self, Query, Reply};
use crate::model::api::ARM_API_VERSION;

/// Largest request body read (a Resource Graph query with 1000 subscriptions is ~40 KB).
const MAX_BODY: usize = 4 << 20;

/// State shared by every request.
pub struct Shared {
    pub fleet: Arc<SimFleet>,
    pub options: SimOptions,
    pub base_url: String,
    seq: AtomicU64,
    log: Mutex<Vec<(u64, RequestRecord)>>,
    graph: Graph,
    reads: ReadBuckets,
}

impl Shared {
    pub fn new(fleet: Arc<SimFleet>, options: SimOptions, base_url: String) -> Shared {
        let graph = Graph::new(&fleet, options.graph_quota);
        Shared {
            graph,
            fleet,
            options,
            base_url,
            seq: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
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
                fleet: &shared.fleet,
                options: &shared.options,
                base_url: &shared.base_url,
                api_version: &api_version,
                query: &query,
                path: uri.path(),
            };
            dispatch(shared, &ctx, method, &route, body, now).await
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

async fn dispatch(
    shared: &Shared,
    ctx: &Ctx<'_>,
    method: &Method,
    route: &Route<'_>,
    body: Body,
    now: Instant,
) -> Reply {
    let expected = match route {
        Route::Graph => Method::POST,
        _ => Method::GET,
    };
    if matches!(route, Route::Unknown) {
        return read::not_found(ctx);
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
        Route::ListSubscriptions => read::list_subscriptions(ctx),
        Route::Graph => match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => shared.graph.answer(&shared.fleet, &bytes, now),
            Err(_) => Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                format!("The request content could not be read (at most {MAX_BODY} bytes are accepted)."),
            ),
        },
        Route::Subscription { sub, target } => read::in_subscription(ctx, sub, target),
        Route::Unknown => read::not_found(ctx),
    }
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
