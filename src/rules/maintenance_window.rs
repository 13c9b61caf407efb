//! Azure.AKS.MaintenanceWindow (AZR-000446): both AKS-managed schedules exist.
//!
//! PSRule: among the cluster's maintenance configurations, one whose name ends with
//! `aksManagedAutoUpgradeSchedule` and one ending with `aksManagedNodeOSUpgradeSchedule`
//! (ignoring case; template children are named `cluster/aksManaged...`). When the
//! configurations were not read (live data before its details are, or read with
//! `--no-details`), or the latest read of them failed, the outcome is Unknown and the
//! reason says which: a failed read is not judged on the value an earlier read kept.

use super::Check;
use crate::model::{Cluster, DetailPart, Outcome};

pub const AUTO_UPGRADE_SCHEDULE: &str = "aksManagedAutoUpgradeSchedule";
pub const NODE_OS_SCHEDULE: &str = "aksManagedNodeOSUpgradeSchedule";

/// One of the two AKS-managed maintenance schedules the rule wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Schedule {
    AutoUpgrade,
    NodeOs,
}

impl Schedule {
    pub const ALL: [Schedule; 2] = [Schedule::AutoUpgrade, Schedule::NodeOs];

    /// The configuration name AKS requires.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::AutoUpgrade => AUTO_UPGRADE_SCHEDULE,
            Schedule::NodeOs => NODE_OS_SCHEDULE,
        }
    }
}

/// Whether the cluster has the schedule: a configuration whose name ends with the
/// schedule's, ignoring case. `None` when its configurations were not read.
pub fn has_schedule(cluster: &Cluster, schedule: Schedule) -> Option<bool> {
    let suffix = schedule.name();
    let ends_with = |name: &str| {
        name.len() >= suffix.len()
            && name.is_char_boundary(name.len() - suffix.len())
            && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let configs = cluster.maintenance.as_ref()?;
    Some(configs.iter().any(|c| ends_with(&c.name)))
}

pub fn check(cluster: &Cluster) -> Check {
    if let Some(failure) = cluster
        .details
        .as_deref()
        .and_then(|d| d.failure(DetailPart::Maintenance))
    {
        let kept = match failure.kept_from {
            Some(_) => " (the cluster view shows what an earlier read found, marked stale)",
            None => "",
        };
        return (
            Outcome::Unknown,
            format!(
                "The maintenance configurations could not be read ({}: {}){kept}, so whether \
                 '{AUTO_UPGRADE_SCHEDULE}' and '{NODE_OS_SCHEDULE}' exist is unknown.",
                failure.code, failure.message
            ),
        );
    }
    match Schedule::ALL.map(|schedule| has_schedule(cluster, schedule)) {
        [None, _] | [_, None] => (
            Outcome::Unknown,
            "The maintenance configurations were not read: `scan` and `remediate` read them unless given \
             --no-details, the dashboard right after the list."
                .to_string(),
        ),
        [Some(true), Some(true)] => (
            Outcome::Pass,
            format!("Both '{AUTO_UPGRADE_SCHEDULE}' and '{NODE_OS_SCHEDULE}' are configured."),
        ),
        [auto_upgrade, node_os] => {
            // PSRule's words; with one of the two there, which one is missing.
            let psrule = format!(
                "The cluster ({}) should have the customer-controlled maintenance windows \
                 '{AUTO_UPGRADE_SCHEDULE}' and '{NODE_OS_SCHEDULE}' configured.",
                cluster.name
            );
            let reason = match (auto_upgrade, node_os) {
                (Some(true), _) => format!("{psrule} '{NODE_OS_SCHEDULE}' is missing."),
                (_, Some(true)) => format!("{psrule} '{AUTO_UPGRADE_SCHEDULE}' is missing."),
                _ => psrule,
            };
            (Outcome::Fail, reason)
        }
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
    fn each_schedule_is_found_by_its_name_s_end_or_unknown_when_not_read() {
        let c = cluster(Some(&[
            "c/AKSMANAGEDAUTOUPGRADESCHEDULE",
            "é-aksManagedNodeOSUpgradeSchedulé",
        ]));
        assert_eq!(has_schedule(&c, Schedule::AutoUpgrade), Some(true));
        assert_eq!(has_schedule(&c, Schedule::NodeOs), Some(false));
        assert_eq!(has_schedule(&cluster(None), Schedule::NodeOs), None);
    }

    #[test]
    fn with_one_schedule_there_the_reason_names_the_missing_one() {
        let (_, reason) = check(&cluster(Some(&["aksManagedAutoUpgradeSchedule"])));
        assert!(
            reason.ends_with(" 'aksManagedNodeOSUpgradeSchedule' is missing."),
            "{reason}"
        );
        let (_, reason) = check(&cluster(Some(&["aksManagedNodeOSUpgradeSchedule"])));
        assert!(
            reason.ends_with(" 'aksManagedAutoUpgradeSchedule' is missing."),
            "{reason}"
        );
    }

    #[test]
    fn a_read_that_failed_is_unknown_with_why_whatever_an_earlier_read_kept() {
        use crate::model::{DetailFailure, DetailsRead};
        let mut c = cluster(Some(&[
            "aksManagedAutoUpgradeSchedule",
            "aksManagedNodeOSUpgradeSchedule",
        ]));
        let as_of = time::macros::datetime!(2026-11-26 10:00 UTC);
        c.details = Some(std::sync::Arc::new(DetailsRead {
            as_of,
            failed: vec![DetailFailure {
                part: DetailPart::Maintenance,
                code: "AuthorizationFailed".into(),
                message: "no access".into(),
                kept_from: Some(as_of - time::Duration::days(1)),
            }],
        }));
        let (outcome, reason) = check(&c);
        assert_eq!(outcome, Outcome::Unknown, "the kept value is stale: not judged");
        assert!(
            reason.starts_with("The maintenance configurations could not be read (AuthorizationFailed: no access)"),
            "{reason}"
        );
        assert!(reason.contains("marked stale"), "{reason}");
        // Another part failing does not touch this rule.
        std::sync::Arc::make_mut(c.details.as_mut().unwrap()).failed[0].part = DetailPart::UpgradeProfile;
        assert_eq!(check(&c).0, Outcome::Pass);
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
