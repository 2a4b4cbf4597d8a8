//! WeChat Pay's side of notifications: mint one (signed with the platform key, `resource`
//! encrypted with the merchant's APIv3 key), with a fault on demand, and deliver it to a
//! merchant's URL on loopback, retrying on a failure answer as WeChat Pay does.
//!
//! The encryption here uses AWS-LC directly, not the wxpay core that tests decrypt with.

use std::time::Duration;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use base64::Engine;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wxpay::keys::PrivateKey;

use crate::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// The test merchant's APIv3 key (TEST ONLY, see `tests/fixtures/README.md`).
pub const DEFAULT_APIV3_KEY: &str = include_str!("../../fixtures/apiv3_key.txt");
const OTHER_KEY: &str = include_str!("../../fixtures/other_key.pem");

macro_rules! notify_faults {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// What can be wrong with a minted notification.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum NotifyFault {
            $(#[doc = $doc] $variant,)*
        }

        impl NotifyFault {
            /// Every fault.
            pub const ALL: &'static [NotifyFault] = &[$(NotifyFault::$variant,)*];

            /// Its name in the control API.
            pub fn name(self) -> &'static str {
                match self { $(NotifyFault::$variant => $name,)* }
            }

            /// From its name.
            pub fn parse(name: &str) -> Option<NotifyFault> {
                match name { $($name => Some(NotifyFault::$variant),)* _ => None }
            }
        }
    };
}

notify_faults! {
    Signtest => "signtest": "`Wechatpay-Signature` is a `WECHATPAY/SIGNTEST/` probe (first delivery only).",
    StaleTimestamp => "stale_timestamp": "Signed 400 s in the past.",
    WrongSigningKey => "wrong_signing_key": "Signed with a key that is not the platform key.",
    UnknownSerial => "unknown_serial": "`Wechatpay-Serial` names a key the merchant does not have.",
    MissingSignature => "missing_signature": "No `Wechatpay-Signature` header.",
    TamperedBody => "tampered_body": "The body was changed after signing.",
    WrongApiv3Key => "wrong_apiv3_key": "`resource` encrypted with another APIv3 key (signature valid).",
    TamperedCiphertext => "tampered_ciphertext": "A byte of `resource.ciphertext` flipped, then signed.",
    UnknownAlgorithm => "unknown_algorithm": "`resource.algorithm` is not AEAD_AES_256_GCM.",
    NotJson => "not_json": "A signed body that is not JSON.",
    EmptyAssociatedData => "empty_associated_data": "`associated_data` is \"\" (valid: decrypts with empty AAD).",
}

/// A minted notification: the headers and body WeChat Pay would send.
pub struct Minted {
    /// Its `id`.
    pub id: String,
    /// `(name, value)` in the order sent.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

pub(crate) fn encrypt(key: &[u8], nonce: &str, aad: &str, plaintext: &[u8]) -> String {
    let mut data = plaintext.to_vec();
    let Ok(unbound) = UnboundKey::new(&AES_256_GCM, key) else {
        return String::new();
    };
    let nonce: [u8; 12] = nonce.as_bytes().try_into().unwrap_or([0; 12]);
    let _ = LessSafeKey::new(unbound).seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad.as_bytes()),
        &mut data,
    );
    B64.encode(data)
}

fn default_resource(event: &str, mchid: &str) -> (&'static str, &'static str, &'static str, Value) {
    let now = now();
    match event {
        "security" => (
            "SECURITY_ECHO.SUCCESS",
            "安全测试成功",
            "security",
            json!({"mchid": mchid, "echo_message": "", "create_time": "2026-11-27T10:00:00+08:00"}),
        ),
        "refund" => (
            "REFUND.SUCCESS",
            "退款成功",
            "refund",
            json!({
                "mchid": mchid, "out_trade_no": format!("sandbox-{now}"),
                "transaction_id": format!("42000000{now}"), "out_refund_no": format!("refund-{now}"),
                "refund_id": format!("50300000{now}"), "refund_status": "SUCCESS",
                "success_time": "2026-11-27T10:00:00+08:00", "user_received_account": "招商银行信用卡0403",
                "amount": {"total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100}
            }),
        ),
        _ => (
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            json!({
                "mchid": mchid, "appid": "wxd678efh567hg6787", "out_trade_no": format!("sandbox-{now}"),
                "transaction_id": format!("42000000{now}"), "trade_type": "JSAPI",
                "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "CMC",
                "success_time": "2026-11-27T10:00:00+08:00",
                "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}
            }),
        ),
    }
}

impl State {
    /// Mint a notification of `event` (`payment` or `refund`) for `mchid`, optionally with
    /// `resource` as its plaintext and a fault.
    pub(crate) fn mint(
        &self,
        event: &str,
        resource: Option<&Value>,
        fault: Option<NotifyFault>,
        id: Option<&str>,
    ) -> Minted {
        let (event_type, summary, original_type, default) = default_resource(event, DEFAULT_MCHID);
        let plaintext = serde_json::to_vec(resource.unwrap_or(&default)).unwrap_or_default();
        let nonce = &random_hex(6); // 12 characters
        let aad = if fault == Some(NotifyFault::EmptyAssociatedData) {
            ""
        } else {
            original_type
        };
        let key = if fault == Some(NotifyFault::WrongApiv3Key) {
            "0123456789abcdef0123456789ABCDEF".as_bytes()
        } else {
            self.apiv3_key.as_bytes()
        };
        let mut ciphertext = encrypt(key, nonce, aad, &plaintext);
        if fault == Some(NotifyFault::TamperedCiphertext) {
            let mut raw = B64.decode(&ciphertext).unwrap_or_default();
            if let Some(b) = raw.first_mut() {
                *b ^= 0x01;
            }
            ciphertext = B64.encode(raw);
        }
        let id = id.map(str::to_owned).unwrap_or_else(|| {
            let h = random_hex(16).to_ascii_lowercase();
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        });
        let algorithm = if fault == Some(NotifyFault::UnknownAlgorithm) {
            "AEAD_SM4_GCM"
        } else {
            "AEAD_AES_256_GCM"
        };
        let body = if fault == Some(NotifyFault::NotJson) {
            b"<xml><return_code>SUCCESS</return_code></xml>".to_vec()
        } else {
            let v = json!({
                "id": id, "create_time": "2026-11-27T10:00:01+08:00", "resource_type": "encrypt-resource",
                "event_type": event_type, "summary": summary,
                "resource": {"original_type": original_type, "algorithm": algorithm,
                             "ciphertext": ciphertext, "associated_data": aad, "nonce": nonce},
            });
            serde_json::to_vec(&v).unwrap_or_default()
        };
        let ts = match fault {
            Some(NotifyFault::StaleTimestamp) => now() - 400,
            _ => now(),
        }
        .to_string();
        let sig_nonce = random_hex(16);
        let message = wxpay::sign::response_message(&ts, &sig_nonce, &body);
        let signer = match fault {
            Some(NotifyFault::WrongSigningKey) => PrivateKey::from_pem(OTHER_KEY).ok(),
            _ => None,
        };
        // In certificate mode, notifications are signed with the newest platform certificate.
        let signing = self.signing_for(None);
        let key = signing.as_ref().map_or(&*self.platform_key, |s| &*s.key);
        let mut signature = signer
            .as_ref()
            .unwrap_or(key)
            .sign_base64(&message)
            .unwrap_or_default();
        if fault == Some(NotifyFault::Signtest) {
            signature = format!("WECHATPAY/SIGNTEST/{signature}");
        }
        let mut body = body;
        if fault == Some(NotifyFault::TamperedBody) {
            body = String::from_utf8_lossy(&body)
                .replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESZ")
                .replace("REFUND.SUCCESS", "REFUND.SUCCESZ")
                .into_bytes();
        }
        let serial = if fault == Some(NotifyFault::UnknownSerial) {
            "PUB_KEY_ID_0000000000000000000000000000UNKNOWN".to_owned()
        } else {
            signing.map_or_else(|| self.platform_serial.clone(), |s| s.serial)
        };
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Request-ID".to_owned(), request_id()),
            ("Wechatpay-Timestamp".to_owned(), ts),
            ("Wechatpay-Nonce".to_owned(), sig_nonce),
        ];
        if fault != Some(NotifyFault::MissingSignature) {
            headers.push(("Wechatpay-Signature".to_owned(), signature));
        }
        headers.push(("Wechatpay-Serial".to_owned(), serial));
        headers.push((
            "Wechatpay-Signature-Type".to_owned(),
            "WECHATPAY2-SHA256-RSA2048".to_owned(),
        ));
        Minted { id, headers, body }
    }
}

/// The arguments of the notification control endpoints.
pub(crate) struct Ask {
    event: String,
    resource: Option<Value>,
    fault: Option<NotifyFault>,
}

pub(crate) fn ask(parsed: &Value) -> Result<Ask, String> {
    let event = parsed
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or("payment");
    if !matches!(event, "payment" | "refund" | "security") {
        return Err(format!(
            "unknown event `{event}`; one of payment, refund, security"
        ));
    }
    let fault = match parsed.get("fault").and_then(Value::as_str) {
        None => None,
        Some(name) => Some(NotifyFault::parse(name).ok_or_else(|| {
            let names: Vec<_> = NotifyFault::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown notification fault `{name}`; one of {}",
                names.join(", ")
            )
        })?),
    };
    Ok(Ask {
        event: event.to_owned(),
        resource: parsed.get("resource").filter(|r| r.is_object()).cloned(),
        fault,
    })
}

impl Minted {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "headers": self.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "body": String::from_utf8_lossy(&self.body),
        })
    }
}

/// `POST /_sandbox/notifications`: mint one and hand it back (headers and body).
pub(crate) fn minted(state: &State, parsed: &Value) -> Result<Value, String> {
    let a = ask(parsed)?;
    Ok(state
        .mint(&a.event, a.resource.as_ref(), a.fault, None)
        .to_json())
}

/// `POST /_sandbox/notify`: deliver one to `url` (plain HTTP on loopback), up to `attempts`
/// times (default 3) `interval_ms` apart (default 50) until the merchant answers 2xx. A fault
/// applies to the first delivery only; redeliveries are correct, with the same `id`, as
/// WeChat Pay redelivers. Answers `{id, delivered, deliveries: [{status, body} | {error}]}`.
pub(crate) async fn deliver(state: &State, parsed: &Value) -> Result<Value, String> {
    let a = ask(parsed)?;
    let url = parsed.get("url").and_then(Value::as_str).ok_or("POST /_sandbox/notify wants {\"url\": \"http://127.0.0.1:PORT/path\", \"event\": \"payment\"}")?;
    deliver_to(state, &a, url, parsed).await
}

async fn deliver_to(state: &State, a: &Ask, url: &str, parsed: &Value) -> Result<Value, String> {
    let attempts = parsed
        .get("attempts")
        .and_then(Value::as_u64)
        .unwrap_or(3)
        .clamp(1, 15);
    let interval = Duration::from_millis(
        parsed
            .get("interval_ms")
            .and_then(Value::as_u64)
            .unwrap_or(50)
            .min(10_000),
    );
    let spacing = vec![interval; (attempts - 1) as usize];
    deliver_spaced(state, a, url, &spacing).await
}

/// Deliver a notification of `event` with `resource` to `url`: the first attempt at once, a
/// redelivery (same `id`) after each of `spacing` while the merchant does not answer 2xx.
pub(crate) async fn deliver_with(
    state: &State,
    event: &str,
    resource: Value,
    url: &str,
    spacing: &[Duration],
) -> Result<Value, String> {
    let a = Ask {
        event: event.to_owned(),
        resource: Some(resource),
        fault: None,
    };
    deliver_spaced(state, &a, url, spacing).await
}

/// The first delivery at once (with `a`'s fault), a correct redelivery with the same `id`
/// after each of `spacing` while the merchant does not answer 2xx.
async fn deliver_spaced(
    state: &State,
    a: &Ask,
    url: &str,
    spacing: &[Duration],
) -> Result<Value, String> {
    let (addr, path) = loopback_url(url)?;
    let first = state.mint(&a.event, a.resource.as_ref(), a.fault, None);
    let id = first.id.clone();
    let mut deliveries = Vec::new();
    let mut delivered = false;
    for attempt in 0..=spacing.len() {
        let minted = if attempt == 0 {
            None
        } else {
            tokio::time::sleep(spacing[attempt - 1]).await;
            Some(state.mint(&a.event, a.resource.as_ref(), None, Some(&id)))
        };
        match post(&addr, &path, minted.as_ref().unwrap_or(&first)).await {
            Ok((status, body)) => {
                deliveries.push(json!({"status": status, "body": body}));
                if (200..300).contains(&status) {
                    delivered = true;
                    break;
                }
            }
            Err(e) => deliveries.push(json!({"error": e})),
        }
    }
    Ok(json!({"id": id, "delivered": delivered, "deliveries": deliveries}))
}

/// `http://127.0.0.1:PORT/path` → (address, path). Loopback only: the sandbox never reaches out.
fn loopback_url(url: &str) -> Result<(std::net::SocketAddr, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("`url` must be http://127.0.0.1:PORT/… (plain HTTP on loopback)")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = host.replace("localhost", "127.0.0.1");
    let addr: std::net::SocketAddr = host
        .parse()
        .map_err(|_| format!("`{host}` is not 127.0.0.1:PORT or [::1]:PORT"))?;
    if !addr.ip().is_loopback() {
        return Err("the sandbox delivers notifications to loopback addresses only".into());
    }
    Ok((
        addr,
        if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        },
    ))
}

/// One HTTP/1.1 POST; the answer's status and body (at most 64 KiB read; 10 s at most).
async fn post(
    addr: &std::net::SocketAddr,
    path: &str,
    n: &Minted,
) -> Result<(u16, String), String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: Mozilla/4.0 (wxpay-sandbox)\r\nContent-Length: {}\r\n", n.body.len());
        for (k, v) in &n.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream
            .write_all(head.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        stream.write_all(&n.body).await.map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .take(64 * 1024)
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&answer);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| "the merchant's answer is not HTTP".to_owned())?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        let chunked = text
            .split_once("\r\n\r\n")
            .map(|(h, _)| {
                h.to_ascii_lowercase()
                    .contains("transfer-encoding: chunked")
            })
            .unwrap_or(false);
        Ok((status, if chunked { dechunk(&body) } else { body }))
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| "the merchant did not answer within 10 s".to_owned())?
}

/// The body of a chunked answer.
fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let (Some(chunk), Some(after)) = (rest.get(..n), rest.get(n..)) else {
            break;
        };
        if n == 0 {
            break;
        }
        out.push_str(chunk);
        text = after.trim_start_matches("\r\n");
    }
    out
}

/// `POST /v3/security/echo`, as WeChat Pay serves it: `Wechatpay-Serial` must name the platform
/// key, `encrypted_echo_message` (when given) must decrypt with that key; the answer echoes
/// `echo_message` and re-encrypts the decrypted text for the merchant (with the public key the
/// sandbox knows for `mchid`). With `notify_url` (loopback HTTP in the sandbox), a
/// `SECURITY_ECHO.SUCCESS` notification is delivered there in the background; its outcome is
/// listed by `GET /_sandbox/deliveries`.
pub(crate) fn echo(
    state: &std::sync::Arc<State>,
    mchid: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Answer {
    let bad = |msg: &str| error_answer(400, "PARAM_ERROR", msg, None);
    let serial = headers
        .get("wechatpay-serial")
        .and_then(|v| v.to_str().ok());
    match serial {
        None => return bad("HTTP header缺少微信支付平台证书序列号(Wechatpay-Serial)"),
        Some(s) if s != state.platform_serial => {
            return bad("平台证书序列号Wechatpay-Serial错误 (it names no key of WeChat Pay's)")
        }
        Some(_) => {}
    }
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
        return bad("请求体不是合法的JSON (body is not a JSON object)");
    };
    let Some(message) = b.get("echo_message").and_then(Value::as_str) else {
        return bad("缺少参数echo_message (echo_message is required)");
    };
    let mut answer = json!({"echo_message": message});
    if let Some(ct) = b.get("encrypted_echo_message").and_then(Value::as_str) {
        let Some(plain) = state.platform_key.oaep_decrypt_base64(ct) else {
            return bad(
                "encrypted_echo_message解密失败 (not RSA-OAEP with the key Wechatpay-Serial names)",
            );
        };
        let Some(merchant) = state.merchants.get(mchid) else {
            return bad("unknown mchid");
        };
        answer["encrypted_echo_message"] =
            json!(merchant.key.oaep_encrypt_base64(&plain).unwrap_or_default());
    }
    if let Some(url) = b.get("notify_url").and_then(Value::as_str) {
        if loopback_url(url).is_err() {
            return bad("notify_url: the sandbox delivers to http://127.0.0.1:PORT/… only");
        }
        let resource = json!({"mchid": mchid, "echo_message": message});
        let (state, url) = (state.clone(), url.to_owned());
        tokio::spawn(async move {
            let ask = Ask {
                event: "security".into(),
                resource: Some(resource),
                fault: None,
            };
            let outcome = deliver_to(&state, &ask, &url, &Value::Null)
                .await
                .unwrap_or_else(|e| json!({"error": e}));
            let mut m = state.m.lock().unwrap_or_else(|p| p.into_inner());
            m.deliveries.push(outcome);
        });
    }
    Answer {
        status: 200,
        body: serde_json::to_vec(&answer).unwrap_or_default(),
    }
}
