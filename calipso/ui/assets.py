"""``/`` and ``/ui/{name}``: the built front end, shipped in the package under ``static/``.

Served without credentials (the page itself logs in and keeps the token); only the built
files are reachable, by name, never a path."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from calipso.api.operations import Answer, Call, Operation, Role, add_operations
from calipso.api.schemas import ERRORS
from calipso.errors import NotFound

STATIC = Path(__file__).parent / "static"
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html",
         ".svg": "image/svg+xml", ".png": "image/png"}
# The page is re-checked on every load (it names the bundle); the bundle is revalidated too,
# cheaply, by its ETag / Last-Modified.
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                                      "style-src 'self' 'unsafe-inline'"}


def _file(name: str) -> Path:
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise NotFound(f"no UI file {name}", field="name")
    return path


async def get_index(call: Call) -> web.StreamResponse:
    return web.FileResponse(_file("index.html"), headers=HEADERS)


async def get_asset(call: Call) -> web.StreamResponse:
    path = _file(call.path("name"))
    return web.FileResponse(path, headers=HEADERS | {"Content-Type": TYPES[path.suffix]})


PAGE = {200: Answer("the UI's page"), 404: ERRORS[404]}
OPERATIONS = (
    Operation("GET", "/", get_index, "The web UI", "ui", role=Role.PUBLIC,
              content_type="text/html", answers=PAGE),
    Operation("GET", "/ui/{name}", get_asset, "A file of the web UI (script, style)", "ui",
              role=Role.PUBLIC, content_type="text/plain", answers=PAGE,
              path_params={"name": {"type": "string", "description": "a built file's name"}}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
