//! This node's `RampartNode` object: one cluster-scoped object per node, named after it,
//! written only by that node's agent with server-side apply under its own field manager
//! (`rampart-agent/<node>`), so N agents never contend for one object. An owner reference to
//! the `Node` lets the garbage collector remove it with the node.
//!
//! The main loop hands the latest [`NodeStatus`] to a task over a `watch` channel; the task
//! applies whatever is newest when the previous apply finished, at most once a second (and
//! retries with backoff), so the API server's latency never reaches the loop.

use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use kube::{
    Api,
    api::{ApiResource, DynamicObject, Patch, PatchParams},
};
use serde::Serialize;
use serde_json::json;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::{
    caps::{Concern, ProbeReport, Tier},
    enforce::feasibility::RuleFeasibility,
};

/// `rampart.dev/v1alpha1`, `rampartnodes` (cluster-scoped).
pub fn api_resource() -> ApiResource {
    ApiResource {
        group: "rampart.dev".into(),
        version: "v1alpha1".into(),
        api_version: "rampart.dev/v1alpha1".into(),
        kind: "RampartNode".into(),
        plural: "rampartnodes".into(),
    }
}

/// What a node reports about itself (the object's `status`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    pub kernel: String,
    pub arch: String,
    pub agent_version: &'static str,
    /// The tier per concern, and why that one.
    pub concerns: Vec<ConcernStatus>,
    /// Each rule of every policy that selects a pod on this node.
    pub rules: Vec<RuleFeasibility>,
    /// `enforce` rules this node lets through (the printer column).
    pub degraded_rules: usize,
    pub pods: usize,
    pub policies: usize,
    pub ready: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConcernStatus {
    pub concern: Concern,
    pub tier: Tier,
    pub reason: String,
}

impl ConcernStatus {
    pub fn of(report: &ProbeReport) -> Vec<ConcernStatus> {
        Concern::ALL
            .iter()
            .map(|&c| {
                let r = report.concern(c);
                ConcernStatus { concern: c, tier: r.tier, reason: r.tiers[&r.tier].reason.clone() }
            })
            .collect()
    }
}

/// At most one write per this interval: a node whose pods churn changes its status often, and
/// only the newest status matters.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Retry delays after a failed apply (the last one repeats).
const BACKOFF: [Duration; 4] =
    [Duration::from_millis(500), Duration::from_secs(2), Duration::from_secs(8), Duration::from_secs(30)];

/// Start the writer; send it each new status.
pub fn spawn(client: kube::Client, node: String) -> watch::Sender<Option<NodeStatus>> {
    let (tx, rx) = watch::channel(None);
    tokio::spawn(write(client, node, rx));
    tx
}

async fn write(client: kube::Client, node: String, mut rx: watch::Receiver<Option<NodeStatus>>) {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &api_resource());
    let params = PatchParams::apply(&format!("rampart-agent/{node}")).force();
    let mut owner = None;
    let mut failures = 0usize;
    while rx.changed().await.is_ok() {
        let Some(status) = rx.borrow_and_update().clone() else { continue };
        if owner.is_none() {
            owner = node_owner(&client, &node).await;
        }
        let mut object = json!({
            "apiVersion": "rampart.dev/v1alpha1",
            "kind": "RampartNode",
            "metadata": {"name": node},
            "status": status,
        });
        if let Some(o) = &owner {
            object["metadata"]["ownerReferences"] = json!([o]);
        }
        match api.patch(&node, &params, &Patch::Apply(&object)).await {
            Ok(_) => {
                if failures > 0 {
                    info!(node = %node, "RampartNode written again");
                }
                failures = 0;
                tokio::time::sleep(MIN_INTERVAL).await;
            }
            Err(e) => {
                warn!(node = %node, error = %e, "writing RampartNode {node} failed (needs patch on rampartnodes.rampart.dev); retrying");
                tokio::time::sleep(BACKOFF[failures.min(BACKOFF.len() - 1)]).await;
                failures += 1;
                // Try again with whatever is newest.
                rx.mark_changed();
            }
        }
    }
}

/// The owner reference to this node's `Node` object, when it can be read.
async fn node_owner(client: &kube::Client, node: &str) -> Option<serde_json::Value> {
    let nodes: Api<Node> = Api::all(client.clone());
    match nodes.get_opt(node).await {
        Ok(Some(n)) => {
            n.metadata.uid.map(|uid| json!({"apiVersion": "v1", "kind": "Node", "name": node, "uid": uid}))
        }
        Ok(None) => {
            warn!(node, "no Node object named {node}: RampartNode written without an owner");
            None
        }
        Err(e) => {
            warn!(node, error = %e, "reading Node {node} failed (needs get on nodes): RampartNode written without an owner");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::caps::Tier;

    /// Keys of `value` that `schema` does not declare, as paths.
    fn undeclared(value: &Value, schema: &serde_yaml::Value, path: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = format!("{path}.{k}");
                    match schema.get("properties").and_then(|ps| ps.get(k.as_str())) {
                        Some(s) => undeclared(v, s, &p, out),
                        None => out.push(p),
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    match schema.get("items") {
                        Some(s) => undeclared(v, s, &format!("{path}[{i}]"), out),
                        None => out.push(format!("{path}[{i}]")),
                    }
                }
            }
            _ => {}
        }
    }

    /// Everything the agent writes into its RampartNode is in the committed CRD's schema (the
    /// API server would prune what is not).
    #[test]
    fn the_status_written_is_what_the_crd_declares() {
        let status = NodeStatus {
            kernel: "6.18.0".into(),
            arch: "x86_64".into(),
            agent_version: "0.1.0",
            concerns: vec![ConcernStatus {
                concern: Concern::Rootfs,
                tier: Tier::Sigkill,
                reason: "r".into(),
            }],
            rules: vec![RuleFeasibility {
                policy: "shop/web".into(),
                rule: "filesystem.rootfs",
                concern: Concern::Rootfs,
                mode: "enforce",
                tier: Tier::Sigkill,
                degraded: true,
                reason: "the write lands before the process dies".into(),
            }],
            degraded_rules: 1,
            pods: 3,
            policies: 1,
            ready: true,
        };
        let crd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../deploy/crds/rampartnodes.rampart.dev.yaml");
        let crd: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(crd).unwrap()).unwrap();
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"];
        let mut missing = Vec::new();
        undeclared(&serde_json::to_value(&status).unwrap(), schema, "status", &mut missing);
        assert!(missing.is_empty(), "not in the RampartNode CRD: {missing:?}");
    }
}
