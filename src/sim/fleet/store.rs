//! The store: the generated fleet as it is kept, and replays of its clusters.
//!
//! A cluster keeps only what finds it and replays it (`ClusterRecord`): its id,
//! the number at the end of its name, and the state of its subscription's random
//! stream where its draws began. `generate` draws every cluster once to learn
//! those; every later read draws it again from there (`replay`), which gives the
//! same values and so the same bytes.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::catalogue::{
    Offer, REGIONS, available_upgrades, kubernetes_versions_body, offers, parse_version, region_index,
};
use super::draw::{ClusterContext, ClusterDetails, DrawnCluster, SubscriptionProfile, draw_cluster};
use super::maintenance::maintenance_configurations;
use crate::sim::options::SimOptions;
use crate::sim::rng::Rng;

/// The subscription and its generated content.
#[derive(Debug, Clone)]
pub struct SimSubscription {
    /// The subscription GUID (not the `/subscriptions/...` resource id).
    pub id: String,
    pub display_name: String,
    pub tenant_id: String,
    /// Always `Enabled`: the simulator models missing roles with `forbidden`, not with disabled subscriptions.
    pub state: String,
    /// The clusters, in list order: each one's id and where its random draws began.
    pub(super) records: Vec<ClusterRecord>,
    profile: SubscriptionProfile,
    seed: u64,
    /// The fleet-wide position of the first cluster.
    first_global: usize,
}

/// What a cluster keeps: enough to find it and to replay it.
#[derive(Debug, Clone)]
pub(super) struct ClusterRecord {
    /// As in its JSON (`/subscriptions/.../resourcegroups/...`).
    pub(super) id: Box<str>,
    /// The subscription's random stream just before the cluster's first draw.
    start: Rng,
    /// The number at the end of its name (`aks-payments-prod-weu-03`).
    number: u32,
}

impl SimSubscription {
    /// The object `GET /subscriptions` lists.
    pub fn to_json(&self) -> Value {
        json!({
            "id": format!("/subscriptions/{}", self.id),
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "tags": {},
            "subscriptionId": self.id,
            "tenantId": self.tenant_id,
            "displayName": self.display_name,
            "state": self.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": self.profile.quota_id,
                "spendingLimit": "Off",
            },
        })
    }

    /// How many clusters the subscription holds.
    pub fn cluster_count(&self) -> usize {
        self.records.len()
    }

    /// The indices of the clusters, optionally only those of one resource group
    /// (ignoring case), in list order.
    pub fn clusters_in(&self, resource_group: Option<&str>) -> Vec<usize> {
        self.records
            .iter()
            .enumerate()
            .filter(|(_, r)| resource_group.is_none_or(|want| group_of(&r.id).eq_ignore_ascii_case(want)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The ids of the clusters, in list order.
    pub fn cluster_ids(&self) -> impl Iterator<Item = &str> {
        self.records.iter().map(|r| &*r.id)
    }

    /// The full ARM `ManagedCluster` object of cluster `index`, replayed from its random stream.
    pub fn cluster(&self, index: usize) -> Option<Value> {
        // Plain structs of strings, numbers and booleans always serialise.
        self.cluster_object(index)
            .and_then(|object| serde_json::to_value(object).ok())
    }

    /// Cluster `index` as compact JSON, the bytes ARM bodies hold.
    pub fn cluster_json(&self, index: usize) -> Option<Box<RawValue>> {
        self.cluster_object(index)
            .and_then(|object| serde_json::value::to_raw_value(&object).ok())
    }

    /// Cluster `index`, replayed, ready to be written straight into a body (no `Value` tree).
    pub fn cluster_object(&self, index: usize) -> Option<impl Serialize + '_> {
        self.replay(index).map(|(drawn, _)| drawn.object)
    }

    /// Every cluster, in list order (a replay per item: for tests and tools).
    pub fn cluster_values(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.records.len()).filter_map(|i| self.cluster(i))
    }

    /// The resource group of cluster `index`.
    pub fn resource_group_of(&self, index: usize) -> Option<&str> {
        self.records.get(index).map(|r| group_of(&r.id))
    }

    /// The maintenance configurations and pool upgrade profiles of cluster `index`,
    /// replayed from its random stream.
    pub fn details(&self, index: usize) -> Option<ClusterDetails> {
        let (drawn, mut rng) = self.replay(index)?;
        Some(drawn.details(&mut rng))
    }

    /// Cluster `index` drawn again from where its draws began, and the stream after
    /// the cluster's own draws (where its maintenance configurations' begin).
    fn replay(&self, index: usize) -> Option<(DrawnCluster<'_>, Rng)> {
        let record = self.records.get(index)?;
        let ctx = ClusterContext {
            seed: self.seed,
            global: self.first_global + index,
            subscription_id: &self.id,
            tenant_id: &self.tenant_id,
            profile: &self.profile,
        };
        let mut rng = record.start.clone();
        let drawn = draw_cluster(&ctx, &mut rng, |_| record.number);
        Some((drawn, rng))
    }
}

/// The resource group segment of a cluster id.
fn group_of(id: &str) -> &str {
    id.split('/').nth(4).unwrap_or_default()
}

/// A whole simulated fleet.
#[derive(Debug, Clone)]
pub struct SimFleet {
    pub tenant_id: String,
    /// The object id of the caller, as named in throttling and authorization messages.
    pub client_object_id: String,
    pub subscriptions: Vec<SimSubscription>,
    /// `GET .../locations/{location}/kubernetesVersions` bodies, by location name.
    pub kubernetes_versions: BTreeMap<String, Value>,
    forbidden_count: usize,
    /// `sub/rg/name` in lower case -> (subscription index, cluster index).
    index: HashMap<String, (usize, usize)>,
    /// `sub/rg` in lower case.
    groups: HashSet<String>,
    /// Subscription id in lower case -> index: every request looks its subscription up.
    by_subscription: HashMap<String, usize>,
}

impl SimFleet {
    pub fn generate(options: &SimOptions) -> SimFleet {
        let seed = options.seed;
        let mut top = Rng::derive(seed, 0);
        let tenant_id = top.guid();
        let client_object_id = top.guid();
        let kubernetes_versions = REGIONS
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.to_string(), kubernetes_versions_body(i)))
            .collect();

        // Subscriptions draw from their own streams, so they can be generated side by
        // side and still come out the same: a 10,000-cluster fleet is mostly malloc.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = options.subscriptions.div_ceil(threads).max(1);
        let subscriptions: Vec<SimSubscription> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..options.subscriptions)
                .step_by(chunk)
                .map(|first| {
                    let tenant_id = &tenant_id;
                    let last = (first + chunk).min(options.subscriptions);
                    scope.spawn(move || {
                        (first..last)
                            .map(|s| generate_subscription(options, s, tenant_id))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });

        let mut index = HashMap::with_capacity(options.subscriptions * options.clusters_per_subscription);
        let mut groups = HashSet::new();
        for (s, sub) in subscriptions.iter().enumerate() {
            for (c, id) in sub.cluster_ids().enumerate() {
                let group = group_of(id);
                let name = id.rsplit('/').next().unwrap_or_default();
                index.insert(format!("{}/{group}/{name}", sub.id).to_ascii_lowercase(), (s, c));
                groups.insert(format!("{}/{group}", sub.id).to_ascii_lowercase());
            }
        }
        let by_subscription = subscriptions
            .iter()
            .enumerate()
            .map(|(s, sub)| (sub.id.to_ascii_lowercase(), s))
            .collect();
        SimFleet {
            tenant_id,
            client_object_id,
            by_subscription,
            forbidden_count: options.forbidden_subscriptions.min(subscriptions.len()),
            subscriptions,
            kubernetes_versions,
            index,
            groups,
        }
    }

    pub fn cluster_count(&self) -> usize {
        self.subscriptions.iter().map(SimSubscription::cluster_count).sum()
    }

    /// Every cluster's compact JSON, subscription by subscription (a replay per item).
    pub fn clusters(&self) -> impl Iterator<Item = Box<RawValue>> + '_ {
        self.subscriptions
            .iter()
            .flat_map(|s| (0..s.cluster_count()).filter_map(|i| s.cluster_json(i)))
    }

    /// Every cluster, subscription by subscription (a replay per item).
    pub fn cluster_values(&self) -> impl Iterator<Item = Value> + '_ {
        self.subscriptions.iter().flat_map(SimSubscription::cluster_values)
    }

    /// Whether the caller lacks a role on this subscription (the last K of the list).
    pub fn forbidden(&self, sub_id: &str) -> bool {
        self.subscription_index(sub_id)
            .is_some_and(|i| i >= self.subscriptions.len() - self.forbidden_count)
    }

    /// Subscriptions the caller can read resources in.
    pub fn readable_subscriptions(&self) -> impl Iterator<Item = &SimSubscription> {
        self.subscriptions
            .iter()
            .take(self.subscriptions.len() - self.forbidden_count)
    }

    pub fn subscription_index(&self, sub_id: &str) -> Option<usize> {
        self.by_subscription.get(&sub_id.to_ascii_lowercase()).copied()
    }

    pub fn subscription(&self, sub_id: &str) -> Option<&SimSubscription> {
        self.subscription_index(sub_id).map(|i| &self.subscriptions[i])
    }

    pub fn resource_group_exists(&self, sub_id: &str, resource_group: &str) -> bool {
        self.groups
            .contains(&format!("{sub_id}/{resource_group}").to_ascii_lowercase())
    }

    /// The subscription and the cluster's index in it, names matched ignoring case.
    pub fn find_cluster(&self, sub_id: &str, resource_group: &str, name: &str) -> Option<(&SimSubscription, usize)> {
        self.cluster_key(sub_id, resource_group, name)
            .map(|(s, c)| (&self.subscriptions[s], c))
    }

    /// The cluster's (subscription index, cluster index), names matched ignoring case.
    pub fn cluster_key(&self, sub_id: &str, resource_group: &str, name: &str) -> Option<(usize, usize)> {
        let key = format!("{sub_id}/{resource_group}/{name}").to_ascii_lowercase();
        self.index.get(&key).copied()
    }

    /// The kubernetesVersions body of a location (`westeurope`, or `West Europe`).
    pub fn kubernetes_versions_for(&self, location: &str) -> Option<&Value> {
        let region = region_index(location)?;
        self.kubernetes_versions.get(REGIONS[region].name)
    }

    /// The minors a location offers, oldest first (what its kubernetesVersions lists).
    pub fn offers(&self, location: &str) -> Option<Vec<Offer>> {
        region_index(location).map(offers)
    }

    /// The `upgrades` of an upgrade profile for `current` (a full version) in
    /// `location`: `[{"kubernetesVersion": ...}, ...]`, empty when there are none.
    pub fn upgrades(&self, location: &str, current: &str) -> Vec<Value> {
        match (region_index(location), parse_version(current)) {
            (Some(region), Some(version)) => available_upgrades(region, version),
            _ => Vec::new(),
        }
    }

    /// The locations the simulator knows, for error messages.
    pub fn locations(&self) -> impl Iterator<Item = &str> {
        self.kubernetes_versions.keys().map(String::as_str)
    }
}

/// Subscription `s` and its clusters.
fn generate_subscription(options: &SimOptions, s: usize, tenant_id: &str) -> SimSubscription {
    generate_subscription_with(options, s, tenant_id, |_, _| {})
}

/// Subscription `s`, showing each cluster and its maintenance configurations to
/// `each` as they are drawn (tests compare replays with them).
pub(super) fn generate_subscription_with(
    options: &SimOptions,
    s: usize,
    tenant_id: &str,
    mut each: impl FnMut(&DrawnCluster, &[Value]),
) -> SimSubscription {
    let seed = options.seed;
    let mut rng = Rng::derive(seed, 1 + s as u64);
    let profile = SubscriptionProfile::new(s, &mut rng);
    let id = rng.guid();
    let first_global = s * options.clusters_per_subscription;
    let mut records = Vec::with_capacity(options.clusters_per_subscription);
    let mut names: HashMap<String, u32> = HashMap::new();
    for c in 0..options.clusters_per_subscription {
        let ctx = ClusterContext {
            seed,
            global: first_global + c,
            subscription_id: &id,
            tenant_id,
            profile: &profile,
        };
        let start = rng.clone();
        let drawn = draw_cluster(&ctx, &mut rng, |prefix| {
            let n = names.entry(prefix.to_string()).or_insert(0);
            *n += 1;
            *n
        });
        // The cluster's last draws: the next cluster's begin where these end.
        let maintenance = maintenance_configurations(&mut rng, &drawn.object.id, &REGIONS[drawn.region]);
        each(&drawn, &maintenance);
        records.push(ClusterRecord {
            id: drawn.object.id.into_boxed_str(),
            start,
            number: drawn.number,
        });
    }
    SimSubscription {
        id,
        display_name: profile.display_name.clone(),
        tenant_id: tenant_id.to_string(),
        state: "Enabled".to_string(),
        records,
        profile,
        seed,
        first_global,
    }
}
