"""Parsing what bakers type about recipes, starters and the levain: `/scale 2`, `/scale 1800g`,
`/scale 3x900g`, recipe amounts with percentages and a flour mix, `/feed 20g starter 100g flour
100g water`, `/levain 100g 12:00`, `/starter new Rye`.

Pure functions, no aiogram and no SQL. Each failure raises `schedules.parsing.ParseError` with a
`reason` key that bot/texts.py turns into a reply with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from schedules import words
from schedules.parsing import ParseError, parse_feed_ratio, parse_recipe, parse_temperature
from schedules.recipe import MAX_DOUGH_G, Recipe, ScaleSpec

NAME_MAX = 40  # a starter's or a recipe's name
MIX_MAX = 200  # the flour mix, free text
RECIPE_NAME_MAX = 80
INPUT_MAX = 300  # anything longer is not a recipe line

SCALE_FACTOR_RANGE = (0.05, 20.0)
SCALE_TOTAL_RANGE_G = (50.0, MAX_DOUGH_G)
SCALE_LOAVES_MAX = 50
SCALE_LOAF_RANGE_G = (50.0, 10_000.0)
FEED_GRAMS_MAX = 10_000.0
LEVAIN_RANGE_G = (5.0, 20_000.0)

_NUM = r"\d{1,7}(?:[.,]\d{1,3})?"
_MASS = words.grams_per_unit()  # g, gr, kg, Gramm, Kilo, г, гр, кг
_UNIT = words.alternation(_MASS)  # for a regex, longest first
_WORD = r"[^\W\d_]+"  # a word in any alphabet


def _number(token: str) -> float:
    return float(token.replace(",", "."))


def clean_name(raw: str, *, max_len: int = NAME_MAX) -> str:
    """A name as typed, with its whitespace collapsed; ParseError if empty or too long."""
    name = " ".join(raw.split())
    if not name:
        raise ParseError("name_empty")
    if len(name) > max_len:
        raise ParseError("starter_name_long", maximum=max_len)
    return name


# ---------------------------------------------------------------- /scale

_SCALE_LOAVES = re.compile(rf"(\d{{1,3}})\s*[x×х*]\s*({_NUM})\s*({_UNIT})")
_SCALE_TOTAL = re.compile(rf"({_NUM})\s*({_UNIT})")
_SCALE_FACTOR = re.compile(rf"[x×]?\s*({_NUM})(?:\s*[x×])?")


def parse_scale(text: str) -> tuple[ScaleSpec, str]:
    """(how to scale, the rest: a saved recipe's name or ""). `2`, `x1.5`, `0,5`; `1800g`,
    `1.8kg`; `3x900g`, `3 × 900 g`. Zero, negative, absurd or non-numeric input is refused."""
    raw = " ".join(text.lower().split())[:INPUT_MAX]  # as long as the text (the name is cut from it)
    if not raw:
        raise ParseError("scale_format")
    if raw.startswith(("-", "−")):
        raise ParseError("scale_range")
    for pattern in (_SCALE_LOAVES, _SCALE_TOTAL, _SCALE_FACTOR):
        match = pattern.match(raw)
        if match is None:
            continue
        rest = raw[match.end() :]
        if rest and not rest.startswith(" "):
            continue  # "2xl", "900grams": not this form
        name = " ".join(text.split())[len(raw) - len(rest) :].strip() if rest else ""
        if pattern is _SCALE_LOAVES:
            loaves, loaf = int(match[1]), _number(match[2]) * _MASS[match[3]]
            low, high = SCALE_LOAF_RANGE_G
            if not (1 <= loaves <= SCALE_LOAVES_MAX and low <= loaf <= high) or loaves * loaf > MAX_DOUGH_G:
                raise ParseError("scale_range")
            return ScaleSpec(loaves=loaves, loaf_g=loaf), name
        if pattern is _SCALE_TOTAL:
            total = _number(match[1]) * _MASS[match[2]]
            if not SCALE_TOTAL_RANGE_G[0] <= total <= SCALE_TOTAL_RANGE_G[1]:
                raise ParseError("scale_range")
            return ScaleSpec(total_g=total), name
        factor = _number(match[1])
        if not SCALE_FACTOR_RANGE[0] <= factor <= SCALE_FACTOR_RANGE[1]:
            raise ParseError("scale_range")
        return ScaleSpec(factor=factor), name
    raise ParseError("scale_format")


# ---------------------------------------------------------------- a recipe's amounts and flour mix

_ALIASES = words.ingredients()  # flour, Mehl, мука, ... → "flour"
# The flour mix: "mix: 80% bread flour", "Mischung: ...", "смесь: ...".
_MIX_WORDS = words.alternation(words.folded(words.MIX)).replace(r"\ ", r"\s+")
_MIX = re.compile(rf"\b(?:{_MIX_WORDS})\b\s*[:=]?\s*", re.IGNORECASE)
_NAMED_FIRST = re.compile(rf"({_WORD})\s*[:=]?\s*({_NUM})\s*({_UNIT}|%)?")
_NUMBER_FIRST = re.compile(rf"({_NUM})\s*({_UNIT}|%)?\s+({_WORD})")


@dataclass(frozen=True)
class RecipeEdit:
    recipe: Recipe | None  # None: only the flour mix was given
    flour_mix: str | None


def parse_recipe_edit(text: str) -> RecipeEdit:
    """Amounts in grams as /newbake takes them (`500 375 100 10`, `flour 500 water 375 ...`), or
    water, starter and salt as percentages of the flour (`flour 500 water 75% starter 20% salt 2%`),
    and/or the flour mix after `mix` (`mix: 80% bread flour, 20% rye`). The words in German and
    Russian too: `Mehl 500 Wasser 75% Anstellgut 20% Salz 2% Mischung: 80% Weizen, 20% Roggen`,
    `мука 500 вода 75% закваска 20% соль 2% смесь: ...`."""
    if len(text) > INPUT_MAX:
        raise ParseError("recipe_format")
    amounts_text, flour_mix = text, None
    found = _MIX.search(text)
    if found is not None:
        amounts_text = text[: found.start()]
        flour_mix = " ".join(text[found.end() :].split()) or None
        if flour_mix is not None and len(flour_mix) > MIX_MAX:
            raise ParseError("mix_long", maximum=MIX_MAX)
    amounts_text = amounts_text.strip().rstrip(";,").strip()
    if not amounts_text:
        if flour_mix is None:
            raise ParseError("recipe_format")
        return RecipeEdit(None, flour_mix)
    recipe = _with_percentages(amounts_text) if "%" in amounts_text else parse_recipe(amounts_text)
    return RecipeEdit(recipe, flour_mix)


def _with_percentages(text: str) -> Recipe:
    raw = words.fold(text).replace(",", " , ").replace(";", " ")
    raw = re.sub(r"(\d) , (\d)", r"\1.\2", raw).replace(" , ", " ")
    if raw.lstrip()[:1].isalpha():
        found = [(name, number, unit) for name, number, unit in _NAMED_FIRST.findall(raw)]
    else:
        found = [(name, number, unit) for number, unit, name in _NUMBER_FIRST.findall(raw)]
    if not found or any(name not in _ALIASES for name, _, _ in found):
        raise ParseError("recipe_format")
    grams: dict[str, float] = {}
    percents: dict[str, float] = {}
    for name, number, unit in found:
        key = _ALIASES[name]
        if unit == "%":
            percents[key] = _number(number)
        else:
            grams[key] = _number(number) * _MASS.get(unit or "g", 1.0)
    flour = grams.get("flour", 0.0)
    if "flour" in percents or flour <= 0:
        raise ParseError("recipe_no_flour")
    for key, pct in percents.items():
        if pct > 1000:
            raise ParseError("recipe_too_large")
        grams[key] = flour * pct / 100
    if any(v > MAX_DOUGH_G for v in grams.values()):
        raise ParseError("recipe_too_large")

    def rounded(key: str) -> float | None:
        return None if key not in grams else round(grams[key], 1)

    return Recipe(round(flour, 1), rounded("water"), rounded("starter"), rounded("salt"))


# ---------------------------------------------------------------- /feed

# starter (or seed), flour, water, in any language: "20g Anstellgut", "20 г закваски".
_FEED_WORDS = {word: name for word, name in _ALIASES.items() if name != "salt"} | {"seed": "starter"}
_FEED_NAME = words.alternation(_FEED_WORDS)
_FEED_NUMBER_FIRST = re.compile(rf"({_NUM})\s*({_UNIT})?\s+({_FEED_NAME})\b")
_FEED_NAMED_FIRST = re.compile(rf"\b({_FEED_NAME})\s*[:=]?\s*({_NUM})\s*({_UNIT})?(?!\w)")


@dataclass(frozen=True)
class FeedInput:
    ratio: tuple[float, float, float]  # starter, flour, water: parts, or grams as typed
    temp_c: float | None
    grams: bool = False


def parse_feed(args: str, *, default_unit: str = "C") -> FeedInput:
    """`1:2:2`, `1:5:5 26C`, or the amounts: `20g starter 100g flour 100g water [26C]`
    (also `starter 20 flour 100 water 100`, `20g Anstellgut 100g Mehl 100g Wasser`,
    `20 г закваски 100 г муки 100 г воды`)."""
    raw = words.fold(args)[:INPUT_MAX]
    tokens = raw.split()
    if len(tokens) in (1, 2) and (":" in tokens[0] or "/" in tokens[0]):
        ratio = parse_feed_ratio(tokens[0])
        temp = _feed_temp(tokens[1], default_unit) if len(tokens) == 2 else None
        return FeedInput(ratio, temp)
    pattern = _FEED_NAMED_FIRST if raw[:1].isalpha() else _FEED_NUMBER_FIRST
    matches = list(pattern.finditer(raw))
    amounts: dict[str, float] = {}
    for match in matches:
        if pattern is _FEED_NAMED_FIRST:
            name, number, unit = match[1], match[2], match[3]
        else:
            number, unit, name = match[1], match[2], match[3]
        amounts[_FEED_WORDS[name]] = _number(number) * _MASS.get(unit or "g", 1.0)
    if set(amounts) != {"starter", "flour", "water"}:
        raise ParseError("feed_format")
    if any(not 0 < v <= FEED_GRAMS_MAX for v in amounts.values()):
        raise ParseError("feed_grams_range", maximum=FEED_GRAMS_MAX)
    rest = raw
    for match in reversed(matches):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    leftover = rest.split()
    if len(leftover) > 1:
        raise ParseError("feed_format")
    temp = _feed_temp(leftover[0], default_unit) if leftover else None
    return FeedInput((amounts["starter"], amounts["flour"], amounts["water"]), temp, grams=True)


def _feed_temp(token: str, default_unit: str) -> float:
    return parse_temperature(token, default_unit=default_unit, valid_c=(5.0, 40.0))


# ---------------------------------------------------------------- /levain

_CLOCK = re.compile(r"(\d{1,2})[:.h](\d{2})")
_GRAMS = re.compile(rf"({_NUM})\s*({_UNIT})")


@dataclass(frozen=True)
class LevainInput:
    mix_at: time  # the clock time the dough is to be mixed (the next one from now)
    needed_g: float | None  # None: the starter amount of a recipe
    name: str  # a saved recipe's name, or ""


def parse_levain(args: str) -> LevainInput:
    """`12:00`, `100g 12:00`, `12:00 Country loaf`."""
    raw = " ".join(args.split())[:INPUT_MAX]
    tokens = raw.split()
    mix_at: time | None = None
    needed: float | None = None
    rest: list[str] = []
    for token in tokens:
        lowered = words.fold(token)
        clock = _CLOCK.fullmatch(lowered)
        grams = _GRAMS.fullmatch(lowered)
        if clock is not None and mix_at is None:
            hour, minute = int(clock[1]), int(clock[2])
            if hour > 23 or minute > 59:
                raise ParseError("levain_format")
            mix_at = time(hour, minute)
        elif grams is not None and needed is None and not rest:
            needed = _number(grams[1]) * _MASS[grams[2]]
            if not LEVAIN_RANGE_G[0] <= needed <= LEVAIN_RANGE_G[1]:
                raise ParseError("levain_range")
        else:
            rest.append(token)
    if mix_at is None:
        raise ParseError("levain_format")
    return LevainInput(mix_at, needed, " ".join(rest))


# ---------------------------------------------------------------- /starter

STARTER_ACTIONS = ("new", "rename", "archive", "peaked")
_ACTIONS = words.starter_actions()  # new, neu, новая, rename, umbenennen, переименовать, ...
# Between the old name and the new: "to" (and arrows), else "in"/"zu" (German), "в" (Russian).
_RENAME_TO = re.compile(r"\s+(?:to|→|->|=)\s+", re.IGNORECASE)
_OTHER_TO = words.alternation(w for lang, ws in words.RENAME_TO.items() if lang != "en" for w in ws)
_RENAME_TO_OTHER = re.compile(rf"\s+(?:{_OTHER_TO})\s+", re.IGNORECASE)


@dataclass(frozen=True)
class StarterCommand:
    action: str  # "" (show them), new, rename, archive, peaked
    name: str = ""  # the starter it names ("" when the baker has one only)
    new_name: str = ""


def parse_starter_command(args: str) -> StarterCommand:
    """`/starter`, `/starter new Rye`, `/starter rename Rye to Dark rye` (or `/starter rename
    Dark rye` with one starter), `/starter archive Rye`, `/starter peaked [Rye]`; the actions in
    German and Russian too: `/starter neu Roggen`, `/starter umbenennen Roggen in Dunkler Roggen`,
    `/starter archivieren Roggen`, `/starter новая Ржаная`, `/starter переименовать Ржаная в
    Тёмная`, `/starter архив Ржаная`."""
    raw = " ".join(args.split())
    if not raw:
        return StarterCommand("")
    word, _, rest = raw.partition(" ")
    action = _ACTIONS.get(words.fold(word), "")
    if action not in STARTER_ACTIONS:
        raise ParseError("starter_format")
    if action == "new":
        return StarterCommand("new", clean_name(rest))
    if action == "rename":
        parts = _RENAME_TO.split(rest, maxsplit=1)
        if len(parts) != 2:
            parts = _RENAME_TO_OTHER.split(rest, maxsplit=1)
        if len(parts) == 2:
            return StarterCommand("rename", clean_name(parts[0]), clean_name(parts[1]))
        return StarterCommand("rename", "", clean_name(rest))
    if action == "archive":
        return StarterCommand("archive", clean_name(rest))
    return StarterCommand("peaked", " ".join(rest.split())[:NAME_MAX])
