//! The simulated fleet: subscriptions, managed clusters, maintenance configurations,
//! agent pool upgrade profiles and per-region Kubernetes versions, as ARM JSON.
//!
//! Invariants:
//! - Everything is a pure function of `SimOptions` (seed and sizes): no clock, no
//!   I/O. Each subscription draws from its own random stream, so adding
//!   subscriptions does not change the existing ones, and `generate` can build
//!   them on several threads without changing a byte.
//! - The values follow the real API's conventions (`resourcegroups` in ids,
//!   `Microsoft.ContainerService/ManagedClusters` as type, `nodeOSUpgradeChannel`
//!   with a capital OS, node image names in AKS's formats), see
//!   `azure-api-reference.md` §1-§5 and §10.
//! - The first clusters of the fleet walk through every upgrade-channel state, so
//!   even a small fleet shows all of them; the rest is drawn with realistic weights.
//!
//! Memory: the demo runs the simulator beside the dashboard, so a 10,000-cluster
//! fleet keeps almost nothing per cluster: its id (which holds its resource group
//! and name), the number at the end of its name, and the state of its
//! subscription's random stream where its own draws began. Everything else (the
//! cluster object, its maintenance configurations and pool upgrade profiles) is
//! rebuilt on request by replaying those draws, which gives the same values, and
//! so the same bytes, `generate` drew. Lists and Resource Graph pages rebuild only
//! the clusters of the page they serve (at most 1000).
//!
//! A replay is cheap (a few µs) because a cluster is drawn into plain structs
//! (`ClusterObject`) that serialise straight into the body, their fields in the
//! order a `Value` object writes its keys, rather than into a `Value` tree; only
//! the rarely asked details are still built as `Value`s.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use time::macros::date;
use time::{Date, Duration};

use super::SimOptions;
use super::rng::{Rng, mix};

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
    records: Vec<ClusterRecord>,
    profile: SubscriptionProfile,
    seed: u64,
    /// The fleet-wide position of the first cluster.
    first_global: usize,
}

/// What a cluster keeps: enough to find it and to replay it.
#[derive(Debug, Clone)]
struct ClusterRecord {
    /// As in its JSON (`/subscriptions/.../resourcegroups/...`).
    id: Box<str>,
    /// The subscription's random stream just before the cluster's first draw.
    start: Rng,
    /// The number at the end of its name (`aks-payments-prod-weu-03`).
    number: u32,
}

/// A cluster's drill-down resources, replayed from its random stream.
#[derive(Debug, Clone)]
pub struct ClusterDetails {
    /// The cluster's maintenance configurations (ARM objects).
    pub maintenance_configurations: Vec<Value>,
    /// One (pool name, agent pool upgrade profile) per pool, in pool order.
    pub pool_upgrade_profiles: Vec<(String, Value)>,
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
        SimFleet {
            tenant_id,
            client_object_id,
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
        self.subscriptions
            .iter()
            .position(|s| s.id.eq_ignore_ascii_case(sub_id))
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
        let key = format!("{sub_id}/{resource_group}/{name}").to_ascii_lowercase();
        self.index.get(&key).map(|&(s, c)| (&self.subscriptions[s], c))
    }

    /// The kubernetesVersions body of a location (`westeurope`, or `West Europe`).
    pub fn kubernetes_versions_for(&self, location: &str) -> Option<&Value> {
        let wanted: String = location
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        self.kubernetes_versions.get(&wanted)
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
fn generate_subscription_with(
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

// ---------------------------------------------------------------------------
// Static catalogues: regions, teams, versions, node image releases.

struct Region {
    name: &'static str,
    short: &'static str,
    utc_offset: &'static str,
}

const REGIONS: &[Region] = &[
    Region {
        name: "westeurope",
        short: "weu",
        utc_offset: "+01:00",
    },
    Region {
        name: "northeurope",
        short: "neu",
        utc_offset: "+00:00",
    },
    Region {
        name: "eastus",
        short: "eus",
        utc_offset: "-05:00",
    },
    Region {
        name: "eastus2",
        short: "eus2",
        utc_offset: "-05:00",
    },
    Region {
        name: "centralus",
        short: "cus",
        utc_offset: "-06:00",
    },
    Region {
        name: "westus3",
        short: "wus3",
        utc_offset: "-07:00",
    },
    Region {
        name: "uksouth",
        short: "uks",
        utc_offset: "+00:00",
    },
    Region {
        name: "swedencentral",
        short: "sdc",
        utc_offset: "+01:00",
    },
    Region {
        name: "germanywestcentral",
        short: "gwc",
        utc_offset: "+01:00",
    },
    Region {
        name: "francecentral",
        short: "frc",
        utc_offset: "+01:00",
    },
    Region {
        name: "australiaeast",
        short: "aue",
        utc_offset: "+10:00",
    },
    Region {
        name: "japaneast",
        short: "jpe",
        utc_offset: "+09:00",
    },
    Region {
        name: "southeastasia",
        short: "sea",
        utc_offset: "+08:00",
    },
    Region {
        name: "canadacentral",
        short: "cac",
        utc_offset: "-05:00",
    },
];

const UNITS: &[&str] = &[
    "Payments",
    "Search",
    "Identity",
    "Platform",
    "Data",
    "Checkout",
    "Mobile",
    "ML",
    "Logistics",
    "Risk",
];

const OWNERS: &[&str] = &[
    "alex.kim",
    "priya.nair",
    "jonas.berg",
    "maria.lopez",
    "chen.wei",
    "sam.okafor",
];

/// A Kubernetes minor, the patches clusters may run, and how common it is in the fleet.
struct Minor {
    minor: (u32, u32),
    patches: &'static [u32],
    weight: u32,
}

/// 1.30 is listed nowhere any more and 1.31 only in some regions, so some clusters
/// run minors their region no longer supports. 1.33.7 (the default minimum) sits
/// in the middle, with patches on both sides.
const MINORS: &[Minor] = &[
    Minor {
        minor: (1, 30),
        patches: &[10, 14],
        weight: 3,
    },
    Minor {
        minor: (1, 31),
        patches: &[9, 12, 13],
        weight: 6,
    },
    Minor {
        minor: (1, 32),
        patches: &[7, 9, 10],
        weight: 9,
    },
    Minor {
        minor: (1, 33),
        patches: &[2, 5, 7, 10],
        weight: 20,
    },
    Minor {
        minor: (1, 34),
        patches: &[1, 5, 6],
        weight: 28,
    },
    Minor {
        minor: (1, 35),
        patches: &[3, 5],
        weight: 24,
    },
    Minor {
        minor: (1, 36),
        patches: &[0, 2],
        weight: 10,
    },
];

/// The minors a region lists in kubernetesVersions, with support plans and flags.
struct Listing {
    minor: (u32, u32),
    patches: &'static [u32],
    plans: &'static [&'static str],
    is_default: bool,
    is_preview: bool,
}

const OFFICIAL: &[&str] = &["KubernetesOfficial", "AKSLongTermSupport"];
const LTS_ONLY: &[&str] = &["AKSLongTermSupport"];

fn listings(region: usize) -> Vec<Listing> {
    let mut out = Vec::new();
    // Regions retire LTS minors at different times: a third no longer list 1.31.
    if !region.is_multiple_of(3) {
        out.push(Listing {
            minor: (1, 31),
            patches: &[12, 13],
            plans: LTS_ONLY,
            is_default: false,
            is_preview: false,
        });
    }
    out.push(Listing {
        minor: (1, 32),
        patches: &[9, 10],
        plans: LTS_ONLY,
        is_default: false,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 33),
        patches: &[7, 10],
        plans: LTS_ONLY,
        is_default: false,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 34),
        patches: &[5, 6],
        plans: OFFICIAL,
        is_default: false,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 35),
        patches: &[3, 5],
        plans: OFFICIAL,
        is_default: true,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 36),
        patches: &[0, 2],
        plans: OFFICIAL,
        is_default: false,
        is_preview: false,
    });
    // Previews roll out region by region.
    if region.is_multiple_of(2) {
        out.push(Listing {
            minor: (1, 37),
            patches: &[0],
            plans: &["KubernetesOfficial"],
            is_default: false,
            is_preview: true,
        });
    }
    out
}

fn version_string((major, minor): (u32, u32), patch: u32) -> String {
    format!("{major}.{minor}.{patch}")
}

fn kubernetes_versions_body(region: usize) -> Value {
    let listed = listings(region);
    let values: Vec<Value> = listed
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let next = listed.get(i + 1);
            let mut patch_versions = Map::new();
            for (j, &p) in l.patches.iter().enumerate() {
                let mut upgrades: Vec<String> =
                    l.patches[j + 1..].iter().map(|&q| version_string(l.minor, q)).collect();
                if let Some(n) = next {
                    upgrades.extend(n.patches.iter().map(|&q| version_string(n.minor, q)));
                }
                patch_versions.insert(version_string(l.minor, p), json!({ "upgrades": upgrades }));
            }
            let mut entry = Map::new();
            entry.insert("version".into(), json!(format!("{}.{}", l.minor.0, l.minor.1)));
            entry.insert("capabilities".into(), json!({ "supportPlan": l.plans }));
            entry.insert("patchVersions".into(), Value::Object(patch_versions));
            if l.is_default {
                entry.insert("isDefault".into(), json!(true));
            }
            if l.is_preview {
                entry.insert("isPreview".into(), json!(true));
            }
            Value::Object(entry)
        })
        .collect();
    json!({ "values": values })
}

/// Upgrades a pool on `current` may take in `region`: newer patches of its minor and of the next minor.
fn available_upgrades(region: usize, current: (u32, u32, u32)) -> Vec<Value> {
    let mut out = Vec::new();
    for l in listings(region) {
        let same = l.minor == (current.0, current.1);
        let next = l.minor == (current.0, current.1 + 1);
        if !same && !next {
            continue;
        }
        for &p in l.patches {
            if same && p <= current.2 {
                continue;
            }
            let mut item = Map::new();
            item.insert("kubernetesVersion".into(), json!(version_string(l.minor, p)));
            if l.is_preview {
                item.insert("isPreview".into(), json!(true));
            }
            out.push(Value::Object(item));
        }
    }
    out
}

/// Node image families, each with its own name format and release calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ImageFamily {
    Ubuntu2204,
    Ubuntu2204Arm64,
    Ubuntu2404,
    AzureLinux3,
    Mariner2,
    Windows2022,
    Windows2025,
}

/// Linux images ship every two weeks up to the newest, 2026-11-10; older ones go back to December 2025.
const LINUX_RELEASES: i64 = 25;
const LINUX_NEWEST: Date = date!(2026 - 11 - 10);
/// Windows images ship monthly, after Patch Tuesday.
const WINDOWS_RELEASES: i64 = 12;
const WINDOWS_NEWEST: Date = date!(2026 - 11 - 14);

impl ImageFamily {
    fn is_windows(self) -> bool {
        matches!(self, ImageFamily::Windows2022 | ImageFamily::Windows2025)
    }

    /// How many releases the calendar holds.
    fn releases(self) -> i64 {
        if self.is_windows() {
            WINDOWS_RELEASES
        } else {
            LINUX_RELEASES
        }
    }

    /// The release date of the image `age` releases before the newest.
    fn release_date(self, age: i64) -> Date {
        let age = age.clamp(0, self.releases() - 1);
        if self.is_windows() {
            WINDOWS_NEWEST - Duration::days(30 * age)
        } else {
            LINUX_NEWEST - Duration::days(14 * age)
        }
    }

    /// The image name `age` releases before the newest, in AKS's format for this family.
    fn version(self, age: i64) -> String {
        let age = age.clamp(0, self.releases() - 1);
        let d = self.release_date(age);
        let (y, m, day) = (d.year(), d.month() as u8, d.day());
        let linux = |prefix: &str| {
            // Every fifth release needed a hotfix build.
            let build = u8::from(age % 5 == 2);
            format!("{prefix}-{y:04}{m:02}.{day:02}.{build}")
        };
        let windows = |prefix: &str, build: u32, newest_revision: i64| {
            let revision = newest_revision - 61 * age;
            format!("{prefix}-{build}.{revision}.{:02}{m:02}{day:02}", y % 100)
        };
        match self {
            ImageFamily::Ubuntu2204 => linux("AKSUbuntu-2204gen2containerd"),
            ImageFamily::Ubuntu2204Arm64 => linux("AKSUbuntu-2204gen2arm64containerd"),
            ImageFamily::Ubuntu2404 => linux("AKSUbuntu-2404gen2containerd"),
            ImageFamily::AzureLinux3 => linux("AKSAzureLinux-V3gen2"),
            ImageFamily::Mariner2 => linux("AKSCBLMariner-V2gen2"),
            ImageFamily::Windows2022 => windows("AKSWindows-2022-containerd", 20348, 4968),
            ImageFamily::Windows2025 => windows("AKSWindows-2025-containerd", 26100, 4732),
        }
    }
}

// ---------------------------------------------------------------------------
// Generation.

#[derive(Debug, Clone)]
struct SubscriptionProfile {
    display_name: String,
    /// The business unit most clusters belong to, lower case (`payments`).
    team: String,
    stage: Stage,
    quota_id: &'static str,
    /// The two or three regions the subscription mostly deploys to.
    home_regions: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Prod,
    NonProd,
    Sandbox,
}

impl SubscriptionProfile {
    fn new(index: usize, rng: &mut Rng) -> SubscriptionProfile {
        let unit = UNITS[index % UNITS.len()];
        let round = index / UNITS.len();
        let (stage, stage_name, quota_id) = match round % 3 {
            0 => (Stage::Prod, "Prod", "EnterpriseAgreement_2014-09-01"),
            1 => (Stage::NonProd, "NonProd", "EnterpriseAgreement_2014-09-01"),
            _ => (Stage::Sandbox, "Sandbox", "MSDNDevTest_2014-09-01"),
        };
        let mut display_name = format!("Contoso {unit} {stage_name}");
        if round >= 3 {
            display_name.push_str(&format!(" {:02}", round / 3 + 1));
        }
        let mut home_regions = Vec::new();
        for _ in 0..2 + rng.below(2) {
            let r = rng.below(REGIONS.len());
            if !home_regions.contains(&r) {
                home_regions.push(r);
            }
        }
        SubscriptionProfile {
            display_name,
            team: unit.to_ascii_lowercase(),
            stage,
            quota_id,
            home_regions,
        }
    }
}

struct ClusterContext<'a> {
    seed: u64,
    global: usize,
    subscription_id: &'a str,
    tenant_id: &'a str,
    profile: &'a SubscriptionProfile,
}

/// One cluster as drawn: its ARM object, in plain values that serialise straight
/// into the body, and what its details need besides.
struct DrawnCluster<'a> {
    object: ClusterObject<'a>,
    /// The number at the end of the name.
    number: u32,
    region: usize,
    /// Per pool, in pool order: what its upgrade profile needs beyond the pool object.
    pool_draws: Vec<PoolDraw>,
}

#[derive(Debug, Clone, Copy)]
struct PoolDraw {
    family: ImageFamily,
    /// When the pool's node image was taken: the day, and the second of that day.
    taken: Date,
    taken_at: u64,
}

impl DrawnCluster<'_> {
    /// The pools' upgrade profiles, from what was drawn, and the maintenance
    /// configurations, drawn from `rng` (the cluster's last draws).
    fn details(&self, rng: &mut Rng) -> ClusterDetails {
        let id = &self.object.id;
        let pool_upgrade_profiles = self
            .object
            .properties
            .agent_pool_profiles
            .iter()
            .zip(&self.pool_draws)
            .map(|(pool, draw)| {
                let profile = json!({
                    "id": format!("{id}/agentPools/{}/upgradeProfiles/default", pool.name),
                    "name": "default",
                    "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
                    "properties": upgrade_profile_properties(
                        self.region,
                        &pool.current_orchestrator_version,
                        pool.os_type,
                        draw.family.version(0),
                        json!([{
                            "orchestratorVersion": pool.current_orchestrator_version,
                            "nodeImageVersion": pool.node_image_version,
                            "timestamp": timestamp(draw.taken, draw.taken_at),
                        }]),
                    ),
                });
                (pool.name.clone(), profile)
            })
            .collect();
        ClusterDetails {
            maintenance_configurations: maintenance_configurations(rng, id, &REGIONS[self.region]),
            pool_upgrade_profiles,
        }
    }
}

/// (upgradeChannel, nodeOSUpgradeChannel) for the first clusters of the fleet, so
/// that every state appears however small the fleet: all channels, all node OS
/// states, a cluster without `autoUpgradeProfile`, and profiles with one key only.
const COVERAGE: &[(Option<&str>, Option<&str>)] = &[
    (Some("patch"), Some("NodeImage")),
    (Some("none"), Some("Unmanaged")),
    (Some("stable"), Some("SecurityPatch")),
    (None, None),
    (Some("node-image"), Some("NodeImage")),
    (Some("rapid"), Some("None")),
    (Some("stable"), None),
    (None, Some("SecurityPatch")),
    (Some("none"), Some("None")),
    (Some("patch"), Some("Unmanaged")),
];

const UPGRADE_CHANNELS: &[(Option<&str>, u32)] = &[
    (Some("patch"), 30),
    (Some("stable"), 18),
    (Some("rapid"), 5),
    (Some("node-image"), 8),
    (Some("none"), 14),
    (None, 25),
];

const NODE_OS_CHANNELS: &[(Option<&str>, u32)] = &[
    (Some("NodeImage"), 35),
    (Some("SecurityPatch"), 20),
    (Some("Unmanaged"), 18),
    (Some("None"), 10),
    (None, 17),
];

/// One cluster's draws, all but the maintenance configurations (which follow).
/// `number_for` numbers the name within its prefix (`aks-payments-prod-weu`); it
/// draws nothing, so a replay with the same stream and the same number gives the
/// same cluster.
fn draw_cluster<'a>(ctx: &ClusterContext<'a>, rng: &mut Rng, number_for: impl FnOnce(&str) -> u32) -> DrawnCluster<'a> {
    let profile = ctx.profile;
    let team = if rng.chance(0.75) {
        profile.team.clone()
    } else {
        rng.pick(UNITS).to_ascii_lowercase()
    };
    let env = match profile.stage {
        Stage::Prod => *rng.weighted(&[("prod", 85), ("staging", 15)]),
        Stage::NonProd => *rng.weighted(&[("dev", 45), ("test", 30), ("staging", 25)]),
        Stage::Sandbox => "dev",
    };
    let region_index = if rng.chance(0.85) {
        *rng.pick(&profile.home_regions)
    } else {
        rng.below(REGIONS.len())
    };
    let region = &REGIONS[region_index];

    let prefix = format!("aks-{team}-{env}-{}", region.short);
    let number = number_for(&prefix);
    let name = format!("{prefix}-{number:02}");
    // Some groups were created in the portal with upper-case names; ARM keeps the
    // casing, Resource Graph lower-cases it. Decided per group, so one group never
    // appears with two spellings.
    let group_base = format!("rg-{team}-{env}-{}", region.short);
    let resource_group = if mix(ctx.seed ^ hash_str(&group_base) ^ hash_str(ctx.subscription_id)).is_multiple_of(10) {
        group_base.to_ascii_uppercase()
    } else {
        group_base
    };
    let id = format!(
        "/subscriptions/{}/resourcegroups/{resource_group}/providers/Microsoft.ContainerService/managedClusters/{name}",
        ctx.subscription_id
    );

    // Channels.
    let automatic = ctx.global >= COVERAGE.len() && rng.chance(0.03);
    let (upgrade_channel, node_os_channel) = if let Some(&forced) = COVERAGE.get(ctx.global) {
        forced
    } else if automatic {
        // AKS Automatic fixes both channels.
        (Some("stable"), Some("NodeImage"))
    } else {
        let upgrade = *rng.weighted(UPGRADE_CHANNELS);
        let node_os = if upgrade == Some("node-image") {
            // The RP sets NodeImage itself when the cluster channel is node-image.
            Some("NodeImage")
        } else {
            *rng.weighted(NODE_OS_CHANNELS)
        };
        (upgrade, node_os)
    };

    // Versions.
    let minor = rng
        .weighted(&MINORS.iter().map(|m| (m, m.weight)).collect::<Vec<_>>())
        .minor;
    let minor_entry = MINORS.iter().find(|m| m.minor == minor).unwrap_or(&MINORS[0]);
    let patch = *rng.pick(minor_entry.patches);
    let current = version_string(minor, patch);
    // Many clusters pin only the minor and let AKS pick the patch.
    let pinned_minor = rng.chance(0.3);
    let kubernetes_version = if pinned_minor {
        format!("{}.{}", minor.0, minor.1)
    } else {
        current.clone()
    };

    // SKU and support plan.
    let premium_share = if minor <= (1, 33) { 0.35 } else { 0.08 };
    let tier = if automatic {
        "Standard"
    } else if rng.chance(premium_share) {
        "Premium"
    } else if env == "prod" || rng.chance(0.3) {
        "Standard"
    } else {
        "Free"
    };
    let support_plan = if tier == "Premium" && (minor <= (1, 33) || rng.chance(0.3)) {
        "AKSLongTermSupport"
    } else {
        "KubernetesOfficial"
    };

    // State.
    let state_draw = rng.unit();
    let stopped = state_draw < 0.04 && env != "prod";
    let failed = (0.04..0.07).contains(&state_draw);
    let power = if stopped { "Stopped" } else { "Running" };
    let provisioning = if failed { "Failed" } else { "Succeeded" };

    // Node images: clusters on an automatic node OS channel stay close to the newest image.
    let auto_node_os = matches!(node_os_channel, Some("NodeImage" | "SecurityPatch"));
    let image_age: i64 = if auto_node_os && !stopped && rng.chance(0.9) {
        *rng.weighted(&[(0, 6), (1, 3), (2, 1)])
    } else {
        rng.range(0, (LINUX_RELEASES - 1) as u64) as i64
    };

    // Pools.
    let pool_count = if automatic {
        2
    } else {
        *rng.weighted(&[(1usize, 25), (2, 40), (3, 25), (4, 10)])
    };
    let mut pools = Vec::with_capacity(pool_count);
    let mut pool_draws = Vec::with_capacity(pool_count);
    let mut used_names: Vec<String> = Vec::new();
    for p in 0..pool_count {
        let spec = PoolSpec::draw(rng, p, automatic, minor, &mut used_names);
        let behind = p > 0 && rng.chance(0.12);
        let (orchestrator, current_orchestrator) = if behind {
            let v = behind_version(rng, minor, patch);
            (v.clone(), v)
        } else {
            (kubernetes_version.clone(), current.clone())
        };
        let pool_age = if rng.chance(0.2) {
            image_age + rng.range(1, 4) as i64
        } else {
            image_age
        };
        let family = spec.family;
        let family_age = if family.is_windows() { pool_age / 2 } else { pool_age };
        let node_image = family.version(family_age);
        pools.push(draw_pool(
            rng,
            spec,
            orchestrator,
            current_orchestrator,
            node_image,
            power,
            provisioning,
        ));
        let taken = family.release_date(family_age) + Duration::days(1 + rng.range(0, 5) as i64);
        let taken_at = rng.range(0, 86_399);
        pool_draws.push(PoolDraw {
            family,
            taken,
            taken_at,
        });
    }

    // Properties.
    let dns_prefix = format!(
        "{}-{}-{}",
        truncate(&name, 10),
        truncate(&resource_group, 10),
        &ctx.subscription_id[..6]
    );
    let host = rng.hex(8);
    let fqdn = format!("{dns_prefix}-{host}.hcp.{}.azmk8s.io", region.name);
    let azure_portal_fqdn = format!("{dns_prefix}-{host}.portal.hcp.{}.azmk8s.io", region.name);
    let node_resource_group = format!("MC_{resource_group}_{name}_{}", region.name);
    let network_profile = network_profile(rng);
    let auto_upgrade_profile = match (upgrade_channel, node_os_channel) {
        (None, None) => None,
        (upgrade, node_os) => Some(AutoUpgradeProfile {
            node_os_upgrade_channel: node_os,
            upgrade_channel: upgrade,
        }),
    };
    let disable_local_accounts = env == "prod" && rng.chance(0.6);
    let workload_identity = rng.chance(0.7);
    let issuer_url = format!(
        "https://{}.oic.prod-aks.azure.com/{}/{}/",
        region.name,
        ctx.tenant_id,
        rng.guid()
    );
    let resource_uid = rng.hex(24);
    let status = if failed {
        Some(Status {
            provisioning_error: failure(rng, &name),
        })
    } else {
        None
    };

    let mut tags = Tags::default();
    if !rng.chance(0.08) {
        tags.env = Some(env);
        tags.owner = Some(*rng.pick(OWNERS));
        if rng.chance(0.2) {
            tags.cost_center = Some(format!("CC-{}", rng.range(1000, 9999)));
        }
        if team == "payments" && env == "prod" {
            tags.compliance = Some("pci");
        }
        tags.team = Some(team);
    }
    let etag = rng.guid();
    let principal_id = rng.guid();

    let object = ClusterObject {
        etag,
        id,
        identity: Identity {
            principal_id,
            tenant_id: ctx.tenant_id,
            kind: "SystemAssigned",
        },
        location: region.name,
        name,
        properties: Properties {
            agent_pool_profiles: pools,
            auto_upgrade_profile,
            azure_portal_fqdn,
            bootstrap_profile: BootstrapProfile {
                artifact_source: "Direct",
            },
            current_kubernetes_version: current,
            disable_local_accounts,
            dns_prefix,
            enable_rbac: true,
            fqdn,
            kubernetes_version,
            max_agent_pools: 100,
            network_profile,
            node_resource_group,
            oidc_issuer_profile: OidcIssuerProfile {
                enabled: true,
                issuer_url,
            },
            power_state: PowerState { code: power },
            provisioning_state: provisioning,
            resource_uid,
            security_profile: ClusterSecurityProfile {
                workload_identity: Enabled {
                    enabled: workload_identity,
                },
            },
            status,
            storage_profile: StorageProfile {
                disk_csi_driver: Enabled { enabled: true },
                file_csi_driver: Enabled { enabled: true },
                snapshot_controller: Enabled { enabled: true },
            },
            support_plan,
        },
        sku: Sku {
            name: if automatic { "Automatic" } else { "Base" },
            tier,
        },
        tags,
        kind: "Microsoft.ContainerService/ManagedClusters",
    };
    DrawnCluster {
        object,
        number,
        region: region_index,
        pool_draws,
    }
}

// The ARM objects, as plain values. Each struct lists its fields in the order a
// `serde_json::Value` object writes its keys (sorted), so the bodies are those of
// the `Value` trees the simulator used to build, without building them.

#[derive(Serialize)]
struct ClusterObject<'a> {
    #[serde(rename = "eTag")]
    etag: String,
    id: String,
    identity: Identity<'a>,
    location: &'static str,
    name: String,
    properties: Properties,
    sku: Sku,
    tags: Tags,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    principal_id: String,
    tenant_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Sku {
    name: &'static str,
    tier: &'static str,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Tags {
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_center: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties {
    agent_pool_profiles: Vec<Pool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_upgrade_profile: Option<AutoUpgradeProfile>,
    #[serde(rename = "azurePortalFQDN")]
    azure_portal_fqdn: String,
    bootstrap_profile: BootstrapProfile,
    current_kubernetes_version: String,
    disable_local_accounts: bool,
    dns_prefix: String,
    #[serde(rename = "enableRBAC")]
    enable_rbac: bool,
    fqdn: String,
    kubernetes_version: String,
    max_agent_pools: u32,
    network_profile: NetworkProfile,
    node_resource_group: String,
    oidc_issuer_profile: OidcIssuerProfile,
    power_state: PowerState,
    provisioning_state: &'static str,
    #[serde(rename = "resourceUID")]
    resource_uid: String,
    security_profile: ClusterSecurityProfile,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    storage_profile: StorageProfile,
    support_plan: &'static str,
}

#[derive(Serialize)]
struct AutoUpgradeProfile {
    #[serde(rename = "nodeOSUpgradeChannel", skip_serializing_if = "Option::is_none")]
    node_os_upgrade_channel: Option<&'static str>,
    #[serde(rename = "upgradeChannel", skip_serializing_if = "Option::is_none")]
    upgrade_channel: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BootstrapProfile {
    artifact_source: &'static str,
}

#[derive(Serialize)]
struct Enabled {
    enabled: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterSecurityProfile {
    workload_identity: Enabled,
}

#[derive(Serialize)]
struct StorageProfile {
    #[serde(rename = "diskCSIDriver")]
    disk_csi_driver: Enabled,
    #[serde(rename = "fileCSIDriver")]
    file_csi_driver: Enabled,
    #[serde(rename = "snapshotController")]
    snapshot_controller: Enabled,
}

#[derive(Serialize)]
struct OidcIssuerProfile {
    enabled: bool,
    #[serde(rename = "issuerURL")]
    issuer_url: String,
}

#[derive(Serialize)]
struct PowerState {
    code: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    provisioning_error: Failure,
}

#[derive(Serialize)]
struct Failure {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkProfile {
    #[serde(rename = "dnsServiceIP")]
    dns_service_ip: &'static str,
    ip_families: [&'static str; 1],
    load_balancer_profile: LoadBalancerProfile,
    load_balancer_sku: &'static str,
    network_dataplane: &'static str,
    network_plugin: &'static str,
    network_plugin_mode: &'static str,
    network_policy: &'static str,
    outbound_type: &'static str,
    pod_cidr: &'static str,
    pod_cidrs: [&'static str; 1],
    service_cidr: &'static str,
    service_cidrs: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoadBalancerProfile {
    backend_pool_type: &'static str,
    #[serde(rename = "managedOutboundIPs")]
    managed_outbound_ips: ManagedOutboundIps,
}

#[derive(Serialize)]
struct ManagedOutboundIps {
    count: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pool {
    #[serde(skip_serializing_if = "Option::is_none")]
    availability_zones: Option<[&'static str; 3]>,
    count: u64,
    current_orchestrator_version: String,
    #[serde(rename = "eTag")]
    etag: String,
    enable_auto_scaling: bool,
    enable_encryption_at_host: bool,
    #[serde(rename = "enableFIPS")]
    enable_fips: bool,
    #[serde(rename = "enableNodePublicIP")]
    enable_node_public_ip: bool,
    #[serde(rename = "enableUltraSSD")]
    enable_ultra_ssd: bool,
    kubelet_disk_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_count: Option<u64>,
    max_pods: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_count: Option<u64>,
    mode: &'static str,
    name: String,
    node_image_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    node_taints: Option<[&'static str; 1]>,
    orchestrator_version: String,
    #[serde(rename = "osDiskSizeGB")]
    os_disk_size_gb: u32,
    os_disk_type: &'static str,
    #[serde(rename = "osSKU")]
    os_sku: &'static str,
    os_type: &'static str,
    power_state: PowerState,
    provisioning_state: &'static str,
    scale_down_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_set_eviction_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_set_priority: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_profile: Option<PoolSecurityProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spot_max_price: Option<i32>,
    #[serde(rename = "type")]
    kind: &'static str,
    upgrade_settings: UpgradeSettings,
    vm_size: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PoolSecurityProfile {
    enable_secure_boot: bool,
    #[serde(rename = "enableVTPM")]
    enable_vtpm: bool,
    ssh_access: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpgradeSettings {
    max_surge: &'static str,
    max_unavailable: &'static str,
}

/// One agent pool's choices before it becomes JSON.
struct PoolSpec {
    name: String,
    mode: &'static str,
    os_sku: &'static str,
    family: ImageFamily,
    vm_size: &'static str,
    spot: bool,
}

impl PoolSpec {
    fn draw(rng: &mut Rng, position: usize, automatic: bool, minor: (u32, u32), used: &mut Vec<String>) -> PoolSpec {
        let system = position == 0;
        // Windows pools cannot be system pools; their names are at most 6 characters.
        let windows = !system && !automatic && rng.chance(0.15);
        let (base, mode): (&str, &str) = if system {
            (*rng.pick(&["system", "nodepool1", "sys", "systempool"]), "System")
        } else if windows {
            (*rng.pick(&["win22", "npwin", "winp", "wapp"]), "User")
        } else {
            (
                *rng.pick(&[
                    "apps", "user", "batch", "spot", "gpu", "mem", "ingress", "jobs", "web", "api",
                ]),
                "User",
            )
        };
        let mut name = base.to_string();
        let mut n = 1;
        while used.contains(&name) {
            // `win22` + digit would exceed Windows' 6 characters, so number from a shorter stem.
            let stem = if windows { &base[..base.len().min(4)] } else { base };
            name = format!("{stem}{n}");
            n += 1;
        }
        used.push(name.clone());

        if windows {
            let (os_sku, family) = if minor >= (1, 34) && rng.chance(0.25) {
                ("Windows2025", ImageFamily::Windows2025)
            } else {
                ("Windows2022", ImageFamily::Windows2022)
            };
            return PoolSpec {
                name,
                mode,
                os_sku,
                family,
                vm_size: "Standard_D4s_v5",
                spot: false,
            };
        }
        let arm = !system && rng.chance(0.05);
        let (os_sku, family) = if automatic {
            ("AzureLinux", ImageFamily::AzureLinux3)
        } else if arm {
            ("Ubuntu", ImageFamily::Ubuntu2204Arm64)
        } else {
            match *rng.weighted(&[
                ("Ubuntu", 50),
                ("Ubuntu2204", 10),
                ("AzureLinux", 30),
                ("CBLMariner", 3),
            ]) {
                // Ubuntu moves from 22.04 to 24.04 at Kubernetes 1.35.
                "Ubuntu" if minor >= (1, 35) => ("Ubuntu", ImageFamily::Ubuntu2404),
                "Ubuntu" => ("Ubuntu", ImageFamily::Ubuntu2204),
                "Ubuntu2204" => ("Ubuntu2204", ImageFamily::Ubuntu2204),
                "CBLMariner" if minor <= (1, 31) => ("CBLMariner", ImageFamily::Mariner2),
                _ => ("AzureLinux", ImageFamily::AzureLinux3),
            }
        };
        let vm_size = if arm {
            "Standard_D4pds_v5"
        } else if name.starts_with("gpu") {
            "Standard_NC6s_v3"
        } else if name.starts_with("mem") {
            "Standard_E8ds_v5"
        } else {
            rng.pick(&[
                "Standard_D4ds_v5",
                "Standard_D8ds_v5",
                "Standard_DS2_v2",
                "Standard_D16ds_v5",
            ])
        };
        let spot = name.starts_with("spot");
        PoolSpec {
            name,
            mode,
            os_sku,
            family,
            vm_size,
            spot,
        }
    }

    fn os_type(&self) -> &'static str {
        if self.family.is_windows() { "Windows" } else { "Linux" }
    }
}

/// A pool's own draws, after its spec and versions.
fn draw_pool(
    rng: &mut Rng,
    spec: PoolSpec,
    orchestrator: String,
    current_orchestrator: String,
    node_image: String,
    power: &'static str,
    provisioning: &'static str,
) -> Pool {
    let windows = spec.family.is_windows();
    let system = spec.mode == "System";
    let count = if system { rng.range(1, 5) } else { rng.range(1, 20) };
    let max_pods = if windows { 30 } else { *rng.pick(&[110, 250]) };
    let autoscale = rng.chance(0.45);
    let (min_count, max_count) = if autoscale {
        (Some(count.min(3)), Some(count + rng.range(2, 10)))
    } else {
        (None, None)
    };
    let etag = rng.guid();
    let zoned = system && rng.chance(0.7);
    let os_type = spec.os_type();
    Pool {
        availability_zones: zoned.then_some(["1", "2", "3"]),
        count,
        current_orchestrator_version: current_orchestrator,
        etag,
        enable_auto_scaling: autoscale,
        enable_encryption_at_host: false,
        enable_fips: false,
        enable_node_public_ip: false,
        enable_ultra_ssd: false,
        kubelet_disk_type: "OS",
        max_count,
        max_pods,
        min_count,
        mode: spec.mode,
        name: spec.name,
        node_image_version: node_image,
        node_taints: spec
            .spot
            .then_some(["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]),
        orchestrator_version: orchestrator,
        os_disk_size_gb: 128,
        os_disk_type: if windows { "Managed" } else { "Ephemeral" },
        os_sku: spec.os_sku,
        os_type,
        power_state: PowerState { code: power },
        provisioning_state: provisioning,
        scale_down_mode: "Delete",
        scale_set_eviction_policy: spec.spot.then_some("Delete"),
        scale_set_priority: spec.spot.then_some("Spot"),
        security_profile: (!windows).then_some(PoolSecurityProfile {
            enable_secure_boot: false,
            enable_vtpm: false,
            ssh_access: "LocalUser",
        }),
        spot_max_price: spec.spot.then_some(-1),
        kind: "VirtualMachineScaleSets",
        upgrade_settings: UpgradeSettings {
            max_surge: "10%",
            max_unavailable: "0",
        },
        vm_size: spec.vm_size,
    }
}

fn upgrade_profile_properties(
    region: usize,
    current: &str,
    os_type: &str,
    latest_image: String,
    recently_used: Value,
) -> Value {
    let mut props = Map::new();
    props.insert("kubernetesVersion".into(), json!(current));
    props.insert("osType".into(), json!(os_type));
    let upgrades = parse_version(current)
        .map(|v| available_upgrades(region, v))
        .unwrap_or_default();
    // The RP leaves `upgrades` out when there is nothing to upgrade to.
    if !upgrades.is_empty() {
        props.insert("upgrades".into(), Value::Array(upgrades));
    }
    props.insert("latestNodeImageVersion".into(), json!(latest_image));
    props.insert("recentlyUsedVersions".into(), recently_used);
    Value::Object(props)
}

/// A version a pool lags at: an older patch of the same minor, or the previous minor's newest.
fn behind_version(rng: &mut Rng, minor: (u32, u32), patch: u32) -> String {
    let entry = MINORS.iter().find(|m| m.minor == minor);
    let older_patch = entry.and_then(|m| m.patches.iter().copied().filter(|&p| p < patch).max());
    let previous = MINORS.iter().find(|m| m.minor == (minor.0, minor.1.wrapping_sub(1)));
    match (older_patch, previous) {
        (Some(p), Some(prev)) => {
            if rng.chance(0.5) {
                version_string(minor, p)
            } else {
                version_string(prev.minor, prev.patches[prev.patches.len() - 1])
            }
        }
        (Some(p), None) => version_string(minor, p),
        (None, Some(prev)) => version_string(prev.minor, prev.patches[prev.patches.len() - 1]),
        (None, None) => version_string(minor, patch),
    }
}

fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

fn network_profile(rng: &mut Rng) -> NetworkProfile {
    let (plugin_mode, policy, dataplane) = *rng.weighted(&[
        (("overlay", "none", "azure"), 50),
        (("overlay", "cilium", "cilium"), 35),
        (("overlay", "calico", "azure"), 15),
    ]);
    NetworkProfile {
        dns_service_ip: "10.0.0.10",
        ip_families: ["IPv4"],
        load_balancer_profile: LoadBalancerProfile {
            backend_pool_type: "nodeIPConfiguration",
            managed_outbound_ips: ManagedOutboundIps { count: 1 },
        },
        load_balancer_sku: "standard",
        network_dataplane: dataplane,
        network_plugin: "azure",
        network_plugin_mode: plugin_mode,
        network_policy: policy,
        outbound_type: "loadBalancer",
        pod_cidr: "10.244.0.0/16",
        pod_cidrs: ["10.244.0.0/16"],
        service_cidr: "10.0.0.0/16",
        service_cidrs: ["10.0.0.0/16"],
    }
}

fn failure(rng: &mut Rng, name: &str) -> Failure {
    let pod = rng.hex(5);
    let vmss = rng.range(10_000_000, 99_999_999);
    match rng.below(3) {
        0 => Failure {
            code: "UpgradeFailed",
            message: format!(
                "Drain node aks-apps-{vmss}-vmss000002 failed when evicting pod api-{pod} failed with Too Many Requests error. \
                 This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See http://aka.ms/aks/debugdrainfailures."
            ),
        },
        1 => Failure {
            code: "VMExtensionProvisioningError",
            message: format!(
                "Unable to establish connection from agents to Kubernetes API server of cluster {name}, \
                 please see https://aka.ms/aks-required-ports-and-addresses for more details."
            ),
        },
        _ => Failure {
            code: "QuotaExceeded",
            message:
                "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota."
                    .to_string(),
        },
    }
}

const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// None, only the cluster auto-upgrade window, both aksManaged* windows, plus `default`, and rarer mixes.
fn maintenance_configurations(rng: &mut Rng, cluster_id: &str, region: &Region) -> Vec<Value> {
    let (default, auto, node_os) = *rng.weighted(&[
        ((false, false, false), 40),
        ((false, true, false), 15),
        ((false, true, true), 25),
        ((true, true, true), 10),
        ((true, false, false), 5),
        ((false, false, true), 5),
    ]);
    let mut out = Vec::new();
    let config = |name: &str, properties: Value| {
        json!({
            "id": format!("{cluster_id}/maintenanceConfigurations/{name}"),
            "name": name,
            "type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
            "properties": properties,
        })
    };
    if default {
        let hours: Vec<u64> = (0..4).map(|h| h + rng.range(0, 3)).collect();
        out.push(config(
            "default",
            json!({
                "timeInWeek": [{ "day": rng.pick(&["Saturday", "Sunday"]), "hourSlots": hours }],
                "notAllowedTime": [],
            }),
        ));
    }
    if auto {
        let schedule = match rng.below(3) {
            0 => {
                json!({ "weekly": { "intervalWeeks": rng.range(1, 2), "dayOfWeek": rng.pick(&["Saturday", "Sunday"]) } })
            }
            1 => {
                json!({ "relativeMonthly": { "intervalMonths": 1, "dayOfWeek": "Saturday", "weekIndex": rng.pick(&["First", "Last"]) } })
            }
            _ => json!({ "absoluteMonthly": { "intervalMonths": 1, "dayOfMonth": rng.range(1, 28) } }),
        };
        let hours = rng.range(4, 8);
        let mut window = maintenance_window(rng, schedule, region, hours);
        if rng.chance(0.3) {
            window.insert(
                "notAllowedDates".into(),
                json!([{ "start": "2026-12-20", "end": "2027-01-03" }]),
            );
        }
        out.push(config(
            "aksManagedAutoUpgradeSchedule",
            json!({ "maintenanceWindow": window }),
        ));
    }
    if node_os {
        let schedule = if rng.chance(0.3) {
            json!({ "daily": { "intervalDays": 1 } })
        } else {
            json!({ "weekly": { "intervalWeeks": 1, "dayOfWeek": rng.pick(DAYS) } })
        };
        let hours = rng.range(4, 6);
        let window = maintenance_window(rng, schedule, region, hours);
        out.push(config(
            "aksManagedNodeOSUpgradeSchedule",
            json!({ "maintenanceWindow": window }),
        ));
    }
    out
}

fn maintenance_window(rng: &mut Rng, schedule: Value, region: &Region, hours: u64) -> Map<String, Value> {
    let mut w = Map::new();
    w.insert("schedule".into(), schedule);
    w.insert("durationHours".into(), json!(hours));
    w.insert("utcOffset".into(), json!(region.utc_offset));
    if rng.chance(0.6) {
        w.insert(
            "startDate".into(),
            json!(format!("2026-{:02}-{:02}", rng.range(1, 9), rng.range(1, 28))),
        );
    }
    w.insert("startTime".into(), json!(format!("{:02}:00", rng.range(0, 5))));
    w
}

fn timestamp(day: Date, second_of_day: u64) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        day.year(),
        day.month() as u8,
        day.day(),
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

fn truncate(s: &str, n: usize) -> &str {
    &s[..s.len().min(n)]
}

/// FNV-1a, for deciding stable per-name properties.
fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(subscriptions: usize, clusters: usize, seed: u64) -> SimOptions {
        SimOptions {
            subscriptions,
            clusters_per_subscription: clusters,
            seed,
            ..SimOptions::default()
        }
    }

    #[test]
    fn every_generated_cluster_is_read_by_the_importer() {
        let fleet = SimFleet::generate(&options(4, 60, 11));
        let value: Vec<Box<RawValue>> = fleet.clusters().collect();
        let text = serde_json::to_vec(&json!({ "value": value })).expect("serialisable");
        let parsed = crate::import::parse(&text, "sim").expect("the importer reads simulated clusters");
        assert_eq!(parsed.clusters.len(), 240);
    }

    #[test]
    fn node_images_use_the_real_formats() {
        assert_eq!(
            ImageFamily::Ubuntu2204.version(0),
            "AKSUbuntu-2204gen2containerd-202611.10.0"
        );
        assert_eq!(ImageFamily::AzureLinux3.version(3), "AKSAzureLinux-V3gen2-202609.29.0");
        let win = ImageFamily::Windows2022.version(1);
        assert!(win.starts_with("AKSWindows-2022-containerd-20348."), "{win}");
        assert!(win.ends_with(".261015"), "{win}");
    }

    #[test]
    fn windows_pool_names_fit_six_characters() {
        let fleet = SimFleet::generate(&options(3, 80, 5));
        let mut windows = 0;
        for c in fleet.cluster_values() {
            for p in c["properties"]["agentPoolProfiles"].as_array().into_iter().flatten() {
                if p["osType"] == "Windows" {
                    windows += 1;
                    assert!(p["name"].as_str().is_some_and(|n| n.len() <= 6), "{}", p["name"]);
                    assert_eq!(p["osSKU"].as_str().map(|s| s.starts_with("Windows")), Some(true));
                }
            }
        }
        assert!(windows > 0);
    }

    #[test]
    fn some_clusters_run_minors_their_region_no_longer_lists() {
        let fleet = SimFleet::generate(&options(10, 20, 1));
        let unlisted = fleet
            .cluster_values()
            .filter(|c| {
                let loc = c["location"].as_str().unwrap_or_default();
                let current = c["properties"]["currentKubernetesVersion"].as_str().unwrap_or_default();
                let minor = current.rsplit_once('.').map_or("", |(m, _)| m);
                let listed = fleet.kubernetes_versions_for(loc).expect("known location")["values"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .any(|v| v["version"] == minor);
                !listed
            })
            .count();
        assert!(unlisted > 0);
    }

    #[test]
    fn lookups_ignore_case_and_forbidden_are_the_last_subscriptions() {
        let mut o = options(5, 4, 2);
        o.forbidden_subscriptions = 2;
        let fleet = SimFleet::generate(&o);
        let sub = &fleet.subscriptions[0];
        let cluster = sub.cluster_values().nth(1).expect("a second cluster");
        let name = cluster["name"].as_str().expect("name");
        let rg = sub.resource_group_of(1).expect("rg");
        assert_eq!(sub.cluster_ids().nth(1), cluster["id"].as_str());
        let found = fleet.find_cluster(&sub.id.to_uppercase(), &rg.to_uppercase(), &name.to_uppercase());
        assert_eq!(found.map(|(_, i)| i), Some(1));
        assert!(!fleet.forbidden(&fleet.subscriptions[2].id));
        assert!(fleet.forbidden(&fleet.subscriptions[3].id));
        assert!(fleet.forbidden(&fleet.subscriptions[4].id.to_uppercase()));
        assert_eq!(fleet.readable_subscriptions().count(), 3);
        assert!(fleet.kubernetes_versions_for("West Europe").is_some());
    }

    #[test]
    fn replays_draw_what_generation_drew() {
        let o = options(3, 40, 8);
        let fleet = SimFleet::generate(&o);
        let mut configs = 0;
        for (s, sub) in fleet.subscriptions.iter().enumerate() {
            // Generation again, in one pass, keeping what it drew.
            let mut drawn = Vec::new();
            generate_subscription_with(&o, s, &fleet.tenant_id, |cluster, maintenance| {
                let json = serde_json::to_string(&cluster.object).expect("json");
                drawn.push((json, maintenance.to_vec()));
            });
            assert_eq!(drawn.len(), sub.cluster_count());
            for (i, (json, maintenance)) in drawn.into_iter().enumerate() {
                // Byte for byte: the bodies served are the bodies generation drew.
                let raw = sub.cluster_json(i).expect("cluster");
                assert_eq!(raw.get(), json);
                let cluster = sub.cluster(i).expect("cluster");
                // The structs write their keys in the order a `Value` does.
                assert_eq!(serde_json::to_string(&cluster).expect("json"), json);
                let details = sub.details(i).expect("details");
                assert_eq!(details.maintenance_configurations, maintenance);

                let record = &sub.records[i];
                assert_eq!(cluster["id"].as_str(), Some(&*record.id));
                let pools: Vec<&str> = cluster["properties"]["agentPoolProfiles"]
                    .as_array()
                    .expect("pools")
                    .iter()
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                let profiled: Vec<&str> = details.pool_upgrade_profiles.iter().map(|(n, _)| n.as_str()).collect();
                assert_eq!(pools, profiled);
                for (pool, profile) in &details.pool_upgrade_profiles {
                    let want = format!("{}/agentPools/{pool}/upgradeProfiles/default", record.id);
                    assert_eq!(profile["id"].as_str(), Some(want.as_str()));
                }
                for config in &details.maintenance_configurations {
                    assert!(config["id"].as_str().is_some_and(|id| id.starts_with(&*record.id)));
                    configs += 1;
                }
            }
        }
        assert!(configs > 0);
        assert!(fleet.subscriptions[0].details(40).is_none());
        assert!(fleet.subscriptions[0].cluster(40).is_none());
    }
}
