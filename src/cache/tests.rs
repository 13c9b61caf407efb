//! Snapshots: round trip, merge rules, damaged files, permissions, and kills mid-write.

use super::*;
use crate::model::{Atom, SourceError};
use time::macros::datetime;

const KEY: &str = "https://management.azure.com|tenant-a";
const EARLIER: OffsetDateTime = datetime!(2026-11-26 03:00 UTC);
const NOW: OffsetDateTime = datetime!(2026-11-26 03:15 UTC);

fn cluster(sub: &str, name: &str) -> Cluster {
    Cluster {
        id: format!(
            "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"
        ),
        name: name.into(),
        subscription_id: sub.into(),
        kubernetes_version: Some("1.34.1".into()),
        node_os_upgrade_channel: Some("NodeImage".into()),
        ..Default::default()
    }
}

fn state(id: &str, error: Option<&str>) -> SubscriptionState {
    SubscriptionState {
        id: id.into(),
        name: Some(format!("{id} name")),
        fetched_at: None,
        error: error.map(|code| SourceError {
            subscription_id: Some(id.into()),
            url: Some(format!("https://management.azure.com/subscriptions/{id}/providers/...")),
            code: Some(code.into()),
            message: format!("{code} happened"),
        }),
    }
}

fn fleet(clusters: Vec<Cluster>, subscriptions: Vec<SubscriptionState>) -> Fleet {
    let errors = subscriptions.iter().filter_map(|s| s.error.clone()).collect();
    Fleet {
        clusters,
        skipped: 0,
        errors,
        subscriptions,
        ..Fleet::default()
    }
}

fn first_read() -> Snapshot {
    let fresh = fleet(
        vec![
            cluster("sub-a", "a1"),
            cluster("sub-a", "a2"),
            cluster("sub-b", "b1"),
            cluster("sub-c", "c1"),
        ],
        vec![state("sub-a", None), state("sub-b", None), state("sub-c", None)],
    );
    merge(None, fresh, KEY, EARLIER)
}

#[test]
fn a_successful_read_stamps_every_cluster_and_subscription() {
    let snapshot = first_read();
    assert!(snapshot.clusters.iter().all(|c| c.as_of == Some(EARLIER) && !c.stale));
    assert!(snapshot.subscriptions.iter().all(|s| s.fetched_at == Some(EARLIER)));
}

#[test]
fn a_failing_subscription_keeps_its_last_good_clusters_marked_stale() {
    let fresh = fleet(
        vec![cluster("sub-a", "a1"), cluster("sub-a", "a3")],
        vec![
            state("sub-a", None),
            state("sub-b", Some("SubscriptionRequestsThrottled")),
        ],
    );
    let merged = merge(Some(first_read()), fresh, KEY, NOW);
    let names: Vec<(&str, bool)> = merged.clusters.iter().map(|c| (c.name.as_str(), c.stale)).collect();
    assert_eq!(
        names,
        [("a1", false), ("a3", false), ("b1", true)],
        "a2 is gone, c1's subscription left the scope"
    );
    let b1 = merged.clusters.iter().find(|c| c.name == "b1").unwrap();
    assert_eq!(b1.as_of, Some(EARLIER), "stale rows keep the time they were read");
    let sub_b = merged.subscriptions.iter().find(|s| s.id == "sub-b").unwrap();
    assert_eq!(sub_b.fetched_at, Some(EARLIER));
    assert_eq!(
        sub_b.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("SubscriptionRequestsThrottled")
    );
    let fleet = merged.into_fleet();
    assert_eq!(fleet.errors.len(), 1, "the error travels with the fleet");
}

#[test]
fn when_even_the_subscription_list_fails_everything_previous_stays_stale() {
    let fresh = Fleet {
        errors: vec![SourceError {
            subscription_id: None,
            url: Some("https://management.azure.com/subscriptions".into()),
            code: Some("TransportError".into()),
            message: "cannot connect".into(),
        }],
        ..Default::default()
    };
    let merged = merge(Some(first_read()), fresh, KEY, NOW);
    assert_eq!(merged.clusters.len(), 4);
    assert!(merged.clusters.iter().all(|c| c.stale && c.as_of == Some(EARLIER)));
    assert_eq!(merged.errors[0].code.as_deref(), Some("TransportError"));
}

#[test]
fn a_snapshot_of_another_endpoint_is_not_mixed_in() {
    let fresh = fleet(vec![], vec![state("sub-b", Some("AuthorizationFailed"))]);
    let merged = merge(
        Some(first_read()),
        fresh,
        "https://management.usgovcloudapi.net|tenant-a",
        NOW,
    );
    assert!(merged.clusters.is_empty());
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("cache"));
    (dir, store)
}

#[test]
fn a_saved_snapshot_loads_back_the_same() {
    let (_dir, store) = store();
    let snapshot = first_read();
    store.save(&snapshot).unwrap();
    match store.load(KEY) {
        Loaded::Hit(loaded) => assert_eq!(*loaded, snapshot),
        other => panic!("{other:?}"),
    }
    assert!(matches!(store.load("another key"), Loaded::Miss));
}

#[cfg(unix)]
#[test]
fn files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, store) = store();
    let path = store.save(&first_read()).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn damaged_truncated_empty_and_foreign_files_are_a_miss_with_a_warning() {
    let (_dir, store) = store();
    let good = snapshot_bytes(&first_read());
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("truncated", good[..good.len() / 2].to_vec(), "is damaged"),
        ("empty", Vec::new(), "is damaged"),
        ("garbage", b"\x00\x01not json".to_vec(), "is damaged"),
        (
            "wrong shape",
            format!(r#"{{"schema": {SCHEMA_VERSION}, "clusters": 5}}"#).into_bytes(),
            "is damaged",
        ),
        (
            "future schema",
            br#"{"schema": 99, "whatever": true}"#.to_vec(),
            "has schema 99",
        ),
    ];
    for (what, bytes, want) in cases {
        let path = store.path(KEY);
        private_dir(store.dir()).unwrap();
        fs::write(&path, &bytes).unwrap();
        match store.load(KEY) {
            Loaded::Unusable(warning) => {
                assert!(warning.contains(want), "{what}: {warning}");
                assert!(!warning.contains('\n'), "one line");
            }
            other => panic!("{what}: {other:?}"),
        }
        if want == "is damaged" {
            assert!(!path.exists(), "{what}: the damaged file is moved aside");
            let aside = fs::read_dir(store.dir())
                .unwrap()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().contains("damaged"));
            assert!(aside, "{what}: kept for inspection");
        }
        for entry in fs::read_dir(store.dir()).unwrap().flatten() {
            fs::remove_file(entry.path()).unwrap();
        }
    }
}

#[test]
fn an_older_schema_is_a_miss_not_a_crash() {
    let (_dir, store) = store();
    private_dir(store.dir()).unwrap();
    let mut old: serde_json::Value = serde_json::from_slice(&snapshot_bytes(&first_read())).unwrap();
    old["schema"] = 0.into();
    fs::write(store.path(KEY), old.to_string()).unwrap();
    assert!(matches!(store.load(KEY), Loaded::Unusable(w) if w.contains("has schema 0")));
}

/// Run by `a_writer_killed_at_any_moment_never_leaves_a_torn_file` in a child process:
/// writes snapshots in a loop until killed. Ignored so that it is never counted as a
/// test of its own; without the variable it does nothing.
#[test]
#[ignore = "a helper process for the kill test, not a test"]
fn cache_writer_child() {
    let Ok(dir) = std::env::var("AKSRADAR_TEST_CACHE_WRITER") else {
        return;
    };
    let store = Store::new(dir);
    let mut snapshot = first_read();
    // Large enough that a write takes a few milliseconds, so kills land mid-write, and
    // small enough that a debug build finishes its first write before the first kill.
    snapshot.clusters = (0..2_000)
        .map(|i| Arc::new(cluster("sub-a", &format!("c{i}"))))
        .collect();
    for round in 0u64.. {
        snapshot.skipped = round as usize;
        store.save(&snapshot).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_writer_killed_at_any_moment_never_leaves_a_torn_file() {
    let (_dir, store) = store();
    store.save(&first_read()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let writer = || {
        std::process::Command::new(&exe)
            .args([
                "--exact",
                "--ignored",
                "cache::tests::cache_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("AKSRADAR_TEST_CACHE_WRITER", store.dir())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut children_wrote = false;
    for round in 0..40 {
        // Two writers at once, as two aksradar processes would be; both die by SIGKILL.
        let mut writers = [writer(), writer()];
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_millis(60 + seed % 180));
        for child in &mut writers {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        match store.load(KEY) {
            Loaded::Hit(snapshot) => {
                assert_eq!(snapshot.key, KEY);
                children_wrote |= snapshot.clusters.len() == 2_000;
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert!(
        children_wrote,
        "the writers never replaced the snapshot: the test tested nothing"
    );
}

#[cfg(unix)]
mod hostile {
    //! What else can sit at the snapshot's path: a FIFO, links to devices and to other
    //! files, a huge file; and a cache folder that is a link.

    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn fifo(path: &Path) {
        let status = std::process::Command::new("mkfifo").arg(path).status().unwrap();
        assert!(status.success());
    }

    #[test]
    fn a_fifo_links_and_a_huge_file_are_damage_moved_aside_without_reading_them() {
        let (dir, store) = store();
        private_dir(store.dir()).unwrap();
        let path = store.path(KEY);
        let huge = dir.path().join("huge.json");
        fs::File::create(&huge)
            .and_then(|f| f.set_len(SNAPSHOT_LIMIT + 1))
            .unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        fs::write(&elsewhere, snapshot_bytes(&first_read())).unwrap();
        let plants: [(&str, &dyn Fn()); 5] = [
            ("a FIFO", &|| fifo(&path)),
            ("a symbolic link", &|| symlink("/dev/zero", &path).unwrap()),
            ("a symbolic link", &|| symlink(&huge, &path).unwrap()),
            ("a symbolic link", &|| symlink(&elsewhere, &path).unwrap()),
            ("more than", &|| {
                fs::File::create(&path)
                    .and_then(|f| f.set_len(SNAPSHOT_LIMIT + 1))
                    .unwrap()
            }),
        ];
        for (want, plant) in plants {
            plant();
            match store.load(KEY) {
                Loaded::Unusable(warning) => {
                    assert!(warning.contains("the cache is damaged"), "{warning}");
                    assert!(warning.contains(want), "{want}: {warning}");
                    assert!(warning.contains("kept aside"), "{warning}");
                }
                other => panic!("{want}: {other:?}"),
            }
            assert!(fs::symlink_metadata(&path).is_err(), "{want}: moved aside");
            assert!(
                matches!(store.load(KEY), Loaded::Miss),
                "{want}: the next load is a miss"
            );
        }
        assert!(elsewhere.exists() && huge.exists(), "link targets stay where they were");
    }

    #[test]
    fn a_cache_folder_that_is_a_link_is_neither_read_nor_written_nor_chmod_ed() {
        let outside = tempfile::tempdir().unwrap();
        fs::set_permissions(outside.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let good = first_read();
        fs::write(
            outside
                .path()
                .join(Store::new(outside.path()).path(KEY).file_name().unwrap()),
            snapshot_bytes(&good),
        )
        .unwrap();
        let home = tempfile::tempdir().unwrap();
        let linked = home.path().join("aksradar");
        symlink(outside.path(), &linked).unwrap();
        let store = Store::new(&linked);
        match store.load(KEY) {
            Loaded::Unusable(warning) => assert!(warning.contains("is a symbolic link"), "{warning}"),
            other => panic!("{other:?}"),
        }
        let err = store.save(&good).unwrap_err().to_string();
        assert!(err.contains("remove the link"), "{err}");
        let mode = fs::metadata(outside.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "the outside folder keeps its mode");
        assert_eq!(
            fs::read_dir(outside.path()).unwrap().count(),
            1,
            "nothing written there"
        );
    }

    #[test]
    fn saving_over_a_link_replaces_the_link_not_its_target() {
        let (dir, store) = store();
        private_dir(store.dir()).unwrap();
        let target = dir.path().join("target.txt");
        fs::write(&target, b"keep").unwrap();
        symlink(&target, store.path(KEY)).unwrap();
        store.save(&first_read()).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"keep");
        assert!(matches!(store.load(KEY), Loaded::Hit(_)));
    }
}

#[test]
fn the_snapshot_reader_tells_another_key_another_schema_and_damage_apart() {
    let good = snapshot_bytes(&first_read());
    assert!(matches!(read_snapshot(&good, KEY), Ok(Some(_))));
    assert!(matches!(read_snapshot(&good, "other"), Ok(None)));
    assert!(matches!(
        read_snapshot(br#"{"schema": 1}"#, KEY),
        Err(Unreadable::Schema(1))
    ));
    assert!(matches!(read_snapshot(b"\xff{", KEY), Err(Unreadable::Damaged(_))));
}

#[test]
fn loaded_events_share_their_cluster_s_id_and_make_their_own_from_it() {
    let cluster_id = |name: &str| cluster("sub-a", name).id;
    let event = |name: &str, own: &str| {
        let id = format!("{}/scheduledevents/{own}", cluster_id(name));
        crate::model::fixtures::event(&id, &cluster_id(name), Some(own))
    };
    let mut fresh = fleet(vec![cluster("sub-a", "a1")], vec![state("sub-a", None)]);
    let events = vec![event("a1", "e1"), event("a1", "e2"), event("a2", "e3")];
    fresh.events = Some(events.clone());
    let (_dir, store) = store();
    store.save(&merge(None, fresh, KEY, NOW)).unwrap();
    let Loaded::Hit(loaded) = store.load(KEY) else {
        panic!("a hit")
    };
    let loaded = loaded.events.expect("events");
    assert_eq!(loaded, events);
    assert!(
        Atom::ptr_eq(&loaded[0].cluster_id, &loaded[1].cluster_id),
        "one cluster, one id"
    );
    assert!(!Atom::ptr_eq(&loaded[1].cluster_id, &loaded[2].cluster_id));
    assert!(loaded.iter().all(|e| e.id.is_made()), "no id kept that can be made");
    assert_eq!(loaded[2].id(), format!("{}/scheduledevents/e3", cluster_id("a2")));
}

#[test]
fn regions_and_events_read_now_replace_the_previous_ones_and_are_kept_when_not_read() {
    use crate::model::RegionOffer;
    use crate::model::support::OfferedMinor;
    let offer = |minor| RegionOffer {
        minors: vec![OfferedMinor {
            minor,
            plans: vec!["KubernetesOfficial".into()],
            preview: false,
        }],
    };
    let event = |id: &str| crate::model::fixtures::event(id, "c", None);
    let mut fresh = fleet(vec![cluster("sub-a", "a1")], vec![state("sub-a", None)]);
    fresh.regions = [
        ("westeurope".to_string(), offer((1, 33))),
        ("eastus".to_string(), offer((1, 33))),
    ]
    .into();
    fresh.events = Some(vec![event("e1")]);
    let first = merge(None, fresh, KEY, EARLIER);

    let mut again = fleet(vec![cluster("sub-a", "a1")], vec![state("sub-a", None)]);
    again.regions = [("westeurope".to_string(), offer((1, 34)))].into();
    let second = merge(Some(first.clone()), again, KEY, NOW);
    assert_eq!(second.regions["westeurope"], offer((1, 34)), "read now");
    assert_eq!(second.regions["eastus"], offer((1, 33)), "not read now: kept");
    assert_eq!(second.events, Some(vec![event("e1")]), "events not read now: kept");

    let mut third = fleet(vec![cluster("sub-a", "a1")], vec![state("sub-a", None)]);
    third.events = Some(Vec::new());
    assert_eq!(
        merge(Some(second), third, KEY, NOW).events,
        Some(Vec::new()),
        "read now: none"
    );

    let (_dir, store) = store();
    store.save(&first).unwrap();
    let Loaded::Hit(loaded) = store.load(KEY) else {
        panic!("a hit")
    };
    assert_eq!(loaded.events, first.events, "events survive the disk");
    assert_eq!(loaded.regions, first.regions, "regions survive the disk");
}

/// Details are part of the snapshot with their own time: what a read got (maintenance
/// configurations with their schedules, the upgrade profile of the control plane and of
/// each pool, each pool's latest image, whether the region offers the version), when,
/// and a part the latest read could not get, with the time of the value kept for it,
/// all come back from disk as they went in; the rules judge the loaded copy the same.
#[test]
fn details_and_their_times_are_saved_with_the_snapshot() {
    use crate::model::{AgentPool, ClusterDetails, DetailPart, MaintenanceConfig, UpgradeProfile};
    let (_dir, store) = store();
    let mut read = cluster("sub-a", "a1");
    read.pools = vec![AgentPool {
        name: "system".into(),
        node_image_version: Some("AKSUbuntu-2204gen2containerd-202609.15.0".into()),
        ..Default::default()
    }];
    let windows = vec![MaintenanceConfig {
        name: "aksManagedAutoUpgradeSchedule".into(),
        schedule: Some(Arc::new("Weekly (every 1) on Sunday at 00:00 +00:00 for 4h".into())),
    }];
    ClusterDetails {
        maintenance: Some(windows.clone()),
        upgrades: Some(UpgradeProfile {
            control_plane: vec!["1.34.7".into(), "1.35.2".into()],
            pools: vec![("system".into(), vec!["1.34.7".into()])],
        }),
        latest_images: Some(vec![(
            "system".into(),
            "AKSUbuntu-2204gen2containerd-202611.10.0".into(),
        )]),
        version_supported: Some(true),
        failed: vec![],
    }
    .apply(&mut read, EARLIER);
    // The next read could not get the maintenance configurations: the first read's
    // stay, marked with that read's time.
    ClusterDetails {
        version_supported: Some(true),
        failed: vec![(
            DetailPart::Maintenance,
            SourceError {
                subscription_id: Some("sub-a".into()),
                url: None,
                code: Some("AuthorizationFailed".into()),
                message: "no access".into(),
            },
        )],
        ..Default::default()
    }
    .apply(&mut read, NOW);
    let snapshot = merge(None, fleet(vec![read], vec![state("sub-a", None)]), KEY, NOW);
    store.save(&snapshot).unwrap();
    let Loaded::Hit(loaded) = store.load(KEY) else {
        panic!("the snapshot loads")
    };
    assert_eq!(*loaded, snapshot);
    let cluster = &loaded.clusters[0];
    assert_eq!(cluster.maintenance, Some(windows));
    assert_eq!(
        cluster.upgrades.as_deref(),
        Some(&[Atom::from("1.34.7"), Atom::from("1.35.2")][..])
    );
    assert_eq!(cluster.pools[0].upgrades.as_deref(), Some(&[Atom::from("1.34.7")][..]));
    assert_eq!(
        cluster.pools[0].latest_node_image_version.as_deref(),
        Some("AKSUbuntu-2204gen2containerd-202611.10.0")
    );
    assert_eq!(cluster.version_supported_in_region, Some(true));
    let details = cluster.details.as_deref().expect("when the details were read");
    assert_eq!(details.as_of, NOW);
    let failure = details.failure(DetailPart::Maintenance).expect("what failed");
    assert_eq!(
        (failure.code.as_str(), failure.kept_from),
        ("AuthorizationFailed", Some(EARLIER))
    );
}

/// A cluster with every field the snapshot keeps set, `n` telling clusters apart.
fn everything(sub: &str, n: usize) -> Cluster {
    use crate::model::window::{DateSpan, Recurrence, Timing, Window};
    use crate::model::{AgentPool, DetailFailure, DetailPart, DetailsRead, MaintenanceConfig, MaintenanceSchedule};
    use std::collections::BTreeMap;
    let window = Timing::Window(Window {
        recurrence: Recurrence::Weekly {
            every: 1,
            day: time::Weekday::Sunday,
        },
        duration_hours: 4,
        start_time: time::macros::time!(02:00),
        utc_offset: time::macros::offset!(+01:00),
        start_date: Some(time::macros::date!(2026 - 01 - 04)),
        not_allowed: vec![DateSpan {
            start: time::macros::date!(2026 - 12 - 24),
            end: time::macros::date!(2026 - 12 - 26),
        }],
    });
    let pool = |name: &str, count| AgentPool {
        name: name.into(),
        mode: Some("User".into()),
        os_type: Some("Linux".into()),
        os_sku: Some("AzureLinux".into()),
        orchestrator_version: Some("1.33.5".into()),
        node_image_version: Some("AKSAzureLinux-V3gen2-202608.04.1".into()),
        count: Some(count),
        latest_node_image_version: Some("AKSAzureLinux-V3gen2-202611.10.0".into()),
        upgrades: Some(vec![Atom::from("1.34.2")].into()),
    };
    Cluster {
        subscription_name: Some(format!("{sub} name").into()),
        resource_group: "rg".into(),
        location: "eastus2".into(),
        tags: BTreeMap::from([
            ("env".to_string(), "prod".to_string()),
            ("n".to_string(), n.to_string()),
        ])
        .into(),
        kubernetes_version: Some("1.33.5".into()),
        current_kubernetes_version: Some("1.33.4".into()),
        upgrade_channel: Some("patch".into()),
        node_os_upgrade_channel: Some("SecurityPatch".into()),
        provisioning_state: Some("Failed".into()),
        power_state: Some("Stopped".into()),
        sku_name: Some("Base".into()),
        sku_tier: Some("Premium".into()),
        support_plan: Some("AKSLongTermSupport".into()),
        pools: vec![pool("system", 3), pool(&format!("user{n}"), n as u32)],
        maintenance: Some(vec![
            MaintenanceConfig {
                name: "aksManagedNodeOSUpgradeSchedule".into(),
                schedule: Some(std::sync::Arc::new(MaintenanceSchedule::of(window, Some(EARLIER)))),
            },
            MaintenanceConfig {
                name: "default".into(),
                schedule: Some(std::sync::Arc::new(MaintenanceSchedule::unreadable(
                    "no `schedule`".into(),
                    None,
                ))),
            },
            MaintenanceConfig {
                name: "bare".into(),
                schedule: None,
            },
        ]),
        upgrades: Some(vec![Atom::from("1.33.6"), Atom::from("1.34.2")].into()),
        origin: if n.is_multiple_of(2) {
            crate::model::Origin::Template
        } else {
            crate::model::Origin::Deployed
        },
        version_supported_in_region: Some(n.is_multiple_of(3)),
        details: Some(std::sync::Arc::new(DetailsRead {
            as_of: EARLIER,
            failed: vec![DetailFailure {
                part: DetailPart::NodeImages,
                code: "Throttled".into(),
                message: "later".into(),
                kept_from: Some(EARLIER),
            }],
        })),
        as_of: Some(NOW),
        stale: n % 2 == 1,
        source: Some(Box::new(crate::model::SourceLocation {
            file: "fleet.json".into(),
            line: n + 1,
            column: 3,
        })),
        ..cluster(sub, &format!("aks-{n}"))
    }
}

/// Events of every shape: an id AKS makes of its cluster's and its own, an id of
/// another shape, no event id, kinds and statuses of AKS's and not, times and none.
fn rich_events(snapshot: &Snapshot) -> Vec<crate::model::UpgradeEvent> {
    use crate::model::{EventKind, EventStatus, UpgradeEvent};
    let cluster = &snapshot.clusters[0].id;
    vec![
        UpgradeEvent {
            id: format!("{cluster}/scheduledevents/e-1").into(),
            cluster_id: cluster.as_str().into(),
            event_id: Some("e-1".into()),
            kind: EventKind::Kubernetes,
            status: EventStatus::Completed,
            scheduled: Some(EARLIER),
            started: Some(EARLIER),
            updated: Some(NOW),
            details: Some("done".into()),
        },
        UpgradeEvent {
            id: "/some/other/shape/e-2".into(),
            cluster_id: cluster.to_uppercase().into(),
            event_id: Some("e-2".into()),
            kind: EventKind::Other("EOLNotification".into()),
            status: EventStatus::Other("Paused".into()),
            scheduled: None,
            started: None,
            updated: None,
            details: None,
        },
        UpgradeEvent {
            id: format!("{cluster}/scheduledevents/e-3").into(),
            cluster_id: "not an id".into(),
            event_id: None,
            kind: EventKind::NodeOs,
            status: EventStatus::Failed,
            scheduled: Some(NOW),
            started: None,
            updated: None,
            details: None,
        },
    ]
}

fn rich_snapshot() -> Snapshot {
    let mut clusters: Vec<Cluster> = (0..6)
        .map(|n| everything(if n < 3 { "sub-a" } else { "sub-b" }, n))
        .collect();
    // An id that is not made of its parts is kept whole; an empty one too.
    clusters[1].id = "/subscriptions/sub-a/resourceGroups/RG-elsewhere/providers/x/aks-1".into();
    clusters.push(Cluster::default());
    let mut snapshot = merge(
        None,
        fleet(clusters, vec![state("sub-a", None), state("sub-b", Some("Throttled"))]),
        KEY,
        NOW,
    );
    snapshot.events = Some(rich_events(&snapshot));
    // `merge` stamps every cluster; these keep what they were given.
    for (i, cluster) in snapshot.clusters.iter_mut().enumerate() {
        let cluster = Arc::make_mut(cluster);
        cluster.stale = i % 2 == 1;
        cluster.as_of = (i != 4).then_some(EARLIER);
    }
    snapshot
}

#[test]
fn every_field_of_every_cluster_survives_the_columns() {
    let snapshot = rich_snapshot();
    let bytes = snapshot_bytes(&snapshot);
    let loaded = read_snapshot(&bytes, KEY).unwrap().unwrap();
    assert_eq!(loaded, snapshot);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        !text.contains("managedClusters/aks-3"),
        "an id made of its parts is not written out whole: {text}"
    );
    assert_eq!(read_any_snapshot(&bytes).unwrap(), snapshot, "whatever the key");
}

#[test]
fn a_loaded_snapshot_shares_what_its_clusters_have_in_common() {
    use crate::model::Atom;
    let loaded = read_snapshot(&snapshot_bytes(&rich_snapshot()), KEY).unwrap().unwrap();
    let (a, b) = (&loaded.clusters[0], &loaded.clusters[2]);
    assert!(Atom::ptr_eq(&a.location, &b.location));
    assert!(Atom::ptr_eq(
        a.kubernetes_version.as_ref().unwrap(),
        b.kubernetes_version.as_ref().unwrap()
    ));
    assert!(Atom::ptr_eq(
        a.pools[0].node_image_version.as_ref().unwrap(),
        b.pools[1].node_image_version.as_ref().unwrap()
    ));
    let configs = (a.maintenance.as_ref().unwrap(), b.maintenance.as_ref().unwrap());
    assert!(Atom::ptr_eq(&configs.0[0].name, &configs.1[0].name));
    assert!(Atom::ptr_eq(
        &configs.0[0].schedule.as_ref().unwrap().summary,
        &configs.1[0].schedule.as_ref().unwrap().summary
    ));
}

#[test]
fn a_fleet_that_repeats_itself_is_stored_in_a_fraction_of_its_json() {
    let clusters: Vec<Cluster> = (0..200).map(|n| everything("sub-a", n % 7)).collect();
    let snapshot = merge(None, fleet(clusters, vec![state("sub-a", None)]), KEY, NOW);
    let stored = snapshot_bytes(&snapshot).len();
    let plain = serde_json::to_vec(&snapshot).unwrap().len();
    assert!(stored * 5 < plain, "stored {stored} bytes, plain JSON {plain}");
}

#[test]
fn a_column_that_does_not_fit_is_damage_named_by_the_column_never_a_panic() {
    let good: serde_json::Value = serde_json::from_slice(&snapshot_bytes(&rich_snapshot())).unwrap();
    type Damage = fn(&mut serde_json::Value);
    let cases: [(&str, Damage, &str); 7] = [
        (
            "short column",
            |v| v["clusters"]["location"] = serde_json::json!([0]),
            "`location`",
        ),
        (
            "text past the table",
            |v| v["clusters"]["name"][0] = 9999.into(),
            "`name` points at 9999",
        ),
        (
            "pools that do not add up",
            |v| v["clusters"]["pools"][0] = 40.into(),
            "`pools.name`",
        ),
        (
            "a stale cluster that is not there",
            |v| v["clusters"]["stale"] = serde_json::json!([70]),
            "`clusters.stale`",
        ),
        (
            "a pattern without places",
            |v| {
                let texts = v["tables"]["texts"].as_array_mut().unwrap();
                let pattern = texts.iter().position(|t| t.as_str().unwrap().contains("{}")).unwrap();
                texts[pattern] = "no places".into();
            },
            "places",
        ),
        (
            "a list past its table",
            |v| v["clusters"]["maintenance"][0] = 77.into(),
            "`maintenance`",
        ),
        (
            "a time out of range",
            |v| v["clusters"]["asOfAgo"][0] = i64::MIN.into(),
            "`clusters.asOfAgo`",
        ),
    ];
    for (what, damage, want) in cases {
        let mut bad = good.clone();
        damage(&mut bad);
        match read_snapshot(&serde_json::to_vec(&bad).unwrap(), KEY) {
            Err(Unreadable::Damaged(message)) => assert!(message.contains(want), "{what}: {message}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn a_column_it_does_not_know_is_skipped_and_a_missing_one_reads_as_its_default() {
    let mut value: serde_json::Value = serde_json::from_slice(&snapshot_bytes(&first_read())).unwrap();
    value["clusters"]["addedByALaterVersion"] = serde_json::json!([1, 2, 3, 4]);
    value["tables"]["anotherTable"] = serde_json::json!(["x"]);
    let columns = value["clusters"].as_object_mut().unwrap();
    columns.remove("powerState");
    columns.remove("stale");
    let loaded = read_snapshot(&serde_json::to_vec(&value).unwrap(), KEY)
        .unwrap()
        .unwrap();
    let mut want = first_read();
    for cluster in &mut want.clusters {
        Arc::make_mut(cluster).power_state = None;
    }
    assert_eq!(loaded, want);
}
