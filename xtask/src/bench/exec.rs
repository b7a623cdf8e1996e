//! fork+exec of a tiny static binary: no agent (A), an empty program on
//! `sched:sched_process_exec` (B), the agent (C). Goal: C/B <= 1.3.

use std::{
    ffi::CString,
    fs,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{Context as _, bail};
use rampart_tests::agent::{Agent, AgentOptions};

use super::{
    Check, Goal, Rounds,
    cpu::Meter,
    segments::{Baseline, Variant, interleaved, median},
};
use crate::run;

/// A static binary that exits at once: the exec cost without a dynamic loader.
pub fn tiny_binary(dir: &Path) -> anyhow::Result<PathBuf> {
    let src = dir.join("tiny.c");
    let bin = dir.join("tiny");
    fs::write(&src, "int main(void) { return 0; }\n")?;
    run(Command::new("gcc").args(["-O2", "-static", "-o"]).arg(&bin).arg(&src))
        .context("gcc -static (libc6-dev)")?;
    Ok(bin)
}

/// fork + execv + waitpid, `n` times; nanoseconds per iteration.
pub fn fork_exec(bin: &Path, n: usize) -> anyhow::Result<f64> {
    let path = CString::new(bin.as_os_str().as_encoded_bytes())?;
    let argv = [path.as_ptr(), std::ptr::null()];
    let start = Instant::now();
    for _ in 0..n {
        // SAFETY: the child only calls execv and _exit (async-signal-safe).
        let pid = unsafe { libc::fork() };
        match pid {
            -1 => bail!("fork: {}", std::io::Error::last_os_error()),
            0 => unsafe {
                libc::execv(path.as_ptr(), argv.as_ptr());
                libc::_exit(127);
            },
            _ => {
                let mut status = 0;
                // SAFETY: waiting for our own child.
                unsafe { libc::waitpid(pid, &mut status, 0) };
                if status != 0 {
                    bail!("{} exited with status {status}", bin.display());
                }
            }
        }
    }
    Ok(start.elapsed().as_nanos() as f64 / n as f64)
}

pub fn bench(out_dir: &Path, rounds: Rounds, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> fork+exec of a tiny static binary");
    let bin = tiny_binary(out_dir)?;
    let n = if quick { 300 } else { 2000 };
    fork_exec(&bin, n / 4)?; // warm the page cache
    let variants = [
        Variant { name: "A:none", start: Box::new(|| Ok(Box::new(()))) },
        Variant { name: "B:empty", start: Box::new(|| Ok(Box::new(Baseline::start("exec")?))) },
        Variant { name: "C:agent", start: Box::new(|| Ok(Box::new(Agent::start(AgentOptions::default())))) },
        Variant { name: "A2:none", start: Box::new(|| Ok(Box::new(()))) },
    ];
    let per_event = std::cell::RefCell::new(Vec::new());
    let goal = Check { num: "C:agent", den: "B:empty", limit: 1.3, at_most: true };
    let m = interleaved(rounds, &variants, &[goal], |guard| {
        let meter = guard.and_then(|g| g.downcast_ref::<Agent>()).map(|a| Meter::start(a, "exec"));
        let cost = fork_exec(&bin, n)?;
        if let Some(meter) = meter {
            per_event.borrow_mut().push(meter.finish().us_per_event());
        }
        Ok(cost)
    })?;
    let segments = per_event.borrow().len();
    let cpu_per_event_us = median(per_event.into_inner().into_iter().filter(|c| c.is_finite()).collect());
    let note = format!(
        "A {:.0} ns, B {:.0} ns, C {:.0} ns per fork+exec",
        m.get("A:none"),
        m.get("B:empty"),
        m.get("C:agent"),
    );
    Ok(vec![
        Goal::ratio("fork+exec: agent / empty program (C/B)", &m, goal, note),
        Goal::ratio_reported("fork+exec: agent / no agent (C/A)", &m, "C:agent", "A:none", ""),
        Goal::at_most(
            "agent CPU per exec event (user + system)",
            cpu_per_event_us,
            "µs",
            4.0,
            format!(
                "median of {segments} segments at ~{:.0} execs/s (the rate sets how many events a ring read finds), the catch-up after each included",
                1e9 / m.get("C:agent")
            ),
        ),
    ])
}
