//! Strings the library gives the caller, and the version.

use std::ffi::{c_char, CString};

use crate::*;

/// Free a string returned through a `char **` out-parameter. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wxpay_string_free(s: *mut c_char) {
    if !s.is_null() {
        quiet((), || drop(CString::from_raw(s)));
    }
}

/// The library version, e.g. "0.1.0". Static storage.
#[no_mangle]
pub extern "C" fn wxpay_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
