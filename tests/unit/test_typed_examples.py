"""Every input example the German and Russian texts show (`<code>/plan morgen 8:00</code>`,
`<code>aus</code>`, /help's `/timer 45 Min falten`) is understood as it is written: a baker who
copies an example is never told it is wrong. And no example of a command that understands the
baker's own words still shows the English ones."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.handlers.reminders import (
    PROOF_MAX,
    PROOF_MIN,
    TIMER_MAX,
    TIMER_MIN,
    parse_folds,
)
from bot.handlers.start import parse_setting
from schedules.parsing import (
    parse_by_temperature,
    parse_cancel,
    parse_duration,
    parse_off,
    split_duration_and_label,
)
from schedules.recipe_parsing import (
    parse_feed,
    parse_levain,
    parse_recipe_edit,
    parse_scale,
    parse_starter_command,
)
from schedules.when import looks_like_clock, parse_clock, parse_when
from tests.unit.test_catalogs import TRANSLATED, catalog

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CODE = re.compile(r"<code>(.*?)</code>", re.DOTALL)


def _plan(args: str) -> object:
    return parse_cancel(args) or parse_when(args, NOW, BERLIN)


def _proof(args: str) -> object:
    if looks_like_clock(args):
        return parse_when(args, NOW, BERLIN)
    return parse_duration(args, bare_unit="h", minimum=PROOF_MIN, maximum=PROOF_MAX)


def _timer(args: str) -> object:
    spec, _label = split_duration_and_label(args)
    return parse_duration(spec, minimum=TIMER_MIN, maximum=TIMER_MAX)


# The commands whose arguments are understood in every language, and how each reads them.
PARSERS: dict[str, Callable[[str], object]] = {
    "plan": _plan,
    "fridge": _proof,
    "proof": _proof,
    "timer": _timer,
    "folds": lambda args: parse_folds(args.lower().split()),
    "starter": parse_starter_command,
    "feed": parse_feed,
    "recipe": parse_recipe_edit,
    "scale": parse_scale,
    "levain": parse_levain,
}
# English words that a German or Russian example of these commands should no longer show.
ENGLISH = {
    "tomorrow", "today", "until", "sun", "off", "cancel", "fold", "new", "rename", "archive", "to",
    "flour", "water", "starter", "salt", "mix",
}  # fmt: skip


def examples(language: str) -> Iterator[tuple[str, str, str]]:
    """(msgid, the English example, the translated one): every `<code>` of a msgstr, paired with
    the msgid's by position, and each example of /help's (" · " between them)."""
    for message in catalog(language):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if ids[0].startswith("/"):
            english = ids[0].split(" · ")
            for index, example in enumerate(forms[0].split(" · ")):
                yield ids[0], english[index] if index < len(english) else "", example
            continue
        english = CODE.findall(ids[0])
        for form in forms:
            for index, example in enumerate(CODE.findall(form)):
                yield ids[0], english[index] if index < len(english) else "", example


def command_examples() -> list[tuple[str, str, str]]:
    found = []
    for language in TRANSLATED:
        for _msgid, _english, example in examples(language):
            match = re.fullmatch(r"/([a-z]+)(?:\s+(.*))?", example.strip(), re.DOTALL)
            if match and match[1] in PARSERS and match[2] and "{" not in match[2]:
                found.append((language, match[1], match[2]))
    return found


def test_the_examples_are_found() -> None:
    found = command_examples()
    assert ("de", "plan", "So 9:00") in found
    assert ("de", "fridge", "bis 8:00") in found
    assert ("ru", "plan", "завтра 8 утра") in found
    assert ("ru", "timer", "45 мин складывание") in found
    assert len(found) > 40


@pytest.mark.parametrize(("language", "command", "args"), command_examples())
def test_every_command_example_is_understood(language: str, command: str, args: str) -> None:
    PARSERS[command](args)  # raises ParseError if not
    words = set(re.findall(r"[^\W\d_]+", args.lower()))
    if command in ("starter", "levain", "scale"):  # a name after the action may be anything
        words = set(re.findall(r"[^\W\d_]+", args.lower().split()[0]))
    assert not words & ENGLISH, f"/{command} {args}: English words left in a {language} example"


# Answers to a question (no command): what the English example is, and what its translation
# must be understood as.
ANSWERS: dict[str, Callable[[str], object]] = {
    "off": lambda text: parse_off(text) or pytest.fail(f"{text!r} is not 'off'"),
    "temp": lambda text: parse_by_temperature(text) or pytest.fail(f"{text!r} is not 'temp'"),
    "tomorrow": lambda text: parse_clock(f"{text} 9:00").day == "tomorrow" or pytest.fail(text),
    "Sun": lambda text: parse_clock(f"{text} 9:00").day == 6 or pytest.fail(text),
    "8am": lambda text: parse_clock(text).at.hour == 8 or pytest.fail(text),
    "9:00": parse_clock,
    "4 30": lambda text: parse_setting("folds", text),
    "mix:": lambda text: parse_recipe_edit(f"{text} 80% rye").flour_mix or pytest.fail(text),
}


def answer_examples() -> list[tuple[str, str, str]]:
    found = []
    for language in TRANSLATED:
        for _msgid, english, example in examples(language):
            if english in ANSWERS or english.startswith(("flour ", "mix: ")):
                found.append((language, english, example))
    return found


@pytest.mark.parametrize(("language", "english", "example"), answer_examples())
def test_every_answer_example_is_understood(language: str, english: str, example: str) -> None:
    if english in ANSWERS:
        ANSWERS[english](example)
    else:
        edit, meant = parse_recipe_edit(example), parse_recipe_edit(english)
        assert edit.recipe == meant.recipe and bool(edit.flour_mix) == bool(meant.flour_mix), example
    assert example == english or not set(example.lower().split()) & ENGLISH, (language, example)
