//! `scan --format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub, Azure DevOps).
//!
//! One run. The driver lists every rule aksradar knows, with PSRule's reference
//! (`AZR-000435`) as the SARIF rule id, so results line up with PSRule's own SARIF.
//! Only failing findings become results: Pass, Waived and Unknown are not problems
//! to show. Each result points at the cluster twice: a logical location (the ARM
//! resource id) for SARIF-aware viewers, and a physical location whose URI is the
//! resource id made into a valid relative URI reference, because GitHub rejects
//! results without one. `partialFingerprints` keys a result on rule and lowercased
//! id (ARM ids ignore case) so re-uploads update alerts instead of duplicating them.
//! Read errors become tool execution notifications. Text is carried as is.

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::Report;
use crate::model::{Assessed, Finding, Rule, SourceError};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The project page, from Cargo.toml; omitted while Cargo.toml has none.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
const FINGERPRINT: &str = "aksradar/v1";

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let help_uris = Rule::ALL.map(Rule::help_uri);
    let rules = Rule::ALL
        .iter()
        .zip(&help_uris)
        .map(|(&rule, help_uri)| Descriptor {
            id: rule.reference(),
            name: rule.short_name(),
            short_description: Text { text: rule.synopsis() },
            help_uri,
            default_configuration: Configuration { level: level(rule) },
            properties: DescriptorProperties {
                psrule_name: rule.name(),
            },
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "aksradar",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: Notifications(report.errors),
            }],
            results: Results(report.assessed),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// Configuration drift is an error; a missing maintenance window is advice.
fn level(rule: Rule) -> &'static str {
    match rule {
        Rule::MaintenanceWindow => "warning",
        _ => "error",
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    results: Results<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'static str,
    name: &'static str,
    short_description: Text<'static>,
    help_uri: &'a str,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorProperties {
    /// PSRule's full rule name, which people search for.
    psrule_name: &'static str,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Notifications<'a>,
}

struct Notifications<'a>(&'a [SourceError]);

impl Serialize for Notifications<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|error| Notification {
            level: "error",
            message: Text { text: &error.message },
            properties: NotificationProperties {
                subscription_id: error.subscription_id.as_deref(),
                url: error.url.as_deref(),
                code: error.code.as_deref(),
            },
        }))
    }
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
    properties: NotificationProperties<'a>,
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

/// Streams one result per failing finding, cluster by cluster.
struct Results<'a>(&'a [Assessed]);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let failing = self
            .0
            .iter()
            .flat_map(|item| item.failing().map(move |finding| (item, finding)));
        serializer.collect_seq(failing.map(|(item, finding)| result(item, finding)))
    }
}

fn result<'a>(item: &'a Assessed, finding: &'a Finding) -> SarifResult<'a> {
    let cluster = &item.cluster;
    let rule = finding.rule;
    SarifResult {
        rule_id: rule.reference(),
        // Every rule is in `ALL`, which is also the order of the driver's rules.
        rule_index: Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0),
        level: level(rule),
        message: Text { text: &finding.reason },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: artifact_uri(&cluster.id, &cluster.name),
                },
            },
            logical_locations: [LogicalLocation {
                fully_qualified_name: &cluster.id,
                name: &cluster.name,
                kind: "resource",
            }],
        }],
        partial_fingerprints: Fingerprints {
            value: format!("{}:{}", rule.reference(), cluster.id.to_lowercase()),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
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
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    name: &'a str,
    kind: &'static str,
}

/// `{"aksradar/v1": "<ref>:<lowercased id>"}`; the key versions the scheme, so a
/// future change of what identifies a result can start a new key.
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

/// The resource id as a relative URI reference (RFC 3986 `relative-part`).
///
/// Leading slashes go, or `//` would start an authority and `/` would make it an
/// absolute path. Every byte outside `pchar` is percent-encoded, and so is `:` (a
/// colon in the first segment would read as a scheme) and `%` (ids are not
/// pre-encoded). `.` and `..` segments are encoded so a viewer cannot resolve them
/// out of the repository. An empty id falls back to the cluster name.
fn artifact_uri(id: &str, name: &str) -> String {
    let mut source = id.trim_start_matches('/');
    if source.is_empty() {
        source = name.trim_start_matches('/');
    }
    let mut uri = String::with_capacity(source.len() + 8);
    for (i, segment) in source.split('/').enumerate() {
        if i > 0 {
            uri.push('/');
        }
        if segment == "." || segment == ".." {
            uri.push_str(&"%2E".repeat(segment.len()));
            continue;
        }
        for byte in segment.bytes() {
            let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&byte);
            if allowed {
                uri.push(char::from(byte));
            } else {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                uri.push('%');
                uri.push(char::from(HEX[usize::from(byte >> 4)]));
                uri.push(char::from(HEX[usize::from(byte & 0x0F)]));
            }
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::Format;
    use super::super::tests::{fixture, render};
    use super::*;
    use crate::model::Outcome;
    use crate::report::Style;

    #[test]
    fn sarif_matches_the_snapshot() {
        insta::assert_snapshot!(render(Format::Sarif, Style::default()));
    }

    #[test]
    fn one_result_per_failing_finding_keyed_by_the_rule_reference() {
        let text = render(Format::Sarif, Style::default());
        let log: Value = serde_json::from_slice(text.as_bytes()).expect("sarif parses back");
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), Rule::ALL.len());
        for (descriptor, rule) in rules.iter().zip(Rule::ALL) {
            assert_eq!(descriptor["id"], rule.reference());
            assert_eq!(descriptor["name"], rule.short_name());
            assert_eq!(descriptor["helpUri"], rule.help_uri());
        }

        let (assessed, _, _) = fixture();
        let failing: Vec<(&Assessed, &Finding)> = assessed
            .iter()
            .flat_map(|a| a.findings.iter().map(move |f| (a, f)))
            .filter(|(_, f)| f.outcome == Outcome::Fail)
            .collect();
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), failing.len());
        assert_eq!(results.len(), 5);
        for (result, (item, finding)) in results.iter().zip(failing) {
            assert_eq!(result["ruleId"], finding.rule.reference());
            let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            assert_eq!(result["message"]["text"], finding.reason.as_str());
            let logical = &result["locations"][0]["logicalLocations"][0];
            assert_eq!(logical["fullyQualifiedName"], item.cluster.id.as_str());
            assert_eq!(logical["kind"], "resource");
            let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            assert!(uri.as_str().is_some_and(|u| u.starts_with("subscriptions/")));
            let print = format!("{}:{}", finding.rule.reference(), item.cluster.id.to_lowercase());
            assert_eq!(result["partialFingerprints"][FINGERPRINT], print);
        }
        assert_eq!(results[4]["level"], "warning", "MaintenanceWindow is advice");
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn resource_ids_become_valid_relative_uri_references() {
        let cases = [
            (
                "/subscriptions/0000-1/resourceGroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1",
                "subscriptions/0000-1/resourceGroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1",
            ),
            ("//evil.example/x", "evil.example/x"),
            ("c:/x", "c%3A/x"),
            ("/a b/%20/ü", "a%20b/%2520/%C3%BC"),
            ("/a/../../etc/./passwd", "a/%2E%2E/%2E%2E/etc/%2E/passwd"),
            ("/x/red\x1b[31m,\"q\"#?", "x/red%1B%5B31m,%22q%22%23%3F"),
        ];
        for (id, want) in cases {
            assert_eq!(artifact_uri(id, "name"), want, "{id:?}");
        }
        assert_eq!(artifact_uri("", "aks-1"), "aks-1");
    }
}
