//! The agent's DaemonSet as rendered from the Helm chart (`deploy/kustomize/base/`), compiled
//! in so the VMs read the same one: what the tests that hold the agent to it need.

use serde_json::{Value, json};

const AGENT_DAEMONSET: &str = include_str!("../../deploy/kustomize/base/agent-daemonset.yaml");

/// The agent container, and the pod spec around it.
pub fn agent_container() -> (Value, Value) {
    let ds: Value = serde_yaml::from_str(AGENT_DAEMONSET).expect("the DaemonSet is YAML");
    let pod = ds["spec"]["template"]["spec"].clone();
    let container =
        pod["containers"].as_array().expect("containers").iter().find(|c| c["name"] == "agent").cloned();
    (container.expect("an `agent` container"), pod)
}

/// The capabilities `container` adds (it must drop every other).
pub fn granted_capabilities(container: &Value) -> Vec<String> {
    let caps = &container["securityContext"]["capabilities"];
    assert_eq!(caps["drop"], json!(["ALL"]), "the agent drops every capability it does not add");
    caps["add"]
        .as_array()
        .expect("capabilities.add")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}
