"""The core bake conversation, driven through the real Dispatcher and the Bot API emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from tests.e2e.helpers import rows, snapshot


async def test_first_start_offers_setup_with_buttons_and_typed_timezone(ann, settings) -> None:
    reply = await ann.say("/start")
    assert "Your timezone?" in reply.text
    assert "🇩🇪 Berlin" in reply.button_texts and "Skip" in reply.button_texts
    reply = await ann.say("-5:30")
    assert "Timezone set to UTC-05:30" in reply.text and reply.button_texts == ["°C", "°F"]
    answer = await ann.tap(reply, "°F")
    assert not answer.get("text")  # no toast repeating what the message says
    edited = await ann.emulator.wait_for(ann.id, lambda m: m.edited and "°F" in m.text)
    assert edited.message_id == reply.message_id and edited.buttons == []
    done = await ann.reply()
    assert "All set" in done.text
    user = rows(settings.database_path, "SELECT * FROM users WHERE id = ?", (ann.id,))[0]
    assert (user["timezone"], user["temp_unit"], user["setup_done"]) == ("UTC-05:30", "F", 1)
    # Second /start: no setup again.
    again = await ann.say("/start")
    assert "Your timezone?" not in again.text and again.buttons == []


async def test_setup_never_blocks_and_defaults_apply(ann, settings) -> None:
    await ann.say("/start")
    reply = await ann.say("/newbake Country loaf")
    assert "Started Country loaf" in reply.text
    assert "from 10:00" in reply.text  # DEFAULT_TIMEZONE Europe/Berlin: 09:00 UTC is 10:00
    reply = await ann.say("/temp 25")
    assert "25 °C" in reply.text  # °C until the baker chooses


async def test_newbake_dialog_computes_bakers_percentages(ann, settings) -> None:
    assert "What are you baking?" in (await ann.say("/newbake")).text
    reply = await ann.say("Seeded rye")
    assert "Skip" in reply.button_texts
    reply = await ann.say("500 375 100 10")
    assert "hydration 75 %" in reply.text and "inoculation 20 %" in reply.text and "salt 2 %" in reply.text
    assert "counting the starter" in reply.text
    reply = await ann.say("24")
    assert "Started Seeded rye" in reply.text and "Aim for about" in reply.text
    bake = rows(settings.database_path, "SELECT * FROM bakes")[0]
    assert (
        bake["name"],
        bake["flour_g"],
        bake["water_g"],
        bake["starter_g"],
        bake["salt_g"],
        bake["dough_temp_c"],
    ) == ("Seeded rye", 500, 375, 100, 10, 24)


async def test_newbake_dialog_every_optional_step_skips(ann, settings) -> None:
    await ann.say("/newbake")
    reply = await ann.say("Plain loaf")
    await ann.tap(reply, "Skip")
    reply = await ann.reply()
    assert "Dough temperature" in reply.text
    await ann.tap(reply, "Skip")
    reply = await ann.reply()
    assert "Started Plain loaf" in reply.text and "/temp" in reply.text
    bake = rows(settings.database_path, "SELECT * FROM bakes")[0]
    assert bake["flour_g"] is None and bake["dough_temp_c"] is None


async def test_dialog_rejects_bad_amounts_and_temperature_then_accepts(ann, settings) -> None:
    await ann.say("/newbake")
    await ann.say("Loaf")
    reply = await ann.say("lots of flour")
    assert "500 375 100 10" in reply.text
    reply = await ann.say("0 375")
    assert "flour amount must be above zero" in reply.text
    await ann.say("1000 700 200 20")
    reply = await ann.say("hot")
    assert "/temp 24.5" in reply.text
    reply = await ann.say("80")
    assert "between 5 and 45 °C" in reply.text
    reply = await ann.say("25.5")
    assert "Started Loaf" in reply.text


async def test_rise_in_percent_jar_heights_and_bare_message(ann, settings, runner) -> None:
    await ann.say("/newbake Loaf")
    await runner.advance(timedelta(hours=3))  # readings this high need the dough some hours
    ann.emulator.drain(ann.id)  # the folds and rise checks meanwhile
    reply = await ann.say("/rise 40")
    assert "40 %" in reply.text
    reply = await ann.say("/rise 4.2 6.1")
    assert "4.2 → 6.1" in reply.text and "45 %" in reply.text
    reply = await ann.say("30%")
    assert "30 %" in reply.text and "Lower than the last reading (45 %)" in reply.text
    readings = rows(
        settings.database_path, "SELECT rise_pct, start_height, current_height FROM rise_readings ORDER BY id"
    )
    assert [tuple(r) for r in readings] == [(40, None, None), (45.2, 4.2, 6.1), (30, None, None)]


async def test_temperature_in_both_units(ann, settings) -> None:
    await ann.say("/newbake Loaf")
    reply = await ann.say("/temp 76F")
    assert "24.4 °C" in reply.text
    await ann.say("/temp 24,5")
    temps = [r["temp_c"] for r in rows(settings.database_path, "SELECT temp_c FROM temperatures ORDER BY id")]
    assert temps == [pytest.approx(24.44, abs=0.01), 24.5]


async def test_status_lists_active_bakes_and_switch_button_redirects_commands(ann, settings) -> None:
    await ann.say("/newbake First loaf 500")
    await ann.say("/newbake Second loaf")
    reply = await ann.say("/status")
    assert "▶️ Second loaf" in reply.text and "First loaf 500" in reply.text
    assert "bulk fermentation" in reply.text
    answer = await ann.tap(reply, "Switch to First loaf")
    assert not answer["text"]  # the reply says it; the toast doesn't repeat it
    assert "First loaf 500" in (await ann.reply()).text
    await ann.say("/rise 20")  # a rise the dough can have made right after mixing
    first = rows(settings.database_path, "SELECT id FROM bakes WHERE name = 'First loaf 500'")[0]["id"]
    assert [r["bake_id"] for r in rows(settings.database_path, "SELECT bake_id FROM rise_readings")] == [
        first
    ]


async def test_bakes_pages_and_card_shows_details(ann, settings) -> None:
    for number in range(10):
        await ann.say(f"/newbake Loaf {number}")
        await ann.say("/done")
        await ann.say("/cancel")
    reply = await ann.say("/bakes")
    assert "Your bakes (10)" in reply.text and "Page 1 of 2" in reply.text
    assert len([t for t in reply.button_texts if "Loaf" in t]) == 8
    await ann.tap(reply, "Older")
    edited = await ann.emulator.wait_for(ann.id, lambda m: m.edited and "Page 2 of 2" in m.text)
    assert len([t for t in edited.button_texts if "Loaf" in t]) == 2
    await ann.tap(edited, "Loaf 0")
    card = await ann.reply()
    assert "Loaf 0" in card.text and "Timeline" in card.text and "mixed" in card.text
    reply = await ann.say("/bakes 9")
    assert "1 bake named like “9”" in reply.text and "Page" not in reply.text
    assert "🥣 bulk · ❄️ in the fridge · ⏲ final proof · 🍞 done" in reply.text
    assert "No bakes match" in (await ann.say("/bakes sourdough pizza")).text


async def test_done_asks_rating_and_notes_and_saves_them(ann, settings) -> None:
    await ann.say("/newbake Loaf")
    reply = await ann.say("/done")
    assert "How did it turn out?" in reply.text
    await ann.tap(reply, "⭐⭐⭐⭐")
    reply = await ann.reply()
    assert "notes" in reply.text.lower()
    reply = await ann.say("Open crumb, <i>great</i> ear")
    assert "Saved Loaf (⭐⭐⭐⭐)" in reply.text
    bake = rows(settings.database_path, "SELECT * FROM bakes")[0]
    assert (bake["phase"], bake["rating"], bake["notes"]) == ("done", 4, "Open crumb, <i>great</i> ear")
    assert "no bake going" in (await ann.say("/rise 40")).text


async def test_done_with_everything_skipped_and_typed_rating(ann, settings) -> None:
    await ann.say("/newbake A")
    reply = await ann.say("/done")
    await ann.tap(reply, "Skip")
    reply = await ann.reply()
    await ann.tap(reply, "Skip")
    assert "Saved A" in (await ann.reply()).text
    await ann.say("/newbake B")
    await ann.say("/done")
    assert "rating from 1 to 5" in (await ann.say("excellent")).text
    await ann.say("5")
    await ann.say("/cancel")
    assert [r["rating"] for r in rows(settings.database_path, "SELECT rating FROM bakes ORDER BY id")] == [
        None,
        5,
    ]


async def test_abandon_asks_first_and_keep_keeps(ann, settings) -> None:
    await ann.say("/newbake Doomed")
    reply = await ann.say("/abandon")
    assert "Discard Doomed" in reply.text
    await ann.tap(reply, "Keep it")
    assert (await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)).text == "Kept “Doomed”."
    assert len(rows(settings.database_path, "SELECT * FROM bakes")) == 1
    reply = await ann.say("/abandon")
    await ann.tap(reply, "Yes, discard")
    assert "Discarded" in (await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)).text
    assert rows(settings.database_path, "SELECT * FROM bakes") == []
    assert rows(settings.database_path, "SELECT * FROM reminders WHERE state = 'pending'") == []


async def test_cancel_leaves_any_dialog(ann, settings) -> None:
    await ann.say("/newbake")
    assert "cancelled" in (await ann.say("/cancel")).text
    assert "didn't understand" in (await ann.say("Some name")).text
    assert "nothing to cancel" in (await ann.say("/cancel")).text
    assert rows(settings.database_path, "SELECT * FROM bakes") == []


async def test_a_command_in_the_middle_of_a_dialog_starts_afresh(ann) -> None:
    await ann.say("/newbake")
    reply = await ann.say("/help")
    assert "/newbake" in reply.text


async def test_help_lists_every_command_and_menu_is_registered(ann, emulator) -> None:
    reply = await ann.say("/help")
    await ann.tap(reply, "📖 More")  # the short list becomes the full one, in place
    reply = await emulator.wait_for(ann.id, lambda m: m.message_id == reply.message_id and m.edited > 0)
    for command, _, example in texts.COMMANDS:
        assert f"/{command}" in reply.text
        assert str(example) in reply.text
    assert {c["command"] for c in emulator.commands} == {c for c, _, _ in texts.COMMANDS}


BAD_INPUTS = [
    ("/rise", "/rise 40"),
    ("/rise abc", "/rise 40"),
    ("/rise -5", "can't be negative"),
    ("/rise 9999", "more than a jar can rise"),
    ("/rise 0 6", "above zero"),
    ("/rise 4 5 6", "/rise 4.2 6.1"),
    ("/temp", "/temp 24.5"),
    ("/temp warm", "/temp 24.5"),
    ("/temp 150", "between 5 and 45"),
    ("/target abc", "/target 60"),
    ("/target 500", "/target 60"),
    ("/folds lots", "/folds 3 45m"),
    ("/feed abc", "/feed 1:2:2"),
    ("/newbake " + "x" * 5000, "a bit long"),
    ("/nonsense", "I don't know /nonsense"),
    ("random words", "/rise 40"),
    ("999999%", "more than a jar can rise"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_INPUTS)
async def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    ann, settings, text: str, expected: str
) -> None:
    await ann.say("/newbake Loaf")
    await ann.say("/rise 20")
    before = snapshot(settings.database_path)
    reply = await ann.say(text)
    assert expected in reply.text
    assert snapshot(settings.database_path) == before


async def test_sticker_and_photo_get_a_reply(ann, emulator) -> None:
    await emulator.send_sticker(ann.id)
    assert "I read text, photos of your bakes" in (await ann.reply()).text
    await emulator.send_photo(ann.id, b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert "I keep photos with a bake" in (await ann.reply()).text  # tests/e2e/test_photos.py


async def test_user_text_is_shown_literally(ann) -> None:
    reply = await ann.say("/newbake <b>x</b> & <i>co</i>")
    assert "Started <b>x</b> & <i>co</i>" in reply.text  # the emulator strips real tags; these stayed text


async def test_long_replies_are_split_under_the_limit(ann, settings, runner) -> None:
    await ann.say("/newbake " + "Long name " * 7)
    await runner.advance(timedelta(hours=5))  # readings up to 90 % need the dough some hours
    ann.emulator.drain(ann.id)
    for value in range(1, 160):
        await ann.send(f"/rise {value % 90 + 1}")
    for _ in range(159):
        await ann.reply()
    bake_id = rows(settings.database_path, "SELECT id FROM bakes")[0]["id"]
    reply = await ann.say("/bakes")
    await ann.press_raw(reply.message_id, f"b:open:{bake_id}")
    parts = [await ann.reply(), await ann.reply()]
    while True:
        try:
            parts.append(await ann.reply(timeout=0.5))
        except TimeoutError:
            break
    assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
    assert parts[-1].button_texts  # the card's buttons come with the last part
    assert "Timeline" in parts[0].text


async def test_second_user_cannot_touch_the_first_users_bake(ann, bob, settings) -> None:
    await ann.say("/newbake Ann's secret loaf")
    await ann.say("/rise 20")  # a rise the dough can have made right after mixing
    reply = await ann.say("/done")
    ann_bake = rows(settings.database_path, "SELECT id FROM bakes")[0]["id"]
    await ann.say("/newbake Ann's second")
    ann_active = rows(settings.database_path, "SELECT id FROM bakes WHERE phase = 'bulk'")[0]["id"]
    reminder_id = rows(settings.database_path, "SELECT id FROM reminders WHERE state = 'pending' LIMIT 1")[0][
        "id"
    ]
    before = snapshot(settings.database_path)

    own = await bob.say("/help")  # a message in Bob's own chat to hang forged buttons on
    forged = [
        f"b:open:{ann_bake}",
        f"b:select:{ann_active}",
        f"b:abandon:{ann_active}",
        f"b:keep:{ann_active}",
        f"b:chart:{ann_bake}",
        f"b:export:{ann_bake}",
        f"b:delete:{ann_bake}",
        f"b:again:{ann_bake}",
        f"b:edit:{ann_bake}",
        f"rt:{ann_bake}:1",
        f"pf:{ann_active}:1:720",
        f"r:snooze:{reminder_id}:15",
        f"r:done:{reminder_id}:0",
        f"r:skip:{reminder_id}:0",
        f"r:cancel:{reminder_id}:0",
        f"r:rise:{reminder_id}:50",
    ]
    for data in forged:
        answer = await bob.press_raw(own.message_id, data)
        assert answer["text"], data
        assert "Ann" not in (answer["text"] or "")
    await bob.quiet(0.3)
    assert snapshot(settings.database_path) == {**before, "users": snapshot(settings.database_path)["users"]}
    assert "Ann" not in (await bob.say("/bakes")).text
    assert "no bake going" in (await bob.say("/status")).text
    del reply


@pytest.mark.parametrize(
    "data",
    [
        "",
        "x",
        "b:open:notanumber",
        "b:open",
        "zz:1:2",
        "r:snooze:1:15:9",
        "b:open:99999",
        "pf:1:1:-5",
        "s:tz:Mars/Base",
        "rt:1:99",
        "p:-1:",
        "💥" * 16,
    ],
)
async def test_garbage_and_stale_button_payloads(ann, settings, data: str) -> None:
    own = await ann.say("/help")
    before = snapshot(settings.database_path)
    answer = await ann.press_raw(own.message_id, data)
    assert answer["text"] and "Traceback" not in answer["text"]
    assert snapshot(settings.database_path) == before


async def test_restart_on_the_same_database_keeps_everything(ann, runner, settings) -> None:
    await ann.say("/newbake Survivor")
    await ann.say("/rise 25")
    await ann.say("/temp 24")
    await runner.restart()
    reply = await ann.say("/status")
    assert "Survivor" in reply.text and "25 %" in reply.text and "24 °C" in reply.text
    assert len(rows(settings.database_path, "SELECT * FROM reminders WHERE state = 'pending'")) > 0


async def test_bot_runs_on_when_set_my_commands_is_refused(emulator, settings, clock) -> None:
    from tests.e2e.conftest import Baker, BotRunner

    emulator.set_my_commands_error = True
    bot_runner = BotRunner(emulator, settings, clock)
    await bot_runner.start()
    try:
        assert "Started" in (await Baker(emulator, 5).say("/newbake Still works")).text
    finally:
        await bot_runner.stop()


async def test_times_follow_the_clock(ann, runner) -> None:
    await ann.say("/newbake Loaf")
    await runner.advance(timedelta(hours=1, minutes=10))
    await ann.emulator.wait_for(ann.id, lambda m: "fold 2 of 4" in m.text)  # folds fired meanwhile
    ann.emulator.drain(ann.id)
    reply = await ann.say("/rise 20")
    assert "after 1 h 10 min" in reply.text
