//! `wxpay-sandbox` command line. Prints one JSON line describing itself, then serves until killed.

use std::path::PathBuf;
use std::process::ExitCode;

use wxpay_sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "\
wxpay-sandbox: plays WeChat Pay APIv3 on loopback for tests, demos and benchmarks (TEST ONLY)

usage: wxpay-sandbox [--listen 127.0.0.1:0] [--tls] [--hostname NAME]... [--strict]
                     [--merchant MCHID=PATH]... [--platform-key PATH --platform-serial ID]
                     [--state-dir DIR]

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

On start it prints one JSON line: url, addr, port, tls, ca_cert, platform_serial,
platform_public_key, control. The control API is described in tests/sandbox/README.md.
";

fn parse(args: Vec<String>) -> Result<SandboxConfig, String> {
    let mut c = SandboxConfig::default();
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
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    c.platform = match (key, serial) {
        (Some(k), Some(s)) => Some((k, s)),
        (None, None) => None,
        _ => return Err("--platform-key and --platform-serial go together".into()),
    };
    Ok(c)
}

fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1).collect()) {
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
        let sandbox = match Sandbox::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("wxpay-sandbox: {e}");
                return ExitCode::from(1);
            }
        };
        println!("{}", sandbox.info());
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
        drop(sandbox); // removes the temporary state folder
        ExitCode::SUCCESS
    })
}
