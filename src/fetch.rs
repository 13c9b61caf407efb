//! Reading the fleet live, merged with the last snapshot: what `scan` does once and
//! the dashboard does in the background; and AKS's scheduled upgrade events for it.
//!
//! Settings come from config and flags (`Live`, built from `Config` and `Overrides`);
//! the network goes through
//! `azure::ArmClient`; the result is a `cache::Snapshot` in which subscriptions that
//! failed keep their last good clusters, marked stale.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use crate::azure::{
    self, ArmClient, ClientError, CredentialOptions, Credentials, Environment, FleetRequest, Limits, RetryPolicy,
    Trust, TrustError,
};
use crate::cache::{self, Snapshot};
use crate::config::{AuthMode, Cloud, Config, Source};
use crate::model::{Cluster, ClusterDetails, Fleet, Interner, Progress, SourceError, carry_details};

/// Settings given for one run that take precedence over config (the command line's
/// flags, as plain values); `None` leaves config's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub endpoint: Option<String>,
    pub cloud: Option<Cloud>,
    pub auth: Option<AuthMode>,
    pub source: Option<Source>,
    pub concurrency: Option<usize>,
}

/// How to reach Azure: config, overridden by flags.
#[derive(Debug, Clone)]
pub struct Live {
    pub endpoint: String,
    pub cloud: Cloud,
    pub auth: AuthMode,
    pub tenant: Option<String>,
    /// Another token service than the cloud's (config `authority_host`).
    pub authority_host: Option<String>,
    /// Extra CA certificates to trust (config `ca_file`; `SSL_CERT_FILE` comes from the environment).
    pub ca_file: Option<PathBuf>,
    pub request: FleetRequest,
    pub retry: RetryPolicy,
    pub limits: Limits,
    /// How long one token request may take.
    pub credential_timeout: Duration,
}

impl Live {
    pub fn new(config: &Config, flags: &Overrides) -> Live {
        let cloud = flags.cloud.unwrap_or(config.cloud);
        let endpoint = flags
            .endpoint
            .clone()
            .or_else(|| config.endpoint.clone())
            .unwrap_or_else(|| cloud.arm_endpoint().to_string());
        let request = FleetRequest {
            subscriptions: config.subscriptions.clone(),
            source: flags.source.unwrap_or(config.source),
            concurrency: flags.concurrency.unwrap_or(config.concurrency),
        };
        let retry = RetryPolicy {
            timeout: Duration::from_secs(config.request_timeout_seconds),
            ..Default::default()
        };
        Live {
            endpoint,
            cloud,
            auth: flags.auth.unwrap_or(config.auth),
            tenant: config.tenant.clone(),
            authority_host: config.authority_host.clone(),
            ca_file: config.ca_file.clone(),
            request,
            retry,
            limits: Limits::from(&config.limits),
            credential_timeout: Duration::from_secs(config.limits.credential_timeout_seconds),
        }
    }

    /// What the snapshot of this fleet is filed under: one per endpoint and tenant.
    pub fn cache_key(&self) -> String {
        format!(
            "{}|{}",
            self.endpoint.trim_end_matches('/'),
            self.tenant.as_deref().unwrap_or("")
        )
    }

    /// The roots to trust: config `ca_file` and `SSL_CERT_FILE` from `env`.
    pub fn trust(&self, env: &Environment) -> Result<Trust, TrustError> {
        Trust::load(self.ca_file.as_deref(), env)
    }

    /// The credentials of `auth`, from `env`, reaching their token service with `trust`,
    /// time-boxed as configured.
    pub fn credentials(&self, env: &Environment, trust: &Trust) -> anyhow::Result<Credentials> {
        let options = CredentialOptions {
            authority_host: self.authority_host.clone(),
            trust: trust.clone(),
        };
        let credentials = Credentials::with_options(self.auth, env, self.cloud, self.tenant.clone(), &options)?;
        Ok(credentials.with_timeout(self.credential_timeout))
    }

    /// An ARM client for the endpoint with `credentials`, trusting `trust`, with the
    /// configured limits.
    pub fn arm_client(&self, credentials: Arc<Credentials>, trust: &Trust) -> Result<ArmClient, ClientError> {
        let client = ArmClient::with_trust(&self.endpoint, self.cloud.scope(), credentials, self.retry, trust)?;
        Ok(client.with_limits(self.limits))
    }

    /// The client, with credentials and trust from `env`.
    pub fn client(&self, env: &Environment) -> anyhow::Result<ArmClient> {
        let trust = self.trust(env)?;
        let credentials = self.credentials(env, &trust)?;
        Ok(self.arm_client(Arc::new(credentials), &trust)?)
    }
}

/// Loads the previous snapshot, when a merge needs it: each call a future of its own
/// (loading from disk, or a copy of one in memory).
pub trait Previous: Fn() -> Self::Load {
    type Load: std::future::Future<Output = Option<Snapshot>> + Send;
}

impl<F, L> Previous for F
where
    F: Fn() -> L,
    L: std::future::Future<Output = Option<Snapshot>> + Send,
{
    type Load = L;
}

/// Reads the fleet's list (the first phase) and merges it with the previous snapshot,
/// which `previous` loads only when the merge needs it. Every cluster read is stamped
/// with `now`; none has details yet (see `details`).
pub async fn list(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    events: Option<&UnboundedSender<Progress>>,
    previous: &impl Previous,
    key: &str,
    now: OffsetDateTime,
) -> Snapshot {
    let fleet = azure::fetch_fleet(client, request, events).await;
    let previous = if needs_previous(&fleet) { previous().await } else { None };
    cache::merge(previous, fleet, key, now)
}

/// Reads the details of every cluster of `snapshot` that is not stale (the second
/// phase) and puts them in, stamped with `now`; what could not be read joins the
/// snapshot's errors. A part that could not be read keeps the value of the previous
/// snapshot (which `previous` loads only then), marked stale. Returns the number of
/// requests the phase made.
pub async fn details(
    client: Arc<ArmClient>,
    snapshot: &mut Snapshot,
    concurrency: usize,
    events: Option<&UnboundedSender<Progress>>,
    previous: &impl Previous,
    now: OffsetDateTime,
) -> usize {
    let read = azure::read_details(client, &snapshot.clusters, concurrency, events).await;
    let failed = |d: &Option<ClusterDetails>| d.as_ref().is_some_and(|d| !d.failed.is_empty());
    if read.clusters.iter().any(failed)
        && let Some(before) = previous().await.filter(|p| p.key == snapshot.key)
    {
        let at: HashMap<String, usize> = before
            .clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.to_ascii_lowercase(), i))
            .collect();
        for (cluster, details) in snapshot.clusters.iter_mut().zip(&read.clusters) {
            if failed(details)
                && let Some(&i) = at.get(&cluster.id.to_ascii_lowercase())
            {
                carry_details(&before.clusters[i], Arc::make_mut(cluster));
            }
        }
    }
    // Whole seconds: what the snapshot stores, so a view reads the same after a reload.
    let now = now.replace_nanosecond(0).unwrap_or(now);
    // Each answer's texts were read apart: the clusters share them again.
    let mut texts = Interner::new();
    for (cluster, details) in snapshot.clusters.iter_mut().zip(read.clusters) {
        if let Some(details) = details {
            let cluster = Arc::make_mut(cluster);
            details.apply(cluster, now);
            cluster.share(&mut texts);
        }
    }
    snapshot.errors.extend(read.errors);
    snapshot.regions.extend(read.regions);
    read.requests
}

/// Both phases: the list, then with `details` every cluster's details, read by one
/// pool of workers so that a subscription's details start as soon as its list is whole
/// (see `azure::read`). `clock` stamps the list when it is whole, and each cluster's
/// details when they come.
pub async fn refresh(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    details: bool,
    events: Option<&UnboundedSender<Progress>>,
    previous: impl Previous,
    key: &str,
    clock: impl Fn() -> OffsetDateTime,
) -> Snapshot {
    let watch = Watch {
        shown: Vec::new(),
        linger: Duration::ZERO,
        listed: |_: &Snapshot| {},
        detailed: |_: &Snapshot, _: &[usize]| {},
    };
    read(client, request, details, events, &previous, key, &clock, watch).await
}

/// Who watches a `read`: the dashboard, which shows the list when it is whole and each
/// cluster again when its details come.
pub struct Watch<L, D> {
    /// The clusters on screen: a cluster listed as it is shown is that copy in the
    /// list, shared (an unchanged fleet is not held twice); another keeps the details
    /// shown until its own are read. Let go once the list is whole, so that what the
    /// screen lets go then is freed.
    pub shown: Vec<Arc<Cluster>>,
    /// How long to gather details that complete before telling `detailed`.
    pub linger: Duration,
    /// Called once with the listed (merged) snapshot.
    pub listed: L,
    /// Called with the snapshot and the places of the clusters whose details came.
    pub detailed: D,
}

/// `refresh`, watched: the list (merged with the previous snapshot, which `previous`
/// loads only when a failure needs it) goes to `watch.listed` as soon as it is whole,
/// while the details of the first subscriptions are already being read; then each
/// batch of clusters whose details came goes to `watch.detailed`. A detail part that
/// could not be read keeps the value shown (or the previous snapshot's), marked stale.
#[expect(
    clippy::too_many_arguments,
    reason = "the read's settings, its clock and who watches it"
)]
pub async fn read<L, D>(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    details: bool,
    events: Option<&UnboundedSender<Progress>>,
    previous: &impl Previous,
    key: &str,
    clock: &impl Fn() -> OffsetDateTime,
    mut watch: Watch<L, D>,
) -> Snapshot
where
    L: FnMut(&Snapshot),
    D: FnMut(&Snapshot, &[usize]),
{
    let mut read =
        azure::FleetRead::new(client, request, details, events.cloned()).sharing(std::mem::take(&mut watch.shown));
    let (fleet, clusters) = read.list_shared().await;
    let listed = clusters.len();
    let needed = needs_previous(&fleet);
    let mut before = if needed { previous().await } else { None };
    let mut snapshot = cache::merge_shared(before.clone(), fleet, clusters, key, clock());
    // Clusters listed as they are shown are the screen's copies, stamped as listed when
    // their details come (or at the end).
    let listed_at = Some(snapshot.saved_at);
    (watch.listed)(&snapshot);
    let mut texts = Interner::new();
    let mut before_at: Option<HashMap<String, usize>> = None;
    let mut loaded = needed;
    while let Some(batch) = read.details(watch.linger).await {
        // Whole seconds: what the snapshot stores, so a view reads the same after a reload.
        let now = clock();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let mut places = Vec::with_capacity(batch.len());
        for (at, details) in batch {
            let Some(cluster) = snapshot.clusters.get_mut(at) else {
                continue;
            };
            if !details.failed.is_empty() && cluster.details.is_none() {
                // A part that failed keeps the previous snapshot's value: loaded once.
                if !loaded {
                    loaded = true;
                    before = previous().await;
                }
                if let Some(before) = before.as_mut().filter(|p| p.key == snapshot.key) {
                    let index = before_at.get_or_insert_with(|| {
                        before
                            .clusters
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (c.id.to_ascii_lowercase(), i))
                            .collect()
                    });
                    if let Some(&i) = index.get(&cluster.id.to_ascii_lowercase()) {
                        carry_details(&before.clusters[i], Arc::make_mut(cluster));
                    }
                }
            }
            let cluster = Arc::make_mut(cluster);
            if at < listed {
                cluster.as_of = listed_at;
            }
            details.apply(cluster, now);
            // Each answer's texts were read apart: the clusters share them again.
            cluster.share(&mut texts);
            places.push(at);
        }
        (watch.detailed)(&snapshot, &places);
    }
    drop(before);
    for cluster in snapshot.clusters.iter_mut().take(listed) {
        if cluster.as_of != listed_at {
            Arc::make_mut(cluster).as_of = listed_at;
        }
    }
    let (errors, regions, _) = read.finish();
    snapshot.errors.extend(errors);
    snapshot.regions.extend(regions);
    snapshot
}

/// Reads AKS's scheduled upgrade events for the subscriptions the snapshot read, into
/// it. When they cannot be read, the snapshot keeps the events it had (if any) and
/// says why in its errors: what was read is never lost for what was not. The events'
/// texts are taken from `texts` where it has them (the events on screen, so that a
/// refresh does not hold each cluster's id twice).
pub async fn read_events(client: &ArmClient, snapshot: &mut Snapshot, texts: Interner) {
    let subscriptions: Vec<String> = snapshot
        .subscriptions
        .iter()
        .filter(|s| s.error.is_none())
        .map(|s| s.id.clone())
        .collect();
    if subscriptions.is_empty() {
        return;
    }
    match azure::fetch_events(client, &subscriptions, texts).await {
        Ok(events) => snapshot.events = Some(events),
        Err(err) => snapshot.errors.push(SourceError {
            subscription_id: None,
            url: err.url().map(String::from),
            code: Some(SourceError::EVENTS_UNREADABLE.to_string()),
            message: format!(
                "AKS's scheduled upgrade events could not be read: {}: {}",
                err.code(),
                err.message()
            ),
        }),
    }
}

/// Reads the events into `snapshot` (`read_events`), and when they cannot be read and
/// the snapshot has none, puts back those of the previous snapshot (which `previous`
/// loads only then): a read that succeeded everywhere does not load the previous
/// snapshot to merge, so its events would otherwise be lost with the one query that
/// failed.
pub async fn events(client: &ArmClient, snapshot: &mut Snapshot, previous: &impl Previous, texts: Interner) {
    read_events(client, snapshot, texts).await;
    if snapshot.events.is_none()
        && snapshot.errors.iter().any(SourceError::is_events)
        && let Some(before) = previous().await.filter(|p| p.key == snapshot.key)
    {
        snapshot.events = before.events;
    }
}

/// Whether merging this read needs the previous snapshot: only when something failed,
/// since a read that succeeded everywhere replaces it whole. Saves loading (and
/// holding) a second copy of a large fleet on every refresh.
pub fn needs_previous(fleet: &Fleet) -> bool {
    fleet.subscriptions.iter().any(|s| s.error.is_some()) || fleet.errors.iter().any(SourceError::is_listing)
}

/// What a read could not cover: the subscription list, subscriptions, details. Empty
/// when it is complete. Each entry is one short line for stderr, and any entry makes
/// `scan` and `remediate` exit 3.
pub fn incomplete(fleet: &Fleet) -> Vec<String> {
    incomplete_of(fleet, &fleet.clusters)
}

/// `incomplete` for a fleet whose clusters are held apart from it.
pub fn incomplete_of<C: std::borrow::Borrow<Cluster>>(fleet: &Fleet, clusters: &[C]) -> Vec<String> {
    let mut lines = Vec::new();
    // Errors of no one subscription: the list could not be read, or an id in it (or
    // in config) is not a subscription id.
    let listing: Vec<&SourceError> = fleet.errors.iter().filter(|e| e.is_listing()).collect();
    let invalid: Vec<&SourceError> = fleet
        .errors
        .iter()
        .filter(|e| e.subscription_id.is_none() && code(e) == SourceError::BAD_SUBSCRIPTION_ID)
        .collect();
    let left_out: Vec<&SourceError> = fleet.errors.iter().filter(|e| e.is_left_out()).collect();
    let nothing = clusters.is_empty() && fleet.subscriptions.is_empty();
    match listing.as_slice() {
        [] => {}
        [one] => {
            let mut line = format!(
                "the subscription list could not be read: {}: {}",
                code(one),
                short(&one.message).trim_end_matches('.')
            );
            if refused_credentials(one) {
                line.push_str("; the credentials were refused: check AKSRADAR_TOKEN, or sign in again (`az login`)");
            }
            if nothing {
                line.push_str("; nothing was read");
            } else if !clusters.is_empty() && clusters.iter().all(|c| c.borrow().stale) {
                line.push_str("; the clusters shown are from an earlier read");
            }
            lines.push(line);
        }
        many => lines.push(format!(
            "the subscription list could not be read whole: {}",
            by_code(many.iter().copied())
        )),
    }
    if let Some(first) = invalid.first() {
        let more = match invalid.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        lines.push(format!(
            "{} skipped: {}{more}",
            crate::text::count(invalid.len(), "subscription id"),
            short(&first.message)
        ));
    }
    if let Some(first) = left_out.first() {
        let more = match left_out.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        lines.push(format!(
            "{} left out, the id does not read: {}{more}",
            crate::text::count(left_out.len(), "cluster"),
            short(&first.message)
        ));
    }
    let failed: Vec<&SourceError> = fleet.subscriptions.iter().filter_map(|s| s.error.as_ref()).collect();
    if !failed.is_empty() {
        lines.push(format!(
            "{} of {} subscriptions could not be read: {}",
            failed.len(),
            fleet.subscriptions.len(),
            by_code(failed.iter().copied())
        ));
    }
    if let Some(events) = fleet.errors.iter().find(|e| e.is_events()) {
        lines.push(short(&events.message).trim_end_matches('.').to_string());
    }
    let details: Vec<&SourceError> = fleet
        .errors
        .iter()
        .filter(|e| e.subscription_id.is_some() && !e.is_left_out() && !failed.contains(e))
        .collect();
    if !details.is_empty() {
        // One error per failed request: a region's versions serve many clusters.
        let affected = clusters
            .iter()
            .filter(|c| c.borrow().details.as_deref().is_some_and(|d| !d.failed.is_empty()))
            .count();
        let affected = match affected {
            0 => String::new(),
            n => format!(", {} affected", crate::text::count(n, "cluster")),
        };
        lines.push(format!(
            "{} failed{affected}: {}",
            crate::text::count(details.len(), "detail read"),
            by_code(details.iter().copied())
        ));
    }
    lines
}

fn code(error: &SourceError) -> &str {
    error.code.as_deref().unwrap_or("Error")
}

/// The server refused the identity itself (as opposed to one subscription).
fn refused_credentials(error: &SourceError) -> bool {
    matches!(
        code(error),
        "InvalidAuthenticationToken"
            | "InvalidAuthenticationTokenTenant"
            | "ExpiredAuthenticationToken"
            | "AuthenticationFailed"
            | "Unauthorized"
    )
}

/// A message from outside, on one line and not too long for a summary.
fn short(message: &str) -> String {
    const MAX: usize = 200;
    let clean = crate::text::clean(message);
    let mut out: String = clean.chars().take(MAX).collect();
    if clean.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// `AuthorizationFailed (3), RateLimiting (2)`: most frequent first, then by name.
fn by_code<'a>(errors: impl Iterator<Item = &'a SourceError>) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for error in errors {
        let code = short(code(error));
        match counts.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => counts.push((code, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
        .iter()
        .map(|(code, n)| format!("{code} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SubscriptionState;

    fn state(id: &str, failed: bool) -> SubscriptionState {
        let error = failed.then(|| SourceError {
            subscription_id: Some(id.into()),
            url: None,
            code: None,
            message: "x".into(),
        });
        SubscriptionState {
            id: id.into(),
            name: None,
            fetched_at: None,
            error,
        }
    }

    #[test]
    fn the_previous_snapshot_is_needed_only_when_something_failed() {
        let ok = Fleet {
            subscriptions: vec![state("a", false), state("b", false)],
            ..Default::default()
        };
        assert!(!needs_previous(&ok));
        let one_failed = Fleet {
            subscriptions: vec![state("a", false), state("b", true)],
            ..Default::default()
        };
        assert!(needs_previous(&one_failed));
        let listing_failed = Fleet {
            errors: vec![SourceError {
                subscription_id: None,
                url: None,
                code: None,
                message: "no network".into(),
            }],
            ..Default::default()
        };
        assert!(needs_previous(&listing_failed));
    }

    fn error(subscription: Option<&str>, code: &str) -> SourceError {
        SourceError {
            subscription_id: subscription.map(String::from),
            url: None,
            code: Some(code.into()),
            message: format!("{code} happened"),
        }
    }

    fn fleet_with(subscriptions: usize, failed: &[(usize, &str)], general: &[SourceError]) -> Fleet {
        let subscriptions: Vec<SubscriptionState> = (0..subscriptions)
            .map(|i| {
                let id = format!("sub-{i}");
                let failure = failed
                    .iter()
                    .find(|(at, _)| *at == i)
                    .map(|(_, code)| error(Some(&id), code));
                SubscriptionState {
                    error: failure,
                    ..state(&id, false)
                }
            })
            .collect();
        let mut errors: Vec<SourceError> = general.to_vec();
        errors.extend(subscriptions.iter().filter_map(|s| s.error.clone()));
        Fleet {
            subscriptions,
            errors,
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_read_has_nothing_to_report() {
        assert!(incomplete(&fleet_with(50, &[], &[])).is_empty());
    }

    #[test]
    fn what_could_not_be_read_is_summed_up_one_line_per_kind() {
        let cases: Vec<(Fleet, Vec<&str>)> = vec![
            (
                fleet_with(
                    50,
                    &[
                        (3, "AuthorizationFailed"),
                        (9, "AuthorizationFailed"),
                        (17, "AuthorizationFailed"),
                    ],
                    &[],
                ),
                vec!["3 of 50 subscriptions could not be read: AuthorizationFailed (3)"],
            ),
            (
                fleet_with(
                    5,
                    &[(0, "RateLimiting"), (1, "AuthorizationFailed"), (2, "RateLimiting")],
                    &[],
                ),
                vec!["3 of 5 subscriptions could not be read: RateLimiting (2), AuthorizationFailed (1)"],
            ),
            (
                fleet_with(
                    1,
                    &[],
                    &[error(None, "ServiceUnavailable"), error(None, "ServiceUnavailable")],
                ),
                vec!["the subscription list could not be read whole: ServiceUnavailable (2)"],
            ),
            (
                fleet_with(0, &[], &[error(None, "InvalidAuthenticationToken")]),
                vec![
                    "the subscription list could not be read: InvalidAuthenticationToken: InvalidAuthenticationToken happened; \
                     the credentials were refused: check AKSRADAR_TOKEN, or sign in again (`az login`); nothing was read",
                ],
            ),
            (
                fleet_with(
                    2,
                    &[],
                    &[
                        error(None, "InvalidSubscriptionId"),
                        error(None, "InvalidSubscriptionId"),
                        error(Some("sub-1"), "ResourceNotFound"),
                    ],
                ),
                vec![
                    "2 subscription ids skipped: InvalidSubscriptionId happened (and 1 more)",
                    "1 detail read failed: ResourceNotFound (1)",
                ],
            ),
        ];
        for (fleet, want) in cases {
            assert_eq!(incomplete(&fleet), want);
        }
    }
}
