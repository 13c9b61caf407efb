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

mod help;

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::Report;
use crate::model::{Assessed, Cluster, Finding, Outcome, Rule, SourceError, SourceLocation};

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
/// The base of file paths: the folder aksradar ran in (the repository root in CI).
const SOURCE_ROOT: &str = "%SRCROOT%";
/// The base of live resources' artifact URIs, which are resource ids, not files.
const AZURE_RESOURCES: &str = "AZURE_RESOURCES";

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
                execution_successful: true,
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

/// The URI bases the results use, with what each stands for.
struct Bases {
    files: bool,
    live: bool,
}

impl Bases {
    fn used_by(assessed: &[Assessed]) -> Bases {
        let mut bases = Bases {
            files: false,
            live: false,
        };
        for item in assessed.iter().filter(|item| item.failing().next().is_some()) {
            match &item.cluster.source {
                Some(source) if !is_absolute(&source.file) => bases.files = true,
                Some(_) => {}
                None => bases.live = true,
            }
        }
        bases
    }

    fn is_empty(&self) -> bool {
        !self.files && !self.live
    }
}

impl Serialize for Bases {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Base {
            description: Text<&'static str>,
        }
        let mut map = serializer.serialize_map(None)?;
        if self.files {
            let text = "The folder aksradar ran in (the repository root, when run there): the paths of \
                        input files are relative to it, as given on the command line.";
            map.serialize_entry(
                SOURCE_ROOT,
                &Base {
                    description: Text { text },
                },
            )?;
        }
        if self.live {
            let text = "Live data, not a file: each artifact is an Azure resource, named by its Azure \
                        Resource Manager id relative to the cloud's management endpoint.";
            map.serialize_entry(
                AZURE_RESOURCES,
                &Base {
                    description: Text { text },
                },
            )?;
        }
        map.end()
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

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// The opening `{` of the resource: one character, start and end given in full.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// What a cluster's results point at.
#[derive(Clone)]
struct Artifact {
    location: ArtifactLocation,
    region: Option<Region>,
}

impl Artifact {
    fn of(cluster: &Cluster) -> Artifact {
        match &cluster.source {
            Some(source) => Artifact::file(source),
            None => Artifact {
                location: ArtifactLocation {
                    uri: resource_uri(&cluster.id, &cluster.name),
                    uri_base_id: Some(AZURE_RESOURCES),
                },
                region: None,
            },
        }
    }

    fn file(source: &SourceLocation) -> Artifact {
        let location = if is_absolute(&source.file) {
            ArtifactLocation {
                uri: format!("file://{}", encode_path(&source.file, true)),
                uri_base_id: None,
            }
        } else {
            ArtifactLocation {
                uri: encode_path(&source.file, false),
                uri_base_id: Some(SOURCE_ROOT),
            }
        };
        // SARIF counts from 1; a zero would make the whole log invalid.
        let (line, column) = (source.line.max(1), source.column.max(1));
        Artifact {
            location,
            region: Some(Region {
                start_line: line,
                start_column: column,
                end_line: line,
                end_column: column + 1,
            }),
        }
    }
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

/// A file path is absolute when it starts at a root: `/` anywhere, and also a drive
/// (`C:\`) or a UNC share (`\\server`) on Windows.
fn is_absolute(file: &str) -> bool {
    std::path::Path::new(file).is_absolute()
        || file.starts_with('/')
        || (cfg!(windows) && (file.starts_with("\\\\") || file.get(1..3).is_some_and(|s| s == ":\\" || s == ":/")))
}

/// A file path as a URI path: each segment percent-encoded, `/` between them (`\` too
/// on Windows, where it separates). `.` segments go. A relative path stays relative (a
/// colon is encoded, or the first segment would read as a scheme); an absolute one
/// starts with `/`, and keeps a drive's colon (`/C:/x`).
fn encode_path(file: &str, absolute: bool) -> String {
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    let mut uri = String::with_capacity(file.len() + 8);
    for segment in file.split(separators).filter(|s| !s.is_empty() && *s != ".") {
        if absolute || !uri.is_empty() {
            uri.push('/');
        }
        let drive = absolute && uri.len() == 1 && segment.len() == 2 && segment.ends_with(':');
        encode_segment(&mut uri, segment, if drive { b":" } else { b"" });
    }
    if uri.is_empty() && absolute {
        uri.push('/');
    }
    uri
}

/// The resource id as a relative URI reference (RFC 3986 `relative-part`).
///
/// Leading slashes go, or `//` would start an authority and `/` would make it an
/// absolute path. Every byte outside `pchar` is percent-encoded, and so is `:` (a
/// colon in the first segment would read as a scheme) and `%` (ids are not
/// pre-encoded). `.` and `..` segments are encoded so a viewer cannot resolve them
/// out of the base. An empty id falls back to the cluster name.
fn resource_uri(id: &str, name: &str) -> String {
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
        encode_segment(&mut uri, segment, b"");
    }
    uri
}

/// Appends `segment`, every byte outside RFC 3986 `pchar` (less `:`, plus `also`)
/// percent-encoded.
fn encode_segment(uri: &mut String, segment: &str, also: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in segment.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&byte) || also.contains(&byte);
        if allowed {
            uri.push(char::from(byte));
        } else {
            uri.push('%');
            uri.push(char::from(HEX[usize::from(byte >> 4)]));
            uri.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::Format;
    use super::super::tests::{fixture, render};
    use super::*;
    use crate::report::Style;

    fn log_of(assessed: &[Assessed], errors: &[SourceError]) -> Value {
        let minimum = crate::model::Version::parse("1.33.7").expect("a valid literal");
        let report = Report {
            assessed,
            skipped: 0,
            errors,
            minimum_version: &minimum,
            changes: None,
        };
        let mut out = Vec::new();
        super::super::write(Format::Sarif, &report, Style::default(), &mut out).expect("writes to a Vec");
        serde_json::from_slice(&out).expect("SARIF is JSON")
    }

    /// The fixture as if read from files: each cluster at its own line of `file`.
    fn from_file(file: &str) -> Vec<Assessed> {
        let (mut assessed, _, _) = fixture();
        for (i, item) in assessed.iter_mut().enumerate() {
            item.cluster.source = Some(Box::new(SourceLocation {
                file: file.into(),
                line: 10 * (i + 1),
                column: 3,
            }));
        }
        assessed
    }

    fn results(log: &Value) -> &Vec<Value> {
        log["runs"][0]["results"].as_array().expect("results")
    }

    #[test]
    fn sarif_matches_the_snapshot() {
        insta::assert_snapshot!(render(Format::Sarif, Style::default()));
    }

    #[test]
    fn every_rule_has_a_full_description_help_with_the_psrule_link_and_tags() {
        let log = log_of(&[], &[]);
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
        let semver = driver["semanticVersion"].as_str().expect("a version");
        assert_eq!(
            semver.split('.').filter(|n| n.parse::<u64>().is_ok()).count(),
            3,
            "{semver}"
        );
        let info = driver["informationUri"].as_str().expect("informationUri");
        assert!(info.starts_with("https://"), "{info}");

        let rules = driver["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), Rule::ALL.len());
        for (descriptor, rule) in rules.iter().zip(Rule::ALL) {
            let uri = rule.help_uri();
            assert_eq!(descriptor["id"], rule.reference());
            assert_eq!(descriptor["name"], rule.short_name());
            assert_eq!(descriptor["helpUri"], uri.as_str());
            assert_eq!(descriptor["shortDescription"]["text"], rule.synopsis());
            let full = descriptor["fullDescription"]["text"].as_str().expect("fullDescription");
            assert!(full.starts_with("Checks that") && full.len() > 80, "{rule}: {full}");
            let text = descriptor["help"]["text"].as_str().expect("help.text");
            let markdown = descriptor["help"]["markdown"].as_str().expect("help.markdown");
            for part in [
                "Checks that",
                "Why:",
                "How to fix:",
                "Azure CLI:",
                "az aks",
                "aksradar remediate",
            ] {
                assert!(text.contains(part), "{rule} help.text lacks {part:?}:\n{text}");
                assert!(
                    markdown.contains(part),
                    "{rule} help.markdown lacks {part:?}:\n{markdown}"
                );
            }
            assert!(text.ends_with(&format!("{}: {uri}", rule.name())), "{text}");
            assert!(markdown.contains(&format!("[{}]({uri})", rule.name())), "{markdown}");
            assert!(
                markdown.contains("```bash\naz aks") && markdown.contains("```bicep\n"),
                "{markdown}"
            );
            let tags: Vec<&str> = descriptor["properties"]["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(
                tags.starts_with(&["azure", "aks", "psrule"]) && tags.len() == 4,
                "{tags:?}"
            );
            assert_eq!(descriptor["properties"]["psruleName"], rule.name());
        }
        let pillar = |i: usize| rules[i]["properties"]["tags"][3].clone();
        assert_eq!(pillar(0), "security", "NodeAutoUpgrade is a security rule in PSRule");
        assert_eq!(pillar(1), "operational-excellence");
    }

    #[test]
    fn only_failing_findings_are_results_at_their_rule_level() {
        let text = render(Format::Sarif, Style::default());
        let log: Value = serde_json::from_slice(text.as_bytes()).expect("sarif parses back");
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA);
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");

        let (assessed, _, _) = fixture();
        let failing: Vec<(&Assessed, &Finding)> = assessed
            .iter()
            .flat_map(|a| a.findings.iter().map(move |f| (a, f)))
            .filter(|(_, f)| f.outcome == Outcome::Fail)
            .collect();
        let results = results(&log);
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
            let want = if finding.rule == Rule::MaintenanceWindow {
                "warning"
            } else {
                "error"
            };
            assert_eq!(result["level"], want, "{}", finding.rule);
            assert_eq!(rules[index]["defaultConfiguration"]["level"], want);
        }
        // The waived NodeAutoUpgrade and the unknown MaintenanceWindow are counted, not dropped.
        let notifications = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .expect("notifications");
        let summary: Vec<(&str, &str, &str)> = notifications
            .iter()
            .map(|n| {
                (
                    n["level"].as_str().unwrap_or(""),
                    n["associatedRule"]["id"].as_str().unwrap_or(""),
                    n["message"]["text"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(summary.len(), 3, "{summary:#?}");
        assert_eq!(summary[0].0, "error", "the read error comes first");
        assert_eq!(
            summary[1],
            (
                "note",
                "AZR-000435",
                "1 finding of Azure.AKS.NodeAutoUpgrade is waived in the configuration and not reported as a result."
            )
        );
        assert_eq!(
            summary[2],
            (
                "warning",
                "AZR-000446",
                "1 finding of Azure.AKS.MaintenanceWindow could not be evaluated (Unknown: the data it needs was not read) and is not reported as a result."
            )
        );
        assert_eq!(notifications[2]["associatedRule"]["index"], 4);
    }

    #[test]
    fn fingerprints_key_on_rule_and_resource_id_and_survive_order_and_case() {
        let prints = |assessed: &[Assessed]| -> Vec<String> {
            let mut prints: Vec<String> = results(&log_of(assessed, &[]))
                .iter()
                .map(|r| {
                    r["partialFingerprints"][FINGERPRINT]
                        .as_str()
                        .expect("a print")
                        .to_string()
                })
                .collect();
            prints.sort();
            prints
        };
        let (assessed, _, _) = fixture();
        let first = prints(&assessed);
        let mut again = fixture().0;
        again.reverse();
        for item in &mut again {
            item.cluster.id = item.cluster.id.to_uppercase();
            item.cluster.name.push_str("-renamed");
        }
        assert_eq!(prints(&again), first, "same rule and resource, same fingerprint");
        let legacy = &assessed[1].cluster.id;
        assert!(
            first.contains(&format!("AZR-000435:{}", legacy.to_lowercase())),
            "{first:?}"
        );
        let unique: std::collections::BTreeSet<&String> = first.iter().collect();
        assert_eq!(unique.len(), first.len(), "no two results share one");

        // Template resources have no id: two of them in one file still differ.
        let mut template = from_file("main.json");
        for item in &mut template {
            item.cluster.id.clear();
        }
        let prints = prints(&template);
        assert!(
            prints.contains(&"AZR-000435:main.json#aks-legacy".to_string()),
            "{prints:?}"
        );
        let unique: std::collections::BTreeSet<&String> = prints.iter().collect();
        assert_eq!(unique.len(), prints.len(), "{prints:?}");
    }

    #[test]
    fn a_cluster_from_a_file_points_at_the_file_and_the_line_and_column_it_opens_on() {
        let log = log_of(&from_file("./infra/aks main.json"), &[]);
        let run = &log["runs"][0];
        let result = &results(&log)[0];
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "infra/aks%20main.json");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], SOURCE_ROOT);
        // The first failing cluster is the fixture's second: line 20, column 3.
        let region = &physical["region"];
        assert_eq!(
            [
                &region["startLine"],
                &region["startColumn"],
                &region["endLine"],
                &region["endColumn"]
            ],
            [20, 3, 20, 4]
        );
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["name"], "aks-legacy",
            "the logical location stays"
        );
        let bases = run["originalUriBaseIds"].as_object().expect("bases");
        assert_eq!(bases.keys().collect::<Vec<_>>(), [SOURCE_ROOT]);
        assert!(bases[SOURCE_ROOT]["description"]["text"].as_str().is_some());
    }

    #[test]
    fn file_paths_become_uris_as_given() {
        let cases = [
            ("main.json", "main.json", Some(SOURCE_ROOT)),
            ("./infra/./main.json", "infra/main.json", Some(SOURCE_ROOT)),
            ("infra//a b#c?.json", "infra/a%20b%23c%3F.json", Some(SOURCE_ROOT)),
            ("c:x.json", "c%3Ax.json", Some(SOURCE_ROOT)),
            ("../shared/ü.json", "../shared/%C3%BC.json", Some(SOURCE_ROOT)),
            ("/srv/repo/infra/main.json", "file:///srv/repo/infra/main.json", None),
            ("/srv/a:b/x y.json", "file:///srv/a%3Ab/x%20y.json", None),
        ];
        for (file, uri, base) in cases {
            let artifact = Artifact::file(&SourceLocation {
                file: file.into(),
                line: 1,
                column: 1,
            });
            assert_eq!(artifact.location.uri, uri, "{file}");
            assert_eq!(artifact.location.uri_base_id, base, "{file}");
        }
    }

    #[test]
    fn live_clusters_point_at_their_resource_id_under_a_base_that_says_so() {
        let text = render(Format::Sarif, Style::default());
        let log: Value = serde_json::from_slice(text.as_bytes()).expect("sarif parses back");
        for result in results(&log) {
            let location = &result["locations"][0];
            let artifact = &location["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], AZURE_RESOURCES);
            let uri = artifact["uri"].as_str().expect("a uri");
            let id = location["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .expect("an id");
            assert!(uri.starts_with("subscriptions/"), "{uri}");
            assert_eq!(uri, resource_uri(id, ""));
            assert!(
                location["physicalLocation"].get("region").is_none(),
                "a resource has no lines"
            );
        }
        let bases = log["runs"][0]["originalUriBaseIds"].as_object().expect("bases");
        assert_eq!(bases.keys().collect::<Vec<_>>(), [AZURE_RESOURCES]);
        let said = bases[AZURE_RESOURCES]["description"]["text"]
            .as_str()
            .expect("a description");
        assert!(said.contains("not a file"), "{said}");
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
            assert_eq!(resource_uri(id, "name"), want, "{id:?}");
        }
        assert_eq!(resource_uri("", "aks-1"), "aks-1");
    }
}
