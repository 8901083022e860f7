"""Local Telegram Bot API emulator: a faithful offline stand-in for api.telegram.org.

Point a real aiogram ``Bot`` at :attr:`BotAPIEmulator.base_url` (via
``TelegramAPIServer.from_base``) and drive it as users from Python; see
:mod:`emulator.server`.
"""

from .formatting import EntityParseError, FormattedText, format_text
from .media import StoredFile
from .models import ApiError, Button, EmulatorEvent, MessageTimeoutError, SentMessage, Stats
from .server import DEFAULT_TOKEN, BotAPIEmulator

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotAPIEmulator",
    "Button",
    "EmulatorEvent",
    "EntityParseError",
    "FormattedText",
    "MessageTimeoutError",
    "SentMessage",
    "Stats",
    "StoredFile",
    "format_text",
]
