//! Bad input gets a clear error that names the place, and loses nothing already accepted.
// vm-test: host-only: config, policy and manifest parsing and the served metrics are user space, and `rampart policy lint` needs the CLI the VM initramfs does not have; nothing here depends on the kernel.

use std::{fs, process::Command, time::Duration};

use rampart_tests::{
    agent::{Agent, AgentOptions, agent_bin},
    net::{outcome, port, sockaddr, trigger},
    pod::{PodSpec, TestPod},
    require, wait_for,
};

const GOOD_POLICY: &str = "apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  mode: enforce
  privilege: {escalation: deny}
";

const BAD_POLICY: &str = "apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  mode: enforce
  network:
    egress:
      - ports: [{port: 5432, protocl: TCP}]
";

#[test]
fn config_errors_are_reported_all_at_once_and_exit_2() {
    let all_reported = |out: &std::process::Output| -> String {
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(err.contains("--ring-buffer-size 12345: must be a power of two"), "{err}");
        assert!(err.contains("--policies /nonexistent/rampart"), "{err}");
        assert!(err.contains("--metrics-addr \"nope\""), "{err}");
        err
    };
    let out = Command::new(agent_bin())
        .args([
            "run",
            "--ring-buffer-size",
            "12345",
            "--policies",
            "/nonexistent/rampart",
            "--metrics-addr",
            "nope",
        ])
        .output()
        .unwrap();
    all_reported(&out);
    // The same from the environment (a DaemonSet sets RAMPART_*).
    let out = Command::new(agent_bin())
        .args(["run"])
        .env("RAMPART_RING_BUFFER_SIZE", "12345")
        .env("RAMPART_POLICIES", "/nonexistent/rampart")
        .env("RAMPART_METRICS_ADDR", "nope")
        .env("RAMPART_COLLECTOR_URL", "ftp://x")
        .output()
        .unwrap();
    let err = all_reported(&out);
    assert!(err.contains("--collector \"ftp://x\""), "{err}");
}

#[test]
fn malformed_policy_is_refused_with_file_line_and_field_and_good_ones_stay() {
    if !require::root("malformed_policy_is_refused_with_file_line_and_field_and_good_ones_stay") {
        return;
    }
    let (dir, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fs::write(dir.path().join("web.yaml"), GOOD_POLICY).unwrap();
    fs::write(dir.path().join("db.yaml"), BAD_POLICY).unwrap();
    let (web, db) =
        (TestPod::create(PodSpec::new("shop", "web")), TestPod::create(PodSpec::new("shop", "db")));
    web.write_manifest(manifests.path());
    db.write_manifest(manifests.path());
    let agent = Agent::start(AgentOptions {
        policies: Some(dir.path().into()),
        pod_manifests: Some(manifests.path().into()),
        ..Default::default()
    });
    assert_eq!(agent.metric("rampart_policies"), Some(1.0));
    assert_eq!(agent.metric("rampart_policy_errors_total"), Some(1.0));
    let log = agent.log();
    let line = log.lines().find(|l| l.contains("policy refused")).unwrap_or_else(|| panic!("{log}"));
    let db_file = dir.path().join("db.yaml");
    assert!(line.contains(&format!("{}:9:", db_file.display())), "file and line: {line}");
    assert!(line.contains("protocl"), "names the unknown field: {line}");
    agent.wait_metric("rampart_pods", 2.0);

    // Breaking the good file does not take its policy away: web's escalation is still stopped
    // under shop/web after the broken edit was refused.
    fs::write(dir.path().join("web.yaml"), GOOD_POLICY.replace("mode: enforce", "mode: enforcing")).unwrap();
    wait_for("the broken edit to be refused", Duration::from_secs(10), || {
        (agent.metric("rampart_policy_errors_total")? >= 2.0).then_some(())
    });
    assert_eq!(agent.metric("rampart_policies"), Some(1.0), "the good version stays in force");
    let t = trigger();
    let out = web.exec(&[&t, "seteuid-dance", "1000"]);
    assert!(!out.status.success(), "web's escalation must still be stopped: {out:?}");
    let e = agent.wait_event("web's escalation", Duration::from_secs(10), |e| {
        e["pod"]["uid"] == web.uid.as_str() && e["privilege"].is_object()
    });
    assert_eq!(
        (e["verdict"]["policy"].as_str(), e["verdict"]["action"].as_str()),
        (Some("shop/web"), Some("deny")),
        "{e}"
    );

    // Fixing the bad file brings it in: db may reach port 5432 only.
    let elsewhere = sockaddr("127.0.0.1", port());
    assert!(
        outcome(&db.exec(&[&t, "tcp-connect", &elsewhere])) != Err(1),
        "db is unrestricted before the fix"
    );
    fs::write(&db_file, BAD_POLICY.replace("protocl", "protocol")).unwrap();
    agent.wait_metric("rampart_policies", 2.0);
    assert_eq!(
        outcome(&db.exec(&[&t, "tcp-connect", &elsewhere])),
        Err(1),
        "db's egress is restricted (EPERM)"
    );
    assert!(agent.stop().success());
}

/// Files that would hang or exhaust a naive reader: a FIFO (opening it waits for a writer), a
/// link to /dev/zero (endless), a file over the size limit, and YAML nested 100,000 deep
/// (quadratic in libyaml). The agent refuses each by name, starts and stays healthy, the good
/// policy is in force, and `rampart policy lint` says the same about the same directory.
#[test]
fn hostile_policy_files_cannot_hang_or_exhaust_the_agent_or_lint() {
    if !require::root("hostile_policy_files_cannot_hang_or_exhaust_the_agent_or_lint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("web.yaml"), GOOD_POLICY).unwrap();
    let fifo =
        std::ffi::CString::new(dir.path().join("fifo.yaml").into_os_string().into_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.yaml")).unwrap();
    fs::write(dir.path().join("big.yaml"), format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    fs::write(dir.path().join("deep.yaml"), format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)))
        .unwrap();
    let expected = [
        ("big.yaml", "bytes; at most 1048576 are read"),
        ("deep.yaml", "line 1: nested more than 64 levels deep"),
        ("fifo.yaml", "not a regular file but a FIFO"),
        ("zero.yaml", "not a regular file but a character device"),
    ];

    let agent = Agent::start(AgentOptions { policies: Some(dir.path().into()), ..Default::default() });
    assert_eq!(agent.get("/healthz").0, 200);
    assert_eq!(agent.metric("rampart_policies"), Some(1.0));
    assert_eq!(agent.metric("rampart_policy_errors_total"), Some(4.0));
    let log = agent.log();
    for (file, problem) in expected {
        let path = dir.path().join(file).display().to_string();
        assert!(log.lines().any(|l| l.contains(&path) && l.contains(problem)), "{file}: {problem}\n{log}");
    }
    assert!(agent.stop().success());

    let out = Command::new(rampart_tests::bins::cli_bin())
        .args(["policy", "lint"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (file, problem) in expected {
        let path = dir.path().join(file).display().to_string();
        assert!(
            stdout.lines().any(|l| l.starts_with(&path) && l.contains(problem)),
            "lint: {file}\n{stdout}"
        );
    }
}

#[test]
fn bad_pod_manifests_are_named_and_do_not_hide_good_pods() {
    if !require::root("bad_pod_manifests_are_named_and_do_not_hide_good_pods") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("shop", "good"));
    pod.write_manifest(dir.path());
    fs::write(
        dir.path().join("nouid.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: anon, namespace: shop}\n",
    )
    .unwrap();
    // A directory named like a manifest cannot be read as one.
    fs::create_dir(dir.path().join("unreadable.yaml")).unwrap();
    let agent = Agent::start(AgentOptions { pod_manifests: Some(dir.path().into()), ..Default::default() });
    assert_eq!(agent.metric("rampart_pods"), Some(1.0));
    assert_eq!(agent.metric("rampart_manifest_errors_total"), Some(2.0));
    let log = agent.log();
    assert!(log.contains("nouid.yaml: document 1: Pod shop/anon has no metadata.uid"), "{log}");
    assert!(log.contains("unreadable.yaml: not a regular file but a directory"), "{log}");
    assert!(agent.stop().success());
}

#[test]
fn metrics_health_and_readiness_are_served() {
    if !require::root("metrics_health_and_readiness_are_served") {
        return;
    }
    let agent = Agent::start(AgentOptions::default());
    assert_eq!(agent.get("/healthz").0, 200);
    assert_eq!(agent.get("/readyz").0, 200);
    assert_eq!(agent.get("/nope").0, 404);
    let m = agent.metrics();
    for family in [
        "rampart_events_total{kind=\"exec\"}",
        "rampart_drops_total{stage=\"ringbuf\",kind=\"exec\"}",
        "rampart_drops_total{stage=\"decode\",kind=\"unknown_kind\"}",
        "rampart_enforcement_tier{concern=\"network\",tier=\"cgroup\"}",
        "rampart_ready 1",
    ] {
        assert!(m.contains(family), "{family} missing from /metrics:\n{m}");
    }
    assert!(agent.stop().success());
}
