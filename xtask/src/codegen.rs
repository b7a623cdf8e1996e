//! `cargo xtask codegen [--check]`: regenerate the committed prost/tonic/pbjson code in
//! `proto/src/gen/` from `proto/rampart/v1/*.proto`, the encoded descriptor set that gRPC
//! reflection serves, the CRDs in `deploy/crds/` ([`crds`]), and the manifests derived from the
//! Helm chart ([`manifests`]).
//!
//! The .proto files are compiled with protox (pure Rust), so no system `protoc` is needed.
//! `--check` generates into a temporary directory and fails if anything differs from what is
//! committed: generated code never drifts from its schema unnoticed.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, bail};
use prost_build::Config;
use protox::prost::Message as _;

use crate::workspace_root;

pub mod crds;
pub mod manifests;

/// Where the generated CRDs are committed.
const CRDS: &str = "deploy/crds";

/// The encoded `FileDescriptorSet` of every .proto file, served by gRPC reflection.
const DESCRIPTOR_SET: &str = "rampart.v1.descriptor.bin";

pub fn run(check: bool) -> anyhow::Result<()> {
    let root = workspace_root();
    let committed = root.join("proto/src/gen");
    if check {
        let tmp = tempfile::tempdir()?;
        generate(&root, tmp.path())?;
        let drift = compare(tmp.path(), &committed)?;
        if !drift.is_empty() {
            bail!(
                "generated code in proto/src/gen is out of date with proto/rampart ({}); run `cargo xtask codegen`",
                drift.join(", ")
            );
        }
        let tmp = tempfile::tempdir()?;
        let dirs = generate_deploy(&root, tmp.path())?;
        for (fresh, dir, source) in dirs {
            let drift = compare(&fresh, &root.join(dir))?;
            if !drift.is_empty() {
                bail!("{dir} is out of date with {source} ({}); run `cargo xtask codegen`", drift.join(", "));
            }
        }
        println!(
            "codegen: proto/src/gen matches proto/rampart, the deploy/ manifests match the chart and the policy types"
        );
    } else {
        fs::create_dir_all(&committed)?;
        generate(&root, &committed)?;
        let tmp = tempfile::tempdir()?;
        for (fresh, dir, _) in generate_deploy(&root, tmp.path())? {
            let dest = root.join(dir);
            if dest.is_dir() {
                fs::remove_dir_all(&dest)?;
            }
            fs::create_dir_all(&dest)?;
            for entry in fs::read_dir(&fresh)? {
                let entry = entry?;
                fs::copy(entry.path(), dest.join(entry.file_name()))?;
            }
        }
        println!(
            "codegen: wrote {}, {CRDS}, {} and {}",
            committed.display(),
            manifests::CHART_CRDS,
            manifests::BASE
        );
    }
    Ok(())
}

/// Generate the deploy/ directories under `tmp`: (where, the committed directory, its source).
fn generate_deploy(root: &Path, tmp: &Path) -> anyhow::Result<Vec<(PathBuf, &'static str, &'static str)>> {
    let crds = tmp.join("crds");
    crds::generate(&crds)?;
    let chart_crds = tmp.join("chart-crds");
    manifests::generate_chart_crds(&crds, &chart_crds)?;
    let base = tmp.join("base");
    manifests::generate_base(root, &base)?;
    Ok(vec![
        (crds, CRDS, "the policy types"),
        (chart_crds, manifests::CHART_CRDS, "deploy/crds"),
        (base, manifests::BASE, "the Helm chart"),
    ])
}

fn proto_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = root.join("proto/rampart/v1");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "proto"))
        .map(|p| p.strip_prefix(root.join("proto")).map(Path::to_path_buf))
        .collect::<Result<_, _>>()?;
    files.sort();
    Ok(files)
}

fn generate(root: &Path, out: &Path) -> anyhow::Result<()> {
    let files = proto_files(root)?;
    let fds = protox::compile(&files, [root.join("proto")]).context("compiling .proto files")?;

    let mut config = Config::new();
    // Well-known types come from `rampart_proto::wkt`, which gives them their exact proto3
    // JSON form (pbjson-types prints timestamps with `+00:00` instead of `Z`).
    config.compile_well_known_types().extern_path(".google.protobuf", "crate::wkt").btree_map(["."]);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .out_dir(out)
        .compile_fds_with_config(fds.clone(), config)
        .context("generating prost/tonic code")?;

    // For gRPC reflection (grpcurl): the compiled descriptors, imports included.
    fs::write(out.join(DESCRIPTOR_SET), fds.encode_to_vec())?;
    ingest_wire(out);

    pbjson_build::Builder::new()
        .register_descriptors(&fds.encode_to_vec())?
        .extern_path(".google.protobuf", "crate::wkt")
        .btree_map(["."])
        .emit_fields()
        .out_dir(out)
        .build(&[".rampart"])
        .context("generating pbjson (proto3 JSON) code")?;
    Ok(())
}

/// `rampart.v1.Ingest` with `rampart_proto::wire::AgentMessage` for its input, the same route
/// and messages on the wire: a batch's events travel as their own bytes, encoded once by the
/// agent and decoded once by the collector (see `proto/src/wire.rs`). Both sides, written as
/// `rampart.v1.Ingest.rs`.
fn ingest_wire(out: &Path) {
    use tonic_prost_build::manual::{Builder, Method, Service};
    let stream = Method::builder()
        .name("stream")
        .route_name("Stream")
        .input_type("crate::wire::AgentMessage")
        .output_type("crate::v1::CollectorMessage")
        .codec_path("tonic_prost::ProstCodec")
        .client_streaming()
        .server_streaming()
        .build();
    let service = Service::builder().name("Ingest").package("rampart.v1").method(stream).build();
    Builder::new().build_client(true).build_transport(false).out_dir(out).compile(&[service]);
}

/// Names of files that differ between the two directories.
fn compare(fresh: &Path, committed: &Path) -> anyhow::Result<Vec<String>> {
    let mut drift = Vec::new();
    for entry in fs::read_dir(fresh)? {
        let name = entry?.file_name();
        let new = fs::read(fresh.join(&name))?;
        match fs::read(committed.join(&name)) {
            Ok(old) if old == new => {}
            Ok(_) => drift.push(format!("{} differs", name.to_string_lossy())),
            Err(_) => drift.push(format!("{} missing", name.to_string_lossy())),
        }
    }
    if committed.is_dir() {
        for entry in fs::read_dir(committed)? {
            let name = entry?.file_name();
            if !fresh.join(&name).exists() {
                drift.push(format!("{} is stale", name.to_string_lossy()));
            }
        }
    }
    Ok(drift)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed code is what the .proto files generate (`cargo test` catches drift too).
    #[test]
    fn committed_code_matches_the_protos() {
        let root = workspace_root();
        let tmp = tempfile::tempdir().unwrap();
        generate(&root, tmp.path()).unwrap();
        let drift = compare(tmp.path(), &root.join("proto/src/gen")).unwrap();
        assert!(drift.is_empty(), "run `cargo xtask codegen`: {}", drift.join(", "));
    }

    /// The committed CRDs are what the policy types generate.
    #[test]
    fn committed_crds_match_the_types() {
        let root = workspace_root();
        let tmp = tempfile::tempdir().unwrap();
        crds::generate(tmp.path()).unwrap();
        let drift = compare(tmp.path(), &root.join(CRDS)).unwrap();
        assert!(drift.is_empty(), "run `cargo xtask codegen`: {}", drift.join(", "));
    }
}
