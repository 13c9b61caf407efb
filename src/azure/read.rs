//! One read of the fleet: the subscription list, every cluster list and, when asked,
//! every cluster's details, as the jobs of one pool of `concurrency` workers.
//!
//! Lists come first: a worker that frees up takes the next page of the subscription
//! list, else the next page of a cluster list, and only when no list page waits the
//! next detail request. So the cluster lists of the first subscriptions are read while
//! later pages of the subscription list still are, and a subscription's details start
//! as soon as its list is whole; with every worker busy the whole read takes about
//! `requests / concurrency` round trips. Resource Graph reads in batches side by side:
//! the subscriptions of each page of the subscription list (or each hundred configured
//! ones) are one paged query.
//!
//! One driver (`FleetRead`) owns everything read so far and files what the workers
//! bring back; each job is a task of its own (sending and parsing use every core) and
//! owns nothing but its request. `list` returns the listed fleet as soon as every list
//! is read; `details` then hands out each cluster's details as they complete, by the
//! cluster's place in that fleet. Nothing fails as a whole: a subscription, a batch
//! or a detail that could not be read is reported, and the rest arrives.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;

use super::client::{ArmClient, ClientError, ListTally, split_page};
use super::details::{self, Answer, Ask, LineKey, Own, Place};
use super::fleet::{FleetRequest, Subscription, send, source_error};
use super::graph;
use super::path::{self, Path};
use crate::config::Source;
use crate::import::PageLinks;
use crate::model::api::{ARM_API_VERSION, CLUSTER_QUERY, SUBSCRIPTIONS_API_VERSION};
use crate::model::support::Minor;
use crate::model::{
    Atom, Cluster, ClusterDetails, Fleet, Interner, Progress, RegionOffer, SourceError, SubscriptionState, lists_as,
};
use crate::text::NoCase;

/// Configured subscriptions go to Resource Graph this many at a time, so that batches
/// are read side by side (a listed page of subscriptions is a batch of its own).
const GRAPH_CONFIGURED: usize = 100;

/// A read under way.
pub struct FleetRead {
    client: Arc<ArmClient>,
    events: Option<UnboundedSender<Progress>>,
    concurrency: usize,
    source: Source,
    /// Whether each cluster's details are read too.
    details: bool,
    /// The subscriptions were named in config (else: every enabled one the list has).
    configured: bool,
    running: JoinSet<Done>,
    /// What each running task is doing, should it end without an answer.
    doing: HashMap<Id, Job>,
    /// The subscription list, while it is read.
    listing: Option<Listing>,
    /// What the list named, for the configured subscriptions' names.
    listed: Vec<Subscription>,
    /// The subscriptions read, in order, and the lists (units) reading them.
    scope: Vec<Subscription>,
    units: Vec<Unit>,
    /// Errors of no one subscription so far: the list, ids that are no GUIDs.
    general: Vec<SourceError>,
    /// Set once `list` returned: where each unit's clusters start in its fleet.
    offsets: Option<Vec<usize>>,
    /// Resource Graph's endpoint (Resource Graph reads only).
    graph_url: Option<Url>,
    /// The texts (and tag sets) of every cluster listed so far: each page's clusters
    /// share them as the page is filed, so its own copies go at once.
    texts: Interner,
    /// The clusters on screen while the list is read (see `sharing`).
    shown: Shown,
    plan: Plan,
}

/// The clusters on screen, found by id (ignoring case): a cluster listed again as it
/// is shown gives way to the copy shown, so that listing an unchanged fleet holds no
/// second copy of it beside the screen's.
#[derive(Default)]
struct Shown {
    clusters: Vec<Arc<Cluster>>,
    /// Each id's hash, to its place (one place per hash: the cluster whose place a
    /// collision took is not found, so it neither shares nor keeps its shown details
    /// in the list; the screen puts them back, as for any list without them).
    at: HashMap<u64, usize>,
    hasher: std::hash::RandomState,
}

impl Shown {
    fn new(clusters: Vec<Arc<Cluster>>) -> Shown {
        let hasher = std::hash::RandomState::new();
        let at = (clusters.iter().enumerate())
            .map(|(i, c)| (hasher.hash_one(NoCase(&c.id)), i))
            .collect();
        Shown { clusters, at, hasher }
    }

    /// The copy shown of a cluster listed, when it reads the same (`lists_as`); else
    /// `None`, and the listed cluster took the details shown (if any) until its own come.
    fn adopt(&self, listed: &mut Cluster) -> Option<Arc<Cluster>> {
        let shown = (self.at.get(&self.hasher.hash_one(NoCase(&listed.id))))
            .map(|&i| &self.clusters[i])
            .filter(|shown| shown.id.eq_ignore_ascii_case(&listed.id))?;
        lists_as(listed, shown).then(|| shown.clone())
    }
}

/// The subscription list being read.
struct Listing {
    /// The next page, when it is not being read.
    next: Option<Url>,
    deadline: Instant,
    tally: ListTally,
    seen: HashSet<String>,
}

/// One list of clusters: a subscription's (ARM) or a batch of subscriptions'
/// (Resource Graph).
struct Unit {
    /// Places in `scope`.
    subscriptions: Vec<usize>,
    /// The page to read next, when it is not being read and the list goes on.
    next: Option<Next>,
    deadline: Option<Instant>,
    tally: ListTally,
    seen: HashSet<String>,
    clusters: Vec<Arc<Cluster>>,
    skipped: usize,
    left_out: Vec<SourceError>,
    /// Set once the list ended: how (`None` inside: a task that did not finish).
    ended: Option<Result<(), Option<ClientError>>>,
}

enum Next {
    Url(Url),
    /// Resource Graph's `$skipToken` (`None`: the first page).
    Token(Option<String>),
}

/// One job of the pool.
#[derive(Debug, Clone)]
enum Job {
    Subscriptions(Url),
    Page(usize, Url),
    Graph(usize, Option<String>),
    Detail(DetailJob),
}

#[derive(Debug, Clone, Copy)]
enum DetailJob {
    /// One of a cluster's own requests (its target).
    Own(usize, Ask),
    /// An image line's latest image.
    Line(usize),
    /// A region's versions.
    Region(usize),
}

/// What a job brought back.
enum Done {
    Subscriptions(Url, Result<(Vec<Value>, Option<String>), ClientError>),
    Page(usize, Url, Result<(Fleet, PageLinks), ClientError>),
    Graph(usize, Option<String>, Url, Result<(Fleet, PageLinks), ClientError>),
    Detail(DetailJob, Result<Answer, ClientError>),
    /// The task ended without an answer (it panicked).
    Lost(Job),
}

/// The details phase: what each cluster waits for, and the reads clusters share.
#[derive(Default)]
struct Plan {
    /// Per cluster asked for: where it is (unit, position), what it needs, what came.
    targets: Vec<Option<Target>>,
    queue: VecDeque<DetailJob>,
    lines: Shared<LineKey, Option<Atom>>,
    regions: Shared<String, RegionOffer>,
    /// Details complete, by (unit, position), not handed out yet.
    ready: Vec<((usize, usize), ClusterDetails)>,
    errors: Vec<SourceError>,
    /// Requests made, and requests known to be needed.
    requests: usize,
    total: usize,
    texts: Interner,
}

/// A cluster waiting for its details: where it is, what it waits for, what came.
/// Small, since a large read plans every cluster's before most are read.
struct Target {
    /// (unit, position in it).
    at: (u32, u32),
    place: Place,
    /// Each pool's name and image line.
    pools: Box<[(Atom, u32)]>,
    /// The region it reads in, and its minor (when it has a version to check).
    region: Option<(u32, Minor)>,
    /// Its own two requests: their answers so far (allocated on the first), or why
    /// they could not be made.
    own: Result<Option<Box<Own>>, Box<SourceError>>,
    /// Shared reads (lines, region) not answered yet.
    waiting: u32,
}

/// Reads many clusters share (image lines, regions), each made once per read.
struct Shared<K, T> {
    index: HashMap<K, usize>,
    reads: Vec<SharedRead<T>>,
}

impl<K, T> Default for Shared<K, T> {
    fn default() -> Self {
        Shared {
            index: HashMap::new(),
            reads: Vec::new(),
        }
    }
}

struct SharedRead<T> {
    /// The clusters (targets) waiting for it.
    waiting: Vec<usize>,
    /// The answer, once read (or known unreadable).
    answer: Option<Result<T, SourceError>>,
    /// Who reads it: a target and the URL to ask; `None` until some cluster can build one.
    reader: Option<Url>,
    /// Why no URL could be built, when none could yet.
    unbuildable: Option<SourceError>,
}

impl FleetRead {
    /// A read of `request`'s subscriptions (every enabled one when none are named),
    /// with each cluster's details when `details` is set.
    pub fn new(
        client: Arc<ArmClient>,
        request: &FleetRequest,
        details: bool,
        events: Option<UnboundedSender<Progress>>,
    ) -> FleetRead {
        let mut read = FleetRead::empty(client, request.concurrency, request.source, details, events);
        read.configured = !request.subscriptions.is_empty();
        match read
            .client
            .url(&Path::new(["subscriptions"]).api_version(SUBSCRIPTIONS_API_VERSION))
        {
            Ok(url) => {
                read.listing = Some(Listing {
                    next: Some(url),
                    deadline: read.client.deadline(),
                    tally: read.client.tally(),
                    seen: HashSet::new(),
                })
            }
            Err(err) => read.general.push(source_error(None, &err)),
        }
        if read.source == Source::Graph {
            match graph::url(&read.client) {
                Ok(url) => read.graph_url = Some(url),
                Err(err) => read.general.push(source_error(None, &err)),
            }
        }
        if read.configured {
            let configured: Vec<Subscription> = request
                .subscriptions
                .iter()
                .map(|id| Subscription {
                    id: id.clone(),
                    name: None,
                    tenant_id: None,
                    state: None,
                })
                .collect();
            read.add_subscriptions(configured, GRAPH_CONFIGURED);
        }
        read
    }

    /// A details phase over clusters already listed: those not stale are asked for, by
    /// their place in `clusters`.
    pub fn for_clusters<'c>(
        client: Arc<ArmClient>,
        clusters: impl IntoIterator<Item = &'c Cluster>,
        concurrency: usize,
        events: Option<UnboundedSender<Progress>>,
    ) -> FleetRead {
        let mut read = FleetRead::empty(client, concurrency, Source::Arm, true, events);
        read.offsets = Some(vec![0]);
        for (at, cluster) in clusters.into_iter().enumerate() {
            if !cluster.stale {
                read.plan_cluster((0, at), cluster);
            }
        }
        read.resolve_unbuildable();
        send(read.events.as_ref(), Progress::Details { total: read.plan.total });
        read
    }

    fn empty(
        client: Arc<ArmClient>,
        concurrency: usize,
        source: Source,
        details: bool,
        events: Option<UnboundedSender<Progress>>,
    ) -> FleetRead {
        FleetRead {
            client,
            events,
            concurrency: concurrency.max(1),
            source,
            details,
            configured: false,
            running: JoinSet::new(),
            doing: HashMap::new(),
            listing: None,
            listed: Vec::new(),
            scope: Vec::new(),
            units: Vec::new(),
            general: Vec::new(),
            offsets: None,
            graph_url: None,
            texts: Interner::new(),
            shown: Shown::default(),
            plan: Plan::default(),
        }
    }

    /// Runs until every list is read (details going on meanwhile) and returns the
    /// fleet listed: the clusters in the order of their subscriptions (or batches), each
    /// subscription's state, and what could not be read.
    pub async fn list(&mut self) -> Fleet {
        let (mut fleet, clusters) = self.list_shared().await;
        // Nothing else holds them yet: each is moved out of its `Arc`, not copied.
        fleet.clusters = clusters
            .into_iter()
            .map(|c| Arc::try_unwrap(c).unwrap_or_else(|shared| (*shared).clone()))
            .collect();
        fleet
    }

    /// `list`, with the clusters apart from the fleet and ready to be shared (each
    /// page's clusters made `Arc`s as it is filed, never the whole list twice).
    pub async fn list_shared(&mut self) -> (Fleet, Vec<Arc<Cluster>>) {
        while self.listing.is_some() || self.units.iter().any(|u| u.ended.is_none()) {
            if !self.step().await {
                break;
            }
        }
        self.resolve_unbuildable();
        let listed = self.listed_fleet();
        self.shown = Shown::default();
        listed
    }

    /// Lists against the clusters on screen, `shown`: a cluster listed as it is shown
    /// is that very copy in the list (not yet stamped with the list's time: see
    /// `cache::merge_shared`), any other takes the details shown for it (as
    /// `carry_details` does) until its own are read. Let go once the list is whole.
    pub fn sharing(mut self, shown: Vec<Arc<Cluster>>) -> FleetRead {
        self.shown = Shown::new(shown);
        self
    }

    /// After `list`: the details that completed since the last call, each with its
    /// cluster's place in the listed fleet; `None` once every detail is read. Waits for
    /// at least one, then gathers more for up to `linger`.
    pub async fn details(&mut self, linger: Duration) -> Option<Vec<(usize, ClusterDetails)>> {
        let mut until = None;
        loop {
            if !self.plan.ready.is_empty() {
                let deadline = *until.get_or_insert_with(|| Instant::now() + linger);
                if Instant::now() >= deadline || (self.running.is_empty() && self.plan.queue.is_empty()) {
                    break;
                }
                match tokio::time::timeout_at(deadline, self.step()).await {
                    Ok(true) => continue,
                    _ => break,
                }
            }
            if !self.step().await {
                break;
            }
        }
        if self.plan.ready.is_empty() {
            return None;
        }
        let offsets = self.offsets.as_deref().unwrap_or(&[]);
        let batch = std::mem::take(&mut self.plan.ready)
            .into_iter()
            .map(|((unit, at), details)| (offsets.get(unit).copied().unwrap_or(0) + at, details))
            .collect();
        Some(batch)
    }

    /// What the details phase could not read (one error per failed request, or per
    /// URL that could not be built), what each region read offers, and the requests it
    /// made.
    pub fn finish(self) -> (Vec<SourceError>, BTreeMap<String, RegionOffer>, usize) {
        let regions = self
            .plan
            .regions
            .index
            .iter()
            .filter_map(|(name, &at)| match &self.plan.regions.reads[at].answer {
                Some(Ok(offer)) => Some((name.clone(), offer.clone())),
                _ => None,
            })
            .collect();
        (self.plan.errors, regions, self.plan.requests)
    }

    /// Starts jobs while workers are free, then files one answer. False when nothing
    /// is left to run.
    async fn step(&mut self) -> bool {
        while self.running.len() < self.concurrency {
            let Some(job) = self.next_job() else { break };
            self.spawn(job);
        }
        let Some(joined) = self.running.join_next_with_id().await else {
            return false;
        };
        let done = match joined {
            Ok((id, done)) => {
                self.doing.remove(&id);
                done
            }
            Err(err) => match self.doing.remove(&err.id()) {
                Some(job) => Done::Lost(job),
                None => return true,
            },
        };
        self.file(done);
        true
    }

    /// The next job: the subscription list first, then cluster lists, then details.
    fn next_job(&mut self) -> Option<Job> {
        if let Some(url) = self.listing.as_mut().and_then(|l| l.next.take()) {
            return Some(Job::Subscriptions(url));
        }
        for (at, unit) in self.units.iter_mut().enumerate() {
            match unit.next.take() {
                Some(Next::Url(url)) => return Some(Job::Page(at, url)),
                Some(Next::Token(token)) => return Some(Job::Graph(at, token)),
                None => {}
            }
        }
        self.plan.queue.pop_front().map(Job::Detail)
    }

    fn spawn(&mut self, job: Job) {
        let client = self.client.clone();
        let handle = match job.clone() {
            Job::Subscriptions(url) => {
                let deadline = self.listing.as_ref().map_or_else(|| client.deadline(), |l| l.deadline);
                self.running.spawn(async move {
                    let page = client.get(&url, deadline).await.and_then(|page| split_page(page, &url));
                    Done::Subscriptions(url, page)
                })
            }
            Job::Page(at, url) => {
                let deadline = self.start_unit(at);
                self.running.spawn(async move {
                    let page = client.page(&url, None, deadline).await;
                    Done::Page(at, url, page)
                })
            }
            Job::Graph(at, token) => {
                let Some(url) = self.graph_url.clone() else {
                    return self.end_unit(at, Err(None));
                };
                let deadline = self.start_unit(at);
                let ids: Vec<String> = self.units[at]
                    .subscriptions
                    .iter()
                    .map(|&s| self.scope[s].id.clone())
                    .collect();
                self.running.spawn(async move {
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    let body = graph::body(&ids, CLUSTER_QUERY, token.as_deref());
                    let page = client.page(&url, Some(&body), deadline).await;
                    Done::Graph(at, token, url, page)
                })
            }
            Job::Detail(detail) => {
                self.plan.requests += 1;
                let Some((ask, url)) = self.detail_request(detail) else {
                    return self.answer(detail, Err(None));
                };
                self.running.spawn(async move {
                    let answer = details::ask(&client, ask, &url).await;
                    Done::Detail(detail, answer)
                })
            }
        };
        self.doing.insert(handle.id(), job);
    }

    /// The deadline of a unit's read, set when its first page is asked for.
    fn start_unit(&mut self, at: usize) -> Instant {
        let unit = &mut self.units[at];
        if let Some(deadline) = unit.deadline {
            return deadline;
        }
        let deadline = self.client.deadline();
        unit.deadline = Some(deadline);
        for &s in &unit.subscriptions {
            send(
                self.events.as_ref(),
                Progress::Started {
                    subscription: self.scope[s].id.clone(),
                },
            );
        }
        deadline
    }

    fn file(&mut self, done: Done) {
        match done {
            Done::Subscriptions(url, page) => self.subscription_page(&url, page),
            Done::Page(at, url, page) => self.cluster_page(at, &url, page),
            Done::Graph(at, token, url, page) => self.graph_page(at, token, &url, page),
            Done::Detail(job, answer) => self.answer(job, answer.map_err(Some)),
            Done::Lost(Job::Subscriptions(url)) => self.subscription_page(&url, Err(lost(&url))),
            Done::Lost(Job::Page(at, _) | Job::Graph(at, _)) => self.end_unit(at, Err(None)),
            Done::Lost(Job::Detail(job)) => self.answer(job, Err(None)),
        }
    }

    fn subscription_page(&mut self, url: &Url, page: Result<(Vec<Value>, Option<String>), ClientError>) {
        let Some(mut listing) = self.listing.take() else { return };
        let next = page.and_then(|(items, next)| {
            listing.tally.page(url, items.len())?;
            let next = match next {
                Some(next) => {
                    listing.tally.more(url)?;
                    Some(self.client.next_url(url, next, &mut listing.seen)?)
                }
                None => None,
            };
            Ok((items, next))
        });
        match next {
            Ok((items, next)) => {
                let field = |item: &Value, name: &str| item.get(name).and_then(Value::as_str).map(String::from);
                let listed: Vec<Subscription> = items
                    .iter()
                    .filter_map(|item| {
                        Some(Subscription {
                            id: field(item, "subscriptionId")?,
                            name: field(item, "displayName"),
                            tenant_id: field(item, "tenantId"),
                            state: field(item, "state"),
                        })
                    })
                    .collect();
                if !self.configured {
                    let enabled: Vec<Subscription> = listed
                        .iter()
                        .filter(|s| s.state.as_deref().is_none_or(|st| st == "Enabled"))
                        .cloned()
                        .collect();
                    self.add_subscriptions(enabled, graph::BATCH);
                }
                self.listed.extend(listed);
                if let Some(url) = next {
                    listing.next = Some(url);
                    self.listing = Some(listing);
                }
            }
            Err(err) => {
                self.general.insert(0, source_error(None, &err));
                if !self.configured {
                    // A list read only in part names no one for sure: nothing of it is
                    // read (the earlier read's clusters stay, marked stale).
                    self.running.abort_all();
                    self.doing.clear();
                    self.scope.clear();
                    self.units.clear();
                    self.general
                        .retain(|e| e.code.as_deref() != Some(SourceError::BAD_SUBSCRIPTION_ID));
                    self.plan = Plan::default();
                }
            }
        }
    }

    /// Takes subscriptions into the read: an id that is no GUID is reported, never
    /// requested; the others get their lists, in batches of `batch` for Resource Graph.
    fn add_subscriptions(&mut self, subscriptions: Vec<Subscription>, batch: usize) {
        let (valid, invalid): (Vec<Subscription>, Vec<Subscription>) = subscriptions
            .into_iter()
            .partition(|s| path::subscription(&s.id).is_ok());
        for subscription in &invalid {
            if let Err(bad) = path::subscription(&subscription.id) {
                self.general.push(SourceError {
                    subscription_id: None,
                    url: None,
                    code: Some(bad.code.to_string()),
                    message: bad.message,
                });
            }
        }
        if valid.is_empty() {
            return;
        }
        let first = self.scope.len();
        self.scope.extend(valid);
        send(
            self.events.as_ref(),
            Progress::Subscriptions {
                total: self.scope.len(),
            },
        );
        let places: Vec<usize> = (first..self.scope.len()).collect();
        match self.source {
            Source::Arm => {
                for at in places {
                    let url = self.client.url(
                        &Path::new([
                            "subscriptions",
                            path::subscription(&self.scope[at].id).unwrap_or_default(),
                            "providers",
                            "Microsoft.ContainerService",
                            "managedClusters",
                        ])
                        .api_version(ARM_API_VERSION),
                    );
                    let mut unit = self.unit(vec![at]);
                    match url {
                        Ok(url) => unit.next = Some(Next::Url(url)),
                        Err(err) => unit.ended = Some(Err(Some(err))),
                    }
                    self.units.push(unit);
                    if self.units[self.units.len() - 1].ended.is_some() {
                        self.report_end(self.units.len() - 1);
                    }
                }
            }
            // Without an endpoint to ask (said once already) there is nothing to read.
            Source::Graph if self.graph_url.is_none() => {}
            Source::Graph => {
                for chunk in places.chunks(batch.clamp(1, graph::BATCH)) {
                    let mut unit = self.unit(chunk.to_vec());
                    unit.next = Some(Next::Token(None));
                    self.units.push(unit);
                }
            }
        }
    }

    fn unit(&self, subscriptions: Vec<usize>) -> Unit {
        Unit {
            subscriptions,
            next: None,
            deadline: None,
            tally: self.client.tally(),
            seen: HashSet::new(),
            clusters: Vec::new(),
            skipped: 0,
            left_out: Vec::new(),
            ended: None,
        }
    }

    fn cluster_page(&mut self, at: usize, url: &Url, page: Result<(Fleet, PageLinks), ClientError>) {
        let Some(unit) = self.units.get_mut(at) else { return };
        let id = self.scope[unit.subscriptions[0]].id.clone();
        let (texts, shown) = (&mut self.texts, &self.shown);
        let next = page.and_then(|(page, links)| {
            unit.tally.page(url, page.clusters.len() + page.skipped)?;
            let count = page.clusters.len() + page.skipped + page.errors.len();
            file_clusters(&mut unit.clusters, page.clusters, texts, shown);
            unit.skipped += page.skipped;
            // The page says which subscription listed them; the message names the page.
            unit.left_out.extend(page.errors.into_iter().map(|error| SourceError {
                subscription_id: Some(id.clone()),
                ..error
            }));
            send(
                self.events.as_ref(),
                Progress::Page {
                    subscription: id.clone(),
                    clusters: count,
                },
            );
            match links.next_link.filter(|n| !n.is_empty()) {
                Some(next) => {
                    unit.tally.more(url)?;
                    Ok(Some(self.client.next_url(url, next, &mut unit.seen)?))
                }
                None => Ok(None),
            }
        });
        match next {
            Ok(Some(url)) => unit.next = Some(Next::Url(url)),
            Ok(None) => self.end_unit(at, Ok(())),
            Err(err) => self.end_unit(at, Err(Some(err))),
        }
    }

    fn graph_page(
        &mut self,
        at: usize,
        asked: Option<String>,
        url: &Url,
        page: Result<(Fleet, PageLinks), ClientError>,
    ) {
        let Some(unit) = self.units.get_mut(at) else { return };
        let (texts, shown) = (&mut self.texts, &self.shown);
        let next = page.and_then(|(page, links)| {
            let count = page.clusters.len() + page.skipped + page.errors.len();
            file_clusters(&mut unit.clusters, page.clusters, texts, shown);
            unit.skipped += page.skipped;
            // A row's subscription is not known when its id does not read.
            unit.left_out.extend(page.errors);
            send(
                self.events.as_ref(),
                Progress::Page {
                    subscription: format!("{} subscriptions", unit.subscriptions.len()),
                    clusters: count,
                },
            );
            unit.tally.page(url, count)?;
            graph::next_token(url, &unit.tally, asked.as_deref(), links.skip_token)
        });
        match next {
            Ok(Some(token)) => unit.next = Some(Next::Token(Some(token))),
            Ok(None) => self.end_unit(at, Ok(())),
            Err(err) => self.end_unit(at, Err(Some(err))),
        }
    }

    /// A list ended: its subscriptions are done (or failed), and with details on, its
    /// clusters' details are planned.
    fn end_unit(&mut self, at: usize, outcome: Result<(), Option<ClientError>>) {
        let unit = &mut self.units[at];
        if outcome.is_err() {
            unit.clusters.clear();
            unit.left_out.clear();
            unit.skipped = 0;
        }
        unit.ended = Some(outcome);
        unit.next = None;
        self.report_end(at);
        if self.details && matches!(self.units[at].ended, Some(Ok(()))) {
            let clusters = std::mem::take(&mut self.units[at].clusters);
            for (pos, cluster) in clusters.iter().enumerate() {
                self.plan_cluster((at, pos), cluster);
            }
            self.units[at].clusters = clusters;
            send(self.events.as_ref(), Progress::Details { total: self.plan.total });
        }
    }

    fn report_end(&self, at: usize) {
        let unit = &self.units[at];
        let ids = unit.subscriptions.iter().map(|&s| &self.scope[s].id);
        match &unit.ended {
            Some(Ok(())) => {
                let mut per_sub: HashMap<String, usize> = HashMap::new();
                for cluster in &unit.clusters {
                    *per_sub.entry(cluster.subscription_id.to_ascii_lowercase()).or_default() += 1;
                }
                for id in ids {
                    let clusters = match self.source {
                        Source::Arm => unit.clusters.len(),
                        Source::Graph => per_sub.get(&id.to_ascii_lowercase()).copied().unwrap_or(0),
                    };
                    send(
                        self.events.as_ref(),
                        Progress::Done {
                            subscription: id.clone(),
                            clusters,
                        },
                    );
                }
            }
            Some(Err(err)) => {
                let message = err
                    .as_ref()
                    .map_or_else(|| "the read did not finish".to_string(), ToString::to_string);
                for id in ids {
                    send(
                        self.events.as_ref(),
                        Progress::Failed {
                            subscription: id.clone(),
                            message: message.clone(),
                        },
                    );
                }
            }
            None => {}
        }
    }

    /// The fleet listed, once every list ended (its clusters apart).
    fn listed_fleet(&mut self) -> (Fleet, Vec<Arc<Cluster>>) {
        let mut fleet = Fleet {
            errors: std::mem::take(&mut self.general),
            ..Fleet::default()
        };
        let mut errors_of: HashMap<usize, SourceError> = HashMap::new();
        let mut left_out = Vec::new();
        let mut offsets = Vec::with_capacity(self.units.len());
        if self.configured {
            // Configured ids keep their display names when the list has them.
            let names: HashMap<String, &Subscription> =
                self.listed.iter().map(|s| (s.id.to_ascii_lowercase(), s)).collect();
            for subscription in &mut self.scope {
                if let Some(listed) = names.get(&subscription.id.to_ascii_lowercase()) {
                    subscription.name = listed.name.clone();
                }
            }
        }
        // The subscriptions' names go into their clusters as they are taken.
        let names: HashMap<String, Atom> = self
            .scope
            .iter()
            .filter_map(|s| Some((s.id.to_ascii_lowercase(), Atom::from(s.name.as_deref()?))))
            .collect();
        // One allocation of the fleet's size, not doublings of it.
        let mut clusters: Vec<Arc<Cluster>> = Vec::with_capacity(self.units.iter().map(|u| u.clusters.len()).sum());
        for unit in &mut self.units {
            offsets.push(clusters.len());
            match &unit.ended {
                Some(Ok(())) => {
                    for mut cluster in std::mem::take(&mut unit.clusters) {
                        // A list names no subscription: each cluster takes its own's
                        // name (one kept from the screen has it, unless it changed).
                        let name = names.get(&cluster.subscription_id.to_ascii_lowercase());
                        if cluster.subscription_name.as_ref() != name {
                            let cluster = Arc::make_mut(&mut cluster);
                            cluster.subscription_name = name.cloned();
                            self.texts.share_opt(&mut cluster.subscription_name);
                        }
                        clusters.push(cluster);
                    }
                    fleet.skipped += unit.skipped;
                    left_out.append(&mut unit.left_out);
                }
                Some(Err(err)) => {
                    for &s in &unit.subscriptions {
                        let id = &self.scope[s].id;
                        let error = match err {
                            Some(err) => source_error(Some(id), err),
                            None => SourceError {
                                subscription_id: Some(id.clone()),
                                url: None,
                                code: Some("Cancelled".into()),
                                message: "the read of this subscription did not finish".into(),
                            },
                        };
                        errors_of.insert(s, error.clone());
                        fleet.errors.push(error);
                    }
                }
                None => {}
            }
        }
        self.offsets = Some(offsets);
        fleet.subscriptions = self
            .scope
            .iter()
            .enumerate()
            .map(|(s, subscription)| SubscriptionState {
                id: subscription.id.clone(),
                name: subscription.name.clone(),
                fetched_at: None,
                error: errors_of.get(&s).cloned(),
            })
            .collect();
        // After the subscriptions' states: a cluster left out is not its subscription's
        // failure (the rest of it was read), but the read is still incomplete.
        fleet.errors.extend(left_out);
        (fleet, clusters)
    }

    /// Plans the details of one cluster: its own requests, and its share of the lines
    /// and regions (asked for by the first cluster that can build their URL).
    fn plan_cluster(&mut self, at: (usize, usize), cluster: &Cluster) {
        let place = Place::of(cluster);
        let target = self.plan.targets.len();
        let mut waiting = 0;
        let own = place
            .own_url(&self.client, Ask::Maintenance)
            .and(place.own_url(&self.client, Ask::Profile));
        let own = match own {
            Ok(_) => {
                self.plan.queue.push_back(DetailJob::Own(target, Ask::Maintenance));
                self.plan.queue.push_back(DetailJob::Own(target, Ask::Profile));
                self.plan.total += 2;
                Ok(None)
            }
            Err(err) => {
                let error = source_error(Some(&place.subscription), &err);
                self.plan.errors.push(error.clone());
                Err(Box::new(error))
            }
        };
        let mut pools = Vec::with_capacity(cluster.pools.len());
        for (name, key) in details::line_keys(cluster) {
            let line = self.plan.lines.place(key);
            let read = &mut self.plan.lines.reads[line];
            if read.answer.is_none() {
                read.waiting.push(target);
                waiting += 1;
                if read.reader.is_none() {
                    match place.pool_url(&self.client, name) {
                        Ok(url) => {
                            read.reader = Some(url);
                            self.plan.queue.push_back(DetailJob::Line(line));
                            self.plan.total += 1;
                        }
                        Err(err) => {
                            read.unbuildable
                                .get_or_insert(source_error(Some(&place.subscription), &err));
                        }
                    }
                }
            }
            pools.push((name.clone(), line as u32));
        }
        let region = cluster.version().map(|version| {
            let location = cluster.location.to_ascii_lowercase();
            let region = self.plan.regions.place(location);
            let read = &mut self.plan.regions.reads[region];
            if read.answer.is_none() {
                read.waiting.push(target);
                waiting += 1;
                if read.reader.is_none() {
                    match place.region_url(&self.client, &cluster.location) {
                        Ok(url) => {
                            read.reader = Some(url);
                            self.plan.queue.push_back(DetailJob::Region(region));
                            self.plan.total += 1;
                        }
                        Err(err) => read.unbuildable = Some(source_error(Some(&place.subscription), &err)),
                    }
                }
            }
            (region as u32, version.minor_key())
        });
        self.plan.targets.push(Some(Target {
            at: (at.0 as u32, at.1 as u32),
            place,
            pools: pools.into_boxed_slice(),
            region,
            own,
            waiting,
        }));
        self.settle(target);
    }

    /// Once no more clusters can come, a shared read no cluster could build a URL for
    /// is unreadable: said once, and to each cluster waiting for it.
    fn resolve_unbuildable(&mut self) {
        for line in 0..self.plan.lines.reads.len() {
            let read = &mut self.plan.lines.reads[line];
            if read.answer.is_none()
                && read.reader.is_none()
                && let Some(err) = read.unbuildable.clone()
            {
                self.plan.errors.push(err.clone());
                self.answer_shared(DetailJob::Line(line), Err(err));
            }
        }
        for region in 0..self.plan.regions.reads.len() {
            let read = &mut self.plan.regions.reads[region];
            if read.answer.is_none()
                && read.reader.is_none()
                && let Some(err) = read.unbuildable.clone()
            {
                self.plan.errors.push(err.clone());
                self.answer_shared(DetailJob::Region(region), Err(err));
            }
        }
    }

    /// The request of a detail job.
    fn detail_request(&self, job: DetailJob) -> Option<(Ask, Url)> {
        match job {
            DetailJob::Own(target, ask) => {
                let target = self.plan.targets.get(target)?.as_ref()?;
                target.place.own_url(&self.client, ask).ok().map(|url| (ask, url))
            }
            DetailJob::Line(line) => Some((Ask::Image, self.plan.lines.reads.get(line)?.reader.clone()?)),
            DetailJob::Region(region) => Some((Ask::Region, self.plan.regions.reads.get(region)?.reader.clone()?)),
        }
    }

    /// Files a detail request's answer (`Err(None)`: the task did not finish).
    fn answer(&mut self, job: DetailJob, answer: Result<Answer, Option<ClientError>>) {
        send(
            self.events.as_ref(),
            Progress::Detail {
                failed: answer.is_err(),
            },
        );
        let url = self.detail_request(job).map(|(_, url)| url.to_string());
        // One error per failed request, in the subscription that asked.
        let failure = |err: Option<ClientError>, subscription: Option<String>| match err {
            Some(err) => source_error(subscription.as_deref(), &err),
            None => SourceError {
                subscription_id: subscription,
                url,
                code: Some("Transport".into()),
                message: "the read did not finish".into(),
            },
        };
        match job {
            DetailJob::Own(target, ask) => {
                let Some(Some(t)) = self.plan.targets.get(target) else {
                    return;
                };
                let subscription = t.place.subscription.to_string();
                let answer = answer.map_err(|err| failure(err, Some(subscription)));
                if let Err(err) = &answer {
                    self.plan.errors.push(err.clone());
                }
                let Some(Some(t)) = self.plan.targets.get_mut(target) else {
                    return;
                };
                let Ok(own) = &mut t.own else { return };
                let own = own.get_or_insert_with(Box::default);
                match (ask, answer) {
                    (Ask::Maintenance, Ok(Answer::Maintenance(configs))) => own.maintenance = Some(Ok(configs)),
                    (Ask::Profile, Ok(Answer::Profile(profile))) => own.profile = Some(Ok(profile)),
                    (Ask::Maintenance, Err(err)) => own.maintenance = Some(Err(err)),
                    (_, Err(err)) => own.profile = Some(Err(err)),
                    (_, Ok(_)) => {}
                }
                self.settle(target);
            }
            shared => {
                let reader = self.reader_subscription(shared);
                let answer = answer.map_err(|err| {
                    let err = failure(err, reader);
                    self.plan.errors.push(err.clone());
                    err
                });
                self.answer_shared(shared, answer);
            }
        }
    }

    /// The subscription of the cluster whose pool or location a shared read was asked
    /// for (the first one waiting).
    fn reader_subscription(&self, job: DetailJob) -> Option<String> {
        let read_waiting = match job {
            DetailJob::Line(line) => self.plan.lines.reads.get(line).map(|r| &r.waiting),
            DetailJob::Region(region) => self.plan.regions.reads.get(region).map(|r| &r.waiting),
            DetailJob::Own(..) => None,
        }?;
        read_waiting.iter().find_map(|&target| {
            self.plan.targets[target]
                .as_ref()
                .map(|t| t.place.subscription.to_string())
        })
    }

    /// Hands a shared read's answer to every cluster waiting for it.
    fn answer_shared(&mut self, job: DetailJob, answer: Result<Answer, SourceError>) {
        let waiting = match job {
            DetailJob::Line(line) => {
                let read = &mut self.plan.lines.reads[line];
                read.answer = Some(answer.map(|a| match a {
                    Answer::Image(image) => image,
                    _ => None,
                }));
                std::mem::take(&mut read.waiting)
            }
            DetailJob::Region(region) => {
                let read = &mut self.plan.regions.reads[region];
                read.answer = Some(answer.map(|a| match a {
                    Answer::Region(offer) => offer,
                    _ => RegionOffer::default(),
                }));
                std::mem::take(&mut read.waiting)
            }
            DetailJob::Own(..) => return,
        };
        for target in waiting {
            if let Some(Some(t)) = self.plan.targets.get_mut(target) {
                t.waiting = t.waiting.saturating_sub(1);
                self.settle(target);
            }
        }
    }

    /// A cluster whose every part is answered: its details are ready.
    fn settle(&mut self, target: usize) {
        let complete = self.plan.targets[target].as_ref().is_some_and(|t| {
            t.waiting == 0
                && match &t.own {
                    Ok(own) => own.as_ref().is_some_and(|own| own.complete()),
                    Err(_) => true,
                }
        });
        if !complete {
            return;
        }
        let Some(t) = self.plan.targets[target].take() else {
            return;
        };
        let subscription = &t.place.subscription;
        let own = match t.own {
            Ok(own) => Ok(own.map(|own| *own).unwrap_or_default()),
            Err(err) => Err(*err),
        };
        let lines = &self.plan.lines.reads;
        let images = t.pools.iter().map(|(pool, line)| {
            let image = match lines.get(*line as usize).and_then(|r| r.answer.as_ref()) {
                Some(answer) => for_cluster(answer, subscription),
                None => Ok(None),
            };
            (pool.clone(), image)
        });
        let region = t.region.map(|(region, minor)| {
            match self
                .plan
                .regions
                .reads
                .get(region as usize)
                .and_then(|r| r.answer.as_ref())
            {
                Some(answer) => for_cluster(answer, subscription).map(|offer| offer.find(minor).is_some()),
                None => Ok(false),
            }
        });
        let mut details = details::assemble(own, images, region);
        share_details(&mut details, &mut self.plan.texts);
        self.plan.ready.push(((t.at.0 as usize, t.at.1 as usize), details));
    }
}

impl<K: std::hash::Hash + Eq, T> Shared<K, T> {
    /// The place of the read of `key`, made the first time.
    fn place(&mut self, key: K) -> usize {
        if let Some(&at) = self.index.get(&key) {
            return at;
        }
        self.reads.push(SharedRead::new());
        let at = self.reads.len() - 1;
        self.index.insert(key, at);
        at
    }
}

impl<T> SharedRead<T> {
    fn new() -> SharedRead<T> {
        SharedRead {
            waiting: Vec::new(),
            answer: None,
            reader: None,
            unbuildable: None,
        }
    }
}

/// A shared answer as one cluster records it: an error in its own subscription.
fn for_cluster<T: Clone>(answer: &Result<T, SourceError>, subscription: &str) -> Result<T, SourceError> {
    answer.clone().map_err(|err| SourceError {
        subscription_id: Some(subscription.to_string()),
        ..err
    })
}

/// The details' texts, shared with those read before.
/// Files a page's clusters into their list: the screen's copy of each listed as it is
/// shown, the others sharing the texts listed before.
fn file_clusters(into: &mut Vec<Arc<Cluster>>, page: Vec<Cluster>, texts: &mut Interner, shown: &Shown) {
    into.reserve(page.len());
    for mut cluster in page {
        let kept = shown.adopt(&mut cluster).unwrap_or_else(|| {
            cluster.share(texts);
            Arc::new(cluster)
        });
        into.push(kept);
    }
}

fn share_details(details: &mut ClusterDetails, texts: &mut Interner) {
    for config in details.maintenance.iter_mut().flatten() {
        config.share(texts);
    }
    if let Some(profile) = &mut details.upgrades {
        texts.share_all(&mut profile.control_plane);
        for (name, versions) in &mut profile.pools {
            texts.share(name);
            texts.share_all(versions);
        }
    }
    for (pool, image) in details.latest_images.iter_mut().flatten() {
        texts.share(pool);
        texts.share(image);
    }
}

fn lost(url: &Url) -> ClientError {
    ClientError::Transport {
        url: url.to_string(),
        message: "the read did not finish".into(),
    }
}
