//! Reading the fleet's list: subscriptions, then clusters per subscription (ARM) or in
//! batches (Resource Graph), as `read` runs it; and one cluster's own JSON on demand.
//! (Every cluster's details are `details`'s.)
//!
//! A subscription that fails is reported with its id, URL, ARM code and message;
//! every other subscription's clusters still arrive. Progress goes out as events.
//! Each read (the subscription list, one subscription, one Resource Graph batch, one
//! cluster's details) has its own deadline. Ids and names from the API become URLs
//! only through `path`: a subscription id that is no GUID is reported, not read.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::client::{ArmClient, ClientError};
use super::path::{ClusterRef, Path};
use super::read::FleetRead;
use crate::config::Source;
use crate::model::api::ARM_API_VERSION;
use crate::model::{Fleet, Progress, SourceError};

/// A subscription as `GET /subscriptions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub name: Option<String>,
    pub tenant_id: Option<String>,
    pub state: Option<String>,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct FleetRequest {
    /// Subscription ids; empty means every enabled subscription the identity can see.
    pub subscriptions: Vec<String>,
    pub source: Source,
    /// Requests made at once (lists and details, one pool for both).
    pub concurrency: usize,
}

pub(super) fn send(events: Option<&UnboundedSender<Progress>>, event: Progress) {
    if let Some(events) = events {
        let _ = events.send(event);
    }
}

pub(super) fn source_error(subscription: Option<&str>, err: &ClientError) -> SourceError {
    SourceError {
        subscription_id: subscription.map(String::from),
        url: err.url().map(String::from),
        code: Some(err.code().to_string()),
        message: err.message(),
    }
}

/// Reads the fleet's list (no details). Never fails as a whole: what could not be
/// read is in `errors`. See `read` for how the requests are made.
pub async fn fetch_fleet(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    events: Option<&UnboundedSender<Progress>>,
) -> Fleet {
    FleetRead::new(client, request, false, events.cloned()).list().await
}

/// A cluster's own JSON, as the dashboard's raw view shows it. The id must have
/// exactly a managed cluster's shape: anything else (another host, `..`, a query)
/// is refused before a request is made.
pub async fn fetch_raw(client: &ArmClient, cluster_id: &str) -> Result<Value, ClientError> {
    let at = ClusterRef::parse(cluster_id)?;
    let url = client.url(&Path::new(at.segments()).api_version(ARM_API_VERSION))?;
    client.get(&url, client.deadline()).await
}
