//! Files: the APIv3 exchanges that are not "JSON in, signed JSON out" (issue 16).
//!
//! - **Upload** (`multipart/form-data`: `meta` then `file`): the signature covers the `meta`
//!   JSON exactly as sent in its part, never the multipart body; the file's SHA-256 is filled
//!   into `meta` where the caller asks; the endpoint's size limit is checked before anything is
//!   sent; the signed JSON answer is verified as usual ([`Operation::upload`]).
//! - **Download** ([`Client::download`]): a signed `GET` of a `download_url` (canonical URL =
//!   path and query as given), only to WeChat Pay's own hosts (or the configured `base_uri`'s),
//!   whose answer is unsigned by design; streamed to a writer or a file (memory stays flat),
//!   gunzipped when asked, bounded by `max_bytes` after decompression, and checked against
//!   `hash_value` (SHA-1 over the decompressed bytes, BOM included): a mismatch is a `VERIFY`
//!   `DIGEST_MISMATCH` error and a partial file is removed.
//! - **Bills** (mainland, two steps): `tradebill` / `fundflowbill` answered and verified, then
//!   the download with its digest.
//! - **Statements** (HK / Global, one step): `Accept-Encoding: gzip`; the signature covers the
//!   pseudo-body `{"sha1":"<Wechatpay-Statement-Sha1>"}` and is checked before a byte is
//!   written; the streamed CSV's SHA-1 must equal that header.

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use serde_json::{json, Map, Value};
use url::Url;

use crate::error::{quote, type_name, Error, ErrorKind, Result, Shown};
use crate::options::RequestOptions;
use crate::sign::SignatureHeaders;
use crate::{Client, Operation, PreparedRequest, VerifyFailure};

/// Hosts a download's URL may name (besides the configured `base_uri`'s): WeChat Pay's own. A
/// `download_url` comes from an answer; the merchant's signature must never go elsewhere.
pub const WECHATPAY_HOSTS: &[&str] = &[
    "api.mch.weixin.qq.com",
    "api2.mch.weixin.qq.com",
    "apihk.mch.weixin.qq.com",
];

/// The largest file an upload reads, whatever the endpoint (endpoints allow at most 7.5 MB).
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// The default bound of a download, after decompression.
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 16 * 1024 * 1024 * 1024;

const MB: u64 = 1024 * 1024;

/// The documented size limit of an upload endpoint (by the end of its path) for `file_name`.
pub fn upload_limit(path: &str, file_name: &str) -> u64 {
    let pdf = file_name.to_ascii_lowercase().ends_with(".pdf");
    if path.ends_with("/merchant/media/upload") {
        if pdf {
            MB * 15 / 2
        } else {
            5 * MB
        }
    } else if path.ends_with("/merchant/media/video_upload")
        || path.ends_with("/merchant-storage/file/upload")
    {
        5 * MB
    } else if path.ends_with("/favor/media/image-upload")
        || path.ends_with("/merchant-service/images/upload")
    {
        2 * MB
    } else {
        MAX_UPLOAD_BYTES
    }
}

/// The MIME type of a file part, from its name.
pub fn mime_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "bmp" => "image/bmp",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "avi" => "video/x-msvideo",
        "wmv" => "video/x-ms-wmv",
        "mpeg" => "video/mpeg",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "flv" => "video/x-flv",
        "f4v" => "video/x-f4v",
        "m4v" => "video/x-m4v",
        "rmvb" => "application/vnd.rn-realmedia-vbr",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Lower-case hex SHA-256 of `bytes` (what an upload's `meta` carries).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// Lower-case hex SHA-1 of `bytes` (what a bill's `hash_value` is).
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, bytes).as_ref())
}

/// A file to upload: its name (sent as the part's `filename`), MIME type and bytes.
#[derive(Clone, Debug)]
pub struct UploadFile {
    /// The file name sent (no path).
    pub name: String,
    /// The part's `Content-Type`.
    pub mime: String,
    /// The content.
    pub bytes: Vec<u8>,
}

fn check_file_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '/' || c == '\\')
    {
        return Err(Error::invalid(format!(
            "the upload's file name {} is empty or holds a quote, a slash or a control character; give a plain name such as \"photo.jpg\"",
            quote(name)
        )));
    }
    Ok(())
}

impl UploadFile {
    /// From bytes in memory; `mime` defaults to the type of `name`'s extension.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, mime: Option<&str>) -> Result<UploadFile> {
        check_file_name(name)?;
        if bytes.is_empty() {
            return Err(Error::invalid(format!(
                "the file {} to upload is empty",
                quote(name)
            )));
        }
        Ok(UploadFile {
            name: name.to_owned(),
            mime: mime.unwrap_or_else(|| mime_of(name)).to_owned(),
            bytes,
        })
    }

    /// Read `path` (at most [`MAX_UPLOAD_BYTES`]); the name defaults to the path's file name.
    pub fn from_path(path: &Path, name: Option<&str>, mime: Option<&str>) -> Result<UploadFile> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid(format!(
                "cannot read the file to upload {}: {e}",
                quote(&shown)
            ))
        })?;
        if !meta.is_file() {
            return Err(Error::invalid(format!(
                "the file to upload {} is not a regular file",
                quote(&shown)
            )));
        }
        if meta.len() > MAX_UPLOAD_BYTES {
            return Err(Error::invalid(format!(
                "the file to upload {} is {} bytes; WeChat Pay's upload endpoints take at most {} (nothing was sent)",
                quote(&shown),
                meta.len(),
                MAX_UPLOAD_BYTES
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            Error::invalid(format!(
                "cannot read the file to upload {}: {e}",
                quote(&shown)
            ))
        })?;
        let default_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_owned();
        UploadFile::from_bytes(name.unwrap_or(&default_name), bytes, mime)
    }
}

/// Names WeChat Pay's upload APIs give the file's digest in `meta`.
const DIGEST_NAMES: &[&str] = &["sha256", "digest", "file_digest"];

/// The `meta` an upload sends: the caller's object, `filename` added when absent, the file's
/// SHA-256 written into every top-level field that is `null` (`{"digest": null}`), or into
/// `sha256` when no digest field is given; a digest the caller wrote must be the file's.
pub fn upload_meta(meta: &Value, file: &UploadFile) -> Result<Vec<u8>> {
    let mut m: Map<String, Value> = match meta {
        Value::Object(m) => m.clone(),
        Value::Null => Map::new(),
        other => {
            return Err(Error::invalid(format!(
                "an upload's `meta` must be a JSON object (e.g. {{\"filename\": \"photo.jpg\"}}), got {}",
                type_name(other)
            )))
        }
    };
    let sha = sha256_hex(&file.bytes);
    let mut filled = false;
    for (name, value) in m.iter_mut() {
        if value.is_null() {
            *value = Value::String(sha.clone());
            filled = true;
        } else if DIGEST_NAMES.contains(&name.as_str()) {
            match value.as_str() {
                Some(given) if given.eq_ignore_ascii_case(&sha) => filled = true,
                _ => {
                    return Err(Error::invalid(format!(
                        "`meta.{name}` is not the SHA-256 of the file {} ({sha}); leave it out (or null) and wxpay fills it in",
                        quote(&file.name)
                    )))
                }
            }
        }
    }
    if !filled {
        m.insert("sha256".into(), Value::String(sha));
    }
    if !m.contains_key("filename") && !m.contains_key("file_name") {
        m.insert("filename".into(), Value::String(file.name.clone()));
    }
    serde_json::to_vec(&Value::Object(m))
        .map_err(|e| Error::invalid(format!("the upload's meta cannot be serialised: {e}")))
}

/// The multipart body of an upload: `meta` then `file`, and its `Content-Type`.
fn multipart(meta: &[u8], file: &UploadFile) -> (Vec<u8>, String) {
    let mut b = [0u8; 12];
    let _ = aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut b);
    let boundary = format!("wxpay-{}", hex(&b));
    let mut body = Vec::with_capacity(meta.len() + file.bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(meta);
    body.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            file.name, file.mime
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

impl Operation {
    /// An upload: `POST template` (with the PHP SDK's `options` for `base_uri` and placeholder
    /// values; no `json` or `body`) of `file` with `meta` ([`upload_meta`]). The signature covers
    /// the meta JSON exactly as sent. A file over the endpoint's limit is an `INVALID_ARGUMENT`
    /// and nothing is sent.
    pub fn upload(
        client: &Client,
        template: &str,
        options: &RequestOptions,
        meta: &Value,
        file: &UploadFile,
    ) -> Result<Operation> {
        if options.body.is_some() {
            return Err(Error::invalid(
                "an upload's body is its meta and file; give `meta` (and the file), not `json` or `body`",
            ));
        }
        let mut prepared = client.prepare("POST", template, options)?;
        let limit = upload_limit(prepared.url.path(), &file.name);
        if file.bytes.len() as u64 > limit {
            return Err(Error::invalid(format!(
                "the file {} is {} bytes; {} takes at most {limit} bytes (nothing was sent)",
                quote(&file.name),
                file.bytes.len(),
                prepared.url.path()
            )));
        }
        let meta = upload_meta(meta, file)?;
        let (body, content_type) = multipart(&meta, file);
        prepared.body = body;
        prepared.signed_body = Some(meta);
        match prepared
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            Some(slot) => slot.1 = content_type,
            None => prepared.headers.push(("Content-Type".into(), content_type)),
        }
        Ok(Operation::any_2xx(prepared))
    }
}

/// What a download checks and how much it takes.
#[derive(Clone, Debug)]
pub struct DownloadOptions {
    /// Gunzip the body (a bill with `tar_type=GZIP`, a statement sent with `Content-Encoding:
    /// gzip`).
    pub gunzip: bool,
    /// The SHA-1 (hex) the decompressed bytes must have; `None`: not checked.
    pub expect_sha1: Option<String>,
    /// The most bytes written (after decompression); more is a `DECODE` error.
    pub max_bytes: u64,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            gunzip: false,
            expect_sha1: None,
            max_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
        }
    }
}

/// A finished download.
#[derive(Clone, Debug, PartialEq)]
pub struct Downloaded {
    /// HTTP status (2xx).
    pub status: u16,
    /// The answer's `Request-ID`.
    pub request_id: Option<String>,
    /// Bytes written (after decompression).
    pub bytes: u64,
    /// Bytes received (before decompression).
    pub received: u64,
    /// SHA-1 (hex) of the bytes written.
    pub sha1: String,
    /// Whether a digest was given and checked.
    pub checked: bool,
}

impl Downloaded {
    /// As a [`crate::Response`] whose body is [`Downloaded::to_json`] (how bindings hand a
    /// download's outcome through the machinery they use for calls).
    pub fn into_response(self) -> crate::Response {
        let status = self.status;
        crate::Response::new(
            status,
            http::HeaderMap::new(),
            bytes::Bytes::from(self.to_json().to_string()),
        )
    }

    /// As JSON: `status`, `request_id`, `bytes`, `received`, `sha1`, `checked`.
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "request_id": self.request_id,
            "bytes": self.bytes,
            "received": self.received,
            "sha1": self.sha1,
            "checked": self.checked,
        })
    }
}

/// What a binding asks for, as JSON (one rule, in the core):
/// - `{"url": "<download_url>", "gunzip": bool, "hash_type": "SHA1", "hash_value": "…"}`;
/// - `{"bill": "tradebill" | "fundflowbill", "query": {"bill_date": "2026-11-26", …}}`
///   (gunzipped when `tar_type` is `GZIP`);
/// - `{"statement": "hk" | "global", "query": {"date": "20261126", "mchid": "…"}, "gzip": bool}`;
///
/// each with an optional `max_bytes` and `base_uri`.
#[derive(Clone, Debug)]
pub enum DownloadSpec {
    /// A `download_url` as given.
    Url(String, DownloadOptions),
    /// A mainland bill: the first step's path and query, then its download.
    Bill {
        /// `tradebill` or `fundflowbill`.
        kind: String,
        /// The query of the first step.
        query: Map<String, Value>,
        /// Bound of the download.
        max_bytes: u64,
        /// Base URI of the first step.
        base_uri: Option<String>,
    },
    /// An HK or Global statement.
    Statement {
        /// `true`: `https://apihk.mch.weixin.qq.com/v3/global/statements`; else `…/hk/v3/statements`.
        global: bool,
        /// The query (`date`, `mchid` or `sp_mchid`, `sub_mchid`).
        query: Map<String, Value>,
        /// Ask for gzip.
        gzip: bool,
        /// Bound of the download.
        max_bytes: u64,
        /// Base URI (for a sandbox or proxy).
        base_uri: Option<String>,
    },
}

fn field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get(name).filter(|v| !v.is_null())
}

fn string_field(m: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match field(m, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::invalid(format!(
            "download option `{name}` must be a string, got {}",
            type_name(other)
        ))),
    }
}

impl DownloadSpec {
    /// Parse the JSON a binding passes (see the type's documentation).
    pub fn from_value(v: &Value) -> Result<DownloadSpec> {
        let Value::Object(m) = v else {
            return Err(Error::invalid(
                "a download is described by an object: {\"url\": …}, {\"bill\": …} or {\"statement\": …}",
            ));
        };
        const KNOWN: &[&str] = &[
            "url",
            "gunzip",
            "hash_type",
            "hash_value",
            "bill",
            "statement",
            "query",
            "gzip",
            "max_bytes",
            "base_uri",
        ];
        if let Some(unknown) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(Error::invalid(format!(
                "unknown download option `{}`; known: {}",
                quote(unknown),
                KNOWN.join(", ")
            )));
        }
        let max_bytes = match field(m, "max_bytes") {
            None => DEFAULT_MAX_DOWNLOAD_BYTES,
            Some(v) => v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                Error::invalid("download option `max_bytes` must be a positive integer")
            })?,
        };
        let flag = |name: &str| -> Result<Option<bool>> {
            match field(m, name) {
                None => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(other) => Err(Error::invalid(format!(
                    "download option `{name}` must be true or false, got {}",
                    type_name(other)
                ))),
            }
        };
        let query = || -> Result<Map<String, Value>> {
            match field(m, "query") {
                None => Ok(Map::new()),
                Some(Value::Object(q)) => Ok(q.clone()),
                Some(other) => Err(Error::invalid(format!(
                    "download option `query` must be an object, got {}",
                    type_name(other)
                ))),
            }
        };
        let base_uri = string_field(m, "base_uri")?;
        let chosen = ["url", "bill", "statement"]
            .iter()
            .filter(|k| field(m, k).is_some())
            .count();
        if chosen != 1 {
            return Err(Error::invalid(
                "give exactly one of `url` (a download_url), `bill` (\"tradebill\" or \"fundflowbill\") or `statement` (\"hk\" or \"global\")",
            ));
        }
        if let Some(url) = string_field(m, "url")? {
            let expect_sha1 = match (
                string_field(m, "hash_type")?,
                string_field(m, "hash_value")?,
            ) {
                (_, None) => None,
                (Some(t), Some(_)) if !t.eq_ignore_ascii_case("SHA1") => {
                    return Err(Error::invalid(format!(
                        "hash_type {} is not supported; WeChat Pay's bills use SHA1",
                        quote(&t)
                    )))
                }
                (_, Some(v)) => Some(check_sha1_hex(&v)?),
            };
            return Ok(DownloadSpec::Url(
                url,
                DownloadOptions {
                    gunzip: flag("gunzip")?.unwrap_or(false),
                    expect_sha1,
                    max_bytes,
                },
            ));
        }
        if let Some(kind) = string_field(m, "bill")? {
            if kind != "tradebill" && kind != "fundflowbill" {
                return Err(Error::invalid(format!(
                    "bill {} is not one of \"tradebill\", \"fundflowbill\"",
                    quote(&kind)
                )));
            }
            let query = query()?;
            if field(&query, "bill_date").is_none() {
                return Err(Error::invalid(
                    "a bill needs `query.bill_date` (YYYY-MM-DD, within the last 3 months)",
                ));
            }
            return Ok(DownloadSpec::Bill {
                kind,
                query,
                max_bytes,
                base_uri,
            });
        }
        let which = string_field(m, "statement")?.unwrap_or_default();
        let global = match which.as_str() {
            "global" => true,
            "hk" => false,
            _ => {
                return Err(Error::invalid(format!(
                    "statement {} is not one of \"hk\" (…/hk/v3/statements) or \"global\" (…/v3/global/statements)",
                    quote(&which)
                )))
            }
        };
        let query = query()?;
        if field(&query, "date").is_none() {
            return Err(Error::invalid(
                "a statement needs `query.date` (YYYYMMDD) and `query.mchid` (or `sp_mchid`)",
            ));
        }
        Ok(DownloadSpec::Statement {
            global,
            query,
            gzip: flag("gzip")?.unwrap_or(true),
            max_bytes,
            base_uri,
        })
    }
}

fn check_sha1_hex(v: &str) -> Result<String> {
    if v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(Error::invalid(format!(
            "hash_value {} is not a SHA-1 (40 hex digits)",
            quote(v)
        )))
    }
}

/// Where the bytes go: hashed, counted and bounded, then written.
struct Sink<'w> {
    out: &'w mut (dyn Write + Send),
    sha1: digest::Context,
    bytes: u64,
    max: u64,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len() as u64;
        if self.bytes.saturating_add(n) > self.max {
            return Err(std::io::Error::other(BoundExceeded(self.max)));
        }
        self.out.write_all(buf)?;
        self.sha1.update(buf);
        self.bytes += n;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[derive(Debug)]
struct BoundExceeded(u64);

impl std::fmt::Display for BoundExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than max_bytes={} bytes", self.0)
    }
}

impl std::error::Error for BoundExceeded {}

fn write_error(e: std::io::Error, gunzip: bool) -> Error {
    if let Some(b) = e.get_ref().and_then(|i| i.downcast_ref::<BoundExceeded>()) {
        return Error::new(
            ErrorKind::Decode,
            format!("the download is {b}; raise max_bytes if the file is really that large (the partial file was removed)"),
        );
    }
    if gunzip && e.kind() == std::io::ErrorKind::InvalidInput
        || e.kind() == std::io::ErrorKind::InvalidData
    {
        return Error::new(
            ErrorKind::Decode,
            format!("the download is not valid gzip: {e}"),
        );
    }
    Error::new(
        ErrorKind::InvalidArgument,
        format!("cannot write the download: {e}"),
    )
}

/// A file written under a temporary name and renamed into place when complete; removed when
/// dropped unfinished.
struct PartialFile {
    tmp: PathBuf,
    target: PathBuf,
    file: Option<std::fs::File>,
}

impl PartialFile {
    fn create(target: &Path) -> Result<PartialFile> {
        let name = target.file_name().ok_or_else(|| {
            Error::invalid(format!(
                "the download's path {} names no file",
                quote(&target.display().to_string())
            ))
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        // Unique per process and download: two downloads to one path never share a file.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tmp_name.push(format!(".wxpay-partial-{}-{n}", std::process::id()));
        let tmp = target.with_file_name(tmp_name);
        let file = std::fs::File::create(&tmp).map_err(|e| {
            Error::invalid(format!(
                "cannot create the download file {}: {e}",
                quote(&tmp.display().to_string())
            ))
        })?;
        Ok(PartialFile {
            tmp,
            target: target.to_owned(),
            file: Some(file),
        })
    }

    fn finish(mut self) -> Result<()> {
        if let Some(f) = self.file.take() {
            f.sync_all().map_err(|e| write_error(e, false))?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(|e| {
            Error::invalid(format!(
                "cannot move the download into place at {}: {e}",
                quote(&self.target.display().to_string())
            ))
        })
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The statement pseudo-body WeChat Pay signs: `{"sha1":"<Wechatpay-Statement-Sha1>"}`.
pub fn statement_pseudo_body(sha1: &str) -> String {
    format!("{{\"sha1\":\"{sha1}\"}}")
}

impl Client {
    /// The URL of a download, checked: https (http only with `insecure_http`), and a host of
    /// WeChat Pay's ([`WECHATPAY_HOSTS`]) or the configured `base_uri`'s.
    fn download_url(&self, url: &str) -> Result<Url> {
        let parsed = Url::parse(url).map_err(|e| {
            Error::invalid(format!("download_url {} is not a URL: {e}", Shown(url)))
        })?;
        let scheme_ok =
            parsed.scheme() == "https" || (parsed.scheme() == "http" && self.insecure_http());
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let own = self.base_uri().host_str().map(str::to_ascii_lowercase);
        if !scheme_ok
            || !(WECHATPAY_HOSTS.contains(&host.as_str()) || own.as_deref() == Some(&host))
        {
            return Err(Error::invalid(format!(
                "refusing to send the merchant's signature to {}: a download_url must be https on one of WeChat Pay's hosts ({}) or the configured base_uri's",
                Shown(url),
                WECHATPAY_HOSTS.join(", ")
            )));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::invalid("a download_url carries no credentials"));
        }
        Ok(parsed)
    }

    /// Download `url` (a `download_url` from an answer) into `out`: signed, unverified, streamed.
    /// See the module's documentation.
    pub async fn download(
        &self,
        url: &str,
        options: &DownloadOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<Downloaded> {
        let url = self.download_url(url)?;
        let prepared = self.prepare_get(url, &[("Accept", "*/*")]);
        self.stream(&prepared, options, out, None).await
    }

    /// [`Client::download`] into the file at `path`: written under a temporary name next to it
    /// and renamed into place once complete and checked; nothing is left behind on failure.
    pub async fn download_file(
        &self,
        url: &str,
        options: &DownloadOptions,
        path: &Path,
    ) -> Result<Downloaded> {
        self.download_spec(&DownloadSpec::Url(url.to_owned(), options.clone()), path)
            .await
    }

    /// Run `spec` ([`DownloadSpec`]) into the file at `path`.
    pub async fn download_spec(&self, spec: &DownloadSpec, path: &Path) -> Result<Downloaded> {
        let mut file = PartialFile::create(path)?;
        let mut f = file.file.take().expect("created with a file");
        let outcome = self.download_spec_to(spec, &mut f).await;
        file.file = Some(f);
        let downloaded = outcome?;
        file.finish()?;
        Ok(downloaded)
    }

    /// Run `spec` into `out`.
    pub async fn download_spec_to(
        &self,
        spec: &DownloadSpec,
        out: &mut (dyn Write + Send),
    ) -> Result<Downloaded> {
        match spec {
            DownloadSpec::Url(url, options) => self.download(url, options, out).await,
            DownloadSpec::Bill {
                kind,
                query,
                max_bytes,
                base_uri,
            } => {
                let mut opts = json!({ "query": query });
                if let Some(b) = base_uri {
                    opts["base_uri"] = json!(b);
                }
                let options = RequestOptions::from_value(&opts)?;
                let first = Operation::request(self, "GET", &format!("v3/bill/{kind}"), &options)?
                    .run(self)
                    .await?;
                let answer: Value = first.json().map_err(|_| {
                    Error::new(ErrorKind::Decode, "the bill's first answer is not JSON")
                })?;
                let text = |name: &str| answer.get(name).and_then(Value::as_str);
                let (Some(url), Some(hash_value)) = (text("download_url"), text("hash_value"))
                else {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        "the bill's first answer has no download_url or hash_value",
                    )
                    .with_response(first.status(), first.request_id().map(str::to_owned)));
                };
                if !text("hash_type")
                    .unwrap_or("SHA1")
                    .eq_ignore_ascii_case("SHA1")
                {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "the bill's hash_type {} is not SHA1",
                            quote(text("hash_type").unwrap_or_default())
                        ),
                    ));
                }
                let gzip = query
                    .get("tar_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("GZIP"));
                let options = DownloadOptions {
                    gunzip: gzip,
                    expect_sha1: Some(check_sha1_hex(hash_value).map_err(|_| {
                        Error::new(ErrorKind::Decode, "the bill's hash_value is not a SHA-1")
                    })?),
                    max_bytes: *max_bytes,
                };
                self.download(url, &options, out).await
            }
            DownloadSpec::Statement {
                global,
                query,
                gzip,
                max_bytes,
                base_uri,
            } => {
                let (default_base, template) = if *global {
                    ("https://apihk.mch.weixin.qq.com/", "v3/global/statements")
                } else {
                    ("https://api.mch.weixin.qq.com/hk/", "v3/statements")
                };
                let mut query = query.clone();
                if !query.contains_key("mchid") && !query.contains_key("sp_mchid") {
                    // The merchant's own statement unless another is asked for.
                    query.insert("mchid".into(), json!(self.signer().mchid()));
                }
                let opts = json!({
                    "query": query,
                    "base_uri": base_uri.as_deref().unwrap_or(default_base),
                });
                let mut prepared =
                    self.prepare("GET", template, &RequestOptions::from_value(&opts)?)?;
                prepared
                    .headers
                    .retain(|(n, _)| !n.eq_ignore_ascii_case("accept"));
                prepared.headers.push(("Accept".into(), "*/*".into()));
                if *gzip {
                    prepared
                        .headers
                        .push(("Accept-Encoding".into(), "gzip".into()));
                }
                let options = DownloadOptions {
                    gunzip: false, // decided by the answer's Content-Encoding
                    expect_sha1: None,
                    max_bytes: *max_bytes,
                };
                self.stream(&prepared, &options, out, Some(Statement)).await
            }
        }
    }

    /// Send `prepared` once and stream its 2xx body into `out`.
    async fn stream(
        &self,
        prepared: &PreparedRequest,
        options: &DownloadOptions,
        out: &mut (dyn Write + Send),
        statement: Option<Statement>,
    ) -> Result<Downloaded> {
        let observer = self.observer(prepared);
        let started = observer.attempt_started();
        let outcome = self.stream_once(prepared, options, out, statement).await;
        match &outcome {
            Ok(d) => observer.attempt_ended(
                started,
                Some((d.status, d.request_id.as_deref())),
                None,
                None,
            ),
            Err(e) => observer.attempt_ended(started, None, Some(e), None),
        }
        observer.finish_with(outcome.as_ref().err());
        outcome
    }

    async fn stream_once(
        &self,
        prepared: &PreparedRequest,
        options: &DownloadOptions,
        out: &mut (dyn Write + Send),
        statement: Option<Statement>,
    ) -> Result<Downloaded> {
        let mut resp = self.send_for_stream(prepared).await?;
        let status = resp.status;
        let headers = std::mem::take(&mut resp.headers);
        let request_id = crate::response::request_id_of(&headers);
        let with = |e: Error| e.with_response(status, request_id.clone());
        if !(200..300).contains(&status) {
            let mut body = Vec::new();
            while let Ok(Some(chunk)) = resp.chunk().await {
                if body.len() + chunk.len() > 64 * 1024 {
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            return Err(Error::from_api(crate::response::parse_api_error(
                status, request_id, &body,
            )));
        }
        let gzip_encoded = headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        let mut expect = options.expect_sha1.clone();
        if statement.is_some() {
            // The signature covers {"sha1":"<Wechatpay-Statement-Sha1>"}: checked before a
            // byte is written; the streamed CSV must then have that SHA-1.
            let header = headers
                .get("wechatpay-statement-sha1")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    with(Error::verify(
                        VerifyFailure::MissingHeaders,
                        "the statement has no Wechatpay-Statement-Sha1 header",
                    ))
                })?;
            let sha1 = check_sha1_hex(header).map_err(|_| {
                with(Error::verify(
                    VerifyFailure::MalformedHeaders,
                    "the statement's Wechatpay-Statement-Sha1 is not a SHA-1",
                ))
            })?;
            // Signed over the header as sent (not its lower-cased form).
            let pseudo = statement_pseudo_body(header);
            SignatureHeaders::from_header_map(&headers)
                .and_then(|signed| {
                    self.verifier()
                        .verify(signed, pseudo.as_bytes(), self.now())
                })
                .map_err(with)?;
            expect = Some(sha1);
        }
        let gunzip = options.gunzip || (statement.is_some() && gzip_encoded);
        let mut sink = Sink {
            out,
            sha1: digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY),
            bytes: 0,
            max: options.max_bytes,
        };
        let mut received: u64 = 0;
        let idle = self.timeout();
        {
            let mut writer = if gunzip {
                Out::Gz(Box::new(flate2::write::MultiGzDecoder::new(&mut sink)))
            } else {
                Out::Plain(&mut sink)
            };
            loop {
                let chunk = match tokio::time::timeout(idle, resp.chunk()).await {
                    Err(_) => {
                        return Err(with(Error::timeout(
                            format!(
                                "the download stalled: nothing arrived for timeout_ms={} (the partial file was removed)",
                                idle.as_millis()
                            ),
                            true,
                        )))
                    }
                    Ok(Err(e)) => {
                        return Err(with(Error::transport(
                            format!(
                                "the download broke off after {received} bytes (the partial file was removed): {}",
                                e
                            ),
                            true,
                        )))
                    }
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(c))) => c,
                };
                received = received.saturating_add(chunk.len() as u64);
                let written = match &mut writer {
                    Out::Gz(d) => d.write_all(&chunk),
                    Out::Plain(s) => s.write_all(&chunk),
                };
                written.map_err(|e| with(write_error(e, gunzip)))?;
            }
            if let Out::Gz(d) = writer {
                d.finish().map_err(|e| {
                    with(Error::new(
                        ErrorKind::Decode,
                        format!("the gzip download ended early or is damaged (the partial file was removed): {e}"),
                    ))
                })?;
            }
        }
        sink.flush().map_err(|e| with(write_error(e, false)))?;
        let sha1 = hex(sink.sha1.finish().as_ref());
        if let Some(want) = &expect {
            if !want.eq_ignore_ascii_case(&sha1) {
                return Err(with(Error::verify(
                    VerifyFailure::DigestMismatch,
                    format!(
                        "the downloaded file's SHA-1 is {sha1}, WeChat Pay said {want}: truncated or altered (the partial file was removed; download it again)"
                    ),
                )));
            }
        }
        Ok(Downloaded {
            status,
            request_id,
            bytes: sink.bytes,
            received,
            sha1,
            checked: expect.is_some(),
        })
    }
}

/// Where received chunks go: straight to the sink, or through a gzip decoder into it.
enum Out<'a, 'w> {
    Plain(&'a mut Sink<'w>),
    Gz(Box<flate2::write::MultiGzDecoder<&'a mut Sink<'w>>>),
}

/// Marks a statement download (its signature and digest rules).
#[derive(Clone, Copy, Debug)]
struct Statement;

/// Where an upload's file comes from.
#[derive(Clone, Debug)]
pub enum UploadSource<'a> {
    /// A file on disk (read when the call is prepared).
    Path(&'a Path),
    /// Bytes in memory (`filename` is then required in the options).
    Bytes(Vec<u8>),
}

impl Operation {
    /// An upload as bindings describe it: the PHP SDK's options (`base_uri`, placeholder
    /// values) plus `meta` (an object), `filename` and `content_type`, and the file.
    pub fn upload_from_options(
        client: &Client,
        template: &str,
        options: &Value,
        source: UploadSource<'_>,
    ) -> Result<Operation> {
        let mut rest = match options {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            other => {
                return Err(Error::invalid(format!(
                    "upload options must be an object, got {}",
                    type_name(other)
                )))
            }
        };
        let meta = rest.remove("meta").unwrap_or(Value::Null);
        let filename = take_string(&mut rest, "filename")?;
        let content_type = take_string(&mut rest, "content_type")?;
        let file = match source {
            UploadSource::Path(p) => {
                UploadFile::from_path(p, filename.as_deref(), content_type.as_deref())?
            }
            UploadSource::Bytes(bytes) => {
                let name = filename.ok_or_else(|| {
                    Error::invalid(
                        "an upload from bytes needs `filename` (e.g. \"photo.jpg\"): WeChat Pay wants the file's name",
                    )
                })?;
                UploadFile::from_bytes(&name, bytes, content_type.as_deref())?
            }
        };
        let options = RequestOptions::from_value(&Value::Object(rest))?;
        Operation::upload(client, template, &options, &meta, &file)
    }
}

/// Remove the optional string option `name` from `m`.
fn take_string(m: &mut Map<String, Value>, name: &str) -> Result<Option<String>> {
    match m.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::invalid(format!(
            "upload option `{name}` must be a string, got {}",
            type_name(&other)
        ))),
    }
}

fn parse_json(text: &str, what: &str) -> Result<Value> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("the {what} are not valid JSON: {e}")))
}

impl DownloadSpec {
    /// [`DownloadSpec::from_value`] of JSON text.
    pub fn from_json(text: &str) -> Result<DownloadSpec> {
        DownloadSpec::from_value(&parse_json(text, "download options")?)
    }
}

impl Operation {
    /// [`Operation::upload_from_options`] with the options as JSON text (empty: none).
    pub fn upload_from_json(
        client: &Client,
        template: &str,
        options_json: &str,
        source: UploadSource<'_>,
    ) -> Result<Operation> {
        let options = parse_json(options_json, "upload options")?;
        Operation::upload_from_options(client, template, &options, source)
    }
}
