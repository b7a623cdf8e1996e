//! What a test needs from the machine. In CI (`CI=true`) a missing capability fails the test and
//! says which; elsewhere the test prints why it skipped and returns early.

/// `true` when running in CI, where nothing may skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether the test may go on. `reason` says what is missing when `ok` is false.
#[must_use]
pub fn capability(ok: bool, test: &str, reason: &str) -> bool {
    if ok {
        return true;
    }
    assert!(!in_ci(), "{test}: CI=true and this machine lacks what the test needs: {reason}");
    eprintln!("SKIPPED {test}: {reason}");
    false
}

/// Root (the agent loads BPF programs; tests create cgroups).
#[must_use]
pub fn root(test: &str) -> bool {
    // SAFETY: no preconditions.
    let euid = unsafe { libc::geteuid() };
    capability(
        euid == 0,
        test,
        "needs root (CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON) to load programs and create cgroups",
    )
}

/// runc (`cargo xtask setup` installs it).
#[must_use]
pub fn runc(test: &str) -> bool {
    capability(crate::nsrun::runc_available(), test, "needs runc on PATH (cargo xtask setup installs it)")
}
