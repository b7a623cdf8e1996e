//! What one boot said, checked against the kernel's row of the matrix, and the matrix printed:
//! kernel × concern → tier chosen (against the expected one), tests passed/failed per concern.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use serde_json::Value;

use super::kernels::{CONCERNS, Kernel, Lsm};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    pub file: String,
    pub test: String,
    /// ok | flaky (failed, then passed when run again) | failed | timeout | ignored
    pub status: String,
    pub secs: u64,
}

/// One kernel's run.
#[derive(Debug, Default)]
pub struct KernelRun {
    pub release: Option<String>,
    pub lsm_list: Option<String>,
    pub probe: Option<Value>,
    pub tests: Vec<TestResult>,
    pub errors: Vec<String>,
    pub done: bool,
    pub timed_out: bool,
    pub elapsed: Duration,
    /// The slowest agent start (spawn to ready) the tests measured in this VM, in ms.
    pub slowest_start_ms: Option<u64>,
    pub log: PathBuf,
    /// Expectations that did not hold, and tests that did not pass.
    pub failures: Vec<String>,
    /// What each test that did not pass printed (`file::test` → its lines).
    pub outputs: Vec<(String, Vec<String>)>,
}

impl KernelRun {
    /// Parse `/init`'s lines (marker removed).
    pub fn parse(lines: &[String]) -> KernelRun {
        let mut run = KernelRun::default();
        for line in lines {
            let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
            match kind {
                "begin" => {
                    let mut w = rest.splitn(3, ' ');
                    run.release = w.next().map(str::to_string);
                    let _arch = w.next();
                    run.lsm_list = Some(w.next().unwrap_or_default().to_string());
                }
                "probe" => match serde_json::from_str(rest) {
                    Ok(v) => run.probe = Some(v),
                    Err(e) => run.errors.push(format!("probe output is not JSON ({e}): {rest}")),
                },
                "test" => {
                    let w: Vec<&str> = rest.split(' ').collect();
                    if let [file, test, status, secs] = w[..] {
                        run.tests.push(TestResult {
                            file: file.into(),
                            test: test.into(),
                            status: status.into(),
                            secs: secs.parse().unwrap_or(0),
                        });
                    } else {
                        run.errors.push(format!("unreadable test line: {line}"));
                    }
                }
                "error" => run.errors.push(rest.to_string()),
                "startup" => run.slowest_start_ms = rest.trim().parse().ok(),
                "done" => run.done = true,
                _ => {}
            }
        }
        run
    }

    /// Check the run against the kernel's row: the probe's answers, every test passed, every
    /// packed test file ran, and the VM finished.
    pub fn check(&mut self, kernel: &Kernel, files: &[String]) {
        let mut f = Vec::new();
        if self.timed_out {
            f.push("the VM did not power off before the deadline".to_string());
        } else if !self.done {
            f.push("the VM stopped before /init finished (kernel panic?)".to_string());
        }
        f.extend(self.errors.iter().map(|e| format!("/init: {e}")));
        match &self.lsm_list {
            Some(list) => {
                let has_bpf = list.split(',').any(|l| l == "bpf");
                if has_bpf != kernel.expect.bpf_in_lsm_list {
                    f.push(format!(
                        "active LSM list {list:?}: bpf {} expected",
                        if kernel.expect.bpf_in_lsm_list { "is" } else { "is not" }
                    ));
                }
            }
            None => f.push("the VM never reached /init".into()),
        }
        match &self.probe {
            Some(p) => f.extend(probe_failures(kernel, p)),
            None => f.push("no probe answer".into()),
        }
        for file in files {
            if !self.tests.iter().any(|t| &t.file == file) {
                f.push(format!("{file}: no test reported (no tests, or /init never got to it)"));
            }
        }
        for t in &self.tests {
            if !["ok", "flaky", "ignored"].contains(&t.status.as_str()) {
                f.push(format!("{}::{} {} after {}s", t.file, t.test, t.status, t.secs));
            }
        }
        self.failures = f;
    }

    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    fn tier(&self, concern: &str) -> Option<&str> {
        self.probe.as_ref()?[concern]["tier"].as_str()
    }
}

/// Most lines of a failed test's output the summary shows.
const GIST_LINES: usize = 40;

/// The part of a failed test's output worth showing in the summary (the full output is in the
/// kernel's log): from the first panic to the backtrace, else the last lines.
pub fn gist(out: &[String]) -> &[String] {
    match out.iter().position(|l| l.contains("panicked at")) {
        Some(start) => {
            let end = out[start..]
                .iter()
                .position(|l| l.starts_with("stack backtrace:") || l.starts_with("note: run with"))
                .map_or(out.len(), |n| start + n);
            &out[start..end.min(start + GIST_LINES)]
        }
        None => &out[out.len().saturating_sub(GIST_LINES)..],
    }
}

/// How the probe's answer differs from the kernel's row.
pub fn probe_failures(kernel: &Kernel, p: &Value) -> Vec<String> {
    let mut f = Vec::new();
    let e = &kernel.expect;
    for concern in CONCERNS {
        let c = &p[concern];
        let chosen = c["tier"].as_str().unwrap_or("(none)");
        if chosen != e.tier(concern) {
            f.push(format!(
                "probe: {concern} chose {chosen}, expected {} ({})",
                e.tier(concern),
                reason(c, chosen)
            ));
        }
        // Network is enforced by cgroup programs only: Rampart builds no lsm or sigkill tier
        // for it, and the probe says so.
        if concern == "network" {
            continue;
        }
        let lsm = &c["tiers"]["lsm"];
        let why = lsm["reason"].as_str().unwrap_or_default();
        match (e.lsm(concern), lsm["available"].as_bool()) {
            (Lsm::Available, Some(true)) => {}
            (Lsm::Available, _) => f.push(format!("probe: {concern}: LSM expected available: {why}")),
            (Lsm::Unavailable(text), Some(false)) if why.contains(text) => {}
            (Lsm::Unavailable(text), _) => {
                f.push(format!("probe: {concern}: LSM expected unavailable because {text:?}, got: {why}"))
            }
        }
        // The fallback must be there wherever the LSM tier is not.
        if c["tiers"]["sigkill"]["available"] != true {
            f.push(format!("probe: {concern}: sigkill tier unavailable: {}", reason(c, "sigkill")));
        }
    }
    f
}

fn reason(c: &Value, tier: &str) -> String {
    c["tiers"][tier]["reason"].as_str().unwrap_or_default().to_string()
}

/// The group a test file belongs to in the matrix: the concern its name starts with.
pub fn group(file: &str) -> &'static str {
    for g in ["exec", "network", "rootfs", "privilege"] {
        if file.starts_with(g) {
            return g;
        }
    }
    "other"
}

const GROUPS: [&str; 5] = ["exec", "network", "rootfs", "privilege", "other"];

/// The matrix, one row per kernel.
pub fn matrix(rows: &[(Kernel, KernelRun)]) -> String {
    let mut out = String::new();
    let mut header =
        format!("{:<18} {:<26} {:>6} {:>7}  {:<6}", "kernel", "release", "time", "start", "probe");
    for g in GROUPS {
        let w = if CONCERNS.contains(&g) { 18 } else { 8 };
        header.push_str(&format!(" {g:<w$}"));
    }
    header.push_str("  result");
    out.push_str(&header);
    out.push('\n');
    for (k, r) in rows {
        let probe_ok = r.probe.as_ref().is_some_and(|p| probe_failures(k, p).is_empty());
        let mut line = format!(
            "{:<18} {:<26} {:>5}s {:>7}  {:<6}",
            k.name,
            r.release.as_deref().unwrap_or("-"),
            r.elapsed.as_secs(),
            r.slowest_start_ms.map_or("-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0)),
            if r.probe.is_none() {
                "none"
            } else if probe_ok {
                "ok"
            } else {
                "WRONG"
            }
        );
        let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for t in &r.tests {
            let c = counts.entry(group(&t.file)).or_default();
            if t.status == "ok" || t.status == "flaky" {
                c.0 += 1;
            } else if t.status != "ignored" {
                c.1 += 1;
            }
        }
        for g in GROUPS {
            let (pass, fail) = counts.get(g).copied().unwrap_or_default();
            let tests =
                if fail > 0 { format!("{pass}/{} FAIL", pass + fail) } else { format!("{pass}/{pass}") };
            if CONCERNS.contains(&g) {
                let tier = r.tier(g).unwrap_or("?");
                let mark = if tier == k.expect.tier(g) { "" } else { "!" };
                line.push_str(&format!(" {:<18}", format!("{tier}{mark} {tests}")));
            } else {
                line.push_str(&format!(" {tests:<8}"));
            }
        }
        line.push_str(if r.passed() { "  PASS" } else { "  FAIL" });
        let flaky = r.tests.iter().filter(|t| t.status == "flaky").count();
        if flaky > 0 {
            line.push_str(&format!(" ({flaky} flaky)"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(
        "(start = the slowest agent start to ready in the tests; tier! = not the tier the matrix expects; n/m = tests passed of run)\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::kernels::KERNELS;

    fn probe(rootfs: &str, lsm_ok: bool, why: &str) -> Value {
        let c = |tier: &str| {
            serde_json::json!({"tier": tier, "tiers": {
                "lsm": {"available": lsm_ok, "reason": why},
                "cgroup": {"available": tier == "cgroup", "reason": "x"},
                "sigkill": {"available": true, "reason": "x"},
                "none": {"available": true, "reason": "x"}}})
        };
        serde_json::json!({"network": c("cgroup"), "rootfs": c(rootfs), "privilege": c(rootfs), "kernel": {}})
    }

    #[test]
    fn lines_parse_into_a_run_and_expectations_are_checked() {
        let arm61 = KERNELS.iter().find(|k| k.name == "6.1-arm64").unwrap();
        let p = probe("sigkill", false, "attaching the LSM program to file_open: ENOTSUPP (errno 524: ...)");
        let lines: Vec<String> = [
            "begin 6.1.0-41-cloud-arm64 aarch64 landlock,lockdown,yama,apparmor,bpf".to_string(),
            format!("probe {p}"),
            "test exec_attribution host_processes_say_host ok 3".into(),
            "test network_egress audit_mode ignored 0".into(),
            "done".into(),
        ]
        .into();
        let mut run = KernelRun::parse(&lines);
        run.check(arm61, &["exec_attribution".into(), "network_egress".into()]);
        assert!(run.passed(), "{:?}", run.failures);

        // The same answer on a kernel that should have LSM fails, with the reason.
        let x612 = KERNELS.iter().find(|k| k.name == "6.12-x86_64").unwrap();
        let mut run = KernelRun::parse(&lines);
        run.check(x612, &["exec_attribution".into()]);
        assert!(
            run.failures.iter().any(|f| f.contains("rootfs chose sigkill, expected lsm")),
            "{:?}",
            run.failures
        );
    }

    #[test]
    fn the_gist_of_a_failed_test_is_its_panic_without_the_backtrace() {
        let out: Vec<String> = [
            "running 1 test",
            "agent log line",
            "thread 'x' panicked at a.rs:1:2:",
            "boom",
            "stack backtrace:",
            "   0: f",
        ]
        .map(String::from)
        .into();
        assert_eq!(gist(&out), &out[2..4]);
        let quiet: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(gist(&quiet).len(), GIST_LINES);
        assert_eq!(gist(&quiet).last().unwrap(), "49");
    }

    #[test]
    fn a_missing_file_a_failed_test_and_no_power_off_are_failures() {
        let k = KERNELS.iter().find(|k| k.name == "6.1-x86_64-nobpf").unwrap();
        let p = probe(
            "sigkill",
            false,
            "bpf is not in the active LSM list (landlock): LSM programs attach but never run",
        );
        let lines: Vec<String> = [
            "begin 6.1.0-41-cloud-amd64 x86_64 landlock,lockdown,yama,apparmor".to_string(),
            format!("probe {p}"),
            "test probe a ok 1".into(),
            "test probe b failed 2".into(),
        ]
        .into();
        let mut run = KernelRun::parse(&lines);
        run.check(k, &["probe".into(), "network_flows".into()]);
        let f = run.failures.join("\n");
        assert!(f.contains("before /init finished"), "{f}");
        assert!(f.contains("network_flows: no test reported"), "{f}");
        assert!(f.contains("probe::b failed"), "{f}");
        assert!(!f.contains("probe: "), "the probe's answer is right: {f}");
        assert_eq!(group("network_flows"), "network");
        assert_eq!(group("bad_input"), "other");
    }
}
