"""Planning a bake backwards, as a baker meets it: /plan in each form, accepting a plan and its
reminders firing in order, the bake at mixing time following it, live re-planning when the
dough runs slow, and the end of the cold proof by clock time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.helpers import rows

# START is Tuesday 24 November 2026, 10:00 in Berlin (the bakers' default timezone here).

PLAN_KINDS = ["plan_feed", "plan_mix", "plan_shape", "plan_preheat", "plan_bake", "plan_out"]


def plan_reminders(db: Path, state: str = "pending") -> list:
    return rows(
        db,
        "SELECT r.* FROM reminders r JOIN plans p ON p.id = r.plan_id WHERE r.state = ? "
        "ORDER BY r.due_at, r.id",
        (state,),
    )


def when(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def quiet_hours(baker, value: str = "22:00-07:00") -> None:
    reply = await baker.say("/settings")
    await baker.tap(reply, "Quiet hours")
    await baker.reply()
    await baker.say(value)


async def test_plan_by_day_and_time_offers_timelines_ending_at_that_time(ann, settings) -> None:
    reply = await ann.say("/plan Sun 9:00")
    assert "Bread out of the oven Sun 29 Nov at 09:00" in reply.text
    assert "Option 1: mix" in reply.text and "feed the starter 1:" in reply.text
    assert "into the fridge for" in reply.text and "out of the oven" in reply.text
    assert "From the usual defaults (no bake yet): 20 % starter, kitchen 24 °C" in reply.text
    assert "In the fridge it keeps rising" in reply.text
    options = [t for t in reply.button_texts if t.startswith("✓ ")]
    assert 2 <= len(options) <= 3
    # nothing is planned before a plan is accepted
    assert rows(settings.database_path, "SELECT * FROM plans") == []


async def test_plan_tomorrow_8am_avoids_the_night_or_says_what_falls_in_it(ann) -> None:
    reply = await ann.say("/plan tomorrow 8am")
    assert "Bread out of the oven tomorrow at 08:00" in reply.text
    # the preheat would be at 06:15, in the default night (23:00-07:00): said, with a time that isn't
    assert "The preheat tomorrow at 06:15 would fall in the night" in reply.text
    assert re.search(r"With every step outside it: bread tomorrow at 0[89]:\d\d \(option \d\)", reply.text)


async def test_plan_a_time_too_soon_says_so_with_the_earliest(ann) -> None:
    reply = await ann.say("/plan 18:30")
    assert "Bread can't be ready by 18:30" in reply.text
    earliest = re.search(r"The earliest that works is (tomorrow at \d\d:\d\d)", reply.text)
    assert earliest is not None
    assert f"Bread out of the oven {earliest[1]}" in reply.text


async def test_plan_with_buttons_for_day_and_time(ann) -> None:
    reply = await ann.say("/plan")
    assert "When should the bread come out of the oven?" in reply.text
    assert reply.button_texts[:2] == ["Today", "Tomorrow"] and "Sun 29" in reply.button_texts
    await ann.tap(reply, "Sun 29")
    times = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert "Sun 29: at what time" in times.text and "09:00" in times.button_texts
    await ann.tap(times, "09:00")
    proposal = await ann.reply()
    assert "Bread out of the oven Sun 29 Nov at 09:00" in proposal.text


async def test_bad_plan_times_are_explained(ann) -> None:
    assert "/plan Sun 9:00" in (await ann.say("/plan someday")).text
    assert "passed today" in (await ann.say("/plan today 8:00")).text
    assert "no plan going" in (await ann.say("/plan cancel")).text


async def test_accepting_a_plan_sets_its_reminders_and_they_fire_in_order(ann, runner, settings) -> None:
    db = settings.database_path
    proposal = await ann.say("/plan Sun 9:00")
    option = next(t for t in proposal.button_texts if t.startswith("✓ 1:"))
    data = proposal.find_button(option)[1]
    await ann.tap(proposal, option)
    accepted = await ann.emulator.wait_for(ann.id, lambda m: not m.edited and "Plan set" in m.text)
    assert "Plan set: bread out of the oven Sun 29 Nov at 09:00" in accepted.text
    picture = await ann.emulator.wait_for(ann.id, lambda m: m.kind == "photo")
    assert (
        picture.photo
        and picture.photo.startswith(b"\x89PNG")
        and "Night and quiet hours shaded" in picture.text
    )
    plans = rows(db, "SELECT * FROM plans")
    assert len(plans) == 1 and plans[0]["state"] == "active" and plans[0]["bake_id"] is None
    due = plan_reminders(db)
    assert [r["kind"] for r in due] == PLAN_KINDS
    assert when(due[-1]["due_at"]) == datetime(2026, 11, 29, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    # A double tap accepts it once.
    again = await ann.press_raw(proposal.message_id, data)
    assert "already set" in again["text"]
    assert len(rows(db, "SELECT * FROM plans")) == 1
    # The clock moves ahead: each step's reminder comes, in order, none twice.
    seen = []
    for reminder in due:
        await runner.advance(when(reminder["due_at"]) - runner.clock.now() + timedelta(seconds=1))
        message = await ann.reply()
        seen.append(message.text)
    assert [t.split(":")[0] for t in seen] == [
        "🫙 Plan",
        "🥣 Plan",
        "✋ Plan",
        "🔥 Plan",
        "🍞 Plan",
        "🎉 Plan",
    ]
    assert "feed your starter now" in seen[0] and "Send /newbake" in seen[1]
    assert "bread should be ready" in seen[-1]
    await ann.quiet()
    assert plan_reminders(db) == [] and len(plan_reminders(db, "sent")) == 6


async def test_newbake_at_mixing_time_follows_the_plan(ann, runner, settings) -> None:
    db = settings.database_path
    proposal = await ann.say("/plan tomorrow 18:30")
    await ann.tap(proposal, next(t for t in proposal.button_texts if t.startswith("✓ 1:")))
    await ann.emulator.wait_for(ann.id, lambda m: m.kind == "photo")
    mix = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_mix")["due_at"])
    await runner.advance(mix - runner.clock.now() + timedelta(minutes=1))
    ann.emulator.drain(ann.id)
    started = await ann.say("/newbake Planned loaf")
    assert "Following your plan: bread out of the oven tomorrow at 18:30" in started.text
    bake_id = rows(db, "SELECT id FROM bakes")[0]["id"]
    assert rows(db, "SELECT bake_id FROM plans")[0]["bake_id"] == bake_id
    assert "following “Planned loaf”" in (await ann.say("/plan")).text
    await ann.reply()  # ...and the day buttons for another plan
    # Into the fridge at the planned end of bulk: the fridge buttons offer the plan's baking
    # time, and the bake's own preheat and end of proof take over from the plan's.
    shape = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_shape")["due_at"])
    await runner.advance(shape - runner.clock.now())
    ann.emulator.drain(ann.id)
    ask = await ann.say("/fridge")
    assert "your plan's baking time" in ask.text and "until tomorrow at 17:45" in ask.text
    await ann.tap(ask, "(suggested)")
    await ann.emulator.wait_for(ann.id, lambda m: "fridge until" in m.text)
    kinds = [r["kind"] for r in plan_reminders(db)]
    assert kinds == ["plan_out"]
    out = when(plan_reminders(db)[0]["due_at"])
    proof_end = when(rows(db, "SELECT proof_ends_at FROM bakes")[0]["proof_ends_at"])
    assert out - proof_end == timedelta(minutes=45)
    # Finishing the bake finishes the plan.
    await ann.send("/done")
    await ann.emulator.wait_for(ann.id, lambda m: "is done!" in m.text)
    assert rows(db, "SELECT state FROM plans")[0]["state"] == "done"
    assert plan_reminders(db) == []


async def test_live_replanning_when_the_readings_run_slow(ann, runner, settings) -> None:
    db = settings.database_path
    proposal = await ann.say("/plan Sun 9:00")
    await ann.tap(proposal, next(t for t in proposal.button_texts if t.startswith("✓ 1:")))
    await ann.emulator.wait_for(ann.id, lambda m: m.kind == "photo")
    mix = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_mix")["due_at"])
    out_before = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_out")["due_at"])
    shape_before = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_shape")["due_at"])
    await runner.advance(mix - runner.clock.now())
    ann.emulator.drain(ann.id)
    await ann.say("/newbake")
    await ann.say("Slow loaf")
    await ann.say("500 375 100 10")
    started = await ann.say("24")
    assert "Following your plan" in started.text
    # The dough runs slow: the jar lags the model.
    await runner.advance(timedelta(hours=2))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 2")
    await runner.advance(timedelta(hours=1, minutes=30))
    ann.emulator.drain(ann.id)
    slow = await ann.say("/rise 6")
    planned = "tomorrow at 09:00"  # it is Saturday by now
    drift = re.search(
        rf"At this pace the bread would be ready (.+?), (.+?) later than planned \({planned}\)",
        slow.text,
    )
    assert drift is not None, slow.text
    assert f"To keep {planned}:" in slow.text and "in the fridge instead of" in slow.text
    assert any(t.startswith(f"Keep {planned}") for t in slow.button_texts)
    assert any(t.startswith("Bread tomorrow at ") for t in slow.button_texts)
    assert "↩️ Undo" in slow.button_texts
    # Said once: the next slow reading doesn't repeat it.
    await runner.advance(timedelta(minutes=40))
    ann.emulator.drain(ann.id)
    again = await ann.say("/rise 9")
    assert "later than planned" not in again.text
    # The baker keeps the time: the end of bulk moves later, the fridge gets shorter, 09:00 stays.
    keep = next(t for t in slow.button_texts if t.startswith("Keep"))
    answered = await ann.tap(slow, keep)
    assert not answered["text"]  # the reply says it
    assert f"Re-planned: bread still out of the oven {planned}" in (await ann.reply()).text
    pending = {r["kind"]: when(r["due_at"]) for r in plan_reminders(db)}
    assert pending["plan_shape"] > shape_before + timedelta(minutes=20)
    assert pending["plan_out"] == out_before
    plan = rows(db, "SELECT * FROM plans")[0]
    assert plan["drift_told_at"] is None and plan["fridge_hours"] < 14.5
    # Pressed again (a double tap: the button had gone from the message by then): nothing left to move.
    keep_data = next(data for row in slow.buttons for text, data in row if text == keep)
    assert "Already re-planned" in (await ann.press_raw(slow.message_id, keep_data))["text"]


async def test_moving_the_bread_time_moves_the_later_reminders(ann, runner, settings) -> None:
    db = settings.database_path
    proposal = await ann.say("/plan Sun 9:00")
    await ann.tap(proposal, next(t for t in proposal.button_texts if t.startswith("✓ 1:")))
    await ann.emulator.wait_for(ann.id, lambda m: m.kind == "photo")
    mix = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_mix")["due_at"])
    out_before = when(next(r for r in plan_reminders(db) if r["kind"] == "plan_out")["due_at"])
    await runner.advance(mix - runner.clock.now())
    ann.emulator.drain(ann.id)
    await ann.say("/newbake Slow two")
    await ann.say("/temp 24")
    await runner.advance(timedelta(hours=2))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 2")
    await runner.advance(timedelta(hours=1, minutes=30))
    ann.emulator.drain(ann.id)
    slow = await ann.say("/rise 6")
    move = next(t for t in slow.button_texts if t.startswith("Bread tomorrow at "))
    answered = await ann.tap(slow, move)
    assert not answered["text"]  # the reply says it
    assert "the later reminders moved with it" in (await ann.reply()).text
    pending = {r["kind"]: when(r["due_at"]) for r in plan_reminders(db)}
    assert pending["plan_out"] > out_before + timedelta(minutes=20)
    assert pending["plan_preheat"] == pending["plan_bake"] - timedelta(hours=1)


async def test_cancelling_a_plan_cancels_its_reminders(ann, settings) -> None:
    db = settings.database_path
    proposal = await ann.say("/plan Sun 9:00")
    await ann.tap(proposal, next(t for t in proposal.button_texts if t.startswith("✓ 1:")))
    await ann.emulator.wait_for(ann.id, lambda m: m.kind == "photo")
    ann.emulator.drain(ann.id)
    assert "Plan for Sun 29 Nov at 09:00 cancelled" in (await ann.say("/plan cancel")).text
    assert plan_reminders(db) == [] and rows(db, "SELECT state FROM plans")[0]["state"] == "cancelled"


async def test_fridge_until_a_clock_time(ann, runner, settings) -> None:
    await ann.say("/newbake Until loaf")
    reply = await ann.say("/fridge until 8:00")
    assert "in the fridge until tomorrow at 08:00 (22 h)" in reply.text
    assert "preheat tomorrow at 07:00" in reply.text
    bake = rows(settings.database_path, "SELECT phase, proof_ends_at FROM bakes")[0]
    assert bake["phase"] == "cold_proof" and when(bake["proof_ends_at"]) == datetime(
        2026, 11, 25, 7, 0, tzinfo=UTC
    )


async def test_fridge_by_clock_time_in_each_form(ann, runner, settings) -> None:
    for command, expected in (
        ("/fridge 8am", "until tomorrow at 08:00 (22 h)"),
        ("/fridge tomorrow 07:30", "until tomorrow at 07:30 (21 h 30 min)"),
        ("/fridge 08:00", "until tomorrow at 08:00 (22 h)"),  # a clock time, no longer 8 hours
    ):
        await ann.say(f"/newbake {command}")
        assert expected in (await ann.say(command)).text, command
    await ann.say("/newbake Too soon")
    assert "between 15 minutes and 3 days" in (await ann.say("/fridge until 10:05")).text
    assert "until tomorrow at 00:00 (14 h)" in (await ann.say("/fridge 14h")).text  # a duration still works


async def test_fridge_buttons_show_clock_times_and_a_suggestion_outside_quiet_hours(ann, runner) -> None:
    await quiet_hours(ann)
    await ann.say("/newbake Quiet loaf")
    await ann.say("/temp 24")
    await runner.advance(timedelta(hours=4))  # 14:00
    ann.emulator.drain(ann.id)
    await ann.say("/rise 50")
    ask = await ann.say("/fridge")
    assert "12 h (02:00)" in ask.button_texts and "8 h (22:00)" in ask.button_texts
    suggested = next(t for t in ask.button_texts if "(suggested)" in t)
    end = suggested.rsplit(" ", 1)[1]
    hour = int(end.split(":")[0])
    assert 7 <= hour < 22, suggested  # it ends in the baker's day, the preheat too
    assert "outside your quiet hours" in ask.text


async def test_the_fridge_temperature_is_a_setting_the_plans_use(ann, settings) -> None:
    reply = await ann.say("/settings")
    assert "Fridge: 4 °C" in reply.text
    await ann.tap(reply, "Fridge")
    assert "fridge's temperature" in (await ann.reply()).text
    assert "between -2 and 12 °C" in (await ann.say("30")).text
    saved = await ann.say("7")
    assert "Fridge: 7 °C" in saved.text
    assert rows(settings.database_path, "SELECT fridge_temp_c FROM users")[0][0] == 7.0
    proposal = await ann.say("/plan Sun 9:00")
    assert "fridge 7 °C" in proposal.text
    # a warmer fridge allows a shorter cold proof (at most 15 h at 7 °C, 22 h at 4 °C)
    hours = [float(h) for h in re.findall(r"into the fridge for (\d+) h", proposal.text)]
    assert hours and max(hours) <= 15.0
