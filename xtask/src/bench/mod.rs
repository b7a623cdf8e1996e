//! `cargo xtask bench`: speed and memory goals, measured as ratios against baselines taken in
//! the same run, never as absolute times.
//!
//! Method: a workload is timed in segments that rotate through the variants —
//! A (no agent), B (an empty program on the same hook), C (the agent) and A again — for several
//! rounds, so drift in the machine hits every variant alike. Each variant's result is the
//! median of its segments. The two A segments of each round give an A/A ratio: the noise floor
//! a ratio must clear to mean anything. Results are printed and written to
//! `target/bench/results.json`.

mod collector;
mod cpu;
mod exec;
mod footprint;
mod jetstream;
mod kube;
mod network;
mod privilege;
mod rootfs;
mod segments;
mod selectors;
mod whatif;

use std::{fs, process::Command};

use serde::Serialize;

use crate::{run, setup, workspace_root};

/// One goal: a measured value against its limit.
#[derive(Debug, Serialize)]
pub struct Goal {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub limit: f64,
    /// `<=` or `>=`: how `value` must compare with `limit`.
    pub goal: &'static str,
    pub met: bool,
    pub note: String,
}

impl Goal {
    pub fn at_most(name: &str, value: f64, unit: &str, limit: f64, note: impl Into<String>) -> Goal {
        Goal {
            name: name.into(),
            value,
            unit: unit.into(),
            limit,
            goal: "<=",
            met: value <= limit,
            note: note.into(),
        }
    }

    pub fn at_least(name: &str, value: f64, unit: &str, limit: f64, note: impl Into<String>) -> Goal {
        Goal {
            name: name.into(),
            value,
            unit: unit.into(),
            limit,
            goal: ">=",
            met: value >= limit,
            note: note.into(),
        }
    }

    /// A number worth printing, with no goal.
    pub fn reported(name: &str, value: f64, unit: &str, note: impl Into<String>) -> Goal {
        Goal::at_least(name, value, unit, 0.0, note)
    }
}

pub fn run_bench(rounds: usize, quick: bool, only: &[String]) -> anyhow::Result<()> {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    setup::run_setup()?;
    let root = workspace_root();
    println!("\n==> building the agent, the collector and the trigger (release)");
    run(Command::new("cargo").current_dir(&root).args([
        "build",
        "--release",
        "-p",
        "rampart-agent",
        "-p",
        "rampart-collector",
        "-p",
        "rampart-tests",
        "--bin",
        "rampart-agent",
        "--bin",
        "rampart-collector",
        "--bin",
        "rampart-trigger",
    ]))?;
    // `RAMPART_BENCH_AGENT` measures another build of the agent (an older commit's, to
    // compare) with this bench.
    let agent = std::env::var_os("RAMPART_BENCH_AGENT")
        .map_or_else(|| root.join("target/release/rampart-agent"), std::path::PathBuf::from);
    println!("agent under test: {}", agent.display());
    // SAFETY: set before any thread is spawned.
    unsafe {
        std::env::set_var("RAMPART_AGENT", agent);
        std::env::set_var("RAMPART_TRIGGER", root.join("target/release/rampart-trigger"));
        std::env::set_var("RAMPART_COLLECTOR", root.join("target/release/rampart-collector"));
    }
    let out_dir = root.join("target/bench");
    fs::create_dir_all(&out_dir)?;

    let mut goals = Vec::new();
    if wanted("exec") {
        goals.extend(exec::bench(&out_dir, rounds, quick)?);
    }
    if wanted("network") {
        goals.extend(network::bench(rounds, quick)?);
    }
    if wanted("selectors") {
        goals.extend(selectors::bench(rounds, quick)?);
    }
    if wanted("privilege") {
        if !out_dir.join("tiny").exists() {
            exec::tiny_binary(&out_dir)?;
        }
        goals.extend(privilege::bench(&out_dir, rounds, quick)?);
    }
    if wanted("rootfs") {
        goals.extend(rootfs::bench(rounds, quick)?);
    }
    if wanted("footprint") {
        goals.extend(footprint::bench(quick)?);
    }
    if wanted("kube") {
        goals.extend(kube::bench(rounds, quick)?);
    }
    if wanted("collector") {
        goals.extend(collector::bench(rounds, quick)?);
    }
    if wanted("jetstream") {
        goals.extend(jetstream::bench(rounds, quick)?);
    }
    if wanted("whatif") {
        goals.extend(whatif::bench(rounds, quick)?);
    }

    println!("\n==> results");
    let mut all_met = true;
    for g in &goals {
        all_met &= g.met;
        println!(
            "  {:<4} {:<52} {:>12.4} {:<6} (goal {} {}) {}",
            if g.met { "ok" } else { "MISS" },
            g.name,
            g.value,
            g.unit,
            g.goal,
            g.limit,
            g.note
        );
    }
    let path = out_dir.join("results.json");
    fs::write(&path, serde_json::to_string_pretty(&goals)?)?;
    println!("written to {}", path.display());
    if !all_met {
        println!("some goals were missed (see above); the numbers are the finding, not a failure of the run");
    }
    Ok(())
}
