"""Where the sandbox listens, and what `python -m bot` without BOT_TOKEN prints."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.__main__ import parser
from bot.config import Settings
from emulator.sandbox import Sandbox
from tests.sandbox.conftest import start_sandbox


def test_default_host_is_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SANDBOX_HOST", "SANDBOX_PORT", "BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sandbox_host == "127.0.0.1"
    assert (settings.sandbox_port, settings.sandbox_database_path) == (8080, Path("data/sandbox.sqlite3"))
    assert Sandbox(settings).host == "127.0.0.1"
    assert Sandbox(settings, host=None, port=None).port == 8080  # no --host/--port: the settings
    args = parser().parse_args(["sandbox"])
    assert (args.host, args.port) == (None, None)


async def test_listens_on_127_0_0_1_only(settings: Settings) -> None:
    async with start_sandbox(settings) as sandbox:
        addresses = sandbox.bound_addresses
        assert [address[0] for address in addresses] == ["127.0.0.1"]
        assert sandbox.url == f"http://127.0.0.1:{addresses[0][1]}"


async def test_python_m_bot_without_token_prints_one_line_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "SANDBOX_HOST", "LOG_LEVEL")}
    env.update(SANDBOX_PORT="0", SANDBOX_DATABASE_PATH=str(tmp_path / "sandbox.sqlite3"),
               DATABASE_PATH=str(tmp_path / "real.sqlite3"), PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        # Against a hang only (the start takes seconds; on busy cores, many more).
        line = (await asyncio.wait_for(process.stdout.readline(), 90)).decode().strip()
        assert line.startswith("http://127.0.0.1:"), line
        async with aiohttp.ClientSession() as http, http.get(line) as response:
            assert response.status == 200 and "app.js" in await response.text()
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == ""  # the address was the one and only line on stdout
    assert "ERROR" not in err.decode() and "Traceback" not in err.decode()  # quiet by default
    assert (tmp_path / "sandbox.sqlite3").exists() and not (tmp_path / "real.sqlite3").exists()
