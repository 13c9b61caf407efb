//! Drawing a cluster's maintenance configurations: `default`,
//! `aksManagedAutoUpgradeSchedule` and `aksManagedNodeOSUpgradeSchedule`, in the
//! shapes of `azure-api-reference.md` §3.
//!
//! These are a cluster's last draws, so a replay that only needs the cluster
//! object never draws them.

use serde_json::{Map, Value, json};

use super::catalogue::{DAYS, Region};
use crate::sim::rng::Rng;

/// None, only the cluster auto-upgrade window, both aksManaged* windows, plus `default`, and rarer mixes.
pub(super) fn maintenance_configurations(rng: &mut Rng, cluster_id: &str, region: &Region) -> Vec<Value> {
    let (default, auto, node_os) = *rng.weighted(&[
        ((false, false, false), 40),
        ((false, true, false), 15),
        ((false, true, true), 25),
        ((true, true, true), 10),
        ((true, false, false), 5),
        ((false, false, true), 5),
    ]);
    let mut out = Vec::new();
    let config = |name: &str, properties: Value| {
        json!({
            "id": format!("{cluster_id}/maintenanceConfigurations/{name}"),
            "name": name,
            "type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
            "properties": properties,
        })
    };
    if default {
        let hours: Vec<u64> = (0..4).map(|h| h + rng.range(0, 3)).collect();
        out.push(config(
            "default",
            json!({
                "timeInWeek": [{ "day": rng.pick(&["Saturday", "Sunday"]), "hourSlots": hours }],
                "notAllowedTime": [],
            }),
        ));
    }
    if auto {
        let schedule = match rng.below(3) {
            0 => {
                json!({ "weekly": { "intervalWeeks": rng.range(1, 2), "dayOfWeek": rng.pick(&["Saturday", "Sunday"]) } })
            }
            1 => {
                json!({ "relativeMonthly": { "intervalMonths": 1, "dayOfWeek": "Saturday", "weekIndex": rng.pick(&["First", "Last"]) } })
            }
            _ => json!({ "absoluteMonthly": { "intervalMonths": 1, "dayOfMonth": rng.range(1, 28) } }),
        };
        let hours = rng.range(4, 8);
        let mut window = maintenance_window(rng, schedule, region, hours);
        if rng.chance(0.3) {
            window.insert(
                "notAllowedDates".into(),
                json!([{ "start": "2026-12-20", "end": "2027-01-03" }]),
            );
        }
        out.push(config(
            "aksManagedAutoUpgradeSchedule",
            json!({ "maintenanceWindow": window }),
        ));
    }
    if node_os {
        let schedule = if rng.chance(0.3) {
            json!({ "daily": { "intervalDays": 1 } })
        } else {
            json!({ "weekly": { "intervalWeeks": 1, "dayOfWeek": rng.pick(DAYS) } })
        };
        let hours = rng.range(4, 6);
        let window = maintenance_window(rng, schedule, region, hours);
        out.push(config(
            "aksManagedNodeOSUpgradeSchedule",
            json!({ "maintenanceWindow": window }),
        ));
    }
    out
}

fn maintenance_window(rng: &mut Rng, schedule: Value, region: &Region, hours: u64) -> Map<String, Value> {
    let mut w = Map::new();
    w.insert("schedule".into(), schedule);
    w.insert("durationHours".into(), json!(hours));
    w.insert("utcOffset".into(), json!(region.utc_offset));
    if rng.chance(0.6) {
        w.insert(
            "startDate".into(),
            json!(format!("2026-{:02}-{:02}", rng.range(1, 9), rng.range(1, 28))),
        );
    }
    w.insert("startTime".into(), json!(format!("{:02}:00", rng.range(0, 5))));
    w
}
