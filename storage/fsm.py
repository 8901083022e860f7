"""aiogram FSM storage in the bot's database (SQLite or PostgreSQL), so that a dialog in progress
survives a restart.

One row of `fsm_state` (migration 5) per storage key: the state name and the dialog data as JSON.
Every statement runs inside a `Database.write` / `Database.read` action, on the database's own
thread, like the rest of the bot's storage, in the portable SQL of `storage.sql`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.database import AnyDatabase
from storage.repository import SqlRepository
from storage.sql import Connection, Row

T = TypeVar("T")

# (bot_id, chat_id, user_id, thread_id, destiny): the primary key of a row of fsm_state.
RowKey = tuple[int, int, int, int, str]
# What a row holds: the state and the data as stored JSON text (parsed afresh on every read, so a
# caller can never mutate the cached copy, and cached reads match what a restart would read).
Record = tuple[str | None, str]

EMPTY_DATA = "{}"
_NO_ROW: Record = (None, EMPTY_DATA)
_LOCK_STRIPES = 64

_SELECT = (
    "SELECT state, data FROM fsm_state"
    " WHERE bot_id = ? AND chat_id = ? AND user_id = ? AND thread_id = ? AND destiny = ?"
)
_DELETE_IF_EMPTY = (
    "DELETE FROM fsm_state"
    " WHERE bot_id = ? AND chat_id = ? AND user_id = ? AND thread_id = ? AND destiny = ?"
    " AND state IS NULL AND data = '{}'"
)
_UPSERT_STATE = (
    "INSERT INTO fsm_state (bot_id, chat_id, user_id, thread_id, destiny, state, data, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, '{}', ?)"
    " ON CONFLICT (bot_id, chat_id, user_id, thread_id, destiny)"
    " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
    " RETURNING state, data"
)
_UPSERT_DATA = (
    "INSERT INTO fsm_state (bot_id, chat_id, user_id, thread_id, destiny, state, data, updated_at)"
    " VALUES (?, ?, ?, ?, ?, NULL, ?, ?)"
    " ON CONFLICT (bot_id, chat_id, user_id, thread_id, destiny)"
    " DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at"
    " RETURNING state, data"
)


def row_key(key: StorageKey) -> RowKey:
    """The primary key of `key`'s row. A missing thread is thread 0; `business_connection_id` is
    not part of the key (the table has no column for it)."""
    return (key.bot_id, key.chat_id, key.user_id, key.thread_id or 0, key.destiny)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _state_name(state: StateType) -> str | None:
    if isinstance(state, State):
        return state.state
    if state is None or isinstance(state, str):
        return state
    raise TypeError(f"an FSM state must be a State, a str or None, not {type(state).__name__}")


def _as_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
    return dict(data)


def _dump(data: Mapping[str, Any]) -> str:
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:  # ValueError: a circular reference, for one
        raise TypeError(
            f"FSM data must be JSON-serialisable (str, int, float, bool, None, lists, dicts): {exc}"
        ) from exc


def _load(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):  # only if the row was edited by hand
        raise TypeError(f"fsm_state.data holds JSON that is not an object: {text[:80]!r}")
    return data


def _select(db: Connection, rk: RowKey) -> Record:
    row = db.execute(_SELECT, rk).fetchone()
    return _NO_ROW if row is None else (row["state"], row["data"])


def _finish(db: Connection, rk: RowKey, row: Row) -> Record:
    """After an upsert: drop the row if it is now empty (no state, no data)."""
    record: Record = (row["state"], row["data"])
    if record == _NO_ROW:
        db.execute(_DELETE_IF_EMPTY, rk)
    return record


class SqlFsmStorage(BaseStorage):
    """aiogram FSM storage kept in the bot's database (`fsm_state`), through `Database` or
    `PostgresDatabase`.

    Dialog data is stored as JSON: values must be JSON-serialisable (`TypeError` otherwise, and
    nothing is written), and what is read back is what JSON gives back (tuples become lists,
    non-str dict keys become str) — the same with or without the cache.

    aiogram reads the state of every update, so by default reads go to a write-through cache in
    memory: a key is loaded from the database once (a missing row is cached too), and every write
    commits to the database first and only then updates the cache, so the cache never shows what
    was not committed. **The cache assumes this process is the only writer of `fsm_state`** (one
    bot process). A deployment with several replicas on one database, or anything else writing the
    table while the bot runs, must construct the storage with `cache=False`; code in this process
    that deletes rows behind the storage's back (/deleteme) must call `forget_user` afterwards.

    `close()` does not close the database: its owner does.
    """

    def __init__(self, db: AnyDatabase, cache: bool = True, *, max_cached: int = 50_000) -> None:
        self.db = db
        self.cache_enabled = cache
        self.max_cached = max_cached
        self._cache: dict[RowKey, Record] = {}
        # Per-key ordering of cache loads and writes (a load's snapshot must not overwrite a newer
        # write); striped so the number of locks stays fixed.
        self._locks = [asyncio.Lock() for _ in range(_LOCK_STRIPES)]
        # Bumped by forget_user/close: a load or write in flight when it happened does not cache.
        self._epoch = 0

    # -- aiogram's interface ---------------------------------------------------------------------

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = _state_name(state)
        rk = row_key(key)

        def action(repo: SqlRepository) -> Record:
            row = repo.db.execute(_UPSERT_STATE, (*rk, name, _now())).fetchone()
            return _finish(repo.db, rk, row)

        await self._write(rk, action)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._record(row_key(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        text = _dump(_as_dict(data))
        rk = row_key(key)

        def action(repo: SqlRepository) -> Record:
            row = repo.db.execute(_UPSERT_DATA, (*rk, text, _now())).fetchone()
            return _finish(repo.db, rk, row)

        await self._write(rk, action)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return _load((await self._record(row_key(key)))[1])

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge `data` into the stored data (like dict.update): read, merge and write in one
        transaction, so concurrent updates of one key never lose each other's keys."""
        partial = _as_dict(data)
        _dump(partial)  # fail early, without a trip to the database thread
        rk = row_key(key)

        def action(repo: SqlRepository) -> Record:
            merged = _load(_select(repo.db, rk)[1])
            merged.update(partial)
            row = repo.db.execute(_UPSERT_DATA, (*rk, _dump(merged), _now())).fetchone()
            return _finish(repo.db, rk, row)

        return _load((await self._write(rk, action))[1])

    async def close(self) -> None:
        """Drops the cache; the database stays open (its owner closes it)."""
        self._epoch += 1
        self._cache.clear()

    # -- beyond aiogram --------------------------------------------------------------------------

    def forget_user(self, user_id: int) -> None:
        """Drop every cached entry of `user_id` (call it after deleting their rows elsewhere).
        Synchronous: it touches memory only."""
        self._epoch += 1
        for rk in [rk for rk in self._cache if rk[2] == user_id]:
            del self._cache[rk]

    # -- the cache -------------------------------------------------------------------------------

    def _lock(self, rk: RowKey) -> asyncio.Lock:
        return self._locks[hash(rk) % _LOCK_STRIPES]

    def _remember(self, rk: RowKey, record: Record, epoch: int) -> None:
        if epoch != self._epoch:  # forget_user/close ran meanwhile: what we hold may be stale
            self._cache.pop(rk, None)
            return
        if rk not in self._cache and len(self._cache) >= self.max_cached:
            del self._cache[next(iter(self._cache))]  # the oldest entry: it is reloaded if needed
        self._cache[rk] = record

    async def _record(self, rk: RowKey) -> Record:
        if not self.cache_enabled:
            return await self.db.read(lambda repo: _select(repo.db, rk))
        record = self._cache.get(rk)
        if record is not None:
            return record
        async with self._lock(rk):
            record = self._cache.get(rk)  # loaded or written while we waited
            if record is None:
                epoch = self._epoch
                record = await self.db.read(lambda repo: _select(repo.db, rk))
                self._remember(rk, record, epoch)
            return record

    async def _write(self, rk: RowKey, action: Callable[[SqlRepository], Record]) -> Record:
        if not self.cache_enabled:
            return await self.db.write(action)
        # Shielded: if the caller is cancelled, the transaction still runs to its end on the
        # database thread, and the cache must still follow it (under the key's lock).
        return await asyncio.shield(self._write_through(rk, action))

    async def _write_through(self, rk: RowKey, action: Callable[[SqlRepository], Record]) -> Record:
        async with self._lock(rk):
            epoch = self._epoch
            try:
                record = await self.db.write(action)
            except BaseException:
                self._cache.pop(rk, None)  # rolled back, most likely; reload to be sure
                raise
            self._remember(rk, record, epoch)
            return record


SqliteFsmStorage = SqlFsmStorage  # its name from before PostgreSQL
