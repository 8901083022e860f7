"""/start with its first-time setup, /help, /cancel and /settings."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import texts
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, current_babel_locale, ngettext, set_locale
from bot.replies import answer, origin
from bot.states import SettingValue, Setup
from schedules import forecast
from schedules.parsing import (
    MINUTE_WORDS,
    ParseError,
    clean_text,
    parse_bounded,
    parse_by_temperature,
    parse_clock_range,
    parse_off,
    parse_target,
    parse_timezone,
    zone_for,
)
from schedules.places import describe
from schedules.services import Services
from schedules.types import TargetRule, User
from schedules.when import parse_fridge_temperature


async def start(message: Message, user: User, state: FSMContext) -> None:
    first_time = not user.setup_done
    if first_time:
        await state.set_state(Setup.timezone)
        await answer(message, texts.welcome(user.first_name, True), kb.timezone_keyboard())
    else:
        await answer(message, texts.welcome(user.first_name, False))


async def help_command(message: Message) -> None:
    await answer(message, texts.help_short(), kb.help_keyboard())


async def help_more(query: CallbackQuery) -> None:
    """📖 More: the short /help becomes the full list in place (split if a language makes it long)."""
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    first, *rest = texts.split_message(texts.help_full())
    with contextlib.suppress(TelegramBadRequest):  # a second tap: it shows the full list already
        await message.edit_text(first, reply_markup=None)
        for part in rest:
            await message.answer(part)


async def cancel(message: Message, state: FSMContext) -> None:
    had_dialog = await state.get_state() is not None
    await state.clear()
    await answer(message, str(texts.CANCELLED) if had_dialog else str(texts.NOTHING_TO_CANCEL))


def _tz_saved(zone_key: str, now: datetime) -> str:
    local = now.astimezone(zone_for(zone_key))
    return texts.TZ_SAVED.format(zone=texts.esc(zone_key), now=texts.fmt_clock(local, local.tzinfo or UTC))


MAX_ZONE_CHOICES = 12


def _utc_offset(minutes: int) -> str:
    """UTC+2, UTC−5, UTC+5:30; UTC for none."""
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '−'}{hours}" + (f":{rest:02d}" if rest else "")


def zone_choices(zones: tuple[str, ...], now: datetime) -> InlineKeyboardMarkup:
    """A button per zone of a place in several: its city, country and UTC offset now."""
    language = str(current_babel_locale())
    choices = []
    for zone in zones[:MAX_ZONE_CHOICES]:
        place = describe(zone, language, now)
        offset = _utc_offset(place.offset_minutes)
        label = (
            texts.TZ_CHOICE.format(city=place.city, country=place.country, offset=offset)
            if place.country
            else texts.TZ_CHOICE_CITY.format(city=place.city, offset=offset)
        )
        choices.append((label, zone))
    return kb.zone_choices_keyboard(choices)


async def ask_zone(message: Message, error: ParseError, services: Services) -> None:
    """“Portland” is in more than one timezone: which one? (a tap sets it)."""
    found = error.details.get("zones")
    zones = tuple(str(zone) for zone in found) if isinstance(found, tuple) else ()
    text = texts.TZ_AMBIGUOUS.format(text=texts.esc(clean_text(message.text or "")[:60]))
    await answer(message, text, zone_choices(zones, services.clock.now()))


async def typed_timezone(message: Message, state: FSMContext, services: Services, user: User) -> None:
    try:
        zone_key = parse_timezone(message.text or "")
    except ParseError as exc:
        if exc.reason == "timezone_ambiguous":
            await ask_zone(message, exc, services)
            return
        await answer(
            message,
            texts.BAD_TIMEZONE.format(text=texts.esc(clean_text(message.text or "")[:60])),
            kb.timezone_keyboard(),
        )
        return
    await services.users.update_settings(user.id, timezone=zone_key)
    await state.clear()
    await answer(
        message, _tz_saved(zone_key, services.clock.now()) + "\n\n" + str(texts.ASK_UNIT), kb.unit_keyboard()
    )


async def tapped_timezone(
    query: CallbackQuery, callback_data: kb.SetupCb, state: FSMContext, services: Services, user: User
) -> None:
    try:
        zone_key = parse_timezone(callback_data.value)
    except ParseError:
        await query.answer(str(texts.STALE_BUTTON), show_alert=True)
        return
    await services.users.update_settings(user.id, timezone=zone_key)
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _tz_saved(zone_key, services.clock.now()) + "\n\n" + str(texts.ASK_UNIT),
            reply_markup=kb.unit_keyboard(),
        )


async def skipped_timezone(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(str(texts.ASK_UNIT), reply_markup=kb.unit_keyboard())


async def tapped_unit(
    query: CallbackQuery, callback_data: kb.SetupCb, services: Services, user: User
) -> None:
    if callback_data.value not in ("C", "F"):
        await query.answer(str(texts.STALE_BUTTON), show_alert=True)
        return
    first_time = not user.setup_done
    user = await services.users.update_settings(user.id, temp_unit=callback_data.value, setup_done=1)
    await query.answer()  # the message itself says what changed: no toast repeating it
    if isinstance(query.message, Message):
        if first_time:  # the question loses its buttons and keeps the answer
            await query.message.edit_text(texts.UNIT_SAVED.format(unit=callback_data.value))
            await query.message.answer(str(texts.SETUP_DONE))
        else:  # /settings changes in place
            await query.message.edit_text(
                settings_summary(user, services), reply_markup=kb.settings_keyboard(user.temp_unit)
            )


# ---------------------------------------------------------------- /settings


def settings_summary(user: User, services: Services) -> str:
    cal = forecast.calibration_of(user)
    off = _("off")
    folds = (
        off
        if user.folds_count == 0
        else _("{count} × every {interval} min").format(
            count=user.folds_count, interval=user.fold_interval_min
        )
    )
    checks = (
        off
        if user.rise_check_interval_min == 0
        else _("every {interval} min").format(interval=user.rise_check_interval_min)
    )
    preheat = (
        off
        if user.preheat_min == 0
        else _("{minutes} min before the proof ends").format(minutes=user.preheat_min)
    )
    quiet = f"{user.quiet_start}–{user.quiet_end}" if user.quiet_start else off
    target = (
        _("by dough temperature")
        if user.target_rule != TargetRule.FIXED
        else _("fixed at {pct}").format(pct=texts.fmt_pct(user.target_fixed_pct))
    )
    learned = (
        _("not yet (finish a bake with rise readings)")
        if cal.samples == 0
        else ngettext("{pace} ({n} bake)", "{pace} ({n} bakes)", cal.samples).format(
            pace=texts.pace_phrase(cal.speed_factor), n=cal.samples
        )
    )
    language = LANGUAGES.get(user.language or DEFAULT_LANGUAGE, LANGUAGES[DEFAULT_LANGUAGE])
    lines = [
        str(texts.SETTINGS_HEADER),
        "",
        _("🗣 Language: <b>{language}</b>").format(language=language),
        _("🌍 Timezone: <b>{zone}</b>").format(zone=texts.esc(user.timezone or services.default_timezone)),
        _("🌡 Temperatures: <b>°{unit}</b>").format(unit=user.temp_unit),
        _("🤲 Folds: <b>{folds}</b>").format(folds=folds),
        _("📏 Rise checks: <b>{checks}</b>").format(checks=checks),
        _("🔥 Preheat: <b>{preheat}</b>").format(preheat=preheat),
        _("🌙 Quiet hours: <b>{quiet}</b>").format(quiet=quiet),
        _("🎯 Target rise: <b>{target}</b>").format(target=target),
        _("🧊 Fridge: <b>{temp}</b>").format(temp=texts.fmt_temp(user.fridge_temp_c, user.temp_unit)),
        _("📐 Learned: {learned}").format(learned=learned),
    ]
    return "\n".join(lines)


async def settings(message: Message, user: User, services: Services) -> None:
    await answer(message, settings_summary(user, services), kb.settings_keyboard(user.temp_unit))


async def ask_setting(query: CallbackQuery, callback_data: kb.SetupCb, state: FSMContext) -> None:
    prompt = texts.ASK_SETTING.get(callback_data.value)
    if prompt is None:
        await query.answer(str(texts.STALE_BUTTON), show_alert=True)
        return
    await state.set_state(SettingValue.value)
    await state.update_data(setting=callback_data.value)
    await query.answer()
    if isinstance(query.message, Message):
        markup = kb.timezone_keyboard() if callback_data.value == "tz" else None
        await query.message.answer(str(prompt), reply_markup=markup)


async def language(query: CallbackQuery, callback_data: kb.SetupCb, services: Services, user: User) -> None:
    """🗣 Language in /settings: the choices, then the switch; the settings message changes in
    place, in the new language."""
    message = origin(query)
    if not callback_data.value:
        await query.answer()
        if message is not None:
            await message.edit_text(str(texts.ASK_LANGUAGE), reply_markup=kb.language_keyboard(user.language))
        return
    if callback_data.value not in LANGUAGES:
        await query.answer(str(texts.STALE_BUTTON), show_alert=True)
        return
    user = await services.users.update_settings(user.id, language=callback_data.value)
    set_locale(user.language)
    await query.answer()
    if message is not None:
        await message.edit_text(
            settings_summary(user, services), reply_markup=kb.settings_keyboard(user.temp_unit)
        )


async def reset_calibration(query: CallbackQuery, services: Services, user: User) -> None:
    await services.users.reset_calibration(user.id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(str(texts.CALIBRATION_RESET))


FOLDS_RANGE = (0, 12)
FOLD_MINUTES_RANGE = (5, 180)
SETTING_MINUTES_RANGE = (5, 600)


def parse_setting(field: str, text: str) -> Mapping[str, object]:
    """Turn what the baker typed for one setting into column changes. Anything wrong, out of
    range or absurdly long raises ParseError (never another exception) naming the range."""
    raw = " ".join(text.lower().split())
    off = parse_off(raw)  # off, aus, выкл, ...
    if field == "tz":
        return {"timezone": parse_timezone(text)}
    if field == "fridge":
        return {"fridge_temp_c": parse_fridge_temperature(text)}
    if field == "folds":
        if off:
            return {"folds_count": 0}
        # "4 30", "4, 30", "4 30min": a comma with a space separates; "4,5" is one number.
        spaced = re.sub(r"\s*,\s+|\s+,\s*", " ", MINUTE_WORDS.sub(" ", raw))
        parts = spaced.split()
        if not 1 <= len(parts) <= 2:
            raise ParseError("folds_format")
        count = int(parse_bounded(parts[0], *FOLDS_RANGE, "folds_format", whole=True))
        if len(parts) == 1:
            return {"folds_count": count}
        interval = int(parse_bounded(parts[1], *FOLD_MINUTES_RANGE, "folds_format", whole=True))
        return {"folds_count": count, "fold_interval_min": interval}
    if field in ("checks", "preheat"):
        column = "rise_check_interval_min" if field == "checks" else "preheat_min"
        if off:
            return {column: 0}
        number = MINUTE_WORDS.sub(" ", raw).strip()
        return {column: int(parse_bounded(number, *SETTING_MINUTES_RANGE, "setting_number", whole=True))}
    if field == "quiet":
        if off:
            return {"quiet_start": None, "quiet_end": None}
        start, end = parse_clock_range(text)
        return {"quiet_start": start.strftime("%H:%M"), "quiet_end": end.strftime("%H:%M")}
    if field == "target":
        if parse_by_temperature(raw):
            return {"target_rule": TargetRule.TEMP, "target_fixed_pct": None}
        return {"target_rule": TargetRule.FIXED, "target_fixed_pct": parse_target(raw)}
    raise ParseError("unknown_setting")


SETTING_EXAMPLES = {
    "tz": "Europe/Berlin",
    "folds": "4 30",
    "checks": "60",
    "preheat": "60",
    "quiet": "22:00-07:00",
    "target": "75",
    "fridge": "4",
}


async def typed_setting(message: Message, state: FSMContext, services: Services, user: User) -> None:
    field = str((await state.get_data()).get("setting", ""))
    try:
        changes = parse_setting(field, message.text or "")
    except ParseError as exc:
        if exc.reason == "timezone_ambiguous":
            await ask_zone(message, exc, services)
            return
        details = {"text": clean_text(message.text or "")[:60], **exc.details}
        await answer(message, texts.input_error(exc.reason, SETTING_EXAMPLES.get(field, "60"), **details))
        return
    user = await services.users.update_settings(user.id, **changes)
    await state.clear()
    await answer(
        message,
        texts.SETTING_SAVED.format(summary=settings_summary(user, services)),
        kb.settings_keyboard(user.temp_unit),
    )


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_more, kb.HelpCb.filter())
    router.message.register(cancel, Command("cancel"))
    router.message.register(typed_timezone, StateFilter(Setup.timezone), F.text, ~F.text.startswith("/"))
    router.callback_query.register(tapped_timezone, kb.SetupCb.filter(F.field == kb.SetupField.TZ))
    router.callback_query.register(skipped_timezone, kb.SetupCb.filter(F.field == kb.SetupField.SKIP))
    router.callback_query.register(tapped_unit, kb.SetupCb.filter(F.field == kb.SetupField.UNIT))
    router.message.register(settings, Command("settings"))
    router.callback_query.register(ask_setting, kb.SetupCb.filter(F.field == kb.SetupField.ASK))
    router.callback_query.register(language, kb.SetupCb.filter(F.field == kb.SetupField.LANGUAGE))
    router.callback_query.register(reset_calibration, kb.SetupCb.filter(F.field == kb.SetupField.CALIB))
    router.message.register(typed_setting, StateFilter(SettingValue.value), F.text, ~F.text.startswith("/"))
    return router
