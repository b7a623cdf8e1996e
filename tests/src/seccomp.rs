//! The `RuntimeDefault` seccomp profile a pod gets on containerd, as runc's `linux.seccomp`,
//! so a container configured from the DaemonSet runs under the filter a cluster would apply.
//!
//! The rules are containerd's (`contrib/seccomp/seccomp_default.go`, read at the commit
//! `seccomp/containerd-default.json` names): a list allowed to everyone, `socket` and
//! `personality` with argument filters, a few per architecture, groups allowed by the container's
//! bounding capabilities (`bpf` with CAP_BPF or CAP_SYS_ADMIN, `perf_event_open` with CAP_PERFMON
//! or CAP_SYS_ADMIN, ...), `clone` without namespace flags and `clone3` failing with ENOSYS
//! unless CAP_SYS_ADMIN is there; everything else fails with EPERM.

use serde_json::{Value, json};

const PROFILE: &str = include_str!("seccomp/containerd-default.json");

/// containerd's default profile for a container whose bounding set is `caps` (`CAP_*` names).
pub fn runtime_default(caps: &[String]) -> Value {
    let p: Value = serde_json::from_str(PROFILE).expect("the profile is JSON");
    let arch = if cfg!(target_arch = "aarch64") { "arm64" } else { "amd64" };
    let allow = |names: &Value| json!({"names": names, "action": "SCMP_ACT_ALLOW"});
    let mut syscalls =
        vec![allow(&p["allow"]), allow(&p["allowOnKernel4_8"]), allow(&p["allowOnArch"][arch])];
    for rule in p["allowWithArgs"].as_array().expect("allowWithArgs") {
        syscalls.push(json!({"names": rule["names"], "action": "SCMP_ACT_ALLOW", "args": rule["args"]}));
    }
    for cap in caps {
        if let Some(names) = p["allowWithCapability"].get(cap) {
            syscalls.push(allow(names));
        }
    }
    if !caps.iter().any(|c| c == "CAP_SYS_ADMIN") {
        let without = &p["withoutSysAdmin"];
        syscalls.push(json!({"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": without["cloneArgs"]}));
        syscalls.push(
            json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": without["clone3Errno"]}),
        );
    }
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": p["deniedErrno"],
        "architectures": p["architectures"][arch],
        "syscalls": syscalls,
    })
}
