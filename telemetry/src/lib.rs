//! What Rampart's daemons (the agent and the collector) show operators over plain HTTP/1.1:
//! `/metrics` in the Prometheus text format, `/healthz` (the process is serving) and
//! `/readyz` (the daemon says it is ready), with the process's own figures ([`process`]).
//!
//! Each daemon keeps its own counters; it hands the server an [`Exposition`] that renders them.

pub mod process;

use std::{convert::Infallible, net::SocketAddr, sync::Arc};

use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A daemon's figures and readiness, as the HTTP endpoints serve them.
pub trait Exposition: Send + Sync + 'static {
    /// Every metric family, in the Prometheus text format.
    fn render(&self) -> String;
    /// `Ok` when ready; else why not (may be empty).
    fn readiness(&self) -> Result<(), String>;
}

/// Bind `addr` and serve until the task is dropped. Returns the bound address (port 0 picks one).
pub async fn serve<E: Exposition>(
    addr: SocketAddr,
    exposition: Arc<E>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let exposition = Arc::clone(&exposition);
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let exposition = Arc::clone(&exposition);
                    async move { Ok::<_, Infallible>(route(&req, exposition.as_ref())) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    Ok((local, task))
}

fn route<B, E: Exposition>(req: &Request<B>, exposition: &E) -> Response<Full<Bytes>> {
    let (status, ctype, body) = match req.uri().path() {
        "/metrics" => (StatusCode::OK, "text/plain; version=0.0.4", exposition.render()),
        "/healthz" => (StatusCode::OK, "text/plain", "ok\n".to_string()),
        "/readyz" => match exposition.readiness() {
            Ok(()) => (StatusCode::OK, "text/plain", "ready\n".to_string()),
            Err(why) => {
                let body =
                    if why.is_empty() { "not ready\n".to_string() } else { format!("not ready: {why}\n") };
                (StatusCode::SERVICE_UNAVAILABLE, "text/plain", body)
            }
        },
        _ => (StatusCode::NOT_FOUND, "text/plain", "not found\n".to_string()),
    };
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}
