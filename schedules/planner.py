"""Which reminders a bake needs, and when. Pure: no aiogram, no SQL, no scheduler.

Due times are UTC. Durations are elapsed time, so a 12 h cold proof that spans a
daylight-saving change still lasts 12 hours; only quiet hours are wall-clock times, and
they are resolved in the baker's own timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from schedules.types import ReminderKind

# Kinds of reminder. Routine ones wait for the end of quiet hours; the others never do.
FOLD = ReminderKind.FOLD
RISE_CHECK = ReminderKind.RISE_CHECK
BULK_DONE = ReminderKind.BULK_DONE
PREHEAT = ReminderKind.PREHEAT
PROOF_END = ReminderKind.PROOF_END
TIMER = ReminderKind.TIMER
STARTER_PEAK = ReminderKind.STARTER_PEAK
ROUTINE_KINDS = frozenset({FOLD, RISE_CHECK})
BULK_KINDS = (FOLD, RISE_CHECK, BULK_DONE)
PROOF_KINDS = (PREHEAT, PROOF_END)

MAX_RISE_CHECKS = 24


@dataclass(frozen=True)
class PlannedReminder:
    kind: str
    due_at: datetime
    seq: int | None = None
    label: str | None = None


@dataclass(frozen=True)
class BulkSettings:
    folds_count: int = 4
    fold_interval: timedelta = timedelta(minutes=30)
    rise_check_interval: timedelta | None = timedelta(hours=1)  # None: no rise checks
    first_rise_check: timedelta = timedelta(hours=2)


def plan_folds(
    mixed_at: datetime, settings: BulkSettings, *, after: datetime | None = None
) -> list[PlannedReminder]:
    """Stretch-and-folds: the first one interval after mixing, then one every interval."""
    plan = [
        PlannedReminder(FOLD, mixed_at + settings.fold_interval * number, seq=number)
        for number in range(1, settings.folds_count + 1)
    ]
    return [p for p in plan if after is None or p.due_at > after]


def plan_rise_checks(
    mixed_at: datetime, settings: BulkSettings, bulk_hours: float | None
) -> list[PlannedReminder]:
    """Hourly checks from the second hour until an interval past the expected end of bulk."""
    interval = settings.rise_check_interval
    if interval is None or interval <= timedelta(0):
        return []
    expected_end = timedelta(hours=bulk_hours if bulk_hours else 8.0)
    checks: list[PlannedReminder] = []
    offset = settings.first_rise_check
    while offset <= expected_end + interval and len(checks) < MAX_RISE_CHECKS:
        checks.append(PlannedReminder(RISE_CHECK, mixed_at + offset, seq=len(checks) + 1))
        offset += interval
    return checks


def plan_bulk(mixed_at: datetime, settings: BulkSettings, bulk_hours: float | None) -> list[PlannedReminder]:
    plan = plan_folds(mixed_at, settings) + plan_rise_checks(mixed_at, settings, bulk_hours)
    if bulk_hours is not None:
        plan.append(PlannedReminder(BULK_DONE, mixed_at + timedelta(hours=bulk_hours)))
    return sorted(plan, key=lambda p: p.due_at)


def plan_proof(now: datetime, duration: timedelta, preheat: timedelta | None) -> list[PlannedReminder]:
    """The end of a proof (cold or room temperature) and, when there is time, the preheat."""
    ends_at = now + duration
    plan = [PlannedReminder(PROOF_END, ends_at)]
    if preheat and preheat > timedelta(0) and duration > preheat:
        plan.insert(0, PlannedReminder(PREHEAT, ends_at - preheat))
    return plan


# ---------------------------------------------------------------- quiet hours


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight


def hold_for_quiet_hours(due_at: datetime, kind: str, quiet: QuietHours | None, zone: tzinfo) -> datetime:
    """Routine reminders that fall inside quiet hours move to their end (local wall time)."""
    if quiet is None or kind not in ROUTINE_KINDS:
        return due_at
    local = due_at.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return due_at
    end_date = local.date()
    if local.time().replace(tzinfo=None) >= quiet.end:
        end_date += timedelta(days=1)
    local_end = datetime.combine(end_date, quiet.end, tzinfo=zone)
    # Round-trip through UTC so a wall time in a DST gap resolves to a real instant.
    return local_end.astimezone(UTC)


def parse_quiet(start: str | None, end: str | None) -> QuietHours | None:
    if not start or not end:
        return None
    return QuietHours(time.fromisoformat(start), time.fromisoformat(end))
