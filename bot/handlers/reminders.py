"""Reminders the baker sees and steers: /fridge, /proof, /timer, /timers, /folds, and the
buttons on every reminder message."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import render, texts
from bot.handlers.readings import reply_rise
from bot.replies import answer, clock, mark_answered, message_key, origin
from bot.states import RiseValue
from schedules.errors import ReminderGone
from schedules.parsing import (
    DURATION_MAX_WORDS,
    ParseError,
    clean_text,
    parse_bounded,
    parse_duration,
    parse_off,
    split_duration_and_label,
)
from schedules.services import Services
from schedules.services.bakes import ProofResult
from schedules.services.reminders import Outcome, Pending
from schedules.types import ReminderKind, User
from schedules.when import looks_like_clock, parse_when

PROOF_MIN, PROOF_MAX = timedelta(minutes=15), timedelta(days=3)
TIMER_MIN, TIMER_MAX = timedelta(seconds=1), timedelta(days=7)
FOLD_INTERVAL_MIN, FOLD_INTERVAL_MAX = timedelta(minutes=5), timedelta(hours=3)
FOLDS_MAX = 12
LABEL_MAX = 100
PENDING_SHOWN = 40  # keeps the list (and its edits) well under Telegram's limits


# ---------------------------------------------------------------- ending bulk


def render_proof(result: ProofResult, services: Services, cold: bool, duration: timedelta) -> str:
    zone, now = clock(services, result.user)
    end = result.bake.proof_ends_at or now + duration
    template = texts.COLD_PROOF_STARTED if cold else texts.ROOM_PROOF_STARTED
    lines = [
        template.format(
            name=texts.esc(result.bake.name),
            end=texts.fmt_time(end, zone, now),
            duration=texts.fmt_duration(duration),
        )
    ]
    preheat = [r for r in result.reminders if r.kind == ReminderKind.PREHEAT]
    if preheat:
        lines.append(texts.PREHEAT_PLANNED.format(time=texts.fmt_at(preheat[0].due_at, zone, now)))
    return "\n".join(lines)


async def _proof_command(
    message: Message, command: CommandObject, services: Services, user: User, *, cold: bool
) -> None:
    if command.args and looks_like_clock(command.args):
        # `/fridge until 8:00`, `/fridge 8am`, `/fridge tomorrow 07:30`: the end by clock time.
        zone, now = clock(services, user)
        end = parse_when(command.args, now, zone)
        duration = end - now
        if not PROOF_MIN <= duration <= PROOF_MAX:
            await answer(
                message,
                texts.FRIDGE_UNTIL_BOUNDS.format(
                    end=texts.fmt_time(end, zone, now), duration=texts.fmt_duration(duration)
                ),
            )
            return
        result = await services.bakes.end_bulk(user.id, None, cold=cold, duration=duration)
        await answer(message, render_proof(result, services, cold, duration))
        return
    if command.args:
        try:
            duration = parse_duration(command.args, bare_unit="h", minimum=PROOF_MIN, maximum=PROOF_MAX)
        except ParseError as exc:
            if exc.reason not in ("duration_too_short", "duration_too_long"):
                raise
            await answer(
                message, texts.PROOF_DURATION_BOUNDS.format(example="/fridge 14h" if cold else "/proof 2h")
            )
            return
        result = await services.bakes.end_bulk(user.id, None, cold=cold, duration=duration)
        await answer(message, render_proof(result, services, cold, duration))
        return
    if cold:
        advice = await services.plans.fridge_advice(user.id)
        zone, now = clock(services, advice.user)
        suggested = round(advice.suggested_hours * 60)
        why = ""
        if advice.from_plan or advice.moved_for_quiet:
            why = str(texts.FRIDGE_WHY_PLAN) if advice.from_plan else str(texts.FRIDGE_WHY_QUIET)
        options = [(round(h * 60), texts.fmt_clock(at, zone)) for h, at in advice.options]
        await answer(
            message,
            texts.ASK_FRIDGE.format(
                suggested=texts.fmt_fridge_minutes(suggested),
                until=texts.fmt_time(now + timedelta(minutes=suggested), zone, now),
                why=why,
            ),
            kb.fridge_keyboard(advice.bake.id, options, suggested),
        )
    else:
        bake = await services.bakes.current(user.id)
        await answer(message, str(texts.ASK_ROOM_PROOF), kb.proof_keyboard(bake.id, cold=False))


async def fridge(message: Message, command: CommandObject, services: Services, user: User) -> None:
    await _proof_command(message, command, services, user, cold=True)


async def proof(message: Message, command: CommandObject, services: Services, user: User) -> None:
    await _proof_command(message, command, services, user, cold=False)


async def proof_button(
    query: CallbackQuery, callback_data: kb.ProofCb, services: Services, user: User
) -> None:
    duration = timedelta(minutes=callback_data.minutes)
    result = await services.bakes.end_bulk(
        user.id, callback_data.bake_id, cold=callback_data.cold, duration=duration
    )
    await query.answer()
    message = origin(query)
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
        await answer(message, render_proof(result, services, callback_data.cold, duration))


# ---------------------------------------------------------------- timers


async def timer(message: Message, command: CommandObject, services: Services, user: User) -> None:
    spec, label = split_duration_and_label(command.args or "")
    duration = parse_duration(spec, minimum=TIMER_MIN, maximum=TIMER_MAX, what="A timer")
    label = clean_text(clean_text(label)[:LABEL_MAX])  # again: a cut may leave a dangling joiner
    result = await services.reminders.add_timer(
        user.id, duration, label or None, source_key=message_key(message)
    )
    zone, now = clock(services, result.user)
    await answer(
        message,
        texts.TIMER_SET.format(
            time=texts.fmt_time(result.reminder.due_at, zone, now),
            duration=texts.fmt_duration(result.reminder.due_at - (result.reminder.created_at or now)),
            label=f": {texts.esc(label)}" if label else "",
        ),
    )


def pending_view(pending: Pending, services: Services) -> tuple[str, InlineKeyboardMarkup | None]:
    if not pending.reminders:
        return str(texts.NO_PENDING), None
    zone, now = clock(services, pending.user)
    lines = [texts.PENDING_HEADER.format(zone=texts.esc(pending.user.timezone or services.default_timezone))]
    buttons = []
    for reminder in pending.reminders[:PENDING_SHOWN]:
        what = str(texts.REMINDER_KIND_NAMES.get(reminder.kind, reminder.kind))
        if reminder.label:
            what += f" “{texts.reminder_label(reminder.label)}”"
        if reminder.bake_id in pending.bake_names:
            what += f" · {pending.bake_names[reminder.bake_id]}"
        when = texts.fmt_time(reminder.due_at, zone, now)
        lines.append(f"• {when} — {texts.esc(what)}")
        buttons.append((reminder, f"{when} {what}"))
    if len(pending.reminders) > PENDING_SHOWN:
        lines.append(texts.PENDING_MORE.format(n=len(pending.reminders) - PENDING_SHOWN))
    return "\n".join(lines), kb.pending_keyboard(buttons)


async def timers(message: Message, services: Services, user: User) -> None:
    text, markup = pending_view(await services.reminders.pending(user.id), services)
    await answer(message, text, markup)


# ---------------------------------------------------------------- per-bake folds


def parse_folds(args: list[str]) -> tuple[int, int | None]:
    """(count, interval in minutes or None for the bake's own) from `/folds` arguments: `3`,
    `3 45m`, `3 45 Min`, `3 45 мин`, `off` (`aus`, `выкл`)."""
    if len(args) == 1 and parse_off(args[0]):
        return 0, None
    if not 1 <= len(args) <= 1 + DURATION_MAX_WORDS:
        raise ParseError("folds_format")
    count = int(parse_bounded(args[0], 0, FOLDS_MAX, "folds_format", whole=True))
    if len(args) == 1:
        return count, None
    try:
        interval = parse_duration(" ".join(args[1:]), minimum=FOLD_INTERVAL_MIN, maximum=FOLD_INTERVAL_MAX)
    except ParseError as exc:
        if exc.reason == "ambiguous_comma":
            raise
        raise ParseError("folds_format") from None
    return count, int(interval.total_seconds() // 60)


async def folds(message: Message, command: CommandObject, services: Services, user: User) -> None:
    count, interval = parse_folds((command.args or "").lower().split())
    result = await services.bakes.set_folds(user.id, count, interval)
    name = texts.esc(result.bake.name)
    if count == 0 or not result.created:
        await answer(message, texts.FOLDS_OFF.format(name=name))
        return
    zone, now = clock(services, user)
    times = ", ".join(texts.fmt_time(r.due_at, zone, now) for r in result.created)
    await answer(
        message,
        texts.FOLDS_SET.format(
            count=len(result.created), interval=result.interval_min, name=name, times=times
        ),
    )


# ---------------------------------------------------------------- reminder buttons


async def reminder_button(
    query: CallbackQuery, callback_data: kb.RemCb, state: FSMContext, services: Services, user: User
) -> None:
    message = origin(query)
    action, reminder_id = callback_data.action, callback_data.reminder_id
    zone, now = clock(services, user)

    if action == kb.RemAction.CANCEL:
        pending = await services.reminders.cancel(user.id, reminder_id)
        await query.answer(str(texts.REMINDER_CANCELLED))
        if message is not None:
            text, markup = pending_view(pending, services)
            await message.edit_text(text, reply_markup=markup)
        return
    if action == kb.RemAction.SNOOZE:
        if callback_data.value not in kb.SNOOZE_MINUTES:
            raise ReminderGone
        snoozed = await services.reminders.snooze(user.id, reminder_id, callback_data.value)
        when = texts.fmt_time(snoozed.reminder.due_at, zone, now)
        if snoozed.outcome is Outcome.ALREADY:
            await query.answer(texts.ALREADY_SNOOZED.format(time=when))
            return
        note = texts.SNOOZED.format(time=when)
        await query.answer(note)
        await _close(message, note)
        return
    if action == kb.RemAction.DONE:
        done = await services.reminders.done(user.id, reminder_id)
        if done.outcome is Outcome.ALREADY and done.logged is not None:
            await query.answer(
                texts.FOLD_ALREADY.format(seq=done.seq or "", time=texts.fmt_at(done.logged.at, zone, now))
            )
            return
        note = texts.FOLD_LOGGED.format(seq=done.seq or "") if done.logged is not None else str(texts.ACK)
        await query.answer(note)
        await _close(message, note)
        return
    if action == kb.RemAction.SKIP:
        skipped = await services.reminders.skip_folds(user.id, reminder_id)
        note = texts.FOLDS_SKIPPED.format(n=skipped.skipped)
        await query.answer(note)
        await _close(message, note)
        return
    if action == kb.RemAction.OTHER:
        bake = await services.readings.check_rise_check(user.id, reminder_id)
        await state.set_state(RiseValue.value)
        await state.update_data(bake_id=bake.id, check_id=message.message_id if message else None)
        await query.answer()
        if message is not None:
            await message.answer(texts.input_error("rise_format"))
        return
    # A quick value on a rise check.
    result = await services.readings.answer_rise_check(user.id, reminder_id, float(callback_data.value))
    if result.already_answered:
        await query.answer(texts.plain(render.rise(result, zone, now)), show_alert=True)
        return
    note = texts.RISE_TAPPED.format(pct=texts.fmt_pct(result.reading.rise_pct))
    await query.answer()  # the reply below says it
    await _close(message, note)
    if message is not None:
        await reply_rise(message, services, result)


async def _close(message: Message | None, note: str) -> None:
    """Take the buttons off a handled reminder and say what was done with it."""
    await mark_answered(message, texts.esc(note))


def build_router() -> Router:
    router = Router(name="reminders")
    router.message.register(fridge, Command("fridge"))
    router.message.register(proof, Command("proof"))
    router.callback_query.register(proof_button, kb.ProofCb.filter())
    router.message.register(timer, Command("timer"))
    router.message.register(timers, Command("timers"))
    router.message.register(folds, Command("folds"))
    router.callback_query.register(reminder_button, kb.RemCb.filter())
    return router
