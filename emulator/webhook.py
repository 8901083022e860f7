"""Webhook delivery: after `setWebhook`, updates are POSTed to the bot instead of waiting for
getUpdates, one at a time and in order, as Telegram does for a bot with `max_connections=1`.

An update leaves the queue only when the bot answers 2xx; any other answer, or no answer, is
retried after a short pause (Telegram retries too). While a webhook is set, getUpdates answers
409 Conflict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp

from .models import ApiError
from .params import Params
from .state import EmulatorState

log = logging.getLogger("emulator.server")
RETRY_PAUSE_S = 0.2


class WebhookDelivery(EmulatorState):
    """Keeps the webhook settings and the task that pushes updates to it."""

    def _init_webhook(self) -> None:
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_answers: list[int] = []  # HTTP status of every delivery attempt, for tests
        self._pusher: asyncio.Task[None] | None = None

    async def _set_webhook(self, params: Params) -> bool:
        url = params.get_str("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        self.webhook_url = url
        self.webhook_secret = params.get_str("secret_token")
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        self._restart_pusher()
        return True

    async def _stop_webhook(self, drop_pending: bool) -> None:
        self.webhook_url = ""
        if drop_pending:
            self._updates.clear()
        await self._stop_pusher()

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
        url = self.webhook_url
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while not self._closing and url == self.webhook_url:
                if not self._updates:
                    changed = self._updates_changed
                    await changed.wait()
                    continue
                update: dict[str, Any] = self._updates[0]
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_answers.append(status)
                if 200 <= status < 300:
                    if self._updates and self._updates[0] is update:
                        self._updates.popleft()
                        self.stats.updates_confirmed += 1
                else:
                    await asyncio.sleep(RETRY_PAUSE_S)
