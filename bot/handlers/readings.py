"""Logging during a bake: /rise, a rise in words (`40%`, `rise 45`, `45 Prozent`), /temp and
/target, edits of those messages, undoing or deleting a reading, and the question before a
reading far above what the dough can have done by now."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import render, texts
from bot.handlers import plan
from bot.replies import answer, clock, drop_buttons, message_key, origin
from bot.states import RiseValue
from schedules.errors import BakeMovedOn
from schedules.parsing import RiseInput, parse_rise, parse_target, parse_temperature, rise_in_words
from schedules.services import Services
from schedules.services.readings import RiseQuestion, RiseResult, TempResult
from schedules.types import User


def rise_reply(services: Services, result: RiseResult) -> tuple[str, InlineKeyboardMarkup | None]:
    zone, now = clock(services, result.user)
    markup = None if result.already_answered else kb.reading_keyboard(result.reading)
    text = render.rise(result, zone, now)
    if result.plan_drift is not None:  # the bake runs off its plan: say so once, offer a re-plan
        text = "\n".join([text, *plan.drift_lines(result.plan_drift, zone, now, result.user.temp_unit)])
        rows = [*(markup.inline_keyboard if markup else []), *plan.drift_rows(result.plan_drift, zone, now)]
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
    return text, markup


async def reply_rise(message: Message, services: Services, result: RiseResult) -> None:
    await answer(message, *rise_reply(services, result))


async def log_typed_rise(
    message: Message,
    services: Services,
    user: User,
    reading: RiseInput,
    *,
    bake_id: int | None = None,
    bulk_only: bool = False,
) -> None:
    """Log what the baker typed, or ask first when it is far above what the dough can have done."""
    result = await services.readings.log_typed_rise(
        user.id, reading, bake_id=bake_id, source_key=message_key(message), bulk_only=bulk_only
    )
    if isinstance(result, RiseQuestion):
        await ask_implausible(message, result, bulk_only=bulk_only)
    else:
        await reply_rise(message, services, result)


async def ask_implausible(message: Message, question: RiseQuestion, *, bulk_only: bool) -> None:
    """"45 % only 10 s after mixing? [✓ Log 45 % anyway] [✖ No]": nothing is logged until the tap."""
    rise = question.rise
    pct = texts.fmt_reading(rise.rise_pct, from_heights=rise.start_height is not None)
    text = texts.RISE_IMPLAUSIBLE.format(
        pct=pct, elapsed=texts.fmt_duration(question.implausible.elapsed), name=texts.esc(question.bake.name)
    )
    data = kb.RiseAnywayCb(
        log=True,
        bake_id=question.bake.id,
        message_id=message.message_id,
        tenths=round(rise.rise_pct * 10),
        start=rise.start_height,
        current=rise.current_height,
        bulk_only=bulk_only,
    )
    yes, no = texts.RISE_ANYWAY_BUTTON.format(pct=pct), str(texts.RISE_ANYWAY_NO)
    await answer(message, text, kb.rise_anyway_keyboard(data, yes, no))


async def rise_anyway(
    query: CallbackQuery, callback_data: kb.RiseAnywayCb, services: Services, user: User
) -> None:
    """The answer to the question: the reading is logged under the typed message's identity, so
    a second tap (or the message delivered again) finds it logged instead of logging it twice."""
    message = origin(query)
    data = callback_data
    reading = RiseInput(data.tenths / 10, data.start, data.current)
    pct = texts.fmt_reading(reading.rise_pct, from_heights=reading.start_height is not None)
    if not data.log:
        await query.answer()
        if message is not None:
            await message.edit_text(texts.RISE_NOT_LOGGED.format(pct=pct))
        return
    chat_id = message.chat.id if message is not None else query.from_user.id
    result = await services.readings.log_rise(
        user.id,
        reading,
        bake_id=data.bake_id,
        source_key=f"m:{chat_id}:{data.message_id}",  # message_key() of the typed message
        bulk_only=data.bulk_only,
    )
    if result.replayed:
        zone, now = clock(services, result.user)
        when = texts.fmt_at(result.reading.taken_at, zone, now)
        await query.answer(texts.RISE_ALREADY_LOGGED.format(pct=pct, time=when))
        return
    await query.answer()
    text, markup = rise_reply(services, result)
    if message is not None:
        await message.edit_text(text, reply_markup=markup)


async def rise(message: Message, command: CommandObject, services: Services, user: User) -> None:
    reading = parse_rise(command.args or "")
    await log_typed_rise(message, services, user, reading)


async def typed_rise(message: Message, state: FSMContext, services: Services, user: User) -> None:
    """The value after "Other…" on a rise check."""
    text = message.text or ""
    reading = parse_rise(rise_in_words(text) or text)
    data = await state.get_data()
    bake_id = data.get("bake_id")
    await state.clear()
    await drop_buttons(message, data.get("check_id"))  # the rise check is answered
    await log_typed_rise(message, services, user, reading, bake_id=int(bake_id) if bake_id else None)


def rise_words(message: Message) -> dict[str, str] | bool:
    """A filter: the message is a rise in words (`40%`, `rise 45`, `45 Prozent`, `подъём 45`)."""
    words = rise_in_words(message.text or "")
    return {"rise_words": words} if words is not None else False


async def bare_percent(message: Message, services: Services, user: User, rise_words: str) -> None:
    reading = parse_rise(rise_words)
    try:
        await log_typed_rise(message, services, user, reading, bulk_only=True)
    except BakeMovedOn:
        await answer(message, str(texts.BARE_PERCENT_NO_BULK))


def render_temp(result: TempResult, services: Services) -> str:
    user, bake, prediction = result.user, result.bake, result.prediction
    zone, now = clock(services, user)
    if result.edited_from is not None:
        lines = [
            texts.TEMP_EDITED.format(
                time=texts.fmt_time(result.reading.taken_at, zone, now),
                old=texts.fmt_temp(result.edited_from, user.temp_unit),
                new=texts.fmt_temp(result.reading.temp_c, user.temp_unit),
                name=texts.esc(bake.name),
            )
        ]
    else:
        lines = [
            texts.TEMP_LOGGED.format(
                temp=texts.fmt_temp(result.reading.temp_c, user.temp_unit), name=texts.esc(bake.name)
            )
        ]
    if prediction is not None and not prediction.passed:
        lines.append(texts.TEMP_NEW_TARGET.format(target=texts.fmt_num(prediction.target_rise_pct)))
    lines += render.prediction_lines(prediction, zone, now)
    return "\n".join(lines)


async def temp(message: Message, command: CommandObject, services: Services, user: User) -> None:
    temp_c = parse_temperature(command.args or "", default_unit=user.temp_unit)
    result = await services.readings.log_temperature(user.id, temp_c, source_key=message_key(message))
    await answer(message, render_temp(result, services))


async def target(message: Message, command: CommandObject, services: Services, user: User) -> None:
    value = parse_target(command.args or "")
    bake, prediction, user = await services.readings.set_target(user.id, value)
    zone, now = clock(services, user)
    lines = [texts.TARGET_SET.format(name=texts.esc(bake.name), target=texts.fmt_num(value))]
    lines += render.prediction_lines(prediction, zone, now)
    await answer(message, "\n".join(lines))


async def edited(message: Message, services: Services, user: User) -> None:
    """An edited message: if it carried a reading, the reading takes the new value."""
    text = (message.text or "").strip()
    key = message_key(message)
    command = text.split()[0].split("@")[0].lower() if text else ""
    result: RiseResult | TempResult | None = None
    if command == "/temp":
        temp_c = parse_temperature(text.partition(" ")[2], default_unit=user.temp_unit)
        result = await services.readings.edit_temperature(user.id, key, temp_c)
    elif command == "/rise" or (words := rise_in_words(text)) is not None:
        reading = parse_rise(text.partition(" ")[2] if command == "/rise" else words or "")
        result = await services.readings.edit_rise(user.id, key, reading)
    if result is None:
        await answer(message, str(texts.EDIT_NOT_A_READING))
    elif isinstance(result, RiseResult):
        await reply_rise(message, services, result)
    else:
        await answer(message, render_temp(result, services))


async def reading_button(
    query: CallbackQuery, callback_data: kb.ReadingCb, services: Services, user: User
) -> None:
    """↩️ Undo on a reading's reply, or ✖ in a bake's list of readings."""
    result = await services.readings.undo(user.id, callback_data.reading_id)
    zone, now = clock(services, result.user)
    pct, when = texts.fmt_pct(result.reading.rise_pct), texts.fmt_time(result.reading.taken_at, zone, now)
    message = origin(query)
    if callback_data.action == kb.ReadingAction.UNDO:
        undone = texts.RISE_UNDONE.format(pct=pct, time=when, name=texts.esc(result.bake.name))
        text = "\n".join([undone, *render.prediction_lines(result.prediction, zone, now)])
        await query.answer()
        if message is not None:
            await message.edit_text(text, reply_markup=None)
        return
    await query.answer(texts.READING_DELETED.format(pct=pct, time=when))
    if message is not None:
        text, markup = await readings_list(services, user, result.bake.id)
        await message.edit_text(text, reply_markup=markup)


async def readings_list(
    services: Services, user: User, bake_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    user, bake, readings = await services.readings.readings(user.id, bake_id)
    zone, now = clock(services, user)
    name = texts.esc(bake.name)
    if not readings:
        return texts.READINGS_NONE.format(name=name), None
    labels = [
        (r, f"{texts.fmt_time(r.taken_at, zone, now)} — {texts.fmt_pct(r.rise_pct)}") for r in readings[-40:]
    ]
    return texts.READINGS_HEADER.format(name=name), kb.readings_keyboard(labels)


def build_router() -> Router:
    router = Router(name="readings")
    router.message.register(rise, Command("rise"))
    router.message.register(typed_rise, StateFilter(RiseValue.value), F.text, ~F.text.startswith("/"))
    router.message.register(bare_percent, StateFilter(None), F.text, rise_words)
    router.message.register(temp, Command("temp"))
    router.message.register(target, Command("target"))
    router.edited_message.register(edited, F.text)
    router.callback_query.register(reading_button, kb.ReadingCb.filter())
    router.callback_query.register(rise_anyway, kb.RiseAnywayCb.filter())
    return router
