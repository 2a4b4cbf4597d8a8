//! A verified answer and its accessors.

use std::ffi::{c_char, CString};
use std::ptr;

use serde_json::Value;

use crate::*;

/// A verified 2xx answer. Owned by the caller; free with `wxpay_response_free`. Its accessors
/// return pointers that live as long as the response.
pub struct wxpay_response_t {
    status: u16,
    headers: Vec<(String, CString)>,
    request_id: Option<CString>,
    body: Vec<u8>,
    headers_json: CString,
    result_json: Option<CString>,
}

impl wxpay_response_t {
    pub(crate) fn new(r: wx::Response) -> Self {
        let mut headers = Vec::new();
        let mut map = serde_json::Map::new();
        for (name, value) in r.header_fields() {
            headers.push((name.clone(), cstring(&value)));
            map.insert(name, Value::String(value));
        }
        wxpay_response_t {
            status: r.status(),
            request_id: r.request_id().map(cstring),
            headers_json: cstring(&Value::Object(map).to_string()),
            headers,
            body: r.body().to_vec(),
            result_json: r.result().map(|v| cstring(&v.to_string())),
        }
    }
}

/// HTTP status (2xx). NULL gives 0.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_status(response: *const wxpay_response_t) -> u16 {
    response.as_ref().map_or(0, |r| r.status)
}

/// The value of header `name` (case-insensitive; a header received more than once has its
/// values joined with ", "), or NULL when absent. Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_header(
    response: *const wxpay_response_t,
    name: *const c_char,
) -> *const c_char {
    quiet(ptr::null(), || {
        let (Some(r), Ok(name)) = (response.as_ref(), str_arg(name, "name")) else {
            return ptr::null();
        };
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// All headers as a JSON object of lower-case name → value (a header received more than once
/// has its values joined with ", "). Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_headers_json(
    response: *const wxpay_response_t,
) -> *const c_char {
    response
        .as_ref()
        .map_or(c"{}".as_ptr(), |r| r.headers_json.as_ptr())
}

/// The `Request-ID` header, or NULL. Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_request_id(
    response: *const wxpay_response_t,
) -> *const c_char {
    response
        .as_ref()
        .and_then(|r| r.request_id.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// The body bytes (not NUL-terminated) and their length in `*len`; a 204 gives length 0 and a
/// non-NULL pointer. Lives as long as `response`. `len` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_body(
    response: *const wxpay_response_t,
    len: *mut usize,
) -> *const u8 {
    let body = response.as_ref().map(|r| r.body.as_slice());
    if !len.is_null() {
        *len = body.map_or(0, <[u8]>::len);
    }
    body.map_or(ptr::null(), <[u8]>::as_ptr)
}

/// A typed call's result (`wxpay_call`) as JSON: `status`, `request_id`, the fields its
/// catalogue entry returns (`prepay_id`, `trade_state`, `refund_id`…; null when absent) and
/// `raw`, the whole answer; NULL for a generic request. Lives as long as `response`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_result_json(
    response: *const wxpay_response_t,
) -> *const c_char {
    response
        .as_ref()
        .and_then(|r| r.result_json.as_ref())
        .map_or(ptr::null(), |c| c.as_ptr())
}

/// Free a response. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_response_free(response: *mut wxpay_response_t) {
    if !response.is_null() {
        quiet((), || drop(Box::from_raw(response)));
    }
}
