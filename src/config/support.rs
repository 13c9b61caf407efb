//! The Kubernetes support calendar: the built-in file (`assets/kubernetes-support.toml`,
//! compiled in and parsed once), and config's `[support."1.x"]` entries over it.
//!
//! Both are written the same way: a date given to the day is a TOML date
//! (`2027-03-31`), a date announced only as a month is a string (`"2027-03"`, meaning
//! the month's last day). Config's entries keep the place they were written, so a
//! minor that is no minor, or an end before its GA, is reported at its line.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};
use time::Date;
use toml::Spanned;

use super::ConfigError;
use super::keys::Place;
use crate::model::support::{
    Announced, MinorSupport, SupportCalendar, SupportOrigin, SupportSource, minor_text, parse_minor,
};

/// The calendar built into aksradar.
pub const BUILT_IN_FILE: &str = "assets/kubernetes-support.toml";
const BUILT_IN: &str = include_str!("../../assets/kubernetes-support.toml");

/// The built-in calendar, parsed on first use. `tests` proves it parses and holds
/// every minor from 1.27 to the newest the simulator serves.
pub fn built_in() -> &'static SupportCalendar {
    static CALENDAR: OnceLock<SupportCalendar> = OnceLock::new();
    CALENDAR.get_or_init(|| {
        parse_calendar(BUILT_IN, Path::new(BUILT_IN_FILE))
            .unwrap_or_else(|e| panic!("the built-in support calendar does not parse (a test checks it): {e}"))
    })
}

/// One minor's dates, as the calendar file or config writes them; every key optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(default, deserialize_with = "de_announced")]
    pub ga: Option<Announced>,
    #[serde(default, deserialize_with = "de_announced")]
    pub end: Option<Announced>,
    #[serde(default, deserialize_with = "de_announced")]
    pub lts_end: Option<Announced>,
    /// In the calendar file, the source the dates come from; in config, a note of where
    /// you have them from.
    #[serde(default)]
    pub source: Option<String>,
}

/// `[support]` in config: entries by minor, with the place each was written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SupportOverrides(pub Vec<Override>);

#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub minor: (u64, u64),
    pub entry: Entry,
    pub place: Place,
}

/// An entry as deserialised, before its key is checked and its place is known.
#[derive(Debug, Clone)]
struct Written {
    key: Spanned<String>,
    entry: Spanned<Entry>,
}

/// What `[support]` deserialises into; checked by [`SupportOverrides::read`].
#[derive(Debug, Clone, Default)]
pub struct RawOverrides(Vec<Written>);

impl<'de> Deserialize<'de> for RawOverrides {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<Spanned<String>, Spanned<Entry>>::deserialize(d)?;
        Ok(RawOverrides(
            map.into_iter().map(|(key, entry)| Written { key, entry }).collect(),
        ))
    }
}

impl PartialEq for RawOverrides {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| a.key.get_ref() == b.key.get_ref() && a.entry.get_ref() == b.entry.get_ref())
    }
}

impl SupportOverrides {
    /// Checks each key and each entry (over the built-in one) and keeps where it was written.
    pub(super) fn read(raw: &RawOverrides, text: &str, path: &Path) -> Result<SupportOverrides, ConfigError> {
        let mut out = Vec::new();
        for written in &raw.0 {
            let key_place = Place::in_file(written.key.span().start, text, path);
            let Some(minor) = parse_minor(written.key.get_ref()) else {
                return Err(key_place.error(format!(
                    "`{}` is not a Kubernetes minor version; write it like [support.\"1.34\"]",
                    written.key.get_ref()
                )));
            };
            let place = Place {
                key: format!("support.\"{}\"", written.key.get_ref()),
                ..Place::in_file(written.entry.span().start, text, path)
            };
            let entry = written.entry.get_ref().clone();
            let merged = merge(built_in().get(minor), minor, &entry);
            check(&merged).map_err(|message| place.error(message))?;
            out.push(Override { minor, entry, place });
        }
        Ok(SupportOverrides(out))
    }

    /// The built-in calendar with these entries over it.
    pub fn apply(&self, calendar: &SupportCalendar) -> SupportCalendar {
        let mut out = calendar.clone();
        for o in &self.0 {
            let merged = merge(calendar.get(o.minor), o.minor, &o.entry);
            out.minors.insert(o.minor, merged);
        }
        out
    }
}

/// An entry over what the calendar had for the minor: config's dates win, the rest stay.
fn merge(base: Option<&MinorSupport>, minor: (u64, u64), entry: &Entry) -> MinorSupport {
    let source = entry.source.clone().unwrap_or_else(|| "config.toml".to_string());
    MinorSupport {
        minor,
        ga: entry.ga.or(base.and_then(|b| b.ga)),
        end: entry.end.or(base.and_then(|b| b.end)),
        lts_end: entry.lts_end.or(base.and_then(|b| b.lts_end)),
        source,
        origin: SupportOrigin::Config,
    }
}

/// The dates must come in order: GA, end of support, end of long-term support.
fn check(minor: &MinorSupport) -> Result<(), String> {
    let name = minor_text(minor.minor);
    if let (Some(ga), Some(end)) = (minor.ga, minor.end)
        && end.last_day() < ga.first_day()
    {
        return Err(format!("{name}: `end` {end} is before `ga` {ga}"));
    }
    if let (Some(end), Some(lts)) = (minor.end, minor.lts_end)
        && lts.last_day() < end.last_day()
    {
        return Err(format!("{name}: `lts_end` {lts} is before `end` {end}"));
    }
    Ok(())
}

/// A TOML date (`2027-03-31`) or a month as a string (`"2027-03"`).
fn de_announced<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Announced>, D::Error> {
    let hint = "write a date like 2027-03-31 (no quotes), or a month like \"2027-03\"";
    match toml::Value::deserialize(d)? {
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(date), None, None) => {
                let month = time::Month::try_from(date.month).map_err(serde::de::Error::custom)?;
                Date::from_calendar_date(i32::from(date.year), month, date.day)
                    .map(|d| Some(Announced::Day(d)))
                    .map_err(serde::de::Error::custom)
            }
            _ => Err(serde::de::Error::custom(format!("`{dt}` is not a plain date; {hint}"))),
        },
        toml::Value::String(text) => Announced::parse(&text)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a date or a month; {hint}"))),
        other => Err(serde::de::Error::custom(format!(
            "expected a date or a month, found {}; {hint}",
            other.type_str()
        ))),
    }
}

/// The calendar file: its sources and its minors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    sources: BTreeMap<String, FileSource>,
    minors: BTreeMap<Spanned<String>, Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSource {
    page: String,
    #[serde(default)]
    revision: Option<String>,
    read: toml::value::Datetime,
}

/// Parses a calendar file; `path` only names it in errors.
pub fn parse_calendar(text: &str, path: &Path) -> Result<SupportCalendar, ConfigError> {
    let place = |offset: usize| Place::in_file(offset, text, path);
    let file: File =
        toml::from_str(text).map_err(|err| place(err.span().map_or(0, |s| s.start)).error(err.message().trim()))?;
    let mut sources = BTreeMap::new();
    for (name, source) in file.sources {
        let read = match source.read.date {
            Some(d) if source.read.time.is_none() => time::Month::try_from(d.month)
                .ok()
                .and_then(|m| Date::from_calendar_date(i32::from(d.year), m, d.day).ok()),
            _ => None,
        };
        let Some(read) = read else {
            let at = text.find(&format!("[sources.{name}]")).unwrap_or(0);
            return Err(place(at).error(format!("sources.{name}.read: `{}` is not a plain date", source.read)));
        };
        sources.insert(
            name,
            SupportSource {
                page: source.page,
                read,
                revision: source.revision,
            },
        );
    }
    let mut minors = BTreeMap::new();
    for (key, entry) in file.minors {
        let at = place(key.span().start);
        let Some(minor) = parse_minor(key.get_ref()) else {
            return Err(at.error(format!("`{}` is not a Kubernetes minor version", key.get_ref())));
        };
        let entry = entry.into_inner();
        let Some(source) = entry.source.clone().filter(|s| sources.contains_key(s)) else {
            return Err(at.error(format!(
                "minors.\"{}\".source must name one of [sources]: {}",
                key.get_ref(),
                sources.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        };
        let support = MinorSupport {
            minor,
            ga: entry.ga,
            end: entry.end,
            lts_end: entry.lts_end,
            source,
            origin: SupportOrigin::Calendar,
        };
        check(&support).map_err(|message| at.error(message))?;
        minors.insert(minor, support);
    }
    Ok(SupportCalendar { minors, sources })
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;
    use time::macros::date;

    use super::*;

    #[test]
    fn the_built_in_calendar_covers_every_minor_from_1_27_with_its_sources() {
        let calendar = parse_calendar(BUILT_IN, Path::new(BUILT_IN_FILE)).unwrap_or_else(|e| panic!("{e}"));
        // 1.37 is the newest minor the simulator's regions offer.
        for minor in 27..=37 {
            let entry = calendar
                .get((1, minor))
                .unwrap_or_else(|| panic!("1.{minor} is in the calendar"));
            assert!(entry.ga.is_some() && entry.end.is_some(), "1.{minor} has GA and end");
            assert!(
                entry.lts_end.is_some(),
                "1.{minor} has an LTS end (every minor since 1.27 has LTS)"
            );
            let source = &calendar.sources[&entry.source];
            assert!(
                source.page.starts_with("https://learn.microsoft.com/"),
                "{}",
                source.page
            );
            assert!(source.revision.is_some(), "the revision read is named");
            assert_eq!(entry.origin, SupportOrigin::Calendar);
        }
        // What the page gives to the day stays to the day; months stay months.
        let exact = |minor, end: Date| {
            assert_eq!(calendar.get((1, minor)).and_then(|m| m.end), Some(Announced::Day(end)));
        };
        exact(30, date!(2025 - 08 - 22));
        exact(31, date!(2025 - 11 - 01));
        let month = calendar.get((1, 33)).and_then(|m| m.end).expect("1.33 ends");
        assert!(!month.is_exact());
        assert_eq!(month.last_day(), date!(2026 - 07 - 31), "Jul 2026 means July 31");
        assert_eq!(calendar.read(), Some(date!(2026 - 11 - 29)));
        assert_eq!(built_in(), &calendar, "parsed once, the same");
    }

    #[test]
    fn config_overrides_a_date_and_adds_a_minor() {
        let config = parse(
            "[support.\"1.34\"]\nend = 2026-12-15\nsource = \"AKS release notes 2026-10\"\n\n\
             [support.\"1.40\"]\nga = \"2027-10\"\nend = \"2028-10\"\n",
        )
        .unwrap();
        let calendar = config.support_calendar();
        let changed = calendar.get((1, 34)).expect("1.34");
        assert_eq!(changed.end, Some(Announced::Day(date!(2026 - 12 - 15))));
        assert_eq!(
            changed.lts_end,
            built_in().get((1, 34)).and_then(|m| m.lts_end),
            "what config leaves out stays"
        );
        assert_eq!(changed.origin, SupportOrigin::Config);
        assert_eq!(changed.source, "AKS release notes 2026-10");
        let added = calendar.get((1, 40)).expect("1.40 added");
        assert_eq!(added.end.map(|e| e.last_day()), Some(date!(2028 - 10 - 31)));
        assert_eq!(added.source, "config.toml");
        assert_eq!(calendar.get((1, 33)), built_in().get((1, 33)), "the rest as built in");
    }

    #[test]
    fn support_mistakes_name_the_line_and_key() {
        let cases = [
            (
                "[support.\"1.x\"]\nend = 2027-03-31\n",
                "config.toml:1:",
                "`1.x` is not a Kubernetes minor",
            ),
            (
                "[support.\"1.34.2\"]\nend = 2027-03-31\n",
                "config.toml:1:",
                "is not a Kubernetes minor",
            ),
            (
                "\n[support.\"1.34\"]\nend = \"March\"\n",
                "config.toml:3:",
                "`March` is not a date or a month",
            ),
            (
                "[support.\"1.34\"]\nend = 2027-03-31T10:00:00Z\n",
                "config.toml:2:",
                "is not a plain date",
            ),
            (
                "[support.\"1.34\"]\nend = 5\n",
                "config.toml:2:",
                "expected a date or a month",
            ),
            (
                "[support.\"1.34\"]\nends = 2027-03-31\n",
                "config.toml:2:",
                "unknown field `ends`",
            ),
            (
                "[support.\"1.34\"]\nend = 2025-01-31\n",
                "config.toml:1:",
                "key `support.\"1.34\"`: 1.34: `end` 2025-01-31 is before `ga` 2025-11",
            ),
            (
                "[support.\"1.50\"]\nend = \"2030-01\"\nlts_end = \"2029-01\"\n",
                "config.toml:1:",
                "`lts_end` 2029-01 is before `end` 2030-01",
            ),
        ];
        for (text, place, detail) in cases {
            let err = parse(text).expect_err(text);
            assert!(err.contains(place) && err.contains(detail), "{text:?} gave {err}");
        }
    }

    #[test]
    fn a_broken_calendar_file_is_reported_at_its_line() {
        let cases = [
            (
                "[sources.a]\npage = \"p\"\nread = 2026-11-29\n[minors.\"1.30\"]\nend = \"soon\"\nsource = \"a\"\n",
                ":5:",
            ),
            (
                "[sources.a]\npage = \"p\"\nread = 2026-11-29\n[minors.\"1.30\"]\nend = \"2025-01\"\nsource = \"b\"\n",
                "must name one of [sources]: a",
            ),
            (
                "[sources.a]\npage = \"p\"\nread = \"yesterday\"\n[minors]\n",
                "k.toml:3:",
            ),
        ];
        for (text, want) in cases {
            let err = parse_calendar(text, Path::new("k.toml")).expect_err(text).to_string();
            assert!(err.contains(want), "{text:?} gave {err}");
        }
    }
}
