//! `cargo xtask demo`: the whole path on this node. A collector (SQLite) and the agent
//! streaming to it, demo pods doing allowed and denied things, `rampart observe` printing
//! events live as the collector stores them, then `rampart replay` of the window and
//! `rampart status`.
//!
//! Pods are real kubelet-layout cgroups with real processes (the test harness's pods). One pod's
//! Pod object arrives after its first process runs, to show late attribution. The pods try
//! network connections the example policies allow and deny, writes inside and outside their
//! allowed paths (under /tmp and /var/tmp, removed afterwards; the pods share the host's root
//! filesystem, which is theirs here), and a non-root process executing setuid-root `su`. Everything is stopped and removed on exit (after
//! `--duration`, or Ctrl-C).

use std::{
    fs,
    path::Path,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant, SystemTime},
};

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    collector::{Collector, CollectorOptions},
    pod::{Driver, PodSpec, Qos, Runtime, TestPod},
};

use crate::{run, setup, workspace_root};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// An escalation: nobody executing setuid-root `su`.
macro_rules! escalation {
    () => {
        "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/su --help >/dev/null 2>&1; "
    };
}

/// What the web pod does, in a loop: execs, an allowed and a denied connection, an allowed
/// and a denied write, an escalation.
const WEB_LOOP: &str = concat!(
    "while :; do \
    /bin/date +%T >/dev/null; \
    /usr/bin/timeout 1 /bin/bash -c 'exec 3<>/dev/tcp/10.231.0.10/5432' 2>/dev/null; \
    /usr/bin/timeout 1 /bin/bash -c 'exec 3<>/dev/tcp/198.51.100.7/443' 2>/dev/null; \
    /bin/sh -c 'echo cache > /tmp/rampart-demo-web-cache'; \
    /bin/sh -c 'echo oops > /var/tmp/rampart-demo-web-write' 2>/dev/null; ",
    escalation!(),
    "/bin/sleep 3; done"
);

/// The worker (an audit-mode policy): the same denied write and escalation are reported, not
/// blocked.
const WORKER_LOOP: &str = concat!(
    "while :; do \
    /bin/ls /tmp >/dev/null; \
    /bin/sh -c 'echo report > /var/tmp/rampart-demo-worker-write' 2>/dev/null; ",
    escalation!(),
    "/bin/sleep 4; done"
);

pub fn run_demo(duration: Duration, show_host: bool) -> anyhow::Result<()> {
    setup::run_setup()?;
    let root = workspace_root();
    println!("\n==> building the agent, the collector and the rampart command");
    run(Command::new("cargo").current_dir(&root).args([
        "build",
        "-p",
        "rampart-agent",
        "-p",
        "rampart-collector",
        "-p",
        "rampart-cli",
    ]))?;
    // SAFETY: installing a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let bin = root.join("target/debug");
    // SAFETY: setting environment variables before any other thread exists.
    unsafe {
        std::env::set_var("RAMPART_AGENT", bin.join("rampart-agent"));
        std::env::set_var("RAMPART_COLLECTOR", bin.join("rampart-collector"));
    }
    let rampart = bin.join("rampart");

    let dir = root.join("target/demo");
    let _ = fs::remove_dir_all(&dir);
    let (pods_dir, policies_dir, spool_dir) = (dir.join("pods"), dir.join("policies"), dir.join("spool"));
    for d in [&pods_dir, &policies_dir] {
        fs::create_dir_all(d)?;
    }
    for entry in fs::read_dir(root.join("examples/policies"))? {
        let path = entry?.path();
        fs::copy(&path, policies_dir.join(path.file_name().expect("file")))?;
    }

    println!("==> starting rampart-collector (SQLite)");
    let mut collector = Collector::start(CollectorOptions::default());
    let server = collector.url();
    println!("    {server}  store: {}", collector.store.display());

    let web = TestPod::create(PodSpec::new("shop", "web-7d4b9").label("app", "web"));
    let worker = TestPod::create(
        PodSpec::new("shop", "worker-0")
            .label("app", "worker")
            .driver(Driver::Cgroupfs)
            .qos(Qos::BestEffort)
            .runtime(Runtime::Crio),
    );
    web.write_manifest(&pods_dir);
    worker.write_manifest(&pods_dir);

    println!("==> starting rampart-agent --collector {server}");
    let agent = Agent::start(AgentOptions {
        node_name: crate::output(&mut Command::new("hostname")).ok().map(|h| h.trim().to_string()),
        policies: Some(policies_dir),
        pod_manifests: Some(pods_dir.clone()),
        attribution_hold: Some("5s".into()),
        extra: vec![
            "--collector".into(),
            server.clone(),
            "--spool-dir".into(),
            spool_dir.display().to_string(),
        ],
        ..Default::default()
    });
    println!("    metrics: http://{}/metrics", agent.metrics_addr);

    let started = SystemTime::now();
    let since = humantime::format_rfc3339_seconds(started).to_string();
    let mut observe = Command::new(&rampart);
    observe.arg("--server").arg(&server).arg("observe");
    if !show_host {
        observe.args(["--namespace", "shop", "--namespace", "batch"]);
    }
    println!(
        "==> {} (Ctrl-C to stop{})\n",
        shell_line(&observe),
        if duration.is_zero() { "" } else { ", or after the duration" }
    );
    let mut observer = observe.stdin(Stdio::null()).spawn().context("starting rampart observe")?;

    let mut children: Vec<Child> = vec![
        web.command(&["/bin/sh", "-c", WEB_LOOP]).stdout(Stdio::null()).spawn().context("the web pod")?,
        worker
            .command(&["/bin/sh", "-c", WORKER_LOOP])
            .stdout(Stdio::null())
            .spawn()
            .context("the worker pod")?,
    ];
    let start = Instant::now();
    let mut late: Option<TestPod> = None;
    while !STOP.load(Ordering::SeqCst) && (duration.is_zero() || start.elapsed() < duration) {
        if late.is_none() && start.elapsed() > Duration::from_secs(4) {
            // A pod whose process starts before its Pod object is known.
            let pod = TestPod::create(
                PodSpec::new("batch", "report-28").label("app", "report").driver(Driver::Cgroupfs),
            );
            children.push(
                pod.command(&["/bin/sh", "-c", "/bin/echo generating report; /bin/sleep 30"])
                    .stdout(Stdio::null())
                    .spawn()?,
            );
            std::thread::sleep(Duration::from_secs(1));
            pod.write_manifest(&pods_dir);
            late = Some(pod);
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    println!("\n==> stopping the pods and the agent");
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    drop((web, worker, late));
    let status = agent.stop();
    println!("    rampart-agent exited: {status}");
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(observer.id() as i32, libc::SIGINT) };
    let _ = observer.wait();
    for f in [
        "/tmp/rampart-demo-web-cache",
        "/var/tmp/rampart-demo-web-write",
        "/var/tmp/rampart-demo-worker-write",
    ] {
        let _ = fs::remove_file(f);
    }

    let counts = count_kinds(&rampart, &server, &since)?;
    println!("\n==> events of the demo pods stored in the window, by kind and verdict");
    for ((kind, verdict), n) in &counts {
        println!("    {kind:<10} {verdict:<6} {n}");
    }
    let mut replay = Command::new(&rampart);
    replay.arg("--server").arg(&server).args([
        "replay",
        "--since",
        &since,
        "--verdict",
        "deny",
        "--verdict",
        "audit",
    ]);
    println!("\n==> {}   (what was denied or audited)", shell_line(&replay));
    if counts.keys().any(|(_, v)| v == "deny" || v == "audit") {
        let _ = replay.status();
    } else {
        println!("    (nothing in this window)");
    }
    let mut status = Command::new(&rampart);
    status.arg("--server").arg(&server).arg("status");
    println!("\n==> {}", shell_line(&status));
    let _ = status.status();
    let status = collector.stop();
    println!("\nrampart-collector exited: {status}; the demo pods are gone");
    Ok(())
}

/// `rampart replay -o json` of the window, counted by kind and verdict.
fn count_kinds(
    rampart: &Path,
    server: &str,
    since: &str,
) -> anyhow::Result<std::collections::BTreeMap<(String, String), u64>> {
    let out = Command::new(rampart)
        .args([
            "--server",
            server,
            "replay",
            "-o",
            "json",
            "--since",
            since,
            "--namespace",
            "shop",
            "--namespace",
            "batch",
        ])
        .output()?;
    let mut counts = std::collections::BTreeMap::<(String, String), u64>::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let e: serde_json::Value = serde_json::from_str(line)?;
        let kind =
            ["exec", "flow", "file", "privilege"].into_iter().find(|k| e.get(*k).is_some()).unwrap_or("?");
        let verdict = e["verdict"]["action"].as_str().unwrap_or("?").to_string();
        *counts.entry((kind.to_string(), verdict)).or_default() += 1;
    }
    Ok(counts)
}

fn shell_line(cmd: &Command) -> String {
    let prog = Path::new(cmd.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    format!("{prog} {}", args.join(" "))
}
