//! The native addon of the `wxpay` npm package. It translates types only; the JS layer
//! (`index.js`) gives the idiomatic API and every rule lives in the core.
//!
//! - Async methods return Promises resolved from napi's Tokio runtime; the event loop never
//!   blocks. `*Sync` methods block the calling thread on the same runtime, as the user asked.
//! - Errors are thrown with the core's `Error::to_json` as message, prefixed by `WXPAY_ERROR:`;
//!   the JS layer turns them into `WxpayError` subclasses with `err.code`.
#![deny(clippy::all)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{block_on, Buffer};
use napi::Result;
use napi_derive::napi;
use wx::process::ForkSafeClient;
use wx::sign::SignatureHeaders;
use wx::{CloseOrder, Error, Operation, RequestOptions};

const PREFIX: &str = "WXPAY_ERROR:";

fn to_js(e: Error) -> napi::Error {
    napi::Error::from_reason(format!("{PREFIX}{}", e.to_json()))
}

fn options(json: &str) -> Result<RequestOptions> {
    catch(|| RequestOptions::from_json(json))
}

/// Run core code: a panic inside is an INTERNAL `WXPAY_ERROR` (never an abort of the process
/// in a `*Sync` method, never a bare `GenericFailure`).
fn catch<T>(f: impl FnOnce() -> std::result::Result<T, Error>) -> Result<T> {
    wx::boundary::catch(f).map_err(to_js)
}

/// Run a call: a panic completes it with an INTERNAL `WXPAY_ERROR`.
async fn call(
    f: impl std::future::Future<Output = std::result::Result<wx::Response, Error>>,
) -> Result<NativeResponse> {
    wx::boundary::catch_future(f)
        .await
        .map(NativeResponse::from)
        .map_err(to_js)
}

/// A verified 2xx answer.
#[napi(object)]
pub struct NativeResponse {
    pub status: u32,
    /// `[name, value]` pairs, names in lower case, in the order received.
    pub headers: Vec<Vec<String>>,
    pub body: Buffer,
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

/// `call`, ended early when `abort` fires.
async fn abortable(
    abort: Option<u32>,
    call: impl std::future::Future<Output = Result<NativeResponse>>,
) -> Result<NativeResponse> {
    let Some(state) = abort_state(abort) else {
        return call.await;
    };
    tokio::select! {
        outcome = call => outcome,
        () = state.aborted() => Err(to_js(Error::new(
            wx::ErrorKind::Internal,
            "the call was aborted (its AbortSignal fired)",
        ))),
    }
}

fn close_order(by: &str, id: &str, options_json: &str) -> Result<CloseOrder> {
    catch(|| CloseOrder::from_parts(by, id, options_json))
}

/// One client: one connection pool. Share it; it is safe to use from many concurrent calls.
#[napi]
pub struct NativeClient {
    inner: Arc<ForkSafeClient>,
}

impl NativeClient {
    fn client(&self) -> Result<Arc<wx::Client>> {
        catch(|| self.inner.get())
    }
}

#[napi]
impl NativeClient {
    /// From configuration JSON (relative `file://` paths resolve against the current directory).
    #[napi(constructor)]
    pub fn new(config_json: String) -> Result<Self> {
        let inner = catch(|| ForkSafeClient::shared(wx::Config::from_json(&config_json)?))?;
        Ok(NativeClient { inner })
    }

    /// From a configuration file (relative `file://` paths resolve against its folder).
    #[napi(factory)]
    pub fn from_file(path: String) -> Result<Self> {
        let inner = catch(|| ForkSafeClient::shared(wx::Config::from_file(path)?))?;
        Ok(NativeClient { inner })
    }

    /// `abort`: the id of a `NativeAbort` that can end the call.
    #[napi]
    pub async fn request(
        &self,
        method: String,
        template: String,
        options_json: String,
        abort: Option<u32>,
    ) -> Result<NativeResponse> {
        let client = self.client()?;
        let options = options(&options_json)?;
        let op = catch(|| Operation::request(&client, &method, &template, &options))?;
        abortable(abort, call(op.run(&client))).await
    }

    #[napi]
    pub fn request_sync(
        &self,
        method: String,
        template: String,
        options_json: String,
    ) -> Result<NativeResponse> {
        let client = self.client()?;
        let options = options(&options_json)?;
        let op = catch(|| Operation::request(&client, &method, &template, &options))?;
        block_on(call(op.run(&client)))
    }

    /// `abort`: the id of a `NativeAbort` that can end the call.
    #[napi]
    pub async fn close(
        &self,
        by: String,
        id: String,
        options_json: String,
        abort: Option<u32>,
    ) -> Result<NativeResponse> {
        let client = self.client()?;
        let order = close_order(&by, &id, &options_json)?;
        let op = catch(|| Operation::close(&client, &order))?;
        abortable(abort, call(op.run(&client))).await
    }

    #[napi]
    pub fn close_sync(
        &self,
        by: String,
        id: String,
        options_json: String,
    ) -> Result<NativeResponse> {
        let client = self.client()?;
        let order = close_order(&by, &id, &options_json)?;
        let op = catch(|| Operation::close(&client, &order))?;
        block_on(call(op.run(&client)))
    }

    #[napi]
    pub fn sign(
        &self,
        method: String,
        url: String,
        body: Buffer,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<String> {
        let client = self.client()?;
        catch(|| client.sign(&method, &url, &body, timestamp, nonce.as_deref()))
    }

    #[napi]
    pub fn verify(
        &self,
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
        let client = self.client()?;
        catch(|| client.verify(headers, &body, now))
    }

    #[napi]
    pub fn prepare(
        &self,
        method: String,
        template: String,
        options_json: String,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<String> {
        let client = self.client()?;
        let options = options(&options_json)?;
        catch(|| client.prepare_json(&method, &template, &options, timestamp, nonce.as_deref()))
            .map(|v| v.to_string())
    }
}

/// The PHP SDK's chain normalisation (`_transaction_id_` → `{transaction_id}`, …).
#[napi]
pub fn chain_template(segments: Vec<String>) -> Result<String> {
    catch(|| Ok(wx::uri::chain_template(&segments)))
}

/// The library version.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
