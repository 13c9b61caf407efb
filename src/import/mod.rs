//! Exported fleet files -> `model::Fleet`, whatever shape they come in.
//!
//! The shape is detected from the content, and keys are matched ignoring case:
//!
//! | top level | shape |
//! |---|---|
//! | `{"value": [...]}` | an ARM list response |
//! | `{"data": [...]}` or `{"data": {"columns", "rows"}}` | a Resource Graph response |
//! | `[...]` | ARM resources, `az aks list`, PSRule objects or template resources |
//! | `{"$schema": ..., "resources": ...}` | an ARM template |
//! | any other object | one resource (`az aks show`) |
//!
//! Scheduled upgrade events (Resource Graph rows of `containerserviceeventresources`)
//! are read into the fleet's `events`, clusters into its `clusters`; anything else is
//! counted as skipped. Each element is read as its own small JSON value and turned
//! into a `Cluster` (or an event) at once, so a large list never exists as one document
//! tree in memory. Errors name the file and either the line and column (syntax) or the
//! JSON path (shape). A cluster read from a file keeps where it is declared: the file,
//! and the line and column of the `{` that opens it (the `[` of a Resource Graph table
//! row), see `position`. A cluster whose id does not read is left out and reported in
//! the fleet's `errors` (file and JSON path); the rest of the file is still read.

mod event;
mod maintenance;
mod position;
mod resource;

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::model::{Fleet, Interner, SourceError, SourceLocation};
use position::{Lines, Located, Members, MembersOf, Text, key_text};

pub use maintenance::maintenance_config;
pub use resource::{Element, read_element};

/// The error code of a cluster left out because its id does not read.
pub const INVALID_ID: &str = SourceError::LEFT_OUT;

/// Why a file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: at {path}: {message}")]
    Shape {
        file: String,
        path: String,
        message: String,
    },
}

/// A mistake inside one value: where (JSON path) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.message)
    }
}

/// Reads one exported file. `file` names it in errors and in each cluster's `source`.
pub fn parse(bytes: &[u8], file: &str) -> Result<Fleet, ImportError> {
    read(bytes, file, true).map(|(fleet, _)| fleet)
}

/// The paging links of a list response: ARM's `nextLink`, Resource Graph's `$skipToken`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    pub next_link: Option<String>,
    pub skip_token: Option<String>,
}

/// Reads one page of a list response the way `parse` reads a file (one element at a
/// time, never the whole page as a tree), and returns its paging links too. Live data
/// is no file: its clusters carry no `source`.
pub fn parse_page(bytes: &[u8], file: &str) -> Result<(Fleet, PageLinks), ImportError> {
    read(bytes, file, false)
}

fn read(bytes: &[u8], file: &str, locate: bool) -> Result<(Fleet, PageLinks), ImportError> {
    let text = decode(bytes).map_err(|message| ImportError::Syntax {
        file: file.to_string(),
        line: 1,
        column: 1,
        message,
    })?;
    let lines = locate.then(|| Lines::new(&text));
    read_page(
        serde_json::Deserializer::from_str(&text),
        file,
        Text(Some(&text)),
        lines,
    )
}

/// Reads one page as its bytes arrive from `reader` (a response body being streamed),
/// the way `parse_page` reads it whole. The text must be UTF-8, as ARM sends it.
pub fn parse_page_from(reader: impl std::io::Read, file: &str) -> Result<(Fleet, PageLinks), ImportError> {
    read_page(serde_json::Deserializer::from_reader(reader), file, Text(None), None)
}

fn read_page<'de, 't, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    file: &str,
    text: Text<'t>,
    lines: Option<Lines<'t>>,
) -> Result<(Fleet, PageLinks), ImportError> {
    let mut sink = Sink {
        fleet: Fleet::default(),
        error: None,
        links: PageLinks::default(),
        text,
        lines,
        file: file.into(),
        texts: Interner::new(),
    };
    let outcome = TopLevel { sink: &mut sink }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Some(shape) = sink.error {
        return Err(ImportError::Shape {
            file: file.to_string(),
            path: shape.path,
            message: shape.message,
        });
    }
    outcome.map_err(|err| syntax_error(file, &err))?;
    Ok((sink.fleet, sink.links))
}

/// Merges several files' fleets; a cluster read twice (same id, ignoring case, in one
/// file or in two) keeps its later copy in the earlier position, and each repeat is
/// counted in `duplicates`. Events are gathered from every file.
pub fn merge(fleets: impl IntoIterator<Item = Fleet>) -> Fleet {
    let mut out = Fleet::default();
    let mut index = std::collections::HashMap::new();
    for fleet in fleets {
        out.skipped += fleet.skipped;
        out.duplicates += fleet.duplicates;
        out.errors.extend(fleet.errors);
        if let Some(events) = fleet.events {
            out.events.get_or_insert_with(Vec::new).extend(events);
        }
        for cluster in fleet.clusters {
            let key = cluster.id.to_ascii_lowercase();
            match index.get(&key) {
                Some(&at) if !key.is_empty() => {
                    out.clusters[at] = cluster;
                    out.duplicates += 1;
                }
                _ => {
                    index.insert(key, out.clusters.len());
                    out.clusters.push(cluster);
                }
            }
        }
    }
    out
}

/// UTF-8 with or without a byte-order mark, or UTF-16 with one (what Windows
/// PowerShell's `Out-File` writes).
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    let utf16 = |bytes: &[u8], from: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| from([c[0], c[1]])).collect();
        String::from_utf16(&units)
            .map(std::borrow::Cow::Owned)
            .map_err(|_| "the file is not valid UTF-16".to_string())
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(Into::into).map_err(|e| not_utf8(&e)),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => std::str::from_utf8(bytes).map(Into::into).map_err(|e| not_utf8(&e)),
    }
}

fn not_utf8(err: &std::str::Utf8Error) -> String {
    format!(
        "the file is not UTF-8 text (invalid byte at offset {})",
        err.valid_up_to()
    )
}

fn syntax_error(file: &str, err: &serde_json::Error) -> ImportError {
    let what = err.to_string();
    // serde_json appends " at line L column C"; the location goes in front instead.
    let message = what
        .rsplit_once(" at line ")
        .map_or(what.as_str(), |(m, _)| m)
        .to_string();
    let message = if err.is_eof() {
        format!("{message}: the file ends too early (truncated?)")
    } else if err.line() == 1 && err.column() <= 1 {
        format!(
            "{message}: this is not JSON; aksradar reads `az aks list -o json`, ARM, Resource Graph and PSRule exports"
        )
    } else {
        message
    };
    ImportError::Syntax {
        file: file.to_string(),
        line: err.line(),
        column: err.column(),
        message,
    }
}

/// Collects clusters as elements stream past; the first shape error stops the read.
struct Sink<'t> {
    fleet: Fleet,
    error: Option<ShapeError>,
    links: PageLinks,
    text: Text<'t>,
    /// Set when clusters keep their place in the file.
    lines: Option<Lines<'t>>,
    file: std::sync::Arc<str>,
    /// The texts the clusters read so far share.
    texts: Interner,
}

impl Sink<'_> {
    /// Takes one element of a list, and the offset of its opening bracket. Returns false
    /// once an error has been recorded.
    fn element(&mut self, value: Value, path: &str, start: Option<usize>) -> bool {
        match read_element(value, path) {
            Ok(Element::Cluster(mut cluster)) => {
                if let (Some(lines), Some(start)) = (self.lines.as_mut(), start) {
                    let (line, column) = lines.locate(start);
                    cluster.source = Some(Box::new(SourceLocation {
                        file: self.file.clone(),
                        line,
                        column,
                    }));
                }
                cluster.share(&mut self.texts);
                self.fleet.clusters.push(*cluster);
            }
            Ok(Element::Event(event)) => self.fleet.events.get_or_insert_with(Vec::new).push(*event),
            Ok(Element::Skipped) => self.fleet.skipped += 1,
            Ok(Element::Unusable(why)) => {
                // A file can be corrected; a page the service listed cannot, so it is
                // reported as what it is.
                let what = if self.lines.is_some() {
                    "correct the id in the file"
                } else {
                    "the service listed an id that does not read"
                };
                self.fleet.errors.push(SourceError {
                    subscription_id: None,
                    url: None,
                    code: Some(INVALID_ID.to_string()),
                    message: format!(
                        "{}: {why}; the cluster is left out and no fix is made for it: {what}",
                        self.file
                    ),
                })
            }
            Err(err) => {
                self.error = Some(err);
                return false;
            }
        }
        true
    }

    fn fail<E: serde::de::Error>(&mut self, path: &str, message: impl Into<String>) -> E {
        self.error = Some(ShapeError {
            path: path.to_string(),
            message: message.into(),
        });
        E::custom("shape error")
    }
}

fn is_key(key: &str, name: &str) -> bool {
    key.eq_ignore_ascii_case(name)
}

/// The document root: a list, an envelope, a template or one resource.
struct TopLevel<'a, 't> {
    sink: &'a mut Sink<'t>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of resources or an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Elements {
            sink: self.sink,
            path: "$".to_string(),
        }
        .visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        // Kept apart with their members' places, in case this is a template.
        let mut resources = std::collections::BTreeMap::new();
        let mut envelope = false;
        let mut start = None;
        let mut first = true;
        loop {
            // Keys are read raw where the text can lend them (a file), so the first one
            // tells where the object opens; a streamed page reads them plainly.
            let key: String = if self.sink.text.borrows() {
                let Some(raw) = map.next_key::<&'de serde_json::value::RawValue>()? else {
                    break;
                };
                if first {
                    start = self.sink.text.opener_before(raw.get(), b'{');
                }
                key_text(raw)?
            } else {
                let Some(key) = map.next_key::<String>()? else { break };
                key
            };
            first = false;
            if is_key(&key, "nextLink") {
                self.sink.links.next_link = map.next_value()?;
            } else if is_key(&key, "$skipToken") {
                self.sink.links.skip_token = map.next_value()?;
            } else if envelope {
                map.next_value::<IgnoredAny>()?;
            } else if is_key(&key, "value") || is_key(&key, "data") {
                let path = format!("$.{key}");
                map.next_value_seed(Elements { sink: self.sink, path })?;
                envelope = true;
            } else if is_key(&key, "resources") {
                resources.insert(key, map.next_value_seed(MembersOf(self.sink.text))?);
            } else {
                rest.insert(key, map.next_value()?);
            }
        }
        if envelope {
            return Ok(());
        }
        let is_template = rest
            .iter()
            .any(|(k, v)| is_key(k, "$schema") && v.as_str().is_some_and(|s| s.contains("eploymentTemplate")));
        if is_template {
            return match resources.into_values().next() {
                Some(Members::List(items)) => {
                    for (i, (item, start)) in items.into_iter().enumerate() {
                        if !self.sink.element(item, &format!("$.resources[{i}]"), start) {
                            return Err(serde::de::Error::custom("shape error"));
                        }
                    }
                    Ok(())
                }
                // Template language 2.0 keys resources by symbolic name.
                Some(Members::Named(items)) => {
                    for (name, (item, start)) in items {
                        if !self.sink.element(item, &format!("$.resources.{name}"), start) {
                            return Err(serde::de::Error::custom("shape error"));
                        }
                    }
                    Ok(())
                }
                Some(Members::Other(Value::Null)) | None => Ok(()),
                Some(Members::Other(_)) => Err(self
                    .sink
                    .fail("$.resources", "expected an array or object of resources")),
            };
        }
        // One resource, whose `resources` are its children.
        rest.extend(resources.into_iter().map(|(k, members)| (k, members.into_value())));
        if self.sink.element(Value::Object(rest), "$", start) {
            Ok(())
        } else {
            Err(serde::de::Error::custom("shape error"))
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(self
            .sink
            .fail("$", "expected a list of resources or an object, found null"))
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Err(self
            .sink
            .fail("$", "expected a list of resources or an object, found a string"))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Err(self
            .sink
            .fail("$", "expected a list of resources or an object, found a boolean"))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Err(self
            .sink
            .fail("$", "expected a list of resources or an object, found a number"))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Err(self
            .sink
            .fail("$", "expected a list of resources or an object, found a number"))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Err(self
            .sink
            .fail("$", "expected a list of resources or an object, found a number"))
    }
}

/// A list of resources, streamed one element at a time; or Resource Graph's table
/// form `{"columns": [...], "rows": [[...]]}`.
struct Elements<'a, 't> {
    sink: &'a mut Sink<'t>,
    path: String,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while let Some((value, start)) = seq.next_element_seed(Located(self.sink.text))? {
            if !self.sink.element(value, &format!("{}[{i}]", self.path), start) {
                return Err(serde::de::Error::custom("shape error"));
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut columns = None;
        let mut rows = None;
        while let Some(key) = map.next_key::<String>()? {
            if is_key(&key, "columns") {
                columns = Some(map.next_value::<Value>()?);
            } else if is_key(&key, "rows") {
                rows = Some(map.next_value_seed(MembersOf(self.sink.text))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        let path = self.path;
        let names: Vec<String> = match columns {
            Some(Value::Array(columns)) => columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    c.get("name").and_then(Value::as_str).map(String::from).ok_or_else(|| {
                        self.sink.fail(
                            &format!("{path}.columns[{i}]"),
                            "expected an object with a string `name`",
                        )
                    })
                })
                .collect::<Result<_, A::Error>>()?,
            _ => {
                return Err(self.sink.fail(
                    &path,
                    "expected an array of rows, or an object with `columns` and `rows`",
                ));
            }
        };
        let Some(Members::List(rows)) = rows else {
            return Err(self.sink.fail(&format!("{path}.rows"), "expected an array of rows"));
        };
        for (i, (row, start)) in rows.into_iter().enumerate() {
            let row_path = format!("{path}.rows[{i}]");
            let Value::Array(cells) = row else {
                return Err(self.sink.fail(&row_path, "expected an array of cells"));
            };
            if cells.len() != names.len() {
                let message = format!("expected {} cells, one per column, found {}", names.len(), cells.len());
                return Err(self.sink.fail(&row_path, message));
            }
            let object: Map<String, Value> = names.iter().cloned().zip(cells).collect();
            if !self.sink.element(Value::Object(object), &row_path, start) {
                return Err(serde::de::Error::custom("shape error"));
            }
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Err(self
            .sink
            .fail(&self.path, "expected an array of resources, found a string"))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Err(self
            .sink
            .fail(&self.path, "expected an array of resources, found a boolean"))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Err(self
            .sink
            .fail(&self.path, "expected an array of resources, found a number"))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Err(self
            .sink
            .fail(&self.path, "expected an array of resources, found a number"))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Err(self
            .sink
            .fail(&self.path, "expected an array of resources, found a number"))
    }
}

#[cfg(test)]
mod tests;
