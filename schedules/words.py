"""The words bakers type around numbers, in every language the bot speaks: "tomorrow", "morgen",
"завтра"; "until", "bis", "до"; "off", "aus", "выкл"; "45 min", "45 Min.", "45 мин"; "flour",
"Mehl", "мука". A word in any of the languages is understood whatever the baker's own setting
(a German baker may well type "tomorrow"), and words are matched folded: case, accents and the
diaeresis of "ё" don't matter, and "ue" stands for "ü".

Pure data and lookups, no aiogram and no SQL. Weekday names come from Babel's CLDR data (as the
bot writes them), with the Russian accusative forms ("в среду", "в пятницу", "в субботу") added.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache

# One list per language and meaning; English first. Keys of the outer dicts are the meanings the
# parsers use.
DAYS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "today": {
        "en": ("today", "tonight"),
        "de": ("heute",),
        "ru": ("сегодня",),
    },
    "tomorrow": {
        "en": ("tomorrow", "tmrw", "tmr"),
        "de": ("morgen",),
        "ru": ("завтра",),
    },
    "day_after": {
        "en": ("overmorrow",),
        "de": ("übermorgen",),
        "ru": ("послезавтра",),
    },
}

# Said before a clock time and meaning it is one: `/fridge until 8:00`, `bis 8:00`, `до 8:00`.
CLOCK_MARKERS: Mapping[str, tuple[str, ...]] = {
    "en": ("until", "till", "til", "at", "by"),
    "de": ("bis", "um", "gegen", "uhr"),
    "ru": ("до", "в", "во", "к", "ко"),
}
# Ignored around a clock time and a day: "on Sunday", "next Sunday", "am Sonntag", "nächsten
# Sonntag", "9 Uhr", "в следующее воскресенье", "в 9 часов". (German "am" is dropped only before
# a day: "8 am" is a clock time.)
FILLERS: Mapping[str, tuple[str, ...]] = {
    "en": ("on", "for", "next", "this", "o'clock", "oclock"),
    "de": ("nächsten", "nächster", "nächste", "kommenden", "kommender", "diesen", "dieser", "zum", "den"),
    "ru": (
        "на", "следующий", "следующее", "следующую", "следующей", "ближайший", "ближайшее",
        "ближайшую", "этот", "это", "эту", "часов", "часа", "час", "часам", "часу",
    ),
}
# Said after an hour instead of am/pm: "8 Uhr morgens", "8 утра", "8 вечера".
MORNING: Mapping[str, tuple[str, ...]] = {
    "en": ("morning",),
    "de": ("morgens", "früh", "vormittags", "nachts"),
    "ru": ("утра", "ночи", "утром", "ночью"),
}
EVENING: Mapping[str, tuple[str, ...]] = {
    "en": ("evening", "afternoon"),
    "de": ("abends", "abend", "nachmittags"),
    "ru": ("вечера", "дня", "вечером", "днём"),
}
NOON: Mapping[str, tuple[str, ...]] = {
    "en": ("noon", "midday"),
    "de": ("mittag", "mittags"),
    "ru": ("полдень",),
}
MIDNIGHT: Mapping[str, tuple[str, ...]] = {
    "en": ("midnight",),
    "de": ("mitternacht",),
    "ru": ("полночь",),
}
# Weekdays besides Babel's names (English has no CLDR list here: these are all of them).
WEEKDAY_EXTRAS: Mapping[str, Mapping[int, tuple[str, ...]]] = {
    "en": {
        0: ("mon", "monday"),
        1: ("tue", "tues", "tuesday"),
        2: ("wed", "weds", "wednesday"),
        3: ("thu", "thur", "thurs", "thursday"),
        4: ("fri", "friday"),
        5: ("sat", "saturday"),
        6: ("sun", "sunday"),
    },
    "de": {},
    "ru": {2: ("среду",), 4: ("пятницу",), 5: ("субботу",)},
}
BABEL_WEEKDAY_LANGUAGES = ("de", "ru")

# Durations: the unit words, by how many seconds each stands for.
DURATION_UNITS: Mapping[int, Mapping[str, tuple[str, ...]]] = {
    86400: {
        "en": ("d", "day", "days"),
        "de": ("tag", "tage", "tagen"),
        "ru": ("дн", "день", "дня", "дней", "сут", "сутки", "суток"),
    },
    3600: {
        "en": ("h", "hr", "hrs", "hour", "hours"),
        "de": ("std", "stdn", "stunde", "stunden"),
        "ru": ("ч", "час", "часа", "часов"),
    },
    60: {
        "en": ("m", "min", "mins", "minute", "minutes"),
        "de": ("minute", "minuten"),
        "ru": ("мин", "минута", "минуты", "минут", "минуту"),
    },
    1: {
        "en": ("s", "sec", "secs", "second", "seconds"),
        "de": ("sek", "sekunde", "sekunden"),
        "ru": ("с", "сек", "секунда", "секунды", "секунд", "секунду"),
    },
}

# A setting switched off: "off", "aus", "выкл".
OFF: Mapping[str, tuple[str, ...]] = {
    "en": ("off", "none", "no", "0"),
    "de": ("aus", "nein", "kein", "keine", "ohne"),
    "ru": ("выкл", "выключить", "выключено", "выключи", "откл", "отключить", "отключено", "нет"),
}
# A plan called off: these and the words for "off".
CANCEL: Mapping[str, tuple[str, ...]] = {
    "en": ("cancel", "stop"),
    "de": ("abbrechen", "absagen", "stopp", "stop", "löschen"),
    "ru": ("отмена", "отменить", "отмени", "стоп", "удалить"),
}
# The target rise by dough temperature (the default) rather than a fixed percentage.
BY_TEMPERATURE: Mapping[str, tuple[str, ...]] = {
    "en": ("temp", "temperature", "auto", "default"),
    "de": ("temperatur", "teigtemperatur", "nach temperatur", "automatisch", "standard"),
    "ru": ("темп", "температура", "по температуре", "авто", "автоматически", "по умолчанию", "стандарт"),
}

# Ingredients of a recipe and a feeding.
INGREDIENTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "flour": {"en": ("flour",), "de": ("mehl",), "ru": ("мука", "муки", "муку")},
    "water": {"en": ("water",), "de": ("wasser",), "ru": ("вода", "воды", "воду")},
    "starter": {
        "en": ("starter", "levain", "leaven"),
        "de": ("anstellgut", "sauerteig", "ansatz"),
        "ru": ("закваска", "закваски", "закваску", "левен", "стартер"),
    },
    "salt": {"en": ("salt",), "de": ("salz",), "ru": ("соль", "соли")},
}
# The flour mix after the amounts: "mix: 80% bread flour", "Mischung: ...", "смесь: ...".
MIX: Mapping[str, tuple[str, ...]] = {
    "en": ("flour mix", "mix"),
    "de": ("mehlmischung", "mischung", "mehlmix", "mix"),
    "ru": ("мучная смесь", "смесь", "микс"),
}
# Grams and kilograms.
GRAMS: Mapping[str, tuple[str, ...]] = {
    "en": ("g", "gr", "gram", "grams"),
    "de": ("gramm",),
    "ru": ("г", "гр", "грамм", "граммов", "грамма"),
}
KILOGRAMS: Mapping[str, tuple[str, ...]] = {
    "en": ("kg",),
    "de": ("kilo", "kilogramm"),
    "ru": ("кг",),
}

# /starter's actions, and the word between the old name and the new one.
STARTER_ACTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "new": {
        "en": ("new",),
        "de": ("neu", "neues", "neuer", "neue"),
        "ru": ("новая", "новый", "новую", "создать"),
    },
    "rename": {"en": ("rename",), "de": ("umbenennen",), "ru": ("переименовать",)},
    "archive": {"en": ("archive",), "de": ("archivieren", "archiv"), "ru": ("архив", "архивировать")},
    "peaked": {"en": ("peaked",), "de": ("reif", "gipfel"), "ru": ("пик", "созрела")},
}
RENAME_TO: Mapping[str, tuple[str, ...]] = {"en": ("to",), "de": ("in", "zu"), "ru": ("в",)}

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def fold(text: str) -> str:
    """Text as words are matched: lower case, without accents (so "ё" is "е" and "Übermorgen"
    is "ubermorgen"), whitespace collapsed. Digits and punctuation stay."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def forms(word: str) -> set[str]:
    """The folded forms a listed word is matched in: "übermorgen" is also "uebermorgen"."""
    return {fold(word), fold(word.translate(_UMLAUTS))}


def folded(lists: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """Every language's words of one meaning, folded."""
    return frozenset(form for words in lists.values() for word in words for form in forms(word))


def index(meanings: Mapping[str, Mapping[str, Iterable[str]]]) -> dict[str, str]:
    """Folded word → its meaning, over every language."""
    return {form: meaning for meaning, lists in meanings.items() for form in folded(lists)}


@cache
def weekdays() -> dict[str, int]:
    """Every weekday name and abbreviation (folded, without a trailing dot) → 0 (Monday) to 6."""
    from babel import Locale

    found: dict[str, int] = {}
    for lists in WEEKDAY_EXTRAS.values():
        for day, names in lists.items():
            for name in names:
                found.update(dict.fromkeys(forms(name), day))
    for language in BABEL_WEEKDAY_LANGUAGES:
        days = Locale(language).days
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated", "short"):
                for day, name in days[context][width].items():
                    found.update(dict.fromkeys((f.rstrip(".") for f in forms(name)), int(day)))
    return found


@cache
def duration_units() -> dict[str, int]:
    """Every duration unit (folded) → its length in seconds."""
    return {form: seconds for seconds, lists in DURATION_UNITS.items() for form in folded(lists)}


@cache
def minute_words() -> tuple[str, ...]:
    """The words for minutes, longest first (for a regex alternation)."""
    return tuple(sorted(folded(DURATION_UNITS[60]), key=len, reverse=True))


_OFF = folded(OFF)
_CANCEL = folded(CANCEL) | _OFF
_BY_TEMPERATURE = folded(BY_TEMPERATURE)


def means_off(text: str) -> bool:
    """`off`, `Aus`, `выкл.`: a setting or the folds switched off."""
    return fold(text).rstrip(".!") in _OFF


def means_cancel(text: str) -> bool:
    """`cancel`, `abbrechen`, `отмена` (or a word for "off"): a plan called off."""
    return fold(text).rstrip(".!") in _CANCEL


def means_by_temperature(text: str) -> bool:
    """`temp`, `Temperatur`, `по температуре`: the target rise by dough temperature."""
    return fold(text).rstrip(".!") in _BY_TEMPERATURE


def alternation(choices: Iterable[str]) -> str:
    """A regex alternation of words, longest first ("gramm" before "g")."""
    return "|".join(re.escape(word) for word in sorted(set(choices), key=lambda w: (-len(w), w)))


@cache
def grams_per_unit() -> dict[str, float]:
    """Every word for grams and kilograms (folded) → grams: g, gr, Gramm, г, гр, kg, Kilo, кг."""
    return dict.fromkeys(folded(GRAMS), 1.0) | dict.fromkeys(folded(KILOGRAMS), 1000.0)


@cache
def ingredients() -> dict[str, str]:
    """Every word for flour, water, starter and salt (folded) → "flour", "water", ..."""
    return index(INGREDIENTS)


@cache
def starter_actions() -> dict[str, str]:
    """Every word for /starter's actions (folded) → "new", "rename", "archive", "peaked"."""
    return index(STARTER_ACTIONS)
