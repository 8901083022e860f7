"""A local Telegram Bot API server for end-to-end tests and the offline sandbox.

The real aiogram ``Bot`` talks to it over HTTP::

    emulator = BotAPIEmulator()
    await emulator.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(emulator.token, session=session)

The server side answers Bot API methods with the official shapes and error descriptions;
the test side (methods on the same object) acts as any number of users and observes
everything the bot sent. Faults (errors, dropped connections, blocked users, rate limits)
can be injected per instance.

:class:`BotAPIEmulator` is assembled from one part per concern:

- :mod:`emulator.state` - chats, message logs, the updates queue, files, events;
- :mod:`emulator.methods` - the Bot API method handlers (validation in
  :mod:`emulator.validation`, request parsing in :mod:`emulator.params`);
- :mod:`emulator.faults` - fail_next/drop_next, blocked users, rate limits;
- :mod:`emulator.testing` - the test side: acting as users, observing the bot;
- this module - the HTTP layer and the server's lifecycle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .constants import (
    CHAT_ACTIONS,
    DEFAULT_TOKEN,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_INLINE_BUTTONS,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_SIZE,
)
from .faults import FaultInjection, is_rate_limited
from .formatting import EntityParseError, FormattedText, format_text
from .media import STICKER_WEBP, FileKind, StoredFile, guess_mime_type
from .methods import BotMethods, Handler
from .models import (
    ApiError,
    Button,
    EmulatorEvent,
    EventKind,
    MessageTimeoutError,
    SentMessage,
    Stats,
)
from .params import as_int, read_params
from .state import Listener, log
from .testing import BotObserver, UserActions

__all__ = [
    "CHAT_ACTIONS",
    "DEFAULT_TOKEN",
    "MAX_CALLBACK_ANSWER_LENGTH",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_DOWNLOAD_SIZE",
    "MAX_INLINE_BUTTONS",
    "MAX_TEXT_LENGTH",
    "MAX_UPLOAD_SIZE",
    "STICKER_WEBP",
    "ApiError",
    "BotAPIEmulator",
    "Button",
    "EmulatorEvent",
    "EntityParseError",
    "EventKind",
    "FileKind",
    "FormattedText",
    "Handler",
    "Listener",
    "MessageTimeoutError",
    "SentMessage",
    "Stats",
    "StoredFile",
    "format_text",
    "guess_mime_type",
    "log",
]
# Besides DEFAULT_TOKEN and BotAPIEmulator, the names above are re-exported so that everything
# importable from this module before it was split by concern still is.


class BotAPIEmulator(UserActions, BotObserver, FaultInjection, BotMethods):
    """Local Bot API server (HTTP side) and the users/observer API (Python side).

    All state is per instance. Use ``async with BotAPIEmulator() as emulator:`` or
    ``await start()`` / ``await stop()``. ``app`` is the aiohttp application; other code
    (e.g. a web chat page) may add routes to it before :meth:`start`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "Sourdough Bot",
        bot_username: str = "sourdough_emulator_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        bot_user: dict[str, Any] = {
            "id": as_int(token.split(":", 1)[0]) or 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        super().__init__(token, clock, bot_user)
        self._init_webhook()
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._methods = self._method_table()
        self.app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)

    # ------------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``, for ``TelegramAPIServer.from_base``."""
        return f"http://{self.host}:{self.port}"

    @property
    def bound_addresses(self) -> list[Any]:
        """Where the server listens (empty when it is not running)."""
        return list(self._runner.addresses) if self._runner is not None else []

    async def start(self) -> Self:
        """Start serving; with ``port=0`` a free port is picked (see :attr:`base_url`)."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self._closing = False
        runner = web.AppRunner(
            self.app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Stop serving; pending long polls return an empty result first."""
        self._closing = True
        self._notify_updates()
        await self._stop_pusher()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _error_response(ApiError(404, "Not Found"))
        name, handler = entry
        limited = is_rate_limited(name)
        self.stats.requests[name] += 1
        try:
            params = await read_params(request)
            chat_id = as_int(params.raw("chat_id"))
            self._inject_faults(request, name, chat_id)
            result = await handler(params)
        except ApiError as error:
            self.stats.rejected[error.code] += 1
            return _error_response(error)
        self.stats.accepted[name] += 1
        if limited:
            self._count_send(chat_id)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.content,
            content_type=stored.mime_type or "application/octet-stream",
        )


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.code)
