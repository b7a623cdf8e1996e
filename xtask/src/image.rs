//! `cargo xtask image`: the container image, built without a daemon (no image builder runs on
//! these machines).
//!
//! Constraints first: one image for the agent, the collector and the CLI; static musl binaries,
//! so the image is `scratch` plus three files (no shell, no libc, nothing to patch); x86_64 and
//! arm64 in one multi-architecture index; reproducible (the same binaries give the same
//! digests: sorted tar entries, fixed times and owners); an OCI image layout that `skopeo copy
//! oci:target/image/oci:<tag> docker://REGISTRY/rampart:<tag>` pushes as is.
//!
//! Output, under `target/image/`:
//! - `<arch>/rootfs/`: the image's root filesystem (what `deploy/image/Containerfile` copies,
//!   and what the least-privilege test runs the agent from);
//! - `oci/`: the OCI layout (`oci-layout`, `index.json`, `blobs/sha256/...`).

use std::{
    fs,
    os::unix::fs::PermissionsExt as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::{
    output, run,
    vm::{build::cargo_artifacts, kernels::Arch},
    workspace_root,
};

/// The binaries the image holds: (package, binary name).
const BINARIES: &[(&str, &str)] = &[
    ("rampart-agent", "rampart-agent"),
    ("rampart-collector", "rampart-collector"),
    ("rampart-cli", "rampart"),
];

/// Where the image is written.
pub fn image_dir() -> PathBuf {
    workspace_root().join("target/image")
}

/// The root filesystem of `arch`'s image.
pub fn rootfs(arch: Arch) -> PathBuf {
    image_dir().join(arch.debian()).join("rootfs")
}

pub fn run_image(archs: &[Arch], profile: &str) -> anyhow::Result<()> {
    crate::setup::run_setup()?;
    for &arch in archs {
        build_rootfs(arch, profile)?;
    }
    let oci = write_layout(archs)?;
    let tag = env!("CARGO_PKG_VERSION");
    println!(
        "image: push with `skopeo copy --all oci:{}:{tag} docker://REGISTRY/rampart:{tag}`",
        oci.display()
    );
    Ok(())
}

/// Write the OCI layout of the root filesystems of `archs` (built before): its directory.
pub fn write_layout(archs: &[Arch]) -> anyhow::Result<PathBuf> {
    let tag = env!("CARGO_PKG_VERSION");
    let oci = image_dir().join("oci");
    if oci.exists() {
        fs::remove_dir_all(&oci)?;
    }
    fs::create_dir_all(oci.join("blobs/sha256"))?;
    let mut manifests = Vec::new();
    for &arch in archs {
        let manifest = write_image(&oci, &rootfs(arch), arch)?;
        println!("image: {} {}", arch.debian(), manifest["digest"].as_str().unwrap_or_default());
        manifests.push(manifest);
    }
    fs::write(oci.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)?;
    // The multi-architecture index, itself named by the tag.
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    });
    let (digest, size) = blob(&oci, &serde_json::to_vec(&index)?)?;
    let layout_index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest,
            "size": size,
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    fs::write(oci.join("index.json"), serde_json::to_vec_pretty(&layout_index)?)?;
    println!("image: {} (tag {tag}, {digest})", oci.display());
    Ok(oci)
}

/// Check the layout the way a registry client reads it: skopeo copies every architecture's
/// image out of it, checking each blob against its digest.
pub fn verify_layout(oci: &Path) -> anyhow::Result<()> {
    let tag = env!("CARGO_PKG_VERSION");
    let dest = tempfile::tempdir()?;
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--all"])
        .arg(format!("oci:{}:{tag}", oci.display()))
        .arg(format!("dir:{}", dest.path().display())))
    .context("skopeo copy out of the OCI layout")?;
    println!("image: skopeo read every image of {} and checked its digests", oci.display());
    Ok(())
}

/// Build the static binaries for `arch` and lay out its root filesystem.
pub fn build_rootfs(arch: Arch, profile: &str) -> anyhow::Result<PathBuf> {
    let target = arch.rust_target();
    println!("\n==> image: building {target} (profile {profile})");
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--bins"]);
    for (package, _) in BINARIES {
        cmd.args(["-p", package]);
    }
    let built = cargo_artifacts(&mut cmd, profile, target, "bin")?;
    let root = rootfs(arch);
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    for dir in ["usr/bin", "etc", "tmp", "var/lib/rampart"] {
        fs::create_dir_all(root.join(dir))?;
    }
    for (_, name) in BINARIES {
        let (_, path) = built
            .iter()
            .find(|(n, _)| n == name)
            .with_context(|| format!("cargo built no {name} for {target}"))?;
        let dest = root.join("usr/bin").join(name);
        fs::copy(path, &dest)?;
        fs::set_permissions(&dest, fs::Permissions::from_mode(0o755))?;
    }
    // The collector runs as 65532 (the chart's runAsUser); the agent as root.
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n",
    )?;
    fs::write(root.join("etc/group"), "root:x:0:\nnonroot:x:65532:\n")?;
    fs::set_permissions(root.join("tmp"), fs::Permissions::from_mode(0o1777))?;
    Ok(root)
}

/// Write `root` as one layer, its config and its manifest into the layout `oci`: the
/// manifest's descriptor, with its platform.
fn write_image(oci: &Path, root: &Path, arch: Arch) -> anyhow::Result<Value> {
    let tar = image_dir().join(format!("{}.tar", arch.debian()));
    // Reproducible: entries sorted, times and owners fixed.
    run(Command::new("tar")
        .args(["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=posix"])
        .args(["--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime", "-C"])
        .arg(root)
        .arg("-cf")
        .arg(&tar)
        .arg("."))
    .context("tar (GNU tar)")?;
    let layer = fs::read(&tar)?;
    let (layer_digest, layer_size) = blob(oci, &layer)?;
    let config = json!({
        "architecture": arch.debian(),
        "os": "linux",
        "config": {
            "Entrypoint": ["/usr/bin/rampart-agent"],
            "Cmd": ["run"],
            "Env": ["PATH=/usr/bin"],
            "Labels": {
                "org.opencontainers.image.title": "rampart",
                "org.opencontainers.image.version": env!("CARGO_PKG_VERSION"),
            },
        },
        // An uncompressed layer's diff id is its own digest.
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created_by": "cargo xtask image"}],
    });
    let (config_digest, config_size) = blob(oci, &serde_json::to_vec(&config)?)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
    });
    let (digest, size) = blob(oci, &serde_json::to_vec(&manifest)?)?;
    fs::remove_file(&tar)?;
    Ok(json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "size": size,
        "platform": {"architecture": arch.debian(), "os": "linux"},
    }))
}

/// Store `bytes` as a blob of the layout: its digest (`sha256:...`) and size.
fn blob(oci: &Path, bytes: &[u8]) -> anyhow::Result<(String, u64)> {
    let tmp = oci.join("blobs/sha256/.incoming");
    fs::write(&tmp, bytes)?;
    let sum = output(Command::new("sha256sum").arg(&tmp))?;
    let hex = sum.split_whitespace().next().unwrap_or_default().to_string();
    if hex.len() != 64 {
        bail!("sha256sum said {sum:?}");
    }
    fs::rename(&tmp, oci.join("blobs/sha256").join(&hex))?;
    Ok((format!("sha256:{hex}"), bytes.len() as u64))
}
