//! Which tokens Home Assistant accepted recently. Cached data (states, registries, the
//! host's response cache) is served only for a token Home Assistant has accepted within
//! the last five minutes, so a revoked or foreign token never reads cached data. Keys
//! are sha256 hashes of the tokens, never the tokens.

use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::HaError;
use crate::settings::Secret;
use crate::ttl_map::{Capacity, Overflow, TtlMap};

/// How long a token counts as accepted by Home Assistant for serving cached data.
pub const TOKEN_ACCEPTANCE_WINDOW: Duration = Duration::from_secs(300);
/// Distinct tokens remembered (a home has a few; the least recently used go first).
const MAX_TOKENS: usize = 64;

pub fn token_key(token: &Secret) -> [u8; 32] {
    Sha256::digest(token.expose().as_bytes()).into()
}

pub struct AcceptedTokens(Mutex<TtlMap<[u8; 32], ()>>);

impl Default for AcceptedTokens {
    fn default() -> Self {
        Self(Mutex::new(TtlMap::new(
            TOKEN_ACCEPTANCE_WINDOW,
            Capacity::entries(MAX_TOKENS),
            Overflow::EvictLeastRecent,
        )))
    }
}

impl AcceptedTokens {
    fn lock(&self) -> std::sync::MutexGuard<'_, TtlMap<[u8; 32], ()>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Has Home Assistant accepted `token` within the window?
    pub fn accepted_recently(&self, token: &Secret) -> bool {
        self.lock()
            .get(&token_key(token), TOKEN_ACCEPTANCE_WINDOW)
            .is_some()
    }

    /// Records what Home Assistant said about a token after a real call.
    pub fn note<T>(&self, token: &Secret, result: &Result<T, HaError>) {
        match result {
            Ok(_) => {
                let _ = self.lock().insert(token_key(token), ());
            }
            Err(HaError::Unauthorized(_)) => {
                self.lock().remove(&token_key(token));
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptance_follows_home_assistant() {
        let tokens = AcceptedTokens::default();
        let token = Secret::new("t");
        assert!(!tokens.accepted_recently(&token));
        tokens.note(&token, &Ok::<(), HaError>(()));
        assert!(tokens.accepted_recently(&token));
        tokens.note(&token, &Err::<(), _>(HaError::Upstream("x".into())));
        assert!(
            tokens.accepted_recently(&token),
            "a failure says nothing about the token"
        );
        tokens.note(&token, &Err::<(), _>(HaError::Unauthorized(401)));
        assert!(!tokens.accepted_recently(&token));
    }
}
