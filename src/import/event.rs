//! One scheduled event row of Resource Graph's `containerserviceeventresources`
//! (type `microsoft.containerservice/managedclusters/scheduledevents`) -> an
//! `UpgradeEvent`.
//!
//! `properties` arrives as an object or as a JSON string (AKS's own alert queries
//! read it with `substring`), and `eventDetails` inside it as a name
//! (`K8sVersionUpgrade`), an object, or an object in a JSON string. The kind is found
//! as AKS's queries find it: by the upgrade's name anywhere in the event. Keys are
//! matched ignoring case; a value of the wrong type or a time that is not RFC 3339
//! is an error naming its path.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::ShapeError;
use super::resource::{Obj, kind};
use crate::model::{EventKind, EventStatus, UpgradeEvent, cluster_of_event};

pub(super) const EVENT_TYPE: &str = "microsoft.containerservice/managedclusters/scheduledevents";

fn problem(path: String, message: impl Into<String>) -> ShapeError {
    ShapeError {
        path,
        message: message.into(),
    }
}

pub(super) fn read_event(obj: &Obj) -> Result<UpgradeEvent, ShapeError> {
    let id = obj
        .string_any(&["id", "ResourceId"])?
        .ok_or_else(|| problem(format!("{}.id", obj.path), "an event has no id"))?;
    let cluster_id = cluster_of_event(&id)
        .ok_or_else(|| {
            problem(
                format!("{}.id", obj.path),
                format!("`{id}` is not the id of a managed cluster's scheduled event"),
            )
        })?
        .to_string();
    let path = format!("{}.properties", obj.path);
    let parsed;
    let map: &Map<String, Value> = match obj.get("properties") {
        Some((_, Value::Object(map))) => map,
        Some((_, Value::String(text))) => {
            parsed = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                _ => return Err(problem(path, "is a string that is not a JSON object")),
            };
            &parsed
        }
        Some((_, other)) => {
            return Err(problem(path, format!("expected an object, found {}", kind(other))));
        }
        None => return Err(problem(path, "is missing")),
    };
    let props = Obj { map, path: &path };
    let status = props
        .string("eventStatus")?
        .ok_or_else(|| problem(format!("{path}.eventStatus"), "is missing"))?;
    let details = props.get("eventDetails").map(|(_, v)| v);
    let details_object = match details {
        Some(Value::Object(map)) => Some(map.clone()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        },
        _ => None,
    };
    let description = props.string("description")?;
    let source = props.string("eventSource")?;
    let kind = [
        details.map(|d| d.as_str().map_or_else(|| d.to_string(), String::from)),
        description.clone(),
        source.clone(),
        Some(Value::Object(map.clone()).to_string()),
    ]
    .iter()
    .flatten()
    .find_map(|text| EventKind::named_in(text))
    .unwrap_or_else(|| EventKind::Other(description.or(source).unwrap_or_else(|| "unknown".into())));
    let time = |key: &str| -> Result<Option<OffsetDateTime>, ShapeError> {
        match props.string(key)? {
            Some(text) if !text.is_empty() => read_time(&text)
                .map(Some)
                .ok_or_else(|| problem(format!("{path}.{key}"), format!("`{text}` is not an RFC 3339 time"))),
            _ => Ok(None),
        }
    };
    Ok(UpgradeEvent {
        cluster_id: cluster_id.into(),
        event_id: props.string("eventId")?.map(Into::into),
        kind,
        status: EventStatus::parse(&status),
        scheduled: time("scheduledTime")?,
        started: time("startTime")?,
        updated: time("lastUpdateTime")?,
        details: words(details, details_object.as_ref()).map(Into::into),
        id: id.into(),
    }
    .compact())
}

/// What people should read of the details: a message in them, or a plain text that
/// is more than the upgrade's name.
fn words(details: Option<&Value>, object: Option<&Map<String, Value>>) -> Option<String> {
    if let Some(object) = object {
        return ["message", "errorMessage", "error", "reason", "description"]
            .iter()
            .find_map(|key| {
                object
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .and_then(|(_, v)| v.as_str())
            })
            .map(String::from);
    }
    match details {
        Some(Value::String(text)) if EventKind::named_in(text).is_none() && !text.trim().is_empty() => {
            Some(text.clone())
        }
        _ => None,
    }
}

/// RFC 3339, or a date and time without an offset (taken as UTC).
fn read_time(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let naive = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, naive)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::import::{Element, read_element};

    const CLUSTER: &str =
        "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1";

    fn row(properties: Value) -> Value {
        json!({
            "id": format!("{CLUSTER}/scheduledevents/0f0e"),
            "name": "0f0e",
            "type": "microsoft.containerservice/managedclusters/scheduledevents",
            "subscriptionId": "s",
            "resourceGroup": "rg",
            "properties": properties,
        })
    }

    fn event(value: Value) -> Result<UpgradeEvent, String> {
        match read_element(value, "$.data[0]") {
            Ok(Element::Event(event)) => Ok(*event),
            Ok(_) => Err("not an event".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn an_event_is_read_whether_properties_is_an_object_or_a_string() {
        let properties = json!({
            "eventId": "0f0e",
            "eventStatus": "Failed",
            "eventDetails": "{\"upgradeType\":\"NodeOSUpgrade\",\"message\":\"drain failed\"}",
            "scheduledTime": "2026-11-29T00:00:00Z",
            "startTime": "2026-11-29T00:05:12.1234567Z",
            "lastUpdateTime": "2026-11-29T01:00:00Z",
        });
        let want = UpgradeEvent {
            id: format!("{CLUSTER}/scheduledevents/0f0e").into(),
            cluster_id: CLUSTER.into(),
            event_id: Some("0f0e".into()),
            kind: EventKind::NodeOs,
            status: EventStatus::Failed,
            scheduled: Some(datetime!(2026-11-29 00:00 UTC)),
            started: Some(datetime!(2026-11-29 00:05:12.1234567 UTC)),
            updated: Some(datetime!(2026-11-29 01:00 UTC)),
            details: Some("drain failed".into()),
        };
        assert_eq!(event(row(properties.clone())).unwrap(), want);
        assert_eq!(
            event(row(json!(properties.to_string()))).unwrap(),
            want,
            "properties as a string"
        );
    }

    #[test]
    fn the_kind_is_found_wherever_aks_names_it() {
        let cases = [
            (
                json!({"eventStatus": "Scheduled", "eventDetails": "K8sVersionUpgrade"}),
                EventKind::Kubernetes,
                None,
            ),
            (
                json!({"eventStatus": "Scheduled", "eventDetails": {"upgradeType": "NodeOSUpgrade"}}),
                EventKind::NodeOs,
                None,
            ),
            (
                json!({"EventStatus": "Completed", "Description": "NodeOSUpgrade completed"}),
                EventKind::NodeOs,
                None,
            ),
            (
                json!({"eventStatus": "Scheduled", "eventSource": "EOLNotification", "eventDetails": "the end is near"}),
                EventKind::Other("EOLNotification".into()),
                Some("the end is near"),
            ),
        ];
        for (properties, kind, details) in cases {
            let got = event(row(properties.clone())).unwrap_or_else(|e| panic!("{properties}: {e}"));
            assert_eq!(got.kind, kind, "{properties}");
            assert_eq!(got.details.as_deref(), details, "{properties}");
        }
        let naive = event(row(
            json!({"eventStatus": "Started", "eventDetails": "K8sVersionUpgrade",
                                     "startTime": "2026-11-29T00:05:00"}),
        ))
        .unwrap();
        assert_eq!(naive.started, Some(datetime!(2026-11-29 00:05 UTC)), "no offset: UTC");
    }

    #[test]
    fn a_broken_event_names_its_path() {
        let cases = [
            (
                row(json!("not json")),
                "$.data[0].properties: is a string that is not a JSON object",
            ),
            (
                row(json!(5)),
                "$.data[0].properties: expected an object, found a number",
            ),
            (
                row(json!({"eventDetails": "NodeOSUpgrade"})),
                "$.data[0].properties.eventStatus: is missing",
            ),
            (
                row(json!({"eventStatus": "Scheduled", "eventDetails": "NodeOSUpgrade", "scheduledTime": "tomorrow"})),
                "$.data[0].properties.scheduledTime: `tomorrow` is not an RFC 3339 time",
            ),
            (
                row(json!({"eventStatus": 3})),
                "$.data[0].properties.eventStatus: expected a string, found a number",
            ),
            (
                json!({"id": "/subscriptions/s/resourceGroups/rg", "type": "microsoft.containerservice/managedclusters/scheduledevents",
                       "properties": {"eventStatus": "Scheduled"}}),
                "is not the id of a managed cluster's scheduled event",
            ),
        ];
        for (value, want) in cases {
            let err = event(value.clone()).expect_err(&value.to_string());
            assert!(err.contains(want), "{value}: {err}");
        }
    }
}
