//! Kubernetes minor versions and their support: the calendar AKS publishes (GA, end
//! of standard support, end of long-term support, each with where it came from), what
//! a region still offers, and what that makes of one cluster's minor ([`Support`]).
//!
//! Plain data. The calendar is read by `config` (the built-in file and config's
//! overrides) and a cluster's support is worked out by `calendar`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::window::days_in_month;

/// A Kubernetes minor version, `(1, 34)` for 1.34.
pub type Minor = (u64, u64);

/// `1.34`.
pub fn minor_text((major, minor): Minor) -> String {
    format!("{major}.{minor}")
}

/// `1.34` (no patch), or `None`.
pub fn parse_minor(text: &str) -> Option<Minor> {
    let (major, minor) = text.trim().split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| Some((major.parse().ok()?, minor.parse().ok()?)))?
}

/// A date as the calendar announces it: to the day, or only the month.
///
/// The calendar page says that a month given without a day means its last day
/// ("Mar 2026" is March 31, 2026), so a month-only end of support is taken to be the
/// month's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Announced {
    Day(Date),
    Month(i32, Month),
}

impl Announced {
    /// `2026-03-31` or `2026-03`.
    pub fn parse(text: &str) -> Option<Announced> {
        let text = text.trim();
        if let Some(date) = super::window::date::parse(text) {
            return Some(Announced::Day(date));
        }
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
        Some(Announced::Month(year.parse().ok()?, month))
    }

    pub fn first_day(self) -> Date {
        match self {
            Announced::Day(date) => date,
            Announced::Month(year, month) => Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN),
        }
    }

    /// The day itself, or the last day of the month.
    pub fn last_day(self) -> Date {
        match self {
            Announced::Day(date) => date,
            Announced::Month(year, month) => {
                Date::from_calendar_date(year, month, days_in_month(year, month)).unwrap_or(Date::MAX)
            }
        }
    }

    /// Announced to the day, not just the month.
    pub fn is_exact(self) -> bool {
        matches!(self, Announced::Day(_))
    }

    /// `Mar 2026` or `2026-03-31`, as people read it.
    pub fn human(self) -> String {
        match self {
            Announced::Day(date) => date.to_string(),
            Announced::Month(year, month) => format!("{} {year}", &format!("{month:?}")[..3]),
        }
    }
}

impl fmt::Display for Announced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Announced::Day(date) => write!(f, "{date}"),
            Announced::Month(year, month) => write!(f, "{year:04}-{:02}", u8::from(*month)),
        }
    }
}

impl Serialize for Announced {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Announced {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Announced, D::Error> {
        let raw = String::deserialize(d)?;
        Announced::parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not YYYY-MM or YYYY-MM-DD")))
    }
}

/// Where a minor's dates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SupportOrigin {
    /// The calendar built into aksradar (`assets/kubernetes-support.toml`).
    Calendar,
    /// `[support."1.x"]` in config.
    Config,
}

/// One minor's support dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinorSupport {
    pub minor: Minor,
    pub ga: Option<Announced>,
    /// End of standard (community) support.
    pub end: Option<Announced>,
    /// End of long-term support, for clusters on the LTS plan.
    pub lts_end: Option<Announced>,
    /// The source in [`SupportCalendar::sources`] the dates were read from, or a note
    /// of config's.
    pub source: String,
    pub origin: SupportOrigin,
}

/// A public page the calendar was read from, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportSource {
    pub page: String,
    pub read: Date,
    /// Which revision of the page, when known.
    pub revision: Option<String>,
}

/// The support calendar: each minor's dates, and the pages they were read from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupportCalendar {
    pub minors: BTreeMap<Minor, MinorSupport>,
    pub sources: BTreeMap<String, SupportSource>,
}

impl SupportCalendar {
    pub fn get(&self, minor: Minor) -> Option<&MinorSupport> {
        self.minors.get(&minor)
    }

    /// When the oldest of its pages was read: how old the calendar is.
    pub fn read(&self) -> Option<Date> {
        self.sources.values().map(|s| s.read).min()
    }
}

/// What a region's `kubernetesVersions` lists of one minor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferedMinor {
    #[serde(with = "minor_serde")]
    pub minor: Minor,
    /// `capabilities.supportPlan`: `KubernetesOfficial`, `AKSLongTermSupport`.
    #[serde(default)]
    pub plans: Vec<String>,
    #[serde(default)]
    pub preview: bool,
}

/// The minors a region offers, as its `kubernetesVersions` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RegionOffer {
    pub minors: Vec<OfferedMinor>,
}

impl RegionOffer {
    pub fn find(&self, minor: Minor) -> Option<&OfferedMinor> {
        self.minors.iter().find(|m| m.minor == minor)
    }

    /// The oldest minor the region offers that is not a preview.
    pub fn oldest(&self) -> Option<Minor> {
        self.minors.iter().filter(|m| !m.preview).map(|m| m.minor).min()
    }
}

impl OfferedMinor {
    /// Offered with standard support (an entry without plans is taken to be).
    pub fn standard(&self) -> bool {
        self.plans.is_empty() || self.plans.iter().any(|p| p.eq_ignore_ascii_case("KubernetesOfficial"))
    }

    pub fn long_term(&self) -> bool {
        self.plans.iter().any(|p| p.eq_ignore_ascii_case("AKSLongTermSupport"))
    }
}

mod minor_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(minor: &super::Minor, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::minor_text(*minor))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<super::Minor, D::Error> {
        let raw = String::deserialize(d)?;
        super::parse_minor(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a minor version")))
    }
}

/// Where a cluster's support state comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The built-in calendar.
    Calendar,
    /// A `[support]` entry in config.
    Config,
    /// What the region offers (its `kubernetesVersions`).
    Region,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Calendar => "calendar",
            Basis::Config => "config",
            Basis::Region => "region",
        }
    }
}

impl From<SupportOrigin> for Basis {
    fn from(origin: SupportOrigin) -> Basis {
        match origin {
            SupportOrigin::Calendar => Basis::Calendar,
            SupportOrigin::Config => Basis::Config,
        }
    }
}

/// The support state of a cluster's minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SupportState {
    /// In standard support, and not ending within the warning period.
    Supported,
    /// On the long-term support plan (Premium tier), in support until `ends`.
    Lts,
    /// Standard support ends within the warning period.
    Ending,
    OutOfSupport,
    /// No version, or a minor neither the calendar nor the region knows.
    Unknown,
}

impl SupportState {
    pub const ALL: [SupportState; 5] = [
        SupportState::Supported,
        SupportState::Lts,
        SupportState::Ending,
        SupportState::OutOfSupport,
        SupportState::Unknown,
    ];

    /// The name in JSON and in the filter (`support:out`).
    pub fn as_str(self) -> &'static str {
        match self {
            SupportState::Supported => "supported",
            SupportState::Lts => "lts",
            SupportState::Ending => "ending",
            SupportState::OutOfSupport => "out-of-support",
            SupportState::Unknown => "unknown",
        }
    }
}

/// A cluster's support, worked out from the calendar and what its region offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    pub state: SupportState,
    /// The end that applies to the cluster: long-term support's on the LTS plan.
    pub ends: Option<Announced>,
    /// Days from the day it was worked out to the last day of `ends`; negative once past.
    pub days_left: Option<i64>,
    /// Where the state comes from; `None` when it is unknown.
    pub basis: Option<Basis>,
    /// Out of support and below the oldest minor its region offers: AKS may upgrade it
    /// by force.
    pub forced_upgrade: bool,
    /// Why, in a sentence a person can act on (shared by the clusters it is true of).
    pub reason: super::Atom,
}

impl Support {
    /// Short, for a table cell: `ends in 12 d` (`ends today` on its last day), `LTS
    /// until 2027-07`.
    pub fn label(&self) -> String {
        let ends = self.ends.map(Announced::human);
        match (self.state, ends, self.days_left) {
            (SupportState::Supported, Some(ends), _) => format!("until {ends}"),
            (SupportState::Supported, None, _) => "supported".into(),
            (SupportState::Ending, _, Some(0)) => "ends today".into(),
            (SupportState::Ending, _, Some(days)) => format!("ends in {days} d"),
            (SupportState::Ending, _, None) => "ending".into(),
            (SupportState::Lts, Some(ends), _) => format!("LTS until {ends}"),
            (SupportState::Lts, None, _) => "LTS".into(),
            (SupportState::OutOfSupport, _, _) if self.forced_upgrade => "out (forced upgrade)".into(),
            (SupportState::OutOfSupport, _, _) => "out of support".into(),
            (SupportState::Unknown, _, _) => "unknown".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn announced_dates_are_days_or_months_ending_on_their_last_day() {
        let cases = [
            (
                "2025-08-22",
                date!(2025 - 08 - 22),
                date!(2025 - 08 - 22),
                true,
                "2025-08-22",
            ),
            (
                "2026-03",
                date!(2026 - 03 - 01),
                date!(2026 - 03 - 31),
                false,
                "Mar 2026",
            ),
            (
                "2028-02",
                date!(2028 - 02 - 01),
                date!(2028 - 02 - 29),
                false,
                "Feb 2028",
            ),
            (
                "2027-11",
                date!(2027 - 11 - 01),
                date!(2027 - 11 - 30),
                false,
                "Nov 2027",
            ),
        ];
        for (text, first, last, exact, human) in cases {
            let announced = Announced::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(announced.first_day(), first, "{text}");
            assert_eq!(announced.last_day(), last, "{text}");
            assert_eq!(announced.is_exact(), exact, "{text}");
            assert_eq!(announced.to_string(), text);
            assert_eq!(announced.human(), human);
        }
        for bad in ["2026", "2026-13", "26-03", "2026-02-30", "March 2026", ""] {
            assert_eq!(Announced::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn minors_are_major_dot_minor_only() {
        assert_eq!(parse_minor("1.34"), Some((1, 34)));
        assert_eq!(minor_text((1, 9)), "1.9");
        for bad in ["1", "1.34.2", "1.x", "", "v1.34", "1.", ".34"] {
            assert_eq!(parse_minor(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_region_s_oldest_minor_ignores_previews() {
        let offer = |minor, plans: &[&str], preview| OfferedMinor {
            minor,
            plans: plans.iter().map(|p| p.to_string()).collect(),
            preview,
        };
        let region = RegionOffer {
            minors: vec![
                offer((1, 37), &["KubernetesOfficial"], true),
                offer((1, 32), &["AKSLongTermSupport"], false),
                offer((1, 34), &["KubernetesOfficial", "AKSLongTermSupport"], false),
            ],
        };
        assert_eq!(region.oldest(), Some((1, 32)));
        assert!(!region.find((1, 32)).unwrap().standard());
        assert!(region.find((1, 32)).unwrap().long_term());
        assert!(region.find((1, 34)).unwrap().standard());
        assert_eq!(region.find((1, 31)), None);
    }
}
