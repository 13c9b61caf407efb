//! Bicep: a patch to merge into each cluster's declaration, and the maintenance windows
//! as standalone child resources of an `existing` cluster.
//!
//! A deployment PUTs the whole cluster and replaces `autoUpgradeProfile` as a whole, so
//! the patch always carries both channels: the cluster's current `upgradeChannel` is kept
//! unless AutoUpgrade fails. Strings are escaped for Bicep; symbols are derived from the
//! cluster names and unique in the output.

use std::fmt::Write;

use super::Text;
use super::decide::{ClusterFix, Scalar, Schedule, Target};
use super::{decide, names, words};
use crate::config::{MaintenanceWindow, RemediationConfig};
use crate::model::{NodeOsChannel, UpgradeChannel};

const EXISTING: &str = "_existing";
const VERSION_PARAM: &str = "kubernetesTargetVersion";

fn schedule_suffix(schedule: Schedule) -> &'static str {
    match schedule {
        Schedule::AutoUpgrade => "_autoUpgradeSchedule",
        Schedule::NodeOs => "_nodeOsSchedule",
    }
}

pub fn render(plans: &[ClusterFix<'_>], config: &RemediationConfig, notes: &[String]) -> String {
    let mut out = Text::new("//");
    if plans.is_empty() {
        out.comment("aksradar: nothing to fix: no finding of the rules asked for fails.");
        out.notes(notes);
        return out.finish();
    }
    out.comment(&format!("aksradar: Bicep for {}.", words::totals(plans)));
    out.comment("Not a file to deploy as it is. Each managedClusters resource below is a patch: merge its");
    out.comment("properties into the cluster's existing declaration. A deployment PUTs the whole cluster, so a");
    out.comment("patch deployed alone would reset what it does not name; autoUpgradeProfile is replaced whole, so");
    out.comment("the patch repeats the cluster's current upgradeChannel unless a fix changes it.");
    out.comment("The maintenanceConfigurations resources stand alone: deploy them into the cluster's resource group.");
    out.notes(notes);
    if plans.iter().any(ClusterFix::needs_chosen_version) {
        out.blank();
        out.line(&format!("@description({})", string(words::VERSION_STEP)));
        out.line(&format!("param {VERSION_PARAM} string"));
    }
    let suffixes: Vec<&str> = std::iter::once(EXISTING)
        .chain(Schedule::ALL.into_iter().map(schedule_suffix))
        .collect();
    let symbols = names::identifiers(plans, &suffixes);
    let mut subscription = None;
    for (plan, symbol) in plans.iter().zip(&symbols) {
        if subscription != Some(&plan.cluster.subscription_id) {
            subscription = Some(&plan.cluster.subscription_id);
            out.blank();
            out.comment(&words::subscription_heading(plan.cluster));
        }
        cluster(&mut out, plan, symbol, config);
    }
    out.finish()
}

fn cluster(out: &mut Text, plan: &ClusterFix<'_>, symbol: &str, config: &RemediationConfig) {
    let c = plan.cluster;
    let api = &config.api_version;
    out.blank();
    out.comment(&words::cluster_heading(c));
    if let Some(tags) = words::tags_line(c) {
        out.comment(&tags);
    }
    if plan.has_patch() {
        patch(out, plan, symbol, api);
    }
    if let Some(fix) = &plan.pools {
        // A pool is not patched here: its PUT replaces the whole pool, whose other
        // settings are not in the data.
        if plan.has_patch() {
            out.blank();
        }
        out.comment(&words::finding_line(fix.finding));
        out.comment(words::POOL_DRAIN);
        for pool in &fix.pools {
            out.comment(&format!(
                "In agentPoolProfiles (or the agentPools resource), set orchestratorVersion of pool '{}' (now '{}') to {}.",
                pool.name,
                pool.orchestrator_version.as_deref().unwrap_or_default(),
                plan.pool_target(VERSION_PARAM)
            ));
        }
    }
    if let Some(fix) = &plan.maintenance {
        out.blank();
        out.comment(&words::finding_line(fix.finding));
        out.comment(&format!(
            "Window: {}.",
            words::describe_window(&config.maintenance_window)
        ));
        out.comment(&format!(
            "These stand alone: deploy them into resource group {}.",
            c.resource_group
        ));
        out.line(&format!(
            "resource {symbol}{EXISTING} {} existing = {{",
            string(&cluster_type(api))
        ));
        out.line(&format!("  name: {}", string(&c.name)));
        out.line("}");
        for schedule in &fix.missing {
            out.blank();
            let config_type = format!("Microsoft.ContainerService/managedClusters/maintenanceConfigurations@{api}");
            out.line(&format!(
                "resource {symbol}{} {} = {{",
                schedule_suffix(*schedule),
                string(&config_type)
            ));
            out.line(&format!("  parent: {symbol}{EXISTING}"));
            out.line(&format!("  name: {}", string(schedule.name())));
            out.line("  properties: {");
            window(out, &config.maintenance_window);
            out.line("  }");
            out.line("}");
        }
    }
}

fn cluster_type(api: &str) -> String {
    format!("Microsoft.ContainerService/managedClusters@{api}")
}

/// The `managedClusters` patch: the version and the whole `autoUpgradeProfile`.
fn patch(out: &mut Text, plan: &ClusterFix<'_>, symbol: &str, api: &str) {
    let c = plan.cluster;
    let (findings, warnings) = plan.patch_notes();
    for line in findings.iter().chain(&warnings) {
        out.comment(line);
    }
    out.comment("Patch: merge into the existing declaration of this cluster.");
    out.line(&format!("resource {symbol} {} = {{", string(&cluster_type(api))));
    out.line(&format!("  name: {}", string(&c.name)));
    out.line(&format!("  location: {}", string(&c.location)));
    out.line("  properties: {");
    match plan.version.as_ref().map(|v| &v.target) {
        Some(Target::Step { to, .. }) => out.line(&format!("    kubernetesVersion: {}", string(to))),
        Some(Target::Unread) => out.line(&format!("    kubernetesVersion: {VERSION_PARAM}")),
        Some(Target::NoneOffered) | None => {}
    }
    if plan.channel.is_some() || plan.node_os.is_some() {
        out.line("    autoUpgradeProfile: {");
        let channel = plan.channel_after();
        if channel == UpgradeChannel::Unspecified {
            out.comment_at(
                "      ",
                "upgradeChannel is not set on this cluster (none), so it stays out.",
            );
        } else {
            let note = match &plan.channel {
                Some(_) => format!("was {}", shown(c.upgrade_channel().as_str())),
                None => "unchanged, repeated because the block is replaced whole".to_string(),
            };
            out.line_with_comment(&format!("      upgradeChannel: {}", string(channel.as_str())), &note);
        }
        let node_os = plan.node_os_after();
        if node_os == NodeOsChannel::Unspecified {
            out.comment_at(
                "      ",
                "nodeOSUpgradeChannel is not set on this cluster, so it stays out.",
            );
        } else {
            let note = if plan.node_os.is_some() {
                format!("was {}", shown(c.node_os_channel().as_str()))
            } else if plan.sets_node_os() {
                "upgradeChannel node-image allows NodeImage only".to_string()
            } else {
                "unchanged, repeated because the block is replaced whole".to_string()
            };
            out.line_with_comment(
                &format!("      nodeOSUpgradeChannel: {}", string(node_os.as_str())),
                &note,
            );
        }
        out.line("    }");
    }
    out.line("  }");
    out.line("}");
}

/// A channel's current value for a note; the model calls an absent one `Unspecified`.
fn shown(value: &str) -> &str {
    if value.eq_ignore_ascii_case("unspecified") {
        "not set"
    } else {
        value
    }
}

/// `maintenanceWindow: { ... }` at the indentation of a resource's properties.
fn window(out: &mut Text, w: &MaintenanceWindow) {
    let (kind, fields) = decide::schedule_fields(w);
    out.line("    maintenanceWindow: {");
    out.line("      schedule: {");
    out.line(&format!("        {kind}: {{"));
    for (key, value) in fields {
        out.line(&format!("          {key}: {}", scalar(&value)));
    }
    out.line("        }");
    out.line("      }");
    out.line(&format!("      durationHours: {}", w.duration_hours));
    out.line(&format!("      startTime: {}", string(&w.start_time)));
    out.line(&format!("      utcOffset: {}", string(&w.utc_offset)));
    out.line("    }");
}

fn scalar(value: &Scalar) -> String {
    match value {
        Scalar::Int(n) => n.to_string(),
        Scalar::Str(s) => string(s),
    }
}

/// A Bicep string literal. Bicep escapes `\`, `'` and `${` (interpolation); line breaks
/// and other invisible characters become escapes so the literal stays on one line and
/// shows what it holds.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str(r"\$"),
            c if invisible(c) => {
                let _ = write!(out, r"\u{{{:X}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Control characters, bidirectional overrides and line separators.
pub fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_what_bicep_would_read() {
        let cases = [
            ("aks-1", "'aks-1'"),
            ("O'Brien", r"'O\'Brien'"),
            (r"C:\x", r"'C:\\x'"),
            ("${evil()}", r"'\${evil()}'"),
            ("$x {y}", "'$x {y}'"),
            ("a\nb\r\t", r"'a\nb\r\t'"),
            ("bell\x07", r"'bell\u{7}'"),
            ("rtl\u{202E}", r"'rtl\u{202E}'"),
            ("", "''"),
        ];
        for (value, want) in cases {
            assert_eq!(string(value), want, "{value:?}");
        }
    }
}
