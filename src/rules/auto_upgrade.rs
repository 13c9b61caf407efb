//! Azure.AKS.AutoUpgrade (AZR-000036): the cluster follows an upgrade channel.
//!
//! PSRule: `Properties.autoUpgradeProfile.upgradeChannel` has a value and is not
//! `none` (ignoring case).

use super::Check;
use crate::model::{Cluster, Outcome};

const PATH: &str = "Properties.autoUpgradeProfile.upgradeChannel";

pub fn check(cluster: &Cluster) -> Check {
    match cluster.upgrade_channel.as_deref().map(str::trim) {
        None => (
            Outcome::Fail,
            format!("Path {PATH}: Does not exist. Set an upgrade channel such as patch or stable."),
        ),
        Some("") => (
            Outcome::Fail,
            format!("Path {PATH}: Is empty. Set an upgrade channel such as patch or stable."),
        ),
        Some(v) if v.eq_ignore_ascii_case("none") => (
            Outcome::Fail,
            format!("Path {PATH}: Is set to '{v}'. The cluster is never upgraded automatically; set patch or stable."),
        ),
        Some(v) => (Outcome::Pass, format!("The cluster upgrade channel is '{v}'.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_channel_but_none_passes() {
        let cases = [
            (Some("rapid"), Outcome::Pass),
            (Some("stable"), Outcome::Pass),
            (Some("patch"), Outcome::Pass),
            (Some("node-image"), Outcome::Pass),
            (Some("Stable"), Outcome::Pass),
            (Some("none"), Outcome::Fail),
            (Some("None"), Outcome::Fail),
            (Some("NONE"), Outcome::Fail),
            (Some(""), Outcome::Fail),
            (None, Outcome::Fail),
        ];
        for (channel, want) in cases {
            let cluster = Cluster {
                upgrade_channel: channel.map(Into::into),
                ..Default::default()
            };
            assert_eq!(check(&cluster).0, want, "{channel:?}");
        }
    }

    #[test]
    fn a_missing_channel_names_the_path() {
        let reason = check(&Cluster::default()).1;
        assert!(
            reason.starts_with("Path Properties.autoUpgradeProfile.upgradeChannel: Does not exist."),
            "{reason}"
        );
    }
}
