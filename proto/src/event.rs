//! Helpers on [`Event`](crate::v1::Event): its kind name, the JSON line form, and the compact
//! one-line form people read.

use std::fmt::Write as _;

use crate::visible::{shell_word, visible};

use crate::v1::{
    Event, Verdict,
    event::Body,
    pod::Attribution,
    verdict::{Action, Tier},
};

/// The kinds of event, as users name them (`--kind flow|file|privilege|exec|gap`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Flow,
    File,
    Privilege,
    Exec,
    /// A time the node was not observed (no agent ran): from the agent, not the kernel.
    Gap,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Flow, Kind::File, Kind::Privilege, Kind::Exec, Kind::Gap];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Flow => "flow",
            Kind::File => "file",
            Kind::Privilege => "privilege",
            Kind::Exec => "exec",
            Kind::Gap => "gap",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown event kind {s:?} (expected flow, file, privilege, exec or gap)"))
    }
}

impl Event {
    /// Which of flow / file / privilege / exec this event is, if any body is set.
    pub fn kind(&self) -> Option<Kind> {
        self.body.as_ref().map(|body| match body {
            Body::Flow(_) => Kind::Flow,
            Body::File(_) => Kind::File,
            Body::Privilege(_) => Kind::Privilege,
            Body::Exec(_) => Kind::Exec,
            Body::Gap(_) => Kind::Gap,
        })
    }

    /// The proto3 JSON mapping of this event on one line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("generated serde impls serialize to a string")
    }

    /// [`Event::to_json_line`] and a newline, written straight into `w` (no string between).
    pub fn write_json_line(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut w, self)?;
        w.write_all(b"\n")
    }

    /// One readable line: time (UTC, time of day), node, namespace/pod, process, what
    /// happened, verdict and tier.
    pub fn compact_line(&self) -> String {
        let time = self
            .time
            .map(|t| {
                let s = t.rfc3339(3);
                s.get(11..23).unwrap_or(&s).to_string()
            })
            .unwrap_or_else(|| "--:--:--.---".into());
        format!("{time} {}", self.compact_rest())
    }

    /// The compact line after its time: node, namespace/pod, process, what happened, verdict
    /// and tier (for a caller that prints the time its own way).
    pub fn compact_rest(&self) -> String {
        if let Some(Body::Gap(g)) = &self.body {
            return format!("{} {}", visible(&self.node), g.describe());
        }
        // Everything but the verdict came from a node or a workload: escaped.
        let mut o = format!("{} {}", visible(&self.node), self.subject_text());
        if let Some(p) = self.process_text() {
            let _ = write!(o, " {p}");
        }
        let _ = write!(o, " {}", self.what_text());
        if let Some(v) = self.verdict_summary() {
            let _ = write!(o, "  => {v}");
        }
        o
    }

    /// Whose act it was: `namespace/pod[container]`, `(late)` when attributed late, `(host)`,
    /// `(pod UID)` for a pod never identified, `(unknown)`. Escaped.
    pub fn subject_text(&self) -> String {
        let mut o = String::new();
        match &self.pod {
            Some(p) if !p.name.is_empty() => {
                let _ = write!(o, "{}/{}", visible(&p.namespace), visible(&p.name));
                if !p.container_name.is_empty() {
                    let _ = write!(o, "[{}]", visible(&p.container_name));
                }
                if p.attribution == Attribution::Late as i32 {
                    o.push_str("(late)");
                }
            }
            Some(p) if p.attribution == Attribution::Host as i32 => o.push_str("(host)"),
            Some(p) if !p.uid.is_empty() => {
                let _ = write!(o, "(pod {})", visible(&p.uid));
            }
            _ => o.push_str("(unknown)"),
        }
        o
    }

    /// `comm[pid]`, escaped; `None` for a record with no task (a summary, a packet).
    pub fn process_text(&self) -> Option<String> {
        let p = self.process.as_ref().filter(|p| p.pid != 0 || !p.comm.is_empty())?;
        Some(if p.pid != 0 {
            format!("{}[{}]", visible(&p.comm), p.pid)
        } else {
            visible(&p.comm).into_owned()
        })
    }

    /// What happened, starting with the kind: `exec /bin/true x`, `flow tcp open 10.0.0.1 ->
    /// 10.0.0.2:80`, `file create /etc/x`, `privilege setuid euid 1000->0`, `gap 5.0s until …`.
    /// Workload text is escaped and quoted as a shell would.
    pub fn what_text(&self) -> String {
        let mut o = String::new();
        match &self.body {
            Some(Body::Exec(e)) => {
                let _ = write!(o, "exec {}", shell_word(&e.binary));
                for a in e.args.iter().skip(1) {
                    let _ = write!(o, " {}", shell_word(a));
                }
            }
            Some(Body::Flow(f)) => {
                use crate::v1::flow::{Direction, Phase, Protocol};
                let protocol = Protocol::try_from(f.protocol).map_or("?", |p| p.as_str_name());
                let phase = Phase::try_from(f.phase).map_or("?", |p| p.as_str_name());
                // The pod's end first; the arrow says who opened the connection.
                let arrow = if f.direction == Direction::Ingress as i32 { "<-" } else { "->" };
                let local = endpoint(&f.local_ip, f.local_port);
                let remote = endpoint(&f.remote_ip, f.remote_port);
                let _ = write!(o, "flow {protocol} {phase} {local} {arrow} {remote}");
                if f.bytes_sent + f.bytes_received > 0 {
                    let _ = write!(o, " sent {} received {}", bytes(f.bytes_sent), bytes(f.bytes_received));
                }
            }
            Some(Body::File(f)) => {
                let op = crate::v1::file::Operation::try_from(f.operation).map_or("?", |op| op.as_str_name());
                let _ = write!(o, "file {op} {}", shell_word(&f.path));
                if !f.target_path.is_empty() {
                    let _ = write!(o, " -> {}", shell_word(&f.target_path));
                }
            }
            Some(Body::Privilege(p)) => {
                let op =
                    crate::v1::privilege::Operation::try_from(p.operation).map_or("?", |op| op.as_str_name());
                let _ = write!(o, "privilege {op}");
                if !p.binary.is_empty() {
                    let _ = write!(o, " {}", shell_word(&p.binary));
                }
                if let (Some(old), Some(new)) = (&p.old_uids, &p.new_uids)
                    && (old.effective != new.effective || old.real != new.real)
                {
                    let _ = write!(o, " euid {}->{}", old.effective, new.effective);
                }
                if let (Some(old), Some(new)) = (&p.old_gids, &p.new_gids)
                    && old.effective != new.effective
                {
                    let _ = write!(o, " egid {}->{}", old.effective, new.effective);
                }
                if !p.capabilities_gained.is_empty() {
                    let _ = write!(o, " +{}", visible(&p.capabilities_gained.join(",")));
                }
            }
            Some(Body::Gap(g)) => o.push_str(&g.describe()),
            None => o.push('?'),
        }
        o
    }

    /// `deny [lsm, enforced] by ns/policy rule (x3)`: the verdict and the repeat count, if
    /// there is a verdict.
    pub fn verdict_summary(&self) -> Option<String> {
        let v = self.verdict.as_ref()?;
        let mut o = verdict_text(v);
        if self.repeat_count > 1 {
            let _ = write!(o, " (x{})", self.repeat_count);
        }
        Some(o)
    }
}

impl crate::v1::Gap {
    /// `gap 5.2s until 2026-12-03T12:00:06.123Z: nothing observed, the previous agent (boot
    /// 1b2c…) ended without stopping`: the words of the gap event and of `rampart status`.
    pub fn describe(&self) -> String {
        use crate::v1::gap::Reason;
        let span = match (self.from, self.until) {
            (Some(f), Some(u)) => {
                let ms = (u.unix_nanos() - f.unix_nanos()).max(0) / 1_000_000;
                format!("{}.{:03}s", ms / 1000, ms % 1000)
            }
            _ => "?".into(),
        };
        let until = self.until.map_or_else(|| "?".into(), |u| u.rfc3339(3));
        let how = match Reason::try_from(self.reason) {
            Ok(Reason::AgentStopped) => "stopped",
            Ok(Reason::AgentEnded) => "ended without stopping",
            _ => "was not running",
        };
        format!(
            "gap {span} until {until}: nothing observed, the previous agent (boot {}) {how}",
            visible(crate::collector::shown_boot(&self.previous_boot_id))
        )
    }
}

/// `ip:port`, `[ip]:port` for IPv6; without the port when there is none (the local end of a
/// refused connect has no port yet) and `-` when nothing is known.
fn endpoint(ip: &str, port: u32) -> String {
    let ip = visible(ip);
    match (ip.is_empty(), port) {
        (true, 0) => "-".into(),
        (_, 0) => ip.into_owned(),
        (true, p) => format!(":{p}"),
        (false, p) if ip.contains(':') => format!("[{ip}]:{p}"),
        (false, p) => format!("{ip}:{p}"),
    }
}

/// A byte count for people: `512B`, `1.5KiB`, `3.0MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1}{}", UNITS[unit])
}

fn verdict_text(v: &Verdict) -> String {
    let action = Action::try_from(v.action).map_or("?", |a| a.as_str_name());
    let tier = Tier::try_from(v.tier).map_or("?", |t| t.as_str_name());
    let mut s = format!("{action} [{tier}");
    if v.enforced {
        s.push_str(", enforced");
    }
    s.push(']');
    if !v.policy.is_empty() {
        let _ = write!(s, " {} {}", visible(&v.policy), visible(&v.rule));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{Exec, Pod, Process, Verdict, pod::Attribution};

    fn exec_event() -> Event {
        Event {
            time: Some(crate::wkt::Timestamp { seconds: 1_795_000_000, nanos: 5 }),
            node: "node-a".into(),
            pod: Some(Pod {
                namespace: "shop".into(),
                name: "web-0".into(),
                uid: "0b6f".into(),
                attribution: Attribution::Exact as i32,
                cgroup_id: 4242,
                ..Default::default()
            }),
            process: Some(Process { pid: 10, comm: "sh".into(), ..Default::default() }),
            body: Some(Body::Exec(Exec {
                binary: "/bin/true".into(),
                args: vec!["true".into()],
                args_truncated: false,
                held: false,
            })),
            verdict: Some(Verdict {
                action: Action::Allow as i32,
                tier: Tier::None as i32,
                ..Default::default()
            }),
            repeat_count: 0,
            redacted: false,
        }
    }

    #[test]
    fn json_line_uses_contract_names() {
        let event = exec_event();
        let json: serde_json::Value = serde_json::from_str(&event.to_json_line()).unwrap();
        assert_eq!(json["pod"]["attribution"], "exact");
        assert_eq!(json["verdict"]["action"], "allow");
        assert_eq!(json["verdict"]["tier"], "none");
        // Defaults are emitted, so `enforced: false` is there to read.
        assert_eq!(json["verdict"]["enforced"], false);
        assert_eq!(json["exec"]["binary"], "/bin/true");
        assert_eq!(json["time"], "2026-11-18T11:06:40.000000005Z");
        // 64-bit integers are strings in proto3 JSON.
        assert_eq!(json["pod"]["cgroupId"], "4242");
    }

    /// What a process in a pod chooses (its arguments, its name, a file name) cannot rewrite
    /// the screen: one event, one line, no control character reaches the terminal.
    #[test]
    fn a_hostile_event_stays_one_visible_line() {
        let mut e = exec_event();
        e.process.as_mut().unwrap().comm = "sh\x1b]0;pwned\x07".into();
        e.body = Some(Body::Exec(Exec {
            binary: "/bin/sh".into(),
            args: vec![
                "sh".into(),
                "-c".into(),
                "\x1b[2K\r10:00:00.000 node-a shop/web-0 => ALLOW".into(),
                "a\nb".into(),
            ],
            args_truncated: false,
            held: false,
        }));
        let line = e.compact_line();
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("sh\\e]0;pwned\\x07[10]"), "{line}");
        assert!(line.contains(" -c $'\\e[2K\\r10:00:00.000 node-a shop/web-0 => ALLOW' $'a\\nb'"), "{line}");
    }

    #[test]
    fn flow_lines_say_direction_protocol_phase_and_bytes() {
        use crate::v1::{Flow, flow};
        let mut e = exec_event();
        e.body = Some(Body::Flow(Flow {
            direction: flow::Direction::Egress as i32,
            protocol: flow::Protocol::Tcp as i32,
            phase: flow::Phase::Open as i32,
            local_ip: "10.0.3.7".into(),
            local_port: 0,
            remote_ip: "198.51.100.7".into(),
            remote_port: 443,
            ..Default::default()
        }));
        let line = e.compact_line();
        assert!(line.contains(" flow tcp open 10.0.3.7 -> 198.51.100.7:443  =>"), "{line}");
        e.body = Some(Body::Flow(Flow {
            direction: flow::Direction::Ingress as i32,
            protocol: flow::Protocol::Tcp as i32,
            phase: flow::Phase::Close as i32,
            local_ip: "fd00::7".into(),
            local_port: 8080,
            remote_ip: "fd00::1".into(),
            remote_port: 51234,
            bytes_sent: 1536,
            bytes_received: 20,
            ..Default::default()
        }));
        e.process = Some(Process::default());
        let line = e.compact_line();
        assert!(
            line.ends_with("shop/web-0 flow tcp close [fd00::7]:8080 <- [fd00::1]:51234 sent 1.5KiB received 20B  => allow [none]"),
            "no [0] for an unknown process: {line}"
        );
    }

    #[test]
    fn json_round_trips() {
        let event = exec_event();
        let back: Event = serde_json::from_str(&event.to_json_line()).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.kind(), Some(Kind::Exec));
    }

    #[test]
    fn compact_line_reads_well() {
        let line = exec_event().compact_line();
        assert_eq!(line, "11:06:40.000 node-a shop/web-0 sh[10] exec /bin/true  => allow [none]");
    }

    #[test]
    fn compact_lines_say_what_a_file_or_privilege_event_did() {
        use crate::v1::{File, Privilege, file, privilege, privilege::Ids};
        let denied = Verdict {
            action: Action::Deny as i32,
            tier: Tier::Sigkill as i32,
            enforced: true,
            policy: "shop/web".into(),
            rule: "filesystem.rootfs".into(),
            ..Default::default()
        };
        let mut e = exec_event();
        e.verdict = Some(denied.clone());
        e.body = Some(Body::File(File {
            operation: file::Operation::Rename as i32,
            path: "/tmp/p".into(),
            target_path: "/bin/p".into(),
            ..Default::default()
        }));
        e.repeat_count = 3;
        assert_eq!(
            e.compact_line(),
            "11:06:40.000 node-a shop/web-0 sh[10] file rename /tmp/p -> /bin/p  \
             => deny [sigkill, enforced] shop/web filesystem.rootfs (x3)"
        );
        e.repeat_count = 0;
        e.body = Some(Body::Privilege(Privilege {
            operation: privilege::Operation::ExecSetuid as i32,
            old_uids: Some(Ids { real: 1000, effective: 1000, saved: 1000, fs: 1000 }),
            new_uids: Some(Ids { real: 1000, effective: 0, saved: 0, fs: 0 }),
            old_gids: Some(Ids::default()),
            new_gids: Some(Ids::default()),
            capabilities_gained: vec!["CAP_SETUID".into()],
            binary: "/usr/bin/su".into(),
            ..Default::default()
        }));
        assert!(
            e.compact_line().contains(" privilege exec_setuid /usr/bin/su euid 1000->0 +CAP_SETUID  => deny"),
            "{}",
            e.compact_line()
        );
    }

    #[test]
    fn kind_parses_and_rejects() {
        assert_eq!("file".parse::<Kind>(), Ok(Kind::File));
        assert!("net".parse::<Kind>().unwrap_err().contains("unknown event kind"));
    }
}
