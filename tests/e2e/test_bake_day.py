"""Bake-day polish through the emulator: a short grouped /help, buttons that are used go away
(and the message says what was done), rise checks around what the model expects, the notes
shown when edited, one bake's export, /done and the card stating the same prediction, and
"Bake again" starting nothing before ▶️."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot import texts
from emulator.models import SentMessage
from tests.e2e.conftest import Baker, BotRunner
from tests.e2e.helpers import rows


async def open_card(baker: Baker, db: Path, name: str) -> SentMessage:
    """The card of the baker's newest bake called `name` (its button in /bakes, pressed directly)."""
    found = rows(db, "SELECT id FROM bakes WHERE name = ? AND user_id = ?", (name, baker.id))
    anchor = await baker.say("/help")
    await baker.press_raw(anchor.message_id, f"b:open:{found[-1]['id']}")
    return await baker.reply()


async def edited(baker: Baker, message: SentMessage) -> SentMessage:
    """The next edit of `message`."""
    return await baker.emulator.wait_for(
        baker.id, lambda m: m.message_id == message.message_id and m.edited > 0
    )


def now_of(baker: Baker, message: SentMessage) -> SentMessage:
    return baker.emulator.message(baker.id, message.message_id)


# ---------------------------------------------------------------- 1. /help


async def test_help_is_short_and_grouped_and_more_shows_every_command(ann) -> None:
    reply = await ann.say("/help")
    assert reply.button_texts == ["📖 More"]
    for heading in ("Bake day", "Reminders", "Starter & recipes", "Looking back", "Settings"):
        assert f"<b>{heading.replace('&', '&amp;')}</b>" in (reply.html or "")
    lines = [line for line in reply.text.splitlines() if line.startswith("/")]
    assert "/rise — Log the rise (%, or jar heights)" in lines
    assert "e.g." not in reply.text  # one line per command, no examples
    shown = {line.split(" — ")[0][1:] for line in lines}
    assert shown == set(texts.HELP_COMMON)
    assert "/deleteme" not in reply.text and "/scale" not in reply.text

    await ann.tap(reply, "More")
    full = await edited(ann, reply)
    for command, description, example in texts.COMMANDS:
        assert f"/{command} — {description}" in full.text
        assert f"e.g. {example}" in full.text
    assert full.buttons == []
    await ann.quiet()  # in place: no new message


def test_every_command_has_a_help_heading() -> None:
    grouped = [command for _heading, commands in texts.HELP_GROUPS for command in commands]
    assert sorted(grouped) == sorted(command for command, _d, _e in texts.COMMANDS)
    assert set(grouped) >= texts.HELP_COMMON


# ---------------------------------------------------------------- 2. answered buttons


async def test_new_bake_skips_and_typed_answers_take_the_buttons_away(ann, settings) -> None:
    await ann.say("/newbake")
    recipe_prompt = await ann.say("Skipped loaf")
    assert recipe_prompt.button_texts == ["Skip"]
    answer = await ann.tap(recipe_prompt, "Skip")
    assert not answer["text"]
    closed = await edited(ann, recipe_prompt)
    assert closed.text.startswith("Recipe amounts in grams") and closed.text.endswith("Skipped")
    assert closed.buttons == []
    temp_prompt = await ann.reply()
    assert "Dough temperature after mixing?" in temp_prompt.text and temp_prompt.button_texts == ["Skip"]
    started = await ann.say("24")  # typed: the Skip under the question goes
    assert "Started Skipped loaf" in started.text
    assert now_of(ann, temp_prompt).buttons == []

    await ann.say("/newbake")
    recipe_prompt = await ann.say("Typed loaf")
    temp_prompt = await ann.say("500 375 100 10")
    assert now_of(ann, recipe_prompt).buttons == []
    await ann.tap(temp_prompt, "Skip")
    assert (await edited(ann, temp_prompt)).text.endswith("Skipped")
    assert "Started Typed loaf" in (await ann.reply()).text
    names = [r["name"] for r in rows(settings.database_path, "SELECT name FROM bakes ORDER BY id")]
    assert names == ["Skipped loaf", "Typed loaf"]


async def test_rating_and_notes_buttons_say_what_was_done(ann, settings) -> None:
    await ann.say("/newbake Rated loaf")
    ask = await ann.say("/done")
    answer = await ann.tap(ask, "⭐⭐⭐⭐")
    assert not answer["text"]  # the messages say it
    rated = await edited(ann, ask)
    assert rated.text.startswith("🎉 Rated loaf is done!") and rated.text.endswith("Rated ⭐⭐⭐⭐")
    assert rated.buttons == []
    notes = await ann.reply()
    assert "Any notes for next time" in notes.text
    await ann.tap(notes, "Skip")
    assert (await edited(ann, notes)).text.endswith("Skipped")
    assert "Saved Rated loaf (⭐⭐⭐⭐)" in (await ann.reply()).text

    # Typed answers take the stars and the Skip away too.
    await ann.say("/newbake Typed rating")
    ask = await ann.say("/done")
    notes = await ann.say("3")
    assert now_of(ann, ask).buttons == []
    await ann.say("Open crumb")
    assert now_of(ann, notes).buttons == []
    bake = rows(settings.database_path, "SELECT rating, notes FROM bakes WHERE name = 'Typed rating'")[0]
    assert (bake["rating"], bake["notes"]) == (3, "Open crumb")


async def test_fold_and_rise_check_buttons_are_closed_once_used(ann, runner: BotRunner, settings) -> None:
    await ann.say("/newbake Reminded")
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    answer = await ann.tap(fold, "Done")
    assert answer["text"] == "Fold 1 done ✓"  # no message follows: the toast and the edit say it
    closed = await edited(ann, fold)
    assert closed.text.startswith("🤲 Time for stretch-and-fold 1 of 4 (Reminded).")
    assert closed.text.endswith("Fold 1 done ✓") and closed.buttons == []
    await ann.quiet()

    await ann.say("/folds off")
    await runner.advance(timedelta(hours=2))
    check = await ann.emulator.wait_for(ann.id, lambda m: not m.edited and "How far has" in m.text)
    answer = await ann.tap(check, "25 %")
    assert not answer["text"]  # the reply below says it; the toast doesn't repeat it
    closed = await edited(ann, check)
    assert closed.text.endswith("Logged 25 %") and closed.buttons == []
    assert "25 %" in (await ann.reply()).text

    await runner.advance(timedelta(hours=1))
    check = await ann.reply()
    await ann.tap(check, "Other…")
    await ann.reply()
    assert "42 %" in (await ann.say("42%")).text
    assert now_of(ann, check).buttons == []  # answered by typing
    readings = rows(settings.database_path, "SELECT rise_pct FROM rise_readings ORDER BY id")
    assert [r["rise_pct"] for r in readings] == [25, 42]


# ---------------------------------------------------------------- 3. rise checks around the model


async def test_rise_check_offers_values_around_what_the_model_expects(
    ann, runner: BotRunner, settings
) -> None:
    await ann.say("/newbake Modelled")
    await ann.say("/temp 26")
    await ann.say("/folds off")
    await runner.advance(timedelta(hours=1))
    await ann.say("/rise 20")  # a lively dough: the model follows its readings
    await runner.advance(timedelta(hours=1, minutes=30))  # the first rise check, at 2 h
    check = await ann.reply()
    found = re.search(r"The model expects about (\d+) % by now\.", check.text)
    assert found is not None, check.text
    expected = int(found[1])
    assert expected >= 20  # never below the latest reading
    values = [int(t.removesuffix(" %")) for t in check.button_texts[:4]]
    assert check.button_texts[4] == "Other…"
    assert values != [25, 50, 75, 100]
    assert values == sorted(set(values)) and all(v % 5 == 0 for v in values)
    assert values[1] <= expected <= values[2]  # the two either side of it
    assert values[0] < expected * 0.8 and values[3] > expected * 1.2  # and a wider step each way
    await ann.tap(check, f"{values[2]} %")
    assert f"{values[2]} %" in (await ann.reply()).text
    logged = rows(settings.database_path, "SELECT rise_pct FROM rise_readings ORDER BY id")
    assert [r["rise_pct"] for r in logged] == [20, values[2]]


# ---------------------------------------------------------------- 4. notes shown when edited


async def test_editing_notes_shows_the_current_rating_and_notes(ann, settings) -> None:
    await ann.say("/newbake Noted loaf")
    await ann.say("/done")
    await ann.say("4")
    await ann.say("Crumb <tight>, try 78 % water")
    card = await open_card(ann, settings.database_path, "Noted loaf")
    await ann.tap(card, "Notes/rating")
    prompt = await ann.reply()
    assert "Now: ⭐⭐⭐⭐. Skip keeps it." in prompt.text
    await ann.tap(prompt, "Skip")
    notes = await ann.reply()
    assert "Your notes now" in notes.text
    assert "<code>Crumb &lt;tight&gt;, try 78 % water</code>" in (notes.html or "")
    assert "Saved Noted loaf (⭐⭐⭐⭐)" in (await ann.say("Crumb open, 78 % water was right")).text
    bake = rows(settings.database_path, "SELECT rating, notes FROM bakes")[0]
    assert (bake["rating"], bake["notes"]) == (4, "Crumb open, 78 % water was right")


# ---------------------------------------------------------------- 5. one bake's export


async def test_card_export_is_that_one_bake_with_its_starter_and_recipe(
    ann, runner: BotRunner, emulator, settings
) -> None:
    await ann.say("/feed 1:2:2")  # "My starter"
    await ann.say("/starter new Rye")  # another starter, not used
    await ann.say("/newbake Other loaf")
    await ann.say("/recipe 500 375 100 10")
    card = await open_card(ann, settings.database_path, "Other loaf")
    await ann.tap(card, "Save recipe")
    await ann.reply()
    await ann.say("Weekday loaf")
    await ann.tap(card, "Save recipe")
    keep = await ann.reply()
    await ann.tap(keep, "Save as “Other loaf”")
    await ann.reply()
    listing = await ann.say("/recipes")
    await ann.tap(listing, "🥣 Weekday loaf")
    await ann.reply()
    await ann.say("/temp 24")
    await runner.advance(timedelta(hours=1))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 20")
    await emulator.send_photo(ann.id, b"\x89PNG\r\n\x1a\n" + b"\0" * 32, caption="crumb")
    assert "Added to" in (await ann.reply()).text

    card = await open_card(ann, settings.database_path, "Weekday loaf")
    await ann.tap(card, "Export")
    csv_doc, json_doc = await ann.reply(), await ann.reply()
    assert re.fullmatch(r"sourdough-Weekday-loaf-\d{4}-\d\d-\d\d\.csv", csv_doc.filename or "")
    assert "“Weekday loaf” as CSV" in csv_doc.text and "“Weekday loaf” as JSON" in json_doc.text
    table = list(csv.DictReader(io.StringIO(csv_doc.document.decode("utf-8-sig"))))  # type: ignore[union-attr]
    assert [(r["bake_name"], r["rise_pct"], r["starter"], r["recipe"]) for r in table] == [
        ("Weekday loaf", "20", "My starter", "Weekday loaf")
    ]

    document: dict[str, Any] = json.loads(json_doc.document)  # type: ignore[arg-type]
    (bake,) = document["bakes"]
    assert bake["name"] == "Weekday loaf" and bake["flour_g"] == 500
    assert [r["rise_pct"] for r in bake["readings"]] == [20]
    assert [t["temp_c"] for t in bake["temperatures"]] == [24]
    assert "mix" in {e["kind"] for e in bake["events"]}
    assert [p["caption"] for p in bake["photos"]] == ["crumb"]
    assert [s["name"] for s in document["starters"]] == ["My starter"] and bake["starter"] == 1
    assert [r["name"] for r in document["recipes"]] == ["Weekday loaf"] and bake["recipe"] == 1
    assert document["starter_feedings"] == []


# ---------------------------------------------------------------- 6. the same prediction


async def test_done_and_card_state_the_prediction_for_the_final_target(
    ann, runner: BotRunner, settings
) -> None:
    db = settings.database_path
    await ann.say("/newbake Retargeted")
    await ann.say("/temp 24")
    first = rows(db, "SELECT target_rise_pct FROM bakes")[0]["target_rise_pct"]
    assert first != 60
    await ann.say("/target 60")
    stored = rows(db, "SELECT predicted_bulk_hours FROM bakes")[0]["predicted_bulk_hours"]
    await runner.advance(timedelta(hours=4))
    ann.emulator.drain(ann.id)  # the folds and rise checks meanwhile
    await ann.say("/fridge 12h")
    ask = await ann.say("/done")
    await ann.tap(ask, "Skip")
    notes = await ann.reply()
    await ann.tap(notes, "Skip")
    finished = await ann.emulator.wait_for(ann.id, lambda m: not m.edited and "Saved Retargeted" in m.text)
    predicted = texts.fmt_hours(stored)
    first_pct = texts.fmt_pct(first)
    assert (
        f"Bulk took 4 h; I had predicted {predicted} (" in finished.text
        and f"for the final target of 60 %, changed from {first_pct} during bulk." in finished.text
    ), finished.text
    error = round(abs(stored - 4) / 4 * 100)
    assert f"({error} % too {'long' if stored > 4 else 'short'})" in finished.text

    card = await open_card(ann, settings.database_path, "Retargeted")
    assert f"Target rise 60 % (changed from {first_pct}); predicted bulk {predicted}" in card.text
    assert f"target {first_pct} → 60 %" in card.text  # on the time line


# ---------------------------------------------------------------- 7. bake again


async def test_bake_again_starts_nothing_before_start_is_tapped(ann, settings) -> None:
    db = settings.database_path
    await ann.say("/newbake Again loaf")
    await ann.say("/recipe 500 375 100 10")
    await ann.say("/done")
    await ann.say("/cancel")
    card = await open_card(ann, settings.database_path, "Again loaf")
    before = (len(rows(db, "SELECT id FROM bakes")), len(rows(db, "SELECT id FROM reminders")))
    await ann.tap(card, "Bake again")
    draft = await ann.reply()
    assert draft.button_texts[:3] == ["▶️ Start as is", "✏️ Change amounts", "⚖️ Scale"]
    assert "flour 500 g" in draft.text
    await ann.quiet()
    assert (len(rows(db, "SELECT id FROM bakes")), len(rows(db, "SELECT id FROM reminders"))) == before
    await ann.tap(draft, "Start as is")
    assert "Started Again loaf" in (await ann.reply()).text
    bakes = rows(db, "SELECT name, phase FROM bakes ORDER BY id")
    assert [(b["name"], b["phase"]) for b in bakes] == [("Again loaf", "done"), ("Again loaf", "bulk")]
