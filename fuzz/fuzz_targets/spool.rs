//! The spool's reader, on damaged files (a torn write, a bad disk): a segment of any bytes,
//! and sometimes an `acked` cursor, opens; only records whose checksum holds are read; and the
//! spool stays usable: a record appended afterwards is read back intact.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_agent::export::spool::Spool;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // An odd first byte makes the first 20 bytes the `acked` file; the rest is a segment.
    let (acked, segment) =
        if data.len() >= 20 && data[0] & 1 == 1 { data.split_at(20) } else { (&data[..0], data) };
    if !acked.is_empty() {
        std::fs::write(dir.path().join("acked"), acked).expect("write acked");
    }
    std::fs::write(dir.path().join("00000000000000000001.spool"), segment).expect("write segment");
    let mut spool = Spool::open(dir.path(), 1 << 20).expect("a damaged spool still opens");
    let mut read = 0;
    while let Some(r) = spool.read_next() {
        read += 1;
        // A record is at least its 16-byte header.
        assert!(read <= segment.len() / 16, "{read} records from {} bytes", segment.len());
        spool.ack(r.end, r.events).expect("ack");
    }
    spool.append(b"after", 1).expect("append after a damaged segment");
    let r = spool.read_next().expect("the appended record");
    assert_eq!((r.payload.as_slice(), r.events), (&b"after"[..], 1));
});
