//! `rampart status`: what the collector knows, as text or as the proto3 JSON of StatusResponse.

use rampart_proto::visible::visible;
use std::{fmt::Write as _, time::SystemTime};

use rampart_proto::v1::{AgentStatus, StatusResponse, concern_tier::Concern, verdict::Tier};

use crate::filter::ago;

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

fn time(t: Option<rampart_proto::wkt::Timestamp>) -> String {
    t.map_or("-".into(), |t| t.rfc3339(0))
}

pub fn text(s: &StatusResponse, now: SystemTime) -> String {
    let mut o = String::new();
    let started =
        s.started.map(|t| format!(", up since {} ({})", time(Some(t)), ago(t, now))).unwrap_or_default();
    let _ = writeln!(o, "collector {}{started}", s.version);
    if let Some(st) = &s.store {
        let _ = writeln!(
            o,
            "store:     {} {}, {}, {} events, {} .. {}",
            st.backend,
            st.location,
            bytes(st.size_bytes),
            st.events,
            time(st.oldest),
            time(st.newest)
        );
        let age = if st.retention_seconds > 0 {
            humantime::format_duration(std::time::Duration::from_secs(st.retention_seconds)).to_string()
        } else {
            "forever".into()
        };
        let size = if st.retention_bytes > 0 { bytes(st.retention_bytes) } else { "no size limit".into() };
        let _ = writeln!(o, "retention: {age}, {size}");
    }
    if let Some(i) = &s.ingest {
        let _ = writeln!(
            o,
            "ingest:    {} batches, {} events stored, {} duplicates skipped, {} batches refused",
            i.batches, i.events_stored, i.duplicates, i.batches_refused
        );
        if i.conflicts > 0 {
            let _ = writeln!(
                o,
                "CONFLICTS: {} resent events differed from the stored ones under the same boot and sequence \
                 (a forged stream wrote first, or the store was edited): not stored",
                i.conflicts
            );
        }
        if i.streams_refused > 0 {
            let _ = writeln!(
                o,
                "REFUSED WRITERS: {} agent streams named a node their client certificate is not for: nothing \
                 of them stored",
                i.streams_refused
            );
        }
        let _ = writeln!(
            o,
            "live:      {} subscribers, {} events missed by slow ones",
            s.subscribers, i.subscriber_missed
        );
    }
    let _ = writeln!(
        o,
        "readers:   {} of {} reading history, {} cut off for not reading",
        s.readers, s.max_readers, s.readers_cut_off
    );
    for d in &s.deletions {
        let _ = writeln!(o, "DELETED:  {}", deletion_line(d));
    }
    let _ = writeln!(o, "agents:{}", if s.agents.is_empty() { "    none yet" } else { "" });
    if s.boots_hidden > 0 {
        let _ = writeln!(o, "  ({} earlier boots of these nodes not shown: --all-boots)", s.boots_hidden);
    }
    for a in &s.agents {
        agent(&mut o, a, now);
    }
    o
}

/// One entry of the deletion log, in words.
pub fn deletion_line(d: &rampart_proto::v1::Deletion) -> String {
    let at = d.at.map_or_else(|| "?".into(), |t| t.rfc3339(0));
    let what = if d.pod.is_empty() {
        visible(&d.namespace).into_owned()
    } else {
        format!("{}/{}", visible(&d.namespace), visible(&d.pod))
    };
    let reason = if d.reason.is_empty() { String::new() } else { format!(" ({})", visible(&d.reason)) };
    format!("deletion #{} at {at} by {}: {} events of {what}{reason}", d.id, visible(&d.by), d.events)
}

/// Every string an agent reported is escaped ([`visible`]): a node can say anything.
fn agent(o: &mut String, a: &AgentStatus, now: SystemTime) {
    let state =
        if a.connected { format!("connected from {}", visible(&a.peer)) } else { "not connected".into() };
    let seen = a.last_seen.map(|t| format!(", seen {}", ago(t, now))).unwrap_or_default();
    let version = if a.version.is_empty() { String::new() } else { format!(" v{}", visible(&a.version)) };
    let _ = writeln!(
        o,
        "  {} boot {}{version}: {state}{seen}; last sequence {}",
        visible(&a.node),
        visible(&a.boot_id),
        a.last_sequence
    );
    if let Some(g) = &a.unobserved_before {
        // The same words as the gap event in the stream.
        let _ = writeln!(o, "    unobserved before this boot: {}", g.describe());
    }
    if !a.tiers.is_empty() {
        let tiers: Vec<String> = a
            .tiers
            .iter()
            .map(|t| {
                let c = Concern::try_from(t.concern).map_or("?", |c| c.as_str_name());
                let tier = Tier::try_from(t.tier).map_or("?", |t| t.as_str_name());
                format!("{c}={tier}")
            })
            .collect();
        let _ = writeln!(o, "    tiers: {}", tiers.join(" "));
    }
    if let Some(st) = &a.stats {
        let drops: Vec<String> = st
            .drops
            .iter()
            .filter(|d| d.count > 0)
            .map(|d| format!("{}/{}={}", visible(&d.stage), visible(&d.kind), d.count))
            .collect();
        let _ =
            writeln!(o, "    drops: {}", if drops.is_empty() { "none".to_string() } else { drops.join(" ") });
        let _ = writeln!(o, "    spool: {} events, {}", st.spooled_events, bytes(st.spooled_bytes));
        let degraded: Vec<_> = st.rules.iter().filter(|r| r.degraded).collect();
        let audited: Vec<_> = st.rules.iter().filter(|r| r.audited > 0).collect();
        let _ = writeln!(o, "    rules: {} in force, {} degraded", st.rules.len(), degraded.len());
        for r in degraded {
            let tier = Tier::try_from(r.tier).map_or("?", |t| t.as_str_name());
            let _ = writeln!(
                o,
                "      DEGRADED {} {} ({} tier): {}",
                visible(&r.policy),
                visible(&r.rule),
                tier,
                visible(&r.reason)
            );
        }
        for r in audited {
            let _ = writeln!(
                o,
                "      AUDIT {} {} ({}): {} reported, not blocked",
                visible(&r.policy),
                visible(&r.rule),
                visible(&r.mode),
                r.audited
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use rampart_proto::v1::{AgentStats, ConcernTier, DropCount, RuleStatus};

    use super::*;

    #[test]
    fn text_names_agents_tiers_and_drops() {
        let s = StatusResponse {
            version: "0.1.0".into(),
            agents: vec![AgentStatus {
                node: "node-a".into(),
                boot_id: "b1".into(),
                connected: true,
                peer: "10.0.0.1:4000".into(),
                tiers: vec![ConcernTier {
                    concern: Concern::Network as i32,
                    tier: Tier::Cgroup as i32,
                    ..Default::default()
                }],
                stats: Some(AgentStats {
                    drops: vec![
                        DropCount { stage: "spool".into(), kind: "overflow".into(), count: 3 },
                        DropCount { stage: "ringbuf".into(), kind: "exec".into(), count: 0 },
                    ],
                    rules: vec![
                        RuleStatus {
                            policy: "shop/web".into(),
                            rule: "filesystem.rootfs".into(),
                            concern: Concern::Rootfs as i32,
                            mode: "enforce".into(),
                            tier: Tier::Sigkill as i32,
                            degraded: true,
                            reason: "the write lands".into(),
                            audited: 0,
                        },
                        RuleStatus {
                            policy: "shop/web".into(),
                            rule: "privilege.escalation".into(),
                            concern: Concern::Privilege as i32,
                            mode: "audit".into(),
                            tier: Tier::Sigkill as i32,
                            audited: 7,
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                }),
                last_sequence: 42,
                ..Default::default()
            }],
            ..Default::default()
        };
        let t = text(&s, SystemTime::now());
        assert!(t.contains("node-a boot b1: connected from 10.0.0.1:4000; last sequence 42"), "{t}");
        assert!(t.contains("tiers: network=cgroup"), "{t}");
        assert!(t.contains("drops: spool/overflow=3\n"), "{t}");
        assert!(t.contains("rules: 2 in force, 1 degraded"), "{t}");
        assert!(t.contains("AUDIT shop/web privilege.escalation (audit): 7 reported, not blocked"), "{t}");
        assert!(t.contains("DEGRADED shop/web filesystem.rootfs (sigkill tier): the write lands"), "{t}");
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
