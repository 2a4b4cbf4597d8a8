//! asyncio: how an async call's outcome reaches its `asyncio.Future` — queued by runtime threads
//! without the GIL and completed in batches on the event loop's thread — how cancelling the
//! future aborts the call, and how the interpreter's exit waits for completions in progress.

use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;

/// Called on the event loop's thread to complete an asyncio future (unless it was cancelled).
#[pyfunction]
pub(crate) fn _complete(
    fut: &Bound<'_, PyAny>,
    ok: bool,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    if fut.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    if ok {
        fut.call_method1("set_result", (value,))?;
    } else {
        let err = error_from_json(fut.py(), &value.extract::<String>()?);
        fut.call_method1("set_exception", (err.into_value(fut.py()),))?;
    }
    Ok(())
}

/// Done-callback of an asyncio future: aborts the request when the future was cancelled.
#[pyclass(frozen, module = "wxpay._native")]
pub(crate) struct Canceller {
    task: tokio::task::AbortHandle,
}

#[pymethods]
impl Canceller {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.task.abort();
        }
        Ok(())
    }
}

/// Runtime threads that are completing an asyncio future (inside `Python::attach`), and
/// whether the interpreter has started to shut down (set by the `atexit` hook `_shutdown`).
///
/// Without this, a runtime thread could still be inside the interpreter (the GIL is handed
/// back and forth during `call_soon_threadsafe`) when the main thread finalizes it: Python then
/// ends that thread with `pthread_exit`, whose unwinding drops live Python references without
/// the GIL while the main thread runs the final garbage collection — a crash at exit.
static COMPLETING: AtomicUsize = AtomicUsize::new(0);
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

pub(crate) struct CompletionGuard;

impl CompletionGuard {
    /// `None` once the interpreter is shutting down.
    pub(crate) fn enter() -> Option<CompletionGuard> {
        COMPLETING.fetch_add(1, Ordering::SeqCst);
        if SHUTTING_DOWN.load(Ordering::SeqCst) {
            COMPLETING.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(CompletionGuard)
    }
}

impl Drop for CompletionGuard {
    fn drop(&mut self) {
        COMPLETING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `atexit` hook: stop completing futures and wait (GIL released) for the runtime threads that
/// are already doing so, so that none is inside the interpreter while it is finalized.
#[pyfunction]
pub(crate) fn _shutdown(py: Python<'_>) {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while COMPLETING.load(Ordering::SeqCst) != 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
}

/// How a finished call reaches its asyncio future: the response, or the error's JSON.
type Outcome = Result<NativeResponse, String>;

/// `_complete`'s `ok` and `value` for an outcome.
fn to_python(py: Python<'_>, outcome: Outcome) -> PyResult<(bool, Bound<'_, PyAny>)> {
    Ok(match outcome {
        Ok(r) => (true, Bound::new(py, r)?.into_any()),
        Err(json) => (false, json.into_pyobject(py)?.into_any()),
    })
}

/// Per event loop: the outcomes of finished calls, queued by runtime threads **without taking
/// the GIL**, and a socket pair whose read end the loop watches (`loop.add_reader`). A runtime
/// thread pushes its outcome and, unless a wake-up is already pending, writes one byte; the loop
/// then completes every queued future in one go, on its own thread.
///
/// Taking the GIL on a runtime thread (as `loop.call_soon_threadsafe` from Rust requires)
/// stalled that Tokio worker, and every task queued behind it, while the event loop held the
/// GIL: the asyncio path was the slowest binding at concurrency 64 (bench/ANALYSIS.md).
struct CompletionQueue {
    queue: Mutex<Vec<(Py<PyAny>, Outcome)>>,
    wake_pending: AtomicBool,
    tx: UnixStream,
    rx: UnixStream,
}

impl CompletionQueue {
    fn push(&self, fut: Py<PyAny>, outcome: Outcome) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((fut, outcome));
        if !self.wake_pending.swap(true, Ordering::SeqCst) {
            // Non-blocking; if the buffer were full, a wake-up is pending anyway.
            let _ = (&self.tx).write(&[1]);
        }
    }
}

/// The loop side of a `CompletionQueue`: registered with `loop.add_reader(fileno, completer)`.
#[pyclass(frozen, module = "wxpay._native")]
pub(crate) struct Completer {
    inner: Arc<CompletionQueue>,
}

#[pymethods]
impl Completer {
    fn fileno(&self) -> i32 {
        self.inner.rx.as_raw_fd()
    }

    /// Called by the event loop when the read end is readable: complete every queued future.
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        // Order matters: empty the socket, then re-arm, then take the queue. An outcome pushed
        // after the re-arm writes a new byte (a later wake-up); one pushed before is taken now.
        // (Re-arming before reading could swallow the byte of a push that then finds the flag
        // still set, stranding every later outcome.)
        let mut buf = [0u8; 256];
        while matches!((&self.inner.rx).read(&mut buf), Ok(n) if n > 0) {}
        self.inner.wake_pending.store(false, Ordering::SeqCst);
        let items =
            std::mem::take(&mut *self.inner.queue.lock().unwrap_or_else(|p| p.into_inner()));
        for (fut, outcome) in items {
            let (ok, value) = to_python(py, outcome)?;
            // One future's failure (e.g. a closed loop's) must not strand the others.
            let _ = _complete(fut.bind(py), ok, &value);
        }
        Ok(())
    }
}

/// The completer of `event_loop`, created and registered on first use; `None` when the loop
/// cannot watch a file descriptor (e.g. Windows' proactor loop): then futures are completed
/// with `call_soon_threadsafe` from the runtime thread.
fn completer_for(
    py: Python<'_>,
    event_loop: &Bound<'_, PyAny>,
) -> PyResult<Option<Arc<CompletionQueue>>> {
    static REGISTRY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let registry = REGISTRY
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("weakref")?
                .call_method0("WeakKeyDictionary")?
                .unbind())
        })?
        .bind(py);
    if registry.contains(event_loop)? {
        // A `Completer`, or `None` for a loop without `add_reader`.
        let known = registry.get_item(event_loop)?;
        return Ok(known
            .cast::<Completer>()
            .ok()
            .map(|c| c.get().inner.clone()));
    }
    let (tx, rx) = UnixStream::pair().map_err(|e| {
        to_py(Error::new(
            ErrorKind::Internal,
            format!("cannot create the completion socket pair: {e}"),
        ))
    })?;
    tx.set_nonblocking(true)
        .and_then(|()| rx.set_nonblocking(true))
        .map_err(|e| {
            to_py(Error::new(
                ErrorKind::Internal,
                format!("cannot set up the completion socket pair: {e}"),
            ))
        })?;
    let inner = Arc::new(CompletionQueue {
        queue: Mutex::new(Vec::new()),
        wake_pending: AtomicBool::new(false),
        tx,
        rx,
    });
    let completer = Bound::new(
        py,
        Completer {
            inner: inner.clone(),
        },
    )?;
    match event_loop.call_method1("add_reader", (completer.get().fileno(), &completer)) {
        Ok(_) => {
            registry.set_item(event_loop, &completer)?;
            Ok(Some(inner))
        }
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyNotImplementedError>(py) => {
            registry.set_item(event_loop, py.None())?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

pub(crate) fn spawn_async<'py>(
    py: Python<'py>,
    call: impl Future<Output = Result<wx::Response, Error>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let fut = event_loop.call_method0("create_future")?;
    let fut_ref = fut.clone().unbind();
    // A panic in the call completes the future with an INTERNAL error: it never hangs.
    let call = wx::boundary::catch_future(call);
    let call = async move {
        call.await
            .map(NativeResponse::from)
            .map_err(|e| e.to_json().to_string())
    };
    let task = match completer_for(py, &event_loop)? {
        Some(queue) => runtime()?.spawn(async move { queue.push(fut_ref, call.await) }),
        None => {
            let complete = wrap_pyfunction!(_complete, py)?.unbind();
            let loop_ref = event_loop.unbind();
            runtime()?.spawn(async move {
                let outcome = call.await;
                let Some(_guard) = CompletionGuard::enter() else {
                    // The interpreter is shutting down: nobody awaits the future any more. The
                    // Python references captured here are released through pyo3's deferred
                    // reference pool.
                    return;
                };
                // `move`: the captured Python references are released here, with the GIL held.
                Python::attach(move |py| {
                    if let Ok((ok, value)) = to_python(py, outcome) {
                        // Fails only when the loop is closed: then nobody is waiting.
                        let _ = loop_ref.call_method1(
                            py,
                            "call_soon_threadsafe",
                            (complete, fut_ref, ok, value),
                        );
                    }
                });
            })
        }
    };
    fut.call_method1(
        "add_done_callback",
        (Canceller {
            task: task.abort_handle(),
        },),
    )?;
    Ok(fut)
}
