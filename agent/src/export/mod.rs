//! Where events go. For now: JSON lines (`--events-out PATH|-`), the proto3 JSON mapping of
//! `rampart.v1.Event`, one per line, flushed after every batch the ring buffer yields.

use std::{
    fs::OpenOptions,
    io::{self, BufWriter, Write},
    path::PathBuf,
};

use rampart_proto::v1::Event;

/// Where `--events-out` points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventsOut {
    Stdout,
    File(PathBuf),
}

impl EventsOut {
    pub fn parse(s: &str) -> Self {
        if s == "-" { EventsOut::Stdout } else { EventsOut::File(s.into()) }
    }
}

pub struct Exporter {
    lines: Option<BufWriter<Box<dyn Write + Send>>>,
}

impl Exporter {
    pub fn open(out: Option<&EventsOut>) -> io::Result<Self> {
        let lines = match out {
            None => None,
            Some(EventsOut::Stdout) => Some(BufWriter::new(Box::new(io::stdout()) as Box<dyn Write + Send>)),
            Some(EventsOut::File(path)) => {
                let f = OpenOptions::new().create(true).append(true).open(path)?;
                Some(BufWriter::new(Box::new(f) as Box<dyn Write + Send>))
            }
        };
        Ok(Exporter { lines })
    }

    pub fn send(&mut self, event: &Event) -> io::Result<()> {
        if let Some(w) = &mut self.lines {
            w.write_all(event.to_json_line().as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.lines {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}
