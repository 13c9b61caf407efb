//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`.
//!
//! Only `crate::azure::query::CLUSTER_QUERY` is understood (whitespace aside); the
//! rows are the fleet's clusters projected exactly as that query projects them:
//! `type`, `resourceGroup` and `location` lower-cased, `id` with ARM's
//! `resourceGroups` spelling, `tostring()` columns as `""` when the property is
//! missing, ordered by `id`. Forbidden and unknown subscriptions are simply not
//! visible, as in Azure. Every answer carries the user-quota headers.

use std::time::Instant;

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::fleet::SimFleet;
use super::server::Shared;
use super::wire::{self, Reply};
use crate::azure::query::{CLUSTER_QUERY, same_query};

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

/// Answers one query, including its quota headers.
pub fn answer(shared: &Shared, body: &[u8], now: Instant) -> Reply {
    let quota = shared.quota.take(now);
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
        Ok(request) => respond(shared, &request),
        Err(reply) => reply,
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Format {
    ObjectArray,
    Table,
}

/// A checked `QueryRequest`.
struct Request {
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
        if !same_query(query, CLUSTER_QUERY) {
            let message = "Query is invalid. Please refer to the documentation for the Azure Resource Graph service \
                           and fix the query before retrying.";
            return Err(Reply::error_with_details(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Please provide below info when asking for support: the simulator answers only aksradar's cluster \
                 query (crate::azure::query::CLUSTER_QUERY), whitespace aside.",
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
            subscriptions,
            top,
            skip,
            skip_token,
            format,
        })
    }
}

#[derive(Serialize)]
struct Response {
    #[serde(rename = "totalRecords")]
    total_records: usize,
    count: usize,
    /// A string, not a boolean, in the real API.
    #[serde(rename = "resultTruncated")]
    result_truncated: &'static str,
    #[serde(rename = "$skipToken", skip_serializing_if = "Option::is_none")]
    skip_token: Option<String>,
    data: Value,
    facets: [(); 0],
}

/// Every cluster's row, with its subscription's index, in `order by id asc` order.
/// Computed once per simulator: the fleet never changes.
pub fn all_rows(fleet: &SimFleet) -> Vec<(usize, Value)> {
    let mut rows: Vec<(usize, Value)> = fleet
        .subscriptions
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.clusters.iter().map(move |c| (i, project(&s.id, c))))
        .collect();
    rows.sort_by(|a, b| a.1["id"].as_str().cmp(&b.1["id"].as_str()));
    rows
}

fn respond(shared: &Shared, request: &Request) -> Reply {
    let fleet = &shared.fleet;
    let visible: Vec<bool> = fleet
        .subscriptions
        .iter()
        .map(|s| {
            !fleet.forbidden(&s.id)
                && request
                    .subscriptions
                    .as_ref()
                    .is_none_or(|wanted| wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.id)))
        })
        .collect();
    let rows: Vec<&Value> = shared
        .graph_rows
        .iter()
        .filter(|(sub, _)| visible[*sub])
        .map(|(_, row)| row)
        .collect();

    let offset = match &request.skip_token {
        Some(token) => match wire::read_graph_token(token) {
            Some(n) => n,
            None => {
                return invalid(format!(
                    "The skip token '{token}' is invalid. Send back the '$skipToken' of the previous page unchanged."
                ));
            }
        },
        None => request.skip,
    };
    let start = offset.min(rows.len());
    let end = start.saturating_add(request.top).min(rows.len());
    let page = &rows[start..end];
    let data = match request.format {
        Format::ObjectArray => Value::Array(page.iter().map(|r| (*r).clone()).collect()),
        Format::Table => json!({
            "columns": COLUMNS.iter().map(|(name, kind)| json!({ "name": name, "type": kind })).collect::<Vec<_>>(),
            "rows": page
                .iter()
                .map(|row| COLUMNS.iter().map(|(name, _)| row[*name].clone()).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        }),
    };
    Reply::ok(&Response {
        total_records: rows.len(),
        count: page.len(),
        result_truncated: "false",
        skip_token: (end < rows.len()).then(|| wire::graph_token(end, request.top)),
        data,
        facets: [],
    })
}

/// One row of `CLUSTER_QUERY` for an ARM cluster object.
fn project(sub_id: &str, cluster: &Value) -> Value {
    let props = &cluster["properties"];
    // KQL's tostring() of a missing property is "", not null.
    let text = |v: &Value| json!(v.as_str().unwrap_or_default());
    let id = cluster["id"]
        .as_str()
        .unwrap_or_default()
        .replacen("/resourcegroups/", "/resourceGroups/", 1);
    let resource_group = id.split('/').nth(4).unwrap_or_default().to_ascii_lowercase();
    let mut row = Map::new();
    row.insert("id".into(), json!(id));
    row.insert("name".into(), cluster["name"].clone());
    row.insert(
        "type".into(),
        json!(cluster["type"].as_str().unwrap_or_default().to_ascii_lowercase()),
    );
    row.insert("subscriptionId".into(), json!(sub_id));
    row.insert("resourceGroup".into(), json!(resource_group));
    row.insert(
        "location".into(),
        json!(cluster["location"].as_str().unwrap_or_default().to_ascii_lowercase()),
    );
    row.insert("tags".into(), cluster["tags"].clone());
    row.insert("skuTier".into(), text(&cluster["sku"]["tier"]));
    row.insert("kubernetesVersion".into(), text(&props["kubernetesVersion"]));
    row.insert(
        "currentKubernetesVersion".into(),
        text(&props["currentKubernetesVersion"]),
    );
    row.insert(
        "upgradeChannel".into(),
        text(&props["autoUpgradeProfile"]["upgradeChannel"]),
    );
    row.insert(
        "nodeOSUpgradeChannel".into(),
        text(&props["autoUpgradeProfile"]["nodeOSUpgradeChannel"]),
    );
    row.insert("powerState".into(), text(&props["powerState"]["code"]));
    row.insert("provisioningState".into(), text(&props["provisioningState"]));
    row.insert("supportPlan".into(), text(&props["supportPlan"]));
    row.insert("pools".into(), props["agentPoolProfiles"].clone());
    Value::Object(row)
}
