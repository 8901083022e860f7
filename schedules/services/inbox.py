"""The durable inbox: every update is recorded before Telegram is told it arrived, and marked
handled after, so an update in flight when the process dies is handled again at the next start.

Handling it again is safe because actions are idempotent (a message's `source_key`): what was
saved is not saved twice. Marks are written as soon as the database is free: at once when the
bot is idle, many in one transaction under load. Only an update whose reply went out in the
instant before the process died (its mark not yet written) is answered a second time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from schedules.clock import Clock
from schedules.repository import Repository
from schedules.services.base import Service, Transactor
from schedules.types import InboxEntry

log = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=2)  # handled updates are kept this long (for looking into a problem)


class Inbox(Service):
    def __init__(self, db: Transactor, clock: Clock, default_timezone: str) -> None:
        super().__init__(db, clock, default_timezone)
        self._handled: set[int] = set()
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, entries: list[InboxEntry]) -> None:
        """Keep a batch of new updates, in one transaction, with the handled marks so far."""
        done = sorted(self._handled)
        now = self.clock.now()
        await self.db.write(lambda repo: repo.inbox_record(entries, done, now))
        self._handled.difference_update(done)

    async def add(self, entry: InboxEntry) -> bool:
        """Keep one update (webhook mode); False when it was recorded before (not to handle twice)."""
        now = self.clock.now()
        return await self.db.write(lambda repo: repo.inbox_add(entry, now))

    async def ping(self) -> bool:
        return await self.db.read(lambda repo: repo.ping())

    def handled(self, update_id: int) -> None:
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
