//! Writes that try to walk around a read-only root filesystem by naming it some other way: a
//! hard link that makes a protected file writable under an allowed name, a path through
//! `/proc/self/root` (a magic link into the container's own root, on the `/proc` mount by its
//! string), a rename through a symlink to a protected directory, and file operations submitted
//! through io_uring, which enter no syscall tracepoint. A write is judged where it
//! lands, on every tier that can tell; the one class a tier cannot resolve is named in
//! docs/operations.md ("What each tier can and cannot see").

use rampart_tests::{
    bins,
    container::ContainerSpec,
    require,
    rootfs::{MARKER, Node, RUN, WAIT, file_events, settle, stopped, tier, wait_file},
};
use serde_json::Value;

// vm-test: core
#[test]
fn a_hard_link_to_a_protected_file_is_refused_like_writing_it() {
    if !require::root("a_hard_link_to_a_protected_file_is_refused_like_writing_it") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = node.agent();
    // Through `/tmp/pw` the content of /etc/passwd could be rewritten: the link is the write.
    // A link between two allowed names is nothing to report.
    let mut c = node.container(
        &agent,
        &format!(
            "echo a > /tmp/a && ln /tmp/a /tmp/b; echo allowed=$?; \
             sh -c 'ln /etc/passwd /tmp/pw'; echo link=$?; {MARKER}"
        ),
    );
    let tier = tier(&agent);
    let out = c.run(RUN);
    assert!(out.contains("allowed=0"), "{out}");
    assert!(out.contains(&format!("link{}", stopped(&tier))), "the link to /etc/passwd: {out}");
    let e = wait_file(&agent, &c, "link", "/etc/passwd");
    assert_eq!(e["file"]["targetPath"], "/tmp/pw", "{e}");
    let v = &e["verdict"];
    assert_eq!(v["action"], "deny", "{e}");
    assert_eq!(v["enforced"], true, "{e}");
    assert_eq!(v["tier"], tier.as_str());
    assert_eq!(v["rule"], "filesystem.rootfs", "the file linked to decides");
    // The tracepoint tier kills at the syscall's return: the link was made, and the event says so.
    let linked = c.upper().join("tmp/pw").exists();
    assert_eq!(e["file"]["tookEffect"], linked, "{e}");
    assert_eq!(linked, tier == "sigkill");
    settle(&agent, &c);
    let reported: Vec<Value> = file_events(&agent, &c);
    assert_eq!(reported.len(), 1, "only the link to /etc/passwd: {reported:?}");
    assert_eq!(agent.metric("rampart_verdict_mismatches_total"), Some(0.0));
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn a_write_through_proc_self_root_is_judged_where_it_lands() {
    if !require::root("a_write_through_proc_self_root_is_judged_where_it_lands") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = node.agent();
    let mut c = node.container(
        &agent,
        &format!(
            "echo p > /tmp/p; sh -c 'mv /tmp/p /proc/self/root/bin/p'; echo rename=$?; \
             sh -c 'mkdir /proc/self/root/etc/d'; echo mkdir=$?; \
             sh -c 'cd /proc && mkdir self/root/etc/r'; echo relative=$?; \
             sh -c 'echo x > /proc/self/root/etc/evil'; echo open=$?; \
             mkdir /proc/self/root/tmp/fine; echo allowed=$?; {MARKER}"
        ),
    );
    let tier = tier(&agent);
    let out = c.run(RUN);
    let stop = stopped(&tier);
    for step in ["rename", "mkdir", "relative", "open"] {
        assert!(out.contains(&format!("{step}{stop}")), "{step} through /proc/self/root: {out}");
    }
    assert!(out.contains("allowed=0"), "{out}");
    let e = wait_file(&agent, &c, "rename", "/tmp/p");
    assert_eq!(e["file"]["targetPath"], "/bin/p", "{e}");
    assert_eq!(e["file"]["mount"], "/", "{e}");
    for (op, path) in
        [("rename", "/tmp/p"), ("mkdir", "/etc/d"), ("mkdir", "/etc/r"), ("create", "/etc/evil")]
    {
        let e = wait_file(&agent, &c, op, path);
        assert_eq!(e["verdict"]["action"], "deny", "{e}");
        assert_eq!(e["verdict"]["enforced"], true, "{e}");
    }
    settle(&agent, &c);
    assert!(c.upper().join("tmp/fine").is_dir());
    assert_eq!(file_events(&agent, &c).len(), 4, "{:?}", file_events(&agent, &c));
    assert_eq!(agent.metric("rampart_verdict_mismatches_total"), Some(0.0));
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn a_rename_through_a_symlinked_directory_is_judged_where_it_lands() {
    if !require::root("a_rename_through_a_symlinked_directory_is_judged_where_it_lands") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = node.agent();
    let mut c = node.container(
        &agent,
        &format!(
            "ln -s sub /tmp/fine; echo relative=$?; \
             sh -c 'ln -s /etc /tmp/e'; echo symlink=$?; \
             echo p > /tmp/p; sh -c 'mv /tmp/p /tmp/e/p'; echo rename=$?; {MARKER}"
        ),
    );
    let tier = tier(&agent);
    let out = c.run(RUN);
    assert!(out.contains("relative=0"), "a symlink that stays in its directory: {out}");
    match tier.as_str() {
        // Paths are resolved by the kernel: the symlink is harmless, the rename lands in /etc
        // and is refused there.
        "lsm" => {
            assert!(out.contains("symlink=0"), "{out}");
            assert!(out.contains(&format!("rename{}", stopped(&tier))), "{out}");
            let e = wait_file(&agent, &c, "rename", "/tmp/p");
            assert_eq!(e["file"]["targetPath"], "/etc/p", "{e}");
            assert_eq!(e["verdict"]["action"], "deny", "{e}");
            assert!(!c.upper().join("etc/p").exists());
        }
        // Later writes are judged by their strings, which cannot show the symlink: the symlink
        // itself is judged at its target, /etc, and refused. The kill comes at the syscall's
        // return, so the symlink exists and the rename through it is judged at /tmp/e/p: the
        // symlink's event, degraded, is what reports it.
        "sigkill" => {
            assert!(out.contains(&format!("symlink{}", stopped(&tier))), "{out}");
            let e = wait_file(&agent, &c, "symlink", "/tmp/e");
            assert_eq!(e["file"]["targetPath"], "/etc", "{e}");
            assert_eq!(e["verdict"]["action"], "deny", "{e}");
            assert_eq!(e["verdict"]["enforced"], true, "{e}");
            assert_eq!(e["verdict"]["degraded"], true, "{e}");
            assert_eq!(e["file"]["tookEffect"], true, "{e}");
            assert!(c.upper().join("tmp/e").is_symlink());
        }
        other => panic!("tier {other}"),
    }
    settle(&agent, &c);
    assert_eq!(file_events(&agent, &c).len(), 1, "{:?}", file_events(&agent, &c));
    assert_eq!(agent.metric("rampart_verdict_mismatches_total"), Some(0.0));
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn file_operations_submitted_through_io_uring_are_judged_or_the_ring_is_refused() {
    if !require::root("file_operations_submitted_through_io_uring_are_judged_or_the_ring_is_refused") {
        return;
    }
    let node = Node::new("enforce", "/tmp");
    let agent = node.agent();
    let uring = bins::find("rampart-uring", "RAMPART_URING", "rampart-tests");
    let script = format!(
        "/bin/rampart-uring write /tmp/ok fine; echo allowed=$?; \
         /bin/rampart-uring write /etc/evil pwned; echo write=$?; \
         /bin/rampart-uring mkdir /etc/d; echo mkdir=$?; {MARKER}"
    );
    let mut c = node.container_of(&agent, ContainerSpec::new(&script).program("/bin/rampart-uring", &uring));
    let tier = tier(&agent);
    let out = c.run(RUN);
    match tier.as_str() {
        // io_uring's operations go through the same VFS calls, and so the same LSM hooks, as
        // the syscalls: the allowed write works, the others fail with EPERM and are reported.
        "lsm" => {
            assert!(out.contains("ok wrote=4") && out.contains("allowed=0"), "{out}");
            assert!(out.contains("error errno=1 at=openat") && out.contains("write=1"), "{out}");
            assert!(out.contains("error errno=1 at=mkdirat") && out.contains("mkdir=1"), "{out}");
            for (op, path) in [("create", "/etc/evil"), ("mkdir", "/etc/d")] {
                let e = wait_file(&agent, &c, op, path);
                assert_eq!(e["verdict"]["action"], "deny", "{e}");
                assert_eq!(e["verdict"]["enforced"], true, "{e}");
                assert_eq!(e["file"]["tookEffect"], false, "{e}");
            }
            assert_eq!(std::fs::read_to_string(c.upper().join("tmp/ok")).unwrap(), "fine");
        }
        // The ring's operations enter no syscall tracepoint: a pod under a readOnly rule may
        // not set one up, and the process dies before it can submit anything.
        "sigkill" => {
            for step in ["allowed", "write", "mkdir"] {
                assert!(out.contains(&format!("{step}=137")), "{step}: {out}");
            }
            let e = agent.wait_event("the refused io_uring_setup", WAIT, |e| {
                e["pod"]["uid"] == c.pod.uid.as_str() && e["file"]["operation"] == "io_uring_setup"
            });
            let v = &e["verdict"];
            assert_eq!(v["action"], "deny", "{e}");
            assert_eq!(v["enforced"], true, "{e}");
            assert_eq!(v["degraded"], true, "{e}");
            assert_eq!(v["rule"], "filesystem.rootfs", "{e}");
            assert!(e["file"]["effect"].as_str().unwrap().contains("io_uring"), "{e}");
            assert!(!c.upper().join("tmp/ok").exists());
        }
        other => panic!("tier {other}"),
    }
    assert!(!c.upper().join("etc/evil").exists() && !c.upper().join("etc/d").exists());
    settle(&agent, &c);
    assert_eq!(agent.metric("rampart_verdict_mismatches_total"), Some(0.0));
    assert!(agent.stop().success());
}
