//! The Pods of this node from the API server (field selector `spec.nodeName=<node>`), each
//! decoded into [`PodInfo`] as it arrives: attribution keeps names, uid, labels, container ids,
//! addresses and named ports, nothing else (no spec, no managed fields). And every Pod of the
//! cluster, slimmer still (no containers): who is at which address, for selector peers.

use k8s_openapi::api::core::v1::Pod;
use kube::{Api, runtime::watcher};
use tokio::sync::mpsc;

use super::label_sets::LabelSets;
use crate::{
    attribution::{PodInfo, kubelet::status_container_id},
    sources::{Resource, Update},
};

pub async fn watch(client: kube::Client, node: String, labels: LabelSets, tx: mpsc::Sender<Update>) {
    let api: Api<Pod> = Api::all(client);
    // Pages of 100: a decoded page of whole Pod objects is the peak of a (re)list.
    let config = watcher::Config::default().fields(&format!("spec.nodeName={node}")).page_size(100);
    super::watch::run(
        api,
        config,
        Resource::Pods,
        |p| pod_info(p, &labels),
        |p| p.metadata.uid.as_deref().map(Into::into),
        Update::Pods,
        tx,
    )
    .await;
}

/// Every Pod of the cluster, as peers: pages of 500 (a peer is decoded into a few hundred
/// bytes at once, so a page of whole objects is the peak).
pub async fn watch_all(client: kube::Client, labels: LabelSets, tx: mpsc::Sender<Update>) {
    let api: Api<Pod> = Api::all(client);
    super::watch::run(
        api,
        watcher::Config::default().page_size(500),
        Resource::PeerPods,
        |p| {
            let mut info = pod_info(p, &labels)?;
            info.containers = Box::default();
            Some(info)
        },
        |p| p.metadata.uid.as_deref().map(Into::into),
        Update::PeerPods,
        tx,
    )
    .await;
}

/// What attribution keeps of a Pod, its labels shared through `labels`; `None` for an object
/// without name or uid (not joinable).
pub fn pod_info(pod: Pod, labels: &LabelSets) -> Option<PodInfo> {
    let m = pod.metadata;
    let name = m.name.filter(|n| !n.is_empty())?;
    let uid = m.uid.filter(|u| !u.is_empty())?;
    let namespace = m.namespace.filter(|n| !n.is_empty()).unwrap_or_else(|| "default".into());
    let status = pod.status.unwrap_or_default();
    let spec = pod.spec.unwrap_or_default();
    let listed = status.pod_ips.iter().flatten().map(|p| p.ip.as_str()).chain(status.pod_ip.as_deref());
    let ips = pod_ips(spec.host_network == Some(true), status.phase.as_deref(), listed);
    let ports = named_ports(
        spec.containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .filter_map(|p| Some((p.name.as_deref()?, p.container_port, p.protocol.as_deref()))),
    );
    let containers = status
        .container_statuses
        .into_iter()
        .flatten()
        .chain(status.init_container_statuses.into_iter().flatten())
        .chain(status.ephemeral_container_statuses.into_iter().flatten())
        .filter_map(|c| {
            Some((Box::<str>::from(status_container_id(c.container_id.as_deref()?)), c.name.into()))
        })
        .filter(|(id, _)| !id.is_empty())
        .collect();
    // BTreeMap iteration is sorted by key, as PodInfo::labels must be.
    let labels =
        labels.share(m.labels.unwrap_or_default().into_iter().map(|(k, v)| (k.into(), v.into())).collect());
    Some(PodInfo {
        namespace: namespace.into(),
        name: name.into(),
        uid: uid.into(),
        labels,
        containers,
        ips,
        ports,
    })
}

/// A pod's addresses, parsed and deduplicated (an address that does not parse is left out);
/// none for a host-network pod (its address is the node's) or one that ended in `phase` (its
/// address may be handed to another).
pub fn pod_ips<'a>(
    host_network: bool,
    phase: Option<&str>,
    listed: impl Iterator<Item = &'a str>,
) -> Box<[std::net::IpAddr]> {
    if host_network || matches!(phase, Some("Succeeded" | "Failed")) {
        return Box::default();
    }
    let mut ips: Vec<std::net::IpAddr> = listed.filter_map(|a| a.parse().ok()).collect();
    ips.sort();
    ips.dedup();
    ips.into()
}

/// A pod's named ports from (name, number, protocol) triples; numbers out of range and
/// protocols other than TCP and UDP are left out (no rule can name them).
pub fn named_ports<'a>(
    listed: impl Iterator<Item = (&'a str, i32, Option<&'a str>)>,
) -> Box<[rampart_policy::NamedPort]> {
    use rampart_policy::{NamedPort, Protocol};
    let mut ports: Vec<NamedPort> = listed
        .filter_map(|(name, number, protocol)| {
            let protocol = match protocol.unwrap_or("TCP") {
                "TCP" => Protocol::Tcp,
                "UDP" => Protocol::Udp,
                _ => return None,
            };
            let port = u16::try_from(number).ok().filter(|&p| p != 0)?;
            Some(NamedPort { name: name.into(), protocol, port })
        })
        .collect();
    ports.sort();
    ports.dedup();
    ports.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_from_the_api_keeps_what_attribution_needs() {
        let pod: Pod = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"Pod",
                "metadata":{"name":"web-0","namespace":"shop","uid":"6f1c","labels":{"b":"2","a":"1"},
                            "managedFields":[{"manager":"kubelet"}]},
                "spec":{"nodeName":"n1","containers":[{"name":"nginx","image":"nginx",
                    "ports":[{"name":"http","containerPort":80},{"containerPort":81},
                             {"name":"dns","containerPort":53,"protocol":"UDP"},
                             {"name":"sctp","containerPort":9,"protocol":"SCTP"}]}]},
                "status":{"podIP":"10.1.2.3","podIPs":[{"ip":"10.1.2.3"},{"ip":"fd00::3"}],
                    "containerStatuses":[{"name":"nginx","image":"nginx","imageID":"","ready":true,
                    "restartCount":0,"containerID":"containerd://4e2b"}]}}"#,
        )
        .unwrap();
        let labels = LabelSets::default();
        let p = pod_info(pod.clone(), &labels).unwrap();
        assert_eq!((&*p.namespace, &*p.name, &*p.uid), ("shop", "web-0", "6f1c"));
        assert_eq!(p.labels.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(p.container_name("4e2b"), Some("nginx"));
        assert_eq!(p.ips.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["10.1.2.3", "fd00::3"]);
        let ports: Vec<_> = p.ports.iter().map(|n| (&*n.name, n.port, n.protocol.as_str())).collect();
        assert_eq!(ports, [("dns", 53, "UDP"), ("http", 80, "TCP")]);
        let again = pod_info(pod, &labels).unwrap();
        assert!(std::sync::Arc::ptr_eq(&p.labels, &again.labels), "one copy of a label set");
    }
}
