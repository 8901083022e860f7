"""The FSM storage in the database: state and data per key, the cache, and surviving a restart.
Every test runs on SQLite and on PostgreSQL (`make_database`, tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from storage.database import Database
from storage.fsm import SqliteFsmStorage
from storage.repository import SqliteRepository

KEY = StorageKey(bot_id=42, chat_id=100, user_id=7)


class Dough(StatesGroup):
    flour = State()
    water = State()


@pytest.fixture
async def db(make_database: Callable[..., Database]) -> AsyncIterator[Database]:
    database = await make_database("x").open()
    yield database
    await database.close()


def rows(db: Database) -> Any:
    return db.read(
        lambda repo: [
            tuple(row)
            for row in repo.db.execute(
                "SELECT user_id, thread_id, destiny, state, data FROM fsm_state"
                " ORDER BY user_id, thread_id, destiny"
            )
        ]
    )


class CountingReads:
    """Counts the storage's trips to the database for reads."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = db.read

        async def read(action: Any) -> Any:
            self.count += 1
            return await original(action)

        monkeypatch.setattr(db, "read", read)


@pytest.mark.parametrize("cache", [True, False])
async def test_state_and_data_round_trip(db: Database, cache: bool) -> None:
    storage = SqliteFsmStorage(db, cache=cache)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}

    await storage.set_state(KEY, Dough.flour)
    assert await storage.get_state(KEY) == "Dough:flour"
    await storage.set_state(KEY, "custom")
    assert await storage.get_state(KEY) == "custom"

    await storage.set_data(KEY, {"flour_g": 500, "name": "Rye ü", "steps": [1, 2], "nested": {"a": None}})
    assert await storage.get_data(KEY) == {
        "flour_g": 500,
        "name": "Rye ü",
        "steps": [1, 2],
        "nested": {"a": None},
    }
    assert await storage.get_state(KEY) == "custom"  # set_data leaves the state alone
    assert await storage.get_value(KEY, "flour_g") == 500
    assert await storage.get_value(KEY, "missing", "dflt") == "dflt"

    await storage.set_data(KEY, {"water_g": 350})  # replaces
    assert await storage.get_data(KEY) == {"water_g": 350}
    assert await rows(db) == [(7, 0, "default", "custom", '{"water_g":350}')]


@pytest.mark.parametrize("cache", [True, False])
async def test_update_data_merges_and_returns_the_new_data(db: Database, cache: bool) -> None:
    storage = SqliteFsmStorage(db, cache=cache)
    assert await storage.update_data(KEY, {"a": 1}) == {"a": 1}
    await storage.set_state(KEY, Dough.water)
    assert await storage.update_data(KEY, {"b": 2, "a": 3}) == {"a": 3, "b": 2}
    assert await storage.get_data(KEY) == {"a": 3, "b": 2}
    assert await storage.get_state(KEY) == "Dough:water"


async def test_returned_data_is_a_copy(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    await storage.set_data(KEY, {"steps": [1]})
    data = await storage.get_data(KEY)
    data["steps"].append(2)
    data["new"] = True
    assert await storage.get_data(KEY) == {"steps": [1]}


async def test_clearing_deletes_the_row(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    await storage.set_state(KEY, Dough.flour)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, None)
    assert len(await rows(db)) == 1  # data is still there
    assert await storage.get_data(KEY) == {"a": 1}
    await storage.set_data(KEY, {})
    assert await rows(db) == []
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}

    await storage.set_state(KEY, "x")  # FSMContext.clear(): state None, then data {}
    await storage.set_data(KEY, {"a": 1})
    await storage.set_data(KEY, {})
    await storage.set_state(KEY, None)
    assert await rows(db) == []
    await storage.set_state(KEY, None)  # clearing what is not there leaves nothing behind
    await storage.update_data(KEY, {})
    assert await rows(db) == []


@pytest.mark.parametrize("cache", [True, False])
async def test_keys_are_isolated(db: Database, cache: bool) -> None:
    storage = SqliteFsmStorage(db, cache=cache)
    keys = [
        KEY,
        StorageKey(bot_id=42, chat_id=100, user_id=8),  # another user in the same chat
        StorageKey(bot_id=42, chat_id=101, user_id=7),  # the same user in another chat
        StorageKey(bot_id=42, chat_id=100, user_id=7, thread_id=5),  # a topic
        StorageKey(bot_id=42, chat_id=100, user_id=7, destiny="other"),
        StorageKey(bot_id=43, chat_id=100, user_id=7),  # another bot
    ]
    for n, key in enumerate(keys):
        await storage.set_state(key, f"s{n}")
        await storage.set_data(key, {"n": n})
    for n, key in enumerate(keys):
        assert await storage.get_state(key) == f"s{n}"
        assert await storage.get_data(key) == {"n": n}
    assert len(await rows(db)) == len(keys)

    await storage.set_state(keys[1], None)
    await storage.set_data(keys[1], {})
    assert await storage.get_state(KEY) == "s0" and await storage.get_data(KEY) == {"n": 0}
    assert len(await rows(db)) == len(keys) - 1
    # No thread is thread 0.
    assert await storage.get_state(StorageKey(bot_id=42, chat_id=100, user_id=7, thread_id=0)) == "s0"


async def test_a_dialog_survives_a_restart(make_database: Callable[..., Database]) -> None:
    first = await make_database("x").open()
    storage = SqliteFsmStorage(first)
    await storage.set_state(KEY, Dough.water)
    await storage.update_data(KEY, {"flour_g": 500})
    await storage.update_data(KEY, {"name": "Country"})
    await storage.close()
    await first.close()

    second = await make_database("x").open()
    try:
        restarted = SqliteFsmStorage(second)
        assert await restarted.get_state(KEY) == "Dough:water"
        assert await restarted.get_data(KEY) == {"flour_g": 500, "name": "Country"}
    finally:
        await second.close()


async def test_reads_hit_the_cache_after_the_first_load(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = SqliteFsmStorage(db)
    reads = CountingReads(db, monkeypatch)
    for _ in range(5):
        assert await storage.get_state(KEY) is None  # "no row" is cached too
        assert await storage.get_data(KEY) == {}
    assert reads.count == 1
    await storage.set_state(KEY, "a")
    await storage.update_data(KEY, {"x": 1})
    assert await storage.get_state(KEY) == "a"
    assert await storage.get_data(KEY) == {"x": 1}
    assert reads.count == 1

    other = StorageKey(bot_id=42, chat_id=1, user_id=2)
    await asyncio.gather(*(storage.get_state(other) for _ in range(10)))
    assert reads.count == 2  # concurrent misses on one key load it once


async def test_without_the_cache_every_read_goes_to_the_database(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = SqliteFsmStorage(db, cache=False)
    writer = SqliteFsmStorage(db, cache=False)  # another replica, say
    assert await storage.get_state(KEY) is None
    await writer.set_state(KEY, "elsewhere")
    await writer.set_data(KEY, {"by": "replica"})
    assert await storage.get_state(KEY) == "elsewhere"
    assert await storage.get_data(KEY) == {"by": "replica"}
    reads = CountingReads(db, monkeypatch)
    await storage.get_state(KEY)
    await storage.get_state(KEY)
    assert reads.count == 2


@pytest.mark.parametrize("cache", [True, False])
async def test_data_that_is_not_json_is_refused_and_nothing_changes(db: Database, cache: bool) -> None:
    storage = SqliteFsmStorage(db, cache=cache)
    await storage.set_state(KEY, "s")
    await storage.set_data(KEY, {"a": 1})
    before = await rows(db)

    with pytest.raises(TypeError, match="JSON-serialisable"):
        await storage.set_data(KEY, {"when": object()})
    with pytest.raises(TypeError, match="JSON-serialisable"):
        await storage.update_data(KEY, {"b": 2, "when": {1, 2}})
    circular: dict[str, Any] = {}
    circular["self"] = circular
    with pytest.raises(TypeError, match="JSON-serialisable"):
        await storage.set_data(KEY, circular)

    assert await storage.get_data(KEY) == {"a": 1}
    assert await storage.get_state(KEY) == "s"
    assert await rows(db) == before
    assert await SqliteFsmStorage(db, cache=False).get_data(KEY) == {"a": 1}


@pytest.mark.parametrize("cache", [True, False])
async def test_concurrent_updates_of_one_key_all_land(db: Database, cache: bool) -> None:
    storage = SqliteFsmStorage(db, cache=cache)
    await storage.set_state(KEY, "s")
    await asyncio.gather(*(storage.update_data(KEY, {f"k{n}": n}) for n in range(20)))
    expected = {f"k{n}": n for n in range(20)}
    assert await storage.get_data(KEY) == expected
    assert await SqliteFsmStorage(db, cache=False).get_data(KEY) == expected
    assert await storage.get_state(KEY) == "s"


async def test_concurrent_reads_and_writes_leave_the_cache_equal_to_the_database(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    keys = [StorageKey(bot_id=42, chat_id=c, user_id=c) for c in range(8)]
    jobs = []
    for n in range(40):
        key = keys[n % len(keys)]
        jobs += [
            storage.get_state(key),
            storage.update_data(key, {str(n): n}),
            storage.set_state(key, f"s{n}"),
        ]
        jobs += [storage.get_data(key)]
    await asyncio.gather(*jobs)
    truth = SqliteFsmStorage(db, cache=False)
    for key in keys:
        assert await storage.get_state(key) == await truth.get_state(key)
        assert await storage.get_data(key) == await truth.get_data(key)


async def test_a_cancelled_write_still_keeps_the_cache_true(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    await storage.set_state(KEY, "before")
    task = asyncio.create_task(storage.set_state(KEY, "after"))
    await asyncio.sleep(0)  # the write is under way
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.1)
    assert await storage.get_state(KEY) == await SqliteFsmStorage(db, cache=False).get_state(KEY)


async def test_forget_user_drops_their_cached_entries(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    other = StorageKey(bot_id=42, chat_id=100, user_id=8)
    in_topic = StorageKey(bot_id=42, chat_id=100, user_id=7, thread_id=3)
    for key in (KEY, other, in_topic):
        await storage.set_state(key, "s")
        await storage.set_data(key, {"a": 1})

    def delete_user(repo: SqliteRepository) -> None:  # what /deleteme does elsewhere
        repo.db.execute("DELETE FROM fsm_state WHERE user_id = ?", (7,))

    await db.write(delete_user)
    assert await storage.get_state(KEY) == "s"  # the cache cannot know by itself
    storage.forget_user(7)
    for key in (KEY, in_topic):
        assert await storage.get_state(key) is None
        assert await storage.get_data(key) == {}
    assert await storage.get_state(other) == "s"  # another user's entries stay


async def test_data_that_is_not_a_mapping_is_refused(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    with pytest.raises(Exception, match="dict-like"):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="State, a str or None"):
        await storage.set_state(KEY, 5)  # type: ignore[arg-type]
    assert await rows(db) == []


async def test_close_leaves_the_database_open(db: Database) -> None:
    storage = SqliteFsmStorage(db)
    await storage.set_state(KEY, "s")
    await storage.close()
    assert db.is_open
    assert await storage.get_state(KEY) == "s"


async def test_a_dispatcher_dialog_survives_a_restart(make_database: Callable[..., Database]) -> None:
    bot = Bot("42:TEST")
    try:
        first = await make_database("x").open()
        dispatcher = Dispatcher(storage=SqliteFsmStorage(first))
        context = dispatcher.fsm.get_context(bot, chat_id=100, user_id=7)
        await context.set_state(Dough.flour)
        await context.update_data(name="Country")
        await context.update_data(flour_g=500)
        await dispatcher.fsm.close()
        await first.close()

        second = await make_database("x").open()
        try:
            dispatcher = Dispatcher(storage=SqliteFsmStorage(second))
            context = dispatcher.fsm.get_context(bot, chat_id=100, user_id=7)
            assert await context.get_state() == Dough.flour.state
            assert await context.get_data() == {"name": "Country", "flour_g": 500}
            await context.clear()
            assert await rows(second) == []
            assert await dispatcher.fsm.get_context(bot, chat_id=100, user_id=8).get_state() is None
        finally:
            await second.close()
    finally:
        await bot.session.close()
