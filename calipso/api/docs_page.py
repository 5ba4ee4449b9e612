"""The ``/docs`` page: the OpenAPI document as plain HTML (no scripts, nothing fetched)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2em}
.op{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.6em 1em}
.m{display:inline-block;min-width:4.5em;font-weight:bold;font-family:monospace}
.GET{color:#1a6} .POST{color:#16a} .PUT{color:#a61} .DELETE{color:#c22}
code,.path{font-family:monospace} table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left;vertical-align:top}
.note{color:#666}
"""


CODE = re.compile(r"`([^`]+)`")


def prose(text: object) -> str:
    """Escaped text whose `backticked` parts (Markdown's inline code) become <code>."""
    return CODE.sub(r"<code>\1</code>", escape(str(text)))


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict[str, Any]) -> str:
    """A short, readable type: ``string``, ``array of LinkType``, ``A | B``, an enum."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f'<a href="#model-{escape(name)}">{escape(name)}</a>'
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(type_text(s) for s in schema[key])
    if "enum" in schema:
        values = ", ".join(escape(str(v)) for v in schema["enum"][:30])
        more = " …" if len(schema["enum"]) > 30 else ""
        return f"one of: {values}{more}"
    kind = schema.get("type", "any")
    if kind == "array":
        return "array of " + type_text(schema.get("items", {}))
    if "x-calipso-constant" in schema:
        return f"{kind} (constants {escape(schema['x-calipso-constant'])})"
    fmt = schema.get("format")
    return escape(f"{kind} ({fmt})" if fmt else str(kind))


def _parameters(params: list[dict[str, Any]]) -> str:
    if not params:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else ''}</td><td>{type_text(p.get('schema', {}))}"
        f"</td><td>{prose(p.get('description', ''))}</td></tr>" for p in params)
    return ("<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th>"
            f"<th>meaning</th></tr>{rows}</table>")


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [f'<div class="op"><span class="m {method.upper()}">{method.upper()}</span>'
             f'<span class="path">{escape(path)}</span> — {prose(op.get("summary", ""))}']
    if op.get("description"):
        parts.append(f'<div class="note">{prose(op["description"])}</div>')
    parts.append(_parameters(op.get("parameters", [])))
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        parts.append(f"<div>body: {type_text(body['schema'])}</div>")
    answers = []
    for status, answer in op.get("responses", {}).items():
        content = answer.get("content", {}).get("application/json")
        shape = f" — {type_text(content['schema'])}" if content else ""
        answers.append(f"<li><b>{escape(status)}</b> {prose(answer['description'])}"
                       f"{shape}</li>")
    parts.append(f"<ul>{''.join(answers)}</ul></div>")
    return "".join(parts)


def _model(name: str, schema: dict[str, Any]) -> str:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{escape(k)}</code></td><td>{'yes' if k in required else ''}</td>"
        f"<td>{type_text(v)}</td><td>{prose(v.get('description', ''))}</td></tr>"
        for k, v in props.items())
    extra = " (more keys allowed)" if schema.get("additionalProperties") is not False else ""
    table = ("<table><tr><th>key</th><th>required</th><th>type</th><th>meaning</th></tr>"
             f"{rows}</table>") if rows else f"<div>{type_text(schema)}</div>"
    return f'<h3 id="model-{escape(name)}">{escape(name)}{extra}</h3>{table}'


def render_docs(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    by_tag: dict[str, list[str]] = {}
    for path, methods in document.get("paths", {}).items():
        for method, op in methods.items():
            tag = (op.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation(path, method, op))
    sections = "".join(f"<h2>{escape(tag)}</h2>{''.join(ops)}"
                       for tag, ops in sorted(by_tag.items()))
    models = "".join(_model(name, schema) for name, schema in
                     document.get("components", {}).get("schemas", {}).items())
    return (
        f"<!doctype html><html><head><meta charset=\"utf-8\"><title>"
        f"{escape(info.get('title', 'API'))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(info.get('title', 'API'))} {escape(str(info.get('version', '')))}</h1>"
        f"<p>{prose(info.get('description', ''))}</p>"
        "<p>Authenticate with a token from <code>POST /auth/tokens</code> (in"
        " <code>X-Auth-Token</code> or <code>Authorization: Bearer</code>) or HTTP Basic."
        " The machine-readable document is <a href=\"/openapi.json\">"
        "/openapi.json</a>.</p>"
        f"{sections}<h2>Models</h2>{models}</body></html>"
    )
