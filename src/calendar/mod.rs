//! The upgrade calendar of every cluster: the support state of its minor, the next
//! occurrence of each of its maintenance windows, its scheduled upgrade events, and
//! aksradar's own insights (stale images, support ending or ended, forced upgrades,
//! failed upgrades, windows changed too late).
//!
//! Pure: the instant to count from, the support calendar, what each region offers and
//! the events are passed in ([`Context`]). [`annotate`] puts each cluster's
//! [`Outlook`] into its `Assessed`, after the rules ran; nothing here touches a
//! finding, a verdict or a conformance run.

mod insight;
mod support;

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;

use crate::config::InsightsConfig;
use crate::model::{Assessed, Cluster, Insight, NextWindow, Outlook, RegionOffer, SupportCalendar, UpgradeEvent};
use crate::text::NoCase;

pub use support::support;

/// What the outlooks are worked out from.
pub struct Context<'a> {
    /// The instant to count from (the scan's clock).
    pub now: OffsetDateTime,
    pub calendar: &'a SupportCalendar,
    /// What each region offers, by lower-case location.
    pub regions: &'a BTreeMap<String, RegionOffer>,
    pub settings: &'a InsightsConfig,
    /// Each cluster's events, newest first, by lower-case cluster id; `None` when none
    /// were read. Borrowed: each outlook copies only its own.
    events: Option<HashMap<String, Vec<&'a UpgradeEvent>>>,
    /// The fleet's node images: each version read once, the newest per region and family.
    images: insight::Images,
}

impl<'a> Context<'a> {
    /// A context for `fleet` (the whole read, before any filter: the newest images are
    /// the fleet's), with the events read, if any.
    pub fn new(
        now: OffsetDateTime,
        calendar: &'a SupportCalendar,
        regions: &'a BTreeMap<String, RegionOffer>,
        events: Option<&'a [UpgradeEvent]>,
        settings: &'a InsightsConfig,
        fleet: &[Assessed],
    ) -> Context<'a> {
        let events = events.map(|events| {
            let mut by_cluster: HashMap<String, Vec<&UpgradeEvent>> = HashMap::new();
            for event in events {
                by_cluster
                    .entry(event.cluster_id.to_ascii_lowercase())
                    .or_default()
                    .push(event);
            }
            for list in by_cluster.values_mut() {
                list.sort_by(|a, b| newest_first(a, b));
            }
            by_cluster
        });
        Context {
            now,
            calendar,
            regions,
            settings,
            events,
            images: insight::Images::of(fleet.iter().map(|a| &*a.cluster)),
        }
    }
}

/// Works out every cluster's outlook and puts it into its `Assessed`.
pub fn annotate(fleet: &mut [Assessed], ctx: &Context) {
    crate::par::each_mut(fleet, Memo::default, |memo, _, item| {
        let events = own_events(&item.cluster, ctx);
        item.outlook = Some(Box::new(outlook_memo(&item.cluster, ctx, events, memo)));
    });
}

/// What clusters of the same minor version, region, support plan and tier share: their
/// support and what it says to do, worked out once (per thread) instead of per cluster,
/// and its texts shared.
#[derive(Default)]
pub struct Memo {
    support: HashMap<
        SupportKey,
        (
            crate::model::Support,
            Vec<(crate::model::InsightKind, crate::model::Atom)>,
        ),
    >,
}

type SupportKey = (
    Option<crate::model::support::Minor>,
    crate::model::Atom,
    Option<crate::model::Atom>,
    Option<crate::model::Atom>,
);

/// Works out every cluster's outlook as `annotate` does, handing each cluster its own
/// `events` (moved, not copied): for a holder that keeps the events only in the
/// outlooks. `ctx`'s own events are not used.
pub fn annotate_with_events(fleet: &mut [Assessed], ctx: &Context, events: Option<Vec<UpgradeEvent>>) {
    // Each cluster's own are handed to it first (an event of a cluster not read goes
    // nowhere); the outlooks are then worked out over the cores.
    let mut mine: Vec<Option<Vec<UpgradeEvent>>> = vec![events.as_ref().map(|_| Vec::new()); fleet.len()];
    if let Some(events) = events {
        let mut at: HashMap<NoCase<'_>, usize> = HashMap::with_capacity(fleet.len());
        for (i, item) in fleet.iter().enumerate() {
            at.entry(NoCase(&item.cluster.id)).or_insert(i);
        }
        let places: Vec<Option<usize>> = events.iter().map(|e| at.get(&NoCase(&e.cluster_id)).copied()).collect();
        drop(at);
        // Each list made its exact size: grown one event at a time, a list of one
        // would hold room for four (a fleet's events twice over).
        let mut counts = vec![0usize; fleet.len()];
        for &place in places.iter().flatten() {
            counts[place] += 1;
        }
        for (list, count) in mine.iter_mut().zip(counts) {
            if let Some(list) = list {
                list.reserve_exact(count);
            }
        }
        for (event, place) in events.into_iter().zip(places) {
            if let Some(list) = place.and_then(|i| mine[i].as_mut()) {
                list.push(event);
            }
        }
        for list in mine.iter_mut().flatten() {
            list.sort_by(newest_first);
        }
    }
    let mut work: Vec<(&mut Assessed, Option<Vec<UpgradeEvent>>)> = fleet.iter_mut().zip(mine).collect();
    crate::par::each_mut(&mut work, Memo::default, |memo, _, (item, mine)| {
        item.outlook = Some(Box::new(outlook_memo(&item.cluster, ctx, mine.take(), memo)));
    });
}

/// Events newest first (by when they last moved), then by id.
fn newest_first(a: &UpgradeEvent, b: &UpgradeEvent) -> std::cmp::Ordering {
    b.when().cmp(&a.when()).then_with(|| a.id().cmp(&b.id()))
}

/// One cluster's outlook.
pub fn outlook(cluster: &Cluster, ctx: &Context) -> Outlook {
    outlook_with(cluster, ctx, own_events(cluster, ctx))
}

/// A copy of the cluster's events in `ctx`, when it has any.
fn own_events(cluster: &Cluster, ctx: &Context) -> Option<Vec<UpgradeEvent>> {
    ctx.events.as_ref().map(|by_cluster| {
        by_cluster
            .get(&cluster.id.to_ascii_lowercase())
            .map(|mine| mine.iter().map(|&e| e.clone()).collect())
            .unwrap_or_default()
    })
}

/// One cluster's outlook with its events (newest first; `None`: not read).
pub fn outlook_with(cluster: &Cluster, ctx: &Context, events: Option<Vec<UpgradeEvent>>) -> Outlook {
    outlook_memo(cluster, ctx, events, &mut Memo::default())
}

/// `outlook_with`, the support looked up in `memo` first.
fn outlook_memo(cluster: &Cluster, ctx: &Context, events: Option<Vec<UpgradeEvent>>, memo: &mut Memo) -> Outlook {
    let key = (
        cluster.version().map(|v| v.minor_key()),
        cluster.location.clone(),
        cluster.support_plan.clone(),
        cluster.sku_tier.clone(),
    );
    let (support, of_support) = memo
        .support
        .entry(key)
        .or_insert_with(|| {
            let region = ctx.regions.get(&cluster.location.to_ascii_lowercase());
            let support = support(
                cluster,
                ctx.calendar,
                region,
                ctx.now.date(),
                ctx.settings.support_warning_days,
            );
            let of_support = insight::of_support(&support, ctx);
            (support, of_support)
        })
        .clone();
    let windows = cluster.maintenance.as_ref().map(|configs| {
        configs
            .iter()
            .map(|config| {
                let schedule = config.schedule.as_ref();
                NextWindow {
                    name: config.name.clone(),
                    next: schedule.and_then(|s| s.timing.as_ref()).and_then(|t| t.next(ctx.now)),
                    problem: schedule.and_then(|s| s.problem.clone()),
                    modified: schedule.and_then(|s| s.modified),
                }
            })
            .collect::<Vec<_>>()
    });
    let insights = insight::insights(
        cluster,
        &of_support,
        windows.as_deref(),
        events.as_deref().unwrap_or_default(),
        ctx,
    );
    Outlook {
        at: ctx.now,
        support,
        windows,
        events,
        insights,
    }
}

/// Every insight of the fleet, cluster by cluster.
pub fn insights(fleet: &[Assessed]) -> impl Iterator<Item = (&Cluster, &Insight)> {
    fleet.iter().flat_map(|a| {
        a.outlook
            .iter()
            .flat_map(|o| o.insights.iter().map(|i| (&*a.cluster, i)))
    })
}

#[cfg(test)]
mod tests;
