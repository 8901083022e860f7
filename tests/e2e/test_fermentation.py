"""The fermentation model as a baker meets it: targets, live ETA, learning, starter log."""

from __future__ import annotations

import re
from datetime import timedelta

from schedules import fermentation as model
from tests.e2e.helpers import rows


async def start_bake(baker, name: str = "Loaf", temp: str = "24") -> None:
    await baker.say("/newbake")
    await baker.say(name)
    await baker.say("500 375 100 10")
    return await baker.say(temp)


async def test_newbake_states_target_and_window(ann, settings) -> None:
    reply = await start_bake(ann, temp="24")
    target = round(model.target_rise_pct(24))
    assert f"Aim for about {target} % rise; expect it between" in reply.text
    low, high = re.search(r"between (\d\d:\d\d) and (\d\d:\d\d)", reply.text).groups()  # type: ignore[union-attr]
    bake = rows(settings.database_path, "SELECT * FROM bakes")[0]
    expected = model.predict_bulk_hours(20.0, 24.0, target)
    assert abs(bake["predicted_bulk_hours"] - expected) < 0.01
    due = rows(settings.database_path, "SELECT due_at FROM reminders WHERE kind = 'bulk_done'")
    assert len(due) == 1 and low < high


async def test_each_reading_updates_the_eta_and_moves_the_single_bulk_done_reminder(
    ann, runner, settings
) -> None:
    await start_bake(ann, temp="24")
    db = settings.database_path
    before = rows(db, "SELECT id, due_at FROM reminders WHERE kind = 'bulk_done' AND state = 'pending'")
    await runner.advance(timedelta(hours=2))
    ann.emulator.drain(ann.id)
    reply = await ann.say("/rise 15")
    assert "expected around" in reply.text  # one reading: still the book's estimate
    await runner.advance(timedelta(hours=1))
    ann.emulator.drain(ann.id)
    reply = await ann.say("/rise 35")
    assert re.search(r"35 % after 3 h.*\nAt this pace \d+ % around \d\d:\d\d \(between", reply.text, re.S)
    after = rows(db, "SELECT id, due_at FROM reminders WHERE kind = 'bulk_done' AND state = 'pending'")
    assert len(after) == 1 and after[0]["id"] == before[0]["id"]  # moved, never duplicated
    assert after[0]["due_at"] < before[0]["due_at"]  # faster than the book: earlier


async def test_passing_the_target_and_well_past_it(ann, runner, settings) -> None:
    await start_bake(ann, temp="24")
    target = round(model.target_rise_pct(24))
    await runner.advance(timedelta(hours=4))
    ann.emulator.drain(ann.id)
    reply = await ann.say(f"/rise {target + 2}")
    assert "reached the target" in reply.text
    assert (
        rows(settings.database_path, "SELECT * FROM reminders WHERE kind='bulk_done' AND state='pending'")
        == []
    )
    reply = await ann.say(f"/rise {round(target * 1.6)}")
    assert "over-fermenting" in reply.text and "Shape it now" in reply.text


async def test_temperature_and_target_override_update_the_estimate(ann, settings) -> None:
    await start_bake(ann, temp="22")
    first = rows(settings.database_path, "SELECT predicted_bulk_hours FROM bakes")[0][0]
    reply = await ann.say("/temp 27")
    assert f"aim for about {round(model.target_rise_pct(27))} % rise" in reply.text  # warmer: a lower target
    assert "expected around" in reply.text
    reply = await ann.say("/target 60")
    assert "Target for Loaf set to 60 %" in reply.text
    bake = rows(settings.database_path, "SELECT * FROM bakes")[0]
    assert bake["target_rise_pct"] == 60 and bake["predicted_bulk_hours"] != first


async def test_fixed_target_rule_from_settings(ann) -> None:
    reply = await ann.say("/settings")
    await ann.tap(reply, "Target rise")
    await ann.reply()
    assert "fixed at 80 %" in (await ann.say("80")).text
    assert "Aim for about 80 % rise" in (await start_bake(ann)).text


async def test_fridge_suggests_a_length_from_temperature_and_time_in_bulk(ann, runner) -> None:
    await start_bake(ann, temp="27")
    await runner.advance(timedelta(hours=4))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 60")
    warm = await ann.say("/fridge")
    warm_hours = float(re.search(r"suggested: ([\d.]+) h", warm.text)[1])  # type: ignore[index]
    assert any("(suggested)" in t for t in warm.button_texts)
    await ann.tap(await ann.say("/abandon"), "Yes")
    await start_bake(ann, "Cool", temp="20")
    await runner.advance(timedelta(hours=4))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 20")
    cool = await ann.say("/fridge")
    cool_hours = float(re.search(r"suggested: ([\d.]+) h", cool.text)[1])  # type: ignore[index]
    assert 8 <= warm_hours < cool_hours <= 24


async def test_starter_feed_reminds_at_the_peak(ann, runner, settings) -> None:
    reply = await ann.say("/feed 1:2:2 24C")
    assert "Fed 1:2:2 at 24 °C" in reply.text and "peak around" in reply.text
    feeding = rows(settings.database_path, "SELECT * FROM starter_feedings")[0]
    assert 5 <= feeding["peak_hours"] <= 8
    assert "1:2:2" in (await ann.say("/starter")).text
    await runner.advance(timedelta(hours=feeding["peak_hours"]))
    assert "should be near its peak" in (await ann.reply()).text


async def test_the_model_learns_a_slow_baker_within_three_bakes(ann, runner, settings) -> None:
    """A baker whose dough takes 30 % longer than the book: after 3 finished bakes the
    prediction for the next one is within 10 % of the truth."""
    db = settings.database_path
    target = round(model.target_rise_pct(24))
    truth_hours = model.predict_bulk_hours(20.0, 24.0, target) * 1.3
    messages = []
    for number in range(3):
        await start_bake(ann, f"Bake {number}")
        await runner.advance(timedelta(hours=truth_hours))
        ann.emulator.drain(ann.id)
        await ann.say(f"/rise {target}")
        await ann.say("/fridge 12h")
        await runner.advance(timedelta(hours=12))
        ann.emulator.drain(ann.id)
        await ann.say("/done")
        await ann.say("/cancel")
        bake_id = rows(db, "SELECT id FROM bakes ORDER BY id DESC")[0]["id"]
        messages.append(rows(db, "SELECT predicted_bulk_hours FROM bakes WHERE id = ?", (bake_id,))[0][0])
    await start_bake(ann, "Bake 4")
    predicted = rows(db, "SELECT predicted_bulk_hours FROM bakes ORDER BY id DESC")[0][0]
    assert abs(predicted - truth_hours) / truth_hours < 0.10
    assert abs(messages[0] - truth_hours) / truth_hours > 0.2  # the first prediction was off
    reply = await ann.say("/settings")
    assert "takes about 1.3× as long as the book" in reply.text
    await ann.tap(reply, "Reset what I learned")
    assert "Forgot what I learned" in (await ann.reply()).text


async def test_finishing_shows_how_well_the_prediction_matched(ann, runner) -> None:
    await start_bake(ann)
    await runner.advance(timedelta(hours=7))
    ann.emulator.drain(ann.id)
    await ann.say("/rise 50")
    await ann.say("/proof 1h")
    await runner.advance(timedelta(hours=1))
    ann.emulator.drain(ann.id)
    reply = await ann.say("/done")
    await ann.tap(reply, "Skip")
    await ann.tap(await ann.reply(), "Skip")
    finished = await ann.reply()
    assert re.search(r"Bulk took 7 h; I had predicted [\d h min]+ \(\d+ % too (long|short)\)", finished.text)
