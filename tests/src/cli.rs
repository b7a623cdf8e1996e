//! The real `rampart` command: one-shot runs, and `observe` running in the background with
//! its output collected line by line.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;

use crate::{bins::cli_bin, wait_for};

/// Run `rampart --server URL ARGS...` to completion.
pub fn rampart(server: &str, args: &[&str]) -> Output {
    Command::new(cli_bin()).arg("--server").arg(server).args(args).output().expect("run rampart")
}

/// `rampart ... -o json` run to completion: its events, parsed.
pub fn events(server: &str, args: &[&str]) -> Vec<Value> {
    let out = rampart(server, args);
    assert!(out.status.success(), "rampart {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// `rampart observe` (or `replay -f`) in the background.
pub struct Observer {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    errors: Arc<Mutex<Vec<String>>>,
}

impl Observer {
    pub fn start(server: &str, args: &[&str]) -> Observer {
        Observer::spawn(server, &["observe"], args)
    }

    /// `rampart replay -f ARGS`.
    pub fn replay_follow(server: &str, args: &[&str]) -> Observer {
        Observer::spawn(server, &["replay", "-f"], args)
    }

    fn spawn(server: &str, command: &[&str], args: &[&str]) -> Observer {
        let mut child = Command::new(cli_bin())
            .arg("--server")
            .arg(server)
            .args(command)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rampart observe");
        let collect = |stream: Box<dyn std::io::Read + Send>| {
            let lines = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    sink.lock().expect("not poisoned").push(line);
                }
            });
            lines
        };
        let lines = collect(Box::new(child.stdout.take().expect("piped")));
        let errors = collect(Box::new(child.stderr.take().expect("piped")));
        Observer { child, lines, errors }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("not poisoned").clone()
    }

    pub fn stderr(&self) -> String {
        self.errors.lock().expect("not poisoned").join("\n")
    }

    /// Every line so far parsed as JSON.
    pub fn events(&self) -> Vec<Value> {
        self.lines().iter().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// Wait for an event matching `pred`.
    pub fn wait_event(&self, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        wait_for(&format!("{what} (observe stderr: {})", self.stderr()), timeout, || {
            self.events().into_iter().find(|e| pred(e))
        })
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
