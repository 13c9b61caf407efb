//! One maintenance configuration -> a `MaintenanceConfig` with its timing: the
//! `maintenanceWindow` (schedule, `startTime`, `utcOffset`, `durationHours`,
//! `startDate`, `notAllowedDates`), or the legacy `timeInWeek` and `notAllowedTime`,
//! and `systemData.lastModifiedAt`.
//!
//! The same reader serves ARM (`properties`), PSRule exports (`Properties`) and the
//! flattened shape of `az aks maintenanceconfiguration show`. Keys are matched
//! ignoring case and `null` counts as absent. It never fails: a window it cannot read
//! keeps its name, and its schedule says what is wrong and where
//! (`aksManagedAutoUpgradeSchedule.properties.maintenanceWindow.startTime: ...`), so
//! one bad configuration costs nothing else.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::ShapeError;
use super::resource::{Obj, kind};
use crate::model::window::{
    DateSpan, DaySlots, Recurrence, TimeInWeek, TimeSpan, Timing, WeekIndex, Window, hh_mm, offset, parse_weekday,
};
use crate::model::{MaintenanceConfig, MaintenanceSchedule};

/// A maintenance configuration as ARM (or `az`) returns it.
pub fn maintenance_config(config: &Value) -> MaintenanceConfig {
    let Value::Object(map) = config else {
        return MaintenanceConfig::default();
    };
    let obj = Obj { map, path: "$" };
    let name = obj
        .string_any(&["name", "ResourceName"])
        .ok()
        .flatten()
        .unwrap_or_default();
    let name = name.rsplit('/').next().unwrap_or_default().to_string();
    read(map, &name)
}

/// The configuration `map`, named `name`.
pub(super) fn read(map: &Map<String, Value>, name: &str) -> MaintenanceConfig {
    let obj = Obj { map, path: name };
    let modified = last_modified(&obj);
    let schedule = match timing(&obj) {
        Ok(Some(timing)) => Some(MaintenanceSchedule::of(timing, modified)),
        Ok(None) => None,
        Err(e) => Some(MaintenanceSchedule::unreadable(
            format!("{}: {}", e.path, e.message),
            modified,
        )),
    };
    MaintenanceConfig {
        name: name.into(),
        schedule: schedule.map(std::sync::Arc::new),
    }
}

/// `systemData.lastModifiedAt`, when it is there and reads as a time.
fn last_modified(obj: &Obj) -> Option<OffsetDateTime> {
    let (path, map) = obj.object("systemData").ok()??;
    let system = Obj { map, path: &path };
    let text = system.string("lastModifiedAt").ok()??;
    OffsetDateTime::parse(&text, &Rfc3339).ok()
}

fn problem(path: String, message: impl Into<String>) -> ShapeError {
    ShapeError {
        path,
        message: message.into(),
    }
}

fn timing(obj: &Obj) -> Result<Option<Timing>, ShapeError> {
    // ARM and PSRule wrap it in `properties`; `az aks maintenanceconfiguration show` does not.
    let holder = obj.object("properties")?;
    let props = match &holder {
        Some((path, map)) => Obj { map, path },
        None => *obj,
    };
    if let Some((path, map)) = props.object("maintenanceWindow")? {
        return window(&Obj { map, path: &path }).map(|w| Some(Timing::Window(w)));
    }
    if let Some((path, list)) = props.array("timeInWeek")? {
        return time_in_week(&props, &path, list).map(|t| Some(Timing::TimeInWeek(t)));
    }
    Ok(None)
}

fn window(window: &Obj) -> Result<Window, ShapeError> {
    let Some((path, map)) = window.object("schedule")? else {
        return Err(problem(format!("{}.schedule", window.path), "is missing"));
    };
    let schedule = Obj { map, path: &path };
    let mut kinds = Vec::new();
    for kind in ["daily", "weekly", "absoluteMonthly", "relativeMonthly"] {
        if let Some((p, m)) = schedule.object(kind)? {
            kinds.push((kind, p, m));
        }
    }
    let recurrence = match kinds.as_slice() {
        [(kind, p, m)] => recurrence(kind, &Obj { map: m, path: p })?,
        [] => {
            return Err(problem(
                path.clone(),
                "has none of daily, weekly, absoluteMonthly, relativeMonthly",
            ));
        }
        _ => {
            let names: Vec<&str> = kinds.iter().map(|(k, _, _)| *k).collect();
            return Err(problem(
                path.clone(),
                format!("has more than one kind: {}", names.join(", ")),
            ));
        }
    };
    let duration_hours = match window.count("durationHours")? {
        None => 24,
        Some(n @ 1..=24) => n as u8,
        Some(n) => {
            return Err(problem(
                format!("{}.durationHours", window.path),
                format!("{n} is not 1 to 24 hours"),
            ));
        }
    };
    let start_time = match window.string("startTime")? {
        Some(text) => hh_mm::parse(&text).ok_or_else(|| {
            problem(
                format!("{}.startTime", window.path),
                format!("`{text}` is not a time of day (HH:MM)"),
            )
        })?,
        None => return Err(problem(format!("{}.startTime", window.path), "is missing")),
    };
    let utc_offset = match window.string("utcOffset")? {
        Some(text) if !text.is_empty() => offset::parse(&text).ok_or_else(|| {
            problem(
                format!("{}.utcOffset", window.path),
                format!("`{text}` is not a UTC offset (+HH:MM or -HH:MM)"),
            )
        })?,
        _ => time::UtcOffset::UTC,
    };
    let start_date = match window.string("startDate")? {
        Some(text) if !text.is_empty() => Some(date(&text, &format!("{}.startDate", window.path))?),
        _ => None,
    };
    let mut not_allowed = Vec::new();
    if let Some((path, list)) = window.array("notAllowedDates")? {
        for (i, item) in list.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let Value::Object(map) = item else {
                return Err(problem(at, format!("expected an object, found {}", kind(item))));
            };
            let span = Obj { map, path: &at };
            let end_of = |key: &str| -> Result<Date, ShapeError> {
                match span.string(key)? {
                    Some(text) => date(&text, &format!("{at}.{key}")),
                    None => Err(problem(format!("{at}.{key}"), "is missing")),
                }
            };
            not_allowed.push(DateSpan {
                start: end_of("start")?,
                end: end_of("end")?,
            });
        }
    }
    Ok(Window {
        recurrence,
        duration_hours,
        start_time,
        utc_offset,
        start_date,
        not_allowed,
    })
}

fn recurrence(kind: &str, detail: &Obj) -> Result<Recurrence, ShapeError> {
    let number = |key: &str, max: u32| -> Result<u8, ShapeError> {
        match detail.count(key)? {
            Some(n) if (1..=max).contains(&n) => Ok(n as u8),
            Some(n) => Err(problem(
                format!("{}.{key}", detail.path),
                format!("{n} is not 1 to {max}"),
            )),
            None => Err(problem(format!("{}.{key}", detail.path), "is missing")),
        }
    };
    let day = || -> Result<time::Weekday, ShapeError> {
        let at = format!("{}.dayOfWeek", detail.path);
        match detail.string("dayOfWeek")? {
            Some(text) => parse_weekday(&text).ok_or_else(|| problem(at, format!("`{text}` is not a day of the week"))),
            None => Err(problem(at, "is missing")),
        }
    };
    Ok(match kind {
        "daily" => Recurrence::Daily {
            every: number("intervalDays", 7)?,
        },
        "weekly" => Recurrence::Weekly {
            every: number("intervalWeeks", 4)?,
            day: day()?,
        },
        "absoluteMonthly" => Recurrence::AbsoluteMonthly {
            every: number("intervalMonths", 6)?,
            day: number("dayOfMonth", 31)?,
        },
        _ => {
            let at = format!("{}.weekIndex", detail.path);
            let week = match detail.string("weekIndex")? {
                Some(text) => WeekIndex::parse(&text)
                    .ok_or_else(|| problem(at, format!("`{text}` is not one of First, Second, Third, Fourth, Last")))?,
                None => return Err(problem(at, "is missing")),
            };
            Recurrence::RelativeMonthly {
                every: number("intervalMonths", 6)?,
                day: day()?,
                week,
            }
        }
    })
}

/// `YYYY-MM-DD`; a date-time is read for its date.
fn date(text: &str, path: &str) -> Result<Date, ShapeError> {
    let day = text.get(..10).unwrap_or(text);
    crate::model::window::date::parse(day)
        .filter(|_| text.len() == 10 || text[10..].starts_with('T'))
        .ok_or_else(|| problem(path.to_string(), format!("`{text}` is not a date (YYYY-MM-DD)")))
}

fn time_in_week(props: &Obj, path: &str, list: &[Value]) -> Result<TimeInWeek, ShapeError> {
    let mut slots = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Value::Object(map) = item else {
            return Err(problem(at, format!("expected an object, found {}", kind(item))));
        };
        let entry = Obj { map, path: &at };
        let day = match entry.string("day")? {
            Some(text) => parse_weekday(&text)
                .ok_or_else(|| problem(format!("{at}.day"), format!("`{text}` is not a day of the week")))?,
            None => return Err(problem(format!("{at}.day"), "is missing")),
        };
        let mut hours = Vec::new();
        if let Some((hours_path, values)) = entry.array("hourSlots")? {
            for (j, value) in values.iter().enumerate() {
                match value.as_u64() {
                    Some(h @ 0..=23) => hours.push(h as u8),
                    _ => {
                        return Err(problem(
                            format!("{hours_path}[{j}]"),
                            format!("expected an hour 0 to 23, found {value}"),
                        ));
                    }
                }
            }
        }
        slots.push(DaySlots { day, hours });
    }
    let mut not_allowed = Vec::new();
    if let Some((path, list)) = props.array("notAllowedTime")? {
        for (i, item) in list.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let Value::Object(map) = item else {
                return Err(problem(at, format!("expected an object, found {}", kind(item))));
            };
            let span = Obj { map, path: &at };
            let time_of = |key: &str| -> Result<OffsetDateTime, ShapeError> {
                let text = span
                    .string(key)?
                    .ok_or_else(|| problem(format!("{at}.{key}"), "is missing"))?;
                OffsetDateTime::parse(&text, &Rfc3339)
                    .map_err(|_| problem(format!("{at}.{key}"), format!("`{text}` is not an RFC 3339 time")))
            };
            not_allowed.push(TimeSpan {
                start: time_of("start")?,
                end: time_of("end")?,
            });
        }
    }
    Ok(TimeInWeek { slots, not_allowed })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime, offset, time};

    use super::*;

    fn config(properties: Value) -> Value {
        json!({"name": "aksManagedAutoUpgradeSchedule", "properties": properties})
    }

    fn timing_of(value: &Value) -> Result<Timing, String> {
        let schedule = maintenance_config(value).schedule.expect("a schedule");
        match (schedule.timing.clone(), schedule.problem.clone()) {
            (Some(timing), None) => Ok(timing),
            (_, Some(problem)) => Err(problem),
            (None, None) => Err("neither".into()),
        }
    }

    #[test]
    fn every_field_of_a_window_is_read() {
        let value = json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/maintenanceConfigurations/aksManagedAutoUpgradeSchedule",
            "name": "aksManagedAutoUpgradeSchedule",
            "systemData": {"lastModifiedAt": "2026-11-28T21:15:00.1234567Z"},
            "properties": {"maintenanceWindow": {
                "durationHours": 5,
                "notAllowedDates": [{"end": "2024-01-05", "start": "2023-12-23"}],
                "schedule": {"absoluteMonthly": {"dayOfMonth": 15, "intervalMonths": 3}, "daily": null, "weekly": null},
                "startDate": "2023-01-01",
                "startTime": "08:30",
                "utcOffset": "+05:30"
            }}
        });
        let config = maintenance_config(&value);
        assert_eq!(config.name, "aksManagedAutoUpgradeSchedule");
        let schedule = config.schedule.expect("a schedule");
        assert_eq!(schedule.modified, Some(datetime!(2026-11-28 21:15:00.1234567 UTC)));
        assert_eq!(
            schedule.timing,
            Some(Timing::Window(Window {
                recurrence: Recurrence::AbsoluteMonthly { every: 3, day: 15 },
                duration_hours: 5,
                start_time: time!(08:30),
                utc_offset: offset!(+05:30),
                start_date: Some(date!(2023 - 01 - 01)),
                not_allowed: vec![DateSpan {
                    start: date!(2023 - 12 - 23),
                    end: date!(2024 - 01 - 05)
                }],
            }))
        );
        assert_eq!(
            &**schedule,
            "Monthly on day 15 08:30–13:30 +05:30, every 3 months, from 2023-01-01, not 2023-12-23..2024-01-05"
        );
    }

    #[test]
    fn defaults_and_other_shapes() {
        // `durationHours` defaults to 24 and `utcOffset` to +00:00; keys ignore case.
        let value = config(
            json!({"MaintenanceWindow": {"Schedule": {"Weekly": {"IntervalWeeks": 2, "DayOfWeek": "friday"}},
                                  "StartTime": "00:00"}}),
        );
        let Timing::Window(w) = timing_of(&value).unwrap() else {
            panic!("a window")
        };
        assert_eq!(
            w.recurrence,
            Recurrence::Weekly {
                every: 2,
                day: time::Weekday::Friday
            }
        );
        assert_eq!((w.duration_hours, w.utc_offset), (24, offset!(UTC)));
        // `az aks maintenanceconfiguration show` flattens `properties`.
        let flat = json!({"name": "aksManagedNodeOSUpgradeSchedule",
                          "maintenanceWindow": {"schedule": {"daily": {"intervalDays": 1}}, "startTime": "02:00",
                                                "durationHours": 4, "utcOffset": "-07:00"}});
        assert!(matches!(timing_of(&flat), Ok(Timing::Window(_))));
        let relative = config(json!({"maintenanceWindow": {"schedule": {"relativeMonthly":
            {"intervalMonths": 1, "dayOfWeek": "Saturday", "weekIndex": "Last"}}, "startTime": "00:00", "durationHours": 8}}));
        let Timing::Window(w) = timing_of(&relative).unwrap() else {
            panic!("a window")
        };
        assert_eq!(
            w.recurrence,
            Recurrence::RelativeMonthly {
                every: 1,
                day: time::Weekday::Saturday,
                week: WeekIndex::Last
            }
        );
        assert_eq!(
            maintenance_config(&config(json!({}))).schedule,
            None,
            "no schedule at all"
        );
    }

    #[test]
    fn legacy_time_in_week_is_read_and_described() {
        let value = json!({"name": "default", "properties": {
            "timeInWeek": [{"day": "Monday", "hourSlots": [1, 2]}],
            "notAllowedTime": [{"start": "2020-11-26T03:00:00Z", "end": "2020-11-30T12:00:00Z"}]}});
        let config = maintenance_config(&value);
        let schedule = config.schedule.expect("a schedule");
        assert_eq!(&**schedule, "Monday 01:00–03:00 UTC, 1 blocked period(s)");
        let Some(Timing::TimeInWeek(slots)) = schedule.timing.clone() else {
            panic!("legacy slots")
        };
        assert_eq!(slots.not_allowed[0].end, datetime!(2020-11-30 12:00 UTC));
    }

    #[test]
    fn a_window_that_cannot_be_read_says_where_and_why() {
        let window = |w: Value| config(json!({"maintenanceWindow": w}));
        let cases = [
            (
                window(
                    json!({"schedule": {"weekly": {"intervalWeeks": 1, "dayOfWeek": "Sunday"}}, "startTime": "25:00"}),
                ),
                "aksManagedAutoUpgradeSchedule.properties.maintenanceWindow.startTime: `25:00` is not a time of day",
            ),
            (
                window(json!({"schedule": {"weekly": {"intervalWeeks": 1, "dayOfWeek": "Sun"}}, "startTime": "01:00"})),
                "schedule.weekly.dayOfWeek: `Sun` is not a day of the week",
            ),
            (
                window(json!({"schedule": {"weekly": {"dayOfWeek": "Sunday"}}, "startTime": "01:00"})),
                "schedule.weekly.intervalWeeks: is missing",
            ),
            (
                window(json!({"schedule": {"daily": {"intervalDays": 9}}, "startTime": "01:00"})),
                "intervalDays: 9 is not 1 to 7",
            ),
            (
                window(json!({"schedule": {}, "startTime": "01:00"})),
                "schedule: has none of daily, weekly",
            ),
            (
                window(
                    json!({"schedule": {"daily": {"intervalDays": 1}, "weekly": {"intervalWeeks": 1, "dayOfWeek": "Monday"}}, "startTime": "01:00"}),
                ),
                "has more than one kind: daily, weekly",
            ),
            (
                window(json!({"schedule": {"daily": {"intervalDays": 1}}, "startTime": "01:00", "durationHours": "4"})),
                "durationHours: expected a whole number, found a string",
            ),
            (
                window(json!({"schedule": {"daily": {"intervalDays": 1}}, "startTime": "01:00", "utcOffset": "UTC"})),
                "utcOffset: `UTC` is not a UTC offset",
            ),
            (
                window(
                    json!({"schedule": {"daily": {"intervalDays": 1}}, "startTime": "01:00", "startDate": "[parameters('start')]"}),
                ),
                "startDate: `[parameters('start')]` is not a date",
            ),
            (
                window(
                    json!({"schedule": {"daily": {"intervalDays": 1}}, "startTime": "01:00", "notAllowedDates": [{"start": "2026-12-20"}]}),
                ),
                "notAllowedDates[0].end: is missing",
            ),
            (
                json!({"name": "default", "properties": {"timeInWeek": [{"day": "Monday", "hourSlots": [24]}]}}),
                "default.properties.timeInWeek[0].hourSlots[0]: expected an hour 0 to 23, found 24",
            ),
        ];
        for (value, want) in cases {
            let got = timing_of(&value).expect_err(&value.to_string());
            assert!(got.contains(want), "{value}: {got}");
        }
    }
}
