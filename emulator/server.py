"""A local Telegram Bot API server for end-to-end tests and the offline sandbox.

The real aiogram ``Bot`` talks to it over HTTP::

    emulator = BotAPIEmulator()
    await emulator.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(emulator.token, session=session)

The server side answers Bot API methods with the official shapes and error descriptions;
the test side (methods on the same object) acts as any number of users and observes
everything the bot sends. Faults (errors, dropped connections, blocked users, rate limits)
can be injected per instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from .formatting import EntityParseError, FormattedText, format_text
from .media import STICKER_WEBP, FileKind, StoredFile, guess_mime_type
from .models import (
    ApiError,
    Button,
    EmulatorEvent,
    EventKind,
    MessageTimeoutError,
    SentMessage,
    Stats,
)

__all__ = ["DEFAULT_TOKEN", "BotAPIEmulator"]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz0123"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_BUTTONS = 100
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_DEFAULT_DESCRIPTIONS = {
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
_BLOCKED = "Forbidden: bot was blocked by the user"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_BAD_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
_URL_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://\S+|[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?)$")
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

Listener = Callable[[EmulatorEvent], object]


# ------------------------------------------------------------------------- request parameters


@dataclass(frozen=True, slots=True)
class _Upload:
    content: bytes
    filename: str | None
    content_type: str | None


class _Params:
    """Method parameters from a query string, a form, a multipart body or a JSON body."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def get_str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, _Upload):
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def get_int(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self._values.get(name)
        if value is None or value == "" or isinstance(value, _Upload):
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


# -------------------------------------------------------------------------------- chat state


@dataclass(slots=True)
class _LogEntry:
    kind: Literal["sent", "edited", "deleted"]
    message: SentMessage


@dataclass(slots=True)
class _Markup:
    """A validated reply_markup: what to echo in Message.reply_markup and what the user sees."""

    raw: dict[str, Any] | None = None
    inline: dict[str, Any] | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    keyboard: list[list[str]] | None = None


class _Chat:
    """A private chat between one user and the bot, plus the test-side read cursor."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        self.user: dict[str, Any] | None = None  # None until the user talks to the bot
        self.last_message_id = 0
        self.messages: dict[int, dict[str, Any]] = {}  # Bot API Message dicts, both sides
        self.deleted: set[int] = set()
        self.sent: dict[int, SentMessage] = {}  # the bot's messages, live state
        self.log: list[_LogEntry] = []
        self.returned: set[int] = set()
        self.cursor = 0
        self.actions: list[str] = []
        self.changed = asyncio.Event()
        self.send_times: deque[float] = deque()

    @property
    def known(self) -> bool:
        return self.user is not None

    @property
    def instance(self) -> str:
        return str(abs(hash(("chat_instance", self.chat_id))) % 10**19)

    def chat_dict(self) -> dict[str, Any]:
        assert self.user is not None
        chat = {"id": self.chat_id, "type": "private", "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        return chat

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def find(self, match: Callable[[_LogEntry], bool]) -> int | None:
        for index in range(self.cursor, len(self.log)):
            if index not in self.returned and match(self.log[index]):
                return index
        return None

    def consume(self, index: int) -> SentMessage:
        """Mark an entry returned, with older unread states of the same message."""
        entry = self.log[index]
        message_id = entry.message.message_id
        for older in range(self.cursor, index):
            previous = self.log[older]
            if previous.kind != "sent" and previous.message.message_id == message_id:
                self.returned.add(older)
        self.returned.add(index)
        while self.cursor in self.returned:
            self.returned.discard(self.cursor)
            self.cursor += 1
        return entry.message

    def unread(self) -> Iterator[_LogEntry]:
        for index in range(self.cursor, len(self.log)):
            if index not in self.returned:
                yield self.log[index]

    def describe_recent(self, count: int = 8) -> str:
        if not self.log:
            return "  (the bot has sent nothing to this chat)"
        lines = []
        start = max(0, len(self.log) - count)
        for index in range(start, len(self.log)):
            entry = self.log[index]
            read = "read" if index < self.cursor or index in self.returned else "unread"
            lines.append(f"  [{entry.kind}, {read}] {entry.message.describe()}")
        return "\n".join(lines)


@dataclass(slots=True)
class _Fault:
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


@dataclass(slots=True)
class _CallbackQuery:
    query_id: str
    chat_id: int
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    answer: dict[str, Any] | None = None


Handler = Callable[[_Params], Awaitable[Any]]


# ----------------------------------------------------------------------------------- emulator


class BotAPIEmulator:
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
        self.token = token
        self.host = host
        self.port = port
        self.clock = clock
        bot_id = _as_int(token.split(":", 1)[0]) or 1
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        # Fault injection and limits (public knobs).
        self.global_rate_limit: float | None = None
        """Max send*/edit* calls per second across all chats (sliding 1 s window)."""
        self.per_chat_rate_limit: float | None = None
        """Max send*/edit* calls per second to one chat (sliding 1 s window)."""
        self.set_my_commands_error = False
        """When true, setMyCommands answers 500 Internal Server Error."""
        self.stats = Stats()

        self._chats: dict[int, _Chat] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._send_times: deque[float] = deque()
        self._updates: deque[dict[str, Any]] = deque()
        self._last_update_id = 0
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._bot_files: list[StoredFile] = []
        self._file_counter = 0
        self._queries: dict[str, _CallbackQuery] = {}
        self._query_counter = 0
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._last_commands: list[dict[str, str]] = []
        self._listeners: list[Listener] = []
        self._queues: list[asyncio.Queue[EmulatorEvent]] = []
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._send_chat_action,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
            }.items()
        }
        self.app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)

    # ------------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``, for ``TelegramAPIServer.from_base``."""
        return f"http://{self.host}:{self.port}"

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

    # ------------------------------------------------------------------- fault injection

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
                description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
        error = ApiError(status, description, retry_after=retry_after)
        self._faults.append(_Fault(_lower(method), times, chat_id, error))

    def drop_next(self, method: str | None, times: int = 1, chat_id: int | None = None) -> None:
        """Close the connection without answering the next `times` matching calls."""
        self._faults.append(_Fault(_lower(method), times, chat_id, None))

    def clear_faults(self) -> None:
        """Forget pending fail_next/drop_next rules."""
        self._faults.clear()

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: every send/edit to the chat gets 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The user unblocks the bot (sending messages does not unblock implicitly)."""
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------- acting as users

    def set_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a user's profile (used in ``from`` and ``chat``); returns User."""
        chat = self._chat(user_id)
        user = chat.user or {"id": user_id, "is_bot": False, "first_name": "Baker"}
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        chat.user = user
        return dict(user)

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a text message; returns the Message as delivered to the bot.

        A leading ``/command`` gets a ``bot_command`` entity like in real Telegram.
        """
        content: dict[str, Any] = {"text": text}
        match = _BOT_COMMAND_RE.match(text)
        if match:
            length = len(match.group(0).encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._user_message(user_id, first_name, content, reply_to_message_id)

    async def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str = "application/json",
        caption: str | None = None,
        *,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """The user sends a file; the bot can getFile/download it."""
        stored = self._store_file("document", content, file_name=filename, mime_type=mime_type)
        message: dict[str, Any] = {"document": stored.document()}
        if caption:
            message["caption"] = caption
        return self._user_message(user_id, first_name, message, None)

    async def send_photo(
        self,
        user_id: int,
        content: bytes,
        caption: str | None = None,
        *,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """The user sends a photo (PNG/JPEG/GIF/WebP sizes are read from the header)."""
        stored = self._store_file("photo", content)
        message: dict[str, Any] = {"photo": stored.photo_sizes()}
        if caption:
            message["caption"] = caption
        return self._user_message(user_id, first_name, message, None)

    async def send_sticker(
        self, user_id: int, emoji: str = "👍", *, first_name: str | None = None
    ) -> dict[str, Any]:
        """The user sends a (1x1 WebP) sticker."""
        stored = self._store_file("sticker", STICKER_WEBP, mime_type="image/webp")
        return self._user_message(user_id, first_name, {"sticker": stored.sticker(emoji)}, None)

    async def press_button(
        self, user_id: int, message_id: int, callback_data: str, *, first_name: str | None = None
    ) -> str:
        """The user presses an inline button carrying `callback_data` (any data, even forged).

        Returns the callback query id (see :meth:`callback_answer`). A deleted message is
        delivered as an InaccessibleMessage, like Telegram does.
        """
        chat = self._chats.get(user_id)
        if chat is None or not chat.known or message_id not in chat.messages:
            raise LookupError(f"no message #{message_id} in the chat with user {user_id}")
        user = self._touch_user(chat, first_name)
        self._query_counter += 1
        query_id = f"{user_id % 10**9}{self._query_counter:010d}"
        message: dict[str, Any]
        if message_id in chat.deleted:
            message = {"chat": chat.chat_dict(), "message_id": message_id, "date": 0}
        else:
            message = copy.deepcopy(chat.messages[message_id])
        query = {
            "id": query_id,
            "from": dict(user),
            "message": message,
            "chat_instance": chat.instance,
            "data": callback_data,
        }
        self._queries[query_id] = _CallbackQuery(query_id, user_id)
        self._enqueue_update("callback_query", query)
        self._emit("callback_query", user_id, query)
        return query_id

    async def press(self, user_id: int, message: SentMessage | int, button_text: str) -> str:
        """Press the inline button whose visible text matches (exact, else substring).

        Uses the message's current state; raises AssertionError listing the buttons when
        nothing (or more than one button) matches, or for a URL button.
        """
        message_id = message if isinstance(message, int) else message.message_id
        chat = self._chats.get(user_id)
        current = chat.sent.get(message_id) if chat is not None else None
        if current is None:
            raise AssertionError(f"the bot sent no message #{message_id} to chat {user_id}")
        if current.deleted:
            raise AssertionError(f"message {current.describe()} was deleted")
        text, data = current.find_button(button_text)
        callback = _callback_data_of(current, text)
        if callback is None:
            raise AssertionError(f"button {text!r} has no callback_data (url: {data!r})")
        return await self.press_button(user_id, message_id, callback)

    # ------------------------------------------------------------------ observing the bot

    async def next_message(self, chat_id: int, timeout: float = 5.0) -> SentMessage:
        """The next new message (not an edit) the bot sent to the chat, unread so far."""
        return await self._next_entry(
            chat_id, timeout, lambda entry: entry.kind == "sent", "a new message"
        )

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool],
        timeout: float = 5.0,
    ) -> SentMessage:
        """The first unread new message, edit or deletion in the chat matching `predicate`.

        For an edit the updated message is returned (``edited`` > 0). Returning a state of
        a message also marks its older unread states as read.
        """
        return await self._next_entry(
            chat_id,
            timeout,
            lambda entry: bool(predicate(entry.message)),
            "a message matching the predicate",
        )

    async def no_message(self, chat_id: int, within: float = 0.3) -> None:
        """Assert no unread new message is there or arrives within `within` seconds."""
        chat = self._chat(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            changed = chat.changed
            index = chat.find(lambda entry: entry.kind == "sent")
            if index is not None:
                raise AssertionError(
                    f"expected no new message in chat {chat_id}, but the bot sent "
                    f"{chat.log[index].message.describe()}"
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()

    def drain(self, chat_id: int) -> list[SentMessage]:
        """Mark everything in the chat read; returns the unread new messages."""
        chat = self._chat(chat_id)
        unread = [entry.message for entry in chat.unread() if entry.kind == "sent"]
        chat.returned.clear()
        chat.cursor = len(chat.log)
        return unread

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Current state of every message the bot sent to the chat (deleted ones flagged)."""
        chat = self._chats.get(chat_id)
        return [sent.snapshot() for sent in chat.sent.values()] if chat else []

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """Both sides of the chat as Bot API Message dicts, oldest first (deleted ones left out).

        Bot messages are in their current (possibly edited) state.
        """
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            copy.deepcopy(message)
            for message_id, message in chat.messages.items()
            if message_id not in chat.deleted
        ]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Current state of one bot message."""
        chat = self._chats.get(chat_id)
        if chat is None or message_id not in chat.sent:
            raise LookupError(f"the bot sent no message #{message_id} to chat {chat_id}")
        return chat.sent[message_id].snapshot()

    async def callback_answer(self, query_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the bot's answerCallbackQuery: ``{text, show_alert, url, cache_time}``."""
        query = self._queries.get(query_id)
        if query is None:
            raise LookupError(f"unknown callback query {query_id!r}")
        try:
            async with asyncio.timeout(timeout):
                await query.answered.wait()
        except TimeoutError:
            raise MessageTimeoutError(
                f"the bot did not answer callback query {query_id} (chat {query.chat_id}) "
                f"within {timeout}s"
            ) from None
        assert query.answer is not None
        return dict(query.answer)

    def chat_actions(self, chat_id: int) -> list[str]:
        """Chat actions (``typing``...) the bot sent to the chat, in order."""
        chat = self._chats.get(chat_id)
        return list(chat.actions) if chat else []

    @property
    def commands(self) -> list[dict[str, str]]:
        """The command list of the last successful setMyCommands (any scope)."""
        return [dict(command) for command in self._last_commands]

    @property
    def uploaded_files(self) -> list[StoredFile]:
        """Files the bot uploaded (sendDocument/sendPhoto), in order."""
        return list(self._bot_files)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot (getUpdates offset)."""
        return len(self._updates)

    @property
    def chat_ids(self) -> list[int]:
        """Chats whose user has talked to the bot."""
        return [chat_id for chat_id, chat in self._chats.items() if chat.known]

    def file_content(self, file_id: str) -> bytes:
        """Bytes of any known file (uploaded by the bot or sent by a user)."""
        return self._files[file_id].content

    # -------------------------------------------------------------------------- events

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(event)` synchronously for every :class:`EmulatorEvent`."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def subscribe(self) -> asyncio.Queue[EmulatorEvent]:
        """A queue receiving every event from now on; :meth:`unsubscribe` when done."""
        queue: asyncio.Queue[EmulatorEvent] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[EmulatorEvent]) -> None:
        with contextlib.suppress(ValueError):
            self._queues.remove(queue)

    def _emit(self, kind: EventKind, chat_id: int, payload: Any) -> None:
        if not self._listeners and not self._queues:
            return
        event = EmulatorEvent(kind, chat_id, payload)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("emulator event listener failed")
        for queue in self._queues:
            queue.put_nowait(event)

    # ----------------------------------------------------------------- internal helpers

    def _now(self) -> int:
        return int(self.clock())

    def restore_message(
        self, chat_id: int, data: dict[str, Any], *, from_bot: bool, deleted: bool = False
    ) -> None:
        """Put back a message saved by an earlier run (the sandbox restores its chats after a
        restart): message ids continue after it, and a bot message's buttons work again."""
        chat = self._chat(chat_id)
        message_id = int(data["message_id"])
        chat.last_message_id = max(chat.last_message_id, message_id)
        if deleted:
            return
        chat.messages[message_id] = data
        if from_bot:
            chat.sent[message_id] = SentMessage.from_raw(chat_id, data)

    @property
    def bound_addresses(self) -> list[Any]:
        """Where the server listens (empty when it is not running)."""
        return list(self._runner.addresses) if self._runner is not None else []

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id)
        return chat

    def _touch_user(self, chat: _Chat, first_name: str | None) -> dict[str, Any]:
        if chat.user is None or first_name is not None:
            self.set_user(chat.chat_id, first_name=first_name or "Baker")
        assert chat.user is not None
        return chat.user

    def _user_message(
        self,
        user_id: int,
        first_name: str | None,
        content: dict[str, Any],
        reply_to_message_id: int | None,
    ) -> dict[str, Any]:
        chat = self._chat(user_id)
        user = self._touch_user(chat, first_name)
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": dict(user),
            "chat": chat.chat_dict(),
            "date": self._now(),
        }
        if reply_to_message_id is not None and reply_to_message_id in chat.messages:
            message["reply_to_message"] = _without_reply(chat.messages[reply_to_message_id])
        message.update(content)
        chat.messages[message["message_id"]] = message
        self._enqueue_update("message", message)
        self._emit("user_message", user_id, message)
        return copy.deepcopy(message)

    def _enqueue_update(self, kind: str, payload: dict[str, Any]) -> None:
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._notify_updates()

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _store_file(
        self,
        kind: FileKind,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        self._file_counter += 1
        stored = StoredFile.create(
            self._file_counter, kind, content, file_name=file_name, mime_type=mime_type
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    async def _next_entry(
        self,
        chat_id: int,
        timeout: float,
        match: Callable[[_LogEntry], bool],
        what: str,
    ) -> SentMessage:
        chat = self._chat(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = chat.changed
            index = chat.find(match)
            if index is not None:
                return chat.consume(index)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise MessageTimeoutError(
                    f"no {what} from the bot in chat {chat_id} within {timeout}s; "
                    f"recent bot messages in this chat:\n{chat.describe_recent()}"
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()

    def _record(
        self, chat: _Chat, kind: Literal["sent", "edited", "deleted"], sent: SentMessage
    ) -> None:
        snapshot = sent.snapshot()
        chat.log.append(_LogEntry(kind, snapshot))
        chat.notify()
        event_kind: EventKind = {
            "sent": "bot_message",
            "edited": "bot_edit",
            "deleted": "bot_delete",
        }[kind]
        self._emit(event_kind, chat.chat_id, snapshot)

    # ----------------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _error_response(ApiError(404, "Not Found"))
        name, handler = entry
        method = name.lower()
        limited = _is_rate_limited(name)
        self.stats.requests[name] += 1
        try:
            params = await _read_params(request)
            chat_id = _as_int(params.raw("chat_id"))
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
            blockable = limited or method == "sendchataction"
            if blockable and chat_id is not None and chat_id in self._blocked:
                raise ApiError(403, _BLOCKED)
            if limited:
                self._check_rate_limits(chat_id)
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

    def _take_fault(self, method: str, chat_id: int | None) -> _Fault | None:
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
        now = time.monotonic()
        if self.global_rate_limit is not None:
            self._send_times.append(now)
        if chat_id is not None and self.per_chat_rate_limit is not None:
            self._chat(chat_id).send_times.append(now)

    # ------------------------------------------------------------------ shared validation

    def _target_chat(self, params: _Params) -> _Chat:
        raw = params.raw("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _as_int(raw)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None or not chat.known:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    @staticmethod
    def _format(
        text: str | None, params: _Params, *, caption: bool
    ) -> FormattedText | None:
        prefix = "caption_" if caption else ""
        parse_mode = params.get_str("parse_mode") or None
        explicit = params.get_json(f"{prefix}entities")
        if not caption and (text is None or not text.strip()):
            raise ApiError(400, "Bad Request: message text is empty")
        if text is None:
            return None
        try:
            entities = explicit if isinstance(explicit, list) else None
            formatted = format_text(text, parse_mode, entities)
        except KeyError:
            raise ApiError(400, "Bad Request: unsupported parse_mode") from None
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        if caption:
            if len(formatted.text) > MAX_CAPTION_LENGTH:
                raise ApiError(400, "Bad Request: message caption is too long")
        elif not formatted.text:
            raise ApiError(400, "Bad Request: message text is empty")
        elif len(formatted.text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return formatted

    @staticmethod
    def _markup(params: _Params, *, inline_only: bool = False) -> _Markup:
        raw = params.get_json("reply_markup")
        if raw is None:
            return _Markup()
        if not isinstance(raw, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            return _Markup(raw=raw, inline=raw, buttons=_inline_buttons(raw["inline_keyboard"]))
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "keyboard" of the ReplyKeyboardMarkup must be an '
                    "Array of Arrays",
                )
            keyboard = [
                [_reply_button_text(button) for button in row] for row in rows
            ]
            return _Markup(raw=raw, keyboard=keyboard)
        if raw.get("remove_keyboard"):
            return _Markup(raw=raw, keyboard=[])
        return _Markup(raw=raw)

    @staticmethod
    def _reply_to(chat: _Chat, params: _Params) -> dict[str, Any] | None:
        reply = params.get_json("reply_parameters")
        allow_missing = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.get_int("reply_to_message_id")
        if message_id is None:
            return None
        target = chat.messages.get(message_id)
        if target is None or message_id in chat.deleted:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _without_reply(target)

    def _input_file(self, params: _Params, name: str, kind: FileKind) -> StoredFile:
        value = params.raw(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.raw(value.removeprefix("attach://"))
            if not isinstance(value, _Upload):
                raise ApiError(400, _BAD_FILE)
        if isinstance(value, _Upload):
            if not value.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if kind == "photo":
                stored = self._store_file("photo", value.content, file_name=value.filename)
                if not stored.width or not stored.height:
                    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            else:
                mime = guess_mime_type(value.filename, value.content_type)
                stored = self._store_file(
                    "document", value.content, file_name=value.filename, mime_type=mime
                )
            self._bot_files.append(stored)
            return stored
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if not isinstance(value, str):
            raise ApiError(400, _BAD_FILE)
        if value.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        stored = self._files.get(value.strip())
        if stored is None:
            raise ApiError(400, _BAD_FILE)
        return stored

    def _new_bot_message(
        self,
        chat: _Chat,
        markup: _Markup,
        reply_to: dict[str, Any] | None,
        content: dict[str, Any],
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": dict(self.bot_user),
            "chat": chat.chat_dict(),
            "date": self._now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if markup.inline is not None:
            message["reply_markup"] = markup.inline
        chat.messages[message["message_id"]] = message
        return message

    def _store_sent(self, chat: _Chat, sent: SentMessage) -> dict[str, Any]:
        chat.sent[sent.message_id] = sent
        self._record(chat, "sent", sent)
        return sent.raw

    def _editable(self, params: _Params) -> tuple[_Chat, SentMessage]:
        if params.raw("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._target_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if message_id not in chat.messages or message_id in chat.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        sent = chat.sent.get(message_id)
        if sent is None:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, sent

    def _apply_markup(self, sent: SentMessage, markup: _Markup) -> None:
        sent.reply_markup = markup.inline
        sent.buttons = markup.buttons
        if markup.inline is None:
            sent.raw.pop("reply_markup", None)
        else:
            sent.raw["reply_markup"] = markup.inline

    def _finish_edit(self, chat: _Chat, sent: SentMessage) -> dict[str, Any]:
        sent.edited += 1
        sent.raw["edit_date"] = self._now()
        self._record(chat, "edited", sent)
        return sent.raw

    # ------------------------------------------------------------------------- methods

    async def _get_me(self, params: _Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_int("timeout") or 0, 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # an older long poll still waiting gets 409 Conflict
        if offset is not None:
            self._confirm_updates(offset)
        if not self._updates and timeout and not self._closing:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not self._updates and not self._closing:
                changed = self._updates_changed
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await changed.wait()
                if generation != self._poll_generation:
                    raise ApiError(409, _CONFLICT)
        return [self._updates[index] for index in range(min(limit, len(self._updates)))]

    def _confirm_updates(self, offset: int) -> None:
        if offset < 0:
            keep = -offset
            while len(self._updates) > keep:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()
            self.stats.updates_confirmed += 1

    async def _delete_webhook(self, params: _Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: _Params) -> dict[str, Any]:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: _Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), params.get_str("language_code") or ""

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        parsed: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            parsed.append({"command": name, "description": description})
        self._commands[self._commands_key(params)] = parsed
        self._last_commands = parsed
        self._emit("commands", 0, {"commands": [dict(command) for command in parsed]})
        return True

    async def _get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        return [dict(command) for command in self._commands.get(self._commands_key(params), [])]

    async def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(self, params: _Params) -> dict[str, Any]:
        chat = self._target_chat(params)
        raw_text = params.get_str("text")
        formatted = self._format(raw_text, params, caption=False)
        assert formatted is not None and raw_text is not None
        markup = self._markup(params)
        reply_to = self._reply_to(chat, params)
        content: dict[str, Any] = {"text": formatted.text}
        if formatted.entities:
            content["entities"] = formatted.entities
        message = self._new_bot_message(chat, markup, reply_to, content)
        sent = SentMessage(
            message_id=message["message_id"],
            chat_id=chat.chat_id,
            text=formatted.text,
            html=raw_text,
            parse_mode=params.get_str("parse_mode") or None,
            buttons=markup.buttons,
            reply_markup=markup.inline,
            date=message["date"],
            entities=formatted.entities,
            keyboard=markup.keyboard,
            raw=message,
        )
        return self._store_sent(chat, sent)

    async def _send_media(self, params: _Params, kind: Literal["photo", "document"]) -> Any:
        chat = self._target_chat(params)
        raw_caption = params.get_str("caption") or None
        formatted = self._format(raw_caption, params, caption=True)
        markup = self._markup(params)
        reply_to = self._reply_to(chat, params)
        stored = self._input_file(params, kind, "photo" if kind == "photo" else "document")
        content: dict[str, Any] = {}
        if kind == "photo":
            content["photo"] = stored.photo_sizes()
        else:
            content["document"] = stored.document()
        if formatted is not None and formatted.text:
            content["caption"] = formatted.text
            if formatted.entities:
                content["caption_entities"] = formatted.entities
        message = self._new_bot_message(chat, markup, reply_to, content)
        caption = formatted.text if formatted is not None and formatted.text else None
        sent = SentMessage(
            message_id=message["message_id"],
            chat_id=chat.chat_id,
            text=caption or "",
            html=raw_caption,
            parse_mode=params.get_str("parse_mode") or None,
            buttons=markup.buttons,
            reply_markup=markup.inline,
            photo=stored.content if kind == "photo" else None,
            document=stored.content if kind == "document" else None,
            filename=stored.file_name,
            caption=caption,
            kind=kind,
            date=message["date"],
            entities=formatted.entities if formatted is not None else [],
            mime_type=stored.mime_type,
            file_id=stored.file_id,
            keyboard=markup.keyboard,
            raw=message,
        )
        return self._store_sent(chat, sent)

    async def _send_document(self, params: _Params) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def _send_photo(self, params: _Params) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def _send_chat_action(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        self._emit("chat_action", chat.chat_id, {"action": action})
        return True

    async def _edit_message_text(self, params: _Params) -> dict[str, Any]:
        chat, sent = self._editable(params)
        if sent.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw_text = params.get_str("text")
        formatted = self._format(raw_text, params, caption=False)
        assert formatted is not None
        markup = self._markup(params, inline_only=True)
        if (
            formatted.text == sent.raw.get("text")
            and formatted.entities == sent.raw.get("entities", [])
            and markup.inline == sent.reply_markup
        ):
            raise ApiError(400, _NOT_MODIFIED)
        sent.text = formatted.text
        sent.html = raw_text
        sent.parse_mode = params.get_str("parse_mode") or None
        sent.entities = formatted.entities
        sent.raw["text"] = formatted.text
        _set_or_pop(sent.raw, "entities", formatted.entities)
        self._apply_markup(sent, markup)
        return self._finish_edit(chat, sent)

    async def _edit_message_caption(self, params: _Params) -> dict[str, Any]:
        chat, sent = self._editable(params)
        if sent.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        raw_caption = params.get_str("caption") or None
        formatted = self._format(raw_caption, params, caption=True)
        markup = self._markup(params, inline_only=True)
        caption = formatted.text if formatted is not None and formatted.text else None
        entities = formatted.entities if formatted is not None and caption else []
        if (
            caption == sent.raw.get("caption")
            and entities == sent.raw.get("caption_entities", [])
            and markup.inline == sent.reply_markup
        ):
            raise ApiError(400, _NOT_MODIFIED)
        sent.caption = caption
        sent.text = caption or ""
        sent.html = raw_caption
        sent.parse_mode = params.get_str("parse_mode") or None
        sent.entities = entities
        _set_or_pop(sent.raw, "caption", caption)
        _set_or_pop(sent.raw, "caption_entities", entities)
        self._apply_markup(sent, markup)
        return self._finish_edit(chat, sent)

    async def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        chat, sent = self._editable(params)
        markup = self._markup(params, inline_only=True)
        if markup.inline == sent.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        self._apply_markup(sent, markup)
        return self._finish_edit(chat, sent)

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if message_id not in chat.messages or message_id in chat.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        chat.deleted.add(message_id)
        sent = chat.sent.get(message_id)
        if sent is not None:
            sent.deleted = True
            self._record(chat, "deleted", sent)
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        query = self._queries.get(query_id)
        if query is None or query.answer is not None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        text = params.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answer = {
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
            "cache_time": params.get_int("cache_time") or 0,
        }
        query.answered.set()
        answer = {"callback_query_id": query_id, **query.answer}
        self._emit("callback_answer", query.chat_id, answer)
        return True

    async def _get_file(self, params: _Params) -> dict[str, Any]:
        stored = self._files.get((params.get_str("file_id") or "").strip())
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return stored.file()


# ------------------------------------------------------------------------- module helpers


def _lower(method: str | None) -> str | None:
    return method.lower() if method is not None else None


def _is_rate_limited(method: str) -> bool:
    """send*/edit* methods count against rate limits and hit blocked chats (not actions)."""
    return method.startswith(("send", "edit")) and method != "sendChatAction"


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.code)


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    copied = copy.deepcopy(message)
    copied.pop("reply_to_message", None)
    return copied


def _reply_button_text(button: Any) -> str:
    if isinstance(button, dict):
        return str(button.get("text", ""))
    return str(button)


def _set_or_pop(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _callback_data_of(message: SentMessage, text: str) -> str | None:
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == text and "callback_data" in button:
                return str(button["callback_data"])
    return None


def _inline_buttons(rows: Any) -> list[list[Button]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400,
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an '
            "Array of Arrays",
        )
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise ApiError(400, "Bad Request: BUTTONS_TOO_MUCH")
    parsed: list[list[Button]] = []
    for row in rows:
        parsed_row: list[Button] = []
        for button in row:
            if not isinstance(button, dict):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "InlineKeyboardButton must be an Object",
                )
            text = button.get("text")
            if not isinstance(text, str):
                raise ApiError(
                    400, "Bad Request: can't parse inline keyboard button: Text must be a String"
                )
            value: str | None = None
            if "callback_data" in button:
                data = button["callback_data"]
                if (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                value = data
            elif "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not _URL_RE.match(url):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                value = url
            elif not any(action in button for action in _INLINE_ACTIONS):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            parsed_row.append((text, value))
        parsed.append(parsed_row)
    return parsed


async def _read_params(request: web.Request) -> _Params:
    values: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return _Params(values)
    try:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            values.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    values[key] = _Upload(value.file.read(), value.filename, value.content_type)
                else:
                    values[key] = value
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    except ValueError:
        raise ApiError(400, "Bad Request: can't parse request body") from None
    return _Params(values)
