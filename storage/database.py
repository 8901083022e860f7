"""Opening the SQLite database: WAL, foreign keys, forward migrations, one writer at a time."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.queries import Queries


class StorageError(Exception):
    """The database cannot be opened or written; the message is safe to show an operator."""


class Storage:
    """One aiosqlite connection. `tx()` is the unit of work: one user action, one transaction.

    Transactions are serialised with an asyncio lock because a connection is shared by all
    handlers: without it one coroutine's statements could land inside another's transaction.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self, *, target_version: int = SCHEMA_VERSION) -> Storage:
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the folder {self.path.parent}: {exc}") from exc
        try:
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
            self._db.row_factory = aiosqlite.Row
            await self._db.execute("PRAGMA journal_mode = WAL")
            await self._db.execute("PRAGMA foreign_keys = ON")
            await self._db.execute("PRAGMA synchronous = NORMAL")
            await self._db.execute("PRAGMA busy_timeout = 5000")
            await migrate(self._db, target_version)
            # Prove the file is writable now, not at the first user's message.
            await self._db.execute("BEGIN IMMEDIATE")
            await self._db.execute("COMMIT")
            # Reads go through a second connection: WAL lets them run beside the writer.
            self._reader = await aiosqlite.connect(self.path)
            self._reader.row_factory = aiosqlite.Row
            await self._reader.execute("PRAGMA query_only = ON")
            await self._reader.execute("PRAGMA busy_timeout = 5000")
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise StorageError(f"cannot open the database {self.path}: {exc}") from exc
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        for connection in (self._reader, self._db):
            if connection is not None:
                await connection.close()
        self._db = self._reader = None

    @property
    def connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("the database is not open")
        return self._db

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Queries]:
        """Reads on the read-only connection, without waiting for the writer's lock. Each
        statement sees everything committed before it."""
        if self._reader is None:
            raise StorageError("the database is not open")
        yield Queries(self._reader)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[Queries]:
        """Statements under the connection lock but without an explicit transaction: for reads
        (nothing else writes on this connection meanwhile) and for a single write statement,
        which SQLite makes atomic on its own. Saves the BEGIN/COMMIT round trips on hot paths."""
        async with self._lock:
            yield Queries(self.connection)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Queries]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        async with self._lock:
            db = self.connection
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield Queries(db)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")


async def migrate(db: aiosqlite.Connection, target_version: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the file has not seen yet, each in its own transaction."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the database has schema version {version}, newer than this bot ({SCHEMA_VERSION})"
        )
    for number in range(version + 1, target_version + 1):
        script = MIGRATIONS[number - 1]
        # executescript commits first; BEGIN inside the script makes the step atomic.
        await db.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return target_version
