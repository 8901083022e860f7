"""Recipes: a bake's amounts and flour mix edited after it started, named recipes saved from a
bake (or from another baker's shared one), scaling, and building the levain in time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from schedules.errors import NoActiveBake, NoRecipe, RecipeNotFound, TooManyRecipes
from schedules.recipe import LevainPlan, Recipe, ScaleSpec, plan_levain, scale_to
from schedules.repository import Repository
from schedules.services.bakes import own_bake
from schedules.services.base import Service, baker
from schedules.services.starter import DEFAULT_FEED_TEMP_C, expected_peak, starter_pace
from schedules.types import (
    Bake,
    BakeTemplate,
    NewReminder,
    Reminder,
    ReminderKind,
    SavedRecipe,
    Starter,
    User,
)

MAX_RECIPES = 50


# A levain feeding timer's label: "levain:<starter g>:<flour g>:<water g>".
LEVAIN_LABEL = "levain:"


class Source(StrEnum):
    """Where a recipe shown for adjusting comes from."""

    BAKE = "b"
    RECIPE = "r"


def template_of_bake(bake: Bake) -> BakeTemplate:
    """What "Bake again" takes from a bake: its recipe, a target set by hand and its folds."""
    return BakeTemplate(
        name=bake.name,
        recipe=bake.recipe,
        flour_mix=bake.flour_mix,
        target_rise_pct=bake.target_rise_pct if bake.target_manual else None,
        folds_count=bake.folds_count,
        fold_interval_min=bake.fold_interval_min,
        recipe_id=bake.recipe_id,
    )


def template_of_recipe(saved: SavedRecipe) -> BakeTemplate:
    return BakeTemplate(
        name=saved.name,
        recipe=saved.recipe,
        flour_mix=saved.flour_mix,
        target_rise_pct=saved.target_rise_pct,
        folds_count=saved.folds_count,
        fold_interval_min=saved.fold_interval_min,
        recipe_id=saved.id,
    )


def next_at(now: datetime, clock: time, zone: tzinfo) -> datetime:
    """The next time the baker's clock shows `clock` (today if still ahead, else tomorrow)."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), clock, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), clock, tzinfo=zone)
    return candidate


@dataclass(frozen=True)
class Adjustable:
    """A recipe shown for adjusting before a bake starts from it."""

    user: User
    source: Source
    ref_id: int
    template: BakeTemplate


@dataclass(frozen=True)
class Scaled:
    user: User
    source: Source
    ref_id: int
    template: BakeTemplate  # the original
    scaled: Recipe
    factor: float


@dataclass(frozen=True)
class Levain:
    user: User
    plan: LevainPlan
    starter: Starter | None
    reminder: Reminder
    recipe_name: str | None
    replayed: bool = False


def _recipe_template(repo: Repository, user_id: int, recipe_id: int | None, name: str) -> SavedRecipe | None:
    if recipe_id is not None:
        saved = repo.get_recipe(user_id, recipe_id)
        if saved is None:
            raise RecipeNotFound
        return saved
    if name:
        saved = repo.recipe_by_name(user_id, name)
        if saved is None:
            raise RecipeNotFound
        return saved
    return None


class RecipeService(Service):
    async def edit_bake(
        self, user_id: int, bake_id: int | None, recipe: Recipe | None, flour_mix: str | None
    ) -> Bake:
        """Set a bake's amounts and/or flour mix, in any phase (a recipe written down later)."""
        changes: dict[str, object] = {}
        if recipe is not None:
            changes.update(
                flour_g=recipe.flour_g,
                water_g=recipe.water_g,
                starter_g=recipe.starter_g,
                salt_g=recipe.salt_g,
            )
        if flour_mix is not None:
            changes["flour_mix"] = flour_mix

        def action(repo: Repository) -> Bake:
            bake = own_bake(repo, user_id, bake_id)
            return repo.update_bake(user_id, bake.id, **changes) or bake

        return await self.db.write(action)

    async def save_from_bake(
        self, user_id: int, bake_id: int, name: str | None = None, *, source_key: str | None = None
    ) -> SavedRecipe:
        now = self.clock.now()

        def action(repo: Repository) -> SavedRecipe:
            if source_key is not None and (earlier := repo.recipe_by_source(user_id, source_key)):
                return earlier
            bake = own_bake(repo, user_id, bake_id)
            if bake.recipe is None:
                raise NoRecipe
            return self._save(repo, user_id, template_of_bake(bake), name or bake.name, now, source_key)

        return await self.db.write(action)

    async def save_template(
        self, user_id: int, template: BakeTemplate, *, source_key: str | None = None
    ) -> SavedRecipe:
        now = self.clock.now()

        def action(repo: Repository) -> SavedRecipe:
            baker(repo, user_id)
            if source_key is not None and (earlier := repo.recipe_by_source(user_id, source_key)):
                return earlier
            return self._save(repo, user_id, template, template.name, now, source_key)

        return await self.db.write(action)

    @staticmethod
    def _save(
        repo: Repository,
        user_id: int,
        template: BakeTemplate,
        name: str,
        now: datetime,
        source_key: str | None,
    ) -> SavedRecipe:
        if template.recipe is None:
            raise NoRecipe
        if repo.recipe_by_name(user_id, name) is None and repo.count_recipes(user_id) >= MAX_RECIPES:
            raise TooManyRecipes
        return repo.save_recipe(
            user_id,
            name,
            template.recipe,
            now,
            flour_mix=template.flour_mix,
            target_rise_pct=template.target_rise_pct,
            folds_count=template.folds_count,
            fold_interval_min=template.fold_interval_min,
            source_key=source_key,
        )

    async def saved(self, user_id: int) -> tuple[User, list[SavedRecipe]]:
        return await self.db.read(
            lambda repo: (baker(repo, user_id), repo.recipes(user_id, limit=MAX_RECIPES))
        )

    async def delete(self, user_id: int, recipe_id: int) -> SavedRecipe:
        def action(repo: Repository) -> SavedRecipe:
            saved = repo.get_recipe(user_id, recipe_id)
            if saved is None:
                raise RecipeNotFound
            repo.delete_recipe(user_id, recipe_id)
            return saved

        return await self.db.write(action)

    async def adjustable(self, user_id: int, source: Source, ref_id: int) -> Adjustable:
        """A bake's or a saved recipe's template, to adjust before starting a bake from it."""

        def action(repo: Repository) -> Adjustable:
            user = baker(repo, user_id)
            if source == Source.BAKE:
                template = template_of_bake(own_bake(repo, user_id, ref_id))
            else:
                saved = _recipe_template(repo, user_id, ref_id, "")
                assert saved is not None
                template = template_of_recipe(saved)
            return Adjustable(user, source, ref_id, template)

        return await self.db.read(action)

    async def scale(
        self,
        user_id: int,
        spec: ScaleSpec,
        *,
        source: Source | None = None,
        ref_id: int | None = None,
        name: str = "",
    ) -> Scaled:
        """Scale a saved recipe (by id or name), a bake's, or else the current bake's recipe."""

        def action(repo: Repository) -> Scaled:
            user = baker(repo, user_id)
            if source == Source.BAKE and ref_id is not None:
                bake = own_bake(repo, user_id, ref_id)
                template, kind, ref = template_of_bake(bake), Source.BAKE, bake.id
            elif source == Source.RECIPE or name:
                saved = _recipe_template(repo, user_id, ref_id, name)
                assert saved is not None
                template, kind, ref = template_of_recipe(saved), Source.RECIPE, saved.id
            else:
                current = repo.current_bake(user_id)
                if current is None:
                    raise NoActiveBake
                template, kind, ref = template_of_bake(current), Source.BAKE, current.id
            if template.recipe is None:
                raise NoRecipe
            scaled, factor = scale_to(template.recipe, spec)
            return Scaled(user, kind, ref, template, scaled, factor)

        return await self.db.read(action)

    async def levain(
        self,
        user_id: int,
        mix_clock: time,
        *,
        needed_g: float | None = None,
        name: str = "",
        source_key: str | None = None,
    ) -> Levain:
        """Build the levain so that it peaks at the mixing time, from the starter fed last (its
        learned pace), and remind the baker when to feed it. The amount is `needed_g`, else the
        starter of the recipe named, else of the current bake, else of the only saved recipe."""
        now = self.clock.now()

        def action(repo: Repository) -> Levain:
            user = baker(repo, user_id)
            starter = repo.default_starter(user_id)
            if source_key is not None and (earlier := repo.reminder_by_source(user_id, source_key)):
                mix_at = next_at(earlier.created_at or now, mix_clock, self.zone(user))
                plan = self._plan(needed_g or 1.0, mix_at, earlier.created_at or now, starter)
                return Levain(user, plan, starter, earlier, None, replayed=True)
            recipe_name: str | None = None
            amount = needed_g
            if amount is None:
                saved = _recipe_template(repo, user_id, None, name)
                if saved is None:
                    bake = repo.current_bake(user_id)
                    if bake is not None and bake.starter_g:
                        amount, recipe_name = bake.starter_g, bake.name
                    else:
                        every = repo.recipes(user_id, limit=2)
                        saved = every[0] if len(every) == 1 else None
                if saved is not None:
                    amount, recipe_name = saved.starter_g, saved.name
            if not amount:
                raise NoRecipe
            mix_at = next_at(now, mix_clock, self.zone(user))
            plan = self._plan(amount, mix_at, now, starter)
            # Language-neutral: the bot says it in the baker's language (texts.reminder_label).
            label = f"{LEVAIN_LABEL}{plan.seed_g:g}:{plan.flour_g:g}:{plan.water_g:g}"
            reminder = repo.add_reminders(
                user_id,
                [NewReminder(ReminderKind.TIMER, plan.feed_at, label=label, source_key=source_key)],
                now,
            )[0]
            return Levain(user, plan, starter, reminder, recipe_name)

        return await self.db.write(action)

    @staticmethod
    def _plan(amount: float, mix_at: datetime, now: datetime, starter: Starter | None) -> LevainPlan:
        pace = starter_pace(starter)

        def peak_hours(ratio: float) -> float:
            return expected_peak((1.0, ratio, ratio), DEFAULT_FEED_TEMP_C, pace).peak_hours

        return plan_levain(amount, mix_at, now, peak_hours)
