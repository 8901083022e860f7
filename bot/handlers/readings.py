"""Logging during a bake: /rise, a bare `40%`, /temp and /target."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.replies import answer
from bot.states import RiseValue
from schedules.parsing import ParseError, RiseInput, parse_number, parse_rise, parse_temperature
from schedules.service import BakeService, Prediction, RiseResult
from storage.models import Bake, User

router = Router(name="readings")
BARE_PERCENT = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*%\s*$")


async def log_rise(
    message: Message, service: BakeService, user: User, rise: RiseInput, bake: Bake | None = None
) -> None:
    """Shared by /rise, a bare `40%`, and the quick buttons on rise checks."""
    bake = bake or await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    result = await service.log_rise(user, bake, rise)
    if result is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    await answer(message, render_rise(result, service.zone(user), service.clock.now()))


def render_rise(result: RiseResult, zone: tzinfo, now: datetime) -> str:
    reading, bake = result.reading, result.bake
    elapsed = texts.fmt_duration(reading.taken_at - bake.started_at)
    name = texts.esc(bake.name)
    if reading.start_height is not None and reading.current_height is not None:
        lines = [
            texts.RISE_FROM_HEIGHTS.format(
                start=reading.start_height,
                current=reading.current_height,
                pct=reading.rise_pct,
                elapsed=elapsed,
                name=name,
            )
        ]
    else:
        lines = [texts.RISE_LOGGED.format(pct=reading.rise_pct, elapsed=elapsed, name=name)]
    if result.previous is not None and reading.rise_pct < result.previous.rise_pct:
        lines.append(texts.RISE_LOWER.format(previous=result.previous.rise_pct))
    lines += prediction_lines(result.prediction, zone, now)
    return "\n".join(lines)


def prediction_lines(prediction: Prediction | None, zone: tzinfo, now: datetime) -> list[str]:
    if prediction is None:
        return []
    target = prediction.target_rise_pct
    if prediction.over_fermented:
        return [texts.RISE_OVER.format(target=target)]
    if prediction.passed:
        return [texts.RISE_PASSED.format(target=target)]
    low, high = (texts.fmt_time(t, zone, now) for t in prediction.window)
    if prediction.basis == "prior":
        return [
            texts.RISE_ETA_PRIOR.format(
                target=target, eta=texts.fmt_time(prediction.eta, zone, now), low=low, high=high
            )
        ]
    return [
        texts.RISE_ETA.format(
            target=target, eta=texts.fmt_time(prediction.eta, zone, now), low=low, high=high
        )
    ]


@router.message(Command("rise"))
async def rise(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    try:
        reading = parse_rise(command.args or "")
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason, "/rise 40", **exc.details))
        return
    await log_rise(message, service, user, reading)


@router.message(StateFilter(RiseValue.value), F.text)
async def typed_rise(message: Message, state: FSMContext, service: BakeService, user: User) -> None:
    try:
        reading = parse_rise(message.text or "")
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason, "40%", **exc.details))
        return
    bake_id = int((await state.get_data()).get("bake_id", 0))
    await state.clear()
    bake = await service.bake(user.id, bake_id)
    await log_rise(message, service, user, reading, bake)


@router.message(StateFilter(None), F.text.regexp(BARE_PERCENT))
async def bare_percent(message: Message, service: BakeService, user: User) -> None:
    bake = await service.current_bake(user.id)
    if bake is None or bake.phase != "bulk":
        await answer(message, texts.BARE_PERCENT_NO_BULK)
        return
    try:
        reading = parse_rise(message.text or "")
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason, "40%", **exc.details))
        return
    await log_rise(message, service, user, reading, bake)


@router.message(Command("temp"))
async def temp(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    try:
        temp_c = parse_temperature(command.args or "", default_unit=user.temp_unit)
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason, **exc.details))
        return
    bake = await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    result = await service.log_temperature(user.id, bake.id, temp_c)
    if result is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    bake, prediction = result
    lines = [texts.TEMP_LOGGED.format(temp=texts.fmt_temp(temp_c, user.temp_unit), name=texts.esc(bake.name))]
    zone, now = service.zone(user), service.clock.now()
    if prediction is not None and not prediction.passed:
        lines.append(texts.TEMP_NEW_TARGET.format(target=prediction.target_rise_pct))
    lines += prediction_lines(prediction, zone, now)
    await answer(message, "\n".join(lines))


@router.message(Command("target"))
async def target(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    try:
        value = parse_number((command.args or "").strip().rstrip("%"))
        if not 10 <= value <= 200:
            raise ParseError("target_range")
    except ParseError:
        await answer(message, texts.input_error("target_range"))
        return
    bake = await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    result = await service.set_target(user.id, bake.id, value)
    if result is None:
        await answer(
            message,
            texts.NOT_IN_BULK.format(
                name=texts.esc(bake.name), phase=texts.PHASE_NAMES.get(bake.phase, bake.phase)
            ),
        )
        return
    bake, prediction = result
    lines = [texts.TARGET_SET.format(name=texts.esc(bake.name), target=value)]
    lines += prediction_lines(prediction, service.zone(user), service.clock.now())
    await answer(message, "\n".join(lines))
