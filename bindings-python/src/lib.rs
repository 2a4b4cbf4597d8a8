//! `wxpay._native`: the Python extension module. It translates types only; every rule lives in
//! the core. The public, idiomatic API is the Python package `wxpay` around it.
//!
//! - Blocking calls release the GIL (`Python::detach`) while the request runs.
//! - Async calls return an `asyncio.Future` of the running loop, completed from the runtime with
//!   `loop.call_soon_threadsafe`; cancelling it aborts the request.
//! - The Tokio runtime and each client's connection pool are per process (fork-safe).
//! - No panic reaches Python: every entry runs under `wx::boundary` (a panic is a
//!   `wxpay.InternalError`, and an async call's future still completes).
//! - Errors are raised as the `wxpay` exception classes themselves: the core's `Error::to_json`
//!   is turned into the right `wxpay.WxpayError` subclass by `wxpay._errors._from_core`, here,
//!   so no Python method re-wraps anything.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;
use wx::process::ForkSafeClient;

mod asyncio;
use asyncio::{_complete, _shutdown, spawn_async, Canceller, Completer};
use wx::sign::SignatureHeaders;
use wx::{Error, ErrorKind, Operation, RequestOptions};

/// `wxpay._errors._from_core`: the core's error JSON → the `wxpay.WxpayError` subclass.
static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The `wxpay` exception for the core's error JSON.
fn error_from_json(py: Python<'_>, json: &str) -> PyErr {
    let from_core = FROM_CORE.get_or_try_init(py, || {
        py.import("wxpay._errors")?
            .getattr("_from_core")
            .map(Bound::unbind)
    });
    match from_core.and_then(|f| f.bind(py).call1((json,))) {
        Ok(exc) => PyErr::from_value(exc),
        // Only when the package itself is broken (wxpay._errors missing).
        Err(e) => PyRuntimeError::new_err(format!("wxpay error {json} (and {e})")),
    }
}

fn to_py(e: Error) -> PyErr {
    Python::attach(|py| error_from_json(py, &e.to_json().to_string()))
}

/// The runtime of async calls (one per process, made on first use). Blocking calls run on the
/// calling thread instead (`wxpay_runtime::blocking`).
static RUNTIME: wxpay_runtime::ProcessRuntime = wxpay_runtime::ProcessRuntime::new();

fn runtime() -> PyResult<Arc<tokio::runtime::Runtime>> {
    RUNTIME.get().map_err(to_py)
}

fn options(json: &str) -> PyResult<RequestOptions> {
    wx::boundary::catch(|| RequestOptions::from_json(json)).map_err(to_py)
}

/// A verified 2xx answer.
#[pyclass(frozen, module = "wxpay._native")]
struct NativeResponse {
    #[pyo3(get)]
    status: u16,
    #[pyo3(get)]
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// A typed call's result as JSON text (`status`, `request_id`, its fields, `raw`); `None`
    /// for a generic request.
    #[pyo3(get)]
    result: Option<String>,
}

#[pymethods]
impl NativeResponse {
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }
}

impl From<wx::Response> for NativeResponse {
    fn from(r: wx::Response) -> Self {
        NativeResponse {
            status: r.status(),
            headers: r.header_fields(),
            body: r.body().to_vec(),
            result: r.result().map(|v| v.to_string()),
        }
    }
}

/// Run `op` and wait (`wxpay_runtime::blocking`) with the GIL released.
fn block(py: Python<'_>, client: &Arc<wx::Client>, op: Operation) -> PyResult<NativeResponse> {
    // A panic in the call is a `wxpay.InternalError`, not pyo3's PanicException (which is
    // not an `Exception`, so `except wxpay.WxpayError` would miss it).
    py.detach(|| wxpay_runtime::blocking::execute(&RUNTIME, client, op))
        .map(NativeResponse::from)
        .map_err(to_py)
}

/// A typed call of the catalogue by name; `data`: a file's bytes (uploads).
fn call_op(
    client: &wx::Client,
    name: &str,
    args_json: &str,
    data: Option<Vec<u8>>,
) -> PyResult<Operation> {
    wx::boundary::catch(|| Operation::by_name_with(client, name, args_json, data)).map_err(to_py)
}

fn download_spec(spec_json: &str) -> PyResult<wx::DownloadSpec> {
    wx::boundary::catch(|| wx::DownloadSpec::from_json(spec_json)).map_err(to_py)
}

/// One client: one connection pool per process. Thread-safe.
#[pyclass(frozen, module = "wxpay._native")]
struct NativeClient {
    inner: Arc<ForkSafeClient>,
}

impl NativeClient {
    fn client(&self) -> PyResult<Arc<wx::Client>> {
        wx::boundary::catch(|| self.inner.get()).map_err(to_py)
    }

    /// The client for one call whose events go to the `wxpay` logger at `events` (see
    /// [`event_sink`]).
    fn client_for(&self, events: u8) -> PyResult<Arc<wx::Client>> {
        let client = self.client()?;
        Ok(match event_sink(events) {
            Some(sink) => Arc::new(client.with_events(Some(sink))),
            None => client,
        })
    }
}

/// `wxpay._client._log_event(warning, summary, event_json)`, registered at import.
static EVENT_HOOK: std::sync::OnceLock<Py<PyAny>> = std::sync::OnceLock::new();

/// Register the function that logs an event (called once by `wxpay._client`).
#[pyfunction]
fn _set_event_hook(hook: Py<PyAny>) {
    let _ = EVENT_HOOK.set(hook);
}

/// What the `wxpay` logger takes, as the Python side found it at the call's start: 0 nothing
/// (no sink, no GIL ever taken for events), 1 warnings (a retried attempt), 2 everything.
fn event_sink(events: u8) -> Option<wx::EventSink> {
    if events == 0 {
        return None;
    }
    let everything = events >= 2;
    Some(Arc::new(move |e: &wx::Event| {
        if !everything && !e.is_warning() {
            return;
        }
        let Some(hook) = EVENT_HOOK.get() else { return };
        // Called on a runtime thread for an async call: never inside a finalizing interpreter.
        let Some(_entered) = asyncio::CompletionGuard::enter() else {
            return;
        };
        Python::attach(|py| {
            let json = e.to_json().to_string();
            if let Err(err) = hook.call1(py, (e.is_warning(), e.summary(), json)) {
                err.write_unraisable(py, None);
            }
        });
    }))
}

#[pymethods]
impl NativeClient {
    /// From configuration JSON (relative `file://` paths resolve against the current directory).
    #[new]
    fn new(config_json: &str) -> PyResult<Self> {
        wx::boundary::catch(|| ForkSafeClient::shared(wx::Config::from_json(config_json)?))
            .map(|inner| NativeClient { inner })
            .map_err(to_py)
    }

    /// From a configuration file (relative `file://` paths resolve against its folder).
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
        wx::boundary::catch(|| ForkSafeClient::shared(wx::Config::from_file(path)?))
            .map(|inner| NativeClient { inner })
            .map_err(to_py)
    }

    #[pyo3(signature = (method, template, options_json, events=0))]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        template: &str,
        options_json: &str,
        events: u8,
    ) -> PyResult<NativeResponse> {
        let client = self.client_for(events)?;
        let options = options(options_json)?;
        let op = wx::boundary::catch(|| Operation::request(&client, method, template, &options))
            .map_err(to_py)?;
        block(py, &client, op)
    }

    #[pyo3(signature = (method, template, options_json, events=0))]
    fn request_async<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        template: &str,
        options_json: &str,
        events: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client_for(events)?;
        let options = options(options_json)?;
        let op = wx::boundary::catch(|| Operation::request(&client, method, template, &options))
            .map_err(to_py)?;
        spawn_async(py, async move { op.run(&client).await })
    }

    /// Any typed call of the catalogue by name (`close_transaction`, `query_out_trade_no`,
    /// …), its arguments as a JSON object; `data`: a file's bytes for `upload`. Waits with the
    /// GIL released.
    #[pyo3(signature = (name, args_json, data=None, events=0))]
    fn call(
        &self,
        py: Python<'_>,
        name: &str,
        args_json: &str,
        data: Option<Vec<u8>>,
        events: u8,
    ) -> PyResult<NativeResponse> {
        let client = self.client_for(events)?;
        let op = call_op(&client, name, args_json, data)?;
        block(py, &client, op)
    }

    /// `call` as an awaitable on the library's runtime.
    #[pyo3(signature = (name, args_json, data=None, events=0))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args_json: &str,
        data: Option<Vec<u8>>,
        events: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client_for(events)?;
        let op = call_op(&client, name, args_json, data)?;
        spawn_async(py, async move { op.run(&client).await })
    }

    /// The exact request `call` would send, signed at `timestamp` with `nonce`, as JSON text.
    #[pyo3(signature = (name, args_json, timestamp=None, nonce=None))]
    fn prepare_call(
        &self,
        name: &str,
        args_json: &str,
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> PyResult<String> {
        let client = self.client()?;
        let op = call_op(&client, name, args_json, None)?;
        wx::boundary::catch(|| op.dry_run(&client, timestamp, nonce))
            .map(|v| v.to_string())
            .map_err(to_py)
    }

    /// Download per `spec_json` into `path` and wait (the GIL released); the outcome's JSON
    /// as the response body.
    #[pyo3(signature = (spec_json, path, events=0))]
    fn download(
        &self,
        py: Python<'_>,
        spec_json: &str,
        path: PathBuf,
        events: u8,
    ) -> PyResult<NativeResponse> {
        let client = self.client_for(events)?;
        let spec = download_spec(spec_json)?;
        py.detach(|| {
            wxpay_runtime::blocking::run(&RUNTIME, async move {
                client
                    .download_spec(&spec, &path)
                    .await
                    .map(wx::Downloaded::into_response)
            })
        })
        .map(NativeResponse::from)
        .map_err(to_py)
    }

    #[pyo3(signature = (spec_json, path, events=0))]
    fn download_async<'py>(
        &self,
        py: Python<'py>,
        spec_json: &str,
        path: PathBuf,
        events: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client_for(events)?;
        let spec = download_spec(spec_json)?;
        spawn_async(py, async move {
            client
                .download_spec(&spec, &path)
                .await
                .map(wx::Downloaded::into_response)
        })
    }

    /// The front end's payment parameters as a JSON object (`kind`: jsapi or app).
    fn pay_params(&self, kind: &str, args_json: &str) -> PyResult<String> {
        let client = self.client()?;
        wx::boundary::catch(|| client.pay_params_json(kind, args_json)).map_err(to_py)
    }

    #[pyo3(signature = (method, url, body, timestamp=None, nonce=None))]
    fn sign(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> PyResult<String> {
        let client = self.client()?;
        wx::boundary::catch(|| client.sign(method, url, body, timestamp, nonce)).map_err(to_py)
    }

    #[pyo3(signature = (timestamp, nonce, signature, serial, body, now=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        timestamp: Option<&str>,
        nonce: Option<&str>,
        signature: Option<&str>,
        serial: Option<&str>,
        body: &[u8],
        now: Option<i64>,
    ) -> PyResult<()> {
        let headers = SignatureHeaders {
            timestamp,
            nonce,
            signature,
            serial,
        };
        let client = self.client()?;
        wx::boundary::catch(|| client.verify(headers, body, now)).map_err(to_py)
    }

    #[pyo3(signature = (method, template, options_json, timestamp=None, nonce=None))]
    fn prepare(
        &self,
        method: &str,
        template: &str,
        options_json: &str,
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> PyResult<String> {
        let client = self.client()?;
        let options = options(options_json)?;
        wx::boundary::catch(|| client.prepare_json(method, template, &options, timestamp, nonce))
            .map(|v| v.to_string())
            .map_err(to_py)
    }

    /// Verify and decrypt a notification: the received `(name, value)` pairs and the raw body.
    /// Returns the notification as JSON text.
    #[pyo3(signature = (headers, body, now=None))]
    fn parse_notification(
        &self,
        py: Python<'_>,
        headers: Vec<(String, String)>,
        body: &[u8],
        now: Option<i64>,
    ) -> PyResult<String> {
        let client = self.client()?;
        // RSA verification and AES-GCM: a few tens of microseconds, without the GIL.
        py.detach(|| {
            wx::boundary::catch(|| {
                client
                    .parse_notification(
                        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                        body,
                        now,
                    )
                    .map(|n| n.to_json().to_string())
            })
        })
        .map_err(to_py)
    }

    /// The keys in use and the state of certificate downloads, as JSON text.
    fn certificates(&self) -> PyResult<String> {
        let client = self.client()?;
        wx::boundary::catch(|| Ok(client.certificates_json().to_string())).map_err(to_py)
    }

    /// `(ciphertext, serial)` of a sensitive field encrypted for WeChat Pay.
    fn encrypt_field(&self, plaintext: &str) -> PyResult<(String, String)> {
        let client = self.client()?;
        wx::boundary::catch(|| client.encrypt_field(plaintext))
            .map(|f| (f.ciphertext, f.serial))
            .map_err(to_py)
    }

    /// A field WeChat Pay encrypted for the merchant, decrypted.
    fn decrypt_field(&self, ciphertext: &str) -> PyResult<String> {
        let client = self.client()?;
        wx::boundary::catch(|| client.decrypt_field(ciphertext).map(|t| t.to_string()))
            .map_err(to_py)
    }
}

/// What to answer WeChat Pay for an outcome given by its error code (`None`: taken):
/// `(status, content_type or None, body)`.
#[pyfunction]
#[pyo3(signature = (code=None))]
fn notification_answer(code: Option<&str>) -> (u16, Option<&'static str>, String) {
    let a = wx::Answer::for_code(code);
    (a.status, a.content_type, a.body)
}

/// The PHP SDK's chain normalisation (`_transaction_id_` → `{transaction_id}`, …).
#[pyfunction]
fn chain_template(segments: Vec<String>) -> PyResult<String> {
    wx::boundary::catch(|| Ok(wx::uri::chain_template(&segments))).map_err(to_py)
}

/// Keep at most `capacity` clients in this process's cache (`wxpay.set_client_cache`);
/// a negative one is out of range, said by the core.
#[pyfunction]
fn set_client_cache(capacity: i64) -> PyResult<()> {
    wx::boundary::catch(|| {
        let n = usize::try_from(capacity).unwrap_or(0);
        wx::process::set_client_cache_capacity(n)
    })
    .map_err(to_py)
}

/// The library version.
/// The catalogue of typed calls as JSON text (as `wxpay_catalogue_json` in C).
#[pyfunction]
fn catalogue() -> &'static str {
    wx::calls::catalogue::catalogue_text()
}

#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeClient>()?;
    m.add_class::<NativeResponse>()?;
    m.add_class::<Canceller>()?;
    m.add_class::<Completer>()?;
    m.add_function(wrap_pyfunction!(chain_template, m)?)?;
    m.add_function(wrap_pyfunction!(notification_answer, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(set_client_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_complete, m)?)?;
    m.add_function(wrap_pyfunction!(_set_event_hook, m)?)?;
    let shutdown = wrap_pyfunction!(_shutdown, m)?;
    m.py()
        .import("atexit")?
        .call_method1("register", (shutdown,))?;
    Ok(())
}
