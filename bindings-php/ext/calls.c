/*
 * The calls of the wxpay PHP extension: clients, generic requests, the catalogue's typed calls
 * by name (every typed method of Wxpay\\Client goes through call / call_start), and futures.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_wxpay.h"

PHP_FUNCTION(wxpay_ext_client_new) {
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

PHP_FUNCTION(wxpay_ext_request) {
    request_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 0);
}

PHP_FUNCTION(wxpay_ext_request_start) {
    request_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 1);
}

/* call() and call_start(): a typed call of the catalogue by name, its arguments as JSON. */
static void call_impl(INTERNAL_FUNCTION_PARAMETERS, int start) {
    zval *client;
    char *name, *args;
    size_t name_len, args_len;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(name, name_len)
        Z_PARAM_STRING(args, args_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(name, name_len, "name") || !text_ok(args, args_len, "args_json")) {
        RETURN_THROWS();
    }
    wxpay_error_t *err = NULL;
    if (start) {
        wxpay_future_t *f = NULL;
        if (wxpay_call_start(c, name, args, &f, &err) != WXPAY_OK) {
            throw_native(err);
            RETURN_THROWS();
        }
        return_future(return_value, f, client);
    } else {
        wxpay_response_t *r = NULL;
        if (wxpay_call(c, name, args, &r, &err) != WXPAY_OK) {
            throw_native(err);
            RETURN_THROWS();
        }
        return_response(return_value, r);
    }
}

PHP_FUNCTION(wxpay_ext_call) {
    call_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 0);
}

PHP_FUNCTION(wxpay_ext_call_start) {
    call_impl(INTERNAL_FUNCTION_PARAM_PASSTHRU, 1);
}

PHP_FUNCTION(wxpay_ext_call_prepare) {
    zval *client;
    char *name, *args, *nonce = NULL;
    size_t name_len, args_len, nonce_len = 0;
    zend_long timestamp;
    ZEND_PARSE_PARAMETERS_START(5, 5)
        Z_PARAM_OBJECT_OF_CLASS(client, client_ce)
        Z_PARAM_STRING(name, name_len)
        Z_PARAM_STRING(args, args_len)
        Z_PARAM_LONG(timestamp)
        Z_PARAM_STRING_OR_NULL(nonce, nonce_len)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_client_t *c = client_arg(client);
    if (!c || !text_ok(name, name_len, "name") || !text_ok(args, args_len, "args_json") ||
        !text_ok(nonce, nonce_len, "nonce")) {
        RETURN_THROWS();
    }
    char *out = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_call_prepare(c, name, args, timestamp, nonce, &out, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
    return_owned_string(return_value, out);
}

PHP_FUNCTION(wxpay_ext_set_client_cache) {
    zend_long capacity;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_LONG(capacity)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_error_t *err = NULL;
    /* Negative: 0, which the library refuses as out of range (with its message). */
    if (wxpay_set_client_cache(capacity < 0 ? 0 : (size_t)capacity, &err) != WXPAY_OK) {
        throw_native(err);
        RETURN_THROWS();
    }
}

PHP_FUNCTION(wxpay_ext_catalogue) {
    ZEND_PARSE_PARAMETERS_NONE();
    RETURN_STRING(wxpay_catalogue_json());
}

PHP_FUNCTION(wxpay_ext_future_wait) {
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

PHP_FUNCTION(wxpay_ext_future_done) {
    zval *future;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(future, future_ce)
    ZEND_PARSE_PARAMETERS_END();
    wxpay_future_t *f = future_of(Z_OBJ_P(future))->ptr;
    RETURN_BOOL(f != NULL && wxpay_future_poll(f) != WXPAY_PENDING);
}

PHP_FUNCTION(wxpay_ext_future_cancel) {
    zval *future;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_OBJECT_OF_CLASS(future, future_ce)
    ZEND_PARSE_PARAMETERS_END();
    future_obj *o = future_of(Z_OBJ_P(future));
    wxpay_future_free(o->ptr);
    o->ptr = NULL;
}
