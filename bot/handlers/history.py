"""Looking back: a bake card's buttons, /chart, /export, /import and /deleteme."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, FSInputFile, Message

from bot import keyboards as kb
from bot import texts
from bot.filters import OwnBake
from bot.handlers.bakes import render_started
from bot.replies import answer
from bot.states import ImportFile
from schedules.parsing import c_to_f
from schedules.service import MAX_ACTIVE_BAKES, BakeService, TooManyActiveBakes
from storage.export import export_csv, export_filename, export_json
from storage.importer import ImportRejected, import_export
from storage.models import Bake, User

if TYPE_CHECKING:
    from bot.charts import ChartSeries

router = Router(name="history")
COMPARE_MAX = 8


# ---------------------------------------------------------------- charts


async def chart_series(service: BakeService, user: User, bake_id: int) -> ChartSeries | None:
    from bot import charts  # matplotlib loads on the first chart, not at start-up

    details = await service.bake_details(user.id, bake_id)
    if details is None:
        return None
    bake, readings, temps, events = details.bake, details.readings, details.temperatures, details.events

    def hours(moment: object) -> float:
        return (moment - bake.started_at).total_seconds() / 3600  # type: ignore[operator]

    unit = user.temp_unit
    band = predicted = None
    prediction = await service.prediction(user.id, bake.id) if bake.phase == "bulk" else None
    target = prediction.target_rise_pct if prediction else bake.target_rise_pct
    if target:
        band = (max(0.0, target - 5), target + 5)
    curve: list[tuple[float, float]] = []
    if prediction is not None:
        end = max(hours(prediction.window[1]), hours(service.clock.now())) * 1.1
        steps = 60
        curve = [(end * i / steps, prediction.rise_at(end * i / steps)) for i in range(steps + 1)]
    predicted = curve
    return charts.ChartSeries(
        name=bake.name,
        readings=[(hours(r.taken_at), r.rise_pct) for r in readings],
        temperatures=[(hours(t.taken_at), c_to_f(t.temp_c) if unit == "F" else t.temp_c) for t in temps],
        folds=[hours(e.at) for e in events if e.kind == "fold"],
        fridge_in=hours(bake.bulk_ended_at) if bake.bulk_ended_at else None,
        target_band=band,
        predicted=predicted,
        dough_temp=(c_to_f(bake.dough_temp_c) if unit == "F" else bake.dough_temp_c)
        if bake.dough_temp_c
        else None,
        temp_unit=f"°{unit}",
    )


async def send_chart(message: Message, bot: Bot, service: BakeService, user: User, bake_id: int) -> None:
    series = await chart_series(service, user, bake_id)
    if series is None:
        await answer(message, texts.BAKE_NOT_FOUND)
        return
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    bake = await service.bake(user.id, bake_id)
    now_hours = None
    if bake is not None and bake.phase == "bulk":
        now_hours = (service.clock.now() - bake.started_at).total_seconds() / 3600
    from bot import charts

    png = await asyncio.to_thread(charts.render_rise_chart, series, now_hours=now_hours)  # off the event loop
    caption = texts.CHART_CAPTION.format(name=texts.esc(series.name), n=len(series.readings))
    if not series.readings:
        caption += "\n" + texts.CHART_NO_READINGS
    await message.answer_photo(BufferedInputFile(png, filename="rise.png"), caption=caption)


@router.message(Command("chart"))
async def chart(message: Message, command: CommandObject, bot: Bot, service: BakeService, user: User) -> None:
    args = (command.args or "").strip().lower()
    if args == "compare":
        await compare(message, bot, service, user)
        return
    if args:
        await answer(message, texts.CHART_USAGE)
        return
    bake = await service.current_bake(user.id)
    if bake is None:
        recent = await service.bakes_page(user.id, 0, 1, None)
        bake = recent[0][0] if recent[0] else None
    if bake is None:
        await answer(message, texts.NO_BAKES)
        return
    await send_chart(message, bot, service, user, bake.id)


async def compare(message: Message, bot: Bot, service: BakeService, user: User) -> None:
    bakes, _, _ = await service.bakes_page(user.id, 0, 30, None)
    series = []
    for bake in bakes:
        item = await chart_series(service, user, bake.id)
        if item is not None and item.readings:
            series.append(item)
        if len(series) == COMPARE_MAX:
            break
    if not series:
        await answer(message, texts.CHART_COMPARE_EMPTY)
        return
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    from bot import charts

    png = await asyncio.to_thread(charts.render_compare_chart, series)
    await message.answer_photo(
        BufferedInputFile(png, filename="compare.png"),
        caption=texts.CHART_COMPARE_CAPTION.format(n=len(series)),
    )


@router.callback_query(kb.BakeCb.filter(F.action == "chart"), OwnBake())
async def chart_button(query: CallbackQuery, bot: Bot, service: BakeService, user: User, bake: Bake) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await send_chart(query.message, bot, service, user, bake.id)


# ---------------------------------------------------------------- export

EXPORT_ARGS = re.compile(r"^(?:(csv|json)\s*)?(?:(\d{1,4})\s*d(?:ays?)?)?\s*(?:(csv|json))?$")


async def send_export(
    message: Message,
    service: BakeService,
    user: User,
    formats: list[str],
    *,
    since_days: int | None = None,
    bake_id: int | None = None,
) -> None:
    """Stream the export to a temp file and upload that: memory stays flat however long the history."""
    zone = service.zone(user)
    since = service.clock.now() - timedelta(days=since_days) if since_days else None
    producers = {"csv": export_csv, "json": export_json}
    with tempfile.TemporaryDirectory(prefix="sourdough-export-") as folder:
        for fmt in formats:
            path = Path(folder) / export_filename(fmt, service.clock.now())
            with path.open("wb") as out:
                async for chunk in producers[fmt](
                    service.storage.path, user.id, zone, since=since, bake_id=bake_id
                ):
                    out.write(chunk)
            await message.answer_document(FSInputFile(path), caption=texts.EXPORT_CAPTION[fmt])


@router.message(Command("export"))
async def export(message: Message, command: CommandObject, service: BakeService, user: User) -> None:
    match = EXPORT_ARGS.match((command.args or "").strip().lower())
    if match is None or (match[1] and match[3]):
        await answer(message, texts.EXPORT_USAGE)
        return
    fmt = match[1] or match[3]
    days = int(match[2]) if match[2] else None
    if days == 0:
        await answer(message, texts.EXPORT_USAGE)
        return
    _, total, _ = await service.bakes_page(user.id, 0, 1, None)
    if total == 0:
        await answer(message, texts.NO_BAKES)
        return
    await send_export(message, service, user, [fmt] if fmt else ["csv", "json"], since_days=days)


@router.callback_query(kb.BakeCb.filter(F.action == "export"), OwnBake())
async def export_button(query: CallbackQuery, service: BakeService, user: User, bake: Bake) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await send_export(query.message, service, user, ["csv", "json"], bake_id=bake.id)


# ---------------------------------------------------------------- import


@router.message(Command("import"), F.text)  # a document captioned /import is the file itself
async def import_command(message: Message, state: FSMContext) -> None:
    await state.set_state(ImportFile.document)
    await answer(message, texts.IMPORT_ASK)


@router.message(StateFilter(ImportFile.document), F.document)
@router.message(F.document, F.caption.startswith("/import"))
async def import_document(
    message: Message, state: FSMContext, bot: Bot, service: BakeService, user: User, import_max_bytes: int
) -> None:
    document = message.document
    assert document is not None
    if document.file_size is not None and document.file_size > import_max_bytes:
        await answer(message, texts.IMPORT_TOO_LARGE.format(limit=import_max_bytes / 1024 / 1024))
        return
    buffer = await bot.download(document)
    data = buffer.read() if buffer is not None else b""
    try:
        summary = await import_export(service.storage, user.id, data, max_bytes=import_max_bytes)
    except ImportRejected as exc:
        await answer(message, texts.IMPORT_REJECTED.format(reason=texts.esc(exc.reason)))
        return
    await state.clear()
    await answer(
        message,
        texts.IMPORT_DONE.format(
            added=summary.bakes_added, skipped=summary.bakes_skipped, readings=summary.readings_added
        ),
    )


@router.message(StateFilter(ImportFile.document))
async def import_not_a_document(message: Message) -> None:
    await answer(message, texts.IMPORT_NOT_A_DOCUMENT)


# ---------------------------------------------------------------- card actions


@router.callback_query(kb.BakeCb.filter(F.action == "edit"), OwnBake())
async def edit_button(query: CallbackQuery, bake: Bake) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            texts.EDIT_RATING.format(name=texts.esc(bake.name)), reply_markup=kb.rating_keyboard(bake.id)
        )


@router.callback_query(kb.BakeCb.filter(F.action == "again"), OwnBake())
async def again_button(query: CallbackQuery, service: BakeService, user: User, bake: Bake) -> None:
    try:
        result = await service.start_bake(user.id, bake.name, recipe=bake.recipe)
    except TooManyActiveBakes:
        await query.answer(texts.TOO_MANY_ACTIVE.format(n=MAX_ACTIVE_BAKES), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await answer(query.message, render_started(result, user, service.zone(user), service.clock.now()))


@router.callback_query(kb.BakeCb.filter(F.action == "delete"), OwnBake())
async def delete_button(query: CallbackQuery, bake: Bake) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            texts.CONFIRM_DELETE.format(name=texts.esc(bake.name)), reply_markup=kb.confirm_abandon(bake.id)
        )


# ---------------------------------------------------------------- /deleteme


@router.message(Command("deleteme"))
async def deleteme(message: Message) -> None:
    await answer(message, texts.CONFIRM_ERASE, kb.erase_keyboard())


@router.callback_query(kb.SetupCb.filter(F.field == "erase"))
async def erase(
    query: CallbackQuery, callback_data: kb.SetupCb, state: FSMContext, service: BakeService, user: User
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.value != "yes":
        await query.message.edit_text(texts.ERASE_KEPT)
        return
    counts = await service.erase_user(user.id)
    await state.clear()
    await query.message.edit_text(
        texts.ERASED.format(
            bakes=counts["bakes"],
            readings=counts["rise_readings"],
            temps=counts["temperatures"],
            reminders=counts["reminders"],
            feedings=counts["starter_feedings"],
        )
    )
