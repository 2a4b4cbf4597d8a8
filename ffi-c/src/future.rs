//! Futures: async calls without callbacks (poll, wait, take, free = cancel).

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use wx::{Error, ErrorKind};

use crate::*;

type Outcome = Result<wx::Response, Error>;

struct Shared {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

/// A call in flight. Poll it or wait on it from any one thread at a time (no callbacks are ever
/// made), then take its result. Free with `wxpay_future_free`, which cancels it if still pending.
pub struct wxpay_future_t {
    shared: Arc<Shared>,
    task: tokio::task::AbortHandle,
    taken: bool,
    /// Handed over in poll, wait and take (`wxpay_client_set_event_callback`).
    events: Option<Delivery>,
}

/// Start `op` on the runtime; the future to poll, wait on and take.
pub(crate) fn start(client: &wxpay_client_t, op: wx::Operation) -> Result<wxpay_future_t, Error> {
    let rt = runtime()?;
    let (c, events) = Delivery::for_call(client)?;
    let fut = async move { op.run(&c).await };
    let shared = Arc::new(Shared {
        outcome: Mutex::new(None),
        done: Condvar::new(),
    });
    let s2 = shared.clone();
    // The call runs in its own task so that freeing the future can abort exactly the call; a
    // panic in it completes it with an INTERNAL error (`catch_future`), and one that escaped
    // anyway would still end as a JoinError below: the future always completes.
    let call = rt.spawn(wx::boundary::catch_future(fut));
    let task = call.abort_handle();
    rt.spawn(async move {
        let outcome = match call.await {
            Ok(o) => o,
            Err(e) if e.is_cancelled() => Err(internal("the call was cancelled")),
            Err(_) => Err(internal("panic in the request task")),
        };
        let mut slot = s2.outcome.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(outcome);
        s2.done.notify_all();
    });
    Ok(wxpay_future_t {
        shared,
        task,
        taken: false,
        events,
    })
}

fn outcome_status(o: &Outcome) -> wxpay_status {
    match o {
        Ok(_) => wxpay_status::WXPAY_OK,
        Err(e) => status_of(e.kind()),
    }
}

impl wxpay_future_t {
    /// [`Self::wait_quietly`], then the events so far to the caller's callback, on this thread.
    fn wait(&self, timeout: Option<Duration>) -> Result<wxpay_status, Error> {
        let status = self.wait_quietly(timeout);
        if let Some(events) = &self.events {
            events.deliver();
        }
        status
    }

    /// Wait up to `timeout` (forever when `None`); the final status, or PENDING.
    fn wait_quietly(&self, timeout: Option<Duration>) -> Result<wxpay_status, Error> {
        if self.taken {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "the future's result was already taken",
            ));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut slot = self
            .shared
            .outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(o) = slot.as_ref() {
                return Ok(outcome_status(o));
            }
            match deadline {
                None => {
                    slot = self
                        .shared
                        .done
                        .wait(slot)
                        .unwrap_or_else(|p| p.into_inner())
                }
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Ok(wxpay_status::WXPAY_PENDING);
                    }
                    slot = self
                        .shared
                        .done
                        .wait_timeout(slot, d - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    /// The outcome of a completed future (once).
    fn take_outcome(&mut self) -> Outcome {
        let outcome = self
            .shared
            .outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| internal("completed future without a result"))?;
        self.taken = true;
        outcome
    }

    unsafe fn take(
        &mut self,
        out: *mut *mut wxpay_response_t,
        err: *mut *mut wxpay_error_t,
    ) -> Result<wxpay_status, Error> {
        match self.wait(Some(Duration::ZERO))? {
            wxpay_status::WXPAY_PENDING => Ok(wxpay_status::WXPAY_PENDING),
            _ => match self.take_outcome() {
                Ok(r) => {
                    *out = Box::into_raw(Box::new(wxpay_response_t::new(r)));
                    Ok(wxpay_status::WXPAY_OK)
                }
                Err(e) => Ok(fail(err, e)),
            },
        }
    }
}

impl Drop for wxpay_future_t {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Without waiting: `WXPAY_PENDING`, or the status the call finished with (`WXPAY_OK` or an
/// error status; take the result with `wxpay_future_take`). After the result was taken, or on
/// NULL: `WXPAY_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_future_poll(future: *const wxpay_future_t) -> wxpay_status {
    quiet(wxpay_status::WXPAY_ERR_INTERNAL, || match future.as_ref() {
        Some(f) => f
            .wait(Some(Duration::ZERO))
            .unwrap_or(wxpay_status::WXPAY_ERR_INVALID_ARGUMENT),
        None => wxpay_status::WXPAY_ERR_INVALID_ARGUMENT,
    })
}

/// Block the calling thread until the call finishes or `timeout_ms` passes (a negative value
/// waits without limit). Returns like `wxpay_future_poll`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_future_wait(
    future: *const wxpay_future_t,
    timeout_ms: i64,
) -> wxpay_status {
    quiet(wxpay_status::WXPAY_ERR_INTERNAL, || match future.as_ref() {
        Some(f) => {
            let t = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
            f.wait(t)
                .unwrap_or(wxpay_status::WXPAY_ERR_INVALID_ARGUMENT)
        }
        None => wxpay_status::WXPAY_ERR_INVALID_ARGUMENT,
    })
}

/// Take the result of a finished call: on `WXPAY_OK` `*out` receives the response; on an error
/// status `*err` receives the error. Returns `WXPAY_PENDING` (writing nothing) if the call has
/// not finished. A result can be taken once.
#[no_mangle]
pub unsafe extern "C" fn wxpay_future_take(
    future: *mut wxpay_future_t,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let f = future
            .as_mut()
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "argument `future` is NULL"))?;
        f.take(out, err)
    })
}

/// Free a future; a call still in flight is cancelled (it may or may not have reached the
/// server). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_future_free(future: *mut wxpay_future_t) {
    if !future.is_null() {
        quiet((), || drop(Box::from_raw(future)));
    }
}
