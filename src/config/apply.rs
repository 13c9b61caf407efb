//! `[apply]`: whether aksradar may change clusters at all, how many at once, and how
//! long it waits for Azure while it does.
//!
//! Off unless the file turns it on: reading a fleet must never become writing to it
//! by surprise. Plain numbers as the file has them, each checked against a range while
//! it is read.

use serde::{Deserialize, Deserializer};

use super::in_range;

/// `[apply]`, with the defaults documented in `config.example.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Apply {
    /// Whether `aksradar apply` (and the dashboard's apply) may write to the fleet.
    pub enabled: bool,
    /// Clusters changed at once (each cluster's own changes run one after another).
    #[serde(deserialize_with = "de_max_parallel")]
    pub max_parallel: usize,
    /// How long to keep trying while another operation runs on a cluster (409
    /// `OperationNotAllowed`) before that cluster fails.
    #[serde(deserialize_with = "de_conflict_deadline")]
    pub conflict_deadline_seconds: u64,
    /// How long one operation (a channel change, an upgrade) may run before aksradar
    /// stops following it; Azure carries on with it either way.
    #[serde(deserialize_with = "de_operation_deadline")]
    pub operation_deadline_seconds: u64,
}

impl Default for Apply {
    fn default() -> Self {
        Apply {
            enabled: false,
            max_parallel: 4,
            conflict_deadline_seconds: 1_800,
            operation_deadline_seconds: 21_600,
        }
    }
}

/// The message for an apply that config does not allow: what to add, and where.
pub fn apply_disabled(config_file: &str) -> String {
    format!(
        "apply is off: aksradar changes clusters only when its config allows it; to allow it, add a table \
         `[apply]` with `enabled = true` to {config_file} (see config.example.toml). `--dry-run` shows the plan \
         without it"
    )
}

fn de_max_parallel<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    in_range(d, "max_parallel", 1..=64).map(|n| n as usize)
}

fn de_conflict_deadline<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "conflict_deadline_seconds", 0..=86_400)
}

fn de_operation_deadline<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "operation_deadline_seconds", 60..=172_800)
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;
    use std::path::Path;

    use super::super::Config;
    use super::*;

    #[test]
    fn apply_is_off_by_default_and_each_setting_can_be_set() {
        let config = parse("").unwrap();
        assert_eq!(config.apply, Apply::default());
        assert!(!config.apply.enabled, "off unless the file says otherwise");
        assert_eq!(config.apply.max_parallel, 4);
        let config = parse(
            "[apply]\nenabled = true\nmax_parallel = 16\nconflict_deadline_seconds = 60\n\
             operation_deadline_seconds = 3600\n",
        )
        .unwrap();
        assert_eq!(
            config.apply,
            Apply {
                enabled: true,
                max_parallel: 16,
                conflict_deadline_seconds: 60,
                operation_deadline_seconds: 3600,
            }
        );
    }

    #[test]
    fn a_bad_apply_setting_names_the_line_the_key_and_the_range() {
        let cases = [
            ("[apply]\nmax_parallel = 0\n", "apply.max_parallel", "1 to 64"),
            ("[apply]\nmax_parallel = 65\n", "apply.max_parallel", "1 to 64"),
            (
                "[apply]\nconflict_deadline_seconds = 100000\n",
                "apply.conflict_deadline_seconds",
                "0 to 86400",
            ),
            (
                "[apply]\noperation_deadline_seconds = 5\n",
                "apply.operation_deadline_seconds",
                "60 to 172800",
            ),
            ("[apply]\nenabled = \"yes\"\n", "apply.enabled", "expected a boolean"),
            ("[apply]\nparallel = 2\n", "config.toml:2:1", "unknown field `parallel`"),
        ];
        for (text, place, words) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(place) && err.contains(words), "{text:?}: {err}");
            assert!(err.starts_with("config.toml:2:"), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_example_config_documents_apply_off_at_its_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = Config::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.apply, Apply::default());
        for key in [
            "[apply]",
            "enabled",
            "max_parallel",
            "conflict_deadline_seconds",
            "operation_deadline_seconds",
        ] {
            assert!(text.contains(key), "config.example.toml does not mention {key}");
        }
    }

    #[test]
    fn the_message_for_apply_off_says_what_to_add_and_where() {
        let text = apply_disabled("/home/me/.config/aksradar/config.toml");
        assert!(text.contains("`[apply]` with `enabled = true`"), "{text}");
        assert!(!text.contains('\n'), "one line, as errors are printed: {text}");
        assert!(text.contains("to /home/me/.config/aksradar/config.toml"), "{text}");
    }
}
