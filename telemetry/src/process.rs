//! The process's own figures in the Prometheus client libraries' standard names
//! (`process_*`), read from `/proc/self` at each scrape, and `rampart_build_info`.

use std::fmt::Write as _;

/// CPU seconds (user + system, every thread's, from `getrusage`: microseconds, where
/// `/proc/self/stat` counts clock ticks), resident bytes and open file descriptors.
fn read() -> Option<(f64, u64, usize)> {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    // SAFETY: an all-zero rusage is valid, and getrusage fills the one it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    let fds = std::fs::read_dir("/proc/self/fd").ok()?.count();
    Some((cpu, resident * page.max(1) as u64, fds))
}

/// Appends the families to `o`: `rampart_build_info` of `daemon` (`agent`, `collector`) at
/// `version`, and the process's figures.
pub fn render(o: &mut String, daemon: &str, version: &str) {
    let _ = writeln!(
        o,
        "# HELP rampart_build_info The {daemon}'s version.\n# TYPE rampart_build_info gauge\n\
         rampart_build_info{{version=\"{version}\"}} 1"
    );
    let Some((cpu, rss, fds)) = read() else { return };
    let _ = writeln!(
        o,
        "# HELP process_cpu_seconds_total User and system CPU time spent, in seconds.\n\
         # TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {cpu:.6}\n\
         # HELP process_resident_memory_bytes Resident memory size in bytes.\n\
         # TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n\
         # HELP process_open_fds Open file descriptors.\n# TYPE process_open_fds gauge\nprocess_open_fds {fds}"
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let mut o = String::new();
        super::render(&mut o, "test", "9.9.9");
        assert!(o.contains("rampart_build_info{version=\"9.9.9\"} 1"), "{o}");
        let value = |name: &str| -> f64 {
            let line =
                o.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{o}"));
            line.rsplit_once(' ').unwrap().1.parse().unwrap()
        };
        assert!(value("process_resident_memory_bytes") > 1e6, "{o}");
        assert!(value("process_open_fds") >= 3.0, "{o}");
        assert!(value("process_cpu_seconds_total") >= 0.0, "{o}");
    }
}
