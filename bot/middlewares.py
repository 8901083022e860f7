"""Middlewares: hand every handler the services and the baker, and let any command leave a
dialog the baker walked away from."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject
from aiogram.types import User as TelegramUser

from bot.delivery import DeliveryMiddleware
from schedules.services import Services

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Commands that belong to a dialog and must not end it.
DIALOG_COMMANDS = frozenset({"/cancel"})


class ServicesMiddleware(BaseMiddleware):
    """Outer middleware on every update: `services`, and `user` for a human sender. Also counts
    the updates being handled, so shutdown can let them finish first."""

    def __init__(self, services: Services, delivery: DeliveryMiddleware | None = None) -> None:
        self.services = services
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
            sender: TelegramUser | None = data.get("event_from_user")
            if sender is not None and not sender.is_bot:
                data["user"] = await self.services.users.ensure(sender.id, sender.first_name or "")
                if self.delivery is not None:
                    self.delivery.unblock(sender.id)  # they wrote to us, so they no longer block us
            return await handler(event, data)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()


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
