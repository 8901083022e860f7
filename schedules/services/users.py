"""Bakers and their settings.

The Telegram layer asks for the baker on every update, so a baker's row is kept in memory once
read; the database tells this cache which rows a transaction changed (`forget`), so it never
serves what was overwritten. It assumes one bot process per database.
"""

from __future__ import annotations

from schedules import calibration as calib
from schedules.clock import Clock
from schedules.repository import Repository
from schedules.services.base import Service, Transactor, baker
from schedules.types import User


class UserService(Service):
    def __init__(self, db: Transactor, clock: Clock, default_timezone: str) -> None:
        super().__init__(db, clock, default_timezone)
        self._known: dict[int, User] = {}
        # Off when replicas share the database: a setting changed on another replica (the
        # language, the timezone) would not reach this process's cache.
        self.cache = True

    def forget(self, user_ids: set[int]) -> None:
        for user_id in user_ids:
            self._known.pop(user_id, None)

    async def ensure(self, user_id: int, first_name: str, language: str | None = None) -> User:
        """The baker who sent an update, created on first contact. Reminders always go to the
        private chat with the bot, whose id in Telegram is the user's own id, whatever chat the
        update came from."""
        known = self._known.get(user_id) if self.cache else None
        if known is not None and known.active and known.first_name == first_name[:200]:
            return known
        now = self.clock.now()
        user = await self.db.write(lambda repo: repo.upsert_user(user_id, user_id, first_name, now, language))
        self._known[user_id] = user
        return user

    async def get(self, user_id: int) -> User:
        return await self.db.read(lambda repo: baker(repo, user_id))

    async def update_settings(self, user_id: int, **changes: object) -> User:
        def action(repo: Repository) -> User:
            baker(repo, user_id)
            return repo.update_user(user_id, **changes) or baker(repo, user_id)

        return await self.db.write(action)

    async def reset_calibration(self, user_id: int) -> User:
        return await self.update_settings(user_id, calibration=calib.to_json(calib.Calibration()))

    async def note_undelivered(self, user_id: int, note: str) -> None:
        """A reply could not be delivered after the retries: what to tell them when one can."""
        await self.db.write(lambda repo: repo.set_undelivered(user_id, note))

    async def clear_undelivered(self, user_id: int) -> None:
        await self.db.write(lambda repo: repo.set_undelivered(user_id, None))
