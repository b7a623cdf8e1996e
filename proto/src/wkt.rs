//! The protobuf well-known types Rampart uses, with their exact proto3 JSON form.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `google.protobuf.Timestamp`. JSON: RFC 3339 in UTC with a `Z` and 9 fractional digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// Nanoseconds since the Unix epoch (saturating).
    pub fn unix_nanos(&self) -> i64 {
        self.seconds.saturating_mul(1_000_000_000).saturating_add(i64::from(self.nanos))
    }

    pub fn from_unix_nanos(nanos: i64) -> Self {
        Timestamp { seconds: nanos.div_euclid(1_000_000_000), nanos: nanos.rem_euclid(1_000_000_000) as i32 }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp { seconds: d.as_secs() as i64, nanos: d.subsec_nanos() as i32 },
            Err(e) => Timestamp::from_unix_nanos(-(e.duration().as_nanos() as i64)),
        }
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        let n = t.unix_nanos();
        if n >= 0 {
            UNIX_EPOCH + Duration::from_nanos(n as u64)
        } else {
            UNIX_EPOCH - Duration::from_nanos(n.unsigned_abs())
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = SystemTime::from(*self);
        s.collect_str(&humantime::format_rfc3339_nanos(t))
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        humantime::parse_rfc3339_weak(&s)
            .map(Timestamp::from)
            .map_err(|e| serde::de::Error::custom(format!("timestamp {s:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_rfc3339_utc_z() {
        let t = Timestamp { seconds: 1_795_000_000, nanos: 5 };
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-11-18T11:06:40.000000005Z\"");
        let back: Timestamp = serde_json::from_str("\"2026-11-18T11:06:40.000000005Z\"").unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn nanos_round_trip() {
        for n in [0, 1, 1_999_999_999, 1_795_000_000_123_456_789] {
            assert_eq!(Timestamp::from_unix_nanos(n).unix_nanos(), n);
        }
    }
}
