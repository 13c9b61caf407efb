//! The dashboard's core, in the Elm style: one `State`, one `Action` enum, an
//! `update` that is the only thing changing the state and returns the side effects
//! it wants, and a key map. No I/O here: `run` (the loop) does that.

pub mod action;
pub mod command;
pub mod keymap;
pub mod saved;
pub mod state;
pub mod update;

pub use action::Action;
pub use command::Command;
pub use keymap::{Key, Keymap};
pub use state::State;
pub use update::{Effect, update};

#[cfg(test)]
mod tests;
