"""`/export`: a baker's whole history as CSV (for a spreadsheet) or JSON (lossless, for /import).

Both formats are streamed: the bakes are read a chunk at a time (`BAKE_CHUNK` bakes plus their
readings), turned into bytes and yielded, so memory stays flat however long the history is.
Nothing is ever built as one big string.

Each export opens its OWN read-only connection and reads everything inside one read transaction
(SQLite: `file:...?mode=ro`, WAL lets a reader and a writer run at the same time; PostgreSQL:
REPEATABLE READ READ ONLY), so the bot's connections keep working meanwhile and the export is a
consistent snapshot. The bakes are read in keyset-paginated chunks (after the last start time
and id), so no cursor stays open and memory stays flat on both backends. Every query is
scoped by the baker's user id.

Times are stored as UTC; both formats write ISO 8601 with the baker's UTC offset at that
instant (``2026-11-24T14:05:00+01:00``), with milliseconds only when the stored time has some.

CSV columns: see `CSV_COLUMNS`. JSON layout::

    {"format": "sourdough-bot-export", "format_version": 2, "exported_at": ..., "since": null,
     "user": {"timezone": ..., "temp_unit": ...},
     "bakes": [{"uid", "name", "phase", "started_at", "bulk_ended_at", "proof_ends_at",
                "finished_at", "flour_g", "water_g", "starter_g", "salt_g", "dough_temp_c",
                "folds_count", "fold_interval_min", "target_rise_pct", "model_bulk_hours",
                "predicted_bulk_hours", "rating", "notes", "flour_mix", "starter_factor",
                "starter", "recipe",
                "readings": [{"taken_at", "rise_pct", "start_height", "current_height"}],
                "temperatures": [{"taken_at", "temp_c"}],
                "events": [{"kind", "at", "detail"}],
                "reminders": [{"kind", "due_at", "state", "label", "seq", "created_at",
                               "sent_at", "attempts"}],
                "photos": [{"file_id", "file_unique_id", "caption", "taken_at"}],
                "shares": [{"code", "created_at", "revoked_at", "include_notes",
                            "include_readings", "include_photos"}]}, ...],
     "starter_feedings": [{"fed_at", "starter_parts", "flour_parts", "water_parts", "temp_c",
                           "peak_hours", "peaked_at", "starter"}, ...],
     "starters": [{"ref", "name", "created_at", "archived_at", "calibration"}, ...],
     "recipes": [{"ref", "name", "flour_g", "water_g", "starter_g", "salt_g", "flour_mix",
                  "target_rise_pct", "folds_count", "fold_interval_min", "created_at"}, ...]}

A bake's or a feeding's "starter" and a bake's "recipe" are the "ref" of an entry of "starters" /
"recipes" (their place in the list, from 1), or null. Photos are Telegram file_ids (the pictures
stay with Telegram). Format 1 is format 2 without the recipe, starter, photo and share fields.
Reminders that belong to no bake (plain /timer) are not exported. One bake's export (📤 Export
on its card) holds that bake with its children, and only the starter and the recipe it used
("starters" and "recipes" of at most one entry each); it has no starter log.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, Union

from schedules.parsing import zone_for
from schedules.recipe import Recipe, bakers_percentages
from storage.repository import to_db
from storage.sql import Connection

if TYPE_CHECKING:
    from storage.database import AnyDatabase

T = TypeVar("T")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# What an export reads from: the bot's database object, a SQLite file, or a PostgreSQL URL.
ExportSource = Union["AnyDatabase", Path, str]

EXPORT_FORMAT = "sourdough-bot-export"
EXPORT_FORMAT_VERSION = 2  # 2: recipes, starters, photo references and share codes
READABLE_VERSIONS = (1, 2)  # what /import reads
FORMATS = ("csv", "json")

BAKE_CHUNK = 500  # bakes read per round trip (their children come in one query each)
FLUSH_BYTES = 64 * 1024  # a CSV/JSON chunk is yielded once the buffer holds this much

CSV_COLUMNS: tuple[str, ...] = (
    "bake_id",
    "bake_name",
    "phase",
    "started_at",
    "bulk_ended_at",
    "finished_at",
    "flour_g",
    "water_g",
    "starter_g",
    "salt_g",
    "hydration_pct",
    "inoculation_pct",
    "salt_pct",
    "dough_temp_c",
    "target_rise_pct",
    "predicted_bulk_hours",
    "rating",
    "notes",
    "reading_at",
    "hours_since_mix",
    "rise_pct",
    "start_height",
    "current_height",
    # format 2: the recipe's other columns (dough_g: everything in the bowl)
    "flour_mix",
    "starter",
    "recipe",
    "dough_g",
)

# Column lists are spelled out (never SELECT *) so that a later migration cannot change a file.
_BAKE_COLUMNS = (
    "id",
    "name",
    "phase",
    "started_at",
    "bulk_ended_at",
    "proof_ends_at",
    "finished_at",
    "flour_g",
    "water_g",
    "starter_g",
    "salt_g",
    "dough_temp_c",
    "folds_count",
    "fold_interval_min",
    "target_rise_pct",
    "model_bulk_hours",
    "predicted_bulk_hours",
    "rating",
    "notes",
    "flour_mix",
    "starter_id",
    "starter_factor",
    "recipe_id",
)
_BAKE_TIMES = frozenset({"started_at", "bulk_ended_at", "proof_ends_at", "finished_at"})
_READING_COLUMNS = ("taken_at", "rise_pct", "start_height", "current_height")
_TEMP_COLUMNS = ("taken_at", "temp_c")
_EVENT_COLUMNS = ("kind", "at", "detail")
_REMINDER_COLUMNS = ("kind", "due_at", "state", "label", "seq", "created_at", "sent_at", "attempts")
_FEEDING_COLUMNS = (
    "fed_at", "starter_parts", "flour_parts", "water_parts", "temp_c", "peak_hours", "starter_id", "peaked_at"
)  # fmt: skip
_FEEDING_TIMES = frozenset({"fed_at", "peaked_at"})
_PHOTO_COLUMNS = ("file_id", "file_unique_id", "caption", "taken_at")
_SHARE_COLUMNS = ("code", "created_at", "revoked_at", "include_notes", "include_readings", "include_photos")
_STARTER_COLUMNS = ("id", "name", "created_at", "archived_at", "calibration")
_RECIPE_COLUMNS = (
    "id", "name", "flour_g", "water_g", "starter_g", "salt_g", "flour_mix", "target_rise_pct",
    "folds_count", "fold_interval_min", "created_at",
)  # fmt: skip

# child table → (columns, time column used for ordering, time columns to localise)
_CHILDREN: dict[str, tuple[str, tuple[str, ...], str, frozenset[str]]] = {
    "readings": ("rise_readings", _READING_COLUMNS, "taken_at", frozenset({"taken_at"})),
    "temperatures": ("temperatures", _TEMP_COLUMNS, "taken_at", frozenset({"taken_at"})),
    "events": ("bake_events", _EVENT_COLUMNS, "at", frozenset({"at"})),
    "reminders": ("reminders", _REMINDER_COLUMNS, "due_at", frozenset({"due_at", "created_at", "sent_at"})),
    "photos": ("bake_photos", _PHOTO_COLUMNS, "taken_at", frozenset({"taken_at"})),
    "shares": ("shares", _SHARE_COLUMNS, "created_at", frozenset({"created_at", "revoked_at"})),
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Exception):
    """The export cannot be produced (no database file, unknown format); safe to show an operator."""


# --------------------------------------------------------------------------- small helpers


def iso_in_zone(stored: str | None, zone: tzinfo) -> str | None:
    """A stored UTC time as ISO 8601 with the offset `zone` has at that instant."""
    if stored is None:
        return None
    return _iso(datetime.fromisoformat(stored).astimezone(zone))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds" if moment.microsecond == 0 else "milliseconds")


def bake_uid(started_at: datetime, name: str) -> str:
    """The identity import de-duplicates on: UTC start (as stored) plus a hash of the name.

    Informational: the importer recomputes it from `started_at` and `name`, so an edited name
    in the file makes a new bake rather than silently matching the old one.
    """
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return f"{to_db(started_at)}/{digest}"


def guard_formula(text: str | None) -> str:
    """Neutralise CSV/formula injection: a cell that starts with = + - @ (or a tab / carriage
    return) would be run as a formula by Excel/LibreOffice/Sheets, so it gets a leading `'`."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


@lru_cache(maxsize=65_536)
def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _num(value: float | int | None, digits: int | None = None) -> str:
    """A number for a spreadsheet cell: empty for NULL, `500` rather than `500.0`.

    Cached: a history repeats the same few thousand values (amounts, rises, heights) a lot.
    """
    if value is None:
        return ""
    if digits is not None:
        value = round(value, digits)
    return _number_text(value)


def export_filename(fmt: str, now: datetime | None = None, bake_name: str | None = None) -> str:
    """`sourdough-export-2026-11-24.csv`: what the bot names the document it sends; one bake's
    export is named after the bake (`sourdough-Country-loaf-2026-11-24.json`)."""
    day = (now or datetime.now(UTC)).strftime("%Y-%m-%d")
    what = "export"
    if bake_name is not None:
        what = re.sub(r"[^\w]+", "-", bake_name).strip("-_")[:40].strip("-_") or "bake"
    return f"sourdough-{what}-{day}.{fmt}"


def _read_only_uri(db_path: Path) -> str:
    return f"{Path(db_path).resolve().as_uri()}?mode=ro"


class _Snapshot:
    """One read transaction on a connection of the export's own, on a thread of its own: every
    chunk is read from the same snapshot, and the bot's connections carry on meanwhile."""

    def __init__(self, db: Connection, close: Callable[[], None]) -> None:
        self.db = db
        self._close = close
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="db-export")

    async def run(self, action: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, action, self.db)

    async def end(self) -> None:
        try:
            await self.run(lambda db: self._close())
        finally:
            self._thread.shutdown(wait=False)


def _open_sqlite(path: Path) -> tuple[Connection, Callable[[], None]]:
    if not path.is_file():
        raise ExportError(f"no database at {path}")
    db = sqlite3.connect(_read_only_uri(path), uri=True, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("BEGIN")  # deferred: the snapshot starts at the first SELECT

    def close() -> None:
        try:
            db.execute("ROLLBACK")  # nothing was written; just end the read transaction
        finally:
            db.close()

    return db, close


def _open_postgres(url: str) -> tuple[Connection, Callable[[], None]]:
    import psycopg

    from storage.postgres import connect, redact, scrub

    try:
        db = connect(url, application_name="sourdough-bot export")
    except psycopg.Error as exc:
        raise ExportError(f"cannot open the database {redact(url)}: {scrub(str(exc), url)}") from None
    db.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def close() -> None:
        try:
            db.raw.execute("ROLLBACK")
        finally:
            db.close()

    return db, close


@asynccontextmanager
async def _snapshot(source: ExportSource) -> AsyncIterator[_Snapshot]:
    """A separate read-only connection holding one read transaction (a consistent snapshot):
    on the SQLite file, or on the PostgreSQL database (`source` a database, a path or a URL)."""
    url = getattr(source, "url", None)
    if url is None and isinstance(source, str) and source.startswith(POSTGRES_SCHEMES):
        url = source
    if url is not None:
        opener: Callable[[], tuple[Connection, Callable[[], None]]] = lambda: _open_postgres(str(url))  # noqa: E731
    else:
        path = Path(source if isinstance(source, (str, Path)) else source.path)  # type: ignore[union-attr]
        opener = lambda: _open_sqlite(path)  # noqa: E731
    first = ThreadPoolExecutor(1)
    try:
        db, close = await asyncio.get_running_loop().run_in_executor(first, opener)
    finally:
        first.shutdown(wait=False)
    snapshot = _Snapshot(db, close)
    try:
        yield snapshot
    finally:
        await snapshot.end()


def _user_settings(db: Connection, user_id: int) -> tuple[str | None, str]:
    row = db.execute("SELECT timezone, temp_unit FROM users WHERE id = ?", (user_id,)).fetchone()
    return (None, "C") if row is None else (row[0], row[1])


Chunk = list[tuple[tuple[Any, ...], dict[str, list[tuple[Any, ...]]]]]


def _read_chunk(
    db: Connection,
    user_id: int,
    since_db: str | None,
    children: Sequence[str],
    bake_id: int | None,
    after: tuple[str, int] | None,
) -> Chunk:
    """Up to BAKE_CHUNK bakes after `after` (their start and id: keyset pagination, so no cursor
    stays open between chunks), each with the asked-for children, in one query per child table."""
    columns = ", ".join(_BAKE_COLUMNS)
    where = "user_id = ? AND (? IS NULL OR started_at >= ?) AND (? IS NULL OR id = ?)"
    params: list[Any] = [user_id, since_db, since_db, bake_id, bake_id]
    if after is not None:
        where += " AND started_at >= ? AND (started_at > ? OR id > ?)"  # a range the index serves
        params += [after[0], after[0], after[1]]
    bakes = [
        tuple(row)
        for row in db.execute(
            f"SELECT {columns} FROM bakes WHERE {where} ORDER BY started_at, id LIMIT ?",
            (*params, BAKE_CHUNK),
        ).fetchall()
    ]
    if not bakes:
        return []
    ids = [row[0] for row in bakes]
    marks = ",".join("?" * len(ids))
    grouped: dict[int, dict[str, list[tuple[Any, ...]]]] = {
        bake_id: {name: [] for name in children} for bake_id in ids
    }
    for name in children:
        table, cols, order, _ = _CHILDREN[name]
        select = ", ".join(f"c.{c}" for c in cols)
        for row in db.execute(
            f"SELECT c.bake_id, {select} FROM {table} c JOIN bakes b ON b.id = c.bake_id "
            f"WHERE b.user_id = ? AND c.bake_id IN ({marks}) ORDER BY c.bake_id, c.{order}, c.id",
            (user_id, *ids),
        ).fetchall():
            grouped[row[0]][name].append(tuple(row)[1:])
    return [(row, grouped[row[0]]) for row in bakes]


async def _bake_chunks(
    snapshot: _Snapshot,
    user_id: int,
    since: datetime | None,
    children: Sequence[str],
    bake_id: int | None = None,
) -> AsyncIterator[Chunk]:
    """The user's bakes, oldest first, `BAKE_CHUNK` at a time, each with the asked-for children
    (rows in time order). One query per child table per chunk, never one per bake."""
    since_db = None if since is None else to_db(since)
    after: tuple[str, int] | None = None
    while True:
        chunk = await snapshot.run(
            lambda db, after=after: _read_chunk(db, user_id, since_db, children, bake_id, after)  # type: ignore[misc]
        )
        if not chunk:
            return
        yield chunk
        if len(chunk) < BAKE_CHUNK:
            return
        last = chunk[-1][0]
        after = (last[3], last[0])  # started_at, id


def _read_feedings(
    db: Connection, user_id: int, since_db: str | None, after: tuple[str, int] | None
) -> list[tuple[Any, ...]]:
    where = "user_id = ? AND (? IS NULL OR fed_at >= ?)"
    params: list[Any] = [user_id, since_db, since_db]
    if after is not None:
        where += " AND fed_at >= ? AND (fed_at > ? OR id > ?)"
        params += [after[0], after[0], after[1]]
    return [
        tuple(row)
        for row in db.execute(
            f"SELECT id, {', '.join(_FEEDING_COLUMNS)} FROM starter_feedings WHERE {where} "
            "ORDER BY fed_at, id LIMIT ?",
            (*params, BAKE_CHUNK),
        ).fetchall()
    ]


def _read_starters(db: Connection, user_id: int) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in db.execute(
            f"SELECT {', '.join(_STARTER_COLUMNS)} FROM starters WHERE user_id = ? ORDER BY created_at, id",
            (user_id,),
        ).fetchall()
    ]


def _bake_refs(db: Connection, user_id: int, bake_id: int) -> tuple[int | None, int | None]:
    """The starter and the saved recipe one bake used (their ids; None for none)."""
    row = db.execute(
        "SELECT starter_id, recipe_id FROM bakes WHERE id = ? AND user_id = ?", (bake_id, user_id)
    ).fetchone()
    return (None, None) if row is None else (row[0], row[1])


def _read_recipes(db: Connection, user_id: int) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in db.execute(
            f"SELECT {', '.join(_RECIPE_COLUMNS)} FROM recipes WHERE user_id = ? ORDER BY created_at, id",
            (user_id,),
        ).fetchall()
    ]


# --------------------------------------------------------------------------- CSV


async def export_csv(
    source: ExportSource,
    user_id: int,
    zone: tzinfo,
    *,
    since: datetime | None = None,
    bake_id: int | None = None,
) -> AsyncIterator[bytes]:
    """The baker's history as UTF-8 CSV chunks: a header, then one row per rise reading with the
    bake's columns repeated (a bake with no readings still gets one row, reading columns empty).

    The file starts with a UTF-8 byte-order mark so that Excel reads accents and emoji right.
    Security: bake names and notes are user text; any cell starting with = + - @ (or a tab /
    carriage return) is prefixed with `'` so a spreadsheet never evaluates it as a formula
    (CSV/formula injection). Percentages are derived from the recipe (1 decimal); hours are
    rounded to 2 decimals. The JSON export is the lossless one.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    write = buffer.write
    prefix_buffer = io.StringIO()
    prefix_writer = csv.writer(prefix_buffer, lineterminator="")
    async with _snapshot(source) as db:
        starter_names = {row[0]: row[1] for row in await db.run(lambda conn: _read_starters(conn, user_id))}
        recipe_names = {row[0]: row[1] for row in await db.run(lambda conn: _read_recipes(conn, user_id))}
        async for chunk in _bake_chunks(db, user_id, since, ("readings",), bake_id):
            for bake, children in chunk:
                (
                    bake_id,
                    name,
                    phase,
                    started_at,
                    bulk_ended_at,
                    _proof_ends,
                    finished_at,
                    flour,
                    water,
                    starter,
                    salt,
                    dough_temp,
                    _folds,
                    _interval,
                    target_rise,
                    _model_hours,
                    predicted_hours,
                    rating,
                    notes,
                    flour_mix,
                    starter_ref,
                    _starter_factor,
                    recipe_ref,
                ) = bake
                hydration = inoculation = salt_pct = None
                if flour:
                    pct = bakers_percentages(Recipe(flour, water, starter, salt))
                    hydration, inoculation, salt_pct = pct.hydration_pct, pct.inoculation_pct, pct.salt_pct
                started = datetime.fromisoformat(started_at)
                # The bake's cells go through the csv writer once (quoting user text); the reading
                # cells (ISO times and numbers: never a comma, quote or newline) are appended as is.
                prefix_buffer.seek(0)
                prefix_buffer.truncate()
                prefix_writer.writerow(
                    [
                        str(bake_id),
                        guard_formula(name),
                        phase,
                        iso_in_zone(started_at, zone),
                        iso_in_zone(bulk_ended_at, zone) or "",
                        iso_in_zone(finished_at, zone) or "",
                        _num(flour),
                        _num(water),
                        _num(starter),
                        _num(salt),
                        _num(hydration),
                        _num(inoculation),
                        _num(salt_pct),
                        _num(dough_temp),
                        _num(target_rise),
                        _num(predicted_hours, 2),
                        _num(rating),
                        guard_formula(notes),
                        "",
                    ]
                )
                prefix = prefix_buffer.getvalue()  # ends with the separator before reading_at
                prefix_buffer.seek(0)
                prefix_buffer.truncate()
                amounts = (flour, water, starter, salt)
                dough = None if flour is None else sum(a for a in amounts if a is not None)
                prefix_writer.writerow(
                    [
                        "",
                        guard_formula(flour_mix),
                        guard_formula(starter_names.get(starter_ref)),
                        guard_formula(recipe_names.get(recipe_ref)),
                        _num(dough),
                    ]
                )
                suffix = prefix_buffer.getvalue() + "\r\n"  # starts with the separator after current_height
                readings = children["readings"]
                if not readings:
                    write(prefix + ",,,," + suffix)
                for taken_at, rise, start_h, current_h in readings:
                    moment = datetime.fromisoformat(taken_at)
                    hours = (moment - started).total_seconds() / 3600.0
                    write(
                        f"{prefix}{_iso(moment.astimezone(zone))},{_num(hours, 2)},{_num(rise)},"
                        f"{_num(start_h)},{_num(current_h)}{suffix}"
                    )
                if buffer.tell() >= FLUSH_BYTES:
                    yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


# --------------------------------------------------------------------------- JSON


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _record(
    columns: Sequence[str], row: Sequence[Any], times: frozenset[str], zone: tzinfo
) -> dict[str, Any]:
    return {
        col: iso_in_zone(value, zone) if col in times else value
        for col, value in zip(columns, row, strict=True)
    }


class _Chunks:
    """Text collected and handed out as bytes about FLUSH_BYTES at a time (memory stays flat)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def take(self, *, everything: bool = False) -> bytes | None:
        if not self._parts or (self._size < FLUSH_BYTES and not everything):
            return None
        data = "".join(self._parts).encode("utf-8")
        self._parts.clear()
        self._size = 0
        return data


async def export_json(
    source: ExportSource,
    user_id: int,
    zone: tzinfo,
    *,
    since: datetime | None = None,
    bake_id: int | None = None,
    exported_at: datetime | None = None,
) -> AsyncIterator[bytes]:
    """The baker's history as a JSON document (layout in the module docstring), in chunks.

    One line per bake (each `json.dumps`-ed on its own), so the file is also diff-friendly.
    Values are as stored (floats unrounded); times carry the baker's offset; `uid` is the
    de-duplication identity /import uses. `exported_at` is the bot's clock (default: now).
    """
    out = _Chunks()
    async with _snapshot(source) as db:
        timezone_key, temp_unit = await db.run(lambda conn: _user_settings(conn, user_id))
        header = {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "exported_at": (exported_at or datetime.now(UTC)).astimezone(zone).isoformat(timespec="seconds"),
            "since": None if since is None else since.astimezone(zone).isoformat(timespec="seconds"),
            "user": {"timezone": timezone_key, "temp_unit": temp_unit},
        }
        out.add(_json(header)[:-1] + ',\n"bakes":[')
        # Starters and recipes are named by their place in the file's lists (1, 2, ...): a file's
        # references never depend on one database's ids. A one-bake export lists only the starter
        # and the recipe that bake used.
        starters = await db.run(lambda conn: _read_starters(conn, user_id))
        recipes = await db.run(lambda conn: _read_recipes(conn, user_id))
        if bake_id is not None:
            used = await db.run(lambda conn: _bake_refs(conn, user_id, bake_id))
            starters = [row for row in starters if row[0] == used[0]]
            recipes = [row for row in recipes if row[0] == used[1]]
        starter_refs = {row[0]: ref for ref, row in enumerate(starters, start=1)}
        recipe_refs = {row[0]: ref for ref, row in enumerate(recipes, start=1)}
        first = True
        async for chunk in _bake_chunks(db, user_id, since, tuple(_CHILDREN), bake_id):
            for bake, children in chunk:
                record = _record(_BAKE_COLUMNS, bake, _BAKE_TIMES, zone)
                del record["id"]
                record["starter"] = starter_refs.get(record.pop("starter_id"))
                record["recipe"] = recipe_refs.get(record.pop("recipe_id"))
                record = {
                    "uid": bake_uid(datetime.fromisoformat(bake[3]), record["name"]),
                    **record,
                }
                for name, (_table, cols, _order, times) in _CHILDREN.items():
                    record[name] = [_record(cols, row, times, zone) for row in children[name]]
                out.add(("\n" if first else ",\n") + _json(record))
                first = False
            if data := out.take():
                yield data
        out.add('\n],\n"starter_feedings":[')
        since_db = None if since is None else to_db(since)
        first = True
        after: tuple[str, int] | None = None
        while bake_id is None:  # a one-bake export has no starter log
            rows = await db.run(
                lambda conn, after=after: _read_feedings(conn, user_id, since_db, after)  # type: ignore[misc]
            )
            for row in rows:
                feeding = _record(_FEEDING_COLUMNS, row[1:], _FEEDING_TIMES, zone)
                feeding["starter"] = starter_refs.get(feeding.pop("starter_id"))
                out.add(("\n" if first else ",\n") + _json(feeding))
                first = False
            if data := out.take():
                yield data
            if len(rows) < BAKE_CHUNK:
                break
            after = (rows[-1][1], rows[-1][0])  # fed_at, id
        for key, listed, columns, times in (
            ("starters", starters, _STARTER_COLUMNS, frozenset({"created_at", "archived_at"})),
            ("recipes", recipes, _RECIPE_COLUMNS, frozenset({"created_at"})),
        ):
            out.add(f'\n],\n"{key}":[')
            for ref, row in enumerate(listed, start=1):
                item = _record(columns, row, times, zone)
                del item["id"]
                out.add(("\n" if ref == 1 else ",\n") + _json({"ref": ref, **item}))
    out.add("\n]}\n")
    yield out.take(everything=True) or b""


# --------------------------------------------------------------------------- CLI helper


async def user_zone(source: ExportSource, user_id: int, default_timezone: str = "UTC") -> tzinfo:
    """The tzinfo for the baker's stored timezone (`default_timezone` when they never set one)."""
    async with _snapshot(source) as db:
        timezone_key, _ = await db.run(lambda conn: _user_settings(conn, user_id))
    return zone_for(timezone_key, default_timezone)


async def write_export(
    source: ExportSource,
    user_id: int,
    fmt: str,
    out: BinaryIO,
    zone: tzinfo | None = None,
    *,
    since: datetime | None = None,
    default_timezone: str = "UTC",
) -> int:
    """Write an export (`fmt` "csv" or "json") to a binary stream; returns the bytes written.

    For `python -m bot export --user ID --format csv|json > file`: `zone` defaults to the
    user's stored timezone (else `default_timezone`, i.e. the DEFAULT_TIMEZONE setting).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (use csv or json)")
    if zone is None:
        zone = await user_zone(source, user_id, default_timezone)
    produce = export_csv if fmt == "csv" else export_json
    written = 0
    async for chunk in produce(source, user_id, zone, since=since):
        out.write(chunk)
        written += len(chunk)
    out.flush()
    return written
