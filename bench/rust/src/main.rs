//! Benchmark client for the wxpay Rust core: `BENCH_N` close calls (the seed's
//! `POST v3/transactions/id/{transaction_id}/close` on the HK base URI) at concurrency `BENCH_C`,
//! on a Tokio runtime this program owns (the core never owns one). Prints one JSON line in the
//! format every bench client shares (see bench/README.md). Not a test: `bench/run.py` drives it.
//!
//! `BENCH_MODE=payday`: one "call" is the payment day's round trip through the catalogue's typed
//! calls, `create_native` (a fresh out_trade_no each time) then `query_out_trade_no` — two signed
//! calls, two verified answers.
//!
//! `BENCH_MODE=merchants`: the close calls round robin over `BENCH_MERCHANTS` merchants' clients
//! (mchid 1900000000 + i, each its own serial and parsed key), built as the bindings build them
//! (`ForkSafeClient::shared`, the cache raised to fit); the output adds `merchant_kib` (RSS growth
//! per merchant while building them) and `connections` (opened by the sandbox during the
//! measured calls, from its control API).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::json;
use wxpay::{Client, Config, Operation, RequestOptions};

const TEMPLATE: &str = "v3/transactions/id/{transaction_id}/close";

fn env_usize(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a whole number")),
        Err(_) => Ok(default),
    }
}

/// User and system CPU seconds of this process (all threads), its peak RSS in KiB, and its
/// context switches (voluntary + involuntary, all threads).
fn rusage() -> (f64, f64, i64, i64) {
    // SAFETY: getrusage fills the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (
        secs(u.ru_utime),
        secs(u.ru_stime),
        u.ru_maxrss,
        u.ru_nvcsw + u.ru_nivcsw,
    )
}

/// Reset the process's peak-RSS counter (Linux: `5` into /proc/self/clear_refs), so that the
/// peak read at the end (`VmHWM`) covers only what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak RSS in KiB since the last reset (`VmHWM` of /proc/self/status).
fn peak_rss_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Current resident set size in KiB (from /proc/self/statm).
fn rss_now_kb() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as i64 / 1024
}

struct Shared {
    client: Client,
    /// The "merchants" mode: each merchant's client and its close call's options.
    merchants: Vec<(Client, RequestOptions)>,
    payday: bool,
    prefix: String,
    options: RequestOptions,
    next: AtomicUsize,
    done: AtomicUsize,
    n: usize,
    rss_at: usize,
    rss_at_kb: Mutex<i64>,
    rss_series_kb: Mutex<Vec<(usize, i64)>>,
    latencies: Option<Mutex<Vec<u32>>>,
}

/// One worker: take call numbers until `n` are taken; each call must answer 204.
async fn worker(s: Arc<Shared>) -> Result<(), String> {
    let mut mine = Vec::new();
    loop {
        let i = s.next.fetch_add(1, Ordering::Relaxed);
        if i >= s.n {
            break;
        }
        let t0 = Instant::now();
        if s.payday {
            payday(&s, i).await?;
        } else {
            let (client, options) = match s.merchants.len() {
                0 => (&s.client, &s.options),
                m => {
                    let (c, o) = &s.merchants[i % m];
                    (c, o)
                }
            };
            let r = client
                .request("POST", TEMPLATE, options)
                .await
                .map_err(|e| format!("close call failed: {e}"))?;
            if r.status() != 204 {
                return Err(format!("close call answered {}, not 204", r.status()));
            }
        }
        if s.latencies.is_some() {
            mine.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
        }
        let done = s.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done == s.rss_at {
            reset_peak_rss();
            *s.rss_at_kb.lock().unwrap_or_else(|p| p.into_inner()) = rss_now_kb();
        }
        if s.rss_at > 0 && (done == s.rss_at || done % (s.n / 10).max(1) == 0) {
            let mut series = s.rss_series_kb.lock().unwrap_or_else(|p| p.into_inner());
            series.push((done, rss_now_kb()));
        }
    }
    if let Some(l) = &s.latencies {
        l.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
    }
    Ok(())
}

/// create_native then query_out_trade_no of the same fresh order, through the catalogue.
async fn payday(s: &Shared, i: usize) -> Result<(), String> {
    let no = format!("{}{i}", s.prefix);
    let create = json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": no,
        "description": "bench", "amount": 1, "notify_url": "https://shop.example/notify"});
    let op = Operation::by_value(&s.client, "create_native", &create, None)
        .map_err(|e| format!("create_native: {e}"))?;
    op.run(&s.client)
        .await
        .map_err(|e| format!("create_native failed: {e}"))?;
    let query = json!({"endpoint": "mainland", "out_trade_no": no});
    let op = Operation::by_value(&s.client, "query_out_trade_no", &query, None)
        .map_err(|e| format!("query_out_trade_no: {e}"))?;
    let r = op
        .run(&s.client)
        .await
        .map_err(|e| format!("query_out_trade_no failed: {e}"))?;
    let state = r
        .result()
        .and_then(|v| v["trade_state"].as_str().map(str::to_owned));
    if state.as_deref() != Some("NOTPAY") {
        return Err(format!("query answered {state:?}, not NOTPAY"));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn run(
    client: Client,
    merchants: Vec<(Client, RequestOptions)>,
    options: RequestOptions,
    n: usize,
    c: usize,
    record: bool,
    rss_at: usize,
) -> Result<Arc<Shared>, String> {
    let payday = std::env::var("BENCH_MODE").as_deref() == Ok("payday");
    // A fresh prefix per run: out_trade_no never repeats across runs against the same sandbox.
    let prefix = format!("pd{}", &wxpay::sign::random_nonce()[..8]);
    let s = Arc::new(Shared {
        client,
        merchants,
        payday,
        prefix,
        options,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        n,
        rss_at,
        rss_at_kb: Mutex::new(0),
        rss_series_kb: Mutex::new(Vec::new()),
        latencies: record.then(|| Mutex::new(Vec::with_capacity(n))),
    });
    let tasks: Vec<_> = (0..c).map(|_| tokio::spawn(worker(s.clone()))).collect();
    for t in tasks {
        t.await.map_err(|e| format!("worker panicked: {e}"))??;
    }
    Ok(s)
}

fn main() -> std::process::ExitCode {
    match main_() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wxpay-bench: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

fn main_() -> Result<(), String> {
    let config_path = std::env::var("BENCH_CONFIG")
        .map_err(|_| "set BENCH_CONFIG to a client configuration file".to_owned())?;
    let n = env_usize("BENCH_N", 1000)?;
    let c = env_usize("BENCH_C", 1)?.max(1);
    let warmup = env_usize("BENCH_WARMUP", 100)?;
    let rss_at = env_usize("BENCH_RSS_AT", 0)?;
    let record = env_usize("BENCH_LATENCIES", 1)? != 0;

    let config = Config::from_file(&config_path).map_err(|e| e.to_string())?;
    let options = RequestOptions::from_value(&json!({
        "base_uri": "https://api.mch.weixin.qq.com/hk/",
        "transaction_id": "1217752501201407033233368018",
        "json": {"mchid": "1230000109", "sub_mchid": "1230000109", "sp_mchid": "1230000109"}
    }))
    .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a Tokio runtime: {e}"))?;
    let client = runtime
        .block_on(async { Client::new(&config) })
        .map_err(|e| e.to_string())?;
    let (merchants, merchant_kib) = if std::env::var("BENCH_MODE").as_deref() == Ok("merchants") {
        let m = env_usize("BENCH_MERCHANTS", 1000)?.max(1);
        let base: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&config_path).map_err(|e| format!("{config_path}: {e}"))?,
        )
        .map_err(|e| format!("{config_path}: {e}"))?;
        let dir = std::path::Path::new(&config_path).parent();
        wxpay::process::set_client_cache_capacity(m + 16).map_err(|e| e.to_string())?;
        let before = rss_now_kb();
        let built = runtime.block_on(async {
            (0..m)
                .map(|i| {
                    let mchid = format!("{}", 1_900_000_000 + i);
                    let mut v = base.clone();
                    v["mchid"] = json!(mchid);
                    v["serial"] = json!(format!("{:040X}", 0x5EC0_0000_u64 + i as u64));
                    let config = Config::from_value(&v, dir).map_err(|e| e.to_string())?;
                    let client = wxpay::process::ForkSafeClient::shared(config)
                        .and_then(|c| c.get())
                        .map_err(|e| e.to_string())?;
                    let options = RequestOptions::from_value(&json!({
                        "base_uri": "https://api.mch.weixin.qq.com/hk/",
                        "transaction_id": "1217752501201407033233368018",
                        "json": {"mchid": mchid}
                    }))
                    .map_err(|e| e.to_string())?;
                    Ok::<_, String>(((*client).clone(), options))
                })
                .collect::<Result<Vec<_>, String>>()
        })?;
        let kib = (rss_now_kb() - before) as f64 / m as f64;
        (built, Some(kib))
    } else {
        (Vec::new(), None)
    };

    let connections = |client: &Client| -> Result<u64, String> {
        let stats = RequestOptions::from_value(
            &json!({"base_uri": "https://api.mch.weixin.qq.com/_sandbox/"}),
        )
        .map_err(|e| e.to_string())?;
        let r = runtime
            .block_on(client.request("GET", "stats", &stats))
            .map_err(|e| format!("sandbox stats: {e}"))?;
        let v: serde_json::Value =
            serde_json::from_slice(r.body()).map_err(|e| format!("sandbox stats: {e}"))?;
        v["connections"]
            .as_u64()
            .ok_or_else(|| "sandbox stats without connections".to_owned())
    };
    // Counted from before the warm-up: what the merchants open, the warm-up's cold burst
    // included (its first call makes the connection, the others wait for it and share it).
    let connections_before = match merchant_kib {
        Some(_) => connections(&client)?,
        None => 0,
    };

    // Warm-up (connections, caches) at the same concurrency, not measured.
    let s = runtime.block_on(run(client, merchants, options, warmup, c, false, 0))?;
    let (client, merchants, options) = match Arc::try_unwrap(s) {
        Ok(s) => (s.client, s.merchants, s.options),
        Err(_) => return Err("warm-up workers still hold the client".into()),
    };
    let (u0, s0, _, x0) = rusage();
    let t0 = Instant::now();
    let s = runtime.block_on(run(client, merchants, options, n, c, record, rss_at))?;
    let wall = t0.elapsed().as_secs_f64();
    let (u1, s1, maxrss, x1) = rusage();
    let merchant_figures = match merchant_kib {
        // (The control client's own connection was opened by the first count.)
        Some(kib) => Some((kib, connections(&s.client)? - connections_before)),
        None => None,
    };
    let lat = s
        .latencies
        .as_ref()
        .map(|l| l.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .unwrap_or_default();
    let rss_at_kb = *s.rss_at_kb.lock().unwrap_or_else(|p| p.into_inner());
    let series = s
        .rss_series_kb
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut out = json!({
            "n": n, "c": c, "wall_s": wall,
            "cpu_user_s": u1 - u0, "cpu_sys_s": s1 - s0, "ctxsw": x1 - x0,
            "maxrss_kb": maxrss, "rss_at_kb": rss_at_kb, "rss_end_kb": rss_now_kb(),
            "peak_after_kb": if rss_at > 0 { peak_rss_kb() } else { 0 },
            "rss_series_kb": series,
            "lat_us": lat,
    });
    if let Some((kib, conns)) = merchant_figures {
        out["merchant_kib"] = json!(kib);
        out["connections"] = json!(conns);
        out["merchants"] = json!(s.merchants.len());
    }
    println!("{out}");
    Ok(())
}
