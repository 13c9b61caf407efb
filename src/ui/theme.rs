//! Styles, in one place, so colour carries the same meaning on every screen.
//!
//! With colour off every style here drops its colours and keeps only modifiers
//! (bold, dim, reversed): the screens must then still read through text and markers.

use ratatui::style::{Color, Modifier, Style};

use crate::model::Outcome;

/// How to draw: with colours, or with modifiers only (`NO_COLOR`, `--no-color`).
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// The colour of an outcome: red fails, green passes, yellow unknown, cyan waived.
    pub fn outcome(self, outcome: Outcome) -> Style {
        self.fg(match outcome {
            Outcome::Fail => Color::Red,
            Outcome::Pass => Color::Green,
            Outcome::Unknown => Color::Yellow,
            Outcome::Waived => Color::Cyan,
        })
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red)
    }

    pub fn warning(self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn good(self) -> Style {
        self.fg(Color::Green)
    }

    /// Labels and section titles.
    pub fn label(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// Secondary text: hints, separators, keys' descriptions.
    pub fn muted(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// Key names in hints.
    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Rows read in an earlier refresh because the latest one failed.
    pub fn stale(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    /// The selected table row. Reversed without colour, so it shows on any terminal.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new().bg(Color::DarkGray).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The chosen item in a row of choices (the fix popup's format).
    pub fn chosen(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// A cluster a `[highlight]` rule matches (production, say): bold magenta, bold
    /// alone without colour; a `◆` beside it carries the meaning either way.
    pub fn highlighted(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// Marked clusters (the `●` marker, the header's count).
    pub fn marked(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The current view's tab: brackets carry it without colour.
    pub fn tab(self) -> Style {
        self.chosen().patch(self.fg(Color::Cyan))
    }

    pub fn table_header(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn border(self) -> Style {
        self.fg(Color::Cyan)
    }
}
