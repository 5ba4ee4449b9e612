"""A loopback TCP proxy that delays every client->server chunk by a fixed latency.

MariaDB cannot be told to answer slowly, so the MySQL channel puts this proxy in front of
it when a latency is asked for. Each chunk the client sends is forwarded `delay` seconds
after it arrived (chunks keep their order and are not delayed cumulatively); the server's
answers pass straight through. A query therefore costs one extra `delay`, a connect
(greeting, auth) about two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

log = logging.getLogger(__name__)
CHUNK = 65536


class LatencyProxy:
    def __init__(self, target_host: str, target_port: int, delay: float) -> None:
        self.target = (target_host, target_port)
        self.delay = delay
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._conns):
            task.cancel()
        await asyncio.gather(*self._conns, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError as err:
            log.warning("latency proxy cannot reach its target",
                        extra={"target": f"{self.target[0]}:{self.target[1]}",
                               "error": str(err)})
            writer.close()
            self._conns.discard(task)
            return
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._forward_delayed(reader, up_writer))
                tg.create_task(self._forward(up_reader, writer))
        except* OSError:
            pass  # a side reset the connection: close both
        finally:
            for w in (writer, up_writer):
                w.close()
            self._conns.discard(task)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()

    async def _forward_delayed(self, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(OSError):
                writer.write_eof()

        sender = asyncio.create_task(send(), name="latency-proxy-send")
        try:
            while data := await reader.read(CHUNK):
                queue.put_nowait((loop.time() + self.delay, data))
            queue.put_nowait((0.0, b""))
            await sender
        finally:
            sender.cancel()


@contextlib.asynccontextmanager
async def open_latency_proxy(target_host: str, target_port: int,
                             latency_ms: float) -> AsyncIterator[LatencyProxy]:
    proxy = LatencyProxy(target_host, target_port, latency_ms / 1000)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
