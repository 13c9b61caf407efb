//! The dashboard's one `State`: the data, what is selected, filtered, sorted, marked and
//! open.
//!
//! Only `update` changes it; `ui::draw` only reads it. Everything a frame needs that is
//! costly to compute (each cluster's upgrade outlook, the rows, the filtered and sorted
//! order, the summary and the posture bars) is computed when the data, filter or sort
//! change, and the subscription and upgrade rows when their view shows, never while
//! drawing: the rows in `rows`, the aggregates in `aggregates`. The outlooks count from
//! the state's clock (`now`, the injected tick time) at the moment the data changed,
//! as `scan` counts from its own, and again when they are a minute old. It also holds the line being typed, the histories of
//! filters and commands, and the way back (`back`) that Esc retraces.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use time::OffsetDateTime;

use super::aggregates::{
    CalendarSummary, Posture, SubscriptionRow, Trend, UpgradeCounts, UpgradeRow, subscription_rows, subscription_seeds,
    upgrade_rows,
};
use super::apply::{Operations, PlanPopup};
use super::context::Context;
use super::line::LineEdit;
use super::rows::{Brief, Row, name_rank, rank};
use crate::calendar;
use crate::config::Config;
use crate::filter::{Column, Filter, Vocabulary};
use crate::model::{
    Assessed, RegionOffer, Rule, SourceError, SubscriptionState, Summary, SupportCalendar, UpgradeEvent,
};
use crate::remediate::{self, Scope};

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
    /// The details phase, once the list is in: its requests in all, done and failed.
    pub details: Option<DetailsProgress>,
    /// When the latest refresh started, for the automatic refresh interval.
    pub started: Option<OffsetDateTime>,
}

/// How far the details phase of a refresh got, in requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailsProgress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
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
/// fix), for the rules chosen, made when opened and again when the data or the choice
/// changes. Scrolled and pointed at by text line (not screen line), so its line count
/// is the written file's.
#[derive(Debug, Clone, PartialEq)]
pub struct FixPopup {
    /// The clusters it fixes (lower-cased ids).
    pub ids: Vec<String>,
    /// Opened with the batch key: the title counts clusters instead of naming one.
    pub batch: bool,
    pub format: remediate::Format,
    pub text: String,
    /// The first text line shown.
    pub scroll: u16,
    /// The text line under the cursor: what `copy` takes the command from.
    pub cursor: usize,
    /// Every rule, whether the fix is for it, and how many of the clusters fail it.
    pub rules: Vec<RuleChoice>,
    /// The rule the rule keys act on (index into `rules`).
    pub rule_at: usize,
}

/// One rule of the fix popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleChoice {
    pub rule: Rule,
    pub included: bool,
    /// The popup's clusters that fail it.
    pub failing: usize,
}

impl FixPopup {
    /// The rules the text is for.
    pub fn scope(&self) -> Scope {
        Scope::of(self.rules.iter().filter(|r| r.included).map(|r| r.rule))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
        /// What the help was opened over: its keys come first.
        context: Context,
        /// The popup it covers, back when the help closes.
        under: Option<Box<Overlay>>,
    },
    Fix(FixPopup),
    Errors {
        scroll: u16,
    },
    /// The plan of an apply, waiting for its confirmation to be typed.
    Plan(PlanPopup),
    /// Quitting while changes run: asked first.
    Quit {
        running: usize,
        queued: usize,
    },
    /// The raw JSON of a cluster; `None` while it loads. Scrolled by text line.
    Raw {
        id: String,
        text: Option<String>,
        scroll: u16,
        /// The last search, for `search-next` and the highlight.
        search: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// A message on the message line, and when it was said: it goes after a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub level: Level,
    pub since: OffsetDateTime,
}

/// How old the outlooks may grow while the data stays the same: after that the next
/// idle tick works them out again, so "in 2 d 4 h" and `window:<24h` follow the clock
/// (at 10,000 clusters about 100 ms, once a minute, while nothing else happens).
pub const OUTLOOK_LIFE: time::Duration = time::Duration::minutes(1);

/// How long a message stays: long enough to read, short enough not to mislead.
pub const INFO_SECONDS: i64 = 5;
pub const ERROR_SECONDS: i64 = 20;

/// What a line being typed is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    /// The `:` command line.
    Command,
    /// A search in the raw JSON.
    Search,
    /// The confirmation of an apply: the number of clusters, or `yes` for one.
    Confirm,
}

/// A line being typed at the bottom of the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub line: LineEdit,
    /// Why the text does not parse, naming the term (that term is not applied).
    pub error: Option<String>,
    /// What was there before: the filter's text, or the raw view's scroll; Esc puts it back.
    pub before: String,
    /// Position in the history while Up/Down browse it, and the text typed before.
    pub history_at: Option<usize>,
    pub draft: String,
    /// What Tab found when it could not choose one.
    pub candidates: Vec<String>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str, before: String) -> Prompt {
        Prompt {
            kind,
            line: LineEdit::new(text),
            error: None,
            before,
            history_at: None,
            draft: String::new(),
            candidates: Vec::new(),
        }
    }
}

/// Where Esc goes back to: a view, the filter it had and what was selected.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub view: View,
    pub screen: Screen,
    pub filter: String,
    pub selected: Option<String>,
    pub subscription_selected: usize,
    pub upgrade_selected: usize,
}

/// The views of the fleet, and of the changes applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Clusters,
    Subscriptions,
    Posture,
    /// Upcoming and recent scheduled upgrade events of the clusters in view.
    Upgrades,
    /// The changes applied from the dashboard, as they run.
    Operations,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Clusters,
        View::Subscriptions,
        View::Posture,
        View::Upgrades,
        View::Operations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::Clusters => "clusters",
            View::Subscriptions => "subscriptions",
            View::Posture => "posture",
            View::Upgrades => "upgrades",
            View::Operations => "operations",
        }
    }

    pub fn by_name(name: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// Every row's search text: one string per share of the rows (the rows are made a
/// share per core, each row's text put straight into its share's), and where each
/// row's starts.
#[derive(Default)]
struct Haystacks {
    chunks: Vec<Chunk>,
}

/// The search texts of the rows from `first` on, one after the other.
#[derive(Default)]
struct Chunk {
    first: usize,
    text: String,
    /// Where each row's text starts in `text`; one more entry for the end.
    starts: Vec<usize>,
}

impl Chunk {
    /// Appends the text of row `at`, the one after the last (or the first).
    fn push(&mut self, at: usize, text: &str) {
        if self.starts.is_empty() {
            self.first = at;
            self.starts.push(0);
        }
        self.text.push_str(text);
        self.starts.push(self.text.len());
    }

    fn rows(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn of_row(&self, local: usize) -> &str {
        &self.text[self.starts[local]..self.starts[local + 1]]
    }

    /// The rows' texts again, those of `rows` that hold a new one (not empty) taking
    /// it: in place when each is as long as the one before, else the chunk made anew.
    fn update(&mut self, rows: &mut [Row]) {
        let mine = &mut rows[self.first..self.first + self.rows()];
        let changed = |row: &Row, local: usize| !row.haystack.is_empty() && row.haystack != self.of_row(local);
        if !mine.iter().enumerate().any(|(local, row)| changed(row, local)) {
            mine.iter_mut().for_each(|row| row.haystack = String::new());
            return;
        }
        let same_lengths = (mine.iter().enumerate())
            .all(|(local, row)| row.haystack.is_empty() || row.haystack.len() == self.of_row(local).len());
        if same_lengths {
            for (local, row) in mine.iter_mut().enumerate() {
                if !row.haystack.is_empty() {
                    let range = self.starts[local]..self.starts[local + 1];
                    self.text.replace_range(range, &std::mem::take(&mut row.haystack));
                }
            }
            return;
        }
        let mut again = Chunk::default();
        for (local, row) in mine.iter_mut().enumerate() {
            match row.haystack.is_empty() {
                true => again.push(self.first + local, self.of_row(local)),
                false => again.push(self.first + local, &std::mem::take(&mut row.haystack)),
            }
        }
        *self = again;
    }

    /// `Haystacks::containing` for the chunk's rows in `range` (counted from `first`).
    fn containing(&self, words: &[&str], range: std::ops::Range<usize>) -> Vec<bool> {
        let mut all = vec![true; range.len()];
        for word in words.iter().filter(|w| !w.is_empty()) {
            let finder = memchr::memmem::Finder::new(word.as_bytes());
            let mut found = vec![false; range.len()];
            let (bytes, end) = (self.text.as_bytes(), self.starts[range.end]);
            let (mut at, mut row) = (self.starts[range.start], range.start);
            while let Some(hit) = finder.find(&bytes[at..end]).map(|n| at + n) {
                while self.starts[row + 1] <= hit {
                    row += 1;
                }
                // A hit counts when it ends in the row it starts in.
                if hit + word.len() <= self.starts[row + 1] {
                    found[row - range.start] = true;
                    at = self.starts[row + 1];
                } else {
                    at = hit + 1;
                }
            }
            for (keep, found) in all.iter_mut().zip(found) {
                *keep &= found;
            }
        }
        all
    }
}

impl Haystacks {
    /// Rows made with their texts, over the cores: each row's text goes into its
    /// share's string as the row is made (a fleet's texts are tens of megabytes, not
    /// to be held twice). `work` makes row `at` with the thread's `texts`.
    fn make(len: usize, work: impl Fn(&mut crate::model::Interner, usize) -> Row + Sync) -> (Vec<Row>, Haystacks) {
        let (rows, shares) = crate::par::map_with(
            (0..len).collect(),
            || (crate::model::Interner::new(), Chunk::default()),
            |(texts, chunk), at| {
                let mut row = work(texts, at);
                chunk.push(at, &std::mem::take(&mut row.haystack));
                row
            },
        );
        let chunks = shares
            .into_iter()
            .map(|(_, chunk)| chunk)
            .filter(|c| c.rows() > 0)
            .collect();
        (rows, Haystacks { chunks })
    }

    /// After rows were made again (`replace`): their new texts, taken out of them.
    fn update(&mut self, rows: &mut [Row]) {
        for chunk in &mut self.chunks {
            chunk.update(rows);
        }
    }

    fn rows(&self) -> usize {
        self.chunks.iter().map(Chunk::rows).sum()
    }

    fn of_row(&self, at: usize) -> &str {
        let after = self.chunks.partition_point(|c| c.first <= at);
        match after.checked_sub(1).map(|n| &self.chunks[n]) {
            Some(chunk) if at - chunk.first < chunk.rows() => chunk.of_row(at - chunk.first),
            _ => "",
        }
    }

    /// Per row, whether its text contains every one of `words`: every place each word
    /// occurs, in one pass over all the texts, each put in its row by walking the rows
    /// along with it.
    fn containing(&self, words: &[&str]) -> Vec<bool> {
        let rows = self.rows();
        if rows == 0 {
            return Vec::new();
        }
        // The rows in a share per core; within a share, a row found once is left.
        crate::par::ranges(rows, |range| {
            let mut all = Vec::with_capacity(range.len());
            for chunk in &self.chunks {
                let (from, to) = (range.start.max(chunk.first), range.end.min(chunk.first + chunk.rows()));
                if from < to {
                    all.extend(chunk.containing(words, from - chunk.first..to - chunk.first));
                }
            }
            all
        })
        .concat()
    }
}

/// The rows one filter kept, for the data shown.
struct Kept {
    filter: Filter,
    only_failing: bool,
    keep: Arc<[bool]>,
    count: usize,
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
    /// Each row's `Brief`, in the rows' order: what the passes over every row read.
    briefs: Vec<Brief>,
    /// Indices into `rows`, filtered and sorted: what the table shows.
    pub visible: Vec<usize>,
    /// The counts over the clusters in view, for the header and the views.
    pub summary: Summary,
    /// The upgrade calendar's counts over the clusters in view, for the header.
    pub calendar_summary: CalendarSummary,
    /// The support calendar (built in, with config's `[support]` over it), made once.
    pub calendar: SupportCalendar,
    /// What each region offers (by lower-case location), as the data read it.
    pub regions: BTreeMap<String, RegionOffer>,
    /// AKS's scheduled upgrade events that come with new data (`None`: not read).
    /// `install` hands each cluster's to its outlook, which keeps them (one copy, not
    /// two): this is `None` again afterwards, and `events()` reads them.
    pub events: Option<Vec<UpgradeEvent>>,
    /// Whether the data on screen came with events (held by the outlooks).
    events_read: bool,
    /// The clock's time the outlooks were worked out at: when the data last changed,
    /// or the tick that renewed them (`renew_outlooks`).
    pub outlook_at: Option<OffsetDateTime>,
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
    /// A line being typed (filter, command, search), if any.
    pub prompt: Option<Prompt>,
    /// Filters and commands accepted before, oldest first, for Up/Down.
    pub filter_history: Vec<String>,
    pub command_history: Vec<String>,
    /// Where Esc goes back to, the latest last.
    pub back: Vec<Place>,
    pub filter: Filter,
    pub sort: (Column, bool),
    pub status: Option<Status>,
    pub view: View,
    /// Marked rows (by index into `rows`), for the batch fix; kept by id across refreshes.
    marked: Vec<bool>,
    marked_count: usize,
    /// Show non-compliant clusters only.
    pub only_failing: bool,
    pub subscription_rows: Vec<SubscriptionRow>,
    /// Every subscription of the data with nothing counted, and each row's place among
    /// them: grouping the clusters in view then needs no lookup by id.
    subscription_seeds: Vec<SubscriptionRow>,
    group_of: Vec<u32>,
    /// Per subscription group, the row that speaks for all (see `group_by_subscription`).
    speakers: Vec<Option<usize>>,
    /// Position in `subscription_rows`, and the first drawn.
    pub subscription_selected: usize,
    pub subscription_offset: usize,
    /// The upgrades view's events (of the clusters in view), and its cursor.
    pub upgrade_rows: Vec<UpgradeRow>,
    pub upgrade_counts: UpgradeCounts,
    pub upgrade_selected: usize,
    pub upgrade_offset: usize,
    pub posture: Posture,
    /// For portal links.
    pub cloud: crate::config::Cloud,
    /// Per sort column, each row's rank in the whole fleet (equal values, equal
    /// rank), and each row's rank by name; cleared when the data changes.
    ranks: HashMap<Column, Vec<u32>>,
    by_name: Vec<u32>,
    /// The whole fleet sorted by a column, each way: indices into `rows`.
    orders: HashMap<(Column, bool), Vec<u32>>,
    /// Subscription names and tag keys, for completing filter terms: made on the idle
    /// tick or the first Tab, not with every new fleet.
    vocabulary: Option<Vocabulary>,
    /// The texts the rows and the findings share (cells, reasons), for the fleet shown.
    texts: crate::model::Interner,
    /// The rows the last few filters kept, for this data (the latest last).
    kept: Vec<Kept>,
    /// The rows in view, by place in `rows` (what `visible` holds, in memory order).
    shown: Arc<[bool]>,
    /// The order `visible` was made in.
    shown_order: Option<(Column, bool)>,
    /// Every row's search text, one after the other (`Row::haystack` moves here), and
    /// where each starts: a word is found in all of them in one pass.
    haystacks: Haystacks,
    /// Bumped whenever `visible` is made again; each view's aggregates were last made
    /// for (this, day).
    visible_generation: u64,
    aggregated: [Option<(u64, time::Date)>; 3],
    /// The trend over the recorded reads (live data), for the posture view.
    pub trend: Trend,
    /// Which fleet this is (the cache key: endpoint, tenant, demo), so a remembered
    /// filter comes back only for the fleet it was set on.
    pub fleet_key: String,
    /// Whether the data is live (read over HTTP from Resource Manager: Azure, an
    /// endpoint, the demo's simulator), so it can be re-read and details fetched.
    pub live: bool,
    /// The changes applied from the dashboard, and how each went.
    pub operations: Operations,
    /// Waiting for the first data.
    pub loading: bool,
    pub quit: bool,
}

impl State {
    pub fn new(config: Arc<Config>, data_source: DataSource, now: OffsetDateTime) -> State {
        let cloud = config.cloud;
        let live = !matches!(data_source, DataSource::Files(_));
        let calendar = config.support_calendar();
        State {
            config,
            data_source,
            fleet: Vec::new(),
            rows: Vec::new(),
            briefs: Vec::new(),
            visible: Vec::new(),
            summary: Summary::default(),
            calendar_summary: CalendarSummary::default(),
            calendar,
            regions: BTreeMap::new(),
            events: None,
            events_read: false,
            outlook_at: None,
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
            prompt: None,
            filter_history: Vec::new(),
            command_history: Vec::new(),
            back: Vec::new(),
            filter: Filter::default(),
            sort: (Column::Verdict, true),
            status: None,
            view: View::Clusters,
            marked: Vec::new(),
            marked_count: 0,
            only_failing: false,
            subscription_rows: Vec::new(),
            subscription_seeds: Vec::new(),
            group_of: Vec::new(),
            speakers: Vec::new(),
            subscription_selected: 0,
            subscription_offset: 0,
            upgrade_rows: Vec::new(),
            upgrade_counts: UpgradeCounts::default(),
            upgrade_selected: 0,
            upgrade_offset: 0,
            posture: Posture::default(),
            cloud,
            ranks: HashMap::new(),
            by_name: Vec::new(),
            orders: HashMap::new(),
            vocabulary: None,
            texts: crate::model::Interner::new(),
            kept: Vec::new(),
            shown: Arc::new([]),
            shown_order: None,
            haystacks: Haystacks::default(),
            visible_generation: 0,
            aggregated: [None; 3],
            trend: Trend::default(),
            fleet_key: String::new(),
            live,
            operations: Operations::default(),
            loading: true,
            quit: false,
        }
    }

    /// Replaces the data, keeping the selection and the marks on the same clusters when
    /// they are still there, and the events of the data before unless new ones are
    /// given in `events`.
    pub fn set_fleet(&mut self, fleet: Vec<Assessed>) {
        if self.events.is_none() {
            self.events = self.take_events();
        }
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
        self.briefs = Vec::new();
        self.fleet = Vec::new();
        self.visible = Vec::new();
        self.shown = Arc::new([]);
        self.haystacks = Haystacks::default();
        self.kept.clear();
        self.ranks.clear();
        self.orders.clear();
        self.by_name = Vec::new();
        carried
    }

    /// Puts new data in, after `release`: each cluster's upgrade outlook is worked out
    /// first (from `regions`, `events` and the clock), then the rows, their texts shared.
    pub fn install(&mut self, mut fleet: Vec<Assessed>, carried: Carried) {
        self.annotate(&mut fleet);
        // Over the cores, each with its own shared texts; later changes share theirs.
        self.texts = crate::model::Interner::new();
        let (items, config) = (&fleet, &*self.config);
        (self.rows, self.haystacks) =
            Haystacks::make(fleet.len(), |texts, i| Row::of_shared(i, &items[i], config, texts));
        self.briefs = self.rows.iter().map(|r| r.brief).collect();
        self.by_name = name_rank(&self.rows);
        self.vocabulary = None;
        self.marked = if carried.marked.is_empty() {
            vec![false; self.rows.len()]
        } else {
            self.rows
                .iter()
                .map(|r| carried.marked.contains(&fleet[r.index].cluster.id.to_ascii_lowercase()))
                .collect()
        };
        self.marked_count = self.marked.iter().filter(|m| **m).count();
        self.fleet = fleet;
        self.group_by_subscription();
        self.data_time = self.fleet.iter().filter_map(|a| a.cluster.as_of).min();
        self.loading = false;
        self.recompute();
        if let Some(id) = carried.selected {
            self.select_id(&id);
        }
    }

    /// Works out every cluster's upgrade outlook as `scan` does (`calendar::annotate`),
    /// as of the state's clock; the events waiting in `events` go into the outlooks.
    fn annotate(&mut self, fleet: &mut [Assessed]) {
        self.outlook_at = Some(self.now);
        let events = self.events.take();
        self.events_read = events.is_some();
        let context = calendar::Context::new(
            self.now,
            &self.calendar,
            &self.regions,
            None,
            &self.config.insights,
            fleet,
        );
        calendar::annotate_with_events(fleet, &context, events);
    }

    /// Whether the data on screen came with AKS's scheduled events.
    pub fn events_read(&self) -> bool {
        self.events_read
    }

    /// The scheduled events of the data on screen, cluster by cluster.
    pub fn events(&self) -> impl Iterator<Item = &UpgradeEvent> {
        self.fleet
            .iter()
            .filter_map(|a| a.outlook.as_deref()?.events.as_deref())
            .flatten()
    }

    /// Takes the events back out of the outlooks (which are about to be replaced), or
    /// `None` when the data came without them.
    pub fn take_events(&mut self) -> Option<Vec<UpgradeEvent>> {
        if !self.events_read {
            return None;
        }
        self.events_read = false;
        let outlooks = || self.fleet.iter().filter_map(|a| a.outlook.as_deref());
        let count = outlooks().map(|o| o.events.as_ref().map_or(0, Vec::len)).sum();
        let mut taken = Vec::with_capacity(count);
        for item in &mut self.fleet {
            taken.extend(
                item.outlook
                    .as_mut()
                    .and_then(|o| o.events.take())
                    .into_iter()
                    .flatten(),
            );
        }
        Some(taken)
    }

    /// Works the outlooks out again from the clock, when they are `OUTLOOK_LIFE` old: the
    /// same data, but windows have opened and closed and "in 2 d 4 h" has moved on. The
    /// selection and the marks stay. Returns whether it did.
    pub fn renew_outlooks(&mut self) -> bool {
        let due = self
            .outlook_at
            .is_some_and(|at| self.now - at >= OUTLOOK_LIFE && !self.fleet.is_empty());
        if due {
            self.events = self.take_events();
            let fleet = std::mem::take(&mut self.fleet);
            let carried = self.release();
            self.install(fleet, carried);
        }
        due
    }

    /// Replaces clusters by their place in the fleet (a refresh read their details),
    /// assessed again with their outlook worked out again (keeping the events they had),
    /// keeping everything else; a place that holds another cluster (the fleet changed
    /// since) is left alone.
    pub fn replace(&mut self, clusters: Vec<(usize, Arc<crate::model::Cluster>)>) {
        let today = self.now.date();
        let mut changed = Vec::new();
        for (index, cluster) in clusters {
            let Some(item) = self.fleet.get_mut(index) else {
                continue;
            };
            if !item.cluster.id.eq_ignore_ascii_case(&cluster.id) {
                continue;
            }
            let events = item.outlook.as_mut().and_then(|o| o.events.take());
            *item = crate::rules::assess_sharing(cluster, &self.config, today, &mut self.texts);
            changed.push((index, events));
        }
        if changed.is_empty() {
            return;
        }
        let context = calendar::Context::new(
            self.now,
            &self.calendar,
            &self.regions,
            None,
            &self.config.insights,
            &self.fleet,
        );
        for (index, events) in changed {
            let item = &mut self.fleet[index];
            let events = self.events_read.then(|| events.unwrap_or_default());
            item.outlook = Some(Box::new(calendar::outlook_with(&item.cluster, &context, events)));
            self.rows[index] = Row::of_shared(index, item, &self.config, &mut self.texts);
            self.briefs[index] = self.rows[index].brief;
        }
        drop(context);
        self.haystacks.update(&mut self.rows);
        self.kept.clear();
        self.ranks.clear();
        self.orders.clear();
        self.recompute_keeping_selection();
    }

    /// Replaces one cluster (read back after an apply), keeping everything else: its
    /// outlook is worked out with the rest, as for any data change, so the calendar and
    /// the aggregates count it as it is now.
    pub fn set_one(&mut self, index: usize, item: Assessed) {
        if index < self.fleet.len() {
            self.events = self.take_events();
            let mut fleet = std::mem::take(&mut self.fleet);
            fleet[index] = item;
            let carried = self.release();
            self.install(fleet, carried);
        }
    }

    /// Filters, sorts and counts again: after the data, the filter or the sort changed.
    pub fn recompute(&mut self) {
        let (column, descending) = self.sort;
        self.order(column, descending);
        // The whole fleet is in order already: filtering it keeps the order, so a
        // keystroke costs one pass and no sort. The rows are matched in memory order
        // (walking them in sorted order would miss the cache on every row), then picked
        // in sorted order from the small list of answers.
        let keep = self.keep();
        // The same rows in the same order (a key that moved the cursor in the filter
        // being typed, say): the view, its counts and aggregates stand.
        let unchanged = Arc::ptr_eq(&keep, &self.shown) && self.shown_order == Some((column, descending));
        if !unchanged {
            let order = &self.orders[&(column, descending)];
            self.visible = order.iter().map(|&row| row as usize).filter(|&i| keep[i]).collect();
            self.shown = keep;
            self.shown_order = Some((column, descending));
            self.visible_generation += 1;
            (self.summary, self.calendar_summary) = self.summarise();
        }
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
        self.aggregate_view();
    }

    /// The rows in view in memory order: for counting them, it reads the rows one after
    /// the other rather than all over the fleet.
    fn in_memory_order(&self) -> Vec<usize> {
        if self.shown.len() != self.rows.len() {
            return self.visible.clone();
        }
        self.shown
            .iter()
            .enumerate()
            .filter(|(_, shown)| **shown)
            .map(|(at, _)| at)
            .collect()
    }

    /// Which rows the filter (and the failing-only switch) keeps. Remembered for the
    /// last few filters of this data, and worked out from the narrowest remembered one
    /// the new filter narrows (only its rows can match): typing a filter, erasing and
    /// recalling it scans the fleet little, or not at all.
    fn keep(&mut self) -> Arc<[bool]> {
        const REMEMBERED: usize = 32;
        let only_failing = self.only_failing;
        if let Some(at) = self
            .kept
            .iter()
            .position(|k| k.only_failing == only_failing && k.filter == self.filter)
        {
            let hit = self.kept.remove(at);
            let keep = hit.keep.clone();
            self.kept.push(hit);
            return keep;
        }
        let base = self
            .kept
            .iter()
            .filter(|k| (!k.only_failing || only_failing) && self.filter.narrows(&k.filter))
            .min_by_key(|k| k.count);
        let (filter, fleet, haystacks) = (&self.filter, &self.fleet, &self.haystacks);
        // Rows whose text holds every word: found in one pass over all the texts, unless
        // a remembered filter leaves so few rows that looking at each is quicker.
        let words: Vec<&str> = filter.words().collect();
        let few = base.is_some_and(|b| b.count * 8 < self.rows.len());
        let with_words = (!words.is_empty() && !few).then(|| haystacks.containing(&words));
        // Words alone (or nothing at all): no row needs looking at.
        let words_only = !only_failing && filter.is_words_only();
        let quick: Option<Arc<[bool]>> = match (&with_words, words_only) {
            (Some(with), true) => Some(match base {
                Some(base) => with.iter().zip(base.keep.iter()).map(|(a, b)| *a && *b).collect(),
                None => with.iter().copied().collect(),
            }),
            (None, true) if words.is_empty() => Some(vec![true; self.rows.len()].into()),
            _ => None,
        };
        // `sub:` terms asked once per subscription, not once per cluster: every cluster
        // of a subscription that has one id and name answers the same.
        let by_subscription = self.subscription_answers(filter);
        let (group_of, rows, briefs) = (&self.group_of, &self.rows, &self.briefs);
        // A row's brief answers most terms; the row and its cluster are read only for
        // the rest (a row's `index` is its place in the fleet).
        let test = |at: usize| {
            let brief = &briefs[at];
            let known = |term: usize| {
                if let Some(answer) = filter.row_answer(term, &brief.facts()) {
                    return Some(answer);
                }
                let group = *group_of.get(at)? as usize;
                let (_, answers) = by_subscription.iter().find(|(t, _)| *t == term)?;
                *answers.get(group)?
            };
            (!only_failing || brief.failing())
                && with_words.as_ref().is_none_or(|with| with[at])
                && filter.matches_knowing(
                    &fleet[at],
                    || haystacks.of_row(at),
                    || rows[at].version.as_ref(),
                    with_words.is_some(),
                    known,
                )
        };
        let keep: Arc<[bool]> = match (quick, base) {
            (Some(quick), _) => quick,
            // Every row looked at, a share per core.
            (None, base) => crate::par::ranges(rows.len(), |range| {
                range
                    .map(|at| base.is_none_or(|b| b.keep[at]) && test(at))
                    .collect::<Vec<bool>>()
            })
            .concat()
            .into(),
        };
        let count = keep.iter().filter(|k| **k).count();
        if self.kept.len() == REMEMBERED {
            self.kept.remove(0);
        }
        self.kept.push(Kept {
            filter: self.filter.clone(),
            only_failing,
            keep: keep.clone(),
            count,
        });
        keep
    }

    /// For each `sub:` term of `filter`, its answer per subscription group (`group_of`):
    /// `None` for a group whose clusters do not all carry one subscription id and name,
    /// which are then asked one by one.
    fn subscription_answers(&self, filter: &Filter) -> Vec<(usize, Vec<Option<bool>>)> {
        let terms = filter.subscription_terms();
        if terms.is_empty() || self.group_of.len() != self.rows.len() {
            return Vec::new();
        }
        terms
            .into_iter()
            .map(|term| {
                let answers = self
                    .speakers
                    .iter()
                    .map(|speaker| {
                        let cluster = &self.fleet[self.rows[(*speaker)?].index].cluster;
                        Some(filter.subscription_matches(
                            term,
                            &cluster.subscription_id,
                            cluster.subscription_name.as_deref(),
                        ))
                    })
                    .collect();
                (term, answers)
            })
            .collect()
    }

    /// Groups the rows by subscription (`subscription_seeds`, `group_of`) and finds each
    /// group's first row when every cluster of it carries one subscription id and name
    /// (`speakers`): a `sub:` term then asks that one for all.
    fn group_by_subscription(&mut self) {
        (self.subscription_seeds, self.group_of) = subscription_seeds(&self.rows, &self.subscriptions);
        let groups = self.subscription_seeds.len();
        let mut first: Vec<Option<usize>> = vec![None; groups];
        let mut uniform = vec![true; groups];
        for (at, &group) in self.group_of.iter().enumerate() {
            let group = group as usize;
            if group >= groups {
                continue;
            }
            let cluster = &self.fleet[self.rows[at].index].cluster;
            match first[group] {
                None => first[group] = Some(at),
                Some(seen) => {
                    let seen = &self.fleet[self.rows[seen].index].cluster;
                    if seen.subscription_id != cluster.subscription_id
                        || seen.subscription_name != cluster.subscription_name
                    {
                        uniform[group] = false;
                    }
                }
            }
        }
        self.speakers = first
            .into_iter()
            .zip(uniform)
            .map(|(first, uniform)| first.filter(|_| uniform))
            .collect();
    }

    /// The aggregates of the view that shows, for the clusters in view: the subscription
    /// rows, the posture bars, or the upgrade events (the clusters view needs none).
    /// Made again only when the view, the clusters in view or the day changed.
    pub fn aggregate_view(&mut self) {
        let now = Some((self.visible_generation, self.now.date()));
        let slot = match self.view {
            View::Subscriptions => 0,
            View::Posture => 1,
            View::Upgrades => 2,
            View::Clusters | View::Operations => return,
        };
        if self.aggregated[slot] == now {
            return;
        }
        self.aggregated[slot] = now;
        match self.view {
            View::Subscriptions => self.group_subscriptions(),
            View::Posture => {
                // Counts do not hang on the order: the rows are read in memory order.
                let in_memory = self.in_memory_order();
                self.posture = Posture::of(&self.rows, &in_memory, &self.summary, self.now.date());
            }
            View::Upgrades => {
                (self.upgrade_rows, self.upgrade_counts) = upgrade_rows(&self.rows, &self.fleet, &self.visible);
                self.upgrade_selected = self.upgrade_selected.min(self.upgrade_rows.len().saturating_sub(1));
                self.upgrade_offset = self.upgrade_offset.min(self.upgrade_selected);
            }
            View::Clusters | View::Operations => {}
        }
    }

    /// The whole fleet in the order of `column` (descending or not), made once per data
    /// change: the column's rank, then the name, so equal values stay in name order
    /// whichever way the column runs.
    fn order(&mut self, column: Column, descending: bool) {
        if self.orders.contains_key(&(column, descending)) {
            return;
        }
        self.rank(column);
        let ranks = &self.ranks[&column];
        let by_name = &self.by_name;
        // One integer per row, so sorting reads one contiguous array.
        let mut keyed: Vec<(u64, u32)> = (0..self.rows.len())
            .map(|row| {
                let rank = u64::from(ranks[row]);
                let rank = if descending { u64::from(u32::MAX) - rank } else { rank };
                ((rank << 32) | u64::from(by_name[row]), row as u32)
            })
            .collect();
        keyed.sort_unstable();
        let order = keyed.into_iter().map(|(_, row)| row).collect();
        self.orders.insert((column, descending), order);
    }

    /// Groups the clusters in view by subscription, for the subscriptions view: done
    /// when that view shows (the clusters view has no use for it).
    pub fn group_subscriptions(&mut self) {
        let narrowed = !self.filter.is_empty() || self.only_failing;
        // The subscriptions may have changed since the rows were installed: the same
        // ones with news (an error, a read time) update the seeds; others remake them.
        let same = self.group_of.len() == self.rows.len()
            && self.subscription_seeds.len() >= self.subscriptions.len()
            && self
                .subscriptions
                .iter()
                .zip(&self.subscription_seeds)
                .all(|(s, seed)| s.id == seed.id);
        if same {
            let (fresh, _) = subscription_seeds(&[], &self.subscriptions);
            for (seed, fresh) in self.subscription_seeds.iter_mut().zip(fresh) {
                *seed = fresh;
            }
        } else {
            self.group_by_subscription();
        }
        self.subscription_rows = subscription_rows(
            &self.briefs,
            &self.in_memory_order(),
            &self.subscription_seeds,
            &self.group_of,
            narrowed,
        );
        self.subscription_selected = self
            .subscription_selected
            .min(self.subscription_rows.len().saturating_sub(1));
        self.subscription_offset = self.subscription_offset.min(self.subscription_selected);
    }

    /// The names filter terms complete to, made once per fleet.
    pub fn vocabulary(&mut self) -> &Vocabulary {
        let (fleet, subscriptions) = (&self.fleet, &self.subscriptions);
        self.vocabulary.get_or_insert_with(|| vocabulary(fleet, subscriptions))
    }

    /// Says something on the message line, until it expires.
    pub fn say(&mut self, text: impl Into<String>, level: Level) {
        self.status = Some(Status {
            text: text.into(),
            level,
            since: self.now,
        });
    }

    /// Replaces the filter and filters again, keeping the selected cluster.
    pub fn set_filter(&mut self, filter: Filter) {
        if filter != self.filter {
            self.filter = filter;
            self.recompute_keeping_selection();
        }
    }

    /// The subscriptions whose read failed in the latest refresh, and how many there are.
    pub fn unread_subscriptions(&self) -> (usize, usize) {
        let failed = self.subscriptions.iter().filter(|s| s.error.is_some()).count();
        (failed, self.subscriptions.len())
    }

    /// Every row's place in the whole fleet's order by `column`, computed once per data
    /// change: a filter keystroke or a sort then orders integers.
    fn rank(&mut self, column: Column) {
        if !self.ranks.contains_key(&column) {
            self.ranks.insert(column, rank(&self.rows, column));
        }
    }

    pub fn recompute_keeping_selection(&mut self) {
        // The rows stay the same: finding the selected one again compares indices,
        // not ids (10,000 of them on a keystroke).
        let selected_row = self.visible.get(self.selected).copied();
        self.recompute();
        if let Some(row) = selected_row
            && let Some(at) = self.visible.iter().position(|&r| r == row)
        {
            self.selected = at;
        }
    }

    /// The counts of the clusters in view, and the calendar's, in one pass, read in
    /// memory order (the order of the view would jump all over the fleet for each).
    fn summarise(&self) -> (Summary, CalendarSummary) {
        let mut summary = Summary::default();
        let mut calendar = CalendarSummary {
            clusters: self.visible.len(),
            ..Default::default()
        };
        let mut add = |brief: &Brief| {
            summary.add(brief.tally());
            calendar.add(brief.calendar());
        };
        if self.shown.len() == self.briefs.len() {
            for (brief, shown) in self.briefs.iter().zip(self.shown.iter()) {
                if *shown {
                    add(brief);
                }
            }
        } else {
            for &index in &self.visible {
                add(&self.briefs[index]);
            }
        }
        (summary, calendar)
    }

    /// The ids the batch fix works on: the marked clusters, or with none marked every
    /// failing cluster in view. In the table's order.
    pub fn batch_ids(&self) -> Vec<String> {
        if self.marked_count == 0 {
            return self
                .visible
                .iter()
                .filter(|&&row| self.briefs[row].failing())
                .map(|&row| self.row_id(row))
                .collect();
        }
        let shown = self.visible.iter().copied().filter(|&row| self.marked[row]);
        // Marked clusters a filter hides are still part of the batch, after the rest.
        let in_view: std::collections::HashSet<usize> = self.visible.iter().copied().collect();
        let hidden = (0..self.rows.len()).filter(|row| self.marked[*row] && !in_view.contains(row));
        shown.chain(hidden).map(|row| self.row_id(row)).collect()
    }

    /// The id of a row's cluster, lower-cased: the key of marks and details.
    fn row_id(&self, row: usize) -> String {
        self.fleet[self.rows[row].index].cluster.id.to_ascii_lowercase()
    }

    /// A row's `Brief` (index into `rows`), as the passes over the rows read it.
    #[cfg(test)]
    pub fn brief(&self, row: usize) -> Option<&Brief> {
        self.briefs.get(row)
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
            .map(|row| self.row_id(row))
            .collect()
    }

    /// Orders the fleet by every column, both ways, and makes the completion vocabulary,
    /// where not done yet, so that the first sort or Tab after new data costs no more
    /// than the next. Called when the loop is idle (the slow tick).
    pub fn warm_ranks(&mut self) {
        for column in Column::ALL {
            self.order(column, false);
            self.order(column, true);
        }
        self.vocabulary();
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

    /// Where the dashboard is now, to come back to with Esc.
    pub fn place(&self) -> Place {
        Place {
            view: self.view,
            screen: self.screen.clone(),
            filter: self.filter.source().to_string(),
            selected: self.selected_item().map(|a| a.cluster.id.to_ascii_lowercase()),
            subscription_selected: self.subscription_selected,
            upgrade_selected: self.upgrade_selected,
        }
    }

    /// The event under the cursor in the upgrades view, and its cluster.
    pub fn selected_upgrade(&self) -> Option<(&Assessed, &UpgradeEvent)> {
        let at = self.upgrade_rows.get(self.upgrade_selected)?;
        let item = self.fleet.get(self.rows.get(at.row as usize)?.index)?;
        let event = item.outlook.as_deref()?.events.as_deref()?.get(at.event as usize)?;
        Some((item, event))
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

/// The names filter terms can complete to: subscription names (ids for those without
/// one) and tag keys, each once, sorted.
fn vocabulary(fleet: &[Assessed], subscriptions: &[SubscriptionState]) -> Vocabulary {
    let mut names: std::collections::BTreeSet<String> = subscriptions
        .iter()
        .map(|s| crate::text::clean(s.name.as_deref().unwrap_or(&s.id)).into_owned())
        .collect();
    let mut tags = std::collections::BTreeSet::new();
    for item in fleet {
        let c = &item.cluster;
        if !names.contains(c.subscription_label()) {
            names.insert(crate::text::clean(c.subscription_label()).into_owned());
        }
        for key in c.tags.keys() {
            if !tags.contains(key) {
                tags.insert(crate::text::clean(key).into_owned());
            }
        }
    }
    Vocabulary {
        subscriptions: names.into_iter().collect(),
        tag_keys: tags.into_iter().collect(),
    }
}
