"""Helpers shared by handlers: long replies split under Telegram's limit, the baker's clock,
and the key that names the message or button an action came from."""

from __future__ import annotations

import contextlib
from datetime import datetime, tzinfo

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from schedules.parsing import zone_for
from schedules.services import Services
from schedules.types import User


async def answer(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send a reply of any length: split under 4096 characters, buttons on the last part."""
    parts = texts.split_message(text)
    sent = message
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await message.answer(part, reply_markup=markup if last else None)
    return sent


def clock(services: Services, user: User) -> tuple[tzinfo, datetime]:
    """The baker's timezone and the bot's now, for rendering times."""
    return zone_for(user.timezone, services.default_timezone), services.clock.now()


def message_key(message: Message) -> str:
    """A message's identity: the same update delivered twice, or edited, has the same key."""
    return f"m:{message.chat.id}:{message.message_id}"


def button_key(query: CallbackQuery, action: str) -> str:
    """A button's identity: both taps of a double tap (and any later tap) have the same key."""
    if isinstance(query.message, Message):
        return f"c:{query.message.chat.id}:{query.message.message_id}:{action}"
    return f"c:{query.inline_message_id or query.id}:{action}"


def origin(query: CallbackQuery) -> Message | None:
    """The message a button was on, when Telegram still has it."""
    return query.message if isinstance(query.message, Message) else None


async def mark_answered(
    message: Message | None, note: str | None = None, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A message whose buttons were used keeps its text, trades its buttons for `markup` (none
    by default) and, with `note` (HTML), says below its text what was done. An edit Telegram
    refuses (the message is too old, or says so already) changes nothing: the action is done."""
    if message is None:
        return
    body = message.html_text if message.text else None
    with contextlib.suppress(TelegramBadRequest):
        if note is None or body is None or len(body) + len(note) + 9 > texts.MAX_MESSAGE:
            await message.edit_reply_markup(reply_markup=markup)
        else:
            await message.edit_text(f"{body}\n\n<i>{note}</i>", reply_markup=markup)


async def drop_buttons(message: Message, message_id: object) -> None:
    """Take the buttons off an earlier prompt (`message_id`, from the dialog's data) once the
    baker answered it by typing: a Skip or a rating left there would answer it twice."""
    if not isinstance(message_id, int) or message.bot is None:
        return
    with contextlib.suppress(TelegramBadRequest):
        await message.bot.edit_message_reply_markup(
            chat_id=message.chat.id, message_id=message_id, reply_markup=None
        )
