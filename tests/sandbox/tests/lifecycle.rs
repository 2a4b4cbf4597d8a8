//! The stateful sandbox: the payment day of every family through the catalogue's typed calls,
//! a test per rule (tests/sandbox/src/lifecycle.rs), notifications verified by the client.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use wxpay::{Client, Operation};
use wxpay_sandbox::{Sandbox, SandboxConfig};

/// The deliveries a handler received: (headers, body) each.
type Deliveries = mpsc::UnboundedReceiver<(Vec<(String, String)>, Vec<u8>)>;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        tls: true,
        fast_notifications: true,
        refund_settle_ms: 50,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// A typed call: its result (`status`, the fields, `raw`) or the error.
async fn call(c: &Client, name: &str, args: Value) -> Result<Value, wxpay::Error> {
    let op = Operation::by_value(c, name, &args, None)?;
    let r = op.run(c).await?;
    Ok(r.result().cloned().unwrap_or(Value::Null))
}

async fn api_code(c: &Client, name: &str, args: Value) -> String {
    match call(c, name, args).await {
        Ok(v) => panic!("{name} succeeded: {v}"),
        Err(e) => e
            .api()
            .map(|a| a.code.clone())
            .unwrap_or_else(|| format!("{e}")),
    }
}

/// `POST /_sandbox/pay`: (HTTP status, body).
async fn pay(sb: &Sandbox, body: Value) -> (u16, Value) {
    let url = format!("{}_sandbox/pay", sb.url().replace("127.0.0.1", "localhost"));
    let r = control_client(sb)
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null),
    )
}

/// A merchant's notification handler on loopback: answers each delivery with the next status
/// of `statuses` (then 204) and hands every delivery (headers, body) to the test.
async fn handler(statuses: Vec<u16>) -> (String, Deliveries) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/wxpay/notify",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut statuses = statuses.into_iter();
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let (headers, body) = read_request(&mut s).await;
            let status = statuses.next().unwrap_or(204);
            let _ = s
                .write_all(
                    format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )
                .await;
            let _ = tx.send((headers, body));
        }
    });
    (url, rx)
}

async fn next_notification(c: &Client, rx: &mut Deliveries) -> wxpay::Notification {
    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a notification arrives")
        .unwrap();
    c.parse_notification(
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &body,
        None,
    )
    .expect("the notification verifies and decrypts")
}

fn merchant(sb: &Sandbox) -> Client {
    client(
        sb,
        json!({"apiv3_key": "file://".to_owned() + fixture("apiv3_key.txt").to_str().unwrap()}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mainland_jsapi_day_create_pay_notify_query_close_refund() {
    let sb = sandbox().await;
    let c = merchant(&sb);
    let (url, mut rx) = handler(vec![]).await;
    let create = json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": "day-0001",
        "description": "QQ公仔", "amount": 100, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "notify_url": url,
        "attach": "cart=7"});
    let first = call(&c, "create_jsapi", create.clone()).await.unwrap();
    let prepay = first["prepay_id"].as_str().unwrap().to_owned();
    assert!(prepay.starts_with("wx"));
    // The same content again: the same prepay_id (idempotent).
    assert_eq!(
        call(&c, "create_jsapi", create.clone()).await.unwrap()["prepay_id"],
        prepay.as_str()
    );
    // Other content under the same number: refused.
    let mut other = create.clone();
    other["amount"] = json!(101);
    assert_eq!(
        api_code(&c, "create_jsapi", other).await,
        "OUT_TRADE_NO_USED"
    );
    let q = call(
        &c,
        "query_out_trade_no",
        json!({"out_trade_no": "day-0001", "endpoint": "mainland"}),
    )
    .await
    .unwrap();
    assert_eq!(q["trade_state"], "NOTPAY");
    assert!(q.get("transaction_id").is_none_or(Value::is_null));
    // Refunds only on paid orders.
    let refund = json!({"endpoint": "mainland", "out_refund_no": "day-0001-r1", "out_trade_no": "day-0001",
        "refund": 60, "total": 100, "notify_url": url});
    assert_eq!(
        api_code(&c, "create_refund", refund.clone()).await,
        "INVALID_REQUEST"
    );

    // The payer pays: SUCCESS, and a TRANSACTION.SUCCESS the client verifies and decrypts.
    let (status, paid) = pay(&sb, json!({"prepay_id": prepay})).await;
    assert_eq!(status, 200, "{paid}");
    let n = next_notification(&c, &mut rx).await;
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(n.resource["out_trade_no"], "day-0001");
    assert_eq!(n.resource["trade_state"], "SUCCESS");
    assert_eq!(n.resource["amount"]["total"], 100);
    let tx = n.resource["transaction_id"].as_str().unwrap().to_owned();
    assert_eq!(paid["transaction_id"], tx.as_str());
    let q = call(
        &c,
        "query_transaction",
        json!({"transaction_id": tx, "endpoint": "mainland"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            q["trade_state"].as_str(),
            q["total"].as_i64(),
            q["attach"].as_str()
        ),
        (Some("SUCCESS"), Some(100), Some("cart=7"))
    );
    assert!(q["success_time"].as_str().unwrap().ends_with("+08:00"));
    // A paid order cannot be closed, paid again or created again.
    assert_eq!(
        api_code(
            &c,
            "close_out_trade_no",
            json!({"out_trade_no": "day-0001", "endpoint": "mainland"})
        )
        .await,
        "ORDERPAID"
    );
    assert_eq!(pay(&sb, json!({"out_trade_no": "day-0001"})).await.0, 400);
    assert_eq!(api_code(&c, "create_jsapi", create).await, "ORDERPAID");

    // Refund in part: PROCESSING, then SUCCESS with a REFUND.SUCCESS.
    let r = call(&c, "create_refund", refund.clone()).await.unwrap();
    assert_eq!(
        (r["refund_status"].as_str(), r["refund"].as_i64()),
        (Some("PROCESSING"), Some(60))
    );
    // The same refund again: the same refund, never a second one.
    assert_eq!(
        call(&c, "create_refund", refund).await.unwrap()["refund_id"],
        r["refund_id"]
    );
    // More than what is left to refund: refused.
    let over = json!({"endpoint": "mainland", "out_refund_no": "day-0001-r2", "transaction_id": tx,
        "refund": 41, "total": 100});
    assert_eq!(api_code(&c, "create_refund", over).await, "INVALID_REQUEST");
    let n = next_notification(&c, &mut rx).await;
    assert_eq!(n.event_type, "REFUND.SUCCESS");
    assert_eq!(
        (
            n.resource["out_refund_no"].as_str(),
            n.resource["refund_status"].as_str()
        ),
        (Some("day-0001-r1"), Some("SUCCESS"))
    );
    let r = call(
        &c,
        "query_refund",
        json!({"out_refund_no": "day-0001-r1", "endpoint": "mainland"}),
    )
    .await
    .unwrap();
    assert_eq!(r["refund_status"], "SUCCESS");
    let q = call(
        &c,
        "query_out_trade_no",
        json!({"out_trade_no": "day-0001", "endpoint": "mainland"}),
    )
    .await
    .unwrap();
    assert_eq!(q["trade_state"], "REFUND");
    // The rest can still be refunded.
    let rest = json!({"endpoint": "mainland", "out_refund_no": "day-0001-r3", "transaction_id": tx, "refund": 40, "total": 100});
    assert_eq!(
        call(&c, "create_refund", rest).await.unwrap()["refund_status"],
        "PROCESSING"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hk_and_global_native_h5_refund_list() {
    let sb = sandbox().await;
    let c = merchant(&sb);
    let (url, mut rx) = handler(vec![]).await;
    for (endpoint, h5) in [("hk", "mweb"), ("global", "mweb")] {
        let no = format!("{endpoint}-native-1");
        let base = json!({"endpoint": endpoint, "appid": "wxd678efh567hg6787", "description": "Coffee",
            "amount": 2800, "currency": "HKD", "merchant_category_code": "5812", "notify_url": url});
        let mut native = base.clone();
        native["out_trade_no"] = json!(no);
        let created = call(&c, "create_native", native).await.unwrap();
        assert!(created["code_url"]
            .as_str()
            .unwrap()
            .starts_with("weixin://wxpay/bizpayurl?pr="));
        let mut mweb = base.clone();
        mweb["out_trade_no"] = json!(format!("{endpoint}-{h5}-1"));
        mweb["scene_info"] = json!({"payer_client_ip": "127.0.0.1"});
        assert!(call(&c, "create_h5", mweb).await.unwrap()["h5_url"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        // Currency is required on HK and Global (refused before sending by the client).
        let mut no_currency = base.clone();
        no_currency["out_trade_no"] = json!("x-1");
        no_currency.as_object_mut().unwrap().remove("currency");
        assert_eq!(
            call(&c, "create_native", no_currency)
                .await
                .unwrap_err()
                .argument_name(),
            Some("currency")
        );

        assert_eq!(pay(&sb, json!({"out_trade_no": no})).await.0, 200);
        let n = next_notification(&c, &mut rx).await;
        assert_eq!(n.resource["out_trade_no"], no.as_str());
        let q = call(
            &c,
            "query_out_trade_no",
            json!({"out_trade_no": no, "endpoint": endpoint}),
        )
        .await
        .unwrap();
        // HK and Global name WeChat Pay's order id `id`; the typed result calls it transaction_id.
        assert_eq!(q["raw"]["id"], q["transaction_id"]);
        assert_eq!(
            (q["trade_state"].as_str(), q["currency"].as_str()),
            (Some("SUCCESS"), Some("HKD"))
        );
        let tx = q["transaction_id"].as_str().unwrap().to_owned();

        let r = call(
            &c,
            "create_refund",
            json!({"endpoint": endpoint, "appid": "wxd678efh567hg6787", "out_refund_no": format!("{no}-r1"),
            "transaction_id": tx, "refund": 800, "total": 2800, "currency": "HKD"}),
        )
        .await
        .unwrap();
        // HK and Global answer a refund without its status.
        assert!(r["refund_status"].is_null(), "{r}");
        let id = r["refund_id"].as_str().unwrap().to_owned();
        let by_id = call(
            &c,
            "query_refund_id",
            json!({"refund_id": id, "endpoint": endpoint}),
        )
        .await
        .unwrap();
        assert_eq!(by_id["out_refund_no"], format!("{no}-r1").as_str());
        let list = call(
            &c,
            "list_refunds",
            json!({"out_trade_no": no, "endpoint": endpoint}),
        )
        .await
        .unwrap();
        assert_eq!(
            (list["total_count"].as_i64(), list["count"].as_i64()),
            (Some(1), Some(1))
        );
        // A refund in another currency than the order's: refused by WeChat Pay.
        let code = api_code(
            &c,
            "create_refund",
            json!({"endpoint": endpoint, "appid": "wxd678efh567hg6787", "out_refund_no": format!("{no}-r2"),
            "transaction_id": tx, "refund": 100, "total": 2800, "currency": "USD"}),
        )
        .await;
        assert_eq!(code, "PARAM_ERROR");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_pay_succeeds_fails_or_waits_for_the_password_and_reverses() {
    let sb = sandbox().await;
    let c = merchant(&sb);
    let order = |endpoint: &str, no: &str, code: &str| {
        json!({"endpoint": endpoint, "appid": "wxd678efh567hg6787", "out_trade_no": no, "description": "Till 3",
            "amount": 500, "auth_code": code, "currency": if endpoint == "mainland" { "CNY" } else { "HKD" },
            "merchant_category_code": "5812", "scene_info": {"store_info": {"out_id": "store-1"}}})
    };
    let strip = |mut v: Value| {
        if v["endpoint"] == "mainland" {
            v.as_object_mut().unwrap().remove("merchant_category_code");
        }
        v
    };
    for endpoint in ["mainland", "hk", "global"] {
        let ok = call(
            &c,
            "create_micropay",
            strip(order(
                endpoint,
                &format!("{endpoint}-mp-1"),
                "134567890123456789",
            )),
        )
        .await
        .unwrap();
        assert_eq!(ok["trade_state"], "SUCCESS");
        assert!(ok["transaction_id"].as_str().is_some(), "{ok}");
        let code = api_code(
            &c,
            "create_micropay",
            strip(order(
                endpoint,
                &format!("{endpoint}-mp-2"),
                "130012345678901234",
            )),
        )
        .await;
        assert_eq!(code, "NOTENOUGH");
        // USERPAYING (202 on the mainland) is an answer, not an error; the payer settles later.
        let waiting = call(
            &c,
            "create_micropay",
            strip(order(
                endpoint,
                &format!("{endpoint}-mp-3"),
                "130112345678901234",
            )),
        )
        .await
        .unwrap();
        assert_eq!(waiting["trade_state"], "USERPAYING");
        assert_eq!(
            waiting["status"],
            if endpoint == "mainland" { 202 } else { 200 }
        );
        assert_eq!(
            pay(&sb, json!({"out_trade_no": format!("{endpoint}-mp-3")}))
                .await
                .0,
            200
        );
        let q = call(
            &c,
            "query_out_trade_no",
            json!({"out_trade_no": format!("{endpoint}-mp-3"), "endpoint": endpoint}),
        )
        .await
        .unwrap();
        assert_eq!(q["trade_state"], "SUCCESS");
        // Reverse: the paid order is revoked (money back to the payer).
        let mut args = json!({"out_trade_no": format!("{endpoint}-mp-1"), "endpoint": endpoint});
        if endpoint == "mainland" {
            args["appid"] = json!("wxd678efh567hg6787");
        }
        call(&c, "reverse_out_trade_no", args).await.unwrap();
        let q = call(
            &c,
            "query_out_trade_no",
            json!({"out_trade_no": format!("{endpoint}-mp-1"), "endpoint": endpoint}),
        )
        .await
        .unwrap();
        assert_eq!(q["trade_state"], "REVOKED");
        // A reversed order cannot be refunded, found by either of its ids alike.
        let tx = q["transaction_id"].as_str().unwrap().to_owned();
        for by in [
            json!({"out_trade_no": format!("{endpoint}-mp-1")}),
            json!({"transaction_id": tx}),
        ] {
            let mut refund = json!({"endpoint": endpoint, "out_refund_no": format!("{endpoint}-mp-1-r"),
                "refund": 100, "total": 500, "currency": if endpoint == "mainland" { "CNY" } else { "HKD" },
                "appid": "wxd678efh567hg6787"});
            refund
                .as_object_mut()
                .unwrap()
                .extend(by.as_object().unwrap().clone());
            if endpoint == "mainland" {
                refund.as_object_mut().unwrap().remove("appid");
            }
            assert_eq!(
                api_code(&c, "create_refund", refund).await,
                "INVALID_REQUEST",
                "{endpoint} {by}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_orders_cannot_be_paid_and_partner_orders_belong_to_the_sub_merchant() {
    let sb = sandbox().await;
    let c = merchant(&sb);
    let (url, _rx) = handler(vec![]).await;
    let app = json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": "closed-0001",
        "description": "x", "amount": 1, "notify_url": url});
    call(&c, "create_app", app.clone()).await.unwrap();
    call(
        &c,
        "close_out_trade_no",
        json!({"out_trade_no": "closed-0001", "endpoint": "mainland"}),
    )
    .await
    .unwrap();
    let (status, body) = pay(&sb, json!({"out_trade_no": "closed-0001"})).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("CLOSED"),
        "{body}"
    );
    assert_eq!(api_code(&c, "create_app", app).await, "ORDER_CLOSED");

    // Service-provider mode: sp_mchid signs, the order is the sub-merchant's.
    let partner = json!({"sub_mchid": "1900000109", "sp_appid": "wxd678efh567hg6787", "out_trade_no": "partner-0001",
        "description": "x", "amount": 300, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "notify_url": url, "endpoint": "mainland"});
    call(&c, "create_jsapi", partner).await.unwrap();
    let q = call(
        &c,
        "query_out_trade_no",
        json!({"out_trade_no": "partner-0001", "sub_mchid": "1900000109"}),
    )
    .await
    .unwrap();
    assert_eq!(q["trade_state"], "NOTPAY");
    assert_eq!(q["raw"]["sub_mchid"], "1900000109");
    pay(&sb, json!({"out_trade_no": "partner-0001"})).await;
    let r = call(
        &c,
        "create_refund",
        json!({"endpoint": "mainland", "sub_mchid": "1900000109", "out_refund_no": "p-r1",
        "out_trade_no": "partner-0001", "refund": 300, "total": 300}),
    )
    .await
    .unwrap();
    assert_eq!(r["refund_status"], "PROCESSING");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_gets_the_notification_again_with_the_same_id() {
    let sb = sandbox().await;
    let c = merchant(&sb);
    let (url, mut rx) = handler(vec![500, 503]).await;
    call(
        &c,
        "create_native",
        json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": "retry-0001",
        "description": "x", "amount": 1, "notify_url": url}),
    )
    .await
    .unwrap();
    pay(&sb, json!({"out_trade_no": "retry-0001"})).await;
    let ids: Vec<String> = [
        next_notification(&c, &mut rx).await,
        next_notification(&c, &mut rx).await,
        next_notification(&c, &mut rx).await,
    ]
    .iter()
    .map(|n| n.id.clone())
    .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let deliveries = control(&sb, "GET", "deliveries", Value::Null).await;
    let d = &deliveries.as_array().unwrap()[0];
    assert_eq!(d["delivered"], true);
    assert_eq!(d["event"], "payment");
    assert_eq!(d["deliveries"].as_array().unwrap().len(), 3);
}

/// `--state-file`: orders and refunds survive a restart (a new port, the same book); a refund
/// left PROCESSING settles after it, with its REFUND.SUCCESS; a file that is not a state file
/// is refused with the fix in the message; reset empties it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_file_keeps_orders_and_refunds_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("wxpay-state-{}", wxpay::sign::random_nonce()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let config = |settle_ms: u64| SandboxConfig {
        tls: true,
        fast_notifications: true,
        refund_settle_ms: settle_ms,
        state_file: Some(file.clone()),
        ..SandboxConfig::default()
    };
    let (url, mut rx) = handler(vec![]).await;
    let paid_id = {
        // A long settle time: the refund is still PROCESSING when this sandbox stops.
        let sb = Sandbox::start(config(60_000)).await.unwrap();
        let c = merchant(&sb);
        let create = json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": "keep-1",
            "description": "Tea", "amount": 300, "notify_url": url});
        call(&c, "create_native", create).await.unwrap();
        let (status, order) = pay(&sb, json!({"out_trade_no": "keep-1"})).await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(
            next_notification(&c, &mut rx).await.event_type,
            "TRANSACTION.SUCCESS"
        );
        let r = call(
            &c,
            "create_refund",
            json!({"endpoint": "mainland", "out_trade_no": "keep-1", "out_refund_no": "keep-1-r",
                "refund": 100, "total": 300, "notify_url": url}),
        )
        .await
        .unwrap();
        assert_eq!(r["refund_status"], "PROCESSING");
        order["transaction_id"].as_str().unwrap().to_owned()
    };
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["format"], 1, "{saved}");

    // The restart: another port, the same orders; the pending refund settles and notifies.
    let sb = Sandbox::start(config(50)).await.unwrap();
    let c = merchant(&sb);
    let q = call(
        &c,
        "query_out_trade_no",
        json!({"endpoint": "mainland", "out_trade_no": "keep-1"}),
    )
    .await
    .unwrap();
    // (REFUND: a refund was accepted, as WeChat Pay shows it)
    assert_eq!(
        (q["trade_state"].as_str(), q["transaction_id"].as_str()),
        (Some("REFUND"), Some(paid_id.as_str()))
    );
    let n = next_notification(&c, &mut rx).await;
    assert_eq!(
        (n.event_type.as_str(), n.resource["out_refund_no"].as_str()),
        ("REFUND.SUCCESS", Some("keep-1-r"))
    );
    let r = call(
        &c,
        "query_refund",
        json!({"endpoint": "mainland", "out_refund_no": "keep-1-r"}),
    )
    .await
    .unwrap();
    assert_eq!(r["refund_status"], "SUCCESS");
    // Creating the same number with other content is still refused: the book was restored.
    let other = json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "out_trade_no": "keep-1",
        "description": "Coffee", "amount": 300, "notify_url": url});
    assert_eq!(
        api_code(&c, "create_native", other).await,
        "OUT_TRADE_NO_USED"
    );

    // reset empties the file too.
    let reset = format!(
        "{}_sandbox/reset",
        sb.url().replace("127.0.0.1", "localhost")
    );
    assert!(control_client(&sb)
        .post(reset)
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["orders"], json!([]), "{saved}");
    drop(sb);

    std::fs::write(&file, "not json").unwrap();
    let err = Sandbox::start(config(50))
        .await
        .err()
        .expect("a bad state file is refused");
    assert!(
        err.contains("is not a sandbox state file") && err.contains("delete it"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--min-close-age-s`: HK and Global refuse to close an order younger than WeChat Pay's 5
/// minutes (the mainland closes at once); the order stays NOTPAY and payable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hk_and_global_close_waits_five_minutes_when_asked() {
    let sb = Sandbox::start(SandboxConfig {
        tls: true,
        min_close_age_s: 300,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let c = merchant(&sb);
    for endpoint in ["hk", "global"] {
        let no = format!("{endpoint}-young-1");
        let create = json!({"endpoint": endpoint, "appid": "wxd678efh567hg6787", "description": "Tea",
            "amount": 100, "currency": "HKD", "merchant_category_code": "5812", "out_trade_no": no,
            "notify_url": "http://127.0.0.1:9/n"});
        call(&c, "create_native", create).await.unwrap();
        let close = json!({"endpoint": endpoint, "out_trade_no": no});
        let err = call(&c, "close_out_trade_no", close).await.unwrap_err();
        let api = err.api().expect("an API error");
        assert_eq!(
            (api.code.as_str(), err.status()),
            ("INVALID_REQUEST", Some(400))
        );
        assert!(api.message.contains("300 s"), "{}", api.message);
        let q = call(
            &c,
            "query_out_trade_no",
            json!({"endpoint": endpoint, "out_trade_no": no}),
        )
        .await
        .unwrap();
        assert_eq!(q["trade_state"], "NOTPAY");
    }
    let mainland = json!({"endpoint": "mainland", "appid": "wxd678efh567hg6787", "description": "Tea",
        "amount": 100, "out_trade_no": "cn-young-1", "notify_url": "http://127.0.0.1:9/n"});
    call(&c, "create_native", mainland).await.unwrap();
    call(
        &c,
        "close_out_trade_no",
        json!({"endpoint": "mainland", "out_trade_no": "cn-young-1"}),
    )
    .await
    .unwrap();
}

/// The shared payday script (tests/vectors/payday.json) through the catalogue, as every
/// language runs it through its typed methods.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payday_script() {
    let script: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/payday.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let sb = sandbox().await;
    let c = merchant(&sb);
    let run = wxpay::sign::random_nonce()[..8].to_ascii_lowercase();
    let mut saved: std::collections::HashMap<String, Value> = Default::default();
    fn fill(v: &Value, run: &str, saved: &std::collections::HashMap<String, Value>) -> Value {
        match v {
            Value::String(s) => {
                let mut s = s.replace("{run}", run);
                for (name, result) in saved {
                    for (field, value) in result.as_object().into_iter().flatten() {
                        if let Some(text) = value.as_str() {
                            s = s.replace(&format!("{{{name}.{field}}}"), text);
                        }
                    }
                }
                Value::String(s)
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), fill(x, run, saved)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    for (i, step) in script["steps"].as_array().unwrap().iter().enumerate() {
        if let Some(body) = step.get("pay") {
            let (status, answer) = pay(&sb, fill(body, &run, &saved)).await;
            let want = step["pay_error"].as_u64().unwrap_or(200) as u16;
            assert_eq!(status, want, "step {i}: {step} → {answer}");
            continue;
        }
        let name = step["call"].as_str().unwrap();
        let outcome = call(&c, name, fill(&step["args"], &run, &saved)).await;
        if let Some(code) = step.get("error") {
            let e = outcome.expect_err(&format!("step {i} should fail: {step}"));
            assert_eq!(
                e.api().map(|a| a.code.as_str()),
                code.as_str(),
                "step {i}: {step}"
            );
            continue;
        }
        let result = outcome.unwrap_or_else(|e| panic!("step {i}: {step}: {e}"));
        for (field, want) in step["expect"].as_object().into_iter().flatten() {
            let got = &result[field];
            if want == "*" {
                assert!(
                    got.as_str().is_some_and(|s| !s.is_empty()),
                    "step {i}: {field} = {got}"
                );
            } else {
                assert_eq!(got, &fill(want, &run, &saved), "step {i}: {field}");
            }
        }
        if let Some(as_name) = step["save"].as_str() {
            saved.insert(as_name.to_owned(), result);
        }
    }
}
