//! Terraform: the `azurerm_kubernetes_cluster` arguments to set, with provider v4 names.
//!
//! Each block is a patch to merge into the cluster's existing resource (its label here
//! is only a suggestion, derived from the cluster name and unique in the output). Unlike
//! ARM, Terraform arguments are independent, so only the changed ones are written.
//! Strings are escaped for HCL, including its `${` and `%{` template sequences.

use std::fmt::Write;

use super::Text;
use super::bicep::invisible;
use super::decide::{ClusterFix, Schedule, Target};
use super::{names, words};
use crate::config::{Frequency, MaintenanceWindow, RemediationConfig};

const VERSION_VARIABLE: &str = "kubernetes_target_version";

pub fn render(plans: &[ClusterFix<'_>], config: &RemediationConfig, notes: &[String]) -> String {
    let mut out = Text::new("#");
    if plans.is_empty() {
        out.comment("aksradar: nothing to fix: no finding of the rules asked for fails.");
        out.notes(notes);
        return out.finish();
    }
    out.comment(&format!(
        "aksradar: Terraform (hashicorp/azurerm v4) for {}.",
        words::totals(plans)
    ));
    out.comment("Not a configuration to apply as it is: merge the arguments of each block into the cluster's");
    out.comment("existing azurerm_kubernetes_cluster resource (the labels here are only suggestions).");
    out.comment("Provider v3 names: automatic_channel_upgrade (v4 automatic_upgrade_channel) and");
    out.comment("node_os_channel_upgrade (v4 node_os_upgrade_channel).");
    out.comment(&format!(
        "Without azurerm: azapi_update_resource on Microsoft.ContainerService/managedClusters@{} with",
        config.api_version
    ));
    out.comment("body.properties.autoUpgradeProfile sets the same channels.");
    out.notes(notes);
    if plans.iter().any(ClusterFix::needs_chosen_version) {
        out.blank();
        out.line(&format!("variable \"{VERSION_VARIABLE}\" {{"));
        out.line("  type        = string");
        out.line(&format!("  description = {}", string(words::VERSION_STEP)));
        out.line("}");
    }
    let labels = names::identifiers(plans, &[]);
    let mut subscription = None;
    for (plan, label) in plans.iter().zip(&labels) {
        if subscription != Some(&plan.cluster.subscription_id) {
            subscription = Some(&plan.cluster.subscription_id);
            out.blank();
            out.comment(&words::subscription_heading(plan.cluster));
        }
        cluster(&mut out, plan, label, &config.maintenance_window);
    }
    out.finish()
}

fn cluster(out: &mut Text, plan: &ClusterFix<'_>, label: &str, window: &MaintenanceWindow) {
    let c = plan.cluster;
    out.blank();
    out.comment(&words::cluster_heading(c));
    if let Some(tags) = words::tags_line(c) {
        out.comment(&tags);
    }
    let (findings, warnings) = plan.patch_notes();
    for line in findings.iter().chain(&warnings) {
        out.comment(line);
    }
    if let Some(fix) = &plan.pools {
        out.comment(&words::finding_line(fix.finding));
        out.comment(words::POOL_DRAIN);
        let target = format!("var.{VERSION_VARIABLE}");
        for pool in &fix.pools {
            out.comment(&format!(
                "In default_node_pool or the azurerm_kubernetes_cluster_node_pool of pool '{}' (now '{}'), set orchestrator_version to {}.",
                pool.name,
                pool.orchestrator_version.as_deref().unwrap_or_default(),
                plan.pool_target(&target)
            ));
        }
    }
    if let Some(fix) = &plan.maintenance {
        out.comment(&words::finding_line(fix.finding));
        out.comment(&format!("Window: {}.", words::describe_window(window)));
    }
    let mut arguments: Vec<(&str, String, &str)> = Vec::new();
    if let Some(fix) = &plan.channel {
        arguments.push((
            "automatic_upgrade_channel",
            string(fix.target.as_str()),
            "v3: automatic_channel_upgrade",
        ));
    }
    if plan.sets_node_os() {
        arguments.push((
            "node_os_upgrade_channel",
            string(plan.node_os_after().as_str()),
            "v3: node_os_channel_upgrade",
        ));
    }
    match plan.version.as_ref().map(|v| &v.target) {
        Some(Target::Step { to, .. }) => arguments.push(("kubernetes_version", string(to), "")),
        Some(Target::Unread) => arguments.push(("kubernetes_version", format!("var.{VERSION_VARIABLE}"), "")),
        Some(Target::NoneOffered) | None => {}
    }
    let windows: &[Schedule] = plan.maintenance.as_ref().map_or(&[], |fix| &fix.missing);
    if arguments.is_empty() && windows.is_empty() {
        return;
    }
    out.comment("Patch: merge into the existing resource of this cluster.");
    out.line(&format!("resource \"azurerm_kubernetes_cluster\" {} {{", string(label)));
    out.comment_at("  ", &format!("name                = {}", string(&c.name)));
    out.comment_at("  ", &format!("resource_group_name = {}", string(&c.resource_group)));
    let width = arguments.iter().map(|(key, _, _)| key.len()).max().unwrap_or(0);
    if !arguments.is_empty() {
        out.blank();
    }
    let codes: Vec<String> = arguments
        .iter()
        .map(|(key, value, _)| format!("  {key:width$} = {value}"))
        .collect();
    // Trailing comments line up, as `terraform fmt` would put them.
    let code_width = codes
        .iter()
        .zip(&arguments)
        .filter(|(_, a)| !a.2.is_empty())
        .map(|(c, _)| c.len())
        .max();
    for (code, (_, _, note)) in codes.iter().zip(&arguments) {
        match code_width {
            Some(w) if !note.is_empty() => out.line_with_comment(&format!("{code:w$}"), note),
            _ => out.line(code),
        }
    }
    for schedule in windows {
        out.blank();
        let block = match schedule {
            Schedule::AutoUpgrade => "maintenance_window_auto_upgrade",
            Schedule::NodeOs => "maintenance_window_node_os",
        };
        out.line(&format!("  {block} {{"));
        let fields = window_fields(window);
        let width = fields.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
        for (key, value) in fields {
            out.line(&format!("    {key:width$} = {value}"));
        }
        out.line("  }");
    }
    out.line("}");
}

/// The arguments of a `maintenance_window_*` block, in the provider's documented order.
fn window_fields(w: &MaintenanceWindow) -> Vec<(&'static str, String)> {
    let frequency = match w.frequency {
        Frequency::Daily => "Daily",
        Frequency::Weekly => "Weekly",
        Frequency::AbsoluteMonthly => "AbsoluteMonthly",
        Frequency::RelativeMonthly => "RelativeMonthly",
    };
    let mut fields = vec![
        ("frequency", string(frequency)),
        ("interval", w.interval.to_string()),
        ("duration", w.duration_hours.to_string()),
    ];
    match w.frequency {
        Frequency::Daily => {}
        Frequency::Weekly => fields.push(("day_of_week", string(&w.day_of_week.to_string()))),
        Frequency::AbsoluteMonthly => fields.push(("day_of_month", w.day_of_month.to_string())),
        Frequency::RelativeMonthly => {
            fields.push(("day_of_week", string(&w.day_of_week.to_string())));
            fields.push(("week_index", string(&w.week_index.to_string())));
        }
    }
    fields.push(("start_time", string(&w.start_time)));
    fields.push(("utc_offset", string(&w.utc_offset)));
    fields
}

/// An HCL quoted string: `\` and `"` escaped, `${` and `%{` doubled so they are not
/// templates, and invisible characters as `\u` escapes.
fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if invisible(c) => {
                let code = u32::from(c);
                let _ = if code <= 0xFFFF {
                    write!(out, r"\u{code:04X}")
                } else {
                    write!(out, r"\U{code:08X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{WeekIndex, Weekday};

    #[test]
    fn strings_escape_what_hcl_would_read() {
        let cases = [
            ("aks-1", "\"aks-1\""),
            ("say \"hi\"", r#""say \"hi\"""#),
            (r"C:\x", r#""C:\\x""#),
            ("${var.x}", r#""$${var.x}""#),
            ("%{ if x }", r#""%%{ if x }""#),
            ("100% {ok}", r#""100% {ok}""#),
            ("a\nb", r#""a\nb""#),
            ("bell\x07", r#""bell\u0007""#),
        ];
        for (value, want) in cases {
            assert_eq!(string(value), want, "{value:?}");
        }
    }

    #[test]
    fn window_blocks_name_the_fields_of_each_frequency() {
        let w = MaintenanceWindow {
            frequency: Frequency::RelativeMonthly,
            week_index: WeekIndex::Second,
            day_of_week: Weekday::Tuesday,
            ..MaintenanceWindow::default()
        };
        let keys: Vec<&str> = window_fields(&w).iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "frequency",
                "interval",
                "duration",
                "day_of_week",
                "week_index",
                "start_time",
                "utc_offset"
            ]
        );
        let daily = MaintenanceWindow {
            frequency: Frequency::Daily,
            ..MaintenanceWindow::default()
        };
        assert!(!window_fields(&daily).iter().any(|(k, _)| *k == "day_of_week"));
    }
}
