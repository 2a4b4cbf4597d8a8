//! Every language's typed calls, written from the core's call catalogue
//! (`wxpay::calls::catalogue::catalogue_json`): Python methods and result classes, the Node
//! typings, the PHP trait, the C wrappers and `CALLS.md`. `make calls` writes them; the test
//! `tests/drift.rs` fails when a committed file is not what the catalogue gives.
//!
//! The generators read the catalogue as JSON, exactly as any other tool could: what is not in
//! the JSON cannot reach a language.

use serde_json::Value;

mod c;
mod docs;
mod node;
mod php;
mod python;

/// One generated file: its path from the repository root, and its text.
pub struct Generated {
    /// The path, relative to the repository root.
    pub path: &'static str,
    /// The whole text.
    pub text: String,
}

/// Every generated file.
pub fn generate() -> Vec<Generated> {
    let model = Model::read(&wxpay::calls::catalogue::catalogue_json());
    vec![
        Generated {
            path: "bindings-python/python/wxpay/_calls.py",
            text: python::generate(&model),
        },
        Generated {
            path: "bindings-node/calls.d.ts",
            text: node::generate(&model),
        },
        Generated {
            path: "bindings-php/src/Calls.php",
            text: php::generate(&model),
        },
        Generated {
            path: "include/wxpay_calls.h",
            text: c::generate(&model),
        },
        Generated {
            path: "CALLS.md",
            text: docs::generate(&model),
        },
    ]
}

/// The catalogue as the generators see it.
pub(crate) struct Model {
    pub(crate) calls: Vec<Call>,
    /// Result types, each once, in order of first use.
    pub(crate) shapes: Vec<Shape>,
}

pub(crate) struct Call {
    pub(crate) name: String,
    pub(crate) summary: String,
    pub(crate) doc: String,
    pub(crate) lead: Option<String>,
    pub(crate) families: Vec<String>,
    pub(crate) default_endpoint: Option<String>,
    pub(crate) endpoints: Vec<(Vec<String>, String, String)>,
    pub(crate) args: Vec<ArgView>,
    pub(crate) returns: Returns,
    /// Hand-written in every language (uploads take language-specific file objects).
    pub(crate) hand_written: bool,
}

pub(crate) enum Returns {
    Nothing,
    Json(String),
    Shape(String),
}

pub(crate) struct Shape {
    pub(crate) name: String,
    pub(crate) doc: String,
    pub(crate) json: bool,
    pub(crate) fields: Vec<FieldView>,
}

pub(crate) struct FieldView {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) doc: String,
    /// Present in every answer of every family serving the call.
    pub(crate) always: bool,
}

/// An argument, its declarations for several families merged.
pub(crate) struct ArgView {
    pub(crate) name: String,
    /// `string`, `amount`, `integer`, `object`, `array`, `json`.
    pub(crate) ty: String,
    pub(crate) choices: Option<Vec<String>>,
    pub(crate) doc: String,
    pub(crate) rule: String,
    pub(crate) families: Vec<String>,
    pub(crate) required_in: Vec<String>,
    /// Required for every family serving the call.
    pub(crate) required: bool,
    pub(crate) default: Option<String>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn api_of(family: &str) -> &str {
    if family == "partner" {
        "mainland"
    } else {
        family
    }
}

impl Model {
    fn read(v: &Value) -> Model {
        let mut calls = Vec::new();
        let mut shapes: Vec<Shape> = Vec::new();
        for c in v["calls"].as_array().into_iter().flatten() {
            let families = strings(&c["families"]);
            let mut apis: Vec<String> = Vec::new();
            for f in &families {
                let api = api_of(f).to_owned();
                if !apis.contains(&api) {
                    apis.push(api);
                }
            }
            let mut args: Vec<ArgView> = Vec::new();
            for a in c["args"].as_array().into_iter().flatten() {
                let name = text(a, "name");
                let fams = strings(&a["families"]);
                let req = strings(&a["required"]);
                if let Some(seen) = args.iter_mut().find(|x| x.name == name) {
                    seen.families.extend(fams);
                    seen.required_in.extend(req);
                    continue;
                }
                let mut choices = a["choices"].as_array().map(|_| strings(&a["choices"]));
                if name == "endpoint" {
                    // Only the APIs that serve this call.
                    choices = Some(apis.clone());
                }
                args.push(ArgView {
                    name,
                    ty: text(a, "type"),
                    choices,
                    doc: text(a, "doc"),
                    rule: text(a, "rule"),
                    families: fams,
                    required_in: req,
                    required: false,
                    default: (!a["default"].is_null()).then(|| a["default"].to_string()),
                });
            }
            for a in &mut args {
                a.required = families.iter().all(|f| a.required_in.contains(f));
            }
            let r = &c["returns"];
            let returns = match r["kind"].as_str() {
                Some(kind @ ("shape" | "json")) => {
                    let name = text(r, "name");
                    if !shapes.iter().any(|s| s.name == name) {
                        shapes.push(Shape {
                            name: name.clone(),
                            doc: text(r, "doc"),
                            json: kind == "json",
                            fields: r["fields"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|f| FieldView {
                                    name: text(f, "name"),
                                    ty: text(f, "type"),
                                    doc: text(f, "doc"),
                                    always: families
                                        .iter()
                                        .all(|fam| strings(&f["required"]).contains(fam)),
                                })
                                .collect(),
                        });
                    }
                    if kind == "json" {
                        Returns::Json(name)
                    } else {
                        Returns::Shape(name)
                    }
                }
                _ => Returns::Nothing,
            };
            calls.push(Call {
                name: text(c, "name"),
                summary: text(c, "summary"),
                doc: text(c, "doc"),
                lead: c["lead"].as_str().map(str::to_owned),
                families,
                default_endpoint: c["default_endpoint"].as_str().map(str::to_owned),
                endpoints: c["endpoints"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        (
                            strings(&e["families"]),
                            text(e, "method"),
                            text(e, "template"),
                        )
                    })
                    .collect(),
                args,
                returns,
                hand_written: c["builder"] == "upload",
            });
        }
        Model { calls, shapes }
    }

    pub(crate) fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .iter()
            .find(|s| s.name == name)
            .expect("a shape of the catalogue")
    }

    /// The calls every language generates (not the hand-written ones).
    pub(crate) fn generated(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|c| !c.hand_written)
    }
}

impl Call {
    /// The arguments other than the lead.
    pub(crate) fn rest(&self) -> impl Iterator<Item = &ArgView> {
        self.args
            .iter()
            .filter(move |a| Some(&a.name) != self.lead.as_ref())
    }

    pub(crate) fn lead_arg(&self) -> Option<&ArgView> {
        self.lead
            .as_ref()
            .and_then(|l| self.args.iter().find(|a| &a.name == l))
    }

    /// "mainland POST v3/pay/…; hk POST v3/…" for docs.
    pub(crate) fn endpoint_lines(&self) -> Vec<String> {
        self.endpoints
            .iter()
            .map(|(fams, method, template)| format!("{}: {method} {template}", fams.join(", ")))
            .collect()
    }
}

impl ArgView {
    /// The argument's documentation with its rule and where it is required.
    pub(crate) fn full_doc(&self) -> String {
        let mut d = self.doc.clone();
        if !self.rule.is_empty() && !matches!(self.ty.as_str(), "object" | "array" | "json") {
            d.push_str(&format!(" ({})", self.rule));
        }
        if !self.required && !self.required_in.is_empty() {
            d.push_str(&format!("; required on {}", self.required_in.join(", ")));
        }
        if let Some(def) = &self.default {
            d.push_str(&format!("; default {def}"));
        }
        d
    }
}

/// How a language spells the catalogue's types: for arguments and for result fields.
pub(crate) struct Types {
    /// string, integer (amounts too), object, array, anything else.
    pub(crate) arg: [&'static str; 5],
    /// string, integer, object, array, boolean, anything else.
    pub(crate) field: [&'static str; 6],
    /// A choice among values: its opening, each value's quote, the separator, its closing.
    pub(crate) choice: (&'static str, &'static str, &'static str, &'static str),
}

impl Types {
    /// The type of an argument (its choices when it has some).
    pub(crate) fn of_arg(&self, a: &ArgView) -> String {
        if let Some(c) = &a.choices {
            let (open, q, sep, close) = self.choice;
            let values: Vec<String> = c.iter().map(|x| format!("{q}{x}{q}")).collect();
            return format!("{open}{}{close}", values.join(sep));
        }
        let i = match a.ty.as_str() {
            "string" => 0,
            "amount" | "integer" => 1,
            "object" => 2,
            "array" => 3,
            _ => 4,
        };
        self.arg[i].to_owned()
    }

    /// The type of a result field.
    pub(crate) fn of_field(&self, ty: &str) -> &'static str {
        let i = match ty {
            "string" => 0,
            "integer" => 1,
            "object" => 2,
            "array" => 3,
            "boolean" => 4,
            _ => 5,
        };
        self.field[i]
    }
}

/// `query_out_trade_no` → `queryOutTradeNo`.
pub(crate) fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in name.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// `query_out_trade_no` → `QueryOutTradeNo`.
pub(crate) fn pascal(name: &str) -> String {
    let c = camel(name);
    let mut chars = c.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` wrapped at `width` columns, each line after `prefix`.
pub(crate) fn wrap(text: &str, width: usize, prefix: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && prefix.len() + line.len() + 1 + word.len() > width {
            lines.push(format!("{prefix}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{prefix}{line}"));
    }
    lines
}

/// The banner every generated file starts with (in the language's comment syntax).
pub(crate) const BANNER: &str = "Generated by wxpay-codegen from the core's call catalogue (core/src/calls/catalogue); do not edit. Regenerate with `make calls`; `make test` fails when this file drifts.";
