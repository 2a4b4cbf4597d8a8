//! `bindings-python/python/wxpay/_calls.py`: a method and its `_async` twin per call, and a
//! frozen dataclass per result type.

use crate::{wrap, ArgView, Call, Model, Returns, Types, BANNER};

const TYPES: Types = Types {
    arg: ["str", "int", "Mapping[str, Any]", "Sequence[Any]", "Any"],
    field: ["str", "int", "Dict[str, Any]", "List[Any]", "bool", "Any"],
    choice: ("Literal[", "\"", ", ", "]"),
};

fn returns(model: &Model, c: &Call) -> String {
    match &c.returns {
        Returns::Nothing => "None".into(),
        Returns::Json(_) => "Dict[str, Any]".into(),
        Returns::Shape(name) => model.shape(name).name.clone(),
    }
}

fn params(c: &Call) -> Vec<String> {
    let mut out = vec!["self".to_owned()];
    if let Some(lead) = c.lead_arg() {
        out.push(format!("{}: {}", lead.name, TYPES.of_arg(lead)));
    }
    let rest: Vec<&ArgView> = c.rest().collect();
    if !rest.is_empty() {
        out.push("*".into());
    }
    for a in rest.iter().filter(|a| a.required) {
        out.push(format!("{}: {}", a.name, TYPES.of_arg(a)));
    }
    for a in rest.iter().filter(|a| !a.required) {
        out.push(format!("{}: Optional[{}] = None", a.name, TYPES.of_arg(a)));
    }
    out
}

fn docstring(c: &Call, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut first = wrap(&format!("{}.", c.summary), 96, indent);
    if let Some(l) = first.first_mut() {
        *l = format!("{indent}\"\"\"{}", l.trim_start());
    }
    lines.extend(first);
    if !c.doc.is_empty() {
        lines.push(String::new());
        lines.extend(wrap(&c.doc, 96, indent));
    }
    lines.push(String::new());
    lines.push(format!("{indent}Endpoints:"));
    for e in c.endpoint_lines() {
        lines.push(format!("{indent}    {e}"));
    }
    lines.push(String::new());
    for a in &c.args {
        lines.extend(wrap(
            &format!(":param {}: {}", a.name, a.full_doc()),
            96,
            indent,
        ));
    }
    lines.push(format!("{indent}\"\"\""));
    lines
}

fn args_dict(c: &Call) -> String {
    let items: Vec<String> = c
        .args
        .iter()
        .map(|a| format!("\"{0}\": {0}", a.name))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn body(model: &Model, c: &Call, call: &str) -> String {
    match &c.returns {
        Returns::Nothing => format!("{call}(\"{}\", {})", c.name, args_dict(c)),
        Returns::Json(_) => format!("return _raw({call}(\"{}\", {}))", c.name, args_dict(c)),
        Returns::Shape(name) => format!(
            "return _result({}, {call}(\"{}\", {}))",
            model.shape(name).name,
            c.name,
            args_dict(c)
        ),
    }
}

pub(crate) fn generate(model: &Model) -> String {
    let mut o = String::new();
    o.push_str(&format!("# {BANNER}\n"));
    o.push_str(
        r#""""The typed calls of the catalogue: one method and one ``_async`` twin per call, with the
result types they return. ``Client`` inherits them; each builds the call's arguments and hands
them to the core by name, which checks every one before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence

from ._results import _Caller, _raw, _result

"#,
    );
    let shapes: Vec<_> = model.shapes.iter().filter(|s| !s.json).collect();
    o.push_str("__all__ = [");
    o.push_str(
        &shapes
            .iter()
            .map(|s| format!("\"{}\"", s.name))
            .collect::<Vec<_>>()
            .join(", "),
    );
    o.push_str("]\n");
    for s in &shapes {
        o.push_str("\n\n@dataclass(frozen=True)\n");
        o.push_str(&format!("class {}:\n", s.name));
        o.push_str(&format!("    \"\"\"{}\"\"\"\n\n", s.doc));
        for f in &s.fields {
            o.push_str(&format!("    #: {}\n", f.doc));
            if f.always {
                o.push_str(&format!("    {}: {}\n", f.name, TYPES.of_field(&f.ty)));
            } else {
                o.push_str(&format!(
                    "    {}: Optional[{}]\n",
                    f.name,
                    TYPES.of_field(&f.ty)
                ));
            }
        }
        o.push_str("    #: the answer's HTTP status\n    status_code: int\n");
        o.push_str("    #: the answer's Request-ID (quote it to WeChat Pay support)\n    request_id: Optional[str]\n");
        o.push_str("    #: the whole answer, as WeChat Pay sent it\n    raw: Dict[str, Any]\n");
    }
    o.push_str("\n\nclass _Calls(_Caller):\n");
    o.push_str("    \"\"\"The typed calls (``Client`` inherits them).\"\"\"\n");
    for c in model.generated() {
        let ret = returns(model, c);
        o.push_str(&format!(
            "\n    def {}({}) -> {}:\n",
            c.name,
            params(c).join(", "),
            ret
        ));
        for l in docstring(c, "        ") {
            o.push_str(l.trim_end());
            o.push('\n');
        }
        o.push_str(&format!("        {}\n", body(model, c, "self._call")));
        o.push_str(&format!(
            "\n    async def {}_async({}) -> {}:\n",
            c.name,
            params(c).join(", "),
            ret
        ));
        o.push_str(&format!(
            "        \"\"\"``{}`` on the library's runtime (asyncio).\"\"\"\n",
            c.name
        ));
        o.push_str(&format!(
            "        {}\n",
            body(model, c, "await self._call_async")
        ));
    }
    o
}
