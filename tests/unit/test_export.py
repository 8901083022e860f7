"""Tests for storage.export, storage.importer and storage.backup: real databases, no mocks.

Export and import run on SQLite and on PostgreSQL (`make_database`, tests/conftest.py); the
snapshot and backup tests are about the SQLite file and run on it only."""

from __future__ import annotations

import ast
import asyncio
import copy
import csv
import io
import json
import re
import sqlite3
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from schedules.parsing import zone_for
from schedules.recipe import Recipe
from schedules.types import Bake, NewReminder
from storage import importer
from storage.backup import BackupError, backup_database
from storage.database import Database
from storage.export import (
    BAKE_CHUNK,
    CSV_COLUMNS,
    EXPORT_FORMAT,
    ExportError,
    bake_uid,
    export_csv,
    export_json,
    guard_formula,
    write_export,
)
from storage.importer import ImportRejected, ImportSummary, Phrase, import_export, parse_export
from storage.migrations import SCHEMA_VERSION
from storage.repository import SqliteRepository, to_db

BERLIN = ZoneInfo("Europe/Berlin")
BAKER = 1001
OTHER = 2002
T0 = datetime(2024, 1, 14, 13, 5, tzinfo=UTC)          # winter: 14:05 in Berlin (+01:00)
SUMMER = datetime(2024, 7, 1, 8, 0, tzinfo=UTC)       # summer: 10:00 in Berlin (+02:00)
EVIL_NOTES = '=HYPERLINK("http://evil.example","click")'
B_NAME = '-Rye, "quoted", comma'


# --------------------------------------------------------------------------- helpers


SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
async def database(make_database: Any) -> Any:
    db = await make_database("bot").open()
    yield db
    await db.close()


def seed_rows(q: SqliteRepository) -> dict[str, int]:
    """Three bakes for BAKER (winter with readings, one without readings, summer) + OTHER's."""
    ids: dict[str, int] = {}
    q.upsert_user(BAKER, BAKER, "Ada", T0)
    q.update_user(BAKER, timezone="Europe/Berlin")
    q.upsert_user(OTHER, OTHER, "Eve", T0)

    a = q.create_bake(BAKER, "Country loaf", T0, recipe=Recipe(1000, 750, 200, 20),
                      dough_temp_c=24.5, target_rise_pct=75.0, predicted_bulk_hours=5.123456)
    ids["a"] = a.id
    q.add_rise(BAKER, a.id, T0 + timedelta(hours=1, minutes=30), 10.0)
    q.add_rise(BAKER, a.id, T0 + timedelta(hours=2), 25.5, 4.0, 5.02)
    q.add_temperature(BAKER, a.id, T0 + timedelta(hours=1), 24.0)
    q.add_event(BAKER, a.id, "fold", T0 + timedelta(minutes=30), "first")
    sent, _pending = q.add_reminders(BAKER, [
        NewReminder("fold", T0 + timedelta(minutes=30), a.id, "Fold 1", 1),
        NewReminder("rise_check", T0 + timedelta(hours=3), a.id, None, None),
    ], T0)
    q.mark_reminder(sent.id, "sent", sent_at=T0 + timedelta(minutes=30, seconds=2))
    q.update_bake(BAKER, a.id, phase="done", bulk_ended_at=T0 + timedelta(hours=5),
                  finished_at=T0 + timedelta(hours=20), rating=4, notes=EVIL_NOTES)

    b = q.create_bake(BAKER, B_NAME, T0 + timedelta(days=2))
    ids["b"] = b.id

    c = q.create_bake(BAKER, "Summer bake", SUMMER, recipe=Recipe(500, 350, 100, 10))
    ids["c"] = c.id
    q.add_rise(BAKER, c.id, SUMMER + timedelta(hours=3, minutes=15), 50.0)
    q.add_feeding(BAKER, T0 - timedelta(hours=6), (1, 5, 5), 23.5, 6.5)

    s = q.create_bake(OTHER, "Secret loaf", T0 + timedelta(days=1), recipe=Recipe(1, 1, 1, 1))
    q.add_rise(OTHER, s.id, T0 + timedelta(days=1, hours=1), 99.0)
    q.add_feeding(OTHER, T0, (1, 2, 2), 21.0, 4.25)
    return ids


async def seed(database: Database) -> dict[str, int]:
    return await database.write(seed_rows)


async def collect(chunks: Any) -> bytes:
    parts = [chunk async for chunk in chunks]
    assert all(isinstance(p, bytes) for p in parts)
    return b"".join(parts)


async def csv_rows(db_path: Path, user_id: int = BAKER, **kwargs: Any) -> list[dict[str, str]]:
    data = await collect(export_csv(db_path, user_id, BERLIN, **kwargs))
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


async def json_doc(db_path: Path, user_id: int = BAKER, **kwargs: Any) -> dict[str, Any]:
    return json.loads(await collect(export_json(db_path, user_id, BERLIN, **kwargs)))


async def fresh(make_database: Any, name: str, user_id: int) -> Database:
    db = await make_database(name.removesuffix(".sqlite3")).open()
    await db.write(lambda q: q.upsert_user(user_id, user_id, "New", T0))
    return db


def count_rows(q: SqliteRepository) -> dict[str, int]:
    result = {}
    for table in ("bakes", "rise_readings", "temperatures", "bake_events", "reminders", "starter_feedings"):
        row = q.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        result[table] = int(row[0]) if row else -1
    return result


async def counts(database: Database) -> dict[str, int]:
    return await database.read(count_rows)


# --------------------------------------------------------------------------- CSV


async def test_csv_value_by_value(database: Database) -> None:
    ids = await seed(database)
    rows = await csv_rows(database)
    assert [r["bake_id"] for r in rows] == [str(ids["a"])] * 2 + [str(ids["b"]), str(ids["c"])]

    first, second = rows[0], rows[1]
    assert first["bake_name"] == "Country loaf"
    assert first["phase"] == "done"
    assert first["started_at"] == "2024-01-14T14:05:00+01:00"
    assert first["bulk_ended_at"] == "2024-01-14T19:05:00+01:00"
    assert first["finished_at"] == "2024-01-15T10:05:00+01:00"
    amounts = (first["flour_g"], first["water_g"], first["starter_g"], first["salt_g"])
    assert amounts == ("1000", "750", "200", "20")
    assert (first["hydration_pct"], first["inoculation_pct"], first["salt_pct"]) == ("75", "20", "2")
    assert first["dough_temp_c"] == "24.5"
    assert first["target_rise_pct"] == "75"
    assert first["predicted_bulk_hours"] == "5.12"
    assert first["rating"] == "4"
    assert first["notes"] == "'" + EVIL_NOTES
    assert first["reading_at"] == "2024-01-14T15:35:00+01:00"
    assert first["hours_since_mix"] == "1.5"
    assert (first["rise_pct"], first["start_height"], first["current_height"]) == ("10", "", "")
    assert second["reading_at"] == "2024-01-14T16:05:00+01:00"
    assert (second["hours_since_mix"], second["rise_pct"]) == ("2", "25.5")
    assert (second["start_height"], second["current_height"]) == ("4", "5.02")
    # the bake's columns are repeated on every reading row
    for column in CSV_COLUMNS[:18]:
        assert first[column] == second[column], column


async def test_csv_bake_without_readings_and_summer_offset(database: Database) -> None:
    await seed(database)
    rows = await csv_rows(database)
    no_readings = rows[2]
    assert no_readings["bake_name"] == "'" + B_NAME  # starts with "-": guarded; quotes/comma survive
    assert no_readings["phase"] == "bulk"
    assert no_readings["started_at"] == "2024-01-16T14:05:00+01:00"
    for column in ("reading_at", "hours_since_mix", "rise_pct", "start_height", "current_height",
                   "flour_g", "hydration_pct", "rating", "notes", "finished_at"):
        assert no_readings[column] == "", column
    summer = rows[3]
    assert summer["started_at"] == "2024-07-01T10:00:00+02:00"
    assert summer["reading_at"] == "2024-07-01T13:15:00+02:00"
    assert summer["hours_since_mix"] == "3.25"
    assert (summer["hydration_pct"], summer["inoculation_pct"], summer["salt_pct"]) == ("70", "20", "2")


async def test_csv_fixed_offset_zone(database: Database) -> None:
    await seed(database)
    data = await collect(export_csv(database, BAKER, zone_for("UTC-03:30")))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0]["started_at"] == "2024-01-14T09:35:00-03:30"


def test_formula_guard() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert guard_formula(dangerous) == "'" + dangerous
    assert guard_formula("Rye 80%") == "Rye 80%"
    assert guard_formula(None) == ""
    assert guard_formula("") == ""


async def test_since_filter(database: Database) -> None:
    ids = await seed(database)
    since = T0 + timedelta(days=1)
    rows = await csv_rows(database, since=since)
    assert [r["bake_id"] for r in rows] == [str(ids["b"]), str(ids["c"])]
    doc = await json_doc(database, since=since)
    assert [b["name"] for b in doc["bakes"]] == [B_NAME, "Summer bake"]
    assert doc["starter_feedings"] == []  # the feeding was before `since`
    # at/after: a bake that started exactly at `since` is included
    rows = await csv_rows(database, since=T0 + timedelta(days=2))
    assert [r["bake_id"] for r in rows] == [str(ids["b"]), str(ids["c"])]


async def test_other_users_data_never_appears(database: Database) -> None:
    await seed(database)
    for data in (await collect(export_csv(database, BAKER, BERLIN)),
                 await collect(export_json(database, BAKER, BERLIN))):
        assert b"Secret" not in data and b"4.25" not in data
    rows = await csv_rows(database)
    assert "99" not in {r["rise_pct"] for r in rows}
    doc = await json_doc(database)
    assert 99.0 not in {r["rise_pct"] for b in doc["bakes"] for r in b["readings"]}
    assert [f["peak_hours"] for f in doc["starter_feedings"]] == [6.5]
    other_rows = await csv_rows(database, OTHER)
    assert [r["bake_name"] for r in other_rows] == ["Secret loaf"]
    other = await json_doc(database, OTHER)
    assert [b["name"] for b in other["bakes"]] == ["Secret loaf"]
    assert [f["peak_hours"] for f in other["starter_feedings"]] == [4.25]
    nobody = await json_doc(database, 424242)
    assert nobody["bakes"] == [] and nobody["starter_feedings"] == []
    assert await csv_rows(database, 424242) == []


@SQLITE_ONLY
async def test_export_reads_a_snapshot_without_blocking_the_writer(database: Database) -> None:
    await seed(database)
    # an open write transaction (holding the writer lock) on a connection of its own
    writer = sqlite3.connect(database.path, isolation_level=None)
    writer.row_factory = sqlite3.Row
    try:
        writer.execute("BEGIN IMMEDIATE")
        SqliteRepository(writer).create_bake(BAKER, "Uncommitted", T0 + timedelta(days=3))
        doc = await asyncio.wait_for(json_doc(database.path), timeout=3)
        assert "Uncommitted" not in [b["name"] for b in doc["bakes"]]
        writer.execute("COMMIT")
    finally:
        writer.close()
    doc = await json_doc(database.path)
    assert "Uncommitted" in [b["name"] for b in doc["bakes"]]


async def test_write_export_uses_the_stored_timezone(database: Database, tmp_path: Path) -> None:
    await seed(database)
    out = io.BytesIO()
    written = await write_export(database, BAKER, "csv", out)
    assert written == len(out.getvalue())
    assert out.getvalue() == await collect(export_csv(database, BAKER, BERLIN))
    out = io.BytesIO()
    await write_export(database, BAKER, "json", out)
    assert json.loads(out.getvalue())["bakes"][0]["started_at"] == "2024-01-14T14:05:00+01:00"
    with pytest.raises(ExportError):
        await write_export(database, BAKER, "xml", io.BytesIO())
    with pytest.raises(ExportError):
        await write_export(tmp_path / "missing.sqlite3", BAKER, "csv", io.BytesIO())


# --------------------------------------------------------------------------- JSON


async def test_json_value_by_value(database: Database) -> None:
    await seed(database)
    doc = await json_doc(database)
    assert doc["format"] == EXPORT_FORMAT and doc["format_version"] == 2
    assert datetime.fromisoformat(doc["exported_at"]).utcoffset() is not None
    assert doc["since"] is None
    assert doc["user"] == {"timezone": "Europe/Berlin", "temp_unit": "C"}
    assert [b["name"] for b in doc["bakes"]] == ["Country loaf", B_NAME, "Summer bake"]

    a = doc["bakes"][0]
    assert a["uid"] == bake_uid(T0, "Country loaf")
    children = ("readings", "temperatures", "events", "reminders", "photos", "shares")
    assert {k: a[k] for k in a if k not in children} == {
        "uid": bake_uid(T0, "Country loaf"),
        "name": "Country loaf", "phase": "done",
        "started_at": "2024-01-14T14:05:00+01:00", "bulk_ended_at": "2024-01-14T19:05:00+01:00",
        "proof_ends_at": None, "finished_at": "2024-01-15T10:05:00+01:00",
        "flour_g": 1000.0, "water_g": 750.0, "starter_g": 200.0, "salt_g": 20.0, "dough_temp_c": 24.5,
        "folds_count": None, "fold_interval_min": None, "target_rise_pct": 75.0,
        "model_bulk_hours": None, "predicted_bulk_hours": 5.123456, "rating": 4, "notes": EVIL_NOTES,
        "flour_mix": None, "starter_factor": None, "starter": None, "recipe": None,
    }
    assert a["photos"] == [] and a["shares"] == []
    assert a["readings"] == [
        {"taken_at": "2024-01-14T15:35:00+01:00", "rise_pct": 10.0,
         "start_height": None, "current_height": None},
        {"taken_at": "2024-01-14T16:05:00+01:00", "rise_pct": 25.5,
         "start_height": 4.0, "current_height": 5.02},
    ]
    assert a["temperatures"] == [{"taken_at": "2024-01-14T15:05:00+01:00", "temp_c": 24.0}]
    assert a["events"] == [
        {"kind": "mix", "at": "2024-01-14T14:05:00+01:00", "detail": None},
        {"kind": "fold", "at": "2024-01-14T14:35:00+01:00", "detail": "first"},
    ]
    assert a["reminders"] == [
        {"kind": "fold", "due_at": "2024-01-14T14:35:00+01:00", "state": "sent", "label": "Fold 1",
         "seq": 1, "created_at": "2024-01-14T14:05:00+01:00", "sent_at": "2024-01-14T14:35:02+01:00",
         "attempts": 1},
        {"kind": "rise_check", "due_at": "2024-01-14T17:05:00+01:00", "state": "pending", "label": None,
         "seq": None, "created_at": "2024-01-14T14:05:00+01:00", "sent_at": None, "attempts": 0},
    ]
    b = doc["bakes"][1]
    assert b["readings"] == [] and b["temperatures"] == [] and b["reminders"] == []
    assert b["flour_g"] is None and b["phase"] == "bulk"
    assert doc["bakes"][2]["started_at"] == "2024-07-01T10:00:00+02:00"
    assert doc["starter_feedings"] == [{
        "fed_at": "2024-01-14T08:05:00+01:00", "starter_parts": 1.0, "flour_parts": 5.0,
        "water_parts": 5.0, "temp_c": 23.5, "peak_hours": 6.5, "peaked_at": None, "starter": None,
    }]
    assert doc["starters"] == [] and doc["recipes"] == []


async def test_milliseconds_survive(database: Database) -> None:
    def precise(q: SqliteRepository) -> None:
        q.upsert_user(BAKER, BAKER, "Ada", T0)
        q.create_bake(BAKER, "Precise", T0 + timedelta(milliseconds=123))

    await database.write(precise)
    doc = await json_doc(database)
    assert doc["bakes"][0]["started_at"] == "2024-01-14T14:05:00.123+01:00"
    # importing its own export back finds the bake already there
    summary = await import_export(database, BAKER, json.dumps(doc).encode())
    assert summary.bakes_added == 0 and summary.bakes_skipped == 1


# --------------------------------------------------------------------------- import


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """What must survive a round trip: everything but exported_at (there are no ids)."""
    return {k: v for k, v in doc.items() if k != "exported_at"}


async def test_round_trip_and_idempotent(database: Database, make_database: Any) -> None:
    await seed(database)
    data = await collect(export_json(database, BAKER, BERLIN))
    original = json.loads(data)

    target = await fresh(make_database, "new.sqlite3", 7)
    try:
        summary = await import_export(target, 7, data)
        assert summary == ImportSummary(bakes_added=3, bakes_skipped=0, readings_added=3,
                                        temperatures_added=1, events_added=4, reminders_added=2,
                                        feedings_added=1, feedings_skipped=0)
        again = json.loads(await collect(export_json(target, 7, BERLIN)))
        expected = copy.deepcopy(original)
        expected["user"] = {"timezone": None, "temp_unit": "C"}  # the importer's own settings stay
        expected["bakes"][0]["reminders"][1]["state"] = "cancelled"  # pending → history only
        assert comparable(again) == comparable(expected)
        before = await counts(target)
        pending = await target.read(
            lambda q: q.db.execute("SELECT COUNT(*) FROM reminders WHERE state = 'pending'").fetchone()[0]
        )
        assert pending == 0

        second = await import_export(target, 7, data)
        assert second == ImportSummary(bakes_added=0, bakes_skipped=3, feedings_skipped=1)
        assert await counts(target) == before
        # and the source database already has them all
        third = await import_export(database, BAKER, data)
        assert third.bakes_added == 0 and third.bakes_skipped == 3
    finally:
        await target.close()


async def test_duplicates_inside_one_file_are_skipped(database: Database, make_database: Any) -> None:
    await seed(database)
    doc = await json_doc(database)
    doc["bakes"].append(copy.deepcopy(doc["bakes"][0]))
    target = await fresh(make_database, "dup.sqlite3", 7)
    try:
        summary = await import_export(target, 7, json.dumps(doc).encode())
        assert (summary.bakes_added, summary.bakes_skipped) == (3, 1)
    finally:
        await target.close()


def mutate(doc: dict[str, Any], path: list[Any], value: Any) -> bytes:
    changed = copy.deepcopy(doc)
    node: Any = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return json.dumps(changed).encode()


BAD_FIELDS: list[tuple[list[Any], Any, str]] = [
    (["bakes", 0, "readings", 1, "rise_pct"], "abc",
     "bakes[0].readings[1].rise_pct must be a number between 0 and 300"),
    (["bakes", 2, "readings", 0, "rise_pct"], 301,
     "bakes[2].readings[0].rise_pct must be a number between 0 and 300"),
    (["bakes", 0, "dough_temp_c"], 80, "bakes[0].dough_temp_c must be a number between 5 and 45"),
    (["bakes", 0, "temperatures", 0, "temp_c"], 2, "bakes[0].temperatures[0].temp_c must be a number"),
    (["bakes", 0, "flour_g"], -1, "bakes[0].flour_g must be a number between 0 and 100000"),
    (["bakes", 0, "water_g"], True, "bakes[0].water_g must be a number"),
    (["bakes", 0, "rating"], 7, "bakes[0].rating must be a whole number between 1 and 5"),
    (["bakes", 0, "rating"], 2.5, "bakes[0].rating must be a whole number between 1 and 5"),
    (["bakes", 1, "name"], "", "bakes[1].name must not be empty"),
    (["bakes", 1, "name"], "x" * 81, "bakes[1].name is too long (81 characters; at most 80)"),
    (["bakes", 1, "name"], 5, "bakes[1].name must be text"),
    (["bakes", 0, "notes"], "n" * 1001, "bakes[0].notes is too long"),
    (["bakes", 0, "phase"], "baking", "bakes[0].phase must be one of bulk, cold_proof, proof, done"),
    (["bakes", 0, "started_at"], "2024-01-14T14:05:00", "bakes[0].started_at has no UTC offset"),
    (["bakes", 0, "started_at"], "yesterday", "bakes[0].started_at is not a date and time"),
    (["bakes", 0, "started_at"], None, "bakes[0].started_at is missing"),
    (["bakes", 0, "finished_at"], "2199-01-01T00:00:00+00:00",
     "bakes[0].finished_at is too far in the future"),
    (["bakes", 0, "events", 0, "at"], 12, "bakes[0].events[0].at must be a date and time"),
    (["bakes", 0, "reminders", 0, "state"], "later", "bakes[0].reminders[0].state must be one of"),
    (["bakes", 0, "readings"], {"a": 1}, "bakes[0].readings must be a list"),
    (["bakes", 0, "readings"], [{"taken_at": "2024-01-14T15:35:00+01:00", "rise_pct": 1}] * 1001,
     "bakes[0].readings has 1001 entries; at most 1,000"),
    (["bakes", 1], "a bake", "bakes[1] must be an object"),
    (["bakes"], None, "bakes is missing"),
    (["starter_feedings", 0, "peak_hours"], "6h", "starter_feedings[0].peak_hours must be a number"),
]


async def assert_rejected(store: Database, user_id: int, data: bytes, reason: str, **kwargs: Any) -> None:
    before = await counts(store)
    with pytest.raises(ImportRejected) as caught:
        await import_export(store, user_id, data, **kwargs)
    assert reason in caught.value.reason, caught.value.reason
    assert str(caught.value) == caught.value.reason
    assert await counts(store) == before


async def test_bad_fields_are_rejected_with_a_reason_and_nothing_written(
    database: Database, make_database: Any
) -> None:
    await seed(database)
    doc = await json_doc(database)
    target = await fresh(make_database, "bad.sqlite3", 7)
    try:
        assert (await counts(target))["bakes"] == 0
        for path, value, reason in BAD_FIELDS:
            await assert_rejected(target, 7, mutate(doc, path, value), reason)
        assert (await counts(target))["bakes"] == 0
    finally:
        await target.close()


async def test_bad_files_are_rejected(database: Database, make_database: Any) -> None:
    await seed(database)
    good = await collect(export_json(database, BAKER, BERLIN))
    doc = json.loads(good)
    target = await fresh(make_database, "bad.sqlite3", 7)
    try:
        cases: list[tuple[bytes, str]] = [
            (b"hello, not json", "not valid JSON (line 1, column 1"),
            (b'{"format": "sourdough-bot-export", ', "not valid JSON"),
            (b"", "not valid JSON"),
            (b"[1, 2, 3]", "the file holds a list"),
            (b'"just text"', "the file holds text"),
            (b'{"bakes": []}', '"format" must be "sourdough-bot-export"'),
            (b'{"format": "other-app", "format_version": 1, "bakes": []}', '"format" must be'),
            (mutate(doc, ["format_version"], 3), "format_version 3; this bot reads format_version 1 or 2"),
            (mutate(doc, ["format_version"], "1"), 'format_version "1"'),
            (mutate(doc, ["format_version"], None), "format_version null"),
            (good.replace(b'"rise_pct":10.0', b'"rise_pct":NaN'), "NaN is not allowed"),
            (good.replace(b"Country loaf", b"Country \xff loaf"), "not UTF-8 text (bad byte at position"),
            (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        ]
        for data, reason in cases:
            await assert_rejected(target, 7, data, reason)
        await assert_rejected(target, 7, good, "too large", max_bytes=len(good) - 1)
        await assert_rejected(target, 7, b" " * (5 * 1024 * 1024 + 1), "the limit is 5.0 MB")
        # an unknown user: nothing written either
        await assert_rejected(target, 99, good, "/start")
        assert await counts(target) == {k: 0 for k in await counts(target)}
        # the same file within the limit goes in
        summary = await import_export(target, 7, good, max_bytes=len(good))
        assert summary.bakes_added == 3
    finally:
        await target.close()


# --------------------------------------------------------------------------- translatable reasons


def fields_of(template: str) -> set[str]:
    """The {name} fields of a str.format template (every field must be a plain name)."""
    names = {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None}
    assert all(name.isidentifier() for name in names), template
    return names


def shout(message: str) -> str:
    """A stand-in translation: the words in capitals, the {placeholders} kept as they are (a plain
    str.upper would turn {field} into {FIELD}, which no translation may do)."""
    parts = re.split(r"(\{\w+\})", message)
    return "".join(part if i % 2 else part.upper() for i, part in enumerate(parts))


def marked_template(node: ast.expr) -> list[str]:
    """The template(s) of a message argument: N_("...") or `N_("...") if x else N_("...")`."""
    if isinstance(node, ast.IfExp):
        return marked_template(node.body) + marked_template(node.orelse)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_", (
        f"line {node.lineno}: a message must be N_(\"...\"), not {ast.unparse(node)}"
    )
    (argument,) = node.args
    assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), (
        f"line {node.lineno}: N_ takes a plain string (no f-string): {ast.unparse(argument)}"
    )
    return [argument.value]


def test_every_reason_in_the_code_is_a_marked_template_with_its_details() -> None:
    tree = ast.parse(Path(importer.__file__).read_text(encoding="utf-8"))
    calls = [
        (node.func.id, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("ImportRejected", "Phrase")
    ]
    assert sum(name == "ImportRejected" for name, _call in calls) >= 30
    for name, call in calls:
        templates = marked_template(call.args[0])
        if name == "ImportRejected":
            assert len(call.args) == 1, ast.unparse(call)
            names = {keyword.arg for keyword in call.keywords}
        else:  # Phrase(N_("..."), {"name": value, ...})
            details = call.args[1] if len(call.args) > 1 else ast.Dict(keys=[], values=[])
            assert isinstance(details, ast.Dict), ast.unparse(call)
            names = {key.value for key in details.keys if isinstance(key, ast.Constant)}
        for template in templates:
            assert fields_of(template) == names, f"line {call.lineno}: {template!r} gets {sorted(names)}"


def minimal_export(**bake: Any) -> bytes:
    doc = {
        "format": EXPORT_FORMAT,
        "format_version": 2,
        "bakes": [{"name": "Loaf", "started_at": "2024-01-14T14:05:00+01:00", "phase": "done", **bake}],
    }
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("data", "template", "shouted"),
    [
        (
            b"hello, not json",
            "The file is not valid JSON (line {line}, column {column}: {error}); "
            "send the .json file /export made.",
            "THE FILE IS NOT VALID JSON (LINE 1, COLUMN 1: Expecting value); "
            "SEND THE .JSON FILE /EXPORT MADE.",
        ),
        (
            b"[1, 2, 3]",
            "This is not a sourdough bot export: the file holds {kind}, not an object made by /export json.",
            "THIS IS NOT A SOURDOUGH BOT EXPORT: THE FILE HOLDS A LIST, NOT AN OBJECT MADE BY /EXPORT JSON.",
        ),
        (
            b'{"format": "other-app", "format_version": 1, "bakes": []}',
            'This is not a sourdough bot export: "format" must be "{format}".',
            'THIS IS NOT A SOURDOUGH BOT EXPORT: "FORMAT" MUST BE "sourdough-bot-export".',
        ),
        (
            b'{"format": "sourdough-bot-export", "format_version": 3, "bakes": []}',
            "This export has format_version {found}; this bot reads format_version {readable}.",
            "THIS EXPORT HAS FORMAT_VERSION 3; THIS BOT READS FORMAT_VERSION 1 OR 2.",
        ),
        (
            b'{"format": "sourdough-bot-export", "format_version": 2}',
            "{field} is missing",
            "bakes IS MISSING",
        ),
        (minimal_export(name=None), "{field} is missing", "bakes[0].name IS MISSING"),
        (
            minimal_export(name=5),
            "{field} must be text, not {kind}",
            "bakes[0].name MUST BE TEXT, NOT A NUMBER",
        ),
        (
            minimal_export(readings={"a": 1}),
            "{field} must be a list ([...]), not {kind}",
            "bakes[0].readings MUST BE A LIST ([...]), NOT AN OBJECT",
        ),
        (
            minimal_export(rating=True),
            "{field} must be a whole number between {low} and {high} (or null)",
            "bakes[0].rating MUST BE A WHOLE NUMBER BETWEEN 1 AND 5 (OR NULL)",
        ),
        (
            minimal_export(started_at="yesterday"),
            "{field} is not a date and time ({value}); expected ISO 8601 like {example}",
            "bakes[0].started_at IS NOT A DATE AND TIME ('yesterday'); "
            "EXPECTED ISO 8601 LIKE 2026-11-24T14:05:00+01:00",
        ),
        (
            minimal_export(temperatures=[{"taken_at": "2024-01-14T15:00:00+01:00", "temp_c": float("nan")}]),
            "The file is not valid JSON ({constant} is not allowed).",
            "THE FILE IS NOT VALID JSON (NaN IS NOT ALLOWED).",
        ),
        (
            b"\xff{}",
            "The file is not UTF-8 text (bad byte at position {position}); send the .json file /export made.",
            "THE FILE IS NOT UTF-8 TEXT (BAD BYTE AT POSITION 0); SEND THE .JSON FILE /EXPORT MADE.",
        ),
    ],
)
def test_a_reason_is_a_template_translated_where_it_is_shown(
    data: bytes, template: str, shouted: str
) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_export(data, now=T0)
    exc = caught.value
    assert exc.template == template
    assert fields_of(exc.template) == set(exc.details)
    # English as before: reason, str() and render with no translation agree
    assert exc.reason == str(exc) == exc.render(lambda s: s) == exc.template.format(
        **{name: str(value) for name, value in exc.details.items()}
    )
    # the translation reaches the template and every Phrase among the details, nothing else
    assert exc.render(shout) == shouted
    for value in exc.details.values():
        if isinstance(value, Phrase):
            assert fields_of(value.template) == set(value.details)
            assert value.render(shout) in shouted
        else:
            assert str(value) in shouted  # paths, numbers, the file's values: as they are


def test_a_reason_renders_with_a_real_catalog() -> None:
    catalog = {
        "{field} must be text, not {kind}": "{field} muss Text sein, nicht {kind}",
        "a number": "eine Zahl",
    }
    with pytest.raises(ImportRejected) as caught:
        parse_export(minimal_export(name=5), now=T0)
    assert caught.value.render(lambda s: catalog.get(s, s)) == "bakes[0].name muss Text sein, nicht eine Zahl"
    assert caught.value.reason == "bakes[0].name must be text, not a number"


async def test_utf8_bom_and_unicode_names(database: Database, make_database: Any) -> None:
    def unicode_bake(q: SqliteRepository) -> None:
        q.upsert_user(BAKER, BAKER, "Ada", T0)
        q.create_bake(BAKER, "Pain de campagne 🍞 – Müller", T0)

    await database.write(unicode_bake)
    data = b"\xef\xbb\xbf" + await collect(export_json(database, BAKER, BERLIN))
    target = await fresh(make_database, "bom.sqlite3", 7)
    try:
        assert (await import_export(target, 7, data)).bakes_added == 1
        doc = await json_doc(target, 7)
        assert doc["bakes"][0]["name"] == "Pain de campagne 🍞 – Müller"
    finally:
        await target.close()


# --------------------------------------------------------------------------- backup


@SQLITE_ONLY
async def test_backup_while_writing(database: Database, tmp_path: Path) -> None:
    await seed(database)
    def bulk(q: SqliteRepository) -> Bake:  # some bulk so the copy takes a moment
        bake = q.create_bake(BAKER, "Bulk", T0)
        q.db.executemany(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct) VALUES (?, ?, ?)",
            [(bake.id, f"2024-01-14T13:{i % 60:02d}:00.000+00:00", float(i % 300)) for i in range(20_000)],
        )
        return bake

    bake = await database.write(bulk)
    stop = asyncio.Event()
    written = 0

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            await database.write(lambda q: q.add_rise(BAKER, bake.id, T0, 1.0))
            written += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    target = tmp_path / "backups" / "nested" / "copy.sqlite3"
    try:
        await asyncio.sleep(0.01)
        before = written
        await backup_database(database.path, target)
        during = written - before
        await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
    assert during > 0, "the writer never ran while the backup was being made"
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3"]  # no temp file left
    copy_db = sqlite3.connect(target)
    try:
        assert copy_db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy_db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert copy_db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        names = {r[0] for r in copy_db.execute("SELECT name FROM bakes")}
        assert {"Country loaf", B_NAME, "Summer bake", "Secret loaf", "Bulk"} <= names
        (count,) = copy_db.execute(
            "SELECT COUNT(*) FROM rise_readings WHERE bake_id = ?", (bake.id,)
        ).fetchone()
        assert 20_000 <= count <= 20_000 + written
    finally:
        copy_db.close()
    # the copy is a usable database: export works on it
    assert [b["name"] for b in (await json_doc(target))["bakes"]][:3] == ["Country loaf", "Bulk", B_NAME]
    # a second backup replaces the first
    await backup_database(database.path, target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3"]


@SQLITE_ONLY
async def test_backup_refuses_the_live_file(database: Database, tmp_path: Path) -> None:
    await seed(database)
    link = tmp_path / "link.sqlite3"
    link.symlink_to(database.path)
    for target in (database.path, tmp_path / "." / "bot.sqlite3", link,
                   database.path.with_name(database.path.name + "-wal")):
        with pytest.raises(BackupError, match="onto itself"):
            await backup_database(database.path, target)
    check = await database.read(lambda q: tuple(q.db.execute("PRAGMA integrity_check").fetchone()))
    assert check == ("ok",)
    assert (await counts(database))["bakes"] == 4
    with pytest.raises(BackupError, match="no database"):
        await backup_database(tmp_path / "missing.sqlite3", tmp_path / "out.sqlite3")


async def test_long_history_streams_in_many_chunks(database: Database) -> None:
    """More bakes than one read chunk, and more bytes than one output chunk: nothing lost or mixed."""
    count = BAKE_CHUNK * 2 + 37
    def many(q: SqliteRepository) -> None:
        q.upsert_user(BAKER, BAKER, "Ada", T0)
        q.upsert_user(OTHER, OTHER, "Eve", T0)
        for owner in (BAKER, OTHER):  # interleaved ids: the other baker's bakes sit in between
            q.db.executemany(
                "INSERT INTO bakes (user_id, name, started_at) VALUES (?, ?, ?)",
                [(owner, f"{owner} loaf {i}", to_db(T0 + timedelta(hours=i))) for i in range(count)],
            )
        q.db.execute(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct) "
            "SELECT id, started_at, 10.0 FROM bakes UNION ALL SELECT id, started_at, 20.0 FROM bakes"
        )

    await database.write(many)
    chunks = [c async for c in export_csv(database, BAKER, BERLIN)]
    assert len(chunks) > 1
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert len(rows) == 2 * count
    assert [r["bake_name"] for r in rows[::2]] == [f"{BAKER} loaf {i}" for i in range(count)]
    assert [r["rise_pct"] for r in rows[:4]] == ["10", "20", "10", "20"]
    doc = await json_doc(database)
    assert [b["name"] for b in doc["bakes"]] == [f"{BAKER} loaf {i}" for i in range(count)]
    assert all(len(b["readings"]) == 2 for b in doc["bakes"])
