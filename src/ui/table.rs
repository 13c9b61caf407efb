//! The fleet table. Only the rows in view (`visible[offset..offset + height]`) become
//! widgets, and column widths are fitted to those rows alone, so drawing costs the same
//! for ten clusters or ten thousand.
//!
//! Columns have priorities: NAME and VERDICT keep their full width first; SUPPORT and
//! NEXT WINDOW join whole where they fit, else drop; SUBSCRIPTION, RESOURCE GROUP and
//! LOCATION shrink (cut in the middle, so names sharing a start stay apart) and then
//! drop; RUNNING and PROVISIONING show only where there is room. A title line above
//! counts the rows and names the columns a wider terminal would show.
//!
//! Colour carries meaning (verdicts, stale rows, the selection, highlighted clusters),
//! and each meaning has a text or modifier twin that survives with colour off: the
//! verdict word, a `(stale)` marker, a `▶` and reversed video on the selected row, in
//! the marker column a `●` for a marked row and a `◆` for a highlighted one
//! (production, say), whose name is also bold (and magenta), and support out or ending
//! in red or yellow, which its words say too.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{Theme, centred_message, truncate, truncate_middle, width, window};
use crate::app::state::State;
use crate::filter::Column;
use crate::model::SupportState;
use crate::text::clean;

/// Columns between cells.
const SPACING: u16 = 1;

/// The narrowest and widest each column may be, in `Column::ALL` order.
const LIMITS: [(usize, usize); Column::ALL.len()] = [
    (10, 63),
    (8, 40),
    (8, 40),
    (6, 24),
    (5, 12),
    (5, 12),
    (7, 24),
    (6, 12),
    (7, 14),
    (6, 14),
    (7, 14),
    (7, 24),
];

/// Joined after the essential columns, each whole or not at all: the upgrade calendar
/// at a glance.
const CALENDAR: [Column; 2] = [Column::Support, Column::Window];

/// Shown only when every other column has its full width.
const WIDE_ONLY: [Column; 2] = [Column::Running, Column::Provisioning];

/// Joined after the essential columns, in this order, each cut or left out when
/// there is no room.
const SHRINK: [Column; 3] = [Column::Subscription, Column::ResourceGroup, Column::Location];

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
    let support_at = Column::Support.index();
    let text_of = |row: &crate::app::rows::Row, i: usize| -> String {
        let column = Column::ALL[i];
        if column == Column::Verdict && row.brief.stale() {
            format!("{}{STALE_MARK}", row.cells[column])
        } else {
            row.cells[column].to_string()
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
    let mut widths = vec![0; Column::ALL.len()];
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
                } else if i == support_at {
                    let style = match row.brief.support() {
                        Some(SupportState::OutOfSupport) => theme.error(),
                        _ if row.brief.ending_soon() => theme.warning(),
                        _ => Default::default(),
                    };
                    Cell::from(text).style(style)
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
            let mut style = if row.brief.stale() {
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
            format!(" · not shown (too narrow): {}", names.join(", ")),
            theme.muted(),
        ));
    }
    Line::from(spans)
}

/// Fits the columns into `available` columns by their priorities. NAME, K8S, UPGRADE,
/// NODE OS and VERDICT come first, at full width (on a narrow terminal UPGRADE goes,
/// then the name narrows). Then SUPPORT and NEXT WINDOW, each whole or not at all.
/// Then SUBSCRIPTION, RESOURCE GROUP and LOCATION join in that order, each at full
/// width if it fits, else cut to a width that still reads (`READABLE`), else not at
/// all; then RUNNING and PROVISIONING where everything else has its full width. Room
/// left over goes to the cut columns. Returns the columns to show, in table order, and
/// those left out that had something to show.
fn fit(widths: &mut [usize], wanted: &[usize], empty: &[bool], available: usize) -> (Vec<usize>, Vec<Column>) {
    let full: Vec<usize> = wanted
        .iter()
        .zip(LIMITS)
        .map(|(w, (min, max))| (*w).clamp(min, max))
        .collect();
    widths.copy_from_slice(&full);
    // The selection gutter and the marker column, then a space before each column.
    let total = |shown: &[usize], widths: &[usize]| -> usize {
        1 + MARKS_WIDTH + usize::from(SPACING) + shown.iter().map(|&i| widths[i] + usize::from(SPACING)).sum::<usize>()
    };
    let essential = [
        Column::Name,
        Column::Version,
        Column::Upgrade,
        Column::NodeOs,
        Column::Verdict,
    ];
    let mut shown: Vec<usize> = essential.iter().map(|c| c.index()).filter(|&i| !empty[i]).collect();
    let mut hidden = Vec::new();
    if total(&shown, widths) > available {
        shown.retain(|&i| i != LAST_RESORT.index());
        hidden.push(LAST_RESORT);
    }
    let name = Column::Name.index();
    while total(&shown, widths) > available && widths[name] > LIMITS[name].0 {
        widths[name] -= 1;
    }
    for column in CALENDAR {
        let i = column.index();
        if empty[i] {
            continue;
        }
        if total(&shown, widths) + full[i] + usize::from(SPACING) <= available {
            shown.push(i);
        } else {
            hidden.push(column);
        }
    }
    for column in SHRINK {
        let i = column.index();
        if empty[i] {
            continue;
        }
        let room = available.saturating_sub(total(&shown, widths) + usize::from(SPACING));
        let readable = full[i].min(READABLE).max(LIMITS[i].0);
        if room >= readable {
            widths[i] = full[i].min(room);
            shown.push(i);
        } else {
            hidden.push(column);
        }
    }
    // The wide-only columns, when everything else is whole.
    let whole = hidden.is_empty() && shown.iter().all(|&i| widths[i] >= full[i]);
    for column in WIDE_ONLY {
        let i = column.index();
        if empty[i] {
            continue;
        }
        if whole && total(&shown, widths) + full[i] + usize::from(SPACING) <= available {
            shown.push(i);
        } else {
            hidden.push(column);
        }
    }
    // What is left: the name first, then the cut columns, one column at a time, the
    // narrowest first, so two cut columns share it.
    let mut room = available.saturating_sub(total(&shown, widths));
    let more = full[name].saturating_sub(widths[name]).min(room);
    widths[name] += more;
    room -= more;
    while room > 0 {
        let cut = shown
            .iter()
            .copied()
            .filter(|&i| widths[i] < full[i])
            .min_by_key(|&i| widths[i]);
        let Some(i) = cut else { break };
        widths[i] += 1;
        room -= 1;
    }
    shown.sort_unstable();
    hidden.sort_by_key(|c| c.index());
    (shown, hidden)
}

/// The narrowest a SUBSCRIPTION, RESOURCE GROUP or LOCATION is cut to; narrower, it
/// is left out (and named in the title) rather than shown as an unreadable stub.
const READABLE: usize = 14;

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
