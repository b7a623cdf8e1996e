//! How Rampart's daemons log. The agent and the collector take the same `--log-format` and set
//! up `tracing` the same way: to stderr (the agent's stdout may carry events), filtered by
//! `RUST_LOG` (default `info`), coloured only on a terminal.

use clap::ValueEnum;

/// `--log-format` (`RAMPART_LOG_FORMAT`): lines for people, or one JSON object per line for a
/// log pipeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global `tracing` subscriber; call once, before anything logs.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
