//! The checks AKS makes before it accepts a write, with AKS's error codes and
//! messages: channel values and how they combine, Kubernetes versions (offered in
//! the region, one minor at a time, never down, pools within the control plane's
//! skew), maintenance windows, and the api-versions writes need.
//!
//! Pure functions of the request and the current values; each returns what AKS
//! stores (values in their canonical spelling) or the refusal. Codes that public
//! captures show are AKS's own (`OperationNotAllowed`, `K8sVersionNotSupported`,
//! `AgentPoolK8sVersionNotSupported`, `NodePoolMcVersionIncompatible`); the rest use
//! ARM's generic `InvalidParameter` with the property as `target`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::fleet::Offer;
use super::wire::Reply;

/// Why a write is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The property at fault, when there is one.
    pub target: Option<String>,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }

    fn bad(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `InvalidParameter` naming the property.
    pub fn invalid(target: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            target: Some(target.to_string()),
            ..Refusal::bad("InvalidParameter", message)
        }
    }

    /// The ARM error envelope.
    pub fn reply(self) -> Reply {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        if let Some(target) = self.target {
            error.insert("target".into(), json!(target));
        }
        Reply::json(self.status, &json!({ "error": error }))
    }
}

/// The oldest api-version whose schema has the node OS channel, and the first with
/// `SecurityPatch` in it (`azure-api-reference.md` §1.4).
pub const WRITE_API_VERSION_MIN: &str = "2023-06-01";
const SECURITY_PATCH_API_VERSION_MIN: &str = "2024-05-01";

/// Writes need an api-version whose schema has the properties aksradar fixes.
pub fn write_api_version(api_version: &str) -> Result<(), Refusal> {
    // `YYYY-MM-DD[-suffix]` (checked before routing) orders as text.
    if api_version < WRITE_API_VERSION_MIN {
        return Err(Refusal::bad(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{api_version}' is too old for writes to managed clusters in this simulator: \
                 nodeOSUpgradeChannel first appears in {WRITE_API_VERSION_MIN}. Use {WRITE_API_VERSION_MIN} or later."
            ),
        ));
    }
    Ok(())
}

const UPGRADE_CHANNELS: &[&str] = &["rapid", "stable", "patch", "node-image", "none"];
const NODE_OS_CHANNELS: &[&str] = &["None", "Unmanaged", "NodeImage", "SecurityPatch"];

/// The canonical spelling of `value` among `allowed` (AKS enums ignore case).
fn one_of(target: &str, value: &Value, allowed: &[&'static str]) -> Result<Option<&'static str>, Refusal> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(s))
            .map(|a| Some(*a))
            .ok_or_else(|| {
                Refusal::invalid(
                    target,
                    format!(
                        "The value '{s}' of {target} is not valid. Allowed values: {}.",
                        allowed.join(", ")
                    ),
                )
            }),
        other => Err(Refusal::invalid(
            target,
            format!("{target} must be a string, not {other}."),
        )),
    }
}

/// `properties.autoUpgradeProfile` as AKS stores it: channel values checked and
/// spelled canonically; `nodeOSUpgradeChannel` set to NodeImage when the cluster
/// channel is `node-image` and refused as anything else.
pub fn auto_upgrade_profile(profile: &Value, api_version: &str) -> Result<Value, Refusal> {
    let Some(object) = profile.as_object() else {
        return match profile {
            Value::Null => Ok(Value::Null),
            other => Err(Refusal::invalid(
                "properties.autoUpgradeProfile",
                format!("properties.autoUpgradeProfile must be an object, not {other}."),
            )),
        };
    };
    let field = |name: &str| object.get(name).unwrap_or(&Value::Null);
    let upgrade = one_of(
        "properties.autoUpgradeProfile.upgradeChannel",
        field("upgradeChannel"),
        UPGRADE_CHANNELS,
    )?;
    let mut node_os = one_of(
        "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
        field("nodeOSUpgradeChannel"),
        NODE_OS_CHANNELS,
    )?;
    if node_os == Some("SecurityPatch") && api_version < SECURITY_PATCH_API_VERSION_MIN {
        return Err(Refusal::invalid(
            "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
            format!(
                "The value 'SecurityPatch' of properties.autoUpgradeProfile.nodeOSUpgradeChannel is not valid in \
                 api-version {api_version}. Allowed values: None, Unmanaged, NodeImage. SecurityPatch needs \
                 api-version {SECURITY_PATCH_API_VERSION_MIN} or later."
            ),
        ));
    }
    if upgrade == Some("node-image") {
        match node_os {
            None => node_os = Some("NodeImage"),
            Some("NodeImage") => {}
            Some(other) => {
                return Err(Refusal::invalid(
                    "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
                    format!(
                        "nodeOSUpgradeChannel '{other}' is not allowed while upgradeChannel is 'node-image': \
                         with the node-image channel, AKS sets and keeps nodeOSUpgradeChannel NodeImage. \
                         Change upgradeChannel to another channel first, or set nodeOSUpgradeChannel to NodeImage."
                    ),
                ));
            }
        }
    }
    let mut out = object.clone();
    for (key, value) in [("upgradeChannel", upgrade), ("nodeOSUpgradeChannel", node_os)] {
        match value {
            Some(v) => out.insert(key.into(), json!(v)),
            None => out.remove(key),
        };
    }
    Ok(Value::Object(out))
}

/// A Kubernetes version as AKS accepts it: `1.34` or `1.34.6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct K8s {
    pub minor: (u32, u32),
    pub patch: Option<u32>,
}

impl K8s {
    pub fn parse(text: &str) -> Option<K8s> {
        let mut parts = text.split('.');
        let number = |p: Option<&str>| {
            p.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?
                .parse()
                .ok()
        };
        let major = number(parts.next())?;
        let minor = number(parts.next())?;
        let patch = match parts.next() {
            None => None,
            Some(p) => Some(number(Some(p))?),
        };
        parts.next().is_none().then_some(K8s {
            minor: (major, minor),
            patch,
        })
    }

    fn full(minor: (u32, u32), patch: u32) -> String {
        format!("{}.{}.{patch}", minor.0, minor.1)
    }
}

/// Every version `offers` lists, newest first, that a control plane or pool on
/// `current` may move to: newer patches of its minor and the next minor's patches.
fn upgrades_from(current: K8s, offers: &[Offer]) -> Vec<String> {
    let (minor, patch) = (current.minor, current.patch.unwrap_or(0));
    let mut out: Vec<(u32, u32, u32)> = offers
        .iter()
        .flat_map(|o| o.patches.iter().map(move |&p| (o.minor.0, o.minor.1, p)))
        .filter(|&(ma, mi, p)| ((ma, mi) == minor && p > patch) || (ma, mi) == (minor.0, minor.1 + 1))
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.into_iter().map(|(ma, mi, p)| K8s::full((ma, mi), p)).collect()
}

/// Whether `offers` lists `version` (a minor, or a patch of a listed minor).
fn offered(version: K8s, offers: &[Offer]) -> bool {
    offers
        .iter()
        .any(|o| o.minor == version.minor && version.patch.is_none_or(|p| o.patches.contains(&p)))
}

/// The full version `requested` resolves to: itself, or for a minor alone the
/// current patch when it is that minor, else the minor's newest patch.
fn resolve(requested: K8s, current: K8s, offers: &[Offer]) -> String {
    match requested.patch {
        Some(p) => K8s::full(requested.minor, p),
        None if requested.minor == current.minor => K8s::full(current.minor, current.patch.unwrap_or(0)),
        None => offers
            .iter()
            .find(|o| o.minor == requested.minor)
            .and_then(|o| o.patches.last())
            .map_or_else(|| K8s::full(requested.minor, 0), |&p| K8s::full(requested.minor, p)),
    }
}

/// Checks a new `kubernetesVersion` against the running `current` (a full version)
/// in a region offering `offers`, and returns the full version the control plane
/// will run.
pub fn cluster_version(current: &str, requested: &str, offers: &[Offer]) -> Result<String, Refusal> {
    let target = "properties.kubernetesVersion";
    let now = K8s::parse(current).unwrap_or(K8s {
        minor: (0, 0),
        patch: None,
    });
    let want = K8s::parse(requested).ok_or_else(|| {
        Refusal::invalid(
            target,
            format!("The kubernetesVersion '{requested}' is not a version: use MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.34 or 1.34.6."),
        )
    })?;
    let unchanged = want.minor == now.minor && want.patch.is_none_or(|p| Some(p) == now.patch);
    if unchanged {
        return Ok(resolve(want, now, offers));
    }
    if !offered(want, offers) {
        return Err(Refusal::bad(
            "K8sVersionNotSupported",
            format!(
                "Version {requested} is not supported in this region. Please use [az aks get-versions] command to get \
                 the supported version list in this region. For more information, please check \
                 https://aka.ms/supported-version-list"
            ),
        ));
    }
    let available = upgrades_from(now, offers).join(" ");
    let lower = want.minor < now.minor || (want.minor == now.minor && want.patch < now.patch);
    if lower {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!(
                "Downgrading Kubernetes version {current} to {requested} is not allowed. Available upgrades: \
                 [{available}]. Please see https://aka.ms/aks-supported-k8s-ver for version details."
            ),
        ));
    }
    if want.minor.0 != now.minor.0 || want.minor.1 > now.minor.1 + 1 {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!(
                "Upgrading Kubernetes version {current} to {requested} is not allowed. Available upgrades: \
                 [{available}]. Please see https://aka.ms/aks-supported-k8s-ver for version details."
            ),
        ));
    }
    Ok(resolve(want, now, offers))
}

/// Node pools may lag the control plane by at most this many minors.
const POOL_SKEW: u32 = 3;

/// Checks a pool's new `orchestratorVersion` against what the pool runs
/// (`current`), the control plane's version once this write is done
/// (`control_plane`, a full version) and the region's `offers`, and returns the
/// full version the pool will run. A pool may always move to the control plane's
/// own version, offered or not.
pub fn pool_version(
    pool: &str,
    current: &str,
    requested: &str,
    control_plane: &str,
    offers: &[Offer],
) -> Result<String, Refusal> {
    let target = format!("properties.agentPoolProfiles[{pool}].orchestratorVersion");
    let now = K8s::parse(current).unwrap_or(K8s {
        minor: (0, 0),
        patch: None,
    });
    let plane = K8s::parse(control_plane).unwrap_or(now);
    let want = K8s::parse(requested).ok_or_else(|| {
        Refusal::invalid(
            &target,
            format!("The orchestratorVersion '{requested}' of agent pool '{pool}' is not a version."),
        )
    })?;
    if want.minor == now.minor && want.patch.is_none_or(|p| Some(p) == now.patch) {
        return Ok(resolve(want, now, offers));
    }
    let incompatible = |why: &str| {
        Refusal::bad(
            "NodePoolMcVersionIncompatible",
            format!(
                "Node pool version {requested} and control plane version {control_plane} are incompatible. {why} \
                 Minor version of node pool is {} and control plane is {}. For more information, please check \
                 https://aka.ms/version-skew-policy",
                want.minor.1, plane.minor.1
            ),
        )
    };
    if want.minor > plane.minor || (want.minor == plane.minor && want.patch > plane.patch) {
        return Err(incompatible(
            "Node pool version cannot be greater than the control plane's version.",
        ));
    }
    if want.minor.0 != plane.minor.0 || want.minor.1 + POOL_SKEW < plane.minor.1 {
        return Err(incompatible(
            "Minor version of node pool cannot be more than 3 versions less than control plane's version.",
        ));
    }
    let is_control_plane = want.minor == plane.minor && want.patch.is_none_or(|p| Some(p) == plane.patch);
    if !is_control_plane && !offered(want, offers) {
        return Err(Refusal::bad(
            "AgentPoolK8sVersionNotSupported",
            format!(
                "Version {requested} is not supported in this region. Please use [az aks get-versions] command to get \
                 the supported version list in this region. For more information, please check \
                 https://aka.ms/supported-version-list"
            ),
        ));
    }
    if want.minor < now.minor || (want.minor == now.minor && want.patch < now.patch) {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!("Downgrading agent pool '{pool}' from {current} to {requested} is not allowed."),
        ));
    }
    if want.minor.1 > now.minor.1 + 1 {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!(
                "Upgrade agent pool version from {current} to {requested} is not allowed, you can only upgrade one \
                 minor version at a time. Please use [az aks get-upgrades] command to get the supported upgrade \
                 paths. For more information, please check https://aka.ms/version-skew-policy"
            ),
        ));
    }
    Ok(if is_control_plane {
        control_plane.to_string()
    } else {
        resolve(want, now, offers)
    })
}

/// The names AKS gives maintenance configurations.
pub const MAINTENANCE_NAMES: &[&str] = &[
    "default",
    "aksManagedAutoUpgradeSchedule",
    "aksManagedNodeOSUpgradeSchedule",
];

const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const WEEK_INDEXES: &[&str] = &["First", "Second", "Third", "Fourth", "Last"];

/// The canonical name of a maintenance configuration, or the refusal.
pub fn maintenance_name(name: &str) -> Result<&'static str, Refusal> {
    MAINTENANCE_NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .copied()
        .ok_or_else(|| {
            Refusal::invalid(
                "name",
                format!(
                    "Maintenance configuration name '{name}' is not valid. Valid names are {}.",
                    MAINTENANCE_NAMES.join(", ")
                ),
            )
        })
}

/// The `properties` of a maintenance configuration as AKS stores it, from the body
/// of its PUT: its window checked field by field (nulls dropped, defaults filled).
pub fn maintenance_properties(name: &'static str, body: &Value) -> Result<Value, Refusal> {
    let properties = body
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| Refusal::invalid("properties", "The request body must have a 'properties' object."))?;
    let mut out = Map::new();
    if let Some(window) = present(properties.get("maintenanceWindow")) {
        out.insert("maintenanceWindow".into(), maintenance_window(name, window)?);
    }
    if name == "default" {
        for key in ["timeInWeek", "notAllowedTime"] {
            if let Some(value) = present(properties.get(key)) {
                if !value.is_array() {
                    return Err(Refusal::invalid(
                        &format!("properties.{key}"),
                        format!("properties.{key} must be an array."),
                    ));
                }
                out.insert(key.into(), value.clone());
            }
        }
        if out.is_empty() {
            return Err(Refusal::invalid(
                "properties",
                "The default maintenance configuration needs timeInWeek or maintenanceWindow.",
            ));
        }
    } else if !out.contains_key("maintenanceWindow") {
        return Err(Refusal::invalid(
            "properties.maintenanceWindow",
            format!("Maintenance configuration '{name}' needs properties.maintenanceWindow."),
        ));
    }
    Ok(Value::Object(out))
}

/// `None` for a missing or null value.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn maintenance_window(name: &str, window: &Value) -> Result<Value, Refusal> {
    let base = "properties.maintenanceWindow";
    let object = window
        .as_object()
        .ok_or_else(|| Refusal::invalid(base, format!("{base} must be an object.")))?;
    let field = |key: &str| present(object.get(key));
    let int_in = |key: &str, value: Option<&Value>, lo: u64, hi: u64| -> Result<u64, Refusal> {
        let target = format!("{base}.{key}");
        value
            .and_then(Value::as_u64)
            .filter(|n| (lo..=hi).contains(n))
            .ok_or_else(|| Refusal::invalid(&target, format!("{target} must be a whole number from {lo} to {hi}.")))
    };
    let text_in = |key: &str, value: Option<&Value>, allowed: &[&str]| -> Result<String, Refusal> {
        let target = format!("{base}.{key}");
        value
            .and_then(Value::as_str)
            .and_then(|s| allowed.iter().find(|a| a.eq_ignore_ascii_case(s)))
            .map(|a| a.to_string())
            .ok_or_else(|| Refusal::invalid(&target, format!("{target} must be one of {}.", allowed.join(", "))))
    };

    let schedule = field("schedule")
        .and_then(Value::as_object)
        .ok_or_else(|| Refusal::invalid(&format!("{base}.schedule"), format!("{base}.schedule is required.")))?;
    let kinds: Vec<(&String, &Value)> = schedule.iter().filter(|(_, v)| !v.is_null()).collect();
    let [(kind, spec)] = kinds.as_slice() else {
        return Err(Refusal::invalid(
            &format!("{base}.schedule"),
            "Exactly one of daily, weekly, absoluteMonthly and relativeMonthly must be set in the schedule.",
        ));
    };
    let get = |key: &str| spec.get(key).filter(|v| !v.is_null());
    let schedule = match kind.as_str() {
        "daily" => {
            if name == "default" {
                return Err(Refusal::invalid(
                    &format!("{base}.schedule"),
                    "The default maintenance configuration supports only a weekly schedule.",
                ));
            }
            json!({ "daily": { "intervalDays": int_in("schedule.daily.intervalDays", get("intervalDays"), 1, 7)? } })
        }
        "weekly" => json!({ "weekly": {
            "intervalWeeks": int_in("schedule.weekly.intervalWeeks", get("intervalWeeks"), 1, 4)?,
            "dayOfWeek": text_in("schedule.weekly.dayOfWeek", get("dayOfWeek"), DAYS)?,
        } }),
        "absoluteMonthly" if name != "default" => json!({ "absoluteMonthly": {
            "intervalMonths": int_in("schedule.absoluteMonthly.intervalMonths", get("intervalMonths"), 1, 6)?,
            "dayOfMonth": int_in("schedule.absoluteMonthly.dayOfMonth", get("dayOfMonth"), 1, 31)?,
        } }),
        "relativeMonthly" if name != "default" => json!({ "relativeMonthly": {
            "intervalMonths": int_in("schedule.relativeMonthly.intervalMonths", get("intervalMonths"), 1, 6)?,
            "dayOfWeek": text_in("schedule.relativeMonthly.dayOfWeek", get("dayOfWeek"), DAYS)?,
            "weekIndex": text_in("schedule.relativeMonthly.weekIndex", get("weekIndex"), WEEK_INDEXES)?,
        } }),
        "absoluteMonthly" | "relativeMonthly" => {
            return Err(Refusal::invalid(
                &format!("{base}.schedule"),
                "The default maintenance configuration supports only a weekly schedule.",
            ));
        }
        other => {
            return Err(Refusal::invalid(
                &format!("{base}.schedule.{other}"),
                format!("'{other}' is not a schedule type: use daily, weekly, absoluteMonthly or relativeMonthly."),
            ));
        }
    };

    let mut out = Map::new();
    out.insert("schedule".into(), schedule);
    let hours = match field("durationHours") {
        None => 24,
        value => int_in("durationHours", value, 4, 24)?,
    };
    out.insert("durationHours".into(), json!(hours));
    let start_time = field("startTime").and_then(Value::as_str).filter(|t| hh_mm(t));
    let Some(start_time) = start_time else {
        return Err(Refusal::invalid(
            &format!("{base}.startTime"),
            format!("{base}.startTime is required, as HH:MM (e.g. 00:00)."),
        ));
    };
    out.insert("startTime".into(), json!(start_time));
    let offset = match field("utcOffset") {
        None => "+00:00",
        Some(value) => value
            .as_str()
            .filter(|o| (o.starts_with('+') || o.starts_with('-')) && hh_mm(&o[1..]))
            .ok_or_else(|| {
                Refusal::invalid(
                    &format!("{base}.utcOffset"),
                    format!("{base}.utcOffset must be +HH:MM or -HH:MM (e.g. +00:00)."),
                )
            })?,
    };
    out.insert("utcOffset".into(), json!(offset));
    if let Some(date) = field("startDate") {
        let ok = date.as_str().is_some_and(|d| {
            d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        });
        if !ok {
            return Err(Refusal::invalid(
                &format!("{base}.startDate"),
                format!("{base}.startDate must be a date, YYYY-MM-DD."),
            ));
        }
        out.insert("startDate".into(), date.clone());
    }
    if let Some(dates) = field("notAllowedDates") {
        if !dates.is_array() {
            return Err(Refusal::invalid(
                &format!("{base}.notAllowedDates"),
                format!("{base}.notAllowedDates must be an array of {{start, end}} dates."),
            ));
        }
        out.insert("notAllowedDates".into(), dates.clone());
    }
    Ok(Value::Object(out))
}

/// `HH:MM` with a real hour and minute.
fn hh_mm(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
        && text[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && text[3..].parse::<u32>().is_ok_and(|m| m < 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// westeurope's offers in the generated fleet, spelled out: 1.31-1.36, no preview.
    const OFFERS: &[Offer] = &[
        Offer {
            minor: (1, 31),
            patches: &[12, 13],
            preview: false,
        },
        Offer {
            minor: (1, 32),
            patches: &[9, 10],
            preview: false,
        },
        Offer {
            minor: (1, 33),
            patches: &[7, 10],
            preview: false,
        },
        Offer {
            minor: (1, 34),
            patches: &[5, 6],
            preview: false,
        },
        Offer {
            minor: (1, 35),
            patches: &[3, 5],
            preview: false,
        },
    ];

    #[test]
    fn cluster_versions_move_one_minor_at_a_time_to_what_the_region_offers() {
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("1.33.5", "1.33.10", Ok("1.33.10")),
            ("1.33.5", "1.34.6", Ok("1.34.6")),
            ("1.33.5", "1.34", Ok("1.34.6")),
            ("1.33.10", "1.33", Ok("1.33.10")),
            ("1.33.5", "1.33.5", Ok("1.33.5")),
            ("1.30.14", "1.30.14", Ok("1.30.14")),
            ("1.33.5", "1.35.5", Err("OperationNotAllowed")),
            ("1.33.5", "1.33.2", Err("K8sVersionNotSupported")),
            ("1.33.10", "1.33.7", Err("OperationNotAllowed")),
            ("1.34.6", "1.33.10", Err("OperationNotAllowed")),
            ("1.33.5", "1.33.11", Err("K8sVersionNotSupported")),
            ("1.35.5", "1.36.2", Err("K8sVersionNotSupported")),
            ("1.30.14", "1.32.10", Err("OperationNotAllowed")),
            ("1.33.5", "latest", Err("InvalidParameter")),
            ("1.33.5", "1.34.x", Err("InvalidParameter")),
            ("1.33.5", "2.0.0", Err("K8sVersionNotSupported")),
        ];
        for &(current, requested, want) in cases {
            let got = cluster_version(current, requested, OFFERS);
            match (got, want) {
                (Ok(v), Ok(w)) => assert_eq!(v, w, "{current} -> {requested}"),
                (Err(r), Err(code)) => {
                    assert_eq!(r.code, code, "{current} -> {requested}: {}", r.message);
                    assert_eq!(r.status, StatusCode::BAD_REQUEST);
                }
                (got, want) => panic!("{current} -> {requested}: got {got:?}, want {want:?}"),
            }
        }
        let skip = cluster_version("1.33.5", "1.35.5", OFFERS).unwrap_err();
        assert_eq!(
            skip.message,
            "Upgrading Kubernetes version 1.33.5 to 1.35.5 is not allowed. Available upgrades: [1.34.6 1.34.5 1.33.10 \
             1.33.7]. Please see https://aka.ms/aks-supported-k8s-ver for version details."
        );
    }

    #[test]
    fn pool_versions_stay_within_the_control_planes_skew() {
        let cases: &[(&str, &str, &str, Result<&str, &str>)] = &[
            ("1.32.10", "1.33.10", "1.33.10", Ok("1.33.10")),
            ("1.33.2", "1.33.10", "1.33.10", Ok("1.33.10")),
            // The control plane's own version, even one the region no longer lists.
            ("1.30.10", "1.30.14", "1.30.14", Ok("1.30.14")),
            ("1.33.5", "1.33", "1.33.10", Ok("1.33.5")),
            ("1.33.5", "1.34.6", "1.33.10", Err("NodePoolMcVersionIncompatible")),
            ("1.33.5", "1.33.10", "1.33.7", Err("NodePoolMcVersionIncompatible")),
            ("1.31.12", "1.31.13", "1.35.5", Err("NodePoolMcVersionIncompatible")),
            ("1.31.13", "1.33.10", "1.33.10", Err("OperationNotAllowed")),
            ("1.33.10", "1.33.7", "1.33.10", Err("OperationNotAllowed")),
            ("1.32.7", "1.32.8", "1.33.10", Err("AgentPoolK8sVersionNotSupported")),
            ("1.33.5", "v1.33", "1.33.10", Err("InvalidParameter")),
        ];
        for &(current, requested, plane, want) in cases {
            let got = pool_version("apps", current, requested, plane, OFFERS);
            match (got, want) {
                (Ok(v), Ok(w)) => assert_eq!(v, w, "{current} -> {requested} under {plane}"),
                (Err(r), Err(code)) => {
                    assert_eq!(r.code, code, "{current} -> {requested} under {plane}: {}", r.message)
                }
                (got, want) => panic!("{current} -> {requested} under {plane}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn channels_are_checked_spelled_canonically_and_node_image_keeps_node_os_at_node_image() {
        let ok = |profile: Value, version: &str| auto_upgrade_profile(&profile, version).expect("accepted");
        assert_eq!(
            ok(
                json!({ "upgradeChannel": "PATCH", "nodeOSUpgradeChannel": "securitypatch" }),
                "2026-06-01"
            ),
            json!({ "upgradeChannel": "patch", "nodeOSUpgradeChannel": "SecurityPatch" })
        );
        assert_eq!(
            ok(json!({ "upgradeChannel": "node-image" }), "2025-10-01"),
            json!({ "upgradeChannel": "node-image", "nodeOSUpgradeChannel": "NodeImage" })
        );
        assert_eq!(
            ok(
                json!({ "upgradeChannel": null, "nodeOSUpgradeChannel": "NodeImage" }),
                "2025-10-01"
            ),
            json!({ "nodeOSUpgradeChannel": "NodeImage" })
        );
        let refused = |profile: Value, version: &str| auto_upgrade_profile(&profile, version).expect_err("refused");
        let conflict = refused(
            json!({ "upgradeChannel": "node-image", "nodeOSUpgradeChannel": "SecurityPatch" }),
            "2026-06-01",
        );
        assert_eq!(conflict.code, "InvalidParameter");
        assert_eq!(
            conflict.target.as_deref(),
            Some("properties.autoUpgradeProfile.nodeOSUpgradeChannel")
        );
        assert!(
            conflict.message.contains("while upgradeChannel is 'node-image'"),
            "{}",
            conflict.message
        );
        let unknown = refused(json!({ "nodeOSUpgradeChannel": "Weekly" }), "2026-06-01");
        assert!(
            unknown
                .message
                .contains("Allowed values: None, Unmanaged, NodeImage, SecurityPatch")
        );
        let old = refused(json!({ "nodeOSUpgradeChannel": "SecurityPatch" }), "2023-06-01");
        assert!(old.message.contains("needs api-version 2024-05-01"), "{}", old.message);
        assert!(
            refused(json!({ "upgradeChannel": 3 }), "2026-06-01")
                .message
                .contains("must be a string")
        );
        assert!(write_api_version("2023-05-01").is_err());
        assert!(write_api_version("2026-06-01").is_ok());
        assert!(write_api_version("2024-02-02-preview").is_ok());
    }

    #[test]
    fn maintenance_windows_are_checked_field_by_field() {
        let body = |window: Value| json!({ "properties": { "maintenanceWindow": window } });
        let cli = body(json!({
            "schedule": { "daily": null, "weekly": { "intervalWeeks": 1, "dayOfWeek": "sunday" }, "absoluteMonthly": null },
            "durationHours": 4, "startTime": "00:00", "utcOffset": "+00:00", "startDate": null,
        }));
        assert_eq!(
            maintenance_properties("aksManagedNodeOSUpgradeSchedule", &cli).expect("accepted"),
            json!({ "maintenanceWindow": {
                "schedule": { "weekly": { "intervalWeeks": 1, "dayOfWeek": "Sunday" } },
                "durationHours": 4, "startTime": "00:00", "utcOffset": "+00:00",
            } })
        );
        let defaults = maintenance_properties(
            "aksManagedAutoUpgradeSchedule",
            &body(json!({ "schedule": { "daily": { "intervalDays": 2 } }, "startTime": "22:30" })),
        )
        .expect("accepted");
        assert_eq!(defaults["maintenanceWindow"]["durationHours"], 24);
        assert_eq!(defaults["maintenanceWindow"]["utcOffset"], "+00:00");

        let refused: &[(&str, Value, &str)] = &[
            ("aksManagedNodeOSUpgradeSchedule", json!({}), "properties"),
            (
                "aksManagedNodeOSUpgradeSchedule",
                json!({ "properties": {} }),
                "properties.maintenanceWindow",
            ),
            (
                "aksManagedNodeOSUpgradeSchedule",
                body(json!({ "schedule": {}, "startTime": "00:00" })),
                "properties.maintenanceWindow.schedule",
            ),
            (
                "aksManagedNodeOSUpgradeSchedule",
                body(
                    json!({ "schedule": { "daily": { "intervalDays": 1 }, "weekly": { "intervalWeeks": 1, "dayOfWeek": "Sunday" } }, "startTime": "00:00" }),
                ),
                "properties.maintenanceWindow.schedule",
            ),
            (
                "aksManagedNodeOSUpgradeSchedule",
                body(json!({ "schedule": { "daily": { "intervalDays": 9 } }, "startTime": "00:00" })),
                "properties.maintenanceWindow.schedule.daily.intervalDays",
            ),
            (
                "aksManagedAutoUpgradeSchedule",
                body(
                    json!({ "schedule": { "weekly": { "intervalWeeks": 1, "dayOfWeek": "Caturday" } }, "startTime": "00:00" }),
                ),
                "properties.maintenanceWindow.schedule.weekly.dayOfWeek",
            ),
            (
                "aksManagedAutoUpgradeSchedule",
                body(
                    json!({ "schedule": { "weekly": { "intervalWeeks": 1, "dayOfWeek": "Sunday" } }, "startTime": "00:00", "durationHours": 2 }),
                ),
                "properties.maintenanceWindow.durationHours",
            ),
            (
                "aksManagedAutoUpgradeSchedule",
                body(
                    json!({ "schedule": { "weekly": { "intervalWeeks": 1, "dayOfWeek": "Sunday" } }, "startTime": "24:00" }),
                ),
                "properties.maintenanceWindow.startTime",
            ),
            (
                "aksManagedAutoUpgradeSchedule",
                body(
                    json!({ "schedule": { "weekly": { "intervalWeeks": 1, "dayOfWeek": "Sunday" } }, "startTime": "01:00", "utcOffset": "UTC" }),
                ),
                "properties.maintenanceWindow.utcOffset",
            ),
            (
                "default",
                body(json!({ "schedule": { "daily": { "intervalDays": 1 } }, "startTime": "01:00" })),
                "properties.maintenanceWindow.schedule",
            ),
        ];
        for (name, body, target) in refused {
            let refusal = maintenance_properties(name, body).expect_err("refused");
            assert_eq!(refusal.target.as_deref(), Some(*target), "{body}: {}", refusal.message);
            assert_eq!(refusal.code, "InvalidParameter");
        }
        assert_eq!(
            maintenance_name("AKSMANAGEDNODEOSUPGRADESCHEDULE"),
            Ok("aksManagedNodeOSUpgradeSchedule")
        );
        assert!(maintenance_name("nightly").is_err());
    }
}
