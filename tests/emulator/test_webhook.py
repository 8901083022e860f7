"""Webhook delivery as Telegram's Bot API server does it: up to `max_connections` POSTs at once,
one update of a chat at a time and in order, a failing update retried while other chats go on.

The receiving side is a small aiohttp server on 127.0.0.1 that notes what arrives, how many
requests are open at once (in all and per chat), and holds or refuses requests as a test asks.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web

from emulator import BotAPIEmulator
from emulator.webhook import DEFAULT_MAX_CONNECTIONS, RETRY_PAUSE_S, webhook_queue
from tests.e2e.helpers import eventually

Hold = Callable[[dict[str, Any]], Awaitable[None]]


def label(update: dict[str, Any]) -> str:
    """The text of a message update, or `cb:DATA` for a button press."""
    if "callback_query" in update:
        return f"cb:{update['callback_query']['data']}"
    return str(update["message"]["text"])


def chat_of(update: dict[str, Any]) -> int:
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    return int(update["message"]["chat"]["id"])


class Receiver:
    """The bot's side of the webhook, as the tests need it."""

    def __init__(self) -> None:
        self.arrived: list[str] = []  # every attempt, in the order they came in
        self.accepted: list[str] = []  # the ones answered 200
        self.open = 0
        self.peak = 0
        self.open_by_chat: Counter[int] = Counter()
        self.peak_by_chat: Counter[int] = Counter()
        self.hold: Hold | None = None
        self.refuse: Callable[[str], bool] = lambda text: False
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    def hold_all(self) -> asyncio.Event:
        """Every POST waits, unanswered, until the returned event is set."""
        release = asyncio.Event()

        async def hold(update: dict[str, Any]) -> None:
            await release.wait()

        self.hold = hold
        return release

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def receive(self, request: web.Request) -> web.Response:
        update = await request.json()
        text, chat = label(update), chat_of(update)
        self.arrived.append(text)
        self.open += 1
        self.peak = max(self.peak, self.open)
        self.open_by_chat[chat] += 1
        self.peak_by_chat[chat] = max(self.peak_by_chat[chat], self.open_by_chat[chat])
        try:
            if self.hold is not None:
                await self.hold(update)
            if self.refuse(text):
                return web.Response(status=500, text="not now")
            self.accepted.append(text)
            return web.Response(text="ok")
        finally:
            self.open -= 1
            self.open_by_chat[chat] -= 1


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.stop()


async def hooked(bot: Bot, emulator: BotAPIEmulator, receiver: Receiver, **options: Any) -> None:
    assert await bot.set_webhook(receiver.url, **options)
    assert emulator.webhook_url == receiver.url


async def test_up_to_max_connections_posts_at_once(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    release = receiver.hold_all()
    await hooked(bot, emulator, receiver, max_connections=4)
    for user in range(1, 11):
        await emulator.send_text(user, f"hello {user}")
    await eventually(lambda: receiver.open == 4)
    await asyncio.sleep(0.05)  # time for a fifth POST, if the limit let one through
    assert receiver.open == 4
    assert emulator.pending_updates == 10
    release.set()
    await eventually(lambda: len(receiver.accepted) == 10)
    assert receiver.peak == emulator.webhook_peak == 4
    assert sorted(receiver.accepted) == sorted(f"hello {user}" for user in range(1, 11))
    await eventually(lambda: emulator.pending_updates == 0)


async def test_max_connections_defaults_to_40_like_telegram(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    release = receiver.hold_all()
    await hooked(bot, emulator, receiver)
    info = await bot.get_webhook_info()
    assert info.max_connections == DEFAULT_MAX_CONNECTIONS == 40
    for user in range(1, 51):
        await emulator.send_text(user, f"hi {user}")
    await eventually(lambda: receiver.open == 40)
    release.set()
    await eventually(lambda: len(receiver.accepted) == 50)
    assert receiver.peak == 40


@pytest.mark.parametrize(("asked", "kept"), [(0, 1), (1, 1), (100, 100), (1000, 100)])
async def test_max_connections_out_of_range_is_clamped(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver, asked: int, kept: int
) -> None:
    await hooked(bot, emulator, receiver, max_connections=asked)
    assert (await bot.get_webhook_info()).max_connections == kept


async def test_one_chat_in_order_one_at_a_time_chats_side_by_side(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    chats = [101, 102, 103]
    firsts_in = asyncio.Event()

    async def hold(update: dict[str, Any]) -> None:
        # The first update of each chat waits for the others: all three chats are in flight at once.
        if label(update).endswith(" 0"):
            if sum(1 for text in receiver.arrived if text.endswith(" 0")) == len(chats):
                firsts_in.set()
            await asyncio.wait_for(firsts_in.wait(), 5)
        else:
            await asyncio.sleep(0.002 * (chat_of(update) % 3))  # answers at different paces

    receiver.hold = hold
    await hooked(bot, emulator, receiver, max_connections=10)
    for n in range(6):  # back to back, each chat's six before any is answered
        for chat in chats:
            await emulator.send_text(chat, f"{chat} {n}")
    await eventually(lambda: len(receiver.accepted) == 18)
    for chat in chats:
        assert [t for t in receiver.arrived if t.startswith(f"{chat} ")] == [f"{chat} {n}" for n in range(6)]
        assert receiver.peak_by_chat[chat] == 1  # never two updates of one chat at once
    assert receiver.peak == len(chats)
    assert emulator.stats.updates_confirmed == 18


async def test_a_users_button_presses_have_a_queue_of_their_own(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    """As on Telegram's server: a chat's messages are one queue, a user's button presses another."""
    release = asyncio.Event()

    async def hold(update: dict[str, Any]) -> None:
        if label(update) == "first":
            await release.wait()

    receiver.hold = hold
    await hooked(bot, emulator, receiver)
    await emulator.send_text(7, "first")
    await emulator.send_text(7, "second")
    ann = {"id": 7, "is_bot": False, "first_name": "Ann"}
    press = {"id": "q1", "from": ann, "chat_instance": "c7", "data": "x"}
    await emulator.send_update({"callback_query": press})
    await eventually(lambda: "cb:x" in receiver.accepted)
    assert sorted(receiver.arrived) == ["cb:x", "first"]  # "second" waits for "first", the press does not
    release.set()
    await eventually(lambda: receiver.accepted == ["cb:x", "first", "second"])
    message = {"update_id": 1, "message": {"chat": {"id": 7}, "text": "t"}}
    assert webhook_queue(message) != webhook_queue({"update_id": 2, "callback_query": press})


async def test_a_failing_update_is_retried_and_holds_back_only_its_chat(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    # Ann's first update is refused (500) until every update of Bob's is through: were Bob's
    # held back by it, neither would ever be done.
    receiver.refuse = lambda text: text == "ann 1" and receiver.accepted.count("bob 3") == 0
    await hooked(bot, emulator, receiver)
    for text in ("ann 1", "ann 2", "bob 1", "bob 2", "bob 3"):
        await emulator.send_text(1 if text.startswith("ann") else 2, text)
    await eventually(lambda: len(receiver.accepted) == 5, timeout=5)
    assert [t for t in receiver.accepted if t.startswith("bob")] == ["bob 1", "bob 2", "bob 3"]
    refused = receiver.arrived.count("ann 1") - 1
    assert refused >= 1 and emulator.webhook_answers.count(500) == refused
    # Ann's second update only once her first was through: her chat stays in order.
    assert [t for t in receiver.arrived if t.startswith("ann")] == ["ann 1"] * (refused + 1) + ["ann 2"]
    await eventually(lambda: emulator.pending_updates == 0)


async def test_chats_stuck_behind_failures_fill_the_window_and_others_wait(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    """With max_connections=1 the server looks at the updates of 2 chats: when both are failing,
    a third chat's update waits until one of them gets through (as on Telegram)."""
    stuck = {"a", "b"}
    receiver.refuse = lambda text: text in stuck
    await hooked(bot, emulator, receiver, max_connections=1)
    for chat, text in ((1, "a"), (2, "b"), (3, "c")):
        await emulator.send_text(chat, text)
    await eventually(lambda: receiver.arrived.count("a") >= 2 and receiver.arrived.count("b") >= 2)
    assert "c" not in receiver.arrived
    stuck.discard("a")
    await eventually(lambda: "c" in receiver.accepted)
    assert "b" not in receiver.accepted
    stuck.clear()
    await eventually(lambda: sorted(receiver.accepted) == ["a", "b", "c"])
    assert RETRY_PAUSE_S <= 0.5  # retries come quickly: no test waits long for one


async def test_one_connection_is_one_update_at_a_time(
    bot: Bot, emulator: BotAPIEmulator, receiver: Receiver
) -> None:
    async def hold(update: dict[str, Any]) -> None:
        await asyncio.sleep(0.005)

    receiver.hold = hold
    await hooked(bot, emulator, receiver, max_connections=1)
    for user in range(1, 6):
        await emulator.send_text(user, f"u{user}")
    await eventually(lambda: len(receiver.accepted) == 5)
    assert receiver.peak == 1
    assert receiver.accepted == [f"u{user}" for user in range(1, 6)]  # in update order
