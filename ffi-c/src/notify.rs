//! Notifications (callbacks) and sensitive fields.

use std::ffi::{c_char, CString};
use std::ptr;

use wx::{Error, ErrorKind};

use crate::*;

/// A verified, decrypted notification. Owned by the caller; free with
/// `wxpay_notification_free`. Its accessors return pointers that live as long as it does.
pub struct wxpay_notification_t {
    id: CString,
    event_type: CString,
    resource_json: CString,
    json: CString,
}

/// Verify and decrypt a notification WeChat Pay sent to the merchant's `notify_url`.
///
/// `header_names[i]` / `header_values[i]` (`header_count` pairs, names in any case) are the
/// received headers — pass them all; `body` (`body_len` bytes) is the **raw body as received**,
/// never re-serialised JSON. `now` 0 means the current time. The client needs `apiv3_key`.
///
/// The signature is checked exactly as answers are ("VERIFY"; a `WECHATPAY/SIGNTEST/` probe is
/// reason "SIGNTEST"), then `resource` is decrypted ("DECODE" for anything that is not what
/// the protocol says; a GCM tag mismatch means a wrong APIv3 key or tampering). On `WXPAY_OK`
/// `*out` is the notification. Answer WeChat Pay with `wxpay_notification_answer`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wxpay_notification_parse(
    client: *const wxpay_client_t,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    now: i64,
    out: *mut *mut wxpay_notification_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        if header_count > 0 && (header_names.is_null() || header_values.is_null()) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("argument `header_names` or `header_values` is NULL but `header_count` is {header_count}"),
            ));
        }
        let mut headers = Vec::with_capacity(header_count.min(256));
        for i in 0..header_count {
            headers.push((
                str_arg(*header_names.add(i), &format!("header_names[{i}]"))?,
                str_arg(*header_values.add(i), &format!("header_values[{i}]"))?,
            ));
        }
        parse_into(
            &c,
            headers.iter().map(|(k, v)| (*k, *v)),
            body,
            body_len,
            now,
            out,
        )
    })
}

/// The part both entry points share: parse, then hand the notification out.
unsafe fn parse_into<'a>(
    c: &wx::Client,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    body: *const u8,
    body_len: usize,
    now: i64,
    out: *mut *mut wxpay_notification_t,
) -> Result<wxpay_status, Error> {
    let n = c.parse_notification(
        headers,
        bytes_arg(body, body_len, "body")?,
        timestamp_arg(now),
    )?;
    *out = Box::into_raw(Box::new(wxpay_notification_t::new(&n)));
    Ok(wxpay_status::WXPAY_OK)
}

/// `wxpay_notification_parse` with the headers as JSON text: an object of name → value (or
/// list of values), or a list of `[name, value]` pairs — the shape a web framework or a
/// language binding already has (PHP's PSR-7 `getHeaders()`, Node's `req.headers`).
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_parse_json(
    client: *const wxpay_client_t,
    headers_json: *const c_char,
    body: *const u8,
    body_len: usize,
    now: i64,
    out: *mut *mut wxpay_notification_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let c = client_arg(client)?.client()?;
        let headers = wx::notify::headers_from_json(&json_arg(headers_json, "headers_json")?)?;
        parse_into(
            &c,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
            body_len,
            now,
            out,
        )
    })
}

impl wxpay_notification_t {
    fn new(n: &wx::Notification) -> Self {
        wxpay_notification_t {
            id: cstring(&n.id),
            event_type: cstring(&n.event_type),
            resource_json: cstring(&n.resource.to_string()),
            json: cstring(&n.to_json().to_string()),
        }
    }
}

/// The notification's `id` (the same on every redelivery: deduplicate on it). NULL gives NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_id(n: *const wxpay_notification_t) -> *const c_char {
    n.as_ref().map_or(ptr::null(), |n| n.id.as_ptr())
}

/// `event_type`: "TRANSACTION.SUCCESS", "REFUND.SUCCESS", … NULL gives NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_event_type(
    n: *const wxpay_notification_t,
) -> *const c_char {
    n.as_ref().map_or(ptr::null(), |n| n.event_type.as_ptr())
}

/// The decrypted `resource` as JSON text. NULL gives NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_resource_json(
    n: *const wxpay_notification_t,
) -> *const c_char {
    n.as_ref().map_or(ptr::null(), |n| n.resource_json.as_ptr())
}

/// The whole notification as JSON: `id`, `create_time`, `event_type`, `resource_type`,
/// `summary`, `original_type`, `resource` (decrypted). NULL gives NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_json(n: *const wxpay_notification_t) -> *const c_char {
    n.as_ref().map_or(ptr::null(), |n| n.json.as_ptr())
}

/// Free a notification. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_free(n: *mut wxpay_notification_t) {
    if !n.is_null() {
        quiet((), || drop(Box::from_raw(n)));
    }
}

/// What to answer WeChat Pay. `error_code` NULL (the notification was taken): 204 and an
/// empty body. Otherwise the code of the error `wxpay_notification_parse` gave
/// (`wxpay_error_code(err)`): 401 for "VERIFY" (probes included: never process a probe;
/// WeChat Pay sends it again correctly signed), 400 for "DECODE" and "INVALID_ARGUMENT", 500
/// for anything else, with body `{"code":"FAIL","message":…}` to send as
/// `Content-Type: application/json`. Returns the HTTP status; when `body` is not NULL, `*body`
/// is the body to send, freed with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_notification_answer(
    error_code: *const c_char,
    body: *mut *mut c_char,
) -> u16 {
    quiet(500, || {
        let code = if error_code.is_null() {
            None
        } else {
            Some(
                std::ffi::CStr::from_ptr(error_code)
                    .to_str()
                    .unwrap_or("INTERNAL"),
            )
        };
        let answer = wx::Answer::for_code(code);
        if !body.is_null() {
            *body = cstring(&answer.body).into_raw();
        }
        answer.status
    })
}

/// Encrypt a sensitive field (a name, an ID number…) for WeChat Pay with its public key
/// (RSA-OAEP, SHA-1, base64). On `WXPAY_OK`, `*ciphertext` is the value to put in the request
/// and `*serial` the key id the request must carry as `Wechatpay-Serial` (both freed with
/// `wxpay_string_free`). Over 214 bytes is "INVALID_ARGUMENT". To encrypt fields of a request
/// body and set the header in one step, use the request option `"encrypt": ["/json/pointer"]`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_encrypt_field(
    client: *const wxpay_client_t,
    plaintext: *const c_char,
    ciphertext: *mut *mut c_char,
    serial: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(ciphertext, "ciphertext")?;
        out_arg(serial, "serial")?;
        let c = client_arg(client)?.client()?;
        let f = c.encrypt_field(str_arg(plaintext, "plaintext")?)?;
        *ciphertext = cstring(&f.ciphertext).into_raw();
        *serial = cstring(&f.serial).into_raw();
        Ok(wxpay_status::WXPAY_OK)
    })
}

/// Decrypt a field WeChat Pay encrypted for the merchant (RSA-OAEP with the merchant key). On
/// `WXPAY_OK`, `*plaintext` is the text, freed with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_decrypt_field(
    client: *const wxpay_client_t,
    ciphertext: *const c_char,
    plaintext: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(plaintext, "plaintext")?;
        let c = client_arg(client)?.client()?;
        let text = c.decrypt_field(str_arg(ciphertext, "ciphertext")?)?;
        *plaintext = cstring(&text).into_raw();
        Ok(wxpay_status::WXPAY_OK)
    })
}
