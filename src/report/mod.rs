//! Scan output formats: one pure writer per `--format`, all fed the same [`Report`].
//!
//! Every writer keeps the input order of clusters and findings, so output is
//! deterministic for a given input. Text meant for people (table, markdown, csv)
//! passes every untrusted string through [`crate::text::clean`]; data formats (json,
//! sarif) carry it as is and rely on JSON escaping. Only the table uses colour, and
//! only when [`Style::color`] asks for it.

mod csv;
mod json;
mod markdown;
mod sarif;
mod table;

use std::io::{self, BufWriter, Write};

use crate::model::{Assessed, Changes, SourceError, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
    Sarif,
}

/// Everything one scan produced, borrowed from the caller.
pub struct Report<'a> {
    pub assessed: &'a [Assessed],
    /// Objects read that were not clusters.
    pub skipped: usize,
    /// Clusters read again with an id read before (the later copy is in `assessed`).
    pub duplicates: usize,
    pub errors: &'a [SourceError],
    pub minimum_version: &'a Version,
    /// What changed since the previous live read (`scan --changes`).
    pub changes: Option<&'a Changes>,
}

#[cfg(test)]
impl<'a> Report<'a> {
    /// A read of `assessed` that skipped, repeated and missed nothing, without changes.
    pub fn whole(assessed: &'a [Assessed], minimum_version: &'a Version) -> Report<'a> {
        Report {
            assessed,
            skipped: 0,
            duplicates: 0,
            errors: &[],
            minimum_version,
            changes: None,
        }
    }
}

/// How text output may be decorated.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours in the table; the caller decides (terminal, `NO_COLOR`, flags).
    pub color: bool,
}

/// Orders clusters worst first, as the dashboard does by default: failing before
/// unknown before waived before passing, more failing rules first, then by name
/// (ignoring case). `scan` lists them so.
pub fn worst_first(assessed: &mut [Assessed]) {
    assessed.sort_by_cached_key(|item| {
        (
            std::cmp::Reverse((item.verdict(), item.failing().count())),
            item.cluster.name.to_ascii_lowercase(),
        )
    });
}

/// Writes the report in `format` to `out`.
///
/// Output is buffered here, so callers can pass an unbuffered stdout; the buffer is
/// flushed before returning. I/O errors (a closed pipe, a full disk) are returned as
/// they are, for the caller to judge.
pub fn write(format: Format, report: &Report<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    // Large enough that a large fleet's output goes out in few writes.
    let mut out = BufWriter::with_capacity(1 << 18, out);
    match format {
        Format::Table => table::write(report, style, &mut out)?,
        Format::Json => json::write(report, &mut out)?,
        Format::Csv => csv::write(report, &mut out)?,
        Format::Markdown => markdown::write(report, &mut out)?,
        Format::Sarif => sarif::write(report, &mut out)?,
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::fixtures::{cluster, finding, pool};
    use crate::model::support::{Announced, Basis};
    use crate::model::window::Occurrence;
    use crate::model::{
        Cluster, EventKind, EventStatus, Finding, Insight, InsightKind, NextWindow, Outcome, Outlook, PolicyVerdict,
        Rule, Summary, Support, SupportState, UpgradeEvent,
    };

    pub(super) const HOSTILE_NAME: &str = "aks-\x1b[31mred, \"quoted\"";

    /// Four clusters that between them cover every outcome, plus one read error.
    pub(super) fn fixture() -> (Vec<Assessed>, Vec<SourceError>, Version) {
        const PROD: &str = "00000000-0000-0000-0000-000000000001";
        const DEV: &str = "00000000-0000-0000-0000-000000000002";

        let ok = Cluster {
            subscription_name: Some("Production".into()),
            tags: BTreeMap::from([("env".into(), "prod".into())]).into(),
            kubernetes_version: Some("1.33.7".into()),
            upgrade_channel: Some("stable".into()),
            node_os_upgrade_channel: Some("SecurityPatch".into()),
            pools: vec![pool("system", "1.33.7")],
            ..cluster(PROD, "rg-prod", "aks-prod-1")
        };
        let ok = Cluster {
            as_of: Some(time::macros::datetime!(2026-11-26 03:15 UTC)),
            ..ok
        };
        let ok = Assessed {
            cluster: ok.into(),
            findings: vec![
                finding(
                    Rule::NodeAutoUpgrade,
                    Outcome::Pass,
                    "The node OS upgrade channel is SecurityPatch: nodes are patched automatically.",
                ),
                finding(
                    Rule::AutoUpgrade,
                    Outcome::Pass,
                    "The cluster upgrade channel is 'stable'.",
                ),
                finding(
                    Rule::Version,
                    Outcome::Pass,
                    "The version '1.33.7' meets the constraint '>=1.33.7'.",
                ),
                finding(
                    Rule::PoolVersion,
                    Outcome::Pass,
                    "Every pool runs the cluster's version.",
                ),
                finding(
                    Rule::MaintenanceWindow,
                    Outcome::Pass,
                    "Both planned maintenance schedules exist.",
                ),
            ],
            policy: PolicyVerdict {
                compliant: true,
                reason: "Compliant: nodeOSUpgradeChannel is SecurityPatch, an allowed channel.".into(),
            },
            outlook: None,
        };

        let legacy = Cluster {
            subscription_name: Some("Production".into()),
            kubernetes_version: Some("1.33.8".into()),
            upgrade_channel: Some("none".into()),
            pools: vec![pool("system", "1.33.8"), pool("user", "1.33.8")],
            ..cluster(PROD, "rg-legacy", "aks-legacy")
        };
        let legacy = Cluster {
            as_of: Some(time::macros::datetime!(2026-11-25 03:15 UTC)),
            stale: true,
            ..legacy
        };
        let legacy = Assessed {
            cluster: legacy.into(),
            findings: vec![
                finding(
                    Rule::NodeAutoUpgrade,
                    Outcome::Fail,
                    "Path properties.autoUpgradeProfile.nodeOSUpgradeChannel: Does not exist. Nodes do not get OS security patches automatically. Set it to SecurityPatch or NodeImage.",
                ),
                finding(
                    Rule::AutoUpgrade,
                    Outcome::Fail,
                    "Path Properties.autoUpgradeProfile.upgradeChannel: Is set to 'none'. The cluster is never upgraded automatically; set patch or stable.",
                ),
                finding(
                    Rule::Version,
                    Outcome::Pass,
                    "The version '1.33.8' meets the constraint '>=1.33.7'.",
                ),
                finding(
                    Rule::PoolVersion,
                    Outcome::Pass,
                    "Every pool runs the cluster's version.",
                ),
                finding(
                    Rule::MaintenanceWindow,
                    Outcome::Pass,
                    "Both planned maintenance schedules exist.",
                ),
            ],
            policy: PolicyVerdict {
                compliant: false,
                reason: "Non-compliant: nodeOSUpgradeChannel is Unspecified and upgradeChannel is not node-image."
                    .into(),
            },
            outlook: None,
        };

        let waived = Cluster {
            subscription_name: None,
            kubernetes_version: Some("1.34.1".into()),
            upgrade_channel: Some("patch".into()),
            node_os_upgrade_channel: Some("Unmanaged".into()),
            pools: vec![pool("system", "1.34.1")],
            ..cluster(DEV, "rg-vendor", "aks-vendor")
        };
        let waived = Assessed {
            cluster: waived.into(),
            findings: vec![
                Finding {
                    waiver: Some("Vendor appliance patched by the vendor (expires 2027-01-31).".into()),
                    ..finding(
                        Rule::NodeAutoUpgrade,
                        Outcome::Waived,
                        "Path properties.autoUpgradeProfile.nodeOSUpgradeChannel: The field value 'Unmanaged' was not included in the set.",
                    )
                },
                finding(
                    Rule::AutoUpgrade,
                    Outcome::Pass,
                    "The cluster upgrade channel is 'patch'.",
                ),
                finding(
                    Rule::Version,
                    Outcome::Pass,
                    "The version '1.34.1' meets the constraint '>=1.33.7'.",
                ),
                finding(
                    Rule::PoolVersion,
                    Outcome::Pass,
                    "Every pool runs the cluster's version.",
                ),
                finding(
                    Rule::MaintenanceWindow,
                    Outcome::Unknown,
                    "Maintenance configurations were not read.",
                ),
            ],
            policy: PolicyVerdict {
                compliant: false,
                reason: "Non-compliant: nodeOSUpgradeChannel is Unmanaged and upgradeChannel is not node-image.".into(),
            },
            outlook: None,
        };

        let hostile = Cluster {
            subscription_name: Some("Dev, \"sandbox\"".into()),
            tags: BTreeMap::from([("owner".into(), "=HYPERLINK(\"x\")".into())]).into(),
            kubernetes_version: Some("1.31.2".into()),
            upgrade_channel: Some("rapid".into()),
            node_os_upgrade_channel: Some("None".into()),
            pools: vec![pool("np|`1`", "1.31.2")],
            ..cluster(DEV, "rg-dev", HOSTILE_NAME)
        };
        let hostile = Assessed {
            cluster: hostile.into(),
            findings: vec![
                finding(
                    Rule::NodeAutoUpgrade,
                    Outcome::Fail,
                    "Path properties.autoUpgradeProfile.nodeOSUpgradeChannel: The field value 'None' was not included in the set. None means nodes receive no OS security updates at all. Set it to SecurityPatch or NodeImage.",
                ),
                finding(
                    Rule::AutoUpgrade,
                    Outcome::Pass,
                    "The cluster upgrade channel is 'rapid'.",
                ),
                finding(
                    Rule::Version,
                    Outcome::Fail,
                    "Path Properties.kubernetesVersion: The version '1.31.2' does not match the constraint '>=1.33.7'.",
                ),
                finding(
                    Rule::PoolVersion,
                    Outcome::Pass,
                    "Every pool runs the cluster's version.",
                ),
                finding(
                    Rule::MaintenanceWindow,
                    Outcome::Fail,
                    &format!(
                        "Cluster '{HOSTILE_NAME}' has no maintenance configuration named aksManagedAutoUpgradeSchedule."
                    ),
                ),
            ],
            policy: PolicyVerdict {
                compliant: false,
                reason: "Non-compliant: nodeOSUpgradeChannel is None and upgradeChannel is not node-image.".into(),
            },
            outlook: None,
        };

        let mut ok = ok;
        ok.outlook = Some(Box::new(ok_outlook(&ok.cluster)));
        let mut hostile = hostile;
        hostile.outlook = Some(Box::new(hostile_outlook()));

        let errors = vec![SourceError {
            subscription_id: Some("00000000-0000-0000-0000-000000000003".into()),
            url: Some("https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000003/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01".into()),
            code: Some("AuthorizationFailed".into()),
            message: "The client 'ops@example.com' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read'.\x1b]0;pwned\x07".into(),
        }];

        let minimum = Version::parse("1.33.7").expect("a valid literal");
        (vec![ok, legacy, waived, hostile], errors, minimum)
    }

    /// A cluster on long-term support with two windows (one unreadable) and a failed upgrade.
    fn ok_outlook(cluster: &Cluster) -> Outlook {
        use time::macros::{datetime, offset};
        let failed = UpgradeEvent {
            id: format!("{}/scheduledevents/7c1e", cluster.id).into(),
            cluster_id: cluster.id.as_str().into(),
            event_id: Some("7c1e".into()),
            kind: EventKind::NodeOs,
            status: EventStatus::Failed,
            scheduled: Some(datetime!(2026-11-22 00:00 UTC)),
            started: Some(datetime!(2026-11-22 00:05 UTC)),
            updated: Some(datetime!(2026-11-22 00:40 UTC)),
            details: Some("Drain failed: eviction blocked by a PodDisruptionBudget.".into()),
        };
        Outlook {
            at: datetime!(2026-11-29 12:00 UTC),
            support: Support {
                state: SupportState::Lts,
                ends: Some(Announced::Month(2027, time::Month::July)),
                days_left: Some(244),
                basis: Some(Basis::Calendar),
                forced_upgrade: false,
                reason:
                    "Kubernetes 1.33 is on long-term support until 2027-07-31 (announced for Jul 2027), in 244 days."
                        .into(),
            },
            windows: Some(vec![
                NextWindow {
                    name: "aksManagedNodeOSUpgradeSchedule".into(),
                    next: Some(Occurrence {
                        start: datetime!(2026-12-05 23:00 UTC),
                        end: datetime!(2026-12-06 03:00 UTC),
                        offset: offset!(+01:00),
                    }),
                    problem: None,
                    modified: None,
                },
                NextWindow {
                    name: "default".into(),
                    next: None,
                    problem: Some("default.properties.timeInWeek[0].day: `Funday` is not a day of the week".into()),
                    modified: None,
                },
            ]),
            events: Some(vec![failed]),
            insights: vec![Insight {
                kind: InsightKind::FailedUpgrade,
                message: "The latest NodeOSUpgrade scheduled upgrade failed (at 2026-11-22 00:40 UTC): Drain failed."
                    .into(),
                subject: Some("7c1e".into()),
            }],
        }
    }

    /// An old cluster AKS may upgrade by force; its windows and events were not read.
    fn hostile_outlook() -> Outlook {
        let reason = "westeurope no longer offers Kubernetes 1.31, so it is out of support. It is below 1.32, the \
                      oldest minor westeurope offers: AKS may upgrade it by force.";
        let insight = |kind, message: &str| Insight {
            kind,
            message: message.into(),
            subject: None,
        };
        Outlook {
            at: time::macros::datetime!(2026-11-29 12:00 UTC),
            support: Support {
                state: SupportState::OutOfSupport,
                ends: Some(Announced::Day(time::macros::date!(2025 - 11 - 01))),
                days_left: Some(-393),
                basis: Some(Basis::Region),
                forced_upgrade: true,
                reason: reason.into(),
            },
            windows: None,
            events: None,
            insights: vec![
                insight(
                    InsightKind::OutOfSupport,
                    &format!("{reason} Upgrade to a supported minor version."),
                ),
                insight(InsightKind::ForcedUpgrade, &format!("{reason} Upgrade it yourself.")),
            ],
        }
    }

    /// Renders the fixture; the crate version is replaced so snapshots survive releases.
    pub(super) fn render(format: Format, style: Style) -> String {
        let (assessed, errors, minimum) = fixture();
        let report = Report {
            assessed: &assessed,
            skipped: 2,
            duplicates: 0,
            errors: &errors,
            minimum_version: &minimum,
            changes: None,
        };
        let mut out = Vec::new();
        write(format, &report, style, &mut out).expect("writing to a Vec succeeds");
        String::from_utf8(out)
            .expect("every format writes UTF-8")
            .replace(env!("CARGO_PKG_VERSION"), "[version]")
    }

    #[test]
    fn repeated_ids_are_counted_where_skipped_objects_are() {
        let (assessed, errors, minimum) = fixture();
        let report = Report {
            assessed: &assessed,
            skipped: 2,
            duplicates: 4,
            errors: &errors,
            minimum_version: &minimum,
            changes: None,
        };
        let shown = |format| {
            let mut out = Vec::new();
            write(format, &report, Style::default(), &mut out).expect("writing to a Vec succeeds");
            String::from_utf8(out)
                .expect("UTF-8")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert!(shown(Format::Table).contains("4 clusters repeated an id read before (the later copy is listed)."));
        assert!(
            shown(Format::Markdown)
                .contains("- Clusters read again with an id read before (the later copy is listed): 4")
        );
        let json: serde_json::Value = serde_json::from_str(&shown(Format::Json)).expect("JSON");
        assert_eq!(json["duplicates"], 4);
        assert!(
            !render(Format::Table, Style::default()).contains("repeated"),
            "said only when it happened"
        );
    }

    const ALL_FORMATS: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Markdown,
        Format::Sarif,
    ];

    #[test]
    fn without_colour_no_format_writes_an_escape_byte_even_for_hostile_text() {
        for format in ALL_FORMATS {
            let text = render(format, Style { color: false });
            assert!(!text.contains('\x1b'), "{format:?} wrote an ESC byte:\n{text}");
            assert!(!text.contains('\x07'), "{format:?} wrote a BEL byte");
        }
    }

    #[test]
    fn with_colour_only_our_own_sequences_reach_the_terminal() {
        let text = render(Format::Table, Style { color: true });
        assert!(text.contains("\x1b[31mFail (2) (stale)\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[32mPass\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[33mUnknown\x1b[0m"), "{text}");
        const OURS: [&str; 6] = ["[0m", "[1m", "[31m", "[32m", "[33m", "[36m"];
        // The hostile name carries `ESC [31m` too, so count: each of ours opens or
        // closes a cell, and the name's own ESC must have been removed.
        let escapes = text.matches('\x1b').count();
        let ours: usize = OURS.iter().map(|s| text.matches(&format!("\x1b{s}")[..]).count()).sum();
        assert_eq!(escapes, ours);
        assert!(!text.contains(HOSTILE_NAME));
        assert!(text.contains("aks-[31mred, \"quoted\""));
    }

    #[test]
    fn worst_first_puts_failing_clusters_first_then_names() {
        let (mut assessed, _, _) = fixture();
        worst_first(&mut assessed);
        let names: Vec<&str> = assessed.iter().map(|a| a.cluster.name.as_str()).collect();
        assert_eq!(names, [HOSTILE_NAME, "aks-legacy", "aks-vendor", "aks-prod-1"]);
    }

    #[test]
    fn the_summary_counts_clusters_channels_and_failures() {
        let (assessed, _, _) = fixture();
        let summary = Summary::of(&assessed);
        assert_eq!(summary.clusters, 4);
        assert_eq!(summary.non_compliant, 2);
        assert_eq!(summary.by_channel, [1, 0, 1, 1, 1, 0]);
        assert_eq!(summary.other_channel(), 0);
        assert_eq!(summary.below_minimum, 1);
        assert_eq!(summary.failing_findings, 5);
        assert_eq!(summary.non_compliant_percent(), Some(50));
        assert_eq!(Summary::of(&[]).non_compliant_percent(), None);
        assert_eq!(
            summary.unknown, 1,
            "the waived cluster's maintenance windows were not read"
        );
    }

    #[test]
    fn every_summary_counts_unknown_clusters_on_their_own() {
        let json: serde_json::Value = serde_json::from_str(&render(Format::Json, Style::default())).unwrap();
        assert_eq!(json["summary"]["unknown"], 1);
        assert_eq!(json["summary"]["nonCompliant"], 2);
        let table = render(Format::Table, Style::default()).replace('\n', " ");
        assert!(
            table.contains("2 non-compliant (50%), 1 unknown (a rule's data not read)"),
            "{table}"
        );
        let markdown = render(Format::Markdown, Style::default());
        assert!(
            markdown
                .lines()
                .any(|l| l == "- Unknown (nothing fails, but a rule's data was not read): 1"),
            "{markdown}"
        );
    }
}
