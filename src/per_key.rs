//! One rate limiter and one token cache per API key, shared by every client of that key in the
//! process: sync and async clients, several instances, every concurrent task. Hotjar counts
//! requests per key (or per IP address), not per client object, so two clients with their own
//! limiters would together send twice the allowed rate and meet 429s.
//!
//! The registry holds its entries weakly: the limiter and the token go away with the last client
//! of their key, and a client made later starts afresh.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};

use crate::auth::TokenCache;
use crate::rate_limit::RateLimiter;

/// A limiter is shared by clients of the same API (base URL), key and rate: a client that asks
/// for a lower rate than another gets its own, stricter limiter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LimiterKey {
    base_url: String,
    client_id: String,
    per_minute: u32,
    /// A forked child never shares the parent's: a lock held by a parent thread at the fork
    /// would stay locked in the child forever.
    pid: u32,
}

/// A token is shared by clients of the same API and credentials. The secret is part of the
/// key (two secrets for one client id must not share a token), kept only as a hash so that a
/// dead entry holds no copy of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TokenKey {
    base_url: String,
    client_id: String,
    secret_hash: u64,
    pid: u32,
}

struct Registry<K, V> {
    entries: Mutex<Option<HashMap<K, Weak<V>>>>,
}

impl<K: Eq + Hash, V> Registry<K, V> {
    const fn new() -> Self {
        Self {
            entries: Mutex::new(None),
        }
    }

    /// The live value for `key`, or a new one from `make` (registered for the next caller).
    fn get_or_insert(&self, key: K, make: impl FnOnce() -> V) -> Arc<V> {
        // A poisoned lock only means a panic elsewhere; the map of weak pointers is still sound.
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entries = guard.get_or_insert_with(HashMap::new);
        if let Some(live) = entries.get(&key).and_then(Weak::upgrade) {
            return live;
        }
        // Forget the keys whose last client is gone, so the map never grows without bound.
        entries.retain(|_, weak| weak.strong_count() > 0);
        let value = Arc::new(make());
        entries.insert(key, Arc::downgrade(&value));
        value
    }

    #[cfg(test)]
    fn live(&self) -> usize {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .map_or(0, |m| m.values().filter(|w| w.strong_count() > 0).count())
    }
}

static LIMITERS: Registry<LimiterKey, RateLimiter> = Registry::new();
static TOKENS: Registry<TokenKey, TokenCache> = Registry::new();

/// The process's limiter for this API, key and rate.
pub fn limiter(base_url: &str, client_id: &str, per_minute: u32) -> Arc<RateLimiter> {
    let key = LimiterKey {
        base_url: base_url.to_string(),
        client_id: client_id.to_string(),
        per_minute,
        pid: std::process::id(),
    };
    LIMITERS.get_or_insert(key, || RateLimiter::per_minute(per_minute))
}

/// The process's token cache for this API and these credentials.
pub fn token_cache(base_url: &str, client_id: &str, client_secret: &str) -> Arc<TokenCache> {
    let mut hasher = DefaultHasher::new();
    client_secret.hash(&mut hasher);
    let key = TokenKey {
        base_url: base_url.to_string(),
        client_id: client_id.to_string(),
        secret_hash: hasher.finish(),
        pid: std::process::id(),
    };
    TOKENS.get_or_insert(key, TokenCache::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_limiter_per_key_and_rate_while_a_client_holds_it() {
        let a = limiter("https://a.test", "per-key-test", 3000);
        let b = limiter("https://a.test", "per-key-test", 3000);
        assert!(Arc::ptr_eq(&a, &b));
        let slower = limiter("https://a.test", "per-key-test", 600);
        let other_key = limiter("https://a.test", "per-key-test-2", 3000);
        let other_api = limiter("https://b.test", "per-key-test", 3000);
        assert!(!Arc::ptr_eq(&a, &slower));
        assert!(!Arc::ptr_eq(&a, &other_key));
        assert!(!Arc::ptr_eq(&a, &other_api));
    }

    #[test]
    fn the_entry_goes_away_with_its_last_holder() {
        let registry: Registry<u32, u32> = Registry::new();
        let first = registry.get_or_insert(1, || 10);
        let again = registry.get_or_insert(1, || 11);
        assert_eq!(*again, 10);
        assert_eq!(registry.live(), 1);
        drop(first);
        drop(again);
        assert_eq!(registry.live(), 0);
        assert_eq!(*registry.get_or_insert(1, || 12), 12);
    }

    #[test]
    fn tokens_are_shared_only_by_the_same_credentials() {
        let a = token_cache("https://a.test", "token-test", "secret");
        let b = token_cache("https://a.test", "token-test", "secret");
        let wrong = token_cache("https://a.test", "token-test", "other secret");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &wrong));
    }
}
