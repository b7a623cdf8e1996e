//! Kernels and busybox from Debian's archive, cached. Package names are resolved at run time
//! from the metapackages (a kernel package's name carries an ABI number that changes with
//! security uploads), through apt with a private sources list and lists directory per
//! (release, architecture): nothing on the host's apt configuration changes and arm64 needs no
//! `dpkg --add-architecture`.
//!
//! Cache layout (`$XDG_CACHE_HOME/rampart/vm`, else `~/.cache/rampart/vm`):
//! - `apt/<suite>-<arch>/`: sources.list, lists, archives (the lists are refreshed when older
//!   than [`LISTS_MAX_AGE`]);
//! - `pkg/<package>_<version>_<arch>/`: what the tests need from one package, extracted once (a
//!   kernel's `vmlinuz`, `config`, the modules in [`kernels::MODULES`] decompressed, with the
//!   order to load them; busybox's binary);
//! - `pkg/<metapackage>-<suite>-<arch>.current`: the last resolution, used when the archive
//!   cannot be reached.

use std::{
    collections::BTreeMap,
    env, fs,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, SystemTime},
};

use anyhow::{Context as _, bail};

use super::kernels::{self, Arch};
use crate::{output, run};

/// How long downloaded package lists are trusted before `apt-get update` runs again.
const LISTS_MAX_AGE: Duration = Duration::from_secs(12 * 3600);

/// Debian's archive; `RAMPART_DEBIAN_MIRROR` overrides it (e.g. a local mirror).
fn mirror() -> String {
    env::var("RAMPART_DEBIAN_MIRROR").unwrap_or_else(|_| "http://deb.debian.org/debian".into())
}

fn security_mirror() -> String {
    env::var("RAMPART_DEBIAN_SECURITY_MIRROR")
        .unwrap_or_else(|_| "http://deb.debian.org/debian-security".into())
}

pub fn cache_root() -> PathBuf {
    let base = env::var_os("XDG_CACHE_HOME").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".cache")
    });
    base.join("rampart/vm")
}

/// A kernel ready to boot.
#[derive(Clone, Debug)]
pub struct KernelFiles {
    /// The package it came from, `name_version`.
    pub package: String,
    /// `uname -r`.
    pub release: String,
    pub vmlinuz: PathBuf,
    /// Decompressed modules, in load order.
    pub modules: Vec<PathBuf>,
}

/// apt confined to one release and architecture.
struct Apt {
    dir: PathBuf,
    suite: String,
    arch: Arch,
}

impl Apt {
    /// Without `updates`, the release's last point release only (no `-updates`, no
    /// `-security`).
    fn new(suite: &str, arch: Arch, updates: bool) -> anyhow::Result<Apt> {
        let tail = if updates { "" } else { "-release" };
        let dir = cache_root().join("apt").join(format!("{suite}-{}{tail}", arch.debian()));
        for sub in ["lists/partial", "archives/partial", "parts", "prefs"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        let key = "signed-by=/usr/share/keyrings/debian-archive-keyring.gpg";
        let (m, s) = (mirror(), security_mirror());
        let mut sources = format!("deb [{key}] {m} {suite} main\n");
        if updates {
            sources +=
                &format!("deb [{key}] {m} {suite}-updates main\ndeb [{key}] {s} {suite}-security main\n");
        }
        let path = dir.join("sources.list");
        if fs::read_to_string(&path).ok().as_deref() != Some(sources.as_str()) {
            fs::write(&path, sources)?;
            let _ = fs::remove_file(dir.join("updated"));
        }
        Ok(Apt { dir, suite: suite.into(), arch })
    }

    fn command(&self, program: &str) -> Command {
        let d = |sub: &str| self.dir.join(sub).display().to_string();
        let mut c = Command::new(program);
        for (k, v) in [
            ("APT::Architecture", self.arch.debian().to_string()),
            ("APT::Architectures", self.arch.debian().to_string()),
            ("Dir::State::Lists", d("lists")),
            ("Dir::State::status", "/dev/null".into()),
            ("Dir::Etc::SourceList", d("sources.list")),
            ("Dir::Etc::SourceParts", d("parts")),
            ("Dir::Etc::Preferences", d("prefs/none")),
            ("Dir::Etc::PreferencesParts", d("prefs")),
            ("Dir::Cache", self.dir.display().to_string()),
            ("Dir::Cache::archives", d("archives")),
            ("Debug::NoLocking", "1".into()),
            ("APT::Sandbox::User", "root".into()),
            ("Acquire::Languages", "none".into()),
            ("Acquire::IndexTargets::deb::DEP-11::DefaultEnabled", "false".into()),
            ("Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled", "false".into()),
            ("Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled", "false".into()),
            ("Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled", "false".into()),
        ] {
            c.arg("-o").arg(format!("{k}={v}"));
        }
        c
    }

    /// `apt-get update` unless the lists are recent.
    fn update(&self) -> anyhow::Result<()> {
        let stamp = self.dir.join("updated");
        let fresh = fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age < LISTS_MAX_AGE);
        if fresh {
            return Ok(());
        }
        println!("vm: apt-get update for {} {}", self.suite, self.arch.debian());
        run(self.command("apt-get").args(["-qq", "update"]))
            .with_context(|| format!("apt-get update ({} {})", self.suite, self.arch.debian()))?;
        fs::write(&stamp, "")?;
        Ok(())
    }

    /// A field of the candidate version of `package`.
    fn field(&self, package: &str, field: &str) -> anyhow::Result<String> {
        let text = output(self.command("apt-cache").args(["show", "--no-all-versions", package]))?;
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}: ")).map(str::to_string))
            .with_context(|| format!("apt-cache show {package}: no {field}"))
    }

    /// The package `package` depends on whose name starts with `prefix` (`package` itself
    /// without a prefix), and its version.
    fn resolve(&self, package: &str, prefix: Option<&str>) -> anyhow::Result<(String, String)> {
        let Some(prefix) = prefix else {
            return Ok((package.to_string(), self.field(package, "Version")?));
        };
        let metapackage = package;
        let depends = self.field(metapackage, "Depends")?;
        let name = depends
            .split(',')
            .map(|d| d.trim().split([' ', '|']).next().unwrap_or_default())
            .find(|d| d.starts_with(prefix))
            .with_context(|| format!("{metapackage} depends on no {prefix}*: {depends}"))?
            .to_string();
        let version = self.field(&name, "Version")?;
        Ok((name, version))
    }

    /// Download `package` into `dir` and return the .deb's path.
    fn download(&self, package: &str, dir: &Path) -> anyhow::Result<PathBuf> {
        println!("vm: downloading {package} ({} {})", self.suite, self.arch.debian());
        run(self.command("apt-get").current_dir(dir).args(["-qq", "download", package]))?;
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "deb") {
                return Ok(path);
            }
        }
        bail!("apt-get download {package} left no .deb in {}", dir.display())
    }
}

/// Resolve `metapackage` through its dependency named `prefix*` (or itself, without a
/// prefix), falling back to the last resolution when the archive is out of reach, and make
/// sure the package is extracted with `extract`. Returns the package directory.
fn cached_package(
    suite: &str,
    updates: bool,
    arch: Arch,
    metapackage: &str,
    prefix: Option<&str>,
    extract: impl FnOnce(&Path, &Path) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let pkg_root = cache_root().join("pkg");
    fs::create_dir_all(&pkg_root)?;
    let tail = if updates { "" } else { "-release" };
    let current = pkg_root.join(format!("{metapackage}-{suite}{tail}-{}.current", arch.debian()));
    let apt = Apt::new(suite, arch, updates)?;
    let resolved = apt.update().and_then(|()| apt.resolve(metapackage, prefix));
    let (name, version) = match resolved {
        Ok(r) => r,
        Err(e) => {
            let last = fs::read_to_string(&current).ok();
            let Some((n, v)) = last.as_deref().and_then(|l| l.trim().split_once(' ')) else {
                return Err(e.context(format!("resolving {metapackage} ({suite} {})", arch.debian())));
            };
            println!("vm: WARNING: resolving {metapackage} failed ({e:#}); using the cached {n} {v}");
            (n.to_string(), v.to_string())
        }
    };
    // Architecture-independent names (busybox-static) exist once per architecture.
    let dir = pkg_root.join(format!("{name}_{version}_{}", arch.debian()));
    if !dir.join("complete").exists() {
        let _ = fs::remove_dir_all(&dir);
        let work = pkg_root.join(format!(".{name}_{version}_{}.work", arch.debian()));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work)?;
        let deb = apt.download(&name, &work)?;
        let tree = work.join("tree");
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree))?;
        let staged = work.join("out");
        fs::create_dir_all(&staged)?;
        extract(&tree, &staged).with_context(|| format!("extracting {name} {version}"))?;
        fs::write(staged.join("complete"), format!("{name} {version}\n"))?;
        fs::rename(&staged, &dir)?;
        fs::remove_dir_all(&work)?;
    }
    fs::write(&current, format!("{name} {version}\n"))?;
    Ok(dir)
}

/// The kernel `metapackage` names in `suite` (with its updates, or its last point release) for
/// `arch`, with the modules the tests need.
pub fn kernel(suite: &str, updates: bool, arch: Arch, metapackage: &str) -> anyhow::Result<KernelFiles> {
    let dir = cached_package(suite, updates, arch, metapackage, Some("linux-image-"), extract_kernel)?;
    let package = dir.file_name().expect("named").to_string_lossy().into_owned();
    let release = fs::read_to_string(dir.join("release"))?.trim().to_string();
    let order = fs::read_to_string(dir.join("modules/order"))?;
    let modules = order.lines().filter(|l| !l.is_empty()).map(|m| dir.join("modules").join(m)).collect();
    Ok(KernelFiles { package, release, vmlinuz: dir.join("vmlinuz"), modules })
}

/// busybox-static for `arch` (from bookworm): the path of the static binary.
pub fn busybox(arch: Arch) -> anyhow::Result<PathBuf> {
    let dir = cached_package("bookworm", true, arch, "busybox-static", None, |tree, out| {
        fs::copy(tree.join("bin/busybox"), out.join("busybox"))?;
        Ok(())
    })?;
    Ok(dir.join("busybox"))
}

fn extract_kernel(tree: &Path, out: &Path) -> anyhow::Result<()> {
    let boot = tree.join("boot");
    let mut release = None;
    for entry in fs::read_dir(&boot).with_context(|| format!("reading {}", boot.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(r) = name.strip_prefix("vmlinuz-") {
            fs::copy(boot.join(&name), out.join("vmlinuz"))?;
            release = Some(r.to_string());
        } else if name.starts_with("config-") {
            fs::copy(boot.join(&name), out.join("config"))?;
        }
    }
    let release = release.context("no boot/vmlinuz-* in the package")?;
    fs::write(out.join("release"), format!("{release}\n"))?;
    // Debian moved modules to /usr/lib (merged /usr) in trixie.
    let moddir = ["usr/lib/modules", "lib/modules"]
        .iter()
        .map(|p| tree.join(p).join(&release))
        .find(|p| p.is_dir())
        .context("no lib/modules/<release> in the package")?;
    let dest = out.join("modules");
    fs::create_dir_all(&dest)?;
    let mut modules = Modules::new(&moddir)?;
    for m in kernels::MODULES {
        modules.add(m)?;
    }
    let mut names = Vec::new();
    for (file, data) in modules.order {
        fs::write(dest.join(&file), data)?;
        names.push(file);
    }
    fs::write(dest.join("order"), names.join("\n") + "\n")?;
    Ok(())
}

/// Modules to load, dependencies first, decompressed. Debian's packages carry no modules.dep
/// (depmod writes it at install time): dependencies come from each module's `depends=`.
struct Modules {
    builtin: Vec<String>,
    /// Module name → file.
    files: BTreeMap<String, PathBuf>,
    /// (file name, contents), in load order.
    order: Vec<(String, Vec<u8>)>,
    seen: Vec<String>,
}

impl Modules {
    fn new(moddir: &Path) -> anyhow::Result<Modules> {
        let builtin = fs::read_to_string(moddir.join("modules.builtin"))
            .unwrap_or_default()
            .lines()
            .map(module_name)
            .collect();
        let mut files = BTreeMap::new();
        let mut stack = vec![moddir.join("kernel")];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.to_string_lossy().contains(".ko") {
                    files.insert(module_name(&path.to_string_lossy()), path);
                }
            }
        }
        Ok(Modules { builtin, files, order: Vec::new(), seen: Vec::new() })
    }

    fn add(&mut self, name: &str) -> anyhow::Result<()> {
        let name = module_name(name);
        if self.seen.contains(&name) || self.builtin.contains(&name) {
            return Ok(());
        }
        self.seen.push(name.clone());
        let path = self
            .files
            .get(&name)
            .with_context(|| format!("module {name} is neither built in nor in the package"))?
            .clone();
        let data = decompress(&path)?;
        for dep in modinfo(&data, "depends").split(',').filter(|d| !d.is_empty()) {
            self.add(dep)?;
        }
        self.order.push((format!("{name}.ko"), data));
        Ok(())
    }
}

/// `net/bridge/bridge.ko.xz` → `bridge` (dashes as underscores, as the kernel names modules).
fn module_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split(".ko").next().unwrap_or(base).replace('-', "_")
}

/// A `key=value` from a module's `.modinfo` section (NUL-separated strings).
fn modinfo(data: &[u8], key: &str) -> String {
    let needle = format!("{key}=");
    data.split(|b| *b == 0)
        .find_map(|s| s.strip_prefix(needle.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default()
}

fn decompress(path: &Path) -> anyhow::Result<Vec<u8>> {
    let name = path.display().to_string();
    let tool = if name.ends_with(".xz") {
        "xz"
    } else if name.ends_with(".zst") {
        "zstd"
    } else if name.ends_with(".gz") {
        "gzip"
    } else {
        return Ok(fs::read(path)?);
    };
    let out = Command::new(tool).arg("-dc").arg(path).output().with_context(|| format!("running {tool}"))?;
    if !out.status.success() {
        bail!("{tool} -dc {name} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out.stdout)
}
