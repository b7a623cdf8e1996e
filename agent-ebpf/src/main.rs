//! Rampart's kernel programs. One module per hook family; entry points stay thin (written by
//! the [`entry`] macros: `match try_x(ctx) { Ok(r) | Err(r) => r }`) and all state the agent
//! controls arrives through maps and the [`maps::CONFIG`] global.
#![no_std]
#![no_main]
// An atomic add (`maps::add`) is written as BPF assembly.
#![cfg_attr(target_arch = "bpf", feature(asm_experimental_arch))]

#[macro_use]
mod entry;

mod bench;
mod cgroup;
mod exec;
mod exit;
mod lsm_ret;
mod maps;
mod network;
mod pods;
mod privilege;
mod rootfs;
mod task;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

// GPL-compatible: bpf_probe_read_*, bpf_send_signal and LSM programs require it.
#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
