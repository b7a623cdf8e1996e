//! The kubelet's cgroup layout: which pod (and container) a cgroup v2 path belongs to.
//!
//! systemd driver:
//! `kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_with_underscores>.slice/<runtime>-<id>.scope`
//! cgroupfs driver: `kubepods/<qos>/pod<uid>/<id>`.
//! Guaranteed pods have no `<qos>` level. Runtimes: containerd (`cri-containerd-`), CRI-O
//! (`crio-`; `crio-conmon-` is the monitor, not a container), docker (`docker-`). The
//! `kubepods` level may sit below another cgroup (kubelet `--cgroup-root`); cgroups below a
//! container's (nested by the workload) belong to that container.

/// QoS class, from the cgroup path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qos {
    Guaranteed,
    Burstable,
    BestEffort,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodCgroup {
    pub pod_uid: Box<str>,
    pub qos: Qos,
    /// The container's id, when the cgroup is a container's (or below one).
    pub container_id: Option<Box<str>>,
}

/// Parse a cgroup path relative to the cgroup v2 root (leading `/` optional).
pub fn parse(path: &str) -> Option<PodCgroup> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let start = parts.iter().position(|p| *p == "kubepods.slice" || *p == "kubepods")?;
    let systemd = parts[start] == "kubepods.slice";
    let mut rest = parts[start + 1..].iter().copied();

    let mut next = rest.next()?;
    let mut qos = Qos::Guaranteed;
    if let Some(q) = qos_level(next, systemd) {
        qos = q;
        next = rest.next()?;
    }
    let pod_uid = if systemd {
        let name = next.strip_suffix(".slice")?;
        let (_, uid) = name.rsplit_once("pod")?;
        uid.replace('_', "-")
    } else {
        next.strip_prefix("pod")?.to_string()
    };
    if !is_uid(&pod_uid) {
        return None;
    }
    let container_id = rest.next().and_then(|c| container_id(c, systemd));
    Some(PodCgroup { pod_uid: pod_uid.into(), qos, container_id })
}

/// If `path` is a kubepods root (`.../kubepods.slice` or `.../kubepods`), its depth below the
/// hierarchy root (1 for `/kubepods.slice`).
pub fn kubepods_root_depth(path: &str) -> Option<u32> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    matches!(parts.last(), Some(&"kubepods.slice" | &"kubepods")).then_some(parts.len() as u32)
}

fn qos_level(part: &str, systemd: bool) -> Option<Qos> {
    let name = if systemd { part.strip_prefix("kubepods-")?.strip_suffix(".slice")? } else { part };
    match name {
        "burstable" => Some(Qos::Burstable),
        "besteffort" => Some(Qos::BestEffort),
        _ => None,
    }
}

/// The container id in a container cgroup's name, if it is one.
fn container_id(part: &str, systemd: bool) -> Option<Box<str>> {
    let name = part.strip_suffix(".scope").unwrap_or(part);
    if name.starts_with("crio-conmon-") {
        return None;
    }
    let id = ["cri-containerd-", "crio-", "docker-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .or((!systemd).then_some(name))?;
    is_container_id(id).then(|| id.into())
}

fn is_container_id(id: &str) -> bool {
    id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_uid(uid: &str) -> bool {
    !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The bare id of a `status.containerStatuses[].containerID` (`containerd://<id>`,
/// `cri-o://<id>`, `docker://<id>`).
pub fn status_container_id(id: &str) -> &str {
    id.split_once("://").map_or(id, |(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "6f1c2a8e-3b5d-4c1e-9f0a-1234567890ab";
    const CID: &str = "4e2b9a7c1d3f5e6a8b0c2d4e6f8a0b1c3d5e7f9a1b2c3d4e5f6a7b8c9d0e1f2a";

    fn pod(qos: Qos, container: Option<&str>) -> Option<PodCgroup> {
        Some(PodCgroup { pod_uid: UID.into(), qos, container_id: container.map(Into::into) })
    }

    #[test]
    fn systemd_driver_every_qos_and_runtime() {
        let u = UID.replace('-', "_");
        let cases = [
            (
                format!(
                    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{u}.slice/cri-containerd-{CID}.scope"
                ),
                Qos::Burstable,
                Some(CID),
            ),
            (
                format!(
                    "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{u}.slice/crio-{CID}.scope"
                ),
                Qos::BestEffort,
                Some(CID),
            ),
            (format!("/kubepods.slice/kubepods-pod{u}.slice/docker-{CID}.scope"), Qos::Guaranteed, Some(CID)),
            (format!("/kubepods.slice/kubepods-pod{u}.slice"), Qos::Guaranteed, None),
            (
                format!(
                    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{u}.slice/crio-conmon-{CID}.scope"
                ),
                Qos::Burstable,
                None,
            ),
            // A cgroup the workload nested inside its container belongs to the container.
            (
                format!("/kubepods.slice/kubepods-pod{u}.slice/cri-containerd-{CID}.scope/init.scope"),
                Qos::Guaranteed,
                Some(CID),
            ),
        ];
        for (path, qos, cid) in cases {
            assert_eq!(parse(&path), pod(qos, cid), "{path}");
        }
    }

    #[test]
    fn cgroupfs_driver_every_qos_and_runtime() {
        let cases = [
            (format!("/kubepods/burstable/pod{UID}/{CID}"), Qos::Burstable, Some(CID)),
            (format!("/kubepods/besteffort/pod{UID}/crio-{CID}"), Qos::BestEffort, Some(CID)),
            (format!("/kubepods/pod{UID}/{CID}"), Qos::Guaranteed, Some(CID)),
            (format!("kubepods/pod{UID}"), Qos::Guaranteed, None),
            // kubelet --cgroup-root puts kubepods below another cgroup.
            (format!("/kubelet/kubepods/burstable/pod{UID}/{CID}"), Qos::Burstable, Some(CID)),
        ];
        for (path, qos, cid) in cases {
            assert_eq!(parse(&path), pod(qos, cid), "{path}");
        }
    }

    #[test]
    fn not_pods() {
        for path in [
            "/",
            "/system.slice/containerd.service",
            "/kubepods.slice",
            "/kubepods.slice/kubepods-burstable.slice",
            "/kubepods/burstable",
            "/user.slice/user-0.slice/session-1.scope",
            "/kubepods/burstable/notapod",
        ] {
            assert_eq!(parse(path), None, "{path}");
        }
    }

    #[test]
    fn kubepods_roots() {
        assert_eq!(kubepods_root_depth("/kubepods.slice"), Some(1));
        assert_eq!(kubepods_root_depth("/kubepods"), Some(1));
        assert_eq!(kubepods_root_depth("/kubelet/kubepods"), Some(2));
        assert_eq!(kubepods_root_depth("/kubepods.slice/kubepods-burstable.slice"), None);
        assert_eq!(kubepods_root_depth("/"), None);
    }

    #[test]
    fn status_ids() {
        assert_eq!(status_container_id(&format!("containerd://{CID}")), CID);
        assert_eq!(status_container_id(&format!("cri-o://{CID}")), CID);
        assert_eq!(status_container_id(CID), CID);
    }
}
