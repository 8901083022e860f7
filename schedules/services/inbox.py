"""The durable inbox: every update is recorded before Telegram is told it arrived, and marked
handled after, so an update in flight when the process dies is handled again at the next start.

Handling it again is safe because actions are idempotent (a message's `source_key`): what was
saved is not saved twice. Marks are written as soon as the database is free: at once when the
bot is idle, many in one transaction under load. Only an update whose reply went out in the
instant before the process died (its mark not yet written) is answered a second time. The
inbox's writes are each safe alone (insert unless there, mark done by key), so they need no
serializable transaction (`write(..., serializable=False)`: never refused for a conflict on
PostgreSQL).

Replicas (several processes on one PostgreSQL, webhook mode) share the inbox: whichever replica
receives an update records it (its `update_id` is the primary key, so a delivery repeated to
another replica is recorded once), then `drain`s that baker: under the baker's lock across
replicas (`BakerLocks`) it handles the baker's open updates oldest first, each marked done before
the next and before the lock is let go. So one baker's updates are handled one at a time, in
order, by one replica at a time, whichever replica each was posted to; the updates a dead replica
left open are handled by the next drain of that baker, or by `adopt_orphans`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Protocol

from schedules.clock import Clock
from schedules.repository import Repository
from schedules.services.base import Service, Transactor
from schedules.types import InboxEntry

log = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=2)  # handled updates are kept this long (for looking into a problem)
Handle = Callable[[InboxEntry], Awaitable[None]]


class BakerLocks(Protocol):
    """One lock per baker, shared by every replica (storage.postgres.BakerLocks)."""

    def hold(self, key: int, *, wait: bool = True) -> AbstractAsyncContextManager[bool]: ...


class Inbox(Service):
    def __init__(self, db: Transactor, clock: Clock, default_timezone: str) -> None:
        super().__init__(db, clock, default_timezone)
        self._handled: set[int] = set()
        self._flushing: asyncio.Task[None] | None = None
        # Set when replicas share the database (webhook mode on PostgreSQL): updates are then
        # handled through `drain`, under the baker's lock.
        self.locks: BakerLocks | None = None
        self._local: dict[int, asyncio.Lock] = {}  # one drain per baker in this process
        self._waiting: dict[int, int] = {}

    @property
    def shared(self) -> bool:
        return self.locks is not None

    async def record(self, entries: list[InboxEntry]) -> None:
        """Keep a batch of new updates, in one transaction, with the handled marks so far."""
        done = sorted(self._handled)
        now = self.clock.now()
        await self.db.write(lambda repo: repo.inbox_record(entries, done, now), serializable=False)
        self._handled.difference_update(done)

    async def add(self, entry: InboxEntry) -> bool:
        """Keep one update (webhook mode); False when it was recorded before (not to handle twice)."""
        now = self.clock.now()
        return await self.db.write(lambda repo: repo.inbox_add(entry, now), serializable=False)

    async def ping(self) -> bool:
        return await self.db.read(lambda repo: repo.ping())

    def handled(self, update_id: int) -> None:
        if self.locks is not None:
            return  # `drain` marks each update itself, before it lets the baker's lock go
        self._handled.add(update_id)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_while_marked())

    async def _flush_while_marked(self) -> None:
        while self._handled:
            try:
                await self.record([])
            except Exception:  # a mark not written only means one more replay
                log.exception("could not mark handled updates in the inbox")
                return

    async def flush(self) -> None:
        if self._flushing is not None:
            await asyncio.gather(self._flushing, return_exceptions=True)
        if self._handled:
            await self.record([])

    async def unfinished(self) -> list[InboxEntry]:
        """What was recorded but not handled (in update order), and forget old handled ones."""
        cutoff = self.clock.now() - KEEP_HANDLED

        def action(repo: Repository) -> list[InboxEntry]:
            repo.inbox_prune(cutoff)
            return repo.inbox_open()

        return await self.db.write(action)

    # ------------------------------------------------------------------ replicas

    @contextlib.asynccontextmanager
    async def _local_turn(self, key: int) -> AsyncIterator[None]:
        lock = self._local.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._local[key]

    async def drain(self, key: int, handle: Handle, *, wait: bool = True) -> int:
        """Handle baker `key`'s open updates, oldest first, under the baker's lock across
        replicas; each is marked done before the next. With `wait=False`, nothing when the
        baker is being handled already (here or by another replica). Returns how many.

        One pass over what is open when the lock is taken: an update recorded meanwhile has a
        drain of its own waiting (on the replica that recorded it), so a baker who keeps writing
        gives the lock connection back in between instead of holding it while others wait."""
        if self.locks is None:
            raise RuntimeError("drain is for replicas (Inbox.locks)")
        if not wait and key in self._local:
            return 0  # under way in this process: that drain takes what is open
        count = 0
        async with self._local_turn(key), self.locks.hold(key, wait=wait) as held:
            if not held:
                return 0
            for entry in await self.db.read(lambda repo: repo.inbox_open_of(key)):
                try:
                    await handle(entry)
                except Exception:  # the dispatcher's error handler answered what it could
                    log.exception("update %s failed", entry.update_id)
                await self._done(entry.update_id)
                count += 1
        return count

    async def _done(self, update_id: int) -> None:
        now = self.clock.now()
        await self.db.write(lambda repo: repo.inbox_done([update_id], now), serializable=False)

    async def adopt_orphans(self, handle: Handle) -> int:
        """Handle the updates no replica is handling (their replica died after recording them):
        each baker with open updates whose lock is free is drained; returns how many."""
        keys = await self.db.read(lambda repo: repo.inbox_open_bakers())
        count = 0
        for key in keys:
            count += await self.drain(key, handle, wait=False)
        if count:
            log.info("%d update(s) left unfinished by a replica that stopped were handled", count)
        return count
