//! One error type for the whole library, with stable code strings shared by every language.

use std::ffi::CStr;
use std::fmt;

/// `code()` and `code_cstr()` of an enum from one list of (variant, code string): the C ABI's
/// NUL-terminated strings are the core's, never a second table.
macro_rules! code_strings {
    ($ty:ident { $($variant:ident => $code:literal,)* }) => {
        impl $ty {
            /// The stable code string.
            pub const fn code(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)*
                }
            }

            /// The value whose [`code`](Self::code) is `code`.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($ty::$variant),)*
                    _ => None,
                }
            }

            /// [`code`](Self::code) as a NUL-terminated C string with static storage.
            pub const fn code_cstr(self) -> &'static CStr {
                match self {
                    $($ty::$variant => {
                        const C: &CStr = match CStr::from_bytes_with_nul(concat!($code, "\0").as_bytes()) {
                            Ok(c) => c,
                            Err(_) => panic!("a code string has a NUL byte"),
                        };
                        C
                    })*
                }
            }
        }
    };
}

/// The category of an [`Error`]. Its [`code`](ErrorKind::code) string is stable and identical in
/// C, PHP, Python and Node; new kinds are added only by recording them in `ARCHITECTURE.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Bad configuration or key material. Nothing was sent.
    Config,
    /// Bad call arguments (template, options, method). Nothing was sent.
    InvalidArgument,
    /// Connection or TLS failure. See [`Error::may_have_been_sent`].
    Transport,
    /// The call did not complete within its deadline. The request may have been sent.
    Timeout,
    /// WeChat Pay answered with a non-2xx status. See [`Error::api`].
    Api,
    /// A 2xx answer failed signature, timestamp or serial checks. Treat its content as forged.
    Verify,
    /// An answer that cannot be parsed (for example a 2xx body that is not the JSON expected).
    Decode,
    /// A bug caught at a boundary (a panic, a poisoned lock). Please report it.
    Internal,
}

// The stable code strings: `CONFIG`, `INVALID_ARGUMENT`, `TRANSPORT`, `TIMEOUT`, `API`,
// `VERIFY`, `DECODE`, `INTERNAL`.
code_strings!(ErrorKind {
    Config => "CONFIG",
    InvalidArgument => "INVALID_ARGUMENT",
    Transport => "TRANSPORT",
    Timeout => "TIMEOUT",
    Api => "API",
    Verify => "VERIFY",
    Decode => "DECODE",
    Internal => "INTERNAL",
});

impl ErrorKind {
    /// Every kind, in declaration order (handy for bindings that mirror the set).
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Config,
        ErrorKind::InvalidArgument,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::Api,
        ErrorKind::Verify,
        ErrorKind::Decode,
        ErrorKind::Internal,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a 2xx response failed verification. Each has a stable code string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerifyFailure {
    /// One or more of the `Wechatpay-*` signature headers is absent: the answer is unsigned.
    MissingHeaders,
    /// A signature header is present but malformed (timestamp not a number, signature not base64).
    MalformedHeaders,
    /// `|now - Wechatpay-Timestamp|` exceeds the allowed skew (300 s).
    TimestampSkew,
    /// `Wechatpay-Serial` names no key in the configured `certs` map.
    UnknownSerial,
    /// The signature does not match the message.
    BadSignature,
    /// `Wechatpay-Signature` is a `WECHATPAY/SIGNTEST/…` probe: WeChat Pay now and then signs an
    /// answer or a notification wrongly on purpose, to check that clients verify. Never process
    /// it; a notification gets the failure answer and is sent again correctly signed.
    Signtest,
    /// `Wechatpay-Serial` names a platform certificate that has expired: WeChat Pay never signs
    /// with one, so the answer is refused.
    CertificateExpired,
    /// A downloaded file (a bill, a statement) does not have the SHA-1 WeChat Pay gave for it:
    /// truncated or altered on the way. The partial file is removed.
    DigestMismatch,
}

code_strings!(VerifyFailure {
    MissingHeaders => "MISSING_HEADERS",
    MalformedHeaders => "MALFORMED_HEADERS",
    TimestampSkew => "TIMESTAMP_SKEW",
    UnknownSerial => "UNKNOWN_SERIAL",
    BadSignature => "BAD_SIGNATURE",
    Signtest => "SIGNTEST",
    CertificateExpired => "CERTIFICATE_EXPIRED",
    DigestMismatch => "DIGEST_MISMATCH",
});

/// Longest piece of caller- or server-supplied text quoted in an error message, in characters.
pub const MAX_QUOTED_CHARS: usize = 64;

/// `text` as an error message may quote it: at most [`MAX_QUOTED_CHARS`] characters, with
/// control and other invisible characters escaped (`\u{1b}`), and the full length said when it
/// was cut. Text from a caller or a server never reaches a message, a log or a terminal raw.
pub fn quote(text: &str) -> String {
    quote_n(text, MAX_QUOTED_CHARS)
}

/// Caller-supplied text (a template, a URL, a value) shown in a message: a URL's credentials
/// (`user:pass@`) are cut out, the rest is [`quote`]d. Formats lazily.
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        match (text.find("://"), text.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let (scheme, _) = text.split_at(scheme_end);
                let host_and_rest = text.get(at.saturating_add(1)..).unwrap_or_default();
                f.write_str(&quote(&format!("{scheme}://…@{host_and_rest}")))
            }
            _ => f.write_str(&quote(text)),
        }
    }
}

pub(crate) fn quote_n(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(max_chars) {
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() {
        out.push_str(&format!("… ({} bytes in all)", text.len()));
    }
    out
}

/// What WeChat Pay said in a non-2xx answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// WeChat Pay's error code, e.g. `ORDER_NOT_EXIST`; empty when the body carried none.
    pub code: String,
    /// WeChat Pay's message; empty when the body carried none.
    pub message: String,
    /// The `detail` object (`field`, `value`, `issue`, `location`), when present.
    pub detail: Option<serde_json::Value>,
    /// The `Request-ID` response header, when present. Quote it to WeChat Pay support.
    pub request_id: Option<String>,
    /// For `SIGN_ERROR`: the server's `sign_information` (its view of the canonical URL, etc.).
    pub sign_information: Option<serde_json::Value>,
    /// The raw response body, as received.
    pub body: Vec<u8>,
}

/// The library's error. Every message says what went wrong and, where it can, how to fix it.
/// Messages never contain key material.
#[derive(Clone, Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    may_have_been_sent: bool,
    status: Option<u16>,
    request_id: Option<String>,
    verify: Option<VerifyFailure>,
    api: Option<Box<ApiError>>,
    /// For `INVALID_ARGUMENT` errors of typed calls: the argument at fault, as named in the
    /// catalogue (`amount`, `out_trade_no`).
    argument: Option<&'static str>,
}

impl Error {
    /// A new error of `kind` with `message` (which the caller has made safe to show: quote
    /// any foreign text with [`quote`]).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            may_have_been_sent: matches!(kind, ErrorKind::Timeout),
            status: None,
            request_id: None,
            verify: None,
            api: None,
            argument: None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn transport(message: impl Into<String>, may_have_been_sent: bool) -> Self {
        let mut e = Error::new(ErrorKind::Transport, message);
        e.may_have_been_sent = may_have_been_sent;
        e
    }

    pub(crate) fn timeout(message: impl Into<String>, may_have_been_sent: bool) -> Self {
        let mut e = Error::new(ErrorKind::Timeout, message);
        e.may_have_been_sent = may_have_been_sent;
        e
    }

    pub(crate) fn verify(reason: VerifyFailure, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Verify, message);
        e.verify = Some(reason);
        e.may_have_been_sent = true;
        e
    }

    /// The `API` error for a non-2xx answer (see [`crate::client::parse_api_error`]). Its message
    /// quotes the server's text bounded and escaped; [`Error::api`] keeps it raw.
    pub fn from_api(api: ApiError) -> Self {
        // Everything here comes from the server: quoted (bounded, control characters escaped)
        // so that an answer cannot write escape sequences or forged lines into a log or a
        // terminal. The raw values stay available in `api()`.
        let mut message = format!("WeChat Pay answered HTTP {}", api.status);
        if !api.code.is_empty() {
            message.push_str(&format!(" {}", quote(&api.code)));
        }
        if !api.message.is_empty() {
            message.push_str(&format!(": {}", quote_n(&api.message, 256)));
        }
        if let Some(id) = &api.request_id {
            message.push_str(&format!(" (Request-ID {})", quote(id)));
        }
        if let Some(info) = &api.sign_information {
            message.push_str(&format!(
                "; server sign_information: {}",
                quote_n(&info.to_string(), 512)
            ));
        }
        Error {
            kind: ErrorKind::Api,
            message,
            may_have_been_sent: true,
            status: Some(api.status),
            request_id: api.request_id.clone(),
            verify: None,
            api: Some(Box::new(api)),
            argument: None,
        }
    }

    /// An `INVALID_ARGUMENT` error about the typed call's argument `name`.
    pub(crate) fn argument(name: &'static str, message: impl Into<String>) -> Self {
        let mut e = Error::invalid(message);
        e.argument = Some(name);
        e
    }

    /// This error, naming `name` as the argument at fault.
    pub(crate) fn for_argument(mut self, name: &'static str) -> Self {
        self.argument = Some(name);
        self
    }

    /// Append `note` to the message (context a caller needs to act on the error).
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        self.message.push_str("; ");
        self.message.push_str(note);
        self
    }

    /// Attach the HTTP status and `Request-ID` of the response this error is about.
    pub(crate) fn with_response(mut self, status: u16, request_id: Option<String>) -> Self {
        self.status = Some(status);
        self.request_id = request_id;
        self.may_have_been_sent = true;
        self
    }

    /// The category.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code string of the category (`"API"`, `"VERIFY"`, …).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the request may have reached WeChat Pay. `false` only when it certainly did not
    /// (bad arguments, a refused connection, a failed TLS handshake): then retrying cannot
    /// duplicate anything.
    pub fn may_have_been_sent(&self) -> bool {
        self.may_have_been_sent
    }

    /// The HTTP status of the response this error is about, if one arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The `Request-ID` of the response this error is about, if one arrived.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// For `VERIFY` errors, the precise reason.
    pub fn verify_failure(&self) -> Option<VerifyFailure> {
        self.verify
    }

    /// For `API` errors, what WeChat Pay said.
    pub fn api(&self) -> Option<&ApiError> {
        self.api.as_deref()
    }

    /// For `INVALID_ARGUMENT` errors of typed calls, the argument at fault (its catalogue name:
    /// `amount`, `out_trade_no`), the same in every language.
    pub fn argument_name(&self) -> Option<&'static str> {
        self.argument
    }
}

impl Error {
    /// The error as a JSON object, the shape every binding and the CLI expose:
    /// `code`, `message`, `may_have_been_sent`, and when known `status`, `request_id`,
    /// `verify_failure`, `argument` (the typed call's argument at fault), and for `API` errors `api_code`, `api_message`, `detail`,
    /// `sign_information` and `body` (as text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value};
        let mut v = json!({
            "code": self.code(),
            "message": self.message,
            "may_have_been_sent": self.may_have_been_sent,
        });
        if let Some(s) = self.status {
            v["status"] = json!(s);
        }
        if let Some(r) = &self.request_id {
            v["request_id"] = json!(r);
        }
        if let Some(f) = self.verify {
            v["verify_failure"] = json!(f.code());
        }
        if let Some(a) = self.argument {
            v["argument"] = json!(a);
        }
        if let Some(api) = &self.api {
            v["api_code"] = json!(api.code);
            v["api_message"] = json!(api.message);
            v["detail"] = api.detail.clone().unwrap_or(Value::Null);
            v["sign_information"] = api.sign_information.clone().unwrap_or(Value::Null);
            v["body"] = json!(String::from_utf8_lossy(&api.body));
        }
        v
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}

/// "a string", "an object", … for error messages about JSON values.
pub(crate) fn type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Shorthand for `Result<T, wxpay::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
