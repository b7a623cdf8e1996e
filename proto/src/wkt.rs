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

    /// RFC 3339 in UTC with `digits` fractional digits (0, 3 or 9), for any value: times outside
    /// 0000-01-01..=9999-12-31 are clamped to those ends (humantime's formatter panics before
    /// 1970, and a stored time must never make a reader panic).
    pub fn rfc3339(&self, digits: u8) -> String {
        const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let (seconds, nanos) = match self.seconds {
            s if s < MIN => (MIN, 0),
            s if s > MAX => (MAX, 999_999_999),
            s => (s, self.nanos.clamp(0, 999_999_999) as u32),
        };
        let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let mut out =
            format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        match digits {
            0 => {}
            3 => out.push_str(&format!(".{:03}", nanos / 1_000_000)),
            _ => out.push_str(&format!(".{nanos:09}")),
        }
        out.push('Z');
        out
    }
}

/// (year, month, day) of the day `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
        s.collect_str(&self.rfc3339(9))
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
    fn any_time_formats_without_panicking() {
        let at = |seconds, nanos| Timestamp { seconds, nanos }.rfc3339(9);
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(at(1_795_000_000, 5), "2026-11-18T11:06:40.000000005Z");
        assert_eq!(at(-1, 0), "1969-12-31T23:59:59.000000000Z");
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000000000Z");
        assert_eq!(at(i64::MIN, 0), "0000-01-01T00:00:00.000000000Z");
        assert_eq!(at(i64::MAX, 0), "9999-12-31T23:59:59.999999999Z");
        assert_eq!(Timestamp { seconds: -86_400, nanos: 1_500_000 }.rfc3339(3), "1969-12-31T00:00:00.001Z");
        // Agrees with humantime where humantime works.
        for s in [0, 1, 86_399, 1_000_000_000, 1_767_225_600, 4_102_444_800] {
            let t = Timestamp { seconds: s, nanos: 0 };
            assert_eq!(t.rfc3339(0), humantime::format_rfc3339_seconds(SystemTime::from(t)).to_string());
        }
    }

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
