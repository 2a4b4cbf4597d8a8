//! The boundary every entry point goes through: panics and `Err`s become a status and `*err`;
//! pointer arguments are checked.

use std::ffi::{c_char, CStr};

use serde_json::Value;
use wx::{Error, ErrorKind};

use crate::*;

pub(crate) fn internal(what: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("wxpay bug: {what} (caught at the C boundary; please report it)"),
    )
}

/// Store `e` in `*err` (if `err` is not NULL) and return its status.
pub(crate) unsafe fn fail(err: *mut *mut wxpay_error_t, e: Error) -> wxpay_status {
    let status = status_of(e.kind());
    if !err.is_null() {
        *err = Box::into_raw(Box::new(wxpay_error_t::new(e)));
    }
    status
}

/// Run `f`, turning an `Err` or a panic into an error status and `*err` (the panic's message
/// goes into the error, not onto the host program's stderr: `wx::boundary`).
pub(crate) unsafe fn guard(
    err: *mut *mut wxpay_error_t,
    f: impl FnOnce() -> Result<wxpay_status, Error>,
) -> wxpay_status {
    match wx::boundary::catch(f) {
        Ok(status) => status,
        Err(e) => fail(err, e),
    }
}

/// Accessors: a panic (impossible by construction) yields `fallback` instead of unwinding.
pub(crate) fn quiet<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    wx::boundary::catch(|| Ok(f())).unwrap_or(fallback)
}

pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("argument `{name}` is NULL"),
        ));
    }
    CStr::from_ptr(p).to_str().map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "argument `{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

pub(crate) unsafe fn opt_str_arg<'a>(
    p: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, name).map(Some)
    }
}

pub(crate) unsafe fn json_arg(p: *const c_char, name: &str) -> Result<Value, Error> {
    match opt_str_arg(p, name)? {
        None => Ok(Value::Null),
        Some(s) if s.trim().is_empty() => Ok(Value::Null),
        Some(s) => serde_json::from_str(s).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("argument `{name}` is not valid JSON: {e}"),
            )
        }),
    }
}

pub(crate) unsafe fn bytes_arg<'a>(
    p: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Error> {
    match (p.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("argument `{name}` is NULL but its length is {len}"),
        )),
        (false, _) => Ok(std::slice::from_raw_parts(p, len)),
    }
}

pub(crate) unsafe fn out_arg<T>(p: *mut *mut T, name: &str) -> Result<(), Error> {
    if p.is_null() {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("out-parameter `{name}` is NULL"),
        ))
    } else {
        Ok(())
    }
}

pub(crate) unsafe fn client_arg<'a>(p: *const wxpay_client_t) -> Result<&'a wxpay_client_t, Error> {
    p.as_ref()
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "argument `client` is NULL"))
}
