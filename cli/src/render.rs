//! Printing events: the compact line from `Event::compact_line` (coloured on a terminal: the
//! time dimmed, the verdict red for deny, yellow for audit, green for allow), or the proto3
//! JSON mapping, one per line.

use std::io::{IsTerminal as _, Write};

use rampart_proto::v1::{Event, verdict::Action};

use crate::args::{Color, Output};

const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

pub struct Printer {
    output: Output,
    color: bool,
}

impl Printer {
    pub fn new(output: Output, color: Color) -> Self {
        let color = match color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Printer { output, color }
    }

    pub fn line(&self, event: &Event) -> String {
        match self.output {
            Output::Json => event.to_json_line(),
            Output::Compact if self.color => colored(event),
            Output::Compact => event.compact_line(),
        }
    }

    /// Print one event; `false` when stdout is gone (a closed pipe).
    pub fn print(&self, out: &mut impl Write, event: &Event) -> bool {
        writeln!(out, "{}", self.line(event)).and_then(|()| out.flush()).is_ok()
    }
}

fn colored(event: &Event) -> String {
    let line = event.compact_line();
    let (time, rest) = line.split_once(' ').unwrap_or(("", &line));
    // The verdict is the last part: a workload's text before it (quoted) may hold "  => " too.
    let (what, verdict) = rest.rsplit_once("  => ").unwrap_or((rest, ""));
    let action = event.verdict.as_ref().map_or(Action::Unspecified, |v| v.action());
    let color = match action {
        Action::Deny => RED,
        Action::Audit => YELLOW,
        Action::Allow => GREEN,
        Action::Unspecified => "",
    };
    if verdict.is_empty() {
        format!("{DIM}{time}{RESET} {what}")
    } else {
        format!("{DIM}{time}{RESET} {what}  => {color}{verdict}{RESET}")
    }
}

#[cfg(test)]
mod tests {
    use rampart_proto::{
        v1::{Exec, Pod, Verdict, event::Body},
        wkt::Timestamp,
    };

    use super::*;

    fn denied() -> Event {
        Event {
            time: Some(Timestamp::from_unix_nanos(1_795_000_000_000_000_000)),
            node: "n1".into(),
            pod: Some(Pod { namespace: "shop".into(), name: "web".into(), ..Default::default() }),
            body: Some(Body::Exec(Exec { binary: "/bin/sh".into(), ..Default::default() })),
            verdict: Some(Verdict { action: Action::Deny as i32, ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn colour_wraps_time_and_verdict_only() {
        let plain = Printer::new(Output::Compact, Color::Never).line(&denied());
        let colored = Printer::new(Output::Compact, Color::Always).line(&denied());
        assert!(!plain.contains('\x1b'));
        assert!(colored.contains(&format!("{RED}deny [")), "{colored}");
        let stripped = colored.replace(DIM, "").replace(RED, "").replace(RESET, "");
        assert_eq!(stripped, plain);
    }

    #[test]
    fn json_is_the_event_json_line() {
        let line = Printer::new(Output::Json, Color::Always).line(&denied());
        assert_eq!(line, denied().to_json_line());
    }
}
