//! Helpers on the collector's wire types: sequence arithmetic of a [`Batch`], the mapping
//! between [`Kind`] and the filter's kind enum, and the form of a boot id readers see.

use crate::{
    event::Kind,
    v1::{Batch, filter},
};

impl Batch {
    /// Sequence of the last event: `None` for an empty batch, or when the range would overflow.
    pub fn last_sequence(&self) -> Option<u64> {
        last_sequence(self.first_sequence, self.events.len())
    }
}

/// Sequence of the last of `len` events from `first`: `None` for none, or on overflow.
pub(crate) fn last_sequence(first: u64, len: usize) -> Option<u64> {
    let n = u64::try_from(len).ok()?;
    n.checked_sub(1).and_then(|k| first.checked_add(k))
}

/// Characters of a boot id that readers see (in `Status`, in a gap event).
pub const SHOWN_BOOT_CHARS: usize = 8;

/// A boot id as readers see it: its first [`SHOWN_BOOT_CHARS`] characters, enough to tell an
/// agent's boots apart and to match a gap to the boot in `Status`, not enough to write
/// batches into that boot (a stream needs the whole id; the collector never hands it out).
pub fn shown_boot(boot_id: &str) -> &str {
    boot_id.char_indices().nth(SHOWN_BOOT_CHARS).map_or(boot_id, |(i, _)| &boot_id[..i])
}

impl From<Kind> for filter::Kind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Flow => filter::Kind::Flow,
            Kind::File => filter::Kind::File,
            Kind::Privilege => filter::Kind::Privilege,
            Kind::Exec => filter::Kind::Exec,
            Kind::Gap => filter::Kind::Gap,
        }
    }
}

impl TryFrom<filter::Kind> for Kind {
    type Error = filter::Kind;

    /// `KIND_UNSPECIFIED` names no kind.
    fn try_from(k: filter::Kind) -> Result<Self, filter::Kind> {
        match k {
            filter::Kind::Flow => Ok(Kind::Flow),
            filter::Kind::File => Ok(Kind::File),
            filter::Kind::Privilege => Ok(Kind::Privilege),
            filter::Kind::Exec => Ok(Kind::Exec),
            filter::Kind::Gap => Ok(Kind::Gap),
            filter::Kind::Unspecified => Err(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_boot_is_its_first_eight_characters() {
        assert_eq!(shown_boot("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), "0f1e2d3c");
        assert_eq!(shown_boot("short"), "short");
        assert_eq!(shown_boot("ééééééééé"), "éééééééé");
    }
    use crate::v1::Event;

    #[test]
    fn last_sequence_of_a_batch() {
        let batch = |first, n| Batch {
            boot_id: "b".into(),
            first_sequence: first,
            events: vec![Event::default(); n],
        };
        assert_eq!(batch(1, 0).last_sequence(), None);
        assert_eq!(batch(1, 1).last_sequence(), Some(1));
        assert_eq!(batch(10, 5).last_sequence(), Some(14));
        assert_eq!(batch(u64::MAX, 2).last_sequence(), None);
    }

    #[test]
    fn kinds_map_both_ways() {
        for k in Kind::ALL {
            assert_eq!(Kind::try_from(filter::Kind::from(k)), Ok(k));
        }
        assert!(Kind::try_from(filter::Kind::Unspecified).is_err());
    }
}
