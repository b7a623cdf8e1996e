//! Interleaved A/B/C/A segments in a random order per round, ratios with their confidence
//! intervals, and the empty-program baseline (B).

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

/// How many rounds a measurement takes: at least `min`; then more, one at a time, while any of
/// its checks is inconclusive, up to `max`.
#[derive(Clone, Copy, Debug)]
pub struct Rounds {
    pub min: usize,
    pub max: usize,
}

/// A goal on the ratio of two variants' costs, which decides when a measurement has enough
/// rounds.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    pub num: &'static str,
    pub den: &'static str,
    pub limit: f64,
    /// `true`: the ratio must be at most `limit`; `false`: at least.
    pub at_most: bool,
}

/// A check's outcome: its confidence interval wholly on one side of the limit, or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Met,
    Missed,
    Inconclusive,
    /// A figure without a goal.
    Reported,
}

/// The ratio of two variants' costs: the median over rounds of each round's ratio (the two
/// segments of one round run minutes apart at most, so drift cancels), with a 95% bootstrap
/// confidence interval of that median.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub rounds: usize,
}

impl Ratio {
    pub fn verdict(&self, limit: f64, at_most: bool) -> Verdict {
        let (inside, outside) = if at_most {
            (self.high <= limit, self.low > limit)
        } else {
            (self.low >= limit, self.high < limit)
        };
        if inside {
            Verdict::Met
        } else if outside {
            Verdict::Missed
        } else {
            Verdict::Inconclusive
        }
    }
}

/// Every round's cost per variant (lower is better).
#[derive(Debug)]
pub struct Samples {
    rounds: Vec<BTreeMap<&'static str, f64>>,
}

impl Samples {
    /// The median cost of variant `name`.
    pub fn get(&self, name: &str) -> f64 {
        median(self.rounds.iter().filter_map(|r| r.get(name).copied()).collect())
    }

    /// `num` / `den`, paired by round.
    pub fn ratio(&self, num: &str, den: &str) -> Ratio {
        let per_round: Vec<f64> =
            self.rounds.iter().filter_map(|r| Some(r.get(num)? / r.get(den)?)).collect();
        let (low, high) = bootstrap(&per_round);
        Ratio { value: median(per_round.clone()), low, high, rounds: per_round.len() }
    }

    /// The A/A noise: the median distance from 1 of the two no-agent segments' ratio per round.
    pub fn noise(&self) -> f64 {
        median(
            self.rounds
                .iter()
                .filter_map(|r| Some((r.get("A2:none")? / r.get("A:none")? - 1.0).abs()))
                .collect(),
        )
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

/// A small deterministic generator (xorshift64*): the bench's shuffles and resamples are
/// reproducible from the seed it prints.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// The 95% bootstrap interval of the median of `v` (2,000 resamples).
pub fn bootstrap(v: &[f64]) -> (f64, f64) {
    if v.len() < 2 {
        let x = v.first().copied().unwrap_or(f64::NAN);
        return (x, x);
    }
    let mut rng = Rng::new(0x5eed);
    let mut medians: Vec<f64> =
        (0..2000).map(|_| median((0..v.len()).map(|_| v[rng.below(v.len())]).collect())).collect();
    medians.sort_by(f64::total_cmp);
    (medians[50], medians[1949])
}

/// The seed of this run's variant orders: from `RAMPART_BENCH_SEED`, else the clock; one per
/// run (each measurement draws its orders from it and its own index).
pub fn seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| {
        std::env::var("RAMPART_BENCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_007)
        })
    })
}

/// Run `workload` (returning a cost per operation) once in every variant per round, in an
/// order shuffled each round, for at least `rounds.min` rounds and then until every check is
/// conclusive or `rounds.max` is reached. The workload sees what the variant's start returned
/// (to read an agent's metrics, say).
pub fn interleaved(
    rounds: Rounds,
    variants: &[Variant<'_>],
    checks: &[Check],
    mut workload: impl FnMut(Option<&dyn std::any::Any>) -> anyhow::Result<f64>,
) -> anyhow::Result<Samples> {
    static MEASUREMENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let index = MEASUREMENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut rng = Rng::new(seed().wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(index));
    let mut samples = Samples { rounds: Vec::new() };
    for round in 0..rounds.max.max(rounds.min) {
        let mut order: Vec<usize> = (0..variants.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut costs = BTreeMap::new();
        for &i in &order {
            let v = &variants[i];
            let guard = (v.start)()?;
            let cost = workload(Some(guard.as_ref()))?;
            drop(guard);
            println!("    round {round} {:<12} {cost:>12.1}", v.name);
            costs.insert(v.name, cost);
        }
        samples.rounds.push(costs);
        let settled = checks
            .iter()
            .all(|c| samples.ratio(c.num, c.den).verdict(c.limit, c.at_most) != Verdict::Inconclusive);
        if round + 1 >= rounds.min && settled {
            break;
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_is_conclusive_only_when_its_interval_clears_the_limit() {
        let tight = Ratio { value: 1.1, low: 1.05, high: 1.15, rounds: 5 };
        assert_eq!(tight.verdict(1.3, true), Verdict::Met);
        assert_eq!(tight.verdict(1.02, true), Verdict::Missed);
        assert_eq!(tight.verdict(1.1, true), Verdict::Inconclusive);
        assert_eq!(tight.verdict(1.0, false), Verdict::Met);
    }

    #[test]
    fn the_bootstrap_interval_holds_the_median_and_narrows_with_agreement() {
        let spread = [1.0, 1.2, 0.9, 1.4, 1.1, 1.05, 0.95];
        let (low, high) = bootstrap(&spread);
        assert!(low <= median(spread.to_vec()) && median(spread.to_vec()) <= high);
        let agreeing = [1.1, 1.1, 1.1, 1.1, 1.1];
        assert_eq!(bootstrap(&agreeing), (1.1, 1.1));
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }
}
