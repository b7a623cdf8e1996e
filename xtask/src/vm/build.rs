//! Static musl builds of what runs inside the VMs: the agent and every binary of the test crate
//! (the trigger, helpers), and the test files that take part in the matrix, in the `vm` profile
//! (optimised enough for TCG, no debug info).
//!
//! Every file in `tests/tests/` takes part unless it says otherwise with a line
//! `// vm-test: host-only: <why>` (a test file that needs what a VM does not have: the
//! collector, the CLI, the source tree). The skipped files and their reasons are printed.
//!
//! The matrix CI runs (`cargo xtask test`, and `vm-test` without `--all`) is the core set: the
//! tests marked with a line `// vm-test: core` above their `#[test]`, chosen so that every
//! concern, and the lsm tier's denials, are exercised on every kernel within CI's budget (under
//! TCG an agent start costs 10-30 s of verifier time).

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context as _, bail};
use serde_json::Value;

use super::kernels::Arch;
use crate::workspace_root;

/// The line that keeps a test file out of the VM matrix.
pub const HOST_ONLY: &str = "// vm-test: host-only:";

/// The line that puts the next test in the core set.
pub const CORE: &str = "// vm-test: core";

pub const PROFILE: &str = "vm";

/// A test file (`tests/tests/<name>.rs`) and whether it runs in the VMs.
#[derive(Clone, Debug)]
pub struct TestFile {
    pub name: String,
    /// Why it stays on the host, if it does.
    pub host_only: Option<String>,
    /// Its tests in the core set.
    pub core: Vec<String>,
}

/// Every test file, in name order.
pub fn test_files() -> anyhow::Result<Vec<TestFile>> {
    let dir = workspace_root().join("tests/tests");
    let mut files = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let name = path.file_stem().expect("file").to_string_lossy().into_owned();
        let text = fs::read_to_string(&path)?;
        let host_only =
            text.lines().find_map(|l| l.trim().strip_prefix(HOST_ONLY)).map(|r| r.trim().to_string());
        let core = core_tests(&text);
        files.push(TestFile { name, host_only, core });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// The tests of a file's text marked [`CORE`]: the first `fn` after each mark.
fn core_tests(text: &str) -> Vec<String> {
    let mut marked = false;
    let mut core = Vec::new();
    for line in text.lines().map(str::trim) {
        if line == CORE {
            marked = true;
        } else if marked && let Some(rest) = line.strip_prefix("fn ") {
            core.push(rest.split('(').next().unwrap_or(rest).trim().to_string());
            marked = false;
        }
    }
    core
}

/// What one architecture's build produced.
#[derive(Debug)]
pub struct Built {
    /// Binaries (name, path): the agent and the test crate's binaries.
    pub bins: Vec<(String, PathBuf)>,
    /// Test executables (file name, path).
    pub tests: Vec<(String, PathBuf)>,
}

/// Build the binaries and the test files `tests` for `arch`.
pub fn build(arch: Arch, tests: &[String]) -> anyhow::Result<Built> {
    let target = arch.rust_target();
    println!("\n==> building for {target} (profile {PROFILE})");
    let bins = cargo_artifacts(
        Command::new("cargo").args(["build", "--bins", "-p", "rampart-agent", "-p", "rampart-tests"]),
        PROFILE,
        target,
        "bin",
    )?;
    let mut cmd = Command::new("cargo");
    cmd.args(["test", "--no-run", "-p", "rampart-tests"]);
    for t in tests {
        cmd.args(["--test", t]);
    }
    let built_tests =
        if tests.is_empty() { Vec::new() } else { cargo_artifacts(&mut cmd, PROFILE, target, "test")? };
    for t in tests {
        if !built_tests.iter().any(|(n, _)| n == t) {
            bail!("cargo built no test executable for {t}");
        }
    }
    if !bins.iter().any(|(n, _)| n == "rampart-agent") {
        bail!("cargo built no rampart-agent for {target}");
    }
    let mut built_tests = built_tests;
    built_tests.sort();
    Ok(Built { bins, tests: built_tests })
}

/// Run a cargo command with `profile` for `target` and return its executables of target kind
/// `kind`.
pub fn cargo_artifacts(
    cmd: &mut Command,
    profile: &str,
    target: &str,
    kind: &str,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    cmd.current_dir(workspace_root())
        .args(["--profile", profile, "--target", target, "--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let out = cmd.output().with_context(|| format!("starting {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", out.status);
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        if v["reason"] != "compiler-artifact" {
            continue;
        }
        let (Some(exe), Some(name)) = (v["executable"].as_str(), v["target"]["name"].as_str()) else {
            continue;
        };
        let kinds = v["target"]["kind"].as_array().cloned().unwrap_or_default();
        if kinds.iter().any(|k| k == kind) {
            found.push((name.to_string(), Path::new(exe).to_path_buf()));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_marks_name_the_next_test() {
        let text = "// vm-test: core\n#[test]\nfn first() {}\n\n#[test]\nfn second() {}\n\n    // vm-test: core\n#[test]\nfn third(x: u8) {}\n";
        assert_eq!(core_tests(text), ["first", "third"]);
        assert!(core_tests("#[test]\nfn alone() {}\n").is_empty());
    }
}
