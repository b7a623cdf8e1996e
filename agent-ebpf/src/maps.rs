//! Maps and globals shared by every program in the object.

use agent_common::{config::KernelConfig, record::RecordKind};
use aya_ebpf::{
    macros::map,
    maps::{PerCpuArray, RingBuf},
};

/// Every record to user space. The size here is a placeholder: the agent sets it at load
/// (`--ring-buffer-size`).
#[map]
pub static EVENTS: RingBuf = RingBuf::with_byte_size(256 * 1024, 0);

/// Records lost because the ring buffer was full, per CPU, indexed by [`RecordKind`].
#[map]
pub static DROPS: PerCpuArray<u64> = PerCpuArray::with_max_entries(RecordKind::SLOTS, 0);

/// Offsets from the running kernel's BTF, written by the agent before load.
#[unsafe(no_mangle)]
pub static RAMPART_CONFIG: KernelConfig = KernelConfig::zeroed();

/// The configuration, read so the compiler cannot fold the placeholder zeros.
#[inline(always)]
pub fn config() -> KernelConfig {
    // SAFETY: a plain static; volatile so the value patched in at load time is used.
    unsafe { core::ptr::read_volatile(&RAMPART_CONFIG) }
}

/// Submit flags for a record: wake the agent only when enough is waiting.
#[inline(always)]
pub fn submit_flags() -> u64 {
    use aya_ebpf::bindings::{BPF_RB_AVAIL_DATA, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP};
    let threshold = u64::from(config().wakeup_bytes);
    if EVENTS.query(BPF_RB_AVAIL_DATA.into()) >= threshold {
        BPF_RB_FORCE_WAKEUP.into()
    } else {
        BPF_RB_NO_WAKEUP.into()
    }
}

/// Count a record of `kind` that found the ring buffer full.
#[inline(always)]
pub fn count_drop(kind: RecordKind) {
    count_slot(kind as u32);
}

/// Count a loss in `DROPS` slot `slot`.
#[inline(always)]
pub fn count_slot(slot: u32) {
    if let Some(slot) = DROPS.get_ptr_mut(slot) {
        // SAFETY: a map value, valid during this run.
        unsafe { add(slot, 1) };
    }
}

/// `*counter += n` as one atomic instruction (`BPF_XADD`), for a counter more than one program
/// run may bump at once. A per-CPU slot needs it too: a program running in a task's context (a
/// connect, a socket's release) is not protected from one running in softirq on the same CPU
/// (a packet's `cgroup_skb`), and a plain `+=` interrupted between its load and its store loses
/// the other's count.
///
/// # Safety
/// `counter` points at a map value, valid and 8-byte aligned during this run.
#[inline(always)]
pub unsafe fn add(counter: *mut u64, n: u64) {
    // SAFETY: the caller's. `core`'s atomics have no read-modify-write on this target, so the
    // instruction is written out.
    unsafe {
        core::arch::asm!("lock *(u64 *)({counter} + 0) += {n}", counter = in(reg) counter, n = in(reg) n)
    };
}

/// `KernelConfig::ancestor_walk`, loaded on its own: a register loaded straight from the
/// frozen read-only global is a constant to the verifier, so it explores only the branch this
/// kernel takes (a copy of the whole configuration through the stack would lose that on older
/// verifiers).
#[inline(always)]
pub fn ancestor_walk() -> bool {
    // SAFETY: a plain static; volatile so the value patched in at load time is used.
    unsafe { core::ptr::read_volatile(&RAMPART_CONFIG.ancestor_walk) != 0 }
}
