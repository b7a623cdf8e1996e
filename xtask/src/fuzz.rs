//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` (the ring-record decoder, the policy
//! parser, the collector's batch validation, the spool's record reader), each for a while,
//! from the committed seed corpora in `fuzz/corpus/<target>`.
//!
//! What a run finds goes to `fuzz/target/corpus/<target>` (never into the committed seeds), a
//! crash to `fuzz/artifacts/<target>/`, and the run fails naming it: turn it into a regression
//! test (a unit test with those bytes) and commit it with the fix. `cargo xtask test` runs each
//! target briefly without a sanitizer (the code under test is safe Rust but for a few checked
//! reads); `cargo xtask fuzz` runs them with AddressSanitizer, as long as asked.

use std::{fs, process::Command, time::Duration};

use anyhow::{Context as _, bail};

use crate::{run, workspace_root};

/// The targets, as named in `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &["ring_record", "policy", "batch", "spool"];

/// How a run builds its targets.
#[derive(Clone, Copy)]
pub enum Sanitizer {
    /// AddressSanitizer (cargo-fuzz's default): slower, for long runs.
    Address,
    /// None: the short runs of `cargo xtask test`.
    None,
}

pub fn run_fuzz(duration: Duration, only: &[String], sanitizer: Sanitizer) -> anyhow::Result<()> {
    let targets: Vec<&str> = if only.is_empty() {
        TARGETS.to_vec()
    } else {
        for t in only {
            if !TARGETS.contains(&t.as_str()) {
                bail!("no fuzz target {t:?}; the targets are {}", TARGETS.join(", "));
            }
        }
        TARGETS.iter().copied().filter(|t| only.iter().any(|o| o == t)).collect()
    };
    let dir = workspace_root().join("fuzz");
    let sanitizer = match sanitizer {
        Sanitizer::Address => "address",
        Sanitizer::None => "none",
    };
    println!("fuzz: building {} (sanitizer: {sanitizer})", targets.join(", "));
    run(Command::new("cargo").current_dir(&dir).args([
        "+nightly",
        "fuzz",
        "build",
        "--sanitizer",
        sanitizer,
    ]))
    .context("building the fuzz targets (cargo xtask setup installs cargo-fuzz)")?;
    for target in targets {
        let found = dir.join("target/corpus").join(target);
        fs::create_dir_all(&found)?;
        println!("fuzz: {target} for {}", humantime::format_duration(duration));
        let status = Command::new("cargo")
            .current_dir(&dir)
            .args(["+nightly", "fuzz", "run", "--sanitizer", sanitizer, target])
            .arg(&found)
            .arg(dir.join("corpus").join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", duration.as_secs().max(1)))
            .arg("-print_final_stats=1")
            .status()
            .with_context(|| format!("running fuzz target {target}"))?;
        if !status.success() {
            bail!(
                "fuzz target {target} found a crash (its input is in fuzz/artifacts/{target}/): \
                 make it a regression test and fix it"
            );
        }
    }
    Ok(())
}
