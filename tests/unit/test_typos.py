"""Mistyped commands: which command was meant, and nothing guessed for a far-off word."""

from __future__ import annotations

import pytest

from schedules.typos import distance, split_command, suggest_commands

COMMANDS = [
    "newbake",
    "plan",
    "rise",
    "temp",
    "status",
    "fridge",
    "proof",
    "timer",
    "timers",
    "folds",
    "target",
    "feed",
    "starter",
    "recipes",
    "recipe",
    "scale",
    "levain",
    "done",
    "abandon",
    "bakes",
    "chart",
    "export",
    "import",
    "settings",
    "deleteme",
    "cancel",
    "help",
    "start",
]


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("rise", "rise", 0),
        ("rsie", "rise", 1),
        ("ris", "rise", 1),
        ("rize", "rise", 1),
        ("riser", "rise", 1),
        ("tmep", "temp", 1),
        ("stauts", "status", 1),
        ("abc", "rise", 4),
        ("", "rise", 4),
    ],
)
def test_distance_counts_a_swap_as_one_edit(a: str, b: str, edits: int) -> None:
    assert distance(a, b) == edits == distance(b, a)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("rsie", ["rise"]),
        ("Rise", ["rise"]),
        ("RISE", ["rise"]),
        ("tmep", ["temp"]),
        ("stauts", ["status"]),
        ("setings", ["settings"]),
        ("newbak", ["newbake"]),
        ("nwebake", ["newbake"]),
        ("recipie", ["recipe"]),
        ("recipies", ["recipes"]),
        ("fridg", ["fridge"]),
        ("timre", ["timer"]),
        ("chrat", ["chart"]),
        ("sett", ["settings"]),  # the start of one command
        ("tim", ["timer", "timers"]),  # the start of two: the shorter first
        ("кшыу", ["rise"]),  # /rise typed on a Russian keyboard layout
        ("руди", ["help"]),
        ("hepl", ["help"]),
    ],
)
def test_a_typo_suggests_the_command_meant(typed: str, meant: list[str]) -> None:
    assert suggest_commands(typed, COMMANDS) == meant


@pytest.mark.parametrize(
    "typed", ["", "x", "hello", "bread", "weather", "abcdefgh", "r" * 200, "42", "пирог"]
)
def test_a_far_off_word_gets_no_guess(typed: str) -> None:
    assert suggest_commands(typed, COMMANDS) == []


def test_ties_keep_the_order_of_the_commands_and_the_limit() -> None:
    assert suggest_commands("bake", ["bakes", "make", "take", "cake"], limit=2) == ["bakes", "make"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("/rsie 45", ("rsie", "45")),
        ("/Rise@sourdough_bot  45 ", ("rise", "45")),
        ("/rise45", ("rise", "45")),
        ("/rise4,5", ("rise", "4,5")),
        ("/newbak Country loaf", ("newbak", "Country loaf")),
        ("/fridge until 8:00", ("fridge", "until 8:00")),
        ("/", ("", "")),
        ("no command", ("", "")),
    ],
)
def test_split_command(text: str, parts: tuple[str, str]) -> None:
    assert split_command(text) == parts
