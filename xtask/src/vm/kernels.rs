//! The kernel matrix as data: which kernels boot, with which LSM list, and what the probe must
//! answer on each. A new kernel is a new row; a new concern is a new field in [`Expect`].

/// A machine architecture, named three ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// This machine's.
    pub fn host() -> Arch {
        if cfg!(target_arch = "aarch64") { Arch::Arm64 } else { Arch::X86_64 }
    }

    /// Debian's name.
    pub fn debian(self) -> &'static str {
        match self {
            Arch::X86_64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }

    /// Rust's musl target triple.
    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-linux-musl",
            Arch::Arm64 => "aarch64-unknown-linux-musl",
        }
    }

    /// `uname -m`.
    pub fn uname(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "aarch64",
        }
    }
}

/// What the probe must choose for a concern, and why the LSM tier is or is not there.
#[derive(Clone, Copy, Debug)]
pub enum Lsm {
    /// Attaches, and `bpf` is in the active LSM list.
    Available,
    /// Not available; the probe's reason contains this text.
    Unavailable(&'static str),
}

/// The probe's answers a kernel must give.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    pub network: &'static str,
    pub rootfs: &'static str,
    pub privilege: &'static str,
    /// Whether the privilege concern's LSM programs attach (and the rootfs concern's, unless
    /// `rootfs_lsm` says otherwise).
    pub lsm: Lsm,
    /// The rootfs concern's, where its hooks fare differently from privilege's.
    pub rootfs_lsm: Option<Lsm>,
    /// `bpf` in `/sys/kernel/security/lsm`.
    pub bpf_in_lsm_list: bool,
}

impl Expect {
    /// Whether `concern`'s LSM programs attach.
    pub fn lsm(&self, concern: &str) -> Lsm {
        match (concern, self.rootfs_lsm) {
            ("rootfs", Some(l)) => l,
            _ => self.lsm,
        }
    }

    pub fn tier(&self, concern: &str) -> &'static str {
        match concern {
            "network" => self.network,
            "rootfs" => self.rootfs,
            _ => self.privilege,
        }
    }
}

/// One kernel of the matrix.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// What `--kernel` takes.
    pub name: &'static str,
    pub arch: Arch,
    /// The Debian release the kernel comes from.
    pub suite: &'static str,
    /// With its `-updates` and `-security` uploads (else its last point release: bullseye's
    /// arm64 security uploads are listed but not on the mirrors any more).
    pub updates: bool,
    /// The metapackage that names the current kernel package (its ABI number changes with
    /// security uploads).
    pub metapackage: &'static str,
    /// `lsm=` on the command line; `None` boots with the kernel's built-in list.
    pub lsm_cmdline: Option<&'static str>,
    pub expect: Expect,
    /// Why this row is in the matrix.
    pub why: &'static str,
}

/// The concerns the probe reports, in matrix column order.
pub const CONCERNS: [&str; 3] = ["network", "rootfs", "privilege"];

/// Every tier the LSM tier falls back to on these kernels (syscall tracepoints and
/// `bpf_send_signal` exist on all of them).
const FALLBACK: &str = "sigkill";

pub const KERNELS: &[Kernel] = &[
    Kernel {
        name: "5.10-x86_64",
        arch: Arch::X86_64,
        suite: "bullseye",
        updates: true,
        metapackage: "linux-image-cloud-amd64",
        lsm_cmdline: Some("lockdown,yama,apparmor,bpf"),
        expect: Expect {
            network: "cgroup",
            rootfs: FALLBACK,
            privilege: "lsm",
            lsm: Lsm::Available,
            rootfs_lsm: Some(Lsm::Unavailable("arg1 type STRUCT is unsupported")),
            bpf_in_lsm_list: true,
        },
        why: "the oldest LTS in distributions (bullseye): BPF LSM for privilege; rootfs falls back (5.10 trampolines cannot take path_chown's kuid_t by value)",
    },
    Kernel {
        name: "5.10-arm64",
        arch: Arch::Arm64,
        suite: "bullseye",
        updates: false,
        metapackage: "linux-image-cloud-arm64",
        lsm_cmdline: Some("lockdown,yama,apparmor,bpf"),
        expect: Expect {
            network: "cgroup",
            rootfs: FALLBACK,
            privilege: FALLBACK,
            lsm: Lsm::Unavailable("errno 524"),
            rootfs_lsm: Some(Lsm::Unavailable("arg1 type STRUCT is unsupported")),
            bpf_in_lsm_list: true,
        },
        why: "arm64 on the oldest LTS: no LSM trampoline, tracepoints attached by perf events",
    },
    Kernel {
        name: "6.1-x86_64",
        arch: Arch::X86_64,
        suite: "bookworm",
        updates: true,
        metapackage: "linux-image-cloud-amd64",
        lsm_cmdline: Some("landlock,lockdown,yama,apparmor,bpf"),
        expect: Expect {
            network: "cgroup",
            rootfs: "lsm",
            privilege: "lsm",
            lsm: Lsm::Available,
            rootfs_lsm: None,
            bpf_in_lsm_list: true,
        },
        why: "BPF LSM on 6.1, booted with bpf in lsm=",
    },
    Kernel {
        name: "6.1-x86_64-nobpf",
        arch: Arch::X86_64,
        suite: "bookworm",
        updates: true,
        metapackage: "linux-image-cloud-amd64",
        lsm_cmdline: Some("landlock,lockdown,yama,apparmor"),
        expect: Expect {
            network: "cgroup",
            rootfs: FALLBACK,
            privilege: FALLBACK,
            lsm: Lsm::Unavailable("not in the active LSM list"),
            rootfs_lsm: None,
            bpf_in_lsm_list: false,
        },
        why: "LSM programs attach but never run: must not be trusted",
    },
    Kernel {
        name: "6.1-arm64",
        arch: Arch::Arm64,
        suite: "bookworm",
        updates: true,
        metapackage: "linux-image-cloud-arm64",
        lsm_cmdline: Some("landlock,lockdown,yama,apparmor,bpf"),
        expect: Expect {
            network: "cgroup",
            rootfs: FALLBACK,
            privilege: FALLBACK,
            lsm: Lsm::Unavailable("errno 524"),
            rootfs_lsm: None,
            bpf_in_lsm_list: true,
        },
        why: "arm64 before 6.4: no LSM trampoline, the fallback tier is the product",
    },
    Kernel {
        name: "6.12-x86_64",
        arch: Arch::X86_64,
        suite: "trixie",
        updates: true,
        metapackage: "linux-image-cloud-amd64",
        lsm_cmdline: None,
        expect: Expect {
            network: "cgroup",
            rootfs: "lsm",
            privilege: "lsm",
            lsm: Lsm::Available,
            rootfs_lsm: None,
            bpf_in_lsm_list: true,
        },
        why: "BPF LSM with Debian's default LSM list",
    },
    Kernel {
        name: "6.12-arm64",
        arch: Arch::Arm64,
        suite: "trixie",
        updates: true,
        metapackage: "linux-image-cloud-arm64",
        lsm_cmdline: None,
        expect: Expect {
            network: "cgroup",
            rootfs: "lsm",
            privilege: "lsm",
            lsm: Lsm::Available,
            rootfs_lsm: None,
            bpf_in_lsm_list: true,
        },
        why: "BPF LSM on arm64 (6.4 and later)",
    },
];

/// Kernel modules the tests need that Debian's cloud kernels build as modules: veth and bridge
/// (pod networking), overlay (container root filesystems). Their dependencies come along.
pub const MODULES: &[&str] = &["veth", "bridge", "overlay"];

/// The rows `--kernel` names (all when none), or an error naming the known ones.
pub fn select(names: &[String]) -> anyhow::Result<Vec<Kernel>> {
    if names.is_empty() {
        return Ok(KERNELS.to_vec());
    }
    names
        .iter()
        .map(|n| {
            KERNELS.iter().find(|k| k.name == n).copied().ok_or_else(|| {
                let known: Vec<&str> = KERNELS.iter().map(|k| k.name).collect();
                anyhow::anyhow!("no kernel {n:?} in the matrix; known: {}", known.join(", "))
            })
        })
        .collect()
}
