//! `rampart verify`: the collector recomputes each node's hash chain from what it stores; this
//! prints what it found, and exits 1 when any range is not as it was stored. `rampart delete`:
//! deletion on request, which keeps the chain verifiable.

use std::{fmt::Write as _, process::ExitCode};

use anyhow::Context as _;
use rampart_proto::v1::{DeleteRequest, VerifyRequest, VerifyResponse, chain_problem::Kind};

use crate::{
    Server,
    args::{DeleteArgs, ReportOutput, VerifyArgs},
    connect,
};

pub async fn verify(server: &Server, a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut request = tonic::Request::new(VerifyRequest { node: a.node.unwrap_or_default() });
    // Long stores take a while; a collector that never answers still does not hang the CLI.
    request.set_timeout(std::time::Duration::from_secs(600));
    let r = connect(server).await?.verify(request).await.context("verify")?.into_inner();
    match a.output {
        ReportOutput::Compact => print!("{}", text(&r)),
        ReportOutput::Json => println!("{}", serde_json::to_string(&r)?),
    }
    let intact = r.nodes.iter().all(|n| n.problems.is_empty());
    Ok(if intact { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub async fn delete(server: &Server, a: DeleteArgs) -> anyhow::Result<ExitCode> {
    let mut request = tonic::Request::new(DeleteRequest {
        namespace: a.namespace,
        pod: a.pod.unwrap_or_default(),
        reason: a.reason,
    });
    request.set_timeout(std::time::Duration::from_secs(600));
    let d = connect(server)
        .await?
        .delete(request)
        .await
        .context("delete")?
        .into_inner()
        .deletion
        .unwrap_or_default();
    println!("{}", crate::status::deletion_line(&d));
    Ok(ExitCode::SUCCESS)
}

/// One block per node: counts and head, then one line per problem.
pub fn text(r: &VerifyResponse) -> String {
    let mut o = String::new();
    if r.nodes.is_empty() {
        o.push_str("no node has stored events\n");
    }
    for n in &r.nodes {
        let state = if n.problems.is_empty() { "intact" } else { "NOT INTACT" };
        let _ = write!(
            o,
            "{} {state}: {} links, {} events verified",
            rampart_proto::visible::visible(&n.node),
            n.links,
            n.events_verified
        );
        if n.events_pruned > 0 {
            let _ = write!(o, ", {} deleted by retention", n.events_pruned);
        }
        if n.events_deleted > 0 {
            let _ = write!(o, ", {} deleted on request", n.events_deleted);
        }
        if n.events_unchained > 0 {
            let _ = write!(o, ", {} stored before the chain (not verifiable)", n.events_unchained);
        }
        let _ = writeln!(o, "; head {}", n.head);
        for p in &n.problems {
            let kind = match Kind::try_from(p.kind) {
                Ok(Kind::Edited) => "EDITED",
                Ok(Kind::Removed) => "REMOVED",
                Ok(Kind::Inserted) => "INSERTED",
                Ok(Kind::Broken) => "BROKEN",
                _ => "PROBLEM",
            };
            let _ = writeln!(
                o,
                "  {kind} boot {} sequences {}: {}",
                rampart_proto::visible::visible(&p.boot),
                p.sequences,
                rampart_proto::visible::visible(&p.detail)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use rampart_proto::v1::{ChainProblem, NodeChain};

    use super::*;

    #[test]
    fn a_problem_names_its_node_boot_and_sequences() {
        let r = VerifyResponse {
            nodes: vec![
                NodeChain {
                    node: "a".into(),
                    links: 2,
                    events_verified: 10,
                    head: "ab".into(),
                    ..Default::default()
                },
                NodeChain {
                    node: "b".into(),
                    links: 1,
                    head: "cd".into(),
                    problems: vec![ChainProblem {
                        kind: Kind::Edited as i32,
                        boot: "0f1e2d3c".into(),
                        sequences: "1-3".into(),
                        detail: "an event's content differs".into(),
                    }],
                    ..Default::default()
                },
            ],
        };
        let t = text(&r);
        assert!(t.contains("a intact: 2 links, 10 events verified; head ab\n"), "{t}");
        assert!(t.contains("b NOT INTACT: 1 links, 0 events verified; head cd\n"), "{t}");
        assert!(t.contains("  EDITED boot 0f1e2d3c sequences 1-3: an event's content differs\n"), "{t}");
    }
}
