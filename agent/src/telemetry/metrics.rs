//! The agent's counters and gauges, rendered in the Prometheus text format.
//!
//! Every drop has a counter here: records the kernel could not reserve ring-buffer room for
//! (per kind, summed from the per-CPU `DROPS` map), records user space could not decode
//! (unknown kind, short), and events the exporter failed to write.

use rampart_telemetry::family;
use std::{
    fmt::Write as _,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
    },
};

use agent_common::record::{KERNEL_DROPS, RecordKind};
use rampart_proto::event::Kind;

use crate::{
    caps::{Concern, Tier},
    enforce::feasibility::RuleFeasibility,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributionResult {
    Exact,
    Late,
    Unknown,
    Host,
}

impl AttributionResult {
    const ALL: [Self; 4] = [Self::Exact, Self::Late, Self::Unknown, Self::Host];
    fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Late => "late",
            Self::Unknown => "unknown",
            Self::Host => "host",
        }
    }
}

/// Where something was lost (besides the kernel's ring-buffer drops, counted per kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropStage {
    /// A record of a kind this agent does not know.
    DecodeUnknownKind,
    /// A record shorter than its kind's layout.
    DecodeShort,
    /// Writing the event out failed.
    Export,
    /// Refusals counted in the kernel whose first record never arrived, so no summary could
    /// describe them (one per attempt).
    SummaryUnmatched,
}

#[derive(Default)]
pub struct Metrics {
    events: [AtomicU64; Kind::ALL.len()],
    records: [AtomicU64; RecordKind::SLOTS as usize],
    ringbuf_drops: [AtomicU64; RecordKind::SLOTS as usize],
    /// By index in [`KERNEL_DROPS`].
    kernel_drops: [AtomicU64; KERNEL_DROPS.len()],
    decode_unknown: AtomicU64,
    decode_short: AtomicU64,
    export_drops: AtomicU64,
    summary_unmatched: AtomicU64,
    attribution: [AtomicU64; 4],
    pub pods: AtomicU64,
    pub namespaces: AtomicU64,
    pub pod_cgroups: AtomicU64,
    pub held_events: AtomicU64,
    pub policies: AtomicU64,
    pub policy_errors: AtomicU64,
    /// Policy sets put in force (the kernel's maps written for them) since start.
    pub policy_changes: AtomicU64,
    pub manifest_errors: AtomicU64,
    /// Flow verdicts where the kernel's decision and the verdict function disagreed.
    pub verdict_mismatches: AtomicU64,
    /// Events the redaction rules removed something from.
    pub redacted_events: AtomicU64,
    /// Container mount tables known to the kernel (rootfs tracepoint tier).
    pub mount_tables: AtomicU64,
    /// Processes the kernel held at exec until their mount table was known, and released:
    /// with the table known, without it (unreadable), gone before release.
    pub held_execs: [AtomicU64; 3],
    ready: AtomicBool,
    /// Why the agent is not ready, when a reason is known (`--require-enforcement`).
    unready_reason: Mutex<String>,
    tiers: Mutex<Vec<(Concern, Tier)>>,
    /// Every rule of the policies in force, with its tier and whether it is degraded.
    rules: Mutex<Vec<RuleFeasibility>>,
    /// Audit verdicts (reported, not blocked) by (policy, rule).
    audited: Mutex<std::collections::BTreeMap<(String, String), u64>>,
    /// Start to ready, in ms.
    startup_ms: AtomicU64,
    /// Export to the collector (its drops are part of `rampart_drops_total`).
    pub export: super::export::ExportMetrics,
    /// The API source's watches, by resource.
    kube: Mutex<std::collections::BTreeMap<&'static str, WatchHealth>>,
}

/// One API watch's health: whether its last word was good, since when the cache is stale.
#[derive(Debug)]
struct WatchHealth {
    healthy: bool,
    /// When the watch was last healthy (or registered, before its first list).
    fresh_at: std::time::Instant,
    errors: u64,
}

fn kind_index(k: Kind) -> usize {
    Kind::ALL.iter().position(|x| *x == k).expect("in ALL")
}

impl Metrics {
    /// Processes released from a hold at exec.
    pub fn released(&self, r: &crate::enforce::mounts::Resumed) {
        for (slot, n) in self.held_execs.iter().zip([r.known, r.unknown, r.gone]) {
            slot.fetch_add(n, Relaxed);
        }
    }

    pub fn event(&self, kind: Kind) {
        self.events[kind_index(kind)].fetch_add(1, Relaxed);
    }

    /// An event `rule` of `policy` reported but did not block.
    pub fn audited_event(&self, policy: &str, rule: &str) {
        let mut audited = self.audited.lock().expect("not poisoned");
        *audited.entry((policy.to_owned(), rule.to_owned())).or_default() += 1;
    }

    /// How many events `rule` of `policy` reported but did not block.
    pub fn audited(&self, policy: &str, rule: &str) -> u64 {
        let audited = self.audited.lock().expect("not poisoned");
        audited.get(&(policy.to_owned(), rule.to_owned())).copied().unwrap_or(0)
    }

    pub fn events(&self, kind: Kind) -> u64 {
        self.events[kind_index(kind)].load(Relaxed)
    }

    pub fn record(&self, kind: RecordKind) {
        self.records[kind as usize].fetch_add(1, Relaxed);
    }

    /// The kernel's cumulative count of ring-buffer reservation failures for `kind`.
    pub fn set_ringbuf_drops(&self, kind: RecordKind, total: u64) {
        self.ringbuf_drops[kind as usize].store(total, Relaxed);
    }

    /// The kernel's cumulative count for `KERNEL_DROPS[i]`.
    pub fn set_kernel_drops(&self, i: usize, total: u64) {
        self.kernel_drops[i].store(total, Relaxed);
    }

    fn drop_counter(&self, stage: DropStage) -> &AtomicU64 {
        match stage {
            DropStage::DecodeUnknownKind => &self.decode_unknown,
            DropStage::DecodeShort => &self.decode_short,
            DropStage::Export => &self.export_drops,
            DropStage::SummaryUnmatched => &self.summary_unmatched,
        }
    }

    pub fn dropped_n(&self, stage: DropStage, n: u64) {
        self.drop_counter(stage).fetch_add(n, Relaxed);
    }

    pub fn dropped(&self, stage: DropStage) {
        self.drop_counter(stage).fetch_add(1, Relaxed);
    }

    /// What was lost at `stage` so far.
    pub fn drops(&self, stage: DropStage) -> u64 {
        self.drop_counter(stage).load(Relaxed)
    }

    pub fn attributed(&self, r: AttributionResult) {
        self.attribution[r as usize].fetch_add(1, Relaxed);
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Relaxed);
    }

    /// Ready, or not ready with the reason `/readyz` gives.
    pub fn set_readiness(&self, unready: Option<String>) {
        self.set_ready(unready.is_none());
        *self.unready_reason.lock().expect("not poisoned") = unready.unwrap_or_default();
    }

    pub fn unready_reason(&self) -> String {
        self.unready_reason.lock().expect("not poisoned").clone()
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Relaxed)
    }

    pub fn set_feasibility(&self, rules: Vec<RuleFeasibility>) {
        *self.rules.lock().expect("not poisoned") = rules;
    }

    /// The rules in force and what this node does with them.
    pub fn feasibility(&self) -> Vec<RuleFeasibility> {
        self.rules.lock().expect("not poisoned").clone()
    }

    pub fn startup(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.startup_ms.load(Relaxed))
    }

    pub fn set_startup(&self, took: std::time::Duration) {
        self.startup_ms.store(took.as_millis() as u64, Relaxed);
    }

    /// Register a watch of the API source (unhealthy until its first list).
    pub fn kube_watch_started(&self, resource: &'static str) {
        let h = WatchHealth { healthy: false, fresh_at: std::time::Instant::now(), errors: 0 };
        self.kube.lock().expect("not poisoned").insert(resource, h);
    }

    /// A watch turned healthy (`true`) or failed.
    pub fn kube_watch_health(&self, resource: &'static str, healthy: bool) {
        let mut all = self.kube.lock().expect("not poisoned");
        let now = std::time::Instant::now();
        let h = all.entry(resource).or_insert(WatchHealth { healthy, fresh_at: now, errors: 0 });
        if h.healthy {
            // Fresh until this moment.
            h.fresh_at = now;
        }
        if !healthy {
            h.errors += 1;
        }
        h.healthy = healthy;
    }

    pub fn set_tiers(&self, tiers: Vec<(Concern, Tier)>) {
        *self.tiers.lock().expect("not poisoned") = tiers;
    }

    /// Total of every drop counter (kernel and user space).
    pub fn total_drops(&self) -> u64 {
        self.ringbuf_drops.iter().map(|c| c.load(Relaxed)).sum::<u64>()
            + self.decode_unknown.load(Relaxed)
            + self.decode_short.load(Relaxed)
            + self.export_drops.load(Relaxed)
            + self.summary_unmatched.load(Relaxed)
            + self.kernel_drops.iter().map(|c| c.load(Relaxed)).sum::<u64>()
            + self.export.total_drops()
    }

    pub fn render(&self) -> String {
        let mut o = String::new();
        rampart_telemetry::process::render(&mut o, "agent", env!("CARGO_PKG_VERSION"));
        family(&mut o, "rampart_events_total", "counter", "Events emitted, by kind.");
        for k in Kind::ALL {
            let _ = writeln!(o, "rampart_events_total{{kind=\"{}\"}} {}", k.as_str(), self.events(k));
        }
        family(&mut o, "rampart_records_total", "counter", "Kernel records decoded, by record kind.");
        for k in RecordKind::ALL {
            let _ = writeln!(
                o,
                "rampart_records_total{{kind=\"{}\"}} {}",
                k.name(),
                self.records[k as usize].load(Relaxed)
            );
        }
        family(&mut o, "rampart_drops_total", "counter", "Records or events lost, by stage and kind.");
        for k in RecordKind::ALL {
            let _ = writeln!(
                o,
                "rampart_drops_total{{stage=\"ringbuf\",kind=\"{}\"}} {}",
                k.name(),
                self.ringbuf_drops[k as usize].load(Relaxed)
            );
        }
        for ((_, name), c) in KERNEL_DROPS.iter().zip(&self.kernel_drops) {
            let _ =
                writeln!(o, "rampart_drops_total{{stage=\"kernel\",kind=\"{name}\"}} {}", c.load(Relaxed));
        }
        let _ = writeln!(
            o,
            "rampart_drops_total{{stage=\"decode\",kind=\"unknown_kind\"}} {}",
            self.decode_unknown.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "rampart_drops_total{{stage=\"decode\",kind=\"short_record\"}} {}",
            self.decode_short.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "rampart_drops_total{{stage=\"export\",kind=\"write_error\"}} {}",
            self.export_drops.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "rampart_drops_total{{stage=\"summary\",kind=\"first_record_lost\"}} {}",
            self.summary_unmatched.load(Relaxed)
        );
        self.export.render_drops(&mut o);
        family(&mut o, "rampart_attribution_total", "counter", "Events by how their pod was found.");
        for r in AttributionResult::ALL {
            let _ = writeln!(
                o,
                "rampart_attribution_total{{result=\"{}\"}} {}",
                r.as_str(),
                self.attribution[r as usize].load(Relaxed)
            );
        }
        family(&mut o, "rampart_enforcement_tier", "gauge", "1 for the tier chosen per concern.");
        for (c, t) in self.tiers.lock().expect("not poisoned").iter() {
            for tier in Tier::ALL {
                let v = u8::from(*t == tier);
                let _ = writeln!(
                    o,
                    "rampart_enforcement_tier{{concern=\"{}\",tier=\"{}\"}} {v}",
                    c.as_str(),
                    tier.as_str()
                );
            }
        }
        family(
            &mut o,
            "rampart_rules_degraded",
            "gauge",
            "Enforce rules whose tier on this node lets the act take effect, by policy and concern.",
        );
        let mut degraded: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
        let rules = self.rules.lock().expect("not poisoned");
        for r in rules.iter() {
            *degraded.entry((&r.policy, r.concern.as_str())).or_default() += u64::from(r.degraded);
        }
        for ((policy, concern), n) in degraded {
            let _ = writeln!(o, "rampart_rules_degraded{{policy=\"{policy}\",concern=\"{concern}\"}} {n}");
        }
        drop(rules);
        family(
            &mut o,
            "rampart_audit_events_total",
            "counter",
            "Events a rule reported but did not block (audit mode, or an audit section inside an enforce policy), by policy and rule.",
        );
        for ((policy, rule), n) in self.audited.lock().expect("not poisoned").iter() {
            let _ = writeln!(o, "rampart_audit_events_total{{policy=\"{policy}\",rule=\"{rule}\"}} {n}");
        }
        family(
            &mut o,
            "rampart_startup_seconds",
            "gauge",
            "Time from start to ready (programs attached, policies applied).",
        );
        let _ = writeln!(o, "rampart_startup_seconds {:.3}", self.startup_ms.load(Relaxed) as f64 / 1000.0);
        let gauges: [(&str, &str, &AtomicU64); 6] = [
            (
                "rampart_mount_tables",
                "Container mount tables the kernel knows (rootfs tracepoint tier).",
                &self.mount_tables,
            ),
            ("rampart_pods", "Pods known from manifests or the API server.", &self.pods),
            (
                "rampart_namespaces",
                "Namespaces (and their labels) known from the API server.",
                &self.namespaces,
            ),
            ("rampart_pod_cgroups", "Pod and container cgroups known.", &self.pod_cgroups),
            ("rampart_held_events", "Events held waiting for their pod.", &self.held_events),
            ("rampart_policies", "Policies in force.", &self.policies),
        ];
        for (name, help, v) in gauges {
            family(&mut o, name, "gauge", help);
            let _ = writeln!(o, "{name} {}", v.load(Relaxed));
        }
        family(&mut o, "rampart_policy_errors_total", "counter", "Policy files refused.");
        let _ = writeln!(o, "rampart_policy_errors_total {}", self.policy_errors.load(Relaxed));
        family(
            &mut o,
            "rampart_policy_changes_total",
            "counter",
            "Changed policy sets put in force (kernel maps written) since start.",
        );
        let _ = writeln!(o, "rampart_policy_changes_total {}", self.policy_changes.load(Relaxed));
        family(&mut o, "rampart_manifest_errors_total", "counter", "Pod manifests refused.");
        let _ = writeln!(o, "rampart_manifest_errors_total {}", self.manifest_errors.load(Relaxed));
        family(
            &mut o,
            "rampart_verdict_mismatches_total",
            "counter",
            "Kernel decisions the verdict function disagreed with (policy changed in between).",
        );
        let _ = writeln!(o, "rampart_verdict_mismatches_total {}", self.verdict_mismatches.load(Relaxed));
        family(
            &mut o,
            "rampart_events_redacted_total",
            "counter",
            "Events the redaction rules removed something from before export.",
        );
        let _ = writeln!(o, "rampart_events_redacted_total {}", self.redacted_events.load(Relaxed));
        family(
            &mut o,
            "rampart_held_execs_total",
            "counter",
            "Container processes stopped at exec until their mount table was known, by how they were released.",
        );
        for (outcome, n) in ["known", "unknown", "gone"].iter().zip(&self.held_execs) {
            let _ = writeln!(o, "rampart_held_execs_total{{outcome=\"{outcome}\"}} {}", n.load(Relaxed));
        }
        let kube = self.kube.lock().expect("not poisoned");
        if !kube.is_empty() {
            family(
                &mut o,
                "rampart_kube_watch_healthy",
                "gauge",
                "1 while the API watch of a resource is healthy.",
            );
            for (r, h) in kube.iter() {
                let _ = writeln!(o, "rampart_kube_watch_healthy{{resource=\"{r}\"}} {}", u8::from(h.healthy));
            }
            family(
                &mut o,
                "rampart_kube_cache_age_seconds",
                "gauge",
                "How stale the agent's copy of a resource may be: 0 while its watch is healthy, else the \
                 time since it last was.",
            );
            for (r, h) in kube.iter() {
                let age = if h.healthy { 0.0 } else { h.fresh_at.elapsed().as_secs_f64() };
                let _ = writeln!(o, "rampart_kube_cache_age_seconds{{resource=\"{r}\"}} {age:.1}");
            }
            family(&mut o, "rampart_kube_watch_errors_total", "counter", "API watch errors, by resource.");
            for (r, h) in kube.iter() {
                let _ = writeln!(o, "rampart_kube_watch_errors_total{{resource=\"{r}\"}} {}", h.errors);
            }
        }
        drop(kube);
        family(&mut o, "rampart_ready", "gauge", "1 when programs are attached and policies applied.");
        let _ = writeln!(o, "rampart_ready {}", u8::from(self.is_ready()));
        self.export.render(&mut o);
        o
    }

    /// Every `rampart_drops_total` sample as (stage, kind, count): what the agent reports to
    /// the collector.
    pub fn drop_counts(&self) -> Vec<(&'static str, String, u64)> {
        let mut v: Vec<(&'static str, String, u64)> = RecordKind::ALL
            .iter()
            .map(|k| ("ringbuf", k.name().to_string(), self.ringbuf_drops[*k as usize].load(Relaxed)))
            .collect();
        for ((_, name), c) in KERNEL_DROPS.iter().zip(&self.kernel_drops) {
            v.push(("kernel", (*name).to_string(), c.load(Relaxed)));
        }
        v.push(("decode", "unknown_kind".into(), self.decode_unknown.load(Relaxed)));
        v.push(("decode", "short_record".into(), self.decode_short.load(Relaxed)));
        v.push(("export", "write_error".into(), self.export_drops.load(Relaxed)));
        v.push(("summary", "first_record_lost".into(), self.summary_unmatched.load(Relaxed)));
        for d in super::export::ExportDrop::ALL {
            let (stage, kind) = d.labels();
            v.push((stage, kind.to_string(), self.export.drops(d)));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_values() {
        let m = Metrics::default();
        m.event(Kind::Exec);
        m.set_ringbuf_drops(RecordKind::Exec, 3);
        m.dropped(DropStage::DecodeUnknownKind);
        m.set_tiers(vec![(Concern::Network, Tier::Cgroup)]);
        let text = m.render();
        assert!(text.contains("rampart_events_total{kind=\"exec\"} 1"));
        assert!(text.contains("rampart_drops_total{stage=\"ringbuf\",kind=\"exec\"} 3"));
        assert!(text.contains("rampart_drops_total{stage=\"decode\",kind=\"unknown_kind\"} 1"));
        assert!(text.contains("rampart_enforcement_tier{concern=\"network\",tier=\"cgroup\"} 1"));
        assert!(text.contains("rampart_enforcement_tier{concern=\"network\",tier=\"lsm\"} 0"));
        assert_eq!(m.total_drops(), 4);
    }

    /// The counts sent to the collector are exactly the `rampart_drops_total` samples.
    #[test]
    fn drop_counts_match_the_rendered_drops() {
        let m = Metrics::default();
        m.set_ringbuf_drops(RecordKind::Exec, 2);
        m.dropped(DropStage::DecodeShort);
        m.export.dropped(super::super::export::ExportDrop::SpoolOverflow, 5);
        let rendered: Vec<String> =
            m.render().lines().filter(|l| l.starts_with("rampart_drops_total{")).map(String::from).collect();
        let counted: Vec<String> = m
            .drop_counts()
            .into_iter()
            .map(|(stage, kind, n)| format!("rampart_drops_total{{stage=\"{stage}\",kind=\"{kind}\"}} {n}"))
            .collect();
        assert_eq!(counted, rendered, "drop_counts() must list every rampart_drops_total sample");
    }
}
