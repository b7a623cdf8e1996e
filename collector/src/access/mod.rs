//! Who may read stored and live events, and which of them: readers authenticated, and every
//! read scoped to the namespaces its reader may see.
//!
//! Design constraints:
//! - **Decided the Kubernetes way** (`--readers kubernetes`, the default). A reader is a
//!   Kubernetes user: a bearer token is checked with a TokenReview for `--token-audience`; a
//!   client certificate from the client CA names the user in its common name and the groups
//!   in its organizations, as kube-apiserver's x509 authenticator does. What the user may
//!   read is asked with a SubjectAccessReview: `get` on `events.rampart.dev` in a namespace
//!   (granted by a RoleBinding) or cluster-wide (a ClusterRoleBinding); `delete` likewise for
//!   `rampart delete`.
//! - **Only what it may see.** A read that names namespaces is refused with PERMISSION_DENIED
//!   when any of them is not granted, naming only what the reader asked for. A read that names
//!   none returns everything with the cluster-wide grant, else the namespaces it may read
//!   among those the store holds. Events of no namespace (host processes, gaps) and
//!   cluster-wide data (status, verify) need the cluster-wide grant. A subscription's
//!   namespaces are decided when it starts.
//! - **Cached briefly.** Answers are kept for `--authz-cache-ttl`, allowed and denied alike,
//!   so a client's requests cost the API server one review per user and namespace per TTL.
//! - **Fail closed.** An API server that cannot be asked refuses the read with UNAVAILABLE.
//! - **Anonymous only when asked.** `--readers anonymous` lets anyone who reaches the
//!   collector read everything; `--readers certificate` lets any client certificate from the
//!   client CA read everything, with no API server.

mod cache;
pub mod review;

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};

use tonic::{Request, Status};

use crate::identity;
pub use review::Reviewer;

/// How readers are identified and what they may read, fixed at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReaderAuth {
    /// Bearer tokens (TokenReview) and client certificates, authorized per namespace
    /// (SubjectAccessReview).
    Kubernetes,
    /// Any client certificate from the client CA reads everything; no API server.
    Certificate,
    /// Anyone who reaches the collector reads everything.
    Anonymous,
}

impl ReaderAuth {
    /// Who may read, in words (the collector's start-up log).
    pub fn describe(self) -> &'static str {
        match self {
            ReaderAuth::Kubernetes => {
                "Kubernetes users (TokenReview, client certificates), per namespace (SubjectAccessReview)"
            }
            ReaderAuth::Certificate => "any client certificate from the client CA, every namespace",
            ReaderAuth::Anonymous => "anonymous: anyone who reaches the collector reads every namespace",
        }
    }
}

/// A Kubernetes user, as TokenReview or a client certificate names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Subject {
    pub user: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

/// What a reader asks to do with events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    Get,
    Delete,
    /// Writing (agents).
    Create,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Delete => "delete",
            Verb::Create => "create",
        }
    }
}

/// The namespaces a read may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every event, with or without a namespace.
    Cluster,
    /// Events of these namespaces only.
    Namespaces(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(
        "reading needs credentials: a Kubernetes bearer token for audience {audience:?} (--token, --token-file) or a client certificate"
    )]
    NoCredentials { audience: String },
    #[error("the authorization header is not `Bearer <token>`")]
    NotBearer,
    #[error("the bearer token was not accepted: {0}")]
    TokenRejected(String),
    #[error(transparent)]
    Certificate(#[from] identity::IdentityError),
    #[error("{user:?} may not {} events.rampart.dev in namespace {namespace:?}", verb.as_str())]
    Forbidden { user: String, verb: Verb, namespace: String },
    #[error("{user:?} may not {} events.rampart.dev cluster-wide, which {what} needs", verb.as_str())]
    NotClusterWide { user: String, verb: Verb, what: &'static str },
    #[error(
        "{user:?} may read none of the {known} namespaces with stored events, and not cluster-wide; name the namespaces you may read (--namespace)"
    )]
    NoNamespace { user: String, known: usize },
    #[error("asking the Kubernetes API ({what}): {source}")]
    Api { what: &'static str, source: Box<kube::Error> },
    #[error("listing the namespaces with stored events: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl From<AccessError> for Status {
    fn from(e: AccessError) -> Status {
        match e {
            AccessError::NoCredentials { .. }
            | AccessError::NotBearer
            | AccessError::TokenRejected(_)
            | AccessError::Certificate(_) => Status::unauthenticated(e.to_string()),
            AccessError::Forbidden { .. }
            | AccessError::NotClusterWide { .. }
            | AccessError::NoNamespace { .. } => Status::permission_denied(e.to_string()),
            AccessError::Api { .. } => Status::unavailable(e.to_string()),
            AccessError::Store(_) => Status::internal(e.to_string()),
        }
    }
}

/// Reads refused, by why (exported as metrics).
#[derive(Debug, Default)]
pub struct Refused {
    pub unauthenticated: AtomicU64,
    pub forbidden: AtomicU64,
    pub unavailable: AtomicU64,
}

/// Decides who may read what; one for the collector's life.
#[derive(Debug)]
pub struct Access {
    /// The API server's reviews (`kubernetes` only; without it, every reader reads everything).
    reviewer: Option<Reviewer>,
    /// Client certificate common names that may delete (`certificate` and `anonymous`).
    deleters: Vec<String>,
    pub refused: Refused,
}

impl Access {
    pub fn new(reviewer: Option<Reviewer>, deleters: Vec<String>) -> Self {
        Access { reviewer, deleters, refused: Refused::default() }
    }

    /// The namespaces a read that asked for `requested` (none: all) may return; `known` lists
    /// the namespaces with stored events, asked only when needed.
    pub async fn read_scope<T, F>(
        &self,
        request: &Request<T>,
        requested: &[String],
        known: F,
    ) -> Result<Scope, Status>
    where
        F: Future<Output = Result<Vec<String>, crate::store::StoreError>>,
    {
        let who = self.who(request).await?;
        let (Some(reviewer), Some(who)) = (&self.reviewer, who) else {
            return Ok(Scope::Cluster);
        };
        let result = async {
            if !requested.is_empty() {
                for namespace in requested {
                    let ns = Some(namespace.as_str()).filter(|n| !n.is_empty());
                    if !reviewer.allowed(&who, Verb::Get, ns).await? {
                        return Err(match ns {
                            Some(_) => AccessError::Forbidden {
                                user: who.user.clone(),
                                verb: Verb::Get,
                                namespace: namespace.clone(),
                            },
                            None => AccessError::NotClusterWide {
                                user: who.user.clone(),
                                verb: Verb::Get,
                                what: "reading events of no namespace",
                            },
                        });
                    }
                }
                return Ok(Scope::Namespaces(requested.to_vec()));
            }
            if reviewer.allowed(&who, Verb::Get, None).await? {
                return Ok(Scope::Cluster);
            }
            let known = known.await?;
            let mut granted = Vec::new();
            for namespace in &known {
                if reviewer.allowed(&who, Verb::Get, Some(namespace)).await? {
                    granted.push(namespace.clone());
                }
            }
            if granted.is_empty() {
                return Err(AccessError::NoNamespace { user: who.user.clone(), known: known.len() });
            }
            Ok(Scope::Namespaces(granted))
        }
        .await;
        result.map_err(|e| self.refuse(e))
    }

    /// Checks that the reader may read cluster-wide data (`what` needs it).
    pub async fn read_cluster<T>(&self, request: &Request<T>, what: &'static str) -> Result<(), Status> {
        let who = self.who(request).await?;
        let (Some(reviewer), Some(who)) = (&self.reviewer, who) else {
            return Ok(());
        };
        match reviewer.allowed(&who, Verb::Get, None).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                Err(self.refuse(AccessError::NotClusterWide { user: who.user, verb: Verb::Get, what }))
            }
            Err(e) => Err(self.refuse(e)),
        }
    }

    /// Who may delete `namespace`'s events: with `kubernetes`, a user granted `delete` there;
    /// otherwise a client certificate `--deleter` names. Returns who, for the deletion log.
    pub async fn deleter<T>(&self, request: &Request<T>, namespace: &str) -> Result<String, Status> {
        let Some(reviewer) = &self.reviewer else {
            let leaf = identity::leaf(request).map_err(|e| self.refuse(e.into()))?;
            return identity::deleter(&self.deleters, leaf.as_deref())
                .map_err(|e| Status::permission_denied(e.to_string()));
        };
        let Some(who) = self.who(request).await? else {
            unreachable!("with a reviewer, every reader is identified")
        };
        match reviewer.allowed(&who, Verb::Delete, Some(namespace)).await {
            Ok(true) => Ok(who.user),
            Ok(false) => Err(self.refuse(AccessError::Forbidden {
                user: who.user,
                verb: Verb::Delete,
                namespace: namespace.to_owned(),
            })),
            Err(e) => Err(self.refuse(e)),
        }
    }

    /// What a writer presented: its client certificate (dates checked) if it has one, else its
    /// bearer token as a node (`--readers kubernetes`): the token accepted, its user granted
    /// `create` on events.rampart.dev cluster-wide, and its node claim.
    pub async fn writer<T>(
        &self,
        request: &Request<T>,
    ) -> Result<identity::Presented, identity::IdentityError> {
        use identity::{IdentityError, Presented};
        if let Some(der) = identity::leaf(request)? {
            return Ok(Presented::Certificate(der));
        }
        let Some(reviewer) = &self.reviewer else {
            return Ok(Presented::Nothing);
        };
        let token = match bearer(request) {
            Ok(Some(token)) => token,
            Ok(None) => return Ok(Presented::Nothing),
            Err(e) => return Err(IdentityError::Token(e.to_string())),
        };
        let who = reviewer.authenticate(token).await.map_err(|e| match e {
            AccessError::Api { .. } => IdentityError::Unavailable(e.to_string()),
            AccessError::TokenRejected(why) => IdentityError::Token(why),
            other => IdentityError::Token(other.to_string()),
        })?;
        if !reviewer
            .allowed(&who, Verb::Create, None)
            .await
            .map_err(|e| IdentityError::Unavailable(e.to_string()))?
        {
            return Err(IdentityError::NotAWriter { user: who.user });
        }
        match who.extra.get(identity::NODE_CLAIM).and_then(|n| n.first()).filter(|n| !n.is_empty()) {
            Some(node) => Ok(Presented::Token { node: node.clone(), user: who.user }),
            None => Err(IdentityError::NoNodeClaim { user: who.user }),
        }
    }

    /// Who sent `request`: `None` when readers are not told apart (`certificate`, `anonymous`).
    /// A client certificate that is not valid now is refused in every mode.
    async fn who<T>(&self, request: &Request<T>) -> Result<Option<Subject>, Status> {
        let leaf = identity::leaf(request).map_err(|e| self.refuse(e.into()))?;
        let Some(reviewer) = &self.reviewer else {
            return Ok(None);
        };
        let subject = match (bearer(request), leaf) {
            (Err(e), _) => Err(e),
            (Ok(Some(token)), _) => reviewer.authenticate(token).await,
            (Ok(None), Some(leaf)) => certificate_subject(&leaf),
            (Ok(None), None) => Err(AccessError::NoCredentials { audience: reviewer.audience().to_owned() }),
        };
        subject.map(Some).map_err(|e| self.refuse(e))
    }

    /// Counts a refusal and turns it into the client's status.
    fn refuse(&self, e: AccessError) -> Status {
        let counter = match &e {
            AccessError::Api { .. } | AccessError::Store(_) => &self.refused.unavailable,
            AccessError::Forbidden { .. }
            | AccessError::NotClusterWide { .. }
            | AccessError::NoNamespace { .. } => &self.refused.forbidden,
            _ => &self.refused.unauthenticated,
        };
        counter.fetch_add(1, Relaxed);
        tracing::info!(reason = %e, "a read was refused");
        e.into()
    }
}

/// The request's bearer token, if it has an `authorization` header.
fn bearer<T>(request: &Request<T>) -> Result<Option<&str>, AccessError> {
    let Some(header) = request.metadata().get("authorization") else {
        return Ok(None);
    };
    header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or(AccessError::NotBearer)
}

/// The user a client certificate (DER) names: its common name, and its organizations as
/// groups, as kube-apiserver reads them.
pub fn certificate_subject(der: &[u8]) -> Result<Subject, AccessError> {
    let (user, mut groups) = identity::names(der)?;
    groups.push("system:authenticated".into());
    match user {
        Some(user) if !user.is_empty() => Ok(Subject { user, groups, ..Default::default() }),
        _ => Err(identity::IdentityError::NoCommonName.into()),
    }
}
