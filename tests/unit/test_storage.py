"""The database: migrations forward from every earlier version, scoping, transactions."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schedules.recipe import Recipe
from storage.database import Storage, StorageError
from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.queries import NewReminder

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_database_from_an_earlier_version_migrates_and_keeps_its_data(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "old.sqlite3"
    old = await Storage(path).open(target_version=version)
    async with old.tx() as q:
        await q.db.execute(
            "INSERT INTO users (id, chat_id, first_name, created_at) VALUES (7, 7, 'Ann', ?)",
            (NOW.isoformat(),),
        )
        await q.db.execute(
            "INSERT INTO bakes (user_id, name, started_at, flour_g) VALUES (7, 'Old loaf', ?, 500)",
            (NOW.isoformat(),),
        )
        await q.db.execute(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct) VALUES (1, ?, 42)", (NOW.isoformat(),)
        )
    await old.close()

    storage = await Storage(path).open()
    async with storage.tx() as q:
        async with q.db.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == SCHEMA_VERSION == len(MIGRATIONS)
        bake = await q.get_bake(7, 1)
        assert bake is not None and bake.name == "Old loaf" and bake.flour_g == 500
        assert [r.rise_pct for r in await q.rise_readings(7, 1)] == [42]
        user = await q.get_user(7)
        assert user is not None and user.folds_count == 4 and user.active == 1
    await storage.close()


async def test_pragmas(tmp_path: Path) -> None:
    storage = await Storage(tmp_path / "db.sqlite3").open()
    async with storage.tx() as q, q.db.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1
    async with storage.connection.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    await storage.close()


async def test_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot"):
        await Storage(blocker / "db.sqlite3").open()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StorageError, match="newer"):
        await Storage(path).open()


async def test_everything_is_scoped_by_user(tmp_path: Path) -> None:
    storage = await Storage(tmp_path / "db.sqlite3").open()
    async with storage.tx() as q:
        await q.upsert_user(1, 1, "Ann", NOW)
        await q.upsert_user(2, 2, "Bob", NOW)
        bake = await q.create_bake(1, "Ann's loaf", NOW, recipe=Recipe(500, 375, 100, 10))
        reminder = (await q.add_reminders(1, [NewReminder("fold", NOW, bake_id=bake.id)], NOW))[0]
    async with storage.tx() as q:
        assert await q.get_bake(2, bake.id) is None
        assert await q.add_rise(2, bake.id, NOW, 50) is None
        assert await q.add_temperature(2, bake.id, NOW, 24) is None
        assert await q.add_event(2, bake.id, "fold", NOW) is None
        assert await q.update_bake(2, bake.id, name="stolen") is None
        assert await q.delete_bake(2, bake.id) is False
        assert await q.get_reminder(2, reminder.id) is None
        assert await q.cancel_reminders(2, reminder_id=reminder.id) == []
        assert await q.reschedule_reminder(2, reminder.id, NOW) is False
        assert await q.rise_readings(2, bake.id) == []
        assert (await q.get_bake(1, bake.id)).name == "Ann's loaf"  # type: ignore[union-attr]
        assert [r.state for r in await q.pending_reminders(1)] == ["pending"]
    await storage.close()


async def test_a_failed_action_rolls_back_whole(tmp_path: Path) -> None:
    storage = await Storage(tmp_path / "db.sqlite3").open()
    async with storage.tx() as q:
        await q.upsert_user(1, 1, "Ann", NOW)
    with pytest.raises(RuntimeError):
        async with storage.tx() as q:
            await q.create_bake(1, "Half", NOW)
            raise RuntimeError("crash mid-action")
    async with storage.tx() as q:
        assert await q.count_bakes(1) == 0
    await storage.close()


async def test_missed_and_due_queries(tmp_path: Path) -> None:
    storage = await Storage(tmp_path / "db.sqlite3").open()
    async with storage.tx() as q:
        await q.upsert_user(1, 1, "Ann", NOW)
        await q.add_reminders(
            1,
            [
                NewReminder("timer", NOW - timedelta(hours=10)),
                NewReminder("timer", NOW - timedelta(hours=1)),
                NewReminder("timer", NOW + timedelta(minutes=30)),
            ],
            NOW,
        )
        missed = await q.mark_missed_before(NOW - timedelta(hours=6))
        assert [len(v) for v in missed.values()] == [1]
        due = await q.pending_due_before(NOW + timedelta(hours=1))
        assert len(due) == 2
        assert await q.mark_reminder(due[0].id, "sent", sent_at=NOW) is True
        assert await q.mark_reminder(due[0].id, "sent", sent_at=NOW) is False  # never twice
    await storage.close()
