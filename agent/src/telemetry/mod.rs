//! What the agent says about itself: Prometheus metrics, health and readiness, served over
//! HTTP by `rampart_telemetry` (its logging is set up by `rampart_logging`; both are shared
//! with the collector).

mod export;
mod metrics;

pub use export::{ExportDrop, ExportMetrics};
pub use metrics::{AttributionResult, DropStage, Metrics};
pub use rampart_telemetry::serve;

impl rampart_telemetry::Exposition for Metrics {
    fn render(&self) -> String {
        Metrics::render(self)
    }

    fn readiness(&self) -> Result<(), String> {
        if self.is_ready() { Ok(()) } else { Err(self.unready_reason()) }
    }
}
