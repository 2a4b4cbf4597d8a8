/*
 * What the modules of the wxpay PHP extension share (wxpay.c: the module, its classes and the
 * helpers below; calls.c, protocol.c, files.c, events.c: the functions, grouped as ffi-c/src).
 */
#ifndef PHP_WXPAY_H
#define PHP_WXPAY_H

#include "php.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"

#include <string.h>
#include <wxpay.h>

#define PHP_WXPAY_EXT_VERSION "0.1.0"

extern zend_class_entry *wxpay_client_ce, *wxpay_future_ce, *wxpay_error_ce;
#define client_ce wxpay_client_ce
#define future_ce wxpay_future_ce
#define error_ce wxpay_error_ce

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

/* Throw the library's error (and free it). */
void throw_native(wxpay_error_t *err);
/* Throw an INVALID_ARGUMENT error in the library's JSON shape (`message`: our own text). */
void throw_invalid(const char *message);
/* A string argument that will cross as a C string: no NUL byte inside (else throws, 0). */
int text_ok(const char *s, size_t len, const char *name);
/* The C client of a Wxpay\\Ext\\Client (NULL after throwing). */
wxpay_client_t *client_arg(zval *zv);
/* The C future of a Wxpay\\Ext\\Future (NULL after throwing). */
wxpay_future_t *future_arg(zval *zv);
/* [status, headers_json, body, result_json|null], freeing the response. */
void return_response(zval *return_value, wxpay_response_t *r);
/* A Wxpay\\Ext\\Future owning `f`, keeping `client` alive. */
void return_future(zval *return_value, wxpay_future_t *f, zval *client);
/* `s` as a PHP string, freeing it. */
void return_owned_string(zval *return_value, char *s);

PHP_FUNCTION(wxpay_ext_client_new);
PHP_FUNCTION(wxpay_ext_request);
PHP_FUNCTION(wxpay_ext_request_start);
PHP_FUNCTION(wxpay_ext_call);
PHP_FUNCTION(wxpay_ext_call_start);
PHP_FUNCTION(wxpay_ext_call_prepare);
PHP_FUNCTION(wxpay_ext_catalogue);
PHP_FUNCTION(wxpay_ext_set_client_cache);
PHP_FUNCTION(wxpay_ext_future_wait);
PHP_FUNCTION(wxpay_ext_future_done);
PHP_FUNCTION(wxpay_ext_future_cancel);
PHP_FUNCTION(wxpay_ext_sign);
PHP_FUNCTION(wxpay_ext_pay_params);
PHP_FUNCTION(wxpay_ext_verify);
PHP_FUNCTION(wxpay_ext_prepare);
PHP_FUNCTION(wxpay_ext_chain_template);
PHP_FUNCTION(wxpay_ext_notification_parse);
PHP_FUNCTION(wxpay_ext_notification_answer);
PHP_FUNCTION(wxpay_ext_encrypt_field);
PHP_FUNCTION(wxpay_ext_decrypt_field);
PHP_FUNCTION(wxpay_ext_certificates);
PHP_FUNCTION(wxpay_ext_upload);
PHP_FUNCTION(wxpay_ext_download);
PHP_FUNCTION(wxpay_ext_events_enable);
PHP_FUNCTION(wxpay_ext_events_take);

#endif /* PHP_WXPAY_H */
