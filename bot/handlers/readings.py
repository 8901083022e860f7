"""Logging during a bake: /rise, a bare `40%`, /temp and /target, edits of those messages,
and undoing or deleting a reading."""

from __future__ import annotations

import re

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
from schedules.parsing import parse_rise, parse_target, parse_temperature
from schedules.services import Services
from schedules.services.readings import RiseResult, TempResult
from schedules.types import User

BARE_PERCENT = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*%\s*$")


async def reply_rise(message: Message, services: Services, result: RiseResult) -> None:
    zone, now = clock(services, result.user)
    markup = None if result.already_answered else kb.reading_keyboard(result.reading)
    text = render.rise(result, zone, now)
    if result.plan_drift is not None:  # the bake runs off its plan: say so once, offer a re-plan
        text = "\n".join([text, *plan.drift_lines(result.plan_drift, zone, now, result.user.temp_unit)])
        rows = [*(markup.inline_keyboard if markup else []), *plan.drift_rows(result.plan_drift, zone, now)]
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
    await answer(message, text, markup)


async def rise(message: Message, command: CommandObject, services: Services, user: User) -> None:
    reading = parse_rise(command.args or "")
    result = await services.readings.log_rise(user.id, reading, source_key=message_key(message))
    await reply_rise(message, services, result)


async def typed_rise(message: Message, state: FSMContext, services: Services, user: User) -> None:
    """The value after "Other…" on a rise check."""
    reading = parse_rise(message.text or "")
    data = await state.get_data()
    bake_id = data.get("bake_id")
    await state.clear()
    result = await services.readings.log_rise(
        user.id, reading, bake_id=int(bake_id) if bake_id else None, source_key=message_key(message)
    )
    await drop_buttons(message, data.get("check_id"))  # the rise check is answered
    await reply_rise(message, services, result)


async def bare_percent(message: Message, services: Services, user: User) -> None:
    reading = parse_rise(message.text or "")
    try:
        result = await services.readings.log_rise(
            user.id, reading, source_key=message_key(message), bulk_only=True
        )
    except BakeMovedOn:
        await answer(message, str(texts.BARE_PERCENT_NO_BULK))
        return
    await reply_rise(message, services, result)


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
    elif command == "/rise" or BARE_PERCENT.match(text):
        reading = parse_rise(text.partition(" ")[2] if command == "/rise" else text)
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
    router.message.register(bare_percent, StateFilter(None), F.text.regexp(BARE_PERCENT))
    router.message.register(temp, Command("temp"))
    router.message.register(target, Command("target"))
    router.edited_message.register(edited, F.text)
    router.callback_query.register(reading_button, kb.ReadingCb.filter())
    return router
