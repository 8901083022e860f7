"""Logging during bulk: rise readings (typed, tapped on a rise check, edited, undone),
temperatures and the target. Each changes the estimate, and the reminders follow it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from schedules import forecast, plausibility
from schedules.errors import BakeMovedOn, ReadingGone, ReminderGone
from schedules.forecast import Prediction
from schedules.parsing import RiseInput
from schedules.plausibility import Implausible
from schedules.repository import Repository
from schedules.services import bulk, plans
from schedules.services.bakes import active_bake, own_bake
from schedules.services.base import Service, baker
from schedules.services.plans import PlanDrift
from schedules.types import Bake, EventKind, Reminder, RiseReading, TempReading, User

# A rise check answered by a reading taken this long before it fired still counts as answered.
ANSWER_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class RiseResult:
    user: User
    bake: Bake
    reading: RiseReading
    previous: RiseReading | None
    prediction: Prediction | None
    replayed: bool = False  # this message (or tap) had logged the reading already
    already_answered: bool = False  # the rise check had been answered by an earlier reading
    edited_from: float | None = None  # the value an edited message had before
    target_reached: bool = False  # a reading reached the target (known without a prediction too)
    plan_drift: PlanDrift | None = None  # the bake runs off its plan (/plan): said once


@dataclass(frozen=True)
class RiseQuestion:
    """A typed reading above what the dough can have done by now: not logged, to be confirmed."""

    user: User
    bake: Bake
    rise: RiseInput
    implausible: Implausible


@dataclass(frozen=True)
class UndoResult:
    user: User
    bake: Bake
    reading: RiseReading
    prediction: Prediction | None


@dataclass(frozen=True)
class TempResult:
    user: User
    bake: Bake
    reading: TempReading
    prediction: Prediction | None
    replayed: bool = False
    edited_from: float | None = None


def _rise_result(
    repo: Repository,
    user: User,
    bake: Bake,
    reading: RiseReading,
    now: datetime,
    *,
    replayed: bool = False,
    already_answered: bool = False,
    edited_from: float | None = None,
) -> RiseResult:
    """Re-estimate after a change, move the reminders, and describe the reading."""
    readings = repo.rise_readings(user.id, bake.id)
    earlier = [r for r in readings if (r.taken_at, r.id) < (reading.taken_at, reading.id)]
    prediction = bulk.estimate(repo, user, bake)
    bulk.follow(repo, user, bake, prediction, now)
    previous = earlier[-1] if earlier else None
    reached = prediction.passed if prediction is not None else bulk.target_reached(repo, user, bake)
    drift = None if replayed or already_answered else plans.check_drift(repo, user, bake, prediction, now)
    return RiseResult(
        user, bake, reading, previous, prediction, replayed, already_answered, edited_from, reached, drift
    )


def _answer(repo: Repository, user: User, bake: Bake, reminder: Reminder) -> RiseReading | None:
    """The reading that already answers a rise check: one taken since it was sent."""
    since = (reminder.sent_at or reminder.due_at) - ANSWER_SLACK
    later = [r for r in repo.rise_readings(user.id, bake.id) if r.taken_at >= since]
    return later[-1] if later else None


def _implausible(
    repo: Repository, user: User, bake: Bake, rise: RiseInput, now: datetime
) -> Implausible | None:
    """Is this reading above what the bake's dough can have done by now (schedules.plausibility)?"""
    temperatures = [t.temp_c for t in repo.temperatures(user.id, bake.id)]
    if bake.dough_temp_c is not None:
        temperatures.append(bake.dough_temp_c)
    pace = forecast.calibration_of(user).speed_factor * forecast.starter_vigour(bake)
    return plausibility.check_rise(
        rise.rise_pct,
        now - bake.started_at,
        starter_pct=bake.starter_pct,
        temperatures_c=temperatures,
        pace=pace,
    )


class ReadingService(Service):
    async def log_rise(
        self,
        user_id: int,
        rise: RiseInput,
        *,
        bake_id: int | None = None,
        source_key: str | None = None,
        bulk_only: bool = False,
    ) -> RiseResult:
        """A reading for the named bake or the current one. The same message twice logs once."""
        result = await self._log_rise(user_id, rise, bake_id, source_key, bulk_only, ask_if_implausible=False)
        assert isinstance(result, RiseResult)
        return result

    async def log_typed_rise(
        self,
        user_id: int,
        rise: RiseInput,
        *,
        bake_id: int | None = None,
        source_key: str | None = None,
        bulk_only: bool = False,
    ) -> RiseResult | RiseQuestion:
        """`log_rise` for a reading the baker typed: one far above what the dough can have done
        by now (45 % ten seconds after mixing) is not logged but returned as a question; the
        baker's confirmation then logs it with `log_rise` (under this message's `source_key`)."""
        return await self._log_rise(user_id, rise, bake_id, source_key, bulk_only, ask_if_implausible=True)

    async def _log_rise(
        self,
        user_id: int,
        rise: RiseInput,
        bake_id: int | None,
        source_key: str | None,
        bulk_only: bool,
        *,
        ask_if_implausible: bool,
    ) -> RiseResult | RiseQuestion:
        now = self.clock.now()

        def action(repo: Repository) -> RiseResult | RiseQuestion:
            user = baker(repo, user_id)
            if source_key is not None and (earlier := repo.rise_by_source(user_id, source_key)) is not None:
                bake = own_bake(repo, user_id, earlier.bake_id)
                return _rise_result(repo, user, bake, earlier, now, replayed=True)
            bake = active_bake(repo, user_id, bake_id, bulk_only=bulk_only)
            if ask_if_implausible and (implausible := _implausible(repo, user, bake, rise, now)) is not None:
                return RiseQuestion(user, bake, rise, implausible)
            reading = repo.add_rise(
                user_id, bake.id, now, rise.rise_pct, rise.start_height, rise.current_height, source_key
            )
            assert reading is not None  # the bake is the baker's and exists in this transaction
            return _rise_result(repo, user, bake, reading, now)

        return await self.db.write(action)

    async def answer_rise_check(self, user_id: int, reminder_id: int, rise_pct: float) -> RiseResult:
        """A tap on a rise check's quick value. A check already answered (by a tap, by /rise) keeps
        its answer: the result says what was logged and when."""
        now = self.clock.now()

        def action(repo: Repository) -> RiseResult:
            user = baker(repo, user_id)
            reminder = repo.get_reminder(user_id, reminder_id)
            if reminder is None or reminder.bake_id is None:
                raise ReminderGone
            bake = own_bake(repo, user_id, reminder.bake_id)
            answered = _answer(repo, user, bake, reminder)
            if answered is not None:
                return _rise_result(repo, user, bake, answered, now, already_answered=True)
            if not bake.in_bulk:
                raise BakeMovedOn(bake)
            reading = repo.add_rise(user_id, bake.id, now, rise_pct)
            assert reading is not None
            return _rise_result(repo, user, bake, reading, now)

        return await self.db.write(action)

    async def check_rise_check(self, user_id: int, reminder_id: int) -> Bake:
        """Before asking for another value: the rise check is this baker's and still open."""

        def action(repo: Repository) -> Bake:
            reminder = repo.get_reminder(user_id, reminder_id)
            if reminder is None or reminder.bake_id is None:
                raise ReminderGone
            return active_bake(repo, user_id, reminder.bake_id, bulk_only=True)

        return await self.db.read(action)

    async def edit_rise(self, user_id: int, source_key: str, rise: RiseInput) -> RiseResult | None:
        """The message that carried a reading was edited: the reading takes the new value.
        None when that message carried no reading."""
        now = self.clock.now()

        def action(repo: Repository) -> RiseResult | None:
            user = baker(repo, user_id)
            reading = repo.rise_by_source(user_id, source_key)
            if reading is None:
                return None
            bake = own_bake(repo, user_id, reading.bake_id)
            updated = repo.update_rise(
                user_id, reading.id, rise.rise_pct, rise.start_height, rise.current_height
            )
            assert updated is not None
            return _rise_result(repo, user, bake, updated, now, edited_from=reading.rise_pct)

        return await self.db.write(action)

    async def undo(self, user_id: int, reading_id: int) -> UndoResult:
        """Remove a wrong reading; the estimate and the reminders follow. Twice removes once."""
        now = self.clock.now()

        def action(repo: Repository) -> UndoResult:
            user = baker(repo, user_id)
            reading = repo.get_rise(user_id, reading_id)
            if reading is None:
                raise ReadingGone
            bake = own_bake(repo, user_id, reading.bake_id)
            repo.delete_rise(user_id, reading.id)
            prediction = bulk.estimate(repo, user, bake)
            bulk.follow(repo, user, bake, prediction, now)
            return UndoResult(user, bake, reading, prediction)

        return await self.db.write(action)

    async def log_temperature(
        self, user_id: int, temp_c: float, *, source_key: str | None = None
    ) -> TempResult:
        now = self.clock.now()

        def action(repo: Repository) -> TempResult:
            user = baker(repo, user_id)
            if source_key is not None and (earlier := repo.temp_by_source(user_id, source_key)) is not None:
                bake = own_bake(repo, user_id, earlier.bake_id)
                return TempResult(user, bake, earlier, bulk.estimate(repo, user, bake), replayed=True)
            bake = active_bake(repo, user_id, None)
            reading = repo.add_temperature(user_id, bake.id, now, temp_c, source_key)
            assert reading is not None
            bake = self._retarget(repo, user, bake, temp_c, now)
            prediction = bulk.estimate(repo, user, bake)
            bulk.follow(repo, user, bake, prediction, now)
            return TempResult(user, bake, reading, prediction)

        return await self.db.write(action)

    async def edit_temperature(self, user_id: int, source_key: str, temp_c: float) -> TempResult | None:
        now = self.clock.now()

        def action(repo: Repository) -> TempResult | None:
            user = baker(repo, user_id)
            reading = repo.temp_by_source(user_id, source_key)
            if reading is None:
                return None
            bake = own_bake(repo, user_id, reading.bake_id)
            updated = repo.update_temperature(user_id, reading.id, temp_c)
            assert updated is not None
            latest = repo.temperatures(user_id, bake.id)[-1]
            if latest.id == updated.id and bake.active:
                bake = self._retarget(repo, user, bake, temp_c, now)
            prediction = bulk.estimate(repo, user, bake)
            bulk.follow(repo, user, bake, prediction, now)
            return TempResult(user, bake, updated, prediction, edited_from=reading.temp_c)

        return await self.db.write(action)

    @staticmethod
    def _retarget(repo: Repository, user: User, bake: Bake, temp_c: float, now: datetime) -> Bake:
        """Warmer dough should end bulk at a lower rise, unless the baker chose the target; a
        changed target is noted on the bake's time line."""
        changes: dict[str, object] = {}
        if bake.dough_temp_c is None:
            changes["dough_temp_c"] = temp_c
        if bake.in_bulk:
            target = (
                bake.target_rise_pct
                if bake.target_manual and bake.target_rise_pct
                else forecast.target_for(user, temp_c)
            )
            before = forecast.prior(user, bake, temp_c, target)
            changes.update(
                target_rise_pct=target, model_bulk_hours=before.model_hours, predicted_bulk_hours=before.hours
            )
            if (changed := forecast.target_change(bake.target_rise_pct, target)) is not None:
                repo.add_event(user.id, bake.id, EventKind.TARGET, now, changed)
        return repo.update_bake(user.id, bake.id, **changes) or bake

    async def set_target(self, user_id: int, target: float) -> tuple[Bake, Prediction | None, User]:
        now = self.clock.now()

        def action(repo: Repository) -> tuple[Bake, Prediction | None, User]:
            user = baker(repo, user_id)
            bake = active_bake(repo, user_id, None, bulk_only=True)
            changes: dict[str, object] = {"target_rise_pct": target, "target_manual": 1}
            temperature = forecast.latest_temperature(
                bake, [t.temp_c for t in repo.temperatures(user_id, bake.id)]
            )
            if temperature is not None:
                before = forecast.prior(user, bake, temperature, target)
                changes.update(model_bulk_hours=before.model_hours, predicted_bulk_hours=before.hours)
            if (changed := forecast.target_change(bake.target_rise_pct, target)) is not None:
                repo.add_event(user_id, bake.id, EventKind.TARGET, now, changed)
            bake = repo.update_bake(user_id, bake.id, **changes) or bake
            prediction = bulk.estimate(repo, user, bake)
            bulk.follow(repo, user, bake, prediction, now)
            return bake, prediction, user

        return await self.db.write(action)

    async def readings(self, user_id: int, bake_id: int) -> tuple[User, Bake, list[RiseReading]]:
        def action(repo: Repository) -> tuple[User, Bake, list[RiseReading]]:
            user = baker(repo, user_id)
            bake = own_bake(repo, user_id, bake_id)
            return user, bake, repo.rise_readings(user_id, bake.id)

        return await self.db.read(action)
