//! The details of a cluster: what is read about it after the list, with no request
//! made twice in one read.
//!
//! Per cluster: its maintenance configurations and its upgrade profile (the versions
//! its control plane and pools can move to). Per region, once per read: the Kubernetes
//! versions it offers. Per node image line in a region, once per read and not once per
//! pool: the latest image, from one pool's upgrade profile (the latest image is a
//! property of the region, the OS and its SKU; the line the pool runs, e.g.
//! `AKSUbuntu-2204gen2arm64containerd`, also tells arm64 and generation apart within a
//! SKU). The requests go into the read's one pool of workers (`read`), which starts a
//! cluster's as soon as its subscription's list is whole.
//!
//! Nothing here fails as a whole: each part that could not be read is reported with
//! the cluster it belongs to, and once per failed request for the read's errors. Names
//! from the API become URLs only through `path`, so a name that is no name is reported
//! and never requested.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::client::{ArmClient, ClientError};
use super::path::{self, ClusterRef, Path};
use super::read::FleetRead;
use crate::model::api::ARM_API_VERSION;
use crate::model::support::OfferedMinor;
use crate::model::{
    Atom, Cluster, ClusterDetails, DetailPart, MaintenanceConfig, Progress, RegionOffer, SourceError, UpgradeProfile,
    Version, node_image_line,
};

/// What a details phase read.
#[derive(Debug, Default)]
pub struct Details {
    /// Each cluster's details, in the order of the clusters given; `None` for a cluster
    /// whose details were not asked for (stale: its subscription could not be read).
    pub clusters: Vec<Option<ClusterDetails>>,
    /// What could not be read: one error per failed request, or per id that could not
    /// become a URL.
    pub errors: Vec<SourceError>,
    /// The requests the phase made (each counted once, whatever its retries).
    pub requests: usize,
    /// What each region read offers, by lower-case location (for the support calendar).
    pub regions: BTreeMap<String, RegionOffer>,
}

/// Reads the details of every cluster that is not stale, `concurrency` requests at a
/// time, reporting the phase's size and each request's end to `events`.
pub async fn read_details(
    client: Arc<ArmClient>,
    clusters: &[impl std::borrow::Borrow<Cluster>],
    concurrency: usize,
    events: Option<&UnboundedSender<Progress>>,
) -> Details {
    let mut read = FleetRead::for_clusters(
        client,
        clusters.iter().map(|c| c.borrow()),
        concurrency,
        events.cloned(),
    );
    let mut out: Vec<Option<ClusterDetails>> = (0..clusters.len()).map(|_| None).collect();
    while let Some(batch) = read.details(std::time::Duration::ZERO).await {
        for (at, details) in batch {
            out[at] = Some(details);
        }
    }
    let (errors, regions, requests) = read.finish();
    Details {
        clusters: out,
        errors,
        requests,
        regions,
    }
}

/// One request of the details phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ask {
    Maintenance,
    Profile,
    /// The latest image of one image line, from one pool's upgrade profile.
    Image,
    /// A region's Kubernetes versions.
    Region,
}

/// What a request got.
pub(super) enum Answer {
    Maintenance(Vec<MaintenanceConfig>),
    Profile(UpgradeProfile),
    Image(Option<Atom>),
    Region(RegionOffer),
}

/// Where a cluster is, for the URLs of its requests.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) subscription: Atom,
    group: Atom,
    name: Atom,
}

impl Place {
    pub(super) fn of(cluster: &Cluster) -> Place {
        Place {
            subscription: cluster.subscription_id.clone(),
            group: cluster.resource_group.clone(),
            name: cluster.name.clone(),
        }
    }

    /// The URL of one of the cluster's own requests.
    pub(super) fn own_url(&self, client: &ArmClient, ask: Ask) -> Result<Url, ClientError> {
        let at = ClusterRef::new(&self.subscription, &self.group, &self.name)?;
        let tail: &[&str] = match ask {
            Ask::Maintenance => &["maintenanceConfigurations"],
            _ => &["upgradeProfiles", "default"],
        };
        client.url(
            &Path::new(at.segments())
                .then(tail.iter().copied())
                .api_version(ARM_API_VERSION),
        )
    }

    /// The URL of one pool's upgrade profile.
    pub(super) fn pool_url(&self, client: &ArmClient, pool: &str) -> Result<Url, ClientError> {
        let at = ClusterRef::new(&self.subscription, &self.group, &self.name)?;
        let name = path::name("agent pool", pool)?;
        client.url(
            &Path::new(at.segments())
                .then(["agentPools", name, "upgradeProfiles", "default"])
                .api_version(ARM_API_VERSION),
        )
    }

    /// The URL of a region's Kubernetes versions, read in this cluster's subscription.
    pub(super) fn region_url(&self, client: &ArmClient, location: &str) -> Result<Url, ClientError> {
        let subscription = path::subscription(&self.subscription)?;
        let location = path::name("region", location)?;
        client.url(
            &Path::new([
                "subscriptions",
                subscription,
                "providers",
                "Microsoft.ContainerService",
                "locations",
                location,
                "kubernetesVersions",
            ])
            .api_version(ARM_API_VERSION),
        )
    }
}

/// (region, OS type, OS SKU, image line), each lower-cased but the line.
pub(super) type LineKey = (String, String, String, String);

/// The image line of each of a cluster's pools.
pub(super) fn line_keys(cluster: &Cluster) -> impl Iterator<Item = (&Atom, LineKey)> {
    let location = cluster.location.to_ascii_lowercase();
    cluster.pools.iter().map(move |pool| {
        let key = (
            location.clone(),
            pool.os_type.as_deref().unwrap_or_default().to_ascii_lowercase(),
            pool.os_sku.as_deref().unwrap_or_default().to_ascii_lowercase(),
            node_image_line(pool.node_image_version.as_deref().unwrap_or_default()).to_string(),
        );
        (&pool.name, key)
    })
}

/// The answers to a cluster's own two requests, as they come.
#[derive(Default)]
pub(super) struct Own {
    pub(super) maintenance: Option<Result<Vec<MaintenanceConfig>, SourceError>>,
    pub(super) profile: Option<Result<UpgradeProfile, SourceError>>,
}

impl Own {
    pub(super) fn complete(&self) -> bool {
        self.maintenance.is_some() && self.profile.is_some()
    }
}

/// A cluster's details from what was read for it: its own two requests (or why they
/// could not be made), each pool's latest image (or why its line could not be read),
/// and whether its region offers its minor (when it has a version to check).
pub(super) fn assemble(
    own: Result<Own, SourceError>,
    images: impl IntoIterator<Item = (Atom, Result<Option<Atom>, SourceError>)>,
    region: Option<Result<bool, SourceError>>,
) -> ClusterDetails {
    let mut details = ClusterDetails::default();
    match own {
        Err(err) => {
            details.failed.push((DetailPart::Maintenance, err.clone()));
            details.failed.push((DetailPart::UpgradeProfile, err));
        }
        Ok(own) => {
            match own.maintenance {
                Some(Ok(configs)) => details.maintenance = Some(configs),
                Some(Err(err)) => details.failed.push((DetailPart::Maintenance, err)),
                None => {}
            }
            match own.profile {
                Some(Ok(profile)) => details.upgrades = Some(profile),
                Some(Err(err)) => details.failed.push((DetailPart::UpgradeProfile, err)),
                None => {}
            }
        }
    }
    let mut latest = Vec::new();
    let mut image_failure = None;
    for (pool, image) in images {
        match image {
            Ok(Some(image)) => latest.push((pool, image)),
            Ok(None) => {}
            Err(err) => {
                image_failure.get_or_insert(err);
            }
        }
    }
    match image_failure {
        Some(err) => details.failed.push((DetailPart::NodeImages, err)),
        None => details.latest_images = Some(latest),
    }
    match region {
        Some(Ok(offered)) => details.version_supported = Some(offered),
        Some(Err(err)) => details.failed.push((DetailPart::RegionVersions, err)),
        None => {}
    }
    details
}

/// One request, its answer read into what the phase keeps.
pub(super) async fn ask(client: &ArmClient, ask: Ask, url: &Url) -> Result<Answer, ClientError> {
    let deadline = client.deadline();
    let malformed = |message: String| ClientError::Malformed {
        url: url.to_string(),
        message,
    };
    match ask {
        Ask::Maintenance => {
            let mut configs = Vec::new();
            client
                .get_pages(url.clone(), deadline, |items| {
                    configs.extend(items.iter().map(crate::import::maintenance_config));
                })
                .await?;
            Ok(Answer::Maintenance(configs))
        }
        Ask::Profile => {
            let value = client.get(url, deadline).await?;
            upgrade_profile(&value).map(Answer::Profile).map_err(malformed)
        }
        Ask::Image => {
            let value = client.get(url, deadline).await?;
            let latest = value
                .pointer("/properties/latestNodeImageVersion")
                .and_then(Value::as_str)
                .map(Atom::from);
            Ok(Answer::Image(latest))
        }
        Ask::Region => {
            let value = client.get(url, deadline).await?;
            let list: VersionList = serde_json::from_value(value).map_err(|e| malformed(e.to_string()))?;
            let minors = list
                .values
                .into_iter()
                .filter_map(|v| {
                    Some(OfferedMinor {
                        minor: Version::parse(&v.version)?.minor_key(),
                        plans: v.capabilities.map(|c| c.support_plan).unwrap_or_default(),
                        preview: v.is_preview.unwrap_or(false),
                    })
                })
                .collect();
            Ok(Answer::Region(RegionOffer { minors }))
        }
    }
}

#[derive(Deserialize)]
struct VersionList {
    #[serde(default)]
    values: Vec<VersionEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionEntry {
    version: String,
    #[serde(default)]
    is_preview: Option<bool>,
    #[serde(default)]
    capabilities: Option<Capabilities>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Capabilities {
    #[serde(default)]
    support_plan: Vec<String>,
}

/// `upgrades: [{kubernetesVersion, isPreview}]` as the generally available versions.
fn ga_versions(profile: &Value) -> Vec<Atom> {
    let mut versions: Vec<Atom> = profile
        .get("upgrades")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|u| u.get("isPreview").and_then(Value::as_bool) != Some(true))
        .filter_map(|u| u.get("kubernetesVersion").and_then(Value::as_str))
        .map(Atom::from)
        .collect();
    versions.sort_by(|a, b| match (Version::parse(a), Version::parse(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => a.cmp(b),
    });
    versions.dedup();
    versions
}

/// A cluster's upgrade profile: `properties.controlPlaneProfile` and `agentPoolProfiles`.
fn upgrade_profile(value: &Value) -> Result<UpgradeProfile, String> {
    let properties = value
        .get("properties")
        .ok_or("the upgrade profile has no `properties`")?;
    let control_plane = properties
        .get("controlPlaneProfile")
        .ok_or("the upgrade profile has no `properties.controlPlaneProfile`")?;
    let pools = properties
        .get("agentPoolProfiles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| Some((Atom::from(p.get("name")?.as_str()?), ga_versions(p))))
        .collect();
    Ok(UpgradeProfile {
        control_plane: ga_versions(control_plane),
        pools,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_profile_gives_the_generally_available_versions_in_order() {
        let value = serde_json::json!({
            "properties": {
                "controlPlaneProfile": {
                    "kubernetesVersion": "1.33.5",
                    "upgrades": [
                        {"kubernetesVersion": "1.34.10"},
                        {"kubernetesVersion": "1.33.10"},
                        {"kubernetesVersion": "1.34.7", "isPreview": false},
                        {"kubernetesVersion": "1.35.0", "isPreview": true}
                    ]
                },
                "agentPoolProfiles": [
                    {"name": "system", "kubernetesVersion": "1.33.5", "upgrades": [{"kubernetesVersion": "1.34.7"}]},
                    {"name": "user"}
                ]
            }
        });
        let profile = upgrade_profile(&value).unwrap();
        assert_eq!(profile.control_plane, ["1.33.10", "1.34.7", "1.34.10"]);
        assert_eq!(
            profile.pools,
            [
                (Atom::from("system"), vec![Atom::from("1.34.7")]),
                (Atom::from("user"), vec![])
            ]
        );
        let err = upgrade_profile(&serde_json::json!({"properties": {}})).unwrap_err();
        assert!(err.contains("controlPlaneProfile"), "{err}");
    }
}
