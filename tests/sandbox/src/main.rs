//! `wxpay-sandbox` command line. Prints one JSON line describing itself, then serves until killed.

use std::path::PathBuf;
use std::process::ExitCode;

use wxpay_sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "\
wxpay-sandbox: plays WeChat Pay APIv3 on loopback for tests, demos and benchmarks (TEST ONLY)

usage: wxpay-sandbox [--listen 127.0.0.1:0] [--tls] [--hostname NAME]... [--strict]
                     [--merchant MCHID=PATH]... [--platform-key PATH --platform-serial ID]
                     [--state-dir DIR] [--client-config PATH [--client-key PATH]] [--bench]
                     [--fast-notifications] [--refund-settle-ms MS]

  --listen ADDR          address to listen on (default 127.0.0.1:0: a free port)
  --tls                  serve HTTPS with a CA generated at start-up; its certificate covers
                         localhost, 127.0.0.1, ::1, api.mch.weixin.qq.com, apihk.mch.weixin.qq.com
                         and every --hostname
  --hostname NAME        one more name for the TLS certificate (repeatable)
  --strict               unknown orders answer 404 ORDER_NOT_EXIST (default: closable NOTPAY)
  --merchant MCHID=PATH  a merchant whose public key or certificate (PEM) verifies its requests
                         (repeatable; default: the test merchant 1230000109 of tests/fixtures)
  --platform-key PATH    RSA private key (PEM) that signs answers (default: the test key
  --platform-serial ID   PUB_KEY_ID_0112300001092026112600000000000001 of tests/fixtures)
  --state-dir DIR        where ca.pem and platform_pub.pem are written (default: a temp folder,
                         removed on exit)
  --client-config PATH   also write a wxpay client configuration that reaches this sandbox at
                         WeChat Pay's real host names (resolve + ca_certs), for the test merchant
  --client-key PATH      the merchant private key that configuration names (default: the
                         test key tests/fixtures/merchant_key.pem of this source tree)
  --bench                benchmark mode: requests are authenticated but not logged, and an
                         answer's signature is reused for identical answers within the same
                         second (still valid), so the sandbox's own cost stays small
  --fast-notifications   redeliver notifications with WeChat Pay's spacing in milliseconds
                         instead of seconds (15 ms, 15 ms, 30 ms, 3 min → 180 ms…)
  --refund-settle-ms MS  how long a refund stays PROCESSING before SUCCESS (default 100)

On start it prints one JSON line: url, addr, port, tls, ca_cert, platform_serial,
platform_public_key, control, proxy (a CONNECT proxy in front of the sandbox, TEST-ONLY
credentials in the URL). The control API is described in tests/sandbox/README.md.
";

struct Cli {
    sandbox: SandboxConfig,
    client_config: Option<PathBuf>,
    client_key: PathBuf,
}

fn parse(args: Vec<String>) -> Result<Cli, String> {
    let mut c = SandboxConfig::default();
    let mut client_config = None;
    let mut client_key = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/merchant_key.pem"
    ));
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
            "--strict" => c.strict = true,
            "--bench" => c.bench = true,
            "--fast-notifications" => c.fast_notifications = true,
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
            "--client-config" => client_config = Some(PathBuf::from(value("--client-config")?)),
            "--client-key" => client_key = PathBuf::from(value("--client-key")?),
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
        client_key: std::fs::canonicalize(&client_key).unwrap_or(client_key),
    })
}

fn main() -> ExitCode {
    let cli = match parse(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("wxpay-sandbox: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wxpay-sandbox: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let sandbox = match Sandbox::start(cli.sandbox).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("wxpay-sandbox: {e}");
                return ExitCode::from(1);
            }
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
        let credentials = wxpay_sandbox::proxy::TEST_CREDENTIALS;
        let proxy = match wxpay_sandbox::proxy::ConnectProxy::start(routes, credentials).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("wxpay-sandbox: {e}");
                return ExitCode::from(1);
            }
        };
        info["proxy"] = proxy.url(credentials).into();
        if let Some(path) = &cli.client_config {
            let config = sandbox.client_config(&cli.client_key);
            if let Err(e) = std::fs::write(path, format!("{config:#}\n")) {
                eprintln!("wxpay-sandbox: cannot write {}: {e}", path.display());
                return ExitCode::from(1);
            }
            info["client_config"] = path.display().to_string().into();
        }
        println!("{info}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("wxpay-sandbox: cannot watch SIGTERM: {e}");
                    return ExitCode::from(1);
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        drop(proxy);
        drop(sandbox); // removes the temporary state folder
        ExitCode::SUCCESS
    })
}
