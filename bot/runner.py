"""Running the bot for real, or in the offline sandbox."""

from __future__ import annotations

import logging

from bot.app import build_app, run
from bot.config import ConfigError, Settings
from bot.logging_setup import setup_logging
from storage.database import StorageError

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, token: str) -> int:
    setup_logging(settings.log_level, token)
    try:
        app = await build_app(settings, token)
    except StorageError as exc:
        raise ConfigError(str(exc)) from None
    log.info("starting; database %s", settings.database_path)
    await run(app)
    return 0


async def run_sandbox(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    raise ConfigError(
        "BOT_TOKEN is not set: put it in .env or the environment (get one from @BotFather)."
    )
