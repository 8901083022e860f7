"""The repository: every SQL statement the bot runs for a baker's actions, on SQLite or PostgreSQL.

All statements are parameterized, and every one that touches a baker's data is scoped by their
Telegram user id (bakes are reached through `bakes.user_id`). Methods are synchronous: a whole
action runs on the database's own thread in one call (`storage.database.Database`), so one
action costs one hop from the event loop, not one per statement.

The SQL is portable (`storage.sql`): the same statements run on `sqlite3` and, through
`storage.postgres.PgConnection`, on PostgreSQL. Keep it that way: `?` placeholders, no SQLite-only
functions or PRAGMAs here, an explicit ORDER BY wherever order matters (NULLs sort first on
SQLite and last on PostgreSQL, so never order by a column that may be NULL without COALESCE).

What a transaction does to reminders is recorded in `changes`; the database hands it to the
scheduler once the transaction has committed (and drops it if it rolled back).

Reminder queries that are not scoped by user (`due_for_delivery`, ...) are for the scheduler
only, never for anything a user's input can steer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from schedules.recipe import Recipe
from schedules.types import (
    ACTIVE_PHASES,
    Bake,
    BakeEvent,
    BakePhoto,
    BakePlan,
    InboxEntry,
    NewReminder,
    Reminder,
    ReminderChanges,
    RiseReading,
    SavedRecipe,
    Share,
    Starter,
    StarterFeeding,
    TempReading,
    User,
)
from storage.sql import Connection, Row

T = TypeVar("T")

# Columns a caller may change through update_user / update_bake (names are never user input,
# but a whitelist keeps it that way).
USER_SETTINGS = frozenset(
    {
        "timezone",
        "language",
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
        "fridge_temp_c",
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
        "flour_mix",
        "starter_id",
        "starter_factor",
        "recipe_id",
    }
)
_ACTIVE = "('" + "', '".join(ACTIVE_PHASES) + "')"


def to_db(moment: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


@cache
def _field_names(cls: type[Any]) -> frozenset[str]:
    return frozenset(field.name for field in fields(cls))


def build(cls: type[T], row: Row) -> T:
    """A domain dataclass from a row; columns named `at` or ending in `_at` become datetimes."""
    names = _field_names(cls)  # type: ignore[arg-type]  # a class is hashable
    values: dict[str, Any] = {}
    for name in row.keys():  # noqa: SIM118 (a row is not a mapping)
        if name in names:
            value = row[name]
            values[name] = from_db(value) if name == "at" or name.endswith("_at") else value
    return cls(**values)


def _db_value(value: Any) -> Any:
    return to_db(value) if isinstance(value, datetime) else value


def _like(fragment: str | None) -> str | None:
    if fragment is None:
        return None
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def __getattr__(name: str) -> Any:
    # `SqliteRepository` is the repository's name from before it ran on PostgreSQL too; the alias
    # is resolved here (not by a line after the class) so methods can keep being added at the end.
    if name == "SqliteRepository":
        return SqlRepository
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SqlRepository:
    """The repository on one connection (`sqlite3.Connection` or `storage.postgres.PgConnection`),
    inside the transaction its database opened for one action."""

    # Appended to the query that picks due reminders (`r`) to claim: PostgreSQL's subclass
    # (storage.postgres.PgRepository) makes it `FOR UPDATE OF r SKIP LOCKED`, so replicas claiming
    # at once each take other rows; SQLite has one process and one writer, and needs nothing.
    ROW_LOCK = ""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self.changes = ReminderChanges()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.db.execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.db.execute(sql, params).fetchall()

    def _changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.db.execute(sql, params).rowcount

    # ------------------------------------------------------------------ users

    def upsert_user(
        self, user_id: int, chat_id: int, first_name: str, now: datetime, language: str | None = None
    ) -> User:
        """Create the user on first contact (in `language`); a user who writes again is active
        again, and keeps the language they have."""
        row = self._one(
            """
            INSERT INTO users (id, chat_id, first_name, created_at, language) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET chat_id = excluded.chat_id,
                first_name = excluded.first_name, active = 1
            RETURNING *
            """,
            (user_id, chat_id, first_name[:200], to_db(now), language),
        )
        assert row is not None
        self.changes.users.add(user_id)
        return build(User, row)

    def get_user(self, user_id: int) -> User | None:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return None if row is None else build(User, row)

    def update_user(self, user_id: int, **changes: Any) -> User | None:
        unknown = set(changes) - USER_SETTINGS
        if unknown:
            raise ValueError(f"not a user setting: {sorted(unknown)}")
        if changes:
            assignments = ", ".join(f"{name} = ?" for name in changes)
            self.db.execute(
                f"UPDATE users SET {assignments} WHERE id = ?",
                [*(_db_value(v) for v in changes.values()), user_id],
            )
            self.changes.users.add(user_id)
        return self.get_user(user_id)

    def set_user_active(self, user_id: int, active: bool) -> None:
        self.db.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))
        self.changes.users.add(user_id)

    def block_user(self, user_id: int, now: datetime) -> None:
        """The baker blocked the bot: nothing is sent to them; their reminders wait."""
        self.db.execute(
            "UPDATE users SET active = 0, blocked_at = COALESCE(blocked_at, ?) WHERE id = ?",
            (to_db(now), user_id),
        )
        self.changes.users.add(user_id)

    def unblock_user(self, user_id: int) -> list[Reminder]:
        """The baker is back: active again; returns the reminders that fell due while blocked."""
        user = self.get_user(user_id)
        if user is None or (user.active and user.blocked_at is None):
            return []
        missed: list[Reminder] = []
        if user.blocked_at is not None:
            rows = self._all(
                # Held back while blocked: due since then, or found blocked when sent (the 403
                # that told us came a moment after it was due).
                "SELECT * FROM reminders WHERE user_id = ? AND state = 'missed' "
                "AND COALESCE(sent_at, due_at) >= ? ORDER BY due_at, id",
                (user_id, to_db(user.blocked_at)),
            )
            missed = [build(Reminder, r) for r in rows]
        self.db.execute("UPDATE users SET active = 1, blocked_at = NULL WHERE id = ?", (user_id,))
        self.changes.users.add(user_id)
        return missed

    def set_undelivered(self, user_id: int, note: str | None) -> None:
        self.db.execute("UPDATE users SET undelivered = ? WHERE id = ?", (note, user_id))
        self.changes.users.add(user_id)

    # ------------------------------------------------------------------ the inbox

    def inbox_record(self, entries: Sequence[InboxEntry], done: Iterable[int], now: datetime) -> None:
        """Updates just received (kept until handled) and updates handled since the last call."""
        self.db.executemany(
            "INSERT INTO inbox (update_id, payload, received_at, user_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (update_id) DO NOTHING",
            [(e.update_id, e.payload, to_db(now), e.user_id) for e in entries],
        )
        self.db.executemany(
            "UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL",
            [(to_db(now), update_id) for update_id in done],
        )

    def inbox_add(self, entry: InboxEntry, now: datetime) -> bool:
        """Keep one update (webhook mode); False when it was here already (a retried delivery)."""
        row = self._one(
            "INSERT INTO inbox (update_id, payload, received_at, user_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (entry.update_id, entry.payload, to_db(now), entry.user_id),
        )
        return row is not None

    def inbox_open_of(self, user_id: int) -> list[InboxEntry]:
        """One baker's updates recorded but not handled yet, oldest first (replicas: read under
        the baker's lock)."""
        rows = self._all(
            "SELECT update_id, payload, user_id FROM inbox WHERE done_at IS NULL AND user_id = ? "
            "ORDER BY update_id",
            (user_id,),
        )
        return [InboxEntry(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    def inbox_open_bakers(self, *, limit: int = 1000) -> list[int]:
        """The bakers with updates recorded but not handled, the longest waiting first."""
        rows = self._all(
            "SELECT user_id FROM inbox WHERE done_at IS NULL AND user_id IS NOT NULL "
            "GROUP BY user_id ORDER BY MIN(update_id) LIMIT ?",
            (limit,),
        )
        return [int(r[0]) for r in rows]

    def inbox_done(self, update_ids: Iterable[int], now: datetime) -> None:
        self.db.executemany(
            "UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL",
            [(to_db(now), update_id) for update_id in update_ids],
        )

    def ping(self) -> bool:
        return self._one("SELECT 1") is not None

    def inbox_open(self) -> list[InboxEntry]:
        """Updates recorded but not handled (the process died meanwhile), oldest first."""
        rows = self._all("SELECT update_id, payload FROM inbox WHERE done_at IS NULL ORDER BY update_id")
        return [InboxEntry(int(r[0]), str(r[1])) for r in rows]

    def inbox_prune(self, before: datetime) -> int:
        return self._changed("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (to_db(before),))

    # ------------------------------------------------------------------ bakes

    def create_bake(
        self,
        user_id: int,
        name: str,
        started_at: datetime,
        *,
        recipe: Recipe | None = None,
        dough_temp_c: float | None = None,
        source_key: str | None = None,
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
            "source_key": source_key,
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
        row = self._one(f"INSERT INTO bakes ({columns}) VALUES ({marks}) RETURNING *", list(values.values()))
        assert row is not None
        bake = build(Bake, row)
        self.add_event(user_id, bake.id, "mix", started_at)
        self.db.execute("UPDATE users SET selected_bake_id = ? WHERE id = ?", (bake.id, user_id))
        self.changes.users.add(user_id)
        return bake

    def bake_by_source(self, user_id: int, source_key: str) -> Bake | None:
        row = self._one("SELECT * FROM bakes WHERE source_key = ? AND user_id = ?", (source_key, user_id))
        return None if row is None else build(Bake, row)

    def get_bake(self, user_id: int, bake_id: int) -> Bake | None:
        row = self._one("SELECT * FROM bakes WHERE id = ? AND user_id = ?", (bake_id, user_id))
        return None if row is None else build(Bake, row)

    def active_bakes(self, user_id: int) -> list[Bake]:
        rows = self._all(
            f"SELECT * FROM bakes WHERE user_id = ? AND phase IN {_ACTIVE} ORDER BY started_at DESC, id DESC",
            (user_id,),
        )
        return [build(Bake, r) for r in rows]

    def current_bake(self, user_id: int) -> Bake | None:
        """The bake commands act on: the one the baker picked, else the newest active one."""
        row = self._one(
            f"""
            SELECT b.* FROM bakes b LEFT JOIN users u ON u.id = b.user_id
            WHERE b.user_id = ? AND b.phase IN {_ACTIVE}
            ORDER BY CASE WHEN b.id = u.selected_bake_id THEN 1 ELSE 0 END DESC,
                b.started_at DESC, b.id DESC LIMIT 1
            """,
            (user_id,),
        )
        return None if row is None else build(Bake, row)

    def select_bake(self, user_id: int, bake_id: int) -> Bake | None:
        bake = self.get_bake(user_id, bake_id)
        if bake is not None and bake.active:
            self.db.execute("UPDATE users SET selected_bake_id = ? WHERE id = ?", (bake_id, user_id))
            self.changes.users.add(user_id)
            return bake
        return None

    def list_bakes(
        self, user_id: int, *, limit: int, offset: int = 0, name_like: str | None = None
    ) -> list[Bake]:
        rows = self._all(
            "SELECT * FROM bakes WHERE user_id = ? AND (? IS NULL OR LOWER(name) LIKE LOWER(?) ESCAPE '\\') "
            "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
            (user_id, name_like, _like(name_like), limit, offset),
        )
        return [build(Bake, r) for r in rows]

    def count_bakes(self, user_id: int, *, name_like: str | None = None) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM bakes "
            "WHERE user_id = ? AND (? IS NULL OR LOWER(name) LIKE LOWER(?) ESCAPE '\\')",
            (user_id, name_like, _like(name_like)),
        )
        return int(row[0]) if row else 0

    def finished_bakes(self, user_id: int, *, limit: int) -> list[Bake]:
        rows = self._all(
            "SELECT * FROM bakes WHERE user_id = ? AND phase = 'done' "
            "ORDER BY finished_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [build(Bake, r) for r in rows]

    def update_bake(self, user_id: int, bake_id: int, **changes: Any) -> Bake | None:
        unknown = set(changes) - BAKE_FIELDS
        if unknown:
            raise ValueError(f"not a bake field: {sorted(unknown)}")
        if not changes:
            return self.get_bake(user_id, bake_id)
        assignments = ", ".join(f"{name} = ?" for name in changes)
        row = self._one(
            f"UPDATE bakes SET {assignments} WHERE id = ? AND user_id = ? RETURNING *",
            [*(_db_value(v) for v in changes.values()), bake_id, user_id],
        )
        return None if row is None else build(Bake, row)

    def delete_bake(self, user_id: int, bake_id: int) -> bool:
        pending = self._all(
            "SELECT id FROM reminders WHERE user_id = ? AND bake_id = ? AND state = 'pending'",
            (user_id, bake_id),
        )
        deleted = self._changed("DELETE FROM bakes WHERE id = ? AND user_id = ?", (bake_id, user_id)) > 0
        if deleted:
            self.changes.removed.update(int(r[0]) for r in pending)
        return deleted

    # ------------------------------------------------------------------ readings and events

    def add_rise(
        self,
        user_id: int,
        bake_id: int,
        taken_at: datetime,
        rise_pct: float,
        start_height: float | None = None,
        current_height: float | None = None,
        source_key: str | None = None,
    ) -> RiseReading | None:
        row = self._one(
            "INSERT INTO rise_readings "
            "(bake_id, taken_at, rise_pct, start_height, current_height, source_key) "
            "SELECT id, ?, ?, ?, ?, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (to_db(taken_at), rise_pct, start_height, current_height, source_key, bake_id, user_id),
        )
        return None if row is None else build(RiseReading, row)

    def _rise_where(self, where: str, params: Sequence[Any]) -> RiseReading | None:
        row = self._one(
            "SELECT r.* FROM rise_readings r JOIN bakes b ON b.id = r.bake_id "
            f"WHERE {where} AND b.user_id = ?",
            params,
        )
        return None if row is None else build(RiseReading, row)

    def get_rise(self, user_id: int, reading_id: int) -> RiseReading | None:
        return self._rise_where("r.id = ?", (reading_id, user_id))

    def rise_by_source(self, user_id: int, source_key: str) -> RiseReading | None:
        return self._rise_where("r.source_key = ?", (source_key, user_id))

    def update_rise(
        self,
        user_id: int,
        reading_id: int,
        rise_pct: float,
        start_height: float | None,
        current_height: float | None,
    ) -> RiseReading | None:
        row = self._one(
            "UPDATE rise_readings SET rise_pct = ?, start_height = ?, current_height = ? "
            "WHERE id = ? AND bake_id IN (SELECT id FROM bakes WHERE user_id = ?) RETURNING *",
            (rise_pct, start_height, current_height, reading_id, user_id),
        )
        return None if row is None else build(RiseReading, row)

    def delete_rise(self, user_id: int, reading_id: int) -> bool:
        return (
            self._changed(
                "DELETE FROM rise_readings "
                "WHERE id = ? AND bake_id IN (SELECT id FROM bakes WHERE user_id = ?)",
                (reading_id, user_id),
            )
            > 0
        )

    def rise_readings(self, user_id: int, bake_id: int) -> list[RiseReading]:
        rows = self._all(
            "SELECT r.* FROM rise_readings r JOIN bakes b ON b.id = r.bake_id "
            "WHERE r.bake_id = ? AND b.user_id = ? ORDER BY r.taken_at, r.id",
            (bake_id, user_id),
        )
        return [build(RiseReading, r) for r in rows]

    def add_temperature(
        self, user_id: int, bake_id: int, taken_at: datetime, temp_c: float, source_key: str | None = None
    ) -> TempReading | None:
        row = self._one(
            "INSERT INTO temperatures (bake_id, taken_at, temp_c, source_key) "
            "SELECT id, ?, ?, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (to_db(taken_at), temp_c, source_key, bake_id, user_id),
        )
        return None if row is None else build(TempReading, row)

    def temp_by_source(self, user_id: int, source_key: str) -> TempReading | None:
        row = self._one(
            "SELECT t.* FROM temperatures t JOIN bakes b ON b.id = t.bake_id "
            "WHERE t.source_key = ? AND b.user_id = ?",
            (source_key, user_id),
        )
        return None if row is None else build(TempReading, row)

    def update_temperature(self, user_id: int, reading_id: int, temp_c: float) -> TempReading | None:
        row = self._one(
            "UPDATE temperatures SET temp_c = ? "
            "WHERE id = ? AND bake_id IN (SELECT id FROM bakes WHERE user_id = ?) RETURNING *",
            (temp_c, reading_id, user_id),
        )
        return None if row is None else build(TempReading, row)

    def temperatures(self, user_id: int, bake_id: int) -> list[TempReading]:
        rows = self._all(
            "SELECT t.* FROM temperatures t JOIN bakes b ON b.id = t.bake_id "
            "WHERE t.bake_id = ? AND b.user_id = ? ORDER BY t.taken_at, t.id",
            (bake_id, user_id),
        )
        return [build(TempReading, r) for r in rows]

    def add_event(
        self, user_id: int, bake_id: int, kind: str, at: datetime, detail: str | None = None
    ) -> BakeEvent | None:
        row = self._one(
            "INSERT INTO bake_events (bake_id, kind, at, detail) "
            "SELECT id, ?, ?, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (kind, to_db(at), detail, bake_id, user_id),
        )
        return None if row is None else build(BakeEvent, row)

    def events(self, user_id: int, bake_id: int) -> list[BakeEvent]:
        rows = self._all(
            "SELECT e.* FROM bake_events e JOIN bakes b ON b.id = e.bake_id "
            "WHERE e.bake_id = ? AND b.user_id = ? ORDER BY e.at, e.id",
            (bake_id, user_id),
        )
        return [build(BakeEvent, r) for r in rows]

    # ------------------------------------------------------------------ reminders

    def add_reminders(self, user_id: int, reminders: Iterable[NewReminder], now: datetime) -> list[Reminder]:
        created: list[Reminder] = []
        for item in reminders:
            row = self._one(
                "INSERT INTO reminders (user_id, bake_id, kind, due_at, label, seq, created_at, source_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (
                    user_id,
                    item.bake_id,
                    item.kind,
                    to_db(item.due_at),
                    item.label,
                    item.seq,
                    to_db(now),
                    item.source_key,
                ),
            )
            assert row is not None
            created.append(build(Reminder, row))
        self.changes.scheduled.extend(created)
        return created

    def reminder_by_source(self, user_id: int, source_key: str) -> Reminder | None:
        row = self._one("SELECT * FROM reminders WHERE source_key = ? AND user_id = ?", (source_key, user_id))
        return None if row is None else build(Reminder, row)

    def get_reminder(self, user_id: int, reminder_id: int) -> Reminder | None:
        row = self._one("SELECT * FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id))
        return None if row is None else build(Reminder, row)

    def pending_reminders(self, user_id: int, bake_id: int | None = None) -> list[Reminder]:
        rows = self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND state = 'pending' "
            "AND (? IS NULL OR bake_id = ?) ORDER BY due_at, id",
            (user_id, bake_id, bake_id),
        )
        return [build(Reminder, r) for r in rows]

    def reminders_of_kind(self, user_id: int, bake_id: int, kind: str) -> list[Reminder]:
        rows = self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND bake_id = ? AND kind = ? ORDER BY due_at, id",
            (user_id, bake_id, kind),
        )
        return [build(Reminder, r) for r in rows]

    def reschedule_reminder(self, user_id: int, reminder_id: int, due_at: datetime) -> Reminder | None:
        """Snooze or move a reminder; a sent one becomes pending again (snooze after delivery)."""
        row = self._one(
            "UPDATE reminders SET due_at = ?, state = 'pending', claimed_by = NULL, claim_expires_at = NULL "
            "WHERE id = ? AND user_id = ? AND state IN ('pending', 'sent', 'missed') RETURNING *",
            (to_db(due_at), reminder_id, user_id),
        )
        if row is None:
            return None
        moved = build(Reminder, row)
        self.changes.scheduled.append(moved)
        return moved

    def move_pending(self, user_id: int, bake_id: int, kind: str, due_at: datetime) -> list[Reminder]:
        """Move a bake's pending reminders of one kind to a new time; return them (one statement)."""
        rows = self._all(
            "UPDATE reminders SET due_at = ?, claimed_by = NULL, claim_expires_at = NULL "
            "WHERE user_id = ? AND bake_id = ? AND kind = ? AND state = 'pending' RETURNING *",
            (to_db(due_at), user_id, bake_id, kind),
        )
        moved = [build(Reminder, r) for r in rows]
        self.changes.scheduled.extend(moved)
        return moved

    def cancel_reminders(
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
        rows = self._all(
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
        ids = [int(r[0]) for r in rows]
        self.changes.removed.update(ids)
        return ids

    # Scheduler-side (not scoped by user: never steered by user input).

    def reminder_for_delivery(self, reminder_id: int) -> tuple[Reminder, User, Bake | None] | None:
        """A pending reminder with its baker and bake, in one read."""
        reminder_row = self._one("SELECT * FROM reminders WHERE id = ? AND state = 'pending'", (reminder_id,))
        if reminder_row is None:
            return None
        reminder = build(Reminder, reminder_row)
        user = self.get_user(reminder.user_id)
        if user is None:
            return None
        bake = None if reminder.bake_id is None else self.get_bake(user.id, reminder.bake_id)
        return reminder, user, bake

    def due_for_delivery(self, moment: datetime, *, limit: int) -> list[tuple[Reminder, User, Bake | None]]:
        """The pending reminders due before `moment`, each with its baker and bake: three
        statements in one call, however many reminders."""
        return self._with_bakers(self.pending_due_before(moment, limit=limit))

    def _with_bakers(self, due: list[Reminder]) -> list[tuple[Reminder, User, Bake | None]]:
        users = {u.id: u for u in self._by_ids(User, "users", {r.user_id for r in due})}
        bake_ids = {r.bake_id for r in due if r.bake_id is not None}
        bakes = {b.id: b for b in self._by_ids(Bake, "bakes", bake_ids)}
        return [
            (r, users[r.user_id], None if r.bake_id is None else bakes.get(r.bake_id))
            for r in due
            if r.user_id in users
        ]

    def _by_ids(self, cls: type[T], table: str, ids: set[int]) -> list[T]:
        found: list[T] = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):  # under SQLite's limit on parameters
            chunk = ordered[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            found += [
                build(cls, row) for row in self._all(f"SELECT * FROM {table} WHERE id IN ({marks})", chunk)
            ]
        return found

    def claim_due(
        self, moment: datetime, owner: str, now: datetime, until: datetime, *, limit: int, after_user: int = 0
    ) -> list[tuple[Reminder, User, Bake | None]]:
        """Claim the pending reminders due before `moment` that nobody holds (no claim, or one
        that expired before `now`) for `owner` until `until`; each with its baker and bake.

        Taken by turns: every baker's first due reminder before anyone's second, so a baker with
        five due at once does not hold up the next bakers (and gets them spaced, as Telegram's
        limit per chat wants). Within a turn, bakers after `after_user` come first (the last baker
        of the previous batch: round robin). Returned in that order. Replicas claiming at once
        take different rows (PostgreSQL: SKIP LOCKED)."""
        rows = self._all(
            "UPDATE reminders SET claimed_by = ?, claim_expires_at = ? WHERE id IN ("
            " SELECT r.id FROM reminders r JOIN ("
            "  SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY due_at, id) AS turn"
            "  FROM reminders WHERE state = 'pending' AND due_at < ?"
            "  AND (claimed_by IS NULL OR claim_expires_at < ?)) due ON due.id = r.id"
            # checked again on the row itself: PostgreSQL re-reads a row it had to wait for
            " WHERE r.state = 'pending' AND (r.claimed_by IS NULL OR r.claim_expires_at < ?)"
            " ORDER BY due.turn, r.user_id <= ?, r.user_id, r.due_at, r.id"
            f" LIMIT ?{self.ROW_LOCK}) RETURNING *",
            (owner, to_db(until), to_db(moment), to_db(now), to_db(now), after_user, limit),
        )
        claimed = [build(Reminder, r) for r in rows]
        claimed.sort(key=lambda r: (r.due_at, r.id))
        turns: dict[int, int] = {}
        order = []
        for reminder in claimed:  # a baker's rows in this batch are their turns, in due order
            turn = turns[reminder.user_id] = turns.get(reminder.user_id, 0) + 1
            order.append((turn, reminder.user_id <= after_user, reminder.user_id, reminder))
        order.sort(key=lambda o: o[:3])
        return self._with_bakers([o[3] for o in order])

    def release_claims(self, reminder_ids: Sequence[int] | None = None) -> int:
        """Let the given pending reminders (None: every one) be claimed again at once."""
        if reminder_ids is None:
            return self._changed(
                "UPDATE reminders SET claimed_by = NULL, claim_expires_at = NULL "
                "WHERE state = 'pending' AND claimed_by IS NOT NULL"
            )
        return sum(
            self._changed(
                "UPDATE reminders SET claimed_by = NULL, claim_expires_at = NULL WHERE id = ?", (rid,)
            )
            for rid in reminder_ids
        )

    def release_claims_except(self, owner: str) -> int:
        return self._changed(
            "UPDATE reminders SET claimed_by = NULL, claim_expires_at = NULL "
            "WHERE state = 'pending' AND claimed_by IS NOT NULL AND claimed_by <> ?",
            (owner,),
        )

    def pending_due_before(self, moment: datetime, *, limit: int = 100_000) -> list[Reminder]:
        rows = self._all(
            "SELECT * FROM reminders WHERE state = 'pending' AND due_at < ? ORDER BY due_at, id LIMIT ?",
            (to_db(moment), limit),
        )
        return [build(Reminder, r) for r in rows]

    def mark_reminder(self, reminder_id: int, state: str, *, sent_at: datetime | None = None) -> bool:
        """Move a pending reminder to sent/failed/missed/cancelled; False if it was no longer pending."""
        changed = (
            self._changed(
                "UPDATE reminders SET state = ?, sent_at = COALESCE(?, sent_at), attempts = attempts + 1, "
                "claimed_by = NULL, claim_expires_at = NULL WHERE id = ? AND state = 'pending'",
                (state, None if sent_at is None else to_db(sent_at), reminder_id),
            )
            > 0
        )
        if changed:
            self.changes.removed.add(reminder_id)
        return changed

    def mark_missed_before(self, moment: datetime) -> dict[int, list[Reminder]]:
        """Everything pending that fell due before `moment` is missed; grouped by user."""
        rows = self._all(
            "UPDATE reminders SET state = 'missed' WHERE state = 'pending' AND due_at < ? RETURNING *",
            (to_db(moment),),
        )
        missed: dict[int, list[Reminder]] = {}
        for row in rows:
            reminder = build(Reminder, row)
            missed.setdefault(reminder.user_id, []).append(reminder)
            self.changes.removed.add(reminder.id)
        return missed

    def erase_user(self, user_id: int) -> dict[str, int]:
        """Delete everything of one user (the rows cascade); return what was there, by table."""
        counts: dict[str, int] = {}
        for table, scoped in (
            ("bakes", "user_id = ?"),
            ("rise_readings", "bake_id IN (SELECT id FROM bakes WHERE user_id = ?)"),
            ("temperatures", "bake_id IN (SELECT id FROM bakes WHERE user_id = ?)"),
            ("reminders", "user_id = ?"),
            ("starter_feedings", "user_id = ?"),
        ):
            row = self._one(f"SELECT COUNT(*) FROM {table} WHERE {scoped}", (user_id,))
            counts[table] = int(row[0]) if row else 0
        pending = self._all("SELECT id FROM reminders WHERE user_id = ? AND state = 'pending'", (user_id,))
        self.changes.removed.update(int(r[0]) for r in pending)
        self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        self.db.execute("DELETE FROM fsm_state WHERE user_id = ?", (user_id,))
        self.changes.users.add(user_id)
        return counts

    # ------------------------------------------------------------------ starter

    def add_feeding(
        self,
        user_id: int,
        fed_at: datetime,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        peak_hours: float,
        source_key: str | None = None,
    ) -> StarterFeeding:
        row = self._one(
            "INSERT INTO starter_feedings (user_id, fed_at, starter_parts, flour_parts, "
            "water_parts, temp_c, peak_hours, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (user_id, to_db(fed_at), *ratio, temp_c, peak_hours, source_key),
        )
        assert row is not None
        return build(StarterFeeding, row)

    def feeding_by_source(self, user_id: int, source_key: str) -> StarterFeeding | None:
        row = self._one(
            "SELECT * FROM starter_feedings WHERE source_key = ? AND user_id = ?", (source_key, user_id)
        )
        return None if row is None else build(StarterFeeding, row)

    def feedings(self, user_id: int, *, limit: int = 10) -> list[StarterFeeding]:
        rows = self._all(
            "SELECT * FROM starter_feedings WHERE user_id = ? ORDER BY fed_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [build(StarterFeeding, r) for r in rows]

    # ------------------------------------------------------------------ recipes, photos, starters, shares
    # (Share codes are the one lookup not scoped by a user id: a code is an unguessable
    # capability its owner hands out, and what it reaches is then read scoped by the owner's id.)

    def add_starter(
        self, user_id: int, name: str, now: datetime, source_key: str | None = None
    ) -> Starter:
        row = self._one(
            "INSERT INTO starters (user_id, name, created_at, source_key) VALUES (?, ?, ?, ?) RETURNING *",
            (user_id, name, to_db(now), source_key),
        )
        assert row is not None
        return build(Starter, row)

    def starters(self, user_id: int, *, archived: bool = False) -> list[Starter]:
        """The baker's starters, oldest first; archived ones only when asked."""
        rows = self._all(
            "SELECT * FROM starters WHERE user_id = ? AND (? = 1 OR archived_at IS NULL) "
            "ORDER BY created_at, id",
            (user_id, int(archived)),
        )
        return [build(Starter, r) for r in rows]

    def get_starter(self, user_id: int, starter_id: int) -> Starter | None:
        row = self._one("SELECT * FROM starters WHERE id = ? AND user_id = ?", (starter_id, user_id))
        return None if row is None else build(Starter, row)

    def starter_by_name(self, user_id: int, name: str) -> Starter | None:
        """An active starter by name, whatever the case."""
        row = self._one(
            "SELECT * FROM starters WHERE user_id = ? AND lower(name) = lower(?) AND archived_at IS NULL "
            "ORDER BY id LIMIT 1",
            (user_id, name),
        )
        return None if row is None else build(Starter, row)

    def default_starter(self, user_id: int) -> Starter | None:
        """The active starter fed most recently (the one a baker just fed is the one they bake
        with), else the newest active one."""
        row = self._one(
            """
            SELECT s.* FROM starters s
            LEFT JOIN starter_feedings f ON f.starter_id = s.id AND f.user_id = s.user_id
            WHERE s.user_id = ? AND s.archived_at IS NULL
            GROUP BY s.id
            ORDER BY MAX(f.fed_at) IS NULL, MAX(f.fed_at) DESC, s.created_at DESC, s.id DESC LIMIT 1
            """,
            (user_id,),
        )
        return None if row is None else build(Starter, row)

    def update_starter(
        self,
        user_id: int,
        starter_id: int,
        *,
        name: str | None = None,
        archived_at: datetime | None = None,
        calibration: str | None = None,
    ) -> Starter | None:
        """Rename, archive or store the learned pace of an active starter (what is given)."""
        row = self._one(
            "UPDATE starters SET name = COALESCE(?, name), archived_at = COALESCE(?, archived_at), "
            "calibration = COALESCE(?, calibration) "
            "WHERE id = ? AND user_id = ? AND archived_at IS NULL RETURNING *",
            (name, None if archived_at is None else to_db(archived_at), calibration, starter_id, user_id),
        )
        return None if row is None else build(Starter, row)

    def add_starter_feeding(
        self,
        user_id: int,
        starter_id: int,
        fed_at: datetime,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        peak_hours: float,
        source_key: str | None = None,
    ) -> StarterFeeding | None:
        row = self._one(
            "INSERT INTO starter_feedings (user_id, starter_id, fed_at, starter_parts, flour_parts, "
            "water_parts, temp_c, peak_hours, source_key) "
            "SELECT user_id, id, ?, ?, ?, ?, ?, ?, ? FROM starters WHERE id = ? AND user_id = ? RETURNING *",
            (to_db(fed_at), *ratio, temp_c, peak_hours, source_key, starter_id, user_id),
        )
        return None if row is None else build(StarterFeeding, row)

    def starter_feedings(self, user_id: int, starter_id: int, *, limit: int = 10) -> list[StarterFeeding]:
        rows = self._all(
            "SELECT * FROM starter_feedings WHERE user_id = ? AND starter_id = ? "
            "ORDER BY fed_at DESC, id DESC LIMIT ?",
            (user_id, starter_id, limit),
        )
        return [build(StarterFeeding, r) for r in rows]

    def get_feeding(self, user_id: int, feeding_id: int) -> StarterFeeding | None:
        row = self._one("SELECT * FROM starter_feedings WHERE id = ? AND user_id = ?", (feeding_id, user_id))
        return None if row is None else build(StarterFeeding, row)

    def mark_feeding_peaked(self, user_id: int, feeding_id: int, at: datetime) -> StarterFeeding | None:
        """Note when a feeding peaked; None if it was noted already (or is not this baker's)."""
        row = self._one(
            "UPDATE starter_feedings SET peaked_at = ? WHERE id = ? AND user_id = ? AND peaked_at IS NULL "
            "RETURNING *",
            (to_db(at), feeding_id, user_id),
        )
        return None if row is None else build(StarterFeeding, row)

    def save_recipe(
        self,
        user_id: int,
        name: str,
        recipe: Recipe,
        now: datetime,
        *,
        flour_mix: str | None = None,
        target_rise_pct: float | None = None,
        folds_count: int | None = None,
        fold_interval_min: int | None = None,
        source_key: str | None = None,
    ) -> SavedRecipe:
        """Save a named recipe; a recipe of the same name (any case) is replaced, keeping its id."""
        values = (
            recipe.flour_g,
            recipe.water_g,
            recipe.starter_g,
            recipe.salt_g,
            flour_mix,
            target_rise_pct,
            folds_count,
            fold_interval_min,
        )
        row = self._one(
            "UPDATE recipes SET flour_g = ?, water_g = ?, starter_g = ?, salt_g = ?, flour_mix = ?, "
            "target_rise_pct = ?, folds_count = ?, fold_interval_min = ?, name = ? "
            "WHERE user_id = ? AND lower(name) = lower(?) RETURNING *",
            (*values, name, user_id, name),
        )
        if row is None:
            row = self._one(
                "INSERT INTO recipes (user_id, name, flour_g, water_g, starter_g, salt_g, flour_mix, "
                "target_rise_pct, folds_count, fold_interval_min, created_at, source_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (user_id, name, *values, to_db(now), source_key),
            )
        assert row is not None
        return build(SavedRecipe, row)

    def recipes(self, user_id: int, *, limit: int = 50) -> list[SavedRecipe]:
        rows = self._all(
            "SELECT * FROM recipes WHERE user_id = ? ORDER BY lower(name), id LIMIT ?", (user_id, limit)
        )
        return [build(SavedRecipe, r) for r in rows]

    def count_recipes(self, user_id: int) -> int:
        row = self._one("SELECT COUNT(*) FROM recipes WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0

    def get_recipe(self, user_id: int, recipe_id: int) -> SavedRecipe | None:
        row = self._one("SELECT * FROM recipes WHERE id = ? AND user_id = ?", (recipe_id, user_id))
        return None if row is None else build(SavedRecipe, row)

    def recipe_by_name(self, user_id: int, name: str) -> SavedRecipe | None:
        row = self._one(
            "SELECT * FROM recipes WHERE user_id = ? AND lower(name) = lower(?) ORDER BY id LIMIT 1",
            (user_id, name),
        )
        return None if row is None else build(SavedRecipe, row)

    def recipe_by_source(self, user_id: int, source_key: str) -> SavedRecipe | None:
        row = self._one("SELECT * FROM recipes WHERE source_key = ? AND user_id = ?", (source_key, user_id))
        return None if row is None else build(SavedRecipe, row)

    def delete_recipe(self, user_id: int, recipe_id: int) -> bool:
        return self._changed("DELETE FROM recipes WHERE id = ? AND user_id = ?", (recipe_id, user_id)) > 0

    def add_photo(
        self,
        user_id: int,
        bake_id: int | None,
        file_id: str,
        file_unique_id: str | None,
        caption: str | None,
        taken_at: datetime,
        source_key: str | None = None,
    ) -> BakePhoto | None:
        """A photo reference, on one of the baker's bakes (None if it is not theirs) or, with
        `bake_id` None, waiting for them to pick one."""
        row = self._one(
            "INSERT INTO bake_photos (user_id, bake_id, file_id, file_unique_id, caption, taken_at, "
            "source_key) SELECT ?, ?, ?, ?, ?, ?, ? WHERE ? IS NULL OR EXISTS "
            "(SELECT 1 FROM bakes WHERE id = ? AND user_id = ?) RETURNING *",
            (
                *(user_id, bake_id, file_id, file_unique_id, caption, to_db(taken_at), source_key),
                *(bake_id, bake_id, user_id),
            ),
        )
        return None if row is None else build(BakePhoto, row)

    def photo_by_source(self, user_id: int, source_key: str) -> BakePhoto | None:
        row = self._one(
            "SELECT * FROM bake_photos WHERE source_key = ? AND user_id = ?", (source_key, user_id)
        )
        return None if row is None else build(BakePhoto, row)

    def get_photo(self, user_id: int, photo_id: int) -> BakePhoto | None:
        row = self._one("SELECT * FROM bake_photos WHERE id = ? AND user_id = ?", (photo_id, user_id))
        return None if row is None else build(BakePhoto, row)

    def attach_photo(self, user_id: int, photo_id: int, bake_id: int) -> BakePhoto | None:
        """Put a waiting photo on one of the baker's bakes; None if either is not theirs or the
        photo is on a bake already."""
        row = self._one(
            "UPDATE bake_photos SET bake_id = ? WHERE id = ? AND user_id = ? AND bake_id IS NULL "
            "AND EXISTS (SELECT 1 FROM bakes WHERE id = ? AND user_id = ?) RETURNING *",
            (bake_id, photo_id, user_id, bake_id, user_id),
        )
        return None if row is None else build(BakePhoto, row)

    def photos(self, user_id: int, bake_id: int, *, limit: int = 10, offset: int = 0) -> list[BakePhoto]:
        rows = self._all(
            "SELECT * FROM bake_photos WHERE user_id = ? AND bake_id = ? "
            "ORDER BY taken_at, id LIMIT ? OFFSET ?",
            (user_id, bake_id, limit, offset),
        )
        return [build(BakePhoto, r) for r in rows]

    def count_photos(self, user_id: int, bake_id: int) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM bake_photos WHERE user_id = ? AND bake_id = ?", (user_id, bake_id)
        )
        return int(row[0]) if row else 0

    def add_share(self, user_id: int, bake_id: int, code: str, now: datetime) -> Share | None:
        row = self._one(
            "INSERT INTO shares (code, user_id, bake_id, created_at) "
            "SELECT ?, user_id, id, ? FROM bakes WHERE id = ? AND user_id = ? RETURNING *",
            (code, to_db(now), bake_id, user_id),
        )
        return None if row is None else build(Share, row)

    def live_share(self, user_id: int, bake_id: int) -> Share | None:
        row = self._one(
            "SELECT * FROM shares WHERE user_id = ? AND bake_id = ? AND revoked_at IS NULL "
            "ORDER BY id DESC LIMIT 1",
            (user_id, bake_id),
        )
        return None if row is None else build(Share, row)

    def get_share(self, user_id: int, share_id: int) -> Share | None:
        row = self._one("SELECT * FROM shares WHERE id = ? AND user_id = ?", (share_id, user_id))
        return None if row is None else build(Share, row)

    def share_by_code(self, code: str) -> Share | None:
        row = self._one("SELECT * FROM shares WHERE code = ?", (code,))
        return None if row is None else build(Share, row)

    def update_share(
        self,
        user_id: int,
        share_id: int,
        *,
        include_notes: bool | None = None,
        include_readings: bool | None = None,
        include_photos: bool | None = None,
        revoked_at: datetime | None = None,
    ) -> Share | None:
        """Tick what a live link shows, or revoke it; None if it is not this baker's or revoked."""

        def flag(value: bool | None) -> int | None:
            return None if value is None else int(value)

        row = self._one(
            "UPDATE shares SET include_notes = COALESCE(?, include_notes), "
            "include_readings = COALESCE(?, include_readings), include_photos = COALESCE(?, include_photos), "
            "revoked_at = COALESCE(?, revoked_at) "
            "WHERE id = ? AND user_id = ? AND revoked_at IS NULL RETURNING *",
            (
                flag(include_notes),
                flag(include_readings),
                flag(include_photos),
                None if revoked_at is None else to_db(revoked_at),
                share_id,
                user_id,
            ),
        )
        return None if row is None else build(Share, row)

    # ------------------------------------------------------------------ plans

    _PLAN_FIELDS = frozenset(
        {"state", "bake_id", "ready_at", "fridge_hours", "steps", "drift_told_at", "drift_minutes"}
    )

    def add_plan(
        self,
        user_id: int,
        now: datetime,
        *,
        ready_at: datetime,
        starter_pct: float,
        feed_ratio: int,
        kitchen_temp_c: float,
        fridge_temp_c: float,
        target_rise_pct: float,
        bulk_hours: float,
        fridge_hours: float,
        steps: str,
        source_key: str | None = None,
    ) -> BakePlan:
        """A newly accepted plan, the baker's active one (end any other first)."""
        row = self._one(
            "INSERT INTO plans (user_id, ready_at, starter_pct, feed_ratio, kitchen_temp_c, fridge_temp_c, "
            "target_rise_pct, bulk_hours, fridge_hours, steps, created_at, source_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (
                user_id,
                to_db(ready_at),
                starter_pct,
                feed_ratio,
                kitchen_temp_c,
                fridge_temp_c,
                target_rise_pct,
                bulk_hours,
                fridge_hours,
                steps,
                to_db(now),
                source_key,
            ),
        )
        assert row is not None
        return build(BakePlan, row)

    def get_plan(self, user_id: int, plan_id: int) -> BakePlan | None:
        row = self._one("SELECT * FROM plans WHERE id = ? AND user_id = ?", (plan_id, user_id))
        return None if row is None else build(BakePlan, row)

    def plan_by_source(self, user_id: int, source_key: str) -> BakePlan | None:
        row = self._one("SELECT * FROM plans WHERE source_key = ? AND user_id = ?", (source_key, user_id))
        return None if row is None else build(BakePlan, row)

    def active_plan(self, user_id: int) -> BakePlan | None:
        row = self._one("SELECT * FROM plans WHERE user_id = ? AND state = 'active'", (user_id,))
        return None if row is None else build(BakePlan, row)

    def plan_of_bake(self, user_id: int, bake_id: int) -> BakePlan | None:
        """The active plan a bake was started from, if any."""
        row = self._one(
            "SELECT * FROM plans WHERE user_id = ? AND bake_id = ? AND state = 'active'", (user_id, bake_id)
        )
        return None if row is None else build(BakePlan, row)

    def update_plan(self, user_id: int, plan_id: int, **changes: Any) -> BakePlan | None:
        unknown = set(changes) - self._PLAN_FIELDS
        if unknown:
            raise ValueError(f"not a plan field: {sorted(unknown)}")
        if not changes:
            return self.get_plan(user_id, plan_id)
        assignments = ", ".join(f"{name} = ?" for name in changes)
        row = self._one(
            f"UPDATE plans SET {assignments} WHERE id = ? AND user_id = ? RETURNING *",
            [*(_db_value(v) for v in changes.values()), plan_id, user_id],
        )
        return None if row is None else build(BakePlan, row)

    def link_plan_reminders(self, user_id: int, plan_id: int, reminder_ids: Sequence[int]) -> None:
        """Mark reminders (made through add_reminders) as steps of a plan."""
        for reminder_id in reminder_ids:
            self.db.execute(
                "UPDATE reminders SET plan_id = ? WHERE id = ? AND user_id = ? "
                "AND plan_id IS NULL AND EXISTS (SELECT 1 FROM plans WHERE id = ? AND user_id = ?)",
                (plan_id, reminder_id, user_id, plan_id, user_id),
            )

    def plan_reminders(self, user_id: int, plan_id: int, *, pending_only: bool = True) -> list[Reminder]:
        rows = self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND plan_id = ? "
            "AND (? = 0 OR state = 'pending') ORDER BY due_at, id",
            (user_id, plan_id, int(pending_only)),
        )
        return [build(Reminder, r) for r in rows]

    def cancel_plan_steps(self, user_id: int, plan_id: int, kinds: Sequence[str] | None = None) -> list[int]:
        """Cancel a plan's pending steps (all, or some kinds); return their ids."""
        ids = [r.id for r in self.plan_reminders(user_id, plan_id) if kinds is None or r.kind in kinds]
        for reminder_id in ids:
            self.cancel_reminders(user_id, reminder_id=reminder_id)
        return ids
