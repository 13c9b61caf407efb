//! The simulated fleet: subscriptions, managed clusters, maintenance configurations,
//! agent pool upgrade profiles and per-region Kubernetes versions, as ARM JSON.
//!
//! Invariants:
//! - Everything is a pure function of `SimOptions` (seed and sizes): no clock, no
//!   I/O. Each subscription draws from its own random stream, so adding
//!   subscriptions does not change the existing ones, and `generate` can build
//!   them on several threads without changing a byte.
//! - The values follow the real API's conventions (`resourcegroups` in ids,
//!   `Microsoft.ContainerService/ManagedClusters` as type, `nodeOSUpgradeChannel`
//!   with a capital OS, node image names in AKS's formats), see
//!   `azure-api-reference.md` §1-§5 and §10.
//! - The first clusters of the fleet walk through every upgrade-channel state, so
//!   even a small fleet shows all of them; the rest is drawn with realistic weights.
//!
//! Memory: the demo runs the simulator beside the dashboard, so a 10,000-cluster
//! fleet keeps almost nothing per cluster: its id (which holds its resource group
//! and name), the number at the end of its name, and the state of its
//! subscription's random stream where its own draws began. Everything else (the
//! cluster object, its maintenance configurations and pool upgrade profiles) is
//! rebuilt on request by replaying those draws, which gives the same values, and
//! so the same bytes, `generate` drew. Lists and Resource Graph pages rebuild only
//! the clusters of the page they serve (at most 1000).
//!
//! A replay is cheap (a few µs) because a cluster is drawn into plain structs
//! (`object::ClusterObject`) that serialise straight into the body, their fields in
//! the order a `Value` object writes its keys, rather than into a `Value` tree; only
//! the rarely asked details are still built as `Value`s.
//!
//! The parts, each depending only on those below it:
//!
//! ```text
//!  store        SimFleet, SimSubscription: what is kept, generate, replay
//!   └─ draw     a subscription's profile, a cluster, step by step
//!       ├─ pool         its agent pools and their upgrade profiles
//!       ├─ maintenance  its maintenance configurations (its last draws)
//!       ├─ object       the wire structs a drawn cluster is made of
//!       └─ catalogue    regions, versions, images, channel weights (static data)
//! ```

mod catalogue;
mod draw;
mod maintenance;
mod object;
mod pool;
mod store;
#[cfg(test)]
mod tests;

pub use catalogue::Offer;
pub use draw::ClusterDetails;
pub use store::{SimFleet, SimSubscription};
