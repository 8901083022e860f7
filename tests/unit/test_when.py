"""Clock times as bakers type them (schedules.when): next occurrences, days, DST nights."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.parsing import ParseError
from schedules.when import (
    ClockTime,
    local_moment,
    looks_like_clock,
    next_occurrence,
    parse_clock,
    parse_fridge_temperature,
    parse_when,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Berlin


def local(text: str, now: datetime = NOW, zone: ZoneInfo = BERLIN) -> str:
    return parse_when(text, now, zone).astimezone(zone).strftime("%a %d %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:30", "Tue 24 18:30"),  # still ahead today
        ("9:00", "Wed 25 09:00"),  # gone today: tomorrow
        ("8am", "Wed 25 08:00"),
        ("7:30pm", "Tue 24 19:30"),
        ("12am", "Wed 25 00:00"),
        ("12pm", "Tue 24 12:00"),
        ("noon", "Tue 24 12:00"),
        ("tomorrow 8am", "Wed 25 08:00"),
        ("tomorrow 07:30", "Wed 25 07:30"),
        ("Sun 9:00", "Sun 29 09:00"),
        ("sunday 9", "Sun 29 09:00"),
        ("9:00 on Sunday", "Sun 29 09:00"),
        ("Tue 11:00", "Tue 24 11:00"),  # today, still ahead
        ("Tue 9:00", "Tue 01 09:00"),  # today, gone: next week
        ("until 8:00", "Wed 25 08:00"),
        ("at 18.30", "Tue 24 18:30"),
        ("today 23:15", "Tue 24 23:15"),
    ],
)
def test_next_occurrence_in_the_bakers_timezone(text: str, expected: str) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "25:00", "9:75", "13pm", "0am", "tomorrow", "Sun Mon 9:00", "9:00 10:00", "9 o'clk"]
)
def test_what_is_not_a_clock_time(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_clock(text)
    assert caught.value.reason == "when_format"


def test_today_at_an_hour_gone_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        parse_when("today 8:00", NOW, BERLIN)
    assert caught.value.reason == "when_past"


def test_a_duration_is_not_a_clock_time() -> None:
    for clock in ("8:00", "08:00", "8am", "8 am", "until 8", "tomorrow 07:30", "Sun 9:00", "7.30pm"):
        assert looks_like_clock(clock), clock
    for duration in ("14h", "14", "1h30m", "8", "90m", "1.5h", ""):
        assert not looks_like_clock(duration), duration


def test_dst_nights_resolve_to_real_moments() -> None:
    spring = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Saturday; clocks go forward Sunday 02:00
    # 02:30 does not exist that night: it is read on the new clock, an hour later (03:30 CEST).
    moment = parse_when("Sun 2:30", spring, BERLIN)
    assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert moment.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"
    assert parse_when("Sun 9:00", spring, BERLIN) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    autumn = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # clocks go back Sunday 03:00 -> 02:00
    # 02:30 happens twice: the first one (still summer time).
    assert parse_when("Sun 2:30", autumn, BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_when("Sun 9:00", autumn, BERLIN) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_fixed_offsets_and_utc() -> None:
    plus = timezone(timedelta(hours=5, minutes=30))
    assert parse_when("18:30", NOW, plus) == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 14:30 there now
    assert parse_when("14:00", NOW, plus) == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert parse_when("18:30", NOW, UTC) == datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 23),
    st.integers(0, 59),
    st.one_of(st.none(), st.integers(0, 6), st.just("tomorrow")),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]),
)
def test_the_next_occurrence_is_ahead_within_eight_days_and_shows_that_clock(
    hour: int, minute: int, day: int | str | None, naive_now: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    now = naive_now.replace(tzinfo=UTC)
    moment = next_occurrence(ClockTime(time(hour, minute), day), now, zone)
    assert now < moment <= now + timedelta(days=8, hours=2)
    shown = moment.astimezone(zone)
    wall = local_moment(shown, time(hour, minute), zone)
    assert wall == moment  # the same wall-time reading gives the same instant
    if shown.time() != time(hour, minute):  # only in a spring-forward gap: an hour later at most
        skipped = datetime.combine(shown.date(), time(hour, minute))
        assert timedelta(0) < shown.replace(tzinfo=None) - skipped <= timedelta(hours=1)
    if isinstance(day, int):
        assert shown.weekday() == day


def test_fridge_temperature_setting() -> None:
    assert parse_fridge_temperature("4") == 4.0
    assert parse_fridge_temperature("39F") == pytest.approx(3.89, abs=0.01)
    assert parse_fridge_temperature("-1,5") == -1.5
    for bad, reason in (("30", "fridge_range"), ("cold", "temp_format"), ("-10", "fridge_range")):
        with pytest.raises(ParseError) as caught:
            parse_fridge_temperature(bad)
        assert caught.value.reason == reason


# ---------------------------------------------------------------- German and Russian


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("morgen 8:00", "Wed 25 08:00"),
        ("Morgen 8 Uhr", "Wed 25 08:00"),
        ("heute 23:15", "Tue 24 23:15"),
        ("übermorgen 7:00", "Thu 26 07:00"),
        ("uebermorgen 7", "Thu 26 07:00"),
        ("So 9:00", "Sun 29 09:00"),
        ("So. 9:00", "Sun 29 09:00"),
        ("Sonntag 9 Uhr", "Sun 29 09:00"),
        ("am Sonntag um 9", "Sun 29 09:00"),
        ("nächsten Sonntag 9:00", "Sun 29 09:00"),
        ("Sonntag morgen 9", "Sun 29 09:00"),
        ("Mi 18:30", "Wed 25 18:30"),
        ("bis 8:00", "Wed 25 08:00"),
        ("um 18.30", "Tue 24 18:30"),
        ("8 Uhr abends", "Tue 24 20:00"),
        ("20 Uhr abends", "Tue 24 20:00"),
        ("mittags", "Tue 24 12:00"),
        ("завтра 8:00", "Wed 25 08:00"),
        ("Завтра в 8", "Wed 25 08:00"),
        ("сегодня 23:15", "Tue 24 23:15"),
        ("послезавтра 10:00", "Thu 26 10:00"),
        ("вс 9:00", "Sun 29 09:00"),
        ("ВС 9:00", "Sun 29 09:00"),
        ("воскресенье 9:00", "Sun 29 09:00"),
        ("в воскресенье в 9", "Sun 29 09:00"),
        ("в среду в 9 вечера", "Wed 25 21:00"),
        ("в пятницу 7:30", "Fri 27 07:30"),
        ("в субботу в 9 часов", "Sat 28 09:00"),
        ("до 8:00", "Wed 25 08:00"),
        ("к 8 утра", "Wed 25 08:00"),
        ("12 ночи", "Wed 25 00:00"),
        ("полдень", "Tue 24 12:00"),
        ("8 am", "Wed 25 08:00"),  # English "am" after a number, German "am" before a day
    ],
)
def test_german_and_russian_days_and_times(text: str, expected: str) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    "text", ["morgen", "So Mo 9:00", "20 Uhr morgens", "завтра послезавтра 9:00", "вс 9 10"]
)
def test_what_is_not_a_clock_time_in_other_languages(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_clock(text)
    assert caught.value.reason == "when_format"


def test_every_weekday_name_of_babel_is_understood() -> None:
    from babel import Locale

    for language in ("de", "ru"):
        for width in ("wide", "abbreviated"):
            for day, name in Locale(language).days["format"][width].items():
                assert parse_clock(f"{name} 9:00") == ClockTime(time(9, 0), int(day)), (language, name)


def test_german_and_russian_clock_words_for_the_fridge() -> None:
    clocks = ("bis 8:00", "bis 8", "8 Uhr", "morgen 7:30", "So 9:00", "до 8:00", "до 8", "завтра 7:30")
    for clock in (*clocks, "8 утра", "в 8"):
        assert looks_like_clock(clock), clock
    for duration in ("14 Std", "14 Std.", "14 Stunden", "14 ч", "8 часов", "2 дня", "90 мин"):
        assert not looks_like_clock(duration), duration
