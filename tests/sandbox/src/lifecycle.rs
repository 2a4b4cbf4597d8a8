//! The payment day as WeChat Pay plays it, for every family (mainland direct and service
//! provider, HK legacy, Global): create (JSAPI, APP, Native, H5, code pay / micropay), query,
//! close, reverse, refund, query and list refunds; `POST /_sandbox/pay` plays the payer and
//! delivers a signed, encrypted `TRANSACTION.SUCCESS`; refunds settle and send `REFUND.SUCCESS`.
//!
//! The rules are WeChat Pay's as PROTOCOL-PAYMENT-DAY.md lists them with their pages: creating
//! again with the same `out_trade_no` and the same content answers the same (idempotent), other
//! content is `403 OUT_TRADE_NO_USED` (the v3 create page; the APIv2 era answered
//! `INVALID_REQUEST` "201 商户订单号重复"); closing a paid order is `ORDERPAID`; a closed or
//! reversed order cannot be paid or created again (`ORDER_CLOSED`); refunds only on paid
//! orders, their sum at most the paid total; code pay answers `USERPAYING` (HTTP 202 on the
//! mainland) for the test auth codes that ask for it.
//!
//! Orders created here live beside the seeded ones of `POST /_sandbox/orders` (which keep the
//! seed's simpler answers); a path this module does not know falls through to `api.rs`.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::*;

/// An endpoint family, read from the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Fam {
    Cn,
    Partner,
    Hk,
    Global,
}

impl Fam {
    fn overseas(self) -> bool {
        matches!(self, Fam::Hk | Fam::Global)
    }
    fn name(self) -> &'static str {
        match self {
            Fam::Cn => "mainland",
            Fam::Partner => "partner",
            Fam::Hk => "hk",
            Fam::Global => "global",
        }
    }
}

/// One order created through the API.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Order {
    fam: Fam,
    /// The merchant the order belongs to (`mchid`, or `sub_mchid` in service-provider mode).
    owner: String,
    /// The identity fields as sent (`mchid` / `sp_mchid` + `sub_mchid`, the app ids).
    identity: Map<String, Value>,
    out_trade_no: String,
    transaction_id: String,
    prepay_id: String,
    trade_type: String,
    state: String,
    total: u64,
    currency: String,
    notify_url: Option<String>,
    attach: Option<String>,
    openid: Option<String>,
    /// The create body, for idempotency.
    body: Value,
    success_time: Option<String>,
    refunded: u64,
    /// When it was created (Unix seconds): HK and Global refuse to close it for 5 minutes.
    #[serde(default)]
    created: i64,
}

/// One refund.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Refund {
    fam: Fam,
    owner: String,
    out_refund_no: String,
    refund_id: String,
    out_trade_no: String,
    transaction_id: String,
    refund: u64,
    total: u64,
    currency: String,
    status: String,
    create_time: String,
    success_time: Option<String>,
    notify_url: Option<String>,
    body: Value,
}

/// The lifecycle's state (inside [`Mutable`]); with `--state-file`, kept in that file as JSON.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Book {
    /// The file format's version: a file of another one is refused, not misread.
    #[serde(default)]
    format: u32,
    orders: Vec<Order>,
    refunds: Vec<Refund>,
    seq: u64,
}

/// The `--state-file` format written by this version.
const BOOK_FORMAT: u32 = 1;

/// WeChat Pay's notification spacing after a failed delivery (15s/15s/30s/3m/10m/20m/30m/30m/
/// 30m/60m/3h/3h/3h/6h/6h, https://pay.weixin.qq.com/doc/v3/merchant/4012791902 "通知规则").
const RETRY_SPACING_S: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

/// `2026-12-07T10:00:00+08:00` for `unix` (China Standard Time, as WeChat Pay writes times).
pub(crate) fn rfc3339_cst(unix: i64) -> String {
    // "YYYY-MM-DD HH:MM:SS UTC" of the shifted instant.
    let t = wxpay::keys::utc_date(unix + 8 * 3600);
    format!("{}T{}+08:00", &t[..10], &t[11..19])
}

fn answer(status: u16, v: &Value) -> Answer {
    Answer {
        status,
        body: serde_json::to_vec(v).unwrap_or_default(),
    }
}

fn param(message: &str, field: &str) -> Answer {
    error_answer(
        400,
        "PARAM_ERROR",
        message,
        Some(json!({"field": field, "location": "body", "issue": message})),
    )
}

fn number<'a>(b: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut v = b.get(parts.next()?)?;
    for part in parts {
        v = v.get(part)?;
    }
    Some(v)
}

fn text<'a>(b: &'a Map<String, Value>, path: &str) -> Option<&'a str> {
    number(b, path)?.as_str()
}

/// A positive whole amount, as WeChat Pay checks it (integers only).
fn amount(b: &Map<String, Value>, path: &str) -> Result<u64, Answer> {
    match number(b, path) {
        None => Err(param(&format!("缺少参数{path} ({path} is required)"), path)),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(n),
            _ => Err(param(
                &format!("{path}应为正整数 ({path} must be a positive integer in the smallest currency unit, got {v})"),
                path,
            )),
        },
    }
}

/// The merchant identity of a body: (owner, identity fields), checked against the signer.
fn identity(
    fam: Fam,
    signer: &str,
    b: &Map<String, Value>,
    app: bool,
) -> Result<(String, Map<String, Value>), Answer> {
    let mut id = Map::new();
    let keep = |id: &mut Map<String, Value>, k: &str| {
        if let Some(v) = b.get(k) {
            id.insert(k.to_owned(), v.clone());
        }
    };
    let provider = fam == Fam::Partner || (fam.overseas() && b.contains_key("sub_mchid"));
    let owner = if provider {
        let (Some(sp), Some(sub)) = (text(b, "sp_mchid"), text(b, "sub_mchid")) else {
            return Err(param(
                "缺少参数sp_mchid或sub_mchid (service-provider mode needs sp_mchid and sub_mchid)",
                "sub_mchid",
            ));
        };
        if sp != signer {
            return Err(error_answer(403, "NO_AUTH", &format!("服务商商户号{sp}与签名商户号{signer}不匹配 (sp_mchid does not match the signing merchant)"), None));
        }
        if app && text(b, "sp_appid").is_none() {
            return Err(param("缺少参数sp_appid (sp_appid is required)", "sp_appid"));
        }
        for k in ["sp_appid", "sp_mchid", "sub_appid", "sub_mchid"] {
            keep(&mut id, k);
        }
        sub.to_owned()
    } else {
        let Some(m) = text(b, "mchid") else {
            return Err(param("缺少参数mchid (mchid is required)", "mchid"));
        };
        if m != signer {
            return Err(error_answer(403, "NO_AUTH", &format!("商户号{m}与签名商户号{signer}不匹配 (mchid does not match the signing merchant)"), None));
        }
        if app && text(b, "appid").is_none() {
            return Err(param("缺少参数appid (appid is required)", "appid"));
        }
        for k in ["appid", "mchid"] {
            keep(&mut id, k);
        }
        m.to_owned()
    };
    Ok((owner, id))
}

/// The value of `key` in a query string, percent-decoded.
fn query_param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .map(percent_decode)
}

/// The merchant a query names (`?mchid=` or `?sp_mchid=&sub_mchid=`), checked against the
/// signer; `None` when the query names none of them.
fn query_owner(fam: Fam, signer: &str, query: &str) -> Result<String, Answer> {
    let get = |k: &str| query_param(query, k);
    match (get("mchid"), get("sp_mchid"), get("sub_mchid")) {
        (_, Some(sp), Some(sub)) if sp == signer => Ok(sub),
        (Some(m), _, _) if m == signer => Ok(m),
        (None, None, Some(sub)) if fam == Fam::Cn => Ok(sub),
        (None, None, None) if fam == Fam::Cn => Ok(signer.to_owned()),
        (None, None, _) => Err(error_answer(
            400,
            "PARAM_ERROR",
            "缺少参数mchid (query parameter mchid, or sp_mchid and sub_mchid, is required)",
            Some(json!({"field": "mchid", "location": "query", "issue": "missing"})),
        )),
        _ => Err(error_answer(
            403,
            "NO_AUTH",
            "查询的商户号与签名商户号不匹配 (the query's merchant is not the signing merchant)",
            None,
        )),
    }
}

enum By {
    Transaction,
    OutTradeNo,
}

impl Book {
    /// The orders and refunds a previous run saved to `path` (`--state-file`).
    pub(crate) fn load(path: &std::path::Path) -> Result<Book, String> {
        let text =
            std::fs::read(path).map_err(|e| format!("--state-file {}: {e}", path.display()))?;
        let book: Book = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "--state-file {} is not a sandbox state file ({e}): give another path, or delete it to start afresh",
                path.display()
            )
        })?;
        if book.format != BOOK_FORMAT {
            return Err(format!(
                "--state-file {} has format {} (this sandbox writes {BOOK_FORMAT}): delete it to start afresh",
                path.display(),
                book.format
            ));
        }
        Ok(book)
    }

    /// Write the book to `path` atomically (a sibling file, then a rename): a crash mid-write
    /// leaves the previous state, never half of one.
    pub(crate) fn save(&self, path: &std::path::Path) -> Result<(), String> {
        let mut v = serde_json::to_value(self).map_err(|e| e.to_string())?;
        v["format"] = BOOK_FORMAT.into();
        let mut text = serde_json::to_vec_pretty(&v).map_err(|e| e.to_string())?;
        text.push(b'\n');
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, &text)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("cannot save the sandbox state to {}: {e}", path.display()))
    }

    /// Refunds still `PROCESSING` (after a restart they settle again).
    pub(crate) fn processing_refunds(&self) -> Vec<(String, String)> {
        self.refunds
            .iter()
            .filter(|r| r.status == "PROCESSING")
            .map(|r| (r.owner.clone(), r.out_refund_no.clone()))
            .collect()
    }

    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn find(&self, fam: Fam, owner: &str, by: &By, id: &str) -> Option<usize> {
        self.orders.iter().position(|o| {
            same_family(o.fam, fam)
                && o.owner == owner
                && match by {
                    By::OutTradeNo => o.out_trade_no == id,
                    // Unpaid orders have no transaction id yet.
                    By::Transaction => {
                        o.transaction_id == id && (o.success_time.is_some() || o.state == "REVOKED")
                    }
                }
        })
    }
}

/// Direct and service-provider orders are one mainland book (refunds use one path for both).
fn same_family(a: Fam, b: Fam) -> bool {
    a == b || matches!((a, b), (Fam::Cn, Fam::Partner) | (Fam::Partner, Fam::Cn))
}

fn state_desc(state: &str) -> &'static str {
    match state {
        "SUCCESS" => "支付成功",
        "REFUND" => "转入退款",
        "NOTPAY" => "未支付",
        "CLOSED" => "已关闭",
        "REVOKED" => "已撤销（付款码支付）",
        "USERPAYING" => "用户支付中（付款码支付）",
        "PAYERROR" => "支付失败",
        _ => "",
    }
}

/// An order as query and notifications show it, in its family's shape.
fn order_json(o: &Order) -> Value {
    let mut v = o.identity.clone();
    let paid = o.success_time.is_some();
    if o.fam.overseas() {
        if paid || o.state == "REVOKED" {
            v.insert("id".into(), o.transaction_id.clone().into());
        }
    } else if paid {
        v.insert("transaction_id".into(), o.transaction_id.clone().into());
    }
    v.insert("out_trade_no".into(), o.out_trade_no.clone().into());
    v.insert("trade_type".into(), o.trade_type.clone().into());
    v.insert("trade_state".into(), o.state.clone().into());
    v.insert("trade_state_desc".into(), state_desc(&o.state).into());
    if let Some(t) = &o.success_time {
        v.insert("bank_type".into(), "OTHERS".into());
        v.insert("success_time".into(), t.clone().into());
    }
    if let Some(a) = &o.attach {
        v.insert("attach".into(), a.clone().into());
    }
    if let Some(openid) = &o.openid {
        let key = if o.fam == Fam::Partner {
            "sp_openid"
        } else {
            "openid"
        };
        v.insert("payer".into(), json!({ key: openid }));
    }
    let mut amount = json!({"total": o.total, "currency": o.currency});
    if paid {
        amount["payer_total"] = json!(o.total);
        amount["payer_currency"] = json!(o.currency);
    }
    v.insert("amount".into(), amount);
    Value::Object(v)
}

fn refund_json(r: &Refund) -> Value {
    let mut v = Map::new();
    v.insert(
        if r.fam.overseas() { "id" } else { "refund_id" }.into(),
        r.refund_id.clone().into(),
    );
    v.insert("out_refund_no".into(), r.out_refund_no.clone().into());
    v.insert("transaction_id".into(), r.transaction_id.clone().into());
    v.insert("out_trade_no".into(), r.out_trade_no.clone().into());
    v.insert("channel".into(), "ORIGINAL".into());
    v.insert(
        if r.fam.overseas() {
            "recv_account"
        } else {
            "user_received_account"
        }
        .into(),
        "支付用户零钱".into(),
    );
    v.insert("create_time".into(), r.create_time.clone().into());
    if let Some(t) = &r.success_time {
        v.insert("success_time".into(), t.clone().into());
    }
    v.insert("status".into(), r.status.clone().into());
    v.insert(
        "amount".into(),
        json!({"total": r.total, "refund": r.refund, "payer_total": r.total, "payer_refund": r.refund,
               "currency": r.currency, "payer_currency": r.currency}),
    );
    Value::Object(v)
}

/// What a path names, when it is one of the lifecycle's.
enum Api<'a> {
    Create(Fam, &'a str),
    Query(Fam, By, String),
    Close(Fam, By, String),
    Reverse(Fam, By, String),
    RefundCreate(Fam),
    RefundQuery(Fam, By, String),
    RefundList(Fam),
}

fn parse<'a>(method: &Method, segs: &[&'a str]) -> Option<Api<'a>> {
    use Api::*;
    let by = |k: &str| {
        if k == "id" {
            By::Transaction
        } else {
            By::OutTradeNo
        }
    };
    let (fam, rest, refunds): (Fam, &[&str], bool) = match segs {
        ["v3", "pay", "transactions", rest @ ..] => (Fam::Cn, rest, false),
        ["v3", "pay", "partner", "transactions", rest @ ..] => (Fam::Partner, rest, false),
        ["hk", "v3", "transactions", rest @ ..] => (Fam::Hk, rest, false),
        ["v3", "global", "transactions", rest @ ..] => (Fam::Global, rest, false),
        ["v3", "global", "micropay", "transactions", "pay"] => {
            return (method == Method::POST).then_some(Create(Fam::Global, "micropay"))
        }
        ["v3", "global", "micropay", "transactions", k @ ("id" | "out-trade-no"), id, "reverse"] => {
            return (method == Method::POST)
                .then(|| Reverse(Fam::Global, by(k), percent_decode(id)))
        }
        ["v3", "refund", "domestic", "refunds", rest @ ..] => (Fam::Cn, rest, true),
        ["hk", "v3", "refunds", rest @ ..] => (Fam::Hk, rest, true),
        ["v3", "global", "refunds", rest @ ..] => (Fam::Global, rest, true),
        _ => return None,
    };
    if refunds {
        return match (method, rest, fam) {
            (&Method::POST, [], _) => Some(RefundCreate(fam)),
            (&Method::GET, [], Fam::Hk | Fam::Global) => Some(RefundList(fam)),
            (&Method::GET, [no], Fam::Cn) => {
                Some(RefundQuery(fam, By::OutTradeNo, percent_decode(no)))
            }
            (&Method::GET, ["out-refund-no", no], Fam::Hk | Fam::Global) => {
                Some(RefundQuery(fam, By::OutTradeNo, percent_decode(no)))
            }
            (&Method::GET, ["id", id], Fam::Hk | Fam::Global) => {
                Some(RefundQuery(fam, By::Transaction, percent_decode(id)))
            }
            _ => None,
        };
    }
    match (method, rest) {
        (&Method::POST, [kind]) => Some(Create(fam, kind)),
        (&Method::GET, [k @ ("id" | "out-trade-no"), id]) => {
            Some(Query(fam, by(k), percent_decode(id)))
        }
        (&Method::POST, [k @ ("id" | "out-trade-no"), id, "close"]) => {
            Some(Close(fam, by(k), percent_decode(id)))
        }
        (&Method::POST, [k @ ("id" | "out-trade-no"), id, "reverse"]) if fam != Fam::Global => {
            Some(Reverse(fam, by(k), percent_decode(id)))
        }
        _ => None,
    }
}

impl State {
    /// The lifecycle's answer to an API request, or `None` for a path (or a seeded order) it
    /// leaves to `api.rs`.
    pub(crate) fn lifecycle(
        self: &Arc<Self>,
        signer: &str,
        method: &Method,
        target: &str,
        body: &[u8],
    ) -> Option<Answer> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let api = parse(method, &segs)?;
        let parsed = || match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(b)) => Ok(b),
            _ => Err(param(
                "请求体不是合法的JSON (body is not a JSON object)",
                "body",
            )),
        };
        let mut m = self.m.lock().unwrap_or_else(|p| p.into_inner());
        let book = &mut m.book;
        let out = match api {
            Api::Create(fam, kind) => match parsed() {
                Ok(b) => self.create(book, fam, kind, signer, b),
                Err(a) => a,
            },
            Api::Query(fam, by, id) => {
                let owner = match query_owner(fam, signer, query) {
                    Ok(o) => o,
                    Err(a) => return Some(a),
                };
                match book.find(fam, &owner, &by, &id) {
                    Some(i) => answer(200, &order_json(&book.orders[i])),
                    None => return None,
                }
            }
            Api::Close(fam, by, id) => {
                let b = parsed().unwrap_or_default();
                let owner = match identity(fam, signer, &b, false) {
                    Ok((o, _)) => o,
                    Err(_) => return None, // the seed's close checks and answers it
                };
                let i = book.find(fam, &owner, &by, &id)?;
                let o = &mut book.orders[i];
                match o.state.as_str() {
                    "SUCCESS" | "REFUND" => error_answer(
                        400,
                        "ORDERPAID",
                        "订单已支付 (order already paid; refund it instead)",
                        None,
                    ),
                    "REVOKED" => error_answer(
                        400,
                        "ORDER_REVERSED",
                        "订单已撤销 (the order was reversed)",
                        None,
                    ),
                    // HK and Global: "The Close Order API cannot be called immediately after the
                    // order is generated. The minimum call interval is 5 minutes."
                    // (https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/chapter3_4_7.shtml,
                    // …/fusion_wallet/NativePay/chapter8_6.shtml). Played with --min-close-age-s;
                    // the pages name no error code: the sandbox answers their generic one.
                    _ if fam.overseas() && now() - o.created < self.min_close_age_s as i64 => {
                        error_answer(
                            400,
                            "INVALID_REQUEST",
                            &format!(
                                "订单创建{}秒后才能关单 (an order can be closed {} s after it was created at the earliest)",
                                self.min_close_age_s, self.min_close_age_s
                            ),
                            None,
                        )
                    }
                    _ => {
                        o.state = "CLOSED".into();
                        Answer {
                            status: 204,
                            body: Vec::new(),
                        }
                    }
                }
            }
            Api::Reverse(fam, by, id) => match parsed() {
                Ok(b) => self.reverse(book, fam, by, &id, signer, &b),
                Err(a) => a,
            },
            Api::RefundCreate(fam) => match parsed() {
                Ok(b) => self.refund(book, fam, signer, b),
                Err(a) => a,
            },
            Api::RefundQuery(fam, by, id) => {
                let owner = match query_owner(fam, signer, query) {
                    Ok(o) => o,
                    Err(a) => return Some(a),
                };
                match book.refunds.iter().find(|r| {
                    same_family(r.fam, fam)
                        && r.owner == owner
                        && match by {
                            By::OutTradeNo => r.out_refund_no == id,
                            By::Transaction => r.refund_id == id,
                        }
                }) {
                    Some(r) => answer(200, &refund_json(r)),
                    None => error_answer(
                        404,
                        "RESOURCE_NOT_EXISTS",
                        "退款单不存在 (no such refund)",
                        None,
                    ),
                }
            }
            Api::RefundList(fam) => self.refund_list(book, fam, signer, query),
        };
        if method != Method::GET {
            self.save(&m.book);
        }
        Some(out)
    }

    /// Keep the book in `--state-file`, when there is one (after every change).
    pub(crate) fn save(&self, book: &Book) {
        if let Some(path) = &self.state_file {
            if let Err(e) = book.save(path) {
                eprintln!("wxpay-sandbox: {e}");
            }
        }
    }

    fn create(
        self: &Arc<Self>,
        book: &mut Book,
        fam: Fam,
        kind: &str,
        signer: &str,
        b: Map<String, Value>,
    ) -> Answer {
        let (trade_type, shape) = match (fam.overseas(), kind) {
            (_, "jsapi") => ("JSAPI", "prepay"),
            (false, "miniprogram") if fam == Fam::Partner => ("JSAPI", "prepay"),
            (_, "app") => ("APP", "prepay"),
            (_, "native") => ("NATIVE", "code"),
            (false, "h5") => ("MWEB", "h5"),
            (true, "mweb") => ("MWEB", "mweb"),
            (false, "codepay") | (true, "micropay") => ("MICROPAY", "micropay"),
            _ => {
                return error_answer(
                    404,
                    "NOT_FOUND",
                    &format!("sandbox has no {} create API `{kind}`", fam.name()),
                    None,
                )
            }
        };
        let (owner, ids) = match identity(fam, signer, &b, true) {
            Ok(x) => x,
            Err(a) => return a,
        };
        for field in ["description", "out_trade_no"] {
            if text(&b, field).is_none_or(str::is_empty) {
                return param(&format!("缺少参数{field} ({field} is required)"), field);
            }
        }
        let out_trade_no = text(&b, "out_trade_no").unwrap_or_default().to_owned();
        let total = match amount(&b, "amount.total") {
            Ok(n) => n,
            Err(a) => return a,
        };
        let currency = match (fam.overseas(), text(&b, "amount.currency")) {
            (true, None) => {
                return param(
                    "缺少参数amount.currency (the currency is required on HK and Global)",
                    "amount.currency",
                )
            }
            (_, Some(c)) if c.len() != 3 || !c.bytes().all(|x| x.is_ascii_uppercase()) => {
                return param(
                    "amount.currency应为ISO 4217大写货币代码 (an upper-case ISO 4217 code)",
                    "amount.currency",
                )
            }
            (false, Some(c)) if c != "CNY" => {
                return param(
                    "境内商户仅支持人民币 (the mainland takes CNY only)",
                    "amount.currency",
                )
            }
            (_, c) => c.unwrap_or("CNY").to_owned(),
        };
        if fam.overseas() {
            if text(&b, "trade_type") != Some(trade_type) {
                return param(
                    &format!(
                        "trade_type应为{trade_type} (trade_type must be {trade_type} on this path)"
                    ),
                    "trade_type",
                );
            }
            if text(&b, "merchant_category_code").is_none() {
                return param(
                    "缺少参数merchant_category_code (required on HK and Global)",
                    "merchant_category_code",
                );
            }
        }
        let notify_url = text(&b, "notify_url").map(str::to_owned);
        if shape != "micropay" && notify_url.is_none() {
            return param("缺少参数notify_url (notify_url is required)", "notify_url");
        }
        let openid = ["payer.openid", "payer.sp_openid", "payer.sub_openid"]
            .iter()
            .find_map(|p| text(&b, p))
            .map(str::to_owned);
        if trade_type == "JSAPI" && openid.is_none() {
            return param(
                "缺少参数payer.openid (the payer's openid is required)",
                "payer.openid",
            );
        }
        if matches!(shape, "h5" | "mweb") && !b.contains_key("scene_info") {
            return param(
                "缺少参数scene_info (H5 orders need scene_info)",
                "scene_info",
            );
        }
        let auth_code = text(&b, "payer.auth_code").map(str::to_owned);
        if shape == "micropay" && auth_code.is_none() {
            return param(
                "缺少参数payer.auth_code (the payment code is required)",
                "payer.auth_code",
            );
        }
        let body = Value::Object(b.clone());
        if let Some(i) = book.find(fam, &owner, &By::OutTradeNo, &out_trade_no) {
            let o = &book.orders[i];
            if o.body != body {
                return error_answer(403, "OUT_TRADE_NO_USED", "商户订单号重复 (this out_trade_no was created with other content; use a new number)", None);
            }
            return match o.state.as_str() {
                "CLOSED" | "REVOKED" => error_answer(
                    400,
                    "ORDER_CLOSED",
                    "订单已关闭 (the order is closed; create a new one)",
                    None,
                ),
                "SUCCESS" | "REFUND" if shape != "micropay" => error_answer(
                    400,
                    "ORDERPAID",
                    "订单已支付 (the order is already paid)",
                    None,
                ),
                _ => create_answer(o, shape),
            };
        }
        let n = book.next();
        let ts = now();
        let transaction_id = format!("42000{n:05}{}", rfc3339_cst(ts)[..10].replace('-', ""))
            + &format!("{:08}", ts.rem_euclid(100_000_000));
        let mut order = Order {
            fam,
            owner,
            identity: ids,
            out_trade_no,
            transaction_id,
            prepay_id: format!("wx{}{}", ts, random_hex(12).to_ascii_lowercase()),
            trade_type: trade_type.into(),
            state: "NOTPAY".into(),
            total,
            currency,
            notify_url,
            attach: text(&b, "attach").map(str::to_owned),
            openid,
            body,
            success_time: None,
            refunded: 0,
            created: now(),
        };
        if shape == "micropay" {
            // Test auth codes: 1300… the payer's balance is not enough; 1301… the payer is
            // entering the password (USERPAYING until `POST /_sandbox/pay` settles it);
            // anything else is paid at once.
            let code = auth_code.unwrap_or_default();
            if code.starts_with("1300") {
                return error_answer(
                    403,
                    "NOTENOUGH",
                    "用户余额不足 (sandbox: auth codes 1300… have no balance)",
                    None,
                );
            }
            if code.starts_with("1301") {
                order.state = "USERPAYING".into();
            } else {
                order.state = "SUCCESS".into();
                order.success_time = Some(rfc3339_cst(ts));
            }
        }
        let out = create_answer(&order, shape);
        book.orders.push(order);
        out
    }

    fn reverse(
        self: &Arc<Self>,
        book: &mut Book,
        fam: Fam,
        by: By,
        id: &str,
        signer: &str,
        b: &Map<String, Value>,
    ) -> Answer {
        let (owner, ids) = match identity(fam, signer, b, fam == Fam::Cn) {
            Ok(x) => x,
            Err(a) => return a,
        };
        let Some(i) = book.find(fam, &owner, &by, id) else {
            return error_answer(
                404,
                "ORDER_NOT_EXIST",
                "订单不存在 (order does not exist)",
                None,
            );
        };
        let o = &mut book.orders[i];
        if o.trade_type != "MICROPAY" {
            return error_answer(
                400,
                "INVALID_REQUEST",
                "仅付款码支付订单可撤销 (only code pay orders can be reversed; close this one)",
                None,
            );
        }
        match o.state.as_str() {
            "REFUND" => {
                return error_answer(
                    400,
                    "INVALID_REQUEST",
                    "订单已退款，不可撤销 (a refunded order cannot be reversed)",
                    None,
                )
            }
            "CLOSED" => {
                return error_answer(
                    400,
                    "ORDER_CLOSED",
                    "订单已关闭 (the order is closed)",
                    None,
                )
            }
            _ => o.state = "REVOKED".into(),
        }
        if fam.overseas() {
            Answer {
                status: 204,
                body: Vec::new(),
            }
        } else {
            let mut v = ids;
            v.insert("out_trade_no".into(), o.out_trade_no.clone().into());
            answer(200, &Value::Object(v))
        }
    }

    fn refund(
        self: &Arc<Self>,
        book: &mut Book,
        fam: Fam,
        signer: &str,
        b: Map<String, Value>,
    ) -> Answer {
        let owner = if fam.overseas() {
            match identity(fam, signer, &b, false) {
                Ok((o, _)) => o,
                Err(a) => return a,
            }
        } else {
            text(&b, "sub_mchid").unwrap_or(signer).to_owned()
        };
        let Some(out_refund_no) = text(&b, "out_refund_no").map(str::to_owned) else {
            return param(
                "缺少参数out_refund_no (out_refund_no is required)",
                "out_refund_no",
            );
        };
        let (refund, total) = match (amount(&b, "amount.refund"), amount(&b, "amount.total")) {
            (Ok(r), Ok(t)) => (r, t),
            (Err(a), _) | (_, Err(a)) => return a,
        };
        let currency = text(&b, "amount.currency");
        if currency.is_none() {
            return param(
                "缺少参数amount.currency (the refund's currency is required)",
                "amount.currency",
            );
        }
        let body = Value::Object(b.clone());
        if let Some(r) = book
            .refunds
            .iter()
            .find(|r| r.owner == owner && r.out_refund_no == out_refund_no)
        {
            // One refund per number: the same request answers the same refund.
            return if r.body == body {
                answer(200, &refund_json(r))
            } else {
                error_answer(
                    400,
                    "INVALID_REQUEST",
                    "退款单号重复 (this out_refund_no was used for another refund)",
                    None,
                )
            };
        }
        let found = match (text(&b, "transaction_id"), text(&b, "out_trade_no")) {
            // The lookup every call by transaction id uses: a reversed order is found (and
            // refused below as not paid), as it is by out_trade_no.
            (Some(t), _) => book.find(fam, &owner, &By::Transaction, t),
            (None, Some(n)) => book.find(fam, &owner, &By::OutTradeNo, n),
            (None, None) => {
                return param(
                    "缺少参数transaction_id或out_trade_no (give one of them)",
                    "transaction_id",
                )
            }
        };
        let Some(i) = found else {
            return error_answer(
                404,
                "RESOURCE_NOT_EXISTS",
                "订单不存在 (no such order)",
                None,
            );
        };
        let o = &mut book.orders[i];
        if !matches!(o.state.as_str(), "SUCCESS" | "REFUND") {
            return error_answer(
                400,
                "INVALID_REQUEST",
                &format!(
                    "订单状态为{}，不可退款 (only paid orders can be refunded)",
                    o.state
                ),
                None,
            );
        }
        if total != o.total {
            return error_answer(
                400,
                "INVALID_REQUEST",
                &format!(
                    "订单金额不符 (amount.total {total} is not the order's total {})",
                    o.total
                ),
                None,
            );
        }
        if currency != Some(o.currency.as_str()) {
            return param(
                &format!(
                    "退款币种与订单不符 (the order's currency is {})",
                    o.currency
                ),
                "amount.currency",
            );
        }
        let left = o.total.saturating_sub(o.refunded);
        if refund > left {
            return error_answer(400, "INVALID_REQUEST", &format!("申请退款金额超过订单可退金额 (refund {refund} is more than the {left} left to refund)"), None);
        }
        o.refunded = o.refunded.saturating_add(refund);
        o.state = "REFUND".into();
        let (out_trade_no, transaction_id, order_currency) = (
            o.out_trade_no.clone(),
            o.transaction_id.clone(),
            o.currency.clone(),
        );
        let n = book.next();
        let r = Refund {
            fam,
            owner,
            out_refund_no,
            refund_id: format!("50300{n:05}{:010}", now().rem_euclid(10_000_000_000)),
            out_trade_no,
            transaction_id,
            refund,
            total,
            currency: order_currency,
            status: "PROCESSING".into(),
            create_time: rfc3339_cst(now()),
            success_time: None,
            notify_url: text(&b, "notify_url").map(str::to_owned),
            body,
        };
        let mut shown = refund_json(&r);
        if fam.overseas() {
            // HK and Global answer a refund without its status: query it.
            if let Value::Object(m) = &mut shown {
                m.remove("status");
            }
        }
        self.settle_later(r.owner.clone(), r.out_refund_no.clone());
        book.refunds.push(r);
        answer(200, &shown)
    }

    fn refund_list(&self, book: &Book, fam: Fam, signer: &str, query: &str) -> Answer {
        let owner = match query_owner(fam, signer, query) {
            Ok(o) => o,
            Err(a) => return a,
        };
        let get = |k: &str| query_param(query, k);
        let (tx, out) = (get("transaction_id"), get("out_trade_no"));
        if tx.is_none() && out.is_none() {
            return error_answer(
                400,
                "PARAM_ERROR",
                "缺少参数transaction_id或out_trade_no (give one of them)",
                None,
            );
        }
        let offset = get("offset")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let count = get("count")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(10)
            .min(20);
        let all: Vec<&Refund> = book
            .refunds
            .iter()
            .filter(|r| {
                same_family(r.fam, fam)
                    && r.owner == owner
                    && (tx.as_deref() == Some(r.transaction_id.as_str())
                        || out.as_deref() == Some(r.out_trade_no.as_str()))
            })
            .collect();
        let page: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(count)
            .map(|r| refund_json(r))
            .collect();
        answer(
            200,
            &json!({"total_num": all.len(), "current_total_num": page.len(), "offset": offset, "count": count, "data": page}),
        )
    }

    /// A refund settles `refund_settle_ms` after it was accepted (SUCCESS, and a `REFUND.SUCCESS`
    /// to its `notify_url`).
    pub(crate) fn settle_later(self: &Arc<Self>, owner: String, out_refund_no: String) {
        let state = self.clone();
        let delay = Duration::from_millis(self.refund_settle_ms);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let notice = {
                let mut m = state.m.lock().unwrap_or_else(|p| p.into_inner());
                let Some(r) = m.book.refunds.iter_mut().find(|r| {
                    r.owner == owner && r.out_refund_no == out_refund_no && r.status == "PROCESSING"
                }) else {
                    return;
                };
                r.status = "SUCCESS".into();
                r.success_time = Some(rfc3339_cst(now()));
                let r = r.clone();
                state.save(&m.book);
                let resource = json!({
                    "mchid": r.owner, "out_trade_no": r.out_trade_no, "transaction_id": r.transaction_id,
                    "out_refund_no": r.out_refund_no, "refund_id": r.refund_id, "refund_status": "SUCCESS",
                    "success_time": r.success_time, "user_received_account": "支付用户零钱",
                    "amount": {"total": r.total, "refund": r.refund, "payer_total": r.total, "payer_refund": r.refund, "currency": r.currency},
                });
                r.notify_url.clone().map(|u| (u, resource))
            };
            if let Some((url, resource)) = notice {
                state.notify("refund", &url, resource, &out_refund_no).await;
            }
        });
    }

    /// Deliver a notification of `event` to `url` with WeChat Pay's retry spacing (divided by
    /// 1000 with `fast_notifications`), and record the outcome under `/_sandbox/deliveries`.
    pub(crate) async fn notify(
        self: &Arc<Self>,
        event: &str,
        url: &str,
        resource: Value,
        about: &str,
    ) {
        let spacing: Vec<Duration> = RETRY_SPACING_S
            .iter()
            .map(|s| {
                if self.fast_notifications {
                    Duration::from_millis(*s)
                } else {
                    Duration::from_secs(*s)
                }
            })
            .collect();
        let outcome = crate::notify::deliver_with(self, event, resource, url, &spacing)
            .await
            .unwrap_or_else(|e| json!({"delivered": false, "error": e}));
        let mut outcome = outcome;
        outcome["event"] = json!(event);
        outcome["about"] = json!(about);
        outcome["url"] = json!(url);
        let mut m = self.m.lock().unwrap_or_else(|p| p.into_inner());
        m.deliveries.push(outcome);
    }

    /// `POST /_sandbox/pay {out_trade_no | prepay_id, mchid?, fail?}`: the payer pays (or, with
    /// `fail`, a code pay in USERPAYING fails). A paid order gets its transaction id and
    /// success time and a `TRANSACTION.SUCCESS` to its `notify_url`.
    pub(crate) fn pay(self: &Arc<Self>, parsed: &Value) -> Result<Value, String> {
        let out_trade_no = parsed.get("out_trade_no").and_then(Value::as_str);
        let prepay_id = parsed.get("prepay_id").and_then(Value::as_str);
        let mchid = parsed.get("mchid").and_then(Value::as_str);
        if out_trade_no.is_none() && prepay_id.is_none() {
            return Err("POST /_sandbox/pay wants {\"out_trade_no\": \"…\"} or {\"prepay_id\": \"…\"} (and \"mchid\" when several merchants used the number)".into());
        }
        let fail = parsed.get("fail").and_then(Value::as_bool).unwrap_or(false);
        let mut m = self.m.lock().unwrap_or_else(|p| p.into_inner());
        let matches: Vec<usize> = m
            .book
            .orders
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                out_trade_no.is_none_or(|n| o.out_trade_no == n)
                    && prepay_id.is_none_or(|p| o.prepay_id == p)
                    && mchid.is_none_or(|id| o.owner == id)
            })
            .map(|(i, _)| i)
            .collect();
        let i = match matches.as_slice() {
            [i] => *i,
            [] => {
                return Err(format!(
                    "no order created with {}",
                    out_trade_no.map_or_else(
                        || format!("prepay_id {}", prepay_id.unwrap_or_default()),
                        |n| format!("out_trade_no {n}")
                    )
                ))
            }
            _ => return Err("several merchants created this out_trade_no: give \"mchid\"".into()),
        };
        let o = &mut m.book.orders[i];
        match o.state.as_str() {
            "NOTPAY" | "USERPAYING" => {}
            s => {
                return Err(format!(
                    "the order is {s}: only a NOTPAY (or USERPAYING) order can be paid"
                ))
            }
        }
        if fail {
            o.state = "PAYERROR".into();
            let shown = order_json(o);
            self.save(&m.book);
            return Ok(shown);
        }
        o.state = "SUCCESS".into();
        o.success_time = Some(rfc3339_cst(now()));
        let shown = order_json(o);
        let notice = o.notify_url.clone();
        let about = o.out_trade_no.clone();
        self.save(&m.book);
        drop(m);
        let mut answer = shown.clone();
        if let Some(url) = notice {
            let state = self.clone();
            let url2 = url.clone();
            tokio::spawn(async move { state.notify("payment", &url2, shown, &about).await });
            answer["notification"] = json!({"url": url});
        }
        Ok(answer)
    }
}

fn create_answer(o: &Order, shape: &str) -> Answer {
    match shape {
        "prepay" => answer(200, &json!({"prepay_id": o.prepay_id})),
        "code" => answer(
            200,
            &json!({"code_url": format!("weixin://wxpay/bizpayurl?pr={}", o.prepay_id)}),
        ),
        "h5" => answer(
            200,
            &json!({"h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={}&package=2150917749", o.prepay_id)}),
        ),
        "mweb" => answer(
            200,
            &json!({"mweb_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={}&package=2150917749", o.prepay_id)}),
        ),
        _ => {
            // Code pay answers the order; USERPAYING is 202 on the mainland.
            let status = if o.state == "USERPAYING" && !o.fam.overseas() {
                202
            } else {
                200
            };
            answer(status, &order_json(o))
        }
    }
}
