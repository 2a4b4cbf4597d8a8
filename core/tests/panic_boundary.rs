//! The deliberate panic point of debug builds (`WXPAY_TEST_PANIC=1`) and the boundary that turns
//! a panic into an INTERNAL error. Its own test binary: the variable is process-wide.

use std::path::Path;

use serde_json::json;
use wxpay::boundary::{catch, catch_future};
use wxpay::{Client, Config, RequestOptions};

#[tokio::test]
async fn a_panic_in_a_call_is_an_internal_error_and_the_call_completes() {
    let v = json!({
        "mchid": "1230000109",
        "serial": "3775B6A45ACD588826D15E583A95F5DD00000001",
        "private_key": "file://merchant_key.pem",
        "certs": {"PUB_KEY_ID_0112300001092026112600000000000001": "file://platform_pub.pem"},
        "base_uri": "http://127.0.0.1:9/",
        "insecure_http": true,
    });
    let fixtures = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"));
    let client = Client::new(&Config::from_value(&v, Some(fixtures)).unwrap()).unwrap();
    let options = RequestOptions::default();
    // This test binary has this single test: nothing else reads the variable meanwhile.
    std::env::set_var("WXPAY_TEST_PANIC", "1");
    let e = catch_future(client.request("GET", "v3/certificates", &options))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "INTERNAL");
    assert!(e.message().contains("deliberate test panic"), "{e}");
    assert!(e.message().contains("client.rs"), "{e}");
    let e = catch(|| -> wxpay::Result<()> { panic!("sync") }).unwrap_err();
    assert_eq!(e.code(), "INTERNAL");
    std::env::remove_var("WXPAY_TEST_PANIC");
    // Without it the same call reaches the network (and fails there, nothing listens on :9).
    let e = catch_future(client.request("GET", "v3/certificates", &options))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "TRANSPORT", "{e}");
}
