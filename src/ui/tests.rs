//! Screens rendered into a `TestBackend` and snapshotted as text, with the few colours
//! and modifiers that carry meaning asserted on cells. States are reached through the
//! real `update`, the clock is fixed, so every frame is reproducible.
//!
//! Long because every screen and overlay shares one fixture fleet and one set of
//! render helpers; the snapshots it names live in `src/ui/snapshots/`.

use std::collections::BTreeMap;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use time::macros::{date, datetime};
use time::{OffsetDateTime, Weekday};

use super::*;
use crate::app::action::{Action, PromptKey};
use crate::app::line::Edit;
use crate::app::state::{DataSource, State};
use crate::app::update::update;
use crate::config::{Config, Waiver};
use crate::model::support::OfferedMinor;
use crate::model::window::{Recurrence, Timing, Window};
use crate::model::{AgentPool, Cluster, MaintenanceConfig, Rule, SourceError, SubscriptionState};
use crate::model::{ClusterDetails, DetailPart, Progress};
use crate::model::{EventKind, EventStatus, MaintenanceSchedule, RegionOffer, UpgradeEvent};
use crate::remediate::Format;
use crate::rules;

mod apply;

pub(super) const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
const PROD: &str = "11111111-1111-1111-1111-111111111111";
const DEV: &str = "22222222-2222-2222-2222-222222222222";
const LEGACY: &str = "33333333-3333-3333-3333-333333333333";

pub(super) fn config() -> Config {
    Config {
        waivers: vec![Waiver {
            cluster: "aks-legacy-*".into(),
            rule: Rule::NodeAutoUpgrade,
            reason: "Windows nodes are patched by the payments team until the 2027 migration".into(),
            expires: Some(date!(2027 - 06 - 30)),
        }],
        ..Config::default()
    }
}

fn pool(name: &str, version: &str, image: &str) -> AgentPool {
    AgentPool {
        name: name.into(),
        mode: Some(if name == "system" { "System" } else { "User" }.into()),
        os_type: Some("Linux".into()),
        os_sku: Some("Ubuntu".into()),
        orchestrator_version: Some(version.into()),
        node_image_version: Some(image.into()),
        count: Some(3),
        latest_node_image_version: None,
        upgrades: None,
    }
}

/// A weekly window on `day` at `hour` in `offset` for `hours`, from 2026-01-01.
pub(super) fn weekly(day: Weekday, hour: u8, offset: i8, hours: u8) -> MaintenanceSchedule {
    MaintenanceSchedule::of(
        Timing::Window(Window {
            recurrence: Recurrence::Weekly { every: 1, day },
            duration_hours: hours,
            start_time: time::Time::from_hms(hour, 0, 0).expect("an hour"),
            utc_offset: time::UtcOffset::from_hms(offset, 0, 0).expect("an offset"),
            start_date: Some(date!(2026 - 01 - 01)),
            not_allowed: Vec::new(),
        }),
        None,
    )
}

/// Sunday 00:00–04:00 UTC, and Saturday 22:00–04:00 at +01:00 (21:00 UTC): both open
/// first on the weekend after NOW (Thursday noon).
pub(super) fn both_windows() -> Option<Vec<MaintenanceConfig>> {
    Some(vec![
        MaintenanceConfig {
            name: "aksManagedAutoUpgradeSchedule".into(),
            schedule: Some(std::sync::Arc::new(weekly(Weekday::Sunday, 0, 0, 4))),
        },
        MaintenanceConfig {
            name: "aksManagedNodeOSUpgradeSchedule".into(),
            schedule: Some(std::sync::Arc::new(weekly(Weekday::Saturday, 22, 1, 6))),
        },
    ])
}

/// AKS's scheduled events of the fixture fleet: aks-prod-weu-2's node OS upgrade failed
/// two days ago and the next is scheduled; its Kubernetes upgrade completed; the
/// legacy payments cluster's node OS upgrade was canceled.
pub(super) fn events() -> Vec<UpgradeEvent> {
    let event = |cluster: &str, n: u32, kind: EventKind, status: EventStatus, hours: i64| {
        let id = clusters()
            .into_iter()
            .find(|c| c.name == cluster)
            .expect("a fixture cluster")
            .id;
        let at = NOW + time::Duration::hours(hours);
        UpgradeEvent {
            id: format!("{id}/scheduledevents/e-{n}").into(),
            cluster_id: id.into(),
            event_id: Some(format!("e-{n}").into()),
            kind,
            status: status.clone(),
            scheduled: Some(at),
            started: (status != EventStatus::Scheduled).then_some(at),
            // A scheduled one was last updated when AKS gave notice, a week before.
            updated: Some(if status == EventStatus::Scheduled {
                at - time::Duration::days(7)
            } else {
                at + time::Duration::minutes(50)
            }),
            details: (status == EventStatus::Failed)
                .then(|| "Drain of node aks-user-1 failed: PodDisruptionBudget blocks eviction".into()),
        }
    };
    vec![
        event("aks-prod-weu-2", 1, EventKind::NodeOs, EventStatus::Failed, -47),
        event("aks-prod-weu-2", 2, EventKind::NodeOs, EventStatus::Scheduled, 57),
        event("aks-prod-weu-2", 3, EventKind::Kubernetes, EventStatus::Completed, -108),
        event(
            "aks-legacy-payments-cluster-with-a-very-long-name-eastus2",
            4,
            EventKind::NodeOs,
            EventStatus::Canceled,
            -200,
        ),
    ]
}

/// What westeurope offers: 1.33 to 1.35, so a 1.32 cluster there is below the oldest.
pub(super) fn regions() -> BTreeMap<String, RegionOffer> {
    let offer = |minor| OfferedMinor {
        minor,
        plans: vec!["KubernetesOfficial".into(), "AKSLongTermSupport".into()],
        preview: false,
    };
    BTreeMap::from([(
        "westeurope".to_string(),
        RegionOffer {
            minors: vec![offer((1, 33)), offer((1, 34)), offer((1, 35))],
        },
    )])
}

#[expect(clippy::too_many_arguments, reason = "a fixture table reads better flat")]
fn cluster(
    name: &str,
    subscription: (&str, &str),
    group: &str,
    location: &str,
    version: &str,
    upgrade: Option<&str>,
    node_os: Option<&str>,
    age_minutes: i64,
) -> Cluster {
    let image = "AKSUbuntu-2204gen2containerd-202609.15.0";
    Cluster {
        id: format!(
            "/subscriptions/{}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}",
            subscription.0
        ),
        name: name.into(),
        subscription_id: subscription.0.into(),
        subscription_name: Some(subscription.1.into()),
        resource_group: group.into(),
        location: location.into(),
        tags: BTreeMap::new().into(),
        kubernetes_version: Some(version.into()),
        current_kubernetes_version: Some(version.into()),
        upgrade_channel: upgrade.map(Into::into),
        node_os_upgrade_channel: node_os.map(Into::into),
        provisioning_state: Some("Succeeded".into()),
        power_state: Some("Running".into()),
        sku_name: Some("Base".into()),
        sku_tier: Some("Standard".into()),
        support_plan: Some("KubernetesOfficial".into()),
        pools: vec![pool("system", version, image), pool("user", version, image)],
        maintenance: None,
        upgrades: None,
        origin: Default::default(),
        version_supported_in_region: None,
        details: None,
        as_of: Some(NOW - time::Duration::minutes(age_minutes)),
        stale: false,
        source: None,
    }
}

pub(super) fn clusters() -> Vec<Cluster> {
    let prod = (PROD, "Production");
    let dev = (DEV, "Development");
    let legacy = (LEGACY, "Legacy");
    let mut failing = cluster(
        "aks-prod-weu-1",
        prod,
        "rg-prod",
        "westeurope",
        "1.32.4",
        None,
        Some("Unmanaged"),
        4,
    );
    // Mid-upgrade, and the last operation failed: the wide columns have something to say.
    failing.current_kubernetes_version = Some("1.31.9".into());
    failing.provisioning_state = Some("Failed".into());
    failing.tags = BTreeMap::from([
        ("env".into(), "prod".into()),
        // Untrusted text: an OSC 52 sequence in a tag must not reach the terminal.
        ("owner".into(), "ops\x1b]52;c;cm0gLXJmIC8=\x07team".into()),
    ])
    .into();
    let mut passing = cluster(
        "aks-prod-weu-2",
        prod,
        "rg-prod",
        "westeurope",
        "1.33.7",
        Some("patch"),
        Some("SecurityPatch"),
        4,
    );
    passing.maintenance = both_windows();
    let unknown = cluster(
        "aks-dev-neu-1",
        dev,
        "rg-dev-team",
        "northeurope",
        "1.34.1",
        Some("stable"),
        Some("NodeImage"),
        5,
    );
    let mut waived = cluster(
        "aks-legacy-payments-cluster-with-a-very-long-name-eastus2",
        legacy,
        "rg-legacy-payments-production-eastus2",
        "eastus2",
        "1.33.8",
        Some("patch"),
        Some("None"),
        6,
    );
    waived.maintenance = both_windows();
    waived.pools[1].os_type = Some("Windows".into());
    waived.pools[1].os_sku = Some("Windows2022".into());
    waived.pools[1].node_image_version = Some("AKSWindows-2022-containerd-20348.2340.260801".into());
    let mut stale = cluster(
        "aks-legacy-batch",
        legacy,
        "rg-legacy",
        "eastus2",
        "1.31.2",
        Some("patch"),
        None,
        125,
    );
    stale.stale = true;
    vec![failing, passing, unknown, waived, stale]
}

pub(super) fn subscriptions() -> Vec<SubscriptionState> {
    [(PROD, "Production"), (DEV, "Development"), (LEGACY, "Legacy")]
        .map(|(id, name)| SubscriptionState {
            id: id.into(),
            name: Some(name.into()),
            fetched_at: Some(NOW),
            error: None,
        })
        .into()
}

pub(super) fn live_state(width: u16, height: u16) -> State {
    live_state_with(config(), width, height)
}

pub(super) fn live_state_with(config: Config, width: u16, height: u16) -> State {
    let config = Arc::new(config);
    let data_source = DataSource::Arm {
        endpoint: "https://management.azure.com".into(),
    };
    let mut state = State::new(config.clone(), data_source, NOW);
    state.subscriptions = subscriptions();
    state.regions = regions();
    state.events = Some(events());
    state.set_fleet(rules::assess(clusters(), &config, NOW.date()));
    update(
        &mut state,
        Action::Resize {
            rows: table_rows(Rect::new(0, 0, width, height)),
        },
    );
    state
}

pub(super) fn command(state: &mut State, command: Command) {
    update(state, Action::Command(command));
}

/// Opens the filter line and types `text` into it (Enter not pressed).
pub(super) fn type_filter(state: &mut State, text: &str) {
    command(state, Command::Filter);
    for c in text.chars() {
        update(state, Action::Prompt(PromptKey::Edit(Edit::Insert(c))));
    }
}

pub(super) fn accept(state: &mut State) {
    update(state, Action::Prompt(PromptKey::Accept));
}

pub(super) fn render(state: &State, width: u16, height: u16, theme: Theme) -> Buffer {
    render_with(state, &Keymap::default(), width, height, theme)
}

fn render_with(state: &State, keymap: &Keymap, width: u16, height: u16, theme: Theme) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|frame| draw(frame, state, keymap, theme)).expect("draw");
    terminal.backend().buffer().clone()
}

/// The buffer as text, one line per row, trailing spaces removed.
pub(super) fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn screen(state: &State, width: u16, height: u16) -> String {
    text(&render(state, width, height, Theme { color: true }))
}

/// Where `needle` starts on screen, as (x, y).
pub(super) fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    (0..area.height).find_map(|y| {
        let cells: Vec<&str> = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        let line = cells.concat();
        let byte = line.find(needle)?;
        // Cells hold one character each here, so the byte offset maps back through them.
        let mut seen = 0;
        let x = cells.iter().position(|c| {
            let at = seen;
            seen += c.len();
            at == byte
        })?;
        Some((x as u16, y))
    })
}

fn selected_id(state: &State) -> String {
    state
        .selected_item()
        .expect("a selected cluster")
        .cluster
        .id
        .to_ascii_lowercase()
}

/// The three sizes every main screen is snapshotted at: a laptop's 80x24, a split
/// screen's 120x40 and a wide monitor's 200x50.
pub(super) const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

#[test]
fn fleet_table() {
    for (w, h) in SIZES {
        let state = live_state(w, h);
        insta::assert_snapshot!(format!("fleet_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn columns_give_way_by_priority_and_the_title_names_the_ones_left_out() {
    // At 80 columns every name is whole (no `…` in the NAME column), the verdict shows,
    // and the title lists what a wider terminal shows.
    let state = live_state(80, 24);
    let shown = screen(&state, 80, 24);
    for item in &state.fleet {
        let name = &item.cluster.name;
        if name.len() <= 40 {
            assert!(shown.contains(name.as_str()), "{name} whole at 80 columns:\n{shown}");
        }
    }
    assert!(shown.contains("VERDICT"), "{shown}");
    assert!(
        shown.contains("Clusters 5 of 5 · not shown (too narrow): SUBSCRIPTION"),
        "{shown}"
    );
    // At 120 the 57-character name keeps its full width first; SUBSCRIPTION gives way
    // and says so, rather than showing a stub.
    let shown = screen(&live_state(120, 40), 120, 40);
    assert!(
        shown.contains("aks-legacy-payments-cluster-with-a-very-long-name-eastus2"),
        "{shown}"
    );
    assert!(shown.contains("not shown (too narrow): SUBSCRIPTION"), "{shown}");
    // Without it, the subscriptions are back, whole.
    let mut short = live_state(120, 40);
    type_filter(&mut short, "!legacy-payments");
    accept(&mut short);
    let shown = screen(&short, 120, 40);
    assert!(shown.contains("Production") && shown.contains("Development"), "{shown}");
    // At 200 the calendar columns join whole, before the subscription and group.
    let shown = screen(&live_state(200, 50), 200, 50);
    for title in ["SUPPORT", "NEXT WINDOW", "SUBSCRIPTION", "RESOURCE GROUP"] {
        assert!(shown.contains(title), "{title} at 200 columns:\n{shown}");
    }
    assert!(
        shown.contains("out (forced upgrade)") && shown.contains("in 2 d 9 h"),
        "{shown}"
    );
    assert!(
        shown.contains("not shown (too narrow): LOCATION, RUNNING, PROVISIONING"),
        "{shown}"
    );
    // At 240 the wide columns show too: PROVISIONING, and RUNNING where it differs.
    let shown = screen(&live_state(240, 50), 240, 50);
    for title in ["LOCATION", "PROVISIONING", "RUNNING", "RESOURCE GROUP", "SUPPORT"] {
        assert!(shown.contains(title), "{title} at 240 columns:\n{shown}");
    }
    assert!(shown.contains("Failed"), "the failed provisioning state: {shown}");
    assert!(!shown.contains("not shown"), "{shown}");
}

#[test]
fn narrow_table_keeps_the_name_and_the_verdict() {
    let state = live_state(60, 12);
    let shown = screen(&state, 60, 12);
    insta::assert_snapshot!("fleet_60x12", shown);
    assert!(shown.contains("VERDICT"), "{shown}");
    assert!(shown.contains("NAME"), "{shown}");
}

#[test]
fn a_remembered_filter_and_unread_subscriptions_show_in_the_header() {
    let mut state = live_state(120, 40);
    let saved = crate::app::saved::Saved {
        fleets: [(
            state.fleet_key.clone(),
            crate::app::saved::FleetView {
                filter: "stale:yes".into(),
                ..Default::default()
            },
        )]
        .into(),
        ..Default::default()
    };
    saved.apply(&mut state);
    state.subscriptions[1].error = Some(SourceError {
        subscription_id: Some(DEV.into()),
        url: None,
        code: Some("AuthorizationFailed".into()),
        message: "no access".into(),
    });
    state.recompute();
    let shown = screen(&state, 120, 40);
    let header = shown.lines().next().expect("a header");
    assert!(header.contains("1 of 5 clusters · filter stale:yes"), "{header}");
    assert!(header.contains("1 of 3 subscriptions unread"), "{header}");
    // Development's clusters were read fresh before: nothing of it is stale, so
    // nothing claims "their last good rows are shown".
    let activity = shown.lines().nth(3).expect("the activity line");
    assert!(
        activity.contains("1 of 3 subscriptions could not be read; no earlier rows of theirs to show"),
        "{activity}"
    );
    assert_eq!(shown.matches("could not be read").count(), 1, "said once:\n{shown}");
}

#[test]
fn loading() {
    let state = State::new(Arc::new(config()), DataSource::Demo, NOW);
    insta::assert_snapshot!("loading", screen(&state, 120, 30));
}

#[test]
fn refreshing_with_a_failing_subscription() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Refresh);
    let generation = state.refresh.generation;
    let progress = [
        Progress::Subscriptions { total: 3 },
        Progress::Page {
            subscription: PROD.into(),
            clusters: 240,
        },
        Progress::Done {
            subscription: PROD.into(),
            clusters: 240,
        },
        Progress::Failed {
            subscription: LEGACY.into(),
            message: "AuthorizationFailed".into(),
        },
        Progress::Waiting {
            url: "https://x".into(),
            seconds: 2.0,
            why: "throttled (429)".into(),
        },
    ];
    for progress in progress {
        update(&mut state, Action::Progress { generation, progress });
    }
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("refreshing", shown);
    assert!(shown.contains("2/3 subscriptions"), "{shown}");
    assert!(shown.contains("1 failing (press !)"), "{shown}");
}

#[test]
fn empty_when_the_filter_matches_nothing() {
    let mut state = live_state(120, 30);
    type_filter(&mut state, "nosuchcluster");
    accept(&mut state);
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("empty_filter", shown);
    assert!(
        shown.contains("No clusters match the filter `nosuchcluster`"),
        "{shown}"
    );
}

#[test]
fn empty_fleet() {
    let config = Arc::new(config());
    let mut state = State::new(config, DataSource::Files(vec!["fleet.json".into()]), NOW);
    state.set_fleet(Vec::new());
    let shown = screen(&state, 120, 30);
    assert!(shown.contains("No clusters in this fleet"), "{shown}");
    assert!(shown.contains("data from files"), "{shown}");
}

#[test]
fn filter_being_typed_with_a_parse_error() {
    let mut state = live_state(120, 30);
    type_filter(&mut state, "prod k8s:>=1.x");
    assert!(state.prompt.as_ref().is_some_and(|p| p.error.is_some()));
    let buffer = render(&state, 120, 30, Theme { color: true });
    let shown = text(&buffer);
    insta::assert_snapshot!("filter_error", shown);
    // The error names the term, on the line above the status line, in red.
    let (x, y) = find(&buffer, "✗ not applied: `k8s:>=1.x`").expect("the error is shown");
    assert_eq!(y, 28);
    assert_eq!(buffer[(x, y)].fg, Color::Red);
}

#[test]
fn filter_applied() {
    let mut state = live_state(120, 30);
    type_filter(&mut state, "prod");
    accept(&mut state);
    insta::assert_snapshot!("filter_applied", screen(&state, 120, 30));
}

fn open_first(width: u16, height: u16) -> State {
    let mut state = live_state(width, height);
    command(&mut state, Command::Open);
    state
}

fn details() -> ClusterDetails {
    ClusterDetails {
        maintenance: Some(vec![MaintenanceConfig {
            name: "aksManagedAutoUpgradeSchedule".into(),
            schedule: Some(std::sync::Arc::new(weekly(Weekday::Saturday, 22, 0, 6))),
        }]),
        upgrades: None,
        latest_images: Some(vec![
            ("system".into(), "AKSUbuntu-2204gen2containerd-202611.10.0".into()),
            ("user".into(), "AKSUbuntu-2204gen2containerd-202609.15.0".into()),
        ]),
        version_supported: Some(false),
        failed: vec![(
            DetailPart::UpgradeProfile,
            SourceError {
                subscription_id: Some(PROD.into()),
                url: Some("https://management.azure.com/subscriptions/1111/upgradeProfiles/default".into()),
                code: Some("AuthorizationFailed".into()),
                message: "The client does not have authorization to perform action \x1b[31mread\x1b[0m.".into(),
            },
        )],
    }
}

/// The state after a refresh whose details read got `details` for the cluster `id`
/// (read `minutes` ago), as the dashboard gets it: every cluster assessed again.
fn read_details(state: &mut State, id: &str, details: ClusterDetails, minutes: i64) {
    let mut clusters: Vec<Cluster> = state.fleet.iter().map(|a| (*a.cluster).clone()).collect();
    for cluster in &mut clusters {
        if cluster.id.eq_ignore_ascii_case(id) {
            details.clone().apply(cluster, NOW - time::Duration::minutes(minutes));
        }
    }
    let assessed = rules::assess(clusters, &state.config, NOW.date());
    state.set_fleet(assessed);
}

#[test]
fn cluster_view_while_details_load() {
    let mut state = open_first(120, 30);
    // A refresh read the list and reads every cluster's details; this one had none
    // from before: they are being read.
    state.refresh.running = true;
    state.refresh.details = Some(crate::app::state::DetailsProgress {
        total: 20,
        done: 5,
        failed: 1,
    });
    assert!(matches!(state.screen, Screen::Cluster { .. }));
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("cluster_loading", shown);
    assert!(shown.contains("being read…"), "{shown}");
    assert!(
        shown.contains("reading details ▕███░░░░░░░░░▏ 5/20 requests of 5 clusters · 1 failing"),
        "{shown}"
    );
    assert!(!shown.contains('\x1b'), "untrusted text is cleaned");
}

#[test]
fn cluster_view_with_details() {
    let mut state = open_first(160, 45);
    let id = selected_id(&state);
    let mut read = details();
    read.failed.clear();
    read.upgrades = Some(crate::model::UpgradeProfile {
        control_plane: vec!["1.34.7".into(), "1.35.2".into()],
        pools: vec![],
    });
    read_details(&mut state, &id, read, 3);
    let buffer = render(&state, 160, 45, Theme { color: true });
    let shown = text(&buffer);
    insta::assert_snapshot!("cluster_loaded", shown);
    assert!(shown.contains("newer available"), "{shown}");
    assert!(shown.contains("up to date"), "{shown}");
    assert!(shown.contains("no longer offered in this location"), "{shown}");
    assert!(shown.contains("1.34.7, 1.35.2 (az aks get-upgrades)"), "{shown}");
    let (x, y) = find(&buffer, "Fail     NodeAutoUpgrade").expect("the finding is shown");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
}

#[test]
fn cluster_view_scrolls_to_the_end_and_no_further() {
    let mut state = open_first(120, 30);
    let id = selected_id(&state);
    read_details(&mut state, &id, details(), 3);
    for _ in 0..200 {
        command(&mut state, Command::Down);
    }
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("cluster_scrolled", shown);
    assert!(shown.contains("[AuthorizationFailed] The upgrade profile"), "{shown}");
}

#[test]
fn raw_json_loading_then_loaded() {
    let mut state = open_first(120, 30);
    command(&mut state, Command::Raw);
    insta::assert_snapshot!("raw_loading", screen(&state, 120, 30));
    let id = selected_id(&state);
    let json = serde_json::to_string_pretty(&state.fleet[state.find(&id).expect("open")].cluster).expect("json");
    update(&mut state, Action::Raw { id, text: Ok(json) });
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("raw_loaded", shown);
    assert!(!shown.contains('\x1b'));
}

#[test]
fn fix_popup_in_every_format() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Fix);
    for format in crate::remediate::Format::ALL {
        let buffer = render(&state, 120, 30, Theme { color: true });
        let shown = text(&buffer);
        let name = format!("fix_{format:?}").to_lowercase();
        insta::assert_snapshot!(name, shown);
        let (x, y) = find(&buffer, &format!("[{}]", format.label())).expect("the current format is marked");
        assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
        command(&mut state, Command::NextFormat);
    }
}

#[test]
fn help() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Help);
    let shown = screen(&state, 120, 45);
    insta::assert_snapshot!("help", shown);
    assert!(shown.contains("OSC 52"));
    // The filter language is at the end, scrolled to in `help_lists_the_whole_filter_language`.
    assert!(shown.contains(" of "), "the position shows there is more: {shown}");
}

#[test]
fn errors_list_and_none() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Errors);
    assert!(screen(&state, 120, 30).contains("No errors"));
    let error = SourceError {
        subscription_id: Some(LEGACY.into()),
        url: Some(format!(
            "https://management.azure.com/subscriptions/{LEGACY}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01"
        )),
        code: Some("AuthorizationFailed".into()),
        message: "The client 'aksradar' does not have authorization to perform action \
                  'Microsoft.ContainerService/managedClusters/read' over scope '/subscriptions/3333'."
            .into(),
    };
    state.errors = vec![error.clone()];
    state.subscriptions[2].error = Some(error);
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("errors", shown);
    assert!(shown.contains("1 of 3 subscriptions could not be read"), "{shown}");
}

#[test]
fn too_small() {
    let state = live_state(59, 12);
    insta::assert_snapshot!("too_small", screen(&state, 59, 12));
    assert_eq!(text(&render(&state, 1, 1, Theme { color: true })), "T");
}

#[test]
fn no_size_panics_on_any_screen() {
    let mut states = vec![live_state(120, 30), open_first(120, 30)];
    for overlay in [Command::Fix, Command::Help, Command::Errors, Command::Raw] {
        let mut state = open_first(120, 30);
        command(&mut state, overlay);
        states.push(state);
    }
    for commands in [
        &[Command::SubscriptionsView][..],
        &[Command::PostureView],
        &[Command::Mark, Command::Mark, Command::BatchFix],
        &[Command::OnlyFailing],
    ] {
        let mut state = live_state(120, 30);
        for c in commands {
            command(&mut state, *c);
        }
        states.push(state);
    }
    let mut empty = State::new(Arc::new(config()), DataSource::Demo, NOW);
    command(&mut empty, Command::SubscriptionsView);
    states.push(empty);
    let mut empty = State::new(Arc::new(config()), DataSource::Demo, NOW);
    command(&mut empty, Command::PostureView);
    states.push(empty);
    for state in &states {
        for (w, h) in [
            (0, 0),
            (0, 10),
            (10, 0),
            (1, 1),
            (59, 11),
            (60, 12),
            (61, 13),
            (80, 24),
            (300, 100),
        ] {
            let _ = render(state, w, h, Theme { color: false });
        }
    }
}

#[test]
fn verdicts_are_coloured_and_read_without_colour() {
    let state = live_state(120, 30);
    let colour = render(&state, 120, 30, Theme { color: true });
    let plain = render(&state, 120, 30, Theme { color: false });
    for (needle, want) in [
        ("Fail (", Color::Red),
        ("Unknown", Color::Yellow),
        ("Waived", Color::Cyan),
        ("Pass", Color::Green),
    ] {
        let (x, y) = find(&colour, needle).unwrap_or_else(|| panic!("{needle} is shown"));
        assert_eq!(colour[(x, y)].fg, want, "{needle}");
        let (x, y) = find(&plain, needle).unwrap_or_else(|| panic!("{needle} is shown without colour"));
        assert_eq!(plain[(x, y)].fg, Color::Reset, "{needle} without colour");
    }
    // No colour anywhere without colour.
    assert!(
        plain
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}

#[test]
fn stale_rows_are_dim_and_marked() {
    let state = live_state(120, 30);
    for color in [true, false] {
        let buffer = render(&state, 120, 30, Theme { color });
        let (x, y) = find(&buffer, "aks-legacy-batch").expect("the stale row is shown");
        assert!(buffer[(x, y)].modifier.contains(Modifier::DIM));
        let (_, marker_row) = find(&buffer, "(stale)").expect("the stale marker is shown");
        assert_eq!(marker_row, y);
    }
}

#[test]
fn the_selected_row_is_highlighted_and_reversed_without_colour() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Down);
    let name = state.selected_item().expect("selected").cluster.name.clone();
    let buffer = render(&state, 120, 30, Theme { color: false });
    let (x, y) = find(&buffer, &name).expect("selected row shown");
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    assert_eq!(buffer[(0, y)].symbol(), "▶");
    let (other_x, other_y) = find(&buffer, "aks-prod-weu-2").expect("another row");
    assert!(other_y != y && !buffer[(other_x, other_y)].modifier.contains(Modifier::REVERSED));
    let buffer = render(&state, 120, 30, Theme { color: true });
    assert_eq!(buffer[(x, y)].bg, Color::DarkGray);
}

#[test]
fn the_selection_stays_in_view_after_a_resize_the_state_has_not_heard_of() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Bottom);
    let name = state.selected_item().expect("selected").cluster.name.clone();
    // 5 clusters, and a terminal that shows only 6 rows less than the state thinks.
    let shown = screen(&state, 120, 12);
    assert!(shown.contains(name.as_str()), "{shown}");
}

#[test]
fn table_rows_match_the_layout() {
    assert_eq!(table_rows(Rect::new(0, 0, 120, 30)), 22);
    assert_eq!(table_rows(Rect::new(0, 0, 60, 12)), 4);
    assert_eq!(table_rows(Rect::new(0, 0, 10, 2)), 1, "never zero");
    // The table really shows that many rows: fill a fleet and count them.
    let many = big_state(100);
    let shown = screen(&many, 120, 30);
    let rows = shown.lines().filter(|l| l.contains("aks-")).count();
    assert_eq!(rows, table_rows(Rect::new(0, 0, 120, 30)));
}

fn big_state(n: usize) -> State {
    let config = Arc::new(config());
    let template = cluster(
        "aks",
        (PROD, "Production"),
        "rg",
        "westeurope",
        "1.33.7",
        Some("patch"),
        None,
        4,
    );
    let clusters = (0..n)
        .map(|i| Cluster {
            name: format!("aks-{i:05}").into(),
            id: format!("{}-{i}", template.id),
            ..template.clone()
        })
        .collect();
    let mut state = State::new(config.clone(), DataSource::Demo, NOW);
    state.set_fleet(rules::assess(clusters, &config, NOW.date()));
    update(
        &mut state,
        Action::Resize {
            rows: table_rows(Rect::new(0, 0, 160, 45)),
        },
    );
    state
}

/// A frame at 160x45 as text. (How long it takes is the dashboard bench's to say.)
fn frame_text(state: &State) -> String {
    screen(state, 160, 45)
}

#[test]
fn a_frame_of_ten_thousand_clusters_draws_the_page_the_cursor_is_on() {
    let mut state = big_state(10_000);
    command(&mut state, Command::PageDown);
    command(&mut state, Command::PageDown);
    let shown = frame_text(&state);
    let name = state.selected_item().expect("selected").cluster.name.clone();
    let line = shown
        .lines()
        .find(|l| l.contains(name.as_str()))
        .expect("the selected row is drawn");
    assert!(line.starts_with('▶'), "{line}");
    assert!(shown.contains("Clusters 10000 of 10000"), "the row count: {shown}");
}

#[test]
fn ages_read_the_way_people_say_them() {
    use time::Duration;
    let cases = [
        (Duration::seconds(-5), "0s"),
        (Duration::seconds(45), "45s"),
        (Duration::minutes(4), "4m"),
        (Duration::minutes(59) + Duration::seconds(59), "59m"),
        (Duration::minutes(125), "2h 5m"),
        (Duration::hours(50), "2d 2h"),
    ];
    for (age, want) in cases {
        assert_eq!(header::format_age(age), want, "{age}");
    }
}

#[test]
fn text_helpers_cut_pad_and_wrap_by_display_width() {
    assert_eq!(truncate("aks-prod-weu-1", 20), "aks-prod-weu-1");
    assert_eq!(truncate("aks-prod-weu-1", 8), "aks-pro…");
    assert_eq!(truncate("名前名前", 5), "名前…");
    assert_eq!(truncate("abc", 0), "");
    assert_eq!(pad("ab", 4), "ab  ");
    assert_eq!(pad("abcdef", 4), "abc…");
    assert_eq!(wrap("one two three", 7), ["one two", "three"]);
    assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert_eq!(wrap("", 4), [""]);
    assert_eq!(visible_range(100, 10, 500), 90..100);
    assert_eq!(visible_range(5, 10, 3), 0..5);
}

#[test]
fn status_messages_show_above_the_status_line_errors_in_red() {
    let mut state = live_state(120, 30);
    state.say(
        "The fleet could not be read: \x1b[2Jtimeout",
        crate::app::state::Level::Error,
    );
    let buffer = render(&state, 120, 30, Theme { color: true });
    let (x, y) = find(&buffer, "The fleet could not be read: [2Jtimeout").expect("the message is shown, cleaned");
    assert_eq!((x, y), (0, 28));
    assert_eq!(buffer[(x, y)].fg, Color::Red);
}

#[test]
fn the_cluster_view_shows_the_waiver_and_policy_beside_psrule() {
    let mut state = live_state(120, 30);
    let waived = state
        .visible
        .iter()
        .position(|&r| state.rows[r].cells[crate::filter::Column::Verdict] == "Waived")
        .expect("a waived row");
    for _ in 0..waived {
        command(&mut state, Command::Down);
    }
    command(&mut state, Command::Open);
    for _ in 0..30 {
        command(&mut state, Command::Down);
    }
    let buffer = render(&state, 120, 30, Theme { color: true });
    let shown = text(&buffer);
    assert!(shown.contains("waiver:"), "{shown}");
    let (x, y) = find(&buffer, "Waived").expect("the waived finding");
    assert_eq!(buffer[(x, y)].fg, Color::Cyan);
    assert!(shown.contains("Non-compliant: nodeOSUpgradeChannel is None"), "{shown}");
    assert!(shown.contains("NodeAutoUpgrade Waived"), "{shown}");
}

fn highlight_config() -> Config {
    let mut config = config();
    config.highlight.tags = vec!["env=prod".into()];
    config
}

/// A state with the first three rows marked (Space moves on, so three presses).
fn marked_state() -> State {
    let mut state = live_state_with(highlight_config(), 120, 30);
    for _ in 0..3 {
        command(&mut state, Command::Mark);
    }
    state
}

#[test]
fn view_tabs_show_the_current_view_and_the_keys() {
    let mut state = live_state(200, 30);
    let buffer = render(&state, 200, 30, Theme { color: true });
    let (x, y) = find(
        &buffer,
        "[1 clusters] 2 subscriptions 3 posture 4 upgrades 5 operations",
    )
    .expect("the tabs");
    assert_eq!(y, 1);
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    command(&mut state, Command::PostureView);
    assert!(screen(&state, 200, 30).contains("1 clusters 2 subscriptions [3 posture] 4 upgrades"));
    // Where the names do not fit, the other views keep their keys.
    assert!(screen(&state, 120, 30).contains("1 2 [3 posture] 4 5"));
    // A remapped key shows; narrow terminals keep the current view's name.
    let mut keymap = Keymap::default();
    keymap.rebind(Command::PostureView, &[crate::app::keymap::Key::char('p')]);
    let shown = text(&render_with(&state, &keymap, 120, 30, Theme { color: true }));
    assert!(shown.contains("[p posture]"), "{shown}");
    let shown = text(&render_with(&state, &keymap, 80, 24, Theme { color: true }));
    assert!(
        shown.contains("[p posture]") && !shown.contains("subscriptions"),
        "{shown}"
    );
}

#[test]
fn marks_and_highlighted_rows() {
    let state = marked_state();
    assert_eq!(state.marked_count(), 3);
    let buffer = render(&state, 120, 30, Theme { color: true });
    let shown = text(&buffer);
    insta::assert_snapshot!("marks_and_highlight", shown);
    assert!(shown.contains("3 marked"), "{shown}");
    assert!(shown.contains("Space mark · F batch fix"), "{shown}");
    // The highlighted (env=prod) row: its name bold magenta, a ◆ beside it.
    let (x, y) = find(&buffer, "aks-prod-weu-1").expect("the highlighted row");
    assert_eq!(buffer[(x, y)].fg, Color::Magenta);
    assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD));
    assert_eq!(buffer[(x - 2, y)].symbol(), table::HIGHLIGHTED);
    let (x, y) = find(&buffer, "aks-prod-weu-2").expect("a row not highlighted");
    assert_ne!(buffer[(x, y)].fg, Color::Magenta);
    assert_eq!(buffer[(x - 2, y)].symbol(), " ");

    // Without colour: the markers alone tell marked and highlighted rows apart.
    let plain = render(&state, 120, 30, Theme { color: false });
    for &row in &state.visible {
        let cluster = &state.fleet[state.rows[row].index].cluster;
        let start: String = cluster.name.chars().take(19).collect();
        let (x, y) = find(&plain, &start).expect("row shown");
        let mark = if state.is_marked(row) { table::MARKED } else { " " };
        assert_eq!(plain[(x - 3, y)].symbol(), mark, "{}", cluster.name);
        let highlight = if state.rows[row].highlighted {
            table::HIGHLIGHTED
        } else {
            " "
        };
        assert_eq!(plain[(x - 2, y)].symbol(), highlight, "{}", cluster.name);
    }
    assert!(
        plain
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}

#[test]
fn batch_fix_popup_counts_the_clusters() {
    let mut state = marked_state();
    command(&mut state, Command::BatchFix);
    let shown = screen(&state, 120, 30);
    insta::assert_snapshot!("batch_fix", shown);
    assert!(shown.contains("Batch fix: 3 clusters — [Azure CLI]"), "{shown}");
}

#[test]
fn the_fix_popup_shows_each_rule_with_its_count_and_the_toggles_change_the_text_in_place() {
    let mut state = marked_state();
    command(&mut state, Command::BatchFix);
    let buffer = render(&state, 120, 30, Theme { color: true });
    let shown = text(&buffer);
    assert!(
        shown.contains("Rules (Left/Right, t toggles): >[x] NodeAutoUpgrade 1<  [x] AutoUpgrade 1   [ ] Version 2"),
        "{shown}"
    );
    let (x, y) = find(&buffer, ">[x] NodeAutoUpgrade").expect("the rule cursor");
    assert!(
        buffer[(x, y)].modifier.contains(Modifier::REVERSED),
        "the rule under the cursor stands out"
    );
    // Right twice to Version, t: its fixes join the text, and the bar says so.
    command(&mut state, Command::NextRule);
    command(&mut state, Command::NextRule);
    command(&mut state, Command::ToggleRule);
    let shown = screen(&state, 120, 30);
    assert!(shown.contains(">[x] Version 2<"), "{shown}");
    let Some(Overlay::Fix(popup)) = &state.overlay else {
        panic!("the popup stays open")
    };
    assert!(popup.text.contains("Azure.AKS.Version (AZR-000015)"), "{}", popup.text);
    assert!(!popup.text.contains("Not asked for"), "nothing failing is left out now");
}

#[test]
fn help_lists_the_keys_that_work_here_first() {
    let mut state = live_state(120, 80);
    command(&mut state, Command::SubscriptionsView);
    command(&mut state, Command::Help);
    let shown = screen(&state, 120, 80);
    insta::assert_snapshot!("help_subscriptions_120x80", shown);
    let here = shown
        .find("Here, in the subscriptions view")
        .expect("a section for here");
    let elsewhere = shown.find("Elsewhere").expect("a section for the rest");
    let at = |description: &str| {
        shown
            .find(description)
            .unwrap_or_else(|| panic!("{description}: {shown}"))
    };
    assert!(
        here < at("the selected subscription's clusters") && at("the selected subscription's clusters") < elsewhere
    );
    assert!(
        at("sort by the next column") > elsewhere,
        "sorting does nothing in view 2"
    );
    assert!(at("mark or unmark") > elsewhere);
    // `?` again closes it.
    command(&mut state, Command::Help);
    assert!(state.overlay.is_none());
}

#[test]
fn help_shows_remapped_keys() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Help);
    let mut keymap = Keymap::default();
    keymap.rebind(Command::Refresh, &[crate::app::keymap::Key::char('R')]);
    let shown = text(&render_with(&state, &keymap, 120, 80, Theme { color: true }));
    insta::assert_snapshot!("help_remapped", shown);
    let refresh = shown
        .lines()
        .find(|l| l.contains("read the fleet again now"))
        .expect("refresh is listed");
    assert!(refresh.contains(" R "), "{refresh}");
    assert!(!shown.lines().any(|l| l.contains("│ r ")), "{shown}");
    // The new commands are listed with their keys.
    for line in ["Space", "batch fix", "view: posture charts", "portal link"] {
        assert!(shown.contains(line), "{line}: {shown}");
    }
}

#[test]
fn help_lists_the_whole_filter_language() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::Help);
    for _ in 0..100 {
        command(&mut state, Command::Down);
    }
    let shown = screen(&state, 120, 45);
    for term in [
        "channel:securitypatch|nodeimage|unmanaged|none|unspecified",
        "upgrade:",
        "sub:",
        "rg:",
        "loc:",
        "k8s:1.33 (every 1.33.x)",
        "k8s:=1.33 (exactly)",
        "k8s:<1.33 (< <= > >=)",
        "state:failed",
        "nodeos:",
        "tag:key=value or tag:key",
        "fail:RULE / pass:RULE",
        "stale:yes|no",
        "!term negates",
    ] {
        assert!(shown.contains(term), "{term}: {shown}");
    }
}

#[test]
fn only_failing_shows_on_the_status_line() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::OnlyFailing);
    let shown = screen(&state, 120, 30);
    let status = shown.lines().last().expect("a status line").to_string();
    insta::assert_snapshot!("only_failing_status", status);
    assert!(status.contains("non-compliant only (x shows all)"), "{status}");
    command(&mut state, Command::OnlyFailing);
    assert!(!screen(&state, 120, 30).contains("non-compliant only"));
}

fn subscriptions_state() -> State {
    let mut state = live_state(120, 30);
    let error = SourceError {
        subscription_id: Some(LEGACY.into()),
        url: None,
        code: Some("AuthorizationFailed".into()),
        message: "The client 'aksradar' does not have authorization\nto perform action \x1b[31m'read'\x1b[0m.".into(),
    };
    state.subscriptions[1].fetched_at = Some(NOW - time::Duration::minutes(5));
    state.subscriptions[2].fetched_at = Some(NOW - time::Duration::minutes(125));
    state.subscriptions[2].error = Some(error);
    state.recompute();
    command(&mut state, Command::SubscriptionsView);
    state
}

#[test]
fn subscriptions_view() {
    let mut state = subscriptions_state();
    let wide = text(&render(&state, 160, 40, Theme { color: false }));
    assert!(
        wide.contains("MOST FAILED RULE") && wide.contains("NodeAutoUpgrade ×"),
        "{wide}"
    );
    // Development's one cluster is unknown (its maintenance windows were not read):
    // counted on its own, and not in the compliant share.
    let development = wide.lines().find(|l| l.contains("Development")).expect("a row");
    let cells: Vec<&str> = development.split_whitespace().collect();
    assert_eq!(
        &cells[3..6],
        ["1", "0", "1"],
        "clusters, non-compliant, unknown: {development}"
    );
    assert_eq!(cells[6], "0%", "{development}");
    let buffer = render(&state, 120, 40, Theme { color: true });
    let shown = text(&buffer);
    assert!(!shown.contains('\x1b'), "untrusted text is cleaned");
    assert!(shown.contains("Enter its clusters"), "{shown}");
    let (x, y) = find(&buffer, "AuthorizationFailed: The").expect("the error is shown");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    assert_eq!(buffer[(0, 6)].symbol(), "▶");
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("subscriptions_{w}x{h}"), screen(&state, w, h));
    }
    // The selection moves.
    command(&mut state, Command::Down);
    let buffer = render(&state, 120, 40, Theme { color: false });
    assert_eq!(buffer[(0, 7)].symbol(), "▶");
    assert!(buffer[(5, 7)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn the_subscriptions_view_follows_the_filter_and_puts_unread_ones_first() {
    let mut state = live_state(120, 40);
    // Legacy could not be read this time and had never been read: unknown, first.
    state.subscriptions.push(SubscriptionState {
        id: "44444444-4444-4444-4444-444444444444".into(),
        name: Some("Unreachable".into()),
        fetched_at: None,
        error: Some(SourceError {
            subscription_id: Some("44444444-4444-4444-4444-444444444444".into()),
            url: None,
            code: Some("AuthorizationFailed".into()),
            message: "no access".into(),
        }),
    });
    state.recompute();
    command(&mut state, Command::SubscriptionsView);
    let shown = screen(&state, 120, 40);
    let first = shown.lines().nth(6).expect("a first row");
    assert!(first.contains("Unreachable") && first.contains("unread"), "{first}");
    assert!(!first.contains(" 0 "), "an unread subscription is not `0 0`: {first}");
    // A filter narrows the view to the subscriptions of the clusters in view.
    type_filter(&mut state, "prod");
    accept(&mut state);
    let shown = screen(&state, 120, 40);
    assert!(
        shown.contains("Subscriptions 2 · with clusters in view (3 of 5 clusters)"),
        "{shown}"
    );
    assert!(
        shown.contains("Production") && !shown.contains("Development"),
        "{shown}"
    );
    assert!(
        !shown.contains("Unreachable"),
        "unread ones cannot say whether they match: {shown}"
    );
}

#[test]
fn compliant_shares_are_coloured_by_how_good_they_are() {
    let state = subscriptions_state();
    let buffer = render(&state, 160, 45, Theme { color: true });
    let colour_of = |name: &str| {
        let (_, y) = find(&buffer, name).expect("the subscription");
        let (x, _) = find(&buffer, "COMPLIANT %").expect("the column");
        // The share is right-aligned under its title; its last character is the `%`.
        (x..x + 11)
            .rev()
            .find(|&x| buffer[(x, y)].symbol() == "%")
            .map(|x| buffer[(x, y)].fg)
    };
    assert_eq!(colour_of("Production"), Some(Color::Yellow), "1 of 2 compliant");
    assert_eq!(
        colour_of("Development"),
        Some(Color::Red),
        "no failure, but its one cluster is unknown: not compliant"
    );
}

#[test]
fn no_subscriptions() {
    let mut state = State::new(Arc::new(config()), DataSource::Files(vec!["fleet.json".into()]), NOW);
    state.set_fleet(Vec::new());
    command(&mut state, Command::SubscriptionsView);
    assert!(screen(&state, 120, 30).contains("No subscriptions"));
}

#[test]
fn posture_view() {
    let mut state = live_state(120, 30);
    command(&mut state, Command::PostureView);
    let buffer = render(&state, 120, 30, Theme { color: true });
    let shown = text(&buffer);
    assert!(shown.contains("Posture of 5 clusters in view"), "{shown}");
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("posture_{w}x{h}"), screen(&state, w, h));
    }
    let big = screen(&state, 160, 45);
    // Every bar's label and count shows at both sizes.
    for shown in [&shown, &big] {
        for (label, count) in state
            .posture
            .by_channel
            .iter()
            .chain(&state.posture.by_minor)
            .chain(&state.posture.by_image_age)
        {
            let line = shown
                .lines()
                .find(|l| l.contains(&format!("{label} ")))
                .unwrap_or_else(|| panic!("{label} is shown: {shown}"));
            assert!(line.contains(&format!(" {count} ")), "{label} {count}: {line}");
        }
    }
    // Good channels are green, bad ones red (the chart's labels are 2 columns in).
    for (label, colour) in [("│ SecurityPatch", Color::Green), ("│ None ", Color::Red)] {
        let (x, y) = find(&buffer, label).unwrap_or_else(|| panic!("the {label} bar"));
        let bar = (x..120).find(|&x| buffer[(x, y)].symbol() == "█").expect("a bar");
        assert_eq!(buffer[(bar, y)].fg, colour, "{label}");
    }
    // Narrow and short terminals still draw.
    let _ = screen(&state, 80, 40);
    let _ = screen(&state, 60, 12);
}

#[test]
fn the_posture_view_charts_the_trend_of_the_recorded_reads() {
    let mut state = live_state(120, 40);
    command(&mut state, Command::PostureView);
    assert!(screen(&state, 120, 40).contains("reading the history…"));
    let at = |days: i64, non_compliant: usize, by_channel: [usize; 6]| crate::app::aggregates::TrendPoint {
        at: NOW - time::Duration::days(days),
        clusters: 10,
        non_compliant,
        by_channel,
    };
    update(
        &mut state,
        Action::Trend(crate::app::aggregates::Trend {
            points: vec![
                at(3, 6, [1, 2, 3, 2, 2, 0]),
                at(2, 5, [2, 2, 3, 1, 2, 0]),
                at(1, 3, [4, 3, 1, 1, 1, 0]),
            ],
            loaded: true,
        }),
    );
    let buffer = render(&state, 120, 40, Theme { color: true });
    let shown = text(&buffer);
    insta::assert_snapshot!("posture_trend_120x40", shown);
    assert!(shown.contains("non-compliant ▅▅▃ 60% → 30% over 3 reads"), "{shown}");
    assert!(
        shown.contains("SecurityPatch 1→4 · NodeImage 2→3 · Unmanaged 3→1"),
        "{shown}"
    );
    let (x, y) = find(&buffer, "60% → 30%").expect("the trend");
    assert_eq!(buffer[(x, y)].fg, Color::Green, "getting better is green");
}

#[test]
fn a_subscriptions_frame_of_thousands_draws_the_selected_page() {
    let mut state = big_state(10);
    state.subscriptions = (0..5_000)
        .map(|i| SubscriptionState {
            id: format!("{i:08}-0000-0000-0000-000000000000"),
            name: Some(format!("subscription {i:04}")),
            fetched_at: Some(NOW),
            error: None,
        })
        .collect();
    state.recompute();
    command(&mut state, Command::SubscriptionsView);
    command(&mut state, Command::PageDown);
    // How fast is the dashboard bench's to measure; here, that the page drawn is the
    // page the selection is on.
    let shown = frame_text(&state);
    let selected = &state.subscription_rows[state.subscription_selected];
    let name = selected.name.clone().expect("a name");
    let line = shown
        .lines()
        .find(|l| l.contains(&format!("{name} ")))
        .expect("the selected row is drawn");
    assert!(line.starts_with('▶'), "{line}");
    assert_eq!(
        state.subscription_rows.len(),
        5_001,
        "every subscription, and the clusters' own"
    );
}

/// The header and `scan` count the same clusters, whatever waivers, templates and a
/// disabled rule do: both follow the Version finding (see `model::Tally`).
#[test]
fn the_header_and_scan_agree_on_non_compliant_and_below_minimum() {
    let fleet = || {
        let at = |name: &str, version: Option<&str>| Cluster {
            kubernetes_version: version.map(Into::into),
            upgrade_channel: Some("patch".into()),
            node_os_upgrade_channel: Some("SecurityPatch".into()),
            maintenance: both_windows(),
            ..crate::model::fixtures::cluster(PROD, "rg", name)
        };
        let template = Cluster {
            upgrade_channel: Some("rapid".into()),
            subscription_id: String::new().into(),
            origin: crate::model::Origin::Template,
            ..at("aks-template", Some("1.31.2"))
        };
        vec![
            at("aks-old", Some("1.31.2")),
            at("aks-waived-old", Some("1.31.2")),
            template,
            at("aks-no-version", None),
            at("aks-current", Some("1.34.1")),
        ]
    };
    let mut waiver_only = Config::default();
    waiver_only.waivers.push(Waiver {
        cluster: "aks-waived-*".into(),
        rule: Rule::Version,
        reason: "migrating".into(),
        expires: None,
    });
    let mut version_disabled = waiver_only.clone();
    version_disabled.rules.disabled = vec![Rule::Version];
    for (config, below, non_compliant) in [(waiver_only, 2, 2), (version_disabled, 0, 0)] {
        let config = Arc::new(config);
        let mut state = State::new(config.clone(), DataSource::Files(vec!["fleet.json".into()]), NOW);
        state.set_fleet(rules::assess(fleet(), &config, NOW.date()));
        let shown = screen(&state, 200, 45);
        let header_count = |label: &str| -> usize {
            let at = shown.find(label).unwrap_or_else(|| panic!("{label} in\n{shown}"));
            let number = shown[..at]
                .rsplit([' ', '│'])
                .find(|w| !w.is_empty())
                .unwrap_or_default();
            number
                .parse()
                .unwrap_or_else(|_| panic!("a count before {label} in\n{shown}"))
        };
        let report = crate::report::Report {
            assessed: &state.fleet,
            skipped: 0,
            duplicates: 0,
            errors: &[],
            minimum_version: &config.rules.kubernetes_minimum_version,
            changes: None,
        };
        let mut json = Vec::new();
        crate::report::write(crate::report::Format::Json, &report, Default::default(), &mut json).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let scan_below = json["summary"]["belowMinimumVersion"].as_u64().unwrap() as usize;
        let scan_non_compliant = json["summary"]["nonCompliant"].as_u64().unwrap() as usize;
        assert_eq!(header_count(" below k8s "), scan_below, "{shown}");
        assert_eq!(header_count(" non-compliant"), scan_non_compliant, "{shown}");
        assert_eq!((scan_below, scan_non_compliant), (below, non_compliant), "{shown}");
    }
}

/// Every command of the table reaches the help overlay, with its description and keys.
#[test]
fn help_shows_every_command_with_its_keys_and_description() {
    let mut state = live_state(200, 80);
    command(&mut state, Command::Help);
    let shown = screen(&state, 200, 80);
    let keymap = Keymap::default();
    for command in Command::ALL {
        let line = shown
            .lines()
            .find(|l| l.contains(command.description()))
            .unwrap_or_else(|| panic!("{command:?} ({}) is not in the help:\n{shown}", command.name()));
        let first_key = keymap.key_of(command).expect("every command has a default key");
        assert!(line.contains(&first_key), "{command:?}: `{first_key}` not on {line:?}");
    }
}

#[test]
fn the_fix_popup_keeps_every_format_and_a_footer_that_never_overlaps_at_80_columns() {
    let mut state = live_state(80, 24);
    command(&mut state, Command::Fix);
    for _ in Format::ALL {
        let shown = screen(&state, 80, 24);
        let title = shown.lines().find(|l| l.contains("Fix")).expect("the title");
        for format in Format::ALL {
            assert!(
                title.contains(format.label()),
                "{} in the title at 80 columns: {title}",
                format.label()
            );
        }
        let bottom = shown.lines().rfind(|l| l.contains('└')).expect("the bottom border");
        // The position is whole, and every hint before it is whole.
        assert!(bottom.contains(" of "), "{bottom}");
        for hint in ["Tab/Shift-Tab format", "y copy command"] {
            assert!(bottom.contains(hint), "{hint}: {bottom}");
        }
        assert!(
            !bottom.contains(" w─") && !bottom.contains("clo "),
            "a cut hint: {bottom}"
        );
        // The position counts the text's lines: as many as a file written from it.
        let Some(crate::app::state::Overlay::Fix(popup)) = &state.overlay else {
            panic!("the popup")
        };
        let lines = popup.text.lines().count();
        assert!(bottom.contains(&format!(" of {lines} ")), "{lines} lines: {bottom}");
        command(&mut state, Command::NextFormat);
    }
    command(&mut state, Command::PreviousFormat);
    insta::assert_snapshot!("fix_terraform_80x24", screen(&state, 80, 24));
}

#[test]
fn a_resource_id_wraps_after_a_slash() {
    let state = open_first(80, 24);
    let id = state.open_cluster().expect("open").1.cluster.id.clone();
    let shown = screen(&state, 80, 24);
    let lines: Vec<&str> = shown.lines().collect();
    let at = lines.iter().position(|l| l.contains("id (y copies)")).expect("the id");
    // The id's pieces, in the value column (20 columns in), until the next label.
    let pieces: Vec<&str> = std::iter::once(lines[at])
        .chain(
            lines[at + 1..]
                .iter()
                .copied()
                .take_while(|l| l.starts_with(&" ".repeat(20)) && l.chars().nth(20).is_some_and(|c| c != ' ')),
        )
        .map(|l| l[20..].trim_end())
        .collect();
    assert!(pieces.len() > 1, "the id wraps at 80 columns: {shown}");
    for piece in &pieces[..pieces.len() - 1] {
        assert!(
            piece.ends_with('/'),
            "broken after a slash, not inside a name: {piece:?}"
        );
    }
    assert_eq!(pieces.concat(), id, "nothing lost");
}

#[test]
fn a_maintenance_read_that_failed_says_what_failed_and_shows_the_stale_windows() {
    let mut state = open_first(160, 45);
    let id = selected_id(&state);
    // A first read got the windows; the latest could not read them.
    read_details(&mut state, &id, details(), 90);
    let mut failed = details();
    failed.maintenance = None;
    failed.failed = vec![(
        DetailPart::Maintenance,
        SourceError {
            subscription_id: Some(PROD.into()),
            url: Some(format!(
                "https://management.azure.com{id}/maintenanceConfigurations?api-version=2025-10-01"
            )),
            code: Some("AuthorizationFailed".into()),
            message: "The client may not read maintenanceConfigurations.".into(),
        },
    )];
    let mut clusters: Vec<Cluster> = state.fleet.iter().map(|a| (*a.cluster).clone()).collect();
    for cluster in &mut clusters {
        if cluster.id.eq_ignore_ascii_case(&id) {
            failed.clone().apply(cluster, NOW);
        }
    }
    let assessed = rules::assess(clusters, &state.config, NOW.date());
    state.set_fleet(assessed);
    for _ in 0..27 {
        command(&mut state, Command::Down);
    }
    let shown = screen(&state, 160, 45);
    assert!(!shown.contains("open the cluster"), "the cluster is open: {shown}");
    assert!(
        shown
            .contains("The maintenance configurations could not be read (AuthorizationFailed: The client may not read"),
        "{shown}"
    );
    assert!(
        shown.contains("could not be read: AuthorizationFailed"),
        "the windows section too: {shown}"
    );
    assert!(
        shown.contains("what a read 1h 30m ago found (stale, not judged):"),
        "the last good windows, marked stale: {shown}"
    );
    assert!(shown.contains("aksManagedAutoUpgradeSchedule: Weekly"), "{shown}");
}

/// The first line of the popup's text in view and the count of its lines, from the
/// position in its bottom border (` 5–24 of 61 `).
fn popup_position(shown: &str) -> (usize, usize) {
    let line = shown
        .lines()
        .rev()
        .find(|l| l.contains(" of ") && l.contains('–'))
        .unwrap_or_else(|| panic!("the popup shows where it is: {shown}"));
    let (range, rest) = line.rsplit_once(" of ").expect("a position");
    let start = range
        .rsplit(' ')
        .next()
        .and_then(|r| r.split('–').next())
        .expect("a range");
    let total: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (start.parse().expect("a first line"), total.parse().expect("a count"))
}

/// A cluster's fix popup, open and scrolled down while a refresh reads the details
/// behind it: when they arrive and the cluster fails one more rule (its maintenance
/// windows are missing), the popup is made again where it stands. The same cluster
/// and format, the same lines in view and the cursor on the same line, the rule bar
/// counting the new failure and the text fixing it; never the stale "1 failing
/// finding" under a title that says more.
#[test]
fn an_open_fix_popup_takes_the_details_that_arrive_and_keeps_its_place() {
    let (width, height) = (120, 30);
    let mut state = live_state(width, height);
    command(&mut state, Command::Refresh);
    let generation = state.refresh.generation;
    let id = selected_id(&state);
    command(&mut state, Command::Fix);
    for _ in 0..30 {
        command(&mut state, Command::Down);
    }
    let before = screen(&state, width, height);
    insta::assert_snapshot!("fix_before_details", before);
    let Some(Overlay::Fix(popup)) = &state.overlay else {
        panic!("the popup is open")
    };
    let (cursor, scroll, format) = (popup.cursor, popup.scroll, popup.format);
    let (first_in_view, lines_before) = popup_position(&before);
    assert!(first_in_view > 1, "scrolled down: {before}");
    assert!(before.contains(" MaintenanceWindow 0 "), "{before}");
    assert!(!popup.text.contains("Azure.AKS.MaintenanceWindow ("), "{}", popup.text);
    let fixed_before: usize = popup.rules.iter().filter(|r| r.included).map(|r| r.failing).sum();
    assert!(
        popup
            .text
            .contains(&format!("fixes for {fixed_before} failing findings on 1 cluster")),
        "{}",
        popup.text
    );

    // The details: every cluster's maintenance configurations, none configured.
    let mut clusters: Vec<Cluster> = state.fleet.iter().map(|a| (*a.cluster).clone()).collect();
    for cluster in &mut clusters {
        ClusterDetails {
            maintenance: Some(vec![]),
            ..Default::default()
        }
        .apply(cluster, NOW);
    }
    let fleet = crate::model::Fleet {
        clusters,
        subscriptions: subscriptions(),
        ..Default::default()
    };
    let snapshot = crate::cache::merge(None, fleet, "test", NOW);
    update(
        &mut state,
        Action::Refreshed {
            generation,
            snapshot: Box::new(snapshot),
        },
    );
    let after = screen(&state, width, height);
    insta::assert_snapshot!("fix_after_details", after);
    let Some(Overlay::Fix(popup)) = &state.overlay else {
        panic!("the popup stays open: {after}")
    };
    assert_eq!(popup.ids, [id], "the same cluster");
    assert_eq!(popup.format, format);
    assert_eq!((popup.cursor, popup.scroll), (cursor, scroll), "the place is kept");
    let (first_after, lines_after) = popup_position(&after);
    assert_eq!(first_after, first_in_view, "the same lines in view");
    assert!(
        lines_after > lines_before,
        "the new fix is in: {lines_before} -> {lines_after}"
    );
    assert!(after.contains(" MaintenanceWindow 1 "), "{after}");
    assert!(popup.text.contains("Azure.AKS.MaintenanceWindow ("), "{}", popup.text);
    let heading = popup.text.lines().nth(1).unwrap_or_default();
    assert!(
        heading.contains(&format!("{} failing findings on 1 cluster", fixed_before + 1)),
        "the text counts what it fixes now: {heading}"
    );
}
