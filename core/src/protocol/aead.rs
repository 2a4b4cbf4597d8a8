//! `AEAD_AES_256_GCM` under the merchant's APIv3 key: how WeChat Pay encrypts the `resource` of
//! a notification (and the platform certificates it hands out).
//!
//! Strict: the key is exactly 32 bytes, the nonce exactly 12, the tag exactly 16 and checked
//! before any plaintext is returned (peers accepted shorter tags, or never checked the tag).

use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use base64::Engine;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{read_text_or_file, MAX_KEY_FILE_BYTES};

/// Length of the APIv3 key, in bytes.
pub const APIV3_KEY_LEN: usize = 32;
/// Length of the GCM tag at the end of every ciphertext, in bytes.
pub const TAG_LEN: usize = 16;

/// The merchant's APIv3 key. Its `Debug` output is redacted and its bytes are zeroed on drop.
pub struct Apiv3Key(Zeroizing<[u8; APIV3_KEY_LEN]>);

impl fmt::Debug for Apiv3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Apiv3Key(<redacted>)")
    }
}

impl Apiv3Key {
    /// The key from a configuration value (`field` names it in errors): 32 characters inline,
    /// or `file://PATH` to a file holding them (surrounding whitespace, such as the final
    /// newline an editor adds, is ignored). A wrong length is a `CONFIG` error that says the
    /// length found, never the key.
    pub fn from_config(field: &str, value: &str, base_dir: Option<&Path>) -> Result<Apiv3Key> {
        let text =
            read_text_or_file(field, value, base_dir, MAX_KEY_FILE_BYTES).map_err(Error::config)?;
        let bytes = if value.starts_with("file://") {
            text.trim().as_bytes()
        } else {
            text.as_bytes()
        };
        let key: [u8; APIV3_KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::config(format!(
                "config field `{field}` is {} bytes long; the APIv3 key is exactly {APIV3_KEY_LEN} characters (the one set under API security in the merchant platform; not the API certificate serial, not the 16-character APIv2 key)",
                bytes.len()
            ))
        })?;
        Ok(Apiv3Key(Zeroizing::new(key)))
    }

    /// Decrypt `ciphertext_b64` (base64 of ciphertext ‖ 16-byte tag) with `nonce` (12 ASCII
    /// characters) and `aad`. `what` names the object in errors (`resource`). Every failure is
    /// a `DECODE` error; a tag that does not match says "wrong APIv3 key or tampered".
    pub fn decrypt(
        &self,
        what: &str,
        nonce: &str,
        aad: &[u8],
        ciphertext_b64: &str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let nonce: [u8; NONCE_LEN] = nonce.as_bytes().try_into().map_err(|_| {
            Error::new(
                crate::ErrorKind::Decode,
                format!(
                    "`{what}.nonce` is {} bytes long; AEAD_AES_256_GCM takes a nonce of exactly {NONCE_LEN}",
                    nonce.len()
                ),
            )
        })?;
        let mut data = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(ciphertext_b64.as_bytes())
                .map_err(|_| {
                    Error::new(
                        crate::ErrorKind::Decode,
                        format!("`{what}.ciphertext` is not standard base64"),
                    )
                })?,
        );
        if data.len() < TAG_LEN {
            return Err(Error::new(
                crate::ErrorKind::Decode,
                format!(
                    "`{what}.ciphertext` is {} bytes, too short to hold the {TAG_LEN}-byte GCM tag",
                    data.len()
                ),
            ));
        }
        let key = UnboundKey::new(&AES_256_GCM, &self.0[..])
            .map(LessSafeKey::new)
            .map_err(|_| {
                Error::new(
                    crate::ErrorKind::Internal,
                    "AWS-LC refused a 32-byte AES key",
                )
            })?;
        let plain_len = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut data,
            )
            .map_err(|_| {
                Error::new(
                    crate::ErrorKind::Decode,
                    format!("`{what}` does not decrypt: wrong APIv3 key or tampered data (the GCM tag does not match; check `apiv3_key` against the key set in the merchant platform)"),
                )
            })?
            .len();
        data.truncate(plain_len);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// V3 of PROTOCOL-BEYOND-CLOSE.md (from the Java SDK's `AeadAesCipherTest`).
    #[test]
    fn decrypts_the_published_vector_and_refuses_a_changed_byte() {
        let key =
            Apiv3Key::from_config("apiv3_key", "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", None).unwrap();
        let plain = key
            .decrypt(
                "resource",
                "uluk4a9R25RW",
                b"associatedData",
                "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
            )
            .unwrap();
        assert_eq!(&plain[..], b"message");
        let e = key
            .decrypt(
                "resource",
                "uluk4a9R25RW",
                b"associatedDatA",
                "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
            )
            .unwrap_err();
        assert_eq!(e.code(), "DECODE");
        assert!(e.message().contains("wrong APIv3 key or tampered"), "{e}");
        for (nonce, ct, want) in [
            ("short", "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=", "nonce"),
            ("uluk4a9R25RW", "not base64!", "base64"),
            ("uluk4a9R25RW", "AAAA", "too short"),
        ] {
            let e = key.decrypt("resource", nonce, b"", ct).unwrap_err();
            assert!(e.message().contains(want), "{e}");
        }
    }

    #[test]
    fn key_length_is_checked_and_never_shown() {
        let e = Apiv3Key::from_config("apiv3_key", "SECRETSECRETSECRET", None).unwrap_err();
        assert_eq!(e.code(), "CONFIG");
        assert!(e.message().contains("18 bytes"), "{e}");
        assert!(!e.message().contains("SECRET"), "{e}");
        let key =
            Apiv3Key::from_config("apiv3_key", "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", None).unwrap();
        assert_eq!(format!("{key:?}"), "Apiv3Key(<redacted>)");
    }
}
