//! The help overlay, made from the key map, so it lists the keys that really work:
//! first those that do something where it was opened (the view or popup under it),
//! then the rest; then what copy does where a terminal ignores OSC 52, and the filter
//! language.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, pad, width, wrap};
use crate::app::Command;
use crate::app::context::{Context, applies};
use crate::app::keymap::Keymap;

/// The filter language in full, a line per kind of term (as `filter.rs` reads it).
const FILTER: [&str; 7] = [
    "words match anywhere (name, subscription, group, location, versions, tags) · !term negates",
    "channel:securitypatch|nodeimage|unmanaged|none|unspecified, or nodeos: (the NODE OS column; a comma means any)",
    "upgrade:rapid|stable|patch|node-image|none|unspecified · sub:NAME · rg:GROUP · loc:LOCATION",
    "k8s:1.33 (every 1.33.x) · k8s:=1.33 (exactly) · k8s:<1.33 (< <= > >=) · state:failed (provisioning)",
    "tag:key=value or tag:key · fail:RULE / pass:RULE · stale:yes|no · \"quotes keep spaces\"",
    "support:out|ending|lts|supported|unknown|forced or support:<60d · window:<24h|none|unknown · insight:KIND|any",
    "Tab completes fields, channels, states, rules, subscription names and tag keys; Up/Down: history",
];

pub(super) fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, context: Context, scroll: u16, theme: Theme) {
    let title = Line::from(format!(" Keys: {} ", context.name())).style(theme.label());
    let make = |columns: usize| lines(keymap, context, columns, theme);
    Popup {
        size: (80, 90),
        title,
        footer: Line::default(),
        header: Vec::new(),
    }
    .draw(frame, area, make, scroll, None, theme);
}

fn lines(keymap: &Keymap, context: Context, columns: usize, theme: Theme) -> Vec<Vec<Line<'static>>> {
    let help = keymap.help();
    let key_width = help.iter().map(|(keys, _)| width(keys)).max().unwrap_or(0).min(24) + 2;
    let mut out: Vec<Vec<Line<'static>>> = Vec::new();
    let (here, elsewhere): (Vec<_>, Vec<_>) = help.into_iter().partition(|(_, c)| applies(*c, context));
    for (label, group) in [
        (format!(" Here, in {}", context.name()), here),
        (" Elsewhere".to_string(), elsewhere),
    ] {
        if group.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(vec![Line::default()]);
        }
        out.push(vec![Line::from(Span::styled(label, theme.label()))]);
        for (keys, command) in group {
            let parts = wrap(command.description(), columns.saturating_sub(key_width + 1));
            let entry = parts
                .into_iter()
                .enumerate()
                .map(|(i, part)| {
                    let keys = if i == 0 {
                        pad(&format!(" {keys}"), key_width)
                    } else {
                        " ".repeat(key_width)
                    };
                    Line::from(vec![Span::styled(keys, theme.key()), Span::raw(format!(" {part}"))])
                })
                .collect();
            out.push(entry);
        }
    }
    let copy = keymap.key_of(Command::Copy).unwrap_or_else(|| "copy".into());
    let write = keymap.key_of(Command::Write).unwrap_or_else(|| "write".into());
    let notes: [(&str, Vec<String>); 2] = [
        (
            "Copy",
            vec![format!(
                "{copy} puts the fix command under the cursor, the raw JSON or a cluster's resource id on the \
                 clipboard with OSC 52, which works over SSH and in tmux; where a terminal ignores OSC 52, \
                 {write} writes the fix or the raw JSON to a file in the current folder instead."
            )],
        ),
        (
            "Filter: terms separated by spaces, all must match",
            FILTER.iter().map(|line| line.to_string()).collect(),
        ),
    ];
    for (label, paragraphs) in notes {
        out.push(vec![Line::default()]);
        out.push(vec![Line::from(Span::styled(format!(" {label}"), theme.label()))]);
        for text in paragraphs {
            out.push(
                wrap(&text, columns.saturating_sub(2))
                    .into_iter()
                    .map(|part| Line::from(format!(" {part}")))
                    .collect(),
            );
        }
    }
    out
}
