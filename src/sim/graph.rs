//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`.
//!
//! Only `crate::model::api::CLUSTER_QUERY` and `EVENTS_QUERY` are understood
//! (whitespace aside). The events query's rows are the scheduled upgrade events of
//! `events`, ordered by id, worked out from each cluster's channels and windows (as
//! writes left them) and the simulator's clock. The cluster query's rows are the
//! fleet's clusters projected exactly as that query projects them:
//! `type`, `resourceGroup` and `location` lower-cased, `id` with ARM's
//! `resourceGroups` spelling, `tostring()` columns as `""` when the property is
//! missing, ordered by `id`. Forbidden and unknown subscriptions are simply not
//! visible, as in Azure. Every answer carries the user-quota headers.
//!
//! Only the order is computed up front. The rows of a page are projected when the
//! page is written, one at a time: each cluster is read as writes left it or
//! rebuilt (see `fleet`), its JSON read borrowing `tags` and the pools as raw
//! JSON, and the row written into the body before the next cluster is drawn. So a
//! write shows in Resource Graph at once (the real service lags by seconds).

use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::events::Plan;
use super::faults::GraphQuota;
use super::fleet::SimFleet;
use super::state::Changes;
use super::view::{cluster_value, maintenance_of};
use super::wire::{self, Reply};
use crate::model::api::{CLUSTER_QUERY, EVENTS_QUERY, same_query};

/// The projected columns, in order, with their Resource Graph types.
const COLUMNS: &[(&str, &str)] = &[
    ("id", "string"),
    ("name", "string"),
    ("type", "string"),
    ("subscriptionId", "string"),
    ("resourceGroup", "string"),
    ("location", "string"),
    ("tags", "object"),
    ("skuTier", "string"),
    ("kubernetesVersion", "string"),
    ("currentKubernetesVersion", "string"),
    ("upgradeChannel", "string"),
    ("nodeOSUpgradeChannel", "string"),
    ("powerState", "string"),
    ("provisioningState", "string"),
    ("supportPlan", "string"),
    ("pools", "object"),
];

const MAX_TOP: u64 = 1000;
const DEFAULT_TOP: u64 = 100;

pub fn rate_limited(retry_after: u64) -> Reply {
    Reply::error_with_details(
        StatusCode::TOO_MANY_REQUESTS,
        "RateLimiting",
        format!(
            "Please provide below info when asking for support: retry after {retry_after} seconds, \
             correlationId = 00000000-0000-0000-0000-000000000000."
        ),
        json!([{ "code": "RateLimiting", "message": "Client application has been throttled" }]),
    )
}

/// Resource Graph's own state: the user quota, the order of the rows, and what each
/// generated cluster's events follow (worked out on the first events query).
pub struct Graph {
    quota: GraphQuota,
    /// (subscription index, cluster index) of every cluster, in `order by id asc` order.
    rows: Vec<(usize, usize)>,
    seed: u64,
    /// Per row of `rows`, the events plan of the cluster as generated.
    plans: OnceLock<Vec<Option<Plan>>>,
    /// The events of the latest events query, by the instant it is answered at (Unix
    /// nanoseconds) and its scope, for its next pages.
    answered: Mutex<Option<Answered>>,
}

impl Graph {
    /// `limit` queries per 5-second window over `fleet`; events drawn with `seed`.
    pub fn new(fleet: &SimFleet, limit: u32, seed: u64) -> Graph {
        Graph {
            quota: GraphQuota::new(limit, Duration::from_secs(5)),
            rows: all_rows(fleet),
            seed,
            plans: OnceLock::new(),
            answered: Mutex::new(None),
        }
    }

    /// Answers one query over `fleet` as writes left it (`changes`), including its quota
    /// headers; `wall` is the simulator's clock, which events are counted from. With
    /// `events_forbidden`, the events query is refused (403), as when a role lacks the
    /// permission to read them.
    pub fn answer(
        &self,
        fleet: &SimFleet,
        changes: &Changes,
        body: &[u8],
        now: Instant,
        wall: time::OffsetDateTime,
        events_forbidden: bool,
    ) -> Reply {
        let quota = self.quota.take(now);
        let with_quota = |reply: Reply| {
            reply
                .header("x-ms-user-quota-remaining", quota.remaining.to_string())
                .header("x-ms-user-quota-resets-after", quota.resets_after_header())
        };
        if !quota.allowed {
            return with_quota(rate_limited(quota.retry_after_secs()))
                .header("retry-after", quota.retry_after_secs().to_string());
        }
        with_quota(match Request::read(body) {
            Ok(request) if request.events && events_forbidden => Reply::error(
                StatusCode::FORBIDDEN,
                "AuthorizationFailed",
                format!(
                    "The client '{oid}' with object id '{oid}' does not have authorization to perform action \
                     'Microsoft.ContainerService/managedClusters/scheduledEvents/read'. If access was recently \
                     granted, please refresh your credentials.",
                    oid = fleet.client_object_id
                ),
            ),
            Ok(request) if request.events => self.events(fleet, changes, &request, wall),
            Ok(request) => respond(fleet, changes, &self.rows, &request),
            Err(reply) => reply,
        })
    }

    /// The events query: every visible cluster's events at `wall`, ordered by id. A
    /// query's first page pins its instant in the `$skipToken`, and its later pages are
    /// answered at that instant in the first page's order, their rows made again at
    /// that instant, so pages never shift while an occurrence opens between them
    /// (Resource Graph pages one snapshot, too).
    fn events(&self, fleet: &SimFleet, changes: &Changes, request: &Request, wall: time::OffsetDateTime) -> Reply {
        let pinned = request
            .skip_token
            .as_deref()
            .and_then(wire::read_graph_token_as_of)
            .and_then(|(_, at)| at);
        let as_of = pinned.unwrap_or_else(|| wall.unix_timestamp_nanos());
        let scope = request
            .subscriptions
            .as_ref()
            .map(|ids| ids.iter().map(|id| id.to_ascii_lowercase()).collect::<Vec<_>>());
        let cached = pinned.and_then(|at| {
            let answered = self.answered.lock().unwrap_or_else(|e| e.into_inner());
            answered
                .as_ref()
                .filter(|a| a.as_of == at && a.scope == scope)
                .map(|a| a.rows.clone())
        });
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(as_of).unwrap_or(wall);
        let rows = match cached {
            Some(rows) => rows,
            None => {
                let rows = Arc::new(self.event_order(fleet, changes, request, at));
                *self.answered.lock().unwrap_or_else(|e| e.into_inner()) = Some(Answered {
                    as_of,
                    scope: scope.clone(),
                    rows: rows.clone(),
                });
                rows
            }
        };
        let (start, end) = match bounds(request, rows.len()) {
            Ok(bounds) => bounds,
            Err(reply) => return reply,
        };
        if end >= rows.len() {
            // The last page: nothing asks for these rows again, so they are not kept
            // (a fleet of 10,000 clusters has some 14,000 events).
            let mut answered = self.answered.lock().unwrap_or_else(|e| e.into_inner());
            if answered.as_ref().is_some_and(|a| a.as_of == as_of && a.scope == scope) {
                *answered = None;
            }
        }
        let page = self.event_page(fleet, changes, &rows[start..end], at);
        let data = match request.format {
            Format::ObjectArray => json!(page),
            Format::Table => json!({
                "columns": EVENT_COLUMNS.iter().map(|&(name, kind)| Column { name, kind }).collect::<Vec<_>>(),
                "rows": page
                    .iter()
                    .map(|row| EVENT_COLUMNS.iter().map(|(name, _)| row[*name].clone()).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            }),
        };
        let mut body = json!({
            "totalRecords": rows.len(),
            "count": page.len(),
            "resultTruncated": "false",
            "data": data,
            "facets": [],
        });
        if end < rows.len() {
            body["$skipToken"] = json!(wire::graph_token_as_of(end, request.top, as_of));
        }
        Reply::ok(&body)
    }

    /// The plan of the cluster at `rows[at]` as writes left it.
    fn plan_of<'a>(&'a self, fleet: &SimFleet, changes: &Changes, at: usize) -> Option<Cow<'a, Plan>> {
        let plans = self.plans.get_or_init(|| {
            self.rows
                .iter()
                .map(|&key| plan(fleet, &Changes::default(), key))
                .collect()
        });
        let (s, c) = *self.rows.get(at)?;
        if changes.cluster((s, c)).is_some() || changes.maintenance((s, c)).is_some() {
            plan(fleet, changes, (s, c)).map(Cow::Owned)
        } else {
            plans.get(at).and_then(Option::as_ref).map(Cow::Borrowed)
        }
    }

    /// Every visible cluster's events at `at`, ordered by id: each as its cluster's place
    /// in `rows` and its own place among that cluster's events. A page's rows are made
    /// again from these when it is asked for; a fleet of 100,000 clusters has some
    /// 135,000 events, which kept as text would weigh 80 MB.
    fn event_order(
        &self,
        fleet: &SimFleet,
        changes: &Changes,
        request: &Request,
        at: time::OffsetDateTime,
    ) -> Vec<(u32, u16)> {
        let visible = visible(fleet, request);
        let mut order: Vec<(String, u32, u16)> = Vec::new();
        for (i, &(s, _)) in self.rows.iter().enumerate() {
            if !visible[s] {
                continue;
            }
            if let Some(plan) = self.plan_of(fleet, changes, i) {
                for (k, row) in plan.rows(self.seed, at).iter().enumerate() {
                    let id = row["id"].as_str().unwrap_or_default().to_string();
                    order.push((id, i as u32, k as u16));
                }
            }
        }
        order.sort_by(|a, b| a.0.cmp(&b.0));
        order.into_iter().map(|(_, i, k)| (i, k)).collect()
    }

    /// The rows of a page of `event_order`, made again at the same instant.
    fn event_page(
        &self,
        fleet: &SimFleet,
        changes: &Changes,
        page: &[(u32, u16)],
        at: time::OffsetDateTime,
    ) -> Vec<Value> {
        // A cluster's events are next to each other (their ids share its id): its rows
        // are made once for all of them.
        let mut made: Option<(u32, Vec<Value>)> = None;
        let mut out = Vec::with_capacity(page.len());
        for &(i, k) in page {
            if made.as_ref().is_none_or(|(cluster, _)| *cluster != i) {
                let rows = self
                    .plan_of(fleet, changes, i as usize)
                    .map(|plan| plan.rows(self.seed, at))
                    .unwrap_or_default();
                made = Some((i, rows));
            }
            if let Some(row) = made.as_ref().and_then(|(_, rows)| rows.get(usize::from(k))) {
                out.push(row.clone());
            }
        }
        out
    }
}

/// One events query's rows: at what instant, over which subscriptions.
struct Answered {
    as_of: i128,
    scope: Option<Vec<String>>,
    rows: Arc<Vec<(u32, u16)>>,
}

/// The columns of `EVENTS_QUERY`, in order, with their Resource Graph types.
const EVENT_COLUMNS: &[(&str, &str)] = &[
    ("id", "string"),
    ("name", "string"),
    ("type", "string"),
    ("subscriptionId", "string"),
    ("resourceGroup", "string"),
    ("properties", "object"),
];

/// What cluster `key`'s events follow, as writes left it.
fn plan(fleet: &SimFleet, changes: &Changes, key: (usize, usize)) -> Option<Plan> {
    let cluster = cluster_value(fleet, changes, key)?;
    let id = graph_id(cluster["id"].as_str()?);
    let subscription = &fleet.subscriptions.get(key.0)?.id;
    Plan::of(id, subscription, &cluster, &maintenance_of(fleet, changes, key))
}

#[derive(Debug, PartialEq, Eq)]
enum Format {
    ObjectArray,
    Table,
}

/// A checked `QueryRequest`.
struct Request {
    /// `EVENTS_QUERY` rather than `CLUSTER_QUERY`.
    events: bool,
    /// `None`: the tenant scope (everything the caller can see), also used for management groups.
    subscriptions: Option<Vec<String>>,
    top: usize,
    skip: usize,
    skip_token: Option<String>,
    format: Format,
}

fn invalid(message: impl Into<String>) -> Reply {
    let message = message.into();
    Reply::error_with_details(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        message.clone(),
        json!([{ "code": "InvalidRequestContent", "message": message }]),
    )
}

impl Request {
    fn read(body: &[u8]) -> Result<Request, Reply> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                format!("The request content was invalid and could not be deserialized: '{e}'."),
            )
        })?;
        let Value::Object(map) = value else {
            return Err(invalid(
                "The request content must be a JSON object with 'query' and 'subscriptions'.",
            ));
        };
        let query = match map.get("query") {
            Some(Value::String(q)) => q,
            Some(_) => return Err(invalid("'query' must be a string.")),
            None => return Err(invalid("The 'query' property is required.")),
        };
        let events = same_query(query, EVENTS_QUERY);
        if !events && !same_query(query, CLUSTER_QUERY) {
            let message = "Query is invalid. Please refer to the documentation for the Azure Resource Graph service \
                           and fix the query before retrying.";
            return Err(Reply::error_with_details(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Please provide below info when asking for support: the simulator answers only aksradar's cluster \
                 and events queries (crate::model::api::CLUSTER_QUERY, EVENTS_QUERY), whitespace aside.",
                json!([{ "code": "InvalidQuery", "message": message }]),
            ));
        }
        let subscriptions = match map.get("subscriptions") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) if items.is_empty() => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|s| s.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| invalid("'subscriptions' must be an array of subscription id strings."))?,
            ),
            Some(_) => return Err(invalid("'subscriptions' must be an array of subscription id strings.")),
        };
        let options = match map.get("options") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => return Err(invalid("'options' must be an object.")),
        };
        let number = |key: &str, default: u64, range: std::ops::RangeInclusive<u64>| -> Result<u64, Reply> {
            match options.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
                    invalid(format!(
                        "'{key}' must be a whole number from {} to {}, not {v}.",
                        range.start(),
                        range.end()
                    ))
                }),
            }
        };
        let top = number("$top", DEFAULT_TOP, 1..=MAX_TOP)? as usize;
        let skip = number("$skip", 0, 0..=u64::from(u32::MAX))? as usize;
        let skip_token = match options.get("$skipToken") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => Some(t.clone()),
            Some(_) => return Err(invalid("'$skipToken' must be a string.")),
        };
        let format = match options.get("resultFormat").map(|v| v.as_str()) {
            None | Some(Some("")) => Format::ObjectArray,
            Some(Some(f)) if f.eq_ignore_ascii_case("objectArray") => Format::ObjectArray,
            Some(Some(f)) if f.eq_ignore_ascii_case("table") => Format::Table,
            Some(_) => return Err(invalid("'resultFormat' must be 'objectArray' or 'table'.")),
        };
        Ok(Request {
            events,
            subscriptions,
            top,
            skip,
            skip_token,
            format,
        })
    }
}

#[derive(Serialize)]
struct Response<'a> {
    #[serde(rename = "totalRecords")]
    total_records: usize,
    count: usize,
    /// A string, not a boolean, in the real API.
    #[serde(rename = "resultTruncated")]
    result_truncated: &'static str,
    #[serde(rename = "$skipToken", skip_serializing_if = "Option::is_none")]
    skip_token: Option<String>,
    data: Data<'a>,
    facets: [(); 0],
}

#[derive(Serialize)]
#[serde(untagged)]
enum Data<'a> {
    Objects(Rows<'a>),
    Table { columns: Vec<Column>, rows: Rows<'a> },
}

/// The rows of one page, projected as they are written (objects, or table cells in `COLUMNS` order).
struct Rows<'a> {
    fleet: &'a SimFleet,
    changes: &'a Changes,
    /// (subscription index, cluster index) of each row.
    page: &'a [(usize, usize)],
    table: bool,
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.page.len()))?;
        for &(s, c) in self.page {
            let sub = &self.fleet.subscriptions[s];
            // Every row of `all_rows` names a cluster of the fleet.
            let raw = match self.changes.cluster((s, c)) {
                Some(changed) => Cow::Borrowed(changed),
                None => match sub.cluster_json(c) {
                    Some(drawn) => Cow::Owned(drawn),
                    None => continue,
                },
            };
            let row = project(&sub.id, &raw);
            if self.table {
                let cells: Vec<Cell> = COLUMNS.iter().map(|(name, _)| row.cell(name)).collect();
                seq.serialize_element(&cells)?;
            } else {
                seq.serialize_element(&row)?;
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Column {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// One value of a table row.
#[derive(Serialize)]
#[serde(untagged)]
enum Cell<'a> {
    Text(&'a str),
    /// `None` is `null`.
    Raw(Option<&'a RawValue>),
}

/// Every cluster as (subscription index, cluster index), in `order by id asc` order.
/// Computed once per simulator: the fleet never changes.
fn all_rows(fleet: &SimFleet) -> Vec<(usize, usize)> {
    let mut rows: Vec<(String, usize, usize)> = fleet
        .subscriptions
        .iter()
        .enumerate()
        .flat_map(|(s, sub)| sub.cluster_ids().enumerate().map(move |(c, id)| (graph_id(id), s, c)))
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, s, c)| (s, c)).collect()
}

/// The id as Resource Graph spells it.
fn graph_id(id: &str) -> String {
    id.replacen("/resourcegroups/", "/resourceGroups/", 1)
}

/// Per subscription of the fleet, whether the request sees it.
/// One look-up per subscription (a query names up to 1000 of 10,000), so a page of a
/// large fleet is answered in time linear in its size.
fn visible(fleet: &SimFleet, request: &Request) -> Vec<bool> {
    let wanted: Option<std::collections::HashSet<String>> = request
        .subscriptions
        .as_ref()
        .map(|ids| ids.iter().map(|id| id.to_ascii_lowercase()).collect());
    fleet
        .subscriptions
        .iter()
        .map(|s| {
            !fleet.forbidden(&s.id)
                && wanted
                    .as_ref()
                    .is_none_or(|wanted| wanted.contains(&s.id.to_ascii_lowercase()))
        })
        .collect()
}

/// The rows of the page the request asks for, out of `len`.
fn bounds(request: &Request, len: usize) -> Result<(usize, usize), Reply> {
    let offset = match &request.skip_token {
        Some(token) => match wire::read_graph_token(token) {
            Some(n) => n,
            None => {
                return Err(invalid(format!(
                    "The skip token '{token}' is invalid. Send back the '$skipToken' of the previous page unchanged."
                )));
            }
        },
        None => request.skip,
    };
    let start = offset.min(len);
    Ok((start, start.saturating_add(request.top).min(len)))
}

fn respond(fleet: &SimFleet, changes: &Changes, all: &[(usize, usize)], request: &Request) -> Reply {
    let visible = visible(fleet, request);
    let rows: Vec<(usize, usize)> = all.iter().copied().filter(|(sub, _)| visible[*sub]).collect();
    let (start, end) = match bounds(request, rows.len()) {
        Ok(bounds) => bounds,
        Err(reply) => return reply,
    };
    // Only the rows returned are rebuilt, as the body is written.
    let page = Rows {
        fleet,
        changes,
        page: &rows[start..end],
        table: request.format == Format::Table,
    };
    let count = page.page.len();
    let data = match request.format {
        Format::ObjectArray => Data::Objects(page),
        Format::Table => Data::Table {
            columns: COLUMNS.iter().map(|&(name, kind)| Column { name, kind }).collect(),
            rows: page,
        },
    };
    Reply::ok(&Response {
        total_records: rows.len(),
        count,
        result_truncated: "false",
        skip_token: (end < rows.len()).then(|| wire::graph_token(end, request.top)),
        data,
        facets: [],
    })
}

/// The parts of an ARM cluster object the query reads, borrowed from its JSON.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ClusterView<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    location: Option<&'a RawValue>,
    #[serde(borrow)]
    tags: Option<&'a RawValue>,
    #[serde(borrow)]
    sku: Option<SkuView<'a>>,
    #[serde(borrow)]
    properties: Option<PropertiesView<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SkuView<'a> {
    #[serde(borrow)]
    tier: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PropertiesView<'a> {
    #[serde(borrow)]
    kubernetes_version: Option<&'a RawValue>,
    #[serde(borrow)]
    current_kubernetes_version: Option<&'a RawValue>,
    #[serde(borrow)]
    auto_upgrade_profile: Option<AutoUpgradeView<'a>>,
    #[serde(borrow)]
    power_state: Option<PowerStateView<'a>>,
    #[serde(borrow)]
    provisioning_state: Option<&'a RawValue>,
    #[serde(borrow)]
    support_plan: Option<&'a RawValue>,
    #[serde(borrow)]
    agent_pool_profiles: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AutoUpgradeView<'a> {
    #[serde(borrow, rename = "upgradeChannel")]
    upgrade_channel: Option<&'a RawValue>,
    #[serde(borrow, rename = "nodeOSUpgradeChannel")]
    node_os_upgrade_channel: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PowerStateView<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
}

/// One row of `CLUSTER_QUERY`. The fields are in the order `Value` objects
/// serialise in (sorted), so the bodies are those of a `Map` of the same columns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    current_kubernetes_version: Cow<'a, str>,
    id: String,
    kubernetes_version: Cow<'a, str>,
    location: String,
    name: Option<&'a RawValue>,
    #[serde(rename = "nodeOSUpgradeChannel")]
    node_os_upgrade_channel: Cow<'a, str>,
    pools: Option<&'a RawValue>,
    power_state: Cow<'a, str>,
    provisioning_state: Cow<'a, str>,
    resource_group: String,
    sku_tier: Cow<'a, str>,
    subscription_id: &'a str,
    support_plan: Cow<'a, str>,
    tags: Option<&'a RawValue>,
    #[serde(rename = "type")]
    kind: String,
    upgrade_channel: Cow<'a, str>,
}

impl Row<'_> {
    /// The value of column `name` (see `COLUMNS`).
    fn cell(&self, name: &str) -> Cell<'_> {
        match name {
            "id" => Cell::Text(&self.id),
            "name" => Cell::Raw(self.name),
            "type" => Cell::Text(&self.kind),
            "subscriptionId" => Cell::Text(self.subscription_id),
            "resourceGroup" => Cell::Text(&self.resource_group),
            "location" => Cell::Text(&self.location),
            "tags" => Cell::Raw(self.tags),
            "skuTier" => Cell::Text(&self.sku_tier),
            "kubernetesVersion" => Cell::Text(&self.kubernetes_version),
            "currentKubernetesVersion" => Cell::Text(&self.current_kubernetes_version),
            "upgradeChannel" => Cell::Text(&self.upgrade_channel),
            "nodeOSUpgradeChannel" => Cell::Text(&self.node_os_upgrade_channel),
            "powerState" => Cell::Text(&self.power_state),
            "provisioningState" => Cell::Text(&self.provisioning_state),
            "supportPlan" => Cell::Text(&self.support_plan),
            "pools" => Cell::Raw(self.pools),
            _ => Cell::Raw(None),
        }
    }
}

/// KQL's tostring(): the string, or `""` when the property is missing or not a string.
fn text<'a>(raw: Option<&'a RawValue>) -> Cow<'a, str> {
    let Some(raw) = raw else { return Cow::Borrowed("") };
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(s) => Cow::Borrowed(s),
        // A string with escapes cannot be borrowed.
        Err(_) => serde_json::from_str::<String>(raw.get()).map_or(Cow::Borrowed(""), Cow::Owned),
    }
}

/// One row of `CLUSTER_QUERY` for an ARM cluster object.
fn project<'a>(sub_id: &'a str, cluster: &'a RawValue) -> Row<'a> {
    // Our own serialisation of an object: it always reads.
    let view: ClusterView = serde_json::from_str(cluster.get()).unwrap_or_default();
    let props = view.properties.unwrap_or_default();
    let auto = props.auto_upgrade_profile.unwrap_or_default();
    let id = graph_id(&text(view.id));
    let resource_group = id.split('/').nth(4).unwrap_or_default().to_ascii_lowercase();
    Row {
        current_kubernetes_version: text(props.current_kubernetes_version),
        resource_group,
        id,
        kubernetes_version: text(props.kubernetes_version),
        location: text(view.location).to_ascii_lowercase(),
        name: view.name,
        node_os_upgrade_channel: text(auto.node_os_upgrade_channel),
        pools: props.agent_pool_profiles,
        power_state: text(props.power_state.unwrap_or_default().code),
        provisioning_state: text(props.provisioning_state),
        sku_tier: text(view.sku.unwrap_or_default().tier),
        subscription_id: sub_id,
        support_plan: text(props.support_plan),
        tags: view.tags,
        kind: text(view.kind).to_ascii_lowercase(),
        upgrade_channel: text(auto.upgrade_channel),
    }
}
