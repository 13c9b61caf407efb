//! aksradar: the upgrade posture of an Azure Kubernetes Service fleet.
//!
//! # The map of the crate
//!
//! Layers, lowest first. A module imports only from layers below its own, never up
//! and never sideways; `tests/layers.rs` reads every `crate::`/`super::` path in `src/`
//! (test code too) and fails on one that does not.
//!
//! ```text
//!  `cmd`                                   the commands: flags, files, environment, clock, stdout
//!  `dashboard`                             the dashboard's loop: runs effects, draws once per batch
//!  `tui`  `cli`                            the terminal (events, restore, OSC 52); clap's flags
//!  `ui`                                    one view per screen or overlay (pure)
//!  `app`                                   State, Action, update, commands, key map (pure)
//!  `history`  `fetch`  `apply`             the read history; a live read merged with the snapshot; writes
//!  `azure`  `cache`  `sim`                 the ARM / Resource Graph client; snapshots; the simulator
//!  `disk`                                  own files and input files: no links, FIFOs or floods
//!  `remediate`  `report`  `filter`         fixes, scan formats, the filter language (pure)
//!  `import`  `rules`  `calendar`           exported files -> model; PSRule's rules; the upgrade
//!                                          calendar: support, next windows, insights (pure)
//!  `config`                                config.toml, its errors, how to reach Azure
//!  `text`                                  terminal-safe text, durations, globs
//!  `model`  `par`                          clusters, findings, details, progress, summary, changes;
//!                                          per-cluster work over the cores
//! ```
//!
//! Within a row, modules do not import each other; the order of the rows is the order
//! of the layers. `sim` sits beside `azure` and depends only on `model` and `text`: it
//! serves the same HTTP that `azure` reads, and shares nothing else with it.
//!
//! # How data flows
//!
//! Files and `scan`/`remediate`, one pass:
//!
//! ```text
//!  files ─> import ─> model::Fleet ─┐
//!                                   ├─> rules::assess ─> Vec<Assessed> ─┬─> filter ─> report (scan)
//!  cache (--offline, --max-age) ────┘        ^                          └─> filter ─> remediate
//!                                            │
//!                                     config (rules, waivers)
//! ```
//!
//! Live reads and the dashboard, a loop:
//!
//! ```text
//!  config + flags ─> fetch::Live ─> azure::ArmClient ─HTTP─> Azure or sim
//!                                      │ Progress            │ clusters, pages, errors
//!                                      v                     v
//!   keys ─> tui ─> app::Action <── dashboard ──< fetch::refresh ─> cache::Snapshot ─> cache (disk)
//!                      │                                                 │
//!                      v                                                 v
//!              app::update(State) ─> Effect ─> dashboard runs it     history (disk)
//!                      │
//!                      v
//!              ui::draw(&State) ─> terminal (or --render text)
//! ```
//!
//! `model`, `text`, `config` (its parsing), `import`, `rules`, `calendar`, `remediate`, `report`,
//! `filter`, `app` and `ui` are pure: no network, no clock (the date and time are
//! passed in), no terminal, no files. `cmd` and `dashboard` are the shell that reads
//! files, flags, the environment and the clock, and runs the effects.

#![forbid(unsafe_code)]

pub mod app;
pub mod apply;
pub mod azure;
pub mod cache;
pub mod calendar;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dashboard;
pub mod disk;
pub mod fetch;
pub mod filter;
pub mod history;
pub mod import;
pub mod model;
pub mod par;
pub mod remediate;
pub mod report;
pub mod rules;
pub mod sim;
pub mod text;
pub mod tui;
pub mod ui;
