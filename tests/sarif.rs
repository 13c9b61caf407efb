//! `scan --format sarif` through the binary: results from a file point at that file, as
//! given on the command line, and at the line and column that open each cluster.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const TEMPLATE: &str = "tests/fixtures/aks-template.json";
const SYMBOLIC: &str = "tests/fixtures/aks-template-symbolic.json";

/// `aksradar scan --format sarif --input FILE`, run from the repository root.
fn sarif(input: &str) -> Value {
    let home = env!("CARGO_TARGET_TMPDIR");
    let out = Command::new(env!("CARGO_BIN_EXE_aksradar"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("HOME", home)
        .args(["scan", "--format", "sarif", "--input", input])
        .output()
        .expect("aksradar runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

/// `(uri, uriBaseId, startLine, startColumn, cluster name)` of every result.
fn places(log: &Value) -> Vec<(String, String, u64, u64, String)> {
    let results = log["runs"][0]["results"].as_array().expect("results");
    results
        .iter()
        .map(|result| {
            let location = &result["locations"][0];
            let physical = &location["physicalLocation"];
            (
                physical["artifactLocation"]["uri"].as_str().unwrap_or("").to_string(),
                physical["artifactLocation"]["uriBaseId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                physical["region"]["startLine"].as_u64().unwrap_or(0),
                physical["region"]["startColumn"].as_u64().unwrap_or(0),
                location["logicalLocations"][0]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

/// The text of line `line` (1-based) of a fixture.
fn line_of(file: &str, line: u64) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect("the fixture");
    text.lines()
        .nth(line as usize - 1)
        .expect("the line exists")
        .to_string()
}

#[test]
fn results_from_a_template_point_at_the_brace_that_opens_each_cluster() {
    let log = sarif(TEMPLATE);
    // Results follow the report's order (worst first); compare them in file order.
    let mut places = places(&log);
    places.sort();
    // aks-patched fails only MaintenanceWindow; aks-legacy fails all five rules.
    let want = |line, name: &str| (TEMPLATE.to_string(), "%SRCROOT%".to_string(), line, 5, name.to_string());
    let mut expected = vec![want(27, "aks-patched")];
    expected.extend(std::iter::repeat_n(want(61, "aks-legacy"), 5));
    assert_eq!(places, expected);
    for (_, _, line, column, _) in &places {
        let text = line_of(TEMPLATE, *line);
        assert_eq!(
            text.chars().nth(*column as usize - 1),
            Some('{'),
            "line {line}: {text:?}"
        );
        let next = line_of(TEMPLATE, line + 1);
        assert!(
            next.contains("\"Microsoft.ContainerService/managedClusters\""),
            "{next}"
        );
    }
}

#[test]
fn symbolic_name_templates_point_at_the_resource_body() {
    let places = places(&sarif(SYMBOLIC));
    assert!(!places.is_empty());
    for (uri, base, line, column, name) in places {
        assert_eq!(
            (uri.as_str(), base.as_str(), name.as_str()),
            (SYMBOLIC, "%SRCROOT%", "aks-symbolic")
        );
        assert_eq!((line, column), (12, 16));
        assert_eq!(line_of(SYMBOLIC, line), "    \"cluster\": {");
    }
}

#[test]
fn a_utf16_copy_named_by_absolute_path_points_at_the_same_lines_through_a_file_uri() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE)).expect("the fixture");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.replace('\n', "\r\n").encode_utf16().flat_map(u16::to_le_bytes));
    let copy = dir.path().join("aks template.json");
    std::fs::write(&copy, utf16).expect("written");
    let copy = copy.to_str().expect("a UTF-8 path");

    let places = places(&sarif(copy));
    let uri = format!("file://{}", copy.replace(' ', "%20"));
    let mut lines: Vec<(u64, u64)> = places.iter().map(|p| (p.2, p.3)).collect();
    lines.sort();
    assert_eq!(lines, [(27, 5), (61, 5), (61, 5), (61, 5), (61, 5), (61, 5)]);
    for (got_uri, base, ..) in &places {
        assert_eq!(got_uri, &uri);
        assert_eq!(base, "", "an absolute path needs no base");
    }
}

#[test]
fn an_export_points_at_each_cluster_and_keeps_its_resource_id() {
    let log = sarif("assets/sample-fleet.json");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() >= 10, "{}", results.len());
    for result in results {
        let location = &result["locations"][0];
        let region = &location["physicalLocation"]["region"];
        let line = region["startLine"].as_u64().expect("a line");
        assert_eq!(line_of("assets/sample-fleet.json", line), "  {");
        let id = location["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .expect("an id");
        assert!(id.starts_with("/subscriptions/"), "{id}");
        let print = result["partialFingerprints"]["aksradar/v1"]
            .as_str()
            .expect("a fingerprint");
        assert_eq!(
            print,
            format!("{}:{}", result["ruleId"].as_str().unwrap_or(""), id.to_lowercase())
        );
    }
}
