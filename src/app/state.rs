//! The dashboard's one `State`: the data, what is selected, filtered, sorted and open.
//!
//! Only `update` changes it; `ui::draw` only reads it. Everything a frame needs that is
//! costly to compute (row texts, the filtered and sorted order, the summary) is
//! computed here when the data, filter or sort change, never while drawing.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::Config;
use crate::filter::Filter;
use crate::model::ClusterDetails;
use crate::model::{Assessed, NodeOsChannel, Outcome, SourceError, SubscriptionState, Summary, Tally, Version};
use crate::remediate;

/// The fleet table's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// The name the saved view state uses.
    pub fn name(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Subscription => "subscription",
            Column::ResourceGroup => "resource-group",
            Column::Location => "region",
            Column::Version => "version",
            Column::Upgrade => "upgrade",
            Column::NodeOs => "node-os",
            Column::Verdict => "verdict",
        }
    }

    pub fn by_name(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

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
    /// The cluster's id, lower-cased: the key of marks and details.
    pub id: String,
    pub cells: [String; 8],
    /// Lower-cased row text (and id and tags) that `/` searches.
    pub haystack: String,
    pub verdict: Outcome,
    /// What it adds to the summary: failing findings, channel, below minimum, stale.
    pub tally: Tally,
    /// A `[highlight]` rule matches it (production, say).
    pub highlighted: bool,
    version: Option<Version>,
    /// The release date of the cluster's oldest node image, when readable.
    oldest_image: Option<time::Date>,
}

impl Row {
    pub fn of(index: usize, item: &Assessed, config: &Config) -> Row {
        let c = &item.cluster;
        let verdict = item.verdict();
        let cells = crate::filter::cells(item);
        let haystack = crate::filter::haystack(item, &cells);
        let version = c.version();
        Row {
            index,
            id: c.id.to_ascii_lowercase(),
            cells,
            haystack,
            verdict,
            tally: Tally::of(item),
            highlighted: config.highlight.matches(c),
            oldest_image: c.pools.iter().filter_map(|p| p.node_image_date()).min(),
            version,
        }
    }

    fn compare(&self, other: &Row, column: Column) -> std::cmp::Ordering {
        let by_text = |i: usize| cmp_ignore_case(&self.cells[i], &other.cells[i]);
        match column {
            Column::Version => self.version.cmp(&other.version),
            Column::Verdict => (self.verdict, self.tally.failing).cmp(&(other.verdict, other.tally.failing)),
            other => by_text(Column::ALL.iter().position(|c| *c == other).unwrap_or(0)),
        }
        .then_with(|| self.cells[0].cmp(&other.cells[0]))
        .then_with(|| self.index.cmp(&other.index))
    }
}

/// Orders text ignoring ASCII case, without allocating (sorting 10,000 rows compares
/// over a hundred thousand times).
fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
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

/// One row of the subscriptions view.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    pub id: String,
    pub name: Option<String>,
    pub clusters: usize,
    pub non_compliant: usize,
    /// The rule that fails on the most clusters, and on how many.
    pub worst: Option<(crate::model::Rule, usize)>,
    /// When its clusters were last read (live data).
    pub fetched_at: Option<OffsetDateTime>,
    /// Why its latest read failed.
    pub error: Option<String>,
}

impl SubscriptionRow {
    /// Compliant clusters as a share of all, in percent; 100 for none.
    pub fn compliant_percent(&self) -> usize {
        ((self.clusters - self.non_compliant) * 100)
            .checked_div(self.clusters)
            .unwrap_or(100)
    }
}

/// The posture view's bars, computed when the clusters in view change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Posture {
    pub by_channel: Vec<(String, u64)>,
    pub by_minor: Vec<(String, u64)>,
    /// Age of each cluster's oldest node image, in buckets of days.
    pub by_image_age: Vec<(String, u64)>,
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
        self.posture = self.chart();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    /// Every row's place in the whole fleet's order by `column`, computed once per data
    /// change: a filter keystroke or a sort then orders integers.
    fn rank(&mut self, column: Column) {
        if self.ranks.contains_key(&column) {
            return;
        }
        let rows = &self.rows;
        let mut order: Vec<usize> = (0..rows.len()).collect();
        match Column::ALL.iter().position(|c| *c == column) {
            // Text columns: compare lower-cased copies made once, not per comparison.
            Some(i) if !matches!(column, Column::Version | Column::Verdict) => {
                let keys: Vec<String> = rows.iter().map(|r| r.cells[i].to_ascii_lowercase()).collect();
                order.sort_unstable_by(|&a, &b| {
                    keys[a]
                        .cmp(&keys[b])
                        .then_with(|| rows[a].cells[0].cmp(&rows[b].cells[0]))
                        .then(a.cmp(&b))
                });
            }
            _ => order.sort_unstable_by(|&a, &b| rows[a].compare(&rows[b], column)),
        }
        let mut ranks = vec![0u32; rows.len()];
        for (rank, row) in order.into_iter().enumerate() {
            ranks[row] = rank as u32;
        }
        self.ranks.insert(column, ranks);
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

    fn chart(&self) -> Posture {
        let mut by_channel = [0u64; 6];
        let mut minors: std::collections::BTreeMap<(u64, u64), u64> = Default::default();
        let mut unknown_version = 0;
        const AGES: [(&str, i64); 6] = [
            ("≤7d", 7),
            ("8-30d", 30),
            ("31-60d", 60),
            ("61-90d", 90),
            ("91-180d", 180),
            (">180d", i64::MAX),
        ];
        let mut ages = [0u64; 7];
        let today = self.now.date();
        for &index in &self.visible {
            let row = &self.rows[index];
            by_channel[row.tally.channel] += 1;
            match &row.version {
                Some(v) => *minors.entry(v.minor_key()).or_default() += 1,
                None => unknown_version += 1,
            }
            let bucket = match row.oldest_image {
                Some(date) => {
                    let days = (today - date).whole_days();
                    AGES.iter().position(|(_, max)| days <= *max).unwrap_or(AGES.len() - 1)
                }
                None => AGES.len(),
            };
            ages[bucket] += 1;
        }
        let names = NodeOsChannel::SUMMARY;
        let mut channel: Vec<(String, u64)> = names.iter().map(|n| n.to_string()).zip(by_channel).collect();
        if by_channel[5] == 0 {
            channel.pop();
        }
        let mut by_minor: Vec<(String, u64)> = minors.into_iter().map(|((a, b), n)| (format!("{a}.{b}"), n)).collect();
        if unknown_version > 0 {
            by_minor.push(("unknown".into(), unknown_version));
        }
        let mut by_image_age: Vec<(String, u64)> = AGES.iter().map(|(n, _)| n.to_string()).zip(ages).collect();
        if ages[AGES.len()] > 0 {
            by_image_age.push(("unknown".into(), ages[AGES.len()]));
        }
        Posture {
            by_channel: channel,
            by_minor,
            by_image_age,
        }
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

/// Groups the clusters by subscription, keeping every subscription of the read (also
/// those with no clusters or a failed read), ordered by least compliant first.
pub fn subscription_rows(fleet: &[Assessed], subscriptions: &[SubscriptionState]) -> Vec<SubscriptionRow> {
    let mut rows: Vec<SubscriptionRow> = subscriptions
        .iter()
        .map(|s| SubscriptionRow {
            id: s.id.clone(),
            name: s.name.clone(),
            clusters: 0,
            non_compliant: 0,
            worst: None,
            fetched_at: s.fetched_at,
            error: s
                .error
                .as_ref()
                .map(|e| format!("{}: {}", e.code.as_deref().unwrap_or("error"), e.message)),
        })
        .collect();
    let mut index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_ascii_lowercase(), i))
        .collect();
    let mut failures: Vec<HashMap<crate::model::Rule, usize>> = vec![HashMap::new(); rows.len()];
    for item in fleet {
        let c = &item.cluster;
        let key = c.subscription_id.to_ascii_lowercase();
        let at = *index.entry(key).or_insert_with(|| {
            rows.push(SubscriptionRow {
                id: c.subscription_id.clone(),
                name: c.subscription_name.clone(),
                clusters: 0,
                non_compliant: 0,
                worst: None,
                fetched_at: None,
                error: None,
            });
            failures.push(HashMap::new());
            rows.len() - 1
        });
        let row = &mut rows[at];
        row.clusters += 1;
        if row.name.is_none() {
            row.name = c.subscription_name.clone();
        }
        let mut failing = false;
        for finding in item.failing() {
            failing = true;
            *failures[at].entry(finding.rule).or_default() += 1;
        }
        if failing {
            row.non_compliant += 1;
        }
    }
    for (row, counts) in rows.iter_mut().zip(failures) {
        row.worst = counts
            .into_iter()
            .max_by_key(|(rule, n)| (*n, std::cmp::Reverse(*rule)));
    }
    rows.sort_by(|a, b| {
        a.compliant_percent()
            .cmp(&b.compliant_percent())
            .then(b.error.is_some().cmp(&a.error.is_some()))
            .then(
                a.name
                    .as_deref()
                    .unwrap_or(&a.id)
                    .cmp(b.name.as_deref().unwrap_or(&b.id)),
            )
    });
    rows
}
