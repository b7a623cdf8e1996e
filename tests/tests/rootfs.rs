//! Writes to a container's root filesystem, told apart from its volume and tmpfs, judged by
//! `filesystem: {rootfs: readOnly, allowWrite: [...]}` and stopped: on this host by SIGKILL
//! (`sigkill` tier, the event says whether the write took effect), on kernels with BPF LSM by
//! EPERM before the act (`lsm` tier). Every container is a real runc container on overlayfs.

use std::{fs, time::Duration};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    container::{Container, ContainerSpec},
    require,
    rootfs::{
        MARKER, Node, RUN, WAIT, file_events, settle, stopped, stopped_process, tier, try_tier, wait_file,
    },
};
use serde_json::Value;

/// How long the kernel may hold an exec while the agent is stopped: its lease runs 10 s past the
/// agent's last tick, which came at most 1 s before the stop.
const HOLD_WAIT: Duration = Duration::from_secs(8);

// vm-test: core
#[test]
fn a_write_to_etc_is_stopped_and_writes_to_allowed_paths_volumes_and_tmpfs_are_not() {
    if !require::root("a_write_to_etc_is_stopped_and_writes_to_allowed_paths_volumes_and_tmpfs_are_not") {
        return;
    }
    let node = Node::new("enforce", "/tmp, /var/cache/nginx");
    let agent = node.agent();
    let mut c = node.container(
        &agent,
        &format!("sh -c 'echo pwned > /etc/evil'; echo etc=$?; \
         sh -c 'echo ok > /tmp/ok && mkdir -p /var/cache/nginx/a && echo c > /var/cache/nginx/a/c'; echo allowed=$?; \
         sh -c 'echo v > /data/v && mkdir /data/d && mv /data/v /data/d/v'; echo volume=$?; \
         sh -c 'echo s > /scratch/s && rm /scratch/s'; echo tmpfs=$?; \
         sh -c 'mkdir /etc/conf.d'; echo mkdir=$?; {MARKER}"),
    );
    let tier = tier(&agent);
    let out = c.run(RUN);
    let stop = stopped(&tier);
    assert!(out.contains(&format!("etc{stop}")), "the write to /etc: {out}");
    assert!(out.contains("allowed=0") && out.contains("volume=0") && out.contains("tmpfs=0"), "{out}");
    assert!(out.contains(&format!("mkdir{stop}")), "mkdir in /etc: {out}");

    let e = wait_file(&agent, &c, "create", "/etc/evil");
    let v = &e["verdict"];
    assert_eq!(v["action"], "deny", "{e}");
    assert_eq!(v["tier"], tier.as_str());
    assert_eq!(v["enforced"], true);
    assert_eq!(v["policy"], "files/read-only");
    assert_eq!(v["rule"], "filesystem.rootfs");
    // Only the lsm tier stops the write before it lands; elsewhere the enforce rule is degraded.
    assert_eq!(v["degraded"], tier != "lsm", "{e}");
    assert_eq!(e["pod"]["name"], "web");
    assert_eq!(e["pod"]["containerId"], c.pod.container_id.as_str());
    assert_eq!(e["file"]["mount"], "/");
    let f = &e["file"];
    match tier.as_str() {
        // The open with O_CREAT created the file before the process died; the event says so.
        "sigkill" => {
            assert_eq!(f["tookEffect"], true, "{e}");
            assert!(f["effect"].as_str().unwrap().contains("created"), "{e}");
            assert_eq!(fs::read_to_string(c.upper().join("etc/evil")).unwrap(), "", "nothing written");
        }
        _ => {
            assert_eq!(f["tookEffect"], false, "{e}");
            assert!(!c.upper().join("etc/evil").exists());
        }
    }
    let e = wait_file(&agent, &c, "mkdir", "/etc/conf.d");
    assert_eq!(e["verdict"]["action"], "deny", "{e}");

    settle(&agent, &c);
    let reported: Vec<String> =
        file_events(&agent, &c).iter().map(|e| e["file"]["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(reported, ["/etc/evil", "/etc/conf.d"], "only the rootfs writes outside allowWrite");
    assert_eq!(agent.metric("rampart_verdict_mismatches_total"), Some(0.0));
    assert!(fs::read_to_string(c.volume.join("d/v")).unwrap() == "v\n");
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn renaming_out_of_an_allowed_dir_into_the_rootfs_is_caught() {
    if !require::root("renaming_out_of_an_allowed_dir_into_the_rootfs_is_caught") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = node.agent();
    let mut c = node.container(
        &agent,
        &format!("echo payload > /tmp/p; echo made=$?; sh -c 'mv /tmp/p /bin/p'; echo rename=$?; {MARKER}"),
    );
    let tier = tier(&agent);
    let out = c.run(RUN);
    assert!(out.contains("made=0"), "{out}");
    assert!(out.contains(&format!("rename{}", stopped(&tier))), "{out}");
    let e = wait_file(&agent, &c, "rename", "/tmp/p");
    assert_eq!(e["file"]["targetPath"], "/bin/p", "{e}");
    let v = &e["verdict"];
    assert_eq!(v["action"], "deny", "{e}");
    assert_eq!(v["enforced"], true, "{e}");
    assert_eq!(v["tier"], tier.as_str());
    assert_eq!(v["policy"], "files/read-only");
    assert_eq!(v["rule"], "filesystem.rootfs", "the destination decides");
    // The tracepoint tier kills after the rename; the event says it happened.
    let moved = c.upper().join("bin/p").exists();
    assert_eq!(e["file"]["tookEffect"], moved, "{e}");
    assert_eq!(moved, tier == "sigkill");
    settle(&agent, &c);
    assert_eq!(agent.metric("rampart_verdict_mismatches_total"), Some(0.0));
    assert!(agent.stop().success());
}

#[test]
fn audit_mode_lets_every_write_through_and_reports_it() {
    if !require::root("audit_mode_lets_every_write_through_and_reports_it") {
        return;
    }
    let node = Node::new("audit", "/tmp");
    let agent = node.agent();
    let mut c = node.container(
        &agent,
        "echo a > /etc/a; echo open=$?; truncate -s 0 /etc/hostname; echo truncate=$?; chmod 600 /etc/passwd; echo chmod=$?; \
         ln -s /etc/a /etc/link; echo symlink=$?; rm /etc/a; echo unlink=$?; true",
    );
    let out = c.run(RUN);
    for step in ["open", "truncate", "chmod", "symlink", "unlink"] {
        assert!(out.contains(&format!("{step}=0")), "audit must block nothing ({step}): {out}");
    }
    for (op, path) in [
        ("create", "/etc/a"),
        ("truncate", "/etc/hostname"),
        ("chmod", "/etc/passwd"),
        ("symlink", "/etc/link"),
        ("unlink", "/etc/a"),
    ] {
        let e = wait_file(&agent, &c, op, path);
        assert_eq!(e["verdict"]["action"], "audit", "{e}");
        assert_eq!(e["verdict"]["enforced"], false, "{e}");
        assert_eq!(e["verdict"]["policy"], "files/read-only");
        assert_eq!(e["file"]["tookEffect"], true, "{e}");
    }
    assert!(c.upper().join("etc/link").is_symlink());
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn a_process_writing_a_denied_file_in_a_loop_is_summarised() {
    if !require::root("a_process_writing_a_denied_file_in_a_loop_is_summarised") {
        return;
    }
    let node = Node::new("audit", "/tmp");
    let agent = node.agent();
    let attempts = 2000;
    let mut c = node.container(
        &agent,
        &format!(
            "i=0; while [ $i -lt {attempts} ]; do echo x > /etc/loop; i=$((i+1)); done; echo done=$i; true"
        ),
    );
    let out = c.run(RUN);
    assert!(out.contains(&format!("done={attempts}")), "{out}");
    let loop_events = |agent: &Agent| -> Vec<Value> {
        // Each `>` is one judged write: the first a create, the rest a truncate (lsm) or an open
        // for writing (sigkill: the kernel clears O_TRUNC before the open's exit tracepoint).
        file_events(agent, &c).into_iter().filter(|e| e["file"]["path"] == "/etc/loop").collect()
    };
    let total = |events: &[Value]| -> u64 {
        events.iter().map(|e| e["repeatCount"].as_str().map_or(1, |n| n.parse::<u64>().unwrap().max(1))).sum()
    };
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let events = loop_events(&agent);
        let n = total(&events);
        if n == attempts {
            break;
        }
        if std::time::Instant::now() > deadline {
            let seen: Vec<String> = events
                .iter()
                .map(|e| {
                    format!("{} x{} {}", e["file"]["operation"], e["repeatCount"], e["verdict"]["action"])
                })
                .collect();
            panic!("{attempts} writes, {n} accounted for in {} events: {seen:?}", events.len());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let events = loop_events(&agent);
    assert!(events.len() <= 12, "{} events for {attempts} writes: should be summarised", events.len());
    let metrics = agent.metrics();
    assert!(agent.stop().success());
    for line in metrics.lines().filter(|l| l.starts_with("rampart_drops_total")) {
        assert!(line.ends_with(" 0"), "drop: {line}");
    }
}

/// `rampart_rules_degraded` for the test policy's rootfs rule.
fn degraded_metric(agent: &Agent) -> Option<f64> {
    agent.metric("rampart_rules_degraded{policy=\"files/read-only\",concern=\"rootfs\"}")
}

// vm-test: core
#[test]
fn an_lsm_hook_that_will_not_load_drops_rootfs_to_sigkill_and_writes_are_still_stopped() {
    if !require::root("an_lsm_hook_that_will_not_load_drops_rootfs_to_sigkill_and_writes_are_still_stopped") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = Agent::start(AgentOptions {
        policies: Some(node.policies.path().into()),
        pod_manifests: Some(node.manifests.path().into()),
        env: vec![("RAMPART_TEST_UNAVAILABLE_LSM_HOOKS".into(), "file_open".into())],
        ..Default::default()
    });
    assert_eq!(tier(&agent), "sigkill", "rootfs cannot use lsm without file_open");
    let lsm_possible = fs::read_to_string("/sys/kernel/security/lsm")
        .unwrap_or_default()
        .split(',')
        .any(|l| l.trim() == "bpf");
    let log = agent.log();
    if lsm_possible {
        // The LSM tier was tried, failed on the missing hook, and the agent said so and went on.
        let line = log
            .lines()
            .find(|l| l.contains("tier unavailable") && l.contains("\"rootfs\""))
            .unwrap_or_else(|| panic!("no fallback warning for rootfs:\n{log}"));
        // The injected hook, unless this kernel refused the first hook tried already
        // (path_chown: arm64 before 6.4 has no trampoline, 5.10 cannot take its struct
        // arguments, this host refuses LSM programs to everyone), which drops the tier the
        // same way before file_open is reached.
        assert!(line.contains("file_open_made_unavailable") || line.contains("lsm_path_chown"), "{line}");
    }
    assert_eq!(degraded_metric(&agent), Some(1.0), "the enforce rule is degraded on sigkill");
    // The other concerns are not dragged down: privilege keeps what this kernel gives it.
    assert!(
        agent.metric("rampart_enforcement_tier{concern=\"privilege\",tier=\"none\"}") == Some(0.0),
        "privilege lost its tier:\n{log}"
    );

    let mut c = node.container(&agent, &format!("sh -c 'echo pwned > /etc/evil'; echo etc=$?; {MARKER}"));
    let out = c.run(RUN);
    assert!(out.contains("etc=137"), "the writer is killed: {out}");
    let e = wait_file(&agent, &c, "create", "/etc/evil");
    let v = &e["verdict"];
    assert_eq!(v["action"], "deny", "{e}");
    assert_eq!(v["tier"], "sigkill", "{e}");
    assert_eq!(v["enforced"], true, "{e}");
    assert_eq!(v["degraded"], true, "{e}");
    assert!(agent.stop().success());
}

#[test]
fn require_enforcement_keeps_the_agent_unready_while_an_enforce_rule_is_degraded() {
    if !require::root("require_enforcement_keeps_the_agent_unready_while_an_enforce_rule_is_degraded") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = Agent::start(AgentOptions {
        policies: Some(node.policies.path().into()),
        pod_manifests: Some(node.manifests.path().into()),
        extra: vec!["--require-enforcement".into()],
        may_stay_unready: true,
        ..Default::default()
    });
    let tier = tier(&agent);
    let (status, body) = agent.get("/readyz");
    if tier == "lsm" {
        assert_eq!(status, 200, "{body}");
        assert_eq!(degraded_metric(&agent), Some(0.0));
        return;
    }
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("files/read-only filesystem.rootfs"), "the rule is named: {body}");
    assert!(body.contains("lands before"), "and why: {body}");
    assert_eq!(agent.metric("rampart_ready"), Some(0.0));
    assert_eq!(degraded_metric(&agent), Some(1.0));

    // In audit mode nothing is degraded: the agent becomes ready without a restart.
    fs::write(
        node.policies.path().join("fs.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: read-only, namespace: files}\n\
         spec:\n  podSelector: {matchLabels: {app: web}}\n  mode: audit\n  filesystem: {rootfs: readOnly}\n",
    )
    .unwrap();
    rampart_tests::wait_for("the agent to become ready", Duration::from_secs(10), || {
        (agent.get("/readyz").0 == 200).then_some(())
    });
    assert_eq!(degraded_metric(&agent), Some(0.0));
    assert!(agent.stop().success());
}

#[test]
fn probe_names_each_rule_and_whether_this_node_degrades_it() {
    if !require::root("probe_names_each_rule_and_whether_this_node_degrades_it") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let out = std::process::Command::new(rampart_tests::agent::agent_bin())
        .args(["probe", "-o", "json", "--policies"])
        .arg(node.policies.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = p["rules"].as_array().unwrap_or_else(|| panic!("no rules in {p}"));
    assert_eq!(rules.len(), 1, "{p}");
    let r = &rules[0];
    assert_eq!(r["policy"], "files/read-only");
    assert_eq!(r["rule"], "filesystem.rootfs");
    assert_eq!(r["mode"], "enforce");
    assert_eq!(r["tier"], p["rootfs"]["tier"]);
    let lsm = p["rootfs"]["tier"] == "lsm";
    assert_eq!(r["degraded"], !lsm, "{r}");
    if !lsm {
        assert!(r["reason"].as_str().unwrap().contains("lands before"), "{r}");
    }
}

#[test]
fn the_rootfs_concern_is_engaged_when_the_first_filesystem_policy_arrives() {
    if !require::root("the_rootfs_concern_is_engaged_when_the_first_filesystem_policy_arrives") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let policy = fs::read_to_string(node.policies.path().join("fs.yaml")).unwrap();
    fs::remove_file(node.policies.path().join("fs.yaml")).unwrap();
    let agent = node.agent();
    // Nothing needs the rootfs programs yet: not attached, and the metrics say so.
    assert_eq!(tier(&agent), "none");
    fs::write(node.policies.path().join("fs.yaml"), policy).unwrap();
    let engaged =
        rampart_tests::wait_for("the rootfs concern to be engaged", Duration::from_secs(60), || {
            try_tier(&agent).filter(|t| t != "none")
        });
    let mut c = node.container(&agent, &format!("sh -c 'echo pwned > /etc/evil'; echo etc=$?; {MARKER}"));
    let out = c.run(RUN);
    assert!(out.contains(&format!("etc{}", stopped(&engaged))), "{out}");
    let e = wait_file(&agent, &c, "create", "/etc/evil");
    assert_eq!(e["verdict"]["tier"], engaged.as_str(), "{e}");
    assert_eq!(e["verdict"]["action"], "deny", "{e}");
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn a_container_created_and_started_back_to_back_is_enforced_from_its_first_instruction() {
    if !require::root("a_container_created_and_started_back_to_back_is_enforced_from_its_first_instruction") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = node.agent();
    let tier = rampart_tests::wait_for("the rootfs concern to be engaged", Duration::from_secs(60), || {
        try_tier(&agent).filter(|t| t != "none")
    });
    // The mount table is learnt at the agent's next tick or at the exec, whichever comes
    // first. The first container starts while the agent is stopped, so that on the sigkill tier
    // nothing but the kernel's hold can stand between its exec and its first write (the hold is
    // what this test is about); the second starts with the agent running, and whichever way its
    // table is learnt, it is enforced too.
    let sigkill = tier == "sigkill";
    for n in 0..2 {
        let pod = node.pod(&agent, n);
        let frozen = (n == 0 && sigkill).then(|| agent.freeze());
        let mut c = Container::start_at_once(
            pod,
            ContainerSpec::new(&format!(
                "sh -c 'mkdir /etc/first'; echo etc=$?; sh -c 'mkdir /data/first'; echo volume=$?; {MARKER}"
            )),
        );
        if let Some(frozen) = frozen {
            rampart_tests::wait_for(
                "the stopped agent's container to be held at its exec",
                HOLD_WAIT,
                || stopped_process(&c),
            );
            drop(frozen);
        }
        let out = c.run(RUN);
        assert!(out.contains(&format!("etc{}", stopped(&tier))), "the first mkdir in /etc: {out}");
        assert!(out.contains("volume=0"), "the volume: {out}");
        let e = wait_file(&agent, &c, "mkdir", "/etc/first");
        let v = &e["verdict"];
        assert_eq!(v["action"], "deny", "{e}");
        assert_eq!(v["enforced"], true, "{e}");
        assert_eq!(v["tier"], tier.as_str(), "{e}");
        let effect = e["file"]["effect"].as_str().unwrap_or_default();
        assert!(!effect.contains("not known"), "judged without the mount table: {e}");
        settle(&agent, &c);
        // The volume's mkdir was placed on its mount: not reported (an unknown table would
        // have reported it as a possible rootfs write).
        let reported: Vec<Value> =
            file_events(&agent, &c).into_iter().map(|e| e["file"]["path"].clone()).collect();
        assert_eq!(reported, ["/etc/first"], "only the rootfs write");
        // The container's process is the `/bin/sh` of its spec. runc 1.1 re-execs `runc init`
        // from a memfd copy of itself (`/dev/fd/N`) while its parent joins it to the cgroup,
        // so that exec is in the pod or not by chance: it is runc's, not the container's.
        let first_exec = agent
            .events()
            .into_iter()
            .find(|e| {
                e["pod"]["uid"] == c.pod.uid.as_str()
                    && e["exec"].is_object()
                    && e["exec"]["args"][0] == "/bin/sh"
            })
            .expect("the container's first exec");
        let held = first_exec["exec"]["held"] == true;
        if n == 0 {
            assert_eq!(held, sigkill, "held exactly where the tier places path strings: {first_exec}");
        } else {
            assert!(!held || sigkill, "only the tier that places path strings holds: {first_exec}");
        }
        if !sigkill {
            break;
        }
    }
    if sigkill {
        let released = agent.metric("rampart_held_execs_total{outcome=\"known\"}").unwrap_or(0.0);
        assert!(released >= 1.0, "released with its table known: {released}");
    }
    assert_eq!(agent.metric("rampart_held_execs_total{outcome=\"unknown\"}"), Some(0.0));
    assert!(agent.stop().success());
}
