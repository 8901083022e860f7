from datetime import timedelta

import pytest

from schedules.parsing import (
    ParseError,
    parse_clock_range,
    parse_duration,
    parse_feed_ratio,
    parse_rating,
    parse_recipe,
    parse_rise,
    parse_temperature,
    parse_timezone,
    split_duration_and_label,
    zone_for,
)
from schedules.recipe import Recipe, bakers_percentages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45m", timedelta(minutes=45)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30min", timedelta(minutes=90)),
        ("90s", timedelta(seconds=90)),
        ("1.5h", timedelta(minutes=90)),
        ("2:30", timedelta(minutes=150)),
        ("2 hours", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("20", timedelta(minutes=20)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "duration_format"),
        ("0s", "duration_too_short"),
        ("400d", "duration_too_long"),
        ("-3h", "duration_negative"),
        ("", "duration_missing"),
        ("5x", "duration_format"),
        ("h", "duration_format"),
    ],
)
def test_bad_durations(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_duration(text)
    assert caught.value.reason == reason


def test_bare_number_unit_and_label_split() -> None:
    assert parse_duration("14", bare_unit="h") == timedelta(hours=14)
    assert split_duration_and_label("45m fold") == ("45m", "fold")
    assert split_duration_and_label("1h 30m check oven") == ("1h 30m", "check oven")
    assert split_duration_and_label("abc") == ("abc", "")


def test_temperatures() -> None:
    assert parse_temperature("24.5") == 24.5
    assert parse_temperature("24,5 °C") == 24.5
    assert parse_temperature("76F") == pytest.approx(24.44, abs=0.01)
    assert parse_temperature("76", default_unit="F") == pytest.approx(24.44, abs=0.01)
    for bad, reason in (("warm", "temp_format"), ("99", "temp_range"), ("-5", "temp_range")):
        with pytest.raises(ParseError) as caught:
            parse_temperature(bad)
        assert caught.value.reason == reason


def test_rise_percent_and_heights() -> None:
    assert parse_rise("40").rise_pct == 40
    assert parse_rise("40 %").rise_pct == 40
    jar = parse_rise("4.2 6.1")
    assert (jar.rise_pct, jar.start_height, jar.current_height) == (45.2, 4.2, 6.1)
    assert parse_rise("4,2 6,1").rise_pct == 45.2
    for bad, reason in (
        ("-5", "rise_negative"),
        ("9999", "rise_too_high"),
        ("0 5", "height_not_positive"),
        ("abc", "not_a_number"),
        ("", "rise_format"),
        ("1 2 3", "rise_format"),
        ("6 4", "rise_negative"),
    ):
        with pytest.raises(ParseError) as caught:
            parse_rise(bad)
        assert caught.value.reason == reason, bad


def test_recipes_and_bakers_percentages() -> None:
    expected = Recipe(500, 375, 100, 10)
    assert parse_recipe("500 375 100 10") == expected
    assert parse_recipe("flour 500 water 375g starter 100 salt 10") == expected
    assert parse_recipe("500g flour, 375g water, 100g starter, 10g salt") == expected
    assert parse_recipe("1kg 0.7kg 200 20") == Recipe(1000, 700, 200, 20)
    pct = bakers_percentages(expected)
    assert (pct.hydration_pct, pct.inoculation_pct, pct.salt_pct) == (75.0, 20.0, 2.0)
    assert pct.total_hydration_pct == pytest.approx(77.3, abs=0.1)  # starter counted as 50/50
    for bad in ("abc", "0 100", "1 2 3 4 5", "flour", "200000 1"):
        with pytest.raises(ParseError):
            parse_recipe(bad)


def test_timezones() -> None:
    assert parse_timezone("europe/berlin") == "Europe/Berlin"
    assert parse_timezone("+2") == "UTC+02:00"
    assert parse_timezone("-5:30") == "UTC-05:30"
    assert parse_timezone("UTC") == "UTC"
    assert zone_for("UTC-05:30").utcoffset(None) == -timedelta(hours=5, minutes=30)
    assert str(zone_for("nonsense")) == "UTC"
    for bad in ("Mars/Base", "+15", "hello"):
        with pytest.raises(ParseError):
            parse_timezone(bad)


def test_small_things() -> None:
    assert parse_clock_range("22:00-07:00")[0].hour == 22
    assert parse_feed_ratio("1:2:2") == (1, 2, 2)
    assert parse_feed_ratio("1:5") == (1, 5, 5)
    assert parse_rating("4") == 4
    assert parse_rating("⭐⭐⭐") == 3
    for bad in ("0", "6", "great"):
        with pytest.raises(ParseError):
            parse_rating(bad)
    with pytest.raises(ParseError):
        parse_feed_ratio("1:0:2")
