"""What a baker's actions do: the domain operations behind the commands.

No aiogram here: handlers parse input, call one of these, and render the result. Each
operation is one transaction, and reminders are handed to the scheduler after the rows exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from schedules import calibration as calib
from schedules import fermentation as model
from schedules.clock import Clock
from schedules.parsing import RiseInput, zone_for
from schedules.planner import (
    BULK_DONE,
    BULK_KINDS,
    FOLD,
    STARTER_PEAK,
    TIMER,
    BulkSettings,
    PlannedReminder,
    hold_for_quiet_hours,
    parse_quiet,
    plan_bulk,
    plan_folds,
    plan_proof,
)
from schedules.recipe import Recipe
from schedules.reminders import ReminderService
from storage.database import Storage
from storage.models import Bake, BakeEvent, Reminder, RiseReading, StarterFeeding, TempReading, User
from storage.queries import NewReminder, Queries

DEFAULT_STARTER_PCT = 20.0
MAX_ACTIVE_BAKES = 10


@dataclass(frozen=True)
class Prediction:
    target_rise_pct: float
    eta: datetime
    window: tuple[datetime, datetime]
    basis: str  # "prior" or "readings"
    passed: bool = False
    over_fermented: bool = False
    pace_factor: float = 1.0  # time-scale vs the uncalibrated model (1.3 = 30 % slower)
    starter_pct: float = DEFAULT_STARTER_PCT
    dough_temp_c: float = 24.0

    def rise_at(self, hours: float) -> float:
        """The predicted rise curve (for charts), consistent with the ETA."""
        return model.predicted_rise_pct(hours / self.pace_factor, self.starter_pct, self.dough_temp_c)


@dataclass(frozen=True)
class BakeDetails:
    bake: Bake
    readings: list[RiseReading]
    temperatures: list[TempReading]
    events: list[BakeEvent]
    pending: list[Reminder]


@dataclass(frozen=True)
class StartResult:
    bake: Bake
    reminders: list[Reminder]
    prediction: Prediction | None


@dataclass(frozen=True)
class RiseResult:
    bake: Bake
    reading: RiseReading
    previous: RiseReading | None
    prediction: Prediction | None


@dataclass(frozen=True)
class ProofResult:
    bake: Bake
    reminders: list[Reminder]
    cancelled: int


@dataclass(frozen=True)
class FinishResult:
    bake: Bake
    cancelled: int
    bulk_error_pct: float | None  # how far the prediction was from the real bulk time
    calibration: calib.Calibration | None


class TooManyActiveBakes(Exception):
    pass


class BakeService:
    def __init__(
        self, storage: Storage, reminders: ReminderService, clock: Clock, default_timezone: str
    ) -> None:
        self.storage = storage
        self.reminders = reminders
        self.clock = clock
        self.default_timezone = default_timezone

    def zone(self, user: User) -> tzinfo:
        return zone_for(user.timezone, self.default_timezone)

    # ------------------------------------------------------------------ users

    async def ensure_user(self, user_id: int, chat_id: int, first_name: str) -> User:
        """Runs on every update, so it only writes when something changed."""
        async with self.storage.locked() as q:
            user = await q.get_user(user_id)
            if (
                user is not None
                and user.active
                and (user.chat_id, user.first_name) == (chat_id, first_name[:200])
            ):
                return user
            return await q.upsert_user(user_id, chat_id, first_name, self.clock.now())

    async def user(self, user_id: int) -> User | None:
        async with self.storage.read() as q:
            return await q.get_user(user_id)

    async def update_settings(self, user_id: int, **changes: object) -> User | None:
        async with self.storage.locked() as q:
            await q.update_user(user_id, **changes)
            return await q.get_user(user_id)

    # ------------------------------------------------------------------ the model

    def target_for(self, user: User, dough_temp_c: float) -> float:
        if user.target_rule == "fixed" and user.target_fixed_pct:
            return user.target_fixed_pct
        return round(model.target_rise_pct(dough_temp_c))

    def calibration(self, user: User) -> calib.Calibration:
        return calib.from_json(user.calibration) if user.calibration else calib.Calibration()

    def _prior(
        self, user: User, bake: Bake, dough_temp_c: float, target: float
    ) -> tuple[float, float, tuple[float, float]]:
        """(model hours, calibrated hours, window in hours) before any reading."""
        starter = bake.starter_pct or DEFAULT_STARTER_PCT
        model_hours = model.predict_bulk_hours(starter, dough_temp_c, target)
        cal = self.calibration(user)
        hours = calib.calibrated_hours(cal, model_hours)
        return model_hours, hours, calib.prediction_window(cal, hours)

    async def _estimate(self, q: Queries, user: User, bake: Bake) -> Prediction | None:
        """The live estimate for a bake in bulk, from its own readings when it has some."""
        temperature = await self._latest_temp(q, user, bake)
        return self._predict(user, bake, await q.rise_readings(user.id, bake.id), temperature)

    def _predict(
        self, user: User, bake: Bake, rise_readings: list[RiseReading], temperature: float | None
    ) -> Prediction | None:
        if temperature is None or bake.phase != "bulk":
            return None
        target = bake.target_rise_pct or self.target_for(user, temperature)
        _, prior_hours, prior_window = self._prior(user, bake, temperature, target)
        readings = [
            model.Reading(hours=(r.taken_at - bake.started_at).total_seconds() / 3600, rise_pct=r.rise_pct)
            for r in rise_readings
        ]
        estimate = model.estimate_bulk_end(
            readings,
            target,
            starter_pct=bake.starter_pct or DEFAULT_STARTER_PCT,
            dough_temp_c=temperature,
            prior_hours=prior_hours,
        )
        if estimate.basis == "prior":
            low, high = prior_window
        else:
            low, high = estimate.low_hours, estimate.high_hours
        start = bake.started_at
        return Prediction(
            target_rise_pct=target,
            eta=start + timedelta(hours=estimate.eta_hours),
            window=(start + timedelta(hours=low), start + timedelta(hours=high)),
            basis=estimate.basis,
            passed=estimate.passed,
            over_fermented=estimate.over_fermented,
            pace_factor=estimate.pace_factor,
            starter_pct=bake.starter_pct or DEFAULT_STARTER_PCT,
            dough_temp_c=temperature,
        )

    async def _latest_temp(self, q: Queries, user: User, bake: Bake) -> float | None:
        temps = await q.temperatures(user.id, bake.id)
        return temps[-1].temp_c if temps else bake.dough_temp_c

    async def _move_bulk_done(
        self, q: Queries, user: User, bake: Bake, prediction: Prediction | None
    ) -> None:
        """Keep exactly one pending "bulk is probably done" reminder, at the latest estimate."""
        if prediction is None:
            return
        if prediction.passed:
            ids = await q.cancel_reminders(user.id, bake_id=bake.id, kinds=[BULK_DONE])
            self.reminders.untrack(ids)
            return
        moved = await q.move_pending(user.id, bake.id, BULK_DONE, prediction.eta)
        if not moved:
            moved = await q.add_reminders(
                user.id, [NewReminder(BULK_DONE, prediction.eta, bake_id=bake.id)], self.clock.now()
            )
        self.reminders.track(moved)

    # ------------------------------------------------------------------ bakes

    async def start_bake(
        self,
        user_id: int,
        name: str,
        *,
        recipe: Recipe | None = None,
        dough_temp_c: float | None = None,
        target_rise_pct: float | None = None,
    ) -> StartResult:
        now = self.clock.now()
        async with self.storage.tx() as q:
            user = await q.get_user(user_id)
            assert user is not None
            if len(await q.active_bakes(user_id)) >= MAX_ACTIVE_BAKES:
                raise TooManyActiveBakes
            bake = await q.create_bake(user_id, name, now, recipe=recipe, dough_temp_c=dough_temp_c)
            extra: dict[str, object] = {}
            bulk_hours: float | None = None
            if dough_temp_c is not None:
                target = target_rise_pct or self.target_for(user, dough_temp_c)
                model_hours, bulk_hours, _ = self._prior(user, bake, dough_temp_c, target)
                extra = dict(
                    target_rise_pct=target,
                    model_bulk_hours=model_hours,
                    predicted_bulk_hours=bulk_hours,
                    target_manual=int(target_rise_pct is not None),
                )
            elif target_rise_pct is not None:
                extra = dict(target_rise_pct=target_rise_pct, target_manual=1)
            if dough_temp_c is not None:
                await q.add_temperature(user_id, bake.id, now, dough_temp_c)
            bake = (
                await q.update_bake(
                    user_id,
                    bake.id,
                    folds_count=user.folds_count,
                    fold_interval_min=user.fold_interval_min,
                    **extra,
                )
                or bake
            )
            planned = plan_bulk(bake.started_at, self._bulk_settings(user, bake), bulk_hours)
            reminders = await self._add_planned(q, user, bake.id, planned)
            prediction = await self._estimate(q, user, bake)
        self.reminders.track(reminders)
        return StartResult(bake, reminders, prediction)

    def _bulk_settings(self, user: User, bake: Bake) -> BulkSettings:
        folds = bake.folds_count if bake.folds_count is not None else user.folds_count
        interval = bake.fold_interval_min or user.fold_interval_min
        checks = user.rise_check_interval_min
        return BulkSettings(
            folds_count=folds,
            fold_interval=timedelta(minutes=interval),
            rise_check_interval=timedelta(minutes=checks) if checks > 0 else None,
        )

    async def _add_planned(
        self, q: Queries, user: User, bake_id: int | None, planned: list[PlannedReminder]
    ) -> list[Reminder]:
        quiet = parse_quiet(user.quiet_start, user.quiet_end)
        zone = self.zone(user)
        items: list[NewReminder] = []
        seen: set[tuple[str, object]] = set()
        for p in planned:
            due = hold_for_quiet_hours(p.due_at, p.kind, quiet, zone)
            if (p.kind, due) in seen:
                continue  # several folds held to the end of quiet hours: one reminder is enough
            seen.add((p.kind, due))
            items.append(NewReminder(p.kind, due, bake_id=bake_id, label=p.label, seq=p.seq))
        return await q.add_reminders(user.id, items, self.clock.now())

    async def current_bake(self, user_id: int) -> Bake | None:
        async with self.storage.read() as q:
            return await q.current_bake(user_id)

    async def bake(self, user_id: int, bake_id: int) -> Bake | None:
        async with self.storage.read() as q:
            return await q.get_bake(user_id, bake_id)

    async def bakes_page(
        self, user_id: int, page: int, page_size: int, name_like: str | None
    ) -> tuple[list[Bake], int, int]:
        """One page of the baker's bakes, newest first: (bakes, total, the page clamped)."""
        async with self.storage.read() as q:
            total = await q.count_bakes(user_id, name_like=name_like)
            last_page = max(0, (total - 1) // page_size)
            page = min(max(page, 0), last_page)
            items = await q.list_bakes(user_id, limit=page_size, offset=page * page_size, name_like=name_like)
        return items, total, page

    async def active_bakes(self, user_id: int) -> list[Bake]:
        async with self.storage.read() as q:
            return await q.active_bakes(user_id)

    async def select_bake(self, user_id: int, bake_id: int) -> Bake | None:
        async with self.storage.locked() as q:
            return await q.select_bake(user_id, bake_id)

    async def prediction(self, user_id: int, bake_id: int) -> Prediction | None:
        async with self.storage.read() as q:
            user = await q.get_user(user_id)
            bake = await q.get_bake(user_id, bake_id)
            if user is None or bake is None:
                return None
            return await self._estimate(q, user, bake)

    async def set_folds(self, user_id: int, bake_id: int, count: int, interval_min: int) -> list[Reminder]:
        """Per-bake folds: replace the folds still to come with the new plan."""
        now = self.clock.now()
        async with self.storage.tx() as q:
            user = await q.get_user(user_id)
            bake = await q.update_bake(
                user_id, bake_id, folds_count=count, fold_interval_min=interval_min or None
            )
            if user is None or bake is None or bake.phase != "bulk":
                return []
            self.reminders.untrack(await q.cancel_reminders(user_id, bake_id=bake_id, kinds=[FOLD]))
            planned = plan_folds(bake.started_at, self._bulk_settings(user, bake), after=now)
            created = await self._add_planned(q, user, bake_id, planned)
        self.reminders.track(created)
        return created

    async def log_rise(self, user: User, bake: Bake, rise: RiseInput) -> RiseResult | None:
        """The hot path (every reading): reads without the writer lock, then single statements,
        each atomic on its own, so the lock is held only for two short writes."""
        if not bake.active:
            return None
        now = self.clock.now()
        async with self.storage.read() as q:
            readings = await q.rise_readings(user.id, bake.id)
            temperature = await self._latest_temp(q, user, bake)
        async with self.storage.locked() as q:
            reading = await q.add_rise(
                user.id, bake.id, now, rise.rise_pct, rise.start_height, rise.current_height
            )
        if reading is None:
            return None  # the bake was deleted meanwhile
        prediction = self._predict(user, bake, [*readings, reading], temperature)  # CPU: not under the lock
        if prediction is not None:
            async with self.storage.locked() as q:
                await self._move_bulk_done(q, user, bake, prediction)
        return RiseResult(bake, reading, readings[-1] if readings else None, prediction)

    async def log_temperature(
        self, user_id: int, bake_id: int, temp_c: float
    ) -> tuple[Bake, Prediction | None] | None:
        now = self.clock.now()
        async with self.storage.tx() as q:
            user = await q.get_user(user_id)
            bake = await q.get_bake(user_id, bake_id)
            if user is None or bake is None or not bake.active:
                return None
            await q.add_temperature(user_id, bake_id, now, temp_c)
            changes: dict[str, object] = {}
            if bake.dough_temp_c is None:
                changes["dough_temp_c"] = temp_c
            if bake.phase == "bulk":
                # Warmer dough should end bulk at a lower rise, unless the baker chose the target.
                target = bake.target_rise_pct if bake.target_manual else self.target_for(user, temp_c)
                model_hours, hours, _ = self._prior(user, bake, temp_c, target)
                changes.update(
                    target_rise_pct=target, model_bulk_hours=model_hours, predicted_bulk_hours=hours
                )
            bake = await q.update_bake(user_id, bake_id, **changes) or bake
            prediction = await self._estimate(q, user, bake)
            await self._move_bulk_done(q, user, bake, prediction)
        return bake, prediction

    async def set_target(
        self, user_id: int, bake_id: int, target: float
    ) -> tuple[Bake, Prediction | None] | None:
        async with self.storage.tx() as q:
            user = await q.get_user(user_id)
            bake = await q.get_bake(user_id, bake_id)
            if user is None or bake is None or bake.phase != "bulk":
                return None
            changes: dict[str, object] = {"target_rise_pct": target, "target_manual": 1}
            temperature = await self._latest_temp(q, user, bake)
            if temperature is not None:
                model_hours, hours, _ = self._prior(user, bake, temperature, target)
                changes.update(model_bulk_hours=model_hours, predicted_bulk_hours=hours)
            bake = await q.update_bake(user_id, bake_id, **changes) or bake
            prediction = await self._estimate(q, user, bake)
            await self._move_bulk_done(q, user, bake, prediction)
        return bake, prediction

    def suggest_cold_proof(self, bake: Bake, latest_rise: float | None, temp_c: float | None) -> float:
        bulk_hours = (self.clock.now() - bake.started_at).total_seconds() / 3600
        return model.suggest_cold_proof_hours(
            temp_c if temp_c is not None else 24.0, bulk_hours, latest_rise, bake.target_rise_pct
        )

    async def bake_details(self, user_id: int, bake_id: int) -> BakeDetails | None:
        async with self.storage.read() as q:
            bake = await q.get_bake(user_id, bake_id)
            if bake is None:
                return None
            return BakeDetails(
                bake,
                await q.rise_readings(user_id, bake_id),
                await q.temperatures(user_id, bake_id),
                await q.events(user_id, bake_id),
                await q.pending_reminders(user_id, bake_id),
            )

    async def end_bulk(
        self, user_id: int, bake_id: int, *, cold: bool, duration: timedelta
    ) -> ProofResult | None:
        """Bulk is over: into the fridge (cold) or a room-temperature proof."""
        now = self.clock.now()
        async with self.storage.tx() as q:
            user = await q.get_user(user_id)
            bake = await q.get_bake(user_id, bake_id)
            if user is None or bake is None or not bake.active:
                return None
            cancelled = await q.cancel_reminders(
                user_id, bake_id=bake_id, kinds=[*BULK_KINDS, "preheat", "proof_end"]
            )
            self.reminders.untrack(cancelled)
            phase = "cold_proof" if cold else "proof"
            changes: dict[str, object] = {"phase": phase, "proof_ends_at": now + duration}
            if bake.bulk_ended_at is None:
                changes["bulk_ended_at"] = now
            bake = await q.update_bake(user_id, bake_id, **changes) or bake
            await q.add_event(
                user_id,
                bake_id,
                "fridge_in" if cold else "proof",
                now,
                f"{duration.total_seconds() / 3600:g} h",
            )
            planned = plan_proof(now, duration, timedelta(minutes=user.preheat_min))
            created = await self._add_planned(q, user, bake_id, planned)
        self.reminders.track(created)
        return ProofResult(bake, created, len(cancelled))

    async def finish(self, user_id: int, bake_id: int) -> FinishResult | None:
        """The bake is done: cancel what it still has pending and let the model learn from it."""
        now = self.clock.now()
        async with self.storage.tx() as q:
            user = await q.get_user(user_id)
            bake = await q.get_bake(user_id, bake_id)
            if user is None or bake is None or not bake.active:
                return None
            cancelled = await q.cancel_reminders(user_id, bake_id=bake_id)
            self.reminders.untrack(cancelled)
            bulk_end = bake.bulk_ended_at or now
            if bake.phase == "cold_proof":
                await q.add_event(user_id, bake_id, "fridge_out", now)
            await q.add_event(user_id, bake_id, "done", now)
            bake = (
                await q.update_bake(user_id, bake_id, phase="done", finished_at=now, bulk_ended_at=bulk_end)
                or bake
            )
            error_pct, cal = await self._learn(q, user, bake)
        return FinishResult(bake, len(cancelled), error_pct, cal)

    async def _learn(
        self, q: Queries, user: User, bake: Bake
    ) -> tuple[float | None, calib.Calibration | None]:
        """Compare the real bulk time with the model's, at the rise the baker actually reached."""
        temperature = await self._latest_temp(q, user, bake)
        if temperature is None or bake.bulk_ended_at is None:
            return None, None
        actual_hours = (bake.bulk_ended_at - bake.started_at).total_seconds() / 3600
        readings = [r for r in await q.rise_readings(user.id, bake.id) if r.taken_at <= bake.bulk_ended_at]
        reached = max(r.rise_pct for r in readings) if readings else bake.target_rise_pct
        if not reached or reached < 10 or actual_hours < 0.5:
            return None, None  # nothing to learn from (no rise known, or bulk cut short)
        starter = bake.starter_pct or DEFAULT_STARTER_PCT
        model_hours = model.predict_bulk_hours(starter, temperature, reached)
        old = self.calibration(user)
        predicted = calib.calibrated_hours(old, model_hours)
        error_pct = (predicted - actual_hours) / actual_hours * 100.0
        new = calib.update_calibration(old, model_hours, actual_hours)
        await q.update_user(user.id, calibration=calib.to_json(new))
        return error_pct, new

    async def rate(
        self, user_id: int, bake_id: int, *, rating: int | None = None, notes: str | None = None
    ) -> Bake | None:
        changes: dict[str, object] = {}
        if rating is not None:
            changes["rating"] = rating
        if notes is not None:
            changes["notes"] = notes
        async with self.storage.locked() as q:
            return await q.update_bake(user_id, bake_id, **changes)

    async def abandon(self, user_id: int, bake_id: int) -> Bake | None:
        async with self.storage.tx() as q:
            bake = await q.get_bake(user_id, bake_id)
            if bake is None:
                return None
            self.reminders.untrack(await q.cancel_reminders(user_id, bake_id=bake_id))
            await q.delete_bake(user_id, bake_id)
        return bake

    async def erase_user(self, user_id: int) -> dict[str, int]:
        async with self.storage.tx() as q:
            pending = [r.id for r in await q.pending_reminders(user_id)]
            counts = await q.erase_user(user_id)
        self.reminders.untrack(pending)
        return counts

    # ------------------------------------------------------------------ reminders

    async def add_timer(self, user_id: int, duration: timedelta, label: str | None) -> Reminder:
        async with self.storage.tx() as q:
            bake = await q.current_bake(user_id)
            created = await q.add_reminders(
                user_id,
                [
                    NewReminder(
                        TIMER,
                        self.clock.now() + duration,
                        bake_id=bake.id if bake else None,
                        label=label or None,
                    )
                ],
                self.clock.now(),
            )
        self.reminders.track(created)
        return created[0]

    async def pending(self, user_id: int) -> list[Reminder]:
        async with self.storage.read() as q:
            return await q.pending_reminders(user_id)

    async def reminder(self, user_id: int, reminder_id: int) -> Reminder | None:
        async with self.storage.read() as q:
            return await q.get_reminder(user_id, reminder_id)

    async def snooze(self, user_id: int, reminder_id: int, minutes: int) -> Reminder | None:
        async with self.storage.tx() as q:
            reminder = await q.get_reminder(user_id, reminder_id)
            if reminder is None or reminder.state not in ("sent", "pending", "missed"):
                return None
            if reminder.bake_id is not None:
                bake = await q.get_bake(user_id, reminder.bake_id)
                if bake is None or not bake.active:
                    return None
            await q.reschedule_reminder(user_id, reminder_id, self.clock.now() + timedelta(minutes=minutes))
            moved = await q.get_reminder(user_id, reminder_id)
        if moved is not None:
            self.reminders.track([moved])
        return moved

    async def cancel_reminder(self, user_id: int, reminder_id: int) -> bool:
        async with self.storage.locked() as q:
            ids = await q.cancel_reminders(user_id, reminder_id=reminder_id)
        self.reminders.untrack(ids)
        return bool(ids)

    async def skip_folds(self, user_id: int, bake_id: int) -> int:
        async with self.storage.locked() as q:
            ids = await q.cancel_reminders(user_id, bake_id=bake_id, kinds=[FOLD])
        self.reminders.untrack(ids)
        return len(ids)

    async def record_fold(self, user_id: int, reminder: Reminder) -> bool:
        if reminder.bake_id is None:
            return False
        async with self.storage.locked() as q:
            event = await q.add_event(
                user_id, reminder.bake_id, "fold", self.clock.now(), str(reminder.seq or "")
            )
        return event is not None

    # ------------------------------------------------------------------ starter

    async def feed_starter(
        self, user_id: int, ratio: tuple[float, float, float], temp_c: float | None
    ) -> tuple[StarterFeeding, model.StarterPeak, Reminder]:
        now = self.clock.now()
        peak = model.starter_peak_hours(*ratio, temp_c=temp_c if temp_c is not None else 23.0)
        async with self.storage.tx() as q:
            feeding = await q.add_feeding(user_id, now, ratio, temp_c, peak.peak_hours)
            created = await q.add_reminders(
                user_id,
                [
                    NewReminder(
                        STARTER_PEAK,
                        now + timedelta(hours=peak.low_hours),
                        label=":".join(f"{x:g}" for x in ratio),
                    )
                ],
                now,
            )
        self.reminders.track(created)
        return feeding, peak, created[0]

    async def feedings(self, user_id: int) -> list[StarterFeeding]:
        async with self.storage.read() as q:
            return await q.feedings(user_id)

    async def recent_finished(self, user_id: int, limit: int = 5) -> list[Bake]:
        async with self.storage.read() as q:
            return await q.finished_bakes(user_id, limit=limit)
