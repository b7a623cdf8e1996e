//! Interleaved A/B/C/A segments and their medians.

use std::collections::BTreeMap;

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
