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
        "refund_status",
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

// ---- the payment day: create, refund ----------------------------------------------------------

/// The official pages of the create calls, per family.
const SRC_CN_CREATE: &str = "https://pay.weixin.qq.com/doc/v3/merchant/4012791897 (JSAPI; APP, Native and H5 pages of the same section); wechatpay-openapi docs/v3/pay/transactions/{jsapi,app,native,h5}.yaml";
const SRC_PARTNER_CREATE: &str = "https://pay.weixin.qq.com/doc/v3/partner/4012523579; wechatpay-openapi docs/v3/pay/partner/transactions/{jsapi,app,native,h5}.yaml";
const SRC_HK_CREATE: &str = "https://pay.weixin.qq.com/wiki/doc/api/wxpay/en/fusion_wallet/ (JSAPI, APP, Native, H5); wechatpay-openapi docs/hk/v3/transactions/{jsapi,app,native,mweb}.yaml";
const SRC_GLOBAL_CREATE: &str = "https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/ (chapter3); wechatpay-openapi docs/v3/global/transactions/{jsapi,app,native,mweb}.yaml";

/// `scene_info`, required (H5: the mainland's `h5_info`, HK/Global's `payer_client_ip`).
const SCENE_INFO_REQUIRED: Arg = Arg::new(
    "scene_info",
    Ty::Object,
    To::Body("scene_info"),
    "the scene, sent as given: mainland {payer_client_ip, h5_info: {type: \"Wap\"…}}; HK and Global {payer_client_ip}",
)
.required();

/// The create calls' common arguments (their order is the methods' keyword order).
macro_rules! create_args {
    ($($extra:expr),* $(,)?) => {
        &[
            OUT_TRADE_NO_BODY[0],
            OUT_TRADE_NO_BODY[1],
            DESCRIPTION,
            AMOUNT,
            NOTIFY_URL,
            $($extra,)*
            CURRENCY,
            MERCHANT_CATEGORY_CODE,
            ATTACH,
            TIME_EXPIRE,
            GOODS_TAG,
            DETAIL,
        ]
    };
}

/// One create call: its path per family, its extra arguments, what it returns.
macro_rules! create_call {
    ($name:literal, $summary:literal, $doc:literal, $cn:literal, $overseas:literal, $trade_type:literal,
     $args:expr, $rules:expr, $returns:expr) => {
        CallSpec {
            name: $name,
            summary: $summary,
            doc: $doc,
            lead: None,
            endpoints: &[
                Endpoint {
                    families: MAINLAND,
                    method: "POST",
                    template: concat!("v3/pay/transactions/", $cn),
                    source: SRC_CN_CREATE,
                },
                Endpoint {
                    families: PARTNER,
                    method: "POST",
                    template: concat!("v3/pay/partner/transactions/", $cn),
                    source: SRC_PARTNER_CREATE,
                },
                Endpoint {
                    families: HK,
                    method: "POST",
                    template: concat!("v3/transactions/", $overseas),
                    source: SRC_HK_CREATE,
                },
                Endpoint {
                    families: GLOBAL,
                    method: "POST",
                    template: concat!("v3/global/transactions/", $overseas),
                    source: SRC_GLOBAL_CREATE,
                },
            ],
            default_endpoint: None,
            identity: ORDER_IDENTITY,
            args: $args,
            consts: &[(OVERSEAS, "trade_type", $trade_type)],
            rules: $rules,
            extra: true,
            success: &[200],
            returns: $returns,
            builder: Builder::Standard,
        }
    };
}

const REFUND_NOTIFY_URL: Arg = Arg::new(
    "notify_url",
    Ty::NotifyUrl,
    To::Body("notify_url"),
    "where WeChat Pay sends the refund notification",
);
const OUT_REFUND_NO_BODY: Arg = Arg::new(
    "out_refund_no",
    REFUND_ID,
    To::Body("out_refund_no"),
    "the merchant's refund number, unique per merchant (retry with the same one: never a second refund)",
)
.required();
const OUT_REFUND_NO_PATH: Arg = Arg::new(
    "out_refund_no",
    REFUND_ID,
    To::Path,
    "the merchant's refund number",
)
.required();
const REFUND_TRANSACTION_ID: Arg = Arg::new(
    "transaction_id",
    ORDER_ID,
    To::Body("transaction_id"),
    "the order to refund, by WeChat Pay's id (or out_trade_no)",
);
const REFUND_OUT_TRADE_NO: [Arg; 2] = [
    Arg::new(
        "out_trade_no",
        CN_OUT_TRADE_NO,
        To::Body("out_trade_no"),
        "the order to refund, by the merchant's number (or transaction_id)",
    )
    .only(CN),
    Arg::new(
        "out_trade_no",
        ORDER_ID,
        To::Body("out_trade_no"),
        "the order to refund, by the merchant's number (or transaction_id)",
    )
    .only(OVERSEAS),
];
const REFUND_AMOUNT: Arg = Arg::new(
    "refund",
    Ty::Amount,
    To::Body("amount.refund"),
    "how much to refund, smallest unit; at most the order's total",
)
.required();
const REFUND_TOTAL: Arg = Arg::new(
    "total",
    Ty::Amount,
    To::Body("amount.total"),
    "the order's total, smallest unit (as created)",
)
.required();
const REFUND_CURRENCY: Arg = Arg::new(
    "currency",
    Ty::Currency,
    To::Body("amount.currency"),
    "the refund's currency (the order's; mainland: CNY)",
)
.or(super::Default::Text("CNY"))
.only(CN);
const REFUND_CURRENCY_OVERSEAS: Arg = Arg::new(
    "currency",
    Ty::Currency,
    To::Body("amount.currency"),
    "the refund's currency (the order's)",
)
.only(OVERSEAS)
.required();
const REFUND_REASON: Arg = Arg::new(
    "reason",
    Ty::Text { min: 1, max: 80 },
    To::Body("reason"),
    "why, shown to the payer",
);

const REFUND_QUERY_IDENTITY: &[(Families, Identity)] =
    &[(CN, Identity::SubMchid), (OVERSEAS, Identity::Merchant(No))];

/// The code pay (付款码) calls' pages, per family.
const SRC_CN_CODEPAY: &str = "https://pay.weixin.qq.com/doc/v3/merchant/4012791880 (付款码支付); wechatpay-openapi docs/v3/pay/transactions/codepay.yaml";
const SRC_PARTNER_CODEPAY: &str = "wechatpay-openapi docs/v3/pay/partner/transactions/codepay.yaml";
const SRC_HK_MICROPAY: &str = "https://pay.weixin.qq.com/wiki/doc/api/wxpay/en/fusion_wallet/QuickPay/chapter8_1.shtml; wechatpay-openapi docs/hk/v3/transactions/micropay.yaml";
const SRC_GLOBAL_MICROPAY: &str = "https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/chapter3_5_1.shtml; wechatpay-openapi docs/v3/global/micropay/transactions/pay.yaml";

const AUTH_CODE: Arg = Arg::new(
    "auth_code",
    Ty::Digits { min: 10, max: 32 },
    To::Body("payer.auth_code"),
    "the digits of the payer's payment code (付款码), as scanned",
)
.required();
const STORE_SCENE_INFO: [Arg; 2] = [
    Arg::new(
        "scene_info",
        Ty::Object,
        To::Body("scene_info"),
        "the store and device, sent as given: {store_info: {out_id…}, device_ip…}",
    )
    .only(CN)
    .required(),
    Arg::new(
        "scene_info",
        Ty::Object,
        To::Body("scene_info"),
        "the store and device, sent as given: {device_id, device_ip, store_info…}",
    )
    .only(OVERSEAS),
];

/// `refund_id`: WeChat Pay's refund id (HK and Global query by it).
const REFUND_ID_PATH: Arg =
    Arg::new("refund_id", REFUND_ID, To::Path, "WeChat Pay's refund id").required();
const LIST_TRANSACTION_ID: Arg = Arg::new(
    "transaction_id",
    ORDER_ID,
    To::Query("transaction_id"),
    "the order, by WeChat Pay's id (or out_trade_no)",
);
const LIST_OUT_TRADE_NO: Arg = Arg::new(
    "out_trade_no",
    ORDER_ID,
    To::Query("out_trade_no"),
    "the order, by the merchant's number (or transaction_id)",
);
const LIST_OFFSET: Arg = Arg::new(
    "offset",
    Ty::Int {
        min: 0,
        max: 1_000_000,
    },
    To::Query("offset"),
    "where the page starts (0 first)",
)
.or(super::Default::Int(0));
const LIST_COUNT: Arg = Arg::new(
    "count",
    Ty::Int { min: 1, max: 20 },
    To::Query("count"),
    "how many refunds per page (1–20)",
)
.or(super::Default::Int(10));

const REVERSE_IDENTITY: &[(Families, Identity)] = &[
    (CN, Identity::Merchant(Always)),
    (OVERSEAS, Identity::Merchant(No)),
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
    create_call!(
        "create_jsapi",
        "Create a JSAPI or mini program order: the payer pays inside WeChat",
        "Give openid (merchant mode; sp_openid in service-provider mode) or sub_openid with sub_appid. Hand prepay_id to the page with the JSAPI pay parameters.",
        "jsapi",
        "jsapi",
        "JSAPI",
        create_args!(OPENID, SUB_OPENID),
        &[super::Rule::AnyOf(&["openid", "sub_openid"])],
        PREPAY
    ),
    create_call!(
        "create_app",
        "Create an APP order: the payer pays in the merchant's app through the WeChat SDK",
        "Hand prepay_id to the app with the APP pay parameters.",
        "app",
        "app",
        "APP",
        create_args!(SCENE_INFO),
        &[],
        PREPAY
    ),
    create_call!(
        "create_native",
        "Create a Native order: the payer scans a QR code",
        "Show code_url as a QR code; the order is paid when the notification (or a query) says SUCCESS.",
        "native",
        "native",
        "NATIVE",
        create_args!(SCENE_INFO),
        &[],
        NATIVE_ORDER
    ),
    create_call!(
        "create_h5",
        "Create an H5 order: the payer pays in a mobile browser outside WeChat",
        "The mainland path is h5 (answer h5_url), HK and Global's is mweb (answer mweb_url): both give h5_url here. scene_info is required.",
        "h5",
        "mweb",
        "MWEB",
        create_args!(SCENE_INFO_REQUIRED),
        &[],
        H5_ORDER
    ),
    CallSpec {
        name: "create_refund",
        summary: "Refund a paid order, in full or in part",
        doc: "Give transaction_id or out_trade_no. The answer's status is PROCESSING until the refund notification (or query_refund) says SUCCESS; HK and Global answer without a status: query it.",
        lead: None,
        endpoints: &[
            Endpoint {
                families: CN,
                method: "POST",
                template: "v3/refund/domestic/refunds",
                source: "https://pay.weixin.qq.com/doc/v3/merchant/4012791903; wechatpay-openapi docs/v3/refund/domestic/refunds.yaml",
            },
            Endpoint {
                families: HK,
                method: "POST",
                template: "v3/refunds",
                source: "wechatpay-openapi docs/hk/v3/refunds.yaml",
            },
            Endpoint {
                families: GLOBAL,
                method: "POST",
                template: "v3/global/refunds",
                source: "wechatpay-openapi docs/v3/global/refunds.yaml",
            },
        ],
        default_endpoint: None,
        identity: REFUND_IDENTITY,
        args: &[
            OUT_REFUND_NO_BODY,
            REFUND_TRANSACTION_ID,
            REFUND_OUT_TRADE_NO[0],
            REFUND_OUT_TRADE_NO[1],
            REFUND_AMOUNT,
            REFUND_TOTAL,
            REFUND_CURRENCY,
            REFUND_CURRENCY_OVERSEAS,
            REFUND_REASON,
            REFUND_NOTIFY_URL,
        ],
        consts: &[],
        rules: &[
            super::Rule::OneOf(&["transaction_id", "out_trade_no"]),
            super::Rule::NotAbove("refund", "total"),
        ],
        extra: true,
        success: &[200],
        returns: REFUND,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "query_refund",
        summary: "Query a refund by the merchant's out_refund_no",
        doc: "status: PROCESSING, SUCCESS, CLOSED (HK/Global: REFUNDCLOSE) or ABNORMAL.",
        lead: Some("out_refund_no"),
        endpoints: &[
            Endpoint {
                families: CN,
                method: "GET",
                template: "v3/refund/domestic/refunds/{out_refund_no}",
                source: "https://pay.weixin.qq.com/doc/v3/merchant/4012791904; wechatpay-go services/refunddomestic",
            },
            Endpoint {
                families: HK,
                method: "GET",
                template: "v3/refunds/out-refund-no/{out_refund_no}",
                source: "wechatpay-openapi docs/hk/v3/refunds/out-refund-no/{out_refund_no}.yaml",
            },
            Endpoint {
                families: GLOBAL,
                method: "GET",
                template: "v3/global/refunds/out-refund-no/{out_refund_no}",
                source: "wechatpay-openapi docs/v3/global/refunds/out-refund-no/{out_refund_no}.yaml",
            },
        ],
        default_endpoint: None,
        identity: REFUND_QUERY_IDENTITY,
        args: &[OUT_REFUND_NO_PATH],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200],
        returns: REFUND,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "create_micropay",
        summary: "Charge a payer's payment code (付款码) scanned at the till",
        doc: "The mainland calls it codepay. trade_state SUCCESS is paid; USERPAYING (the payer is entering the password; HTTP 202 on the mainland) is no error: query until it settles, and reverse if it does not. No notify_url: no notification is sent.",
        lead: None,
        endpoints: &[
            Endpoint {
                families: MAINLAND,
                method: "POST",
                template: "v3/pay/transactions/codepay",
                source: SRC_CN_CODEPAY,
            },
            Endpoint {
                families: PARTNER,
                method: "POST",
                template: "v3/pay/partner/transactions/codepay",
                source: SRC_PARTNER_CODEPAY,
            },
            Endpoint {
                families: HK,
                method: "POST",
                template: "v3/transactions/micropay",
                source: SRC_HK_MICROPAY,
            },
            Endpoint {
                families: GLOBAL,
                method: "POST",
                template: "v3/global/micropay/transactions/pay",
                source: SRC_GLOBAL_MICROPAY,
            },
        ],
        default_endpoint: None,
        identity: ORDER_IDENTITY,
        args: &[
            OUT_TRADE_NO_BODY[0],
            OUT_TRADE_NO_BODY[1],
            DESCRIPTION,
            AMOUNT,
            AUTH_CODE,
            STORE_SCENE_INFO[0],
            STORE_SCENE_INFO[1],
            CURRENCY,
            MERCHANT_CATEGORY_CODE,
            ATTACH,
            GOODS_TAG,
            DETAIL,
        ],
        consts: &[(OVERSEAS, "trade_type", "MICROPAY")],
        rules: &[],
        extra: true,
        success: &[200, 202],
        returns: TRANSACTION,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "reverse_out_trade_no",
        summary: "Reverse (撤销) a code pay order by out_trade_no: unpaid it is closed, paid it is refunded",
        doc: "Code pay (micropay) orders only, when the payer could not finish or the till lost the answer. The mainland answers 200 with the order's ids, HK and Global 204.",
        lead: Some("out_trade_no"),
        endpoints: &[
            Endpoint {
                families: MAINLAND,
                method: "POST",
                template: "v3/pay/transactions/out-trade-no/{out_trade_no}/reverse",
                source: "wechatpay-openapi docs/v3/pay/transactions/out-trade-no/{out_trade_no}/reverse.yaml",
            },
            Endpoint {
                families: PARTNER,
                method: "POST",
                template: "v3/pay/partner/transactions/out-trade-no/{out_trade_no}/reverse",
                source: "wechatpay-openapi docs/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/reverse.yaml",
            },
            Endpoint {
                families: HK,
                method: "POST",
                template: "v3/transactions/out-trade-no/{out_trade_no}/reverse",
                source: "https://pay.weixin.qq.com/wiki/doc/api/wxpay/en/fusion_wallet/QuickPay/chapter8_4.shtml",
            },
            Endpoint {
                families: GLOBAL,
                method: "POST",
                template: "v3/global/micropay/transactions/out-trade-no/{out_trade_no}/reverse",
                source: "https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/chapter3_5_4.shtml",
            },
        ],
        default_endpoint: None,
        identity: REVERSE_IDENTITY,
        args: &OUT_TRADE_NO,
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200, 204],
        returns: Returns::Nothing,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "reverse_transaction",
        summary: "Reverse (撤销) a code pay order by WeChat Pay's transaction id (HK and Global)",
        doc: "The mainland reverses by out_trade_no only. Succeeds on 204.",
        lead: Some("transaction_id"),
        endpoints: &[
            Endpoint {
                families: HK,
                method: "POST",
                template: "v3/transactions/id/{transaction_id}/reverse",
                source: "https://pay.weixin.qq.com/wiki/doc/api/wxpay/en/fusion_wallet/QuickPay/chapter8_4.shtml",
            },
            Endpoint {
                families: GLOBAL,
                method: "POST",
                template: "v3/global/micropay/transactions/id/{transaction_id}/reverse",
                source: "https://pay.weixin.qq.com/wiki/doc/api_external/en/apis/chapter3_5_4.shtml",
            },
        ],
        default_endpoint: None,
        identity: &[(OVERSEAS, Identity::Merchant(No))],
        args: &[TRANSACTION_ID],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[204],
        returns: Returns::Nothing,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "query_refund_id",
        summary: "Query a refund by WeChat Pay's refund_id (HK and Global)",
        doc: "The mainland queries refunds by out_refund_no only.",
        lead: Some("refund_id"),
        endpoints: &[
            Endpoint {
                families: HK,
                method: "GET",
                template: "v3/refunds/id/{refund_id}",
                source: "wechatpay-openapi docs/hk/v3/refunds/id/{refund_id}.yaml",
            },
            Endpoint {
                families: GLOBAL,
                method: "GET",
                template: "v3/global/refunds/id/{refund_id}",
                source: "wechatpay-openapi docs/v3/global/refunds/id/{refund_id}.yaml",
            },
        ],
        default_endpoint: None,
        identity: &[(OVERSEAS, Identity::Merchant(No))],
        args: &[REFUND_ID_PATH],
        consts: &[],
        rules: &[],
        extra: false,
        success: &[200],
        returns: REFUND,
        builder: Builder::Standard,
    },
    CallSpec {
        name: "list_refunds",
        summary: "List the refunds of one order, a page at a time (HK and Global)",
        doc: "Give transaction_id or out_trade_no; offset and count page through them (count at most 20).",
        lead: None,
        endpoints: &[
            Endpoint {
                families: HK,
                method: "GET",
                template: "v3/refunds",
                source: "wechatpay-openapi docs/hk/v3/refunds.yaml (get)",
            },
            Endpoint {
                families: GLOBAL,
                method: "GET",
                template: "v3/global/refunds",
                source: "wechatpay-openapi docs/v3/global/refunds.yaml (get)",
            },
        ],
        default_endpoint: None,
        identity: &[(OVERSEAS, Identity::Merchant(No))],
        args: &[LIST_TRANSACTION_ID, LIST_OUT_TRADE_NO, LIST_OFFSET, LIST_COUNT],
        consts: &[],
        rules: &[super::Rule::OneOf(&["transaction_id", "out_trade_no"])],
        extra: false,
        success: &[200],
        returns: REFUND_LIST,
        builder: Builder::Standard,
    },
];
