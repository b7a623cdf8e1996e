//! In a cluster, an agent with `--pin-dir` tells a rollout from an uninstall at SIGTERM by
//! asking the API server for its DaemonSet: present (a rollout), the pins stay and the policy
//! stays in force between the two agents; deleted (an uninstall), the last agent removes them
//! on its way out and nothing of Rampart is left attached.
// vm-test: host-only: the stand-in API server's TLS needs a CA the VM initramfs does not have; the pinning itself runs on every kernel in pinning.rs.

use rampart_tests::{
    agent::{Agent, AgentOptions},
    apiserver::{ApiServer, Collection, fixtures},
    bpffs::Bpffs,
    net::{Server, connects_to_bridge as connects, port},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require,
};

#[test]
fn an_agent_whose_daemonset_is_deleted_takes_the_enforcement_with_it() {
    if !require::root("an_agent_whose_daemonset_is_deleted_takes_the_enforcement_with_it") {
        return;
    }
    ensure_bridge();
    let bpffs = Bpffs::mount();
    let api = ApiServer::start();
    api.apply(fixtures::node("test-node"));
    api.apply(fixtures::namespace("shop", &[]));
    api.apply(fixtures::daemonset("rampart-system", "rampart-agent"));
    let dir = tempfile::tempdir().unwrap();
    let (allowed, denied) = (port(), port());
    let _servers = [Server::tcp(BRIDGE_V4, allowed, 0, 16), Server::tcp(BRIDGE_V4, denied, 0, 16)];
    api.apply(fixtures::policy(
        "shop",
        "web",
        serde_json::json!({
            "podSelector": {"matchLabels": {"app": "web"}},
            "mode": "enforce",
            "network": {"egress": [{"to": [{"cidr": format!("{BRIDGE_V4}/32")}], "ports": [{"port": allowed}]}]}
        }),
    ));
    let kubeconfig = api.kubeconfig(dir.path());
    let agent = || {
        Agent::start(AgentOptions {
            node_name: Some("test-node".into()),
            extra: vec![
                "--kubeconfig".into(),
                kubeconfig.display().to_string(),
                "--pin-dir".into(),
                bpffs.path().display().to_string(),
                "--daemonset".into(),
                "rampart-system/rampart-agent".into(),
            ],
            ..Default::default()
        })
    };
    let first = agent();
    let pod = TestPod::create(PodSpec::new("shop", "web-1").label("app", "web").with_netns());
    api.apply(fixtures::pod(&pod, "test-node"));
    first.wait_metric("rampart_pods", 1.0);
    assert!(connects(&pod, allowed) && !connects(&pod, denied), "under the first agent");

    // A rollout: the DaemonSet is there, the pins stay.
    assert!(first.stop().success());
    assert!(first.log().contains("the DaemonSet stays: enforcement left pinned"), "{}", first.log());
    assert!(!connects(&pod, denied), "between two agents of a rollout");

    // An uninstall: the DaemonSet is deleted before its pods; the last agent removes the pins.
    let last = agent();
    assert!(last.log().contains("adopting the enforcement"), "{}", last.log());
    assert!(api.delete(Collection::DaemonSets, "rampart-system", "rampart-agent"));
    assert!(last.stop().success());
    assert!(
        last.log().contains("the DaemonSet is being deleted: pinned enforcement removed"),
        "{}",
        last.log()
    );
    assert!(connects(&pod, denied), "after the uninstall, nothing of Rampart is attached");
}
