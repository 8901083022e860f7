"""Webhook mode: the emulator POSTs updates to the bot's own HTTP server, as Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import App, build_app
from bot.webhook import SECRET_HEADER, serve
from emulator.server import BotAPIEmulator
from schedules.clock import OffsetClock
from tests.e2e.conftest import START, Baker, make_settings
from tests.e2e.helpers import eventually, rows, snapshot
from tests.replicas import free_port

SECRET = "s3cret-token_for-tests"


class WebhookBot:
    def __init__(self, app: App, url: str, db: Path) -> None:
        self.app, self.url, self.db = app, url, db
        self.base = url.rsplit("/", 1)[0]


@pytest.fixture
async def hooked(tmp_path: Path, emulator: BotAPIEmulator) -> AsyncIterator[WebhookBot]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhook"
    settings = make_settings(
        tmp_path, emulator, webhook_url=url, webhook_secret=SECRET, webhook_port=port,
        webhook_max_connections=12,
    )  # fmt: skip
    app = await build_app(settings, emulator.token, clock=OffsetClock.starting_at(START), backoff_base_s=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(app, url=url, secret=SECRET, host="127.0.0.1", port=port, path="/webhook", stop=stop)
    )
    await eventually(lambda: emulator.webhook_url == url, timeout=10)
    yield WebhookBot(app, url, settings.database_path)
    stop.set()
    await asyncio.wait_for(task, 10)


async def post(url: str, update: dict, secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as response,
    ):
        return response.status


def reading_update(update_id: int, user_id: int, message_id: int, text: str) -> dict:
    person = {"id": user_id, "is_bot": False, "first_name": "Ann"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1_795_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
            "from": person,
            "text": text,
            "entities": [
                {"type": "bot_command", "offset": 0, "length": text.find(" ") if " " in text else len(text)}
            ],
        },
    }


async def test_a_bake_through_the_webhook(hooked: WebhookBot, emulator: BotAPIEmulator) -> None:
    ann = Baker(emulator, 1001)
    assert "Started Loaf" in (await ann.say("/newbake Loaf")).text
    assert "20 %" in (await ann.say("/rise 20")).text  # plausible right after mixing
    assert [r["rise_pct"] for r in rows(hooked.db, "SELECT rise_pct FROM rise_readings")] == [20]
    assert all(status == 200 for status in emulator.webhook_answers)
    assert emulator.webhook_max_connections == 12  # WEBHOOK_MAX_CONNECTIONS, passed to setWebhook
    # Every update the bot answered 200 to is in the inbox (and marked handled).
    await eventually(
        lambda: rows(hooked.db, "SELECT COUNT(*) AS n FROM inbox WHERE done_at IS NULL")[0]["n"] == 0
    )
    assert rows(hooked.db, "SELECT COUNT(*) AS n FROM inbox")[0]["n"] == 2


async def test_a_request_without_the_secret_is_refused_and_changes_nothing(
    hooked: WebhookBot, emulator: BotAPIEmulator
) -> None:
    ann = Baker(emulator, 1001)
    await ann.say("/newbake Loaf")
    before = snapshot(hooked.db)
    forged = reading_update(900_001, 1001, 77, "/rise 99")
    assert await post(hooked.url, forged, None) == 401
    assert await post(hooked.url, forged, "wrong-secret") == 401
    await ann.quiet(within=0.5)
    assert snapshot(hooked.db) == before


async def test_the_same_update_twice_is_handled_once(hooked: WebhookBot, emulator: BotAPIEmulator) -> None:
    ann = Baker(emulator, 1001)
    await ann.say("/newbake Loaf")
    update = reading_update(900_002, 1001, 78, "/rise 25")  # plausible right after mixing
    assert await post(hooked.url, update, SECRET) == 200
    assert await post(hooked.url, update, SECRET) == 200  # Telegram retried: answered, not redone
    reply = await ann.reply()
    assert "25 %" in reply.text
    await ann.quiet(within=0.5)
    assert [r["rise_pct"] for r in rows(hooked.db, "SELECT rise_pct FROM rise_readings")] == [25]


async def test_healthz_follows_the_database(hooked: WebhookBot) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{hooked.base}/healthz") as response:
            assert response.status == 200
        await hooked.app.database.close()
        async with session.get(f"{hooked.base}/healthz") as response:
            assert response.status == 503
    await hooked.app.database.open()  # for the fixture's shutdown


async def test_garbage_is_refused(hooked: WebhookBot) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {SECRET_HEADER: SECRET}
        async with session.post(hooked.url, data=b"not json", headers=headers) as response:
            assert response.status == 400
