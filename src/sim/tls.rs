//! HTTPS for the simulator (`--tls`): a certificate authority made at start, a
//! server certificate it signs for `127.0.0.1`, `::1` and `localhost`, and a
//! listener that does the TLS handshake before axum sees a connection.
//!
//! Nothing is read from or written to disk here: the CA's PEM is handed to the
//! caller (`aksradar simulate` writes it to a temporary file for clients to trust).
//! The private keys live only in this process. The crypto provider is aws-lc-rs,
//! the one reqwest already uses, so the build has one.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not make the simulator's certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("could not configure TLS: {0}")]
    Config(#[from] tokio_rustls::rustls::Error),
}

/// The simulator's certificates: what clients trust, and what the server presents.
pub struct Tls {
    /// The CA certificate, PEM: what a client adds to its trusted roots.
    pub ca_pem: String,
    config: Arc<ServerConfig>,
}

/// How long the certificates are valid: from a day before `now` (clock skew) to a year after.
const VALID_BEFORE: Duration = Duration::from_secs(24 * 3600);
const VALID_FOR: Duration = Duration::from_secs(365 * 24 * 3600);

impl Tls {
    /// A new CA and a server certificate it signs, valid around `now`.
    pub fn generate(now: OffsetDateTime) -> Result<Tls, TlsError> {
        let (not_before, not_after) = (now - VALID_BEFORE, now + VALID_FOR);

        let mut ca = CertificateParams::default();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "aksradar simulator CA");
        ca.distinguished_name.push(DnType::OrganizationName, "aksradar");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = not_before;
        ca.not_after = not_after;
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;

        let mut server = CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ])?;
        server.distinguished_name.push(DnType::CommonName, "localhost");
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.use_authority_key_identifier_extension = true;
        server.not_before = not_before;
        server.not_after = not_after;
        let key = KeyPair::generate()?;
        let leaf = server.signed_by(&key, &ca)?;

        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), ca.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )?;
        // The server speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            ca_pem: ca.pem(),
            config: Arc::new(config),
        })
    }
}

/// Accepts TCP connections and hands axum those whose TLS handshake succeeded.
/// Handshakes run side by side, so a slow or silent client holds up no one; one
/// that fails is dropped. Dropping the listener stops accepting and frees the port.
pub struct TlsListener {
    connections: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl TlsListener {
    pub fn new(tcp: TcpListener, tls: &Tls) -> std::io::Result<TlsListener> {
        let addr = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(tls.config.clone());
        let (ready, connections) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = tcp.accept() => accepted,
                    // axum dropped the listener: stop, and free the port.
                    () = ready.closed() => break,
                };
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(_) => {
                        // Out of file descriptors and the like: wait, as axum's own listener does.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let ready = ready.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        let _ = ready.send((stream, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { connections, addr })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.connections.recv().await {
            Some(connection) => connection,
            // The acceptor only ends once this listener is gone; until then, wait.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_a_pem_certificate_and_each_start_makes_a_new_one() {
        let now = time::macros::datetime!(2026-11-26 12:00 UTC);
        let first = Tls::generate(now).expect("certificates");
        let second = Tls::generate(now).expect("certificates");
        assert!(
            first.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"),
            "{}",
            first.ca_pem
        );
        assert!(first.ca_pem.trim_end().ends_with("-----END CERTIFICATE-----"));
        assert_ne!(first.ca_pem, second.ca_pem, "a fresh CA, and key, per start");
        assert!(
            !first.ca_pem.contains("PRIVATE KEY"),
            "the CA's key never leaves the process"
        );
    }
}
