//! URI templates, chain segments and base-URI resolution: the one implementation every binding uses.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

use crate::error::{quote, Error, Result, Shown};

/// Everything but RFC 3986 "unreserved" characters is percent-encoded in a path segment or query
/// value, so a value can never add a `/`, `?`, `#` or `%` escape of its own.
pub const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encode `value` as one path segment or query component (UTF-8, upper-case hex).
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// Normalise one chain segment exactly as the PHP SDK's `Builder` does:
/// a leading capital is lowered (`PascalCase` → `pascalCase`), every other capital becomes
/// `-` plus its lower case (`camelCase` → `camel-case`), and `_name_` becomes `{name}`.
/// Only segment *names* are normalised; placeholder *values* never are.
pub fn normalize_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len() + 4);
    for (i, c) in segment.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if out.len() >= 2 && out.starts_with('_') && out.ends_with('_') {
        format!("{{{}}}", &out[1..out.len() - 1])
    } else {
        out
    }
}

/// Join chain segments into a URI template: `["v3", "transactions", "id", "_transaction_id_",
/// "close"]` → `v3/transactions/id/{transaction_id}/close`.
pub fn chain_template<S: AsRef<str>>(segments: &[S]) -> String {
    segments
        .iter()
        .map(|s| normalize_segment(s.as_ref()))
        .collect::<Vec<_>>()
        .join("/")
}

/// The placeholder names of a template, in order of appearance (duplicates kept once).
pub fn placeholders(template: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for part in parse(template)? {
        if let Part::Var(name) = part {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    Ok(names)
}

enum Part<'a> {
    Lit(&'a str),
    Var(&'a str),
}

fn parse(template: &str) -> Result<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if let Some(close_before) = rest[..open].find('}') {
            return Err(Error::invalid(format!(
                "URI template `{template_}` has an unmatched `}}` at byte {}",
                template.len() - rest.len() + close_before,
                template_ = Shown(template)
            )));
        }
        parts.push(Part::Lit(&rest[..open]));
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| {
            Error::invalid(format!(
                "URI template `{template_}` has a `{{` without its `}}`",
                template_ = Shown(template)
            ))
        })?;
        let name = &after[..close];
        if let Some(op) = name.chars().next().filter(|c| "+#./;?&=,!@|".contains(*c)) {
            return Err(Error::invalid(format!(
                "URI template `{template_}`: the `{{{op}…}}` operator is not supported; use plain `{{name}}` path placeholders and the `query` option for query strings", template_ = Shown(template))));
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(Error::invalid(format!(
                "URI template `{template_}`: `{{{name}}}` is not a valid placeholder name (letters, digits, `_`, `-`, `.`)", template_ = Shown(template))));
        }
        parts.push(Part::Var(name));
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(Error::invalid(format!(
            "URI template `{template_}` has an unmatched `}}`",
            template_ = Shown(template)
        )));
    }
    parts.push(Part::Lit(rest));
    Ok(parts)
}

/// Expand `template`, taking each placeholder's value from `lookup` and percent-encoding it as one
/// path segment. A missing, empty, `.` or `..` value is an error: nothing is sent.
pub fn expand<'v>(template: &str, lookup: impl Fn(&str) -> Option<&'v str>) -> Result<String> {
    if let Some(c) = template.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(format!(
            "URI template `{}` contains the control character {:?}; templates are printable text",
            Shown(template),
            c
        )));
    }
    let mut out = String::with_capacity(template.len().saturating_add(32));
    for part in parse(template)? {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Var(name) => {
                let value = lookup(name).ok_or_else(|| {
                    Error::invalid(format!(
                        "URI template `{template_}` needs a value for `{{{name}}}`: pass the option `{name}`", template_ = Shown(template)))
                })?;
                if value.is_empty() {
                    return Err(Error::invalid(format!(
                        "placeholder `{name}` is empty; an empty path segment would call a different API"
                    )));
                }
                if let Some(c) = value.chars().find(|c| c.is_control()) {
                    // No WeChat Pay id holds one; a NUL in particular is what a C string would
                    // have cut ("4200000001\0junk" → 4200000001) in a careless binding.
                    return Err(Error::invalid(format!(
                        "placeholder `{name}` contains the control character {c:?}; ids are printable text"
                    )));
                }
                if value == "." || value == ".." {
                    return Err(Error::invalid(format!(
                        "placeholder `{name}` is `{value_}`, which would change the path; it must be an id", value_ = Shown(value))));
                }
                out.push_str(&encode_component(value));
            }
        }
    }
    Ok(out)
}

/// Parse and check a base URI: absolute `https://` (or `http://` when `insecure_http`), with a
/// host, no query or fragment; a missing trailing `/` is added so that relative templates extend
/// its path instead of replacing its last segment.
pub fn parse_base_uri(field: &str, value: &str, insecure_http: bool) -> Result<Url> {
    let mut url = Url::parse(value).map_err(|e| {
        Error::invalid(format!(
            "`{field}` `{}` is not an absolute URL ({e}); expected e.g. `https://api.mch.weixin.qq.com/`",
            Shown(value)
        ))
    })?;
    check_scheme(field, &url, insecure_http)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "`{field}` `{}` must not have a query or fragment",
            Shown(url.as_str())
        )));
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

pub(crate) fn check_scheme(field: &str, url: &Url, insecure_http: bool) -> Result<()> {
    if !url.username().is_empty() || url.password().is_some() {
        // Meant for `Authorization: Basic …`, next to WeChat Pay's own
        // `Authorization`: credentials sent to the server, and a request it must refuse.
        return Err(Error::invalid(format!(
            "`{field}` carries credentials (`user:pass@`); WeChat Pay authenticates requests by their signature alone, so remove them (they would be sent to the server)"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if insecure_http => {}
        "http" => {
            return Err(Error::invalid(format!(
                "`{field}` `{}` uses plain http://; WeChat Pay is HTTPS-only. Use https:// (point `resolve` and `ca_certs` at a test server), or set `insecure_http: true` for a loopback test server",
                Shown(url.as_str())
            )))
        }
        other => {
            return Err(Error::invalid(format!(
                "`{field}` `{}` has scheme `{}`; only https:// is supported",
                Shown(url.as_str()),
                quote(other)
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!(
            "`{field}` `{}` has no host",
            Shown(url.as_str())
        )));
    }
    Ok(())
}

/// Resolve an expanded path (relative like `v3/...` or absolute `https://...`) against `base`.
pub fn resolve(base: &Url, expanded: &str, insecure_http: bool) -> Result<Url> {
    if expanded.starts_with("https://") || expanded.starts_with("http://") {
        let url = Url::parse(expanded).map_err(|e| {
            Error::invalid(format!(
                "URL `{expanded_}` is not valid: {e}",
                expanded_ = Shown(expanded)
            ))
        })?;
        check_scheme("URI template", &url, insecure_http)?;
        return Ok(url);
    }
    if expanded.contains("://") {
        return Err(Error::invalid(format!(
            "URI template `{expanded_}`: only https:// URLs or paths relative to base_uri are accepted", expanded_ = Shown(expanded))));
    }
    if expanded.contains('\\') {
        return Err(Error::invalid(format!(
            "URI template `{expanded_}` contains `\\`, which URL parsers read as `/`; use `/`",
            expanded_ = Shown(expanded)
        )));
    }
    if expanded.starts_with("//") {
        return Err(Error::invalid(format!(
            "URI template `{expanded_}` starts with `//`, which would name another host; give a path relative to base_uri or an absolute https:// URL", expanded_ = Shown(expanded))));
    }
    let path = expanded.split(['?', '#']).next().unwrap_or_default();
    if path.split('/').any(|seg| {
        matches!(
            seg.to_ascii_lowercase().as_str(),
            "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
        )
    }) {
        return Err(Error::invalid(format!(
            "URI template `{expanded_}` has a `.` or `..` segment, which would move the request outside its path", expanded_ = Shown(expanded))));
    }
    if let Some(stripped) = expanded.strip_prefix('/') {
        if base.path() != "/" {
            return Err(Error::invalid(format!(
                "URI template `/{stripped_}` starts with `/`, which would drop the base URI's path `{}`; write `{stripped_}` instead",
                base.path(), stripped_ = Shown(stripped))));
        }
    }
    if expanded.starts_with("v2/") {
        return Err(Error::invalid(
            "APIv2 (XML, `v2/…`) is not supported by wxpay; only APIv3 endpoints are",
        ));
    }
    if expanded.contains('#') {
        return Err(Error::invalid(format!(
            "URI template `{expanded_}` contains `#`; fragments are never sent",
            expanded_ = Shown(expanded)
        )));
    }
    let url = base.join(expanded).map_err(|e| {
        Error::invalid(format!(
            "cannot resolve `{expanded_}` against `{base}`: {e}",
            expanded_ = Shown(expanded)
        ))
    })?;
    // Whatever the template's shape (`a:b` reads as a scheme, for one), a relative template
    // must land under the base URI.
    if url.scheme() != base.scheme()
        || url.host_str() != base.host_str()
        || url.port() != base.port()
        || !url.path().starts_with(base.path())
    {
        return Err(Error::invalid(format!(
            "URI template `{expanded_}` does not stay under base_uri `{base}`; write a path relative to it (no `:` in its first segment) or an absolute https:// URL", expanded_ = Shown(expanded))));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_the_php_sdk() {
        assert_eq!(normalize_segment("_transaction_id_"), "{transaction_id}");
        assert_eq!(normalize_segment("outTradeNo"), "out-trade-no");
        assert_eq!(normalize_segment("MerchantService"), "merchant-service");
        assert_eq!(normalize_segment("complaintsV2"), "complaints-v2");
        assert_eq!(normalize_segment("_"), "_");
        assert_eq!(normalize_segment("__"), "{}");
        assert_eq!(
            chain_template(&["v3", "transactions", "id", "_transaction_id_", "close"]),
            "v3/transactions/id/{transaction_id}/close"
        );
        // A whole template passed to chain() is left as it is.
        assert_eq!(
            normalize_segment("v3/transactions/id/{transaction_id}/close"),
            "v3/transactions/id/{transaction_id}/close"
        );
    }

    #[test]
    fn expands_values_as_one_segment_never_case_folded() {
        let t = "v3/transactions/id/{transaction_id}/close";
        let e = |v: &'static str| expand(t, |_| Some(v));
        assert_eq!(e("4200AbC").unwrap(), "v3/transactions/id/4200AbC/close");
        assert_eq!(e("a/b").unwrap(), "v3/transactions/id/a%2Fb/close");
        assert_eq!(e("../x").unwrap(), "v3/transactions/id/..%2Fx/close");
        assert_eq!(
            e("a?b#c%d e").unwrap(),
            "v3/transactions/id/a%3Fb%23c%25d%20e/close"
        );
        assert_eq!(
            e("订单").unwrap(),
            "v3/transactions/id/%E8%AE%A2%E5%8D%95/close"
        );
        assert_eq!(
            e("a-b_c.d~e").unwrap(),
            "v3/transactions/id/a-b_c.d~e/close"
        );
        for bad in ["", ".", ".."] {
            assert_eq!(e(bad).unwrap_err().code(), "INVALID_ARGUMENT", "{bad:?}");
        }
        let missing = expand(t, |_| None).unwrap_err();
        assert!(
            missing.message().contains("transaction_id"),
            "{}",
            missing.message()
        );
    }

    #[test]
    fn rejects_malformed_templates() {
        for t in ["v3/{", "v3/}", "v3/{}", "v3/{+x}", "v3/{a b}", "v3/{?q}"] {
            assert_eq!(
                placeholders(t).unwrap_err().code(),
                "INVALID_ARGUMENT",
                "{t}"
            );
        }
    }

    #[test]
    fn resolves_relative_to_base_keeping_its_path() {
        let base = parse_base_uri("base_uri", "https://api.mch.weixin.qq.com/hk", false).unwrap();
        assert_eq!(base.as_str(), "https://api.mch.weixin.qq.com/hk/");
        let url = resolve(&base, "v3/transactions/id/1/close", false).unwrap();
        assert_eq!(url.path(), "/hk/v3/transactions/id/1/close");
        assert!(resolve(&base, "/v3/x", false)
            .unwrap_err()
            .message()
            .contains("/hk/"));
        let abs = resolve(&base, "https://apihk.mch.weixin.qq.com/v3/global/x", false).unwrap();
        assert_eq!(abs.host_str(), Some("apihk.mch.weixin.qq.com"));
        assert!(resolve(&base, "http://h/v3", false).is_err());
        assert!(resolve(&base, "v2/pay", false).is_err());
        for escaping in [
            "//evil.example/x",
            "\\\\evil.example/x",
            "v3/../x",
            "../x",
            "v3/./x",
            "v3/%2e%2E/x",
        ] {
            let e = resolve(&base, escaping, false).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{escaping}");
        }
        assert!(resolve(&base, "mailto:x", false).is_err());
        let root = parse_base_uri("base_uri", "https://api.mch.weixin.qq.com/", false).unwrap();
        assert!(resolve(&root, "//evil.example/x", false).is_err());
        assert!(parse_base_uri("base_uri", "http://127.0.0.1:1/", false).is_err());
        assert!(parse_base_uri("base_uri", "http://127.0.0.1:1/", true).is_ok());
        assert!(parse_base_uri("base_uri", "ftp://x/", true).is_err());
        assert!(parse_base_uri("base_uri", "api.mch.weixin.qq.com", false).is_err());
    }
}
