//! Maintenance windows as AKS runs them, and when they next open: the
//! `maintenanceWindow` of a maintenance configuration ([`Window`]) and the legacy
//! `timeInWeek` slots of `default` ([`TimeInWeek`]).
//!
//! Pure arithmetic on dates, with no clock: the instant to count from is passed in.
//! A window's `utcOffset` is a fixed offset (AKS knows no daylight saving), so a
//! window opens at `startTime` on a local date and that instant is exact in UTC.
//!
//! What the API does not spell out, and how it is read here (the README repeats it):
//! - Intervals count from the first matching day on or after `startDate`: daily from
//!   `startDate` itself, weekly from the first `dayOfWeek` on or after it, monthly
//!   from the month of the first matching day on or after it. Without `startDate`
//!   (AKS fills it in at creation, so the API normally returns it) the phase of an
//!   interval above 1 is unknown; it is counted from 1970-01-01 instead, which is
//!   deterministic but may be off by up to the interval.
//! - `dayOfMonth` 29 to 31 in a shorter month: that month has no window (as in
//!   RFC 5545 and cron); AKS documents no clamping.
//! - `notAllowedDates` are whole local days, both ends included; an occurrence that
//!   overlaps one at all is skipped.
//! - Legacy `hourSlots` are UTC hours; consecutive hours of a day form one window,
//!   and an occurrence that overlaps a `notAllowedTime` range is skipped.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// How far [`Timing::next`] and [`Timing::previous`] look: six years covers every
/// interval AKS allows, with `notAllowedDates` in the way.
const HORIZON_DAYS: i64 = 6 * 366;

/// Counted from when there is no `startDate`.
const EPOCH: Date = time::macros::date!(1970 - 01 - 01);

/// `maintenanceWindow.schedule`: exactly one kind of recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Recurrence {
    /// Every `every` days.
    Daily { every: u8 },
    /// On `day`, every `every` weeks.
    Weekly {
        every: u8,
        #[serde(with = "weekday")]
        day: Weekday,
    },
    /// On day `day` of the month, every `every` months.
    AbsoluteMonthly { every: u8, day: u8 },
    /// On the `week` `day` of the month (the first Monday, the last Saturday), every `every` months.
    RelativeMonthly {
        every: u8,
        #[serde(with = "weekday")]
        day: Weekday,
        week: WeekIndex,
    },
}

/// `weekIndex` of a relative monthly schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WeekIndex {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

impl WeekIndex {
    pub fn parse(text: &str) -> Option<WeekIndex> {
        [
            WeekIndex::First,
            WeekIndex::Second,
            WeekIndex::Third,
            WeekIndex::Fourth,
            WeekIndex::Last,
        ]
        .into_iter()
        .find(|w| w.name().eq_ignore_ascii_case(text.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            WeekIndex::First => "First",
            WeekIndex::Second => "Second",
            WeekIndex::Third => "Third",
            WeekIndex::Fourth => "Fourth",
            WeekIndex::Last => "Last",
        }
    }

    /// Whether `date` is this week of its month for its weekday.
    fn holds(self, date: Date) -> bool {
        let nth = (date.day() - 1) / 7;
        match self {
            WeekIndex::First => nth == 0,
            WeekIndex::Second => nth == 1,
            WeekIndex::Third => nth == 2,
            WeekIndex::Fourth => nth == 3,
            WeekIndex::Last => u16::from(date.day()) + 7 > u16::from(days_in_month(date.year(), date.month())),
        }
    }
}

/// A day of the week from its English name (`Sunday`), ignoring case.
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let mut day = Weekday::Monday;
    for _ in 0..7 {
        if weekday_name(day).eq_ignore_ascii_case(text.trim()) {
            return Some(day);
        }
        day = day.next();
    }
    None
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// A `maintenanceWindow`: when it recurs, when on those days it opens and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    pub recurrence: Recurrence,
    /// 1 to 24 (AKS accepts 4 to 24).
    pub duration_hours: u8,
    /// `startTime`, in the window's offset.
    #[serde(with = "hh_mm")]
    pub start_time: Time,
    #[serde(with = "offset")]
    pub utc_offset: UtcOffset,
    /// No window opens before this local day.
    #[serde(default, with = "opt_date", skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Date>,
    /// `notAllowedDates`: local days, both ends included, on which no window may run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_allowed: Vec<DateSpan>,
}

/// A span of whole local days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateSpan {
    #[serde(with = "date")]
    pub start: Date,
    #[serde(with = "date")]
    pub end: Date,
}

/// One opening of a window: when it opens and closes, and the offset it is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// In UTC.
    pub start: OffsetDateTime,
    /// In UTC.
    pub end: OffsetDateTime,
    /// The window's own offset, to show the local times.
    pub offset: UtcOffset,
}

impl Occurrence {
    pub fn local_start(&self) -> OffsetDateTime {
        self.start.to_offset(self.offset)
    }

    pub fn local_end(&self) -> OffsetDateTime {
        self.end.to_offset(self.offset)
    }
}

/// The legacy `default` configuration: hour slots per day of the week, in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeInWeek {
    /// Per day, the UTC hours (0-23) that start an hour-long slot.
    pub slots: Vec<DaySlots>,
    /// `notAllowedTime`: ranges in which no slot may run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_allowed: Vec<TimeSpan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DaySlots {
    #[serde(with = "weekday")]
    pub day: Weekday,
    pub hours: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeSpan {
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
}

/// When a maintenance configuration lets AKS work: a window, or legacy slots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Timing {
    Window(Window),
    TimeInWeek(TimeInWeek),
}

impl Timing {
    /// The first occurrence that has not ended at `at`: the one under way, else the
    /// next to open. `None` when none opens within six years.
    pub fn next(&self, at: OffsetDateTime) -> Option<Occurrence> {
        self.forward(at, |o| o.end > at)
    }

    /// The first occurrence that opens at or after `at`.
    pub fn next_opening(&self, at: OffsetDateTime) -> Option<Occurrence> {
        self.forward(at, |o| o.start >= at)
    }

    /// The last occurrence that opened before `at`.
    pub fn previous(&self, at: OffsetDateTime) -> Option<Occurrence> {
        let first = self.local_date(at);
        (0..=HORIZON_DAYS)
            .map_while(|back| first.checked_sub(Duration::days(back)))
            .flat_map(|date| self.on(date).into_iter().rev())
            .find(|o| o.start < at)
    }

    /// One line for people: `Weekly on Sunday 00:00–04:00 +01:00`.
    pub fn describe(&self) -> String {
        match self {
            Timing::Window(window) => window.describe(),
            Timing::TimeInWeek(slots) => slots.describe(),
        }
    }

    fn forward(&self, at: OffsetDateTime, wanted: impl Fn(&Occurrence) -> bool) -> Option<Occurrence> {
        // A window that opened the day before may still be under way.
        let first = self.local_date(at).previous_day()?;
        (0..=HORIZON_DAYS)
            .map_while(|ahead| first.checked_add(Duration::days(ahead)))
            .flat_map(|date| self.on(date))
            .find(wanted)
    }

    fn local_date(&self, at: OffsetDateTime) -> Date {
        match self {
            Timing::Window(window) => at.to_offset(window.utc_offset).date(),
            Timing::TimeInWeek(_) => at.to_offset(UtcOffset::UTC).date(),
        }
    }

    /// The occurrences that open on a local date, in order.
    fn on(&self, date: Date) -> Vec<Occurrence> {
        match self {
            Timing::Window(window) => window.on(date).into_iter().collect(),
            Timing::TimeInWeek(slots) => slots.on(date),
        }
    }
}

impl Window {
    /// The occurrence that opens on this local date, unless none does or it is not allowed.
    fn on(&self, date: Date) -> Option<Occurrence> {
        if !self.opens_on(date) {
            return None;
        }
        let local_start = PrimitiveDateTime::new(date, self.start_time);
        let local_end = local_start + Duration::hours(i64::from(self.duration_hours));
        let blocked = self.not_allowed.iter().any(|span| {
            let from = PrimitiveDateTime::new(span.start, Time::MIDNIGHT);
            let until = span.end.next_day().map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT));
            local_end > from && until.is_none_or(|until| local_start < until)
        });
        if blocked {
            return None;
        }
        Some(Occurrence {
            start: local_start.assume_offset(self.utc_offset).to_offset(UtcOffset::UTC),
            end: local_end.assume_offset(self.utc_offset).to_offset(UtcOffset::UTC),
            offset: self.utc_offset,
        })
    }

    /// Whether the schedule opens the window on this local date (before `notAllowedDates`).
    pub fn opens_on(&self, date: Date) -> bool {
        if self.start_date.is_some_and(|first| date < first) {
            return false;
        }
        let anchor = self.start_date.unwrap_or(EPOCH);
        match self.recurrence {
            Recurrence::Daily { every } => {
                (date.to_julian_day() - anchor.to_julian_day()).rem_euclid(i32::from(every.max(1))) == 0
            }
            Recurrence::Weekly { every, day } => {
                if date.weekday() != day {
                    return false;
                }
                let first = first_weekday_from(anchor, day);
                let weeks = (date.to_julian_day() - first.to_julian_day()).div_euclid(7);
                weeks.rem_euclid(i32::from(every.max(1))) == 0
            }
            Recurrence::AbsoluteMonthly { every, day } => {
                date.day() == day && self.in_phase(date, every, |month| month_day(month, day), anchor)
            }
            Recurrence::RelativeMonthly { every, day, week } => {
                date.weekday() == day
                    && week.holds(date)
                    && self.in_phase(date, every, |month| relative_day(month, day, week), anchor)
            }
        }
    }

    /// Whether `date`'s month is a whole number of intervals after the month of the
    /// first matching day on or after `anchor`.
    fn in_phase(&self, date: Date, every: u8, matching: impl Fn(Date) -> Option<Date>, anchor: Date) -> bool {
        let mut month = first_of_month(anchor);
        let mut first = None;
        for _ in 0..=24 {
            if let Some(day) = matching(month).filter(|d| *d >= anchor) {
                first = Some(day);
                break;
            }
            let Some(next) = next_month(month) else { break };
            month = next;
        }
        let Some(first) = first else { return false };
        (month_index(date) - month_index(first)).rem_euclid(i32::from(every.max(1))) == 0
    }

    pub fn describe(&self) -> String {
        let start = self.start_time;
        let end = start + Duration::hours(i64::from(self.duration_hours));
        let hours = format!("{}–{}", hh_mm::text(start), hh_mm::text(end));
        let hours = if self.duration_hours >= 24 || (end <= start && self.duration_hours > 0) {
            format!("{hours} (+1 day)")
        } else {
            hours
        };
        let offset = offset::text(self.utc_offset);
        let every = |n: u8, unit: &str| {
            if n > 1 {
                format!(", every {n} {unit}")
            } else {
                String::new()
            }
        };
        let mut text = match self.recurrence {
            Recurrence::Daily { every: n } => format!("Daily {hours} {offset}{}", every(n, "days")),
            Recurrence::Weekly { every: n, day } => {
                format!("Weekly on {} {hours} {offset}{}", weekday_name(day), every(n, "weeks"))
            }
            Recurrence::AbsoluteMonthly { every: n, day } => {
                format!("Monthly on day {day} {hours} {offset}{}", every(n, "months"))
            }
            Recurrence::RelativeMonthly { every: n, day, week } => format!(
                "Monthly on the {} {} {hours} {offset}{}",
                week.name().to_ascii_lowercase(),
                weekday_name(day),
                every(n, "months")
            ),
        };
        if let Some(first) = self.start_date {
            text.push_str(&format!(", from {first}"));
        }
        for span in &self.not_allowed {
            text.push_str(&format!(", not {}..{}", span.start, span.end));
        }
        text
    }
}

impl TimeInWeek {
    /// The runs of consecutive hours on a day, as (first hour, hours).
    fn runs(hours: &[u8]) -> Vec<(u8, u8)> {
        let mut sorted: Vec<u8> = hours.iter().copied().filter(|h| *h < 24).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut runs: Vec<(u8, u8)> = Vec::new();
        for hour in sorted {
            match runs.last_mut() {
                Some((first, len)) if *first + *len == hour => *len += 1,
                _ => runs.push((hour, 1)),
            }
        }
        runs
    }

    fn on(&self, date: Date) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for slots in self.slots.iter().filter(|s| s.day == date.weekday()) {
            for (first, len) in Self::runs(&slots.hours) {
                let start =
                    PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc() + Duration::hours(i64::from(first));
                let end = start + Duration::hours(i64::from(len));
                if self.not_allowed.iter().any(|span| start < span.end && end > span.start) {
                    continue;
                }
                out.push(Occurrence {
                    start,
                    end,
                    offset: UtcOffset::UTC,
                });
            }
        }
        out.sort_by_key(|o| o.start);
        out
    }

    /// `Saturday 00:00–04:00, Sunday 01:00–02:00 and 05:00–06:00 UTC`.
    pub fn describe(&self) -> String {
        let mut days: Vec<&DaySlots> = self.slots.iter().filter(|s| !Self::runs(&s.hours).is_empty()).collect();
        days.sort_by_key(|s| s.day.number_days_from_monday());
        if days.is_empty() {
            return "no hour slots".to_string();
        }
        let parts: Vec<String> = days
            .iter()
            .map(|s| {
                let runs: Vec<String> = Self::runs(&s.hours)
                    .into_iter()
                    .map(|(first, len)| format!("{first:02}:00–{:02}:00", first + len))
                    .collect();
                format!("{} {}", weekday_name(s.day), runs.join(" and "))
            })
            .collect();
        let mut text = format!("{} UTC", parts.join(", "));
        if !self.not_allowed.is_empty() {
            text.push_str(&format!(", {} blocked period(s)", self.not_allowed.len()));
        }
        text
    }
}

fn first_of_month(date: Date) -> Date {
    date.replace_day(1).unwrap_or(date)
}

fn next_month(first: Date) -> Option<Date> {
    let (year, month) = match first.month() {
        Month::December => (first.year() + 1, Month::January),
        m => (first.year(), m.next()),
    };
    Date::from_calendar_date(year, month, 1).ok()
}

fn month_index(date: Date) -> i32 {
    date.year() * 12 + i32::from(u8::from(date.month()))
}

pub fn days_in_month(year: i32, month: Month) -> u8 {
    time::util::days_in_month(month, year)
}

/// Day `day` of the month of `first`, when the month has it.
fn month_day(first: Date, day: u8) -> Option<Date> {
    first.replace_day(day).ok()
}

/// The `week` `day` of the month of `first`.
fn relative_day(first: Date, day: Weekday, week: WeekIndex) -> Option<Date> {
    let first_match = first_weekday_from(first, day);
    let nth = match week {
        WeekIndex::First => 0,
        WeekIndex::Second => 1,
        WeekIndex::Third => 2,
        WeekIndex::Fourth => 3,
        WeekIndex::Last => {
            let mut date = first_match;
            while let Some(next) = date
                .checked_add(Duration::days(7))
                .filter(|d| d.month() == first.month())
            {
                date = next;
            }
            return Some(date);
        }
    };
    first_match.checked_add(Duration::days(7 * nth))
}

/// The first `day` on or after `from`.
fn first_weekday_from(from: Date, day: Weekday) -> Date {
    let ahead =
        (7 + i64::from(day.number_days_from_monday()) - i64::from(from.weekday().number_days_from_monday())) % 7;
    from.checked_add(Duration::days(ahead)).unwrap_or(from)
}

/// `HH:MM`.
pub mod hh_mm {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Time;

    pub fn text(time: Time) -> String {
        format!("{:02}:{:02}", time.hour(), time.minute())
    }

    /// `HH:MM` with hours 00-23 and minutes 00-59.
    pub fn parse(text: &str) -> Option<Time> {
        let (h, m) = text.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
    }

    pub fn serialize<S: Serializer>(time: &Time, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(*time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let raw = String::deserialize(d)?;
        parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not HH:MM")))
    }
}

/// `+01:00`.
pub mod offset {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::UtcOffset;

    pub fn text(offset: UtcOffset) -> String {
        let (h, m, _) = offset.as_hms();
        let sign = if offset.is_negative() { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
    }

    /// `+HH:MM` or `-HH:MM`, hours up to 14.
    pub fn parse(text: &str) -> Option<UtcOffset> {
        let text = text.trim();
        let (sign, rest) = text.split_at_checked(1)?;
        let negative = match sign {
            "+" => false,
            "-" => true,
            _ => return None,
        };
        let (h, m) = rest.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
        if h > 14 || m > 59 {
            return None;
        }
        let (h, m) = if negative { (-h, -m) } else { (h, m) };
        UtcOffset::from_hms(h, m, 0).ok()
    }

    pub fn serialize<S: Serializer>(offset: &UtcOffset, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(*offset))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UtcOffset, D::Error> {
        let raw = String::deserialize(d)?;
        parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a UTC offset")))
    }
}

/// `YYYY-MM-DD`.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn parse(text: &str) -> Option<Date> {
        Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
    }

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(d)?;
        parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a date")))
    }
}

/// An optional `YYYY-MM-DD`.
pub mod opt_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => s.collect_str(date),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(raw) => super::date::parse(&raw)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a date"))),
        }
    }
}

/// `Monday` ... `Sunday`.
mod weekday {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Weekday;

    pub fn serialize<S: Serializer>(day: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::weekday_name(*day))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let raw = String::deserialize(d)?;
        super::parse_weekday(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a day of the week")))
    }
}

impl fmt::Display for Occurrence {
    /// `Sun 30 Nov 00:00–04:00 +01:00`, in the window's own offset.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start = self.local_start();
        let end = self.local_end();
        write!(
            f,
            "{} {} {} {}–{} {}",
            &weekday_name(start.weekday())[..3],
            start.day(),
            &format!("{:?}", start.month())[..3],
            hh_mm::text(start.time()),
            hh_mm::text(end.time()),
            if self.offset == UtcOffset::UTC {
                "UTC".to_string()
            } else {
                offset::text(self.offset)
            }
        )
    }
}

#[cfg(test)]
mod tests;
