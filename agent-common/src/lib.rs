//! Records and map values shared by Rampart's kernel programs and its agent.
//!
//! Everything here is `#[repr(C)]` with explicit padding and a `const` size assertion, so the
//! kernel (built for `bpfel-unknown-none`) and user space agree byte for byte. Every record
//! written to the ring buffer starts with a [`record::RecordHeader`] whose `kind` says what
//! follows; user space decodes the kind with `TryFrom` and counts the ones it does not know.
//!
//! The `user` feature adds `aya::Pod` impls and the decoders used by the agent.
#![no_std]

pub mod config;
pub mod net;
pub mod privilege;
pub mod record;
pub mod rootfs;

#[cfg(feature = "user")]
pub mod user;

/// Name of the ring buffer that carries every record to user space.
pub const EVENTS_MAP: &str = "EVENTS";
/// Name of the per-CPU array counting records the kernel could not reserve room for, by kind.
pub const DROPS_MAP: &str = "DROPS";
/// Name of the global holding [`config::KernelConfig`].
pub const CONFIG_GLOBAL: &str = "RAMPART_CONFIG";
