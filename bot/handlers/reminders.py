"""Reminders the baker sees and steers: /fridge, /proof, /timer, /timers, /folds, and the
buttons on every reminder message."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import texts
from bot.handlers.readings import log_rise
from bot.replies import answer
from bot.states import RiseValue
from schedules.parsing import (
    ParseError,
    RiseInput,
    parse_duration,
    parse_number,
    split_duration_and_label,
)
from schedules.planner import FOLD
from schedules.service import BakeService
from storage.models import User

router = Router(name="reminders")

PROOF_MIN, PROOF_MAX = timedelta(minutes=15), timedelta(days=3)
TIMER_MIN, TIMER_MAX = timedelta(seconds=1), timedelta(days=7)
LABEL_MAX = 100


# ---------------------------------------------------------------- ending bulk


async def _end_bulk(
    message: Message, service: BakeService, user: User, bake_id: int, *, cold: bool, duration: timedelta
) -> None:
    result = await service.end_bulk(user.id, bake_id, cold=cold, duration=duration)
    if result is None:
        await answer(message, texts.BAKE_NOT_FOUND)
        return
    zone, now = service.zone(user), service.clock.now()
    end = result.bake.proof_ends_at or now + duration
    template = texts.COLD_PROOF_STARTED if cold else texts.ROOM_PROOF_STARTED
    lines = [
        template.format(
            name=texts.esc(result.bake.name),
            end=texts.fmt_time(end, zone, now),
            duration=texts.fmt_duration(duration),
        )
    ]
    preheat = [r for r in result.reminders if r.kind == "preheat"]
    if preheat:
        lines.append(texts.PREHEAT_PLANNED.format(time=texts.fmt_time(preheat[0].due_at, zone, now)))
    await answer(message, "\n".join(lines))


async def _proof_command(
    message: Message, command: CommandObject, service: BakeService, user: User, *, cold: bool
) -> None:
    example = "/fridge 14h" if cold else "/proof 2h"
    bake = await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    if command.args:
        try:
            duration = parse_duration(command.args, bare_unit="h", minimum=PROOF_MIN, maximum=PROOF_MAX)
        except ParseError as exc:
            text = (
                texts.PROOF_DURATION_BOUNDS.format(example=example)
                if exc.reason in ("duration_too_short", "duration_too_long")
                else texts.input_error(exc.reason, example)
            )
            await answer(message, text)
            return
        await _end_bulk(message, service, user, bake.id, cold=cold, duration=duration)
        return
    if cold:
        details = await service.bake_details(user.id, bake.id)
        readings, temps = (details.readings, details.temperatures) if details else ([], [])
        latest_rise = readings[-1].rise_pct if readings else None
        temp_c = temps[-1].temp_c if temps else bake.dough_temp_c
        suggested = service.suggest_cold_proof(bake, latest_rise, temp_c)
        await answer(
            message,
            texts.ASK_PROOF.format(suggested=f"{suggested:g}"),
            kb.proof_keyboard(bake.id, cold=True, suggested_hours=suggested),
        )
    else:
        await answer(message, texts.ASK_ROOM_PROOF, kb.proof_keyboard(bake.id, cold=False))


@router.message(Command("fridge"))
async def fridge(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    await _proof_command(message, command, service, user, cold=True)


@router.message(Command("proof"))
async def proof(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    await _proof_command(message, command, service, user, cold=False)


@router.callback_query(kb.ProofCb.filter())
async def proof_button(
    query: CallbackQuery, callback_data: kb.ProofCb, service: BakeService, user: User
) -> None:
    duration = timedelta(minutes=callback_data.minutes)
    if not PROOF_MIN <= duration <= PROOF_MAX or callback_data.cold not in (0, 1):
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    bake = await service.bake(user.id, callback_data.bake_id)
    if bake is None or not bake.active:
        await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _end_bulk(
            query.message, service, user, bake.id, cold=bool(callback_data.cold), duration=duration
        )


# ---------------------------------------------------------------- timers


@router.message(Command("timer"))
async def timer(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    spec, label = split_duration_and_label(command.args or "")
    try:
        duration = parse_duration(spec, minimum=TIMER_MIN, maximum=TIMER_MAX)
    except ParseError as exc:
        await answer(message, texts.input_error(exc.reason, "/timer 45m fold"))
        return
    label = " ".join(label.split())[:LABEL_MAX]
    reminder = await service.add_timer(user.id, duration, label or None)
    zone, now = service.zone(user), service.clock.now()
    await answer(
        message,
        texts.TIMER_SET.format(
            time=texts.fmt_time(reminder.due_at, zone, now),
            duration=texts.fmt_duration(duration),
            label=f": {texts.esc(label)}" if label else "",
        ),
    )


PENDING_SHOWN = 40  # keeps the list (and its edits) well under Telegram's limits


async def pending_view(service: BakeService, user: User) -> tuple[str, InlineKeyboardMarkup | None]:
    reminders = await service.pending(user.id)
    if not reminders:
        return texts.NO_PENDING, None
    zone, now = service.zone(user), service.clock.now()
    names = {b.id: b.name for b in await service.active_bakes(user.id)}
    lines = [texts.PENDING_HEADER.format(zone=texts.esc(user.timezone or service.default_timezone))]
    buttons = []
    for reminder in reminders[:PENDING_SHOWN]:
        what = texts.REMINDER_KIND_NAMES.get(reminder.kind, reminder.kind)
        if reminder.label:
            what += f" “{reminder.label}”"
        if reminder.bake_id in names:
            what += f" · {names[reminder.bake_id]}"
        when = texts.fmt_time(reminder.due_at, zone, now)
        lines.append(f"• {when} — {texts.esc(what)}")
        buttons.append((reminder, f"{when} {what}"))
    if len(reminders) > PENDING_SHOWN:
        lines.append(texts.PENDING_MORE.format(n=len(reminders) - PENDING_SHOWN))
    return "\n".join(lines), kb.pending_keyboard(buttons)


@router.message(Command("timers"))
async def timers(message: Message, service: BakeService, user: User) -> None:
    text, markup = await pending_view(service, user)
    await answer(message, text, markup)


# ---------------------------------------------------------------- per-bake folds


@router.message(Command("folds"))
async def folds(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    bake = await service.current_bake(user.id)
    if bake is None:
        await answer(message, texts.NO_ACTIVE_BAKE)
        return
    args = (command.args or "").lower().split()
    try:
        if args == ["off"]:
            count, interval = 0, bake.fold_interval_min or user.fold_interval_min
        elif 1 <= len(args) <= 2:
            count = int(parse_number(args[0]))
            interval = (
                int(
                    parse_duration(
                        args[1], minimum=timedelta(minutes=5), maximum=timedelta(hours=3)
                    ).total_seconds()
                    // 60
                )
                if len(args) == 2
                else bake.fold_interval_min or user.fold_interval_min
            )
            if not 0 <= count <= 12:
                raise ParseError("folds_format")
        else:
            raise ParseError("folds_format")
    except ParseError:
        await answer(message, texts.input_error("folds_format"))
        return
    if bake.phase != "bulk":
        await answer(
            message,
            texts.NOT_IN_BULK.format(
                name=texts.esc(bake.name), phase=texts.PHASE_NAMES.get(bake.phase, bake.phase)
            ),
        )
        return
    created = await service.set_folds(user.id, bake.id, count, interval)
    if count == 0 or not created:
        await answer(message, texts.FOLDS_OFF.format(name=texts.esc(bake.name)))
        return
    zone, now = service.zone(user), service.clock.now()
    times = ", ".join(texts.fmt_time(r.due_at, zone, now) for r in created)
    await answer(
        message,
        texts.FOLDS_SET.format(count=len(created), interval=interval, name=texts.esc(bake.name), times=times),
    )


# ---------------------------------------------------------------- reminder buttons


@router.callback_query(kb.RemCb.filter())
async def reminder_button(
    query: CallbackQuery, callback_data: kb.RemCb, state: FSMContext, service: BakeService, user: User
) -> None:
    reminder = await service.reminder(user.id, callback_data.reminder_id)
    if reminder is None:
        await query.answer(texts.REMINDER_GONE, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    action = callback_data.action
    zone, now = service.zone(user), service.clock.now()

    if action == "cancel":
        ok = await service.cancel_reminder(user.id, reminder.id)
        await query.answer(texts.REMINDER_CANCELLED if ok else texts.REMINDER_GONE)
        if message is not None:
            text, markup = await pending_view(service, user)
            await message.edit_text(text, reply_markup=markup)
        return
    if action == "snooze" and callback_data.value in (15, 60):
        moved = await service.snooze(user.id, reminder.id, callback_data.value)
        if moved is None:
            await query.answer(texts.REMINDER_GONE, show_alert=True)
            return
        note = texts.SNOOZED.format(time=texts.fmt_time(moved.due_at, zone, now))
        await query.answer(note)
        await _close(message, note)
        return
    if action == "done":
        note = texts.ACK
        if reminder.kind == FOLD and await service.record_fold(user.id, reminder):
            note = texts.FOLD_LOGGED.format(seq=reminder.seq or "")
        await query.answer(note)
        await _close(message, note)
        return
    if action == "skip" and reminder.bake_id is not None:
        skipped = await service.skip_folds(user.id, reminder.bake_id)
        note = texts.FOLDS_SKIPPED.format(n=skipped)
        await query.answer(note)
        await _close(message, note)
        return
    if action in ("rise", "other") and reminder.bake_id is not None:
        bake = await service.bake(user.id, reminder.bake_id)
        if bake is None or not bake.active:
            await query.answer(texts.BAKE_NOT_FOUND, show_alert=True)
            return
        if action == "other":
            await state.set_state(RiseValue.value)
            await state.update_data(bake_id=bake.id)
            await query.answer()
            if message is not None:
                await message.answer(texts.input_error("rise_format"))
            return
        if not 0 <= callback_data.value <= 300:
            await query.answer(texts.STALE_BUTTON, show_alert=True)
            return
        await query.answer(f"{callback_data.value} %")
        if message is not None:
            await _close(message, f"Logged {callback_data.value} %")
            await log_rise(message, service, user, RiseInput(float(callback_data.value)), bake)
        return
    await query.answer(texts.STALE_BUTTON, show_alert=True)


async def _close(message: Message | None, note: str) -> None:
    """Take the buttons off a handled reminder and say what was done with it."""
    if message is None or not message.text:
        return
    await message.edit_text(f"{texts.esc(message.text)}\n\n<i>{texts.esc(note)}</i>", reply_markup=None)
