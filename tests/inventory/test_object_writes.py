"""Object-level writes outside a scan: one object's subtree saved, a status set."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from calipso.db import ensure_indexes
from calipso.inventory import (
    LinkWriter,
    Status,
    place,
    root_parent,
    save_subtree,
    set_link_status,
    set_object_status,
)

ENV = "objects"


def tree() -> list[dict]:
    """An instance with two vNICs, placed as a scan places them."""
    host = {"id": "h1", "type": "host", "name": "h1", "host": "h1"}
    place(host, root_parent(ENV))
    instance = {"id": "i1", "type": "instance", "name": "vm-1", "host": "h1"}
    place(instance, host)
    vnics = []
    for n in (1, 2):
        vnic = {"id": f"h1-tap{n}", "type": "vnic", "name": f"tap{n}", "host": "h1",
                "mac_address": f"fa:16:3e:00:00:0{n}"}
        place(vnic, instance)
        vnics.append(vnic)
    return [host, instance, *vnics]


async def test_a_subtree_is_saved_and_what_it_no_longer_holds_goes_with_its_links(
        db: AsyncDatabase) -> None:
    await ensure_indexes(db)
    at = datetime.now(UTC)
    host, instance, tap1, tap2 = tree()
    first = await save_subtree(db, ENV, host, [host, instance, tap1, tap2], at)
    assert first.written == 4
    assert await db.inventory.find_one({"environment": ENV, "id": "h1-tap2"}, {
        "id_path": 1, "_id": 0}) == {"id_path": f"/{ENV}/h1/i1/h1-tap2"}
    stored = {d["id"]: d async for d in db.inventory.find({"environment": ENV})}
    links = LinkWriter(db, ENV, at)
    await links.add({"link_type": "instance-vnic", "source": stored["i1"]["_id"],
                     "source_id": "i1", "target": stored["h1-tap2"]["_id"],
                     "target_id": "h1-tap2", "link_name": "", "state": "up"})
    await links.flush()

    # the instance lost a vNIC: saving its subtree again writes nothing that did not change
    again = await save_subtree(db, ENV, instance, [instance, tap1], at)
    assert (again.written, again.unchanged) == (0, 2)
    assert again.removed.objects == ["h1-tap2"] and again.removed.links == 1
    assert {d["id"] async for d in db.inventory.find({"environment": ENV})} == {
        "h1", "i1", "h1-tap1"}
    assert await db.links.count_documents({"environment": ENV}) == 0


async def test_a_status_change_is_told_from_a_repeat(db: AsyncDatabase) -> None:
    await ensure_indexes(db)
    host, *_ = tree()
    await save_subtree(db, ENV, host, [host], datetime.now(UTC))
    first = await set_object_status(db, ENV, "h1", Status.of_value(2), "down", datetime.now(UTC))
    assert first.found and first.changed and (first.before, first.after) == (None, "Error")
    later = datetime.now(UTC)
    repeat = await set_object_status(db, ENV, "h1", Status.Error, "still down", later)
    assert repeat.found and not repeat.changed
    stored = await db.inventory.find_one({"environment": ENV, "id": "h1"})
    assert (stored["status"], stored["status_value"], stored["status_text"]) == (
        "Error", 2, "still down")
    assert abs((stored["status_timestamp"] - later).total_seconds()) < 0.01
    assert Status.of_value(7) is Status.Unknown
    missing = await set_link_status(db, ENV, "vedge-host_pnic", "a", "b", Status.OK, "",
                                    datetime.now(UTC))
    assert not missing.found and not missing.changed
