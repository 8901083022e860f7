"""Baker's percentages: every ingredient relative to the flour weight."""

from __future__ import annotations

from dataclasses import dataclass


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
