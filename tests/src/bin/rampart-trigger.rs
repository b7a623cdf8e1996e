//! Trigger programs for the end-to-end tests: do one network thing and say exactly what
//! happened, as one line on stdout (`ok ...` or `error errno=N ...`), exit 0 or 1.
//!
//! ```text
//! rampart-trigger tcp-connect ADDR:PORT [SEND_BYTES] [TIMEOUT_MS]   send, half-close, read to EOF
//! rampart-trigger tcp-serve ADDR:PORT REPLY_BYTES CONNECTIONS       print "listening", serve
//! rampart-trigger udp-send ADDR:PORT BYTES [COUNT]                  sendto without connect
//! rampart-trigger udp-connect ADDR:PORT BYTES                       connect, send
//! rampart-trigger udp-serve ADDR:PORT DATAGRAMS                     print "listening", receive
//! rampart-trigger udp-echo ADDR:PORT DATAGRAMS [OTHER]   print "listening", answer each datagram
//!                                               to its sender, then send one datagram to
//!                                               OTHER (a peer that never asked) from the same
//!                                               socket; a line per send
//! rampart-trigger serve-forever ADDR:0 PORT/tcp|PORT/udp...  print "listening", then answer
//!                                               on every port of ADDR until killed: TCP
//!                                               replies "y" and closes, UDP echoes
//! rampart-trigger udp-ask ADDR:PORT BYTES [TIMEOUT_MS]   send one datagram, wait for the answer
//! rampart-trigger udp-hammer ADDR:PORT N        N datagrams, each from a new socket (a new
//!                                               source port)
//! rampart-trigger tcp-hammer ADDR:PORT ATTEMPTS                     connect again and again
//! rampart-trigger tcp-trickle ADDR:PORT CHUNKS INTERVAL_MS            one byte per interval
//! rampart-trigger tcp-cycles ADDR:PORT N       listen, then N connect+accept+close (the client
//!                                               closes with RST: no TIME_WAIT piles up); ns
//!                                               per cycle
//! rampart-trigger udp-cycles ADDR:PORT N       N socket+connect+close; ns per cycle
//! rampart-trigger fork-as-pid ADDR:PORT PID [hold]  fork with pid PID (clone3's set_tid; PID
//!                                               must be free), no exec: the child sends one
//!                                               UDP datagram to ADDR:PORT from a connected
//!                                               socket, prints "ok pid=PID" and, with hold,
//!                                               waits for EOF on stdin before it exits
//! rampart-trigger leader-exits ADDR:PORT        the main thread exits alone (exit(2), not
//!                                               exit_group); a thread named "worker" waits
//!                                               until it is a zombie, sends one UDP datagram
//!                                               to ADDR:PORT, prints "ok pid=PID" and waits
//!                                               for EOF on stdin before the process exits
//! rampart-trigger udp-paced ADDR:PORT RATE SECS  socket+connect+send+close at RATE per second for
//!                                               SECS, on a schedule (late cycles catch up);
//!                                               "ok cycles=N seconds=S behind_ms=L" (L: how
//!                                               late the last cycle was)
//! rampart-trigger ids                           print "ok uid=.. euid=.. gid=.. egid=.."
//! rampart-trigger setuid UID                    setuid(UID), then print ids
//! rampart-trigger setresuid R E S               setresuid(R, E, S), then print ids
//! rampart-trigger seteuid-dance UID             as root: seteuid(UID), then seteuid(0)
//! rampart-trigger cap-raise CAP                 raise CAP from permitted into effective (capset)
//! rampart-trigger setuid-loop N                 N x setuid(getuid()); ns per call
//! rampart-trigger as-user UID PROGRAM ARGS...   drop to UID (and gid) completely, then exec
//! rampart-trigger as-user-keep-caps UID PROG ...  the same with PR_SET_KEEPCAPS (as setpriv)
//! rampart-trigger exec-loop PROGRAM N           N x fork+exec+wait of PROGRAM; ns per cycle
//! rampart-trigger open-loop ROOT PATH N         chroot(ROOT), then N x open(PATH,
//!                                               O_CREAT|O_WRONLY)+close; ns per cycle
//! ```

use std::{
    io::{self, Read as _, Write as _},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket},
    process::ExitCode,
    time::Duration,
};

fn fail(e: &io::Error) -> ExitCode {
    println!("error errno={} {e}", e.raw_os_error().unwrap_or(0));
    ExitCode::FAILURE
}

fn ids() -> String {
    // SAFETY: plain getters.
    unsafe {
        format!(
            "uid={} euid={} gid={} egid={}",
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid()
        )
    }
}

fn check(rc: i32) -> Result<(), ExitCode> {
    if rc == 0 { Ok(()) } else { Err(fail(&io::Error::last_os_error())) }
}

/// The privilege commands (no address argument).
fn privilege(cmd: &str, args: &[String]) -> Option<ExitCode> {
    let n = |i: usize| -> u32 { arg(args, i, None) };
    // SAFETY: credential syscalls on this process.
    let r = unsafe {
        match cmd {
            "ids" => Ok(()),
            "setuid" => check(libc::setuid(n(2))),
            "setresuid" => check(libc::setresuid(n(2), n(3), n(4))),
            "seteuid-dance" => check(libc::seteuid(n(2))).and_then(|()| {
                println!("dropped {}", ids());
                check(libc::seteuid(0))
            }),
            "cap-raise" => {
                let cap = n(2);
                let mut hdr = CapHeader { version: 0x2008_0522, pid: 0 };
                let mut data = [CapData::default(); 2];
                check(libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) as i32).and_then(|()| {
                    data[(cap / 32) as usize].effective |= 1 << (cap % 32);
                    check(libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) as i32)
                })
            }
            // `as-user-keep-caps` drops as util-linux `setpriv --reuid --regid --clear-groups`
            // does: capabilities kept across the uid change (PR_SET_KEEPCAPS), lost at exec.
            "as-user" | "as-user-keep-caps" => {
                let id = n(2);
                if cmd == "as-user-keep-caps"
                    && let Err(code) = check(libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0))
                {
                    return Some(code);
                }
                let prog = std::ffi::CString::new(args[3].as_bytes()).expect("no NUL");
                let argv: Vec<std::ffi::CString> =
                    args[3..].iter().map(|a| std::ffi::CString::new(a.as_bytes()).expect("no NUL")).collect();
                let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
                ptrs.push(std::ptr::null());
                if let Err(code) = check(libc::setgroups(0, std::ptr::null()))
                    .and_then(|()| check(libc::setresgid(id, id, id)))
                    .and_then(|()| check(libc::setresuid(id, id, id)))
                {
                    return Some(code);
                }
                libc::execv(prog.as_ptr(), ptrs.as_ptr());
                Err(fail(&io::Error::last_os_error()))
            }
            "exec-loop" => {
                let prog = std::ffi::CString::new(args[2].as_bytes()).expect("no NUL");
                let count: u32 = n(3);
                let argv = [prog.as_ptr(), std::ptr::null()];
                let start = std::time::Instant::now();
                for _ in 0..count {
                    let pid = libc::fork();
                    if pid == 0 {
                        libc::execv(prog.as_ptr(), argv.as_ptr());
                        libc::_exit(127);
                    }
                    let mut status = 0;
                    libc::waitpid(pid, &mut status, 0);
                }
                println!("ok ns_per_cycle={}", start.elapsed().as_nanos() / u128::from(count.max(1)));
                return Some(ExitCode::SUCCESS);
            }
            "open-loop" => {
                let root = std::ffi::CString::new(args[2].as_bytes()).expect("no NUL");
                let path = std::ffi::CString::new(args[3].as_bytes()).expect("no NUL");
                let count: u32 = n(4);
                if let Err(code) =
                    check(libc::chroot(root.as_ptr())).and_then(|()| check(libc::chdir(c"/".as_ptr())))
                {
                    return Some(code);
                }
                let start = std::time::Instant::now();
                for _ in 0..count {
                    let fd =
                        libc::open(path.as_ptr(), libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC, 0o644);
                    if fd < 0 {
                        return Some(fail(&io::Error::last_os_error()));
                    }
                    libc::close(fd);
                }
                println!("ok ns_per_cycle={}", start.elapsed().as_nanos() / u128::from(count.max(1)));
                return Some(ExitCode::SUCCESS);
            }
            "create-loop" => {
                // create-loop ROOT DIR N: in the chroot ROOT, create DIR/f<i> (new each time),
                // write a byte and close, N times; the files are removed after the timing.
                let root = std::ffi::CString::new(args[2].as_bytes()).expect("no NUL");
                let dir = &args[3];
                let count: u32 = n(4);
                if let Err(code) =
                    check(libc::chroot(root.as_ptr())).and_then(|()| check(libc::chdir(c"/".as_ptr())))
                {
                    return Some(code);
                }
                let nonce = std::process::id();
                let paths: Vec<std::ffi::CString> = (0..count)
                    .map(|i| std::ffi::CString::new(format!("{dir}/f{nonce}-{i}")).expect("no NUL"))
                    .collect();
                let start = std::time::Instant::now();
                for path in &paths {
                    let flags = libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC;
                    let fd = libc::open(path.as_ptr(), flags, 0o644);
                    if fd < 0 {
                        return Some(fail(&io::Error::last_os_error()));
                    }
                    libc::write(fd, b"x".as_ptr().cast(), 1);
                    libc::close(fd);
                }
                let elapsed = start.elapsed();
                for path in &paths {
                    libc::unlink(path.as_ptr());
                }
                println!("ok ns_per_cycle={}", elapsed.as_nanos() / u128::from(count.max(1)));
                return Some(ExitCode::SUCCESS);
            }
            "setuid-loop" => {
                let count: u32 = n(2);
                let start = std::time::Instant::now();
                for _ in 0..count {
                    libc::setuid(libc::getuid());
                }
                println!("ok ns_per_cycle={}", start.elapsed().as_nanos() / u128::from(count.max(1)));
                return Some(ExitCode::SUCCESS);
            }
            _ => return None,
        }
    };
    Some(match r {
        Ok(()) => {
            println!("ok {}", ids());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    })
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// A new UDP socket on an ephemeral port, connected to `addr`, sending `datagram` if given,
/// then closed.
fn udp_cycle(addr: SocketAddr, datagram: Option<&[u8]>) -> io::Result<()> {
    let any = if addr.is_ipv4() {
        SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
    };
    let s = UdpSocket::bind(any)?;
    s.connect(addr)?;
    if let Some(d) = datagram {
        s.send(d)?;
    }
    Ok(())
}

/// `clone3()`'s arguments up to `set_tid_size` (`CLONE_ARGS_SIZE_VER1`, Linux 5.5).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
}

/// A fork (no exec) given the pid `pid` (`clone3()`'s `set_tid`; the pid must be free): the
/// child runs `child` and exits with its code; the parent waits and returns that code.
fn fork_with_pid(pid: u32, child: impl FnOnce() -> ExitCode) -> io::Result<i32> {
    let tids = [pid as libc::pid_t];
    let args = CloneArgs {
        exit_signal: libc::SIGCHLD as u64,
        set_tid: tids.as_ptr() as u64,
        set_tid_size: 1,
        ..CloneArgs::default()
    };
    // SAFETY: a fork of this single-threaded process with valid arguments; the child only runs
    // `child` and exits.
    let r = unsafe { libc::syscall(libc::SYS_clone3, &args as *const CloneArgs, size_of::<CloneArgs>()) };
    match r {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            let code = if child() == ExitCode::SUCCESS { 0 } else { 1 };
            let _ = io::stdout().flush();
            // SAFETY: the child ends here, without the parent's exit handlers.
            unsafe { libc::_exit(code) }
        }
        child_pid => {
            let mut status = 0;
            // SAFETY: waiting for our own child.
            if unsafe { libc::waitpid(child_pid as libc::pid_t, &mut status, 0) } == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(libc::WEXITSTATUS(status))
        }
    }
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: Option<T>) -> T {
    match args.get(i) {
        Some(a) => a.parse().unwrap_or_else(|_| panic!("argument {i} ({a:?}) is not valid")),
        None => default.unwrap_or_else(|| panic!("missing argument {i}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cmd = args.get(1).map(String::as_str).unwrap_or("");
    if let Some(code) = privilege(cmd, &args) {
        return code;
    }
    let addr: SocketAddr = match cmd {
        "" => {
            eprintln!(
                "usage: rampart-trigger tcp-connect|tcp-serve|udp-send|udp-connect|udp-serve ADDR:PORT ..."
            );
            return ExitCode::from(2);
        }
        _ => arg(&args, 2, None),
    };
    match cmd {
        "tcp-connect" => {
            let send: usize = arg(&args, 3, Some(0));
            let timeout = Duration::from_millis(arg(&args, 4, Some(3000)));
            let mut s = match TcpStream::connect_timeout(&addr, timeout) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            let _ = s.set_read_timeout(Some(timeout));
            if let Err(e) = s.write_all(&vec![b'x'; send]).and_then(|()| s.shutdown(Shutdown::Write)) {
                return fail(&e);
            }
            let mut got = Vec::new();
            if let Err(e) = s.read_to_end(&mut got) {
                return fail(&e);
            }
            println!("ok sent={send} received={}", got.len());
            ExitCode::SUCCESS
        }
        "tcp-serve" => {
            let reply: usize = arg(&args, 3, Some(0));
            let conns: usize = arg(&args, 4, Some(1));
            let l = match TcpListener::bind(addr) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            println!("listening");
            let _ = io::stdout().flush();
            for _ in 0..conns {
                let Ok((mut s, peer)) = l.accept() else { continue };
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got);
                let _ = s.write_all(&vec![b'y'; reply]);
                println!("served peer={peer} received={} sent={reply}", got.len());
                let _ = io::stdout().flush();
            }
            ExitCode::SUCCESS
        }
        "udp-send" | "udp-connect" => {
            let bytes: usize = arg(&args, 3, Some(1));
            let count: usize = arg(&args, 4, Some(1));
            let bind: SocketAddr =
                if addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("literal");
            let s = match UdpSocket::bind(bind) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            let buf = vec![b'u'; bytes];
            for _ in 0..count {
                let sent = if cmd == "udp-connect" {
                    s.connect(addr).and_then(|()| s.send(&buf))
                } else {
                    s.send_to(&buf, addr)
                };
                if let Err(e) = sent {
                    return fail(&e);
                }
            }
            println!("ok sent={}", bytes * count);
            ExitCode::SUCCESS
        }
        "udp-serve" => {
            let datagrams: usize = arg(&args, 3, Some(1));
            let s = match UdpSocket::bind(addr) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            println!("listening");
            let _ = io::stdout().flush();
            let mut buf = [0u8; 65536];
            let mut total = 0;
            for _ in 0..datagrams {
                match s.recv_from(&mut buf) {
                    Ok((n, _)) => total += n,
                    Err(e) => return fail(&e),
                }
            }
            println!("ok received={total}");
            ExitCode::SUCCESS
        }
        "udp-echo" => {
            let datagrams: usize = arg(&args, 3, Some(1));
            let other: Option<SocketAddr> = args.get(4).map(|_| arg(&args, 4, None));
            let s = match UdpSocket::bind(addr) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            println!("listening");
            let _ = io::stdout().flush();
            let mut buf = [0u8; 65536];
            for _ in 0..datagrams {
                let (n, peer) = match s.recv_from(&mut buf) {
                    Ok(r) => r,
                    Err(e) => return fail(&e),
                };
                match s.send_to(&buf[..n], peer) {
                    Ok(_) => println!("replied peer={peer} bytes={n}"),
                    Err(e) => println!("error errno={} replying to {peer}", e.raw_os_error().unwrap_or(0)),
                }
                let _ = io::stdout().flush();
            }
            if let Some(other) = other {
                match s.send_to(b"unsolicited", other) {
                    Ok(_) => println!("unsolicited ok to={other}"),
                    Err(e) => println!("unsolicited error errno={}", e.raw_os_error().unwrap_or(0)),
                }
            }
            ExitCode::SUCCESS
        }
        "udp-ask" => {
            let bytes: usize = arg(&args, 3, Some(1));
            let timeout = Duration::from_millis(arg(&args, 4, Some(3000)));
            let bind: SocketAddr =
                if addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("literal");
            let s = match UdpSocket::bind(bind).and_then(|s| s.set_read_timeout(Some(timeout)).map(|()| s)) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            if let Err(e) = s.send_to(&vec![b'q'; bytes], addr) {
                return fail(&e);
            }
            let mut buf = [0u8; 65536];
            match s.recv_from(&mut buf) {
                Ok((n, from)) => println!("ok sent={bytes} received={n} from={from}"),
                Err(e) => return fail(&e),
            }
            ExitCode::SUCCESS
        }
        "udp-hammer" => {
            let n: usize = arg(&args, 3, Some(100));
            let bind: SocketAddr =
                if addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("literal");
            for _ in 0..n {
                if let Err(e) = UdpSocket::bind(bind).and_then(|s| s.send_to(b"h", addr)) {
                    return fail(&e);
                }
            }
            println!("ok sent={n}");
            ExitCode::SUCCESS
        }
        "tcp-trickle" => {
            let chunks: usize = arg(&args, 3, Some(5));
            let interval = Duration::from_millis(arg(&args, 4, Some(500)));
            let mut s = match TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            for _ in 0..chunks {
                if let Err(e) = s.write_all(b"t") {
                    return fail(&e);
                }
                std::thread::sleep(interval);
            }
            let _ = s.shutdown(Shutdown::Write);
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got);
            println!("ok sent={chunks} received={}", got.len());
            ExitCode::SUCCESS
        }
        "tcp-cycles" => {
            let n: u32 = arg(&args, 3, Some(1000));
            let l = match TcpListener::bind(addr) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            let start = std::time::Instant::now();
            for _ in 0..n {
                let c = match TcpStream::connect(addr) {
                    Ok(c) => c,
                    Err(e) => return fail(&e),
                };
                let (s, _) = match l.accept() {
                    Ok(a) => a,
                    Err(e) => return fail(&e),
                };
                // SO_LINGER 0: close with RST, so no TIME_WAIT holds the ephemeral port and
                // every cycle costs the same however many came before.
                let linger = libc::linger { l_onoff: 1, l_linger: 0 };
                // SAFETY: a valid socket and option of the size given.
                unsafe {
                    libc::setsockopt(
                        std::os::fd::AsRawFd::as_raw_fd(&c),
                        libc::SOL_SOCKET,
                        libc::SO_LINGER,
                        (&raw const linger).cast(),
                        size_of::<libc::linger>() as libc::socklen_t,
                    )
                };
                drop(c);
                drop(s);
            }
            println!("ok ns_per_cycle={}", start.elapsed().as_nanos() / u128::from(n));
            ExitCode::SUCCESS
        }
        "fork-as-pid" => {
            let pid: u32 = arg(&args, 3, None);
            let hold = args.get(4).is_some_and(|a| a == "hold");
            let child = || {
                if let Err(e) = udp_cycle(addr, Some(b"r")) {
                    return fail(&e);
                }
                println!("ok pid={}", std::process::id());
                let _ = io::stdout().flush();
                if hold {
                    let _ = io::stdin().read_to_end(&mut Vec::new());
                }
                ExitCode::SUCCESS
            };
            match fork_with_pid(pid, child) {
                Ok(0) => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(e) => fail(&e),
            }
        }
        "leader-exits" => {
            let pid = std::process::id();
            let worker = std::thread::Builder::new().name("worker".into()).spawn(move || {
                // The leader is a zombie until the last thread exits.
                let stat = format!("/proc/{pid}/task/{pid}/stat");
                let state = || {
                    let text = std::fs::read_to_string(&stat).unwrap_or_default();
                    text.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next())
                };
                let start = std::time::Instant::now();
                while !matches!(state(), Some('Z') | None) {
                    if start.elapsed() > Duration::from_secs(10) {
                        eprintln!("error: the main thread did not exit within 10 s");
                        std::process::exit(1);
                    }
                    // Waiting for another thread's exit, which nothing signals.
                    std::thread::sleep(Duration::from_millis(1));
                }
                if let Err(e) = udp_cycle(addr, Some(b"w")) {
                    eprintln!("error errno={} {e}", e.raw_os_error().unwrap_or(0));
                    std::process::exit(1);
                }
                println!("ok pid={pid}");
                let _ = io::stdout().flush();
                let _ = io::stdin().read_to_end(&mut Vec::new());
                std::process::exit(0);
            });
            if let Err(e) = worker {
                return fail(&e);
            }
            // SAFETY: exit(2) ends this thread only; nothing of it is used afterwards, and the
            // worker ends the process.
            unsafe { libc::syscall(libc::SYS_exit, 0) };
            unreachable!("exit(2) returned")
        }
        "udp-cycles" => {
            let n: u32 = arg(&args, 3, Some(1000));
            let start = std::time::Instant::now();
            for _ in 0..n {
                if let Err(e) = udp_cycle(addr, None) {
                    return fail(&e);
                }
            }
            println!("ok ns_per_cycle={}", start.elapsed().as_nanos() / u128::from(n));
            ExitCode::SUCCESS
        }
        "udp-paced" => {
            let rate: f64 = arg(&args, 3, None);
            let secs: f64 = arg(&args, 4, None);
            let total = (rate * secs) as u64;
            let start = std::time::Instant::now();
            let (mut done, mut behind) = (0u64, Duration::ZERO);
            while done < total {
                // Cycle `done` is due at done / rate seconds.
                let due = Duration::from_secs_f64(done as f64 / rate);
                let now = start.elapsed();
                if now < due {
                    // Waiting for the schedule is this mode's behaviour: a fixed offered rate.
                    std::thread::sleep(due - now);
                    continue;
                }
                behind = now - due;
                // A UDP flow opens at its first datagram.
                if let Err(e) = udp_cycle(addr, Some(b"x")) {
                    return fail(&e);
                }
                done += 1;
            }
            println!(
                "ok cycles={done} seconds={:.3} behind_ms={:.1}",
                start.elapsed().as_secs_f64(),
                behind.as_secs_f64() * 1e3
            );
            ExitCode::SUCCESS
        }
        "serve-forever" => {
            let mut threads = Vec::new();
            for spec in &args[3..] {
                let (port, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
                let (Ok(port), udp) = (port.parse::<u16>(), proto.eq_ignore_ascii_case("udp")) else {
                    eprintln!("serve-forever: {spec:?} is not PORT/tcp or PORT/udp");
                    return ExitCode::from(2);
                };
                let at = SocketAddr::new(addr.ip(), port);
                if udp {
                    let s = match UdpSocket::bind(at) {
                        Ok(s) => s,
                        Err(e) => return fail(&e),
                    };
                    threads.push(std::thread::spawn(move || {
                        let mut buf = [0u8; 2048];
                        while let Ok((n, peer)) = s.recv_from(&mut buf) {
                            let _ = s.send_to(&buf[..n], peer);
                        }
                    }));
                } else {
                    let l = match TcpListener::bind(at) {
                        Ok(l) => l,
                        Err(e) => return fail(&e),
                    };
                    threads.push(std::thread::spawn(move || {
                        for mut s in l.incoming().flatten() {
                            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                            let mut got = Vec::new();
                            let _ = s.read_to_end(&mut got);
                            let _ = s.write_all(b"y");
                        }
                    }));
                }
            }
            println!("listening");
            let _ = io::stdout().flush();
            for t in threads {
                let _ = t.join();
            }
            ExitCode::SUCCESS
        }
        "tcp-hammer" => {
            let attempts: usize = arg(&args, 3, Some(100));
            let (mut ok, mut refused) = (0, 0);
            for _ in 0..attempts {
                match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                    Ok(_) => ok += 1,
                    Err(_) => refused += 1,
                }
            }
            println!("ok connected={ok} refused={refused}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown command {other}");
            ExitCode::from(2)
        }
    }
}
