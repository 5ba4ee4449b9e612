"""``GET /openapi.json`` built from the operations' own models, and ``GET /docs`` rendering it.

Fields that take a value from a constant list carry ``x-calipso-constant``; the document
lists the values stored at the time of the request as ``enum``. Fields naming an environment
(``x-calipso-names``) get the stored names as ``examples``. Rules a body's handler checks
beyond its model (``Operation.body_rules``) are patched into its schema.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from calipso import __version__
from calipso.api.docs_page import render_docs
from calipso.api.documents import dumps
from calipso.api.lookups import CONSTANTS
from calipso.api.operations import OPERATIONS, Answer, Call, Operation, Role, add_operations
from calipso.api.schemas import ERRORS

REF = "#/components/schemas/{model}"
SECURITY_SCHEMES = {
    "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
              "description": "a token from POST /auth/tokens"},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "the same token as `Authorization: Bearer <token>`"},
    "basic": {"type": "http", "scheme": "basic"},
}


class _Builder:
    def __init__(self, constants: dict[str, list[Any]]) -> None:
        self.constants = constants
        self.components: dict[str, Any] = {}
        self.patches: dict[str, dict[str, Any]] = {}

    def schema_of(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        # a body is read as its models read it (text stripped) and must be storable
        shaped = as_body if mode == "validation" else _same
        for name, sub in schema.pop("$defs", {}).items():
            self.components[name] = shaped(self.with_enums(sub))
        self.components[model.__name__] = shaped(self.with_enums(schema))
        return {"$ref": REF.format(model=model.__name__)}

    def with_enums(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: self.with_enums(v) for k, v in value.items()}
            name = out.get("x-calipso-constant")
            if name in self.constants and self.constants[name] and out.get("type") == "string":
                out["enum"] = [str(v) for v in self.constants[name]]
            names = self.constants.get(out.get("x-calipso-names", ""))
            if names:
                out["examples"] = names
            return out
        if isinstance(value, list):
            return [self.with_enums(v) for v in value]
        return value

    def parameters(self, op: Operation) -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = [
            {"name": name, "in": where, "required": True, "schema": schema}
            for where, given in (("path", op.path_params), ("header", op.header_params))
            for name, schema in given.items()
        ]
        if op.query is None:
            return params
        schema = op.query.model_json_schema(ref_template=REF, mode="validation")
        for name, sub in schema.pop("$defs", {}).items():
            self.components[name] = self.with_enums(sub)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = self.with_enums(_not_null(prop))
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            if _may_be_array(prop):
                param["style"], param["explode"] = "form", True
            params.append(param)
        return params

    def answer(self, answer: Answer, content_type: str) -> dict[str, Any]:
        out: dict[str, Any] = {"description": answer.description}
        if content_type != "application/json":
            out["content"] = {content_type: {"schema": {"type": "string"}}}
        elif isinstance(answer.model, tuple):
            refs = [self.schema_of(m, "serialization") for m in answer.model]
            out["content"] = {"application/json": {"schema": {"anyOf": refs}}}
        elif answer.model is not None:
            out["content"] = {"application/json": {
                "schema": self.schema_of(answer.model, "serialization")}}
        return out

    def operation(self, op: Operation) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "operationId": _operation_id(op), "summary": op.summary, "tags": [op.tag],
            "parameters": self.parameters(op),
            "responses": {str(status): self.answer(a, op.content_type if status < 300
                                                   else "application/json")
                          for status, a in sorted(op.answers.items())},
        }
        notes = [op.query_note] if op.query_note else []
        if op.role is Role.PUBLIC:
            doc["security"] = []
        else:
            notes.append(f"Needs the {op.role} role.")
        if notes:
            doc["description"] = " ".join(notes)
        if op.body is not None:
            doc["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": self.schema_of(op.body, "validation")}}}
            if op.body_rules is not None:
                self.patches |= op.body_rules(self.constants)
        return doc

    def patched(self) -> dict[str, Any]:
        """The components, each with what its operations check beyond its model."""
        out = dict(self.components)
        for name, patch in self.patches.items():
            schema = dict(out[name])
            schema["allOf"] = [*schema.get("allOf", []), *patch.get("allOf", [])]
            schema["properties"] = {**schema.get("properties", {}),
                                    **patch.get("properties", {})}
            out[name] = schema
        return dict(sorted(out.items()))


def _same(schema: Any) -> Any:
    return schema


def as_body(schema: Any) -> Any:
    """A body model's schema as the API reads a body: a mandatory text is stripped of
    spaces first, so it holds a non-space; a key of a map holds no NUL (BSON ends keys with
    it)."""
    if isinstance(schema, list):
        return [as_body(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: as_body(v) for k, v in schema.items()}
    if out.get("type") == "string" and out.get("minLength", 0) > 0 and "pattern" not in out:
        out["pattern"] = r"\S"
    if out.get("type") == "object" and isinstance(out.get("additionalProperties"), dict):
        out["propertyNames"] = {"pattern": r"^[^\x00]*$"}
    return out


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    options = prop.get("anyOf")
    if not options:
        return prop
    kept = [o for o in options if o.get("type") != "null"]
    rest = {k: v for k, v in prop.items() if k != "anyOf"}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def _may_be_array(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "array" or any(
        o.get("type") == "array" for o in prop.get("anyOf", []))


def _operation_id(op: Operation) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", op.path.replace("{", "by_")).strip("_")
    return f"{op.method.lower()}_{slug}"


def build_document(operations: list[Operation], constants: dict[str, list[Any]]
                   ) -> dict[str, Any]:
    builder = _Builder(constants)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = builder.operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Calipso API", "version": __version__,
                 "description": "Discovery of OpenStack virtual networking: inventory, "
                                "links, cliques, scans and their configuration."},
        "paths": paths,
        "components": {"schemas": builder.patched(),
                       "securitySchemes": SECURITY_SCHEMES},
        "security": [{"token": []}, {"bearer": []}, {"basic": []}],
    }


class DocumentCache:
    """The last document built, kept while the lists it was built from are the same:
    building it generates every model's schema, which takes a while."""

    def __init__(self) -> None:
        self._key = ""
        self._document: dict[str, Any] = {}

    def get(self, operations: list[Operation], lists: dict[str, list[Any]]
            ) -> dict[str, Any]:
        key = dumps(lists)
        if key != self._key:
            self._document, self._key = build_document(operations, lists), key
        return self._document


DOCUMENT = web.AppKey("openapi_document", DocumentCache)


async def _document(call: Call) -> dict[str, Any]:
    lists = await call.request.app[CONSTANTS].all()
    supported = [d async for d in call.db.supported_environments.find(
        {"features.scanning": True}, {"_id": 0, "environment": 1, "features": 1})
        if isinstance(d.get("environment"), dict)]
    environments = sorted(await call.db.environments_config.distinct("name"))
    return call.request.app[DOCUMENT].get(call.request.app[OPERATIONS], lists | {
        "supported_environments": supported, "environments": environments})


async def get_openapi(call: Call) -> object:
    return await _document(call)


async def get_docs(call: Call) -> web.Response:
    html = render_docs(await _document(call))
    return web.Response(text=html, content_type="text/html")


META_OPERATIONS = (
    Operation("GET", "/openapi.json", get_openapi, "This API as an OpenAPI 3 document", "meta",
              answers={200: Answer("the document"), 401: ERRORS[401]}),
    Operation("GET", "/docs", get_docs, "This API as a readable page", "meta",
              content_type="text/html", answers={200: Answer("an HTML page"),
                                                 401: ERRORS[401]}),
)


def setup(app: web.Application) -> None:
    app[DOCUMENT] = DocumentCache()
    add_operations(app, META_OPERATIONS)
