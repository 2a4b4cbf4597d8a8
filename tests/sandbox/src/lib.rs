//! `wxpay-sandbox`: a real HTTP(S) server that plays WeChat Pay APIv3 on loopback.
//!
//! It checks every request's `Authorization` as WeChat Pay does (merchant public key, canonical
//! URL as received, body, timestamp window), answers as WeChat Pay answers, signs its 2xx answers
//! with a platform key, keeps order state, and injects faults on request through a control API
//! under `/_sandbox/`. See `tests/sandbox/README.md`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::net::TcpListener;
use wxpay::keys::{PrivateKey, PublicKey};

mod api;
mod auth;
mod certs;
pub mod cli;
mod control;
mod faults;
mod files;
pub mod hostile;
mod lifecycle;
pub mod notify;
pub mod proxy;
mod server;
pub mod tls;

use api::percent_decode;
use control::control;
use faults::*;
use server::*;

/// The test merchant every default setup knows (TEST ONLY, see `tests/fixtures/README.md`).
pub const DEFAULT_MCHID: &str = "1230000109";
/// Serial of the test merchant's certificate.
pub const DEFAULT_MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD00000001";
/// Id of the default response-signing key (public-key mode).
pub const DEFAULT_PLATFORM_SERIAL: &str = "PUB_KEY_ID_0112300001092026112600000000000001";
const DEFAULT_MERCHANT_CERT: &str = include_str!("../../fixtures/merchant_cert.pem");
const DEFAULT_PLATFORM_KEY: &str = include_str!("../../fixtures/platform_key.pem");

/// Largest request body accepted (WeChat Pay rejects far smaller ones).
const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// Size of the body sent by the `oversized` fault: over the client's 4 MiB limit.
const OVERSIZED_BYTES: usize = 5 * 1024 * 1024;

/// How to run a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Serve HTTPS with a generated CA.
    pub tls: bool,
    /// Extra names the TLS certificate covers.
    pub hostnames: Vec<String>,
    /// Unknown orders are `ORDER_NOT_EXIST` instead of a closable `NOTPAY`.
    pub strict: bool,
    /// Merchants: mchid → public key or certificate PEM file. Empty: the test merchant.
    pub merchants: Vec<(String, PathBuf)>,
    /// Response-signing key PEM file and its id. `None`: the test `PUB_KEY_ID_` key.
    pub platform: Option<(PathBuf, String)>,
    /// Where to write `ca.pem` and `platform_pub.pem`. `None`: a fresh temporary folder.
    pub state_dir: Option<PathBuf>,
    /// Benchmark mode: keep the sandbox's own cost out of the client's way. Requests are still
    /// authenticated and answered as usual, but they are not logged, and a 2xx answer's
    /// signature is reused for every identical answer within the same second (it stays valid:
    /// same timestamp, nonce and body).
    pub bench: bool,
    /// Notification retries with WeChat Pay's spacing in milliseconds instead of seconds
    /// (15 ms, 15 ms, 30 ms, 180 ms…), so tests of a failing handler do not wait.
    pub fast_notifications: bool,
    /// How long a refund stays `PROCESSING` before it settles (`SUCCESS` + `REFUND.SUCCESS`).
    pub refund_settle_ms: u64,
    /// Keep the orders and refunds made through the API in this JSON file: loaded at start when
    /// it exists, rewritten (atomically) after every change, so they survive a restart.
    /// `None`: in memory only.
    pub state_file: Option<PathBuf>,
    /// HK and Global refuse to close an order this many seconds after its creation (WeChat Pay's
    /// pages say 5 minutes, 300; default 0: closable at once, for quick tests).
    pub min_close_age_s: u64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            hostnames: Vec::new(),
            strict: false,
            merchants: Vec::new(),
            platform: None,
            state_dir: None,
            bench: false,
            fast_notifications: false,
            refund_settle_ms: 100,
            state_file: None,
            min_close_age_s: 0,
        }
    }
}

struct Merchant {
    key: PublicKey,
    serial: Option<String>,
}

/// One request as the sandbox received it (see `GET /_sandbox/requests`).
#[derive(Clone, Debug)]
struct Logged {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
    outcome: u16,
    /// The `Request-ID` of the answer (none was sent when the connection was dropped).
    request_id: String,
}

#[derive(Default)]
struct Mutable {
    orders: HashMap<String, String>,
    faults: VecDeque<Fault>,
    log: Vec<Logged>,
    /// Notifications delivered in the background (the echo's `notify_url`).
    deliveries: Vec<Value>,
    /// Size of generated bills and statements (`POST /_sandbox/bills`); 0: 20,000 bytes.
    bill_bytes: u64,
    /// Orders and refunds made through the API (`lifecycle.rs`).
    book: lifecycle::Book,
}

/// The last 2xx signature (benchmark mode): timestamp, status, body, nonce, signature.
type SignatureCache = Option<(String, u16, Vec<u8>, String, String)>;

struct State {
    strict: bool,
    fast_notifications: bool,
    refund_settle_ms: u64,
    /// `--state-file`: where the book is kept (`lifecycle.rs`).
    state_file: Option<PathBuf>,
    /// `--min-close-age-s` (HK and Global close).
    min_close_age_s: u64,
    bench: bool,
    signatures: Mutex<SignatureCache>,
    merchants: HashMap<String, Merchant>,
    platform_key: Arc<PrivateKey>,
    platform_serial: String,
    /// Platform certificates, rotation and the signing mode (`certs.rs`).
    certs: Mutex<certs::Certs>,
    /// The merchant's APIv3 key: notification resources are encrypted with it.
    apiv3_key: String,
    m: Mutex<Mutable>,
    /// Connections accepted since start (TCP; every protocol), for `GET /_sandbox/stats`.
    connections: std::sync::atomic::AtomicU64,
    /// Hostile connections ([`hostile`]) still open: a client that gave up must have dropped
    /// its connection, which ends the hostile server's writes.
    hostile_open: std::sync::atomic::AtomicU64,
    /// Bumped by `POST /_sandbox/close_connections`: every connection shuts down gracefully
    /// (in-flight requests finish; HTTP/2 sends GOAWAY), as a server's keep-alive timeout does.
    close_all: tokio::sync::watch::Sender<u64>,
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    tls: bool,
    ca_cert: Option<PathBuf>,
    platform_public_key: PathBuf,
    platform_serial: String,
    state_dir: PathBuf,
    remove_state_dir: bool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if self.remove_state_dir {
            let _ = std::fs::remove_dir_all(&self.state_dir);
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    let _ = aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut b);
    b.iter().map(|x| format!("{x:02X}")).collect()
}

impl Sandbox {
    /// Start serving on the current Tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, String> {
        let mut merchants = HashMap::new();
        if config.merchants.is_empty() {
            let key = PublicKey::from_pem(DEFAULT_MERCHANT_CERT)
                .map_err(|e| format!("built-in merchant certificate {e}"))?;
            merchants.insert(
                DEFAULT_MCHID.to_owned(),
                Merchant {
                    serial: key.certificate_serial().map(str::to_owned),
                    key,
                },
            );
        }
        for (mchid, path) in &config.merchants {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--merchant {mchid}={}: {e}", path.display()))?;
            let key = PublicKey::from_pem(&text)
                .map_err(|e| format!("--merchant {mchid}={}: the file {e}", path.display()))?;
            merchants.insert(
                mchid.clone(),
                Merchant {
                    serial: key.certificate_serial().map(str::to_owned),
                    key,
                },
            );
        }
        let (platform_text, platform_serial) = match &config.platform {
            Some((path, serial)) => (
                std::fs::read_to_string(path)
                    .map_err(|e| format!("--platform-key {}: {e}", path.display()))?,
                serial.clone(),
            ),
            None => (
                DEFAULT_PLATFORM_KEY.to_owned(),
                DEFAULT_PLATFORM_SERIAL.to_owned(),
            ),
        };
        let platform_key = PrivateKey::from_pem(&platform_text)
            .map_err(|e| format!("--platform-key: the file {e}"))?;

        let (state_dir, remove_state_dir) = match &config.state_dir {
            Some(d) => (d.clone(), false),
            None => {
                let d = std::env::temp_dir().join(format!(
                    "wxpay-sandbox-{}-{}",
                    std::process::id(),
                    random_hex(4)
                ));
                (d, true)
            }
        };
        std::fs::create_dir_all(&state_dir)
            .map_err(|e| format!("cannot create {}: {e}", state_dir.display()))?;
        let platform_public_key = state_dir.join("platform_pub.pem");
        let pub_pem = platform_key.public_key_pem().map_err(|e| e.to_string())?;
        std::fs::write(&platform_public_key, pub_pem)
            .map_err(|e| format!("cannot write {}: {e}", platform_public_key.display()))?;

        let apiv3_key_file = state_dir.join("apiv3_key.txt");
        std::fs::write(&apiv3_key_file, notify::DEFAULT_APIV3_KEY)
            .map_err(|e| format!("cannot write {}: {e}", apiv3_key_file.display()))?;

        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;

        let (acceptor, ca_cert) = if config.tls {
            let (acceptor, ca_pem) = tls::configs(&config.hostnames)?;
            let path = state_dir.join("ca.pem");
            std::fs::write(&path, ca_pem)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            (Some(acceptor), Some(path))
        } else {
            (None, None)
        };

        let book = match &config.state_file {
            Some(path) if path.exists() => lifecycle::Book::load(path)?,
            _ => lifecycle::Book::default(),
        };
        let pending = book.processing_refunds();
        let state = Arc::new(State {
            strict: config.strict,
            fast_notifications: config.fast_notifications,
            refund_settle_ms: config.refund_settle_ms,
            state_file: config.state_file.clone(),
            min_close_age_s: config.min_close_age_s,
            bench: config.bench,
            signatures: Mutex::new(None),
            merchants,
            platform_key: Arc::new(platform_key),
            platform_serial: platform_serial.clone(),
            certs: Mutex::new(certs::Certs::new()?),
            apiv3_key: notify::DEFAULT_APIV3_KEY.trim().to_owned(),
            m: Mutex::new(Mutable {
                book,
                ..Mutable::default()
            }),
            connections: std::sync::atomic::AtomicU64::new(0),
            hostile_open: std::sync::atomic::AtomicU64::new(0),
            close_all: tokio::sync::watch::Sender::new(0),
        });
        // Refunds a previous run left PROCESSING settle as if it had not stopped.
        for (owner, out_refund_no) in pending {
            state.settle_later(owner, out_refund_no);
        }
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
                    _ = &mut rx => break,
                };
                let state = state.clone();
                state
                    .connections
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let service_state = state.clone();
                    let service =
                        hyper::service::service_fn(move |req| handle(service_state.clone(), req));
                    let builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    match acceptor {
                        Some(configs) => {
                            let Ok(start) = tokio_rustls::LazyConfigAcceptor::new(
                                tokio_rustls::rustls::server::Acceptor::default(),
                                stream,
                            )
                            .await
                            else {
                                return;
                            };
                            let name = start.client_hello().server_name().map(str::to_owned);
                            if let Some(hostile) = name.as_deref().and_then(hostile::by_name) {
                                let config = if hostile.h2() {
                                    configs.http2.clone()
                                } else {
                                    configs.http1.clone()
                                };
                                if let Ok(tls) = start.into_stream(config).await {
                                    use std::sync::atomic::Ordering::Relaxed;
                                    state.hostile_open.fetch_add(1, Relaxed);
                                    let logger = state.clone();
                                    hostile
                                        .serve(tls, &move |method, target| {
                                            logger.log_hostile(method, target)
                                        })
                                        .await;
                                    state.hostile_open.fetch_sub(1, Relaxed);
                                }
                            } else if let Ok(tls) = start.into_stream(configs.api).await {
                                let conn = builder
                                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service);
                                until_closed(conn, state.close_all.subscribe()).await;
                            }
                        }
                        None => {
                            let conn = builder
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                            until_closed(conn, state.close_all.subscribe()).await;
                        }
                    }
                });
            }
        });
        Ok(Sandbox {
            addr,
            tls: config.tls,
            ca_cert,
            platform_public_key,
            platform_serial,
            state_dir,
            remove_state_dir,
            shutdown: Some(tx),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT/` (or `http://…`).
    pub fn url(&self) -> String {
        format!(
            "{}://{}/",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    /// Path of the generated CA certificate (PEM), with `--tls`.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// Path of the response-signing public key (PEM).
    pub fn platform_public_key(&self) -> &Path {
        &self.platform_public_key
    }

    /// The folder holding `ca.pem`, `platform_pub.pem` and `apiv3_key.txt` (removed on drop when
    /// it was a temporary one).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The file holding the test merchant's APIv3 key (notifications are encrypted with it).
    pub fn apiv3_key_file(&self) -> PathBuf {
        self.state_dir.join("apiv3_key.txt")
    }

    /// Id of the response-signing key (`Wechatpay-Serial` of the answers).
    pub fn platform_serial(&self) -> &str {
        &self.platform_serial
    }

    /// The start-up line: what clients need to talk to this sandbox.
    pub fn info(&self) -> Value {
        json!({
            "url": self.url(),
            "addr": self.addr.to_string(),
            "port": self.addr.port(),
            "tls": self.tls,
            "ca_cert": self.ca_cert.as_ref().map(|p| p.display().to_string()),
            "platform_serial": self.platform_serial,
            "platform_public_key": self.platform_public_key.display().to_string(),
            "control": format!("{}_sandbox/", self.url()),
        })
    }

    /// A client configuration (the core's JSON schema) for the test merchant that reaches this
    /// sandbox at WeChat Pay's real host names through `resolve` (and `ca_certs` with TLS).
    pub fn client_config(&self, merchant_key: &Path) -> Value {
        let mut c = json!({
            "mchid": DEFAULT_MCHID,
            "serial": DEFAULT_MERCHANT_SERIAL,
            "private_key": format!("file://{}", merchant_key.display()),
            "certs": { self.platform_serial.clone(): format!("file://{}", self.platform_public_key.display()) },
            "apiv3_key": format!("file://{}", self.apiv3_key_file().display()),
            "resolve": {
                "api.mch.weixin.qq.com": self.addr.to_string(),
                "apihk.mch.weixin.qq.com": self.addr.to_string(),
            },
        });
        match &self.ca_cert {
            Some(ca) => c["ca_certs"] = json!([format!("file://{}", ca.display())]),
            None => {
                c["base_uri"] = json!(self.url());
                c["insecure_http"] = json!(true);
            }
        }
        c
    }
}

impl State {
    /// Log a request a hostile server took (outcome 100: it never got a final answer).
    fn log_hostile(&self, method: String, target: String) {
        if !self.bench {
            self.log(Logged {
                method,
                target,
                headers: Vec::new(),
                body: String::new(),
                outcome: 100,
                request_id: String::new(),
            });
        }
    }

    /// Append to the request log; returns the entry's index.
    fn log(&self, entry: Logged) -> usize {
        let mut m = self.m.lock().unwrap_or_else(|p| p.into_inner());
        m.log.push(entry);
        m.log.len() - 1
    }

    fn set_outcome(&self, index: usize, outcome: u16) {
        let mut m = self.m.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = m.log.get_mut(index) {
            e.outcome = outcome;
        }
    }
}
