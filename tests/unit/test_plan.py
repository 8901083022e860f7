"""Planning a bake backwards (schedules.plan): timelines, quiet hours, impossible times, DST
nights, alternatives, the fridge by clock time and live re-planning."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedules import fermentation as model
from schedules.plan import (
    BAKE_TIME,
    DEFAULT_NIGHT,
    FRIDGE_MIN_H,
    SHAPE_TIME,
    Baker,
    PlanStep,
    Step,
    build,
    drift,
    fitting_fridge_hours,
    fridge_range,
    in_quiet,
    peak_hours,
    plan_backwards,
    shifted,
    steps_from_json,
    steps_to_json,
)
from schedules.planner import QuietHours
from schedules.when import parse_when

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Berlin
NIGHT = QuietHours(time(22, 0), time(7, 0))


def baker(**changes: object) -> Baker:
    values: dict[str, object] = {"zone": BERLIN, "quiet": NIGHT}
    values.update(changes)
    return Baker(**values)  # type: ignore[arg-type]


def clock(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%a %H:%M")


def test_a_timeline_ends_with_the_bread_out_of_the_oven_at_the_time_asked() -> None:
    ready = parse_when("Sun 9:00", NOW, BERLIN)
    plan = build(baker(), ready, starter_pct=20.0, fridge_hours=14.0, feed_ratio=2)
    order = [s.step for s in plan.steps if s.step != Step.FOLD]
    assert order == [Step.FEED, Step.MIX, Step.SHAPE, Step.FRIDGE, Step.PREHEAT, Step.BAKE, Step.OUT]
    assert plan.at(Step.OUT) == ready and plan.ready_at == ready
    assert plan.bake_at == ready - BAKE_TIME
    assert plan.at(Step.PREHEAT) == plan.bake_at - timedelta(minutes=60)
    assert plan.bake_at - plan.fridge_at == timedelta(hours=14)
    assert plan.fridge_at - plan.bulk_end == SHAPE_TIME
    # bulk: the model's hours at the kitchen temperature to its target (rounded to 5 min earlier)
    expected = model.predict_bulk_hours(20.0, 24.0, round(model.target_rise_pct(24.0)))
    assert plan.bulk_hours == pytest.approx(expected)
    assert timedelta(0) <= (plan.bulk_end - plan.mix_at) - timedelta(hours=expected) < timedelta(minutes=5)
    # the starter, fed 1:2:2, peaks at mixing
    assert (
        timedelta(0)
        <= plan.mix_at - plan.feed_at - timedelta(hours=peak_hours(2, 24.0))
        < timedelta(minutes=5)
    )
    folds = [s for s in plan.steps if s.step == Step.FOLD]
    assert [f.seq for f in folds] == [1, 2, 3, 4]
    assert all(f.at - plan.mix_at == timedelta(minutes=30 * f.seq) for f in folds)
    # the model says how much it keeps rising in the fridge
    assert plan.rise_after_fridge_pct > plan.target_rise_pct
    assert all(a.at <= b.at for a, b in itertools.pairwise(plan.steps))


def test_slower_baker_and_colder_kitchen_mix_earlier() -> None:
    ready = parse_when("Sun 9:00", NOW, BERLIN)
    usual = build(baker(), ready, starter_pct=20.0, fridge_hours=14.0, feed_ratio=2)
    slow = build(baker(pace=1.3), ready, starter_pct=20.0, fridge_hours=14.0, feed_ratio=2)
    cold = build(baker(kitchen_temp_c=20.0), ready, starter_pct=20.0, fridge_hours=14.0, feed_ratio=2)
    less = build(baker(), ready, starter_pct=10.0, fridge_hours=14.0, feed_ratio=2)
    assert slow.mix_at < usual.mix_at and cold.mix_at < usual.mix_at and less.mix_at < usual.mix_at


def test_best_plan_keeps_every_step_out_of_the_quiet_hours() -> None:
    for text in ("Sun 9:00", "Sat 12:00", "tomorrow 18:30", "Fri 8:45", "Thu 21:00"):
        options = plan_backwards(baker(), parse_when(text, NOW, BERLIN), NOW)
        assert options.met, text
        assert options.plans and options.plans[0].ready_at == options.asked
        for plan in options.plans:
            assert not plan.clashes, (text, [clock(s.at) for s in plan.clashes])
            assert all(not in_quiet(s.at, NIGHT, BERLIN) for s in plan.steps)
            assert plan.feed_at >= NOW
            lo, hi = fridge_range(baker())
            assert lo <= plan.fridge_hours <= hi


def test_no_quiet_hours_set_means_a_default_night_is_kept_free() -> None:
    options = plan_backwards(baker(quiet=None), parse_when("Sun 9:00", NOW, BERLIN), NOW)
    assert all(not in_quiet(s.at, DEFAULT_NIGHT, BERLIN) for s in options.plans[0].steps)


def test_alternatives_differ_usefully() -> None:
    options = plan_backwards(baker(), parse_when("Sun 9:00", NOW, BERLIN), NOW)
    assert 2 <= len(options.plans) <= 3
    for a, b in itertools.combinations(options.plans, 2):
        apart = abs((a.mix_at - b.mix_at).total_seconds()) / 3600
        assert apart >= 1.5
        if a.starter_pct == b.starter_pct:
            assert apart >= 3.0
    # the usual starter comes first when it can; a different amount is an alternative
    assert options.plans[0].starter_pct == 20.0


def test_quiet_hours_are_absorbed_by_the_starter_amount_when_the_fridge_cannot() -> None:
    """Bread wanted at 18:30 tomorrow from an 8 °C fridge (the model allows at most 12.5 h): the
    dough can't go in before 06:00, so with 20 % starter mixing would fall in the night; 5 %
    starter (a 12 h bulk) moves mixing to the evening before, its folds before 22:00."""
    cool = baker(fridge_temp_c=8.0)
    assert fridge_range(cool)[1] < 13.0
    options = plan_backwards(cool, parse_when("tomorrow 18:30", NOW, BERLIN), NOW)
    best = options.plans[0]
    assert options.met and not best.clashes
    assert best.starter_pct < 20.0 and best.bulk_hours > 10.0
    assert clock(best.mix_at) == "Tue 19:15"
    # the usual starter can't do it without a step in the night
    usual = [
        build(cool, best.ready_at, starter_pct=20.0, fridge_hours=h, feed_ratio=r)
        for h in (8.0, 10.0, 12.5)
        for r in (1, 2, 5, 10)
    ]
    assert all(p.clashes or p.feed_at < NOW for p in usual)


def test_a_time_that_cannot_be_met_says_so_with_the_earliest_that_can() -> None:
    options = plan_backwards(baker(), parse_when("18:30", NOW, BERLIN), NOW)  # in 8.5 hours
    assert not options.met
    assert options.earliest is not None and options.earliest > options.asked
    plan = options.plans[0]
    assert plan.ready_at == options.earliest and not plan.clashes and plan.feed_at >= NOW
    # ...and it is the earliest: 15 minutes sooner has no plan without a step in the quiet hours
    sooner = plan_backwards(baker(), options.earliest - timedelta(minutes=15), NOW)
    assert not sooner.met or sooner.plans[0].clashes
    # with a fast dough and no quiet hours it is about feed + bulk + 8 h fridge away
    assert options.earliest - NOW >= timedelta(hours=FRIDGE_MIN_H)


def test_a_time_only_met_with_a_step_in_the_quiet_hours_offers_the_first_that_is_not() -> None:
    options = plan_backwards(baker(), parse_when("tomorrow 8am", NOW, BERLIN), NOW)
    assert options.met and options.plans[0].clashes  # the preheat at 06:15 is in the night
    assert options.quiet_free_at is not None and options.quiet_free_at > options.asked
    assert options.plans[-1].ready_at == options.quiet_free_at and not options.plans[-1].clashes


def test_dst_nights_keep_real_durations_and_local_quiet_hours() -> None:
    spring_now = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # Friday; clocks go forward Sunday 02:00
    ready = parse_when("Sun 9:00", spring_now, BERLIN)
    assert ready.astimezone(BERLIN).strftime("%H:%M %Z") == "09:00 CEST"
    options = plan_backwards(baker(), ready, spring_now)
    plan = options.plans[0]
    # elapsed hours, not wall-clock hours: 14 h in the fridge is 14 real hours across the change
    assert plan.bake_at - plan.fridge_at == timedelta(hours=plan.fridge_hours)
    assert not plan.clashes
    for step in plan.steps:
        assert not in_quiet(step.at, NIGHT, BERLIN)
    autumn_now = datetime(2026, 10, 23, 9, 0, tzinfo=UTC)  # clocks go back Sunday 03:00
    ready = parse_when("Sun 9:00", autumn_now, BERLIN)
    assert ready.astimezone(BERLIN).strftime("%H:%M %Z") == "09:00 CET"
    plan = plan_backwards(baker(), ready, autumn_now).plans[0]
    assert plan.at(Step.OUT) == ready and not plan.clashes


def test_fridge_by_clock_time_fits_the_bakers_day() -> None:
    now = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 14:00 in Berlin
    # 10 h would end at 00:00 (preheat 23:00): inside 22-07, so the nearest length that ends
    # after 07:00 with the preheat at 07:00 at the earliest is 18 h (08:00).
    assert fitting_fridge_hours(10.0, now, BERLIN, NIGHT, timedelta(hours=1)) == 18.0
    # 7 h ends 21:00 with the preheat at 20:00: fits, kept.
    assert fitting_fridge_hours(7.0, now, BERLIN, NIGHT, timedelta(hours=1)) == 7.0
    assert fitting_fridge_hours(10.0, now, BERLIN, None, timedelta(hours=1)) == 10.0
    # nothing fits (quiet all day but an hour): the suggestion stands
    tight = QuietHours(time(8, 0), time(7, 0))
    assert fitting_fridge_hours(10.0, now, BERLIN, tight, timedelta(hours=1)) == 10.0


def test_drift_says_what_keeps_the_planned_time() -> None:
    plan = build(
        baker(), parse_when("Sun 9:00", NOW, BERLIN), starter_pct=20.0, fridge_hours=14.0, feed_ratio=2
    )
    bounds = fridge_range(baker())
    now = plan.mix_at + timedelta(hours=3)
    kwargs = dict(
        planned_bulk_end=plan.bulk_end,
        planned_ready=plan.ready_at,
        fridge_hours=plan.fridge_hours,
        fridge_bounds=bounds,
        now=now,
        dough_temp_c=21.0,  # a cool kitchen: a warmer spot is within reach
    )
    assert drift(eta=plan.bulk_end + timedelta(minutes=20), **kwargs) is None  # type: ignore[arg-type]
    assert drift(eta=plan.bulk_end - timedelta(minutes=15), **kwargs) is None  # type: ignore[arg-type]
    late = drift(eta=plan.bulk_end + timedelta(minutes=45), **kwargs)  # type: ignore[arg-type]
    assert late is not None and late.minutes == 45
    assert late.ready_at == plan.ready_at + timedelta(minutes=45)
    assert late.fridge_hours == pytest.approx(13.25)  # 45 minutes less in the fridge keeps 09:00
    assert late.spot_temp_c is not None and 22.0 <= late.spot_temp_c <= 26.0  # or a warmer spot
    early = drift(eta=plan.bulk_end - timedelta(minutes=60), **kwargs)  # type: ignore[arg-type]
    assert early is not None and early.minutes == -60 and early.fridge_hours == pytest.approx(15.0)
    assert early.spot_temp_c is not None and early.spot_temp_c < 21.0
    # far too slow for any kitchen spot: only the fridge can help
    slow = drift(eta=plan.bulk_end + timedelta(hours=3), **kwargs)  # type: ignore[arg-type]
    assert slow is not None and slow.spot_temp_c is None and slow.fridge_hours == pytest.approx(11.0)
    # a drift the fridge can't absorb (bounds) offers no fridge length
    huge = drift(eta=plan.bulk_end + timedelta(hours=7), **kwargs)  # type: ignore[arg-type]
    assert huge is not None and huge.fridge_hours is None


def test_replanning_moves_the_later_steps() -> None:
    plan = build(
        baker(), parse_when("Sun 9:00", NOW, BERLIN), starter_pct=20.0, fridge_hours=14.0, feed_ratio=2
    )
    later = timedelta(minutes=50)
    kept = {s.step: s.at for s in shifted(plan.steps, later, keep_ready=True)}
    moved = {s.step: s.at for s in shifted(plan.steps, later, keep_ready=False)}
    assert kept[Step.MIX] == plan.mix_at and kept[Step.FEED] == plan.feed_at
    assert kept[Step.SHAPE] == plan.bulk_end + later and kept[Step.FRIDGE] == plan.fridge_at + later
    assert kept[Step.OUT] == plan.ready_at and kept[Step.BAKE] == plan.bake_at
    assert moved[Step.OUT] == plan.ready_at + later and moved[Step.PREHEAT] == plan.at(Step.PREHEAT) + later


def test_steps_round_trip_as_stored() -> None:
    plan = build(
        baker(), parse_when("Sun 9:00", NOW, BERLIN), starter_pct=20.0, fridge_hours=14.0, feed_ratio=5
    )
    assert steps_from_json(steps_to_json(plan.steps)) == plan.steps
    assert steps_from_json(None) == () and steps_from_json("not json") == ()
    assert steps_from_json('[["mix", "2026-11-24T10:00:00+00:00", 0], ["nope", "x", 1], 3]') == (
        PlanStep(Step.MIX, datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
    )
