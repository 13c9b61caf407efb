//! Waivers from config: accepted failures, until they expire.

use time::Date;

use crate::config::Waiver;
use crate::model::{Cluster, Finding, Outcome};
use crate::text::glob_match;

/// Turns a failing finding into `Waived` when a waiver for its rule matches the
/// cluster and has not expired. An expired waiver leaves the failure and says so.
pub fn apply(mut finding: Finding, cluster: &Cluster, waivers: &[Waiver], today: Date) -> Finding {
    if finding.outcome != Outcome::Fail {
        return finding;
    }
    let matching = waivers.iter().filter(|w| {
        w.rule == finding.rule && (glob_match(&w.cluster, &cluster.name) || glob_match(&w.cluster, &cluster.id))
    });
    // A current waiver wins over an expired one for the same cluster and rule.
    let mut expired = None;
    for waiver in matching {
        match waiver.expires {
            Some(last_day) if last_day < today => expired = expired.or(Some(waiver)),
            Some(last_day) => {
                finding.outcome = Outcome::Waived;
                finding.waiver = Some(format!("Waived until {last_day}: {}", waiver.reason).into());
                return finding;
            }
            None => {
                finding.outcome = Outcome::Waived;
                finding.waiver = Some(format!("Waived: {}", waiver.reason).into());
                return finding;
            }
        }
    }
    if let Some(waiver) = expired {
        let last_day = waiver.expires.expect("expired waivers have a date");
        finding.waiver = Some(format!("Waiver expired on {last_day} and no longer applies: {}", waiver.reason).into());
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rule;
    use time::macros::date;

    fn waiver(cluster: &str, expires: Option<Date>) -> Waiver {
        Waiver {
            cluster: cluster.into(),
            rule: Rule::NodeAutoUpgrade,
            reason: "vendor appliance".into(),
            expires,
        }
    }

    fn failing() -> Finding {
        crate::model::fixtures::finding(Rule::NodeAutoUpgrade, Outcome::Fail, "r")
    }

    #[test]
    fn a_current_waiver_turns_a_failure_into_waived() {
        let cluster = Cluster {
            name: "aks-legacy".into(),
            ..Default::default()
        };
        let today = date!(2026 - 11 - 26);
        let waived = apply(failing(), &cluster, &[waiver("aks-*", Some(today))], today);
        assert_eq!(waived.outcome, Outcome::Waived);
        assert_eq!(
            waived.waiver.as_deref(),
            Some("Waived until 2026-11-26: vendor appliance")
        );
        let forever = apply(failing(), &cluster, &[waiver("aks-*", None)], today);
        assert_eq!(forever.outcome, Outcome::Waived);
    }

    #[test]
    fn an_expired_waiver_no_longer_applies_and_says_so() {
        let cluster = Cluster {
            name: "aks-legacy".into(),
            ..Default::default()
        };
        let today = date!(2026 - 11 - 26);
        let finding = apply(
            failing(),
            &cluster,
            &[waiver("aks-*", Some(date!(2026 - 11 - 25)))],
            today,
        );
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.waiver.as_deref(),
            Some("Waiver expired on 2026-11-25 and no longer applies: vendor appliance")
        );
    }

    #[test]
    fn waivers_for_other_rules_clusters_or_passing_findings_do_nothing() {
        let cluster = Cluster {
            name: "aks-legacy".into(),
            ..Default::default()
        };
        let today = date!(2026 - 11 - 26);
        let other_rule = Waiver {
            rule: Rule::Version,
            ..waiver("*", None)
        };
        assert_eq!(apply(failing(), &cluster, &[other_rule], today).outcome, Outcome::Fail);
        assert_eq!(
            apply(failing(), &cluster, &[waiver("web-*", None)], today).outcome,
            Outcome::Fail
        );
        let pass = Finding {
            outcome: Outcome::Pass,
            ..failing()
        };
        assert_eq!(
            apply(pass, &cluster, &[waiver("*", None)], today).outcome,
            Outcome::Pass
        );
    }
}
