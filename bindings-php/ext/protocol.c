/*
 * The protocol functions of the wxpay PHP extension: signing, verification, dry runs, URI
 * chains, notifications, sensitive fields and the platform keys in use.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_wxpay.h"

PHP_FUNCTION(wxpay_ext_sign) {
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

PHP_FUNCTION(wxpay_ext_pay_params) {
    zval *client;
    char *kind, *args;
    size_t kind_len, args_len;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(kind, kind_len)
        Z_PARAM_STRING(args, args_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(kind, kind_len, "kind") || !text_ok(args, args_len, "arguments")) {
        RETURN_THROWS();
    }
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_pay_params(c, kind, args, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

PHP_FUNCTION(wxpay_ext_verify) {
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

PHP_FUNCTION(wxpay_ext_prepare) {
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

PHP_FUNCTION(wxpay_ext_chain_template) {
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

PHP_FUNCTION(wxpay_ext_notification_parse) {
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

PHP_FUNCTION(wxpay_ext_notification_answer) {
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

PHP_FUNCTION(wxpay_ext_encrypt_field) {
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

PHP_FUNCTION(wxpay_ext_decrypt_field) {
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

PHP_FUNCTION(wxpay_ext_certificates) {
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
