"""Clock times as bakers type them, turned into moments: "Sun 9:00", "tomorrow 8am", "18:30",
"until 07:30", and the same in German and Russian ("So 9:00", "morgen 8 Uhr", "bis 7:30",
"завтра 8:00", "в воскресенье в 9", "до 7:30"; schedules.words). Pure: no aiogram, no SQL;
`now` and the baker's timezone are passed in.

A time without a day is its next occurrence (today if it is still ahead, else tomorrow); a
weekday is the next such day (today if the time is still ahead). Wall times are the baker's
local time: one that does not exist (the hour skipped when clocks go forward) is read as the
same moment an hour later on the new clock, and one that happens twice (clocks go back) is
the first of the two. Failures raise `ParseError("when_format")` (or "when_past" for "today"
at an hour that has gone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from schedules import words
from schedules.parsing import ParseError, parse_temperature

TODAY, TOMORROW, DAY_AFTER = "today", "tomorrow", "day_after"
WEEKDAYS = words.weekdays()  # every language's names and abbreviations, folded, without dots
_DAY_WORDS = words.index(words.DAYS)
_MARKERS = words.folded(words.CLOCK_MARKERS)
_FILLER = _MARKERS | words.folded(words.FILLERS)
_HALF = dict.fromkeys(words.folded(words.MORNING), "am") | dict.fromkeys(words.folded(words.EVENING), "pm")
_NAMED = dict.fromkeys(words.folded(words.NOON), time(12))
_NAMED |= dict.fromkeys(words.folded(words.MIDNIGHT), time(0))
_GERMAN_ON = "am"  # "am Sonntag": dropped before a day, kept after a number ("8 am")
_GERMAN_MORNING = "morgen"  # tomorrow, or after a day its morning
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|a|p)?")


@dataclass(frozen=True)
class ClockTime:
    """What was typed: a wall-clock time and, maybe, a day (a weekday 0-6, "today", "tomorrow",
    "day_after")."""

    at: time
    day: int | str | None = None


def _weekday(word: str) -> int | None:
    return WEEKDAYS.get(word.rstrip("."))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", words.fold(text)) if w]


def parse_clock(text: str) -> ClockTime:
    """`9:00`, `9am`, `18.30`, `7:30pm`, `noon`, with an optional day before or after it
    (`Sun 9:00`, `tomorrow 8am`, `9:00 on Sunday`), in English, German or Russian (`So 9:00`,
    `morgen 8 Uhr`, `am Sonntag um 9`, `завтра 8:00`, `в воскресенье в 9`, `8 утра`); "until",
    "at", "by", "bis", "um", "до", "в" are ignored."""
    typed = _words(text)
    kept: list[str] = []
    for index, word in enumerate(typed):
        following = typed[index + 1] if index + 1 < len(typed) else ""
        if word in _FILLER:
            continue
        if word == _GERMAN_ON and (following in _DAY_WORDS or _weekday(following) is not None):
            continue
        kept.append(word)
    day: int | str | None = None
    clock: time | None = None
    half = ""
    rest: list[str] = []
    for word in kept:
        if word in _DAY_WORDS and day is None:
            day = _DAY_WORDS[word]
        elif word == _GERMAN_MORNING and day is not None and not half:
            half = "am"  # "Sonntag morgen 9": Sunday morning
        elif _weekday(word) is not None and day is None:
            day = _weekday(word)
        elif word in _NAMED and clock is None:
            clock = _NAMED[word]
        elif word in _HALF and not half:
            half = _HALF[word]
        else:
            rest.append(word)
    if rest:
        if clock is not None:
            raise ParseError("when_format", text=text)
        clock = _clock(" ".join(rest), text, half)
    if clock is None:
        raise ParseError("when_format", text=text)
    return ClockTime(clock, day)


def _clock(raw: str, text: str, said: str = "") -> time:
    """`said`: "am" or "pm" in words ("8 Uhr abends", "8 вечера"), which a 24-hour time
    (`20 Uhr abends`) already says."""
    match = _CLOCK.fullmatch(raw.replace(" ", ""))
    if not match:
        raise ParseError("when_format", text=text)
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").replace(".", "")
    if minute > 59:
        raise ParseError("when_format", text=text)
    if said and not half:
        if 1 <= hour <= 12:
            half = said
        elif (said == "am") != (hour == 0):  # "20 Uhr morgens", "0 вечера"
            raise ParseError("when_format", text=text)
    if half:
        if not 1 <= hour <= 12:
            raise ParseError("when_format", text=text)
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif hour > 23:
        raise ParseError("when_format", text=text)
    return time(hour, minute)


def looks_like_clock(text: str) -> bool:
    """Whether `/fridge …` means a clock time rather than a duration: a colon, am/pm, a day or
    "until" (`/fridge 8:00`, `/fridge 8am`, `/fridge until 7`, `/fridge bis 7`, `/fridge до 7`,
    `/fridge 7 Uhr`), never a bare number or `14h` (nor `14 Std`, `2 дня`)."""
    raw = words.fold(text)
    if not raw:
        return False
    typed = set(_words(raw))
    if typed & _CLOCK_WORDS or any(_weekday(word) is not None for word in typed):
        return True
    return bool(re.fullmatch(r"\d{1,2}[:.]\d{2}\s*(am|pm|a|p)?|\d{1,2}\s*(am|pm|a\.m\.|p\.m\.)", raw))


# Words that make `/fridge …` a clock time: "until", "bis", "до", a day, "noon", "8 Uhr", "8 утра"
# (but not "2 дня", which is two days).
_CLOCK_WORDS = (_MARKERS | set(_NAMED) | set(_DAY_WORDS) | set(_HALF)) - set(words.duration_units())


def local_moment(day: datetime, at: time, zone: tzinfo) -> datetime:
    """The UTC moment of wall time `at` on `day`'s date in `zone` (a skipped wall time is read on
    the new clock: 02:30 on the spring-forward night is 03:30; a repeated one is the first)."""
    # fold=0 takes the offset in force before a change: a skipped time lands an hour later on
    # the new clock, a repeated one is its first occurrence.
    return datetime.combine(day.date(), at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_occurrence(clock: ClockTime, now: datetime, zone: tzinfo) -> datetime:
    """The next moment (UTC) the baker's clock shows `clock`, strictly after `now`."""
    local_now = now.astimezone(zone)
    if clock.day == TODAY:
        moment = local_moment(local_now, clock.at, zone)
        if moment <= now:
            raise ParseError("when_past")
        return moment
    if clock.day in (TOMORROW, DAY_AFTER):
        days = 1 if clock.day == TOMORROW else 2
        return local_moment(local_now + timedelta(days=days), clock.at, zone)
    if isinstance(clock.day, int):
        ahead = (clock.day - local_now.weekday()) % 7
        moment = local_moment(local_now + timedelta(days=ahead), clock.at, zone)
        return moment if moment > now else local_moment(local_now + timedelta(days=ahead + 7), clock.at, zone)
    moment = local_moment(local_now, clock.at, zone)
    return moment if moment > now else local_moment(local_now + timedelta(days=1), clock.at, zone)


def parse_when(text: str, now: datetime, zone: tzinfo) -> datetime:
    """What the baker typed → the next such moment (UTC)."""
    return next_occurrence(parse_clock(text), now, zone)


FRIDGE_RANGE_C = (-2.0, 12.0)


def parse_fridge_temperature(text: str, default_unit: str = "C") -> float:
    """The baker's fridge temperature (`4`, `3.5C`, `39F`), -2 to 12 °C."""
    try:
        return parse_temperature(text, default_unit=default_unit, valid_c=FRIDGE_RANGE_C)
    except ParseError as exc:
        if exc.reason == "temp_range":
            raise ParseError("fridge_range", low=FRIDGE_RANGE_C[0], high=FRIDGE_RANGE_C[1]) from None
        raise
