//! When each SCIM token was last used, for the console's token list (AWS shows it so that an
//! administrator can tell a live token from a forgotten one before revoking). Written by SCIM
//! authentication at most once a minute per token, so a busy IdP costs one small write a
//! minute, not one per request.

use serde_json::{Value, json};

use crate::identity_center::store::{StoreError, Transaction};

/// Record namespace of last-use times (Unix seconds), keyed by token id.
pub const TOKEN_LAST_USED: &str = "token-last-used";

/// How stale a stored time may get before it is rewritten.
pub const RESOLUTION_SECONDS: i64 = 60;

/// When token `id` was last used (Unix seconds), if ever since this was recorded.
pub fn last_used(tx: &mut dyn Transaction, id: &str) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .record_get(TOKEN_LAST_USED, id, 0)?
        .and_then(|doc| doc.get("at").and_then(Value::as_i64)))
}

/// Records a use of token `id` at `now`; true when it wrote (the caller commits).
pub fn touch(tx: &mut dyn Transaction, id: &str, now: i64) -> Result<bool, StoreError> {
    if last_used(tx, id)?.is_some_and(|at| now.saturating_sub(at) < RESOLUTION_SECONDS) {
        return Ok(false);
    }
    tx.record_put(TOKEN_LAST_USED, id, &json!({ "at": now }), None)?;
    Ok(true)
}

/// Forgets a revoked token's time.
pub fn forget(tx: &mut dyn Transaction, id: &str) -> Result<(), StoreError> {
    tx.record_delete(TOKEN_LAST_USED, id).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity_center::store::{SqliteStore, Store};

    #[test]
    fn a_use_is_written_at_most_once_a_minute() {
        let store = SqliteStore::in_memory().expect("sqlite");
        let mut tx = store.begin().expect("tx");
        assert_eq!(last_used(tx.as_mut(), "t1").expect("get"), None);
        assert!(touch(tx.as_mut(), "t1", 1_000).expect("touch"));
        // 59 seconds later: within the resolution, not rewritten; 60: rewritten.
        assert!(!touch(tx.as_mut(), "t1", 1_059).expect("touch"));
        assert_eq!(last_used(tx.as_mut(), "t1").expect("get"), Some(1_000));
        assert!(touch(tx.as_mut(), "t1", 1_060).expect("touch"));
        assert_eq!(last_used(tx.as_mut(), "t1").expect("get"), Some(1_060));
        forget(tx.as_mut(), "t1").expect("forget");
        assert_eq!(last_used(tx.as_mut(), "t1").expect("get"), None);
    }
}
