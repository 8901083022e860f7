"""Inline buttons: CallbackData factories (untrusted input: every handler re-checks ownership)
and the keyboards built from them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from pydantic import Field

from bot.i18n import LANGUAGES, _, current_babel_locale
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
    LANGUAGE = "lang"  # "": show the languages; a language: switch to it


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
    cities = current_babel_locale().time_zones
    for label, zone in COMMON_TIMEZONES:
        flag, _space, city = label.partition(" ")
        local_name = cities.get(zone, {}).get("city") or city  # Babel's name of the city, where it has one
        builder.button(text=f"{flag} {local_name}", callback_data=SetupCb(field=SetupField.TZ, value=zone))
    builder.button(text=_("Skip"), callback_data=SetupCb(field=SetupField.SKIP, value="tz"))
    return _markup(builder, 2)


def unit_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("°C"), callback_data=SetupCb(field=SetupField.UNIT, value="C"))
    builder.button(text=_("°F"), callback_data=SetupCb(field=SetupField.UNIT, value="F"))
    return _markup(builder, 2)


def short_date(moment: datetime) -> str:
    """A bake's day on a button: "Nov 28", "28. Nov.", "28 нояб."."""
    return format_skeleton("MMMd", moment, locale=current_babel_locale())


def fmt_hours_number(hours: float) -> str:
    return format_decimal(round(hours, 1), format="0.#", locale=current_babel_locale())


def skip_keyboard(step: SkipStep) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip"), callback_data=SkipCb(step=step))
    return builder.as_markup()


def bakes_page(bakes: Sequence[Bake], page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for bake in bakes:
        mark = {"bulk": "🥣", "cold_proof": "❄️", "proof": "⏲", "done": "🍞"}.get(bake.phase, "")
        label = f"{mark} {bake.name[:40]} · {short_date(bake.started_at)}"
        builder.button(text=label, callback_data=BakeCb(action=BakeAction.OPEN, bake_id=bake.id))
    widths = [1] * len(bakes)
    nav = 0
    if page > 0:
        builder.button(text=_("◀ Newer"), callback_data=PageCb(page=page - 1))
        nav += 1
    if page + 1 < pages:
        builder.button(text=_("Older ▶"), callback_data=PageCb(page=page + 1))
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
                text=_("Switch to {name}").format(name=bake.name[:40]),
                callback_data=BakeCb(action=BakeAction.SELECT, bake_id=bake.id),
            )
    return _markup(builder, 1)


def confirm_abandon(bake_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, discard"), callback_data=BakeCb(action=BakeAction.ABANDON, bake_id=bake_id))
    builder.button(text=_("Keep it"), callback_data=BakeCb(action=BakeAction.KEEP, bake_id=bake_id))
    return _markup(builder, 2)


def rating_keyboard(bake_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in range(1, 6):
        builder.button(text="⭐" * value, callback_data=RateCb(bake_id=bake_id, value=value))
    builder.button(text=_("Skip"), callback_data=RateCb(bake_id=bake_id, value=0))
    return _markup(builder, 3, 3)


def proof_keyboard(bake_id: int, *, cold: bool, suggested_hours: float | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    minutes_options = [h * 60 for h in COLD_PROOF_HOURS] if cold else list(ROOM_PROOF_MINUTES)
    if suggested_hours is not None:
        suggested = round(suggested_hours * 60)
        minutes_options = sorted({*minutes_options, suggested})
    for minutes in minutes_options:
        label = _("{hours} h").format(hours=fmt_hours_number(minutes / 60))
        if suggested_hours is not None and minutes == round(suggested_hours * 60):
            label = _("✓ {length} (suggested)").format(length=label)
        builder.button(text=label, callback_data=ProofCb(bake_id=bake_id, cold=cold, minutes=minutes))
    return _markup(builder, 3)


def reminder_keyboard(reminder: Reminder, rises: Sequence[int] = QUICK_RISES) -> InlineKeyboardMarkup:
    """A reminder's buttons; a rise check offers `rises` (around what the model expects by now).
    Built directly, without the builder's copies: a fan-out sends hundreds a second."""
    rid = reminder.id

    def button(text: str, callback: CallbackData) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=callback.pack())

    rows: list[list[InlineKeyboardButton]] = []
    if reminder.kind in (ReminderKind.RISE_CHECK, ReminderKind.BULK_DONE):
        rows.append(
            [
                button(f"{value} %", RemCb(action=RemAction.RISE, reminder_id=rid, value=value))
                for value in rises
            ]
        )
        rows.append([button(_("Other…"), RemCb(action=RemAction.OTHER, reminder_id=rid))])
        rows = [row for row in rows if row]
    else:
        rows.append([button(_("✓ Done"), RemCb(action=RemAction.DONE, reminder_id=rid))])
    rows.append(
        [
            button(_("😴 15 min"), RemCb(action=RemAction.SNOOZE, reminder_id=rid, value=15)),
            button(_("😴 1 h"), RemCb(action=RemAction.SNOOZE, reminder_id=rid, value=60)),
        ]
    )
    if reminder.kind == ReminderKind.FOLD:
        rows.append([button(_("Skip the remaining folds"), RemCb(action=RemAction.SKIP, reminder_id=rid))])
    if reminder.kind == ReminderKind.STARTER_PEAK and reminder.seq:  # seq: the feeding
        rows.append([button(_("🫧 It peaked now"), PeakCb(feeding_id=reminder.seq))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


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
    builder.button(text=_("🗣 Language"), callback_data=SetupCb(field=SetupField.LANGUAGE))
    builder.button(text=_("🌍 Timezone"), callback_data=SetupCb(field=SetupField.ASK, value="tz"))
    builder.button(
        text=_("🌡 Use °{unit}").format(unit=other),
        callback_data=SetupCb(field=SetupField.UNIT, value=other),
    )
    builder.button(text=_("🤲 Folds"), callback_data=SetupCb(field=SetupField.ASK, value="folds"))
    builder.button(text=_("📏 Rise checks"), callback_data=SetupCb(field=SetupField.ASK, value="checks"))
    builder.button(text=_("🔥 Preheat"), callback_data=SetupCb(field=SetupField.ASK, value="preheat"))
    builder.button(text=_("🌙 Quiet hours"), callback_data=SetupCb(field=SetupField.ASK, value="quiet"))
    builder.button(text=_("🎯 Target rise"), callback_data=SetupCb(field=SetupField.ASK, value="target"))
    builder.button(text=_("🧊 Fridge"), callback_data=SetupCb(field=SetupField.ASK, value="fridge"))
    builder.button(
        text=_("♻️ Reset what I learned"), callback_data=SetupCb(field=SetupField.CALIB, value="reset")
    )
    return _markup(builder, 1, 2, 2, 2, 2, 1)


def language_keyboard(current: str | None) -> InlineKeyboardMarkup:
    """Each language named in itself; the baker's own is ticked."""
    builder = InlineKeyboardBuilder()
    for locale, name in LANGUAGES.items():
        mark = "✓ " if locale == current else ""
        builder.button(text=f"{mark}{name}", callback_data=SetupCb(field=SetupField.LANGUAGE, value=locale))
    return _markup(builder, 2)


def card_keyboard(bake_id: int, photos: int = 0) -> InlineKeyboardMarkup:
    """The buttons on a bake's card in /bakes."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📈 Chart"), callback_data=BakeCb(action=BakeAction.CHART, bake_id=bake_id))
    builder.button(text=_("📤 Export"), callback_data=BakeCb(action=BakeAction.EXPORT, bake_id=bake_id))
    builder.button(text=_("✏️ Notes/rating"), callback_data=BakeCb(action=BakeAction.EDIT, bake_id=bake_id))
    builder.button(text=_("🔁 Bake again"), callback_data=BakeCb(action=BakeAction.AGAIN, bake_id=bake_id))
    builder.button(text=_("📏 Readings"), callback_data=BakeCb(action=BakeAction.READINGS, bake_id=bake_id))
    builder.button(text=_("🗑 Delete"), callback_data=BakeCb(action=BakeAction.DELETE, bake_id=bake_id))
    widths = [2, 2, 2, *card_extras(builder, bake_id, photos)]
    return _markup(builder, *widths)


def erase_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🗑 Yes, erase everything"),
        callback_data=SetupCb(field=SetupField.ERASE, value="yes"),
    )
    builder.button(text=_("Keep my data"), callback_data=SetupCb(field=SetupField.ERASE, value="no"))
    return _markup(builder, 1)


def reading_keyboard(reading: RiseReading) -> InlineKeyboardMarkup:
    """On the reply to a reading: take it back if it was a typo. Built directly, without the
    builder's copies: it goes out with every reading."""
    undo = ReadingCb(action=ReadingAction.UNDO, reading_id=reading.id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("↩️ Undo"), callback_data=undo)]],
    )


def readings_keyboard(readings: Sequence[tuple[RiseReading, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reading, label in readings:
        builder.button(
            text=f"✖ {label}"[:60],
            callback_data=ReadingCb(action=ReadingAction.DELETE, reading_id=reading.id),
        )
    return _markup(builder, 1)


# ---- photos, recipes, starters, sharing (issue 14)

Tenths = Annotated[int, Field(ge=0, le=1_000_000)]  # grams × 10 (up to 100 kg); 0: none
ShareCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16}$")]


class CardAction(StrEnum):
    PHOTO_ADD = "photo"
    PHOTOS = "photos"
    RECIPE = "recipe"
    SAVE_RECIPE = "save"
    SAVE_AS_IS = "saveas"
    SHARE = "share"


class CardCb(CallbackData, prefix="bx"):
    """More buttons of a bake's card."""

    action: CardAction
    bake_id: RowId


class PhotoCb(CallbackData, prefix="ph"):
    """Put a waiting photo on this bake."""

    photo_id: RowId
    bake_id: RowId


class PhotoPageCb(CallbackData, prefix="pp"):
    bake_id: RowId
    page: Annotated[int, Field(ge=0, le=100_000)]


class DraftSource(StrEnum):
    BAKE = "b"
    RECIPE = "r"


class DraftAction(StrEnum):
    START = "go"
    AMOUNTS = "amt"
    SCALE = "sc"
    SAVE = "sv"


class DraftCb(CallbackData, prefix="dr"):
    """A recipe (of a bake or a saved one) about to start a bake, with the amounts shown."""

    action: DraftAction
    source: DraftSource
    ref_id: RowId
    flour: Tenths
    water: Tenths = 0
    starter: Tenths = 0
    salt: Tenths = 0


class RecipeAction(StrEnum):
    START = "go"
    OPEN = "open"
    DELETE = "del"


class RecipeCb(CallbackData, prefix="rc"):
    action: RecipeAction
    recipe_id: RowId


class ShareAction(StrEnum):
    NOTES = "notes"
    READINGS = "readings"
    PHOTOS = "photos"
    REVOKE = "revoke"


class ShareCb(CallbackData, prefix="sh"):
    action: ShareAction
    share_id: RowId


class SharedAction(StrEnum):
    SAVE = "save"
    START = "go"


class SharedCb(CallbackData, prefix="so"):
    """Another baker's shared bake: save it as a recipe, or start a bake from it."""

    action: SharedAction
    code: ShareCode


class StarterAction(StrEnum):
    PEAKED = "peak"
    RENAME = "ren"
    ARCHIVE = "arc"


class StarterCb(CallbackData, prefix="st"):
    action: StarterAction
    starter_id: RowId


class FeedCb(CallbackData, prefix="fd"):
    """Which starter a typed feeding was for (the feeding travels in tenths of a part)."""

    starter_id: RowId
    s: Annotated[int, Field(ge=1, le=1_000_000)]
    f: Annotated[int, Field(ge=1, le=1_000_000)]
    w: Annotated[int, Field(ge=1, le=1_000_000)]
    t: Annotated[int, Field(ge=0, le=400)] = 0  # °C × 10; 0: none
    g: bool = False  # typed as grams


class PeakCb(CallbackData, prefix="pk"):
    """The starter fed in this feeding peaked now."""

    feeding_id: RowId


def tenths(grams: float | None) -> int:
    return 0 if grams is None else min(1_000_000, max(0, round(grams * 10)))


def grams(value: int) -> float | None:
    return None if value == 0 else value / 10


def card_extras(builder: InlineKeyboardBuilder, bake_id: int, photos: int) -> list[int]:
    """The card's photo, recipe and share buttons; returns the row widths they take."""
    builder.button(text=_("📷 Add photo"), callback_data=CardCb(action=CardAction.PHOTO_ADD, bake_id=bake_id))
    widths = [1]
    if photos:
        builder.button(
            text=_(
                "🖼 Photos ({count})").format(count=photos), callback_data=CardCb(action=CardAction.PHOTOS,
                bake_id=bake_id,
            )
        )
        widths = [2]
    builder.button(text=_("🧾 Recipe"), callback_data=CardCb(action=CardAction.RECIPE, bake_id=bake_id))
    builder.button(
        text=_("💾 Save recipe"), callback_data=CardCb(action=CardAction.SAVE_RECIPE, bake_id=bake_id)
    )
    builder.button(text=_("🔗 Share"), callback_data=CardCb(action=CardAction.SHARE, bake_id=bake_id))
    return [*widths, 2, 1]


def choose_bake_for_photo(photo_id: int, bakes: Sequence[Bake]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for bake in bakes:
        builder.button(
            text=f"📷 {bake.name[:40]} · {short_date(bake.started_at)}",
            callback_data=PhotoCb(photo_id=photo_id, bake_id=bake.id),
        )
    return _markup(builder, 1)


def photo_pages(bake_id: int, page: int, pages: int) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if page > 0:
        builder.button(text=_("◀ Earlier"), callback_data=PhotoPageCb(bake_id=bake_id, page=page - 1))
    if page + 1 < pages:
        builder.button(text=_("Later ▶"), callback_data=PhotoPageCb(bake_id=bake_id, page=page + 1))
    return _markup(builder, 2) if page > 0 or page + 1 < pages else None


def draft_keyboard(
    source: DraftSource, ref_id: int, amounts: tuple[float | None, ...], *, adjusted: bool = False
) -> InlineKeyboardMarkup:
    """Start as is / change amounts / scale (/ save), for a recipe about to start a bake."""
    flour, water, starter, salt = (tenths(a) for a in amounts)

    def draft(action: DraftAction) -> DraftCb:
        return DraftCb(
            action=action, source=source, ref_id=ref_id, flour=flour, water=water, starter=starter, salt=salt
        )

    builder = InlineKeyboardBuilder()
    start = _("▶️ Start with these") if adjusted else _("▶️ Start as is")
    builder.button(text=start, callback_data=draft(DraftAction.START))
    builder.button(text=_("✏️ Change amounts"), callback_data=draft(DraftAction.AMOUNTS))
    builder.button(text=_("⚖️ Scale"), callback_data=draft(DraftAction.SCALE))
    widths = [1, 2]
    if adjusted and flour:
        builder.button(text=_("💾 Save as a recipe"), callback_data=draft(DraftAction.SAVE))
        widths.append(1)
    return _markup(builder, *widths)


def recipes_keyboard(recipes: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for recipe_id, name in recipes:
        builder.button(
            text=f"🥣 {name[:40]}", callback_data=RecipeCb(action=RecipeAction.START, recipe_id=recipe_id)
        )
        builder.button(text="📖", callback_data=RecipeCb(action=RecipeAction.OPEN, recipe_id=recipe_id))
    return _markup(builder, *([2] * len(recipes)))


def recipe_keyboard(recipe_id: int, amounts: tuple[float | None, ...]) -> InlineKeyboardMarkup:
    """A saved recipe opened from /recipes: adjust and start, or delete it."""
    markup = draft_keyboard(DraftSource.RECIPE, recipe_id, amounts)
    delete = RecipeCb(action=RecipeAction.DELETE, recipe_id=recipe_id).pack()
    rows = [*markup.inline_keyboard, [InlineKeyboardButton(text=_("🗑 Delete recipe"), callback_data=delete)]]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def share_keyboard(share_id: int, notes: bool, readings: bool, photos: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, on, action in (
        (_("Notes and rating"), notes, ShareAction.NOTES),
        (_("Rise readings"), readings, ShareAction.READINGS),
        (_("Photos"), photos, ShareAction.PHOTOS),
    ):
        builder.button(
            text=f"{'☑' if on else '☐'} {label}", callback_data=ShareCb(action=action, share_id=share_id)
        )
    builder.button(
        text=_("🚫 Revoke the link"), callback_data=ShareCb(action=ShareAction.REVOKE, share_id=share_id)
    )
    return _markup(builder, 1)


def shared_keyboard(code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("💾 Save as my recipe"), callback_data=SharedCb(action=SharedAction.SAVE, code=code)
    )
    builder.button(
        text=_("🥣 Start a bake from it"), callback_data=SharedCb(action=SharedAction.START, code=code)
    )
    return _markup(builder, 1)


def starters_keyboard(starters: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    if not starters:
        return None
    builder = InlineKeyboardBuilder()
    widths = []
    for starter_id, name in starters:
        short = name[:24]
        builder.button(
            text=_("🫧 {name} peaked now").format(name=short),
            callback_data=StarterCb(action=StarterAction.PEAKED, starter_id=starter_id),
        )
        builder.button(text="✏️", callback_data=StarterCb(action=StarterAction.RENAME, starter_id=starter_id))
        builder.button(text="🗄", callback_data=StarterCb(action=StarterAction.ARCHIVE, starter_id=starter_id))
        widths.append(3)
    return _markup(builder, *widths)


def feed_choice_keyboard(
    starters: Sequence[tuple[int, str]],
    ratio: tuple[float, float, float],
    temp_c: float | None,
    typed_grams: bool,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    s, f, w = (max(1, tenths(part)) for part in ratio)
    t = 0 if temp_c is None else min(400, max(0, round(temp_c * 10)))
    for starter_id, name in starters:
        builder.button(
            text=f"🫙 {name[:40]}",
            callback_data=FeedCb(starter_id=starter_id, s=s, f=f, w=w, t=t, g=typed_grams),
        )
    return _markup(builder, 1)


def keep_name_keyboard(bake_id: int, label: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=CardCb(action=CardAction.SAVE_AS_IS, bake_id=bake_id))
    return builder.as_markup()


# ---------------------------------------------------------------- planning (issue 11)


class PlanAction(StrEnum):
    CANCEL = "cancel"
    PICTURE = "picture"
    KEEP = "keep"  # re-plan after a drift: keep the planned time (the fridge absorbs it)
    MOVE = "move"  # re-plan after a drift: the bread-ready time moves


PlanDays = Annotated[int, Field(ge=0, le=6)]  # days from today, in the baker's timezone


class PlanDayCb(CallbackData, prefix="pd"):
    days: PlanDays


class PlanTimeCb(CallbackData, prefix="pt"):
    days: PlanDays
    minute: Annotated[int, Field(ge=0, le=1439)]  # of the local day


class PlanPickCb(CallbackData, prefix="pn"):
    """One proposed plan: everything needed to build it again when tapped."""

    ready: Annotated[int, Field(ge=0, le=2**40)]  # UTC, in minutes since the epoch
    starter: Annotated[int, Field(ge=10, le=500)]  # tenths of a percent
    fridge: Annotated[int, Field(ge=2, le=96)]  # half hours
    ratio: Annotated[int, Field(ge=1, le=10)]  # the starter fed 1 : ratio : ratio


class PlanCb(CallbackData, prefix="pl"):
    action: PlanAction
    plan_id: RowId


PLAN_TIMES = ("07:00", "08:00", "09:00", "10:00", "12:00", "15:00", "18:00", "20:00")


def plan_days_keyboard(labels: Sequence[str]) -> InlineKeyboardMarkup:
    """Today, tomorrow and the days after (labels in order, from today)."""
    builder = InlineKeyboardBuilder()
    for days, label in enumerate(labels[:7]):
        builder.button(text=label, callback_data=PlanDayCb(days=days))
    return _markup(builder, 2, 3, 3)


def plan_times_keyboard(days: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for clock in PLAN_TIMES:
        hour, minute = (int(part) for part in clock.split(":"))
        builder.button(text=clock, callback_data=PlanTimeCb(days=days, minute=hour * 60 + minute))
    return _markup(builder, 4, 4)


def plan_options_keyboard(options: Sequence[tuple[str, PlanPickCb]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, data in options:
        builder.button(text=label[:60], callback_data=data)
    return _markup(builder, 1)


def plan_keyboard(plan_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🖼 Picture"), callback_data=PlanCb(action=PlanAction.PICTURE, plan_id=plan_id))
    builder.button(
        text=_("✖ Cancel the plan"),
        callback_data=PlanCb(action=PlanAction.CANCEL, plan_id=plan_id),
    )
    return _markup(builder, 2)


def plan_drift_rows(
    plan_id: int, keep_label: str | None, move_label: str
) -> list[list[InlineKeyboardButton]]:
    """The re-plan buttons under a reading's reply (next to its Undo)."""
    rows: list[list[InlineKeyboardButton]] = []
    if keep_label is not None:
        keep = PlanCb(action=PlanAction.KEEP, plan_id=plan_id).pack()
        rows.append([InlineKeyboardButton(text=keep_label[:60], callback_data=keep)])
    move = PlanCb(action=PlanAction.MOVE, plan_id=plan_id).pack()
    rows.append([InlineKeyboardButton(text=move_label[:60], callback_data=move)])
    return rows


def fridge_keyboard(
    bake_id: int, options: Sequence[tuple[int, str]], suggested_minutes: int
) -> InlineKeyboardMarkup:
    """Cold-proof lengths, each with the clock time it ends: `(minutes, "07:30")`."""
    builder = InlineKeyboardBuilder()
    for minutes, clock in options:
        length = f"{minutes / 60:g} h" if minutes % 30 == 0 else f"{minutes // 60} h {minutes % 60} min"
        label = (
            _("✓ {length} (suggested) {time}").format(length=length, time=clock)
            if minutes == suggested_minutes
            else _("{length} ({time})").format(length=length, time=clock)
        )
        builder.button(text=label, callback_data=ProofCb(bake_id=bake_id, cold=True, minutes=minutes))
    return _markup(builder, 2)


# ---------------------------------------------------------------- understanding what bakers type


class FixCb(CallbackData, prefix="fx"):
    """Run the command a mistyped one was meant as, with the mistyped message's arguments (read,
    when tapped, from that message: the suggestion replies to it)."""

    command: Annotated[str, Field(pattern=r"^[a-z]{1,32}$")]
    message_id: RowId


def fix_keyboard(message_id: int, suggestions: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per suggested command: `(command, label)`."""
    builder = InlineKeyboardBuilder()
    for command, label in suggestions:
        builder.button(text=label[:60], callback_data=FixCb(command=command, message_id=message_id))
    return _markup(builder, 1)


Height = Annotated[float, Field(gt=0, le=10_000)]


class RiseAnywayCb(CallbackData, prefix="ra"):
    """The answer to "45 % only 10 s after mixing?": log the reading typed in `message_id` (under
    that message's identity, so a second tap finds it logged), or not."""

    log: bool
    bake_id: RowId
    message_id: RowId
    tenths: Annotated[int, Field(ge=0, le=3000)]  # the rise in tenths of a percent
    start: Height | None = None  # jar heights, when the rise was typed as two
    current: Height | None = None
    bulk_only: bool = False


def rise_anyway_keyboard(data: RiseAnywayCb, yes_label: str, no_label: str) -> InlineKeyboardMarkup:
    """[✓ Log 45 % anyway] [✖ No]. Heights too long for a button's data are left out (the
    percentage is what counts)."""
    yes = data.model_copy(update={"log": True})
    try:
        packed = yes.pack()
    except ValueError:
        yes = yes.model_copy(update={"start": None, "current": None})
        packed = yes.pack()
    no = yes.model_copy(update={"log": False}).pack()
    buttons = [
        InlineKeyboardButton(text=yes_label[:60], callback_data=packed),
        InlineKeyboardButton(text=no_label[:60], callback_data=no),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def zone_choices_keyboard(choices: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A place in several timezones: one button per zone, `(label, zone)`; a tap sets it."""
    builder = InlineKeyboardBuilder()
    for label, zone in choices:
        builder.button(text=label[:60], callback_data=SetupCb(field=SetupField.TZ, value=zone))
    return _markup(builder, 1)


# ---------------------------------------------------------------- /help


class HelpCb(CallbackData, prefix="hp"):
    """📖 More under the short /help: the full list, in place."""

    full: bool = True


def help_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📖 More"), callback_data=HelpCb())
    return builder.as_markup()
