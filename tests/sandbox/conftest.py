"""The offline sandbox, started in-process on 127.0.0.1 with a free port and temp files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from emulator.sandbox import Sandbox

ANN, BOB = 1001, 2002
IMPORT_LIMIT = 64 * 1024


def sandbox_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bot_token=None,
        database_path=tmp_path / "real.sqlite3",
        sandbox_database_path=tmp_path / "sandbox.sqlite3",
        sandbox_host="127.0.0.1",
        sandbox_port=0,
        default_timezone="Europe/Berlin",
        rate_limit_global_per_s=0,
        rate_limit_per_chat_per_s=0,
        send_max_retries=2,
        import_max_bytes=IMPORT_LIMIT,
        log_level="WARNING",
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def start_sandbox(settings: Settings) -> Sandbox:
    return Sandbox(settings, polling_timeout=1, backoff_base_s=0.01)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return sandbox_settings(tmp_path)


@pytest.fixture
async def sandbox(settings: Settings) -> AsyncIterator[Sandbox]:
    async with start_sandbox(settings) as running:
        yield running


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(sandbox.url) as session:
        yield session


async def history(http: aiohttp.ClientSession, user: int) -> list[dict[str, Any]]:
    async with http.get("/api/history", params={"user": str(user)}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["messages"]


Messages = list[dict[str, Any]]


async def wait_history(
    http: aiohttp.ClientSession, user: int, check: Callable[[Messages], bool], timeout: float = 5.0
) -> Messages:
    """Poll the page's history until `check` holds (the bot answers asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        messages = await history(http, user)
        if check(messages):
            return messages
        if asyncio.get_running_loop().time() > deadline:
            texts = [m["text"][:60] for m in messages]
            raise AssertionError(f"history of {user} never matched; last: {texts}")
        await asyncio.sleep(0.05)


async def say(http: aiohttp.ClientSession, user: int, text: str, expect: str) -> list[dict[str, Any]]:
    """Send `text` as `user` and wait for a bot message containing `expect`."""
    async with http.post("/api/send", json={"user": user, "text": text}) as response:
        assert response.status == 200, await response.text()
        sent = (await response.json())["message"]["id"]
    return await wait_history(
        http, user, lambda ms: any(m["side"] == "bot" and m["id"] > sent and expect in m["text"] for m in ms)
    )
