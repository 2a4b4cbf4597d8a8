//! The HTTP side: one request in (logged as it arrives, faults applied), one answer out; the
//! hostile hosts (1xx floods); the plain and signed answer builders.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Frame, Incoming};
use serde_json::{json, Value};

use crate::*;

pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// Returned as the service's error, it makes hyper drop the connection without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sandbox fault: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

/// A WeChat Pay style answer before signing.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

pub(crate) fn error_answer(
    status: u16,
    code: &str,
    message: &str,
    detail: Option<Value>,
) -> Answer {
    let mut v = json!({"code": code, "message": message});
    if let Some(d) = detail {
        v["detail"] = d;
    }
    Answer {
        status,
        body: serde_json::to_vec(&v).unwrap_or_default(),
    }
}

pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    // One Request-ID per request, logged with it (`GET /_sandbox/requests`) and sent in the
    // answer, so tests can match a client's events to the requests the sandbox saw.
    let request_id = request_id();
    let mut response = respond(state, req, &request_id).await?;
    if let Ok(value) = http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("Request-ID", value);
    }
    Ok(response)
}

async fn respond(
    state: Arc<State>,
    req: Request<Incoming>,
    request_id: &str,
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
        let parsed = || {
            serde_json::from_slice::<Value>(&body)
                .map_err(|e| format!("control body is not JSON: {e}"))
        };
        let answer = if method == http::Method::POST && target == "/_sandbox/notify" {
            // Delivering waits on the merchant's server: the one asynchronous control call.
            let delivered = match parsed() {
                Ok(parsed) => crate::notify::deliver(&state, &parsed).await,
                Err(e) => Err(e),
            };
            control_outcome(delivered)
        } else if method == http::Method::POST && target == "/_sandbox/pay" {
            // Paying spawns the notification: it needs the shared state.
            control_outcome(parsed().and_then(|parsed| state.pay(&parsed)))
        } else {
            control(&state, &method, &target, &body)
        };
        return Ok(if (200..300).contains(&answer.status) {
            state.signed(answer, None)
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
            request_id: request_id.to_owned(),
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
    let fault_kind = fault.as_ref().map(|f| f.kind);
    match fault_kind {
        Some(FaultKind::Drop) => {
            log(0);
            return Err(DropConnection);
        }
        Some(FaultKind::Status) => {
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
        Some(FaultKind::HostileText) => {
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
        Some(FaultKind::NotJson) => {
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

    // An upload's signature covers its `meta` part, not the multipart body.
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let mut upload = None;
    let signed_body = if crate::files::is_upload(&method, &target) {
        match crate::files::parts(&headers, &body)
            .and_then(|p| crate::files::signed_meta(&p).map(|meta| (p, meta)))
        {
            Ok((parts, meta)) => {
                upload = Some(parts);
                meta
            }
            Err(a) => {
                log(a.status);
                return Ok(plain(a, None));
            }
        }
    } else {
        body.clone()
    };
    let authenticated = state.authenticate(&method, &target, &headers, &signed_body);
    if authenticated.is_ok() && method == http::Method::GET {
        // Files are streamed: the bill's download (unsigned) and statements (signed through
        // their SHA-1).
        if path == "/v3/billdownload/file" {
            log(200);
            return Ok(state.bill_file(&target, fault.as_ref()));
        }
        if path == "/hk/v3/statements" || path == "/v3/global/statements" {
            log(200);
            return Ok(state.statement(&target, &headers, fault.as_ref()));
        }
    }
    let answer = match authenticated {
        Err(a) => a,
        Ok(_) if upload.is_some() => {
            crate::files::upload_answer(upload.as_deref().unwrap_or_default())
        }
        Ok(_)
            if method == http::Method::GET
                && (path == "/v3/bill/tradebill" || path == "/v3/bill/fundflowbill") =>
        {
            state.bill_first_step(&target, fault_kind == Some(FaultKind::WrongDigest))
        }
        Ok(_)
            if method == http::Method::GET
                && [
                    "/v3/certificates",
                    "/hk/v3/certificates",
                    "/v3/global/certificates",
                ]
                .contains(&target.split('?').next().unwrap_or_default()) =>
        {
            state.certificates()
        }
        Ok(mchid) if method == http::Method::POST && target == "/v3/security/echo" => {
            crate::notify::echo(&state, &mchid, &headers, &body)
        }
        Ok(mchid) => state
            .lifecycle(&mchid, &method, &target, &body)
            .unwrap_or_else(|| state.route(&mchid, &method, &target, &body)),
    };
    log(answer.status);
    let answer = match fault_kind {
        Some(FaultKind::Oversized) if (200..300).contains(&answer.status) => Answer {
            status: 200,
            body: vec![b' '; OVERSIZED_BYTES],
        },
        Some(FaultKind::Status200) if (200..300).contains(&answer.status) => Answer {
            status: 200,
            body: br#"{"sandbox":"200 instead of the usual answer"}"#.to_vec(),
        },
        _ => answer,
    };
    let mut response = if (200..300).contains(&answer.status) {
        let requested = headers
            .get("wechatpay-serial")
            .and_then(|v| v.to_str().ok());
        let signing = state.signing_for(requested);
        state.signed_by(answer, fault_kind, signing.as_ref())
    } else {
        plain(answer, None)
    };
    if fault_kind == Some(FaultKind::ResetMidBody) {
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
pub(crate) async fn until_closed<I, S>(
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

pub(crate) fn futures_stream(
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

pub(crate) async fn read_body(body: Incoming) -> Result<Vec<u8>, Answer> {
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

/// A control call's outcome: 200 with its JSON, or 400 `SANDBOX_BAD_REQUEST` saying why.
fn control_outcome(outcome: Result<Value, String>) -> Answer {
    match outcome {
        Ok(v) => Answer {
            status: 200,
            body: serde_json::to_vec(&v).unwrap_or_default(),
        },
        Err(e) => error_answer(400, "SANDBOX_BAD_REQUEST", &e, None),
    }
}

pub(crate) fn request_id() -> String {
    random_hex(16)
}

/// An unsigned answer (errors are not reliably signed by WeChat Pay either).
pub(crate) fn plain(answer: Answer, content_type: Option<&'static str>) -> Response<Body> {
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
