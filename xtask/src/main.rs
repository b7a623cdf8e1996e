//! Project tasks: `cargo xtask <task>`. Every task that needs tools runs `setup` first.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

mod bench;
mod codegen;
mod demo;
mod deploy;
mod fixtures;
mod fuzz;
mod image;
mod setup;
mod test;
mod vm;

#[derive(Parser)]
#[command(name = "xtask", about = "Rampart project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Collector, agent and demo pods on this node; events shown live with `rampart observe`, then replayed.
    Demo {
        /// Stop after this long (0 = run until Ctrl-C).
        #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
        duration: std::time::Duration,
        /// Also print events from host processes.
        #[arg(long)]
        host: bool,
    },
    /// Speed and memory goals as ratios against baselines measured in the same run.
    Bench {
        /// Rounds of interleaved segments, at least.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Rounds at most: a ratio whose confidence interval still straddles its goal's limit
        /// after this many is reported as inconclusive.
        #[arg(long, default_value_t = 15)]
        max_rounds: usize,
        /// Fewer iterations and shorter windows (a smoke run, not a measurement).
        #[arg(long)]
        quick: bool,
        /// Run only these benchmarks (exec, network, selectors, privilege, rootfs, footprint, containers, capacity, kube, collector, jetstream, whatif); default all.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Merge the results into docs/bench/results.json and regenerate docs/operations.md's
        /// table and docs/bench/results.svg from it.
        #[arg(long)]
        record: bool,
    },
    /// Install what this machine lacks (Debian packages, nightly rust-src, musl targets, bpf-linker, cargo-fuzz).
    Setup,
    /// The fuzz targets (ring records, policies, batches, the spool), with AddressSanitizer.
    Fuzz {
        /// How long each target runs.
        #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
        duration: std::time::Duration,
        /// Only these targets (ring_record, policy, batch, spool); default all.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Run every test (what CI runs): setup, fmt, codegen drift, clippy, unit and real-kernel tests.
    Test {
        /// Skip fmt, codegen drift and clippy.
        #[arg(long)]
        no_lint: bool,
        /// Skip the VM kernel matrix (CI never does).
        #[arg(long)]
        no_vm: bool,
    },
    /// The end-to-end tests on real kernels in VMs (x86_64 and arm64; 6.1 and 6.12; with and
    /// without BPF in the LSM list), and the matrix of tiers and results.
    VmTest {
        /// Only these kernels (default: all); an unknown name lists the known ones.
        #[arg(long = "kernel", value_delimiter = ',')]
        kernels: Vec<String>,
        /// Only these test files (names in tests/tests/, default: every one not host-only).
        #[arg(long = "test", value_delimiter = ',')]
        tests: Vec<String>,
        /// Every test, not only the core set (`// vm-test: core`).
        #[arg(long)]
        all: bool,
        /// Longest one test may take inside a VM.
        #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
        test_timeout: std::time::Duration,
        /// Longest one VM may run.
        #[arg(long, default_value = "40m", value_parser = humantime::parse_duration)]
        vm_timeout: std::time::Duration,
    },
    /// The container image (agent, collector, CLI; static musl binaries on `scratch`) as
    /// root filesystems and a multi-architecture OCI layout under target/image/.
    Image {
        /// Only these architectures (x86_64, arm64; default both).
        #[arg(long = "arch", value_delimiter = ',')]
        archs: Vec<String>,
        /// Cargo profile of the binaries.
        #[arg(long, default_value = "release")]
        profile: String,
    },
    /// Record the agent pipeline's test fixtures (agent/tests/fixtures/) from the real
    /// programs, by running a few end-to-end tests on this host (root).
    Fixtures,
    /// Check the deployment manifests: the chart rendered (default values and variants) and
    /// the kustomize overlays validated against every claimed Kubernetes version, the example
    /// policies against the CRD's schema, yamllint, helm lint (part of `test`).
    Deploy,
    /// Regenerate proto/src/gen from proto/rampart (or, with --check, fail if it drifted).
    Codegen {
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Setup => setup::run_setup(),
        Task::Fuzz { duration, only } => {
            setup::run_setup().and_then(|()| fuzz::run_fuzz(duration, &only, fuzz::Sanitizer::Address))
        }
        Task::Bench { rounds, max_rounds, quick, only, record } => {
            bench::run_bench(bench::Rounds { min: rounds, max: max_rounds.max(rounds) }, quick, &only, record)
        }
        Task::Demo { duration, host } => demo::run_demo(duration, host),
        Task::Test { no_lint, no_vm } => test::run_tests(no_lint, no_vm),
        Task::Codegen { check } => codegen::run(check),
        Task::Deploy => setup::run_setup().and_then(|()| deploy::check()),
        Task::Fixtures => fixtures::run_fixtures(),
        Task::Image { archs, profile } => {
            let archs = if archs.is_empty() { vec!["x86_64".into(), "arm64".into()] } else { archs };
            let archs = archs
                .iter()
                .map(|a| match a.as_str() {
                    "x86_64" | "amd64" => Ok(vm::kernels::Arch::X86_64),
                    "arm64" | "aarch64" => Ok(vm::kernels::Arch::Arm64),
                    other => Err(anyhow::anyhow!("--arch {other}: expected x86_64 or arm64")),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            image::run_image(&archs, &profile)
        }
        Task::VmTest { kernels, tests, all, test_timeout, vm_timeout } => {
            vm::run_vm_test(&vm::Options { kernels, tests, all, test_timeout, vm_timeout })
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Run a command, inheriting stdio; fail with the command line if it fails.
pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

/// Run a command and return its stdout.
pub fn output(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.stderr(Stdio::inherit()).output().with_context(|| format!("starting {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
