//! A stored event, as the verdict function sees it: which pod did what
//! ([`rampart_policy::Activity`]), decoded from the event's typed fields — the flow's address
//! bytes, the file's `path_unresolved` flag — never from its text. What-if judges history with
//! this, so a stored event is judged exactly as the agent judged it live.
//!
//! Some events are not an activity of their own (an exec; a connection's update or close,
//! counted at its open), and some cannot be judged again (a pod never identified, a flow without
//! an address): both are said, with the reason, never guessed.

use std::net::IpAddr;

use rampart_policy::{
    Activity, Direction, Judgement, NamedPort, PodIdentity, PolicySet, Protocol, SortedLabels,
};

use crate::v1::{Event, Pod, event::Body, file, flow, pod::Attribution};

/// What a stored event gives the verdict function.
#[derive(Debug, PartialEq)]
pub enum Judgeable<'e> {
    /// Judge `activity` of `pod` (its labels select the policies) in `namespace`. A host
    /// process has an empty namespace and no pod: no policy selects it.
    Activity { namespace: &'e str, pod: Option<&'e Pod>, activity: Activity<'e> },
    /// Not an activity to count: an exec (no policy restricts it), or a connection's update or
    /// close (the connection counts once, at its open).
    NotCounted,
    /// The event lacks something the verdict needs.
    Unjudgeable(Unjudgeable),
}

/// Why a stored event cannot be judged again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unjudgeable {
    /// Attribution `unknown` (or missing): which policies select it is not known.
    PodUnknown,
    /// No body, or an enum value this build does not know.
    Malformed,
    /// A flow whose remote address is missing or not an IP address.
    NoPeer,
    /// A file event whose mount was not known when it was seen: it may not be a root
    /// filesystem write at all.
    MountUnknown,
}

impl Unjudgeable {
    pub fn reason(self) -> &'static str {
        match self {
            Unjudgeable::PodUnknown => "the pod was never identified (attribution unknown)",
            Unjudgeable::Malformed => "the event has no body or a kind this collector does not know",
            Unjudgeable::NoPeer => "the flow has no remote address",
            Unjudgeable::MountUnknown => "the container's mounts were not known when the write was seen",
        }
    }
}

impl Event {
    /// What the verdict function would be asked about this event.
    pub fn judgeable(&self) -> Judgeable<'_> {
        if let Some(Body::Gap(_)) = self.body {
            // The agent's own report of a time it did not observe: nothing was done.
            return Judgeable::NotCounted;
        }
        let pod = self.pod.as_ref();
        let namespace = match pod.map(|p| Attribution::try_from(p.attribution)) {
            Some(Ok(Attribution::Exact | Attribution::Late)) => pod.map_or("", |p| p.namespace.as_str()),
            Some(Ok(Attribution::Host)) => "",
            _ => return Judgeable::Unjudgeable(Unjudgeable::PodUnknown),
        };
        let activity = match self.activity() {
            Ok(Some(a)) => a,
            Ok(None) => return Judgeable::NotCounted,
            Err(e) => return Judgeable::Unjudgeable(e),
        };
        Judgeable::Activity { namespace, pod: pod.filter(|_| !namespace.is_empty()), activity }
    }

    /// Judges this stored event again with `set`, as an agent judges it live: the activity with
    /// the pods at its ends ([`Event::ends`]). `Ok(None)`: not an activity to count.
    pub fn judge_with(&self, set: &PolicySet) -> Result<Option<Judgement>, Unjudgeable> {
        let (namespace, pod, activity) = match self.judgeable() {
            Judgeable::NotCounted => return Ok(None),
            Judgeable::Unjudgeable(why) => return Err(why),
            Judgeable::Activity { namespace, pod, activity } => (namespace, pod, activity),
        };
        // Only a connection has ends, and only its open is judged: the pods are built for it
        // alone (a what-if judges millions of stored events).
        let (remote, local) = match activity {
            Activity::Connection { .. } => self.ends(),
            _ => (None, None),
        };
        Ok(Some(match pod {
            Some(pod) => {
                set.judge(namespace, &pod.labels, &activity.with_ends(remote.as_ref(), local.as_ref()))
            }
            None => set.judge(
                namespace,
                &std::collections::BTreeMap::<String, String>::new(),
                &activity.with_ends(remote.as_ref(), None),
            ),
        }))
    }

    /// The pods at the ends of a stored flow, as selectors see them: the remote pod it names
    /// (`flow.remotePod`), and the event's own pod (its named ports are not stored, so an
    /// ingress port name matches no stored flow). Add them to the activity with
    /// [`Activity::with_ends`].
    pub fn ends(&self) -> (Option<PodIdentity>, Option<PodIdentity>) {
        let Some(Body::Flow(f)) = &self.body else { return (None, None) };
        let labels = |m: &std::collections::BTreeMap<String, String>| {
            SortedLabels::new(m.iter().map(|(k, v)| (k.as_str().into(), v.as_str().into())).collect())
        };
        let remote = f.remote_pod.as_ref().map(|r| PodIdentity {
            namespace: r.namespace.as_str().into(),
            labels: labels(&r.labels),
            namespace_labels: labels(&r.namespace_labels),
            ports: {
                let mut ports: Vec<NamedPort> = r
                    .ports
                    .iter()
                    .filter_map(|n| {
                        let protocol = match flow::Protocol::try_from(n.protocol).ok()? {
                            flow::Protocol::Tcp => Protocol::Tcp,
                            flow::Protocol::Udp => Protocol::Udp,
                            flow::Protocol::Unspecified => return None,
                        };
                        Some(NamedPort {
                            name: n.name.as_str().into(),
                            port: u16::try_from(n.port).ok()?,
                            protocol,
                        })
                    })
                    .collect();
                ports.sort();
                ports.into()
            },
        });
        let local = self.pod.as_ref().filter(|p| !p.namespace.is_empty()).map(|p| PodIdentity {
            namespace: p.namespace.as_str().into(),
            labels: labels(&p.labels),
            namespace_labels: labels(&p.namespace_labels),
            ports: Box::default(),
        });
        (remote, local)
    }

    /// The activity alone (`None`: not one to count).
    fn activity(&self) -> Result<Option<Activity<'_>>, Unjudgeable> {
        match self.body.as_ref().ok_or(Unjudgeable::Malformed)? {
            Body::Exec(_) | Body::Gap(_) => Ok(None),
            Body::Privilege(_) => Ok(Some(Activity::Escalation)),
            Body::Flow(f) => {
                match flow::Phase::try_from(f.phase).map_err(|_| Unjudgeable::Malformed)? {
                    flow::Phase::Open => {}
                    flow::Phase::Update | flow::Phase::Close => return Ok(None),
                    flow::Phase::Unspecified => return Err(Unjudgeable::Malformed),
                }
                let direction = match flow::Direction::try_from(f.direction) {
                    Ok(flow::Direction::Egress) => Direction::Egress,
                    Ok(flow::Direction::Ingress) => Direction::Ingress,
                    _ => return Err(Unjudgeable::Malformed),
                };
                let protocol = match flow::Protocol::try_from(f.protocol) {
                    Ok(flow::Protocol::Tcp) => Protocol::Tcp,
                    Ok(flow::Protocol::Udp) => Protocol::Udp,
                    _ => return Err(Unjudgeable::Malformed),
                };
                let peer: IpAddr = f.remote_ip.parse().map_err(|_| Unjudgeable::NoPeer)?;
                let port = match direction {
                    Direction::Egress => f.remote_port,
                    Direction::Ingress => f.local_port,
                };
                let port = u16::try_from(port).map_err(|_| Unjudgeable::Malformed)?;
                // The pods at either end are the caller's to add ([`Event::ends`]): they are
                // built from the event, and the activity only borrows them.
                Ok(Some(Activity::Connection { direction, peer, port, protocol, remote: None, local: None }))
            }
            Body::File(f) => {
                let operation = file::Operation::try_from(f.operation).map_err(|_| Unjudgeable::Malformed)?;
                if f.mount.is_empty() {
                    return Err(Unjudgeable::MountUnknown);
                }
                Ok(Some(if f.path_unresolved {
                    Activity::RootfsUnresolved
                } else if matches!(
                    operation,
                    file::Operation::Rename | file::Operation::Link | file::Operation::Symlink
                ) && !f.target_path.is_empty()
                {
                    Activity::RootfsTwoEnds { from: &f.path, to: &f.target_path }
                } else {
                    Activity::RootfsWrite { path: &f.path }
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{File, Flow, Privilege};

    fn in_pod(body: Body) -> Event {
        Event {
            pod: Some(Pod {
                namespace: "shop".into(),
                name: "web-0".into(),
                attribution: Attribution::Exact as i32,
                ..Default::default()
            }),
            body: Some(body),
            ..Default::default()
        }
    }

    fn flow(phase: flow::Phase, direction: flow::Direction) -> Flow {
        Flow {
            direction: direction as i32,
            protocol: flow::Protocol::Udp as i32,
            phase: phase as i32,
            local_ip: "10.0.0.2".into(),
            local_port: 40000,
            remote_ip: "10.0.0.9".into(),
            remote_port: 53,
            ..Default::default()
        }
    }

    #[test]
    fn a_connection_is_judged_at_its_open_on_the_pod_side_port_for_ingress() {
        let peer: IpAddr = "10.0.0.9".parse().unwrap();
        let e = in_pod(Body::Flow(flow(flow::Phase::Open, flow::Direction::Egress)));
        let Judgeable::Activity { namespace, activity, .. } = e.judgeable() else { panic!() };
        assert_eq!(namespace, "shop");
        assert_eq!(
            activity,
            Activity::Connection {
                direction: Direction::Egress,
                peer,
                port: 53,
                protocol: Protocol::Udp,
                remote: None,
                local: None
            }
        );
        let e = in_pod(Body::Flow(flow(flow::Phase::Open, flow::Direction::Ingress)));
        let Judgeable::Activity { activity, .. } = e.judgeable() else { panic!() };
        assert!(matches!(activity, Activity::Connection { port: 40000, .. }));
        for phase in [flow::Phase::Update, flow::Phase::Close] {
            let e = in_pod(Body::Flow(flow(phase, flow::Direction::Egress)));
            assert_eq!(e.judgeable(), Judgeable::NotCounted);
        }
        let mut f = flow(flow::Phase::Open, flow::Direction::Egress);
        f.remote_ip.clear();
        assert_eq!(in_pod(Body::Flow(f)).judgeable(), Judgeable::Unjudgeable(Unjudgeable::NoPeer));
    }

    #[test]
    fn a_file_event_is_judged_on_its_flag_and_paths_and_an_unknown_pod_is_not_judged() {
        let file = |path_unresolved, operation: file::Operation| File {
            operation: operation as i32,
            path: "/tmp/../etc/x".into(),
            target_path: "/etc/y".into(),
            mount: "/".into(),
            path_unresolved,
            ..Default::default()
        };
        let activity = |e: &Event| match e.judgeable() {
            Judgeable::Activity { activity, .. } => format!("{activity:?}"),
            other => format!("{other:?}"),
        };
        let e = in_pod(Body::File(file(true, file::Operation::Create)));
        assert_eq!(activity(&e), "RootfsUnresolved");
        let e = in_pod(Body::File(file(false, file::Operation::Rename)));
        assert_eq!(activity(&e), r#"RootfsTwoEnds { from: "/tmp/../etc/x", to: "/etc/y" }"#);
        let mut f = file(false, file::Operation::Create);
        f.mount.clear();
        assert_eq!(in_pod(Body::File(f)).judgeable(), Judgeable::Unjudgeable(Unjudgeable::MountUnknown));

        let mut e = in_pod(Body::Privilege(Privilege::default()));
        assert!(matches!(e.judgeable(), Judgeable::Activity { activity: Activity::Escalation, .. }));
        e.pod.as_mut().unwrap().attribution = Attribution::Unknown as i32;
        assert_eq!(e.judgeable(), Judgeable::Unjudgeable(Unjudgeable::PodUnknown));
        e.pod.as_mut().unwrap().attribution = Attribution::Host as i32;
        assert!(matches!(e.judgeable(), Judgeable::Activity { namespace: "", pod: None, .. }));
    }
}
