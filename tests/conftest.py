"""Test harness: one SecantusDB per session, a fresh database per test, the service in-process.

Everything runs against real servers: the MongoDB-wire server started here, the machine's
RabbitMQ and MariaDB, and asyncssh / aiohttp servers the tests start on 127.0.0.1:0.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from calipso.embedded_db import EmbeddedServer
from calipso.service import serve
from calipso.service_context import ServiceContext
from calipso.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
async def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedServer]:
    server = EmbeddedServer(tmp_path_factory.mktemp("secantus"))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def mongo_uri(mongo_server: EmbeddedServer) -> str:
    return mongo_server.uri


@pytest.fixture(scope="session")
async def mongo_client(mongo_uri: str) -> AsyncIterator[AsyncMongoClient]:
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    yield client
    await client.close()


@pytest.fixture
def db_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def db(mongo_client: AsyncMongoClient, db_name: str) -> AsyncIterator[AsyncDatabase]:
    yield mongo_client[db_name]
    await mongo_client.drop_database(db_name)


@pytest.fixture
def settings_env(mongo_uri: str, db_name: str, tmp_path: Path) -> dict[str, str]:
    """CALIPSO_* variables for a service using the session server and this test's database."""
    return {
        "CALIPSO_MONGO_URI": mongo_uri,
        "CALIPSO_DB_NAME": db_name,
        "CALIPSO_DATA_DIR": str(tmp_path / "data"),
        "CALIPSO_API_BIND": "127.0.0.1:0",
        "CALIPSO_LOG_LEVEL": "DEBUG",
    }


@dataclass(slots=True)
class RunningService:
    ctx: ServiceContext
    port: int
    stop: asyncio.Event

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


ServiceStarter = Callable[..., contextlib.AbstractAsyncContextManager[RunningService]]


@pytest.fixture
def start_service(
    settings_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceStarter:
    """``async with start_service(CALIPSO_X=...) as svc:`` runs ``serve`` in this loop."""

    @contextlib.asynccontextmanager
    async def starter(demo: bool = False, **overrides: str) -> AsyncIterator[RunningService]:
        for key, value in (settings_env | overrides).items():
            monkeypatch.setenv(key, value)
        settings: Settings = load_settings()
        stop = asyncio.Event()
        ready: asyncio.Future[RunningService] = asyncio.get_running_loop().create_future()

        def on_ready(ctx: ServiceContext, port: int) -> None:
            ready.set_result(RunningService(ctx, port, stop))

        task = asyncio.create_task(serve(settings, stop=stop, on_ready=on_ready, demo=demo))
        done, _ = await asyncio.wait({task, ready}, timeout=30,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # start-up failed: raise its error here
        try:
            yield ready.result()
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)

    return starter
