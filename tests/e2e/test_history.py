"""History through the emulator: the card, charts, export and re-import, /deleteme."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import datetime, timedelta

import pytest

from storage.repository import SqliteRepository
from tests.e2e.conftest import Baker, BotRunner, make_settings
from tests.e2e.helpers import rows, snapshot


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


async def bake_with_readings(baker: Baker, runner: BotRunner, name: str = "Country loaf") -> None:
    await baker.say(f"/newbake {name}")
    await baker.say("/temp 24")
    for rise in (10, 25, 45):
        await runner.advance(timedelta(hours=1))
        baker.emulator.drain(baker.id)
        await baker.say(f"/rise {rise}")
    await baker.say("/fridge 12h")
    await baker.say("/done")
    await baker.say("/cancel")
    baker.emulator.drain(baker.id)


async def test_chart_is_a_phone_readable_png(ann, runner) -> None:
    await ann.say("/newbake Charted")
    await ann.say("/temp 25")
    await runner.advance(timedelta(hours=2))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 20")
    photo = await ann.say("/chart")
    assert photo.kind == "photo" and photo.photo is not None
    width, height = png_size(photo.photo)
    assert width >= 1000 and height >= 600
    assert "Charted: 1 rise reading" in photo.text


async def test_chart_without_readings_and_compare(ann, runner) -> None:
    await ann.say("/newbake Empty")
    photo = await ann.say("/chart")
    assert photo.kind == "photo" and "No rise readings yet" in photo.text
    assert "No bakes with rise readings" in (await ann.say("/chart compare")).text
    await ann.say("/abandon")
    ann.emulator.drain(ann.id)
    await bake_with_readings(ann, runner, "One")
    await bake_with_readings(ann, runner, "Two")
    compare = await ann.say("/chart compare")
    assert compare.kind == "photo" and "last 2 bakes with readings" in compare.text
    assert png_size(compare.photo)[0] >= 1000  # type: ignore[arg-type]
    assert "/chart compare" in (await ann.say("/chart sideways")).text


async def test_chart_with_500_readings(ann, runner) -> None:
    await ann.say("/newbake Busy jar")
    bake_id = rows(runner.settings.database_path, "SELECT id FROM bakes")[0]["id"]
    start = runner.clock.now()

    def readings(q: SqliteRepository) -> None:
        for i in range(500):
            q.add_rise(ann.id, bake_id, start + timedelta(minutes=i), i % 120)

    await runner.app.database.write(readings)  # type: ignore[union-attr]
    photo = await ann.say("/chart", timeout=15)
    assert photo.kind == "photo" and "500 rise readings" in photo.text


async def test_export_csv_and_json_match_what_was_logged(ann, runner, settings) -> None:
    await ann.say("/newbake Exported loaf")
    await ann.say("/temp 24")
    await runner.advance(timedelta(hours=1))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 4 5")
    await runner.advance(timedelta(minutes=30))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 40")
    ann.emulator.drain(ann.id)
    await ann.send("/export")
    csv_doc, json_doc = await ann.reply(), await ann.reply()
    assert csv_doc.filename and csv_doc.filename.endswith(".csv") and json_doc.filename.endswith(".json")

    table = list(csv.DictReader(io.StringIO(csv_doc.document.decode("utf-8-sig"))))  # type: ignore[union-attr]
    assert [(r["bake_name"], r["rise_pct"], r["start_height"], r["current_height"]) for r in table] == [
        ("Exported loaf", "25", "4", "5"),
        ("Exported loaf", "40", "", ""),
    ]
    # Berlin in winter; to the minute (the clock runs on in real time, seconds on a busy machine).
    assert table[0]["reading_at"].startswith("2026-11-24T11:00:")
    assert table[0]["reading_at"].endswith("+01:00")
    assert table[0]["hours_since_mix"] == "1" and table[1]["hours_since_mix"] == "1.5"

    document = json.loads(json_doc.document)  # type: ignore[arg-type]
    assert document["format_version"] == 2
    bake = document["bakes"][0]
    assert bake["name"] == "Exported loaf" and bake["dough_temp_c"] == 24
    assert [r["rise_pct"] for r in bake["readings"]] == [25, 40]
    assert bake["started_at"].startswith("2026-11-24T10:00:") and bake["started_at"].endswith("+01:00")
    assert {e["kind"] for e in bake["events"]} >= {"mix"}
    assert {r["kind"] for r in bake["reminders"]} >= {"fold", "rise_check"}


async def test_export_variants_and_bad_arguments(ann, runner) -> None:
    assert "No bakes yet" in (await ann.say("/export")).text
    await bake_with_readings(ann, runner)
    only_json = await ann.say("/export json")
    assert only_json.filename.endswith(".json")  # type: ignore[union-attr]
    await ann.quiet()
    recent = await ann.say("/export csv 30d")
    assert recent.filename.endswith(".csv")  # type: ignore[union-attr]
    for bad in ("/export pdf", "/export csv json", "/export 0d", "/export yesterday"):
        assert "/export csv" in (await ann.say(bad)).text


async def test_round_trip_export_import_into_a_fresh_database(ann, runner, emulator, tmp_path, clock) -> None:
    await bake_with_readings(ann, runner, "Round trip")
    await bake_with_readings(ann, runner, "Second")
    first = await ann.say("/export json")
    await runner.stop()

    fresh = BotRunner(emulator, make_settings(tmp_path / "fresh", emulator), clock)
    await fresh.start()
    try:
        await ann.say("/start")
        ann.emulator.drain(ann.id)
        assert "Send me a JSON export" in (await ann.say("/import")).text
        await emulator.send_document(ann.id, "history.json", first.document)  # type: ignore[arg-type]
        assert "Imported 2 bakes with 6 rise readings." in (await ann.reply()).text
        await emulator.send_document(ann.id, "history.json", first.document, caption="/import")  # type: ignore[arg-type]
        duplicate = await ann.reply()
        assert "Imported 0 bakes" in duplicate.text and "2 bakes were already here" in duplicate.text
        second = await ann.say("/export json")
    finally:
        await fresh.stop()

    def comparable(document: bytes) -> list[dict]:
        bakes = json.loads(document)["bakes"]
        for bake in bakes:
            for reminder in bake["reminders"]:
                reminder["state"] = "cancelled" if reminder["state"] == "pending" else reminder["state"]
        return bakes

    assert comparable(second.document) == comparable(first.document)  # type: ignore[arg-type]


BAD_FILES = [
    (b"not json at all", "not valid JSON"),
    (b"[1, 2, 3]", "not a sourdough bot export"),
    (
        json.dumps({"format": "sourdough-bot-export", "format_version": 3, "bakes": []}).encode(),
        "format_version",
    ),
    (
        json.dumps(
            {
                "format": "sourdough-bot-export",
                "format_version": 1,
                "bakes": [
                    {
                        "name": "x",
                        "started_at": "2026-11-01T10:00:00+01:00",
                        "phase": "done",
                        "readings": [{"taken_at": "2026-11-01T11:00:00+01:00", "rise_pct": "abc"}],
                    }
                ],
            }
        ).encode(),
        "rise_pct",
    ),
    (
        json.dumps(
            {
                "format": "sourdough-bot-export",
                "format_version": 1,
                "bakes": [
                    {"name": "x", "started_at": "2026-11-01T10:00:00+01:00", "phase": "done", "rating": 11}
                ],
            }
        ).encode(),
        "rating",
    ),
    (b"\xff\xfe\x00garbage", "UTF-8"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FILES)
async def test_import_rejects_bad_files_and_imports_nothing(
    ann, runner, settings, content: bytes, expected: str
) -> None:
    await bake_with_readings(ann, runner, "Existing")
    before = snapshot(settings.database_path)
    await ann.say("/import")
    await ann.emulator.send_document(ann.id, "bad.json", content)
    reply = await ann.reply()
    assert "can't import" in reply.text and expected.lower() in reply.text.lower()
    assert snapshot(settings.database_path) == before


async def test_import_rejects_a_huge_file_and_a_photo(ann, runner, settings) -> None:
    await ann.say("/start")
    ann.emulator.drain(ann.id)
    await ann.say("/import")
    await ann.emulator.send_document(ann.id, "huge.json", b" " * (settings.import_max_bytes + 10))
    assert "too large" in (await ann.reply()).text
    await ann.emulator.send_photo(ann.id, b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    assert "as a file" in (await ann.reply()).text
    assert rows(settings.database_path, "SELECT * FROM bakes") == []


async def test_card_buttons_edit_delete_and_bake_again(ann, runner, settings) -> None:
    await ann.say("/newbake Card loaf")
    await ann.say("/done")
    await ann.say("/cancel")
    reply = await ann.say("/bakes")
    await ann.tap(reply, "Card loaf")
    card = await ann.reply()
    assert card.button_texts == [
        "📈 Chart", "📤 Export", "✏️ Notes/rating", "🔁 Bake again", "📏 Readings", "🗑 Delete",
        "📷 Add photo", "🧾 Recipe", "💾 Save recipe", "🔗 Share",
    ]
    await ann.tap(card, "Notes/rating")
    rating = await ann.reply()
    await ann.tap(rating, "⭐⭐⭐")
    await ann.reply()
    assert "Saved Card loaf (⭐⭐⭐)" in (await ann.say("Better next time")).text
    assert rows(settings.database_path, "SELECT notes FROM bakes")[0]["notes"] == "Better next time"

    await ann.tap(card, "Bake again")
    draft = await ann.reply()  # the recipe, to adjust first (tests/e2e/test_recipes.py)
    await ann.tap(draft, "Start as is")
    again = await ann.reply()
    assert "Started Card loaf" in again.text
    assert len(rows(settings.database_path, "SELECT * FROM bakes WHERE name = 'Card loaf'")) == 2

    await ann.tap(card, "Export")
    assert (await ann.reply()).filename.endswith(".csv")  # type: ignore[union-attr]
    single = await ann.reply()
    assert len(json.loads(single.document)["bakes"]) == 1  # type: ignore[arg-type]

    await ann.tap(card, "Delete")
    confirm = await ann.reply()
    assert "Delete Card loaf" in confirm.text
    await ann.tap(confirm, "Yes, discard")
    await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0 and "Discarded" in m.text)
    assert len(rows(settings.database_path, "SELECT * FROM bakes")) == 1


async def test_deleteme_erases_everything_after_confirmation(ann, bob, runner, settings) -> None:
    await bake_with_readings(ann, runner)
    await bob.say("/newbake Bob's")
    reply = await ann.say("/deleteme")
    await ann.tap(reply, "Keep my data")
    assert "Kept everything" in (await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)).text
    assert (
        rows(settings.database_path, "SELECT COUNT(*) AS n FROM bakes WHERE user_id = ?", (ann.id,))[0]["n"]
        == 1
    )
    reply = await ann.say("/deleteme")
    await ann.tap(reply, "Yes, erase")
    erased = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0 and "Erased" in m.text)
    assert "1 bake, 3 rise readings" in erased.text
    assert rows(settings.database_path, "SELECT * FROM bakes WHERE user_id = ?", (ann.id,)) == []
    assert rows(settings.database_path, "SELECT * FROM users WHERE id = ?", (ann.id,)) == []
    assert len(rows(settings.database_path, "SELECT * FROM bakes WHERE user_id = ?", (bob.id,))) == 1


async def test_second_user_gets_nothing_through_history_features(ann, bob, runner, settings) -> None:
    await bake_with_readings(ann, runner, "Ann only")
    ann_bake = rows(settings.database_path, "SELECT id FROM bakes")[0]["id"]
    for command in ("/export", "/chart", "/chart compare", "/bakes Ann"):
        await bob.send(command)
        reply = await bob.reply()
        assert "Ann only" not in reply.text
        assert reply.document is None or b"Ann only" not in reply.document
    own = await bob.say("/help")
    for action in ("chart", "export", "edit", "again", "delete"):
        answer = await bob.press_raw(own.message_id, f"b:{action}:{ann_bake}")
        assert "can't find" in answer["text"]
    await bob.quiet()
    # Bob's import of Ann's export lands in Bob's history, never in Ann's.
    ann_export = await ann.say("/export json")
    await bob.say("/import")
    await bob.emulator.send_document(bob.id, "a.json", ann_export.document)  # type: ignore[arg-type]
    assert "Imported 1" in (await bob.reply()).text
    assert len(rows(settings.database_path, "SELECT * FROM bakes WHERE user_id = ?", (ann.id,))) == 1


async def test_export_is_dated_by_the_bots_clock_on_the_bakers_calendar(ann, runner) -> None:
    """The bot's clock (here days away from the machine's) dates both files and their names."""
    await ann.say("/newbake Midnight loaf")
    await ann.say("/done")
    await ann.say("/cancel")
    # 23:30 UTC on the bot's clock is already 00:30 the next day in Berlin, the baker's zone.
    await runner.advance(timedelta(hours=14, minutes=30))
    assert runner.clock.now().strftime("%Y-%m-%d %H:%M") == "2026-11-24 23:30"
    ann.emulator.drain(ann.id)
    await ann.send("/export")
    documents = []
    while len(documents) < 2:
        sent = await ann.reply()
        if sent.kind == "document":  # a reminder that fell due meanwhile is no export
            documents.append(sent)
    csv_doc, json_doc = documents
    assert csv_doc.filename == "sourdough-export-2026-11-25.csv"
    assert json_doc.filename == "sourdough-export-2026-11-25.json"
    header = json.loads(json_doc.document)  # type: ignore[arg-type]
    exported_at = datetime.fromisoformat(header["exported_at"])
    assert header["exported_at"].startswith("2026-11-25T00:3")
    assert exported_at.utcoffset() == timedelta(hours=1)
    assert abs(exported_at - runner.clock.now()) < timedelta(minutes=1)
    table = list(csv.DictReader(io.StringIO(csv_doc.document.decode("utf-8-sig"))))  # type: ignore[union-attr]
    assert [row["bake_name"] for row in table] == ["Midnight loaf"]
