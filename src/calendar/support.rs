//! A cluster's support: the state of its minor version, from the support calendar and
//! from what its region still offers.
//!
//! The region's word comes first, where it is known: a minor the region no longer
//! lists is out of support whatever the calendar says, and so is a minor it lists only
//! for long-term support, for a cluster that is not on it. Then the calendar: the end
//! of standard support, or of long-term support for a cluster on the
//! `AKSLongTermSupport` plan and the Premium tier (the plan needs that tier). A cluster
//! out of support and below the oldest minor its region offers is one AKS may upgrade
//! by force.

use time::Date;

use crate::model::support::{Announced, Basis, Minor, minor_text};
use crate::model::{Cluster, RegionOffer, Support, SupportCalendar, SupportState};

/// The support of `cluster`'s minor on `today`; `region` is what its region offers,
/// when that was read. Support ending within `warning_days` is `Ending`.
pub fn support(
    cluster: &Cluster,
    calendar: &SupportCalendar,
    region: Option<&RegionOffer>,
    today: Date,
    warning_days: u32,
) -> Support {
    let Some(version) = cluster.version() else {
        return unknown("No Kubernetes version was read, so its support cannot be told.".into());
    };
    let minor: Minor = version.minor_key();
    let name = minor_text(minor);
    let is = |value: &Option<crate::model::Atom>, wanted: &str| {
        value.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(wanted))
    };
    let lts_plan = is(&cluster.support_plan, "AKSLongTermSupport");
    let lts = lts_plan && is(&cluster.sku_tier, "Premium");
    let plan_note = if lts_plan && !lts {
        format!(
            " Its AKSLongTermSupport plan needs the Premium tier (it is on {}), so standard support applies.",
            cluster.sku_tier.as_deref().unwrap_or("no tier")
        )
    } else {
        String::new()
    };
    let entry = calendar.get(minor);
    let days_to = |end: Announced| (end.last_day() - today).whole_days();
    let location = &cluster.location;
    let oldest = region.and_then(RegionOffer::oldest);
    let below_oldest = oldest.is_some_and(|oldest| minor < oldest);

    if let Some(region) = region {
        let newest = region.minors.iter().map(|m| m.minor).max();
        let out = |reason: String| {
            let ends = entry.and_then(|e| e.end);
            Support {
                state: SupportState::OutOfSupport,
                ends,
                days_left: ends.map(days_to),
                basis: Some(Basis::Region),
                forced_upgrade: below_oldest,
                reason: format!("{reason}{}{plan_note}", forced_note(below_oldest, oldest, location)).into(),
            }
        };
        match region.find(minor) {
            None if newest.is_some_and(|newest| minor < newest) => {
                return out(format!(
                    "{location} no longer offers Kubernetes {name}, so it is out of support."
                ));
            }
            Some(offered) if !lts && !offered.standard() => {
                return out(format!(
                    "{location} offers Kubernetes {name} only for long-term support, and the cluster is not on it: \
                     it is out of standard support."
                ));
            }
            _ => {}
        }
    }

    let end = entry.and_then(|e| if lts { e.lts_end.or(e.end) } else { e.end });
    let (Some(entry), Some(end)) = (entry, end) else {
        if let Some(offered) = region.and_then(|r| r.find(minor)) {
            let kind = if offered.standard() {
                ""
            } else {
                " for long-term support"
            };
            return Support {
                state: if lts {
                    SupportState::Lts
                } else {
                    SupportState::Supported
                },
                ends: None,
                days_left: None,
                basis: Some(Basis::Region),
                forced_upgrade: false,
                reason: format!(
                    "{location} offers Kubernetes {name}{kind}; the support calendar has no end for it.{plan_note}"
                )
                .into(),
            };
        }
        return unknown(format!(
            "Kubernetes {name} is not in the support calendar; add its dates under [support.\"{name}\"] in config."
        ));
    };
    let days_left = days_to(end);
    let which = if lts { "long-term support" } else { "standard support" };
    let announced = if end.is_exact() {
        end.human()
    } else {
        format!("{} (announced for {})", end.last_day(), end.human())
    };
    let (state, reason) = if days_left < 0 {
        (
            SupportState::OutOfSupport,
            format!(
                "Kubernetes {name} left {which} on {announced}.{}",
                forced_note(below_oldest, oldest, location)
            ),
        )
    } else if lts {
        (
            SupportState::Lts,
            format!("Kubernetes {name} is on long-term support until {announced}, in {days_left} days."),
        )
    } else if days_left <= i64::from(warning_days) {
        (
            SupportState::Ending,
            format!("Kubernetes {name} leaves standard support on {announced}, in {days_left} days."),
        )
    } else {
        (
            SupportState::Supported,
            format!("Kubernetes {name} is in standard support until {announced}."),
        )
    };
    Support {
        state,
        ends: Some(end),
        days_left: Some(days_left),
        basis: Some(entry.origin.into()),
        forced_upgrade: state == SupportState::OutOfSupport && below_oldest,
        reason: format!("{reason}{plan_note}").into(),
    }
}

fn forced_note(below_oldest: bool, oldest: Option<Minor>, location: &str) -> String {
    match oldest {
        Some(oldest) if below_oldest => format!(
            " It is below {}, the oldest minor {location} offers: AKS may upgrade it by force.",
            minor_text(oldest)
        ),
        _ => String::new(),
    }
}

fn unknown(reason: String) -> Support {
    Support {
        state: SupportState::Unknown,
        ends: None,
        days_left: None,
        basis: None,
        forced_upgrade: false,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::model::fixtures::cluster;
    use crate::model::support::{MinorSupport, OfferedMinor, SupportOrigin};

    const TODAY: Date = date!(2026 - 11 - 29);

    fn calendar() -> SupportCalendar {
        let entry = |minor, end: &str, lts_end: &str, origin| MinorSupport {
            minor,
            ga: None,
            end: Announced::parse(end),
            lts_end: Announced::parse(lts_end),
            source: "calendar".into(),
            origin,
        };
        SupportCalendar {
            minors: [
                entry((1, 31), "2025-11-01", "2026-11", SupportOrigin::Calendar),
                entry((1, 32), "2026-03", "2027-03", SupportOrigin::Calendar),
                entry((1, 34), "2026-11", "2027-11", SupportOrigin::Calendar),
                entry((1, 35), "2027-03", "2028-03", SupportOrigin::Calendar),
                entry((1, 36), "2027-01-10", "2028-06", SupportOrigin::Config),
            ]
            .into_iter()
            .map(|e| (e.minor, e))
            .collect(),
            sources: Default::default(),
        }
    }

    /// westeurope as the simulator lists it: 1.31-1.33 for LTS only, then 1.34-1.36, and 1.37 in preview.
    fn region() -> RegionOffer {
        let lts = |minor| OfferedMinor {
            minor,
            plans: vec!["AKSLongTermSupport".into()],
            preview: false,
        };
        let both = |minor, preview| OfferedMinor {
            minor,
            plans: vec!["KubernetesOfficial".into(), "AKSLongTermSupport".into()],
            preview,
        };
        RegionOffer {
            minors: vec![
                lts((1, 31)),
                lts((1, 32)),
                lts((1, 33)),
                both((1, 34), false),
                both((1, 35), false),
                both((1, 36), false),
                both((1, 37), true),
            ],
        }
    }

    fn on(version: &str, plan: &str, tier: &str) -> Cluster {
        Cluster {
            kubernetes_version: Some(version.into()),
            support_plan: Some(plan.into()),
            sku_tier: Some(tier.into()),
            ..cluster("s", "rg", "c")
        }
    }

    /// (what, cluster, region known, state, ends, days left, basis, forced, reason contains)
    type Case = (
        &'static str,
        Cluster,
        bool,
        SupportState,
        Option<&'static str>,
        Option<i64>,
        Option<Basis>,
        bool,
        &'static str,
    );

    const OFFICIAL: &str = "KubernetesOfficial";
    const LTS: &str = "AKSLongTermSupport";

    #[test]
    fn the_support_state_of_each_kind_of_cluster() {
        use SupportState::*;
        let region = region();
        let cases: [Case; 14] = [
            (
                "well within standard support",
                on("1.35.3", OFFICIAL, "Standard"),
                true,
                Supported,
                Some("2027-03"),
                Some(122),
                Some(Basis::Calendar),
                false,
                "in standard support until 2027-03-31 (announced for Mar 2027)",
            ),
            (
                "a month-only end counts to its last day: Nov 2026 ends on the 30th, tomorrow",
                on("1.34.5", OFFICIAL, "Standard"),
                true,
                Ending,
                Some("2026-11"),
                Some(1),
                Some(Basis::Calendar),
                false,
                "leaves standard support on 2026-11-30 (announced for Nov 2026), in 1 days",
            ),
            (
                "a config date: 42 days left is within the 60-day warning",
                on("1.36.2", OFFICIAL, "Free"),
                true,
                Ending,
                Some("2027-01-10"),
                Some(42),
                Some(Basis::Config),
                false,
                "on 2027-01-10, in 42 days",
            ),
            (
                "the calendar alone says out (region not read)",
                on("1.32.9", OFFICIAL, "Standard"),
                false,
                OutOfSupport,
                Some("2026-03"),
                Some(-243),
                Some(Basis::Calendar),
                false,
                "left standard support on 2026-03-31",
            ),
            (
                "the region lists 1.32 for LTS only: out for a standard cluster",
                on("1.32.9", OFFICIAL, "Standard"),
                true,
                OutOfSupport,
                Some("2026-03"),
                Some(-243),
                Some(Basis::Region),
                false,
                "offers Kubernetes 1.32 only for long-term support",
            ),
            (
                "LTS plan on Premium: LTS until the LTS end",
                on("1.32.9", LTS, "Premium"),
                true,
                Lts,
                Some("2027-03"),
                Some(122),
                Some(Basis::Calendar),
                false,
                "on long-term support until 2027-03-31",
            ),
            (
                "LTS plan without Premium: standard support applies",
                on("1.32.9", LTS, "Standard"),
                true,
                OutOfSupport,
                Some("2026-03"),
                Some(-243),
                Some(Basis::Region),
                false,
                "needs the Premium tier (it is on Standard)",
            ),
            (
                "LTS ending within the warning stays LTS (the eol-soon insight says it)",
                on("1.31.12", LTS, "Premium"),
                true,
                Lts,
                Some("2026-11"),
                Some(1),
                Some(Basis::Calendar),
                false,
                "until 2026-11-30",
            ),
            (
                "a minor the region no longer lists is out whatever the calendar says, and forced",
                on("1.30.14", OFFICIAL, "Standard"),
                true,
                OutOfSupport,
                None,
                None,
                Some(Basis::Region),
                true,
                "no longer offers Kubernetes 1.30 ... below 1.31, the oldest minor westeurope offers",
            ),
            (
                "even an LTS cluster: the region does not list 1.30",
                on("1.30.14", LTS, "Premium"),
                true,
                OutOfSupport,
                None,
                None,
                Some(Basis::Region),
                true,
                "AKS may upgrade it by force",
            ),
            (
                "out by the calendar, still listed (for LTS): not forced",
                on("1.31.12", OFFICIAL, "Standard"),
                true,
                OutOfSupport,
                Some("2025-11-01"),
                Some(-393),
                Some(Basis::Region),
                false,
                "only for long-term support",
            ),
            (
                "a preview minor the calendar lacks, offered by the region",
                on("1.37.0", OFFICIAL, "Standard"),
                true,
                Supported,
                None,
                None,
                Some(Basis::Region),
                false,
                "westeurope offers Kubernetes 1.37; the support calendar has no end for it",
            ),
            (
                "a minor nobody knows",
                on("1.38.0", OFFICIAL, "Standard"),
                true,
                Unknown,
                None,
                None,
                None,
                false,
                "add its dates under [support.\"1.38\"]",
            ),
            (
                "no version",
                Cluster::default(),
                true,
                Unknown,
                None,
                None,
                None,
                false,
                "No Kubernetes version was read",
            ),
        ];
        for (what, cluster, known, state, ends, days, basis, forced, reason) in cases {
            let got = support(&cluster, &calendar(), known.then_some(&region), TODAY, 60);
            assert_eq!(got.state, state, "{what}: {got:?}");
            assert_eq!(got.ends.map(|e| e.to_string()).as_deref(), ends, "{what}");
            assert_eq!(got.days_left, days, "{what}");
            assert_eq!(got.basis, basis, "{what}");
            assert_eq!(got.forced_upgrade, forced, "{what}");
            for part in reason.split(" ... ") {
                assert!(got.reason.contains(part), "{what}: {}", got.reason);
            }
        }
    }

    #[test]
    fn a_region_that_has_not_caught_up_with_a_newer_minor_does_not_make_it_out() {
        let mut region = region();
        region.minors.retain(|m| m.minor < (1, 35));
        let got = support(
            &on("1.35.3", OFFICIAL, "Standard"),
            &calendar(),
            Some(&region),
            TODAY,
            60,
        );
        assert_eq!(got.state, SupportState::Supported, "{got:?}");
    }

    #[test]
    fn labels_are_short_for_a_table() {
        let label = |c: &Cluster, known: bool| support(c, &calendar(), known.then_some(&region()), TODAY, 60).label();
        assert_eq!(label(&on("1.35.3", OFFICIAL, "Standard"), true), "until Mar 2027");
        assert_eq!(label(&on("1.34.5", OFFICIAL, "Standard"), true), "ends in 1 d");
        let last_day = support(
            &on("1.34.5", OFFICIAL, "Standard"),
            &calendar(),
            Some(&region()),
            TODAY + time::Duration::days(1),
            60,
        );
        assert_eq!(last_day.label(), "ends today");
        assert_eq!(label(&on("1.32.9", LTS, "Premium"), true), "LTS until Mar 2027");
        assert_eq!(
            label(&on("1.30.14", OFFICIAL, "Standard"), true),
            "out (forced upgrade)"
        );
        assert_eq!(label(&on("1.32.9", OFFICIAL, "Standard"), false), "out of support");
        assert_eq!(label(&Cluster::default(), false), "unknown");
    }
}
