//! Real containers, run with runc the way a kubelet runtime does: an overlayfs root filesystem
//! (a busybox lower dir, a fresh upper dir), a bind-mounted volume at `/data` and a tmpfs at
//! `/scratch`, the container's cgroup in the kubelet layout of its [`TestPod`], and the
//! create → (the test applies policy) → start lifecycle.
//!
//! Where runc is not installed (the VM initramfs), the same container is started natively
//! ([`crate::nsrun`]): the same overlay root, mounts, cgroup, user and capabilities, entered
//! with a mount namespace and `chroot`.
//!
//! The container runs `/bin/sh -c SCRIPT`; its output (stdout and stderr) is read until the
//! container exits. Commands run as children of that shell, which reports their exit status
//! (`exit=137` for SIGKILL) — the container's pid 1 is never the process under test.

use std::{
    fs,
    io::Read as _,
    os::unix::fs::{PermissionsExt as _, symlink},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use crate::pod::{PodSpec, TestPod, cgroup2_root};

/// busybox applets the containers get.
const APPLETS: &[&str] = &[
    "sh", "ls", "cat", "echo", "touch", "mkdir", "rmdir", "rm", "mv", "cp", "chmod", "chown", "ln", "id",
    "sleep", "true", "false", "truncate", "dd", "test", "[", "printf", "stat", "sync",
];

/// The shared lower dir: busybox, its applets, and the directories an image has.
fn lower() -> &'static Path {
    static LOWER: OnceLock<PathBuf> = OnceLock::new();
    LOWER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rampart-lower-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for d in
            ["bin", "etc", "tmp", "proc", "sys", "dev", "data", "scratch", "var/cache/nginx", "usr/share"]
        {
            fs::create_dir_all(dir.join(d)).expect("lower dir");
        }
        fs::copy("/bin/busybox", dir.join("bin/busybox"))
            .expect("busybox-static (cargo xtask setup installs it)");
        for a in APPLETS {
            symlink("busybox", dir.join("bin").join(a)).expect("applet link");
        }
        fs::write(dir.join("etc/passwd"), "root:x:0:0::/:/bin/sh\nuser:x:1000:1000::/:/bin/sh\n")
            .expect("passwd");
        fs::write(dir.join("etc/group"), "root:x:0:\nuser:x:1000:\n").expect("group");
        fs::write(dir.join("etc/hostname"), "container\n").expect("hostname");
        fs::set_permissions(dir.join("tmp"), fs::Permissions::from_mode(0o1777)).expect("tmp mode");
        dir
    })
}

pub struct ContainerSpec {
    pub uid: u32,
    pub gid: u32,
    pub script: String,
    /// Capabilities of the container process (bounding, permitted, effective).
    pub capabilities: Vec<String>,
    /// Files to add to the image before start: (path in the container, host source, mode).
    pub files: Vec<(String, PathBuf, u32)>,
}

impl ContainerSpec {
    pub fn new(script: &str) -> Self {
        ContainerSpec {
            uid: 0,
            gid: 0,
            script: script.into(),
            capabilities: [
                "CAP_CHOWN",
                "CAP_DAC_OVERRIDE",
                "CAP_FOWNER",
                "CAP_SETUID",
                "CAP_SETGID",
                "CAP_KILL",
            ]
            .map(String::from)
            .to_vec(),
            files: Vec::new(),
        }
    }

    pub fn user(mut self, uid: u32, gid: u32) -> Self {
        self.uid = uid;
        self.gid = gid;
        self
    }

    pub fn file(mut self, path: &str, source: &Path, mode: u32) -> Self {
        self.files.push((path.into(), source.into(), mode));
        self
    }

    /// The program `source` at `path` in the image, with the shared libraries it loads (at
    /// their own paths, as `ldd` lists them): on the host the test binaries are dynamic; in
    /// the VMs they are static and bring nothing else.
    pub fn program(mut self, path: &str, source: &Path) -> Self {
        self.files.push((path.into(), source.into(), 0o755));
        let Ok(out) = Command::new("ldd").arg(source).output() else { return self };
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)"
            let lib = line.split("=>").last().unwrap_or("").split_whitespace().next().unwrap_or("");
            if lib.starts_with('/') {
                self.files.push((lib.into(), lib.into(), 0o755));
            }
        }
        self
    }
}

pub struct Container {
    pub pod: TestPod,
    pub id: String,
    pub bundle: tempfile::TempDir,
    /// The bind-mounted volume (`/data` inside).
    pub volume: PathBuf,
    create: Option<Child>,
    started: bool,
    /// Started without runc: the pipe that lets it run.
    native: Option<Option<crate::nsrun::Start>>,
}

/// The bundle of a container of `pod`: its overlay root filesystem mounted, its volume, and
/// (where runc runs it) `config.json`.
fn bundle(pod: &TestPod, spec: &ContainerSpec) -> tempfile::TempDir {
    let bundle = tempfile::tempdir().expect("bundle");
    let b = bundle.path();
    for d in ["upper", "work", "rootfs", "volume", "state"] {
        fs::create_dir_all(b.join(d)).expect("bundle dir");
    }
    for (path, source, mode) in &spec.files {
        let dest = b.join("upper").join(path.trim_start_matches('/'));
        fs::create_dir_all(dest.parent().expect("parent")).expect("dir");
        fs::copy(source, &dest).expect("copy into the image");
        fs::set_permissions(&dest, fs::Permissions::from_mode(*mode)).expect("mode");
    }
    let opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower().display(),
        b.join("upper").display(),
        b.join("work").display()
    );
    let st = Command::new("mount")
        .args(["-t", "overlay", "overlay", "-o", &opts])
        .arg(b.join("rootfs"))
        .status()
        .expect("mount");
    assert!(st.success(), "mounting the overlay root filesystem failed");
    if crate::nsrun::runc_available() {
        let rel = pod.container_dir.strip_prefix(cgroup2_root()).expect("under the cgroup root");
        let caps = serde_json::json!(spec.capabilities);
        let config = serde_json::json!({
            "ociVersion": "1.0.2",
            "process": {
                "terminal": false,
                "user": {"uid": spec.uid, "gid": spec.gid},
                "args": ["/bin/sh", "-c", spec.script],
                "env": ["PATH=/bin", "HOME=/"],
                "cwd": "/",
                "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
                "noNewPrivileges": false
            },
            "root": {"path": "rootfs", "readonly": false},
            "hostname": "container",
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
                {"destination": "/data", "type": "bind", "source": b.join("volume"), "options": ["rbind", "rw"]},
                {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}
            ],
            "linux": {
                "cgroupsPath": format!("/{}", rel.display()),
                "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]
            }
        });
        fs::write(b.join("config.json"), serde_json::to_vec_pretty(&config).expect("json"))
            .expect("config.json");
    }
    bundle
}

/// `runc create` or `runc run` of the container `id` in `bundle`, its stdout piped (the
/// container keeps it).
fn spawn_runc(bundle: &Path, verb: &str, id: &str) -> Child {
    Command::new("runc")
        .arg("--root")
        .arg(bundle.join("state"))
        .args([verb, "--bundle"])
        .arg(bundle)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("runc {verb}: {e}"))
}

fn runc(state: &Path, args: &[&str]) -> std::process::Output {
    Command::new("runc")
        .arg("--root")
        .arg(state)
        .args(args)
        .output()
        .expect("runc (cargo xtask setup installs it)")
}

impl Container {
    /// `runc create`: the container exists (cgroup, namespaces, mounts) but has not started.
    pub fn create(pod: PodSpec, spec: ContainerSpec) -> Container {
        Self::create_in(TestPod::create(pod), spec)
    }

    /// `runc run`: created and started back to back in `pod` (known to the agent already), as
    /// a runtime does when nothing waits in between; [`Container::run`] collects its output.
    pub fn start_at_once(pod: TestPod, spec: ContainerSpec) -> Container {
        if !crate::nsrun::runc_available() {
            let mut c = Self::create_in(pod, spec);
            c.start();
            return c;
        }
        let bundle = bundle(&pod, &spec);
        let id = format!("rampart-{}", crate::random_hex(10));
        let child = spawn_runc(bundle.path(), "run", &id);
        let volume = bundle.path().join("volume");
        Container { pod, id, volume, bundle, create: Some(child), started: true, native: None }
    }

    /// [`Container::create`] in a pod that exists already.
    pub fn create_in(pod: TestPod, spec: ContainerSpec) -> Container {
        if !crate::nsrun::runc_available() {
            let bundle = bundle(&pod, &spec);
            let b = bundle.path();
            let native = crate::nsrun::Spec {
                rootfs: &b.join("rootfs"),
                volume: &b.join("volume"),
                uid: spec.uid,
                gid: spec.gid,
                capabilities: &spec.capabilities,
                script: &spec.script,
            };
            let (child, start) = crate::nsrun::create(&native, &pod.container_dir)
                .unwrap_or_else(|e| panic!("starting the container without runc: {e}"));
            let id = format!("rampart-{}", crate::random_hex(10));
            let volume = b.join("volume");
            return Container {
                pod,
                id,
                volume,
                bundle,
                create: Some(child),
                started: false,
                native: Some(Some(start)),
            };
        }
        let bundle = bundle(&pod, &spec);
        let b = bundle.path();
        let id = format!("rampart-{}", crate::random_hex(10));
        let create = spawn_runc(b, "create", &id);
        let c = Container {
            pod,
            id,
            volume: b.join("volume"),
            bundle,
            create: Some(create),
            started: false,
            native: None,
        };
        // `runc create` returns once the container exists; its stdout stays with the container.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = runc(&c.bundle.path().join("state"), &["state", &c.id]);
            if out.status.success() && String::from_utf8_lossy(&out.stdout).contains("\"created\"") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "runc create did not finish: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        c
    }

    /// The image's writable layer, where rootfs writes land.
    pub fn upper(&self) -> PathBuf {
        self.bundle.path().join("upper")
    }

    /// `runc start`, unless started already.
    fn start(&mut self) {
        if self.started {
            return;
        }
        if let Some(start) = self.native.as_mut().and_then(Option::take) {
            start.start().expect("starting the container");
        } else {
            let out = runc(&self.bundle.path().join("state"), &["start", &self.id]);
            assert!(out.status.success(), "runc start: {}", String::from_utf8_lossy(&out.stderr));
        }
        self.started = true;
    }

    /// `runc start` (unless started already), then the container's output once it exits.
    pub fn run(&mut self, timeout: Duration) -> String {
        self.start();
        let mut child = self.create.take().expect("created");
        let mut stdout = child.stdout.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            let _ = tx.send(s);
        });
        let text = rx
            .recv_timeout(timeout)
            .unwrap_or_else(|_| panic!("container {} did not exit within {timeout:?}", self.id));
        let _ = child.wait();
        text
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.native.is_none() {
            let state = self.bundle.path().join("state");
            let _ = runc(&state, &["delete", "--force", &self.id]);
        }
        if let Some(mut c) = self.create.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("umount").arg(self.bundle.path().join("rootfs")).status();
    }
}
