//! Which BPF helpers this kernel lets the programs call, where that decides how a program
//! does something (the choice is written into [`agent_common::config::KernelConfig`] and the
//! verifier prunes the branch not taken).
//!
//! A helper is probed the way `bpftool feature probe` does it: a program of four instructions
//! that calls it is loaded, and the verifier's answer is the answer.

use std::os::fd::{FromRawFd as _, OwnedFd};

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TYPE_TRACEPOINT: u32 = 5;
/// `BPF_FUNC_get_current_ancestor_cgroup_id`.
const GET_CURRENT_ANCESTOR_CGROUP_ID: i32 = 123;

/// Whether tracing programs (tracepoints, and LSM programs, which share their helpers) may
/// call `bpf_get_current_ancestor_cgroup_id` (5.10 refuses it there).
pub fn tracing_has_ancestor_cgroup_id() -> bool {
    loads(BPF_PROG_TYPE_TRACEPOINT, GET_CURRENT_ANCESTOR_CGROUP_ID)
}

/// `r1 = 0; call helper; r0 = 0; exit` loads as `prog_type`.
fn loads(prog_type: u32, helper: i32) -> bool {
    let insn = |code: u8, regs: u8, imm: i32| -> [u8; 8] {
        let i = imm.to_le_bytes();
        [code, regs, 0, 0, i[0], i[1], i[2], i[3]]
    };
    let insns: [[u8; 8]; 4] =
        [insn(0xb7, 0x01, 0), insn(0x85, 0, helper), insn(0xb7, 0, 0), insn(0x95, 0, 0)];
    let license = c"GPL";
    // union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns, license; the rest zero.
    let mut head = [0u8; 24];
    head[0..4].copy_from_slice(&prog_type.to_ne_bytes());
    head[4..8].copy_from_slice(&(insns.len() as u32).to_ne_bytes());
    head[8..16].copy_from_slice(&(insns.as_ptr() as u64).to_ne_bytes());
    head[16..24].copy_from_slice(&(license.as_ptr() as u64).to_ne_bytes());
    let Ok(fd) = super::sys::bpf(BPF_PROG_LOAD, &head) else { return false };
    // SAFETY: a descriptor bpf(2) just returned, owned here and closed on drop.
    drop(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_helper_every_kernel_has_loads_and_one_that_does_not_exist_does_not() {
        // bpf_get_current_pid_tgid (14) is there since 4.2.
        assert!(super::loads(super::BPF_PROG_TYPE_TRACEPOINT, 14), "loading a BPF program needs root");
        assert!(!super::loads(super::BPF_PROG_TYPE_TRACEPOINT, 100_000));
    }
}
