//! `cargo xtask bench`: speed and memory goals, measured as ratios against baselines taken in
//! the same run, never as absolute times.
//!
//! Method: a workload is timed in segments, one per variant per round — A (no agent), B (an
//! empty program on the same hook), C (the agent) and A again — in an order shuffled every
//! round (the seed is printed; `RAMPART_BENCH_SEED` repeats it), so drift in the machine and
//! the order's own effects hit every variant alike. A ratio is the median of the rounds'
//! ratios, with a 95% bootstrap interval; rounds go on past `--rounds` until every goal's
//! interval lies on one side of its limit, or `--max-rounds` is reached and the goal is
//! *inconclusive*. The two A segments of each round give the A/A noise, printed beside each
//! ratio. Results are printed, written to `target/bench/results.json`, and drawn in
//! `target/bench/results.svg` (each goal as a fraction of its limit).

mod capacity;
mod client;
mod collector;
mod containers;
mod cpu;
mod exec;
mod footprint;
mod jetstream;
mod kube;
mod network;
mod privilege;
mod procfs;
mod record;
mod rootfs;
mod segments;
mod selectors;
mod svg;
mod whatif;

use std::{fs, process::Command};

use serde::Serialize;

use crate::{run, setup, workspace_root};

pub use segments::{Check, Rounds, Verdict};

/// One goal: a measured value against its limit.
#[derive(Debug, Serialize)]
pub struct Goal {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub limit: f64,
    /// `<=` or `>=`: how `value` must compare with `limit`.
    pub goal: &'static str,
    pub verdict: Verdict,
    /// A ratio's 95% confidence interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<(f64, f64)>,
    /// The A/A noise of the measurement a ratio comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<usize>,
    pub note: String,
}

impl Goal {
    fn point(name: &str, value: f64, unit: &str, limit: f64, at_most: bool, note: String) -> Goal {
        let met = if at_most { value <= limit } else { value >= limit };
        Goal {
            name: name.into(),
            value,
            unit: unit.into(),
            limit,
            goal: if at_most { "<=" } else { ">=" },
            verdict: if met { Verdict::Met } else { Verdict::Missed },
            interval: None,
            noise: None,
            rounds: None,
            note,
        }
    }

    pub fn at_most(name: &str, value: f64, unit: &str, limit: f64, note: impl Into<String>) -> Goal {
        Goal::point(name, value, unit, limit, true, note.into())
    }

    pub fn at_least(name: &str, value: f64, unit: &str, limit: f64, note: impl Into<String>) -> Goal {
        Goal::point(name, value, unit, limit, false, note.into())
    }

    /// A number worth printing, with no goal.
    pub fn reported(name: &str, value: f64, unit: &str, note: impl Into<String>) -> Goal {
        Goal { verdict: Verdict::Reported, ..Goal::point(name, value, unit, 0.0, false, note.into()) }
    }

    /// The ratio `check` asks for, from `samples`, judged by its interval.
    pub fn ratio(name: &str, samples: &segments::Samples, check: Check, note: impl Into<String>) -> Goal {
        let r = samples.ratio(check.num, check.den);
        Goal {
            verdict: r.verdict(check.limit, check.at_most),
            interval: Some((r.low, r.high)),
            // None without an A/A pair.
            noise: Some(samples.noise()).filter(|n| n.is_finite()),
            rounds: Some(r.rounds),
            ..Goal::point(name, r.value, "ratio", check.limit, check.at_most, note.into())
        }
    }

    /// A ratio printed with its interval and noise, without a goal.
    pub fn ratio_reported(
        name: &str,
        samples: &segments::Samples,
        num: &'static str,
        den: &'static str,
        note: impl Into<String>,
    ) -> Goal {
        let check = Check { num, den, limit: 0.0, at_most: false };
        Goal { verdict: Verdict::Reported, ..Goal::ratio(name, samples, check, note) }
    }
}

pub fn run_bench(rounds: Rounds, quick: bool, only: &[String], record: bool) -> anyhow::Result<()> {
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
    // A benchmark that fails is reported at the end; the others still run and are written.
    let mut failed: Vec<(&str, anyhow::Error)> = Vec::new();
    let mut keep = |name: &'static str, result: anyhow::Result<Vec<Goal>>| match result {
        Ok(g) => goals.extend(g),
        Err(e) => {
            println!("    {name} failed: {e:#}");
            failed.push((name, e));
        }
    };
    if wanted("exec") {
        keep("exec", exec::bench(&out_dir, rounds, quick));
    }
    if wanted("network") {
        keep("network", network::bench(rounds, quick));
    }
    if wanted("selectors") {
        keep("selectors", selectors::bench(rounds, quick));
    }
    if wanted("privilege") {
        if !out_dir.join("tiny").exists() {
            exec::tiny_binary(&out_dir)?;
        }
        keep("privilege", privilege::bench(&out_dir, rounds, quick));
    }
    if wanted("rootfs") {
        keep("rootfs", rootfs::bench(rounds, quick));
    }
    if wanted("footprint") {
        if !out_dir.join("tiny").exists() {
            exec::tiny_binary(&out_dir)?;
        }
        keep("footprint", footprint::bench(&out_dir, quick));
    }
    if wanted("containers") {
        keep("containers", containers::bench(&out_dir, quick));
    }
    if wanted("capacity") {
        keep("capacity", capacity::bench(quick));
    }
    if wanted("kube") {
        keep("kube", kube::bench(rounds.min, quick));
    }
    if wanted("collector") {
        keep("collector", collector::bench(rounds.min, quick));
    }
    if wanted("jetstream") {
        keep("jetstream", jetstream::bench(rounds, quick));
    }
    if wanted("whatif") {
        keep("whatif", whatif::bench(rounds.min, quick));
    }

    println!("\n==> results (seed {})", segments::seed());
    for g in &goals {
        let verdict = match g.verdict {
            Verdict::Met => "ok",
            Verdict::Missed => "MISS",
            Verdict::Inconclusive => "??",
            Verdict::Reported => "",
        };
        let interval = g.interval.map_or_else(String::new, |(l, h)| format!("[{l:.3}, {h:.3}]"));
        let noise = g.noise.map_or_else(String::new, |n| format!("A/A {:.1}%", n * 100.0));
        let goal = if g.verdict == Verdict::Reported {
            String::new()
        } else {
            format!("(goal {} {})", g.goal, g.limit)
        };
        println!(
            "  {verdict:<4} {:<52} {:>12.4} {:<6} {interval:<18} {goal:<14} {noise:<10} {}",
            g.name, g.value, g.unit, g.note
        );
    }
    let path = out_dir.join("results.json");
    fs::write(&path, serde_json::to_string_pretty(&goals)?)?;
    let chart = out_dir.join("results.svg");
    fs::write(&chart, svg::chart(&goals))?;
    println!("written to {} and {}", path.display(), chart.display());
    if record {
        anyhow::ensure!(!quick, "--record takes a measurement, not a --quick smoke run");
        record::record(&root, &goals)?;
    }
    if goals.iter().any(|g| g.verdict == Verdict::Missed) {
        println!("some goals were missed (see above); the numbers are the finding, not a failure of the run");
    }
    if goals.iter().any(|g| g.verdict == Verdict::Inconclusive) {
        println!("?? inconclusive: the interval still straddles the limit after --max-rounds rounds");
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|(n, _)| *n).collect();
        anyhow::bail!("benchmarks that could not run: {} (their errors are above)", names.join(", "));
    }
    Ok(())
}
