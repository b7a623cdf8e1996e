//! Refused connection attempts, summarised. The kernel records the first refusal of each
//! (pod, peer, port, protocol, direction) and only counts the rest in the `DENIES` map; here the
//! growth of each count becomes one summary event per tick, and keys idle for a while are
//! forgotten, so a pod hammering a denied port costs one event per second, not one per attempt.

use std::{collections::HashMap, time::Duration};

use agent_common::net::{DENIES_MAP, DenyCount, DenyKey, FLOW_RESTRICTED, Flow};
use aya::{
    Ebpf,
    maps::{HashMap as BpfHashMap, MapData},
};

/// Keys untouched this long, with everything reported, are removed.
const IDLE: Duration = Duration::from_secs(60);

pub struct DenySummaries {
    map: BpfHashMap<MapData, DenyKey, DenyCount>,
    reported: HashMap<DenyKey, u64>,
}

/// One summary: the attempts since the last one.
pub struct Summary {
    pub flow: Flow,
    pub attempts: u64,
    pub last_ns: u64,
}

impl DenySummaries {
    pub fn new(ebpf: &mut Ebpf) -> Option<Self> {
        let map = BpfHashMap::try_from(ebpf.take_map(DENIES_MAP)?).ok()?;
        Some(DenySummaries { map, reported: HashMap::new() })
    }

    /// Summaries of the attempts counted since the last scan; `now_ns` is CLOCK_BOOTTIME.
    pub fn scan(&mut self, now_ns: u64) -> Vec<Summary> {
        let mut out = Vec::new();
        let mut idle = Vec::new();
        for (key, count) in self.map.iter().flatten() {
            let seen = self.reported.entry(key).or_insert(0);
            if count.count > *seen {
                out.push(Summary {
                    flow: flow_of(&key, &count),
                    attempts: count.count - *seen,
                    last_ns: count.last_ns,
                });
                *seen = count.count;
            } else if now_ns.saturating_sub(count.last_ns) > IDLE.as_nanos() as u64 {
                idle.push(key);
            }
        }
        for key in idle {
            let _ = self.map.remove(&key);
            self.reported.remove(&key);
        }
        out
    }
}

fn flow_of(key: &DenyKey, count: &DenyCount) -> Flow {
    Flow {
        cgroup_id: key.cgroup_id,
        opened_ns: count.last_ns,
        last_report_ns: count.last_ns,
        bytes_sent: 0,
        bytes_received: 0,
        packets_sent: 0,
        packets_received: 0,
        pid: count.pid,
        local_port: 0,
        remote_port: key.remote_port,
        local_ip: [0; 16],
        remote_ip: key.remote_ip,
        family: key.family,
        proto: key.proto,
        direction: key.direction,
        action: count.action,
        flags: FLOW_RESTRICTED,
        _pad: [0; 3],
        comm: count.comm,
    }
}
