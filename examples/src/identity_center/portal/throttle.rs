//! Login throttling, kept in the store so that every instance on one database counts the same
//! failures: after `max_failures_per_user` failed sign-ins for one account (or one typed name
//! that names no account) within `window_seconds`, further attempts are refused without a
//! password check until the oldest failure leaves the window; a per-client-address counter
//! with its own, higher limit slows one client guessing across many accounts.

use serde_json::{Value, json};

use crate::identity_center::store::{StoreError, Transaction};

/// Record namespace of failure counters.
pub const THROTTLE: &str = "login-throttle";

/// Limits of login throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failures per account within the window before attempts are refused. Default 5.
    pub max_failures_per_user: usize,
    /// Failures per client address within the window. Default 20.
    pub max_failures_per_client: usize,
    /// The sliding window, in seconds. Default 15 minutes.
    pub window_seconds: i64,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            max_failures_per_user: 5,
            max_failures_per_client: 20,
            window_seconds: 15 * 60,
        }
    }
}

/// What a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The account (or typed name).
    User,
    /// The client address.
    Client,
}

/// A refused attempt: why, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Which counter is full.
    pub scope: Scope,
    /// Seconds until the oldest counted failure leaves the window.
    pub retry_after: i64,
}

/// The counters one attempt touches: the account's key and the client's, if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// `user:{scim id}`, or `name:{folded typed name}` when it names no account.
    pub user: String,
    /// `client:{address}`.
    pub client: Option<String>,
}

impl ThrottleLimits {
    fn failures(
        &self,
        tx: &mut dyn Transaction,
        key: &str,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let Some(doc) = tx.record_get(THROTTLE, key, now)? else {
            return Ok(Vec::new());
        };
        let since = now.saturating_sub(self.window_seconds);
        Ok(doc
            .get("failures")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_i64)
                    .filter(|t| *t > since)
                    .collect()
            })
            .unwrap_or_default())
    }

    fn full(
        &self,
        tx: &mut dyn Transaction,
        key: &str,
        limit: usize,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let failures = self.failures(tx, key, now)?;
        if failures.len() < limit {
            return Ok(None);
        }
        // The attempt may go ahead once enough failures have aged out of the window.
        let mut sorted = failures;
        sorted.sort_unstable();
        let index = sorted.len().saturating_sub(limit);
        let oldest = sorted.get(index).copied().unwrap_or(now);
        Ok(Some(
            oldest
                .saturating_add(self.window_seconds)
                .saturating_sub(now)
                .max(1),
        ))
    }

    /// Whether an attempt with these keys is refused now.
    ///
    /// The account's counter row is created if missing and then read with a row lock
    /// (`record_get` is `SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` locks
    /// the database), so parallel guesses at one account wait for each other until their
    /// transactions end: however many arrive at once, at most the limit reach the password
    /// check. The client counter is not locked (that would serialise every sign-in behind one
    /// proxy address); under parallel requests it may undercount.
    pub fn check(
        &self,
        tx: &mut dyn Transaction,
        keys: &Keys,
        now: i64,
    ) -> Result<Option<Throttled>, StoreError> {
        tx.record_insert_new(
            THROTTLE,
            &keys.user,
            &json!({ "failures": [] }),
            Some(now.saturating_add(self.window_seconds)),
            now,
        )?;
        if let Some(retry_after) = self.full(tx, &keys.user, self.max_failures_per_user, now)? {
            return Ok(Some(Throttled {
                scope: Scope::User,
                retry_after,
            }));
        }
        if let Some(client) = &keys.client
            && let Some(retry_after) = self.full(tx, client, self.max_failures_per_client, now)?
        {
            return Ok(Some(Throttled {
                scope: Scope::Client,
                retry_after,
            }));
        }
        Ok(None)
    }

    fn push(
        &self,
        tx: &mut dyn Transaction,
        key: &str,
        limit: usize,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut failures = self.failures(tx, key, now)?;
        failures.push(now);
        // Only the newest `limit` matter; the record stays small whatever the attack rate.
        failures.sort_unstable();
        let excess = failures.len().saturating_sub(limit);
        failures.drain(..excess);
        tx.record_put(
            THROTTLE,
            key,
            &json!({ "failures": failures }),
            Some(now.saturating_add(self.window_seconds)),
        )
    }

    /// Counts a failed attempt against both keys.
    pub fn record_failure(
        &self,
        tx: &mut dyn Transaction,
        keys: &Keys,
        now: i64,
    ) -> Result<(), StoreError> {
        self.push(tx, &keys.user, self.max_failures_per_user, now)?;
        if let Some(client) = &keys.client {
            self.push(tx, client, self.max_failures_per_client, now)?;
        }
        Ok(())
    }

    /// Takes back the failure [`record_failure`](Self::record_failure) counted in advance for
    /// an attempt at `now` that then succeeded: the account's failures are forgotten, and the
    /// client's list loses that one entry (its earlier failures stay).
    pub fn forgive(
        &self,
        tx: &mut dyn Transaction,
        keys: &Keys,
        now: i64,
    ) -> Result<(), StoreError> {
        self.reset(tx, keys)?;
        if let Some(client) = &keys.client {
            let mut failures = self.failures(tx, client, now)?;
            if let Some(at) = failures.iter().rposition(|t| *t == now) {
                failures.remove(at);
                tx.record_put(
                    THROTTLE,
                    client,
                    &json!({ "failures": failures }),
                    Some(now.saturating_add(self.window_seconds)),
                )?;
            }
        }
        Ok(())
    }

    /// Forgets an account's failures after it signed in. The client's counter stays: one
    /// working account must not buy a client more guesses at others.
    pub fn reset(&self, tx: &mut dyn Transaction, keys: &Keys) -> Result<(), StoreError> {
        tx.record_delete(THROTTLE, &keys.user)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity_center::store::{SqliteStore, Store};

    const T0: i64 = 1_800_000_000;

    fn keys(client: Option<&str>) -> Keys {
        Keys {
            user: "user:u1".into(),
            client: client.map(str::to_owned),
        }
    }

    /// Sign-in counts each attempt as a failure before the (slow) password check and
    /// forgives it on success: successes never use up the client's allowance, and earlier
    /// failures stay counted. Counts by hand.
    #[test]
    fn a_forgiven_attempt_leaves_only_the_real_failures() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        let limits = ThrottleLimits {
            max_failures_per_user: 3,
            max_failures_per_client: 2,
            window_seconds: 60,
        };
        let k = keys(Some("client:192.0.2.1"));
        limits
            .record_failure(tx.as_mut(), &k, T0)
            .expect("a real failure");
        for i in 1..=5 {
            limits
                .record_failure(tx.as_mut(), &k, T0 + i)
                .expect("in advance");
            limits.forgive(tx.as_mut(), &k, T0 + i).expect("forgive");
        }
        assert_eq!(
            limits.failures(tx.as_mut(), &k.user, T0 + 6).expect("user"),
            Vec::<i64>::new()
        );
        assert_eq!(
            limits
                .failures(tx.as_mut(), "client:192.0.2.1", T0 + 6)
                .expect("client"),
            vec![T0],
            "five successes used up nothing; the one failure stays"
        );
        assert_eq!(limits.check(tx.as_mut(), &k, T0 + 6).expect("check"), None);
    }

    #[test]
    fn the_user_limit_passes_and_the_next_attempt_is_refused_until_the_window_moves() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        let limits = ThrottleLimits {
            max_failures_per_user: 3,
            max_failures_per_client: 100,
            window_seconds: 60,
        };
        let k = keys(None);
        for i in 0..3 {
            assert_eq!(limits.check(tx.as_mut(), &k, T0 + i).expect("check"), None);
            limits
                .record_failure(tx.as_mut(), &k, T0 + i)
                .expect("record");
        }
        // Three failures at T0, T0+1, T0+2: the fourth attempt waits until T0 leaves the
        // 60-second window, i.e. T0+60 (by hand: 60 - 3 = 57 seconds from T0+3).
        assert_eq!(
            limits.check(tx.as_mut(), &k, T0 + 3).expect("check"),
            Some(Throttled {
                scope: Scope::User,
                retry_after: 57
            })
        );
        assert_eq!(
            limits.check(tx.as_mut(), &k, T0 + 60).expect("check"),
            None,
            "the oldest failure is out of the window"
        );
        limits.reset(tx.as_mut(), &k).expect("reset");
        assert_eq!(limits.check(tx.as_mut(), &k, T0 + 3).expect("check"), None);
    }

    #[test]
    fn the_client_limit_counts_across_users_and_survives_a_success() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        let limits = ThrottleLimits {
            max_failures_per_user: 100,
            max_failures_per_client: 4,
            window_seconds: 60,
        };
        for i in 0..4 {
            let k = Keys {
                user: format!("name:user{i}"),
                client: Some("client:10.0.0.1".into()),
            };
            assert_eq!(limits.check(tx.as_mut(), &k, T0).expect("check"), None);
            limits.record_failure(tx.as_mut(), &k, T0).expect("record");
            limits.reset(tx.as_mut(), &k).expect("reset");
        }
        let fresh = Keys {
            user: "name:someone-else".into(),
            client: Some("client:10.0.0.1".into()),
        };
        assert_eq!(
            limits.check(tx.as_mut(), &fresh, T0).expect("check"),
            Some(Throttled {
                scope: Scope::Client,
                retry_after: 60
            })
        );
        let other_client = Keys {
            user: "name:someone-else".into(),
            client: Some("client:10.0.0.2".into()),
        };
        assert_eq!(
            limits.check(tx.as_mut(), &other_client, T0).expect("check"),
            None
        );
    }

    #[test]
    fn the_record_keeps_only_as_many_failures_as_the_limit() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        let limits = ThrottleLimits {
            max_failures_per_user: 2,
            max_failures_per_client: 2,
            window_seconds: 60,
        };
        let k = keys(None);
        for i in 0..10 {
            limits
                .record_failure(tx.as_mut(), &k, T0 + i)
                .expect("record");
        }
        let doc = tx
            .record_get(THROTTLE, "user:u1", T0 + 10)
            .expect("get")
            .expect("doc");
        assert_eq!(doc, json!({ "failures": [T0 + 8, T0 + 9] }));
    }
}
