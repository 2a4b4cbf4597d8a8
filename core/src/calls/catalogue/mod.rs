//! The call catalogue: every typed call declared once, as data.
//!
//! An entry ([`CallSpec`]) says what the call is called, which endpoint each family serves it
//! at (method and URI template), which arguments it takes (type, family, required or not, and
//! where each goes: path, query or body), what success is, and which fields of the answer it
//! returns. Nothing in an entry is behaviour: building the request (`build`), checking the
//! arguments (`args`) and reading the answer (`result`) are written once for every entry, and
//! the request machinery underneath — signing, sending, retrying, verifying — is the one of
//! every call ([`crate::Operation`]).
//!
//! Every language gets its typed methods from here: [`catalogue_json`] is the catalogue as
//! data (the CLI reads it, Node installs its methods from it at load time), and the committed
//! Python methods, `.d.ts` typings, PHP trait, C wrappers and `CALLS.md` are generated from it
//! by `wxpay-codegen` (`make calls`), with a test that fails when they drift.

mod args;
mod build;
mod entries;
mod result;

use serde_json::{json, Value};

pub use entries::CALLS;

/// The endpoint families of WeChat Pay APIv3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Mainland direct merchants (普通商户): `https://api.mch.weixin.qq.com/v3/pay/…`.
    Mainland,
    /// Mainland service providers (服务商): `https://api.mch.weixin.qq.com/v3/pay/partner/…`;
    /// chosen for the mainland endpoint when `sub_mchid` is given.
    Partner,
    /// Hong Kong fusion wallet, legacy access point: `https://api.mch.weixin.qq.com/hk/` + `v3/…`.
    Hk,
    /// Its successor (cross-border, Global): `https://apihk.mch.weixin.qq.com/` + `v3/global/…`.
    Global,
}

impl Family {
    /// Every family, in order.
    pub const ALL: [Family; 4] = [
        Family::Mainland,
        Family::Partner,
        Family::Hk,
        Family::Global,
    ];

    /// Its name in the catalogue and in errors.
    pub fn name(self) -> &'static str {
        match self {
            Family::Mainland => "mainland",
            Family::Partner => "partner",
            Family::Hk => "hk",
            Family::Global => "global",
        }
    }

    /// The documented base URI its templates are relative to.
    pub fn base_uri(self) -> &'static str {
        match self {
            Family::Mainland | Family::Partner => "https://api.mch.weixin.qq.com/",
            Family::Hk => "https://api.mch.weixin.qq.com/hk/",
            Family::Global => "https://apihk.mch.weixin.qq.com/",
        }
    }

    /// The `endpoint` argument that selects it (a partner is the mainland endpoint with
    /// `sub_mchid`).
    pub fn endpoint(self) -> &'static str {
        match self {
            Family::Mainland | Family::Partner => "mainland",
            Family::Hk => "hk",
            Family::Global => "global",
        }
    }

    /// The set holding only this family.
    pub const fn set(self) -> Families {
        Families(match self {
            Family::Mainland => 1,
            Family::Partner => 2,
            Family::Hk => 4,
            Family::Global => 8,
        })
    }
}

/// A set of [`Family`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Families(u8);

impl Families {
    /// No family.
    pub const NONE: Families = Families(0);
    /// Mainland direct merchants.
    pub const MAINLAND: Families = Families(1);
    /// Mainland service providers.
    pub const PARTNER: Families = Families(2);
    /// HK legacy.
    pub const HK: Families = Families(4);
    /// Global.
    pub const GLOBAL: Families = Families(8);
    /// Mainland, direct and service provider.
    pub const CN: Families = Families(1 | 2);
    /// HK legacy and Global (the same bodies, different paths).
    pub const OVERSEAS: Families = Families(4 | 8);
    /// Every family.
    pub const ALL: Families = Families(15);

    /// The union of two sets.
    pub const fn or(self, other: Families) -> Families {
        Families(self.0 | other.0)
    }

    /// Whether `family` is in the set.
    pub const fn has(self, family: Family) -> bool {
        self.0 & family.set().0 != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The families in the set, in order.
    pub fn iter(self) -> impl Iterator<Item = Family> {
        Family::ALL.into_iter().filter(move |f| self.has(*f))
    }

    /// The names, as a JSON list.
    pub fn to_json(self) -> Value {
        self.iter().map(Family::name).collect::<Vec<_>>().into()
    }

    fn names(self) -> String {
        self.iter().map(Family::name).collect::<Vec<_>>().join(", ")
    }
}

/// The type of an argument, and what is checked before anything is sent.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// Text of `min..=max` characters.
    Text {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// An identifier: `min..=max` ASCII letters, digits and the characters of `extra`.
    Code {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
        /// The punctuation allowed besides letters and digits.
        extra: &'static str,
    },
    /// Only digits, `min..=max` of them.
    Digits {
        /// Fewest digits.
        min: usize,
        /// Most digits.
        max: usize,
    },
    /// A positive whole number in the currency's smallest unit (fen, cents): never a float or a
    /// string, at most 2^53 − 1 (exact in every language).
    Amount,
    /// An upper-case ISO 4217 code (`CNY`, `HKD`, `USD`).
    Currency,
    /// A notification URL: `https`, no user name or password, no query, no fragment (plain
    /// `http` only to a loopback host, for local tests against the sandbox).
    NotifyUrl,
    /// A base URI override (checked as the configuration's `base_uri`).
    BaseUri,
    /// An RFC 3339 time (`2026-12-06T14:00:00+08:00`).
    Time,
    /// A whole number in `min..=max`.
    Int {
        /// Smallest.
        min: i64,
        /// Largest.
        max: i64,
    },
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// A JSON object, sent as given.
    Object,
    /// A JSON array, sent as given.
    Array,
    /// Any JSON value, sent as given.
    Json,
}

impl Ty {
    /// The type's name in [`catalogue_json`]: `string`, `integer`, `amount`, `object`, `array`,
    /// `json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Ty::Text { .. }
            | Ty::Code { .. }
            | Ty::Digits { .. }
            | Ty::Currency
            | Ty::NotifyUrl
            | Ty::BaseUri
            | Ty::Time
            | Ty::Choice(_) => "string",
            Ty::Amount => "amount",
            Ty::Int { .. } => "integer",
            Ty::Object => "object",
            Ty::Array => "array",
            Ty::Json => "json",
        }
    }

    /// The rule as one line, for docs and typings.
    pub fn rule(&self) -> String {
        match self {
            Ty::Text { min, max } => format!("{min}–{max} characters"),
            Ty::Code {
                min,
                max,
                extra: "",
            } => {
                format!("{min}–{max} letters and digits")
            }
            Ty::Code { min, max, extra } => {
                format!("{min}–{max} letters, digits and {extra}")
            }
            Ty::Digits { min, max } if min == max => format!("{min} digits"),
            Ty::Digits { min, max } => format!("{min}–{max} digits"),
            Ty::Amount => "a positive integer in the currency's smallest unit (fen, cents)".into(),
            Ty::Currency => "an upper-case ISO 4217 code (CNY, HKD, USD…)".into(),
            Ty::NotifyUrl => "an https URL without user name, query or fragment".into(),
            Ty::BaseUri => "an absolute https base URI".into(),
            Ty::Time => "an RFC 3339 time, e.g. 2026-12-06T14:00:00+08:00".into(),
            Ty::Int { min, max } => format!("an integer from {min} to {max}"),
            Ty::Choice(c) => format!("one of {}", c.join(", ")),
            Ty::Object => "an object, sent as given".into(),
            Ty::Array => "an array, sent as given".into(),
            Ty::Json => "any JSON value, sent as given".into(),
        }
    }
}

/// Where an argument goes.
#[derive(Clone, Copy, Debug)]
pub enum To {
    /// The URI template's placeholder of the same name.
    Path,
    /// A query parameter of this name.
    Query(&'static str),
    /// The JSON body, at this dotted path (`amount.total`).
    Body(&'static str),
    /// The JSON body, at a path that depends on the family (the first entry whose families
    /// hold the call's).
    BodyBy(&'static [(Families, &'static str)]),
    /// The JSON body, at one path in merchant mode and another in service-provider mode
    /// (`payer.openid` / `payer.sp_openid`).
    ByMode {
        /// Merchant mode (no `sub_mchid`).
        merchant: &'static str,
        /// Service-provider or institution mode.
        provider: &'static str,
    },
    /// Not sent: it chooses how the call is made (`endpoint`, `base_uri`).
    Control,
    /// The merchant identity (`mchid`, `sub_mchid`, `appid`…), placed by the call's
    /// [`Identity`] rule.
    Identity,
    /// Read by the call's own builder (the security echo, uploads).
    Special,
}

/// An argument of a call.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    /// Its name, snake_case (camelCase is accepted too: `notifyUrl` for `notify_url`). Two
    /// declarations may share a name for different families (an `out_trade_no` has other
    /// rules on the mainland than on HK and Global).
    pub name: &'static str,
    /// Its type and checks.
    pub ty: Ty,
    /// The families it applies to; given for another family it is an error.
    pub families: Families,
    /// The families where it is required.
    pub required: Families,
    /// What is sent when it is not given (for the families it applies to).
    pub default: Option<Default>,
    /// Where it goes.
    pub to: To,
    /// One line of documentation.
    pub doc: &'static str,
}

/// A default value.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    /// A string.
    Text(&'static str),
    /// A whole number.
    Int(i64),
}

impl Default {
    /// As JSON.
    pub fn to_json(self) -> Value {
        match self {
            Default::Text(s) => Value::from(s),
            Default::Int(n) => Value::from(n),
        }
    }
}

impl Arg {
    /// An optional argument of every family.
    pub const fn new(name: &'static str, ty: Ty, to: To, doc: &'static str) -> Arg {
        Arg {
            name,
            ty,
            families: Families::ALL,
            required: Families::NONE,
            default: None,
            to,
            doc,
        }
    }

    /// Required in every family it applies to.
    pub const fn required(self) -> Arg {
        Arg {
            required: self.families,
            ..self
        }
    }

    /// Required in `families`.
    pub const fn required_in(self, families: Families) -> Arg {
        Arg {
            required: families,
            ..self
        }
    }

    /// Applies only to `families`.
    pub const fn only(self, families: Families) -> Arg {
        Arg {
            families,
            required: Families(self.required.0 & families.0),
            ..self
        }
    }

    /// Sent as `value` when not given.
    pub const fn or(self, value: Default) -> Arg {
        Arg {
            default: Some(value),
            ..self
        }
    }
}

/// Whether a call's merchant identity carries an app id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppId {
    /// No app id.
    No,
    /// `appid` required in merchant mode; `sp_appid` (or `appid`) and `sub_appid` sent when
    /// given in service-provider mode.
    Merchant,
    /// Required in both modes (`appid`, or `sp_appid` with `sub_mchid`).
    Always,
}

/// How a call carries the merchant's identity (in the query of a GET, else in the body).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// Not at all.
    None,
    /// `mchid` (merchant mode) or `sp_mchid` + `sub_mchid` (service-provider or institution
    /// mode, when `sub_mchid` is given), and the app id as [`AppId`] says. The merchant ids
    /// default to the client's `mchid`.
    Merchant(AppId),
    /// Only `sub_mchid`, when given (mainland refunds: the signature names the merchant).
    SubMchid,
    /// The seed's close rule, kept exactly: `mchid`, `sub_mchid`, `sp_mchid` in that order as
    /// given; `mchid` defaults to the client's when neither `mchid` nor `sp_mchid` nor
    /// `sub_mchid` is given, `sp_mchid` when only `sub_mchid` is.
    Close,
}

/// One endpoint of a call.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// The families it serves.
    pub families: Families,
    /// The HTTP method.
    pub method: &'static str,
    /// The URI template, relative to the family's base URI.
    pub template: &'static str,
    /// Where it is documented.
    pub source: &'static str,
}

/// A field of a call's answer.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Its name in every language's result (snake_case; Node's camelCase is derived).
    pub name: &'static str,
    /// `string`, `integer`, `object` or `array`.
    pub ty: &'static str,
    /// Where it is in the answer: a dotted path per family (the first entry whose families
    /// hold the call's).
    pub from: &'static [(Families, &'static str)],
    /// The families whose answers must carry it (a missing one is a `DECODE` error).
    pub required: Families,
    /// Its value when the answer is `202 Accepted` without it (code pay: `USERPAYING`).
    pub accepted: Option<&'static str>,
    /// One line of documentation.
    pub doc: &'static str,
}

/// What a call returns.
#[derive(Clone, Copy, Debug)]
pub enum Returns {
    /// Nothing but success (`204 No Content`).
    Nothing,
    /// The answer's JSON as it is (Python and Node hand it over parsed, PHP as the PSR-7
    /// response); `fields` describe it for typings.
    Json {
        /// The type's name in typings (`SecurityEcho`).
        name: &'static str,
        /// One line of documentation.
        doc: &'static str,
        /// The fields the answer carries, as WeChat Pay names them.
        fields: &'static [Field],
    },
    /// Typed fields, with the whole JSON kept as `raw`.
    Shape {
        /// The result type's name in every language (`Transaction`, `Refund`…).
        name: &'static str,
        /// One line of documentation.
        doc: &'static str,
        /// Its fields.
        fields: &'static [Field],
    },
}

/// Which builder makes the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builder {
    /// The table-driven one: endpoint, path, query and body from the arguments.
    Standard,
    /// The security self-test (`message` sent plain and encrypted; success checks the echo).
    Echo,
    /// A media upload (multipart, the signature over the meta).
    Upload,
}

/// A rule between two arguments.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// Exactly one of these arguments is given.
    OneOf(&'static [&'static str]),
    /// At least one of these arguments is given.
    AnyOf(&'static [&'static str]),
    /// The first amount is at most the second (a refund at most the order's total).
    NotAbove(&'static str, &'static str),
}

/// A typed call, declared once.
#[derive(Clone, Copy, Debug)]
pub struct CallSpec {
    /// Its name (snake_case): `query_out_trade_no`. Languages derive theirs (`queryOutTradeNo`).
    pub name: &'static str,
    /// One line: what it does.
    pub summary: &'static str,
    /// More documentation (a paragraph, may be empty).
    pub doc: &'static str,
    /// The argument a language may take positionally, first (`transaction_id`).
    pub lead: Option<&'static str>,
    /// Its endpoints.
    pub endpoints: &'static [Endpoint],
    /// The family used when no `endpoint` is given: `None` is the client's (from its
    /// `base_uri`: `apihk.…` Global, `…/hk/` HK, else mainland).
    pub default_endpoint: Option<Family>,
    /// How the merchant identity is carried, per family.
    pub identity: &'static [(Families, Identity)],
    /// Its own arguments (identity, `endpoint`, `base_uri` and `extra` are added by the rules
    /// above; see [`CallSpec::args`]).
    pub args: &'static [Arg],
    /// Constant body fields per family (`trade_type` on HK and Global).
    pub consts: &'static [(Families, &'static str, &'static str)],
    /// Rules between arguments.
    pub rules: &'static [Rule],
    /// Whether `extra` (fields not typed here, merged into the body) is taken.
    pub extra: bool,
    /// The statuses that are success (after verification).
    pub success: &'static [u16],
    /// What it returns.
    pub returns: Returns,
    /// Which builder makes the request.
    pub builder: Builder,
}

const MERCHANT_ID: Ty = Ty::Digits { min: 1, max: 32 };
const APP_ID: Ty = Ty::Code {
    min: 1,
    max: 32,
    extra: "_",
};

/// The identity arguments, added to calls whose [`Identity`] uses them.
static MCHID_ARGS: [Arg; 3] = [
    Arg::new(
        "mchid",
        MERCHANT_ID,
        To::Identity,
        "the merchant id (default: the client's mchid)",
    ),
    Arg::new(
        "sub_mchid",
        MERCHANT_ID,
        To::Identity,
        "the sub-merchant: service-provider (institution) mode",
    ),
    Arg::new(
        "sp_mchid",
        MERCHANT_ID,
        To::Identity,
        "the service provider (institution) with sub_mchid (default: the client's mchid)",
    ),
];

static APPID_ARGS: [Arg; 3] = [
    Arg::new(
        "appid",
        APP_ID,
        To::Identity,
        "the app id (official account, mini program or app) the payer pays in",
    ),
    Arg::new(
        "sp_appid",
        APP_ID,
        To::Identity,
        "the service provider's app id, with sub_mchid (default: appid)",
    ),
    Arg::new(
        "sub_appid",
        APP_ID,
        To::Identity,
        "the sub-merchant's app id, with sub_mchid",
    ),
];

static SUB_MCHID_ARG: [Arg; 1] = [Arg::new(
    "sub_mchid",
    MERCHANT_ID,
    To::Identity,
    "the sub-merchant: service-provider mode",
)];

static ENDPOINT_ARG: Arg = Arg::new(
    "endpoint",
    Ty::Choice(&["mainland", "hk", "global"]),
    To::Control,
    "which API: mainland (api.mch.weixin.qq.com/v3/pay/…), hk (api.mch.weixin.qq.com/hk/v3/…) or global (apihk.mch.weixin.qq.com/v3/global/…); default: the client's base_uri",
);

static BASE_URI_ARG: Arg = Arg::new(
    "base_uri",
    Ty::BaseUri,
    To::Control,
    "overrides the endpoint's base URI (a gateway in front of WeChat Pay)",
);

static EXTRA_ARG: Arg = Arg::new(
    "extra",
    Ty::Object,
    To::Control,
    "body fields not typed here (detail, settle_info, …), merged into the body as given",
);

impl CallSpec {
    /// Every argument of the call, in order: its own, then the identity ones its rule uses,
    /// `endpoint`, `base_uri` and `extra` when taken.
    pub fn args(&self) -> impl Iterator<Item = &'static Arg> + '_ {
        let families = self.families();
        let uses = |f: fn(&Identity) -> bool| self.identity.iter().any(|(_, i)| f(i));
        let mchids: &'static [Arg] =
            if uses(|i| matches!(i, Identity::Merchant(_) | Identity::Close)) {
                &MCHID_ARGS
            } else if uses(|i| *i == Identity::SubMchid) {
                &SUB_MCHID_ARG
            } else {
                &[]
            };
        let appids: &'static [Arg] =
            if uses(|i| matches!(i, Identity::Merchant(AppId::Merchant | AppId::Always))) {
                &APPID_ARGS
            } else {
                &[]
            };
        // `endpoint` when more than one API serves the call (the mainland's direct and partner
        // paths are one API: `sub_mchid` chooses).
        let apis = families.iter().fold(Vec::new(), |mut v, f| {
            if !v.contains(&f.endpoint()) {
                v.push(f.endpoint());
            }
            v
        });
        let control: [Option<&'static Arg>; 3] = [
            (self.builder == Builder::Standard && apis.len() > 1).then_some(&ENDPOINT_ARG),
            (self.builder == Builder::Standard).then_some(&BASE_URI_ARG),
            self.extra.then_some(&EXTRA_ARG),
        ];
        self.args
            .iter()
            .chain(mchids.iter())
            .chain(appids.iter())
            .chain(control.into_iter().flatten())
    }

    /// The families that serve the call.
    pub fn families(&self) -> Families {
        self.endpoints
            .iter()
            .fold(Families::NONE, |acc, e| acc.or(e.families))
    }

    /// The endpoint serving `family`.
    pub fn endpoint(&self, family: Family) -> Option<&'static Endpoint> {
        self.endpoints.iter().find(|e| e.families.has(family))
    }

    /// The entry as JSON (one element of [`catalogue_json`]'s `calls`).
    pub fn to_json(&self) -> Value {
        let args: Vec<Value> = self
            .args()
            .map(|a| {
                json!({
                    "name": a.name,
                    "type": a.ty.kind(),
                    "rule": a.ty.rule(),
                    "choices": match a.ty { Ty::Choice(c) => json!(c), _ => Value::Null },
                    "families": a.families.to_json(),
                    "required": a.required.to_json(),
                    "default": a.default.map(Default::to_json),
                    "doc": a.doc,
                })
            })
            .collect();
        let endpoints: Vec<Value> = self
            .endpoints
            .iter()
            .map(|e| {
                json!({
                    "families": e.families.to_json(),
                    "method": e.method,
                    "template": e.template,
                    "source": e.source,
                })
            })
            .collect();
        let returns = match self.returns {
            Returns::Nothing => json!({"kind": "nothing"}),
            Returns::Json { name, doc, fields } | Returns::Shape { name, doc, fields } => json!({
                "kind": if matches!(self.returns, Returns::Json { .. }) { "json" } else { "shape" },
                "name": name,
                "doc": doc,
                "fields": fields.iter().map(|f| json!({
                    "name": f.name,
                    "type": f.ty,
                    "required": f.required.to_json(),
                    "doc": f.doc,
                })).collect::<Vec<_>>(),
            }),
        };
        json!({
            "name": self.name,
            "summary": self.summary,
            "doc": self.doc,
            "lead": self.lead,
            "families": self.families().to_json(),
            "default_endpoint": self.default_endpoint.map(Family::endpoint),
            "endpoints": endpoints,
            "args": args,
            "success": self.success,
            "returns": returns,
            "builder": match self.builder {
                Builder::Standard => "standard",
                Builder::Echo => "echo",
                Builder::Upload => "upload",
            },
        })
    }
}

/// The call named `name`.
pub fn find(name: &str) -> Option<&'static CallSpec> {
    CALLS.iter().find(|c| c.name == name)
}

/// The whole catalogue as JSON: `{"version", "calls": [{name, summary, doc, lead, families,
/// default_endpoint, endpoints: [{families, method, template, source}], args: [{name, type,
/// rule, choices, families, required, doc}], success, returns: {kind, name, doc, fields}}]}`.
pub fn catalogue_json() -> Value {
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "calls": CALLS.iter().map(CallSpec::to_json).collect::<Vec<_>>(),
    })
}

/// The call named `name`, or an INVALID_ARGUMENT error listing the calls there are.
pub fn lookup(name: &str) -> crate::Result<&'static CallSpec> {
    find(name).ok_or_else(|| {
        crate::Error::invalid(format!(
            "`{}` is not a call of the catalogue; the calls are: {}",
            crate::error::quote(name),
            CALLS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// [`catalogue_json`] as text, made once per process (the C ABI hands out a pointer to it).
pub fn catalogue_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| catalogue_json().to_string())
}

pub(crate) use build::{Built, Checked};
pub use result::result_json;

#[cfg(test)]
mod tests;
