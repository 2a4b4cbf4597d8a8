//! Events: what each call did, handed to a callback the caller registered, on the caller's
//! thread and on the caller's terms (see `wxpay_client_set_event_callback`).

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::{Arc, Mutex};

use wx::{Error, EventKind};

use crate::*;

/// When an event happened.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum wxpay_event_kind {
    /// An attempt is about to be sent.
    WXPAY_EVENT_REQUEST = 0,
    /// An attempt ended: an answer arrived, or it failed (`will_retry`: it is sent again).
    WXPAY_EVENT_RESPONSE = 1,
    /// The call ended (`attempt` is the number of attempts made).
    WXPAY_EVENT_CALL = 2,
}

/// One event, valid only while the callback runs (copy what you keep). No field ever holds a
/// body, a header other than Request-ID, or key material. Fields may be added at the end in a
/// later version; never allocate this struct yourself.
#[repr(C)]
pub struct wxpay_event_t {
    pub kind: wxpay_event_kind,
    /// Numbers the calls of this process; every event of one call carries it.
    pub call: u64,
    /// Upper-case method.
    pub method: *const c_char,
    /// The URL's path (no query, no host).
    pub path: *const c_char,
    /// From 1; for WXPAY_EVENT_CALL the number of attempts made.
    pub attempt: u32,
    /// The HTTP status, 0 when no answer arrived.
    pub status: u16,
    /// The answer's Request-ID, or NULL.
    pub request_id: *const c_char,
    /// How long the attempt (or the call) took in milliseconds; negative for WXPAY_EVENT_REQUEST.
    pub duration_ms: f64,
    /// "OK" or an error code string ("API", "TIMEOUT", ...); NULL for WXPAY_EVENT_REQUEST.
    pub outcome: *const c_char,
    /// WeChat Pay's error code for an "API" outcome (e.g. "SYSTEM_ERROR"), or NULL.
    pub api_code: *const c_char,
    /// For WXPAY_EVENT_RESPONSE: the request is sent again after `retry_in_ms`.
    pub will_retry: bool,
    /// The pause before the next attempt in milliseconds; negative when there is none.
    pub retry_in_ms: f64,
    /// One line for a log, the same in every language.
    pub summary: *const c_char,
    /// The whole event as JSON (the fields above, snake_case).
    pub json: *const c_char,
}

/// Receives events: `userdata` as registered, and the event (valid during the call only).
pub type wxpay_event_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event: *const wxpay_event_t)>;

/// A registered callback. `userdata` is the caller's; it is only handed back, on the caller's
/// threads.
#[derive(Clone, Copy)]
pub(crate) struct Listener {
    callback: unsafe extern "C" fn(*mut c_void, *const wxpay_event_t),
    userdata: *mut c_void,
}

// SAFETY: the callback and userdata are only ever used on threads the caller is running a
// wxpay call on (the contract of wxpay_client_set_event_callback); the library's own threads
// only append to a buffer.
unsafe impl Send for Listener {}
unsafe impl Sync for Listener {}

type Buffer = Arc<Mutex<Vec<wx::Event>>>;

/// The events of one call: buffered by the core's sink (on whatever thread runs the call) and
/// handed to the listener by [`Delivery::deliver`] on the caller's thread.
pub(crate) struct Delivery {
    listener: Listener,
    buffer: Buffer,
}

impl Delivery {
    /// The client for one call through `handle`, and the delivery of its events when a callback
    /// is registered.
    pub(crate) fn for_call(
        handle: &wxpay_client_t,
    ) -> Result<(Arc<wx::Client>, Option<Delivery>), Error> {
        let client = handle.client()?;
        let Some(listener) = *handle.listener.lock().unwrap_or_else(|p| p.into_inner()) else {
            return Ok((client, None));
        };
        let buffer: Buffer = Arc::default();
        let b2 = buffer.clone();
        let sink: wx::EventSink = Arc::new(move |e: &wx::Event| {
            b2.lock().unwrap_or_else(|p| p.into_inner()).push(e.clone());
        });
        Ok((
            Arc::new(client.with_events(Some(sink))),
            Some(Delivery { listener, buffer }),
        ))
    }

    /// Hand the buffered events to the callback, in order, on this thread.
    pub(crate) fn deliver(&self) {
        let events = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|p| p.into_inner()));
        for e in &events {
            call_listener(self.listener, e);
        }
    }
}

fn call_listener(listener: Listener, e: &wx::Event) {
    let opt = |s: Option<&str>| s.map(cstring);
    let ptr_of = |s: &Option<CString>| s.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    let method = cstring(&e.method);
    let path = cstring(&e.path);
    let request_id = opt(e.request_id.as_deref());
    let outcome = opt(e.outcome);
    let api_code = opt(e.api_code.as_deref());
    let summary = cstring(&e.summary());
    let json = cstring(&e.to_json().to_string());
    let ms = |d: Option<std::time::Duration>| d.map_or(-1.0, |d| d.as_secs_f64() * 1e3);
    let event = wxpay_event_t {
        kind: match e.kind {
            EventKind::Request => wxpay_event_kind::WXPAY_EVENT_REQUEST,
            EventKind::Response => wxpay_event_kind::WXPAY_EVENT_RESPONSE,
            EventKind::Call => wxpay_event_kind::WXPAY_EVENT_CALL,
        },
        call: e.call,
        method: method.as_ptr(),
        path: path.as_ptr(),
        attempt: e.attempt,
        status: e.status.unwrap_or(0),
        request_id: ptr_of(&request_id),
        duration_ms: ms(e.duration),
        outcome: ptr_of(&outcome),
        api_code: ptr_of(&api_code),
        will_retry: e.will_retry,
        retry_in_ms: ms(e.retry_in),
        summary: summary.as_ptr(),
        json: json.as_ptr(),
    };
    // SAFETY: the caller registered this function for exactly this call shape.
    unsafe { (listener.callback)(listener.userdata, &event) };
}

/// Register (or, with `callback` NULL, remove) the function that receives the events of the
/// calls made through `client` from now on: for each attempt one WXPAY_EVENT_REQUEST and one
/// WXPAY_EVENT_RESPONSE, and one WXPAY_EVENT_CALL when the call ends — the Request-IDs, statuses,
/// durations and retries a team on call needs.
///
/// On the caller's terms: the callback runs only on a thread that is inside a wxpay call the
/// caller made — a blocking call (wxpay_request, wxpay_close_transaction, ...) hands over its
/// events before it returns; a future hands over the events so far in wxpay_future_poll,
/// wxpay_future_wait and wxpay_future_take (all of them by the time the result is taken). Never
/// on a library thread, never concurrently for one call. The callback must return quickly and
/// must not call wxpay functions on the same client; `userdata` must stay valid while the
/// callback is registered. Calls started before the change keep the callback they started with.
#[no_mangle]
pub unsafe extern "C" fn wxpay_client_set_event_callback(
    client: *const wxpay_client_t,
    callback: wxpay_event_callback,
    userdata: *mut c_void,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        let client = client_arg(client)?;
        *client.listener.lock().unwrap_or_else(|p| p.into_inner()) =
            callback.map(|callback| Listener { callback, userdata });
        Ok(wxpay_status::WXPAY_OK)
    })
}
