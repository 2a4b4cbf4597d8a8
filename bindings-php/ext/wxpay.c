/*
 * wxpay.so — the PHP extension of wxpay: a thin native layer over the C ABI (include/wxpay.h),
 * linked statically against libwxpay.a, so it needs nothing else at run time. Its modules:
 * wxpay.c (this: the module, its classes, shared helpers), calls.c, protocol.c, files.c,
 * events.c; php_wxpay.h declares what they share.
 *
 * It is the "ext" driver of the Wxpay\ PHP classes (bindings-php/src/Driver/ExtDriver.php),
 * which call these internal functions instead of FFI when the extension is loaded. The public
 * API is the PHP package's; these functions are internal and may change between releases.
 *
 *   Wxpay\Ext\client_new(string $config_json): Wxpay\Ext\Client
 *   Wxpay\Ext\request(Client, string $method, string $template, string $options_json): array
 *   Wxpay\Ext\request_start(Client, string $method, string $template, string $options_json): Wxpay\Ext\Future
 *   Wxpay\Ext\call(Client, string $name, string $args_json): array   (a typed call of the catalogue)
 *   Wxpay\Ext\call_start(Client, string $name, string $args_json): Future
 *   Wxpay\Ext\call_prepare(Client, string $name, string $args_json, int $timestamp, ?string $nonce): string
 *   Wxpay\Ext\catalogue(): string (JSON)
 *   Wxpay\Ext\set_client_cache(int $capacity): void   (the process's client cache)
 *   Wxpay\Ext\future_wait(Future): array        (blocks on PHP's thread, then takes the result)
 *   Wxpay\Ext\future_done(Future): bool
 *   Wxpay\Ext\future_cancel(Future): void       (frees it: cancels the call if still running)
 *   Wxpay\Ext\sign(Client, string $method, string $url, string $body, int $timestamp, ?string $nonce): string
 *   Wxpay\Ext\verify(Client, ?string $ts, ?string $nonce, ?string $signature, ?string $serial, string $body, int $now): void
 *   Wxpay\Ext\notification_parse(Client, string $headersJson, string $body, int $now): string (JSON)
 *   Wxpay\Ext\notification_answer(?string $errorCode): array [status, body]
 *   Wxpay\Ext\encrypt_field(Client, string $plaintext): array [ciphertext, serial]
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
 * A response is [status, headers_json, body, result_json|null] (the typed result of call()). Every failure throws Wxpay\Ext\Error whose message
 * is the library's error JSON (code, message, may_have_been_sent, …): the PHP layer turns it into
 * the Wxpay\Exception classes, exactly as it does for the FFI driver. Strings must not hold NUL
 * bytes (a C string would end there): that is an INVALID_ARGUMENT naming the argument.
 * No callback ever enters PHP from a native thread: the event callback of the C ABI runs on
 * PHP's thread, inside the call (wxpay_client_set_event_callback), and only appends to an array.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_wxpay.h"
#include "ext/standard/info.h"
#include "ext/spl/spl_exceptions.h"

zend_class_entry *wxpay_client_ce, *wxpay_future_ce, *wxpay_error_ce;
static zend_object_handlers client_handlers, future_handlers;

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
void throw_native(wxpay_error_t *err) {
    zend_throw_exception(error_ce, err ? wxpay_error_json(err) : "{\"code\":\"INTERNAL\"}", 0);
    wxpay_error_free(err);
}

/* Throw an INVALID_ARGUMENT error in the library's JSON shape. */
void throw_invalid(const char *message) {
    smart_str json = {0};
    smart_str_appends(&json, "{\"code\":\"INVALID_ARGUMENT\",\"may_have_been_sent\":false,\"message\":\"");
    smart_str_appends(&json, message); /* our own text: no quotes or backslashes */
    smart_str_appends(&json, "\"}");
    smart_str_0(&json);
    zend_throw_exception(error_ce, ZSTR_VAL(json.s), 0);
    smart_str_free(&json);
}

/* A string argument that will cross as a C string: no NUL byte inside. */
int text_ok(const char *s, size_t len, const char *name) {
    if (s != NULL && memchr(s, '\0', len) != NULL) {
        char message[160];
        snprintf(message, sizeof message,
                 "argument `%s` contains a NUL byte; wxpay arguments are text without NUL bytes", name);
        throw_invalid(message);
        return 0;
    }
    return 1;
}

wxpay_client_t *client_arg(zval *zv) {
    client_obj *o = client_of(Z_OBJ_P(zv));
    if (o->ptr == NULL) {
        throw_invalid("this Wxpay\\\\Ext\\\\Client was not made by Wxpay\\\\Ext\\\\client_new");
    }
    return o->ptr;
}

wxpay_future_t *future_arg(zval *zv) {
    future_obj *o = future_of(Z_OBJ_P(zv));
    if (o->ptr == NULL) {
        throw_invalid("this Wxpay\\\\Ext\\\\Future was already waited on or cancelled");
    }
    return o->ptr;
}

void return_response(zval *return_value, wxpay_response_t *r) {
    size_t len = 0;
    const uint8_t *body = wxpay_response_body(r, &len);
    const char *result = wxpay_response_result_json(r);
    array_init_size(return_value, 4);
    add_next_index_long(return_value, wxpay_response_status(r));
    add_next_index_string(return_value, wxpay_response_headers_json(r));
    add_next_index_stringl(return_value, (const char *)body, len);
    if (result != NULL) {
        add_next_index_string(return_value, result);
    } else {
        add_next_index_null(return_value);
    }
    wxpay_response_free(r);
}

void return_future(zval *return_value, wxpay_future_t *f, zval *client) {
    object_init_ex(return_value, future_ce);
    future_obj *o = future_of(Z_OBJ_P(return_value));
    o->ptr = f;
    o->client = Z_OBJ_P(client);
    GC_ADDREF(o->client);
}

void return_owned_string(zval *return_value, char *s) {
    RETVAL_STRING(s);
    wxpay_string_free(s);
}

PHP_FUNCTION(wxpay_ext_version) {
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
    ZEND_NS_FENTRY(NS, call, ZEND_FN(wxpay_ext_call), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, call_start, ZEND_FN(wxpay_ext_call_start), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, call_prepare, ZEND_FN(wxpay_ext_call_prepare), arginfo_five, 0)
    ZEND_NS_FENTRY(NS, catalogue, ZEND_FN(wxpay_ext_catalogue), arginfo_none, 0)
    ZEND_NS_FENTRY(NS, set_client_cache, ZEND_FN(wxpay_ext_set_client_cache), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, future_wait, ZEND_FN(wxpay_ext_future_wait), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, future_done, ZEND_FN(wxpay_ext_future_done), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, future_cancel, ZEND_FN(wxpay_ext_future_cancel), arginfo_one, 0)
    ZEND_NS_FENTRY(NS, sign, ZEND_FN(wxpay_ext_sign), arginfo_six, 0)
    ZEND_NS_FENTRY(NS, pay_params, ZEND_FN(wxpay_ext_pay_params), arginfo_three, 0)
    ZEND_NS_FENTRY(NS, verify, ZEND_FN(wxpay_ext_verify), arginfo_seven, 0)
    ZEND_NS_FENTRY(NS, prepare, ZEND_FN(wxpay_ext_prepare), arginfo_six, 0)
    ZEND_NS_FENTRY(NS, chain_template, ZEND_FN(wxpay_ext_chain_template), arginfo_one, 0)
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
