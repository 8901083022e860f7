"""What the database holds, as plain frozen dataclasses (times are aware UTC datetimes)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import cache
from typing import Any, Self

from schedules.recipe import Recipe

PHASES_ACTIVE = ("bulk", "cold_proof", "proof")


def to_db(moment: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


class _Row:
    """Builds a dataclass from an aiosqlite.Row; columns ending in `_at` become datetimes."""

    @classmethod
    def from_row(cls, row: Any) -> Self:
        values: dict[str, Any] = {}
        for name in row.keys():  # noqa: SIM118 (sqlite3.Row is not a mapping)
            if name in _field_names(cls):
                value = row[name]
                values[name] = from_db(value) if name == "at" or name.endswith("_at") else value
        return cls(**values)


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(field.name for field in fields(cls))


@dataclass(frozen=True)
class User(_Row):
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
    target_rule: str = "temp"
    target_fixed_pct: float | None = None
    calibration: str | None = None


@dataclass(frozen=True)
class Bake(_Row):
    id: int
    user_id: int
    name: str
    started_at: datetime
    phase: str = "bulk"
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

    @property
    def recipe(self) -> Recipe | None:
        if self.flour_g is None:
            return None
        return Recipe(self.flour_g, self.water_g, self.starter_g, self.salt_g)

    @property
    def active(self) -> bool:
        return self.phase in PHASES_ACTIVE

    @property
    def starter_pct(self) -> float | None:
        if self.flour_g and self.starter_g is not None:
            return self.starter_g / self.flour_g * 100.0
        return None


@dataclass(frozen=True)
class RiseReading(_Row):
    id: int
    bake_id: int
    taken_at: datetime
    rise_pct: float
    start_height: float | None = None
    current_height: float | None = None


@dataclass(frozen=True)
class TempReading(_Row):
    id: int
    bake_id: int
    taken_at: datetime
    temp_c: float


@dataclass(frozen=True)
class BakeEvent(_Row):
    id: int
    bake_id: int
    kind: str
    at: datetime
    detail: str | None = None


@dataclass(frozen=True)
class Reminder(_Row):
    id: int
    user_id: int
    bake_id: int | None
    kind: str
    due_at: datetime
    state: str = "pending"
    label: str | None = None
    seq: int | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0


@dataclass(frozen=True)
class StarterFeeding(_Row):
    id: int
    user_id: int
    fed_at: datetime
    starter_parts: float
    flour_parts: float
    water_parts: float
    peak_hours: float
    temp_c: float | None = None
