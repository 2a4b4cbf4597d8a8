//! Fork awareness for bindings that live in forking servers (PHP-FPM, gunicorn, Node cluster).
//!
//! After `fork()`, a child inherits the parent's memory but none of its threads: an async runtime
//! and the connections it drove are dead, and a pooled TLS connection must never be shared by two
//! processes. [`PerProcess`] holds a value together with the id of the process that made it, and
//! makes a fresh one the first time it is used in another process. The stale value is leaked, not
//! dropped: dropping a runtime whose threads do not exist can block forever.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// This process's id once asked (0: not yet, or forgotten in a child after `fork()`).
static PID: AtomicU32 = AtomicU32::new(0);

/// This process's id, remembered: `std::process::id()` is a system call each time (glibc no
/// longer caches it) and a blocking call asked four times (bench/profiles/c-blocking-c1.txt).
/// A child after `fork()` forgets it in a `pthread_atfork` handler, so it asks again; where no
/// handler could be registered, every call asks.
pub fn pid() -> u32 {
    if !forgotten_on_fork() {
        return std::process::id();
    }
    match PID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PID.store(pid, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

/// Whether a child after `fork()` clears [`PID`] (its handler registered once per process).
fn forgotten_on_fork() -> bool {
    #[cfg(unix)]
    {
        extern "C" fn forget() {
            PID.store(0, Ordering::Relaxed);
        }
        static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        // SAFETY: `forget` only stores to an atomic, which is safe in a child after fork().
        *REGISTERED.get_or_init(|| unsafe { libc::pthread_atfork(None, None, Some(forget)) } == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A value that is re-created in each process that uses it.
pub struct PerProcess<T> {
    slot: Mutex<Option<(u32, Arc<T>)>>,
}

impl<T> Default for PerProcess<T> {
    fn default() -> Self {
        PerProcess {
            slot: Mutex::new(None),
        }
    }
}

impl<T> PerProcess<T> {
    /// An empty cell.
    pub const fn new() -> Self {
        PerProcess {
            slot: Mutex::new(None),
        }
    }

    /// This process's value, created by `make` on first use in this process.
    pub fn get_or_try_init<E>(&self, make: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let pid = pid();
        // A panic while holding the lock cannot leave the slot half-written; recover the guard.
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some((owner, value)) if *owner == pid => Ok(value.clone()),
            stale => {
                if let Some((_, old)) = stale {
                    // Made by the parent: keep it alive forever rather than run its destructor here.
                    std::mem::forget(old.clone());
                }
                let value = Arc::new(make()?);
                *slot = Some((pid, value.clone()));
                Ok(value)
            }
        }
    }
}

/// A small cache of at most `cap` entries by key, the least recently used evicted first: the
/// shape of every per-process cache here (clients by configuration, TLS set-ups by trusted
/// roots, a thread's connection pools by client). Linear lookups: it holds a handful.
pub struct Lru<K, V> {
    cap: usize,
    /// Most recently used last.
    entries: Vec<(K, V)>,
}

impl<K: PartialEq, V> Lru<K, V> {
    /// An empty cache of at most `cap` (≥ 1) entries.
    pub const fn new(cap: usize) -> Self {
        Lru {
            cap,
            entries: Vec::new(),
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Hold at most `cap` (≥ 1) entries from now on, the least recently used evicted at once.
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        if self.entries.len() > self.cap {
            let extra = self.entries.len() - self.cap;
            self.entries.drain(..extra);
        }
    }

    /// The value of `key`, now the most recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        let entry = self.entries.remove(i);
        self.entries.push(entry);
        self.entries.last().map(|(_, v)| v)
    }

    /// Keep `value` for `key` (replacing the key's value if it has one, else evicting the least
    /// recently used entry when full); returns it.
    pub fn insert(&mut self, key: K, value: V) -> &V {
        if let Some(i) = self.entries.iter().position(|(k, _)| *k == key) {
            self.entries.remove(i);
        } else if self.entries.len() >= self.cap.max(1) {
            self.entries.remove(0);
        }
        self.entries.push((key, value));
        &self.entries[self.entries.len() - 1].1
    }
}

/// The value of `key` in `cache`, else one `build` makes — outside the lock, so a slow build
/// (key parsing, TLS set-up) blocks no other lookup; if another thread built one meanwhile,
/// that one is kept and returned. Every per-process cache of shared values goes through here.
pub(crate) fn cached<K: PartialEq, V: Clone, E>(
    cache: &Mutex<Lru<K, V>>,
    key: K,
    build: impl FnOnce() -> Result<V, E>,
) -> Result<V, E> {
    if let Some(v) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(v.clone());
    }
    let built = build()?;
    let mut entries = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = entries.get(&key) {
        return Ok(existing.clone()); // built meanwhile by another thread
    }
    Ok(entries.insert(key, built).clone())
}

/// A [`Client`](crate::Client) with new connections in each process that uses it: after `fork()`
/// the child gets its own connection pool and TLS state (a pooled TLS connection must never be
/// shared by two processes) driven by its own runtime, and keeps the parsed keys (no key file is
/// read again). What every binding holds.
pub struct ForkSafeClient {
    /// The client built by `new`, in the process that built it: a child after `fork()` gets
    /// it again with new connections ([`Client::for_this_process`](crate::Client::for_this_process)),
    /// sharing its parsed keys.
    first: Arc<crate::Client>,
    inner: PerProcess<crate::Client>,
}

impl ForkSafeClient {
    /// Build the client now (so configuration errors surface here) for this process.
    pub fn new(config: crate::Config) -> crate::Result<Self> {
        let inner = PerProcess::new();
        // The bindings' clients run on one runtime per process: they share its connection
        // pools by transport settings (many merchants, few connections).
        let first = inner.get_or_try_init(|| crate::Client::with_process_pool(&config))?;
        Ok(ForkSafeClient { first, inner })
    }

    /// This process's client (after `fork()`: the same keys, new connections).
    pub fn get(&self) -> crate::Result<Arc<crate::Client>> {
        self.inner.get_or_try_init(|| self.first.for_this_process())
    }
}

/// How many configurations [`ForkSafeClient::shared`] keeps per process unless told otherwise
/// ([`set_client_cache_capacity`], or the `WXPAY_CLIENT_CACHE` environment variable).
pub const SHARED_CLIENTS: usize = 64;

/// The largest [`set_client_cache_capacity`] takes.
pub const MAX_SHARED_CLIENTS: usize = 1_000_000;

/// The capacity set by [`set_client_cache_capacity`]; 0: not set (the environment, or the default).
static CAPACITY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The capacity of the process's client cache: as set, else `WXPAY_CLIENT_CACHE`, else
/// [`SHARED_CLIENTS`]. A `WXPAY_CLIENT_CACHE` that is not a number in range is a `CONFIG` error.
pub fn client_cache_capacity() -> crate::Result<usize> {
    match CAPACITY.load(std::sync::atomic::Ordering::Relaxed) {
        0 => match std::env::var("WXPAY_CLIENT_CACHE") {
            Ok(v) => parse_capacity(v.trim()).map_err(|why| {
                crate::Error::config(format!(
                    "the environment variable WXPAY_CLIENT_CACHE `{}` {why}",
                    crate::error::quote_n(&v, 40)
                ))
            }),
            Err(_) => Ok(SHARED_CLIENTS),
        },
        n => Ok(n),
    }
}

fn parse_capacity(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (1..=MAX_SHARED_CLIENTS).contains(&n) => Ok(n),
        _ => Err(format!(
            "is not a number of clients from 1 to {MAX_SHARED_CLIENTS} (the process keeps that many merchants' clients; default {SHARED_CLIENTS})"
        )),
    }
}

/// Keep at most `capacity` (1 – [`MAX_SHARED_CLIENTS`]) clients in this process's cache
/// ([`ForkSafeClient::shared`]) from now on: a platform serving many merchants from one process
/// sets it to their number. Shrinking evicts the least recently used at once; an evicted
/// client's key material is wiped when no handle holds it any more.
pub fn set_client_cache_capacity(capacity: usize) -> crate::Result<()> {
    if !(1..=MAX_SHARED_CLIENTS).contains(&capacity) {
        return Err(crate::Error::invalid(format!(
            "client cache capacity {capacity} is out of range: give 1 to {MAX_SHARED_CLIENTS}"
        )));
    }
    CAPACITY.store(capacity, std::sync::atomic::Ordering::Relaxed);
    if let Ok(cache) = shared_cache() {
        cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .set_cap(capacity);
    }
    Ok(())
}

/// How many clients this process's cache holds now.
pub fn client_cache_len() -> usize {
    shared_cache().map_or(0, |c| c.lock().unwrap_or_else(|p| p.into_inner()).len())
}

fn shared_cache() -> crate::Result<Arc<SharedClients>> {
    SHARED.get_or_try_init(|| Ok::<_, crate::Error>(Mutex::new(Lru::new(client_cache_capacity()?))))
}

type Fingerprint = [u8; 32];

/// The clients of this process by configuration.
type SharedClients = Mutex<Lru<Fingerprint, Arc<ForkSafeClient>>>;
static SHARED: PerProcess<SharedClients> = PerProcess::new();

impl ForkSafeClient {
    /// The client of this configuration in this process: building a client whose configuration
    /// (every field, and the contents of the key, certificate and CA files it names) is
    /// identical to one already built here gives that same client — parsed keys, TLS set-up,
    /// warm connections — instead of a new one. This is what makes a client built per request
    /// (PHP's shared-nothing model, serverless functions) cheap after the first.
    ///
    /// At most [`client_cache_capacity`] configurations are kept (least recently used goes
    /// first; its key material is wiped once no handle holds it). A key file that changed (its size,
    /// modification time or inode) is a new configuration. After `fork()` the child starts
    /// with an empty set, and each client builds its own connections there anyway.
    pub fn shared(config: crate::Config) -> crate::Result<Arc<ForkSafeClient>> {
        let fingerprint = fingerprint(&config);
        cached(&*shared_cache()?, fingerprint, || {
            ForkSafeClient::new(config).map(Arc::new)
        })
    }
}

/// SHA-256 over every field of `config`, with each `file://` value's resolved path and its
/// size, modification time and inode (a changed file is a new configuration). Inline key
/// text is hashed, never copied.
fn fingerprint(config: &crate::Config) -> Fingerprint {
    use aws_lc_rs::digest;
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut field = |name: &str, value: &[u8]| {
        // Length-prefixed: no two different configurations hash the same input stream.
        for part in [name.as_bytes(), value] {
            ctx.update(&(part.len() as u64).to_le_bytes());
            ctx.update(part);
        }
    };
    let source = |value: &str| -> Vec<u8> {
        match value.strip_prefix("file://") {
            Some(path) => {
                let mut p = std::path::PathBuf::from(path);
                if p.is_relative() {
                    if let Some(dir) = &config.base_dir {
                        p = dir.join(p);
                    }
                }
                let mut out = p.as_os_str().as_encoded_bytes().to_vec();
                if let Ok(m) = std::fs::metadata(&p) {
                    use std::os::unix::fs::MetadataExt;
                    for n in [m.len(), m.ino(), m.dev()] {
                        out.extend_from_slice(&n.to_le_bytes());
                    }
                    out.extend_from_slice(&m.mtime().to_le_bytes());
                    out.extend_from_slice(&m.mtime_nsec().to_le_bytes());
                }
                out
            }
            None => value.as_bytes().to_vec(),
        }
    };
    field("mchid", config.mchid.as_bytes());
    field("serial", config.serial.as_bytes());
    field(
        "private_key",
        &zeroize::Zeroizing::new(source(&config.private_key)),
    );
    for (id, value) in &config.certs {
        field("certs", id.as_bytes());
        field("cert", &source(value));
    }
    field(
        "base_uri",
        config.base_uri.as_deref().unwrap_or_default().as_bytes(),
    );
    for (name, v) in [
        ("timeout_ms", config.timeout_ms),
        ("connect_timeout_ms", config.connect_timeout_ms),
        ("retries", config.retries.map(u64::from)),
    ] {
        field(name, format!("{v:?}").as_bytes());
    }
    field("user_agent", format!("{:?}", config.user_agent).as_bytes());
    for ca in &config.ca_certs {
        field("ca_certs", &source(ca));
    }
    for (host, addr) in &config.resolve {
        field("resolve", format!("{host}={addr}").as_bytes());
    }
    field("insecure_http", &[u8::from(config.insecure_http)]);
    match &config.apiv3_key {
        Some(key) => field("apiv3_key", &zeroize::Zeroizing::new(source(key))),
        None => field("no_apiv3_key", b""),
    }
    field("auto_certificates", &[u8::from(config.auto_certificates)]);
    field(
        "certificate_refresh_secs",
        format!("{:?}", config.certificate_refresh_secs).as_bytes(),
    );
    field(
        "certificate_endpoint",
        format!("{:?}", config.certificate_endpoint).as_bytes(),
    );
    match &config.proxy {
        Some(p) => field("proxy", &zeroize::Zeroizing::new(p.as_bytes().to_vec())),
        None => field("no_proxy_configured", b""),
    }
    field("no_proxy", format!("{:?}", config.no_proxy).as_bytes());
    field("proxy_from_env", &[u8::from(config.proxy_from_env)]);
    // Every field is hashed above: a field added to `Config` fails to compile here until it
    // is (two configurations differing only in it must not share a client).
    let crate::Config {
        mchid: _,
        serial: _,
        private_key: _,
        certs: _,
        base_uri: _,
        timeout_ms: _,
        connect_timeout_ms: _,
        retries: _,
        user_agent: _,
        ca_certs: _,
        resolve: _,
        insecure_http: _,
        apiv3_key: _,
        auto_certificates: _,
        certificate_refresh_secs: _,
        certificate_endpoint: _,
        proxy: _,
        no_proxy: _,
        proxy_from_env: _,
        base_dir: _,
    } = config;
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_forked_child_knows_its_own_pid() {
        let parent = pid();
        assert_eq!(parent, std::process::id());
        // SAFETY: the child only reads its id, compares and leaves with _exit (no allocation,
        // no lock another thread of the test harness could have held).
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork failed");
        if child == 0 {
            let mine = pid();
            // SAFETY: getpid and _exit are async-signal-safe.
            let code = if mine == unsafe { libc::getpid() } as u32 && mine != parent {
                0
            } else {
                1
            };
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: `child` is our child; `status` is a valid out-pointer.
        assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "the child saw the parent's id"
        );
        assert_eq!(pid(), parent);
    }

    /// The shared cache is process-wide: its tests take turns.
    static TURN: Mutex<()> = Mutex::new(());

    fn config(extra: serde_json::Value) -> crate::Config {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut v = serde_json::json!({
            "mchid": "1230000109",
            "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
            "private_key": "file://merchant_key.pem",
            "certs": {"PUB_KEY_ID_0112300001092026112600000000000001": "file://platform_pub.pem"},
        });
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        crate::Config::from_value(&v, Some(&dir)).unwrap()
    }

    #[test]
    fn identical_configurations_share_one_client() {
        let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        let a = ForkSafeClient::shared(config(serde_json::json!({"user_agent": "shared-test-a"})))
            .unwrap();
        let b = ForkSafeClient::shared(config(serde_json::json!({"user_agent": "shared-test-a"})))
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(Arc::ptr_eq(&a.get().unwrap(), &b.get().unwrap()));
        let c = ForkSafeClient::shared(config(serde_json::json!({"user_agent": "shared-test-b"})))
            .unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        // The same key inline is another configuration than the same key by path.
        let pem = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures/merchant_key.pem"),
        )
        .unwrap();
        let d = ForkSafeClient::shared(config(
            serde_json::json!({"user_agent": "shared-test-a", "private_key": pem}),
        ))
        .unwrap();
        assert!(!Arc::ptr_eq(&a, &d));
    }

    #[test]
    fn a_changed_key_file_is_a_new_configuration() {
        let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        let dir = std::env::temp_dir().join(format!("wxpay-shared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let key = dir.join("key.pem");
        std::fs::copy(fixtures.join("merchant_key.pem"), &key).unwrap();
        let cfg = || {
            config(
                serde_json::json!({"private_key": format!("file://{}", key.display()), "user_agent": "shared-test-file"}),
            )
        };
        let a = ForkSafeClient::shared(cfg()).unwrap();
        assert!(Arc::ptr_eq(&a, &ForkSafeClient::shared(cfg()).unwrap()));
        // Replaced (a new inode), as a deployment does.
        let tmp = dir.join("key.pem.new");
        std::fs::copy(fixtures.join("merchant_key_pkcs1.pem"), &tmp).unwrap();
        std::fs::rename(&tmp, &key).unwrap();
        assert!(!Arc::ptr_eq(&a, &ForkSafeClient::shared(cfg()).unwrap()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_cache_is_bounded_and_its_capacity_set() {
        let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        set_client_cache_capacity(3).unwrap();
        let first =
            ForkSafeClient::shared(config(serde_json::json!({"user_agent": "bounded-0"}))).unwrap();
        for i in 1..=3 {
            ForkSafeClient::shared(config(
                serde_json::json!({"user_agent": format!("bounded-{i}")}),
            ))
            .unwrap();
        }
        let again =
            ForkSafeClient::shared(config(serde_json::json!({"user_agent": "bounded-0"}))).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &again),
            "the least recently used entry was dropped"
        );
        assert_eq!(client_cache_len(), 3);
        // Shrinking evicts at once; a handle the caller still holds keeps working.
        set_client_cache_capacity(1).unwrap();
        assert_eq!(client_cache_len(), 1);
        assert!(first.get().is_ok());
        for bad in [0, MAX_SHARED_CLIENTS + 1] {
            let e = set_client_cache_capacity(bad).unwrap_err();
            assert!(e.to_string().contains("out of range"), "{e}");
        }
        for bad in ["", "abc", "0", "-1", "1e3", "99999999999"] {
            assert!(parse_capacity(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_capacity("1000"), Ok(1000));
        set_client_cache_capacity(SHARED_CLIENTS).unwrap();
        assert_eq!(client_cache_capacity().unwrap(), SHARED_CLIENTS);
    }

    #[test]
    fn clients_with_the_same_transport_settings_share_connections() {
        let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        let a =
            ForkSafeClient::shared(config(serde_json::json!({"user_agent": "pool-a"}))).unwrap();
        let b = ForkSafeClient::shared(config(
            serde_json::json!({"user_agent": "pool-b", "mchid": "1900000109"}),
        ))
        .unwrap();
        let c = ForkSafeClient::shared(config(
            serde_json::json!({"user_agent": "pool-c", "resolve": {"api.mch.weixin.qq.com": "127.0.0.1:1"}}),
        ))
        .unwrap();
        let (a, b, c) = (a.get().unwrap(), b.get().unwrap(), c.get().unwrap());
        assert_eq!(
            a.transport_key(),
            b.transport_key(),
            "another merchant, the same gateway"
        );
        assert_ne!(a.transport_key(), c.transport_key(), "another `resolve`");
        // A per-thread transport of one serves the other; not one of other settings.
        let transport = a.new_transport().unwrap();
        assert_eq!(transport.key, b.transport_key());
        assert_ne!(transport.key, c.transport_key());
    }

    #[test]
    fn lru_keeps_the_most_recently_used() {
        let mut lru = Lru::new(2);
        assert!(lru.is_empty());
        lru.insert("a", 1);
        lru.insert("b", 2);
        assert_eq!(lru.get(&"a"), Some(&1)); // "a" is now the most recent
        lru.insert("c", 3); // evicts "b"
        assert_eq!(lru.get(&"b"), None);
        assert_eq!(lru.len(), 2);
        assert_eq!(*lru.insert("a", 10), 10); // replaces, evicts nothing
        assert_eq!(lru.get(&"a"), Some(&10));
        assert_eq!(lru.get(&"c"), Some(&3));
        assert_eq!(lru.len(), 2);
    }

    #[test]
    fn makes_once_per_process() {
        let cell = PerProcess::new();
        let a = cell.get_or_try_init(|| Ok::<_, ()>(1)).unwrap();
        let b = cell.get_or_try_init(|| Ok::<_, ()>(2)).unwrap();
        assert_eq!((*a, *b), (1, 1));
        assert!(PerProcess::<i32>::new()
            .get_or_try_init(|| Err("no"))
            .is_err());
    }
}
