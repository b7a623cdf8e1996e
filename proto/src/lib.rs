//! `rampart.v1`: the wire types of Rampart, generated from `proto/rampart/v1/*.proto` by
//! `cargo xtask codegen` (prost for the messages, tonic for the services, pbjson for the proto3
//! JSON mapping, and the descriptor set for gRPC reflection) and committed; `cargo xtask codegen --check` fails when they drift.
//!
//! Hand-written helpers on the generated types live in [`event`]; [`wire`] is the Ingest stream
//! as the collector reads it.

#[expect(
    clippy::all,
    clippy::allow_attributes,
    unused_qualifications,
    reason = "generated code is not held to the workspace lints"
)]
pub mod v1 {
    include!("gen/rampart.v1.rs");
    include!("gen/rampart.v1.serde.rs");
}

/// The encoded `FileDescriptorSet` of `rampart/v1/*.proto` (and what they import), for gRPC
/// reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!("gen/rampart.v1.descriptor.bin");

pub mod activity;
pub mod collector;
pub mod domain;
pub mod event;
pub mod visible;
pub mod wire;
pub mod wkt;
