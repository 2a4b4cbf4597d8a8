//! The payment parameters the merchant's server hands to the page or the app after a create
//! call, signed with the merchant key (SHA256withRSA, base64). No network: given a `prepay_id`
//! (from `create_jsapi` / `create_app`, or stored), the object is built and signed locally.
//!
//! - JSAPI and mini program (`WeixinJSBridge.invoke('getBrandWCPayRequest', …)`,
//!   `wx.requestPayment`): `appId`, `timeStamp` (a string of seconds), `nonceStr`, `package`
//!   (`prepay_id=…`), `signType: "RSA"`, `paySign` over `appId\ntimeStamp\nnonceStr\npackage\n`
//!   (https://pay.weixin.qq.com/doc/v3/merchant/4012791857, JSAPI 调起支付, which mini programs
//!   share; HK: …/wiki/doc/api/wxpay/ch/fusion_wallet_ch/OfficialPayMent/chapter5_5.shtml;
//!   Global: …/wiki/doc/api_external/ch/apis/chapter4_1_25.shtml — the same scheme).
//! - APP (`PayReq` of the OpenSDK): `appid`, `partnerid`, `prepayid`, `package: "Sign=WXPay"`,
//!   `noncestr`, `timestamp`, `sign` over `appid\ntimestamp\nnoncestr\nprepayid\n`
//!   (https://pay.weixin.qq.com/doc/v3/merchant/4013070351, APP 调起支付; HK
//!   …/fusion_wallet_ch/In-AppPay/chapter6_4.shtml; Global …/api_external/ch/apis/chapter4_1_29.shtml).
//!
//! Field names and casing are exactly those the front ends take; they differ between the two
//! kinds on purpose (WeChat's, not ours).

use serde_json::{Map, Value};

use super::sign::{random_nonce, Signer};
use crate::error::{quote, type_name, Error, Result};

/// Which front end the parameters are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayKind {
    /// JSAPI (official accounts) and mini programs: one shape for both.
    Jsapi,
    /// The APP SDK.
    App,
}

impl PayKind {
    /// `jsapi` (also `miniprogram`) or `app`.
    pub fn parse(name: &str) -> Result<PayKind> {
        match name {
            "jsapi" | "miniprogram" | "mini_program" => Ok(PayKind::Jsapi),
            "app" => Ok(PayKind::App),
            other => Err(Error::argument(
                "kind",
                format!(
                    "pay parameters of kind `{}` do not exist; give `jsapi` (official accounts and mini programs) or `app`",
                    quote(other)
                ),
            )),
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            PayKind::Jsapi => "jsapi",
            PayKind::App => "app",
        }
    }
}

/// What the parameters are made of; `timestamp` and `nonce` default to now and a fresh
/// random nonce (give them only for tests and vectors).
#[derive(Clone, Debug, Default)]
pub struct PayInput {
    /// The app id the order was created with (`appid`, or `sub_appid` when the payer pays in
    /// the sub-merchant's app).
    pub appid: String,
    /// The create call's `prepay_id` (the id alone, without `prepay_id=`).
    pub prepay_id: String,
    /// APP only: the merchant id (`sub_mchid` in service-provider mode); default the signer's.
    pub partnerid: Option<String>,
    /// Seconds since the epoch.
    pub timestamp: Option<i64>,
    /// 1–32 letters and digits.
    pub nonce: Option<String>,
}

const NAMES: &[(&str, &str)] = &[
    ("appid", "appid"),
    ("appId", "appid"),
    ("prepay_id", "prepay_id"),
    ("prepayId", "prepay_id"),
    ("partnerid", "partnerid"),
    ("partnerId", "partnerid"),
    ("timestamp", "timestamp"),
    ("timeStamp", "timestamp"),
    ("nonce", "nonce"),
    ("nonce_str", "nonce"),
    ("nonceStr", "nonce"),
];

fn code(name: &'static str, value: &str, max: usize, extra: &str, what: &str) -> Result<()> {
    if value.is_empty() || value.len() > max {
        return Err(Error::argument(
            name,
            format!(
                "argument `{name}` is {} characters long; it takes 1–{max} ({what})",
                value.chars().count()
            ),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(*c)))
    {
        return Err(Error::argument(
            name,
            format!(
                "argument `{name}` holds {c:?}; it takes only letters, digits{} ({what})",
                if extra.is_empty() {
                    String::new()
                } else {
                    format!(" and {extra}")
                }
            ),
        ));
    }
    Ok(())
}

impl PayInput {
    /// Read the arguments of a binding's generic entry: a JSON object with `appid`,
    /// `prepay_id`, and optionally `partnerid` (APP), `timestamp`, `nonce` (camelCase too).
    pub fn from_json(kind: PayKind, args: &Value) -> Result<PayInput> {
        let Value::Object(map) = args else {
            return Err(Error::invalid(format!(
                "the arguments of the {} pay parameters are an object {{appid, prepay_id{}}}",
                kind.name(),
                if kind == PayKind::App {
                    ", partnerid"
                } else {
                    ""
                }
            )));
        };
        let mut input = PayInput::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for (key, value) in map {
            let Some(&(_, name)) = NAMES.iter().find(|(k, _)| *k == key) else {
                return Err(Error::invalid(format!(
                    "the {} pay parameters take no argument `{}`; they take appid, prepay_id{}, timestamp and nonce",
                    kind.name(),
                    quote(key),
                    if kind == PayKind::App { ", partnerid" } else { "" }
                )));
            };
            if value.is_null() {
                continue;
            }
            if seen.contains(&name) {
                return Err(Error::argument(
                    name,
                    format!("argument `{name}` is given twice (once in camelCase); give it once"),
                ));
            }
            seen.push(name);
            let text = |v: &Value| -> Result<String> {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    Error::argument(
                        name,
                        format!("argument `{name}` is {}; give a string", type_name(v)),
                    )
                })
            };
            match name {
                "appid" => input.appid = text(value)?,
                "prepay_id" => input.prepay_id = text(value)?,
                "partnerid" => {
                    if kind == PayKind::Jsapi {
                        return Err(Error::argument(
                            "partnerid",
                            "argument `partnerid` belongs to the APP pay parameters; the JSAPI ones do not name the merchant",
                        ));
                    }
                    input.partnerid = Some(text(value)?);
                }
                "timestamp" => {
                    input.timestamp = Some(match value {
                        Value::Number(n) => n.as_i64().filter(|t| *t >= 0).ok_or_else(|| {
                            Error::argument(
                                "timestamp",
                                format!("argument `timestamp` is {n}; give whole seconds since 1970, e.g. 1700000000"),
                            )
                        })?,
                        Value::String(s)
                            if !s.is_empty()
                                && s.len() <= 12
                                && s.bytes().all(|b| b.is_ascii_digit()) =>
                        {
                            s.parse().map_err(|_| Error::argument("timestamp", "argument `timestamp` is not a number of seconds"))?
                        }
                        other => {
                            return Err(Error::argument(
                                "timestamp",
                                format!(
                                    "argument `timestamp` is {}; give whole seconds since 1970, e.g. 1700000000",
                                    type_name(other)
                                ),
                            ))
                        }
                    })
                }
                _ => input.nonce = Some(text(value)?),
            }
        }
        Ok(input)
    }

    fn check(&self, kind: PayKind) -> Result<()> {
        if self.appid.is_empty() {
            return Err(Error::argument(
                "appid",
                "the pay parameters need `appid`: the app id the order was created with (sub_appid when the payer pays in the sub-merchant's app)",
            ));
        }
        code(
            "appid",
            &self.appid,
            32,
            "_",
            "an app id such as wxd678efh567hg6787",
        )?;
        if self.prepay_id.is_empty() {
            return Err(Error::argument(
                "prepay_id",
                "the pay parameters need `prepay_id`: the create call's answer (prepay_id)",
            ));
        }
        if self.prepay_id.starts_with("prepay_id=") {
            return Err(Error::argument(
                "prepay_id",
                "argument `prepay_id` starts with `prepay_id=`; give the id alone, the package is built from it",
            ));
        }
        code(
            "prepay_id",
            &self.prepay_id,
            64,
            "_-",
            "the create call's prepay_id",
        )?;
        if let Some(p) = &self.partnerid {
            if p.is_empty() || p.len() > 32 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::argument(
                    "partnerid",
                    format!(
                        "argument `partnerid` is `{}`; give the merchant id (sub_mchid in service-provider mode): 1–32 digits",
                        quote(p)
                    ),
                ));
            }
        }
        if kind == PayKind::Jsapi && self.partnerid.is_some() {
            return Err(Error::argument(
                "partnerid",
                "argument `partnerid` belongs to the APP pay parameters",
            ));
        }
        if let Some(n) = &self.nonce {
            code(
                "nonce",
                n,
                32,
                "",
                "a nonce such as 593BEC0C930BF1AFEB40B4A08C8FB242",
            )?;
        }
        Ok(())
    }
}

/// The signed parameters, as the front end takes them (a JSON object, fields in WeChat's
/// order).
pub fn pay_params(
    signer: &Signer,
    kind: PayKind,
    input: &PayInput,
    now: i64,
) -> Result<Map<String, Value>> {
    input.check(kind)?;
    let timestamp = input.timestamp.unwrap_or(now).to_string();
    let nonce = input.nonce.clone().unwrap_or_else(random_nonce);
    let mut out = Map::new();
    match kind {
        PayKind::Jsapi => {
            let package = format!("prepay_id={}", input.prepay_id);
            let message = format!("{}\n{timestamp}\n{nonce}\n{package}\n", input.appid);
            let sign = signer.key().sign_base64(message.as_bytes())?;
            out.insert("appId".into(), input.appid.clone().into());
            out.insert("timeStamp".into(), timestamp.into());
            out.insert("nonceStr".into(), nonce.into());
            out.insert("package".into(), package.into());
            out.insert("signType".into(), "RSA".into());
            out.insert("paySign".into(), sign.into());
        }
        PayKind::App => {
            let partnerid = input
                .partnerid
                .clone()
                .unwrap_or_else(|| signer.mchid().to_owned());
            let message = format!(
                "{}\n{timestamp}\n{nonce}\n{}\n",
                input.appid, input.prepay_id
            );
            let sign = signer.key().sign_base64(message.as_bytes())?;
            out.insert("appid".into(), input.appid.clone().into());
            out.insert("partnerid".into(), partnerid.into());
            out.insert("prepayid".into(), input.prepay_id.clone().into());
            out.insert("package".into(), "Sign=WXPay".into());
            out.insert("noncestr".into(), nonce.into());
            out.insert("timestamp".into(), timestamp.into());
            out.insert("sign".into(), sign.into());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(kind: PayKind, args: Value) -> Result<PayInput> {
        PayInput::from_json(kind, &args)
    }

    #[test]
    fn names_the_argument_that_is_wrong() {
        let e = input(PayKind::Jsapi, json!({"appid": 5})).unwrap_err();
        assert_eq!(e.argument_name(), Some("appid"));
        let e = input(PayKind::Jsapi, json!({"prepayId": "x", "prepay_id": "x"})).unwrap_err();
        assert_eq!(e.argument_name(), Some("prepay_id"));
        let e = input(PayKind::Jsapi, json!({"timestamp": 1.5})).unwrap_err();
        assert_eq!(e.argument_name(), Some("timestamp"));
        let e = input(PayKind::Jsapi, json!({"partnerid": "1"})).unwrap_err();
        assert_eq!(e.argument_name(), Some("partnerid"));
        assert!(input(PayKind::App, json!({"bogus": 1}))
            .unwrap_err()
            .to_string()
            .contains("bogus"));
        assert!(PayKind::parse("native").is_err());
    }

    #[test]
    fn refuses_what_would_change_the_signed_message() {
        for (args, arg) in [
            (json!({"appid": "wx1", "prepay_id": "a\nb"}), "prepay_id"),
            (json!({"appid": "wx\n1", "prepay_id": "ab"}), "appid"),
            (
                json!({"appid": "wx1", "prepay_id": "prepay_id=wx2"}),
                "prepay_id",
            ),
            (json!({"appid": "wx1"}), "prepay_id"),
            (json!({"prepay_id": "wx1"}), "appid"),
            (
                json!({"appid": "wx1", "prepay_id": "x", "nonce": "a b"}),
                "nonce",
            ),
        ] {
            let i = input(PayKind::Jsapi, args).unwrap();
            assert_eq!(
                i.check(PayKind::Jsapi).unwrap_err().argument_name(),
                Some(arg)
            );
        }
    }
}
