//! Calls: arguments checked and the request prepared once (`wx::Operation`), then run blocking or
//! started as a future. Every typed call of the catalogue goes through `wxpay_call` /
//! `wxpay_call_start` by name; the typed entries that existed before it (close, echo) are
//! wrappers over the same path.

use std::ffi::c_char;

use serde_json::{Map, Value};
use wx::{Error, RequestOptions};

use crate::*;

unsafe fn request_call<'a>(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let method = str_arg(method, "method")?;
    let template = str_arg(uri_template, "uri_template")?;
    let options = RequestOptions::from_value(&json_arg(options_json, "options_json")?)?;
    // Every argument error surfaces here, before anything is started.
    let op = wx::Operation::request(&*client.client()?, method, template, &options)?;
    Ok((client, op))
}

/// A typed call of the catalogue by `name` with `args` (a JSON object).
fn typed_call<'a>(
    client: &'a wxpay_client_t,
    name: &str,
    args: &Value,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let op = wx::Operation::by_value(&*client.client()?, name, args, None)?;
    Ok((client, op))
}

unsafe fn call_by_name<'a>(
    client: *const wxpay_client_t,
    name: *const c_char,
    args_json: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let name = str_arg(name, "name")?;
    typed_call(client, name, &json_arg(args_json, "args_json")?)
}

/// The close entries' arguments: the options object plus the id under its name.
unsafe fn close_call<'a>(
    client: *const wxpay_client_t,
    id: *const c_char,
    by_out_trade_no: bool,
    options_json: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let (name, key) = if by_out_trade_no {
        ("close_out_trade_no", "out_trade_no")
    } else {
        ("close_transaction", "transaction_id")
    };
    let id = str_arg(id, key)?;
    let mut args = match json_arg(options_json, "options_json")? {
        Value::Null => Map::new(),
        Value::Object(m) => m,
        _ => {
            return Err(Error::new(
                wx::ErrorKind::InvalidArgument,
                "close options must be an object like {\"mchid\": \"…\"}",
            ))
        }
    };
    if args.contains_key(key) {
        return Err(Error::new(
            wx::ErrorKind::InvalidArgument,
            format!("close options hold `{key}`, which is the id argument; give it once"),
        ));
    }
    args.insert(key.to_owned(), Value::from(id));
    typed_call(client, name, &Value::Object(args))
}

/// A blocking call; `*out` on success.
pub(crate) unsafe fn run_sync(
    call: Result<(&wxpay_client_t, wx::Operation), Error>,
    out: *mut *mut wxpay_response_t,
) -> Result<wxpay_status, Error> {
    let (client, op) = call?;
    let (client, events) = Delivery::for_call(client)?;
    // On this thread when no other blocking call is in progress (`wxpay_runtime::blocking`).
    let response = wxpay_runtime::blocking::execute(&RUNTIME, &client, op);
    // The call's events, on this thread, before it returns.
    if let Some(events) = &events {
        events.deliver();
    }
    let response = response?;
    *out = Box::into_raw(Box::new(wxpay_response_t::new(response)));
    Ok(wxpay_status::WXPAY_OK)
}

/// A call started as a future; `*out` on success.
pub(crate) unsafe fn run_start(
    call: Result<(&wxpay_client_t, wx::Operation), Error>,
    out: *mut *mut wxpay_future_t,
) -> Result<wxpay_status, Error> {
    let (client, op) = call?;
    *out = Box::into_raw(Box::new(start(client, op)?));
    Ok(wxpay_status::WXPAY_OK)
}

/// Make a request and wait for it: `method` ("GET", "POST", "PUT", "PATCH", "DELETE"), a URI
/// template (`v3/transactions/id/{transaction_id}/close`, relative to the base URI, or absolute),
/// and options JSON with the PHP SDK's keys (`base_uri`, placeholder values, `json`, `body`,
/// `query`, `headers`; NULL for none). On `WXPAY_OK`, `*out` is the verified response.
/// Safe to call from many threads at once on one client.
#[no_mangle]
pub unsafe extern "C" fn wxpay_request(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(
            request_call(client, method, uri_template, options_json),
            out,
        )
    })
}

/// Start a request without waiting (arguments as `wxpay_request`; their errors are returned
/// here, before anything is sent). On `WXPAY_OK`, `*out` is a future to poll, wait on and take.
#[no_mangle]
pub unsafe extern "C" fn wxpay_request_start(
    client: *const wxpay_client_t,
    method: *const c_char,
    uri_template: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_start(
            request_call(client, method, uri_template, options_json),
            out,
        )
    })
}

/// Close an order by WeChat Pay transaction id and wait. `options_json` (NULL for none):
/// `{"mchid", "sub_mchid", "sp_mchid", "base_uri", "endpoint": "hk" | "global"}`; the body
/// defaults to the client's `mchid`. Succeeds only on 204; `*out` is that response.
#[no_mangle]
pub unsafe extern "C" fn wxpay_close_transaction(
    client: *const wxpay_client_t,
    transaction_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(close_call(client, transaction_id, false, options_json), out)
    })
}

/// As `wxpay_close_transaction`, by the merchant's `out_trade_no`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_close_out_trade_no(
    client: *const wxpay_client_t,
    out_trade_no: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(close_call(client, out_trade_no, true, options_json), out)
    })
}

/// Start `wxpay_close_transaction` without waiting; `*out` is a future.
#[no_mangle]
pub unsafe extern "C" fn wxpay_close_transaction_start(
    client: *const wxpay_client_t,
    transaction_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_start(close_call(client, transaction_id, false, options_json), out)
    })
}

unsafe fn echo_call<'a>(
    client: *const wxpay_client_t,
    message: *const c_char,
    notify_url: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let mut args = serde_json::json!({ "message": str_arg(message, "message")? });
    if let Some(url) = opt_str_arg(notify_url, "notify_url")? {
        args["notify_url"] = Value::from(url);
    }
    typed_call(client, "security_echo", &args)
}

/// The security self-test `POST /v3/security/echo`, and wait: `message` is sent as
/// `echo_message` and, encrypted with WeChat Pay's public key, as `encrypted_echo_message`
/// (`Wechatpay-Serial` set to that key's id); `notify_url` (NULL for none) asks WeChat Pay for a
/// `SECURITY_ECHO.SUCCESS` notification there. `WXPAY_OK` means signing, answer verification
/// and RSA-OAEP both ways work: the answer echoed `message` and its `encrypted_echo_message`
/// decrypted with the merchant key to `message` ("DECODE" otherwise). `*out` is the 200 answer.
#[no_mangle]
pub unsafe extern "C" fn wxpay_security_echo(
    client: *const wxpay_client_t,
    message: *const c_char,
    notify_url: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(echo_call(client, message, notify_url), out)
    })
}

/// Start `wxpay_security_echo` without waiting; `*out` is a future.
#[no_mangle]
pub unsafe extern "C" fn wxpay_security_echo_start(
    client: *const wxpay_client_t,
    message: *const c_char,
    notify_url: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_start(echo_call(client, message, notify_url), out)
    })
}

/// Make a typed call of the catalogue and wait: `name` is the call (`"query_out_trade_no"`,
/// `"create_jsapi"`…; the list is `wxpay_catalogue_json()` and `include/wxpay_calls.h`),
/// `args_json` its arguments as a JSON object (NULL for none), checked before anything is sent
/// (an error names the argument: `wxpay_error_argument`). On `WXPAY_OK`, `*out` is the
/// verified answer; `wxpay_response_result_json` gives the call's typed result.
#[no_mangle]
pub unsafe extern "C" fn wxpay_call(
    client: *const wxpay_client_t,
    name: *const c_char,
    args_json: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_sync(call_by_name(client, name, args_json), out)
    })
}

/// Start `wxpay_call` without waiting (argument errors are returned here, before anything is
/// sent); `*out` is a future.
#[no_mangle]
pub unsafe extern "C" fn wxpay_call_start(
    client: *const wxpay_client_t,
    name: *const c_char,
    args_json: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        run_start(call_by_name(client, name, args_json), out)
    })
}

/// Dry run of a typed call: the exact request `wxpay_call` would send, signed at `timestamp`
/// (0: now) with `nonce` (NULL: random), as JSON (as `wxpay_prepare`). Nothing is sent. `*out`:
/// free with `wxpay_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_call_prepare(
    client: *const wxpay_client_t,
    name: *const c_char,
    args_json: *const c_char,
    timestamp: i64,
    nonce: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let (c, op) = call_by_name(client, name, args_json)?;
        let v = op.dry_run(
            &*c.client()?,
            timestamp_arg(timestamp),
            opt_str_arg(nonce, "nonce")?,
        )?;
        *out = cstring(&v.to_string()).into_raw();
        Ok(wxpay_status::WXPAY_OK)
    })
}

/// The catalogue of typed calls as JSON: `{"version", "calls": [{name, summary, doc, lead,
/// families, default_endpoint, endpoints, args, success, returns}]}`. Static: never free it.
#[no_mangle]
pub extern "C" fn wxpay_catalogue_json() -> *const c_char {
    static TEXT: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
    quiet(std::ptr::null(), || {
        TEXT.get_or_init(|| cstring(wx::calls::catalogue::catalogue_text()))
            .as_ptr()
    })
}
