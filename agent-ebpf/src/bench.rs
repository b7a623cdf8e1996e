//! Empty programs for the benchmark baselines: the cost of having *a* program on the hook,
//! against which the agent's programs are measured.

use aya_ebpf::{macros::tracepoint, programs::TracePointContext};

/// Empty program on `sched:sched_process_exec` (the exec hook's floor).
#[tracepoint]
pub fn bench_noop_tracepoint(_ctx: TracePointContext) -> u32 {
    0
}
