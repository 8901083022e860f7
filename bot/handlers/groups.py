"""Groups, supergroups and channels: a baker's data stays in their private chat with the bot.

Registered first, and it takes every message, edit and button press of such a chat (the feature
routers only ever see private chats): `/start` and a direct mention of the bot (`@username`, or
a reply to one of its messages) get one line pointing to the private chat, a button gets a toast
saying so, and everything else gets silence.
"""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, LinkPreviewOptions, Message

from bot import texts
from bot.middlewares import PrivateChat

DEEP_LINK = "https://t.me/{username}?start=group"


async def mentions_us(message: Message, bot: Bot) -> bool:
    """Talk addressed to the bot: its @username in the text, or a reply to one of its messages.
    Commands are not (`/status@us` too stays unanswered here; only /start is)."""
    text = message.text or message.caption or ""
    if text.startswith("/"):
        return False
    me = await bot.me()  # aiogram caches getMe
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        return True
    return bool(me.username) and re.search(
        rf"(?<![\w@])@{re.escape(me.username or '')}(?!\w)", text, re.IGNORECASE
    ) is not None


async def point_to_private_chat(message: Message, bot: Bot) -> None:
    link = DEEP_LINK.format(username=(await bot.me()).username)
    await message.answer(
        texts.GROUP_GO_PRIVATE.format(link=texts.esc(link)),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def button_in_group(query: CallbackQuery) -> None:
    await query.answer(str(texts.GROUP_OPEN_PRIVATE))


async def stay_quiet(message: Message) -> None:
    """Anything else said (or edited) in a group: not for the bot to answer."""


def build_router() -> Router:
    router = Router(name="groups")
    for observer in (router.message, router.edited_message, router.callback_query):
        observer.filter(~PrivateChat())
    router.message.register(point_to_private_chat, CommandStart())
    router.message.register(point_to_private_chat, mentions_us)
    router.message.register(stay_quiet)
    router.edited_message.register(stay_quiet)
    router.callback_query.register(button_in_group)
    return router
