/*
 * wxpay.so — the PHP extension of wxpay: a thin native layer over the C ABI (include/wxpay.h),
 * linked statically against libwxpay.a, so it needs nothing else at run time.
 *
 * It is the "ext" driver of the Wxpay\ PHP classes (bindings-php/src/Driver/ExtDriver.php),
 * which call these internal functions instead of FFI when the extension is loaded. The public
 * API is the PHP package's; these functions are internal and may change between releases.
 *
 *   Wxpay\Ext\client_new(string $config_json): Wxpay\Ext\Client
 *   Wxpay\Ext\request(Client, string $method, string $template, string $options_json): array
 *   Wxpay\Ext\request_start(Client, string $method, string $template, string $options_json): Wxpay\Ext\Future
 *   Wxpay\Ext\close(Client, string $by, string $id, string $options_json): array
 *   Wxpay\Ext\close_start(Client, string $transaction_id, string $options_json): Future
 *   Wxpay\Ext\future_wait(Future): array        (blocks on PHP's thread, then takes the result)
 *   Wxpay\Ext\future_done(Future): bool
 *   Wxpay\Ext\future_cancel(Future): void       (frees it: cancels the call if still running)
 *   Wxpay\Ext\sign(Client, string $method, string $url, string $body, int $timestamp, ?string $nonce): string
 *   Wxpay\Ext\verify(Client, ?string $ts, ?string $nonce, ?string $signature, ?string $serial, string $body, int $now): void
 *   Wxpay\Ext\notification_parse(Client, string $headersJson, string $body, int $now): string (JSON)
 *   Wxpay\Ext\notification_answer(?string $errorCode): array [status, body]
 *   Wxpay\Ext\encrypt_field(Client, string $plaintext): array [ciphertext, serial]
 *   Wxpay\Ext\security_echo(Client, string $message, ?string $notifyUrl): array [status, headers_json, body]
 *   Wxpay\Ext\security_echo_start(Client, string $message, ?string $notifyUrl): Future
 *   Wxpay\Ext\decrypt_field(Client, string $ciphertext): string
 *   Wxpay\Ext\certificates(Client): string (JSON)
 *   Wxpay\Ext\prepare(Client, string $method, string $template, string $options_json, int $timestamp, ?string $nonce): string
 *   Wxpay\Ext\chain_template(string $segments_json): string
 *   Wxpay\Ext\upload(Client, string $template, string $options_json, ?string $path, ?string $data): array (a response)
 *   Wxpay\Ext\download(Client, string $spec_json, string $path): string (JSON of the outcome)
 *   Wxpay\Ext\events_enable(Client): void     (buffer the events of this client's calls from now on)
 *   Wxpay\Ext\events_take(Client): array      (the buffered events, as JSON strings, oldest first)
 *   Wxpay\Ext\version(): string
 *
 * A response is [status, headers_json, body]. Every failure throws Wxpay\Ext\Error whose message
 * is the library's error JSON (code, message, may_have_been_sent, …): the PHP layer turns it into
 * the Wxpay\Exception classes, exactly as it does for the FFI driver. Strings must not hold NUL
 * bytes (a C string would end there): that is an INVALID_ARGUMENT naming the argument.
 * No callback ever enters PHP from a native thread: the event callback of the C ABI runs on
 * PHP's thread, inside the call (wxpay_client_set_event_callback), and only appends to an array.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php.h"
#include "ext/standard/info.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"
#include "ext/spl/spl_exceptions.h"

#include <string.h>
#include <wxpay.h>

#define PHP_WXPAY_EXT_VERSION "0.1.0"

static zend_class_entry *client_ce, *future_ce, *error_ce;
static zend_object_handlers client_handlers, future_handlers;

typedef struct {
    wxpay_client_t *ptr;
    zval events; /* array of event JSON strings once events_enable ran, else UNDEF */
    zend_object std;
} client_obj;

typedef struct {
    wxpay_future_t *ptr;
    zend_object *client; /* kept alive while the future is: its events go to the client's array */
    zend_object std;
} future_obj;

static inline client_obj *client_of(zend_object *o) {
    return (client_obj *)((char *)o - XtOffsetOf(client_obj, std));
}

static inline future_obj *future_of(zend_object *o) {
    return (future_obj *)((char *)o - XtOffsetOf(future_obj, std));
}

static zend_object *client_create(zend_class_entry *ce) {
    client_obj *o = zend_object_alloc(sizeof(client_obj), ce);
    zend_object_std_init(&o->std, ce);
    object_properties_init(&o->std, ce);
    o->std.handlers = &client_handlers;
    o->ptr = NULL;
    ZVAL_UNDEF(&o->events);
    return &o->std;
}

static void client_free(zend_object *object) {
    client_obj *o = client_of(object);
    wxpay_client_free(o->ptr); /* NULL is a no-op */
    o->ptr = NULL;
    zval_ptr_dtor(&o->events);
    ZVAL_UNDEF(&o->events);
    zend_object_std_dtor(object);
}

static zend_object *future_create(zend_class_entry *ce) {
    future_obj *o = zend_object_alloc(sizeof(future_obj), ce);
    zend_object_std_init(&o->std, ce);
    object_properties_init(&o->std, ce);
    o->std.handlers = &future_handlers;
    o->ptr = NULL;
    o->client = NULL;
    return &o->std;
}

static void future_free(zend_object *object) {
    future_obj *o = future_of(object);
    wxpay_future_free(o->ptr); /* cancels the call if it is still running */
    o->ptr = NULL;
    if (o->client) {
        OBJ_RELEASE(o->client);
        o->client = NULL;
    }
    zend_object_std_dtor(object);
}

/* Throw the library's error (and free it). */
static void throw_native(wxpay_error_t *err) {
    zend_throw_exception(error_ce, err ? wxpay_error_json(err) : "{\"code\":\"INTERNAL\"}", 0);
    wxpay_error_free(err);
}

/* Throw an INVALID_ARGUMENT error in the library's JSON shape. */
static void throw_invalid(const char *message) {
    smart_str json = {0};
    smart_str_appends(&json, "{\"code\":\"INVALID_ARGUMENT\",\"may_have_been_sent\":false,\"message\":\"");
    smart_str_appends(&json, message); /* our own text: no quotes or backslashes */
    smart_str_appends(&json, "\"}");
    smart_str_0(&json);
    zend_throw_exception(error_ce, ZSTR_VAL(json.s), 0);
    smart_str_free(&json);
}

/* A string argument that will cross as a C string: no NUL byte inside. */
static int text_ok(const char *s, size_t len, const char *name) {
    if (s != NULL && memchr(s, '\0', len) != NULL) {
        char message[160];
        snprintf(message, sizeof message,
                 "argument `%s` contains a NUL byte; wxpay arguments are text without NUL bytes", name);
        throw_invalid(message);
        return 0;
    }
    return 1;
}

static wxpay_client_t *client_arg(zval *zv) {
    client_obj *o = client_of(Z_OBJ_P(zv));
    if (o->ptr == NULL) {
        throw_invalid("this Wxpay\\\\Ext\\\\Client was not made by Wxpay\\\\Ext\\\\client_new");
    }
    return o->ptr;
}

static wxpay_future_t *future_arg(zval *zv) {
    future_obj *o = future_of(Z_OBJ_P(zv));
    if (o->ptr == NULL) {
        throw_invalid("this Wxpay\\\\Ext\\\\Future was already waited on or cancelled");
    }
    return o->ptr;
}

/* [status, headers_json, body], freeing the response. */
static void return_response(zval *return_value, wxpay_response_t *r) {
    size_t len = 0;
    const uint8_t *body = wxpay_response_body(r, &len);
    array_init_size(return_value, 3);
    add_next_index_long(return_value, wxpay_response_status(r));
    add_next_index_string(return_value, wxpay_response_headers_json(r));
    add_next_index_stringl(return_value, (const char *)body, len);
    wxpay_response_free(r);
}

static void return_future(zval *return_value, wxpay_future_t *f, zval *client) {
    object_init_ex(return_value, future_ce);
    future_obj *o = future_of(Z_OBJ_P(return_value));
    o->ptr = f;
    o->client = Z_OBJ_P(client);
    GC_ADDREF(o->client);
}

static void return_owned_string(zval *return_value, char *s) {
    RETVAL_STRING(s);
    wxpay_string_free(s);
}

static PHP_FUNCTION(wxpay_ext_client_new) {
    char *json;
    size_t json_len;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STRING(json, json_len)
    ZEND_PARSE_PARAMETERS_END();
    if (!text_ok(json, json_len, "config_json")) RETURN_THROWS();
    wxpay_client_t *c = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_client_new(json, &c, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    object_init_ex(return_value, client_ce);
    client_of(Z_OBJ_P(return_value))->ptr = c;
}

/* request() and request_start(): the same arguments; wait for the answer or return a future. */
static void request_impl(INTERNAL_FUNCTION_PARAMETERS, int start) {
    zval *client;
    char *method, *tpl, *options;
    size_t method_len, tpl_len, options_len;
    ZEND_PARSE_PARAMETERS_START(4, 4)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(method, method_len)
        Z_PARAM_STRING(tpl, tpl_len)
        Z_PARAM_STRING(options, options_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(method, method_len, "method") || !text_ok(tpl, tpl_len, "uri_template") ||
        !text_ok(options, options_len, "options_json")) {
        RETURN_THROWS();
    }
    wxpay_error_t *err = NULL;
    if (start) {
        wxpay_future_t *f = NULL;
        if (wxpay_request_start(c, method, tpl, options, &f, &err) != WXPAY_OK) {
            throw_native(err);
            RETURN_THROWS();
        }
        return_future(return_value, f, client);
    } else {
        wxpay_response_t *r = NULL;
        if (wxpay_request(c, method, tpl, options, &r, &err) != WXPAY_OK) {
            throw_native(err);
            RETURN_THROWS();
        }
        return_response(return_value, r);
    }
}

static PHP_FUNCTION(wxpay_ext_request) {
    request_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 0);
}

static PHP_FUNCTION(wxpay_ext_request_start) {
    request_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 1);
}

static PHP_FUNCTION(wxpay_ext_close) {
    zval *client;
    char *by, *id, *options;
    size_t by_len, id_len, options_len;
    ZEND_PARSE_PARAMETERS_START(4, 4)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(by, by_len)
        Z_PARAM_STRING(id, id_len)
        Z_PARAM_STRING(options, options_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    const int by_tx = strcmp(by, "transaction_id") == 0;
    if (!c || !text_ok(id, id_len, by_tx ? "transaction_id" : "out_trade_no") ||
        !text_ok(options, options_len, "options_json")) {
        RETURN_THROWS();
    }
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    wxpay_status s = by_tx ? wxpay_close_transaction(c, id, options, &r, &err)
                           : wxpay_close_out_trade_no(c, id, options, &r, &err);
    if (s != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_response(return_value, r);
}

static PHP_FUNCTION(wxpay_ext_close_start) {
    zval *client;
    char *id, *options;
    size_t id_len, options_len;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(id, id_len)
        Z_PARAM_STRING(options, options_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(id, id_len, "transaction_id") || !text_ok(options, options_len, "options_json")) {
        RETURN_THROWS();
    }
    wxpay_future_t *f = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_close_transaction_start(c, id, options, &f, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_future(return_value, f, client);
}

static void echo_impl(INTERNAL_FUNCTION_PARAMETERS, int start) {
    zval *client;
    char *message, *url = NULL;
    size_t message_len, url_len = 0;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(message, message_len)
        Z_PARAM_STRING_OR_NULL(url, url_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(message, message_len, "message") || !text_ok(url, url_len, "notify_url")) {
        RETURN_THROWS();
    }
    wxpay_error_t *err = NULL;
    if (start) {
        wxpay_future_t *f = NULL;
        if (wxpay_security_echo_start(c, message, url, &f, &err) != WXPAY_OK) {
            throw_native(err);
            RETURN_THROWS();
        }
        return_future(return_value, f, client);
    } else {
        wxpay_response_t *r = NULL;
        if (wxpay_security_echo(c, message, url, &r, &err) != WXPAY_OK) {
            throw_native(err);
            RETURN_THROWS();
        }
        return_response(return_value, r);
    }
}

static PHP_FUNCTION(wxpay_ext_security_echo) {
    echo_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 0);
}

static PHP_FUNCTION(wxpay_ext_security_echo_start) {
    echo_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 1);
}

static PHP_FUNCTION(wxpay_ext_future_wait) {
    zval *future;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(future, future_ce)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_future_t *f = future_arg(future);
    if (!f) RETURN_THROWS();
    wxpay_future_wait(f, -1);
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    wxpay_status s = wxpay_future_take(f, &r, &err);
    wxpay_future_free(f);
    future_of(Z_OBJ_P(future))->ptr = NULL;
    if (s != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_response(return_value, r);
}

static PHP_FUNCTION(wxpay_ext_future_done) {
    zval *future;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(future, future_ce)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_future_t *f = future_of(Z_OBJ_P(future))->ptr;
    RETURN_BOOL(f != NULL && wxpay_future_poll(f) != WXPAY_PENDING);
}

static PHP_FUNCTION(wxpay_ext_future_cancel) {
    zval *future;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(future, future_ce)
    ZEND_PARSE_PARAMETERS_END();
    future_obj *o = future_of(Z_OBJ_P(future));
    wxpay_future_free(o->ptr);
    o->ptr = NULL;
}

static PHP_FUNCTION(wxpay_ext_sign) {
    zval *client;
    char *method, *url, *body, *nonce = NULL;
    size_t method_len, url_len, body_len, nonce_len = 0;
    zend_long timestamp;
    ZEND_PARSE_PARAMETERS_START(6, 6)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(method, method_len)
        Z_PARAM_STRING(url, url_len)
        Z_PARAM_STRING(body, body_len)
        Z_PARAM_LONG(timestamp)
        Z_PARAM_STRING_OR_NULL(nonce, nonce_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(method, method_len, "method") || !text_ok(url, url_len, "url") ||
        !text_ok(nonce, nonce_len, "nonce")) {
        RETURN_THROWS();
    }
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_sign(c, method, url, (const uint8_t *)body, body_len, timestamp, nonce, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

static PHP_FUNCTION(wxpay_ext_verify) {
    zval *client;
    char *ts = NULL, *nonce = NULL, *sig = NULL, *serial = NULL, *body;
    size_t ts_len = 0, nonce_len = 0, sig_len = 0, serial_len = 0, body_len;
    zend_long now;
    ZEND_PARSE_PARAMETERS_START(7, 7)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING_OR_NULL(ts, ts_len)
        Z_PARAM_STRING_OR_NULL(nonce, nonce_len)
        Z_PARAM_STRING_OR_NULL(sig, sig_len)
        Z_PARAM_STRING_OR_NULL(serial, serial_len)
        Z_PARAM_STRING(body, body_len)
        Z_PARAM_LONG(now)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(ts, ts_len, "timestamp") || !text_ok(nonce, nonce_len, "nonce") ||
        !text_ok(sig, sig_len, "signature") || !text_ok(serial, serial_len, "serial")) {
        RETURN_THROWS();
    }
    wxpay_error_t *err = NULL;
    if (wxpay_verify(c, ts, nonce, sig, serial, (const uint8_t *)body, body_len, now, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
}

static PHP_FUNCTION(wxpay_ext_prepare) {
    zval *client;
    char *method, *tpl, *options, *nonce = NULL;
    size_t method_len, tpl_len, options_len, nonce_len = 0;
    zend_long timestamp;
    ZEND_PARSE_PARAMETERS_START(6, 6)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(method, method_len)
        Z_PARAM_STRING(tpl, tpl_len)
        Z_PARAM_STRING(options, options_len)
        Z_PARAM_LONG(timestamp)
        Z_PARAM_STRING_OR_NULL(nonce, nonce_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(method, method_len, "method") || !text_ok(tpl, tpl_len, "uri_template") ||
        !text_ok(options, options_len, "options_json") || !text_ok(nonce, nonce_len, "nonce")) {
        RETURN_THROWS();
    }
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_prepare(c, method, tpl, options, timestamp, nonce, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

static PHP_FUNCTION(wxpay_ext_chain_template) {
    char *json;
    size_t json_len;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STRING(json, json_len)
    ZEND_PARSE_PARAMETERS_END();
    if (!text_ok(json, json_len, "segments_json")) RETURN_THROWS();
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_chain_template(json, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

static PHP_FUNCTION(wxpay_ext_notification_parse) {
    zval *client;
    char *headers, *body;
    size_t headers_len, body_len;
    zend_long now;
    ZEND_PARSE_PARAMETERS_START(4, 4)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(headers, headers_len)
        Z_PARAM_STRING(body, body_len)
        Z_PARAM_LONG(now)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(headers, headers_len, "headers_json")) RETURN_THROWS();
    wxpay_notification_t *n = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_notification_parse_json(c, headers, (const uint8_t *)body, body_len, now, &n, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    RETVAL_STRING(wxpay_notification_json(n));
    wxpay_notification_free(n);
}

static PHP_FUNCTION(wxpay_ext_notification_answer) {
    char *code = NULL;
    size_t code_len = 0;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STRING_OR_NULL(code, code_len)
    ZEND_PARSE_PARAMETERS_END();
    if (!text_ok(code, code_len, "error_code")) RETURN_THROWS();
    char *body = NULL;
    uint16_t status = wxpay_notification_answer(code, &body);
    array_init_size(return_value, 2);
    add_next_index_long(return_value, status);
    add_next_index_string(return_value, body ? body : "");
    wxpay_string_free(body);
}

static PHP_FUNCTION(wxpay_ext_encrypt_field) {
    zval *client;
    char *plain;
    size_t plain_len;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(plain, plain_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(plain, plain_len, "plaintext")) RETURN_THROWS();
    char *ct = NULL, *serial = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_encrypt_field(c, plain, &ct, &serial, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    array_init_size(return_value, 2);
    add_next_index_string(return_value, ct);
    add_next_index_string(return_value, serial);
    wxpay_string_free(ct);
    wxpay_string_free(serial);
}

static PHP_FUNCTION(wxpay_ext_decrypt_field) {
    zval *client;
    char *ct;
    size_t ct_len;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(ct, ct_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(ct, ct_len, "ciphertext")) RETURN_THROWS();
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_decrypt_field(c, ct, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

static PHP_FUNCTION(wxpay_ext_upload) {
    zval *client;
    char *tpl, *options, *path = NULL, *data = NULL;
    size_t tpl_len, options_len, path_len = 0, data_len = 0;
    ZEND_PARSE_PARAMETERS_START(5, 5)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(tpl, tpl_len)
        Z_PARAM_STRING(options, options_len)
        Z_PARAM_STRING_OR_NULL(path, path_len)
        Z_PARAM_STRING_OR_NULL(data, data_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(tpl, tpl_len, "uri_template") || !text_ok(options, options_len, "options_json") ||
        !text_ok(path, path_len, "path")) {
        RETURN_THROWS();
    }
    wxpay_response_t *r = NULL;
    wxpay_error_t *err = NULL;
    wxpay_status s = path != NULL ? wxpay_upload(c, tpl, options, path, &r, &err)
                                   : wxpay_upload_bytes(c, tpl, options, (const uint8_t *)data, data_len, &r, &err);
    if (s != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_response(return_value, r);
}

static PHP_FUNCTION(wxpay_ext_download) {
    zval *client;
    char *spec, *path;
    size_t spec_len, path_len;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(spec, spec_len)
        Z_PARAM_STRING(path, path_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(spec, spec_len, "spec_json") || !text_ok(path, path_len, "path")) {
        RETURN_THROWS();
    }
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_download(c, spec, path, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

static PHP_FUNCTION(wxpay_ext_certificates) {
    zval *client;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c) RETURN_THROWS();
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_certificates(c, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

/* The C ABI's event callback: runs on PHP's thread, inside a wxpay call made from PHP. */
static void on_event(void *userdata, const wxpay_event_t *event) {
    client_obj *o = userdata;
    if (Z_TYPE(o->events) == IS_ARRAY) {
        add_next_index_string(&o->events, event->json);
    }
}

static PHP_FUNCTION(wxpay_ext_events_enable) {
    zval *client;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c) RETURN_THROWS();
    client_obj *o = client_of(Z_OBJ_P(client));
    if (Z_TYPE(o->events) == IS_ARRAY) return;
    array_init(&o->events);
    wxpay_error_t *err = NULL;
    if (wxpay_client_set_event_callback(c, on_event, o, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
}

static PHP_FUNCTION(wxpay_ext_events_take) {
    zval *client;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
    ZEND_PARSE_PARAMETERS_END();
    client_obj *o = client_of(Z_OBJ_P(client));
    if (Z_TYPE(o->events) != IS_ARRAY) {
        RETURN_EMPTY_ARRAY();
    }
    ZVAL_COPY_VALUE(return_value, &o->events);
    array_init(&o->events);
}

static PHP_FUNCTION(wxpay_ext_version) {
    ZEND_PARSE_PARAMETERS_NONE();
    RETURN_STRING(wxpay_version());
}

ZEND_BEGIN_ARG_INFO_EX(arginfo_one, 0, 0, 1)
    ZEND_ARG_INFO(0, a)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_two, 0, 0, 2)
    ZEND_ARG_INFO(0, a)
    ZEND_ARG_INFO(0, b)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_three, 0, 0, 3)
    ZEND_ARG_INFO(0, a)
    ZEND_ARG_INFO(0, b)
    ZEND_ARG_INFO(0, c)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_four, 0, 0, 4)
    ZEND_ARG_INFO(0, a)
    ZEND_ARG_INFO(0, b)
    ZEND_ARG_INFO(0, c)
    ZEND_ARG_INFO(0, d)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_five, 0, 0, 5)
    ZEND_ARG_INFO(0, a)
    ZEND_ARG_INFO(0, b)
    ZEND_ARG_INFO(0, c)
    ZEND_ARG_INFO(0, d)
    ZEND_ARG_INFO(0, e)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_six, 0, 0, 6)
    ZEND_ARG_INFO(0, a)
    ZEND_ARG_INFO(0, b)
    ZEND_ARG_INFO(0, c)
    ZEND_ARG_INFO(0, d)
    ZEND_ARG_INFO(0, e)
    ZEND_ARG_INFO(0, f)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_seven, 0, 0, 7)
    ZEND_ARG_INFO(0, a)
    ZEND_ARG_INFO(0, b)
    ZEND_ARG_INFO(0, c)
    ZEND_ARG_INFO(0, d)
    ZEND_ARG_INFO(0, e)
    ZEND_ARG_INFO(0, f)
    ZEND_ARG_INFO(0, g)
ZEND_END_ARG_INFO()
ZEND_BEGIN_ARG_INFO_EX(arginfo_none, 0, 0, 0)
ZEND_END_ARG_INFO()

#define NS "Wxpay\\Ext"
static const zend_function_entry wxpay_functions[] = {
    ZEND_NS_FENTRY(NS, client_new, ZEND_FN(wxpay_ext_client_new), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, request, ZEND_FN(wxpay_ext_request), arginfo_four, 0)
    ZEND_NS_FENTRY(NS, request_start, ZEND_FN(wxpay_ext_request_start), arginfo_four, 0)
    ZEND_NS_FENTRY(NS, close, ZEND_FN(wxpay_ext_close), arginfo_four, 0)
    ZEND_NS_FENTRY(NS, close_start, ZEND_FN(wxpay_ext_close_start), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, future_wait, ZEND_FN(wxpay_ext_future_wait), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, future_done, ZEND_FN(wxpay_ext_future_done), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, future_cancel, ZEND_FN(wxpay_ext_future_cancel), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, sign, ZEND_FN(wxpay_ext_sign), arginfo_six, 0)
    ZEND_NS_FENTRY(NS, verify, ZEND_FN(wxpay_ext_verify), arginfo_seven, 0)
    ZEND_NS_FENTRY(NS, prepare, ZEND_FN(wxpay_ext_prepare), arginfo_six, 0)
    ZEND_NS_FENTRY(NS, chain_template, ZEND_FN(wxpay_ext_chain_template), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, security_echo, ZEND_FN(wxpay_ext_security_echo), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, security_echo_start, ZEND_FN(wxpay_ext_security_echo_start), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, notification_parse, ZEND_FN(wxpay_ext_notification_parse), arginfo_four, 0)
    ZEND_NS_FENTRY(NS, notification_answer, ZEND_FN(wxpay_ext_notification_answer), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, encrypt_field, ZEND_FN(wxpay_ext_encrypt_field), arginfo_two, 0)
    ZEND_NS_FENTRY(NS, decrypt_field, ZEND_FN(wxpay_ext_decrypt_field), arginfo_two, 0)
    ZEND_NS_FENTRY(NS, certificates, ZEND_FN(wxpay_ext_certificates), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, upload, ZEND_FN(wxpay_ext_upload), arginfo_five, 0)
    ZEND_NS_FENTRY(NS, download, ZEND_FN(wxpay_ext_download), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, events_enable, ZEND_FN(wxpay_ext_events_enable), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, events_take, ZEND_FN(wxpay_ext_events_take), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, version, ZEND_FN(wxpay_ext_version), arginfo_none, 0)
    ZEND_FE_END
};

static zend_class_entry *register_handle_class(const char *name, zend_object *(*create)(zend_class_entry *)) {
    zend_class_entry ce;
    INIT_CLASS_ENTRY_EX(ce, name, strlen(name), NULL);
    zend_class_entry *registered = zend_register_internal_class(&ce);
    registered->ce_flags |= ZEND_ACC_FINAL | ZEND_ACC_NO_DYNAMIC_PROPERTIES | ZEND_ACC_NOT_SERIALIZABLE;
    registered->create_object = create;
    return registered;
}

PHP_MINIT_FUNCTION(wxpay) {
    client_ce = register_handle_class("Wxpay\\Ext\\Client", client_create);
    memcpy(&client_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
    client_handlers.offset = XtOffsetOf(client_obj, std);
    client_handlers.free_obj = client_free;
    client_handlers.clone_obj = NULL;

    future_ce = register_handle_class("Wxpay\\Ext\\Future", future_create);
    memcpy(&future_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
    future_handlers.offset = XtOffsetOf(future_obj, std);
    future_handlers.free_obj = future_free;
    future_handlers.clone_obj = NULL;

    zend_class_entry ce;
    INIT_CLASS_ENTRY(ce, "Wxpay\\Ext\\Error", NULL);
    error_ce = zend_register_internal_class_ex(&ce, spl_ce_RuntimeException);
    error_ce->ce_flags |= ZEND_ACC_FINAL;
    return SUCCESS;
}

PHP_MINFO_FUNCTION(wxpay) {
    php_info_print_table_start();
    php_info_print_table_row(2, "wxpay support", "enabled");
    php_info_print_table_row(2, "extension version", PHP_WXPAY_EXT_VERSION);
    php_info_print_table_row(2, "libwxpay version", wxpay_version());
    php_info_print_table_end();
}

zend_module_entry wxpay_module_entry = {
    STANDARD_MODULE_HEADER,
    "wxpay",
    wxpay_functions,
    PHP_MINIT(wxpay),
    NULL,
    NULL,
    NULL,
    PHP_MINFO(wxpay),
    PHP_WXPAY_EXT_VERSION,
    STANDARD_MODULE_PROPERTIES,
};

#ifdef COMPILE_DL_WXPAY
ZEND_GET_MODULE(wxpay)
#endif
