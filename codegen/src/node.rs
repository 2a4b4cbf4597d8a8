//! `bindings-node/calls.d.ts`: the typings of the typed calls (`index.js` installs the methods
//! from the catalogue at load time).

use crate::{camel, pascal, wrap, Call, Model, Returns, Types, BANNER};

const TYPES: Types = Types {
    arg: [
        "string",
        "number",
        "Record<string, unknown>",
        "unknown[]",
        "unknown",
    ],
    field: [
        "string",
        "number",
        "Record<string, unknown>",
        "Array<Record<string, unknown>>",
        "boolean",
        "unknown",
    ],
    choice: ("", "'", " | ", ""),
};

fn jsdoc(lines: &[String], indent: &str) -> String {
    if lines.len() == 1 {
        return format!("{indent}/** {} */\n", lines[0]);
    }
    let mut o = format!("{indent}/**\n");
    for l in lines {
        if l.is_empty() {
            o.push_str(&format!("{indent} *\n"));
        } else {
            o.push_str(&format!("{indent} * {l}\n"));
        }
    }
    o.push_str(&format!("{indent} */\n"));
    o
}

fn options_name(c: &Call) -> String {
    format!("{}Options", pascal(&c.name))
}

fn result(model: &Model, c: &Call) -> String {
    match &c.returns {
        Returns::Nothing => "Response".into(),
        Returns::Json(name) | Returns::Shape(name) => model.shape(name).name.clone(),
    }
}

pub(crate) fn generate(model: &Model) -> String {
    let mut o = format!("// {BANNER}\n\n");
    o.push_str("import type { Response } from './index'\n\n");
    o.push_str(
        "/** What every async typed call also takes: an AbortSignal ends it (as in fetch). */\n",
    );
    o.push_str("export interface CallSignal {\n  signal?: AbortSignal\n}\n");
    for c in model.generated() {
        o.push('\n');
        o.push_str(&jsdoc(
            &[format!(
                "The options of `{}` (camelCase or snake_case).",
                camel(&c.name)
            )],
            "",
        ));
        o.push_str(&format!("export interface {} {{\n", options_name(c)));
        for a in c.rest() {
            let doc: Vec<String> = wrap(&a.full_doc(), 96, "");
            o.push_str(&jsdoc(&doc, "  "));
            o.push_str(&format!(
                "  {}{}: {}\n",
                camel(&a.name),
                if a.required { "" } else { "?" },
                TYPES.of_arg(a)
            ));
        }
        o.push_str("}\n");
    }
    for s in &model.shapes {
        o.push('\n');
        o.push_str(&jsdoc(std::slice::from_ref(&s.doc), ""));
        o.push_str(&format!("export interface {} {{\n", s.name));
        for f in &s.fields {
            o.push_str(&jsdoc(std::slice::from_ref(&f.doc), "  "));
            let name = if s.json {
                f.name.clone()
            } else {
                camel(&f.name)
            };
            if f.always {
                o.push_str(&format!("  {name}: {}\n", TYPES.of_field(&f.ty)));
            } else {
                o.push_str(&format!("  {name}: {} | null\n", TYPES.of_field(&f.ty)));
            }
        }
        if !s.json {
            o.push_str("  /** The answer's HTTP status. */\n  status: number\n");
            o.push_str("  /** The answer's Request-ID (quote it to WeChat Pay support). */\n  requestId: string | null\n");
            o.push_str("  /** The whole answer, as WeChat Pay sent it. */\n  raw: Record<string, unknown>\n");
        }
        o.push_str("}\n");
    }
    o.push_str("\n/** The typed calls of the catalogue: each async method resolves off the event loop, its `*Sync` twin blocks. */\n");
    o.push_str("export interface ClientCalls {\n");
    for c in model.generated() {
        let mut doc = wrap(&format!("{}.", c.summary), 96, "");
        if !c.doc.is_empty() {
            doc.push(String::new());
            doc.extend(wrap(&c.doc, 96, ""));
        }
        doc.push(String::new());
        doc.push(format!("Endpoints: {}.", c.endpoint_lines().join("; ")));
        o.push_str(&jsdoc(&doc, "  "));
        let lead = c
            .lead_arg()
            .map(|a| format!("{}: {}, ", camel(&a.name), TYPES.of_arg(a)))
            .unwrap_or_default();
        let opt = if c.rest().any(|a| a.required) {
            ""
        } else {
            "?"
        };
        let m = camel(&c.name);
        let r = result(model, c);
        o.push_str(&format!(
            "  {m}({lead}options{opt}: {} & CallSignal): Promise<{r}>\n",
            options_name(c)
        ));
        o.push_str(&format!(
            "  {m}Sync({lead}options{opt}: {}): {r}\n",
            options_name(c)
        ));
    }
    o.push_str("}\n");
    o
}
