//! An agent boot's high-water mark: the last sequence of the run of batches, from the boot's
//! first, that JetStream stored whole. Appends of one stream run concurrently and may finish
//! out of order, so finished batches above the mark wait here until the gap below them is
//! filled (the agent resends its oldest unacked batch first, so gaps fill).

use std::collections::BTreeMap;

/// Finished batches above the mark kept at most; beyond, the highest are forgotten (the mark
/// then moves later than it could, never further than it should).
const MAX_PENDING: usize = 1024;

#[derive(Debug, Default)]
pub struct Progress {
    mark: u64,
    /// Finished batches above the mark: first sequence → last.
    done: BTreeMap<u64, u64>,
}

impl Progress {
    pub fn at(mark: u64) -> Progress {
        Progress { mark, done: BTreeMap::new() }
    }

    pub fn mark(&self) -> u64 {
        self.mark
    }

    /// Raise the mark to one read from the marks stream (another collector's).
    pub fn raise(&mut self, mark: u64) {
        self.mark = self.mark.max(mark);
        self.absorb();
    }

    /// Batch `first..=last` is stored whole; the new mark if it moved.
    pub fn stored(&mut self, first: u64, last: u64) -> Option<u64> {
        if last <= self.mark || first > last {
            return None;
        }
        let before = self.mark;
        let end = self.done.entry(first).or_insert(last);
        *end = (*end).max(last);
        self.absorb();
        while self.done.len() > MAX_PENDING {
            self.done.pop_last();
        }
        (self.mark > before).then_some(self.mark)
    }

    fn absorb(&mut self) {
        while let Some((&first, &last)) = self.done.first_key_value() {
            if first > self.mark + 1 {
                break;
            }
            self.done.pop_first();
            self.mark = self.mark.max(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_waits_for_gaps_and_never_covers_one() {
        let mut p = Progress::default();
        assert_eq!(p.stored(11, 20), None, "1..=10 is not stored yet");
        assert_eq!(p.stored(21, 30), None);
        assert_eq!(p.stored(1, 10), Some(30), "the gap filled: 1..=30 is stored");
        assert_eq!(p.stored(5, 12), None, "a resend below the mark");
        assert_eq!(p.stored(41, 50), None);
        p.raise(40);
        assert_eq!(p.mark(), 50, "another collector stored 31..=40");
        assert_eq!(p.stored(51, 51), Some(51));
    }
}
