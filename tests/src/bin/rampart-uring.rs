//! File operations submitted through io_uring, never through their own syscalls: the way
//! around syscall tracepoints that the 2025 "curing" study showed. One operation per run, one
//! line on stdout (`ok ...` or `error errno=N at=STEP`), exit 0 or 1, like `rampart-trigger`.
//!
//! ```text
//! rampart-uring write PATH TEXT     IORING_OP_OPENAT (O_CREAT|O_TRUNC) + IORING_OP_WRITE + CLOSE
//! rampart-uring mkdir PATH          IORING_OP_MKDIRAT
//! rampart-uring rename OLD NEW      IORING_OP_RENAMEAT
//! ```
//!
//! Raw `io_uring_setup`/`io_uring_enter` and the ring layout of `include/uapi/linux/io_uring.h`,
//! so the binary needs nothing but libc.

use std::{ffi::CString, process::ExitCode, ptr};

const IORING_OFF_SQ_RING: i64 = 0;
const IORING_OFF_CQ_RING: i64 = 0x800_0000;
const IORING_OFF_SQES: i64 = 0x1000_0000;
const IORING_ENTER_GETEVENTS: u32 = 1;

const IORING_OP_OPENAT: u8 = 18;
const IORING_OP_CLOSE: u8 = 19;
const IORING_OP_WRITE: u8 = 23;
const IORING_OP_RENAMEAT: u8 = 35;
const IORING_OP_MKDIRAT: u8 = 37;

#[repr(C)]
#[derive(Default)]
struct SqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    flags: u32,
    dropped: u32,
    array: u32,
    resv1: u32,
    user_addr: u64,
}

#[repr(C)]
#[derive(Default)]
struct CqOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    overflow: u32,
    cqes: u32,
    flags: u32,
    resv1: u32,
    user_addr: u64,
}

#[repr(C)]
#[derive(Default)]
struct Params {
    sq_entries: u32,
    cq_entries: u32,
    flags: u32,
    sq_thread_cpu: u32,
    sq_thread_idle: u32,
    features: u32,
    wq_fd: u32,
    resv: [u32; 3],
    sq_off: SqOffsets,
    cq_off: CqOffsets,
}

const _: () = assert!(size_of::<Params>() == 120);

/// A submission queue entry (64 bytes); fields named for the operations used here.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Sqe {
    opcode: u8,
    flags: u8,
    ioprio: u16,
    fd: i32,
    /// `off`, or `addr2` (a rename's new path).
    off: u64,
    addr: u64,
    len: u32,
    /// `open_flags`, `rename_flags`, ...
    op_flags: u32,
    user_data: u64,
    buf_index: u16,
    personality: u16,
    file_index: i32,
    addr3: u64,
    pad: u64,
}

const _: () = assert!(size_of::<Sqe>() == 64);

#[repr(C)]
struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

struct Ring {
    fd: i32,
    sq: *mut u8,
    cq: *mut u8,
    sqes: *mut Sqe,
    p: Params,
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl Ring {
    fn new() -> Result<Ring, i32> {
        let mut p = Params::default();
        // SAFETY: io_uring_setup with a params struct of the kernel's size.
        let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4u32, &mut p as *mut Params) } as i32;
        if fd < 0 {
            return Err(errno());
        }
        let map = |len: usize, off: i64| -> Result<*mut u8, i32> {
            // SAFETY: mapping a region of the ring's fd at the offsets the ABI names.
            let m = unsafe {
                libc::mmap(
                    ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED | libc::MAP_POPULATE,
                    fd,
                    off,
                )
            };
            if m == libc::MAP_FAILED { Err(errno()) } else { Ok(m.cast()) }
        };
        let sq = map(p.sq_off.array as usize + p.sq_entries as usize * 4, IORING_OFF_SQ_RING)?;
        let cq = map(p.cq_off.cqes as usize + p.cq_entries as usize * size_of::<Cqe>(), IORING_OFF_CQ_RING)?;
        let sqes = map(p.sq_entries as usize * size_of::<Sqe>(), IORING_OFF_SQES)?.cast();
        Ok(Ring { fd, sq, cq, sqes, p })
    }

    /// Submit `sqe`, wait for its completion, and return its result (`-errno` on failure).
    fn run(&self, sqe: Sqe) -> Result<i32, i32> {
        use std::sync::atomic::{AtomicU32, Ordering};
        // SAFETY: offsets and sizes from the kernel's params; one submission in flight at a time.
        unsafe {
            let at = |base: *mut u8, off: u32| &*base.add(off as usize).cast::<AtomicU32>();
            let mask = *self.sq.add(self.p.sq_off.ring_mask as usize).cast::<u32>();
            let tail = at(self.sq, self.p.sq_off.tail).load(Ordering::Acquire);
            let index = tail & mask;
            *self.sqes.add(index as usize) = sqe;
            *self.sq.add(self.p.sq_off.array as usize).cast::<u32>().add(index as usize) = index;
            at(self.sq, self.p.sq_off.tail).store(tail.wrapping_add(1), Ordering::Release);
            let n = libc::syscall(
                libc::SYS_io_uring_enter,
                self.fd,
                1u32,
                1u32,
                IORING_ENTER_GETEVENTS,
                ptr::null::<u8>(),
                0usize,
            );
            if n < 0 {
                return Err(errno());
            }
            let cmask = *self.cq.add(self.p.cq_off.ring_mask as usize).cast::<u32>();
            let head = at(self.cq, self.p.cq_off.head).load(Ordering::Acquire);
            let cqe = &*self.cq.add(self.p.cq_off.cqes as usize).cast::<Cqe>().add((head & cmask) as usize);
            let res = cqe.res;
            at(self.cq, self.p.cq_off.head).store(head.wrapping_add(1), Ordering::Release);
            Ok(res)
        }
    }
}

fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL in arguments")
}

/// Run one operation; `Err((errno, step))`.
fn operate(args: &[String]) -> Result<String, (i32, &'static str)> {
    let ring = Ring::new().map_err(|e| (e, "setup"))?;
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| panic!("missing argument {i}"));
    let check = |r: Result<i32, i32>, step| match r {
        Err(e) => Err((e, step)),
        Ok(res) if res < 0 => Err((-res, step)),
        Ok(res) => Ok(res),
    };
    match arg(1) {
        "write" => {
            let (path, text) = (c(arg(2)), arg(3));
            let open = Sqe {
                opcode: IORING_OP_OPENAT,
                fd: libc::AT_FDCWD,
                addr: path.as_ptr() as u64,
                len: 0o644,
                op_flags: (libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC) as u32,
                ..Sqe::default()
            };
            let fd = check(ring.run(open), "openat")?;
            let write = Sqe {
                opcode: IORING_OP_WRITE,
                fd,
                addr: text.as_ptr() as u64,
                len: text.len() as u32,
                ..Sqe::default()
            };
            let n = check(ring.run(write), "write")?;
            check(ring.run(Sqe { opcode: IORING_OP_CLOSE, fd, ..Sqe::default() }), "close")?;
            Ok(format!("ok wrote={n}"))
        }
        "mkdir" => {
            let path = c(arg(2));
            let mkdir = Sqe {
                opcode: IORING_OP_MKDIRAT,
                fd: libc::AT_FDCWD,
                addr: path.as_ptr() as u64,
                len: 0o755,
                ..Sqe::default()
            };
            check(ring.run(mkdir), "mkdirat")?;
            Ok("ok".into())
        }
        "rename" => {
            let (old, new) = (c(arg(2)), c(arg(3)));
            let rename = Sqe {
                opcode: IORING_OP_RENAMEAT,
                fd: libc::AT_FDCWD,
                addr: old.as_ptr() as u64,
                len: libc::AT_FDCWD as u32,
                off: new.as_ptr() as u64,
                ..Sqe::default()
            };
            check(ring.run(rename), "renameat")?;
            Ok("ok".into())
        }
        other => panic!("unknown operation {other:?}: write PATH TEXT | mkdir PATH | rename OLD NEW"),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match operate(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err((errno, step)) => {
            println!("error errno={errno} at={step}");
            ExitCode::FAILURE
        }
    }
}
