//! Blocking calls: on the caller's thread when alone, on the process runtime when not.
//!
//! A blocking call used to start its request on the process runtime and wait on a condition
//! variable: the caller's thread, a runtime worker and the connection's task handed the call to
//! one another about 6.7 times per call (`perf stat`, bench/ANALYSIS.md). A call made while no
//! other blocking call is in progress (a php-fpm worker, a CLI, a quiet service) runs on the
//! caller's own thread instead, in a current-thread runtime of that thread, through a
//! connection pool of that thread (a connection is driven by the runtime that opened it): about
//! one context switch per call. Calls made while others are in progress (a busy thread pool)
//! run on the process runtime as before, where one HTTP/2 connection multiplexes them and one
//! wake-up serves many answers: with 64 threads that is about 20 % more calls per second than
//! 64 per-thread connections.
//!
//! On the caller's thread:
//! - each thread keeps its runtime and one pool per transport settings it called with (at most
//!   [`POOLS`], least recently used dropped first), shared by every client with those settings
//!   (`Client::transport_key`: many merchants behind one gateway, one pool); they go when the
//!   thread ends;
//! - a thread's connections are only driven while the thread is inside a call, so each call
//!   first lets the runtime read what arrived meanwhile (a server's `GOAWAY` or close), and a
//!   connection the server closed is not reused;
//! - new pools cost a TCP connection and a resumed TLS session, the TLS set-up being shared by
//!   the process (`wxpay::Client::new_transport`);
//! - after `fork()` the child makes its own (the parent's are leaked, never dropped: their
//!   sockets are the parent's);
//! - SIGPIPE is blocked on the caller's thread for the duration of the call only
//!   (`sigpipe::Guard`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wxpay::process::Lru;
use wxpay::{Client, Error, ErrorKind, Operation, Response, Transport};

use crate::ProcessRuntime;

/// How many connection pools (one per transport settings, whatever the merchants) a thread keeps.
pub const POOLS: usize = 8;

struct Local {
    pid: u32,
    runtime: tokio::runtime::Runtime,
    /// By transport settings (`Client::transport_key`).
    pools: Lru<wxpay::transport::TransportKey, Transport>,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn internal(message: String) -> Error {
    Error::new(ErrorKind::Internal, message)
}

/// Blocking calls in progress, on any thread, with the id of the process counting them: the
/// process id in the high 32 bits, the count in the low 32. A child after `fork()` starts from
/// zero (the parent's calls in progress are not its own), without a lock a forking thread could
/// have held.
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

fn split(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

/// Counts a blocking call in [`IN_FLIGHT`] while it lives.
struct InFlight {
    pid: u32,
    alone: bool,
}

/// The counter after a call of process `pid` starts, and whether it is alone.
fn entered(v: u64, pid: u32) -> (u64, bool) {
    let (owner, count) = split(v);
    // Counted by another process (a parent before fork()): not this one's calls.
    let count = if owner == pid { count } else { 0 };
    (
        (u64::from(pid) << 32) | u64::from(count.saturating_add(1)),
        count == 0,
    )
}

/// The counter after a call of process `pid` ends (`None`: not counted by this process).
fn left(v: u64, pid: u32) -> Option<u64> {
    let (owner, count) = split(v);
    (owner == pid).then(|| (u64::from(pid) << 32) | u64::from(count.saturating_sub(1)))
}

impl InFlight {
    fn enter() -> InFlight {
        let pid = wxpay::process::pid();
        let mut alone = true;
        let _ = IN_FLIGHT.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
            let (next, first) = entered(v, pid);
            alone = first;
            Some(next)
        });
        InFlight { pid, alone }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let _ = IN_FLIGHT.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| left(v, self.pid));
    }
}

/// Run `op` with `client` and wait for its outcome. Alone, the call runs on this thread (see the
/// module's documentation); while other blocking calls are in progress it runs on `shared`, the
/// process runtime, where one multiplexed connection serves them all. Must not be called from
/// inside an async runtime; a panic inside the call is an `INTERNAL` error.
pub fn execute(
    shared: &ProcessRuntime,
    client: &Arc<Client>,
    op: Operation,
) -> Result<Response, Error> {
    let in_flight = InFlight::enter();
    wxpay::boundary::catch(|| {
        if in_flight.alone {
            here(client, &op)
        } else {
            on_runtime(shared, client.clone(), op)
        }
    })
}

/// Run `call` — work that is not an [`Operation`], such as a download — on `shared`, the
/// process runtime, this thread waiting for it. Must not be called from inside an async
/// runtime; a panic inside is an `INTERNAL` error.
pub fn run<T: Send + 'static>(
    shared: &ProcessRuntime,
    call: impl std::future::Future<Output = Result<T, Error>> + Send + 'static,
) -> Result<T, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    shared.get()?.spawn(async move {
        let _ = tx.send(wxpay::boundary::catch_future(call).await);
    });
    rx.blocking_recv()
        .unwrap_or_else(|_| Err(internal("the call's task ended without an outcome".into())))
}

/// The call on `shared`'s threads, this thread waiting for it.
fn on_runtime(
    shared: &ProcessRuntime,
    client: Arc<Client>,
    op: Operation,
) -> Result<Response, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    shared.get()?.spawn(async move {
        let outcome = wxpay::boundary::catch_future(op.run(&client)).await;
        let _ = tx.send(outcome);
    });
    // A task that ended without sending panicked outside `catch_future` or was dropped with
    // the runtime: the call still completes, as an error.
    rx.blocking_recv()
        .unwrap_or_else(|_| Err(internal("the call's task ended without an outcome".into())))
}

/// The call on this thread.
fn here(client: &Client, op: &Operation) -> Result<Response, Error> {
    LOCAL.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return Err(internal(
                "a blocking wxpay call was made from inside another one on the same thread".into(),
            ));
        };
        let pid = wxpay::process::pid();
        if slot.as_ref().is_some_and(|local| local.pid != pid) {
            // Made by the parent before fork(): its sockets are the parent's. Leak it.
            std::mem::forget(slot.take());
        }
        let local = match slot.as_mut() {
            Some(local) => local,
            None => slot.insert(Local {
                pid,
                runtime: tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        internal(format!("cannot start this thread's I/O runtime: {e}"))
                    })?,
                pools: Lru::new(POOLS),
            }),
        };
        let key = client.transport_key();
        let (transport, reused) = match local.pools.get(&key) {
            Some(transport) => (transport, true),
            None => (local.pools.insert(key, client.new_transport()?), false),
        };
        let _sigpipe = crate::sigpipe::Guard::new();
        local.runtime.block_on(wxpay::boundary::catch_future(async {
            if reused {
                // Let the runtime read what arrived on this thread's idle connections
                // since its last call (a GOAWAY, a close) and their tasks act on it, so
                // the pool does not hand out a connection the server has closed. Each
                // yield polls the I/O driver once without waiting.
                tokio::task::yield_now().await;
                tokio::task::yield_now().await;
            }
            op.run_via(client, transport).await
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_per_process() {
        let (v, alone) = entered(0, 7);
        assert!(alone);
        let (v2, alone) = entered(v, 7);
        assert!(!alone, "a second call while the first is in progress");
        assert_eq!(split(v2), (7, 2));
        // A child forked meanwhile (pid 9) starts from zero: its first call is alone.
        let (c, alone) = entered(v2, 9);
        assert!(alone);
        assert_eq!(split(c), (9, 1));
        // A parent's call ending is not the child's to count down, and the reverse.
        assert_eq!(left(c, 7), None);
        assert_eq!(left(v2, 7).map(split), Some((7, 1)));
        assert_eq!(left(left(v2, 7).unwrap(), 7).map(split), Some((7, 0)));
    }
}
