//! Fork awareness for bindings that live in forking servers (PHP-FPM, gunicorn, Node cluster).
//!
//! After `fork()`, a child inherits the parent's memory but none of its threads: an async runtime
//! and the connections it drove are dead, and a pooled TLS connection must never be shared by two
//! processes. [`PerProcess`] holds a value together with the id of the process that made it, and
//! makes a fresh one the first time it is used in another process. The stale value is leaked, not
//! dropped: dropping a runtime whose threads do not exist can block forever.

use std::sync::{Arc, Mutex};

/// A value that is re-created in each process that uses it.
pub struct PerProcess<T> {
    slot: Mutex<Option<(u32, Arc<T>)>>,
}

impl<T> Default for PerProcess<T> {
    fn default() -> Self {
        PerProcess {
            slot: Mutex::new(None),
        }
    }
}

impl<T> PerProcess<T> {
    /// An empty cell.
    pub const fn new() -> Self {
        PerProcess {
            slot: Mutex::new(None),
        }
    }

    /// This process's value, created by `make` on first use in this process.
    pub fn get_or_try_init<E>(&self, make: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let pid = std::process::id();
        // A panic while holding the lock cannot leave the slot half-written; recover the guard.
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some((owner, value)) if *owner == pid => Ok(value.clone()),
            stale => {
                if let Some((_, old)) = stale {
                    // Made by the parent: keep it alive forever rather than run its destructor here.
                    std::mem::forget(old.clone());
                }
                let value = Arc::new(make()?);
                *slot = Some((pid, value.clone()));
                Ok(value)
            }
        }
    }
}

/// A [`Client`](crate::Client) that is rebuilt from its configuration in each process that uses
/// it: after `fork()` the child gets its own connection pool (a pooled TLS connection must never
/// be shared by two processes) driven by its own runtime. What every binding holds.
pub struct ForkSafeClient {
    config: crate::Config,
    inner: PerProcess<crate::Client>,
}

impl ForkSafeClient {
    /// Build the client now (so configuration errors surface here) for this process.
    pub fn new(config: crate::Config) -> crate::Result<Self> {
        let c = ForkSafeClient {
            config,
            inner: PerProcess::new(),
        };
        c.get()?;
        Ok(c)
    }

    /// This process's client.
    pub fn get(&self) -> crate::Result<Arc<crate::Client>> {
        self.inner
            .get_or_try_init(|| crate::Client::new(&self.config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_once_per_process() {
        let cell = PerProcess::new();
        let a = cell.get_or_try_init(|| Ok::<_, ()>(1)).unwrap();
        let b = cell.get_or_try_init(|| Ok::<_, ()>(2)).unwrap();
        assert_eq!((*a, *b), (1, 1));
        assert!(PerProcess::<i32>::new()
            .get_or_try_init(|| Err("no"))
            .is_err());
    }
}
