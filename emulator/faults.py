"""Fault injection: scripted errors and dropped connections, blocked users, rate limits."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .models import ApiError
from .state import Clock, EmulatorState

__all__ = ["BLOCKED", "Fault", "FaultInjection", "is_rate_limited"]

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass(slots=True)
class Fault:
    """A pending fail_next/drop_next rule."""

    method: str | None  # lower-case name; None = any method except getUpdates
    times: int
    chat_id: int | None
    error: ApiError | None  # None = drop the connection

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            if method == "getupdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


def is_rate_limited(method: str) -> bool:
    """send*/edit* methods count against rate limits and hit blocked chats (not actions)."""
    return method.startswith(("send", "edit")) and method != "sendChatAction"


class FaultInjection(EmulatorState):
    """The fault knobs (public) and their checks before each Bot API call."""

    def __init__(self, token: str, clock: Clock, bot_user: dict[str, Any]) -> None:
        super().__init__(token, clock, bot_user)
        self.global_rate_limit: float | None = None
        """Max send*/edit* calls per second across all chats (sliding 1 s window)."""
        self.per_chat_rate_limit: float | None = None
        """Max send*/edit* calls per second to one chat (sliding 1 s window)."""
        self.set_my_commands_error = False
        """When true, setMyCommands answers 500 Internal Server Error."""
        self._blocked: set[int] = set()
        self._faults: list[Fault] = []
        self._send_times: deque[float] = deque()

    def fail_next(
        self,
        method: str | None,
        *,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` matching calls with an error.

        `method` None matches any method except getUpdates; `chat_id` narrows the match.
        429 gets ``retry_after`` (default 1) and "Too Many Requests: retry after N".
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = DEFAULT_DESCRIPTIONS.get(status, "Error")
        error = ApiError(status, description, retry_after=retry_after)
        self._faults.append(Fault(_lower(method), times, chat_id, error))

    def drop_next(self, method: str | None, times: int = 1, chat_id: int | None = None) -> None:
        """Close the connection without answering the next `times` matching calls."""
        self._faults.append(Fault(_lower(method), times, chat_id, None))

    def clear_faults(self) -> None:
        """Forget pending fail_next/drop_next rules."""
        self._faults.clear()

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: every send/edit to the chat gets 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The user unblocks the bot (sending messages does not unblock implicitly)."""
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ request checks

    def _inject_faults(self, request: web.Request, name: str, chat_id: int | None) -> None:
        """Apply the fault rules to a call of method `name` (canonical spelling).

        Raises the scripted :class:`ApiError` (or 403/429/500 from the knobs), or drops the
        connection; returns when the call may go ahead.
        """
        method = name.lower()
        fault = self._take_fault(method, chat_id)
        if fault is not None and fault.error is None:
            self.stats.dropped += 1
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable()  # never reaches the client
        if fault is not None and fault.error is not None:
            self.stats.injected += 1
            raise fault.error
        if method == "setmycommands" and self.set_my_commands_error:
            raise ApiError(500, "Internal Server Error")
        limited = is_rate_limited(name)
        blockable = limited or method == "sendchataction"
        if blockable and chat_id is not None and chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        if limited:
            self._check_rate_limits(chat_id)

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[index]
                return fault
        return None

    def _check_rate_limits(self, chat_id: int | None) -> None:
        now = time.monotonic()
        windows: list[tuple[deque[float], float | None]] = [
            (self._send_times, self.global_rate_limit)
        ]
        if chat_id is not None and self.per_chat_rate_limit is not None:
            windows.append((self._chat(chat_id).send_times, self.per_chat_rate_limit))
        for times, limit in windows:
            if limit is None:
                continue
            while times and times[0] <= now - 1.0:
                times.popleft()
            if len(times) >= limit:
                self.stats.rate_limited += 1
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)

    def _count_send(self, chat_id: int | None) -> None:
        """Count an accepted send*/edit* call in the rate-limit windows."""
        now = time.monotonic()
        if self.global_rate_limit is not None:
            self._send_times.append(now)
        if chat_id is not None and self.per_chat_rate_limit is not None:
            self._chat(chat_id).send_times.append(now)


def _lower(method: str | None) -> str | None:
    return method.lower() if method is not None else None
