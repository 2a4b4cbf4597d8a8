//! `wxpay`: WeChat Pay APIv3 from the command line, on the same core as every binding.

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{json, Map, Value};
use wxpay::error::quote;
use wxpay::{
    Client, CloseEndpoint, CloseOrder, Config, Error, ErrorKind, Operation, OrderRef,
    RequestOptions,
};
use wxpay_runtime::{blocking, ProcessRuntime};

const USAGE: &str = "\
wxpay: WeChat Pay APIv3 client

usage:
  wxpay --config FILE request METHOD URI_TEMPLATE [--options JSON]
  wxpay --config FILE call NAME [--args JSON] [--dry-run [--timestamp T] [--nonce N]]
  wxpay calls [NAME]
  wxpay --config FILE close TRANSACTION_ID [--mchid M] [--sub-mchid S] [--sp-mchid P]
                                           [--base-uri URL] [--global] [--out-trade-no]
  wxpay --config FILE prepare METHOD URI_TEMPLATE [--options JSON] [--timestamp T] [--nonce N]
  wxpay --config FILE notification --headers FILE --body FILE [--now T]
  wxpay --config FILE echo MESSAGE [--notify-url URL]
  wxpay --config FILE certificates download [--apiv3-key KEY] [--out DIR]
  wxpay --config FILE certificates list
  wxpay --config FILE upload URI_TEMPLATE PATH [--meta JSON] [--options JSON] [--filename NAME]
                                               [--content-type TYPE]
  wxpay --config FILE bill download tradebill|fundflowbill --date YYYY-MM-DD --out PATH
                                               [--gzip] [--query JSON]
  wxpay --config FILE statement download hk|global --date YYYYMMDD --out PATH [--mchid M]
                                               [--query JSON]
  wxpay --config FILE download URL --out PATH [--hash SHA1] [--gzip]
  wxpay --config FILE encrypt-field TEXT
  wxpay --config FILE decrypt-field CIPHERTEXT
  wxpay sandbox [--plain] [--state-dir DIR] [--fast-notifications] [...]   (`wxpay sandbox --help`)
  wxpay --version

  FILE     the configuration JSON (mchid, serial, private_key, certs, base_uri, timeout_ms,
           connect_timeout_ms, retries, user_agent, ca_certs, resolve, insecure_http);
           relative file:// paths in it resolve against its folder
  METHOD   GET, POST, PUT, PATCH or DELETE
  JSON     the PHP SDK's options: {\"base_uri\": …, \"transaction_id\": …, \"json\": {…},
           \"query\": {…}, \"headers\": {…}}

  call     any typed call of the catalogue by name (`wxpay calls` lists them; CALLS.md documents
           them): --args its arguments as a JSON object, checked before anything is sent (an
           error names the argument); prints the response with its typed `result`; --dry-run
           prints the exact request instead of sending it
  calls    the catalogue of typed calls (names, summaries, families, arguments), or one
           call's whole entry; needs no configuration
  sandbox  starts a local WeChat Pay on loopback (TEST ONLY) that plays the whole payment day:
           prints one JSON line (url, ca_cert, client_config…) and a guide on stderr, writes the
           test merchant's client configuration; needs no configuration
  close    closes an order (HK endpoint by default, --global for apihk.mch.weixin.qq.com/v3/global;
           --out-trade-no when the id is the merchant's out_trade_no); succeeds only on 204
  prepare  prints the exact request that would be sent (URL, headers, body, Authorization)
           without sending it; --timestamp and --nonce fix the signature inputs
  notification  verifies and decrypts a saved notification (needs apiv3_key in FILE): --headers
           is JSON (an object or [name, value] pairs) or `Name: value` lines, --body the raw
           body; prints {notification, answer}; --now checks it against another time
  certificates download  fetches the platform certificates (only mchid, serial, private_key and
           apiv3_key needed: --apiv3-key, best as file://PATH, overrides the file's), checks
           them, writes DIR/<serial>.pem with --out, and prints the `certs` map to configure
  certificates list  the keys a configuration verifies with (with auto_certificates: after a
           download)
  echo     the self-test POST /v3/security/echo: signing, verification and RSA-OAEP both ways
           (succeeds when the encrypted echo decrypts with the merchant key to MESSAGE)
  upload   a media upload (multipart: meta, then the file at PATH); the signature covers the
           meta, whose SHA-256 of the file wxpay fills in (--meta '{\"digest\": null}' names
           another field); a file over the endpoint's limit is refused before sending
  bill download  the mainland bill in two steps (the signed answer, then the file), its SHA-1
           checked over the decompressed bytes (--gzip asks for tar_type=GZIP); written to
           PATH only when complete and checked
  statement download  the HK (…/hk/v3/statements) or Global (…/v3/global/statements) statement,
           verified through Wechatpay-Statement-Sha1; --mchid defaults to the file's
  download a download_url as WeChat Pay gave it (only its hosts), --hash the SHA-1 to check
  encrypt-field / decrypt-field  a sensitive field for WeChat Pay (prints {ciphertext, serial})
           / one WeChat Pay encrypted for the merchant (prints {plaintext})

Prints a JSON object on stdout: {status, request_id, headers, body} on success, {error: {…}}
on failure. Exit codes: 0 success, 2 usage, configuration or argument error, 3 API error
(WeChat Pay answered non-2xx), 4 response verification or decoding failure, 5 transport error
or timeout, 1 internal error.
";

enum Cmd {
    Call {
        name: String,
        args: String,
        dry_run: bool,
        timestamp: Option<i64>,
        nonce: Option<String>,
    },
    Calls(Option<String>),
    Request {
        method: String,
        template: String,
        options: String,
    },
    Close {
        order: CloseOrder,
    },
    Prepare {
        method: String,
        template: String,
        options: String,
        timestamp: Option<i64>,
        nonce: Option<String>,
    },
    Notification {
        headers: String,
        body: String,
        now: Option<i64>,
    },
    Echo {
        message: String,
        notify_url: Option<String>,
    },
    Certificates {
        download: bool,
        apiv3_key: Option<String>,
        out: Option<String>,
    },
    EncryptField(String),
    DecryptField(String),
    Upload {
        template: String,
        path: String,
        meta: String,
        options: String,
        filename: Option<String>,
        content_type: Option<String>,
    },
    Download {
        spec: Value,
        out: String,
    },
}

struct Args {
    config: String,
    cmd: Cmd,
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut config = None;
    let mut positional = Vec::new();
    let mut flags: Map<String, Value> = Map::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" | "-c" => config = Some(it.next().ok_or("--config needs a FILE")?),
            "--global" | "--out-trade-no" | "--gzip" | "--dry-run" => {
                flags.insert(a.clone(), Value::Bool(true));
            }
            "--options" | "--mchid" | "--sub-mchid" | "--sp-mchid" | "--base-uri"
            | "--timestamp" | "--nonce" | "--headers" | "--body" | "--now" | "--notify-url"
            | "--apiv3-key" | "--out" | "--meta" | "--filename" | "--content-type" | "--date"
            | "--query" | "--hash" | "--args" => {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                flags.insert(a.clone(), Value::String(v));
            }
            f if f.starts_with("--") => return Err(format!("unknown option `{}`", quote(f))),
            _ => positional.push(a),
        }
    }
    let flag = |name: &str| flags.get(name).and_then(Value::as_str).map(str::to_owned);
    let timestamp = |f: Option<String>| -> Result<Option<i64>, String> {
        match f {
            Some(t) => t
                .parse()
                .map(Some)
                .map_err(|_| format!("--timestamp `{}` is not Unix seconds", quote(&t))),
            None => Ok(None),
        }
    };
    if positional.first().map(String::as_str) == Some("calls") {
        if let Some(bad) = flags.keys().next() {
            return Err(format!("option `{bad}` does not apply to this command"));
        }
        return match positional.as_slice() {
            [_] => Ok(Args {
                config: config.unwrap_or_default(),
                cmd: Cmd::Calls(None),
            }),
            [_, name] => Ok(Args {
                config: config.unwrap_or_default(),
                cmd: Cmd::Calls(Some(name.clone())),
            }),
            _ => Err("calls takes at most one NAME".into()),
        };
    }
    let config = config.ok_or("missing --config FILE")?;
    let allowed: &[&str] = match positional.first().map(String::as_str) {
        Some("call") => &["--args", "--dry-run", "--timestamp", "--nonce"],
        Some("request") => &["--options"],
        Some("close") => &[
            "--mchid",
            "--sub-mchid",
            "--sp-mchid",
            "--base-uri",
            "--global",
            "--out-trade-no",
        ],
        Some("prepare") => &["--options", "--timestamp", "--nonce"],
        Some("notification") => &["--headers", "--body", "--now"],
        Some("echo") => &["--notify-url"],
        Some("certificates") => &["--apiv3-key", "--out"],
        Some("upload") => &["--meta", "--options", "--filename", "--content-type"],
        Some("bill") => &["--date", "--out", "--gzip", "--query"],
        Some("statement") => &["--date", "--out", "--mchid", "--query", "--gzip"],
        Some("download") => &["--out", "--hash", "--gzip"],
        _ => &[],
    };
    if let Some(bad) = flags.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("option `{bad}` does not apply to this command"));
    }
    let cmd = match positional
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["call", name] => {
            let dry_run = flags.contains_key("--dry-run");
            if !dry_run && (flags.contains_key("--timestamp") || flags.contains_key("--nonce")) {
                return Err("--timestamp and --nonce fix a dry run's signature: give --dry-run".into());
            }
            Cmd::Call {
                name: name.to_string(),
                args: flag("--args").unwrap_or_else(|| "{}".into()),
                dry_run,
                timestamp: timestamp(flag("--timestamp"))?,
                nonce: flag("--nonce"),
            }
        }
        ["call", ..] => return Err("call needs the NAME of a typed call (`wxpay calls` lists them)".into()),
        ["request", method, template] => Cmd::Request {
            method: method.to_string(),
            template: template.to_string(),
            options: flag("--options").unwrap_or_default(),
        },
        ["prepare", method, template] => Cmd::Prepare {
            method: method.to_string(),
            template: template.to_string(),
            options: flag("--options").unwrap_or_default(),
            timestamp: match flag("--timestamp") {
                Some(t) => Some(
                    t.parse()
                        .map_err(|_| format!("--timestamp `{}` is not Unix seconds", quote(&t)))?,
                ),
                None => None,
            },
            nonce: flag("--nonce"),
        },
        ["close", id] => {
            let mut order = if flags.contains_key("--out-trade-no") {
                CloseOrder::out_trade_no(*id)
            } else {
                CloseOrder::transaction_id(*id)
            };
            if flags.contains_key("--global") {
                order.endpoint = CloseEndpoint::Global;
            }
            order.mchid = flag("--mchid");
            order.sub_mchid = flag("--sub-mchid");
            order.sp_mchid = flag("--sp-mchid");
            order.base_uri = flag("--base-uri");
            Cmd::Close { order }
        }
        ["notification"] => Cmd::Notification {
            headers: flag("--headers").ok_or("notification needs --headers FILE")?,
            body: flag("--body").ok_or("notification needs --body FILE")?,
            now: match flag("--now") {
                Some(t) => Some(
                    t.parse()
                        .map_err(|_| format!("--now `{}` is not Unix seconds", quote(&t)))?,
                ),
                None => None,
            },
        },
        ["echo", message] => Cmd::Echo {
            message: message.to_string(),
            notify_url: flag("--notify-url"),
        },
        ["certificates", what @ ("download" | "list")] => Cmd::Certificates {
            download: *what == "download",
            apiv3_key: flag("--apiv3-key"),
            out: flag("--out"),
        },
        ["certificates", ..] => return Err("certificates needs `download` or `list`".into()),
        ["upload", template, path] => Cmd::Upload {
            template: template.to_string(),
            path: path.to_string(),
            meta: flag("--meta").unwrap_or_else(|| "{}".into()),
            options: flag("--options").unwrap_or_default(),
            filename: flag("--filename"),
            content_type: flag("--content-type"),
        },
        ["bill", "download", kind] => {
            let mut query = query_flag(flag("--query"))?;
            query.insert(
                "bill_date".into(),
                json!(flag("--date").ok_or("bill download needs --date YYYY-MM-DD")?),
            );
            if flags.contains_key("--gzip") {
                query.insert("tar_type".into(), json!("GZIP"));
            }
            Cmd::Download {
                spec: json!({"bill": kind, "query": query}),
                out: flag("--out").ok_or("bill download needs --out PATH")?,
            }
        }
        ["statement", "download", which] => {
            let mut query = query_flag(flag("--query"))?;
            query.insert(
                "date".into(),
                json!(flag("--date").ok_or("statement download needs --date YYYYMMDD")?),
            );
            if let Some(m) = flag("--mchid") {
                query.insert("mchid".into(), json!(m));
            }
            Cmd::Download {
                spec: json!({"statement": which, "query": query, "gzip": true}),
                out: flag("--out").ok_or("statement download needs --out PATH")?,
            }
        }
        ["download", url] => {
            let mut spec = json!({"url": url, "gunzip": flags.contains_key("--gzip")});
            if let Some(h) = flag("--hash") {
                spec["hash_type"] = json!("SHA1");
                spec["hash_value"] = json!(h);
            }
            Cmd::Download {
                spec,
                out: flag("--out").ok_or("download needs --out PATH")?,
            }
        }
        ["bill" | "statement", ..] => return Err("use `bill download tradebill|fundflowbill` or `statement download hk|global`".into()),
        ["encrypt-field", text] => Cmd::EncryptField(text.to_string()),
        ["decrypt-field", text] => Cmd::DecryptField(text.to_string()),
        [] => return Err("missing command: call, calls, request, close, prepare, notification, echo, certificates, upload, bill, statement, download, encrypt-field or decrypt-field".into()),
        [cmd, ..] if !["call", "request", "close", "prepare", "notification", "echo", "certificates", "upload", "bill", "statement", "download", "encrypt-field", "decrypt-field"].contains(cmd) => {
            return Err(format!("unknown command `{}`", quote(cmd)))
        }
        _ => return Err("wrong number of arguments for this command".into()),
    };
    Ok(Args { config, cmd })
}

/// `--query JSON`: an object of extra query parameters.
fn query_flag(q: Option<String>) -> Result<Map<String, Value>, String> {
    match q {
        None => Ok(Map::new()),
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(format!("--query `{}` is not a JSON object", quote(&text))),
        },
    }
}

fn exit_code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::Config | ErrorKind::InvalidArgument => 2,
        ErrorKind::Api => 3,
        ErrorKind::Verify | ErrorKind::Decode => 4,
        ErrorKind::Transport | ErrorKind::Timeout => 5,
        ErrorKind::Internal => 1,
    }
}

fn success(r: &wxpay::Response) -> Value {
    let headers: Map<String, Value> = r
        .header_fields()
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    let body = if r.body().is_empty() {
        Value::Null
    } else {
        r.json()
            .unwrap_or_else(|_| json!(String::from_utf8_lossy(r.body())))
    };
    json!({"status": r.status(), "request_id": r.request_id(), "headers": headers, "body": body})
}

/// Headers saved from a request: JSON (an object, or `[name, value]` pairs) or `Name: value`
/// lines (as an HTTP request shows them; a first line without a colon, the request line, is
/// skipped).
fn saved_headers(text: &str) -> Result<Vec<(String, String)>, Error> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return wxpay::notify::headers_from_json(&v);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) => out.push((k.trim().to_owned(), v.trim().to_owned())),
            None if i == 0 => {}
            None => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("--headers line {} is not `Name: value`", i + 1),
                ))
            }
        }
    }
    Ok(out)
}

fn read_arg_file(flag: &str, path: &str, max: u64) -> Result<Vec<u8>, Error> {
    wxpay::keys::read_bounded(flag, std::path::Path::new(path), max)
        .map(|b| b.to_vec())
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, e))
}

/// `certificates download`: the configuration with downloaded certificates switched on (so that
/// `certs` may be absent, as for a new merchant), the APIv3 key from `--apiv3-key` if given.
fn certificates_download(
    path: &str,
    apiv3_key: Option<String>,
    out: Option<String>,
) -> Result<Value, Error> {
    let config = {
        let text = read_arg_file(
            "configuration file",
            path,
            wxpay::config::MAX_CONFIG_FILE_BYTES,
        )
        .map_err(|e| Error::new(ErrorKind::Config, e.message().to_owned()))?;
        let mut v: Value = serde_json::from_slice(&text).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("configuration file `{path}` is not valid JSON: {e}"),
            )
        })?;
        let Some(m) = v.as_object_mut() else {
            return Err(Error::new(
                ErrorKind::Config,
                "the configuration is not a JSON object",
            ));
        };
        for k in ["autoCertificates", "auto_certificates"] {
            m.remove(k);
        }
        m.insert("auto_certificates".into(), json!(true));
        if let Some(key) = apiv3_key {
            for k in ["apiv3Key", "apiV3Key"] {
                m.remove(k);
            }
            m.insert("apiv3_key".into(), json!(key));
        }
        let dir = std::path::Path::new(path)
            .parent()
            .map(std::path::Path::to_path_buf);
        Config::from_value(&v, dir.as_deref())?
    };
    let client = Arc::new(Client::new(&config)?);
    let outcome = RUNTIME
        .get()
        .map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?
        .block_on(client.download_certificates())?;
    let certs = match outcome {
        wxpay::certificates::Outcome::PublicKeyOnly => {
            return Ok(json!({"public_key_only": true, "certificates": [], "certs": {}}))
        }
        wxpay::certificates::Outcome::Certificates(certs) => certs,
    };
    let mut map = Map::new();
    let mut list = Vec::new();
    for c in &certs {
        let value = match &out {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::new(ErrorKind::InvalidArgument, format!("--out `{dir}`: {e}"))
                })?;
                let file = std::path::Path::new(dir).join(format!("wechatpay_{}.pem", c.serial));
                std::fs::write(&file, &c.pem).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidArgument,
                        format!("cannot write `{}`: {e}", file.display()),
                    )
                })?;
                let abs = std::fs::canonicalize(&file).unwrap_or(file);
                format!("file://{}", abs.display())
            }
            None => c.pem.clone(),
        };
        map.insert(c.serial.clone(), json!(value));
        list.push(json!({"serial": c.serial, "not_before": c.key.not_before(), "not_after": c.key.not_after()}));
    }
    Ok(json!({"public_key_only": false, "certificates": list, "certs": map}))
}

/// `wxpay calls`: every call in brief; `wxpay calls NAME`: its whole catalogue entry.
fn calls(name: Option<&str>) -> Result<Value, Error> {
    let catalogue = wxpay::calls::catalogue::catalogue_json();
    let entries = catalogue["calls"].as_array().cloned().unwrap_or_default();
    let Some(name) = name else {
        let brief: Vec<Value> = entries
            .iter()
            .map(|c| {
                let args: Vec<&Value> = c["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| &a["name"])
                    .collect();
                json!({"name": c["name"], "summary": c["summary"], "families": c["families"],
                       "lead": c["lead"], "args": args})
            })
            .collect();
        return Ok(json!({"calls": brief}));
    };
    let spec = wxpay::calls::catalogue::lookup(name)?;
    entries
        .into_iter()
        .find(|c| c["name"] == spec.name)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                "a call missing from the catalogue's JSON",
            )
        })
}

fn run(args: Args) -> Result<Value, Error> {
    if let Cmd::Calls(name) = &args.cmd {
        return calls(name.as_deref());
    }
    // `certificates download` reads the configuration its own way (certs may be absent).
    let config = match &args.cmd {
        Cmd::Certificates { download: true, .. } => None,
        _ => Some(Config::from_file(&args.config)?),
    };
    let Some(config) = config else {
        let Cmd::Certificates { apiv3_key, out, .. } = args.cmd else {
            return Err(Error::new(
                ErrorKind::Internal,
                "certificates download expected",
            ));
        };
        return certificates_download(&args.config, apiv3_key, out);
    };
    match args.cmd {
        Cmd::Certificates { .. } => Ok(Client::new(&config)?.certificates_json()),
        Cmd::Notification { headers, body, now } => {
            let client = Client::new(&config)?;
            let text = read_arg_file("--headers file", &headers, 1024 * 1024)?;
            let headers = saved_headers(&String::from_utf8_lossy(&text))?;
            let body = read_arg_file(
                "--body file",
                &body,
                wxpay::notify::MAX_NOTIFICATION_BYTES as u64,
            )?;
            let n = client.parse_notification(
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &body,
                now,
            )?;
            Ok(json!({"notification": n.to_json(), "answer": wxpay::Answer::success().to_json()}))
        }
        Cmd::Echo {
            message,
            notify_url,
        } => {
            let client = Arc::new(Client::new(&config)?);
            let op = Operation::security_echo(&client, &message, notify_url.as_deref())?;
            Ok(success(&blocking::execute(&RUNTIME, &client, op)?))
        }
        Cmd::Upload {
            template,
            path,
            meta,
            options,
            filename,
            content_type,
        } => {
            let client = Arc::new(Client::new(&config)?);
            let meta: Value = serde_json::from_str(&meta).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("--meta is not JSON: {e}"),
                )
            })?;
            let options = RequestOptions::from_json(&options)?;
            let file = wxpay::UploadFile::from_path(
                std::path::Path::new(&path),
                filename.as_deref(),
                content_type.as_deref(),
            )?;
            let op = Operation::upload(&client, &template, &options, &meta, &file)?;
            Ok(success(&blocking::execute(&RUNTIME, &client, op)?))
        }
        Cmd::Download { spec, out } => {
            let client = Arc::new(Client::new(&config)?);
            let mut spec = spec;
            if spec.get("statement").is_some() && spec["query"].get("mchid").is_none() {
                spec["query"]["mchid"] = json!(config.mchid);
            }
            let spec = wxpay::DownloadSpec::from_value(&spec)?;
            let path = std::path::PathBuf::from(out);
            let shown = path.display().to_string();
            let d = blocking::run(
                &RUNTIME,
                async move { client.download_spec(&spec, &path).await },
            )?;
            let mut v = d.to_json();
            v["path"] = json!(shown);
            Ok(v)
        }
        Cmd::EncryptField(text) => Ok(Client::new(&config)?.encrypt_field(&text)?.to_json()),
        Cmd::DecryptField(text) => {
            let plain = Client::new(&config)?.decrypt_field(&text)?;
            Ok(json!({"plaintext": *plain}))
        }
        Cmd::Prepare {
            method,
            template,
            options,
            timestamp,
            nonce,
        } => {
            let client = Client::new(&config)?;
            let options = RequestOptions::from_json(&options)?;
            client.prepare_json(&method, &template, &options, timestamp, nonce.as_deref())
        }
        Cmd::Calls(_) => Err(Error::new(ErrorKind::Internal, "calls needs no client")),
        Cmd::Call {
            name,
            args,
            dry_run,
            timestamp,
            nonce,
        } => {
            let client = Arc::new(Client::new(&config)?);
            // Check every argument before starting any I/O.
            let op = Operation::by_name(&client, &name, &args)?;
            if dry_run {
                return op.dry_run(&client, timestamp, nonce.as_deref());
            }
            let r = blocking::execute(&RUNTIME, &client, op)?;
            let mut v = success(&r);
            v["result"] = r.result().cloned().unwrap_or(Value::Null);
            Ok(v)
        }
        Cmd::Request {
            method,
            template,
            options,
        } => {
            let client = Arc::new(Client::new(&config)?);
            let options = RequestOptions::from_json(&options)?;
            // Check every argument before starting any I/O.
            let op = Operation::request(&client, &method, &template, &options)?;
            let r = blocking::execute(&RUNTIME, &client, op)?;
            Ok(success(&r))
        }
        Cmd::Close { order } => {
            let client = Arc::new(Client::new(&config)?);
            let op = Operation::close(&client, &order)?;
            let r = blocking::execute(&RUNTIME, &client, op)?;
            let mut v = success(&r);
            v["closed"] = json!(match &order.order {
                OrderRef::TransactionId(id) => json!({"transaction_id": id}),
                OrderRef::OutTradeNo(no) => json!({"out_trade_no": no}),
            });
            Ok(v)
        }
    }
}

/// The bindings' runtimes (`wxpay-runtime`): the one call runs on this thread; the process
/// runtime is only made if another call were in progress, which never happens here.
static RUNTIME: ProcessRuntime = ProcessRuntime::new();

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("sandbox") {
        // A local WeChat Pay for merchants' own tests (TEST ONLY): HTTPS, and the test
        // merchant's client configuration written for them.
        return wxpay_sandbox::cli::main(wxpay_sandbox::cli::Flavour::Merchant, argv[1..].to_vec());
    }
    if argv.iter().any(|a| a == "-h" || a == "--help") || argv.is_empty() {
        print!("{USAGE}");
        return if argv.is_empty() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    if argv.iter().any(|a| a == "--version" || a == "-V") {
        println!("wxpay {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let args = match parse(argv) {
        Ok(a) => a,
        Err(e) => {
            let err = Error::new(ErrorKind::InvalidArgument, format!("usage: {e}"));
            println!("{}", json!({"error": err.to_json()}));
            eprintln!(
                "wxpay: {}\n(run `wxpay --help` for usage)",
                terminal_safe(&e)
            );
            return ExitCode::from(2);
        }
    };
    // A panic is an INTERNAL error (exit 1) like in every binding, never exit 101.
    match wxpay::boundary::catch(|| run(args)) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // stdout is JSON (control characters escaped by the encoder); the stderr line is
            // escaped here, so no server-supplied text reaches the terminal raw.
            // (for `notification`, the answer to send back, as on success)
            println!(
                "{}",
                json!({"error": e.to_json(), "answer": wxpay::Answer::for_error(&e).to_json()})
            );
            eprintln!("wxpay: {}", terminal_safe(&e.to_string()));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// `text` with control characters (escape sequences, carriage returns, newlines) escaped, so
/// that what a server or an argument put in it cannot drive or forge the user's terminal.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
