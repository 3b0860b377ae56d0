//! State that outlives one call, as traits the caller implements: outstanding requests and seen
//! assertion IDs, with in-memory implementations for tests and single-process programs.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The AuthnRequest IDs this SP sent and still waits for.
pub trait RequestTracker {
    /// Whether `request_id` is outstanding at `now`. Must not change state: the validator calls
    /// [`complete`](Self::complete) only once every check passed.
    fn is_outstanding(&self, request_id: &str, now: DateTime<Utc>) -> bool;

    /// Marks `request_id` answered; it must not be accepted again.
    fn complete(&mut self, request_id: &str);
}

/// Assertion IDs already accepted, kept until the assertion would have expired anyway.
pub trait ReplayCache {
    /// Records `assertion_id` as used until `expires_at`; returns `false` if it was already
    /// recorded (a replay). One atomic check-and-insert, so concurrent callers cannot both win.
    fn insert(&mut self, assertion_id: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>)
    -> bool;
}

/// An in-memory [`RequestTracker`]: request IDs with their expiry.
#[derive(Debug, Clone, Default)]
pub struct InMemoryRequestTracker {
    outstanding: HashMap<String, DateTime<Utc>>,
}

impl InMemoryRequestTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers a request sent, answerable until `expires_at`.
    pub fn track(&mut self, request_id: impl Into<String>, expires_at: DateTime<Utc>) {
        self.outstanding.insert(request_id.into(), expires_at);
    }

    /// How many requests are outstanding (expired ones included until pruned).
    pub fn len(&self) -> usize {
        self.outstanding.len()
    }

    /// Whether none is outstanding.
    pub fn is_empty(&self) -> bool {
        self.outstanding.is_empty()
    }

    /// Forgets requests that expired before `now`.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        self.outstanding.retain(|_, expires| *expires > now);
    }
}

impl RequestTracker for InMemoryRequestTracker {
    fn is_outstanding(&self, request_id: &str, now: DateTime<Utc>) -> bool {
        self.outstanding
            .get(request_id)
            .is_some_and(|expires| *expires > now)
    }

    fn complete(&mut self, request_id: &str) {
        self.outstanding.remove(request_id);
    }
}

/// An in-memory [`ReplayCache`]; expired entries are dropped as new ones come in.
#[derive(Debug, Clone, Default)]
pub struct InMemoryReplayCache {
    seen: HashMap<String, DateTime<Utc>>,
}

impl InMemoryReplayCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many IDs are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no ID is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

impl ReplayCache for InMemoryReplayCache {
    fn insert(
        &mut self,
        assertion_id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        // Amortised pruning: only when the map has doubled since the last pass would be nicer,
        // but a linear pass per accepted assertion is cheap beside its RSA verification.
        self.seen.retain(|_, expires| *expires > now);
        if self.seen.contains_key(assertion_id) {
            return false;
        }
        self.seen.insert(assertion_id.to_owned(), expires_at);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn tracker_forgets_completed_and_expired_requests() {
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("r1", t0() + TimeDelta::seconds(10));
        assert!(tracker.is_outstanding("r1", t0()));
        assert!(!tracker.is_outstanding("r1", t0() + TimeDelta::seconds(10)));
        assert!(!tracker.is_outstanding("r2", t0()));
        tracker.complete("r1");
        assert!(!tracker.is_outstanding("r1", t0()));
    }

    #[test]
    fn replay_cache_refuses_a_second_insert_until_expiry() {
        let mut cache = InMemoryReplayCache::new();
        let expires = t0() + TimeDelta::seconds(60);
        assert!(cache.insert("a", expires, t0()));
        assert!(!cache.insert("a", expires, t0() + TimeDelta::seconds(59)));
        assert!(cache.insert("a", expires, t0() + TimeDelta::seconds(60)));
    }
}
