//! What the dashboard remembers between runs: the view, the sort, the filter and the
//! non-compliant toggle, as the JSON that `cmd` keeps in a small file in the state
//! folder. Taking it from the state and putting it back are pure; the file is `cmd`'s.

use serde::{Deserialize, Serialize};

use super::state::{FilterInput, State, View};
use crate::filter::{Column, Filter};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Saved {
    pub view: String,
    pub sort: String,
    pub descending: bool,
    pub filter: String,
    pub only_failing: bool,
}

impl Saved {
    /// What was saved, or nothing when the text is not a saved view.
    pub fn from_json(bytes: &[u8]) -> Option<Saved> {
        serde_json::from_slice(bytes).ok()
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    pub fn of(state: &State) -> Saved {
        Saved {
            view: state.view.name().to_string(),
            sort: state.sort.0.name().to_string(),
            descending: state.sort.1,
            filter: state.filter.source().to_string(),
            only_failing: state.only_failing,
        }
    }

    /// Puts the saved choices back; any part that no longer parses is skipped.
    pub fn apply(&self, state: &mut State) {
        if let Some(view) = View::by_name(&self.view) {
            state.view = view;
        }
        if let Some(column) = Column::by_name(&self.sort) {
            state.sort = (column, self.descending);
        }
        if let Ok(filter) = Filter::parse(&self.filter) {
            state.filter_input = FilterInput {
                text: self.filter.clone(),
                applied: self.filter.clone(),
                ..Default::default()
            };
            state.filter = filter;
        }
        state.only_failing = self.only_failing;
        state.recompute();
    }
}
