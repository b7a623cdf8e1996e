//! Objects in the shape a real API server returns them: a Pod as kubelet and the scheduler
//! leave it (defaulted spec, the service-account token volume, conditions, container statuses,
//! managed fields of three managers), a Namespace with the label the API server adds, a Node,
//! and `RampartPolicy` objects. Nothing is shrunk to what the agent reads: the agent must pick
//! its fields out of the whole object.

use serde_json::{Value, json};

use crate::pod::TestPod;

/// The Pod object of a test pod scheduled on `node`, running.
pub fn pod(p: &TestPod, node: &str) -> Value {
    let s = &p.spec;
    let ip = p.netns.as_ref().map_or_else(|| "10.244.1.17".to_owned(), |_| p.v4());
    let container_id = format!("{}{}", s.runtime.status_prefix(), p.container_id);
    let parts = PodParts {
        namespace: &s.namespace,
        name: &s.name,
        uid: &p.uid,
        labels: &s.labels,
        container: &s.container_name,
        container_id: &container_id,
        ip: &ip,
    };
    pod_object(&parts, node)
}

/// What makes one Pod object different from another.
pub struct PodParts<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: &'a str,
    pub labels: &'a [(String, String)],
    pub container: &'a str,
    /// With the runtime's prefix, e.g. `containerd://<64 hex>`.
    pub container_id: &'a str,
    pub ip: &'a str,
}

/// A running Pod object scheduled on `node` (also for pods that need no cgroups, as in a bench).
pub fn pod_object(p: &PodParts<'_>, node: &str) -> Value {
    let labels: serde_json::Map<String, Value> =
        p.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let started = "2026-12-01T09:14:07Z";
    let token = format!("kube-api-access-{}", &crate::random_hex(5));
    let (container_id, ip) = (p.container_id, p.ip);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": p.name,
            "generateName": format!("{}-7d4b9c6f8-", p.name),
            "namespace": p.namespace,
            "uid": p.uid,
            "generation": 1,
            "labels": labels,
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-12-01T09:13:58Z"},
            "ownerReferences": [{
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": format!("{}-7d4b9c6f8", p.name),
                "uid": "2b0e4c8a-51f3-4d8e-9a77-0c3e1f5b6d21",
                "controller": true,
                "blockOwnerDeletion": true
            }],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-12-01T09:14:05Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}}, "f:ownerReferences": {".": {}}},
                                 "f:spec": {"f:containers": {}, "f:dnsPolicy": {}, "f:restartPolicy": {}}}
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-12-01T09:14:08Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:hostIP": {},
                                 "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}},
                    "subresource": "status"
                }
            ]
        },
        "spec": {
            "volumes": [{
                "name": token,
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                    ],
                    "defaultMode": 420
                }
            }],
            "containers": [{
                "name": p.container,
                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                "args": ["netexec", "--http-port=8080"],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                "volumeMounts": [{"name": token, "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent"
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "nodeName": node,
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ],
            "priority": 0,
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority"
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-12-01T09:14:07Z"},
                {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-12-01T09:14:05Z"},
                {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-12-01T09:14:08Z"},
                {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-12-01T09:14:08Z"},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-12-01T09:14:05Z"}
            ],
            "hostIP": "172.18.0.3",
            "hostIPs": [{"ip": "172.18.0.3"}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": "2026-12-01T09:14:05Z",
            "containerStatuses": [{
                "name": p.container,
                "state": {"running": {"startedAt": started}},
                "lastState": {},
                "ready": true,
                "restartCount": 0,
                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                "imageID": "registry.k8s.io/e2e-test-images/agnhost@sha256:99c6b4bb4a1e1df3f0b3752168c89358794d02258ebebc26bf21c29399011a85",
                "containerID": container_id,
                "started": true,
                "volumeMounts": [{"name": token, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true, "recursiveReadOnly": "Disabled"}]
            }],
            "qosClass": "Burstable"
        }
    })
}

/// A Namespace as the API server keeps it (with its `kubernetes.io/metadata.name` label).
pub fn namespace(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut l = serde_json::Map::new();
    l.insert("kubernetes.io/metadata.name".into(), json!(name));
    for (k, v) in labels {
        l.insert((*k).into(), json!(v));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": l,
            "managedFields": [{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
                               "time": "2026-12-01T09:10:00Z", "fieldsType": "FieldsV1",
                               "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:kubernetes.io/metadata.name": {}}}}}]
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}
    })
}

/// A Node object (what the RampartNode's owner reference points at).
pub fn node(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/arch": std::env::consts::ARCH, "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
            "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
        },
        "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]},
        "status": {"nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": "containerd://2.1.4", "kubeletVersion": "v1.33.4", "operatingSystem": "linux"}}
    })
}

/// A `RampartPolicy` object with `spec`, as `kubectl apply` leaves it.
pub fn policy(namespace: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "rampart.dev/v1alpha1",
        "kind": "RampartPolicy",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"},
            "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                               "apiVersion": "rampart.dev/v1alpha1", "time": "2026-12-01T09:20:00Z",
                               "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {".": {}}}}]
        },
        "spec": spec
    })
}

/// A `networking.k8s.io/v1` NetworkPolicy object with `spec`, as `kubectl apply` leaves it.
pub fn network_policy(namespace: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "generation": 1,
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"},
            "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                               "apiVersion": "networking.k8s.io/v1", "time": "2026-12-01T09:20:00Z",
                               "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {".": {}}}}]
        },
        "spec": spec
    })
}

/// An `apps/v1` DaemonSet `namespace/name`, as the chart's agent DaemonSet reads back (spec
/// trimmed to its selector).
pub fn daemonset(namespace: &str, name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "generation": 1,
            "labels": {"app.kubernetes.io/component": "agent"}
        },
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/component": "agent"}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
        }
    })
}
