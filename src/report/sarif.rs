//! `scan --format sarif`: SARIF 2.1.0 that code scanning (GitHub, Azure DevOps) accepts.
//!
//! One run. The driver lists every rule aksradar knows, with PSRule's reference
//! (`AZR-000435`) as the SARIF rule id so results line up with PSRule's own SARIF, and
//! with the full description, help (text and Markdown) and tags code scanning shows.
//!
//! Which outcomes are results: only `Fail`, at the rule's level (`error`, `warning` for
//! MaintenanceWindow). `Pass` is no problem. `Waived` is the user's decision, and code
//! scanning ignores SARIF suppressions (it would reopen the alert), so it is left out.
//! `Unknown` means the data was not read: it is nothing to fix in a file, so it is left
//! out too. Both are counted, per rule, in tool execution notifications, so nothing is
//! dropped silently.
//!
//! Where a result points: a cluster read from a file points at that file (the path as
//! given, relative to `%SRCROOT%`, the folder aksradar ran in; an absolute path becomes
//! a `file:` URI) and at the line and column of the `{` that opens the resource. Live
//! data has no file: its artifact is the resource id made into a relative URI under
//! the base `AZURE_RESOURCES`, which says so. Every result also names the resource as
//! a logical location. `partialFingerprints` keys a result on rule and lowercased
//! resource id (ARM ids ignore case; a template resource without an id uses its file
//! and name), so re-uploads update alerts instead of duplicating them. Read errors
//! become error notifications. Text is carried as is; JSON escaping keeps it inert.

mod artifact;
mod help;

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::Report;
use crate::model::{Assessed, Cluster, Finding, Outcome, Rule, SourceError};
use artifact::{Artifact, ArtifactLocation, Bases, Region};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The project's page (Cargo.toml `repository`); until it has one, the home of PSRule
/// for Azure, whose rules aksradar evaluates and whose pages each rule links to.
const INFORMATION_URI: &str = {
    const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
    if REPOSITORY.is_empty() {
        "https://azure.github.io/PSRule.Rules.Azure/"
    } else {
        REPOSITORY
    }
};
const FINGERPRINT: &str = "aksradar/v1";

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules = Rule::ALL.map(|rule| {
        let help = help::help(rule);
        Descriptor {
            id: rule.reference(),
            name: rule.short_name(),
            short_description: Text { text: rule.synopsis() },
            full_description: Text {
                text: help.full_description,
            },
            help: Help {
                text: help.text,
                markdown: help.markdown,
            },
            help_uri: rule.help_uri(),
            default_configuration: Configuration { level: level(rule) },
            properties: DescriptorProperties {
                tags: help.tags,
                precision: "very-high",
                psrule_name: rule.name(),
            },
        }
    });
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "aksradar",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            original_uri_base_ids: Bases::used_by(report.assessed),
            invocations: [Invocation {
                // A read that missed part of the fleet did not analyse all of it (exit 3).
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: Notifications {
                    errors: report.errors,
                    not_reported: NotReported::count(report.assessed),
                },
            }],
            column_kind: "utf16CodeUnits",
            results: Results(report.assessed),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// The level of a failing finding: configuration drift is an error, a missing
/// maintenance window is advice.
fn level(rule: Rule) -> &'static str {
    match rule {
        Rule::MaintenanceWindow => "warning",
        _ => "error",
    }
}

/// Where `rule` sits in the driver's rules, which follow `Rule::ALL`.
fn rule_index(rule: Rule) -> usize {
    Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0)
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "Bases::is_empty")]
    original_uri_base_ids: Bases,
    invocations: [Invocation<'a>; 1],
    column_kind: &'static str,
    results: Results<'a>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: [Descriptor; Rule::ALL.len()],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text<&'static str>,
    full_description: Text<String>,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorProperties {
    tags: [&'static str; 4],
    /// How often a result is right, as code scanning ranks it: the rules are exact.
    precision: &'static str,
    /// PSRule's full rule name, which people search for.
    psrule_name: &'static str,
}

/// A SARIF `message`, or any other object with a single `text`.
#[derive(Serialize)]
struct Text<T: Serialize> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Notifications<'a>,
}

/// Read errors, then what was evaluated but is not reported as results.
struct Notifications<'a> {
    errors: &'a [SourceError],
    not_reported: NotReported,
}

impl Serialize for Notifications<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let errors = self.errors.iter().map(|error| Notification {
            level: "error",
            message: Text {
                text: error.message.clone(),
            },
            associated_rule: None,
            properties: NotificationProperties {
                subscription_id: error.subscription_id.as_deref(),
                url: error.url.as_deref(),
                code: error.code.as_deref(),
            },
        });
        serializer.collect_seq(errors.chain(self.not_reported.notifications()))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Text<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleReference>,
    #[serde(skip_serializing_if = "NotificationProperties::is_empty")]
    properties: NotificationProperties<'a>,
}

#[derive(Serialize)]
struct RuleReference {
    id: &'static str,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    subscription_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
}

impl NotificationProperties<'_> {
    fn is_empty(&self) -> bool {
        self.subscription_id.is_none() && self.url.is_none() && self.code.is_none()
    }
}

/// Findings that are not results, counted per rule: `[waived, unknown]`.
struct NotReported([[usize; 2]; Rule::ALL.len()]);

impl NotReported {
    fn count(assessed: &[Assessed]) -> NotReported {
        let mut counts = [[0; 2]; Rule::ALL.len()];
        for finding in assessed.iter().flat_map(|item| &item.findings) {
            let slot = match finding.outcome {
                Outcome::Waived => 0,
                Outcome::Unknown => 1,
                Outcome::Pass | Outcome::Fail => continue,
            };
            counts[rule_index(finding.rule)][slot] += 1;
        }
        NotReported(counts)
    }

    fn notifications<'n>(&self) -> impl Iterator<Item = Notification<'n>> + use<'_, 'n> {
        Rule::ALL.into_iter().zip(self.0).flat_map(|(rule, [waived, unknown])| {
            let note = move |level: &'static str, text: String| Notification {
                level,
                message: Text { text },
                associated_rule: Some(RuleReference {
                    id: rule.reference(),
                    index: rule_index(rule),
                }),
                properties: NotificationProperties {
                    subscription_id: None,
                    url: None,
                    code: None,
                },
            };
            let waived = (waived > 0).then(|| {
                note(
                    "note",
                    format!(
                        "{} of {} is waived in the configuration and not reported as a result.",
                        findings(waived),
                        rule.name()
                    ),
                )
            });
            let unknown = (unknown > 0).then(|| {
                note(
                    "warning",
                    format!(
                        "{} of {} could not be evaluated (Unknown: the data it needs was not read) and \
                         {} not reported as {}.",
                        findings(unknown),
                        rule.name(),
                        if unknown == 1 { "is" } else { "are" },
                        if unknown == 1 { "a result" } else { "results" },
                    ),
                )
            });
            waived.into_iter().chain(unknown)
        })
    }
}

fn findings(n: usize) -> String {
    if n == 1 {
        "1 finding".to_string()
    } else {
        format!("{n} findings")
    }
}

/// Streams one result per failing finding, cluster by cluster.
struct Results<'a>(&'a [Assessed]);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let failing = self.0.iter().flat_map(|item| {
            let artifact = Artifact::of(&item.cluster);
            item.failing()
                .map(move |finding| result(&item.cluster, finding, artifact.clone()))
        });
        serializer.collect_seq(failing)
    }
}

fn result<'a>(cluster: &'a Cluster, finding: &'a Finding, artifact: Artifact) -> SarifResult<'a> {
    let rule = finding.rule;
    let identity = if cluster.id.is_empty() {
        // A template resource often has no id: its file and name tell it apart.
        format!("{}#{}", artifact.location.uri, cluster.name)
    } else {
        cluster.id.to_lowercase()
    };
    SarifResult {
        rule_id: rule.reference(),
        rule_index: rule_index(rule),
        level: level(rule),
        message: Text { text: &finding.reason },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact.location,
                region: artifact.region,
            },
            logical_locations: [LogicalLocation {
                fully_qualified_name: (!cluster.id.is_empty()).then_some(cluster.id.as_str()),
                name: &cluster.name,
                kind: "resource",
            }],
        }],
        partial_fingerprints: Fingerprints {
            value: format!("{}:{identity}", rule.reference()),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text<&'a str>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<&'a str>,
    name: &'a str,
    kind: &'static str,
}

/// `{"aksradar/v1": "<ref>:<identity>"}`; the key versions the scheme, so a future
/// change of what identifies a result can start a new key.
struct Fingerprints {
    value: String,
}

impl Serialize for Fingerprints {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(FINGERPRINT, &self.value)?;
        map.end()
    }
}

#[cfg(test)]
mod tests;
