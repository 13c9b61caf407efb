//! The dashboard's one `State`: the data, what is selected, filtered, sorted and open.
//!
//! Only `update` changes it; `ui::draw` only reads it. Everything a frame needs that is
//! costly to compute (row texts, the filtered and sorted order, the summary) is
//! computed here when the data, filter or sort change, never while drawing.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::azure::ClusterDetails;
use crate::config::Config;
use crate::filter::Filter;
use crate::model::{Assessed, NodeOsChannel, Outcome, SourceError, SubscriptionState, Version};
use crate::remediate;
use crate::text;

/// The fleet table's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Subscription,
    ResourceGroup,
    Location,
    Version,
    Upgrade,
    NodeOs,
    Verdict,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::Name,
        Column::Subscription,
        Column::ResourceGroup,
        Column::Location,
        Column::Version,
        Column::Upgrade,
        Column::NodeOs,
        Column::Verdict,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Subscription => "SUBSCRIPTION",
            Column::ResourceGroup => "RESOURCE GROUP",
            Column::Location => "REGION",
            Column::Version => "K8S",
            Column::Upgrade => "UPGRADE",
            Column::NodeOs => "NODE OS",
            Column::Verdict => "VERDICT",
        }
    }

    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }
}

/// One row of the fleet table, its texts cleaned and ready to draw.
#[derive(Debug, Clone)]
pub struct Row {
    /// Index into `State::fleet`.
    pub index: usize,
    pub cells: [String; 8],
    /// Lower-cased row text (and id and tags) that `/` searches.
    pub haystack: String,
    pub verdict: Outcome,
    pub failing: usize,
    pub stale: bool,
    version: Option<Version>,
}

impl Row {
    pub fn of(index: usize, item: &Assessed) -> Row {
        let c = &item.cluster;
        let failing = item.failing().count();
        let verdict = item.verdict();
        let verdict_text = match (verdict, failing) {
            (Outcome::Fail, n) => format!("Fail ({n})"),
            (other, _) => other.as_str().to_string(),
        };
        let cells = [
            text::clean(&c.name).into_owned(),
            text::clean(c.subscription_label()).into_owned(),
            text::clean(&c.resource_group).into_owned(),
            text::clean(&c.location).into_owned(),
            text::clean(c.kubernetes_version.as_deref().unwrap_or("-")).into_owned(),
            text::clean(c.upgrade_channel().as_str()).into_owned(),
            text::clean(c.node_os_channel().as_str()).into_owned(),
            verdict_text,
        ];
        let haystack = crate::filter::haystack(item, &cells);
        Row {
            index,
            cells,
            haystack,
            verdict,
            failing,
            stale: c.stale,
            version: c.version(),
        }
    }

    fn compare(&self, other: &Row, column: Column) -> std::cmp::Ordering {
        let by_text = |i: usize| {
            self.cells[i]
                .to_ascii_lowercase()
                .cmp(&other.cells[i].to_ascii_lowercase())
        };
        match column {
            Column::Version => self.version.cmp(&other.version),
            Column::Verdict => (self.verdict, self.failing).cmp(&(other.verdict, other.failing)),
            other => by_text(Column::ALL.iter().position(|c| *c == other).unwrap_or(0)),
        }
        .then_with(|| self.cells[0].cmp(&other.cells[0]))
    }
}

/// Counts over the clusters in view, for the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub in_view: usize,
    pub total: usize,
    pub non_compliant: usize,
    /// SecurityPatch, NodeImage, Unmanaged, None, Unspecified, other values.
    pub by_channel: [usize; 6],
    pub below_minimum: usize,
    pub stale: usize,
}

/// A background refresh and how far it got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refresh {
    /// Tags results, so a superseded refresh's late answers are dropped.
    pub generation: u64,
    pub running: bool,
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub clusters: usize,
    /// What the client is waiting for (throttling), while it waits.
    pub waiting: Option<String>,
}

/// What the cluster view has fetched for one cluster.
#[derive(Debug, Clone)]
pub enum DetailState {
    Loading,
    /// What arrived, including what could not be read.
    Loaded(Box<ClusterDetails>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Fleet,
    /// The cluster view, by cluster id (lower-cased).
    Cluster {
        id: String,
        scroll: u16,
    },
}

/// The fix popup: the text of one format for one cluster, made when opened.
#[derive(Debug, Clone, PartialEq)]
pub struct FixPopup {
    pub id: String,
    pub format: remediate::Format,
    pub text: String,
    pub scroll: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Fix(FixPopup),
    Errors {
        scroll: u16,
    },
    /// The raw JSON of a cluster; `None` while it loads.
    Raw {
        id: String,
        text: Option<String>,
        scroll: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// The filter line: what is typed, and the last filter that parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterInput {
    pub text: String,
    pub editing: bool,
    /// The applied filter's text, restored by Esc while editing.
    pub applied: String,
    /// Why the text being typed does not parse, naming the term.
    pub error: Option<String>,
}

/// Where the data comes from, shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Live { endpoint: String },
    Demo,
    Files(Vec<String>),
}

pub struct State {
    pub config: Arc<Config>,
    pub origin: Origin,
    pub fleet: Vec<Assessed>,
    pub rows: Vec<Row>,
    /// Indices into `rows`, filtered and sorted: what the table shows.
    pub visible: Vec<usize>,
    pub summary: Summary,
    pub subscriptions: Vec<SubscriptionState>,
    pub errors: Vec<SourceError>,
    pub skipped: usize,
    /// When the oldest data on screen was read; `None` for files.
    pub data_time: Option<OffsetDateTime>,
    /// The clock, advanced by `Tick`; injected so frames are reproducible.
    pub now: OffsetDateTime,
    pub refresh: Refresh,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    /// Position in `visible`.
    pub selected: usize,
    /// First visible row drawn.
    pub offset: usize,
    /// Rows the table showed in the last frame, for page moves.
    pub page: usize,
    pub filter_input: FilterInput,
    pub filter: Filter,
    pub sort: (Column, bool),
    pub details: HashMap<String, DetailState>,
    pub status: Option<(String, Level)>,
    /// Whether data can be re-read and details fetched (live and demo, not files).
    pub live: bool,
    /// Waiting for the first data.
    pub loading: bool,
    pub quit: bool,
}

impl State {
    pub fn new(config: Arc<Config>, origin: Origin, now: OffsetDateTime) -> State {
        let live = !matches!(origin, Origin::Files(_));
        State {
            config,
            origin,
            fleet: Vec::new(),
            rows: Vec::new(),
            visible: Vec::new(),
            summary: Summary::default(),
            subscriptions: Vec::new(),
            errors: Vec::new(),
            skipped: 0,
            data_time: None,
            now,
            refresh: Refresh::default(),
            screen: Screen::Fleet,
            overlay: None,
            selected: 0,
            offset: 0,
            page: 20,
            filter_input: FilterInput::default(),
            filter: Filter::default(),
            sort: (Column::Verdict, true),
            details: HashMap::new(),
            status: None,
            live,
            loading: true,
            quit: false,
        }
    }

    /// Replaces the data, keeping the selection on the same cluster when it is still there.
    pub fn set_fleet(&mut self, fleet: Vec<Assessed>) {
        let selected_id = self.selected_item().map(|a| a.cluster.id.to_ascii_lowercase());
        self.rows = fleet.iter().enumerate().map(|(i, a)| Row::of(i, a)).collect();
        self.fleet = fleet;
        self.data_time = self.fleet.iter().filter_map(|a| a.cluster.as_of).min();
        self.loading = false;
        self.recompute();
        if let Some(id) = selected_id {
            self.select_id(&id);
        }
    }

    /// Replaces one cluster (after its details arrived), keeping everything else.
    pub fn set_one(&mut self, index: usize, item: Assessed) {
        if index < self.fleet.len() {
            self.rows[index] = Row::of(index, &item);
            self.fleet[index] = item;
            self.recompute_keeping_selection();
        }
    }

    /// Filters, sorts and counts again: after the data, the filter or the sort changed.
    pub fn recompute(&mut self) {
        let filter = &self.filter;
        let fleet = &self.fleet;
        let rows = &self.rows;
        let mut visible: Vec<usize> = (0..rows.len())
            .filter(|&i| filter.matches(&fleet[rows[i].index], &rows[i].haystack))
            .collect();
        let (column, descending) = self.sort;
        visible.sort_by(|&a, &b| {
            let order = rows[a].compare(&rows[b], column);
            if descending { order.reverse() } else { order }
        });
        self.visible = visible;
        self.summary = self.summarise();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    pub fn recompute_keeping_selection(&mut self) {
        let selected_id = self.selected_item().map(|a| a.cluster.id.to_ascii_lowercase());
        self.recompute();
        if let Some(id) = selected_id {
            self.select_id(&id);
        }
    }

    fn summarise(&self) -> Summary {
        let minimum = &self.config.rules.kubernetes_minimum_version;
        let mut summary = Summary {
            in_view: self.visible.len(),
            total: self.fleet.len(),
            ..Summary::default()
        };
        for &row in &self.visible {
            let item = &self.fleet[self.rows[row].index];
            if item.failing().next().is_some() {
                summary.non_compliant += 1;
            }
            let slot = match item.cluster.node_os_channel() {
                NodeOsChannel::SecurityPatch => 0,
                NodeOsChannel::NodeImage => 1,
                NodeOsChannel::Unmanaged => 2,
                NodeOsChannel::None => 3,
                NodeOsChannel::Unspecified => 4,
                NodeOsChannel::Other(_) => 5,
            };
            summary.by_channel[slot] += 1;
            if item.cluster.version().is_some_and(|v| !v.satisfies_minimum(minimum)) {
                summary.below_minimum += 1;
            }
            if item.cluster.stale {
                summary.stale += 1;
            }
        }
        summary
    }

    /// The cluster under the cursor in the table.
    pub fn selected_item(&self) -> Option<&Assessed> {
        let row = *self.visible.get(self.selected)?;
        self.fleet.get(self.rows[row].index)
    }

    /// Index into `fleet` of the cluster with this (lower-cased) id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.fleet.iter().position(|a| a.cluster.id.eq_ignore_ascii_case(id))
    }

    /// Moves the cursor to the cluster with this id, when it is in view.
    pub fn select_id(&mut self, id: &str) {
        if let Some(pos) = self
            .visible
            .iter()
            .position(|&row| self.fleet[self.rows[row].index].cluster.id.eq_ignore_ascii_case(id))
        {
            self.selected = pos;
        }
    }

    /// The cluster the cluster view shows.
    pub fn open_cluster(&self) -> Option<(usize, &Assessed)> {
        match &self.screen {
            Screen::Cluster { id, .. } => self.find(id).map(|i| (i, &self.fleet[i])),
            Screen::Fleet => None,
        }
    }

    /// The cluster keys act on: the open one, else the selected one.
    pub fn target(&self) -> Option<&Assessed> {
        self.open_cluster().map(|(_, a)| a).or_else(|| self.selected_item())
    }
}
