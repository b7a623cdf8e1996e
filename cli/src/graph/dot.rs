//! The map as Graphviz DOT, and as SVG laid out by Graphviz itself (`dot -Tsvg`): pods in a box
//! per namespace, outside blocks and hosts beside them, edges coloured by outcome (allowed:
//! green; audited: orange, dashed; denied: red, bold, each refusing policy its own edge), a
//! candidate's changes drawn thicker and labelled with what was stored.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    io::Write as _,
    process::{Command, Stdio},
};

use super::map::{Edge, FlowMap, Outcome, Place};

/// The most ports an edge's label lists; the rest are counted.
const PORTS_SHOWN: usize = 4;

/// A DOT string literal: quoted, with `"` and `\` escaped and line breaks as `\n`.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => {}
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn style(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allowed => "color=\"#2e7d32\", fontcolor=\"#2e7d32\"",
        Outcome::Audited => "color=\"#ef6c00\", fontcolor=\"#ef6c00\", style=dashed",
        Outcome::Denied => "color=\"#c62828\", fontcolor=\"#c62828\", style=bold",
    }
}

/// An edge's label: its ports with counts, then the refusing policy and what changed.
fn edge_label(e: &Edge<'_>) -> String {
    let mut lines = Vec::new();
    let mut ports: Vec<String> = e
        .ports
        .iter()
        .take(PORTS_SHOWN)
        .map(|(p, n)| {
            if *n == 1 {
                format!("{}/{}", p.protocol, p.port)
            } else {
                format!("{}/{} ×{n}", p.protocol, p.port)
            }
        })
        .collect();
    if e.ports.len() > PORTS_SHOWN {
        ports.push(format!("+{} more ports", e.ports.len() - PORTS_SHOWN));
    }
    lines.push(ports.join(", "));
    match (&e.key.policy, e.key.outcome) {
        (Some(p), Outcome::Denied) => lines.push(format!("denied by {p}")),
        (Some(p), Outcome::Audited) => lines.push(format!("audit: {p} would deny")),
        (None, Outcome::Denied) => lines.push("denied".into()),
        _ => {}
    }
    if let Some(was) = e.key.was {
        lines.push(format!("was {}", was.as_str()));
    }
    lines.join("\n")
}

/// The map as a DOT digraph with `title` above it.
pub fn to_dot(map: &FlowMap, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph rampart {{");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, label={}];",
        quote(title)
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8eef7\", fontname=\"Helvetica\", fontsize=11];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    let mut by_namespace: BTreeMap<&str, Vec<&Place>> = BTreeMap::new();
    let mut others = Vec::new();
    for place in map.places() {
        match place.namespace() {
            Some(ns) => by_namespace.entry(ns).or_default().push(place),
            None => others.push(place),
        }
    }
    for (ns, pods) in &by_namespace {
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_namespace_{ns}")));
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded\"; color=\"#90a4ae\"; fontcolor=\"#455a64\";",
            quote(&format!("namespace {ns}"))
        );
        for pod in pods {
            let _ = writeln!(out, "    {} [label={}];", quote(&pod.id()), quote(&pod.label()));
        }
        let _ = writeln!(out, "  }}");
    }
    for place in others {
        let look = match place {
            Place::Block(_) => "shape=ellipse, fillcolor=\"#f5f5f5\"",
            Place::Host { .. } => "shape=box3d, fillcolor=\"#fff8e1\"",
            Place::Unattributed { .. } => "style=\"rounded,dashed\"",
            Place::Pod { .. } => "",
        };
        let _ = writeln!(out, "  {} [label={}, {look}];", quote(&place.id()), quote(&place.label()));
    }
    for e in map.edges() {
        let changed = if e.key.was.is_some() { ", penwidth=2.5" } else { "" };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, {}{changed}];",
            quote(&e.key.client.id()),
            quote(&e.key.server.id()),
            quote(&edge_label(&e)),
            style(e.key.outcome)
        );
    }
    let _ = writeln!(out, "}}");
    out
}

/// Why the SVG could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "drawing SVG needs Graphviz's `dot` command, which is not installed (Debian/Ubuntu: apt install \
         graphviz; `-o dot` prints the graph without it)"
    )]
    NoGraphviz,
    #[error("running Graphviz's `dot`: {0}")]
    Io(#[from] std::io::Error),
    #[error("Graphviz's `dot` failed ({status}): {stderr}")]
    Failed { status: std::process::ExitStatus, stderr: String },
}

/// The DOT text laid out and drawn as SVG by Graphviz.
pub fn to_svg(dot: &str) -> Result<Vec<u8>, RenderError> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RenderError::NoGraphviz),
        Err(e) => return Err(e.into()),
    };
    let mut stdin = child.stdin.take().expect("piped");
    let text = dot.to_owned();
    // Written from a thread: a large graph fills the pipe before `dot` starts to answer.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output()?;
    writer.join().expect("the writer thread")?;
    if !out.status.success() {
        return Err(RenderError::Failed {
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_so_nothing_escapes_the_string() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("two\nlines"), r#""two\nlines""#);
    }

    #[test]
    fn an_empty_map_is_a_valid_graph_with_its_title() {
        let dot = to_dot(&FlowMap::new(Vec::new()), "no \"flows\"");
        assert!(dot.starts_with("digraph rampart {\n"), "{dot}");
        assert!(dot.contains(r#"label="no \"flows\"""#), "{dot}");
        assert!(dot.ends_with("}\n"), "{dot}");
    }
}
