//! Project tasks. `cargo xtask <task>`; every task that needs tools runs `setup` first.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod codegen;

#[derive(Parser)]
#[command(name = "xtask", about = "Rampart project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate proto/src/gen from proto/rampart (or, with --check, fail if it drifted).
    Codegen {
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Codegen { check } => codegen::run(check),
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}
