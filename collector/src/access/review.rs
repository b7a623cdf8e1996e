//! The two questions the collector asks the Kubernetes API about a reader: who is this token
//! (`TokenReview`, authentication.k8s.io/v1) and may this user do this (`SubjectAccessReview`,
//! authorization.k8s.io/v1). Answers are cached for the TTL; errors are not.

use std::time::Duration;

use k8s_openapi::api::{
    authentication::v1::{TokenReview, TokenReviewSpec},
    authorization::v1::{ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec},
};
use kube::{Api, api::PostParams};

use super::{AccessError, Subject, Verb, cache::TtlCache};

/// The API group and resource grants name.
pub const GROUP: &str = "rampart.dev";
pub const RESOURCE: &str = "events";

pub struct Reviewer {
    client: kube::Client,
    audience: String,
    /// SHA-256 of a token → who it is, or why it was not accepted.
    tokens: TtlCache<[u8; 32], Result<Subject, String>>,
    /// (who, verb, namespace or "" for the cluster) → allowed.
    grants: TtlCache<(Subject, Verb, String), bool>,
}

impl std::fmt::Debug for Reviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reviewer").field("audience", &self.audience).finish_non_exhaustive()
    }
}

impl Reviewer {
    pub fn new(client: kube::Client, audience: String, ttl: Duration) -> Self {
        Reviewer { client, audience, tokens: TtlCache::new(ttl), grants: TtlCache::new(ttl) }
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Who `token` belongs to, if the API server accepts it for this collector's audience.
    pub async fn authenticate(&self, token: &str) -> Result<Subject, AccessError> {
        let key: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
            .as_ref()
            .try_into()
            .expect("SHA-256 is 32 bytes");
        if let Some(answer) = self.tokens.get(&key) {
            return answer.map_err(AccessError::TokenRejected);
        }
        let review = TokenReview {
            spec: TokenReviewSpec {
                token: Some(token.to_owned()),
                audiences: Some(vec![self.audience.clone()]),
            },
            ..Default::default()
        };
        let answer = Api::<TokenReview>::all(self.client.clone())
            .create(&PostParams::default(), &review)
            .await
            .map_err(|source| AccessError::Api { what: "TokenReview", source: Box::new(source) })?;
        let status = answer.status.unwrap_or_default();
        let user = status.user.unwrap_or_default();
        let accepted = status.authenticated == Some(true)
            && status.audiences.as_ref().is_none_or(|a| a.contains(&self.audience));
        let answer = match user.username.filter(|u| accepted && !u.is_empty()) {
            Some(name) => Ok(Subject {
                user: name,
                uid: user.uid.unwrap_or_default(),
                groups: user.groups.unwrap_or_default(),
                extra: user.extra.unwrap_or_default(),
            }),
            None => Err(status
                .error
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| format!("not authenticated for audience {:?}", self.audience))),
        };
        self.tokens.put(key, answer.clone());
        answer.map_err(AccessError::TokenRejected)
    }

    /// Whether `who` may `verb` events in `namespace` (cluster-wide when `None`).
    pub async fn allowed(
        &self,
        who: &Subject,
        verb: Verb,
        namespace: Option<&str>,
    ) -> Result<bool, AccessError> {
        let key = (who.clone(), verb, namespace.unwrap_or_default().to_owned());
        if let Some(allowed) = self.grants.get(&key) {
            return Ok(allowed);
        }
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(who.user.clone()),
                uid: Some(who.uid.clone()).filter(|u| !u.is_empty()),
                groups: Some(who.groups.clone()).filter(|g| !g.is_empty()),
                extra: Some(who.extra.clone()).filter(|e| !e.is_empty()),
                resource_attributes: Some(ResourceAttributes {
                    group: Some(GROUP.into()),
                    resource: Some(RESOURCE.into()),
                    verb: Some(verb.as_str().into()),
                    namespace: namespace.map(str::to_owned),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let answer = Api::<SubjectAccessReview>::all(self.client.clone())
            .create(&PostParams::default(), &review)
            .await
            .map_err(|source| AccessError::Api { what: "SubjectAccessReview", source: Box::new(source) })?;
        let allowed = answer.status.is_some_and(|s| s.allowed && s.denied != Some(true));
        self.grants.put(key, allowed);
        Ok(allowed)
    }
}
