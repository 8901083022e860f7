"""Settings from the environment or `.env` (every one is documented in `.env.example`)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram.utils.token import TokenValidationError, extract_bot_id
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def postgres_url_problem(url: str) -> str | None:
    """What is wrong with a DATABASE_URL (None if nothing): said without repeating the URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "DATABASE_URL is not a valid URL (expected postgresql://user:password@host:5432/db)"
    if parts.scheme not in ("postgresql", "postgres"):
        return "DATABASE_URL must start with postgresql:// (e.g. postgresql://user:password@host:5432/db)"
    if not parts.path.strip("/"):
        return "DATABASE_URL must name the database (postgresql://user:password@host:5432/db)"
    return None


def database_label(settings: Settings) -> str:
    """Which database the bot uses, for the log: the file, or the URL without its password."""
    if settings.database_url is None:
        return str(settings.database_path)
    parts = urlsplit(settings.database_url.get_secret_value())
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    query = [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/:*")))


class Settings(BaseSettings):
    # hide_input_in_errors: a rejected value (a token, a DATABASE_URL with its password) never
    # appears in a validation error's text.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    bot_token: SecretStr | None = None
    database_path: Path = Path("data/sourdough.sqlite3")
    # PostgreSQL instead of the SQLite file (a secret: it may hold the password), e.g.
    # postgresql://bot:pw@db.example:5432/sourdough or postgresql://bot@/sourdough?host=/run/postgresql
    database_url: SecretStr | None = None
    database_pool_size: int = Field(4, ge=1, le=64)  # PostgreSQL connections (one per DB thread)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        url = "" if value is None else value.get_secret_value().strip()
        if not url:
            return None
        problem = postgres_url_problem(url)
        if problem:
            raise ValueError(problem)  # never the URL itself: it may hold the password
        return SecretStr(url)

    telegram_api_base: str | None = None
    default_timezone: str = "UTC"
    # The language (and formats) of a baker whose Telegram app sends no language code.
    default_language: str = "en"
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

    # Webhook mode: with WEBHOOK_URL set, `python -m bot run` serves Telegram's webhook instead of
    # polling (behind a reverse proxy with TLS; Telegram posts to WEBHOOK_URL).
    webhook_url: str | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(8081, ge=0, le=65535)
    webhook_path: str = "/webhook"
    webhook_secret: SecretStr | None = None
    # How many webhook requests Telegram may have open at once (setWebhook's max_connections,
    # 1-100). Telegram posts one update of a chat at a time whatever this is.
    webhook_max_connections: int = Field(40, ge=1, le=100)

    # Replicas (webhook mode on PostgreSQL: several processes behind one load balancer). How often
    # a replica checks for the pacer lease (the one replica that sends reminders), the pacer looks
    # for due reminders set on other replicas, and replicas look for updates a dead replica left
    # unfinished; and how long a claimed reminder is held before another replica may take it over.
    replica_poll_seconds: float = Field(2.0, gt=0, le=300)
    reminder_claim_seconds: float = Field(120.0, gt=0)

    # Tests only: a file holding a number of seconds the bot's clock runs ahead of real time,
    # followed while the bot runs (a subprocess's injected clock; tests/e2e/test_replicas.py).
    clock_offset_file: Path | None = None

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("WEBHOOK_URL must be an https:// address Telegram can reach")
        return value or None

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or value.rstrip("/") in ("", "/healthz"):
            raise ValueError("WEBHOOK_PATH must start with / and not be / or /healthz")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from bot.i18n import LANGUAGES

        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r} (one of {', '.join(LANGUAGES)})")
        return value

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


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends with every webhook request; webhook mode refuses to run without it."""
    if settings.webhook_secret is None:
        raise ConfigError(
            "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set a random secret "
            "(e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
        )
    return settings.webhook_secret.get_secret_value()


def validated_token(settings: Settings) -> str:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise ConfigError(
            "BOT_TOKEN is not set: put it in .env or the environment "
            "(get one from @BotFather), or run `python -m bot sandbox` to try the bot offline."
        )
    token = settings.bot_token.get_secret_value().strip()
    # aiogram's own check (a numeric bot id, a colon, a secret without spaces), so any token
    # aiogram can use is accepted, from @BotFather, a self-hosted or a test Bot API server.
    # The bot id must also be a number aiogram can read. The message never quotes the token.
    try:
        extract_bot_id(token)  # validate_token, then the id as an int
    except (TokenValidationError, ValueError):
        raise ConfigError(
            "BOT_TOKEN is malformed: expected the form 123456789:AAExampleTokenFromBotFather..."
        ) from None
    return token
