//! Finding the project's binaries: `$RAMPART_<NAME>`, else next to this test's target dir
//! (`cargo xtask test` builds them first).

use std::path::{Path, PathBuf};

/// The binary `name` (e.g. `rampart-collector`), or `$env` when set.
pub fn find(name: &str, env: &str, package: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return p.into();
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join(name))
        .expect("test binary lives in target/<profile>/deps");
    assert!(
        bin.exists(),
        "{} not found: build it first (`cargo build -p {package}`; `cargo xtask test` does) or set {env}",
        bin.display()
    );
    bin
}

pub fn collector_bin() -> PathBuf {
    find("rampart-collector", "RAMPART_COLLECTOR", "rampart-collector")
}

pub fn cli_bin() -> PathBuf {
    find("rampart", "RAMPART_CLI", "rampart-cli")
}
