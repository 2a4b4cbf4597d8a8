//! `wxpay-sandbox`: a real HTTP(S) server that plays WeChat Pay APIv3 on loopback.
//!
//! It checks every request's `Authorization` as WeChat Pay does (merchant public key, canonical
//! URL as received, body, timestamp window), answers as WeChat Pay answers, signs its 2xx answers
//! with a platform key, keeps order state, and injects faults on request through a control API
//! under `/_sandbox/`. See `tests/sandbox/README.md`.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Frame, Incoming};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use wxpay::keys::{PrivateKey, PublicKey};

mod tls;

/// The test merchant every default setup knows (TEST ONLY, see `tests/fixtures/README.md`).
pub const DEFAULT_MCHID: &str = "1230000109";
/// Serial of the test merchant's certificate.
pub const DEFAULT_MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD00000001";
/// Id of the default response-signing key (public-key mode).
pub const DEFAULT_PLATFORM_SERIAL: &str = "PUB_KEY_ID_0112300001092026112600000000000001";
const DEFAULT_MERCHANT_CERT: &str = include_str!("../../fixtures/merchant_cert.pem");
const DEFAULT_PLATFORM_KEY: &str = include_str!("../../fixtures/platform_key.pem");

/// Largest request body accepted (WeChat Pay rejects far smaller ones).
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
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
}

#[derive(Clone, Debug)]
struct Fault {
    kind: String,
    path: Option<String>,
    remaining: u64,
    delay_ms: u64,
    status: u16,
}

#[derive(Default)]
struct Mutable {
    orders: HashMap<String, String>,
    faults: VecDeque<Fault>,
    log: Vec<Logged>,
}

/// The last 2xx signature (benchmark mode): timestamp, status, body, nonce, signature.
type SignatureCache = Option<(String, u16, Vec<u8>, String, String)>;

struct State {
    strict: bool,
    bench: bool,
    signatures: Mutex<SignatureCache>,
    merchants: HashMap<String, Merchant>,
    platform_key: PrivateKey,
    platform_serial: String,
    m: Mutex<Mutable>,
    /// Connections accepted since start (TCP; every protocol), for `GET /_sandbox/stats`.
    connections: std::sync::atomic::AtomicU64,
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

        let state = Arc::new(State {
            strict: config.strict,
            bench: config.bench,
            signatures: Mutex::new(None),
            merchants,
            platform_key,
            platform_serial: platform_serial.clone(),
            m: Mutex::new(Mutable::default()),
            connections: std::sync::atomic::AtomicU64::new(0),
            close_all: tokio::sync::watch::Sender::new(0),
        });
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
                            if name.as_deref() == Some(tls::FLOOD_NAME) {
                                if let Ok(tls) = start.into_stream(configs.http1).await {
                                    flood(&state, tls).await;
                                }
                            } else if name.as_deref() == Some(tls::FLOOD_H2_NAME) {
                                if let Ok(tls) = start.into_stream(configs.http2).await {
                                    flood_h2(state, tls).await;
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

type Body = BoxBody<Bytes, std::io::Error>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// Returned as the service's error, it makes hyper drop the connection without an answer.
#[derive(Debug)]
struct DropConnection;
impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sandbox fault: connection dropped")
    }
}
impl std::error::Error for DropConnection {}

/// A WeChat Pay style answer before signing.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

fn error_answer(status: u16, code: &str, message: &str, detail: Option<Value>) -> Answer {
    let mut v = json!({"code": code, "message": message});
    if let Some(d) = detail {
        v["detail"] = d;
    }
    Answer {
        status,
        body: serde_json::to_vec(&v).unwrap_or_default(),
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let headers = req.headers().clone();
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(answer) => return Ok(plain(answer, None)),
    };
    if target.starts_with("/_sandbox/") {
        // Control answers are signed like API answers, so any wxpay client (every language's
        // tests) can drive the sandbox through its own generic request.
        let answer = control(&state, &method, &target, &body);
        return Ok(if (200..300).contains(&answer.status) {
            state.signed(answer, "")
        } else {
            plain(answer, None)
        });
    }

    // Every request is logged as it arrives (outcome 0 until answered), so a client that gave up
    // waiting still finds its request in the log.
    let entry = (!state.bench).then(|| {
        state.log(Logged {
            method: method.to_string(),
            target: target.clone(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
            outcome: 0,
        })
    });
    let log = |outcome: u16| {
        if let Some(entry) = entry {
            state.set_outcome(entry, outcome);
        }
    };
    // Faults are taken in order; each matching fault is consumed once per request.
    let fault = state.take_fault(&target);
    if let Some(f) = &fault {
        if f.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
        }
    }
    let fault_kind = fault.as_ref().map(|f| f.kind.as_str()).unwrap_or("");
    match fault_kind {
        "drop" => {
            log(0);
            return Err(DropConnection);
        }
        "status" => {
            let status = fault.as_ref().map(|f| f.status).unwrap_or(500);
            let (code, msg) = match status {
                429 => ("RATELIMIT_EXCEEDED", "请求超过频率限制"),
                500 => ("SYSTEM_ERROR", "系统错误"),
                502 | 503 => ("SERVICE_UNAVAILABLE", "服务不可用"),
                _ => ("SYSTEM_ERROR", "injected error"),
            };
            log(status);
            return Ok(plain(error_answer(status, code, msg, None), None));
        }
        "hostile_text" => {
            // Terminal escape sequences and a forged line in every text field a client shows.
            log(400);
            let forged = "\u{1b}[2J\u{1b}[31mcleared\r\nwxpay: OK {\"status\":204}\u{7}";
            return Ok(plain(
                error_answer(
                    400,
                    "PARAM_ERROR\u{1b}[0m",
                    forged,
                    Some(json!({"field": forged, "issue": forged})),
                ),
                None,
            ));
        }
        "not_json" => {
            log(502);
            return Ok(plain(
                Answer {
                    status: 502,
                    body: b"<html><body>502 Bad Gateway</body></html>".to_vec(),
                },
                Some("text/html"),
            ));
        }
        _ => {}
    }

    let answer = match state.authenticate(&method, &target, &headers, &body) {
        Err(a) => a,
        Ok(mchid) => state.route(&mchid, &method, &target, &body),
    };
    log(answer.status);
    let answer = match fault_kind {
        "oversized" if (200..300).contains(&answer.status) => Answer {
            status: 200,
            body: vec![b' '; OVERSIZED_BYTES],
        },
        "status_200" if (200..300).contains(&answer.status) => Answer {
            status: 200,
            body: br#"{"sandbox":"200 instead of the usual answer"}"#.to_vec(),
        },
        _ => answer,
    };
    let mut response = if (200..300).contains(&answer.status) {
        state.signed(answer, fault_kind)
    } else {
        plain(answer, None)
    };
    if fault_kind == "reset_mid_body" {
        // Announce a body, send part of it, then abort the connection.
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
            Ok(Frame::data(Bytes::from_static(b"{\"partial\":"))),
            Err(std::io::Error::other("sandbox fault: reset mid-body")),
        ];
        let (mut parts, _) = response.into_parts();
        parts.status = StatusCode::OK;
        parts.headers.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from_static("1000"),
        );
        response = Response::from_parts(parts, futures_stream(frames).boxed());
    }
    Ok(response)
}

/// Serve a connection until it ends or `POST /_sandbox/close_connections` asks every
/// connection to shut down gracefully.
async fn until_closed<I, S>(
    conn: hyper_util::server::conn::auto::Connection<'_, I, S, hyper_util::rt::TokioExecutor>,
    mut close: tokio::sync::watch::Receiver<u64>,
) where
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        changed = close.changed() => {
            if changed.is_ok() {
                conn.as_mut().graceful_shutdown();
            }
            let _ = conn.await;
        }
    }
}

/// The hostile server behind [`tls::FLOOD_NAME`]: it reads one request head, logs it, then
/// answers with `100 Continue` informational responses, as fast as the client reads them, for
/// up to 30 s and never a final answer. A client's deadline must still fire on time.
async fn flood(state: &State, mut conn: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    if !state.bench {
        state.log(Logged {
            method,
            target,
            headers: Vec::new(),
            body: String::new(),
            outcome: 100,
        });
    }
    let chunk = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(64);
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::time::Instant::now() < until {
        if conn.write_all(&chunk).await.is_err() || conn.flush().await.is_err() {
            return;
        }
    }
}

/// [`flood`] over HTTP/2: every request stream gets informational `100` HEADERS frames for up
/// to 30 s and never a final answer.
async fn flood_h2(
    state: Arc<State>,
    conn: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
) {
    let Ok(mut conn) = h2::server::handshake(conn).await else {
        return;
    };
    while let Some(Ok((req, mut respond))) = conn.accept().await {
        if !state.bench {
            state.log(Logged {
                method: req.method().to_string(),
                target: req
                    .uri()
                    .path_and_query()
                    .map(|pq| pq.as_str().to_owned())
                    .unwrap_or_default(),
                headers: Vec::new(),
                body: String::new(),
                outcome: 100,
            });
        }
        tokio::spawn(async move {
            let until = tokio::time::Instant::now() + Duration::from_secs(30);
            while tokio::time::Instant::now() < until {
                for _ in 0..64 {
                    let interim = Response::builder().status(100).body(()).unwrap_or_default();
                    if respond.send_informational(interim).is_err() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
    }
}

fn futures_stream(
    items: Vec<Result<Frame<Bytes>, std::io::Error>>,
) -> impl hyper::body::Body<Data = Bytes, Error = std::io::Error> + Send + Sync + 'static {
    // A minimal stream body: one frame per poll, in order.
    struct Frames(VecDeque<Result<Frame<Bytes>, std::io::Error>>);
    impl hyper::body::Body for Frames {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            std::task::Poll::Ready(self.0.pop_front())
        }
    }
    Frames(items.into())
}

async fn read_body(body: Incoming) -> Result<Vec<u8>, Answer> {
    let limited = http_body_util::Limited::new(body, MAX_REQUEST_BYTES);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes().to_vec()),
        Err(_) => Err(error_answer(
            400,
            "PARAM_ERROR",
            "请求体过大或不完整 (request body too large or incomplete)",
            None,
        )),
    }
}

fn request_id() -> String {
    random_hex(16)
}

/// An unsigned answer (errors are not reliably signed by WeChat Pay either).
fn plain(answer: Answer, content_type: Option<&'static str>) -> Response<Body> {
    let mut b = Response::builder()
        .status(answer.status)
        .header("Request-ID", request_id())
        .header("Server", "wxpay-sandbox");
    if !answer.body.is_empty() {
        b = b.header("Content-Type", content_type.unwrap_or("application/json"));
    }
    b.body(full(answer.body))
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

impl State {
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

    fn take_fault(&self, target: &str) -> Option<Fault> {
        let mut m = self.m.lock().ok()?;
        let idx = m
            .faults
            .iter()
            .position(|f| f.path.as_deref().is_none_or(|p| target.contains(p)))?;
        let f = m.faults[idx].clone();
        if f.remaining <= 1 {
            m.faults.remove(idx);
        } else {
            m.faults[idx].remaining -= 1;
        }
        Some(f)
    }

    /// Check `Accept`, `User-Agent` and `Authorization` as WeChat Pay does; returns the mchid.
    fn authenticate(
        &self,
        method: &Method,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<String, Answer> {
        let get = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.trim().is_empty())
        };
        if get("accept").is_none() {
            return Err(error_answer(
                400,
                "INVALID_REQUEST",
                "HTTP头缺少Accept或User-Agent (the Accept header is missing)",
                None,
            ));
        }
        if get("user-agent").is_none() {
            return Err(error_answer(
                400,
                "INVALID_REQUEST",
                "HTTP头缺少Accept或User-Agent (the User-Agent header is missing)",
                None,
            ));
        }
        let sign_error = |why: &str, info: Option<Value>| {
            let mut detail = json!({"field": "authorization", "location": "header", "issue": why});
            if let Some(i) = info {
                detail["sign_information"] = i;
            }
            error_answer(
                401,
                "SIGN_ERROR",
                &format!("签名错误 (signature error: {why})"),
                Some(detail),
            )
        };
        let Some(auth) = get("authorization") else {
            return Err(sign_error("Authorization header is missing", None));
        };
        let Some(params) = auth
            .strip_prefix(wxpay::sign::AUTH_SCHEME)
            .and_then(|r| r.strip_prefix(' '))
        else {
            return Err(sign_error(
                "Authorization scheme must be WECHATPAY2-SHA256-RSA2048",
                None,
            ));
        };
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for part in params.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else {
                return Err(sign_error("Authorization parameters are malformed", None));
            };
            let Some(v) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
                return Err(sign_error(
                    "Authorization parameter values must be quoted",
                    None,
                ));
            };
            fields.insert(k, v);
        }
        let need = |k: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| sign_error(&format!("Authorization lacks {k}"), None))
        };
        let (mchid, nonce, ts, serial, signature) = (
            need("mchid")?,
            need("nonce_str")?,
            need("timestamp")?,
            need("serial_no")?,
            need("signature")?,
        );
        let Some(merchant) = self.merchants.get(mchid) else {
            return Err(sign_error(
                &format!("mchid {mchid} is not a merchant of this sandbox"),
                None,
            ));
        };
        if let Some(expected) = &merchant.serial {
            if !serial.eq_ignore_ascii_case(expected) {
                return Err(sign_error(
                    &format!("serial_no {serial} is not the merchant certificate serial"),
                    None,
                ));
            }
        }
        let ts_num: i64 = ts
            .parse()
            .map_err(|_| sign_error("timestamp is not a number", None))?;
        if (now() - ts_num).abs() > 300 {
            return Err(sign_error(
                "timestamp is more than 5 minutes away from server time",
                None,
            ));
        }
        let message = wxpay::sign::request_message(method.as_str(), target, ts_num, nonce, body);
        if !merchant.key.verify_base64(&message, signature) {
            let shown: String = String::from_utf8_lossy(&message)
                .chars()
                .take(256)
                .collect();
            let info = json!({
                "method": method.as_str(),
                "url": target,
                "truncated_sign_message": shown,
                "sign_message_length": message.len(),
            });
            return Err(sign_error(
                "signature does not match the request",
                Some(info),
            ));
        }
        Ok(mchid.to_owned())
    }

    fn route(&self, mchid: &str, method: &Method, target: &str, body: &[u8]) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        // Strip the access-point prefix: /hk/v3/transactions/…, /v3/global/transactions/…,
        // /v3/pay/transactions/… (domestic) and /v3/pay/partner/transactions/….
        let rest: &[&str] = match segs.as_slice() {
            ["hk", "v3", "transactions", rest @ ..] => rest,
            ["v3", "global", "transactions", rest @ ..] => rest,
            ["v3", "pay", "transactions", rest @ ..] => rest,
            ["v3", "pay", "partner", "transactions", rest @ ..] => rest,
            ["v3", "transactions", rest @ ..] => rest,
            _ => &[],
        };
        match (method, rest) {
            (&Method::POST, ["id" | "out-trade-no", id, "close"]) => {
                self.close(mchid, &percent_decode(id), body)
            }
            (&Method::GET, [kind @ ("id" | "out-trade-no"), id]) => {
                let id = percent_decode(id);
                self.query(mchid, kind, &id, query)
            }
            _ => error_answer(
                404,
                "NOT_FOUND",
                &format!("sandbox has no API at {} {path}", method.as_str()),
                None,
            ),
        }
    }

    fn close(&self, mchid: &str, id: &str, body: &[u8]) -> Answer {
        let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
            return error_answer(
                400,
                "PARAM_ERROR",
                "请求体不是合法的JSON (body is not a JSON object)",
                Some(json!({"location": "body"})),
            );
        };
        let text = |k: &str| b.get(k).and_then(Value::as_str);
        let payer = match (text("mchid"), text("sp_mchid")) {
            (Some(m), _) => m,
            (None, Some(sp)) => sp,
            (None, None) => {
                return error_answer(
                    400,
                    "PARAM_ERROR",
                    "缺少参数mchid (mchid or sp_mchid is required)",
                    Some(json!({"field": "mchid", "location": "body", "issue": "missing"})),
                )
            }
        };
        if payer != mchid && text("sp_mchid") != Some(mchid) {
            return error_answer(403, "NO_AUTH", &format!("商户号{payer}与签名商户号{mchid}不匹配 (body mchid does not match the signing merchant)"), None);
        }
        let Ok(mut m) = self.m.lock() else {
            return error_answer(500, "SYSTEM_ERROR", "sandbox state lock poisoned", None);
        };
        let state = match self.order_state(&m.orders, id) {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        match state.as_str() {
            "SUCCESS" | "REFUND" => error_answer(
                400,
                "ORDERPAID",
                "订单已支付 (order already paid; refund it instead)",
                None,
            ),
            _ => {
                m.orders.insert(id.to_owned(), "CLOSED".to_owned());
                Answer {
                    status: 204,
                    body: Vec::new(),
                }
            }
        }
    }

    /// An order's state: as seeded or left by a close; unknown orders are `NOTPAY`, or
    /// 404 `ORDER_NOT_EXIST` with `--strict`.
    fn order_state(&self, orders: &HashMap<String, String>, id: &str) -> Result<String, Answer> {
        match orders.get(id) {
            Some(s) => Ok(s.clone()),
            None if self.strict => Err(error_answer(
                404,
                "ORDER_NOT_EXIST",
                "订单不存在 (order does not exist)",
                None,
            )),
            None => Ok("NOTPAY".to_owned()),
        }
    }

    fn query(&self, mchid: &str, kind: &str, id: &str, query: &str) -> Answer {
        if !query
            .split('&')
            .any(|kv| kv == format!("mchid={mchid}") || kv.starts_with("sp_mchid="))
        {
            return error_answer(
                400,
                "PARAM_ERROR",
                "缺少参数mchid (query parameter mchid is required)",
                Some(json!({"field": "mchid", "location": "query", "issue": "missing"})),
            );
        }
        let Ok(m) = self.m.lock() else {
            return error_answer(500, "SYSTEM_ERROR", "sandbox state lock poisoned", None);
        };
        let state = match self.order_state(&m.orders, id) {
            Ok(s) => s,
            Err(answer) => return answer,
        };
        let id_field = if kind == "id" {
            "transaction_id"
        } else {
            "out_trade_no"
        };
        let body = json!({"mchid": mchid, id_field: id, "trade_state": state});
        Answer {
            status: 200,
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }

    /// The nonce and signature of an answer at `ts`. In benchmark mode (and without a fault) an
    /// identical answer signed within the same second reuses them: still a valid signature.
    fn nonce_and_signature(&self, ts: &str, answer: &Answer, fault: &str) -> (String, String) {
        let sign = || {
            let nonce = random_hex(16);
            let message = wxpay::sign::response_message(ts, &nonce, &answer.body);
            let signature = self.platform_key.sign_base64(&message).unwrap_or_default();
            (nonce, signature)
        };
        if !self.bench || !fault.is_empty() {
            return sign();
        }
        let mut cache = self.signatures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, status, body, nonce, sig)) = cache.as_ref() {
            if t == ts && *status == answer.status && *body == answer.body {
                return (nonce.clone(), sig.clone());
            }
        }
        let (nonce, signature) = sign();
        *cache = Some((
            ts.to_owned(),
            answer.status,
            answer.body.clone(),
            nonce.clone(),
            signature.clone(),
        ));
        (nonce, signature)
    }

    /// Sign a 2xx answer, applying a signature fault if one is requested.
    fn signed(&self, answer: Answer, fault: &str) -> Response<Body> {
        let ts = match fault {
            "stale_timestamp" => now() - 400,
            "future_timestamp" => now() + 400,
            // The smallest i64: `now - ts` overflows in a client that does not check.
            "timestamp_i64_min" => i64::MIN,
            _ => now(),
        }
        .to_string();
        let (nonce, mut signature) = self.nonce_and_signature(&ts, &answer, fault);
        match fault {
            "bad_signature" => {
                let mut raw = base64::engine::general_purpose::STANDARD
                    .decode(&signature)
                    .unwrap_or_default();
                if let Some(b) = raw.first_mut() {
                    *b ^= 0x01;
                }
                signature = base64::engine::general_purpose::STANDARD.encode(raw);
            }
            "signtest" => signature = format!("WECHATPAY/SIGNTEST/{signature}"),
            _ => {}
        }
        let serial = if fault == "unknown_serial" {
            "PUB_KEY_ID_0000000000000000000000000000UNKNOWN"
        } else {
            &self.platform_serial
        };
        let mut b = Response::builder()
            .status(answer.status)
            .header("Request-ID", request_id())
            .header("Server", "wxpay-sandbox");
        if fault == "repeated_header" {
            // A valid answer with one header sent twice: every language must show it alike.
            b = b
                .header("X-Sandbox-Repeated", "one")
                .header("X-Sandbox-Repeated", "two");
        }
        if fault != "no_signature" {
            b = b
                .header("Wechatpay-Timestamp", ts)
                .header("Wechatpay-Nonce", nonce)
                .header("Wechatpay-Signature", signature);
            if fault == "duplicate_signature" {
                // A second, different signature after the valid one: which one counts is
                // ambiguous, so a client must refuse the answer rather than pick one.
                b = b.header("Wechatpay-Signature", "c2Vjb25kIHNpZ25hdHVyZQ==");
            }
            b = b
                .header("Wechatpay-Serial", serial)
                .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048");
        }
        if !answer.body.is_empty() {
            b = b.header("Content-Type", "application/json");
        }
        b.body(full(answer.body))
            .unwrap_or_else(|_| Response::new(full(Bytes::new())))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const FAULT_KINDS: [&str; 18] = [
    "status_200",
    "repeated_header",
    "hostile_text",
    "timestamp_i64_min",
    "duplicate_signature",
    "delay",
    "drop",
    "reset_mid_body",
    "status",
    "not_json",
    "bad_signature",
    "no_signature",
    "stale_timestamp",
    "future_timestamp",
    "unknown_serial",
    "signtest",
    "oversized",
    "none",
];

/// The control API: `/_sandbox/…`. Unsigned, unauthenticated, loopback tooling.
fn control(state: &State, method: &Method, target: &str, body: &[u8]) -> Answer {
    let path = target.split('?').next().unwrap_or(target);
    let ok = |v: Value| Answer {
        status: 200,
        body: serde_json::to_vec(&v).unwrap_or_default(),
    };
    let bad = |msg: String| error_answer(400, "SANDBOX_BAD_REQUEST", &msg, None);
    let parsed: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return bad(format!("control body is not JSON: {e}")),
        }
    };
    let Ok(mut m) = state.m.lock() else {
        return error_answer(500, "SYSTEM_ERROR", "sandbox state lock poisoned", None);
    };
    match (method, path) {
        (&Method::GET, "/_sandbox/health") => ok(json!({"ok": true})),
        (&Method::POST, "/_sandbox/close_connections") => {
            state.close_all.send_modify(|generation| *generation += 1);
            ok(json!({"ok": true}))
        }
        (&Method::GET, "/_sandbox/stats") => ok(json!({
            "connections": state.connections.load(std::sync::atomic::Ordering::Relaxed),
        })),
        (&Method::POST, "/_sandbox/reset") => {
            *m = Mutable::default();
            ok(json!({"ok": true}))
        }
        (&Method::POST, "/_sandbox/orders") => {
            let (Some(id), Some(st)) = (
                parsed.get("id").and_then(Value::as_str),
                parsed.get("state").and_then(Value::as_str),
            ) else {
                return bad("POST /_sandbox/orders wants {\"id\": \"…\", \"state\": \"NOTPAY|SUCCESS|CLOSED|REFUND|…\"}".into());
            };
            m.orders.insert(id.to_owned(), st.to_owned());
            ok(json!({"id": id, "state": st}))
        }
        (&Method::GET, p) if p.starts_with("/_sandbox/orders/") => {
            let id = percent_decode(&p["/_sandbox/orders/".len()..]);
            ok(json!({"id": id, "state": m.orders.get(&id)}))
        }
        (&Method::POST, "/_sandbox/faults") => {
            let kind = parsed
                .get("fault")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !FAULT_KINDS.contains(&kind) {
                return bad(format!(
                    "unknown fault `{kind}`; one of {}",
                    FAULT_KINDS.join(", ")
                ));
            }
            let fault = Fault {
                kind: kind.to_owned(),
                path: parsed
                    .get("path")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                remaining: parsed
                    .get("count")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1),
                delay_ms: parsed.get("delay_ms").and_then(Value::as_u64).unwrap_or(0),
                status: parsed.get("status").and_then(Value::as_u64).unwrap_or(500) as u16,
            };
            m.faults.push_back(fault);
            ok(json!({"queued": m.faults.len()}))
        }
        (&Method::DELETE, "/_sandbox/faults") => {
            m.faults.clear();
            ok(json!({"ok": true}))
        }
        (&Method::GET, "/_sandbox/requests") => {
            // `?summary` leaves out headers and bodies (for large logs).
            let summary = target.contains("?summary");
            let list: Vec<Value> = m
                .log
                .iter()
                .map(|l| {
                    if summary {
                        json!({"method": l.method, "target": l.target, "status": l.outcome})
                    } else {
                        json!({"method": l.method, "target": l.target, "headers": l.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(), "body": l.body, "status": l.outcome})
                    }
                })
                .collect();
            ok(Value::Array(list))
        }
        _ => error_answer(
            404,
            "NOT_FOUND",
            &format!("no sandbox control endpoint {} {path}", method.as_str()),
            None,
        ),
    }
}
