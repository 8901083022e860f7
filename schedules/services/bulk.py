"""Keeping a bake's reminders in step with its dough, inside the action's own transaction.

Called after anything that changes where bulk stands (a reading, a temperature, a new target,
an undone reading): the "bulk is probably done" reminder follows the estimate and is sent at
most once per bake; once the target is reached no more rise checks come.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from schedules import forecast
from schedules.forecast import Prediction
from schedules.planner import hold_for_quiet_hours, parse_quiet
from schedules.repository import Repository
from schedules.types import Bake, NewReminder, ReminderKind, ReminderState, User


def estimate(repo: Repository, user: User, bake: Bake) -> Prediction | None:
    temps = repo.temperatures(user.id, bake.id)
    temperature = forecast.latest_temperature(bake, [t.temp_c for t in temps])
    return forecast.predict(user, bake, repo.rise_readings(user.id, bake.id), temperature, temps)


def expected_rise(repo: Repository, user: User, bake: Bake, now: datetime) -> float | None:
    """What the model expects of the bake's rise by `now` (a rise check's buttons go around it)."""
    readings = repo.rise_readings(user.id, bake.id)
    temps = repo.temperatures(user.id, bake.id)
    temperature = forecast.latest_temperature(bake, [t.temp_c for t in temps])
    prediction = forecast.predict(user, bake, readings, temperature, temps)
    return forecast.expected_rise(prediction, bake, now, readings)


def target_reached(repo: Repository, user: User, bake: Bake) -> bool:
    """Whether a reading has reached the bake's target: no model needed, so it holds without a
    dough temperature too (a target set by hand)."""
    if not bake.target_rise_pct:
        return False
    return any(r.rise_pct >= bake.target_rise_pct for r in repo.rise_readings(user.id, bake.id))


def follow(repo: Repository, user: User, bake: Bake, prediction: Prediction | None, now: datetime) -> None:
    if not bake.in_bulk:
        return
    if prediction is None:
        if target_reached(repo, user, bake):
            repo.cancel_reminders(
                user.id, bake_id=bake.id, kinds=[ReminderKind.BULK_DONE, ReminderKind.RISE_CHECK]
            )
        return
    if prediction.passed:
        repo.cancel_reminders(
            user.id, bake_id=bake.id, kinds=[ReminderKind.BULK_DONE, ReminderKind.RISE_CHECK]
        )
        return
    if repo.move_pending(user.id, bake.id, ReminderKind.BULK_DONE, prediction.eta):
        return
    earlier = repo.reminders_of_kind(user.id, bake.id, ReminderKind.BULK_DONE)
    if any(r.state in (ReminderState.SENT, ReminderState.FAILED, ReminderState.MISSED) for r in earlier):
        return  # the baker has been told once; the readings' replies carry the news from here
    repo.add_reminders(user.id, [NewReminder(ReminderKind.BULK_DONE, prediction.eta, bake_id=bake.id)], now)


def respace_folds(
    repo: Repository, user: User, bake: Bake, after_seq: int, start: datetime, zone: tzinfo
) -> None:
    """The folds after `after_seq` follow the real one: one interval apart from `start`."""
    interval = forecast.bulk_settings(user, bake).fold_interval
    quiet = parse_quiet(user.quiet_start, user.quiet_end)
    pending = repo.pending_reminders(user.id, bake.id)
    later = sorted(
        (r for r in pending if r.kind == ReminderKind.FOLD and (r.seq or 0) > after_seq),
        key=lambda r: r.seq or 0,
    )
    for number, reminder in enumerate(later, start=1):
        due = hold_for_quiet_hours(start + interval * number, ReminderKind.FOLD, quiet, zone)
        repo.reschedule_reminder(user.id, reminder.id, due)
