import contextlib
import math
import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import texts
from bot.handlers.bakes import clean_name
from bot.handlers.reminders import parse_folds
from bot.handlers.start import parse_setting
from schedules.parsing import (
    ParseError,
    clean_text,
    describe_duration,
    parse_bounded,
    parse_by_temperature,
    parse_cancel,
    parse_clock_range,
    parse_duration,
    parse_feed_ratio,
    parse_number,
    parse_off,
    parse_rating,
    parse_recipe,
    parse_rise,
    parse_target,
    parse_temperature,
    parse_timezone,
    split_duration_and_label,
    zone_for,
)
from schedules.recipe import Recipe, bakers_percentages
from schedules.types import TargetRule


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


# ---------------------------------------------------------------- numbers of any size

HUGE = "9" * 400


def reply_for(exc: ParseError, example: str = "/example") -> str:
    """The reply the error handler would send: every placeholder filled."""
    reply = texts.input_error(exc.reason, example, **{"text": "typed", **exc.details})
    assert "{" not in reply and "}" not in reply, reply
    return reply


def refused(parse: Callable[[], object]) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse()
    reply_for(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("parse", "reason", "says"),
    [
        (lambda: parse_duration("99999999999999d", what="A timer"), "duration_too_long", "to 7 days"),
        (lambda: parse_duration("9" * 40 + "m"), "duration_too_long", "from 1 second to 7 days"),
        (lambda: parse_duration("1" * 400, bare_unit="h"), "duration_too_long", "7 days"),
        (lambda: parse_duration("1h" * 30), "duration_too_long", "7 days"),
        (lambda: parse_duration("0.00000000000001s"), "duration_too_short", "from 1 second"),
        (lambda: parse_duration(HUGE + "." + HUGE + "h"), "duration_too_long", "7 days"),
        (lambda: parse_temperature(HUGE), "temp_range", "between 5 and 45 °C"),
        (lambda: parse_temperature(HUGE + "F"), "temp_range", "between 41 and 113 °F"),
        (lambda: parse_temperature("-" + HUGE), "temp_range", "between 5 and 45 °C"),
        (lambda: parse_rise(HUGE), "rise_too_high", "from 0 to 300 %"),
        (lambda: parse_rise(HUGE + "%"), "rise_too_high", "from 0 to 300 %"),
        (lambda: parse_rise("-" + HUGE), "rise_too_high", "from 0 to 300 %"),
        (lambda: parse_rise("4 " + HUGE), "height_too_large", "up to 10000"),
        (lambda: parse_rise("0.000000001 9000"), "rise_too_high", "from 0 to 300 %"),
        (lambda: parse_recipe(HUGE), "recipe_format", "up to 100 kg"),
        (lambda: parse_recipe("9" * 20 + " 375 100 10"), "recipe_too_large", "up to 100 kg"),
        (lambda: parse_recipe("flour " + "9" * 20 + "kg"), "recipe_too_large", "up to 100 kg"),
        (lambda: parse_feed_ratio("1:" + HUGE), "feed_range", "above 0 and up to 100"),
        (lambda: parse_feed_ratio("1:0:2"), "feed_range", "above 0 and up to 100"),
        (lambda: parse_feed_ratio("1:101"), "feed_range", "above 0 and up to 100"),
        (lambda: parse_rating(HUGE), "rating_format", "from 1 to 5"),
        (lambda: parse_target(HUGE), "target_range", "from 10 to 200 %"),
        (lambda: parse_number(HUGE), "number_too_long", "up to 12 digits"),
        (lambda: parse_folds([HUGE]), "folds_format", "0 to 12"),
        (lambda: parse_folds(["3", HUGE + "m"]), "folds_format", "5 to 180 minutes"),
        (lambda: parse_setting("folds", HUGE), "folds_format", "0 to 12"),
        (lambda: parse_setting("folds", "4 " + HUGE), "folds_format", "5 to 180 minutes"),
        (lambda: parse_setting("checks", HUGE), "setting_number", "from 5 to 600"),
        (lambda: parse_setting("preheat", HUGE + " min"), "setting_number", "from 5 to 600"),
        (lambda: parse_setting("target", HUGE), "target_range", "from 10 to 200 %"),
        (lambda: parse_setting("quiet", HUGE), "quiet_format", "22:00-07:00"),
        (lambda: parse_setting("tz", "+" + HUGE), "timezone_unknown", "Europe/Berlin"),
    ],
)
def test_numbers_of_any_size_are_refused_with_the_range(
    parse: Callable[[], object], reason: str, says: str
) -> None:
    error = refused(parse)
    assert error.reason == reason
    assert says in texts.plain(reply_for(error))


def test_more_than_twelve_significant_digits_is_out_of_range_but_zeros_are_not_digits() -> None:
    assert parse_number("999999999999") == 999999999999
    assert parse_number("0000000000000000000024.5000000") == 24.5
    assert refused(lambda: parse_number("1234567890123")).reason == "number_too_long"
    assert refused(lambda: parse_number("4.5000000000001")).reason == "number_too_long"
    assert parse_rise("0000000000000000040").rise_pct == 40
    assert parse_duration("0000000000045m") == timedelta(minutes=45)


def test_durations_name_their_range() -> None:
    assert describe_duration(timedelta(seconds=1)) == "1 second"
    assert describe_duration(timedelta(minutes=15)) == "15 minutes"
    assert describe_duration(timedelta(hours=3)) == "3 hours"
    assert describe_duration(timedelta(days=7)) == "7 days"
    error = refused(lambda: parse_duration("8d", what="A timer"))
    assert texts.plain(reply_for(error, "/timer 45m fold")) == (
        "That's too long. A timer can be from 1 second to 7 days, e.g. /timer 45m fold."
    )


def test_a_long_message_costs_no_more_than_a_short_one() -> None:
    """Each parser stays linear: no pattern backtracks over a 4096-character message."""
    long_inputs = ["1 " * 2048, "1" * 4096, "1" + " " * 4094 + "x", "a1" * 2048, "1h" * 2048]
    parsers: list[Callable[[str], object]] = [
        split_duration_and_label,
        parse_duration,
        parse_clock_range,
        parse_recipe,
        parse_rise,
        parse_temperature,
        parse_feed_ratio,
        parse_rating,
        parse_timezone,
        clean_text,
    ]
    for parse in parsers:
        for text in long_inputs:
            started = time.perf_counter()
            with contextlib.suppress(ParseError):
                parse(text)
            assert time.perf_counter() - started < 0.5, (parse.__name__, text[:10])


# ---------------------------------------------------------------- decimal separators


def test_decimal_commas_are_understood_and_echoed() -> None:
    assert parse_rise("4,5").rise_pct == 4.5
    assert parse_rise("4,5 %").rise_pct == 4.5
    assert parse_rise("40.04").rise_pct == 40.0  # stored as shown: one decimal
    assert parse_temperature("24,5") == 24.5
    assert parse_target("62,5 %") == 62.5
    assert parse_duration("1,5h") == timedelta(minutes=90)
    assert parse_feed_ratio("1:2,5") == (1, 2.5, 2.5)
    assert parse_recipe("1kg 0,7kg 200 20") == Recipe(1000, 700, 200, 20)
    assert parse_recipe("500,375,100,10") == Recipe(500, 375, 100, 10)  # a list, not decimals
    assert texts.fmt_pct(4.5) == "4.5 %" and texts.fmt_pct(40.0) == "40 %"
    assert texts.fmt_pct(45.25) in ("45.2 %", "45.3 %") and texts.fmt_pct(-0.0) == "0 %"
    assert texts.fmt_reading(45.2, from_heights=True) == "45 %"
    assert texts.fmt_temp(24.5, "C") == "24.5 °C" and texts.fmt_temp(24.0, "C") == "24 °C"
    assert texts.fmt_temp(parse_temperature("76.5F"), "F") == "76.5 °F"
    assert texts.fmt_temp(parse_temperature("76F"), "F") == "76 °F"


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_number("1,000"),
        lambda: parse_rise("1,000"),
        lambda: parse_rise("1,000%"),
        lambda: parse_rise("4,200 6,100"),
        lambda: parse_temperature("24,500"),
        lambda: parse_target("1,000"),
        lambda: parse_duration("1,000m"),
        lambda: parse_duration("1,500h"),
        lambda: parse_feed_ratio("1:1,000"),
        lambda: parse_recipe("flour 1,000 water 750"),
        lambda: parse_recipe("1,000 750 200 20"),
        lambda: parse_folds(["1,000"]),
        lambda: parse_folds(["3", "45,000m"]),
        lambda: parse_setting("folds", "1,000"),
        lambda: parse_setting("checks", "1,000"),
        lambda: parse_setting("target", "1,000"),
    ],
)
def test_a_comma_and_three_digits_is_asked_about(parse: Callable[[], object]) -> None:
    error = refused(parse)
    assert error.reason == "ambiguous_comma"
    reply = texts.plain(reply_for(error))
    assert "Did you mean" in reply and " or " in reply


def test_the_ambiguity_reply_offers_both_readings() -> None:
    error = refused(lambda: parse_number("1,000"))
    assert texts.plain(reply_for(error)) == (
        "“1,000” could be read two ways. Did you mean 1.000 or 1000? Send 1.0 or 1000."
    )
    error = refused(lambda: parse_number("4,500"))
    assert "Send 4.5 or 4500" in texts.plain(reply_for(error))
    assert parse_number("0,125") == 0.125  # "0,125" can't be a thousands separator


def test_counts_must_be_whole() -> None:
    assert parse_folds(["4"]) == (4, None)
    assert parse_folds(["3", "45m"]) == (3, 45)
    assert parse_folds(["off"]) == (0, None)
    for args in (["4,5"], ["4.5"], ["13"], ["-1"], ["4.0000000000001"]):
        error = refused(lambda args=args: parse_folds(args))
        assert error.reason == "folds_format"
        assert "a whole number of folds, 0 to 12" in reply_for(error)
    assert parse_folds(["4.0"]) == (4, None)
    assert parse_setting("folds", "4, 30") == {"folds_count": 4, "fold_interval_min": 30}
    assert parse_setting("folds", "4 30min") == {"folds_count": 4, "fold_interval_min": 30}
    assert refused(lambda: parse_setting("folds", "4,5")).reason == "folds_format"
    assert refused(lambda: parse_setting("checks", "60.5")).reason == "setting_number"
    assert parse_setting("checks", "60 minutes") == {"rise_check_interval_min": 60}
    for rating in ("4,5", "4.5", "0", "6", HUGE):
        assert refused(lambda rating=rating: parse_rating(rating)).reason == "rating_format"


def test_bounded_numbers() -> None:
    assert parse_bounded("5", 0, 12, "folds_format", whole=True) == 5
    error = refused(lambda: parse_bounded("13", 0, 12, "folds_format"))
    assert (error.reason, error.details) == ("folds_format", {"low": 0, "high": 12})
    assert refused(lambda: parse_bounded("abc", 0, 12, "folds_format")).reason == "not_a_number"


# ---------------------------------------------------------------- names and notes


def test_clean_text_drops_invisible_and_reordering_characters() -> None:
    assert clean_text("\u200b\u200c\u200d\u2060\ufeff\x00") == ""
    assert clean_text("\u202eCountry\u202c \u2066loaf\u2069\u200f") == "Country loaf"
    assert clean_text("  Rye\t\x00\x1f  loaf\n\r ") == "Rye loaf"
    assert clean_text("\x85\x9f\u00adOat\u061c") == "Oat"
    assert clean_text("👩\u200d🍳 loaf ❤️") == "👩\u200d🍳 loaf ❤️"  # the ZWJ sequence stays whole
    assert clean_text("🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F") == (
        "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
    )
    assert clean_text("\U000E0067a") == "a"  # a tag outside a flag sequence
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"  # ZWNJ between letters stays
    assert clean_text("\u200dloaf\u200d") == "loaf"
    assert clean_text("\u3164\u2800 \u115f") == ""  # shows nothing
    assert clean_text("\ud800 rye") == "rye"  # a lone surrogate can't be stored
    assert clean_text("a\u00a0\u3000b") == "a b"
    notes = "Open crumb.\r\n\r\n\r\n\u200bMore  salt\x00 next time\u2028\n"
    assert clean_text(notes, multiline=True) == "Open crumb.\n\nMore salt next time"
    assert clean_text("\u200b\n\u202e\n", multiline=True) == ""


def test_names_made_of_nothing_visible_are_refused() -> None:
    for name in ("\u200b\u200b", "\x00", "\u202e\u202c", "\ufeff \u2066", " \u200d "):
        error = refused(lambda name=name: clean_name(name))
        assert error.reason == "name_empty" and "needs a name" in reply_for(error)
    assert clean_name("\u202eCountry loaf\u202c") == "Country loaf"
    assert refused(lambda: clean_name("x" * 81)).reason == "name_long"
    assert clean_name("x" * 80 + "\u200b" * 50) == "x" * 80


# ---------------------------------------------------------------- properties: any digits

numeric = st.text(alphabet="0123456789,.", min_size=1, max_size=500)
signs = st.sampled_from(["", "-", "+", " ", "0", "1:", "1 ", "flour "])
units = st.sampled_from(["", "d", "h", "m", "s", "%", "min", "F", "C", "°C", "kg", "g", ":2", " 6", "h30m"])
with_units = st.builds(lambda a, n, u: f"{a}{n}{u}", signs, numeric, units)
inputs = st.one_of(numeric, with_units)
PROPERTY = settings(max_examples=300, deadline=None)


def never_crash(parse: Callable[[str], object], text: str) -> object | None:
    """Either a value or ParseError (whose reply formats fully) — never another exception."""
    try:
        return parse(text)
    except ParseError as exc:
        reply_for(exc)
        return None


def in_range(value: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low <= value <= high


@PROPERTY
@given(text=inputs)
def test_numbers_never_crash(text: str) -> None:
    value = never_crash(parse_number, text)
    assert value is None or (isinstance(value, float) and math.isfinite(value) and abs(value) < 1e12)
    value = never_crash(lambda t: parse_bounded(t, 0, 12, "folds_format", whole=True), text)
    assert value is None or (isinstance(value, float) and in_range(value, 0, 12) and value == int(value))
    value = never_crash(parse_target, text)
    assert value is None or (isinstance(value, float) and in_range(value, 10, 200))


@PROPERTY
@given(text=inputs)
def test_durations_never_crash(text: str) -> None:
    for bare_unit in ("m", "h"):
        duration = never_crash(lambda t, u=bare_unit: parse_duration(t, bare_unit=u), text)
        assert duration is None or (
            isinstance(duration, timedelta) and timedelta(seconds=1) <= duration <= timedelta(days=7)
        )
    spec, _label = split_duration_and_label(text)
    never_crash(lambda t: parse_duration(t, what="A timer"), spec)
    never_crash(lambda t: parse_duration(t, maximum=timedelta.max), text)


@PROPERTY
@given(text=inputs)
def test_temperatures_never_crash(text: str) -> None:
    for unit in ("C", "F"):
        value = never_crash(lambda t, u=unit: parse_temperature(t, default_unit=u), text)
        assert value is None or (isinstance(value, float) and in_range(value, 5, 45))


@PROPERTY
@given(text=inputs)
def test_rise_never_crashes(text: str) -> None:
    reading = never_crash(parse_rise, text)
    assert reading is None or in_range(reading.rise_pct, 0, 300)  # type: ignore[attr-defined]


@PROPERTY
@given(text=inputs)
def test_recipes_feed_and_rating_never_crash(text: str) -> None:
    recipe = never_crash(parse_recipe, text)
    if isinstance(recipe, Recipe):
        amounts = [recipe.flour_g, recipe.water_g, recipe.starter_g, recipe.salt_g]
        assert all(a is None or in_range(a, 0, 100_000) for a in amounts)
    ratio = never_crash(parse_feed_ratio, text)
    assert ratio is None or all(in_range(p, 0, 100) for p in ratio)  # type: ignore[attr-defined]
    rating = never_crash(parse_rating, text)
    assert rating is None or rating in range(1, 6)


@PROPERTY
@given(text=inputs)
def test_settings_folds_and_the_rest_never_crash(text: str) -> None:
    for field in ("folds", "checks", "preheat", "target", "quiet", "tz"):
        never_crash(lambda t, f=field: parse_setting(f, t), text)
    folds = never_crash(lambda t: parse_folds(t.lower().split()), text)
    if folds is not None:
        count, interval = folds  # type: ignore[misc]
        assert 0 <= count <= 12 and (interval is None or 5 <= interval <= 180)
    never_crash(parse_timezone, text)
    never_crash(parse_clock_range, text)


@PROPERTY
@given(text=st.text(max_size=300))
def test_cleaned_text_has_nothing_invisible_left(text: str) -> None:
    for multiline in (False, True):
        cleaned = clean_text(text, multiline=multiline)
        assert cleaned == cleaned.strip()
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]", cleaned)
        assert multiline or "\n" not in cleaned
        assert clean_text(cleaned, multiline=multiline) == cleaned


# ---------------------------------------------------------------- German and Russian words


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45 Min", 45),
        ("45 Min.", 45),
        ("45 Minuten", 45),
        ("1 Std 30 Min", 90),
        ("1,5 Std", 90),
        ("2 Stunden", 120),
        ("1 Tag", 1440),
        ("45 мин", 45),
        ("45мин", 45),
        ("1 ч 30 мин", 90),
        ("1,5 ч", 90),
        ("2 часа", 120),
        ("1 день", 1440),
        ("2 дня", 2880),
        ("1h 30 мин", 90),  # languages may mix
    ],
)
def test_german_and_russian_duration_units(text: str, minutes: int) -> None:
    assert parse_duration(text, maximum=timedelta(days=7)) == timedelta(minutes=minutes)


def test_german_and_russian_seconds_and_timer_labels() -> None:
    assert parse_duration("90 Sek") == timedelta(seconds=90)
    assert parse_duration("90 с") == timedelta(seconds=90)
    assert parse_duration("90 секунд") == timedelta(seconds=90)
    assert split_duration_and_label("45min falten") == ("45min", "falten")
    assert split_duration_and_label("45 Min Falten") == ("45 Min", "Falten")
    assert split_duration_and_label("45 мин складывание") == ("45 мин", "складывание")
    assert split_duration_and_label("1 ч 30 мин проверить духовку") == ("1 ч 30 мин", "проверить духовку")
    assert refused(lambda: parse_duration("45 Minutenn")).reason == "duration_format"
    assert refused(lambda: parse_duration("мин 45")).reason == "duration_format"


@pytest.mark.parametrize(
    "word", ["off", "Off", "none", "no", "0", "aus", "Aus", "nein", "keine", "выкл", "Выкл.", "нет"]
)
def test_off_in_every_language(word: str) -> None:
    assert parse_off(word)
    assert parse_cancel(word)
    assert parse_setting("checks", word) == {"rise_check_interval_min": 0}
    assert parse_setting("preheat", word) == {"preheat_min": 0}
    assert parse_setting("folds", word) == {"folds_count": 0}
    assert parse_setting("quiet", word) == {"quiet_start": None, "quiet_end": None}
    assert parse_folds(word.lower().split()) == (0, None)


def test_cancel_and_by_temperature_in_every_language() -> None:
    for word in ("cancel", "stop", "abbrechen", "Abbrechen", "stopp", "отмена", "отменить", "стоп"):
        assert parse_cancel(word), word
    for word in ("9:00", "morgen", "", "ausgezeichnet"):
        assert not parse_cancel(word) and not parse_off(word), word
    by_temperature = ("temp", "temperature", "auto", "Temperatur", "automatisch", "температура", "авто")
    for word in by_temperature:
        assert parse_by_temperature(word), word
        assert parse_setting("target", word) == {"target_rule": TargetRule.TEMP, "target_fixed_pct": None}
    assert parse_by_temperature("По температуре")
    assert not parse_by_temperature("75")


def test_german_and_russian_minutes_in_settings_and_folds() -> None:
    assert parse_setting("folds", "4 30 Min") == {"folds_count": 4, "fold_interval_min": 30}
    assert parse_setting("folds", "4 30 мин") == {"folds_count": 4, "fold_interval_min": 30}
    assert parse_setting("checks", "60 Minuten") == {"rise_check_interval_min": 60}
    assert parse_setting("preheat", "45 мин.") == {"preheat_min": 45}
    assert parse_folds(["3", "45min"]) == (3, 45)
    assert parse_folds(["3", "45", "min"]) == (3, 45)
    assert parse_folds(["3", "45", "мин"]) == (3, 45)
    assert parse_folds(["3", "1", "std"]) == (3, 60)
    assert parse_clock_range("22 bis 7") == parse_clock_range("22-7") == parse_clock_range("22 до 7")


@pytest.mark.parametrize(
    "text",
    [
        "Mehl 500 Wasser 375 Anstellgut 100 Salz 10",
        "500g Mehl, 375g Wasser, 100g Sauerteig, 10g Salz",
        "мука 500 вода 375 закваска 100 соль 10",
        "500 г муки, 375 г воды, 100 г закваски, 10 г соли",
        "0,5 кг муки 375 г воды 100 г закваски 10 г соли",
        "Mehl 500 water 375 закваска 100 salt 10",
    ],
)
def test_recipe_words_in_german_and_russian(text: str) -> None:
    assert parse_recipe(text) == Recipe(500.0, 375.0, 100.0, 10.0)
