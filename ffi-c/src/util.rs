//! Signing, verification, dry runs and chain normalisation without a network.

use std::ffi::c_char;

use serde_json::Value;
use wx::sign::SignatureHeaders;
use wx::{Error, ErrorKind, RequestOptions};

use crate::*;

unsafe fn give_string(out: *mut *mut c_char, s: &str) -> wxpay_status {
    *out = cstring(s).into_raw();
    wxpay_status::WXPAY_OK
}

/// A time argument of the C ABI: 0 means "now" (the client's clock).
pub(crate) fn timestamp_arg(t: i64) -> Option<i64> {
    (t != 0).then_some(t)
}

/// Signing utility: the `Authorization` header value for `method` on the absolute `url` (the
/// canonical URL signed is its path and query, as sent) with `body` (`body_len` bytes; NULL with
/// 0 for none). `timestamp` 0 means now; `nonce` NULL means a fresh random one. On `WXPAY_OK`,
/// `*out` is a string to free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_sign(
    client: *const wxpay_client_t,
    method: *const c_char,
    url: *const c_char,
    body: *const u8,
    body_len: usize,
    timestamp: i64,
    nonce: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        let auth = c.sign(
            str_arg(method, "method")?,
            str_arg(url, "url")?,
            bytes_arg(body, body_len, "body")?,
            timestamp_arg(timestamp),
            opt_str_arg(nonce, "nonce")?,
        )?;
        Ok(give_string(out, &auth))
    })
}

/// Payment parameters for the front end, signed with the merchant key; no network. `kind` is
/// `"jsapi"` (official accounts and mini programs; also `"miniprogram"`) or `"app"`;
/// `args_json` an object `{"appid": …, "prepay_id": …}` plus, optionally, `"partnerid"` (APP:
/// default the client's mchid), `"timestamp"` (seconds) and `"nonce"` (only for tests: they
/// default to now and a fresh random nonce). On `WXPAY_OK`, `*out` is the JSON object the page
/// or the app takes (`appId, timeStamp, nonceStr, package, signType, paySign` for JSAPI;
/// `appid, partnerid, prepayid, package, noncestr, timestamp, sign` for APP), a string to free
/// with `wxpay_string_free`. A bad argument is `WXPAY_ERR_INVALID_ARGUMENT`, named by
/// `wxpay_error_argument`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_pay_params(
    client: *const wxpay_client_t,
    kind: *const c_char,
    args_json: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        let json = c.pay_params_json(str_arg(kind, "kind")?, str_arg(args_json, "args_json")?)?;
        Ok(give_string(out, &json))
    })
}

/// Verification utility: check a WeChat Pay signature (an answer's or a callback's) against the
/// client's `certs`. Header values may be NULL when absent (that is a "VERIFY" error, reason
/// "MISSING_HEADERS"). `now` 0 means the current time. Returns `WXPAY_OK` or an error.
#[no_mangle]
pub unsafe extern "C" fn wxpay_verify(
    client: *const wxpay_client_t,
    wechatpay_timestamp: *const c_char,
    wechatpay_nonce: *const c_char,
    wechatpay_signature: *const c_char,
    wechatpay_serial: *const c_char,
    body: *const u8,
    body_len: usize,
    now: i64,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        let c = client_arg(client)?.client()?;
        let headers = SignatureHeaders {
            timestamp: opt_str_arg(wechatpay_timestamp, "wechatpay_timestamp")?,
            nonce: opt_str_arg(wechatpay_nonce, "wechatpay_nonce")?,
            signature: opt_str_arg(wechatpay_signature, "wechatpay_signature")?,
            serial: opt_str_arg(wechatpay_serial, "wechatpay_serial")?,
        };
        c.verify(
            headers,
            bytes_arg(body, body_len, "body")?,
            timestamp_arg(now),
        )?;
        Ok(wxpay_status::WXPAY_OK)
    })
}

/// Dry run: the exact request `wxpay_request` would send, signed at `timestamp` (0: now) with
/// `nonce` (NULL: random), as JSON (`method`, `url`, `canonical_url`, `headers`, `body`,
/// `timestamp`, `nonce`, `authorization`). Nothing is sent. `*out`: free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_prepare(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
    timestamp: i64,
    nonce: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        let options = RequestOptions::from_value(&json_arg(options_json, "options_json")?)?;
        let v = c.prepare_json(
            str_arg(method, "method")?,
            str_arg(uri_template, "uri_template")?,
            &options,
            timestamp_arg(timestamp),
            opt_str_arg(nonce, "nonce")?,
        )?;
        Ok(give_string(out, &v.to_string()))
    })
}

/// The PHP SDK's chain normalisation: a JSON array of segments (`["v3", "transactions", "id",
/// "_transaction_id_", "close"]`) to a URI template (`v3/transactions/id/{transaction_id}/close`).
/// `*out`: free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_chain_template(
    segments_json: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let v = json_arg(segments_json, "segments_json")?;
        let segments: Vec<&str> = v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "argument `segments_json` must be a JSON array of strings",
                )
            })?;
        // A control character cannot be part of an API path, and a NUL would cut the template
        // short in the caller's C string: refuse it here, naming the segment.
        if let Some(i) = segments
            .iter()
            .position(|s| s.chars().any(char::is_control))
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("chain segment {i} contains a control character (a NUL byte?); segments are printable text"),
            ));
        }
        Ok(give_string(out, &wx::uri::chain_template(&segments)))
    })
}

/// The keys the client verifies with and the state of certificate downloads, as JSON: `keys`
/// (each `id`, `kind` "certificate" or "public_key", `not_before`, `not_after` in Unix seconds
/// or null, `source` "configured" or "downloaded"), `auto_certificates`, `last_download` (`at`,
/// `attempted_at`, `public_key_only`, `error`: why the last download failed, or null).
/// `*out`: free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_certificates(
    client: *const wxpay_client_t,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        Ok(give_string(out, &c.certificates_json().to_string()))
    })
}
