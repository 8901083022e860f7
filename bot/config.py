"""Settings from the environment or `.env` (every one is documented in `.env.example`)."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Telegram tokens look like "123456789:AA...": a numeric bot id, a colon, 30+ url-safe chars.
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_path: Path = Path("data/sourdough.sqlite3")
    telegram_api_base: str | None = None
    default_timezone: str = "UTC"
    log_level: str = "INFO"

    # Delivery: Telegram's published limits (about 30 messages/s overall, 1/s per chat).
    rate_limit_global_per_s: float = Field(30.0, ge=0)
    rate_limit_per_chat_per_s: float = Field(1.0, ge=0)
    send_max_retries: int = Field(5, ge=0, le=20)

    # Reminders.
    reminder_grace_hours: float = Field(6.0, ge=0)
    scheduler_horizon_minutes: float = Field(60.0, gt=0)

    # Sandbox (local chat page against the built-in Bot API emulator).
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(8080, ge=0, le=65535)
    sandbox_database_path: Path = Path("data/sandbox.sqlite3")

    # History.
    import_max_bytes: int = Field(5 * 1024 * 1024, gt=0)

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (try Europe/Berlin or UTC)") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level


class ConfigError(Exception):
    """A setting is missing or wrong; the message is safe to print (it never holds the token)."""


def validated_token(settings: Settings) -> str:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise ConfigError(
            "BOT_TOKEN is not set: put it in .env or the environment "
            "(get one from @BotFather), or run `python -m bot sandbox` to try the bot offline."
        )
    token = settings.bot_token.get_secret_value().strip()
    if not TOKEN_PATTERN.match(token):
        raise ConfigError(
            "BOT_TOKEN is malformed: expected the form 123456789:AAExampleTokenFromBotFather..."
        )
    return token
