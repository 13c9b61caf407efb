//! Resource Graph queries, paged: the same query and scope sent again with each
//! page's `$skipToken` until a page has none. A token that repeats is an error, not
//! a loop; one query's pages and rows are bounded by the client's limits, and all of
//! its pages by one read deadline.

use reqwest::Url;
use serde_json::json;

use super::client::{ArmClient, ClientError};
use super::path::{self, Path};
use crate::model::Fleet;
use crate::model::api::GRAPH_API_VERSION;

/// Rows per page: Resource Graph's most.
const PAGE: u32 = 1000;

/// Resource Graph takes at most this many subscriptions per request.
pub const BATCH: usize = 1000;

/// The Resource Graph endpoint on the client's cloud.
pub fn url(client: &ArmClient) -> Result<Url, ClientError> {
    client.url(&Path::new(["providers", "Microsoft.ResourceGraph", "resources"]).api_version(GRAPH_API_VERSION))
}

/// Sends `query` over `subscriptions` to `url` (the Resource Graph endpoint), page after
/// page, handing each page (read by the importer: clusters, events) to `on_page`, which
/// says how many rows it held (for the limit on a list's items).
pub async fn pages(
    client: &ArmClient,
    url: &Url,
    subscriptions: &[&str],
    query: &str,
    mut on_page: impl FnMut(Fleet) -> usize,
) -> Result<(), ClientError> {
    let deadline = client.deadline();
    let mut tally = client.tally();
    let mut skip_token: Option<String> = None;
    loop {
        let mut options = json!({"$top": PAGE, "resultFormat": "objectArray"});
        if let Some(token) = &skip_token {
            options["$skipToken"] = json!(token);
        }
        let body = json!({"subscriptions": subscriptions, "query": query, "options": options});
        let (page, links) = client.page(url, Some(&body), deadline).await?;
        let rows = on_page(page);
        tally.page(url, rows)?;
        match links.skip_token.as_deref() {
            Some(token) if !token.is_empty() && skip_token.as_deref() != Some(token) => {
                tally.more(url)?;
                skip_token = Some(token.to_string());
            }
            Some(token) if !token.is_empty() => {
                return Err(ClientError::LoopingNextLink {
                    url: url.to_string(),
                    next: format!("$skipToken {}", path::quoted(token)),
                });
            }
            _ => return Ok(()),
        }
    }
}
