"""Application services: one class per feature, one method per baker's action, one transaction
per method. They use the pure domain (`schedules.*`) and reach storage only through the
`Repository` port; they know nothing of Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from schedules.clock import Clock
from schedules.services.bakes import BakeService
from schedules.services.base import Transactor
from schedules.services.inbox import Inbox
from schedules.services.photos import PhotoService
from schedules.services.plans import PlanService
from schedules.services.readings import ReadingService
from schedules.services.recipes import RecipeService
from schedules.services.reminders import ReminderActions
from schedules.services.scheduler import ReminderService
from schedules.services.sharing import ShareService
from schedules.services.starter import StarterService
from schedules.services.users import UserService
from schedules.types import ReminderChanges


@dataclass
class Services:
    users: UserService
    bakes: BakeService
    readings: ReadingService
    reminders: ReminderActions
    starter: StarterService
    scheduler: ReminderService
    inbox: Inbox
    recipes: RecipeService
    photos: PhotoService
    sharing: ShareService
    plans: PlanService
    clock: Clock
    default_timezone: str

    @classmethod
    def build(
        cls, db: Transactor, scheduler: ReminderService, clock: Clock, default_timezone: str
    ) -> Services:
        args = (db, clock, default_timezone)
        return cls(
            UserService(*args),
            BakeService(*args),
            ReadingService(*args),
            ReminderActions(*args),
            StarterService(*args),
            scheduler,
            Inbox(*args),
            RecipeService(*args),
            PhotoService(*args),
            ShareService(*args),
            PlanService(*args),
            clock,
            default_timezone,
        )

    def committed(self, changes: ReminderChanges) -> None:
        """The database's after-commit hook: the scheduler and the bakers' cache catch up."""
        self.scheduler.apply(changes)
        self.users.forget(changes.users)
