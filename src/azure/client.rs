//! The HTTP client for ARM and Resource Graph: tokens, retries, throttling, paging and
//! the limits that keep a read bounded.
//!
//! Every request goes through `send`, the one function that sends a token. It refuses
//! a URL off the endpoint's origin or with a user name or password in it, follows no
//! redirect to another origin, and reads the body as a stream, never past
//! `Limits::max_body_bytes` once decoded. It retries 5xx, timeouts and broken
//! connections with exponential backoff and jitter (`RetryPolicy::attempts` in all),
//! and 429s for as long as the read's deadline allows, waiting what `Retry-After` or
//! Resource Graph's quota headers ask. No wait is longer than `Limits::max_wait`, and
//! no read outlives its deadline. A 401 refreshes the token once. Paging follows
//! `nextLink` only on the same origin, stops with an error when a link repeats, and
//! stops at `max_pages` pages or `max_items` items. Nothing here logs a token, and no
//! URL in an error carries a user name or password.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::body::{self, Unreadable};
use super::clock::Clock;
use super::credential::{AuthError, Credentials};
use super::path::{BadId, Path, quoted};
use super::trust::Trust;
use crate::config::{token_may_go_to, without_userinfo};
use crate::import::PageLinks;
use crate::model::{Fleet, Progress};

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (429s are not counted: see `send`).
    pub attempts: u32,
    /// The first backoff; it doubles with each retry, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Per request, from sending to the whole body read.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}

/// How far one read may go (`[limits]` in config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest single wait, whatever the server asks for.
    pub max_wait: Duration,
    /// One read (a list with all its pages, or one request) in all, waits included.
    pub read_deadline: Duration,
    /// Pages of one list.
    pub max_pages: usize,
    /// Items of one list, all pages together.
    pub max_items: usize,
    /// One response body, decoded.
    pub max_body_bytes: u64,
}

impl From<&crate::config::Limits> for Limits {
    fn from(config: &crate::config::Limits) -> Limits {
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Limits {
            max_wait: Duration::from_secs(config.max_wait_seconds),
            read_deadline: Duration::from_secs(config.read_deadline_seconds),
            max_pages: count(config.max_pages),
            max_items: count(config.max_items),
            max_body_bytes: config.max_body_mib.saturating_mul(1024 * 1024),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from(&crate::config::Limits::default())
    }
}

/// A request that failed for good, with what a person needs to act on it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error("{url}: HTTP {status} {code}: {message}")]
    Api {
        url: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url}: the response is not valid JSON ({message})")]
    Malformed { url: String, message: String },
    #[error("{url}: nextLink {next} was already followed; the server is paging in a loop")]
    LoopingNextLink { url: String, next: String },
    #[error("{url}: nextLink {next} leaves {origin}; not following it with a token")]
    ForeignNextLink { url: String, next: String, origin: String },
    #[error(
        "refusing to send a bearer token over plain http to {url}: use https, or a loopback address such as the simulator"
    )]
    Insecure { url: String },
    /// A URL the token must not go to: another origin, or a user name or password in it.
    #[error("{url}: {why}; the token goes nowhere else")]
    Refused { url: String, why: String },
    #[error("{url}: redirected elsewhere ({message}); not following it")]
    Redirect { url: String, message: String },
    #[error("{url}: {message}")]
    Deadline { url: String, message: String },
    #[error("{url}: the list did not end after {pages} pages (limits.max_pages); stopped reading it")]
    TooManyPages { url: String, pages: usize },
    #[error("{url}: the list holds more than {items} items (limits.max_items); stopped reading it")]
    TooManyItems { url: String, items: usize },
    #[error("{url}: the response is larger than {} MiB decoded (limits.max_body_mib); stopped reading it", mib(*limit))]
    TooLarge { url: String, limit: u64 },
    #[error(transparent)]
    BadId(#[from] BadId),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Bytes as MiB for messages, with a decimal when it is not whole (test limits are small).
fn mib(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 {
        format!("{mib:.0}")
    } else {
        format!("{mib:.3}")
    }
}

impl ClientError {
    /// The ARM error code (`AuthorizationFailed`, ...) or a short name of the failure.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Api { code, .. } => code,
            ClientError::Transport { .. } => "TransportError",
            ClientError::Malformed { .. } => "MalformedResponse",
            ClientError::LoopingNextLink { .. } => "LoopingNextLink",
            ClientError::ForeignNextLink { .. } => "ForeignNextLink",
            ClientError::Insecure { .. } => "InsecureEndpoint",
            ClientError::Refused { .. } => "RefusedUrl",
            ClientError::Redirect { .. } => "CrossOriginRedirect",
            ClientError::Deadline { .. } => "DeadlineExceeded",
            ClientError::TooManyPages { .. } => "TooManyPages",
            ClientError::TooManyItems { .. } => "TooManyItems",
            ClientError::TooLarge { .. } => "ResponseTooLarge",
            ClientError::BadId(bad) => bad.code,
            ClientError::Auth(_) => "AuthenticationFailed",
        }
    }

    pub fn url(&self) -> Option<&str> {
        match self {
            ClientError::Api { url, .. }
            | ClientError::Transport { url, .. }
            | ClientError::Malformed { url, .. }
            | ClientError::LoopingNextLink { url, .. }
            | ClientError::ForeignNextLink { url, .. }
            | ClientError::Insecure { url }
            | ClientError::Refused { url, .. }
            | ClientError::Redirect { url, .. }
            | ClientError::Deadline { url, .. }
            | ClientError::TooManyPages { url, .. }
            | ClientError::TooManyItems { url, .. }
            | ClientError::TooLarge { url, .. } => Some(url),
            ClientError::BadId(_) | ClientError::Auth(_) => None,
        }
    }

    /// The message without the URL, for a table cell.
    pub fn message(&self) -> String {
        match self {
            ClientError::Api { message, .. } => message.clone(),
            other => {
                let text = other.to_string();
                match other.url() {
                    Some(url) => text.strip_prefix(&format!("{url}: ")).unwrap_or(&text).to_string(),
                    None => text,
                }
            }
        }
    }
}

/// A URL as errors and reports show it: without any user name or password.
pub(super) fn shown(url: &Url) -> String {
    without_userinfo(url)
}

/// Seconds for messages: `999999 s`, `0.5 s`.
pub(super) fn secs(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// How a successful response's body is read.
pub(super) trait Reader: Sync {
    type Out: Send;
    fn read(
        &self,
        response: reqwest::Response,
        limit: u64,
    ) -> impl Future<Output = Result<Self::Out, Unreadable>> + Send;
}

/// The body as one JSON value.
struct Json;

impl Reader for Json {
    type Out = Value;
    async fn read(&self, response: reqwest::Response, limit: u64) -> Result<Value, Unreadable> {
        body::json(response, limit).await
    }
}

/// The body as a list page of clusters, parsed while it streams.
struct Page<'a>(&'a Url);

impl Reader for Page<'_> {
    type Out = (Fleet, PageLinks);
    async fn read(&self, response: reqwest::Response, limit: u64) -> Result<(Fleet, PageLinks), Unreadable> {
        body::page(response, limit, shown(self.0)).await
    }
}

/// What one attempt got back.
enum Answer<T> {
    Success(Result<T, Unreadable>, HeaderMap),
    Status(StatusCode, HeaderMap, Vec<u8>),
}

/// Pages and items of one list so far, against the limits.
pub struct ListTally {
    pages: usize,
    items: usize,
    limits: Limits,
}

impl ListTally {
    /// Counts a page of `items`; an error once the list holds more items than allowed.
    pub fn page(&mut self, url: &Url, items: usize) -> Result<(), ClientError> {
        self.pages += 1;
        self.items = self.items.saturating_add(items);
        if self.items > self.limits.max_items {
            return Err(ClientError::TooManyItems {
                url: shown(url),
                items: self.limits.max_items,
            });
        }
        Ok(())
    }

    /// Before following a link to one more page: an error when that is one too many.
    pub fn more(&self, url: &Url) -> Result<(), ClientError> {
        if self.pages >= self.limits.max_pages {
            return Err(ClientError::TooManyPages {
                url: shown(url),
                pages: self.pages,
            });
        }
        Ok(())
    }
}

/// A client for one ARM endpoint. Share it behind an `Arc`; `with_events` gives a
/// copy that reports progress and shares the connection pool.
#[derive(Clone)]
pub struct ArmClient {
    http: reqwest::Client,
    base: Url,
    scope: String,
    credentials: Arc<Credentials>,
    retry: RetryPolicy,
    limits: Limits,
    clock: Clock,
    events: Option<UnboundedSender<Progress>>,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("base", &self.base.as_str())
            .field("scope", &self.scope)
            .finish()
    }
}

impl ArmClient {
    /// A client for `base` (e.g. `https://management.azure.com`), with the default
    /// limits. Refuses a base that a token may not be sent to, and one with a user
    /// name or password in it.
    pub fn new(
        base: &str,
        scope: &str,
        credentials: Arc<Credentials>,
        retry: RetryPolicy,
    ) -> Result<ArmClient, ClientError> {
        ArmClient::with_trust(base, scope, credentials, retry, &Trust::default())
    }

    /// `new`, also trusting the extra roots of `trust` (config `ca_file`, `SSL_CERT_FILE`).
    pub fn with_trust(
        base: &str,
        scope: &str,
        credentials: Arc<Credentials>,
        retry: RetryPolicy,
        trust: &Trust,
    ) -> Result<ArmClient, ClientError> {
        let base = Url::parse(base.trim_end_matches('/')).map_err(|e| ClientError::Transport {
            url: quoted(base),
            message: format!("not a URL: {e}"),
        })?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(ClientError::Refused {
                url: shown(&base),
                why: "the endpoint carries a user name or password; remove `user:password@` from it".into(),
            });
        }
        if !token_may_go_to(&base) {
            return Err(ClientError::Insecure { url: shown(&base) });
        }
        let origin = base.origin();
        // Same-origin redirects keep the token (reqwest drops it for any other host);
        // a redirect anywhere else is an error, so no other origin's body is taken
        // for fleet data.
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let to = attempt.url();
            if to.origin() != origin || !to.username().is_empty() || to.password().is_some() {
                let message = format!("to {}, another origin", shown(to));
                attempt.error(message)
            } else if attempt.previous().len() > 5 {
                attempt.error("more than 5 redirects")
            } else {
                attempt.follow()
            }
        });
        let http = trust
            .client_builder()
            .user_agent(concat!("aksradar/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(retry.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(64)
            .redirect(redirects)
            .build()
            .map_err(|e| ClientError::Transport {
                url: shown(&base),
                message: e.to_string(),
            })?;
        Ok(ArmClient {
            http,
            base,
            scope: scope.to_string(),
            credentials,
            retry,
            limits: Limits::default(),
            clock: Clock::Real,
            events: None,
        })
    }

    pub fn with_limits(mut self, limits: Limits) -> ArmClient {
        self.limits = limits;
        self
    }

    /// Measures deadlines and waits with `clock` (a manual one in tests).
    pub fn with_clock(mut self, clock: Clock) -> ArmClient {
        self.clock = clock;
        self
    }

    /// A copy that sends throttling waits to `events` as they happen. It shares this
    /// client's connections.
    pub fn with_events(&self, events: UnboundedSender<Progress>) -> ArmClient {
        ArmClient {
            events: Some(events),
            ..self.clone()
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The clock deadlines are measured with and waits are made on.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Who the credentials act as, as far as their token says (a JWT's tenant and
    /// object id claims, read without verifying). Nothing when the token is no JWT or
    /// none can be had; the token itself is neither kept nor shown.
    pub async fn identity(&self) -> super::identity::Identity {
        match self.credentials.token(&self.scope).await {
            Ok(token) => super::identity::Identity::of_token(token.secret()),
            Err(_) => super::identity::Identity::default(),
        }
    }

    /// When a read that starts now must be done.
    pub fn deadline(&self) -> Instant {
        self.clock.now() + self.limits.read_deadline
    }

    /// A new tally for one list.
    pub fn tally(&self) -> ListTally {
        ListTally {
            pages: 0,
            items: 0,
            limits: self.limits,
        }
    }

    /// The URL of `path` on this endpoint: each segment percent-encoded on its own.
    pub fn url(&self, path: &Path<'_>) -> Result<Url, ClientError> {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .map_err(|()| ClientError::Transport {
                url: shown(&self.base),
                message: "the endpoint cannot hold a path".into(),
            })?
            .clear()
            .extend(path.segments.iter().map(|s| s.as_ref()));
        if !path.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(path.query.iter().map(|(k, v)| (*k, v.as_ref())));
        }
        Ok(url)
    }

    pub async fn get(&self, url: &Url, deadline: Instant) -> Result<Value, ClientError> {
        self.send(Method::GET, url, None, None, &Json, deadline).await
    }

    /// One page of a list, read into clusters as it streams (see `import::parse_page_from`).
    pub async fn page(
        &self,
        url: &Url,
        body: Option<&Value>,
        deadline: Instant,
    ) -> Result<(Fleet, PageLinks), ClientError> {
        let method = if body.is_some() { Method::POST } else { Method::GET };
        self.send(method, url, body, None, &Page(url), deadline).await
    }

    /// Follows `nextLink` from `first`, handing each page's `value` array to `on_page`.
    pub async fn get_pages(
        &self,
        first: Url,
        deadline: Instant,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<(), ClientError> {
        let mut seen = HashSet::new();
        let mut tally = self.tally();
        let mut url = first;
        loop {
            let page = self.get(&url, deadline).await?;
            let (items, next) = split_page(page, &url)?;
            tally.page(&url, items.len())?;
            on_page(items);
            let Some(next) = next else { return Ok(()) };
            tally.more(&url)?;
            url = self.next_url(&url, next, &mut seen)?;
        }
    }

    /// Follows `nextLink` from `first` for a list of clusters, page by page.
    pub async fn get_fleet_pages(
        &self,
        first: Url,
        deadline: Instant,
        mut on_page: impl FnMut(Fleet),
    ) -> Result<(), ClientError> {
        let mut seen = HashSet::new();
        let mut tally = self.tally();
        let mut url = first;
        loop {
            let (page, links) = self.page(&url, None, deadline).await?;
            tally.page(&url, page.clusters.len() + page.skipped)?;
            on_page(page);
            let Some(next) = links.next_link.filter(|n| !n.is_empty()) else {
                return Ok(());
            };
            tally.more(&url)?;
            url = self.next_url(&url, next, &mut seen)?;
        }
    }

    /// The URL a `nextLink` points at, when it may be followed: on the endpoint's own
    /// origin (the token must not leave it), without a user name or password, and not
    /// seen before (no paging in a loop).
    pub(super) fn next_url(&self, url: &Url, next: String, seen: &mut HashSet<String>) -> Result<Url, ClientError> {
        let next_url = Url::parse(&next)
            .or_else(|_| url.join(&next))
            .map_err(|e| ClientError::Malformed {
                url: shown(url),
                message: format!("nextLink {} is not a URL: {e}", quoted(&next)),
            })?;
        if next_url.origin() != self.base.origin() {
            return Err(ClientError::ForeignNextLink {
                url: shown(url),
                next: shown(&next_url),
                origin: self.base.origin().ascii_serialization(),
            });
        }
        if !next_url.username().is_empty() || next_url.password().is_some() {
            return Err(ClientError::Refused {
                url: shown(url),
                why: format!("nextLink {} carries a user name or password", shown(&next_url)),
            });
        }
        if !seen.insert(next_url.to_string()) || next_url == *url {
            return Err(ClientError::LoopingNextLink {
                url: shown(url),
                next: shown(&next_url),
            });
        }
        Ok(next_url)
    }

    /// Whether a token may go to `url`: https or loopback, this endpoint's origin, no
    /// user name or password. Checked here, where every request is sent, whatever
    /// built the URL.
    fn may_send(&self, url: &Url) -> Result<(), ClientError> {
        if !token_may_go_to(url) {
            return Err(ClientError::Insecure { url: shown(url) });
        }
        if url.origin() != self.base.origin() {
            return Err(ClientError::Refused {
                url: shown(url),
                why: format!("not on the endpoint {}", self.base.origin().ascii_serialization()),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ClientError::Refused {
                url: shown(url),
                why: "the URL carries a user name or password".into(),
            });
        }
        Ok(())
    }

    fn deadline_error(&self, url: &Url, detail: &str) -> ClientError {
        ClientError::Deadline {
            url: shown(url),
            message: format!(
                "the read did not finish within {} (limits.read_deadline_seconds){detail}",
                secs(self.limits.read_deadline)
            ),
        }
    }

    /// Sends one request, with `If-Match: if_match` when given, and reads the answer
    /// with `reader`: the only function that sends a token.
    pub(super) async fn send<R: Reader>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        if_match: Option<&str>,
        reader: &R,
        deadline: Instant,
    ) -> Result<R::Out, ClientError> {
        self.may_send(url)?;
        let mut attempt = 0u32;
        let mut throttled = 0u32;
        let mut refreshed = false;
        loop {
            let left = deadline.saturating_duration_since(self.clock.now());
            if left.is_zero() {
                return Err(self.deadline_error(url, ""));
            }
            attempt += 1;
            let token = self.credentials.token(&self.scope).await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            if let Some(tag) = if_match {
                request = request.header(reqwest::header::IF_MATCH, tag);
            }
            let limit = self.retry.timeout.min(left);
            let max_body = self.limits.max_body_bytes;
            let outcome = tokio::time::timeout(limit, async {
                let response = request.send().await?;
                let status = response.status();
                let headers = response.headers().clone();
                Ok::<_, reqwest::Error>(if status.is_success() {
                    Answer::Success(reader.read(response, max_body).await, headers)
                } else {
                    Answer::Status(status, headers, body::error_body(response).await)
                })
            })
            .await;
            let last = attempt >= self.retry.attempts;
            let answer = match outcome {
                Err(_elapsed) if limit < self.retry.timeout => {
                    return Err(self.deadline_error(url, "; the last request was still unanswered"));
                }
                Err(_elapsed) if !last => {
                    self.pause(url, self.backoff(attempt), "timed out", deadline).await?;
                    continue;
                }
                Err(_elapsed) => {
                    return Err(ClientError::Transport {
                        url: shown(url),
                        message: format!("no answer within {:?}, {attempt} attempts", self.retry.timeout),
                    });
                }
                Ok(Err(err)) => {
                    self.transport_failure(url, &err, attempt, last, deadline).await?;
                    continue;
                }
                Ok(Ok(answer)) => answer,
            };
            let (status, headers, bytes) = match answer {
                Answer::Success(Ok(value), headers) => {
                    self.respect_quota(url, &headers, deadline).await;
                    return Ok(value);
                }
                Answer::Success(Err(unreadable), _) => {
                    match unreadable {
                        Unreadable::TooLarge(limit) => {
                            return Err(ClientError::TooLarge { url: shown(url), limit });
                        }
                        Unreadable::Transport(err) => {
                            self.transport_failure(url, &err, attempt, last, deadline).await?
                        }
                        // A body cut short is usually the network's doing: worth another try.
                        Unreadable::Retry(_) if !last => {
                            self.pause(url, self.backoff(attempt), "truncated response", deadline)
                                .await?;
                        }
                        Unreadable::Retry(message) => {
                            return Err(ClientError::Malformed {
                                url: shown(url),
                                message: format!("{message}; {attempt} attempts"),
                            });
                        }
                        Unreadable::Final(message) => {
                            return Err(ClientError::Malformed {
                                url: shown(url),
                                message,
                            });
                        }
                    }
                    continue;
                }
                Answer::Status(status, headers, bytes) => (status, headers, bytes),
            };
            if status == StatusCode::UNAUTHORIZED && !refreshed && self.credentials.invalidate(&self.scope).await {
                refreshed = true;
                attempt -= 1;
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                // Throttling says "later", not "failed": it does not use up attempts,
                // only the read's deadline, so one query (Resource Graph reads up to
                // 1000 subscriptions in one) is as persistent as many.
                throttled += 1;
                attempt -= 1;
                let asked = throttle_wait(&headers);
                let delay = asked
                    .unwrap_or_else(|| self.backoff(throttled))
                    .max(self.retry.base_delay / 2);
                self.pause(url, delay, "throttled", deadline).await?;
                continue;
            }
            let retriable = matches!(status.as_u16(), 500 | 502 | 503 | 504) || status == StatusCode::REQUEST_TIMEOUT;
            if retriable && !last {
                let delay = retry_after(&headers).unwrap_or_else(|| self.backoff(attempt));
                self.pause(url, delay.max(Duration::from_millis(1)), "server error", deadline)
                    .await?;
                continue;
            }
            let (code, message) = error_envelope(&bytes, status);
            return Err(ClientError::Api {
                url: shown(url),
                status: status.as_u16(),
                code,
                message,
            });
        }
    }

    /// A failed connection or a refused redirect: waits for another try, or says why
    /// there is none.
    async fn transport_failure(
        &self,
        url: &Url,
        err: &reqwest::Error,
        attempt: u32,
        last: bool,
        deadline: Instant,
    ) -> Result<(), ClientError> {
        if err.is_redirect() {
            return Err(ClientError::Redirect {
                url: shown(url),
                message: transport_message(err),
            });
        }
        // An untrusted certificate does not become trusted by trying again.
        if last || untrusted_certificate(err).is_some() {
            return Err(ClientError::Transport {
                url: shown(url),
                message: format!("{} ({attempt} attempts)", transport_message(err)),
            });
        }
        self.pause(url, self.backoff(attempt), &transport_message(err), deadline)
            .await
    }

    /// Exponential backoff with "equal jitter": half fixed, half random.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.retry.max_delay);
        let random = RandomState::new().hash_one(attempt) % 1000;
        capped / 2 + capped / 2 * u32::try_from(random).unwrap_or(0) / 1000
    }

    /// Waits `asked` before a retry, but never longer than `max_wait`; when even that
    /// would leave no time before the read's deadline, gives up now instead.
    async fn pause(&self, url: &Url, asked: Duration, why: &str, deadline: Instant) -> Result<(), ClientError> {
        let delay = asked.min(self.limits.max_wait);
        if self.clock.now() + delay >= deadline {
            let detail = format!("; {why}, the server asked to wait {} more", secs(asked));
            return Err(self.deadline_error(url, &detail));
        }
        self.wait(url, delay, why).await;
        Ok(())
    }

    pub(super) async fn wait(&self, url: &Url, delay: Duration, why: &str) {
        if let Some(events) = &self.events {
            let _ = events.send(Progress::Waiting {
                url: shown(url),
                seconds: delay.as_secs_f64(),
                why: why.into(),
            });
        }
        self.clock.sleep(delay).await;
    }

    /// Resource Graph says how many queries remain in its window; at zero, wait for
    /// the window to reset rather than be throttled (as long as the deadline allows:
    /// what was read is kept either way).
    async fn respect_quota(&self, url: &Url, headers: &HeaderMap, deadline: Instant) {
        let remaining = header(headers, "x-ms-user-quota-remaining").and_then(|v| v.parse::<i64>().ok());
        if remaining.is_some_and(|r| r <= 0)
            && let Some(reset) = header(headers, "x-ms-user-quota-resets-after").and_then(parse_hms)
        {
            let left = deadline.saturating_duration_since(self.clock.now());
            let delay = reset.min(self.limits.max_wait).min(left);
            if !delay.is_zero() {
                self.wait(url, delay, "Resource Graph quota used up").await;
            }
        }
    }
}

pub(super) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `Retry-After` in seconds (what ARM sends) or as an HTTP date (treated as a short wait).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, "retry-after")?.trim();
    match value.parse::<f64>() {
        // Clamped (to some 30 years) only so any number is a valid duration; the wait
        // itself is capped at `max_wait`, and messages say what was asked.
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Some(Duration::from_secs_f64(seconds.min(1e9))),
        _ => Some(Duration::from_secs(1)),
    }
}

/// How long a 429 asks to wait: the longer of `Retry-After` and, when Resource Graph's
/// quota is used up, the time until its window resets.
fn throttle_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = header(headers, "x-ms-user-quota-remaining")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|&r| r <= 0)
        .and_then(|_| header(headers, "x-ms-user-quota-resets-after").and_then(parse_hms));
    match (retry_after(headers), reset) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// `hh:mm:ss`, as Resource Graph's quota reset header has it.
fn parse_hms(text: &str) -> Option<Duration> {
    let mut parts = text.trim().split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let seconds = h.checked_mul(3600)?.checked_add(m.checked_mul(60)?)?.checked_add(s)?;
    Some(Duration::from_secs(seconds))
}

/// The TLS verification failure behind `err`, if that is what it is.
fn untrusted_certificate(err: &reqwest::Error) -> Option<String> {
    // `io::Error`s wrap errors that their `source()` skips (hyper-util nests two of
    // them around rustls's), so look inside each as well as below it.
    let mut pending: Vec<&(dyn std::error::Error + 'static)> = vec![err];
    while let Some(e) = pending.pop() {
        if let Some(tls) = e.downcast_ref::<tokio_rustls::rustls::Error>()
            && matches!(
                tls,
                tokio_rustls::rustls::Error::InvalidCertificate(_)
                    | tokio_rustls::rustls::Error::NoCertificatesPresented
            )
        {
            return Some(tls.to_string());
        }
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            pending.push(inner);
        }
        pending.extend(e.source());
    }
    None
}

fn transport_message(err: &reqwest::Error) -> String {
    if let Some(why) = untrusted_certificate(err) {
        format!(
            "the server's TLS certificate is not trusted ({why}); if a proxy or the simulator signs it with its own \
             CA, trust that CA with config `ca_file` or SSL_CERT_FILE"
        )
    } else if err.is_connect() {
        "cannot connect".to_string()
    } else if err.is_timeout() {
        "timed out".to_string()
    } else {
        // reqwest's Display names the URL, which the caller adds anyway.
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            message = format!("{message}: {inner}");
            source = inner.source();
        }
        message
    }
}

/// The ARM error envelope `{"error": {"code", "message"}}`, or the status when the
/// body is something else.
fn error_envelope(bytes: &[u8], status: StatusCode) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(String::from)
    };
    let code = field("code").unwrap_or_else(|| status.canonical_reason().unwrap_or("HttpError").replace(' ', ""));
    let message = field("message").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            .trim()
            .to_string();
        if text.is_empty() {
            format!("HTTP {status}")
        } else {
            text
        }
    });
    (code, message)
}

/// A list page: its `value` (or `data` for Resource Graph) and its `nextLink`.
pub(super) fn split_page(page: Value, url: &Url) -> Result<(Vec<Value>, Option<String>), ClientError> {
    let Value::Object(mut map) = page else {
        return Err(ClientError::Malformed {
            url: shown(url),
            message: "expected an object with `value`".into(),
        });
    };
    let items = match map.remove("value") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            return Err(ClientError::Malformed {
                url: shown(url),
                message: "`value` is not an array".into(),
            });
        }
    };
    let next = match map.remove("nextLink") {
        Some(Value::String(next)) if !next.is_empty() => Some(next),
        _ => None,
    };
    Ok((items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", "10".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(10)));
        headers.insert("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1)));
        headers.insert("retry-after", "1e300".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1_000_000_000)));
    }

    #[test]
    fn a_throttled_graph_query_waits_for_the_longer_of_retry_after_and_the_quota_reset() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "1".parse().unwrap());
        headers.insert("x-ms-user-quota-remaining", "0".parse().unwrap());
        headers.insert("x-ms-user-quota-resets-after", "00:00:04".parse().unwrap());
        assert_eq!(throttle_wait(&headers), Some(Duration::from_secs(4)));
        headers.insert("x-ms-user-quota-remaining", "3".parse().unwrap());
        assert_eq!(
            throttle_wait(&headers),
            Some(Duration::from_secs(1)),
            "quota left: Retry-After"
        );
        headers.remove("retry-after");
        headers.insert("x-ms-user-quota-remaining", "0".parse().unwrap());
        assert_eq!(
            throttle_wait(&headers),
            Some(Duration::from_secs(4)),
            "no Retry-After: the reset"
        );
        assert_eq!(throttle_wait(&HeaderMap::new()), None);
    }

    #[test]
    fn quota_reset_is_read_as_hours_minutes_seconds() {
        assert_eq!(parse_hms("00:00:05"), Some(Duration::from_secs(5)));
        assert_eq!(parse_hms("01:02:03"), Some(Duration::from_secs(3723)));
        assert_eq!(parse_hms("soon"), None);
        assert_eq!(parse_hms("99999999999999999:00:00"), None, "no overflow");
    }

    #[test]
    fn error_envelopes_give_code_and_message() {
        let body =
            br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization"}}"#;
        assert_eq!(
            error_envelope(body, StatusCode::FORBIDDEN),
            (
                "AuthorizationFailed".into(),
                "The client 'x' does not have authorization".into()
            )
        );
        assert_eq!(error_envelope(b"", StatusCode::BAD_GATEWAY).0, "BadGateway");
        assert_eq!(
            error_envelope(b"<html>oops</html>", StatusCode::BAD_GATEWAY).1,
            "<html>oops</html>"
        );
    }

    fn client(base: &str) -> ArmClient {
        let retry = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        ArmClient::new(base, "s", Arc::new(Credentials::fixed("t")), retry).unwrap()
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let client = client("http://127.0.0.1:1");
        for attempt in 1..=10 {
            let want = (Duration::from_millis(100) * (1 << (attempt - 1))).min(Duration::from_secs(1));
            let got = client.backoff(attempt);
            assert!(
                got >= want / 2 && got <= want,
                "attempt {attempt}: {got:?} not in [{:?}, {want:?}]",
                want / 2
            );
        }
    }

    #[test]
    fn a_plain_http_endpoint_that_is_not_loopback_is_refused() {
        let credentials = Arc::new(Credentials::fixed("t"));
        let err = ArmClient::new("http://management.azure.com", "s", credentials, RetryPolicy::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("refusing to send a bearer token over plain http"),
            "{err}"
        );
    }

    #[test]
    fn an_endpoint_with_a_password_is_refused_and_the_password_is_not_repeated() {
        let credentials = Arc::new(Credentials::fixed("t"));
        let err = ArmClient::new(
            "http://user:hunter2@127.0.0.1:1",
            "s",
            credentials,
            RetryPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "RefusedUrl");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn urls_are_built_from_encoded_segments_on_the_endpoint() {
        let client = client("http://127.0.0.1:1/some/base?x=1");
        let url = client
            .url(&Path::new(["subscriptions", "a/b?c=d#e", "resourceGroups", "%2e%2e"]).api_version("2025-10-01"))
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/subscriptions/a%2Fb%3Fc=d%23e/resourceGroups/%252e%252e?api-version=2025-10-01"
        );
        assert_eq!(url.path_segments().unwrap().count(), 4, "no segment added or removed");
    }

    #[tokio::test]
    async fn the_one_function_that_sends_refuses_other_origins_and_userinfo() {
        let client = client("http://127.0.0.1:1");
        let deadline = client.deadline();
        for (url, code) in [
            ("http://127.0.0.1:2/subscriptions", "RefusedUrl"),
            ("http://localhost:1/subscriptions", "RefusedUrl"),
            ("https://127.0.0.1:1/subscriptions", "RefusedUrl"),
            ("http://user:hunter2@127.0.0.1:1/subscriptions", "RefusedUrl"),
            ("http://evil.example/subscriptions", "InsecureEndpoint"),
        ] {
            let err = client.get(&Url::parse(url).unwrap(), deadline).await.unwrap_err();
            assert_eq!(err.code(), code, "{url}: {err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn messages_leave_the_url_out_for_table_cells() {
        let err = ClientError::TooManyPages {
            url: "http://127.0.0.1:1/x".into(),
            pages: 3,
        };
        assert_eq!(
            err.message(),
            "the list did not end after 3 pages (limits.max_pages); stopped reading it"
        );
        let err = ClientError::TooLarge {
            url: "u".into(),
            limit: 64 * 1024 * 1024,
        };
        assert_eq!(
            err.message(),
            "the response is larger than 64 MiB decoded (limits.max_body_mib); stopped reading it"
        );
    }
}
