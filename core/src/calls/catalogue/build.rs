//! The table-driven builder: a catalogue entry and its checked arguments to the exact request
//! (method, URL, query, body) — once for every entry.

use serde_json::{Map, Value};

use super::args;
use super::{AppId, Arg, Builder, CallSpec, Default, Family, Identity, Rule, To};
use crate::client::Client;
use crate::error::{quote, Error, Result};
use crate::options::RequestOptions;
use crate::protocol::platform_keys::Endpoint as CertificateEndpoint;

/// A call's arguments checked: which family serves it, and the values.
pub(crate) struct Checked {
    pub(crate) spec: &'static CallSpec,
    pub(crate) family: Family,
    /// Service-provider (institution) mode: `sub_mchid` was given.
    pub(crate) provider: bool,
    pub(crate) values: Vec<(&'static Arg, Value)>,
}

impl Checked {
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(a, _)| a.name == name)
            .map(|(_, v)| v)
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
}

/// The request of a standard call: its method, template and options.
pub(crate) struct Built {
    pub(crate) method: &'static str,
    pub(crate) template: &'static str,
    pub(crate) options: RequestOptions,
}

/// The family of the client's base URI: the rule `certificate_endpoint` uses (`apihk.…` or a
/// path under `/v3/global/` → Global, under `/hk/` → HK, else mainland).
fn client_family(client: &Client) -> Family {
    match CertificateEndpoint::choose(None, client.base_uri()) {
        CertificateEndpoint::Mainland => Family::Mainland,
        CertificateEndpoint::Hk => Family::Hk,
        CertificateEndpoint::Global => Family::Global,
    }
}

/// Check `args` against `spec`: spellings, unknown names, the family, each value, the required
/// ones and the rules between them. Nothing is built yet.
pub(crate) fn check(client: &Client, spec: &'static CallSpec, args: &Value) -> Result<Checked> {
    let given = args::parse(spec, args)?;
    let endpoint = given
        .iter()
        .find(|(a, _)| a.name == "endpoint")
        .map(|(a, v)| args::check(a, v, Family::Mainland))
        .transpose()?;
    let provider_mode = given.iter().any(|(a, _)| a.name == "sub_mchid");
    let mut family = match endpoint.as_ref().and_then(Value::as_str) {
        Some("hk") => Family::Hk,
        Some("global") => Family::Global,
        Some(_) => Family::Mainland,
        None => spec
            .default_endpoint
            .unwrap_or_else(|| client_family(client)),
    };
    if family == Family::Mainland && provider_mode {
        family = Family::Partner;
    }
    if spec.builder == Builder::Standard && spec.endpoint(family).is_none() {
        let served = spec.families();
        let hint = if served.has(Family::Hk) || served.has(Family::Global) {
            " (choose it with `endpoint`)"
        } else {
            ""
        };
        return Err(Error::argument(
            "endpoint",
            format!(
                "{} is not served by the {} API{}; it is served by: {}{hint}",
                spec.name,
                family.name(),
                if family == Family::Partner {
                    " (service-provider mode: sub_mchid was given)"
                } else {
                    ""
                },
                served.names()
            ),
        ));
    }
    let mut values = Vec::with_capacity(given.len());
    for (declared, value) in given {
        // The declaration for this family (an argument may be declared once per family set).
        let Some(arg) = spec
            .args()
            .find(|a| a.name == declared.name && a.families.has(family))
        else {
            let families = spec
                .args()
                .filter(|a| a.name == declared.name)
                .fold(super::Families::NONE, |acc, a| acc.or(a.families));
            return Err(Error::argument(
                declared.name,
                format!(
                    "argument `{}` of {} applies only to the {} API, not {}",
                    declared.name,
                    spec.name,
                    families.names(),
                    family.name()
                ),
            ));
        };
        if let To::ByMode { merchant, provider } = arg.to {
            let path = if provider_mode { provider } else { merchant };
            if path.is_empty() {
                return Err(Error::argument(
                    arg.name,
                    format!(
                        "argument `{}` of {} is {}",
                        arg.name,
                        spec.name,
                        if provider_mode {
                            "merchant mode; it does not go with sub_mchid"
                        } else {
                            "service-provider mode: give sub_mchid too"
                        }
                    ),
                ));
            }
        }
        let checked = args::check(arg, &value, family)?;
        values.push((arg, checked));
    }
    for arg in spec.args().filter(|a| a.families.has(family)) {
        if values.iter().any(|(a, _)| a.name == arg.name) {
            continue;
        }
        if arg.required.has(family) {
            return Err(Error::argument(
                arg.name,
                format!(
                    "{} needs `{}` ({}) on the {} API: {}",
                    spec.name,
                    arg.name,
                    arg.ty.rule(),
                    family.name(),
                    arg.doc
                ),
            ));
        }
        if let Some(d) = arg.default {
            values.push((
                arg,
                match d {
                    Default::Text(s) => Value::from(s),
                    Default::Int(n) => Value::from(n),
                },
            ));
        }
    }
    let checked = Checked {
        spec,
        family,
        provider: provider_mode,
        values,
    };
    for rule in spec.rules {
        match *rule {
            Rule::OneOf(names) => {
                let given: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| checked.get(n).is_some())
                    .collect();
                if given.len() != 1 {
                    return Err(Error::argument(
                        names[0],
                        format!(
                            "{} needs exactly one of {}; {}",
                            spec.name,
                            names.join(", "),
                            if given.is_empty() {
                                "none was given".to_owned()
                            } else {
                                format!("{} were given", given.join(" and "))
                            }
                        ),
                    ));
                }
            }
            Rule::AnyOf(names) => {
                if !names.iter().any(|n| checked.get(n).is_some()) {
                    return Err(Error::argument(
                        names[0],
                        format!("{} needs {}", spec.name, names.join(" or ")),
                    ));
                }
            }
            Rule::NotAbove(low, high) => {
                if let (Some(l), Some(h)) = (
                    checked.get(low).and_then(Value::as_u64),
                    checked.get(high).and_then(Value::as_u64),
                ) {
                    if l > h {
                        return Err(Error::argument(
                            low,
                            format!("argument `{low}` is {l}, above `{high}` {h}: a refund is at most the order's total"),
                        ));
                    }
                }
            }
        }
    }
    Ok(checked)
}

/// Insert `value` at the dotted `path` of `body`, making the objects on the way; an object
/// given where one is already (`scene_info` beside `payer_client_ip`) is merged into it.
fn insert(body: &mut Map<String, Value>, path: &str, value: Value) -> Result<()> {
    let (parents, last) = match path.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, path),
    };
    let mut map = body;
    for part in parents.into_iter().flat_map(|p| p.split('.')) {
        let slot = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        map = slot.as_object_mut().ok_or_else(|| {
            Error::new(
                crate::ErrorKind::InvalidArgument,
                format!("the body's `{part}` is not an object, so `{path}` cannot be set in it"),
            )
        })?;
    }
    match (map.get_mut(last), value) {
        (Some(Value::Object(have)), Value::Object(more)) => {
            for (k, v) in more {
                if have.contains_key(&k) {
                    return Err(Error::invalid(format!(
                        "`{path}.{}` is given twice (by a typed argument and inside an object); give it once",
                        quote(&k)
                    )));
                }
                have.insert(k, v);
            }
        }
        (Some(Value::Object(have)), _) if !have.is_empty() => {
            return Err(Error::invalid(format!(
                "`{path}` is given twice (by a typed argument and inside an object); give it once"
            )))
        }
        (_, value) => {
            map.insert(last.to_owned(), value);
        }
    }
    Ok(())
}

fn text_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The identity fields of the call (`(name, value)` in the order sent), by its rule.
fn identity(client: &Client, c: &Checked, rule: Identity) -> Result<Vec<(&'static str, String)>> {
    let given = |n: &str| c.text(n).map(str::to_owned);
    let own = || client.signer().mchid().to_owned();
    let name = c.spec.name;
    let mode_error = |arg: &'static str, why: &str| -> Error {
        Error::argument(arg, format!("argument `{arg}` of {name} {why}"))
    };
    let mut out = Vec::new();
    match rule {
        Identity::None => {}
        Identity::Close => {
            let (mchid, sub, sp) = (given("mchid"), given("sub_mchid"), given("sp_mchid"));
            let mchid = match (&mchid, &sp) {
                (None, None) if sub.is_none() => Some(own()),
                _ => mchid,
            };
            let sp = match (&sp, &mchid, &sub) {
                (None, None, Some(_)) => Some(own()),
                _ => sp,
            };
            for (k, v) in [("mchid", mchid), ("sub_mchid", sub), ("sp_mchid", sp)] {
                if let Some(v) = v {
                    out.push((k, v));
                }
            }
        }
        Identity::SubMchid => {
            if let Some(sub) = given("sub_mchid") {
                out.push(("sub_mchid", sub));
            }
        }
        Identity::Merchant(appid) if c.provider => {
            if c.get("mchid").is_some() {
                return Err(mode_error(
                    "mchid",
                    "is merchant mode; with sub_mchid (service-provider mode) give sp_mchid instead (default: the client's mchid)",
                ));
            }
            let sp_appid = given("sp_appid").or_else(|| given("appid"));
            if appid == AppId::Always && sp_appid.is_none() {
                return Err(Error::argument(
                    "sp_appid",
                    format!("{name} in service-provider mode needs `sp_appid` (or `appid`): the service provider's app id"),
                ));
            }
            if appid != AppId::No {
                if let Some(a) = sp_appid {
                    out.push(("sp_appid", a));
                }
            }
            out.push(("sp_mchid", given("sp_mchid").unwrap_or_else(own)));
            if appid != AppId::No {
                if let Some(a) = given("sub_appid") {
                    out.push(("sub_appid", a));
                }
            }
            out.push(("sub_mchid", given("sub_mchid").unwrap_or_default()));
        }
        Identity::Merchant(appid) => {
            for arg in ["sp_mchid", "sp_appid", "sub_appid"] {
                if c.get(arg).is_some() {
                    return Err(mode_error(
                        arg,
                        "is service-provider mode: give sub_mchid too (or, as a merchant, only mchid and appid)",
                    ));
                }
            }
            if appid != AppId::No {
                let a = given("appid").ok_or_else(|| {
                    Error::argument(
                        "appid",
                        format!("{name} needs `appid`: the app id (official account, mini program or app) the payer pays in"),
                    )
                })?;
                out.push(("appid", a));
            }
            out.push(("mchid", given("mchid").unwrap_or_else(own)));
        }
    }
    Ok(out)
}

/// The request of a [`Builder::Standard`] call.
pub(crate) fn build(client: &Client, c: &Checked) -> Result<Built> {
    let spec = c.spec;
    let endpoint = spec.endpoint(c.family).ok_or_else(|| {
        Error::new(
            crate::ErrorKind::Internal,
            format!(
                "catalogue: {} has no {} endpoint",
                spec.name,
                c.family.name()
            ),
        )
    })?;
    let rule = spec
        .identity
        .iter()
        .find(|(f, _)| f.has(c.family))
        .map_or(Identity::None, |(_, i)| *i);
    let ids = identity(client, c, rule)?;
    let mut body = Map::new();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut params: Vec<(String, String)> = Vec::new();
    if endpoint.method == "GET" {
        query.extend(ids.into_iter().map(|(k, v)| (k.to_owned(), v)));
    } else {
        for (k, v) in ids {
            body.insert(k.to_owned(), Value::String(v));
        }
    }
    for (families, path, value) in spec.consts {
        if families.has(c.family) {
            insert(&mut body, path, Value::String((*value).to_owned()))?;
        }
    }
    for (arg, value) in &c.values {
        match arg.to {
            To::Path => params.push((arg.name.to_owned(), text_value(value))),
            To::Query(name) => query.push((name.to_owned(), text_value(value))),
            To::Body(path) => insert(&mut body, path, value.clone())?,
            To::BodyBy(paths) => {
                if let Some((_, path)) = paths.iter().find(|(f, _)| f.has(c.family)) {
                    insert(&mut body, path, value.clone())?;
                }
            }
            To::ByMode { merchant, provider } => insert(
                &mut body,
                if c.provider { provider } else { merchant },
                value.clone(),
            )?,
            To::Control | To::Identity | To::Special => {}
        }
    }
    if let Some(Value::Object(extra)) = c.get("extra") {
        for (k, v) in extra {
            if body.contains_key(k) {
                return Err(Error::argument(
                    "extra",
                    format!(
                        "argument `extra` sets `{}`, which {} already sends from its typed arguments; give it once",
                        quote(k),
                        spec.name
                    ),
                ));
            }
            body.insert(k.clone(), v.clone());
        }
    }
    let base_uri = match c.text("base_uri") {
        Some(b) => b.to_owned(),
        None if c.family.endpoint() == client_family(client).endpoint() => {
            client.base_uri().as_str().to_owned()
        }
        None => c.family.base_uri().to_owned(),
    };
    let body = if body.is_empty() {
        None
    } else {
        Some(serde_json::to_vec(&Value::Object(body)).map_err(|e| {
            Error::new(
                crate::ErrorKind::Internal,
                format!("the body of {} cannot be serialised: {e}", spec.name),
            )
        })?)
    };
    Ok(Built {
        method: endpoint.method,
        template: endpoint.template,
        options: RequestOptions {
            base_uri: Some(base_uri),
            params,
            body,
            query,
            headers: Vec::new(),
            encrypt: Vec::new(),
        },
    })
}

impl Checked {
    /// [`check`]: `args` of `spec` checked for `client`.
    pub(crate) fn new(client: &Client, spec: &'static CallSpec, args: &Value) -> Result<Checked> {
        check(client, spec, args)
    }
}

impl Built {
    /// [`build`]: the request of checked arguments.
    pub(crate) fn new(client: &Client, checked: &Checked) -> Result<Built> {
        build(client, checked)
    }
}
