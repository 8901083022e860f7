"""What every service is built on: the unit of work and the clock.

A service method is one user action. It hands one function to `Transactor.write` (or `read`),
which runs it whole inside one transaction on the database's thread: the function reads what
it acts on, checks it is still valid, writes, and returns a typed result. Reminder changes
are collected by the repository and reach the scheduler after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Protocol, TypeVar

from schedules.clock import Clock
from schedules.errors import DomainError
from schedules.parsing import zone_for
from schedules.planner import PlannedReminder, hold_for_quiet_hours, parse_quiet
from schedules.repository import Repository
from schedules.types import NewReminder, Reminder, User

T = TypeVar("T")


class Transactor(Protocol):
    """`write(action)` runs the action as if no other ran at the same time (SERIALIZABLE on
    PostgreSQL). `serializable=False` is for an action whose statements are each safe on their
    own, whatever else runs (an insert that skips a key already there, an update of rows by key):
    on PostgreSQL it runs READ COMMITTED, so it is never refused for a conflict, nor makes
    another action be refused."""

    async def write(self, action: Callable[[Repository], T], *, serializable: bool = True) -> T: ...

    async def read(self, action: Callable[[Repository], T]) -> T: ...


class Service:
    def __init__(self, db: Transactor, clock: Clock, default_timezone: str) -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone

    def zone(self, user: User) -> tzinfo:
        return zone_for(user.timezone, self.default_timezone)


def add_planned(
    repo: Repository,
    user: User,
    bake_id: int | None,
    planned: list[PlannedReminder],
    zone: tzinfo,
    now: datetime,
) -> list[Reminder]:
    """Insert planned reminders, routine ones held past the baker's quiet hours."""
    quiet = parse_quiet(user.quiet_start, user.quiet_end)
    items: list[NewReminder] = []
    seen: set[tuple[str, object]] = set()
    for plan in planned:
        due = hold_for_quiet_hours(plan.due_at, plan.kind, quiet, zone)
        if (plan.kind, due) in seen:
            continue  # several folds held to the end of quiet hours: one reminder is enough
        seen.add((plan.kind, due))
        items.append(NewReminder(plan.kind, due, bake_id=bake_id, label=plan.label, seq=plan.seq))
    return repo.add_reminders(user.id, items, now)


class UnknownBaker(DomainError):
    """The baker's row is gone (erased a moment ago): they start afresh with /start."""


def baker(repo: Repository, user_id: int) -> User:
    user = repo.get_user(user_id)
    if user is None:
        raise UnknownBaker
    return user
