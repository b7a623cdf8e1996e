//! `rampart policy what-if FILE... [--base PATH]... [filters]`: the collector judges the
//! stored events of a window again with the candidate policies, and this prints what would
//! change — a summary line first, then a table of changes, what could not be judged, and
//! sample events of each change. `-o json` prints the report's proto3 JSON mapping.
//!
//! The candidate files are read and checked here first (the same checks as `rampart policy
//! lint`), so a typo is reported before the collector is asked anything.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    io::{IsTerminal as _, Write as _},
    path::PathBuf,
    process::ExitCode,
    time::SystemTime,
};

use anyhow::Context as _;
use rampart_policy::{dir, parse_source, source::read_source};
use rampart_proto::{
    v1::{PolicySource, VerdictChange, WhatIfReport, WhatIfRequest, verdict::Action, what_if_response},
    visible::visible,
};

use crate::{
    Server,
    args::{ReportOutput, WhatIfArgs},
    connect, filter, usage,
};

/// Reads the policy files of `paths` (files, or directories of them); every problem with
/// every file, as `file:line:column: field: message`.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<PolicySource>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            match dir::list(path) {
                Ok(f) => files.extend(f),
                Err(e) => errors.push(e.to_string()),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut sources = Vec::new();
    for file in files {
        let name = file.display().to_string();
        match read_source(&file) {
            Ok(content) => match parse_source(&name, &content) {
                Ok(_) => sources.push(PolicySource { name, content }),
                Err(e) => errors.extend(e.iter().map(ToString::to_string)),
            },
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    if errors.is_empty() { Ok(sources) } else { Err(errors) }
}

/// Prints the errors of the candidate policies, one per line on stdout, and their count on
/// stderr; exit 1.
pub fn policy_errors(errors: &[String]) -> ExitCode {
    for e in errors {
        println!("{e}");
    }
    eprintln!("rampart: {} error{} in the policies", errors.len(), if errors.len() == 1 { "" } else { "s" });
    ExitCode::FAILURE
}

pub async fn what_if(server: &Server, a: WhatIfArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    let filter = match filter::to_proto(&a.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let (candidates, base) = match (read_sources(&a.files), read_sources(&a.base)) {
        (Ok(c), Ok(b)) => (c, b),
        (c, b) => {
            let errors: Vec<String> = c.err().into_iter().chain(b.err()).flatten().collect();
            return Ok(policy_errors(&errors));
        }
    };
    let mut base = base;
    if a.base_cluster {
        base.extend(cluster_policies(a.kubeconfig.as_deref()).await?);
    }
    let request = WhatIfRequest { filter: Some(filter), candidates, base, samples: a.samples };
    let mut client = connect(server).await?;
    let mut stream = client.what_if(request).await.context("what-if")?.into_inner();
    let progress = std::io::stderr().is_terminal();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let report = loop {
        let item = tokio::select! {
            item = stream.message() => item.context("the what-if failed")?,
            _ = &mut ctrl_c => {
                if progress {
                    eprintln!();
                }
                eprintln!("rampart: what-if cancelled");
                return Ok(ExitCode::from(130));
            }
        };
        match item.and_then(|i| i.item) {
            None => anyhow::bail!("the collector ended the what-if without a report"),
            Some(what_if_response::Item::Progress(p)) if progress => {
                let reached = p.reached.map(|t| t.rfc3339(0)).unwrap_or_default();
                eprint!("\r\x1b[Kread {} events, up to {reached}", thousands(p.events_read));
            }
            Some(what_if_response::Item::Progress(_)) => {}
            Some(what_if_response::Item::Report(r)) => break r,
        }
    };
    if progress {
        eprint!("\r\x1b[K");
    }
    let text = match a.output {
        ReportOutput::Json => serde_json::to_string(&report)? + "\n",
        ReportOutput::Compact => render(&report),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(ExitCode::SUCCESS)
}

/// Every RampartPolicy object of the cluster, as a policy source named after the object. An
/// object that does not validate is not in force on any agent: it is left out, with a warning.
pub async fn cluster_policies(kubeconfig: Option<&std::path::Path>) -> anyhow::Result<Vec<PolicySource>> {
    use kube::api::{Api, ApiResource, DynamicObject, ListParams};
    let resource = ApiResource {
        group: "rampart.dev".into(),
        version: "v1alpha1".into(),
        api_version: "rampart.dev/v1alpha1".into(),
        kind: "RampartPolicy".into(),
        plural: "rampartpolicies".into(),
    };
    let api: Api<DynamicObject> = Api::all_with(crate::nodes::client(kubeconfig).await?, &resource);
    let list = api.list(&ListParams::default()).await.context("listing rampartpolicies.rampart.dev")?;
    let mut sources = Vec::new();
    for object in list.items {
        let name = format!(
            "RampartPolicy {}/{}",
            object.metadata.namespace.as_deref().unwrap_or_default(),
            object.metadata.name.as_deref().unwrap_or_default()
        );
        let content = serde_json::to_string(&object)?;
        match parse_source(&name, &content) {
            Ok(_) => sources.push(PolicySource { name, content }),
            Err(errors) => {
                for e in errors {
                    eprintln!("rampart: left out of the policies in force: {e}");
                }
            }
        }
    }
    Ok(sources)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn action(a: i32) -> &'static str {
    match Action::try_from(a) {
        Ok(Action::Allow) => "allow",
        Ok(Action::Deny) => "deny",
        Ok(Action::Audit) => "audit",
        _ => "?",
    }
}

fn transition(c: &VerdictChange) -> String {
    format!("{} -> {}", action(c.from), action(c.to))
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The summary line, the table, what was not judged, and samples.
pub fn render(r: &WhatIfReport) -> String {
    let mut o = String::new();
    let unjudged: u64 = r.unjudged.iter().map(|u| u.count).sum();
    let mut by_transition: BTreeMap<String, u64> = BTreeMap::new();
    for c in &r.changes {
        *by_transition.entry(transition(c)).or_default() += c.count;
    }
    let transitions: Vec<String> =
        by_transition.iter().map(|(t, n)| format!("{} {t}", thousands(*n))).collect();
    let _ = write!(
        o,
        "what-if: {} would change of {} judged",
        thousands(r.changed),
        plural(r.judged, "activity", "activities")
    );
    if !transitions.is_empty() {
        let _ = write!(o, " ({})", transitions.join(", "));
    }
    if unjudged > 0 {
        let _ = write!(o, "; {} could not be judged", thousands(unjudged));
    }
    let window = match (&r.first, &r.last) {
        (Some(f), Some(l)) => format!(", {} to {}", f.rfc3339(0), l.rfc3339(0)),
        _ => String::new(),
    };
    let _ = writeln!(o, "\n  {} read{window}", plural(r.events_read, "stored event", "stored events"));
    let _ =
        write!(o, "  candidates: {}", r.policies.iter().map(|p| visible(p)).collect::<Vec<_>>().join(", "));
    if !r.replaced.is_empty() {
        let _ = write!(
            o,
            " (replacing {} in force)",
            r.replaced.iter().map(|p| visible(p)).collect::<Vec<_>>().join(", ")
        );
    }
    o.push('\n');
    if !r.changes.is_empty() {
        let rows: Vec<[String; 6]> = r
            .changes
            .iter()
            .map(|c| {
                let kinds =
                    c.kinds.iter().map(|k| format!("{} {}", k.name, k.count)).collect::<Vec<_>>().join(", ");
                let mut pods: Vec<String> =
                    c.pods.iter().take(3).map(|p| format!("{} ({})", visible(&p.name), p.count)).collect();
                if c.pods.len() > 3 {
                    pods.push(format!("+{} more", c.pods.len() - 3));
                }
                let or_none =
                    |s: &str| if s.is_empty() { "(none)".to_string() } else { visible(s).into_owned() };
                [
                    transition(c),
                    thousands(c.count),
                    or_none(&c.policy),
                    or_none(&c.rule),
                    kinds,
                    pods.join(", "),
                ]
            })
            .collect();
        let header = ["CHANGE", "COUNT", "POLICY", "RULE", "KINDS", "PODS"].map(String::from);
        let mut widths = [0usize; 6];
        for row in std::iter::once(&header).chain(&rows) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        o.push('\n');
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::from(" ");
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                let _ = if i == 1 { write!(line, " {cell:>w$}") } else { write!(line, " {cell:<w$}") };
            }
            let _ = writeln!(o, "{}", line.trim_end());
        }
    }
    if !r.unjudged.is_empty() {
        o.push_str("\n  not judged:\n");
        for u in &r.unjudged {
            let _ = writeln!(o, "  {:>8}  {}", thousands(u.count), u.reason);
        }
    }
    for c in r.changes.iter().filter(|c| !c.samples.is_empty()) {
        let _ = writeln!(
            o,
            "\n  {} by {} {}, e.g.:",
            transition(c),
            if c.policy.is_empty() { "(no policy)".into() } else { visible(&c.policy) },
            visible(&c.rule)
        );
        for e in &c.samples {
            let _ = writeln!(o, "    {}", e.compact_line());
        }
    }
    o
}
