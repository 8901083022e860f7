"""Several starters end to end: made, renamed, archived; /feed asks which when there are several
and reads grams; "🫧 it peaked now" teaches a starter its pace; a bake records its starter and
the model uses that starter's vigour; another baker's starters are out of reach."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import texts
from schedules import calibration as calib
from schedules import fermentation as model
from tests.e2e.conftest import Baker, BotRunner
from tests.e2e.helpers import rows, snapshot


def everything(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    found = snapshot(db)
    for table in ("recipes", "starters", "bake_photos", "shares"):
        found[table] = [tuple(r) for r in rows(db, f"SELECT * FROM {table} ORDER BY 1")]
    return found


def starters(db: Any) -> dict[str, Any]:
    return {r["name"]: r for r in rows(db, "SELECT * FROM starters ORDER BY id")}


async def feed_which(baker: Baker, command: str, starter: str) -> Any:
    question = await baker.say(command)
    assert "Which starter did you feed" in question.text, question.text
    await baker.tap(question, starter)
    return await baker.emulator.wait_for(baker.id, lambda m: m.edited > 0 and "Fed" in m.text)


async def test_several_starters_each_with_its_own_log(ann, runner, settings) -> None:
    db = settings.database_path
    first = await ann.say("/feed 1:2:2")  # the first feeding makes "My starter"
    assert "Fed 1:2:2" in first.text
    assert list(starters(db)) == ["My starter"]
    made = await ann.say("/starter new Rye")
    assert "New starter “Rye”" in made.text
    assert "already have a starter called “Rye”" in (await ann.say("/starter new rye")).text

    fed = await feed_which(ann, "/feed 1:5:5 26C", "Rye")
    assert "Fed 1:5:5 (Rye) at 26 °C" in fed.text
    grams = await feed_which(ann, "/feed 20g starter 100g flour 100g water", "My starter")
    assert "Fed 20 g + 100 g + 100 g" in grams.text
    ids = {name: row["id"] for name, row in starters(db).items()}
    log = rows(
        db,
        "SELECT starter_id, starter_parts, flour_parts, water_parts, temp_c "
        "FROM starter_feedings ORDER BY id",
    )
    assert [tuple(r) for r in log] == [
        (ids["My starter"], 1, 2, 2, None),
        (ids["Rye"], 1, 5, 5, 26),
        (ids["My starter"], 20, 100, 100, None),
    ]

    overview = await ann.say("/starter")
    assert "My starter" in overview.text and "Rye" in overview.text and "1:5:5" in overview.text
    assert "🫧 Rye peaked now" in overview.button_texts
    # Rename from the button, then by command; archive by command.
    rename = [t for t in overview.button_texts if t == "✏️"]
    assert len(rename) == 2
    await ann.press_raw(overview.message_id, f"st:ren:{ids['Rye']}")
    assert "New name for “Rye”" in (await ann.reply()).text
    assert "Renamed to “Dark rye”" in (await ann.say("Dark rye")).text
    assert "Renamed to “Rye 2”" in (await ann.say("/starter rename dark rye to Rye 2")).text
    assert "Archived “My starter”" in (await ann.say("/starter archive my starter")).text
    assert "/starter new Rye" in (await ann.say("/starter polish")).text
    only = await ann.say("/feed 1:1:1")  # one active starter left: no question
    assert "Fed 1:1:1 (Rye 2)" in only.text
    assert [r["name"] for r in rows(db, "SELECT name FROM starters WHERE archived_at IS NULL")] == ["Rye 2"]
    assert "My starter" not in (await ann.say("/starter")).text


async def test_it_peaked_now_teaches_the_starter_its_pace(ann, bob, runner: BotRunner, settings) -> None:
    db = settings.database_path
    await ann.say("/feed 1:2:2")
    await ann.say("/starter new Rye")
    fed = await feed_which(ann, "/feed 1:5:5", "Rye")
    assert "Fed 1:5:5 (Rye)" in fed.text
    book = model.starter_peak_hours(1, 5, 5, temp_c=23.0)
    rye_feed = rows(db, "SELECT * FROM starter_feedings ORDER BY id DESC")[0]
    assert rye_feed["peak_hours"] == pytest.approx(book.peak_hours)
    await runner.advance(timedelta(hours=book.low_hours))
    reminder = await ann.emulator.wait_for(ann.id, lambda m: "near its peak" in m.text and "Rye" in m.text)
    assert "🫧 It peaked now" in reminder.button_texts
    answer = await ann.tap(reminder, "It peaked now")
    assert answer["text"] in (None, "")
    noted = await ann.emulator.wait_for(ann.id, lambda m: "Noted" in m.text)
    assert f"“Rye” peaked {book.low_hours:.0f} h after its feeding" in noted.text
    again = await ann.tap(reminder, "It peaked now")
    assert "Already noted" in again["text"]
    rye = starters(db)["Rye"]
    learned = calib.from_json(rye["calibration"])
    # What it learned is the dough's learning applied to this starter: one peak, 10 h vs 11 h.
    expected = calib.update_calibration(calib.Calibration(), book.peak_hours, book.low_hours)
    assert learned.speed_factor == pytest.approx(expected.speed_factor, rel=1e-4)
    assert learned.samples == 1 and learned.speed_factor < 1
    assert texts.starter_pace_phrase(learned.speed_factor) in noted.text
    assert rows(db, "SELECT peaked_at FROM starter_feedings WHERE id = ?", (rye_feed["id"],))[0]["peaked_at"]

    # The next Rye feeding is timed by its own pace; "My starter" still by the book.
    ann.emulator.drain(ann.id)
    again_fed = await feed_which(ann, "/feed 1:5:5", "Rye")
    assert "Fed 1:5:5 (Rye)" in again_fed.text
    latest = rows(db, "SELECT * FROM starter_feedings ORDER BY id DESC")[0]
    assert latest["peak_hours"] == pytest.approx(book.peak_hours * learned.speed_factor)

    # A bake records the starter fed last and runs at its pace: bulk predicted that much shorter.
    await ann.say("/newbake With rye")
    await ann.say("/temp 24")
    await bob.say("/newbake Book pace")
    await bob.say("/temp 24")
    ann_bake = rows(db, "SELECT * FROM bakes WHERE user_id = ?", (ann.id,))[0]
    bob_bake = rows(db, "SELECT * FROM bakes WHERE user_id = ?", (bob.id,))[0]
    assert ann_bake["starter_id"] == rye["id"] and bob_bake["starter_id"] is None
    factor = learned.speed_factor
    assert ann_bake["starter_factor"] == pytest.approx(factor, rel=0.01)
    assert ann_bake["predicted_bulk_hours"] == pytest.approx(
        bob_bake["predicted_bulk_hours"] * factor, rel=0.01
    )

    listing = await ann.say("/bakes")
    await ann.tap(listing, "With rye")
    assert "Starter: Rye" in (await ann.reply()).text

    # From /starter too, on the latest feeding of a starter.
    overview = await ann.say("/starter")
    await runner.advance(timedelta(hours=1))
    ann.emulator.drain(ann.id)
    await ann.tap(overview, "🫧 Rye peaked now")
    assert "peaked 1 h after its feeding" in (await ann.reply()).text  # too soon to learn from
    assert starters(db)["Rye"]["calibration"] == rye["calibration"]


async def test_another_bakers_starters_cannot_be_reached(ann, bob, runner, settings) -> None:
    db = settings.database_path
    await ann.say("/feed 1:2:2")
    await ann.say("/starter new Rye")
    ann_starter = starters(db)["Rye"]["id"]
    ann_feeding = rows(db, "SELECT id FROM starter_feedings")[0]["id"]
    own = await bob.say("/help")
    before = everything(db)
    for data in (
        f"fd:{ann_starter}:10:20:20:0:0",
        f"st:peak:{ann_starter}",
        f"st:ren:{ann_starter}",
        f"st:arc:{ann_starter}",
        f"pk:{ann_feeding}",
    ):
        answer = await bob.press_raw(own.message_id, data)
        assert "can't find that starter" in (answer["text"] or ""), data
    for data in ("fd:1:0:20:20:0:0", "st:boil:1", "pk:x"):
        answer = await bob.press_raw(own.message_id, data)
        assert "no longer valid" in (answer["text"] or ""), data
    assert "can't find that starter" in (await bob.say("/starter archive Rye")).text
    assert "can't find that starter" in (await bob.say("/starter rename Rye to Mine")).text
    assert "can't find that starter" in (await bob.say("/starter peaked Rye")).text
    assert "Rye" not in (await bob.say("/starter")).text
    await bob.quiet()
    assert everything(db) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/feed 20g starter 100g flour", "/feed 20g starter 100g flour 100g water"),
        ("/feed 0g starter 100g flour 100g water", "above zero"),
        ("/feed 20g starter 100g flour 100000g water", "up to 10000 g"),
        ("/feed 1:2:2 99C", "between"),
        ("/starter new " + "x" * 60, "up to 40 characters"),
    ],
)
async def test_bad_starter_input_changes_nothing(ann, settings, text: str, expected: str) -> None:
    await ann.say("/feed 1:2:2")
    before = everything(settings.database_path)
    assert expected in (await ann.say(text)).text
    assert everything(settings.database_path) == before
