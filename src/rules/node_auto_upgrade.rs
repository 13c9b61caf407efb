//! Azure.AKS.NodeAutoUpgrade (AZR-000435): nodes get OS security patches automatically.
//!
//! PSRule: `properties.autoUpgradeProfile.nodeOSUpgradeChannel` in
//! (`SecurityPatch`, `NodeImage`), ignoring case. Missing, empty, `None` and
//! `Unmanaged` fail. Unlike Azure Policy, `upgradeChannel: node-image` does not count.

use super::Check;
use crate::model::{Cluster, NodeOsChannel, Outcome};

const PATH: &str = "properties.autoUpgradeProfile.nodeOSUpgradeChannel";

pub fn check(cluster: &Cluster) -> Check {
    let channel = cluster.node_os_channel();
    if channel.patches_automatically() {
        return (
            Outcome::Pass,
            format!("The node OS upgrade channel is {channel}: nodes are patched automatically."),
        );
    }
    let what = match (&channel, cluster.node_os_upgrade_channel.as_deref()) {
        (NodeOsChannel::Unspecified, None) => format!("Path {PATH}: Does not exist."),
        (NodeOsChannel::Unspecified, Some(_)) => format!("Path {PATH}: Is empty."),
        (_, Some(raw)) => format!("Path {PATH}: The field value '{raw}' was not included in the set."),
        (_, None) => unreachable!("a named channel always has a raw value"),
    };
    let why = match channel {
        NodeOsChannel::Unmanaged if cluster.has_windows_pool() => {
            " Unmanaged leaves patching to the OS, and Windows nodes do not patch themselves."
        }
        NodeOsChannel::Unmanaged => {
            " Unmanaged leaves patching to the OS, untested by AKS and outside maintenance windows."
        }
        NodeOsChannel::None => " None means nodes receive no OS security updates at all.",
        _ => " Nodes do not get OS security patches automatically.",
    };
    (
        Outcome::Fail,
        format!("{what}{why} Set it to SecurityPatch or NodeImage."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AgentPool;

    fn cluster(channel: Option<&str>) -> Cluster {
        Cluster {
            node_os_upgrade_channel: channel.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn only_securitypatch_and_nodeimage_pass_in_any_casing() {
        let cases = [
            (Some("SecurityPatch"), Outcome::Pass),
            (Some("NodeImage"), Outcome::Pass),
            (Some("securitypatch"), Outcome::Pass),
            (Some("NODEIMAGE"), Outcome::Pass),
            (Some("Unmanaged"), Outcome::Fail),
            (Some("None"), Outcome::Fail),
            (Some("none"), Outcome::Fail),
            (Some(""), Outcome::Fail),
            (None, Outcome::Fail),
            (Some("Node-Image"), Outcome::Fail),
        ];
        for (channel, want) in cases {
            assert_eq!(check(&cluster(channel)).0, want, "{channel:?}");
        }
    }

    #[test]
    fn reasons_name_the_path_and_the_value() {
        let missing = check(&cluster(None)).1;
        assert!(
            missing.starts_with("Path properties.autoUpgradeProfile.nodeOSUpgradeChannel: Does not exist."),
            "{missing}"
        );
        let none = check(&cluster(Some("None"))).1;
        assert!(
            none.contains("The field value 'None' was not included in the set."),
            "{none}"
        );
        assert!(check(&cluster(Some(""))).1.contains("Is empty."));
    }

    #[test]
    fn the_cluster_channel_does_not_rescue_a_missing_node_channel() {
        let node_image_cluster = Cluster {
            upgrade_channel: Some("node-image".into()),
            ..Default::default()
        };
        assert_eq!(check(&node_image_cluster).0, Outcome::Fail);
    }

    #[test]
    fn unmanaged_on_a_windows_cluster_says_windows_is_not_patched() {
        let windows = Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            pools: vec![AgentPool {
                os_type: Some("Windows".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(check(&windows).1.contains("Windows nodes do not patch themselves"));
    }
}
