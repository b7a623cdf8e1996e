//! `TokenReview` (authentication.k8s.io/v1) and `SubjectAccessReview`
//! (authorization.k8s.io/v1), answered as a real API server does: `POST` of the review,
//! `201 Created` with the spec echoed back and the answer in `status`.
//!
//! - Tokens are issued with [`ApiServer::issue_token`] for one audience and a lifetime, as
//!   `kubectl create token SA --audience A --duration D` does; a review for another audience,
//!   or after expiry, is `authenticated: false` with the error text kube-apiserver writes.
//!   [`ApiServer::issue_pod_token`] issues a pod's projected ServiceAccount token, whose review
//!   names the pod's node in `user.extra` (`authentication.kubernetes.io/node-name`), as API
//!   servers from 1.30 on do.
//! - Grants are RBAC's: [`ApiServer::grant`] gives a user or group a verb on
//!   `events.rampart.dev` in one namespace (a RoleBinding) or everywhere (a
//!   ClusterRoleBinding); a review is allowed when a grant matches, with RBAC's reason text,
//!   and otherwise `allowed: false` with no reason, as RBAC answers.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::ApiServer;

/// A token the stand-in issued.
#[derive(Clone, Debug)]
pub(super) struct Token {
    token: String,
    user: String,
    groups: Vec<String>,
    audience: String,
    expires: SystemTime,
    /// The node of the pod a projected ServiceAccount token is bound to.
    node: Option<String>,
}

/// A verb granted on `events.rampart.dev` to a user or group, in a namespace or everywhere.
#[derive(Clone, Debug)]
pub(super) struct Grant {
    /// `User` or `Group`.
    kind: &'static str,
    name: String,
    verb: String,
    namespace: Option<String>,
}

impl ApiServer {
    /// A bearer token for `user` (in `groups`), valid for `audience` for `lifetime`.
    pub fn issue_token(&self, user: &str, groups: &[&str], audience: &str, lifetime: Duration) -> String {
        self.issue(user, groups, audience, lifetime, None)
    }

    /// A projected token of ServiceAccount `namespace/name` for a pod on `node`, as the kubelet
    /// mounts it: its user is `system:serviceaccount:NS:NAME`, its groups the ServiceAccount
    /// groups, and TokenReview names the node in `user.extra`.
    pub fn issue_pod_token(&self, namespace: &str, name: &str, node: &str, audience: &str) -> String {
        let user = format!("system:serviceaccount:{namespace}:{name}");
        let ns_group = format!("system:serviceaccounts:{namespace}");
        let groups = ["system:serviceaccounts", ns_group.as_str()];
        self.issue(&user, &groups, audience, Duration::from_secs(3600), Some(node))
    }

    fn issue(
        &self,
        user: &str,
        groups: &[&str],
        audience: &str,
        lifetime: Duration,
        node: Option<&str>,
    ) -> String {
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{}.{}", crate::random_hex(24), crate::random_hex(32));
        let mut groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        groups.push("system:authenticated".into());
        self.shared.lock().tokens.push(Token {
            token: token.clone(),
            user: user.into(),
            groups,
            audience: audience.into(),
            expires: SystemTime::now() + lifetime,
            node: node.map(str::to_owned),
        });
        token
    }

    /// Grant `verb` on `events.rampart.dev` to `who` (`NAME` for a user, `group:NAME` for a
    /// group) in `namespace`, or cluster-wide with `None`.
    pub fn grant(&self, who: &str, verb: &str, namespace: Option<&str>) {
        let (kind, name) = match who.strip_prefix("group:") {
            Some(g) => ("Group", g),
            None => ("User", who),
        };
        self.shared.lock().grants.push(Grant {
            kind,
            name: name.into(),
            verb: verb.into(),
            namespace: namespace.map(str::to_owned),
        });
    }

    /// Take back every grant of `who` (as [`grant`](Self::grant) names it).
    pub fn revoke(&self, who: &str) {
        let name = who.strip_prefix("group:").unwrap_or(who);
        self.shared.lock().grants.retain(|g| g.name != name);
    }
}

/// The answer to `POST /apis/authentication.k8s.io/v1/tokenreviews`.
pub(super) fn token_review(tokens: &[Token], review: &Value) -> Value {
    let spec = &review["spec"];
    let token = spec["token"].as_str().unwrap_or_default();
    let wanted: Vec<String> = spec["audiences"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let status = match tokens.iter().find(|t| t.token == token) {
        None => {
            json!({"user": {}, "error": "[invalid bearer token, square/go-jose: error in cryptographic primitive]"})
        }
        Some(t) if !wanted.is_empty() && !wanted.contains(&t.audience) => json!({
            "user": {},
            "error": format!(
                "[invalid bearer token, token audiences [\"{}\"] is invalid for the target audiences {:?}]",
                t.audience, wanted
            ),
        }),
        Some(t) if SystemTime::now() >= t.expires => {
            json!({"user": {}, "error": "[invalid bearer token, service account token has expired]"})
        }
        Some(t) => {
            let mut extra =
                json!({"authentication.kubernetes.io/credential-id": [format!("JTI={}", &t.token[21..29])]});
            if let Some(node) = &t.node {
                extra["authentication.kubernetes.io/node-name"] = json!([node]);
                extra["authentication.kubernetes.io/node-uid"] = json!([format!("{:x}", uid_of(node))]);
                extra["authentication.kubernetes.io/pod-name"] =
                    json!([format!("rampart-agent-{}", &t.token[29..34])]);
                extra["authentication.kubernetes.io/pod-uid"] = json!([format!("{:x}", uid_of(&t.token))]);
            }
            json!({
                "authenticated": true,
                "user": {
                    "username": t.user,
                    "uid": format!("{:x}", uid_of(&t.user)),
                    "groups": t.groups,
                    "extra": extra,
                },
                "audiences": [t.audience],
            })
        }
    };
    json!({
        "kind": "TokenReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": spec,
        "status": status,
    })
}

/// The answer to `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`.
pub(super) fn subject_access_review(grants: &[Grant], review: &Value) -> Value {
    let spec = &review["spec"];
    let attrs = &spec["resourceAttributes"];
    let user = spec["user"].as_str().unwrap_or_default();
    let groups: Vec<&str> =
        spec["groups"].as_array().map(|g| g.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let namespace = attrs["namespace"].as_str().filter(|n| !n.is_empty());
    let on_events = attrs["group"] == "rampart.dev" && attrs["resource"] == "events";
    let granted = on_events
        .then(|| {
            grants.iter().find(|g| {
                let who = match g.kind {
                    "User" => g.name == user,
                    _ => groups.contains(&g.name.as_str()),
                };
                let place = match (&g.namespace, namespace) {
                    (None, _) => true,
                    (Some(bound), Some(asked)) => bound == asked,
                    (Some(_), None) => false,
                };
                who && place && attrs["verb"] == g.verb.as_str()
            })
        })
        .flatten();
    let status = match granted {
        Some(g) => {
            let binding = match &g.namespace {
                Some(ns) => format!("RoleBinding \"{}-events/{ns}\" of Role \"rampart-events\"", g.name),
                None => format!("ClusterRoleBinding \"{}-events\" of ClusterRole \"rampart-events\"", g.name),
            };
            json!({"allowed": true, "reason": format!("RBAC: allowed by {binding} to {} \"{}\"", g.kind, g.name)})
        }
        None => json!({"allowed": false}),
    };
    json!({
        "kind": "SubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": spec,
        "status": status,
    })
}

/// A stable uid for a user name (FNV-1a).
fn uid_of(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Whether a request is a review, and which.
pub(super) fn review_path(method: &str, path: &str) -> Option<&'static str> {
    match (method, path) {
        ("POST", "/apis/authentication.k8s.io/v1/tokenreviews") => Some("tokenreviews"),
        ("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews") => Some("subjectaccessreviews"),
        _ => None,
    }
}
