"""Reminders through the emulator with an injected clock: never real minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schedules.clock import OffsetClock
from tests.e2e.conftest import Baker, BotRunner, make_settings
from tests.e2e.helpers import eventually, rows, snapshot


def pending(db, kind: str | None = None) -> list:
    sql = (
        "SELECT * FROM reminders WHERE state = 'pending'"
        + (" AND kind = ?" if kind else "")
        + " ORDER BY due_at"
    )
    return rows(db, sql, (kind,) if kind else ())


async def test_newbake_plans_folds_rise_checks_and_bulk_done(ann, runner, settings) -> None:
    reply = await ann.say("/newbake Planned")
    assert "4 stretch-and-folds 10:30–12:00" in reply.text and "rise checks from 12:00" in reply.text
    db = settings.database_path
    assert len(pending(db, "fold")) == 4 and len(pending(db, "rise_check")) >= 5
    assert pending(db, "bulk_done") == []  # no temperature yet: no prediction to remind of
    await ann.say("/temp 25")
    assert len(pending(db, "bulk_done")) == 1

    await runner.advance(timedelta(minutes=29))
    await ann.quiet()
    await runner.advance(timedelta(minutes=1))
    fold = await ann.reply()
    assert "stretch-and-fold 1 of 4 (Planned)" in fold.text
    assert fold.button_texts == ["✓ Done", "😴 15 min", "😴 1 h", "Skip the remaining folds"]
    answer = await ann.tap(fold, "Done")
    assert answer["text"] == "Fold 1 done ✓"
    assert [e["kind"] for e in rows(db, "SELECT kind FROM bake_events ORDER BY id")] == ["mix", "fold"]
    assert rows(db, "SELECT state FROM reminders WHERE kind = 'fold' AND seq = 1")[0]["state"] == "sent"


async def test_rise_check_buttons_log_the_reading(ann, runner, settings) -> None:
    await ann.say("/newbake Checked")
    await ann.say("/folds off")
    await runner.advance(timedelta(hours=2))
    check = await ann.reply()
    assert "How far has Checked risen?" in check.text
    assert check.button_texts[:5] == ["25 %", "50 %", "75 %", "100 %", "Other…"]
    await ann.tap(check, "25 %")
    logged = await ann.emulator.wait_for(ann.id, lambda m: not m.edited and "25 %" in m.text)
    assert "after 2 h" in logged.text
    assert [r["rise_pct"] for r in rows(settings.database_path, "SELECT rise_pct FROM rise_readings")] == [25]
    await runner.advance(timedelta(hours=1))
    check = await ann.reply()
    await ann.tap(check, "Other")
    assert "/rise 4.2 6.1" in (await ann.reply()).text
    assert "42 %" in (await ann.say("42%")).text


async def test_snooze_moves_the_same_reminder(ann, runner, settings) -> None:
    await ann.say("/newbake Snoozy")
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    answer = await ann.tap(fold, "15 min")
    assert "Snoozed until 10:45" in answer["text"]
    fold_row = rows(settings.database_path, "SELECT * FROM reminders WHERE kind = 'fold' AND seq = 1")
    assert len(fold_row) == 1 and fold_row[0]["state"] == "pending"
    await runner.advance(timedelta(minutes=14))
    await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)  # the snoozed message lost its buttons
    await ann.quiet()
    await runner.advance(timedelta(minutes=1))
    again = await ann.reply()
    assert "stretch-and-fold 1 of 4" in again.text


async def test_skip_remaining_folds(ann, runner, settings) -> None:
    await ann.say("/newbake Lazy")
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    assert "Skipped the remaining 3 folds." in (await ann.tap(fold, "Skip the remaining"))["text"]
    assert pending(settings.database_path, "fold") == []
    await runner.advance(timedelta(minutes=90))
    message = await ann.emulator.wait_for(ann.id, lambda m: not m.edited)
    assert "fold" not in message.text  # the next thing is a rise check, not a fold


async def test_fridge_with_buttons_cancels_bulk_and_plans_preheat_and_end(ann, runner, settings) -> None:
    await ann.say("/newbake Cold one")
    await ann.say("/temp 24")
    reply = await ann.say("/fridge")
    assert "suggested" in reply.text and {"8 h", "12 h", "16 h", "24 h"} <= {
        t.replace("✓ ", "").split(" (")[0] for t in reply.button_texts
    }
    await ann.tap(reply, "12 h")
    started = await ann.emulator.wait_for(ann.id, lambda m: not m.edited and "fridge until" in m.text)
    assert "in the fridge until 22:00 (12 h)" in started.text and "preheat at 21:00" in started.text
    db = settings.database_path
    assert [r["kind"] for r in pending(db)] == ["preheat", "proof_end"]
    assert rows(db, "SELECT phase FROM bakes")[0]["phase"] == "cold_proof"
    await runner.advance(timedelta(hours=11))
    assert "Preheat the oven now: Cold one comes out at 22:00" in (await ann.reply()).text
    await runner.advance(timedelta(hours=1))
    assert "Time to bake Cold one!" in (await ann.reply()).text


async def test_fridge_and_proof_with_a_duration(ann, runner, settings) -> None:
    await ann.say("/newbake Quick")
    reply = await ann.say("/fridge 14h")
    assert "until tomorrow at 00:00 (14 h)" in reply.text and "preheat at 23:00" in reply.text
    await ann.say("/newbake Room")
    reply = await ann.say("/proof 2h")
    assert "Final proof for Room until 12:00 (2 h)" in reply.text
    assert "preheat at 11:00" in reply.text


async def test_timers_list_and_cancel(ann, runner, settings) -> None:
    assert "Timer set for 10:45 (in 45 min): fold" in (await ann.say("/timer 45m fold")).text
    assert "in 1 h 30 min" in (await ann.say("/timer 1h30m")).text
    assert "(in 1 min 30 s)" in (await ann.say("/timer 90s")).text
    listing = await ann.say("/timers")
    assert "Pending reminders (times in Europe/Berlin)" in listing.text
    assert "10:45 — timer “fold”" in listing.text
    await ann.tap(listing, "10:45")
    edited = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert "fold" not in edited.text
    assert len(pending(settings.database_path, "timer")) == 2
    await runner.advance(timedelta(minutes=2))
    timer = await ann.reply()
    assert "Timer: time's up" in timer.text and "Done" in timer.button_texts[0]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/timer abc", "didn't understand that duration"),
        ("/timer", "How long?"),
        ("/timer 0s", "too short"),
        ("/timer 400d", "too long"),
        ("/fridge -3h", "can't be negative"),
        ("/fridge 5m", "between 15 minutes and 3 days"),
        ("/proof 9d", "between 15 minutes and 3 days"),
    ],
)
async def test_bad_reminder_input_changes_nothing(ann, settings, command: str, expected: str) -> None:
    await ann.say("/newbake Loaf")
    before = snapshot(settings.database_path)
    assert expected in (await ann.say(command)).text
    assert snapshot(settings.database_path) == before


async def test_done_and_abandon_cancel_everything_pending(ann, runner, settings) -> None:
    await ann.say("/newbake One")
    await ann.say("/temp 24")
    await ann.say("/done")
    await ann.say("/cancel")
    await ann.say("/newbake Two")
    reply = await ann.say("/abandon")
    await ann.tap(reply, "Yes, discard")
    await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert pending(settings.database_path) == []
    assert runner.app.reminders.scheduled_count() == 0  # type: ignore[union-attr]
    await runner.advance(timedelta(hours=12))
    await ann.quiet(0.5)


async def test_forged_and_stale_reminder_buttons(ann, bob, runner, settings) -> None:
    await ann.say("/newbake Ann's")
    await runner.advance(timedelta(minutes=30))
    fold = await ann.reply()
    await ann.tap(fold, "Done")
    reminder_id = rows(settings.database_path, "SELECT id FROM reminders WHERE kind='fold' AND seq=2")[0][
        "id"
    ]
    before = snapshot(settings.database_path)
    own = await bob.say("/help")
    for data in (
        f"r:snooze:{reminder_id}:15",
        f"r:skip:{reminder_id}:0",
        f"r:cancel:{reminder_id}:0",
        f"r:snooze:{reminder_id}:99999",
        "r:done:999999:0",
    ):
        # Another baker's reminder is "no longer active" to Bob; a value out of range does not
        # even unpack ("no longer valid").
        assert "no longer" in (await bob.press_raw(own.message_id, data))["text"]
    after = snapshot(settings.database_path)
    assert {k: v for k, v in after.items() if k != "users"} == {
        k: v for k, v in before.items() if k != "users"
    }


async def test_quiet_hours_hold_folds_but_not_timers(emulator, tmp_path) -> None:
    settings = make_settings(tmp_path, emulator)
    clock = OffsetClock.starting_at(datetime(2026, 11, 24, 20, 30, tzinfo=UTC))  # 21:30 in Berlin
    runner = BotRunner(emulator, settings, clock)
    await runner.start()
    try:
        ann = Baker(emulator, 7)
        reply = await ann.say("/settings")
        await ann.tap(reply, "Quiet hours")
        await ann.reply()
        assert "22:00–07:00" in (await ann.say("22:00-07:00")).text
        plan = await ann.say("/newbake Night loaf")
        assert "1 stretch-and-fold tomorrow at 07:00" in plan.text
        assert "1 h" in (await ann.say("/timer 1h")).text
        await runner.advance(timedelta(hours=1))
        assert "Timer" in (await ann.reply()).text  # a timer is never held
        await ann.quiet()
        await runner.advance(timedelta(hours=8, minutes=29))  # 06:59
        await ann.quiet()
        await runner.advance(timedelta(minutes=1))
        first = await ann.reply()
        assert "stretch-and-fold" in first.text or "risen" in first.text
    finally:
        await runner.stop()


async def test_cold_proof_across_the_dst_change_ends_at_the_right_wall_time(emulator, tmp_path) -> None:
    settings = make_settings(tmp_path, emulator)
    # 24 Oct 2026, 22:00 in Berlin (CEST, UTC+2). Clocks go back at 03:00 that night.
    clock = OffsetClock.starting_at(datetime(2026, 10, 24, 20, 0, tzinfo=UTC))
    runner = BotRunner(emulator, settings, clock)
    await runner.start()
    try:
        ann = Baker(emulator, 8)
        await ann.say("/newbake Autumn loaf")
        reply = await ann.say("/fridge 12h")
        # 12 real hours after 22:00 CEST is 09:00 CET, not 10:00.
        assert "until tomorrow at 09:00 (12 h)" in reply.text and "preheat tomorrow at 08:00" in reply.text
        due = rows(settings.database_path, "SELECT due_at FROM reminders WHERE kind = 'proof_end'")[0][
            "due_at"
        ]
        assert due.startswith("2026-10-25T08:00:")  # to the minute: the clock runs on in real time
        await runner.advance(timedelta(hours=11))
        assert "comes out at 09:00" in (await ann.reply()).text
        await runner.advance(timedelta(hours=1))
        assert "Time to bake" in (await ann.reply()).text
    finally:
        await runner.stop()


async def test_restart_sends_late_reminders_once_and_summarises_missed_ones(
    ann, runner, settings, clock
) -> None:
    await ann.say("/timer 1h old one")
    await ann.say("/timer 8h recent one")
    await ann.say("/timer 12h future one")
    await runner.stop()
    clock.advance(timedelta(hours=9))  # the bot is "down" for 9 hours
    await runner.start()
    late = await ann.emulator.wait_for(ann.id, lambda m: "recent one" in m.text)
    assert "Due at 18:00; sent late because the bot was offline." in late.text
    summary = await ann.emulator.wait_for(ann.id, lambda m: "missed" in m.text)
    assert "missed 1 reminder (1 × timer)" in summary.text
    db = settings.database_path

    def states() -> dict[str, str]:
        return {r["label"]: r["state"] for r in rows(db, "SELECT label, state FROM reminders")}

    await eventually(lambda: states()["recent one"] == "sent")
    assert states() == {"old one": "missed", "recent one": "sent", "future one": "pending"}
    await runner.restart()  # a second restart sends nothing again
    await ann.emulator.no_message(ann.id, within=0.5)


async def test_send_faults_are_retried_and_the_bot_stays_up(ann, bob, runner, emulator, settings) -> None:
    await ann.say("/timer 10m a")
    await ann.say("/timer 20m b")
    await ann.say("/timer 30m c")
    emulator.fail_next("sendMessage", status=429, retry_after=1, chat_id=ann.id)
    await runner.advance(timedelta(minutes=10))
    assert "Timer: a" in (await ann.reply(timeout=5)).text
    emulator.fail_next("sendMessage", status=500, times=2, chat_id=ann.id)
    await runner.advance(timedelta(minutes=10))
    assert "Timer: b" in (await ann.reply()).text
    emulator.drop_next("sendMessage", chat_id=ann.id)
    await runner.advance(timedelta(minutes=10))
    assert "Timer: c" in (await ann.reply()).text
    assert emulator.stats.rejected_429 >= 1
    await eventually(
        lambda: (
            [r["state"] for r in rows(settings.database_path, "SELECT state FROM reminders")]
            == ["sent", "sent", "sent"]
        )
    )


async def test_a_reminder_that_keeps_failing_is_marked_failed(ann, runner, emulator, settings) -> None:
    await ann.say("/timer 5m doomed")
    emulator.fail_next("sendMessage", status=502, times=10, chat_id=ann.id)
    await runner.advance(timedelta(minutes=5))
    assert rows(settings.database_path, "SELECT state FROM reminders")[0]["state"] == "failed"
    emulator.clear_faults()
    assert "/newbake" in (await ann.say("/help")).text  # still answering


def membership(runner, baker, old: str, new: str) -> dict:
    """The `my_chat_member` update Telegram sends when a baker blocks or unblocks the bot."""
    assert runner.app is not None
    me = {"id": runner.app.bot.id, "is_bot": True, "first_name": "Bot"}
    person = {"id": baker.id, "is_bot": False, "first_name": baker.name}
    return {
        "my_chat_member": {
            "chat": {"id": baker.id, "type": "private", "first_name": baker.name},
            "from": person,
            "date": 1_795_000_000,
            "old_chat_member": {"status": old, "user": me} | ({"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": {"status": new, "user": me} | ({"until_date": 0} if new == "kicked" else {}),
        }
    }


async def test_blocking_pauses_reminders_and_unblocking_brings_them_back(
    ann, bob, runner, emulator, settings
) -> None:
    await ann.say("/timer 10m for ann")
    for spec in ("10m first", "50m second", "3h third"):
        await bob.say(f"/timer {spec}")
    emulator.block(bob.id)
    await emulator.send_update(membership(runner, bob, "member", "kicked"))
    db = settings.database_path
    await eventually(lambda: rows(db, "SELECT active FROM users WHERE id = ?", (bob.id,))[0]["active"] == 0)
    await runner.advance(timedelta(minutes=10))
    assert "for ann" in (await ann.reply()).text  # others are not held up
    user = rows(db, "SELECT active, blocked_at FROM users WHERE id = ?", (bob.id,))[0]
    assert user["active"] == 0 and user["blocked_at"] is not None
    await runner.advance(timedelta(minutes=40))
    states = {
        r["label"]: r["state"]
        for r in rows(db, "SELECT label, state FROM reminders WHERE user_id = ?", (bob.id,))
    }
    assert states == {"first": "missed", "second": "missed", "third": "pending"}  # paused, not cancelled

    emulator.unblock(bob.id)
    await emulator.send_update(membership(runner, bob, "kicked", "member"))
    summary = await bob.reply()
    assert "Welcome back" in summary.text and "held back 2 reminders (2 × timer)" in summary.text
    assert rows(db, "SELECT active, blocked_at FROM users WHERE id = ?", (bob.id,))[0]["active"] == 1
    await runner.advance(timedelta(hours=2, minutes=11))
    assert "Timer: third" in (await bob.reply()).text  # what was still ahead comes as planned
    await bob.quiet()


async def test_a_blocked_baker_who_writes_again_hears_what_was_held_back(
    bob, runner, emulator, settings
) -> None:
    await bob.say("/timer 10m held")
    emulator.block(bob.id)
    await runner.advance(timedelta(minutes=10))  # the send gets 403: paused from here
    db = settings.database_path
    assert rows(db, "SELECT state FROM reminders WHERE user_id = ?", (bob.id,))[0]["state"] == "missed"
    emulator.unblock(bob.id)  # Telegram sends no update for this one; the baker just writes
    await bob.send("/help")
    first, second = await bob.reply(), await bob.reply()
    assert "Welcome back" in first.text and "held back 1 reminder (1 × timer)" in first.text
    assert "/newbake" in second.text
    assert rows(db, "SELECT active FROM users WHERE id = ?", (bob.id,))[0]["active"] == 1


async def test_a_reply_that_cannot_be_delivered_is_followed_up_not_repeated(
    ann, runner, emulator, settings
) -> None:
    await ann.say("/newbake Loaf")
    emulator.fail_next("sendMessage", status=502, times=10, chat_id=ann.id)
    await ann.send("/rise 20")  # a rise the dough can have made right after mixing
    await ann.quiet(within=1.0)
    emulator.clear_faults()
    db = settings.database_path
    assert [r["rise_pct"] for r in rows(db, "SELECT rise_pct FROM rise_readings")] == [20]
    await ann.send("/help")
    note, reply = await ann.reply(), await ann.reply()
    assert (
        "didn't reach you" in note.text
        and "/rise 20" in note.text
        and "no need to send it again" in note.text
    )
    assert "try again" not in note.text
    assert "/newbake" in reply.text
    assert rows(db, "SELECT undelivered FROM users WHERE id = ?", (ann.id,))[0]["undelivered"] is None
    assert [r["rise_pct"] for r in rows(db, "SELECT rise_pct FROM rise_readings")] == [20]


async def test_per_chat_rate_limit_spaces_a_burst(emulator, tmp_path, clock) -> None:
    import time

    settings = make_settings(tmp_path, emulator, rate_limit_per_chat_per_s=5)
    runner = BotRunner(emulator, settings, clock)
    await runner.start()
    try:
        ann = Baker(emulator, 9)
        for n in range(6):
            await ann.send(f"/timer {n + 1}s")
        started = time.monotonic()
        for _ in range(6):
            await ann.reply()
        # 3 may go at once (burst), the other 3 at 5/s: at least ~0.6 s in all.
        assert time.monotonic() - started >= 0.5
    finally:
        await runner.stop()


async def test_a_long_timers_list_stays_within_limits(ann, settings) -> None:
    for n in range(45):
        await ann.send(f"/timer {n + 1}h timer number {n} with a fairly long label to fill the message")
    for _ in range(45):
        await ann.reply()
    listing = await ann.say("/timers")
    assert "…and 5 more later on." in listing.text and len(listing.buttons) == 40
    await ann.tap(listing, "timer number 0 ")
    edited = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert "timer number 0 " not in edited.text and "…and 4 more" in edited.text
