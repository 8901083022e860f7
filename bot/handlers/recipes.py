"""Recipes: /recipe (the current bake's amounts and flour mix), a card's 🧾 Recipe and 💾 Save
recipe, /recipes, "🔁 Bake again" opening the recipe to adjust first, /scale and /levain."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import render, texts
from bot.i18n import _
from bot.replies import answer, button_key, clock, message_key, origin
from bot.states import RecipeInput
from schedules.errors import NoRecipe
from schedules.parsing import ParseError
from schedules.recipe import LevainTooSoon, Recipe, ScaleRefused, dough_weight, scale_to
from schedules.recipe_parsing import RECIPE_NAME_MAX, clean_name, parse_levain, parse_recipe_edit, parse_scale
from schedules.services import Services
from schedules.services.bakes import StartResult
from schedules.services.recipes import Source
from schedules.types import BakeTemplate, User

NOT_A_COMMAND = ~F.text.startswith("/")
SOURCES = {kb.DraftSource.BAKE: Source.BAKE, kb.DraftSource.RECIPE: Source.RECIPE}
DRAFT_SOURCES = {value: key for key, value in SOURCES.items()}


def amounts_of(recipe: Recipe | None) -> tuple[float | None, ...]:
    if recipe is None:
        return (None, None, None, None)
    return (recipe.flour_g, recipe.water_g, recipe.starter_g, recipe.salt_g)


def recipe_from(flour: int, water: int, starter: int, salt: int) -> Recipe | None:
    """Amounts carried by a button (tenths of a gram; 0: none)."""
    flour_g = kb.grams(flour)
    if flour_g is None:
        return None
    return Recipe(flour_g, kb.grams(water), kb.grams(starter), kb.grams(salt))


def template_lines(template: BakeTemplate, recipe: Recipe | None = None) -> list[str]:
    """A recipe as a baker reads it: amounts and percentages, flour mix, target, folds."""
    recipe = recipe if recipe is not None else template.recipe
    lines = texts.percentages_lines(recipe)
    if recipe is not None:
        lines.append(f"Dough: {dough_weight(recipe):g} g")
    if template.flour_mix:
        lines.append(texts.FLOUR_MIX.format(mix=texts.esc(template.flour_mix)))
    if template.target_rise_pct:
        lines.append(texts.SHARED_TARGET.format(target=template.target_rise_pct))
    if template.folds_count:
        lines.append(
            texts.SHARED_FOLDS.format(count=template.folds_count, interval=template.fold_interval_min or 30)
        )
    return lines


def draft_text(header: str, template: BakeTemplate, recipe: Recipe | None = None) -> str:
    lines = [header.format(name=texts.esc(template.name)), *template_lines(template, recipe)]
    if (recipe or template.recipe) is None:
        lines.append(str(texts.DRAFT_NO_RECIPE))
    return "\n".join(lines)


async def reply_started(
    query: CallbackQuery | None, message: Message | None, services: Services, result: StartResult
) -> None:
    zone, now = clock(services, result.user)
    text = render.started(result, zone, now)
    if query is not None:
        if result.replayed:
            await query.answer(texts.plain(text))
            return
        await query.answer()
    if message is not None:
        await answer(message, text)


# ---------------------------------------------------------------- a bake's recipe


async def recipe_command(
    message: Message, command: CommandObject, state: FSMContext, services: Services, user: User
) -> None:
    """`/recipe 500 375 100 10 mix: 20% rye` sets the current bake's; `/recipe` asks for it."""
    if not command.args:
        bake = await services.bakes.current(user.id)
        await state.set_state(RecipeInput.bake)
        await state.update_data(bake_id=bake.id)
        current = "\n".join(template_lines(BakeTemplate(bake.name, bake.recipe, bake.flour_mix)))
        await answer(
            message,
            (current + "\n\n" if current else "") + texts.RECIPE_ASK.format(name=texts.esc(bake.name)),
        )
        return
    edit = parse_recipe_edit(command.args)
    bake = await services.recipes.edit_bake(user.id, None, edit.recipe, edit.flour_mix)
    await answer(message, _recipe_set(bake.name, BakeTemplate(bake.name, bake.recipe, bake.flour_mix)))


def _recipe_set(name: str, template: BakeTemplate) -> str:
    return "\n".join([texts.RECIPE_SET.format(name=texts.esc(name)), *template_lines(template)])


async def card_recipe(
    query: CallbackQuery, callback_data: kb.CardCb, state: FSMContext, services: Services, user: User
) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    bake = details.bake
    await state.set_state(RecipeInput.bake)
    await state.update_data(bake_id=bake.id)
    await query.answer()
    message = origin(query)
    if message is not None:
        await answer(message, texts.RECIPE_ASK.format(name=texts.esc(bake.name)))


async def typed_bake_recipe(message: Message, state: FSMContext, services: Services, user: User) -> None:
    edit = parse_recipe_edit(message.text or "")
    bake_id = (await state.get_data()).get("bake_id")
    bake = await services.recipes.edit_bake(
        user.id, int(bake_id) if bake_id else None, edit.recipe, edit.flour_mix
    )
    await state.clear()
    await answer(message, _recipe_set(bake.name, BakeTemplate(bake.name, bake.recipe, bake.flour_mix)))


# ---------------------------------------------------------------- saving a bake's recipe


async def card_save(
    query: CallbackQuery, callback_data: kb.CardCb, state: FSMContext, services: Services, user: User
) -> None:
    draft = await services.recipes.adjustable(user.id, Source.BAKE, callback_data.bake_id)
    if draft.template.recipe is None:
        raise NoRecipe
    await state.set_state(RecipeInput.name)
    await state.update_data(bake_id=draft.ref_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        name = draft.template.name
        keep = kb.keep_name_keyboard(draft.ref_id, texts.RECIPE_KEEP_NAME.format(name=name[:40]))
        await answer(message, texts.RECIPE_NAME_ASK.format(name=texts.esc(name)), keep)


async def save_as_is(
    query: CallbackQuery, callback_data: kb.CardCb, state: FSMContext, services: Services, user: User
) -> None:
    saved = await services.recipes.save_from_bake(
        user.id, callback_data.bake_id, source_key=button_key(query, "save")
    )
    await state.clear()
    await query.answer()
    message = origin(query)
    if message is not None:
        await answer(message, texts.RECIPE_SAVED.format(name=texts.esc(saved.name)))


async def typed_recipe_name(message: Message, state: FSMContext, services: Services, user: User) -> None:
    name = clean_name(message.text or "", max_len=RECIPE_NAME_MAX)
    bake_id = int((await state.get_data()).get("bake_id") or 0)
    saved = await services.recipes.save_from_bake(user.id, bake_id, name, source_key=message_key(message))
    await state.clear()
    await answer(message, texts.RECIPE_SAVED.format(name=texts.esc(saved.name)))


# ---------------------------------------------------------------- /recipes


async def recipes(message: Message, services: Services, user: User) -> None:
    _user, saved = await services.recipes.saved(user.id)
    if not saved:
        await answer(message, str(texts.RECIPES_EMPTY))
        return
    lines = [str(texts.RECIPES_HEADER), ""]
    for recipe in saved:
        total = dough_weight(recipe.recipe)
        mix = f" — {texts.esc(recipe.flour_mix)}" if recipe.flour_mix else ""
        dough = _("{grams} g of dough").format(grams=texts.fmt_num(total, 0))
        lines.append(f"• <b>{texts.esc(recipe.name)}</b>: {dough}{mix}")
    await answer(message, "\n".join(lines), kb.recipes_keyboard([(r.id, r.name) for r in saved]))


async def recipe_button(
    query: CallbackQuery, callback_data: kb.RecipeCb, services: Services, user: User
) -> None:
    message = origin(query)
    if callback_data.action == kb.RecipeAction.DELETE:
        deleted = await services.recipes.delete(user.id, callback_data.recipe_id)
        await query.answer()
        if message is not None:
            await answer(message, texts.RECIPE_DELETED.format(name=texts.esc(deleted.name)))
        return
    draft = await services.recipes.adjustable(user.id, Source.RECIPE, callback_data.recipe_id)
    if callback_data.action == kb.RecipeAction.START:
        result = await services.bakes.start(
            user.id, draft.template.name, template=draft.template, source_key=button_key(query, "recipe")
        )
        await reply_started(query, message, services, result)
        return
    await query.answer()
    if message is not None:
        await answer(
            message,
            draft_text(str(texts.DRAFT_HEADER), draft.template),
            kb.recipe_keyboard(draft.ref_id, amounts_of(draft.template.recipe)),
        )


# ---------------------------------------------------------------- bake again: adjust, then start


async def bake_again(query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User) -> None:
    """ "🔁 Bake again" opens the bake's recipe: start as is, change the amounts, or scale."""
    draft = await services.recipes.adjustable(user.id, Source.BAKE, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        await answer(
            message,
            draft_text(str(texts.DRAFT_HEADER), draft.template),
            kb.draft_keyboard(kb.DraftSource.BAKE, draft.ref_id, amounts_of(draft.template.recipe)),
        )


async def draft_button(
    query: CallbackQuery, callback_data: kb.DraftCb, state: FSMContext, services: Services, user: User
) -> None:
    draft = await services.recipes.adjustable(user.id, SOURCES[callback_data.source], callback_data.ref_id)
    recipe = recipe_from(callback_data.flour, callback_data.water, callback_data.starter, callback_data.salt)
    message = origin(query)
    name = texts.esc(draft.template.name)
    if callback_data.action == kb.DraftAction.START:
        template = replace(draft.template, recipe=recipe)
        result = await services.bakes.start(
            user.id, template.name, template=template, source_key=button_key(query, "draft")
        )
        await reply_started(query, message, services, result)
        return
    if callback_data.action == kb.DraftAction.SAVE:
        template = replace(draft.template, recipe=recipe)
        saved = await services.recipes.save_template(user.id, template, source_key=button_key(query, "save"))
        await query.answer()
        if message is not None:
            await answer(message, texts.RECIPE_SAVED.format(name=texts.esc(saved.name)))
        return
    await state.set_state(
        RecipeInput.draft_amounts
        if callback_data.action == kb.DraftAction.AMOUNTS
        else RecipeInput.draft_scale
    )
    await state.update_data(
        source=callback_data.source.value,
        ref_id=draft.ref_id,
        amounts=[callback_data.flour, callback_data.water, callback_data.starter, callback_data.salt],
    )
    await query.answer()
    if message is not None:
        if callback_data.action == kb.DraftAction.AMOUNTS:
            await answer(message, texts.DRAFT_ASK_AMOUNTS.format(name=name))
        elif recipe is None:
            await state.set_state(RecipeInput.draft_amounts)
            await answer(message, texts.DRAFT_ASK_AMOUNTS.format(name=name))
        else:
            await answer(message, texts.DRAFT_ASK_SCALE.format(name=name))


async def _draft_state(
    state: FSMContext, services: Services, user: User
) -> tuple[kb.DraftSource, BakeTemplate, Recipe | None, int]:
    data = await state.get_data()
    source = kb.DraftSource(str(data.get("source", "b")))
    ref_id = int(data.get("ref_id") or 0)
    draft = await services.recipes.adjustable(user.id, SOURCES[source], ref_id)
    amounts = [int(a) for a in data.get("amounts", [0, 0, 0, 0])][:4]
    return source, draft.template, recipe_from(*amounts), draft.ref_id


async def typed_draft_amounts(message: Message, state: FSMContext, services: Services, user: User) -> None:
    edit = parse_recipe_edit(message.text or "")
    if edit.recipe is None:
        raise ParseError("recipe_format")
    source, template, _recipe, ref_id = await _draft_state(state, services, user)
    await state.clear()
    await answer(
        message,
        draft_text(str(texts.DRAFT_ADJUSTED), template, edit.recipe),
        kb.draft_keyboard(source, ref_id, amounts_of(edit.recipe), adjusted=True),
    )


async def typed_draft_scale(message: Message, state: FSMContext, services: Services, user: User) -> None:
    spec, _rest = parse_scale(message.text or "")
    source, template, recipe, ref_id = await _draft_state(state, services, user)
    if recipe is None:
        raise NoRecipe
    try:
        scaled, factor = scale_to(recipe, spec)
    except ScaleRefused as exc:
        raise ParseError(exc.reason) from None
    await state.clear()
    await answer(
        message,
        _scaled_text(template, scaled, factor),
        kb.draft_keyboard(source, ref_id, amounts_of(scaled), adjusted=True),
    )


def _scaled_text(template: BakeTemplate, scaled: Recipe, factor: float) -> str:
    header = texts.SCALED.format(
        name=texts.esc(template.name), factor=texts.fmt_num(factor, 2), total=f"{dough_weight(scaled):g}"
    )
    lines = [
        header,
        *template_lines(BakeTemplate(template.name, scaled, template.flour_mix)),
        str(texts.SCALED_TARGET),
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- /scale


async def scale(message: Message, command: CommandObject, services: Services, user: User) -> None:
    spec, name = parse_scale(command.args or "")
    try:
        result = await services.recipes.scale(user.id, spec, name=name)
    except ScaleRefused as exc:
        raise ParseError(exc.reason) from None
    await answer(
        message,
        _scaled_text(result.template, result.scaled, result.factor),
        kb.draft_keyboard(
            DRAFT_SOURCES[result.source], result.ref_id, amounts_of(result.scaled), adjusted=True
        ),
    )


# ---------------------------------------------------------------- /levain


async def levain(message: Message, command: CommandObject, services: Services, user: User) -> None:
    wanted = parse_levain(command.args or "")
    try:
        result = await services.recipes.levain(
            user.id,
            wanted.mix_at,
            needed_g=wanted.needed_g,
            name=wanted.name,
            source_key=message_key(message),
        )
    except LevainTooSoon as exc:
        later = f"{(wanted.mix_at.hour + int(exc.fastest_hours) + 1) % 24:02d}:{wanted.mix_at.minute:02d}"
        await answer(
            message, texts.LEVAIN_TOO_SOON.format(hours=texts.fmt_hours(exc.fastest_hours), example=later)
        )
        return
    zone, now = clock(services, result.user)
    plan = result.plan
    starter = ""
    if result.starter is not None and result.starter.calibration:
        starter = texts.LEVAIN_PACE.format(name=texts.esc(result.starter.name))
    text = texts.LEVAIN_PLAN.format(
        seed=f"{plan.seed_g:g}",
        flour=f"{plan.flour_g:g}",
        water=f"{plan.water_g:g}",
        feed=texts.fmt_at(plan.feed_at, zone, now),
        needed=f"{plan.needed_g:g}",
        mix=texts.fmt_at(plan.peak_at, zone, now),
        ratio=f"{plan.ratio:g}",
        starter=starter,
        for_name=texts.LEVAIN_FOR.format(name=texts.esc(result.recipe_name)) if result.recipe_name else "",
    )
    if result.replayed:
        text = str(texts.LEVAIN_REPLAYED)
    markup: InlineKeyboardMarkup | None = None
    if result.reminder.pending:
        markup = kb.pending_keyboard(
            [
                (
                    result.reminder,
                    _("Cancel the reminder {time}").format(
                        time=texts.fmt_time(result.reminder.due_at, zone, now)
                    ),
                )
            ]
        )
    await answer(message, text, markup)


def build_router() -> Router:
    router = Router(name="recipes")
    router.message.register(recipe_command, Command("recipe"))
    router.message.register(recipes, Command("recipes"))
    router.message.register(scale, Command("scale"))
    router.message.register(levain, Command("levain"))
    router.message.register(typed_bake_recipe, StateFilter(RecipeInput.bake), F.text, NOT_A_COMMAND)
    router.message.register(typed_recipe_name, StateFilter(RecipeInput.name), F.text, NOT_A_COMMAND)
    router.message.register(
        typed_draft_amounts, StateFilter(RecipeInput.draft_amounts), F.text, NOT_A_COMMAND
    )
    router.message.register(typed_draft_scale, StateFilter(RecipeInput.draft_scale), F.text, NOT_A_COMMAND)
    card = kb.CardCb.filter
    router.callback_query.register(card_recipe, card(F.action == kb.CardAction.RECIPE))
    router.callback_query.register(card_save, card(F.action == kb.CardAction.SAVE_RECIPE))
    router.callback_query.register(save_as_is, card(F.action == kb.CardAction.SAVE_AS_IS))
    router.callback_query.register(recipe_button, kb.RecipeCb.filter())
    router.callback_query.register(bake_again, kb.BakeCb.filter(F.action == kb.BakeAction.AGAIN))
    router.callback_query.register(draft_button, kb.DraftCb.filter())
    return router
