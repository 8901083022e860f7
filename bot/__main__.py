"""Command line: `python -m bot` runs the bot; see `python -m bot --help`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.config import ConfigError, Settings, validated_token

EXIT_CONFIG = 2


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bot",
        description="Sourdough bake tracker for Telegram. Settings come from the environment or "
        ".env (see .env.example): BOT_TOKEN, DATABASE_PATH, TELEGRAM_API_BASE, DEFAULT_TIMEZONE, "
        "DEFAULT_LANGUAGE, "
        "LOG_LEVEL, and more.",
    )
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        help="run the bot against Telegram (the default when BOT_TOKEN is set): long polling, "
        "or a webhook server when WEBHOOK_URL is set",
    )
    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot offline: a local chat page against the built-in Bot API emulator "
        "(the default when BOT_TOKEN is not set)",
    )
    sandbox.add_argument("--host", help="address to listen on (default SANDBOX_HOST, 127.0.0.1)")
    sandbox.add_argument("--port", type=int, help="port (default SANDBOX_PORT, 8080)")
    backup = commands.add_parser("backup", help="write a consistent copy of the database while the bot runs")
    backup.add_argument("path", type=Path, help="where to write the copy")
    export = commands.add_parser("export", help="write one user's history to stdout")
    export.add_argument("--user", type=int, required=True, help="the Telegram user id")
    export.add_argument("--format", choices=["csv", "json"], default="json")
    return main


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"bad setting: {problems}") from None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        command = args.command or ("run" if settings.bot_token else "sandbox")
        if command == "run":
            token = validated_token(settings)
            from bot.runner import run_bot

            return asyncio.run(run_bot(settings, token))
        if command == "sandbox":
            from bot.runner import run_sandbox

            return asyncio.run(
                run_sandbox(settings, host=args.__dict__.get("host"), port=args.__dict__.get("port"))
            )
        if command == "backup":
            from storage.backup import BackupError, backup_database

            if settings.database_url is not None:
                return fail(
                    "`backup` copies the SQLite file; on PostgreSQL (DATABASE_URL) back up with "
                    "pg_dump, e.g. pg_dump --format=custom --file=sourdough.dump DBNAME"
                )
            try:
                asyncio.run(backup_database(settings.database_path, args.path))
            except BackupError as exc:
                return fail(str(exc))
            print(f"backup written to {args.path}", file=sys.stderr)
            return 0
        if command == "export":
            from storage.export import ExportError, write_export

            source = settings.database_url.get_secret_value() if settings.database_url else None
            if source is None and not settings.database_path.exists():
                return fail(f"no database at {settings.database_path}")
            try:
                asyncio.run(
                    write_export(
                        source or settings.database_path,
                        args.user,
                        args.format,
                        sys.stdout.buffer,
                        default_timezone=settings.default_timezone,
                    )
                )
            except ExportError as exc:
                return fail(str(exc))
            return 0
    except ConfigError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
