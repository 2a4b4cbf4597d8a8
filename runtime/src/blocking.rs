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
//! - each thread keeps its runtime and one pool per client it called (at most [`POOLS`], least
//!   recently used dropped first); they go when the thread ends;
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wxpay::{Client, Error, ErrorKind, Operation, PreparedRequest, Response, Transport};

use crate::ProcessRuntime;

/// How many clients' pools a thread keeps.
pub const POOLS: usize = 8;

struct Local {
    pid: u32,
    runtime: tokio::runtime::Runtime,
    /// By client id, most recently used last.
    pools: Vec<(u64, Transport)>,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn internal(message: String) -> Error {
    Error::new(ErrorKind::Internal, message)
}

/// Blocking calls in progress in this process, on any thread.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts a blocking call in [`IN_FLIGHT`] while it lives.
struct InFlight {
    alone: bool,
}

impl InFlight {
    fn enter() -> InFlight {
        InFlight {
            alone: IN_FLIGHT.fetch_add(1, Ordering::AcqRel) == 0,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
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
            here(client, op.prepared()).and_then(|r| op.accept(r))
        } else {
            on_runtime(shared, client.clone(), op)
        }
    })
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
fn here(client: &Client, prepared: &PreparedRequest) -> Result<Response, Error> {
    {
        LOCAL.with(|cell| {
            let Ok(mut slot) = cell.try_borrow_mut() else {
                return Err(internal(
                    "a blocking wxpay call was made from inside another one on the same thread"
                        .into(),
                ));
            };
            let pid = std::process::id();
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
                    pools: Vec::new(),
                }),
            };
            let id = client.id();
            let reused = match local.pools.iter().position(|(c, _)| *c == id) {
                Some(i) => {
                    let entry = local.pools.remove(i);
                    local.pools.push(entry);
                    true
                }
                None => {
                    if local.pools.len() >= POOLS {
                        local.pools.remove(0);
                    }
                    local.pools.push((id, client.new_transport()?));
                    false
                }
            };
            let transport = &local.pools[local.pools.len() - 1].1;
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
                client.execute_via(transport, prepared).await
            }))
        })
    }
}
