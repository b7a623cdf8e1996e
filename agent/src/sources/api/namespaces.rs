//! The cluster's Namespaces from the API server, each decoded into [`NamespaceInfo`] (name
//! and labels) as it arrives.

use k8s_openapi::api::core::v1::Namespace;
use kube::{Api, runtime::watcher};
use tokio::sync::mpsc;

use crate::{
    attribution::namespaces::NamespaceInfo,
    sources::{Resource, Update},
};

pub async fn watch(client: kube::Client, tx: mpsc::Sender<Update>) {
    let api: Api<Namespace> = Api::all(client);
    let key = |n: &Namespace| n.metadata.name.as_deref().map(Into::into);
    super::watch::run(
        api,
        watcher::Config::default(),
        Resource::Namespaces,
        namespace_info,
        key,
        Update::Namespaces,
        tx,
    )
    .await;
}

pub fn namespace_info(n: Namespace) -> Option<NamespaceInfo> {
    let name = n.metadata.name.filter(|n| !n.is_empty())?;
    // BTreeMap iteration is sorted by key.
    let labels =
        n.metadata.labels.unwrap_or_default().into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    Some(NamespaceInfo { name: name.into(), labels })
}
