//! The agent's CPU time per event it emitted: its own user + system time (`getrusage`, all
//! threads, exported as `process_cpu_seconds_total`) over a workload segment and the catch-up
//! after it, divided by the events of one kind it emitted in that time
//! (`rampart_events_total{kind=...}`).

use std::time::Duration;

use rampart_tests::agent::Agent;

/// What an agent had spent and emitted when a segment began.
pub struct Meter<'a> {
    agent: &'a Agent,
    kind: &'static str,
    cpu: f64,
    events: f64,
}

/// One segment's figures.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    pub events: f64,
    pub cpu_seconds: f64,
}

impl Reading {
    /// Microseconds of agent CPU per event, NaN when none was emitted.
    pub fn us_per_event(&self) -> f64 {
        if self.events > 0.0 { self.cpu_seconds / self.events * 1e6 } else { f64::NAN }
    }
}

impl<'a> Meter<'a> {
    pub fn start(agent: &'a Agent, kind: &'static str) -> Meter<'a> {
        Meter { agent, kind, cpu: cpu_seconds(agent).unwrap_or(f64::NAN), events: events(agent, kind) }
    }

    /// Wait until the agent has caught up with the segment (its count of the kind grows by
    /// less than 1% of the segment's in 100 ms: what is left is the node's own background, which
    /// a busy node always has), at most 5 s, then read what the segment cost.
    pub fn finish(self) -> Reading {
        let start = std::time::Instant::now();
        let mut last = events(self.agent, self.kind);
        while start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(100));
            let now = events(self.agent, self.kind);
            let settled = now - last <= 0.01 * (now - self.events);
            last = now;
            if settled {
                break;
            }
        }
        Reading {
            events: last - self.events,
            cpu_seconds: cpu_seconds(self.agent).unwrap_or(f64::NAN) - self.cpu,
        }
    }
}

fn events(agent: &Agent, kind: &str) -> f64 {
    agent.metric(&format!("rampart_events_total{{kind=\"{kind}\"}}")).unwrap_or(0.0)
}

/// The agent's CPU time so far (user + system), from its own metrics.
fn cpu_seconds(agent: &Agent) -> Option<f64> {
    agent.metric("process_cpu_seconds_total")
}
