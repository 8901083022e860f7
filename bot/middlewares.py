"""Middlewares: hand every handler the domain service and the baker's row, and let any
command leave a dialog the baker walked away from."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject, User

from bot.delivery import DeliveryMiddleware
from schedules.service import BakeService

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Commands that belong to a dialog and must not end it.
DIALOG_COMMANDS = frozenset({"/cancel"})


class ServicesMiddleware(BaseMiddleware):
    """Also counts the updates being handled, so shutdown can let them finish first."""

    def __init__(self, service: BakeService, delivery: DeliveryMiddleware | None = None) -> None:
        self.service = service
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
            return await self._handle(handler, event, data)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def _handle(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["service"] = self.service
        sender: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if sender is not None and not sender.is_bot:
            chat_id = chat.id if chat is not None else sender.id
            data["user"] = await self.service.ensure_user(sender.id, chat_id, sender.first_name or "")
            if self.delivery is not None:
                self.delivery.unblock(chat_id)  # they wrote to us, so they no longer block us
        return await handler(event, data)


class CommandLeavesDialog(BaseMiddleware):
    """A command typed in the middle of a dialog starts afresh instead of being read as input."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if (
            isinstance(event, Message)
            and state is not None
            and event.text
            and event.text.startswith("/")
            and event.text.split()[0].split("@")[0].lower() not in DIALOG_COMMANDS
            and await state.get_state() is not None
        ):
            await state.clear()
            data["raw_state"] = None  # the state filters read this, not the context
        return await handler(event, data)
