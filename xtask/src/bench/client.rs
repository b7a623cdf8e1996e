//! The collector's examples the benches drive it with, built in release as the collector is:
//! `xtask` itself is a debug build, and a client encoding 200,000 events there would measure
//! itself instead of the collector (it did: the collector's ingest read 116k events/s with its
//! writer 40% busy).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};
use prost::Message as _;
use rampart_proto::v1::{Batch, Event};

/// `collector/examples/grpc_client`: one agent boot's batches over one Ingest stream; a Replay.
pub const CLIENT: &str = "grpc_client";

/// Build the collector's `examples` in release.
pub fn build(examples: &[&str]) -> anyhow::Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(crate::workspace_root()).args(["build", "--release", "-p", "rampart-collector"]);
    for e in examples {
        cmd.args(["--example", e]);
    }
    crate::run(&mut cmd)
}

/// Where `cargo build --release --example NAME` puts the collector's example `name`.
pub fn path(name: &str) -> PathBuf {
    crate::workspace_root().join("target/release/examples").join(name)
}

/// Run one of the collector's examples (release); what it printed.
pub fn example(name: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(path(name)).args(args).output().with_context(|| format!("running {name}"))?;
    if !out.status.success() {
        bail!("{name} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// An example that prints seconds.
pub fn seconds(name: &str, args: &[&str]) -> anyhow::Result<f64> {
    Ok(example(name, args)?.parse::<f64>()?)
}

/// Write `batches` (first sequence, events) of boot `boot` as length-delimited
/// `rampart.v1.Batch` messages, the file `grpc_client write` sends.
pub fn write_batches(file: &Path, boot: &str, batches: &[(u64, Vec<Event>)]) -> anyhow::Result<()> {
    let mut encoded = Vec::new();
    for (first, events) in batches {
        Batch { boot_id: boot.into(), first_sequence: *first, events: events.clone() }
            .encode_length_delimited(&mut encoded)?;
    }
    std::fs::write(file, encoded).with_context(|| file.display().to_string())
}

/// `grpc_client replay URL`: (events, seconds) of a replay of everything.
pub fn replay_all(url: &str) -> anyhow::Result<(u64, f64)> {
    let replayed = example(CLIENT, &["replay", url])?;
    let (got, secs) = replayed.split_once(' ').context("grpc_client replay: events and seconds")?;
    Ok((got.parse()?, secs.parse()?))
}
