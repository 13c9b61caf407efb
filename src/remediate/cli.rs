//! Azure CLI: one idempotent bash script for the whole selection, grouped by subscription.
//!
//! Every change reads the live value first and runs only when it differs from the target,
//! so the script can be run again after a partial failure. Every `az` call names its
//! subscription, so no `az account set` state is needed. Flags are those of Azure CLI
//! 2.61+ (`az aks update --node-os-upgrade-channel` needs 2.61 for SecurityPatch).
//!
//! Each cluster's fixes are one job (a function run in the background): its missing
//! maintenance windows, then one `az aks update` with every channel flag it needs, then
//! its pools brought to the control plane's version, then its Kubernetes upgrade (AKS
//! moves a pool one minor version at a time, so they catch up first). Each long-running change starts with
//! `--no-wait` and is waited for with `az aks wait --updated`, then its
//! `provisioningState` is checked (the wait gives up at its timeout without failing).
//! Up to `MAX_PARALLEL` jobs run at once (default 4). A job stops at the cluster's first
//! failure; the others go on. Each cluster's result is reported as its job ends, and
//! the script ends with the clusters fixed and those that failed, exiting 1 when any
//! failed, so one failure neither hides the rest nor passes for success. The script
//! runs under `set -euo pipefail` and needs bash 3.2 or later (macOS's).

use super::Text;
use super::decide::{ClusterFix, Target, VersionFix};
use super::shell::{az_unsafe_field, quote};
use super::words;
use crate::config::{Frequency, MaintenanceWindow, RemediationConfig};

/// How long `az aks wait` waits for one change before giving up (an upgrade of a large
/// cluster takes hours; the default hour is too short).
const WAIT_TIMEOUT_SECONDS: u32 = 6 * 3600;

pub fn render(plans: &[ClusterFix<'_>], config: &RemediationConfig, notes: &[String]) -> String {
    let mut out = Text::new("#");
    if plans.is_empty() {
        out.comment("aksradar: nothing to fix: no finding of the rules asked for fails.");
        out.notes(notes);
        return out.finish();
    }
    out.line("#!/usr/bin/env bash");
    out.comment(&format!("aksradar: Azure CLI fixes for {}.", words::totals(plans)));
    out.comment("Needs Azure CLI 2.61.0 or later and bash 3.2 or later. Review it before running it.");
    out.comment("Each change is skipped when the cluster already has the target value, so it is safe to run again.");
    out.comment("Each cluster's fixes run as one job: its missing maintenance windows, one az aks update with every");
    out.comment("channel flag it needs, then its upgrades; each long-running change starts with --no-wait and is");
    out.comment("waited for with az aks wait --updated. MAX_PARALLEL clusters (default 4) are fixed at a time,");
    out.comment("e.g. MAX_PARALLEL=8 bash aksradar-fix.sh; WAIT_INTERVAL sets az aks wait's polling in seconds (30).");
    out.comment("A cluster stops at its first failure, the others still run; each result is reported as it ends,");
    out.comment("and the end lists both (exit 1 if any failed).");
    out.notes(notes);
    out.line("set -euo pipefail");
    out.line(r#"MAX_PARALLEL="${MAX_PARALLEL:-4}""#);
    out.line(r#"WAIT_INTERVAL="${WAIT_INTERVAL:-30}""#);
    for name in ["MAX_PARALLEL", "WAIT_INTERVAL"] {
        out.line(&format!(
            r#"case "${name}" in ''|*[!0-9]*|0) echo "aksradar: {name} must be a whole number above 0, not '${name}'" >&2; exit 2 ;; esac"#
        ));
    }
    helpers(&mut out, plans);
    let mut subscription = None;
    for (n, plan) in plans.iter().enumerate() {
        if subscription != Some(&plan.cluster.subscription_id) {
            subscription = Some(&plan.cluster.subscription_id);
            out.blank();
            out.comment(&words::subscription_heading(plan.cluster));
        }
        cluster(&mut out, plan, n + 1, &config.maintenance_window);
    }
    out.blank();
    out.line(r#"while [ "$reaped" -lt "${#jobs[@]}" ]; do reap; done"#);
    out.line(r#"echo "aksradar: ${#fixed[@]} clusters fixed or already right, ${#failed[@]} failed.""#);
    // `${a[@]+"${a[@]}"}`: an empty array under `set -u` in bash 3.2 (macOS) too.
    out.line(r#"for c in ${fixed[@]+"${fixed[@]}"}; do echo "  ok      $c"; done"#);
    out.line(r#"for c in ${failed[@]+"${failed[@]}"}; do echo "  FAILED  $c"; done"#);
    out.line(r#"if [ "${#failed[@]}" -gt 0 ]; then exit 1; fi"#);
    out.finish()
}

/// The script's functions: the job queue, and the waits the plans use.
fn helpers(out: &mut Text, plans: &[ClusterFix<'_>]) {
    out.blank();
    out.line("fixed=() failed=() jobs=() names=() reaped=0");
    out.comment("Waits for the oldest job still running and reports how its cluster ended.");
    out.line("reap() {");
    out.line(r#"  local name="${names[$reaped]}""#);
    out.line(r#"  if wait "${jobs[$reaped]}"; then"#);
    out.line(r#"    fixed+=("$name"); echo "aksradar: ok: $name""#);
    out.line("  else");
    out.line(r#"    failed+=("$name"); echo "aksradar: FAILED: $name" >&2"#);
    out.line("  fi");
    out.line("  reaped=$((reaped + 1))");
    out.line("}");
    out.comment("Starts a cluster's job (label, function) once fewer than MAX_PARALLEL run.");
    out.line("start() {");
    out.line(r#"  while [ $((${#jobs[@]} - reaped)) -ge "$MAX_PARALLEL" ]; do reap; done"#);
    out.line(r#"  "$2" &"#);
    out.line(r#"  jobs+=("$!"); names+=("$1")"#);
    out.line("}");
    let cluster_waits = plans
        .iter()
        .any(|p| p.channel.is_some() || p.node_os.is_some() || p.version.as_ref().is_some_and(VersionFix::upgrades));
    if cluster_waits {
        out.comment(
            "Waits for the cluster's change, then checks it succeeded (the wait gives up at its timeout quietly).",
        );
        settle(out, "settle", "az aks wait", "az aks show");
    }
    if plans.iter().any(|p| p.pools.is_some()) {
        out.comment("The same for one node pool.");
        settle(out, "settle_pool", "az aks nodepool wait", "az aks nodepool show");
    }
    if plans
        .iter()
        .any(|p| p.version.as_ref().is_some_and(VersionFix::upgrades))
    {
        out.comment("Whether version $1 is at least $2, part by part: an upgrade already done is not undone.");
        out.line("at_least() {");
        out.line(r#"  local a="$1." b="$2." x y"#);
        out.line(r#"  while [ -n "$a$b" ]; do"#);
        out.line(r#"    x=${a%%.*} y=${b%%.*} a=${a#*.} b=${b#*.}"#);
        out.line(r#"    case "$x$y" in *[!0-9]*) return 1 ;; esac"#);
        out.line(r#"    if [ "${x:-0}" -gt "${y:-0}" ]; then return 0; fi"#);
        out.line(r#"    if [ "${x:-0}" -lt "${y:-0}" ]; then return 1; fi"#);
        out.line("  done");
        out.line("  return 0");
        out.line("}");
    }
}

fn settle(out: &mut Text, name: &str, wait: &str, show: &str) {
    out.line(&format!("{name}() {{"));
    out.line(&format!(
        r#"  {wait} "$@" --updated --interval "$WAIT_INTERVAL" --timeout {WAIT_TIMEOUT_SECONDS}"#
    ));
    out.line(&format!(
        r#"  local state; state=$({show} "$@" --query provisioningState -o tsv)"#
    ));
    out.line(
        r#"  if [ "$state" != Succeeded ]; then echo "aksradar: $*: provisioningState is '$state'" >&2; return 1; fi"#,
    );
    out.line("}");
}

fn cluster(out: &mut Text, plan: &ClusterFix<'_>, n: usize, window: &MaintenanceWindow) {
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
    let function = format!("fix_{n}");
    out.line(&format!("{function}() {{"));
    changes(out, plan, window, &cluster_args, &child_args);
    out.line("}");
    let label = format!("{}/{}/{}", c.subscription_id, c.resource_group, c.name);
    out.line(&format!("start {} {function}", quote(&label)));
}

/// The commands that fix one cluster, each skipped when already done.
fn changes(out: &mut Text, plan: &ClusterFix<'_>, window: &MaintenanceWindow, cluster_args: &str, child_args: &str) {
    // Maintenance windows first, so the channels set below already run inside them.
    if let Some(fix) = &plan.maintenance {
        out.comment_at("  ", &words::finding_line(fix.finding));
        out.comment_at("  ", &format!("Window: {}.", words::describe_window(window)));
        for schedule in &fix.missing {
            let config_name = schedule.name();
            out.line(&format!(
                "  az aks maintenanceconfiguration show {child_args} -n {config_name} >/dev/null 2>&1 ||"
            ));
            out.line(&format!(
                "    az aks maintenanceconfiguration add {child_args} -n {config_name} {} -o none",
                window_args(window)
            ));
        }
    }
    // Both channels in one update: one operation on the cluster, not two in a row.
    if plan.channel.is_some() || plan.node_os.is_some() {
        out.line("  local flags=()");
    }
    // The cluster channel before the node OS channel: `node-image` decides the latter.
    if let Some(fix) = &plan.channel {
        out.comment_at("  ", &words::finding_line(fix.finding));
        for warning in plan.channel_warnings(fix, true) {
            out.comment_at("  ", &warning);
        }
        add_if_different(
            out,
            &format!("az aks show {cluster_args} --query autoUpgradeProfile.upgradeChannel -o tsv"),
            &quote(fix.target.as_str()),
            &format!("--auto-upgrade-channel {}", quote(fix.target.as_str())),
        );
    }
    if let Some(fix) = &plan.node_os {
        out.comment_at("  ", &words::finding_line(fix.finding));
        for warning in plan.node_os_warnings(fix, true) {
            out.comment_at("  ", &warning);
        }
        // `az aks show` prints the Python SDK's casing, `nodeOsUpgradeChannel`, and
        // JMESPath is case-sensitive: the ARM spelling `nodeOSUpgradeChannel` finds nothing.
        add_if_different(
            out,
            &format!("az aks show {cluster_args} --query autoUpgradeProfile.nodeOsUpgradeChannel -o tsv"),
            &quote(fix.target.as_str()),
            &format!("--node-os-upgrade-channel {}", quote(fix.target.as_str())),
        );
    }
    if plan.channel.is_some() || plan.node_os.is_some() {
        out.line(r#"  if [ "${#flags[@]}" -gt 0 ]; then"#);
        out.line(&format!(
            r#"    az aks update {cluster_args} "${{flags[@]}}" --no-wait -o none"#
        ));
        out.line(&format!("    settle {cluster_args}"));
        out.line("  fi");
    }
    if let Some(fix) = &plan.pools {
        out.comment_at("  ", &words::finding_line(fix.finding));
        out.comment_at("  ", words::POOL_DRAIN);
        // Before the control plane moves: AKS moves a pool one minor version at a time,
        // so the pools catch up with the control plane as it is now (read live), and
        // the upgrade below then moves them on with it.
        out.comment_at(
            "  ",
            "Each pool first moves to the control plane's kubernetesVersion, read when the script runs \
             (AKS moves a pool one minor version at a time).",
        );
        out.line(&format!(
            "  cluster_version=$(az aks show {cluster_args} --query kubernetesVersion -o tsv)"
        ));
        for pool in &fix.pools {
            let pool_args = format!("{child_args} -n {}", quote(&pool.name));
            out.line(&format!(
                "  current=$(az aks nodepool show {pool_args} --query orchestratorVersion -o tsv)"
            ));
            out.line(r#"  if [ "$current" != "$cluster_version" ]; then"#);
            out.line(&format!(
                r#"    az aks nodepool upgrade {pool_args} --kubernetes-version "$cluster_version" --yes --no-wait -o none"#
            ));
            out.line(&format!("    settle_pool {pool_args}"));
            out.line("  fi");
        }
    }
    if let Some(fix) = &plan.version {
        version(out, fix, plan.pools_left_behind(), cluster_args);
    }
}

/// The Kubernetes upgrade: one step to the profile's target, or to the version the
/// person running the script chooses when the profile could not be read.
fn version(out: &mut Text, fix: &VersionFix<'_>, pools_left_behind: Option<String>, cluster_args: &str) {
    out.comment_at("  ", &words::finding_line(fix.finding));
    for line in words::version_lines(fix).into_iter().chain(pools_left_behind) {
        out.comment_at("  ", &line);
    }
    let target = match &fix.target {
        Target::NoneOffered => {
            out.comment_at(
                "  ",
                &format!("Versions this cluster can move to: az aks get-upgrades {cluster_args} -o table"),
            );
            return;
        }
        Target::Unread => {
            out.comment_at(
                "  ",
                &format!("Versions this cluster can move to: az aks get-upgrades {cluster_args} -o table"),
            );
            out.line(
                r#"  : "${K8S_TARGET_VERSION:?its upgrade profile could not be read: set K8S_TARGET_VERSION, see az aks get-upgrades}""#,
            );
            r#""$K8S_TARGET_VERSION""#.to_string()
        }
        Target::Step { to, .. } => quote(to).into_owned(),
    };
    out.comment_at("  ", words::VERSION_DRAIN);
    out.comment_at(
        "  ",
        "az aks upgrade also upgrades every node pool to the new version, unless given --control-plane-only.",
    );
    out.line(&format!(
        "  current=$(az aks show {cluster_args} --query kubernetesVersion -o tsv)"
    ));
    out.line(&format!(r#"  if ! at_least "$current" {target}; then"#));
    out.line(&format!(
        "    az aks upgrade {cluster_args} --kubernetes-version {target} --yes --no-wait -o none"
    ));
    out.line(&format!("    settle {cluster_args}"));
    out.line("  fi");
}

/// `current=$(read)`, then the update `flags` get `flag` when `current` differs from
/// `target` (already quoted for the shell).
fn add_if_different(out: &mut Text, read: &str, target: &str, flag: &str) {
    out.line(&format!("  current=$({read})"));
    out.line(&format!(r#"  if [ "$current" != {target} ]; then flags+=({flag}); fi"#));
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
