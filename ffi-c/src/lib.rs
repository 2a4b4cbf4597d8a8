//! The C ABI of wxpay. The contract is written at the top of `include/wxpay.h` (see
//! `cbindgen.toml`) and in `ffi-c/README.md`; this file implements it:
//!
//! - every exported function catches panics and never unwinds into C;
//! - every pointer argument is checked; strings must be NUL-terminated UTF-8;
//! - `*out` parameters are written only when the call returns `WXPAY_OK`;
//!   `*err` (when not NULL) is written only when it returns an error status;
//! - blocking calls do their I/O on the caller's thread (`wxpay_runtime::blocking`); futures run
//!   on a process-wide Tokio runtime created lazily, once per process (again after `fork()`).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

use std::ffi::CString;

use wx::ErrorKind;

/// What a call returned. `WXPAY_OK` is success; `WXPAY_PENDING` is returned only by the future
/// functions; every other value is an error whose kind matches the error object's code string.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum wxpay_status {
    /// Success.
    WXPAY_OK = 0,
    /// The future has not completed yet (`wxpay_future_poll`, `wxpay_future_wait`).
    WXPAY_PENDING = 1,
    /// Code "CONFIG": bad configuration or key material. Nothing was sent.
    WXPAY_ERR_CONFIG = 10,
    /// Code "INVALID_ARGUMENT": bad call arguments (NULL, not UTF-8, bad JSON…). Nothing was sent.
    WXPAY_ERR_INVALID_ARGUMENT = 11,
    /// Code "TRANSPORT": connection or TLS failure; see `wxpay_error_may_have_been_sent`.
    WXPAY_ERR_TRANSPORT = 12,
    /// Code "TIMEOUT": no complete answer in time; the request may have been sent.
    WXPAY_ERR_TIMEOUT = 13,
    /// Code "API": WeChat Pay answered non-2xx; see the `wxpay_error_api_*` accessors.
    WXPAY_ERR_API = 14,
    /// Code "VERIFY": a 2xx answer failed signature, timestamp or serial checks.
    WXPAY_ERR_VERIFY = 15,
    /// Code "DECODE": an answer that cannot be understood (e.g. 200 where 204 is due).
    WXPAY_ERR_DECODE = 16,
    /// Code "INTERNAL": a bug caught at the boundary (a panic). Please report it.
    WXPAY_ERR_INTERNAL = 17,
}

pub(crate) fn status_of(kind: ErrorKind) -> wxpay_status {
    match kind {
        ErrorKind::Config => wxpay_status::WXPAY_ERR_CONFIG,
        ErrorKind::InvalidArgument => wxpay_status::WXPAY_ERR_INVALID_ARGUMENT,
        ErrorKind::Transport => wxpay_status::WXPAY_ERR_TRANSPORT,
        ErrorKind::Timeout => wxpay_status::WXPAY_ERR_TIMEOUT,
        ErrorKind::Api => wxpay_status::WXPAY_ERR_API,
        ErrorKind::Verify => wxpay_status::WXPAY_ERR_VERIFY,
        ErrorKind::Decode => wxpay_status::WXPAY_ERR_DECODE,
        ErrorKind::Internal => wxpay_status::WXPAY_ERR_INTERNAL,
    }
}

/// Text for C: interior NUL bytes (impossible in our messages, possible in foreign bodies) are
/// replaced so the string is never silently truncated.
pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

// In the order the header declares them (cbindgen follows the modules in this order).
mod boundary;
mod call;
mod client;
mod error;
mod events;
mod files;
mod future;
mod notify;
mod response;
mod strings;
mod util;

pub(crate) use boundary::*;
pub use call::*;
pub use client::*;
pub use error::*;
pub use events::*;
pub use files::*;
pub use future::*;
pub use notify::*;
pub use response::*;
pub use strings::*;
pub use util::*;
