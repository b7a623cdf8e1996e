//! Rebuild the kernel programs when the `bpf-linker` binary changes: building this crate has an
//! undeclared dependency on it (see aya-template for why it cannot be an artifact dependency).
fn main() {
    match which::which("bpf-linker") {
        Ok(path) => println!("cargo:rerun-if-changed={}", path.display()),
        Err(err) => println!("cargo:warning=bpf-linker not found ({err}); run `cargo xtask setup`"),
    }
}
