//! The error object and its accessors.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use wx::Error;

use crate::*;

/// An error: owned by the caller once returned through an `err` out-parameter; free it with
/// `wxpay_error_free`. Its accessors return pointers that live as long as the error.
pub struct wxpay_error_t {
    pub(crate) err: Error,
    message: CString,
    api_code: Option<CString>,
    api_message: Option<CString>,
    request_id: Option<CString>,
    verify_failure: Option<&'static CStr>,
    argument: Option<CString>,
    json: CString,
}

impl wxpay_error_t {
    pub(crate) fn new(err: Error) -> Self {
        let api = err.api();
        wxpay_error_t {
            message: cstring(err.message()),
            api_code: api.map(|a| cstring(&a.code)),
            api_message: api.map(|a| cstring(&a.message)),
            request_id: err.request_id().map(cstring),
            verify_failure: err.verify_failure().map(wx::VerifyFailure::code_cstr),
            argument: err.argument_name().map(cstring),
            json: cstring(&err.to_json().to_string()),
            err,
        }
    }
}

/// Free an error. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_free(err: *mut wxpay_error_t) {
    if !err.is_null() {
        quiet((), || drop(Box::from_raw(err)));
    }
}

/// The error's status (the same value the failed call returned). NULL gives `WXPAY_ERR_INTERNAL`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_status(err: *const wxpay_error_t) -> wxpay_status {
    err.as_ref().map_or(wxpay_status::WXPAY_ERR_INTERNAL, |e| {
        status_of(e.err.kind())
    })
}

/// The stable code string: "CONFIG", "INVALID_ARGUMENT", "TRANSPORT", "TIMEOUT", "API", "VERIFY",
/// "DECODE" or "INTERNAL". Static storage. NULL gives "INTERNAL".
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_code(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .map_or(c"INTERNAL", |e| e.err.kind().code_cstr())
        .as_ptr()
}

/// The message (never contains key material). Lives as long as `err`. NULL gives "".
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_message(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref().map_or(c"".as_ptr(), |e| e.message.as_ptr())
}

/// HTTP status of the answer this error is about, or 0 when none arrived.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_http_status(err: *const wxpay_error_t) -> u16 {
    err.as_ref().and_then(|e| e.err.status()).unwrap_or(0)
}

/// WeChat Pay's error code (e.g. "ORDER_NOT_EXIST") for "API" errors, else NULL. Lives as long
/// as `err`; "" when the answer carried no code.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_api_code(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.api_code.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// WeChat Pay's error message for "API" errors, else NULL. Lives as long as `err`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_api_message(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.api_message.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// The `Request-ID` of the answer this error is about, or NULL. Lives as long as `err`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_request_id(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.request_id.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// For "VERIFY" errors, the reason: "MISSING_HEADERS", "MALFORMED_HEADERS", "TIMESTAMP_SKEW",
/// "UNKNOWN_SERIAL", "BAD_SIGNATURE", "SIGNTEST", "CERTIFICATE_EXPIRED" or "DIGEST_MISMATCH" (a downloaded file) (static storage); else NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_verify_failure(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.verify_failure)
        .map_or(ptr::null(), CStr::as_ptr)
}

/// For "INVALID_ARGUMENT" errors of typed calls (`wxpay_call`), the argument at fault as the
/// catalogue names it ("amount", "out_trade_no"); else NULL. Lives as long as `err`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_argument(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref()
        .and_then(|e| e.argument.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// Whether the request may have reached WeChat Pay (false only when it certainly did not, so a
/// retry cannot duplicate it). NULL gives true.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_may_have_been_sent(err: *const wxpay_error_t) -> bool {
    err.as_ref().is_none_or(|e| e.err.may_have_been_sent())
}

/// For "API" errors, the raw answer body and its length in `*len` (may be empty); else NULL
/// with `*len` = 0. Not NUL-terminated. Lives as long as `err`. `len` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_body(err: *const wxpay_error_t, len: *mut usize) -> *const u8 {
    let body = err
        .as_ref()
        .and_then(|e| e.err.api())
        .map(|a| a.body.as_slice());
    if !len.is_null() {
        *len = body.map_or(0, <[u8]>::len);
    }
    body.map_or(ptr::null(), <[u8]>::as_ptr)
}

/// The whole error as JSON: code, message, may_have_been_sent, and when known status,
/// request_id, verify_failure, argument, api_code, api_message, detail, sign_information, body.
/// Lives as long as `err`. NULL gives "{}".
#[no_mangle]
pub unsafe extern "C" fn wxpay_error_json(err: *const wxpay_error_t) -> *const c_char {
    err.as_ref().map_or(c"{}".as_ptr(), |e| e.json.as_ptr())
}
