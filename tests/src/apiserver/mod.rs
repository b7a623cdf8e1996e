//! A stand-in Kubernetes API server: no kube-apiserver can be installed on these machines, so
//! the agent's kube-rs client talks to this instead, over plain HTTP/1.1, exactly as it would
//! to a real one.
//!
//! What it speaks is the real wire format, checked against responses recorded from real API
//! servers (`fixtures.rs` holds objects in the shape kubelet and the API server write them):
//! - list: `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":..},"items":[..]}`,
//!   chunked with `limit`/`continue` (and `remainingItemCount`); items of built-in kinds come
//!   without `apiVersion`/`kind`, custom resources with them;
//! - watch (`watch=true&resourceVersion=N`): a chunked body of one JSON event per line
//!   (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` with `allowWatchBookmarks=true`), and for a
//!   `resourceVersion` older than the history kept an `ERROR` event carrying a `410 Expired`
//!   Status, as a real server does after compaction;
//! - field selectors `spec.nodeName=` and `metadata.name=`;
//! - server-side apply (`PATCH` with `application/apply-patch+yaml`, `fieldManager`,
//!   `force=true`), recording the manager in `managedFields`;
//! - `403 Forbidden` Status bodies naming the verb and resource, as RBAC denies;
//! - `TokenReview` and `SubjectAccessReview` (`reviews.rs`): tokens issued per audience and
//!   lifetime, and RBAC grants on `events.rampart.dev`, answered in the API server's shape.
//!
//! Faults a test can cause: [`ApiServer::forbid`], [`ApiServer::end_watches`] (the server
//! closes every watch, as on its own timeout or a restart), [`ApiServer::compact`] (history
//! dropped: the next watch from an old version gets 410), [`ApiServer::down`] /
//! [`ApiServer::up`] (connections refused, then served again on the same port).

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    sync::{
        Arc, Condvar, Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering::SeqCst},
    },
    thread::JoinHandle,
    time::{Duration, Instant, SystemTime},
};

use serde_json::{Value, json};

pub mod fixtures;
mod reviews;

/// The collections served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collection {
    Pods,
    Namespaces,
    Nodes,
    RampartPolicies,
    RampartNodes,
    NetworkPolicies,
    DaemonSets,
}

impl Collection {
    const ALL: [Collection; 7] = [
        Collection::Pods,
        Collection::Namespaces,
        Collection::Nodes,
        Collection::RampartPolicies,
        Collection::RampartNodes,
        Collection::NetworkPolicies,
        Collection::DaemonSets,
    ];

    /// (group/version prefix, plural, kind, apiVersion, namespaced)
    fn info(self) -> (&'static str, &'static str, &'static str, &'static str, bool) {
        match self {
            Collection::Pods => ("/api/v1", "pods", "Pod", "v1", true),
            Collection::Namespaces => ("/api/v1", "namespaces", "Namespace", "v1", false),
            Collection::Nodes => ("/api/v1", "nodes", "Node", "v1", false),
            Collection::RampartPolicies => (
                "/apis/rampart.dev/v1alpha1",
                "rampartpolicies",
                "RampartPolicy",
                "rampart.dev/v1alpha1",
                true,
            ),
            Collection::RampartNodes => {
                ("/apis/rampart.dev/v1alpha1", "rampartnodes", "RampartNode", "rampart.dev/v1alpha1", false)
            }
            Collection::NetworkPolicies => (
                "/apis/networking.k8s.io/v1",
                "networkpolicies",
                "NetworkPolicy",
                "networking.k8s.io/v1",
                true,
            ),
            Collection::DaemonSets => ("/apis/apps/v1", "daemonsets", "DaemonSet", "apps/v1", true),
        }
    }

    pub fn plural(self) -> &'static str {
        self.info().1
    }

    fn kind(self) -> &'static str {
        self.info().2
    }

    fn api_version(self) -> &'static str {
        self.info().3
    }

    fn namespaced(self) -> bool {
        self.info().4
    }

    /// Custom resources carry `apiVersion`/`kind` in list items; built-in kinds do not.
    fn typed_items(self) -> bool {
        matches!(self, Collection::RampartPolicies | Collection::RampartNodes)
    }

    /// The RBAC group, for 403 messages.
    fn group(self) -> &'static str {
        match self {
            Collection::NetworkPolicies => "networking.k8s.io",
            Collection::DaemonSets => "apps",
            c if c.typed_items() => "rampart.dev",
            _ => "",
        }
    }

    fn of(kind: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.kind() == kind)
    }
}

type Key = (String, String);

#[derive(Clone, Debug)]
struct Change {
    rv: u64,
    collection: Collection,
    kind: &'static str,
    object: Value,
}

#[derive(Default)]
struct State {
    rv: u64,
    objects: BTreeMap<Collection, BTreeMap<Key, Value>>,
    history: Vec<Change>,
    /// Watches from a version at or below this get 410 Gone.
    compacted: u64,
    forbidden: BTreeSet<Collection>,
    /// Bumped to end every open watch.
    watch_epoch: u64,
    down: bool,
    /// Every request, as `METHOD path?query`.
    requests: Vec<String>,
    tokens: Vec<reviews::Token>,
    grants: Vec<reviews::Grant>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct ApiServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK.
const BOOKMARK_EVERY: Duration = Duration::from_secs(1);

impl ApiServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the stand-in API server");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let thread = std::thread::spawn(move || accept_loop(Some(listener), addr, &s));
        ApiServer { addr, shared, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig for this server, written into `dir`.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: stand-in\n  cluster:\n    server: {}\n\
             users:\n- name: rampart-agent\n  user:\n    token: stand-in-token\n\
             contexts:\n- name: stand-in\n  context:\n    cluster: stand-in\n    user: rampart-agent\n\
             current-context: stand-in\n",
            self.url()
        );
        std::fs::write(&path, text).expect("writing kubeconfig");
        path
    }

    /// Create or replace an object (its `kind` says where it goes), as `kubectl apply` would:
    /// uid, resourceVersion and creationTimestamp are the server's. Returns the stored object.
    pub fn apply(&self, mut object: Value) -> Value {
        let kind = object["kind"].as_str().expect("object has a kind").to_owned();
        let c = Collection::of(&kind).unwrap_or_else(|| panic!("the stand-in does not serve kind {kind}"));
        let mut st = self.shared.lock();
        let stored = st.store(c, &mut object, None);
        drop(st);
        self.shared.changed.notify_all();
        stored
    }

    /// Delete an object; `true` if it existed.
    pub fn delete(&self, c: Collection, namespace: &str, name: &str) -> bool {
        let mut st = self.shared.lock();
        let gone = st.remove(c, namespace, name);
        drop(st);
        self.shared.changed.notify_all();
        gone
    }

    pub fn get(&self, c: Collection, namespace: &str, name: &str) -> Option<Value> {
        self.shared.lock().objects.get(&c)?.get(&(namespace.to_owned(), name.to_owned())).cloned()
    }

    /// Answer every request on `c` with 403 Forbidden, as RBAC does without a grant.
    pub fn forbid(&self, c: Collection) {
        self.shared.lock().forbidden.insert(c);
        self.end_watches();
    }

    pub fn allow(&self, c: Collection) {
        self.shared.lock().forbidden.remove(&c);
    }

    /// Close every open watch (the client must watch again from its last version).
    pub fn end_watches(&self) {
        self.shared.lock().watch_epoch += 1;
        self.shared.changed.notify_all();
    }

    /// Forget the history, as etcd's compaction does, with writes elsewhere having moved the
    /// version on: a watch from any version a client has seen gets 410 Gone and the client must
    /// list again. Open watches are closed.
    pub fn compact(&self) {
        let mut st = self.shared.lock();
        st.rv += 1;
        st.compacted = st.rv;
        st.history.clear();
        st.watch_epoch += 1;
        drop(st);
        self.shared.changed.notify_all();
    }

    /// Stop serving: connections are refused and open ones closed, until [`up`](Self::up).
    pub fn down(&self) {
        let mut st = self.shared.lock();
        st.down = true;
        st.watch_epoch += 1;
        drop(st);
        self.shared.changed.notify_all();
    }

    pub fn up(&self) {
        self.shared.lock().down = false;
    }

    /// Requests served so far, as `METHOD path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }

    /// Wait until a request starting with `prefix` arrives (at or after index `from` of
    /// [`requests`](Self::requests)); returns its index.
    pub fn wait_request(&self, prefix: &str, from: usize, timeout: Duration) -> usize {
        crate::wait_for(&format!("a request {prefix}"), timeout, || {
            self.shared
                .lock()
                .requests
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, r)| r.starts_with(prefix))
                .map(|(i, _)| i)
        })
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, SeqCst);
        self.shared.lock().watch_epoch += 1;
        self.shared.changed.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl State {
    /// Store `object` in `c` with the server's metadata; `manager` is a server-side apply's
    /// field manager.
    fn store(&mut self, c: Collection, object: &mut Value, manager: Option<&str>) -> Value {
        let meta = object["metadata"].as_object().cloned().unwrap_or_default();
        let name = meta.get("name").and_then(Value::as_str).expect("object has a name").to_owned();
        let namespace = if c.namespaced() {
            meta.get("namespace").and_then(Value::as_str).unwrap_or("default").to_owned()
        } else {
            String::new()
        };
        let key = (namespace.clone(), name);
        let old = self.objects.get(&c).and_then(|m| m.get(&key)).cloned();
        self.rv += 1;
        let rv = self.rv;
        let m = &mut object["metadata"];
        if c.namespaced() {
            m["namespace"] = json!(namespace);
        }
        let uid = old
            .as_ref()
            .and_then(|o| o["metadata"]["uid"].as_str().map(str::to_owned))
            .or_else(|| m["uid"].as_str().map(str::to_owned))
            .unwrap_or_else(crate::random_uuid);
        let created = old
            .as_ref()
            .and_then(|o| o["metadata"]["creationTimestamp"].as_str().map(str::to_owned))
            .unwrap_or_else(now);
        let m = &mut object["metadata"];
        m["uid"] = json!(uid);
        m["resourceVersion"] = json!(rv.to_string());
        m["creationTimestamp"] = json!(created);
        // Every object has a generation on current servers (Pods since 1.33).
        let generation = old.as_ref().and_then(|o| o["metadata"]["generation"].as_u64()).unwrap_or(0) + 1;
        m["generation"] = json!(generation);
        if let Some(manager) = manager {
            m["managedFields"] = json!([{
                "manager": manager,
                "operation": "Apply",
                "apiVersion": c.api_version(),
                "time": now(),
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:status": {}},
            }]);
        }
        object["apiVersion"] = json!(c.api_version());
        object["kind"] = json!(c.kind());
        let kind = if old.is_some() { "MODIFIED" } else { "ADDED" };
        self.objects.entry(c).or_default().insert(key, object.clone());
        self.history.push(Change { rv, collection: c, kind, object: object.clone() });
        object.clone()
    }

    fn remove(&mut self, c: Collection, namespace: &str, name: &str) -> bool {
        let key = (if c.namespaced() { namespace.to_owned() } else { String::new() }, name.to_owned());
        let Some(mut object) = self.objects.get_mut(&c).and_then(|m| m.remove(&key)) else { return false };
        self.rv += 1;
        object["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.history.push(Change { rv: self.rv, collection: c, kind: "DELETED", object });
        true
    }
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn accept_loop(mut listener: Option<TcpListener>, addr: SocketAddr, shared: &Arc<Shared>) {
    while !shared.stop.load(SeqCst) {
        let down = shared.lock().down;
        match (&listener, down) {
            (Some(_), true) => listener = None,
            (None, false) => {
                listener = TcpListener::bind(addr).ok();
            }
            _ => {}
        }
        let Some(l) = &listener else {
            // Down: nothing listens (connections are refused) until `up`.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        l.set_nonblocking(true).expect("nonblocking listener");
        match l.accept() {
            Ok((stream, _)) => {
                let s = Arc::clone(shared);
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, &s);
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>, shared: &Shared) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    // Wait for the next request on a kept-alive connection, closing it when the server goes down.
    loop {
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                if shared.lock().down || shared.stop.load(SeqCst) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect();
    shared.lock().requests.push(format!("{method} {target}"));
    Ok(Some(Request { method, path: path.to_owned(), query, headers, body }))
}

/// Percent-decoding of a query component.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve_connection(stream: TcpStream, shared: &Arc<Shared>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader, shared)? {
        if shared.lock().down {
            return Ok(());
        }
        if let Some(review) = reviews::review_path(&req.method, &req.path) {
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                respond(&mut writer, 400, &status(400, "BadRequest", "the request body is not JSON"))?;
                continue;
            };
            let answer = {
                let st = shared.lock();
                match review {
                    "tokenreviews" => reviews::token_review(&st.tokens, &body),
                    _ => reviews::subject_access_review(&st.grants, &body),
                }
            };
            respond(&mut writer, 201, &answer)?;
            continue;
        }
        match route(&req) {
            Some((c, namespace, name)) => {
                if shared.lock().forbidden.contains(&c) {
                    let verb = verb(&req, name.is_some());
                    respond(&mut writer, 403, &forbidden(c, verb, namespace.as_deref()))?;
                    continue;
                }
                match (req.method.as_str(), name) {
                    ("GET", None) if req.query.get("watch").is_some_and(|w| w == "true" || w == "1") => {
                        return watch(&mut writer, shared, c, namespace.as_deref(), &req.query);
                    }
                    ("GET", None) => {
                        let body = list(shared, c, namespace.as_deref(), &req.query);
                        respond(&mut writer, 200, &body)?;
                    }
                    ("GET", Some(name)) => match get(shared, c, namespace.as_deref(), &name) {
                        Some(o) => respond(&mut writer, 200, &o)?,
                        None => respond(&mut writer, 404, &not_found(c, &name))?,
                    },
                    ("PATCH", Some(name)) => {
                        let (code, body) = apply_patch(shared, c, namespace.as_deref(), &name, &req);
                        respond(&mut writer, code, &body)?;
                    }
                    _ => respond(
                        &mut writer,
                        405,
                        &status(405, "MethodNotAllowed", "method not allowed here"),
                    )?,
                }
            }
            None => respond(
                &mut writer,
                404,
                &status(404, "NotFound", "the server could not find the requested resource"),
            )?,
        }
    }
    Ok(())
}

fn verb(req: &Request, named: bool) -> &'static str {
    match req.method.as_str() {
        "PATCH" => "patch",
        "GET" if named => "get",
        "GET" if req.query.get("watch").is_some_and(|w| w == "true") => "watch",
        _ => "list",
    }
}

/// The collection, namespace and name a path addresses.
fn route(req: &Request) -> Option<(Collection, Option<String>, Option<String>)> {
    let prefix = ["/api/v1", "/apis/rampart.dev/v1alpha1", "/apis/networking.k8s.io/v1", "/apis/apps/v1"]
        .into_iter()
        .find(|p| req.path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))?;
    let rest = &req.path[prefix.len() + 1..];
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let find =
        |plural: &str| Collection::ALL.into_iter().find(|c| c.plural() == plural && c.info().0 == prefix);
    match segs.as_slice() {
        ["namespaces", ns, plural, tail @ ..] => {
            Some((find(plural)?, Some((*ns).to_owned()), tail.first().map(|n| (*n).to_owned())))
        }
        [plural] => Some((find(plural)?, None, None)),
        [plural, name] => Some((find(plural)?, None, Some((*name).to_owned()))),
        _ => None,
    }
}

fn selected(object: &Value, query: &BTreeMap<String, String>) -> bool {
    let Some(selector) = query.get("fieldSelector").filter(|s| !s.is_empty()) else { return true };
    selector.split(',').all(|term| {
        let (field, want) = term.split_once('=').unwrap_or((term, ""));
        let have = match field {
            "spec.nodeName" => object["spec"]["nodeName"].as_str(),
            "metadata.name" => object["metadata"]["name"].as_str(),
            "metadata.namespace" => object["metadata"]["namespace"].as_str(),
            other => panic!("the stand-in does not support field selector {other}"),
        };
        have.unwrap_or("") == want
    })
}

fn in_namespace(object: &Value, namespace: Option<&str>) -> bool {
    namespace.is_none_or(|ns| object["metadata"]["namespace"].as_str() == Some(ns))
}

fn list(shared: &Shared, c: Collection, namespace: Option<&str>, query: &BTreeMap<String, String>) -> Value {
    let st = shared.lock();
    let all: Vec<&Value> = st
        .objects
        .get(&c)
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|o| in_namespace(o, namespace) && selected(o, query))
        .collect();
    // A continue token carries the version the first page was served at and the offset.
    let (rv, offset) = match query.get("continue").and_then(|t| t.split_once(':')) {
        Some((rv, off)) => (rv.parse().unwrap_or(st.rv), off.parse().unwrap_or(0)),
        None => (st.rv, 0),
    };
    let limit =
        query.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0).unwrap_or(usize::MAX);
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| {
            let mut o = (*o).clone();
            if !c.typed_items() {
                let m = o.as_object_mut().expect("object");
                m.remove("apiVersion");
                m.remove("kind");
            }
            o
        })
        .collect();
    // As recorded: a PodList's metadata is only the version; a custom resource list also
    // carries `"continue": ""` on its last page.
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    let next = offset + page.len();
    if next < all.len() {
        metadata["continue"] = json!(format!("{rv}:{next}"));
        metadata["remainingItemCount"] = json!(all.len() - next);
    } else if c.typed_items() {
        metadata["continue"] = json!("");
    }
    json!({"kind": format!("{}List", c.kind()), "apiVersion": c.api_version(), "metadata": metadata, "items": page})
}

fn get(shared: &Shared, c: Collection, namespace: Option<&str>, name: &str) -> Option<Value> {
    let key = (namespace.unwrap_or("").to_owned(), name.to_owned());
    shared.lock().objects.get(&c)?.get(&key).cloned()
}

fn apply_patch(
    shared: &Shared,
    c: Collection,
    namespace: Option<&str>,
    name: &str,
    req: &Request,
) -> (u16, Value) {
    let content_type = req.headers.get("content-type").map(String::as_str).unwrap_or("");
    if content_type != "application/apply-patch+yaml" {
        return (
            415,
            status(
                415,
                "UnsupportedMediaType",
                &format!("the stand-in only serves server-side apply, not {content_type}"),
            ),
        );
    }
    let Some(manager) = req.query.get("fieldManager").filter(|m| !m.is_empty()) else {
        return (
            422,
            status(
                422,
                "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            ),
        );
    };
    let mut object: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return (400, status(400, "BadRequest", &format!("error decoding apply patch: {e}"))),
    };
    if object["metadata"]["name"].as_str() != Some(name) {
        return (400, status(400, "BadRequest", "the name of the object does not match the name on the URL"));
    }
    if object["kind"].as_str() != Some(c.kind()) || object["apiVersion"].as_str() != Some(c.api_version()) {
        return (400, status(400, "BadRequest", "apply patch must name the resource's apiVersion and kind"));
    }
    if let Some(ns) = namespace {
        object["metadata"]["namespace"] = json!(ns);
    }
    let mut st = shared.lock();
    let existed = st
        .objects
        .get(&c)
        .is_some_and(|m| m.contains_key(&(namespace.unwrap_or("").to_owned(), name.to_owned())));
    let stored = st.store(c, &mut object, Some(manager));
    drop(st);
    shared.changed.notify_all();
    (if existed { 200 } else { 201 }, stored)
}

fn watch(
    w: &mut TcpStream,
    shared: &Arc<Shared>,
    c: Collection,
    namespace: Option<&str>,
    query: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let from: u64 = query.get("resourceVersion").and_then(|v| v.parse().ok()).unwrap_or(0);
    let bookmarks = query.get("allowWatchBookmarks").is_some_and(|b| b == "true");
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse().ok())
        .map_or(Duration::from_secs(1800), Duration::from_secs);
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )?;
    let started = Instant::now();
    let mut st = shared.lock();
    let epoch = st.watch_epoch;
    if from < st.compacted {
        let e = json!({"type": "ERROR", "object": status(410, "Expired", &format!("too old resource version: {from} ({})", st.compacted))});
        drop(st);
        chunk(w, &e)?;
        return end(w);
    }
    let mut cursor = from.max(st.compacted);
    let mut last_bookmark = Instant::now();
    loop {
        let pending: Vec<Change> = st
            .history
            .iter()
            .filter(|ch| ch.rv > cursor && ch.collection == c)
            .filter(|ch| in_namespace(&ch.object, namespace) && selected(&ch.object, query))
            .cloned()
            .collect();
        cursor = cursor.max(st.rv);
        let (now_rv, ended) = (st.rv, st.watch_epoch != epoch || st.down || shared.stop.load(SeqCst));
        drop(st);
        if ended {
            return end(w);
        }
        for ch in pending {
            chunk(w, &json!({"type": ch.kind, "object": ch.object}))?;
        }
        if bookmarks && last_bookmark.elapsed() >= BOOKMARK_EVERY {
            last_bookmark = Instant::now();
            chunk(w, &bookmark(c, now_rv))?;
        }
        if started.elapsed() >= timeout {
            return end(w);
        }
        st = shared.lock();
        if st.rv <= cursor && st.watch_epoch == epoch {
            st = shared
                .changed
                .wait_timeout(st, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// A BOOKMARK event: the object is an empty one of the kind, with only the version (recorded:
/// `{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"550",..},"spec":{"containers":null},"status":{}}`).
pub fn bookmark(c: Collection, rv: u64) -> Value {
    let mut object = json!({"kind": c.kind(), "apiVersion": c.api_version(), "metadata": {"resourceVersion": rv.to_string()}});
    if c == Collection::Pods {
        object["spec"] = json!({"containers": null});
        object["status"] = json!({});
    }
    json!({"type": "BOOKMARK", "object": object})
}

fn chunk(w: &mut TcpStream, v: &Value) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(v).expect("json");
    line.push(b'\n');
    write!(w, "{:x}\r\n", line.len())?;
    w.write_all(&line)?;
    w.write_all(b"\r\n")?;
    w.flush()
}

fn end(w: &mut TcpStream) -> std::io::Result<()> {
    w.write_all(b"0\r\n\r\n")?;
    w.flush()
}

fn respond(w: &mut TcpStream, code: u16, body: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(body).expect("json");
    let reason = match code {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        _ => "Error",
    };
    write!(
        w,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    w.write_all(&body)?;
    w.flush()
}

/// A `Status` object as the API server returns with an error.
fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code})
}

fn forbidden(c: Collection, verb: &str, namespace: Option<&str>) -> Value {
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_owned(),
    };
    let mut s = status(
        403,
        "Forbidden",
        &format!(
            "{} is forbidden: User \"system:serviceaccount:rampart:rampart-agent\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            c.plural(),
            c.plural(),
            c.group()
        ),
    );
    s["details"] = json!({"kind": c.plural()});
    s
}

fn not_found(c: Collection, name: &str) -> Value {
    let mut s = status(404, "NotFound", &format!("{} \"{name}\" not found", c.plural()));
    s["details"] = json!({"name": name, "kind": c.plural()});
    s
}
