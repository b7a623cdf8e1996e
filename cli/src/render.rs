//! Printing events: the compact line (`Event::compact_rest` after a time in the chosen
//! format; coloured on a terminal: the time dimmed, the verdict red for deny, yellow for audit,
//! green for allow), the proto3 JSON mapping, one per line, or a table under a header (columns
//! of fixed width: events stream, so widths cannot wait for the last row).

use std::{
    cell::Cell,
    io::{IsTerminal as _, Write},
};

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
    /// The table's header was printed.
    header: Cell<bool>,
}

/// The table's columns and their widths (0: the rest of the line).
const TABLE: [(&str, usize); 7] = [
    ("NODE", 14),
    ("NAMESPACE", 16),
    ("POD", 24),
    ("PROCESS", 18),
    ("KIND", 9),
    ("WHAT", 48),
    ("VERDICT", 0),
];

/// `s` padded or cut to `width` characters (cut ones end in `…`); as it is when `width` is 0.
fn cell(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if width == 0 {
        s.to_string()
    } else if n > width {
        let mut cut: String = s.chars().take(width - 1).collect();
        cut.push('…');
        cut
    } else {
        format!("{s:width$}")
    }
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
            header: Cell::new(false),
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
            Output::Table | Output::Wide => {
                let row = self.row(event);
                if self.header.replace(true) { row } else { format!("{}\n{row}", self.header_row()) }
            }
        }
    }

    fn time_width(&self) -> usize {
        match self.time {
            TimeFormat::Clock => 12,
            TimeFormat::Local => 29,
            _ => 24,
        }
    }

    fn header_row(&self) -> String {
        let wide = self.output == Output::Wide;
        let mut cols = vec![cell("TIME", self.time_width())];
        for (name, width) in TABLE {
            cols.push(if wide && width > 0 { name.to_string() } else { cell(name, width) });
        }
        if wide {
            cols.extend(["CONTAINER", "POLICY", "RULE"].map(String::from));
        }
        cols.join(if wide { "\t" } else { " " }).trim_end().to_string()
    }

    /// One event's cells: escaped as in the compact line. Table: fixed widths, one space
    /// apart; wide: every value whole, tab-separated (for `column -t -s $'\t'` or a sheet).
    fn row(&self, e: &Event) -> String {
        use rampart_proto::visible::visible;
        let wide = self.output == Output::Wide;
        let pod = e.pod.as_ref();
        let (namespace, name) = match pod {
            Some(p) if !p.name.is_empty() => {
                (visible(&p.namespace).into_owned(), visible(&p.name).into_owned())
            }
            _ => ("-".into(), e.subject_text()),
        };
        let what = e.what_text();
        let kind = e.kind().map_or("?", |k| k.as_str());
        // The kind is its own column: the text after it.
        let what = what.strip_prefix(kind).map_or(what.as_str(), str::trim_start).to_string();
        let verdict = e.verdict_summary().unwrap_or_else(|| "-".into());
        let time = e.time.map_or_else(|| "-".to_string(), |t| self.time(t));
        let values = [
            visible(&e.node).into_owned(),
            namespace,
            name,
            e.process_text().unwrap_or_else(|| "-".into()),
            kind.to_string(),
            what,
            verdict,
        ];
        if wide {
            let v = e.verdict.as_ref();
            let container = pod.map_or("", |p| p.container_name.as_str());
            let mut cols = vec![time];
            cols.extend(values);
            cols.push(if container.is_empty() { "-".into() } else { visible(container).into_owned() });
            cols.push(v.map_or("-".into(), |v| {
                if v.policy.is_empty() { "-".into() } else { visible(&v.policy).into_owned() }
            }));
            cols.push(v.map_or("-".into(), |v| {
                if v.rule.is_empty() { "-".into() } else { visible(&v.rule).into_owned() }
            }));
            return cols.join("\t");
        }
        let mut cols = vec![cell(&time, self.time_width())];
        cols.extend(values.iter().zip(TABLE).map(|(v, (_, width))| cell(v, width)));
        cols.join(" ").trim_end().to_string()
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
    fn table_rows_line_up_under_one_header_and_wide_keeps_every_value() {
        let table = Printer::new(Output::Table, Color::Always, TimeFormat::Utc);
        let first = table.line(&denied());
        let (header, row) = first.split_once('\n').expect("a header first");
        assert!(header.starts_with("TIME ") && header.ends_with(" VERDICT"), "{header}");
        assert_eq!(header.find("POD"), row.find("web"), "\n{header}\n{row}");
        assert_eq!(header.find("KIND"), row.find("exec"), "\n{header}\n{row}");
        assert!(row.ends_with("deny [TIER_UNSPECIFIED]"), "{row}");
        assert_eq!(table.line(&denied()), row, "the header once");
        // A workload's name cannot break the row: escaped, and cut to its column.
        let mut hostile = denied();
        hostile.pod.as_mut().unwrap().name = format!("{}\x1b[2K\r\n", "x".repeat(40));
        let line = table.line(&hostile);
        assert!(!line.contains(['\x1b', '\r', '\n']), "{line:?}");
        assert!(line.contains(&format!("{}…", "x".repeat(23))), "{line}");
        let wide = Printer::new(Output::Wide, Color::Never, TimeFormat::Utc).line(&hostile);
        let (header, row) = wide.split_once('\n').unwrap();
        assert_eq!(header.split('\t').count(), 11, "{header}");
        assert_eq!(row.split('\t').count(), 11, "{row}");
        assert!(row.contains(&"x".repeat(40)) && !row.contains(['\x1b', '\r', '\n']), "{row:?}");
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
