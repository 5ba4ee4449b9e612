"""``/connection_tests``: submit a test of an environment's targets; the API's own runner
tests each one and writes the results and timings into the document.

The runner is a task of the app (started and cancelled by its cleanup context); at most
``CALIPSO_MAX_CONNECTION_TESTS`` tests run at a time. A test is claimed with an atomic
update, so with several processes each test runs once. A target without a section in
``targets_configuration`` fails with that reason, like any other failure. Secrets are needed
only while a test runs: afterwards the stored ``targets_configuration`` is masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aiohttp import web
from bson import ObjectId
from pydantic import Field, TypeAdapter
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from calipso.api.connection_probes import ProbeResult, run_probe
from calipso.api.documents import list_body, list_item, public_doc
from calipso.api.environment_configs import reject_masks, restore_secrets, section_rules
from calipso.api.keys import SERVICE
from calipso.api.listing import check_environment, object_id
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import (
    BodyModel,
    EnvName,
    ObjectIdText,
    OneOf,
    PagedQuery,
    read_page,
    validate_body,
)
from calipso.api.schemas import ERRORS, Message, list_or_document
from calipso.env_config import Section, mask_secrets, section_to_doc
from calipso.errors import NotFound
from calipso.settings import Settings

log = logging.getLogger(__name__)

FIELDS = ("id", "test_targets", "test_results")
Target = Annotated[str, OneOf("configuration_targets")]
SECTION = TypeAdapter(Section)
STALE_AFTER = 600.0  # seconds: longer than any test's targets can take


class ConnectionTestRequest(BodyModel):
    environment: str = Field(min_length=1, max_length=100)
    test_targets: list[Target] = Field(min_length=1, max_length=10)
    targets_configuration: list[Section] = Field(min_length=1, max_length=10)


class ConnectionTestsQuery(PagedQuery):
    env_name: EnvName
    id: ObjectIdText | None = None
    status: Annotated[str, Field(pattern="^(request|running|response)$")] | None = None
    test_targets: Target | list[Target] | None = None
    test_results: bool | None = Field(
        None, description="with id: only the targets whose result is this")


class ConnectionTester:
    """Runs submitted connection tests, a bounded number at a time."""

    def __init__(self, db: AsyncDatabase, settings: Settings) -> None:
        self._db = db
        self._timeout = settings.connection_test_timeout
        self._slots = asyncio.Semaphore(settings.max_connection_tests)
        self._queue: asyncio.Queue[ObjectId] = asyncio.Queue()

    def submit(self, oid: ObjectId) -> None:
        self._queue.put_nowait(oid)

    async def run(self) -> None:
        await self._take_up_left_over()
        async with asyncio.TaskGroup() as group:
            while True:
                oid = await self._queue.get()
                await self._slots.acquire()
                group.create_task(self._run_one(oid), name=f"connection-test:{oid}")

    async def _take_up_left_over(self) -> None:
        """Queue the requested tests and those a process that stopped long ago left
        running; retried while the database does not answer (it may be restarting), so
        the tester never dies of it."""
        delay = 0.5
        while True:
            try:
                stale = datetime.now(UTC) - timedelta(seconds=STALE_AFTER)
                await self._db.connection_tests.update_many(
                    {"status": "running", "start_timestamp": {"$lt": stale}},
                    {"$set": {"status": "request"}})
                async for doc in self._db.connection_tests.find({"status": "request"},
                                                                {"_id": 1}):
                    self.submit(doc["_id"])
                return
            except PyMongoError as err:
                log.warning("left-over connection tests not read; retrying",
                            extra={"error": str(err), "retry_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _run_one(self, oid: ObjectId) -> None:
        try:
            doc = await self._db.connection_tests.find_one_and_update(
                {"_id": oid, "status": "request"},
                {"$set": {"status": "running", "start_timestamp": datetime.now(UTC)}},
                return_document=ReturnDocument.AFTER)
            if doc is not None:
                await self._test(doc)
        except asyncio.CancelledError:
            # the service stops: hand the test back for the next start to run
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._db.connection_tests.update_one(
                    {"_id": oid, "status": "running"}, {"$set": {"status": "request"}})), 2)
            raise
        except Exception as err:  # a task boundary: log it, keep the runner going
            # no traceback: the frames and messages of a test may hold its secrets
            log.error("connection test failed", extra={"test_id": str(oid),
                                                       "error": type(err).__name__})
        finally:
            self._slots.release()

    async def _test(self, doc: dict[str, Any]) -> None:
        started = time.perf_counter()
        sections = {s.get("name"): s for s in doc.get("targets_configuration", [])}
        targets: list[str] = list(doc.get("test_targets", []))
        results = await asyncio.gather(*(self._probe(t, sections.get(t)) for t in targets))
        details = {t: r.to_doc() for t, r in zip(targets, results, strict=True)}
        failed = [t for t, r in zip(targets, results, strict=True) if not r.ok]
        summary = "all targets answered" if not failed else "failed: " + ", ".join(failed)
        await self._db.connection_tests.update_one({"_id": doc["_id"]}, {"$set": {
            "status": "response",
            "test_results": {t: r.ok for t, r in zip(targets, results, strict=True)},
            "test_details": details,
            "response_timestamp": datetime.now(UTC),
            "response_time": round(time.perf_counter() - started, 3),
            "last_response_message": summary,
            "targets_configuration": mask_secrets(doc.get("targets_configuration", [])),
        }})
        log.info("connection test done", extra={"test_id": str(doc["_id"]),
                                                "env": doc.get("environment"),
                                                "failed": ",".join(failed)})


    async def _probe(self, target: str, section: dict[str, Any] | None) -> ProbeResult:
        if section is None:  # a result like any other failure, not a refused request
            return ProbeResult(False, f"no {target} section was given", 0.0)
        return await run_probe(target, SECTION.validate_python(section), self._timeout)


TESTER = web.AppKey("connection_tester", ConnectionTester)


async def tester_context(app: web.Application) -> AsyncIterator[None]:
    ctx = app[SERVICE]
    tester = ConnectionTester(ctx.database.db, ctx.settings)
    app[TESTER] = tester
    task = asyncio.create_task(tester.run(), name="connection-tests")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def create_test(call: Call) -> Reply:
    data: dict[str, Any] = dict(call.body)
    env = data.get("environment")
    stored = (await call.db.environments_config.find_one({"name": env}, {"configuration": 1})
              if isinstance(env, str) else None)
    if stored is not None:
        data["targets_configuration"] = restore_secrets(
            data.get("targets_configuration"), stored.get("configuration"),
            "targets_configuration")
    else:
        reject_masks(data.get("targets_configuration"), "targets_configuration")
    body = validate_body(ConnectionTestRequest, data)
    await call.constants.check(body)
    doc = {"environment": body.environment, "test_targets": list(dict.fromkeys(
        body.test_targets)),
        "targets_configuration": [section_to_doc(s, reveal=True)
                                  for s in body.targets_configuration],
        "status": "request", "submit_timestamp": datetime.now(UTC)}
    result = await call.db.connection_tests.insert_one(doc)
    call.request.app[TESTER].submit(result.inserted_id)
    return Reply({"id": str(result.inserted_id),
                  "message": f"created new connection test for environment "
                             f"{body.environment}"}, 201)


async def get_tests(call: Call) -> object:
    q: ConnectionTestsQuery = call.query
    filt: dict[str, Any] = {"environment": q.env_name}
    if q.status is not None:
        filt["status"] = q.status
    wanted = None
    if q.test_targets is not None:
        wanted = q.test_targets if isinstance(q.test_targets, list) else [q.test_targets]
    coll = call.db.connection_tests
    if q.id is not None:
        filt["_id"] = object_id(q.id, "id")
        doc = await coll.find_one(filt)
        if doc is None:
            await check_environment(call, q.env_name)
            raise NotFound("no connection test matches")
        return _narrowed(mask_secrets(public_doc(doc)), wanted, q.test_results)
    if wanted is not None:
        filt["test_targets"] = {"$all": wanted}
    docs, total = await read_page(coll, filt, FIELDS, q, [("submit_timestamp", -1)])
    if total == 0:
        await check_environment(call, q.env_name)
    return list_body("connection_tests", [list_item(d, FIELDS) for d in docs], total,
                     q.page, q.page_size)


def _narrowed(doc: dict[str, Any], targets: list[str] | None, result: bool | None
              ) -> dict[str, Any]:
    """The original's single-test view: only the asked targets, or those with a result."""
    results = doc.get("test_results") or {}
    keep = set(doc.get("test_targets") or [])
    if targets is not None:
        keep &= set(targets)
    if result is not None:
        keep = {t for t in keep if results.get(t) is result}
    doc["test_targets"] = [t for t in doc.get("test_targets") or [] if t in keep]
    doc["targets_configuration"] = [s for s in doc.get("targets_configuration") or []
                                    if isinstance(s, dict) and s.get("name") in keep]
    doc["test_results"] = {t: v for t, v in results.items() if t in keep}
    return doc


OPERATIONS = (
    Operation("GET", "/connection_tests", get_tests, "Connection tests of an environment",
              "environments", query=ConnectionTestsQuery,
              answers={200: list_or_document("connection_tests"), **ERRORS}),
    Operation("POST", "/connection_tests", create_test,
              "Test logins to an environment's targets (masked secrets: the stored ones)",
              "environments", role=Role.ADMIN, body=ConnectionTestRequest,
              validate_body=False, body_rules=section_rules,
              answers={201: Answer("submitted", Message), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)
    app.cleanup_ctx.append(tester_context)
