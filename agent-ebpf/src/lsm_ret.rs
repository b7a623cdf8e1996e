//! What an LSM program returns, in a form the verifier can bound.
//!
//! Since 6.10 (`bpf_lsm_get_retval_range`, `kernel/bpf/bpf_lsm.c`) the verifier refuses an LSM
//! program unless it provably returns 0 or a negative errno. An earlier program's verdict
//! arrives as the hook's last argument, unbounded to the verifier, and a range check on it is
//! folded by LLVM into a compare on another register; so every entry point maps its result
//! through [`verdict`]: 0 stays 0, anything else (our denial or one passed on) is -EPERM.

const EPERM: i32 = 1;

/// -EPERM: the one denial Rampart's LSM programs return.
pub const DENY: i32 = -EPERM;

/// 0 to allow, -EPERM for anything else.
#[inline(always)]
pub fn verdict(r: i32) -> i32 {
    if r == 0 { 0 } else { DENY }
}
