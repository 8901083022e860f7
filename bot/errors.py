"""One place that turns what stopped an action into a reply: domain errors (the bake moved on,
no bake going, a reminder that is gone), input the parser refused, and our own bugs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message

from bot import keyboards as kb
from bot import texts
from bot.i18n import Msg
from bot.reliability import undelivered_note
from bot.render import where_bake_is
from bot.replies import drop_buttons
from bot.states import ImportFile, NewBake, RiseValue, SettingValue, Setup
from schedules.errors import (
    BakeMovedOn,
    BakeNotFound,
    DomainError,
    NoActiveBake,
    NoRecipe,
    PhotoNotFound,
    ReadingGone,
    RecipeNotFound,
    ReminderGone,
    ShareNotFound,
    ShareRevoked,
    StarterNameTaken,
    StarterNotFound,
    TooManyActiveBakes,
    TooManyRecipes,
    TooManyStarters,
)
from schedules.parsing import ParseError, zone_for
from schedules.services import Services
from schedules.services.base import UnknownBaker
from schedules.services.plans import PlanGone, PlanOutOfDate
from schedules.types import User

log = logging.getLogger(__name__)

# What works, by command and by dialog step, shown with a refused input.
COMMAND_EXAMPLES: dict[str, str | Msg] = {  # a Msg where the example has words to translate
    "rise": "/rise 40",
    "temp": "/temp 24.5",
    "target": "/target 60",
    "fridge": Msg("/fridge 14h"),
    "proof": Msg("/proof 2h"),
    "timer": Msg("/timer 45m fold"),
    "folds": Msg("/folds 3 45m"),
    "feed": "/feed 1:2:2",
    "newbake": Msg("/newbake Country loaf"),
}
# The keyboards are built when a reply needs them, in the baker's language (not at import).
STATE_EXAMPLES: dict[str | None, tuple[str, Callable[[], InlineKeyboardMarkup] | None]] = {
    NewBake.recipe.state: ("500 375 100 10", lambda: kb.skip_keyboard(kb.SkipStep.RECIPE)),
    NewBake.temperature.state: ("24.5", lambda: kb.skip_keyboard(kb.SkipStep.TEMP)),
    RiseValue.value.state: ("40%", None),
    Setup.timezone.state: ("Europe/Berlin", kb.timezone_keyboard),
    SettingValue.value.state: ("60", None),
    ImportFile.document.state: ("", None),
}


def domain_reply(exc: DomainError, user: User | None, services: Services | None) -> str:
    if isinstance(exc, NoActiveBake):
        return str(texts.NO_ACTIVE_BAKE)
    if isinstance(exc, TooManyActiveBakes):
        return texts.TOO_MANY_ACTIVE.format(n=exc.count)
    if isinstance(exc, BakeMovedOn):
        zone = zone_for(user.timezone if user else None, services.default_timezone if services else "UTC")
        now = services.clock.now() if services else exc.bake.started_at
        return where_bake_is(exc.bake, zone, now)
    if isinstance(exc, ReminderGone):
        return str(texts.REMINDER_GONE)
    if isinstance(exc, ReadingGone):
        return str(texts.READING_GONE)
    if isinstance(exc, UnknownBaker):
        return str(texts.SEND_START)
    if isinstance(exc, BakeNotFound):
        return str(texts.BAKE_NOT_FOUND)
    if isinstance(exc, StarterNameTaken):
        return texts.STARTER_NAME_TAKEN.format(name=texts.esc(exc.name))
    if type(exc) in FEATURE_ERRORS:
        return str(FEATURE_ERRORS[type(exc)])
    return str(texts.ERROR_GENERIC)


# Photos, recipes, starters, sharing (issue 14).
FEATURE_ERRORS: dict[type[DomainError], Msg] = {
    RecipeNotFound: texts.RECIPE_NOT_FOUND,
    NoRecipe: texts.NO_RECIPE,
    TooManyRecipes: texts.TOO_MANY_RECIPES,
    StarterNotFound: texts.STARTER_NOT_FOUND,
    TooManyStarters: texts.TOO_MANY_STARTERS,
    PhotoNotFound: texts.PHOTO_NOT_FOUND,
    ShareNotFound: texts.SHARE_NOT_FOUND,
    ShareRevoked: texts.SHARE_GONE,
}

# Planning (issue 11).
FEATURE_ERRORS.update({PlanGone: texts.PLAN_GONE, PlanOutOfDate: texts.PLAN_OUT_OF_DATE})
COMMAND_EXAMPLES["plan"] = Msg("/plan Sun 9:00")


def input_reply(
    exc: ParseError, message: Message | None, raw_state: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    if raw_state in STATE_EXAMPLES:
        example, build_markup = STATE_EXAMPLES[raw_state]
        markup = build_markup() if build_markup is not None else None
    else:
        command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower() if message else ""
        example, markup = str(COMMAND_EXAMPLES.get(command, "")), None
    text = (message.text or "")[:60] if message else ""
    return texts.input_error(exc.reason, example, **{"text": text, **exc.details}), markup


async def on_error(event: ErrorEvent, **data: Any) -> bool:
    """Tell the baker what happened instead of going silent; log a traceback only for bugs."""
    exc = event.exception
    update = event.update
    query: CallbackQuery | None = update.callback_query
    message: Message | None = update.message or update.edited_message
    if message is None and query is not None and isinstance(query.message, Message):
        message = query.message
    markup: InlineKeyboardMarkup | None = None
    user: User | None = data.get("user")
    services: Services | None = data.get("services")
    if isinstance(exc, TelegramAPIError) and not isinstance(
        exc, (TelegramBadRequest, TelegramForbiddenError)
    ):
        # Our reply could not be delivered after the retries. The action behind it has committed:
        # tell the baker with the next message that gets through, instead of "please try again".
        log.error("reply not delivered: %s", type(exc).__name__)
        if user is not None and services is not None:
            await services.users.note_undelivered(user.id, undelivered_note(message, services, user))
        return True
    if isinstance(exc, DomainError):
        text = domain_reply(exc, user, services)
    elif isinstance(exc, ParseError) and query is None:
        text, markup = input_reply(exc, message, data.get("raw_state"))
    else:
        log.error("handler failed: %s", type(exc).__name__, exc_info=exc)
        text = str(texts.ERROR_GENERIC)
    try:
        if query is not None:
            await query.answer(texts.plain(text), show_alert=True)
        elif message is not None:
            sent = await message.answer(text, reply_markup=markup)
            state: FSMContext | None = data.get("state")
            if markup is not None and state is not None and data.get("raw_state") is not None:
                # The dialog asks again here: the earlier prompt's Skip goes now, this one once
                # the step is answered.
                await drop_buttons(message, (await state.get_data()).get("prompt_id"))
                await state.update_data(prompt_id=sent.message_id)
    except TelegramAPIError:
        pass
    return True
