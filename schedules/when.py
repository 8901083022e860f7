"""Clock times as bakers type them, turned into moments: "Sun 9:00", "tomorrow 8am", "18:30",
"until 07:30". Pure: no aiogram, no SQL; `now` and the baker's timezone are passed in.

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

from schedules.parsing import ParseError, parse_temperature

WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
TODAY, TOMORROW = "today", "tomorrow"
_DAY_WORDS = {"today": TODAY, "tonight": TODAY, "tomorrow": TOMORROW, "tmrw": TOMORROW, "tmr": TOMORROW}
_FILLER = {"until", "till", "til", "at", "on", "by", "for", "next", "this"}
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|a|p)?")
_NAMED = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


@dataclass(frozen=True)
class ClockTime:
    """What was typed: a wall-clock time and, maybe, a day (a weekday 0-6, "today", "tomorrow")."""

    at: time
    day: int | str | None = None


def parse_clock(text: str) -> ClockTime:
    """`9:00`, `9am`, `18.30`, `7:30pm`, `noon`, with an optional day before or after it
    (`Sun 9:00`, `tomorrow 8am`, `9:00 on Sunday`); "until", "at", "by" are ignored."""
    words = [w for w in re.split(r"[\s,]+", text.strip().lower()) if w and w not in _FILLER]
    day: int | str | None = None
    clock: time | None = None
    rest: list[str] = []
    for word in words:
        if word in _DAY_WORDS and day is None:
            day = _DAY_WORDS[word]
        elif word.rstrip(".") in WEEKDAYS and day is None:
            day = WEEKDAYS[word.rstrip(".")]
        elif word in _NAMED and clock is None:
            clock = _NAMED[word]
        else:
            rest.append(word)
    if rest:
        if clock is not None:
            raise ParseError("when_format", text=text)
        clock = _clock(" ".join(rest), text)
    if clock is None:
        raise ParseError("when_format", text=text)
    return ClockTime(clock, day)


def _clock(raw: str, text: str) -> time:
    match = _CLOCK.fullmatch(raw.replace(" ", ""))
    if not match:
        raise ParseError("when_format", text=text)
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").replace(".", "")
    if minute > 59:
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
    "until" (`/fridge 8:00`, `/fridge 8am`, `/fridge until 7`), never a bare number or `14h`."""
    raw = text.strip().lower()
    if not raw:
        return False
    words = set(re.split(r"[\s,]+", raw))
    if words & ({"until", "till", "til", "at", "by", *_NAMED} | set(_DAY_WORDS) | set(WEEKDAYS)):
        return True
    return bool(re.fullmatch(r"\d{1,2}[:.]\d{2}\s*(am|pm|a|p)?|\d{1,2}\s*(am|pm|a\.m\.|p\.m\.)", raw))


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
    if clock.day == TOMORROW:
        return local_moment(local_now + timedelta(days=1), clock.at, zone)
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
