//! Applying fixes to the fleet over ARM: the one part of aksradar that writes to Azure.
//!
//! A plan (`remediate::plan`) is made from a read of the fleet (the list and every
//! cluster's details, as `fetch` reads them, or the dashboard's snapshot of them),
//! shown to a person and confirmed; then `engine` applies it: read the cluster again
//! (`read`: its object and its details), write only the plan's properties with
//! `If-Match`, follow the operation, read it back and verify. `body` builds the bodies
//! and checks what a read shows; `audit` keeps a line for every write and result.
//!
//! Invariants: nothing is written to a cluster that no longer matches the confirmed
//! plan, and a write to a cluster or pool never goes without the entity tag of the
//! read it was built from, so a concurrent change is never overwritten (412: the
//! cluster stops, with the plan as it would be now). Maintenance configurations have
//! no entity tag: a new one is only ever created where a read just found none.
//! Progress leaves as `remediate::outcome::Event` values and only `Control` comes in:
//! a caller shares nothing else with a running apply. Every request goes through
//! `azure::ArmClient`, with its limits and deadlines.

mod audit;
mod body;
mod engine;
mod read;

pub use audit::{Audit, Entry};
pub use body::{cluster_body, observed, pool_body, window_body};
pub use engine::{Control, Options, apply};
pub use read::{Fresh, Planner, ReadError, read_cluster};
