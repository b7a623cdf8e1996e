//! The stand-in API server speaks what real API servers send. The expectations here are facts
//! read from responses recorded on real clusters (k8s-openapi's
//! `k8s-openapi-tests/test-replays/v1-36/`: `pod-list.json`, `watch_event-watch_pods*.json`,
//! `custom_resource_definition-test.json`) and from the API conventions for what those
//! recordings lack (410 Expired, 403 Forbidden).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    time::Duration,
};

use rampart_tests::{
    apiserver::{ApiServer, Collection, fixtures},
    pod::{PodSpec, TestPod},
};
use serde_json::{Value, json};

/// A response: status, whether the body was chunked, and the body (whole, or the first `lines`
/// lines of a chunked stream).
struct Response {
    status: u16,
    chunked: bool,
    body: Vec<u8>,
}

fn request(
    api: &ApiServer,
    method: &str,
    path: &str,
    body: Option<(&str, &Value)>,
    lines: usize,
) -> Response {
    let addr = api.url().trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let payload = body.map(|(_, v)| serde_json::to_vec(v).unwrap()).unwrap_or_default();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n", payload.len());
    if let Some((ct, _)) = body {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&payload).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (mut len, mut chunked) = (0usize, false);
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        let h = h.trim_end().to_ascii_lowercase();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if h == "transfer-encoding: chunked" {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        let mut got = 0;
        while got < lines {
            let mut size = String::new();
            r.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).unwrap();
            chunk.truncate(n);
            got += chunk.iter().filter(|b| **b == b'\n').count();
            body.extend(chunk);
        }
    } else {
        body.resize(len, 0);
        r.read_exact(&mut body).unwrap();
    }
    Response { status, chunked, body }
}

fn json(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn cluster() -> (ApiServer, TestPod) {
    let api = ApiServer::start();
    // No cgroups are needed to serve a Pod object: the test pod's ids are what matter.
    let pod = TestPod::create(PodSpec::new("shop", "web"));
    api.apply(fixtures::pod(&pod, "n1"));
    (api, pod)
}

#[test]
fn a_pod_list_is_shaped_like_a_recorded_one() {
    if !rampart_tests::require::root("a_pod_list_is_shaped_like_a_recorded_one") {
        return;
    }
    let (api, _pod) = cluster();
    let r = request(&api, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", None, 0);
    assert_eq!(r.status, 200);
    let list = json(&r);
    // Recorded: kind, apiVersion, metadata {resourceVersion}, items without apiVersion/kind.
    assert_eq!(keys(&list), ["apiVersion", "items", "kind", "metadata"]);
    assert_eq!((list["kind"].as_str(), list["apiVersion"].as_str()), (Some("PodList"), Some("v1")));
    assert_eq!(keys(&list["metadata"]), ["resourceVersion"]);
    let item = &list["items"][0];
    assert_eq!(keys(item), ["metadata", "spec", "status"]);
    for k in [
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "labels",
        "ownerReferences",
        "managedFields",
    ] {
        assert!(item["metadata"].get(k).is_some(), "metadata.{k} missing");
    }
    let cid = item["status"]["containerStatuses"][0]["containerID"].as_str().unwrap();
    assert!(cid.starts_with("containerd://") && cid.len() == "containerd://".len() + 64, "{cid}");
    // Another node's pods are not selected.
    let other = json(&request(&api, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn2", None, 0));
    assert_eq!(other["items"], json!([]));
}

#[test]
fn lists_are_chunked_with_limit_and_continue() {
    if !rampart_tests::require::root("lists_are_chunked_with_limit_and_continue") {
        return;
    }
    let (api, _a) = cluster();
    let b = TestPod::create(PodSpec::new("shop", "web-b"));
    api.apply(fixtures::pod(&b, "n1"));
    let first = json(&request(&api, "GET", "/api/v1/pods?limit=1", None, 0));
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["metadata"]["remainingItemCount"], 1);
    let token = first["metadata"]["continue"].as_str().unwrap();
    let second = json(&request(&api, "GET", &format!("/api/v1/pods?limit=1&continue={token}"), None, 0));
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(first["items"][0]["metadata"]["name"], second["items"][0]["metadata"]["name"]);
    assert!(second["metadata"].get("continue").is_none());
    assert_eq!(second["metadata"]["resourceVersion"], first["metadata"]["resourceVersion"], "one snapshot");
}

#[test]
fn a_custom_resource_list_carries_item_types_and_an_empty_continue() {
    let api = ApiServer::start();
    api.apply(fixtures::policy("shop", "p", json!({"podSelector": {}, "mode": "audit"})));
    let list = json(&request(&api, "GET", "/apis/rampart.dev/v1alpha1/rampartpolicies", None, 0));
    // Recorded (FooBarList): items with apiVersion and kind; metadata {continue: "", resourceVersion}.
    assert_eq!(list["kind"], "RampartPolicyList");
    assert_eq!(keys(&list["metadata"]), ["continue", "resourceVersion"]);
    assert_eq!(list["metadata"]["continue"], "");
    assert_eq!(keys(&list["items"][0]), ["apiVersion", "kind", "metadata", "spec"]);
}

#[test]
fn a_watch_streams_one_typed_event_per_line_then_bookmarks() {
    if !rampart_tests::require::root("a_watch_streams_one_typed_event_per_line_then_bookmarks") {
        return;
    }
    let (api, _pod) = cluster();
    let list = json(&request(&api, "GET", "/api/v1/pods", None, 0));
    let rv = list["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    let c = TestPod::create(PodSpec::new("shop", "web-c"));
    api.apply(fixtures::pod(&c, "n1"));
    let r = request(
        &api,
        "GET",
        &format!("/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion={rv}"),
        None,
        2,
    );
    assert_eq!(r.status, 200);
    assert!(r.chunked, "a watch body is chunked");
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.ends_with('\n'));
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Recorded: {"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1",...}}; a bookmark's
    // object is an empty Pod with only metadata.resourceVersion.
    assert_eq!(keys(&events[0]), ["object", "type"]);
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["kind"], "Pod");
    assert_eq!(events[0]["object"]["metadata"]["name"], "web-c");
    assert_eq!(events[1]["type"], "BOOKMARK");
    assert_eq!(keys(&events[1]["object"]), ["apiVersion", "kind", "metadata", "spec", "status"]);
    assert_eq!(keys(&events[1]["object"]["metadata"]), ["resourceVersion"]);
}

#[test]
fn an_expired_version_gets_410_and_a_refused_verb_403() {
    let api = ApiServer::start();
    api.apply(fixtures::namespace("shop", &[]));
    api.compact();
    let r = request(&api, "GET", "/api/v1/namespaces?watch=true&resourceVersion=1", None, 1);
    let e: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(e["type"], "ERROR");
    assert_eq!((e["object"]["kind"].as_str(), e["object"]["code"].as_u64()), (Some("Status"), Some(410)));
    assert_eq!(e["object"]["reason"], "Expired");

    api.forbid(Collection::Namespaces);
    let r = request(&api, "GET", "/api/v1/namespaces", None, 0);
    assert_eq!(r.status, 403);
    let s = json(&r);
    assert_eq!(s["reason"], "Forbidden");
    assert!(s["message"].as_str().unwrap().contains("cannot list resource \"namespaces\""), "{s}");
}

#[test]
fn server_side_apply_needs_a_field_manager_and_records_it() {
    let api = ApiServer::start();
    let path = "/apis/rampart.dev/v1alpha1/rampartnodes/n1?fieldManager=rampart-agent%2Fn1&force=true";
    let body = json!({"apiVersion": "rampart.dev/v1alpha1", "kind": "RampartNode", "metadata": {"name": "n1"}, "status": {"ready": true}});
    let r = request(&api, "PATCH", path, Some(("application/merge-patch+json", &body)), 0);
    assert_eq!(r.status, 415, "only apply patches are served");
    let r = request(
        &api,
        "PATCH",
        "/apis/rampart.dev/v1alpha1/rampartnodes/n1",
        Some(("application/apply-patch+yaml", &body)),
        0,
    );
    assert_eq!(r.status, 422, "an apply without fieldManager is invalid");
    let r = request(&api, "PATCH", path, Some(("application/apply-patch+yaml", &body)), 0);
    assert_eq!(r.status, 201);
    let o = json(&r);
    assert_eq!(o["metadata"]["managedFields"][0]["manager"], "rampart-agent/n1");
    let r = request(&api, "PATCH", path, Some(("application/apply-patch+yaml", &body)), 0);
    assert_eq!(r.status, 200, "the second apply updates");
    assert_eq!(api.get(Collection::RampartNodes, "", "n1").unwrap()["status"]["ready"], true);
}
