//! `cargo xtask setup`: install what a fresh machine lacks, idempotently, one line per step.
//!
//! A fresh machine has the Rust toolchains (stable and nightly), gcc, python3 and git. This adds:
//! the Debian packages the project uses, nightly's `rust-src` (the kernel crate builds `core`
//! itself), the musl targets (static binaries for the VM tests), and bpf-linker linked against
//! nightly's own libLLVM through a prefix directory kept in a lasting place, and a Python
//! virtual environment with the tools that render and check the deployment manifests. A
//! second run checks each step and changes nothing.

use std::{
    env, fs,
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

use crate::{output, run};

/// Debian packages: VMs (qemu, busybox, cpio; a C cross compiler for `ring` in the static
/// aarch64 binaries, xz for the kernels' modules), containers (runc; skopeo reads the image's
/// OCI layout), NATS, networking, inspection, Graphviz (`rampart graph -o svg`).
const PACKAGES: &[&str] = &[
    "qemu-system-x86",
    "qemu-system-arm",
    "busybox-static",
    "cpio",
    "gcc-aarch64-linux-gnu",
    "libc6-dev-arm64-cross",
    "xz-utils",
    "runc",
    "nats-server",
    "iproute2",
    "bpftool",
    "libcap2-bin",
    "skopeo",
    "graphviz",
];

const MUSL_TARGETS: &[&str] = &["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"];

pub fn run_setup() -> anyhow::Result<()> {
    println!("setup: checking this machine (a second run changes nothing)");
    debian_packages()?;
    nightly_rust_src()?;
    musl_targets()?;
    bpf_linker()?;
    cargo_fuzz()?;
    python_tools()?;
    println!("setup: done");
    Ok(())
}

fn step(name: &str, msg: &str) {
    println!("setup: {name:<14} {msg}");
}

fn is_installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn debian_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !is_installed(p)).collect();
    if missing.is_empty() {
        step("packages", &format!("ok ({} Debian packages present)", PACKAGES.len()));
        return Ok(());
    }
    step("packages", &format!("installing {}", missing.join(" ")));
    if unsafe_geteuid() != 0 {
        bail!("installing Debian packages needs root: run `sudo cargo xtask setup`");
    }
    let mut install: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
    // Debian's qemu-system-* needs Debian's qemu-utils; a backported qemu-utils (seen on these
    // machines) blocks them. Pin qemu-utils to the release's own version.
    if missing.iter().any(|p| p.starts_with("qemu-system")) && is_installed("qemu-utils") {
        let codename = os_codename().unwrap_or_else(|| "bookworm".into());
        install.push(format!("qemu-utils/{codename}"));
    }
    run(Command::new("apt-get").args(["update", "-qq"]).env("DEBIAN_FRONTEND", "noninteractive"))
        .context("apt-get update")?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", "--allow-downgrades"])
        .args(&install)
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .context("apt-get install")?;
    let still: Vec<&str> = PACKAGES.iter().copied().filter(|p| !is_installed(p)).collect();
    if !still.is_empty() {
        bail!("apt-get finished but these are still missing: {}", still.join(" "));
    }
    step("packages", "installed");
    Ok(())
}

fn os_codename() -> Option<String> {
    let text = fs::read_to_string("/etc/os-release").ok()?;
    text.lines().find_map(|l| l.strip_prefix("VERSION_CODENAME=").map(|s| s.trim_matches('"').to_string()))
}

fn unsafe_geteuid() -> u32 {
    // `id -u` rather than libc: xtask keeps its dependencies small.
    output(Command::new("id").arg("-u")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(u32::MAX)
}

fn nightly_rust_src() -> anyhow::Result<()> {
    let toolchains = output(Command::new("rustup").args(["toolchain", "list"]))?;
    if !toolchains.lines().any(|l| l.starts_with("nightly")) {
        step("nightly", "installing the nightly toolchain (the kernel crate needs it)");
        run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let installed =
        output(Command::new("rustup").args(["component", "list", "--installed", "--toolchain", "nightly"]))?;
    if installed.lines().any(|l| l.starts_with("rust-src")) {
        step("rust-src", "ok (nightly rust-src present)");
    } else {
        step("rust-src", "adding rust-src to nightly");
        run(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", "nightly"]))?;
    }
    Ok(())
}

fn musl_targets() -> anyhow::Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    let missing: Vec<&str> =
        MUSL_TARGETS.iter().copied().filter(|t| !installed.lines().any(|l| l == *t)).collect();
    if missing.is_empty() {
        step("musl", "ok (static targets present)");
    } else {
        step("musl", &format!("adding {}", missing.join(" ")));
        run(Command::new("rustup").arg("target").arg("add").args(&missing))?;
    }
    Ok(())
}

/// Where the LLVM prefix for bpf-linker lives: lasting, per user.
pub fn llvm_prefix() -> PathBuf {
    let base = env::var_os("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".local/share")
    });
    base.join("rampart/llvm")
}

/// nightly's libLLVM: (file path, major version).
fn nightly_llvm() -> anyhow::Result<(PathBuf, String)> {
    let sysroot = output(Command::new("rustc").args(["+nightly", "--print", "sysroot"]))?;
    let lib = Path::new(sysroot.trim()).join("lib");
    for entry in fs::read_dir(&lib).with_context(|| format!("reading {}", lib.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        // libLLVM.so.22.1-rust-1.97.0-nightly
        if let Some(rest) = name.strip_prefix("libLLVM.so.") {
            let major = rest.split('.').next().unwrap_or_default().to_string();
            return Ok((lib.join(&name), major));
        }
    }
    bail!("no libLLVM.so.* in {}: is the nightly toolchain complete?", lib.display())
}

fn bpf_linker() -> anyhow::Result<()> {
    let (libllvm, major) = nightly_llvm()?;
    let prefix = llvm_prefix();
    let libdir = prefix.join("lib");
    fs::create_dir_all(&libdir)?;
    let file_name = libllvm.file_name().expect("file").to_owned();
    let mut relinked = false;
    for link in [libdir.join("libLLVM.so"), libdir.join(&file_name)] {
        if fs::read_link(&link).ok().as_deref() != Some(libllvm.as_path()) {
            let _ = fs::remove_file(&link);
            symlink(&libllvm, &link).with_context(|| format!("linking {}", link.display()))?;
            relinked = true;
        }
    }
    if relinked {
        step("llvm-prefix", &format!("{} -> nightly's libLLVM {major}", prefix.display()));
    } else {
        step("llvm-prefix", &format!("ok ({})", prefix.display()));
    }
    let works = Command::new("bpf-linker").arg("--version").output().is_ok_and(|o| o.status.success());
    if works && !relinked {
        step("bpf-linker", "ok");
        return Ok(());
    }
    step("bpf-linker", &format!("installing with llvm-{major} (takes a few minutes)"));
    run(Command::new("cargo")
        .args(["+stable", "install", "--locked", "bpf-linker", "--no-default-features", "--features"])
        .arg(format!("llvm-{major}"))
        .arg("--force")
        .env("LLVM_PREFIX", &prefix))
    .context("cargo install bpf-linker")?;
    let ok = Command::new("bpf-linker").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        bail!("bpf-linker was installed but does not run; is ~/.cargo/bin on PATH?");
    }
    step("bpf-linker", "installed");
    Ok(())
}

/// cargo-fuzz, which builds and runs the fuzz targets in `fuzz/` with nightly's libFuzzer
/// support.
fn cargo_fuzz() -> anyhow::Result<()> {
    let works =
        || Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if works() {
        step("cargo-fuzz", "ok");
        return Ok(());
    }
    step("cargo-fuzz", "installing (takes a minute or two)");
    run(Command::new("cargo").args(["+stable", "install", "--locked", "cargo-fuzz"]))
        .context("cargo install cargo-fuzz")?;
    if !works() {
        bail!("cargo-fuzz was installed but `cargo fuzz --version` fails; is ~/.cargo/bin on PATH?");
    }
    step("cargo-fuzz", "installed");
    Ok(())
}

/// PyPI packages for the deployment manifests: Helm's own engine (rendering and `helm lint`
/// offline), Kubernetes' schemas, JSON Schema checks of the example policies, YAML lint.
const PYTHON_TOOLS: &[&str] = &[
    "helm-python-sdk==0.2.2",
    "kubernetes-validate==1.37.0",
    "check-jsonschema==0.39.0",
    "yamllint==1.38.0",
];

/// The virtual environment of [`PYTHON_TOOLS`]: lasting, per user, beside the LLVM prefix.
pub fn python_venv() -> PathBuf {
    llvm_prefix().with_file_name("venv")
}

/// A program of the virtual environment (`python`, `yamllint`, ...).
pub fn venv_bin(name: &str) -> PathBuf {
    python_venv().join("bin").join(name)
}

fn python_tools() -> anyhow::Result<()> {
    let venv = python_venv();
    let stamp = venv.join("rampart-requirements.txt");
    let wanted = PYTHON_TOOLS.join("\n");
    if fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) && venv_bin("python").exists() {
        step("python-tools", &format!("ok ({})", venv.display()));
        return Ok(());
    }
    step("python-tools", &format!("installing {} into {}", PYTHON_TOOLS.join(" "), venv.display()));
    if !venv_bin("python").exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv)).context("python3 -m venv")?;
    }
    run(Command::new(venv_bin("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PYTHON_TOOLS))
    .context("pip install (PyPI must be reachable)")?;
    fs::write(&stamp, wanted)?;
    step("python-tools", "installed");
    Ok(())
}
