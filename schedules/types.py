"""The domain's vocabulary: what a baker, a bake, a reading and a reminder are.

Plain frozen dataclasses and `StrEnum`s (their values are what the database stores, so an enum
member compares equal to its text). Times are aware UTC datetimes. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from schedules.recipe import Recipe


class Phase(StrEnum):
    BULK = "bulk"
    COLD_PROOF = "cold_proof"
    PROOF = "proof"
    DONE = "done"


ACTIVE_PHASES = (Phase.BULK, Phase.COLD_PROOF, Phase.PROOF)


class ReminderKind(StrEnum):
    FOLD = "fold"
    RISE_CHECK = "rise_check"
    BULK_DONE = "bulk_done"
    PREHEAT = "preheat"
    PROOF_END = "proof_end"
    TIMER = "timer"
    STARTER_PEAK = "starter_peak"
    # the steps of an accepted plan (schedules.plan): no bake yet when most of them are due
    PLAN_FEED = "plan_feed"
    PLAN_MIX = "plan_mix"
    PLAN_SHAPE = "plan_shape"
    PLAN_PREHEAT = "plan_preheat"
    PLAN_BAKE = "plan_bake"
    PLAN_OUT = "plan_out"


class ReminderState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"
    MISSED = "missed"


class EventKind(StrEnum):
    MIX = "mix"
    FOLD = "fold"
    FRIDGE_IN = "fridge_in"
    FRIDGE_OUT = "fridge_out"
    PROOF = "proof"
    DONE = "done"
    TARGET = "target"  # the target rise changed during bulk; detail "75 → 60"


class TargetRule(StrEnum):
    TEMP = "temp"
    FIXED = "fixed"


@dataclass(frozen=True)
class User:
    id: int
    chat_id: int
    first_name: str = ""
    timezone: str | None = None
    temp_unit: str = "C"
    setup_done: int = 0
    selected_bake_id: int | None = None
    created_at: datetime | None = None
    active: int = 1
    folds_count: int = 4
    fold_interval_min: int = 30
    rise_check_interval_min: int = 60
    preheat_min: int = 60
    quiet_start: str | None = None
    quiet_end: str | None = None
    target_rule: str = TargetRule.TEMP
    target_fixed_pct: float | None = None
    calibration: str | None = None
    blocked_at: datetime | None = None  # the baker blocked the bot: reminders wait, unsent
    undelivered: str | None = None  # what to tell them once a message gets through again
    fridge_temp_c: float = 4.0  # the cold proof is modelled at this temperature
    language: str | None = None  # a Babel locale ("de", "en_GB"); None: the bot's default


@dataclass(frozen=True)
class InboxEntry:
    update_id: int
    payload: str
    # Whose update it is (the sender, else the chat): the key of the per-baker lock replicas
    # take before handling it; None where that does not matter (one process, long polling).
    user_id: int | None = None


@dataclass(frozen=True)
class Bake:
    id: int
    user_id: int
    name: str
    started_at: datetime
    phase: str = Phase.BULK
    flour_g: float | None = None
    water_g: float | None = None
    starter_g: float | None = None
    salt_g: float | None = None
    dough_temp_c: float | None = None
    bulk_ended_at: datetime | None = None
    finished_at: datetime | None = None
    rating: int | None = None
    notes: str | None = None
    folds_count: int | None = None
    fold_interval_min: int | None = None
    proof_ends_at: datetime | None = None
    target_rise_pct: float | None = None
    model_bulk_hours: float | None = None
    predicted_bulk_hours: float | None = None
    target_manual: int = 0
    source_key: str | None = None
    flour_mix: str | None = None  # free text: "80 % bread flour, 20 % whole rye"
    starter_id: int | None = None  # the starter it was mixed with
    starter_factor: float | None = None  # that starter's learned pace when mixed (1.2 = slower)
    recipe_id: int | None = None  # the saved recipe it was started from

    @property
    def recipe(self) -> Recipe | None:
        if self.flour_g is None:
            return None
        return Recipe(self.flour_g, self.water_g, self.starter_g, self.salt_g)

    @property
    def active(self) -> bool:
        return self.phase in ACTIVE_PHASES

    @property
    def in_bulk(self) -> bool:
        return self.phase == Phase.BULK

    @property
    def starter_pct(self) -> float | None:
        if self.flour_g and self.starter_g is not None:
            return self.starter_g / self.flour_g * 100.0
        return None


@dataclass(frozen=True)
class RiseReading:
    id: int
    bake_id: int
    taken_at: datetime
    rise_pct: float
    start_height: float | None = None
    current_height: float | None = None
    source_key: str | None = None


@dataclass(frozen=True)
class TempReading:
    id: int
    bake_id: int
    taken_at: datetime
    temp_c: float
    source_key: str | None = None


@dataclass(frozen=True)
class BakeEvent:
    id: int
    bake_id: int
    kind: str
    at: datetime
    detail: str | None = None


@dataclass(frozen=True)
class Reminder:
    id: int
    user_id: int
    bake_id: int | None
    kind: str
    due_at: datetime
    state: str = ReminderState.PENDING
    label: str | None = None
    seq: int | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    source_key: str | None = None
    plan_id: int | None = None  # a step of an accepted plan

    @property
    def pending(self) -> bool:
        return self.state == ReminderState.PENDING


@dataclass(frozen=True)
class StarterFeeding:
    id: int
    user_id: int
    fed_at: datetime
    starter_parts: float
    flour_parts: float
    water_parts: float
    peak_hours: float
    temp_c: float | None = None
    source_key: str | None = None
    starter_id: int | None = None
    peaked_at: datetime | None = None  # the baker said "it peaked now"


@dataclass(frozen=True)
class NewReminder:
    kind: str
    due_at: datetime
    bake_id: int | None = None
    label: str | None = None
    seq: int | None = None
    source_key: str | None = None


@dataclass
class ReminderChanges:
    """What one transaction did to reminders, handed to the scheduler after it commits."""

    scheduled: list[Reminder] = field(default_factory=list)  # inserted or moved
    removed: set[int] = field(default_factory=set)  # cancelled, sent or deleted
    users: set[int] = field(default_factory=set)  # bakers whose row changed (caches drop them)

    def __bool__(self) -> bool:
        return bool(self.scheduled or self.removed or self.users)


# ---------------------------------------------------------------- recipes, photos, starters, sharing


@dataclass(frozen=True)
class SavedRecipe:
    """A named recipe a baker keeps (from a bake, or saved from another baker's shared bake)."""

    id: int
    user_id: int
    name: str
    flour_g: float
    created_at: datetime
    water_g: float | None = None
    starter_g: float | None = None
    salt_g: float | None = None
    flour_mix: str | None = None
    target_rise_pct: float | None = None  # only a target the baker set by hand
    folds_count: int | None = None
    fold_interval_min: int | None = None
    source_key: str | None = None

    @property
    def recipe(self) -> Recipe:
        return Recipe(self.flour_g, self.water_g, self.starter_g, self.salt_g)


@dataclass(frozen=True)
class BakeTemplate:
    """What a new bake takes from a recipe, an earlier bake or a shared one."""

    name: str
    recipe: Recipe | None = None
    flour_mix: str | None = None
    target_rise_pct: float | None = None  # a target set by hand; None: by dough temperature
    folds_count: int | None = None
    fold_interval_min: int | None = None
    recipe_id: int | None = None


@dataclass(frozen=True)
class Starter:
    id: int
    user_id: int
    name: str
    created_at: datetime
    archived_at: datetime | None = None
    calibration: str | None = None  # JSON of schedules.calibration.Calibration: its peak pace
    source_key: str | None = None

    @property
    def active(self) -> bool:
        return self.archived_at is None


@dataclass(frozen=True)
class BakePhoto:
    id: int
    user_id: int
    file_id: str  # Telegram's file_id only: the picture itself is never stored
    taken_at: datetime
    bake_id: int | None = None  # None: waiting for the baker to pick a bake
    file_unique_id: str | None = None
    caption: str | None = None
    source_key: str | None = None


@dataclass(frozen=True)
class Share:
    id: int
    user_id: int
    bake_id: int
    code: str
    created_at: datetime
    revoked_at: datetime | None = None
    include_notes: int = 0
    include_readings: int = 0
    include_photos: int = 0

    @property
    def live(self) -> bool:
        return self.revoked_at is None


# ---------------------------------------------------------------- planning (issue 11)


class PlanState(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class BakePlan:
    """An accepted plan (schedules.plan): its timeline, and the bake it became once mixed."""

    id: int
    user_id: int
    ready_at: datetime  # out of the oven
    created_at: datetime
    state: str = PlanState.ACTIVE
    bake_id: int | None = None
    starter_pct: float = 20.0
    feed_ratio: int = 2
    kitchen_temp_c: float = 24.0
    fridge_temp_c: float = 4.0
    target_rise_pct: float = 50.0
    bulk_hours: float = 6.0
    fridge_hours: float = 14.0
    steps: str = "[]"  # JSON of the steps (schedules.plan.steps_to_json)
    drift_told_at: datetime | None = None  # a drift has been told (once, until re-planned)
    drift_minutes: int | None = None
    source_key: str | None = None

    @property
    def active(self) -> bool:
        return self.state == PlanState.ACTIVE
