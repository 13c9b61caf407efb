//! Test fixtures every module's tests share: clusters, pools, findings and assessed
//! clusters with plain defaults, so a test writes down only what it is about.

use super::{
    AgentPool, Assessed, Cluster, EventKind, EventStatus, Finding, MaintenanceConfig, Outcome, PolicyVerdict, Rule,
    UpgradeEvent,
};

/// A running cluster in `westeurope` with its ARM id; no versions, channels or pools.
pub fn cluster(subscription: &str, group: &str, name: &str) -> Cluster {
    Cluster {
        id: format!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}"
        ),
        name: name.to_string().into(),
        subscription_id: subscription.to_string().into(),
        resource_group: group.to_string().into(),
        location: "westeurope".into(),
        provisioning_state: Some("Succeeded".into()),
        power_state: Some("Running".into()),
        ..Cluster::default()
    }
}

/// A Linux system pool of three nodes on `version`.
pub fn pool(name: &str, version: &str) -> AgentPool {
    AgentPool {
        name: name.to_string().into(),
        mode: Some("System".into()),
        os_type: Some("Linux".into()),
        os_sku: Some("Ubuntu".into()),
        orchestrator_version: Some(version.into()),
        node_image_version: Some("AKSUbuntu-2204gen2containerd-202410.15.0".into()),
        count: Some(3),
        ..AgentPool::default()
    }
}

/// Maintenance configurations with these names, read (so not `None`).
pub fn maintenance(names: &[&str]) -> Option<Vec<MaintenanceConfig>> {
    Some(
        names
            .iter()
            .map(|name| MaintenanceConfig {
                name: name.to_string().into(),
                schedule: None,
            })
            .collect(),
    )
}

pub fn finding(rule: Rule, outcome: Outcome, reason: &str) -> Finding {
    Finding {
        rule,
        outcome,
        reason: reason.into(),
        waiver: None,
    }
}

/// A cluster with these findings, and an Azure Policy verdict with no reason.
pub fn assessed(cluster: Cluster, findings: Vec<Finding>) -> Assessed {
    let compliant = !findings.iter().any(|f| f.outcome == Outcome::Fail);
    Assessed {
        cluster: cluster.into(),
        findings,
        policy: PolicyVerdict {
            compliant,
            reason: "".into(),
        },
        outlook: None,
    }
}

/// A cluster on which exactly these rules fail (reason `r`) and nothing else was judged.
pub fn failing(cluster: Cluster, rules: &[Rule]) -> Assessed {
    let findings = rules.iter().map(|&rule| finding(rule, Outcome::Fail, "r")).collect();
    assessed(cluster, findings)
}

/// A completed node OS upgrade of the cluster `cluster_id`, with this resource id and
/// `properties.eventId`; no times, no details.
pub fn event(id: &str, cluster_id: &str, event_id: Option<&str>) -> UpgradeEvent {
    UpgradeEvent {
        id: id.into(),
        cluster_id: cluster_id.into(),
        event_id: event_id.map(Into::into),
        kind: EventKind::NodeOs,
        status: EventStatus::Completed,
        scheduled: None,
        started: None,
        updated: None,
        details: None,
    }
}
