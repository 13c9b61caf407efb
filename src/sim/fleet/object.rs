//! The ARM objects of a drawn cluster, as plain values that serialise straight into
//! a response body (the wire shapes of `azure-api-reference.md` §1.3).
//!
//! Invariant: each struct lists its fields in the order a `serde_json::Value`
//! object writes its keys (sorted), so a body written from these structs is byte
//! for byte the body of the `Value` tree with the same content. That is what lets
//! a replayed cluster and one kept as JSON (or read back into a `Value`) serve the
//! same bytes.

use serde::Serialize;

/// A managed cluster, as `GET .../managedClusters/{name}` answers.
#[derive(Serialize)]
pub(super) struct ClusterObject<'a> {
    #[serde(rename = "eTag")]
    pub(super) etag: String,
    pub(super) id: String,
    pub(super) identity: Identity<'a>,
    pub(super) location: &'static str,
    pub(super) name: String,
    pub(super) properties: Properties,
    pub(super) sku: Sku,
    pub(super) tags: Tags,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Identity<'a> {
    pub(super) principal_id: String,
    pub(super) tenant_id: &'a str,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
}

/// The identities AKS made for the cluster: its kubelet's, always present on a
/// cluster with a managed identity (the Azure CLI reads it before every update).
#[derive(Serialize)]
pub(super) struct IdentityProfile {
    pub(super) kubeletidentity: UserAssignedIdentity,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserAssignedIdentity {
    pub(super) client_id: String,
    pub(super) object_id: String,
    pub(super) resource_id: String,
}

#[derive(Serialize)]
pub(super) struct Sku {
    pub(super) name: &'static str,
    pub(super) tier: &'static str,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Tags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) compliance: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cost_center: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) env: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) owner: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) team: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Properties {
    pub(super) agent_pool_profiles: Vec<Pool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) auto_upgrade_profile: Option<AutoUpgradeProfile>,
    #[serde(rename = "azurePortalFQDN")]
    pub(super) azure_portal_fqdn: String,
    pub(super) bootstrap_profile: BootstrapProfile,
    pub(super) current_kubernetes_version: String,
    pub(super) disable_local_accounts: bool,
    pub(super) dns_prefix: String,
    #[serde(rename = "enableRBAC")]
    pub(super) enable_rbac: bool,
    pub(super) fqdn: String,
    pub(super) identity_profile: IdentityProfile,
    pub(super) kubernetes_version: String,
    pub(super) max_agent_pools: u32,
    pub(super) network_profile: NetworkProfile,
    pub(super) node_resource_group: String,
    pub(super) oidc_issuer_profile: OidcIssuerProfile,
    pub(super) power_state: PowerState,
    pub(super) provisioning_state: &'static str,
    #[serde(rename = "resourceUID")]
    pub(super) resource_uid: String,
    pub(super) security_profile: ClusterSecurityProfile,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) status: Option<Status>,
    pub(super) storage_profile: StorageProfile,
    pub(super) support_plan: &'static str,
}

#[derive(Serialize)]
pub(super) struct AutoUpgradeProfile {
    #[serde(rename = "nodeOSUpgradeChannel", skip_serializing_if = "Option::is_none")]
    pub(super) node_os_upgrade_channel: Option<&'static str>,
    #[serde(rename = "upgradeChannel", skip_serializing_if = "Option::is_none")]
    pub(super) upgrade_channel: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BootstrapProfile {
    pub(super) artifact_source: &'static str,
}

#[derive(Serialize)]
pub(super) struct Enabled {
    pub(super) enabled: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClusterSecurityProfile {
    pub(super) workload_identity: Enabled,
}

#[derive(Serialize)]
pub(super) struct StorageProfile {
    #[serde(rename = "diskCSIDriver")]
    pub(super) disk_csi_driver: Enabled,
    #[serde(rename = "fileCSIDriver")]
    pub(super) file_csi_driver: Enabled,
    #[serde(rename = "snapshotController")]
    pub(super) snapshot_controller: Enabled,
}

#[derive(Serialize)]
pub(super) struct OidcIssuerProfile {
    pub(super) enabled: bool,
    #[serde(rename = "issuerURL")]
    pub(super) issuer_url: String,
}

#[derive(Serialize)]
pub(super) struct PowerState {
    pub(super) code: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Status {
    pub(super) provisioning_error: Failure,
}

#[derive(Serialize)]
pub(super) struct Failure {
    pub(super) code: &'static str,
    pub(super) message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NetworkProfile {
    #[serde(rename = "dnsServiceIP")]
    pub(super) dns_service_ip: &'static str,
    pub(super) ip_families: [&'static str; 1],
    pub(super) load_balancer_profile: LoadBalancerProfile,
    pub(super) load_balancer_sku: &'static str,
    pub(super) network_dataplane: &'static str,
    pub(super) network_plugin: &'static str,
    pub(super) network_plugin_mode: &'static str,
    pub(super) network_policy: &'static str,
    pub(super) outbound_type: &'static str,
    pub(super) pod_cidr: &'static str,
    pub(super) pod_cidrs: [&'static str; 1],
    pub(super) service_cidr: &'static str,
    pub(super) service_cidrs: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LoadBalancerProfile {
    pub(super) backend_pool_type: &'static str,
    #[serde(rename = "managedOutboundIPs")]
    pub(super) managed_outbound_ips: ManagedOutboundIps,
}

#[derive(Serialize)]
pub(super) struct ManagedOutboundIps {
    pub(super) count: u32,
}

/// One of `properties.agentPoolProfiles`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Pool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) availability_zones: Option<[&'static str; 3]>,
    pub(super) count: u64,
    pub(super) current_orchestrator_version: String,
    #[serde(rename = "eTag")]
    pub(super) etag: String,
    pub(super) enable_auto_scaling: bool,
    pub(super) enable_encryption_at_host: bool,
    #[serde(rename = "enableFIPS")]
    pub(super) enable_fips: bool,
    #[serde(rename = "enableNodePublicIP")]
    pub(super) enable_node_public_ip: bool,
    #[serde(rename = "enableUltraSSD")]
    pub(super) enable_ultra_ssd: bool,
    pub(super) kubelet_disk_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) max_count: Option<u64>,
    pub(super) max_pods: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) min_count: Option<u64>,
    pub(super) mode: &'static str,
    pub(super) name: String,
    pub(super) node_image_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) node_taints: Option<[&'static str; 1]>,
    pub(super) orchestrator_version: String,
    #[serde(rename = "osDiskSizeGB")]
    pub(super) os_disk_size_gb: u32,
    pub(super) os_disk_type: &'static str,
    #[serde(rename = "osSKU")]
    pub(super) os_sku: &'static str,
    pub(super) os_type: &'static str,
    pub(super) power_state: PowerState,
    pub(super) provisioning_state: &'static str,
    pub(super) scale_down_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) scale_set_eviction_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) scale_set_priority: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) security_profile: Option<PoolSecurityProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) spot_max_price: Option<i32>,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) upgrade_settings: UpgradeSettings,
    pub(super) vm_size: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PoolSecurityProfile {
    pub(super) enable_secure_boot: bool,
    #[serde(rename = "enableVTPM")]
    pub(super) enable_vtpm: bool,
    pub(super) ssh_access: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpgradeSettings {
    pub(super) max_surge: &'static str,
    pub(super) max_unavailable: &'static str,
}
