//! aksradar: the upgrade posture of an Azure Kubernetes Service fleet.
//!
//! Data flows one way:
//!
//! ```text
//!  config ──┐
//!  files ───┼─> import ──> model::Fleet ──> rules::assess ──> Vec<Assessed> ──┬─> report (scan)
//!           │                                                                └─> remediate
//! ```
//!
//! `model`, `import`, `rules`, `remediate` and `report` are pure: no network, no
//! clock (today's date is passed in), no terminal. The command-line shell in
//! `cmd` reads files and flags, calls them, and writes the result.

#![forbid(unsafe_code)]

pub mod app;
pub mod azure;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dashboard;
pub mod fetch;
pub mod filter;
pub mod history;
pub mod import;
pub mod model;
pub mod remediate;
pub mod report;
pub mod rules;
pub mod sim;
pub mod text;
pub mod tui;
pub mod ui;
