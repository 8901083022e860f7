"""The one delivery path for everything the bot sends, as an aiogram session middleware.

Keeps to Telegram's published limits (about 30 messages/s overall, 1/s per chat, with a short
per-chat burst), waits `retry_after` on 429, backs off and retries on 5xx and network errors
a bounded number of times, and on 403 (the user blocked the bot) tells the reminder service
and stops sending to that chat until the user writes again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

# Methods that put something in a chat: these count against the limits.
LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
PER_CHAT_BURST = 3
MAX_RETRY_AFTER_WAITS = 10
# The global limit is also kept over a sliding window of 1 s that a send enters as it leaves and
# leaves 1 s after its answer came back. Telegram counts a request at some moment between the two,
# so no second there holds more than the limit, however late the request or its answer travel
# (spacing alone is not enough: sends that left late crowd the next second at the far end). It
# costs the limit's share of the round trip: a few percent with answers in milliseconds.
WINDOW_S = 1.0
# When every send still counted is under way, look again this often for one to come back.
UNDER_WAY_POLL_S = 0.005
# aiogram reads every answer through `Response[method's result type]`, a pydantic generic class
# that pydantic caches only weakly: once the garbage collector frees it, the next request builds it
# again (milliseconds of schema building, ~100 times a minute at 500 messages/s). Kept here, once
# per result type, so each is built once.
_RESPONSE_TYPES: dict[Any, Any] = {}


class RateLimiter:
    """GCRA-style spacing: each send reserves the next free slot in its chat, waits for it,
    and only then reserves the next free slot overall. Two steps, so that a chat held back by
    its own limit never pushes the global queue ahead for every other chat. Then, as it leaves,
    the global limit over a sliding window of the sends from leaving to 1 s after their answer
    (`window_wait`).

    Reservations are made without awaiting, so concurrent senders can't race for one slot;
    a rate of 0 turns that limit off.
    """

    def __init__(self, global_per_s: float, per_chat_per_s: float, *, max_in_flight: int = 64) -> None:
        self.global_interval = 1.0 / global_per_s if global_per_s > 0 else 0.0
        self.chat_interval = 1.0 / per_chat_per_s if per_chat_per_s > 0 else 0.0
        self._global_tat = 0.0
        self._chat_tat: dict[int | str, float] = {}
        self._paused_until = 0.0
        # the sliding window (WINDOW_S): when the sends of the last second came back, and how many
        # sends are under way (left, no answer yet)
        self.window_limit = max(1, int(global_per_s))
        self._answered: deque[float] = deque()
        self._under_way = 0
        self.max_in_flight = max_in_flight
        self._in_flight: asyncio.Semaphore | None = None  # made in the running loop

    def reserve_chat(self, chat_id: int | str | None, now: float | None = None) -> float:
        """Reserve the chat's next slot; return how many seconds to wait for it."""
        now = time.monotonic() if now is None else now
        if chat_id is None or not self.chat_interval:
            return 0.0
        tat = self._chat_tat.get(chat_id, 0.0)
        slot = max(now, tat - self.chat_interval * (PER_CHAT_BURST - 1))
        self._chat_tat[chat_id] = max(tat, slot) + self.chat_interval
        if len(self._chat_tat) > 50_000:  # forget chats that have been idle
            self._chat_tat = {c: t for c, t in self._chat_tat.items() if t > now}
        return slot - now

    def chat_wait(self, chat_id: int | str | None, now: float | None = None) -> float:
        """How long a send to this chat would now wait for its own slot (nothing is reserved)."""
        if chat_id is None or not self.chat_interval:
            return 0.0
        now = time.monotonic() if now is None else now
        tat = self._chat_tat.get(chat_id, 0.0)
        return max(0.0, tat - self.chat_interval * (PER_CHAT_BURST - 1) - now)

    def reserve_global(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        if not self.global_interval:
            return 0.0
        slot = max(now, self._global_tat)
        self._global_tat = slot + self.global_interval
        return slot - now

    def window_wait(self, now: float) -> float:
        """How long a send must still wait for room in the window (0: it may leave now)."""
        if not self.global_interval:
            return 0.0
        answered = self._answered
        while answered and answered[0] <= now - WINDOW_S:
            answered.popleft()
        if len(answered) + self._under_way < self.window_limit:
            return 0.0
        return answered[0] + WINDOW_S - now if answered else UNDER_WAY_POLL_S

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after": hold every send, not only the one that was refused, and
        also those that already hold a slot (they wait for the end of the pause, see `slot`)."""
        until = time.monotonic() + seconds
        self._paused_until = max(self._paused_until, until)
        self._global_tat = max(self._global_tat, until)

    @asynccontextmanager
    async def slot(self, chat_id: int | str | None) -> AsyncIterator[None]:
        """Hold a slot for one request: the chat's own spacing first, then one of the requests
        under way (so a send never waits in the connection pool holding a reserved slot), then
        the global spacing — and a 429 meanwhile sends it to the back of the pause."""
        wait = self.reserve_chat(chat_id)
        if wait > 0:
            await asyncio.sleep(wait)
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(self.max_in_flight)
        async with self._in_flight:
            wait = self.reserve_global()
            while True:
                if wait > 0:
                    await asyncio.sleep(wait)
                now = time.monotonic()
                paused = self._paused_until - now
                if paused > 0:
                    wait = paused + self.reserve_global() if self.global_interval else paused
                    continue
                wait = self.window_wait(now)
                if wait <= 0:
                    break
            if not self.global_interval:
                yield
                return
            self._under_way += 1  # no await since the window was checked: no other send between
            try:
                yield
            finally:
                self._under_way -= 1
                self._answered.append(time.monotonic())


BlockedCallback = Callable[[int], Awaitable[None]]


class DeliveryMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_retries: int = 5,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        on_blocked: BlockedCallback | None = None,
    ) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.on_blocked = on_blocked
        self.blocked_chats: set[int] = set()

    def unblock(self, chat_id: int) -> None:
        self.blocked_chats.discard(chat_id)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        returning = method.__returning__
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
        chat_id: Any = getattr(method, "chat_id", None)
        limited = name in LIMITED_METHODS
        if limited and isinstance(chat_id, int) and chat_id in self.blocked_chats:
            raise TelegramForbiddenError(method=method, message="bot was blocked by the user")
        failures = 0
        retry_after_waits = 0
        while True:
            try:
                if limited:
                    async with self.limiter.slot(chat_id):
                        return await make_request(bot, method)
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                retry_after_waits += 1
                if retry_after_waits > MAX_RETRY_AFTER_WAITS:
                    raise
                log.warning("%s: flood control, waiting %s s", name, exc.retry_after)
                self.limiter.pause(exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                failures += 1
                if failures > self.max_retries:
                    log.error("%s failed after %d retries: %s", name, self.max_retries, exc)
                    raise
                delay = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (failures - 1))
                delay *= random.uniform(0.8, 1.2)
                log.warning("%s: %s; retry %d in %.1f s", name, type(exc).__name__, failures, delay)
                await asyncio.sleep(delay)
            except TelegramForbiddenError:
                if isinstance(chat_id, int) and limited:
                    self.blocked_chats.add(chat_id)
                    log.info("chat %s blocked the bot; no more messages to it", chat_id)
                    if self.on_blocked is not None:
                        await self.on_blocked(chat_id)
                raise
