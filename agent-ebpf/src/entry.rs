//! The one shape of an entry point, written once: the hook's attribute and doc, then the
//! context handed to a `try_*` function whose `Ok` and `Err` are both the program's return
//! value (aya's template: `match try_x(ctx) { Ok(r) | Err(r) => r }`).
//!
//! ```ignore
//! entry! {
//!     /// `sched_process_exec`: ...
//!     #[tracepoint(category = "sched", name = "sched_process_exec")]
//!     fn exec(ctx: TracePointContext) -> u32 = try_exec(&ctx);
//! }
//! ```

/// Entry points that return what their `try_*` function returned.
macro_rules! entry {
    ($($(#[$meta:meta])* fn $name:ident($ctx:ident: $ty:ty) -> $ret:ty = $body:expr;)+) => {
        $(
            $(#[$meta])*
            pub fn $name($ctx: $ty) -> $ret {
                match $body {
                    Ok(r) | Err(r) => r,
                }
            }
        )+
    };
}

/// Entry points of cgroup programs, whose verdict the verifier must see in `[0, 1]`
/// (1 allows, 0 refuses): the result is masked to its lowest bit.
macro_rules! cgroup_entry {
    ($($(#[$meta:meta])* fn $name:ident($ctx:ident: $ty:ty) -> $ret:ty = $body:expr;)+) => {
        $(
            $(#[$meta])*
            pub fn $name($ctx: $ty) -> $ret {
                match $body {
                    Ok(r) | Err(r) => r & 1,
                }
            }
        )+
    };
}
