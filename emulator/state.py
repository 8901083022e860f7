"""Per-instance state of the emulator: chats and their message logs, the updates queue, files,
callback queries, commands, and the event listeners.

:class:`EmulatorState` is the base of every part of :class:`~emulator.server.BotAPIEmulator`
(the Bot API methods, fault injection, the test-side API); it holds the data and the small
helpers they share.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .media import FileKind, StoredFile
from .models import EmulatorEvent, EventKind, SentMessage, Stats

__all__ = [
    "CallbackQuery",
    "Chat",
    "Clock",
    "EmulatorState",
    "Listener",
    "LogEntry",
    "LogKind",
    "without_reply",
]

# The logger keeps its name from before the split of emulator/server.py.
log = logging.getLogger("emulator.server")

Listener = Callable[[EmulatorEvent], object]
Clock = Callable[[], float]
LogKind = Literal["sent", "edited", "deleted"]
_EVENT_OF_LOG: dict[LogKind, EventKind] = {
    "sent": "bot_message",
    "edited": "bot_edit",
    "deleted": "bot_delete",
}


@dataclass(slots=True)
class LogEntry:
    """One state of a bot message, as the test side reads them in order."""

    kind: LogKind
    message: SentMessage


class Chat:
    """A private chat between one user and the bot, plus the test-side read cursor."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        self.user: dict[str, Any] | None = None  # None until the user talks to the bot
        self.last_message_id = 0
        self.messages: dict[int, dict[str, Any]] = {}  # Bot API Message dicts, both sides
        self.deleted: set[int] = set()
        self.sent: dict[int, SentMessage] = {}  # the bot's messages, live state
        self.log: list[LogEntry] = []
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

    def find(self, match: Callable[[LogEntry], bool]) -> int | None:
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

    def unread(self) -> Iterator[LogEntry]:
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
class CallbackQuery:
    """A callback query a user sent, waiting for (or holding) the bot's answer."""

    query_id: str
    chat_id: int
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    answer: dict[str, Any] | None = None


def without_reply(message: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Message dict for ``reply_to_message`` (which is never nested further)."""
    copied = copy.deepcopy(message)
    copied.pop("reply_to_message", None)
    return copied


class EmulatorState:
    """The emulator's data and the helpers shared by its parts (see the module docstring)."""

    def __init__(self, token: str, clock: Clock, bot_user: dict[str, Any]) -> None:
        self.token = token
        self.clock = clock
        self.bot_user = bot_user
        self.stats = Stats()

        self._chats: dict[int, Chat] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._last_update_id = 0
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._bot_files: list[StoredFile] = []
        self._file_counter = 0
        self._queries: dict[str, CallbackQuery] = {}
        self._query_counter = 0
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._last_commands: list[dict[str, str]] = []
        self._listeners: list[Listener] = []
        self._queues: list[asyncio.Queue[EmulatorEvent]] = []

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

    # --------------------------------------------------------------------------- chats

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

    def _now(self) -> int:
        return int(self.clock())

    def _chat(self, chat_id: int) -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = Chat(chat_id)
        return chat

    def _record(self, chat: Chat, kind: LogKind, sent: SentMessage) -> None:
        """Log a new state of a bot message for the test side and emit it as an event."""
        snapshot = sent.snapshot()
        chat.log.append(LogEntry(kind, snapshot))
        chat.notify()
        self._emit(_EVENT_OF_LOG[kind], chat.chat_id, snapshot)

    # ------------------------------------------------------------------------- updates

    def _enqueue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue ``{"update_id": N, kind: payload}`` for getUpdates; returns N."""
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._notify_updates()
        return self._last_update_id

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    # --------------------------------------------------------------------------- files

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
