//! Names in generated code: one Bicep or Terraform identifier per cluster, derived from
//! its name, valid in both languages and unique within one output.

use std::collections::BTreeSet;

use super::decide::ClusterFix;

/// Words Bicep reserves, which a symbol must not be.
const RESERVED: &[&str] = &[
    "as",
    "assert",
    "existing",
    "extends",
    "extension",
    "false",
    "for",
    "func",
    "if",
    "import",
    "in",
    "metadata",
    "module",
    "null",
    "output",
    "param",
    "provider",
    "resource",
    "targetScope",
    "true",
    "type",
    "using",
    "var",
    "with",
];

/// One identifier per plan, derived from the cluster name: only `[A-Za-z0-9_]`, starting
/// with a letter, and unique together with every `base + suffix` the format derives.
pub fn identifiers(plans: &[ClusterFix<'_>], suffixes: &[&str]) -> Vec<String> {
    let mut used = BTreeSet::new();
    plans
        .iter()
        .map(|plan| {
            let base = sanitize(&plan.cluster.name);
            let mut n = 1;
            loop {
                let candidate = if n == 1 { base.clone() } else { format!("{base}_{n}") };
                let derived: Vec<String> = std::iter::once(candidate.clone())
                    .chain(suffixes.iter().map(|s| format!("{candidate}{s}")))
                    .collect();
                if !RESERVED.contains(&candidate.as_str()) && derived.iter().all(|d| !used.contains(d)) {
                    used.extend(derived);
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "aks_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::decide::decide;
    use super::*;
    use crate::config::RemediationConfig;
    use crate::model::fixtures::failing as assessed;
    use crate::model::{Assessed, Cluster, Rule};
    #[test]
    fn identifiers_are_valid_and_unique() {
        let names = ["aks-1", "aks_1", "1st", "résumé", "", "resource", "aks-1-existing"];
        let items: Vec<Assessed> = names
            .iter()
            .map(|n| {
                assessed(
                    Cluster {
                        name: n.to_string().into(),
                        ..Default::default()
                    },
                    &[Rule::Version],
                )
            })
            .collect();
        let refs: Vec<&Assessed> = items.iter().collect();
        let minimum = crate::model::Version::parse("1.33.7").unwrap();
        let fixes = decide(&refs, &RemediationConfig::default(), super::super::Scope::ALL, &minimum);
        let ids = identifiers(&fixes, &["_existing"]);
        let got: Vec<(&str, &str)> = fixes
            .iter()
            .map(|p| p.cluster.name.as_str())
            .zip(ids.iter().map(String::as_str))
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "aks_"),
                ("1st", "aks_1st"),
                ("aks-1", "aks_1"),
                ("aks-1-existing", "aks_1_existing_2"),
                ("aks_1", "aks_1_2"),
                ("resource", "resource_2"),
                ("résumé", "r_sum_"),
            ]
        );
    }
}
