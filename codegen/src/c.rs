//! `include/wxpay_calls.h`: a name constant and two `static inline` wrappers over `wxpay_call`
//! / `wxpay_call_start` per call, so a C user gets a named, documented function without the
//! library exporting one more symbol per call.

use crate::{wrap, Model, Returns, BANNER};

pub(crate) fn generate(model: &Model) -> String {
    let mut o = String::new();
    o.push_str("/*\n");
    for l in wrap(BANNER, 96, " * ") {
        o.push_str(&l);
        o.push('\n');
    }
    o.push_str(" *\n * The typed calls of the catalogue over the one generic entry: each takes the call's\n * arguments as one JSON object (`args_json`, snake_case keys) and gives a response as\n * wxpay_call() does, with the same ownership contract (the caller frees `*out` with\n * wxpay_response_free and `*err` with wxpay_error_free). Typed fields of the answer:\n * wxpay_response_result_json().\n */\n");
    o.push_str("#ifndef WXPAY_CALLS_H\n#define WXPAY_CALLS_H\n\n#include \"wxpay.h\"\n\n");
    for c in &model.calls {
        o.push_str("/*\n");
        for l in wrap(&format!("{}.", c.summary), 96, " * ") {
            o.push_str(&l);
            o.push('\n');
        }
        o.push_str(" *\n");
        for e in c.endpoint_lines() {
            o.push_str(&format!(" *   {e}\n"));
        }
        o.push_str(" *\n * args_json keys:\n");
        for a in &c.args {
            let req = if a.required { " (required)" } else { "" };
            for l in wrap(&format!("{}{req}: {}", a.name, a.full_doc()), 96, " *   ") {
                o.push_str(&l);
                o.push('\n');
            }
        }
        let ret = match &c.returns {
            Returns::Nothing => "nothing but the status".to_owned(),
            Returns::Json(n) | Returns::Shape(n) => {
                let s = model.shape(n);
                format!(
                    "result fields: {}",
                    s.fields
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        };
        for l in wrap(&format!("Returns {ret}."), 96, " * ") {
            o.push_str(&l);
            o.push('\n');
        }
        o.push_str(" */\n");
        let upper = c.name.to_uppercase();
        o.push_str(&format!("#define WXPAY_CALL_{upper} \"{}\"\n", c.name));
        if c.hand_written {
            o.push('\n');
            continue;
        }
        for (suffix, out_ty, f) in [
            ("", "wxpay_response_t", "wxpay_call"),
            ("_start", "wxpay_future_t", "wxpay_call_start"),
        ] {
            o.push_str(&format!(
                "static inline wxpay_status wxpay_call_{}{suffix}(const wxpay_client_t *client, const char *args_json,\n        {out_ty} **out, wxpay_error_t **err) {{\n    return {f}(client, WXPAY_CALL_{upper}, args_json, out, err);\n}}\n",
                c.name
            ));
        }
        o.push('\n');
    }
    o.push_str("#endif /* WXPAY_CALLS_H */\n");
    o
}
