"""Every SQL statement the bot runs. All are parameterized, and every one that touches a
baker's data is scoped by their Telegram user id (bakes are reached through `bakes.user_id`).

Reminder queries that are not scoped by user (`due_between`, `reminder_for_delivery`, ...)
are for the scheduler only, never for anything a user's input can steer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from schedules.recipe import Recipe
from storage.models import (
    PHASES_ACTIVE,
    Bake,
    BakeEvent,
    Reminder,
    RiseReading,
    StarterFeeding,
    TempReading,
    User,
    to_db,
)

# Columns a caller may change through update_user / update_bake (names are never user input,
# but a whitelist keeps it that way).
USER_SETTINGS = frozenset(
    {
        "timezone",
        "temp_unit",
        "setup_done",
        "folds_count",
        "fold_interval_min",
        "rise_check_interval_min",
        "preheat_min",
        "quiet_start",
        "quiet_end",
        "target_rule",
        "target_fixed_pct",
        "calibration",
        "first_name",
    }
)
BAKE_FIELDS = frozenset(
    {
        "name",
        "flour_g",
        "water_g",
        "starter_g",
        "salt_g",
        "dough_temp_c",
        "phase",
        "bulk_ended_at",
        "finished_at",
        "rating",
        "notes",
        "folds_count",
        "fold_interval_min",
        "proof_ends_at",
        "target_rise_pct",
        "model_bulk_hours",
        "predicted_bulk_hours",
        "target_manual",
    }
)
_ACTIVE = "('" + "', '".join(PHASES_ACTIVE) + "')"


@dataclass(frozen=True)
class NewReminder:
    kind: str
    due_at: datetime
    bake_id: int | None = None
    label: str | None = None
    seq: int | None = None


def _db_value(value: Any) -> Any:
    return to_db(value) if isinstance(value, datetime) else value


class Queries:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    # execute_fetchall is one hop to the database thread; execute + fetch + close would be three.

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.db.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.db.execute_fetchall(sql, params))

    async def _changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a write; return how many rows it changed (one hop)."""
        cursor = await self.db.execute(sql, params)
        return cursor.rowcount

    # ------------------------------------------------------------------ users

    async def upsert_user(self, user_id: int, chat_id: int, first_name: str, now: datetime) -> User:
        """Create the user on first contact; a user who writes again is active again."""
        row = await self._one(
            """
            INSERT INTO users (id, chat_id, first_name, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET chat_id = excluded.chat_id,
                first_name = excluded.first_name, active = 1
            RETURNING *
            """,
            (user_id, chat_id, first_name[:200], to_db(now)),
        )
        assert row is not None
        return User.from_row(row)

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return None if row is None else User.from_row(row)

    async def update_user(self, user_id: int, **changes: Any) -> None:
        unknown = set(changes) - USER_SETTINGS
        if unknown:
            raise ValueError(f"not a user setting: {sorted(unknown)}")
        if not changes:
            return
        assignments = ", ".join(f"{name} = ?" for name in changes)
        await self.db.execute(
            f"UPDATE users SET {assignments} WHERE id = ?",
            [*(_db_value(v) for v in changes.values()), user_id],
        )

    async def set_user_active(self, user_id: int, active: bool) -> None:
        await self.db.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))

    # ------------------------------------------------------------------ bakes

    async def create_bake(
        self,
        user_id: int,
        name: str,
        started_at: datetime,
        *,
        recipe: Recipe | None = None,
        dough_temp_c: float | None = None,
        **extra: Any,
    ) -> Bake:
        unknown = set(extra) - BAKE_FIELDS
        if unknown:
            raise ValueError(f"not a bake field: {sorted(unknown)}")
        values: dict[str, Any] = {
            "user_id": user_id,
            "name": name,
            "started_at": to_db(started_at),
            "dough_temp_c": dough_temp_c,
            "phase": "bulk",
        }
        if recipe is not None:
            values.update(
                flour_g=recipe.flour_g,
                water_g=recipe.water_g,
                starter_g=recipe.starter_g,
                salt_g=recipe.salt_g,
            )
        values.update({k: _db_value(v) for k, v in extra.items()})
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        row = await self._one(
            f"INSERT INTO bakes ({columns}) VALUES ({marks}) RETURNING *", list(values.values())
        )
        assert row is not None
        bake = Bake.from_row(row)
        await self.add_event(user_id, bake.id, "mix", started_at)
        await self.db.execute("UPDATE users SET selected_bake_id = ? WHERE id = ?", (bake.id, user_id))
        return bake

    async def get_bake(self, user_id: int, bake_id: int) -> Bake | None:
        row = await self._one("SELECT * FROM bakes WHERE id = ? AND user_id = ?", (bake_id, user_id))
        return None if row is None else Bake.from_row(row)

    async def active_bakes(self, user_id: int) -> list[Bake]:
        rows = await self._all(
            f"SELECT * FROM bakes WHERE user_id = ? AND phase IN {_ACTIVE} ORDER BY started_at DESC, id DESC",
            (user_id,),
        )
        return [Bake.from_row(r) for r in rows]

    async def current_bake(self, user_id: int) -> Bake | None:
        """The bake commands act on: the one the baker picked, else the newest active one."""
        row = await self._one(
            f"""
            SELECT b.* FROM bakes b LEFT JOIN users u ON u.id = b.user_id
            WHERE b.user_id = ? AND b.phase IN {_ACTIVE}
            ORDER BY (b.id = u.selected_bake_id) DESC, b.started_at DESC, b.id DESC LIMIT 1
            """,
            (user_id,),
        )
        return None if row is None else Bake.from_row(row)

    async def select_bake(self, user_id: int, bake_id: int) -> Bake | None:
        bake = await self.get_bake(user_id, bake_id)
        if bake is not None and bake.active:
            await self.db.execute("UPDATE users SET selected_bake_id = ? WHERE id = ?", (bake_id, user_id))
            return bake
        return None

    async def list_bakes(
        self, user_id: int, *, limit: int, offset: int = 0, name_like: str | None = None
    ) -> list[Bake]:
        rows = await self._all(
            "SELECT * FROM bakes WHERE user_id = ? AND (? IS NULL OR name LIKE ? ESCAPE '\\') "
            "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
            (user_id, name_like, _like(name_like), limit, offset),
        )
        return [Bake.from_row(r) for r in rows]

    async def count_bakes(self, user_id: int, *, name_like: str | None = None) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM bakes WHERE user_id = ? AND (? IS NULL OR name LIKE ? ESCAPE '\\')",
            (user_id, name_like, _like(name_like)),
        )
        return int(row[0]) if row else 0

    async def finished_bakes(self, user_id: int, *, limit: int) -> list[Bake]:
        rows = await self._all(
            "SELECT * FROM bakes WHERE user_id = ? AND phase = 'done' "
            "ORDER BY finished_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [Bake.from_row(r) for r in rows]

    async def update_bake(self, user_id: int, bake_id: int, **changes: Any) -> Bake | None:
        unknown = set(changes) - BAKE_FIELDS
        if unknown:
            raise ValueError(f"not a bake field: {sorted(unknown)}")
        if changes:
            assignments = ", ".join(f"{name} = ?" for name in changes)
            await self.db.execute(
                f"UPDATE bakes SET {assignments} WHERE id = ? AND user_id = ?",
                [*(_db_value(v) for v in changes.values()), bake_id, user_id],
            )
        return await self.get_bake(user_id, bake_id)

    async def delete_bake(self, user_id: int, bake_id: int) -> bool:
        return await self._changed("DELETE FROM bakes WHERE id = ? AND user_id = ?", (bake_id, user_id)) > 0

    # ------------------------------------------------------------------ readings and events

    async def add_rise(
        self,
        user_id: int,
        bake_id: int,
        taken_at: datetime,
        rise_pct: float,
        start_height: float | None = None,
        current_height: float | None = None,
    ) -> RiseReading | None:
        row = await self._one(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct, start_height, current_height) "
            "SELECT id, ?, ?, ?, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (to_db(taken_at), rise_pct, start_height, current_height, bake_id, user_id),
        )
        return None if row is None else RiseReading.from_row(row)

    async def rise_readings(self, user_id: int, bake_id: int) -> list[RiseReading]:
        rows = await self._all(
            "SELECT r.* FROM rise_readings r JOIN bakes b ON b.id = r.bake_id "
            "WHERE r.bake_id = ? AND b.user_id = ? ORDER BY r.taken_at, r.id",
            (bake_id, user_id),
        )
        return [RiseReading.from_row(r) for r in rows]

    async def add_temperature(
        self, user_id: int, bake_id: int, taken_at: datetime, temp_c: float
    ) -> TempReading | None:
        row = await self._one(
            "INSERT INTO temperatures (bake_id, taken_at, temp_c) "
            "SELECT id, ?, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (to_db(taken_at), temp_c, bake_id, user_id),
        )
        return None if row is None else TempReading.from_row(row)

    async def temperatures(self, user_id: int, bake_id: int) -> list[TempReading]:
        rows = await self._all(
            "SELECT t.* FROM temperatures t JOIN bakes b ON b.id = t.bake_id "
            "WHERE t.bake_id = ? AND b.user_id = ? ORDER BY t.taken_at, t.id",
            (bake_id, user_id),
        )
        return [TempReading.from_row(r) for r in rows]

    async def add_event(
        self, user_id: int, bake_id: int, kind: str, at: datetime, detail: str | None = None
    ) -> BakeEvent | None:
        row = await self._one(
            "INSERT INTO bake_events (bake_id, kind, at, detail) "
            "SELECT id, ?, ?, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (kind, to_db(at), detail, bake_id, user_id),
        )
        return None if row is None else BakeEvent.from_row(row)

    async def events(self, user_id: int, bake_id: int) -> list[BakeEvent]:
        rows = await self._all(
            "SELECT e.* FROM bake_events e JOIN bakes b ON b.id = e.bake_id "
            "WHERE e.bake_id = ? AND b.user_id = ? ORDER BY e.at, e.id",
            (bake_id, user_id),
        )
        return [BakeEvent.from_row(r) for r in rows]

    # ------------------------------------------------------------------ reminders

    async def add_reminders(
        self, user_id: int, reminders: Iterable[NewReminder], now: datetime
    ) -> list[Reminder]:
        created: list[Reminder] = []
        for item in reminders:
            row = await self._one(
                "INSERT INTO reminders (user_id, bake_id, kind, due_at, label, seq, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (user_id, item.bake_id, item.kind, to_db(item.due_at), item.label, item.seq, to_db(now)),
            )
            assert row is not None
            created.append(Reminder.from_row(row))
        return created

    async def get_reminder(self, user_id: int, reminder_id: int) -> Reminder | None:
        row = await self._one("SELECT * FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id))
        return None if row is None else Reminder.from_row(row)

    async def pending_reminders(self, user_id: int, bake_id: int | None = None) -> list[Reminder]:
        rows = await self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND state = 'pending' "
            "AND (? IS NULL OR bake_id = ?) ORDER BY due_at, id",
            (user_id, bake_id, bake_id),
        )
        return [Reminder.from_row(r) for r in rows]

    async def reschedule_reminder(self, user_id: int, reminder_id: int, due_at: datetime) -> bool:
        """Snooze or move a reminder; a sent one becomes pending again (snooze after delivery)."""
        return (
            await self._changed(
                "UPDATE reminders SET due_at = ?, state = 'pending' "
                "WHERE id = ? AND user_id = ? AND state IN ('pending', 'sent', 'missed')",
                (to_db(due_at), reminder_id, user_id),
            )
            > 0
        )

    async def move_pending(self, user_id: int, bake_id: int, kind: str, due_at: datetime) -> list[Reminder]:
        """Move a bake's pending reminders of one kind to a new time; return them (one statement)."""
        rows = await self._all(
            "UPDATE reminders SET due_at = ? WHERE user_id = ? AND bake_id = ? AND kind = ? "
            "AND state = 'pending' RETURNING *",
            (to_db(due_at), user_id, bake_id, kind),
        )
        return [Reminder.from_row(r) for r in rows]

    async def cancel_reminders(
        self,
        user_id: int,
        *,
        bake_id: int | None = None,
        kinds: Sequence[str] | None = None,
        reminder_id: int | None = None,
    ) -> list[int]:
        """Cancel a user's pending reminders (all, one bake's, some kinds, or one); return ids."""
        kind_list = list(kinds) if kinds else None
        kind_marks = ",".join("?" for _ in kind_list) if kind_list else "''"
        rows = await self._all(
            f"""
            UPDATE reminders SET state = 'cancelled'
            WHERE user_id = ? AND state = 'pending'
              AND (? IS NULL OR bake_id = ?)
              AND (? IS NULL OR id = ?)
              AND (? = 0 OR kind IN ({kind_marks}))
            RETURNING id
            """,
            (
                user_id,
                bake_id,
                bake_id,
                reminder_id,
                reminder_id,
                int(kind_list is not None),
                *(kind_list or []),
            ),
        )
        return [int(r[0]) for r in rows]

    # Scheduler-side (not scoped by user: never steered by user input).

    async def reminder_for_delivery(self, reminder_id: int) -> Reminder | None:
        row = await self._one("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return None if row is None else Reminder.from_row(row)

    async def pending_due_before(self, moment: datetime, *, limit: int = 100_000) -> list[Reminder]:
        rows = await self._all(
            "SELECT * FROM reminders WHERE state = 'pending' AND due_at < ? ORDER BY due_at LIMIT ?",
            (to_db(moment), limit),
        )
        return [Reminder.from_row(r) for r in rows]

    async def mark_reminder(self, reminder_id: int, state: str, *, sent_at: datetime | None = None) -> bool:
        """Move a pending reminder to sent/failed/missed; False if it was no longer pending."""
        return (
            await self._changed(
                "UPDATE reminders SET state = ?, sent_at = COALESCE(?, sent_at), attempts = attempts + 1 "
                "WHERE id = ? AND state = 'pending'",
                (state, None if sent_at is None else to_db(sent_at), reminder_id),
            )
            > 0
        )

    async def mark_missed_before(self, moment: datetime) -> dict[int, list[Reminder]]:
        """Everything pending that fell due before `moment` is missed; grouped by user."""
        rows = await self._all(
            "UPDATE reminders SET state = 'missed' WHERE state = 'pending' AND due_at < ? RETURNING *",
            (to_db(moment),),
        )
        missed: dict[int, list[Reminder]] = {}
        for row in rows:
            reminder = Reminder.from_row(row)
            missed.setdefault(reminder.user_id, []).append(reminder)
        return missed

    async def erase_user(self, user_id: int) -> dict[str, int]:
        """Delete everything of one user (the rows cascade); return what was there, by table."""
        counts: dict[str, int] = {}
        for table, scoped in (
            ("bakes", "user_id = ?"),
            ("rise_readings", "bake_id IN (SELECT id FROM bakes WHERE user_id = ?)"),
            ("temperatures", "bake_id IN (SELECT id FROM bakes WHERE user_id = ?)"),
            ("reminders", "user_id = ?"),
            ("starter_feedings", "user_id = ?"),
        ):
            row = await self._one(f"SELECT COUNT(*) FROM {table} WHERE {scoped}", (user_id,))
            counts[table] = int(row[0]) if row else 0
        await self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return counts

    # ------------------------------------------------------------------ starter

    async def add_feeding(
        self,
        user_id: int,
        fed_at: datetime,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        peak_hours: float,
    ) -> StarterFeeding:
        row = await self._one(
            "INSERT INTO starter_feedings (user_id, fed_at, starter_parts, flour_parts, "
            "water_parts, temp_c, peak_hours) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (user_id, to_db(fed_at), *ratio, temp_c, peak_hours),
        )
        assert row is not None
        return StarterFeeding.from_row(row)

    async def feedings(self, user_id: int, *, limit: int = 10) -> list[StarterFeeding]:
        rows = await self._all(
            "SELECT * FROM starter_feedings WHERE user_id = ? ORDER BY fed_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [StarterFeeding.from_row(r) for r in rows]


def _like(fragment: str | None) -> str | None:
    if fragment is None:
        return None
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
