"""Starting, following and finishing bakes: /newbake, /status, /bakes, /done, /abandon."""

from __future__ import annotations

import math

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import render, texts
from bot.replies import answer, clock, drop_buttons, mark_answered, message_key, origin
from bot.states import Finish, NewBake
from schedules.parsing import ParseError, clean_text, parse_rating, parse_recipe, parse_temperature
from schedules.recipe import Recipe
from schedules.services import Services
from schedules.types import Bake, User

PAGE_SIZE = 8
SEARCH_MAX = 24
NOT_A_COMMAND = ~F.text.startswith("/")


def clean_name(raw: str) -> str:
    """A bake's name without invisible or reordering characters; nothing visible → no name."""
    name = clean_text(raw)
    if not name:
        raise ParseError("name_empty")
    if len(name) > texts.NAME_MAX:
        raise ParseError("name_long", maximum=texts.NAME_MAX)
    return name


# ---------------------------------------------------------------- /newbake


async def newbake(
    message: Message, command: CommandObject, state: FSMContext, services: Services, user: User
) -> None:
    if command.args:
        await _start(message, services, user, name=clean_name(command.args), source_key=message_key(message))
        return
    await state.set_state(NewBake.name)
    await answer(message, str(texts.ASK_NAME))


async def got_name(message: Message, state: FSMContext) -> None:
    await state.update_data(name=clean_name(message.text or ""))
    await state.set_state(NewBake.recipe)
    sent = await answer(message, str(texts.ASK_RECIPE), kb.skip_keyboard(kb.SkipStep.RECIPE))
    await state.update_data(prompt_id=sent.message_id)


async def got_recipe(message: Message, state: FSMContext, user: User) -> None:
    recipe = parse_recipe(message.text or "")
    await drop_buttons(message, (await state.get_data()).get("prompt_id"))
    await state.update_data(recipe=[recipe.flour_g, recipe.water_g, recipe.starter_g, recipe.salt_g])
    await state.set_state(NewBake.temperature)
    summary = "\n".join(texts.percentages_lines(recipe))
    sent = await answer(
        message,
        f"{summary}\n\n" + texts.ASK_TEMP.format(example=render.temp_example(user)),
        kb.skip_keyboard(kb.SkipStep.TEMP),
    )
    await state.update_data(prompt_id=sent.message_id)


async def got_temperature(message: Message, state: FSMContext, services: Services, user: User) -> None:
    temp_c = parse_temperature(message.text or "", default_unit=user.temp_unit)
    await drop_buttons(message, (await state.get_data()).get("prompt_id"))
    await _finish_dialog(message, state, services, user, temp_c, message_key(message))


async def skip_recipe(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await state.set_state(NewBake.temperature)
    await query.answer()
    message = origin(query)
    if message is not None:
        await mark_answered(message, str(texts.SKIPPED))
        sent = await message.answer(
            texts.ASK_TEMP.format(example=render.temp_example(user)),
            reply_markup=kb.skip_keyboard(kb.SkipStep.TEMP),
        )
        await state.update_data(prompt_id=sent.message_id)


async def skip_temperature(query: CallbackQuery, state: FSMContext, services: Services, user: User) -> None:
    await query.answer()
    message = origin(query)
    if message is not None:
        await mark_answered(message, str(texts.SKIPPED))
        await _finish_dialog(
            message, state, services, user, None, f"m:{message.chat.id}:{message.message_id}"
        )


async def _finish_dialog(
    message: Message, state: FSMContext, services: Services, user: User, temp_c: float | None, source_key: str
) -> None:
    data = await state.get_data()
    amounts = data.get("recipe")
    recipe = Recipe(*amounts) if amounts else None
    await _start(
        message,
        services,
        user,
        name=str(data.get("name") or "My bake"),
        recipe=recipe,
        temp_c=temp_c,
        source_key=source_key,
    )
    await state.clear()


async def _start(
    message: Message,
    services: Services,
    user: User,
    *,
    name: str,
    recipe: Recipe | None = None,
    temp_c: float | None = None,
    source_key: str,
) -> None:
    result = await services.bakes.start(
        user.id, name, recipe=recipe, dough_temp_c=temp_c, source_key=source_key
    )
    zone, now = clock(services, result.user)
    await answer(message, render.started(result, zone, now))


# ---------------------------------------------------------------- /status


async def status(message: Message, services: Services, user: User) -> None:
    found = await services.bakes.status(user.id)
    zone, now = clock(services, found.user)
    blocks = [render.status_block(d, d.bake.id == found.current_id, zone, now) for d in found.bakes]
    await answer(
        message, "\n\n".join(blocks), kb.select_bakes([d.bake for d in found.bakes], found.current_id)
    )


async def select(query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User) -> None:
    bake = await services.bakes.select(user.id, callback_data.bake_id)
    await query.answer()  # the reply says it
    message = origin(query)
    if message is not None:
        await message.answer(texts.SELECTED.format(name=texts.esc(bake.name)))


# ---------------------------------------------------------------- /bakes


async def bakes(
    message: Message, command: CommandObject, state: FSMContext, services: Services, user: User
) -> None:
    query = clean_text(command.args or "")[:SEARCH_MAX]
    await state.update_data(bakes_query=query)
    text, markup = await bakes_page(services, user, 0, query)
    await answer(message, text, markup)


async def bakes_page(
    services: Services, user: User, page: int, query: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    found = await services.bakes.page(user.id, page, PAGE_SIZE, query or None)
    if not found.total:
        return (texts.NO_BAKES_MATCH.format(query=texts.esc(query)) if query else str(texts.NO_BAKES)), None
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    if query:
        header = texts.BAKES_FOUND.format(n=found.total, query=texts.esc(query))
    else:
        header = texts.BAKES_HEADER.format(n=found.total)
    lines = [header]
    if pages > 1:
        lines.append(texts.BAKES_PAGE.format(page=found.page + 1, pages=pages))
    lines.append(str(texts.BAKES_LEGEND))
    return "\n".join(lines), kb.bakes_page(found.bakes, found.page, pages)


async def bakes_paged(
    query: CallbackQuery, callback_data: kb.PageCb, state: FSMContext, services: Services, user: User
) -> None:
    search = str((await state.get_data()).get("bakes_query") or "")[:SEARCH_MAX]
    text, markup = await bakes_page(services, user, callback_data.page, search)
    await query.answer()
    message = origin(query)
    if message is not None:
        await message.edit_text(text, reply_markup=markup)


async def open_bake(query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        zone, now = clock(services, details.user)
        markup = kb.card_keyboard(details.bake.id, details.photos)
        await answer(message, render.card(details, zone, now), markup)


# ---------------------------------------------------------------- /done


async def done(message: Message, state: FSMContext, services: Services, user: User) -> None:
    result = await services.bakes.finish(user.id)
    await state.set_state(Finish.rating)
    await state.update_data(bake_id=result.bake.id, learned=render.learned(result))
    sent = await answer(
        message, texts.ASK_RATING.format(name=texts.esc(result.bake.name)), kb.rating_keyboard(result.bake.id)
    )
    await state.update_data(prompt_id=sent.message_id)


def notes_prompt(bake: Bake) -> str:
    """Asks for the notes; notes already written are shown to copy, change and send back."""
    if not bake.notes:
        return str(texts.ASK_NOTES)
    return f"{texts.ASK_NOTES}\n\n{texts.NOTES_NOW}\n<code>{texts.esc(bake.notes)}</code>"


async def rated(
    query: CallbackQuery, callback_data: kb.RateCb, state: FSMContext, services: Services, user: User
) -> None:
    bake = await services.bakes.rate(user.id, callback_data.bake_id, rating=callback_data.value or None)
    await query.answer()  # the rating message says what was done
    data = await state.get_data()
    await state.set_state(Finish.notes)
    await state.update_data(
        bake_id=bake.id, learned=data.get("learned", "") if data.get("bake_id") == bake.id else ""
    )
    message = origin(query)
    if message is not None:
        value = callback_data.value
        await mark_answered(message, texts.RATED.format(stars="⭐" * value) if value else str(texts.SKIPPED))
        sent = await message.answer(notes_prompt(bake), reply_markup=kb.skip_keyboard(kb.SkipStep.NOTES))
        await state.update_data(prompt_id=sent.message_id)


async def typed_rating(message: Message, state: FSMContext, services: Services, user: User) -> None:
    data = await state.get_data()
    await drop_buttons(message, data.get("prompt_id"))
    try:
        rating = parse_rating(message.text or "")
    except ParseError:
        sent = await answer(
            message, str(texts.BAD_RATING), kb.rating_keyboard(int(data.get("bake_id", 0)) or 1)
        )
        await state.update_data(prompt_id=sent.message_id)
        return
    bake = await services.bakes.rate(user.id, int(data.get("bake_id", 0)), rating=rating)
    await state.set_state(Finish.notes)
    sent = await answer(message, notes_prompt(bake), kb.skip_keyboard(kb.SkipStep.NOTES))
    await state.update_data(prompt_id=sent.message_id)


async def typed_notes(message: Message, state: FSMContext, services: Services, user: User) -> None:
    notes = clean_text(message.text or "", multiline=True)
    data = await state.get_data()
    await drop_buttons(message, data.get("prompt_id"))
    if len(notes) > texts.NOTE_MAX:
        sent = await answer(
            message, texts.NOTES_TOO_LONG.format(maximum=texts.NOTE_MAX), kb.skip_keyboard(kb.SkipStep.NOTES)
        )
        await state.update_data(prompt_id=sent.message_id)
        return
    bake = await services.bakes.rate(user.id, int(data.get("bake_id", 0)), notes=notes)
    await state.clear()
    await _finished(message, bake, str(data.get("learned", "")))


async def skip_notes(query: CallbackQuery, state: FSMContext, services: Services, user: User) -> None:
    data = await state.get_data()
    bake = await services.bakes.rate(user.id, int(data.get("bake_id", 0)))
    await state.clear()
    await query.answer()
    message = origin(query)
    if message is not None:
        await mark_answered(message, str(texts.SKIPPED))
        await _finished(message, bake, str(data.get("learned", "")))


async def _finished(message: Message, bake: Bake, learned: str) -> None:
    rating = f" ({'⭐' * bake.rating})" if bake.rating else ""
    text = texts.BAKE_FINISHED.format(name=texts.esc(bake.name), rating=rating)
    await answer(message, f"{text}\n\n{learned}" if learned else text)


# ---------------------------------------------------------------- /abandon


async def abandon(message: Message, services: Services, user: User) -> None:
    bake = await services.bakes.current(user.id)
    await answer(
        message, texts.CONFIRM_ABANDON.format(name=texts.esc(bake.name)), kb.confirm_abandon(bake.id)
    )


async def abandon_answer(
    query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User
) -> None:
    message = origin(query)
    if callback_data.action == kb.BakeAction.KEEP:
        details = await services.bakes.details(user.id, callback_data.bake_id)
        await query.answer()
        if message is not None:
            await message.edit_text(texts.ABANDON_KEPT.format(name=texts.esc(details.bake.name)))
        return
    bake = await services.bakes.abandon(user.id, callback_data.bake_id)
    await query.answer()
    if message is not None:
        await message.edit_text(texts.ABANDONED.format(name=texts.esc(bake.name)))


def build_router() -> Router:
    router = Router(name="bakes")
    router.message.register(newbake, Command("newbake"))
    router.message.register(got_name, StateFilter(NewBake.name), F.text, NOT_A_COMMAND)
    router.message.register(got_recipe, StateFilter(NewBake.recipe), F.text, NOT_A_COMMAND)
    router.message.register(got_temperature, StateFilter(NewBake.temperature), F.text, NOT_A_COMMAND)
    router.callback_query.register(
        skip_recipe, kb.SkipCb.filter(F.step == kb.SkipStep.RECIPE), StateFilter(NewBake.recipe)
    )
    router.callback_query.register(
        skip_temperature, kb.SkipCb.filter(F.step == kb.SkipStep.TEMP), StateFilter(NewBake.temperature)
    )
    router.message.register(status, Command("status"))
    router.callback_query.register(select, kb.BakeCb.filter(F.action == kb.BakeAction.SELECT))
    router.message.register(bakes, Command("bakes"))
    router.callback_query.register(bakes_paged, kb.PageCb.filter())
    router.callback_query.register(open_bake, kb.BakeCb.filter(F.action == kb.BakeAction.OPEN))
    router.message.register(done, Command("done"))
    router.callback_query.register(rated, kb.RateCb.filter())
    router.message.register(typed_rating, StateFilter(Finish.rating), F.text, NOT_A_COMMAND)
    router.message.register(typed_notes, StateFilter(Finish.notes), F.text, NOT_A_COMMAND)
    router.callback_query.register(
        skip_notes, kb.SkipCb.filter(F.step == kb.SkipStep.NOTES), StateFilter(Finish.notes)
    )
    router.message.register(abandon, Command("abandon"))
    router.callback_query.register(
        abandon_answer, kb.BakeCb.filter(F.action.in_({kb.BakeAction.ABANDON, kb.BakeAction.KEEP}))
    )
    return router
