"""Baker's percentages: every ingredient relative to the flour weight."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Recipe:
    flour_g: float
    water_g: float | None = None
    starter_g: float | None = None
    salt_g: float | None = None


@dataclass(frozen=True)
class BakersPercentages:
    hydration_pct: float | None  # water / flour, starter not counted
    total_hydration_pct: float | None  # counting the starter as 100 % hydration (half flour, half water)
    inoculation_pct: float | None  # starter / flour
    salt_pct: float | None  # salt / flour


def bakers_percentages(recipe: Recipe) -> BakersPercentages:
    flour = recipe.flour_g

    def pct(amount: float | None, of: float) -> float | None:
        return None if amount is None or of <= 0 else round(amount / of * 100.0, 1)

    total = None
    if recipe.water_g is not None:
        starter = recipe.starter_g or 0.0
        total = pct(recipe.water_g + starter / 2, flour + starter / 2)
    return BakersPercentages(
        hydration_pct=pct(recipe.water_g, flour),
        total_hydration_pct=total,
        inoculation_pct=pct(recipe.starter_g, flour),
        salt_pct=pct(recipe.salt_g, flour),
    )


# ---------------------------------------------------------------- scaling

MIN_FLOUR_G = 10.0  # less than this is not a dough one can mix
MAX_DOUGH_G = 100_000.0  # the same ceiling as typed amounts (100 kg)
ROUND_FLOUR_TO_5_FROM_G = 200.0  # flour from here up is weighed to 5 g; less, to the gram


class ScaleRefused(ValueError):
    """A scale that would give a dough too small or too large to make; `reason` names which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ScaleSpec:
    """How to scale: by a factor, to a total dough weight, or to loaves × weight each."""

    factor: float | None = None
    total_g: float | None = None
    loaves: int | None = None
    loaf_g: float | None = None

    def target_total(self, current_total: float) -> float:
        if self.factor is not None:
            return current_total * self.factor
        if self.loaves is not None and self.loaf_g is not None:
            return self.loaves * self.loaf_g
        assert self.total_g is not None
        return self.total_g


def dough_weight(recipe: Recipe) -> float:
    """Everything that goes into the bowl."""
    return recipe.flour_g + (recipe.water_g or 0.0) + (recipe.starter_g or 0.0) + (recipe.salt_g or 0.0)


def round_flour(grams: float) -> float:
    if grams >= ROUND_FLOUR_TO_5_FROM_G:
        return float(round(grams / 5.0) * 5)
    return float(round(grams))


def scale_recipe(recipe: Recipe, factor: float) -> Recipe:
    """The recipe times `factor`, keeping its baker's percentages: the flour is rounded first
    (to 5 g from 200 g up, else to the gram) and every other amount is its percentage of that
    flour, rounded to the gram (salt and starter included), so each percentage stays within half
    a gram of the original."""
    if not math.isfinite(factor) or factor <= 0:
        raise ScaleRefused("scale_factor")
    flour = round_flour(recipe.flour_g * factor)
    if flour < MIN_FLOUR_G:
        raise ScaleRefused("scale_too_small")

    def part(amount: float | None) -> float | None:
        return None if amount is None else float(round(amount / recipe.flour_g * flour))

    scaled = Recipe(flour, part(recipe.water_g), part(recipe.starter_g), part(recipe.salt_g))
    if dough_weight(scaled) > MAX_DOUGH_G:
        raise ScaleRefused("scale_too_large")
    return scaled


def scale_to(recipe: Recipe, spec: ScaleSpec) -> tuple[Recipe, float]:
    """(the scaled recipe, the factor used) for a spec."""
    total = dough_weight(recipe)
    if total <= 0:
        raise ScaleRefused("scale_too_small")
    factor = spec.target_total(total) / total
    return scale_recipe(recipe, factor), factor


# ---------------------------------------------------------------- levain build

LEVAIN_RATIOS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0)  # flour (and water) per part of seed
LEVAIN_MARGIN = 1.2  # build a fifth more than the recipe needs: some stays on the jar's walls


class LevainTooSoon(ValueError):
    """Even the fastest build (1:1:1) cannot peak by the mixing time."""

    def __init__(self, fastest_hours: float) -> None:
        super().__init__(fastest_hours)
        self.fastest_hours = fastest_hours


@dataclass(frozen=True)
class LevainPlan:
    seed_g: float
    flour_g: float
    water_g: float
    ratio: float  # flour and water parts per part of seed
    feed_at: datetime
    peak_at: datetime  # = the mixing time
    needed_g: float

    @property
    def built_g(self) -> float:
        return self.seed_g + self.flour_g + self.water_g


def plan_levain(
    needed_g: float,
    mix_at: datetime,
    now: datetime,
    peak_hours: Callable[[float], float],
) -> LevainPlan:
    """Feed so that the levain peaks at `mix_at`: the most diluted feed (a milder, more forgiving
    levain) that still peaks in time, fed that many hours before mixing. `peak_hours(ratio)` is
    how long this starter takes to peak fed 1:ratio:ratio (the model times its learned pace)."""
    if not math.isfinite(needed_g) or needed_g <= 0:
        raise ValueError("the levain amount must be positive")
    available = (mix_at - now).total_seconds() / 3600
    fitting = [r for r in LEVAIN_RATIOS if peak_hours(r) <= available]
    if not fitting:
        raise LevainTooSoon(peak_hours(LEVAIN_RATIOS[0]))
    ratio = fitting[-1]
    built = math.ceil(needed_g * LEVAIN_MARGIN)
    seed = float(math.ceil(built / (1 + 2 * ratio)))  # up: a small build never comes out short
    feed = float(round(seed * ratio))
    return LevainPlan(
        seed_g=seed,
        flour_g=feed,
        water_g=feed,
        ratio=ratio,
        feed_at=mix_at - timedelta(hours=peak_hours(ratio)),
        peak_at=mix_at,
        needed_g=needed_g,
    )
