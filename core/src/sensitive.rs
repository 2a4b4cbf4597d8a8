//! Sensitive fields: what WeChat Pay wants encrypted with its public key (names, ID numbers,
//! phone numbers, bank accounts) and what it encrypts for the merchant.
//!
//! A request that carries such fields must name the key they were encrypted with in
//! `Wechatpay-Serial`; the `encrypt` request option does both in one step, so the two never
//! disagree.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use std::sync::Arc;

use crate::options::RequestOptions;
use crate::sign::StoredKey;

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

impl Client {
    /// The key a sensitive field is encrypted with: `serial` when given (it must name a
    /// configured key), else the default (see [`crate::Verifier::encryption_key`]).
    fn encryption_key(&self, serial: Option<&str>) -> Result<(String, Arc<StoredKey>)> {
        match serial {
            Some(id) => self
                .verifier()
                .key(id)
                .map(|k| (id.to_owned(), k))
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "Wechatpay-Serial `{}` names no configured key; sensitive fields are encrypted with one of the keys in `certs`",
                        crate::error::quote(id)
                    ))
                }),
            None => self
                .verifier()
                .encryption_key(self.now())
                .ok_or_else(|| Error::config("no WeChat Pay public key or platform certificate is configured to encrypt with (`certs`)")),
        }
    }

    /// Encrypt a sensitive field for WeChat Pay with its public key (RSAES-OAEP, SHA-1,
    /// MGF1-SHA-1, base64). Returns the ciphertext and the key id to send as
    /// `Wechatpay-Serial`. A plaintext over the key's limit (214 bytes for RSA 2048) is an
    /// `INVALID_ARGUMENT` error; the plaintext never appears in a message.
    pub fn encrypt_field(&self, plaintext: &str) -> Result<EncryptedField> {
        self.encrypt_field_with(plaintext, None)
    }

    fn encrypt_field_with(&self, plaintext: &str, serial: Option<&str>) -> Result<EncryptedField> {
        let (serial, stored) = self.encryption_key(serial)?;
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

    /// Decrypt a field WeChat Pay encrypted for the merchant (with the merchant API
    /// certificate's public key): RSAES-OAEP, SHA-1, base64. Failures are `DECODE` errors.
    pub fn decrypt_field(&self, ciphertext_b64: &str) -> Result<Zeroizing<String>> {
        let plain = self.signer().key().oaep_decrypt_base64(ciphertext_b64).ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                "the field does not decrypt with the merchant private key (RSA-OAEP, SHA-1): not base64, not for this merchant's key, or damaged",
            )
        })?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| Error::new(ErrorKind::Decode, "the decrypted field is not UTF-8 text"))?;
        Ok(Zeroizing::new(text.to_owned()))
    }
}

/// The body of `options` with the string fields its `encrypt` pointers name encrypted, and the
/// id of the key used. The key is the one a caller's `Wechatpay-Serial` header names, else the
/// default, so the header sent always names the key the fields were encrypted with.
pub(crate) fn encrypt_body(client: &Client, options: &RequestOptions) -> Result<(Vec<u8>, String)> {
    let body = options.body.as_deref().unwrap_or_default();
    let mut json: Value = serde_json::from_slice(body).map_err(|_| {
        Error::invalid(
            "option `encrypt` needs the body given as `json` (an object), not as `body` text",
        )
    })?;
    let serial = options
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Wechatpay-Serial"))
        .map(|(_, v)| v.as_str());
    let (serial, _) = client.encryption_key(serial)?;
    for pointer in &options.encrypt {
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
                crate::options::type_name(slot)
            )));
        };
        let plain = Zeroizing::new(std::mem::take(plain));
        *slot = Value::String(client.encrypt_field_with(&plain, Some(&serial))?.ciphertext);
    }
    let body = serde_json::to_vec(&json)
        .map_err(|e| Error::invalid(format!("option `json` cannot be serialised: {e}")))?;
    Ok((body, serial))
}
