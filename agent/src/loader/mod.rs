//! Loading Rampart's kernel object: offsets from this kernel's BTF written into the config
//! global, the ring buffer sized from configuration, programs loaded and attached by name.
//!
//! The object is embedded in the agent at build time (`agent/build.rs`), so the agent binary
//! is all a node needs.

pub mod btf;
pub mod helpers;
pub mod offsets;
pub mod pins;
mod sys;
pub mod tiers;
pub mod tracefs;
pub mod unpin;

use agent_common::{CONFIG_GLOBAL, EVENTS_MAP, config::KernelConfig};
use std::{fs::File, path::Path};

use aya::{
    Btf, Ebpf, EbpfError, EbpfLoader,
    maps::ProgramArray,
    programs::{
        CgroupAttachMode, CgroupSkbAttachType, Lsm, Program, ProgramError, TracePoint, links::FdLink,
        trace_point::TracePointLink,
    },
};

/// The kernel programs, built by `agent/build.rs`.
pub static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/rampart"));

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Offsets(#[from] offsets::OffsetError),
    #[error(transparent)]
    Tracefs(#[from] tracefs::TracefsError),
    #[error("loading the kernel object: {0}")]
    Object(#[source] EbpfError),
    #[error(
        "loading the kernel object: creating map {map} was refused (EPERM): RLIMIT_MEMLOCK is {limit} bytes and \
         could not be raised, and this kernel (before 5.11) charges BPF maps to it; grant CAP_SYS_RESOURCE \
         (the Helm chart's agent.sysResourceForMemlock) or raise the container's memlock limit"
    )]
    Memlock { map: String, limit: u64 },
    #[error("program {0} is not in the kernel object")]
    NoProgram(String),
    #[error("program {program} is not a {expected} program")]
    WrongType { program: String, expected: &'static str },
    #[error("{action} {program}: {}", describe(source))]
    Program { action: &'static str, program: String, source: ProgramError },
    #[error("opening cgroup {path}: {source}")]
    Cgroup { path: String, source: std::io::Error },
    #[error("reading the kernel's BTF for LSM programs: {0}")]
    Btf(#[source] aya::BtfError),
    #[error("map {0} is not in the kernel object")]
    NoMap(&'static str),
    #[error("map {map}: {source}")]
    Map { map: &'static str, source: aya::maps::MapError },
    #[error("the kernel's BTF is not available to LSM programs")]
    NoBtf,
    #[error("tracefs is unavailable")]
    NoTracefs,
    #[error("Rampart has no {tier}-tier programs for {concern}")]
    NoTier { concern: crate::caps::Concern, tier: crate::caps::Tier },
    #[error("attaching {program}: the kernel gave no BPF link (cgroup BPF links need Linux 5.7)")]
    NoLink { program: String },
}

/// A link this agent attached: dropped, it detaches, unless it was pinned first
/// ([`pins::Pins::keep`]).
#[derive(Debug)]
pub struct Attached {
    /// `program@hook`, unique among the agent's links: the pin's file name.
    pub name: String,
    pub link: AttachedLink,
}

#[derive(Debug)]
pub enum AttachedLink {
    /// A BPF link, which bpffs can hold.
    Fd(FdLink),
    /// A tracepoint attached through the perf event itself (before Linux 5.15 there is no BPF
    /// link for perf events): it lasts only as long as this agent.
    PerfEvent(TracePointLink),
}

/// A readable account of a program error: the errno, and the verifier's last lines if any.
pub fn describe(err: &ProgramError) -> String {
    match err {
        ProgramError::LoadError { io_error, verifier_log } => {
            let log = verifier_log.to_string();
            let tail: Vec<&str> = log.lines().rev().take(8).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            if tail.is_empty() {
                format!("load failed: {}", errno_text(io_error))
            } else {
                format!("load failed: {}; verifier: {}", errno_text(io_error), tail.join(" | "))
            }
        }
        ProgramError::SyscallError(e) => {
            let text = format!("{} failed: {}", e.call, errno_text(&e.io_error));
            match perf_paranoid_hint(e.call, &e.io_error) {
                Some(hint) => format!("{text}; {hint}"),
                None => text,
            }
        }
        other => other.to_string(),
    }
}

/// Why `perf_event_open()` (a tracepoint's attach) was refused with EACCES to an agent holding
/// CAP_PERFMON: Debian's and Ubuntu's kernels carry a patch that, with
/// `kernel.perf_event_paranoid` above 2 (their default: 3, 4), lets only CAP_SYS_ADMIN open
/// perf events at all.
fn perf_paranoid_hint(call: &str, err: &std::io::Error) -> Option<String> {
    if !call.starts_with("perf_event_open") || err.raw_os_error() != Some(libc::EACCES) {
        return None;
    }
    let level: i32 =
        std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid").ok()?.trim().parse().ok()?;
    (level > 2).then(|| {
        format!(
            "kernel.perf_event_paranoid is {level}: above 2, this kernel lets only CAP_SYS_ADMIN open perf events; \
             grant CAP_SYS_ADMIN (the Helm chart's agent.sysAdminForPerfEvents) or set kernel.perf_event_paranoid=2 on the node"
        )
    })
}

/// `EPERM (Operation not permitted)`-style text for an `io::Error`.
pub fn errno_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            format!("{} (errno {code}: {text})", errno_name(code))
        }
        None => e.to_string(),
    }
}

fn errno_name(code: i32) -> String {
    let name = match code {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINVAL => "EINVAL",
        libc::EACCES => "EACCES",
        libc::EBUSY => "EBUSY",
        libc::E2BIG => "E2BIG",
        libc::ENOSPC => "ENOSPC",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENOSYS => "ENOSYS",
        libc::ESRCH => "ESRCH",
        libc::EFAULT => "EFAULT",
        524 => "ENOTSUPP",
        _ => return format!("errno {code}"),
    };
    name.to_string()
}

/// Load the object: maps created, config global set; programs are loaded separately.
/// The programs carry no CO-RE relocations (offsets come through the config global), so aya
/// is not asked to parse the kernel's BTF for them.
///
/// With `pins`, every map of the object is pinned there by name, or, when an agent of this
/// build left it pinned, opened from there: the same map, with what it holds.
pub fn load_object(
    config: &KernelConfig,
    ring_bytes: u32,
    pins: Option<&pins::Pins>,
) -> Result<Ebpf, LoadError> {
    let names = match pins {
        Some(_) => pins::map_names().map_err(LoadError::Object)?,
        None => Vec::new(),
    };
    let mut loader = EbpfLoader::new();
    loader.btf(None).override_global(CONFIG_GLOBAL, config, true).map_max_entries(EVENTS_MAP, ring_bytes);
    if let Some(pins) = pins {
        for name in &names {
            loader.map_pin_path(name.as_str(), pins.map_path(name));
        }
    }
    let memlock = raise_memlock();
    loader.load(OBJECT).map_err(|e| match e {
        EbpfError::MapError(aya::maps::MapError::CreateError { name, io_error })
            if io_error.raw_os_error() == Some(libc::EPERM) && memlock != libc::RLIM_INFINITY =>
        {
            LoadError::Memlock { map: name, limit: memlock }
        }
        e => LoadError::Object(e),
    })
}

/// Raise RLIMIT_MEMLOCK as far as this process may (unlimited with CAP_SYS_RESOURCE, else to
/// its hard limit): kernels before 5.11 charge BPF maps to it, later ones to the cgroup. Returns
/// the limit now in force.
fn raise_memlock() -> libc::rlim_t {
    let unlimited = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: setrlimit/getrlimit with valid rlimit structs.
    unsafe {
        if libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) == 0 {
            return libc::RLIM_INFINITY;
        }
        let mut now = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut now) != 0 {
            return 0;
        }
        let hard = libc::rlimit { rlim_cur: now.rlim_max, rlim_max: now.rlim_max };
        if libc::setrlimit(libc::RLIMIT_MEMLOCK, &hard) == 0 { now.rlim_max } else { now.rlim_cur }
    }
}

/// Log what loading `program` cost: the verifier's time and the instructions it processed
/// (the figure its 1M-instruction limit applies to; Linux 5.16+), at debug level.
fn loaded(program: &str, started: std::time::Instant, info: Option<aya::programs::ProgramInfo>) {
    let verified = info.and_then(|i| i.verified_instruction_count());
    tracing::debug!(program, ms = started.elapsed().as_millis() as u64, verified, "program loaded");
}

/// Load the programs `names` that are not loaded yet (tracepoint and cgroup programs: those
/// whose load needs nothing more), on as many threads as the machine has CPUs. The verifier
/// runs in the loading thread, without a lock for a privileged loader, and it is most of an
/// agent's start: the path-walking programs of the rootfs tier verify 57,000–75,000
/// instructions each (60–75 ms on this project's 2-core machine).
///
/// Programs are taken in the order of `names`, and a failure names the first of them that
/// failed, as loading them one by one would: the same node gives the same error every start.
pub fn load_programs(ebpf: &mut Ebpf, names: &[&str]) -> Result<(), LoadError> {
    if let Some(missing) = names.iter().find(|n| ebpf.program(n).is_none()) {
        return Err(LoadError::NoProgram((*missing).into()));
    }
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
    let mut todo: Vec<(usize, &str, &mut Program)> = ebpf
        .programs_mut()
        .filter(|(name, p)| names.contains(name) && p.fd().is_err())
        .map(|(name, p)| (position(name), name, p))
        .collect();
    todo.sort_by_key(|(at, _, _)| *at);
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(todo.len());
    let queue = std::sync::Mutex::new(std::collections::VecDeque::from(todo));
    let next = || queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
    let failures: Vec<(usize, LoadError)> = std::thread::scope(|scope| {
        let loaders: Vec<_> = (0..workers)
            .map(|_| {
                // The failure that stopped this thread, if one did.
                scope.spawn(|| -> Option<(usize, LoadError)> {
                    while let Some((at, name, program)) = next() {
                        let started = std::time::Instant::now();
                        let result = match program {
                            Program::TracePoint(p) => p.load(),
                            Program::CgroupSockAddr(p) => p.load(),
                            Program::CgroupSock(p) => p.load(),
                            Program::SockOps(p) => p.load(),
                            Program::CgroupSkb(p) => p.load(),
                            _ => {
                                let expected = "tracepoint or cgroup";
                                return Some((at, LoadError::WrongType { program: name.into(), expected }));
                            }
                        };
                        if let Err(source) = result {
                            return Some((
                                at,
                                LoadError::Program { action: "loading", program: name.into(), source },
                            ));
                        }
                        loaded(name, started, program.info().ok());
                    }
                    None
                })
            })
            .collect();
        loaders
            .into_iter()
            .filter_map(|l| l.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    match failures.into_iter().min_by_key(|(at, _)| *at) {
        Some((_, first)) => Err(first),
        None => Ok(()),
    }
}

/// Load tracepoint program `program` and attach it to `category:name`.
pub fn attach_tracepoint(
    ebpf: &mut Ebpf,
    program: &str,
    category: &str,
    name: &str,
) -> Result<Attached, LoadError> {
    let prog: &mut TracePoint = ebpf
        .program_mut(program)
        .ok_or_else(|| LoadError::NoProgram(program.into()))?
        .try_into()
        .map_err(|_| LoadError::WrongType { program: program.into(), expected: "tracepoint" })?;
    if prog.fd().is_err() {
        let started = std::time::Instant::now();
        prog.load().map_err(|source| LoadError::Program {
            action: "loading",
            program: program.into(),
            source,
        })?;
        loaded(program, started, prog.info().ok());
    }
    let attaching = |source| LoadError::Program {
        action: "attaching",
        program: format!("{program} to {category}:{name}"),
        source,
    };
    let id = prog.attach(category, name).map_err(attaching)?;
    let link = prog.take_link(id).map_err(attaching)?;
    let link = if aya::features().bpf_perf_link() {
        AttachedLink::Fd(FdLink::try_from(link).map_err(|_| LoadError::NoLink { program: program.into() })?)
    } else {
        AttachedLink::PerfEvent(link)
    };
    Ok(Attached { name: format!("{program}@{name}"), link })
}

/// The network programs, attached once to the cgroup v2 root (see `agent-ebpf/src/network`).
/// (`bench_<name>` is the matching empty program of the benchmark baseline.)
pub const NETWORK_PROGRAMS: [&str; 10] = [
    "connect4",
    "connect6",
    "sendmsg4",
    "sendmsg6",
    "skb_ingress",
    "skb_egress",
    "tcp_lifecycle",
    "post_bind4",
    "post_bind6",
    "sock_release",
];

/// Load cgroup program `program` (sock_addr, sock, skb or sock_ops) and attach it to the cgroup
/// directory `cgroup`, alongside any program already there: aya attaches through a BPF link
/// (kernels >= 5.7), and cgroup links always coexist with other programs (the link flags must
/// be 0, which aya's `Single` mode passes).
pub fn attach_cgroup(ebpf: &mut Ebpf, program: &str, cgroup: &Path) -> Result<Attached, LoadError> {
    let dir = File::open(cgroup)
        .map_err(|source| LoadError::Cgroup { path: cgroup.display().to_string(), source })?;
    let mode = CgroupAttachMode::Single;
    let loading = |source| LoadError::Program { action: "loading", program: program.into(), source };
    let attaching = |source| LoadError::Program {
        action: "attaching",
        program: format!("{program} to {}", cgroup.display()),
        source,
    };
    let no_link = |_| LoadError::NoLink { program: program.into() };
    let link = match ebpf.program_mut(program).ok_or_else(|| LoadError::NoProgram(program.into()))? {
        Program::CgroupSockAddr(p) => {
            if p.fd().is_err() {
                p.load().map_err(loading)?;
            }
            let id = p.attach(&dir, mode).map_err(attaching)?;
            FdLink::try_from(p.take_link(id).map_err(attaching)?).map_err(no_link)?
        }
        Program::CgroupSock(p) => {
            if p.fd().is_err() {
                p.load().map_err(loading)?;
            }
            let id = p.attach(&dir, mode).map_err(attaching)?;
            FdLink::try_from(p.take_link(id).map_err(attaching)?).map_err(no_link)?
        }
        Program::SockOps(p) => {
            if p.fd().is_err() {
                p.load().map_err(loading)?;
            }
            let id = p.attach(&dir, mode).map_err(attaching)?;
            FdLink::try_from(p.take_link(id).map_err(attaching)?).map_err(no_link)?
        }
        Program::CgroupSkb(p) => {
            let kind = if program.contains("ingress") {
                CgroupSkbAttachType::Ingress
            } else {
                CgroupSkbAttachType::Egress
            };
            if p.fd().is_err() {
                p.load().map_err(loading)?;
            }
            let id = p.attach(&dir, kind, mode).map_err(attaching)?;
            FdLink::try_from(p.take_link(id).map_err(attaching)?).map_err(no_link)?
        }
        _ => return Err(LoadError::WrongType { program: program.into(), expected: "cgroup" }),
    };
    Ok(Attached { name: format!("{program}@cgroup"), link: AttachedLink::Fd(link) })
}

/// Syscalls whose tracepoints the privilege `sigkill` tier watches (entry and exit).
pub const PRIVILEGE_SYSCALLS: [&str; 11] = [
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setfsuid",
    "setfsgid",
    "capset",
    "execve",
    "execveat",
];

/// The LSM programs of the privilege `lsm` tier: (program, hook).
pub const PRIVILEGE_LSM: [(&str, &str); 4] = [
    ("lsm_task_fix_setuid", "task_fix_setuid"),
    ("lsm_task_fix_setgid", "task_fix_setgid"),
    ("lsm_capset", "capset"),
    ("lsm_bprm_creds_from_file", "bprm_creds_from_file"),
];

/// Load LSM program `program` for `hook` (not attached).
fn load_lsm<'a>(ebpf: &'a mut Ebpf, program: &str, hook: &str, btf: &Btf) -> Result<&'a mut Lsm, LoadError> {
    let prog: &mut Lsm = ebpf
        .program_mut(program)
        .ok_or_else(|| LoadError::NoProgram(program.into()))?
        .try_into()
        .map_err(|_| LoadError::WrongType { program: program.into(), expected: "lsm" })?;
    let started = std::time::Instant::now();
    prog.load(&tiers::lsm_hook(hook), btf).map_err(|source| LoadError::Program {
        action: "loading",
        program: program.into(),
        source,
    })?;
    loaded(program, started, prog.info().ok());
    Ok(prog)
}

/// Load LSM program `program` for `hook` and attach it.
pub fn attach_lsm(ebpf: &mut Ebpf, program: &str, hook: &str, btf: &Btf) -> Result<Attached, LoadError> {
    let attaching = |source| LoadError::Program {
        action: "attaching",
        program: format!("{program} to LSM hook {hook}"),
        source,
    };
    let prog = load_lsm(ebpf, program, hook, btf)?;
    let id = prog.attach().map_err(attaching)?;
    let link = prog.take_link(id).map_err(attaching)?;
    Ok(Attached { name: format!("{program}@{hook}"), link: AttachedLink::Fd(link.into()) })
}

/// The rootfs tracepoint tier: (program, tracepoints it is attached to). Tracepoints this
/// architecture does not have (arm64 has only the `*at` forms) are skipped.
pub const ROOTFS_TRACEPOINTS: [(&str, &[&str]); 10] = [
    ("rootfs_open_exit", &["sys_exit_open", "sys_exit_openat", "sys_exit_openat2", "sys_exit_creat"]),
    (
        "rootfs_enter_path",
        &[
            "sys_enter_mkdir",
            "sys_enter_unlink",
            "sys_enter_rmdir",
            "sys_enter_chmod",
            "sys_enter_chown",
            "sys_enter_lchown",
            "sys_enter_mknod",
            "sys_enter_truncate",
        ],
    ),
    (
        "rootfs_enter_at",
        &[
            "sys_enter_mkdirat",
            "sys_enter_unlinkat",
            "sys_enter_fchmodat",
            "sys_enter_fchmodat2",
            "sys_enter_fchownat",
            "sys_enter_mknodat",
        ],
    ),
    ("rootfs_enter_two", &["sys_enter_rename", "sys_enter_link"]),
    ("rootfs_enter_two_at", &["sys_enter_renameat", "sys_enter_renameat2", "sys_enter_linkat"]),
    ("rootfs_enter_symlink", &["sys_enter_symlink"]),
    ("rootfs_enter_symlinkat", &["sys_enter_symlinkat"]),
    ("rootfs_enter_fd", &["sys_enter_fchmod", "sys_enter_fchown", "sys_enter_ftruncate"]),
    ("rootfs_enter_uring", &["sys_enter_io_uring_setup"]),
    (
        "rootfs_exit",
        &[
            "sys_exit_mkdir",
            "sys_exit_unlink",
            "sys_exit_rmdir",
            "sys_exit_chmod",
            "sys_exit_chown",
            "sys_exit_lchown",
            "sys_exit_mknod",
            "sys_exit_truncate",
            "sys_exit_mkdirat",
            "sys_exit_unlinkat",
            "sys_exit_fchmodat",
            "sys_exit_fchmodat2",
            "sys_exit_fchownat",
            "sys_exit_mknodat",
            "sys_exit_rename",
            "sys_exit_link",
            "sys_exit_renameat",
            "sys_exit_renameat2",
            "sys_exit_linkat",
            "sys_exit_symlink",
            "sys_exit_symlinkat",
            "sys_exit_fchmod",
            "sys_exit_fchown",
            "sys_exit_ftruncate",
            "sys_exit_io_uring_setup",
        ],
    ),
];

/// The LSM programs of the rootfs `lsm` tier: (program, hook). `path_chown` first: its
/// `kuid_t` and `kgid_t` arguments by value are what older trampolines refuse (5.10), so such a
/// kernel says so before the verifier has spent its time on the others.
pub const ROOTFS_LSM: [(&str, &str); 11] = [
    ("lsm_path_chown", "path_chown"),
    ("lsm_file_open", "file_open"),
    ("lsm_path_mknod", "path_mknod"),
    ("lsm_path_mkdir", "path_mkdir"),
    ("lsm_path_unlink", "path_unlink"),
    ("lsm_path_rmdir", "path_rmdir"),
    ("lsm_path_symlink", "path_symlink"),
    ("lsm_path_truncate", "path_truncate"),
    ("lsm_path_chmod", "path_chmod"),
    ("lsm_path_link", "path_link"),
    ("lsm_path_rename", "path_rename"),
];

/// The rootfs LSM program for kernels that have the hook (6.2+).
pub const ROOTFS_FILE_TRUNCATE: (&str, &str) = ("lsm_file_truncate", "file_truncate");

/// Whether the kernel has LSM hook `hook` (its `bpf_lsm_<hook>` attach point).
fn btf_has_hook(btf: &Btf, hook: &str) -> bool {
    btf.id_by_type_name_kind(&format!("bpf_lsm_{hook}"), aya_obj::btf::BtfKind::Func).is_ok()
}

/// The second halves (the source end) of `path_link` and `path_rename`, entered by tail call
/// through their maps: (program, hook, map).
pub(crate) const SOURCE_ENDS: [(&str, &str, &str); 2] = [
    ("lsm_path_link_source", "path_link", "LINK_SOURCE"),
    ("lsm_path_rename_source", "path_rename", "RENAME_SOURCE"),
];

/// The rootfs `lsm` tier: its links.
pub fn attach_rootfs_lsm(ebpf: &mut Ebpf, btf: &Btf) -> Result<Vec<Attached>, LoadError> {
    let mut links = Vec::new();
    // The cheap hooks first, so a kernel that cannot attach LSM programs says so before the
    // verifier spends its time on the two-ended pairs; `path_link` and `path_rename` (last)
    // are attached only once the source half each tail-calls is in place.
    let two_ended = SOURCE_ENDS.len();
    for (program, hook) in &ROOTFS_LSM[..ROOTFS_LSM.len() - two_ended] {
        links.push(attach_lsm(ebpf, program, hook, btf)?);
    }
    for (i, (program, hook, map)) in SOURCE_ENDS.into_iter().enumerate() {
        let fd = load_lsm(ebpf, program, hook, btf)?
            .fd()
            .and_then(|fd| fd.try_clone().map_err(ProgramError::from))
            .map_err(|source| LoadError::Program { action: "loading", program: program.into(), source })?;
        // Borrowed, not taken: a map taken out of `ebpf` and dropped closes its fd.
        let mut tail = ebpf
            .map_mut(map)
            .ok_or(LoadError::NoMap(map))
            .and_then(|m| ProgramArray::try_from(m).map_err(|source| LoadError::Map { map, source }))?;
        tail.set(0, &fd, 0).map_err(|source| LoadError::Map { map, source })?;
        let (first, first_hook) = ROOTFS_LSM[ROOTFS_LSM.len() - two_ended + i];
        debug_assert_eq!(first_hook, hook);
        links.push(attach_lsm(ebpf, first, first_hook, btf)?);
    }
    // `ftruncate()` and `open(O_TRUNC)` left `path_truncate` for `file_truncate` in 6.2.
    if btf_has_hook(btf, ROOTFS_FILE_TRUNCATE.1) {
        links.push(attach_lsm(ebpf, ROOTFS_FILE_TRUNCATE.0, ROOTFS_FILE_TRUNCATE.1, btf)?);
    }
    Ok(links)
}

/// Syscall numbers of this architecture → the rootfs operation (`SYSCALL_OPS`).
pub fn rootfs_syscall_ops() -> Vec<(u32, u32)> {
    use agent_common::rootfs::*;
    let mut ops: Vec<(i64, u32)> = vec![
        (libc::SYS_mkdirat, OP_MKDIR),
        (libc::SYS_unlinkat, OP_UNLINKAT),
        (libc::SYS_fchmodat, OP_CHMOD),
        (libc::SYS_fchownat, OP_CHOWN),
        (libc::SYS_mknodat, OP_CREATE),
        (libc::SYS_renameat2, OP_RENAME),
        (libc::SYS_linkat, OP_LINK),
        (libc::SYS_symlinkat, OP_SYMLINK),
        (libc::SYS_fchmod, OP_CHMOD),
        (libc::SYS_fchown, OP_CHOWN),
        (libc::SYS_ftruncate, OP_TRUNCATE),
        (libc::SYS_truncate, OP_TRUNCATE),
    ];
    // fchmodat2 (Linux 6.6) is 452 on every architecture (the unified syscall table).
    ops.push((452, OP_CHMOD));
    #[cfg(target_arch = "x86_64")]
    ops.extend([
        (libc::SYS_mkdir, OP_MKDIR),
        (libc::SYS_unlink, OP_UNLINK),
        (libc::SYS_rmdir, OP_RMDIR),
        (libc::SYS_chmod, OP_CHMOD),
        (libc::SYS_chown, OP_CHOWN),
        (libc::SYS_lchown, OP_CHOWN),
        (libc::SYS_mknod, OP_CREATE),
        (libc::SYS_rename, OP_RENAME),
        (libc::SYS_renameat, OP_RENAME),
        (libc::SYS_link, OP_LINK),
        (libc::SYS_symlink, OP_SYMLINK),
    ]);
    #[cfg(target_arch = "aarch64")]
    ops.push((libc::SYS_renameat, OP_RENAME));
    ops.into_iter().map(|(nr, op)| (nr as u32, op)).collect()
}
