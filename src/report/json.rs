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
use crate::model::{AgentPool, Assessed, Changes, Finding, SourceError, Summary};
use crate::rules::POLICY_DEFINITION_ID;

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let minimum_version = report.minimum_version.to_string();
    let document = Document {
        tool: Tool {
            name: "aksradar",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: SummaryOut::new(&Summary::of(report.assessed), &minimum_version),
        clusters: Clusters(report.assessed),
        skipped: report.skipped,
        duplicates: report.duplicates,
        errors: Errors(report.errors),
        changes: report.changes,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Document<'a> {
    tool: Tool,
    summary: SummaryOut<'a>,
    clusters: Clusters<'a>,
    skipped: usize,
    duplicates: usize,
    errors: Errors<'a>,
    /// Present with `scan --changes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a Changes>,
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

/// Serialises as an array without collecting the views into a `Vec` first.
struct Clusters<'a>(&'a [Assessed]);

impl Serialize for Clusters<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ClusterOut::new))
    }
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::Format;
    use super::super::tests::{HOSTILE_NAME, render};
    use crate::report::Style;

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
        for key in ["tool", "summary", "clusters", "skipped", "duplicates", "errors"] {
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
        const FIELDS: [&str; 16] = [
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
