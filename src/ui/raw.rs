//! The raw JSON of a cluster, as Azure (or the exported file) gave it, scrolled.
//! Straight from outside, so every line is cleaned; long lines wrap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{Popup, Theme, centred_message, truncate, wrap_code};
use crate::app::state::State;
use crate::text::clean;

pub(super) fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    id: &str,
    text: Option<&str>,
    scroll: u16,
    theme: Theme,
) {
    let name = state
        .find(id)
        .map_or_else(|| id.to_string(), |i| state.fleet[i].cluster.name.clone());
    let title = Line::from(format!(" Raw JSON: {} ", truncate(&clean(&name), 60))).style(theme.label());
    let make = |columns: usize| -> Vec<Line<'static>> {
        text.unwrap_or_default()
            .lines()
            .flat_map(|line| wrap_code(&clean(line), columns))
            .map(Line::from)
            .collect()
    };
    let (inner, empty) = Popup {
        size: (90, 90),
        title,
        footer: Line::default(),
    }
    .draw(frame, area, make, scroll, theme);
    if text.is_none() {
        centred_message(frame, inner, vec![Line::from("Loading…")]);
    } else if empty {
        centred_message(frame, inner, vec![Line::from("(empty)")]);
    }
}
