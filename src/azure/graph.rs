//! Resource Graph queries, paged: the same query and scope sent again with each
//! page's `$skipToken` until a page has none. A token that repeats is an error, not
//! a loop; one query's pages and rows are bounded by the client's limits, and all of
//! its pages by one read deadline.

use reqwest::Url;
use serde_json::{Value, json};

use super::client::{ArmClient, ClientError, ListTally};
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
        let body = body(subscriptions, query, skip_token.as_deref());
        let (page, links) = client.page(url, Some(&body), deadline).await?;
        let rows = on_page(page);
        tally.page(url, rows)?;
        match next_token(url, &tally, skip_token.as_deref(), links.skip_token)? {
            Some(token) => skip_token = Some(token),
            None => return Ok(()),
        }
    }
}

/// The request body of one page: the query over the subscriptions, from `skip_token`.
pub fn body(subscriptions: &[&str], query: &str, skip_token: Option<&str>) -> Value {
    let mut options = json!({"$top": PAGE, "resultFormat": "objectArray"});
    if let Some(token) = skip_token {
        options["$skipToken"] = json!(token);
    }
    json!({"subscriptions": subscriptions, "query": query, "options": options})
}

/// The token of the next page after the one read with `asked`, when there is one: an
/// error when it repeats `asked` (a loop) or when one more page is one too many.
pub fn next_token(
    url: &Url,
    tally: &ListTally,
    asked: Option<&str>,
    given: Option<String>,
) -> Result<Option<String>, ClientError> {
    match given {
        Some(token) if !token.is_empty() && asked != Some(token.as_str()) => {
            tally.more(url)?;
            Ok(Some(token))
        }
        Some(token) if !token.is_empty() => Err(ClientError::LoopingNextLink {
            url: url.to_string(),
            next: format!("$skipToken {}", path::quoted(&token)),
        }),
        _ => Ok(None),
    }
}
