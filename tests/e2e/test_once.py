"""One action, once: double taps, replayed updates, edits and undos, commands in the middle of a
dialog, a restart mid-dialog, and reminders that follow what the baker really did."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from emulator.models import SentMessage
from tests.e2e.conftest import START, Baker
from tests.e2e.helpers import eventually, rows, snapshot


def data_of(message: SentMessage, text: str) -> str:
    """The callback data of a button, kept for pressing it after the bot took the buttons off."""
    data = message.find_button(text)[1]
    assert data is not None
    return data


async def double_tap(baker: Baker, message: SentMessage, text: str) -> list[dict[str, Any]]:
    """Two presses of the same button, both sent before either is answered."""
    data = data_of(message, text)
    first = await baker.emulator.press_button(baker.id, message.message_id, data)
    second = await baker.emulator.press_button(baker.id, message.message_id, data)
    return [await baker.emulator.callback_answer(first), await baker.emulator.callback_answer(second)]


def utc(delta: timedelta) -> str:
    """How the database writes START + delta (UTC, ISO format), to the minute, for a prefix match.
    The bot's clock reads START when the test's clock is made, and runs on in real time while the
    bot starts: seconds later on a busy machine, never a minute."""
    return (START + delta).isoformat(timespec="minutes").removesuffix("+00:00")


def fold_due(db, seq: int) -> str:
    return rows(db, "SELECT due_at FROM reminders WHERE kind = 'fold' AND seq = ?", (seq,))[0]["due_at"]


def chat_texts(baker: Baker) -> list[str]:
    return [m.text for m in baker.emulator.messages(baker.id)]


# ---------------------------------------------------------------- double taps


async def test_double_tap_on_bake_again_starts_one_bake(ann, runner, settings) -> None:
    await ann.say("/newbake Country loaf")
    await ann.say("/done")
    await ann.say("/cancel")
    listing = await ann.say("/bakes")
    await ann.tap(listing, "Country loaf")
    card = await ann.reply()
    assert "🔁 Bake again" in card.button_texts
    await ann.tap(card, "Bake again")
    draft = await ann.reply()  # the recipe, to adjust first; "Start as is" starts it

    answers = await double_tap(ann, draft, "Start as is")
    started = await ann.reply()
    assert "Started Country loaf" in started.text
    assert answers[0]["text"] in (None, "")
    assert "had already started “Country loaf” at 10:00" in answers[1]["text"]
    await ann.quiet()  # one "Started" message, not two
    db = settings.database_path
    bakes = rows(db, "SELECT name, phase FROM bakes ORDER BY id")
    assert [tuple(b) for b in bakes] == [("Country loaf", "done"), ("Country loaf", "bulk")]

    await runner.advance(timedelta(hours=3))
    ann.emulator.drain(ann.id)  # the new bake's folds and rise checks
    third = await ann.tap(draft, "Start as is")
    assert "had already started “Country loaf” at 10:00" in third["text"]
    assert len(rows(db, "SELECT id FROM bakes")) == 2
    await ann.quiet()


async def test_double_tap_on_fold_done_logs_one_fold(ann, runner, settings) -> None:
    await ann.say("/newbake Folded")
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    assert "stretch-and-fold 1 of 4" in fold.text

    answers = await double_tap(ann, fold, "Done")
    assert answers[0]["text"] == "Fold 1 done ✓"
    assert answers[1]["text"] == "Fold 1 was already logged at 10:30."
    db = settings.database_path
    assert len(rows(db, "SELECT * FROM bake_events WHERE kind = 'fold'")) == 1
    closed = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert "Fold 1 done ✓" in closed.text and closed.buttons == []


async def test_second_fridge_button_says_the_bake_is_in_the_fridge(ann, runner, settings) -> None:
    await ann.say("/newbake Cold one")
    await ann.say("/temp 24")
    ask = await ann.say("/fridge")
    first = data_of(ask, "12 h")
    other = data_of(ask, "16 h")
    q1 = await ann.emulator.press_button(ann.id, ask.message_id, first)
    q2 = await ann.emulator.press_button(ann.id, ask.message_id, other)
    q3 = await ann.emulator.press_button(ann.id, ask.message_id, first)
    a1, a2, a3 = [await ann.emulator.callback_answer(q) for q in (q1, q2, q3)]
    started = await ann.reply()
    assert "in the fridge until 22:00 (12 h)" in started.text
    assert not a1["text"]
    for again in (a2, a3):
        assert "“Cold one” is in the fridge since 10:00, until 22:00." in again["text"]
    await ann.quiet()
    db = settings.database_path
    assert len(rows(db, "SELECT * FROM bake_events WHERE kind = 'fridge_in'")) == 1
    bake = rows(db, "SELECT phase, proof_ends_at FROM bakes")[0]
    assert bake["phase"] == "cold_proof" and bake["proof_ends_at"].startswith(utc(timedelta(hours=12)))
    assert len(rows(db, "SELECT * FROM reminders WHERE kind = 'proof_end' AND state = 'pending'")) == 1


# ---------------------------------------------------------------- commands in a dialog


async def test_commands_typed_during_the_newbake_dialog_are_commands(ann, settings) -> None:
    assert "What are you baking?" in (await ann.say("/newbake")).text
    for command in ("/timer 1h fold", "/help", "/timers", "/status", "/settings"):
        await ann.send(command)
    replies = [(await ann.reply()).text for _ in range(5)]
    assert "Timer set for 11:00 (in 1 h): fold" in replies[0]
    assert "What I can do" in replies[1]
    assert "Pending reminders" in replies[2] and "timer “fold”" in replies[2]
    assert "You have no bake going" in replies[3]
    assert "Settings" in replies[4] and "Timezone" in replies[4]
    assert not any("Started" in r or "Recipe amounts" in r for r in replies)
    await ann.quiet()
    db = settings.database_path
    assert rows(db, "SELECT * FROM bakes") == []
    assert [r["label"] for r in rows(db, "SELECT label FROM reminders WHERE kind = 'timer'")] == ["fold"]
    # The dialog was left: a plain word now is not a bake's name either.
    assert "didn't understand" in (await ann.say("Rye")).text
    assert rows(db, "SELECT * FROM bakes") == []


async def test_a_command_during_first_time_setup_leaves_the_timezone_alone(ann, settings) -> None:
    assert "Your timezone?" in (await ann.say("/start")).text
    reply = await ann.say("/timer 1h x")
    assert "Timer set for 11:00 (in 1 h): x" in reply.text
    db = settings.database_path
    user = rows(db, "SELECT timezone, setup_done FROM users WHERE id = ?", (ann.id,))[0]
    assert user["timezone"] is None and user["setup_done"] == 0
    assert [r["label"] for r in rows(db, "SELECT label FROM reminders WHERE kind = 'timer'")] == ["x"]
    # The setup question was left: a timezone typed now is not taken as the answer.
    await ann.say("Europe/London")
    assert rows(db, "SELECT timezone FROM users WHERE id = ?", (ann.id,))[0]["timezone"] is None


async def test_a_restart_in_the_middle_of_the_dialog_continues_it(ann, runner, settings) -> None:
    await ann.say("/newbake")
    assert "Recipe amounts" in (await ann.say("Rye")).text
    await runner.restart()
    reply = await ann.say("500 375 100 10")
    assert "hydration 75 %" in reply.text and "inoculation 20 %" in reply.text
    assert "Dough temperature after mixing?" in reply.text
    started = await ann.say("24")
    assert "Started Rye" in started.text
    bake = rows(settings.database_path, "SELECT * FROM bakes")
    assert len(bake) == 1
    assert (
        bake[0]["name"],
        bake[0]["flour_g"],
        bake[0]["water_g"],
        bake[0]["starter_g"],
        bake[0]["salt_g"],
        bake[0]["dough_temp_c"],
    ) == ("Rye", 500, 375, 100, 10, 24)


# ---------------------------------------------------------------- undo, delete, edit


async def test_undo_a_reading_then_undo_again(ann, settings) -> None:
    await ann.say("/newbake Loaf")
    reply = await ann.say("/rise 20")  # a rise the dough can have made right after mixing
    assert "20 %" in reply.text and reply.button_texts == ["↩️ Undo"]
    undo = data_of(reply, "Undo")
    db = settings.database_path
    assert len(rows(db, "SELECT * FROM rise_readings")) == 1

    await ann.tap(reply, "Undo")
    removed = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert "Removed the reading of 20 % from 10:00 (Loaf)" in removed.text and removed.buttons == []
    assert rows(db, "SELECT * FROM rise_readings") == []

    before = snapshot(db)
    again = await ann.press_raw(reply.message_id, undo)
    assert again["text"] == "That reading was removed already."
    assert snapshot(db) == before
    await ann.quiet()


async def test_delete_a_reading_from_the_bake_card(ann, settings) -> None:
    await ann.say("/newbake Loaf")
    await ann.say("/rise 15")
    await ann.say("/rise 25")  # a rise the dough can have made right after mixing
    listing = await ann.say("/bakes")
    await ann.tap(listing, "Loaf")
    card = await ann.reply()
    await ann.tap(card, "Readings")
    readings = await ann.reply()
    assert "Rise readings of Loaf" in readings.text
    assert readings.button_texts == ["✖ 10:00 — 15 %", "✖ 10:00 — 25 %"]

    answer = await ann.tap(readings, "15 %")
    assert answer["text"] == "Deleted the reading of 15 % from 10:00."
    edited = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert edited.button_texts == ["✖ 10:00 — 25 %"]
    assert [r["rise_pct"] for r in rows(settings.database_path, "SELECT rise_pct FROM rise_readings")] == [25]


async def test_editing_the_message_of_a_reading_changes_that_reading(ann, emulator, settings) -> None:
    await ann.say("/newbake Loaf")
    db = settings.database_path
    sent = await emulator.send_text(ann.id, "/rise 20")  # a rise the dough can have made right after mixing
    assert "20 %" in (await ann.reply()).text
    await emulator.edit_text(ann.id, sent["message_id"], "/rise 35")
    changed = await ann.reply()
    assert "Changed the reading of 10:00 from 20 % to 35 %" in changed.text
    assert [r["rise_pct"] for r in rows(db, "SELECT rise_pct FROM rise_readings")] == [35]

    bare = await emulator.send_text(ann.id, "15%")
    assert "15 %" in (await ann.reply()).text
    await emulator.edit_text(ann.id, bare["message_id"], "45%")
    assert "from 15 % to 45 %" in (await ann.reply()).text
    assert [r["rise_pct"] for r in rows(db, "SELECT rise_pct FROM rise_readings ORDER BY id")] == [35, 45]


@pytest.mark.parametrize(
    ("original", "edited"), [("/help", "/help me"), ("/help", "/rise 50"), ("hello", "50%")]
)
async def test_editing_a_message_without_a_reading_changes_nothing(
    ann, emulator, settings, original: str, edited: str
) -> None:
    await ann.say("/newbake Loaf")
    await ann.say("/rise 20")
    sent = await emulator.send_text(ann.id, original)
    await ann.reply()
    before = snapshot(settings.database_path)
    await emulator.edit_text(ann.id, sent["message_id"], edited)
    assert "I only follow edits of readings" in (await ann.reply()).text
    assert snapshot(settings.database_path) == before
    await ann.quiet()


# ---------------------------------------------------------------- the same update twice


@pytest.mark.parametrize(
    ("text", "expected", "table"),
    [
        ("/rise 20", "20 %", "rise_readings"),  # rises the dough can have made right after mixing
        ("20%", "20 %", "rise_readings"),
        ("/temp 24", "24 °C", "temperatures"),
        ("/timer 45m fold", "Timer set for 10:45", "reminders WHERE kind = 'timer'"),
    ],
)
async def test_the_same_message_delivered_twice_is_logged_once(
    ann, emulator, settings, text: str, expected: str, table: str
) -> None:
    await ann.say("/newbake Loaf")
    db = settings.database_path
    count = len(rows(db, f"SELECT * FROM {table}"))
    message = await emulator.send_text(ann.id, text)
    first = await ann.reply()
    await emulator.send_update({"message": message})  # a new update_id, the same message
    await emulator.send_update({"message": message})
    again = [await ann.reply(), await ann.reply()]
    for reply in (first, *again):
        assert expected in reply.text
    assert len(rows(db, f"SELECT * FROM {table}")) == count + 1
    if table == "rise_readings":
        assert all("Already logged from this message" in r.text for r in again)


async def test_the_same_newbake_message_twice_starts_one_bake(ann, emulator, settings) -> None:
    message = await emulator.send_text(ann.id, "/newbake Twice")
    assert "Started Twice" in (await ann.reply()).text
    await emulator.send_update({"message": message})
    await ann.reply()
    assert len(rows(settings.database_path, "SELECT * FROM bakes")) == 1


# ---------------------------------------------------------------- rise checks and bulk done


async def test_a_rise_check_answered_by_typing_is_not_logged_again_by_a_tap(ann, runner, settings) -> None:
    await ann.say("/newbake Checked")
    await ann.say("/temp 24")
    await ann.say("/folds off")
    await runner.advance(timedelta(hours=2))
    check = await ann.reply()
    assert "How far has Checked risen?" in check.text
    assert "20 %" in (await ann.say("/rise 20")).text
    answer = await ann.tap(check, check.button_texts[0])  # values around what the model expects
    assert "Already logged 20 % at 12:00 for this check" in answer["text"]
    db = settings.database_path
    assert [r["rise_pct"] for r in rows(db, "SELECT rise_pct FROM rise_readings")] == [20]
    await ann.quiet()


async def test_a_double_tap_on_a_rise_check_value_logs_one_reading(ann, runner, settings) -> None:
    await ann.say("/newbake Tapped")
    await ann.say("/folds off")
    await runner.advance(timedelta(hours=2))
    check = await ann.reply()
    answers = await double_tap(ann, check, "25 %")
    assert "Already" not in (answers[0]["text"] or "")
    assert "Already logged 25 % at 12:00 for this check" in answers[1]["text"]
    logged = await ann.reply()
    assert "25 %" in logged.text and "after 2 h" in logged.text
    await ann.quiet()
    assert [r["rise_pct"] for r in rows(settings.database_path, "SELECT rise_pct FROM rise_readings")] == [25]


async def test_no_rise_checks_once_the_target_is_reached(ann, runner, settings) -> None:
    await ann.say("/newbake On target")
    await ann.say("/temp 24")
    await ann.say("/folds off")
    assert "set to 20 %" in (await ann.say("/target 20")).text
    reply = await ann.say("/rise 25")  # a rise the dough can have made right after mixing
    assert "reached the target of 20 %" in reply.text
    db = settings.database_path
    assert (
        rows(db, "SELECT * FROM reminders WHERE kind IN ('rise_check', 'bulk_done') AND state = 'pending'")
        == []
    )
    for _ in range(8):
        await runner.advance(timedelta(hours=1))
    await ann.quiet(0.5)
    assert not any("risen" in t or "bulk is probably done" in t for t in chat_texts(ann))


async def test_bulk_is_probably_done_comes_once_per_bake(ann, runner, settings) -> None:
    await ann.say("/newbake Once")
    await ann.say("/temp 24")
    await ann.say("/folds off")
    db = settings.database_path
    assert len(rows(db, "SELECT * FROM reminders WHERE kind = 'bulk_done' AND state = 'pending'")) == 1

    for _ in range(24):
        await runner.advance(timedelta(hours=1))
        if any("bulk is probably done" in t for t in chat_texts(ann)):
            break
    done = await ann.emulator.wait_for(ann.id, lambda m: "bulk is probably done" in m.text)
    assert "Check the jar" in done.text
    await eventually(
        lambda: len(rows(db, "SELECT * FROM reminders WHERE kind = 'bulk_done' AND state = 'sent'")) == 1
    )

    # The dough is slower than predicted: readings below the target move the estimate on.
    await ann.say("/rise 20")
    await runner.advance(timedelta(hours=1))
    await ann.say("/rise 25")
    for _ in range(12):
        await runner.advance(timedelta(hours=1))  # rise checks go on; the bulk-done message not
    assert sum("bulk is probably done" in t for t in chat_texts(ann)) == 1
    kinds = rows(db, "SELECT state FROM reminders WHERE kind = 'bulk_done'")
    assert [r["state"] for r in kinds].count("sent") == 1 and "pending" not in [r["state"] for r in kinds]


# ---------------------------------------------------------------- folds follow the real ones


async def test_snoozing_a_fold_moves_the_next_folds(ann, runner, settings) -> None:
    await ann.say("/newbake Snoozy")
    db = settings.database_path
    assert fold_due(db, 2).startswith(utc(timedelta(minutes=60)))
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    answers = await double_tap(ann, fold, "15 min")
    assert [a["text"] for a in answers] == ["😴 Snoozed until 10:45.", "Already snoozed until 10:45."]
    assert fold_due(db, 1).startswith(utc(timedelta(minutes=45)))
    assert fold_due(db, 2).startswith(utc(timedelta(minutes=75)))  # 30 min after the snoozed fold
    assert fold_due(db, 3).startswith(utc(timedelta(minutes=105)))

    await runner.advance(timedelta(minutes=15))
    assert "stretch-and-fold 1 of 4" in (await ann.reply()).text
    await runner.advance(timedelta(minutes=15))  # fold 2's old time
    await ann.quiet()
    await runner.advance(timedelta(minutes=15))
    assert "stretch-and-fold 2 of 4" in (await ann.reply()).text


async def test_a_late_fold_done_moves_the_next_folds(ann, runner, settings) -> None:
    await ann.say("/newbake Late")
    db = settings.database_path
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    await runner.advance(timedelta(minutes=5))
    assert (await ann.tap(fold, "Done"))["text"] == "Fold 1 done ✓"
    assert fold_due(db, 2).startswith(utc(timedelta(minutes=65)))
    assert fold_due(db, 3).startswith(utc(timedelta(minutes=95)))
    event = rows(db, "SELECT at FROM bake_events WHERE kind = 'fold'")[0]["at"]
    assert event.startswith(utc(timedelta(minutes=35)))


# ---------------------------------------------------------------- two bakers


async def test_two_bakers_at_once_each_see_their_own(ann, bob, settings) -> None:
    started = await asyncio.gather(ann.say("/newbake Ann's loaf"), bob.say("/newbake Bob's loaf"))
    assert "Ann's loaf" in started[0].text and "Bob's loaf" in started[1].text
    # Rises the dough can have made right after mixing.
    risen = await asyncio.gather(ann.say("/rise 20"), bob.say("/rise 25"))
    assert "20 %" in risen[0].text and "Ann's loaf" in risen[0].text
    assert "25 %" in risen[1].text and "Bob's loaf" in risen[1].text
    ann_status, bob_status = await asyncio.gather(ann.say("/status"), bob.say("/status"))
    assert "Ann's loaf" in ann_status.text and "20 %" in ann_status.text and "Bob" not in ann_status.text
    assert "Bob's loaf" in bob_status.text and "25 %" in bob_status.text and "Ann" not in bob_status.text
    found = rows(
        settings.database_path,
        "SELECT b.user_id, b.name, r.rise_pct FROM rise_readings r JOIN bakes b ON b.id = r.bake_id"
        " ORDER BY b.user_id",
    )
    assert [tuple(r) for r in found] == [(ann.id, "Ann's loaf", 20), (bob.id, "Bob's loaf", 25)]


async def test_no_rise_checks_once_a_hand_set_target_is_reached_without_a_temperature(
    ann, runner, settings
) -> None:
    await ann.say("/newbake No thermometer")
    await ann.say("/folds off")
    assert "set to 20 %" in (await ann.say("/target 20")).text
    reply = await ann.say("/rise 25")  # a rise the dough can have made right after mixing
    assert "25 %" in reply.text
    db = settings.database_path
    assert rows(db, "SELECT * FROM reminders WHERE kind = 'rise_check' AND state = 'pending'") == []
    assert "reached the target of 20 %" in reply.text
    for _ in range(4):
        await runner.advance(timedelta(hours=1))
    await ann.quiet(0.5)
