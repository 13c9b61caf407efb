//! The wire contract with Azure: the Resource Graph queries aksradar sends and the
//! api-versions it uses.
//!
//! Plain constants, in the model because both sides of the wire need them: the
//! client in `azure` sends them and the built-in simulator in `sim` answers exactly
//! these queries and names these versions in its errors.

/// Managed clusters, one row each, with the columns the importer reads. `id` is
/// projected so that Resource Graph can page with `$skipToken`.
pub const CLUSTER_QUERY: &str = "resources
| where type =~ 'microsoft.containerservice/managedclusters'
| extend upgradeChannel = tostring(properties.autoUpgradeProfile.upgradeChannel),
         nodeOSUpgradeChannel = tostring(properties.autoUpgradeProfile.nodeOSUpgradeChannel),
         kubernetesVersion = tostring(properties.kubernetesVersion),
         currentKubernetesVersion = tostring(properties.currentKubernetesVersion),
         powerState = tostring(properties.powerState.code),
         provisioningState = tostring(properties.provisioningState),
         supportPlan = tostring(properties.supportPlan), skuTier = tostring(sku.tier)
| project id, name, type, subscriptionId, resourceGroup, location, tags, skuTier, kubernetesVersion,
          currentKubernetesVersion, upgradeChannel, nodeOSUpgradeChannel, powerState, provisioningState,
          supportPlan, pools = properties.agentPoolProfiles
| order by id asc";

/// AKS's scheduled upgrade events for the whole fleet, one row each: Resource Graph's
/// `containerserviceeventresources` table, kept to the events that name an upgrade
/// (AKS's own alert queries pick them the same way). `id` is projected so that
/// Resource Graph can page with `$skipToken`; `properties` may arrive as a JSON string.
pub const EVENTS_QUERY: &str = "containerserviceeventresources
| where type =~ 'microsoft.containerservice/managedclusters/scheduledevents'
| where properties has 'K8sVersionUpgrade' or properties has 'NodeOSUpgrade'
| project id, name, type, subscriptionId, resourceGroup, properties
| order by id asc";

/// Whether two queries are the same once whitespace is ignored.
pub fn same_query(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// Managed clusters and their children (agent pools, maintenance configurations, versions).
pub const ARM_API_VERSION: &str = "2025-10-01";
/// `GET /subscriptions`.
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
/// `POST /providers/Microsoft.ResourceGraph/resources`.
pub const GRAPH_API_VERSION: &str = "2024-04-01";
