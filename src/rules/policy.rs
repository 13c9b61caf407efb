//! Azure Policy 04408ca5 ("Azure Kubernetes Service Clusters should enable node os
//! auto-upgrade"), evaluated beside PSRule so a reader sees where the two disagree.
//!
//! The policy is non-compliant when `upgradeChannel` is missing or not `node-image`
//! AND `nodeOSUpgradeChannel` is missing or not in the allowed list (default
//! NodeImage, SecurityPatch). Policy `equals` and `in` ignore case.

use crate::model::{Cluster, NodeOsChannel, PolicyVerdict, UpgradeChannel};

pub const DEFINITION_ID: &str = "04408ca5-aa10-42ce-8536-98955cdddd4c";

pub fn azure_policy_node_os(cluster: &Cluster) -> PolicyVerdict {
    let node = cluster.node_os_channel();
    if node.patches_automatically() {
        return PolicyVerdict {
            compliant: true,
            reason: format!("Compliant: nodeOSUpgradeChannel is {node}, an allowed channel.").into(),
        };
    }
    if cluster.upgrade_channel() == UpgradeChannel::NodeImage {
        let disagreement = match node {
            NodeOsChannel::Unspecified => "nodeOSUpgradeChannel is not set",
            _ => "nodeOSUpgradeChannel is not NodeImage",
        };
        return PolicyVerdict {
            compliant: true,
            reason: format!(
                "Compliant: upgradeChannel is node-image, which the policy accepts on its own. \
                 PSRule does not, because {disagreement}; AKS sets it to NodeImage on the next update."
            )
            .into(),
        };
    }
    PolicyVerdict {
        compliant: false,
        reason: format!("Non-compliant: nodeOSUpgradeChannel is {node} and upgradeChannel is not node-image.").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(upgrade: Option<&str>, node: Option<&str>) -> bool {
        let cluster = Cluster {
            upgrade_channel: upgrade.map(Into::into),
            node_os_upgrade_channel: node.map(Into::into),
            ..Default::default()
        };
        azure_policy_node_os(&cluster).compliant
    }

    #[test]
    fn node_image_cluster_channel_or_an_allowed_node_channel_complies() {
        let cases = [
            (None, Some("SecurityPatch"), true),
            (None, Some("NodeImage"), true),
            (Some("none"), Some("nodeimage"), true),
            (Some("node-image"), None, true),
            (Some("Node-Image"), Some("None"), true),
            (Some("patch"), Some("Unmanaged"), false),
            (Some("stable"), None, false),
            (None, Some("None"), false),
            (None, None, false),
        ];
        for (upgrade, node, want) in cases {
            assert_eq!(verdict(upgrade, node), want, "{upgrade:?} {node:?}");
        }
    }

    #[test]
    fn a_disagreement_with_psrule_is_explained() {
        let cluster = Cluster {
            upgrade_channel: Some("node-image".into()),
            ..Default::default()
        };
        assert!(azure_policy_node_os(&cluster).reason.contains("PSRule does not"));
    }
}
