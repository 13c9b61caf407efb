//! Azure.AKS.MaintenanceWindow (AZR-000446): both AKS-managed schedules exist.
//!
//! PSRule: among the cluster's maintenance configurations, one whose name ends with
//! `aksManagedAutoUpgradeSchedule` and one ending with `aksManagedNodeOSUpgradeSchedule`
//! (ignoring case; template children are named `cluster/aksManaged...`). When the
//! configurations were not read (live data before drill-down) the outcome is Unknown.

use super::Check;
use crate::model::{Cluster, Outcome};

pub const AUTO_UPGRADE_SCHEDULE: &str = "aksManagedAutoUpgradeSchedule";
pub const NODE_OS_SCHEDULE: &str = "aksManagedNodeOSUpgradeSchedule";

fn ends_with_ignore_case(name: &str, suffix: &str) -> bool {
    name.len() >= suffix.len()
        && name.is_char_boundary(name.len() - suffix.len())
        && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

pub fn check(cluster: &Cluster) -> Check {
    let Some(configs) = &cluster.maintenance else {
        return (
            Outcome::Unknown,
            "The maintenance configurations were not read; open the cluster or scan with --details.".to_string(),
        );
    };
    let has = |suffix| configs.iter().any(|c| ends_with_ignore_case(&c.name, suffix));
    if has(AUTO_UPGRADE_SCHEDULE) && has(NODE_OS_SCHEDULE) {
        (
            Outcome::Pass,
            format!("Both '{AUTO_UPGRADE_SCHEDULE}' and '{NODE_OS_SCHEDULE}' are configured."),
        )
    } else {
        (
            Outcome::Fail,
            format!(
                "The cluster ({}) should have the customer-controlled maintenance windows \
                 '{AUTO_UPGRADE_SCHEDULE}' and '{NODE_OS_SCHEDULE}' configured.",
                cluster.name
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::maintenance;

    fn cluster(names: Option<&[&str]>) -> Cluster {
        Cluster {
            name: "cluster-A".into(),
            maintenance: names.and_then(maintenance),
            ..Default::default()
        }
    }

    #[test]
    fn both_managed_schedules_are_needed() {
        let cases: [(Option<&[&str]>, Outcome); 8] = [
            (
                Some(&["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]),
                Outcome::Pass,
            ),
            (
                Some(&[
                    "default",
                    "aksManagedAutoUpgradeSchedule",
                    "aksManagedNodeOSUpgradeSchedule",
                ]),
                Outcome::Pass,
            ),
            (
                Some(&["AKSMANAGEDAUTOUPGRADESCHEDULE", "aksmanagednodeosupgradeschedule"]),
                Outcome::Pass,
            ),
            (
                Some(&[
                    "cluster-A/aksManagedAutoUpgradeSchedule",
                    "cluster-A/aksManagedNodeOSUpgradeSchedule",
                ]),
                Outcome::Pass,
            ),
            (Some(&["aksManagedAutoUpgradeSchedule"]), Outcome::Fail),
            (Some(&["default"]), Outcome::Fail),
            (Some(&[]), Outcome::Fail),
            (None, Outcome::Unknown),
        ];
        for (names, want) in cases {
            assert_eq!(check(&cluster(names)).0, want, "{names:?}");
        }
    }

    #[test]
    fn the_failure_reason_is_psrule_s() {
        assert_eq!(
            check(&cluster(Some(&["default"]))).1,
            "The cluster (cluster-A) should have the customer-controlled maintenance windows \
             'aksManagedAutoUpgradeSchedule' and 'aksManagedNodeOSUpgradeSchedule' configured."
        );
    }
}
