"""PostgreSQL, the second backend: the same repository, the same unit of work, through psycopg 3.

An action is still one synchronous function run whole on a database thread, so it costs one hop
from the event loop on PostgreSQL as on SQLite. `PostgresDatabase` keeps a small pool of
connections, each used by one worker thread at a time:

- `write(action)` runs it in a SERIALIZABLE transaction. When PostgreSQL refuses to commit it
  (serialization failure, deadlock) the whole action runs again on a fresh snapshot, with a fresh
  repository (so `repo.changes` only holds what the committed attempt did); actions are plain
  functions over the repository, so running one again is safe.
- `write(action, serializable=False)` runs it READ COMMITTED: for the inbox's marks, statements
  each safe alone (insert unless the update is there, mark updates done by key). SERIALIZABLE
  refused concurrent batches of them for nothing: its predicate locks are coarser than rows
  (index and heap pages, the whole table when it is scanned, as a small inbox is), and batches
  of consecutive update ids meet on them.
- `read(action)` runs it in a REPEATABLE READ READ ONLY transaction: one snapshot.

`PgConnection` lets the repository's portable SQL run unchanged: `?` placeholders become
psycopg's, values are bound client-side (so `? IS NULL` works for any value, as on SQLite), and
rows answer `row[0]`, `row["name"]` and `row.keys()` like `sqlite3.Row`.

The schema is `storage.migrations`, translated mechanically (`translate_migration`); the version
is kept in a `schema_version` table, each migration runs in its own transaction, and bots
starting at the same time take turns under an advisory lock.

Replicas (several bot processes on one database, README "Running in production") coordinate
through session-level advisory locks, which PostgreSQL releases by itself when the session ends
(the process died, its connection dropped):

- `BakerLocks`: one lock per baker, held while a replica handles that baker's updates, on a few
  connections of their own (`pg_advisory_lock(bigint)`, keyed by the baker's Telegram id).
- `PacerLease`: the one replica that sends reminders (`pg_try_advisory_lock(int, int)`: the
  two-key space, which never meets the one-key space of the bakers and the migration lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Dumper

from schedules.types import ReminderChanges
from storage.database import CommitHook, StorageError
from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.repository import SqlRepository

T = TypeVar("T")
log = logging.getLogger(__name__)


class _RedundantPipelineWarning(logging.Filter):
    """psycopg runs `executemany` in a pipeline; when one of its statements fails (a write refused
    for a serialization conflict, run again by `write`), psycopg logs "error ignored terminating
    <Pipeline>: pipeline aborted" on its way out, while the statement's own error is raised to
    us anyway. That warning says nothing the raised error does not: it is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            record.msg == "error ignored terminating %r: %s"
            and len(args) == 2
            and isinstance(args[0], psycopg.Pipeline)
            and isinstance(args[1], pg_errors.PipelineAborted)
        )


logging.getLogger("psycopg").addFilter(_RedundantPipelineWarning())

SCHEMES = ("postgresql", "postgres")
DEFAULT_POOL_SIZE = 4
MAX_ATTEMPTS = 30  # a write refused this many times in a row is given up (the error is raised)
# pg_advisory_lock key serialising the bots that migrate one database at the same time.
MIGRATION_LOCK = 0x5D0_B07
RETRYABLE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
# pg_try_advisory_lock(PACER_LOCK): the replica holding it sends the reminders.
PACER_LOCK = (MIGRATION_LOCK, 1)
BAKER_LOCK_CONNECTIONS = 8  # per replica: at most this many bakers' updates handled at once
# A replica's sessions: the server notices a peer that vanished (host down, link cut) within
# about idle + interval × count seconds and ends the session, releasing its advisory locks. (A
# killed process's socket is closed by its kernel: that is noticed at once.)
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


def _passwords(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password] if parts.password else []
    found += [v for k, v in parse_qsl(parts.query) if k == "password" and v]
    return found


def redact(url: str) -> str:
    """The URL with its password (in the address or `?password=`) replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    query = [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/:*")))


def scrub(message: str, url: str) -> str:
    for password in _passwords(url):
        message = message.replace(password, "***")
    return message


# --------------------------------------------------------------------------- the SQL


_SQL_PARTS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|[?%])""", re.DOTALL)


@lru_cache(maxsize=4096)
def pg_sql(sql: str) -> str:
    """The repository's SQL for psycopg: `?` → `%s`, and a literal `%` doubled (psycopg would
    take it for a placeholder). Quoted strings, quoted names and comments are left alone, except
    that a `%` in them is doubled too (psycopg scans the whole text)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")

    return _SQL_PARTS.sub(swap, sql)


class PgRow(tuple[Any, ...]):
    """A row like `sqlite3.Row`: `row[0]`, `row["name"]` (any case), `row.keys()`, `tuple(row)`."""

    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}  # noqa: RUF012 (set once per column list, by _row_class)

    def keys(self) -> list[str]:
        return list(self._names)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                key = self._index[key.lower()]
            except KeyError:
                raise IndexError("No item with that key") from None
        return tuple.__getitem__(self, key)


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        index.setdefault(name.lower(), position)  # a repeated name: the first one, as sqlite3.Row
    return type("PgRow", (PgRow,), {"_names": names, "_index": index})


def _pg_rows(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    description = cursor.description
    if description is None:
        return tuple
    return _row_class(tuple(column.name for column in description))


class _BoolDumper(Dumper):
    """Python bools are stored as 0/1, as on SQLite (the schema's flags are integers)."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"

    def quote(self, obj: Any) -> bytes:
        return self.dump(obj)


class _FloatDumper(Dumper):
    """Floats stay double precision inside expressions (a bare `1.5` would be a numeric)."""

    oid = psycopg.postgres.types["float8"].oid

    def dump(self, obj: Any) -> bytes:
        return repr(float(obj)).encode()

    def quote(self, obj: Any) -> bytes:
        return b"'" + self.dump(obj) + b"'::float8"


class PgConnection:
    """A psycopg connection behind the calls the repository makes on `sqlite3.Connection`."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        # Parameters are always passed (an empty tuple too), so `%%` always becomes `%`.
        return self.raw.execute(pg_sql(sql), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.executemany(pg_sql(sql), [tuple(p) for p in parameters])
        return cursor

    def close(self) -> None:
        self.raw.close()

    @property
    def usable(self) -> bool:
        return not (self.raw.closed or self.raw.broken)


def connect(url: str, *, application_name: str = "sourdough-bot", **options: Any) -> PgConnection:
    """A connection in autocommit mode (transactions are begun explicitly), client-side binding."""
    raw: psycopg.Connection[Any] = psycopg.connect(
        url,
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
        row_factory=_pg_rows,
        application_name=application_name,
        **options,
    )
    raw.adapters.register_dumper(bool, _BoolDumper)
    raw.adapters.register_dumper(float, _FloatDumper)
    return PgConnection(raw)


# --------------------------------------------------------------------------- the schema

_TRANSLATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b"),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),  # Telegram ids exceed 2^31
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    # Text compares byte by byte, as on SQLite (and fixed-width UTC times sort as time).
    (re.compile(r"(?<!\bAS\s)(?<!::)\bTEXT\b"), 'TEXT COLLATE "C"'),
    (re.compile(r"\bIFNULL\s*\(", re.IGNORECASE), "COALESCE("),
)
_SQLITE_ONLY = re.compile(
    r"\b(?:PRAGMA|AUTOINCREMENT|WITHOUT\s+ROWID|STRICT|INSERT\s+OR|REPLACE\s+INTO|GLOB)\b"
    r"|\b(?:date|time|datetime|julianday|strftime|unixepoch)\s*\(",
    re.IGNORECASE,
)
_CODE_PARTS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/)""", re.DOTALL)


class UntranslatableMigration(ValueError):
    """A migration uses SQLite-only SQL; write it in the portable subset (see storage.sql)."""


def translate_migration(sql: str) -> str:
    """One migration of `storage.migrations` (SQLite) in PostgreSQL's dialect.

    Mechanical, on the SQL outside quotes and comments: `INTEGER PRIMARY KEY AUTOINCREMENT` →
    an identity column, `INTEGER` → `BIGINT`, `REAL` → `DOUBLE PRECISION`, `TEXT` → `TEXT
    COLLATE "C"`, `BLOB` → `BYTEA`, `IFNULL(` → `COALESCE(`. Types are written in capitals in
    the migrations (column names in lower case), which is what the patterns look for. A
    construct only SQLite knows raises UntranslatableMigration naming it.
    """
    out: list[str] = []
    for index, part in enumerate(_CODE_PARTS.split(sql)):
        if index % 2:  # a quoted string, a quoted name or a comment
            out.append(part)
            continue
        for pattern, replacement in _TRANSLATIONS:
            part = pattern.sub(replacement, part)
        found = _SQLITE_ONLY.search(part)
        if found:
            raise UntranslatableMigration(f"{found.group(0)!r} has no PostgreSQL translation")
        out.append(part)
    return "".join(out)


def schema_version(db: PgConnection) -> int:
    exists = db.execute("SELECT to_regclass('schema_version')").fetchone()
    if exists is None or exists[0] is None:
        return 0
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return 0 if row is None else int(row[0])


def migrate(db: PgConnection, target_version: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the database has not seen yet, each in its own transaction; bots that
    start together take turns (an advisory lock), so each migration runs once."""
    raw = db.raw
    raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        if raw.execute("SELECT 1 FROM schema_version").fetchone() is None:
            raw.execute("INSERT INTO schema_version (version) VALUES (0)")
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the database has schema version {version}, newer than this bot ({SCHEMA_VERSION})"
            )
        for number in range(version + 1, target_version + 1):
            sql = translate_migration(MIGRATIONS[number - 1])
            with raw.transaction():
                raw.execute(sql)  # no parameters: several statements at once
                raw.execute("UPDATE schema_version SET version = %s", (number,))
        return max(version, target_version)
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


# --------------------------------------------------------------------------- the unit of work


class PgRepository(SqlRepository):
    """The repository on PostgreSQL: due reminders are claimed `FOR UPDATE SKIP LOCKED`, so
    replicas claiming at the same moment take different rows instead of waiting for each other."""

    ROW_LOCK = " FOR UPDATE OF r SKIP LOCKED"


class PostgresDatabase:
    """The unit of work on PostgreSQL, with `Database`'s interface: `write(action)` runs
    `action(repository)` in one SERIALIZABLE transaction (run again when PostgreSQL refuses
    the commit) and then hands what it did to reminders to `on_commit`; `read(action)` runs it
    on one consistent snapshot."""

    def __init__(
        self, url: str, *, on_commit: CommitHook | None = None, pool_size: int = DEFAULT_POOL_SIZE
    ) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.url = url
        self.label = redact(url)
        self.on_commit = on_commit
        self.pool_size = pool_size
        self.retries = 0  # writes run again after a serialization failure or deadlock, in all
        self._idle: queue.SimpleQueue[PgConnection] | None = None
        self._connections: list[PgConnection] = []
        self._threads: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"PostgresDatabase({self.label!r})"

    @property
    def shared(self) -> bool:
        """Other processes (replicas) may write this database while we run."""
        return True

    async def open(self, *, target_version: int = SCHEMA_VERSION) -> PostgresDatabase:
        self._threads = ThreadPoolExecutor(self.pool_size, thread_name_prefix="db-pg")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._threads, self._open_sync, target_version)
        except psycopg.Error as exc:
            await self.close()
            message = scrub(str(exc), self.url)
            raise StorageError(f"cannot open the database {self.label}: {message}") from None
        except BaseException:
            await self.close()
            raise
        return self

    def _open_sync(self, target_version: int) -> None:
        first = connect(self.url)
        self._connections.append(first)
        migrate(first, target_version)
        for _ in range(self.pool_size - 1):
            self._connections.append(connect(self.url))
        idle: queue.SimpleQueue[PgConnection] = queue.SimpleQueue()
        for connection in self._connections:
            idle.put(connection)
        self._idle = idle

    async def close(self) -> None:
        if self.retries:
            log.info("%s: %d write(s) were run again after a conflict", self.label, self.retries)
        threads, self._threads = self._threads, None
        self._idle = None
        if threads is not None:
            await asyncio.get_running_loop().run_in_executor(None, threads.shutdown, True)
        for connection in self._connections:
            with contextlib.suppress(psycopg.Error):  # closing anyway
                connection.close()
        self._connections = []

    @property
    def is_open(self) -> bool:
        return self._idle is not None

    def _on_connection(self, work: Callable[[PgConnection], T]) -> T:
        """Run `work` on an idle connection (one per worker thread, so one is always free)."""
        idle = self._idle
        if idle is None:
            raise StorageError("the database is not open")
        connection = idle.get()
        try:
            if not connection.usable:  # the server restarted or the link dropped: reconnect
                log.warning("reconnecting to %s", self.label)
                fresh = connect(self.url)
                self._connections = [fresh if c is connection else c for c in self._connections]
                connection = fresh
            return work(connection)
        finally:
            idle.put(connection)

    async def _submit(self, work: Callable[[PgConnection], T]) -> T:
        threads = self._threads
        if threads is None or self._idle is None:
            raise StorageError("the database is not open")
        return await asyncio.get_running_loop().run_in_executor(threads, self._on_connection, work)

    async def write(self, action: Callable[[SqlRepository], T], *, serializable: bool = True) -> T:
        begin = f"BEGIN ISOLATION LEVEL {'SERIALIZABLE' if serializable else 'READ COMMITTED'}"

        def run(connection: PgConnection) -> tuple[T, ReminderChanges]:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                repo = PgRepository(connection)  # fresh changes for every attempt
                connection.raw.execute(begin)
                try:
                    result = action(repo)
                    connection.raw.execute("COMMIT")
                except RETRYABLE:
                    _rollback(connection)
                    if attempt == MAX_ATTEMPTS:
                        raise
                    self.retries += 1
                    log.debug("write refused by PostgreSQL (attempt %d), running it again", attempt)
                    # on the worker; up to 1 s apart: writers that keep refusing each other (3
                    # replicas' bakers at once) must spread out, or 30 attempts run out in 2 s
                    time.sleep(random.uniform(0, min(0.002 * 2**attempt, 1.0)))
                    continue
                except BaseException:
                    _rollback(connection)
                    raise
                return result, repo.changes
            raise AssertionError("unreachable")

        result, changes = await self._submit(run)
        if changes and self.on_commit is not None:
            self.on_commit(changes)
        return result

    async def read(self, action: Callable[[SqlRepository], T]) -> T:
        def run(connection: PgConnection) -> T:
            connection.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                result = action(PgRepository(connection))
            except BaseException:
                _rollback(connection)
                raise
            connection.raw.execute("COMMIT")
            return result

        return await self._submit(run)


def _rollback(connection: PgConnection) -> None:
    if connection.usable:
        try:
            connection.raw.execute("ROLLBACK")
        except psycopg.Error:
            log.exception("ROLLBACK failed")


# --------------------------------------------------------------------------- replicas


def _session(url: str, name: str) -> PgConnection:
    """A connection for a replica's advisory locks, with TCP keepalives on both ends (the
    server's, so it ends the session of a replica whose host vanished; over a unix socket they
    do nothing)."""
    connection = connect(url, application_name=name, **KEEPALIVES)
    for setting in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count"):
        with contextlib.suppress(psycopg.Error):
            connection.raw.execute(f"SET {setting} = {KEEPALIVES[setting.removeprefix('tcp_')]}")
    return connection


class BakerLocks:
    """One lock per baker across replicas: `hold(key)` takes `pg_advisory_lock(key)` on one of a
    few connections of its own (waiting on the server while another replica holds it), and lets
    it go after the block. A replica that dies holding one releases it with its session."""

    def __init__(self, url: str, *, connections: int = BAKER_LOCK_CONNECTIONS) -> None:
        self.url = url
        self.label = redact(url)
        self.size = connections
        self._idle: asyncio.Queue[PgConnection] | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._connections: list[PgConnection] = []
        self._cleanups: set[asyncio.Future[None]] = set()

    async def open(self) -> BakerLocks:
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="db-lock")
        idle: asyncio.Queue[PgConnection] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        try:
            for _ in range(self.size):
                connection = await loop.run_in_executor(
                    self._threads, _session, self.url, "sourdough-bot locks"
                )
                self._connections.append(connection)
                idle.put_nowait(connection)
        except psycopg.Error as exc:
            await self.close()
            message = scrub(str(exc), self.url)
            raise StorageError(f"cannot open the database {self.label}: {message}") from None
        self._idle = idle
        return self

    async def close(self) -> None:
        threads, self._threads = self._threads, None
        self._idle = None
        if threads is not None:
            await asyncio.get_running_loop().run_in_executor(None, threads.shutdown, True)
        for connection in self._connections:
            with contextlib.suppress(psycopg.Error):
                connection.close()
        self._connections = []

    def _lock(self, connection: PgConnection, key: int, wait: bool) -> tuple[PgConnection, bool]:
        if not connection.usable:
            log.warning("reconnecting the lock session to %s", self.label)
            connection = _session(self.url, "sourdough-bot locks")
        if wait:
            connection.raw.execute("SELECT pg_advisory_lock(%s)", (key,))
            return connection, True
        row = connection.raw.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        return connection, bool(row and row[0])

    def _unlock(self, connection: PgConnection) -> None:
        if connection.usable:
            try:
                connection.raw.execute("SELECT pg_advisory_unlock_all()")
            except psycopg.Error:
                log.exception("releasing a baker's lock failed; the session is closed instead")
                connection.close()

    @asynccontextmanager
    async def hold(self, key: int, *, wait: bool = True) -> AsyncIterator[bool]:
        """Hold the baker's lock for the block (True); with `wait=False`, only if it is free
        now (else the block gets False and holds nothing)."""
        idle, threads = self._idle, self._threads
        if idle is None or threads is None:
            raise StorageError("the database is not open")
        connection = await idle.get()
        loop = asyncio.get_running_loop()
        taking = loop.run_in_executor(threads, self._lock, connection, key, wait)
        try:
            connection, held = await asyncio.shield(taking)
        except asyncio.CancelledError:
            # The lock may still be granted on the worker: give it back once it is.
            task = asyncio.ensure_future(self._give_back(taking, idle, threads))
            self._cleanups.add(task)
            task.add_done_callback(self._cleanups.discard)
            raise
        except BaseException:
            idle.put_nowait(connection)
            raise
        try:
            yield held
        finally:
            await asyncio.shield(self._release(connection, idle, threads))

    async def _release(
        self, connection: PgConnection, idle: asyncio.Queue[PgConnection], threads: ThreadPoolExecutor
    ) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(threads, self._unlock, connection)
        finally:
            idle.put_nowait(connection)

    async def _give_back(
        self,
        taking: asyncio.Future[tuple[PgConnection, bool]],
        idle: asyncio.Queue[PgConnection],
        threads: ThreadPoolExecutor,
    ) -> None:
        with contextlib.suppress(Exception):
            connection, _ = await taking
            await self._release(connection, idle, threads)


class PacerLease:
    """Which replica sends the reminders: the one holding a session-level advisory lock on a
    connection of its own. It is never given up while the process lives; when the process dies or
    its connection drops, the server releases it and another replica's `acquire` gets it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.label = redact(url)
        self._connection: PgConnection | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="db-pacer")

    def _acquire(self) -> bool:
        connection = self._connection
        if connection is not None and connection.usable:
            try:
                connection.raw.execute("SELECT 1")
                return True  # still ours: the session that holds it is alive
            except psycopg.Error:
                connection.close()
        self._connection = None
        connection = _session(self.url, "sourdough-bot pacer")
        row = connection.raw.execute("SELECT pg_try_advisory_lock(%s, %s)", PACER_LOCK).fetchone()
        if row and row[0]:
            self._connection = connection
            return True
        connection.close()
        return False

    async def acquire(self) -> bool:
        """True while this process holds the lease (taking it when it is free); False when
        another replica holds it, or the database cannot be reached (the lease may be lost)."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, self._acquire)
        except psycopg.Error as exc:
            log.warning("the pacer lease cannot be checked: %s", scrub(str(exc), self.url))
            return False

    async def close(self) -> None:
        def close() -> None:
            connection, self._connection = self._connection, None
            if connection is not None:
                with contextlib.suppress(psycopg.Error):
                    connection.close()

        await asyncio.get_running_loop().run_in_executor(self._thread, close)
        self._thread.shutdown(wait=False)
