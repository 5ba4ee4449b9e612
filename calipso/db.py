"""MongoDB access: the async client, the collections and their indexes, the embedded server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError, OperationFailure, PyMongoError

from calipso.embedded_db import EmbeddedServer, check_writable_dir
from calipso.embedded_owner import SERVE, open_embedded
from calipso.errors import ConfigError, DatabaseUnavailable
from calipso.inventory.revisions import set_recording
from calipso.seed import database_is_empty, load_seed
from calipso.settings import Settings

log = logging.getLogger(__name__)

Doc = dict[str, object]


def _ix(*keys: str | tuple[str, int], unique: bool = False, **kw: object) -> IndexModel:
    spec = [(k, ASCENDING) if isinstance(k, str) else k for k in keys]
    return IndexModel(spec, unique=unique, **kw)


# Every collection Calipso uses, with its indexes. Created at start-up, idempotently.
INDEXES: dict[str, list[IndexModel]] = {
    "inventory": [
        _ix("environment", "id", unique=True),
        _ix("environment", "type"),
        _ix("environment", "parent_id"),
        _ix("environment", "id_path"),
        _ix("environment", "name"),
        _ix("environment", "last_scanned"),  # monitoring setup: what changed since
        _ix("environment", "network"),  # what is attached to a network (impact)
    ],
    "links": [
        _ix("environment", "link_type", "source_id", "target_id", unique=True),
        _ix("environment", "source_id"),
        _ix("environment", "target_id"),
    ],
    "cliques": [
        _ix("environment", "focal_point", unique=True),
        _ix("environment", "focal_point_id"),
        _ix("environment", "nodes"),
        _ix("environment", "links"),
    ],
    "clique_types": [_ix("environment", "focal_point_type")],
    "clique_constraints": [_ix("focal_point_type")],
    "link_types": [_ix("link_type")],
    "constants": [_ix("name", unique=True)],
    "supported_environments": [],
    "monitoring_config_templates": [_ix("side", "type")],
    "monitoring_config": [_ix("environment", "host", "type", unique=True)],
    "network_agent_types": [_ix("type")],
    "attributes_for_hover_on_data": [],
    "environments_config": [_ix("name", unique=True)],
    "scans": [
        _ix("status", ("submit_timestamp", ASCENDING)),
        _ix("environment", ("submit_timestamp", DESCENDING)),
    ],
    "scheduled_scans": [_ix("environment"), _ix("scheduled_timestamp")],
    "messages": [_ix("environment", ("timestamp", DESCENDING)), _ix("level")],
    # the events a listener applied, by message id, so a copy delivered again is skipped
    # (calipso/events/listener.py); kept two days
    "events_applied": [_ix("at", expireAfterSeconds=2 * 86400)],
    "connection_tests": [_ix("environment", "status")],
    "users": [_ix("name", unique=True)],
    "api_tokens": [_ix("token", unique=True), _ix("expires_at", expireAfterSeconds=0)],
    "ssh_host_keys": [_ix("environment", "host", unique=True)],
    "scan_locks": [_ix("environment", unique=True)],
    # history (calipso.inventory.revisions); the retention TTL index: ensure_retention
    "revisions": [_ix("environment", "kind", "key", "at"), _ix("environment", "at"),
                  _ix("environment", "kind", "ends", "at")],
    "snapshots": [_ix("environment", "name", unique=True)],
    "webhooks": [_ix("environment")],
    "webhook_deliveries": [_ix("state", "due"),
                           _ix("subscription_id", "revision_id", unique=True)],
}


async def ensure_indexes(db: AsyncDatabase) -> None:
    for name, models in INDEXES.items():
        if models:
            await db[name].create_indexes(models)


async def ensure_retention(db: AsyncDatabase, days: float) -> None:
    """Revisions expire ``days`` after they were recorded (a TTL index, remade when the
    setting changed)."""
    seconds = int(days * 86400)
    name = "revisions_retention"
    indexes = await db.revisions.index_information()
    if name in indexes and indexes[name].get("expireAfterSeconds") != seconds:
        await db.revisions.drop_index(name)
    await db.revisions.create_index("at", name=name, expireAfterSeconds=seconds)


@dataclass(slots=True)
class Database:
    """The open database of one ``calipso serve``: client, database, optional embedded server."""

    client: AsyncMongoClient
    db: AsyncDatabase
    embedded: EmbeddedServer | None

    async def ping(self, within: float = 2.0) -> bool:
        """True if the database answers within ``within`` seconds."""
        try:
            async with asyncio.timeout(within):
                await self.db.command("ping")
        except (PyMongoError, TimeoutError):
            return False
        return True


def database_error(err: PyMongoError) -> str:
    """A PyMongo error in one short line (its text runs on with timeouts and topology)."""
    text = str(err).split(" (configured timeouts")[0].split(", Timeout:")[0]
    return f"{type(err).__name__}: {text[:200]}"


def make_client(uri: str, timeout: float) -> AsyncMongoClient:
    ms = int(timeout * 1000)
    return AsyncMongoClient(
        uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, tz_aware=True, appname="calipso"
    )


@contextlib.asynccontextmanager
async def open_database(settings: Settings, *, command: str = SERVE,
                        seed: bool = True) -> AsyncIterator[Database]:
    """Connect, create indexes, seed an empty database (unless ``seed`` is off), clean up.

    With no URI set, the embedded server of ``CALIPSO_DATA_DIR`` is used: started here, or,
    for a ``command`` other than ``serve``, the one a running ``calipso serve`` runs.
    """
    async with contextlib.AsyncExitStack() as stack:
        embedded: EmbeddedServer | None = None
        if settings.mongo_uri is None:
            data_dir = check_writable_dir(settings.data_dir, "CALIPSO_DATA_DIR")
            uri, embedded = await stack.enter_async_context(open_embedded(data_dir, command))
        else:
            uri = settings.mongo_uri.get_secret_value()
        try:
            client = make_client(uri, settings.mongo_timeout)
        except ConfigurationError as err:
            raise ConfigError(f"invalid setting CALIPSO_MONGO_URI: {err}") from None
        stack.push_async_callback(client.close)
        database = Database(client, client[settings.db_name], embedded)
        try:
            await database.db.command("ping")
            await ensure_indexes(database.db)
            await ensure_retention(database.db, settings.history_retention_days)
            set_recording(settings.history_enabled)
        except OperationFailure as err:
            raise DatabaseUnavailable(f"MongoDB refused Calipso: {err.details or err}") from None
        except PyMongoError as err:
            where = "CALIPSO_MONGO_URI" if settings.mongo_uri else "the embedded database"
            raise DatabaseUnavailable(
                f"cannot reach {where} within {settings.mongo_timeout:g}s: "
                f"{type(err).__name__}"
            ) from None
        if seed and await database_is_empty(database.db):
            report = await load_seed(database.db, config_dir=settings.config_dir)
            log.info("seeded an empty database", extra={"summary": str(report)})
        yield database
