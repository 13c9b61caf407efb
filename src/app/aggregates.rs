//! What the header's calendar line and the subscriptions, posture and upgrades views
//! show: the calendar's counts, the clusters in view grouped by subscription, the bars
//! of the posture charts, the trend of the recorded reads, and the scheduled upgrade
//! events of the clusters in view in their order. All are worked out when the data,
//! the filter or the view changes, never while drawing.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use super::rows::{Brief, CalendarTally, Row};
use crate::history::Tally;
use crate::model::{Assessed, EventStatus, NodeOsChannel, Rule, SubscriptionState, Summary, SupportState};

/// The upgrade calendar's counts over the clusters in view, for the header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarSummary {
    pub clusters: usize,
    pub out_of_support: usize,
    /// Support (LTS's on the LTS plan) ends within the warning period.
    pub ending_soon: usize,
    /// No support state could be told (no outlook, or neither the calendar nor the
    /// region knows the minor).
    pub unknown_support: usize,
    /// Scheduled upgrades that failed in the last seven days.
    pub failed_upgrades: usize,
}

impl CalendarSummary {
    /// Counts one more cluster in view (`clusters` is set by the caller).
    pub fn add(&mut self, tally: CalendarTally) {
        match tally.support {
            Some(SupportState::OutOfSupport) => self.out_of_support += 1,
            Some(SupportState::Unknown) | None => self.unknown_support += 1,
            _ => {}
        }
        self.ending_soon += usize::from(tally.ending_soon);
        self.failed_upgrades += tally.failed_upgrades as usize;
    }
}

/// One line of the upgrades view: an event of a cluster in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeRow {
    /// Index into the rows.
    pub row: u32,
    /// Index into the cluster's outlook's events.
    pub event: u32,
}

/// How many of the upgrades view's events failed, are under way, are scheduled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpgradeCounts {
    pub failed: usize,
    pub started: usize,
    pub scheduled: usize,
}

/// The scheduled upgrade events of the clusters in view, failed first (the newest
/// first), then those under way, then those scheduled (the soonest first), then the
/// rest (completed, canceled; the newest first), and how many of each. Ties keep the
/// fleet's order.
pub fn upgrade_rows(rows: &[Row], fleet: &[Assessed], visible: &[usize]) -> (Vec<UpgradeRow>, UpgradeCounts) {
    let mut keyed: Vec<((u8, i64), UpgradeRow)> = Vec::new();
    let mut counts = UpgradeCounts::default();
    for &at in visible {
        let Some(events) = fleet[rows[at].index]
            .outlook
            .as_deref()
            .and_then(|o| o.events.as_deref())
        else {
            continue;
        };
        for (i, event) in events.iter().enumerate() {
            let newest_first = -event.when().map_or(i64::MIN + 1, |t| t.unix_timestamp());
            let key = match event.status {
                EventStatus::Failed => {
                    counts.failed += 1;
                    (0, newest_first)
                }
                EventStatus::Started => {
                    counts.started += 1;
                    (1, newest_first)
                }
                EventStatus::Scheduled => {
                    counts.scheduled += 1;
                    (2, event.due().map_or(i64::MAX, |t| t.unix_timestamp()))
                }
                _ => (3, newest_first),
            };
            keyed.push((
                key,
                UpgradeRow {
                    row: at as u32,
                    event: i as u32,
                },
            ));
        }
    }
    keyed.sort_unstable_by_key(|&(key, row)| (key, row.row, row.event));
    (keyed.into_iter().map(|(_, row)| row).collect(), counts)
}

/// One row of the subscriptions view.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    pub id: String,
    pub name: Option<String>,
    /// Its clusters in view.
    pub clusters: usize,
    pub non_compliant: usize,
    /// Of its clusters in view, those neither failing nor known to comply (a rule's
    /// data could not be read): counted on their own, never as compliant.
    pub unknown: usize,
    /// Of its clusters in view, those from an earlier read (its latest read failed).
    pub stale: usize,
    /// The rule that fails on the most of its clusters, and on how many.
    pub most_failed: Option<(Rule, usize)>,
    /// When its clusters were last read (live data).
    pub fetched_at: Option<OffsetDateTime>,
    /// Why its latest read failed.
    pub error: Option<String>,
}

impl SubscriptionRow {
    /// Clusters known to comply (neither failing nor unknown) as a share of all, in
    /// percent; 100 for none.
    pub fn compliant_percent(&self) -> usize {
        ((self.clusters - self.non_compliant - self.unknown) * 100)
            .checked_div(self.clusters)
            .unwrap_or(100)
    }

    /// Its read failed and nothing of it was ever read: its clusters are unknown.
    pub fn unread(&self) -> bool {
        self.error.is_some() && self.clusters == 0
    }
}

/// Every subscription of the read with nothing counted yet, then those only the rows
/// name (exported files), and each row's place among them: made once per data change,
/// so grouping the clusters in view is counting by index.
pub fn subscription_seeds(rows: &[Row], subscriptions: &[SubscriptionState]) -> (Vec<SubscriptionRow>, Vec<u32>) {
    let mut seeds: Vec<SubscriptionRow> = subscriptions
        .iter()
        .map(|s| SubscriptionRow {
            id: s.id.clone(),
            name: s.name.clone(),
            clusters: 0,
            non_compliant: 0,
            unknown: 0,
            stale: 0,
            most_failed: None,
            fetched_at: s.fetched_at,
            error: s
                .error
                .as_ref()
                .map(|e| format!("{}: {}", e.code.as_deref().unwrap_or("error"), e.message)),
        })
        .collect();
    let mut index: HashMap<String, u32> = seeds
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_ascii_lowercase(), i as u32))
        .collect();
    let group_of = rows
        .iter()
        .map(|row| {
            if let Some(&i) = index.get(row.subscription.as_str()) {
                return i;
            }
            let label = &row.cells[crate::filter::Column::Subscription];
            seeds.push(SubscriptionRow {
                id: row.subscription.to_string(),
                name: (!label.eq_ignore_ascii_case(&row.subscription)).then(|| label.to_string()),
                clusters: 0,
                non_compliant: 0,
                unknown: 0,
                stale: 0,
                most_failed: None,
                fetched_at: None,
                error: None,
            });
            let i = (seeds.len() - 1) as u32;
            index.insert(row.subscription.to_string(), i);
            i
        })
        .collect();
    (seeds, group_of)
}

/// Groups the clusters in view (`visible`, indices into `rows`) by subscription, from
/// the `seeds` and each row's place among them (`group_of`). With nothing narrowing the
/// view, every subscription of the read is listed (also those with no clusters, or a
/// failed read); with a filter, only those with clusters in view. Subscriptions that
/// could not be read come first (nobody knows how they stand), then the least
/// compliant.
/// One subscription's counts over a share of the rows in view.
#[derive(Debug, Clone, Copy, Default)]
struct GroupCounts {
    clusters: u32,
    stale: u32,
    unknown: u32,
    non_compliant: u32,
    /// Per rule (its place in `Rule::ALL`), the clusters it fails on.
    failures: [u32; 8],
}

impl GroupCounts {
    fn add(&mut self, brief: &Brief) {
        self.clusters += 1;
        self.stale += u32::from(brief.stale());
        self.unknown += u32::from(brief.unknown());
        let mut rules = brief.failing_rules;
        self.non_compliant += u32::from(rules != 0);
        while rules != 0 {
            self.failures[rules.trailing_zeros() as usize] += 1;
            rules &= rules - 1;
        }
    }
}

pub fn subscription_rows(
    briefs: &[Brief],
    visible: &[usize],
    seeds: &[SubscriptionRow],
    group_of: &[u32],
    narrowed: bool,
) -> Vec<SubscriptionRow> {
    let mut out = seeds.to_vec();
    // Counted a share of the rows per core, each into its own small table.
    let tables = crate::par::ranges(visible.len(), |range| {
        let mut table = vec![GroupCounts::default(); out.len()];
        for &at in &visible[range] {
            if let Some(counts) = group_of.get(at).and_then(|&i| table.get_mut(i as usize)) {
                counts.add(&briefs[at]);
            }
        }
        table
    });
    let mut failures: Vec<[usize; 8]> = vec![[0; 8]; out.len()];
    for table in tables {
        for ((sub, failures), counts) in out.iter_mut().zip(&mut failures).zip(table) {
            sub.clusters += counts.clusters as usize;
            sub.stale += counts.stale as usize;
            sub.unknown += counts.unknown as usize;
            sub.non_compliant += counts.non_compliant as usize;
            for (total, n) in failures.iter_mut().zip(counts.failures) {
                *total += n as usize;
            }
        }
    }
    for (row, counts) in out.iter_mut().zip(failures) {
        row.most_failed = Rule::ALL
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .max_by_key(|(rule, n)| (*n, std::cmp::Reverse(**rule)))
            .map(|(rule, n)| (*rule, n));
    }
    if narrowed {
        out.retain(|r| r.clusters > 0);
    }
    out.sort_by(|a, b| {
        b.unread()
            .cmp(&a.unread())
            .then(a.compliant_percent().cmp(&b.compliant_percent()))
            .then(b.error.is_some().cmp(&a.error.is_some()))
            .then(
                a.name
                    .as_deref()
                    .unwrap_or(&a.id)
                    .cmp(b.name.as_deref().unwrap_or(&b.id)),
            )
    });
    out
}

/// One recorded read: how many clusters, how many non-compliant, and the node OS
/// channels, in the slots of [`NodeOsChannel::SUMMARY`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub at: OffsetDateTime,
    pub clusters: usize,
    pub non_compliant: usize,
    pub by_channel: [usize; 6],
}

impl TrendPoint {
    /// Non-compliant clusters as a share of all, in percent.
    pub fn non_compliant_percent(&self) -> usize {
        (self.non_compliant * 100).checked_div(self.clusters).unwrap_or(0)
    }
}

/// The trend over the recorded live reads of this fleet, oldest first; `loaded` once
/// the history was read (an effect, off the loop).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trend {
    pub points: Vec<TrendPoint>,
    pub loaded: bool,
}

/// The trend of a fleet's history, one point per record's tally.
pub fn trend(tallies: &[Tally]) -> Trend {
    let points = tallies
        .iter()
        .map(|tally| TrendPoint {
            at: tally.at,
            clusters: tally.clusters,
            non_compliant: tally.non_compliant,
            by_channel: tally.by_channel,
        })
        .collect();
    Trend { points, loaded: true }
}

/// The posture view's bars, computed when the clusters in view change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Posture {
    pub by_channel: Vec<(String, u64)>,
    pub by_minor: Vec<(String, u64)>,
    /// Age of each cluster's oldest node image, in buckets of days.
    pub by_image_age: Vec<(String, u64)>,
    /// Support left (LTS's on the LTS plan), in buckets of months.
    pub by_support_left: Vec<(String, u64)>,
}

/// The buckets of the support chart after `out`: a label and the most days in it.
pub const SUPPORT_LEFT: [(&str, i64); 5] = [
    ("<1 mo", 30),
    ("1-3 mo", 91),
    ("3-6 mo", 182),
    ("6-12 mo", 365),
    ("12+ mo", i64::MAX),
];

impl Posture {
    /// The bars of the clusters in view (`visible`, indices into `rows`), whose
    /// summary is `summary`; image ages are counted up to `today`.
    pub fn of(rows: &[Row], visible: &[usize], summary: &Summary, today: Date) -> Posture {
        let mut minors: std::collections::BTreeMap<(u64, u64), u64> = Default::default();
        let mut unknown_version = 0;
        const AGES: [(&str, i64); 6] = [
            ("≤7d", 7),
            ("8-30d", 30),
            ("31-60d", 60),
            ("61-90d", 90),
            ("91-180d", 180),
            (">180d", i64::MAX),
        ];
        let mut ages = [0u64; 7];
        // out, the buckets of SUPPORT_LEFT, unknown.
        let mut left = [0u64; SUPPORT_LEFT.len() + 2];
        for &index in visible {
            let row = &rows[index];
            let bucket = match (row.brief.support(), row.brief.days_left()) {
                (Some(SupportState::OutOfSupport), _) => 0,
                (Some(SupportState::Unknown) | None, _) | (_, None) => SUPPORT_LEFT.len() + 1,
                (_, Some(days)) => 1 + SUPPORT_LEFT.iter().position(|(_, most)| days <= *most).unwrap_or(0),
            };
            left[bucket] += 1;
            match &row.version {
                Some(v) => *minors.entry(v.minor_key()).or_default() += 1,
                None => unknown_version += 1,
            }
            let bucket = match row.oldest_image {
                Some(date) => {
                    let days = (today - date).whole_days();
                    AGES.iter().position(|(_, max)| days <= *max).unwrap_or(AGES.len() - 1)
                }
                None => AGES.len(),
            };
            ages[bucket] += 1;
        }
        let mut channel: Vec<(String, u64)> = NodeOsChannel::SUMMARY
            .iter()
            .zip(summary.by_channel)
            .map(|(name, n)| (name.to_string(), n as u64))
            .collect();
        if summary.other_channel() == 0 {
            channel.pop();
        }
        let mut by_minor: Vec<(String, u64)> = minors.into_iter().map(|((a, b), n)| (format!("{a}.{b}"), n)).collect();
        if unknown_version > 0 {
            by_minor.push(("unknown".into(), unknown_version));
        }
        let mut by_image_age: Vec<(String, u64)> = AGES.iter().map(|(n, _)| n.to_string()).zip(ages).collect();
        if ages[AGES.len()] > 0 {
            by_image_age.push(("unknown".into(), ages[AGES.len()]));
        }
        let mut by_support_left: Vec<(String, u64)> = std::iter::once("out")
            .chain(SUPPORT_LEFT.iter().map(|(n, _)| *n))
            .map(String::from)
            .zip(left)
            .collect();
        let unknown = left[SUPPORT_LEFT.len() + 1];
        if unknown > 0 {
            by_support_left.push(("unknown".into(), unknown));
        }
        Posture {
            by_channel: channel,
            by_minor,
            by_image_age,
            by_support_left,
        }
    }
}
