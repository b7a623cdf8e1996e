//! Who is writing: the node an Ingest stream may write for.
//!
//! Design constraints:
//! - Sequence numbers and boot ids are not credentials. The node comes from what the writer
//!   proves, never from what the stream says:
//!   - with mTLS (`--client-ca`), a client certificate whose subject common name is
//!     `system:node:NAME` (the form the kubelet's own client certificates have, so a cluster CA
//!     and the node's kubelet certificate can serve) may write for node `NAME` and no other;
//!     any other certificate from the CA may read, not write;
//!   - with `--readers kubernetes`, a bearer token the API server accepts (TokenReview) whose
//!     user may `create` `events.rampart.dev` cluster-wide (the agents' ServiceAccount, by
//!     RBAC) may write for the node its node claim names (`authentication.kubernetes.io/node-name`,
//!     which the API server puts in a pod's projected ServiceAccount token). Any pod can get a
//!     token naming its node; the `create` grant is what makes it an agent's.
//! - With neither there is no identity to check: every writer is anonymous and may name any
//!   node. The collector says so at start; the docs say what that allows.
//! - A refused stream stores nothing (the check runs on the Hello, before any batch) and is
//!   counted.
//! - Deleting stored events is granted the same way: to the client certificate common names
//!   `--deleter` lists, never to an anonymous client.

use rampart_proto::v1::Hello;

/// The common-name prefix that makes a client certificate a node's.
pub const NODE_PREFIX: &str = "system:node:";

/// The node claim of a ServiceAccount token bound to a pod, in TokenReview's `user.extra`.
pub const NODE_CLAIM: &str = "authentication.kubernetes.io/node-name";

/// How writers are identified, fixed at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterAuth {
    /// No client CA and no API server to ask: any client may write for any node.
    Anonymous,
    /// Each stream proves its node, with a client certificate (`certificates`: there is a
    /// client CA) or a ServiceAccount token (`tokens`: `--readers kubernetes`).
    Nodes { certificates: bool, tokens: bool },
}

impl WriterAuth {
    pub fn of(tls: Option<&crate::config::ServerTls>, readers: crate::access::ReaderAuth) -> WriterAuth {
        let certificates = tls.is_some_and(|t| t.client_ca.is_some());
        let tokens = readers == crate::access::ReaderAuth::Kubernetes;
        if certificates || tokens {
            WriterAuth::Nodes { certificates, tokens }
        } else {
            WriterAuth::Anonymous
        }
    }

    /// Who may write, in words (the collector's start-up log).
    pub fn describe(self) -> &'static str {
        match self {
            WriterAuth::Nodes { certificates: true, tokens: true } => {
                "the node named by the client certificate (CN system:node:NAME) or the ServiceAccount token's node claim"
            }
            WriterAuth::Nodes { certificates: true, tokens: false } => {
                "the node named by the client certificate (CN system:node:NAME)"
            }
            WriterAuth::Nodes { .. } => "the node named by the ServiceAccount token's node claim",
            WriterAuth::Anonymous => "anonymous: any client may write for any node",
        }
    }
}

/// What a writer presented to prove its node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presented {
    Nothing,
    /// A client certificate (DER) from the client CA, valid now.
    Certificate(Vec<u8>),
    /// A token the API server accepted, of a user granted to write, with its node claim.
    Token {
        user: String,
        node: String,
    },
}

/// Why a client may not delete stored events.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeleteGrantError {
    #[error("deleting is not granted to anyone here: the collector names who may with --deleter")]
    NobodyMay,
    #[error("deleting needs a client certificate that --deleter names")]
    NoCertificate,
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("the client certificate (CN={0}) may not delete: --deleter does not name it")]
    NotNamed(String),
}

/// The common name of the client whose certificate (DER) is `leaf`, if `deleters` names it.
pub fn deleter(deleters: &[String], leaf: Option<&[u8]>) -> Result<String, DeleteGrantError> {
    if deleters.is_empty() {
        return Err(DeleteGrantError::NobodyMay);
    }
    let cn = common_name(leaf.ok_or(DeleteGrantError::NoCertificate)?)?.unwrap_or_default();
    if deleters.contains(&cn) { Ok(cn) } else { Err(DeleteGrantError::NotNamed(cn)) }
}

/// The leaf of the certificates a TLS client presented, if any, once its own validity window
/// is checked: the handshake checked its chain, not its dates (see [`crate::tls`]).
pub fn leaf<T>(request: &tonic::Request<T>) -> Result<Option<Vec<u8>>, IdentityError> {
    let Some(der) = request.peer_certs().and_then(|c| c.first().map(|c| c.to_vec())) else {
        return Ok(None);
    };
    let (not_before, not_after) =
        validity(&der).ok_or_else(|| IdentityError::Unreadable("no validity dates".into()))?;
    let now = crate::now_ns() / 1_000_000_000;
    let date = |secs: i64| {
        rampart_proto::wkt::Timestamp::from_unix_nanos(secs.saturating_mul(1_000_000_000)).rfc3339(0)
    };
    if now > not_after {
        return Err(IdentityError::Expired { not_after: date(not_after) });
    }
    if now < not_before {
        return Err(IdentityError::NotYetValid { not_before: date(not_before) });
    }
    Ok(Some(der))
}

/// A certificate's (DER) validity window, Unix seconds: (not before, not after).
pub fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let v = cert.validity();
    Some((v.not_before.timestamp(), v.not_after.timestamp()))
}

/// Why a stream may not write for the node its Hello names.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error(
        "no client certificate or token was presented; writing needs a certificate whose common name is {NODE_PREFIX}<node>, or a ServiceAccount token with a node claim"
    )]
    NoCredentials,
    #[error("the bearer token was not accepted: {0}")]
    Token(String),
    #[error("{user:?} may not write events: it needs create on events.rampart.dev")]
    NotAWriter { user: String },
    #[error("the token of {user:?} has no node claim ({NODE_CLAIM}): it is not a pod's ServiceAccount token")]
    NoNodeClaim { user: String },
    #[error("the API server cannot be asked about the token: {0}")]
    Unavailable(String),
    #[error("the client certificate cannot be read: {0}")]
    Unreadable(String),
    #[error(
        "the client certificate ({subject:?}) names no node; writing needs a common name {NODE_PREFIX}<node> (it may read)"
    )]
    NotANode { subject: String },
    #[error("the client certificate expired at {not_after}")]
    Expired { not_after: String },
    #[error("the client certificate is not valid before {not_before}")]
    NotYetValid { not_before: String },
    #[error("the client certificate has no subject common name to name its user")]
    NoCommonName,
    #[error("the {by} is node {certified:?}'s; it may not write for node {claimed:?}")]
    OtherNode { by: &'static str, certified: String, claimed: String },
}

/// The subject common name of a certificate (DER), if it has one.
pub fn common_name(der: &[u8]) -> Result<Option<String>, IdentityError> {
    names(der).map(|(cn, _)| cn)
}

/// The subject common name of a certificate (DER), if it has one, and its organizations.
pub fn names(der: &[u8]) -> Result<(Option<String>, Vec<String>), IdentityError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| IdentityError::Unreadable(e.to_string()))?;
    let subject = cert.subject();
    let cn = subject.iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    let orgs = subject.iter_organization().filter_map(|o| o.as_str().ok()).map(str::to_owned).collect();
    Ok((cn, orgs))
}

/// The node a certificate (DER) may write for.
pub fn certified_node(der: &[u8]) -> Result<String, IdentityError> {
    let cn = common_name(der)?;
    match cn.as_deref().and_then(|cn| cn.strip_prefix(NODE_PREFIX)) {
        Some(node) if !node.is_empty() => Ok(node.to_owned()),
        _ => Err(IdentityError::NotANode { subject: cn.map(|cn| format!("CN={cn}")).unwrap_or_default() }),
    }
}

impl IdentityError {
    /// The gRPC status a client gets: UNAUTHENTICATED for no, unreadable or out-of-date
    /// credentials, UNAVAILABLE when the API server cannot be asked, PERMISSION_DENIED for
    /// credentials that do not grant what the stream asks.
    pub fn status(&self, context: &str) -> tonic::Status {
        let message = format!("{context}: {self}");
        match self {
            IdentityError::Expired { .. }
            | IdentityError::NotYetValid { .. }
            | IdentityError::Unreadable(_)
            | IdentityError::NoCredentials
            | IdentityError::Token(_) => tonic::Status::unauthenticated(message),
            IdentityError::Unavailable(_) => tonic::Status::unavailable(message),
            _ => tonic::Status::permission_denied(message),
        }
    }
}

/// Checks that the client that presented `presented` may write for `hello.node`.
pub fn check(auth: WriterAuth, presented: &Presented, hello: &Hello) -> Result<(), IdentityError> {
    let (by, certified) = match (auth, presented) {
        (WriterAuth::Anonymous, _) => return Ok(()),
        (WriterAuth::Nodes { .. }, Presented::Nothing) => return Err(IdentityError::NoCredentials),
        (WriterAuth::Nodes { .. }, Presented::Certificate(der)) => {
            ("client certificate", certified_node(der)?)
        }
        (WriterAuth::Nodes { .. }, Presented::Token { node, .. }) => ("token", node.clone()),
    };
    if certified == hello.node {
        Ok(())
    } else {
        Err(IdentityError::OtherNode { by, certified, claimed: hello.node.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(cn: &str) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, cn);
        params.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap().der().to_vec()
    }

    fn hello(node: &str) -> Hello {
        Hello { node: node.into(), ..Default::default() }
    }

    const NODES: WriterAuth = WriterAuth::Nodes { certificates: true, tokens: true };

    #[test]
    fn a_node_certificate_or_token_writes_for_its_node_only() {
        let der = Presented::Certificate(cert("system:node:worker-1"));
        assert_eq!(check(NODES, &der, &hello("worker-1")), Ok(()));
        assert_eq!(
            check(NODES, &der, &hello("worker-2")),
            Err(IdentityError::OtherNode {
                by: "client certificate",
                certified: "worker-1".into(),
                claimed: "worker-2".into()
            })
        );
        let token =
            Presented::Token { user: "system:serviceaccount:rampart:agent".into(), node: "worker-1".into() };
        assert_eq!(check(NODES, &token, &hello("worker-1")), Ok(()));
        let err = check(NODES, &token, &hello("worker-2")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the token is node \"worker-1\"'s; it may not write for node \"worker-2\""
        );
    }

    #[test]
    fn other_certificates_and_none_may_not_write() {
        for cn in ["rampart-cli", "system:node:", "worker-1"] {
            let err = check(NODES, &Presented::Certificate(cert(cn)), &hello("worker-1")).unwrap_err();
            assert!(matches!(err, IdentityError::NotANode { .. }), "{cn}: {err}");
        }
        assert_eq!(check(NODES, &Presented::Nothing, &hello("n")), Err(IdentityError::NoCredentials));
        assert!(matches!(certified_node(b"not a certificate"), Err(IdentityError::Unreadable(_))));
        assert_eq!(check(WriterAuth::Anonymous, &Presented::Nothing, &hello("any")), Ok(()));
    }
}
