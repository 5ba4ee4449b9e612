"""``/``, ``/ui/app.js`` and ``/ui/app.css``: the built front end, shipped in the package
under ``static/`` (``ui/`` at the repository's top holds its sources).

Served without credentials (the page logs in itself and keeps the token); only these three
files are reachable."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from calipso.api.operations import Answer, Call, Operation, Role, add_operations
from calipso.api.schemas import ERRORS

STATIC = Path(__file__).parent / "static"
# Revalidated on every load (cheaply, by ETag / Last-Modified), so an upgrade shows at once.
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                                      "style-src 'self' 'unsafe-inline'"}


def _serve(name: str, content_type: str) -> Operation:
    async def handler(call: Call) -> web.StreamResponse:
        return web.FileResponse(STATIC / name,
                                headers=HEADERS | {"Content-Type": content_type})

    handler.__name__ = f"get_ui_{name.replace('.', '_')}"
    path = "/" if name == "index.html" else f"/ui/{name}"
    return Operation("GET", path, handler, f"The web UI's {name}", "ui", role=Role.PUBLIC,
                     content_type=content_type,
                     answers={200: Answer(name), 400: ERRORS[400]})


OPERATIONS = (_serve("index.html", "text/html"), _serve("app.js", "text/javascript"),
              _serve("app.css", "text/css"))


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
