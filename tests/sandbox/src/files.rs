//! Files as WeChat Pay serves them: media uploads (the signature over `meta`, the part order,
//! the digest in `meta` against the file), the two mainland bill steps (`tradebill` /
//! `fundflowbill`, then an unsigned `billdownload/file`, plain or gzip), and HK / Global
//! statements (signed over `{"sha1":"…"}`, `Wechatpay-Statement-Sha1`, gzip on
//! `Accept-Encoding`). Bodies are streamed, so a bill of any size (`POST /_sandbox/bills
//! {"bytes": N}`) costs the sandbox no memory.

use std::io::Write;

use aws_lc_rs::digest;
use bytes::Bytes;
use http::{HeaderMap, Response};
use hyper::body::Frame;
use serde_json::{json, Value};

use crate::*;

/// The published bill of test vector B1 (tests/vectors/README.md): served for the date
/// 2019-02-01 (`bill_date=2019-02-01`, `date=20190201`).
pub(crate) const B1_BILL: &[u8] = include_bytes!("../../vectors/bill.ALL.csv");
const B1_DATES: &[&str] = &["2019-02-01", "20190201"];

/// Upload endpoints, by the end of their path.
const UPLOADS: &[&str] = &[
    "/merchant/media/upload",
    "/merchant/media/video_upload",
    "/favor/media/image-upload",
    "/merchant-service/images/upload",
    "/merchant-storage/file/upload",
];

pub(crate) fn is_upload(method: &http::Method, target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    method == http::Method::POST && UPLOADS.iter().any(|u| path.ends_with(u))
}

/// One part of a `multipart/form-data` body.
pub(crate) struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

fn bad(message: &str) -> Answer {
    error_answer(400, "PARAM_ERROR", message, None)
}

/// Split a multipart body by the boundary of its `Content-Type`.
pub(crate) fn parts(headers: &HeaderMap, body: &[u8]) -> Result<Vec<Part>, Answer> {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = ct
        .strip_prefix("multipart/form-data")
        .and_then(|r| r.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned())
    else {
        return Err(bad(
            "上传需要 multipart/form-data (an upload is multipart/form-data)",
        ));
    };
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut out = Vec::new();
    let mut pos = find(text, delimiter.as_bytes(), 0)
        .ok_or_else(|| bad("no multipart boundary in the body"))?;
    loop {
        pos += delimiter.len();
        if text[pos..].starts_with(b"--") {
            break;
        }
        pos += 2; // CRLF
        let head_end = find(text, b"\r\n\r\n", pos).ok_or_else(|| bad("a part without headers"))?;
        let head = String::from_utf8_lossy(&text[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let next = find(text, format!("\r\n{delimiter}").as_bytes(), data_start)
            .ok_or_else(|| bad("a part without its closing boundary"))?;
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            data: text[data_start..next].to_vec(),
        };
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                part.name = attribute(line, "name").unwrap_or_default();
                part.filename = attribute(line, "filename");
            } else if let Some(v) = lower.strip_prefix("content-type:") {
                part.content_type = Some(v.trim().to_owned());
            }
        }
        out.push(part);
        pos = next + 2;
    }
    Ok(out)
}

fn attribute(line: &str, name: &str) -> Option<String> {
    line.split(';').map(str::trim).find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The body the signature of an upload covers (its `meta` part), checking the parts' order.
pub(crate) fn signed_meta(parts: &[Part]) -> Result<Vec<u8>, Answer> {
    match parts {
        [meta, file, ..] if meta.name == "meta" && file.name == "file" => Ok(meta.data.clone()),
        _ => Err(bad(
            "上传的第一部分须为 meta，第二部分须为 file (meta first, then file)",
        )),
    }
}

/// The answer to an authenticated upload: the digest in `meta` must be the file's.
pub(crate) fn upload_answer(parts: &[Part]) -> Answer {
    let (meta, file) = (&parts[0], &parts[1]);
    if meta.content_type.as_deref() != Some("application/json") {
        return bad("meta 的 Content-Type 须为 application/json");
    }
    let Ok(m) = serde_json::from_slice::<Value>(&meta.data) else {
        return bad("meta 不是 JSON (meta is not JSON)");
    };
    let sha = hex(digest::digest(&digest::SHA256, &file.data).as_ref());
    let given = ["sha256", "digest", "file_digest"]
        .iter()
        .find_map(|k| m.get(*k).and_then(Value::as_str));
    if given.map(str::to_ascii_lowercase).as_deref() != Some(sha.as_str()) {
        return bad("文件摘要与 meta 不符 (the file's SHA-256 is not the one in meta)");
    }
    if file.filename.as_deref().unwrap_or_default().is_empty() {
        return bad("file 部分缺少 filename");
    }
    Answer {
        status: 200,
        body: serde_json::to_vec(&json!({
            "media_id": format!("sandbox-media-{}", &sha[..16]),
            "media_url": format!("https://wxpaysandbox.test/media/{}", &sha[..16]),
            "file_id": format!("sandbox-file-{}", &sha[..16]),
            "bytes": file.data.len(),
        }))
        .unwrap_or_default(),
    }
}

/// What a bill or statement holds: the B1 vector for its date, else rows made from the date.
#[derive(Clone, Debug)]
pub(crate) struct Content {
    date: String,
    total: u64,
}

impl Content {
    pub(crate) fn new(date: &str, total: u64) -> Content {
        Content {
            date: date.to_owned(),
            total: if B1_DATES.contains(&date) {
                B1_BILL.len() as u64
            } else {
                total
            },
        }
    }

    /// The chunks, in order (about 64 KiB each).
    fn chunks(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        let b1 = B1_DATES.contains(&self.date.as_str());
        let mut row: u64 = 0;
        let mut produced: u64 = 0;
        std::iter::from_fn(move || {
            if b1 {
                if produced > 0 {
                    return None;
                }
                produced = B1_BILL.len() as u64;
                return Some(B1_BILL.to_vec());
            }
            if produced >= self.total {
                return None;
            }
            let mut chunk = Vec::with_capacity(70_000);
            if produced == 0 {
                chunk.extend_from_slice(b"\xEF\xBB\xBF");
                chunk.extend_from_slice(
                    "交易时间,公众账号ID,商户号,微信订单号,商户订单号,交易状态,应结订单金额\r\n"
                        .as_bytes(),
                );
            }
            while chunk.len() < 65_536 && produced + (chunk.len() as u64) < self.total {
                row += 1;
                let line = format!(
                    "`{} 10:{:02}:{:02},`wx2421b1c4370ec43b,`1230000109,`42000{:023},`sandbox{:018},`SUCCESS,`{}.{:02}\r\n",
                    self.date,
                    (row / 60) % 60,
                    row % 60,
                    row,
                    row,
                    row % 1000,
                    row % 100
                );
                chunk.extend_from_slice(line.as_bytes());
            }
            let room = self.total - produced;
            chunk.truncate(room.min(chunk.len() as u64) as usize);
            produced += chunk.len() as u64;
            Some(chunk)
        })
    }

    /// SHA-1 (hex) of the whole content.
    pub(crate) fn sha1(&self) -> String {
        let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
        for c in self.chunks() {
            ctx.update(&c);
        }
        hex(ctx.finish().as_ref())
    }
}

/// How a download body is sent.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Delivery {
    pub(crate) gzip: bool,
    /// Stop after about half of it, with the connection reset (a `Content-Length` is announced).
    pub(crate) truncate: bool,
    /// Pause this long between chunks.
    pub(crate) pause_ms: u64,
}

/// A streamed body of `content`, produced in a task as the client reads it.
pub(crate) fn stream(content: Content, how: Delivery) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut encoder = how
            .gzip
            .then(|| flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        let mut produced: u64 = 0;
        let half = content.total / 2;
        for chunk in content.chunks() {
            produced += chunk.len() as u64;
            let out = match encoder.as_mut() {
                Some(e) => {
                    let _ = e.write_all(&chunk);
                    std::mem::take(e.get_mut())
                }
                None => chunk,
            };
            if how.truncate && produced > half.max(1) {
                let _ = tx.send(Ok(Frame::data(Bytes::from(out)))).await;
                let _ = tx
                    .send(Err(std::io::Error::other("sandbox fault: truncated body")))
                    .await;
                return;
            }
            if !out.is_empty() && tx.send(Ok(Frame::data(Bytes::from(out)))).await.is_err() {
                return; // the client went away
            }
            if how.pause_ms > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(how.pause_ms)).await;
            }
        }
        if let Some(e) = encoder {
            if let Ok(rest) = e.finish() {
                let _ = tx.send(Ok(Frame::data(Bytes::from(rest)))).await;
            }
        }
    });
    struct Channel(tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, std::io::Error>>);
    impl hyper::body::Body for Channel {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            self.0.poll_recv(cx)
        }
    }
    http_body_util::BodyExt::boxed(Channel(rx))
}

fn query_value(target: &str, name: &str) -> Option<String> {
    let (_, q) = target.split_once('?')?;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| crate::api::percent_decode(v))
    })
}

impl State {
    /// Bytes of a generated bill or statement (`POST /_sandbox/bills {"bytes": N}`).
    pub(crate) fn bill_bytes(&self) -> u64 {
        match self.m.lock().map(|m| m.bill_bytes).unwrap_or(0) {
            0 => 20_000,
            n => n,
        }
    }

    /// `GET /v3/bill/tradebill|fundflowbill?bill_date=…`: the signed first step.
    pub(crate) fn bill_first_step(&self, target: &str, lie: bool) -> Answer {
        let path = target.split('?').next().unwrap_or_default();
        let kind = path.rsplit('/').next().unwrap_or_default();
        let Some(date) = query_value(target, "bill_date") else {
            return bad("bill_date 为必填 (bill_date is required)");
        };
        let gzip = query_value(target, "tar_type").is_some_and(|t| t == "GZIP");
        let content = Content::new(&date, self.bill_bytes());
        let mut sha1 = content.sha1();
        if lie {
            // The `wrong_digest` fault: the hash does not match what will be downloaded.
            sha1 = format!(
                "{}{}",
                if sha1.starts_with('0') { "1" } else { "0" },
                &sha1[1..]
            );
        }
        let mut url =
            format!("https://api.mch.weixin.qq.com/v3/billdownload/file?token={kind}.{date}");
        if gzip {
            url.push_str("&tartype=gzip");
        }
        Answer {
            status: 200,
            body: serde_json::to_vec(
                &json!({"hash_type": "SHA1", "hash_value": sha1, "download_url": url}),
            )
            .unwrap_or_default(),
        }
    }

    /// `GET /v3/billdownload/file?token=…`: the unsigned file.
    pub(crate) fn bill_file(&self, target: &str, fault: Option<&Fault>) -> Response<Body> {
        let token = query_value(target, "token").unwrap_or_default();
        let date = token
            .split_once('.')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default();
        let how = Delivery {
            gzip: query_value(target, "tartype").is_some_and(|t| t == "gzip"),
            truncate: fault.is_some_and(|f| f.kind == FaultKind::TruncatedBody),
            pause_ms: fault
                .filter(|f| f.kind == FaultKind::SlowBody)
                .map_or(0, |f| f.delay_ms.max(1)),
        };
        let content = Content::new(&date, self.bill_bytes());
        let mut b = Response::builder().status(200).header(
            "Content-Type",
            if how.gzip {
                "application/gzip"
            } else {
                "text/plain; charset=utf-8"
            },
        );
        if how.truncate && !how.gzip {
            b = b.header("Content-Length", content.total.to_string());
        }
        b.body(stream(content, how))
            .unwrap_or_else(|_| Response::new(full(Bytes::new())))
    }

    /// `GET /hk/v3/statements` and `/v3/global/statements`: a CSV signed through its SHA-1.
    pub(crate) fn statement(
        &self,
        target: &str,
        headers: &HeaderMap,
        fault: Option<&Fault>,
    ) -> Response<Body> {
        let Some(date) = query_value(target, "date") else {
            return plain(bad("date 为必填 (date is required, YYYYMMDD)"), None);
        };
        if query_value(target, "mchid").is_none() && query_value(target, "sp_mchid").is_none() {
            return plain(bad("mchid 或 sp_mchid 为必填"), None);
        }
        let content = Content::new(&date, self.bill_bytes());
        let mut sha1 = content.sha1();
        if fault.is_some_and(|f| f.kind == FaultKind::WrongDigest) {
            sha1 = format!(
                "{}{}",
                if sha1.starts_with('0') { "1" } else { "0" },
                &sha1[1..]
            );
        }
        let pseudo = wxpay::files::statement_pseudo_body(&sha1);
        let signature_fault = fault.map(|f| f.kind).filter(|k| {
            matches!(
                k,
                FaultKind::BadSignature | FaultKind::NoSignature | FaultKind::UnknownSerial
            )
        });
        let signed = self.signed(
            Answer {
                status: 200,
                body: pseudo.into_bytes(),
            },
            signature_fault,
        );
        let gzip = headers
            .get("accept-encoding")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("gzip"));
        let how = Delivery {
            gzip,
            truncate: fault.is_some_and(|f| f.kind == FaultKind::TruncatedBody),
            pause_ms: fault
                .filter(|f| f.kind == FaultKind::SlowBody)
                .map_or(0, |f| f.delay_ms.max(1)),
        };
        let (mut parts, _) = signed.into_parts();
        parts.headers.insert(
            "Content-Type",
            http::HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = http::HeaderValue::from_str(&sha1) {
            parts.headers.insert("Wechatpay-Statement-Sha1", v);
        }
        if gzip {
            parts
                .headers
                .insert("Content-Encoding", http::HeaderValue::from_static("gzip"));
        }
        if how.truncate && !gzip {
            if let Ok(v) = http::HeaderValue::from_str(&content.total.to_string()) {
                parts.headers.insert("Content-Length", v);
            }
        }
        Response::from_parts(parts, stream(content, how))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_b1_vector_is_the_published_bill() {
        assert_eq!(B1_BILL.len(), 14_686);
        assert_eq!(
            Content::new("2019-02-01", 0).sha1(),
            "9bb6cd819be348f17a9cbcedddc8eb62fefbd790"
        );
    }

    #[test]
    fn generated_content_has_exactly_the_bytes_asked_for() {
        for n in [1u64, 3, 100, 65_536, 200_001] {
            let c = Content::new("2026-11-26", n);
            let total: usize = c.chunks().map(|c| c.len()).sum();
            assert_eq!(total as u64, n);
        }
    }
}
