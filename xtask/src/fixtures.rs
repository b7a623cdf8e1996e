//! `cargo xtask fixtures`: record the agent pipeline's test fixtures from the real programs.
//!
//! Runs a few end-to-end tests on this host (root) with `RAMPART_RECORD_FIXTURES` set, so each
//! agent they start records its pods' raw ring-buffer records and the events it sent (see
//! `tests/src/agent.rs`), into `agent/tests/fixtures/`. Those files are committed; the
//! pipeline's tests (`agent/tests/pipeline.rs`) replay them without a kernel. Re-record after
//! a change to a record's layout or to what the programs report.

use std::process::Command;

use anyhow::{Context as _, bail};

use crate::{run, workspace_root};

/// (test file, test): one recording per concern, and the directions and outcomes worth having.
pub const RECORDED: [(&str, &str); 5] = [
    ("exec_attribution", "exec_in_pods_of_every_layout_is_attributed_exactly"),
    ("network_egress", "egress_allowlist_tcp_udp_v4_v6_in_a_pod_network_namespace"),
    ("network_flows", "ingress_from_a_peer_not_allowed_is_refused_and_an_allowed_one_works"),
    ("rootfs", "renaming_out_of_an_allowed_dir_into_the_rootfs_is_caught"),
    ("privilege", "a_non_root_process_executing_a_setuid_root_binary_is_stopped_before_it_runs"),
];

pub fn run_fixtures() -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        bail!("recording fixtures loads the agent's programs: run as root");
    }
    crate::setup::run_setup()?;
    let root = workspace_root();
    let cargo = || {
        let mut c = Command::new("cargo");
        c.current_dir(&root);
        c
    };
    run(cargo().args(["build", "-p", "rampart-agent", "-p", "rampart-collector", "-p", "rampart-cli"]))?;
    let dir = root.join("agent/tests/fixtures");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (file, test) in RECORDED {
        println!("==> recording {file}::{test}");
        run(cargo()
            .args(["test", "-p", "rampart-tests", "--test", file, "--", "--exact", test])
            .env("RAMPART_RECORD_FIXTURES", &dir))?;
        for ext in ["ring", "json"] {
            let path = dir.join(format!("{test}.{ext}"));
            if !path.is_file() {
                bail!("{} was not written: does the test stop its agent with Agent::stop?", path.display());
            }
        }
    }
    println!("fixtures written to {}", dir.display());
    Ok(())
}
