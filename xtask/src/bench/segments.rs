//! Interleaved A/B/C/A segments and their medians, and the empty-program baseline (B).

use std::{
    collections::BTreeMap,
    io::{BufRead as _, BufReader},
    process::{Command, Stdio},
};

use anyhow::{Context as _, bail};
use rampart_tests::agent::agent_bin;

/// `rampart-agent bench-baseline --hook HOOK` (empty programs on the hooks the agent uses),
/// until dropped.
pub struct Baseline(std::process::Child);

impl Baseline {
    pub fn start(hook: &str) -> anyhow::Result<Baseline> {
        let mut child = Command::new(agent_bin())
            .args(["bench-baseline", "--hook", hook])
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the baseline")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        if line.trim() != "attached" {
            bail!("baseline --hook {hook} did not attach: {line:?}");
        }
        Ok(Baseline(child))
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

/// A variant of the machine a workload runs against: set up before its segment, torn down after.
pub struct Variant<'a> {
    pub name: &'static str,
    pub start: Box<dyn Fn() -> anyhow::Result<Box<dyn std::any::Any>> + 'a>,
}

/// Medians per variant name of a per-operation cost (lower is better).
#[derive(Debug)]
pub struct Medians(pub BTreeMap<&'static str, f64>);

impl Medians {
    pub fn get(&self, name: &str) -> f64 {
        self.0[name]
    }
    pub fn ratio(&self, a: &str, b: &str) -> f64 {
        self.get(a) / self.get(b)
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Run `workload` (returning a cost per operation) in every variant, `rounds` times, in rotation.
/// The workload sees what the variant's start returned (to read an agent's metrics, say).
pub fn interleaved(
    rounds: usize,
    variants: &[Variant<'_>],
    mut workload: impl FnMut(Option<&dyn std::any::Any>) -> anyhow::Result<f64>,
) -> anyhow::Result<Medians> {
    let mut samples: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for round in 0..rounds {
        for v in variants {
            let guard = (v.start)()?;
            let cost = workload(Some(guard.as_ref()))?;
            drop(guard);
            println!("    round {round} {:<12} {cost:>12.1}", v.name);
            samples.entry(v.name).or_default().push(cost);
        }
    }
    Ok(Medians(samples.into_iter().map(|(k, v)| (k, median(v))).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }
}
