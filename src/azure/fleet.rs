//! Reading the fleet: subscriptions, then clusters per subscription (ARM) or in
//! batches (Resource Graph), and one cluster's own JSON on demand. (Every cluster's
//! details are `details`'s.)
//!
//! A subscription that fails is reported with its id, URL, ARM code and message;
//! every other subscription's clusters still arrive. Progress goes out as events.
//! Each read (the subscription list, one subscription, one Resource Graph batch, one
//! cluster's details) has its own deadline. Ids and names from the API become URLs
//! only through `path`: a subscription id that is no GUID is reported, not read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::client::{ArmClient, ClientError};
use super::path::{self, ClusterRef, Path};
use crate::config::Source;
use crate::model::api::{ARM_API_VERSION, CLUSTER_QUERY, GRAPH_API_VERSION, SUBSCRIPTIONS_API_VERSION};
use crate::model::{Atom, Cluster, Fleet, Interner, Progress, SourceError, SubscriptionState};

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
    /// Subscriptions read at once on the ARM path.
    pub concurrency: usize,
}

/// Resource Graph takes at most this many subscriptions per request.
const GRAPH_BATCH: usize = 1000;

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

/// Every subscription visible to the identity, as listed (ids not checked yet).
pub async fn list_subscriptions(client: &ArmClient) -> Result<Vec<Subscription>, ClientError> {
    let url = client.url(&Path::new(["subscriptions"]).api_version(SUBSCRIPTIONS_API_VERSION))?;
    let mut subscriptions = Vec::new();
    client
        .get_pages(url, client.deadline(), |items| {
            for item in items {
                let field = |name: &str| item.get(name).and_then(Value::as_str).map(String::from);
                if let Some(id) = field("subscriptionId") {
                    subscriptions.push(Subscription {
                        id,
                        name: field("displayName"),
                        tenant_id: field("tenantId"),
                        state: field("state"),
                    });
                }
            }
        })
        .await?;
    Ok(subscriptions)
}

/// Reads the fleet. Never fails as a whole: what could not be read is in `errors`.
pub async fn fetch_fleet(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    events: Option<&UnboundedSender<Progress>>,
) -> Fleet {
    let mut fleet = Fleet::default();
    let listed = list_subscriptions(&client).await;
    let scope: Vec<Subscription> = match (listed, request.subscriptions.is_empty()) {
        (Ok(all), true) => all
            .into_iter()
            .filter(|s| s.state.as_deref().is_none_or(|st| st == "Enabled"))
            .collect(),
        // Configured ids keep their display names when the list has them; ids it
        // lacks are still tried, since the list may hide what a direct call allows.
        (Ok(all), false) => {
            let by_id: HashMap<String, Subscription> =
                all.into_iter().map(|s| (s.id.to_ascii_lowercase(), s)).collect();
            request
                .subscriptions
                .iter()
                .map(|id| {
                    by_id.get(&id.to_ascii_lowercase()).cloned().unwrap_or(Subscription {
                        id: id.clone(),
                        name: None,
                        tenant_id: None,
                        state: None,
                    })
                })
                .collect()
        }
        (Err(err), configured) => {
            fleet.errors.push(source_error(None, &err));
            if configured {
                return fleet;
            }
            request
                .subscriptions
                .iter()
                .map(|id| Subscription {
                    id: id.clone(),
                    name: None,
                    tenant_id: None,
                    state: None,
                })
                .collect()
        }
    };
    // An id that is not a GUID never becomes part of a URL: it is reported instead.
    let (scope, invalid): (Vec<Subscription>, Vec<Subscription>) =
        scope.into_iter().partition(|s| path::subscription(&s.id).is_ok());
    for subscription in &invalid {
        if let Err(bad) = path::subscription(&subscription.id) {
            fleet.errors.push(SourceError {
                subscription_id: None,
                url: None,
                code: Some(bad.code.to_string()),
                message: bad.message,
            });
        }
    }
    send(events, Progress::Subscriptions { total: scope.len() });
    let left_out = match request.source {
        Source::Arm => fetch_arm(client, &scope, request.concurrency.max(1), events, &mut fleet).await,
        Source::Graph => fetch_graph(&client, &scope, events, &mut fleet).await,
    };
    fleet.subscriptions = scope
        .iter()
        .map(|s| SubscriptionState {
            id: s.id.clone(),
            name: s.name.clone(),
            fetched_at: None,
            error: fleet
                .errors
                .iter()
                .find(|e| e.subscription_id.as_deref() == Some(s.id.as_str()))
                .cloned(),
        })
        .collect();
    let names: HashMap<String, Atom> = scope
        .iter()
        .filter_map(|s| Some((s.id.to_ascii_lowercase(), Atom::from(s.name.as_deref()?))))
        .collect();
    // Each page's clusters share their texts; now the whole read's do.
    let mut texts = Interner::new();
    for cluster in &mut fleet.clusters {
        if cluster.subscription_name.is_none() {
            cluster.subscription_name = names.get(&cluster.subscription_id.to_ascii_lowercase()).cloned();
        }
        cluster.share(&mut texts);
    }
    // After the subscriptions' states: a cluster left out is not its subscription's
    // failure (the rest of it was read), but the read is still incomplete.
    fleet.errors.extend(left_out);
    fleet
}

/// What one subscription's list held: its clusters, how many objects were not
/// clusters, and the clusters left out because their id does not read.
type Listed = (Vec<Cluster>, usize, Vec<SourceError>);

/// Per-subscription result of the ARM path.
type SubscriptionResult = Result<Listed, ClientError>;

/// Runs `work` on every item with at most `concurrency` at once: a fixed pool of tasks
/// takes the items in order. Results come back in the items' order; `None` where a
/// task did not finish (it panicked).
pub(super) async fn in_pool<T, R, F, Fut>(items: Arc<Vec<T>>, concurrency: usize, work: F) -> Vec<Option<R>>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
    F: Fn(Arc<Vec<T>>, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = R> + Send,
{
    let next = Arc::new(Mutex::new(0usize));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1).min(items.len()) {
        let (items, next, work) = (items.clone(), next.clone(), work.clone());
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let index = {
                    let mut next = next.lock().expect("not poisoned");
                    let index = *next;
                    *next += 1;
                    index
                };
                if index >= items.len() {
                    return done;
                }
                done.push((index, work(items.clone(), index).await));
            }
        });
    }
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    while let Some(joined) = workers.join_next().await {
        for (index, result) in joined.unwrap_or_default() {
            results[index] = Some(result);
        }
    }
    results
}

/// Reads every subscription in `scope`; returns the clusters the lists left out.
async fn fetch_arm(
    client: Arc<ArmClient>,
    scope: &[Subscription],
    concurrency: usize,
    events: Option<&UnboundedSender<Progress>>,
    fleet: &mut Fleet,
) -> Vec<SourceError> {
    let ids: Arc<Vec<String>> = Arc::new(scope.iter().map(|s| s.id.clone()).collect());
    let events = events.cloned();
    let results = in_pool(ids.clone(), concurrency, move |ids, index| {
        let (client, events) = (client.clone(), events.clone());
        async move {
            let id = &ids[index];
            send(
                events.as_ref(),
                Progress::Started {
                    subscription: id.clone(),
                },
            );
            let result = fetch_subscription(&client, id, events.as_ref()).await;
            let event = match &result {
                Ok((clusters, _, _)) => Progress::Done {
                    subscription: id.clone(),
                    clusters: clusters.len(),
                },
                Err(err) => Progress::Failed {
                    subscription: id.clone(),
                    message: err.to_string(),
                },
            };
            send(events.as_ref(), event);
            result
        }
    })
    .await;
    let mut left_out = Vec::new();
    for (id, result) in ids.iter().zip(results) {
        match result {
            Some(Ok((clusters, skipped, unusable))) => {
                fleet.clusters.extend(clusters);
                fleet.skipped += skipped;
                left_out.extend(unusable);
            }
            Some(Err(err)) => fleet.errors.push(source_error(Some(id), &err)),
            None => fleet.errors.push(SourceError {
                subscription_id: Some(id.clone()),
                url: None,
                code: Some("Cancelled".into()),
                message: "the read of this subscription did not finish".into(),
            }),
        }
    }
    left_out
}

async fn fetch_subscription(
    client: &ArmClient,
    subscription: &str,
    events: Option<&UnboundedSender<Progress>>,
) -> SubscriptionResult {
    let url = client.url(
        &Path::new([
            "subscriptions",
            path::subscription(subscription)?,
            "providers",
            "Microsoft.ContainerService",
            "managedClusters",
        ])
        .api_version(ARM_API_VERSION),
    )?;
    let mut clusters = Vec::new();
    let mut skipped = 0;
    let mut left_out = Vec::new();
    client
        .get_fleet_pages(url, client.deadline(), |page| {
            let count = page.clusters.len() + page.skipped + page.errors.len();
            clusters.extend(page.clusters);
            skipped += page.skipped;
            // The page says which subscription listed them; the message names the page.
            left_out.extend(page.errors.into_iter().map(|error| SourceError {
                subscription_id: Some(subscription.to_string()),
                ..error
            }));
            send(
                events,
                Progress::Page {
                    subscription: subscription.to_string(),
                    clusters: count,
                },
            );
        })
        .await?;
    Ok((clusters, skipped, left_out))
}

/// Reads `scope` in batches; returns the rows left out because their id does not read.
async fn fetch_graph(
    client: &ArmClient,
    scope: &[Subscription],
    events: Option<&UnboundedSender<Progress>>,
    fleet: &mut Fleet,
) -> Vec<SourceError> {
    let mut left_out = Vec::new();
    let url = match client
        .url(&Path::new(["providers", "Microsoft.ResourceGraph", "resources"]).api_version(GRAPH_API_VERSION))
    {
        Ok(url) => url,
        Err(err) => {
            fleet.errors.push(source_error(None, &err));
            return left_out;
        }
    };
    for batch in scope.chunks(GRAPH_BATCH) {
        let ids: Vec<&str> = batch.iter().map(|s| s.id.as_str()).collect();
        for id in &ids {
            send(
                events,
                Progress::Started {
                    subscription: id.to_string(),
                },
            );
        }
        let mut batch_clusters = Vec::new();
        let mut batch_left_out = Vec::new();
        let mut skipped = 0;
        let outcome = super::graph::pages(client, &url, &ids, CLUSTER_QUERY, |page| {
            let count = page.clusters.len() + page.skipped + page.errors.len();
            batch_clusters.extend(page.clusters);
            skipped += page.skipped;
            // A row's subscription is not known when its id does not read.
            batch_left_out.extend(page.errors);
            send(
                events,
                Progress::Page {
                    subscription: format!("{} subscriptions", ids.len()),
                    clusters: count,
                },
            );
            count
        })
        .await;
        match outcome {
            Ok(()) => {
                let mut per_sub: HashMap<String, usize> = HashMap::new();
                for cluster in &batch_clusters {
                    *per_sub.entry(cluster.subscription_id.to_ascii_lowercase()).or_default() += 1;
                }
                for id in &ids {
                    let clusters = per_sub.get(&id.to_ascii_lowercase()).copied().unwrap_or(0);
                    send(
                        events,
                        Progress::Done {
                            subscription: id.to_string(),
                            clusters,
                        },
                    );
                }
                fleet.clusters.extend(batch_clusters);
                fleet.skipped += skipped;
                left_out.append(&mut batch_left_out);
            }
            Err(err) => {
                for id in &ids {
                    send(
                        events,
                        Progress::Failed {
                            subscription: id.to_string(),
                            message: err.to_string(),
                        },
                    );
                    fleet.errors.push(source_error(Some(id), &err));
                }
            }
        }
    }
    left_out
}

/// A cluster's own JSON, as the dashboard's raw view shows it. The id must have
/// exactly a managed cluster's shape: anything else (another host, `..`, a query)
/// is refused before a request is made.
pub async fn fetch_raw(client: &ArmClient, cluster_id: &str) -> Result<Value, ClientError> {
    let at = ClusterRef::parse(cluster_id)?;
    let url = client.url(&Path::new(at.segments()).api_version(ARM_API_VERSION))?;
    client.get(&url, client.deadline()).await
}
