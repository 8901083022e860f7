"""Parsing what bakers type: durations, temperatures, rise, recipe amounts, timezones.

Pure functions, no aiogram and no SQL. Each failure raises ParseError with a `reason` key;
the Telegram layer turns that key into a friendly reply with an example (bot/texts.py).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from schedules import words
from schedules.places import canonical, find_zones
from schedules.recipe import Recipe


class ParseError(ValueError):
    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"

# Anything typed here is a small quantity: more significant digits than this (or a longer
# number) is out of range before it is converted, so no size of input can overflow.
MAX_DIGITS = 12
MAX_NUMBER_CHARS = 32
_NUMBER_PARTS = re.compile(r"([-+]?)(\d+)?(?:([.,])(\d+))?")


def number_too_long() -> ParseError:
    return ParseError("number_too_long", max_digits=MAX_DIGITS)


def _number(token: str, out_of_range: ParseError) -> float:
    """One decimal number (a comma or a dot as the decimal mark) as a finite float.

    `out_of_range` is raised for a number too long to be meant (more than MAX_DIGITS significant
    digits); "1,000" (a comma and exactly three digits) is ambiguous and raises
    ParseError("ambiguous_comma") asking which was meant."""
    match = _NUMBER_PARTS.fullmatch(token)
    if match is None or not (match[2] or match[4]):
        raise ParseError("not_a_number", text=token)
    sign, whole, mark, fraction = match[1], match[2] or "", match[3], match[4] or ""
    whole_digits = whole.lstrip("0")
    significant = whole_digits + fraction.rstrip("0") if whole_digits else fraction.strip("0")
    if len(significant) > MAX_DIGITS or len(token) > MAX_NUMBER_CHARS:
        raise out_of_range
    if mark == "," and len(fraction) == 3 and whole_digits:
        raise _ambiguous(sign, whole, fraction)
    value = float(f"{sign}{whole or '0'}.{fraction or '0'}")
    if not math.isfinite(value):
        raise out_of_range
    return value


def _ambiguous(sign: str, whole: str, fraction: str) -> ParseError:
    """"1,000": a thousands separator (1000) or a decimal comma (1.0)? Ask instead of guessing."""
    short = fraction.rstrip("0") or "0"
    return ParseError(
        "ambiguous_comma",
        number=f"{sign}{whole},{fraction}",
        decimal=f"{sign}{whole}.{fraction}",
        short=f"{sign}{whole}.{short}",
        whole=f"{sign}{(whole + fraction).lstrip('0') or '0'}",
    )


def parse_number(text: str, *, out_of_range: ParseError | None = None) -> float:
    """A decimal number; a comma is accepted as the decimal mark ("24,5"). Never raises anything
    but ParseError: `out_of_range` (default: "number_too_long") for a number of absurd length."""
    return _number(text.strip(), out_of_range or number_too_long())


def parse_bounded(
    text: str, low: float, high: float, reason: str, *, whole: bool = False, **details: object
) -> float:
    """A number from `low` to `high` (a whole number if `whole`); ParseError(reason, low=, high=)
    for anything outside, however long it is."""

    def out_of_range() -> ParseError:
        return ParseError(reason, low=low, high=high, **details)

    value = parse_number(text, out_of_range=out_of_range())
    if not low <= value <= high or (whole and value != int(value)):
        raise out_of_range()
    return value


TARGET_RANGE_PCT = (10.0, 200.0)


def parse_target(text: str) -> float:
    """A fixed target rise: `60`, `62.5`, `62,5 %` → percent, 10 to 200, to one decimal."""
    low, high = TARGET_RANGE_PCT
    return round(parse_bounded(text.strip().rstrip("%").strip(), low, high, "target_range"), 1)


# ---------------------------------------------------------------- durations

_DURATION_UNITS = words.duration_units()  # d, h, m, s and their words: "Std", "Min", "ч", "мин"
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)\.?")
# The minutes after a number in a setting: "30 min", "30 Minuten", "30 мин." (longest first).
MINUTE_WORDS = re.compile("(?:" + "|".join(map(re.escape, words.minute_words())) + r")\.?")


def parse_off(text: str) -> bool:
    """Whether a setting is switched off: `off`, `none`, `aus`, `nein`, `выкл`, `нет`, `0`."""
    return words.means_off(text)


def parse_cancel(text: str) -> bool:
    """Whether a plan is called off: `cancel`, `abbrechen`, `отмена`, or a word for "off"."""
    return words.means_cancel(text)


def parse_by_temperature(text: str) -> bool:
    """The target setting by dough temperature: `temp`, `auto`, `Temperatur`, `по температуре`."""
    return words.means_by_temperature(text)


DURATION_MAX_CHARS = 48  # "1 day 23 hours 59 minutes 59 seconds" is 29 without spaces
DURATION_MAX_WORDS = 8  # "1 d 2 h 3 m 4 s"


def describe_duration(delta: timedelta) -> str:
    """A bound as a baker reads it: "1 second", "15 minutes", "3 days"."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def parse_duration(
    text: str,
    *,
    bare_unit: str = "m",
    minimum: timedelta = timedelta(seconds=1),
    maximum: timedelta = timedelta(days=7),
    what: str = "A duration",
) -> timedelta:
    """`45m`, `1h30m`, `1h 30min`, `90s`, `1.5h`, `2:30` (h:mm); a bare number uses `bare_unit`.
    German and Russian units too: `45 Min.`, `1 Std 30 Min`, `1,5 Std`, `45 мин`, `1 ч 30 мин`.

    Out of range (however many digits): ParseError("duration_too_short"/"duration_too_long")
    with `what`, `low` and `high` ("A timer", "1 second", "7 days") for the reply."""
    raw = words.fold(text)
    if not raw:
        raise ParseError("duration_missing")
    if raw.startswith("-"):
        raise ParseError("duration_negative", text=text)
    bounds = {
        "what": what,
        "low": describe_duration(minimum),
        "high": describe_duration(maximum),
        "shortest": minimum,  # for a reply in the baker's language
        "longest": maximum,
    }

    def too_long() -> ParseError:
        return ParseError("duration_too_long", maximum=maximum, **bounds)

    compact = raw.replace(" ", "")
    if len(compact) > DURATION_MAX_CHARS:
        raise too_long() if any(c.isdigit() for c in compact) else ParseError("duration_format", text=text)
    seconds: float
    if re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        seconds = _number(raw, too_long()) * _DURATION_UNITS[bare_unit]
    elif match := re.fullmatch(r"(\d{1,3}):([0-5]\d)", raw):
        seconds = int(match[1]) * 3600 + int(match[2]) * 60
    else:
        found = list(_DURATION_PART.finditer(compact))
        if not found or "".join(part[0] for part in found) != compact:
            raise ParseError("duration_format", text=text)
        seconds = 0.0
        for number, unit in (part.groups() for part in found):
            if unit not in _DURATION_UNITS:
                raise ParseError("duration_format", text=text)
            seconds += _number(number, too_long()) * _DURATION_UNITS[unit]
    if not math.isfinite(seconds) or seconds > maximum.total_seconds() + 1:
        raise too_long()
    try:
        duration = timedelta(seconds=round(seconds))
    except OverflowError:
        raise too_long() from None
    if duration < minimum:
        raise ParseError("duration_too_short", minimum=minimum, **bounds)
    if duration > maximum:
        raise too_long()
    return duration


def split_duration_and_label(args: str) -> tuple[str, str]:
    """`/timer 1h 30m check oven` → ("1h 30m", "check oven"): the longest duration prefix
    (of at most DURATION_MAX_WORDS words, so a long message costs no more than a short one)."""
    words = args.split()
    for count in range(min(len(words), DURATION_MAX_WORDS), 0, -1):
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
    unit = (match[2] or default_unit).upper()
    low, high = valid_c

    def out_of_range() -> ParseError:
        # The accepted range in the unit the baker typed (or reads temperatures in).
        if unit == "F":
            return ParseError("temp_range", low=c_to_f(low), high=c_to_f(high), unit="°F")
        return ParseError("temp_range", low=low, high=high, unit="°C")

    value = _number(match[1], out_of_range())
    celsius = f_to_c(value) if unit == "F" else value
    if not low <= celsius <= high:
        raise out_of_range()
    return round(celsius, 2)


# ---------------------------------------------------------------- rise

MAX_RISE_PCT = 300.0


@dataclass(frozen=True)
class RiseInput:
    rise_pct: float
    start_height: float | None = None
    current_height: float | None = None


def parse_rise(text: str) -> RiseInput:
    """`40`, `40%`, `4,5` or two jar heights `4.2 6.1` (any unit) → rise in percent, to one
    decimal (what the reply shows is what is stored)."""
    raw = text.strip()
    percent = raw.endswith("%")
    tokens = [t for t in re.split(r"[\s;]+|,\s+", raw.rstrip("%").strip()) if t]
    if len(tokens) == 1:
        return RiseInput(_checked_rise(round(parse_number(tokens[0], out_of_range=_rise_too_high()), 1)))
    if percent:
        raise ParseError("rise_format", text=text)
    if len(tokens) == 2:
        start, current = (_height(t) for t in tokens)
        pct = (current - start) / start * 100.0
        return RiseInput(_checked_rise(round(pct, 1)), start, current)
    raise ParseError("rise_format", text=text)


# A rise in words: "rise 45", "Rise: 45", "45 percent", "45 pct", "45 Prozent", "Aufgang 45",
# "45 процентов", "подъём 45" (English, German and Russian).
_RISE_WORD = r"(?:rise|risen|aufgang|anstieg|подъ[её]м|рост)"
_PERCENT_WORD = r"(?:%|％|percent|per\s?cent|pct|prozent|процент(?:а|ов)?|проц\.?)"
_RISE_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_RISE_PERCENT = re.compile(
    rf"(?:(?P<before>{_RISE_WORD})\s*[:=]?\s*)?(?P<number>{_RISE_NUMBER})\s*(?P<unit>{_PERCENT_WORD})?"
    rf"(?:\s*(?P<after>{_RISE_WORD}))?\s*[.!]?",
    re.IGNORECASE,
)
_HEIGHT_TOKEN = rf"{_RISE_NUMBER}\s*(?:cm|mm|in|\")?"
_RISE_HEIGHTS = re.compile(
    rf"{_RISE_WORD}\s*[:=]?\s*(?P<start>{_HEIGHT_TOKEN})\s*(?:[;\s]|,\s|->|→|\bto\b)\s*(?P<current>{_HEIGHT_TOKEN})",
    re.IGNORECASE,
)


def rise_in_words(text: str) -> str | None:
    """The rise in a message that is a rise reading, as `parse_rise` reads it: "40%", "45 %",
    "45 percent", "45 pct", "rise 45", "Rise: 45", "45 Prozent", "Aufgang 45", "45 процентов",
    "подъём 45" → "45%" or "45"; "rise 4.2 6.1" (jar heights) → "4.2 6.1". None when the message
    is not one (a bare number is not: it could mean anything). The number is kept as typed, so
    `parse_rise` still reads "4,5" and asks about "1,000"."""
    raw = " ".join(text.split())
    match = _RISE_PERCENT.fullmatch(raw)
    if match is not None and (match["before"] or match["unit"] or match["after"]):
        return f"{match['number']}%" if match["unit"] else match["number"]
    heights = _RISE_HEIGHTS.fullmatch(raw)
    if heights is not None:
        return f"{heights['start'].strip()} {heights['current'].strip()}"
    return None


MAX_HEIGHT = 10_000.0


def _height(token: str) -> float:
    too_large = ParseError("height_too_large", maximum=MAX_HEIGHT)
    value = parse_number(re.sub(r"(cm|mm|in|\")$", "", token.strip().lower()), out_of_range=too_large)
    if value <= 0:
        raise ParseError("height_not_positive")
    if value > MAX_HEIGHT:
        raise too_large
    return value


def _rise_too_high() -> ParseError:
    return ParseError("rise_too_high", maximum=MAX_RISE_PCT)


def _checked_rise(pct: float) -> float:
    if not math.isfinite(pct):
        raise _rise_too_high()
    if pct < 0:
        raise ParseError("rise_negative", maximum=MAX_RISE_PCT)
    if pct > MAX_RISE_PCT:
        raise _rise_too_high()
    return pct + 0.0  # never "-0"


# ---------------------------------------------------------------- recipe amounts

_MASS_UNITS = words.grams_per_unit() | {"oz": 28.349523125, "lb": 453.59237, "lbs": 453.59237, "": 1.0}
_MASS_UNIT = words.alternation(unit for unit in _MASS_UNITS if unit)
# Flour, water, starter, salt in every language ("Mehl", "мука"), and English's shorthands.
_INGREDIENT_ALIASES = words.ingredients() | {"f": "flour", "w": "water", "h2o": "water", "s": "starter"}
_ORDER = ("flour", "water", "starter", "salt")
MAX_GRAMS = 100_000.0


RECIPE_MAX_CHARS = 200
_RECIPE_LIST = re.compile(r"\d+(?:\.\d+)? ?[^\W\d_]*(?: ?, ?\d+(?:\.\d+)? ?[^\W\d_]*){1,3}")


def parse_recipe(text: str) -> Recipe:
    """Four amounts in the order flour, water, starter, salt (`500 375 100 10`), or named
    (`flour 500 water 375 starter 100g salt 10`, `500g flour, 375g water`; `Mehl 500 Wasser 375
    Anstellgut 100 Salz 10`, `500 г муки, 375 г воды`). Units: g, kg, oz, lb (and Gramm, г, кг).

    A comma between digits is a decimal mark (`0,7kg`) unless the whole text is a list of
    amounts (`500,375,100,10`); `1,000` is ambiguous and asked about. Each amount is up to
    100 kg; a longer text or number is refused before it is converted."""
    raw = words.fold(text)
    if len(raw) > RECIPE_MAX_CHARS:
        raise ParseError("recipe_format")
    if not _RECIPE_LIST.fullmatch(" ".join(raw.split())):
        raw = re.sub(r"(\d+),(\d+)", _decimal_comma, raw)
    raw = raw.replace(",", " ").replace("=", " ").replace(":", " ")
    amounts: dict[str, float] = {}
    named = re.findall(rf"([^\W_]+)\s+(\d+(?:\.\d+)?)\s*({_MASS_UNIT})?\b", raw)
    prefix = re.findall(rf"(\d+(?:\.\d+)?)\s*({_MASS_UNIT})?\s+([^\W\d_]+)", raw)
    tokens = raw.split()
    if tokens and all(re.fullmatch(rf"\d+(?:\.\d+)?(?:{_MASS_UNIT})?", t) for t in tokens):
        if len(tokens) not in (2, 3, 4):
            raise ParseError("recipe_format")
        for name, token in zip(_ORDER, tokens, strict=False):
            number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([^\W\d_]*)", token).groups()  # type: ignore[union-attr]
            amounts[name] = _grams(number, unit)
    elif raw[:1].isalpha() and named and all(n in _INGREDIENT_ALIASES for n, _, _ in named):
        for name, number, unit in named:
            amounts[_INGREDIENT_ALIASES[name]] = _grams(number, unit)
    elif raw[:1].isdigit() and prefix and all(n in _INGREDIENT_ALIASES for _, _, n in prefix):
        for number, unit, name in prefix:
            amounts[_INGREDIENT_ALIASES[name]] = _grams(number, unit)
    else:
        raise ParseError("recipe_format")
    if amounts.get("flour", 0) <= 0:
        raise ParseError("recipe_no_flour")
    if any(not math.isfinite(v) or v > MAX_GRAMS for v in amounts.values()):
        raise ParseError("recipe_too_large")
    return Recipe(
        flour_g=round(amounts["flour"], 1),
        water_g=_rounded(amounts.get("water")),
        starter_g=_rounded(amounts.get("starter")),
        salt_g=_rounded(amounts.get("salt")),
    )


def _decimal_comma(match: re.Match[str]) -> str:
    whole, fraction = match[1], match[2]
    if len(fraction) == 3 and whole.lstrip("0"):
        raise _ambiguous("", whole, fraction)
    return f"{whole}.{fraction}"


def _grams(number: str, unit: str | None) -> float:
    return _number(number, ParseError("recipe_too_large")) * _MASS_UNITS[unit or ""]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ---------------------------------------------------------------- timezones


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA name (any case, spaces allowed for underscores), a UTC offset (`+2`, `-5:30`,
    `UTC+3`, `GMT-04:00`) or a place (`new york`, `München`, `москва`, `UK`: schedules.places)
    → a key that `zone_for` understands. A place in several zones that keep different times
    (`Portland`, `Russia`) raises ParseError("timezone_ambiguous", zones=...), west to east."""
    raw = clean_text(text)
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
    if name is not None:
        return canonical(name)  # the zone's current name: Europe/Kiev is Europe/Kyiv
    zones = find_zones(raw)
    if len(zones) == 1:
        return zones[0]
    if zones:
        raise ParseError("timezone_ambiguous", text=text, zones=zones)
    raise ParseError("timezone_unknown", text=text)


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
    """Quiet hours such as `22:00-07:00`, `22-7` or `22 to 7` (`22 bis 7`, `22 до 7`)."""
    raw = " ".join(text.lower().split())
    if len(raw) > 20:  # checked first: the pattern would be slow on a long run of spaces
        raise ParseError("quiet_format")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))? ?(?:-|–|—|to|bis|до| )+ ?(\d{1,2})(?::(\d{2}))?", raw)
    if not match:
        raise ParseError("quiet_format")
    start_h, start_m, end_h, end_m = (int(g or 0) for g in match.groups())
    if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
        raise ParseError("quiet_format")
    start, end = time(start_h, start_m), time(end_h, end_m)
    if start == end:
        raise ParseError("quiet_empty")
    return start, end


FEED_PART_RANGE = (0.0, 100.0)


def parse_feed_ratio(text: str) -> tuple[float, float, float]:
    """`1:2:2` (starter : flour : water); `1:5` means 1:5:5. Each part above 0, up to 100."""
    parts = [p for p in re.split(r"[:/]", text.strip()) if p]
    if len(parts) not in (2, 3):
        raise ParseError("feed_format")
    low, high = FEED_PART_RANGE
    numbers = [parse_number(p, out_of_range=ParseError("feed_range", low=low, high=high)) for p in parts]
    if len(numbers) == 2:
        numbers.append(numbers[1])
    if any(n <= low or n > high for n in numbers):
        raise ParseError("feed_range", low=low, high=high)
    return numbers[0], numbers[1], numbers[2]


def parse_rating(text: str) -> int:
    """1 to 5, whole: `4`, `4/5`, or stars `⭐⭐⭐⭐`."""
    raw = text.strip()
    if raw and set(raw) == {"⭐"} and len(raw) <= 5:
        return len(raw)
    if not re.fullmatch(r"[1-5](?:\s*/\s*5)?", raw):
        raise ParseError("rating_format", low=1, high=5)
    return int(raw[0])


# ---------------------------------------------------------------- names and notes

# Invisible characters a name or a note is cleaned of: zero-width spaces and marks, bidi
# embeddings, overrides and isolates, the word joiner and invisible operators, the byte-order
# mark, the soft hyphen, the Arabic letter mark and the Mongolian vowel separator.
_INVISIBLE = frozenset(
    {0x00AD, 0x061C, 0x180E, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB}
    | set(range(0x200B, 0x2010))
    | set(range(0x202A, 0x202F))
    | set(range(0x2060, 0x2070))
)
_JOINERS = frozenset([0x200C, 0x200D])  # ZWNJ, ZWJ: kept between two visible characters
_TAGS = range(0xE0020, 0xE0080)  # emoji tag sequences (subdivision flags) after U+1F3F4
_BLACK_FLAG = "\U0001F3F4"
_SPACE_CONTROLS = frozenset("\t\x0b\x0c\x85")
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # letters and symbols that show nothing


def _joinable(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMNPS"


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    return (category[0] in "LNPS" or category == "Co") and char not in _BLANK_LETTERS


def clean_text(text: str, *, multiline: bool = False) -> str:
    """What a baker typed as a name, a note, a label or a search, without the characters that
    show nothing or reorder the text: NUL and other control characters (newlines stay in
    `multiline` text), zero-width characters and bidi controls. Whitespace is collapsed (one
    space; in multiline text at most one empty line). Emoji stay whole, joiners in emoji
    sequences and between letters included. Text with nothing visible left becomes ""."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    kept: list[str] = []
    for index, char in enumerate(text):
        code = ord(char)
        if char == "\n":
            kept.append(char)
        elif code in _JOINERS:
            following = text[index + 1 : index + 2]
            if kept and following and _joinable(kept[-1]) and _joinable(following):
                kept.append(char)
        elif code in _TAGS:
            if kept and (kept[-1] == _BLACK_FLAG or ord(kept[-1]) in _TAGS):
                kept.append(char)
        elif char in _SPACE_CONTROLS:
            kept.append(" ")
        elif code in _INVISIBLE or unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    cleaned = "".join(kept)
    if multiline:
        lines = [" ".join(line.split()) for line in cleaned.split("\n")]
        cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    else:
        cleaned = " ".join(cleaned.split())
    return cleaned if any(_visible(c) for c in cleaned) else ""
