//! Helpers on the collector's wire types: sequence arithmetic of a [`Batch`], and the mapping
//! between [`Kind`] and the filter's kind enum.

use crate::{
    event::Kind,
    v1::{Batch, filter},
};

impl Batch {
    /// Sequence of the last event: `None` for an empty batch, or when the range would overflow.
    pub fn last_sequence(&self) -> Option<u64> {
        let n = u64::try_from(self.events.len()).ok()?;
        n.checked_sub(1).and_then(|k| self.first_sequence.checked_add(k))
    }
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
