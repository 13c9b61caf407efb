//! Maintenance configurations as AKS accepts them: its three names, and windows
//! within its ranges (`azure-api-reference.md` §3), nulls dropped and defaults
//! filled as AKS stores them.

use serde_json::{Map, Value, json};

use super::Refusal;

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
