/*
 * C tests of libwxpay against the sandbox over TLS (run by ffi-c/tests/run.sh, which starts the
 * sandbox and passes WXPAY_TEST_CONFIG, the path of a client configuration reaching it through
 * resolve + ca_certs, and WXPAY_VECTORS, the path of tests/vectors/signing.json).
 *
 * Built with -Wall -Wextra -Werror, linked dynamically and statically, run under valgrind.
 * Prints "N passed, M failed" last.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "wxpay.h"
#include "wxpay_calls.h"

static int passed, failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                              \
    } while (0)

#define CHECK_STR(a, b) CHECK((a) != NULL && strcmp((a), (b)) == 0)

static const char *SEED_TEMPLATE = "v3/transactions/id/{transaction_id}/close";
static const char *SEED_OPTIONS =
    "{\"base_uri\":\"https://api.mch.weixin.qq.com/hk/\","
    "\"transaction_id\":\"1217752501201407033233368018\","
    "\"json\":{\"mchid\":\"1230000109\",\"sub_mchid\":\"1230000109\",\"sp_mchid\":\"1230000109\"}}";

static char *config_text;

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        exit(2);
    }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The test configuration with `extra` fields appended (later keys win). */
static char *config_with(const char *extra) {
    size_t n = strlen(config_text);
    char *out = malloc(n + strlen(extra) + 4);
    memcpy(out, config_text, n + 1);
    char *end = strrchr(out, '}');
    sprintf(end, ",%s}", extra);
    return out;
}

static wxpay_client_t *client_with(const char *extra) {
    char *cfg = config_with(extra);
    wxpay_client_t *c = NULL;
    wxpay_error_t *err = NULL;
    wxpay_status s = wxpay_client_new(cfg, &c, &err);
    if (s != WXPAY_OK) {
        fprintf(stderr, "client_with(%s): %s\n", extra, wxpay_error_message(err));
    }
    wxpay_error_free(err);
    free(cfg);
    return c;
}

/* Drive the sandbox's control API through the library itself (its answers are signed);
 * returns the answer's body (free it). */
static char *sandbox_body(wxpay_client_t *c, const char *method, const char *path, const char *json_body) {
    char opts[1024];
    snprintf(opts, sizeof opts, "{\"base_uri\":\"https://api.mch.weixin.qq.com/_sandbox/\"%s%s}",
             json_body ? ",\"json\":" : "", json_body ? json_body : "");
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_request(c, method, path, opts, &r, &err) != WXPAY_OK) {
        fprintf(stderr, "sandbox control %s %s failed: %s\n", method, path, wxpay_error_message(err));
        exit(2);
    }
    size_t len = 0;
    const uint8_t *b = wxpay_response_body(r, &len);
    char *out = malloc(len + 1);
    memcpy(out, b, len);
    out[len] = '\0';
    wxpay_response_free(r);
    return out;
}

/* `sandbox_body`, for calls whose answer is not needed. */
static void sandbox(wxpay_client_t *c, const char *method, const char *path, const char *json_body) {
    free(sandbox_body(c, method, path, json_body));
}

static void test_version_and_null_frees(void) {
    CHECK_STR(wxpay_version(), "0.1.0");
    wxpay_client_free(NULL);
    wxpay_response_free(NULL);
    wxpay_error_free(NULL);
    wxpay_future_free(NULL);
    wxpay_string_free(NULL);
    /* Accessors tolerate NULL. */
    CHECK(wxpay_response_status(NULL) == 0);
    CHECK(wxpay_response_header(NULL, "x") == NULL);
    CHECK_STR(wxpay_error_code(NULL), "INTERNAL");
    CHECK_STR(wxpay_error_message(NULL), "");
    CHECK(wxpay_error_api_code(NULL) == NULL);
    size_t len = 99;
    CHECK(wxpay_response_body(NULL, &len) == NULL && len == 0);
    CHECK(wxpay_future_poll(NULL) == WXPAY_ERR_INVALID_ARGUMENT);
}

static void test_seed_close(wxpay_client_t *c) {
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    wxpay_status s = wxpay_request(c, "POST", SEED_TEMPLATE, SEED_OPTIONS, &r, &err);
    CHECK(s == WXPAY_OK);
    CHECK(err == NULL);
    CHECK(wxpay_response_status(r) == 204);
    CHECK(wxpay_response_request_id(r) != NULL && strlen(wxpay_response_request_id(r)) == 32);
    CHECK_STR(wxpay_response_header(r, "WECHATPAY-SERIAL"),
              "PUB_KEY_ID_0112300001092026112600000000000001");
    CHECK(wxpay_response_header(r, "no-such-header") == NULL);
    size_t len = 99;
    const uint8_t *body = wxpay_response_body(r, &len);
    CHECK(body != NULL && len == 0);
    CHECK(strstr(wxpay_response_headers_json(r), "\"request-id\"") != NULL);
    wxpay_response_free(r);
}

/* A header received twice is one header with its values joined (the same rule in every language). */
static void test_repeated_header(wxpay_client_t *c) {
    sandbox(c, "POST", "faults", "{\"fault\":\"repeated_header\"}");
    wxpay_response_t *r = NULL;
    CHECK(wxpay_request(c, "POST", SEED_TEMPLATE, SEED_OPTIONS, &r, NULL) == WXPAY_OK);
    CHECK_STR(wxpay_response_header(r, "X-Sandbox-Repeated"), "one, two");
    CHECK(strstr(wxpay_response_headers_json(r), "\"x-sandbox-repeated\":\"one, two\"") != NULL);
    wxpay_response_free(r);
}

static void test_typed_close(wxpay_client_t *c) {
    const char *opts[] = {NULL, "{\"endpoint\":\"global\"}", "{\"sub_mchid\":\"1900000109\"}"};
    for (size_t i = 0; i < 3; i++) {
        wxpay_response_t *r = NULL;
        CHECK(wxpay_close_transaction(c, "4200000001", opts[i], &r, NULL) == WXPAY_OK);
        CHECK(wxpay_response_status(r) == 204);
        wxpay_response_free(r);
        r = NULL;
        CHECK(wxpay_close_out_trade_no(c, "shop-7_a", opts[i], &r, NULL) == WXPAY_OK);
        CHECK(wxpay_response_status(r) == 204);
        wxpay_response_free(r);
    }
    wxpay_error_t *err = NULL;
    wxpay_response_t *r = NULL;
    CHECK(wxpay_close_transaction(c, "1", "{\"endpoint\":\"cn\"}", &r, &err) ==
          WXPAY_ERR_INVALID_ARGUMENT);
    /* Ids that cannot name an order are refused, with the reason, before anything is sent. */
    const char *bad_ids[][2] = {
        {"", "empty"}, {"420000000000000000000000000000001", "at most 32"}, {"a/b", "'/'"},
        {"..", "'.'"}, {"a?b", "'?'"}, {"a#b", "'#'"}, {"a%2F", "'%'"}, {"a b", "' '"},
        {"\xe8\xae\xa2", "'\xe8\xae\xa2'"},
    };
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        wxpay_error_t *e2 = NULL;
        CHECK(wxpay_close_transaction(c, bad_ids[i][0], NULL, &r, &e2) == WXPAY_ERR_INVALID_ARGUMENT);
        CHECK(strstr(wxpay_error_message(e2), bad_ids[i][1]) != NULL);
        CHECK(!wxpay_error_may_have_been_sent(e2));
        wxpay_error_free(e2);
    }
    CHECK(strstr(wxpay_error_message(err), "endpoint") != NULL);
    CHECK(r == NULL);
    wxpay_error_free(err);
}

static void test_api_error(wxpay_client_t *c) {
    sandbox(c, "POST", "orders", "{\"id\":\"paid-c\",\"state\":\"SUCCESS\"}");
    wxpay_response_t *r = (wxpay_response_t *)0x1; /* must stay untouched on failure */
    wxpay_error_t *err = NULL;
    wxpay_status s = wxpay_close_transaction(c, "paid-c", NULL, &r, &err);
    CHECK(s == WXPAY_ERR_API);
    CHECK(r == (wxpay_response_t *)0x1);
    CHECK(wxpay_error_status(err) == WXPAY_ERR_API);
    CHECK_STR(wxpay_error_code(err), "API");
    CHECK_STR(wxpay_error_api_code(err), "ORDERPAID");
    CHECK(wxpay_error_api_message(err) != NULL && strlen(wxpay_error_api_message(err)) > 0);
    CHECK(wxpay_error_http_status(err) == 400);
    CHECK(wxpay_error_request_id(err) != NULL && strlen(wxpay_error_request_id(err)) == 32);
    CHECK(wxpay_error_may_have_been_sent(err));
    CHECK(wxpay_error_verify_failure(err) == NULL);
    size_t len = 0;
    const uint8_t *body = wxpay_error_body(err, &len);
    CHECK(body != NULL && len > 0 && memmem(body, len, "ORDERPAID", 9) != NULL);
    CHECK(strstr(wxpay_error_json(err), "\"api_code\":\"ORDERPAID\"") != NULL);
    wxpay_error_free(err);

    /* err == NULL is allowed: the status still says what happened. */
    CHECK(wxpay_close_transaction(c, "paid-c", NULL, &r, NULL) == WXPAY_ERR_API);
}

static void test_verify_and_decode_errors(wxpay_client_t *c) {
    struct {
        const char *fault;
        wxpay_status status;
        const char *reason;
    } cases[] = {
        {"bad_signature", WXPAY_ERR_VERIFY, "BAD_SIGNATURE"},
        {"signtest", WXPAY_ERR_VERIFY, "SIGNTEST"},
        {"no_signature", WXPAY_ERR_VERIFY, "MISSING_HEADERS"},
        {"stale_timestamp", WXPAY_ERR_VERIFY, "TIMESTAMP_SKEW"},
        {"unknown_serial", WXPAY_ERR_VERIFY, "UNKNOWN_SERIAL"},
        {"status_200", WXPAY_ERR_DECODE, NULL},
        {"oversized", WXPAY_ERR_DECODE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char spec[128];
        snprintf(spec, sizeof spec, "{\"fault\":\"%s\",\"path\":\"/close\"}", cases[i].fault);
        sandbox(c, "POST", "faults", spec);
        wxpay_response_t *r = NULL;
        wxpay_error_t *err = NULL;
        wxpay_status s = wxpay_close_transaction(c, "v1", NULL, &r, &err);
        CHECK(s == cases[i].status);
        if (cases[i].reason) {
            CHECK_STR(wxpay_error_code(err), "VERIFY");
            CHECK_STR(wxpay_error_verify_failure(err), cases[i].reason);
            CHECK(wxpay_error_http_status(err) == 204);
        } else {
            CHECK_STR(wxpay_error_code(err), "DECODE");
        }
        CHECK(r == NULL);
        wxpay_error_free(err);
    }
}

static void test_transport_and_timeout(wxpay_client_t *c) {
    /* Port 9 (discard) on loopback: nothing listens there. */
    wxpay_client_t *dead = client_with(
        "\"retries\":0,\"resolve\":{\"api.mch.weixin.qq.com\":\"127.0.0.1:9\"}");
    CHECK(dead != NULL);
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_close_transaction(dead, "t", NULL, &r, &err) == WXPAY_ERR_TRANSPORT);
    CHECK_STR(wxpay_error_code(err), "TRANSPORT");
    CHECK(!wxpay_error_may_have_been_sent(err));
    CHECK(wxpay_error_http_status(err) == 0);
    wxpay_error_free(err);
    wxpay_client_free(dead);

    wxpay_client_t *slow = client_with("\"timeout_ms\":300,\"retries\":0");
    sandbox(c, "POST", "faults", "{\"fault\":\"delay\",\"delay_ms\":2000,\"path\":\"/close\"}");
    err = NULL;
    CHECK(wxpay_close_transaction(slow, "t", NULL, &r, &err) == WXPAY_ERR_TIMEOUT);
    CHECK_STR(wxpay_error_code(err), "TIMEOUT");
    CHECK(wxpay_error_may_have_been_sent(err));
    wxpay_error_free(err);
    /* The client keeps working. */
    CHECK(wxpay_close_transaction(slow, "t2", NULL, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
    wxpay_client_free(slow);
}

static void test_config_errors(void) {
    struct {
        const char *json;
        wxpay_status status;
        const char *needle;
    } cases[] = {
        {"{", WXPAY_ERR_CONFIG, "not valid JSON"},
        {"[]", WXPAY_ERR_CONFIG, "JSON object"},
        {"{\"mchid\":\"1\"}", WXPAY_ERR_CONFIG, "serial"},
        {NULL, WXPAY_ERR_INVALID_ARGUMENT, "config_json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wxpay_client_t *c = (wxpay_client_t *)0x1;
        wxpay_error_t *err = NULL;
        CHECK(wxpay_client_new(cases[i].json, &c, &err) == cases[i].status);
        CHECK(c == (wxpay_client_t *)0x1);
        CHECK(strstr(wxpay_error_message(err), cases[i].needle) != NULL);
        wxpay_error_free(err);
    }
    const char *bad_keys[][2] = {
        {"\"private_key\":\"file:///nonexistent/apiclient_key.pem\"", "cannot read file"},
        {"\"private_key\":\"file://" FIXTURES "/ec_key.pem\"", "not RSA"},
        {"\"private_key\":\"file://" FIXTURES "/encrypted_key.pem\"", "encrypted"},
        {"\"private_key\":\"file://" FIXTURES "/merchant_cert.pem\"", "certificate"},
        {"\"timeout_ms\":-5", "timeout_ms"},
        {"\"merchantPrivateKey\":\"x\"", "did you mean `private_key`"},
        {"\"privateKey\":\"x\"", "`private_key` and `privateKey` are the same setting"},
    };
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        char *cfg = config_with(bad_keys[i][0]);
        wxpay_client_t *c = NULL;
        wxpay_error_t *err = NULL;
        CHECK(wxpay_client_new(cfg, &c, &err) == WXPAY_ERR_CONFIG);
        CHECK(c == NULL);
        CHECK(strstr(wxpay_error_message(err), bad_keys[i][1]) != NULL);
        CHECK(strstr(wxpay_error_message(err), "MII") == NULL); /* no key material */
        wxpay_error_free(err);
        free(cfg);
    }
    wxpay_client_t *c = NULL;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_client_new_from_file("/nonexistent/wxpay.json", &c, &err) == WXPAY_ERR_CONFIG);
    wxpay_error_free(err);
}

/* The process's client cache: its capacity is set, a bad one refused; a client evicted from
 * the cache by others keeps working through the handle that holds it. */
static void test_client_cache(wxpay_client_t *seed) {
    wxpay_error_t *err = NULL;
    CHECK(wxpay_set_client_cache(0, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(wxpay_error_message(err), "out of range") != NULL);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_set_client_cache(2, &err) == WXPAY_OK);
    wxpay_client_t *clients[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        char field[64];
        snprintf(field, sizeof field, "\"user_agent\":\"cache-test-%d\"", i);
        char *cfg = config_with(field);
        CHECK(wxpay_client_new(cfg, &clients[i], NULL) == WXPAY_OK);
        free(cfg);
    }
    for (int i = 0; i < 3; i++) {
        wxpay_response_t *r = NULL;
        CHECK(wxpay_request(clients[i], "POST", SEED_TEMPLATE, SEED_OPTIONS, &r, NULL) == WXPAY_OK);
        CHECK(r != NULL && wxpay_response_status(r) == 204);
        wxpay_response_free(r);
        wxpay_client_free(clients[i]);
    }
    wxpay_response_t *r = NULL;
    CHECK(wxpay_request(seed, "POST", SEED_TEMPLATE, SEED_OPTIONS, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
    CHECK(wxpay_set_client_cache(64, NULL) == WXPAY_OK);
}

static void test_invalid_arguments(wxpay_client_t *c) {
    wxpay_response_t *r = (wxpay_response_t *)0x1;
    wxpay_error_t *err = NULL;
    struct {
        const wxpay_client_t *client;
        const char *method, *template, *options, *needle;
    } cases[] = {
        {NULL, "POST", "v3/x", NULL, "`client` is NULL"},
        {c, NULL, "v3/x", NULL, "`method` is NULL"},
        {c, "POST", NULL, NULL, "`uri_template` is NULL"},
        {c, "PO\xffST", "v3/x", NULL, "not valid UTF-8"},
        {c, "POST", "v3/\xc3(", NULL, "not valid UTF-8"},
        {c, "POST", SEED_TEMPLATE, "{\"transaction_id\":", "not valid JSON"},
        {c, "POST", SEED_TEMPLATE, "{\"json\":{}}", "needs a value for `{transaction_id}`"},
        {c, "POST", SEED_TEMPLATE, "{\"transaction_id\":\"..\"}", "would change the path"},
        {c, "BREW", "v3/x", NULL, "BREW"},
        {c, "POST", SEED_TEMPLATE, "[1]", "must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err = NULL;
        wxpay_status s =
            wxpay_request(cases[i].client, cases[i].method, cases[i].template, cases[i].options, &r, &err);
        CHECK(s == WXPAY_ERR_INVALID_ARGUMENT);
        CHECK_STR(wxpay_error_code(err), "INVALID_ARGUMENT");
        CHECK(!wxpay_error_may_have_been_sent(err));
        if (strstr(wxpay_error_message(err), cases[i].needle) == NULL) {
            fprintf(stderr, "  case %zu message: %s\n", i, wxpay_error_message(err));
            failed++;
        }
        wxpay_error_free(err);
    }
    CHECK(r == (wxpay_response_t *)0x1);
    /* A NULL out-parameter is an error too, not a crash. */
    err = NULL;
    CHECK(wxpay_request(c, "POST", SEED_TEMPLATE, SEED_OPTIONS, NULL, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "`out` is NULL") != NULL);
    wxpay_error_free(err);
    CHECK(wxpay_sign(c, "POST", "https://x/", NULL, 5, 0, NULL, (char **)&r, NULL) ==
          WXPAY_ERR_INVALID_ARGUMENT);
}

/* Find "authorization" of vector `name` in signing.json and unescape \" and \\. */
static char *vector_authorization(const char *json, const char *name) {
    char key[128];
    snprintf(key, sizeof key, "\"name\": \"%s\"", name);
    const char *p = strstr(json, key);
    if (!p) return NULL;
    p = strstr(p, "\"authorization\": \"");
    if (!p) return NULL;
    p += strlen("\"authorization\": \"");
    char *out = malloc(strlen(p) + 1), *o = out;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1]) p++;
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

static void test_sign_prepare_and_chain(wxpay_client_t *c, const char *vectors) {
    char *expected = vector_authorization(vectors, "get_with_query");
    CHECK(expected != NULL);
    char *auth = NULL;
    CHECK(wxpay_sign(c, "GET",
                     "https://api.mch.weixin.qq.com/v3/pay/transactions/id/"
                     "4200000000202611260000000001?mchid=1230000109",
                     NULL, 0, 1700000000, "593BEC0C930BF1AFEB40B4A08C8FB242", &auth, NULL) == WXPAY_OK);
    CHECK_STR(auth, expected);
    wxpay_string_free(auth);

    char *prepared = NULL;
    CHECK(wxpay_prepare(c, "GET", "https://api.mch.weixin.qq.com/v3/pay/transactions/id/{transaction_id}",
                        "{\"transaction_id\":\"4200000000202611260000000001\",\"query\":{\"mchid\":\"1230000109\"}}",
                        1700000000, "593BEC0C930BF1AFEB40B4A08C8FB242", &prepared, NULL) == WXPAY_OK);
    CHECK(prepared != NULL && strstr(prepared, "\"canonical_url\":\"/v3/pay/transactions/id/"
                                               "4200000000202611260000000001?mchid=1230000109\"") != NULL);
    /* The JSON escapes quotes inside the authorization; compare the signature part only. */
    const char *sig = strstr(expected, "signature=");
    char needle[512];
    snprintf(needle, sizeof needle, "%.*s", (int)(strlen(sig) - strlen("signature=\"") - 1),
             sig + strlen("signature=\""));
    CHECK(strstr(prepared, needle) != NULL);
    wxpay_string_free(prepared);
    free(expected);

    /* The seed vector's body and canonical URL. */
    char *seed = vector_authorization(vectors, "hk_close_seed");
    prepared = NULL;
    CHECK(wxpay_prepare(c, "POST", SEED_TEMPLATE, SEED_OPTIONS, 1700000000,
                        "593BEC0C930BF1AFEB40B4A08C8FB242", &prepared, NULL) == WXPAY_OK);
    sig = strstr(seed, "signature=\"") + strlen("signature=\"");
    snprintf(needle, sizeof needle, "%.*s", (int)strlen(sig) - 1, sig);
    CHECK(strstr(prepared, needle) != NULL);
    CHECK(strstr(prepared, "\"canonical_url\":\"/hk/v3/transactions/id/1217752501201407033233368018/close\"") != NULL);
    wxpay_string_free(prepared);
    free(seed);

    /* The call vectors: the generic entry's dry run signs the same bytes as every language. */
    const char *calls[][3] = {
        {"close_out_trade_no_partner", "close_out_trade_no",
         "{\"outTradeNo\":\"shop-20261126-1\",\"endpoint\":\"mainland\",\"subMchid\":\"1900000109\"}"},
        {"query_transaction_global", "query_transaction",
         "{\"transaction_id\":\"4200000000202611260000000001\",\"endpoint\":\"global\"}"},
        {"close_transaction_hk", "close_transaction", "{\"transaction_id\":\"4200000000202611260000000001\"}"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        char *want = vector_authorization(vectors, calls[i][0]);
        CHECK(want != NULL);
        prepared = NULL;
        CHECK(wxpay_call_prepare(c, calls[i][1], calls[i][2], 1700000000, "593BEC0C930BF1AFEB40B4A08C8FB242",
                                 &prepared, NULL) == WXPAY_OK);
        if (want && prepared) {
            sig = strstr(want, "signature=\"") + strlen("signature=\"");
            snprintf(needle, sizeof needle, "%.*s", (int)strlen(sig) - 1, sig);
            CHECK(strstr(prepared, needle) != NULL);
        }
        wxpay_string_free(prepared);
        free(want);
    }

    char *t = NULL;
    CHECK(wxpay_chain_template("[\"v3\",\"transactions\",\"id\",\"_transaction_id_\",\"close\"]", &t, NULL) == WXPAY_OK);
    CHECK_STR(t, SEED_TEMPLATE);
    wxpay_string_free(t);
    wxpay_error_t *err = NULL;
    CHECK(wxpay_chain_template("{\"a\":1}", &t, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
}

static void test_verify_utility(wxpay_client_t *c) {
    wxpay_response_t *r = NULL;
    CHECK(wxpay_request(c, "GET", "v3/global/transactions/id/{transaction_id}",
                        "{\"base_uri\":\"https://apihk.mch.weixin.qq.com/\",\"transaction_id\":\"q1\","
                        "\"query\":{\"mchid\":\"1230000109\"}}",
                        &r, NULL) == WXPAY_OK);
    CHECK(wxpay_response_status(r) == 200);
    size_t len = 0;
    const uint8_t *body = wxpay_response_body(r, &len);
    CHECK(len > 0 && memmem(body, len, "trade_state", 11) != NULL);
    const char *ts = wxpay_response_header(r, "Wechatpay-Timestamp");
    const char *nonce = wxpay_response_header(r, "Wechatpay-Nonce");
    const char *sig = wxpay_response_header(r, "Wechatpay-Signature");
    const char *serial = wxpay_response_header(r, "Wechatpay-Serial");
    CHECK(wxpay_verify(c, ts, nonce, sig, serial, body, len, 0, NULL) == WXPAY_OK);

    uint8_t *tampered = malloc(len);
    memcpy(tampered, body, len);
    tampered[1] ^= 1;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_verify(c, ts, nonce, sig, serial, tampered, len, 0, &err) == WXPAY_ERR_VERIFY);
    CHECK_STR(wxpay_error_verify_failure(err), "BAD_SIGNATURE");
    wxpay_error_free(err);
    free(tampered);

    err = NULL;
    CHECK(wxpay_verify(c, ts, nonce, NULL, serial, body, len, 0, &err) == WXPAY_ERR_VERIFY);
    CHECK_STR(wxpay_error_verify_failure(err), "MISSING_HEADERS");
    wxpay_error_free(err);

    err = NULL;
    CHECK(wxpay_verify(c, ts, nonce, sig, serial, body, len, atoll(ts) + 301, &err) == WXPAY_ERR_VERIFY);
    CHECK_STR(wxpay_error_verify_failure(err), "TIMESTAMP_SKEW");
    wxpay_error_free(err);

    err = NULL;
    CHECK(wxpay_verify(c, ts, nonce, sig, "PUB_KEY_ID_OTHER", body, len, 0, &err) == WXPAY_ERR_VERIFY);
    CHECK_STR(wxpay_error_verify_failure(err), "UNKNOWN_SERIAL");
    wxpay_error_free(err);
    wxpay_response_free(r);
}

struct worker {
    wxpay_client_t *client;
    int id, ok;
};

#define THREADS 64
#define CALLS_PER_THREAD 2

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        char id[64];
        snprintf(id, sizeof id, "thread-%d-%d", w->id, i);
        wxpay_response_t *r = NULL;
        wxpay_error_t *err = NULL;
        if (wxpay_close_transaction(w->client, id, NULL, &r, &err) == WXPAY_OK &&
            wxpay_response_status(r) == 204) {
            w->ok++;
        } else if (err) {
            fprintf(stderr, "thread %d call %d: %s\n", w->id, i, wxpay_error_message(err));
        }
        wxpay_error_free(err);
        wxpay_response_free(r);
    }
    return NULL;
}

static void test_threads_share_one_client(wxpay_client_t *c) {
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){c, i, 0};
        CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += w[i].ok;
    }
    CHECK(ok == THREADS * CALLS_PER_THREAD);
}

static void test_async_poll_wait_take(wxpay_client_t *c) {
    sandbox(c, "POST", "faults", "{\"fault\":\"delay\",\"delay_ms\":400,\"path\":\"/close\"}");
    wxpay_future_t *f = NULL;
    CHECK(wxpay_request_start(c, "POST", SEED_TEMPLATE, SEED_OPTIONS, &f, NULL) == WXPAY_OK);
    CHECK(wxpay_future_poll(f) == WXPAY_PENDING);
    CHECK(wxpay_future_wait(f, 20) == WXPAY_PENDING);
    wxpay_response_t *r = NULL;
    CHECK(wxpay_future_take(f, &r, NULL) == WXPAY_PENDING);
    CHECK(r == NULL);
    CHECK(wxpay_future_wait(f, -1) == WXPAY_OK);
    CHECK(wxpay_future_poll(f) == WXPAY_OK);
    CHECK(wxpay_future_take(f, &r, NULL) == WXPAY_OK);
    CHECK(wxpay_response_status(r) == 204);
    wxpay_response_free(r);
    wxpay_error_t *err = NULL;
    CHECK(wxpay_future_take(f, &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "already taken") != NULL);
    wxpay_error_free(err);
    CHECK(wxpay_future_poll(f) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_future_free(f);

    /* An async failure arrives through take. */
    f = NULL;
    sandbox(c, "POST", "orders", "{\"id\":\"paid-async\",\"state\":\"SUCCESS\"}");
    CHECK(wxpay_close_transaction_start(c, "paid-async", NULL, &f, NULL) == WXPAY_OK);
    CHECK(wxpay_future_wait(f, 10000) == WXPAY_ERR_API);
    err = NULL;
    r = (wxpay_response_t *)0x1;
    CHECK(wxpay_future_take(f, &r, &err) == WXPAY_ERR_API);
    CHECK(r == (wxpay_response_t *)0x1);
    CHECK_STR(wxpay_error_api_code(err), "ORDERPAID");
    wxpay_error_free(err);
    wxpay_future_free(f);

    /* Argument errors come back from start, before anything runs. */
    err = NULL;
    f = (wxpay_future_t *)0x1;
    CHECK(wxpay_request_start(c, "POST", SEED_TEMPLATE, "{}", &f, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(f == (wxpay_future_t *)0x1);
    wxpay_error_free(err);

    /* Many in flight at once, then freeing a pending one cancels it cleanly. */
    wxpay_future_t *many[16];
    for (int i = 0; i < 16; i++) {
        CHECK(wxpay_close_transaction_start(c, "many", NULL, &many[i], NULL) == WXPAY_OK);
    }
    for (int i = 0; i < 16; i++) {
        CHECK(wxpay_future_wait(many[i], -1) == WXPAY_OK);
        r = NULL;
        CHECK(wxpay_future_take(many[i], &r, NULL) == WXPAY_OK);
        wxpay_response_free(r);
        wxpay_future_free(many[i]);
    }
}

/* How many times `needle` occurs in the sandbox's request log (-1: the log is unreadable). */
static int sandbox_requests_matching(wxpay_client_t *c, const char *needle) {
    wxpay_response_t *r = NULL;
    if (wxpay_request(c, "GET", "requests", "{\"base_uri\":\"https://api.mch.weixin.qq.com/_sandbox/\"}", &r,
                      NULL) != WXPAY_OK) {
        return -1;
    }
    size_t len = 0;
    const uint8_t *body = wxpay_response_body(r, &len);
    int n = 0;
    const uint8_t *p = body, *end = body + len;
    while (p < end) {
        const uint8_t *hit = memmem(p, (size_t)(end - p), needle, strlen(needle));
        if (!hit) break;
        n++;
        p = hit + 1;
    }
    wxpay_response_free(r);
    return n;
}

/* Freeing a pending future cancels the call, retries included: each attempt answers 500 after
 * 600 ms and the client would retry three times; freed during attempt 1, the sandbox sees one
 * attempt, not four. (Under valgrind only "no crash, no leak": its timing is not the call's.) */
static void test_freeing_a_future_cancels_its_retries(wxpay_client_t *c, int slow) {
    wxpay_client_t *retrying = client_with("\"retries\":3");
    sandbox(c, "POST", "faults",
            "{\"fault\":\"status\",\"status\":500,\"delay_ms\":600,\"count\":10,\"path\":\"cancel-me\"}");
    wxpay_future_t *f = NULL;
    CHECK(wxpay_close_transaction_start(retrying, "cancel-me", NULL, &f, NULL) == WXPAY_OK);
    usleep(200 * 1000);
    wxpay_future_free(f);
    usleep(1300 * 1000); /* attempt 2 would have arrived at ~700 ms */
    if (!slow) {
        CHECK(sandbox_requests_matching(c, "cancel-me") == 1);
    }
    sandbox(c, "DELETE", "faults", NULL);
    wxpay_client_free(retrying);
}

/*
 * The shared fault matrix (tests/reliability/faults.json), flattened by run.sh into tab-separated
 * lines: name, fault JSON or "-", client variant, max_ms, code or "-", may_have_been_sent
 * (1/0/-), status or "-", api_code ("-" for none, "=" for empty), verify_failure or "-", attempts,
 * host or "-" (resolved to the sandbox and used as base_uri https://HOST/hk/), timeout_ms (the
 * case's or the matrix's). A case with `repeat` is one line per run.
 */
static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* How many API requests the sandbox logged whose target contains /fault-NAME/ (NULL: all). */
static int count_attempts(wxpay_client_t *c, const char *name) {
    char needle[160];
    if (name) snprintf(needle, sizeof needle, "/fault-%s/", name);
    else snprintf(needle, sizeof needle, "\"target\"");
    return sandbox_requests_matching(c, needle);
}

/* Split a tab-separated line in place into at most `max` fields; returns how many. */
static int split_tabs(char *line, char **f, int max) {
    int n = 0;
    for (char *p = line; n < max; n++) {
        f[n] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            n++;
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static void test_fault_matrix(wxpay_client_t *normal, const char *tsv_path, const char *addr, long timeout_ms,
                              long retries, int expected_cases) {
    char *tsv = read_file(tsv_path);
    int cases = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[12];
        if (split_tabs(line, f, 12) != 12) {
            fprintf(stderr, "bad fault line\n");
            failed++;
            continue;
        }
        const char *name = f[0], *fault = f[1], *kind = f[2], *host = f[10];
        const int has_host = strcmp(host, "-") != 0;
        long max_ms = atol(f[3]);
        timeout_ms = atol(f[11]); /* the case's own, or the matrix's */
        sandbox(normal, "POST", "reset", NULL);
        if (strcmp(fault, "-") != 0) {
            char spec[512];
            snprintf(spec, sizeof spec, "%.*s,\"path\":\"/close\"}", (int)strlen(fault) - 1, fault);
            sandbox(normal, "POST", "faults", spec);
        }
        char extra[512];
        snprintf(extra, sizeof extra,
                 "\"timeout_ms\":%ld,\"retries\":%ld%s,\"resolve\":{\"api.mch.weixin.qq.com\":\"%s\","
                 "\"%s\":\"%s\"}",
                 timeout_ms, retries, strcmp(kind, "no_ca") == 0 ? ",\"ca_certs\":[]" : "",
                 strcmp(kind, "dead_port") == 0 ? "127.0.0.1:9" : addr, has_host ? host : "unused.test", addr);
        wxpay_client_t *client = client_with(extra);
        CHECK(client != NULL);
        char id[160], options[256];
        snprintf(id, sizeof id, "fault-%s", name);
        if (has_host) snprintf(options, sizeof options, "{\"base_uri\":\"https://%s/hk/\"}", host);
        else snprintf(options, sizeof options, "{}");
        wxpay_response_t *r = NULL;
        wxpay_error_t *err = NULL;
        long long started = now_ms();
        wxpay_status s = wxpay_close_transaction(client, id, options, &r, &err);
        long long elapsed = now_ms() - started;
        int before = failed;
        CHECK(elapsed <= max_ms);
        if (strcmp(f[4], "-") == 0) {
            CHECK(s == WXPAY_OK);
            CHECK(wxpay_response_status(r) == atoi(f[6]));
        } else {
            CHECK_STR(wxpay_error_code(err), f[4]);
            CHECK(wxpay_error_may_have_been_sent(err) == (f[5][0] == '1'));
            CHECK(wxpay_error_http_status(err) == (strcmp(f[6], "-") == 0 ? 0 : atoi(f[6])));
            const char *api = wxpay_error_api_code(err);
            if (strcmp(f[7], "-") == 0) CHECK(api == NULL);
            else CHECK_STR(api, strcmp(f[7], "=") == 0 ? "" : f[7]);
            const char *vf = wxpay_error_verify_failure(err);
            if (strcmp(f[8], "-") == 0) CHECK(vf == NULL);
            else CHECK_STR(vf, f[8]);
        }
        CHECK(count_attempts(normal, name) == atoi(f[9]));
        if (failed != before) {
            fprintf(stderr, "  fault case %s: status %d, %s\n", name, (int)s, err ? wxpay_error_message(err) : "ok");
        }
        wxpay_response_free(r);
        wxpay_error_free(err);
        sandbox(normal, "DELETE", "faults", NULL);
        snprintf(id, sizeof id, "after-%s", name);
        r = NULL;
        CHECK(wxpay_close_transaction(strcmp(kind, "normal") == 0 ? client : normal, id, NULL, &r, NULL) == WXPAY_OK);
        wxpay_response_free(r);
        wxpay_client_free(client);
        cases++;
    }
    CHECK(cases == expected_cases && cases > 0);
    free(tsv);
}

/*
 * The shared bad-input catalogue (tests/reliability/bad_inputs.json), flattened by run.sh into
 * tab-separated lines: name, "config" or "call", the complete configuration JSON (config cases)
 * or the method, template and options JSON (call cases, three fields), code, the texts the
 * message must mention and the texts it must not contain (each list joined by 0x1f).
 */
static int contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        if (strncasecmp(p, needle, n) == 0) return 1;
    }
    return n == 0;
}

static void check_listed(const char *message, char *list, int want) {
    if (list[0] == '\0') return;
    for (char *item = list;;) {
        char *sep = strchr(item, '\x1f');
        if (sep) *sep = '\0';
        int ok = want ? contains_ci(message, item) : strstr(message, item) == NULL;
        CHECK(ok);
        if (!ok) fprintf(stderr, "  %s `%.60s` in: %s\n", want ? "missing" : "echoed", item, message);
        if (!sep) break;
        item = sep + 1;
    }
}

static void test_bad_inputs(wxpay_client_t *normal, const char *tsv_path, int expected_cases) {
    char *tsv = read_file(tsv_path);
    int cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        int n = split_tabs(line, f, 8);
        const int is_config = strcmp(f[1], "config") == 0;
        if (n != (is_config ? 6 : 8)) {
            fprintf(stderr, "bad bad-input line\n");
            failed++;
            continue;
        }
        sandbox(normal, "POST", "reset", NULL);
        wxpay_error_t *err = NULL;
        wxpay_status s;
        int code_at = is_config ? 3 : 5;
        if (is_config) {
            wxpay_client_t *c = NULL;
            s = wxpay_client_new(f[2], &c, &err);
            CHECK(c == NULL);
            wxpay_client_free(c);
        } else {
            wxpay_response_t *r = NULL;
            s = wxpay_request(normal, f[2], f[3], f[4], &r, &err);
            CHECK(r == NULL);
            wxpay_response_free(r);
        }
        int before = failed;
        CHECK(s != WXPAY_OK);
        CHECK_STR(wxpay_error_code(err), f[code_at]);
        CHECK(!wxpay_error_may_have_been_sent(err));
        const char *message = wxpay_error_message(err);
        CHECK(strlen(message) <= 1800); /* 600 characters, UTF-8 */
        check_listed(message, f[code_at + 1], 1);
        check_listed(message, f[code_at + 2], 0);
        CHECK(count_attempts(normal, NULL) == 0);
        if (failed != before) fprintf(stderr, "  bad input %s: %s\n", f[0], message);
        wxpay_error_free(err);
        cases++;
    }
    CHECK(cases == expected_cases && cases > 0);
    free(tsv);
}

/* The typed calls' bad arguments (tests/reliability/bad_calls.json) through wxpay_call and
 * wxpay_call_start: refused with the code, the argument named, nothing sent. */
static void test_bad_calls(wxpay_client_t *normal, const char *tsv_path, int expected_cases) {
    char *tsv = read_file(tsv_path);
    int cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        if (split_tabs(line, f, 8) != 7) {
            fprintf(stderr, "bad bad-call line\n");
            failed++;
            continue;
        }
        sandbox(normal, "POST", "reset", NULL);
        for (int start = 0; start < 2; start++) {
            wxpay_error_t *err = NULL;
            wxpay_status s;
            if (start) {
                wxpay_future_t *fut = NULL;
                s = wxpay_call_start(normal, f[1], f[2], &fut, &err);
                CHECK(fut == NULL);
                wxpay_future_free(fut);
            } else {
                wxpay_response_t *r = NULL;
                s = wxpay_call(normal, f[1], f[2], &r, &err);
                CHECK(r == NULL);
                wxpay_response_free(r);
            }
            int before = failed;
            CHECK(s == WXPAY_ERR_INVALID_ARGUMENT);
            CHECK_STR(wxpay_error_code(err), f[3]);
            CHECK(!wxpay_error_may_have_been_sent(err));
            const char *argument = wxpay_error_argument(err);
            if (strcmp(f[4], "-") == 0) {
                CHECK(argument == NULL);
            } else {
                CHECK_STR(argument, f[4]);
            }
            const char *message = wxpay_error_message(err);
            check_listed(message, f[5], 1);
            check_listed(message, f[6], 0);
            if (failed != before) fprintf(stderr, "  bad call %s: %s\n", f[0], message);
            wxpay_error_free(err);
        }
        CHECK(count_attempts(normal, NULL) == 0);
        cases++;
    }
    CHECK(cases == expected_cases && cases > 0);
    free(tsv);
}

/* The pay-parameter vectors (openssl's signatures): the exact object, field order included. */
static void test_pay_params(wxpay_client_t *c, const char *tsv_path, int expected_cases) {
    char *tsv = read_file(tsv_path);
    int cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        if (split_tabs(line, f, 5) != 4) {
            fprintf(stderr, "bad pay-params line\n");
            failed++;
            continue;
        }
        char *out = NULL;
        CHECK(wxpay_pay_params(c, f[1], f[2], &out, NULL) == WXPAY_OK);
        CHECK_STR(out, f[3]);
        wxpay_string_free(out);
        cases++;
    }
    CHECK(cases == expected_cases && cases > 0);
    free(tsv);

    /* Without timestamp and nonce: now and a fresh nonce each time. */
    char *a = NULL, *b = NULL;
    CHECK(wxpay_pay_params(c, "app", "{\"appid\":\"wx1\",\"prepay_id\":\"wx2\"}", &a, NULL) == WXPAY_OK);
    CHECK(wxpay_pay_params(c, "app", "{\"appid\":\"wx1\",\"prepay_id\":\"wx2\"}", &b, NULL) == WXPAY_OK);
    CHECK(a && b && strcmp(a, b) != 0 && strstr(a, "\"package\":\"Sign=WXPay\"") != NULL);
    wxpay_string_free(a);
    wxpay_string_free(b);
    /* Bad arguments name the argument; nothing is written to *out. */
    const char *bad[][3] = {
        {"jsapi", "{\"appid\":\"wx1\"}", "prepay_id"},
        {"jsapi", "{\"appid\":\"wx1\",\"prepay_id\":\"a\\nb\"}", "prepay_id"},
        {"jsapi", "{\"appid\":\"wx1\",\"prepay_id\":\"prepay_id=wx2\"}", "prepay_id"},
        {"app", "{\"appid\":7,\"prepay_id\":\"wx2\"}", "appid"},
        {"app", "{\"appid\":\"wx1\",\"prepay_id\":\"wx2\",\"timestamp\":-1}", "timestamp"},
        {"native", "{}", "kind"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;
        wxpay_error_t *err = NULL;
        CHECK(wxpay_pay_params(c, bad[i][0], bad[i][1], &out, &err) == WXPAY_ERR_INVALID_ARGUMENT);
        CHECK(out == NULL);
        CHECK_STR(wxpay_error_argument(err), bad[i][2]);
        wxpay_error_free(err);
    }
    wxpay_error_t *err = NULL;
    CHECK(wxpay_pay_params(c, "jsapi", NULL, &a, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
}

/* The server closes idle connections (a keep-alive timeout, a deployment): the next blocking
 * call must not fail on a pooled connection that is already closed. Blocking calls drive their
 * connections on the caller's thread only while a call runs, so this is where it would show. */
static void test_server_closes_idle_connections(wxpay_client_t *c) {
    for (int round = 0; round < 5; round++) {
        wxpay_response_t *r = NULL;
        CHECK(wxpay_close_transaction(c, "keepalive", NULL, &r, NULL) == WXPAY_OK);
        wxpay_response_free(r);
        sandbox(c, "POST", "close_connections", NULL);
        struct timespec pause = {0, 150 * 1000 * 1000};
        nanosleep(&pause, NULL);
        wxpay_error_t *err = NULL;
        r = NULL;
        wxpay_status s = wxpay_close_transaction(c, "after-server-close", NULL, &r, &err);
        CHECK(s == WXPAY_OK);
        if (s != WXPAY_OK) fprintf(stderr, "  after the server closed: %s\n", wxpay_error_message(err));
        wxpay_response_free(r);
        wxpay_error_free(err);
    }
}

/* A panic inside the core (debug builds: WXPAY_TEST_PANIC=1) is an INTERNAL error, sync and
 * async, and never reaches the host program's stderr (run.sh checks the output). */
static void test_panics_are_internal_errors(wxpay_client_t *c) {
    setenv("WXPAY_TEST_PANIC", "1", 1);
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_close_transaction(c, "panic-sync", NULL, &r, &err) == WXPAY_ERR_INTERNAL);
    CHECK(r == NULL);
    CHECK_STR(wxpay_error_code(err), "INTERNAL");
    CHECK(strstr(wxpay_error_message(err), "deliberate test panic") != NULL);
    wxpay_error_free(err);
    wxpay_future_t *f = NULL;
    CHECK(wxpay_close_transaction_start(c, "panic-async", NULL, &f, NULL) == WXPAY_OK);
    CHECK(wxpay_future_wait(f, 10000) == WXPAY_ERR_INTERNAL);
    err = NULL;
    CHECK(wxpay_future_take(f, &r, &err) == WXPAY_ERR_INTERNAL);
    CHECK(strstr(wxpay_error_message(err), "deliberate test panic") != NULL);
    wxpay_error_free(err);
    wxpay_future_free(f);
    unsetenv("WXPAY_TEST_PANIC");
    r = NULL;
    CHECK(wxpay_close_transaction(c, "after-panic", NULL, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
}

/*
 * Notifications. The sandbox mints one ({"id", "headers": [[name, value], ...], "body": "..."});
 * read_json_string takes the next JSON string after *p (escapes \" \\ \/ \n \t \uXXXX for
 * ASCII, enough for what the sandbox writes: UTF-8 stays raw) into a malloc'd buffer.
 */
static char *read_json_string(const char **p) {
    const char *s = strchr(*p, '"');
    if (!s) return NULL;
    s++;
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s && *s != '"') {
        if (*s == '\\') {
            s++;
            switch (*s) {
            case 'n': *o++ = '\n'; break;
            case 't': *o++ = '\t'; break;
            case 'r': *o++ = '\r'; break;
            case 'u': {
                unsigned v = 0;
                sscanf(s + 1, "%4x", &v);
                *o++ = (char)v; /* ASCII only in what the sandbox escapes */
                s += 4;
                break;
            }
            default: *o++ = *s;
            }
            s++;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    *p = *s ? s + 1 : s;
    return out;
}

typedef struct {
    int count;
    char *names[16], *values[16];
    char *body;
} minted_t;

static void mint(wxpay_client_t *c, const char *event, const char *fault, minted_t *m) {
    char ask[256];
    if (fault) snprintf(ask, sizeof ask, "{\"event\":\"%s\",\"fault\":\"%s\"}", event, fault);
    else snprintf(ask, sizeof ask, "{\"event\":\"%s\"}", event);
    char *json = sandbox_body(c, "POST", "notifications", ask);
    const char *p = strstr(json, "\"headers\":[");
    m->count = 0;
    p += strlen("\"headers\":[");
    while (*p == '[' && m->count < 16) {
        m->names[m->count] = read_json_string(&p);
        m->values[m->count] = read_json_string(&p);
        m->count++;
        p = strchr(p, ']') + 1;
        if (*p == ',') p++;
    }
    p = strstr(json, "\"body\":");
    p += strlen("\"body\":");
    m->body = read_json_string(&p);
    free(json);
}

static void minted_free(minted_t *m) {
    for (int i = 0; i < m->count; i++) {
        free(m->names[i]);
        free(m->values[i]);
    }
    free(m->body);
}

static wxpay_status parse_minted(wxpay_client_t *c, minted_t *m, wxpay_notification_t **n, wxpay_error_t **err) {
    return wxpay_notification_parse(c, (const char *const *)m->names, (const char *const *)m->values, (size_t)m->count,
                                    (const uint8_t *)m->body, strlen(m->body), 0, n, err);
}

static void test_notifications(wxpay_client_t *c, const char *tsv_path, int expected_cases) {
    char *tsv = read_file(tsv_path);
    int cases = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[8];
        if (split_tabs(line, f, 8) != 8) {
            fprintf(stderr, "bad notification line\n");
            failed++;
            continue;
        }
        int before = failed;
        minted_t m;
        mint(c, f[1], strcmp(f[2], "-") == 0 ? NULL : f[2], &m);
        wxpay_notification_t *n = NULL;
        wxpay_error_t *err = NULL;
        wxpay_status s = parse_minted(c, &m, &n, &err);
        char *answer_body = NULL;
        uint16_t answer = wxpay_notification_answer(err ? wxpay_error_code(err) : NULL, &answer_body);
        CHECK(answer == atoi(f[5]));
        if (strcmp(f[3], "-") == 0) {
            CHECK(s == WXPAY_OK);
            CHECK_STR(wxpay_notification_event_type(n), f[6]);
            CHECK(strstr(wxpay_notification_resource_json(n), "\"mchid\":\"1230000109\"") != NULL);
            CHECK(strstr(wxpay_notification_json(n), wxpay_notification_id(n)) != NULL);
            CHECK_STR(answer_body, "");
        } else {
            CHECK(s != WXPAY_OK && n == NULL);
            CHECK_STR(wxpay_error_code(err), f[3]);
            const char *vf = wxpay_error_verify_failure(err);
            if (strcmp(f[4], "-") == 0) CHECK(vf == NULL);
            else CHECK_STR(vf, f[4]);
            if (strcmp(f[7], "-") != 0) CHECK(strstr(wxpay_error_message(err), f[7]) != NULL);
            CHECK(strstr(answer_body, "\"code\":\"FAIL\"") != NULL);
        }
        if (failed != before) fprintf(stderr, "  notification case %s: %s\n", f[0], err ? wxpay_error_message(err) : "ok");
        wxpay_string_free(answer_body);
        wxpay_notification_free(n);
        wxpay_error_free(err);
        minted_free(&m);
        cases++;
    }
    CHECK(cases == expected_cases && cases > 0);
    free(tsv);

    /* Bad arguments: NULL arrays with a count, a NULL name, a NULL body with a length. */
    minted_t m;
    mint(c, "payment", NULL, &m);
    wxpay_notification_t *n = NULL;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_notification_parse(c, NULL, NULL, 3, (const uint8_t *)m.body, strlen(m.body), 0, &n, &err) ==
          WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "header_count") != NULL);
    wxpay_error_free(err);
    err = NULL;
    char *saved = m.names[1];
    m.names[1] = NULL;
    CHECK(parse_minted(c, &m, &n, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "header_names[1]") != NULL);
    m.names[1] = saved;
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_notification_parse(c, (const char *const *)m.names, (const char *const *)m.values, (size_t)m.count, NULL,
                                   5, 0, &n, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    err = NULL;
    CHECK(parse_minted(c, &m, NULL, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    /* A notification from long ago: `now` decides the window. */
    CHECK(wxpay_notification_parse(c, (const char *const *)m.names, (const char *const *)m.values, (size_t)m.count,
                                   (const uint8_t *)m.body, strlen(m.body), 1000000000, &n, NULL) == WXPAY_ERR_VERIFY);
    CHECK(wxpay_notification_answer(NULL, NULL) == 204);
    CHECK(wxpay_notification_answer("NOT_A_CODE", NULL) == 500);
    /* The same notification with its headers as JSON pairs. */
    char headers_json[4096] = "[";
    for (int i = 0; i < m.count; i++) {
        size_t at = strlen(headers_json);
        snprintf(headers_json + at, sizeof headers_json - at, "%s[\"%s\",\"%s\"]", i ? "," : "", m.names[i],
                 m.values[i]);
    }
    strcat(headers_json, "]");
    CHECK(wxpay_notification_parse_json(c, headers_json, (const uint8_t *)m.body, strlen(m.body), 0, &n, NULL) ==
          WXPAY_OK);
    CHECK_STR(wxpay_notification_event_type(n), "TRANSACTION.SUCCESS");
    wxpay_notification_free(n);
    n = NULL;
    err = NULL;
    CHECK(wxpay_notification_parse_json(c, "{\"a\":{}}", (const uint8_t *)m.body, strlen(m.body), 0, &n, &err) ==
          WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    minted_free(&m);

    /* Sensitive fields: a round trip through the merchant's own key is not possible (WeChat Pay
     * holds the platform key), so check the shape, the serial and the limit. */
    char *ct = NULL, *serial = NULL;
    CHECK(wxpay_encrypt_field(c, "\xe5\xbc\xa0\xe4\xb8\x89", &ct, &serial, NULL) == WXPAY_OK);
    CHECK(ct != NULL && strlen(ct) == 344);
    CHECK(serial != NULL && strncmp(serial, "PUB_KEY_ID_", 11) == 0);
    wxpay_string_free(ct);
    wxpay_string_free(serial);
    char big[216];
    memset(big, 'a', 215);
    big[215] = '\0';
    err = NULL;
    CHECK(wxpay_encrypt_field(c, big, &ct, &serial, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "214") != NULL && strstr(wxpay_error_message(err), "aaaa") == NULL);
    wxpay_error_free(err);
    char *plain = NULL;
    err = NULL;
    CHECK(wxpay_decrypt_field(c, "AAAA", &plain, &err) == WXPAY_ERR_DECODE && plain == NULL);
    wxpay_error_free(err);

    /* The security self-test, blocking and as a future; its encrypted echo (for the merchant
     * key) decrypts with wxpay_decrypt_field. */
    wxpay_response_t *r = NULL;
    err = NULL;
    CHECK(wxpay_security_echo(c, "hello \xe4\xbd\xa0\xe5\xa5\xbd", NULL, &r, &err) == WXPAY_OK);
    if (r) {
        CHECK(wxpay_response_status(r) == 200);
        size_t len = 0;
        const uint8_t *b = wxpay_response_body(r, &len);
        char *text = strndup((const char *)b, len);
        const char *p = strstr(text, "\"encrypted_echo_message\":");
        if (p) {
            p += strlen("\"encrypted_echo_message\":");
            char *echo = read_json_string(&p);
            plain = NULL;
            CHECK(wxpay_decrypt_field(c, echo, &plain, NULL) == WXPAY_OK);
            CHECK_STR(plain, "hello \xe4\xbd\xa0\xe5\xa5\xbd");
            wxpay_string_free(plain);
            free(echo);
        } else {
            CHECK(p != NULL);
        }
        free(text);
    } else {
        fprintf(stderr, "  security echo: %s\n", wxpay_error_message(err));
    }
    wxpay_response_free(r);
    wxpay_error_free(err);
    wxpay_future_t *f = NULL;
    CHECK(wxpay_security_echo_start(c, "async", NULL, &f, NULL) == WXPAY_OK);
    r = NULL;
    CHECK(wxpay_future_wait(f, -1) == WXPAY_OK && wxpay_future_take(f, &r, NULL) == WXPAY_OK);
    CHECK(r != NULL && wxpay_response_status(r) == 200);
    wxpay_response_free(r);
    wxpay_future_free(f);
    err = NULL;
    CHECK(wxpay_security_echo(c, "", NULL, &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
}

/* Platform certificates: a client with only the APIv3 key downloads them on first use and
 * survives a rotation under 64 concurrent futures with one more download; a wrong APIv3 key is
 * reported; the switch to the public key is survived when it is configured. */
/* The sandbox's count of certificate downloads (one sandbox serves every run of this suite). */
static long sandbox_downloads(wxpay_client_t *admin) {
    char *state = sandbox_body(admin, "GET", "certificates", NULL);
    const char *p = strstr(state, "\"downloads\":");
    long n = p ? atol(p + strlen("\"downloads\":")) : -1;
    free(state);
    return n;
}

static void test_certificates(wxpay_client_t *admin) {
    sandbox(admin, "POST", "certificates", "{\"mode\":\"certificate\"}");
    const long before = sandbox_downloads(admin);
    /* Generous deadlines: 64 calls at once run under valgrind too. */
    wxpay_client_t *a = client_with("\"auto_certificates\":true,\"certs\":{},\"user_agent\":\"c-auto\","
                                    "\"timeout_ms\":120000,\"connect_timeout_ms\":120000");
    CHECK(a != NULL);
    if (a) {
        char *json = NULL;
        CHECK(wxpay_certificates(a, &json, NULL) == WXPAY_OK && strstr(json, "\"keys\":[]") != NULL);
        wxpay_string_free(json);
        wxpay_response_t *r = NULL;
        wxpay_error_t *err = NULL;
        CHECK(wxpay_close_transaction(a, "c-auto-1", NULL, &r, &err) == WXPAY_OK);
        if (err) fprintf(stderr, "  certificates: %s\n", wxpay_error_message(err));
        wxpay_error_free(err);
        wxpay_response_free(r);
        json = NULL;
        CHECK(wxpay_certificates(a, &json, NULL) == WXPAY_OK &&
              strstr(json, "\"source\":\"downloaded\"") != NULL &&
              strstr(json, "\"source\":\"configured\"") == NULL);
        wxpay_string_free(json);
        sandbox(admin, "POST", "certificates", "{\"action\":\"rotate\"}");
        enum { N = 64 };
        wxpay_future_t *f[N];
        for (int i = 0; i < N; i++) {
            char id[32];
            snprintf(id, sizeof id, "c-rot-%d", i);
            f[i] = NULL;
            CHECK(wxpay_close_transaction_start(a, id, NULL, &f[i], NULL) == WXPAY_OK);
        }
        int ok = 0;
        for (int i = 0; i < N; i++) {
            wxpay_response_t *fr = NULL;
            if (f[i] && wxpay_future_wait(f[i], -1) == WXPAY_OK && wxpay_future_take(f[i], &fr, NULL) == WXPAY_OK) ok++;
            wxpay_response_free(fr);
            wxpay_future_free(f[i]);
        }
        CHECK(ok == N);
        CHECK(sandbox_downloads(admin) == before + 2); /* first use, then one for the rotation */
        CHECK(wxpay_certificates(NULL, &json, NULL) == WXPAY_ERR_INVALID_ARGUMENT);
        wxpay_client_free(a);
    }
    /* A wrong APIv3 key: the first call says so, and the failure is on record. */
    wxpay_client_t *w = client_with("\"auto_certificates\":true,\"certs\":{},\"user_agent\":\"c-wrong\","
                                    "\"apiv3_key\":\"0123456789abcdef0123456789ABCDEF\"");
    if (w) {
        wxpay_response_t *r = NULL;
        wxpay_error_t *err = NULL;
        CHECK(wxpay_close_transaction(w, "c-wrong", NULL, &r, &err) == WXPAY_ERR_DECODE);
        CHECK(err && strstr(wxpay_error_message(err), "wrong APIv3 key") != NULL);
        wxpay_error_free(err);
        char *json = NULL;
        CHECK(wxpay_certificates(w, &json, NULL) == WXPAY_OK && strstr(json, "wrong APIv3 key") != NULL);
        wxpay_string_free(json);
        wxpay_client_free(w);
    }
    /* The switch to the public key (configured next to automatic certificates): calls go on. */
    sandbox(admin, "POST", "certificates", "{\"mode\":\"public_key_only\"}");
    wxpay_client_t *m = client_with("\"auto_certificates\":true,\"user_agent\":\"c-migrating\"");
    if (m) {
        wxpay_response_t *r = NULL;
        CHECK(wxpay_close_transaction(m, "c-switched", NULL, &r, NULL) == WXPAY_OK);
        wxpay_response_free(r);
        char *json = NULL;
        CHECK(wxpay_certificates(m, &json, NULL) == WXPAY_OK && strstr(json, "\"public_key_only\":true") != NULL);
        wxpay_string_free(json);
        wxpay_client_free(m);
    }
    sandbox(admin, "POST", "certificates", "{\"mode\":\"public_key\"}");
}

/* Behind the sandbox's CONNECT proxy: the host resolves to a dead port, so only the proxy can
 * reach it (TLS end to end); a dead proxy is TRANSPORT, not sent, and never shows the password. */
static void test_proxy(const char *proxy) {
    char extra[512];
    snprintf(extra, sizeof extra,
             "\"proxy\":\"%s\",\"resolve\":{\"api.mch.weixin.qq.com\":\"127.0.0.1:9\"},\"user_agent\":\"c-proxy\"", proxy);
    wxpay_client_t *p = client_with(extra);
    CHECK(p != NULL);
    wxpay_response_t *r = NULL;
    CHECK(p && wxpay_close_transaction(p, "c-via-proxy", NULL, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
    wxpay_client_free(p);
    const char *at = strchr(proxy + strlen("http://"), '@');
    const char *colon = strchr(proxy + strlen("http://"), ':');
    char secret[128] = "";
    if (at && colon && colon < at && (size_t)(at - colon - 1) < sizeof secret) {
        memcpy(secret, colon + 1, (size_t)(at - colon - 1));
        secret[at - colon - 1] = '\0';
    }
    CHECK(secret[0] != '\0');
    snprintf(extra, sizeof extra, "\"proxy\":\"http://u:%s@127.0.0.1:9\",\"user_agent\":\"c-dead-proxy\"", secret);
    wxpay_client_t *d = client_with(extra);
    wxpay_error_t *err = NULL;
    CHECK(d && wxpay_close_transaction(d, "c-dead", NULL, &r, &err) == WXPAY_ERR_TRANSPORT);
    CHECK(err && !wxpay_error_may_have_been_sent(err) && strstr(wxpay_error_json(err), secret) == NULL);
    wxpay_error_free(err);
    wxpay_client_free(d);
}

/* The notification vectors (tests/vectors/notifications.json, made without wxpay): the core's
 * JSON of each parsed notification must be byte-identical to the generator's. */
static void test_notification_vectors(const char *tsv_path) {
    char *tsv = read_file(tsv_path);
    int cases = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[8];
        if (split_tabs(line, f, 8) != 8) {
            failed++;
            continue;
        }
        int before = failed;
        wxpay_client_t *vc = NULL;
        CHECK(wxpay_client_new(f[1], &vc, NULL) == WXPAY_OK);
        wxpay_notification_t *n = NULL;
        wxpay_error_t *err = NULL;
        wxpay_status s = wxpay_notification_parse_json(vc, f[2], (const uint8_t *)f[3], strlen(f[3]), atoll(f[4]), &n, &err);
        if (strcmp(f[5], "-") == 0) {
            CHECK(s == WXPAY_OK);
            CHECK_STR(wxpay_notification_json(n), f[6]);
        } else {
            CHECK_STR(wxpay_error_code(err), f[5]);
            CHECK(strstr(wxpay_error_message(err), f[7]) != NULL);
        }
        if (failed != before) fprintf(stderr, "  notification vector %s: %s\n", f[0], err ? wxpay_error_message(err) : "");
        wxpay_notification_free(n);
        wxpay_error_free(err);
        wxpay_client_free(vc);
        cases++;
    }
    CHECK(cases >= 3);
    free(tsv);
}


/* Events (wxpay_client_set_event_callback): copied out of the callback, with the thread it ran on. */
#define MAX_EVENTS 32
static struct {
    int count;
    wxpay_event_kind kind[MAX_EVENTS];
    unsigned attempt[MAX_EVENTS];
    unsigned status[MAX_EVENTS];
    int will_retry[MAX_EVENTS];
    char request_id[MAX_EVENTS][64];
    char outcome[MAX_EVENTS][32];
    char summary[MAX_EVENTS][256];
    int on_caller_thread[MAX_EVENTS];
    int secret_seen;
} events;

static void on_event(void *userdata, const wxpay_event_t *e) {
    pthread_t *caller = userdata;
    if (events.count >= MAX_EVENTS) return;
    int i = events.count++;
    events.kind[i] = e->kind;
    events.attempt[i] = e->attempt;
    events.status[i] = e->status;
    events.will_retry[i] = e->will_retry;
    snprintf(events.request_id[i], sizeof events.request_id[i], "%s", e->request_id ? e->request_id : "");
    snprintf(events.outcome[i], sizeof events.outcome[i], "%s", e->outcome ? e->outcome : "");
    snprintf(events.summary[i], sizeof events.summary[i], "%s", e->summary);
    events.on_caller_thread[i] = pthread_equal(*caller, pthread_self());
    if (strstr(e->json, "WECHATPAY2") || strstr(e->json, "mchid") || strstr(e->summary, "mchid")) events.secret_seen = 1;
}

/* The retried sequence: request 1, response 1 (503, retried), request 2, response 2 (204), call. */
static void check_retry_events(wxpay_client_t *control, const char *txid) {
    CHECK(events.count == 5);
    if (events.count != 5) return;
    CHECK(events.kind[0] == WXPAY_EVENT_REQUEST && events.attempt[0] == 1);
    CHECK(events.kind[1] == WXPAY_EVENT_RESPONSE && events.status[1] == 503 && events.will_retry[1]);
    CHECK_STR(events.outcome[1], "API");
    CHECK(events.kind[3] == WXPAY_EVENT_RESPONSE && events.status[3] == 204 && !events.will_retry[3]);
    CHECK(events.kind[4] == WXPAY_EVENT_CALL && events.attempt[4] == 2 && events.status[4] == 204);
    CHECK_STR(events.outcome[4], "OK");
    CHECK(strstr(events.summary[1], "attempt 1: 503 API SERVICE_UNAVAILABLE") != NULL);
    CHECK(strstr(events.summary[1], txid) != NULL);
    for (int i = 0; i < events.count; i++) CHECK(events.on_caller_thread[i]);
    CHECK(!events.secret_seen);
    /* The Request-IDs are the ones the sandbox sent, in order. */
    char *log = sandbox_body(control, "GET", "requests?summary", NULL);
    const char *first = strstr(log, events.request_id[1]);
    const char *second = strstr(log, events.request_id[3]);
    CHECK(events.request_id[1][0] && first != NULL);
    CHECK(events.request_id[3][0] && second != NULL && first < second);
    CHECK_STR(events.request_id[4], events.request_id[3]);
    free(log);
}

static void test_events(wxpay_client_t *control) {
    pthread_t me = pthread_self();
    wxpay_client_t *c = client_with("\"retries\":2");
    CHECK(c && wxpay_client_set_event_callback(c, on_event, &me, NULL) == WXPAY_OK);
    if (!c) return;

    memset(&events, 0, sizeof events);
    sandbox(control, "POST", "faults", "{\"fault\":\"status\",\"status\":503,\"path\":\"c-events-sync\"}");
    wxpay_response_t *r = NULL;
    CHECK(wxpay_close_transaction(c, "c-events-sync", NULL, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
    check_retry_events(control, "c-events-sync");

    /* A future: the events reach the callback in wait/take, on this thread. */
    memset(&events, 0, sizeof events);
    sandbox(control, "POST", "faults", "{\"fault\":\"status\",\"status\":503,\"path\":\"c-events-async\"}");
    wxpay_future_t *f = NULL;
    CHECK(wxpay_close_transaction_start(c, "c-events-async", NULL, &f, NULL) == WXPAY_OK);
    CHECK(wxpay_future_wait(f, -1) == WXPAY_OK);
    r = NULL;
    CHECK(wxpay_future_take(f, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
    wxpay_future_free(f);
    check_retry_events(control, "c-events-async");

    /* Removed: no more events. */
    memset(&events, 0, sizeof events);
    CHECK(wxpay_client_set_event_callback(c, NULL, NULL, NULL) == WXPAY_OK);
    CHECK(wxpay_close_transaction(c, "c-events-none", NULL, &r, NULL) == WXPAY_OK);
    wxpay_response_free(r);
    CHECK(events.count == 0);
    wxpay_error_t *err = NULL;
    CHECK(wxpay_client_set_event_callback(NULL, on_event, NULL, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    wxpay_client_free(c);
}

/* Files: uploads signed over their meta, the B1 bill and statement with their digest checked,
 * a wrong digest leaving no file behind. */
static void test_files(wxpay_client_t *c) {
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    const uint8_t png[] = {0x89, 'P', 'N', 'G', 1, 2, 3};
    CHECK(wxpay_upload_bytes(c, "v3/merchant/media/upload", "{\"filename\":\"photo.png\",\"meta\":{}}", png,
                             sizeof png, &r, &err) == WXPAY_OK);
    size_t len = 0;
    const uint8_t *body = r ? wxpay_response_body(r, &len) : NULL;
    CHECK(body && memmem(body, len, "sandbox-media-", 14) != NULL);
    wxpay_response_free(r);
    r = NULL;

    char dir[] = "/tmp/wxpay-c-files-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char big[256], out[256];
    snprintf(big, sizeof big, "%s/big.jpg", dir);
    snprintf(out, sizeof out, "%s/bill.csv", dir);
    FILE *f = fopen(big, "wb");
    for (int i = 0; f && i < 6 * 1024; i++) {
        char kb[1024] = {0};
        fwrite(kb, 1, sizeof kb, f);
    }
    if (f) fclose(f);
    CHECK(wxpay_upload(c, "v3/merchant/media/upload", NULL, big, &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(err && strstr(wxpay_error_message(err), "at most 5242880 bytes") != NULL);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_upload_bytes(c, "v3/merchant/media/upload", NULL, png, sizeof png, &r, &err) ==
          WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(err && strstr(wxpay_error_message(err), "filename") != NULL);
    wxpay_error_free(err);
    err = NULL;

    char *json = NULL;
    CHECK(wxpay_download(c, "{\"bill\":\"tradebill\",\"query\":{\"bill_date\":\"2019-02-01\",\"tar_type\":\"GZIP\"}}",
                         out, &json, &err) == WXPAY_OK);
    CHECK(json && strstr(json, "\"sha1\":\"9bb6cd819be348f17a9cbcedddc8eb62fefbd790\"") != NULL);
    CHECK(json && strstr(json, "\"checked\":true") != NULL);
    wxpay_string_free(json);
    json = NULL;
    CHECK(access(out, F_OK) == 0);
    CHECK(wxpay_download(c, "{\"statement\":\"hk\",\"query\":{\"date\":\"20190201\",\"mchid\":\"1230000109\"}}", out,
                         &json, &err) == WXPAY_OK);
    CHECK(json && strstr(json, "9bb6cd819be348f17a9cbcedddc8eb62fefbd790") != NULL);
    wxpay_string_free(json);
    json = NULL;
    unlink(out);

    sandbox(c, "POST", "faults", "{\"fault\":\"wrong_digest\",\"path\":\"/v3/bill/tradebill\"}");
    CHECK(wxpay_download(c, "{\"bill\":\"tradebill\",\"query\":{\"bill_date\":\"2026-11-26\"}}", out, &json, &err) ==
          WXPAY_ERR_VERIFY);
    CHECK(err && wxpay_error_verify_failure(err) && strcmp(wxpay_error_verify_failure(err), "DIGEST_MISMATCH") == 0);
    CHECK(json == NULL && access(out, F_OK) != 0);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_download(c, "{\"url\":\"https://evil.example/x\"}", out, &json, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    CHECK(wxpay_download(c, NULL, out, &json, NULL) == WXPAY_ERR_INVALID_ARGUMENT);
    unlink(big);
    rmdir(dir);
}

/* The generic entry and the generated wrappers of include/wxpay_calls.h: a query by
 * out_trade_no through the catalogue, its typed result, argument errors naming the argument,
 * unknown calls, the async twin and the dry run. */
static void test_generic_call(wxpay_client_t *c) {
    const char *cat = wxpay_catalogue_json();
    CHECK(cat != NULL && strstr(cat, "\"query_out_trade_no\"") != NULL);
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_call_close_out_trade_no(c, "{\"out_trade_no\":\"shop-call-1\"}", &r, NULL) == WXPAY_OK);
    CHECK(wxpay_response_status(r) == 204);
    CHECK(wxpay_response_result_json(r) != NULL);
    wxpay_response_free(r);
    r = NULL;
    CHECK(wxpay_call_query_out_trade_no(c, "{\"out_trade_no\":\"shop-call-1\"}", &r, &err) == WXPAY_OK);
    CHECK(wxpay_response_status(r) == 200);
    const char *res = wxpay_response_result_json(r);
    CHECK(res != NULL && strstr(res, "\"trade_state\":\"CLOSED\"") != NULL);
    CHECK(res != NULL && strstr(res, "\"raw\":") != NULL);
    wxpay_response_free(r);
    r = NULL;
    /* A generic request has no typed result. */
    CHECK(wxpay_request(c, "POST", SEED_TEMPLATE, SEED_OPTIONS, &r, NULL) == WXPAY_OK);
    CHECK(wxpay_response_result_json(r) == NULL);
    wxpay_response_free(r);
    r = NULL;

    CHECK(wxpay_call_query_out_trade_no(c, "{\"out_trade_no\":\"a/b\"}", &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK_STR(wxpay_error_argument(err), "out_trade_no");
    CHECK(strstr(wxpay_error_json(err), "\"argument\":\"out_trade_no\"") != NULL);
    CHECK(!wxpay_error_may_have_been_sent(err));
    CHECK(r == NULL);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_call(c, "query_out_trade_no", "{\"outTradeNo\":\"shop-call-1\",\"out_trade_no\":\"x\"}", &r, &err) ==
          WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "same option") != NULL);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_call(c, "query_out_trade_no", "{}", &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK_STR(wxpay_error_argument(err), "out_trade_no");
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_call(c, "no_such_call", NULL, &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK(strstr(wxpay_error_message(err), "no_such_call") != NULL);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_call(c, "query_out_trade_no", "[1]", &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    err = NULL;
    CHECK(wxpay_call(c, NULL, NULL, &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    wxpay_error_free(err);
    err = NULL;

    wxpay_future_t *f = NULL;
    CHECK(wxpay_call_query_transaction_start(c, "{\"transaction_id\":\"4200000001\"}", &f, NULL) == WXPAY_OK);
    CHECK(wxpay_future_wait(f, -1) == WXPAY_OK);
    CHECK(wxpay_future_take(f, &r, NULL) == WXPAY_OK);
    CHECK(wxpay_response_status(r) == 200);
    res = wxpay_response_result_json(r);
    CHECK(res != NULL && strstr(res, "\"transaction_id\"") != NULL);
    wxpay_response_free(r);
    wxpay_future_free(f);
    r = NULL;

    char *prepared = NULL;
    CHECK(wxpay_call_prepare(c, "close_transaction", "{\"transaction_id\":\"4200000001\"}", 1700000000, "nonce1",
                             &prepared, NULL) == WXPAY_OK);
    CHECK(prepared != NULL && strstr(prepared, "/hk/v3/transactions/id/4200000001/close") != NULL);
    wxpay_string_free(prepared);
}

/* The payment day through the typed wrappers of wxpay_calls.h against the stateful sandbox:
 * create, the payer pays (the control API), query, close refused, refund, code pay waiting for
 * the payer (async), a bad amount refused by name before anything is sent. */
static void test_payment_day(wxpay_client_t *c) {
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    CHECK(wxpay_call_create_native(c,
                                   "{\"endpoint\":\"mainland\",\"appid\":\"wxd678efh567hg6787\",\"out_trade_no\":"
                                   "\"c-day-1\",\"description\":\"Tea\",\"amount\":100,\"notify_url\":"
                                   "\"http://127.0.0.1:9/notify\"}",
                                   &r, &err) == WXPAY_OK);
    const char *res = r ? wxpay_response_result_json(r) : NULL;
    CHECK(res != NULL && strstr(res, "\"code_url\":\"weixin://wxpay/bizpayurl?pr=") != NULL);
    wxpay_response_free(r);
    r = NULL;

    char *paid = sandbox_body(c, "POST", "pay", "{\"out_trade_no\":\"c-day-1\"}");
    CHECK(strstr(paid, "\"trade_state\":\"SUCCESS\"") != NULL);
    free(paid);
    CHECK(wxpay_call_query_out_trade_no(c, "{\"endpoint\":\"mainland\",\"out_trade_no\":\"c-day-1\"}", &r, &err) ==
          WXPAY_OK);
    res = r ? wxpay_response_result_json(r) : NULL;
    CHECK(res != NULL && strstr(res, "\"trade_state\":\"SUCCESS\"") != NULL && strstr(res, "\"total\":100") != NULL);
    wxpay_response_free(r);
    r = NULL;

    CHECK(wxpay_call_close_out_trade_no(c, "{\"endpoint\":\"mainland\",\"out_trade_no\":\"c-day-1\"}", &r, &err) ==
          WXPAY_ERR_API);
    CHECK_STR(wxpay_error_api_code(err), "ORDERPAID");
    wxpay_error_free(err);
    err = NULL;

    CHECK(wxpay_call_create_refund(c,
                                   "{\"endpoint\":\"mainland\",\"out_trade_no\":\"c-day-1\",\"out_refund_no\":"
                                   "\"c-day-1-r1\",\"refund\":60,\"total\":100}",
                                   &r, &err) == WXPAY_OK);
    res = r ? wxpay_response_result_json(r) : NULL;
    CHECK(res != NULL && strstr(res, "\"refund_status\":\"PROCESSING\"") != NULL);
    wxpay_response_free(r);
    r = NULL;
    /* More than what is left: WeChat Pay's refusal, not a silent cap. */
    CHECK(wxpay_call_create_refund(c,
                                   "{\"endpoint\":\"mainland\",\"out_trade_no\":\"c-day-1\",\"out_refund_no\":"
                                   "\"c-day-1-r2\",\"refund\":50,\"total\":100}",
                                   &r, &err) == WXPAY_ERR_API);
    CHECK_STR(wxpay_error_api_code(err), "INVALID_REQUEST");
    wxpay_error_free(err);
    err = NULL;

    wxpay_future_t *f = NULL;
    CHECK(wxpay_call_create_micropay_start(c,
                                           "{\"endpoint\":\"mainland\",\"appid\":\"wxd678efh567hg6787\",\"out_trade_no\":"
                                           "\"c-code-1\",\"description\":\"Coffee\",\"amount\":30,\"auth_code\":"
                                           "\"130112345678901234\",\"scene_info\":{\"store_info\":{\"out_id\":\"s1\"}}}",
                                           &f, &err) == WXPAY_OK);
    CHECK(wxpay_future_wait(f, -1) == WXPAY_OK);
    CHECK(wxpay_future_take(f, &r, &err) == WXPAY_OK);
    res = r ? wxpay_response_result_json(r) : NULL;
    CHECK(res != NULL && strstr(res, "\"trade_state\":\"USERPAYING\"") != NULL);
    CHECK(r != NULL && wxpay_response_status(r) == 202);
    wxpay_response_free(r);
    wxpay_future_free(f);
    r = NULL;

    CHECK(wxpay_call_create_native(c,
                                   "{\"endpoint\":\"mainland\",\"appid\":\"wxd678efh567hg6787\",\"out_trade_no\":"
                                   "\"c-day-2\",\"description\":\"Tea\",\"amount\":-1,\"notify_url\":"
                                   "\"http://127.0.0.1:9/notify\"}",
                                   &r, &err) == WXPAY_ERR_INVALID_ARGUMENT);
    CHECK_STR(wxpay_error_argument(err), "amount");
    CHECK(!wxpay_error_may_have_been_sent(err));
    CHECK(r == NULL);
    wxpay_error_free(err);
}

/* `s` with every `from` replaced by `to` (a new string; `s` is freed). */
static char *replace_all(char *s, const char *from, const char *to) {
    size_t nf = strlen(from), nt = strlen(to), count = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + nf, from)) count++;
    if (!count) return s;
    char *out = malloc(strlen(s) + count * nt + 1), *o = out;
    const char *p = s;
    for (const char *q = strstr(p, from); q; q = strstr(p, from)) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, nt);
        o += nt;
        p = q + nf;
    }
    strcpy(o, p);
    free(s);
    return out;
}

/* The string field `field` of the compact JSON object `json` ("" when absent): a new string. */
static char *json_string_field(const char *json, const char *field) {
    char needle[128];
    snprintf(needle, sizeof needle, "\"%s\":\"", field);
    const char *p = json ? strstr(json, needle) : NULL;
    if (!p) return strdup("");
    p += strlen(needle);
    const char *end = strchr(p, '"');
    return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

#define PAYDAY_SAVES 8
/* `text` with {run} and each {name.field} (of the fields the script uses) filled from the
 * results saved so far: a new string. */
static char *payday_fill(const char *text, const char *run, char *const names[], char *const results[], int saves) {
    char *out = replace_all(strdup(text), "{run}", run);
    const char *fields[] = {"transaction_id", "refund_id"};
    for (int k = 0; k < saves; k++) {
        for (size_t x = 0; x < sizeof fields / sizeof *fields; x++) {
            char from[96];
            snprintf(from, sizeof from, "{%s.%s}", names[k], fields[x]);
            char *value = json_string_field(results[k], fields[x]);
            out = replace_all(out, from, value);
            free(value);
        }
    }
    return out;
}
/* tests/vectors/payday.json through wxpay_call (the typed wrappers' entry), as every language
 * runs it through its typed methods: {run} and {name.field} filled from earlier results. */
static void test_payday_script(wxpay_client_t *c, const char *tsv_path, int expected_steps) {
    char *tsv = read_file(tsv_path);
    char run[16];
    snprintf(run, sizeof run, "c%lx", (unsigned long)time(NULL) ^ (unsigned long)getpid());
    char *names[PAYDAY_SAVES] = {0}, *results[PAYDAY_SAVES] = {0};
    int saves = 0, steps = 0;
    char *save = NULL;
    for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        if (split_tabs(line, f, 8) != 7) {
            fprintf(stderr, "bad payday line\n");
            failed++;
            continue;
        }
        steps++;
        char *args = payday_fill(f[2], run, names, results, saves);
        int before = failed;
        if (strcmp(f[0], "pay") == 0) {
            char opts[1024];
            snprintf(opts, sizeof opts, "{\"base_uri\":\"https://api.mch.weixin.qq.com/_sandbox/\",\"json\":%s}", args);
            wxpay_response_t *r = NULL;
            wxpay_error_t *err = NULL;
            wxpay_status st = wxpay_request(c, "POST", "pay", opts, &r, &err);
            int status = st == WXPAY_OK ? wxpay_response_status(r) : (err ? wxpay_error_http_status(err) : 0);
            CHECK(status == atoi(f[5]));
            wxpay_response_free(r);
            wxpay_error_free(err);
        } else {
            wxpay_response_t *r = NULL;
            wxpay_error_t *err = NULL;
            wxpay_status st = wxpay_call(c, f[1], args, &r, &err);
            if (strcmp(f[3], "-") != 0) {
                CHECK(st == WXPAY_ERR_API);
                CHECK_STR(wxpay_error_api_code(err), f[3]);
            } else {
                CHECK(st == WXPAY_OK);
                const char *res = r ? wxpay_response_result_json(r) : NULL;
                char *expects = strcmp(f[6], "-") == 0 ? NULL : f[6];
                for (char *e = expects, *next; e; e = next) {
                    next = strchr(e, '\x1f');
                    if (next) *next++ = '\0';
                    char *sep = strchr(e, '\x1e');
                    if (!sep) continue;
                    *sep = '\0';
                    char needle[512];
                    if (strcmp(sep + 1, "*") == 0) {
                        char *value = json_string_field(res, e);
                        CHECK(value[0] != '\0');
                        free(value);
                    } else {
                        char *want = payday_fill(sep + 1, run, names, results, saves);
                        snprintf(needle, sizeof needle, "\"%s\":%s", e, want);
                        CHECK(res != NULL && strstr(res, needle) != NULL);
                        if (!res || !strstr(res, needle)) fprintf(stderr, "  wanted %s in %s\n", needle, res ? res : "(none)");
                        free(want);
                    }
                }
                if (strcmp(f[4], "-") != 0 && saves < PAYDAY_SAVES && res) {
                    names[saves] = strdup(f[4]);
                    results[saves] = strdup(res);
                    saves++;
                }
            }
            wxpay_response_free(r);
            if (failed != before && err) fprintf(stderr, "  %s: %s\n", f[1], wxpay_error_message(err));
            wxpay_error_free(err);
        }
        if (failed != before) fprintf(stderr, "  payday step %d (%s %s) failed\n", steps - 1, f[0], f[1]);
        free(args);
    }
    CHECK(steps == expected_steps && steps > 0);
    for (int k = 0; k < saves; k++) {
        free(names[k]);
        free(results[k]);
    }
    free(tsv);
}

int main(void) {
    const char *cfg_path = getenv("WXPAY_TEST_CONFIG");
    const char *vectors_path = getenv("WXPAY_VECTORS");
    if (!cfg_path || !vectors_path) {
        fprintf(stderr, "set WXPAY_TEST_CONFIG and WXPAY_VECTORS (run ffi-c/tests/run.sh)\n");
        return 2;
    }
    config_text = read_file(cfg_path);
    char *vectors = read_file(vectors_path);
    /* Under valgrind everything is ~50x slower: generous deadlines, and the timing-based fault
     * matrix is left to the native runs (WXPAY_SLOW is set by run.sh for valgrind). */
    const int slow = getenv("WXPAY_SLOW") != NULL;
    /* (64 threads each open a TLS connection of their own: slow under valgrind) */
    wxpay_client_t *c =
        client_with(slow ? "\"retries\":0,\"timeout_ms\":120000,\"connect_timeout_ms\":120000" : "\"retries\":0");
    if (!c) return 2;

    test_version_and_null_frees();
    test_seed_close(c);
    test_repeated_header(c);
    test_typed_close(c);
    test_generic_call(c);
    test_payment_day(c);
    const char *payday = getenv("WXPAY_PAYDAY_TSV");
    if (payday) {
        test_payday_script(c, payday, atoi(getenv("WXPAY_PAYDAY_STEPS")));
    } else {
        fprintf(stderr, "WXPAY_PAYDAY_TSV is not set: the payday script did not run\n");
        failed++;
    }
    test_api_error(c);
    test_verify_and_decode_errors(c);
    test_transport_and_timeout(c);
    test_config_errors();
    test_client_cache(c);
    test_invalid_arguments(c);
    test_sign_prepare_and_chain(c, vectors);
    test_verify_utility(c);
    test_threads_share_one_client(c);
    test_async_poll_wait_take(c);
    test_freeing_a_future_cancels_its_retries(c, slow);
    const char *faults = getenv("WXPAY_FAULTS_TSV");
    if (slow) {
        printf("(fault matrix skipped under valgrind: it asserts deadlines)\n");
    } else if (faults) {
        test_fault_matrix(c, faults, getenv("WXPAY_SANDBOX_ADDR"), atol(getenv("WXPAY_FAULT_TIMEOUT_MS")),
                          atol(getenv("WXPAY_FAULT_RETRIES")), atoi(getenv("WXPAY_FAULT_CASES")));
    } else {
        fprintf(stderr, "WXPAY_FAULTS_TSV is not set: the fault matrix did not run\n");
        failed++;
    }

    const char *bad = getenv("WXPAY_BAD_INPUTS_TSV");
    if (bad) {
        test_bad_inputs(c, bad, atoi(getenv("WXPAY_BAD_INPUT_CASES")));
    } else {
        fprintf(stderr, "WXPAY_BAD_INPUTS_TSV is not set: the bad-input catalogue did not run\n");
        failed++;
    }
    const char *bad_calls = getenv("WXPAY_BAD_CALLS_TSV");
    if (bad_calls) {
        test_bad_calls(c, bad_calls, atoi(getenv("WXPAY_BAD_CALL_CASES")));
    } else {
        fprintf(stderr, "WXPAY_BAD_CALLS_TSV is not set: the bad-call catalogue did not run\n");
        failed++;
    }
    const char *pay_params = getenv("WXPAY_PAY_PARAMS_TSV");
    if (pay_params) {
        test_pay_params(c, pay_params, atoi(getenv("WXPAY_PAY_PARAM_CASES")));
    } else {
        fprintf(stderr, "WXPAY_PAY_PARAMS_TSV is not set: the pay-parameter vectors did not run\n");
        failed++;
    }
    const char *notifications = getenv("WXPAY_NOTIFICATIONS_TSV");
    if (notifications) {
        test_notifications(c, notifications, atoi(getenv("WXPAY_NOTIFICATION_CASES")));
    } else {
        fprintf(stderr, "WXPAY_NOTIFICATIONS_TSV is not set: the notification cases did not run\n");
        failed++;
    }
    test_certificates(c);
    const char *proxy = getenv("WXPAY_SANDBOX_PROXY");
    if (proxy) {
        test_proxy(proxy);
    } else {
        fprintf(stderr, "WXPAY_SANDBOX_PROXY is not set: the proxy test did not run\n");
        failed++;
    }
    const char *nvectors = getenv("WXPAY_NOTIFICATION_VECTORS_TSV");
    if (nvectors) {
        test_notification_vectors(nvectors);
    } else {
        fprintf(stderr, "WXPAY_NOTIFICATION_VECTORS_TSV is not set: the notification vectors did not run\n");
        failed++;
    }
    test_events(c);
    test_files(c);
    test_panics_are_internal_errors(c);
    test_server_closes_idle_connections(c);

    wxpay_client_free(c);
    free(config_text);
    free(vectors);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
