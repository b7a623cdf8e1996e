//! What the agent says about itself: Prometheus metrics, health and readiness over HTTP, and
//! logging setup.

mod export;
mod http;
mod metrics;
mod process;

pub use export::{ExportDrop, ExportMetrics};
pub use http::serve;
pub use metrics::{AttributionResult, DropStage, Metrics};

/// Logs go to stderr (stdout may carry events); `RUST_LOG` filters, default `info`.
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
