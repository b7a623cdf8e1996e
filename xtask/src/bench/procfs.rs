//! What the benchmarks read of a process from `/proc`: memory from `status`, CPU time from
//! `stat`.

use std::fs;

use anyhow::Context as _;

/// A `/proc/PID/status` field in KiB (`VmRSS:`, `VmHWM:`).
pub fn status_kib(pid: u32, field: &str) -> anyhow::Result<f64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with(field)).with_context(|| format!("{field} of {pid}"))?;
    Ok(line.split_whitespace().nth(1).with_context(|| format!("{field} value"))?.parse()?)
}

/// Resident memory in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<f64> {
    status_kib(pid, "VmRSS:")
}

/// User + system CPU seconds of the process, every thread (`/proc/PID/stat`).
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command (which may hold spaces) start at its closing parenthesis;
    // utime and stime are fields 14 and 15 of proc_pid_stat(5), 11 and 12 after it.
    let (_, rest) = stat.rsplit_once(')').context("stat without a command")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> { Ok(fields.get(i).context("short stat")?.parse()?) };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok((ticks(11)? + ticks(12)?) / hz)
}
