"""The sandbox restarts on its own files: the chat history, the files and the clock come back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.config import Settings
from emulator.sandbox import ChatStore, chat_history_path
from tests.sandbox.conftest import ANN, BOB, history, say, start_sandbox, wait_history


def test_history_file_sits_next_to_the_sandbox_database() -> None:
    assert chat_history_path(Path("data/sandbox.sqlite3")) == Path("data/sandbox-chat.sqlite3")
    assert chat_history_path(Path("/x/y/db")) == Path("/x/y/db-chat.sqlite3")


async def test_restart_keeps_history_clock_and_old_buttons(settings: Settings, tmp_path: Path) -> None:
    async with start_sandbox(settings) as sandbox, aiohttp.ClientSession(sandbox.url) as http:
        await say(http, ANN, "/newbake Restart loaf", "Started Restart loaf")
        await say(http, BOB, "/help", "/newbake")
        asked = await say(http, ANN, "/fridge", "How long in the fridge?")
        async with http.post("/api/clock/advance", json={"minutes": 90}) as response:
            assert response.status == 200
        before_ann, before_bob = await history(http, ANN), await history(http, BOB)
        port = sandbox.emulator.port  # type: ignore[union-attr]
    assert not settings.database_path.exists()  # the real database is never touched
    assert settings.sandbox_database_path.exists()
    assert chat_history_path(settings.sandbox_database_path).exists()

    restarted = settings.model_copy(update={"sandbox_port": port})
    async with start_sandbox(restarted) as sandbox, aiohttp.ClientSession(sandbox.url) as http:
        assert await history(http, ANN) == before_ann
        assert await history(http, BOB) == before_bob
        async with http.get("/api/clock", params={"user": str(ANN)}) as response:
            clock = await response.json()
        assert 90 * 60 <= clock["offset_s"] <= 90 * 60 + 60
        assert sandbox.clock is not None and sandbox.clock.offset >= timedelta(minutes=90)

        # A button sent before the restart still works; the bot edits that old message.
        question = asked[-1]
        data = next(b["data"] for row in question["buttons"] for b in row if "16 h" in b["text"])
        press = {"user": ANN, "message_id": question["id"], "data": data}
        async with http.post("/api/press", json=press) as response:
            assert response.status == 200, await response.text()
        messages = await wait_history(http, ANN, lambda ms: "in the fridge until" in ms[-1]["text"])
        edited = next(m for m in messages if m["id"] == question["id"])
        assert edited["edited"] and "buttons" not in edited

        # New messages continue the numbering instead of reusing old ids.
        old_ids = {m["id"] for m in before_ann}
        assert all(m["id"] not in old_ids for m in messages[len(before_ann):])
        assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)

        # The bake itself survived too: it lives in the sandbox database.
        await say(http, ANN, "/status", "Restart loaf")


async def test_unreadable_history_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-chat.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = ChatStore(path).open()
    try:
        assert store.history(ANN) == [] and store.clock_offset == timedelta(0)
    finally:
        store.close()
    assert (tmp_path / "sandbox-chat.sqlite3.broken").exists()
