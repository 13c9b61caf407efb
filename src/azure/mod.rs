//! Azure: credentials, the ARM / Resource Graph client, and the reads of the fleet
//! and of its scheduled upgrade events.
//!
//! Everything that talks to the network is here, behind `ArmClient`, which the
//! simulator serves as faithfully as Azure does. The settings it works from (the
//! cloud, the way to sign in, the source, the limits) are plain data in `config`.
//! Every URL is built by `path` from checked segments, and every request is sent by
//! one function, `ArmClient::send`, which keeps the token on the endpoint's origin;
//! writes (`write`: PUT, DELETE, following their operations) go through it too.

mod body;
pub mod client;
pub mod clock;
pub mod credential;
pub mod details;
pub mod events;
pub mod fleet;
mod graph;
pub mod identity;
pub mod path;
pub mod read;
pub mod trust;
pub mod write;

pub use client::{ArmClient, ClientError, Limits, RetryPolicy};
pub use clock::Clock;
pub use credential::{CredentialOptions, Credentials, Environment};
pub use details::{Details, read_details};
pub use events::fetch_events;
pub use fleet::{FleetRequest, fetch_fleet, fetch_raw};
pub use identity::Identity;
pub use read::FleetRead;
pub use trust::{Trust, TrustError};
pub use write::{Accepted, Ended};
