"""The API's monitoring views: status filters, the summary per type, the settings."""

from __future__ import annotations

import aiohttp
import topology as t

from calipso.monitoring.check_names import link_check_name, object_check_name


async def test_status_filters_summary_and_settings(start_service, db) -> None:
    await t.load(db)
    await db.environments_config.insert_one(t.env_doc())
    results = [t.classic_result(object_check_name("vedge", t.VEDGE), 2),
               t.classic_result(object_check_name("host_pnic", t.PNIC), 0),
               t.classic_result(object_check_name("vnic", t.VNIC), 0),
               t.classic_result(link_check_name("vnic-vconnector", t.VNIC, t.BRIDGE), 1)]
    async with start_service(CALIPSO_AUTH="none") as svc, aiohttp.ClientSession() as http:
        async with http.post(f"{svc.url}/monitoring/results", params={"env_name": t.ENV},
                             json={"results": results},
                             headers={"X-Monitoring-Token": t.TOKEN}) as resp:
            assert resp.status == 200

        async def get(path: str, **params: str) -> dict:
            async with http.get(svc.url + path, params={"env_name": t.ENV, **params}) as r:
                assert r.status == 200, await r.text()
                return await r.json()

        errors = await get("/inventory", status="Error")
        assert [o["id"] for o in errors["objects"]] == [t.VEDGE]
        assert len((await get("/inventory", status="OK"))["objects"]) == 2
        links = await get("/links", status="Warning")
        assert sorted(k["link_type"] for k in links["links"]) == ["vedge-host_pnic",
                                                                  "vnic-vconnector"]
        async with http.get(f"{svc.url}/inventory",
                            params={"env_name": t.ENV, "status": "ACTIVE"}) as r:
            assert r.status == 400

        summary = await get("/monitoring/summary")
        assert summary["objects"]["vedge"] == {"OK": 0, "Warning": 0, "Error": 1, "Unknown": 0}
        assert summary["links"]["vnic-vconnector"]["Warning"] == 1
        assert summary["totals"] == {"OK": 2, "Warning": 2, "Error": 1, "Unknown": 0}

        settings = await get("/monitoring/settings")
        text = str(settings)
        assert t.TOKEN not in text and "rmq-pw" not in text
        assert settings["results_token_set"] is True and settings["own_checks"] is False
        assert settings["sensu"]["rabbitmq_pass"] == "********"
        assert settings["check_interval_s"] == 60
        async with http.get(f"{svc.url}/monitoring/summary", params={"env_name": "nope"}) as r:
            assert r.status == 404
