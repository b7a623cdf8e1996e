//! Kubernetes `networking.k8s.io/v1` NetworkPolicy objects (with `--networkpolicy
//! enforce|audit`), in every namespace, each read by the policy crate into a policy of that
//! mode ([`rampart_policy::parse_network_policy_object`]); one the agent refuses is reported by
//! namespace/name and field, and the version of it in force stays.

use kube::{
    Api,
    api::{ApiResource, DynamicObject},
    runtime::watcher,
};
use rampart_policy::{Mode, networkpolicy};
use tokio::sync::mpsc;

use super::policies::key;
use crate::sources::{PolicyObject, Resource, Update};

/// `networking.k8s.io/v1`, `networkpolicies`.
pub fn api_resource() -> ApiResource {
    ApiResource {
        group: "networking.k8s.io".into(),
        version: "v1".into(),
        api_version: networkpolicy::API_VERSION.into(),
        kind: networkpolicy::KIND.into(),
        plural: "networkpolicies".into(),
    }
}

pub async fn watch(client: kube::Client, mode: Mode, tx: mpsc::Sender<Update>) {
    let api: Api<DynamicObject> = Api::all_with(client, &api_resource());
    super::watch::run(
        api,
        watcher::Config::default(),
        Resource::NetworkPolicies,
        move |o| Some(policy_object(o, mode)),
        |o| key(o).map(Into::into),
        |d| Update::NetworkPolicies(Box::new(d)),
        tx,
    )
    .await;
}

/// Read one object as a policy. The error's source is `NetworkPolicy <namespace>/<name>`.
pub fn policy_object(o: DynamicObject, mode: Mode) -> PolicyObject {
    let key = key(&o).unwrap_or_default();
    let source = format!("NetworkPolicy {key}");
    let policy = serde_yaml::to_value(&o)
        .map_err(|e| rampart_policy::PolicyError::new(&source, format!("not a NetworkPolicy object: {e}")))
        .and_then(|value| rampart_policy::parse_network_policy_object(&source, value, mode));
    PolicyObject { key: key.into(), policy }
}
