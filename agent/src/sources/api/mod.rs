//! The Kubernetes API as a source: a kube-rs client from the configuration, and one watcher
//! task per kind ([`pods`], [`namespaces`], [`policies`], [`network_policies`]) feeding [`Update`]s to the main loop.
//!
//! Resilience is kube-rs's watcher's: it lists (in pages), watches from the list's
//! `resourceVersion` with bookmarks, relists on `410 Gone`, and retries with backoff on any
//! error. Each error is also reported ([`Update::Health`]) so metrics and logs say the cache
//! is stale; the stores keep their contents meanwhile.

pub mod daemonset;
mod label_sets;
pub mod namespaces;
pub mod network_policies;
pub mod node_status;
pub mod pods;
pub mod policies;
mod watch;

pub use rampart_kubeclient::{ApiConfig, ClientError, connect};

use tokio::sync::mpsc;

use super::Update;

/// Updates waiting for the main loop at most; a watcher waits when the loop is behind.
const CHANNEL: usize = 1024;

/// Start the watchers this configuration asks for (pods come with their namespaces). Returns the receiving end for the main loop.
pub fn spawn(
    client: &kube::Client,
    node: &str,
    watch_pods: bool,
    watch_policies: bool,
    network_policies: Option<rampart_policy::Mode>,
) -> mpsc::Receiver<Update> {
    let (tx, rx) = mpsc::channel(CHANNEL);
    if watch_pods {
        let labels = label_sets::LabelSets::default();
        tokio::spawn(pods::watch(client.clone(), node.to_owned(), labels.clone(), tx.clone()));
        tokio::spawn(pods::watch_all(client.clone(), labels, tx.clone()));
        tokio::spawn(namespaces::watch(client.clone(), tx.clone()));
    }
    if let Some(mode) = network_policies {
        tokio::spawn(network_policies::watch(client.clone(), mode, tx.clone()));
    }
    if watch_policies {
        tokio::spawn(policies::watch(client.clone(), tx));
    }
    rx
}
