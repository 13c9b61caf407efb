//! Completion for a filter being typed: the term under the cursor is completed to a
//! field name, a channel, state or rule, a subscription name or a tag key. Pure: the
//! names from the fleet are handed in as a [`Vocabulary`].

use super::{FIELDS, field_values, quote};

/// The names from the fleet that terms can name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    /// Subscription display names (or ids, for those without a name).
    pub subscriptions: Vec<String>,
    pub tag_keys: Vec<String>,
}

/// What the term before the cursor can become: the text from `start` (a byte offset
/// into the text before the cursor) is replaced by one of `candidates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest text every candidate starts with (ignoring ASCII case, in the
    /// first candidate's spelling).
    pub fn common_prefix(&self) -> String {
        let Some(first) = self.candidates.first() else {
            return String::new();
        };
        let mut end = first.len();
        for other in &self.candidates[1..] {
            let same = first
                .char_indices()
                .zip(other.chars())
                .take_while(|((_, a), b)| a.eq_ignore_ascii_case(b))
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8());
            end = end.min(same);
        }
        first[..end].to_string()
    }
}

/// Where the term being typed starts in `before` (the text before the cursor): after
/// the last space that is not inside double quotes.
fn term_start(before: &str) -> usize {
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in before.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c.is_whitespace() && !quoted {
            start = i + c.len_utf8();
        }
    }
    start
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The completions of the term before the cursor.
pub fn complete(before: &str, vocabulary: &Vocabulary) -> Completion {
    let start = term_start(before);
    let term = &before[start..];
    let (negation, body) = match term.strip_prefix('!') {
        Some(rest) => ("!", rest),
        None => ("", term),
    };
    let mut candidates: Vec<String> = match body.split_once(':') {
        None => FIELDS
            .iter()
            .filter(|field| starts_with_ignoring_case(field, body))
            .map(|field| format!("{negation}{field}"))
            .collect(),
        Some((key, value)) => {
            let field = key.to_ascii_lowercase();
            let partial = value.trim_start_matches('"');
            // Lists (`channel:nodeimage,unm`) complete their last item.
            let (done, partial) = match partial.rsplit_once(',') {
                Some((done, last)) if !field_values(&field).is_empty() => (format!("{done},"), last),
                _ => (String::new(), partial),
            };
            let names: Vec<String> = match field.as_str() {
                "sub" => matching(&vocabulary.subscriptions, partial),
                "tag" => matching(&vocabulary.tag_keys, partial),
                _ => field_values(&field)
                    .iter()
                    .filter(|v| starts_with_ignoring_case(v, partial))
                    .map(|v| v.to_string())
                    .collect(),
            };
            names
                .into_iter()
                .map(|name| format!("{negation}{key}:{done}{}", quote(&name)))
                .collect()
        }
    };
    candidates.sort_by_key(|c| c.to_ascii_lowercase());
    candidates.dedup();
    Completion { start, candidates }
}

/// Names that start with `partial`, or when none does, that contain it (ignoring case).
fn matching(names: &[String], partial: &str) -> Vec<String> {
    let prefixed: Vec<String> = names
        .iter()
        .filter(|n| starts_with_ignoring_case(n, partial))
        .cloned()
        .collect();
    if !prefixed.is_empty() {
        return prefixed;
    }
    let lower = partial.to_lowercase();
    names
        .iter()
        .filter(|n| n.to_lowercase().contains(&lower))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary {
            subscriptions: vec!["Contoso Prod".into(), "Contoso Dev".into(), "Fabrikam".into()],
            tag_keys: vec!["env".into(), "owner".into()],
        }
    }

    fn candidates(before: &str) -> Vec<String> {
        complete(before, &vocabulary()).candidates
    }

    #[test]
    fn each_kind_of_term_completes_from_its_own_names() {
        let cases: [(&str, &[&str]); 14] = [
            ("ch", &["channel:"]),
            ("prod !st", &["!stale:", "!state:"]),
            ("channel:un", &["channel:unmanaged", "channel:unspecified"]),
            ("nodeos:nodeimage,se", &["nodeos:nodeimage,securitypatch"]),
            ("upgrade:n", &["upgrade:node-image", "upgrade:none"]),
            ("sub:con", &["sub:\"Contoso Dev\"", "sub:\"Contoso Prod\""]),
            ("sub:prod", &["sub:\"Contoso Prod\""]),
            ("tag:o", &["tag:owner"]),
            ("fail:Node", &["fail:NodeAutoUpgrade"]),
            ("state:fa", &["state:failed"]),
            ("su", &["sub:", "support:"]),
            ("support:ending,o", &["support:ending,out"]),
            ("insight:f", &["insight:failed-upgrade", "insight:forced-upgrade"]),
            ("colour:r", &[]),
        ];
        for (before, want) in cases {
            assert_eq!(candidates(before), want, "{before}");
        }
    }

    #[test]
    fn the_term_under_the_cursor_starts_after_the_last_unquoted_space() {
        assert_eq!(complete("prod sub:\"Contoso P", &vocabulary()).start, 5);
        assert_eq!(
            complete("prod sub:\"Contoso P", &vocabulary()).candidates,
            ["sub:\"Contoso Prod\""]
        );
        assert_eq!(complete("", &vocabulary()).candidates.len(), FIELDS.len());
    }

    #[test]
    fn the_common_prefix_of_candidates_is_what_tab_can_add() {
        let completion = complete("channel:un", &vocabulary());
        assert_eq!(completion.common_prefix(), "channel:un");
        let completion = complete("sub:c", &vocabulary());
        assert_eq!(completion.common_prefix(), "sub:\"Contoso ");
    }
}
