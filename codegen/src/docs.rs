//! `CALLS.md`: every typed call, its endpoints and arguments, and its name in every language.

use crate::{camel, Model, Returns, BANNER};

pub(crate) fn generate(model: &Model) -> String {
    let mut o = format!("<!-- {BANNER} -->\n\n# Typed calls\n\n");
    o.push_str("Every call below is one entry of the core's catalogue (`core/src/calls/catalogue/entries.rs`).\nEach language's method is generated from it; the generic entry takes any of them by name:\n`wxpay_call(client, \"name\", args_json, …)` in C, `client.call(\"name\", {...})` in Python and\nNode, `$client->call('name', [...])` in PHP, `wxpay call name --args '{...}'` on the command line.\nArguments take snake_case (every language) or camelCase (Node, PHP) keys; the core checks every\none before anything is sent and names the one at fault (`argument` on the error).\n\n");
    o.push_str(
        "| call | Python | Node | PHP | C | families | returns |\n|---|---|---|---|---|---|---|\n",
    );
    for c in &model.calls {
        let ret = match &c.returns {
            Returns::Nothing => "nothing (the status)".to_owned(),
            Returns::Json(n) => format!("`{n}` (JSON)"),
            Returns::Shape(n) => format!("`{n}`"),
        };
        let (py, node, php, cc) = if c.hand_written {
            (
                format!("`{}` (hand-written)", c.name),
                format!("`{}` (hand-written)", camel(&c.name)),
                format!("`{}` (hand-written)", camel(&c.name)),
                "`wxpay_upload`".to_owned(),
            )
        } else {
            (
                format!("`{0}` / `{0}_async`", c.name),
                format!("`{0}` / `{0}Sync`", camel(&c.name)),
                format!("`{0}` / `{0}Async`", camel(&c.name)),
                format!("`wxpay_call_{}`", c.name),
            )
        };
        o.push_str(&format!(
            "| [`{}`](#{}) | {py} | {node} | {php} | {cc} | {} | {ret} |\n",
            c.name,
            c.name,
            c.families.join(", ")
        ));
    }
    for c in &model.calls {
        o.push_str(&format!("\n## {}\n\n{}.", c.name, c.summary));
        if !c.doc.is_empty() {
            o.push_str(&format!(" {}", c.doc));
        }
        o.push_str("\n\n");
        for (fams, method, template) in &c.endpoints {
            o.push_str(&format!("- {}: `{method} {template}`\n", fams.join(", ")));
        }
        if let Some(d) = &c.default_endpoint {
            o.push_str(&format!("- default endpoint: `{d}`\n"));
        }
        o.push_str("\n| argument | type | required | notes |\n|---|---|---|---|\n");
        for a in &c.args {
            let lead = if c.lead.as_deref() == Some(a.name.as_str()) {
                " (positional)"
            } else {
                ""
            };
            let ty = match &a.choices {
                Some(ch) => ch
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(" \\| "),
                None => a.ty.clone(),
            };
            let req = if a.required {
                "yes".to_owned()
            } else if a.required_in.is_empty() {
                "no".to_owned()
            } else {
                a.required_in.join(", ")
            };
            o.push_str(&format!(
                "| `{}`{lead} | {ty} | {req} | {} |\n",
                a.name,
                a.full_doc().replace('|', "\\|")
            ));
        }
        match &c.returns {
            Returns::Nothing => o.push_str("\nReturns the response (success is its status).\n"),
            Returns::Json(n) | Returns::Shape(n) => {
                let s = model.shape(n);
                o.push_str(&format!(
                    "\nReturns `{n}`: {}\n\n| field | type | always |\n|---|---|---|\n",
                    s.doc
                ));
                for f in &s.fields {
                    o.push_str(&format!(
                        "| `{}` | {} | {} |\n",
                        f.name,
                        f.ty,
                        if f.always { "yes" } else { "no" }
                    ));
                }
            }
        }
    }
    o
}
