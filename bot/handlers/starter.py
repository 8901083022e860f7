"""The starters: /feed records a feeding of one (asking which when there are several) and reminds
at its peak; /starter shows them and makes, renames and archives them; "🫧 it peaked now" (on
the peak reminder or in /starter) teaches a starter its own pace."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import keyboards as kb
from bot import texts
from bot.i18n import _
from bot.replies import answer, button_key, clock, message_key, origin
from bot.states import StarterInput
from schedules.parsing import ParseError
from schedules.recipe_parsing import clean_name, parse_feed, parse_starter_command
from schedules.services import Services
from schedules.services.starter import (
    DEFAULT_STARTER_NAME,
    FeedChoice,
    FeedResult,
    PeakResult,
    StarterOverview,
    ratio_label,
)
from schedules.types import StarterFeeding, User

NOT_A_COMMAND = ~F.text.startswith("/")


def feed_text(result: FeedResult, services: Services, typed_grams: bool) -> str:
    feeding, peak = result.feeding, result.peak
    zone, now = clock(services, result.user)

    def at(hours: float) -> str:
        return texts.fmt_time(feeding.fed_at + timedelta(hours=hours), zone, now)

    ratio = (feeding.starter_parts, feeding.flour_parts, feeding.water_parts)
    ratio_text = ratio_label(ratio, typed_grams)
    if result.starter is not None and result.starter.name != DEFAULT_STARTER_NAME:
        ratio_text += f" ({texts.esc(result.starter.name)})"
    temp_text = (
        _(" at {temp}").format(temp=texts.fmt_temp(feeding.temp_c, result.user.temp_unit))
        if feeding.temp_c is not None
        else ""
    )
    low, high = texts.fmt_window(
        feeding.fed_at + timedelta(hours=peak.low_hours),
        feeding.fed_at + timedelta(hours=peak.high_hours),
        zone,
        now,
    )
    return texts.FEED_LOGGED.format(
        ratio=ratio_text,
        temp=temp_text,
        peak=at(peak.peak_hours),
        low=low,
        high=high,
        remind=texts.fmt_at(feeding.fed_at + timedelta(hours=peak.low_hours), zone, now),
    )


async def feed(message: Message, command: CommandObject, services: Services, user: User) -> None:
    try:
        typed = parse_feed(command.args or "", default_unit=user.temp_unit)
    except ParseError as exc:
        reason = exc.reason if exc.reason.startswith(("temp", "feed")) else "feed_format"
        await answer(message, texts.input_error(reason, "", **exc.details))
        return
    result = await services.starter.feed(
        user.id, typed.ratio, typed.temp_c, grams=typed.grams, source_key=message_key(message)
    )
    if isinstance(result, FeedChoice):
        await answer(
            message,
            texts.FEED_WHICH.format(ratio=ratio_label(typed.ratio, typed.grams)),
            kb.feed_choice_keyboard(
                [(s.id, s.name) for s in result.starters], typed.ratio, typed.temp_c, typed.grams
            ),
        )
        return
    await answer(message, feed_text(result, services, typed.grams))


async def fed_which(query: CallbackQuery, callback_data: kb.FeedCb, services: Services, user: User) -> None:
    ratio = (callback_data.s / 10, callback_data.f / 10, callback_data.w / 10)
    temp = callback_data.t / 10 if callback_data.t else None
    result = await services.starter.feed(
        user.id,
        ratio,
        temp,
        starter_id=callback_data.starter_id,
        grams=callback_data.g,
        source_key=button_key(query, "feed"),
    )
    assert isinstance(result, FeedResult)  # a starter was named
    text = feed_text(result, services, callback_data.g)
    if result.replayed:
        await query.answer(texts.plain(text))
        return
    await query.answer()
    message = origin(query)
    if message is not None:
        await message.edit_text(text)


def overview_text(services: Services, overview: StarterOverview) -> str:
    overview_user, views, loose = overview.user, overview.starters, overview.loose
    zone, _now = clock(services, overview_user)
    lines = [str(texts.STARTERS_HEADER)]

    def feeding_line(feeding: StarterFeeding) -> str:
        ratio = ratio_label((feeding.starter_parts, feeding.flour_parts, feeding.water_parts))
        temp = (
            f", {texts.fmt_temp(feeding.temp_c, overview_user.temp_unit)}"
            if feeding.temp_c is not None
            else ""
        )
        peaked = ""
        if feeding.peaked_at is not None:
            peaked = texts.STARTER_PEAKED_AFTER.format(
                hours=texts.fmt_duration(feeding.peaked_at - feeding.fed_at)
            )
        return texts.STARTER_FEEDING.format(
            date=texts.fmt_date(feeding.fed_at, zone),
            ratio=ratio,
            temp=temp,
            hours=texts.fmt_hours(feeding.peak_hours),
            peaked=peaked,
        )

    for view in views:
        pace = ""
        if view.samples:
            pace = texts.STARTER_PACE.format(pace=texts.starter_pace_phrase(view.pace), n=view.samples)
        lines += ["", texts.STARTER_LINE.format(name=texts.esc(view.starter.name), pace=pace)]
        lines += [feeding_line(f) for f in view.feedings] or [str(texts.STARTER_NO_FEEDINGS)]
    if loose:
        lines += ["", _("<b>Earlier feedings</b>"), *(feeding_line(f) for f in loose)]
    return "\n".join(lines)


async def starter(
    message: Message, command: CommandObject, state: FSMContext, services: Services, user: User
) -> None:
    order = parse_starter_command(command.args or "")
    if order.action == "new":
        made = await services.starter.create(user.id, order.name, source_key=message_key(message))
        await answer(message, texts.STARTER_CREATED.format(name=texts.esc(made.name)))
        return
    if order.action == "rename":
        renamed = await services.starter.rename(user.id, order.new_name, name=order.name)
        await answer(message, texts.STARTER_RENAMED.format(name=texts.esc(renamed.name)))
        return
    if order.action == "archive":
        archived = await services.starter.archive(user.id, name=order.name)
        await answer(message, texts.STARTER_ARCHIVED.format(name=texts.esc(archived.name)))
        return
    if order.action == "peaked":
        await answer(message, peak_text(await services.starter.peaked(user.id, name=order.name)))
        return
    overview = await services.starter.overview(user.id)
    if not overview.starters and not overview.loose:
        await answer(message, str(texts.STARTER_EMPTY))
        return
    markup = kb.starters_keyboard([(view.starter.id, view.starter.name) for view in overview.starters])
    await answer(message, overview_text(services, overview), markup)


def peak_text(result: PeakResult) -> str:
    hours = texts.fmt_hours(result.hours)
    if result.already:
        return texts.PEAK_ALREADY.format(hours=hours)
    text = texts.PEAK_NOTED.format(name=texts.esc(result.starter.name), hours=hours)
    if result.learned:
        return text + texts.PEAK_LEARNED.format(pace=texts.starter_pace_phrase(result.pace))
    return text + str(texts.PEAK_NOT_LEARNED)


async def peaked_reminder(
    query: CallbackQuery, callback_data: kb.PeakCb, services: Services, user: User
) -> None:
    """ "🫧 It peaked now" on the peak reminder: that feeding."""
    result = await services.starter.peaked(user.id, feeding_id=callback_data.feeding_id)
    await _peak_reply(query, result)


async def starter_button(
    query: CallbackQuery, callback_data: kb.StarterCb, state: FSMContext, services: Services, user: User
) -> None:
    message = origin(query)
    if callback_data.action == kb.StarterAction.PEAKED:
        result = await services.starter.peaked(user.id, starter_id=callback_data.starter_id)
        await _peak_reply(query, result)
        return
    if callback_data.action == kb.StarterAction.ARCHIVE:
        archived = await services.starter.archive(user.id, starter_id=callback_data.starter_id)
        await query.answer()
        if message is not None:
            await answer(message, texts.STARTER_ARCHIVED.format(name=texts.esc(archived.name)))
        return
    overview = await services.starter.overview(user.id, per_starter=0)
    current = next((v.starter for v in overview.starters if v.starter.id == callback_data.starter_id), None)
    if current is None:
        await query.answer(str(texts.STARTER_NOT_FOUND), show_alert=True)
        return
    await state.set_state(StarterInput.rename)
    await state.update_data(starter_id=current.id)
    await query.answer()
    if message is not None:
        await answer(message, texts.STARTER_RENAME_ASK.format(name=texts.esc(current.name)))


async def _peak_reply(query: CallbackQuery, result: PeakResult) -> None:
    text = peak_text(result)
    if result.already:
        await query.answer(texts.plain(text))
        return
    await query.answer()
    message = origin(query)
    if message is not None:
        await answer(message, text)


async def typed_starter_name(message: Message, state: FSMContext, services: Services, user: User) -> None:
    name = clean_name(message.text or "")
    starter_id = (await state.get_data()).get("starter_id")
    renamed = await services.starter.rename(user.id, name, starter_id=int(starter_id) if starter_id else None)
    await state.clear()
    await answer(message, texts.STARTER_RENAMED.format(name=texts.esc(renamed.name)))


def build_router() -> Router:
    router = Router(name="starter")
    router.message.register(feed, Command("feed"))
    router.message.register(starter, Command("starter"))
    router.message.register(typed_starter_name, StateFilter(StarterInput.rename), F.text, NOT_A_COMMAND)
    router.callback_query.register(fed_which, kb.FeedCb.filter())
    router.callback_query.register(peaked_reminder, kb.PeakCb.filter())
    router.callback_query.register(starter_button, kb.StarterCb.filter())
    return router
