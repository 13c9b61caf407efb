//! The line being typed at the bottom of the screen: the filter (applied as it is
//! typed, leaving out a term that does not parse), the `:` command line and the raw
//! JSON's search. Each edits like a shell line, with a history (Up, Down) and
//! completion (Tab); Esc puts back what was there before the line opened.

use super::action::PromptKey;
use super::apply;
use super::commandline::{self, Line};
use super::context;
use super::output::find_line;
use super::state::{Level, Overlay, PromptKind, Screen, State, View};
use super::update::{Effect, command_effects, keep_in_view, open_fix, remember, sort_by, switch_view};
use crate::filter::{Column, Filter};
use crate::text::clean;

/// Applies a key to the open line.
pub(super) fn key(state: &mut State, key: PromptKey) -> Vec<Effect> {
    let Some(prompt) = &mut state.prompt else {
        return vec![];
    };
    let kind = prompt.kind;
    match key {
        PromptKey::Edit(edit) => {
            prompt.candidates.clear();
            if prompt.line.apply(edit) {
                prompt.history_at = None;
                typed(state);
            }
            vec![]
        }
        PromptKey::Older | PromptKey::Newer => {
            let history = match kind {
                PromptKind::Filter => &state.filter_history,
                PromptKind::Command => &state.command_history,
                PromptKind::Search => return vec![],
                PromptKind::Confirm => {
                    apply::scroll_plan(state, if key == PromptKey::Older { -1 } else { 1 });
                    return vec![];
                }
            };
            let at = match (prompt.history_at, key) {
                (None, PromptKey::Older) if !history.is_empty() => Some(history.len() - 1),
                (None, _) => return vec![],
                (Some(0), PromptKey::Older) => Some(0),
                (Some(i), PromptKey::Older) => Some(i - 1),
                (Some(i), _) if i + 1 < history.len() => Some(i + 1),
                (Some(_), _) => None,
            };
            if prompt.history_at.is_none() {
                prompt.draft = prompt.line.text().to_string();
            }
            let text = at.map_or_else(|| prompt.draft.clone(), |i| history[i].clone());
            prompt.history_at = at;
            prompt.line.set(&text);
            prompt.candidates.clear();
            typed(state);
            vec![]
        }
        PromptKey::Complete => {
            complete(state);
            vec![]
        }
        PromptKey::Cancel => {
            let Some(prompt) = state.prompt.take() else {
                return vec![];
            };
            match prompt.kind {
                // What was applied before the line opened comes back.
                PromptKind::Filter => state.set_filter(Filter::parse(&prompt.before).unwrap_or_default()),
                PromptKind::Search => {
                    if let Some(Overlay::Raw { scroll, .. }) = &mut state.overlay {
                        *scroll = prompt.before.parse().unwrap_or(0);
                    }
                }
                PromptKind::Command => {}
                PromptKind::Confirm => apply::back_out(state),
            }
            keep_in_view(state);
            vec![]
        }
        PromptKey::Accept => accept(state),
    }
}

/// The text changed: a filter applies its valid terms, a search jumps to its match.
fn typed(state: &mut State) {
    let Some(prompt) = &mut state.prompt else { return };
    match prompt.kind {
        PromptKind::Filter => {
            let (filter, error) = Filter::parse_valid(prompt.line.text());
            prompt.error = error.map(|e| e.to_string());
            state.set_filter(filter);
            keep_in_view(state);
        }
        PromptKind::Search => {
            let needle = prompt.line.text().to_string();
            let from: usize = prompt.before.parse().unwrap_or(0);
            if let Some(Overlay::Raw {
                text: Some(text),
                scroll,
                ..
            }) = &mut state.overlay
            {
                let found = find_line(text, &needle, from).or_else(|| find_line(text, &needle, 0));
                prompt.error = match found {
                    Some(line) => {
                        *scroll = line.min(usize::from(u16::MAX)) as u16;
                        None
                    }
                    None if needle.is_empty() => None,
                    None => Some(format!("`{}` is not in the raw JSON", clean(&needle))),
                };
            }
        }
        PromptKind::Command | PromptKind::Confirm => prompt.error = None,
    }
}

/// Tab: the word before the cursor completed to the one candidate, or to what all
/// candidates share (and the candidates listed).
fn complete(state: &mut State) {
    let Some(kind) = state.prompt.as_ref().map(|p| p.kind) else {
        return;
    };
    let before = state
        .prompt
        .as_ref()
        .map(|p| p.line.before().to_string())
        .unwrap_or_default();
    let completion = match kind {
        PromptKind::Filter => crate::filter::complete(&before, state.vocabulary()),
        PromptKind::Command => commandline::complete(&before),
        PromptKind::Search | PromptKind::Confirm => return,
    };
    let Some(prompt) = &mut state.prompt else { return };
    let typed_word = &prompt.line.before()[completion.start..];
    match completion.candidates.as_slice() {
        [] => {
            prompt.candidates.clear();
            prompt.error = Some(format!("nothing completes `{}`", clean(typed_word)));
            return;
        }
        [one] => {
            // A finished term gets the space the next one needs.
            let done = !one.ends_with(':') && !one.ends_with(',');
            let text = if done { format!("{one} ") } else { one.clone() };
            prompt.line.replace_before_cursor(completion.start, &text);
            prompt.candidates.clear();
        }
        many => {
            let common = completion.common_prefix();
            if common.len() > typed_word.len() {
                prompt.line.replace_before_cursor(completion.start, &common);
            }
            prompt.candidates = many.to_vec();
        }
    }
    typed(state);
}

/// Enter: the filter stays (its history remembers it), the command runs, the search
/// stays for `search-next`.
fn accept(state: &mut State) -> Vec<Effect> {
    let Some(prompt) = state.prompt.take() else {
        return vec![];
    };
    let text = prompt.line.text().to_string();
    match prompt.kind {
        PromptKind::Filter => {
            remember(&mut state.filter_history, &text);
            if let Some(error) = prompt.error {
                let applied = match state.filter.source() {
                    "" => "no filter".to_string(),
                    kept => format!("`{}`", clean(kept)),
                };
                state.say(format!("Not applied: {error}; in effect: {applied}."), Level::Error);
            }
            vec![]
        }
        PromptKind::Search => {
            if let Some(Overlay::Raw { search, .. }) = &mut state.overlay {
                *search = (!text.is_empty()).then_some(text);
            }
            vec![]
        }
        PromptKind::Command => {
            remember(&mut state.command_history, &text);
            run(state, &text)
        }
        PromptKind::Confirm => apply::confirm(state, prompt),
    }
}

/// Runs a command line.
fn run(state: &mut State, text: &str) -> Vec<Effect> {
    let line = match commandline::parse(text) {
        Ok(line) => line,
        Err(error) => {
            state.say(format!(":{}: {error}", clean(text.trim())), Level::Error);
            return vec![];
        }
    };
    match line {
        Line::Command(command) => {
            if context::works(command, state) {
                command_effects(state, command)
            } else {
                let why = context::why_not(command, state);
                state.say(format!(":{}: {why}", command.name()), Level::Info);
                vec![]
            }
        }
        Line::Sort(column, descending) => {
            if state.view != View::Clusters || state.screen != Screen::Fleet {
                switch_view(state, View::Clusters);
            }
            sort_by(state, column, descending.unwrap_or(column == Column::Verdict));
            vec![]
        }
        Line::View(view) => command_effects(
            state,
            match view {
                View::Clusters => super::Command::ClustersView,
                View::Subscriptions => super::Command::SubscriptionsView,
                View::Posture => super::Command::PostureView,
                View::Upgrades => super::Command::UpgradesView,
                View::Operations => super::Command::OperationsView,
            },
        ),
        Line::Fix(format) => {
            let Some(item) = state.target() else {
                state.say(":fix: no cluster is selected", Level::Info);
                return vec![];
            };
            let ids = vec![item.cluster.id.to_ascii_lowercase()];
            let scope = crate::remediate::Scope::asked(&state.filter.rules_asked());
            open_fix(state, ids, false, format, scope);
            vec![]
        }
        Line::Filter(text) => {
            match Filter::parse(&text) {
                Ok(filter) => {
                    remember(&mut state.filter_history, &text);
                    state.set_filter(filter);
                    keep_in_view(state);
                }
                Err(error) => state.say(format!(":filter: {error}"), Level::Error),
            }
            vec![]
        }
    }
}
