//! What is read about one cluster beyond the list: its maintenance configurations, its
//! upgrade profile (the versions the control plane and each pool can move to), each
//! pool's latest node image and whether its region still offers its version.
//!
//! They are read for the whole fleet after the list (the dashboard in the background,
//! `scan` and `remediate` unless `--no-details`) and kept in the cluster, so every view
//! and format judges the same data. A read stamps the cluster with when it ran
//! ([`DetailsRead`]); a part it could not get keeps the value an earlier read got (if
//! any), marked stale with that read's time and why the latest failed.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Atom, Cluster, MaintenanceConfig, SourceError};

/// A part of the details, read by requests of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DetailPart {
    Maintenance,
    UpgradeProfile,
    NodeImages,
    RegionVersions,
}

impl DetailPart {
    pub const ALL: [DetailPart; 4] = [
        DetailPart::Maintenance,
        DetailPart::UpgradeProfile,
        DetailPart::NodeImages,
        DetailPart::RegionVersions,
    ];

    /// What it is, for people: `the maintenance configurations`.
    pub fn label(self) -> &'static str {
        match self {
            DetailPart::Maintenance => "the maintenance configurations",
            DetailPart::UpgradeProfile => "the upgrade profile",
            DetailPart::NodeImages => "the latest node images",
            DetailPart::RegionVersions => "the region's Kubernetes versions",
        }
    }
}

/// One part the latest read could not get.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailFailure {
    pub part: DetailPart,
    pub code: String,
    pub message: String,
    /// When the value the cluster still holds for this part was read: stale, from an
    /// earlier read. `None` when no read ever got it.
    #[serde(
        default,
        with = "time::serde::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub kept_from: Option<OffsetDateTime>,
}

/// When a cluster's details were last read, and what that read could not get.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailsRead {
    /// When the read ran (whole seconds, as the snapshot stores it).
    #[serde(with = "time::serde::timestamp")]
    pub as_of: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<DetailFailure>,
}

impl DetailsRead {
    pub fn failure(&self, part: DetailPart) -> Option<&DetailFailure> {
        self.failed.iter().find(|f| f.part == part)
    }
}

/// A cluster's upgrade profile (`managedClusters/{name}/upgradeProfiles/default`): the
/// generally available versions the control plane can move to, and each pool's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpgradeProfile {
    pub control_plane: Vec<Atom>,
    /// By pool name.
    pub pools: Vec<(Atom, Vec<Atom>)>,
}

/// What one read of a cluster's details got, and what it could not get. `None` for a
/// part that failed (or, for the region's versions, a cluster without a version).
#[derive(Debug, Clone, Default)]
pub struct ClusterDetails {
    pub maintenance: Option<Vec<MaintenanceConfig>>,
    pub upgrades: Option<UpgradeProfile>,
    /// Each pool's latest available node image, by pool name.
    pub latest_images: Option<Vec<(Atom, Atom)>>,
    /// Whether the region still offers the cluster's minor version.
    pub version_supported: Option<bool>,
    /// The parts that could not be read, and why.
    pub failed: Vec<(DetailPart, SourceError)>,
}

impl ClusterDetails {
    /// Puts what was read into the cluster, so the rules and every view see it, and
    /// stamps it with `now`. A part that failed keeps the cluster's earlier value (from
    /// the snapshot), recorded as a failure with that value's time.
    pub fn apply(self, cluster: &mut Cluster, now: OffsetDateTime) {
        let earlier = cluster.details.take();
        let mut failed = Vec::new();
        for (part, error) in self.failed {
            if failed.iter().any(|f: &DetailFailure| f.part == part) {
                continue;
            }
            let kept_from = match earlier.as_deref() {
                _ if !holds(cluster, part) => None,
                // Failed before too: the value is as old as it was then.
                Some(before) => match before.failure(part) {
                    Some(failure) => failure.kept_from,
                    None => Some(before.as_of),
                },
                // Held, but never stamped: a snapshot from before details had times.
                None => None,
            };
            failed.push(DetailFailure {
                part,
                code: error.code.unwrap_or_else(|| "Error".to_string()),
                message: error.message,
                kept_from,
            });
        }
        failed.sort_by_key(|f| f.part);
        if let Some(maintenance) = self.maintenance {
            cluster.maintenance = Some(maintenance);
        }
        if let Some(profile) = self.upgrades {
            cluster.upgrades = Some(profile.control_plane.into());
            for pool in &mut cluster.pools {
                pool.upgrades = profile
                    .pools
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&pool.name))
                    .map(|(_, versions)| versions.as_slice().into());
            }
        }
        if let Some(latest) = self.latest_images {
            for pool in &mut cluster.pools {
                pool.latest_node_image_version = latest
                    .iter()
                    .find(|(name, _)| *name == pool.name)
                    .map(|(_, image)| image.clone());
            }
        }
        if !failed.iter().any(|f| f.part == DetailPart::RegionVersions) {
            cluster.version_supported_in_region = self.version_supported;
        }
        cluster.details = Some(std::sync::Arc::new(DetailsRead { as_of: now, failed }));
    }
}

/// Whether the cluster holds a value for `part` (from an earlier read).
fn holds(cluster: &Cluster, part: DetailPart) -> bool {
    match part {
        DetailPart::Maintenance => cluster.maintenance.is_some(),
        DetailPart::UpgradeProfile => cluster.upgrades.is_some(),
        DetailPart::NodeImages => cluster.pools.iter().any(|p| p.latest_node_image_version.is_some()),
        DetailPart::RegionVersions => cluster.version_supported_in_region.is_some(),
    }
}

/// Puts the details of `from` (an earlier read of the same cluster) into `into`, which
/// has none of its own yet: what a fresh list lacks until its details are read again.
/// The texts and versions are shared with `from`, not copied.
pub fn carry_details(from: &Cluster, into: &mut Cluster) {
    if into.details.is_some() || from.details.is_none() {
        return;
    }
    into.details.clone_from(&from.details);
    if into.maintenance.is_none() {
        into.maintenance.clone_from(&from.maintenance);
    }
    into.upgrades.clone_from(&from.upgrades);
    into.version_supported_in_region = from.version_supported_in_region;
    for pool in &mut into.pools {
        if let Some(old) = from.pools.iter().find(|p| p.name == pool.name) {
            pool.latest_node_image_version
                .clone_from(&old.latest_node_image_version);
            pool.upgrades.clone_from(&old.upgrades);
        }
    }
}

/// Whether a cluster just listed reads as `shown`, an earlier read of it with its
/// details: the same once `shown`'s details are carried into it (which they are,
/// either way), setting aside what the list puts in only later, the subscription's
/// name and the read's stamp. When it does, the listed copy can give way to `shown`.
pub fn lists_as(listed: &mut Cluster, shown: &Cluster) -> bool {
    carry_details(shown, listed);
    let name = match listed.subscription_name {
        None => std::mem::replace(&mut listed.subscription_name, shown.subscription_name.clone()),
        Some(_) => listed.subscription_name.clone(),
    };
    let as_of = std::mem::replace(&mut listed.as_of, shown.as_of);
    let same = *listed == *shown;
    listed.subscription_name = name;
    listed.as_of = as_of;
    same
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::model::fixtures::{cluster, maintenance, pool};

    fn error(code: &str) -> SourceError {
        SourceError {
            subscription_id: Some("s".into()),
            url: None,
            code: Some(code.into()),
            message: format!("{code} happened"),
        }
    }

    fn everything() -> ClusterDetails {
        ClusterDetails {
            maintenance: maintenance(&["aksManagedAutoUpgradeSchedule"]),
            upgrades: Some(UpgradeProfile {
                control_plane: vec!["1.34.7".into()],
                pools: vec![("system".into(), vec!["1.34.7".into()])],
            }),
            latest_images: Some(vec![(
                "system".into(),
                "AKSUbuntu-2204gen2containerd-202611.10.0".into(),
            )]),
            version_supported: Some(true),
            failed: Vec::new(),
        }
    }

    #[test]
    fn a_read_puts_every_part_in_and_stamps_the_time() {
        let mut c = cluster("s", "rg", "a");
        c.pools = vec![pool("system", "1.33.7")];
        let now = datetime!(2026-11-26 10:00 UTC);
        everything().apply(&mut c, now);
        assert_eq!(c.maintenance, maintenance(&["aksManagedAutoUpgradeSchedule"]));
        assert_eq!(c.upgrades.as_deref(), Some(&[Atom::from("1.34.7")][..]));
        assert_eq!(c.pools[0].upgrades.as_deref(), Some(&[Atom::from("1.34.7")][..]));
        assert_eq!(
            c.pools[0].latest_node_image_version.as_deref(),
            Some("AKSUbuntu-2204gen2containerd-202611.10.0")
        );
        assert_eq!(c.version_supported_in_region, Some(true));
        assert_eq!(
            c.details.as_deref(),
            Some(&DetailsRead {
                as_of: now,
                failed: vec![]
            })
        );
    }

    #[test]
    fn a_part_that_fails_keeps_the_last_good_value_marked_with_its_time() {
        let mut c = cluster("s", "rg", "a");
        c.pools = vec![pool("system", "1.33.7")];
        let first = datetime!(2026-11-20 10:00 UTC);
        everything().apply(&mut c, first);
        let second = datetime!(2026-11-26 10:00 UTC);
        ClusterDetails {
            maintenance: None,
            failed: vec![(DetailPart::Maintenance, error("AuthorizationFailed"))],
            ..everything()
        }
        .apply(&mut c, second);
        assert_eq!(
            c.maintenance,
            maintenance(&["aksManagedAutoUpgradeSchedule"]),
            "the last good value stays"
        );
        let read = c.details.as_deref().unwrap();
        assert_eq!(read.as_of, second);
        let failure = read.failure(DetailPart::Maintenance).unwrap();
        assert_eq!(failure.code, "AuthorizationFailed");
        assert_eq!(failure.kept_from, Some(first), "stale: from the first read");

        // Failing again: still the first read's value, still its time.
        let third = datetime!(2026-11-27 10:00 UTC);
        ClusterDetails {
            maintenance: None,
            failed: vec![(DetailPart::Maintenance, error("RateLimiting"))],
            ..everything()
        }
        .apply(&mut c, third);
        let failure = c.details.as_deref().unwrap().failure(DetailPart::Maintenance).cloned();
        assert_eq!(
            failure.map(|f| (f.code, f.kept_from)),
            Some(("RateLimiting".into(), Some(first)))
        );

        // A part never read has nothing to keep.
        let mut fresh = cluster("s", "rg", "b");
        ClusterDetails {
            failed: vec![(DetailPart::UpgradeProfile, error("NotFound"))],
            ..Default::default()
        }
        .apply(&mut fresh, third);
        let failure = fresh
            .details
            .as_deref()
            .unwrap()
            .failure(DetailPart::UpgradeProfile)
            .unwrap();
        assert_eq!(failure.kept_from, None);
        assert_eq!(fresh.upgrades, None);
    }

    #[test]
    fn details_carried_to_a_fresh_copy_of_the_cluster_come_whole_and_shared() {
        let mut old = cluster("s", "rg", "a");
        old.pools = vec![pool("system", "1.33.7")];
        everything().apply(&mut old, datetime!(2026-11-20 10:00 UTC));
        let mut fresh = cluster("s", "rg", "a");
        fresh.pools = vec![pool("system", "1.33.7")];
        carry_details(&old, &mut fresh);
        assert_eq!(fresh.maintenance, maintenance(&["aksManagedAutoUpgradeSchedule"]));
        assert_eq!(fresh.upgrades.as_deref(), Some(&[Atom::from("1.34.7")][..]));
        assert!(fresh.pools[0].latest_node_image_version.is_some());
        assert!(std::sync::Arc::ptr_eq(
            fresh.details.as_ref().unwrap(),
            old.details.as_ref().unwrap()
        ));
        assert!(std::sync::Arc::ptr_eq(
            fresh.upgrades.as_ref().unwrap(),
            old.upgrades.as_ref().unwrap()
        ));
    }

    #[test]
    fn a_listed_cluster_reads_as_its_earlier_read_until_a_listed_field_changes() {
        let mut shown = cluster("s", "rg", "a");
        shown.pools = vec![pool("system", "1.33.7")];
        everything().apply(&mut shown, datetime!(2026-11-20 10:00 UTC));
        shown.subscription_name = Some("Production".into());
        shown.as_of = Some(datetime!(2026-11-20 09:59 UTC));
        let listed = || {
            let mut listed = cluster("s", "rg", "a");
            listed.pools = vec![pool("system", "1.33.7")];
            listed.as_of = Some(datetime!(2026-11-21 10:00 UTC));
            listed
        };

        let mut same = listed();
        assert!(lists_as(&mut same, &shown), "the name and the stamp come later");
        assert_eq!(same.details, shown.details, "the details are carried in");
        assert_eq!(same.subscription_name, None);
        assert_eq!(same.as_of, Some(datetime!(2026-11-21 10:00 UTC)));

        let mut moved_on = listed();
        moved_on.pools[0].orchestrator_version = Some("1.34.7".into());
        assert!(!lists_as(&mut moved_on, &shown));
        assert_eq!(moved_on.maintenance, shown.maintenance, "carried in all the same");

        let mut rechanneled = listed();
        rechanneled.node_os_upgrade_channel = Some("None".into());
        assert!(!lists_as(&mut rechanneled, &shown));

        let mut stale = shown.clone();
        stale.stale = true;
        assert!(
            !lists_as(&mut listed(), &stale),
            "a stale copy is no copy of a fresh read"
        );
    }
}
