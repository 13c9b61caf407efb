//! The dashboard's core, in the Elm style: one `State`, one `Action` enum, an
//! `update` that is the only thing changing the state and returns the side effects
//! it wants, the commands and the key map. No I/O here: `dashboard` (the loop) runs the
//! effects, and `cmd` keeps the remembered view on disk.

pub mod action;
pub mod aggregates;
pub mod apply;
pub mod command;
pub mod commandline;
pub mod context;
pub mod keymap;
pub mod line;
mod output;
mod prompt;
pub mod rows;
pub mod saved;
pub mod state;
pub mod update;

pub use action::Action;
pub use command::Command;
pub use keymap::{Key, Keymap};
pub use state::State;
pub use update::{Effect, update};

#[cfg(test)]
mod calendar_tests;
#[cfg(test)]
mod tests;
