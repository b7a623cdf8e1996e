//! Sizes on the command line: `64MiB`, `10GB`, `4096`.

/// Parse a byte size: a number with an optional unit (B, KB/MB/GB/TB in powers of 1000,
/// KiB/MiB/GiB/TiB in powers of 1024; case-insensitive, spaces allowed before the unit).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a size (e.g. 512MiB, 10GB, 4096)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "mb" | "m" => 1000_u64.pow(2),
        "gb" | "g" => 1000_u64.pow(3),
        "tb" | "t" => 1000_u64.pow(4),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => {
            return Err(format!("{s:?}: unknown unit {other:?} (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"));
        }
    };
    n.checked_mul(mult).ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("10 GB"), Ok(10_000_000_000));
        assert_eq!(parse_bytes("1kib"), Ok(1024));
        assert!(parse_bytes("ten").is_err());
        assert!(parse_bytes("5 parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse_bytes("99999999999TiB").unwrap_err().contains("too large"));
    }
}
