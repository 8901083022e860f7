"""The command line: clear one-line errors with exit status 2, and the token never shown."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logging_setup import RedactToken

REPO = Path(__file__).resolve().parents[2]
SECRET = "123456789:AAsecretSECRETsecretSECRETsecret_xyz"


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd or REPO,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        # Against a hang only: a few seconds alone, but one run took 60 s while three tests
        # started the bot at once on 2 busy cores (mostly importing aiogram).
        timeout=180,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "not-a-token-" + SECRET[-8:]}, "BOT_TOKEN is malformed"),
        ({"BOT_TOKEN": SECRET, "DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"BOT_TOKEN": SECRET, "WEBHOOK_MAX_CONNECTIONS": "101"}, "WEBHOOK_MAX_CONNECTIONS"),
    ],
)
def test_bad_settings_end_with_one_clear_line_and_status_2(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = run_cli("run", env={"DATABASE_PATH": str(tmp_path / "db.sqlite3"), **env}, cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert SECRET not in result.stderr + result.stdout
    assert SECRET[-8:] not in result.stderr


def test_unwritable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli(
        "run", env={"BOT_TOKEN": SECRET, "DATABASE_PATH": str(blocker / "db.sqlite3")}, cwd=tmp_path
    )
    assert result.returncode == 2 and "cannot" in result.stderr and "Traceback" not in result.stderr
    assert SECRET not in result.stderr


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "sandbox", "backup", "export"):
        assert command in result.stdout


def test_the_token_is_redacted_from_any_log_record() -> None:
    record = logging.LogRecord(
        "aiohttp",
        logging.ERROR,
        __file__,
        1,
        "cannot reach https://api.telegram.org/bot%s/getMe",
        (SECRET,),
        None,
    )
    RedactToken(SECRET).filter(record)
    assert SECRET not in record.getMessage() and "<BOT_TOKEN>" in record.getMessage()
    try:
        raise RuntimeError(f"url /bot{SECRET}/sendMessage")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactToken(SECRET).filter(record)
    formatted = logging.Formatter().format(record)
    assert SECRET not in formatted and "<BOT_TOKEN>" in formatted


def test_export_and_backup_commands(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime

    from storage.database import Database
    from storage.repository import SqliteRepository

    db = tmp_path / "bot.sqlite3"

    def rows(q: SqliteRepository) -> None:
        q.upsert_user(5, 5, "Eve", datetime(2026, 11, 1, tzinfo=UTC))
        q.create_bake(5, "CLI loaf", datetime(2026, 11, 1, 9, tzinfo=UTC))

    async def seed() -> None:
        database = await Database(db).open()
        await database.write(rows)
        await database.close()

    asyncio.run(seed())
    env = {"DATABASE_PATH": str(db)}
    exported = run_cli("export", "--user", "5", "--format", "json", env=env, cwd=tmp_path)
    assert exported.returncode == 0 and '"CLI loaf"' in exported.stdout
    assert run_cli("export", "--user", "6", "--format", "csv", env=env, cwd=tmp_path).stdout.count("\n") == 1
    backup = tmp_path / "backups" / "copy.sqlite3"
    result = run_cli("backup", str(backup), env=env, cwd=tmp_path)
    assert result.returncode == 0 and backup.exists()
    refused = run_cli("backup", str(db), env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


# ---------------------------------------------------------------- the token check is aiogram's


@pytest.mark.parametrize(
    "token",
    [
        SECRET,
        "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz0123",  # the emulator's
        "1:local",  # a self-hosted or test Bot API server's short form
        "42:abc.def~ghi",
    ],
)
def test_every_token_aiogram_accepts_is_accepted(token: str) -> None:
    from bot.config import Settings, validated_token

    assert validated_token(Settings(_env_file=None, bot_token=token)) == token  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token-" + SECRET[-8:],
        "abc:" + SECRET[-8:],
        "123:",
        ":" + SECRET[-8:],
        "12 3:" + SECRET[-8:],
        "123:" + SECRET[-8:] + " x",
        "9" * 5000 + ":" + SECRET[-8:],
    ],
)
def test_a_malformed_token_is_refused_without_being_quoted(token: str) -> None:
    from bot.config import ConfigError, Settings, validated_token

    with pytest.raises(ConfigError) as caught:
        validated_token(Settings(_env_file=None, bot_token=token))  # type: ignore[call-arg]
    message = str(caught.value)
    assert "BOT_TOKEN is malformed" in message and len(message.splitlines()) == 1
    assert SECRET[-8:] not in message and "9999" not in message


def test_a_malformed_token_ends_the_program_with_status_2_and_one_line(tmp_path: Path) -> None:
    token = "123:" + SECRET[-8:] + " with spaces"
    env = {"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "BOT_TOKEN": token}
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "BOT_TOKEN is malformed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert SECRET[-8:] not in result.stderr + result.stdout
