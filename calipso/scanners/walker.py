"""Walks the scanner tree concurrently and hands what it finds to the inventory writer.

Within one scanner the fetch types run in file order (projects before the networks
filed under them, a region's networks and ports before its hosts, a host's vServices
before its instances: later fetchers look up what earlier ones found). The children of
one fetch run concurrently, so hosts, instances and their vNICs are scanned side by
side; the access classes bound how much I/O is in flight. A failing fetch is recorded
and the walk goes on without what it could not see.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pymongo.errors import PyMongoError

from calipso.errors import CalipsoError, FetchError, SshError
from calipso.fetchers.base import Doc, Fetcher
from calipso.inventory import place, root_parent
from calipso.scanners.context import ScanContext
from calipso.scanners.metadata import FetchType, FolderSpec, ScannerTree, condition_holds
from calipso.sources import FetchFailure

log = logging.getLogger(__name__)

# A failure under one of these parents hides objects anywhere in the environment
# (e.g. networks are fetched under the region but filed under their projects).
WIDE_SCOPES = frozenset({"environment", "regions_folder", "region", "projects_folder", "project"})
TRANSIENT_KEYS = ("master_parent_id", "master_parent_type", "create_object")


class Walker:
    def __init__(self, ctx: ScanContext, tree: ScannerTree) -> None:
        self.ctx = ctx
        self.tree = tree
        self._env_doc: dict[str, Any] = ctx.env.model_dump(mode="json")
        self._fetchers: dict[type[Fetcher], Fetcher] = {}
        self._folders: set[str] = set()

    async def walk(self, scanner: str, parent: Doc, parent_id: str | None = None) -> None:
        for fetch_type in self.tree.scanners[scanner]:
            if not condition_holds(fetch_type.conditions, self._env_doc):
                continue
            docs = await self.fetch(fetch_type, parent, parent_id or parent["id"])
            saved = await self.save(fetch_type, parent, docs)
            if fetch_type.children_scanner and saved:
                await self.walk_children(fetch_type, saved)

    async def walk_children(self, fetch_type: FetchType, docs: list[Doc]) -> None:
        child_scanner = fetch_type.children_scanner
        assert child_scanner is not None
        async with asyncio.TaskGroup() as group:
            for doc in docs:
                child_id = str(doc.get(fetch_type.child_id_field, doc["id"]))
                group.create_task(self._walk_one(child_scanner, doc, child_id),
                                  name=f"scan:{self.ctx.env_name}:{doc['id']}")

    async def _walk_one(self, scanner: str, doc: Doc, child_id: str) -> None:
        if doc["type"] != "host":
            await self.walk(scanner, doc, child_id)
            return
        try:
            await self.walk(scanner, doc, child_id)
        finally:
            if self.ctx.ssh is not None:
                await self.ctx.ssh.release(doc["id"])
            self.ctx.state.hosts_done += 1

    def _fetcher(self, cls: type[Fetcher]) -> Fetcher:
        fetcher = self._fetchers.get(cls)
        if fetcher is None:
            fetcher = self._fetchers[cls] = cls(self.ctx)
        return fetcher

    async def fetch(self, fetch_type: FetchType, parent: Doc, parent_id: str) -> list[Doc]:
        spec = fetch_type.fetcher
        if isinstance(spec, FolderSpec):
            folder_id = f"{parent['id']}-{spec.types_name}"
            return [{"id": folder_id, "name": folder_id,
                     "text": spec.text or spec.types_name.capitalize(),
                     "parent_id": parent["id"], "parent_type": parent["type"]}]
        started = time.perf_counter()
        try:
            docs = await self._fetcher(spec).get(parent_id)
        except (asyncio.CancelledError, PyMongoError):
            raise  # a database that stopped answering ends the scan, not one fetcher
        except Exception as err:
            self._record_failure(fetch_type, parent, spec.__name__, err)
            return []
        self.ctx.log.debug("fetched", extra={
            "fetcher": spec.__name__, "parent": parent_id, "count": len(docs),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return docs

    def _record_failure(self, fetch_type: FetchType, parent: Doc, fetcher: str,
                        err: Exception) -> None:
        scope = f"/{self.ctx.env_name}" if parent["type"] in WIDE_SCOPES else parent["id_path"]
        if isinstance(err, FetchError):
            source, target, detail = err.source, err.target, err.detail
        else:
            source, target = "calipso", f"{fetcher} under {parent['id_path']}"
            detail = f"{type(err).__name__}: {err}"
        repeated = isinstance(err, SshError) and err.host in self.ctx.state.failed_hosts
        if isinstance(err, SshError):
            self.ctx.state.failed_hosts.add(err.host)
        self.ctx.state.failures.append(
            FetchFailure(fetch_type.type, scope, source, target, detail))
        if isinstance(err, SshError) and repeated:
            # a dead host fails every command: its first failure was logged
            self.ctx.log.debug("fetch failed", extra={
                "fetcher": fetcher, "parent": parent["id"], "target": target})
        elif isinstance(err, CalipsoError):
            self.ctx.log.warning("fetch failed", extra={
                "fetcher": fetcher, "parent": parent["id"], "source": source,
                "target": target, "error": detail})
        else:
            self.ctx.log.exception("fetcher crashed", extra={"fetcher": fetcher,
                                                             "parent": parent["id"]})

    async def save(self, fetch_type: FetchType, parent: Doc, docs: list[Doc]) -> list[Doc]:
        saved: list[Doc] = []
        folders: list[Doc] = []
        for raw in docs:
            if raw.get("create_object") is False:
                continue
            doc = dict(raw)
            doc["id"] = str(doc["id"]).strip()
            doc["type"] = fetch_type.type
            try:
                real_parent = await self._parent_of(doc, parent, folders)
            except CalipsoError as err:  # an object that cannot be placed is reported
                self._record_failure(fetch_type, parent, "placement", err)
                continue
            place(doc, real_parent)
            for key in TRANSIENT_KEYS:
                doc.pop(key, None)
            self.ctx.state.remember(doc)
            saved.append(doc)
            if doc["type"] == "host":
                self.ctx.state.hosts_total += 1
        await self.ctx.inventory.add(folders + saved)
        return saved

    async def _parent_of(self, doc: Doc, parent: Doc, folders: list[Doc]) -> Doc:
        if "master_parent_id" in doc:
            return await self._dynamic_folder(doc, folders)
        alternate = doc.get("parent_id")
        if alternate is not None and str(alternate) != parent["id"]:
            found = await self.ctx.lookup(str(alternate))
            if found is not None:
                return found
            self.ctx.log.warning("alternate parent not found", extra={
                "object_id": doc["id"], "parent": alternate})
        doc["parent_id"], doc["parent_type"] = parent["id"], parent["type"]
        return parent

    async def _dynamic_folder(self, doc: Doc, folders: list[Doc]) -> Doc:
        folder_id = str(doc["parent_id"])
        if folder_id in self._folders:
            return self.ctx.state.objects[folder_id]
        master_id = str(doc["master_parent_id"])
        master = await self.ctx.lookup(master_id)
        if master is None:
            if doc["master_parent_type"] != "environment":
                raise CalipsoError(f"{doc['id']}: master parent {master_id} not found")
            master = root_parent(self.ctx.env_name)
        text = str(doc.get("parent_text") or folder_id)
        folder: Doc = {"id": folder_id, "type": doc["parent_type"], "name": text,
                       "text": text, "parent_id": master["id"], "parent_type": master["type"]}
        place(folder, master)
        self._folders.add(folder_id)
        self.ctx.state.remember(folder)
        folders.append(folder)
        return folder
