//! A network flow as the cgroup programs saw it: an open (or a refused attempt), an update, a
//! close, or a summary of repeated refusals.

use std::net::IpAddr;

use rampart_policy::{Activity, Direction, PodIdentity, Protocol};

use crate::v1::{self, flow::Phase};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// Seen from the pod.
    pub direction: Direction,
    pub protocol: Protocol,
    pub phase: Phase,
    /// The pod's address; `None` before the socket had one (a refused connect).
    pub local_ip: Option<IpAddr>,
    pub local_port: u16,
    pub remote_ip: IpAddr,
    pub remote_port: u16,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub packets_sent: u64,
    pub packets_received: u64,
    /// TCP only.
    pub tcp_state: Option<TcpState>,
    pub socket_cookie: u64,
    /// The pod at the remote address, when the judge knows one there.
    pub remote_pod: Option<RemotePod>,
}

/// A pod at the other end of a flow: its name and what selectors see of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemotePod {
    pub name: Box<str>,
    pub identity: std::sync::Arc<PodIdentity>,
}

impl Flow {
    /// A connection with the peer, on the pod-side port for ingress and the remote port for
    /// egress, with the remote pod when it is known (the judged pod itself is the judge's to
    /// fill in).
    pub fn activity(&self) -> Activity<'_> {
        let port = match self.direction {
            Direction::Ingress => self.local_port,
            Direction::Egress => self.remote_port,
        };
        Activity::Connection {
            direction: self.direction,
            peer: self.remote_ip,
            port,
            protocol: self.protocol,
            remote: self.remote_pod.as_ref().map(|p| &*p.identity),
            local: None,
        }
    }
}

/// `TCP_*` states (`include/net/tcp_states.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    Established = 1,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
}

impl TcpState {
    const ALL: [TcpState; 12] = [
        TcpState::Established,
        TcpState::SynSent,
        TcpState::SynRecv,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::TimeWait,
        TcpState::Close,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::Listen,
        TcpState::Closing,
        TcpState::NewSynRecv,
    ];

    /// The state of the kernel's `sk_state` value, if it is one.
    pub fn from_kernel(state: u8) -> Option<TcpState> {
        TcpState::ALL.into_iter().find(|s| *s as u8 == state)
    }

    pub fn name(self) -> &'static str {
        match self {
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::FinWait1 => "FIN_WAIT1",
            TcpState::FinWait2 => "FIN_WAIT2",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::Listen => "LISTEN",
            TcpState::Closing => "CLOSING",
            TcpState::NewSynRecv => "NEW_SYN_RECV",
        }
    }
}

impl From<Flow> for v1::Flow {
    fn from(f: Flow) -> Self {
        v1::Flow {
            direction: match f.direction {
                Direction::Ingress => v1::flow::Direction::Ingress,
                Direction::Egress => v1::flow::Direction::Egress,
            } as i32,
            protocol: protocol(f.protocol) as i32,
            phase: f.phase as i32,
            local_ip: f.local_ip.map(|ip| ip.to_string()).unwrap_or_default(),
            local_port: u32::from(f.local_port),
            remote_ip: f.remote_ip.to_string(),
            remote_port: u32::from(f.remote_port),
            bytes_sent: f.bytes_sent,
            bytes_received: f.bytes_received,
            packets_sent: f.packets_sent,
            packets_received: f.packets_received,
            tcp_state: f.tcp_state.map(|s| s.name().to_owned()).unwrap_or_default(),
            socket_cookie: f.socket_cookie,
            remote_pod: f.remote_pod.map(Into::into),
        }
    }
}

fn protocol(p: Protocol) -> v1::flow::Protocol {
    match p {
        Protocol::Udp => v1::flow::Protocol::Udp,
        Protocol::Tcp => v1::flow::Protocol::Tcp,
    }
}

impl From<RemotePod> for v1::RemotePod {
    fn from(p: RemotePod) -> Self {
        let id = &p.identity;
        let map =
            |l: &rampart_policy::SortedLabels| l.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        v1::RemotePod {
            namespace: id.namespace.to_string(),
            name: p.name.into(),
            labels: map(&id.labels),
            namespace_labels: map(&id.namespace_labels),
            ports: id
                .ports
                .iter()
                .map(|n| v1::NamedPort {
                    name: n.name.to_string(),
                    port: u32::from(n.port),
                    protocol: protocol(n.protocol) as i32,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_states_by_the_kernels_numbers() {
        assert_eq!(TcpState::from_kernel(1), Some(TcpState::Established));
        assert_eq!(TcpState::from_kernel(12), Some(TcpState::NewSynRecv));
        assert_eq!(TcpState::from_kernel(0), None);
        assert_eq!(TcpState::from_kernel(13), None);
        assert_eq!(TcpState::from_kernel(7).map(TcpState::name), Some("CLOSE"));
    }
}
