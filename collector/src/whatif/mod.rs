//! What-if: stored history judged again against a candidate policy set.
//!
//! Design constraints:
//! - **One verdict function.** Every activity is judged by `rampart_policy`'s [`PolicySet::judge`]
//!   — the function the agents call live — on the activity decoded from the stored event's
//!   typed fields ([`rampart_proto::activity`]). Nothing is re-derived from text.
//! - **Never guess.** An event that lacks what the verdict needs is counted under its reason and
//!   not judged.
//! - **Flat memory.** The window streams from the store a page at a time; what is kept grows
//!   with the number of distinct changes and pods, not with the window (samples are capped).
//! - **Bad candidates lose nothing.** Every error of every candidate is reported at once, with
//!   its source, line and field; nothing is judged until all parse.
//! - **Cancellable.** A client that goes away stops the read within a page.

mod tally;

use std::time::Duration;

use rampart_policy::{Candidates, PolicyError, RampartPolicy, parse_source, source::MAX_FILE_BYTES};
use rampart_proto::v1::{PolicySource, WhatIfProgress, WhatIfResponse, what_if_response};
use tokio::sync::mpsc;
use tonic::Status;

use crate::{
    readers::Reader,
    store::{StoreError, StoredEvent},
};

pub use tally::Tally;

/// The most policy sources a request may carry (as many as a policy directory may hold).
pub const MAX_SOURCES: usize = rampart_policy::source::MAX_FILES;
/// Samples kept per change when the request leaves it at 0, and the most it may ask for.
pub const DEFAULT_SAMPLES: usize = 3;
pub const MAX_SAMPLES: usize = 20;
/// How often progress is sent on a long window.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Why a candidate set was refused.
#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    #[error("no candidate policies: give at least one")]
    NoCandidates,
    #[error("{count} policy sources; at most {MAX_SOURCES} are accepted")]
    TooManySources { count: usize },
    #[error("{name}: {size} bytes; at most {MAX_FILE_BYTES} per source")]
    TooLarge { name: String, size: usize },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<PolicyError>),
}

/// Reads a what-if request's candidate and base sources into the set to judge with.
pub fn candidates(candidates: &[PolicySource], base: &[PolicySource]) -> Result<Candidates, CandidateError> {
    if candidates.is_empty() {
        return Err(CandidateError::NoCandidates);
    }
    let count = candidates.len() + base.len();
    if count > MAX_SOURCES {
        return Err(CandidateError::TooManySources { count });
    }
    if let Some(s) = candidates.iter().chain(base).find(|s| s.content.len() as u64 > MAX_FILE_BYTES) {
        return Err(CandidateError::TooLarge { name: s.name.clone(), size: s.content.len() });
    }
    let mut errors = Vec::new();
    let mut parse = |sources: &[PolicySource]| -> Vec<RampartPolicy> {
        sources
            .iter()
            .flat_map(|s| match parse_source(&s.name, &s.content) {
                Ok(policies) => policies,
                Err(e) => {
                    errors.extend(e);
                    Vec::new()
                }
            })
            .collect()
    };
    let candidates = parse(candidates);
    let base = parse(base);
    match Candidates::new(candidates, base) {
        Ok(c) if errors.is_empty() => Ok(c),
        Ok(_) => Err(CandidateError::Invalid(errors)),
        Err(more) => {
            errors.extend(more);
            Err(CandidateError::Invalid(errors))
        }
    }
}

/// Judges every event from `rows` with `candidates`, sending progress now and then and the
/// report at the end. Returns when done, when the store fails (sent as INTERNAL), or when
/// the client has gone.
pub async fn run(
    mut rows: mpsc::Receiver<Result<StoredEvent, StoreError>>,
    candidates: Candidates,
    samples: usize,
    tx: Reader<WhatIfResponse>,
) {
    let mut tally = Tally::new(samples);
    let mut next_progress = tokio::time::Instant::now() + PROGRESS_EVERY;
    while let Some(row) = rows.recv().await {
        let event = match row {
            Ok(stored) => stored.event,
            Err(e) => {
                let _ = tx.send(Err(Status::internal(e.to_string()))).await;
                return;
            }
        };
        tally.add(&candidates.set, event);
        if tally.events_read.is_multiple_of(1024) {
            if tx.is_closed() {
                return;
            }
            if tokio::time::Instant::now() >= next_progress {
                next_progress += PROGRESS_EVERY;
                let progress = WhatIfProgress { events_read: tally.events_read, reached: tally.last };
                let item = what_if_response::Item::Progress(progress);
                if !tx.send(Ok(WhatIfResponse { item: Some(item) })).await {
                    return;
                }
            }
        }
    }
    let report = tally.report(candidates.policies, candidates.replaced);
    let _ = tx.send(Ok(WhatIfResponse { item: Some(what_if_response::Item::Report(report)) })).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, policy: &str, mode: &str) -> PolicySource {
        PolicySource {
            name: name.into(),
            content: format!(
                "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: {policy}, namespace: shop}}\n\
                 spec:\n  podSelector: {{}}\n  mode: {mode}\n  privilege: {{escalation: deny}}\n"
            ),
        }
    }

    #[test]
    fn candidates_replace_base_policies_of_the_same_name_and_keep_the_rest() {
        let c = candidates(
            &[source("new.yaml", "web", "enforce")],
            &[source("old.yaml", "web", "audit"), source("db.yaml", "db", "audit")],
        )
        .unwrap();
        assert_eq!(c.policies, ["shop/web"]);
        assert_eq!(c.replaced, ["shop/web"]);
        assert_eq!(c.set.iter().map(RampartPolicy::key).collect::<Vec<_>>(), ["shop/db", "shop/web"]);
        assert_eq!(c.set.get("shop", "web").unwrap().origin.source, "new.yaml");
    }

    #[test]
    fn every_error_of_every_source_is_reported_with_its_place() {
        let err = candidates(
            &[
                source("a.yaml", "web", "sometimes"),
                source("b.yaml", "db", "enforce"),
                source("c.yaml", "db", "audit"),
            ],
            &[source("base.yaml", "x", "never")],
        )
        .unwrap_err()
        .to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(lines[0].starts_with("a.yaml:6:") && lines[0].contains("spec.mode"), "{err}");
        assert!(lines[1].starts_with("base.yaml:6:"), "{err}");
        assert!(lines[2].starts_with("c.yaml:1:") && lines[2].contains("duplicate policy shop/db"), "{err}");
        assert!(matches!(candidates(&[], &[]), Err(CandidateError::NoCandidates)));
        let huge =
            PolicySource { name: "huge.yaml".into(), content: "#".repeat(MAX_FILE_BYTES as usize + 1) };
        assert!(candidates(&[huge], &[]).unwrap_err().to_string().starts_with("huge.yaml: 1048577 bytes"));
    }
}
