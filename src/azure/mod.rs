//! Azure: credentials, the ARM / Resource Graph client, and the reads of the fleet
//! and of its scheduled upgrade events.
//!
//! Everything that talks to the network is here, behind `ArmClient`, which the
//! simulator serves as faithfully as Azure does. The settings it works from (the
//! cloud, the way to sign in, the source) are plain data in `config`.

pub mod client;
pub mod credential;
pub mod events;
pub mod fleet;
mod graph;
pub mod trust;

pub use client::{ArmClient, ClientError, RetryPolicy};
pub use credential::{CredentialOptions, Credentials, Environment};
pub use events::fetch_events;
pub use fleet::{FleetRequest, RegionVersions, fetch_all_details, fetch_details, fetch_fleet};
pub use trust::{Trust, TrustError};
