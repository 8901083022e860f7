"""Opening the SQLite database and running actions on it: one action, one transaction, one hop.

aiosqlite sends every statement to its thread separately (a hop each: a future, a wake-up of the
event loop). An action here is a plain function over the repository that runs whole on the
database's own thread, between BEGIN IMMEDIATE and COMMIT: what it reads is what it writes on,
nothing else can interleave, and the event loop is woken once. Reads run the same way on a
second, read-only connection with its own thread (WAL lets them run beside the writer).

`open_database` picks the backend from the settings: this file's `Database` (SQLite, one
process), or `storage.postgres.PostgresDatabase` when a PostgreSQL URL is given. Both run the
same repository (`storage.repository.SqlRepository`) and have the same interface.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from schedules.types import ReminderChanges
from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.repository import SqlRepository

if TYPE_CHECKING:
    from storage.postgres import PostgresDatabase

T = TypeVar("T")
CommitHook = Callable[[ReminderChanges], None]
# Either backend: the same open/close/write/read/on_commit/is_open.
AnyDatabase: TypeAlias = "Database | PostgresDatabase"


class StorageError(Exception):
    """The database cannot be opened or written; the message is safe to show an operator."""


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    # check_same_thread=False: each connection is only ever used by its own single-thread executor.
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 5000")
    if read_only:
        db.execute("PRAGMA query_only = ON")
    else:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def migrate(db: sqlite3.Connection, target_version: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the file has not seen yet, each in its own transaction."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the database has schema version {version}, newer than this bot ({SCHEMA_VERSION})"
        )
    for number in range(version + 1, target_version + 1):
        # executescript commits first; BEGIN inside the script makes the step atomic.
        db.executescript(
            f"BEGIN IMMEDIATE;\n{MIGRATIONS[number - 1]}\nPRAGMA user_version = {number};\nCOMMIT;"
        )
    return target_version


class Database:
    """The unit of work for SQLite. `write(action)` runs `action(repository)` in one transaction
    (committed when it returns, rolled back if it raises) and then hands what it did to
    reminders to `on_commit`; `read(action)` runs it on a consistent snapshot."""

    def __init__(self, path: Path | str, *, on_commit: CommitHook | None = None) -> None:
        self.path = Path(path)
        self.on_commit = on_commit
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="db-write")
        self._read_thread = ThreadPoolExecutor(1, thread_name_prefix="db-read")

    async def open(self, *, target_version: int = SCHEMA_VERSION) -> Database:
        if self._write_thread._shutdown:  # closed before: threads for the new connections
            self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="db-write")
            self._read_thread = ThreadPoolExecutor(1, thread_name_prefix="db-read")
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the folder {self.path.parent}: {exc}") from exc
        loop = asyncio.get_running_loop()
        try:
            self._writer = await loop.run_in_executor(self._write_thread, self._open_writer, target_version)
            self._reader = await loop.run_in_executor(
                self._read_thread, lambda: _connect(self.path, read_only=True)
            )
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise StorageError(f"cannot open the database {self.path}: {exc}") from exc
        except BaseException:
            await self.close()
            raise
        return self

    def _open_writer(self, target_version: int) -> sqlite3.Connection:
        db = _connect(self.path)
        try:
            migrate(db, target_version)
            db.execute("BEGIN IMMEDIATE")  # prove the file is writable now, not at the first message
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        return db

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for connection, thread in ((self._reader, self._read_thread), (self._writer, self._write_thread)):
            if connection is not None:
                await loop.run_in_executor(thread, connection.close)
        self._writer = self._reader = None
        for thread in (self._read_thread, self._write_thread):
            thread.shutdown(wait=False)

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    @property
    def shared(self) -> bool:
        """Other processes may write this database while we run: never on SQLite (one process)."""
        return False

    async def write(self, action: Callable[[SqlRepository], T], *, serializable: bool = True) -> T:
        """`action` in one transaction; `serializable` means nothing here: SQLite has one writer,
        so every write runs as if alone."""
        if self._writer is None:
            raise StorageError("the database is not open")
        writer = self._writer

        def run() -> tuple[T, ReminderChanges]:
            repo = SqlRepository(writer)
            writer.execute("BEGIN IMMEDIATE")
            try:
                result = action(repo)
            except BaseException:
                writer.execute("ROLLBACK")
                raise
            writer.execute("COMMIT")
            return result, repo.changes

        result, changes = await asyncio.get_running_loop().run_in_executor(self._write_thread, run)
        if changes and self.on_commit is not None:
            self.on_commit(changes)
        return result

    async def read(self, action: Callable[[SqlRepository], T]) -> T:
        if self._reader is None:
            raise StorageError("the database is not open")
        reader = self._reader

        def run() -> T:
            reader.execute("BEGIN")  # one snapshot for every statement of the action
            try:
                return action(SqlRepository(reader))
            finally:
                reader.execute("COMMIT")

        return await asyncio.get_running_loop().run_in_executor(self._read_thread, run)


def open_database(
    path: Path | str, url: str | None = None, *, pool_size: int | None = None
) -> AnyDatabase:
    """The database the settings name, not yet opened: PostgreSQL when `url` is set (a
    `postgresql://` URL), else the SQLite file at `path`."""
    if url:
        from storage.postgres import DEFAULT_POOL_SIZE, PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size or DEFAULT_POOL_SIZE)
    return Database(path)
