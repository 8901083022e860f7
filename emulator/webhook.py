"""Webhook delivery: after `setWebhook`, updates are POSTed to the bot instead of waiting for
getUpdates, as Telegram's Bot API server does (tdlib/telegram-bot-api, `WebhookActor`):

- up to `max_connections` POSTs at once (setWebhook's parameter, 1-100, default 40; a value out
  of range is clamped, as the server does);
- each update belongs to a queue, and a queue has one update in flight at a time: the next one
  only after the bot answered the previous one 2xx. The queues are Telegram's: a chat's messages
  (`message`, `edited_message`, `channel_post`, ...) share the chat's queue, a user's button
  presses (`callback_query`) share that user's callback queue, and any other kind of update has
  a queue per chat (or per user) of its own kind. So a chat's messages arrive in order, one at a
  time, and updates of different chats arrive concurrently;
- an update answered with anything but 2xx (or not answered) stays at the head of its queue and
  is posted again after `RETRY_PAUSE_S`; only its queue waits meanwhile. Telegram backs off
  longer (at once, then 2, 4, 8 ... up to 60-120 s): the emulator keeps the pause short, so a
  test never waits long for a retry. As on the server, what waits is bounded by a window: only
  the oldest pending updates of at most 2 x `max_connections` queues are considered, so when that
  many queues are stuck behind failing updates, the updates of other queues wait too.

`webhook_answers` keeps the HTTP status of every attempt (0: no answer) and `webhook_peak` the
most POSTs that were in flight at once, for tests and benches. While a webhook is set,
getUpdates answers 409 Conflict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable
from typing import Any

import aiohttp

from .models import ApiError
from .params import Params
from .state import EmulatorState

log = logging.getLogger("emulator.server")
RETRY_PAUSE_S = 0.2
DEFAULT_MAX_CONNECTIONS = 40
MAX_CONNECTIONS_RANGE = (1, 100)
WINDOW_QUEUES_PER_CONNECTION = 2  # the server loads the updates of at most 2 x max_connections queues
# Update kinds that carry a Message: they share the chat's queue (the server's queue id is the chat id).
_MESSAGE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_message",
        "edited_business_message",
    }
)


def webhook_queue(update: dict[str, Any]) -> Hashable:
    """The delivery queue an update joins: one update of a queue is in flight at a time."""
    kind, payload = next(((k, v) for k, v in update.items() if k != "update_id"), ("", None))
    if not isinstance(payload, dict):
        return ("update", update.get("update_id"))
    chat = payload.get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    if kind in _MESSAGE_KINDS and chat_id is not None:
        return ("chat", chat_id)
    sender = payload.get("from")
    user_id = sender.get("id") if isinstance(sender, dict) else None
    if kind == "callback_query" and user_id is not None:
        return ("callback_query", user_id)
    if chat_id is not None:
        return (kind, chat_id)
    if user_id is not None:
        return (kind, user_id)
    return ("update", update.get("update_id"))  # nothing to order it by: a queue of its own


class WebhookDelivery(EmulatorState):
    """Keeps the webhook settings and the task that pushes updates to it."""

    def _init_webhook(self) -> None:
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = DEFAULT_MAX_CONNECTIONS
        self.webhook_answers: list[int] = []  # HTTP status of every delivery attempt, for tests
        self.webhook_peak = 0  # the most POSTs in flight at once since the webhook was set
        self._webhook_in_flight = 0
        self._webhook_wake = asyncio.Event()
        self._pusher: asyncio.Task[None] | None = None

    async def _set_webhook(self, params: Params) -> bool:
        url = params.get_str("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        wanted = params.get_int("max_connections")
        low, high = MAX_CONNECTIONS_RANGE
        self.webhook_url = url
        self.webhook_secret = params.get_str("secret_token")
        self.webhook_max_connections = (
            DEFAULT_MAX_CONNECTIONS if wanted is None else min(max(wanted, low), high)
        )
        self.webhook_peak = 0
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        self._restart_pusher()
        return True

    async def _stop_webhook(self, drop_pending: bool) -> None:
        self.webhook_url = ""
        if drop_pending:
            self._updates.clear()
        await self._stop_pusher()

    def _notify_updates(self) -> None:
        super()._notify_updates()
        self._webhook_wake.set()

    def _restart_pusher(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
        self._pusher = asyncio.create_task(self._push()) if self.webhook_url else None
        self._notify_updates()

    async def _stop_pusher(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None

    async def _push(self) -> None:
        url, limit = self.webhook_url, self.webhook_max_connections
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
        loop = asyncio.get_running_loop()
        posting: dict[Hashable, asyncio.Task[bool]] = {}  # queue -> the POST of its head update
        resting: dict[Hashable, float] = {}  # queue -> when its failed head update goes again
        connector = aiohttp.TCPConnector(limit=limit)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            try:
                while not self._closing and url == self.webhook_url:
                    self._webhook_wake.clear()
                    now = loop.time()
                    for queue, task in list(posting.items()):
                        if task.done():
                            del posting[queue]
                            if not task.result():
                                resting[queue] = now + RETRY_PAUSE_S
                    for queue, until in list(resting.items()):
                        if until <= now:
                            del resting[queue]
                    for update, queue in self._ready(limit, posting.keys() | resting.keys()):
                        task = asyncio.create_task(self._post(session, url, headers, update))
                        task.add_done_callback(lambda _: self._webhook_wake.set())
                        posting[queue] = task
                    pause = min(resting.values()) - now if resting else None
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(pause):
                            await self._webhook_wake.wait()
            finally:
                for task in posting.values():
                    task.cancel()
                await asyncio.gather(*posting.values(), return_exceptions=True)

    def _ready(self, limit: int, busy: set[Hashable]) -> list[tuple[dict[str, Any], Hashable]]:
        """The updates to post now: each the oldest pending one of a queue that has nothing in
        flight or waiting for a retry, within the window, as many as free connections allow."""
        free = limit - self._webhook_in_flight
        window = limit * WINDOW_QUEUES_PER_CONNECTION
        seen: set[Hashable] = set()
        ready: list[tuple[dict[str, Any], Hashable]] = []
        for update in self._updates:
            if len(ready) >= free:
                break
            queue = webhook_queue(update)
            if queue in seen:
                continue  # only a queue's oldest pending update may go
            if len(seen) >= window:
                break
            seen.add(queue)
            if queue not in busy:  # one update of a queue at a time
                ready.append((update, queue))
        return ready

    async def _post(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str], update: dict[str, Any]
    ) -> bool:
        """One delivery attempt; True when the bot answered 2xx (the update is then confirmed)."""
        self._webhook_in_flight += 1
        self.webhook_peak = max(self.webhook_peak, self._webhook_in_flight)
        try:
            async with session.post(url, json=update, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        finally:
            self._webhook_in_flight -= 1
        self.webhook_answers.append(status)
        if not 200 <= status < 300:
            return False
        for index, pending in enumerate(self._updates):
            if pending is update:
                del self._updates[index]
                self.stats.updates_confirmed += 1
                break
        return True
