"""Sharing a bake end to end: the card's link opens the recipe, target rise and schedule for another
baker (readings, notes and photos only when ticked), who saves or starts it; links are revoked;
unknown and revoked codes get a friendly reply; forged buttons reach nothing."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import Baker, BotRunner
from tests.e2e.helpers import rows, snapshot
from tests.e2e.test_photos import send_photo

LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{16})")


def everything(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    found = snapshot(db)
    for table in ("recipes", "starters", "bake_photos", "shares"):
        found[table] = [tuple(r) for r in rows(db, f"SELECT * FROM {table} ORDER BY 1")]
    return found


async def finished_bake(ann: Baker) -> None:
    await ann.say("/newbake Country loaf")
    await ann.say("/recipe 500 375 100 10 mix: 80% bread flour, 20% rye")
    await ann.say("/target 70")
    await ann.say("/rise 25")  # a rise the dough can have made right after mixing
    await send_photo(ann, "crumb")
    await ann.reply()
    await ann.say("/fridge 12h")
    rating = await ann.say("/done")
    await ann.tap(rating, "⭐⭐⭐⭐")
    await ann.reply()
    await ann.say("Secret notes: more rye next time")


async def share_card(ann: Baker) -> tuple[Any, str]:
    listing = await ann.say("/bakes")
    await ann.tap(listing, "Country loaf")
    card = await ann.reply()
    await ann.tap(card, "Share")
    shared = await ann.reply()
    match = LINK.search(shared.text)
    assert match is not None, shared.text
    return shared, match[2]


async def test_a_shared_bake_opens_as_a_template_to_save_or_start(
    ann, bob, runner: BotRunner, settings
) -> None:
    db = settings.database_path
    await finished_bake(ann)
    shared, code = await share_card(ann)
    assert runner.app is not None
    assert LINK.search(shared.text)[1] == (await runner.app.bot.me()).username  # type: ignore[index]
    assert shared.button_texts == ["☐ Notes and rating", "☐ Rise readings", "☐ Photos", "🚫 Revoke the link"]
    # One live link per bake: sharing again gives the same one.
    assert (await share_card(ann))[1] == code
    assert len(rows(db, "SELECT * FROM shares")) == 1

    opened = await bob.say(f"/start {code}")
    assert "Country loaf, shared by Ann" in opened.text
    assert "Recipe: flour 500 g, water 375 g, starter 100 g, salt 10 g" in opened.text
    assert "Flour: 80% bread flour, 20% rye" in opened.text and "Target rise 70 %" in opened.text
    assert "Stretch-and-folds: 4 × every 30 min" in opened.text
    for private in ("Secret notes", "⭐", "25 %", "Rise:"):
        assert private not in opened.text
    assert opened.button_texts == ["💾 Save as my recipe", "🥣 Start a bake from it"]
    await bob.quiet()  # no photos unless ticked

    await bob.tap(opened, "Save as my recipe")
    assert "Saved “Country loaf” to your recipes" in (await bob.reply()).text
    answers = [await bob.tap(opened, "Start a bake from it"), await bob.tap(opened, "Start a bake from it")]
    assert "Started Country loaf" in (await bob.reply()).text
    assert "had already started" in answers[1]["text"]
    bob_bakes = rows(db, "SELECT * FROM bakes WHERE user_id = ?", (bob.id,))
    assert len(bob_bakes) == 1
    bake = bob_bakes[0]
    assert (bake["flour_g"], bake["water_g"], bake["starter_g"], bake["salt_g"]) == (500, 375, 100, 10)
    assert (bake["target_rise_pct"], bake["target_manual"], bake["notes"], bake["rating"]) == (
        70,
        1,
        None,
        None,
    )
    recipe = rows(db, "SELECT * FROM recipes WHERE user_id = ?", (bob.id,))[0]
    assert (recipe["name"], recipe["flour_mix"], recipe["target_rise_pct"]) == (
        "Country loaf",
        "80% bread flour, 20% rye",
        70,
    )
    assert rows(db, "SELECT COUNT(*) AS n FROM bake_photos WHERE user_id = ?", (bob.id,))[0]["n"] == 0

    # The owner ticks notes, readings and photos: the link shows them too.
    for option in ("Notes and rating", "Rise readings", "Photos"):
        await ann.tap(shared, option)
        shared = await ann.emulator.wait_for(
            ann.id, lambda m, o=option: m.edited > 0 and f"☑ {o}" in m.button_texts
        )
    opened = await bob.say(f"/start {code}")
    assert (
        "Secret notes: more rye next time" in opened.text
        and "⭐⭐⭐⭐" in opened.text
        and "25 %" in opened.text
    )
    photo = await bob.reply()
    assert (
        photo.kind == "photo" and photo.file_id == rows(db, "SELECT file_id FROM bake_photos")[0]["file_id"]
    )


async def test_revoked_and_unknown_links_get_a_friendly_reply(ann, bob, runner, settings) -> None:
    db = settings.database_path
    await finished_bake(ann)
    shared, code = await share_card(ann)
    opened = await bob.say(f"/start {code}")
    await ann.tap(shared, "Revoke the link")
    revoked = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0 and "Revoked" in m.text)
    assert "Revoked" in revoked.text and revoked.button_texts == []
    again = await ann.press_raw(shared.message_id, shared.buttons[3][0][1] or "")
    assert "revoked already" in again["text"]

    before = everything(db)
    assert "revoked by the baker who shared it" in (await bob.say(f"/start {code}")).text
    answer = await bob.tap(opened, "Start a bake from it")
    assert "revoked by the baker who shared it" in answer["text"]
    answer = await bob.tap(opened, "Save as my recipe")
    assert "revoked by the baker who shared it" in answer["text"]
    assert "I don't know that link" in (await bob.say("/start AAAAAAAAAAAAAAAA")).text
    assert "Hi Bob" in (await bob.say("/start group")).text
    assert "Hi Bob" in (await bob.say("/start not-a-code")).text
    await bob.quiet()
    assert everything(db) == before

    # A new link after a revoke is a new code; codes are unguessable tokens.
    _, fresh = await share_card(ann)
    assert fresh != code and re.fullmatch(r"[A-Za-z0-9_-]{16}", fresh)
    assert "Country loaf, shared by Ann" in (await bob.say(f"/start {fresh}")).text


async def test_another_bakers_share_buttons_reach_nothing(ann, bob, runner, settings) -> None:
    db = settings.database_path
    await finished_bake(ann)
    _, code = await share_card(ann)
    ann_share = rows(db, "SELECT id FROM shares")[0]["id"]
    ann_bake = rows(db, "SELECT id FROM bakes")[0]["id"]
    own = await bob.say("/help")
    before = everything(db)
    for data in (
        f"sh:notes:{ann_share}",
        f"sh:readings:{ann_share}",
        f"sh:photos:{ann_share}",
        f"sh:revoke:{ann_share}",
    ):
        answer = await bob.press_raw(own.message_id, data)
        assert "I don't know that link" in (answer["text"] or ""), data
    answer = await bob.press_raw(own.message_id, f"bx:share:{ann_bake}")
    assert "can't find" in answer["text"]
    for data in ("so:go:short", "so:save:" + "A" * 17, f"so:go:{code}!", "sh:wipe:1"):
        answer = await bob.press_raw(own.message_id, data)
        assert "no longer valid" in (answer["text"] or ""), data
    answer = await bob.press_raw(own.message_id, "so:go:BBBBBBBBBBBBBBBB")
    assert "I don't know that link" in answer["text"]
    await bob.quiet()
    assert everything(db) == before
    # Deleting the bake takes its link along.
    listing = await ann.say("/bakes")
    await ann.tap(listing, "Country loaf")
    card = await ann.reply()
    await ann.tap(card, "Delete")
    confirm = await ann.reply()
    await ann.tap(confirm, "Yes, discard")
    await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0 and "Discarded" in m.text)
    assert rows(db, "SELECT * FROM shares") == []
    assert "I don't know that link" in (await bob.say(f"/start {code}")).text
