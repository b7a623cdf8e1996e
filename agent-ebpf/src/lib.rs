#![no_std]
// This file exists so the crate has a library target (cargo metadata and `cargo check` need one).
