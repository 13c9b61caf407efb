//! AKS's scheduled upgrade events for the whole fleet: one paged Resource Graph query
//! (`model::api::EVENTS_QUERY`) per 1000 subscriptions, each page read by the importer
//! as it streams in.

use super::client::{ArmClient, ClientError};
use super::graph;
use crate::model::api::EVENTS_QUERY;
use crate::model::{Interner, UpgradeEvent};

/// Every scheduled upgrade event in `subscriptions`, in the order Resource Graph gives
/// them (by id). Fails as a whole: a fleet's events are read completely or not at all.
/// A cluster's events share its id, and equal details share one text; texts `texts`
/// has already (the events on screen, say) are taken from it.
pub async fn fetch_events(
    client: &ArmClient,
    subscriptions: &[String],
    mut texts: Interner,
) -> Result<Vec<UpgradeEvent>, ClientError> {
    let url = graph::url(client)?;
    // Page by page, put together once at the end: a list grown by doubling would hold
    // up to three times the fleet's events while it grows, and keep a third unused.
    let mut pages: Vec<Vec<UpgradeEvent>> = Vec::new();
    for batch in subscriptions.chunks(graph::BATCH) {
        let ids: Vec<&str> = batch.iter().map(String::as_str).collect();
        graph::pages(client, &url, &ids, EVENTS_QUERY, |page| {
            let rows = page.events.as_ref().map_or(0, Vec::len) + page.skipped;
            let mut events = page.events.unwrap_or_default();
            for event in &mut events {
                texts.share(&mut event.cluster_id);
                texts.share_opt(&mut event.details);
            }
            pages.push(events);
            rows
        })
        .await?;
    }
    let mut events = Vec::with_capacity(pages.iter().map(Vec::len).sum());
    for page in pages {
        events.extend(page);
    }
    Ok(events)
}
