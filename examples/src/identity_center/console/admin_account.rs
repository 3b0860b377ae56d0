//! The console's administrator: a name and an argon2id password hash (passwords.rs's hashing,
//! NFKC first) in record namespace [`ADMIN_PASSWORDS`], apart from the directory's users, so
//! that no SCIM client or directory user can become or change an administrator. Set with
//! `identity-center admin init`.

use std::io::Read;

use serde_json::{Value, json};

use crate::identity_center::RunError;
use crate::identity_center::cli::AdminAction;
use crate::identity_center::passwords::{self, PasswordPolicy};
use crate::identity_center::store::{Store, StoreError, Transaction};

/// Record namespace of administrator passwords, keyed by administrator name.
pub const ADMIN_PASSWORDS: &str = "admin-password";

/// Longest administrator name.
pub const MAX_NAME_CHARS: usize = 64;

/// Whether any administrator exists.
pub fn exists(tx: &mut dyn Transaction) -> Result<bool, StoreError> {
    Ok(!tx.record_list(ADMIN_PASSWORDS, 0)?.is_empty())
}

/// Why `admin init` refused.
fn usage(message: impl Into<String>) -> RunError {
    RunError::Usage(message.into())
}

/// Stores administrator `name` with `password` (policy-checked, argon2id). Refuses when an
/// administrator exists already, unless `force` (which replaces them all: one first
/// administrator).
pub fn init(store: &dyn Store, name: &str, password: &str, force: bool) -> Result<(), RunError> {
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(usage(format!(
            "--name must be 1 to {MAX_NAME_CHARS} characters without spaces"
        )));
    }
    passwords::check_policy(password, &PasswordPolicy::default())
        .map_err(|e| usage(format!("password refused: {e}")))?;
    // Hashing is slow on purpose: done before the transaction opens.
    let phc = passwords::hash(password).map_err(|e| RunError::Io(e.to_string()))?;
    let mut tx = store.begin()?;
    let existing = tx.record_list(ADMIN_PASSWORDS, 0)?;
    if !existing.is_empty() && !force {
        return Err(usage(
            "an administrator exists already; use --force to replace it",
        ));
    }
    for (key, _) in existing {
        tx.record_delete(ADMIN_PASSWORDS, &key)?;
    }
    tx.record_put(ADMIN_PASSWORDS, name, &json!({ "hash": phc }), None)?;
    tx.commit()?;
    Ok(())
}

/// The stored hash of administrator `name`, read for [`passwords::verify_phc`] so that the
/// slow argon2 work can run after the transaction ended.
pub fn stored_hash(tx: &mut dyn Transaction, name: &str) -> Result<Option<String>, StoreError> {
    Ok(tx
        .record_get(ADMIN_PASSWORDS, name, 0)?
        .and_then(|doc| doc.get("hash").and_then(Value::as_str).map(str::to_owned)))
}

/// Whether `password` is administrator `name`'s, after the same argon2 work either way (an
/// unknown name is checked against a dummy hash).
pub fn verify(tx: &mut dyn Transaction, name: &str, password: &str) -> Result<bool, StoreError> {
    let stored = stored_hash(tx, name)?;
    Ok(passwords::verify_phc(stored.as_deref(), password))
}

/// The first line of `input` without its line end.
fn first_line(input: &str) -> &str {
    input
        .split('\n')
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r')
}

/// `identity-center admin …`.
pub fn command(store: &dyn Store, action: &AdminAction) -> Result<(), RunError> {
    match action {
        AdminAction::Init {
            name,
            password_file,
            force,
        } => {
            let text = match password_file {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| RunError::Io(format!("cannot read {}: {e}", path.display())))?,
                None => {
                    let mut text = String::new();
                    std::io::stdin()
                        .take(64 << 10)
                        .read_to_string(&mut text)
                        .map_err(|e| RunError::Io(format!("stdin: {e}")))?;
                    text
                }
            };
            init(store, name, first_line(&text), *force)?;
            eprintln!("administrator {name} set; sign in at /admin");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity_center::store::SqliteStore;

    #[test]
    fn init_refuses_a_second_administrator_unless_forced() {
        let store = SqliteStore::in_memory().expect("sqlite");
        init(&store, "root", "first password long", false).expect("first");
        let refused = init(&store, "other", "second password long", false);
        assert!(matches!(refused, Err(RunError::Usage(_))));
        let mut tx = store.begin().expect("tx");
        assert!(verify(tx.as_mut(), "root", "first password long").expect("verify"));
        assert!(!verify(tx.as_mut(), "other", "second password long").expect("verify"));
        drop(tx);
        init(&store, "other", "second password long", true).expect("forced");
        let mut tx = store.begin().expect("tx");
        assert!(!verify(tx.as_mut(), "root", "first password long").expect("verify"));
        assert!(verify(tx.as_mut(), "other", "second password long").expect("verify"));
        assert!(!verify(tx.as_mut(), "other", "second password lonG").expect("verify"));
    }

    #[test]
    fn init_checks_the_password_policy_and_the_name() {
        let store = SqliteStore::in_memory().expect("sqlite");
        // PasswordPolicy::default(): 12 characters at least.
        assert!(init(&store, "root", &"a".repeat(11), false).is_err());
        assert!(init(&store, "", &"a".repeat(12), false).is_err());
        assert!(init(&store, "a b", &"a".repeat(12), false).is_err());
        assert!(
            init(
                &store,
                &"n".repeat(MAX_NAME_CHARS + 1),
                &"a".repeat(12),
                false
            )
            .is_err()
        );
        let mut tx = store.begin().expect("tx");
        assert!(!exists(tx.as_mut()).expect("exists"));
        drop(tx);
        init(&store, &"n".repeat(MAX_NAME_CHARS), &"a".repeat(12), false).expect("edge");
    }

    #[test]
    fn the_password_is_read_up_to_the_line_end() {
        assert_eq!(first_line("secret words here\r\nrest"), "secret words here");
        assert_eq!(first_line("no newline"), "no newline");
    }
}
