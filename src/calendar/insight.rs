//! aksradar's own insights into one cluster, from its outlook: support ending or
//! ended, an upgrade AKS may force, a failed scheduled upgrade, a window changed too
//! close to its start, and patches configured but not applied.
//!
//! Each says what is the matter and what to do. None is a PSRule finding: they never
//! change a verdict.

use std::collections::HashMap;

use time::{Duration, Time};

use super::Context;
use crate::model::window::Timing;
use crate::model::{
    AgentPool, Atom, Cluster, EventKind, EventStatus, Insight, InsightKind, NextWindow, Support, SupportState,
    UpgradeEvent, image_family, node_image_date,
};

/// The node OS channel's maintenance configuration.
const NODE_OS_SCHEDULE: &str = "aksManagedNodeOSUpgradeSchedule";

/// A configuration change this close to an occurrence may not be applied to it.
const CHANGE_LEAD: Duration = Duration::hours(24);

/// What a cluster's support says to do (support ending or ended, an upgrade AKS may
/// force): the same for every cluster with the same support, so worked out once.
pub(super) fn of_support(support: &Support, ctx: &Context) -> Vec<(InsightKind, Atom)> {
    let mut out = Vec::new();
    let warning = i64::from(ctx.settings.support_warning_days);
    match support.state {
        SupportState::OutOfSupport => out.push((
            InsightKind::OutOfSupport,
            format!("{} Upgrade to a supported minor version.", support.reason),
        )),
        SupportState::Ending => out.push((InsightKind::EolSoon, format!("{} Plan the upgrade.", support.reason))),
        SupportState::Lts if support.days_left.is_some_and(|d| d <= warning) => {
            out.push((InsightKind::EolSoon, format!("{} Plan the upgrade.", support.reason)));
        }
        _ => {}
    }
    if support.forced_upgrade {
        out.push((
            InsightKind::ForcedUpgrade,
            format!(
                "{} Upgrade it yourself, in a window you choose, before AKS does.",
                support.reason
            ),
        ));
    }
    out.into_iter().map(|(kind, message)| (kind, message.into())).collect()
}

/// A cluster's insights: those of its support (`of_support`) first, then its failed
/// upgrades, its windows changed too late and its stale images.
pub(super) fn insights(
    cluster: &Cluster,
    of_support: &[(InsightKind, Atom)],
    windows: Option<&[NextWindow]>,
    events: &[UpgradeEvent],
    ctx: &Context,
) -> Vec<Insight> {
    let mut out: Vec<Insight> = of_support
        .iter()
        .map(|(kind, message)| Insight {
            kind: *kind,
            message: message.clone(),
            subject: None,
        })
        .collect();
    let mut say = |kind: InsightKind, message: String, subject: Option<Atom>| {
        out.push(Insight {
            kind,
            message: message.into(),
            subject,
        });
    };
    for event in failed_upgrades(events) {
        let when = event
            .when()
            .map_or_else(|| "at an unknown time".to_string(), |t| format!("at {}", utc(t)));
        let details = event
            .details
            .as_deref()
            .map_or_else(String::new, |d| format!(": {}", d.trim_end_matches('.')));
        say(
            InsightKind::FailedUpgrade,
            format!(
                "The latest {} scheduled upgrade failed ({when}){details}. Check the cluster's activity log and fix the \
                 cause before its next window.",
                event.kind
            ),
            Some(event.event_id.clone().unwrap_or_else(|| event.id().into_owned().into())),
        );
    }
    for window in windows.unwrap_or_default() {
        if let (Some(next), Some(modified)) = (window.next, window.modified)
            && modified >= next.start - CHANGE_LEAD
            && modified < next.end
        {
            let before = next.start - modified;
            let when = if before.is_positive() {
                format!("{} h before it opens", before.whole_hours())
            } else {
                "while it was open".to_string()
            };
            say(
                InsightKind::WindowChanged,
                format!(
                    "{} changed at {}, {when} ({next}): AKS may not apply the change to this occurrence.",
                    window.name,
                    utc(modified)
                ),
                Some(window.name.clone()),
            );
        }
    }
    if cluster.node_os_channel().patches_automatically() {
        for (pool, message) in stale_images(cluster, ctx) {
            say(InsightKind::StaleImage, message, Some(pool.clone()));
        }
    }
    out
}

/// `2026-11-22 14:00 UTC`.
fn utc(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

/// The latest event of each kind that has happened, when it failed: one scheduled
/// after it has not gone through yet, so the failure stands until a later one does.
fn failed_upgrades(events: &[UpgradeEvent]) -> Vec<&UpgradeEvent> {
    let mut latest: HashMap<&EventKind, &UpgradeEvent> = HashMap::new();
    for event in events.iter().filter(|e| e.status != EventStatus::Scheduled) {
        let newer = latest.get(&event.kind).is_none_or(|seen| event.when() > seen.when());
        if newer {
            latest.insert(&event.kind, event);
        }
    }
    let mut failed: Vec<&UpgradeEvent> = latest
        .into_values()
        .filter(|e| e.status == EventStatus::Failed)
        .collect();
    failed.sort_by(|a, b| a.kind.cmp(&b.kind));
    failed
}

/// Pools whose image is more than the allowed age behind the latest for their region,
/// OS and SKU, although a node OS window has opened and closed since the latest came
/// out: (pool, message).
fn stale_images(cluster: &Cluster, ctx: &Context) -> Vec<(Atom, String)> {
    let Some(configs) = &cluster.maintenance else {
        // Unknown windows: it cannot be told whether one has passed.
        return Vec::new();
    };
    let window = configs.iter().find(|c| c.name.eq_ignore_ascii_case(NODE_OS_SCHEDULE));
    let timing: Option<&Timing> = match window {
        Some(config) => match config.schedule.as_ref().and_then(|s| s.timing.as_ref()) {
            Some(timing) => Some(timing),
            None => return Vec::new(),
        },
        // No node OS window: AKS may apply a new image at any time.
        None => None,
    };
    let max_age = i64::from(ctx.settings.node_image_max_age_days);
    let channel = cluster.node_os_channel();
    let mut out = Vec::new();
    for pool in &cluster.pools {
        let Some(image) = pool.node_image_version.as_deref() else {
            continue;
        };
        let Some((_, running)) = ctx.images.read(image) else {
            continue;
        };
        let Some((latest, latest_date, whose)) = latest_for(cluster, pool, image, ctx) else {
            continue;
        };
        let behind = (latest_date - running).whole_days();
        if behind <= max_age {
            continue;
        }
        let released = latest_date.with_time(Time::MIDNIGHT).assume_utc();
        let passed = match timing {
            Some(timing) => match timing.next_opening(released) {
                Some(o) if o.end <= ctx.now => format!("although the node OS window has opened since ({o})"),
                _ => continue,
            },
            None if ctx.now - released >= Duration::days(1) => {
                "although there is no node OS window to wait for".to_string()
            }
            None => continue,
        };
        out.push((
            pool.name.clone(),
            format!(
                "{} is configured, but pool '{}' runs {image} ({running}), {behind} days behind {whose} ({latest}, \
                 {latest_date}), {passed}: configured but not applied. Check the cluster's activity log for failed \
                 node image upgrades, or upgrade the pool's node image now.",
                channel.as_str(),
                pool.name
            ),
        ));
    }
    out
}

/// The latest image for the pool: what AKS offers it (its upgrade profile), else the
/// newest of its family that the fleet runs in its region.
fn latest_for(
    cluster: &Cluster,
    pool: &AgentPool,
    image: &str,
    ctx: &Context,
) -> Option<(String, time::Date, &'static str)> {
    if let Some(latest) = pool.latest_node_image_version.as_deref()
        && let Some((_, date)) = ctx.images.read(latest)
    {
        return Some((latest.to_string(), date, "the latest AKS offers it"));
    }
    let (family, _) = ctx.images.read(image)?;
    let (date, version) = ctx.images.newest(&cluster.location, family)?;
    Some((
        version.to_string(),
        date,
        "the newest of its family the fleet runs in its region",
    ))
}

/// The newest image by lower-case region, then image family: its date and version.
pub(super) type Newest = HashMap<String, HashMap<String, (time::Date, String)>>;

/// The fleet's node images: what each version says (its family and date, read once
/// per version: a fleet of 10,000 clusters runs a few dozen), and the newest per
/// region and family.
#[derive(Default)]
pub(super) struct Images {
    read: HashMap<String, Option<(String, time::Date)>>,
    newest: Newest,
}

impl Images {
    /// The images of `clusters`' pools, counting what AKS offers each pool too.
    pub(super) fn of<'a>(clusters: impl IntoIterator<Item = &'a Cluster>) -> Images {
        let mut images = Images::default();
        // A loaded fleet shares each text: a region and image seen together once are
        // not looked at again (texts read apart still count, only once more each).
        let mut seen: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        for cluster in clusters {
            for pool in &cluster.pools {
                for image in [&pool.node_image_version, &pool.latest_node_image_version]
                    .into_iter()
                    .flatten()
                {
                    if !seen.insert((cluster.location.as_ptr() as usize, image.as_ptr() as usize)) {
                        continue;
                    }
                    if !images.read.contains_key(image.as_str()) {
                        let read = image_family(image).zip(node_image_date(image));
                        images
                            .read
                            .insert(image.to_string(), read.map(|(f, d)| (f.to_string(), d)));
                    }
                    let Some((family, date)) = images.read[image.as_str()].as_ref() else {
                        continue;
                    };
                    let region = match images.newest.get_mut(cluster.location.as_str()) {
                        Some(region) => region,
                        None => images.newest.entry(cluster.location.to_ascii_lowercase()).or_default(),
                    };
                    match region.get_mut(family.as_str()) {
                        Some(seen) if *date > seen.0 => *seen = (*date, image.to_string()),
                        Some(_) => {}
                        None => {
                            region.insert(family.clone(), (*date, image.to_string()));
                        }
                    }
                }
            }
        }
        images
    }

    /// A version's family and date, when it has a date.
    pub(super) fn read<'s>(&'s self, version: &'s str) -> Option<(&'s str, time::Date)> {
        match self.read.get(version) {
            Some(read) => read.as_ref().map(|(family, date)| (family.as_str(), *date)),
            None => image_family(version).zip(node_image_date(version)),
        }
    }

    /// The newest image of `family` in `location` (any case).
    pub(super) fn newest(&self, location: &str, family: &str) -> Option<(time::Date, &str)> {
        let region = match self.newest.get(location) {
            Some(region) => region,
            None => self.newest.get(&location.to_ascii_lowercase())?,
        };
        region.get(family).map(|(date, version)| (*date, version.as_str()))
    }
}
