//! A TCP proxy whose answers can be held back: what the client sends reaches the server at
//! once, what the server sends back reaches the client `delay` later. With it a test puts a
//! known window between the collector storing a batch and the agent hearing its ack.

use std::{
    io::{Read as _, Write as _},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
        mpsc,
    },
    thread,
    time::{Duration, Instant},
};

pub struct DelayProxy {
    pub addr: SocketAddr,
    delay_ms: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl DelayProxy {
    /// Listen on 127.0.0.1 and forward each connection to `upstream` (a connection the
    /// upstream refuses is closed, as the upstream's own refusal would be).
    pub fn start(upstream: SocketAddr) -> DelayProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let delay_ms = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (delay, stopping) = (delay_ms.clone(), stop.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Relaxed) {
                    return;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else { continue };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                thread::spawn(move || pipe(client, server, None));
                let delay = delay.clone();
                thread::spawn(move || pipe(s2, c2, Some(delay)));
            }
        });
        DelayProxy { addr, delay_ms, stop }
    }

    /// From now on, hold what the server sends for `d` before passing it on.
    pub fn set_delay(&self, d: Duration) {
        self.delay_ms.store(d.as_millis() as u64, Relaxed);
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Copy `from` to `to`; with a delay, every chunk is written that long after it was read.
fn pipe(mut from: TcpStream, to: TcpStream, delay: Option<Arc<AtomicU64>>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        let mut to = to;
        for (due, chunk) in rx {
            // Holding a chunk until it is due is the proxy's behaviour (the delay a test asks
            // for), not a wait for something to happen.
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                thread::sleep(wait);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let d = delay.as_ref().map_or(0, |d| d.load(Relaxed));
                if tx.send((Instant::now() + Duration::from_millis(d), buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.join();
}
