"""LinkWriter: inserts, fallbacks, stamps."""

from __future__ import annotations

from datetime import timedelta

from bson import ObjectId
from link_topology import new_env_name, now_ms
from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.inventory import LinkWriter


def _link(name: str, host: str | None = "h1") -> dict:
    link = {"link_type": "vnic-vedge", "source": ObjectId("0" * 24),
            "source_id": "v1", "target": ObjectId("1" * 24), "target_id": "e1",
            "link_name": name, "state": "up", "link_weight": 0, "implicit": False,
            "attributes": {"network": "n1"}, "source_label": "", "target_label": ""}
    if host:
        link["host"] = host
    return link


async def test_link_stored_meanwhile_is_upserted_not_duplicated(db: AsyncDatabase) -> None:
    await ensure_indexes(db)  # the unique key (environment, link_type, source_id, target_id)
    env, at = new_env_name(), now_ms()
    mine = LinkWriter(db, env, at)
    await mine.load_existing()  # nothing stored yet: the link would be inserted
    other = LinkWriter(db, env, at)
    await other.add(_link("theirs"))
    await other.flush()
    await mine.add(_link("mine"))
    await mine.flush()
    docs = await db.links.find({"environment": env}).to_list(None)
    assert [d["link_name"] for d in docs] == ["mine"]


async def test_changed_link_rewritten_and_dropped_field_unset(db: AsyncDatabase) -> None:
    env, at = new_env_name(), now_ms()
    first = LinkWriter(db, env, at)
    await first.load_existing()
    await first.add(_link("a"))
    await first.flush()
    later = at + timedelta(seconds=1)
    second = LinkWriter(db, env, later)
    assert await second.load_existing() == 1
    await second.add(_link("a", host=None))
    assert await second.remove_unseen() == 0
    [doc] = await db.links.find({"environment": env}).to_list(None)
    assert "host" not in doc and doc["last_scanned"] == later
    assert (second.written, second.unchanged) == (1, 0)
    third = LinkWriter(db, env, later + timedelta(seconds=1))
    await third.load_existing()
    await third.add(_link("a", host=None))
    await third.flush()
    assert (third.written, third.unchanged) == (0, 1)
