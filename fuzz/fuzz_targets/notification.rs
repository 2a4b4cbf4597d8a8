#![no_main]
// The body lives in wxpay::fuzzing::notification, shared with the corpus replay in `make test`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay::fuzzing::notification(data));
