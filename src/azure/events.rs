//! AKS's scheduled upgrade events for the whole fleet: one paged Resource Graph query
//! (`model::api::EVENTS_QUERY`) per 1000 subscriptions, each page read by the importer
//! as it streams in.

use super::client::{ArmClient, ClientError};
use super::graph;
use crate::model::UpgradeEvent;
use crate::model::api::EVENTS_QUERY;

/// Every scheduled upgrade event in `subscriptions`, in the order Resource Graph gives
/// them (by id). Fails as a whole: a fleet's events are read completely or not at all.
pub async fn fetch_events(client: &ArmClient, subscriptions: &[String]) -> Result<Vec<UpgradeEvent>, ClientError> {
    let url = graph::url(client)?;
    let mut events = Vec::new();
    for batch in subscriptions.chunks(graph::BATCH) {
        let ids: Vec<&str> = batch.iter().map(String::as_str).collect();
        graph::pages(client, &url, &ids, EVENTS_QUERY, |page| {
            let rows = page.events.as_ref().map_or(0, Vec::len) + page.skipped;
            events.extend(page.events.unwrap_or_default());
            rows
        })
        .await?;
    }
    Ok(events)
}
