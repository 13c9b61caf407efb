//! The HTTP client for ARM and Resource Graph: tokens, retries, throttling, paging.
//!
//! Every request carries a bearer token from `Credentials`, has its own timeout, and
//! is retried with exponential backoff and jitter on 429, 5xx and connection errors,
//! waiting at least what `Retry-After` asks. A 401 refreshes the token once. Paging
//! follows `nextLink` only on the same origin (the token must not leave it) and stops
//! with an error when a link repeats. Nothing here logs a token.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::credential::{AuthError, Credentials};
use super::trust::Trust;
use crate::config::token_may_go_to;
use crate::import::{ImportError, PageLinks};
use crate::model::{Fleet, Progress};

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
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

/// Why a successful response's body could not be read.
pub enum Unreadable {
    /// Cut short or garbled: the next try may do better.
    Retry(String),
    /// Well-formed but not what was expected: trying again will not help.
    Final(String),
}

/// Reads a body as JSON.
fn json(bytes: &[u8]) -> Result<Value, Unreadable> {
    serde_json::from_slice(bytes).map_err(|e| Unreadable::Retry(e.to_string()))
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
    #[error(transparent)]
    Auth(#[from] AuthError),
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
            | ClientError::Insecure { url } => Some(url),
            ClientError::Auth(_) => None,
        }
    }

    /// The message without the URL, for a table cell.
    pub fn message(&self) -> String {
        match self {
            ClientError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// A client for one ARM endpoint. Share it behind an `Arc`.
pub struct ArmClient {
    http: reqwest::Client,
    base: Url,
    scope: String,
    credentials: Arc<Credentials>,
    retry: RetryPolicy,
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
    /// A client for `base` (e.g. `https://management.azure.com`), trusting the
    /// system's roots. Refuses a base that a token may not be sent to.
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
            url: base.to_string(),
            message: format!("not a URL: {e}"),
        })?;
        if !token_may_go_to(&base) {
            return Err(ClientError::Insecure { url: base.to_string() });
        }
        let http = trust
            .client_builder()
            .user_agent(concat!("aksradar/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(retry.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| ClientError::Transport {
                url: base.to_string(),
                message: e.to_string(),
            })?;
        Ok(ArmClient {
            http,
            base,
            scope: scope.to_string(),
            credentials,
            retry,
            events: None,
        })
    }

    /// Sends throttling waits to `events` as they happen.
    pub fn with_events(mut self, events: UnboundedSender<Progress>) -> ArmClient {
        self.events = Some(events);
        self
    }

    /// `base` + `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> Result<Url, ClientError> {
        self.base.join(path_and_query).map_err(|e| ClientError::Transport {
            url: format!("{}{path_and_query}", self.base),
            message: format!("not a URL: {e}"),
        })
    }

    pub async fn get(&self, url: &Url) -> Result<Value, ClientError> {
        self.send(Method::GET, url, None, json).await.map(|(value, _)| value)
    }

    /// One page of a list, read into clusters as it is parsed (see `import::parse_page`).
    pub async fn page(&self, url: &Url, body: Option<&Value>) -> Result<(Fleet, PageLinks), ClientError> {
        let method = if body.is_some() { Method::POST } else { Method::GET };
        let read = |bytes: &[u8]| {
            crate::import::parse_page(bytes, url.as_str()).map_err(|err| match err {
                // A body cut short is worth another try; a body of the wrong shape is not.
                ImportError::Syntax { .. } => Unreadable::Retry(err.to_string()),
                ImportError::Shape { .. } => Unreadable::Final(err.to_string()),
            })
        };
        self.send(method, url, body, read).await.map(|(page, _)| page)
    }

    /// Follows `nextLink` from `first`, handing each page's `value` array to `on_page`.
    pub async fn get_pages(&self, first: Url, mut on_page: impl FnMut(Vec<Value>)) -> Result<(), ClientError> {
        let mut seen = HashSet::new();
        let mut url = first;
        loop {
            let page = self.get(&url).await?;
            let (items, next) = split_page(page, &url)?;
            on_page(items);
            let Some(next) = next else { return Ok(()) };
            url = self.next_url(&url, next, &mut seen)?;
        }
    }

    /// Follows `nextLink` from `first` for a list of clusters, page by page.
    pub async fn get_fleet_pages(&self, first: Url, mut on_page: impl FnMut(Fleet)) -> Result<(), ClientError> {
        let mut seen = HashSet::new();
        let mut url = first;
        loop {
            let (page, links) = self.page(&url, None).await?;
            on_page(page);
            let Some(next) = links.next_link.filter(|n| !n.is_empty()) else {
                return Ok(());
            };
            url = self.next_url(&url, next, &mut seen)?;
        }
    }

    /// The URL a `nextLink` points at, when it may be followed: on the endpoint's own
    /// origin (the token must not leave it) and not seen before (no paging in a loop).
    fn next_url(&self, url: &Url, next: String, seen: &mut HashSet<String>) -> Result<Url, ClientError> {
        let next_url = Url::parse(&next)
            .or_else(|_| url.join(&next))
            .map_err(|e| ClientError::Malformed {
                url: url.to_string(),
                message: format!("nextLink {next} is not a URL: {e}"),
            })?;
        if next_url.origin() != self.base.origin() {
            return Err(ClientError::ForeignNextLink {
                url: url.to_string(),
                next,
                origin: self.base.origin().ascii_serialization(),
            });
        }
        if !seen.insert(next_url.to_string()) || next_url == *url {
            return Err(ClientError::LoopingNextLink {
                url: url.to_string(),
                next,
            });
        }
        Ok(next_url)
    }

    async fn send<T>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        read: impl Fn(&[u8]) -> Result<T, Unreadable>,
    ) -> Result<(T, HeaderMap), ClientError> {
        if !token_may_go_to(url) {
            return Err(ClientError::Insecure { url: url.to_string() });
        }
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let token = self.credentials.token(&self.scope).await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = tokio::time::timeout(self.retry.timeout, async {
                let response = request.send().await?;
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, headers, bytes))
            })
            .await;
            let last = attempt >= self.retry.attempts;
            let (status, headers, bytes) = match outcome {
                Err(_elapsed) if !last => {
                    self.wait(url, self.backoff(attempt), "timed out").await;
                    continue;
                }
                Err(_elapsed) => {
                    return Err(ClientError::Transport {
                        url: url.to_string(),
                        message: format!("no answer within {:?}, {attempt} attempts", self.retry.timeout),
                    });
                }
                // An untrusted certificate does not become trusted by trying again.
                Ok(Err(err)) if !last && untrusted_certificate(&err).is_none() => {
                    self.wait(url, self.backoff(attempt), &transport_message(&err)).await;
                    continue;
                }
                Ok(Err(err)) => {
                    return Err(ClientError::Transport {
                        url: url.to_string(),
                        message: format!("{} ({attempt} attempts)", transport_message(&err)),
                    });
                }
                Ok(Ok(answer)) => answer,
            };
            if status.is_success() {
                return match read(&bytes) {
                    Ok(value) => {
                        self.respect_quota(url, &headers).await;
                        Ok((value, headers))
                    }
                    // A body cut short is usually the network's doing: worth another try.
                    Err(Unreadable::Retry(_)) if !last => {
                        self.wait(url, self.backoff(attempt), "truncated response").await;
                        continue;
                    }
                    Err(Unreadable::Retry(message)) => Err(ClientError::Malformed {
                        url: url.to_string(),
                        message: format!("{message}; {attempt} attempts"),
                    }),
                    Err(Unreadable::Final(message)) => Err(ClientError::Malformed {
                        url: url.to_string(),
                        message,
                    }),
                };
            }
            if status == StatusCode::UNAUTHORIZED && !refreshed && self.credentials.invalidate(&self.scope).await {
                refreshed = true;
                attempt -= 1;
                continue;
            }
            let retriable = status == StatusCode::TOO_MANY_REQUESTS
                || matches!(status.as_u16(), 500 | 502 | 503 | 504)
                || status == StatusCode::REQUEST_TIMEOUT;
            if retriable && !last {
                let asked = retry_after(&headers);
                let delay = asked.map_or_else(|| self.backoff(attempt), |asked| asked.max(Duration::from_millis(1)));
                let why = if status == StatusCode::TOO_MANY_REQUESTS {
                    "throttled"
                } else {
                    "server error"
                };
                self.wait(url, delay, why).await;
                continue;
            }
            let (code, message) = error_envelope(&bytes, status);
            return Err(ClientError::Api {
                url: url.to_string(),
                status: status.as_u16(),
                code,
                message,
            });
        }
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

    async fn wait(&self, url: &Url, delay: Duration, why: &str) {
        if let Some(events) = &self.events {
            let _ = events.send(Progress::Waiting {
                url: url.to_string(),
                seconds: delay.as_secs_f64(),
                why: why.into(),
            });
        }
        tokio::time::sleep(delay).await;
    }

    /// Resource Graph says how many queries remain in its window; at zero, wait for
    /// the window to reset rather than be throttled.
    async fn respect_quota(&self, url: &Url, headers: &HeaderMap) {
        let remaining = header(headers, "x-ms-user-quota-remaining").and_then(|v| v.parse::<i64>().ok());
        if remaining.is_some_and(|r| r <= 0)
            && let Some(reset) = header(headers, "x-ms-user-quota-resets-after").and_then(parse_hms)
        {
            self.wait(url, reset, "Resource Graph quota used up").await;
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `Retry-After` in seconds (what ARM sends) or as an HTTP date (treated as a short wait).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, "retry-after")?.trim();
    match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Some(Duration::from_secs_f64(seconds.min(3600.0))),
        _ => Some(Duration::from_secs(1)),
    }
}

/// `hh:mm:ss`, as Resource Graph's quota reset header has it.
fn parse_hms(text: &str) -> Option<Duration> {
    let mut parts = text.trim().split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(Duration::from_secs(h * 3600 + m * 60 + s))
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
fn split_page(page: Value, url: &Url) -> Result<(Vec<Value>, Option<String>), ClientError> {
    let Value::Object(mut map) = page else {
        return Err(ClientError::Malformed {
            url: url.to_string(),
            message: "expected an object with `value`".into(),
        });
    };
    let items = match map.remove("value") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            return Err(ClientError::Malformed {
                url: url.to_string(),
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
    }

    #[test]
    fn quota_reset_is_read_as_hours_minutes_seconds() {
        assert_eq!(parse_hms("00:00:05"), Some(Duration::from_secs(5)));
        assert_eq!(parse_hms("01:02:03"), Some(Duration::from_secs(3723)));
        assert_eq!(parse_hms("soon"), None);
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

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let credentials = Arc::new(Credentials::fixed("t"));
        let retry = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        let client = ArmClient::new("http://127.0.0.1:1", "s", credentials, retry).unwrap();
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
}
