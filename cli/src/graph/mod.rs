//! `rampart graph [filters] [--since 1h] [--candidate FILE...] -o dot|svg|json`: who talked to
//! whom, from the stored flows of a window — the collector replays the window's flow events
//! (the reader sees only what it may), this counts their opens into edges ([`map`]) and draws
//! them ([`dot`]). With `--candidate`, every flow is judged again with the candidate policies
//! (the collector's what-if set: candidates plus the base policies none replaces) by the one
//! verdict function, and the map shows what would have happened.

mod dot;
mod map;

use std::{io::Write as _, process::ExitCode, time::SystemTime};

use anyhow::Context as _;
use rampart_policy::{Candidates, parse_source};
use rampart_proto::{
    event::Kind,
    v1::{PolicySource, ReplayRequest},
};
use serde_json::json;

use crate::{
    Server,
    args::{GraphArgs, GraphOutput},
    connect, filter, usage, whatif,
};

use map::FlowMap;

/// The window when `--since` is not given.
const DEFAULT_SINCE: &str = "1h";

pub async fn graph(server: &Server, mut a: GraphArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    if a.filter.kinds.iter().any(|k| *k != Kind::Flow) {
        return usage("rampart graph draws flows: --kind can only be flow".into());
    }
    a.filter.kinds = vec![Kind::Flow];
    a.filter.since.get_or_insert_with(|| DEFAULT_SINCE.into());
    let filter = match filter::to_proto(&a.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let candidate = if a.candidates.is_empty() {
        None
    } else {
        match candidates(&a).await? {
            Ok(c) => Some(c),
            Err(errors) => return Ok(whatif::policy_errors(&errors)),
        }
    };
    let (since, until) = (filter.since, filter.until);
    let mut client = connect(server).await?;
    let request = ReplayRequest { filter: Some(filter), limit: 0, newest: false };
    let mut replay = client.replay(request).await.context("replay")?.into_inner();
    let mut flows = FlowMap::new(a.cidrs.clone());
    let mut events = 0_u64;
    while let Some(r) = replay.message().await.context("the replay failed")? {
        if let Some(e) = r.event {
            events += 1;
            flows.add(&e, candidate.as_ref().map(|c| &c.set));
        }
    }
    let window = format!(
        "{} to {}",
        since.map_or_else(|| "the start".into(), |t| t.rfc3339(0)),
        until.map_or_else(|| "now".into(), |t| t.rfc3339(0))
    );
    let mut title =
        format!("rampart: flows from {window}: {} connection opens, {events} events", flows.opens);
    if let Some(c) = &candidate {
        title.push_str(&format!("\njudged again with the candidates {}", c.policies.join(", ")));
        if !c.replaced.is_empty() {
            title.push_str(&format!(" (replacing {})", c.replaced.join(", ")));
        }
    }
    title.push_str(if candidate.is_some() {
        "\ngreen: allowed; orange, dashed: audit only; red: denied; thick: the candidates change it"
    } else {
        "\ngreen: allowed; orange, dashed: audit only (would be denied); red: denied"
    });
    for (why, n) in &flows.unjudged {
        eprintln!("rampart: {n} flow{} drawn as stored: {}", if *n == 1 { "" } else { "s" }, why.reason());
    }
    if flows.is_empty() {
        eprintln!("rampart: no flow opens from {window} match the filters");
    }
    let bytes = match a.output {
        GraphOutput::Dot => dot::to_dot(&flows, &title).into_bytes(),
        GraphOutput::Svg => dot::to_svg(&dot::to_dot(&flows, &title))?,
        GraphOutput::Json => (serde_json::to_string_pretty(&to_json(&flows, &title))? + "\n").into_bytes(),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&bytes).and_then(|()| out.flush());
    Ok(ExitCode::SUCCESS)
}

/// The candidate set: `--candidate` files checked as `rampart policy lint` does, with `--base`
/// and `--base-cluster` as what-if reads them; every error of every file, or the set.
async fn candidates(a: &GraphArgs) -> anyhow::Result<Result<Candidates, Vec<String>>> {
    let (candidates, mut base) = match (whatif::read_sources(&a.candidates), whatif::read_sources(&a.base)) {
        (Ok(c), Ok(b)) => (c, b),
        (c, b) => return Ok(Err(c.err().into_iter().chain(b.err()).flatten().collect())),
    };
    if a.base_cluster {
        base.extend(whatif::cluster_policies(a.kubeconfig.as_deref()).await?);
    }
    // Read and checked above: parsing again cannot fail.
    let parse = |sources: &[PolicySource]| -> Vec<_> {
        sources.iter().flat_map(|s| parse_source(&s.name, &s.content).unwrap_or_default()).collect()
    };
    Ok(Candidates::new(parse(&candidates), parse(&base))
        .map_err(|e| e.iter().map(ToString::to_string).collect()))
}

/// The map as JSON: places, then edges with their ports.
fn to_json(flows: &FlowMap, title: &str) -> serde_json::Value {
    let places: Vec<_> = flows
        .places()
        .into_iter()
        .map(|p| json!({"id": p.id(), "kind": p.kind(), "label": p.label(), "namespace": p.namespace()}))
        .collect();
    let edges: Vec<_> = flows
        .edges()
        .map(|e| {
            json!({
                "from": e.key.client.id(),
                "to": e.key.server.id(),
                "outcome": e.key.outcome,
                "policy": e.key.policy,
                "was": e.key.was,
                "count": e.count,
                "ports": e.ports.iter().map(|(p, n)| json!({"protocol": p.protocol, "port": p.port, "count": n})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let unjudged: serde_json::Map<String, serde_json::Value> =
        flows.unjudged.iter().map(|(why, n)| (why.reason().to_owned(), json!(n))).collect();
    json!({
        "title": title,
        "opens": flows.opens,
        "retries": flows.retries,
        "places": places,
        "edges": edges,
        "unjudged": unjudged,
    })
}
