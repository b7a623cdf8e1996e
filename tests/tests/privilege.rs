//! Privilege escalation, detected from the kernel's credentials and stopped: on this host by
//! SIGKILL before the process returns to user space (`sigkill` tier), on kernels with BPF LSM
//! by EPERM before the change (`lsm` tier). Processes run in pod cgroups, and in a runc
//! container.

use std::{
    fs,
    os::unix::{fs::PermissionsExt as _, process::ExitStatusExt as _},
    path::{Path, PathBuf},
    process::Output,
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    container::{Container, ContainerSpec},
    filecaps,
    net::trigger,
    pod::{PodSpec, TestPod},
    require,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

struct Node {
    policies: tempfile::TempDir,
    manifests: tempfile::TempDir,
    bins: tempfile::TempDir,
}

impl Node {
    fn new(mode: Option<&str>, extra: &str) -> Node {
        let n = Node {
            policies: tempfile::tempdir().unwrap(),
            manifests: tempfile::tempdir().unwrap(),
            bins: tempfile::tempdir().unwrap(),
        };
        fs::set_permissions(n.bins.path(), fs::Permissions::from_mode(0o755)).unwrap();
        if let Some(mode) = mode {
            fs::write(
                n.policies.path().join("priv.yaml"),
                format!(
                    "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: no-escalation, namespace: ops}}\n\
                     spec:\n  podSelector: {{matchLabels: {{app: worker}}}}\n  mode: {mode}\n  privilege: {{escalation: deny{extra}}}\n"
                ),
            )
            .unwrap();
        }
        n
    }

    fn agent(&self) -> Agent {
        Agent::start(AgentOptions {
            policies: Some(self.policies.path().into()),
            pod_manifests: Some(self.manifests.path().into()),
            ..Default::default()
        })
    }

    fn pod(&self, agent: &Agent) -> TestPod {
        let pod = TestPod::create(PodSpec::new("ops", "worker"));
        pod.write_manifest(self.manifests.path());
        agent.wait_metric("rampart_pods", 1.0);
        pod
    }

    /// A copy of the trigger, owned by `owner`, with `mode` (e.g. 0o4755 for setuid).
    fn binary(&self, name: &str, owner: u32, mode: u32) -> PathBuf {
        let path = self.bins.path().join(name);
        fs::copy(trigger(), &path).unwrap();
        std::os::unix::fs::chown(&path, Some(owner), Some(owner)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

/// The privilege tier this node's agent enforces with.
fn tier(agent: &Agent) -> String {
    for t in ["lsm", "sigkill", "none"] {
        if agent.metric(&format!("rampart_enforcement_tier{{concern=\"privilege\",tier=\"{t}\"}}"))
            == Some(1.0)
        {
            return t.into();
        }
    }
    panic!("no privilege tier in the agent's metrics")
}

/// Run `argv` in the pod as uid 1000 (a complete drop first, which is not an escalation).
fn as_user(pod: &TestPod, argv: &[&str]) -> Output {
    let t = trigger();
    let mut full = vec![t.as_str(), "as-user", "1000"];
    full.extend_from_slice(argv);
    pod.exec(&full)
}

/// The denial, as this tier delivers it: SIGKILL (sigkill) or EPERM (lsm).
fn assert_stopped(tier: &str, out: &Output, what: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    match tier {
        "sigkill" => {
            assert_eq!(
                out.status.signal(),
                Some(9),
                "{what}: expected SIGKILL, got {:?} {stdout}",
                out.status
            );
            assert!(!stdout.contains("ok "), "{what}: ran with the new privileges: {stdout}");
        }
        "lsm" => {
            assert!(!out.status.success(), "{what}: should have failed");
            assert!(stdout.contains("errno=1") || stdout.is_empty(), "{what}: expected EPERM: {stdout}");
        }
        other => panic!("{what}: tier {other} cannot stop an escalation"),
    }
}

fn privilege_events(agent: &Agent, uid: &str) -> Vec<Value> {
    agent.events().into_iter().filter(|e| e["privilege"].is_object() && e["pod"]["uid"] == uid).collect()
}

fn wait_privilege(agent: &Agent, pod: &TestPod, op: &str) -> Value {
    agent.wait_event(&format!("a privilege event {op}"), WAIT, |e| {
        e["pod"]["uid"] == pod.uid.as_str() && e["privilege"]["operation"] == op
    })
}

fn check_denied(e: &Value, tier: &str) {
    let v = &e["verdict"];
    assert_eq!(v["action"], "deny", "{e}");
    assert_eq!(v["tier"], tier);
    assert_eq!(v["enforced"], true);
    assert_eq!(v["policy"], "ops/no-escalation");
    assert_eq!(v["rule"], "privilege.escalation");
    assert_eq!(e["pod"]["name"], "worker");
    assert_eq!(e["pod"]["attribution"], "exact");
    let p = &e["privilege"];
    assert_eq!(p["tookEffect"], tier == "sigkill", "{e}");
    assert!(!p["effect"].as_str().unwrap().is_empty());
}

// vm-test: core
#[test]
fn a_non_root_process_executing_a_setuid_root_binary_is_stopped_before_it_runs() {
    if !require::root("a_non_root_process_executing_a_setuid_root_binary_is_stopped_before_it_runs") {
        return;
    }
    let node = Node::new(Some("enforce"), "");
    let agent = node.agent();
    let pod = node.pod(&agent);
    let tier = tier(&agent);
    let suid = node.binary("suid-root", 0, 0o4755);
    let out = as_user(&pod, &[suid.to_str().unwrap(), "ids"]);
    assert_stopped(&tier, &out, "setuid-root exec");
    let e = wait_privilege(&agent, &pod, "exec_setuid");
    check_denied(&e, &tier);
    let p = &e["privilege"];
    assert_eq!(
        (p["oldUids"]["effective"].as_u64(), p["newUids"]["effective"].as_u64()),
        (Some(1000), Some(0)),
        "{e}"
    );
    assert_eq!(p["oldUids"]["real"], 1000);
    assert_eq!(p["binary"], suid.to_str().unwrap());
    assert!(p["capabilitiesGained"].as_array().unwrap().iter().any(|c| c == "CAP_SETUID"));
    assert!(e["process"]["parent"]["pid"].as_u64().unwrap() > 0);
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn dropping_privileges_is_never_an_escalation() {
    if !require::root("dropping_privileges_is_never_an_escalation") {
        return;
    }
    let node = Node::new(Some("enforce"), "");
    let agent = node.agent();
    let pod = node.pod(&agent);
    let t = trigger();
    let out = pod.exec(&[&t, "setuid", "1000"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok uid=1000 euid=1000"), "{out:?}");
    // What runs after the drop is a copy the user can reach (the build dir may be 0700).
    let plain = node.binary("plain", 0, 0o755);
    let plain = plain.to_str().unwrap();
    let out = pod.exec(&[&t, "as-user-keep-caps", "1000", plain, "ids"]);
    assert!(out.status.success(), "a keep-caps drop (as setpriv --reuid does) must survive: {out:?}");
    let out = as_user(&pod, &[plain, "ids"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok uid=1000"), "{out:?}");
    // A real escalation after them, from the same pod: it is caught, so the programs were
    // watching the drops too, and the ring buffer hands records over in the order they were
    // written, so an escalation event for any drop would have come before this one.
    let tier = tier(&agent);
    let out = pod.exec(&[&t, "seteuid-dance", "1000"]);
    assert_stopped(&tier, &out, "seteuid(0) after seteuid(1000)");
    let control = wait_privilege(&agent, &pod, "setresuid");
    check_denied(&control, &tier);
    let events = privilege_events(&agent, &pod.uid);
    assert_eq!(events, vec![control], "only the real escalation is reported, no drop");
    assert!(agent.stop().success());
}

#[test]
fn regaining_root_after_a_temporary_drop_is_caught() {
    if !require::root("regaining_root_after_a_temporary_drop_is_caught") {
        return;
    }
    let node = Node::new(Some("enforce"), "");
    let agent = node.agent();
    let pod = node.pod(&agent);
    let tier = tier(&agent);
    let t = trigger();
    let out = pod.exec(&[&t, "seteuid-dance", "1000"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("dropped uid=0 euid=1000"), "{out:?}");
    assert_stopped(&tier, &out, "seteuid(0) after seteuid(1000)");
    let e = wait_privilege(&agent, &pod, "setresuid");
    check_denied(&e, &tier);
    let p = &e["privilege"];
    assert_eq!(
        (p["oldUids"]["effective"].as_u64(), p["newUids"]["effective"].as_u64()),
        (Some(1000), Some(0)),
        "{e}"
    );
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn a_file_capability_binary_raising_cap_net_raw_is_caught() {
    if !require::root("a_file_capability_binary_raising_cap_net_raw_is_caught") {
        return;
    }
    let node = Node::new(Some("enforce"), "");
    let agent = node.agent();
    let pod = node.pod(&agent);
    let tier = tier(&agent);
    let bin = node.binary("net-raw", 0, 0o755);
    filecaps::set_permitted_effective(&bin, &["CAP_NET_RAW"]).expect("setcap cap_net_raw+ep");
    let out = as_user(&pod, &[bin.to_str().unwrap(), "ids"]);
    assert_stopped(&tier, &out, "file-capability exec");
    let e = wait_privilege(&agent, &pod, "exec_file_caps");
    check_denied(&e, &tier);
    assert_eq!(e["privilege"]["capabilitiesGained"], serde_json::json!(["CAP_NET_RAW"]), "{e}");
    assert_eq!(e["privilege"]["newUids"]["effective"], 1000, "the ids did not change");
    assert!(agent.stop().success());
}

/// A node whose policy has `mode` (and `extra` in its privilege section): a setuid-root exec
/// runs as uid 1000, is not stopped, and is reported. The agent (still running) and the event.
fn reported_not_stopped(mode: &str, extra: &str, why: &str) -> (Agent, Value) {
    let node = Node::new(Some(mode), extra);
    let agent = node.agent();
    let pod = node.pod(&agent);
    let suid = node.binary("suid-root", 0, 0o4755);
    let out = as_user(&pod, &[suid.to_str().unwrap(), "ids"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok uid=1000 euid=0"), "{why}: {out:?}");
    let e = wait_privilege(&agent, &pod, "exec_setuid");
    assert_eq!(e["verdict"]["action"], "audit", "{e}");
    assert_eq!(e["verdict"]["enforced"], false);
    (agent, e)
}

#[test]
fn audit_mode_reports_without_killing() {
    if !require::root("audit_mode_reports_without_killing") {
        return;
    }
    let (agent, e) = reported_not_stopped("audit", "", "audit blocks nothing");
    assert_eq!(e["verdict"]["policy"], "ops/no-escalation");
    assert_eq!(e["privilege"]["tookEffect"], true);
    assert!(agent.stop().success());
}

#[test]
fn a_shadow_privilege_section_in_an_enforce_policy_reports_and_counts_without_killing() {
    if !require::root("a_shadow_privilege_section_in_an_enforce_policy_reports_and_counts_without_killing") {
        return;
    }
    // `mode: enforce` for the policy, `mode: audit` for its privilege section.
    let (agent, e) = reported_not_stopped("enforce", ", mode: audit", "a shadow section blocks nothing");
    assert_eq!(e["verdict"]["rule"], "privilege.escalation");
    agent.wait_metric(
        "rampart_audit_events_total{policy=\"ops/no-escalation\",rule=\"privilege.escalation\"}",
        1.0,
    );
    assert!(agent.stop().success());
}

#[test]
fn without_a_policy_escalations_are_reported_and_allowed() {
    if !require::root("without_a_policy_escalations_are_reported_and_allowed") {
        return;
    }
    let node = Node::new(None, "");
    let agent = node.agent();
    let pod = node.pod(&agent);
    let suid = node.binary("suid-root", 0, 0o4755);
    let out = as_user(&pod, &[suid.to_str().unwrap(), "ids"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok uid=1000 euid=0"), "{out:?}");
    let e = wait_privilege(&agent, &pod, "exec_setuid");
    assert_eq!(e["verdict"]["action"], "allow", "{e}");
    assert_eq!(e["verdict"]["tier"], "none");
    assert_eq!(e["verdict"]["policy"], "");
    assert!(agent.stop().success());
}

#[test]
fn ids_outside_the_allowed_set_are_escalations_too() {
    if !require::root("ids_outside_the_allowed_set_are_escalations_too") {
        return;
    }
    let node = Node::new(Some("enforce"), ", allowedUids: [3000]");
    let agent = node.agent();
    let pod = node.pod(&agent);
    let tier = tier(&agent);
    let to_2000 = node.binary("suid-2000", 2000, 0o4755);
    let to_3000 = node.binary("suid-3000", 3000, 0o4755);
    let out = as_user(&pod, &[to_3000.to_str().unwrap(), "ids"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok uid=1000 euid=3000"), "allowed id: {out:?}");
    let out = as_user(&pod, &[to_2000.to_str().unwrap(), "ids"]);
    assert_stopped(&tier, &out, "setuid to an id outside allowedUids");
    let e = wait_privilege(&agent, &pod, "exec_setuid");
    check_denied(&e, &tier);
    assert_eq!(e["privilege"]["newUids"]["effective"], 2000, "{e}");
    assert_eq!(privilege_events(&agent, &pod.uid).len(), 1, "the allowed change is no escalation");
    assert!(agent.stop().success());
}

#[test]
fn a_container_user_executing_a_setuid_binary_is_stopped() {
    if !require::root("a_container_user_executing_a_setuid_binary_is_stopped") {
        return;
    }
    let node = Node::new(Some("enforce"), "");
    let agent = node.agent();
    let busybox = Path::new("/bin/busybox");
    let mut c = Container::create(
        PodSpec::new("ops", "worker"),
        ContainerSpec::new("/bin/su-busybox id; echo exit=$?").user(1000, 1000).file(
            "/bin/su-busybox",
            busybox,
            0o4755,
        ),
    );
    c.pod.write_manifest(node.manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    let tier = tier(&agent);
    let out = c.run(Duration::from_secs(30));
    let expected = if tier == "sigkill" { "exit=137" } else { "exit=126" };
    assert!(out.contains(expected), "container output: {out}");
    assert!(!out.contains("euid=0"), "ran with root: {out}");
    let e = agent.wait_event("the container's escalation", WAIT, |e| {
        e["pod"]["uid"] == c.pod.uid.as_str() && e["privilege"]["operation"] == "exec_setuid"
    });
    check_denied(&e, &tier);
    assert_eq!(e["pod"]["containerId"], c.pod.container_id.as_str());
    assert_eq!(e["privilege"]["binary"], "/bin/su-busybox");
    assert!(agent.stop().success());
}
