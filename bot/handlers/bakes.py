"""Starting, following and finishing bakes: /newbake, /status, /bakes, /done, /abandon."""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import texts
from bot.replies import answer, prediction_text
from bot.states import Finish, NewBake
from schedules.parsing import ParseError, parse_rating, parse_recipe, parse_temperature
from schedules.planner import BULK_DONE, FOLD, RISE_CHECK
from schedules.recipe import Recipe
from schedules.service import BakeDetails, BakeService, FinishResult, StartResult, TooManyActiveBakes
from storage.models import Bake, Reminder, User

router = Router(name="bakes")
PAGE_SIZE = 8


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ParseError("name_empty")
    if len(name) > texts.NAME_MAX:
        raise ParseError("name_long")
    return name


def name_error(exc: ParseError) -> str:
    return texts.BAD_NAME_LONG if exc.reason == "name_long" else texts.BAD_NAME_EMPTY


def temp_example(user: User) -> str:
    return "76F" if user.temp_unit == "F" else "24.5"


# ---------------------------------------------------------------- /newbake


@router.message(Command("newbake"))
async def newbake(
    message: Message, command: CommandObject, state: FSMContext, service: BakeService, user: User
) -> None:
    if command.args:
        try:
            name = clean_name(command.args)
        except ParseError as exc:
            await answer(message, name_error(exc))
            return
        await _start(message, service, user, name=name)
        return
    await state.set_state(NewBake.name)
    await answer(message, texts.ASK_NAME)


@router.message(StateFilter(NewBake.name), F.text)
async def got_name(message: Message, state: FSMContext) -> None:
    try:
        name = clean_name(message.text or "")
    except ParseError as exc:
        await answer(message, name_error(exc))
        return
    await state.update_data(name=name)
    await state.set_state(NewBake.recipe)
    await answer(message, texts.ASK_RECIPE, kb.skip_keyboard("recipe"))


@router.message(StateFilter(NewBake.recipe), F.text)
async def got_recipe(message: Message, state: FSMContext, user: User) -> None:
    try:
        recipe = parse_recipe(message.text or "")
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason), kb.skip_keyboard("recipe"))
        return
    await state.update_data(recipe=[recipe.flour_g, recipe.water_g, recipe.starter_g, recipe.salt_g])
    await state.set_state(NewBake.temperature)
    summary = "\n".join(texts.percentages_lines(recipe))
    await answer(
        message,
        f"{summary}\n\n" + texts.ASK_TEMP.format(example=temp_example(user)),
        kb.skip_keyboard("temp"),
    )


@router.message(StateFilter(NewBake.temperature), F.text)
async def got_temperature(message: Message, state: FSMContext, service: BakeService, user: User) -> None:
    try:
        temp_c = parse_temperature(message.text or "", default_unit=user.temp_unit)
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason, **exc.details), kb.skip_keyboard("temp"))
        return
    await _finish_dialog(message, state, service, user, temp_c)


@router.callback_query(kb.SkipCb.filter(F.step == "recipe"), StateFilter(NewBake.recipe))
async def skip_recipe(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await state.set_state(NewBake.temperature)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            texts.ASK_TEMP.format(example=temp_example(user)), reply_markup=kb.skip_keyboard("temp")
        )


@router.callback_query(kb.SkipCb.filter(F.step == "temp"), StateFilter(NewBake.temperature))
async def skip_temperature(query: CallbackQuery, state: FSMContext, service: BakeService, user: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _finish_dialog(query.message, state, service, user, None)


async def _finish_dialog(
    message: Message, state: FSMContext, service: BakeService, user: User, temp_c: float | None
) -> None:
    data = await state.get_data()
    await state.clear()
    amounts = data.get("recipe")
    recipe = Recipe(*amounts) if amounts else None
    await _start(
        message, service, user, name=str(data.get("name") or "My bake"), recipe=recipe, temp_c=temp_c
    )


async def _start(
    message: Message,
    service: BakeService,
    user: User,
    *,
    name: str,
    recipe: Recipe | None = None,
    temp_c: float | None = None,
) -> None:
    try:
        result = await service.start_bake(user.id, name, recipe=recipe, dough_temp_c=temp_c)
    except TooManyActiveBakes:
        await answer(message, texts.TOO_MANY_ACTIVE.format(n=len(await service.active_bakes(user.id))))
        return
    await answer(message, render_started(result, user, service.zone(user), service.clock.now()))


def render_started(result: StartResult, user: User, zone: tzinfo, now: datetime) -> str:
    bake = result.bake
    lines = [
        texts.BAKE_STARTED.format(name=texts.esc(bake.name), time=texts.fmt_time(bake.started_at, zone, now))
    ]
    lines += texts.percentages_lines(bake.recipe)
    if bake.dough_temp_c is not None:
        lines.append(f"Dough temperature: {texts.fmt_temp(bake.dough_temp_c, user.temp_unit)}")
    if result.prediction is not None:
        lines += ["", prediction_text(result.prediction, zone, now)]
    else:
        lines += ["", texts.ASK_TEMP_HINT.format(example=temp_example(user))]
    lines += ["", render_plan(result.reminders, zone, now)]
    return "\n".join(lines)


def render_plan(reminders: list[Reminder], zone: tzinfo, now: datetime) -> str:
    folds = [r for r in reminders if r.kind == FOLD]
    checks = [r for r in reminders if r.kind == RISE_CHECK]
    done = [r for r in reminders if r.kind == BULK_DONE]
    parts: list[tuple[str, str]] = []
    if folds:
        first, last = texts.fmt_time(folds[0].due_at, zone, now), texts.fmt_time(folds[-1].due_at, zone, now)
        parts.append((f"{len(folds)} stretch-and-fold(s)", first if len(folds) == 1 else f"{first}–{last}"))
    if checks:
        parts.append(("rise checks from", texts.fmt_time(checks[0].due_at, zone, now)))
    if done:
        parts.append(("“bulk is probably done” at", texts.fmt_time(done[0].due_at, zone, now)))
    return texts.reminders_summary(parts)


# ---------------------------------------------------------------- /status


@router.message(Command("status"))
async def status(message: Message, service: BakeService, user: User) -> None:
    bakes = await service.active_bakes(user.id)
    if not bakes:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    current = await service.current_bake(user.id)
    zone, now = service.zone(user), service.clock.now()
    blocks = []
    for bake in bakes:
        details = await service.bake_details(user.id, bake.id)
        if details is None:
            continue
        readings, temps, pending = details.readings, details.temperatures, details.pending
        marker = "▶️ " if current and bake.id == current.id else ""
        mixed = texts.fmt_time(bake.started_at, zone, now)
        lines = [
            f"{marker}<b>{texts.esc(bake.name)}</b> — {texts.PHASE_NAMES.get(bake.phase, bake.phase)}",
            f"Mixed {mixed} ({texts.fmt_duration(now - bake.started_at)} ago)",
        ]
        if readings:
            last = readings[-1]
            lines.append(
                f"Rise: <b>{texts.fmt_pct(last.rise_pct)}</b> ({texts.fmt_duration(now - last.taken_at)} ago)"
            )
        else:
            lines.append("Rise: no reading yet (send e.g. <code>40%</code>)")
        temperature = temps[-1].temp_c if temps else bake.dough_temp_c
        lines.append(f"Dough: {texts.fmt_temp(temperature, user.temp_unit)}")
        lines += texts.percentages_lines(bake.recipe)
        if bake.phase == "bulk":
            prediction = await service.prediction(user.id, bake.id)
            if prediction is not None:
                lines.append(prediction_text(prediction, zone, now))
        elif bake.proof_ends_at is not None:
            lines.append(f"Proof ends {texts.fmt_time(bake.proof_ends_at, zone, now)}")
        if pending:
            nxt = pending[0]
            lines.append(
                f"Next reminder: {texts.REMINDER_KIND_NAMES.get(nxt.kind, nxt.kind)} "
                f"at {texts.fmt_time(nxt.due_at, zone, now)}"
            )
        blocks.append("\n".join(lines))
    await answer(message, "\n\n".join(blocks), kb.select_bakes(bakes, current.id if current else None))


@router.callback_query(kb.BakeCb.filter(F.action == "select"))
async def select(query: CallbackQuery, callback_data: kb.BakeCb, service: BakeService, user: User) -> None:
    bake = await service.select_bake(user.id, callback_data.bake_id)
    if bake is None:
        await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
        return
    await query.answer(texts.SELECTED.format(name=bake.name))
    if isinstance(query.message, Message):
        await query.message.answer(texts.SELECTED.format(name=texts.esc(bake.name)))


# ---------------------------------------------------------------- /bakes


@router.message(Command("bakes"))
async def bakes(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    query = " ".join((command.args or "").split())[:24]
    text, markup = await bakes_page(service, user, 0, query)
    await answer(message, text, markup)


async def bakes_page(
    service: BakeService, user: User, page: int, query: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    items, total, page = await service.bakes_page(user.id, page, PAGE_SIZE, query or None)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if not total:
        return (texts.NO_BAKES_MATCH.format(query=texts.esc(query)) if query else texts.NO_BAKES), None
    header = texts.BAKES_HEADER.format(total=total, page=page + 1, pages=pages)
    return header, kb.bakes_page(items, page, pages, query)


@router.callback_query(kb.PageCb.filter())
async def bakes_paged(
    query: CallbackQuery, callback_data: kb.PageCb, service: BakeService, user: User
) -> None:
    if callback_data.page < 0:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    text, markup = await bakes_page(service, user, callback_data.page, callback_data.query[:24])
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


def render_card(details: BakeDetails, user: User, zone: tzinfo, now: datetime) -> str:
    bake, readings, temps, events, pending = (
        details.bake,
        details.readings,
        details.temperatures,
        details.events,
        details.pending,
    )
    lines = [
        f"<b>{texts.esc(bake.name)}</b> — {texts.PHASE_NAMES.get(bake.phase, bake.phase)}",
        f"Mixed {texts.fmt_date(bake.started_at, zone)}",
    ]
    lines += texts.percentages_lines(bake.recipe)
    if bake.dough_temp_c is not None:
        lines.append(f"Dough temperature: {texts.fmt_temp(bake.dough_temp_c, user.temp_unit)}")
    if bake.target_rise_pct:
        predicted = (
            f"; predicted bulk {texts.fmt_hours(bake.predicted_bulk_hours)}"
            if bake.predicted_bulk_hours
            else ""
        )
        lines.append(f"Target rise {bake.target_rise_pct:.0f} %{predicted}")
    if bake.bulk_ended_at:
        lines.append(f"Bulk: {texts.fmt_duration(bake.bulk_ended_at - bake.started_at)}")
    if bake.bulk_ended_at and bake.finished_at:
        lines.append(f"Proof: {texts.fmt_duration(bake.finished_at - bake.bulk_ended_at)}")
    if bake.rating:
        lines.append("Rating: " + "⭐" * bake.rating)
    if bake.notes:
        lines.append(f"Notes: {texts.esc(bake.notes)}")
    timeline = [(r.taken_at, f"rise {texts.fmt_pct(r.rise_pct)}") for r in readings]
    timeline += [(t.taken_at, f"dough {texts.fmt_temp(t.temp_c, user.temp_unit)}") for t in temps]
    event_names = {
        "mix": "mixed",
        "fold": "fold",
        "fridge_in": "into the fridge",
        "fridge_out": "out of the fridge",
        "proof": "final proof",
        "done": "done",
    }
    timeline += [(e.at, event_names.get(e.kind, e.kind)) for e in events]
    if timeline:
        lines += ["", "<b>Timeline</b>"]
        for moment, what in sorted(timeline, key=lambda item: item[0]):
            since = texts.fmt_duration(moment - bake.started_at)
            lines.append(f"{moment.astimezone(zone):%d %b %H:%M} (+{since}) — {what}")
    if pending:
        lines.append(
            f"\n{len(pending)} reminder(s) pending; next at {texts.fmt_time(pending[0].due_at, zone, now)}"
        )
    return "\n".join(lines)


@router.callback_query(kb.BakeCb.filter(F.action == "open"))
async def open_bake(query: CallbackQuery, callback_data: kb.BakeCb, service: BakeService, user: User) -> None:
    details = await service.bake_details(user.id, callback_data.bake_id)
    if details is None:
        await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        card = render_card(details, user, service.zone(user), service.clock.now())
        await answer(query.message, card, kb.card_keyboard(details.bake.id))


# ---------------------------------------------------------------- /done


@router.message(Command("done"))
async def done(message: Message, state: FSMContext, service: BakeService, user: User) -> None:
    bake = await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    result = await service.finish(user.id, bake.id)
    if result is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    await state.set_state(Finish.rating)
    await state.update_data(bake_id=bake.id, learned=learned_text(result))
    await answer(message, texts.ASK_RATING.format(name=texts.esc(bake.name)), kb.rating_keyboard(bake.id))


def learned_text(result: FinishResult) -> str:
    bake, cal = result.bake, result.calibration
    if result.bulk_error_pct is None or cal is None or bake.bulk_ended_at is None:
        return ""
    actual = bake.bulk_ended_at - bake.started_at
    predicted = actual * (1 + result.bulk_error_pct / 100)
    error = f"{abs(result.bulk_error_pct):.0f} % {'too long' if result.bulk_error_pct > 0 else 'too short'}"
    return texts.LEARNED.format(
        actual=texts.fmt_duration(actual),
        predicted=texts.fmt_duration(predicted),
        error=error,
        pace=texts.pace_phrase(cal.speed_factor),
    )


@router.callback_query(kb.RateCb.filter())
async def rated(
    query: CallbackQuery, callback_data: kb.RateCb, state: FSMContext, service: BakeService, user: User
) -> None:
    if not 0 <= callback_data.value <= 5:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    bake = await service.rate(user.id, callback_data.bake_id, rating=callback_data.value or None)
    if bake is None:
        await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
        return
    await query.answer("⭐" * callback_data.value if callback_data.value else "Skipped")
    await state.set_state(Finish.notes)
    await state.update_data(bake_id=bake.id)
    if isinstance(query.message, Message):
        await query.message.answer(texts.ASK_NOTES, reply_markup=kb.skip_keyboard("notes"))


@router.message(StateFilter(Finish.rating), F.text)
async def typed_rating(message: Message, state: FSMContext, service: BakeService, user: User) -> None:
    data = await state.get_data()
    try:
        rating = parse_rating(message.text or "")
    except ParseError:
        await answer(message, texts.BAD_RATING, kb.rating_keyboard(int(data.get("bake_id", 0))))
        return
    await service.rate(user.id, int(data.get("bake_id", 0)), rating=rating)
    await state.set_state(Finish.notes)
    await answer(message, texts.ASK_NOTES, kb.skip_keyboard("notes"))


@router.message(StateFilter(Finish.notes), F.text)
async def typed_notes(message: Message, state: FSMContext, service: BakeService, user: User) -> None:
    notes = (message.text or "").strip()
    if len(notes) > texts.NOTE_MAX:
        await answer(message, texts.NOTES_TOO_LONG, kb.skip_keyboard("notes"))
        return
    data = await state.get_data()
    await state.clear()
    bake = await service.rate(user.id, int(data.get("bake_id", 0)), notes=notes)
    await _finished(message, bake, str(data.get("learned", "")))


@router.callback_query(kb.SkipCb.filter(F.step == "notes"), StateFilter(Finish.notes))
async def skip_notes(query: CallbackQuery, state: FSMContext, service: BakeService, user: User) -> None:
    data = await state.get_data()
    await state.clear()
    await query.answer()
    bake = await service.rate(user.id, int(data.get("bake_id", 0)))
    if isinstance(query.message, Message):
        await _finished(query.message, bake, str(data.get("learned", "")))


async def _finished(message: Message, bake: Bake | None, learned: str) -> None:
    if bake is None:
        await answer(message, texts.BAKE_NOT_FOUND)
        return
    rating = f" ({'⭐' * bake.rating})" if bake.rating else ""
    text = texts.BAKE_FINISHED.format(name=texts.esc(bake.name), rating=rating)
    await answer(message, f"{text}\n\n{learned}" if learned else text)


# ---------------------------------------------------------------- /abandon


@router.message(Command("abandon"))
async def abandon(message: Message, service: BakeService, user: User) -> None:
    bake = await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    await answer(
        message, texts.CONFIRM_ABANDON.format(name=texts.esc(bake.name)), kb.confirm_abandon(bake.id)
    )


@router.callback_query(kb.BakeCb.filter(F.action.in_({"abandon", "keep"})))
async def abandon_answer(
    query: CallbackQuery, callback_data: kb.BakeCb, service: BakeService, user: User
) -> None:
    if callback_data.action == "keep":
        bake = await service.bake(user.id, callback_data.bake_id)
        if bake is None:
            await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(texts.ABANDON_KEPT.format(name=texts.esc(bake.name)))
        return
    bake = await service.abandon(user.id, callback_data.bake_id)
    if bake is None:
        await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(texts.ABANDONED.format(name=texts.esc(bake.name)))
