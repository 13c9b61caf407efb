//! The raw JSON of a cluster, as Azure (or the exported file) gave it, scrolled by
//! JSON line, with `/` searching it: the lines that hold the search are marked, the
//! match itself in reversed video. Straight from outside, so every line is cleaned;
//! long lines wrap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, centred_message, hints, truncate, wrap_code};
use crate::app::Command;
use crate::app::keymap::Keymap;
use crate::app::state::State;
use crate::text::clean;

#[expect(clippy::too_many_arguments, reason = "the overlay's fields, passed as they are")]
pub(super) fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    keymap: &Keymap,
    id: &str,
    text: Option<&str>,
    scroll: u16,
    search: Option<&str>,
    theme: Theme,
) {
    let name = state
        .find(id)
        .map_or_else(|| id.to_string(), |i| state.fleet[i].cluster.name.to_string());
    let title = Line::from(format!(" Raw JSON: {} ", truncate(&clean(&name), 60))).style(theme.label());
    // While a search is typed, its text marks the matches too.
    let typed = state
        .prompt
        .as_ref()
        .filter(|p| p.kind == crate::app::state::PromptKind::Search)
        .map(|p| p.line.text().to_string());
    let needle = typed.or(search.map(String::from)).unwrap_or_default().to_lowercase();
    let make = |columns: usize| -> Vec<Vec<Line<'static>>> {
        text.unwrap_or_default()
            .lines()
            .map(|line| {
                wrap_code(&clean(line), columns)
                    .into_iter()
                    .map(|piece| mark(piece, &needle, theme))
                    .collect()
            })
            .collect()
    };
    let items = [
        (Command::Filter, "search"),
        (Command::SearchNext, "next"),
        (Command::Copy, "copy"),
        (Command::Write, "write to file"),
        (Command::Back, "close"),
    ];
    let mut footer = vec![Span::raw(" ")];
    footer.extend(hints(keymap, &items, theme));
    footer.push(Span::raw(" "));
    let footer = Line::from(footer);
    let (inner, empty) = Popup {
        size: (90, 90),
        title,
        footer,
        header: Vec::new(),
    }
    .draw(frame, area, make, scroll, None, theme);
    if text.is_none() {
        centred_message(frame, inner, vec![Line::from("Loading…")]);
    } else if empty {
        centred_message(frame, inner, vec![Line::from("(empty)")]);
    }
}

/// A piece of a line with the search's matches reversed (ASCII case ignored).
fn mark(piece: String, needle: &str, theme: Theme) -> Line<'static> {
    if needle.is_empty() || !piece.is_ascii() || !needle.is_ascii() {
        return Line::from(piece);
    }
    let lower = piece.to_ascii_lowercase();
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(needle) {
        let start = at + found;
        if start > at {
            spans.push(Span::raw(piece[at..start].to_string()));
        }
        let end = start + needle.len();
        spans.push(Span::styled(piece[start..end].to_string(), theme.chosen()));
        at = end;
    }
    if spans.is_empty() {
        return Line::from(piece);
    }
    if at < piece.len() {
        spans.push(Span::raw(piece[at..].to_string()));
    }
    Line::from(spans)
}
