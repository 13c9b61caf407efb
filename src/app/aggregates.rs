//! What the subscriptions and posture views show: the clusters grouped by subscription,
//! and the bars of the posture charts. Both are worked out when the data or the view
//! changes, never while drawing.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use super::rows::Row;
use crate::model::{Assessed, NodeOsChannel, Rule, SubscriptionState, Summary};

/// One row of the subscriptions view.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    pub id: String,
    pub name: Option<String>,
    pub clusters: usize,
    pub non_compliant: usize,
    /// The rule that fails on the most clusters, and on how many.
    pub worst: Option<(Rule, usize)>,
    /// When its clusters were last read (live data).
    pub fetched_at: Option<OffsetDateTime>,
    /// Why its latest read failed.
    pub error: Option<String>,
}

impl SubscriptionRow {
    /// Compliant clusters as a share of all, in percent; 100 for none.
    pub fn compliant_percent(&self) -> usize {
        ((self.clusters - self.non_compliant) * 100)
            .checked_div(self.clusters)
            .unwrap_or(100)
    }
}

/// Groups the clusters by subscription, keeping every subscription of the read (also
/// those with no clusters or a failed read), ordered by least compliant first.
pub fn subscription_rows(fleet: &[Assessed], subscriptions: &[SubscriptionState]) -> Vec<SubscriptionRow> {
    let mut rows: Vec<SubscriptionRow> = subscriptions
        .iter()
        .map(|s| SubscriptionRow {
            id: s.id.clone(),
            name: s.name.clone(),
            clusters: 0,
            non_compliant: 0,
            worst: None,
            fetched_at: s.fetched_at,
            error: s
                .error
                .as_ref()
                .map(|e| format!("{}: {}", e.code.as_deref().unwrap_or("error"), e.message)),
        })
        .collect();
    let mut index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_ascii_lowercase(), i))
        .collect();
    let mut failures: Vec<HashMap<Rule, usize>> = vec![HashMap::new(); rows.len()];
    for item in fleet {
        let c = &item.cluster;
        let key = c.subscription_id.to_ascii_lowercase();
        let at = *index.entry(key).or_insert_with(|| {
            rows.push(SubscriptionRow {
                id: c.subscription_id.clone(),
                name: c.subscription_name.clone(),
                clusters: 0,
                non_compliant: 0,
                worst: None,
                fetched_at: None,
                error: None,
            });
            failures.push(HashMap::new());
            rows.len() - 1
        });
        let row = &mut rows[at];
        row.clusters += 1;
        if row.name.is_none() {
            row.name = c.subscription_name.clone();
        }
        let mut failing = false;
        for finding in item.failing() {
            failing = true;
            *failures[at].entry(finding.rule).or_default() += 1;
        }
        if failing {
            row.non_compliant += 1;
        }
    }
    for (row, counts) in rows.iter_mut().zip(failures) {
        row.worst = counts
            .into_iter()
            .max_by_key(|(rule, n)| (*n, std::cmp::Reverse(*rule)));
    }
    rows.sort_by(|a, b| {
        a.compliant_percent()
            .cmp(&b.compliant_percent())
            .then(b.error.is_some().cmp(&a.error.is_some()))
            .then(
                a.name
                    .as_deref()
                    .unwrap_or(&a.id)
                    .cmp(b.name.as_deref().unwrap_or(&b.id)),
            )
    });
    rows
}

/// The posture view's bars, computed when the clusters in view change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Posture {
    pub by_channel: Vec<(String, u64)>,
    pub by_minor: Vec<(String, u64)>,
    /// Age of each cluster's oldest node image, in buckets of days.
    pub by_image_age: Vec<(String, u64)>,
}

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
        for &index in visible {
            let row = &rows[index];
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
        Posture {
            by_channel: channel,
            by_minor,
            by_image_age,
        }
    }
}
