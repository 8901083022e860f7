"""The starter log: a feeding, and the reminder at its expected peak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from schedules import fermentation as model
from schedules.repository import Repository
from schedules.services.base import Service, baker
from schedules.types import NewReminder, ReminderKind, StarterFeeding, User


@dataclass(frozen=True)
class FeedResult:
    user: User
    feeding: StarterFeeding
    peak: model.StarterPeak
    replayed: bool = False


class StarterService(Service):
    async def feed(
        self,
        user_id: int,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        *,
        source_key: str | None = None,
    ) -> FeedResult:
        now = self.clock.now()
        peak = model.starter_peak_hours(*ratio, temp_c=temp_c if temp_c is not None else 23.0)

        def action(repo: Repository) -> FeedResult:
            user = baker(repo, user_id)
            if (
                source_key is not None
                and (earlier := repo.feeding_by_source(user_id, source_key)) is not None
            ):
                return FeedResult(user, earlier, peak, replayed=True)
            feeding = repo.add_feeding(user_id, now, ratio, temp_c, peak.peak_hours, source_key)
            label = ":".join(f"{x:g}" for x in ratio)
            reminder = NewReminder(
                ReminderKind.STARTER_PEAK, now + timedelta(hours=peak.low_hours), label=label
            )
            repo.add_reminders(user_id, [reminder], now)
            return FeedResult(user, feeding, peak)

        return await self.db.write(action)

    async def feedings(self, user_id: int) -> tuple[User, list[StarterFeeding]]:
        return await self.db.read(lambda repo: (baker(repo, user_id), repo.feedings(user_id)))
