"""The database: migrations forward from every earlier version, scoping, transactions.

Tests that take `make_database` run on SQLite and on PostgreSQL (tests/conftest.py)."""

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schedules.recipe import Recipe
from schedules.types import Bake, NewReminder, Reminder
from storage.database import AnyDatabase, Database, StorageError
from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.repository import SqliteRepository

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MakeDatabase = Callable[..., AnyDatabase]


def schema_version(q: SqliteRepository) -> int:
    if isinstance(q.db, sqlite3.Connection):
        return int(q.db.execute("PRAGMA user_version").fetchone()[0])
    return int(q.db.execute("SELECT version FROM schema_version").fetchone()[0])


def columns(q: SqliteRepository, table: str) -> set[str]:
    if isinstance(q.db, sqlite3.Connection):
        return {c["name"] for c in q.db.execute(f"PRAGMA table_info({table})")}
    sql = "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
    return {c[0] for c in q.db.execute(sql, (table,))}


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_database_from_an_earlier_version_migrates_and_keeps_its_data(
    make_database: MakeDatabase, version: int
) -> None:
    old = await make_database("old", empty=True).open(target_version=version)

    def old_rows(q: SqliteRepository) -> int:
        q.db.execute(
            "INSERT INTO users (id, chat_id, first_name, created_at) VALUES (7, 7, 'Ann', ?)",
            (NOW.isoformat(),),
        )
        q.db.execute(
            "INSERT INTO bakes (user_id, name, started_at, flour_g) VALUES (7, 'Old loaf', ?, 500)",
            (NOW.isoformat(),),
        )
        q.db.execute(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct) VALUES (1, ?, 42)", (NOW.isoformat(),)
        )
        return schema_version(q)

    assert await old.write(old_rows) == version
    await old.close()

    database = await make_database("old").open()

    def check(q: SqliteRepository) -> None:
        assert schema_version(q) == SCHEMA_VERSION == len(MIGRATIONS)
        bake = q.get_bake(7, 1)
        assert bake is not None and bake.name == "Old loaf" and bake.flour_g == 500
        assert [r.rise_pct for r in q.rise_readings(7, 1)] == [42]
        user = q.get_user(7)
        assert user is not None and user.folds_count == 4 and user.active == 1
        # what migration 5 added is there, empty for the old rows
        for table in ("bakes", "rise_readings", "temperatures", "reminders", "starter_feedings"):
            assert "source_key" in columns(q, table), table
        assert bake.source_key is None
        assert q.db.execute("SELECT COUNT(*) FROM fsm_state").fetchone()[0] == 0

    await database.write(check)
    await database.read(check)
    await database.close()


async def test_pragmas(tmp_path: Path) -> None:
    database = await Database(tmp_path / "db.sqlite3").open()

    def pragma(name: str) -> Callable[[SqliteRepository], Any]:
        return lambda q: q.db.execute(f"PRAGMA {name}").fetchone()[0]

    assert await database.write(pragma("foreign_keys")) == 1
    assert await database.read(pragma("foreign_keys")) == 1
    assert await database.write(pragma("journal_mode")) == "wal"
    await database.close()


async def test_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot"):
        await Database(blocker / "db.sqlite3").open()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StorageError, match="newer"):
        await Database(path).open()


async def test_everything_is_scoped_by_user(make_database: MakeDatabase) -> None:
    database = await make_database().open()

    def seed(q: SqliteRepository) -> tuple[Bake, Reminder]:
        q.upsert_user(1, 1, "Ann", NOW)
        q.upsert_user(2, 2, "Bob", NOW)
        bake = q.create_bake(1, "Ann's loaf", NOW, recipe=Recipe(500, 375, 100, 10))
        reminder = q.add_reminders(1, [NewReminder("fold", NOW, bake_id=bake.id)], NOW)[0]
        return bake, reminder

    bake, reminder = await database.write(seed)

    def intrude(q: SqliteRepository) -> None:
        assert q.get_bake(2, bake.id) is None
        assert q.add_rise(2, bake.id, NOW, 50) is None
        assert q.add_temperature(2, bake.id, NOW, 24) is None
        assert q.add_event(2, bake.id, "fold", NOW) is None
        assert q.update_bake(2, bake.id, name="stolen") is None
        assert q.delete_bake(2, bake.id) is False
        assert q.get_reminder(2, reminder.id) is None
        assert q.cancel_reminders(2, reminder_id=reminder.id) == []
        assert q.reschedule_reminder(2, reminder.id, NOW) is None
        assert q.rise_readings(2, bake.id) == []
        assert q.get_bake(1, bake.id).name == "Ann's loaf"  # type: ignore[union-attr]
        assert [r.state for r in q.pending_reminders(1)] == ["pending"]

    await database.write(intrude)
    await database.close()


async def test_a_failed_action_rolls_back_whole(make_database: MakeDatabase) -> None:
    database = await make_database().open()
    await database.write(lambda q: q.upsert_user(1, 1, "Ann", NOW))

    def half(q: SqliteRepository) -> None:
        q.create_bake(1, "Half", NOW)
        raise RuntimeError("crash mid-action")

    with pytest.raises(RuntimeError):
        await database.write(half)
    assert await database.write(lambda q: q.count_bakes(1)) == 0
    assert await database.read(lambda q: q.count_bakes(1)) == 0
    await database.close()


async def test_missed_and_due_queries(make_database: MakeDatabase) -> None:
    database = await make_database().open()

    def act(q: SqliteRepository) -> None:
        q.upsert_user(1, 1, "Ann", NOW)
        q.add_reminders(
            1,
            [
                NewReminder("timer", NOW - timedelta(hours=10)),
                NewReminder("timer", NOW - timedelta(hours=1)),
                NewReminder("timer", NOW + timedelta(minutes=30)),
            ],
            NOW,
        )
        missed = q.mark_missed_before(NOW - timedelta(hours=6))
        assert [len(v) for v in missed.values()] == [1]
        due = q.pending_due_before(NOW + timedelta(hours=1))
        assert len(due) == 2
        assert q.mark_reminder(due[0].id, "sent", sent_at=NOW) is True
        assert q.mark_reminder(due[0].id, "sent", sent_at=NOW) is False  # never twice

    await database.write(act)
    await database.close()
