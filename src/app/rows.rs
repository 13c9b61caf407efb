//! The fleet table's rows: each cluster's texts, search text and tally, worked out once
//! when the data changes, and the order of the rows by each column. The calendar's
//! part of a row (its support, its soonest window, its failed upgrades) comes from the
//! cluster's outlook, which the state works out just before the rows.

use time::Duration;

use crate::config::Config;
use crate::filter::{Cells, Column, haystack};
use crate::model::{
    Assessed, Atom, EventStatus, InsightKind, Interner, Outcome, Outlook, Rule, SupportState, Tally, Version,
};

/// What counts as a recent failed upgrade in the header.
pub const FAILED_WITHIN: Duration = Duration::days(7);

/// What a row adds to the header's calendar line and the posture view's support chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarTally {
    /// `None` without an outlook.
    pub support: Option<SupportState>,
    /// Support (LTS's on the LTS plan) ends within the warning period: an eol-soon insight.
    pub ending_soon: bool,
    /// Days of support left, when its end is known.
    pub days_left: Option<i64>,
    /// Its scheduled upgrades that failed within `FAILED_WITHIN` before the outlook's instant.
    pub failed_upgrades: u32,
    /// AKS may upgrade it by force.
    pub forced_upgrade: bool,
    /// Its insights' kinds, one bit each (`filter::insight_bit`).
    pub insights: u8,
}

impl CalendarTally {
    pub fn of(outlook: Option<&Outlook>) -> CalendarTally {
        let Some(o) = outlook else {
            return CalendarTally::default();
        };
        let failed_upgrades = o
            .events
            .iter()
            .flatten()
            .filter(|e| e.status == EventStatus::Failed)
            .filter(|e| e.when().is_some_and(|t| t <= o.at && o.at - t <= FAILED_WITHIN))
            .count() as u32;
        CalendarTally {
            support: Some(o.support.state),
            ending_soon: o.has(InsightKind::EolSoon),
            days_left: o.support.days_left,
            failed_upgrades,
            forced_upgrade: o.support.forced_upgrade,
            insights: o
                .insights
                .iter()
                .fold(0, |bits, i| bits | crate::filter::insight_bit(i.kind)),
        }
    }
}

/// One row of the fleet table, its texts cleaned and ready to draw.
#[derive(Debug, Clone)]
pub struct Row {
    /// Index into `State::fleet`.
    pub index: usize,
    pub cells: Cells,
    /// Lower-cased row text (and id and tags) that `/` searches.
    pub haystack: String,
    pub verdict: Outcome,
    /// What it adds to the counts and answers of the filter's row terms; the state
    /// keeps a copy of every row's, packed, for its passes over all the rows.
    pub brief: Brief,
    /// A `[highlight]` rule matches it (production, say).
    pub highlighted: bool,
    /// Its subscription's id, lower-cased: how the subscriptions view groups rows.
    pub subscription: Atom,
    pub(super) version: Option<Version>,
    /// The release date of the cluster's oldest node image, when readable.
    pub(super) oldest_image: Option<time::Date>,
    /// Orders SUPPORT: out of support first (longest out first), then by days left,
    /// then support without a known end, then unknown.
    pub(super) support_key: (u8, i64),
    /// Orders NEXT WINDOW: by when the soonest opens (under way first), then no window,
    /// then not read.
    pub(super) window_key: (u8, i64),
}

impl Row {
    pub fn of(index: usize, item: &Assessed, config: &Config) -> Row {
        Row::of_shared(index, item, config, &mut Interner::new())
    }

    /// `of`, its texts taken from `texts` where rows before said the same.
    pub fn of_shared(index: usize, item: &Assessed, config: &Config, texts: &mut Interner) -> Row {
        let c = &item.cluster;
        let verdict = item.verdict();
        let cells = Cells::of_shared(item, texts);
        let haystack = haystack(item, &cells);
        let version = c.version();
        let failing_rules = item
            .failing()
            .filter_map(|f| Rule::ALL.iter().position(|r| *r == f.rule))
            .fold(0u8, |bits, at| bits | (1 << at));
        let window_key = window_key(item.outlook.as_deref());
        Row {
            index,
            cells,
            haystack,
            verdict,
            brief: Brief::new(
                Tally::of(item),
                CalendarTally::of(item.outlook.as_deref()),
                failing_rules,
                window_key.0,
            ),
            highlighted: config.highlight.matches(c),
            subscription: texts.intern(&c.subscription_id.to_ascii_lowercase()),
            oldest_image: c.pools.iter().filter_map(|p| p.node_image_date()).min(),
            version,
            support_key: support_key(item.outlook.as_deref()),
            window_key,
        }
    }

    /// Orders by the column's value alone: equal values compare equal.
    fn compare(&self, other: &Row, column: Column) -> std::cmp::Ordering {
        match column {
            Column::Version => self.version.cmp(&other.version),
            Column::Verdict => (self.verdict, self.brief.failing).cmp(&(other.verdict, other.brief.failing)),
            Column::Support => self.support_key.cmp(&other.support_key),
            Column::Window => self.window_key.cmp(&other.window_key),
            text => cmp_ignore_case(&self.cells[text], &other.cells[text]),
        }
    }
}

/// What the passes over every row read (the filter's row terms, the counts in view,
/// the subscription groups), packed in 16 bytes. Each row has its own, and the state
/// keeps a copy of all of them side by side: a pass over 100,000 rows reads 1.6 MB in
/// order instead of picking a few fields out of each row's 300-odd bytes, which made
/// a keystroke wait on memory, not on work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Brief {
    /// Failing findings (a few rules at most).
    failing: u8,
    channel: u8,
    /// `UNKNOWN` and the other flags below, one bit each.
    flags: u8,
    support: Option<SupportState>,
    insights: u8,
    /// The rules that fail on it, one bit per `Rule::ALL` position.
    pub failing_rules: u8,
    /// `window_key`'s class: 0 an occurrence ahead, 1 none, 2 not read.
    window: u8,
    failed_upgrades: u32,
    /// Days of support left; `NO_DAYS` when unknown.
    days_left: i32,
}

const UNKNOWN: u8 = 1;
const BELOW_MINIMUM: u8 = 1 << 1;
const STALE: u8 = 1 << 2;
const ENDING_SOON: u8 = 1 << 3;
const FORCED: u8 = 1 << 4;
const NO_DAYS: i32 = i32::MIN;

impl Brief {
    /// A row's brief: its tally, its calendar's, its failing rules (one bit each) and
    /// its `window_key`'s class.
    pub fn new(tally: Tally, calendar: CalendarTally, failing_rules: u8, window: u8) -> Brief {
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        Brief {
            failing: u8::try_from(tally.failing).unwrap_or(u8::MAX),
            channel: u8::try_from(tally.channel).unwrap_or(u8::MAX),
            flags: flag(tally.unknown, UNKNOWN)
                | flag(tally.below_minimum, BELOW_MINIMUM)
                | flag(tally.stale, STALE)
                | flag(calendar.ending_soon, ENDING_SOON)
                | flag(calendar.forced_upgrade, FORCED),
            support: calendar.support,
            insights: calendar.insights,
            failing_rules,
            window,
            failed_upgrades: calendar.failed_upgrades,
            days_left: calendar
                .days_left
                .map_or(NO_DAYS, |d| d.clamp(i64::from(NO_DAYS) + 1, i64::from(i32::MAX)) as i32),
        }
    }

    pub fn failing(&self) -> bool {
        self.failing > 0
    }

    /// How many findings fail.
    pub fn failing_count(&self) -> u8 {
        self.failing
    }

    pub fn support(&self) -> Option<SupportState> {
        self.support
    }

    pub fn ending_soon(&self) -> bool {
        self.flags & ENDING_SOON != 0
    }

    pub fn stale(&self) -> bool {
        self.flags & STALE != 0
    }

    pub fn unknown(&self) -> bool {
        self.flags & UNKNOWN != 0
    }

    pub fn days_left(&self) -> Option<i64> {
        (self.days_left != NO_DAYS).then_some(i64::from(self.days_left))
    }

    /// The row's `tally`, as the summary counts it.
    pub fn tally(&self) -> Tally {
        Tally {
            failing: usize::from(self.failing),
            unknown: self.unknown(),
            channel: usize::from(self.channel),
            below_minimum: self.flags & BELOW_MINIMUM != 0,
            stale: self.stale(),
        }
    }

    /// The row's `calendar`, as the header counts it.
    pub fn calendar(&self) -> CalendarTally {
        CalendarTally {
            support: self.support,
            ending_soon: self.ending_soon(),
            days_left: self.days_left(),
            failed_upgrades: self.failed_upgrades,
            forced_upgrade: self.flags & FORCED != 0,
            insights: self.insights,
        }
    }

    /// What the row knows of its cluster, for the filter's terms (`Filter::row_answer`).
    pub fn facts(&self) -> crate::filter::RowFacts {
        crate::filter::RowFacts {
            channel_slot: usize::from(self.channel),
            outlook: self.support.map(|support| crate::filter::OutlookFacts {
                support,
                forced_upgrade: self.flags & FORCED != 0,
                days_left: self.days_left(),
                windows_read: self.window < 2,
                window_ahead: self.window == 0,
                insights: self.insights,
            }),
        }
    }
}

fn support_key(outlook: Option<&Outlook>) -> (u8, i64) {
    let Some(support) = outlook.map(|o| &o.support) else {
        return (3, 0);
    };
    match (support.state, support.days_left) {
        (SupportState::Unknown, _) => (3, 0),
        (SupportState::OutOfSupport, days) => (0, days.unwrap_or(i64::MIN)),
        (_, Some(days)) => (1, days),
        (_, None) => (2, 0),
    }
}

fn window_key(outlook: Option<&Outlook>) -> (u8, i64) {
    match outlook {
        Some(o) if o.windows.is_some() => match o.soonest() {
            Some(next) => (0, next.start.unix_timestamp()),
            None => (1, 0),
        },
        _ => (2, 0),
    }
}

/// Orders text ignoring ASCII case, without allocating (sorting 10,000 rows compares
/// over a hundred thousand times).
fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Every row's place in the order by `column`, equal values sharing a place: sorting
/// by it (then by `name_rank` for ties) orders integers.
pub fn rank(rows: &[Row], column: Column) -> Vec<u32> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut ranks = vec![0u32; rows.len()];
    match column {
        Column::Version | Column::Verdict | Column::Support | Column::Window => {
            order.sort_unstable_by(|&a, &b| rows[a].compare(&rows[b], column));
            dense(&order, &mut ranks, |a, b| rows[a].compare(&rows[b], column).is_eq());
        }
        // Text columns: compare lower-cased copies made once, not per comparison.
        text => {
            let keys: Vec<String> = rows.iter().map(|r| r.cells[text].to_ascii_lowercase()).collect();
            order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
            dense(&order, &mut ranks, |a, b| keys[a] == keys[b]);
        }
    }
    ranks
}

/// Numbers the rows in `order`, giving equal neighbours the same number.
fn dense(order: &[usize], ranks: &mut [u32], equal: impl Fn(usize, usize) -> bool) {
    let mut place = 0u32;
    for (i, &row) in order.iter().enumerate() {
        if i > 0 && !equal(order[i - 1], row) {
            place += 1;
        }
        ranks[row] = place;
    }
}

/// Every row's place by name (ignoring case), then by its place in the fleet: the tie
/// break of every sort, so equal values always read in name order.
pub fn name_rank(rows: &[Row]) -> Vec<u32> {
    let keys: Vec<String> = rows
        .iter()
        .map(|r| r.cells[Column::Name].to_ascii_lowercase())
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let mut ranks = vec![0u32; rows.len()];
    for (place, row) in order.into_iter().enumerate() {
        ranks[row] = place as u32;
    }
    ranks
}
