//! One initramfs per architecture: busybox, `/init`, the agent and the test crate's binaries
//! laid out as cargo lays them out (`/rampart/<bin>`, `/rampart/deps/<test>`: the harness finds
//! binaries next to the test executable's directory, as on the host), and the modules of every
//! kernel of that architecture under `/lib/modules/<release>/` with their load order.

use std::{fs, path::Path};

use anyhow::Context as _;

use super::{build::Built, cpio::Cpio, fetch::KernelFiles};

const INIT: &str = include_str!("init.sh");

const DIRS: &[&str] = &[
    "bin",
    "sbin",
    "usr",
    "usr/bin",
    "usr/sbin",
    "dev",
    "proc",
    "sys",
    "tmp",
    "run",
    "etc",
    "root",
    "lib",
    "lib/modules",
    "mnt",
    "var",
    "var/tmp",
    "rampart",
    "rampart/deps",
];

/// Write the initramfs for one architecture to `path`; returns its size in bytes.
pub fn write(
    path: &Path,
    busybox: &Path,
    built: &Built,
    selected: &[(String, Vec<String>)],
    kernels: &[KernelFiles],
) -> anyhow::Result<u64> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut c = Cpio::new(file);
    for d in DIRS {
        c.dir(d)?;
    }
    // The kernel opens /dev/console for /init before anything is mounted.
    c.char_device("dev/console", 5, 1)?;
    c.char_device("dev/null", 1, 3)?;
    c.copy("bin/busybox", busybox)?;
    c.symlink("bin/sh", "busybox")?;
    c.file("init", 0o755, INIT.as_bytes())?;
    c.file(
        "etc/passwd",
        0o644,
        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )?;
    c.file("etc/group", 0o644, b"root:x:0:\nnogroup:x:65534:\n")?;
    c.file("etc/hosts", 0o644, b"127.0.0.1 localhost\n::1 localhost\n")?;
    for (name, exe) in &built.bins {
        c.copy(&format!("rampart/{name}"), exe)?;
    }
    let mut list = String::new();
    for (name, exe) in &built.tests {
        c.copy(&format!("rampart/deps/{name}"), exe)?;
        // `file [test ...]`: only those tests when named, else all.
        let only = selected.iter().find(|(f, _)| f == name).map(|(_, t)| t.join(" ")).unwrap_or_default();
        list.push_str(format!("{name} {only}").trim_end());
        list.push('\n');
    }
    c.file("rampart/tests", 0o644, list.as_bytes())?;
    let mut releases = Vec::new();
    for k in kernels {
        if releases.contains(&k.release) {
            continue;
        }
        releases.push(k.release.clone());
        let dir = format!("lib/modules/{}", k.release);
        c.dir(&dir)?;
        let mut order = String::new();
        for m in &k.modules {
            let name = m.file_name().expect("file").to_string_lossy().into_owned();
            c.copy(&format!("{dir}/{name}"), m)?;
            order.push_str(&name);
            order.push('\n');
        }
        c.file(&format!("{dir}/order"), 0o644, order.as_bytes())?;
    }
    let size = c.finish()?;
    fs::rename(&tmp, path)?;
    Ok(size)
}
