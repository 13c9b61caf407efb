//! The window arithmetic as a table: each row a window, an instant, and the
//! occurrence it must give, worked out by hand on a calendar.

use time::macros::{date, datetime, offset, time};

use super::*;

fn window(recurrence: Recurrence, start: Time, hours: u8, utc_offset: UtcOffset) -> Window {
    Window {
        recurrence,
        duration_hours: hours,
        start_time: start,
        utc_offset,
        start_date: None,
        not_allowed: Vec::new(),
    }
}

fn from(window: Window, first: Date) -> Window {
    Window {
        start_date: Some(first),
        ..window
    }
}

fn blocked(window: Window, spans: &[(Date, Date)]) -> Window {
    Window {
        not_allowed: spans.iter().map(|&(start, end)| DateSpan { start, end }).collect(),
        ..window
    }
}

fn weekly(every: u8, day: Weekday) -> Recurrence {
    Recurrence::Weekly { every, day }
}

fn daily(every: u8) -> Recurrence {
    Recurrence::Daily { every }
}

fn absolute(every: u8, day: u8) -> Recurrence {
    Recurrence::AbsoluteMonthly { every, day }
}

fn relative(every: u8, day: Weekday, week: WeekIndex) -> Recurrence {
    Recurrence::RelativeMonthly { every, day, week }
}

const UTC: UtcOffset = offset!(UTC);

/// (what the row shows, window, at, want start in UTC, want end in UTC)
type Case = (
    &'static str,
    Window,
    OffsetDateTime,
    Option<(OffsetDateTime, OffsetDateTime)>,
);

fn next_cases() -> Vec<Case> {
    let sunday = window(weekly(1, Weekday::Sunday), time!(00:00), 4, UTC);
    vec![
        (
            "weekly: the coming Sunday",
            sunday.clone(),
            datetime!(2026-11-25 12:00 UTC),
            Some((datetime!(2026-11-29 00:00 UTC), datetime!(2026-11-29 04:00 UTC))),
        ),
        (
            "weekly: a window under way is the next one",
            sunday.clone(),
            datetime!(2026-11-29 02:00 UTC),
            Some((datetime!(2026-11-29 00:00 UTC), datetime!(2026-11-29 04:00 UTC))),
        ),
        (
            "weekly: at its very end it is over",
            sunday.clone(),
            datetime!(2026-11-29 04:00 UTC),
            Some((datetime!(2026-12-06 00:00 UTC), datetime!(2026-12-06 04:00 UTC))),
        ),
        (
            "weekly +01:00: Sunday midnight local is Saturday 23:00 UTC",
            window(weekly(1, Weekday::Sunday), time!(00:00), 4, offset!(+01:00)),
            datetime!(2026-11-28 22:00 UTC),
            Some((datetime!(2026-11-28 23:00 UTC), datetime!(2026-11-29 03:00 UTC))),
        ),
        (
            "daily -05:00: 22:00 local is 03:00 UTC the next day",
            window(daily(1), time!(22:00), 4, offset!(-05:00)),
            datetime!(2026-11-30 08:00 UTC),
            Some((datetime!(2026-12-01 03:00 UTC), datetime!(2026-12-01 07:00 UTC))),
        ),
        (
            "daily +05:30 (half-hour offsets exist)",
            window(daily(1), time!(01:00), 4, offset!(+05:30)),
            datetime!(2026-11-30 00:00 UTC),
            Some((datetime!(2026-11-30 19:30 UTC), datetime!(2026-11-30 23:30 UTC))),
        ),
        (
            "daily every 5 days counts from startDate (the spec's example: 1427 days in, next is day 1430)",
            from(
                window(daily(5), time!(13:30), 10, offset!(-07:00)),
                date!(2023 - 01 - 01),
            ),
            datetime!(2026-11-29 00:00 UTC),
            Some((datetime!(2026-12-01 20:30 UTC), datetime!(2026-12-02 06:30 UTC))),
        ),
        (
            "weekly every 2 weeks counts from the first Monday on or after startDate",
            from(
                window(weekly(2, Weekday::Monday), time!(01:00), 4, UTC),
                date!(2026 - 11 - 04),
            ),
            datetime!(2026-11-10 00:00 UTC),
            Some((datetime!(2026-11-23 01:00 UTC), datetime!(2026-11-23 05:00 UTC))),
        ),
        (
            "weekly every 2 weeks, the week after an occurrence skips a week",
            from(
                window(weekly(2, Weekday::Monday), time!(01:00), 4, UTC),
                date!(2026 - 11 - 04),
            ),
            datetime!(2026-11-24 00:00 UTC),
            Some((datetime!(2026-12-07 01:00 UTC), datetime!(2026-12-07 05:00 UTC))),
        ),
        (
            "nothing opens before startDate",
            from(sunday.clone(), date!(2026 - 12 - 20)),
            datetime!(2026-11-25 00:00 UTC),
            Some((datetime!(2026-12-20 00:00 UTC), datetime!(2026-12-20 04:00 UTC))),
        ),
        (
            "absolute monthly every 3 months from startDate (the spec's example)",
            from(window(absolute(3, 15), time!(08:30), 5, UTC), date!(2023 - 01 - 01)),
            datetime!(2026-11-29 00:00 UTC),
            Some((datetime!(2027-01-15 08:30 UTC), datetime!(2027-01-15 13:30 UTC))),
        ),
        (
            "absolute monthly every 2 months: the first match after startDate sets the phase",
            from(window(absolute(2, 1), time!(00:00), 4, UTC), date!(2026 - 01 - 15)),
            datetime!(2026-11-05 00:00 UTC),
            Some((datetime!(2026-12-01 00:00 UTC), datetime!(2026-12-01 04:00 UTC))),
        ),
        (
            "day 31 skips November (30 days)",
            window(absolute(1, 31), time!(02:00), 4, UTC),
            datetime!(2026-11-05 00:00 UTC),
            Some((datetime!(2026-12-31 02:00 UTC), datetime!(2026-12-31 06:00 UTC))),
        ),
        (
            "day 29: no leap day in 2027, so March",
            window(absolute(1, 29), time!(02:00), 4, UTC),
            datetime!(2027-02-01 00:00 UTC),
            Some((datetime!(2027-03-29 02:00 UTC), datetime!(2027-03-29 06:00 UTC))),
        ),
        (
            "day 29: 2028 is a leap year",
            window(absolute(1, 29), time!(02:00), 4, UTC),
            datetime!(2028-02-01 00:00 UTC),
            Some((datetime!(2028-02-29 02:00 UTC), datetime!(2028-02-29 06:00 UTC))),
        ),
        (
            "a +14:00 window on New Year's Day opens in the old year, UTC",
            window(absolute(1, 1), time!(00:00), 4, offset!(+14:00)),
            datetime!(2026-12-31 00:00 UTC),
            Some((datetime!(2026-12-31 10:00 UTC), datetime!(2026-12-31 14:00 UTC))),
        ),
        (
            "a -08:00 window on the last day of the month closes in the next month, UTC",
            window(absolute(1, 30), time!(20:00), 6, offset!(-08:00)),
            datetime!(2026-11-20 00:00 UTC),
            Some((datetime!(2026-12-01 04:00 UTC), datetime!(2026-12-01 10:00 UTC))),
        ),
        (
            "relative monthly: the last Saturday of November 2026 is the 28th",
            window(relative(1, Weekday::Saturday, WeekIndex::Last), time!(00:00), 8, UTC),
            datetime!(2026-11-01 00:00 UTC),
            Some((datetime!(2026-11-28 00:00 UTC), datetime!(2026-11-28 08:00 UTC))),
        ),
        (
            "relative monthly: January 2027 has five Saturdays, the last is the 30th",
            window(relative(1, Weekday::Saturday, WeekIndex::Last), time!(00:00), 8, UTC),
            datetime!(2027-01-01 00:00 UTC),
            Some((datetime!(2027-01-30 00:00 UTC), datetime!(2027-01-30 08:00 UTC))),
        ),
        (
            "relative monthly: ... and the fourth is the 23rd",
            window(relative(1, Weekday::Saturday, WeekIndex::Fourth), time!(00:00), 8, UTC),
            datetime!(2027-01-01 00:00 UTC),
            Some((datetime!(2027-01-23 00:00 UTC), datetime!(2027-01-23 08:00 UTC))),
        ),
        (
            "relative monthly: the first Saturday of January 2027 is the 2nd",
            window(relative(1, Weekday::Saturday, WeekIndex::First), time!(00:00), 8, UTC),
            datetime!(2027-01-01 00:00 UTC),
            Some((datetime!(2027-01-02 00:00 UTC), datetime!(2027-01-02 08:00 UTC))),
        ),
        (
            "relative monthly every 2 months on the last Monday (the docs' example) from startDate",
            from(
                window(relative(2, Weekday::Monday, WeekIndex::Last), time!(01:00), 4, UTC),
                date!(2026 - 09 - 01),
            ),
            datetime!(2026-10-01 00:00 UTC),
            Some((datetime!(2026-11-30 01:00 UTC), datetime!(2026-11-30 05:00 UTC))),
        ),
        (
            "relative monthly: a second Tuesday in the past this month moves to next month",
            window(relative(1, Weekday::Tuesday, WeekIndex::Second), time!(03:00), 4, UTC),
            datetime!(2026-11-11 00:00 UTC),
            Some((datetime!(2026-12-08 03:00 UTC), datetime!(2026-12-08 07:00 UTC))),
        ),
        (
            "notAllowedDates skip the occurrence that falls in them",
            blocked(
                from(window(absolute(3, 15), time!(08:30), 5, UTC), date!(2023 - 01 - 01)),
                &[(date!(2027 - 01 - 10), date!(2027 - 01 - 20))],
            ),
            datetime!(2026-11-29 00:00 UTC),
            Some((datetime!(2027-04-15 08:30 UTC), datetime!(2027-04-15 13:30 UTC))),
        ),
        (
            "notAllowedDates include their last day",
            blocked(sunday.clone(), &[(date!(2026 - 11 - 20), date!(2026 - 11 - 29))]),
            datetime!(2026-11-25 12:00 UTC),
            Some((datetime!(2026-12-06 00:00 UTC), datetime!(2026-12-06 04:00 UTC))),
        ),
        (
            "a window that would run into notAllowedDates is skipped too",
            blocked(
                window(weekly(1, Weekday::Saturday), time!(22:00), 6, UTC),
                &[(date!(2026 - 11 - 29), date!(2026 - 11 - 30))],
            ),
            datetime!(2026-11-25 12:00 UTC),
            Some((datetime!(2026-12-05 22:00 UTC), datetime!(2026-12-06 04:00 UTC))),
        ),
        (
            "notAllowedDates are local days: +10:00 Saturday 02:00 is Friday UTC, still blocked",
            blocked(
                window(weekly(1, Weekday::Saturday), time!(02:00), 4, offset!(+10:00)),
                &[(date!(2026 - 11 - 28), date!(2026 - 11 - 28))],
            ),
            datetime!(2026-11-25 00:00 UTC),
            Some((datetime!(2026-12-04 16:00 UTC), datetime!(2026-12-04 20:00 UTC))),
        ),
        (
            "a 24-hour window",
            window(weekly(1, Weekday::Sunday), time!(00:00), 24, UTC),
            datetime!(2026-11-29 23:00 UTC),
            Some((datetime!(2026-11-29 00:00 UTC), datetime!(2026-11-30 00:00 UTC))),
        ),
        (
            "blocked for good: nothing within the horizon",
            blocked(sunday, &[(date!(2026 - 01 - 01), date!(2040 - 01 - 01))]),
            datetime!(2026-11-25 00:00 UTC),
            None,
        ),
    ]
}

#[test]
fn the_next_occurrence_of_every_kind_of_window() {
    for (what, window, at, want) in next_cases() {
        let got = Timing::Window(window).next(at).map(|o| (o.start, o.end));
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn occurrences_carry_the_window_s_offset_for_local_times() {
    let w = window(weekly(1, Weekday::Sunday), time!(00:00), 4, offset!(+01:00));
    let next = Timing::Window(w)
        .next(datetime!(2026-11-25 00:00 UTC))
        .expect("a Sunday comes");
    assert_eq!(next.local_start(), datetime!(2026-11-29 00:00 +01:00));
    assert_eq!(next.local_end(), datetime!(2026-11-29 04:00 +01:00));
    assert_eq!(next.to_string(), "Sun 29 Nov 00:00–04:00 +01:00");
}

#[test]
fn the_next_opening_and_the_previous_one() {
    let sunday = Timing::Window(window(weekly(1, Weekday::Sunday), time!(00:00), 4, UTC));
    let during = datetime!(2026-11-29 02:00 UTC);
    assert_eq!(
        sunday.next_opening(during).map(|o| o.start),
        Some(datetime!(2026-12-06 00:00 UTC)),
        "the one under way has already opened"
    );
    assert_eq!(
        sunday.previous(during).map(|o| o.start),
        Some(datetime!(2026-11-29 00:00 UTC)),
        "the one under way opened before"
    );
    assert_eq!(
        sunday.previous(datetime!(2026-11-25 00:00 UTC)).map(|o| o.start),
        Some(datetime!(2026-11-22 00:00 UTC))
    );
    let monthly = Timing::Window(from(
        window(absolute(3, 15), time!(08:30), 5, UTC),
        date!(2023 - 01 - 01),
    ));
    assert_eq!(
        monthly.previous(datetime!(2026-11-29 00:00 UTC)).map(|o| o.start),
        Some(datetime!(2026-10-15 08:30 UTC))
    );
    let later = Timing::Window(from(
        window(weekly(1, Weekday::Sunday), time!(00:00), 4, UTC),
        date!(2026 - 12 - 20),
    ));
    assert_eq!(
        later.previous(datetime!(2026-11-29 00:00 UTC)),
        None,
        "none before startDate"
    );
}

#[test]
fn without_start_date_intervals_are_counted_from_1970() {
    // 1970-01-01 was a Thursday: with no startDate, every-2-weeks Thursdays fall on
    // weeks 0, 2, 4... from it. 2026-11-26 is 2,969 weeks after, an odd week.
    let w = window(weekly(2, Weekday::Thursday), time!(00:00), 4, UTC);
    assert!(!w.opens_on(date!(2026 - 11 - 26)));
    assert!(w.opens_on(date!(2026 - 12 - 03)));
    let d = window(daily(3), time!(00:00), 4, UTC);
    // 2026-11-27 is day 20,784 since 1970-01-01 (20,784 = 3 * 6,928).
    assert!(!d.opens_on(date!(2026 - 11 - 26)));
    assert!(d.opens_on(date!(2026 - 11 - 27)));
}

#[test]
fn legacy_time_in_week_slots_read_as_days_and_hours() {
    let slots = TimeInWeek {
        slots: vec![
            DaySlots {
                day: Weekday::Sunday,
                hours: vec![5, 1],
            },
            DaySlots {
                day: Weekday::Saturday,
                hours: vec![0, 1, 2, 3],
            },
        ],
        not_allowed: Vec::new(),
    };
    assert_eq!(
        slots.describe(),
        "Saturday 00:00–04:00, Sunday 01:00–02:00 and 05:00–06:00 UTC"
    );
    let timing = Timing::TimeInWeek(slots.clone());
    let cases = [
        (
            datetime!(2026-11-25 00:00 UTC),
            datetime!(2026-11-28 00:00 UTC),
            datetime!(2026-11-28 04:00 UTC),
        ),
        (
            datetime!(2026-11-28 03:59 UTC),
            datetime!(2026-11-28 00:00 UTC),
            datetime!(2026-11-28 04:00 UTC),
        ),
        (
            datetime!(2026-11-28 04:00 UTC),
            datetime!(2026-11-29 01:00 UTC),
            datetime!(2026-11-29 02:00 UTC),
        ),
        (
            datetime!(2026-11-29 02:00 UTC),
            datetime!(2026-11-29 05:00 UTC),
            datetime!(2026-11-29 06:00 UTC),
        ),
    ];
    for (at, start, end) in cases {
        let next = timing.next(at).expect("a slot comes every week");
        assert_eq!((next.start, next.end), (start, end), "at {at}");
    }
    let blocked = Timing::TimeInWeek(TimeInWeek {
        not_allowed: vec![TimeSpan {
            start: datetime!(2026-11-27 00:00 UTC),
            end: datetime!(2026-11-28 01:00 UTC),
        }],
        ..slots
    });
    assert_eq!(
        blocked.next(datetime!(2026-11-25 00:00 UTC)).map(|o| o.start),
        Some(datetime!(2026-11-29 01:00 UTC)),
        "a slot run that overlaps notAllowedTime is skipped"
    );
}

#[test]
fn windows_describe_themselves_readably() {
    let cases = [
        (
            window(weekly(1, Weekday::Sunday), time!(00:00), 4, offset!(+01:00)),
            "Weekly on Sunday 00:00–04:00 +01:00",
        ),
        (
            from(
                window(daily(5), time!(13:30), 10, offset!(-07:00)),
                date!(2023 - 01 - 01),
            ),
            "Daily 13:30–23:30 -07:00, every 5 days, from 2023-01-01",
        ),
        (
            window(relative(2, Weekday::Monday, WeekIndex::Last), time!(22:00), 6, UTC),
            "Monthly on the last Monday 22:00–04:00 (+1 day) +00:00, every 2 months",
        ),
        (
            blocked(
                window(absolute(3, 15), time!(08:30), 5, UTC),
                &[(date!(2026 - 12 - 20), date!(2027 - 01 - 03))],
            ),
            "Monthly on day 15 08:30–13:30 +00:00, every 3 months, not 2026-12-20..2027-01-03",
        ),
    ];
    for (window, want) in cases {
        assert_eq!(window.describe(), want);
    }
}

#[test]
fn times_offsets_and_days_parse_only_when_well_formed() {
    assert_eq!(hh_mm::parse("08:30"), Some(time!(08:30)));
    for bad in ["8:30", "24:00", "08:60", "0830", ""] {
        assert_eq!(hh_mm::parse(bad), None, "{bad}");
    }
    assert_eq!(offset::parse("+05:30"), Some(offset!(+05:30)));
    assert_eq!(offset::parse("-07:00"), Some(offset!(-07:00)));
    assert_eq!(offset::text(offset!(-07:30)), "-07:30");
    for bad in ["05:30", "+15:00", "+5:30", "UTC"] {
        assert_eq!(offset::parse(bad), None, "{bad}");
    }
    assert_eq!(parse_weekday("sunday"), Some(Weekday::Sunday));
    assert_eq!(parse_weekday("Sun"), None);
    assert_eq!(WeekIndex::parse("LAST"), Some(WeekIndex::Last));
    assert_eq!(WeekIndex::parse("Fifth"), None);
}

#[test]
fn a_window_survives_a_round_trip_through_the_snapshot() {
    let timing = Timing::Window(blocked(
        from(
            window(
                relative(2, Weekday::Monday, WeekIndex::Last),
                time!(22:00),
                6,
                offset!(-03:30),
            ),
            date!(2026 - 01 - 01),
        ),
        &[(date!(2026 - 12 - 20), date!(2027 - 01 - 03))],
    ));
    let text = serde_json::to_string(&timing).unwrap();
    assert_eq!(serde_json::from_str::<Timing>(&text).unwrap(), timing, "{text}");
}
