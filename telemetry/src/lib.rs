//! What Rampart's daemons (the agent and the collector) show operators over plain HTTP/1.1:
//! `/metrics` in the Prometheus text format, `/healthz` (the process is serving) and
//! `/readyz` (the daemon says it is ready), with the process's own figures ([`process`]).
//!
//! Each daemon keeps its own counters; it hands the server an [`Exposition`] that renders them.
//!
//! The text format (0.0.4, which every Prometheus reads) is written here rather than through a
//! client library: `prometheus-client` brings OpenMetrics but no process metrics, the
//! `prometheus` crate process metrics but no OpenMetrics, and either would put a registry
//! between the event path and the atomics it increments.

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

/// Append a metric family's `# HELP` and `# TYPE` lines to `o`.
pub fn family(o: &mut String, name: &str, kind: &str, help: &str) {
    use std::fmt::Write as _;
    let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

const BOUNDS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A Prometheus histogram of durations in seconds, with fixed buckets from 1 ms to 10 s:
/// lock-free to observe, rendered with its `_bucket`, `_sum` and `_count` series.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations at or below each bound of [`Histogram::BOUNDS`] (not cumulative).
    buckets: [std::sync::atomic::AtomicU64; BOUNDS.len()],
    /// Above the last bound.
    over: std::sync::atomic::AtomicU64,
    sum_ns: std::sync::atomic::AtomicU64,
    count: std::sync::atomic::AtomicU64,
}

impl Histogram {
    /// Upper bounds in seconds.
    pub const BOUNDS: [f64; 13] = BOUNDS;

    pub fn observe(&self, d: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        let s = d.as_secs_f64();
        match Self::BOUNDS.iter().position(|b| s <= *b) {
            Some(i) => self.buckets[i].fetch_add(1, Relaxed),
            None => self.over.fetch_add(1, Relaxed),
        };
        self.sum_ns.fetch_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX), Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    /// Append the family `name` (with its HELP and TYPE lines) to `o`.
    pub fn render(&self, o: &mut String, name: &str, help: &str) {
        use std::{fmt::Write as _, sync::atomic::Ordering::Relaxed};
        family(o, name, "histogram", help);
        let mut cumulative = 0;
        for (bound, bucket) in Self::BOUNDS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Relaxed);
            let _ = writeln!(o, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.over.load(Relaxed);
        let _ = writeln!(o, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(o, "{name}_sum {}", self.sum_ns.load(Relaxed) as f64 / 1e9);
        let _ = writeln!(o, "{name}_count {cumulative}");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Histogram;

    #[test]
    fn buckets_are_cumulative_and_count_everything() {
        let h = Histogram::default();
        for ms in [0, 3, 3, 40, 20_000] {
            h.observe(Duration::from_millis(ms));
        }
        let mut o = String::new();
        h.render(&mut o, "x_seconds", "X.");
        for line in [
            "# TYPE x_seconds histogram",
            "x_seconds_bucket{le=\"0.001\"} 1",
            "x_seconds_bucket{le=\"0.0025\"} 1",
            "x_seconds_bucket{le=\"0.005\"} 3",
            "x_seconds_bucket{le=\"0.05\"} 4",
            "x_seconds_bucket{le=\"10\"} 4",
            "x_seconds_bucket{le=\"+Inf\"} 5",
            "x_seconds_sum 20.046",
            "x_seconds_count 5",
        ] {
            assert!(o.lines().any(|l| l == line), "{line} in\n{o}");
        }
    }
}
