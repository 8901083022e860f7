"""Planning bakes backwards: proposing plans, accepting one (its steps become durable reminders),
following the bake it turns into, re-planning it live, and the fridge by clock time.

The functions at the bottom (`link_new_bake`, `bake_in_fridge`, `bake_ended`, `check_drift`)
run inside other services' transactions, so a bake and its plan always move together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from schedules import fermentation as model
from schedules import forecast
from schedules import plan as planning
from schedules.errors import BakeMovedOn, BakeNotFound, DomainError, NoActiveBake
from schedules.forecast import Prediction
from schedules.planner import PlannedReminder, parse_quiet
from schedules.repository import Repository
from schedules.services import bulk
from schedules.services.base import Service, add_planned, baker
from schedules.types import Bake, BakePlan, PlanState, Reminder, ReminderKind, User

DEFAULT_KITCHEN_C = 24.0
# A bake started this close to a plan's mixing time (or any time after its feeding) is its bake.
LINK_BEFORE_MIX = timedelta(hours=3)
STALE_AFTER = timedelta(minutes=15)  # a proposal whose first step is this far gone is out of date
FRIDGE_HOURS = (8, 12, 16, 24)

# Which steps become reminders, and as what.
STEP_KINDS = {
    planning.Step.FEED: ReminderKind.PLAN_FEED,
    planning.Step.MIX: ReminderKind.PLAN_MIX,
    planning.Step.SHAPE: ReminderKind.PLAN_SHAPE,
    planning.Step.PREHEAT: ReminderKind.PLAN_PREHEAT,
    planning.Step.BAKE: ReminderKind.PLAN_BAKE,
    planning.Step.OUT: ReminderKind.PLAN_OUT,
}
PLAN_KINDS = tuple(STEP_KINDS.values())
# Steps the bake's own reminders take over once it is in the fridge (its preheat and proof end).
TAKEN_OVER_IN_FRIDGE = (ReminderKind.PLAN_SHAPE, ReminderKind.PLAN_PREHEAT, ReminderKind.PLAN_BAKE)


class PlanGone(DomainError):
    """The plan a button names is not this baker's active plan any more (done, cancelled, new)."""

    def __init__(self, plan: BakePlan | None = None) -> None:
        super().__init__()
        self.plan = plan


class PlanOutOfDate(DomainError):
    """A proposal whose first step has gone by: plan again."""


@dataclass(frozen=True)
class Proposal:
    user: User
    options: planning.Options
    baker: planning.Baker
    active: BakePlan | None  # the plan already under way, if any
    has_history: bool = False  # the recipe and kitchen come from the baker's last bake


@dataclass(frozen=True)
class Accepted:
    user: User
    plan: BakePlan
    steps: tuple[planning.PlanStep, ...]
    reminders: list[Reminder]
    replaced: BakePlan | None = None  # the earlier plan this one replaced
    replayed: bool = False  # the same button had accepted it already


@dataclass(frozen=True)
class PlanView:
    user: User
    plan: BakePlan
    steps: tuple[planning.PlanStep, ...]
    pending: list[Reminder]
    bake_name: str | None = None  # the bake it is following, once mixed


@dataclass(frozen=True)
class PlanDrift:
    """Said once in a reading's reply: the bake runs off its plan."""

    plan: BakePlan
    drift: planning.Drift


@dataclass(frozen=True)
class Replanned:
    user: User
    plan: BakePlan
    steps: tuple[planning.PlanStep, ...]
    kept_ready: bool
    moved_minutes: int
    already: bool = False  # nothing left to move (a double tap)


@dataclass(frozen=True)
class FridgeAdvice:
    user: User
    bake: Bake
    suggested_hours: float
    options: tuple[tuple[float, datetime], ...]  # (hours, when it ends), the suggestion among them
    from_plan: bool = False  # the suggestion ends the cold proof at the plan's baking time
    moved_for_quiet: bool = False  # the model's length ended in the quiet hours: moved out of them


def baker_for(repo: Repository, user: User, zone: tzinfo) -> planning.Baker:
    """What planning knows of this baker: the usual recipe and kitchen (their last bake), their
    learned pace, fridge, folds, preheat and quiet hours."""
    last = next(iter(repo.list_bakes(user.id, limit=1)), None)
    starter = last.starter_pct if last is not None and last.starter_pct else forecast.DEFAULT_STARTER_PCT
    kitchen = last.dough_temp_c if last is not None and last.dough_temp_c is not None else DEFAULT_KITCHEN_C
    target = user.target_fixed_pct if user.target_rule == "fixed" and user.target_fixed_pct else None
    return planning.Baker(
        zone=zone,
        quiet=parse_quiet(user.quiet_start, user.quiet_end),
        starter_pct=round(min(max(starter, 1.0), 50.0), 1),
        kitchen_temp_c=min(max(kitchen, 2.0), 35.0),
        fridge_temp_c=user.fridge_temp_c,
        pace=forecast.calibration_of(user).speed_factor,
        target_rise_pct=target,
        folds=user.folds_count,
        fold_interval=timedelta(minutes=user.fold_interval_min),
        preheat=timedelta(minutes=user.preheat_min),
    )


def _label(step: planning.PlanStep, plan: planning.Plan) -> str | None:
    if step.step == planning.Step.FEED:
        return f"1:{plan.feed_ratio}:{plan.feed_ratio}"
    if step.step == planning.Step.MIX:
        return f"{plan.starter_pct:g} %"  # said as "(20 % starter)" by the bot, in the baker's language
    if step.step == planning.Step.SHAPE:
        return f"{plan.target_rise_pct:.0f} %"
    return None


def _bake(repo: Repository, user_id: int, bake_id: int | None, *, bulk_only: bool = False) -> Bake:
    """The plan's bake (or the current one), still under way."""
    bake = repo.current_bake(user_id) if bake_id is None else repo.get_bake(user_id, bake_id)
    if bake is None:
        raise NoActiveBake if bake_id is None else BakeNotFound
    if not bake.active or (bulk_only and not bake.in_bulk):
        raise BakeMovedOn(bake)
    return bake


def _end(repo: Repository, user_id: int, plan: BakePlan, state: PlanState) -> None:
    repo.cancel_plan_steps(user_id, plan.id)
    repo.update_plan(user_id, plan.id, state=state)


class PlanService(Service):
    async def propose(self, user_id: int, ready_at: datetime) -> Proposal:
        """Plans for bread out of the oven at `ready_at` (computed on the database's read thread,
        off the event loop)."""
        now = self.clock.now()

        def action(repo: Repository) -> Proposal:
            user = baker(repo, user_id)
            who = baker_for(repo, user, self.zone(user))
            options = planning.plan_backwards(who, ready_at, now)
            history = bool(repo.list_bakes(user_id, limit=1))
            return Proposal(user, options, who, repo.active_plan(user_id), history)

        return await self.db.read(action)

    async def accept(
        self,
        user_id: int,
        ready_at: datetime,
        *,
        starter_pct: float,
        fridge_hours: float,
        feed_ratio: int,
        source_key: str | None = None,
    ) -> Accepted:
        """Start a plan: its row, its steps as reminders. It replaces the baker's active plan.
        The same button twice accepts it once."""
        now = self.clock.now()

        def action(repo: Repository) -> Accepted:
            user = baker(repo, user_id)
            if source_key is not None and (earlier := repo.plan_by_source(user_id, source_key)) is not None:
                return Accepted(
                    user,
                    earlier,
                    planning.steps_from_json(earlier.steps),
                    repo.plan_reminders(user_id, earlier.id),
                    replayed=True,
                )
            who = baker_for(repo, user, self.zone(user))
            plan = planning.build(
                who, ready_at, starter_pct=starter_pct, fridge_hours=fridge_hours, feed_ratio=feed_ratio
            )
            if plan.feed_at < now - STALE_AFTER or ready_at <= now:
                raise PlanOutOfDate
            replaced = repo.active_plan(user_id)
            if replaced is not None:
                _end(repo, user_id, replaced, PlanState.CANCELLED)
            row = repo.add_plan(
                user_id,
                now,
                ready_at=ready_at,
                starter_pct=plan.starter_pct,
                feed_ratio=plan.feed_ratio,
                kitchen_temp_c=plan.kitchen_temp_c,
                fridge_temp_c=plan.fridge_temp_c,
                target_rise_pct=plan.target_rise_pct,
                bulk_hours=plan.bulk_hours,
                fridge_hours=plan.fridge_hours,
                steps=planning.steps_to_json(plan.steps),
                source_key=source_key,
            )
            planned = [
                PlannedReminder(STEP_KINDS[s.step], max(s.at, now), label=_label(s, plan))
                for s in plan.steps
                if s.step in STEP_KINDS and s.at > now - STALE_AFTER
            ]
            reminders = add_planned(repo, user, None, planned, self.zone(user), now)
            repo.link_plan_reminders(user_id, row.id, [r.id for r in reminders])
            return Accepted(user, row, plan.steps, reminders, replaced)

        return await self.db.write(action)

    async def current(self, user_id: int) -> PlanView | None:
        def action(repo: Repository) -> PlanView | None:
            user = baker(repo, user_id)
            plan = repo.active_plan(user_id)
            if plan is None:
                return None
            bake = repo.get_bake(user_id, plan.bake_id) if plan.bake_id is not None else None
            steps = planning.steps_from_json(plan.steps)
            pending = repo.plan_reminders(user_id, plan.id)
            return PlanView(user, plan, steps, pending, bake.name if bake is not None else None)

        return await self.db.read(action)

    async def cancel(self, user_id: int, plan_id: int | None = None) -> BakePlan:
        """Stop the active plan (or the one a button names) and its reminders."""

        def action(repo: Repository) -> BakePlan:
            baker(repo, user_id)
            plan = repo.active_plan(user_id)
            if plan is None or (plan_id is not None and plan.id != plan_id):
                raise PlanGone(repo.get_plan(user_id, plan_id) if plan_id is not None else None)
            _end(repo, user_id, plan, PlanState.CANCELLED)
            return repo.get_plan(user_id, plan.id) or plan

        return await self.db.write(action)

    async def replan(self, user_id: int, plan_id: int, *, keep_ready: bool) -> Replanned:
        """The baker accepts a re-plan after a drift: the end of bulk moves to the live estimate,
        and either the cold proof absorbs it (the planned time is kept) or the oven steps move
        with it. Pressed again, nothing is left to move."""
        now = self.clock.now()

        def action(repo: Repository) -> Replanned:
            user = baker(repo, user_id)
            plan = repo.active_plan(user_id)
            if plan is None or plan.id != plan_id:
                raise PlanGone(repo.get_plan(user_id, plan_id))
            if plan.bake_id is None:
                raise NoActiveBake
            bake = _bake(repo, user_id, plan.bake_id, bulk_only=True)
            steps = planning.steps_from_json(plan.steps)
            prediction = bulk.estimate(repo, user, bake)
            shape = next((s.at for s in steps if s.step == planning.Step.SHAPE), None)
            if prediction is None or shape is None:
                raise NoActiveBake
            delta = prediction.eta - shape
            lo, hi = planning.fridge_range(_stored_baker(plan, user, self))
            new_fridge = plan.fridge_hours - delta.total_seconds() / 3600
            keep = keep_ready and lo <= new_fridge <= hi
            minutes = round(delta.total_seconds() / 60)
            if abs(minutes) < 1:
                return Replanned(user, plan, steps, keep_ready, 0, already=True)
            moved = planning.shifted(steps, delta, keep_ready=keep)
            moving = {ReminderKind.PLAN_SHAPE} | (
                set() if keep else {ReminderKind.PLAN_PREHEAT, ReminderKind.PLAN_BAKE, ReminderKind.PLAN_OUT}
            )
            for reminder in repo.plan_reminders(user_id, plan.id):
                if reminder.kind in moving:
                    repo.reschedule_reminder(user_id, reminder.id, max(reminder.due_at + delta, now))
            changes: dict[str, object] = {
                "steps": planning.steps_to_json(moved),
                "drift_told_at": None,
                "drift_minutes": None,
            }
            if keep:
                changes["fridge_hours"] = new_fridge
            else:
                changes["ready_at"] = plan.ready_at + delta
            updated = repo.update_plan(user_id, plan.id, **changes) or plan
            return Replanned(user, updated, moved, keep, minutes)

        return await self.db.write(action)

    async def fridge_advice(self, user_id: int) -> FridgeAdvice:
        """How long in the fridge: the model's suggestion, moved so that it ends (and the oven is
        preheated) outside the quiet hours, or the plan's baking time when the bake has a plan;
        with the clock time each option ends."""
        now = self.clock.now()

        def action(repo: Repository) -> FridgeAdvice:
            user = baker(repo, user_id)
            bake = _bake(repo, user_id, None)
            readings = repo.rise_readings(user_id, bake.id)
            temperature = forecast.latest_temperature(
                bake, [t.temp_c for t in repo.temperatures(user_id, bake.id)]
            )
            latest = readings[-1].rise_pct if readings else None
            suggested = forecast.suggest_cold_proof(bake, now, latest, temperature)
            dough = temperature if temperature is not None else DEFAULT_KITCHEN_C
            longest = min(24.0, model.max_cold_proof_hours(dough, user.fridge_temp_c))
            bounds = (planning.FRIDGE_MIN_H, max(planning.FRIDGE_MIN_H, longest))
            preheat = timedelta(minutes=user.preheat_min)
            quiet = parse_quiet(user.quiet_start, user.quiet_end)
            fitted = planning.fitting_fridge_hours(suggested, now, self.zone(user), quiet, preheat, bounds)
            moved, suggested = fitted != suggested, fitted
            from_plan = False
            plan = repo.plan_of_bake(user_id, bake.id)
            if plan is not None:
                steps = planning.steps_from_json(plan.steps)
                bake_at = next((s.at for s in steps if s.step == planning.Step.BAKE), None)
                if bake_at is not None:
                    hours = math.ceil((bake_at - now).total_seconds() / 60) / 60  # whole minutes
                    if 1.0 <= hours <= 72.0:
                        suggested, from_plan, moved = hours, True, False
            hours_list = sorted({float(h) for h in FRIDGE_HOURS} | {suggested})
            options = tuple((h, now + timedelta(hours=h)) for h in hours_list)
            return FridgeAdvice(user, bake, suggested, options, from_plan, moved)

        return await self.db.read(action)


def _stored_baker(plan: BakePlan, user: User, service: Service) -> planning.Baker:
    return planning.Baker(
        zone=service.zone(user), kitchen_temp_c=plan.kitchen_temp_c, fridge_temp_c=plan.fridge_temp_c
    )


# ---------------------------------------------------------------- inside other services' actions


def link_new_bake(repo: Repository, user: User, bake: Bake, now: datetime) -> BakePlan | None:
    """A bake started while a plan waits for its mixing is that plan's bake: link it, and the
    mixing reminder has done its job."""
    plan = repo.active_plan(user.id)
    if plan is None or plan.bake_id is not None:
        return None
    steps = planning.steps_from_json(plan.steps)
    mix = next((s.at for s in steps if s.step == planning.Step.MIX), None)
    if mix is None or now < mix - LINK_BEFORE_MIX or now > plan.ready_at:
        return None
    repo.cancel_plan_steps(user.id, plan.id, [ReminderKind.PLAN_FEED, ReminderKind.PLAN_MIX])
    return repo.update_plan(user.id, plan.id, bake_id=bake.id)


def bake_in_fridge(repo: Repository, user_id: int, bake_id: int, proof_ends_at: datetime) -> None:
    """The plan's bake went into the fridge (or its final proof): its own preheat and end-of-proof
    reminders take over from the plan's; "out of the oven" follows the real end of the proof."""
    plan = repo.plan_of_bake(user_id, bake_id)
    if plan is None:
        return
    repo.cancel_plan_steps(user_id, plan.id, list(TAKEN_OVER_IN_FRIDGE))
    for reminder in repo.plan_reminders(user_id, plan.id):
        if reminder.kind == ReminderKind.PLAN_OUT:
            repo.reschedule_reminder(user_id, reminder.id, proof_ends_at + planning.BAKE_TIME)


def bake_ended(repo: Repository, user_id: int, bake_id: int, *, done: bool) -> None:
    """The plan's bake is finished (the plan is done) or discarded (the plan with it)."""
    plan = repo.plan_of_bake(user_id, bake_id)
    if plan is not None:
        _end(repo, user_id, plan, PlanState.DONE if done else PlanState.CANCELLED)


def check_drift(
    repo: Repository, user: User, bake: Bake, prediction: Prediction | None, now: datetime
) -> PlanDrift | None:
    """After a reading: if the bake's end of bulk has drifted more than DRIFT_TOLD_MIN from its
    plan, say so once (until the baker re-plans)."""
    if prediction is None or prediction.passed or prediction.basis != forecast.Basis.READINGS:
        return None
    plan = repo.plan_of_bake(user.id, bake.id)
    if plan is None or plan.drift_told_at is not None:
        return None
    steps = planning.steps_from_json(plan.steps)
    shape = next((s.at for s in steps if s.step == planning.Step.SHAPE), None)
    if shape is None:
        return None
    temps = [t.temp_c for t in repo.temperatures(user.id, bake.id)]
    dough = forecast.latest_temperature(bake, temps) or plan.kitchen_temp_c
    who = planning.Baker(zone=UTC, kitchen_temp_c=dough, fridge_temp_c=plan.fridge_temp_c)
    found = planning.drift(
        planned_bulk_end=shape,
        planned_ready=plan.ready_at,
        fridge_hours=plan.fridge_hours,
        fridge_bounds=planning.fridge_range(who),
        eta=prediction.eta,
        now=now,
        dough_temp_c=dough,
    )
    if found is None:
        return None
    told = repo.update_plan(user.id, plan.id, drift_told_at=now, drift_minutes=found.minutes) or plan
    return PlanDrift(told, found)


__all__ = [
    "Accepted",
    "FridgeAdvice",
    "PlanDrift",
    "PlanGone",
    "PlanOutOfDate",
    "PlanService",
    "PlanView",
    "Proposal",
    "Replanned",
    "bake_ended",
    "bake_in_fridge",
    "check_drift",
    "link_new_bake",
]
