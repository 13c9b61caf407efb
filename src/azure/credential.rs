//! Credentials: which identity aksradar acts as, and tokens cached in memory.
//!
//! `azure_identity` gives the credentials but neither a default chain nor a cache, so
//! both are here. Tokens live only in this process's memory, keyed by tenant and
//! scope, and are reused until five minutes before they expire. No token is ever
//! written to a file or a log, and `Debug` never shows one.
//!
//! Getting a token is time-boxed (a hung `az` or an unreachable identity endpoint ends
//! in an error, not a stall), and one sign-in runs at a time: callers that wait for it
//! share its result, and a failure is remembered for a short while, so a hung `az`
//! costs one timeout, not one per request.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use super::trust::Trust;
use crate::config::{AuthMode, Cloud};

/// The environment variables credentials read, captured once at the edge so the
/// choice can be tested without touching the process environment.
#[derive(Clone, Default)]
pub struct Environment {
    vars: HashMap<String, String>,
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("Environment").field("set", &names).finish()
    }
}

const NAMES: [&str; 9] = [
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
    "AKSRADAR_TOKEN",
    "AZURE_SUBSCRIPTION_ID",
    "SSL_CERT_FILE",
];

impl Environment {
    pub fn from_process() -> Environment {
        let vars = NAMES
            .iter()
            .filter_map(|name| {
                std::env::var(name)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(|v| (name.to_string(), v))
            })
            .collect();
        Environment { vars }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Environment {
        Environment {
            vars: pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    fn has(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// The mode `auto` resolves to here.
    pub fn auto_mode(&self) -> AuthMode {
        if self.has("AZURE_TENANT_ID") && self.has("AZURE_CLIENT_ID") && self.has("AZURE_CLIENT_SECRET") {
            AuthMode::Env
        } else if self.has("AZURE_FEDERATED_TOKEN_FILE") && self.has("AZURE_CLIENT_ID") {
            AuthMode::WorkloadIdentity
        } else if self.has("IDENTITY_ENDPOINT") || self.has("MSI_ENDPOINT") {
            AuthMode::ManagedIdentity
        } else {
            AuthMode::Cli
        }
    }
}

/// What `auth = "auto"` looks for, in order, and how a message names it.
const AUTO_ORDER: &[(AuthMode, &str)] = &[
    (
        AuthMode::Env,
        "service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)",
    ),
    (
        AuthMode::WorkloadIdentity,
        "workload identity (AZURE_FEDERATED_TOKEN_FILE with AZURE_CLIENT_ID)",
    ),
    (
        AuthMode::ManagedIdentity,
        "managed identity (IDENTITY_ENDPOINT or MSI_ENDPOINT)",
    ),
];

/// Lines joined as sentences: "a\nb" reads "a. b", "a.\nb" reads "a. b".
fn one_line(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            if !out.ends_with(['.', ':', ';', '!', '?']) {
                out.push('.');
            }
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Setup(String),
    #[error("could not get a token ({mode}): {message}")]
    Token { mode: &'static str, message: String },
}

enum Source {
    Fixed(Secret),
    Azure(Arc<dyn TokenCredential>),
}

/// What the cache holds for one tenant and scope.
enum Slot {
    Token {
        token: Secret,
        expires_on: OffsetDateTime,
    },
    /// The last attempt failed: callers in the next `FAILURE_MEMORY` get this at once.
    Failed {
        error: AuthError,
        at: OffsetDateTime,
    },
}

/// A credential with an in-memory token cache. Cheap to share behind an `Arc`.
pub struct Credentials {
    mode: AuthMode,
    source: Source,
    tenant: Option<String>,
    cache: Mutex<HashMap<String, Slot>>,
    clock: fn() -> OffsetDateTime,
    /// How long one request for a token may take.
    timeout: std::time::Duration,
    /// `auth = "auto"` chose `mode`: a failure then says what else was looked for.
    by_auto: bool,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("mode", &self.mode)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// How the credentials that talk to a token service reach it.
#[derive(Debug, Clone, Default)]
pub struct CredentialOptions {
    /// Another token service than the cloud's (`authority_host` in config), e.g.
    /// the simulator's `https://127.0.0.1:PORT`.
    pub authority_host: Option<String>,
    /// The roots its certificate may chain to besides the system's.
    pub trust: Trust,
}

/// Tokens are refreshed this long before they expire.
const EARLY: Duration = Duration::minutes(5);

/// A failed sign-in is not tried again for this long: every request of a read would
/// otherwise wait out the same hung `az` in turn.
const FAILURE_MEMORY: Duration = Duration::seconds(30);

/// How long a token request may take unless `with_timeout` says otherwise.
const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The `azure_core` name of a cloud, for the credentials that talk to Entra ID.
fn configuration(cloud: Cloud) -> azure_core::cloud::CloudConfiguration {
    match cloud {
        Cloud::Public => azure_core::cloud::CloudConfiguration::AzurePublic,
        Cloud::UsGovernment => azure_core::cloud::CloudConfiguration::AzureGovernment,
        Cloud::China => azure_core::cloud::CloudConfiguration::AzureChina,
    }
}

impl Credentials {
    /// Builds the credential for `mode`. Nothing is contacted yet: the first token is
    /// requested by the first call that needs one.
    pub fn new(
        mode: AuthMode,
        env: &Environment,
        cloud: Cloud,
        tenant: Option<String>,
    ) -> Result<Credentials, AuthError> {
        Credentials::with_options(mode, env, cloud, tenant, &CredentialOptions::default())
    }

    /// `new`, with another token service than the cloud's and extra trusted roots
    /// (for the service principal and workload identity credentials, which talk to
    /// the token service themselves).
    pub fn with_options(
        mode: AuthMode,
        env: &Environment,
        cloud: Cloud,
        tenant: Option<String>,
        options: &CredentialOptions,
    ) -> Result<Credentials, AuthError> {
        let by_auto = mode == AuthMode::Auto;
        let mode = if by_auto { env.auto_mode() } else { mode };
        let tenant = tenant.or_else(|| env.get("AZURE_TENANT_ID").map(String::from));
        let setup = |what: &str, err: azure_core::Error| AuthError::Setup(format!("{what}: {err}"));
        let cloud_configuration = match &options.authority_host {
            Some(host) => {
                let mut custom = azure_core::cloud::CustomConfiguration::default();
                custom.authority_host = host.clone();
                azure_core::cloud::CloudConfiguration::Custom(custom)
            }
            None => configuration(cloud),
        };
        let transport = if options.trust.sources().is_empty() {
            None
        } else {
            Some(
                options
                    .trust
                    .transport()
                    .map_err(|e| AuthError::Setup(format!("the token service's HTTP client: {e}")))?,
            )
        };
        let client_options = || azure_core::http::ClientOptions {
            cloud: Some(Arc::new(cloud_configuration.clone())),
            transport: transport.clone(),
            ..Default::default()
        };
        let source = match mode {
            AuthMode::Token => {
                let token = env.get("AKSRADAR_TOKEN").ok_or_else(|| {
                    AuthError::Setup(
                        "auth is \"token\" but AKSRADAR_TOKEN is not set; export the bearer token in it".into(),
                    )
                })?;
                Source::Fixed(Secret::new(token.to_string()))
            }
            AuthMode::Cli => {
                let options = AzureCliCredentialOptions {
                    tenant_id: tenant.clone(),
                    ..Default::default()
                };
                Source::Azure(AzureCliCredential::new(Some(options)).map_err(|e| setup("Azure CLI credential", e))?)
            }
            AuthMode::Env => {
                let need = |name: &str| {
                    env.get(name).map(String::from).ok_or_else(|| {
                        AuthError::Setup(format!(
                            "auth is \"env\" but {name} is not set; set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
                        ))
                    })
                };
                let tenant_id = match &tenant {
                    Some(t) => t.clone(),
                    None => need("AZURE_TENANT_ID")?,
                };
                let options = ClientSecretCredentialOptions {
                    client_options: client_options(),
                };
                let credential = ClientSecretCredential::new(
                    &tenant_id,
                    need("AZURE_CLIENT_ID")?,
                    Secret::new(need("AZURE_CLIENT_SECRET")?),
                    Some(options),
                )
                .map_err(|e| setup("service principal credential", e))?;
                Source::Azure(credential)
            }
            AuthMode::WorkloadIdentity => {
                let options = WorkloadIdentityCredentialOptions {
                    credential_options: ClientAssertionCredentialOptions {
                        client_options: client_options(),
                    },
                    client_id: env.get("AZURE_CLIENT_ID").map(String::from),
                    tenant_id: tenant.clone(),
                    token_file_path: env.get("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
                };
                Source::Azure(
                    WorkloadIdentityCredential::new(Some(options)).map_err(|e| setup("workload identity", e))?,
                )
            }
            AuthMode::ManagedIdentity => {
                let options = ManagedIdentityCredentialOptions {
                    user_assigned_id: env
                        .get("AZURE_CLIENT_ID")
                        .map(|id| UserAssignedId::ClientId(id.to_string())),
                    client_options: client_options(),
                };
                Source::Azure(ManagedIdentityCredential::new(Some(options)).map_err(|e| setup("managed identity", e))?)
            }
            AuthMode::Auto => unreachable!("auto was resolved above"),
        };
        Ok(Credentials {
            mode,
            source,
            tenant,
            cache: Mutex::new(HashMap::new()),
            clock: OffsetDateTime::now_utc,
            timeout: DEFAULT_TIMEOUT,
            by_auto,
        })
    }

    /// Gives up on a token request after `timeout` (`limits.credential_timeout_seconds`).
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Credentials {
        self.timeout = timeout;
        self
    }

    /// A fixed bearer token, for the simulator and tests.
    pub fn fixed(token: &str) -> Credentials {
        Credentials {
            mode: AuthMode::Token,
            source: Source::Fixed(Secret::new(token.to_string())),
            tenant: None,
            cache: Mutex::new(HashMap::new()),
            clock: OffsetDateTime::now_utc,
            timeout: DEFAULT_TIMEOUT,
            by_auto: false,
        }
    }

    /// Any `azure_core` token credential, cached like the built-in ones.
    pub fn from_credential(credential: Arc<dyn TokenCredential>) -> Credentials {
        Credentials::with_credential(credential, OffsetDateTime::now_utc)
    }

    fn with_credential(credential: Arc<dyn TokenCredential>, clock: fn() -> OffsetDateTime) -> Credentials {
        Credentials {
            mode: AuthMode::Cli,
            source: Source::Azure(credential),
            tenant: None,
            cache: Mutex::new(HashMap::new()),
            clock,
            timeout: DEFAULT_TIMEOUT,
            by_auto: false,
        }
    }

    /// The mode in use, after `auto` was resolved.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// A credential's error as one line, with what to do: for `auto`, what it looked for
    /// before it chose this credential, and what to set instead.
    fn explain(&self, error: &str) -> String {
        // azure_identity's messages run over several lines ("...not found on PATH\nTo
        // troubleshoot..."); a terminal line shows them as sentences.
        let error = one_line(error);
        if !self.by_auto {
            return error;
        }
        let mut looked = Vec::new();
        for (mode, what) in AUTO_ORDER {
            if *mode == self.mode {
                break;
            }
            looked.push(*what);
        }
        let before = if looked.is_empty() {
            String::new()
        } else {
            format!("found no {}, so it ", looked.join(", no "))
        };
        let todo = match self.mode {
            AuthMode::Cli => {
                "sign in with `az login`, or set the variables of another credential, or pick one with --auth"
            }
            _ => "check those variables, or pick another credential with --auth",
        };
        format!("{error}. auth \"auto\" {before}used the {}; {todo}", self.mode_name())
    }

    fn mode_name(&self) -> &'static str {
        match self.mode {
            AuthMode::Auto => "auto",
            AuthMode::Cli => "Azure CLI",
            AuthMode::Env => "service principal",
            AuthMode::WorkloadIdentity => "workload identity",
            AuthMode::ManagedIdentity => "managed identity",
            AuthMode::Token => "AKSRADAR_TOKEN",
        }
    }

    /// A token for `scope`, from the cache while it is fresh.
    pub async fn token(&self, scope: &str) -> Result<Secret, AuthError> {
        let credential = match &self.source {
            Source::Fixed(token) => return Ok(token.clone()),
            Source::Azure(credential) => credential,
        };
        let key = format!("{}\n{scope}", self.tenant.as_deref().unwrap_or(""));
        // Holding the lock across the request means concurrent callers wait for one
        // sign-in instead of each starting `az` at once; the time box bounds the wait.
        let mut cache = self.cache.lock().await;
        let now = (self.clock)();
        match cache.get(&key) {
            Some(Slot::Token { token, expires_on }) if *expires_on - EARLY > now => return Ok(token.clone()),
            Some(Slot::Failed { error, at }) if now - *at < FAILURE_MEMORY => return Err(error.clone()),
            _ => {}
        }
        let answer = tokio::time::timeout(self.timeout, credential.get_token(&[scope], None)).await;
        let result = match answer {
            Ok(Ok(access)) => Ok(access),
            Ok(Err(err)) => Err(AuthError::Token {
                mode: self.mode_name(),
                message: self.explain(&err.to_string()),
            }),
            Err(_elapsed) => Err(AuthError::Token {
                mode: self.mode_name(),
                message: format!(
                    "no answer within {} s (limits.credential_timeout_seconds); check that `az account get-access-token` (or the identity endpoint) answers",
                    self.timeout.as_secs_f64()
                ),
            }),
        };
        match result {
            Ok(access) => {
                let token = access.token.clone();
                cache.insert(
                    key,
                    Slot::Token {
                        token: access.token,
                        expires_on: access.expires_on,
                    },
                );
                Ok(token)
            }
            Err(error) => {
                cache.insert(
                    key,
                    Slot::Failed {
                        error: error.clone(),
                        at: (self.clock)(),
                    },
                );
                Err(error)
            }
        }
    }

    /// Forgets the cached token for `scope`, after the server refused it. Returns
    /// false when there is nothing new to get (a fixed token).
    pub async fn invalidate(&self, scope: &str) -> bool {
        if matches!(self.source, Source::Fixed(_)) {
            return false;
        }
        let key = format!("{}\n{scope}", self.tenant.as_deref().unwrap_or(""));
        self.cache.lock().await.remove(&key);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_the_first_identity_that_is_set_up() {
        let cases: [(&[(&str, &str)], AuthMode); 5] = [
            (
                &[
                    ("AZURE_TENANT_ID", "t"),
                    ("AZURE_CLIENT_ID", "c"),
                    ("AZURE_CLIENT_SECRET", "s"),
                ],
                AuthMode::Env,
            ),
            (
                &[
                    ("AZURE_TENANT_ID", "t"),
                    ("AZURE_CLIENT_ID", "c"),
                    ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/t"),
                ],
                AuthMode::WorkloadIdentity,
            ),
            (
                &[("IDENTITY_ENDPOINT", "http://localhost:42356/msi/token")],
                AuthMode::ManagedIdentity,
            ),
            (&[("AZURE_CLIENT_ID", "c")], AuthMode::Cli),
            (&[], AuthMode::Cli),
        ];
        for (vars, want) in cases {
            assert_eq!(
                Environment::from_pairs(vars.iter().copied()).auto_mode(),
                want,
                "{vars:?}"
            );
        }
    }

    #[test]
    fn a_failed_sign_in_reads_as_sentences_and_auto_says_what_it_looked_for() {
        let azure_cli =
            "Azure CLI not found on PATH\nTo troubleshoot, visit https://aka.ms/azsdk/rust/identity/troubleshoot";
        let nothing_set = Credentials::new(AuthMode::Auto, &Environment::default(), Cloud::Public, None).unwrap();
        let said = nothing_set.explain(azure_cli);
        assert!(
            said.starts_with("Azure CLI not found on PATH. To troubleshoot"),
            "{said}"
        );
        for looked_for in [
            "found no service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)",
            "no workload identity",
            "no managed identity",
            "used the Azure CLI",
            "az login",
            "--auth",
        ] {
            assert!(said.contains(looked_for), "{looked_for:?} in {said}");
        }

        let chosen = Credentials::new(AuthMode::Cli, &Environment::default(), Cloud::Public, None).unwrap();
        assert_eq!(
            chosen.explain(azure_cli),
            "Azure CLI not found on PATH. To troubleshoot, visit https://aka.ms/azsdk/rust/identity/troubleshoot",
            "a credential chosen by name needs no story"
        );

        let env = Environment::from_pairs([("IDENTITY_ENDPOINT", "http://localhost:42356/msi/token")]);
        let managed = Credentials::new(AuthMode::Auto, &env, Cloud::Public, None).unwrap();
        let said = managed.explain("no answer.");
        assert!(said.contains("no workload identity"), "{said}");
        assert!(said.contains("used the managed identity"), "{said}");
        assert!(!said.contains("az login"), "{said}");
    }

    #[test]
    fn missing_settings_are_explained() {
        let err = Credentials::new(AuthMode::Token, &Environment::default(), Cloud::Public, None).unwrap_err();
        assert!(err.to_string().contains("AKSRADAR_TOKEN is not set"), "{err}");
        let env = Environment::from_pairs([("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47")]);
        let err = Credentials::new(AuthMode::Env, &env, Cloud::Public, None).unwrap_err();
        assert!(err.to_string().contains("AZURE_CLIENT_ID is not set"), "{err}");
    }

    #[test]
    fn debug_output_never_shows_a_token_or_secret() {
        let credentials = Credentials::fixed("very-secret-token");
        assert!(!format!("{credentials:?}").contains("very-secret-token"));
        let env = Environment::from_pairs([("AZURE_CLIENT_SECRET", "hunter2")]);
        assert!(!format!("{env:?}").contains("hunter2"));
    }

    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

    /// Seconds since the epoch that the test clock reads.
    static NOW: AtomicI64 = AtomicI64::new(1_800_000_000);

    fn test_clock() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(NOW.load(Ordering::SeqCst)).unwrap()
    }

    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);

    #[async_trait::async_trait]
    impl TokenCredential for Counting {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(azure_core::credentials::AccessToken::new(
                Secret::new(format!("token-{n}")),
                test_clock() + Duration::hours(1),
            ))
        }
    }

    #[tokio::test]
    async fn tokens_are_cached_per_scope_until_shortly_before_they_expire() {
        let counting = Arc::new(Counting::default());
        let credentials = Credentials::with_credential(counting.clone(), test_clock);
        let scope = "https://management.azure.com/.default";
        assert_eq!(credentials.token(scope).await.unwrap().secret(), "token-1");
        assert_eq!(credentials.token(scope).await.unwrap().secret(), "token-1", "cached");
        assert_eq!(
            credentials.token("other/.default").await.unwrap().secret(),
            "token-2",
            "per scope"
        );
        NOW.fetch_add(54 * 60, Ordering::SeqCst);
        assert_eq!(
            credentials.token(scope).await.unwrap().secret(),
            "token-1",
            "still fresh at 54 minutes"
        );
        NOW.fetch_add(2 * 60, Ordering::SeqCst);
        assert_eq!(
            credentials.token(scope).await.unwrap().secret(),
            "token-3",
            "refreshed within 5 minutes of expiry"
        );
        assert!(credentials.invalidate(scope).await);
        assert_eq!(
            credentials.token(scope).await.unwrap().secret(),
            "token-4",
            "refetched after a 401"
        );
        assert_eq!(counting.0.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_fixed_token_is_returned_as_is_and_cannot_be_refreshed() {
        let credentials = Credentials::fixed("simulator");
        assert_eq!(credentials.token("scope").await.unwrap().secret(), "simulator");
        assert!(!credentials.invalidate("scope").await);
    }

    /// Seconds since the epoch that the hung-sign-in test's clock reads.
    static HUNG_NOW: AtomicI64 = AtomicI64::new(1_800_000_000);

    fn hung_clock() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(HUNG_NOW.load(Ordering::SeqCst)).unwrap()
    }

    /// A sign-in that never answers, like an `az` waiting on a prompt nobody sees.
    #[derive(Debug, Default)]
    struct Hung(AtomicUsize);

    #[async_trait::async_trait]
    impl TokenCredential for Hung {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_sign_in_is_given_up_after_the_timeout_and_its_failure_is_shared_for_a_while() {
        let hung = Arc::new(Hung::default());
        let credentials = Arc::new(
            Credentials::with_credential(hung.clone(), hung_clock).with_timeout(std::time::Duration::from_secs(7)),
        );
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let credentials = credentials.clone();
            callers.spawn(async move { credentials.token("scope").await });
        }
        let started = tokio::time::Instant::now();
        while let Some(result) = callers.join_next().await {
            let err = result.unwrap().unwrap_err();
            assert!(err.to_string().contains("no answer within 7 s"), "{err}");
        }
        assert_eq!(
            started.elapsed(),
            std::time::Duration::from_secs(7),
            "eight callers wait out one timeout together (tokio's paused clock)"
        );
        assert_eq!(hung.0.load(Ordering::SeqCst), 1, "one sign-in for all of them");
        HUNG_NOW.fetch_add(31, Ordering::SeqCst);
        assert!(credentials.token("scope").await.is_err());
        assert_eq!(hung.0.load(Ordering::SeqCst), 2, "tried again once the failure is old");
    }
}
