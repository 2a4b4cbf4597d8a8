/* The events of the wxpay PHP extension: buffered per client, on PHP's thread, taken by PHP. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_wxpay.h"

/* The C ABI's event callback: runs on PHP's thread, inside a wxpay call made from PHP. */
static void on_event(void *userdata, const wxpay_event_t *event) {
    client_obj *o = userdata;
    if (Z_TYPE(o->events) == IS_ARRAY) {
        add_next_index_string(&o->events, event->json);
    }
}

PHP_FUNCTION(wxpay_ext_events_enable) {
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

PHP_FUNCTION(wxpay_ext_events_take) {
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
