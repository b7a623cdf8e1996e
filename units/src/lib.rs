//! Sizes on the command line (`--spool-size`, `--retention-size`, `--max-message-size`), parsed
//! the same way by the agent and the collector, by `bytesize`: `4096`, `64MiB`, `10GB`, `10G`,
//! `1.5GiB` (K/M/G/T and KB/MB/GB/TB in powers of 1000, KiB/MiB/GiB/TiB in powers of 1024,
//! case-insensitive, a space allowed before the unit).

/// A byte size, or what is wrong with it. A size beyond `u64` is refused, not saturated.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize =
        s.trim().parse().map_err(|_| format!("{s:?} is not a size (e.g. 512MiB, 10GB, 4096)"))?;
    // bytesize saturates: u64::MAX stands for anything at or beyond it.
    if size.as_u64() == u64::MAX && s.trim() != u64::MAX.to_string() {
        return Err(format!("{s:?} is too large"));
    }
    Ok(size.as_u64())
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("256MiB"), Ok(256 << 20));
        assert_eq!(parse_bytes("10 GB"), Ok(10_000_000_000));
        assert_eq!(parse_bytes("10G"), Ok(10_000_000_000));
        assert_eq!(parse_bytes("1kib"), Ok(1024));
        assert_eq!(parse_bytes("1.5GiB"), Ok(3 << 29));
        assert!(parse_bytes("ten").unwrap_err().contains("not a size"));
        assert!(parse_bytes("5 parsecs").unwrap_err().contains("not a size"));
        assert!(parse_bytes("99999999999TiB").unwrap_err().contains("too large"));
    }
}
