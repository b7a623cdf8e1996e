//! Printing events: the compact line (`Event::compact_rest` after a time in the chosen
//! format; coloured on a terminal: the time dimmed, the verdict red for deny, yellow for audit,
//! green for allow), or the proto3 JSON mapping, one per line.

use std::io::{IsTerminal as _, Write};

use rampart_proto::{
    v1::{Event, verdict::Action},
    wkt::Timestamp,
};

use crate::args::{Color, Output, TimeFormat};

const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

pub struct Printer {
    output: Output,
    color: bool,
    time: TimeFormat,
    /// The local zone, for [`TimeFormat::Local`].
    zone: jiff::tz::TimeZone,
}

impl Printer {
    pub fn new(output: Output, color: Color, time: TimeFormat) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let color = match color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        let time = match time {
            TimeFormat::Auto if terminal => TimeFormat::Local,
            TimeFormat::Auto => TimeFormat::Utc,
            other => other,
        };
        // An unknown zone (no /etc/localtime, a bad TZ) prints UTC, with its offset.
        Printer {
            output,
            color,
            time,
            zone: jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }

    #[cfg(test)]
    fn in_zone(mut self, zone: jiff::tz::TimeZone) -> Self {
        self.zone = zone;
        self
    }

    pub fn line(&self, event: &Event) -> String {
        match self.output {
            Output::Json => event.to_json_line(),
            Output::Compact => {
                let time = event.time.map_or_else(|| "-".to_string(), |t| self.time(t));
                let rest = event.compact_rest();
                if self.color { colored(event, &time, &rest) } else { format!("{time} {rest}") }
            }
        }
    }

    /// `t` in the chosen format, with milliseconds.
    fn time(&self, t: Timestamp) -> String {
        let utc = t.rfc3339(3);
        match self.time {
            TimeFormat::Utc | TimeFormat::Auto => utc,
            TimeFormat::Clock => utc.get(11..23).unwrap_or(&utc).to_string(),
            TimeFormat::Local => match jiff::Timestamp::from_nanosecond(i128::from(t.unix_nanos())) {
                Ok(ts) => ts.to_zoned(self.zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
                Err(_) => utc,
            },
        }
    }

    /// Print one event; `false` when stdout is gone (a closed pipe).
    pub fn print(&self, out: &mut impl Write, event: &Event) -> bool {
        writeln!(out, "{}", self.line(event)).and_then(|()| out.flush()).is_ok()
    }
}

fn colored(event: &Event, time: &str, rest: &str) -> String {
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
    use rampart_proto::v1::{Exec, Pod, Verdict, event::Body};

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
        let plain = Printer::new(Output::Compact, Color::Never, TimeFormat::Utc).line(&denied());
        let colored = Printer::new(Output::Compact, Color::Always, TimeFormat::Utc).line(&denied());
        assert!(!plain.contains('\x1b'));
        assert!(colored.contains(&format!("{RED}deny [")), "{colored}");
        let stripped = colored.replace(DIM, "").replace(RED, "").replace(RESET, "");
        assert_eq!(stripped, plain);
    }

    #[test]
    fn json_is_the_event_json_line() {
        let line = Printer::new(Output::Json, Color::Always, TimeFormat::Local).line(&denied());
        assert_eq!(line, denied().to_json_line());
    }

    #[test]
    fn times_carry_their_date_and_zone() {
        let at = |time| Printer::new(Output::Compact, Color::Never, time);
        let e = denied();
        assert!(
            at(TimeFormat::Utc).line(&e).starts_with("2026-11-18T11:06:40.000Z n1 shop/web "),
            "{}",
            at(TimeFormat::Utc).line(&e)
        );
        assert!(at(TimeFormat::Clock).line(&e).starts_with("11:06:40.000 n1 "));
        let berlin = jiff::tz::TimeZone::fixed(jiff::tz::offset(1));
        let local = at(TimeFormat::Local).in_zone(berlin).line(&e);
        assert!(local.starts_with("2026-11-18T12:06:40.000+01:00 n1 "), "{local}");
        // Auto off a terminal (as here): UTC, for files and pipes.
        assert_eq!(at(TimeFormat::Auto).line(&e), at(TimeFormat::Utc).line(&e));
    }
}
