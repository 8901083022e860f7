"""Validating send/edit parameters: text and caption (formatting, limits), ``reply_markup``
and ``reply_parameters``, with the Bot API's error descriptions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .constants import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_INLINE_BUTTONS,
    MAX_TEXT_LENGTH,
)
from .formatting import EntityParseError, FormattedText, format_text
from .models import ApiError, Button
from .params import Params, as_int
from .state import Chat, without_reply

__all__ = ["Markup", "formatted_text", "inline_buttons", "parse_markup", "reply_target"]

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


@dataclass(slots=True)
class Markup:
    """A validated reply_markup: what to echo in Message.reply_markup and what the user sees."""

    raw: dict[str, Any] | None = None
    inline: dict[str, Any] | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    keyboard: list[list[str]] | None = None


def formatted_text(text: str | None, params: Params, *, caption: bool) -> FormattedText | None:
    """`text` parsed per ``parse_mode``/``[caption_]entities`` and checked against the limits.

    A message text is required (never None is returned then); a caption may be absent.
    """
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


def parse_markup(params: Params, *, inline_only: bool = False) -> Markup:
    raw = params.get_json("reply_markup")
    if raw is None:
        return Markup()
    if not isinstance(raw, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return Markup(raw=raw, inline=raw, buttons=inline_buttons(raw["inline_keyboard"]))
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
        keyboard = [[_reply_button_text(button) for button in row] for row in rows]
        return Markup(raw=raw, keyboard=keyboard)
    if raw.get("remove_keyboard"):
        return Markup(raw=raw, keyboard=[])
    return Markup(raw=raw)


def reply_target(chat: Chat, params: Params) -> dict[str, Any] | None:
    """The ``reply_to_message`` for ``reply_parameters`` / ``reply_to_message_id``, if any."""
    reply = params.get_json("reply_parameters")
    allow_missing = params.get_bool("allow_sending_without_reply")
    if isinstance(reply, dict):
        message_id = as_int(reply.get("message_id"))
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
    return without_reply(target)


def inline_buttons(rows: Any) -> list[list[Button]]:
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


def _reply_button_text(button: Any) -> str:
    if isinstance(button, dict):
        return str(button.get("text", ""))
    return str(button)
