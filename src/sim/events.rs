//! AKS's scheduled upgrade events, as Resource Graph's `containerserviceeventresources`
//! holds them (type `microsoft.containerservice/managedclusters/scheduledevents`), for
//! `crate::model::api::EVENTS_QUERY`.
//!
//! Events exist only where AKS runs a channel in a window: an upgrade channel other
//! than `none` with an `aksManagedAutoUpgradeSchedule` (`K8sVersionUpgrade`), a
//! `NodeImage` or `SecurityPatch` node OS channel with an
//! `aksManagedNodeOSUpgradeSchedule` (`NodeOSUpgrade`). For each, from the window's own
//! occurrences: the last two that opened within 35 days, Completed, Failed (one in
//! eight) or Canceled (one in twenty-five), drawn from the seed, the cluster and the
//! occurrence; the one under way as Started; and the next one as Scheduled once it is
//! a week away (AKS's notice). So events are a pure function of the seed, the fleet as
//! writes left it, and the clock.
//!
//! Rows carry `properties` as an object or as a JSON string, and `eventDetails` as
//! the upgrade's name or as an object in a JSON string, half and half (by a draw), as
//! both shapes are seen in the real table.

use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::rng::{guid_of, mix};
use crate::model::window::{
    DateSpan, Occurrence, Recurrence, Timing, WeekIndex, Window, date, hh_mm, offset, parse_weekday,
};

pub const EVENT_TYPE: &str = "microsoft.containerservice/managedclusters/scheduledevents";

/// How far back past occurrences are reported.
const HISTORY: Duration = Duration::days(35);
/// AKS notifies a week before a scheduled upgrade.
const NOTICE: Duration = Duration::days(7);

/// What a cluster's events follow: where it is, and the windows of the channels AKS runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The cluster's id as Resource Graph spells it.
    pub cluster_id: String,
    pub subscription_id: String,
    pub resource_group: String,
    /// The auto-upgrade window, when the upgrade channel is on.
    pub kubernetes: Option<Timing>,
    /// The node OS window, when the node OS channel patches.
    pub node_os: Option<Timing>,
}

impl Plan {
    /// The plan of a cluster (its ARM object as it is now) and its maintenance
    /// configurations; `None` when it has no events at all.
    pub fn of(cluster_id: String, subscription_id: &str, cluster: &Value, maintenance: &[Value]) -> Option<Plan> {
        let profile = &cluster["properties"]["autoUpgradeProfile"];
        let upgrade = profile["upgradeChannel"].as_str().unwrap_or("none");
        let node_os = profile["nodeOSUpgradeChannel"].as_str().unwrap_or("");
        let window = |name: &str| {
            maintenance
                .iter()
                .find(|c| c["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .and_then(|c| window(&c["properties"]["maintenanceWindow"]))
                .map(Timing::Window)
        };
        let kubernetes = (!upgrade.eq_ignore_ascii_case("none"))
            .then(|| window("aksManagedAutoUpgradeSchedule"))
            .flatten();
        let patches = ["NodeImage", "SecurityPatch"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(node_os));
        let node_os = patches.then(|| window("aksManagedNodeOSUpgradeSchedule")).flatten();
        if kubernetes.is_none() && node_os.is_none() {
            return None;
        }
        let resource_group = cluster_id.split('/').nth(4).unwrap_or_default().to_ascii_lowercase();
        Some(Plan {
            cluster_id,
            subscription_id: subscription_id.to_string(),
            resource_group,
            kubernetes,
            node_os,
        })
    }

    /// The cluster's event rows at `now`.
    pub fn rows(&self, seed: u64, now: OffsetDateTime) -> Vec<Value> {
        let mut rows = Vec::new();
        for (kind, timing) in [
            ("K8sVersionUpgrade", &self.kubernetes),
            ("NodeOSUpgrade", &self.node_os),
        ] {
            let Some(timing) = timing else { continue };
            // An occurrence that opens this very second has started.
            let after = now + Duration::seconds(1);
            let mut past = Vec::new();
            let mut before = after;
            while past.len() < 2 {
                match timing.previous(before) {
                    Some(o) if o.start >= now - HISTORY => {
                        before = o.start;
                        past.push(o);
                    }
                    _ => break,
                }
            }
            for occurrence in past {
                let status = if occurrence.end > now {
                    "Started"
                } else {
                    self.outcome(seed, kind, &occurrence)
                };
                rows.push(self.row(seed, kind, status, &occurrence));
            }
            if let Some(next) = timing.next_opening(after).filter(|o| o.start - now <= NOTICE) {
                rows.push(self.row(seed, kind, "Scheduled", &next));
            }
        }
        rows
    }

    fn draw(&self, seed: u64, kind: &str, occurrence: &Occurrence, salt: u64) -> u64 {
        let mut h = mix(seed ^ salt);
        for byte in self.cluster_id.bytes().chain(kind.bytes()) {
            h = mix(h ^ u64::from(byte));
        }
        mix(h ^ occurrence.start.unix_timestamp().cast_unsigned())
    }

    fn outcome(&self, seed: u64, kind: &str, occurrence: &Occurrence) -> &'static str {
        match self.draw(seed, kind, occurrence, 1) % 200 {
            0..25 => "Failed",
            25..33 => "Canceled",
            _ => "Completed",
        }
    }

    fn row(&self, seed: u64, kind: &str, status: &str, occurrence: &Occurrence) -> Value {
        let event_id = guid_of(
            self.draw(seed, kind, occurrence, 2),
            self.draw(seed, kind, occurrence, 3),
        );
        let shape = self.draw(seed, kind, occurrence, 4);
        let text = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        let started = occurrence.start + Duration::minutes(5);
        let (start_time, updated) = match status {
            "Scheduled" => (None, occurrence.start - NOTICE),
            "Started" => (Some(started), started),
            "Canceled" => (None, occurrence.start),
            "Failed" => (Some(started), started + Duration::minutes(35)),
            _ => (Some(started), (started + Duration::minutes(50)).min(occurrence.end)),
        };
        let details = if shape & 1 == 0 {
            json!(kind)
        } else {
            let mut object = json!({ "upgradeType": kind });
            if status == "Failed" {
                object["message"] = json!(if kind == "NodeOSUpgrade" {
                    "Drain of node aks-user-000001 failed: eviction blocked by a PodDisruptionBudget."
                } else {
                    "Upgrade failed: the control plane did not become healthy within the window."
                });
            }
            json!(object.to_string())
        };
        let mut properties = json!({
            "eventId": event_id,
            "eventStatus": status,
            "eventDetails": details,
            "scheduledTime": text(occurrence.start),
            "lastUpdateTime": text(updated),
        });
        if let Some(start) = start_time {
            properties["startTime"] = json!(text(start));
        }
        let properties = if shape & 2 == 0 {
            properties
        } else {
            json!(properties.to_string())
        };
        json!({
            "id": format!("{}/scheduledevents/{event_id}", self.cluster_id),
            "name": event_id,
            "properties": properties,
            "resourceGroup": self.resource_group,
            "subscriptionId": self.subscription_id,
            "type": EVENT_TYPE,
        })
    }
}

/// A `maintenanceWindow` as the simulator stores it (checked by `validate`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    schedule: Schedule,
    #[serde(default)]
    duration_hours: Option<u8>,
    start_time: String,
    #[serde(default)]
    utc_offset: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    not_allowed_dates: Vec<Span>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Schedule {
    daily: Option<Every>,
    weekly: Option<Every>,
    absolute_monthly: Option<Every>,
    relative_monthly: Option<Every>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Every {
    #[serde(alias = "intervalWeeks", alias = "intervalMonths")]
    interval_days: u8,
    day_of_week: Option<String>,
    day_of_month: Option<u8>,
    week_index: Option<String>,
}

#[derive(Deserialize)]
struct Span {
    start: String,
    end: String,
}

fn window(value: &Value) -> Option<Window> {
    let stored = Stored::deserialize(value).ok()?;
    let s = &stored.schedule;
    let day = |e: &Every| e.day_of_week.as_deref().and_then(parse_weekday);
    let recurrence = if let Some(e) = &s.daily {
        Recurrence::Daily { every: e.interval_days }
    } else if let Some(e) = &s.weekly {
        Recurrence::Weekly {
            every: e.interval_days,
            day: day(e)?,
        }
    } else if let Some(e) = &s.absolute_monthly {
        Recurrence::AbsoluteMonthly {
            every: e.interval_days,
            day: e.day_of_month?,
        }
    } else {
        let e = s.relative_monthly.as_ref()?;
        Recurrence::RelativeMonthly {
            every: e.interval_days,
            day: day(e)?,
            week: e.week_index.as_deref().and_then(WeekIndex::parse)?,
        }
    };
    Some(Window {
        recurrence,
        duration_hours: stored.duration_hours.unwrap_or(24),
        start_time: hh_mm::parse(&stored.start_time)?,
        utc_offset: stored
            .utc_offset
            .as_deref()
            .map_or(Some(time::UtcOffset::UTC), offset::parse)?,
        start_date: match &stored.start_date {
            Some(text) => Some(date::parse(text)?),
            None => None,
        },
        not_allowed: stored
            .not_allowed_dates
            .iter()
            .map(|span| {
                Some(DateSpan {
                    start: date::parse(&span.start)?,
                    end: date::parse(&span.end)?,
                })
            })
            .collect::<Option<Vec<_>>>()?,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

    fn cluster(upgrade: &str, node_os: &str) -> Value {
        json!({"properties": {"autoUpgradeProfile": {"upgradeChannel": upgrade, "nodeOSUpgradeChannel": node_os}}})
    }

    fn config(name: &str, window: Value) -> Value {
        json!({"name": name, "properties": {"maintenanceWindow": window}})
    }

    fn sunday() -> Value {
        json!({"schedule": {"weekly": {"intervalWeeks": 1, "dayOfWeek": "Sunday"}}, "startTime": "00:00",
               "durationHours": 4, "utcOffset": "+00:00"})
    }

    fn plan(cluster: &Value, maintenance: &[Value]) -> Option<Plan> {
        Plan::of(
            "/subscriptions/s/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/c".into(),
            "s",
            cluster,
            maintenance,
        )
    }

    #[test]
    fn events_only_where_a_channel_runs_in_a_window() {
        let both = [
            config("aksManagedAutoUpgradeSchedule", sunday()),
            config("aksManagedNodeOSUpgradeSchedule", sunday()),
        ];
        let cases = [
            (
                "both channels, both windows",
                cluster("patch", "NodeImage"),
                &both[..],
                true,
                true,
            ),
            (
                "upgrade channel none",
                cluster("none", "SecurityPatch"),
                &both[..],
                false,
                true,
            ),
            (
                "node OS Unmanaged",
                cluster("stable", "Unmanaged"),
                &both[..],
                true,
                false,
            ),
            ("no windows", cluster("patch", "NodeImage"), &[][..], false, false),
            (
                "only the auto-upgrade window",
                cluster("patch", "NodeImage"),
                &both[..1],
                true,
                false,
            ),
        ];
        for (what, c, windows, k8s, node_os) in cases {
            let got = plan(&c, windows);
            assert_eq!(
                got.as_ref().map(|p| (p.kubernetes.is_some(), p.node_os.is_some())),
                (k8s || node_os).then_some((k8s, node_os)),
                "{what}"
            );
        }
    }

    #[test]
    fn past_occurrences_the_one_under_way_and_the_next_within_a_week() {
        let p = plan(
            &cluster("patch", "NodeImage"),
            &[config("aksManagedNodeOSUpgradeSchedule", sunday())],
        )
        .expect("a plan");
        let read = |row: &Value| -> (String, String) {
            let properties = match &row["properties"] {
                Value::String(text) => serde_json::from_str::<Value>(text).expect("JSON in a string"),
                other => other.clone(),
            };
            (
                properties["eventStatus"].as_str().unwrap().to_string(),
                properties["scheduledTime"].as_str().unwrap().to_string(),
            )
        };
        // Sunday noon: this morning's window has closed; last Sunday's too; the next is a week away.
        let rows = p.rows(7, NOW);
        let got: Vec<(String, String)> = rows.iter().map(read).collect();
        let times: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            times,
            ["2026-11-29T00:00:00Z", "2026-11-22T00:00:00Z", "2026-12-06T00:00:00Z"]
        );
        assert!(
            got[..2]
                .iter()
                .all(|(s, _)| ["Completed", "Failed", "Canceled"].contains(&s.as_str()))
        );
        assert_eq!(got[2].0, "Scheduled");
        // During the window: Started.
        let during = p.rows(7, datetime!(2026-11-29 02:00 UTC));
        assert_eq!(read(&during[0]), ("Started".into(), "2026-11-29T00:00:00Z".into()));
        // The same seed and clock give the same bytes; the id names the cluster.
        assert_eq!(p.rows(7, NOW), rows);
        assert!(
            rows[0]["id"]
                .as_str()
                .unwrap()
                .contains("/managedClusters/c/scheduledevents/")
        );
        assert_eq!(rows[0]["resourceGroup"], "rg");
    }

    #[test]
    fn over_many_occurrences_some_fail_and_most_complete() {
        let p = plan(
            &cluster("patch", "NodeImage"),
            &[config(
                "aksManagedNodeOSUpgradeSchedule",
                json!({"schedule": {"daily": {"intervalDays": 1}}, "startTime": "00:00", "durationHours": 4}),
            )],
        )
        .expect("a plan");
        let mut counts = std::collections::HashMap::new();
        for day in 0..400 {
            for row in p.rows(3, NOW + Duration::days(day)) {
                let properties = match &row["properties"] {
                    Value::String(text) => serde_json::from_str::<Value>(text).unwrap(),
                    other => other.clone(),
                };
                *counts
                    .entry(properties["eventStatus"].as_str().unwrap().to_string())
                    .or_insert(0) += 1;
            }
        }
        assert!(counts["Failed"] > 0 && counts["Canceled"] > 0, "{counts:?}");
        assert!(counts["Completed"] > counts["Failed"] * 4, "{counts:?}");
    }
}
