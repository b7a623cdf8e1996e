//! `rampart-collector`: see `rampart-collector --help`.

use std::process::ExitCode;

use clap::Parser as _;
use rampart_collector::{
    config::{Cli, LogFormat},
    init_logging, server,
};

fn main() -> ExitCode {
    let cfg = match Cli::parse().validate() {
        Ok(cfg) => cfg,
        Err(errors) => {
            eprint!("rampart-collector: {errors}");
            return ExitCode::from(2);
        }
    };
    init_logging(cfg.log_format == LogFormat::Json);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(server::run(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
