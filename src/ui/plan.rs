//! The plan popup: what an apply would do to the clusters of a fix or batch popup,
//! exactly as `aksradar apply` prints it (`remediate::plan::describe`): per
//! subscription and cluster, each change as `property: from → to` with its rule, what
//! is left out and why, then the warnings. The title counts the changes and clusters;
//! the bottom line says what to type on the confirmation line below, and how to back
//! out. Scrolled by its own `scroll`; long lines wrap under their indentation.
//!
//! The lines were cleaned when the plan was described; the typing keys are fixed
//! (the confirmation line does not go through the key map), so the hints name them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, wrap};
use crate::app::apply::PlanPopup;
use crate::text::count;

pub(super) fn draw(frame: &mut Frame, area: Rect, popup: &PlanPopup, theme: Theme) {
    let title = if popup.clusters == 0 {
        " Apply: nothing to change ".to_string()
    } else {
        format!(
            " Apply: {} on {} ",
            count(popup.changes, "change"),
            count(popup.clusters, "cluster")
        )
    };
    let mut footer = vec![Span::raw(" ")];
    if popup.clusters > 0 {
        footer.push(Span::raw("type "));
        footer.push(Span::styled(popup.expected.clone(), theme.key()));
        footer.push(Span::raw(" + "));
        footer.push(Span::styled("Enter", theme.key()));
        footer.push(Span::raw(" apply"));
        footer.push(Span::styled(" · ", theme.muted()));
        footer.push(Span::styled("↑↓ PgUp PgDn", theme.key()));
        footer.push(Span::raw(" scroll"));
        footer.push(Span::styled(" · ", theme.muted()));
    }
    footer.push(Span::styled("Esc", theme.key()));
    footer.push(Span::raw(" back "));
    let make = |columns: usize| -> Vec<Vec<Line<'static>>> {
        popup
            .lines
            .iter()
            .map(|line| {
                let style = style_of(line, theme);
                wrap_indented(line, columns)
                    .into_iter()
                    .map(|piece| Line::from(Span::styled(piece, style)))
                    .collect()
            })
            .collect()
    };
    Popup {
        size: (90, 85),
        title: Line::from(Span::styled(title, theme.label())),
        footer: Line::from(footer),
        header: Vec::new(),
    }
    .draw(frame, area, make, popup.scroll, None, theme);
}

/// A line's style by what it is: headings bold, left-out fixes muted, warnings yellow.
fn style_of(line: &str, theme: Theme) -> Style {
    let body = line.trim_start();
    if line.starts_with("Subscription ") || line == "Warnings:" {
        theme.label()
    } else if body.starts_with("left out:") || body == "nothing to change" {
        theme.muted()
    } else if line.starts_with("  - ") {
        theme.warning()
    } else if line.starts_with("  ") && !line.starts_with("    ") {
        // A cluster's own line.
        theme.label()
    } else {
        Style::default()
    }
}

/// A line wrapped to `columns`, its continuation lines indented two more than it.
fn wrap_indented(line: &str, columns: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len();
    let room = columns.saturating_sub(indent + 2).max(10);
    let mut out = Vec::new();
    for (i, piece) in wrap(line.trim_start(), room).into_iter().enumerate() {
        if i == 0 {
            out.push(format!("{}{piece}", " ".repeat(indent)));
        } else {
            out.push(format!("{}{piece}", " ".repeat(indent + 2)));
        }
    }
    out
}
