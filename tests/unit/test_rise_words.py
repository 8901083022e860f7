"""A rise in words ("rise 45", "45 percent", "подъём 45") is read like `/rise 45`."""

from __future__ import annotations

import pytest

from schedules.parsing import ParseError, RiseInput, parse_rise, rise_in_words


@pytest.mark.parametrize(
    "text",
    [
        "45%",
        "45 %",
        " 45 % ",
        "45 percent",
        "45 Percent",
        "45 per cent",
        "45 pct",
        "45 pct.",
        "rise 45",
        "Rise 45",
        "Rise: 45",
        "RISE=45",
        "rise 45%",
        "45% rise",
        "rise: 45 percent",
        "45 Prozent",
        "Aufgang 45",
        "Anstieg: 45 %",
        "45 процентов",
        "45 процента",
        "подъём 45",
        "Подъем 45",
        "рост 45%",
        "45％",
    ],
)
def test_a_rise_in_words_reads_as_the_number(text: str) -> None:
    words = rise_in_words(text)
    assert words is not None
    assert parse_rise(words) == RiseInput(45.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,5%", 4.5),
        ("rise 4,5", 4.5),
        ("45,5 Prozent", 45.5),
        ("подъём 12,5", 12.5),
        ("rise 0", 0.0),
    ],
)
def test_decimal_commas_are_kept(text: str, expected: float) -> None:
    words = rise_in_words(text)
    assert words is not None and parse_rise(words).rise_pct == expected


@pytest.mark.parametrize("text", ["1,000%", "rise 1,000", "1,500 percent"])
def test_a_thousands_comma_is_still_asked_about(text: str) -> None:
    words = rise_in_words(text)
    assert words is not None
    with pytest.raises(ParseError) as caught:
        parse_rise(words)
    assert caught.value.reason == "ambiguous_comma"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5%", "rise_negative"),
        ("rise -5", "rise_negative"),
        ("400 percent", "rise_too_high"),
        ("9" * 400 + "%", "rise_too_high"),
    ],
)
def test_out_of_range_readings_in_words_are_refused_like_commands(text: str, reason: str) -> None:
    words = rise_in_words(text)
    assert words is not None
    with pytest.raises(ParseError) as caught:
        parse_rise(words)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "rise 4.2 6.1",
        "Rise: 4,2 6,1",
        "rise 4.2cm 6.1cm",
        "rise 4.2 -> 6.1",
        "rise 4.2 to 6.1",
        "подъём 4,2 6,1",
    ],
)
def test_jar_heights_after_the_word(text: str) -> None:
    words = rise_in_words(text)
    assert words is not None
    reading = parse_rise(words)
    assert (reading.rise_pct, reading.start_height, reading.current_height) == (45.2, 4.2, 6.1)


@pytest.mark.parametrize(
    "text",
    [
        "45",
        "4.2 6.1",
        "rise",
        "rise abc",
        "hello 45",
        "45 loaves",
        "bake at 45",
        "rise and shine",
        "percent",
        "45 % 50 %",
        "/rise 45",
        "rise 45 50 60",
        "",
    ],
)
def test_other_messages_are_not_readings(text: str) -> None:
    assert rise_in_words(text) is None
