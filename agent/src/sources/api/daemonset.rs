//! Rollout or uninstall? At SIGTERM, an agent with pinned enforcement (`--pin-dir`) asks the
//! API server for its DaemonSet (`--daemonset NAMESPACE/NAME`). A rollout, a deleted pod or a
//! drained node leave it in place: the pins stay for the next agent. `helm uninstall` and
//! `kubectl delete -k` delete it before its pods, and its RBAC with it: then the agent removes
//! the pins, and Rampart leaves the node with its last agent.

use k8s_openapi::api::apps::v1::DaemonSet;
use kube::Api;

/// What the API server says of the agent's DaemonSet.
#[derive(Debug, PartialEq, Eq)]
pub enum Fate {
    /// There, not being deleted: a rollout (or a pod deleted on its own).
    Stays,
    /// Gone, being deleted, or the agent's own grants gone (401/403): an uninstall.
    Removed(&'static str),
}

pub async fn fate(client: &kube::Client, namespace: &str, name: &str) -> Result<Fate, kube::Error> {
    let api: Api<DaemonSet> = Api::namespaced(client.clone(), namespace);
    match api.get_opt(name).await {
        Ok(None) => Ok(Fate::Removed("it is gone")),
        Ok(Some(ds)) if ds.metadata.deletion_timestamp.is_some() => Ok(Fate::Removed("it is being deleted")),
        Ok(Some(_)) => Ok(Fate::Stays),
        Err(kube::Error::Api(s)) if s.code == 401 || s.code == 403 => {
            Ok(Fate::Removed("the agent's own access was removed with it"))
        }
        Err(e) => Err(e),
    }
}
