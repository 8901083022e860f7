"""Middlewares: drop the updates no handler should see, hand every handler the services and the
baker (only in the private chat with them), and let any command leave a dialog the baker walked
away from. Also the filter that keeps the feature routers to private chats."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot.delivery import DeliveryMiddleware
from bot.i18n import locale_for, set_locale
from schedules.services import Services

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Commands that belong to a dialog and must not end it.
DIALOG_COMMANDS = frozenset({"/cancel"})


def is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


def command_mention(text: str | None) -> str | None:
    """The bot a command names, read the way aiogram's Command filter reads it:
    `/rise@other_bot 30` → "other_bot"; `/rise 30` and plain text → None."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].partition("@")[2] or None


class PrivateChat(Filter):
    """Passes the events of a private chat: the only place a baker's data is shown or changed."""

    async def __call__(self, event: TelegramObject, event_chat: Chat | None = None) -> bool:
        return is_private(event_chat)


def private_only(router: Router) -> Router:
    """Let only private-chat events reach `router` (and its sub-routers): an event of a group,
    supergroup or channel, or one with no chat at all, passes it by."""
    for name, observer in router.observers.items():
        if name != "error":
            observer.filter(PrivateChat())
    return router


class IgnoredUpdates(BaseMiddleware):
    """Outer middleware on every update, before the others: drops, without a reply or an error,
    what no handler should see — channel posts, anything a bot sent (other bots; anonymous group
    admins, who write as GroupAnonymousBot; a channel speaking in its discussion group) and
    commands addressed to another bot (`/rise@other_bot 30`), in any chat."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and await self._ignored(event, data):
            return UNHANDLED
        return await handler(event, data)

    @staticmethod
    async def _ignored(update: Update, data: dict[str, Any]) -> bool:
        if update.channel_post is not None or update.edited_channel_post is not None:
            return True
        sender: TelegramUser | None = data.get("event_from_user")
        if sender is not None and sender.is_bot:
            return True
        message = update.message or update.edited_message
        mention = command_mention(message.text or message.caption) if message is not None else None
        if mention is None:
            return False
        bot: Bot = data["bot"]
        our_name = (await bot.me()).username or ""  # getMe once; aiogram caches it
        return mention.lower() != our_name.lower()


class ServicesMiddleware(BaseMiddleware):
    """Outer middleware on every update: `services`, and `user` for a human writing in the private
    chat with the bot (never for a bot, a channel post, a group or a business chat: a users row
    is made and touched by the baker's own private chat only). Also counts the updates being
    handled, so shutdown can let them finish first."""

    def __init__(
        self, services: Services, delivery: DeliveryMiddleware | None = None, default_language: str = "en"
    ) -> None:
        self.services = services
        self.default_language = default_language
        self.delivery = delivery
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def wait_idle(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.in_flight += 1
        self._idle.clear()
        try:
            data["services"] = self.services
            sender = self._baker(event, data)
            telegram_user: TelegramUser | None = data.get("event_from_user")
            if telegram_user is not None:  # a group's reply, say: in the language of who wrote
                set_locale(locale_for(telegram_user.language_code, self.default_language))
            if sender is not None:
                language = locale_for(sender.language_code, self.default_language)
                user = await self.services.users.ensure(sender.id, sender.first_name or "", language)
                data["user"] = user
                set_locale(user.language)  # every text of this update speaks the baker's language
                if self.delivery is not None:
                    self.delivery.unblock(sender.id)  # they wrote to us, so they no longer block us
            return await handler(event, data)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    @staticmethod
    def _baker(event: TelegramObject, data: dict[str, Any]) -> TelegramUser | None:
        """The sender, when a human talks to the bot in their own private chat with it."""
        sender: TelegramUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if sender is None or sender.is_bot or chat is None or not is_private(chat) or chat.id != sender.id:
            return None
        if isinstance(event, Update) and (
            event.business_message or event.edited_business_message or event.deleted_business_messages
        ):
            return None  # a chat of a business account the bot would serve, not the baker's own
        return sender


class CommandLeavesDialog(BaseMiddleware):
    """A command typed in the middle of a dialog is a command, not the dialog's answer: the
    dialog is left and the command runs."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if (
            isinstance(event, Message)
            and state is not None
            and event.text
            and event.text.startswith("/")
            and event.text.split()[0].split("@")[0].lower() not in DIALOG_COMMANDS
            and data.get("raw_state") is not None
        ):
            await state.clear()
            data["raw_state"] = None  # the state filters read this, not the context
        return await handler(event, data)
