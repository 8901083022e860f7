"""The test-side API: acting as users (send messages, edit them, press buttons) and observing
what the bot sent (next_message, wait_for, no_message, callback answers, ...)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
from collections.abc import Callable
from typing import Any

from .media import STICKER_WEBP, StoredFile
from .models import MessageTimeoutError, SentMessage
from .state import CallbackQuery, Chat, EmulatorState, LogEntry, without_reply

__all__ = ["BotObserver", "UserActions"]

_BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


class UserActions(EmulatorState):
    """Any number of users talking to the bot: each user id is a private chat with it."""

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
        return self._user_message(user_id, first_name, _text_content(text), reply_to_message_id)

    async def edit_text(
        self, user_id: int, message_id: int, text: str, *, first_name: str | None = None
    ) -> dict[str, Any]:
        """The user edits the text of a message they sent earlier; returns the Message as
        delivered to the bot in an ``edited_message`` update.

        The Message keeps its ``message_id``, ``date`` and ``reply_to_message`` and gets the
        new ``text`` (a leading ``/command`` gets its entity again) and an ``edit_date``.
        :meth:`history` shows the new text from now on; an update still pending keeps the old.

        Raises ``LookupError`` when the chat has no such message (or it was deleted), and
        ``ValueError`` for a message the user did not send, one without text (photo,
        document, sticker) or an unchanged text (Telegram sends no update for that).
        """
        chat = self._chats.get(user_id)
        if (
            chat is None
            or not chat.known
            or message_id not in chat.messages
            or message_id in chat.deleted
        ):
            raise LookupError(f"no message #{message_id} in the chat with user {user_id}")
        original = chat.messages[message_id]
        if message_id in chat.sent or (original.get("from") or {}).get("id") != user_id:
            raise ValueError(
                f"message #{message_id} in chat {user_id} was not sent by the user, who can "
                "only edit their own messages"
            )
        if "text" not in original:
            raise ValueError(f"message #{message_id} in chat {user_id} has no text to edit")
        if original["text"] == text:
            raise ValueError(
                f"message #{message_id} in chat {user_id} already reads {text!r}; "
                "Telegram sends no update for an unchanged text"
            )
        user = self._touch_user(chat, first_name)
        # A new dict: the `message` update (if still pending) and events keep the old text.
        message = copy.deepcopy(original)
        message.pop("entities", None)
        message.update(_text_content(text))
        message["from"] = dict(user)
        message["chat"] = chat.chat_dict()
        message["edit_date"] = self._now()
        chat.messages[message_id] = message
        self._enqueue_update("edited_message", message)
        self._emit("user_edit", user_id, message)
        return copy.deepcopy(message)

    async def send_update(self, update: dict[str, Any]) -> int:
        """Queue a raw Update of any type for getUpdates (``my_chat_member``,
        ``channel_post``, ``message_reaction``, ...); returns its ``update_id``.

        `update` holds exactly one update field, e.g. ``{"my_chat_member": {...}}``; an
        ``update_id`` in it is replaced by the next one in sequence. The payload is delivered
        as given (a copy): no chat, user or message is registered and no event is emitted,
        so prefer :meth:`send_text` & co. for messages the rest of this API should know of.
        """
        fields = {key: value for key, value in update.items() if key != "update_id"}
        if len(fields) != 1:
            raise ValueError(
                "an Update holds exactly one update field besides update_id, "
                f"got {sorted(fields)!r}"
            )
        ((kind, payload),) = fields.items()
        if not isinstance(payload, dict):
            raise TypeError(
                f"update field {kind!r} must be an object (dict), not {type(payload).__name__}"
            )
        return self._enqueue_update(kind, copy.deepcopy(payload))

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
        self._queries[query_id] = CallbackQuery(query_id, user_id)
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

    def _touch_user(self, chat: Chat, first_name: str | None) -> dict[str, Any]:
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
            message["reply_to_message"] = without_reply(chat.messages[reply_to_message_id])
        message.update(content)
        chat.messages[message["message_id"]] = message
        self._enqueue_update("message", message)
        self._emit("user_message", user_id, message)
        return copy.deepcopy(message)


class BotObserver(EmulatorState):
    """What the bot sent: per-chat cursors over new messages, edits and deletions."""

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

    async def _next_entry(
        self,
        chat_id: int,
        timeout: float,
        match: Callable[[LogEntry], bool],
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


def _text_content(text: str) -> dict[str, Any]:
    """A text message's content; a leading ``/command`` gets a ``bot_command`` entity."""
    content: dict[str, Any] = {"text": text}
    match = _BOT_COMMAND_RE.match(text)
    if match:
        length = len(match.group(0).encode("utf-16-le")) // 2
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return content


def _callback_data_of(message: SentMessage, text: str) -> str | None:
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == text and "callback_data" in button:
                return str(button["callback_data"])
    return None
