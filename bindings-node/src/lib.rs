//! The native addon of the `wxpay` npm package. It translates types only; the JS layer
//! (`index.js`) gives the idiomatic API and every rule lives in the core.
//!
//! - Async methods return Promises resolved from napi's Tokio runtime; the event loop never
//!   blocks. `*Sync` methods block the calling thread on the same runtime, as the user asked.
//! - Errors are made by the JS layer's error factory (`setErrorFactory`, registered once per
//!   Node environment by `index.js`) from the core's `Error::to_json` object, so they cross as
//!   `WxpayError` subclasses with `err.code` already set, thrown by sync methods and rejecting the
//!   Promises of async ones alike.
#![deny(clippy::all)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{block_on, Buffer, Function, FunctionRef, PromiseRaw, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use wx::process::ForkSafeClient;
use wx::sign::SignatureHeaders;
use wx::{Error, Operation, RequestOptions};

type Factory = FunctionRef<serde_json::Value, Unknown<'static>>;

thread_local! {
    /// The error factory of the Node environment on this thread (each worker thread is its own
    /// environment and registers its own; JS only ever runs on that thread).
    static ERROR_FACTORY: RefCell<Option<Factory>> = const { RefCell::new(None) };
}

/// Register how a core error becomes a JS error: `factory(data)` gets `Error::to_json` (`code`,
/// `message`, `may_have_been_sent`, `status`, `request_id`, `verify_failure`, `api_code`, …)
/// and returns the error object to throw. `index.js` calls this once when it loads.
#[napi(ts_args_type = "factory: (data: Record<string, unknown>) => Error")]
pub fn set_error_factory(factory: Function<serde_json::Value, Unknown<'static>>) -> Result<()> {
    let factory = factory.create_ref()?;
    ERROR_FACTORY.with(|f| *f.borrow_mut() = Some(factory));
    Ok(())
}

/// The JS error for a core error, made on the JS thread of `env`. Without a factory (the
/// addon loaded without `index.js`) the message carries the code: `[VERIFY] …`.
fn thrown(env: &Env, e: Error) -> napi::Error {
    let made = ERROR_FACTORY.with(|f| {
        let f = f.borrow();
        let factory = f.as_ref()?.borrow_back(env).ok()?;
        factory.call(e.to_json()).ok().map(napi::Error::from)
    });
    made.unwrap_or_else(|| napi::Error::from_reason(e.to_string()))
}

/// Run core code on the JS thread: a core error is thrown as made by the factory, and a panic
/// inside is an INTERNAL error (never an abort of the process in a `*Sync` method).
fn catch<T>(env: &Env, f: impl FnOnce() -> std::result::Result<T, Error>) -> Result<T> {
    wx::boundary::catch(f).map_err(|e| thrown(env, e))
}

/// The JS function that takes a call's events (`index.js` passes one only when something
/// listens: an `on(…)` listener, a `diagnostics_channel` subscriber or `NODE_DEBUG=wxpay`).
type EventsFn<'f> = Function<'f, Vec<serde_json::Value>, Unknown<'static>>;
type EventBuffer = Arc<Mutex<Vec<serde_json::Value>>>;

fn take(buffer: &EventBuffer) -> Vec<serde_json::Value> {
    std::mem::take(&mut *buffer.lock().unwrap_or_else(|p| p.into_inner()))
}

/// How one call's events reach JS: the core's sink appends to a buffer; an async call also
/// signals a weak threadsafe function that hands the buffered events to `events` on the JS
/// thread as they happen, and what is left is handed over before the call settles, so every
/// event of a call arrives before its Promise resolves or rejects and in order.
struct Delivery {
    buffer: EventBuffer,
    callback: FunctionRef<Vec<serde_json::Value>, Unknown<'static>>,
}

impl Delivery {
    fn new(
        events: Option<EventsFn<'_>>,
        live: bool,
    ) -> Result<(Option<wx::EventSink>, Option<Delivery>)> {
        let Some(f) = events else {
            return Ok((None, None));
        };
        let buffer: EventBuffer = Arc::default();
        let signal = if live {
            let b2 = buffer.clone();
            Some(
                f.build_threadsafe_function::<()>()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build_callback(move |_| Ok(take(&b2)))?,
            )
        } else {
            None
        };
        let b2 = buffer.clone();
        let sink: wx::EventSink = Arc::new(move |e: &wx::Event| {
            b2.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.to_json());
            if let Some(tsfn) = &signal {
                let _ = tsfn.call(
                    (),
                    napi::threadsafe_function::ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        });
        Ok((
            Some(sink),
            Some(Delivery {
                buffer,
                callback: f.create_ref()?,
            }),
        ))
    }

    /// Hand what is buffered to JS (on the JS thread). A listener's exception is `index.js`'s
    /// to report; it never changes the call's outcome.
    fn flush(&self, env: &Env) {
        let batch = take(&self.buffer);
        if !batch.is_empty() {
            if let Ok(f) = self.callback.borrow_back(env) {
                let _ = f.call(batch);
            }
        }
    }
}

/// The client of one call, reporting to `sink` when there is one.
fn observed(client: Arc<wx::Client>, sink: Option<wx::EventSink>) -> Arc<wx::Client> {
    match sink {
        Some(sink) => Arc::new(client.with_events(Some(sink))),
        None => client,
    }
}

/// Start a call on napi's runtime and return its Promise. The whole call — reading the
/// options, preparing, sending — runs inside `call`, so every failure rejects the Promise (none
/// is thrown synchronously); a panic rejects it with an INTERNAL error; `abort` (the id of a
/// `NativeAbort`) ends it early.
fn promise<'env>(
    env: &'env Env,
    abort: Option<u32>,
    delivery: Option<Delivery>,
    call: impl Future<Output = std::result::Result<wx::Response, Error>> + Send + 'static,
) -> Result<PromiseRaw<'env, NativeResponse>> {
    let abort = abort_state(abort);
    let future = async move {
        let call = wx::boundary::catch_future(call);
        Ok(match abort {
            None => call.await,
            Some(state) => tokio::select! {
                outcome = call => outcome,
                () = state.aborted() => Err(Error::new(
                    wx::ErrorKind::Internal,
                    "the call was aborted (its AbortSignal fired)",
                )),
            },
        })
    };
    env.spawn_future_with_callback(future, move |env, outcome| {
        if let Some(d) = &delivery {
            d.flush(env);
        }
        outcome
            .map(NativeResponse::from)
            .map_err(|e| thrown(env, e))
    })
}

/// Block on a call (the `*Sync` methods): errors as in [`catch`].
fn blocking(
    env: &Env,
    delivery: Option<Delivery>,
    call: impl Future<Output = std::result::Result<wx::Response, Error>>,
) -> Result<NativeResponse> {
    let outcome = block_on(wx::boundary::catch_future(call));
    if let Some(d) = &delivery {
        d.flush(env);
    }
    outcome
        .map(NativeResponse::from)
        .map_err(|e| thrown(env, e))
}

/// The calls, each one future for its async method and its `*Sync` twin: arguments read and
/// the request prepared inside it (so the async method never throws synchronously).
async fn request_call(
    inner: Arc<ForkSafeClient>,
    sink: Option<wx::EventSink>,
    method: String,
    template: String,
    options_json: String,
) -> std::result::Result<wx::Response, Error> {
    let client = observed(inner.get()?, sink);
    let options = RequestOptions::from_json(&options_json)?;
    Operation::request(&client, &method, &template, &options)?
        .run(&client)
        .await
}

/// Any typed call of the catalogue by name; `data`: a file's bytes (uploads).
async fn typed_call(
    inner: Arc<ForkSafeClient>,
    sink: Option<wx::EventSink>,
    name: String,
    args_json: String,
    data: Option<Vec<u8>>,
) -> std::result::Result<wx::Response, Error> {
    let client = observed(inner.get()?, sink);
    Operation::by_name_with(&client, &name, &args_json, data)?
        .run(&client)
        .await
}

/// A download's outcome travels as a response whose body is its JSON.
async fn download_call(
    inner: Arc<ForkSafeClient>,
    sink: Option<wx::EventSink>,
    spec_json: String,
    path: String,
) -> std::result::Result<wx::Response, Error> {
    let client = observed(inner.get()?, sink);
    let spec = wx::DownloadSpec::from_json(&spec_json)?;
    client
        .download_spec(&spec, std::path::Path::new(&path))
        .await
        .map(wx::Downloaded::into_response)
}

/// A verified 2xx answer.
#[napi(object)]
pub struct NativeResponse {
    pub status: u32,
    /// `[name, value]` pairs, names in lower case, in the order received.
    pub headers: Vec<Vec<String>>,
    pub body: Buffer,
    /// A typed call's result as JSON text (`status`, `request_id`, its fields, `raw`); absent
    /// for a generic request.
    pub result: Option<String>,
}

impl From<wx::Response> for NativeResponse {
    fn from(r: wx::Response) -> Self {
        NativeResponse {
            status: u32::from(r.status()),
            headers: r
                .header_fields()
                .into_iter()
                .map(|(k, v)| vec![k, v])
                .collect(),
            body: r.body().to_vec().into(),
            result: r.result().map(|v| v.to_string()),
        }
    }
}

/// What an `AbortSignal` drives: `abort()` ends the calls it was given to (their futures are
/// dropped, so an attempt in flight is cancelled and no retry follows). The JS layer rejects
/// the call's Promise with the signal's reason itself.
struct AbortState {
    aborted: AtomicBool,
    notify: tokio::sync::Notify,
}

impl AbortState {
    async fn aborted(&self) {
        loop {
            let notified = self.notify.notified();
            if self.aborted.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}

/// Live abort handles by id: an async method takes the id (a class reference cannot travel
/// into the method's future), and looks the handle up when it starts.
static ABORTS: Mutex<Option<HashMap<u32, Arc<AbortState>>>> = Mutex::new(None);
static NEXT_ABORT: AtomicU32 = AtomicU32::new(1);

fn abort_state(id: Option<u32>) -> Option<Arc<AbortState>> {
    let id = id?;
    let map = ABORTS.lock().unwrap_or_else(|p| p.into_inner());
    map.as_ref()?.get(&id).cloned()
}

/// An abort handle (the JS layer makes one per call given an `AbortSignal`).
#[napi]
pub struct NativeAbort {
    id: u32,
    state: Arc<AbortState>,
}

#[napi]
impl NativeAbort {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let id = NEXT_ABORT.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(AbortState {
            aborted: AtomicBool::new(false),
            notify: tokio::sync::Notify::new(),
        });
        ABORTS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(HashMap::new)
            .insert(id, state.clone());
        NativeAbort { id, state }
    }

    /// What async methods take.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// End the calls this handle was given to.
    #[napi]
    pub fn abort(&self) {
        self.state.aborted.store(true, Ordering::Release);
        self.state.notify.notify_waiters();
    }
}

impl Drop for NativeAbort {
    fn drop(&mut self) {
        if let Some(map) = ABORTS.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            map.remove(&self.id);
        }
    }
}

/// One client: one connection pool. Share it; it is safe to use from many concurrent calls.
#[napi]
pub struct NativeClient {
    inner: Arc<ForkSafeClient>,
}

#[napi]
impl NativeClient {
    /// From configuration JSON (relative `file://` paths resolve against the current directory).
    #[napi(constructor)]
    pub fn new(env: Env, config_json: String) -> Result<Self> {
        let inner = catch(&env, || {
            ForkSafeClient::shared(wx::Config::from_json(&config_json)?)
        })?;
        Ok(NativeClient { inner })
    }

    /// From a configuration file (relative `file://` paths resolve against its folder).
    #[napi(factory)]
    pub fn from_file(env: Env, path: String) -> Result<Self> {
        let inner = catch(&env, || {
            ForkSafeClient::shared(wx::Config::from_file(path)?)
        })?;
        Ok(NativeClient { inner })
    }

    /// `abort`: the id of a `NativeAbort` that can end the call.
    #[napi(ts_return_type = "Promise<NativeResponse>")]
    pub fn request<'env>(
        &self,
        env: &'env Env,
        method: String,
        template: String,
        options_json: String,
        abort: Option<u32>,
        events: Option<EventsFn<'_>>,
    ) -> Result<PromiseRaw<'env, NativeResponse>> {
        let (sink, delivery) = Delivery::new(events, true)?;
        promise(
            env,
            abort,
            delivery,
            request_call(self.inner.clone(), sink, method, template, options_json),
        )
    }

    #[napi]
    pub fn request_sync(
        &self,
        env: Env,
        method: String,
        template: String,
        options_json: String,
        events: Option<EventsFn<'_>>,
    ) -> Result<NativeResponse> {
        let (sink, delivery) = Delivery::new(events, false)?;
        blocking(
            &env,
            delivery,
            request_call(self.inner.clone(), sink, method, template, options_json),
        )
    }

    /// Any typed call of the catalogue by name (`closeTransaction` is `close_transaction`),
    /// its arguments as a JSON object; `data`: a file's bytes for `upload`. `abort`: as for
    /// `request`.
    #[napi(ts_return_type = "Promise<NativeResponse>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        name: String,
        args_json: String,
        data: Option<Buffer>,
        abort: Option<u32>,
        events: Option<EventsFn<'_>>,
    ) -> Result<PromiseRaw<'env, NativeResponse>> {
        let (sink, delivery) = Delivery::new(events, true)?;
        let data = data.map(|b| b.to_vec());
        promise(
            env,
            abort,
            delivery,
            typed_call(self.inner.clone(), sink, name, args_json, data),
        )
    }

    #[napi]
    pub fn call_sync(
        &self,
        env: Env,
        name: String,
        args_json: String,
        data: Option<Buffer>,
        events: Option<EventsFn<'_>>,
    ) -> Result<NativeResponse> {
        let (sink, delivery) = Delivery::new(events, false)?;
        let data = data.map(|b| b.to_vec());
        blocking(
            &env,
            delivery,
            typed_call(self.inner.clone(), sink, name, args_json, data),
        )
    }

    /// The exact request `call` would send, signed at `timestamp` with `nonce`, as JSON.
    #[napi]
    pub fn prepare_call(
        &self,
        env: Env,
        name: String,
        args_json: String,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<String> {
        catch(&env, || {
            let client = self.inner.get()?;
            Operation::by_name(&client, &name, &args_json)?.dry_run(
                &client,
                timestamp,
                nonce.as_deref(),
            )
        })
        .map(|v| v.to_string())
    }

    /// Download per `spec_json` into `path`; the body of the answer is the outcome's JSON.
    #[napi(ts_return_type = "Promise<NativeResponse>")]
    pub fn download<'env>(
        &self,
        env: &'env Env,
        spec_json: String,
        path: String,
        abort: Option<u32>,
        events: Option<EventsFn<'_>>,
    ) -> Result<PromiseRaw<'env, NativeResponse>> {
        let (sink, delivery) = Delivery::new(events, true)?;
        promise(
            env,
            abort,
            delivery,
            download_call(self.inner.clone(), sink, spec_json, path),
        )
    }

    #[napi]
    pub fn download_sync(
        &self,
        env: Env,
        spec_json: String,
        path: String,
        events: Option<EventsFn<'_>>,
    ) -> Result<NativeResponse> {
        let (sink, delivery) = Delivery::new(events, false)?;
        blocking(
            &env,
            delivery,
            download_call(self.inner.clone(), sink, spec_json, path),
        )
    }

    /// The front end's payment parameters as a JSON object (`kind`: jsapi or app).
    #[napi]
    pub fn pay_params(&self, env: Env, kind: String, args_json: String) -> Result<String> {
        catch(&env, || {
            self.inner.get()?.pay_params_json(&kind, &args_json)
        })
    }

    #[napi]
    pub fn sign(
        &self,
        env: Env,
        method: String,
        url: String,
        body: Buffer,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<String> {
        catch(&env, || {
            self.inner
                .get()?
                .sign(&method, &url, &body, timestamp, nonce.as_deref())
        })
    }

    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        env: Env,
        timestamp: Option<String>,
        nonce: Option<String>,
        signature: Option<String>,
        serial: Option<String>,
        body: Buffer,
        now: Option<i64>,
    ) -> Result<()> {
        let headers = SignatureHeaders {
            timestamp: timestamp.as_deref(),
            nonce: nonce.as_deref(),
            signature: signature.as_deref(),
            serial: serial.as_deref(),
        };
        catch(&env, || self.inner.get()?.verify(headers, &body, now))
    }

    #[napi]
    pub fn prepare(
        &self,
        env: Env,
        method: String,
        template: String,
        options_json: String,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<String> {
        catch(&env, || {
            let client = self.inner.get()?;
            let options = RequestOptions::from_json(&options_json)?;
            client.prepare_json(&method, &template, &options, timestamp, nonce.as_deref())
        })
        .map(|v| v.to_string())
    }
}

#[napi]
impl NativeClient {
    /// Verify and decrypt a notification: received headers as JSON (an object of name → value
    /// or list of values, or `[name, value]` pairs) and the raw body. Returns the notification
    /// as JSON text.
    #[napi]
    pub fn parse_notification(
        &self,
        env: Env,
        headers_json: String,
        body: Buffer,
        now: Option<i64>,
    ) -> Result<String> {
        catch(&env, || {
            let client = self.inner.get()?;
            let v: serde_json::Value = serde_json::from_str(&headers_json).map_err(|e| {
                Error::new(
                    wx::ErrorKind::InvalidArgument,
                    format!("notification headers are not JSON: {e}"),
                )
            })?;
            let headers = wx::notify::headers_from_json(&v)?;
            client
                .parse_notification(
                    headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    &body,
                    now,
                )
                .map(|n| n.to_json().to_string())
        })
    }

    /// The keys in use and the state of certificate downloads, as JSON text.
    #[napi]
    pub fn certificates(&self, env: Env) -> Result<String> {
        catch(&env, || {
            Ok(self.inner.get()?.certificates_json().to_string())
        })
    }

    /// `[ciphertext, serial]` of a sensitive field encrypted for WeChat Pay.
    #[napi]
    pub fn encrypt_field(&self, env: Env, plaintext: String) -> Result<Vec<String>> {
        catch(&env, || {
            let f = self.inner.get()?.encrypt_field(&plaintext)?;
            Ok(vec![f.ciphertext, f.serial])
        })
    }

    /// A field WeChat Pay encrypted for the merchant, decrypted.
    #[napi]
    pub fn decrypt_field(&self, env: Env, ciphertext: String) -> Result<String> {
        catch(&env, || {
            Ok(self.inner.get()?.decrypt_field(&ciphertext)?.to_string())
        })
    }
}

/// What to answer WeChat Pay for an outcome given by its error code (none: the notification
/// was taken): `{ status, headers: [[name, value]], body }` as JSON text.
#[napi]
pub fn notification_answer(code: Option<String>) -> String {
    wx::Answer::for_code(code.as_deref()).to_json().to_string()
}

/// Keep at most `capacity` clients in this process's cache (`setClientCache`).
#[napi]
pub fn set_client_cache(env: Env, capacity: f64) -> Result<()> {
    catch(&env, || {
        // Not an integer, negative or beyond usize: out of range, said by the core.
        let n = if capacity.fract() == 0.0 && (0.0..=1e15).contains(&capacity) {
            capacity as usize
        } else {
            0
        };
        wx::process::set_client_cache_capacity(n)
    })
}

/// The PHP SDK's chain normalisation (`_transaction_id_` → `{transaction_id}`, …).
#[napi]
pub fn chain_template(env: Env, segments: Vec<String>) -> Result<String> {
    catch(&env, || Ok(wx::uri::chain_template(&segments)))
}

/// The library version.
/// The catalogue of typed calls as JSON text (as `wxpay_catalogue_json` in C).
#[napi]
pub fn catalogue() -> String {
    wx::calls::catalogue::catalogue_text().to_owned()
}

#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
