//! Boot one kernel under QEMU's TCG (`/dev/kvm` is not usable on these hosts) with the
//! architecture's initramfs, keep everything the serial console says in a log file, and hand
//! back the `@@rampart-vm` lines `/init` printed.

use std::{
    fs,
    io::{BufRead as _, BufReader, Write as _},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::Context as _;

use super::{
    fetch::KernelFiles,
    kernels::{Arch, Kernel},
};

/// The prefix of every line `/init` prints for the host.
pub const MARKER: &str = "@@rampart-vm ";

/// Guest memory: the initramfs (uncompressed) plus the tests.
const MEMORY_MB: u32 = 1024;

pub struct Boot {
    /// The `@@rampart-vm` lines, without the marker.
    pub lines: Vec<String>,
    /// What each test that did not pass printed (`file::test` → its lines).
    pub outputs: Vec<(String, Vec<String>)>,
    pub elapsed: Duration,
    /// The VM was killed at the deadline.
    pub timed_out: bool,
    pub log: PathBuf,
}

/// QEMU's command line for `kernel`.
fn qemu(kernel: &Kernel, files: &KernelFiles, initrd: &Path, test_timeout: Duration) -> Command {
    let mut append = vec!["panic=-1".to_string(), "quiet".into()];
    if let Some(lsm) = kernel.lsm_cmdline {
        append.push(format!("lsm={lsm}"));
    }
    append.push(format!("rampart.kernel={}", kernel.name));
    append.push(format!("rampart.timeout={}", test_timeout.as_secs()));
    let mut c = match kernel.arch {
        Arch::X86_64 => {
            let mut c = Command::new("qemu-system-x86_64");
            c.args(["-cpu", "max"]);
            append.insert(0, "console=ttyS0".into());
            c
        }
        Arch::Arm64 => {
            let mut c = Command::new("qemu-system-aarch64");
            // pauth-impdef: the architected pointer-authentication algorithm costs TCG a lot.
            c.args(["-M", "virt", "-cpu", "max,pauth-impdef=on"]);
            append.insert(0, "console=ttyAMA0".into());
            c
        }
    };
    // One vCPU: with two, 6.1 x86_64 under TCG locked up both (soft lockups, agent and test
    // process) while the agent attached its LSM programs — cross-CPU code patching
    // (`text_poke_bp`) of trampolines and tail calls is where TCG is weakest.
    c.args(["-accel", "tcg", "-smp", "1", "-m", &MEMORY_MB.to_string()])
        .args(["-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot"])
        .arg("-kernel")
        .arg(&files.vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(append.join(" "));
    c
}

/// Boot `kernel` and wait for it to power off, or kill it at `deadline`. Each test line is
/// echoed as it arrives.
pub fn boot(
    kernel: &Kernel,
    files: &KernelFiles,
    initrd: &Path,
    log: &Path,
    test_timeout: Duration,
    deadline: Duration,
) -> anyhow::Result<Boot> {
    let mut cmd = qemu(kernel, files, initrd, test_timeout);
    let mut logf = fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    writeln!(logf, "# {cmd:?}")?;
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let (tx, rx) = mpsc::channel::<String>();
    for stream in [
        Box::new(child.stdout.take().expect("piped")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("piped")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stream);
            let mut buf = Vec::new();
            while r.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                let line = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
                if tx.send(line).is_err() {
                    break;
                }
                buf.clear();
            }
        });
    }
    drop(tx);
    let mut lines = Vec::new();
    let mut outputs: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_output = false;
    let mut timed_out = false;
    loop {
        let left = deadline.saturating_sub(start.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) => {
                writeln!(logf, "{line}")?;
                if let Some(pos) = line.find(MARKER) {
                    let m = line[pos + MARKER.len()..].to_string();
                    in_output = false;
                    if let Some(test) = m.strip_prefix("output ") {
                        outputs.push((test.replacen(' ', "::", 1), Vec::new()));
                        in_output = true;
                    }
                    echo(kernel.name, &m, start.elapsed());
                    lines.push(m);
                } else if in_output && let Some((_, out)) = outputs.last_mut() {
                    out.push(line);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                timed_out = true;
                writeln!(logf, "# killed: no power-off within {deadline:?}")?;
                let _ = child.kill();
                break;
            }
        }
    }
    let status = child.wait()?;
    writeln!(logf, "# qemu exited: {status} after {:.1}s", start.elapsed().as_secs_f64())?;
    Ok(Boot { lines, outputs, elapsed: start.elapsed(), timed_out, log: log.to_path_buf() })
}

/// Progress on the terminal: one line per test, and the milestones.
fn echo(kernel: &str, line: &str, at: Duration) {
    let t = at.as_secs();
    let mut w = line.split(' ');
    match w.next() {
        Some("begin") => println!("  [{kernel}] {t:>4}s booted {}", w.collect::<Vec<_>>().join(" ")),
        Some("probe") => println!("  [{kernel}] {t:>4}s probe answered"),
        Some("test") => {
            let (file, test, status, secs) = (
                w.next().unwrap_or_default(),
                w.next().unwrap_or_default(),
                w.next().unwrap_or_default(),
                w.next().unwrap_or_default(),
            );
            println!("  [{kernel}] {t:>4}s {status:<7} {file}::{test} ({secs}s)");
        }
        Some("error") => println!("  [{kernel}] {t:>4}s ERROR {}", w.collect::<Vec<_>>().join(" ")),
        Some("done") => println!("  [{kernel}] {t:>4}s done"),
        _ => {}
    }
}
