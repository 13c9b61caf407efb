//! Wire-level pieces of the simulated ARM: query strings, paging tokens, error
//! envelopes and the response type every handler returns.
//!
//! Everything that reads request data here returns `Option`/`Result`, never
//! panics: a bad query string or token becomes a 400 in the ARM envelope.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

/// A response before it is put on the wire: the server adds the common headers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Reply {
        // Serialising our own Values and derive(Serialize) types cannot fail;
        // an empty body would still be visible to the client as broken JSON.
        let body = serde_json::to_vec(body).unwrap_or_default();
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    pub fn ok<T: Serialize + ?Sized>(body: &T) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// The ARM error envelope `{"error": {"code", "message"}}`.
    pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({ "error": { "code": code, "message": message.into() } }))
    }

    /// The envelope with `details[]`, as Resource Graph sends it.
    pub fn error_with_details(status: StatusCode, code: &str, message: impl Into<String>, details: Value) -> Reply {
        Reply::json(
            status,
            &json!({ "error": { "code": code, "message": message.into(), "details": details } }),
        )
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

pub const MISSING_API_VERSION: &str = "The api-version query parameter (?api-version=) is required for all requests.";

/// The decoded query string, in order. Keys keep their spelling; lookups ignore case
/// (`$skipToken`, `%24skiptoken` and `api-version` all arrive in varied forms).
pub struct Query(Vec<(String, String)>);

impl Query {
    /// `None` when a `%` escape is broken.
    pub fn parse(raw: Option<&str>) -> Option<Query> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((percent_decode(k)?, percent_decode(v)?));
        }
        Some(Query(pairs))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes `%XX` escapes and `+` (a space in form encoding); `None` on a broken escape or invalid UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `YYYY-MM-DD` with an optional `-preview` (or other `-suffix`), as ARM accepts.
pub fn valid_api_version(v: &str) -> bool {
    let (date, suffix) = match v.get(10..) {
        Some(rest) => (&v[..10], rest),
        None => return false,
    };
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let date_ok = digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    let suffix_ok = suffix.is_empty()
        || (suffix.len() > 1 && suffix.starts_with('-') && suffix[1..].chars().all(|c| c.is_ascii_alphanumeric()));
    date_ok && suffix_ok
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url, so a token needs no escaping in a URL.
pub fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Accepts unpadded base64url or standard base64 with padding; `None` on anything else.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The `$skipToken` of an ARM list page: where the next page starts.
pub fn list_token(offset: usize) -> String {
    base64url_encode(json!({ "nextMarker": offset.to_string() }).to_string().as_bytes())
}

pub fn read_list_token(token: &str) -> Option<usize> {
    let value: Value = serde_json::from_slice(&base64_decode(token)?).ok()?;
    value.get("nextMarker")?.as_str()?.parse().ok()
}

/// The `$skipToken` of a Resource Graph page, shaped like the real ones.
pub fn graph_token(offset: usize, top: usize) -> String {
    base64url_encode(
        json!({ "$id": "1", "MaxRows": top, "RowsToSkip": offset })
            .to_string()
            .as_bytes(),
    )
}

pub fn read_graph_token(token: &str) -> Option<usize> {
    read_graph_token_as_of(token).map(|(offset, _)| offset)
}

/// A Resource Graph `$skipToken` that also pins the instant the first page was
/// answered at (Unix nanoseconds), so every page of one query sees the same moment.
pub fn graph_token_as_of(offset: usize, top: usize, as_of: i128) -> String {
    base64url_encode(
        json!({ "$id": "1", "MaxRows": top, "RowsToSkip": offset, "AsOf": as_of.to_string() })
            .to_string()
            .as_bytes(),
    )
}

/// Where the next page starts, and the instant the query is answered at, if pinned.
pub fn read_graph_token_as_of(token: &str) -> Option<(usize, Option<i128>)> {
    let value: Value = serde_json::from_slice(&base64_decode(token)?).ok()?;
    let offset = usize::try_from(value.get("RowsToSkip")?.as_u64()?).ok()?;
    let as_of = match value.get("AsOf") {
        None => None,
        Some(at) => Some(at.as_str()?.parse().ok()?),
    };
    Some((offset, as_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        for n in [0, 1, 99, 100, 12345] {
            assert_eq!(read_list_token(&list_token(n)), Some(n));
            assert_eq!(read_graph_token(&graph_token(n, 10)), Some(n));
            let pinned = graph_token_as_of(n, 10, -17);
            assert_eq!(read_graph_token_as_of(&pinned), Some((n, Some(-17))));
            assert_eq!(read_graph_token(&pinned), Some(n));
        }
        assert_eq!(read_list_token("not a token!"), None);
        assert_eq!(read_list_token(""), None);
        assert_eq!(base64url_encode(b"hello"), "aGVsbG8");
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
    }

    #[test]
    fn queries_decode_and_api_versions_validate() {
        let q = Query::parse(Some("api-version=2025-10-01&%24skipToken=abc&x")).expect("valid");
        assert_eq!(q.get("API-VERSION"), Some("2025-10-01"));
        assert_eq!(q.get("$skiptoken"), Some("abc"));
        assert_eq!(q.get("x"), Some(""));
        assert!(Query::parse(Some("a=%zz")).is_none());
        assert!(Query::parse(Some("a=%f")).is_none());
        for ok in ["2025-10-01", "2024-04-01", "2026-08-02-preview"] {
            assert!(valid_api_version(ok), "{ok}");
        }
        for bad in [
            "",
            "2025-10",
            "latest",
            "2025-10-01-",
            "2025/10/01",
            "2025-10-01-pre view",
        ] {
            assert!(!valid_api_version(bad), "{bad}");
        }
    }
}
