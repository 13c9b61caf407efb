//! Reading the fleet live, merged with the last snapshot: what `scan` does once and
//! the dashboard does in the background; and AKS's scheduled upgrade events for it.
//!
//! Settings come from config and flags (`Live`, built from `Config` and `Overrides`);
//! the network goes through
//! `azure::ArmClient`; the result is a `cache::Snapshot` in which subscriptions that
//! failed keep their last good clusters, marked stale.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use crate::azure::{
    self, ArmClient, ClientError, CredentialOptions, Credentials, Environment, FleetRequest, RegionVersions,
    RetryPolicy, Trust, TrustError,
};
use crate::cache::{self, Snapshot};
use crate::config::{AuthMode, Cloud, Config, Source};
use crate::model::{Fleet, Progress, SourceError};

/// Settings given for one run that take precedence over config (the command line's
/// flags, as plain values); `None` leaves config's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub endpoint: Option<String>,
    pub cloud: Option<Cloud>,
    pub auth: Option<AuthMode>,
    pub source: Option<Source>,
    pub concurrency: Option<usize>,
}

/// How to reach Azure: config, overridden by flags.
#[derive(Debug, Clone)]
pub struct Live {
    pub endpoint: String,
    pub cloud: Cloud,
    pub auth: AuthMode,
    pub tenant: Option<String>,
    /// Another token service than the cloud's (config `authority_host`).
    pub authority_host: Option<String>,
    /// Extra CA certificates to trust (config `ca_file`; `SSL_CERT_FILE` comes from the environment).
    pub ca_file: Option<PathBuf>,
    pub request: FleetRequest,
    pub retry: RetryPolicy,
}

impl Live {
    pub fn new(config: &Config, flags: &Overrides) -> Live {
        let cloud = flags.cloud.unwrap_or(config.cloud);
        let endpoint = flags
            .endpoint
            .clone()
            .or_else(|| config.endpoint.clone())
            .unwrap_or_else(|| cloud.arm_endpoint().to_string());
        let request = FleetRequest {
            subscriptions: config.subscriptions.clone(),
            source: flags.source.unwrap_or(config.source),
            concurrency: flags.concurrency.unwrap_or(config.concurrency),
        };
        let retry = RetryPolicy {
            timeout: Duration::from_secs(config.request_timeout_seconds),
            ..Default::default()
        };
        Live {
            endpoint,
            cloud,
            auth: flags.auth.unwrap_or(config.auth),
            tenant: config.tenant.clone(),
            authority_host: config.authority_host.clone(),
            ca_file: config.ca_file.clone(),
            request,
            retry,
        }
    }

    /// What the snapshot of this fleet is filed under: one per endpoint and tenant.
    pub fn cache_key(&self) -> String {
        format!(
            "{}|{}",
            self.endpoint.trim_end_matches('/'),
            self.tenant.as_deref().unwrap_or("")
        )
    }

    /// The roots to trust: config `ca_file` and `SSL_CERT_FILE` from `env`.
    pub fn trust(&self, env: &Environment) -> Result<Trust, TrustError> {
        Trust::load(self.ca_file.as_deref(), env)
    }

    /// The credentials of `auth`, from `env`, reaching their token service with `trust`.
    pub fn credentials(&self, env: &Environment, trust: &Trust) -> anyhow::Result<Credentials> {
        let options = CredentialOptions {
            authority_host: self.authority_host.clone(),
            trust: trust.clone(),
        };
        Ok(Credentials::with_options(
            self.auth,
            env,
            self.cloud,
            self.tenant.clone(),
            &options,
        )?)
    }

    /// An ARM client for the endpoint with `credentials`, trusting `trust`.
    pub fn arm_client(&self, credentials: Arc<Credentials>, trust: &Trust) -> Result<ArmClient, ClientError> {
        ArmClient::with_trust(&self.endpoint, self.cloud.scope(), credentials, self.retry, trust)
    }

    /// The client, with credentials and trust from `env`.
    pub fn client(&self, env: &Environment) -> anyhow::Result<ArmClient> {
        let trust = self.trust(env)?;
        let credentials = self.credentials(env, &trust)?;
        Ok(self.arm_client(Arc::new(credentials), &trust)?)
    }
}

/// Reads the fleet and, with `details`, every cluster's details.
pub async fn read(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    details: bool,
    events: Option<&UnboundedSender<Progress>>,
) -> Fleet {
    let mut fleet = azure::fetch_fleet(client.clone(), request, events).await;
    if details {
        let regions = Arc::new(RegionVersions::default());
        let errors = azure::fetch_all_details(client, regions.clone(), &mut fleet.clusters, request.concurrency).await;
        fleet.errors.extend(errors);
        fleet.regions = regions.offers().await;
    }
    fleet
}

/// Reads AKS's scheduled upgrade events for the subscriptions the snapshot read, into
/// it. When they cannot be read, the snapshot keeps the events it had (if any) and
/// says why in its errors: what was read is never lost for what was not.
pub async fn read_events(client: &ArmClient, snapshot: &mut Snapshot) {
    let subscriptions: Vec<String> = snapshot
        .subscriptions
        .iter()
        .filter(|s| s.error.is_none())
        .map(|s| s.id.clone())
        .collect();
    if subscriptions.is_empty() {
        return;
    }
    match azure::fetch_events(client, &subscriptions).await {
        Ok(events) => snapshot.events = Some(events),
        Err(err) => snapshot.errors.push(SourceError {
            subscription_id: None,
            url: err.url().map(String::from),
            code: Some(err.code().to_string()),
            message: format!("AKS's scheduled upgrade events could not be read: {}", err.message()),
        }),
    }
}

/// Whether merging this read needs the previous snapshot: only when something failed,
/// since a read that succeeded everywhere replaces it whole. Saves loading (and
/// holding) a second copy of a large fleet on every refresh.
pub fn needs_previous(fleet: &Fleet) -> bool {
    fleet.subscriptions.iter().any(|s| s.error.is_some()) || fleet.errors.iter().any(|e| e.subscription_id.is_none())
}

/// Reads the fleet and merges it with the previous snapshot, which `previous` loads
/// only when the merge needs it. `clock` stamps the clusters read.
pub async fn refresh(
    client: Arc<ArmClient>,
    request: &FleetRequest,
    details: bool,
    events: Option<&UnboundedSender<Progress>>,
    previous: impl AsyncFnOnce() -> Option<Snapshot>,
    key: &str,
    clock: fn() -> OffsetDateTime,
) -> Snapshot {
    let fleet = read(client, request, details, events).await;
    let previous = if needs_previous(&fleet) { previous().await } else { None };
    cache::merge(previous, fleet, key, clock())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SubscriptionState;

    fn state(id: &str, failed: bool) -> SubscriptionState {
        let error = failed.then(|| SourceError {
            subscription_id: Some(id.into()),
            url: None,
            code: None,
            message: "x".into(),
        });
        SubscriptionState {
            id: id.into(),
            name: None,
            fetched_at: None,
            error,
        }
    }

    #[test]
    fn the_previous_snapshot_is_needed_only_when_something_failed() {
        let ok = Fleet {
            subscriptions: vec![state("a", false), state("b", false)],
            ..Default::default()
        };
        assert!(!needs_previous(&ok));
        let one_failed = Fleet {
            subscriptions: vec![state("a", false), state("b", true)],
            ..Default::default()
        };
        assert!(needs_previous(&one_failed));
        let listing_failed = Fleet {
            errors: vec![SourceError {
                subscription_id: None,
                url: None,
                code: None,
                message: "no network".into(),
            }],
            ..Default::default()
        };
        assert!(needs_previous(&listing_failed));
    }
}
