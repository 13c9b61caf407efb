//! The fleet table. Only the rows in view (`visible[offset..offset + height]`) become
//! widgets, and column widths are fitted to those rows alone, so drawing costs the same
//! for ten clusters or ten thousand.
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

use super::{Theme, centred_message, truncate, width, window};
use crate::app::state::State;
use crate::filter::Column;
use crate::text::clean;

/// Columns between cells.
const SPACING: u16 = 1;

/// The narrowest and widest each column may be, in `Column::ALL` order.
const LIMITS: [(usize, usize); 8] = [(10, 40), (8, 28), (8, 28), (6, 16), (5, 10), (6, 12), (7, 14), (7, 20)];

/// When even the narrowest columns do not fit, these go first (they are also in the
/// cluster view), so the name and the verdict always stay on screen.
const DROP_ORDER: [Column; 4] = [
    Column::Location,
    Column::ResourceGroup,
    Column::Upgrade,
    Column::Subscription,
];

const STALE_MARK: &str = " (stale)";

/// The marker column: a marked row, then a highlighted one.
const MARKS_WIDTH: usize = 2;
pub(super) const MARKED: &str = "●";
pub(super) const HIGHLIGHTED: &str = "◆";

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
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
    let shown = fit(&mut widths, &wanted, usize::from(area.width));

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
                let text = truncate(&text_of(row, i), widths[i]).into_owned();
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

/// Narrows the widest text columns until the table fits `available` columns, then drops
/// columns in `DROP_ORDER` if it still does not; on a wide terminal, gives the room
/// left to the text columns that were cut (`wanted` is their full width). Returns the
/// columns to show.
fn fit(widths: &mut [usize], wanted: &[usize], available: usize) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..widths.len()).collect();
    let total = |shown: &[usize], widths: &[usize]| -> usize {
        // The selection gutter and the marker column, then a space before each column.
        1 + MARKS_WIDTH + usize::from(SPACING) + shown.iter().map(|&i| widths[i] + usize::from(SPACING)).sum::<usize>()
    };
    let shrinkable = [
        Column::Name,
        Column::Subscription,
        Column::ResourceGroup,
        Column::Location,
    ]
    .map(Column::index);
    while total(&shown, widths) > available {
        let widest = shrinkable
            .iter()
            .copied()
            .filter(|&i| widths[i] > LIMITS[i].0)
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
        shown.retain(|&s| s != column.index());
    }
    // One column at a time, the narrowest first, so two long columns share the room.
    let mut room = available.saturating_sub(total(&shown, widths));
    while room > 0 {
        let cut = shrinkable
            .iter()
            .copied()
            .filter(|&i| widths[i] < wanted[i])
            .min_by_key(|&i| widths[i]);
        let Some(i) = cut else { break };
        widths[i] += 1;
        room -= 1;
    }
    shown
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
