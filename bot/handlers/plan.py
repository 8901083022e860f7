"""/plan: a bake planned backwards from when the bread should be ready — by typed time or by day
and time buttons; accepting a plan, its picture, cancelling it, and re-planning after a drift."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo

from aiogram import Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from babel.dates import format_skeleton

from bot import keyboards as kb
from bot import texts
from bot.i18n import _, current_babel_locale, ngettext
from bot.plan_chart import PlanPicture, PlanRow
from bot.replies import answer, button_key, clock, origin
from schedules import plan as planning
from schedules.parsing import parse_cancel
from schedules.planner import QuietHours, parse_quiet
from schedules.services import Services
from schedules.services.plans import Accepted, PlanDrift, PlanGone, PlanView, Proposal
from schedules.types import BakePlan, User
from schedules.when import local_moment, parse_when

# ---------------------------------------------------------------- rendering


def _hours(hours: float) -> str:
    return texts.fmt_duration(timedelta(hours=hours))


def step_line(step: planning.PlanStep, plan: planning.Plan | BakePlan, zone: tzinfo, now: datetime) -> str:
    template = texts.PLAN_STEP_NAMES[step.step.value]
    what = template.format(
        ratio=plan.feed_ratio,
        starter=plan.starter_pct,
        seq=step.seq,
        target=plan.target_rise_pct,
        fridge=_hours(plan.fridge_hours),
    )
    return f"• {texts.fmt_time(step.at, zone, now)} — {what}"


def timeline(
    steps: Sequence[planning.PlanStep], plan: planning.Plan | BakePlan, zone: tzinfo, now: datetime
) -> list[str]:
    """The steps, the folds on one line."""
    lines: list[str] = []
    folds = [s for s in steps if s.step == planning.Step.FOLD]
    for step in steps:
        if step.step == planning.Step.FOLD:
            if step is folds[0]:
                first = texts.fmt_time(folds[0].at, zone, now)
                same_day = folds[0].at.astimezone(zone).date() == folds[-1].at.astimezone(zone).date()
                last = (
                    texts.fmt_clock(folds[-1].at, zone)
                    if same_day
                    else texts.fmt_time(folds[-1].at, zone, now)
                )
                when = first if len(folds) == 1 else f"{first}–{last}"
                count = ngettext("{n} stretch-and-fold", "{n} stretch-and-folds", len(folds)).format(
                    n=len(folds)
                )
                lines.append(f"• {when} — {count}")
            continue
        lines.append(step_line(step, plan, zone, now))
    return lines


def _quiet_phrase(who: planning.Baker) -> str:
    quiet = who.avoid
    template = texts.PLAN_QUIET_YOURS if who.quiet is not None else texts.PLAN_QUIET_NIGHT
    return template.format(start=quiet.start.strftime("%H:%M"), end=quiet.end.strftime("%H:%M"))


def _pick(plan: planning.Plan) -> kb.PlanPickCb:
    return kb.PlanPickCb(
        ready=round(plan.ready_at.timestamp() / 60),
        starter=round(plan.starter_pct * 10),
        fridge=round(plan.fridge_hours * 2),
        ratio=plan.feed_ratio,
    )


def render_proposal(
    proposal: Proposal, zone: tzinfo, now: datetime, unit: str
) -> tuple[str, InlineKeyboardMarkup]:
    options, who = proposal.options, proposal.baker
    lines: list[str] = []
    if not options.plans:
        return texts.PLAN_NOT_MET_AT_ALL.format(
            asked=texts.fmt_time(options.asked, zone, now)
        ), InlineKeyboardMarkup(inline_keyboard=[])
    if not options.met and options.earliest is not None:
        lines += [
            texts.PLAN_NOT_MET.format(
                asked=texts.fmt_time(options.asked, zone, now),
                earliest=texts.fmt_time(options.earliest, zone, now),
            ),
            "",
        ]
    best = options.plans[0]
    lines.append(texts.PLAN_READY.format(ready=texts.fmt_time(best.ready_at, zone, now)))
    if best.clashes:
        names = ", ".join(
            f"{texts.PLAN_STEP_SHORT[s.step.value]} {texts.fmt_at(s.at, zone, now)}"
            for s in best.clashes
        )
        if options.quiet_free_at is not None:
            lines.append(
                texts.PLAN_CLASH.format(
                    steps=names[:1].upper() + names[1:],
                    quiet=_quiet_phrase(who),
                    alt=texts.fmt_at(options.quiet_free_at, zone, now),
                    n=len(options.plans),
                )
            )
        else:
            lines.append(
                texts.PLAN_CLASH_ONLY.format(steps=names[:1].upper() + names[1:], quiet=_quiet_phrase(who))
            )
    buttons: list[tuple[str, kb.PlanPickCb]] = []
    for number, plan in enumerate(options.plans, start=1):
        header = texts.PLAN_OPTION.format(
            n=number,
            mix=texts.fmt_time(plan.mix_at, zone, now),
            starter=plan.starter_pct,
            fridge=_hours(plan.fridge_hours),
        )
        if plan.ready_at != best.ready_at:
            header += texts.PLAN_OPTION_READY.format(ready=texts.fmt_time(plan.ready_at, zone, now))
        lines += ["", header, *timeline(plan.steps, plan, zone, now)]
        buttons.append(
            (
                texts.PLAN_BUTTON.format(
                    n=number, mix=texts.fmt_time(plan.mix_at, zone, now), starter=plan.starter_pct
                ),
                _pick(plan),
            )
        )
    lines += [
        "",
        texts.PLAN_FRIDGE_NOTE.format(
            start=best.target_rise_pct, end=best.rise_after_fridge_pct, hours=_hours(best.fridge_hours)
        ),
        texts.PLAN_BASIS.format(
            source=texts.PLAN_BASIS_LAST if proposal.has_history else texts.PLAN_BASIS_DEFAULT,
            starter=who.starter_pct,
            kitchen=texts.fmt_temp(who.kitchen_temp_c, unit),
            target=who.target,
            fridge=texts.fmt_temp(who.fridge_temp_c, unit),
            pace=texts.PLAN_BASIS_PACE.format(pace=who.pace) if abs(who.pace - 1.0) >= 0.005 else "",
        ),
        str(texts.PLAN_PICK),
    ]
    return "\n".join(lines), kb.plan_options_keyboard(buttons)


def render_accepted(accepted: Accepted, zone: tzinfo, now: datetime) -> str:
    plan = accepted.plan
    if accepted.replayed:
        return texts.PLAN_ACCEPTED_AGAIN.format(ready=texts.fmt_time(plan.ready_at, zone, now))
    lines = [texts.PLAN_ACCEPTED.format(ready=texts.fmt_time(plan.ready_at, zone, now))]
    if accepted.replaced is not None:
        lines.append(texts.PLAN_REPLACED.format(old=texts.fmt_time(accepted.replaced.ready_at, zone, now)))
    lines += ["", *timeline(accepted.steps, plan, zone, now)]
    return "\n".join(lines)


def render_current(view: PlanView, zone: tzinfo, now: datetime) -> str:
    plan = view.plan
    bake = texts.PLAN_CURRENT_BAKE.format(name=texts.esc(view.bake_name)) if view.bake_name else ""
    lines = [texts.PLAN_CURRENT.format(ready=texts.fmt_time(plan.ready_at, zone, now), bake=bake)]
    if view.pending:
        nxt = view.pending[0]
        what = str(texts.PLAN_NEXT_NAMES.get(nxt.kind, nxt.kind))
        lines.append(texts.PLAN_NEXT.format(what=what, time=texts.fmt_time(nxt.due_at, zone, now)))
    lines += ["", *timeline([s for s in view.steps if s.at >= now - timedelta(hours=1)], plan, zone, now)]
    return "\n".join(lines)


def drift_lines(found: PlanDrift, zone: tzinfo, now: datetime, unit: str) -> list[str]:
    drift, plan = found.drift, found.plan
    planned = texts.fmt_time(plan.ready_at, zone, now)
    lines = [
        texts.PLAN_DRIFT.format(
            ready=texts.fmt_time(drift.ready_at, zone, now),
            minutes=texts.fmt_duration(timedelta(minutes=abs(drift.minutes))),
            direction=texts.PLAN_DRIFT_LATER if drift.minutes > 0 else texts.PLAN_DRIFT_EARLIER,
            planned=planned,
        )
    ]
    if drift.fridge_hours is not None:
        lines.append(
            texts.PLAN_KEEP_FRIDGE.format(
                planned=planned, hours=_hours(drift.fridge_hours), old=_hours(plan.fridge_hours)
            )
        )
    if drift.spot_temp_c is not None:
        side = texts.PLAN_SPOT_WARMER if drift.minutes > 0 else texts.PLAN_SPOT_COOLER
        lines.append(texts.PLAN_KEEP_SPOT.format(side=side, temp=texts.fmt_temp(drift.spot_temp_c, unit)))
    return lines


def drift_rows(found: PlanDrift, zone: tzinfo, now: datetime) -> list[list[InlineKeyboardButton]]:
    drift, plan = found.drift, found.plan
    planned = texts.fmt_time(plan.ready_at, zone, now)
    keep = (
        texts.PLAN_KEEP_BUTTON.format(planned=planned, hours=_hours(drift.fridge_hours))
        if drift.fridge_hours is not None
        else None
    )
    move = texts.PLAN_MOVE_BUTTON.format(ready=texts.fmt_at(drift.ready_at, zone, now))
    return kb.plan_drift_rows(plan.id, keep, move)


# ---------------------------------------------------------------- the picture


def picture(
    view_plan: BakePlan, steps: Sequence[planning.PlanStep], user: User, zone: tzinfo, now: datetime
) -> PlanPicture:

    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    rows: list[PlanRow] = []
    folds = [s for s in steps if s.step == planning.Step.FOLD]
    for step in steps:
        if step.step == planning.Step.FOLD:
            if step is folds[0]:
                count = ngettext("{n} fold", "{n} folds", len(folds)).format(n=len(folds))
                rows.append(PlanRow(count, local(folds[0].at), local(folds[-1].at), "fold"))
            continue
        label = texts.PLAN_PICTURE_STEPS[step.step.value].format(
            ratio=view_plan.feed_ratio,
            starter=view_plan.starter_pct,
            seq=step.seq,
            target=view_plan.target_rise_pct,
            fridge=_hours(view_plan.fridge_hours),
        )
        rows.append(PlanRow(label, local(step.at), None, step.step.value))
    at = {s.step: s.at for s in steps}
    phases = []
    for kind, label, a, b in (
        ("starter", _("starter"), planning.Step.FEED, planning.Step.MIX),
        ("bulk", _("bulk"), planning.Step.MIX, planning.Step.SHAPE),
        ("shape", "", planning.Step.SHAPE, planning.Step.FRIDGE),
        ("fridge", _("cold proof"), planning.Step.FRIDGE, planning.Step.BAKE),
        ("oven", _("bake"), planning.Step.BAKE, planning.Step.OUT),
    ):
        if a in at and b in at:
            phases.append((kind, label, local(at[a]), local(at[b])))
    first, last = min(s.at for s in steps), max(s.at for s in steps)
    night = _spans(planning.DEFAULT_NIGHT, first, last, zone)
    quiet_hours = parse_quiet(user.quiet_start, user.quiet_end)
    quiet = _spans(quiet_hours, first, last, zone) if quiet_hours is not None else []
    return PlanPicture(
        title=texts.PLAN_PICTURE_TITLE.format(ready=texts.fmt_time(view_plan.ready_at, zone, now)),
        rows=rows,
        phases=phases,
        night=night,
        quiet=quiet,
    )


def _spans(
    quiet: QuietHours, first: datetime, last: datetime, zone: tzinfo
) -> list[tuple[datetime, datetime]]:
    """The quiet hours' local spans around [first, last] (naive local wall times)."""
    out = []
    day = first.astimezone(zone).date() - timedelta(days=1)
    end_day = last.astimezone(zone).date() + timedelta(days=1)
    while day <= end_day:
        start = datetime.combine(day, quiet.start)
        finish = datetime.combine(day if quiet.start < quiet.end else day + timedelta(days=1), quiet.end)
        out.append((start, finish))
        day += timedelta(days=1)
    return out


async def send_picture(
    message: Message, services: Services, user: User, plan: BakePlan, steps: Sequence[planning.PlanStep]
) -> None:
    from bot.plan_chart import render_plan_picture

    zone, now = clock(services, user)
    data = picture(plan, steps, user, zone, now)
    if message.bot is not None:
        await message.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(render_plan_picture, data)  # off the event loop
    caption = texts.PLAN_PICTURE_CAPTION.format(ready=texts.fmt_time(plan.ready_at, zone, now))
    await message.answer_photo(BufferedInputFile(png, filename="plan.png"), caption=caption)


# ---------------------------------------------------------------- handlers


def day_labels(zone: tzinfo, now: datetime) -> list[str]:
    today = now.astimezone(zone)
    labels = [str(texts.PLAN_DAY_TODAY), str(texts.PLAN_DAY_TOMORROW)]
    labels += [
        format_skeleton("Ed", today + timedelta(days=d), locale=current_babel_locale()) for d in range(2, 7)
    ]
    return labels


async def _propose(message: Message, services: Services, user: User, ready: datetime) -> None:
    zone, now = clock(services, user)
    proposal = await services.plans.propose(user.id, ready)
    text, markup = render_proposal(proposal, zone, now, proposal.user.temp_unit)
    await answer(message, text, markup)


async def plan_command(message: Message, command: CommandObject, services: Services, user: User) -> None:
    args = (command.args or "").strip()
    zone, now = clock(services, user)
    if parse_cancel(args):  # cancel, off, abbrechen, отмена, ...
        view = await services.plans.current(user.id)
        if view is None:
            await answer(message, str(texts.PLAN_NONE))
            return
        cancelled = await services.plans.cancel(user.id)
        await answer(
            message, texts.PLAN_CANCELLED.format(ready=texts.fmt_time(cancelled.ready_at, zone, now))
        )
        return
    if args:
        await _propose(message, services, user, parse_when(args, now, zone))
        return
    view = await services.plans.current(user.id)
    if view is not None:
        await answer(message, render_current(view, zone, now), kb.plan_keyboard(view.plan.id))
    await answer(message, str(texts.PLAN_ASK_DAY), kb.plan_days_keyboard(day_labels(zone, now)))


async def day_button(
    query: CallbackQuery, callback_data: kb.PlanDayCb, services: Services, user: User
) -> None:
    zone, now = clock(services, user)
    await query.answer()
    message = origin(query)
    if message is not None:
        label = day_labels(zone, now)[callback_data.days]
        await message.edit_text(
            texts.PLAN_ASK_TIME.format(day=label), reply_markup=kb.plan_times_keyboard(callback_data.days)
        )


async def time_button(
    query: CallbackQuery, callback_data: kb.PlanTimeCb, services: Services, user: User
) -> None:
    zone, now = clock(services, user)
    day = now.astimezone(zone) + timedelta(days=callback_data.days)
    ready = local_moment(day, time(callback_data.minute // 60, callback_data.minute % 60), zone)
    await query.answer()
    message = origin(query)
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
        await _propose(message, services, user, ready)


async def pick_button(
    query: CallbackQuery, callback_data: kb.PlanPickCb, services: Services, user: User
) -> None:
    ready = datetime.fromtimestamp(callback_data.ready * 60, UTC)
    accepted = await services.plans.accept(
        user.id,
        ready,
        starter_pct=callback_data.starter / 10,
        fridge_hours=callback_data.fridge / 2,
        feed_ratio=callback_data.ratio,
        source_key=button_key(query, "plan"),
    )
    zone, now = clock(services, accepted.user)
    if accepted.replayed:
        await query.answer(texts.plain(render_accepted(accepted, zone, now)))
        return
    await query.answer()
    message = origin(query)
    if message is None:
        return
    await message.edit_reply_markup(reply_markup=None)
    await answer(message, render_accepted(accepted, zone, now), kb.plan_keyboard(accepted.plan.id))
    await send_picture(message, services, accepted.user, accepted.plan, accepted.steps)


async def plan_button(query: CallbackQuery, callback_data: kb.PlanCb, services: Services, user: User) -> None:
    zone, now = clock(services, user)
    message = origin(query)
    action = callback_data.action
    if action == kb.PlanAction.CANCEL:
        cancelled = await services.plans.cancel(user.id, callback_data.plan_id)
        note = texts.PLAN_CANCELLED.format(ready=texts.fmt_time(cancelled.ready_at, zone, now))
        await query.answer()  # the reply says it
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
            await answer(message, note)
        return
    if action == kb.PlanAction.PICTURE:
        view = await services.plans.current(user.id)
        if view is None or view.plan.id != callback_data.plan_id:
            raise PlanGone
        await query.answer()
        if message is not None:
            await send_picture(message, services, view.user, view.plan, view.steps)
        return
    done = await services.plans.replan(
        user.id, callback_data.plan_id, keep_ready=action == kb.PlanAction.KEEP
    )
    if done.already:
        await query.answer(str(texts.PLAN_REPLAN_ALREADY))
        return
    ready = texts.fmt_time(done.plan.ready_at, zone, now)
    note = (
        texts.PLAN_REPLANNED_KEPT.format(ready=ready, hours=_hours(done.plan.fridge_hours))
        if done.kept_ready
        else texts.PLAN_REPLANNED_MOVED.format(ready=ready)
    )
    await query.answer()  # the reply says it
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
        await answer(message, note)


def build_router() -> Router:
    router = Router(name="plan")
    router.message.register(plan_command, Command("plan"))
    router.callback_query.register(day_button, kb.PlanDayCb.filter())
    router.callback_query.register(time_button, kb.PlanTimeCb.filter())
    router.callback_query.register(pick_button, kb.PlanPickCb.filter())
    router.callback_query.register(plan_button, kb.PlanCb.filter())
    return router
