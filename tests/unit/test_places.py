"""Timezones by a place's name: cities and countries in English, German and Russian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schedules import places
from schedules.parsing import ParseError, parse_timezone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("new york", "America/New_York"),
        ("New York", "America/New_York"),
        ("Toronto", "America/Toronto"),
        ("münchen", "Europe/Berlin"),
        ("Muenchen", "Europe/Berlin"),
        ("Munich", "Europe/Berlin"),
        ("Moskau", "Europe/Moscow"),
        ("москва", "Europe/Moscow"),
        ("МОСКВА", "Europe/Moscow"),
        ("Kiev", "Europe/Kyiv"),
        ("Kyiv", "Europe/Kyiv"),
        ("Киев", "Europe/Kyiv"),
        ("UK", "Europe/London"),
        ("England", "Europe/London"),
        ("Deutschland", "Europe/Berlin"),
        ("Germany", "Europe/Berlin"),
        ("Германия", "Europe/Berlin"),
        ("Zürich", "Europe/Zurich"),
        ("zurich", "Europe/Zurich"),
        ("Genf", "Europe/Zurich"),
        ("St. Petersburg", "Europe/Moscow"),
        ("Saint Petersburg", "Europe/Moscow"),
        ("Санкт-Петербург", "Europe/Moscow"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
        ("Calcutta", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("Los Angeles", "America/Los_Angeles"),
        ("San Francisco", "America/Los_Angeles"),
        ("Chicago", "America/Chicago"),
        ("Japan", "Asia/Tokyo"),
        ("Wien", "Europe/Vienna"),
        ("Нью-Йорк", "America/New_York"),
        ("Paris, France", "Europe/Paris"),
        ("Kazakhstan", "Asia/Almaty"),
    ],
)
def test_a_place_gives_its_zone(text: str, zone: str) -> None:
    assert places.find_zones(text) == (zone,)
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "zones"),
    [
        ("Portland", ("America/Los_Angeles", "America/New_York")),
        ("Portland, USA", ("America/Los_Angeles", "America/New_York")),
        ("Spain", ("Atlantic/Canary", "Europe/Madrid")),
        ("Ukraine", ("Europe/Kyiv", "Europe/Simferopol")),
    ],
)
def test_a_place_in_several_times_gives_each_west_to_east(text: str, zones: tuple[str, ...]) -> None:
    assert places.find_zones(text) == zones
    with pytest.raises(ParseError) as caught:
        parse_timezone(text)
    assert caught.value.reason == "timezone_ambiguous"
    assert caught.value.details["zones"] == zones


def test_a_big_country_gives_one_zone_per_time_with_its_main_city() -> None:
    usa = places.find_zones("USA")
    assert usa == places.find_zones("United States") == places.find_zones("США")
    assert {
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    } <= set(usa)
    assert "America/Detroit" not in usa and "America/Boise" not in usa  # same time as New York, Denver
    russia = places.find_zones("Россия")
    assert russia[:2] == ("Europe/Kaliningrad", "Europe/Moscow") and russia[-1] == "Asia/Kamchatka"
    assert len(russia) == len(set(russia)) >= 9


@pytest.mark.parametrize("text", ["", "xyz", "Eastern", "North", "NSW", "bread", "x" * 500, "Europe"])
def test_unknown_places_give_nothing(text: str) -> None:
    assert places.find_zones(text) == ()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("america/new york", "America/New_York"),
        ("+2", "UTC+02:00"),
        ("-5:30", "UTC-05:30"),
        ("UTC", "UTC"),
        ("GMT", "UTC"),
    ],
)
def test_the_earlier_forms_still_work(text: str, key: str) -> None:
    assert parse_timezone(text) == key


def test_fold_drops_case_accents_and_marks() -> None:
    assert places.fold("Saint-Étienne") == places.fold("st etienne") == "saint etienne"
    assert places.fold("Санкт-Петербург") == "санкт петербург"
    assert places.fold("St. John’s") == "saint johns"


def test_describe_names_city_country_and_offset_in_a_language() -> None:
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, tzinfo=UTC)
    assert places.describe("America/Los_Angeles", "en", winter) == places.ZonePlace(
        "America/Los_Angeles", "Los Angeles", "United States", -480
    )
    assert places.describe("America/Los_Angeles", "en", summer).offset_minutes == -420
    moscow = places.describe("Europe/Moscow", "ru", winter)
    assert (moscow.city, moscow.country, moscow.offset_minutes) == ("Москва", "Россия", 180)
    assert places.describe("Asia/Kolkata", "de", winter).offset_minutes == 330
    assert places.describe("Europe/Berlin", "de", winter).city == "Berlin"


@pytest.mark.parametrize(
    ("text", "key"),
    [("Europe/Kiev", "Europe/Kyiv"), ("US/Pacific", "America/Los_Angeles"), ("Japan", "Asia/Tokyo")],
)
def test_old_zone_names_give_the_current_one(text: str, key: str) -> None:
    assert parse_timezone(text) == key
