//! `scan --format json`: the stable, documented contract for scripts and pipelines.
//!
//! Fields are only ever added, never renamed or removed, within a major version of
//! aksradar. Names are camelCase. A value that was absent in the input is `null`,
//! never an empty string. Text is carried exactly as it was read (JSON escapes any
//! control characters), so consumers must not trust it for display.
//!
//! ```text
//! {
//!   "tool": {
//!     "name": "aksradar",
//!     "version": "0.1.0"                       the aksradar release that wrote this
//!   },
//!   "summary": {
//!     "clusters": 4,                           clusters assessed
//!     "nonCompliant": 2,                       clusters with at least one Fail finding
//!     "unknown": 1,                            clusters with no Fail and at least one
//!                                              Unknown finding (data not read): neither
//!                                              compliant nor non-compliant
//!     "byNodeOsChannel": {                     clusters per nodeOSUpgradeChannel, read
//!       "SecurityPatch": 1,                    ignoring case; a missing or empty value
//!       "NodeImage": 0,                        counts as "Unspecified"; "Other" counts
//!       "Unmanaged": 1,                        values aksradar does not know and is
//!       "None": 1,                             present only when it is not zero
//!       "Unspecified": 1
//!     },
//!     "belowMinimumVersion": 1,                clusters whose Azure.AKS.Version finding fails
//!     "minimumVersion": "1.33.7",              the minimum Kubernetes version applied
//!     "failingFindings": 5                     Fail findings over all clusters
//!   },
//!   "clusters": [                              in the order they were read
//!     {
//!       "id": "/subscriptions/.../managedClusters/aks-1",   ARM resource id
//!       "name": "aks-1",
//!       "subscriptionId": "0000...",
//!       "subscriptionName": "Production",      display name, or null when unknown
//!       "resourceGroup": "rg",
//!       "location": "westeurope",
//!       "kubernetesVersion": "1.33.7",         properties.kubernetesVersion as read, or null
//!       "nodeOsUpgradeChannel": "SecurityPatch",  autoUpgradeProfile.nodeOSUpgradeChannel
//!                                              as read (any casing), or null when missing
//!       "upgradeChannel": "stable",            autoUpgradeProfile.upgradeChannel as read, or null
//!       "provisioningState": "Succeeded",      or null
//!       "powerState": "Running",               powerState.code, or null
//!       "tags": { "env": "prod" },             always an object, possibly empty
//!       "pools": [                             agent pools; every field but name may be null
//!         {
//!           "name": "system",
//!           "mode": "System",                  System or User
//!           "osType": "Linux",
//!           "osSku": "Ubuntu",
//!           "orchestratorVersion": "1.33.7",
//!           "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202410.15.0",
//!           "count": 3                         node count
//!         }
//!       ],
//!       "verdict": "Pass",                     the worst finding outcome (Pass < Waived <
//!                                              Unknown < Fail); Pass when there are none
//!       "azurePolicy": {                       how built-in Azure Policy judges the cluster
//!         "definitionId": "04408ca5-aa10-42ce-8536-98955cdddd4c",
//!         "compliant": true,
//!         "reason": "Compliant: ..."
//!       },
//!       "support": {                           the support of its minor, or null when not
//!                                              worked out (see the README's calendar section)
//!         "state": "ending",                   supported, lts, ending (within the warning
//!                                              period), out-of-support or unknown
//!         "ends": "2026-11-30",                the last day of support that applies (LTS's
//!                                              on the LTS plan), or null
//!         "announced": "2026-11",              as the calendar announces it: a day, or only
//!                                              a month (then `ends` is its last day)
//!         "daysLeft": 1,                       from the scan's day to `ends`; negative once past
//!         "source": "calendar",                calendar (built in), config ([support]) or
//!                                              region (what the region offers); null if unknown
//!         "forcedUpgrade": false,              out of support and below the oldest minor the
//!                                              region offers: AKS may upgrade it by force
//!         "reason": "..."
//!       },
//!       "nextWindows": {                       per maintenance configuration, its next
//!                                              occurrence (one under way counts) from the
//!                                              scan's clock; null when they were not read
//!         "aksManagedNodeOSUpgradeSchedule": {
//!           "start": "2026-12-06T00:00:00Z",   UTC, RFC 3339; null when none opens (or the
//!           "end": "2026-12-06T04:00:00Z",     window could not be read: then `problem`)
//!           "utcOffset": "+00:00"              the window's own offset
//!         }
//!       },
//!       "findings": [                          one per enabled rule, in rule order
//!         {
//!           "rule": "Azure.AKS.NodeAutoUpgrade",   PSRule for Azure rule name
//!           "ref": "AZR-000435",               PSRule's stable rule reference
//!           "outcome": "Pass",                 Pass, Fail, Unknown (data not read) or
//!                                              Waived (a configured waiver covers a Fail)
//!           "reason": "...",                   why, in words a person can act on
//!           "waiver": "..."                    present only when a waiver matched: why it
//!                                              applies, or that it has expired
//!         }
//!       ]
//!     }
//!   ],
//!   "skipped": 2,                              objects read that were not clusters
//!   "duplicates": 0,                           clusters read again with an id read before
//!                                              (the later copy is the one listed)
//!   "errors": [                                parts of the fleet that could not be read
//!     {
//!       "subscriptionId": "0000...",           or null
//!       "url": "https://management.azure.com/...",  the request that failed, or null
//!       "code": "AuthorizationFailed",         the ARM error code, or null
//!       "message": "..."
//!     }
//!   ],
//!   "insights": [                              aksradar's own, never PSRule verdicts; null
//!     {                                        when not worked out
//!       "kind": "stale-image",                 stale-image, eol-soon, out-of-support,
//!                                              forced-upgrade, failed-upgrade, window-changed
//!       "cluster": "/subscriptions/...",       the cluster's resource id
//!       "name": "aks-1",
//!       "message": "...",
//!       "subject": "user"                      the pool, configuration or event; or null
//!     }
//!   ],
//!   "events": [                                AKS's scheduled upgrade events of the
//!     {                                        clusters above, newest first per cluster;
//!       "id": "/subscriptions/.../scheduledevents/...",   null when events were not read
//!       "clusterId": "/subscriptions/...",   the cluster's id as in `clusters`
//!       "eventId": "...",                      or null
//!       "kind": "NodeOSUpgrade",               K8sVersionUpgrade or NodeOSUpgrade
//!       "status": "Failed",                    Scheduled, Started, Completed, Canceled, Failed
//!       "scheduledTime": "...", "startTime": "...", "lastUpdateTime": "...",  or null
//!       "details": "..."                       what AKS says about it, or null
//!     }
//!   ]
//! }
//! ```
//!
//! The writer streams borrowed views of the model straight into the output: no
//! intermediate `serde_json::Value`, no per-cluster allocation, so 10,000 clusters
//! cost one pass.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Serialize, Serializer};

use super::Report;
use crate::model::window::offset;
use crate::model::{
    AgentPool, Assessed, Cluster, Finding, Insight, NextWindow, SourceError, Summary, Support, UpgradeEvent,
};
use crate::rules::POLICY_DEFINITION_ID;

/// Clusters rendered together by one thread: large enough to be worth a thread, small
/// enough that a batch per core waiting to be written weighs little (about 2 MB).
const BATCH: usize = 512;

/// The document, as `serde_json` prints it pretty, byte for byte; the three arrays that
/// grow with the fleet (clusters, insights, events) are rendered in batches over the
/// cores and written in order as they are ready, so nothing holds the whole text.
pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let minimum_version = report.minimum_version.to_string();
    let tool = Tool {
        name: "aksradar",
        version: env!("CARGO_PKG_VERSION"),
    };
    let assessed = report.assessed;
    out.write_all(b"{")?;
    field(out, "tool", &tool)?;
    field(
        out,
        "summary",
        &SummaryOut::new(&Summary::of(assessed), &minimum_version),
    )?;
    key(out, "clusters")?;
    array(out, assessed, |item, element| element.serialize(ClusterOut::new(item)))?;
    field(out, "skipped", &report.skipped)?;
    field(out, "duplicates", &report.duplicates)?;
    field(out, "errors", &Errors(report.errors))?;
    if let Some(changes) = report.changes {
        field(out, "changes", changes)?;
    }
    key(out, "insights")?;
    if assessed.iter().any(|a| a.outlook.is_some()) {
        array(out, assessed, |item, element| {
            for insight in item.outlook.as_deref().map_or(&[][..], |o| &o.insights) {
                element.serialize(InsightOut::new(&item.cluster, insight))?;
            }
            Ok(())
        })?;
    } else {
        out.write_all(b"null")?;
    }
    key(out, "events")?;
    if assessed
        .iter()
        .any(|a| a.outlook.as_ref().is_some_and(|o| o.events.is_some()))
    {
        array(out, assessed, |item, element| {
            let events = item.outlook.as_deref().and_then(|o| o.events.as_deref());
            for event in events.unwrap_or_default() {
                element.serialize(EventOut::new(&item.cluster.id, event))?;
            }
            Ok(())
        })?;
    } else {
        out.write_all(b"null")?;
    }
    out.write_all(b"\n}\n")
}

/// Writes the next key of the document (every key but the first after a comma).
fn key(out: &mut dyn Write, name: &str) -> io::Result<()> {
    let separator: &[u8] = if name == "tool" { b"\n  \"" } else { b",\n  \"" };
    out.write_all(separator)?;
    out.write_all(name.as_bytes())?;
    out.write_all(b"\": ")
}

/// Writes a key of the document and its value, indented as a top-level value.
fn field(out: &mut dyn Write, name: &str, value: &impl Serialize) -> io::Result<()> {
    key(out, name)?;
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, Indented::at(1));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// The elements of one of the document's arrays, each as pretty JSON at its place.
struct Elements {
    text: Vec<u8>,
}

impl Elements {
    /// Adds one element after a comma (the first element's comma is dropped when the
    /// array is written).
    fn serialize(&mut self, value: impl Serialize) -> io::Result<()> {
        self.text.extend_from_slice(b",\n    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut self.text, Indented::at(2));
        value.serialize(&mut serializer).map_err(io::Error::from)
    }
}

/// A top-level array: what `element` makes of each item, in the items' order, made in
/// batches over the cores.
fn array<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    element: impl Fn(&T, &mut Elements) -> io::Result<()> + Sync,
) -> io::Result<()> {
    out.write_all(b"[")?;
    let mut empty = true;
    crate::par::in_order(
        items,
        BATCH,
        |_, batch| {
            let mut elements = Elements { text: Vec::new() };
            batch.iter().try_for_each(|item| element(item, &mut elements))?;
            Ok::<_, io::Error>(elements.text)
        },
        |text: io::Result<Vec<u8>>| -> io::Result<()> {
            let text = text?;
            if text.is_empty() {
                return Ok(());
            }
            out.write_all(if empty { &text[1..] } else { &text })?;
            empty = false;
            Ok(())
        },
    )?;
    out.write_all(if empty { b"]" } else { b"\n  ]" })
}

/// `serde_json`'s pretty printing (two spaces a level) from a depth already reached:
/// a value inside the document prints as it would in the whole.
struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    fn at(depth: usize) -> Indented {
        Indented {
            depth,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            out.write_all(b"\n")?;
            self.indent(out)?;
        }
        out.write_all(bracket)
    }

    fn next<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(out)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.next(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.next(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryOut<'a> {
    clusters: usize,
    non_compliant: usize,
    unknown: usize,
    by_node_os_channel: ByChannel,
    below_minimum_version: usize,
    minimum_version: &'a str,
    failing_findings: usize,
}

impl<'a> SummaryOut<'a> {
    fn new(summary: &Summary, minimum_version: &'a str) -> Self {
        let [security_patch, node_image, unmanaged, none, unspecified, other] = summary.by_channel;
        SummaryOut {
            clusters: summary.clusters,
            non_compliant: summary.non_compliant,
            unknown: summary.unknown,
            by_node_os_channel: ByChannel {
                security_patch,
                node_image,
                unmanaged,
                none,
                unspecified,
                other,
            },
            below_minimum_version: summary.below_minimum,
            minimum_version,
            failing_findings: summary.failing_findings,
        }
    }
}

/// Keys are the channel values as ARM spells them, so they read like the input.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ByChannel {
    security_patch: usize,
    node_image: usize,
    unmanaged: usize,
    none: usize,
    unspecified: usize,
    #[serde(skip_serializing_if = "is_zero")]
    other: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterOut<'a> {
    id: &'a str,
    name: &'a str,
    subscription_id: &'a str,
    subscription_name: Option<&'a str>,
    resource_group: &'a str,
    location: &'a str,
    kubernetes_version: Option<&'a str>,
    node_os_upgrade_channel: Option<&'a str>,
    upgrade_channel: Option<&'a str>,
    provisioning_state: Option<&'a str>,
    power_state: Option<&'a str>,
    tags: &'a BTreeMap<String, String>,
    pools: Pools<'a>,
    verdict: &'static str,
    azure_policy: PolicyOut<'a>,
    support: Option<SupportOut<'a>>,
    next_windows: Option<WindowsOut<'a>>,
    findings: Findings<'a>,
    /// When the data was read (live data); absent for files.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    as_of: Option<time::OffsetDateTime>,
    stale: bool,
}

impl<'a> ClusterOut<'a> {
    fn new(item: &'a Assessed) -> Self {
        let cluster = &item.cluster;
        ClusterOut {
            id: &cluster.id,
            name: &cluster.name,
            subscription_id: &cluster.subscription_id,
            subscription_name: cluster.subscription_name.as_deref(),
            resource_group: &cluster.resource_group,
            location: &cluster.location,
            kubernetes_version: cluster.kubernetes_version.as_deref(),
            node_os_upgrade_channel: cluster.node_os_upgrade_channel.as_deref(),
            upgrade_channel: cluster.upgrade_channel.as_deref(),
            provisioning_state: cluster.provisioning_state.as_deref(),
            power_state: cluster.power_state.as_deref(),
            tags: &cluster.tags,
            pools: Pools(&cluster.pools),
            verdict: item.verdict().as_str(),
            azure_policy: PolicyOut {
                definition_id: POLICY_DEFINITION_ID,
                compliant: item.policy.compliant,
                reason: &item.policy.reason,
            },
            support: item.outlook.as_deref().map(|o| SupportOut::new(&o.support)),
            next_windows: item
                .outlook
                .as_deref()
                .and_then(|o| o.windows.as_deref())
                .map(WindowsOut),
            findings: Findings(&item.findings),
            as_of: cluster.as_of,
            stale: cluster.stale,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyOut<'a> {
    definition_id: &'static str,
    compliant: bool,
    reason: &'a str,
}

struct Pools<'a>(&'a [AgentPool]);

impl Serialize for Pools<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|pool| PoolOut {
            name: &pool.name,
            mode: pool.mode.as_deref(),
            os_type: pool.os_type.as_deref(),
            os_sku: pool.os_sku.as_deref(),
            orchestrator_version: pool.orchestrator_version.as_deref(),
            node_image_version: pool.node_image_version.as_deref(),
            count: pool.count,
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PoolOut<'a> {
    name: &'a str,
    mode: Option<&'a str>,
    os_type: Option<&'a str>,
    os_sku: Option<&'a str>,
    orchestrator_version: Option<&'a str>,
    node_image_version: Option<&'a str>,
    count: Option<u32>,
}

struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|finding| FindingOut {
            rule: finding.rule.name(),
            reference: finding.rule.reference(),
            outcome: finding.outcome.as_str(),
            reason: &finding.reason,
            waiver: finding.waiver.as_deref(),
        }))
    }
}

#[derive(Serialize)]
struct FindingOut<'a> {
    rule: &'static str,
    #[serde(rename = "ref")]
    reference: &'static str,
    outcome: &'static str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<&'a str>,
}

struct Errors<'a>(&'a [SourceError]);

impl Serialize for Errors<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|error| ErrorOut {
            subscription_id: error.subscription_id.as_deref(),
            url: error.url.as_deref(),
            code: error.code.as_deref(),
            message: &error.message,
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorOut<'a> {
    subscription_id: Option<&'a str>,
    url: Option<&'a str>,
    code: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SupportOut<'a> {
    state: &'static str,
    ends: Option<String>,
    announced: Option<String>,
    days_left: Option<i64>,
    source: Option<&'static str>,
    forced_upgrade: bool,
    reason: &'a str,
}

impl<'a> SupportOut<'a> {
    fn new(support: &'a Support) -> Self {
        SupportOut {
            state: support.state.as_str(),
            ends: support.ends.map(|e| e.last_day().to_string()),
            announced: support.ends.map(|e| e.to_string()),
            days_left: support.days_left,
            source: support.basis.map(|b| b.as_str()),
            forced_upgrade: support.forced_upgrade,
            reason: &support.reason,
        }
    }
}

/// `nextWindows`: an object keyed by configuration name.
struct WindowsOut<'a>(&'a [NextWindow]);

impl Serialize for WindowsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|w| {
            (
                &w.name,
                WindowOut {
                    start: w.next.map(|o| o.start),
                    end: w.next.map(|o| o.end),
                    utc_offset: w.next.map(|o| offset::text(o.offset)),
                    problem: w.problem.as_deref(),
                },
            )
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WindowOut<'a> {
    #[serde(with = "time::serde::rfc3339::option")]
    start: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    end: Option<time::OffsetDateTime>,
    utc_offset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
}

#[derive(Serialize)]
struct InsightOut<'a> {
    kind: &'static str,
    cluster: &'a str,
    name: &'a str,
    message: &'a str,
    subject: Option<&'a str>,
}

impl<'a> InsightOut<'a> {
    /// One insight into `cluster`.
    fn new(cluster: &'a Cluster, i: &'a Insight) -> Self {
        InsightOut {
            kind: i.kind.as_str(),
            cluster: &cluster.id,
            name: &cluster.name,
            message: &i.message,
            subject: i.subject.as_deref(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventOut<'a> {
    id: std::borrow::Cow<'a, str>,
    cluster_id: &'a str,
    event_id: Option<&'a str>,
    kind: &'a str,
    status: &'a str,
    #[serde(with = "time::serde::rfc3339::option")]
    scheduled_time: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    start_time: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_update_time: Option<time::OffsetDateTime>,
    details: Option<&'a str>,
}

impl<'a> EventOut<'a> {
    /// One event of the cluster `cluster_id`, as the report names its fields.
    fn new(cluster_id: &'a str, e: &'a UpgradeEvent) -> Self {
        EventOut {
            id: e.id(),
            cluster_id,
            event_id: e.event_id.as_deref(),
            kind: e.kind.as_str(),
            status: e.status.as_str(),
            scheduled_time: e.scheduled,
            start_time: e.started,
            last_update_time: e.updated,
            details: e.details.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::Format;
    use super::super::tests::{HOSTILE_NAME, render};
    use crate::report::Style;

    /// A fleet of many batches, shared over the cores, prints its clusters exactly as
    /// one pretty printer prints them all, in order, at the document's depth.
    #[test]
    fn a_large_fleet_prints_as_one_pretty_printer_would() {
        use crate::model::{Rule, Version, fixtures};
        let assessed: Vec<crate::model::Assessed> = (0..5_000)
            .map(|n| {
                let cluster = fixtures::cluster(&format!("sub-{}", n % 7), "rg", &format!("aks-{n:05}"));
                fixtures::failing(cluster, &[Rule::NodeAutoUpgrade])
            })
            .collect();
        let minimum = Version::parse("1.33.7").expect("a version");
        let report = super::super::Report::whole(&assessed, &minimum);
        let mut out = Vec::new();
        super::write(&report, &mut out).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        let one = serde_json::to_string_pretty(&assessed.iter().map(super::ClusterOut::new).collect::<Vec<_>>())
            .expect("printed");
        let at_depth = one.replace('\n', "\n  ");
        assert!(
            text.contains(&format!("\"clusters\": {at_depth},\n")),
            "the clusters array differs"
        );
        let value: Value = serde_json::from_str(&text).expect("one JSON document");
        assert_eq!(value["clusters"].as_array().map(Vec::len), Some(5_000));
        assert_eq!(value["clusters"][4_999]["name"], "aks-04999");
        assert_eq!(value["insights"], Value::Null, "no outlooks, no insights");
    }

    fn parsed() -> Value {
        let text = render(Format::Json, Style::default());
        serde_json::from_slice(text.as_bytes()).expect("the json format parses back")
    }

    #[test]
    fn json_matches_the_snapshot() {
        insta::assert_snapshot!(render(Format::Json, Style::default()));
    }

    #[test]
    fn every_cluster_carries_every_contract_field() {
        let doc = parsed();
        assert_eq!(doc["tool"]["name"], "aksradar");
        for key in [
            "tool",
            "summary",
            "clusters",
            "skipped",
            "duplicates",
            "errors",
            "insights",
            "events",
        ] {
            assert!(doc.get(key).is_some(), "top-level {key}");
        }
        let summary = &doc["summary"];
        for key in [
            "clusters",
            "nonCompliant",
            "byNodeOsChannel",
            "belowMinimumVersion",
            "minimumVersion",
            "failingFindings",
        ] {
            assert!(summary.get(key).is_some(), "summary.{key}");
        }
        for key in ["SecurityPatch", "NodeImage", "Unmanaged", "None", "Unspecified"] {
            assert!(summary["byNodeOsChannel"][key].is_u64(), "byNodeOsChannel.{key}");
        }
        assert!(
            summary["byNodeOsChannel"].get("Other").is_none(),
            "Other only when counted"
        );

        let clusters = doc["clusters"].as_array().expect("clusters is an array");
        assert_eq!(clusters.len(), 4);
        const FIELDS: [&str; 18] = [
            "id",
            "name",
            "subscriptionId",
            "subscriptionName",
            "resourceGroup",
            "location",
            "kubernetesVersion",
            "nodeOsUpgradeChannel",
            "upgradeChannel",
            "provisioningState",
            "powerState",
            "tags",
            "pools",
            "verdict",
            "azurePolicy",
            "support",
            "nextWindows",
            "findings",
        ];
        for cluster in clusters {
            for key in FIELDS {
                assert!(cluster.get(key).is_some(), "{key} in {cluster}");
            }
            assert!(cluster["tags"].is_object());
            for pool in cluster["pools"].as_array().expect("pools is an array") {
                for key in [
                    "name",
                    "mode",
                    "osType",
                    "osSku",
                    "orchestratorVersion",
                    "nodeImageVersion",
                    "count",
                ] {
                    assert!(pool.get(key).is_some(), "pool {key}");
                }
            }
            let policy = &cluster["azurePolicy"];
            assert_eq!(policy["definitionId"], crate::rules::POLICY_DEFINITION_ID);
            assert!(policy["compliant"].is_boolean());
            assert!(policy["reason"].is_string());
            for finding in cluster["findings"].as_array().expect("findings is an array") {
                for key in ["rule", "ref", "outcome", "reason"] {
                    assert!(finding[key].is_string(), "finding {key}");
                }
                let waived = finding["outcome"] == "Waived";
                assert_eq!(finding.get("waiver").is_some(), waived, "waiver only when present");
            }
        }
    }

    #[test]
    fn the_upgrade_calendar_is_carried_per_cluster_and_for_the_fleet() {
        let doc = parsed();
        let ok = &doc["clusters"][0];
        assert_eq!(ok["support"]["state"], "lts");
        assert_eq!(ok["support"]["ends"], "2027-07-31", "a month's end is its last day");
        assert_eq!(ok["support"]["announced"], "2027-07");
        assert_eq!(ok["support"]["source"], "calendar");
        let windows = ok["nextWindows"].as_object().expect("keyed by configuration name");
        assert_eq!(
            windows["aksManagedNodeOSUpgradeSchedule"]["start"],
            "2026-12-05T23:00:00Z"
        );
        assert_eq!(windows["aksManagedNodeOSUpgradeSchedule"]["utcOffset"], "+01:00");
        assert_eq!(windows["default"]["start"], Value::Null);
        assert!(windows["default"]["problem"].as_str().unwrap().contains("Funday"));
        assert_eq!(doc["clusters"][1]["support"], Value::Null, "not worked out");
        let hostile = &doc["clusters"][3];
        assert_eq!(hostile["support"]["forcedUpgrade"], true);
        assert_eq!(hostile["nextWindows"], Value::Null, "not read");
        let kinds: Vec<&str> = doc["insights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["failed-upgrade", "out-of-support", "forced-upgrade"]);
        assert_eq!(doc["events"][0]["status"], "Failed");
        assert_eq!(doc["events"][0]["kind"], "NodeOSUpgrade");
        // Insights are not findings: the summary counts the same as without them.
        assert_eq!(doc["summary"]["failingFindings"], 5);
    }

    #[test]
    fn values_are_carried_as_read_and_missing_ones_are_null() {
        let doc = parsed();
        let legacy = &doc["clusters"][1];
        assert_eq!(legacy["nodeOsUpgradeChannel"], Value::Null);
        assert_eq!(legacy["verdict"], "Fail");
        assert_eq!(legacy["findings"][0]["rule"], "Azure.AKS.NodeAutoUpgrade");
        assert_eq!(legacy["findings"][0]["ref"], "AZR-000435");
        assert_eq!(doc["clusters"][2]["subscriptionName"], Value::Null);
        // JSON is data: the hostile name survives byte for byte, escaped by JSON.
        assert_eq!(doc["clusters"][3]["name"], HOSTILE_NAME);
        assert_eq!(doc["errors"][0]["code"], "AuthorizationFailed");
        assert_eq!(doc["skipped"], 2);
        assert_eq!(doc["summary"]["minimumVersion"], "1.33.7");
    }
}
