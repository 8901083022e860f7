"""Numbers of any size, decimal commas, invisible characters and forged huge ids, through the
real Dispatcher and the Bot API emulator: every one gets a clear reply (naming what is accepted),
nothing wrong is stored, and the bot logs no traceback."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Baker
from tests.e2e.helpers import rows, snapshot

HUGE = "9" * 400
THIRTY_DIGITS = "9" * 30


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    found = tracebacks(caplog)
    assert not found, found[0].getMessage()


# ---------------------------------------------------------------- huge numbers in every command


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/timer 99999999999999d", "A timer can be from 1 second to 7 days"),
        (f"/timer {HUGE}m fold", "A timer can be from 1 second to 7 days"),
        (f"/timer {HUGE}", "A timer can be from 1 second to 7 days"),
        ("/timer " + "1h" * 2000, "A timer can be from 1 second to 7 days"),
        (f"/fridge {HUGE}m", "between 15 minutes and 3 days"),
        ("/fridge 99999999999999", "between 15 minutes and 3 days"),
        ("/proof " + "1" * 400 + "h", "between 15 minutes and 3 days"),
        ("/folds " + "1" * 400, "a whole number of folds, 0 to 12"),
        (f"/folds 3 {HUGE}m", "a whole number of folds, 0 to 12"),
        (f"/rise {HUGE}", "a rise can be from 0 to 300 %"),
        (f"{HUGE}%", "a rise can be from 0 to 300 %"),
        (f"/rise 4 {HUGE}", "up to 10000"),
        (f"/rise -{HUGE}", "from 0 to 300 %"),
        (f"/temp {HUGE}", "between 5 and 45 °C"),
        (f"/temp {HUGE}F", "between 41 and 113 °F"),
        (f"/target {HUGE}", "from 10 to 200 %"),
        (f"/feed 1:{HUGE}", "above 0 and up to 100"),
        (f"/feed 1:2:2 {HUGE}C", "between 5 and 40 °C"),
    ],
)
async def test_huge_numbers_in_commands_get_the_range(
    ann: Baker, settings, caplog: pytest.LogCaptureFixture, command: str, expected: str
) -> None:
    await ann.say("/newbake Loaf")
    before = snapshot(settings.database_path)
    reply = await ann.say(command)
    assert expected in reply.text and "went wrong" not in reply.text
    assert snapshot(settings.database_path) == before
    assert_no_traceback(caplog)


async def test_huge_numbers_in_the_newbake_dialog(ann: Baker, settings, caplog) -> None:
    await ann.say("/newbake")
    await ann.say("Loaf")
    assert "up to 100 kg" in (await ann.say(HUGE)).text
    assert "up to 100 kg" in (await ann.say("9" * 20 + " 375 100 10")).text
    await ann.say("500 375 100 10")
    assert "between 5 and 45 °C" in (await ann.say(HUGE)).text
    assert "Started Loaf" in (await ann.say("24,5")).text
    assert rows(settings.database_path, "SELECT dough_temp_c FROM bakes")[0][0] == 24.5
    assert_no_traceback(caplog)


async def test_other_commands_with_huge_numbers_still_answer(ann: Baker, caplog) -> None:
    await ann.say("/newbake Loaf")
    for command in (f"/export {HUGE}d", f"/bakes {HUGE}", f"/chart {HUGE}", f"/status {HUGE}"):
        reply = await ann.say(command)
        assert reply.text and "went wrong" not in reply.text, command
        ann.emulator.drain(ann.id)
    assert_no_traceback(caplog)


@pytest.mark.parametrize(
    ("button", "typed", "expected"),
    [
        ("Folds", HUGE, "a whole number of folds, 0 to 12"),
        ("Folds", f"4 {HUGE}", "5 to 180 minutes apart"),
        ("Folds", "4,5", "a whole number of folds, 0 to 12"),
        ("Rise checks", HUGE, "from 5 to 600"),
        ("Rise checks", "60.5", "a whole number of minutes from 5 to 600"),
        ("Preheat", f"{HUGE} min", "from 5 to 600"),
        ("Target rise", HUGE, "from 10 to 200 %"),
        ("Target rise", "-" + HUGE, "from 10 to 200 %"),
        ("Quiet hours", "1" + " " * 3000 + "x", "22:00-07:00"),
        ("Quiet hours", HUGE, "22:00-07:00"),
        ("Timezone", "+" + HUGE, "Europe/Berlin"),
        ("Target rise", "1,000", "Did you mean 1.000 or 1000? Send 1.0 or 1000"),
    ],
)
async def test_huge_numbers_in_settings_get_the_range(
    ann: Baker, settings, caplog, button: str, typed: str, expected: str
) -> None:
    await ann.say("/start")
    reply = await ann.say("/settings")
    await ann.tap(reply, button)
    await ann.reply()
    before = snapshot(settings.database_path)
    reply = await ann.say(typed)
    assert expected in reply.text and "went wrong" not in reply.text
    assert snapshot(settings.database_path) == before
    assert_no_traceback(caplog)


async def test_settings_take_decimals_as_typed(ann: Baker, settings, caplog) -> None:
    reply = await ann.say("/settings")
    await ann.tap(reply, "Target rise")
    await ann.reply()
    assert "fixed at 62.5 %" in (await ann.say("62,5")).text
    await ann.say("/newbake Loaf")
    assert "aim for about 62.5 % rise" in (await ann.say("/temp 24")).text
    user = rows(settings.database_path, "SELECT target_fixed_pct FROM users")[0]
    assert user["target_fixed_pct"] == 62.5
    assert_no_traceback(caplog)


# ---------------------------------------------------------------- decimal separators


async def test_a_decimal_comma_is_echoed_as_understood(ann: Baker, settings, caplog) -> None:
    await ann.say("/newbake Loaf")
    reply = await ann.say("/rise 4,5")
    assert "4.5 %" in reply.text
    assert "4.5 %" in (await ann.say("4,5 %")).text  # a bare percent too
    assert "Target for Loaf set to 62.5 %" in (await ann.say("/target 62,5")).text
    assert "24.5 °C" in (await ann.say("/temp 24,5")).text
    readings = [r["rise_pct"] for r in rows(settings.database_path, "SELECT rise_pct FROM rise_readings")]
    assert readings == [4.5, 4.5]
    status = await ann.say("/status")
    assert "4.5 %" in status.text
    assert_no_traceback(caplog)


async def test_fahrenheit_decimals_are_echoed(ann: Baker, caplog) -> None:
    reply = await ann.say("/settings")
    await ann.tap(reply, "Use °F")
    await ann.reply()  # "All set": this baker had not finished the setup
    await ann.say("/newbake Loaf")
    assert "76.5 °F" in (await ann.say("/temp 76,5")).text
    assert "76 °F" in (await ann.say("/temp 76")).text
    assert_no_traceback(caplog)


@pytest.mark.parametrize(
    "command",
    [
        "/rise 1,000",
        "1,000%",
        "/rise 4,200 6,100",
        "/temp 24,500",
        "/target 1,000",
        "/timer 1,000m",
        "/fridge 1,000",
        "/folds 1,000",
    ],
)
async def test_a_comma_and_three_digits_is_asked_about(ann: Baker, settings, caplog, command: str) -> None:
    await ann.say("/newbake Loaf")
    before = snapshot(settings.database_path)
    reply = await ann.say(command)
    assert "Did you mean" in reply.text and " or " in reply.text
    assert snapshot(settings.database_path) == before
    assert_no_traceback(caplog)


async def test_the_ambiguity_reply_offers_both(ann: Baker, caplog) -> None:
    await ann.say("/newbake Loaf")
    reply = await ann.say("/rise 1,000")
    assert "Did you mean 1.000 or 1000? Send 1.0 or 1000" in reply.text
    assert_no_traceback(caplog)


async def test_folds_must_be_whole(ann: Baker, settings, caplog) -> None:
    await ann.say("/newbake Loaf")
    before = snapshot(settings.database_path)
    for command in ("/folds 4,5", "/folds 4.5", "/folds 13"):
        reply = await ann.say(command)
        assert "a whole number of folds, 0 to 12" in reply.text, command
    assert snapshot(settings.database_path) == before
    assert "4 folds" in (await ann.say("/folds 4")).text
    assert_no_traceback(caplog)


async def test_a_rating_must_be_whole(ann: Baker, settings, caplog) -> None:
    await ann.say("/newbake Loaf")
    await ann.say("/done")
    assert "rating from 1 to 5" in (await ann.say("4,5")).text
    assert "rating from 1 to 5" in (await ann.say(HUGE)).text
    await ann.say("4")
    assert rows(settings.database_path, "SELECT rating FROM bakes")[0]["rating"] == 4
    assert_no_traceback(caplog)


# ---------------------------------------------------------------- names, notes, labels


INVISIBLE_NAMES = ["\u200b\u200b", "\u202e\u202c", "\ufeff \u2066\u2069", "\u200d\u200c", "\x00\x07"]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
async def test_a_name_of_only_invisible_characters_is_refused(
    ann: Baker, settings, caplog, name: str
) -> None:
    reply = await ann.say(f"/newbake {name}")
    assert "A bake needs a name" in reply.text
    await ann.say("/newbake")
    assert "A bake needs a name" in (await ann.say(name)).text
    assert rows(settings.database_path, "SELECT * FROM bakes") == []
    assert_no_traceback(caplog)


async def test_bidi_and_zero_width_characters_are_stripped_from_what_is_stored(
    ann: Baker, settings, caplog
) -> None:
    reply = await ann.say("/newbake \u202eCountry\u202c\u200b loaf\u2066 🍞\u2069")
    assert "Started Country loaf 🍞" in reply.text
    assert rows(settings.database_path, "SELECT name FROM bakes")[0]["name"] == "Country loaf 🍞"
    await ann.say("/timer 45m \u202efold\u200b one\x00")
    label = rows(settings.database_path, "SELECT label FROM reminders WHERE kind = 'timer'")[0]["label"]
    assert label == "fold one"
    assert "1 bake named like “Country”" in (await ann.say("/bakes \u200bCountry\u202e")).text
    await ann.say("/done")
    await ann.say("4")
    reply = await ann.say("Open\u200b crumb\u202e\x00\n\n\n\nmore salt")
    assert "Saved" in reply.text
    notes = rows(settings.database_path, "SELECT notes FROM bakes")[0]["notes"]
    assert notes == "Open crumb\n\nmore salt"
    assert_no_traceback(caplog)


# ---------------------------------------------------------------- forged huge ids


@pytest.mark.parametrize(
    "data",
    [
        f"b:open:{THIRTY_DIGITS}",
        f"r:snooze:{THIRTY_DIGITS}:15",
        f"rt:{THIRTY_DIGITS}:3",
        f"pf:{THIRTY_DIGITS}:1:60",
        f"rd:undo:{THIRTY_DIGITS}",
        f"b:open:-{THIRTY_DIGITS}",
        f"r:snooze:1:{THIRTY_DIGITS}",
        f"pf:1:1:{THIRTY_DIGITS}",
        f"p:{THIRTY_DIGITS}",
    ],
)
async def test_forged_payloads_with_huge_numbers_are_stale_buttons(
    ann: Baker, settings, caplog, data: str
) -> None:
    await ann.say("/newbake Loaf")
    own = await ann.say("/help")
    before = snapshot(settings.database_path)
    answer = await ann.press_raw(own.message_id, data)
    assert "That button is no longer valid" in answer["text"]
    assert snapshot(settings.database_path) == before
    assert_no_traceback(caplog)


# ---------------------------------------------------------------- property: digits anywhere

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
commands = st.sampled_from(
    ["/rise", "/temp", "/target", "/timer", "/fridge", "/proof", "/folds", "/feed", "/feed 1:2:2", ""]
)
numbers = st.text(alphabet="0123456789,.", min_size=1, max_size=500)
affixes = st.sampled_from(["", "-", "d", "h", "m", "%", "F", "C", "1:", " 6"])
typed = st.builds(lambda c, p, n, u: f"{c} {p}{n}{u}".strip(), commands, affixes, numbers, affixes)


@PROPERTY_SETTINGS
@given(text=typed)
async def test_any_number_in_any_command_gets_a_reply(ann: Baker, caplog, text: str) -> None:
    ann.emulator.drain(ann.id)
    reply = await ann.say(text, timeout=10)
    assert reply.text and "went wrong" not in reply.text
    assert_no_traceback(caplog)
