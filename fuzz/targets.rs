//! What each fuzz target does with its input, shared by the targets in `fuzz_targets/`
//! and by `tests/fuzz_corpora.rs`, which replays the committed corpora through the same
//! functions in `cargo test`. Every function must return (no panic, no hang, bounded
//! memory) whatever the bytes are; where it can, it also checks a property.

use aksradar::config::Config;
use aksradar::filter::Filter;
use aksradar::model::Assessed;
use aksradar::{app, cache, history, import, remediate, report, rules};

fn today() -> time::Date {
    time::macros::date!(2026 - 11 - 26)
}

/// Everything a scan does after reading: rules, every report format, every fix format.
fn scan(assessed: &[Assessed], fleet: &aksradar::model::Fleet, config: &Config) {
    let report = report::Report {
        assessed,
        skipped: fleet.skipped,
        duplicates: fleet.duplicates,
        errors: &fleet.errors,
        minimum_version: &config.rules.kubernetes_minimum_version,
        changes: None,
    };
    for format in [
        report::Format::Table,
        report::Format::Json,
        report::Format::Csv,
        report::Format::Markdown,
        report::Format::Sarif,
    ] {
        let mut out = Vec::new();
        report::write(format, &report, report::Style { color: true }, &mut out).expect("a Vec takes any write");
    }
    let failing: Vec<&Assessed> = assessed.iter().filter(|a| a.failing().next().is_some()).collect();
    for format in [
        remediate::Format::Cli,
        remediate::Format::Bicep,
        remediate::Format::Arm,
        remediate::Format::Policy,
        remediate::Format::Terraform,
    ] {
        remediate::render(format, &failing, &config.remediation);
    }
}

/// An exported file, as `scan --input` reads it, then everything a scan does with it.
pub fn import(data: &[u8]) {
    let Ok(fleet) = import::parse(data, "fuzz.json") else {
        return;
    };
    let mut fleet = import::merge([fleet]);
    let config = Config::default();
    let clusters = std::mem::take(&mut fleet.clusters);
    let count = clusters.len();
    let assessed = rules::assess(clusters, &config, today());
    assert_eq!(assessed.len(), count, "every cluster is assessed");
    scan(&assessed, &fleet, &config);
}

/// A filter as `--filter` or `/` takes it; a filter that parses matches a cluster.
pub fn filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Filter::parse(text) {
        Ok(filter) => {
            let cluster = aksradar::model::Cluster {
                name: "aks-prod-1".into(),
                kubernetes_version: Some("1.33.7".into()),
                ..Default::default()
            };
            let assessed = rules::assess(vec![cluster], &Config::default(), today());
            filter.matches_item(&assessed[0]);
        }
        Err(err) => {
            let shown = err.to_string();
            assert!(shown.chars().count() < 1_000, "an error quotes a clipped term");
        }
    }
}

/// A config file as `--config` reads it, with its key bindings resolved.
pub fn config(data: &[u8]) {
    let path = std::path::Path::new("config.toml");
    let text = match Config::text(data, path) {
        Ok(text) => text,
        Err(err) => {
            assert!(err.to_string().contains("config.toml:"), "the place is named");
            return;
        }
    };
    match Config::parse(text, path) {
        Ok(config) => {
            let _ = app::Keymap::with_bindings(&config.keys);
        }
        Err(err) => {
            assert!(err.to_string().chars().count() < 2_000, "a config error is bounded");
        }
    }
}

/// A snapshot file's bytes as the cache reads them, then the fleet it holds.
pub fn snapshot(data: &[u8]) {
    let key = "fuzz";
    let Ok(Some(snapshot)) = cache::read_snapshot(data, key) else {
        return;
    };
    let mut fleet = snapshot.into_fleet();
    let config = Config::default();
    let clusters = std::mem::take(&mut fleet.clusters);
    let assessed = rules::assess(clusters, &config, today());
    scan(&assessed, &fleet, &config);
}

/// A history file's bytes as `--changes` reads them, and the diff of each pair.
pub fn history(data: &[u8]) {
    let records = history::parse_records(data);
    for pair in records.windows(2) {
        let changes = history::diff(&pair[0], &pair[1]);
        let listed = changes.appeared.len() + changes.became_compliant.len() + changes.became_non_compliant.len();
        assert!(
            listed <= 2 * pair[1].clusters.len(),
            "each cluster is listed at most twice"
        );
    }
}
