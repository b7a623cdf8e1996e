//! `rampart-collector`: see `rampart-collector --help`.

use std::process::ExitCode;

use clap::Parser as _;
use rampart_collector::{config::Cli, server};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cfg = match Cli::parse().validate() {
        Ok(cfg) => cfg,
        Err(errors) => {
            eprint!("rampart-collector: {errors}");
            return ExitCode::from(2);
        }
    };
    rampart_logging::init(cfg.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(server::run(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
