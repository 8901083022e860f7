"""Recipes end to end: a bake's recipe edited after it started, saved as a named recipe, /recipes
starting a bake in one tap, "Bake again" opening the recipe to adjust, /scale, the levain build,
and forged payloads of another baker's bakes and recipes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Baker, BotRunner
from tests.e2e.helpers import rows, snapshot

COUNTRY = "500 375 100 10"  # flour, water, starter, salt: 985 g of dough


def everything(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    found = snapshot(db)
    for table in ("recipes", "starters", "bake_photos", "shares"):
        found[table] = [tuple(r) for r in rows(db, f"SELECT * FROM {table} ORDER BY 1")]
    return found


async def country_loaf(ann: Baker) -> None:
    await ann.say("/newbake Country loaf")
    reply = await ann.say(f"/recipe {COUNTRY} mix: 80% bread flour, 20% rye")
    assert "Recipe: flour 500 g, water 375 g, starter 100 g, salt 10 g" in reply.text
    assert "Flour: 80% bread flour, 20% rye" in reply.text


async def open_card(baker: Baker, name: str) -> Any:
    listing = await baker.say("/bakes")
    await baker.tap(listing, name)
    return await baker.reply()


async def test_recipe_of_the_current_bake_and_of_any_bake_after_it_started(ann, runner, settings) -> None:
    db = settings.database_path
    await country_loaf(ann)
    bake = rows(db, "SELECT * FROM bakes")[0]
    assert (bake["flour_g"], bake["water_g"], bake["starter_g"], bake["salt_g"]) == (500, 375, 100, 10)
    assert bake["flour_mix"] == "80% bread flour, 20% rye"
    status = await ann.say("/status")
    assert "inoculation 20 %" in status.text

    # A finished bake written down later, from its card, with percentages of the flour.
    await ann.say("/newbake Rye day")
    await ann.say("/done")
    await ann.say("/cancel")
    card = await open_card(ann, "Rye day")
    assert "🧾 Recipe" in card.button_texts
    await ann.tap(card, "🧾 Recipe")
    assert "Send the recipe of Rye day" in (await ann.reply()).text
    bad = await ann.say("lots of rye")
    assert "500 375 100 10" in bad.text
    done = await ann.say("flour 400 water 80% starter 25% salt 2% mix: 100% whole rye")
    assert "flour 400 g, water 320 g, starter 100 g, salt 8 g" in done.text
    rye = rows(db, "SELECT * FROM bakes WHERE name = 'Rye day'")[0]
    assert (rye["flour_g"], rye["water_g"], rye["starter_g"], rye["salt_g"]) == (400, 320, 100, 8)
    assert rye["flour_mix"] == "100% whole rye" and rye["phase"] == "done"
    card = await open_card(ann, "Rye day")
    assert "Flour: 100% whole rye" in card.text


async def test_save_a_bakes_recipe_and_start_from_recipes_in_one_tap(ann, runner, settings) -> None:
    db = settings.database_path
    await country_loaf(ann)
    card = await open_card(ann, "Country loaf")
    await ann.tap(card, "Save recipe")
    ask = await ann.reply()
    assert "Name for this recipe?" in ask.text
    saved = await ann.say("Weekday loaf")
    assert "Saved the recipe “Weekday loaf”" in saved.text
    # The same bake saved again under its own name: a second recipe.
    await ann.tap(card, "Save recipe")
    keep = await ann.reply()
    await ann.tap(keep, "Save as “Country loaf”")
    assert "Saved the recipe “Country loaf”" in (await ann.reply()).text
    recipes = rows(db, "SELECT * FROM recipes ORDER BY name")
    assert [r["name"] for r in recipes] == ["Country loaf", "Weekday loaf"]
    assert recipes[1]["flour_mix"] == "80% bread flour, 20% rye" and recipes[1]["starter_g"] == 100

    listing = await ann.say("/recipes")
    assert "Weekday loaf" in listing.text and "985 g of dough" in listing.text
    answers = [await ann.tap(listing, "🥣 Weekday loaf"), await ann.tap(listing, "🥣 Weekday loaf")]
    started = await ann.reply()
    assert "Started Weekday loaf" in started.text
    assert "had already started “Weekday loaf”" in answers[1]["text"]
    await ann.quiet()
    bakes = rows(db, "SELECT * FROM bakes WHERE name = 'Weekday loaf'")
    assert len(bakes) == 1
    assert (bakes[0]["flour_g"], bakes[0]["starter_g"], bakes[0]["recipe_id"]) == (500, 100, recipes[1]["id"])
    assert bakes[0]["flour_mix"] == "80% bread flour, 20% rye"

    # 📖 opens it to adjust first; 🗑 deletes it.
    await ann.tap(listing, "📖")  # the first row: Country loaf
    opened = await ann.reply()
    assert "Country loaf" in opened.text and "▶️ Start as is" in opened.button_texts
    await ann.tap(opened, "Delete recipe")
    assert "Deleted the recipe “Country loaf”" in (await ann.reply()).text
    assert [r["name"] for r in rows(db, "SELECT name FROM recipes")] == ["Weekday loaf"]


async def test_bake_again_opens_the_recipe_to_adjust_before_starting(ann, runner, settings) -> None:
    db = settings.database_path
    await country_loaf(ann)
    await ann.say("/done")
    await ann.say("/cancel")
    card = await open_card(ann, "Country loaf")
    await ann.tap(card, "Bake again")
    draft = await ann.reply()
    assert "Country loaf — start as is, or adjust it first" in draft.text
    assert draft.button_texts == ["▶️ Start as is", "✏️ Change amounts", "⚖️ Scale"]
    assert len(rows(db, "SELECT id FROM bakes")) == 1  # nothing started yet

    await ann.tap(draft, "Change amounts")
    assert "New amounts for Country loaf" in (await ann.reply()).text
    adjusted = await ann.say("1000 700 150 20")
    assert "flour 1000 g, water 700 g, starter 150 g, salt 20 g" in adjusted.text
    await ann.tap(adjusted, "Start with these")
    assert "Started Country loaf" in (await ann.reply()).text
    newest = rows(db, "SELECT * FROM bakes ORDER BY id DESC")[0]
    assert (newest["flour_g"], newest["water_g"], newest["starter_g"], newest["salt_g"]) == (
        1000,
        700,
        150,
        20,
    )
    assert newest["flour_mix"] == "80% bread flour, 20% rye"

    await ann.tap(draft, "Scale")
    assert "Scale Country loaf how?" in (await ann.reply()).text
    assert "factor from 0.05 to 20" in (await ann.say("0")).text
    scaled = await ann.say("3x900g")
    assert "2699 g of dough" in scaled.text and "flour 1370 g, water 1028 g" in scaled.text
    await ann.tap(scaled, "Save as a recipe")
    assert "Saved the recipe “Country loaf”" in (await ann.reply()).text
    assert rows(db, "SELECT flour_g FROM recipes")[0]["flour_g"] == 1370

    await ann.tap(draft, "Start as is")
    assert "Started Country loaf" in (await ann.reply()).text
    assert [r["flour_g"] for r in rows(db, "SELECT flour_g FROM bakes ORDER BY id")] == [500, 1000, 500]


async def test_scale_keeps_the_bakers_percentages(ann, runner, settings) -> None:
    await country_loaf(ann)
    card = await open_card(ann, "Country loaf")
    await ann.tap(card, "Save recipe")
    await ann.reply()
    await ann.say("Big batch")
    double = await ann.say("/scale 2")
    assert "× 2: 1970 g of dough" in double.text
    assert "flour 1000 g, water 750 g, starter 200 g, salt 20 g" in double.text
    assert "hydration 75 %" in double.text and "inoculation 20 %" in double.text
    weight = await ann.say("/scale 1800g")
    assert "flour 915 g, water 686 g, starter 183 g, salt 18 g" in weight.text
    loaves = await ann.say("/scale 3x900g")
    assert "flour 1370 g, water 1028 g, starter 274 g, salt 27 g" in loaves.text
    # Scaling shows; it starts nothing and changes no bake until a button says so.
    await ann.tap(double, "Start with these")
    assert "Started Country loaf" in (await ann.reply()).text
    flours = [r["flour_g"] for r in rows(settings.database_path, "SELECT flour_g FROM bakes ORDER BY id")]
    assert flours == [500, 1000]

    # A saved recipe by name.
    half = await ann.say("/scale 0.5 big batch")
    assert "Big batch" in half.text and "flour 250 g" in half.text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "/scale 2"),
        ("0", "factor from 0.05 to 20"),
        ("-2", "factor from 0.05 to 20"),
        ("abc", "/scale 1800g"),
        ("2xl", "/scale 3x900g"),
        ("100x900g", "up to 50 loaves"),
        ("999kg", "a dough from 50 g to 100 kg"),
        ("0.001", "factor from 0.05 to 20"),
        ("1e9", "/scale 2"),
        ("2 No such recipe", "can't find that recipe"),
    ],
)
async def test_bad_scale_input_gets_an_example_and_changes_nothing(
    ann, settings, args: str, expected: str
) -> None:
    await country_loaf(ann)
    before = everything(settings.database_path)
    reply = await ann.say(f"/scale {args}".strip())
    assert expected in reply.text
    assert everything(settings.database_path) == before


async def test_scale_without_amounts_says_how_to_add_them(ann, bob, runner, settings) -> None:
    await ann.say("/newbake Plain")
    assert "/recipe 500 375 100 10" in (await ann.say("/scale 2")).text
    assert "You have no bake going" in (await bob.say("/scale 2")).text


async def test_levain_is_built_to_peak_at_the_mixing_time_with_a_reminder(
    ann, runner: BotRunner, settings
) -> None:
    db = settings.database_path
    await country_loaf(ann)  # 100 g of starter; it is 10:00 in Berlin
    soon = await ann.say("/levain 12:00")
    assert "Not enough time" in soon.text
    assert rows(db, "SELECT * FROM reminders WHERE kind = 'timer'") == []

    plan = await ann.say("/levain 20:00")
    assert "so 100 g for Country loaf is at its peak at 20:00" in plan.text
    assert "1:4:4" in plan.text and "14 g</b> starter + <b>56 g</b> flour + <b>56 g</b> water" in plan.html
    timer = rows(db, "SELECT * FROM reminders WHERE kind = 'timer'")
    assert len(timer) == 1 and timer[0]["label"] == "levain:14:56:56"
    assert "Cancel the reminder" in plan.button_texts[0]

    explicit = await ann.say("/levain 50g 7:30")
    assert "so 50 g is at its peak tomorrow at 07:30" in explicit.text

    due = rows(db, "SELECT due_at FROM reminders WHERE kind = 'timer' ORDER BY due_at")[0]["due_at"]
    assert due.startswith("2026-11-24T09:0")  # 20:00 Berlin - 9.98 h ≈ 10:01 Berlin (09:01 UTC)
    await runner.advance(timedelta(minutes=5))
    reminder = await ann.emulator.wait_for(ann.id, lambda m: "feed the levain" in m.text)
    assert "14 g starter + 56 g flour + 56 g water" in reminder.text

    assert "/levain 12:00" in (await ann.say("/levain noon")).text
    assert "between 5 g and 20 kg" in (await ann.say("/levain 1g 12:00")).text


async def test_another_bakers_bakes_and_recipes_cannot_be_reached(ann, bob, runner, settings) -> None:
    db = settings.database_path
    await country_loaf(ann)
    card = await open_card(ann, "Country loaf")
    await ann.tap(card, "Save recipe")
    await ann.reply()
    await ann.say("Secret loaf")
    ann_bake = rows(db, "SELECT id FROM bakes")[0]["id"]
    ann_recipe = rows(db, "SELECT id FROM recipes")[0]["id"]
    own = await bob.say("/help")
    before = everything(db)
    for data in (
        f"b:again:{ann_bake}",
        f"dr:go:b:{ann_bake}:5000:0:0:0",
        f"dr:sv:b:{ann_bake}:5000:0:0:0",
        f"dr:amt:b:{ann_bake}:5000:0:0:0",
        f"dr:go:r:{ann_recipe}:5000:0:0:0",
        f"dr:sc:r:{ann_recipe}:5000:0:0:0",
        f"bx:recipe:{ann_bake}",
        f"bx:save:{ann_bake}",
        f"bx:saveas:{ann_bake}",
    ):
        answer = await bob.press_raw(own.message_id, data)
        assert "can't find" in (answer["text"] or ""), data
    for data in (f"rc:go:{ann_recipe}", f"rc:open:{ann_recipe}", f"rc:del:{ann_recipe}"):
        answer = await bob.press_raw(own.message_id, data)
        assert "can't find that recipe" in (answer["text"] or ""), data
    for data in (
        "dr:go:b:0:5000:0:0:0",
        "dr:go:x:1:5000:0:0:0",
        f"dr:go:b:{ann_bake}:99999999:0:0:0",
        "rc:go:-1",
    ):
        answer = await bob.press_raw(own.message_id, data)
        assert "no longer valid" in (answer["text"] or ""), data
    assert "can't find that recipe" in (await bob.say("/scale 2 Secret loaf")).text
    assert "Secret loaf" not in (await bob.say("/recipes")).text
    assert "You have no bake going" in (await bob.say("/recipe 500 300")).text
    await bob.quiet()
    assert everything(db) == before
