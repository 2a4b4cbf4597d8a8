//! The C ABI of wxpay. The contract is written at the top of `include/wxpay.h` (see
//! `cbindgen.toml`) and in `ffi-c/README.md`; this file implements it:
//!
//! - every exported function catches panics and never unwinds into C;
//! - every pointer argument is checked; strings must be NUL-terminated UTF-8;
//! - `*out` parameters are written only when the call returns `WXPAY_OK`;
//!   `*err` (when not NULL) is written only when it returns an error status;
//! - blocking calls do their I/O on the caller's thread (`wxpay_runtime::blocking`); futures run
//!   on a process-wide Tokio runtime created lazily, once per process (again after `fork()`).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use wx::process::ForkSafeClient;
use wx::sign::SignatureHeaders;
use wx::{CloseOrder, Error, ErrorKind, OrderRef, RequestOptions};

/// What a call returned. `WXPAY_OK` is success; `WXPAY_PENDING` is returned only by the future
/// functions; every other value is an error whose kind matches the error object's code string.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum wxpay_status {
    /// Success.
    WXPAY_OK = 0,
    /// The future has not completed yet (`wxpay_future_poll`, `wxpay_future_wait`).
    WXPAY_PENDING = 1,
    /// Code "CONFIG": bad configuration or key material. Nothing was sent.
    WXPAY_ERR_CONFIG = 10,
    /// Code "INVALID_ARGUMENT": bad call arguments (NULL, not UTF-8, bad JSON…). Nothing was sent.
    WXPAY_ERR_INVALID_ARGUMENT = 11,
    /// Code "TRANSPORT": connection or TLS failure; see `wxpay_error_may_have_been_sent`.
    WXPAY_ERR_TRANSPORT = 12,
    /// Code "TIMEOUT": no complete answer in time; the request may have been sent.
    WXPAY_ERR_TIMEOUT = 13,
    /// Code "API": WeChat Pay answered non-2xx; see the `wxpay_error_api_*` accessors.
    WXPAY_ERR_API = 14,
    /// Code "VERIFY": a 2xx answer failed signature, timestamp or serial checks.
    WXPAY_ERR_VERIFY = 15,
    /// Code "DECODE": an answer that cannot be understood (e.g. 200 where 204 is due).
    WXPAY_ERR_DECODE = 16,
    /// Code "INTERNAL": a bug caught at the boundary (a panic). Please report it.
    WXPAY_ERR_INTERNAL = 17,
}

fn status_of(kind: ErrorKind) -> wxpay_status {
    match kind {
        ErrorKind::Config => wxpay_status::WXPAY_ERR_CONFIG,
        ErrorKind::InvalidArgument => wxpay_status::WXPAY_ERR_INVALID_ARGUMENT,
        ErrorKind::Transport => wxpay_status::WXPAY_ERR_TRANSPORT,
        ErrorKind::Timeout => wxpay_status::WXPAY_ERR_TIMEOUT,
        ErrorKind::Api => wxpay_status::WXPAY_ERR_API,
        ErrorKind::Verify => wxpay_status::WXPAY_ERR_VERIFY,
        ErrorKind::Decode => wxpay_status::WXPAY_ERR_DECODE,
        ErrorKind::Internal => wxpay_status::WXPAY_ERR_INTERNAL,
    }
}

/// Text for C: interior NUL bytes (impossible in our messages, possible in foreign bodies) are
/// replaced so the string is never silently truncated.
fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error: owned by the caller once returned through an `err` out-parameter; free it with
/// `wxpay_error_free`. Its accessors return pointers that live as long as the error.
pub struct wxpay_error_t {
    err: Error,
    message: CString,
    api_code: Option<CString>,
    api_message: Option<CString>,
    request_id: Option<CString>,
    verify_failure: Option<&'static CStr>,
    json: CString,
}

impl wxpay_error_t {
    fn new(err: Error) -> Self {
        let api = err.api();
        wxpay_error_t {
            message: cstring(err.message()),
            api_code: api.map(|a| cstring(&a.code)),
            api_message: api.map(|a| cstring(&a.message)),
            request_id: err.request_id().map(cstring),
            verify_failure: err.verify_failure().map(wx::VerifyFailure::code_cstr),
            json: cstring(&err.to_json().to_string()),
            err,
        }
    }
}

fn internal(what: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("wxpay bug: {what} (caught at the C boundary; please report it)"),
    )
}

/// Store `e` in `*err` (if `err` is not NULL) and return its status.
unsafe fn fail(err: *mut *mut wxpay_error_t, e: Error) -> wxpay_status {
    let status = status_of(e.kind());
    if !err.is_null() {
        *err = Box::into_raw(Box::new(wxpay_error_t::new(e)));
    }
    status
}

/// Run `f`, turning an `Err` or a panic into an error status and `*err` (the panic's message
/// goes into the error, not onto the host program's stderr: `wx::boundary`).
unsafe fn guard(
    err: *mut *mut wxpay_error_t,
    f: impl FnOnce() -> Result<wxpay_status, Error>,
) -> wxpay_status {
    match wx::boundary::catch(f) {
        Ok(status) => status,
        Err(e) => fail(err, e),
    }
}

/// Accessors: a panic (impossible by construction) yields `fallback` instead of unwinding.
fn quiet<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    wx::boundary::catch(|| Ok(f())).unwrap_or(fallback)
}

unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("argument `{name}` is NULL"),
        ));
    }
    CStr::from_ptr(p).to_str().map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "argument `{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

unsafe fn opt_str_arg<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, name).map(Some)
    }
}

unsafe fn json_arg(p: *const c_char, name: &str) -> Result<Value, Error> {
    match opt_str_arg(p, name)? {
        None => Ok(Value::Null),
        Some(s) if s.trim().is_empty() => Ok(Value::Null),
        Some(s) => serde_json::from_str(s).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("argument `{name}` is not valid JSON: {e}"),
            )
        }),
    }
}

unsafe fn bytes_arg<'a>(p: *const u8, len: usize, name: &str) -> Result<&'a [u8], Error> {
    match (p.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("argument `{name}` is NULL but its length is {len}"),
        )),
        (false, _) => Ok(std::slice::from_raw_parts(p, len)),
    }
}

unsafe fn out_arg<T>(p: *mut *mut T, name: &str) -> Result<(), Error> {
    if p.is_null() {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("out-parameter `{name}` is NULL"),
        ))
    } else {
        Ok(())
    }
}

unsafe fn client_arg<'a>(p: *const wxpay_client_t) -> Result<&'a wxpay_client_t, Error> {
    p.as_ref()
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "argument `client` is NULL"))
}

/// Free an error. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_free(err: *mut wxpay_error_t) {
    if !err.is_null() {
        quiet((), || drop(Box::from_raw(err)));
    }
}

/// The error's status (the same value the failed call returned). NULL gives `WXPAY_ERR_INTERNAL`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_status(err: *const wxpay_error_t) -> wxpay_status {
    err.as_ref().map_or(wxpay_status::WXPAY_ERR_INTERNAL, |e| {
        status_of(e.err.kind())
    })
}

/// The stable code string: "CONFIG", "INVALID_ARGUMENT", "TRANSPORT", "TIMEOUT", "API", "VERIFY",
/// "DECODE" or "INTERNAL". Static storage. NULL gives "INTERNAL".
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_code(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .map_or(c"INTERNAL", |e| e.err.kind().code_cstr())
        .as_ptr()
}

/// The message (never contains key material). Lives as long as `err`. NULL gives "".
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_message(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref().map_or(c"".as_ptr(), |e| e.message.as_ptr())
}

/// HTTP status of the answer this error is about, or 0 when none arrived.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_http_status(err: *const wxpay_error_t) -> u16 {
    err.as_ref().and_then(|e| e.err.status()).unwrap_or(0)
}

/// WeChat Pay's error code (e.g. "ORDER_NOT_EXIST") for "API" errors, else NULL. Lives as long
/// as `err`; "" when the answer carried no code.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_api_code(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.api_code.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// WeChat Pay's error message for "API" errors, else NULL. Lives as long as `err`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_api_message(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.api_message.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// The `Request-ID` of the answer this error is about, or NULL. Lives as long as `err`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_request_id(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.request_id.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// For "VERIFY" errors, the reason: "MISSING_HEADERS", "MALFORMED_HEADERS", "TIMESTAMP_SKEW",
/// "UNKNOWN_SERIAL", "BAD_SIGNATURE" or "CERTIFICATE_EXPIRED" (static storage); else NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_verify_failure(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.verify_failure)
        .map_or(ptr::null(), CStr::as_ptr)
}

/// Whether the request may have reached WeChat Pay (false only when it certainly did not, so a
/// retry cannot duplicate it). NULL gives true.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_may_have_been_sent(err: *const wxpay_error_t) -> bool {
    err.as_ref().is_none_or(|e| e.err.may_have_been_sent())
}

/// For "API" errors, the raw answer body and its length in `*len` (may be empty); else NULL
/// with `*len` = 0. Not NUL-terminated. Lives as long as `err`. `len` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_body(err: *const wxpay_error_t, len: *mut usize) -> *const u8 {
    let body = err
        .as_ref()
        .and_then(|e| e.err.api())
        .map(|a| a.body.as_slice());
    if !len.is_null() {
        *len = body.map_or(0, <[u8]>::len);
    }
    body.map_or(ptr::null(), <[u8]>::as_ptr)
}

/// The whole error as JSON: code, message, may_have_been_sent, and when known status,
/// request_id, verify_failure, api_code, api_message, detail, sign_information, body.
/// Lives as long as `err`. NULL gives "{}".
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_json(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref().map_or(c"{}".as_ptr(), |e| e.json.as_ptr())
}

// ---------------------------------------------------------------------------------------------
// Strings

/// Free a string returned through a `char **` out-parameter. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_string_free(s: *mut c_char) {
    if !s.is_null() {
        quiet((), || drop(CString::from_raw(s)));
    }
}

/// The library version, e.g. "0.1.0". Static storage.
#[no_mangle]
pub extern "C" fn wxpay_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

// ---------------------------------------------------------------------------------------------
// Runtime

/// The runtime of async calls (one per process, made on first use; its threads block SIGPIPE).
/// Blocking calls run on the caller's thread instead (`wxpay_runtime::blocking`).
static RUNTIME: wxpay_runtime::ProcessRuntime = wxpay_runtime::ProcessRuntime::new();

fn runtime() -> Result<Arc<tokio::runtime::Runtime>, Error> {
    RUNTIME.get()
}

// ---------------------------------------------------------------------------------------------
// Client

/// A client: thread-safe, share one per process among all threads. Free with `wxpay_client_free`
/// once no call on it is running.
pub struct wxpay_client_t {
    inner: Arc<ForkSafeClient>,
}

impl wxpay_client_t {
    fn client(&self) -> Result<Arc<wx::Client>, Error> {
        self.inner.get()
    }
}

unsafe fn new_client(
    config: Result<wx::Config, Error>,
    out: *mut *mut wxpay_client_t,
) -> Result<wxpay_status, Error> {
    // Parses keys and sets up TLS now, so errors surface here.
    // One client per configuration per process (`ForkSafeClient::shared`): a second handle
    // for the same configuration shares the parsed keys, TLS set-up and warm connections.
    let inner = ForkSafeClient::shared(config?)?;
    *out = Box::into_raw(Box::new(wxpay_client_t { inner }));
    Ok(wxpay_status::WXPAY_OK)
}

/// Create a client from configuration JSON (`mchid`, `serial`, `private_key`, `certs`,
/// `base_uri`, `timeout_ms`, `connect_timeout_ms`, `retries`, `user_agent`, `ca_certs`,
/// `resolve`, `insecure_http`). Relative `file://` paths resolve against the current directory.
#[no_mangle]
pub unsafe extern "C" fn wxpay_client_new(
    config_json: *const c_char,
    out: *mut *mut wxpay_client_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let text = str_arg(config_json, "config_json")?;
        new_client(wx::Config::from_json(text), out)
    })
}

/// Create a client from a configuration JSON file; relative `file://` paths in it resolve
/// against its folder.
#[no_mangle]
pub unsafe extern "C" fn wxpay_client_new_from_file(
    path: *const c_char,
    out: *mut *mut wxpay_client_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let path = str_arg(path, "path")?;
        new_client(wx::Config::from_file(path), out)
    })
}

/// Free a client. NULL is a no-op. No call on it may be running or start afterwards; futures
/// already started keep what they need and stay valid.
#[no_mangle]
pub unsafe extern "C" fn wxpay_client_free(client: *mut wxpay_client_t) {
    if !client.is_null() {
        quiet((), || drop(Box::from_raw(client)));
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

/// A verified 2xx answer. Owned by the caller; free with `wxpay_response_free`. Its accessors
/// return pointers that live as long as the response.
pub struct wxpay_response_t {
    status: u16,
    headers: Vec<(String, CString)>,
    request_id: Option<CString>,
    body: Vec<u8>,
    headers_json: CString,
}

impl wxpay_response_t {
    fn new(r: wx::Response) -> Self {
        let mut headers = Vec::new();
        let mut map = serde_json::Map::new();
        for (name, value) in r.header_fields() {
            headers.push((name.clone(), cstring(&value)));
            map.insert(name, Value::String(value));
        }
        wxpay_response_t {
            status: r.status(),
            request_id: r.request_id().map(cstring),
            headers_json: cstring(&Value::Object(map).to_string()),
            headers,
            body: r.body().to_vec(),
        }
    }
}

/// HTTP status (2xx). NULL gives 0.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_status(response: *const wxpay_response_t) -> u16 {
    response.as_ref().map_or(0, |r| r.status)
}

/// The value of header `name` (case-insensitive; a header received more than once has its
/// values joined with ", "), or NULL when absent. Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_header(
    response: *const wxpay_response_t,
    name: *const c_char,
) -> *const c_char {
    quiet(ptr::null(), || {
        let (Some(r), Ok(name)) = (response.as_ref(), str_arg(name, "name")) else {
            return ptr::null();
        };
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// All headers as a JSON object of lower-case name → value (a header received more than once
/// has its values joined with ", "). Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_headers_json(
    response: *const wxpay_response_t,
) -> *const c_char {
    response
        .as_ref()
        .map_or(c"{}".as_ptr(), |r| r.headers_json.as_ptr())
}

/// The `Request-ID` header, or NULL. Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_request_id(
    response: *const wxpay_response_t,
) -> *const c_char {
    response
        .as_ref()
        .and_then(|r| r.request_id.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// The body bytes (not NUL-terminated) and their length in `*len`; a 204 gives length 0 and a
/// non-NULL pointer. Lives as long as `response`. `len` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_body(
    response: *const wxpay_response_t,
    len: *mut usize,
) -> *const u8 {
    let body = response.as_ref().map(|r| r.body.as_slice());
    if !len.is_null() {
        *len = body.map_or(0, <[u8]>::len);
    }
    body.map_or(ptr::null(), <[u8]>::as_ptr)
}

/// Free a response. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_free(response: *mut wxpay_response_t) {
    if !response.is_null() {
        quiet((), || drop(Box::from_raw(response)));
    }
}

// ---------------------------------------------------------------------------------------------
// Futures

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
}

fn start(
    client: &wxpay_client_t,
    call: impl FnOnce(
        Arc<wx::Client>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send>>,
) -> Result<wxpay_future_t, Error> {
    let rt = runtime()?;
    let fut = call(client.client()?);
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
    })
}

fn outcome_status(o: &Outcome) -> wxpay_status {
    match o {
        Ok(_) => wxpay_status::WXPAY_OK,
        Err(e) => status_of(e.kind()),
    }
}

impl wxpay_future_t {
    /// Wait up to `timeout` (forever when `None`); the final status, or PENDING.
    fn wait(&self, timeout: Option<Duration>) -> Result<wxpay_status, Error> {
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

// ---------------------------------------------------------------------------------------------
// Calls

unsafe fn request_call<'a>(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let method = str_arg(method, "method")?;
    let template = str_arg(uri_template, "uri_template")?;
    let options = RequestOptions::from_value(&json_arg(options_json, "options_json")?)?;
    // Every argument error surfaces here, before anything is started.
    let op = wx::Operation::request(&*client.client()?, method, template, &options)?;
    Ok((client, op))
}

unsafe fn close_call<'a>(
    client: *const wxpay_client_t,
    id: *const c_char,
    by_out_trade_no: bool,
    options_json: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let order = if by_out_trade_no {
        OrderRef::OutTradeNo(str_arg(id, "out_trade_no")?.to_owned())
    } else {
        OrderRef::TransactionId(str_arg(id, "transaction_id")?.to_owned())
    };
    let order = CloseOrder::from_value(order, &json_arg(options_json, "options_json")?)?;
    let op = wx::Operation::close(&*client.client()?, &order)?;
    Ok((client, op))
}

fn start_call(client: &wxpay_client_t, op: wx::Operation) -> Result<wxpay_future_t, Error> {
    start(client, move |c| Box::pin(async move { op.run(&c).await }))
}

/// A blocking call; `*out` on success.
unsafe fn run_sync(
    call: Result<(&wxpay_client_t, wx::Operation), Error>,
    out: *mut *mut wxpay_response_t,
) -> Result<wxpay_status, Error> {
    let (client, op) = call?;
    // On this thread when no other blocking call is in progress (`wxpay_runtime::blocking`).
    let response = wxpay_runtime::blocking::execute(&RUNTIME, &client.client()?, op)?;
    *out = Box::into_raw(Box::new(wxpay_response_t::new(response)));
    Ok(wxpay_status::WXPAY_OK)
}

/// Make a request and wait for it: `method` ("GET", "POST", "PUT", "PATCH", "DELETE"), a URI
/// template (`v3/transactions/id/{transaction_id}/close`, relative to the base URI, or absolute),
/// and options JSON with the PHP SDK's keys (`base_uri`, placeholder values, `json`, `body`,
/// `query`, `headers`; NULL for none). On `WXPAY_OK`, `*out` is the verified response.
/// Safe to call from many threads at once on one client.
#[no_mangle]
pub unsafe extern "C" fn wxpay_request(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(
            request_call(client, method, uri_template, options_json),
            out,
        )
    })
}

/// Start a request without waiting (arguments as `wxpay_request`; their errors are returned
/// here, before anything is sent). On `WXPAY_OK`, `*out` is a future to poll, wait on and take.
#[no_mangle]
pub unsafe extern "C" fn wxpay_request_start(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let (client, call) = request_call(client, method, uri_template, options_json)?;
        let f = start_call(client, call)?;
        *out = Box::into_raw(Box::new(f));
        Ok(wxpay_status::WXPAY_OK)
    })
}

/// Close an order by WeChat Pay transaction id and wait. `options_json` (NULL for none):
/// `{"mchid", "sub_mchid", "sp_mchid", "base_uri", "endpoint": "hk" | "global"}`; the body
/// defaults to the client's `mchid`. Succeeds only on 204; `*out` is that response.
#[no_mangle]
pub unsafe extern "C" fn wxpay_close_transaction(
    client: *const wxpay_client_t,
    transaction_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(close_call(client, transaction_id, false, options_json), out)
    })
}

/// As `wxpay_close_transaction`, by the merchant's `out_trade_no`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_close_out_trade_no(
    client: *const wxpay_client_t,
    out_trade_no: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(close_call(client, out_trade_no, true, options_json), out)
    })
}

/// Start `wxpay_close_transaction` without waiting; `*out` is a future.
#[no_mangle]
pub unsafe extern "C" fn wxpay_close_transaction_start(
    client: *const wxpay_client_t,
    transaction_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let (client, call) = close_call(client, transaction_id, false, options_json)?;
        let f = start_call(client, call)?;
        *out = Box::into_raw(Box::new(f));
        Ok(wxpay_status::WXPAY_OK)
    })
}

// ---------------------------------------------------------------------------------------------
// Utilities

unsafe fn give_string(out: *mut *mut c_char, s: &str) -> wxpay_status {
    *out = cstring(s).into_raw();
    wxpay_status::WXPAY_OK
}

fn timestamp_arg(t: i64) -> Option<i64> {
    (t != 0).then_some(t)
}

/// Signing utility: the `Authorization` header value for `method` on the absolute `url` (the
/// canonical URL signed is its path and query, as sent) with `body` (`body_len` bytes; NULL with
/// 0 for none). `timestamp` 0 means now; `nonce` NULL means a fresh random one. On `WXPAY_OK`,
/// `*out` is a string to free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_sign(
    client: *const wxpay_client_t,
    method: *const c_char,
    url: *const c_char,
    body: *const u8,
    body_len: usize,
    timestamp: i64,
    nonce: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        let auth = c.sign(
            str_arg(method, "method")?,
            str_arg(url, "url")?,
            bytes_arg(body, body_len, "body")?,
            timestamp_arg(timestamp),
            opt_str_arg(nonce, "nonce")?,
        )?;
        Ok(give_string(out, &auth))
    })
}

/// Verification utility: check a WeChat Pay signature (an answer's or a callback's) against the
/// client's `certs`. Header values may be NULL when absent (that is a "VERIFY" error, reason
/// "MISSING_HEADERS"). `now` 0 means the current time. Returns `WXPAY_OK` or an error.
#[no_mangle]
pub unsafe extern "C" fn wxpay_verify(
    client: *const wxpay_client_t,
    wechatpay_timestamp: *const c_char,
    wechatpay_nonce: *const c_char,
    wechatpay_signature: *const c_char,
    wechatpay_serial: *const c_char,
    body: *const u8,
    body_len: usize,
    now: i64,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        let c = client_arg(client)?.client()?;
        let headers = SignatureHeaders {
            timestamp: opt_str_arg(wechatpay_timestamp, "wechatpay_timestamp")?,
            nonce: opt_str_arg(wechatpay_nonce, "wechatpay_nonce")?,
            signature: opt_str_arg(wechatpay_signature, "wechatpay_signature")?,
            serial: opt_str_arg(wechatpay_serial, "wechatpay_serial")?,
        };
        c.verify(
            headers,
            bytes_arg(body, body_len, "body")?,
            timestamp_arg(now),
        )?;
        Ok(wxpay_status::WXPAY_OK)
    })
}

/// Dry run: the exact request `wxpay_request` would send, signed at `timestamp` (0: now) with
/// `nonce` (NULL: random), as JSON (`method`, `url`, `canonical_url`, `headers`, `body`,
/// `timestamp`, `nonce`, `authorization`). Nothing is sent. `*out`: free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_prepare(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
    timestamp: i64,
    nonce: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        let options = RequestOptions::from_value(&json_arg(options_json, "options_json")?)?;
        let v = c.prepare_json(
            str_arg(method, "method")?,
            str_arg(uri_template, "uri_template")?,
            &options,
            timestamp_arg(timestamp),
            opt_str_arg(nonce, "nonce")?,
        )?;
        Ok(give_string(out, &v.to_string()))
    })
}

/// The PHP SDK's chain normalisation: a JSON array of segments (`["v3", "transactions", "id",
/// "_transaction_id_", "close"]`) to a URI template (`v3/transactions/id/{transaction_id}/close`).
/// `*out`: free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_chain_template(
    segments_json: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let v = json_arg(segments_json, "segments_json")?;
        let segments: Vec<&str> = v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "argument `segments_json` must be a JSON array of strings",
                )
            })?;
        // A control character cannot be part of an API path, and a NUL would cut the template
        // short in the caller's C string: refuse it here, naming the segment.
        if let Some(i) = segments
            .iter()
            .position(|s| s.chars().any(char::is_control))
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("chain segment {i} contains a control character (a NUL byte?); segments are printable text"),
            ));
        }
        Ok(give_string(out, &wx::uri::chain_template(&segments)))
    })
}
