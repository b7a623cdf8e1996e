//! `rampart status --nodes`: every node's `RampartNode` object, read from the Kubernetes API
//! (each agent writes its own: kernel, the tier per concern, and the feasibility of every rule
//! of the policies selecting its pods).

use std::{path::Path, process::ExitCode};

use anyhow::Context as _;
use kube::{
    Api,
    api::{ApiResource, DynamicObject, ListParams},
    config::{Config, KubeConfigOptions, Kubeconfig},
};
use serde::Deserialize;

use rampart_proto::visible::visible;

use crate::args::StatusOutput;

/// What an agent writes into its node's object (see docs/deployment.md).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct NodeStatus {
    kernel: String,
    arch: String,
    concerns: Vec<ConcernStatus>,
    rules: Vec<RuleStatus>,
    degraded_rules: usize,
    pods: usize,
    policies: usize,
    ready: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConcernStatus {
    concern: String,
    tier: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RuleStatus {
    policy: String,
    rule: String,
    tier: String,
    degraded: bool,
    reason: String,
}

pub async fn client(kubeconfig: Option<&Path>) -> anyhow::Result<kube::Client> {
    let config = match kubeconfig {
        Some(path) => {
            let k =
                Kubeconfig::read_from(path).with_context(|| format!("--kubeconfig {}", path.display()))?;
            Config::from_custom_kubeconfig(k, &KubeConfigOptions::default())
                .await
                .with_context(|| format!("--kubeconfig {}", path.display()))?
        }
        None => Config::infer().await.context(
            "no Kubernetes configuration (--kubeconfig, KUBECONFIG, ~/.kube/config or in-cluster)",
        )?,
    };
    Ok(kube::Client::try_from(config)?)
}

pub async fn status(kubeconfig: Option<&Path>, output: StatusOutput) -> anyhow::Result<ExitCode> {
    let resource = ApiResource {
        group: "rampart.dev".into(),
        version: "v1alpha1".into(),
        api_version: "rampart.dev/v1alpha1".into(),
        kind: "RampartNode".into(),
        plural: "rampartnodes".into(),
    };
    let api: Api<DynamicObject> = Api::all_with(client(kubeconfig).await?, &resource);
    let list = api.list(&ListParams::default()).await.context("listing rampartnodes.rampart.dev")?;
    let mut nodes: Vec<(String, NodeStatus)> = Vec::new();
    for o in list.items {
        let name = o.metadata.name.clone().unwrap_or_default();
        let status = o.data.get("status").cloned().unwrap_or_default();
        let status: NodeStatus =
            serde_json::from_value(status).with_context(|| format!("RampartNode {name}: status"))?;
        nodes.push((name, status));
    }
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    let json = |name: &str, s: &NodeStatus| {
        serde_json::json!({
                    "node": name, "kernel": s.kernel, "arch": s.arch, "ready": s.ready,
                    "pods": s.pods, "policies": s.policies, "degradedRules": s.degraded_rules,
                    "concerns": s.concerns.iter().map(|c| serde_json::json!({"concern": c.concern, "tier": c.tier, "reason": c.reason})).collect::<Vec<_>>(),
                    "rules": s.rules.iter().map(|r| serde_json::json!({"policy": r.policy, "rule": r.rule, "tier": r.tier, "degraded": r.degraded, "reason": r.reason})).collect::<Vec<_>>(),
        })
    };
    match output {
        StatusOutput::Json => {
            for (name, s) in &nodes {
                println!("{}", json(name, s));
            }
        }
        StatusOutput::Yaml => {
            let all: Vec<serde_json::Value> = nodes.iter().map(|(name, s)| json(name, s)).collect();
            print!("{}", serde_yaml::to_string(&all)?);
        }
        StatusOutput::Text => print!("{}", text(&nodes)),
    }
    Ok(ExitCode::SUCCESS)
}

fn text(nodes: &[(String, NodeStatus)]) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    if nodes.is_empty() {
        o.push_str("no RampartNode objects: no agent has written its node's status yet\n");
        return o;
    }
    let tier = |s: &NodeStatus, c: &str| {
        s.concerns.iter().find(|x| x.concern == c).map_or("?".to_owned(), |x| visible(&x.tier).into_owned())
    };
    let _ = writeln!(
        o,
        "{:<24} {:<20} {:<8} {:<8} {:<9} {:>4} {:>8} {:>8}  READY",
        "NODE", "KERNEL", "NETWORK", "ROOTFS", "PRIVILEGE", "PODS", "POLICIES", "DEGRADED"
    );
    for (name, s) in nodes {
        let _ = writeln!(
            o,
            "{:<24} {:<20} {:<8} {:<8} {:<9} {:>4} {:>8} {:>8}  {}",
            visible(name),
            visible(&format!("{} {}", s.kernel, s.arch)),
            tier(s, "network"),
            tier(s, "rootfs"),
            tier(s, "privilege"),
            s.pods,
            s.policies,
            s.degraded_rules,
            if s.ready { "yes" } else { "no" }
        );
    }
    for (name, s) in nodes {
        for r in s.rules.iter().filter(|r| r.degraded) {
            let (policy, rule) = (visible(&r.policy), visible(&r.rule));
            let _ = writeln!(
                o,
                "DEGRADED {} {policy} {rule} ({}): {}",
                visible(name),
                visible(&r.tier),
                visible(&r.reason)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_row_per_node_and_a_line_per_degraded_rule() {
        let s: NodeStatus = serde_json::from_value(serde_json::json!({
            "kernel": "6.1.0", "arch": "aarch64", "pods": 3, "policies": 1, "degradedRules": 1, "ready": true,
            "concerns": [{"concern": "network", "tier": "cgroup", "reason": ""},
                         {"concern": "rootfs", "tier": "sigkill", "reason": "no BPF LSM"}],
            "rules": [{"policy": "shop/web", "rule": "filesystem.rootfs", "concern": "rootfs", "mode": "enforce",
                       "tier": "sigkill", "degraded": true, "reason": "the write lands before the process dies"}]
        }))
        .unwrap();
        let t = text(&[("n1".into(), s)]);
        assert!(t.lines().nth(1).unwrap().starts_with("n1 "), "{t}");
        assert!(t.contains("cgroup   sigkill  ?"), "{t}");
        assert!(
            t.contains(
                "DEGRADED n1 shop/web filesystem.rootfs (sigkill): the write lands before the process dies"
            ),
            "{t}"
        );
    }
}
