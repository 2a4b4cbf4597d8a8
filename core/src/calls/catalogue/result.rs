//! A typed call's result: the fields its entry names, read from the verified answer of the
//! family that served it (HK's `id` is the mainland's `transaction_id`, its `mweb_url` the
//! `h5_url`), each checked for its type, with the whole answer kept as `raw`.

use serde_json::{Map, Value};

use super::{CallSpec, Family, Returns};
use crate::error::{quote, type_name, Error, ErrorKind, Result};
use crate::response::Response;

fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, part| v.get(part))
}

fn is(ty: &str, v: &Value) -> bool {
    match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "boolean" => v.is_boolean(),
        _ => true,
    }
}

/// The result of `spec` served by `family` for the verified `response`: `status`,
/// `request_id`, the typed fields (`null` when absent) and `raw`. An answer that is not JSON
/// where fields are expected, misses a required field or carries one of the wrong type is a
/// `DECODE` error.
pub fn result_json(spec: &CallSpec, family: Family, response: &Response) -> Result<Value> {
    let decode = |what: String| {
        Error::new(
            ErrorKind::Decode,
            format!("the answer to {} {what}", spec.name),
        )
        .with_response(response.status(), response.request_id().map(str::to_owned))
    };
    let mut out = Map::new();
    out.insert("status".into(), Value::from(response.status()));
    out.insert(
        "request_id".into(),
        response.request_id().map_or(Value::Null, Value::from),
    );
    let raw = match spec.returns {
        Returns::Nothing => Value::Null,
        Returns::Json { .. } | Returns::Shape { .. } => {
            if response.body().is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(response.body())
                    .map_err(|e| decode(format!("is not JSON ({e})")))?
            }
        }
    };
    if let Returns::Shape { fields, .. } = spec.returns {
        if !(raw.is_object() || (raw.is_null() && response.status() == 204)) {
            return Err(decode(format!("is {}, not a JSON object", type_name(&raw))));
        }
        for f in fields {
            let path = f
                .from
                .iter()
                .find(|(fams, _)| fams.has(family))
                .map_or(f.name, |(_, p)| p);
            let value = match at(&raw, path) {
                Some(Value::Null) | None => {
                    if response.status() == 202 {
                        f.accepted.map_or(Value::Null, Value::from)
                    } else if f.required.has(family) {
                        return Err(decode(format!(
                            "has no `{path}` (WeChat Pay always sends it for a {} call)",
                            family.name()
                        )));
                    } else {
                        Value::Null
                    }
                }
                Some(v) if is(f.ty, v) => v.clone(),
                Some(v) => {
                    return Err(decode(format!(
                        "has `{}` as {}, not a {}",
                        quote(path),
                        type_name(v),
                        f.ty
                    )))
                }
            };
            out.insert(f.name.to_owned(), value);
        }
    }
    out.insert("raw".into(), raw);
    Ok(Value::Object(out))
}
