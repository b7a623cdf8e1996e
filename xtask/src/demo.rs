//! `cargo xtask demo`: the agent on this node with the example policies and demo pods doing
//! things, events printed as they happen.
//!
//! Pods are real kubelet-layout cgroups with real processes (the test harness's pods). One pod's
//! Pod object arrives after its first process runs, to show late attribution. Everything is
//! cleaned up on exit (after `--duration`, or Ctrl-C).

use std::{
    fs,
    io::{BufRead as _, BufReader, Seek as _},
    process::{Child, Command},
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use rampart_proto::v1::{Event, pod::Attribution};
use rampart_tests::{
    agent::{Agent, AgentOptions},
    pod::{Driver, PodSpec, Qos, Runtime, TestPod},
};

use crate::{run, setup, workspace_root};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

pub fn run_demo(duration: Duration, show_host: bool) -> anyhow::Result<()> {
    setup::run_setup()?;
    let root = workspace_root();
    println!("\n==> building the agent");
    run(Command::new("cargo").current_dir(&root).args(["build", "-p", "rampart-agent"]))?;
    // SAFETY: installing a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }

    let dir = root.join("target/demo");
    let _ = fs::remove_dir_all(&dir);
    let (pods_dir, policies_dir) = (dir.join("pods"), dir.join("policies"));
    fs::create_dir_all(&pods_dir)?;
    fs::create_dir_all(&policies_dir)?;
    for entry in fs::read_dir(root.join("examples/policies"))? {
        let path = entry?.path();
        fs::copy(&path, policies_dir.join(path.file_name().expect("file")))?;
    }

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

    // SAFETY: setting an environment variable before any other thread exists.
    unsafe { std::env::set_var("RAMPART_AGENT", root.join("target/debug/rampart-agent")) };
    println!(
        "==> starting rampart-agent (policies: {}, pods: {})",
        policies_dir.display(),
        pods_dir.display()
    );
    let agent = Agent::start(AgentOptions {
        node_name: crate::output(&mut Command::new("hostname")).ok().map(|h| h.trim().to_string()),
        policies: Some(policies_dir),
        pod_manifests: Some(pods_dir.clone()),
        attribution_hold: Some("5s".into()),
        ..Default::default()
    });
    println!("    metrics: http://{}/metrics  events: {}", agent.metrics_addr, agent.events_path.display());
    println!(
        "==> events from pods (Ctrl-C to stop{})\n",
        if duration.is_zero() { "" } else { ", or after the duration" }
    );

    let mut children: Vec<Child> = Vec::new();
    let loop_sh =
        "while :; do /bin/date +%T >/dev/null; /bin/cat /etc/hostname >/dev/null; /bin/sleep 3; done";
    children
        .push(web.command(&["/bin/sh", "-c", loop_sh]).spawn().context("starting the web pod's process")?);
    children.push(
        worker
            .command(&["/bin/sh", "-c", "while :; do /bin/ls /tmp >/dev/null; /bin/sleep 4; done"])
            .spawn()?,
    );

    let start = Instant::now();
    let mut late: Option<TestPod> = None;
    let mut offset = 0;
    while !STOP.load(Ordering::SeqCst) && (duration.is_zero() || start.elapsed() < duration) {
        if late.is_none() && start.elapsed() > Duration::from_secs(4) {
            // A pod whose process starts before its Pod object is known.
            let pod = TestPod::create(
                PodSpec::new("batch", "report-28").label("app", "report").driver(Driver::Cgroupfs),
            );
            children
                .push(pod.command(&["/bin/sh", "-c", "/bin/echo generating report; /bin/sleep 30"]).spawn()?);
            std::thread::sleep(Duration::from_secs(1));
            pod.write_manifest(&pods_dir);
            late = Some(pod);
        }
        offset = print_new_events(&agent, offset, show_host)?;
        std::thread::sleep(Duration::from_millis(200));
    }

    println!("\n==> stopping");
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    drop((web, worker, late));
    let metrics = agent.metrics();
    let status = agent.stop();
    print_new_events(&agent, offset, show_host)?;
    println!("rampart-agent exited: {status}");
    for line in metrics.lines().filter(|l| {
        l.starts_with("rampart_events_total")
            || l.starts_with("rampart_attribution_total")
            || l.starts_with("rampart_drops_total")
    }) {
        println!("    {line}");
    }
    Ok(())
}

/// Print the events written since byte `offset`; returns the new offset.
fn print_new_events(agent: &Agent, offset: u64, show_host: bool) -> anyhow::Result<u64> {
    let Ok(mut f) = fs::File::open(&agent.events_path) else { return Ok(offset) };
    f.seek(std::io::SeekFrom::Start(offset))?;
    let mut reader = BufReader::new(f);
    let mut pos = offset;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 0 {
        if !line.ends_with('\n') {
            break; // partial line: read it next time
        }
        pos += line.len() as u64;
        let event: Event = serde_json::from_str(&line).context("an event line is not a rampart.v1.Event")?;
        let host = event.pod.as_ref().is_none_or(|p| p.attribution == Attribution::Host as i32);
        if show_host || !host {
            println!("{}", event.compact_line());
        }
        line.clear();
    }
    Ok(pos)
}
