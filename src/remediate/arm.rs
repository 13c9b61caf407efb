//! ARM: a deployment template fragment in JSON, the same patch and windows as Bicep.
//!
//! JSON has no comments, so the findings and warnings travel in `metadata` objects,
//! which Resource Manager ignores. The JSON is written by a small ordered writer, so the
//! keys come in the order people read templates in (`type`, `apiVersion`, `name`, ...)
//! whatever features serde_json is built with. A string from outside that looks like an
//! ARM expression (`[...]`) gets the `[[` escape, so a deployment never evaluates it.

use super::decide::{ClusterFix, Scalar, Target};
use super::{decide, words};
use crate::config::{MaintenanceWindow, RemediationConfig};
use crate::model::{NodeOsChannel, UpgradeChannel};

const SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const VERSION_PARAM: &str = "kubernetesTargetVersion";

/// A JSON value whose objects keep their keys in the order written.
enum Json {
    Str(String),
    Int(u64),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    /// A literal string: never evaluated as an expression.
    fn lit(value: &str) -> Json {
        if value.starts_with('[') && value.ends_with(']') {
            Json::Str(format!("[{value}"))
        } else {
            Json::Str(value.to_string())
        }
    }

    /// An ARM template expression, on purpose.
    fn expr(value: &str) -> Json {
        Json::Str(value.to_string())
    }

    fn lines(values: impl IntoIterator<Item = String>) -> Json {
        Json::Arr(values.into_iter().map(|s| Json::lit(&s)).collect())
    }

    fn write(&self, indent: usize, out: &mut String) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            // serde_json does the escaping: quotes, backslashes, control characters.
            Json::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(indent + 1, out);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&serde_json::Value::String((*key).to_string()).to_string());
                    out.push_str(": ");
                    value.write(indent + 1, out);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

pub fn render(plans: &[ClusterFix<'_>], config: &RemediationConfig, notes: &[String]) -> String {
    let description = if plans.is_empty() {
        "aksradar: nothing to fix: no finding of the rules asked for fails.".to_string()
    } else {
        format!(
            "aksradar: ARM template fragment for {}. Not a template \
             to deploy as it is: merge the properties of each managedClusters resource into the cluster's existing \
             template. A deployment PUTs the whole cluster, so a patch deployed alone would reset what it does not \
             name; autoUpgradeProfile is replaced whole, so the patch repeats the cluster's current upgradeChannel \
             unless a fix changes it. The maintenanceConfigurations resources stand alone: deploy them into the \
             cluster's resource group.",
            words::totals(plans)
        )
    };
    let mut template = vec![
        ("$schema", Json::Str(SCHEMA.to_string())),
        ("contentVersion", Json::Str("1.0.0.0".to_string())),
        (
            "metadata",
            Json::Obj({
                let mut metadata = vec![
                    ("generator", Json::lit("aksradar")),
                    ("description", Json::lit(&description)),
                ];
                if !notes.is_empty() {
                    metadata.push(("notes", Json::lines(notes.iter().cloned())));
                }
                metadata
            }),
        ),
    ];
    if plans.iter().any(ClusterFix::needs_chosen_version) {
        let param = Json::Obj(vec![
            ("type", Json::lit("string")),
            (
                "metadata",
                Json::Obj(vec![("description", Json::lit(words::VERSION_STEP))]),
            ),
        ]);
        template.push(("parameters", Json::Obj(vec![(VERSION_PARAM, param)])));
    }
    let mut resources = Vec::new();
    let mut manual = Vec::new();
    for plan in plans {
        resources.extend(cluster_resources(plan, config));
        if let Some(step) = pool_steps(plan) {
            manual.push(step);
        }
    }
    if !manual.is_empty() {
        // Pools are not patched here: an agent pool PUT replaces the whole pool, and
        // the pool's other settings are not in the data.
        if let Some((_, Json::Obj(metadata))) = template.iter_mut().find(|(k, _)| *k == "metadata") {
            metadata.push(("manualSteps", Json::Arr(manual)));
        }
    }
    template.push(("resources", Json::Arr(resources)));
    let mut out = String::new();
    Json::Obj(template).write(0, &mut out);
    out.push('\n');
    out
}

/// Where a resource or step belongs, for its metadata.
fn identity(plan: &ClusterFix<'_>) -> Vec<(&'static str, Json)> {
    let c = plan.cluster;
    let mut out = vec![
        ("cluster", Json::lit(&c.id)),
        ("subscriptionId", Json::lit(&c.subscription_id)),
    ];
    if let Some(name) = c.subscription_name.as_deref() {
        out.push(("subscriptionName", Json::lit(name)));
    }
    out.push(("resourceGroup", Json::lit(&c.resource_group)));
    out
}

fn cluster_resources(plan: &ClusterFix<'_>, config: &RemediationConfig) -> Vec<Json> {
    let c = plan.cluster;
    let api = &config.api_version;
    let mut out = Vec::new();
    if plan.has_patch() {
        let (findings, warnings) = plan.patch_notes();
        let mut metadata = vec![(
            "patch",
            Json::lit("Merge into the existing declaration of this cluster."),
        )];
        metadata.extend(identity(plan));
        metadata.push(("findings", Json::lines(findings)));
        metadata.push(("warnings", Json::lines(warnings)));

        let mut properties = Vec::new();
        match plan.version.as_ref().map(|v| &v.target) {
            Some(Target::Step { to, .. }) => properties.push(("kubernetesVersion", Json::lit(to))),
            Some(Target::Unread) => properties.push((
                "kubernetesVersion",
                Json::expr(&format!("[parameters('{VERSION_PARAM}')]")),
            )),
            Some(Target::NoneOffered) | None => {}
        }
        if plan.channel.is_some() || plan.node_os.is_some() {
            let mut profile = Vec::new();
            // Absent stays absent: the block is replaced whole, and absent is what runs now.
            let channel = plan.channel_after();
            if channel != UpgradeChannel::Unspecified {
                profile.push(("upgradeChannel", Json::lit(channel.as_str())));
            }
            let node_os = plan.node_os_after();
            if node_os != NodeOsChannel::Unspecified {
                profile.push(("nodeOSUpgradeChannel", Json::lit(node_os.as_str())));
            }
            properties.push(("autoUpgradeProfile", Json::Obj(profile)));
        }
        out.push(Json::Obj(vec![
            ("type", Json::lit("Microsoft.ContainerService/managedClusters")),
            ("apiVersion", Json::lit(api)),
            ("name", Json::lit(&c.name)),
            ("location", Json::lit(&c.location)),
            ("metadata", Json::Obj(metadata)),
            ("properties", Json::Obj(properties)),
        ]));
    }
    if let Some(fix) = &plan.maintenance {
        for schedule in &fix.missing {
            let mut metadata = identity(plan);
            metadata.push(("findings", Json::lines([words::finding_line(fix.finding)])));
            metadata.push(("window", Json::lit(&words::describe_window(&config.maintenance_window))));
            out.push(Json::Obj(vec![
                (
                    "type",
                    Json::lit("Microsoft.ContainerService/managedClusters/maintenanceConfigurations"),
                ),
                ("apiVersion", Json::lit(api)),
                ("name", Json::lit(&format!("{}/{}", c.name, schedule.name()))),
                ("metadata", Json::Obj(metadata)),
                (
                    "properties",
                    Json::Obj(vec![("maintenanceWindow", window(&config.maintenance_window))]),
                ),
            ]));
        }
    }
    out
}

/// The pools to move by hand, as a metadata entry.
fn pool_steps(plan: &ClusterFix<'_>) -> Option<Json> {
    let fix = plan.pools.as_ref()?;
    let steps = fix.pools.iter().map(|pool| {
        format!(
            "In agentPoolProfiles (or the agentPools resource), set orchestratorVersion of pool '{}' (now '{}') to {}.",
            pool.name,
            pool.orchestrator_version.as_deref().unwrap_or_default(),
            plan.pool_target(VERSION_PARAM)
        )
    });
    let mut entry = identity(plan);
    entry.push(("findings", Json::lines([words::finding_line(fix.finding)])));
    entry.push(("steps", Json::lines(steps)));
    entry.push(("warnings", Json::lines([words::POOL_DRAIN.to_string()])));
    Some(Json::Obj(entry))
}

fn window(w: &MaintenanceWindow) -> Json {
    let (kind, fields) = decide::schedule_fields(w);
    let fields = fields
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Scalar::Int(n) => Json::Int(u64::from(n)),
                Scalar::Str(s) => Json::lit(&s),
            };
            (key, value)
        })
        .collect();
    Json::Obj(vec![
        ("schedule", Json::Obj(vec![(kind, Json::Obj(fields))])),
        ("durationHours", Json::Int(u64::from(w.duration_hours))),
        ("startTime", Json::lit(&w.start_time)),
        ("utcOffset", Json::lit(&w.utc_offset)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_look_like_expressions_are_escaped() {
        let cases = [
            ("aks-1", "aks-1"),
            ("[concat('a')]", "[[concat('a')]"),
            ("[partial", "[partial"),
            ("x[y]", "x[y]"),
        ];
        for (value, want) in cases {
            match Json::lit(value) {
                Json::Str(s) => assert_eq!(s, want, "{value:?}"),
                _ => panic!("a literal is a string"),
            }
        }
    }

    #[test]
    fn the_writer_produces_json_that_parses_in_the_order_written() {
        let value = Json::Obj(vec![
            ("z", Json::lit("quote \" and \\ and \n")),
            ("a", Json::Arr(vec![Json::Int(1), Json::Obj(vec![]), Json::Arr(vec![])])),
        ]);
        let mut out = String::new();
        value.write(0, &mut out);
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["z"], "quote \" and \\ and \n");
        assert!(out.find("\"z\"") < out.find("\"a\""));
    }
}
