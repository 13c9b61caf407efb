//! Which certificate authorities aksradar trusts, and the HTTP clients built on that.
//!
//! The system's roots always (through the platform verifier), plus the PEM
//! certificates of config `ca_file` (a corporate proxy that inspects TLS, the
//! simulator's CA) and of `SSL_CERT_FILE`. As in OpenSSL, `SSL_CERT_FILE` names the
//! bundle to trust instead of the system's (the platform verifier reads it so);
//! `ca_file` only adds. Both are read once, at the edge, and a file that cannot be
//! used stops aksradar with its name and what to do rather than failing later as
//! an unexplained TLS error. Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY` and `NO_PROXY`, as reqwest reads them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::credential::Environment;

/// The extra roots, with where they came from.
#[derive(Clone, Default)]
pub struct Trust {
    extra: Vec<reqwest::Certificate>,
    sources: Vec<PathBuf>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("certificates", &self.extra.len())
            .field("sources", &self.sources)
            .finish()
    }
}

/// A CA file that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TrustError {
    #[error("{setting} {path}: cannot read it ({message}); point it at a PEM file of CA certificates")]
    Read {
        setting: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error(
        "{setting} {path}: no certificate in it; it must hold PEM certificates (-----BEGIN CERTIFICATE-----), such as the CA `aksradar simulate --tls` prints"
    )]
    Empty { setting: &'static str, path: PathBuf },
    #[error("{setting} {path}: {message}")]
    Invalid {
        setting: &'static str,
        path: PathBuf,
        message: String,
    },
}

impl Trust {
    /// The roots of config `ca_file` and of `SSL_CERT_FILE` from `env`.
    pub fn load(ca_file: Option<&Path>, env: &Environment) -> Result<Trust, TrustError> {
        let mut trust = Trust::default();
        if let Some(path) = ca_file {
            trust.add("config `ca_file`", path)?;
        }
        if let Some(path) = env.get("SSL_CERT_FILE") {
            trust.add("SSL_CERT_FILE", Path::new(path))?;
        }
        Ok(trust)
    }

    fn add(&mut self, setting: &'static str, path: &Path) -> Result<(), TrustError> {
        let bytes = std::fs::read(path).map_err(|e| TrustError::Read {
            setting,
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| TrustError::Invalid {
            setting,
            path: path.to_path_buf(),
            message: format!("not a PEM certificate bundle ({e})"),
        })?;
        if certificates.is_empty() {
            return Err(TrustError::Empty {
                setting,
                path: path.to_path_buf(),
            });
        }
        self.extra.extend(certificates);
        self.sources.push(path.to_path_buf());
        Ok(())
    }

    /// The files the extra roots came from.
    pub fn sources(&self) -> &[PathBuf] {
        &self.sources
    }

    /// A client builder that trusts the system's roots and these.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder();
        if self.extra.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(self.extra.iter().cloned())
        }
    }

    /// The transport `azure_identity` credentials talk to their token service over,
    /// trusting the same roots as the ARM client.
    pub fn transport(&self) -> Result<azure_core::http::Transport, reqwest::Error> {
        let client = self.client_builder().build()?;
        Ok(azure_core::http::Transport::new(Arc::new(client)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_A_CERT: &str = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

    #[test]
    fn unusable_ca_files_are_named_with_their_setting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").expect("write");
        let key = dir.path().join("key.pem");
        std::fs::write(&key, NOT_A_CERT).expect("write");
        let missing = dir.path().join("missing.pem");

        let err = Trust::load(Some(&missing), &Environment::default()).expect_err("missing");
        assert!(err.to_string().starts_with("config `ca_file` "), "{err}");
        assert!(err.to_string().contains("cannot read it"), "{err}");

        let err = Trust::load(Some(&empty), &Environment::default()).expect_err("empty");
        assert!(err.to_string().contains("no certificate in it"), "{err}");

        let env = Environment::from_pairs([("SSL_CERT_FILE", key.to_str().expect("utf-8"))]);
        let err = Trust::load(None, &env).expect_err("a key is no certificate");
        assert!(err.to_string().starts_with("SSL_CERT_FILE "), "{err}");

        let trust = Trust::load(None, &Environment::default()).expect("nothing to read");
        assert!(trust.sources().is_empty());
    }
}
