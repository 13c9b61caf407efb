//! Writes to ARM: `PUT` and `DELETE` with `If-Match`, and following the long-running
//! operation a write starts (`Azure-AsyncOperation`, polled as `Retry-After` asks).
//!
//! A write goes through `ArmClient::send` like every read: the same origin check, the
//! same token, retries of 5xx, 429 and timeouts, and the read deadline. A 412 (the
//! entity tag moved) or a 409 (an operation is running) comes back as
//! `ClientError::Api` for the caller to decide on; nothing here retries a write that
//! the server refused. Following an operation is bounded like a read: each status read
//! has the read deadline, no wait is longer than `limits.max_wait`, and the whole has
//! the deadline the caller gives; the status URL must be on the endpoint's origin.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde_json::Value;
use tokio::time::Instant;

use super::body::{self, Unreadable};
use super::client::{ArmClient, ClientError, Reader, header, retry_after, secs, shown};

/// How long to wait before looking at an operation again when the server does not say.
const DEFAULT_POLL: Duration = Duration::from_secs(10);

/// The shortest wait between two looks at an operation, whatever `Retry-After` says.
const MIN_POLL: Duration = Duration::from_secs(1);

/// A write the server accepted: the resource as it answered (`Null` for an empty
/// body), and where to follow the operation it started, if it started one.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub body: Value,
    /// `Azure-AsyncOperation`, when the write runs on.
    pub operation: Option<Url>,
    pub retry_after: Option<Duration>,
}

impl Accepted {
    /// The operation's id: the last segment of its status URL.
    pub fn operation_id(&self) -> Option<String> {
        self.operation
            .as_ref()
            .and_then(|url| url.path_segments()?.next_back().map(String::from))
            .filter(|id| !id.is_empty())
    }
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Succeeded,
    /// With the ARM error code and message of the operation's `error`.
    Failed {
        code: String,
        message: String,
    },
    Canceled,
}

/// The body of an answer as JSON (`Null` when empty), with its headers.
struct Written;

impl Reader for Written {
    type Out = (Value, HeaderMap);
    async fn read(&self, response: reqwest::Response, limit: u64) -> Result<(Value, HeaderMap), Unreadable> {
        let headers = response.headers().clone();
        let bytes = body::bytes(response, limit).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((Value::Null, headers));
        }
        let value = serde_json::from_slice(&bytes).map_err(|e| Unreadable::Retry(e.to_string()))?;
        Ok((value, headers))
    }
}

impl ArmClient {
    /// `PUT body` to `url`, with `If-Match: if_match` when given.
    pub async fn put(
        &self,
        url: &Url,
        body: &Value,
        if_match: Option<&str>,
        deadline: Instant,
    ) -> Result<Accepted, ClientError> {
        self.write(Method::PUT, url, Some(body), if_match, deadline).await
    }

    /// `DELETE url`, with `If-Match: if_match` when given.
    pub async fn delete(&self, url: &Url, if_match: Option<&str>, deadline: Instant) -> Result<Accepted, ClientError> {
        self.write(Method::DELETE, url, None, if_match, deadline).await
    }

    async fn write(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        if_match: Option<&str>,
        deadline: Instant,
    ) -> Result<Accepted, ClientError> {
        let (body, headers) = self.send(method, url, body, if_match, &Written, deadline).await?;
        let operation = match header(&headers, "azure-asyncoperation") {
            Some(link) => Some(Url::parse(link).map_err(|e| ClientError::Malformed {
                url: shown(url),
                message: format!(
                    "the Azure-AsyncOperation header `{}` is not a URL: {e}; the write was accepted, but its \
                     operation cannot be followed",
                    super::path::quoted(link)
                ),
            })?),
            None => None,
        };
        Ok(Accepted {
            body,
            operation,
            retry_after: retry_after(&headers),
        })
    }

    /// Waits for the operation `accepted` started to end, reading its status as often
    /// as `Retry-After` asks (capped at `limits.max_wait`), until `deadline`. `waiting`
    /// hears of each wait before it starts. A write without an operation has ended.
    pub async fn follow(
        &self,
        accepted: &Accepted,
        deadline: Instant,
        mut waiting: impl FnMut(Duration),
    ) -> Result<Ended, ClientError> {
        let Some(url) = &accepted.operation else {
            return Ok(Ended::Succeeded);
        };
        let mut delay = accepted.retry_after.unwrap_or(DEFAULT_POLL);
        loop {
            // At least a second between looks, but never longer than `max_wait` (which
            // wins when it is shorter: `Limits` may be set below a second).
            let delay_now = delay.max(MIN_POLL).min(self.limits().max_wait);
            if self.clock().now() + delay_now >= deadline {
                return Err(ClientError::Deadline {
                    url: shown(url),
                    message: format!(
                        "the operation had not ended when the time allowed for it ran out (it may still be running in \
                         Azure; its status is at this URL); the next look was due in {}",
                        secs(delay_now)
                    ),
                });
            }
            waiting(delay_now);
            self.clock().sleep(delay_now).await;
            let read_deadline = self.deadline().min(deadline);
            let (status, headers) = self.send(Method::GET, url, None, None, &Written, read_deadline).await?;
            match status.get("status").and_then(Value::as_str).unwrap_or_default() {
                s if s.eq_ignore_ascii_case("Succeeded") => return Ok(Ended::Succeeded),
                s if s.eq_ignore_ascii_case("Failed") => return Ok(failed(&status)),
                s if s.eq_ignore_ascii_case("Canceled") || s.eq_ignore_ascii_case("Cancelled") => {
                    return Ok(Ended::Canceled);
                }
                "" => {
                    return Err(ClientError::Malformed {
                        url: shown(url),
                        message: "the operation status has no `status`".into(),
                    });
                }
                _ => delay = retry_after(&headers).unwrap_or(delay),
            }
        }
    }
}

/// A failed operation's error object, or words for its absence.
fn failed(status: &Value) -> Ended {
    let error = status.get("error");
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(|s| crate::text::clean(s).into_owned())
    };
    Ended::Failed {
        code: field("code").unwrap_or_else(|| "OperationFailed".into()),
        message: field("message").unwrap_or_else(|| "the operation ended Failed and gave no error".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failed_operation_gives_its_code_and_message_on_one_line() {
        let status = json!({"status": "Failed", "error": {"code": "UpgradeFailed", "message": "drain\nfailed"}});
        assert_eq!(
            failed(&status),
            Ended::Failed {
                code: "UpgradeFailed".into(),
                message: "drainfailed".into()
            }
        );
        assert_eq!(
            failed(&json!({"status": "Failed"})),
            Ended::Failed {
                code: "OperationFailed".into(),
                message: "the operation ended Failed and gave no error".into()
            }
        );
    }

    #[test]
    fn the_operation_id_is_the_last_segment_of_its_status_url() {
        let accepted = Accepted {
            body: Value::Null,
            operation: Some(
                Url::parse(
                    "http://127.0.0.1:1/subscriptions/s/providers/Microsoft.ContainerService/locations/westeurope/\
                     operationStatuses/0b5ec0de-1?api-version=2025-10-01",
                )
                .unwrap(),
            ),
            retry_after: None,
        };
        assert_eq!(accepted.operation_id().as_deref(), Some("0b5ec0de-1"));
        let sync = Accepted {
            operation: None,
            ..accepted
        };
        assert_eq!(sync.operation_id(), None);
    }
}
