//! `[limits]`: how far a live read may go before it gives up, so a hostile or broken
//! server can neither keep aksradar waiting for ever nor fill its memory.
//!
//! Plain numbers as the file has them (seconds, pages, items, MiB), each checked
//! against a range while it is read; `azure` turns them into its own limits.

use serde::{Deserialize, Deserializer};

use super::in_range;

/// `[limits]`, with the defaults documented in `config.example.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// The longest single wait before a retry, whatever `Retry-After` or Resource
    /// Graph's quota reset asks for.
    #[serde(deserialize_with = "de_max_wait")]
    pub max_wait_seconds: u64,
    /// How long one read (the subscription list, one subscription's clusters, one
    /// Resource Graph batch, one cluster's details) may take in all, waits included.
    #[serde(deserialize_with = "de_read_deadline")]
    pub read_deadline_seconds: u64,
    /// Pages of one list before it is taken for endless.
    #[serde(deserialize_with = "de_max_pages")]
    pub max_pages: u64,
    /// Items (clusters, subscriptions, ...) of one list.
    #[serde(deserialize_with = "de_max_items")]
    pub max_items: u64,
    /// The largest response body, after decompression, in MiB.
    #[serde(deserialize_with = "de_max_body")]
    pub max_body_mib: u64,
    /// How long getting a token may take (a hung `az`, an unreachable identity endpoint).
    #[serde(deserialize_with = "de_credential_timeout")]
    pub credential_timeout_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_wait_seconds: 60,
            read_deadline_seconds: 600,
            max_pages: 2_000,
            max_items: 200_000,
            max_body_mib: 64,
            credential_timeout_seconds: 60,
        }
    }
}

fn de_max_wait<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "max_wait_seconds", 1..=3_600)
}

fn de_read_deadline<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "read_deadline_seconds", 1..=86_400)
}

fn de_max_pages<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "max_pages", 1..=1_000_000)
}

fn de_max_items<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "max_items", 1..=100_000_000)
}

fn de_max_body<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "max_body_mib", 1..=4_096)
}

fn de_credential_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "credential_timeout_seconds", 1..=600)
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;
    use std::path::Path;

    use super::super::Config;
    use super::*;

    #[test]
    fn limits_default_to_generous_bounds_and_each_can_be_set() {
        assert_eq!(parse("").unwrap().limits, Limits::default());
        let config = parse(
            "[limits]\nmax_wait_seconds = 5\nread_deadline_seconds = 30\nmax_pages = 10\n\
             max_items = 500\nmax_body_mib = 2\ncredential_timeout_seconds = 3\n",
        )
        .unwrap();
        assert_eq!(
            config.limits,
            Limits {
                max_wait_seconds: 5,
                read_deadline_seconds: 30,
                max_pages: 10,
                max_items: 500,
                max_body_mib: 2,
                credential_timeout_seconds: 3,
            }
        );
    }

    #[test]
    fn the_example_config_documents_every_limit_at_its_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = Config::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.limits, Limits::default());
        for key in [
            "[limits]",
            "max_wait_seconds",
            "read_deadline_seconds",
            "max_pages",
            "max_items",
            "max_body_mib",
            "credential_timeout_seconds",
        ] {
            assert!(text.contains(key), "config.example.toml does not mention {key}");
        }
    }

    #[test]
    fn a_limit_out_of_range_names_the_line_the_key_and_the_range() {
        let cases = [
            (
                "[limits]\nmax_wait_seconds = 0\n",
                "limits.max_wait_seconds",
                "1 to 3600",
            ),
            (
                "[limits]\nread_deadline_seconds = 0\n",
                "limits.read_deadline_seconds",
                "1 to 86400",
            ),
            ("[limits]\nmax_pages = 0\n", "limits.max_pages", "1 to 1000000"),
            ("[limits]\nmax_items = 0\n", "limits.max_items", "1 to 100000000"),
            ("[limits]\nmax_body_mib = 5000\n", "limits.max_body_mib", "1 to 4096"),
            (
                "[limits]\ncredential_timeout_seconds = 601\n",
                "limits.credential_timeout_seconds",
                "1 to 600",
            ),
            (
                "[limits]\nmax_body = 1\n",
                "config.toml:2:1",
                "unknown field `max_body`",
            ),
        ];
        for (text, place, words) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(place) && err.contains(words), "{text:?}: {err}");
            assert!(err.starts_with("config.toml:2:"), "{text:?}: {err}");
        }
    }
}
