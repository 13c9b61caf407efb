//! Drawing one subscription's profile and one cluster from a random stream.
//!
//! Invariant: the draws happen in a fixed order, one named step after the other
//! (`draw_cluster` lists them), and a step draws the same numbers whatever the
//! steps before it chose, except where it says so. A replay of a cluster starts
//! from the stream's state before its first draw and so draws the same cluster;
//! reordering or adding a draw changes every cluster after it, which the pinned
//! bytes test in `tests/sim.rs` catches.

use serde_json::Value;

use super::catalogue::{
    COVERAGE, LINUX_RELEASES, MINORS, NODE_OS_CHANNELS, OWNERS, REGIONS, Region, UNITS, UPGRADE_CHANNELS,
    version_string,
};
use super::maintenance::maintenance_configurations;
use super::object::{
    AutoUpgradeProfile, BootstrapProfile, ClusterObject, ClusterSecurityProfile, Enabled, Failure, Identity,
    IdentityProfile, LoadBalancerProfile, ManagedOutboundIps, NetworkProfile, OidcIssuerProfile, PowerState,
    Properties, Sku, Status, StorageProfile, Tags, UserAssignedIdentity,
};
use super::pool::{self, PoolDraw};
use crate::sim::rng::{Rng, guid_of, mix};

/// What every cluster of a subscription shares: its name, team, stage and regions.
#[derive(Debug, Clone)]
pub(super) struct SubscriptionProfile {
    pub(super) display_name: String,
    /// The business unit most clusters belong to, lower case (`payments`).
    team: String,
    stage: Stage,
    pub(super) quota_id: &'static str,
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
    pub(super) fn new(index: usize, rng: &mut Rng) -> SubscriptionProfile {
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

/// What a cluster's draws depend on besides the stream.
pub(super) struct ClusterContext<'a> {
    pub(super) seed: u64,
    /// The cluster's position in the whole fleet.
    pub(super) global: usize,
    pub(super) subscription_id: &'a str,
    pub(super) tenant_id: &'a str,
    pub(super) profile: &'a SubscriptionProfile,
}

/// One cluster as drawn: its ARM object, in plain values that serialise straight
/// into the body, and what its details need besides.
pub(super) struct DrawnCluster<'a> {
    pub(super) object: ClusterObject<'a>,
    /// The number at the end of the name.
    pub(super) number: u32,
    pub(super) region: usize,
    /// Per pool, in pool order: what its upgrade profile needs beyond the pool object.
    pub(super) pool_draws: Vec<PoolDraw>,
}

/// A cluster's drill-down resources, replayed from its random stream.
#[derive(Debug, Clone)]
pub struct ClusterDetails {
    /// The cluster's maintenance configurations (ARM objects).
    pub maintenance_configurations: Vec<Value>,
    /// One (pool name, agent pool upgrade profile) per pool, in pool order.
    pub pool_upgrade_profiles: Vec<(String, Value)>,
}

impl DrawnCluster<'_> {
    /// The pools' upgrade profiles, from what was drawn, and the maintenance
    /// configurations, drawn from `rng` (the cluster's last draws).
    pub(super) fn details(&self, rng: &mut Rng) -> ClusterDetails {
        let id = &self.object.id;
        let pool_upgrade_profiles = self
            .object
            .properties
            .agent_pool_profiles
            .iter()
            .zip(&self.pool_draws)
            .map(|(p, draw)| (p.name.clone(), pool::upgrade_profile(id, self.region, p, draw)))
            .collect();
        ClusterDetails {
            maintenance_configurations: maintenance_configurations(rng, id, &REGIONS[self.region]),
            pool_upgrade_profiles,
        }
    }
}

/// One cluster's draws, all but the maintenance configurations (which follow), in
/// this order: where it lives and its name, its channels, its version, its SKU and
/// support plan, its state, how old its node images are, its pools, and the rest of
/// its properties. `number_for` numbers the name within its prefix
/// (`aks-payments-prod-weu`); it draws nothing, so a replay with the same stream and
/// the same number gives the same cluster.
pub(super) fn draw_cluster<'a>(
    ctx: &ClusterContext<'a>,
    rng: &mut Rng,
    number_for: impl FnOnce(&str) -> u32,
) -> DrawnCluster<'a> {
    let place = Placement::draw(ctx, rng, number_for);
    let channels = Channels::draw(ctx, rng);
    let versions = Versions::draw(rng);
    let plan = SupportPlan::draw(rng, place.env, versions.minor, channels.automatic);
    let health = Health::draw(rng, place.env);
    let image_age = image_age(rng, channels.node_os, health.stopped);
    let (pools, pool_draws) = pool::draw_pools(
        rng,
        &pool::PoolContext {
            automatic: channels.automatic,
            minor: versions.minor,
            patch: versions.patch,
            kubernetes_version: &versions.kubernetes_version,
            current: &versions.current,
            image_age,
            power: health.power,
            provisioning: health.provisioning,
        },
    );
    let endpoints = Endpoints::draw(ctx, rng, &place);
    let network_profile = network_profile(rng);
    let access = Access::draw(ctx, rng, &place);
    let resource_uid = rng.hex(24);
    let status = health.failed.then(|| Status {
        provisioning_error: failure(rng, &place.name),
    });
    let tags = draw_tags(rng, &place);
    let etag = rng.guid();
    let principal_id = rng.guid();

    let auto_upgrade_profile = match (channels.upgrade, channels.node_os) {
        (None, None) => None,
        (upgrade, node_os) => Some(AutoUpgradeProfile {
            node_os_upgrade_channel: node_os,
            upgrade_channel: upgrade,
        }),
    };
    let identity_profile = kubelet_identity(ctx, &place, &endpoints);
    let object = ClusterObject {
        etag,
        id: place.id,
        identity: Identity {
            principal_id,
            tenant_id: ctx.tenant_id,
            kind: "SystemAssigned",
        },
        location: place.region.name,
        name: place.name,
        properties: Properties {
            agent_pool_profiles: pools,
            auto_upgrade_profile,
            azure_portal_fqdn: endpoints.azure_portal_fqdn,
            bootstrap_profile: BootstrapProfile {
                artifact_source: "Direct",
            },
            current_kubernetes_version: versions.current,
            disable_local_accounts: access.disable_local_accounts,
            dns_prefix: endpoints.dns_prefix,
            enable_rbac: true,
            fqdn: endpoints.fqdn,
            identity_profile,
            kubernetes_version: versions.kubernetes_version,
            max_agent_pools: 100,
            network_profile,
            node_resource_group: endpoints.node_resource_group,
            oidc_issuer_profile: OidcIssuerProfile {
                enabled: true,
                issuer_url: access.issuer_url,
            },
            power_state: PowerState { code: health.power },
            provisioning_state: health.provisioning,
            resource_uid,
            security_profile: ClusterSecurityProfile {
                workload_identity: Enabled {
                    enabled: access.workload_identity,
                },
            },
            status,
            storage_profile: StorageProfile {
                disk_csi_driver: Enabled { enabled: true },
                file_csi_driver: Enabled { enabled: true },
                snapshot_controller: Enabled { enabled: true },
            },
            support_plan: plan.support_plan,
        },
        sku: Sku {
            name: if channels.automatic { "Automatic" } else { "Base" },
            tier: plan.tier,
        },
        tags,
        kind: "Microsoft.ContainerService/ManagedClusters",
    };
    DrawnCluster {
        object,
        number: place.number,
        region: place.region_index,
        pool_draws,
    }
}

/// Team, environment, region, and the names and id they make.
struct Placement {
    team: String,
    env: &'static str,
    region_index: usize,
    region: &'static Region,
    number: u32,
    name: String,
    resource_group: String,
    id: String,
}

impl Placement {
    fn draw(ctx: &ClusterContext, rng: &mut Rng, number_for: impl FnOnce(&str) -> u32) -> Placement {
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
        let resource_group = if mix(ctx.seed ^ hash_str(&group_base) ^ hash_str(ctx.subscription_id)).is_multiple_of(10)
        {
            group_base.to_ascii_uppercase()
        } else {
            group_base
        };
        let id = format!(
            "/subscriptions/{}/resourcegroups/{resource_group}/providers/Microsoft.ContainerService/managedClusters/{name}",
            ctx.subscription_id
        );
        Placement {
            team,
            env,
            region_index,
            region,
            number,
            name,
            resource_group,
            id,
        }
    }
}

/// The cluster and node OS upgrade channels, and whether the cluster is AKS Automatic.
struct Channels {
    automatic: bool,
    upgrade: Option<&'static str>,
    node_os: Option<&'static str>,
}

impl Channels {
    /// The first clusters of the fleet take `COVERAGE` in turn (and draw nothing);
    /// Automatic clusters have both channels fixed; the rest are weighted draws.
    fn draw(ctx: &ClusterContext, rng: &mut Rng) -> Channels {
        let automatic = ctx.global >= COVERAGE.len() && rng.chance(0.03);
        let (upgrade, node_os) = if let Some(&forced) = COVERAGE.get(ctx.global) {
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
        Channels {
            automatic,
            upgrade,
            node_os,
        }
    }
}

/// The Kubernetes version the cluster runs, and the one it asks for.
struct Versions {
    minor: (u32, u32),
    patch: u32,
    /// `currentKubernetesVersion`, always a full patch.
    current: String,
    /// `kubernetesVersion`: the patch, or only the minor.
    kubernetes_version: String,
}

impl Versions {
    fn draw(rng: &mut Rng) -> Versions {
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
        Versions {
            minor,
            patch,
            current,
            kubernetes_version,
        }
    }
}

/// The SKU tier and the support plan (LTS needs Premium).
struct SupportPlan {
    tier: &'static str,
    support_plan: &'static str,
}

impl SupportPlan {
    fn draw(rng: &mut Rng, env: &str, minor: (u32, u32), automatic: bool) -> SupportPlan {
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
        SupportPlan { tier, support_plan }
    }
}

/// Running or stopped, and whether the last operation failed.
struct Health {
    stopped: bool,
    failed: bool,
    power: &'static str,
    provisioning: &'static str,
}

impl Health {
    fn draw(rng: &mut Rng, env: &str) -> Health {
        let state_draw = rng.unit();
        let stopped = state_draw < 0.04 && env != "prod";
        let failed = (0.04..0.07).contains(&state_draw);
        Health {
            stopped,
            failed,
            power: if stopped { "Stopped" } else { "Running" },
            provisioning: if failed { "Failed" } else { "Succeeded" },
        }
    }
}

/// How many releases behind the newest the cluster's node images are: clusters on
/// an automatic node OS channel stay close to the newest image.
fn image_age(rng: &mut Rng, node_os: Option<&str>, stopped: bool) -> i64 {
    let auto_node_os = matches!(node_os, Some("NodeImage" | "SecurityPatch"));
    if auto_node_os && !stopped && rng.chance(0.9) {
        *rng.weighted(&[(0, 6), (1, 3), (2, 1)])
    } else {
        rng.range(0, (LINUX_RELEASES - 1) as u64) as i64
    }
}

/// The names the cluster is reached by.
struct Endpoints {
    dns_prefix: String,
    fqdn: String,
    azure_portal_fqdn: String,
    node_resource_group: String,
}

impl Endpoints {
    fn draw(ctx: &ClusterContext, rng: &mut Rng, place: &Placement) -> Endpoints {
        let region = place.region.name;
        let dns_prefix = format!(
            "{}-{}-{}",
            truncate(&place.name, 10),
            truncate(&place.resource_group, 10),
            &ctx.subscription_id[..6]
        );
        let host = rng.hex(8);
        Endpoints {
            fqdn: format!("{dns_prefix}-{host}.hcp.{region}.azmk8s.io"),
            azure_portal_fqdn: format!("{dns_prefix}-{host}.portal.hcp.{region}.azmk8s.io"),
            node_resource_group: format!("MC_{}_{}_{region}", place.resource_group, place.name),
            dns_prefix,
        }
    }
}

/// Local accounts, workload identity and the OIDC issuer.
struct Access {
    disable_local_accounts: bool,
    workload_identity: bool,
    issuer_url: String,
}

impl Access {
    fn draw(ctx: &ClusterContext, rng: &mut Rng, place: &Placement) -> Access {
        // Only production clusters draw whether local accounts are off.
        let disable_local_accounts = place.env == "prod" && rng.chance(0.6);
        let workload_identity = rng.chance(0.7);
        let issuer_url = format!(
            "https://{}.oic.prod-aks.azure.com/{}/{}/",
            place.region.name,
            ctx.tenant_id,
            rng.guid()
        );
        Access {
            disable_local_accounts,
            workload_identity,
            issuer_url,
        }
    }
}

/// The kubelet's user-assigned identity, in the node resource group. Its ids come
/// from the cluster's id, not from the stream, so adding it moved no other draw.
fn kubelet_identity(ctx: &ClusterContext, place: &Placement, endpoints: &Endpoints) -> IdentityProfile {
    let h = mix(ctx.seed ^ hash_str(&place.id) ^ 0x6B75_6265_6C65_7400);
    IdentityProfile {
        kubeletidentity: UserAssignedIdentity {
            client_id: guid_of(mix(h ^ 1), mix(h ^ 2)),
            object_id: guid_of(mix(h ^ 3), mix(h ^ 4)),
            resource_id: format!(
                "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}-agentpool",
                ctx.subscription_id, endpoints.node_resource_group, place.name
            ),
        },
    }
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

/// The error of a cluster whose last operation failed.
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

/// Most clusters are tagged with their environment, owner and team; a few are not tagged at all.
fn draw_tags(rng: &mut Rng, place: &Placement) -> Tags {
    let mut tags = Tags::default();
    if !rng.chance(0.08) {
        tags.env = Some(place.env);
        tags.owner = Some(*rng.pick(OWNERS));
        if rng.chance(0.2) {
            tags.cost_center = Some(format!("CC-{}", rng.range(1000, 9999)));
        }
        if place.team == "payments" && place.env == "prod" {
            tags.compliance = Some("pci");
        }
        tags.team = Some(place.team.clone());
    }
    tags
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
