//! The one seam every binding reaches calls through. An [`Operation`] is a call whose arguments
//! were checked and whose request was prepared — once — together with what success means for
//! it. A binding builds one (`Operation::request`, `Operation::close`, and each typed call to
//! come), then runs it however its language waits: `run` on a runtime, or
//! `wxpay_runtime::blocking::execute`. So a new typed call is one constructor here plus a thin
//! method per language.

use std::sync::Arc;

use crate::client::{Client, CloseOrder, PreparedRequest, Response};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::PrivateKey;
use crate::options::RequestOptions;

/// What a 2xx answer must be for the call to succeed.
#[derive(Clone, Debug)]
enum Success {
    /// Any verified 2xx (generic requests).
    Any2xx,
    /// `204 No Content` (closing an order).
    NoContent,
    /// The security self-test's echo: `echo_message` as sent, and `encrypted_echo_message`
    /// decrypting with the merchant key to the same text.
    Echo {
        message: String,
        key: Arc<PrivateKey>,
    },
}

/// A prepared call and what success means for it.
#[derive(Clone, Debug)]
pub struct Operation {
    prepared: PreparedRequest,
    success: Success,
}

impl Operation {
    /// A generic request: `method` on `template` with the PHP SDK's options.
    pub fn request(
        client: &Client,
        method: &str,
        template: &str,
        options: &RequestOptions,
    ) -> Result<Operation> {
        Ok(Operation {
            prepared: client.prepare(method, template, options)?,
            success: Success::Any2xx,
        })
    }

    /// A prepared request that succeeds on any verified 2xx (for typed calls built elsewhere in
    /// the core, such as uploads).
    pub(crate) fn any_2xx(prepared: PreparedRequest) -> Operation {
        Operation {
            prepared,
            success: Success::Any2xx,
        }
    }

    /// Closing an order (HK legacy or Global endpoint, by transaction id or out_trade_no).
    pub fn close(client: &Client, order: &CloseOrder) -> Result<Operation> {
        Ok(Operation {
            prepared: client.prepare_close(order)?,
            success: Success::NoContent,
        })
    }

    /// The security self-test `POST /v3/security/echo`: sends `message` as `echo_message` and,
    /// encrypted with WeChat Pay's public key, as `encrypted_echo_message` (with the key's id in
    /// `Wechatpay-Serial`); with `notify_url`, WeChat Pay also sends a `SECURITY_ECHO.SUCCESS`
    /// notification there. Succeeds when the answer echoes `message` and its
    /// `encrypted_echo_message` decrypts with the merchant key to `message`: signing, answer
    /// verification and RSA-OAEP both ways work.
    pub fn security_echo(
        client: &Client,
        message: &str,
        notify_url: Option<&str>,
    ) -> Result<Operation> {
        if message.is_empty() {
            return Err(Error::invalid(
                "the echo message is empty; give a short text, e.g. \"hello\"",
            ));
        }
        let mut json = serde_json::json!({
            "echo_message": message,
            "encrypted_echo_message": message,
        });
        if let Some(url) = notify_url {
            json["notify_url"] = serde_json::Value::String(url.to_owned());
        }
        let options = RequestOptions::from_value(&serde_json::json!({
            "json": json,
            "encrypt": ["/encrypted_echo_message"],
        }))?;
        Ok(Operation {
            prepared: client.prepare("POST", "v3/security/echo", &options)?,
            success: Success::Echo {
                message: message.to_owned(),
                key: client.signer().key_arc(),
            },
        })
    }

    /// The request, exactly as it will be signed and sent.
    pub fn prepared(&self) -> &PreparedRequest {
        &self.prepared
    }

    /// What the call returns for a verified 2xx answer `response`.
    pub fn accept(&self, response: Response) -> Result<Response> {
        match &self.success {
            Success::Any2xx => Ok(response),
            Success::NoContent => CloseOrder::accept(response),
            Success::Echo { message, key } => accept_echo(response, message, key),
        }
    }

    /// Send with `client` (on the caller's runtime) and accept the answer.
    pub async fn run(&self, client: &Client) -> Result<Response> {
        let observer = client.observer(&self.prepared);
        let outcome = client
            .execute_on(client.http(), &self.prepared, &observer)
            .await;
        observer.finish(outcome.and_then(|r| self.accept(r)))
    }

    /// [`Operation::run`] through `transport` (made by `client`'s
    /// [`Client::new_transport`]) instead of the client's own pool.
    pub async fn run_via(&self, client: &Client, transport: &crate::Transport) -> Result<Response> {
        let observer = client.observer(&self.prepared);
        let outcome = client
            .execute_via_observed(transport, &self.prepared, &observer)
            .await;
        observer.finish(outcome.and_then(|r| self.accept(r)))
    }
}

fn accept_echo(response: Response, message: &str, key: &PrivateKey) -> Result<Response> {
    let decode = |what: &str| {
        Error::new(
            ErrorKind::Decode,
            format!("the security echo answer {what}"),
        )
        .with_response(response.status(), response.request_id().map(str::to_owned))
    };
    let v: serde_json::Value = response.json().map_err(|_| decode("is not JSON"))?;
    if v.get("echo_message").and_then(serde_json::Value::as_str) != Some(message) {
        return Err(decode("does not echo `echo_message` as sent"));
    }
    let encrypted = v
        .get("encrypted_echo_message")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| decode("has no `encrypted_echo_message`"))?;
    let plain = key.oaep_decrypt_base64(encrypted).ok_or_else(|| {
        decode("has an `encrypted_echo_message` that does not decrypt with the merchant private key (is `serial` the certificate of this key?)")
    })?;
    if &plain[..] != message.as_bytes() {
        return Err(decode(
            "has an `encrypted_echo_message` that decrypts to another text",
        ));
    }
    Ok(response)
}
