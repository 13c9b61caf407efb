//! The generator's own properties: replays match generation byte for byte, lookups
//! ignore case, and the drawn values keep the real API's rules.

use super::SimFleet;
use super::store::generate_subscription_with;
use crate::sim::SimOptions;

fn options(subscriptions: usize, clusters: usize, seed: u64) -> SimOptions {
    SimOptions {
        subscriptions,
        clusters_per_subscription: clusters,
        seed,
        ..SimOptions::default()
    }
}

#[test]
fn windows_pool_names_fit_six_characters() {
    let fleet = SimFleet::generate(&options(3, 80, 5));
    let mut windows = 0;
    for c in fleet.cluster_values() {
        for p in c["properties"]["agentPoolProfiles"].as_array().into_iter().flatten() {
            if p["osType"] == "Windows" {
                windows += 1;
                assert!(p["name"].as_str().is_some_and(|n| n.len() <= 6), "{}", p["name"]);
                assert_eq!(p["osSKU"].as_str().map(|s| s.starts_with("Windows")), Some(true));
            }
        }
    }
    assert!(windows > 0);
}

#[test]
fn some_clusters_run_minors_their_region_no_longer_lists() {
    let fleet = SimFleet::generate(&options(10, 20, 1));
    let unlisted = fleet
        .cluster_values()
        .filter(|c| {
            let loc = c["location"].as_str().unwrap_or_default();
            let current = c["properties"]["currentKubernetesVersion"].as_str().unwrap_or_default();
            let minor = current.rsplit_once('.').map_or("", |(m, _)| m);
            let listed = fleet.kubernetes_versions_for(loc).expect("known location")["values"]
                .as_array()
                .expect("values")
                .iter()
                .any(|v| v["version"] == minor);
            !listed
        })
        .count();
    assert!(unlisted > 0);
}

#[test]
fn lookups_ignore_case_and_forbidden_are_the_last_subscriptions() {
    let mut o = options(5, 4, 2);
    o.forbidden_subscriptions = 2;
    let fleet = SimFleet::generate(&o);
    let sub = &fleet.subscriptions[0];
    let cluster = sub.cluster_values().nth(1).expect("a second cluster");
    let name = cluster["name"].as_str().expect("name");
    let rg = sub.resource_group_of(1).expect("rg");
    assert_eq!(sub.cluster_ids().nth(1), cluster["id"].as_str());
    let found = fleet.find_cluster(&sub.id.to_uppercase(), &rg.to_uppercase(), &name.to_uppercase());
    assert_eq!(found.map(|(_, i)| i), Some(1));
    assert!(!fleet.forbidden(&fleet.subscriptions[2].id));
    assert!(fleet.forbidden(&fleet.subscriptions[3].id));
    assert!(fleet.forbidden(&fleet.subscriptions[4].id.to_uppercase()));
    assert_eq!(fleet.readable_subscriptions().count(), 3);
    assert!(fleet.kubernetes_versions_for("West Europe").is_some());
}

#[test]
fn replays_draw_what_generation_drew() {
    let o = options(3, 40, 8);
    let fleet = SimFleet::generate(&o);
    let mut configs = 0;
    for (s, sub) in fleet.subscriptions.iter().enumerate() {
        // Generation again, in one pass, keeping what it drew.
        let mut drawn = Vec::new();
        generate_subscription_with(&o, s, &fleet.tenant_id, |cluster, maintenance| {
            let json = serde_json::to_string(&cluster.object).expect("json");
            drawn.push((json, maintenance.to_vec()));
        });
        assert_eq!(drawn.len(), sub.cluster_count());
        for (i, (json, maintenance)) in drawn.into_iter().enumerate() {
            // Byte for byte: the bodies served are the bodies generation drew.
            let raw = sub.cluster_json(i).expect("cluster");
            assert_eq!(raw.get(), json);
            let cluster = sub.cluster(i).expect("cluster");
            // The structs write their keys in the order a `Value` does.
            assert_eq!(serde_json::to_string(&cluster).expect("json"), json);
            let details = sub.details(i).expect("details");
            assert_eq!(details.maintenance_configurations, maintenance);

            let record = &sub.records[i];
            assert_eq!(cluster["id"].as_str(), Some(&*record.id));
            let pools: Vec<&str> = cluster["properties"]["agentPoolProfiles"]
                .as_array()
                .expect("pools")
                .iter()
                .filter_map(|p| p["name"].as_str())
                .collect();
            let profiled: Vec<&str> = details.pool_upgrade_profiles.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(pools, profiled);
            for (pool, profile) in &details.pool_upgrade_profiles {
                let want = format!("{}/agentPools/{pool}/upgradeProfiles/default", record.id);
                assert_eq!(profile["id"].as_str(), Some(want.as_str()));
            }
            for config in &details.maintenance_configurations {
                assert!(config["id"].as_str().is_some_and(|id| id.starts_with(&*record.id)));
                configs += 1;
            }
        }
    }
    assert!(configs > 0);
    assert!(fleet.subscriptions[0].details(40).is_none());
    assert!(fleet.subscriptions[0].cluster(40).is_none());
}
