//! `bindings-php/src/Calls.php`: the trait `Wxpay\Calls` that `Wxpay\Client` uses — a method and
//! its `…Async` twin per call, PHPDoc with the options' array shape.

use crate::{camel, wrap, Call, Model, Returns, Types, BANNER};

const TYPES: Types = Types {
    arg: [
        "string",
        "int",
        "array<string, mixed>",
        "list<mixed>",
        "mixed",
    ],
    field: [
        "string",
        "int",
        "array<string, mixed>",
        "list<array<string, mixed>>",
        "bool",
        "mixed",
    ],
    choice: ("", "'", "|", ""),
};

fn kind(c: &Call) -> &'static str {
    match c.returns {
        Returns::Nothing => "nothing",
        Returns::Json(_) => "json",
        Returns::Shape(_) => "shape",
    }
}

fn shape_doc(model: &Model, c: &Call) -> Option<String> {
    let Returns::Shape(name) = &c.returns else {
        return None;
    };
    let s = model.shape(name);
    let mut parts: Vec<String> = s
        .fields
        .iter()
        .map(|f| {
            if f.always {
                format!("{}: {}", f.name, TYPES.of_field(&f.ty))
            } else {
                format!("{}: {}|null", f.name, TYPES.of_field(&f.ty))
            }
        })
        .collect();
    parts.push("status: int".into());
    parts.push("request_id: string|null".into());
    parts.push("raw: array<string, mixed>".into());
    Some(format!("array{{{}}}", parts.join(", ")))
}

pub(crate) fn generate(model: &Model) -> String {
    let mut o = String::from("<?php\n\n");
    o.push_str(&format!("// {BANNER}\n\n"));
    o.push_str("declare(strict_types=1);\n\nnamespace Wxpay;\n\n");
    o.push_str("use GuzzleHttp\\Promise\\PromiseInterface;\nuse Psr\\Http\\Message\\ResponseInterface;\n\n");
    o.push_str("/**\n * The typed calls of the catalogue (Client uses this trait). Each method hands its arguments\n * to the core by name; the core checks every one before anything is sent, and names the\n * option at fault in InvalidArgumentException::getArgument().\n *\n * Options take snake_case or camelCase keys, as the PHP SDK's arrays.\n */\ntrait Calls\n{\n");
    for c in model.generated() {
        let m = camel(&c.name);
        let shape = shape_doc(model, c);
        let ret_php = if shape.is_some() {
            "array"
        } else {
            "ResponseInterface"
        };
        let ret_doc = shape.clone().unwrap_or_else(|| "ResponseInterface".into());
        let opts: Vec<String> = c
            .rest()
            .map(|a| {
                format!(
                    "{}{}: {}",
                    a.name,
                    if a.required { "" } else { "?" },
                    TYPES.of_arg(a)
                )
            })
            .collect();
        let mut doc = wrap(&format!("{}.", c.summary), 96, "     * ");
        if !c.doc.is_empty() {
            doc.push("     *".into());
            doc.extend(wrap(&c.doc, 96, "     * "));
        }
        doc.push("     *".into());
        doc.push("     * Endpoints:".into());
        for e in c.endpoint_lines() {
            doc.push(format!("     *   {e}"));
        }
        doc.push("     *".into());
        if let Some(l) = c.lead_arg() {
            doc.extend(wrap(
                &format!(
                    "@param {} ${} {}",
                    TYPES.of_arg(l),
                    camel(&l.name),
                    l.full_doc()
                ),
                96,
                "     * ",
            ));
        }
        doc.push(format!(
            "     * @param array{{{}}} $options",
            opts.join(", ")
        ));
        for a in c.rest() {
            doc.extend(wrap(
                &format!("  {}: {}", a.name, a.full_doc()),
                96,
                "     *   ",
            ));
        }
        let (lead_sig, lead_name, lead_val) = match c.lead_arg() {
            Some(l) => (
                format!("string ${}, ", camel(&l.name)),
                format!("'{}'", l.name),
                format!("${}", camel(&l.name)),
            ),
            None => (String::new(), "null".into(), "null".into()),
        };
        let opt_default = if c.rest().any(|a| a.required) {
            ""
        } else {
            " = []"
        };
        // Sync.
        o.push_str("    /**\n");
        for l in &doc {
            o.push_str(l.trim_end());
            o.push('\n');
        }
        o.push_str(&format!("     * @return {ret_doc}\n"));
        o.push_str("     * @throws Exception\\WxpayException\n     */\n");
        o.push_str(&format!(
            "    public function {m}({lead_sig}array $options{opt_default}): {ret_php}\n    {{\n"
        ));
        o.push_str(&format!(
            "        return $this->typedCall('{}', {lead_name}, {lead_val}, $options, '{}');\n    }}\n\n",
            c.name,
            kind(c)
        ));
        // Async.
        o.push_str(&format!(
            "    /**\n     * {m}() without waiting: a promise of the same result (`->then()->wait()`).\n     *\n"
        ));
        if let Some(l) = c.lead_arg() {
            o.push_str(&format!(
                "     * @param {} ${}\n",
                TYPES.of_arg(l),
                camel(&l.name)
            ));
        }
        o.push_str(&format!(
            "     * @param array<string, mixed> $options as {m}()\n     */\n"
        ));
        o.push_str(&format!(
            "    public function {m}Async({lead_sig}array $options{opt_default}): PromiseInterface\n    {{\n"
        ));
        o.push_str(&format!(
            "        return $this->typedCallAsync('{}', {lead_name}, {lead_val}, $options, '{}');\n    }}\n\n",
            c.name,
            kind(c)
        ));
    }
    if o.ends_with("\n\n") {
        o.pop();
    }
    o.push_str("}\n");
    o
}
