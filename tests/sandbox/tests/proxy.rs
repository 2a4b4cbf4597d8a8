//! Behind a forward proxy: TLS end to end through `CONNECT`, credentials that never show, a
//! dead or refusing proxy classified right, `no_proxy`, configuration mistakes.

mod common;

use common::*;
use serde_json::{json, Value};
use wxpay::{Client, CloseOrder, Config};
use wxpay_sandbox::proxy::{ConnectProxy, TEST_CREDENTIALS};

const SECRET: &str = TEST_CREDENTIALS.1;

/// The sandbox's configuration through `proxy` (no `resolve`: the proxy finds the host).
fn through(sb: &wxpay_sandbox::Sandbox, proxy: &str, extra: Value) -> Value {
    let mut c = config_value(sb, extra);
    c.as_object_mut().unwrap().remove("resolve");
    c["proxy"] = json!(proxy);
    c
}

fn build(c: &Value) -> wxpay::Result<Client> {
    Client::new(&Config::from_value(c, None)?)
}

/// Close order `id` with a client built from `c`.
async fn close_with(c: &Value, id: &str) -> wxpay::Result<wxpay::Response> {
    build(c)?.close(&CloseOrder::transaction_id(id)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_through_the_proxy_and_its_password_never_shows() {
    let sb = tls_sandbox(false).await;
    let routes = [("api.mch.weixin.qq.com".to_owned(), sb.addr())]
        .into_iter()
        .collect();
    let proxy = ConnectProxy::start(routes, TEST_CREDENTIALS).await.unwrap();
    let c = through(&sb, &proxy.url(TEST_CREDENTIALS), json!({}));
    let client = build(&c).unwrap();
    client
        .close(&CloseOrder::transaction_id("via-proxy"))
        .await
        .unwrap();
    assert_eq!(proxy.counts().0, 1, "one tunnel, reused");
    client
        .close(&CloseOrder::transaction_id("via-proxy-2"))
        .await
        .unwrap();
    assert_eq!(proxy.counts().0, 1);
    for shown in [
        format!("{client:?}"),
        format!("{:?}", Config::from_value(&c, None).unwrap()),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
    }

    // Wrong credentials: the proxy refuses the tunnel, nothing reached WeChat Pay.
    let wrong = proxy.url((TEST_CREDENTIALS.0, "wrong-password-x"));
    let e = build(&through(&sb, &wrong, json!({"user_agent": "wrong-creds"})))
        .unwrap()
        .close(&CloseOrder::transaction_id("refused"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "TRANSPORT", "{e}");
    assert!(!e.may_have_been_sent(), "{e}");
    assert!(
        e.message().contains("407") && e.message().contains("user and password"),
        "{e}"
    );
    assert!(
        !e.message().contains("wrong-password-x") && !format!("{e:?}").contains("wrong-password-x"),
        "{e}"
    );

    // A dead proxy: TRANSPORT, not sent; a proxy that never answers: TIMEOUT.
    let e = build(&through(
        &sb,
        &format!("http://u:{SECRET}@127.0.0.1:9"),
        json!({"user_agent": "dead"}),
    ))
    .unwrap()
    .close(&CloseOrder::transaction_id("dead"))
    .await
    .unwrap_err();
    assert_eq!(
        (e.code(), e.may_have_been_sent()),
        ("TRANSPORT", false),
        "{e}"
    );
    assert!(!e.message().contains(SECRET), "{e}");
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let e = build(&through(
        &sb,
        &silent_url,
        json!({"user_agent": "silent", "connect_timeout_ms": 300, "timeout_ms": 600}),
    ))
    .unwrap()
    .close(&CloseOrder::transaction_id("silent"))
    .await
    .unwrap_err();
    assert_eq!(e.code(), "TIMEOUT", "{e}");
    drop(silent);

    // no_proxy: the host is reached directly (through `resolve`), the proxy sees nothing.
    let before = proxy.counts();
    let mut direct = config_value(&sb, json!({"user_agent": "direct"}));
    direct["proxy"] = json!(proxy.url(TEST_CREDENTIALS));
    direct["no_proxy"] = json!(["api.mch.weixin.qq.com"]);
    close_with(&direct, "direct").await.unwrap();
    assert_eq!(proxy.counts(), before);
}

/// `proxy_from_env`: `HTTPS_PROXY` (and `https_proxy`, `ALL_PROXY`) is used, `NO_PROXY` is
/// honoured, and a client without `proxy_from_env` never reads them. The only test in this
/// file that sets the environment; the other tests' clients do not read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_from_env_reads_https_proxy_and_no_proxy() {
    let sb = tls_sandbox(false).await;
    let routes = [("api.mch.weixin.qq.com".to_owned(), sb.addr())]
        .into_iter()
        .collect();
    let proxy = ConnectProxy::start(routes, TEST_CREDENTIALS).await.unwrap();
    std::env::set_var("HTTPS_PROXY", proxy.url(TEST_CREDENTIALS));
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let mut from_env = config_value(&sb, json!({"proxy_from_env": true}));
    // The host resolves to a dead port: only the proxy (which maps it) reaches the sandbox.
    from_env["resolve"]["api.mch.weixin.qq.com"] = json!("127.0.0.1:9");
    close_with(&from_env, "env-proxy").await.unwrap();
    assert_eq!(proxy.counts().0, 1, "through HTTPS_PROXY");

    // NO_PROXY names the host: straight to it (here: the dead port), the proxy sees nothing.
    std::env::set_var("NO_PROXY", "example.test, .weixin.qq.com");
    let e = close_with(&from_env, "env-no-proxy").await.unwrap_err();
    assert_eq!(
        (e.code(), e.may_have_been_sent()),
        ("TRANSPORT", false),
        "{e}"
    );
    assert_eq!(proxy.counts().0, 1, "NO_PROXY bypassed it");
    std::env::remove_var("NO_PROXY");

    // Without proxy_from_env the environment is ignored.
    let mut direct = config_value(&sb, json!({}));
    direct["resolve"]["api.mch.weixin.qq.com"] = json!(sb.addr().to_string());
    close_with(&direct, "env-ignored").await.unwrap();
    assert_eq!(proxy.counts().0, 1, "no tunnel without proxy_from_env");
    std::env::remove_var("HTTPS_PROXY");
}

#[test]
fn proxy_configuration_mistakes_name_the_field_and_hide_the_password() {
    let base =
        json!({"mchid": "1", "serial": "S", "private_key": "x", "certs": {"PUB_KEY_ID_1": "y"}});
    for (field, value, want) in [
        (
            "proxy",
            json!(format!("socks5://u:{SECRET}@h:1080")),
            "SOCKS",
        ),
        (
            "proxy",
            json!(format!("http://u:{SECRET}@h:3128/path")),
            "path",
        ),
        ("proxy", json!("not a url"), "not a URL"),
        ("proxy", json!(3128), "must be a string"),
        ("no_proxy", json!(5), "list of host names"),
        ("noProxy", json!([1]), "noProxy[0]"),
    ] {
        let mut v = base.clone();
        v[field] = value;
        let e = Config::from_value(&v, None).unwrap_err();
        assert_eq!(e.code(), "CONFIG");
        assert!(
            e.message().contains(field) && e.message().contains(want),
            "{e}"
        );
        assert!(!e.message().contains(SECRET), "{e}");
    }
    let mut v = base.clone();
    v["proxy"] = json!("http://proxy:3128");
    v["proxyFromEnv"] = json!(true);
    let e = Config::from_value(&v, None).unwrap_err();
    assert!(
        e.message().contains("proxyFromEnv") && e.message().contains("exclusive"),
        "{e}"
    );
}

/// An `https://` proxy: TLS to the proxy (verified against `ca_certs`, http/1.1), `CONNECT`
/// inside it, TLS to WeChat Pay inside the tunnel. A proxy whose certificate is not trusted is a
/// not-sent `TRANSPORT` error that says the TLS with the proxy failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_proxy_is_spoken_to_over_tls() {
    let sb = tls_sandbox(false).await;
    // The proxy's own CA and certificate (for 127.0.0.1), apart from the sandbox's.
    let (proxy_tls, proxy_ca) = wxpay_sandbox::tls::configs(&[]).unwrap();
    let routes = [("api.mch.weixin.qq.com".to_owned(), sb.addr())]
        .into_iter()
        .collect();
    let proxy = ConnectProxy::start_tls(routes, TEST_CREDENTIALS, proxy_tls.http1.clone())
        .await
        .unwrap();
    let url = proxy
        .url(TEST_CREDENTIALS)
        .replacen("http://", "https://", 1);
    let untrusted = through(&sb, &url, json!({}));
    let mut trusted = untrusted.clone();
    let sandbox_ca = trusted["ca_certs"].clone();
    trusted["ca_certs"] = match sandbox_ca {
        Value::Array(mut list) => {
            list.push(json!(proxy_ca));
            Value::Array(list)
        }
        one => json!([one, proxy_ca]),
    };
    close_with(&trusted, "via-https-proxy").await.unwrap();
    assert_eq!(proxy.counts().0, 1, "through the TLS proxy");

    let e = close_with(&untrusted, "untrusted-proxy").await.unwrap_err();
    assert_eq!(
        (e.code(), e.may_have_been_sent()),
        ("TRANSPORT", false),
        "{e}"
    );
    assert!(e.message().contains("TLS with the proxy"), "{e}");
    assert!(!e.message().contains(SECRET), "{e}");
    assert_eq!(proxy.counts().0, 1);
}
