//! Untrusted text made safe for a terminal.
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

#[cfg(test)]
mod tests {
    use super::*;

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
