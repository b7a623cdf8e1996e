//! The ring-record decoder, on any bytes the ring buffer could hand over: a typed record or a
//! named error, never a panic; a record that decodes builds its observation as the agent does.

#![no_main]

use agent_common::user::Record;
use libfuzzer_sys::fuzz_target;
use rampart_agent::{
    caps::Tier,
    events::{
        build::{self, Clock},
        file, privilege,
    },
};
use rampart_proto::domain::Parent;

fuzz_target!(|data: &[u8]| {
    let Ok(record) = Record::try_from(data) else { return };
    let clock = Clock::now();
    let _ = match &record {
        Record::Exec(r) => Some(build::exec(r, &clock, Parent::default())),
        Record::Flow(r) => Some(build::flow(r, &clock, Parent::default(), String::new())),
        Record::File(r) => Some(file::file(r, &clock, Parent::default(), String::new(), Tier::Sigkill)),
        Record::Privilege(r) => {
            Some(privilege::privilege(r, &clock, Parent::default(), String::new(), Tier::Lsm))
        }
        Record::CgroupMkdir(_) | Record::CgroupRmdir(_) | Record::Exit(_) => None,
    };
});
