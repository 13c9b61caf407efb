//! What the dashboard remembers between runs, as the JSON that `cmd` keeps in a small
//! file in the state folder: the view and the sort for every fleet, and the filter,
//! the non-compliant toggle and the filter history per fleet (keyed like the cache:
//! endpoint and tenant, or the demo's seed and size), so a filter set on one fleet
//! never hides another's clusters. Taking it from the state and putting it back are
//! pure; the file is `cmd`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::state::{State, View};
use crate::filter::{Column, Filter};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Saved {
    pub view: String,
    pub sort: String,
    pub descending: bool,
    /// Per fleet key.
    pub fleets: BTreeMap<String, FleetView>,
}

/// What is remembered for one fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FleetView {
    pub filter: String,
    pub only_failing: bool,
    pub filter_history: Vec<String>,
}

/// Fleets remembered at most; past it, another fleet's entry (the first by key) goes.
const FLEETS: usize = 32;

impl Saved {
    /// What was saved, or nothing when the text is not a saved view.
    pub fn from_json(bytes: &[u8]) -> Option<Saved> {
        serde_json::from_slice(bytes).ok()
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Takes the state's choices in, keeping what other fleets remembered.
    pub fn remember(&mut self, state: &State) {
        self.view = state.view.name().to_string();
        self.sort = state.sort.0.name().to_string();
        self.descending = state.sort.1;
        self.fleets.remove(&state.fleet_key);
        if self.fleets.len() >= FLEETS
            && let Some(oldest) = self.fleets.keys().next().cloned()
        {
            self.fleets.remove(&oldest);
        }
        self.fleets.insert(
            state.fleet_key.clone(),
            FleetView {
                filter: state.filter.source().to_string(),
                only_failing: state.only_failing,
                filter_history: state.filter_history.clone(),
            },
        );
    }

    /// The state's choices as a fresh file would have them.
    pub fn of(state: &State) -> Saved {
        let mut saved = Saved::default();
        saved.remember(state);
        saved
    }

    /// Puts the saved choices back; any part that no longer parses is skipped, and the
    /// filter only when it was set on this fleet.
    pub fn apply(&self, state: &mut State) {
        // The operations view starts empty: a new run starts where the fleet is.
        if let Some(view) = View::by_name(&self.view).filter(|v| *v != View::Operations) {
            state.view = view;
        }
        if let Some(column) = Column::by_name(&self.sort) {
            state.sort = (column, self.descending);
        }
        if let Some(fleet) = self.fleets.get(&state.fleet_key) {
            if let Ok(filter) = Filter::parse(&fleet.filter) {
                state.filter = filter;
            }
            state.only_failing = fleet.only_failing;
            state.filter_history = fleet.filter_history.clone();
        }
        state.recompute();
    }
}
