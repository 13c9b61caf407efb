//! Text helpers below every other module: untrusted text made safe for a terminal,
//! echoed input clipped to a bounded length, the two small text forms that config and
//! flags share (durations, globs), spans of time as the calendar says them, and counts
//! in words.
//!
//! Cluster names, tags and API error messages come from outside. Before any of it is
//! printed where a terminal may interpret it, control characters (C0, DEL, C1) and
//! bidirectional overrides are removed, so no escape sequence or reordering reaches it.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// The text without control characters; borrowed when there were none.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(text.chars().filter(|&c| !is_unsafe(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// How many characters of a value a message quotes before it clips the rest.
pub const ECHO: usize = 80;

/// At most `max` characters of `text`; longer text keeps its first `max` and says how
/// long it was (`aaaa… (52428800 characters)`), so a message that quotes a 50 MB value
/// stays one readable line. Borrowed when nothing was cut.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}… ({} characters)", &text[..end], text.chars().count())),
    }
}

/// A message of at most about `max` characters: a longer one keeps its start and its
/// end (where the hint on what to do usually is) and says how much was cut between.
/// For messages put together elsewhere (serde's, toml's) that may quote a value whole.
pub fn clip_middle(text: &str, max: usize) -> Cow<'_, str> {
    let total = text.chars().count();
    if total <= max {
        return Cow::Borrowed(text);
    }
    let (head, tail) = (max * 2 / 3, max / 3);
    let byte_at = |chars: usize| text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i);
    let head_end = byte_at(head);
    let tail_start = byte_at(total - tail);
    Cow::Owned(format!(
        "{}… ({} characters cut) …{}",
        &text[..head_end],
        total - head - tail,
        &text[tail_start..]
    ))
}

/// `90`, `90s`, `15m`, `2h` or `1d`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!(
            "`{}` is not a duration; write e.g. 90s, 15m, 2h or 1d",
            clip(text, ECHO)
        )
    })?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{}` has an unknown unit `{}`; use s, m, h or d",
                clip(text, ECHO),
                clip(unit, ECHO)
            ));
        }
    };
    Ok(std::time::Duration::from_secs(number.saturating_mul(seconds)))
}

/// A span of time the way the calendar says it, to the two largest units: `2 d 4 h`,
/// `5 h 20 m`, `12 m`, and `0 m` under a minute (a negative span counts as none). Callers
/// put `in` or `ago` around it.
pub fn span(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    match (days, hours % 24, minutes % 60) {
        (0, 0, m) => format!("{m} m"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} m"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// Glob match ignoring ASCII case: `*` is any run of characters, `?` any one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let text: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let (mut p, mut t) = (0, 0);
    // Position of the last `*` and the text position it was tried at, for backtracking.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `1 cluster`, `2 clusters`, `0 clusters`: a count and a regular noun.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A text that compares and hashes ignoring ASCII case, without a lower-case copy:
/// Azure's ids differ in case from one API to the next.
#[derive(Debug, Clone, Copy)]
pub struct NoCase<'a>(pub &'a str);

impl std::hash::Hash for NoCase<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut lower = [0u8; 64];
        for chunk in self.0.as_bytes().chunks(lower.len()) {
            for (to, from) in lower.iter_mut().zip(chunk) {
                *to = from.to_ascii_lowercase();
            }
            state.write(&lower[..chunk.len()]);
        }
        state.write_u8(0xff);
    }
}

impl PartialEq for NoCase<'_> {
    fn eq(&self, other: &NoCase<'_>) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for NoCase<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_case_keys_find_the_same_text_in_any_case() {
        let long = "/subscriptions/X/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/Aks-1";
        let keys: std::collections::HashMap<NoCase<'_>, u8> = [(NoCase(long), 1), (NoCase("b"), 2)].into();
        assert_eq!(keys.get(&NoCase(&long.to_ascii_lowercase())), Some(&1));
        assert_eq!(keys.get(&NoCase(&long.to_ascii_uppercase())), Some(&1));
        assert_eq!(keys.get(&NoCase("B")), Some(&2));
        assert_eq!(keys.get(&NoCase(&long[1..])), None);
    }

    #[test]
    fn echoed_input_is_clipped_to_a_prefix_and_its_length() {
        assert_eq!(clip("short", 80), "short");
        assert!(matches!(clip("short", 80), Cow::Borrowed(_)));
        assert_eq!(clip("abcdef", 3), "abc… (6 characters)");
        assert_eq!(
            clip("ünïcödé", 2),
            "ün… (7 characters)",
            "cut between characters, not bytes"
        );
        let huge = "x".repeat(50 << 20);
        let clipped = clip(&huge, ECHO);
        assert!(clipped.len() < 200, "{} bytes", clipped.len());
        assert!(clipped.ends_with("… (52428800 characters)"), "{clipped}");
    }

    #[test]
    fn long_messages_keep_their_start_and_their_hint() {
        let message = format!("unknown variant `{}`, expected one of `a`, `b`", "v".repeat(10_000));
        let clipped = clip_middle(&message, 300);
        assert!(clipped.chars().count() < 360, "{clipped}");
        assert!(clipped.starts_with("unknown variant `vvv"), "{clipped}");
        assert!(clipped.ends_with("expected one of `a`, `b`"), "{clipped}");
        assert!(clipped.contains("characters cut"), "{clipped}");
        assert_eq!(clip_middle("fine", 300), "fine");
    }

    #[test]
    fn counts_read_as_words() {
        assert_eq!(count(0, "cluster"), "0 clusters");
        assert_eq!(count(1, "read error"), "1 read error");
        assert_eq!(count(12, "subscription"), "12 subscriptions");
    }

    #[test]
    fn durations_are_read_with_their_unit() {
        let cases = [("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86_400)];
        for (text, seconds) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(std::time::Duration::from_secs(seconds)),
                "{text}"
            );
        }
        for bad in ["", "m", "5w", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn globs_match_names_and_ids_ignoring_case() {
        let cases = [
            ("aks-*", "aks-prod-1", true),
            ("AKS-*", "aks-prod-1", true),
            ("aks-?-x", "aks-1-x", true),
            ("aks-?-x", "aks-12-x", false),
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            (
                "*/resourcegroups/legacy/*",
                "/subscriptions/s/resourceGroups/Legacy/providers/x/aks",
                true,
            ),
            ("*prod*", "team-prod-eu", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("exact", "exact-not", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(glob_match(pattern, text), want, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn spans_of_time_read_in_their_two_largest_units() {
        let cases = [
            (0, "0 m"),
            (59, "0 m"),
            (-3600, "0 m"),
            (12 * 60 + 59, "12 m"),
            (3600, "1 h"),
            (5 * 3600 + 20 * 60, "5 h 20 m"),
            (86_400, "1 d"),
            (2 * 86_400 + 4 * 3600 + 59 * 60, "2 d 4 h"),
            (40 * 86_400 + 3600, "40 d 1 h"),
        ];
        for (seconds, want) in cases {
            assert_eq!(span(seconds), want, "{seconds}");
        }
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_are_removed() {
        let cases = [
            ("aks-prod-1", "aks-prod-1"),
            ("evil\x1b]52;c;cm0gLXJmIC8=\x07name", "evil]52;c;cm0gLXJmIC8=name"),
            ("red\x1b[31mtext", "red[31mtext"),
            ("line\nbreak\ttab\r", "linebreaktab"),
            ("c1\u{9b}31m", "c131m"),
            ("del\x7f", "del"),
            ("rtl\u{202E}gnp.exe", "rtlgnp.exe"),
            ("ünïcödé 名前", "ünïcödé 名前"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "{input:?}");
        }
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }
}
