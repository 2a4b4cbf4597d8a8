//! The APIv3 client: builds, signs, sends, retries and verifies requests.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde_json::Value;
use url::Url;

use crate::aead::Apiv3Key;
use crate::config::{self, Config};
use crate::error::quote;
use crate::error::{Error, ErrorKind, Result};
use crate::events::Observer;
use crate::keys::{
    read_text_or_file, utc_date, PrivateKey, PublicKey, MAX_BUNDLE_FILE_BYTES, MAX_KEY_FILE_BYTES,
};
use crate::options::RequestOptions;
use crate::pay_params::{PayInput, PayKind};
use crate::protocol::platform_keys::AutoCertificates;
use crate::sign::{
    canonical_url, Clock, NonceSource, RandomNonce, SignatureHeaders, Signer, SystemClock, Verifier,
};
use crate::uri;

pub use crate::protocol::request::PreparedRequest;
use crate::response::request_id_of;
pub use crate::response::{parse_api_error, Response};
pub use crate::transport::Transport;
use crate::transport::{ca_certificates, TransportSettings};

/// Largest response body accepted, in bytes. A larger answer fails with `DECODE` (WeChat Pay's
/// APIv3 JSON answers are a few KiB; bill downloads go through their own streaming endpoints).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Backoff before retry `n` (0-based) is drawn uniformly from `[d/2, d]` with
/// `d = min(BACKOFF_CAP, BACKOFF_BASE * 2^n)`.
pub const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// Upper bound of one backoff.
pub const BACKOFF_CAP: Duration = Duration::from_secs(2);

/// Longest request URL sent, in bytes. WeChat Pay's URLs are far shorter; longer ones come from
/// a mistake (a body passed as a path value or query) and are refused before anything is sent.
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// The library's own `User-Agent` prefix.
pub fn default_user_agent() -> String {
    format!(
        "wxpay/{} ({} {}; Rust)",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The HTTP methods APIv3 uses.
pub fn parse_method(method: &str) -> Result<Method> {
    match method.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        _ => Err(Error::invalid(format!(
            "HTTP method `{}` is not one APIv3 uses; use GET, POST, PUT, PATCH or DELETE",
            quote(method)
        ))),
    }
}

/// One client of one process: its connections, and the credentials it shares with the
/// same client in other processes.
struct Inner {
    http: crate::transport::Http,
    transport: TransportSettings,
    transport_key: crate::transport::TransportKey,
    /// `http` is this process's pool for these settings ([`Client::with_process_pool`]).
    process_pool: bool,
    creds: Arc<Credentials>,
    /// One certificate download at a time in this process (`auto_certificates`).
    refreshing: tokio::sync::Mutex<()>,
}

impl std::ops::Deref for Inner {
    type Target = Credentials;
    fn deref(&self) -> &Credentials {
        &self.creds
    }
}

/// Everything of a client but its connections: parsed keys and settings. Shared across `fork()`
/// ([`Client::for_this_process`]): nothing in it belongs to a process.
struct Credentials {
    signer: Signer,
    verifier: Verifier,
    base_uri: Url,
    retries: u32,
    timeout: Duration,
    user_agent: String,
    wechatpay_serial: Option<String>,
    apiv3_key: Option<Apiv3Key>,
    /// Downloaded platform certificates (`auto_certificates`): settings and last outcomes.
    certificates: AutoCertificates,
    insecure_http: bool,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
}

/// A WeChat Pay APIv3 client. Cheap to clone (clones share one connection pool); `Send + Sync`.
///
/// Its async methods need a Tokio runtime with time and I/O enabled; the client never creates one.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Where this handle's calls report their events ([`Client::with_events`]).
    events: Option<crate::events::EventSink>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("signer", &self.inner.signer)
            .field("base_uri", &self.inner.base_uri.as_str())
            .field("retries", &self.inner.retries)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Build a client: parses the keys once and sets up one pooled HTTPS client.
    pub fn new(config: &Config) -> Result<Client> {
        Client::build(config, false)
    }

    /// Build a client whose connections are this process's pool for its transport settings
    /// (`connect_timeout`, `ca_certs`, `resolve`, the proxy), shared with every client built
    /// this way with the same settings: a platform serving a thousand merchants keeps a handful
    /// of connections, not a thousand. A pool's connections are driven by the runtime that
    /// opened them, so use these clients from one runtime per process (what the bindings do:
    /// their process runtime, or Node's); [`Client::new`] keeps a pool of its own.
    pub fn with_process_pool(config: &Config) -> Result<Client> {
        Client::build(config, true)
    }

    fn build(config: &Config, process_pool: bool) -> Result<Client> {
        Client::assemble(
            config,
            Arc::new(SystemClock),
            Arc::new(RandomNonce),
            process_pool,
        )
    }

    /// Build a client whose timestamps and nonces come from `clock` and `nonce` (for tests and
    /// fixed vectors; verification uses the same clock).
    pub fn with_clock_and_nonce(
        config: &Config,
        clock: Arc<dyn Clock>,
        nonce: Arc<dyn NonceSource>,
    ) -> Result<Client> {
        Client::assemble(config, clock, nonce, false)
    }

    fn assemble(
        config: &Config,
        clock: Arc<dyn Clock>,
        nonce: Arc<dyn NonceSource>,
        process_pool: bool,
    ) -> Result<Client> {
        let base_dir = config.base_dir.as_deref();
        let key_text = read_text_or_file(
            "private_key",
            &config.private_key,
            base_dir,
            MAX_KEY_FILE_BYTES,
        )
        .map_err(Error::config)?;
        let key = PrivateKey::from_pem(&key_text)
            .map_err(|why| Error::config(format!("config field `private_key` {why}")))?;
        drop(key_text);

        let mut keys = HashMap::new();
        let mut wechatpay_serial = None;
        for (id, value) in &config.certs {
            let field = format!("certs.{id}");
            let text = read_text_or_file(&field, value, base_dir, MAX_KEY_FILE_BYTES)
                .map_err(Error::config)?;
            let pk = PublicKey::from_pem(&text)
                .map_err(|why| Error::config(format!("config field `{field}` {why}")))?;
            if let Some(not_after) = pk.not_after() {
                if not_after < clock.now_unix() {
                    return Err(Error::config(format!(
                        "config field `{field}`: the platform certificate expired on {}; WeChat Pay never signs with an expired certificate. Download the current platform certificates (or use the WeChat Pay public key, PUB_KEY_ID_…)",
                        utc_date(not_after)
                    )));
                }
            }
            let id = if id.starts_with("PUB_KEY_ID_") {
                if wechatpay_serial.is_none() {
                    wechatpay_serial = Some(id.clone());
                }
                id.clone()
            } else {
                let upper = id.to_ascii_uppercase();
                if let Some(serial) = pk.certificate_serial() {
                    if serial != upper.trim_start_matches('0') && serial != upper {
                        return Err(Error::config(format!(
                            "config field `{field}`: the certificate's serial is {serial}, not {id}; key each certificate by its own serial"
                        )));
                    }
                }
                upper
            };
            keys.insert(id, pk);
        }

        let apiv3_key = config
            .apiv3_key
            .as_ref()
            .map(|k| Apiv3Key::from_config("apiv3_key", k, base_dir))
            .transpose()?;

        let insecure_http = config.insecure_http;
        let base_uri = uri::parse_base_uri(
            "base_uri",
            config
                .base_uri
                .as_deref()
                .unwrap_or(config::DEFAULT_BASE_URI),
            insecure_http,
        )
        .map_err(|e| Error::config(format!("config field {}", e.message())))?;

        let timeout =
            Duration::from_millis(config.timeout_ms.unwrap_or(config::DEFAULT_TIMEOUT_MS));
        let connect_timeout = Duration::from_millis(
            config
                .connect_timeout_ms
                .unwrap_or(config::DEFAULT_CONNECT_TIMEOUT_MS),
        );
        let mut roots = Vec::new();
        for (i, ca) in config.ca_certs.iter().enumerate() {
            let field = format!("ca_certs[{i}]");
            let text = read_text_or_file(&field, ca, base_dir, MAX_BUNDLE_FILE_BYTES)
                .map_err(Error::config)?;
            roots.extend(ca_certificates(&field, &text)?);
        }
        let transport = TransportSettings {
            connect_timeout,
            extra_roots: roots,
            resolve: config
                .resolve
                .iter()
                .map(|(h, a)| (h.clone(), *a))
                .collect(),
            proxy: config
                .proxy
                .as_ref()
                .map(|p| (p.clone(), config.no_proxy.clone())),
            proxy_from_env: config.proxy_from_env,
        };
        let transport_key = transport.key();
        let http = transport.pool(transport_key, process_pool)?;

        let mut user_agent = default_user_agent();
        if let Some(suffix) = &config.user_agent {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                transport,
                transport_key,
                process_pool,
                refreshing: tokio::sync::Mutex::new(()),
                creds: Arc::new(Credentials {
                    signer: Signer::new(config.mchid.clone(), config.serial.clone(), Arc::new(key)),
                    verifier: Verifier::new(keys),
                    base_uri,
                    retries: config.retries.unwrap_or(config::DEFAULT_RETRIES),
                    timeout,
                    user_agent,
                    wechatpay_serial,
                    apiv3_key,
                    certificates: AutoCertificates::new(
                        config.auto_certificates,
                        config.certificate_refresh_secs,
                        config.certificate_endpoint.clone(),
                    ),
                    insecure_http,
                    clock,
                    nonce,
                }),
            }),
            events: None,
        })
    }

    /// This client for the current process: the same credentials (keys parsed once, shared),
    /// new connections and TLS state of this process (`crate::tls` keeps one per process).
    /// What [`ForkSafeClient`](crate::process::ForkSafeClient) gives a child after `fork()`,
    /// instead of parsing the configuration again.
    pub fn for_this_process(&self) -> Result<Client> {
        let transport = self.inner.transport.clone();
        // (A shared pool is this process's: `pool` makes a child its own after fork.)
        let http = transport.pool(self.inner.transport_key, self.inner.process_pool)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                transport,
                transport_key: self.inner.transport_key,
                process_pool: self.inner.process_pool,
                refreshing: tokio::sync::Mutex::new(()),
                creds: self.inner.creds.clone(),
            }),
            events: self.events.clone(),
        })
    }

    /// This client (the same connections, keys and certificates) reporting the events of the
    /// calls made through it to `sink` as well as to `tracing` ([`crate::events`]). Cheap: one
    /// handle, nothing rebuilt. `None` stops reporting to a sink.
    pub fn with_events(&self, sink: Option<crate::events::EventSink>) -> Client {
        Client {
            inner: self.inner.clone(),
            events: sink,
        }
    }

    /// The signer (merchant id, serial, key).
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The response verifier (configured platform keys).
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The certificate settings and outcomes (`auto_certificates`).
    pub(crate) fn auto_certificates(&self) -> &AutoCertificates {
        &self.inner.certificates
    }

    /// The lock that makes certificate downloads one at a time in this process.
    pub(crate) fn refreshing(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.refreshing
    }

    /// The APIv3 key, when configured.
    pub(crate) fn apiv3_key(&self) -> Option<&Apiv3Key> {
        self.inner.apiv3_key.as_ref()
    }

    /// The client's base URI.
    pub fn base_uri(&self) -> &Url {
        &self.inner.base_uri
    }

    /// The clock used for signing and verification.
    pub fn now(&self) -> i64 {
        self.inner.clock.now_unix()
    }

    /// Build a request without sending it: expand the template, resolve it against the base URI,
    /// serialise the body and set the headers. Every argument error surfaces here.
    pub fn prepare(
        &self,
        method: &str,
        template: &str,
        options: &RequestOptions,
    ) -> Result<PreparedRequest> {
        let method = parse_method(method)?;
        options.check_params_against(template)?;
        options.check_headers()?;
        let expanded = uri::expand(template, |name| options.param(name))?;
        let base = match &options.base_uri {
            Some(b) => uri::parse_base_uri("base_uri", b, self.inner.insecure_http)?,
            None => self.inner.base_uri.clone(),
        };
        let mut url = uri::resolve(&base, &expanded, self.inner.insecure_http)?;
        if let Some(q) = options.query_string() {
            if url.query().is_some() {
                return Err(Error::invalid(format!(
                    "URI template `{template}` already has a query string; give query parameters either there or in `query`, not both"
                )));
            }
            url.set_query(Some(&q));
        }
        check_url_length(&url)?;
        let (body, encrypted_with) = match options.encrypt.is_empty() {
            true => (options.body.clone().unwrap_or_default(), None),
            false => {
                let serial = options
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("Wechatpay-Serial"))
                    .map(|(_, v)| v.as_str());
                let (body, id) = crate::sensitive::encrypt_body(
                    self.verifier(),
                    self.now(),
                    options.body.as_deref().unwrap_or_default(),
                    &options.encrypt,
                    serial,
                )?;
                (body, Some(id))
            }
        };
        if method == Method::GET && !body.is_empty() {
            return Err(Error::invalid(
                "a GET request carries no body; put its parameters in `query`",
            ));
        }
        let mut headers: Vec<(String, String)> = vec![
            ("Accept".into(), "application/json".into()),
            ("User-Agent".into(), self.inner.user_agent.clone()),
        ];
        if !body.is_empty() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if let Some(serial) = encrypted_with
            .as_ref()
            .or(self.inner.wechatpay_serial.as_ref())
        {
            headers.push(("Wechatpay-Serial".into(), serial.clone()));
        }
        for (name, value) in &options.headers {
            match headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                Some(slot) => slot.1 = value.clone(),
                None => headers.push((name.clone(), value.clone())),
            }
        }
        Ok(PreparedRequest {
            method,
            url,
            headers,
            body,
            signed_body: None,
        })
    }

    /// A GET of `url` as given (a `download_url`: its path and query are signed untouched).
    pub(crate) fn prepare_get(&self, url: Url, extra: &[(&str, &str)]) -> PreparedRequest {
        let mut headers: Vec<(String, String)> =
            vec![("User-Agent".into(), self.inner.user_agent.clone())];
        headers.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        PreparedRequest {
            method: Method::GET,
            url,
            headers,
            body: Vec::new(),
            signed_body: None,
        }
    }

    /// Whether plain-HTTP URLs are allowed (the sandbox).
    pub(crate) fn insecure_http(&self) -> bool {
        self.inner.insecure_http
    }

    /// The per-answer deadline (`timeout_ms`).
    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Sign and send `prepared` once (no retries) and return the answer as soon as its head
    /// arrived, for a body read as a stream (`crate::files`).
    pub(crate) async fn send_for_stream(
        &self,
        prepared: &PreparedRequest,
    ) -> Result<crate::transport::Response> {
        crate::boundary::test_panic_point();
        let timestamp = self.inner.clock.now_unix();
        let nonce = self.inner.nonce.nonce();
        let authorization = self.authorization(prepared, timestamp, &nonce)?;
        let host = prepared.url.host_str().unwrap_or_default().to_owned();
        let send = self.inner.http.send(
            prepared.method.clone(),
            &prepared.url,
            request_headers(prepared, &authorization),
            Bytes::new(),
        );
        match tokio::time::timeout(self.inner.timeout, send).await {
            Ok(r) => r.map_err(|e| self.classify(e, &host)),
            Err(_) => Err(Error::timeout(
                format!(
                    "{host} did not start answering within timeout_ms={}",
                    self.inner.timeout.as_millis()
                ),
                true,
            )),
        }
    }

    /// The `Authorization` value for `prepared` at `timestamp` with `nonce`.
    pub fn authorization(
        &self,
        prepared: &PreparedRequest,
        timestamp: i64,
        nonce: &str,
    ) -> Result<String> {
        self.inner.signer.authorization(
            prepared.method.as_str(),
            &prepared.canonical_url(),
            prepared.signed_body(),
            timestamp,
            nonce,
        )
    }

    /// Signing utility: the `Authorization` for `method` on the absolute `url` with `body`.
    /// `timestamp` defaults to the client's clock, `nonce` to a fresh random one.
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<String> {
        let method = parse_method(method)?;
        let parsed = Url::parse(url).map_err(|e| {
            Error::invalid(format!(
                "`{}` is not an absolute URL ({e}); sign the full URL that is sent",
                quote(url)
            ))
        })?;
        uri::check_scheme("url", &parsed, true)?;
        check_url_length(&parsed)?;
        let nonce = match nonce {
            Some(n) if n.is_empty() || !n.bytes().all(|b| b.is_ascii_graphic() && b != b'"') => {
                return Err(Error::invalid("nonce must be printable ASCII without quotes, e.g. 32 characters of [0-9A-Za-z]"))
            }
            Some(n) => n.to_owned(),
            None => self.inner.nonce.nonce(),
        };
        let ts = timestamp.unwrap_or_else(|| self.inner.clock.now_unix());
        self.inner
            .signer
            .authorization(method.as_str(), &canonical_url(&parsed), body, ts, &nonce)
    }

    /// The payment parameters for the page (`PayKind::Jsapi`: JSAPI and mini programs) or the
    /// app (`PayKind::App`), signed with the merchant key; no network. `timestamp` defaults to
    /// the client's clock, the nonce to a fresh random one. See [`crate::pay_params`].
    pub fn pay_params(
        &self,
        kind: PayKind,
        input: &PayInput,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        crate::pay_params::pay_params(&self.inner.signer, kind, input, self.now())
    }

    /// [`Client::pay_params`] for the bindings' generic entry: `kind` is `jsapi`
    /// (`miniprogram`) or `app`, `args_json` an object `{appid, prepay_id, partnerid?,
    /// timestamp?, nonce?}`; the answer is the JSON object the front end takes.
    pub fn pay_params_json(&self, kind: &str, args_json: &str) -> Result<String> {
        let kind = PayKind::parse(kind)?;
        let args: serde_json::Value = serde_json::from_str(args_json).map_err(|e| {
            Error::invalid(format!(
                "the arguments of the {} pay parameters are not valid JSON: {e}",
                kind.name()
            ))
        })?;
        let input = PayInput::from_json(kind, &args)?;
        let out = self.pay_params(kind, &input)?;
        Ok(serde_json::Value::Object(out).to_string())
    }

    /// Verification utility: check a WeChat Pay signature (a response or a callback) with the
    /// configured keys. `now` defaults to the client's clock.
    pub fn verify(
        &self,
        headers: SignatureHeaders<'_>,
        body: &[u8],
        now: Option<i64>,
    ) -> Result<()> {
        self.inner.verifier.verify(
            headers,
            body,
            now.unwrap_or_else(|| self.inner.clock.now_unix()),
        )
    }

    /// Dry run: the exact request [`Client::request`] would send, signed at `timestamp` with
    /// `nonce` (defaults: now, random), as JSON: `method`, `url`, `canonical_url`, `headers`
    /// (`[name, value]` pairs, `Authorization` last), `body`, `timestamp`, `nonce`,
    /// `authorization`. Every language's shared-vector tests compare this.
    pub fn prepare_json(
        &self,
        method: &str,
        template: &str,
        options: &RequestOptions,
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<Value> {
        let p = self.prepare(method, template, options)?;
        self.dry_run(&p, timestamp, nonce)
    }

    /// [`Client::prepare_json`] of a request already prepared (a typed call's:
    /// [`crate::Operation::prepared`]).
    pub fn dry_run(
        &self,
        p: &PreparedRequest,
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<Value> {
        let ts = timestamp.unwrap_or_else(|| self.inner.clock.now_unix());
        let nonce = match nonce {
            Some(n) if n.is_empty() || !n.bytes().all(|b| b.is_ascii_graphic() && b != b'"') => {
                return Err(Error::invalid("nonce must be printable ASCII without quotes, e.g. 32 characters of [0-9A-Za-z]"))
            }
            Some(n) => n.to_owned(),
            None => self.inner.nonce.nonce(),
        };
        let signed_message = String::from_utf8_lossy(&crate::sign::request_message(
            p.method.as_str(),
            &p.canonical_url(),
            ts,
            &nonce,
            p.signed_body(),
        ))
        .into_owned();
        let authorization = self.authorization(p, ts, &nonce)?;
        let mut headers: Vec<Value> = p
            .headers
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect();
        headers.push(serde_json::json!(["Authorization", authorization]));
        Ok(serde_json::json!({
            "method": p.method.as_str(),
            "url": p.url.as_str(),
            "canonical_url": p.canonical_url(),
            "headers": headers,
            "body": String::from_utf8_lossy(&p.body),
            "timestamp": ts,
            "nonce": nonce,
            "authorization": authorization,
            "signed_message": signed_message,
        }))
    }

    /// The events of one call of `prepared` (nothing when nobody listens).
    pub(crate) fn observer<'a>(&'a self, prepared: &'a PreparedRequest) -> Observer<'a> {
        Observer::new(self.events.as_ref(), prepared)
    }

    /// A new connection pool for this client's transport settings, for [`Client::execute_via`]
    /// from one runtime — by this client, or any other with the same [`Client::transport_key`].
    pub fn new_transport(&self) -> Result<Transport> {
        Ok(Transport {
            key: self.inner.transport_key,
            http: self.inner.transport.build()?,
        })
    }

    /// What identifies this client's transport settings (`connect_timeout`, `ca_certs`,
    /// `resolve`, the proxy): clients with equal keys may share a [`Transport`] — a cache of
    /// per-thread pools keyed by it serves every merchant behind the same gateway with one pool.
    pub fn transport_key(&self) -> crate::transport::TransportKey {
        self.inner.transport_key
    }

    /// Send with retries; a 2xx answer is returned **unverified** (the caller verifies it), any
    /// other is an `API` error.
    pub(crate) async fn execute_unverified(
        &self,
        http: &crate::transport::Http,
        prepared: &PreparedRequest,
        observer: &Observer<'_>,
    ) -> Result<(u16, http::HeaderMap, Bytes)> {
        crate::boundary::test_panic_point();
        let mut attempt: u32 = 0;
        loop {
            let started = observer.attempt_started();
            let outcome = self.attempt(http, prepared).await;
            let retryable = match &outcome {
                Err(e) => match e.kind() {
                    ErrorKind::Transport | ErrorKind::Timeout => !e.may_have_been_sent(),
                    ErrorKind::Api => matches!(e.status(), Some(429 | 500 | 502 | 503)),
                    _ => false,
                },
                Ok(_) => false,
            };
            let retry_in = (retryable && attempt < self.inner.retries).then(|| backoff(attempt));
            match &outcome {
                Ok((status, headers, _)) => observer.attempt_ended(
                    started,
                    Some((
                        *status,
                        headers.get("request-id").and_then(|v| v.to_str().ok()),
                    )),
                    None,
                    retry_in,
                ),
                Err(e) => observer.attempt_ended(started, None, Some(e), retry_in),
            }
            let Some(pause) = retry_in else {
                return outcome;
            };
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    /// The client's own connection pool (for the certificate download of a direct call).
    pub(crate) fn http(&self) -> &crate::transport::Http {
        &self.inner.http
    }

    async fn attempt(
        &self,
        http: &crate::transport::Http,
        prepared: &PreparedRequest,
    ) -> Result<(u16, http::HeaderMap, Bytes)> {
        let timestamp = self.inner.clock.now_unix();
        let nonce = self.inner.nonce.nonce();
        let authorization = self.authorization(prepared, timestamp, &nonce)?;
        let host = prepared.url.host_str().unwrap_or_default().to_owned();
        let deadline = self.inner.timeout;
        let exchange = async {
            let mut resp = http
                .send(
                    prepared.method.clone(),
                    &prepared.url,
                    request_headers(prepared, &authorization),
                    Bytes::from(prepared.body.clone()),
                )
                .await
                .map_err(|e| self.classify(e, &host))?;
            let status = resp.status;
            let headers = std::mem::take(&mut resp.headers);
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|why| {
                Error::transport(
                    format!("the answer from {host} broke off (the request may have been processed): {why}"),
                    true,
                )
                .with_response(status, request_id_of(&headers))
            })? {
                if body.len().saturating_add(chunk.len()) > MAX_RESPONSE_BYTES {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "response body exceeds the {MAX_RESPONSE_BYTES}-byte limit; refusing to buffer it"
                        ),
                    )
                    .with_response(status, request_id_of(&headers)));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, headers, Bytes::from(body)))
        };
        let (status, headers, body) = match tokio::time::timeout(deadline, exchange).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(Error::timeout(
                    format!(
                        "no complete answer from {host} within timeout_ms={} (the request may have been processed; query the order before retrying a payment operation)",
                        deadline.as_millis()
                    ),
                    true,
                ))
            }
        };
        if (200..300).contains(&status) {
            Ok((status, headers, body))
        } else {
            let request_id = request_id_of(&headers);
            let e = Error::from_api(parse_api_error(status, request_id, &body));
            if e.api().is_some_and(|a| a.code == "SIGN_ERROR") {
                // What was signed, to compare with the server's `sign_information` (the most
                // common failure users report): the message with the body as length and hash.
                let ts = timestamp.to_string();
                let canonical = prepared.canonical_url();
                let signed = crate::sign::message_shown(
                    &[prepared.method.as_str(), &canonical, &ts, &nonce],
                    prepared.signed_body(),
                );
                return Err(e.with_note(&format!(
                    "wxpay signed `{signed}` with the key of serial `{}` (compare with sign_information; a different message means a proxy or framework changed the request, the same message means the key and serial do not match)",
                    crate::error::quote(self.inner.signer.serial_no())
                )));
            }
            Err(e)
        }
    }

    /// Encrypt a sensitive field for WeChat Pay with its public key (RSAES-OAEP, SHA-1,
    /// MGF1-SHA-1, base64). Returns the ciphertext and the key id to send as
    /// `Wechatpay-Serial`. A plaintext over the key's limit (214 bytes for RSA 2048) is an
    /// `INVALID_ARGUMENT` error; the plaintext never appears in a message.
    pub fn encrypt_field(&self, plaintext: &str) -> Result<crate::sensitive::EncryptedField> {
        crate::sensitive::encrypt_field(self.verifier(), self.now(), plaintext, None)
    }

    /// Decrypt a field WeChat Pay encrypted for the merchant (with the merchant API
    /// certificate's public key): RSAES-OAEP, SHA-1, base64. Failures are `DECODE` errors.
    pub fn decrypt_field(&self, ciphertext_b64: &str) -> Result<zeroize::Zeroizing<String>> {
        crate::sensitive::decrypt_field(self.signer().key(), ciphertext_b64)
    }

    /// Verify and decrypt a notification: `headers` as received (`(name, value)` pairs, names
    /// in any case; see [`crate::notify::headers_from_json`]) and the **raw body bytes** (never
    /// re-serialised JSON). `now` defaults to the client's clock.
    ///
    /// Order: size bound, then the signature exactly as answers are verified (`VERIFY`, with
    /// `SIGNTEST` for a probe), then the envelope and `resource` decryption with `apiv3_key`
    /// (`DECODE`). A client without `apiv3_key` fails with `CONFIG` before reading anything.
    pub fn parse_notification<'a, I, N, V>(
        &self,
        headers: I,
        body: &[u8],
        now: Option<i64>,
    ) -> Result<crate::notify::Notification>
    where
        I: IntoIterator<Item = (&'a N, &'a V)>,
        N: AsRef<str> + ?Sized + 'a,
        V: AsRef<str> + ?Sized + 'a,
    {
        crate::notify::parse(
            self.verifier(),
            self.apiv3_key(),
            self.auto_certificates(),
            headers,
            body,
            now.unwrap_or_else(|| self.now()),
        )
    }

    fn classify(&self, e: crate::transport::HttpError, host: &str) -> Error {
        use crate::transport::{ConnectError, HttpError};
        match e {
            // The request could not even be built: nothing left this process.
            HttpError::Build(why) => Error::invalid(format!(
                "the request to {host} cannot be built, so nothing was sent: {why}"
            )),
            // Nothing was written: the check runs on the new connection.
            HttpError::Connect(ConnectError::PlainHttp(refused)) => {
                Error::config(format!("{host}: {refused}"))
            }
            HttpError::Connect(ConnectError::TimedOut) => Error::timeout(
                format!(
                    "connecting to {host} timed out after connect_timeout_ms={} (the request was not sent)",
                    self.inner.transport.connect_timeout.as_millis()
                ),
                false,
            ),
            HttpError::Connect(ConnectError::Failed(why)) => Error::transport(
                format!("cannot connect to {host} (the request was not sent): {why}"),
                false,
            ),
            HttpError::Informational => Error::transport(
                format!(
                    "{host} sent more than {} informational (1xx) answers and no final one: the server is not answering (the request may have been processed; the connection was dropped)",
                    crate::transport::MAX_INFORMATIONAL
                ),
                true,
            ),
            HttpError::Exchange(why) => Error::transport(
                format!("connection to {host} failed after the request was sent (it may have been processed): {why}"),
                true,
            ),
        }
    }
}

/// The headers of one attempt: `Authorization`, then the prepared ones.
fn request_headers<'a>(
    prepared: &'a PreparedRequest,
    authorization: &'a str,
) -> impl Iterator<Item = (&'a str, &'a str)> {
    std::iter::once(("Authorization", authorization)).chain(
        prepared
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )
}

fn check_url_length(url: &Url) -> Result<()> {
    let len = url.as_str().len();
    if len > MAX_URL_BYTES {
        return Err(Error::invalid(format!(
            "the request URL would be {len} bytes long; at most {MAX_URL_BYTES} are sent (a path value or `query` is far too long)"
        )));
    }
    Ok(())
}

fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempt.min(16));
    let d = exp.min(BACKOFF_CAP);
    let mut b = [0u8; 4];
    let _ = aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut b);
    let frac = u32::from_le_bytes(b) as f64 / u32::MAX as f64; // 0..=1
    d.mul_f64(0.5 + 0.5 * frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        for n in 0..20 {
            let d = backoff(n);
            assert!(d <= BACKOFF_CAP, "{d:?}");
            assert!(d >= BACKOFF_BASE / 2, "{d:?}");
        }
        let draws: std::collections::HashSet<_> = (0..20).map(|_| backoff(3)).collect();
        assert!(draws.len() > 1, "no jitter");
    }
}
