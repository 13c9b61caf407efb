//! Azure: clouds, credentials, and the ARM / Resource Graph client.
//!
//! Everything that talks to the network is here, behind `ArmClient`, which the
//! simulator serves as faithfully as Azure does.

pub mod client;
pub mod credential;
pub mod fleet;
pub mod query;

pub use client::{ArmClient, ClientError, RetryPolicy};
pub use credential::{Credentials, Environment};
pub use fleet::{FleetRequest, RegionVersions, fetch_all_details, fetch_details, fetch_fleet};
