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
    /// What it adds to the summary: failing findings, channel, below minimum, stale.
    pub tally: Tally,
    /// A `[highlight]` rule matches it (production, say).
    pub highlighted: bool,
    /// Its subscription's id, lower-cased: how the subscriptions view groups rows.
    pub subscription: Atom,
    /// The rules that fail on it, one bit per `Rule::ALL` position.
    pub failing_rules: u8,
    pub(super) version: Option<Version>,
    /// The release date of the cluster's oldest node image, when readable.
    pub(super) oldest_image: Option<time::Date>,
    pub calendar: CalendarTally,
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
        Row {
            index,
            cells,
            haystack,
            verdict,
            tally: Tally::of(item),
            highlighted: config.highlight.matches(c),
            subscription: texts.intern(&c.subscription_id.to_ascii_lowercase()),
            failing_rules: item
                .failing()
                .filter_map(|f| Rule::ALL.iter().position(|r| *r == f.rule))
                .fold(0u8, |bits, at| bits | (1 << at)),
            oldest_image: c.pools.iter().filter_map(|p| p.node_image_date()).min(),
            version,
            calendar: CalendarTally::of(item.outlook.as_deref()),
            support_key: support_key(item.outlook.as_deref()),
            window_key: window_key(item.outlook.as_deref()),
        }
    }

    /// What the row knows of its cluster, for the filter's terms (`Filter::row_answer`).
    pub fn facts(&self) -> crate::filter::RowFacts {
        let calendar = &self.calendar;
        crate::filter::RowFacts {
            channel_slot: self.tally.channel,
            outlook: calendar.support.map(|support| crate::filter::OutlookFacts {
                support,
                forced_upgrade: calendar.forced_upgrade,
                days_left: calendar.days_left,
                windows_read: self.window_key.0 < 2,
                window_ahead: self.window_key.0 == 0,
                insights: calendar.insights,
            }),
        }
    }

    /// Orders by the column's value alone: equal values compare equal.
    fn compare(&self, other: &Row, column: Column) -> std::cmp::Ordering {
        match column {
            Column::Version => self.version.cmp(&other.version),
            Column::Verdict => (self.verdict, self.tally.failing).cmp(&(other.verdict, other.tally.failing)),
            Column::Support => self.support_key.cmp(&other.support_key),
            Column::Window => self.window_key.cmp(&other.window_key),
            text => cmp_ignore_case(&self.cells[text], &other.cells[text]),
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
