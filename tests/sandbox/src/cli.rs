//! The sandbox's command line, shared by the `wxpay-sandbox` binary (the project's own tests) and
//! `wxpay sandbox` (what merchants run: TLS and a ready client configuration by default).
//! Prints one JSON line describing itself, then serves until SIGTERM/SIGINT.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

use crate::{Sandbox, SandboxConfig, DEFAULT_MCHID, DEFAULT_MERCHANT_SERIAL};

/// The test merchant's private key (TEST ONLY, `tests/fixtures/README.md`): written next to the
/// client configuration, so a sandbox started from an installed `wxpay` needs no source tree.
const TEST_MERCHANT_KEY: &str = include_str!("../../fixtures/merchant_key.pem");

/// Which command line: the two differ only in their defaults.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `wxpay-sandbox`: plain HTTP unless `--tls`, a client configuration only when asked.
    Project,
    /// `wxpay sandbox`: HTTPS unless `--plain`, unknown orders `ORDER_NOT_EXIST` unless
    /// `--lenient`, `client.json` always written to the state folder, and a short guide on stderr.
    Merchant,
}

impl Flavour {
    fn program(self) -> &'static str {
        match self {
            Flavour::Project => "wxpay-sandbox",
            Flavour::Merchant => "wxpay sandbox",
        }
    }
}

const OPTIONS: &str = "\
  --listen ADDR          address to listen on (default 127.0.0.1:0: a free port)
  --tls                  serve HTTPS with a CA generated at start-up; its certificate covers
                         localhost, 127.0.0.1, ::1, api.mch.weixin.qq.com, apihk.mch.weixin.qq.com
                         and every --hostname
  --plain                serve plain HTTP (the client configuration then sets insecure_http)
  --hostname NAME        one more name for the TLS certificate (repeatable)
  --strict               unknown orders answer 404 ORDER_NOT_EXIST, as WeChat Pay does (the
                         default of `wxpay sandbox`)
  --lenient              unknown orders are closable NOTPAY ones (the default of wxpay-sandbox)
  --merchant MCHID=PATH  a merchant whose public key or certificate (PEM) verifies its requests
                         (repeatable; default: the test merchant 1230000109)
  --platform-key PATH    RSA private key (PEM) that signs answers (default: the test key
  --platform-serial ID   PUB_KEY_ID_0112300001092026112600000000000001)
  --state-dir DIR        where ca.pem, platform_pub.pem, apiv3_key.txt, merchant_key.pem and the
                         client configuration are written (default: a temp folder, removed on exit)
  --state-file PATH      keep the orders and refunds in this JSON file: loaded at start when it
                         exists, rewritten after every change, so they survive a restart (default:
                         in memory only; POST /_sandbox/reset empties it)
  --client-config PATH   write a wxpay client configuration that reaches this sandbox at
                         WeChat Pay's real host names (resolve + ca_certs), for the test merchant
  --client-key PATH      the merchant private key that configuration names (default: the test
                         key, written as merchant_key.pem to the state folder)
  --bench                benchmark mode: requests are authenticated but not logged, and an
                         answer's signature is reused for identical answers within the same
                         second (still valid), so the sandbox's own cost stays small
  --fast-notifications   redeliver notifications with WeChat Pay's spacing in milliseconds
                         instead of seconds (15 ms, 15 ms, 30 ms, 3 min → 180 ms…)
  --refund-settle-ms MS  how long a refund stays PROCESSING before SUCCESS (default 100)
  --min-close-age-s S    HK and Global refuse to close an order younger than S seconds (400
                         INVALID_REQUEST), as WeChat Pay does for 5 minutes (300); default 0

On start it prints one JSON line: url, addr, port, tls, ca_cert, platform_serial,
platform_public_key, control, proxy (a CONNECT proxy in front of the sandbox, TEST-ONLY
credentials in the URL), mchid, serial, merchant_key, apiv3_key and client_config (when one was
written). The control API (POST /_sandbox/pay plays the payer) is described in
tests/sandbox/README.md.
";

fn usage(flavour: Flavour) -> String {
    let head = match flavour {
        Flavour::Project => {
            "wxpay-sandbox: plays WeChat Pay APIv3 on loopback for tests, demos and benchmarks (TEST ONLY)\n\n\
             usage: wxpay-sandbox [--listen 127.0.0.1:0] [--tls] [--hostname NAME]... [--strict]\n\
             \x20                    [--merchant MCHID=PATH]... [--platform-key PATH --platform-serial ID]\n\
             \x20                    [--state-dir DIR] [--state-file PATH] [--client-config PATH [--client-key PATH]]\n\
             \x20                    [--bench] [--fast-notifications] [--refund-settle-ms MS]\n\n"
        }
        Flavour::Merchant => {
            "wxpay sandbox: a local WeChat Pay for testing a checkout without a merchant account (TEST ONLY:\n\
             its keys are public test fixtures)\n\n\
             usage: wxpay sandbox [--plain] [--listen 127.0.0.1:0] [--state-dir DIR] [--state-file PATH]\n\
             \x20                    [--client-config PATH] [--fast-notifications] [--refund-settle-ms MS]\n\
             \x20                    [--lenient] [...]\n\n\
             HTTPS by default; the client configuration for the test merchant is written to\n\
             DIR/client.json (or --client-config): Client.from_config(it) in every language.\n\n"
        }
    };
    format!("{head}{OPTIONS}")
}

struct Cli {
    sandbox: SandboxConfig,
    client_config: Option<PathBuf>,
    client_key: Option<PathBuf>,
}

fn parse(flavour: Flavour, args: Vec<String>) -> Result<Cli, String> {
    let mut c = SandboxConfig {
        tls: flavour == Flavour::Merchant,
        // What merchants test against answers unknown orders as WeChat Pay does.
        strict: flavour == Flavour::Merchant,
        ..SandboxConfig::default()
    };
    let mut client_config = None;
    let mut client_key = None;
    let mut key: Option<PathBuf> = None;
    let mut serial: Option<String> = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| it.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                c.listen = v
                    .parse()
                    .map_err(|_| format!("--listen `{v}` is not ip:port, e.g. 127.0.0.1:8443"))?;
            }
            "--tls" => c.tls = true,
            "--plain" => c.tls = false,
            "--strict" => c.strict = true,
            "--lenient" => c.strict = false,
            "--bench" => c.bench = true,
            "--fast-notifications" => c.fast_notifications = true,
            "--min-close-age-s" => {
                c.min_close_age_s = value("--min-close-age-s")?.parse().map_err(|_| {
                    "--min-close-age-s takes a number of seconds (WeChat Pay: 300)".to_string()
                })?
            }
            "--refund-settle-ms" => {
                c.refund_settle_ms = value("--refund-settle-ms")?
                    .parse()
                    .map_err(|_| "--refund-settle-ms takes a number of milliseconds".to_string())?
            }
            "--hostname" => c.hostnames.push(value("--hostname")?),
            "--merchant" => {
                let v = value("--merchant")?;
                let (m, p) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--merchant `{v}` must be MCHID=PATH"))?;
                if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("--merchant `{v}`: MCHID must be digits"));
                }
                c.merchants.push((m.to_owned(), PathBuf::from(p)));
            }
            "--platform-key" => key = Some(PathBuf::from(value("--platform-key")?)),
            "--platform-serial" => serial = Some(value("--platform-serial")?),
            "--state-dir" => c.state_dir = Some(PathBuf::from(value("--state-dir")?)),
            "--state-file" => c.state_file = Some(PathBuf::from(value("--state-file")?)),
            "--client-config" => client_config = Some(PathBuf::from(value("--client-config")?)),
            "--client-key" => client_key = Some(PathBuf::from(value("--client-key")?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    c.platform = match (key, serial) {
        (Some(k), Some(s)) => Some((k, s)),
        (None, None) => None,
        _ => return Err("--platform-key and --platform-serial go together".into()),
    };
    Ok(Cli {
        sandbox: c,
        client_config,
        client_key: client_key.map(|k| std::fs::canonicalize(&k).unwrap_or(k)),
    })
}

/// Run the command line `args` (without the program name); returns the process's exit code.
pub fn main(flavour: Flavour, args: Vec<String>) -> ExitCode {
    let program = flavour.program();
    let cli = match parse(flavour, args) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            print!("{}", usage(flavour));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{program}: {e}\n\n{}", usage(flavour));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{program}: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(serve(flavour, cli))
}

async fn serve(flavour: Flavour, cli: Cli) -> ExitCode {
    let program = flavour.program();
    let fail = |e: String| {
        eprintln!("{program}: {e}");
        ExitCode::from(1)
    };
    let sandbox = match Sandbox::start(cli.sandbox).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut info = sandbox.info();
    // A CONNECT proxy in front of it (TEST-ONLY credentials), for "behind a proxy" tests.
    let routes = [
        "api.mch.weixin.qq.com",
        "apihk.mch.weixin.qq.com",
        "localhost",
    ]
    .iter()
    .map(|h| (h.to_string(), sandbox.addr()))
    .collect();
    let credentials = crate::proxy::TEST_CREDENTIALS;
    let proxy = match crate::proxy::ConnectProxy::start(routes, credentials).await {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    info["proxy"] = proxy.url(credentials).into();
    let key = match &cli.client_key {
        Some(k) => k.clone(),
        None => {
            let path = sandbox.state_dir().join("merchant_key.pem");
            if let Err(e) = std::fs::write(&path, TEST_MERCHANT_KEY) {
                return fail(format!("cannot write {}: {e}", path.display()));
            }
            path
        }
    };
    info["mchid"] = DEFAULT_MCHID.into();
    info["serial"] = DEFAULT_MERCHANT_SERIAL.into();
    info["merchant_key"] = key.display().to_string().into();
    info["apiv3_key"] = sandbox.apiv3_key_file().display().to_string().into();
    let config_path = match (cli.client_config, flavour) {
        (Some(p), _) => Some(p),
        (None, Flavour::Merchant) => Some(sandbox.state_dir().join("client.json")),
        (None, Flavour::Project) => None,
    };
    if let Some(path) = &config_path {
        let config = sandbox.client_config(&key);
        if let Err(e) = std::fs::write(path, format!("{config:#}\n")) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
        info["client_config"] = path.display().to_string().into();
    }
    println!("{info}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    if flavour == Flavour::Merchant {
        eprint!("{}", guide(&info));
    }
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot watch SIGTERM: {e}")),
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    drop(proxy);
    drop(sandbox); // removes the temporary state folder
    ExitCode::SUCCESS
}

/// What a person reading the terminal needs: where it listens and how to point a client at it.
fn guide(info: &Value) -> String {
    let s = |k: &str| info[k].as_str().unwrap_or("-").to_owned();
    format!(
        "\nwxpay sandbox — a local WeChat Pay (TEST ONLY; its keys are public test fixtures)\n\
         \x20 listening       {url}\n\
         \x20 client config   {config}   (Client.from_config(...) in every language)\n\
         \x20 test merchant   mchid {mchid}, serial {serial}, key {key}\n\
         \x20 CA certificate  {ca}\n\
         \x20 platform key    {platform_serial} = {platform}\n\
         \x20 APIv3 key       {apiv3}\n\
         \x20 pay an order    curl{cacert} -d '{{\"out_trade_no\":\"…\"}}' {control}pay\n\
         \x20 stop            Ctrl-C\n\n",
        url = s("url"),
        config = s("client_config"),
        mchid = s("mchid"),
        serial = s("serial"),
        key = s("merchant_key"),
        ca = s("ca_cert"),
        platform_serial = s("platform_serial"),
        platform = s("platform_public_key"),
        apiv3 = s("apiv3_key"),
        cacert = match info["ca_cert"].as_str() {
            Some(ca) => format!(" --cacert {ca}"),
            None => String::new(),
        },
        control = s("control"),
    )
}
