//! Helpers on [`Event`](crate::v1::Event): its kind name, and the JSON line form.

use crate::v1::{Event, event::Body};

/// The kinds of event, as users name them (`--kind flow|file|privilege|exec`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Flow,
    File,
    Privilege,
    Exec,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Flow, Kind::File, Kind::Privilege, Kind::Exec];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Flow => "flow",
            Kind::File => "file",
            Kind::Privilege => "privilege",
            Kind::Exec => "exec",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown event kind {s:?} (expected flow, file, privilege or exec)"))
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
        })
    }

    /// The proto3 JSON mapping of this event on one line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("generated serde impls serialize to a string")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{Exec, Pod, Process, Verdict, pod::Attribution, verdict};

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
            })),
            verdict: Some(Verdict {
                action: verdict::Action::Allow as i32,
                tier: verdict::Tier::None as i32,
                ..Default::default()
            }),
            repeat_count: 0,
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

    #[test]
    fn json_round_trips() {
        let event = exec_event();
        let back: Event = serde_json::from_str(&event.to_json_line()).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.kind(), Some(Kind::Exec));
    }

    #[test]
    fn kind_parses_and_rejects() {
        assert_eq!("file".parse::<Kind>(), Ok(Kind::File));
        assert!("net".parse::<Kind>().unwrap_err().contains("unknown event kind"));
    }
}
