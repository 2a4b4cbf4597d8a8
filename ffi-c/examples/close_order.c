/*
 * Close an order from C with libwxpay: the seed's generic call, then the typed helper.
 *
 *   cc close_order.c $(pkg-config --cflags --libs wxpay) -o close_order
 *   ./close_order CONFIG.json
 */
#include <stdio.h>

#include "wxpay.h"

static int report(const char *what, wxpay_status status, wxpay_response_t *r, wxpay_error_t *err) {
    if (status == WXPAY_OK) {
        printf("C %s: HTTP %u, Request-ID %s\n", what, (unsigned)wxpay_response_status(r),
               wxpay_response_request_id(r));
        wxpay_response_free(r);
        return 0;
    }
    fprintf(stderr, "C %s failed: [%s] %s\n", what, wxpay_error_code(err), wxpay_error_message(err));
    wxpay_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CONFIG.json\n", argv[0]);
        return 2;
    }
    wxpay_client_t *client = NULL;
    wxpay_error_t *err = NULL;
    if (wxpay_client_new_from_file(argv[1], &client, &err) != WXPAY_OK) {
        fprintf(stderr, "configuration: %s\n", wxpay_error_message(err));
        wxpay_error_free(err);
        return 2;
    }

    wxpay_response_t *r = NULL;
    wxpay_status s = wxpay_request(
        client, "POST", "v3/transactions/id/{transaction_id}/close",
        "{\"base_uri\":\"https://api.mch.weixin.qq.com/hk/\","
        "\"transaction_id\":\"1217752501201407033233368018\","
        "\"json\":{\"mchid\":\"1230000109\",\"sub_mchid\":\"1230000109\",\"sp_mchid\":\"1230000109\"}}",
        &r, &err);
    int failures = report("wxpay_request POST v3/transactions/id/{transaction_id}/close", s, r, err);

    r = NULL;
    err = NULL;
    s = wxpay_close_transaction(client, "1217752501201407033233368018",
                                "{\"sub_mchid\":\"1230000109\",\"sp_mchid\":\"1230000109\"}", &r, &err);
    failures += report("wxpay_close_transaction", s, r, err);

    wxpay_client_free(client);
    return failures ? 1 : 0;
}
