"""The Bot API methods the emulator answers (getUpdates, sendMessage, editMessageText, ...).

Each handler takes the request's :class:`~emulator.params.Params` and returns the ``result``
of a successful call, or raises :class:`~emulator.models.ApiError` with Telegram's code and
description. The HTTP layer (:mod:`emulator.server`) routes calls here via
:meth:`BotMethods._method_table`, after the checks of :mod:`emulator.faults`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from .constants import CHAT_ACTIONS, MAX_CALLBACK_ANSWER_LENGTH, MAX_DOWNLOAD_SIZE
from .formatting import FormattedText
from .media import FileKind, StoredFile, guess_mime_type
from .models import ApiError, SentMessage
from .params import Params, Upload, as_int
from .state import Chat
from .validation import Markup, formatted_text, parse_markup, reply_target
from .webhook import WebhookDelivery

__all__ = ["BotMethods", "Handler"]

Handler = Callable[[Params], Awaitable[Any]]

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


class BotMethods(WebhookDelivery):
    """Handlers of the Bot API methods, with the validation they share."""

    _media_groups: int = 13_000_000_000_000_000  # the last media_group_id given out

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        """Lower-case method name -> (canonical name, handler); Telegram ignores the case."""
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ------------------------------------------------------------------------- methods

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
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

    async def _delete_webhook(self, params: Params) -> bool:
        await self._stop_webhook(params.get_bool("drop_pending_updates"))
        return True

    async def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            **({"max_connections": self.webhook_max_connections} if self.webhook_url else {}),
        }

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), params.get_str("language_code") or ""

    async def _set_my_commands(self, params: Params) -> bool:
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

    async def _get_my_commands(self, params: Params) -> list[dict[str, str]]:
        return [dict(command) for command in self._commands.get(self._commands_key(params), [])]

    async def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat = self._target_chat(params)
        raw_text = params.get_str("text")
        formatted = formatted_text(raw_text, params, caption=False)
        assert formatted is not None and raw_text is not None
        markup = parse_markup(params)
        reply_to = reply_target(chat, params)
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

    async def _send_media(
        self, params: Params, kind: Literal["photo", "document"]
    ) -> dict[str, Any]:
        chat = self._target_chat(params)
        raw_caption = params.get_str("caption") or None
        formatted = formatted_text(raw_caption, params, caption=True)
        markup = parse_markup(params)
        reply_to = reply_target(chat, params)
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

    async def _send_document(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def _send_photo(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def _send_media_group(self, params: Params) -> list[dict[str, Any]]:
        """An album: 2-10 photos (or 2-10 documents), each a message of its own with its own
        caption, all with the same ``media_group_id``; no reply markup (Telegram takes none)."""
        chat = self._target_chat(params)
        media = params.get_json("media")
        if not isinstance(media, list) or not all(isinstance(item, dict) for item in media):
            raise ApiError(400, "Bad Request: can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media items: must be between 2 and 10")
        kinds = {item.get("type") for item in media}
        if kinds not in ({"photo"}, {"document"}):
            raise ApiError(400, "Bad Request: MEDIA_GROUP_INVALID: photos and documents can't be mixed")
        reply_to = reply_target(chat, params)
        # Everything is checked before the first message is made: an album is sent whole or not at all.
        items: list[tuple[dict[str, Any], StoredFile, FormattedText | None]] = []
        for item in media:
            kind: Literal["photo", "document"] = "photo" if item["type"] == "photo" else "document"
            value = item.get("media")
            if isinstance(value, str) and value.startswith("attach://"):
                value = params.raw(value.removeprefix("attach://"))
                if not isinstance(value, Upload):
                    raise ApiError(400, _BAD_FILE)
            item_params = Params(
                {
                    "media": value,
                    "parse_mode": item.get("parse_mode"),
                    "caption_entities": item.get("caption_entities"),
                }
            )
            stored = self._input_file(item_params, "media", kind)
            raw_caption = item.get("caption")
            if raw_caption is not None and not isinstance(raw_caption, str):
                raise ApiError(400, "Bad Request: can't parse media JSON object")
            items.append((item, stored, formatted_text(raw_caption or None, item_params, caption=True)))
        group_id = str(self._next_media_group_id())
        results: list[dict[str, Any]] = []
        for item, stored, formatted in items:
            kind = "photo" if item["type"] == "photo" else "document"
            content: dict[str, Any] = {"media_group_id": group_id}
            if kind == "photo":
                content["photo"] = stored.photo_sizes()
            else:
                content["document"] = stored.document()
            caption = formatted.text if formatted is not None and formatted.text else None
            if formatted is not None and caption:
                content["caption"] = caption
                if formatted.entities:
                    content["caption_entities"] = formatted.entities
            message = self._new_bot_message(chat, Markup(), reply_to, content)
            sent = SentMessage(
                message_id=message["message_id"],
                chat_id=chat.chat_id,
                text=caption or "",
                html=item.get("caption"),
                parse_mode=item.get("parse_mode") or None,
                photo=stored.content if kind == "photo" else None,
                document=stored.content if kind == "document" else None,
                filename=stored.file_name,
                caption=caption,
                kind=kind,
                date=message["date"],
                entities=formatted.entities if formatted is not None and caption else [],
                mime_type=stored.mime_type,
                file_id=stored.file_id,
                raw=message,
            )
            results.append(self._store_sent(chat, sent))
        return results

    def _next_media_group_id(self) -> int:
        self._media_groups += 1
        return self._media_groups

    async def _send_chat_action(self, params: Params) -> bool:
        chat = self._target_chat(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        self._emit("chat_action", chat.chat_id, {"action": action})
        return True

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        chat, sent = self._editable(params)
        if sent.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw_text = params.get_str("text")
        formatted = formatted_text(raw_text, params, caption=False)
        assert formatted is not None
        markup = parse_markup(params, inline_only=True)
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

    async def _edit_message_caption(self, params: Params) -> dict[str, Any]:
        chat, sent = self._editable(params)
        if sent.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        raw_caption = params.get_str("caption") or None
        formatted = formatted_text(raw_caption, params, caption=True)
        markup = parse_markup(params, inline_only=True)
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

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat, sent = self._editable(params)
        markup = parse_markup(params, inline_only=True)
        if markup.inline == sent.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        self._apply_markup(sent, markup)
        return self._finish_edit(chat, sent)

    async def _delete_message(self, params: Params) -> bool:
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

    async def _answer_callback_query(self, params: Params) -> bool:
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

    async def _get_file(self, params: Params) -> dict[str, Any]:
        stored = self._files.get((params.get_str("file_id") or "").strip())
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return stored.file()

    # ------------------------------------------------------------------ shared validation

    def _target_chat(self, params: Params) -> Chat:
        raw = params.raw("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = as_int(raw)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None or not chat.known:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _input_file(self, params: Params, name: str, kind: FileKind) -> StoredFile:
        value = params.raw(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.raw(value.removeprefix("attach://"))
            if not isinstance(value, Upload):
                raise ApiError(400, _BAD_FILE)
        if isinstance(value, Upload):
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
        known = self._files.get(value.strip())
        if known is None:
            raise ApiError(400, _BAD_FILE)
        return known

    def _new_bot_message(
        self,
        chat: Chat,
        markup: Markup,
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

    def _store_sent(self, chat: Chat, sent: SentMessage) -> dict[str, Any]:
        chat.sent[sent.message_id] = sent
        self._record(chat, "sent", sent)
        return sent.raw

    def _editable(self, params: Params) -> tuple[Chat, SentMessage]:
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

    def _apply_markup(self, sent: SentMessage, markup: Markup) -> None:
        sent.reply_markup = markup.inline
        sent.buttons = markup.buttons
        if markup.inline is None:
            sent.raw.pop("reply_markup", None)
        else:
            sent.raw["reply_markup"] = markup.inline

    def _finish_edit(self, chat: Chat, sent: SentMessage) -> dict[str, Any]:
        sent.edited += 1
        sent.raw["edit_date"] = self._now()
        self._record(chat, "edited", sent)
        return sent.raw


def _set_or_pop(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)
