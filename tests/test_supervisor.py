"""The supervisor: a crashed part is logged and restarted with backoff, never silently gone."""

from __future__ import annotations

import asyncio
import logging

import pytest

from calipso.supervisor import Part, Supervisor


async def test_a_crashing_part_is_restarted_and_reported(
        caplog: pytest.LogCaptureFixture) -> None:
    runs = 0
    healthy = asyncio.Event()

    async def flaky(stopping: asyncio.Event) -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise RuntimeError(f"crash {runs}")
        healthy.set()
        await stopping.wait()

    supervisor = Supervisor(max_backoff=0.2, first_backoff=0.05)
    supervisor.add(Part("flaky", flaky))
    stopping = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="calipso.supervisor"):
        runner = asyncio.create_task(supervisor.run(stopping, grace=1))
        await asyncio.wait_for(healthy.wait(), 5)
        state = supervisor.states["flaky"]
        assert (state.status, state.restarts) == ("running", 2)
        assert state.last_error == "RuntimeError: crash 2"
        stopping.set()
        await asyncio.wait_for(runner, 5)
    assert [r.getMessage() for r in caplog.records].count("part crashed") == 2
    assert supervisor.states["flaky"].status == "stopped"


async def test_a_draining_part_gets_the_grace_and_a_stuck_one_is_cancelled() -> None:
    finished: list[str] = []

    async def drains(stopping: asyncio.Event) -> None:
        await stopping.wait()
        await asyncio.sleep(0.2)  # finishing its work
        finished.append("drains")

    async def stuck(stopping: asyncio.Event) -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            finished.append("stuck cancelled")

    supervisor = Supervisor()
    supervisor.add(Part("drains", drains, drains=True))
    supervisor.add(Part("stuck", stuck, drains=True))
    stopping = asyncio.Event()
    runner = asyncio.create_task(supervisor.run(stopping, grace=0.5))
    await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(runner, 3)
    assert finished == ["drains", "stuck cancelled"]


def test_a_part_name_is_registered_once() -> None:
    supervisor = Supervisor()

    async def noop(stopping: asyncio.Event) -> None:
        await stopping.wait()

    supervisor.add(Part("one", noop))
    with pytest.raises(ValueError, match="registered twice"):
        supervisor.add(Part("one", noop))
