"""Public data types of the emulator: what the bot sent, observable events, counters, errors."""

from __future__ import annotations

import copy
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "ApiError",
    "Button",
    "EmulatorEvent",
    "EventKind",
    "MessageTimeoutError",
    "SentMessage",
    "Stats",
]

Button = tuple[str, str | None]
"""A rendered inline button: (visible text, callback_data or url)."""

EventKind = Literal[
    "user_message",
    "user_edit",
    "callback_query",
    "bot_message",
    "bot_edit",
    "bot_delete",
    "callback_answer",
    "chat_action",
    "commands",
]


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class MessageTimeoutError(TimeoutError):
    """Nothing matching arrived in time (a ``TimeoutError``, so ``asyncio.TimeoutError`` too)."""


@dataclass(slots=True)
class SentMessage:
    """One message the bot sent to a chat, as the user sees it.

    ``text`` is the plain text the user reads (tags stripped, entities unescaped); for a photo
    or document it is the plain caption (or ""). ``html`` is the raw text/caption exactly as
    the bot sent it, whatever its ``parse_mode``. ``buttons`` lists inline keyboard rows as
    ``(text, callback_data or url)``; ``keyboard`` lists reply-keyboard rows (texts only).
    ``edited`` counts edits (truthy once edited). ``raw`` is the Bot API ``Message`` dict.
    """

    message_id: int
    chat_id: int
    text: str = ""
    html: str | None = None
    parse_mode: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    caption: str | None = None
    edited: int = 0
    deleted: bool = False
    kind: Literal["text", "photo", "document"] = "text"
    date: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)
    mime_type: str | None = None
    file_id: str | None = None
    keyboard: list[list[str]] | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, chat_id: int, data: dict[str, Any]) -> SentMessage:
        """The live state of a bot message from its Bot API dict (enough to press and edit it)."""
        kind = "photo" if "photo" in data else "document" if "document" in data else "text"
        markup = data.get("reply_markup") if isinstance(data.get("reply_markup"), dict) else None
        buttons = [
            [(str(b.get("text", "")), b.get("callback_data") or b.get("url")) for b in row]
            for row in (markup or {}).get("inline_keyboard", [])
        ]
        file_id = None
        if kind == "photo":
            file_id = data["photo"][-1]["file_id"]
        elif kind == "document":
            file_id = data["document"]["file_id"]
        caption = data.get("caption")
        return cls(
            message_id=int(data["message_id"]),
            chat_id=chat_id,
            text=data.get("text") or caption or "",
            buttons=buttons,
            reply_markup=markup,
            caption=caption,
            edited=1 if "edit_date" in data else 0,
            kind=kind,  # type: ignore[arg-type]
            date=int(data.get("date") or 0),
            entities=list(data.get("entities") or data.get("caption_entities") or []),
            file_id=file_id,
            filename=(data.get("document") or {}).get("file_name"),
            raw=data,
        )

    @property
    def button_texts(self) -> list[str]:
        """Visible texts of all inline buttons, row by row."""
        return [text for row in self.buttons for text, _ in row]

    def find_button(self, text: str) -> Button:
        """The inline button whose text equals `text`, else the only one containing it.

        Raises ``AssertionError`` listing the buttons when there is no match or several.
        """
        flat = [button for row in self.buttons for button in row]
        exact = [button for button in flat if button[0] == text]
        if exact:
            return exact[0]
        partial = [button for button in flat if text in button[0]]
        if not partial:
            lowered = text.lower()
            partial = [button for button in flat if lowered in button[0].lower()]
        if len(partial) == 1:
            return partial[0]
        problem = "no button" if not partial else f"{len(partial)} buttons"
        raise AssertionError(
            f"{problem} matching {text!r} in message #{self.message_id} "
            f"(chat {self.chat_id}, text {_short(self.text)!r}); buttons: {self.button_texts!r}"
        )

    def snapshot(self) -> SentMessage:
        """An independent copy (the emulator keeps mutating its own live state)."""
        return replace(
            self,
            buttons=[list(row) for row in self.buttons],
            reply_markup=copy.deepcopy(self.reply_markup),
            entities=copy.deepcopy(self.entities),
            keyboard=[list(row) for row in self.keyboard] if self.keyboard is not None else None,
            raw=copy.deepcopy(self.raw),
        )

    def describe(self) -> str:
        """A one-line summary for error messages and logs."""
        flags: list[str] = []
        if self.kind != "text":
            flags.append(self.kind)
        if self.edited:
            flags.append(f"edited x{self.edited}")
        if self.deleted:
            flags.append("deleted")
        extra = f" [{', '.join(flags)}]" if flags else ""
        buttons = f" buttons={self.button_texts!r}" if self.buttons else ""
        return f"#{self.message_id}{extra} {_short(self.text)!r}{buttons}"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class EmulatorEvent:
    """Something that happened in a chat; streamed to listeners (e.g. a web chat page).

    ``payload`` is a :class:`SentMessage` snapshot for ``bot_*`` kinds, the Bot API update
    object (``message`` / ``edited_message`` / ``callback_query`` dict) for user kinds, and a
    plain dict otherwise.
    ``chat_id`` is 0 for bot-wide events such as ``commands``.
    """

    kind: EventKind
    chat_id: int
    payload: Any
    time: float = field(default_factory=time.time)


@dataclass(slots=True)
class Stats:
    """Request counters; ``requests``/``accepted`` are keyed by canonical method name."""

    requests: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[int] = field(default_factory=Counter)
    injected: int = 0
    dropped: int = 0
    rate_limited: int = 0
    updates_confirmed: int = 0

    @property
    def rejected_429(self) -> int:
        """All 429 answers (injected and from the rate limiters)."""
        return self.rejected[429]

    @property
    def messages_sent(self) -> int:
        """Accepted send* calls that created a message."""
        return sum(
            count
            for method, count in self.accepted.items()
            if method.startswith("send") and method != "sendChatAction"
        )
