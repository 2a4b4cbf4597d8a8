//! The runtimes of wxpay's bindings (the C ABI, so PHP too, and Python). The core never creates a
//! runtime; the bindings that need one get it here, built one way:
//!
//! - [`ProcessRuntime`]: one multi-thread Tokio runtime per process (again after `fork()`), for
//!   async calls. Its threads never die from SIGPIPE.
//! - [`blocking`]: a blocking call runs on the caller's own thread, in a current-thread runtime
//!   of that thread with a connection pool of that thread — no hand-off to another thread and
//!   back (about one context switch per call instead of six or seven).
//!
//! Node uses napi's runtime (Node never forks a running process).

pub mod blocking;
mod sigpipe;

use std::sync::Arc;

use tokio::runtime::Runtime;
use wxpay::process::PerProcess;
use wxpay::{Error, ErrorKind};

/// One multi-thread runtime per process, made on first use (so a process that forks before
/// using it, as php-fpm's master and gunicorn's arbiter do, never has one to lose), and made
/// again in a forked child (the parent's is leaked: its threads do not exist there).
pub struct ProcessRuntime {
    cell: PerProcess<Runtime>,
}

impl ProcessRuntime {
    /// An empty cell; the runtime is made by the first [`ProcessRuntime::get`].
    pub const fn new() -> Self {
        ProcessRuntime {
            cell: PerProcess::new(),
        }
    }

    /// This process's runtime: up to 4 worker threads named `wxpay-io`, time and I/O enabled,
    /// SIGPIPE blocked on each of them (a write to a closed socket fails with EPIPE instead of
    /// killing a C or PHP host).
    pub fn get(&self) -> Result<Arc<Runtime>, Error> {
        self.cell.get_or_try_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
                .thread_name("wxpay-io")
                .on_thread_start(sigpipe::block_on_this_thread)
                .enable_all()
                .build()
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("cannot start the I/O runtime: {e}"),
                    )
                })
        })
    }
}

impl Default for ProcessRuntime {
    fn default() -> Self {
        Self::new()
    }
}
