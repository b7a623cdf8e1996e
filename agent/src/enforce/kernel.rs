//! What the kernel enforces per pod: the maps the programs read, kept equal to what the policies
//! say about the pods on this node — each pod's `PODS` entry (network rule sets, privilege
//! flags and allowed ids) and the network rule sets themselves.
//!
//! Constraints: programs are attached once (cgroup v2 root); everything per pod is a map entry.
//! A change must never leave a pod unprotected or judged against a half-written rule set, so a
//! rule set (one direction of one combination of policies, compiled by
//! `rampart_policy::compile`) is written in full under a fresh id before any `PODS` entry points
//! at it, entries are flipped one map update each, and a set is deleted only once nothing points
//! at it. Identical compiled sets are shared between pods.
//!
//! Rules between groups of pods: every pod address the agent knows maps to the number of its
//! identity (`IDENTITY4`/`IDENTITY6`), and each rule set holds, per identity its pod peers
//! select, the ports allowed (`PEER_RULES`). An identity's entries in every set are written
//! before any address points at it, and deleted only after no address does; so a pod that
//! appears, moves or changes labels flips one address entry, and no connection is ever judged
//! against a half-known pod.
//!
//! Maps adopted from an earlier agent (`--pin-dir`) keep enforcing what they say while this
//! agent writes its own state beside it, under numbers above any found
//! ([`KernelPolicy::number_after_adopted`]); once every pod is known, what this agent did not
//! write is removed ([`KernelPolicy::prune_adopted`]).

use std::{
    collections::{HashMap, HashSet},
    net::IpAddr,
    time::Duration,
};

use agent_common::net::{
    self, ALLOWED_IDS, ANY_TCP, ANY_UDP, CIDR4_MAP, CIDR6_MAP, Cidr4Key, Cidr6Key, EGRESS_AUDIT,
    EGRESS_PEERS, EGRESS_RESTRICTED, IDENTITY4_MAP, IDENTITY6_MAP, INGRESS_AUDIT, INGRESS_PEERS,
    INGRESS_RESTRICTED, KUBEPODS_MAP, PEER_RULES_MAP, POD_CIDR4_MAP, POD_CIDR6_MAP, PODS_MAP, PORT_RANGES,
    PRIV_AUDIT, PRIV_DENY, PRIV_GID_LIST, PRIV_UID_LIST, PeerRuleKey, PodPolicy, PortRange, RUNTIME_MAP,
    RuntimeConfig, SET_BITS,
};
use aya::{
    Ebpf,
    maps::{
        Array, HashMap as BpfHashMap, MapData, MapError,
        lpm_trie::{Key, LpmTrie},
    },
};
use rampart_policy::{
    PolicySet,
    compile::{
        CompiledNetwork, CompiledPrivilege, CompiledRootfs, PortSet, compile_network, compile_privilege,
        compile_rootfs,
    },
    model::{Mode, Protocol},
    verdict::{Action, Direction},
    {NamedPort, PodIdentity},
};
use std::sync::Arc;

use agent_common::rootfs::{
    HELD_MAP, MNTNS_MAP, MOUNTS_MAP, PathKey, ROOTFS_ALLOW_MAP, ROOTFS_AUDIT, ROOTFS_READONLY,
    SYSCALL_OPS_MAP,
};

use super::mounts::{MountTables, Resumed, path_key};
use crate::attribution::Attributor;

/// How long the kernel may hold a container's exec after the agent's last renewal: an agent
/// that stops renewing (gone, or stuck) holds no new exec for longer than this.
const HOLD_LEASE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum KernelPolicyError {
    #[error("map {0} is missing from the kernel object")]
    NoMap(&'static str),
    #[error("map {name}: {source}")]
    Map { name: &'static str, source: MapError },
}

/// How the network concern behaves where policies are silent.
#[derive(Clone, Debug)]
pub struct NetworkOptions {
    /// Deny the traffic of a pod whose Pod object (hence policy) is not known yet.
    pub fail_closed: bool,
    /// Interval of a long-lived flow's update records.
    pub flow_interval: Duration,
    /// The cluster's pod address ranges: an address in them that is no pod the agent knows is
    /// an unknown peer.
    pub pod_cidrs: Vec<rampart_policy::Cidr>,
    /// Let a connection with an unknown peer through where a rule set has pod peers.
    pub unknown_peer_allow: bool,
}

/// What the policies selecting one pod compile to.
#[derive(Clone)]
struct Compiled {
    egress: Option<CompiledNetwork>,
    ingress: Option<CompiledNetwork>,
    privilege: Option<CompiledPrivilege>,
    rootfs: Option<CompiledRootfs>,
}

/// The privilege part of a pod's entry.
fn privilege_entry(pod: &mut PodPolicy, p: &CompiledPrivilege) {
    pod.flags |= match p.escalation {
        Action::Deny => PRIV_DENY,
        Action::Audit => PRIV_AUDIT,
        Action::Allow => 0,
    };
    // The policy crate refuses lists longer than the kernel holds.
    if let Some(uids) = &p.allowed_uids {
        pod.flags |= PRIV_UID_LIST;
        for (slot, id) in pod.allowed_uids.iter_mut().zip(uids.iter().take(ALLOWED_IDS)) {
            *slot = *id;
        }
    }
    if let Some(gids) = &p.allowed_gids {
        pod.flags |= PRIV_GID_LIST;
        for (slot, id) in pod.allowed_gids.iter_mut().zip(gids.iter().take(ALLOWED_IDS)) {
            *slot = *id;
        }
    }
}

/// One written rule set.
struct SetEntry {
    id: u32,
    keys4: Vec<Key<Cidr4Key>>,
    keys6: Vec<Key<Cidr6Key>>,
    /// Identities with a `PEER_RULES` entry in this set.
    identities: HashSet<u32>,
}

/// What one sync changed.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub sets_added: usize,
    pub sets_removed: usize,
    pub entries_written: usize,
    pub entries_removed: usize,
    /// Pod addresses written (new, or pointing at another identity) and removed.
    pub addresses_written: usize,
    pub addresses_removed: usize,
    /// Rule sets the kernel cannot hold exactly (reported; enforced as close as it can).
    pub errors: Vec<String>,
}

pub struct KernelPolicy {
    kubepods: BpfHashMap<MapData, u64, u32>,
    pods: BpfHashMap<MapData, u64, PodPolicy>,
    cidr4: LpmTrie<MapData, Cidr4Key, net::PortSet>,
    cidr6: LpmTrie<MapData, Cidr6Key, net::PortSet>,
    netcfg: Array<MapData, RuntimeConfig>,
    options: NetworkOptions,
    config: RuntimeConfig,
    written_roots: HashMap<u64, u32>,
    written_pods: HashMap<u64, PodPolicy>,
    sets: HashMap<CompiledNetwork, SetEntry>,
    identity4: BpfHashMap<MapData, [u8; 4], u32>,
    identity6: BpfHashMap<MapData, [u8; 16], u32>,
    peer_rules: BpfHashMap<MapData, PeerRuleKey, net::PortSet>,
    /// Identities in the kernel: number, and how many written addresses point at each.
    identities: HashMap<Arc<PodIdentity>, (u32, usize)>,
    /// Written addresses → identity number.
    written_addresses: HashMap<IpAddr, (u32, Arc<PodIdentity>)>,
    next_identity: u32,
    rootfs_allow: LpmTrie<MapData, PathKey, u32>,
    /// Written `allowWrite` prefix sets, by their (sorted) prefixes.
    rootfs_sets: HashMap<Vec<String>, (u32, Vec<Key<PathKey>>)>,
    mounts: MountTables,
    next_set: u32,
}

fn take<T>(ebpf: &mut Ebpf, name: &'static str) -> Result<T, KernelPolicyError>
where
    T: TryFrom<aya::maps::Map, Error = MapError>,
{
    let map = ebpf.take_map(name).ok_or(KernelPolicyError::NoMap(name))?;
    T::try_from(map).map_err(|source| KernelPolicyError::Map { name, source })
}

fn map_err(name: &'static str) -> impl Fn(MapError) -> KernelPolicyError {
    move |source| KernelPolicyError::Map { name, source }
}

impl KernelPolicy {
    pub fn new(ebpf: &mut Ebpf, options: NetworkOptions) -> Result<Self, KernelPolicyError> {
        let root_dev = super::mounts::host_root_dev();
        let mut e = KernelPolicy {
            kubepods: take(ebpf, KUBEPODS_MAP)?,
            pods: take(ebpf, PODS_MAP)?,
            cidr4: take(ebpf, CIDR4_MAP)?,
            cidr6: take(ebpf, CIDR6_MAP)?,
            netcfg: take(ebpf, RUNTIME_MAP)?,
            options: options.clone(),
            config: RuntimeConfig {
                kubepods_level: 0,
                fail_closed: u32::from(options.fail_closed),
                flow_interval_ns: options.flow_interval.as_nanos() as u64,
                unknown_peer_allow: u32::from(options.unknown_peer_allow),
                host_root_dev: root_dev,
                hold_until_ns: 0,
            },
            written_roots: HashMap::new(),
            written_pods: HashMap::new(),
            sets: HashMap::new(),
            identity4: take(ebpf, IDENTITY4_MAP)?,
            identity6: take(ebpf, IDENTITY6_MAP)?,
            peer_rules: take(ebpf, PEER_RULES_MAP)?,
            identities: HashMap::new(),
            written_addresses: HashMap::new(),
            next_identity: 1,
            rootfs_allow: take(ebpf, ROOTFS_ALLOW_MAP)?,
            rootfs_sets: HashMap::new(),
            mounts: MountTables::new(
                take(ebpf, MOUNTS_MAP)?,
                take(ebpf, MNTNS_MAP)?,
                take(ebpf, HELD_MAP)?,
                root_dev,
            ),
            next_set: 1,
        };
        // Borrowed, not taken: programs not loaded yet still need the map's descriptor.
        let mut ops: BpfHashMap<&mut MapData, u32, u32> = ebpf
            .map_mut(SYSCALL_OPS_MAP)
            .ok_or(KernelPolicyError::NoMap(SYSCALL_OPS_MAP))?
            .try_into()
            .map_err(map_err(SYSCALL_OPS_MAP))?;
        for (nr, op) in crate::loader::rootfs_syscall_ops() {
            ops.insert(nr, op, 0).map_err(map_err(SYSCALL_OPS_MAP))?;
        }
        let mut pod4: LpmTrie<&mut MapData, [u8; 4], u32> = ebpf
            .map_mut(POD_CIDR4_MAP)
            .ok_or(KernelPolicyError::NoMap(POD_CIDR4_MAP))?
            .try_into()
            .map_err(map_err(POD_CIDR4_MAP))?;
        let mut want4 = HashSet::new();
        for c in options.pod_cidrs.iter() {
            if let IpAddr::V4(a) = c.addr() {
                let key = Key::new(u32::from(c.prefix_len()), a.octets());
                pod4.insert(&key, 1, 0).map_err(map_err(POD_CIDR4_MAP))?;
                want4.insert((key.prefix_len(), a.octets()));
            }
        }
        // Adopted maps may name ranges an earlier agent was given.
        let found: Vec<_> = pod4.keys().flatten().collect();
        remove_unless(found, |k| want4.contains(&(k.prefix_len(), k.data())), |k| pod4.remove(k).is_ok());
        let mut pod6: LpmTrie<&mut MapData, [u8; 16], u32> = ebpf
            .map_mut(POD_CIDR6_MAP)
            .ok_or(KernelPolicyError::NoMap(POD_CIDR6_MAP))?
            .try_into()
            .map_err(map_err(POD_CIDR6_MAP))?;
        let mut want6 = HashSet::new();
        for c in options.pod_cidrs.iter() {
            if let IpAddr::V6(a) = c.addr() {
                let key = Key::new(u32::from(c.prefix_len()), a.octets());
                pod6.insert(&key, 1, 0).map_err(map_err(POD_CIDR6_MAP))?;
                want6.insert((key.prefix_len(), a.octets()));
            }
        }
        let found: Vec<_> = pod6.keys().flatten().collect();
        remove_unless(found, |k| want6.contains(&(k.prefix_len(), k.data())), |k| pod6.remove(k).is_ok());
        e.write_config()?;
        Ok(e)
    }

    pub fn options(&self) -> &NetworkOptions {
        &self.options
    }

    fn write_config(&mut self) -> Result<(), KernelPolicyError> {
        self.netcfg.set(0, self.config, 0).map_err(map_err(RUNTIME_MAP))
    }

    /// Make the maps say what the policies say about every known pod cgroup.
    pub fn sync(
        &mut self,
        attributor: &Attributor,
        policies: &PolicySet,
    ) -> Result<SyncReport, KernelPolicyError> {
        let mut report = SyncReport::default();

        // Desired entries, compiling each distinct combination of policies (and, for ingress
        // port names, of the pod's own named ports) once.
        let mut compiled: HashMap<(Vec<String>, Box<[NamedPort]>), Compiled> = HashMap::new();
        let mut desired: HashMap<u64, Compiled> = HashMap::new();
        for (cgroup, pod) in attributor.known_pod_cgroups() {
            let selecting = policies.selecting(&pod.namespace, &**pod);
            let key: Vec<String> = selecting.iter().map(|p| p.key()).collect();
            let c = compiled
                .entry((key, pod.ports.clone()))
                .or_insert_with(|| {
                    let local = attributor.identity_of(pod);
                    Compiled {
                        egress: compile_network(&selecting, Direction::Egress, Some(&local)),
                        ingress: compile_network(&selecting, Direction::Ingress, Some(&local)),
                        privilege: compile_privilege(&selecting),
                        rootfs: compile_rootfs(&selecting),
                    }
                })
                .clone();
            desired.insert(cgroup, c);
        }

        // Identities of the pods now known: each one's entries exist in every written set
        // before an address points at it.
        let peers = attributor.peers();
        let mut wanted: HashMap<IpAddr, Arc<PodIdentity>> = HashMap::with_capacity(peers.addresses());
        for (ip, peer) in peers.iter() {
            wanted.insert(ip, Arc::clone(&peer.identity));
            if !self.identities.contains_key(&peer.identity) {
                self.add_identity(&peer.identity, &mut report.errors)?;
            }
        }

        // Rule sets first: everything an entry will point at exists before it does.
        let mut used: HashSet<u32> = HashSet::new();
        let mut used_rootfs: HashSet<u32> = HashSet::new();
        let mut entries: HashMap<u64, PodPolicy> = HashMap::with_capacity(desired.len());
        for (cgroup, c) in &desired {
            let mut pod = PodPolicy::default();
            if let Some(c) = &c.egress {
                pod.egress_set = self.ensure_set(c, &mut report)?;
                used.insert(pod.egress_set);
                pod.flags |= EGRESS_RESTRICTED;
                if c.mode == Mode::Audit {
                    pod.flags |= EGRESS_AUDIT;
                }
                if !c.peers.is_empty() {
                    pod.flags |= EGRESS_PEERS;
                }
            }
            if let Some(c) = &c.ingress {
                pod.ingress_set = self.ensure_set(c, &mut report)?;
                used.insert(pod.ingress_set);
                pod.flags |= INGRESS_RESTRICTED;
                if c.mode == Mode::Audit {
                    pod.flags |= INGRESS_AUDIT;
                }
                if !c.peers.is_empty() {
                    pod.flags |= INGRESS_PEERS;
                }
            }
            if let Some(p) = &c.privilege {
                privilege_entry(&mut pod, p);
            }
            if let Some(r) = &c.rootfs {
                pod.rootfs_set = self.ensure_rootfs_set(&r.allow_write, &mut report)?;
                used_rootfs.insert(pod.rootfs_set);
                pod.flags |= ROOTFS_READONLY;
                if r.outside == Action::Audit {
                    pod.flags |= ROOTFS_AUDIT;
                }
            }
            entries.insert(*cgroup, pod);
        }

        // Flip entries (one update each), then drop those of gone pods.
        for (cgroup, pod) in &entries {
            if self.written_pods.get(cgroup) != Some(pod) {
                self.pods.insert(cgroup, pod, 0).map_err(map_err(PODS_MAP))?;
                self.written_pods.insert(*cgroup, *pod);
                report.entries_written += 1;
            }
        }
        let gone: Vec<u64> = self.written_pods.keys().filter(|c| !entries.contains_key(c)).copied().collect();
        for cgroup in gone {
            // Already gone from the kernel when its cgroup was removed: not an error.
            let _ = self.pods.remove(&cgroup);
            self.written_pods.remove(&cgroup);
            report.entries_removed += 1;
        }

        self.sync_addresses(wanted, &mut report)?;

        // Kubepods roots last: a pod's entries exist before its tasks stop counting as host.
        self.sync_roots(attributor)?;

        // Containers whose root filesystem is judged by path string need their mount table.
        for (cgroup, pod) in &entries {
            if pod.flags & ROOTFS_READONLY != 0
                && let Some(dir) = attributor.cgroup_dir(*cgroup)
            {
                self.mounts.learn(&dir, &mut Vec::new());
            }
        }
        let stale_rootfs: Vec<Vec<String>> = self
            .rootfs_sets
            .iter()
            .filter(|(_, (id, _))| !used_rootfs.contains(id))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale_rootfs {
            if let Some((_, keys)) = self.rootfs_sets.remove(&k) {
                for key in &keys {
                    let _ = self.rootfs_allow.remove(key);
                }
                report.sets_removed += 1;
            }
        }

        // Sets nothing points at any more.
        let stale: Vec<CompiledNetwork> =
            self.sets.iter().filter(|(_, s)| !used.contains(&s.id)).map(|(c, _)| c.clone()).collect();
        for c in stale {
            if let Some(set) = self.sets.remove(&c) {
                for k in &set.keys4 {
                    let _ = self.cidr4.remove(k);
                }
                for k in &set.keys6 {
                    let _ = self.cidr6.remove(k);
                }
                for identity in &set.identities {
                    let _ = self.peer_rules.remove(&PeerRuleKey { set: set.id, identity: *identity });
                }
                report.sets_removed += 1;
            }
        }
        Ok(report)
    }

    fn sync_roots(&mut self, attributor: &Attributor) -> Result<(), KernelPolicyError> {
        let roots: HashMap<u64, u32> = attributor.kubepods_roots().collect();
        for (id, depth) in &roots {
            if self.written_roots.get(id) != Some(depth) {
                self.kubepods.insert(id, depth, 0).map_err(map_err(KUBEPODS_MAP))?;
                self.written_roots.insert(*id, *depth);
            }
        }
        let gone: Vec<u64> =
            self.written_roots.keys().filter(|id| !roots.contains_key(id)).copied().collect();
        for id in gone {
            let _ = self.kubepods.remove(&id);
            self.written_roots.remove(&id);
        }
        // Programs look at one depth; kubelet uses one cgroup root per node.
        let level = roots.values().copied().min().unwrap_or(0);
        if level != self.config.kubepods_level {
            self.config.kubepods_level = level;
            self.write_config()?;
        }
        Ok(())
    }

    /// The id of the `allowWrite` prefix set, writing it first if it is new.
    fn ensure_rootfs_set(
        &mut self,
        prefixes: &[String],
        report: &mut SyncReport,
    ) -> Result<u32, KernelPolicyError> {
        if let Some((id, _)) = self.rootfs_sets.get(prefixes) {
            return Ok(*id);
        }
        let id = self.next_set;
        self.next_set = self.next_set.wrapping_add(1).max(1);
        let mut keys = Vec::new();
        for p in prefixes {
            match path_key(id, p) {
                Some(key) => {
                    self.rootfs_allow.insert(&key, 1, 0).map_err(map_err(ROOTFS_ALLOW_MAP))?;
                    keys.push(key);
                }
                None => report.errors.push(format!("allowWrite {p}: longer than the kernel judges; ignored")),
            }
        }
        self.rootfs_sets.insert(prefixes.to_vec(), (id, keys));
        report.sets_added += 1;
        Ok(id)
    }

    /// Learn the mount tables of containers whose root filesystem is judged and that started
    /// since the last sync; forget those that ended. With `hold` (the tier judges path strings
    /// by these tables), renew the lease under which the kernel holds a container's exec until
    /// its table is known, and release the processes it holds.
    pub fn refresh_mounts(
        &mut self,
        attributor: &Attributor,
        hold: bool,
    ) -> Result<Resumed, KernelPolicyError> {
        let judged =
            self.written_pods.iter().filter(|(_, p)| p.flags & ROOTFS_READONLY != 0).map(|(c, _)| *c);
        self.mounts.learn_containers(judged, |c| attributor.cgroup_dir(c));
        self.mounts.forget_dead();
        let until = if hold { crate::events::build::boot_ns() + HOLD_LEASE.as_nanos() as u64 } else { 0 };
        if until != self.config.hold_until_ns {
            self.config.hold_until_ns = until;
            self.write_config()?;
        }
        Ok(self.mounts.resume_held())
    }

    /// Release the processes the kernel holds at exec, learning their mount tables first.
    pub fn resume_held(&mut self) -> Resumed {
        self.mounts.resume_held()
    }

    /// Hold nobody from now on, and release whoever is held (the agent is stopping).
    pub fn stop_holding(&mut self) -> Resumed {
        self.config.hold_until_ns = 0;
        let _ = self.write_config();
        self.mounts.resume_held()
    }

    /// Container mount tables known.
    pub fn mount_tables(&self) -> usize {
        self.mounts.len()
    }

    /// The id of `c`'s rule set, writing it first if it is new.
    fn ensure_set(&mut self, c: &CompiledNetwork, report: &mut SyncReport) -> Result<u32, KernelPolicyError> {
        if let Some(s) = self.sets.get(c) {
            return Ok(s.id);
        }
        let id = self.next_set;
        self.next_set = self.next_set.wrapping_add(1).max(1);
        let mut set = SetEntry { id, keys4: Vec::new(), keys6: Vec::new(), identities: HashSet::new() };
        if !c.peers.is_empty() {
            for (identity, (number, _)) in &self.identities {
                let ports = c.peers.ports_for(identity);
                if ports.is_empty() {
                    continue;
                }
                let value =
                    kernel_ports(&ports, &format!("pods of {}", identity.namespace), &mut report.errors);
                let key = PeerRuleKey { set: id, identity: *number };
                self.peer_rules.insert(key, value, 0).map_err(map_err(PEER_RULES_MAP))?;
                set.identities.insert(*number);
            }
        }
        for (cidr, ports) in &c.prefixes {
            let value = kernel_ports(ports, &cidr.to_string(), &mut report.errors);
            match cidr.addr() {
                IpAddr::V4(a) => {
                    let key = Key::new(
                        SET_BITS + u32::from(cidr.prefix_len()),
                        Cidr4Key { set: id, addr: a.octets() },
                    );
                    self.cidr4.insert(&key, value, 0).map_err(map_err(CIDR4_MAP))?;
                    set.keys4.push(key);
                }
                IpAddr::V6(a) => {
                    let key = Key::new(
                        SET_BITS + u32::from(cidr.prefix_len()),
                        Cidr6Key { set: id, addr: a.octets() },
                    );
                    self.cidr6.insert(&key, value, 0).map_err(map_err(CIDR6_MAP))?;
                    set.keys6.push(key);
                }
            }
        }
        self.sets.insert(c.clone(), set);
        report.sets_added += 1;
        Ok(id)
    }

    /// Give `identity` a number and write its entries in every rule set whose pod peers select
    /// it.
    fn add_identity(
        &mut self,
        identity: &Arc<PodIdentity>,
        errors: &mut Vec<String>,
    ) -> Result<(), KernelPolicyError> {
        let number = self.next_identity;
        self.next_identity = self.next_identity.wrapping_add(1).max(1);
        for (c, set) in &mut self.sets {
            if c.peers.is_empty() {
                continue;
            }
            let ports = c.peers.ports_for(identity);
            if ports.is_empty() {
                continue;
            }
            let value = kernel_ports(&ports, &format!("pods of {}", identity.namespace), errors);
            let key = PeerRuleKey { set: set.id, identity: number };
            self.peer_rules.insert(key, value, 0).map_err(map_err(PEER_RULES_MAP))?;
            set.identities.insert(number);
        }
        self.identities.insert(Arc::clone(identity), (number, 0));
        Ok(())
    }

    /// Point every wanted address at its identity (one map update each), remove the addresses
    /// no longer wanted, then the identities no address points at.
    fn sync_addresses(
        &mut self,
        wanted: HashMap<IpAddr, Arc<PodIdentity>>,
        report: &mut SyncReport,
    ) -> Result<(), KernelPolicyError> {
        for (ip, identity) in &wanted {
            let Some(&(number, _)) = self.identities.get(identity) else { continue };
            if self.written_addresses.get(ip).is_some_and(|(n, _)| *n == number) {
                continue;
            }
            match ip {
                IpAddr::V4(a) => {
                    self.identity4.insert(a.octets(), number, 0).map_err(map_err(IDENTITY4_MAP))?
                }
                IpAddr::V6(a) => {
                    self.identity6.insert(a.octets(), number, 0).map_err(map_err(IDENTITY6_MAP))?
                }
            }
            if let Some((_, old)) = self.written_addresses.insert(*ip, (number, Arc::clone(identity))) {
                self.release_identity(&old);
            }
            if let Some(entry) = self.identities.get_mut(identity) {
                entry.1 += 1;
            }
            report.addresses_written += 1;
        }
        let gone: Vec<IpAddr> =
            self.written_addresses.keys().filter(|ip| !wanted.contains_key(ip)).copied().collect();
        for ip in gone {
            let _ = match ip {
                IpAddr::V4(a) => self.identity4.remove(&a.octets()),
                IpAddr::V6(a) => self.identity6.remove(&a.octets()),
            };
            if let Some((_, old)) = self.written_addresses.remove(&ip) {
                self.release_identity(&old);
            }
            report.addresses_removed += 1;
        }
        // Identities never pointed at (added for an address that lost a conflict) go too.
        let unused: Vec<Arc<PodIdentity>> =
            self.identities.iter().filter(|(_, (_, refs))| *refs == 0).map(|(i, _)| Arc::clone(i)).collect();
        for identity in unused {
            self.forget_identity(&identity);
        }
        Ok(())
    }

    fn release_identity(&mut self, identity: &Arc<PodIdentity>) {
        if let Some(entry) = self.identities.get_mut(identity) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    fn forget_identity(&mut self, identity: &Arc<PodIdentity>) {
        let Some((number, _)) = self.identities.remove(identity) else { return };
        for set in self.sets.values_mut() {
            if set.identities.remove(&number) {
                let _ = self.peer_rules.remove(&PeerRuleKey { set: set.id, identity: number });
            }
        }
    }

    /// The maps were adopted from an earlier agent (`--pin-dir`): this agent's rule sets and
    /// identities are numbered above every one found in them, so nothing it writes mixes with
    /// what it found, and what it found stays in force until [`Self::prune_adopted`].
    pub fn number_after_adopted(&mut self) {
        let (mut sets, mut identities) = (0_u32, 0_u32);
        for k in self.cidr4.keys().flatten() {
            sets = sets.max(k.data().set);
        }
        for k in self.cidr6.keys().flatten() {
            sets = sets.max(k.data().set);
        }
        for k in self.rootfs_allow.keys().flatten() {
            sets = sets.max(k.data().set);
        }
        for k in self.peer_rules.keys().flatten() {
            sets = sets.max(k.set);
            identities = identities.max(k.identity);
        }
        for (_, p) in self.pods.iter().flatten() {
            sets = sets.max(p.egress_set).max(p.ingress_set).max(p.rootfs_set);
        }
        for (_, n) in self.identity4.iter().flatten() {
            identities = identities.max(n);
        }
        for (_, n) in self.identity6.iter().flatten() {
            identities = identities.max(n);
        }
        self.next_set = sets.wrapping_add(1).max(1);
        self.next_identity = identities.wrapping_add(1).max(1);
    }

    /// Removes what adopted maps hold that this agent did not write: pods, rule sets,
    /// addresses and identities of the earlier agent's view. Called once this agent knows
    /// every pod (its sources have listed), so no pod loses its entry in between. Returns the
    /// entries removed.
    pub fn prune_adopted(&mut self) -> usize {
        let keys4: HashSet<(u32, Cidr4Key)> =
            self.sets.values().flat_map(|s| s.keys4.iter().map(|k| (k.prefix_len(), k.data()))).collect();
        let keys6: HashSet<(u32, Cidr6Key)> =
            self.sets.values().flat_map(|s| s.keys6.iter().map(|k| (k.prefix_len(), k.data()))).collect();
        let rules: HashSet<(u32, u32)> =
            self.sets.values().flat_map(|s| s.identities.iter().map(move |i| (s.id, *i))).collect();
        let paths: HashSet<(u32, PathKey)> = self
            .rootfs_sets
            .values()
            .flat_map(|(_, keys)| keys.iter().map(|k| (k.prefix_len(), k.data())))
            .collect();
        let written = |a: IpAddr| self.written_addresses.contains_key(&a);
        let mut removed = 0;
        removed += remove_unless(
            self.pods.keys().flatten().collect(),
            |c| self.written_pods.contains_key(c),
            |c| self.pods.remove(c).is_ok(),
        );
        removed += remove_unless(
            self.kubepods.keys().flatten().collect(),
            |c| self.written_roots.contains_key(c),
            |c| self.kubepods.remove(c).is_ok(),
        );
        removed += remove_unless(
            self.cidr4.keys().flatten().collect(),
            |k| keys4.contains(&(k.prefix_len(), k.data())),
            |k| self.cidr4.remove(k).is_ok(),
        );
        removed += remove_unless(
            self.cidr6.keys().flatten().collect(),
            |k| keys6.contains(&(k.prefix_len(), k.data())),
            |k| self.cidr6.remove(k).is_ok(),
        );
        removed += remove_unless(
            self.peer_rules.keys().flatten().collect(),
            |k| rules.contains(&(k.set, k.identity)),
            |k| self.peer_rules.remove(k).is_ok(),
        );
        removed += remove_unless(
            self.identity4.keys().flatten().collect(),
            |a| written(IpAddr::from(*a)),
            |a| self.identity4.remove(a).is_ok(),
        );
        removed += remove_unless(
            self.identity6.keys().flatten().collect(),
            |a| written(IpAddr::from(*a)),
            |a| self.identity6.remove(a).is_ok(),
        );
        removed += remove_unless(
            self.rootfs_allow.keys().flatten().collect(),
            |k| paths.contains(&(k.prefix_len(), k.data())),
            |k| self.rootfs_allow.remove(k).is_ok(),
        );
        removed
    }

    /// Pod identities and addresses in the kernel now.
    pub fn identity_counts(&self) -> (usize, usize) {
        (self.identities.len(), self.written_addresses.len())
    }

    /// Rule sets and pod entries in the kernel now.
    pub fn counts(&self) -> (usize, usize) {
        (self.sets.len(), self.written_pods.len())
    }
}

/// Removes each of `found` that `keep` does not keep; returns how many `remove` removed.
fn remove_unless<K>(found: Vec<K>, keep: impl Fn(&K) -> bool, mut remove: impl FnMut(&K) -> bool) -> usize {
    found.iter().filter(|k| !keep(k)).filter(|k| remove(k)).count()
}

/// The kernel's fixed-size form of a port set. More ranges than it holds are reported and the
/// rest dropped (stricter than the policy, never looser).
fn kernel_ports(p: &PortSet, prefix: &str, errors: &mut Vec<String>) -> net::PortSet {
    let mut k = net::PortSet::default();
    if p.any_tcp {
        k.any |= ANY_TCP;
    }
    if p.any_udp {
        k.any |= ANY_UDP;
    }
    if p.ranges.len() > PORT_RANGES {
        errors.push(format!(
            "{prefix}: {} port ranges apply, the kernel holds {PORT_RANGES}; the rest are denied",
            p.ranges.len()
        ));
    }
    for (slot, (proto, lo, hi)) in k.ranges.iter_mut().zip(&p.ranges) {
        *slot = PortRange {
            lo: *lo,
            hi: *hi,
            proto: match proto {
                Protocol::Tcp => net::IPPROTO_TCP,
                Protocol::Udp => net::IPPROTO_UDP,
            },
            _pad: [0; 3],
        };
        k.count += 1;
    }
    k
}
