"""End-to-end harness: the real aiogram Bot and Dispatcher, long polling over HTTP against the
project's Bot API emulator on 127.0.0.1, a SQLite file in a temp dir (or a PostgreSQL database),
and an injected clock.

Every module runs on SQLite; the modules in POSTGRES_MODULES run on PostgreSQL too (each of
their tests twice, `[sqlite]` and `[postgres]`): a representative subset, so the suite stays
fast. `rows(settings.database_path, ...)` (tests/e2e/helpers.py) reads whichever backend the
test's bot runs on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.config import Settings
from emulator.models import SentMessage
from emulator.server import BotAPIEmulator
from schedules.clock import OffsetClock
from tests.e2e import helpers

# A Tuesday morning in late November: no DST change nearby unless a test moves there.
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# The e2e modules that also run on PostgreSQL (README, "Run it, test it").
POSTGRES_MODULES = frozenset({"test_core", "test_once", "test_reminders"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" in metafunc.fixturenames and module in POSTGRES_MODULES:
        metafunc.parametrize("backend", ["sqlite", "postgres"])


@pytest.fixture
def backend() -> str:
    """SQLite, unless the module is in POSTGRES_MODULES (then both, by pytest_generate_tests)."""
    return "sqlite"


class BotRunner:
    """Starts, stops and restarts the bot on one database file."""

    def __init__(self, emulator: BotAPIEmulator, settings: Settings, clock: OffsetClock) -> None:
        self.emulator = emulator
        self.settings = settings
        self.clock = clock
        self.app: App | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> App:
        app = await build_app(self.settings, self.emulator.token, clock=self.clock, backoff_base_s=0.01)
        started = asyncio.Event()
        app.dispatcher.startup.register(started.set)
        self._task = asyncio.create_task(
            app.dispatcher.start_polling(app.bot, polling_timeout=1, handle_signals=False)
        )
        await asyncio.wait_for(started.wait(), 10)
        self.app = app
        return app

    async def stop(self) -> None:
        if self.app is not None and self._task is not None:
            await self.app.dispatcher.stop_polling()
            await asyncio.wait_for(self._task, 10)
        self.app, self._task = None, None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()

    async def advance(self, delta: timedelta) -> None:
        """Move the bot's clock ahead; due reminders fire now instead of in real minutes."""
        self.clock.advance(delta)
        assert self.app is not None
        await self.app.reminders.resync()


class Baker:
    """One Telegram user talking to the bot."""

    def __init__(self, emulator: BotAPIEmulator, user_id: int, name: str = "Ann") -> None:
        self.emulator = emulator
        self.id = user_id
        self.name = name

    async def send(self, text: str) -> None:
        await self.emulator.send_text(self.id, text, first_name=self.name)

    async def say(self, text: str, timeout: float = 5.0) -> SentMessage:
        """Send a message and return the bot's next message in this chat."""
        await self.send(text)
        return await self.reply(timeout)

    async def reply(self, timeout: float = 5.0) -> SentMessage:
        return await self.emulator.next_message(self.id, timeout=timeout)

    async def tap(self, message: SentMessage, button: str) -> dict[str, Any]:
        """Press a button by its text; returns the bot's callback answer."""
        query_id = await self.emulator.press(self.id, message, button)
        return await self.emulator.callback_answer(query_id)

    async def press_raw(self, message_id: int, data: str) -> dict[str, Any]:
        query_id = await self.emulator.press_button(self.id, message_id, data)
        return await self.emulator.callback_answer(query_id)

    async def quiet(self, within: float = 0.3) -> None:
        await self.emulator.no_message(self.id, within=within)


def make_settings(tmp_path: Path, emulator: BotAPIEmulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bot_token=emulator.token,
        database_path=tmp_path / "bot.sqlite3",
        telegram_api_base=emulator.base_url,
        default_timezone="Europe/Berlin",
        # The bakers of these tests send no language code: British English, 24-hour clock.
        default_language="en_GB",
        rate_limit_global_per_s=0,
        rate_limit_per_chat_per_s=0,
        send_max_retries=3,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emu:
        yield emu


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock.starting_at(START)


@pytest.fixture
def settings(
    tmp_path: Path, emulator: BotAPIEmulator, backend: str, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    if backend == "sqlite":
        yield make_settings(tmp_path, emulator)
        return
    url = request.getfixturevalue("postgres_migrated_url")
    settings = make_settings(tmp_path, emulator, database_url=url)
    helpers.POSTGRES[settings.database_path] = url  # rows(settings.database_path, ...) reads it
    try:
        yield settings
    finally:
        helpers.POSTGRES.pop(settings.database_path, None)


@pytest.fixture
async def runner(
    emulator: BotAPIEmulator, settings: Settings, clock: OffsetClock
) -> AsyncIterator[BotRunner]:
    bot_runner = BotRunner(emulator, settings, clock)
    await bot_runner.start()
    yield bot_runner
    await bot_runner.stop()


@pytest.fixture
def ann(emulator: BotAPIEmulator, runner: BotRunner) -> Baker:
    return Baker(emulator, 1001, "Ann")


@pytest.fixture
def bob(emulator: BotAPIEmulator, runner: BotRunner) -> Baker:
    return Baker(emulator, 2002, "Bob")


def speaker(emulator: BotAPIEmulator, user_id: int, name: str, language_code: str) -> Baker:
    """A baker whose Telegram app is set to `language_code` ("de", "ru", "en-GB", "pt-br")."""
    emulator.set_user(user_id, first_name=name, language_code=language_code)
    return Baker(emulator, user_id, name)


@pytest.fixture
def greta(emulator: BotAPIEmulator, runner: BotRunner) -> Baker:
    return speaker(emulator, 3003, "Greta", "de")


@pytest.fixture
def olga(emulator: BotAPIEmulator, runner: BotRunner) -> Baker:
    return speaker(emulator, 4004, "Olga", "ru")
