"""Inline buttons: CallbackData factories (untrusted input: every handler re-checks ownership)
and the keyboards built from them."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from schedules.types import Bake, Reminder, ReminderKind, RiseReading

# Callback data is untrusted: typed fields make a forged payload fail to unpack, so it matches
# no handler and falls to the fallback router. Ids are positive SQLite integers.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class BakeAction(StrEnum):
    OPEN = "open"
    SELECT = "select"
    ABANDON = "abandon"
    KEEP = "keep"
    CHART = "chart"
    EXPORT = "export"
    EDIT = "edit"
    AGAIN = "again"
    DELETE = "delete"
    READINGS = "readings"


class BakeCb(CallbackData, prefix="b"):
    action: BakeAction
    bake_id: RowId


class PageCb(CallbackData, prefix="p"):
    """A page of /bakes. The search words stay in the dialog data, never in the button."""

    page: Annotated[int, Field(ge=0, le=1_000_000)]


class RemAction(StrEnum):
    DONE = "done"
    SNOOZE = "snooze"
    SKIP = "skip"
    RISE = "rise"
    OTHER = "other"
    CANCEL = "cancel"


SNOOZE_MINUTES = (15, 60)


class RemCb(CallbackData, prefix="r"):
    action: RemAction
    reminder_id: RowId
    value: Annotated[int, Field(ge=0, le=300)] = 0  # snooze minutes, or a rise in %


class SetupField(StrEnum):
    TZ = "tz"
    UNIT = "unit"
    SKIP = "skip"
    ASK = "ask"
    CALIB = "calib"
    ERASE = "erase"


class SetupCb(CallbackData, prefix="s"):
    field: SetupField
    value: Annotated[str, Field(max_length=40)] = ""


class RateCb(CallbackData, prefix="rt"):
    bake_id: RowId
    value: Annotated[int, Field(ge=0, le=5)]  # 0: skip


class ProofCb(CallbackData, prefix="pf"):
    bake_id: RowId
    cold: bool
    minutes: Annotated[int, Field(ge=15, le=3 * 24 * 60)]


class SkipStep(StrEnum):
    RECIPE = "recipe"
    TEMP = "temp"
    NOTES = "notes"


class SkipCb(CallbackData, prefix="sk"):
    step: SkipStep


class ReadingAction(StrEnum):
    UNDO = "undo"
    DELETE = "delete"


class ReadingCb(CallbackData, prefix="rd"):
    action: ReadingAction
    reading_id: RowId


COMMON_TIMEZONES = [
    ("🇬🇧 London", "Europe/London"),
    ("🇩🇪 Berlin", "Europe/Berlin"),
    ("🇺🇸 New York", "America/New_York"),
    ("🇺🇸 Chicago", "America/Chicago"),
    ("🇺🇸 Los Angeles", "America/Los_Angeles"),
    ("🇦🇺 Sydney", "Australia/Sydney"),
    ("🌐 UTC", "UTC"),
]
QUICK_RISES = (25, 50, 75, 100)
COLD_PROOF_HOURS = (8, 12, 16, 24)
ROOM_PROOF_MINUTES = (60, 90, 120, 180)


def _markup(builder: InlineKeyboardBuilder, *widths: int) -> InlineKeyboardMarkup:
    if widths:
        builder.adjust(*widths)
    return builder.as_markup()


def timezone_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, zone in COMMON_TIMEZONES:
        builder.button(text=label, callback_data=SetupCb(field=SetupField.TZ, value=zone))
    builder.button(text="Skip", callback_data=SetupCb(field=SetupField.SKIP, value="tz"))
    return _markup(builder, 2)


def unit_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="°C", callback_data=SetupCb(field=SetupField.UNIT, value="C"))
    builder.button(text="°F", callback_data=SetupCb(field=SetupField.UNIT, value="F"))
    return _markup(builder, 2)


def skip_keyboard(step: SkipStep) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="Skip", callback_data=SkipCb(step=step))
    return builder.as_markup()


def bakes_page(bakes: Sequence[Bake], page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for bake in bakes:
        mark = {"bulk": "🥣", "cold_proof": "❄️", "proof": "⏲", "done": "🍞"}.get(bake.phase, "")
        label = f"{mark} {bake.name[:40]} · {bake.started_at:%d %b}"
        builder.button(text=label, callback_data=BakeCb(action=BakeAction.OPEN, bake_id=bake.id))
    widths = [1] * len(bakes)
    nav = 0
    if page > 0:
        builder.button(text="◀ Newer", callback_data=PageCb(page=page - 1))
        nav += 1
    if page + 1 < pages:
        builder.button(text="Older ▶", callback_data=PageCb(page=page + 1))
        nav += 1
    if nav:
        widths.append(nav)
    return _markup(builder, *widths)


def select_bakes(bakes: Sequence[Bake], current_id: int | None) -> InlineKeyboardMarkup | None:
    if len(bakes) < 2:
        return None
    builder = InlineKeyboardBuilder()
    for bake in bakes:
        if bake.id != current_id:
            builder.button(
                text=f"Switch to {bake.name[:40]}",
                callback_data=BakeCb(action=BakeAction.SELECT, bake_id=bake.id),
            )
    return _markup(builder, 1)


def confirm_abandon(bake_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🗑 Yes, discard", callback_data=BakeCb(action=BakeAction.ABANDON, bake_id=bake_id))
    builder.button(text="Keep it", callback_data=BakeCb(action=BakeAction.KEEP, bake_id=bake_id))
    return _markup(builder, 2)


def rating_keyboard(bake_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in range(1, 6):
        builder.button(text="⭐" * value, callback_data=RateCb(bake_id=bake_id, value=value))
    builder.button(text="Skip", callback_data=RateCb(bake_id=bake_id, value=0))
    return _markup(builder, 3, 3)


def proof_keyboard(bake_id: int, *, cold: bool, suggested_hours: float | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    minutes_options = [h * 60 for h in COLD_PROOF_HOURS] if cold else list(ROOM_PROOF_MINUTES)
    if suggested_hours is not None:
        suggested = round(suggested_hours * 60)
        minutes_options = sorted({*minutes_options, suggested})
    for minutes in minutes_options:
        label = f"{minutes / 60:g} h"
        if suggested_hours is not None and minutes == round(suggested_hours * 60):
            label = f"✓ {label} (suggested)"
        builder.button(text=label, callback_data=ProofCb(bake_id=bake_id, cold=cold, minutes=minutes))
    return _markup(builder, 3)


def reminder_keyboard(reminder: Reminder) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    rid = reminder.id
    widths: list[int] = []
    if reminder.kind in (ReminderKind.RISE_CHECK, ReminderKind.BULK_DONE):
        for value in QUICK_RISES:
            builder.button(
                text=f"{value} %", callback_data=RemCb(action=RemAction.RISE, reminder_id=rid, value=value)
            )
        builder.button(text="Other…", callback_data=RemCb(action=RemAction.OTHER, reminder_id=rid))
        widths += [4, 1]
    else:
        builder.button(text="✓ Done", callback_data=RemCb(action=RemAction.DONE, reminder_id=rid))
        widths.append(1)
    builder.button(text="😴 15 min", callback_data=RemCb(action=RemAction.SNOOZE, reminder_id=rid, value=15))
    builder.button(text="😴 1 h", callback_data=RemCb(action=RemAction.SNOOZE, reminder_id=rid, value=60))
    widths.append(2)
    if reminder.kind == ReminderKind.FOLD:
        builder.button(
            text="Skip the remaining folds", callback_data=RemCb(action=RemAction.SKIP, reminder_id=rid)
        )
        widths.append(1)
    return _markup(builder, *widths)


def pending_keyboard(reminders: Sequence[tuple[Reminder, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reminder, label in reminders:
        builder.button(
            text=f"✖ {label}"[:60], callback_data=RemCb(action=RemAction.CANCEL, reminder_id=reminder.id)
        )
    return _markup(builder, 1)


def settings_keyboard(unit: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    other = "F" if unit == "C" else "C"
    builder.button(text="🌍 Timezone", callback_data=SetupCb(field=SetupField.ASK, value="tz"))
    builder.button(text=f"🌡 Use °{other}", callback_data=SetupCb(field=SetupField.UNIT, value=other))
    builder.button(text="🤲 Folds", callback_data=SetupCb(field=SetupField.ASK, value="folds"))
    builder.button(text="📏 Rise checks", callback_data=SetupCb(field=SetupField.ASK, value="checks"))
    builder.button(text="🔥 Preheat", callback_data=SetupCb(field=SetupField.ASK, value="preheat"))
    builder.button(text="🌙 Quiet hours", callback_data=SetupCb(field=SetupField.ASK, value="quiet"))
    builder.button(text="🎯 Target rise", callback_data=SetupCb(field=SetupField.ASK, value="target"))
    builder.button(
        text="♻️ Reset what I learned", callback_data=SetupCb(field=SetupField.CALIB, value="reset")
    )
    return _markup(builder, 2, 2, 2, 1, 1)


def card_keyboard(bake_id: int) -> InlineKeyboardMarkup:
    """The buttons on a bake's card in /bakes."""
    builder = InlineKeyboardBuilder()
    builder.button(text="📈 Chart", callback_data=BakeCb(action=BakeAction.CHART, bake_id=bake_id))
    builder.button(text="📤 Export", callback_data=BakeCb(action=BakeAction.EXPORT, bake_id=bake_id))
    builder.button(text="✏️ Notes/rating", callback_data=BakeCb(action=BakeAction.EDIT, bake_id=bake_id))
    builder.button(text="🔁 Bake again", callback_data=BakeCb(action=BakeAction.AGAIN, bake_id=bake_id))
    builder.button(text="📏 Readings", callback_data=BakeCb(action=BakeAction.READINGS, bake_id=bake_id))
    builder.button(text="🗑 Delete", callback_data=BakeCb(action=BakeAction.DELETE, bake_id=bake_id))
    return _markup(builder, 2, 2, 2)


def erase_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🗑 Yes, erase everything", callback_data=SetupCb(field=SetupField.ERASE, value="yes"))
    builder.button(text="Keep my data", callback_data=SetupCb(field=SetupField.ERASE, value="no"))
    return _markup(builder, 1)


def reading_keyboard(reading: RiseReading) -> InlineKeyboardMarkup:
    """On the reply to a reading: take it back if it was a typo. Built directly, without the
    builder's copies: it goes out with every reading."""
    undo = ReadingCb(action=ReadingAction.UNDO, reading_id=reading.id).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="↩️ Undo", callback_data=undo)]])


def readings_keyboard(readings: Sequence[tuple[RiseReading, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reading, label in readings:
        builder.button(
            text=f"✖ {label}"[:60],
            callback_data=ReadingCb(action=ReadingAction.DELETE, reading_id=reading.id),
        )
    return _markup(builder, 1)
