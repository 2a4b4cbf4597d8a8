//! Client configuration: one schema for every language (snake_case; bindings map idiomatic names).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The default base URI: WeChat Pay's domestic access point.
pub const DEFAULT_BASE_URI: &str = "https://api.mch.weixin.qq.com/";
/// Default per-attempt deadline, milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Default connect deadline, milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// Default number of retries after the first attempt.
pub const DEFAULT_RETRIES: u32 = 2;
/// Longest `user_agent` suffix, in bytes.
pub const MAX_USER_AGENT_BYTES: usize = 256;
/// Largest configuration file read, in bytes.
pub const MAX_CONFIG_FILE_BYTES: u64 = crate::keys::MAX_BUNDLE_FILE_BYTES;
/// Upper bound on `retries`.
pub const MAX_RETRIES: u32 = 10;

/// Every field as it may be written: (spelling, field, in seconds). The snake_case names are the
/// schema's; each language's documented spelling is accepted too (camelCase in Node and the PHP
/// SDK's `privateKey`; `timeout` / `connect_timeout` in seconds as Guzzle and Python take them),
/// so bindings pass configuration through untouched and errors name the field as written.
const SPELLINGS: [(&str, &str, bool); 36] = [
    ("mchid", "mchid", false),
    ("serial", "serial", false),
    ("private_key", "private_key", false),
    ("privateKey", "private_key", false),
    ("certs", "certs", false),
    ("base_uri", "base_uri", false),
    ("baseUri", "base_uri", false),
    ("timeout_ms", "timeout_ms", false),
    ("timeoutMs", "timeout_ms", false),
    ("timeout", "timeout_ms", true),
    ("connect_timeout_ms", "connect_timeout_ms", false),
    ("connectTimeoutMs", "connect_timeout_ms", false),
    ("connect_timeout", "connect_timeout_ms", true),
    ("connectTimeout", "connect_timeout_ms", true),
    ("retries", "retries", false),
    ("user_agent", "user_agent", false),
    ("userAgent", "user_agent", false),
    ("ca_certs", "ca_certs", false),
    ("caCerts", "ca_certs", false),
    ("resolve", "resolve", false),
    ("insecure_http", "insecure_http", false),
    ("insecureHttp", "insecure_http", false),
    ("apiv3_key", "apiv3_key", false),
    ("apiv3Key", "apiv3_key", false),
    ("apiV3Key", "apiv3_key", false),
    ("auto_certificates", "auto_certificates", false),
    ("autoCertificates", "auto_certificates", false),
    ("certificate_refresh", "certificate_refresh", true),
    ("certificateRefresh", "certificate_refresh", true),
    ("certificate_endpoint", "certificate_endpoint", false),
    ("certificateEndpoint", "certificate_endpoint", false),
    ("proxy", "proxy", false),
    ("no_proxy", "no_proxy", false),
    ("noProxy", "no_proxy", false),
    ("proxy_from_env", "proxy_from_env", false),
    ("proxyFromEnv", "proxy_from_env", false),
];

/// The schema's field names, for "known fields" hints.
const FIELDS: [&str; 19] = [
    "mchid",
    "serial",
    "private_key",
    "certs",
    "base_uri",
    "timeout_ms",
    "connect_timeout_ms",
    "retries",
    "user_agent",
    "ca_certs",
    "resolve",
    "insecure_http",
    "apiv3_key",
    "auto_certificates",
    "certificate_refresh",
    "certificate_endpoint",
    "proxy",
    "no_proxy",
    "proxy_from_env",
];

/// Names other SDKs use, mapped to ours, so the error can say what to write instead.
const ALIASES: [(&str, &str); 9] = [
    ("api_v3_key", "apiv3_key"),
    ("apiv3", "apiv3_key"),
    ("api_key", "apiv3_key"),
    ("merchantPrivateKey", "private_key"),
    ("serial_no", "serial"),
    ("serialNo", "serial"),
    ("mchId", "mchid"),
    ("mch_id", "mchid"),
    ("base_url", "base_uri"),
];

/// A field as the caller wrote it.
#[derive(Clone, Copy)]
struct Given<'a> {
    name: &'a str,
    value: &'a Value,
    seconds: bool,
}

/// A client's configuration. Key material is kept as given (PEM text or `file://` path) and
/// parsed when the client is built; its `Debug` output never shows it.
#[derive(Clone, Default)]
pub struct Config {
    /// Merchant id (`mchid`), digits.
    pub mchid: String,
    /// Serial number of the merchant API certificate (`serial_no` in `Authorization`).
    pub serial: String,
    /// Merchant private key: PEM text (PKCS#8 or PKCS#1) or `file://PATH`.
    pub private_key: Zeroizing<String>,
    /// Verification keys: platform certificate serial or `PUB_KEY_ID_…` → certificate or public
    /// key PEM (text or `file://PATH`).
    pub certs: BTreeMap<String, String>,
    /// Base URI requests are resolved against.
    pub base_uri: Option<String>,
    /// Per-attempt deadline (connect, send, receive the whole answer), milliseconds.
    pub timeout_ms: Option<u64>,
    /// Connect deadline (TCP + TLS), milliseconds.
    pub connect_timeout_ms: Option<u64>,
    /// Retries after the first attempt, for connect failures, 429, 500, 502 and 503.
    pub retries: Option<u32>,
    /// Appended to wxpay's own `User-Agent`.
    pub user_agent: Option<String>,
    /// Extra trusted root certificates (PEM text or `file://PATH`), added to the system's.
    pub ca_certs: Vec<String>,
    /// Host → `ip:port` overrides, like curl's `--resolve`.
    pub resolve: BTreeMap<String, SocketAddr>,
    /// Allow plain `http://` base URIs (loopback test servers only).
    pub insecure_http: bool,
    /// The APIv3 key (32 characters, set in the merchant platform) as text or `file://PATH`:
    /// decrypts notification resources. Optional; parsed when the client is built.
    pub apiv3_key: Option<Zeroizing<String>>,
    /// Download the platform certificates from WeChat Pay and keep them current (needs
    /// `apiv3_key`); `certs` then holds only what is configured by hand (a `PUB_KEY_ID_` key).
    /// Defaults to `true` when `certs` is absent and `apiv3_key` is given.
    pub auto_certificates: bool,
    /// How often downloaded certificates are refreshed, seconds (default one day).
    pub certificate_refresh_secs: Option<u64>,
    /// Which certificate endpoint to use: `mainland`, `hk` or `global` (default: from
    /// `base_uri`).
    pub certificate_endpoint: Option<String>,
    /// An HTTP(S) forward proxy, `http://[user:password@]host:port`; its credentials are
    /// secrets (never in messages or `Debug`).
    pub proxy: Option<Zeroizing<String>>,
    /// Hosts reached without the proxy (comma-separated, as `NO_PROXY`).
    pub no_proxy: Option<String>,
    /// Honour `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment (off by default:
    /// a payment client is never re-routed silently).
    pub proxy_from_env: bool,
    /// Folder relative `file://` paths are resolved against (the config file's folder).
    pub base_dir: Option<PathBuf>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("private_key", &"<redacted>")
            .field("certs", &self.certs.keys().collect::<Vec<_>>())
            .field("base_uri", &self.base_uri)
            .field("timeout_ms", &self.timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("retries", &self.retries)
            .field("user_agent", &self.user_agent)
            .field("ca_certs", &self.ca_certs.len())
            .field("resolve", &self.resolve)
            .field("insecure_http", &self.insecure_http)
            .field("apiv3_key", &self.apiv3_key.as_ref().map(|_| "<redacted>"))
            .field("auto_certificates", &self.auto_certificates)
            .field("certificate_refresh_secs", &self.certificate_refresh_secs)
            .field("certificate_endpoint", &self.certificate_endpoint)
            .field(
                "proxy",
                &self
                    .proxy
                    .as_ref()
                    .map(|p| crate::transport::proxy_shown(p)),
            )
            .field("no_proxy", &self.no_proxy)
            .field("proxy_from_env", &self.proxy_from_env)
            .finish()
    }
}

fn cfg_err(field: &str, what: impl fmt::Display) -> Error {
    Error::config(format!("config field `{field}` {what}"))
}

use crate::options::type_name as kind;

fn string(field: &str, v: &Value, example: &str) -> Result<String> {
    match v {
        Value::String(s) if s.trim().is_empty() => {
            Err(cfg_err(field, format_args!("is empty; expected {example}")))
        }
        Value::String(s) => Ok(s.clone()),
        other => Err(cfg_err(
            field,
            format_args!("must be a string ({example}), got {}", kind(other)),
        )),
    }
}

/// A duration in milliseconds, given in milliseconds or (`seconds`) in seconds.
fn duration_ms(g: Given<'_>) -> Result<u64> {
    if !g.seconds {
        return millis(g.name, g.value);
    }
    let field = g.name;
    let Some(s) = g.value.as_f64().filter(|_| g.value.is_number()) else {
        return Err(cfg_err(
            field,
            format_args!(
                "must be a number of seconds, e.g. 10 or 2.5, got {}",
                kind(g.value)
            ),
        ));
    };
    if s <= 0.0 {
        return Err(cfg_err(
            field,
            format_args!("is {s}; give a positive number of seconds, e.g. 10"),
        ));
    }
    if s > 3600.0 {
        return Err(cfg_err(field, "is over one hour; give seconds, e.g. 10"));
    }
    let ms = (s * 1000.0).round();
    if ms < 1.0 {
        return Err(cfg_err(
            field,
            format_args!("is {s} s, below the 1 ms resolution; give at least 0.001 seconds"),
        ));
    }
    // 1 ≤ ms ≤ 3,600,000: exact in u64.
    Ok(ms as u64)
}

fn millis(field: &str, v: &Value) -> Result<u64> {
    match v.as_u64() {
        Some(0) => Err(cfg_err(
            field,
            "is 0; give a positive number of milliseconds, e.g. 10000",
        )),
        Some(n) if n <= 3_600_000 => Ok(n),
        Some(_) => Err(cfg_err(
            field,
            "is over one hour; give milliseconds, e.g. 10000",
        )),
        None => Err(cfg_err(
            field,
            format_args!(
                "must be a positive integer number of milliseconds, got {}",
                if v.is_number() {
                    "a negative or fractional number"
                } else {
                    kind(v)
                }
            ),
        )),
    }
}

/// Wipe an inline private key out of a parsed configuration document before it is dropped.
fn scrub(v: &mut Value) {
    use zeroize::Zeroize;
    for (spelling, field, _) in SPELLINGS {
        if field == "private_key" || field == "apiv3_key" {
            if let Some(Value::String(key)) = v.get_mut(spelling) {
                key.zeroize();
            }
        }
    }
}

impl Config {
    /// Parse configuration JSON text. Relative `file://` paths resolve against the current directory.
    pub fn from_json(text: &str) -> Result<Config> {
        let mut v: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("configuration is not valid JSON: {e}")))?;
        let config = Config::from_value(&v, None);
        scrub(&mut v);
        config
    }

    /// Read a configuration JSON file. Relative `file://` paths resolve against its folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let bytes = crate::keys::read_bounded("configuration file", path, MAX_CONFIG_FILE_BYTES)
            .map_err(Error::config)?;
        let text = Zeroizing::new(String::from_utf8(bytes.to_vec()).map_err(|_| {
            Error::config(format!(
                "configuration file `{}` is not UTF-8 text",
                path.display()
            ))
        })?);
        let mut v: Value = serde_json::from_str(&text).map_err(|e| {
            Error::config(format!(
                "configuration file `{}` is not valid JSON: {e}",
                path.display()
            ))
        })?;
        let dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .map(Path::to_path_buf);
        let config = Config::from_value(&v, dir.as_deref());
        scrub(&mut v);
        config
    }

    /// Parse a configuration object. Every invalid field gives an error naming it and the fix.
    pub fn from_value(v: &Value, base_dir: Option<&Path>) -> Result<Config> {
        let map: &Map<String, Value> = v.as_object().ok_or_else(|| {
            Error::config(format!(
                "configuration must be a JSON object with at least mchid, serial, private_key and certs; got {}",
                kind(v)
            ))
        })?;
        let mut given: BTreeMap<&'static str, Given<'_>> = BTreeMap::new();
        for (key, value) in map {
            let Some(&(_, field, seconds)) = SPELLINGS.iter().find(|(s, _, _)| s == key) else {
                let hint = ALIASES
                    .iter()
                    .find(|(alias, _)| alias == key)
                    .map(|(_, ours)| format!("; did you mean `{ours}`?"))
                    .unwrap_or_else(|| format!("; known fields: {}", FIELDS.join(", ")));
                return Err(Error::config(format!(
                    "unknown config field `{}`{hint}",
                    crate::error::quote(key)
                )));
            };
            if value.is_null() {
                continue; // null is absent
            }
            let g = Given {
                name: key,
                value,
                seconds,
            };
            if let Some(first) = given.insert(field, g) {
                return Err(Error::config(format!(
                    "config fields `{}` and `{key}` are the same setting; give only one",
                    first.name
                )));
            }
        }
        let get = |field: &str| given.get(field).copied();
        let required = |field: &str| get(field).ok_or_else(|| cfg_err(field, "is missing"));
        let mut c = Config {
            base_dir: base_dir.map(Path::to_path_buf),
            ..Config::default()
        };

        c.mchid = match required("mchid")?.value {
            Value::Number(n) if n.is_u64() => n.to_string(),
            other => string("mchid", other, "the merchant id, e.g. \"1230000109\"")?,
        };
        if !c.mchid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(cfg_err(
                "mchid",
                format_args!(
                    "`{}` must be digits only, e.g. \"1230000109\"",
                    crate::error::quote(&c.mchid)
                ),
            ));
        }

        c.serial = string(
            "serial",
            required("serial")?.value,
            "the merchant API certificate serial, e.g. \"3775B6A45ACD588826D15E583A95F5DD********\"",
        )?;
        if http::HeaderValue::from_str(&c.serial).is_err() || c.serial.contains('"') {
            return Err(cfg_err(
                "serial",
                "has characters that cannot go into the Authorization header",
            ));
        }
        let key = required("private_key")?;
        c.private_key = Zeroizing::new(string(
            key.name,
            key.value,
            "the merchant key as PEM text or \"file:///path/apiclient_key.pem\"",
        )?);

        match get("auto_certificates") {
            Some(g) => {
                c.auto_certificates = g.value.as_bool().ok_or_else(|| {
                    cfg_err(
                        g.name,
                        format_args!("must be true or false, got {}", kind(g.value)),
                    )
                })?;
            }
            // Only the merchant's own credentials and the APIv3 key: the certificates can only
            // come from WeChat Pay, so they are downloaded.
            None => c.auto_certificates = get("certs").is_none() && get("apiv3_key").is_some(),
        }
        let certs = match get("certs") {
            Some(g) => g.value.clone(),
            // With downloaded certificates, configured keys are optional.
            None if c.auto_certificates => Value::Object(Map::new()),
            None => {
                return Err(cfg_err(
                    "certs",
                    "is missing; give the platform certificates or the WeChat Pay public key (PUB_KEY_ID_…), or set auto_certificates: true with apiv3_key to download the certificates",
                ))
            }
        };
        match &certs {
            Value::Object(m) if m.is_empty() && c.auto_certificates => {}
            Value::Object(m) if m.is_empty() => {
                return Err(cfg_err("certs", "is empty; give at least one platform certificate or WeChat Pay public key, e.g. {\"PUB_KEY_ID_…\": \"file:///path/pub_key.pem\"}"))
            }
            Value::Object(m) => {
                for (id, pem) in m {
                    if id.trim().is_empty() {
                        return Err(cfg_err("certs", "has an empty key; keys are certificate serials or PUB_KEY_ID_… ids"));
                    }
                    let pem = string(&format!("certs.{id}"), pem, "PEM text or \"file:///path\"")?;
                    c.certs.insert(id.clone(), pem);
                }
            }
            other => {
                return Err(cfg_err(
                    "certs",
                    format_args!(
                        "must be an object mapping serial or PUB_KEY_ID_… to a certificate or public key, got {}",
                        kind(other)
                    ),
                ))
            }
        }

        if let Some(g) = get("base_uri") {
            c.base_uri = Some(string(
                g.name,
                g.value,
                "e.g. \"https://api.mch.weixin.qq.com/\"",
            )?);
        }
        if let Some(g) = get("timeout_ms") {
            c.timeout_ms = Some(duration_ms(g)?);
        }
        if let Some(g) = get("connect_timeout_ms") {
            c.connect_timeout_ms = Some(duration_ms(g)?);
        }
        if let Some(Given { value: v, .. }) = get("retries") {
            c.retries = Some(match v.as_u64() {
                Some(n) if n <= MAX_RETRIES as u64 => n as u32,
                Some(_) => {
                    return Err(cfg_err(
                        "retries",
                        format_args!("is over {MAX_RETRIES}; use 0–{MAX_RETRIES}"),
                    ))
                }
                None => {
                    return Err(cfg_err(
                        "retries",
                        format_args!(
                            "must be a non-negative integer (0–{MAX_RETRIES}), got {}",
                            kind(v)
                        ),
                    ))
                }
            });
        }
        if let Some(Given { name, value: v, .. }) = get("user_agent") {
            let ua = string(name, v, "e.g. \"my-shop/1.2\"")?;
            if ua.len() > MAX_USER_AGENT_BYTES {
                return Err(cfg_err(
                    name,
                    format_args!(
                        "is {} bytes long; at most {MAX_USER_AGENT_BYTES} (it is sent with every request)",
                        ua.len()
                    ),
                ));
            }
            if http::HeaderValue::from_str(&ua).is_err() {
                return Err(cfg_err(
                    name,
                    "has characters a header cannot carry (control characters or non-ASCII)",
                ));
            }
            c.user_agent = Some(ua);
        }
        if let Some(Given { name, value: v, .. }) = get("ca_certs") {
            let list = match v {
                Value::Array(a) => a.clone(),
                Value::String(_) => vec![v.clone()],
                other => {
                    return Err(cfg_err(
                        name,
                        format_args!(
                            "must be a list of PEM texts or file:// paths, got {}",
                            kind(other)
                        ),
                    ))
                }
            };
            for (i, item) in list.iter().enumerate() {
                c.ca_certs.push(string(
                    &format!("{name}[{i}]"),
                    item,
                    "PEM text or \"file:///path/ca.pem\"",
                )?);
            }
        }
        if let Some(Given { value: v, .. }) = get("resolve") {
            let Value::Object(m) = v else {
                return Err(cfg_err(
                    "resolve",
                    format_args!(
                        "must be an object mapping host → \"ip:port\", got {}",
                        kind(v)
                    ),
                ));
            };
            for (host, addr) in m {
                let field = format!("resolve.{host}");
                let text = string(&field, addr, "\"127.0.0.1:8443\"")?;
                let sa: SocketAddr = text.parse().map_err(|_| {
                    cfg_err(&field, format_args!("`{text}` is not an `ip:port` address, e.g. \"127.0.0.1:8443\" or \"[::1]:8443\""))
                })?;
                if host.is_empty() || host.contains('/') || host.contains(':') {
                    return Err(cfg_err(
                        &field,
                        "has a key that is not a host name; use e.g. \"api.mch.weixin.qq.com\"",
                    ));
                }
                c.resolve.insert(host.to_ascii_lowercase(), sa);
            }
        }
        if c.auto_certificates && get("apiv3_key").is_none() {
            let name = get("auto_certificates").map_or("auto_certificates", |g| g.name);
            return Err(cfg_err(
                name,
                "needs apiv3_key: downloaded certificates are encrypted with the APIv3 key",
            ));
        }
        if let Some(g) = get("apiv3_key") {
            let text = Zeroizing::new(string(
                g.name,
                g.value,
                "the 32-character APIv3 key or \"file:///path/apiv3_key.txt\"",
            )?);
            // Checked here, where the field is known as written (`apiV3Key`, …); the client
            // reads it again when it is built.
            crate::aead::Apiv3Key::from_config(g.name, &text, base_dir)?;
            c.apiv3_key = Some(text);
        }
        if let Some(g) = get("certificate_refresh") {
            let secs = g
                .value
                .as_f64()
                .filter(|_| g.value.is_number())
                .ok_or_else(|| {
                    cfg_err(
                        g.name,
                        format_args!(
                            "must be a number of seconds, e.g. 86400, got {}",
                            kind(g.value)
                        ),
                    )
                })?;
            if !(60.0..=7.0 * 86_400.0).contains(&secs) {
                return Err(cfg_err(
                    g.name,
                    "must be between 60 seconds and 7 days (default one day, 86400)",
                ));
            }
            // 60 ≤ secs ≤ 604,800: exact in u64.
            c.certificate_refresh_secs = Some(secs.round() as u64);
        }
        if let Some(g) = get("certificate_endpoint") {
            let e = string(g.name, g.value, "\"mainland\", \"hk\" or \"global\"")?;
            if !matches!(e.as_str(), "mainland" | "hk" | "global") {
                return Err(cfg_err(
                    g.name,
                    format_args!(
                        "is `{}`; use \"mainland\" (/v3/certificates), \"hk\" (/hk/v3/certificates) or \"global\" (/v3/global/certificates)",
                        crate::error::quote(&e)
                    ),
                ));
            }
            c.certificate_endpoint = Some(e);
        }
        if let Some(g) = get("proxy") {
            let text = Zeroizing::new(string(
                g.name,
                g.value,
                "e.g. \"http://proxy.internal:3128\"",
            )?);
            crate::transport::check_proxy(g.name, &text)?;
            c.proxy = Some(text);
        }
        if let Some(g) = get("no_proxy") {
            let list = match g.value {
                Value::String(s) => s.clone(),
                Value::Array(items) => {
                    let mut hosts = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        hosts.push(string(&format!("{}[{i}]", g.name), item, "a host name")?);
                    }
                    hosts.join(",")
                }
                other => {
                    return Err(cfg_err(
                        g.name,
                        format_args!(
                            "must be a list of host names (or one comma-separated string), got {}",
                            kind(other)
                        ),
                    ))
                }
            };
            c.no_proxy = Some(list);
        }
        if let Some(g) = get("proxy_from_env") {
            c.proxy_from_env = g.value.as_bool().ok_or_else(|| {
                cfg_err(
                    g.name,
                    format_args!("must be true or false, got {}", kind(g.value)),
                )
            })?;
            if c.proxy_from_env && c.proxy.is_some() {
                return Err(cfg_err(
                    g.name,
                    "and `proxy` are exclusive: give the proxy, or take it from the environment",
                ));
            }
        }
        if let Some(Given { name, value: v, .. }) = get("insecure_http") {
            c.insecure_http = v.as_bool().ok_or_else(|| {
                cfg_err(name, format_args!("must be true or false, got {}", kind(v)))
            })?;
        }
        Ok(c)
    }
}

pub mod options;
pub mod uri;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"mchid": "1230000109", "serial": "ABC", "private_key": "file://k.pem", "certs": {"PUB_KEY_ID_1": "file://p.pem"}})
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("mchid", json!(null), "missing"),
            ("mchid", json!("12a"), "digits"),
            ("mchid", json!(""), "empty"),
            ("mchid", json!([]), "must be a string"),
            ("serial", json!(5), "must be a string"),
            ("private_key", json!(" "), "empty"),
            ("certs", json!({}), "empty"),
            ("certs", json!([]), "must be an object"),
            ("certs", json!({"X": 1}), "certs.X"),
            ("base_uri", json!(1), "must be a string"),
            ("timeout_ms", json!(-1), "negative"),
            ("timeout_ms", json!("10"), "a string"),
            ("timeout_ms", json!(0), "is 0"),
            ("connect_timeout_ms", json!(1.5), "fractional"),
            ("retries", json!(11), "over"),
            ("retries", json!(true), "non-negative"),
            ("user_agent", json!("a\nb"), "header"),
            ("ca_certs", json!(3), "list"),
            ("ca_certs", json!([3]), "ca_certs[0]"),
            ("resolve", json!({"h": "nope"}), "resolve.h"),
            ("resolve", json!([]), "must be an object"),
            ("insecure_http", json!("yes"), "true or false"),
        ];
        for (field, value, want) in cases {
            let mut v = base();
            v[field] = value.clone();
            let e = Config::from_value(&v, None).unwrap_err();
            assert_eq!(e.code(), "CONFIG");
            assert!(
                e.message().contains(field),
                "{field}={value}: {}",
                e.message()
            );
            assert!(
                e.message().contains(want),
                "{field}={value}: {}",
                e.message()
            );
        }
    }

    #[test]
    fn unknown_fields_get_a_hint() {
        let mut v = base();
        v["merchantPrivateKey"] = json!("x");
        let e = Config::from_value(&v, None).unwrap_err();
        assert!(
            e.message().contains("did you mean `private_key`"),
            "{}",
            e.message()
        );
        let e = Config::from_json("[]").unwrap_err();
        assert!(e.message().contains("JSON object"));
        let e = Config::from_json("{").unwrap_err();
        assert!(e.message().contains("not valid JSON"));
    }

    #[test]
    fn every_language_spelling_is_accepted_and_named_in_errors() {
        let v = json!({"mchid": "1230000109", "serial": "ABC", "privateKey": "file://k.pem",
            "certs": {"PUB_KEY_ID_1": "file://p.pem"}, "baseUri": "https://x.test/",
            "timeout": 2.5, "connectTimeout": 0.75, "userAgent": "shop/1", "caCerts": [],
            "insecureHttp": false});
        let c = Config::from_value(&v, None).unwrap();
        assert_eq!(c.private_key.as_str(), "file://k.pem");
        assert_eq!(c.base_uri.as_deref(), Some("https://x.test/"));
        assert_eq!(
            (c.timeout_ms, c.connect_timeout_ms),
            (Some(2500), Some(750))
        );
        assert_eq!(c.user_agent.as_deref(), Some("shop/1"));
        let mut v = base();
        v["timeoutMs"] = json!(1500);
        v["connect_timeout"] = json!(1);
        let c = Config::from_value(&v, None).unwrap();
        assert_eq!(
            (c.timeout_ms, c.connect_timeout_ms),
            (Some(1500), Some(1000))
        );

        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "timeout",
                json!(0.0001),
                "`timeout` is 0.0001 s, below the 1 ms resolution",
            ),
            (
                "timeout",
                json!(0),
                "`timeout` is 0; give a positive number of seconds",
            ),
            ("timeout", json!(-1), "`timeout` is -1; give a positive"),
            (
                "timeout",
                json!("10"),
                "`timeout` must be a number of seconds",
            ),
            ("timeout", json!(7200), "`timeout` is over one hour"),
            (
                "connectTimeout",
                json!(true),
                "`connectTimeout` must be a number of seconds",
            ),
            (
                "timeoutMs",
                json!(1.5),
                "`timeoutMs` must be a positive integer number of milliseconds",
            ),
            ("userAgent", json!(5), "`userAgent` must be a string"),
            ("caCerts", json!(5), "`caCerts` must be a list"),
            (
                "insecureHttp",
                json!("yes"),
                "`insecureHttp` must be true or false",
            ),
        ];
        for (field, value, want) in cases {
            let mut v = base();
            v[field] = value.clone();
            let e = Config::from_value(&v, None).unwrap_err();
            assert!(
                e.message().contains(want),
                "{field}={value}: {}",
                e.message()
            );
        }
        let mut v = base();
        v["timeout"] = json!(1);
        v["timeout_ms"] = json!(1000);
        let e = Config::from_value(&v, None).unwrap_err();
        assert!(
            e.message()
                .contains("`timeout` and `timeout_ms` are the same setting"),
            "{}",
            e.message()
        );
        let mut v = base();
        v["privateKey"] = json!("file://other.pem");
        let e = Config::from_value(&v, None).unwrap_err();
        assert!(
            e.message().contains("`private_key` and `privateKey`"),
            "{}",
            e.message()
        );
        // null is absent: it neither sets a field nor conflicts with another spelling
        let mut v = base();
        v["timeout"] = json!(null);
        v["timeout_ms"] = json!(1000);
        assert_eq!(Config::from_value(&v, None).unwrap().timeout_ms, Some(1000));
    }

    #[test]
    fn debug_redacts_the_key() {
        let mut v = base();
        v["private_key"] =
            json!("-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----");
        let c = Config::from_value(&v, None).unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("SECRETSECRET") && d.contains("redacted"), "{d}");
    }
}
