//! Azure: clouds, credentials, and the ARM / Resource Graph client.
//!
//! Everything that talks to the network is here, behind `ArmClient`, which the
//! simulator serves as faithfully as Azure does.

pub mod client;
pub mod cloud;
pub mod credential;
pub mod fleet;
pub mod trust;

use serde::Deserialize;

pub use client::{ArmClient, ClientError, RetryPolicy};
pub use cloud::Cloud;
pub use credential::{AuthMode, CredentialOptions, Credentials, Environment};
pub use fleet::{ClusterDetails, FleetRequest, RegionVersions, fetch_all_details, fetch_details, fetch_fleet};
pub use trust::{Trust, TrustError};

/// Where clusters are listed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// ARM, one subscription at a time (several at once).
    #[default]
    Arm,
    /// Azure Resource Graph: one paged query per 1000 subscriptions.
    Graph,
}

/// What a fleet read reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The subscriptions in scope are known.
    Subscriptions {
        total: usize,
    },
    Started {
        subscription: String,
    },
    Page {
        subscription: String,
        clusters: usize,
    },
    Done {
        subscription: String,
        clusters: usize,
    },
    Failed {
        subscription: String,
        message: String,
    },
    /// Waiting before a retry (throttled, a server error, a timeout).
    Waiting {
        url: String,
        seconds: f64,
        why: String,
    },
}
