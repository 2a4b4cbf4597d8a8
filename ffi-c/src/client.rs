//! The client: configuration in, a thread-safe handle out.

use std::ffi::c_char;
use std::sync::Arc;

use wx::process::ForkSafeClient;
use wx::Error;

use crate::*;

/// A client: thread-safe, share one per process among all threads. Free with `wxpay_client_free`
/// once no call on it is running.
pub struct wxpay_client_t {
    pub(crate) inner: Arc<ForkSafeClient>,
    /// The event callback of this handle (`wxpay_client_set_event_callback`).
    pub(crate) listener: std::sync::Mutex<Option<crate::events::Listener>>,
}

impl wxpay_client_t {
    pub(crate) fn client(&self) -> Result<Arc<wx::Client>, Error> {
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
    *out = Box::into_raw(Box::new(wxpay_client_t {
        inner,
        listener: std::sync::Mutex::new(None),
    }));
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

/// Keep at most `capacity` (1 – 1,000,000) clients in this process's cache from now on (default
/// 64, or the `WXPAY_CLIENT_CACHE` environment variable): `wxpay_client_new` with a
/// configuration already built here returns that client — parsed keys, warm connections — and a
/// platform serving many merchants from one process sets this to their number. Shrinking evicts
/// the least recently used at once; an evicted client's key is wiped once no handle holds it.
/// Clients with the same connection settings (`connect_timeout_ms`, `ca_certs`, `resolve`, the
/// proxy) share one connection pool whatever the merchant. Out of range: `WXPAY_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_set_client_cache(
    capacity: usize,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        wx::process::set_client_cache_capacity(capacity)?;
        Ok(wxpay_status::WXPAY_OK)
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

/// The runtime of async calls (one per process, made on first use; its threads block SIGPIPE).
/// Blocking calls run on the caller's thread instead (`wxpay_runtime::blocking`).
pub(crate) static RUNTIME: wxpay_runtime::ProcessRuntime = wxpay_runtime::ProcessRuntime::new();

pub(crate) fn runtime() -> Result<Arc<tokio::runtime::Runtime>, Error> {
    RUNTIME.get()
}
