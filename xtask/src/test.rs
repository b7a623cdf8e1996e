//! `cargo xtask test`: what CI runs (`.ci/run`). Setup, then formatting, generated-code drift,
//! the deployment manifests ([`crate::deploy`]), clippy, the binaries (agent, collector, CLI),
//! and every test — unit tests and the real-kernel tests on this host, a brief run of each fuzz
//! target ([`crate::fuzz`]) — then the VM kernel matrix's core set ([`crate::vm`]).
//!
//! Under `CI=true` no test skips: a missing capability fails with the reason.

use std::{process::Command, time::Duration};

use crate::{codegen, run, setup, workspace_root};

pub fn run_tests(skip_lint: bool, skip_vm: bool) -> anyhow::Result<()> {
    setup::run_setup()?;
    let root = workspace_root();
    let cargo = || {
        let mut c = Command::new("cargo");
        c.current_dir(&root);
        c
    };
    if !skip_lint {
        section("formatting");
        run(cargo().args(["fmt", "--all", "--check"]))?;
        section("generated code");
        codegen::run(true)?;
        section("deployment manifests");
        crate::deploy::check()?;
        section("clippy");
        run(cargo().args(["clippy", "--all-targets", "--", "-D", "warnings"]))?;
    }
    section("build the binaries the end-to-end tests run");
    run(cargo().args(["build", "-p", "rampart-agent", "-p", "rampart-collector", "-p", "rampart-cli"]))?;
    // The image's root filesystem for this machine: the least-privilege test runs the agent
    // from it (the VM matrix's profile, so its build serves the matrix too).
    let host = crate::vm::kernels::Arch::host();
    crate::image::build_rootfs(host, crate::vm::build::PROFILE)?;
    crate::image::verify_layout(&crate::image::write_layout(&[host])?)?;
    section("tests (unit and real-kernel)");
    run(cargo().args(["test", "--no-fail-fast"]))?;
    section("fuzz targets, briefly (`cargo xtask fuzz` runs them long)");
    crate::fuzz::run_fuzz(FUZZ_BRIEFLY, &[], crate::fuzz::Sanitizer::None)?;
    if skip_vm {
        section("VM kernel matrix skipped (--no-vm)");
    } else {
        section("VM kernel matrix (core set)");
        crate::vm::run_matrix(&crate::vm::Options {
            kernels: Vec::new(),
            tests: Vec::new(),
            all: false,
            test_timeout: Duration::from_secs(180),
            vm_timeout: Duration::from_secs(15 * 60),
        })?;
    }
    section("all tests passed");
    Ok(())
}

/// How long `cargo xtask test` runs each fuzz target.
const FUZZ_BRIEFLY: Duration = Duration::from_secs(20);

fn section(name: &str) {
    println!("\n==> {name}");
}
