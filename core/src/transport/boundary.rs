//! The boundary between wxpay and the language that calls it: **no panic crosses it**.
//!
//! Every binding (the C ABI, Python, Node, the CLI) runs the core through [`catch`] (synchronous
//! work) or [`catch_future`] (a call, polled on any runtime thread or blocked on by the caller).
//! A panic inside becomes an `INTERNAL` [`Error`] that the binding raises in its own error
//! class, and an async call still completes. While a thread is inside one of these guards, the
//! process's panic hook records the panic's message and location for that error instead of
//! printing it on the host program's stderr; panics anywhere else reach the previous hook as
//! before.
//!
//! Debug builds have a deliberate panic point for tests: with `WXPAY_TEST_PANIC=1` in the
//! environment, every call panics inside the core (see [`test_panic_point`]). Release builds
//! compile it away.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

use crate::error::{quote_n, Error, ErrorKind, Result};

thread_local! {
    /// How many guards this thread is inside.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// What the hook recorded of the last panic inside a guard on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Longest panic description kept in an error message, in characters.
const MAX_PANIC_TEXT: usize = 200;

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) > 0 {
                let mut text = payload_text(info.payload());
                if let Some(l) = info.location() {
                    text.push_str(&format!(" at {}:{}", l.file(), l.line()));
                }
                LAST.with(|last| *last.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Marks the current thread as inside a guard while it lives.
struct Inside;

impl Inside {
    fn enter() -> Inside {
        install_hook();
        DEPTH.with(|d| d.set(d.get().saturating_add(1)));
        Inside
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The `INTERNAL` error for a caught panic.
pub fn panic_error(payload: Box<dyn Any + Send>) -> Error {
    let text = LAST
        .with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| payload_text(&*payload));
    // Dropping a payload can itself panic (a payload whose destructor panics); never here.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    Error::new(
        ErrorKind::Internal,
        format!(
            "wxpay bug: a panic was caught at the language boundary ({}); please report it",
            quote_n(&text, MAX_PANIC_TEXT)
        ),
    )
}

/// Run `f`; a panic inside becomes an `INTERNAL` error.
pub fn catch<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let _inside = Inside::enter();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(panic_error(payload)),
    }
}

/// A future that turns a panic while it is polled into an `INTERNAL` error (see [`catch_future`]).
pub struct CatchPanic<F> {
    inner: Option<Pin<Box<F>>>,
}

/// Wrap a call: polling it never unwinds; a panic completes it with an `INTERNAL` error.
pub fn catch_future<F, T>(future: F) -> CatchPanic<F>
where
    F: Future<Output = Result<T>>,
{
    CatchPanic {
        inner: Some(Box::pin(future)),
    }
}

impl<F, T> Future for CatchPanic<F>
where
    F: Future<Output = Result<T>>,
{
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        // `CatchPanic` is `Unpin`: the inner future is pinned in its own box.
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Err(Error::new(
                ErrorKind::Internal,
                "wxpay bug: a finished call was polled again",
            )));
        };
        let _inside = Inside::enter();
        match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(r)) => {
                this.inner = None;
                Poll::Ready(r)
            }
            Err(payload) => {
                // A future that panicked may panic again when dropped: contain that too.
                let broken = this.inner.take();
                let _ = catch_unwind(AssertUnwindSafe(move || drop(broken)));
                Poll::Ready(Err(panic_error(payload)))
            }
        }
    }
}

/// The deliberate panic point of debug builds: panics when `WXPAY_TEST_PANIC=1` is set in the
/// environment, so that each language's tests can prove a panic in the core reaches them as an
/// `INTERNAL` error and that every async call still completes. Nothing in release builds.
#[inline]
#[track_caller]
pub fn test_panic_point() {
    #[cfg(debug_assertions)]
    if std::env::var_os("WXPAY_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("deliberate test panic (WXPAY_TEST_PANIC=1; debug builds only)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_location() {
        let e = catch::<()>(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(e.code(), "INTERNAL");
        assert!(e.message().contains("boom 1"), "{e}");
        assert!(e.message().contains("boundary.rs"), "{e}");
        assert_eq!(catch(|| Ok(5)).unwrap(), 5);
    }

    #[test]
    fn a_panicking_future_completes_with_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt
            .block_on(catch_future(async {
                tokio::task::yield_now().await;
                let v: Vec<u8> = Vec::new();
                #[allow(clippy::indexing_slicing)]
                Ok::<u8, Error>(v[3])
            }))
            .unwrap_err();
        assert_eq!(e.code(), "INTERNAL");
        assert!(e.message().contains("index out of bounds"), "{e}");
        assert_eq!(rt.block_on(catch_future(async { Ok(1) })).unwrap(), 1);
    }
}
