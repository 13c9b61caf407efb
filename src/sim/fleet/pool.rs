//! Drawing a cluster's agent pools, and the upgrade profile of each.
//!
//! Invariant: like a cluster, a pool's draws happen in a fixed order (its spec,
//! whether it lags the control plane, its node image's age, its own values, when
//! its image was taken), so a replay draws the same pools.

use serde_json::{Map, Value, json};
use time::{Date, Duration};

use super::catalogue::{ImageFamily, MINORS, available_upgrades, parse_version, version_string};
use super::object::{Pool, PoolSecurityProfile, PowerState, UpgradeSettings};
use crate::sim::rng::Rng;

/// What a cluster's pools share, as drawn before them.
pub(super) struct PoolContext<'a> {
    pub(super) automatic: bool,
    pub(super) minor: (u32, u32),
    pub(super) patch: u32,
    /// The cluster's `kubernetesVersion` and `currentKubernetesVersion`, which pools
    /// that do not lag take.
    pub(super) kubernetes_version: &'a str,
    pub(super) current: &'a str,
    /// How many releases behind the newest the cluster's node images are.
    pub(super) image_age: i64,
    pub(super) power: &'static str,
    pub(super) provisioning: &'static str,
}

/// What a pool's upgrade profile needs beyond the pool object.
#[derive(Debug, Clone, Copy)]
pub(super) struct PoolDraw {
    family: ImageFamily,
    /// When the pool's node image was taken: the day, and the second of that day.
    taken: Date,
    taken_at: u64,
}

/// One to four pools (two for AKS Automatic), the first a system pool; a few lag
/// the control plane's version or run older node images than the rest.
pub(super) fn draw_pools(rng: &mut Rng, ctx: &PoolContext) -> (Vec<Pool>, Vec<PoolDraw>) {
    let pool_count = if ctx.automatic {
        2
    } else {
        *rng.weighted(&[(1usize, 25), (2, 40), (3, 25), (4, 10)])
    };
    let mut pools = Vec::with_capacity(pool_count);
    let mut draws = Vec::with_capacity(pool_count);
    let mut used_names: Vec<String> = Vec::new();
    for p in 0..pool_count {
        let spec = PoolSpec::draw(rng, p, ctx.automatic, ctx.minor, &mut used_names);
        let behind = p > 0 && rng.chance(0.12);
        let (orchestrator, current_orchestrator) = if behind {
            let v = behind_version(rng, ctx.minor, ctx.patch);
            (v.clone(), v)
        } else {
            (ctx.kubernetes_version.to_string(), ctx.current.to_string())
        };
        let pool_age = if rng.chance(0.2) {
            ctx.image_age + rng.range(1, 4) as i64
        } else {
            ctx.image_age
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
            ctx.power,
            ctx.provisioning,
        ));
        let taken = family.release_date(family_age) + Duration::days(1 + rng.range(0, 5) as i64);
        let taken_at = rng.range(0, 86_399);
        draws.push(PoolDraw {
            family,
            taken,
            taken_at,
        });
    }
    (pools, draws)
}

/// `GET .../agentPools/{pool}/upgradeProfiles/default` of pool `pool` of cluster `cluster_id`.
pub(super) fn upgrade_profile(cluster_id: &str, region: usize, pool: &Pool, draw: &PoolDraw) -> Value {
    json!({
        "id": format!("{cluster_id}/agentPools/{}/upgradeProfiles/default", pool.name),
        "name": "default",
        "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
        "properties": upgrade_profile_properties(
            region,
            &pool.current_orchestrator_version,
            pool.os_type,
            draw.family.version(0),
            json!([{
                "orchestratorVersion": pool.current_orchestrator_version,
                "nodeImageVersion": pool.node_image_version,
                "timestamp": timestamp(draw.taken, draw.taken_at),
            }]),
        ),
    })
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

/// `YYYY-MM-DDThh:mm:ssZ`.
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
