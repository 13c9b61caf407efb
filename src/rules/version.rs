//! Azure.AKS.Version (AZR-000015): the cluster runs at least the minimum version.
//!
//! PSRule: a template resource (not an export) on the `rapid` or `stable` channel
//! passes without a check, since AKS keeps it current. Everything else has
//! `Properties.kubernetesVersion` compared as a semantic version with `>=minimum`;
//! missing or unreadable versions and pre-releases fail.

use super::Check;
use crate::model::{Cluster, Origin, Outcome, UpgradeChannel, Version};

const PATH: &str = "Properties.kubernetesVersion";

pub fn check(cluster: &Cluster, minimum: &Version) -> Check {
    let channel = cluster.upgrade_channel();
    if cluster.origin == Origin::Template && matches!(channel, UpgradeChannel::Rapid | UpgradeChannel::Stable) {
        return (
            Outcome::Pass,
            format!("A template resource on the '{channel}' channel: AKS keeps its version current."),
        );
    }
    let Some(raw) = cluster.kubernetes_version.as_deref() else {
        return (Outcome::Fail, format!("Path {PATH}: Does not exist."));
    };
    let Some(version) = Version::parse(raw) else {
        return (
            Outcome::Fail,
            format!("Path {PATH}: The version '{raw}' is not a valid semantic version."),
        );
    };
    let (outcome, mut reason) = if version.satisfies_minimum(minimum) {
        (
            Outcome::Pass,
            format!("The version '{raw}' meets the constraint '>={minimum}'."),
        )
    } else {
        (
            Outcome::Fail,
            format!("Path {PATH}: The version '{raw}' does not match the constraint '>={minimum}'."),
        )
    };
    // Live data knows what the region still offers; PSRule's verdict stays, the reason grows.
    if cluster.version_supported_in_region == Some(false) {
        let location = &cluster.location;
        reason.push_str(&format!(
            " AKS in {location} no longer offers Kubernetes {}.{}: it is out of support there.",
            version.major, version.minor
        ));
    }
    (outcome, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(version: Option<&str>) -> Cluster {
        Cluster {
            kubernetes_version: version.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn versions_are_compared_as_versions_against_the_minimum() {
        let min = Version::parse("1.33.7").unwrap();
        let cases = [
            (Some("1.33.7"), Outcome::Pass),
            (Some("1.33.10"), Outcome::Pass),
            (Some("1.34"), Outcome::Pass),
            (Some("1.33"), Outcome::Fail),
            (Some("1.33.6"), Outcome::Fail),
            (Some("1.9.6"), Outcome::Fail),
            (Some("1.34.0-preview"), Outcome::Fail),
            (Some("latest"), Outcome::Fail),
            (Some(""), Outcome::Fail),
            (None, Outcome::Fail),
        ];
        for (version, want) in cases {
            assert_eq!(check(&live(version), &min).0, want, "{version:?}");
        }
    }

    #[test]
    fn the_reason_matches_psrule_word_for_word() {
        let min = Version::parse("1.33.7").unwrap();
        assert_eq!(
            check(&live(Some("1.13.8")), &min).1,
            "Path Properties.kubernetesVersion: The version '1.13.8' does not match the constraint '>=1.33.7'."
        );
    }

    #[test]
    fn live_data_says_when_the_region_no_longer_offers_the_version() {
        let min = Version::parse("1.30.0").unwrap();
        let cluster = Cluster {
            location: "eastus".into(),
            version_supported_in_region: Some(false),
            ..live(Some("1.31.9"))
        };
        let (outcome, reason) = check(&cluster, &min);
        assert_eq!(outcome, Outcome::Pass, "PSRule's verdict is kept");
        assert!(
            reason.ends_with("AKS in eastus no longer offers Kubernetes 1.31: it is out of support there."),
            "{reason}"
        );
    }

    #[test]
    fn only_template_resources_on_rapid_or_stable_skip_the_check() {
        let min = Version::parse("9.99.9").unwrap();
        let template = |channel: &str| Cluster {
            kubernetes_version: Some("1.20.0".into()),
            upgrade_channel: Some(channel.into()),
            origin: Origin::Template,
            ..Default::default()
        };
        assert_eq!(check(&template("stable"), &min).0, Outcome::Pass);
        assert_eq!(check(&template("Rapid"), &min).0, Outcome::Pass);
        assert_eq!(check(&template("patch"), &min).0, Outcome::Fail);
        assert_eq!(check(&template("node-image"), &min).0, Outcome::Fail);
        let exported = Cluster {
            origin: Origin::Deployed,
            ..template("stable")
        };
        assert_eq!(check(&exported, &min).0, Outcome::Fail);
    }
}
