"""Fixtures: a running emulator, a real aiogram Bot pointed at it, and Dispatcher polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from emulator import BotAPIEmulator


class FastCloseSession(AiohttpSession):
    """AiohttpSession.close() sleeps 250 ms for SSL shutdown; plain HTTP does not need it."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(emulator: BotAPIEmulator, token: str | None = None) -> Bot:
    api = TelegramAPIServer.from_base(emulator.base_url)
    return Bot(token or emulator.token, session=FastCloseSession(api=api))


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as running:
        yield running


@pytest.fixture
async def bot(emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    created = make_bot(emulator)
    yield created
    await created.session.close()


StartPolling = Callable[[Dispatcher], Awaitable[None]]


@pytest.fixture
async def start_polling(bot: Bot) -> AsyncIterator[StartPolling]:
    """`await start_polling(dp)` runs long polling until the test ends.

    Teardown uses ``dp.stop_polling()``: cancelling the ``start_polling`` task instead would
    leave aiogram's inner polling task running (aiogram 3.31 only cancels it on a stop signal).
    """
    runs: list[tuple[Dispatcher, asyncio.Task[None]]] = []

    async def start(dispatcher: Dispatcher) -> None:
        started = asyncio.Event()

        async def mark_started() -> None:
            started.set()

        dispatcher.startup.register(mark_started)
        task = asyncio.create_task(
            dispatcher.start_polling(
                bot, handle_signals=False, close_bot_session=False, polling_timeout=5
            )
        )
        runs.append((dispatcher, task))
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiter}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            task.result()  # polling failed to start: show why

    yield start
    for dispatcher, task in runs:
        if not task.done():
            await dispatcher.stop_polling()
        await task
