//! The dashboard's one `State`: the data, what is selected, filtered, sorted, marked and
//! open.
//!
//! Only `update` changes it; `ui::draw` only reads it. Everything a frame needs that is
//! costly to compute (the rows, the filtered and sorted order, the summary, the
//! subscription rows and posture bars) is computed when the data, filter or sort
//! change, never while drawing: the rows in `rows`, the aggregates in `aggregates`.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use super::aggregates::{Posture, SubscriptionRow, subscription_rows};
use super::rows::{Row, rank};
use crate::config::Config;
use crate::filter::{Column, Filter};
use crate::model::{Assessed, ClusterDetails, SourceError, SubscriptionState, Summary};
use crate::remediate;

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
    /// When the latest refresh started, for the automatic refresh interval.
    pub started: Option<OffsetDateTime>,
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

/// The fix popup: the text of one format for one cluster, or for many (the batch
/// fix), made when opened.
#[derive(Debug, Clone, PartialEq)]
pub struct FixPopup {
    /// The clusters it fixes (lower-cased ids).
    pub ids: Vec<String>,
    /// Opened with the batch key: the title counts clusters instead of naming one.
    pub batch: bool,
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

/// The three views of the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Clusters,
    Subscriptions,
    Posture,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Clusters => "clusters",
            View::Subscriptions => "subscriptions",
            View::Posture => "posture",
        }
    }

    pub fn by_name(name: &str) -> Option<View> {
        [View::Clusters, View::Subscriptions, View::Posture]
            .into_iter()
            .find(|v| v.name() == name)
    }
}

/// What survives replacing the data: the selected cluster and the marked ones.
#[derive(Debug, Default)]
pub struct Carried {
    selected: Option<String>,
    marked: std::collections::HashSet<String>,
}

/// Where the dashboard's data comes from, shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A Resource Manager endpoint: Azure's, or one given with `--endpoint`.
    Arm {
        endpoint: String,
    },
    /// The built-in simulator of `aksradar demo`.
    Demo,
    Files(Vec<String>),
}

pub struct State {
    pub config: Arc<Config>,
    pub data_source: DataSource,
    pub fleet: Vec<Assessed>,
    pub rows: Vec<Row>,
    /// Indices into `rows`, filtered and sorted: what the table shows.
    pub visible: Vec<usize>,
    /// The counts over the clusters in view, for the header and the views.
    pub summary: Summary,
    pub subscriptions: Vec<SubscriptionState>,
    pub errors: Vec<SourceError>,
    pub skipped: usize,
    /// Clusters read twice from files (the later copy shown); as `scan` counts them.
    pub duplicates: usize,
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
    pub view: View,
    /// Marked rows (by index into `rows`), for the batch fix; kept by id across refreshes.
    marked: Vec<bool>,
    marked_count: usize,
    /// Show non-compliant clusters only.
    pub only_failing: bool,
    pub subscription_rows: Vec<SubscriptionRow>,
    /// Position in `subscription_rows`, and the first drawn.
    pub subscription_selected: usize,
    pub subscription_offset: usize,
    pub posture: Posture,
    /// For portal links.
    pub cloud: crate::config::Cloud,
    /// Per sort column, each row's rank in the whole fleet; cleared when the data changes.
    ranks: HashMap<Column, Vec<u32>>,
    /// Whether the data is live (read over HTTP from Resource Manager: Azure, an
    /// endpoint, the demo's simulator), so it can be re-read and details fetched.
    pub live: bool,
    /// Waiting for the first data.
    pub loading: bool,
    pub quit: bool,
}

impl State {
    pub fn new(config: Arc<Config>, data_source: DataSource, now: OffsetDateTime) -> State {
        let cloud = config.cloud;
        let live = !matches!(data_source, DataSource::Files(_));
        State {
            config,
            data_source,
            fleet: Vec::new(),
            rows: Vec::new(),
            visible: Vec::new(),
            summary: Summary::default(),
            subscriptions: Vec::new(),
            errors: Vec::new(),
            skipped: 0,
            duplicates: 0,
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
            view: View::Clusters,
            marked: Vec::new(),
            marked_count: 0,
            only_failing: false,
            subscription_rows: Vec::new(),
            subscription_selected: 0,
            subscription_offset: 0,
            posture: Posture::default(),
            cloud,
            ranks: HashMap::new(),
            live,
            loading: true,
            quit: false,
        }
    }

    /// Replaces the data, keeping the selection and the marks on the same clusters when
    /// they are still there.
    pub fn set_fleet(&mut self, fleet: Vec<Assessed>) {
        let carried = self.release();
        self.install(fleet, carried);
    }

    /// Lets go of the data (the table's rows and the clusters), keeping what must
    /// survive it: the selected cluster and the marks. Freeing first keeps a refresh of
    /// a large fleet from holding the old copy and the new one at once.
    pub fn release(&mut self) -> Carried {
        let carried = Carried {
            selected: self.selected_item().map(|a| a.cluster.id.to_ascii_lowercase()),
            marked: self.marked_ids().into_iter().collect(),
        };
        self.rows = Vec::new();
        self.fleet = Vec::new();
        self.visible = Vec::new();
        self.ranks.clear();
        carried
    }

    /// Puts new data in, after `release`.
    pub fn install(&mut self, fleet: Vec<Assessed>, carried: Carried) {
        self.subscription_rows = subscription_rows(&fleet, &self.subscriptions);
        self.subscription_selected = self
            .subscription_selected
            .min(self.subscription_rows.len().saturating_sub(1));
        self.rows = fleet
            .iter()
            .enumerate()
            .map(|(i, a)| Row::of(i, a, &self.config))
            .collect();
        self.marked = self.rows.iter().map(|r| carried.marked.contains(&r.id)).collect();
        self.marked_count = self.marked.iter().filter(|m| **m).count();
        self.fleet = fleet;
        self.data_time = self.fleet.iter().filter_map(|a| a.cluster.as_of).min();
        self.loading = false;
        self.recompute();
        if let Some(id) = carried.selected {
            self.select_id(&id);
        }
    }

    /// Replaces one cluster (after its details arrived), keeping everything else.
    pub fn set_one(&mut self, index: usize, item: Assessed) {
        if index < self.fleet.len() {
            self.rows[index] = Row::of(index, &item, &self.config);
            self.fleet[index] = item;
            self.ranks.clear();
            self.subscription_rows = subscription_rows(&self.fleet, &self.subscriptions);
            self.recompute_keeping_selection();
        }
    }

    /// Filters, sorts and counts again: after the data, the filter or the sort changed.
    pub fn recompute(&mut self) {
        let filter = &self.filter;
        let fleet = &self.fleet;
        let rows = &self.rows;
        let only_failing = self.only_failing;
        let mut visible: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                (!only_failing || rows[i].tally.failing > 0) && filter.matches(&fleet[rows[i].index], &rows[i].haystack)
            })
            .collect();
        let (column, descending) = self.sort;
        self.rank(column);
        let ranks = &self.ranks[&column];
        visible.sort_unstable_by_key(|&row| ranks[row]);
        if descending {
            visible.reverse();
        }
        self.visible = visible;
        self.summary = self.summarise();
        self.posture = Posture::of(&self.rows, &self.visible, &self.summary, self.now.date());
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    /// Every row's place in the whole fleet's order by `column`, computed once per data
    /// change: a filter keystroke or a sort then orders integers.
    fn rank(&mut self, column: Column) {
        if !self.ranks.contains_key(&column) {
            self.ranks.insert(column, rank(&self.rows, column));
        }
    }

    pub fn recompute_keeping_selection(&mut self) {
        let selected_id = self.selected_item().map(|a| a.cluster.id.to_ascii_lowercase());
        self.recompute();
        if let Some(id) = selected_id {
            self.select_id(&id);
        }
    }

    fn summarise(&self) -> Summary {
        let mut summary = Summary::default();
        for &index in &self.visible {
            summary.add(self.rows[index].tally);
        }
        summary
    }

    /// The ids the batch fix works on: the marked clusters, or with none marked every
    /// failing cluster in view. In the table's order.
    pub fn batch_ids(&self) -> Vec<String> {
        if self.marked_count == 0 {
            return self
                .visible
                .iter()
                .filter(|&&row| self.rows[row].tally.failing > 0)
                .map(|&row| self.rows[row].id.clone())
                .collect();
        }
        let shown = self.visible.iter().copied().filter(|&row| self.marked[row]);
        // Marked clusters a filter hides are still part of the batch, after the rest.
        let in_view: std::collections::HashSet<usize> = self.visible.iter().copied().collect();
        let hidden = (0..self.rows.len()).filter(|row| self.marked[*row] && !in_view.contains(row));
        shown.chain(hidden).map(|row| self.rows[row].id.clone()).collect()
    }

    /// Whether a row (index into `rows`) is marked.
    pub fn is_marked(&self, row: usize) -> bool {
        self.marked.get(row).copied().unwrap_or(false)
    }

    pub fn marked_count(&self) -> usize {
        self.marked_count
    }

    /// Marks or unmarks one row.
    pub fn set_marked(&mut self, row: usize, marked: bool) {
        if let Some(flag) = self.marked.get_mut(row)
            && *flag != marked
        {
            *flag = marked;
            if marked {
                self.marked_count += 1
            } else {
                self.marked_count -= 1
            }
        }
    }

    pub fn clear_marks(&mut self) {
        self.marked.iter_mut().for_each(|m| *m = false);
        self.marked_count = 0;
    }

    fn marked_ids(&self) -> Vec<String> {
        (0..self.rows.len())
            .filter(|&row| self.is_marked(row))
            .map(|row| self.rows[row].id.clone())
            .collect()
    }

    /// Orders the rows by every column not yet ranked, so that the first `s` on a
    /// column after new data costs no more than the next. Called when the loop is
    /// idle (the slow tick).
    pub fn warm_ranks(&mut self) {
        for column in Column::ALL {
            self.rank(column);
        }
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
