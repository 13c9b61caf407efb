//! The subscriptions view: the clusters in view (the filter applies here too) grouped
//! by subscription, those that could not be read first (`unread`: nobody knows how they
//! stand), then least compliant first (`update` orders them), with how many clusters it
//! has, how many fail, how many are unknown (a rule's data could not be read: they are
//! not in the compliant share), its compliant share, the rule that fails on most of
//! them, how old its data is and why its last read failed. Enter narrows the filter to it.
//!
//! Like the fleet table, only the rows in view become widgets and the columns are
//! fitted to those rows. Names and errors come from Azure, so they are cleaned and put
//! on one line. The compliant share is coloured, and reads as a number without colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

use super::header::{OLD_DATA, format_age};
use super::{Theme, centred_message, one_line, truncate, truncate_middle, width, window};
use crate::app::aggregates::SubscriptionRow;
use crate::app::state::State;
use crate::text::clean;

/// Columns between cells.
const SPACING: u16 = 1;

const NAME: usize = 0;
const ID: usize = 1;
const CLUSTERS: usize = 2;
const NON_COMPLIANT: usize = 3;
const UNKNOWN: usize = 4;
const COMPLIANT: usize = 5;
const MOST_FAILED: usize = 6;
const AGE: usize = 7;
const ERROR: usize = 8;
const COLUMNS: usize = 9;

const TITLES: [&str; COLUMNS] = [
    "SUBSCRIPTION",
    "ID",
    "CLUSTERS",
    "NON-COMPLIANT",
    "UNKNOWN",
    "COMPLIANT %",
    "MOST FAILED RULE",
    "DATA AGE",
    "LAST ERROR",
];

/// Counts, right-aligned under right-aligned titles.
const NUMERIC: [bool; COLUMNS] = [false, false, true, true, true, true, false, false, false];

/// The narrowest and widest each column starts; the last error then takes the room
/// left, up to its full length.
const LIMITS: [(usize, usize); COLUMNS] = [
    (12, 32),
    (9, 36),
    (8, 8),
    (13, 13),
    (7, 7),
    (11, 11),
    (16, 28),
    (8, 10),
    (12, 32),
];

/// Narrowed first, to their narrowest, when the columns do not fit.
const SHRINK: [usize; 4] = [ID, MOST_FAILED, NAME, ERROR];
/// Dropped, in this order, when even the narrowest columns do not fit.
const DROP: [usize; 5] = [ID, AGE, MOST_FAILED, UNKNOWN, NON_COMPLIANT];
/// Given the room left, in this order, up to their full text.
const GROW: [usize; 4] = [NAME, ERROR, ID, MOST_FAILED];

/// A compliant share below this is red, below `FAIR` yellow, green from there.
const POOR: usize = 50;
const FAIR: usize = 90;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let title_area = Rect {
        height: area.height.min(1),
        ..area
    };
    let area = Rect {
        y: area.y + title_area.height,
        height: area.height.saturating_sub(1),
        ..area
    };
    let rows = &state.subscription_rows;
    let mut title = vec![
        ratatui::text::Span::styled("Subscriptions", theme.label()),
        ratatui::text::Span::raw(format!(" {}", rows.len())),
    ];
    if !state.filter.is_empty() || state.only_failing {
        title.push(ratatui::text::Span::styled(
            format!(
                " · with clusters in view ({} of {} clusters)",
                state.visible.len(),
                state.fleet.len()
            ),
            theme.muted(),
        ));
    }
    frame.render_widget(ratatui::widgets::Paragraph::new(Line::from(title)), title_area);
    let height = usize::from(area.height.saturating_sub(1));
    let range = window(
        rows.len(),
        state.subscription_offset,
        state.subscription_selected,
        height,
    );
    let slice = &rows[range.clone()];
    let texts: Vec<[String; COLUMNS]> = slice.iter().map(|row| cells(row, state)).collect();

    let wanted: [usize; COLUMNS] = std::array::from_fn(|i| {
        let content = texts.iter().map(|t| width(&t[i])).max().unwrap_or(0);
        content.max(width(TITLES[i]))
    });
    let mut widths: [usize; COLUMNS] = std::array::from_fn(|i| wanted[i].clamp(LIMITS[i].0, LIMITS[i].1));
    // No error in view: no LAST ERROR column taking room from the names.
    let errors = texts.iter().any(|t| !t[ERROR].is_empty());
    let shown = fit(&mut widths, &wanted, errors, usize::from(area.width));

    let align = |i: usize, text: String| -> Line<'static> {
        if NUMERIC[i] {
            Line::from(text).right_aligned()
        } else {
            Line::from(text)
        }
    };
    let header = Row::new(
        std::iter::once(Cell::from(" ")).chain(
            shown
                .iter()
                .map(|&i| Cell::from(align(i, truncate(TITLES[i], widths[i]).into_owned()))),
        ),
    )
    .style(theme.table_header());

    let table_rows: Vec<Row> = slice
        .iter()
        .zip(&texts)
        .enumerate()
        .map(|(at, (row, text))| {
            let selected = range.start + at == state.subscription_selected;
            let gutter = Cell::from(if selected { "▶" } else { " " });
            let cells = shown.iter().map(|&i| {
                // Names are cut in the middle: `Contoso Data Prod` and `Contoso Data
                // NonProd` keep their different ends.
                let cut = if i == NAME {
                    truncate_middle(&text[i], widths[i])
                } else {
                    truncate(&text[i], widths[i])
                };
                let line = align(i, cut.into_owned());
                Cell::from(line).style(cell_style(row, i, state, theme))
            });
            let style = if selected { theme.selected() } else { Style::default() };
            Row::new(std::iter::once(gutter).chain(cells)).style(style)
        })
        .collect();

    let constraints =
        std::iter::once(Constraint::Length(1)).chain(shown.iter().map(|&i| Constraint::Length(widths[i] as u16)));
    let table = Table::new(table_rows, constraints)
        .header(header)
        .column_spacing(SPACING);
    frame.render_widget(table, area);

    if rows.is_empty() {
        let below = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        let message = if state.loading {
            "Loading the fleet…"
        } else if !state.filter.is_empty() || state.only_failing {
            "No subscription has clusters in view"
        } else {
            "No subscriptions"
        };
        centred_message(frame, below, vec![Line::from(message)]);
    }
}

/// The texts of one row, in `TITLES` order.
fn cells(row: &SubscriptionRow, state: &State) -> [String; COLUMNS] {
    let name = one_line(row.name.as_deref().unwrap_or(&row.id));
    // A subscription that could not be read is unknown, not empty and compliant.
    let unknown = || if row.unread() { "?" } else { "-" }.to_string();
    let compliant = if row.clusters == 0 {
        unknown()
    } else {
        format!("{}%", row.compliant_percent())
    };
    let most_failed = match row.most_failed {
        Some((rule, count)) => format!("{} ×{count}", rule.short_name()),
        None => unknown(),
    };
    let (clusters, non_compliant, unknown_count) = if row.unread() {
        ("unread".to_string(), "?".to_string(), "?".to_string())
    } else {
        (
            row.clusters.to_string(),
            row.non_compliant.to_string(),
            row.unknown.to_string(),
        )
    };
    let age = row
        .fetched_at
        .map_or_else(|| "-".to_string(), |time| format_age(state.now - time));
    [
        name,
        clean(&row.id).into_owned(),
        clusters,
        non_compliant,
        unknown_count,
        compliant,
        most_failed,
        age,
        row.error.as_deref().map(one_line).unwrap_or_default(),
    ]
}

/// The colours that carry meaning: the compliant share, old data, the error.
fn cell_style(row: &SubscriptionRow, column: usize, state: &State, theme: Theme) -> Style {
    match column {
        COMPLIANT if row.clusters > 0 => match row.compliant_percent() {
            p if p < POOR => theme.error(),
            p if p < FAIR => theme.warning(),
            _ => theme.good(),
        },
        AGE if row.fetched_at.is_some_and(|t| state.now - t > OLD_DATA) => theme.warning(),
        ERROR => theme.error(),
        CLUSTERS if row.unread() => theme.error(),
        UNKNOWN if row.unknown > 0 => theme.outcome(crate::model::Outcome::Unknown),
        _ => Style::default(),
    }
}

/// Narrows the columns in `SHRINK` order until the table fits `available` columns,
/// drops columns in `DROP` order if it still does not, then gives the room left to the
/// columns that were cut, the name first. LAST ERROR shows only when a row in view has
/// one (`errors`). Returns the columns to show.
fn fit(widths: &mut [usize; COLUMNS], wanted: &[usize; COLUMNS], errors: bool, available: usize) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..widths.len()).filter(|&i| errors || i != ERROR).collect();
    let total = |shown: &[usize], widths: &[usize; COLUMNS]| -> usize {
        // The selection gutter, then a space before each column.
        1 + shown.iter().map(|&i| widths[i] + usize::from(SPACING)).sum::<usize>()
    };
    for i in SHRINK {
        let over = total(&shown, widths).saturating_sub(available);
        widths[i] -= over.min(widths[i].saturating_sub(LIMITS[i].0));
    }
    for column in DROP {
        if total(&shown, widths) <= available {
            break;
        }
        shown.retain(|&s| s != column);
    }
    let mut room = available.saturating_sub(total(&shown, widths));
    for i in GROW {
        if !shown.contains(&i) {
            continue;
        }
        let more = wanted[i].saturating_sub(widths[i]).min(room);
        widths[i] += more;
        room -= more;
    }
    shown
}
