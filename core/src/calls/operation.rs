//! The one seam every binding reaches calls through. An [`Operation`] is a call whose arguments
//! were checked and whose request was prepared — once — together with what success means for
//! it. A binding builds one — a generic request (`Operation::request`) or any typed call of the
//! catalogue by name (`Operation::by_name`) — then runs it however its language waits: `run` on
//! a runtime, or `wxpay_runtime::blocking::execute`. So a new typed call is one catalogue entry
//! (`crate::calls::catalogue`) and no code here or in any language.

use std::sync::Arc;

use serde_json::Value;

use super::catalogue::{self, Builder, CallSpec, Family};
use crate::client::{Client, PreparedRequest, Response};
use crate::close::{CloseOrder, OrderRef};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::PrivateKey;
use crate::options::RequestOptions;

/// What a 2xx answer must be for the call to succeed.
#[derive(Clone, Debug)]
enum Success {
    /// Any verified 2xx (generic requests).
    Any2xx,
    /// A catalogue call: one of its statuses, then its result read from the answer.
    Catalogue {
        spec: &'static CallSpec,
        family: Family,
    },
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

    /// Any typed call of the catalogue by its name, with its arguments as JSON text (an
    /// object; empty for none): checked, then built — nothing is sent yet.
    pub fn by_name(client: &Client, name: &str, args_json: &str) -> Result<Operation> {
        Operation::by_name_with(client, name, args_json, None)
    }

    /// [`Operation::by_name`] with `data`: the bytes of a call that takes a file (an upload
    /// from memory).
    pub fn by_name_with(
        client: &Client,
        name: &str,
        args_json: &str,
        data: Option<Vec<u8>>,
    ) -> Result<Operation> {
        let args: Value = if args_json.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(args_json).map_err(|e| {
                Error::invalid(format!(
                    "the arguments of {} are not valid JSON: {e}",
                    crate::error::quote(name)
                ))
            })?
        };
        Operation::by_value(client, name, &args, data)
    }

    /// [`Operation::by_name`] with the arguments as a JSON value, and `data`: the bytes of a
    /// call that takes a file (an upload from memory).
    pub fn by_value(
        client: &Client,
        name: &str,
        args: &Value,
        data: Option<Vec<u8>>,
    ) -> Result<Operation> {
        let spec = catalogue::lookup(name)?;
        let checked = catalogue::Checked::new(client, spec, args)?;
        if data.is_some() && spec.builder != Builder::Upload {
            return Err(Error::invalid(format!("{} takes no file data", spec.name)));
        }
        match spec.builder {
            Builder::Standard => {
                let built = catalogue::Built::new(client, &checked)?;
                Ok(Operation {
                    prepared: client.prepare(built.method, built.template, &built.options)?,
                    success: Success::Catalogue {
                        spec,
                        family: checked.family,
                    },
                })
            }
            Builder::Echo => Operation::echo(
                client,
                checked
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                checked.get("notify_url").and_then(Value::as_str),
            ),
            Builder::Upload => {
                let template = checked
                    .get("template")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let options = checked.get("options").cloned().unwrap_or(Value::Null);
                let path = checked.get("path").and_then(Value::as_str);
                let source = match (path, data) {
                    (Some(p), None) => crate::UploadSource::Path(std::path::Path::new(p)),
                    (None, Some(d)) => crate::UploadSource::Bytes(d),
                    (Some(_), Some(_)) => {
                        return Err(Error::argument(
                            "path",
                            "give the file to upload as `path` or as bytes, not both",
                        ))
                    }
                    (None, None) => {
                        return Err(Error::argument(
                            "path",
                            "upload needs the file: `path`, or its bytes beside the arguments",
                        ))
                    }
                };
                let mut op = Operation::upload_from_options(client, template, &options, source)?;
                op.success = Success::Catalogue {
                    spec,
                    family: checked.family,
                };
                Ok(op)
            }
        }
    }

    /// Closing an order (HK legacy or Global endpoint, by transaction id or out_trade_no): the
    /// catalogue's `close_transaction` / `close_out_trade_no`.
    pub fn close(client: &Client, order: &CloseOrder) -> Result<Operation> {
        let (name, key, id) = match &order.order {
            OrderRef::TransactionId(id) => ("close_transaction", "transaction_id", id),
            OrderRef::OutTradeNo(no) => ("close_out_trade_no", "out_trade_no", no),
        };
        let mut args = serde_json::Map::new();
        args.insert(key.into(), Value::from(id.as_str()));
        for (k, v) in [
            ("mchid", &order.mchid),
            ("sub_mchid", &order.sub_mchid),
            ("sp_mchid", &order.sp_mchid),
            ("base_uri", &order.base_uri),
        ] {
            if let Some(v) = v {
                args.insert(k.into(), Value::from(v.as_str()));
            }
        }
        args.insert(
            "endpoint".into(),
            Value::from(match order.endpoint {
                crate::CloseEndpoint::HkLegacy => "hk",
                crate::CloseEndpoint::Global => "global",
            }),
        );
        Operation::by_value(client, name, &Value::Object(args), None)
    }

    /// The security self-test `POST /v3/security/echo` (the catalogue's `security_echo`): sends
    /// `message` as `echo_message` and, encrypted with WeChat Pay's public key, as
    /// `encrypted_echo_message` (with the key's id in `Wechatpay-Serial`); with `notify_url`,
    /// WeChat Pay also sends a `SECURITY_ECHO.SUCCESS` notification there. Succeeds when the
    /// answer echoes `message` and its `encrypted_echo_message` decrypts with the merchant key
    /// to `message`: signing, answer verification and RSA-OAEP both ways work.
    pub fn security_echo(
        client: &Client,
        message: &str,
        notify_url: Option<&str>,
    ) -> Result<Operation> {
        let mut args = serde_json::json!({ "message": message });
        if let Some(url) = notify_url {
            args["notify_url"] = Value::from(url);
        }
        Operation::by_value(client, "security_echo", &args, None)
    }

    fn echo(client: &Client, message: &str, notify_url: Option<&str>) -> Result<Operation> {
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

    /// The typed call this operation makes, if it is one (`None` for generic requests).
    pub fn call(&self) -> Option<&'static CallSpec> {
        match self.success {
            Success::Catalogue { spec, .. } => Some(spec),
            _ => None,
        }
    }

    /// Dry run: the exact request, signed at `timestamp` with `nonce` (defaults: now, random),
    /// as [`Client::prepare_json`] shows it. Nothing is sent.
    pub fn dry_run(
        &self,
        client: &Client,
        timestamp: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<Value> {
        client.dry_run(&self.prepared, timestamp, nonce)
    }

    /// The request, exactly as it will be signed and sent.
    pub fn prepared(&self) -> &PreparedRequest {
        &self.prepared
    }

    /// What the call returns for a verified 2xx answer `response`.
    pub fn accept(&self, response: Response) -> Result<Response> {
        match &self.success {
            Success::Any2xx => Ok(response),
            Success::Catalogue { spec, family } => accept_catalogue(spec, *family, response),
            Success::Echo { message, key } => {
                let spec = catalogue::find("security_echo");
                let response = accept_echo(response, message, key)?;
                match spec {
                    Some(spec) => {
                        let result = catalogue::result_json(spec, Family::Mainland, &response)?;
                        Ok(response.with_result(result))
                    }
                    None => Ok(response),
                }
            }
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

/// A catalogue call's answer: one of its success statuses (closing answers 204 only: another
/// 2xx is a `DECODE` error), then its result.
fn accept_catalogue(spec: &CallSpec, family: Family, response: Response) -> Result<Response> {
    if !spec.success.contains(&response.status()) {
        if spec.success == [204] {
            return CloseOrder::accept(response);
        }
        return Err(Error::new(
            ErrorKind::Decode,
            format!(
                "{} answers HTTP {}; got HTTP {} instead",
                spec.name,
                spec.success
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                response.status()
            ),
        )
        .with_response(response.status(), response.request_id().map(str::to_owned)));
    }
    let result = catalogue::result_json(spec, family, &response)?;
    Ok(response.with_result(result))
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

impl Client {
    /// Make a request: `method` (GET/POST/PUT/PATCH/DELETE), a URI template relative to the base
    /// URI (or absolute), and the PHP SDK's options. A 2xx answer is returned verified; any other
    /// answer is an `API` error.
    pub async fn request(
        &self,
        method: &str,
        template: &str,
        options: &RequestOptions,
    ) -> Result<Response> {
        Operation::request(self, method, template, options)?
            .run(self)
            .await
    }
}
