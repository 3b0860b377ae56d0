//! fedkit-saml's [`RequestTracker`] and [`ReplayCache`] over the store, both in the request's
//! one transaction: the AuthnRequest IDs this SP sent (records keyed by request ID, which also
//! carry where to go afterwards) and the assertion IDs already accepted (one atomic
//! `record_insert_new` each), so that several instances on one database share both.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use fedkit_saml::{ReplayCache, RequestTracker};
use serde_json::{Value, json};

use crate::identity_center::store::{StoreError, Transaction};

/// Record namespace of AuthnRequests sent to the external IdP, keyed by request ID.
pub const EXTERNAL_REQUESTS: &str = "external-authn-request";
/// Record namespace of assertion IDs accepted from the external IdP.
pub const EXTERNAL_ASSERTIONS: &str = "external-assertion-id";

/// The transaction both adapters share, with the first store failure they met (the traits
/// cannot return one) and the request record that [`RequestTracker::complete`] took.
pub struct StoreState<'t> {
    tx: RefCell<&'t mut dyn Transaction>,
    failure: RefCell<Option<StoreError>>,
    completed: RefCell<Option<Value>>,
}

impl<'t> StoreState<'t> {
    /// Adapters over `tx`.
    pub fn new(tx: &'t mut dyn Transaction) -> Self {
        StoreState {
            tx: RefCell::new(tx),
            failure: RefCell::new(None),
            completed: RefCell::new(None),
        }
    }

    fn fail(&self, error: StoreError) {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(error);
        }
    }

    /// The tracker view.
    pub fn tracker(&self) -> Tracker<'_, 't> {
        Tracker(self)
    }

    /// The replay cache view.
    pub fn replay_cache(&self) -> Replay<'_, 't> {
        Replay(self)
    }

    /// The first store failure, if any; else the record of the request the response answered.
    pub fn finish(self) -> Result<Option<Value>, StoreError> {
        match self.failure.into_inner() {
            Some(error) => Err(error),
            None => Ok(self.completed.into_inner()),
        }
    }
}

/// [`RequestTracker`] over [`EXTERNAL_REQUESTS`].
pub struct Tracker<'s, 't>(&'s StoreState<'t>);

/// [`ReplayCache`] over [`EXTERNAL_ASSERTIONS`].
pub struct Replay<'s, 't>(&'s StoreState<'t>);

impl RequestTracker for Tracker<'_, '_> {
    fn is_outstanding(&self, request_id: &str, now: DateTime<Utc>) -> bool {
        let found =
            self.0
                .tx
                .borrow_mut()
                .record_get(EXTERNAL_REQUESTS, request_id, now.timestamp());
        match found {
            Ok(found) => found.is_some(),
            Err(error) => {
                self.0.fail(error);
                false
            }
        }
    }

    fn complete(&mut self, request_id: &str) {
        // Read back (the validator completes only what it found outstanding) and delete: one
        // request, one response.
        let taken = {
            let mut tx = self.0.tx.borrow_mut();
            tx.record_get(EXTERNAL_REQUESTS, request_id, 0)
                .and_then(|doc| tx.record_delete(EXTERNAL_REQUESTS, request_id).map(|_| doc))
        };
        match taken {
            Ok(doc) => *self.0.completed.borrow_mut() = doc,
            Err(error) => self.0.fail(error),
        }
    }
}

impl ReplayCache for Replay<'_, '_> {
    fn insert(
        &mut self,
        assertion_id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        let inserted = self.0.tx.borrow_mut().record_insert_new(
            EXTERNAL_ASSERTIONS,
            assertion_id,
            &json!({}),
            Some(expires_at.timestamp()),
            now.timestamp(),
        );
        match inserted {
            Ok(inserted) => inserted,
            Err(error) => {
                self.0.fail(error);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity_center::store::{SqliteStore, Store};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    #[test]
    fn a_request_is_outstanding_until_completed_or_expired_and_an_assertion_id_counts_once() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        tx.record_put(EXTERNAL_REQUESTS, "r1", &json!({"next": "/x"}), Some(1100))
            .expect("put");
        let state = StoreState::new(tx.as_mut());
        assert!(state.tracker().is_outstanding("r1", at(1000)));
        assert!(!state.tracker().is_outstanding("r1", at(1100)), "expired");
        assert!(!state.tracker().is_outstanding("r2", at(1000)));
        state.tracker().complete("r1");
        assert!(!state.tracker().is_outstanding("r1", at(1000)), "one-time");

        assert!(state.replay_cache().insert("a1", at(1200), at(1000)));
        assert!(
            !state.replay_cache().insert("a1", at(1200), at(1100)),
            "a replay"
        );
        assert!(
            state.replay_cache().insert("a1", at(1300), at(1200)),
            "after expiry"
        );
        assert_eq!(
            state.finish().expect("no store failure"),
            Some(json!({"next": "/x"}))
        );
    }
}
