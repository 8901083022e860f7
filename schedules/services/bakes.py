"""Starting, following and finishing bakes: one method per action, one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from schedules import calibration as calib
from schedules import forecast
from schedules.errors import BakeMovedOn, BakeNotFound, NoActiveBake, TooManyActiveBakes
from schedules.forecast import Prediction
from schedules.planner import BULK_KINDS, PROOF_KINDS, plan_bulk, plan_folds, plan_proof
from schedules.recipe import Recipe
from schedules.repository import Repository
from schedules.services import bulk, plans
from schedules.services.base import Service, add_planned, baker
from schedules.services.starter import starter_pace
from schedules.types import (
    Bake,
    BakeEvent,
    BakePlan,
    BakeTemplate,
    EventKind,
    Phase,
    Reminder,
    ReminderKind,
    RiseReading,
    TempReading,
    User,
)

MAX_ACTIVE_BAKES = 10


@dataclass(frozen=True)
class StartResult:
    user: User
    bake: Bake
    reminders: list[Reminder]
    prediction: Prediction | None
    replayed: bool = False  # the same message or button had started this bake already
    plan: BakePlan | None = None  # the plan this bake was started for (/plan)


@dataclass(frozen=True)
class BakeDetails:
    user: User
    bake: Bake
    readings: list[RiseReading]
    temperatures: list[TempReading]
    events: list[BakeEvent]
    pending: list[Reminder]
    prediction: Prediction | None
    photos: int = 0  # how many photos the bake has
    starter_name: str | None = None  # the starter it was mixed with

    @property
    def temperature(self) -> float | None:
        return forecast.latest_temperature(self.bake, [t.temp_c for t in self.temperatures])


@dataclass(frozen=True)
class Status:
    user: User
    bakes: list[BakeDetails]
    current_id: int | None


@dataclass(frozen=True)
class Page:
    user: User
    bakes: list[Bake]
    total: int
    page: int


@dataclass(frozen=True)
class ProofResult:
    user: User
    bake: Bake
    reminders: list[Reminder]


@dataclass(frozen=True)
class FinishResult:
    user: User
    bake: Bake
    bulk_error_pct: float | None  # how far the prediction was from the real bulk time
    calibration: calib.Calibration | None
    announced: forecast.Announced | None = None  # the prediction stated for the final target


@dataclass(frozen=True)
class FoldsResult:
    bake: Bake
    created: list[Reminder]
    interval_min: int


def _details(repo: Repository, user: User, bake: Bake) -> BakeDetails:
    readings = repo.rise_readings(user.id, bake.id)
    temps = repo.temperatures(user.id, bake.id)
    temperature = forecast.latest_temperature(bake, [t.temp_c for t in temps])
    return BakeDetails(
        user,
        bake,
        readings,
        temps,
        repo.events(user.id, bake.id),
        repo.pending_reminders(user.id, bake.id),
        forecast.predict(user, bake, readings, temperature, temps),
        repo.count_photos(user.id, bake.id),
        starter.name if bake.starter_id and (starter := repo.get_starter(user.id, bake.starter_id)) else None,
    )


def own_bake(repo: Repository, user_id: int, bake_id: int | None) -> Bake:
    """The bake an action names, or the baker's current one; raises if there is none."""
    if bake_id is None:
        bake = repo.current_bake(user_id)
        if bake is None:
            raise NoActiveBake
        return bake
    bake = repo.get_bake(user_id, bake_id)
    if bake is None:
        raise BakeNotFound
    return bake


def active_bake(repo: Repository, user_id: int, bake_id: int | None, *, bulk_only: bool = False) -> Bake:
    bake = own_bake(repo, user_id, bake_id)
    if not bake.active or (bulk_only and not bake.in_bulk):
        raise BakeMovedOn(bake)
    return bake


class BakeService(Service):
    async def start(
        self,
        user_id: int,
        name: str,
        *,
        recipe: Recipe | None = None,
        dough_temp_c: float | None = None,
        target_rise_pct: float | None = None,
        source_key: str | None = None,
        template_id: int | None = None,
        template: BakeTemplate | None = None,
    ) -> StartResult:
        """Start a bake; with `template_id`, an earlier bake's name and recipe ("Bake again");
        with `template`, a recipe's (name, amounts, flour mix, target set by hand, folds). The
        bake records the starter it is mixed with (the one fed last) and that starter's pace.
        The same message or button (`source_key`) twice starts one bake."""
        now = self.clock.now()

        def action(repo: Repository) -> StartResult:
            user = baker(repo, user_id)
            nonlocal name, recipe, target_rise_pct
            plan = template
            if template_id is not None:
                earlier_bake = own_bake(repo, user_id, template_id)
                plan = BakeTemplate(earlier_bake.name, earlier_bake.recipe, earlier_bake.flour_mix)
            if plan is not None:
                name, recipe = plan.name, plan.recipe
                if target_rise_pct is None:
                    target_rise_pct = plan.target_rise_pct
            if source_key is not None and (earlier := repo.bake_by_source(user_id, source_key)) is not None:
                return StartResult(
                    user, earlier, repo.pending_reminders(user_id, earlier.id), None, replayed=True
                )
            active = len(repo.active_bakes(user_id))
            if active >= MAX_ACTIVE_BAKES:
                raise TooManyActiveBakes(active)
            starter = repo.default_starter(user_id)
            bake = repo.create_bake(
                user_id,
                name,
                now,
                recipe=recipe,
                dough_temp_c=dough_temp_c,
                source_key=source_key,
                flour_mix=plan.flour_mix if plan else None,
                recipe_id=plan.recipe_id if plan else None,
                starter_id=starter.id if starter else None,
                starter_factor=starter_pace(starter),
            )
            extra: dict[str, object] = {}
            bulk_hours: float | None = None
            if dough_temp_c is not None:
                target = target_rise_pct or forecast.target_for(user, dough_temp_c)
                before = forecast.prior(user, bake, dough_temp_c, target)
                bulk_hours = before.hours
                extra = dict(
                    target_rise_pct=target,
                    model_bulk_hours=before.model_hours,
                    predicted_bulk_hours=before.hours,
                    target_manual=int(target_rise_pct is not None),
                )
                repo.add_temperature(user_id, bake.id, now, dough_temp_c)
            elif target_rise_pct is not None:
                extra = dict(target_rise_pct=target_rise_pct, target_manual=1)
            bake = (
                repo.update_bake(
                    user_id,
                    bake.id,
                    folds_count=user.folds_count
                    if plan is None or plan.folds_count is None
                    else plan.folds_count,
                    fold_interval_min=(plan.fold_interval_min if plan else None) or user.fold_interval_min,
                    **extra,
                )
                or bake
            )
            planned = plan_bulk(bake.started_at, forecast.bulk_settings(user, bake), bulk_hours)
            reminders = add_planned(repo, user, bake.id, planned, self.zone(user), now)
            linked = plans.link_new_bake(repo, user, bake, now)
            return StartResult(user, bake, reminders, bulk.estimate(repo, user, bake), plan=linked)

        return await self.db.write(action)

    async def select(self, user_id: int, bake_id: int) -> Bake:
        def action(repo: Repository) -> Bake:
            bake = active_bake(repo, user_id, bake_id)
            repo.select_bake(user_id, bake.id)
            return bake

        return await self.db.write(action)

    async def status(self, user_id: int) -> Status:
        def action(repo: Repository) -> Status:
            user = baker(repo, user_id)
            bakes = repo.active_bakes(user_id)
            if not bakes:
                raise NoActiveBake
            current = repo.current_bake(user_id)
            return Status(user, [_details(repo, user, b) for b in bakes], current.id if current else None)

        return await self.db.read(action)

    async def details(self, user_id: int, bake_id: int | None = None) -> BakeDetails:
        def action(repo: Repository) -> BakeDetails:
            user = baker(repo, user_id)
            return _details(repo, user, own_bake(repo, user_id, bake_id))

        return await self.db.read(action)

    async def latest_details(self, user_id: int) -> BakeDetails:
        """The current bake, else the newest one of any phase (for /chart)."""

        def action(repo: Repository) -> BakeDetails:
            user = baker(repo, user_id)
            bake = repo.current_bake(user_id) or next(iter(repo.list_bakes(user_id, limit=1)), None)
            if bake is None:
                raise NoActiveBake
            return _details(repo, user, bake)

        return await self.db.read(action)

    async def recent_details(self, user_id: int, limit: int, scan: int = 30) -> list[BakeDetails]:
        """The newest bakes that have rise readings (for /chart compare)."""

        def action(repo: Repository) -> list[BakeDetails]:
            user = baker(repo, user_id)
            found: list[BakeDetails] = []
            for bake in repo.list_bakes(user_id, limit=scan):
                details = _details(repo, user, bake)
                if details.readings:
                    found.append(details)
                if len(found) == limit:
                    break
            return found

        return await self.db.read(action)

    async def page(self, user_id: int, page: int, page_size: int, name_like: str | None) -> Page:
        """One page of the baker's bakes, newest first, the page number clamped."""

        def action(repo: Repository) -> Page:
            user = baker(repo, user_id)
            total = repo.count_bakes(user_id, name_like=name_like)
            last_page = max(0, (total - 1) // page_size)
            number = min(max(page, 0), last_page)
            items = repo.list_bakes(user_id, limit=page_size, offset=number * page_size, name_like=name_like)
            return Page(user, items, total, number)

        return await self.db.read(action)

    async def set_folds(self, user_id: int, count: int, interval_min: int | None) -> FoldsResult:
        """Per-bake folds: replace the folds still to come with the new plan."""
        now = self.clock.now()

        def action(repo: Repository) -> FoldsResult:
            user = baker(repo, user_id)
            bake = active_bake(repo, user_id, None, bulk_only=True)
            interval = interval_min or bake.fold_interval_min or user.fold_interval_min
            bake = repo.update_bake(user_id, bake.id, folds_count=count, fold_interval_min=interval) or bake
            repo.cancel_reminders(user_id, bake_id=bake.id, kinds=[ReminderKind.FOLD])
            planned = plan_folds(bake.started_at, forecast.bulk_settings(user, bake), after=now)
            return FoldsResult(
                bake, add_planned(repo, user, bake.id, planned, self.zone(user), now), interval
            )

        return await self.db.write(action)

    async def current(self, user_id: int) -> Bake:
        return await self.db.read(lambda repo: active_bake(repo, user_id, None))

    async def end_bulk(
        self, user_id: int, bake_id: int | None, *, cold: bool, duration: timedelta
    ) -> ProofResult:
        """Bulk is over: into the fridge (cold) or a room-temperature proof. A bake already in that
        proof is not put there again (a double tap on a fridge button)."""
        now = self.clock.now()
        phase = Phase.COLD_PROOF if cold else Phase.PROOF

        def action(repo: Repository) -> ProofResult:
            user = baker(repo, user_id)
            bake = active_bake(repo, user_id, bake_id)
            if bake.phase == phase or (bake.phase == Phase.PROOF and cold):
                raise BakeMovedOn(bake)
            repo.cancel_reminders(user_id, bake_id=bake.id, kinds=[*BULK_KINDS, *PROOF_KINDS])
            changes: dict[str, object] = {"phase": phase, "proof_ends_at": now + duration}
            if bake.bulk_ended_at is None:
                changes["bulk_ended_at"] = now
            bake = repo.update_bake(user_id, bake.id, **changes) or bake
            repo.add_event(
                user_id,
                bake.id,
                EventKind.FRIDGE_IN if cold else EventKind.PROOF,
                now,
                f"{duration.total_seconds() / 3600:g} h",
            )
            planned = plan_proof(now, duration, timedelta(minutes=user.preheat_min))
            plans.bake_in_fridge(repo, user_id, bake.id, now + duration)
            return ProofResult(user, bake, add_planned(repo, user, bake.id, planned, self.zone(user), now))

        return await self.db.write(action)

    async def finish(self, user_id: int, bake_id: int | None = None) -> FinishResult:
        """The bake is done: cancel what it still has pending and let the model learn from it."""
        now = self.clock.now()

        def action(repo: Repository) -> FinishResult:
            user = baker(repo, user_id)
            bake = active_bake(repo, user_id, bake_id)
            repo.cancel_reminders(user_id, bake_id=bake.id)
            plans.bake_ended(repo, user_id, bake.id, done=True)
            if bake.phase == Phase.COLD_PROOF:
                repo.add_event(user_id, bake.id, EventKind.FRIDGE_OUT, now)
            repo.add_event(user_id, bake.id, EventKind.DONE, now)
            bake = (
                repo.update_bake(
                    user_id,
                    bake.id,
                    phase=Phase.DONE,
                    finished_at=now,
                    bulk_ended_at=bake.bulk_ended_at or now,
                )
                or bake
            )
            logged = repo.temperatures(user_id, bake.id)
            temps = [t.temp_c for t in logged]
            taught = forecast.lesson(
                bake, repo.rise_readings(user_id, bake.id), forecast.latest_temperature(bake, temps), logged
            )
            if taught is None:
                return FinishResult(user, bake, None, None)
            error_pct, cal = forecast.learn(forecast.calibration_of(user), taught)
            user = repo.update_user(user_id, calibration=calib.to_json(cal)) or user
            # The baker hears how far off the prediction they were given was (the one the card
            # shows), for the target they ended up with; the model learns at the rise reached.
            said = forecast.announced(bake, repo.events(user_id, bake.id))
            if said is not None:
                error_pct = said.error_pct(taught.actual_hours)
            return FinishResult(user, bake, error_pct, cal, said)

        return await self.db.write(action)

    async def rate(
        self, user_id: int, bake_id: int, *, rating: int | None = None, notes: str | None = None
    ) -> Bake:
        changes: dict[str, object] = {}
        if rating is not None:
            changes["rating"] = rating
        if notes is not None:
            changes["notes"] = notes

        def action(repo: Repository) -> Bake:
            bake = own_bake(repo, user_id, bake_id)
            return repo.update_bake(user_id, bake.id, **changes) or bake

        return await self.db.write(action)

    async def abandon(self, user_id: int, bake_id: int) -> Bake:
        """Delete a bake and what it has pending. A second tap finds nothing to delete."""

        def action(repo: Repository) -> Bake:
            bake = own_bake(repo, user_id, bake_id)
            repo.cancel_reminders(user_id, bake_id=bake.id)
            plans.bake_ended(repo, user_id, bake.id, done=False)
            repo.delete_bake(user_id, bake.id)
            return bake

        return await self.db.write(action)

    async def erase_user(self, user_id: int) -> dict[str, int]:
        return await self.db.write(lambda repo: repo.erase_user(user_id))

    async def active(self, user_id: int) -> list[Bake]:
        return await self.db.read(lambda repo: repo.active_bakes(user_id))


def proof_end(bake: Bake, now: datetime, duration: timedelta) -> datetime:
    return bake.proof_ends_at or now + duration
