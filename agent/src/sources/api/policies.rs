//! `RampartPolicy` custom resources from the API server, in every namespace. Each object is
//! validated by the policy crate exactly as a file is ([`rampart_policy::parse_object`]); one
//! that fails is reported with its namespace/name and field, and the version of it already in
//! force stays (as with a file).
//!
//! The objects are watched untyped (`DynamicObject`): a typed watch would fail the whole list
//! on one object the agent refuses.

use kube::{
    Api,
    api::{ApiResource, DynamicObject},
    runtime::watcher,
};
use tokio::sync::mpsc;

use crate::sources::{PolicyObject, Resource, Update};

/// `rampart.dev/v1alpha1`, `rampartpolicies`.
pub fn api_resource() -> ApiResource {
    ApiResource {
        group: "rampart.dev".into(),
        version: "v1alpha1".into(),
        api_version: rampart_policy::document::API_VERSION.into(),
        kind: rampart_policy::document::KIND.into(),
        plural: "rampartpolicies".into(),
    }
}

pub async fn watch(client: kube::Client, tx: mpsc::Sender<Update>) {
    let api: Api<DynamicObject> = Api::all_with(client, &api_resource());
    super::watch::run(
        api,
        watcher::Config::default(),
        Resource::Policies,
        |o| Some(policy_object(o)),
        |o| key(o).map(Into::into),
        |d| Update::Policies(Box::new(d)),
        tx,
    )
    .await;
}

/// `namespace/name` of a namespaced object.
pub(super) fn key(o: &DynamicObject) -> Option<String> {
    let name = o.metadata.name.as_deref()?;
    let namespace = o.metadata.namespace.as_deref().unwrap_or(rampart_policy::document::DEFAULT_NAMESPACE);
    Some(format!("{namespace}/{name}"))
}

/// Validate one object. The error's source is `RampartPolicy <namespace>/<name>`.
pub fn policy_object(mut o: DynamicObject) -> PolicyObject {
    // Items of a list may come without their type; they are of the type listed.
    if o.types.is_none() {
        o.types = Some(kube::api::TypeMeta {
            api_version: rampart_policy::document::API_VERSION.into(),
            kind: rampart_policy::document::KIND.into(),
        });
    }
    let key = key(&o).unwrap_or_default();
    let source = format!("RampartPolicy {key}");
    let policy = serde_yaml::to_value(&o)
        .map_err(|e| rampart_policy::PolicyError::new(&source, format!("not a policy object: {e}")))
        .and_then(|value| rampart_policy::parse_object(&source, value));
    PolicyObject { key: key.into(), policy }
}
