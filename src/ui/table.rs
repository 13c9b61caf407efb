//! The fleet table. Only the rows in view (`visible[offset..offset + height]`) become
//! widgets, and column widths are fitted to those rows alone, so drawing costs the same
//! for ten clusters or ten thousand.
//!
//! Columns have priorities: NAME and VERDICT keep their full width first; SUBSCRIPTION,
//! RESOURCE GROUP and LOCATION shrink (cut in the middle, so names sharing a start stay
//! apart) and then drop; RUNNING and PROVISIONING show only where there is room. A
//! title line above counts the rows and names the columns a wider terminal would show.
//!
//! Colour carries meaning (verdicts, stale rows, the selection, highlighted clusters),
//! and each meaning has a text or modifier twin that survives with colour off: the
//! verdict word, a `(stale)` marker, a `▶` and reversed video on the selected row, and
//! in the marker column a `●` for a marked row and a `◆` for a highlighted one
//! (production, say), whose name is also bold (and magenta).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{Theme, centred_message, truncate, truncate_middle, width, window};
use crate::app::state::State;
use crate::filter::Column;
use crate::text::clean;

/// Columns between cells.
const SPACING: u16 = 1;

/// The narrowest and widest each column may be, in `Column::ALL` order.
const LIMITS: [(usize, usize); 10] = [
    (10, 63),
    (8, 40),
    (8, 40),
    (6, 24),
    (5, 12),
    (5, 12),
    (6, 12),
    (7, 14),
    (7, 14),
    (7, 24),
];

/// Shown only when every other column has its full width.
const WIDE_ONLY: [Column; 2] = [Column::Running, Column::Provisioning];

/// Shrunk (widest first) when the table does not fit, then dropped in this order.
const SHRINK: [Column; 3] = [Column::Subscription, Column::ResourceGroup, Column::Location];
const DROP_ORDER: [Column; 3] = [Column::Location, Column::ResourceGroup, Column::Subscription];

/// When even that does not fit: the upgrade channel goes (the cluster view has it),
/// then the name gives way, so the verdict always shows.
const LAST_RESORT: Column = Column::Upgrade;

/// One marker for rows from an earlier read, the same word in every output.
pub(super) const STALE_MARK: &str = " (stale)";

/// The marker column: a marked row, then a highlighted one.
const MARKS_WIDTH: usize = 2;
pub(super) const MARKED: &str = "●";
pub(super) const HIGHLIGHTED: &str = "◆";

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
    let height = usize::from(area.height.saturating_sub(1));
    let range = window(state.visible.len(), state.offset, state.selected, height);
    let slice = &state.visible[range.clone()];

    let verdict_at = Column::Verdict.index();
    let name_at = Column::Name.index();
    let text_of = |row: &crate::app::rows::Row, i: usize| -> String {
        let column = Column::ALL[i];
        if column == Column::Verdict && row.tally.stale {
            format!("{}{STALE_MARK}", row.cells[column])
        } else {
            row.cells[column].clone()
        }
    };

    // Desired width per column: its title (with the sort arrow) or its widest cell in view.
    let (sort_column, descending) = state.sort;
    let titles: Vec<String> = Column::ALL
        .iter()
        .map(|c| {
            if *c == sort_column {
                format!("{} {}", c.title(), if descending { "▼" } else { "▲" })
            } else {
                c.title().to_string()
            }
        })
        .collect();
    let wanted: Vec<usize> = (0..Column::ALL.len())
        .map(|i| {
            let content = slice
                .iter()
                .map(|&r| width(&text_of(&state.rows[r], i)))
                .max()
                .unwrap_or(0);
            content.max(width(&titles[i]))
        })
        .collect();
    let mut widths: Vec<usize> = wanted
        .iter()
        .zip(LIMITS)
        .map(|(w, (min, max))| (*w).clamp(min, max))
        .collect();
    // A column with nothing in view (no running version differs) is left out.
    let empty: Vec<bool> = (0..Column::ALL.len())
        .map(|i| slice.iter().all(|&r| state.rows[r].cells[Column::ALL[i]].is_empty()))
        .collect();
    let (shown, hidden) = fit(&mut widths, &wanted, &empty, usize::from(area.width));
    frame.render_widget(
        ratatui::widgets::Paragraph::new(title(state, &hidden, theme)),
        title_area,
    );

    let header = Row::new(
        [Cell::from(" "), Cell::from(" ")].into_iter().chain(
            shown
                .iter()
                .map(|&i| Cell::from(truncate(&titles[i], widths[i]).into_owned())),
        ),
    )
    .style(theme.table_header());

    let rows: Vec<Row> = slice
        .iter()
        .enumerate()
        .map(|(at, &r)| {
            let row = &state.rows[r];
            let selected = range.start + at == state.selected;
            let gutter = Cell::from(if selected { "▶" } else { " " });
            let cells = shown.iter().map(|&i| {
                let text = cut(&text_of(row, i), Column::ALL[i], widths[i]);
                if i == verdict_at {
                    Cell::from(text).style(theme.outcome(row.verdict))
                } else if i == name_at && row.highlighted {
                    Cell::from(text).style(theme.highlighted())
                } else {
                    Cell::from(text)
                }
            });
            let marked = state.is_marked(r);
            let markers = Cell::from(Line::from(vec![
                if marked {
                    Span::styled(MARKED, theme.marked())
                } else {
                    Span::raw(" ")
                },
                if row.highlighted {
                    Span::styled(HIGHLIGHTED, theme.highlighted())
                } else {
                    Span::raw(" ")
                },
            ]));
            let mut style = if row.tally.stale {
                theme.stale()
            } else {
                Default::default()
            };
            if selected {
                style = style.patch(theme.selected());
            }
            Row::new([gutter, markers].into_iter().chain(cells)).style(style)
        })
        .collect();

    let constraints = [Constraint::Length(1), Constraint::Length(MARKS_WIDTH as u16)]
        .into_iter()
        .chain(shown.iter().map(|&i| Constraint::Length(widths[i] as u16)));
    let table = Table::new(rows, constraints).header(header).column_spacing(SPACING);
    frame.render_widget(table, area);

    if slice.is_empty() {
        let below = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        centred_message(frame, below, vec![Line::from(empty_message(state))]);
    }
}

/// A cell cut to its column: names in the middle (their ends tell them apart), the
/// rest at the end.
fn cut(text: &str, column: Column, columns: usize) -> String {
    match column {
        Column::Name | Column::Subscription | Column::ResourceGroup | Column::Location => {
            truncate_middle(text, columns).into_owned()
        }
        _ => truncate(text, columns).into_owned(),
    }
}

/// The table's title: the rows in view of all, and the columns left out for room.
fn title(state: &State, hidden: &[Column], theme: Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled("Clusters", theme.label()),
        Span::raw(format!(" {} of {}", state.visible.len(), state.fleet.len())),
    ];
    if !hidden.is_empty() {
        let names: Vec<&str> = hidden.iter().map(|c| c.title()).collect();
        spans.push(Span::styled(
            format!(" · not shown for room: {}", names.join(", ")),
            theme.muted(),
        ));
    }
    Line::from(spans)
}

/// Fits the columns into `available` columns by their priorities: the wide-only ones
/// go first, then SUBSCRIPTION, RESOURCE GROUP and LOCATION narrow and go, then
/// UPGRADE, then the name narrows; NAME and VERDICT stay. On a wide terminal the room
/// left goes to the columns that were cut (`wanted` is their full width), the name
/// first. Returns the columns to show and those left out that had something to show.
fn fit(widths: &mut [usize], wanted: &[usize], empty: &[bool], available: usize) -> (Vec<usize>, Vec<Column>) {
    let mut shown: Vec<usize> = (0..widths.len()).filter(|&i| !empty[i]).collect();
    let mut hidden = Vec::new();
    let total = |shown: &[usize], widths: &[usize]| -> usize {
        // The selection gutter and the marker column, then a space before each column.
        1 + MARKS_WIDTH + usize::from(SPACING) + shown.iter().map(|&i| widths[i] + usize::from(SPACING)).sum::<usize>()
    };
    // Everything else at full width first: the wide-only columns need what is left.
    let full: usize = total(
        &shown,
        &wanted
            .iter()
            .zip(LIMITS)
            .map(|(w, (min, max))| (*w).clamp(min, max))
            .collect::<Vec<_>>(),
    );
    for column in WIDE_ONLY {
        let i = column.index();
        let at_full = full
            - shown
                .iter()
                .filter(|&&s| WIDE_ONLY.iter().any(|c| c.index() == s && s != i))
                .map(|&s| widths[s] + 1)
                .sum::<usize>();
        if shown.contains(&i) && at_full > available {
            shown.retain(|&s| s != i);
            hidden.push(column);
        }
    }
    let mut drop = |shown: &mut Vec<usize>, column: Column| {
        if shown.contains(&column.index()) {
            shown.retain(|&s| s != column.index());
            hidden.push(column);
        }
    };
    while total(&shown, widths) > available {
        let widest = SHRINK
            .iter()
            .map(|c| c.index())
            .filter(|&i| shown.contains(&i) && widths[i] > LIMITS[i].0)
            .max_by_key(|&i| widths[i]);
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    for column in DROP_ORDER {
        if total(&shown, widths) <= available {
            break;
        }
        drop(&mut shown, column);
    }
    if total(&shown, widths) > available {
        drop(&mut shown, LAST_RESORT);
    }
    let name = Column::Name.index();
    while total(&shown, widths) > available && widths[name] > LIMITS[name].0 {
        widths[name] -= 1;
    }
    // The room left: the name first, then the others one column at a time, the
    // narrowest first, so two long columns share it.
    let mut room = available.saturating_sub(total(&shown, widths));
    let more = wanted[name].saturating_sub(widths[name]).min(room);
    widths[name] += more;
    room -= more;
    while room > 0 {
        let cut = SHRINK
            .iter()
            .map(|c| c.index())
            .filter(|&i| shown.contains(&i) && widths[i] < wanted[i].min(LIMITS[i].1))
            .min_by_key(|&i| widths[i]);
        let Some(i) = cut else { break };
        widths[i] += 1;
        room -= 1;
    }
    hidden.sort_by_key(|c| c.index());
    (shown, hidden)
}

fn empty_message(state: &State) -> String {
    if state.loading {
        "Loading the fleet…".to_string()
    } else if !state.filter.is_empty() {
        format!("No clusters match the filter `{}`", clean(state.filter.source()))
    } else if state.fleet.is_empty() {
        "No clusters in this fleet".to_string()
    } else if state.only_failing {
        "No non-compliant clusters in view".to_string()
    } else {
        "No clusters in view".to_string()
    }
}
