"""Looking back: a bake card's buttons, /chart, /export, /import and /deleteme."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, Message

from bot import keyboards as kb
from bot import texts
from bot.handlers.readings import readings_list
from bot.i18n import _
from bot.replies import answer, clock, origin
from bot.states import ImportFile
from schedules.parsing import c_to_f
from schedules.services import Services
from schedules.services.bakes import BakeDetails
from schedules.types import User
from storage.export import export_csv, export_filename, export_json
from storage.importer import ImportRejected, import_export

if TYPE_CHECKING:
    from bot.charts import ChartSeries
    from storage.database import AnyDatabase as Database

COMPARE_MAX = 8


# ---------------------------------------------------------------- charts


def chart_series(details: BakeDetails, zone: tzinfo, now: datetime) -> ChartSeries:
    """A bake as its chart draws it: the readings, and the prediction the replies state (the
    model's curve, the target and the window it is expected in) in hours since mixing."""
    from bot import charts  # matplotlib loads on the first chart, not at start-up

    bake, user, prediction = details.bake, details.user, details.prediction

    def hours(moment: datetime) -> float:
        return (moment - bake.started_at).total_seconds() / 3600

    def temp(temp_c: float) -> float:
        return c_to_f(temp_c) if user.temp_unit == "F" else temp_c

    target = prediction.target_rise_pct if prediction else bake.target_rise_pct
    curve: list[tuple[float, float]] = []
    window: tuple[float, float] | None = None
    if prediction is not None:
        # From mixing to past both the window's end and now, so the dashed curve crosses the target.
        end = max(hours(prediction.window[1]), hours(now)) * 1.1
        steps = 60
        curve = [(end * i / steps, prediction.rise_at(end * i / steps)) for i in range(steps + 1)]
        if not (prediction.passed or prediction.over_fermented):  # as the replies: no ETA then
            window = (hours(prediction.window[0]), hours(prediction.window[1]))
    return charts.ChartSeries(
        name=bake.name,
        readings=[(hours(r.taken_at), r.rise_pct) for r in details.readings],
        temperatures=[(hours(t.taken_at), temp(t.temp_c)) for t in details.temperatures],
        folds=[hours(e.at) for e in details.events if e.kind == "fold"],
        fridge_in=hours(bake.bulk_ended_at) if bake.bulk_ended_at else None,
        target_rise=target or None,
        predicted=curve,
        eta_window=window,
        dough_temp=temp(bake.dough_temp_c) if bake.dough_temp_c is not None else None,
        temp_unit=f"°{user.temp_unit}",
        mixed_on=bake.started_at.astimezone(zone).date(),
    )


async def send_chart(message: Message, bot: Bot, services: Services, details: BakeDetails) -> None:
    from bot import charts

    series = chart_series(details, *clock(services, details.user))
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    bake = details.bake
    now_hours = (services.clock.now() - bake.started_at).total_seconds() / 3600 if bake.in_bulk else None
    png = await asyncio.to_thread(charts.render_rise_chart, series, now_hours=now_hours)  # off the event loop
    caption = texts.CHART_CAPTION.format(name=texts.esc(series.name), n=len(series.readings))
    if not series.readings:
        caption += "\n" + str(texts.CHART_NO_READINGS)
    await message.answer_photo(BufferedInputFile(png, filename="rise.png"), caption=caption)


async def chart(message: Message, command: CommandObject, bot: Bot, services: Services, user: User) -> None:
    args = (command.args or "").strip().lower()
    if args == "compare":
        await compare(message, bot, services, user)
        return
    if args:
        await answer(message, str(texts.CHART_USAGE))
        return
    await send_chart(message, bot, services, await services.bakes.latest_details(user.id))


async def compare(message: Message, bot: Bot, services: Services, user: User) -> None:
    found = await services.bakes.recent_details(user.id, COMPARE_MAX)
    if not found:
        await answer(message, str(texts.CHART_COMPARE_EMPTY))
        return
    from bot import charts

    zone, now = clock(services, user)
    series = [chart_series(details, zone, now) for details in found]
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(charts.render_compare_chart, series)
    await message.answer_photo(
        BufferedInputFile(png, filename="compare.png"),
        caption=texts.CHART_COMPARE_CAPTION.format(n=len(series)),
    )


async def chart_button(
    query: CallbackQuery, callback_data: kb.BakeCb, bot: Bot, services: Services, user: User
) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        await send_chart(message, bot, services, details)


# ---------------------------------------------------------------- export

EXPORT_ARGS = re.compile(r"^(?:(csv|json)\s*)?(?:(\d{1,4})\s*d(?:ays?)?)?\s*(?:(csv|json))?$")


async def send_export(
    message: Message,
    services: Services,
    database: Database,
    user: User,
    formats: list[str],
    *,
    since_days: int | None = None,
    bake_id: int | None = None,
    bake_name: str | None = None,
) -> None:
    """Stream the export to a temp file and upload that: memory stays flat however long the history.
    With `bake_id`, that one bake (named `bake_name` in the file name and caption)."""
    zone, now = clock(services, user)
    since = now - timedelta(days=since_days) if since_days else None
    # The bot's clock (not the machine's) dates the file and its name, on the baker's calendar.
    producers: dict[str, Callable[..., AsyncIterator[bytes]]] = {
        "csv": export_csv, "json": partial(export_json, exported_at=now),
    }
    with tempfile.TemporaryDirectory(prefix="sourdough-export-") as folder:
        for fmt in formats:
            path = Path(folder) / export_filename(
                fmt, now.astimezone(zone), bake_name if bake_id is not None else None
            )
            with path.open("wb") as out:
                async for chunk in producers[fmt](database, user.id, zone, since=since, bake_id=bake_id):
                    out.write(chunk)
            caption = str(texts.EXPORT_CAPTION[fmt])
            if bake_id is not None and bake_name is not None:
                caption = texts.BAKE_EXPORT_CAPTION[fmt].format(name=texts.esc(bake_name))
            await message.answer_document(FSInputFile(path), caption=caption)


async def export(
    message: Message, command: CommandObject, services: Services, database: Database, user: User
) -> None:
    match = EXPORT_ARGS.match((command.args or "").strip().lower())
    if match is None or (match[1] and match[3]) or match[2] == "0" or (match[2] and int(match[2]) == 0):
        await answer(message, str(texts.EXPORT_USAGE))
        return
    fmt = match[1] or match[3]
    days = int(match[2]) if match[2] else None
    if not (await services.bakes.page(user.id, 0, 1, None)).total:
        await answer(message, str(texts.NO_BAKES))
        return
    await send_export(message, services, database, user, [fmt] if fmt else ["csv", "json"], since_days=days)


async def export_button(
    query: CallbackQuery, callback_data: kb.BakeCb, services: Services, database: Database, user: User
) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        bake = details.bake
        await send_export(
            message, services, database, user, ["csv", "json"], bake_id=bake.id, bake_name=bake.name
        )


# ---------------------------------------------------------------- import


async def import_command(message: Message, state: FSMContext) -> None:
    await state.set_state(ImportFile.document)
    await answer(message, str(texts.IMPORT_ASK))


async def import_document(
    message: Message, state: FSMContext, bot: Bot, database: Database, user: User, import_max_bytes: int
) -> None:
    document = message.document
    assert document is not None
    if document.file_size is not None and document.file_size > import_max_bytes:
        await answer(message, texts.IMPORT_TOO_LARGE.format(limit=import_max_bytes / 1024 / 1024))
        return
    buffer = await bot.download(document)
    data = buffer.read() if buffer is not None else b""
    try:
        summary = await import_export(database, user.id, data, max_bytes=import_max_bytes)
    except ImportRejected as exc:
        await answer(message, texts.IMPORT_REJECTED.format(reason=texts.esc(exc.render(_))))
        return
    await state.clear()
    await answer(
        message,
        texts.import_done(
            added=summary.bakes_added, skipped=summary.bakes_skipped, readings=summary.readings_added
        ),
    )


async def import_not_a_document(message: Message) -> None:
    await answer(message, str(texts.IMPORT_NOT_A_DOCUMENT))


# ---------------------------------------------------------------- card actions


async def edit_button(query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        bake = details.bake
        rating = "⭐" * (bake.rating or 0)
        now = texts.EDIT_RATING_NOW.format(stars=rating) if rating else str(texts.EDIT_NO_RATING)
        await message.answer(
            f"{texts.EDIT_RATING.format(name=texts.esc(bake.name))}\n{now}",
            reply_markup=kb.rating_keyboard(bake.id),
        )


async def delete_button(
    query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User
) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        await message.answer(
            texts.CONFIRM_DELETE.format(name=texts.esc(details.bake.name)),
            reply_markup=kb.confirm_abandon(details.bake.id),
        )


async def readings_button(
    query: CallbackQuery, callback_data: kb.BakeCb, services: Services, user: User
) -> None:
    text, markup = await readings_list(services, user, callback_data.bake_id)
    await query.answer()
    message = origin(query)
    if message is not None:
        await answer(message, text, markup)


# ---------------------------------------------------------------- /deleteme


async def deleteme(message: Message) -> None:
    await answer(message, str(texts.CONFIRM_ERASE), kb.erase_keyboard())


async def erase(
    query: CallbackQuery, callback_data: kb.SetupCb, state: FSMContext, services: Services, user: User
) -> None:
    await query.answer()
    message = origin(query)
    if message is None:
        return
    if callback_data.value != "yes":
        await message.edit_text(str(texts.ERASE_KEPT))
        return
    await state.clear()
    counts = await services.bakes.erase_user(user.id)
    await message.edit_text(
        texts.erased(
            bakes=counts["bakes"],
            readings=counts["rise_readings"],
            temps=counts["temperatures"],
            reminders=counts["reminders"],
            feedings=counts["starter_feedings"],
        )
    )


def build_router() -> Router:
    router = Router(name="history")
    card = kb.BakeCb.filter
    router.message.register(chart, Command("chart"))
    router.callback_query.register(chart_button, card(F.action == kb.BakeAction.CHART))
    router.message.register(export, Command("export"))
    router.callback_query.register(export_button, card(F.action == kb.BakeAction.EXPORT))
    router.message.register(
        import_command, Command("import"), F.text
    )  # a document captioned /import is the file
    router.message.register(import_document, StateFilter(ImportFile.document), F.document)
    router.message.register(import_document, F.document, F.caption.startswith("/import"))
    router.message.register(import_not_a_document, StateFilter(ImportFile.document), ~F.text.startswith("/"))
    router.callback_query.register(edit_button, card(F.action == kb.BakeAction.EDIT))
    router.callback_query.register(delete_button, card(F.action == kb.BakeAction.DELETE))
    router.callback_query.register(readings_button, card(F.action == kb.BakeAction.READINGS))
    router.message.register(deleteme, Command("deleteme"))
    router.callback_query.register(erase, kb.SetupCb.filter(F.field == kb.SetupField.ERASE))
    return router
