"""A listing fetched once per scan and shared by every parent that needs a part of it.

Fetcher instances live for one scan, so a ``SharedListing`` held by one caches for that
scan only. Concurrent callers wait for the one fetch in flight; a failed fetch is not
kept, so the next caller tries again (and reports its own failure).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedListing(Generic[T]):
    def __init__(self, load: Callable[[str], Awaitable[T]]) -> None:
        self._load = load
        self._done: dict[str, T] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str) -> T:
        if key in self._done:
            return self._done[key]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._done:
                self._done[key] = await self._load(key)
            return self._done[key]
