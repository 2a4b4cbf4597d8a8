/* The files of the wxpay PHP extension: uploads (a path or bytes) and downloads. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_wxpay.h"

PHP_FUNCTION(wxpay_ext_upload) {
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

PHP_FUNCTION(wxpay_ext_download) {
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
