"""What a baker does with reminders: timers, the list, and the buttons on every reminder.

A button is pressed on a message that can be old, or pressed twice: each action re-reads the
reminder and its bake in its own transaction and answers with where things stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from schedules.errors import BakeMovedOn, ReminderGone
from schedules.repository import Repository
from schedules.services import bulk
from schedules.services.base import Service, baker
from schedules.types import (
    Bake,
    BakeEvent,
    EventKind,
    NewReminder,
    Reminder,
    ReminderKind,
    ReminderState,
    User,
)


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # the same had been done before (a double tap, an old message)


@dataclass(frozen=True)
class TimerResult:
    user: User
    reminder: Reminder
    replayed: bool = False


@dataclass(frozen=True)
class Pending:
    user: User
    reminders: list[Reminder]
    bake_names: dict[int, str]


@dataclass(frozen=True)
class SnoozeResult:
    user: User
    reminder: Reminder
    outcome: Outcome


@dataclass(frozen=True)
class FoldResult:
    user: User
    seq: int | None
    logged: BakeEvent | None  # the fold event (the earlier one when already logged)
    outcome: Outcome


@dataclass(frozen=True)
class SkipResult:
    skipped: int


class ReminderActions(Service):
    async def add_timer(
        self, user_id: int, duration: timedelta, label: str | None, *, source_key: str | None = None
    ) -> TimerResult:
        now = self.clock.now()

        def action(repo: Repository) -> TimerResult:
            user = baker(repo, user_id)
            if (
                source_key is not None
                and (earlier := repo.reminder_by_source(user_id, source_key)) is not None
            ):
                return TimerResult(user, earlier, replayed=True)
            bake = repo.current_bake(user_id)
            new = NewReminder(
                ReminderKind.TIMER,
                now + duration,
                bake_id=bake.id if bake else None,
                label=label,
                source_key=source_key,
            )
            return TimerResult(user, repo.add_reminders(user_id, [new], now)[0])

        return await self.db.write(action)

    async def pending(self, user_id: int) -> Pending:
        def action(repo: Repository) -> Pending:
            user = baker(repo, user_id)
            names = {b.id: b.name for b in repo.active_bakes(user_id)}
            return Pending(user, repo.pending_reminders(user_id), names)

        return await self.db.read(action)

    async def cancel(self, user_id: int, reminder_id: int) -> Pending:
        """Cancel one pending reminder; the list as it stands afterwards."""

        def action(repo: Repository) -> Pending:
            user = baker(repo, user_id)
            if not repo.cancel_reminders(user_id, reminder_id=reminder_id):
                raise ReminderGone(repo.get_reminder(user_id, reminder_id))
            names = {b.id: b.name for b in repo.active_bakes(user_id)}
            return Pending(user, repo.pending_reminders(user_id), names)

        return await self.db.write(action)

    async def snooze(self, user_id: int, reminder_id: int, minutes: int) -> SnoozeResult:
        """Bring a reminder back later. Pressed again while it waits, nothing moves. A snoozed
        fold takes the folds after it along, one interval apart."""
        now = self.clock.now()

        def action(repo: Repository) -> SnoozeResult:
            user = baker(repo, user_id)
            reminder = self._live(repo, user_id, reminder_id)
            if reminder.pending and reminder.due_at > now:
                return SnoozeResult(user, reminder, Outcome.ALREADY)
            moved = repo.reschedule_reminder(user_id, reminder.id, now + timedelta(minutes=minutes))
            if moved is None:
                raise ReminderGone(reminder)
            if reminder.kind == ReminderKind.FOLD and reminder.bake_id is not None:
                bake = repo.get_bake(user_id, reminder.bake_id)
                if bake is not None:
                    bulk.respace_folds(repo, user, bake, reminder.seq or 0, moved.due_at, self.zone(user))
            return SnoozeResult(user, moved, Outcome.DONE)

        return await self.db.write(action)

    async def done(self, user_id: int, reminder_id: int) -> FoldResult:
        """ "✓ Done" on a reminder. For a fold: logs it once, and the next folds are counted from
        now. Pressed again: says when it was logged."""
        now = self.clock.now()

        def action(repo: Repository) -> FoldResult:
            user = baker(repo, user_id)
            reminder = repo.get_reminder(user_id, reminder_id)
            if reminder is None:
                raise ReminderGone
            if reminder.kind != ReminderKind.FOLD or reminder.bake_id is None:
                if reminder.pending:
                    repo.cancel_reminders(user_id, reminder_id=reminder.id)
                return FoldResult(user, None, None, Outcome.DONE)
            bake = repo.get_bake(user_id, reminder.bake_id)
            if bake is None:
                raise ReminderGone(reminder)
            seq = str(reminder.seq or "")
            logged = [
                e for e in repo.events(user_id, bake.id) if e.kind == EventKind.FOLD and e.detail == seq
            ]
            if logged:
                return FoldResult(user, reminder.seq, logged[0], Outcome.ALREADY)
            if not bake.in_bulk:
                raise BakeMovedOn(bake)
            if reminder.pending:  # done before it was even due
                repo.cancel_reminders(user_id, reminder_id=reminder.id)
            event = repo.add_event(user_id, bake.id, EventKind.FOLD, now, seq)
            bulk.respace_folds(repo, user, bake, reminder.seq or 0, now, self.zone(user))
            return FoldResult(user, reminder.seq, event, Outcome.DONE)

        return await self.db.write(action)

    async def skip_folds(self, user_id: int, reminder_id: int) -> SkipResult:
        def action(repo: Repository) -> SkipResult:
            reminder = self._live(repo, user_id, reminder_id)
            if reminder.bake_id is None:
                raise ReminderGone(reminder)
            return SkipResult(
                len(repo.cancel_reminders(user_id, bake_id=reminder.bake_id, kinds=[ReminderKind.FOLD]))
            )

        return await self.db.write(action)

    @staticmethod
    def _live(repo: Repository, user_id: int, reminder_id: int) -> Reminder:
        """The baker's reminder, if its bake (when it has one) is still under way."""
        reminder = repo.get_reminder(user_id, reminder_id)
        if reminder is None or reminder.state == ReminderState.CANCELLED:
            raise ReminderGone(reminder)
        if reminder.bake_id is not None:
            bake: Bake | None = repo.get_bake(user_id, reminder.bake_id)
            if bake is None:
                raise ReminderGone(reminder)
            if not bake.active or (
                reminder.kind in (ReminderKind.FOLD, ReminderKind.RISE_CHECK) and not bake.in_bulk
            ):
                raise BakeMovedOn(bake)
        return reminder


def answered_at(event: BakeEvent | None) -> datetime | None:
    return None if event is None else event.at
