//! Azure CLI: one idempotent bash script for the whole selection, grouped by subscription.
//!
//! Every change reads the live value first and runs only when it differs from the target,
//! so the script can be run again after a partial failure. Every `az` call names its
//! subscription, so no `az account set` state is needed. Flags are those of Azure CLI
//! 2.61+ (`az aks update --node-os-upgrade-channel` needs 2.61 for SecurityPatch).
//!
//! Each cluster's changes run in a subshell that stops at the cluster's first failure;
//! the script goes on with the next cluster and ends with the clusters fixed and those
//! that failed, exiting 1 when any failed, so one failure neither hides the rest nor
//! passes for success.

use super::Text;
use super::decide::ClusterFix;
use super::shell::{az_unsafe_field, quote};
use super::words;
use crate::config::{Frequency, MaintenanceWindow, RemediationConfig};

pub fn render(plans: &[ClusterFix<'_>], config: &RemediationConfig, notes: &[String]) -> String {
    let mut out = Text::new("#");
    if plans.is_empty() {
        out.comment("aksradar: nothing to fix, no finding fails.");
        out.notes(notes);
        return out.finish();
    }
    out.line("#!/usr/bin/env bash");
    out.comment(&format!("aksradar: Azure CLI fixes for {}.", words::totals(plans)));
    out.comment("Needs Azure CLI 2.61.0 or later. Review it before running it.");
    out.comment("Each change is skipped when the cluster already has the target value, so it is safe to run again.");
    out.comment(
        "A cluster stops at its first failure, the others still run; the end lists both (exit 1 if any failed).",
    );
    out.notes(notes);
    out.line("set -uo pipefail");
    out.line("fixed=() failed=()");
    out.line(r#"finish() { if [ "$1" -eq 0 ]; then fixed+=("$2"); else failed+=("$2"); echo "aksradar: FAILED: $2" >&2; fi; }"#);
    if plans.iter().any(|p| p.version.is_some()) {
        out.blank();
        out.comment("Azure.AKS.Version fixes upgrade to K8S_TARGET_VERSION; set it when running, e.g.");
        out.comment("K8S_TARGET_VERSION=1.34.2 bash aksradar-fix.sh");
        out.line(r#": "${K8S_TARGET_VERSION:?set the target Kubernetes version, see az aks get-upgrades}""#);
    }
    let mut subscription = None;
    for plan in plans {
        if subscription != Some(&plan.cluster.subscription_id) {
            subscription = Some(&plan.cluster.subscription_id);
            out.blank();
            out.comment(&words::subscription_heading(plan.cluster));
        }
        cluster(&mut out, plan, &config.maintenance_window);
    }
    out.blank();
    out.line(r#"echo "aksradar: ${#fixed[@]} clusters fixed or already right, ${#failed[@]} failed.""#);
    // `${a[@]+"${a[@]}"}`: an empty array under `set -u` in bash 3.2 (macOS) too.
    out.line(r#"for c in ${fixed[@]+"${fixed[@]}"}; do echo "  ok      $c"; done"#);
    out.line(r#"for c in ${failed[@]+"${failed[@]}"}; do echo "  FAILED  $c"; done"#);
    out.line(r#"[ "${#failed[@]}" -eq 0 ]"#);
    out.finish()
}

fn cluster(out: &mut Text, plan: &ClusterFix<'_>, window: &MaintenanceWindow) {
    let c = plan.cluster;
    out.blank();
    out.comment(&words::cluster_heading(c));
    if let Some(tags) = words::tags_line(c) {
        out.comment(&tags);
    }
    let pool_names: Vec<&str> = plan
        .pools
        .iter()
        .flat_map(|f| f.pools.iter().map(|p| p.name.as_str()))
        .collect();
    if let Some(problem) = az_unsafe_field(c, &pool_names) {
        out.comment(&format!("Skipped: its {problem}. Fix it by hand."));
        return;
    }
    let sub = quote(&c.subscription_id);
    let rg = quote(&c.resource_group);
    let name = quote(&c.name);
    let cluster_args = format!("--subscription {sub} -g {rg} -n {name}");
    let child_args = format!("--subscription {sub} -g {rg} --cluster-name {name}");
    // The cluster's changes stop at their first failure, and only theirs.
    out.line("(");
    out.line("set -e");
    changes(out, plan, window, &cluster_args, &child_args);
    out.line(")");
    let label = format!("{}/{}/{}", c.subscription_id, c.resource_group, c.name);
    out.line(&format!("finish $? {}", quote(&label)));
}

/// The commands that fix one cluster, each skipped when already done.
fn changes(out: &mut Text, plan: &ClusterFix<'_>, window: &MaintenanceWindow, cluster_args: &str, child_args: &str) {
    // Maintenance windows first, so the channels set below already run inside them.
    if let Some(fix) = &plan.maintenance {
        out.comment(&words::finding_line(fix.finding));
        out.comment(&format!("Window: {}.", words::describe_window(window)));
        for schedule in &fix.missing {
            let config_name = schedule.name();
            out.line(&format!(
                "az aks maintenanceconfiguration show {child_args} -n {config_name} >/dev/null 2>&1 ||"
            ));
            out.line(&format!(
                "  az aks maintenanceconfiguration add {child_args} -n {config_name} {}",
                window_args(window)
            ));
        }
    }
    // The cluster channel before the node OS channel: `node-image` decides the latter.
    if let Some(fix) = &plan.channel {
        out.comment(&words::finding_line(fix.finding));
        for warning in plan.channel_warnings(fix, true) {
            out.comment(&warning);
        }
        set_if_different(
            out,
            &format!("az aks show {cluster_args} --query autoUpgradeProfile.upgradeChannel -o tsv"),
            &quote(fix.target.as_str()),
            &format!(
                "az aks update {cluster_args} --auto-upgrade-channel {}",
                quote(fix.target.as_str())
            ),
        );
    }
    if let Some(fix) = &plan.node_os {
        out.comment(&words::finding_line(fix.finding));
        for warning in plan.node_os_warnings(fix, true) {
            out.comment(&warning);
        }
        // `az aks show` prints the Python SDK's casing, `nodeOsUpgradeChannel`, and
        // JMESPath is case-sensitive: the ARM spelling `nodeOSUpgradeChannel` finds nothing.
        set_if_different(
            out,
            &format!("az aks show {cluster_args} --query autoUpgradeProfile.nodeOsUpgradeChannel -o tsv"),
            &quote(fix.target.as_str()),
            &format!(
                "az aks update {cluster_args} --node-os-upgrade-channel {}",
                quote(fix.target.as_str())
            ),
        );
    }
    if let Some(finding) = plan.version {
        out.comment(&words::finding_line(finding));
        out.comment(&format!(
            "Versions this cluster can move to: az aks get-upgrades {cluster_args} -o table"
        ));
        out.comment(words::VERSION_STEP);
        out.comment(words::VERSION_DRAIN);
        out.comment(
            "az aks upgrade also upgrades every node pool to the new version, unless given --control-plane-only.",
        );
        set_if_different(
            out,
            &format!("az aks show {cluster_args} --query kubernetesVersion -o tsv"),
            r#""$K8S_TARGET_VERSION""#,
            &format!(r#"az aks upgrade {cluster_args} --kubernetes-version "$K8S_TARGET_VERSION" --yes"#),
        );
    }
    if let Some(fix) = &plan.pools {
        out.comment(&words::finding_line(fix.finding));
        out.comment(words::POOL_DRAIN);
        // Read live, so the pools follow the control plane as it is now, also after an
        // upgrade above (which moves the pools too, and then this skips them).
        out.comment("Each pool moves to the control plane's kubernetesVersion, read when the script runs.");
        out.line(&format!(
            "cluster_version=$(az aks show {cluster_args} --query kubernetesVersion -o tsv)"
        ));
        for pool in &fix.pools {
            let pool_args = format!("{child_args} -n {}", quote(&pool.name));
            set_if_different(
                out,
                &format!("az aks nodepool show {pool_args} --query orchestratorVersion -o tsv"),
                r#""$cluster_version""#,
                &format!(r#"az aks nodepool upgrade {pool_args} --kubernetes-version "$cluster_version" --yes"#),
            );
        }
    }
}

/// `current=$(read)`, then `change` only when `current` differs from `target` (already
/// quoted for the shell).
fn set_if_different(out: &mut Text, read: &str, target: &str, change: &str) {
    out.line(&format!("current=$({read})"));
    out.line(&format!(r#"if [ "$current" != {target} ]; then"#));
    out.line(&format!("  {change}"));
    out.line("fi");
}

/// The `az aks maintenanceconfiguration add` flags for the configured window.
fn window_args(w: &MaintenanceWindow) -> String {
    let schedule = match w.frequency {
        Frequency::Daily => format!("--schedule-type Daily --interval-days {}", w.interval),
        Frequency::Weekly => {
            format!(
                "--schedule-type Weekly --day-of-week {} --interval-weeks {}",
                w.day_of_week, w.interval
            )
        }
        Frequency::AbsoluteMonthly => format!(
            "--schedule-type AbsoluteMonthly --interval-months {} --day-of-month {}",
            w.interval, w.day_of_month
        ),
        Frequency::RelativeMonthly => format!(
            "--schedule-type RelativeMonthly --interval-months {} --week-index {} --day-of-week {}",
            w.interval, w.week_index, w.day_of_week
        ),
    };
    // `--utc-offset=`: a negative offset given as its own word (`-08:00`) would be taken
    // by az's argument parser for an option.
    format!(
        "{schedule} --duration {} --start-time {} --utc-offset={}",
        w.duration_hours,
        quote(&w.start_time),
        quote(&w.utc_offset)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{WeekIndex, Weekday};

    #[test]
    fn every_schedule_type_has_its_own_flags() {
        let base = MaintenanceWindow::default();
        let cases = [
            (
                MaintenanceWindow {
                    frequency: Frequency::Daily,
                    interval: 2,
                    ..base.clone()
                },
                "--schedule-type Daily --interval-days 2 --duration 4 --start-time 00:00 --utc-offset=+00:00",
            ),
            (
                base.clone(),
                "--schedule-type Weekly --day-of-week Sunday --interval-weeks 1 --duration 4 --start-time 00:00 --utc-offset=+00:00",
            ),
            (
                MaintenanceWindow {
                    frequency: Frequency::AbsoluteMonthly,
                    day_of_month: 15,
                    ..base.clone()
                },
                "--schedule-type AbsoluteMonthly --interval-months 1 --day-of-month 15 --duration 4 --start-time 00:00 --utc-offset=+00:00",
            ),
            (
                MaintenanceWindow {
                    frequency: Frequency::RelativeMonthly,
                    week_index: WeekIndex::Last,
                    day_of_week: Weekday::Saturday,
                    utc_offset: "-08:00".into(),
                    start_time: "22:30".into(),
                    ..base.clone()
                },
                "--schedule-type RelativeMonthly --interval-months 1 --week-index Last --day-of-week Saturday --duration 4 --start-time 22:30 --utc-offset=-08:00",
            ),
        ];
        for (window, want) in cases {
            assert_eq!(window_args(&window), want, "{:?}", window.frequency);
        }
    }
}
