//! `cargo xtask vm-test`: the same end-to-end tests on real kernels in VMs — x86_64 and arm64,
//! 6.1 and 6.12, with and without BPF in the LSM list — and the probe's answers on each checked
//! against the matrix in [`kernels`].
//!
//! Steps: fetch the kernels and busybox from Debian (cached, [`fetch`]); build static musl
//! binaries of the agent and the test files for each architecture ([`build`]); pack one
//! initramfs per architecture ([`initramfs`]); boot each kernel under TCG ([`boot`]), where
//! `/init` runs every test in its own process and reports on the serial console; check and
//! print the matrix ([`report`]). Logs: `target/vm/logs/<kernel>.log`.

mod boot;
pub mod build;
mod cpio;
mod fetch;
mod initramfs;
pub mod kernels;
mod report;

use std::{collections::BTreeMap, fs, path::PathBuf, time::Duration, time::Instant};

use anyhow::bail;

use self::{
    fetch::KernelFiles,
    kernels::{Arch, Kernel},
    report::KernelRun,
};
use crate::{setup, workspace_root};

pub struct Options {
    /// Kernel names (all when empty).
    pub kernels: Vec<String>,
    /// Test files to run (every file not marked host-only when empty).
    pub tests: Vec<String>,
    /// Every test of those files, not only the core set.
    pub all: bool,
    /// Longest one test may take inside a VM.
    pub test_timeout: Duration,
    /// Longest one VM may run.
    pub vm_timeout: Duration,
}

pub fn run_vm_test(opts: &Options) -> anyhow::Result<()> {
    setup::run_setup()?;
    run_matrix(opts)
}

/// The matrix, assuming `setup` has run.
pub fn run_matrix(opts: &Options) -> anyhow::Result<()> {
    let started = Instant::now();
    let kernels = kernels::select(&opts.kernels)?;
    let selected = select_files(&opts.tests, opts.all)?;
    let files: Vec<String> = selected.iter().map(|(f, _)| f.clone()).collect();
    let vm_dir = workspace_root().join("target/vm");
    let logs = vm_dir.join("logs");
    fs::create_dir_all(&logs)?;

    section("kernels and busybox from Debian (cached)");
    let mut fetched: BTreeMap<(&str, bool, Arch, &str), KernelFiles> = BTreeMap::new();
    for k in &kernels {
        if let std::collections::btree_map::Entry::Vacant(e) =
            fetched.entry((k.suite, k.updates, k.arch, k.metapackage))
        {
            let files = fetch::kernel(k.suite, k.updates, k.arch, k.metapackage)?;
            println!("vm: {:<18} {} ({})", k.name, files.package, files.release);
            e.insert(files);
        }
    }
    let mut arches: Vec<Arch> = kernels.iter().map(|k| k.arch).collect();
    arches.sort();
    arches.dedup();
    let mut busyboxes = BTreeMap::new();
    for &arch in &arches {
        busyboxes.insert(arch, fetch::busybox(arch)?);
    }
    println!("vm: fetched in {:.0}s", started.elapsed().as_secs_f64());

    let mut initrds: BTreeMap<Arch, PathBuf> = BTreeMap::new();
    for &arch in &arches {
        let built = build::build(arch, &files)?;
        let theirs: Vec<KernelFiles> =
            fetched.iter().filter(|((_, _, a, _), _)| *a == arch).map(|(_, f)| f.clone()).collect();
        let path = vm_dir.join(arch.uname()).join("initrd.cpio");
        let size = initramfs::write(&path, &busyboxes[&arch], &built, &selected, &theirs)?;
        println!("vm: {} ({:.1} MiB)", path.display(), size as f64 / (1 << 20) as f64);
        initrds.insert(arch, path);
    }

    // One VM per core at a time: each has one vCPU (two soft-locked 6.1 under TCG), and TCG
    // is bound by the CPU, so more VMs than cores only slows every one of them.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(kernels.len()).max(1);
    section(&format!("{} kernels, {workers} at a time", kernels.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(k) = kernels.get(i) else { break };
                    println!("vm: {} — {}", k.name, k.why);
                    let kf = &fetched[&(k.suite, k.updates, k.arch, k.metapackage)];
                    let log = logs.join(format!("{}.log", k.name));
                    let run = boot::boot(k, kf, &initrds[&k.arch], &log, opts.test_timeout, opts.vm_timeout)
                        .map(|b| {
                            let mut run = KernelRun::parse(&b.lines);
                            run.timed_out = b.timed_out;
                            run.elapsed = b.elapsed;
                            run.log = b.log;
                            run.outputs = b.outputs;
                            run.check(k, &files);
                            run
                        });
                    results.lock().expect("not poisoned").push((i, *k, run));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("not poisoned");
    results.sort_by_key(|(i, _, _)| *i);
    let mut rows: Vec<(Kernel, KernelRun)> = Vec::new();
    for (_, k, run) in results {
        rows.push((k, run?));
    }

    section(&format!("VM kernel matrix ({:.0}s in all)", started.elapsed().as_secs_f64()));
    print!("{}", report::matrix(&rows));
    let mut failed = 0;
    for (k, r) in &rows {
        let flaky: Vec<String> = r
            .tests
            .iter()
            .filter(|t| t.status == "flaky")
            .map(|t| format!("{}::{}", t.file, t.test))
            .collect();
        if r.passed() && flaky.is_empty() {
            continue;
        }
        if r.passed() {
            println!(
                "\n{} passed; FLAKY, failed once and passed when run again (log: {}):",
                k.name,
                r.log.display()
            );
            for f in &flaky {
                println!("  - {f}");
            }
        } else {
            failed += 1;
            println!("\n{} FAILED (log: {}):", k.name, r.log.display());
            for f in r.failures.iter().chain(&flaky) {
                println!("  - {f}");
            }
        }
        for (test, out) in &r.outputs {
            println!("  {test} said:");
            for line in report::gist(out) {
                println!("    | {line}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} kernels failed", rows.len());
    }
    Ok(())
}

/// The test files that run in the VMs (`wanted`, or every file not marked host-only), each with
/// the tests to run: its core set, or every test (an empty list) with `all` or when a file was
/// named. Files without core tests are left out of the core matrix.
fn select_files(wanted: &[String], all: bool) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let files = build::test_files()?;
    for f in files.iter().filter(|f| wanted.is_empty() || wanted.contains(&f.name)) {
        if let Some(why) = &f.host_only {
            println!("vm: {} stays on the host: {why}", f.name);
        }
    }
    for w in wanted {
        match files.iter().find(|f| &f.name == w) {
            None => bail!("no test file tests/tests/{w}.rs"),
            Some(f) if f.host_only.is_some() => bail!("tests/tests/{w}.rs is marked `{}`", build::HOST_ONLY),
            Some(_) => {}
        }
    }
    let every = all || !wanted.is_empty();
    if !every {
        println!("vm: the core set (tests marked `{}`; --all for every test)", build::CORE);
    }
    Ok(files
        .into_iter()
        .filter(|f| f.host_only.is_none() && (wanted.is_empty() || wanted.contains(&f.name)))
        .filter(|f| every || !f.core.is_empty())
        .map(|f| (f.name, if every { Vec::new() } else { f.core }))
        .collect())
}

fn section(name: &str) {
    println!("\n==> {name}");
}
