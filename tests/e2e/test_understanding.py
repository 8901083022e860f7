"""What new bakers type, through the real Dispatcher and the Bot API emulator: mistyped commands
(a button runs the one meant), rises in words, timezones by a place's name, and a question
before a reading the dough can't have made yet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulator.models import SentMessage
from tests.e2e.conftest import Baker, BotRunner
from tests.e2e.helpers import rows, snapshot


async def bake_for_hours(ann: Baker, runner: BotRunner, hours: float = 3) -> None:
    """A bake in bulk for a while (its folds and rise checks read), so readings are plausible."""
    await ann.say("/newbake Loaf")
    await runner.advance(timedelta(hours=hours))
    ann.emulator.drain(ann.id)


async def edited(ann: Baker, message: SentMessage) -> SentMessage:
    """The message once the bot has edited it."""
    return await ann.emulator.wait_for(ann.id, lambda m: m.message_id == message.message_id and m.edited > 0)


def readings(settings) -> list[tuple[float, float | None, float | None, str | None]]:
    return [
        (r["rise_pct"], r["start_height"], r["current_height"], r["source_key"])
        for r in rows(
            settings.database_path,
            "SELECT rise_pct, start_height, current_height, source_key FROM rise_readings ORDER BY id",
        )
    ]


# ---------------------------------------------------------------- typos in commands


async def test_a_mistyped_command_offers_the_one_meant_and_the_button_runs_it(
    ann: Baker, settings, runner: BotRunner
) -> None:
    await bake_for_hours(ann, runner)
    typed = await ann.emulator.send_text(ann.id, "/rsie 45")
    reply = await ann.reply()
    assert "I don't know /rsie. Did you mean /rise?" in reply.text
    assert reply.button_texts == ["▶️ /rise 45"]
    assert "/newbake —" not in reply.text  # not the whole command list
    assert readings(settings) == []
    data = reply.buttons[0][0][1]

    await ann.tap(reply, "▶️ /rise 45")
    logged = await ann.reply()
    assert "📈 45 % after 3 h" in logged.text and "↩️ Undo" in logged.button_texts
    assert ann.emulator.message(ann.id, reply.message_id).buttons == []  # tapped: the button goes
    key = f"m:{ann.id}:{typed['message_id']}"
    assert readings(settings) == [(45.0, None, None, key)]

    # A second tap (a double tap, or the same data again) logs nothing more.
    await ann.press_raw(reply.message_id, data)
    again = await ann.reply()
    assert "45 %" in again.text
    assert readings(settings) == [(45.0, None, None, key)]


async def test_the_button_keeps_the_arguments_and_a_wrong_one_is_answered_like_a_typed_one(
    ann: Baker, settings
) -> None:
    await ann.say("/newbake Loaf")
    reply = await ann.say("/tmep 24,5")
    assert reply.button_texts == ["▶️ /temp 24,5"]
    await ann.tap(reply, "▶️ /temp 24,5")
    assert "Dough temperature 24.5 °C logged" in (await ann.reply()).text
    assert [r["temp_c"] for r in rows(settings.database_path, "SELECT temp_c FROM temperatures")] == [24.5]

    reply = await ann.say("/tmep warm")
    await ann.tap(reply, "▶️ /temp warm")
    refused = await ann.reply()  # the reply a typed `/temp warm` gets, with its example
    assert "/temp 24.5" in refused.text and "went wrong" not in refused.text


@pytest.mark.parametrize(
    ("typed", "button", "expected"),
    [
        ("/Help", "▶️ /help", "What I can do"),
        ("/stauts", "▶️ /status", "no bake going"),
        ("/setings", "▶️ /settings", "Settings"),
        ("/кшыу", "▶️ /rise", "/rise 40"),  # /rise on a Russian keyboard layout: no value given
    ],
)
async def test_more_typos(ann: Baker, typed: str, button: str, expected: str) -> None:
    reply = await ann.say(typed)
    assert "Did you mean" in reply.text
    await ann.tap(reply, button)
    assert expected in (await ann.reply()).text


async def test_several_near_commands_get_a_button_each(ann: Baker) -> None:
    reply = await ann.say("/tim 45m")
    assert "Did you mean /timer or /timers?" in reply.text
    assert reply.button_texts == ["▶️ /timer 45m", "▶️ /timers 45m"]


async def test_a_far_off_command_points_to_help_without_the_whole_list(ann: Baker) -> None:
    reply = await ann.say("/xyzzy 45")
    assert reply.text == "I don't know /xyzzy. /help lists every command."
    assert reply.buttons == []


async def test_a_button_whose_message_is_gone_says_so(ann: Baker, settings) -> None:
    """The button reads the arguments from the message it answers: a forged one finds none."""
    own = await ann.say("/help")
    before = snapshot(settings.database_path)
    answer = await ann.press_raw(own.message_id, "fx:rise:1")
    assert "send the command again" in answer["text"]
    answer = await ann.press_raw(own.message_id, "fx:launch:1")
    assert "no longer valid" in answer["text"]
    assert snapshot(settings.database_path) == before


# ---------------------------------------------------------------- rises in words


async def test_rises_in_words_are_logged_like_rise(ann: Baker, settings, runner: BotRunner) -> None:
    await bake_for_hours(ann, runner)
    phrases = [
        "rise 45", "Rise: 45", "45 percent", "45 pct", "45 %", "45%",
        "45 Prozent", "Aufgang 45", "45 процентов", "подъём 45",
    ]  # fmt: skip
    for phrase in phrases:
        reply = await ann.say(phrase)
        assert "📈 45 % after 3 h" in reply.text, phrase
    assert [r[0] for r in readings(settings)] == [45.0] * len(phrases)


async def test_rise_words_keep_decimal_commas_heights_and_the_thousands_question(
    ann: Baker, settings, runner: BotRunner
) -> None:
    await bake_for_hours(ann, runner)
    assert "📈 4.5 % after 3 h" in (await ann.say("rise 4,5")).text
    assert "4.2 → 6.1" in (await ann.say("Rise: 4,2 6,1")).text
    reply = await ann.say("1,000 percent")
    assert "Did you mean 1.000 or 1000?" in reply.text
    assert [r[:3] for r in readings(settings)] == [(4.5, None, None), (45.2, 4.2, 6.1)]
    assert "/rise 40" in (await ann.say("rise and shine")).text  # not a reading: the usual hint


async def test_an_edited_rise_in_words_changes_the_reading(ann: Baker, settings, runner: BotRunner) -> None:
    await bake_for_hours(ann, runner)
    sent = await ann.emulator.send_text(ann.id, "rise 40")
    await ann.reply()
    await ann.emulator.edit_text(ann.id, sent["message_id"], "Aufgang 42")
    assert "42 %" in (await ann.reply()).text
    assert [r[0] for r in readings(settings)] == [42.0]


# ---------------------------------------------------------------- timezones by place


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("new york", "America/New_York"),
        ("Toronto", "America/Toronto"),
        ("münchen", "Europe/Berlin"),
        ("Moskau", "Europe/Moscow"),
        ("москва", "Europe/Moscow"),
        ("Kiev", "Europe/Kyiv"),
        ("Kyiv", "Europe/Kyiv"),
        ("UK", "Europe/London"),
        ("Deutschland", "Europe/Berlin"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("+2", "UTC+02:00"),
    ],
)
async def test_setup_takes_a_city_or_a_country(ann: Baker, settings, typed: str, zone: str) -> None:
    await ann.say("/start")
    reply = await ann.say(typed)
    assert f"Timezone set to {zone}" in reply.text and reply.button_texts == ["°C", "°F"]
    assert rows(settings.database_path, "SELECT timezone FROM users")[0][0] == zone


async def test_a_place_in_several_timezones_asks_which_in_setup(ann: Baker, settings) -> None:
    await ann.say("/start")
    reply = await ann.say("Portland")
    assert "“Portland” is in more than one timezone" in reply.text
    # Late November: Pacific and Eastern standard time.
    assert reply.button_texts == [
        "Los Angeles, United States (UTC−8)",
        "New York, United States (UTC−5)",
    ]
    assert rows(settings.database_path, "SELECT timezone FROM users")[0][0] is None
    await ann.tap(reply, "Los Angeles, United States (UTC−8)")
    assert "Timezone set to America/Los_Angeles" in (await ann.reply()).text
    assert rows(settings.database_path, "SELECT timezone FROM users")[0][0] == "America/Los_Angeles"


async def test_settings_take_a_place_and_ask_about_a_country_of_many_times(ann: Baker, settings) -> None:
    reply = await ann.say("/settings")
    await ann.tap(reply, "Timezone")
    await ann.reply()
    saved = await ann.say("Санкт-Петербург")
    assert "Saved" in saved.text and "Europe/Moscow" in saved.text

    reply = await ann.say("/settings")
    await ann.tap(reply, "Timezone")
    await ann.reply()
    asked = await ann.say("Russia")
    assert "“Russia” is in more than one timezone" in asked.text
    assert {"Moscow, Russia (UTC+3)", "Kamchatka, Russia (UTC+12)"} <= set(asked.button_texts)
    await ann.tap(asked, "Kamchatka, Russia (UTC+12)")
    assert "Timezone set to Asia/Kamchatka" in (await ann.reply()).text
    assert rows(settings.database_path, "SELECT timezone FROM users")[0][0] == "Asia/Kamchatka"


async def test_an_unknown_place_still_gets_the_examples(ann: Baker, settings) -> None:
    await ann.say("/start")
    reply = await ann.say("Atlantis")
    assert "I don't know the timezone “Atlantis”" in reply.text and "🇩🇪 Berlin" in reply.button_texts
    assert rows(settings.database_path, "SELECT timezone FROM users")[0][0] is None


# ---------------------------------------------------------------- implausible readings


async def test_a_big_rise_seconds_after_mixing_is_asked_about_first(
    ann: Baker, settings, runner: BotRunner
) -> None:
    await ann.say("/newbake Loaf")
    await runner.advance(timedelta(seconds=10))
    typed = await ann.emulator.send_text(ann.id, "/rise 45")
    question = await ann.reply()
    assert question.text.startswith("45 % only 10 s after mixing (Loaf)?")
    assert question.button_texts == ["✓ Log 45 % anyway", "✖ No"]
    assert readings(settings) == []
    data = question.buttons[0][0][1]

    answer = await ann.tap(question, "✓ Log 45 % anyway")
    assert not answer.get("text")
    logged = await edited(ann, question)
    assert "📈 45 % after 10 s (Loaf)" in logged.text and logged.button_texts == ["↩️ Undo"]
    assert readings(settings) == [(45.0, None, None, f"m:{ann.id}:{typed['message_id']}")]

    # A second tap on the same button logs nothing more and says so.
    answer = await ann.press_raw(question.message_id, data)
    assert answer["text"].startswith("Already logged: 45 % at ")
    assert len(readings(settings)) == 1


async def test_no_leaves_the_reading_unlogged(ann: Baker, settings, runner: BotRunner) -> None:
    await ann.say("/newbake Loaf")
    question = await ann.say("60%")
    assert "60 % only" in question.text
    before = snapshot(settings.database_path)
    await ann.tap(question, "✖ No")
    answered = await edited(ann, question)
    assert answered.text == "✖ Not logged: 60 %." and answered.buttons == []
    assert snapshot(settings.database_path) == before


async def test_jar_heights_confirmed_keep_the_heights(ann: Baker, settings) -> None:
    await ann.say("/newbake Loaf")
    question = await ann.say("rise 4.2 6.1")
    assert question.text.startswith("45 % only")
    await ann.tap(question, "✓ Log 45 % anyway")
    await edited(ann, question)
    assert [r[:3] for r in readings(settings)] == [(45.2, 4.2, 6.1)]


async def test_plausible_readings_are_logged_at_once(ann: Baker, settings, runner: BotRunner) -> None:
    await ann.say("/newbake Loaf")
    assert "📈 20 % after" in (await ann.say("/rise 20")).text  # small: never questioned
    await runner.advance(timedelta(hours=3))
    ann.emulator.drain(ann.id)
    assert "📈 80 % after 3 h" in (await ann.say("/rise 80")).text
    assert [r[0] for r in readings(settings)] == [20.0, 80.0]
