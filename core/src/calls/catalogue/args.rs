//! The arguments of a typed call as given: spellings, unknown names, and each value checked
//! against its [`Ty`] before anything is built or sent. Every error names the argument
//! ([`Error::argument_name`]) as the catalogue does, so every language reports the same field.

use serde_json::Value;

use super::{Arg, CallSpec, Families, Family, Ty};
use crate::error::{quote, type_name, Error, Result};

/// Largest amount taken: 2^53 − 1, exact as a double (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_AMOUNT: u64 = (1 << 53) - 1;

/// `notify_url`'s longest form (WeChat Pay's field is `string(255)`).
pub const MAX_NOTIFY_URL: usize = 255;

/// `sub_mchid` → `subMchid`: the spelling Node and the PHP SDK's users write.
pub(crate) fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The arguments given to `spec`, each matched to its declaration (in either spelling), in
/// the order given; `null` counts as not given.
pub(crate) fn parse(spec: &'static CallSpec, args: &Value) -> Result<Vec<(&'static Arg, Value)>> {
    let map = match args {
        Value::Null => return Ok(Vec::new()),
        Value::Object(m) => m,
        other => {
            return Err(Error::invalid(format!(
                "the arguments of {} must be an object like {{\"{}\": …}}, got {}",
                spec.name,
                spec.args().next().map_or("…", |a| a.name),
                type_name(other)
            )))
        }
    };
    let mut out: Vec<(&'static Arg, Value)> = Vec::with_capacity(map.len());
    let mut spelled: Vec<(&'static str, &str)> = Vec::new();
    for (key, value) in map {
        let arg = spec
            .args()
            .find(|a| a.name == key || camel(a.name) == *key)
            .ok_or_else(|| unknown(spec, key))?;
        if let Some((_, first)) = spelled.iter().find(|(n, _)| *n == arg.name) {
            return Err(Error::argument(
                arg.name,
                format!(
                    "{} options `{first}` and `{}` are the same option; give only one",
                    verb(spec),
                    quote(key)
                ),
            ));
        }
        spelled.push((arg.name, key));
        if !value.is_null() {
            out.push((arg, value.clone()));
        }
    }
    Ok(out)
}

fn unknown(spec: &CallSpec, key: &str) -> Error {
    let mut names: Vec<&str> = Vec::new();
    for a in spec.args() {
        if !names.contains(&a.name) {
            names.push(a.name);
        }
    }
    let lower = key.to_ascii_lowercase().replace('-', "_");
    let near = names
        .iter()
        .map(|n| {
            (
                distance(&lower, n).min(distance(&lower, &camel(n).to_ascii_lowercase())),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Error::invalid(format!(
        "unknown {} option `{}`{near}; {} takes: {}",
        verb(spec),
        quote(key),
        spec.name,
        names.join(", ")
    ))
}

/// The call's verb, for messages: "close" of `close_transaction`.
fn verb(spec: &CallSpec) -> &'static str {
    spec.name.split('_').next().unwrap_or(spec.name)
}

/// `value` checked as `arg` for `family`: what is sent (a string for ids given as integers).
pub(crate) fn check(arg: &'static Arg, value: &Value, family: Family) -> Result<Value> {
    let name = arg.name;
    let bad = |what: String| Error::argument(name, format!("argument `{name}` {what}"));
    let text = || -> Result<&str> {
        value
            .as_str()
            .ok_or_else(|| bad(format!("must be a string, got {}", type_name(value))))
    };
    match arg.ty {
        Ty::Text { min, max } => {
            let s = text()?;
            let n = s.chars().count();
            if n < min || n > max {
                return Err(bad(if n == 0 {
                    "is empty".to_owned()
                } else {
                    format!("is {n} characters long; WeChat Pay takes {min}–{max}")
                }));
            }
            if let Some(c) = s.chars().find(|c| c.is_control()) {
                return Err(bad(format!(
                    "contains the control character {c:?}; give printable text"
                )));
            }
            Ok(Value::String(s.to_owned()))
        }
        Ty::Code { min, max, extra } => code(&bad, value, min, max, extra, false),
        Ty::Digits { min, max } => code(&bad, value, min, max, "", true),
        Ty::Amount => amount(&bad, value).map(Value::from),
        Ty::Currency => {
            let s = text()?;
            if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(bad(format!(
                    "is `{}`; give a three-letter ISO 4217 code such as CNY, HKD or USD",
                    quote(s)
                )));
            }
            if !s.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad(format!(
                    "is `{}`; ISO 4217 codes are upper-case: `{}`",
                    quote(s),
                    s.to_ascii_uppercase()
                )));
            }
            if Families::CN.has(family) && s != "CNY" {
                return Err(bad(format!(
                    "is `{s}`; the mainland API takes only CNY (use endpoint \"hk\" or \"global\" for other currencies)"
                )));
            }
            Ok(Value::String(s.to_owned()))
        }
        Ty::NotifyUrl => notify_url(&bad, text()?).map(Value::String),
        Ty::BaseUri => {
            // Its form here (the client's `insecure_http` is applied when the request is built).
            let s = text()?;
            crate::config::uri::parse_base_uri(name, s, true).map_err(|e| e.for_argument(name))?;
            Ok(Value::String(s.to_owned()))
        }
        Ty::Time => {
            let s = text()?;
            if !is_rfc3339(s) {
                return Err(bad(format!(
                    "is `{}`; give an RFC 3339 time such as 2026-12-06T14:00:00+08:00",
                    quote(s)
                )));
            }
            Ok(Value::String(s.to_owned()))
        }
        Ty::Int { min, max } => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
            Some(n) => Err(bad(format!("is {n}; give an integer from {min} to {max}"))),
            None => Err(bad(format!(
                "must be an integer from {min} to {max}, got {}",
                shown(value)
            ))),
        },
        Ty::Choice(choices) => {
            let s = text()?;
            if choices.contains(&s) {
                Ok(Value::String(s.to_owned()))
            } else {
                Err(bad(format!(
                    "is `{}`; give one of: {}",
                    quote(s),
                    choices.join(", ")
                )))
            }
        }
        Ty::Object => match value {
            Value::Object(_) => Ok(value.clone()),
            other => Err(bad(format!("must be an object, got {}", type_name(other)))),
        },
        Ty::Array => match value {
            Value::Array(_) => Ok(value.clone()),
            other => Err(bad(format!("must be an array, got {}", type_name(other)))),
        },
        Ty::Json => Ok(value.clone()),
    }
}

/// A JSON value as a short text for messages (numbers and booleans as written, strings
/// quoted and bounded).
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string \"{}\"", quote(s)),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => type_name(other).to_owned(),
    }
}

fn code(
    bad: &dyn Fn(String) -> Error,
    value: &Value,
    min: usize,
    max: usize,
    extra: &str,
    digits: bool,
) -> Result<Value> {
    let s = match value {
        Value::String(s) => s.clone(),
        // A merchant id written as a number (PHP and JSON users do it).
        Value::Number(n) if digits && n.is_u64() => n.to_string(),
        other => return Err(bad(format!("must be a string, got {}", type_name(other)))),
    };
    if s.is_empty() {
        return Err(bad("is empty".to_owned()));
    }
    let allowed = |c: char| {
        if digits {
            c.is_ascii_digit()
        } else {
            c.is_ascii_alphanumeric() || extra.contains(c)
        }
    };
    if let Some(c) = s.chars().find(|c| !allowed(*c)) {
        let set = if digits {
            "digits only".to_owned()
        } else if extra.is_empty() {
            "only letters and digits".to_owned()
        } else {
            format!("only letters, digits and {extra}")
        };
        return Err(bad(format!("contains {c:?}; it takes {set}")));
    }
    let n = s.chars().count();
    if n < min || n > max {
        let range = if min == max {
            format!("exactly {min}")
        } else if min <= 1 {
            format!("at most {max}")
        } else {
            format!("{min}–{max}")
        };
        return Err(bad(format!(
            "is {n} characters long; WeChat Pay takes {range}"
        )));
    }
    Ok(Value::String(s))
}

fn amount(bad: &dyn Fn(String) -> Error, value: &Value) -> Result<u64> {
    let unit = "a whole number of the currency's smallest unit (fen, cents)";
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u == 0 {
                    return Err(bad(format!("is 0; give {unit} of at least 1")));
                }
                if u > MAX_AMOUNT {
                    return Err(bad(format!(
                        "is {u}, beyond {MAX_AMOUNT} (the largest amount every language carries exactly)"
                    )));
                }
                return Ok(u);
            }
            if n.as_i64().is_some() {
                return Err(bad(format!("is {n}; amounts are positive: give {unit}")));
            }
            Err(bad(format!(
                "is {n}: amounts are {unit}, never fractions or floats (10.50 yuan is 1050)"
            )))
        }
        Value::String(s) => Err(bad(format!(
            "is the string \"{}\"; give the number itself, {unit}",
            quote(s)
        ))),
        other => Err(bad(format!("must be {unit}, got {}", type_name(other)))),
    }
}

fn notify_url(bad: &dyn Fn(String) -> Error, s: &str) -> Result<String> {
    if s.len() > MAX_NOTIFY_URL {
        return Err(bad(format!(
            "is {} bytes long; WeChat Pay takes at most {MAX_NOTIFY_URL}",
            s.len()
        )));
    }
    let url = url::Url::parse(s).map_err(|e| {
        bad(format!(
            "`{}` is not an absolute URL ({e}); give https://your.host/path",
            quote(s)
        ))
    })?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "is http; WeChat Pay notifies only https URLs (plain http only to a loopback host, for local tests)".to_owned(),
            ))
        }
        other => {
            return Err(bad(format!(
                "has the scheme `{}`; give an https URL",
                quote(other)
            )))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "carries a user name or password; WeChat Pay's notifications carry no credentials in the URL (they are signed)".to_owned(),
        ));
    }
    if url.query().is_some() {
        return Err(bad(
            "has a query string; WeChat Pay takes a notification URL without parameters (put what you need in the path, or in `attach`)".to_owned(),
        ));
    }
    if url.fragment().is_some() {
        return Err(bad(
            "has a fragment (#…); give the URL without it".to_owned()
        ));
    }
    Ok(s.to_owned())
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|x| x.is_ascii_digit()),
        _ => false,
    }
}
