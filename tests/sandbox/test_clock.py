"""Time travel through the page's API, and the per-chat event stream (a fresh sandbox each)."""

from __future__ import annotations

import aiohttp

from emulator.sandbox import Sandbox
from tests.sandbox.conftest import ANN, BOB, history, say, wait_history
from tests.sandbox.test_api import expect_error, still_answers


async def test_clock_moves_ahead_and_next_reminder(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.post("/api/clock/advance", json={"to": "next", "user": ANN}) as response:
        await expect_error(response, 409, "no reminder")
    async with http.post("/api/clock/advance", json={"minutes": 15}) as response:
        assert response.status == 200
        result = await response.json()
    assert result["advanced_s"] == 900 and result["clock"]["offset_s"] == 900
    await say(http, ANN, "/timer 45m stretch", "")
    async with http.get("/api/clock", params={"user": str(ANN)}) as response:
        clock = await response.json()
    assert clock["next_due_ms"] is not None
    assert 44 * 60_000 < clock["next_due_ms"] - clock["now_ms"] <= 45 * 60_000 + 1000
    before = len(await history(http, ANN))
    async with http.post("/api/clock/advance", json={"to": "next", "user": ANN}) as response:
        assert response.status == 200
        result = await response.json()
    assert 44 * 60 <= result["advanced_s"] <= 45 * 60 + 2
    messages = await wait_history(http, ANN, lambda ms: len(ms) > before)
    assert "stretch" in messages[-1]["text"]
    assert sandbox.store is not None and sandbox.store.clock_offset.total_seconds() >= 900 + 44 * 60


async def test_events_stream_one_chat(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get("/api/events", params={"user": str(ANN)}) as stream:
        assert stream.status == 200 and stream.content_type == "text/event-stream"
        assert await stream.content.readline() == b"retry: 1000\n"
        await say(http, BOB, "bob's private words", "")  # someone else's chat: not in Ann's stream
        await say(http, ANN, "/help", "")
        seen: list[str] = []
        while not any('"side": "bot"' in line for line in seen):
            line = (await stream.content.readline()).decode()
            if line.startswith("data:") and line.strip() != "data: {}":  # {}: the hello event
                seen.append(line)
        assert '"text": "/help"' in seen[0]
        assert not any("private words" in line for line in seen)
    await still_answers(http)


async def test_next_reminder_is_the_chatting_users_own(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    await say(http, BOB, "/timer 30m bob's shaping", "")

    async def next_due(user: int) -> int | None:
        async with http.get("/api/clock", params={"user": str(user)}) as response:
            assert response.status == 200
            due: int | None = (await response.json())["next_due_ms"]
            return due

    assert await next_due(BOB) is not None
    assert await next_due(ANN) is None  # Bob's timer is not Ann's next reminder
    async with http.post("/api/clock/advance", json={"to": "next", "user": ANN}) as response:
        await expect_error(response, 409, "no reminder is pending for user 1001")
    async with http.post("/api/clock/advance", json={"minutes": 15, "user": ANN}) as response:
        assert (await response.json())["clock"]["next_due_ms"] is None
    async with http.post("/api/clock/advance", json={"minutes": 1, "user": BOB}) as response:
        assert (await response.json())["clock"]["next_due_ms"] is not None
    await say(http, ANN, "/timer 2h ann's bake", "")
    ann_due, bob_due = await next_due(ANN), await next_due(BOB)
    assert ann_due is not None and bob_due is not None and ann_due - bob_due > 60 * 60_000
