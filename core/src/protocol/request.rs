//! A request fully built but not yet signed: what is signed and sent, byte for byte.

use http::Method;
use url::Url;

use crate::sign::canonical_url;

/// A request fully built but not yet signed: the exact URL, headers and body bytes to send.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedRequest {
    /// Upper-case method.
    pub method: Method,
    /// The absolute URL sent.
    pub url: Url,
    /// Headers sent besides `Authorization`, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes, signed and sent as they are (empty for none).
    pub body: Vec<u8>,
    /// The bytes the signature covers when they are not the body: an upload's `meta` JSON
    /// (`crate::files`). `None`: the body.
    pub signed_body: Option<Vec<u8>>,
}

impl PreparedRequest {
    /// The bytes the signature's body line covers.
    pub fn signed_body(&self) -> &[u8] {
        self.signed_body.as_deref().unwrap_or(&self.body)
    }

    /// The canonical URL the signature covers (path and query of [`PreparedRequest::url`]).
    pub fn canonical_url(&self) -> String {
        canonical_url(&self.url)
    }
}
