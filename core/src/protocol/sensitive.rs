//! Sensitive fields: what WeChat Pay wants encrypted with its public key (names, ID numbers,
//! phone numbers, bank accounts) and what it encrypts for the merchant.
//!
//! A request that carries such fields must name the key they were encrypted with in
//! `Wechatpay-Serial`; the `encrypt` request option does both in one step, so the two never
//! disagree.

use serde_json::Value;
use zeroize::Zeroizing;

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::keys::PrivateKey;
use crate::sign::{StoredKey, Verifier};

/// A field encrypted for WeChat Pay, and the id of the key used (send it as `Wechatpay-Serial`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedField {
    /// RSAES-OAEP (SHA-1, MGF1-SHA-1) ciphertext, standard base64.
    pub ciphertext: String,
    /// The platform certificate serial or `PUB_KEY_ID_…` of the key used.
    pub serial: String,
}

impl EncryptedField {
    /// As JSON: `ciphertext`, `serial`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"ciphertext": self.ciphertext, "serial": self.serial})
    }
}

/// The key a sensitive field is encrypted with: `serial` when given (it must name a key of
/// `verifier`), else the default at `now` (see [`Verifier::encryption_key`]).
fn encryption_key(
    verifier: &Verifier,
    now: i64,
    serial: Option<&str>,
) -> Result<(String, Arc<StoredKey>)> {
    match serial {
        Some(id) => verifier
            .key(id)
            .map(|k| (id.to_owned(), k))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "Wechatpay-Serial `{}` names no configured key; sensitive fields are encrypted with one of the keys in `certs`",
                    crate::error::quote(id)
                ))
            }),
        None => verifier
            .encryption_key(now)
            .ok_or_else(|| Error::config("no WeChat Pay public key or platform certificate is configured to encrypt with (`certs`)")),
    }
}

/// Encrypt a sensitive field for WeChat Pay with one of `verifier`'s keys (the one `serial`
/// names, else the default at `now`): RSAES-OAEP, SHA-1, MGF1-SHA-1, base64. A plaintext over
/// the key's limit (214 bytes for RSA 2048) is an `INVALID_ARGUMENT` error; the plaintext never
/// appears in a message.
pub fn encrypt_field(
    verifier: &Verifier,
    now: i64,
    plaintext: &str,
    serial: Option<&str>,
) -> Result<EncryptedField> {
    let (serial, stored) = encryption_key(verifier, now, serial)?;
    let key = &stored.key;
    let ciphertext = key.oaep_encrypt_base64(plaintext.as_bytes()).ok_or_else(|| {
        Error::invalid(format!(
            "a sensitive field of {} bytes cannot be encrypted: RSA-OAEP with this key takes at most {} bytes (WeChat Pay's sensitive fields, such as names and ID numbers, are shorter); nothing was encrypted",
            plaintext.len(),
            key.oaep_max_plaintext()
        ))
    })?;
    Ok(EncryptedField { ciphertext, serial })
}

/// Decrypt a field WeChat Pay encrypted for the merchant with `key` (the merchant API
/// certificate's private key): RSAES-OAEP, SHA-1, base64. Failures are `DECODE` errors.
pub fn decrypt_field(key: &PrivateKey, ciphertext_b64: &str) -> Result<Zeroizing<String>> {
    let plain = key.oaep_decrypt_base64(ciphertext_b64).ok_or_else(|| {
        Error::new(
            ErrorKind::Decode,
            "the field does not decrypt with the merchant private key (RSA-OAEP, SHA-1): not base64, not for this merchant's key, or damaged",
        )
    })?;
    let text = std::str::from_utf8(&plain)
        .map_err(|_| Error::new(ErrorKind::Decode, "the decrypted field is not UTF-8 text"))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// The JSON `body` with the string fields `pointers` name (the request option `encrypt`)
/// encrypted, and the id of the key used. The key is the one `serial` (a caller's
/// `Wechatpay-Serial` header) names, else the default, so the header sent always names the key
/// the fields were encrypted with.
pub(crate) fn encrypt_body(
    verifier: &Verifier,
    now: i64,
    body: &[u8],
    pointers: &[String],
    serial: Option<&str>,
) -> Result<(Vec<u8>, String)> {
    let mut json: Value = serde_json::from_slice(body).map_err(|_| {
        Error::invalid(
            "option `encrypt` needs the body given as `json` (an object), not as `body` text",
        )
    })?;
    let (serial, _) = encryption_key(verifier, now, serial)?;
    for pointer in pointers {
        let slot = json.pointer_mut(pointer).ok_or_else(|| {
            Error::invalid(format!(
                "option `encrypt`: `{}` names no field of `json`",
                crate::error::quote(pointer)
            ))
        })?;
        let Value::String(plain) = slot else {
            return Err(Error::invalid(format!(
                "option `encrypt`: `{}` is {}; only string fields are encrypted",
                crate::error::quote(pointer),
                crate::error::type_name(slot)
            )));
        };
        let plain = Zeroizing::new(std::mem::take(plain));
        *slot = Value::String(encrypt_field(verifier, now, &plain, Some(&serial))?.ciphertext);
    }
    let body = serde_json::to_vec(&json)
        .map_err(|e| Error::invalid(format!("option `json` cannot be serialised: {e}")))?;
    Ok((body, serial))
}
