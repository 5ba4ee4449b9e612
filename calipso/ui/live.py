"""``GET /live``: changes to the inventory and the links as Server-Sent Events.

The page reads the stream with ``fetch`` (so it sends its token in a header, as every other
call); each event is one JSON change (``changes.describe``). A comment every few seconds
keeps idle connections open through proxies; the stream ends when the service stops. Too
many open streams: 503 (``CALIPSO_UI_MAX_LIVE_CLIENTS``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from aiohttp import web

from calipso.api.keys import SERVICE
from calipso.ui.changes import ChangeFeed

FEED = web.AppKey("ui_change_feed", ChangeFeed)
HEARTBEAT_S = 15.0


async def get_live(request: web.Request) -> web.StreamResponse:
    feed = request.app[FEED]
    queue = feed.subscribe()
    try:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        await response.write(f"event: hello\ndata: {json.dumps({'mode': feed.mode})}\n\n"
                             .encode())
        with contextlib.suppress(ConnectionResetError):  # the page went away: not an error
            while True:
                try:
                    change = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                if change is None:
                    break
                await response.write(f"data: {json.dumps(change)}\n\n".encode())
        return response
    finally:
        feed.unsubscribe(queue)


async def _feed(app: web.Application) -> AsyncIterator[None]:
    ctx = app[SERVICE]
    feed = ChangeFeed(ctx.database.db, ctx.settings.ui_poll_interval,
                      ctx.settings.ui_max_live_clients, ctx.settings.ui_changes == "auto")
    app[FEED] = feed
    task = asyncio.create_task(feed.run(), name="ui-change-feed")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close_streams(app: web.Application) -> None:
    app[FEED].close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_feed)
    app.on_shutdown.append(_close_streams)
    # a plain route, not an Operation: a stream that never ends has no place in the OpenAPI
    # document (its fuzzer would wait on it); it still needs credentials like any route
    app.router.add_get("/live", get_live)
