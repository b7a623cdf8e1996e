//! `rampart-agent probe`: tiers found by loading and attaching for real, reported per concern
//! with a reason for every tier.

use std::process::Command;

use rampart_tests::{agent::agent_bin, require};
use serde_json::Value;

fn probe_json() -> Value {
    let out = Command::new(agent_bin()).args(["probe", "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("probe JSON")
}

// Not in the VM core set: every VM's /init runs the probe, and the matrix checks its answer.
#[test]
fn every_concern_reports_a_tier_and_why_each_tier_is_or_is_not_available() {
    if !require::root("every_concern_reports_a_tier_and_why_each_tier_is_or_is_not_available") {
        return;
    }
    let p = probe_json();
    let order = ["lsm", "cgroup", "sigkill", "none"];
    for concern in ["network", "rootfs", "privilege"] {
        let c = &p[concern];
        let chosen = c["tier"].as_str().unwrap_or_else(|| panic!("{concern}: no tier in {p}"));
        for t in order {
            let s = &c["tiers"][t];
            assert!(s["available"].is_boolean(), "{concern}.{t}: {s}");
            assert!(!s["reason"].as_str().unwrap_or("").is_empty(), "{concern}.{t} has no reason");
        }
        // The chosen tier is the most preferred available one (network prefers cgroup, which
        // the agent enforces with on every kernel).
        let preference: &[&str] =
            if concern == "network" { &["cgroup", "lsm", "sigkill", "none"] } else { &order };
        let strongest = preference.iter().find(|t| c["tiers"][**t]["available"] == true).unwrap();
        assert_eq!(chosen, *strongest, "{concern}: {c}");
        assert_eq!(c["tiers"]["none"]["available"], true);
        // Only the network concern has a cgroup hook.
        if concern != "network" {
            assert_eq!(c["tiers"]["cgroup"]["available"], false);
        }
        // Network is enforced by cgroup programs alone, and the probe says so.
        if concern == "network" {
            for t in ["lsm", "sigkill"] {
                assert_eq!(c["tiers"][t]["available"], false, "network.{t}: {c}");
                let why = c["tiers"][t]["reason"].as_str().unwrap();
                assert!(why.contains("cgroup programs"), "network.{t}: {why}");
            }
            continue;
        }
        // LSM is never trusted unless bpf is in the active LSM list.
        if c["tiers"]["lsm"]["available"] == true {
            let lsm = p["kernel"]["lsm"].as_array().unwrap();
            assert!(lsm.iter().any(|l| l == "bpf"), "lsm chosen but bpf not in {lsm:?}");
        } else {
            let why = c["tiers"]["lsm"]["reason"].as_str().unwrap();
            assert!(
                why.contains("errno") || why.contains("LSM list") || why.contains("BTF"),
                "{concern}: LSM unavailable without a concrete reason: {why}"
            );
        }
    }
    assert!(p["kernel"]["tracefs"].is_string(), "tracefs found or mounted: {}", p["kernel"]);
    assert!(p["kernel"]["cgroup2"].is_string());
}

#[test]
fn text_output_names_each_concern() {
    if !require::root("text_output_names_each_concern") {
        return;
    }
    let out = Command::new(agent_bin()).arg("probe").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for c in ["network    tier:", "rootfs     tier:", "privilege  tier:"] {
        assert!(text.contains(c), "{c} missing:\n{text}");
    }
}
