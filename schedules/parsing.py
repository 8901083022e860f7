"""Parsing what bakers type: durations, temperatures, rise, recipe amounts, timezones.

Pure functions, no aiogram and no SQL. Each failure raises ParseError with a `reason` key;
the Telegram layer turns that key into a friendly reply with an example (bot/texts.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from schedules.recipe import Recipe


class ParseError(ValueError):
    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"


def parse_number(text: str) -> float:
    """A decimal number; a comma is accepted as the decimal mark ("24,5")."""
    cleaned = text.strip().replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?|[-+]?\.\d+", cleaned):
        raise ParseError("not_a_number", text=text)
    return float(cleaned)


# ---------------------------------------------------------------- durations

_DURATION_UNITS = {
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)")


def parse_duration(
    text: str,
    *,
    bare_unit: str = "m",
    minimum: timedelta = timedelta(seconds=1),
    maximum: timedelta = timedelta(days=7),
) -> timedelta:
    """`45m`, `1h30m`, `1h 30min`, `90s`, `1.5h`, `2:30` (h:mm); a bare number uses `bare_unit`."""
    raw = text.strip().lower()
    if not raw:
        raise ParseError("duration_missing")
    if raw.startswith("-"):
        raise ParseError("duration_negative", text=text)
    seconds: float
    if re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        seconds = float(raw.replace(",", ".")) * _DURATION_UNITS[bare_unit]
    elif match := re.fullmatch(r"(\d{1,3}):([0-5]\d)", raw):
        seconds = int(match[1]) * 3600 + int(match[2]) * 60
    else:
        compact = raw.replace(" ", "")
        parts = _DURATION_PART.findall(compact)
        if not parts or "".join(n + u for n, u in parts) != compact:
            raise ParseError("duration_format", text=text)
        seconds = 0.0
        for number, unit in parts:
            if unit not in _DURATION_UNITS:
                raise ParseError("duration_format", text=text)
            seconds += float(number.replace(",", ".")) * _DURATION_UNITS[unit]
    duration = timedelta(seconds=round(seconds))
    if duration < minimum:
        raise ParseError("duration_too_short", minimum=minimum)
    if duration > maximum:
        raise ParseError("duration_too_long", maximum=maximum)
    return duration


def split_duration_and_label(args: str) -> tuple[str, str]:
    """`/timer 1h 30m check oven` → ("1h 30m", "check oven"): the longest duration prefix."""
    words = args.split()
    for count in range(len(words), 0, -1):
        candidate = " ".join(words[:count])
        try:
            parse_duration(candidate, maximum=timedelta.max)
        except ParseError:
            continue
        return candidate, " ".join(words[count:])
    return (words[0] if words else ""), " ".join(words[1:])


# ---------------------------------------------------------------- temperatures

DOUGH_TEMP_RANGE_C = (5.0, 45.0)


def f_to_c(fahrenheit: float) -> float:
    return (fahrenheit - 32.0) * 5.0 / 9.0


def c_to_f(celsius: float) -> float:
    return celsius * 9.0 / 5.0 + 32.0


def parse_temperature(
    text: str, *, default_unit: str = "C", valid_c: tuple[float, float] = DOUGH_TEMP_RANGE_C
) -> float:
    """`24.5`, `24,5°C`, `76F`, `76 °f` → degrees Celsius. A bare number uses `default_unit`."""
    raw = text.strip().lower().replace("°", "").replace("º", "").replace(" ", "")
    match = re.fullmatch(rf"({_NUMBER})(c|f)?", raw)
    if not match:
        raise ParseError("temp_format", text=text)
    value = float(match[1].replace(",", "."))
    unit = (match[2] or default_unit).upper()
    celsius = f_to_c(value) if unit == "F" else value
    low, high = valid_c
    if not low <= celsius <= high:
        raise ParseError("temp_range", low=low, high=high)
    return round(celsius, 2)


# ---------------------------------------------------------------- rise

MAX_RISE_PCT = 300.0


@dataclass(frozen=True)
class RiseInput:
    rise_pct: float
    start_height: float | None = None
    current_height: float | None = None


def parse_rise(text: str) -> RiseInput:
    """`40`, `40%`, or two jar heights `4.2 6.1` (any unit) → rise in percent."""
    raw = text.strip()
    percent = raw.endswith("%")
    tokens = [t for t in re.split(r"[\s;]+|,\s+", raw.rstrip("%").strip()) if t]
    if len(tokens) == 1:
        return RiseInput(_checked_rise(parse_number(tokens[0])))
    if percent:
        raise ParseError("rise_format", text=text)
    if len(tokens) == 2:
        start, current = (_height(t) for t in tokens)
        pct = (current - start) / start * 100.0
        return RiseInput(_checked_rise(round(pct, 1)), start, current)
    raise ParseError("rise_format", text=text)


def _height(token: str) -> float:
    value = parse_number(re.sub(r"(cm|mm|in|\")$", "", token.strip().lower()))
    if value <= 0:
        raise ParseError("height_not_positive")
    if value > 10_000:
        raise ParseError("height_too_large")
    return value


def _checked_rise(pct: float) -> float:
    if pct < 0:
        raise ParseError("rise_negative")
    if pct > MAX_RISE_PCT:
        raise ParseError("rise_too_high", maximum=MAX_RISE_PCT)
    return pct


# ---------------------------------------------------------------- recipe amounts

_MASS_UNITS = {
    "g": 1.0,
    "gr": 1.0,
    "gram": 1.0,
    "grams": 1.0,
    "kg": 1000.0,
    "oz": 28.349523125,
    "lb": 453.59237,
    "lbs": 453.59237,
    "": 1.0,
}
_INGREDIENT_ALIASES = {
    "flour": "flour",
    "f": "flour",
    "water": "water",
    "w": "water",
    "h2o": "water",
    "starter": "starter",
    "levain": "starter",
    "s": "starter",
    "leaven": "starter",
    "salt": "salt",
}
_ORDER = ("flour", "water", "starter", "salt")
MAX_GRAMS = 100_000.0


def parse_recipe(text: str) -> Recipe:
    """Four amounts in the order flour, water, starter, salt (`500 375 100 10`), or named
    (`flour 500 water 375 starter 100g salt 10`, `500g flour, 375g water`). Units: g, kg, oz, lb.
    """
    raw = text.strip().lower().replace(",", " ").replace("=", " ").replace(":", " ")
    amounts: dict[str, float] = {}
    named = re.findall(r"([a-z0-9]+)\s+(\d+(?:\.\d+)?)\s*(kg|g|gr|grams?|oz|lbs?)?\b", raw)
    prefix = re.findall(r"(\d+(?:\.\d+)?)\s*(kg|g|gr|grams?|oz|lbs?)?\s+([a-z]+)", raw)
    tokens = raw.split()
    if tokens and all(re.fullmatch(r"\d+(?:\.\d+)?(kg|g|gr|oz|lbs?)?", t) for t in tokens):
        if len(tokens) not in (2, 3, 4):
            raise ParseError("recipe_format")
        for name, token in zip(_ORDER, tokens, strict=False):
            number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", token).groups()  # type: ignore[union-attr]
            amounts[name] = float(number) * _MASS_UNITS[unit]
    elif raw[:1].isalpha() and named and all(n in _INGREDIENT_ALIASES for n, _, _ in named):
        for name, number, unit in named:
            amounts[_INGREDIENT_ALIASES[name]] = float(number) * _MASS_UNITS[unit or ""]
    elif raw[:1].isdigit() and prefix and all(n in _INGREDIENT_ALIASES for _, _, n in prefix):
        for number, unit, name in prefix:
            amounts[_INGREDIENT_ALIASES[name]] = float(number) * _MASS_UNITS[unit or ""]
    else:
        raise ParseError("recipe_format")
    if amounts.get("flour", 0) <= 0:
        raise ParseError("recipe_no_flour")
    if any(v > MAX_GRAMS for v in amounts.values()):
        raise ParseError("recipe_too_large")
    return Recipe(
        flour_g=round(amounts["flour"], 1),
        water_g=_rounded(amounts.get("water")),
        starter_g=_rounded(amounts.get("starter")),
        salt_g=_rounded(amounts.get("salt")),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ---------------------------------------------------------------- timezones


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA name (any case, spaces allowed for underscores) or a UTC offset
    (`+2`, `-5:30`, `UTC+3`, `GMT-04:00`) → a key that `zone_for` understands."""
    raw = text.strip()
    offset = re.fullmatch(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", raw, re.IGNORECASE)
    if offset:
        hours, minutes = int(offset[2]), int(offset[3] or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            raise ParseError("timezone_unknown", text=text)
        sign = offset[1]
        if hours == 0 and minutes == 0:
            return "UTC"
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    if raw.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    name = _zones_by_lower_name().get(raw.lower().replace(" ", "_"))
    if name is None:
        raise ParseError("timezone_unknown", text=text)
    return name


def zone_for(key: str | None, fallback: str = "UTC") -> tzinfo:
    """The tzinfo for a stored key; never raises (an unknown key falls back)."""
    for candidate in (key, fallback, "UTC"):
        if not candidate:
            continue
        match = re.fullmatch(r"UTC([+-])(\d{2}):(\d{2})", candidate)
        if match:
            delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
            return timezone(delta if match[1] == "+" else -delta, candidate)
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return UTC


# ---------------------------------------------------------------- small things


def parse_clock_range(text: str) -> tuple[time, time]:
    """Quiet hours such as `22:00-07:00` or `22-7`."""
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*[-–to ]+\s*(\d{1,2})(?::(\d{2}))?\s*", text.lower())
    if not match:
        raise ParseError("quiet_format")
    start_h, start_m, end_h, end_m = (int(g or 0) for g in match.groups())
    if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
        raise ParseError("quiet_format")
    start, end = time(start_h, start_m), time(end_h, end_m)
    if start == end:
        raise ParseError("quiet_empty")
    return start, end


def parse_feed_ratio(text: str) -> tuple[float, float, float]:
    """`1:2:2` (starter : flour : water); `1:5` means 1:5:5."""
    parts = [p for p in re.split(r"[:/]", text.strip()) if p]
    if len(parts) not in (2, 3):
        raise ParseError("feed_format")
    numbers = [parse_number(p) for p in parts]
    if len(numbers) == 2:
        numbers.append(numbers[1])
    if any(n <= 0 or n > 100 for n in numbers):
        raise ParseError("feed_format")
    return numbers[0], numbers[1], numbers[2]


def parse_rating(text: str) -> int:
    raw = text.strip()
    if raw and set(raw) == {"⭐"} and len(raw) <= 5:
        return len(raw)
    if not re.fullmatch(r"[1-5](?:\s*/\s*5)?", raw):
        raise ParseError("rating_format")
    return int(raw[0])
