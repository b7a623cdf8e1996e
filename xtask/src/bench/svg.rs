//! `target/bench/results.svg`: every goal on one axis, as a fraction of its limit (1 is the
//! limit; left of it is better for a `<=` goal, right of it for a `>=` goal), with a ratio's
//! confidence interval as a whisker. Plain SVG text, no dependencies.

use std::fmt::Write as _;

use super::{Goal, Verdict};

const ROW: f64 = 22.0;
const LABEL: f64 = 430.0;
const PLOT: f64 = 420.0;
/// The axis: fractions of the limit from 0 to this.
const SPAN: f64 = 2.0;

fn x(fraction: f64) -> f64 {
    LABEL + PLOT * (fraction.clamp(0.0, SPAN) / SPAN)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The chart of the goals that have a limit.
pub fn chart(goals: &[Goal]) -> String {
    let judged: Vec<&Goal> = goals
        .iter()
        .filter(|g| g.verdict != Verdict::Reported && g.limit.is_finite() && g.limit > 0.0)
        .collect();
    let height = ROW * (judged.len() as f64 + 2.0);
    let width = LABEL + PLOT + 20.0;
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(o, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        o,
        r#"<text x="{LABEL}" y="14">measured / limit (1 = the goal's limit; a whisker is a 95% interval)</text>"#
    );
    let top = ROW;
    let bottom = height - ROW / 2.0;
    let _ = writeln!(
        o,
        r#"<line x1="{0}" y1="{top}" x2="{0}" y2="{bottom}" stroke="black" stroke-dasharray="3,2"/>"#,
        x(1.0)
    );
    for (i, g) in judged.iter().enumerate() {
        let y = top + ROW * (i as f64 + 0.5);
        let colour = match g.verdict {
            Verdict::Met => "#2e7d32",
            Verdict::Missed => "#c62828",
            _ => "#757575",
        };
        let _ = writeln!(
            o,
            r#"<text x="4" y="{}">{} {} ({} {})</text>"#,
            y + 4.0,
            escape(&g.name),
            escape(&format!("{:.3}", g.value)),
            escape(g.goal),
            g.limit
        );
        if let Some((low, high)) = g.interval {
            let _ = writeln!(
                o,
                r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2"/>"#,
                x(low / g.limit),
                x(high / g.limit)
            );
        }
        let _ = writeln!(o, r#"<circle cx="{}" cy="{y}" r="4" fill="{colour}"/>"#, x(g.value / g.limit));
    }
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_judged_goal_is_a_row_and_reported_figures_are_left_out() {
        let goals = vec![
            Goal::at_most("a <b>", 1.1, "ratio", 1.3, ""),
            Goal::at_least("c", 300.0, "MiB", 400.0, ""),
            Goal::reported("d", 5.0, "ev/s", ""),
        ];
        let svg = chart(&goals);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("a &lt;b&gt;") && !svg.contains(">d "));
        assert!(svg.contains("#2e7d32") && svg.contains("#c62828"));
    }
}
