//! Calls: arguments checked and the request prepared once (`wx::Operation`), then run blocking or
//! started as a future.

use std::ffi::c_char;

use wx::{CloseOrder, Error, OrderRef, RequestOptions};

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

unsafe fn close_call<'a>(
    client: *const wxpay_client_t,
    id: *const c_char,
    by_out_trade_no: bool,
    options_json: *const c_char,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let order = if by_out_trade_no {
        OrderRef::OutTradeNo(str_arg(id, "out_trade_no")?.to_owned())
    } else {
        OrderRef::TransactionId(str_arg(id, "transaction_id")?.to_owned())
    };
    let order = CloseOrder::from_value(order, &json_arg(options_json, "options_json")?)?;
    let op = wx::Operation::close(&*client.client()?, &order)?;
    Ok((client, op))
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
    let op = wx::Operation::security_echo(
        &*client.client()?,
        str_arg(message, "message")?,
        opt_str_arg(notify_url, "notify_url")?,
    )?;
    Ok((client, op))
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
