//! What the agent says about itself: Prometheus metrics, health and readiness over HTTP (its
//! logging is set up by `rampart_logging`, shared with the collector).

mod export;
mod http;
mod metrics;
mod process;

pub use export::{ExportDrop, ExportMetrics};
pub use http::serve;
pub use metrics::{AttributionResult, DropStage, Metrics};
