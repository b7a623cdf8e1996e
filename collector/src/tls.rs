//! TLS as the collector serves it.
//!
//! Design constraints:
//! - **The chain at the handshake, the dates at the request.** A client certificate must chain
//!   to the client CA, and prove its key, before a connection is accepted. Its own validity
//!   window is checked on each request instead ([`crate::identity::leaf`]), so a client with an
//!   expired certificate is told UNAUTHENTICATED and when it expired, as kube-apiserver answers
//!   401, instead of seeing a connection that breaks for no reason it can read. Only the
//!   leaf's own dates move: an expired CA or intermediate still fails the handshake.
//! - **Optional when tokens may stand in.** With `--readers kubernetes` a reader may present a
//!   bearer token and no certificate; writers still need one (checked on their Hello).
//! - **Handshakes never hold up accepting.** Each runs in its own task with a deadline; a
//!   failed one is logged at debug and dropped.

use std::{sync::Arc, time::Duration};

use rustls::{
    DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme,
    client::danger::HandshakeSignatureValid,
    pki_types::{CertificateDer, PrivateKeyDer, UnixTime, pem::PemObject as _},
    server::{
        WebPkiClientVerifier,
        danger::{ClientCertVerified, ClientCertVerifier},
    },
};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_stream::wrappers::ReceiverStream;
use tracing::debug;

use crate::config::ServerTls;

/// Longest a client may take over its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls-cert: no PEM certificate in it")]
    NoCertificate,
    #[error("--tls-key: {0}")]
    Key(rustls::pki_types::pem::Error),
    #[error("--client-ca: {0}")]
    ClientCa(String),
    #[error("the server certificate and key: {0}")]
    Config(#[from] rustls::Error),
}

/// The rustls configuration for `tls`; client certificates optional when `optional`.
pub fn server_config(tls: &ServerTls, optional: bool) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&tls.cert).filter_map(Result::ok).collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(&tls.key).map_err(TlsError::Key)?;
    let builder =
        ServerConfig::builder_with_provider(Arc::clone(&provider)).with_safe_default_protocol_versions()?;
    let builder = match &tls.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca) {
                let cert = cert.map_err(|e| TlsError::ClientCa(e.to_string()))?;
                roots.add(cert).map_err(|e| TlsError::ClientCa(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(TlsError::ClientCa("no PEM certificate in it".into()));
            }
            let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if optional {
                verifier = verifier.allow_unauthenticated();
            }
            let inner = verifier.build().map_err(|e| TlsError::ClientCa(e.to_string()))?;
            builder.with_client_cert_verifier(Arc::new(DatesAtRequest { inner }))
        }
    };
    let mut config = builder.with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Accepted connections, each after its TLS handshake.
pub fn incoming(
    listener: TcpListener,
    config: Arc<ServerConfig>,
) -> ReceiverStream<std::io::Result<TlsStream<tokio::net::TcpStream>>> {
    let acceptor = TlsAcceptor::from(config);
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    debug!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            if tx.is_closed() {
                return;
            }
            let (acceptor, accepted) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = accepted.send(Ok(stream)).await;
                    }
                    Ok(Err(e)) => debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => debug!(%peer, "TLS handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// The client CA's verifier, with the leaf's own validity window left to the request.
#[derive(Debug)]
struct DatesAtRequest {
    inner: Arc<dyn ClientCertVerifier>,
}

impl ClientCertVerifier for DatesAtRequest {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        use rustls::CertificateError::{Expired, ExpiredContext, NotValidYet, NotValidYetContext};
        match self.inner.verify_client_cert(end_entity, intermediates, now) {
            Err(rustls::Error::InvalidCertificate(
                Expired | ExpiredContext { .. } | NotValidYet | NotValidYetContext { .. },
            )) => {
                // The chain as of a moment inside the leaf's own window: an expired CA or
                // intermediate still fails; the leaf's dates are the request's to refuse.
                let Some((not_before, not_after)) = crate::identity::validity(end_entity) else {
                    return Err(rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding));
                };
                let at = now.as_secs().clamp(not_before.max(0) as u64, not_after.max(0) as u64);
                self.inner.verify_client_cert(
                    end_entity,
                    intermediates,
                    UnixTime::since_unix_epoch(Duration::from_secs(at)),
                )
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
