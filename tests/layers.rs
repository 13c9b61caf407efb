//! The crate's layers point one way: every `crate::` or `super::` path in `src/`
//! (tests and `#[cfg(test)]` code included) may only name a module in a lower layer of
//! the map at the top of `src/lib.rs`, or its own module. A path that points up or
//! sideways fails here, with the file, the line and the edge.
//!
//! Pure Rust over the source text: comments, strings and character literals are
//! blanked out first, `use` groups (`crate::{a, b}`) are read, and `super::` is
//! resolved through the file's module path and any inline `mod x { ... }` around it.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The map, lowest layer first: a module may import only from layers below its own.
const LAYERS: &[&[&str]] = &[
    &["model", "par"],
    &["text"],
    &["config"],
    &["import", "rules", "calendar"],
    &["remediate", "report", "filter"],
    &["disk"],
    &["azure", "cache", "sim"],
    &["history", "fetch", "apply"],
    &["app"],
    &["ui"],
    &["tui", "cli"],
    &["dashboard"],
    &["cmd"],
];

/// Modules that may import only these, whatever their layer.
const ONLY: &[(&str, &[&str])] = &[("sim", &["model", "text"])];

/// The dashboard's pure core and views take plain data, never the network's types,
/// although the layers would allow it.
const PURE: &[&str] = &["app", "ui"];
const NETWORK: &[&str] = &["azure", "fetch", "apply", "sim"];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    file: String,
    line: usize,
    from: String,
    to: String,
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {} -> {}", self.file, self.line, self.from, self.to)
    }
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Why an edge is not allowed, or `None` when it is.
fn violation(from: &str, to: &str) -> Option<String> {
    if from == to {
        return None;
    }
    if let Some((_, allowed)) = ONLY.iter().find(|(m, _)| *m == from) {
        return (!allowed.contains(&to)).then(|| format!("`{from}` may import only {}", allowed.join(", ")));
    }
    if PURE.contains(&from) && NETWORK.contains(&to) {
        return Some(format!(
            "`{from}` is pure and takes plain data, not the network's types"
        ));
    }
    match (layer(from), layer(to)) {
        (Some(a), Some(b)) if b < a => None,
        (Some(a), Some(b)) if a == b => Some("sideways, within one layer".into()),
        (Some(_), Some(_)) => Some("upward".into()),
        _ => Some("a module missing from the map".into()),
    }
}

/// The source with comments, string and character literals replaced by spaces
/// (newlines kept, so line numbers stay true).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && !chars[..i].last().is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"..." or r#"..."#.
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let mut j = i + 2 + hashes;
            while j < chars.len() && !chars[j..].starts_with(&close) {
                j += 1;
            }
            let end = (j + close.len()).min(chars.len());
            chars[i..end].iter().for_each(|&c| blank(&mut out, c));
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(chars.len());
            chars[i..end].iter().for_each(|&c| blank(&mut out, c));
            i = end;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'); anything else is a lifetime.
            let end = if next == Some('\\') {
                chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&c| c == '\''))
                    .map(|p| i + 3 + p + 1)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    chars[i..end].iter().for_each(|&c| blank(&mut out, c));
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier starting at `at`, if one does.
fn ident_at(code: &[char], at: usize) -> Option<String> {
    let text: String = code[at.min(code.len())..]
        .iter()
        .take_while(|&&c| is_ident(c))
        .collect();
    (!text.is_empty()).then_some(text)
}

fn skip_space(code: &[char], mut at: usize) -> usize {
    while at < code.len() && code[at].is_whitespace() {
        at += 1;
    }
    at
}

/// The first names of a `{ a::x, b, c::{..} }` group starting at `at` (the `{`).
fn group_heads(code: &[char], at: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    let mut i = at;
    while i < code.len() {
        match code[i] {
            '{' => {
                depth += 1;
                expect_head = depth == 1;
                i += 1;
            }
            '}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            ',' => {
                expect_head = depth == 1;
                i += 1;
            }
            c if is_ident(c) => {
                let name = ident_at(code, i).unwrap_or_default();
                i += name.len();
                if expect_head && depth == 1 {
                    heads.push(name);
                    expect_head = false;
                }
            }
            _ => i += 1,
        }
    }
    heads
}

/// The top-level modules that `crate::` or `super::` paths in one file name, with
/// their lines. `module` is the file's module path, e.g. `["report", "json"]`.
fn edges_of(file: &str, module: &[String], source: &str) -> Vec<Edge> {
    let code: Vec<char> = code_only(source).chars().collect();
    let from = module.first().cloned().unwrap_or_default();
    let mut edges = Vec::new();
    // Inline modules open around a position: (brace depth at which they opened).
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut line = 1;
    let mut i = 0;
    let starts_word = |i: usize| i == 0 || !is_ident(code[i - 1]) && code[i - 1] != ':';
    while i < code.len() {
        let c = code[i];
        match c {
            '\n' => line += 1,
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        if !starts_word(i) || !is_ident(c) {
            i += 1;
            continue;
        }
        let word = ident_at(&code, i).unwrap_or_default();
        let after = i + word.len();
        if word == "mod" {
            let name_at = skip_space(&code, after);
            if let Some(name) = ident_at(&code, name_at) {
                let brace = skip_space(&code, name_at + name.len());
                if code.get(brace) == Some(&'{') {
                    inline.push(depth);
                }
            }
            i = after;
            continue;
        }
        let rest: String = code[after..(after + 2).min(code.len())].iter().collect();
        if (word != "crate" && word != "super") || rest != "::" {
            i = after;
            continue;
        }
        // Climb: `crate` goes to the root; each `super` one module up.
        let mut here = module.len() + inline.len();
        let mut at = after + 2;
        if word == "crate" {
            here = 0;
        } else {
            here = here.saturating_sub(1);
            while ident_at(&code, at).as_deref() == Some("super")
                && code[at + 5..(at + 7).min(code.len())].iter().collect::<String>() == "::"
            {
                here = here.saturating_sub(1);
                at += 7;
            }
        }
        if here > 0 {
            // Still inside the file's own top-level module.
            i = at;
            continue;
        }
        let at = skip_space(&code, at);
        let targets = match code.get(at) {
            Some('{') => group_heads(&code, at),
            _ => ident_at(&code, at).into_iter().collect(),
        };
        for to in targets {
            if to != "self" && to != from {
                edges.push(Edge {
                    file: file.to_string(),
                    line,
                    from: from.clone(),
                    to,
                });
            }
        }
        i = at;
    }
    edges
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/report/json.rs` -> `["report", "json"]`; `src/app/mod.rs` -> `["app"]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every edge between top-level modules in `src/` (the binary's `main.rs` and the
/// module list in `lib.rs` aside).
fn crate_edges() -> Vec<Edge> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges = Vec::new();
    for path in files {
        let relative = path.strip_prefix(&src).expect("under src");
        if relative == Path::new("main.rs") || relative == Path::new("lib.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = format!("src/{}", relative.display());
        edges.extend(edges_of(&name, &module_path(relative), &source));
    }
    edges
}

#[test]
fn every_import_points_down_the_layer_map() {
    let edges = crate_edges();
    assert!(
        edges.iter().any(|e| e.from == "app" && e.to == "model"),
        "the scan found no edges at all"
    );
    let mut problems = Vec::new();
    for edge in &edges {
        let Some(why) = violation(&edge.from, &edge.to) else {
            continue;
        };
        problems.push(format!("{edge} ({why})"));
    }
    assert!(
        problems.is_empty(),
        "imports against the layer map:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_module_of_the_crate_is_on_the_map_and_the_map_is_in_lib_rs() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).expect("lib.rs");
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect();
    let mapped: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(declared, mapped, "src/lib.rs declares these modules; LAYERS maps these");
    let doc: String = lib
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    for module in &mapped {
        assert!(
            doc.contains(&format!("`{module}`")),
            "the map in lib.rs does not show `{module}`"
        );
    }
}

#[test]
fn the_scanner_finds_paths_in_code_and_ignores_comments_and_strings() {
    let source = r##"//! Mentions crate::app in a doc comment.
use super::Check;
use crate::{config::Config, model::{Cluster, Outcome}};
use crate::app::State; // crate::ui in a comment
const S: &str = "crate::cmd::run";
const R: &str = r#"crate::cli"#;
const C: char = '"';
const Q: char = '\'';
fn f<'a>(x: &'a str) -> bool { crate::text::clean(x).is_empty() }
mod tests {
    use super::super::Version;
    use super::super::super::filter::Filter;
    use super::*;
}
"##;
    let module = vec!["rules".to_string(), "version".to_string()];
    let edges: Vec<(String, usize)> = edges_of("src/rules/version.rs", &module, source)
        .into_iter()
        .map(|e| (e.to, e.line))
        .collect();
    let want = [("config", 3), ("model", 3), ("app", 4), ("text", 9), ("filter", 12)];
    let want: Vec<(String, usize)> = want.iter().map(|(m, l)| (m.to_string(), *l)).collect();
    assert_eq!(edges, want);
}

#[test]
fn upward_sideways_and_sim_edges_are_refused_and_downward_ones_allowed() {
    assert_eq!(violation("app", "model"), None);
    assert_eq!(violation("cmd", "sim"), None);
    assert_eq!(violation("config", "config"), None);
    assert_eq!(violation("model", "app").as_deref(), Some("upward"));
    assert_eq!(violation("config", "app").as_deref(), Some("upward"));
    assert_eq!(
        violation("report", "filter").as_deref(),
        Some("sideways, within one layer")
    );
    assert!(
        violation("sim", "import").is_some(),
        "sim is beside azure, over model only"
    );
    assert_eq!(violation("sim", "model"), None);
    assert!(violation("app", "azure").is_some(), "the core takes model data");
    assert_eq!(violation("app", "cache"), None);
    assert!(violation("report", "nowhere").is_some());
}
