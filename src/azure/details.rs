//! The details phase: what is read about every cluster after the list, with no request
//! made twice.
//!
//! Per cluster: its maintenance configurations and its upgrade profile (the versions
//! its control plane and pools can move to). Per region, once per read: the Kubernetes
//! versions it offers. Per node image line in a region, once per read and not once per
//! pool: the latest image, from one pool's upgrade profile (the latest image is a
//! property of the region, the OS and its SKU; the line the pool runs, e.g.
//! `AKSUbuntu-2204gen2arm64containerd`, also tells arm64 and generation apart within a
//! SKU). Every request of the phase goes into one pool of `concurrency` workers, so
//! the phase takes about `requests / concurrency` round trips.
//!
//! Nothing here fails as a whole: each part that could not be read is reported with
//! the cluster it belongs to, and once per failed request for the read's errors. Names
//! from the API become URLs only through `path`, so a name that is no name is reported
//! and never requested.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::client::{ArmClient, ClientError};
use super::fleet::{in_pool, send, source_error};
use super::path::{self, ClusterRef, Path};
use crate::model::api::ARM_API_VERSION;
use crate::model::support::OfferedMinor;
use crate::model::{
    Atom, Cluster, ClusterDetails, DetailPart, MaintenanceConfig, Progress, RegionOffer, SourceError, UpgradeProfile,
    Version, node_image_line,
};

/// What the phase read.
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

/// One request of the phase.
#[derive(Debug)]
enum Ask {
    Maintenance,
    Profile,
    /// The latest image of one image line, from this pool's upgrade profile.
    Image,
    /// A region's Kubernetes versions.
    Region,
}

#[derive(Debug)]
struct Work {
    ask: Ask,
    url: Url,
    /// The subscription it reads in, for its error.
    subscription: String,
}

/// What a request got.
enum Answer {
    Maintenance(Vec<MaintenanceConfig>),
    Profile(UpgradeProfile),
    Image(Option<Atom>),
    Region(RegionOffer),
}

/// A read shared by many clusters (a region's versions, an image line's latest image):
/// the request that reads it, or why none could be made (yet).
#[derive(Default)]
struct Shared {
    work: Option<usize>,
    unbuildable: Option<SourceError>,
}

/// The plan: every request, and where each cluster's answers are.
#[derive(Default)]
struct Plan {
    work: Vec<Work>,
    /// Per cluster: its maintenance and profile requests, or why they could not be made.
    own: Vec<Option<Result<(usize, usize), SourceError>>>,
    /// Per cluster: its pools, each with its image line's index in `lines`.
    pools: Vec<Vec<(Atom, usize)>>,
    /// Per cluster: its region's index in `regions`, when it has a version to check.
    region: Vec<Option<usize>>,
    lines: Vec<Shared>,
    regions: Vec<Shared>,
    /// The lower-case location of each of `regions`.
    region_names: Vec<String>,
}

/// (region, OS type, OS SKU, image line), each lower-cased but the line.
type LineKey = (String, String, String, String);

impl Plan {
    fn of(client: &ArmClient, clusters: &[Cluster]) -> Plan {
        let mut plan = Plan::default();
        let mut lines: HashMap<LineKey, usize> = HashMap::new();
        let mut regions: HashMap<String, usize> = HashMap::new();
        for cluster in clusters {
            if cluster.stale {
                plan.own.push(None);
                plan.pools.push(Vec::new());
                plan.region.push(None);
                continue;
            }
            let sub = cluster.subscription_id.as_str();
            let at = ClusterRef::new(sub, &cluster.resource_group, &cluster.name);
            let own = at.map_err(ClientError::from).and_then(|at| {
                let maintenance = client.url(
                    &Path::new(at.segments())
                        .then(["maintenanceConfigurations"])
                        .api_version(ARM_API_VERSION),
                )?;
                let profile = client.url(
                    &Path::new(at.segments())
                        .then(["upgradeProfiles", "default"])
                        .api_version(ARM_API_VERSION),
                )?;
                Ok((maintenance, profile))
            });
            let own = match own {
                Ok((maintenance, profile)) => {
                    let maintenance = plan.push(Ask::Maintenance, maintenance, sub);
                    Ok((maintenance, plan.push(Ask::Profile, profile, sub)))
                }
                Err(err) => Err(source_error(Some(sub), &err)),
            };
            plan.own.push(Some(own));

            let mut pools = Vec::new();
            for pool in &cluster.pools {
                let key = (
                    cluster.location.to_ascii_lowercase(),
                    pool.os_type.as_deref().unwrap_or_default().to_ascii_lowercase(),
                    pool.os_sku.as_deref().unwrap_or_default().to_ascii_lowercase(),
                    node_image_line(pool.node_image_version.as_deref().unwrap_or_default()).to_string(),
                );
                let at_line = *lines.entry(key).or_insert_with(|| {
                    plan.lines.push(Shared::default());
                    plan.lines.len() - 1
                });
                if plan.lines[at_line].work.is_none() {
                    // The first pool of the line whose path can be built reads it for all.
                    let url = ClusterRef::new(sub, &cluster.resource_group, &cluster.name)
                        .and_then(|at| Ok((at, path::name("agent pool", &pool.name)?)))
                        .map_err(ClientError::from)
                        .and_then(|(at, name)| {
                            client.url(
                                &Path::new(at.segments())
                                    .then(["agentPools", name, "upgradeProfiles", "default"])
                                    .api_version(ARM_API_VERSION),
                            )
                        });
                    match url {
                        Ok(url) => plan.lines[at_line].work = Some(plan.push(Ask::Image, url, sub)),
                        Err(err) => plan.lines[at_line].unbuildable = Some(source_error(Some(sub), &err)),
                    }
                }
                pools.push((pool.name.clone(), at_line));
            }
            plan.pools.push(pools);

            let region = cluster.version().map(|_| {
                let location = cluster.location.to_ascii_lowercase();
                let at_region = *regions.entry(location.clone()).or_insert_with(|| {
                    plan.regions.push(Shared::default());
                    plan.region_names.push(location);
                    plan.regions.len() - 1
                });
                if plan.regions[at_region].work.is_none() {
                    let url = path::subscription(sub)
                        .and_then(|s| Ok((s, path::name("region", &cluster.location)?)))
                        .map_err(ClientError::from)
                        .and_then(|(s, location)| {
                            client.url(
                                &Path::new([
                                    "subscriptions",
                                    s,
                                    "providers",
                                    "Microsoft.ContainerService",
                                    "locations",
                                    location,
                                    "kubernetesVersions",
                                ])
                                .api_version(ARM_API_VERSION),
                            )
                        });
                    match url {
                        Ok(url) => plan.regions[at_region].work = Some(plan.push(Ask::Region, url, sub)),
                        Err(err) => plan.regions[at_region].unbuildable = Some(source_error(Some(sub), &err)),
                    }
                }
                at_region
            });
            plan.region.push(region);
        }
        plan
    }

    fn push(&mut self, ask: Ask, url: Url, subscription: &str) -> usize {
        self.work.push(Work {
            ask,
            url,
            subscription: subscription.to_string(),
        });
        self.work.len() - 1
    }
}

/// Reads the details of every cluster that is not stale, `concurrency` requests at a
/// time, reporting the phase's size and each request's end to `events`.
pub async fn read_details(
    client: Arc<ArmClient>,
    clusters: &[Cluster],
    concurrency: usize,
    events: Option<&UnboundedSender<Progress>>,
) -> Details {
    let mut plan = Plan::of(&client, clusters);
    let work = Arc::new(std::mem::take(&mut plan.work));
    send(events, Progress::Details { total: work.len() });
    let sender = events.cloned();
    let answers = in_pool(work.clone(), concurrency, move |work, index| {
        let (client, events) = (client.clone(), sender.clone());
        async move {
            let answer = ask(&client, &work[index]).await;
            send(
                events.as_ref(),
                Progress::Detail {
                    failed: answer.is_err(),
                },
            );
            answer
        }
    })
    .await;
    let answers: Vec<Result<Answer, ClientError>> = answers
        .into_iter()
        .zip(work.iter())
        .map(|(answer, work)| {
            answer.unwrap_or_else(|| {
                Err(ClientError::Transport {
                    url: work.url.to_string(),
                    message: "the read did not finish".into(),
                })
            })
        })
        .collect();
    assemble(clusters, &plan, &work, &answers)
}

/// One request, its answer read into what the phase keeps.
async fn ask(client: &ArmClient, work: &Work) -> Result<Answer, ClientError> {
    let deadline = client.deadline();
    let malformed = |message: String| ClientError::Malformed {
        url: work.url.to_string(),
        message,
    };
    match work.ask {
        Ask::Maintenance => {
            let mut configs = Vec::new();
            client
                .get_pages(work.url.clone(), deadline, |items| {
                    configs.extend(items.iter().map(crate::import::maintenance_config));
                })
                .await?;
            Ok(Answer::Maintenance(configs))
        }
        Ask::Profile => {
            let value = client.get(&work.url, deadline).await?;
            upgrade_profile(&value).map(Answer::Profile).map_err(malformed)
        }
        Ask::Image => {
            let value = client.get(&work.url, deadline).await?;
            let latest = value
                .pointer("/properties/latestNodeImageVersion")
                .and_then(Value::as_str)
                .map(Atom::from);
            Ok(Answer::Image(latest))
        }
        Ask::Region => {
            let value = client.get(&work.url, deadline).await?;
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

/// Each cluster's details from the answers, and the errors of the read.
fn assemble(clusters: &[Cluster], plan: &Plan, work: &[Work], answers: &[Result<Answer, ClientError>]) -> Details {
    let mut errors = Vec::new();
    // Each failed request and each URL that could not be built, once.
    for (work, answer) in work.iter().zip(answers) {
        if let Err(err) = answer {
            errors.push(source_error(Some(&work.subscription), err));
        }
    }
    for shared in plan.lines.iter().chain(&plan.regions) {
        if shared.work.is_none()
            && let Some(err) = &shared.unbuildable
        {
            errors.push(err.clone());
        }
    }
    for own in plan.own.iter().flatten() {
        if let Err(err) = own {
            errors.push(err.clone());
        }
    }

    let failure = |shared: &Shared, cluster: &Cluster| -> Option<SourceError> {
        let sub = Some(cluster.subscription_id.as_str());
        match shared.work.map(|w| &answers[w]) {
            Some(Err(err)) => Some(source_error(sub, err)),
            Some(Ok(_)) => None,
            None => Some(shared.unbuildable.clone().unwrap_or_else(|| SourceError {
                subscription_id: sub.map(String::from),
                url: None,
                code: Some("NotRead".into()),
                message: "no request could be made for it".into(),
            })),
        }
    };
    let mut out = Vec::with_capacity(clusters.len());
    for (i, cluster) in clusters.iter().enumerate() {
        let Some(own) = &plan.own[i] else {
            out.push(None);
            continue;
        };
        let sub = Some(cluster.subscription_id.as_str());
        let mut details = ClusterDetails::default();
        match own {
            Ok((maintenance, profile)) => {
                match &answers[*maintenance] {
                    Ok(Answer::Maintenance(configs)) => details.maintenance = Some(configs.clone()),
                    Ok(_) => {}
                    Err(err) => details.failed.push((DetailPart::Maintenance, source_error(sub, err))),
                }
                match &answers[*profile] {
                    Ok(Answer::Profile(profile)) => details.upgrades = Some(profile.clone()),
                    Ok(_) => {}
                    Err(err) => details
                        .failed
                        .push((DetailPart::UpgradeProfile, source_error(sub, err))),
                }
            }
            Err(err) => {
                details.failed.push((DetailPart::Maintenance, err.clone()));
                details.failed.push((DetailPart::UpgradeProfile, err.clone()));
            }
        }
        let mut images = Vec::new();
        let mut image_failure = None;
        for (pool, line) in &plan.pools[i] {
            let shared = &plan.lines[*line];
            match failure(shared, cluster) {
                Some(err) => {
                    image_failure.get_or_insert(err);
                }
                None => {
                    if let Some(Ok(Answer::Image(Some(latest)))) = shared.work.map(|w| &answers[w]) {
                        images.push((pool.clone(), latest.clone()));
                    }
                }
            }
        }
        match image_failure {
            Some(err) => details.failed.push((DetailPart::NodeImages, err)),
            None => details.latest_images = Some(images),
        }
        if let (Some(region), Some(version)) = (plan.region[i], cluster.version()) {
            let shared = &plan.regions[region];
            match failure(shared, cluster) {
                Some(err) => details.failed.push((DetailPart::RegionVersions, err)),
                None => {
                    if let Some(Ok(Answer::Region(offer))) = shared.work.map(|w| &answers[w]) {
                        details.version_supported = Some(offer.find(version.minor_key()).is_some());
                    }
                }
            }
        }
        out.push(Some(details));
    }
    let regions = plan
        .region_names
        .iter()
        .zip(&plan.regions)
        .filter_map(|(name, shared)| match shared.work.map(|w| &answers[w]) {
            Some(Ok(Answer::Region(offer))) => Some((name.clone(), offer.clone())),
            _ => None,
        })
        .collect();
    Details {
        clusters: out,
        errors,
        requests: work.len(),
        regions,
    }
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
