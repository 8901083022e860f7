"""German and Russian bakers type in their own words and are understood: a plan for `morgen` and
`завтра`, the fridge `bis 8:00`, a timer of `45 мин` — the same as `/plan tomorrow 9:00`,
`/fridge until 8:00` and `/timer 45m` (schedules/words.py), answered in the baker's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import START, Baker
from tests.e2e.helpers import rows

# START is Tuesday 24 November 2026, 10:00 in Berlin (the bakers' default timezone here).
TOMORROW_9 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday 09:00 in Berlin
TOMORROW_8 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)




async def accept_first_option(baker: Baker, proposal) -> None:
    option = next(t for t in proposal.button_texts if t.startswith("✓ 1:"))
    await baker.tap(proposal, option)
    await baker.emulator.wait_for(baker.id, lambda m: m.kind != "photo" and not m.edited and "✅" in m.text)
    await baker.emulator.wait_for(baker.id, lambda m: m.kind == "photo")  # the plan's picture
    baker.emulator.drain(baker.id)


async def test_a_german_baker_plans_for_morgen_and_cools_the_dough_bis_8(greta, settings) -> None:
    db = settings.database_path
    proposal = await greta.say("/plan morgen 9:00")
    assert "Brot aus dem Ofen: morgen um 09:00" in proposal.text
    await accept_first_option(greta, proposal)
    plan = rows(db, "SELECT ready_at, state FROM plans")
    assert len(plan) == 1 and plan[0]["state"] == "active" and when(plan[0]["ready_at"]) == TOMORROW_9

    await greta.say("/newbake Landbrot")
    fridge = await greta.say("/fridge bis 8:00")
    assert "bis morgen um 08:00 im Kühlschrank (22 Std.)" in fridge.text
    bake = rows(db, "SELECT phase, proof_ends_at FROM bakes WHERE name = 'Landbrot'")[0]
    assert bake["phase"] == "cold_proof" and when(bake["proof_ends_at"]) == TOMORROW_8


async def test_a_russian_baker_plans_for_zavtra_and_sets_a_timer_in_minutes(olga, settings) -> None:
    db = settings.database_path
    proposal = await olga.say("/plan завтра 9:00")
    assert "Хлеб из духовки: завтра в 09:00" in proposal.text
    await accept_first_option(olga, proposal)
    plan = rows(db, "SELECT ready_at, state FROM plans")
    assert len(plan) == 1 and plan[0]["state"] == "active" and when(plan[0]["ready_at"]) == TOMORROW_9

    timer = await olga.say("/timer 45 мин")
    assert "Таймер на 10:45 (через 45 мин)" in timer.text
    timers = rows(db, "SELECT due_at FROM reminders WHERE kind = 'timer' AND state = 'pending'")
    assert len(timers) == 1  # 45 minutes from now (the clock runs on from START in real time)
    assert timedelta(minutes=45) <= when(timers[0]["due_at"]) - START < timedelta(minutes=46)


async def test_the_other_words_a_german_or_russian_baker_types(greta, olga, settings) -> None:
    """Words of either language are understood whatever the baker's own: the fridge `до 8:00`
    from a German baker, `/folds aus`, a plan called off with `abbrechen` and `отмена`."""
    assert "Du hast gerade keinen Plan" in (await greta.say("/plan abbrechen")).text
    await greta.say("/newbake Roggenbrot")
    assert "Falten" in (await greta.say("/folds 3 45 Min")).text
    folds = "SELECT COUNT(*) AS n FROM reminders WHERE kind = 'fold' AND state = 'pending'"
    assert rows(settings.database_path, folds)[0]["n"] == 3
    await greta.say("/folds aus")
    assert rows(settings.database_path, folds)[0]["n"] == 0
    assert "bis morgen um 08:00" in (await greta.say("/fridge до 8:00")).text
    assert "Активного плана нет" in (await olga.say("/plan отмена")).text
