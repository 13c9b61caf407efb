//! The plan as specifications: one table of clusters, each with the changes and the
//! left-out fixes its plan must have, and the warnings that travel with them.

use super::*;
use crate::config::{Frequency, Waiver};
use crate::model::fixtures::{cluster, maintenance, pool};
use crate::model::{AgentPool, Atom, Cluster};

const SUB: &str = "11111111-1111-1111-1111-111111111111";
const BOTH: &[&str] = &["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"];

/// A Linux cluster on 1.34.2 that passes everything; each case changes what it is about.
fn passing(name: &str) -> Cluster {
    Cluster {
        kubernetes_version: Some("1.34.2".into()),
        current_kubernetes_version: Some("1.34.2".into()),
        upgrade_channel: Some("patch".into()),
        node_os_upgrade_channel: Some("SecurityPatch".into()),
        pools: vec![pool("system", "1.34.2")],
        maintenance: maintenance(BOTH),
        ..cluster(SUB, "rg", name)
    }
}

fn config() -> Config {
    let mut config = Config::default();
    config.waivers.push(Waiver {
        cluster: "aks-waived".into(),
        rule: Rule::NodeAutoUpgrade,
        reason: "vendor appliance".into(),
        expires: None,
    });
    config
}

fn assess(cluster: Cluster) -> Assessed {
    crate::rules::assess_one(cluster, &config(), time::macros::date!(2026 - 11 - 26))
}

fn scope(rules: &[Rule]) -> Scope {
    Scope::asked(rules)
}

/// What AKS offers, as the cluster's upgrade profile says (read with its details):
/// the control plane's upgrades, and by pool name each pool's.
fn offers(control_plane: &[&str], pools: &[(&str, &[&str])]) -> Upgrades {
    Upgrades {
        control_plane: control_plane.iter().map(|v| v.to_string()).collect(),
        pools: pools
            .iter()
            .map(|(name, versions)| (name.to_string(), versions.iter().map(|v| v.to_string()).collect()))
            .collect(),
    }
}

/// An upgrade profile's content, for the table.
struct Upgrades {
    control_plane: Vec<String>,
    pools: Vec<(String, Vec<String>)>,
}

/// The cluster with `upgrades` as its upgrade profile (`None`: not read).
fn with_profile(mut cluster: Cluster, upgrades: Option<Upgrades>) -> Cluster {
    if let Some(upgrades) = upgrades {
        cluster.upgrades = Some(upgrades.control_plane.into_iter().map(Atom::from).collect());
        for pool in &mut cluster.pools {
            pool.upgrades = Some(
                upgrades
                    .pools
                    .iter()
                    .find(|(name, _)| *name == pool.name)
                    .map(|(_, v)| v.iter().map(Atom::from).collect())
                    .unwrap_or_else(|| Vec::new().into()),
            );
        }
    }
    cluster
}

struct Case {
    name: &'static str,
    cluster: Cluster,
    scope: Scope,
    upgrades: Option<Upgrades>,
    changes: &'static [&'static str],
    left_out: &'static [(Option<Rule>, &'static str)],
}

/// The kind of a `Why`, for the table.
fn kind(why: &Why) -> &'static str {
    match why {
        Why::Stale => "stale",
        Why::Template => "template",
        Why::Waived { .. } => "waived",
        Why::NotAsked => "not asked",
        Why::KubernetesNotAsked => "kubernetes not asked",
        Why::Unknown { .. } => "unknown",
        Why::WindowsPool => "windows pool",
        Why::NoUpgrade { .. } => "no upgrade",
    }
}

fn cases() -> Vec<Case> {
    let windows_pool = AgentPool {
        name: "win1".into(),
        os_type: Some("Windows".into()),
        orchestrator_version: Some("1.34.2".into()),
        ..Default::default()
    };
    vec![
        Case {
            name: "unmanaged node OS channel",
            cluster: Cluster {
                node_os_upgrade_channel: Some("Unmanaged".into()),
                ..passing("aks-unmanaged")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &["autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch"],
            left_out: &[],
        },
        Case {
            name: "a Windows pool forbids SecurityPatch: NodeImage, and says so",
            cluster: Cluster {
                node_os_upgrade_channel: Some("None".into()),
                pools: vec![pool("system", "1.34.2"), windows_pool],
                ..passing("aks-win")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &["autoUpgradeProfile.nodeOSUpgradeChannel: None → NodeImage"],
            left_out: &[(Some(Rule::NodeAutoUpgrade), "windows pool")],
        },
        Case {
            name: "a missing channel and no cluster channel",
            cluster: Cluster {
                node_os_upgrade_channel: None,
                upgrade_channel: None,
                ..passing("aks-bare")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &[
                "autoUpgradeProfile.upgradeChannel: (not set) → patch",
                "autoUpgradeProfile.nodeOSUpgradeChannel: (not set) → SecurityPatch",
            ],
            left_out: &[],
        },
        Case {
            name: "a waived failure is left out",
            cluster: Cluster {
                node_os_upgrade_channel: Some("Unmanaged".into()),
                ..passing("aks-waived")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &[],
            left_out: &[(Some(Rule::NodeAutoUpgrade), "waived")],
        },
        Case {
            name: "stale data: the whole cluster is left out",
            cluster: Cluster {
                node_os_upgrade_channel: Some("Unmanaged".into()),
                stale: true,
                ..passing("aks-stale")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &[],
            left_out: &[(None, "stale")],
        },
        Case {
            name: "a template resource is never applied",
            cluster: Cluster {
                node_os_upgrade_channel: Some("Unmanaged".into()),
                origin: Origin::Template,
                ..passing("aks-template")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &[],
            left_out: &[(None, "template")],
        },
        Case {
            name: "a Kubernetes upgrade not asked for",
            cluster: Cluster {
                kubernetes_version: Some("1.32.9".into()),
                current_kubernetes_version: Some("1.32.9".into()),
                pools: vec![pool("system", "1.32.9"), pool("user", "1.31.4")],
                ..passing("aks-old")
            },
            scope: Scope::default(),
            upgrades: Some(offers(&["1.33.8"], &[])),
            changes: &[],
            left_out: &[
                (Some(Rule::Version), "kubernetes not asked"),
                (Some(Rule::PoolVersion), "kubernetes not asked"),
            ],
        },
        Case {
            name: "a Kubernetes upgrade asked for: one minor, the pools on it move along",
            cluster: Cluster {
                kubernetes_version: Some("1.32.9".into()),
                current_kubernetes_version: Some("1.32.9".into()),
                pools: vec![pool("system", "1.32.9"), pool("user", "1.31.4")],
                ..passing("aks-old")
            },
            scope: scope(&[Rule::Version]),
            upgrades: Some(offers(&["1.32.10", "1.33.7", "1.33.8", "1.34.2"], &[])),
            changes: &["kubernetesVersion: 1.32.9 → 1.33.8 (with system)"],
            left_out: &[(Some(Rule::PoolVersion), "kubernetes not asked")],
        },
        Case {
            name: "the newest patch of the next minor, as every remediation output targets",
            cluster: Cluster {
                kubernetes_version: Some("1.33.2".into()),
                current_kubernetes_version: Some("1.33.2".into()),
                pools: vec![pool("system", "1.33.2")],
                ..passing("aks-patch")
            },
            scope: scope(&[Rule::Version]),
            upgrades: Some(offers(&["1.33.7", "1.33.9", "1.34.2", "1.34.5"], &[])),
            changes: &["kubernetesVersion: 1.33.2 → 1.34.5 (with system)"],
            left_out: &[],
        },
        Case {
            name: "only patches offered: the newest patch of its own minor",
            cluster: Cluster {
                kubernetes_version: Some("1.33.2".into()),
                current_kubernetes_version: Some("1.33.2".into()),
                pools: vec![pool("system", "1.33.2")],
                ..passing("aks-patch")
            },
            scope: scope(&[Rule::Version]),
            upgrades: Some(offers(&["1.33.7", "1.33.9"], &[])),
            changes: &["kubernetesVersion: 1.33.2 → 1.33.9 (with system)"],
            left_out: &[],
        },
        Case {
            name: "a profile that offers nothing: the upgrade is left out",
            cluster: Cluster {
                kubernetes_version: Some("1.32.9".into()),
                current_kubernetes_version: Some("1.32.9".into()),
                pools: vec![pool("system", "1.32.9")],
                ..passing("aks-none")
            },
            scope: scope(&[Rule::Version]),
            upgrades: Some(offers(&[], &[])),
            changes: &[],
            left_out: &[(Some(Rule::Version), "no upgrade")],
        },
        Case {
            name: "no upgrade profile read: the upgrade is left out",
            cluster: Cluster {
                kubernetes_version: Some("1.32.9".into()),
                pools: vec![pool("system", "1.32.9")],
                ..passing("aks-old")
            },
            scope: scope(&[Rule::Version]),
            upgrades: None,
            changes: &[],
            left_out: &[(Some(Rule::Version), "no upgrade")],
        },
        Case {
            name: "pools: one minor behind go to the cluster's version, further behind one step",
            cluster: Cluster {
                pools: vec![
                    pool("system", "1.34.2"),
                    pool("user1", "1.33.5"),
                    pool("user2", "1.32.9"),
                    pool("user3", "1.31.1"),
                ],
                ..passing("aks-pools")
            },
            scope: scope(&[Rule::PoolVersion]),
            upgrades: Some(offers(&[], &[("user2", &["1.33.5", "1.33.8"])])),
            changes: &[
                "agentPoolProfiles[user1].orchestratorVersion: 1.33.5 → 1.34.2",
                "agentPoolProfiles[user2].orchestratorVersion: 1.32.9 → 1.33.8",
            ],
            left_out: &[(Some(Rule::PoolVersion), "no upgrade")],
        },
        Case {
            name: "both upgrades: pools behind follow the control plane's new version",
            cluster: Cluster {
                kubernetes_version: Some("1.32.9".into()),
                current_kubernetes_version: Some("1.32.9".into()),
                pools: vec![pool("system", "1.32.9"), pool("user", "1.32.4")],
                ..passing("aks-old")
            },
            scope: scope(&[Rule::Version, Rule::PoolVersion]),
            upgrades: Some(offers(&["1.33.8"], &[])),
            changes: &[
                "kubernetesVersion: 1.32.9 → 1.33.8 (with system)",
                "agentPoolProfiles[user].orchestratorVersion: 1.32.4 → 1.33.8",
            ],
            left_out: &[],
        },
        Case {
            name: "missing windows are added, each on its own",
            cluster: Cluster {
                maintenance: maintenance(&["aksManagedAutoUpgradeSchedule", "default"]),
                ..passing("aks-window")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &[
                "maintenanceConfigurations/aksManagedNodeOSUpgradeSchedule: (none) → every week on Sunday at 00:00 \
                 (UTC+00:00) for 4 hours",
            ],
            left_out: &[],
        },
        Case {
            name: "windows not read: unknown, left out",
            cluster: Cluster {
                node_os_upgrade_channel: Some("Unmanaged".into()),
                maintenance: None,
                ..passing("aks-unread")
            },
            scope: Scope::default(),
            upgrades: None,
            changes: &["autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch"],
            left_out: &[(Some(Rule::MaintenanceWindow), "unknown")],
        },
        Case {
            name: "only the rules asked for",
            cluster: Cluster {
                node_os_upgrade_channel: Some("Unmanaged".into()),
                upgrade_channel: Some("none".into()),
                maintenance: maintenance(&[]),
                ..passing("aks-scoped")
            },
            scope: scope(&[Rule::NodeAutoUpgrade]),
            upgrades: None,
            changes: &["autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch"],
            left_out: &[
                (Some(Rule::AutoUpgrade), "not asked"),
                (Some(Rule::MaintenanceWindow), "not asked"),
            ],
        },
    ]
}

#[test]
fn every_plan_has_exactly_its_changes_and_what_it_leaves_out() {
    let config = config();
    for case in cases() {
        let item = assess(with_profile(case.cluster, case.upgrades));
        let plan = plan(&item, &config, case.scope);
        let changes: Vec<String> = plan.changes.iter().map(ToString::to_string).collect();
        assert_eq!(changes, case.changes, "{}: changes", case.name);
        let left_out: Vec<(Option<Rule>, &str)> = plan.left_out.iter().map(|l| (l.rule, kind(&l.why))).collect();
        assert_eq!(left_out, case.left_out, "{}: left out", case.name);
        assert_eq!(plan.cluster.id, item.cluster.id, "{}", case.name);
    }
}

#[test]
fn a_channel_moved_to_node_image_takes_the_node_os_channel_with_it() {
    let mut config = config();
    config.remediation.upgrade_channel = UpgradeChannel::NodeImage;
    let item = assess(Cluster {
        upgrade_channel: Some("none".into()),
        ..passing("aks-legacy")
    });
    let plan = plan(&item, &config, Scope::default());
    let changes: Vec<(Rule, String)> = plan.changes.iter().map(|c| (c.rule, c.to_string())).collect();
    assert_eq!(
        changes,
        vec![
            (
                Rule::AutoUpgrade,
                "autoUpgradeProfile.upgradeChannel: none → node-image".to_string()
            ),
            (
                Rule::AutoUpgrade,
                "autoUpgradeProfile.nodeOSUpgradeChannel: SecurityPatch → NodeImage".to_string()
            ),
        ],
        "AKS refuses any other node OS channel beside node-image"
    );
    assert!(plan.warnings.iter().any(|w| w == words::REIMAGE));
}

#[test]
fn the_warnings_say_what_happens_to_the_nodes_and_when() {
    let config = config();
    let node_os = plan(
        &assess(Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            maintenance: maintenance(&[]),
            ..passing("aks-a")
        }),
        &config,
        scope(&[Rule::NodeAutoUpgrade]),
    );
    assert_eq!(
        node_os.warnings,
        vec![
            words::REIMAGE.to_string(),
            words::DELAY.to_string(),
            words::window_recommended(Schedule::NodeOs),
        ],
        "reimaging, up to 24 hours, and the window that is missing"
    );
    let with_window = plan(
        &assess(Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            maintenance: maintenance(&[]),
            ..passing("aks-a")
        }),
        &config,
        Scope::default(),
    );
    assert!(
        !with_window
            .warnings
            .contains(&words::window_recommended(Schedule::NodeOs)),
        "the plan adds the window itself: {:?}",
        with_window.warnings
    );
    assert!(
        with_window
            .warnings
            .iter()
            .any(|w| w.starts_with("The new aksManagedNodeOSUpgradeSchedule window holds node OS auto-upgrades")),
        "{:?}",
        with_window.warnings
    );
    let windows = plan(
        &assess(Cluster {
            node_os_upgrade_channel: Some("None".into()),
            pools: vec![AgentPool {
                name: "win".into(),
                os_sku: Some("Windows2022".into()),
                ..Default::default()
            }],
            ..passing("aks-w")
        }),
        &config,
        Scope::default(),
    );
    assert!(windows.warnings.contains(&words::WINDOWS.to_string()));
    let far_behind = plan(
        &assess(with_profile(
            Cluster {
                kubernetes_version: Some("1.31.4".into()),
                current_kubernetes_version: Some("1.31.4".into()),
                pools: vec![pool("system", "1.31.4")],
                ..passing("aks-far")
            },
            Some(offers(&["1.32.10"], &[])),
        )),
        &config,
        scope(&[Rule::Version]),
    );
    assert!(far_behind.warnings.contains(&words::VERSION_DRAIN.to_string()));
    assert!(
        far_behind
            .warnings
            .iter()
            .any(|w| w.contains("1.32.10 is one minor step and still below the minimum 1.33.7")),
        "{:?}",
        far_behind.warnings
    );
    let mut seen = std::collections::BTreeSet::new();
    assert!(far_behind.warnings.iter().all(|w| seen.insert(w)), "no repeats");
}

#[test]
fn the_same_inputs_give_the_same_plan_and_a_moved_value_another() {
    let config = config();
    let cluster = Cluster {
        node_os_upgrade_channel: Some("Unmanaged".into()),
        ..passing("aks-same")
    };
    let first = plan(&assess(cluster.clone()), &config, Scope::default());
    let again = plan(&assess(cluster.clone()), &config, Scope::default());
    assert_eq!(first, again);
    let moved = plan(
        &assess(Cluster {
            node_os_upgrade_channel: Some("None".into()),
            ..cluster
        }),
        &config,
        Scope::default(),
    );
    assert_ne!(
        first, moved,
        "someone set None meanwhile: the plan is not the one confirmed"
    );
}

#[test]
fn plans_cover_failing_and_waived_clusters_in_a_stable_order() {
    let config = config();
    let items = [
        assess(Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            ..passing("aks-b")
        }),
        assess(passing("aks-ok")),
        assess(Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            ..passing("aks-waived")
        }),
        assess(Cluster {
            node_os_upgrade_channel: Some("None".into()),
            ..passing("aks-a")
        }),
    ];
    let plans = plans(items.iter(), &config, Scope::default());
    let names: Vec<&str> = plans.iter().map(|p| p.cluster.name.as_str()).collect();
    assert_eq!(
        names,
        ["aks-a", "aks-b", "aks-waived"],
        "the passing cluster has no plan"
    );
    assert!(plans[2].changes.is_empty());
}

#[test]
fn values_from_outside_stay_on_one_line() {
    let config = config();
    let item = assess(Cluster {
        node_os_upgrade_channel: Some("Un\u{1b}[31mmanaged\nx".into()),
        ..passing("aks-hostile")
    });
    let plan = plan(&item, &config, Scope::default());
    let line = plan.changes[0].to_string();
    assert!(!line.contains('\u{1b}') && !line.contains('\n'), "{line:?}");
    for left in &plan.left_out {
        assert!(!left.to_string().contains('\n'));
    }
}

#[test]
fn left_out_fixes_read_as_sentences_that_say_what_to_do() {
    let cases = [
        (
            LeftOut {
                rule: Some(Rule::Version),
                why: Why::KubernetesNotAsked,
            },
            "Azure.AKS.Version: a Kubernetes upgrade, which drains every node; only applied when asked for (--rule \
             Version, fail:Version in the filter or the rule toggle)",
        ),
        (
            LeftOut {
                rule: Some(Rule::AutoUpgrade),
                why: Why::NotAsked,
            },
            "Azure.AKS.AutoUpgrade: fails, but not asked for (ask with --rule AutoUpgrade, fail:AutoUpgrade in the \
             filter or the rule toggle)",
        ),
        (
            LeftOut {
                rule: Some(Rule::NodeAutoUpgrade),
                why: Why::Waived {
                    reason: "vendor appliance".into(),
                },
            },
            "Azure.AKS.NodeAutoUpgrade: waived (vendor appliance)",
        ),
    ];
    for (left, want) in cases {
        assert_eq!(left.to_string(), want);
    }
    let stale = LeftOut {
        rule: None,
        why: Why::Stale,
    };
    assert!(stale.to_string().starts_with("every fix: the cluster's data is stale"));
}

#[test]
fn window_properties_have_the_shape_arm_takes_for_every_frequency() {
    let mut window = MaintenanceWindow::default();
    assert_eq!(
        window_properties(&window),
        json!({"maintenanceWindow": {
            "schedule": {"weekly": {"intervalWeeks": 1, "dayOfWeek": "Sunday"}},
            "durationHours": 4, "startTime": "00:00", "utcOffset": "+00:00"
        }})
    );
    let cases = [
        (Frequency::Daily, "daily", "intervalDays"),
        (Frequency::AbsoluteMonthly, "absoluteMonthly", "dayOfMonth"),
        (Frequency::RelativeMonthly, "relativeMonthly", "weekIndex"),
    ];
    for (frequency, kind, field) in cases {
        window.frequency = frequency;
        let value = window_properties(&window);
        assert!(
            value["maintenanceWindow"]["schedule"][kind][field].is_number()
                || value["maintenanceWindow"]["schedule"][kind][field].is_string(),
            "{frequency:?}: {value}"
        );
    }
}

#[test]
fn what_the_scope_leaves_out_is_what_the_remediation_note_leaves_out() {
    let config = config();
    let item = assess(Cluster {
        kubernetes_version: Some("1.32.9".into()),
        current_kubernetes_version: Some("1.32.9".into()),
        node_os_upgrade_channel: Some("Unmanaged".into()),
        pools: vec![pool("system", "1.32.9"), pool("user", "1.31.4")],
        ..passing("aks-scoped")
    });
    for scope in [
        Scope::default(),
        scope(&[Rule::Version]),
        scope(&[Rule::NodeAutoUpgrade, Rule::PoolVersion]),
        Scope::ALL,
    ] {
        let plan = plan(&item, &config, scope);
        let planned: Vec<Rule> = plan
            .left_out
            .iter()
            .filter(|l| matches!(l.why, Why::NotAsked | Why::KubernetesNotAsked))
            .filter_map(|l| l.rule)
            .collect();
        let note = crate::remediate::left_out_note(&[&item], scope).unwrap_or_default();
        for rule in Rule::ALL {
            assert_eq!(
                planned.contains(&rule),
                note.contains(&format!("{} (1 cluster)", rule.name())),
                "{rule:?} in {scope:?}: plan {planned:?}, note {note:?}"
            );
        }
        for left in &plan.left_out {
            let upgrade = matches!(left.why, Why::KubernetesNotAsked);
            if matches!(left.why, Why::NotAsked | Why::KubernetesNotAsked) {
                assert_eq!(upgrade, left.rule.is_some_and(Scope::drains_nodes), "{left:?}");
            }
        }
    }
}

#[test]
fn plans_read_the_same_in_the_cli_and_the_dashboard_with_each_warning_once() {
    let config = config();
    let items = [
        assess(Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            ..passing("aks-a")
        }),
        assess(Cluster {
            node_os_upgrade_channel: Some("None".into()),
            ..passing("aks-b")
        }),
        assess(Cluster {
            node_os_upgrade_channel: Some("Unmanaged".into()),
            ..passing("aks-waived")
        }),
    ];
    let plans = plans(items.iter(), &config, Scope::default());
    let lines = describe(&plans, |id| (id == SUB).then(|| "Production\u{1b}[2J".to_string()));
    assert_eq!(
        lines,
        [
            format!("Subscription {SUB} (Production[2J)"),
            "  aks-a (resource group rg)".to_string(),
            "    autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch   [NodeAutoUpgrade]".to_string(),
            "  aks-b (resource group rg)".to_string(),
            "    autoUpgradeProfile.nodeOSUpgradeChannel: None → SecurityPatch   [NodeAutoUpgrade]".to_string(),
            "  aks-waived (resource group rg)".to_string(),
            "    nothing to change".to_string(),
            "    left out: Azure.AKS.NodeAutoUpgrade: waived (vendor appliance)".to_string(),
            String::new(),
            "Warnings:".to_string(),
            format!("  - {}", words::REIMAGE),
            format!("  - {}", words::DELAY),
        ],
        "the escape is cleaned; the two clusters' warnings are said once"
    );
    assert_eq!(totals(&plans), (2, 2));
    assert_eq!(go_ahead_word(1), "yes");
    assert_eq!(go_ahead_word(2), "2");
    assert_eq!(go_ahead_word(120), "120");
}
