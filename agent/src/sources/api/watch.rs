//! One kube-rs watcher turned into [`Delta`]s: the objects of a (re)list are buffered from
//! `Init` to `InitDone` and sent as one [`Delta::Reset`], so the store is replaced at once and
//! never sees half a list.
//!
//! Health: an error makes the watch unhealthy; an event makes it healthy. A watch that resumes
//! after an outage yields no event until something changes (kube-rs consumes bookmarks), so
//! while unhealthy a one-item list of the same objects, every [`PROBE`], says whether the API
//! server answers again.

use std::{fmt::Debug, time::Duration};

use futures_util::StreamExt;
use kube::{
    Api, Resource as KubeResource,
    api::ListParams,
    runtime::{WatchStreamExt, watcher},
};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::sources::{Delta, Resource, Update};

/// How often an unhealthy watch asks the API server whether it answers again.
const PROBE: Duration = Duration::from_secs(2);

/// Watch `api` until the main loop goes away. `convert` decodes an object into what the agent
/// keeps (`None`: not kept, e.g. a Pod without a uid); `key` names a deleted object.
pub(super) async fn run<K, T>(
    api: Api<K>,
    config: watcher::Config,
    resource: Resource,
    convert: impl Fn(K) -> Option<T>,
    key: impl Fn(&K) -> Option<Box<str>>,
    wrap: impl Fn(Delta<T>) -> Update,
    tx: mpsc::Sender<Update>,
) where
    K: KubeResource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let mut probe_params = ListParams::default().limit(1);
    if let Some(fields) = &config.field_selector {
        probe_params = probe_params.fields(fields);
    }
    let probe_api = api.clone();
    let mut stream = watcher(api, config).default_backoff().boxed();
    let mut listing: Option<Vec<T>> = None;
    let mut healthy = None;
    let mut probe = tokio::time::interval(PROBE);
    loop {
        let next = tokio::select! {
            next = stream.next() => match next {
                Some(next) => next,
                None => return,
            },
            _ = probe.tick(), if healthy == Some(false) => {
                if probe_api.list(&probe_params).await.is_ok() {
                    healthy = Some(true);
                    info!(resource = resource.as_str(), "the API server answers again");
                    if tx.send(Update::Health { resource, error: None }).await.is_err() {
                        return;
                    }
                }
                continue;
            }
        };
        let update = match next {
            Ok(event) => {
                if healthy != Some(true) {
                    healthy = Some(true);
                    if tx.send(Update::Health { resource, error: None }).await.is_err() {
                        return;
                    }
                }
                match event {
                    watcher::Event::Init => {
                        listing = Some(Vec::new());
                        continue;
                    }
                    watcher::Event::InitApply(obj) => {
                        if let (Some(list), Some(t)) = (listing.as_mut(), convert(obj)) {
                            list.push(t);
                        }
                        continue;
                    }
                    watcher::Event::InitDone => {
                        let list = listing.take().unwrap_or_default();
                        info!(
                            resource = resource.as_str(),
                            objects = list.len(),
                            "listed from the API server"
                        );
                        wrap(Delta::Reset(list))
                    }
                    watcher::Event::Apply(obj) => match convert(obj) {
                        Some(t) => wrap(Delta::Apply(t)),
                        None => continue,
                    },
                    watcher::Event::Delete(obj) => match key(&obj) {
                        Some(k) => wrap(Delta::Delete(k)),
                        None => continue,
                    },
                }
            }
            Err(watcher::Error::WatchError(status)) if status.code == 410 => {
                // The watch fell behind the server's history: the watcher relists (a Reset
                // follows). Normal on a long watch; not an outage.
                info!(resource = resource.as_str(), "watch expired (410 Gone); relisting");
                continue;
            }
            Err(e) => {
                let error = describe(resource, &e);
                warn!(resource = resource.as_str(), "{error}; retrying with backoff, keeping what is known");
                healthy = Some(false);
                Update::Health { resource, error: Some(error) }
            }
        };
        if tx.send(update).await.is_err() {
            return;
        }
    }
}

/// An operator's wording of a watch error: a refusal names the verb and the resource (what
/// the RBAC rule must grant).
fn describe(resource: Resource, e: &watcher::Error) -> String {
    let (verb, inner) = match e {
        watcher::Error::InitialListFailed(inner) => ("list", Some(inner)),
        watcher::Error::WatchStartFailed(inner) | watcher::Error::WatchFailed(inner) => {
            ("watch", Some(inner))
        }
        watcher::Error::WatchError(status) => {
            return format!(
                "watching {}: the API server ended the watch: {} {} ({})",
                resource.as_str(),
                status.code,
                status.reason,
                status.message
            );
        }
        watcher::Error::NoResourceVersion => ("watch", None),
    };
    match inner {
        Some(kube::Error::Api(status)) if status.code == 403 => format!(
            "the API server refused to {verb} {} (403 Forbidden: {}); the agent's ServiceAccount needs \
             get, list and watch on {}",
            resource.rbac(),
            status.message,
            resource.rbac()
        ),
        Some(kube::Error::Api(status)) if status.code == 404 && resource == Resource::Policies => format!(
            "{verb} {}: 404 Not Found: is the RampartPolicy CRD installed? (deploy/crds/)",
            resource.as_str()
        ),
        _ => format!("{verb} {}: {e}", resource.as_str()),
    }
}
