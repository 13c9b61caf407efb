//! The SARIF log as a whole: rules, results, levels, fingerprints and notifications.

use serde_json::Value;

use super::super::Format;
use super::super::tests::{fixture, render};
use super::artifact::{AZURE_RESOURCES, SOURCE_ROOT, resource_uri};
use super::*;
use crate::model::SourceLocation;
use crate::report::Style;

fn log_of(assessed: &[Assessed], errors: &[SourceError]) -> Value {
    let minimum = crate::model::Version::parse("1.33.7").expect("a valid literal");
    let report = Report {
        errors,
        ..Report::whole(assessed, &minimum)
    };
    let mut out = Vec::new();
    super::super::write(Format::Sarif, &report, Style::default(), &mut out).expect("writes to a Vec");
    serde_json::from_slice(&out).expect("SARIF is JSON")
}

/// The fixture as if read from files: each cluster at its own line of `file`.
fn from_file(file: &str) -> Vec<Assessed> {
    let (mut assessed, _, _) = fixture();
    for (i, item) in assessed.iter_mut().enumerate() {
        std::sync::Arc::make_mut(&mut item.cluster).source = Some(Box::new(SourceLocation {
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
        let cluster = std::sync::Arc::make_mut(&mut item.cluster);
        cluster.id = cluster.id.to_uppercase();
        cluster.name = format!("{}-renamed", cluster.name).into();
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
        std::sync::Arc::make_mut(&mut item.cluster).id.clear();
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
fn an_incomplete_read_is_no_successful_execution_and_says_why() {
    assert_eq!(
        log_of(&[], &[])["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    let forbidden = SourceError {
        subscription_id: Some("00000000-0000-0000-0000-000000000009".into()),
        url: None,
        code: Some("AuthorizationFailed".into()),
        message: "no access".into(),
    };
    let log = log_of(&[], &[forbidden]);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let said = invocation["toolExecutionNotifications"].to_string();
    assert!(said.contains("AuthorizationFailed"), "{said}");
}
