"""The offline sandbox: a Telegram-like chat page served by the Bot API emulator.

Three layers, each usable on its own:

* :class:`ChatStore` keeps what the page shows (both sides of every chat, the files, the demo
  users, the bot's command list and the clock offset) in a small SQLite file, so the page's
  history and the bot's clock survive a restart of the process.
* :class:`SandboxPage` adds the chat page and its JSON/SSE API to a :class:`BotAPIEmulator`'s
  aiohttp app (by composition: routes and an event listener, nothing in the emulator changes).
* :class:`Sandbox` runs the whole thing: the emulator with the page, the real bot polling it on
  its own database file, and an :class:`~schedules.clock.OffsetClock` the page moves ahead.

HTTP API of the page (JSON; every error is a 4xx ``{"error": "..."}``; POSTs take JSON unless
noted, and must come from the page's own origin):

* ``GET /`` the chat page; ``GET /static/app.js``, ``/static/style.css``
* ``GET /api/config?user=ID`` bot, users, limits, commands, the clock
* ``GET /api/history?user=ID`` the chat with one user, oldest first
* ``GET /api/events?user=ID`` server-sent events for that chat (and clock/command changes)
* ``POST /api/send`` ``{"user": ID, "text": "..."}``: the user sends a message
* ``POST /api/press`` ``{"user": ID, "message_id": N, "data": "..."}``: the user taps a button;
  the bot's answer comes as an ``answer`` event
* ``POST /api/upload`` multipart ``user``, ``file`` (, ``caption``): the user sends a file
* ``GET /api/users``, ``POST /api/users`` ``{"id": ID, "name": "..."}``: the users to chat as
* ``GET /api/files/{file_id}`` a photo or document from a chat
* ``GET /api/clock[?user=ID]`` the bot's clock, in that user's timezone
* ``POST /api/clock/advance`` ``{"minutes": N}`` or ``{"to": "next", "user": ID}``: time travel
  (``"next"``: that user's next pending reminder; ``user`` also picks whose clock is returned)
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from aiohttp import BodyPartReader, web

from .media import guess_mime_type
from .models import EmulatorEvent, SentMessage
from .server import MAX_CALLBACK_DATA_BYTES, MAX_TEXT_LENGTH, BotAPIEmulator

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from schedules.clock import OffsetClock

__all__ = [
    "DEMO_USERS",
    "ChatStore",
    "Sandbox",
    "SandboxPage",
    "TimeControl",
    "chat_history_path",
]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
STATIC_FILES = {
    "app.js": "application/javascript",
    "style.css": "text/css",
}
DEMO_USERS: tuple[tuple[int, str], ...] = ((1001, "Ann"), (2002, "Bob"), (3003, "Chiara"))
MAX_USER_ID = 2**52 - 1  # Telegram user ids fit in 52 bits (and in a JavaScript number)
MAX_NAME_LENGTH = 64
MAX_JSON_BODY = 64 * 1024
MAX_CAPTION = 1024
MAX_ADVANCE_MINUTES = 7 * 24 * 60
HISTORY_LIMIT = 2000
KEEPALIVE_S = 15.0
UPLOAD_HARD_LIMIT = 64 * 1024 * 1024  # stop reading an oversized upload here
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def chat_history_path(sandbox_database_path: Path) -> Path:
    """Where the page keeps its chats: ``data/sandbox.sqlite3`` → ``data/sandbox-chat.sqlite3``."""
    path = Path(sandbox_database_path)
    return path.with_name(f"{path.stem}-chat{path.suffix or '.sqlite3'}")


# ------------------------------------------------------------------------------ storage


@dataclass(frozen=True, slots=True)
class StoredRow:
    chat_id: int
    message_id: int
    side: str  # "user" | "bot"
    data: dict[str, Any]
    deleted: bool


@dataclass(frozen=True, slots=True)
class StoredBlob:
    file_id: str
    kind: str  # "photo" | "document"
    file_name: str | None
    mime_type: str
    content: bytes


_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('user', 'bot')),
    data TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS files (
    file_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT,
    mime_type TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class ChatStore:
    """The page's own SQLite file. Small synchronous writes: one row per chat event."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None

    def open(self) -> Self:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            # The sandbox history is disposable: keep the broken file aside and start afresh.
            broken = self.path.with_name(self.path.name + ".broken")
            log.warning("sandbox chat history %s is unreadable (%s); moved to %s", self.path, exc, broken)
            self.close()
            self.path.replace(broken)
            self._db = self._connect()
        return self

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the chat store is not open")
        return self._db

    # meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def clock_offset(self) -> timedelta:
        raw = self.get_meta("clock_offset_s")
        try:
            return timedelta(seconds=max(0.0, float(raw))) if raw is not None else timedelta(0)
        except ValueError:
            return timedelta(0)

    @clock_offset.setter
    def clock_offset(self, offset: timedelta) -> None:
        self.set_meta("clock_offset_s", repr(offset.total_seconds()))

    @property
    def commands(self) -> list[dict[str, str]]:
        raw = self.get_meta("commands")
        try:
            value = json.loads(raw) if raw else []
        except ValueError:
            return []
        return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []

    @commands.setter
    def commands(self, commands: list[dict[str, str]]) -> None:
        self.set_meta("commands", json.dumps(commands))

    # users
    def users(self) -> dict[int, str]:
        return {int(i): str(n) for i, n in self.db.execute("SELECT id, first_name FROM users ORDER BY id")}

    def set_user(self, user_id: int, first_name: str) -> None:
        self.db.execute(
            "INSERT INTO users (id, first_name) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name",
            (user_id, first_name),
        )

    # messages
    def put_message(self, chat_id: int, side: str, data: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO messages (chat_id, message_id, side, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (chat_id, message_id) DO UPDATE SET data = excluded.data, deleted = 0",
            (chat_id, int(data["message_id"]), side, json.dumps(data, ensure_ascii=False)),
        )

    def delete_message(self, chat_id: int, message_id: int) -> None:
        self.db.execute(
            "UPDATE messages SET deleted = 1 WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )

    def history(self, chat_id: int, limit: int = HISTORY_LIMIT) -> list[StoredRow]:
        rows = self.db.execute(
            "SELECT chat_id, message_id, side, data, deleted FROM messages "
            "WHERE chat_id = ? AND deleted = 0 ORDER BY message_id DESC LIMIT ?",
            (chat_id, limit),
        ).fetchall()
        return [_row(r) for r in reversed(rows)]

    def message(self, chat_id: int, message_id: int) -> StoredRow | None:
        row = self.db.execute(
            "SELECT chat_id, message_id, side, data, deleted FROM messages "
            "WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        ).fetchone()
        return None if row is None else _row(row)

    def all_messages(self) -> list[StoredRow]:
        rows = self.db.execute(
            "SELECT chat_id, message_id, side, data, deleted FROM messages ORDER BY chat_id, message_id"
        ).fetchall()
        return [_row(r) for r in rows]

    # files
    def put_file(self, blob: StoredBlob) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO files (file_id, kind, file_name, mime_type, content) "
            "VALUES (?, ?, ?, ?, ?)",
            (blob.file_id, blob.kind, blob.file_name, blob.mime_type, blob.content),
        )

    def file(self, file_id: str) -> StoredBlob | None:
        row = self.db.execute(
            "SELECT file_id, kind, file_name, mime_type, content FROM files WHERE file_id = ?", (file_id,)
        ).fetchone()
        return None if row is None else StoredBlob(row[0], row[1], row[2], row[3], bytes(row[4]))


def _row(row: tuple[Any, ...]) -> StoredRow:
    return StoredRow(int(row[0]), int(row[1]), str(row[2]), json.loads(row[3]), bool(row[4]))


# -------------------------------------------------------------------------- the view


def message_view(side: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the page renders for one Bot API Message dict (both sides use the same shape)."""
    text = data.get("text")
    entities = data.get("entities")
    if text is None:
        text = data.get("caption") or ""
        entities = data.get("caption_entities")
    view: dict[str, Any] = {
        "id": int(data["message_id"]),
        "side": side,
        "date": int(data.get("date") or 0),
        "edited": "edit_date" in data,
        "text": text,
        "entities": entities or [],
    }
    photo = data.get("photo")
    if isinstance(photo, list) and photo:
        biggest = max(photo, key=lambda size: size.get("width", 0) * size.get("height", 0))
        view["photo"] = {
            "url": f"/api/files/{biggest['file_id']}",
            "width": biggest.get("width") or 0,
            "height": biggest.get("height") or 0,
        }
    document = data.get("document")
    if isinstance(document, dict):
        view["document"] = {
            "url": f"/api/files/{document['file_id']}",
            "name": document.get("file_name") or "file",
            "size": document.get("file_size") or 0,
            "mime": document.get("mime_type") or "application/octet-stream",
        }
    if "sticker" in data:
        view["text"] = view["text"] or data["sticker"].get("emoji", "")
    markup = data.get("reply_markup")
    if isinstance(markup, dict) and isinstance(markup.get("inline_keyboard"), list):
        rows = []
        for row in markup["inline_keyboard"]:
            buttons = []
            for button in row:
                item: dict[str, Any] = {"text": str(button.get("text", ""))}
                if "callback_data" in button:
                    item["data"] = str(button["callback_data"])
                elif "url" in button:
                    item["url"] = str(button["url"])
                buttons.append(item)
            rows.append(buttons)
        view["buttons"] = rows
    reply = data.get("reply_to_message")
    if isinstance(reply, dict):
        view["reply_to"] = {
            "id": reply.get("message_id"),
            "text": (reply.get("text") or reply.get("caption") or "")[:200],
            "side": "bot" if reply.get("from", {}).get("is_bot") else "user",
        }
    return view


# --------------------------------------------------------------------- time control


class TimeControl(Protocol):
    """What the page needs of the bot's clock (see :class:`Sandbox`)."""

    def now(self) -> datetime: ...

    async def advance(self, delta: timedelta) -> None: ...

    async def next_due(self, user_id: int | None) -> datetime | None: ...

    async def zone(self, user_id: int | None) -> tzinfo: ...


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


def _parse_user_id(value: Any, field: str = "user") -> int:
    if value is None or value == "":
        raise _HttpError(400, f"missing field: {field}")
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d{1,16}\s*", value):
        number = int(value)
    if number is None or not 1 <= number <= MAX_USER_ID:
        raise _HttpError(400, f"{field} must be a Telegram user id: a whole number from 1 to {MAX_USER_ID}")
    return number


def _parse_name(value: Any) -> str:
    if not isinstance(value, str):
        raise _HttpError(400, "name must be a string")
    name = " ".join(value.split())
    if not name or len(name) > MAX_NAME_LENGTH or not _NAME_RE.match(name):
        raise _HttpError(400, f"name must be 1 to {MAX_NAME_LENGTH} printable characters")
    return name


def _safe_filename(raw: str | None) -> str:
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f")
    return name[:255] or "file"


def _sniff_mime(content: bytes, file_name: str | None, declared: str | None) -> str:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return guess_mime_type(file_name, declared)


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


# ------------------------------------------------------------------------------ the page


class SandboxPage:
    """The chat page and its API, on the emulator's aiohttp app (call before ``start()``)."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        store: ChatStore,
        *,
        time: TimeControl | None = None,
        max_file_bytes: int = 5 * 1024 * 1024,
        demo_users: tuple[tuple[int, str], ...] = DEMO_USERS,
    ) -> None:
        self.emulator = emulator
        self.store = store
        self.time = time
        self.max_file_bytes = max_file_bytes
        self.demo_users = dict(demo_users)
        self._streams: dict[int, set[asyncio.Queue[dict[str, Any] | None]]] = {}
        self._advance_lock = asyncio.Lock()
        self._closing = False
        self._restore()
        emulator.add_listener(self._on_event)
        self._routes()

    # -------------------------------------------------------------- users and restore

    def name_of(self, user_id: int) -> str:
        stored = self.store.users().get(user_id)
        return stored or self.demo_users.get(user_id) or f"Baker {user_id}"

    def users(self) -> list[dict[str, Any]]:
        stored = self.store.users()
        listed = [{"id": uid, "name": stored.get(uid, name), "demo": True}
                  for uid, name in self.demo_users.items()]
        listed += [{"id": uid, "name": name, "demo": False} for uid, name in stored.items()
                   if uid not in self.demo_users]
        return listed

    def _restore(self) -> None:
        """Put the saved chats back into the emulator: ids continue, old buttons still work."""
        rows = self.store.all_messages()
        if not rows:
            return
        names = self.store.users()
        by_chat: dict[int, list[StoredRow]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        for chat_id, chat_rows in by_chat.items():
            self.emulator.set_user(chat_id, first_name=names.get(chat_id) or self.name_of(chat_id))
            for row in chat_rows:
                self.emulator.restore_message(
                    chat_id, row.data, from_bot=row.side == "bot", deleted=row.deleted
                )

    # -------------------------------------------------------------------- events

    def _on_event(self, event: EmulatorEvent) -> None:
        kind, chat_id, payload = event.kind, event.chat_id, event.payload
        out: dict[str, Any] | None = None
        if kind == "user_message":
            self._keep_files(payload)
            self.store.put_message(chat_id, "user", payload)
            if chat_id not in self.store.users():
                first_name = payload.get("from", {}).get("first_name") or self.name_of(chat_id)
                self.store.set_user(chat_id, first_name)
            out = {"type": "message", "message": message_view("user", payload)}
        elif kind in ("bot_message", "bot_edit"):
            assert isinstance(payload, SentMessage)
            if kind == "bot_message":
                self._keep_bot_file(payload)
            self.store.put_message(chat_id, "bot", payload.raw)
            out = {"type": "message", "message": message_view("bot", payload.raw)}
        elif kind == "bot_delete":
            assert isinstance(payload, SentMessage)
            self.store.delete_message(chat_id, payload.message_id)
            out = {"type": "delete", "id": payload.message_id}
        elif kind == "callback_answer":
            out = {"type": "answer", "query_id": payload.get("callback_query_id"),
                   "text": payload.get("text"), "show_alert": bool(payload.get("show_alert"))}
        elif kind == "chat_action":
            out = {"type": "action", "action": payload.get("action")}
        elif kind == "commands":
            commands = payload.get("commands", [])
            self.store.commands = commands
            self._broadcast({"type": "commands", "commands": commands})
        if out is not None:
            self._publish(chat_id, out)

    def _keep_files(self, message: dict[str, Any]) -> None:
        document = message.get("document")
        if isinstance(document, dict):
            content = self.emulator.file_content(document["file_id"])
            self.store.put_file(StoredBlob(
                document["file_id"], "document", document.get("file_name"),
                _sniff_mime(content, document.get("file_name"), document.get("mime_type")), content,
            ))
        photos = message.get("photo")
        if isinstance(photos, list):
            for size in photos:
                content = self.emulator.file_content(size["file_id"])
                self.store.put_file(StoredBlob(size["file_id"], "photo", None,
                                               _sniff_mime(content, None, None), content))

    def _keep_bot_file(self, sent: SentMessage) -> None:
        content = sent.photo if sent.kind == "photo" else sent.document
        if sent.file_id is None or content is None:
            return
        self.store.put_file(StoredBlob(
            sent.file_id, sent.kind, sent.filename,
            _sniff_mime(content, sent.filename, sent.mime_type), content,
        ))

    def _publish(self, chat_id: int, event: dict[str, Any]) -> None:
        for queue in self._streams.get(chat_id, ()):
            queue.put_nowait(event)

    def _broadcast(self, event: dict[str, Any]) -> None:
        for queues in self._streams.values():
            for queue in queues:
                queue.put_nowait(event)

    def begin_close(self) -> None:
        """Refuse new requests and end the event streams (the page reconnects to the next
        process); what the bot still sends meanwhile is recorded."""
        self._closing = True
        for queues in self._streams.values():
            for queue in queues:
                queue.put_nowait(None)

    async def close(self) -> None:
        self.begin_close()
        self.emulator.remove_listener(self._on_event)
        await asyncio.sleep(0)

    # -------------------------------------------------------------------- routing

    def _routes(self) -> None:
        router = self.emulator.app.router
        table: list[tuple[str, dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]] = [
            ("/", {"GET": self._index}),
            ("/static/{name}", {"GET": self._static}),
            ("/api/config", {"GET": self._config}),
            ("/api/history", {"GET": self._history}),
            ("/api/events", {"GET": self._events}),
            ("/api/send", {"POST": self._send}),
            ("/api/press", {"POST": self._press}),
            ("/api/upload", {"POST": self._upload}),
            ("/api/users", {"GET": self._users, "POST": self._name_user}),
            ("/api/files/{file_id}", {"GET": self._file}),
            ("/api/clock", {"GET": self._clock}),
            ("/api/clock/advance", {"POST": self._advance}),
            ("/api/{tail:.*}", {}),
        ]
        for path, handlers in table:
            router.add_route("*", path, self._dispatcher(handlers))

    def _dispatcher(
        self, handlers: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def dispatch(request: web.Request) -> web.StreamResponse:
            if not self._host_allowed(request):
                return _error(403, "unexpected Host header (the sandbox answers on its own address only)")
            if self._closing:
                return _error(503, "the sandbox is shutting down")
            if not handlers:
                return _error(404, f"no such endpoint: {request.path}")
            method = "GET" if request.method == "HEAD" else request.method
            handler = handlers.get(method)
            if handler is None:
                allowed = ", ".join(sorted(handlers))
                return _error(405, f"method {request.method} is not allowed here; use {allowed}",
                              Allow=allowed)
            if method == "POST" and not self._same_origin(request):
                return _error(403, "cross-origin request refused")
            try:
                return await handler(request)
            except _HttpError as exc:
                return _error(exc.status, exc.message)

        return dispatch

    def _host_allowed(self, request: web.Request) -> bool:
        """Against DNS rebinding: on a loopback address, answer only loopback host names."""
        bound = self.emulator.host
        try:
            loopback = ipaddress.ip_address(bound.strip("[]")).is_loopback
        except ValueError:
            loopback = bound == "localhost"
        if not loopback:
            return True
        host = (request.host or "").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in _LOOPBACK_NAMES or name == bound.lower()

    @staticmethod
    def _same_origin(request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        return origin == f"{request.scheme}://{request.host}"

    # ------------------------------------------------------------------- helpers

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise _HttpError(415, "send a JSON object with Content-Type: application/json")
        if request.content_length is not None and request.content_length > MAX_JSON_BODY:
            raise _HttpError(413, f"request body too large (at most {MAX_JSON_BODY // 1024} KB)")
        raw = await request.content.read(MAX_JSON_BODY + 1)
        if len(raw) > MAX_JSON_BODY:
            raise _HttpError(413, f"request body too large (at most {MAX_JSON_BODY // 1024} KB)")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _HttpError(400, "malformed JSON body") from None
        if not isinstance(body, dict):
            raise _HttpError(400, "the JSON body must be an object")
        return body

    @staticmethod
    def _query_user(request: web.Request) -> int:
        return _parse_user_id(request.query.get("user"))

    async def clock_info(self, user_id: int | None) -> dict[str, Any] | None:
        if self.time is None:
            return None
        now = self.time.now()
        zone = await self.time.zone(user_id)
        next_due = await self.time.next_due(user_id)
        utc_offset = now.astimezone(zone).utcoffset() or timedelta(0)
        return {
            "now": now.astimezone(UTC).isoformat(timespec="seconds"),
            "now_ms": int(now.timestamp() * 1000),
            "offset_s": round((now - datetime.now(UTC)).total_seconds()),
            "zone": getattr(zone, "key", None) or str(zone),
            "utc_offset_s": int(utc_offset.total_seconds()),
            "next_due_ms": int(next_due.timestamp() * 1000) if next_due else None,
        }

    # ------------------------------------------------------------------ handlers

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise _HttpError(404, f"no such file: {name}")
        return web.FileResponse(
            STATIC_DIR / name, headers={"Cache-Control": "no-cache", "Content-Type": STATIC_FILES[name]}
        )

    async def _config(self, request: web.Request) -> web.StreamResponse:
        user_id = self._query_user(request)
        bot = self.emulator.bot_user
        return web.json_response({
            "bot": {"name": bot["first_name"], "username": bot["username"]},
            "user": {"id": user_id, "name": self.name_of(user_id)},
            "users": self.users(),
            "limits": {"text": MAX_TEXT_LENGTH, "file": self.max_file_bytes, "caption": MAX_CAPTION},
            "commands": self.emulator.commands or self.store.commands,
            "clock": await self.clock_info(user_id),
        })

    async def _history(self, request: web.Request) -> web.StreamResponse:
        user_id = self._query_user(request)
        messages = [message_view(row.side, row.data) for row in self.store.history(user_id)]
        return web.json_response({"user": user_id, "messages": messages})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        user_id = self._query_user(request)
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._streams.setdefault(user_id, set()).add(queue)
        try:
            await response.write(b"retry: 1000\n\nevent: hello\ndata: {}\n\n")
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if item is None:
                    break
                data = json.dumps(item, ensure_ascii=False)
                await response.write(f"data: {data}\n\n".encode())
        except (ConnectionResetError, RuntimeError):
            pass  # the page went away
        finally:
            streams = self._streams.get(user_id)
            if streams is not None:
                streams.discard(queue)
                if not streams:
                    self._streams.pop(user_id, None)
        return response

    async def _send(self, request: web.Request) -> web.StreamResponse:
        body = await self._json(request)
        user_id = _parse_user_id(body.get("user"))
        text = body.get("text")
        if text is None:
            raise _HttpError(400, "missing field: text")
        if not isinstance(text, str):
            raise _HttpError(400, "text must be a string")
        if not text.strip():
            raise _HttpError(400, "the message is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _HttpError(400, f"the message is too long: {len(text)} characters, "
                                  f"Telegram allows {MAX_TEXT_LENGTH}")
        message = await self.emulator.send_text(user_id, text, first_name=self.name_of(user_id))
        return web.json_response({"message": message_view("user", message)})

    async def _press(self, request: web.Request) -> web.StreamResponse:
        body = await self._json(request)
        user_id = _parse_user_id(body.get("user"))
        message_id = body.get("message_id")
        if message_id is None:
            raise _HttpError(400, "missing field: message_id")
        if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id < 1:
            raise _HttpError(400, "message_id must be a positive whole number")
        data = body.get("data")
        if data is None:
            raise _HttpError(400, "missing field: data")
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise _HttpError(400, f"data must be a string of 1 to {MAX_CALLBACK_DATA_BYTES} bytes")
        row = self.store.message(user_id, message_id)
        if row is None or row.deleted or row.side != "bot":
            raise _HttpError(404, f"no message #{message_id} from the bot in the chat with user {user_id}")
        buttons = message_view("bot", row.data).get("buttons", [])
        if not any(button.get("data") == data for line in buttons for button in line):
            raise _HttpError(409, "that button is no longer there (the message changed)")
        try:
            query_id = await self.emulator.press_button(user_id, message_id, data,
                                                        first_name=self.name_of(user_id))
        except LookupError as exc:
            raise _HttpError(404, str(exc)) from None
        return web.json_response({"query_id": query_id})

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        if not request.content_type.startswith("multipart/"):
            raise _HttpError(415, "send the file as multipart/form-data (fields user, file)")
        limit = self.max_file_bytes
        too_large = f"the file is too large: at most {_human_size(limit)} (IMPORT_MAX_BYTES)"
        if request.content_length is not None and request.content_length > UPLOAD_HARD_LIMIT:
            raise _HttpError(413, too_large)
        fields: dict[str, str] = {}
        upload: tuple[str, str | None, bytes] | None = None
        oversized = False
        try:
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "file" and part.filename is not None:
                    chunks, size = [], 0
                    while chunk := await part.read_chunk(64 * 1024):
                        size += len(chunk)
                        if size > UPLOAD_HARD_LIMIT:
                            raise _HttpError(413, too_large)
                        if size <= limit:
                            chunks.append(chunk)
                    oversized = oversized or size > limit
                    upload = (part.filename, part.headers.get("Content-Type"), b"".join(chunks))
                elif part.name in ("user", "caption"):
                    value = await part.read(decode=True)
                    if len(value) > 8 * 1024:
                        raise _HttpError(413, f"field {part.name} is too long")
                    fields[part.name] = value.decode("utf-8", errors="replace")
                else:
                    await part.release()
        except (ValueError, AssertionError):
            raise _HttpError(400, "malformed multipart body") from None
        user_id = _parse_user_id(fields.get("user"))
        if upload is None:
            raise _HttpError(400, "missing field: file")
        if oversized:
            raise _HttpError(413, too_large)
        filename, declared, content = upload
        if not content:
            raise _HttpError(400, "the file is empty")
        caption = fields.get("caption", "").strip() or None
        if caption is not None and len(caption) > MAX_CAPTION:
            raise _HttpError(400, f"the caption is too long (at most {MAX_CAPTION} characters)")
        name = _safe_filename(filename)
        mime = guess_mime_type(name, declared)
        message = await self.emulator.send_document(
            user_id, name, content, mime_type=mime, caption=caption, first_name=self.name_of(user_id)
        )
        return web.json_response({"message": message_view("user", message)})

    async def _users(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"users": self.users()})

    async def _name_user(self, request: web.Request) -> web.StreamResponse:
        body = await self._json(request)
        user_id = _parse_user_id(body.get("id"), "id")
        if user_id == self.emulator.bot_user["id"]:
            raise _HttpError(400, "that id belongs to the bot")
        name = _parse_name(body.get("name")) if body.get("name") is not None else self.name_of(user_id)
        self.store.set_user(user_id, name)
        self.emulator.set_user(user_id, first_name=name)
        return web.json_response({"user": {"id": user_id, "name": name}, "users": self.users()})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        blob = self.store.file(file_id)
        if blob is None:
            raise _HttpError(404, "no such file")
        inline = blob.mime_type in _INLINE_IMAGES  # not SVG: it could carry script
        disposition = "inline" if inline else "attachment"
        headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
        if blob.file_name:
            quoted = blob.file_name.replace("\\", "_").replace('"', "_")
            headers["Content-Disposition"] = f'{disposition}; filename="{quoted}"'
        else:
            headers["Content-Disposition"] = disposition
        if not inline:
            headers["Content-Security-Policy"] = "sandbox"
        return web.Response(body=blob.content, content_type=blob.mime_type, headers=headers)

    async def _clock(self, request: web.Request) -> web.StreamResponse:
        if self.time is None:
            raise _HttpError(404, "this server has no bot clock")
        user_id = self._query_user(request) if "user" in request.query else None
        return web.json_response(await self.clock_info(user_id))

    async def _advance(self, request: web.Request) -> web.StreamResponse:
        if self.time is None:
            raise _HttpError(404, "this server has no bot clock")
        body = await self._json(request)
        user_id = _parse_user_id(body["user"]) if body.get("user") is not None else None
        async with self._advance_lock:
            if "to" in body:
                if body["to"] != "next":
                    raise _HttpError(400, 'to must be "next" (the next pending reminder)')
                due = await self.time.next_due(user_id)
                if due is None:
                    whose = "" if user_id is None else f" for user {user_id}"
                    raise _HttpError(409, f"no reminder is pending{whose}")
                delta = max(due - self.time.now(), timedelta(0)) + timedelta(seconds=1)
            elif "minutes" in body:
                minutes = body["minutes"]
                if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes != minutes:
                    raise _HttpError(400, "minutes must be a number")
                if not 1 <= minutes <= MAX_ADVANCE_MINUTES:
                    raise _HttpError(400, f"minutes must be between 1 and {MAX_ADVANCE_MINUTES} (a week)")
                delta = timedelta(minutes=minutes)
            else:
                raise _HttpError(400, 'missing field: minutes (or "to": "next")')
            await self.time.advance(delta)
        clock = await self.clock_info(user_id)
        self._broadcast({"type": "clock"})
        return web.json_response({"advanced_s": round(delta.total_seconds()), "clock": clock})




# ------------------------------------------------------------------------- the sandbox


class Sandbox:
    """The emulator with the chat page, the real bot polling it, and a clock that jumps.

    ``async with Sandbox(settings) as sandbox:`` or ``await start()`` / ``await stop()``;
    :attr:`url` is the page. The bot uses ``settings.sandbox_database_path``; the page keeps
    its chats and the clock offset in :func:`chat_history_path` of it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        host: str | None = None,
        port: int | None = None,
        polling_timeout: int = 10,
        backoff_base_s: float = 0.5,
    ) -> None:
        self.settings = settings
        self.host = host or settings.sandbox_host
        self.port = settings.sandbox_port if port is None else port
        self.polling_timeout = polling_timeout
        self.backoff_base_s = backoff_base_s
        self.history_path = chat_history_path(settings.sandbox_database_path)
        self.store: ChatStore | None = None
        self.clock: OffsetClock | None = None
        self.emulator: BotAPIEmulator | None = None
        self.page: SandboxPage | None = None
        self.app: App | None = None
        self.polling: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The chat page's address (a wildcard bind address is shown as 127.0.0.1)."""
        assert self.emulator is not None, "the sandbox is not running"
        return f"http://{_connect_host(self.host)}:{self.emulator.port}"

    @property
    def bound_addresses(self) -> list[Any]:
        assert self.emulator is not None
        return self.emulator.bound_addresses

    async def start(self) -> Self:
        from bot.app import build_app
        from schedules.clock import OffsetClock

        self.store = ChatStore(self.history_path).open()
        try:
            clock = self.clock = OffsetClock(self.store.clock_offset)
            self.emulator = BotAPIEmulator(
                host=self.host, port=self.port, clock=lambda: clock.now().timestamp()
            )
            self.page = SandboxPage(self.emulator, self.store, time=self,
                                    max_file_bytes=self.settings.import_max_bytes)
            await self.emulator.start()
            api_base = f"http://{_connect_host(self.host)}:{self.emulator.port}"
            bot_settings = self.settings.model_copy(update={
                "database_path": self.settings.sandbox_database_path,
                "database_url": None,  # the sandbox never touches the real (PostgreSQL) database
                "telegram_api_base": api_base,
                "bot_token": None,
            })
            self.app = await build_app(bot_settings, self.emulator.token, clock=clock,
                                       backoff_base_s=self.backoff_base_s)
            started = asyncio.Event()

            async def mark_started() -> None:
                started.set()

            self.app.dispatcher.startup.register(mark_started)
            self.polling = asyncio.create_task(self.app.dispatcher.start_polling(
                self.app.bot, polling_timeout=self.polling_timeout, handle_signals=False,
            ))
            waiter = asyncio.create_task(started.wait())
            await asyncio.wait({waiter, self.polling}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            if not started.is_set():
                waiter.cancel()
                if self.polling.done():
                    self.polling.result()  # raises what stopped the bot
                raise RuntimeError("the bot did not start within 30 s")
        except BaseException:
            await self.stop()
            raise
        return self

    async def stop(self) -> None:
        if self.page is not None:
            self.page.begin_close()
        if self.app is not None and self.polling is not None:
            if not self.polling.done():
                with contextlib.suppress(RuntimeError):  # not polling (yet)
                    await self.app.dispatcher.stop_polling()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(self.polling), 15)
            if not self.polling.done():
                self.polling.cancel()
        elif self.app is not None:
            await self.app.database.close()
            await self.app.bot.session.close()
        self.app, self.polling = None, None
        if self.page is not None:
            await self.page.close()
            self.page = None
        if self.emulator is not None:
            await self.emulator.stop()
            self.emulator = None
        if self.store is not None:
            self.store.close()
            self.store = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- TimeControl

    def now(self) -> datetime:
        assert self.clock is not None
        return self.clock.now()

    async def advance(self, delta: timedelta) -> None:
        """Jump the bot's clock ahead, remember it, and let due reminders fire."""
        assert self.clock is not None and self.store is not None
        self.clock.advance(delta)
        self.store.clock_offset = self.clock.offset
        if self.app is not None:
            await self.app.reminders.resync()

    async def next_due(self, user_id: int | None) -> datetime | None:
        """The earliest pending reminder of that user (of anyone when None); None when there is none.

        Only the user's own: the page shows it as the next reminder of the chat it is showing."""
        from storage.database import StorageError

        if self.app is None:
            return None
        far = datetime(9999, 1, 1, tzinfo=UTC)
        try:
            pending = await self.app.database.read(lambda repo: repo.pending_due_before(far))
        except StorageError:  # stopping: the bot closed its database
            return None
        if user_id is not None:
            pending = [r for r in pending if r.user_id == user_id]
        return pending[0].due_at if pending else None

    async def zone(self, user_id: int | None) -> tzinfo:
        from schedules.parsing import zone_for
        from storage.database import StorageError

        key = None
        if self.app is not None and user_id is not None:
            try:
                user = await self.app.database.read(lambda repo: repo.get_user(user_id))
                key = user.timezone if user is not None else None
            except StorageError:  # stopping: the bot closed its database
                pass
        return zone_for(key, self.settings.default_timezone)


def _connect_host(host: str) -> str:
    """An address a client on this machine can reach for a bind address."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        return "127.0.0.1"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host
