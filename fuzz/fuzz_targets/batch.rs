//! The collector's batch validation, on any bytes an agent (or anyone holding its
//! certificate) could send as a `Batch`, read as the collector reads it (each event its own
//! bytes, decoded by the validation): accepted or refused with a reason, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message as _;
use rampart_collector::validate::{self, Limits};
use rampart_proto::wire::Batch;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = Batch::decode(data) else { return };
    let _ = validate::batch("node-a", batch, Limits { max_batch_events: 4096 });
});
