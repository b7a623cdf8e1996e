//! What the verdict function judges for an event, decoded once from the kernel record and
//! carried beside the event until it is judged (after attribution, and after a hold if the pod
//! was not known yet). Nothing here is read back from the event's text: the peer address comes
//! from the record's bytes, and a path the kernel could not resolve comes from its flag.

use std::net::IpAddr;

use agent_common::net::{DIR_INGRESS, Flow, IPPROTO_UDP};
use rampart_policy::{
    model::Protocol,
    verdict::{Activity, Direction},
};
use rampart_proto::v1::{Event, event::Body, file::Operation};

use super::build::flow_ip;
use crate::caps::Concern;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Exec,
    Escalation,
    /// A connection with `peer` on the pod-side port for ingress, the remote port for egress.
    Connection {
        direction: Direction,
        peer: IpAddr,
        port: u16,
        protocol: Protocol,
    },
    /// A write to the container's root filesystem at the event's path (and, for a rename, its
    /// target); `unresolved` is the kernel's flag for a path it could not resolve.
    File {
        unresolved: bool,
    },
}

impl Subject {
    /// A flow's connection, from the kernel's flow.
    pub fn connection(f: &Flow) -> Subject {
        let ingress = f.direction == DIR_INGRESS;
        Subject::Connection {
            direction: if ingress { Direction::Ingress } else { Direction::Egress },
            peer: flow_ip(f.family, &f.remote_ip),
            port: if ingress { f.local_port } else { f.remote_port },
            protocol: if f.proto == IPPROTO_UDP { Protocol::Udp } else { Protocol::Tcp },
        }
    }

    /// The concern whose programs acted on it (exec has none).
    pub fn concern(&self) -> Option<Concern> {
        match self {
            Subject::Exec => None,
            Subject::Escalation => Some(Concern::Privilege),
            Subject::Connection { .. } => Some(Concern::Network),
            Subject::File { .. } => Some(Concern::Rootfs),
        }
    }

    /// The activity to judge; a file's paths are the event's.
    pub fn activity<'e>(&self, event: &'e Event) -> Activity<'e> {
        match *self {
            Subject::Exec => Activity::Exec,
            Subject::Escalation => Activity::Escalation,
            Subject::Connection { direction, peer, port, protocol } => {
                Activity::Connection { direction, peer, port, protocol }
            }
            Subject::File { unresolved: true } => Activity::RootfsUnresolved,
            Subject::File { unresolved: false } => match &event.body {
                Some(Body::File(f))
                    if f.operation == Operation::Rename as i32 && !f.target_path.is_empty() =>
                {
                    Activity::RootfsRename { from: &f.path, to: &f.target_path }
                }
                Some(Body::File(f)) => Activity::RootfsWrite { path: &f.path },
                // A file subject always rides with a file event.
                _ => Activity::RootfsUnresolved,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_is_judged_on_the_records_address_and_the_pod_side_port() {
        // SAFETY: a zeroed flow is valid plain data.
        let mut f: Flow = unsafe { std::mem::zeroed() };
        f.family = 4;
        f.remote_ip[..4].copy_from_slice(&[10, 1, 2, 3]);
        f.remote_port = 5432;
        f.local_port = 40000;
        f.proto = IPPROTO_UDP;
        let s = Subject::connection(&f);
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(
            s,
            Subject::Connection { direction: Direction::Egress, peer, port: 5432, protocol: Protocol::Udp }
        );
        f.direction = DIR_INGRESS;
        assert!(matches!(Subject::connection(&f), Subject::Connection { port: 40000, .. }));
    }
}
