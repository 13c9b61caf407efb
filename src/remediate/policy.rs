//! Azure Policy: per subscription, the built-in audit and deploy-if-not-exists policies
//! for the node OS channel, as an idempotent bash script of `az` commands.
//!
//! Only Azure.AKS.NodeAutoUpgrade has built-in policies; the other rules' fixes are in
//! the other formats. An assignment set is proposed for each subscription that holds a
//! cluster failing it, scoped to the subscription, with its managed identity placed in the
//! region of that subscription's first such cluster.

use super::decide::{ClusterFix, Schedule};
use super::shell::{az_unsafe, quote};
use super::words;
use super::{Scope, Text};
use crate::model::{NodeOsChannel, Rule, UpgradeChannel};

const AUDIT_POLICY: &str = "04408ca5-aa10-42ce-8536-98955cdddd4c";
const DINE_POLICY: &str = "40f1aee2-4db4-4b74-acb1-c6972e24cca8";
const AUDIT_NAME: &str = "aks-nodeos-audit";
const DINE_NAME: &str = "aks-nodeos-dine";
const REMEDIATION_NAME: &str = "aks-nodeos-fix";
/// `--role` on the assignment grants this one; the definition needs both.
const CONTRIBUTOR_ROLE: &str = "Azure Kubernetes Service Contributor Role";
const ADDON_ROLE: &str = "Azure Kubernetes Service Policy Add-on Deployment";

pub fn render(plans: &[ClusterFix<'_>], scope: Scope, notes: &[String]) -> String {
    let mut out = Text::new("#");
    if !scope.includes(Rule::NodeAutoUpgrade) {
        out.comment("aksradar: Azure.AKS.NodeAutoUpgrade, the rule the built-in policies cover, is not among the");
        out.comment("rules asked for; the cli, bicep, arm and terraform formats fix the others.");
        out.notes(notes);
        return out.finish();
    }
    if plans.is_empty() {
        out.comment("aksradar: nothing to fix: no finding of the rules asked for fails.");
        out.notes(notes);
        return out.finish();
    }
    let failing: Vec<&ClusterFix<'_>> = plans.iter().filter(|p| p.node_os.is_some()).collect();
    if failing.is_empty() {
        out.comment("aksradar: no cluster fails Azure.AKS.NodeAutoUpgrade, the rule the built-in policies cover;");
        out.comment("the other failing findings are fixed by the cli, bicep, arm and terraform formats.");
        out.notes(notes);
        return out.finish();
    }
    let groups: Vec<&[&ClusterFix<'_>]> = failing
        .chunk_by(|a, b| a.cluster.subscription_id == b.cluster.subscription_id)
        .collect();
    out.line("#!/usr/bin/env bash");
    out.comment(&format!(
        "aksradar: Azure Policy for {} failing Azure.AKS.NodeAutoUpgrade in {}.",
        crate::text::count(failing.len(), "cluster"),
        crate::text::count(groups.len(), "subscription")
    ));
    out.comment(&format!(
        "{AUDIT_POLICY} (audit) reports clusters whose nodes are not patched automatically;"
    ));
    out.comment(&format!(
        "{DINE_POLICY} (deploy-if-not-exists) sets NodeImage where the node OS channel is missing or None."
    ));
    out.comment("Warning: the deploy-if-not-exists policy only fixes a missing or None channel. It will not move");
    out.comment("Unmanaged, and it cannot set SecurityPatch (its allowed values are NodeImage and Unmanaged):");
    out.comment("the cli format fixes those clusters.");
    out.comment(words::REIMAGE);
    out.comment(&format!(
        "The remediation task changes the node OS channel of existing clusters. {}",
        words::DELAY
    ));
    out.comment("The audit policy counts upgradeChannel node-image as compliant; PSRule's rule does not.");
    out.comment(
        "Needs Azure CLI 2.61.0 or later. Each step is skipped when it is already done, so it is safe to run again.",
    );
    out.notes(notes);
    out.line("set -euo pipefail");
    for group in groups {
        subscription(&mut out, group);
    }
    out.finish()
}

fn subscription(out: &mut Text, group: &[&ClusterFix<'_>]) {
    let Some(first) = group.first() else { return };
    let sub = &first.cluster.subscription_id;
    let location = &first.cluster.location;
    out.blank();
    out.comment(&words::subscription_heading(first.cluster));
    out.comment(&format!(
        "Failing Azure.AKS.NodeAutoUpgrade: {}.",
        names(group, |_| true, true)
    ));
    let kept = |p: &ClusterFix<'_>| {
        !matches!(
            p.cluster.node_os_channel(),
            NodeOsChannel::Unspecified | NodeOsChannel::None
        )
    };
    if group.iter().any(|p| kept(p)) {
        out.comment(&format!(
            "Not changed by the deploy-if-not-exists policy, fix with the cli format: {}.",
            names(group, kept, false)
        ));
    }
    let pinned = |p: &ClusterFix<'_>| p.cluster.upgrade_channel() == UpgradeChannel::NodeImage;
    if group.iter().any(|p| pinned(p)) {
        out.comment(&format!(
            "Compliant for the audit policy, not for PSRule (upgradeChannel node-image): {}. {}",
            names(group, pinned, false),
            words::NODE_IMAGE_PINS
        ));
    }
    let windows = |p: &ClusterFix<'_>| p.cluster.has_windows_pool();
    if group.iter().any(|p| windows(p)) {
        out.comment(&format!(
            "With a Windows pool: {}. Windows pools do not support SecurityPatch; NodeImage, which this policy sets, works there.",
            names(group, windows, false)
        ));
    }
    let no_window = |p: &ClusterFix<'_>| p.lacks_window(Schedule::NodeOs, false);
    if group.iter().any(|p| no_window(p)) {
        out.comment(&format!(
            "{} Without one: {}.",
            words::window_recommended(Schedule::NodeOs),
            names(group, no_window, false)
        ));
    }
    if let Some(why) = az_unsafe(sub).or(az_unsafe(location)) {
        out.comment(&format!("Skipped: the subscription id or location {why}."));
        return;
    }
    let scope_text = format!("/subscriptions/{sub}");
    let scope = quote(&scope_text);
    let audit_params = r#"{"allowedNodeOsUpgradeChannels":{"value":["NodeImage","SecurityPatch"]}}"#;
    let dine_params = r#"{"nodeOSUpgradeChannel":{"value":"NodeImage"}}"#;

    out.line(&format!(
        "az policy assignment show --name {AUDIT_NAME} --scope {scope} >/dev/null 2>&1 ||"
    ));
    out.line(&format!(
        "  az policy assignment create --name {AUDIT_NAME} --display-name {} --policy {AUDIT_POLICY} --scope {scope} --params {}",
        quote("AKS clusters should enable node OS auto-upgrade"),
        quote(audit_params)
    ));
    out.comment(&format!(
        "A deploy-if-not-exists assignment needs a managed identity, and the identity a region: {}, where {} runs.",
        location, first.cluster.name
    ));
    out.line(&format!(
        "az policy assignment show --name {DINE_NAME} --scope {scope} >/dev/null 2>&1 ||"
    ));
    out.line(&format!(
        "  az policy assignment create --name {DINE_NAME} --display-name {} --policy {DINE_POLICY} --scope {scope} --params {} --mi-system-assigned --location {} --identity-scope {scope} --role {}",
        quote("Configure node OS auto-upgrade on AKS clusters"),
        quote(dine_params),
        quote(location),
        quote(CONTRIBUTOR_ROLE)
    ));
    out.comment("--role grants one role only; the policy also needs the add-on deployment role.");
    out.line(&format!(
        "principal=$(az policy assignment show --name {DINE_NAME} --scope {scope} --query identity.principalId -o tsv)"
    ));
    // The principal id is a GUID printed by az, so it is safe inside the double quotes.
    out.line(&format!(
        r#"granted=$(az role assignment list --scope {scope} --role {} --query "length([?principalId=='$principal'])" -o tsv)"#,
        quote(ADDON_ROLE)
    ));
    out.line(r#"if [ "$granted" = 0 ]; then"#);
    out.line(&format!(
        "  az role assignment create --assignee-object-id \"$principal\" --assignee-principal-type ServicePrincipal --role {} --scope {scope}",
        quote(ADDON_ROLE)
    ));
    out.line("fi");
    out.comment("Existing clusters change only through a remediation task. It runs once: for clusters that fail");
    out.comment("later, create another with a new name. If it fails for lack of access, wait for the role assignments");
    out.comment("to propagate (a few minutes) and run again.");
    let assignment_id = quote(&format!(
        "{scope_text}/providers/Microsoft.Authorization/policyAssignments/{DINE_NAME}"
    ))
    .into_owned();
    let sub_arg = quote(sub);
    out.line(&format!(
        "az policy remediation show --name {REMEDIATION_NAME} --subscription {sub_arg} >/dev/null 2>&1 ||"
    ));
    out.line(&format!(
        "  az policy remediation create --name {REMEDIATION_NAME} --subscription {sub_arg} --policy-assignment {assignment_id} --resource-discovery-mode ReEvaluateCompliance"
    ));
}

/// The names of the clusters that match, optionally with their current channel.
fn names(group: &[&ClusterFix<'_>], keep: impl Fn(&ClusterFix<'_>) -> bool, with_channel: bool) -> String {
    let names: Vec<String> = group
        .iter()
        .filter(|p| keep(p))
        .map(|p| {
            let c = p.cluster;
            if with_channel {
                let channel = match c.node_os_channel() {
                    NodeOsChannel::Unspecified => "not set".to_string(),
                    other => other.to_string(),
                };
                format!("{} ({channel})", c.name)
            } else {
                c.name.to_string()
            }
        })
        .collect();
    names.join(", ")
}
