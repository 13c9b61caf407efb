//! Where each resource of a file starts, found while the file streams past, and turned
//! into the line and column people (and SARIF viewers) use.
//!
//! The parser is serde_json over the decoded text, so a borrowed `&RawValue` is a slice
//! of that text and its address gives its offset. An object's first key (an array's
//! first item) is read that way; the `{` (`[`) that opens the value is the last
//! non-blank byte before it. Nothing is parsed twice except an array's first item, and
//! the offsets become lines and columns in one forward pass over the text, however
//! many resources the file holds.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The text being parsed, to turn slices of it back into offsets; `None` when the
/// bytes stream from a reader (a live response), which has nothing to point at and
/// cannot lend slices of itself.
#[derive(Clone, Copy)]
pub(super) struct Text<'t>(pub Option<&'t str>);

impl Text<'_> {
    /// Whether values can be borrowed from the text (and so placed).
    pub(super) fn borrows(self) -> bool {
        self.0.is_some()
    }

    /// The offset of `opener` when it is the last non-blank byte before `inner`, a slice
    /// of this text; `None` for a slice of anything else.
    pub(super) fn opener_before(self, inner: &str, opener: u8) -> Option<usize> {
        let text = self.0?;
        let start = inner.as_ptr().addr().checked_sub(text.as_ptr().addr())?;
        // Two live allocations never overlap: lying within the text means being part of it.
        if start.checked_add(inner.len())? > text.len() {
            return None;
        }
        let before = &text.as_bytes()[..start];
        let at = before
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
        (before[at] == opener).then_some(at)
    }
}

/// A JSON value and the offset of the bracket that opens it (`None` for a scalar or an
/// empty object or array, which are never resources).
pub(super) type Placed = (Value, Option<usize>);

/// Reads one value as a [`Placed`].
#[derive(Clone, Copy)]
pub(super) struct Located<'t>(pub Text<'t>);

impl<'de> DeserializeSeed<'de> for Located<'_> {
    type Value = Placed;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Placed, D::Error> {
        de.deserialize_any(self)
    }
}

fn unplaced(value: Value) -> Placed {
    (value, None)
}

/// The visits of a JSON scalar: each builds the `Value` and hands it to `$wrap`.
macro_rules! visit_scalars {
    ($wrap:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(Value::Null))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v)))
        }
    };
}

impl<'de> Visitor<'de> for Located<'_> {
    type Value = Placed;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    visit_scalars!(unplaced);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Placed, A::Error> {
        if !self.0.borrows() {
            return Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(unplaced);
        }
        let Some(first) = map.next_key::<&'de RawValue>()? else {
            return Ok((Value::Object(Map::new()), None));
        };
        let start = self.0.opener_before(first.get(), b'{');
        let mut object = Map::new();
        object.insert(key_text(first)?, map.next_value()?);
        while let Some(key) = map.next_key::<String>()? {
            object.insert(key, map.next_value()?);
        }
        Ok((Value::Object(object), start))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Placed, A::Error> {
        if !self.0.borrows() {
            return Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(unplaced);
        }
        let Some(first) = seq.next_element::<&'de RawValue>()? else {
            return Ok((Value::Array(Vec::new()), None));
        };
        let start = self.0.opener_before(first.get(), b'[');
        let mut items = vec![serde_json::from_str(first.get()).map_err(de::Error::custom)?];
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok((Value::Array(items), start))
    }
}

/// The text of a key read raw (quotes and escapes included).
pub(super) fn key_text<E: de::Error>(raw: &RawValue) -> Result<String, E> {
    let quoted = raw.get();
    match quoted.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(plain) if !plain.contains('\\') => Ok(plain.to_owned()),
        _ => serde_json::from_str(quoted).map_err(E::custom),
    }
}

/// A value whose members are placed: a list of resources or rows, or a template's
/// resources keyed by symbolic name. Anything else is kept as it is.
pub(super) enum Members {
    List(Vec<Placed>),
    /// Sorted by name, a repeated name keeping its last value, as a JSON object reads.
    Named(BTreeMap<String, Placed>),
    Other(Value),
}

impl Members {
    /// The plain value again, for an object where the members turned out not to matter.
    pub(super) fn into_value(self) -> Value {
        match self {
            Members::List(items) => Value::Array(items.into_iter().map(|(v, _)| v).collect()),
            Members::Named(items) => Value::Object(items.into_iter().map(|(k, (v, _))| (k, v)).collect()),
            Members::Other(value) => value,
        }
    }
}

/// Reads one value as [`Members`].
#[derive(Clone, Copy)]
pub(super) struct MembersOf<'t>(pub Text<'t>);

impl<'de> DeserializeSeed<'de> for MembersOf<'_> {
    type Value = Members;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Members, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MembersOf<'_> {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    visit_scalars!(Members::Other);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut items = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            items.insert(name, map.next_value_seed(Located(self.0))?);
        }
        Ok(Members::Named(items))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Members, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Located(self.0))? {
            items.push(item);
        }
        Ok(Members::List(items))
    }
}

/// Turns offsets into 1-based lines and columns, scanning on from the offset asked for
/// last (from the top again only when asked for an earlier one).
///
/// A line ends at LF, which covers CRLF; a column counts UTF-16 code units, as SARIF
/// does by default. Offsets must fall on character boundaries (brackets always do).
pub(super) struct Lines<'t> {
    text: &'t [u8],
    offset: usize,
    line: usize,
    column: usize,
}

impl<'t> Lines<'t> {
    pub(super) fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// The line and column of the character at `offset`.
    pub(super) fn locate(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Lines {
                text: self.text,
                offset: 0,
                line: 1,
                column: 1,
            };
        }
        let span = &self.text[self.offset..offset];
        let newlines = count_newlines(span);
        match span.iter().rposition(|&b| b == b'\n') {
            Some(last) if newlines > 0 => {
                self.line += newlines;
                self.column = 1 + utf16_len(&span[last + 1..]);
            }
            _ => self.column += utf16_len(span),
        }
        self.offset = offset;
        (self.line, self.column)
    }
}

// Both counts add up blocks of a fixed size into a `u8` (128 blocks of one, 64 of at
// most two), which compiles to wide vector adds: several times faster than counting
// into a `usize`, and the whole text of a large file goes through here once.

fn count_newlines(bytes: &[u8]) -> usize {
    let blocks = bytes.chunks_exact(128);
    let tail = blocks.remainder().iter().filter(|&&b| b == b'\n').count();
    let count = |block: &[u8]| block.iter().fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n')));
    blocks.map(|block| usize::from(count(block))).sum::<usize>() + tail
}

/// UTF-16 code units in whole UTF-8 characters: one per character, two for those
/// beyond the Basic Multilingual Plane (the ones with a four-byte UTF-8 form).
fn utf16_len(bytes: &[u8]) -> usize {
    let units = |b: u8| u8::from(b & 0xC0 != 0x80) + u8::from(b >= 0xF0);
    let blocks = bytes.chunks_exact(64);
    let tail: usize = blocks.remainder().iter().map(|&b| usize::from(units(b))).sum();
    let count = |block: &[u8]| block.iter().fold(0u8, |n, &b| n.wrapping_add(units(b)));
    blocks.map(|block| usize::from(count(block))).sum::<usize>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_from_one_and_columns_count_utf16_units() {
        // "é" is one unit, "😀" two; CRLF ends a line like LF.
        let text = "ab\r\n  é😀{\n{";
        let mut lines = Lines::new(text);
        assert_eq!(lines.locate(0), (1, 1));
        assert_eq!(lines.locate(1), (1, 2));
        let brace = text.find('{').expect("a brace");
        assert_eq!(lines.locate(brace), (2, 6));
        assert_eq!(lines.locate(text.len() - 1), (3, 1));
        // Asking for an earlier offset starts again from the top.
        assert_eq!(lines.locate(brace), (2, 6));
    }

    #[test]
    fn on_one_long_line_columns_keep_counting() {
        let text = r#"[{"a":"ü"},{"b":1},{"c":"😀"},{"d":2}]"#;
        let mut lines = Lines::new(text);
        let starts: Vec<usize> = text.match_indices('{').map(|(i, _)| i).collect();
        let columns: Vec<(usize, usize)> = starts.iter().map(|&at| lines.locate(at)).collect();
        let want: Vec<(usize, usize)> = starts
            .iter()
            .map(|&at| (1, text[..at].encode_utf16().count() + 1))
            .collect();
        assert_eq!(columns, want);
    }

    #[test]
    fn long_spans_are_counted_exactly() {
        // Past the 128- and 64-byte blocks the counts add up in, with a tail.
        let text = "a\n😀é".repeat(1000);
        assert_eq!(count_newlines(text.as_bytes()), 1000);
        assert_eq!(utf16_len(text.as_bytes()), text.encode_utf16().count());
        let mut lines = Lines::new(&text);
        assert_eq!(lines.locate(text.len()), (1001, 1 + "😀é".encode_utf16().count()));
    }

    #[test]
    fn an_escaped_first_key_is_read_as_its_text() {
        let raw: Box<RawValue> = serde_json::from_str(r#""\u0074ype""#).expect("a raw key");
        assert_eq!(key_text::<serde_json::Error>(&raw).expect("a key"), "type");
        let raw: Box<RawValue> = serde_json::from_str(r#""name""#).expect("a raw key");
        assert_eq!(key_text::<serde_json::Error>(&raw).expect("a key"), "name");
    }

    #[test]
    fn a_slice_of_other_text_has_no_offset() {
        let source = "  { \"a\": 1 }";
        let text = Text(Some(source));
        let other = String::from("\"a\"");
        assert_eq!(text.opener_before(&other, b'{'), None);
        assert_eq!(Text(None).opener_before(&other, b'{'), None, "a stream has no offsets");
        let key = &source[4..7];
        assert_eq!(text.opener_before(key, b'{'), Some(2));
        assert_eq!(text.opener_before(key, b'['), None);
    }
}
