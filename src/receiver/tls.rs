//! Serving the reference receiver over HTTPS on loopback, with a throwaway CA made by rcgen.
//!
//! [`start_tls`] makes a CA and a leaf for `localhost` / `127.0.0.1`, binds `127.0.0.1:0` and
//! serves [`super::router`] until [`Handle::shutdown`]. [`serve`] and [`TlsListener`] serve any
//! router with any rustls config; golive's tests use them for endpoints that misbehave.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::{CALLBACK_PATH, Receiver};
use crate::secret::Secret;

/// A server's TLS handshake must finish within this, or the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    /// Making the certificates failed.
    #[error("cannot make a certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// Binding the socket failed.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Io(#[from] std::io::Error),
}

/// A CA and a server identity signed by it.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The CA certificate (PEM) clients must trust.
    pub ca_pem: String,
    /// The leaf certificate chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's key (PKCS#8 DER).
    pub key_der: Vec<u8>,
}

impl Identity {
    /// A fresh CA, and a leaf for `names` (DNS names or IP addresses) valid from yesterday for a year.
    ///
    /// # Errors
    /// rcgen failed.
    pub fn generate(names: &[&str]) -> Result<Self, rcgen::Error> {
        let now = time::OffsetDateTime::now_utc();
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "golive embedded receiver CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = now - time::Duration::days(1);
        ca.not_after = now + time::Duration::days(365);
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate()?;
        let mut leaf = CertificateParams::new(names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>())?;
        leaf.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("localhost"));
        leaf.not_before = now - time::Duration::days(1);
        leaf.not_after = now + time::Duration::days(365);
        let leaf_cert = leaf.signed_by(&key, &issuer)?;
        Ok(Self { ca_pem: ca_cert.pem(), chain: vec![leaf_cert.der().clone()], key_der: key.serialize_der() })
    }

    /// A rustls server config (TLS 1.2 and 1.3) presenting this identity.
    ///
    /// # Errors
    /// rustls refused the key or chain.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, rustls::Error> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut cfg = ServerConfig::builder_with_provider(crate::probe::webhook::tls::provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)?;
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}

/// A running receiver.
#[derive(Debug)]
pub struct Handle {
    /// The callback URL (`https://127.0.0.1:PORT/exirom/callback`).
    pub url: String,
    /// The CA certificate (PEM) that signed the server's certificate.
    pub ca_pem: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Handle {
    /// The `[webhook.oracle]` that reads this receiver's orders.
    pub fn oracle_config(&self) -> crate::config::Oracle {
        crate::config::Oracle {
            url: self.url.replace(CALLBACK_PATH, "/exirom/orders/{transactionId}"),
            pointer: "/fulfilled".into(),
            fulfilled: serde_json::Value::Bool(true),
        }
    }

    /// Stops the server.
    pub fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the reference receiver over HTTPS on `127.0.0.1:0`, verifying with `secret`.
///
/// # Errors
/// Certificates, TLS configuration or the socket failed.
pub async fn start_tls(secret: Secret<String>) -> Result<Handle, ReceiverError> {
    crate::install_crypto_provider();
    let identity = Identity::generate(&["localhost", "127.0.0.1"])?;
    let server = serve(super::router(Receiver::new(secret)), identity.server_config()?).await?;
    Ok(Handle {
        url: format!("https://{}{CALLBACK_PATH}", server.addr),
        ca_pem: identity.ca_pem,
        shutdown: Some(server.shutdown),
    })
}

/// A server started by [`serve`].
#[derive(Debug)]
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Send (or drop) to stop it.
    pub shutdown: oneshot::Sender<()>,
}

/// Serves `router` over TLS on `127.0.0.1:0` until `shutdown` is sent or dropped.
///
/// # Errors
/// The socket cannot be bound.
pub async fn serve(router: Router, config: Arc<ServerConfig>) -> std::io::Result<Server> {
    let tcp = TcpListener::bind("127.0.0.1:0").await?;
    let addr = tcp.local_addr()?;
    let listener = TlsListener::new(tcp, TlsAcceptor::from(config));
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Server { addr, shutdown: tx })
}

/// An axum listener that completes TLS handshakes concurrently (a slow client cannot hold up
/// the others) and hands over only the connections whose handshake succeeded.
#[derive(Debug)]
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accept_task: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `tcp`.
    pub fn new(tcp: TcpListener, acceptor: TlsAcceptor) -> Self {
        let local = tcp.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        let (tx, ready) = mpsc::channel(64);
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Self { ready, local, accept_task }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task only ends when this listener is dropped, so this never resolves.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
