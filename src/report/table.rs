//! `scan --format table`: the default, for a person at a terminal.
//!
//! Aligned columns, one row per cluster in input order, then read errors, then a
//! one-paragraph summary where the eye lands after a long listing. Every untrusted
//! string is cleaned of control characters, so the only escape sequences written
//! are this module's own colours, and only when [`Style::color`] is set. Widths
//! are counted in chars: close enough without a Unicode width table. A padded cell
//! shows at most [`CELL`] characters (the rest cut, marked `…`), so no input can
//! make a column wider than a screen, and padding is written as spaces, never as a
//! format width (which panics past 65,535).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Report, Style};
use crate::model::{Assessed, Outcome, Summary};
use crate::text::{self, count};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

/// The summary paragraph wraps here, a width most terminals show whole.
const WRAP: usize = 100;

/// The most characters a padded cell shows; longer text is cut and ends in `…`.
const CELL: usize = 100;

pub(super) fn write(report: &Report<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    if report.assessed.is_empty() {
        writeln!(out, "No clusters were read.")?;
    } else {
        let rows: Vec<Vec<Cell<'_>>> = report.assessed.iter().map(row).collect();
        write_columns(
            out,
            style,
            &[
                "NAME",
                "SUBSCRIPTION",
                "RESOURCE GROUP",
                "LOCATION",
                "K8S",
                "UPGRADE",
                "NODE OS",
                "VERDICT",
            ],
            &rows,
        )?;
    }

    if !report.errors.is_empty() {
        writeln!(out)?;
        let rows: Vec<Vec<Cell<'_>>> = report
            .errors
            .iter()
            .map(|error| {
                vec![
                    Cell::plain(error.subscription_id.as_deref().unwrap_or("-")),
                    Cell::plain(error.code.as_deref().unwrap_or("-")),
                    Cell::plain(&error.message),
                ]
            })
            .collect();
        write_columns(out, style, &["SUBSCRIPTION", "CODE", "ERROR"], &rows)?;
    }

    if let Some(changes) = report.changes {
        write_changes(out, changes)?;
    }

    writeln!(out)?;
    for line in wrap(&summary(report), WRAP) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One table cell: cleaned text and the colour it is painted in, if any.
struct Cell<'a> {
    text: Cow<'a, str>,
    color: Option<&'static str>,
}

impl<'a> Cell<'a> {
    fn plain(raw: &'a str) -> Self {
        Cell {
            text: text::clean(raw),
            color: None,
        }
    }

    fn owned(raw: &str) -> Self {
        Cell {
            text: Cow::Owned(text::clean(raw).into_owned()),
            color: None,
        }
    }

    /// The text as a padded column shows it: at most [`CELL`] characters.
    fn shown(&self) -> &str {
        match self.text.char_indices().nth(CELL) {
            Some((end, _)) => &self.text[..end],
            None => &self.text,
        }
    }

    /// Whether the text was cut to fit its column.
    fn cut(&self) -> bool {
        self.text.char_indices().nth(CELL).is_some()
    }

    fn width(&self) -> usize {
        self.shown().chars().count() + usize::from(self.cut())
    }
}

/// `n` spaces, written without a format width.
fn spaces(out: &mut dyn Write, n: usize) -> io::Result<()> {
    const BLANK: &[u8] = &[b' '; 64];
    let mut left = n;
    while left > 0 {
        let chunk = left.min(BLANK.len());
        out.write_all(&BLANK[..chunk])?;
        left -= chunk;
    }
    Ok(())
}

fn row(item: &Assessed) -> Vec<Cell<'_>> {
    let cluster = &item.cluster;
    vec![
        Cell::plain(&cluster.name),
        Cell::plain(cluster.subscription_label()),
        Cell::plain(&cluster.resource_group),
        Cell::plain(&cluster.location),
        Cell::plain(cluster.kubernetes_version.as_deref().unwrap_or("-")),
        // Canonical spellings read better than whatever casing the input used, and
        // show a missing channel as the state AKS reports for it.
        Cell::owned(cluster.upgrade_channel().as_str()),
        Cell::owned(cluster.node_os_channel().as_str()),
        Cell {
            // A stale row comes from an earlier read because the latest one failed.
            text: Cow::Owned(if cluster.stale {
                format!("{} (stale)", item.verdict_label())
            } else {
                item.verdict_label()
            }),
            color: Some(outcome_color(item.verdict())),
        },
    ]
}

/// The `--changes` section: one line per kind of change that happened.
fn write_changes(out: &mut dyn Write, changes: &crate::model::Changes) -> io::Result<()> {
    let when = |t: time::OffsetDateTime| {
        t.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
    };
    writeln!(out)?;
    if changes.is_empty() {
        return writeln!(out, "No changes since the read of {}.", when(changes.since));
    }
    writeln!(out, "Changes since the read of {}:", when(changes.since))?;
    let names = |list: &[crate::model::Named]| {
        list.iter()
            .map(|n| text::clean(&n.name).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let moves = |list: &[crate::model::Change]| {
        list.iter()
            .map(|c| {
                let from = c.from.as_deref().unwrap_or("(none)");
                let to = c.to.as_deref().unwrap_or("(none)");
                text::clean(&format!("{} {from} -> {to}", c.name)).into_owned()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lines = [
        ("became non-compliant", names(&changes.became_non_compliant)),
        ("became compliant", names(&changes.became_compliant)),
        ("appeared", names(&changes.appeared)),
        ("disappeared", names(&changes.disappeared)),
        ("node OS channel", moves(&changes.node_os_channel_changed)),
        ("upgrade channel", moves(&changes.upgrade_channel_changed)),
        ("Kubernetes version", moves(&changes.version_changed)),
    ];
    for (what, list) in lines {
        if !list.is_empty() {
            writeln!(out, "  {what}: {list}")?;
        }
    }
    Ok(())
}

fn outcome_color(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "\x1b[32m",
        Outcome::Waived => "\x1b[36m",
        Outcome::Unknown => "\x1b[33m",
        Outcome::Fail => "\x1b[31m",
    }
}

/// Writes a header and rows in columns two spaces apart. The last column is not
/// padded, so no line ends in spaces; colour wraps the text only, never the padding,
/// so widths stay right with colour on.
fn write_columns(out: &mut dyn Write, style: Style, headers: &[&str], rows: &[Vec<Cell<'_>>]) -> io::Result<()> {
    let last = headers.len().saturating_sub(1);
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row).take(last) {
            *width = (*width).max(cell.width());
        }
    }

    if style.color {
        out.write_all(BOLD.as_bytes())?;
    }
    for (i, (header, width)) in headers.iter().zip(&widths).enumerate() {
        let pad = if i == last { 0 } else { width - header.chars().count() };
        write!(out, "{}{header}", if i > 0 { "  " } else { "" })?;
        spaces(out, pad)?;
    }
    if style.color {
        out.write_all(RESET.as_bytes())?;
    }
    writeln!(out)?;

    for row in rows {
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                out.write_all(b"  ")?;
            }
            // The last column is not padded, so it is shown whole.
            let (shown, cut) = if i == last {
                (cell.text.as_ref(), false)
            } else {
                (cell.shown(), cell.cut())
            };
            match cell.color.filter(|_| style.color) {
                Some(color) => write!(out, "{color}{shown}{RESET}")?,
                None => out.write_all(shown.as_bytes())?,
            }
            if cut {
                out.write_all("…".as_bytes())?;
            }
            if i != last {
                spaces(out, width.saturating_sub(cell.width()))?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The fleet in one paragraph: size, share failing, channels, versions, what was
/// skipped and which subscriptions could not be read.
fn summary(report: &Report<'_>) -> String {
    let summary = Summary::of(report.assessed);
    let mut text = count(summary.clusters, "cluster");
    text.push_str(&format!(", {} non-compliant", summary.non_compliant));
    if let Some(percent) = summary.non_compliant_percent() {
        text.push_str(&format!(" ({percent}%)"));
    }
    text.push_str(&format!(", {} unknown (a rule's data not read)", summary.unknown));
    text.push_str(". Node OS upgrade channel:");
    for (i, (name, n)) in summary.channels().enumerate() {
        text.push_str(&format!("{} {n} {name}", if i > 0 { "," } else { "" }));
    }
    if summary.other_channel() > 0 {
        text.push_str(&format!(", {} other values", summary.other_channel()));
    }
    text.push_str(&format!(
        ". {} below the minimum Kubernetes version {}. {} skipped (not clusters).",
        summary.below_minimum,
        report.minimum_version,
        count(report.skipped, "object"),
    ));
    if report.duplicates > 0 {
        text.push_str(&format!(
            " {} repeated an id read before (the later copy is listed).",
            count(report.duplicates, "cluster")
        ));
    }

    if !report.errors.is_empty() {
        let mut per_subscription: BTreeMap<Cow<'_, str>, usize> = BTreeMap::new();
        for error in report.errors {
            let subscription = error.subscription_id.as_deref().unwrap_or("no subscription");
            let label = text::clip(subscription, CELL).into_owned();
            *per_subscription
                .entry(Cow::Owned(text::clean(&label).into_owned()))
                .or_default() += 1;
        }
        let parts: Vec<String> = per_subscription
            .iter()
            .map(|(subscription, n)| format!("{n} in {subscription}"))
            .collect();
        text.push_str(&format!(
            " {}: {}.",
            count(report.errors.len(), "read error"),
            parts.join(", ")
        ));
    }
    text
}

/// Greedy word wrap; a word longer than the width gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_chars = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_chars = word.chars().count();
        if line_chars > 0 && line_chars + 1 + word_chars > width {
            lines.push(std::mem::take(&mut line));
            line_chars = 0;
        }
        if line_chars > 0 {
            line.push(' ');
            line_chars += 1;
        }
        line.push_str(word);
        line_chars += word_chars;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::tests::render;
    use super::*;

    #[test]
    fn table_matches_the_snapshot() {
        insta::assert_snapshot!(render(Format::Table, Style { color: false }));
    }

    #[test]
    fn columns_line_up_and_lines_have_no_trailing_spaces() {
        let text = render(Format::Table, Style { color: false });
        let lines: Vec<&str> = text.lines().take(5).collect();
        let verdict_at = lines[0].find("VERDICT").expect("a VERDICT header");
        for line in &lines[1..] {
            let prefix: String = line.chars().take(verdict_at).collect();
            assert!(prefix.ends_with("  "), "{line:?}");
        }
        assert!(text.lines().all(|line| !line.ends_with(' ')));
    }

    #[test]
    fn an_empty_fleet_says_so() {
        let minimum = crate::model::Version::parse("1.33.7").expect("a valid literal");
        let report = Report::whole(&[], &minimum);
        let mut out = Vec::new();
        write(&report, Style { color: true }, &mut out).expect("writing to a Vec succeeds");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(text.starts_with("No clusters were read.\n"), "{text}");
        assert!(text.contains("0 clusters, 0 non-compliant, 0 unknown "), "{text}");
    }

    #[test]
    fn text_longer_than_a_format_width_can_pad_is_cut_for_display_not_a_panic() {
        let long = |c: char| c.to_string().repeat(70_000);
        let cluster = crate::model::Cluster {
            id: format!("/subscriptions/s/resourceGroups/g/providers/p/t/{}", long('n')),
            name: long('n').into(),
            subscription_id: long('s').into(),
            resource_group: long('g').into(),
            location: long('l').into(),
            kubernetes_version: Some(format!("1.{}", "3".repeat(70_000)).into()),
            upgrade_channel: Some(long('u').into()),
            node_os_upgrade_channel: Some(long('o').into()),
            ..Default::default()
        };
        let config = crate::config::Config::default();
        let today = time::macros::date!(2026 - 11 - 26);
        let assessed = crate::rules::assess(vec![cluster], &config, today);
        let errors = [crate::model::SourceError {
            subscription_id: Some(long('e')),
            url: None,
            code: Some(long('c')),
            message: "forbidden".into(),
        }];
        let report = Report {
            assessed: &assessed,
            skipped: 0,
            duplicates: 0,
            errors: &errors,
            minimum_version: &config.rules.kubernetes_minimum_version,
            changes: None,
        };
        for color in [false, true] {
            let mut out = Vec::new();
            write(&report, Style { color }, &mut out).expect("writing to a Vec succeeds");
            let text = String::from_utf8(out).expect("UTF-8");
            let row = text.lines().nth(1).expect("a row");
            assert!(row.starts_with(&format!("{}…  ", "n".repeat(CELL))), "{}", &row[..120]);
            assert!(row.contains(&format!("{}…  ", "g".repeat(CELL))));
            let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest < 1_200, "no column is wider than a cell: {widest}");
        }
    }

    #[test]
    fn words_wrap_at_the_width() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("averylongword x", 4), ["averylongword", "x"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
    }
}
