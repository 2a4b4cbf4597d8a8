//! The entries of the catalogue: data only. A new typed call is one entry here (see
//! ARCHITECTURE.md, "Adding a typed call"), then `make calls` and a test.
//!
//! Paths and fields are WeChat Pay's own, each endpoint naming the page it was checked against.
// The shared argument and result declarations below serve the payment-day calls too.
#![allow(dead_code)]

use super::AppId::{Always, No};
use super::{Arg, Builder, CallSpec, Endpoint, Families, Family, Field, Identity, Returns, To, Ty};

const ALL: Families = Families::ALL;
const CN: Families = Families::CN;
const MAINLAND: Families = Families::MAINLAND;
const PARTNER: Families = Families::PARTNER;
const HK: Families = Families::HK;
const GLOBAL: Families = Families::GLOBAL;
const OVERSEAS: Families = Families::OVERSEAS;

// ---- argument types -------------------------------------------------------------------------

/// WeChat Pay's order ids (`transaction_id`), and `out_trade_no` on HK and Global.
const ORDER_ID: Ty = Ty::Code {
    min: 1,
    max: 32,
    extra: "_-|*@",
};
/// The mainland's `out_trade_no`: 6–32 of letters, digits and `_-|*`
/// (https://pay.weixin.qq.com/doc/v3/merchant/4012791897).
const CN_OUT_TRADE_NO: Ty = Ty::Code {
    min: 6,
    max: 32,
    extra: "_-|*",
};
/// `out_refund_no` and refund ids: up to 64 of letters, digits and `_-|*@`
/// (https://pay.weixin.qq.com/doc/v3/partner/4013163605).
const REFUND_ID: Ty = Ty::Code {
    min: 1,
    max: 64,
    extra: "_-|*@",
};

// ---- arguments shared by several calls -------------------------------------------------------

const TRANSACTION_ID: Arg = Arg::new(
    "transaction_id",
    ORDER_ID,
    To::Path,
    "WeChat Pay's order id",
)
.required();
const OUT_TRADE_NO: [Arg; 2] = [
    Arg::new(
        "out_trade_no",
        CN_OUT_TRADE_NO,
        To::Path,
        "the merchant's order number",
    )
    .only(CN)
    .required(),
    Arg::new(
        "out_trade_no",
        ORDER_ID,
        To::Path,
        "the merchant's order number",
    )
    .only(OVERSEAS)
    .required(),
];
const OUT_TRADE_NO_BODY: [Arg; 2] = [
    Arg::new(
        "out_trade_no",
        CN_OUT_TRADE_NO,
        To::Body("out_trade_no"),
        "the merchant's order number, unique per merchant",
    )
    .only(CN)
    .required(),
    Arg::new(
        "out_trade_no",
        ORDER_ID,
        To::Body("out_trade_no"),
        "the merchant's order number, unique per merchant",
    )
    .only(OVERSEAS)
    .required(),
];
const DESCRIPTION: Arg = Arg::new(
    "description",
    Ty::Text { min: 1, max: 127 },
    To::Body("description"),
    "what is bought, as the payer sees it",
)
.required();
const AMOUNT: Arg = Arg::new(
    "amount",
    Ty::Amount,
    To::Body("amount.total"),
    "the order's total in the currency's smallest unit (fen, cents)",
)
.required();
const CURRENCY: Arg = Arg::new(
    "currency",
    Ty::Currency,
    To::Body("amount.currency"),
    "the order's currency (mainland: CNY only; required on HK and Global)",
)
.required_in(OVERSEAS);
const NOTIFY_URL: Arg = Arg::new(
    "notify_url",
    Ty::NotifyUrl,
    To::Body("notify_url"),
    "where WeChat Pay sends the payment notification",
)
.required();
const ATTACH: Arg = Arg::new(
    "attach",
    Ty::Text { min: 1, max: 128 },
    To::Body("attach"),
    "the merchant's own data, echoed by query and notification",
);
const TIME_EXPIRE: Arg = Arg::new(
    "time_expire",
    Ty::Time,
    To::Body("time_expire"),
    "when the order can no longer be paid (RFC 3339)",
);
const GOODS_TAG: Arg = Arg::new(
    "goods_tag",
    Ty::Text { min: 1, max: 32 },
    To::Body("goods_tag"),
    "the goods tag of coupons",
);
const SCENE_INFO: Arg = Arg::new(
    "scene_info",
    Ty::Object,
    To::Body("scene_info"),
    "the scene (payer_client_ip, device_id, store_info…), sent as given",
);
const DETAIL: Arg = Arg::new(
    "detail",
    Ty::Json,
    To::Body("detail"),
    "the goods detail (an object on the mainland, a list on HK and Global), sent as given",
);
const MERCHANT_CATEGORY_CODE: Arg = Arg::new(
    "merchant_category_code",
    Ty::Digits { min: 4, max: 4 },
    To::Body("merchant_category_code"),
    "the merchant category code (MCC) WeChat Pay assigned (HK and Global)",
)
.only(OVERSEAS)
.required();
const OPENID: Arg = Arg::new(
    "openid",
    Ty::Code {
        min: 1,
        max: 128,
        extra: "_-",
    },
    To::ByMode {
        merchant: "payer.openid",
        provider: "payer.sp_openid",
    },
    "the payer's openid under appid (sp_appid in service-provider mode)",
);
const SUB_OPENID: Arg = Arg::new(
    "sub_openid",
    Ty::Code {
        min: 1,
        max: 128,
        extra: "_-",
    },
    To::ByMode {
        merchant: "",
        provider: "payer.sub_openid",
    },
    "the payer's openid under sub_appid (service-provider mode)",
);

// ---- what calls return -----------------------------------------------------------------------

/// `transaction_id` on the mainland is `id` on HK and Global.
const TX_ID: &[(Families, &str)] = &[(CN, "transaction_id"), (OVERSEAS, "id")];

const fn field(
    name: &'static str,
    ty: &'static str,
    from: &'static [(Families, &'static str)],
    doc: &'static str,
) -> Field {
    Field {
        name,
        ty,
        from,
        required: Families::NONE,
        accepted: None,
        doc,
    }
}

const TRANSACTION_FIELDS: &[Field] = &[
    field(
        "transaction_id",
        "string",
        TX_ID,
        "WeChat Pay's order id (absent until paid)",
    ),
    field(
        "out_trade_no",
        "string",
        &[(ALL, "out_trade_no")],
        "the merchant's order number",
    ),
    Field {
        required: ALL,
        accepted: Some("USERPAYING"),
        ..field(
            "trade_state",
            "string",
            &[(ALL, "trade_state")],
            "SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR (kept as sent)",
        )
    },
    field(
        "trade_state_desc",
        "string",
        &[(ALL, "trade_state_desc")],
        "the state in words",
    ),
    field(
        "trade_type",
        "string",
        &[(ALL, "trade_type")],
        "JSAPI, NATIVE, APP, MICROPAY, MWEB, FACEPAY",
    ),
    field(
        "success_time",
        "string",
        &[(ALL, "success_time")],
        "when it was paid (RFC 3339)",
    ),
    field(
        "total",
        "integer",
        &[(ALL, "amount.total")],
        "the order's total, smallest unit",
    ),
    field(
        "payer_total",
        "integer",
        &[(ALL, "amount.payer_total")],
        "what the payer paid, smallest unit",
    ),
    field(
        "currency",
        "string",
        &[(ALL, "amount.currency")],
        "the order's currency",
    ),
    field(
        "payer_currency",
        "string",
        &[(ALL, "amount.payer_currency")],
        "the payer's currency",
    ),
    field(
        "attach",
        "string",
        &[(ALL, "attach")],
        "the merchant's data given at create",
    ),
];

const TRANSACTION: Returns = Returns::Shape {
    name: "Transaction",
    doc: "An order as WeChat Pay sees it (query, code pay).",
    fields: TRANSACTION_FIELDS,
};

const PREPAY: Returns = Returns::Shape {
    name: "Prepay",
    doc: "A created JSAPI, mini program or APP order: hand prepay_id to the payer (see the pay parameters helpers).",
    fields: &[Field {
        required: ALL,
        ..field("prepay_id", "string", &[(ALL, "prepay_id")], "the prepay id, valid 2 hours")
    }],
};

const NATIVE_ORDER: Returns = Returns::Shape {
    name: "NativeOrder",
    doc: "A created Native order: show code_url as a QR code.",
    fields: &[Field {
        required: ALL,
        ..field(
            "code_url",
            "string",
            &[(ALL, "code_url")],
            "the URL to show as a QR code",
        )
    }],
};

const H5_ORDER: Returns = Returns::Shape {
    name: "H5Order",
    doc: "A created H5 order: send the payer's browser to h5_url.",
    fields: &[Field {
        required: ALL,
        ..field(
            "h5_url",
            "string",
            &[(CN, "h5_url"), (OVERSEAS, "mweb_url")],
            "where the payer's browser pays (HK and Global: mweb_url)",
        )
    }],
};

const REFUND_FIELDS: &[Field] = &[
    Field {
        required: ALL,
        ..field(
            "refund_id",
            "string",
            &[(CN, "refund_id"), (OVERSEAS, "id")],
            "WeChat Pay's refund id",
        )
    },
    field("out_refund_no", "string", &[(ALL, "out_refund_no")], "the merchant's refund number"),
    field("transaction_id", "string", &[(ALL, "transaction_id")], "the refunded order's WeChat Pay id"),
    field("out_trade_no", "string", &[(ALL, "out_trade_no")], "the refunded order's number"),
    field(
        "status",
        "string",
        &[(ALL, "status")],
        "PROCESSING, SUCCESS, CLOSED (HK/Global: REFUNDCLOSE), ABNORMAL; absent from HK/Global create answers: query it",
    ),
    field("refund", "integer", &[(ALL, "amount.refund")], "the amount refunded, smallest unit"),
    field("total", "integer", &[(ALL, "amount.total")], "the order's total, smallest unit"),
    field("payer_refund", "integer", &[(ALL, "amount.payer_refund")], "what the payer gets back, smallest unit"),
    field("currency", "string", &[(ALL, "amount.currency")], "the refund's currency"),
    field("channel", "string", &[(ALL, "channel")], "ORIGINAL, BALANCE, OTHER_BALANCE, OTHER_BANKCARD"),
    field("create_time", "string", &[(ALL, "create_time")], "when the refund was accepted"),
    field("success_time", "string", &[(ALL, "success_time")], "when it was refunded"),
];

const REFUND: Returns = Returns::Shape {
    name: "Refund",
    doc: "A refund as WeChat Pay sees it (create, query).",
    fields: REFUND_FIELDS,
};

const REFUND_LIST: Returns = Returns::Shape {
    name: "RefundList",
    doc: "The refunds of one order (HK and Global).",
    fields: &[
        field(
            "total_count",
            "integer",
            &[(ALL, "total_num")],
            "how many refunds the order has",
        ),
        field(
            "count",
            "integer",
            &[(ALL, "current_total_num")],
            "how many are in this page",
        ),
        field(
            "refunds",
            "array",
            &[(ALL, "data")],
            "the refunds of this page, as WeChat Pay sent them",
        ),
    ],
};

// ---- identity rules ---------------------------------------------------------------------------

const CLOSE_IDENTITY: &[(Families, Identity)] =
    &[(CN, Identity::Merchant(No)), (OVERSEAS, Identity::Close)];
const ORDER_IDENTITY: &[(Families, Identity)] = &[(ALL, Identity::Merchant(Always))];
const QUERY_IDENTITY: &[(Families, Identity)] = &[(ALL, Identity::Merchant(No))];
const REFUND_IDENTITY: &[(Families, Identity)] = &[
    (CN, Identity::SubMchid),
    (OVERSEAS, Identity::Merchant(Always)),
];

// ---- the calls ---------------------------------------------------------------------------------

/// Every typed call.
pub static CALLS: &[CallSpec] = &[
    CallSpec {
        name: "close_transaction",
        summary: "Close an unpaid order by WeChat Pay's transaction id",
        doc: "HK and Global only (the mainland closes by out_trade_no). Succeeds on 204 only; a paid order answers ORDERPAID.",
        lead: Some("transaction_id"),
        endpoints: &[
            Endpoint {
                families: HK,
                method: "POST",
                template: "v3/transactions/id/{transaction_id}/close",
                source: "https://pay.weixin.qq.com/wiki/doc/api/wxpay/en/fusion_wallet/H5Payment/chapter8_6.shtml",
            },
            Endpoint {
                families: GLOBAL,
                method: "POST",
                template: "v3/global/transactions/id/{transaction_id}/close",
                source: "https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/chapter3_4_7.shtml",
            },
        ],
        default_endpoint: Some(Family::Hk),
        identity: CLOSE_IDENTITY,
        args: &[TRANSACTION_ID],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[204],
        returns: Returns::Nothing,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "close_out_trade_no",
        summary: "Close an unpaid order by the merchant's out_trade_no",
        doc: "Succeeds on 204 only; a paid order answers ORDERPAID. Default endpoint: hk (as the seed's close call); give endpoint \"mainland\" for the mainland API.",
        lead: Some("out_trade_no"),
        endpoints: &[
            Endpoint {
                families: MAINLAND,
                method: "POST",
                template: "v3/pay/transactions/out-trade-no/{out_trade_no}/close",
                source: "https://pay.weixin.qq.com/doc/v3/merchant/4013070360",
            },
            Endpoint {
                families: PARTNER,
                method: "POST",
                template: "v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
                source: "wechatpay-openapi docs/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close.yaml",
            },
            Endpoint {
                families: HK,
                method: "POST",
                template: "v3/transactions/out-trade-no/{out_trade_no}/close",
                source: "https://pay.weixin.qq.com/wiki/doc/api/wxpay/en/fusion_wallet/H5Payment/chapter8_6.shtml",
            },
            Endpoint {
                families: GLOBAL,
                method: "POST",
                template: "v3/global/transactions/out-trade-no/{out_trade_no}/close",
                source: "https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/chapter3_4_7.shtml",
            },
        ],
        default_endpoint: Some(Family::Hk),
        identity: CLOSE_IDENTITY,
        args: &OUT_TRADE_NO,
        consts: &[],
        rules: &[],
        extra: false,
        success: &[204],
        returns: Returns::Nothing,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "security_echo",
        summary: "The self-test POST /v3/security/echo: signing, verification and RSA-OAEP both ways",
        doc: "message goes out plain and encrypted with WeChat Pay's public key; succeeds when the answer echoes it and its encrypted_echo_message decrypts with the merchant key to it. With notify_url, WeChat Pay also sends a SECURITY_ECHO.SUCCESS notification there.",
        lead: Some("message"),
        endpoints: &[Endpoint {
            families: ALL,
            method: "POST",
            template: "v3/security/echo",
            source: "wechatpay-im/website openapi/v3/security/echo.md",
        }],
        default_endpoint: None,
        identity: &[],
        args: &[
            Arg::new("message", Ty::Text { min: 1, max: 1024 }, To::Special, "the text to echo").required(),
            Arg::new("notify_url", Ty::NotifyUrl, To::Special, "where WeChat Pay sends a SECURITY_ECHO.SUCCESS notification"),
        ],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200],
        returns: Returns::Json {
            name: "SecurityEcho",
            doc: "The security echo's answer: echo_message as sent, encrypted_echo_message for the merchant key.",
            fields: &[
                Field {
                    required: ALL,
                    ..field("echo_message", "string", &[(ALL, "echo_message")], "the message as sent")
                },
                Field {
                    required: ALL,
                    ..field(
                        "encrypted_echo_message",
                        "string",
                        &[(ALL, "encrypted_echo_message")],
                        "the message encrypted with the merchant's public key (decrypt_field gives it back)",
                    )
                },
            ],
        },
        builder: Builder::Echo,
    },
    CallSpec {
        name: "upload",
        summary: "Upload a file (media, images, PDFs): multipart meta then file, signed over the meta",
        doc: "template: the upload endpoint (v3/merchant/media/upload…); path: the file (or bytes handed beside the arguments); options: the PHP SDK's options (base_uri, placeholder values) plus meta, filename, content_type. A file over the endpoint's limit is refused before sending.",
        lead: Some("template"),
        endpoints: &[Endpoint {
            families: ALL,
            method: "POST",
            template: "{template}",
            source: "wechatpay-im/website openapi/v3/merchant/media/upload.md",
        }],
        default_endpoint: None,
        identity: &[],
        args: &[
            Arg::new("template", Ty::Text { min: 1, max: 2048 }, To::Special, "the upload's URI template").required(),
            Arg::new("path", Ty::Text { min: 1, max: 4096 }, To::Special, "the file to upload (or give its bytes beside the arguments)"),
            Arg::new("options", Ty::Object, To::Special, "base_uri, placeholder values, meta, filename, content_type"),
        ],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200, 201, 202, 203, 204, 205, 206],
        returns: Returns::Json {
            name: "UploadAnswer",
            doc: "The upload's answer (media_id, …).",
            fields: &[field("media_id", "string", &[(ALL, "media_id")], "the uploaded file's id")],
        },
        builder: Builder::Upload,
    },
    CallSpec {
        name: "query_transaction",
        summary: "Query a paid order by WeChat Pay's transaction id",
        doc: "An unpaid order has no transaction id yet: query it by out_trade_no.",
        lead: Some("transaction_id"),
        endpoints: &[
            Endpoint {
                families: MAINLAND,
                method: "GET",
                template: "v3/pay/transactions/id/{transaction_id}",
                source: "https://pay.weixin.qq.com/doc/v3/merchant/4013070356",
            },
            Endpoint {
                families: PARTNER,
                method: "GET",
                template: "v3/pay/partner/transactions/id/{transaction_id}",
                source: "wechatpay-openapi docs/v3/pay/partner/transactions/ (id, out-trade-no); wechatpay-go services/partnerpayments",
            },
            Endpoint {
                families: HK,
                method: "GET",
                template: "v3/transactions/id/{transaction_id}",
                source: "wechatpay-openapi docs/hk/v3/transactions/ (id, out-trade-no)",
            },
            Endpoint {
                families: GLOBAL,
                method: "GET",
                template: "v3/global/transactions/id/{transaction_id}",
                source: "wechatpay-openapi docs/v3/global/transactions/ (id, out-trade-no)",
            },
        ],
        default_endpoint: None,
        identity: QUERY_IDENTITY,
        args: &[TRANSACTION_ID],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200],
        returns: TRANSACTION,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "query_out_trade_no",
        summary: "Query an order by the merchant's out_trade_no",
        doc: "Works before and after payment; trade_state tells where the order is.",
        lead: Some("out_trade_no"),
        endpoints: &[
            Endpoint {
                families: MAINLAND,
                method: "GET",
                template: "v3/pay/transactions/out-trade-no/{out_trade_no}",
                source: "https://pay.weixin.qq.com/doc/v3/merchant/4013070354",
            },
            Endpoint {
                families: PARTNER,
                method: "GET",
                template: "v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
                source: "wechatpay-openapi docs/v3/pay/partner/transactions/ (id, out-trade-no); wechatpay-go services/partnerpayments",
            },
            Endpoint {
                families: HK,
                method: "GET",
                template: "v3/transactions/out-trade-no/{out_trade_no}",
                source: "wechatpay-openapi docs/hk/v3/transactions/ (id, out-trade-no)",
            },
            Endpoint {
                families: GLOBAL,
                method: "GET",
                template: "v3/global/transactions/out-trade-no/{out_trade_no}",
                source: "wechatpay-openapi docs/v3/global/transactions/ (id, out-trade-no)",
            },
        ],
        default_endpoint: None,
        identity: QUERY_IDENTITY,
        args: &OUT_TRADE_NO,
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200],
        returns: TRANSACTION,
        builder: Builder::Standard,
    },
];
