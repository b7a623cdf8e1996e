//! Rampart's node agent: probes what the kernel can enforce, loads the kernel programs,
//! attributes every event to its pod, judges it with the policy crate's verdict function and
//! exports it.
//!
//! Data flow: [`caps`] (probe) → [`loader`] → ring buffer → [`events`] (decode, build) →
//! [`attribution`] (cgroup id → pod) → [`enforce`] (verdict) → [`export`]; pods and policies
//! come from [`sources`] (directories or the Kubernetes API). [`app`] wires it together;
//! `main.rs` is thin.

pub mod app;
pub mod attribution;
pub mod bench;
pub mod caps;
pub mod config;
pub mod enforce;
pub mod events;
pub mod export;
pub mod loader;
pub mod process;
pub mod sources;
pub mod telemetry;
pub mod watch;
