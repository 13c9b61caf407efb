//! What is read about one cluster beyond the list: its maintenance configurations,
//! each pool's latest node image and whether its region still offers its version.
//! The cluster view reads them when it opens, `scan --details` for every cluster.

use super::{Cluster, MaintenanceConfig, SourceError};

/// What the cluster view fetches when it opens, and `scan --details` for every cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterDetails {
    pub maintenance: Option<Vec<MaintenanceConfig>>,
    /// Each pool's latest available node image, by pool name.
    pub latest_images: Vec<(String, String)>,
    /// Whether the region still offers the cluster's minor version, when known.
    pub version_supported: Option<bool>,
    pub errors: Vec<SourceError>,
}

impl ClusterDetails {
    /// Puts the details into the cluster, so the rules see them.
    pub fn apply(self, cluster: &mut Cluster) {
        if self.maintenance.is_some() {
            cluster.maintenance = self.maintenance;
        }
        for (pool_name, latest) in self.latest_images {
            if let Some(pool) = cluster.pools.iter_mut().find(|p| p.name == pool_name) {
                pool.latest_node_image_version = Some(latest);
            }
        }
        if self.version_supported.is_some() {
            cluster.version_supported_in_region = self.version_supported;
        }
    }
}
