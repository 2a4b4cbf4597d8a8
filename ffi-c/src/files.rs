//! Files: uploads (a call like any other: blocking or a future) and downloads (bills,
//! statements, a `download_url`) streamed into a file.

use std::ffi::c_char;

use wx::Error;

use crate::*;

/// The catalogue's `upload`: the file at `path`, or `data`.
unsafe fn upload_call<'a>(
    client: *const wxpay_client_t,
    uri_template: *const c_char,
    options_json: *const c_char,
    path: Option<&str>,
    data: Option<Vec<u8>>,
) -> Result<(&'a wxpay_client_t, wx::Operation), Error> {
    let client = client_arg(client)?;
    let mut args = serde_json::json!({
        "template": str_arg(uri_template, "uri_template")?,
        "options": json_arg(options_json, "options_json")?,
    });
    if let Some(p) = path {
        args["path"] = p.into();
    }
    let op = wx::Operation::by_value(&*client.client()?, "upload", &args, data)?;
    Ok((client, op))
}

/// Upload the file at `path` (multipart: `meta`, then the file) to `uri_template` (e.g.
/// `v3/merchant/media/upload`) and wait. `options_json` (NULL for none): the PHP SDK's options
/// (`base_uri`, placeholder values) plus `meta` (an object: the file's SHA-256 is filled into
/// its `null` fields, or into `sha256`), `filename` and `content_type` (from the name by
/// default). The signature covers the meta as sent. A file over the endpoint's limit, unreadable
/// or a `meta` that is not an object is `WXPAY_ERR_INVALID_ARGUMENT` and nothing is sent. On
/// `WXPAY_OK`, `*out` is the verified answer (`media_id`, ...).
#[no_mangle]
pub unsafe extern "C" fn wxpay_upload(
    client: *const wxpay_client_t,
    uri_template: *const c_char,
    options_json: *const c_char,
    path: *const c_char,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let path = str_arg(path, "path")?;
        run_sync(
            upload_call(client, uri_template, options_json, Some(path), None),
            out,
        )
    })
}

/// `wxpay_upload` of `len` bytes at `data` (copied during the call); `options_json` must give
/// `filename`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_upload_bytes(
    client: *const wxpay_client_t,
    uri_template: *const c_char,
    options_json: *const c_char,
    data: *const u8,
    len: usize,
    out: *mut *mut wxpay_response_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let bytes = bytes_arg(data, len, "data")?.to_vec();
        run_sync(
            upload_call(client, uri_template, options_json, None, Some(bytes)),
            out,
        )
    })
}

/// Start `wxpay_upload` without waiting; `*out` is a future (the file is read now).
#[no_mangle]
pub unsafe extern "C" fn wxpay_upload_start(
    client: *const wxpay_client_t,
    uri_template: *const c_char,
    options_json: *const c_char,
    path: *const c_char,
    out: *mut *mut wxpay_future_t,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out, "out")?;
        let path = str_arg(path, "path")?;
        run_start(
            upload_call(client, uri_template, options_json, Some(path), None),
            out,
        )
    })
}

/// Download into the file at `path` and wait. `spec_json`:
/// - `{"bill": "tradebill"|"fundflowbill", "query": {"bill_date": "YYYY-MM-DD", "tar_type": "GZIP", ...}}`
///   (the signed first answer, then the file; its SHA-1 checked over the decompressed bytes);
/// - `{"statement": "hk"|"global", "query": {"date": "YYYYMMDD", "mchid": "..."}, "gzip": true}`
///   (verified through `Wechatpay-Statement-Sha1`);
/// - `{"url": "<download_url>", "gunzip": bool, "hash_type": "SHA1", "hash_value": "..."}` (only
///   WeChat Pay's hosts or the configured base_uri's get the signature);
///
/// each with an optional `max_bytes` (after decompression). The body is streamed (memory stays
/// flat) into a temporary file next to `path`, renamed to `path` once complete and checked;
/// on any failure nothing is left behind. A digest mismatch is `WXPAY_ERR_VERIFY`
/// (`DIGEST_MISMATCH`). On `WXPAY_OK`, `*out_json` (free with `wxpay_string_free`) is
/// `{"status", "request_id", "bytes", "received", "sha1", "checked"}`.
#[no_mangle]
pub unsafe extern "C" fn wxpay_download(
    client: *const wxpay_client_t,
    spec_json: *const c_char,
    path: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut wxpay_error_t,
) -> wxpay_status {
    guard(err, || {
        out_arg(out_json, "out_json")?;
        let handle = client_arg(client)?;
        let spec = wx::DownloadSpec::from_value(&json_arg(spec_json, "spec_json")?)?;
        let path = std::path::PathBuf::from(str_arg(path, "path")?);
        let (c, events) = Delivery::for_call(handle)?;
        let outcome =
            wxpay_runtime::blocking::run(
                &RUNTIME,
                async move { c.download_spec(&spec, &path).await },
            );
        if let Some(events) = &events {
            events.deliver();
        }
        *out_json = cstring(&outcome?.to_json().to_string()).into_raw();
        Ok(wxpay_status::WXPAY_OK)
    })
}
