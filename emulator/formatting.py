"""Telegram message formatting: HTML, MarkdownV2 and legacy Markdown parse modes.

The parsers follow TDLib (the library behind the Bot API server) closely, so the emulator
accepts and rejects the same texts real Telegram does, with the same error descriptions
(``can't parse entities: Unsupported start tag "foo" at byte offset 3``...). Each parser
returns the plain text the user sees plus Bot API ``MessageEntity`` dicts whose offsets are
counted in UTF-16 code units, as in the real API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "EntityParseError",
    "FormattedText",
    "format_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

Entity = dict[str, Any]

_SPACES = " \t\r\n\0\v"
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text cannot be parsed in the requested parse mode (Telegram answers 400)."""


@dataclass(frozen=True, slots=True)
class FormattedText:
    """Plain text as the user sees it, plus its Bot API entities."""

    text: str
    entities: list[Entity]


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (the unit of Bot API entity offsets)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


class _Builder:
    """Accumulates plain text while tracking the UTF-16 offset."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset16 = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset16 += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)

    def text_since(self, part_index: int) -> str:
        return "".join(self.parts[part_index:])


def _entity(kind: str, offset: int, length: int, **extra: Any) -> Entity:
    entity: Entity = {"type": kind, "offset": offset, "length": length}
    entity.update({key: value for key, value in extra.items() if value is not None})
    return entity


def _link_entity(url: str, offset: int, length: int) -> Entity | None:
    """A text_link entity, or None when TDLib would silently drop an invalid URL."""
    url = url.strip()
    if not url or any(ch in _SPACES for ch in url):
        return None
    if url.startswith("tg://user?id="):
        user_id = url.removeprefix("tg://user?id=")
        if user_id.isdigit():
            return _entity("text_mention", offset, length, user={"id": int(user_id)})
        return None
    return _entity("text_link", offset, length, url=url)


# --------------------------------------------------------------------------------------- HTML


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&lt;``, ``&#62;``, ``&#x3E;``... at `pos`; the ``;`` is optional like in TDLib."""
    size = len(text)
    end = pos + 1
    if end < size and text[end] == "#":
        end += 1
        value = 0
        if end < size and text[end] == "x":
            end += 1
            while end < size and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
                if value >= 0x10FFFF:
                    return None
        else:
            while end < size and text[end].isascii() and text[end].isdigit():
                value = value * 10 + int(text[end])
                end += 1
                if value >= 0x10FFFF:
                    return None
        if value == 0 or 0xD800 <= value <= 0xDFFF:
            return None
        decoded = chr(value)
    else:
        while end < size and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return None
        decoded = _NAMED_ENTITIES[name]
    if end < size and text[end] == ";":
        end += 1
    return decoded, end


@dataclass(slots=True)
class _OpenTag:
    name: str
    argument: str
    offset16: int
    part_index: int


def parse_html(source: str) -> FormattedText:
    """Parse Telegram-flavoured HTML (the ``parse_mode="HTML"`` subset)."""
    size = len(source)

    def at(index: int) -> str:
        return source[index] if index < size else "\0"

    def fail(message: str) -> EntityParseError:
        return EntityParseError(message)

    out = _Builder()
    entities: list[Entity] = []
    stack: list[_OpenTag] = []
    i = 0
    while i < size:
        ch = source[i]
        if ch == "&":
            decoded = _decode_html_entity(source, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if ch != "<":
            out.add(ch)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            end = i
            while at(end) not in _SPACES and at(end) != ">":
                end += 1
            name = source[i:end].lower()
            if name not in _HTML_TAGS:
                raise fail(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
                )
            i = end
            argument = ""
            while at(i) != ">":
                while i < size and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attr_name = source[attr_begin:i]
                if not attr_name:
                    raise fail(
                        f'Empty attribute name in the tag "{name}" at byte offset '
                        f"{_byte_offset(source, begin)}"
                    )
                while i < size and at(i) in _SPACES:
                    i += 1
                if at(i) != "=":
                    if name == "blockquote" and attr_name == "expandable":
                        argument = "expandable"
                        continue
                    raise fail(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{name}" at byte offset {_byte_offset(source, begin)}'
                    )
                i += 1
                while i < size and at(i) in _SPACES:
                    i += 1
                if i >= size:
                    raise fail(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
                value_chars: list[str] = []
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = source[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ">":
                        raise fail(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(source, token_begin)}"
                        )
                else:
                    quote = source[i]
                    i += 1
                    while i < size and source[i] != quote:
                        if source[i] == "&":
                            decoded = _decode_html_entity(source, i)
                            if decoded is not None:
                                value_chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        value_chars.append(source[i])
                        i += 1
                    if i < size:
                        i += 1
                    value = "".join(value_chars)
                if i >= size:
                    raise fail(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
                if name == "a" and attr_name == "href":
                    argument = value
                elif name == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value.removeprefix("language-")
                elif name == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value.removeprefix("tg-")
                elif name == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
            if name == "span" and argument != "spoiler":
                raise fail(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(source, begin)}"
                )
            stack.append(_OpenTag(name, argument, out.offset16, len(out.parts)))
            i += 1  # skip '>'
            continue

        # An end tag.
        if not stack:
            raise fail(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
        i += 1
        name_begin = i
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = source[name_begin:i].lower()
        while i < size and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise fail(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
        i += 1
        tag = stack.pop()
        if end_name and end_name != tag.name:
            raise fail(
                f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        length = out.offset16 - tag.offset16
        if length <= 0:
            continue
        entity = _html_entity(tag, length, out, entities)
        if entity is not None:
            entities.append(entity)

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return FormattedText(out.text(), entities)


def _html_entity(
    tag: _OpenTag, length: int, out: _Builder, entities: list[Entity]
) -> Entity | None:
    if tag.name in _HTML_ENTITY_TYPES:
        return _entity(_HTML_ENTITY_TYPES[tag.name], tag.offset16, length)
    if tag.name == "code":
        return _entity("code", tag.offset16, length, language=tag.argument or None)
    if tag.name == "pre":
        # <pre><code class="language-x">...</code></pre> becomes one pre entity with a language.
        if (
            entities
            and entities[-1]["type"] == "code"
            and entities[-1]["offset"] == tag.offset16
            and entities[-1]["length"] == length
        ):
            language = entities.pop().get("language")
            return _entity("pre", tag.offset16, length, language=language)
        return _entity("pre", tag.offset16, length)
    if tag.name == "a":
        url = tag.argument or out.text_since(tag.part_index)
        return _link_entity(url, tag.offset16, length)
    if tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.argument == "expandable" else "blockquote"
        return _entity(kind, tag.offset16, length)
    if tag.name == "tg-emoji":
        if not tag.argument.isdigit():
            return None
        return _entity("custom_emoji", tag.offset16, length, custom_emoji_id=tag.argument)
    return None


# --------------------------------------------------------------------------------- MarkdownV2

_V2_RESERVED = "_*[]()~`>#+-=|{}.!"
_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass(slots=True)
class _OpenV2:
    kind: str
    argument: str
    offset16: int
    byte_index: int
    part_index: int


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse ``parse_mode="MarkdownV2"`` text, rejecting unescaped reserved characters."""
    size = len(source)

    def at(index: int) -> str:
        return source[index] if index < size else "\0"

    out = _Builder()
    entities: list[Entity] = []
    stack: list[_OpenV2] = []
    quote_start: int | None = None  # UTF-16 offset of the current blockquote
    i = 0
    while i < size:
        ch = source[i]
        line_start = i == 0 or source[i - 1] == "\n"
        if line_start and not stack:
            if ch == ">":
                if quote_start is None:
                    quote_start = out.offset16
                i += 1
                continue
            if quote_start is not None:
                _close_quote(entities, quote_start, out)
                quote_start = None
        if ch == "\\" and "\x01" <= at(i + 1) <= "\x7e":
            out.add(source[i + 1])
            i += 2
            continue
        reserved = "`" if stack and stack[-1].kind in ("code", "pre") else _V2_RESERVED
        if ch not in reserved:
            out.add(ch)
            i += 1
            continue

        closing = bool(stack) and _v2_closes(stack[-1].kind, ch, at(i + 1), at(i + 2))
        if not closing:
            begin = i
            argument = ""
            if ch == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif ch == "*":
                kind = "bold"
            elif ch == "~":
                kind = "strikethrough"
            elif ch == "|" and at(i + 1) == "|":
                kind = "spoiler"
                i += 1
            elif ch == "[":
                kind = "text_link"
            elif ch == "!" and at(i + 1) == "[":
                kind = "custom_emoji"
                i += 1
            elif ch == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    kind = "pre"
                    i += 3
                    lang_end = i
                    while at(lang_end) not in _SPACES and at(lang_end) != "`":
                        lang_end += 1
                    if i != lang_end and lang_end < size and at(lang_end) != "`":
                        argument = source[i:lang_end]
                        i = lang_end
                    i = _skip_newline(source, i)
                    i -= 1
                else:
                    kind = "code"
            else:
                raise EntityParseError(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            stack.append(_OpenV2(kind, argument, out.offset16, begin, len(out.parts)))
            i += 1
            continue

        opened = stack.pop()
        skip = out.offset16 == opened.offset16
        argument = opened.argument
        url: str | None = None
        if opened.kind in ("underline", "spoiler"):
            i += 1
        elif opened.kind == "pre":
            i += 2
        elif opened.kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                url = out.text_since(opened.part_index)
            else:
                i += 2
                url_begin = i
                chars: list[str] = []
                while i < size and source[i] != ")":
                    if source[i] == "\\" and "\x01" <= at(i + 1) <= "\x7e":
                        chars.append(source[i + 1])
                        i += 2
                        continue
                    chars.append(source[i])
                    i += 1
                if at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(source, url_begin)}"
                    )
                url = "".join(chars)
        i += 1
        if skip:
            continue
        length = out.offset16 - opened.offset16
        if opened.kind == "text_link":
            entity = _link_entity(url or "", opened.offset16, length)
        elif opened.kind == "custom_emoji":
            emoji_id = (url or "").removeprefix("tg://emoji?id=")
            entity = (
                _entity("custom_emoji", opened.offset16, length, custom_emoji_id=emoji_id)
                if emoji_id.isdigit()
                else None
            )
        elif opened.kind == "pre":
            entity = _entity("pre", opened.offset16, length, language=argument or None)
        else:
            entity = _entity(opened.kind, opened.offset16, length)
        if entity is not None:
            entities.append(entity)

    if stack:
        opened = stack[-1]
        name = _V2_NAMES[opened.kind]
        if opened.kind == "pre" and opened.argument:
            name = "PreCode"
        raise EntityParseError(
            f"Can't find end of {name} entity at byte offset "
            f"{_byte_offset(source, opened.byte_index)}"
        )
    if quote_start is not None:
        _close_quote(entities, quote_start, out)
    return FormattedText(out.text(), entities)


def _close_quote(entities: list[Entity], start: int, out: _Builder) -> None:
    end = out.offset16
    text = out.text()
    if text.endswith("\n"):
        end -= 1
    if end > start:
        entities.append(_entity("blockquote", start, end - start))


def _v2_closes(kind: str, ch: str, next1: str, next2: str) -> bool:
    match kind:
        case "bold":
            return ch == "*"
        case "italic":
            return ch == "_" and next1 != "_"
        case "code":
            return ch == "`"
        case "pre":
            return ch == "`" and next1 == "`" and next2 == "`"
        case "text_link" | "custom_emoji":
            return ch == "]"
        case "underline":
            return ch == "_" and next1 == "_"
        case "strikethrough":
            return ch == "~"
        case "spoiler":
            return ch == "|" and next1 == "|"
    return False


def _skip_newline(source: str, i: int) -> int:
    """Skip one line break right after an opening ``` (TDLib does the same)."""
    size = len(source)
    if i < size and source[i] in "\r\n":
        if i + 1 < size and source[i + 1] in "\r\n" and source[i] != source[i + 1]:
            return i + 2
        return i + 1
    return i


# ---------------------------------------------------------------------------- legacy Markdown


def parse_markdown(source: str) -> FormattedText:
    """Parse the legacy ``parse_mode="Markdown"``: *bold*, _italic_, `code`, ```pre```, [a](b)."""
    size = len(source)

    def at(index: int) -> str:
        return source[index] if index < size else "\0"

    out = _Builder()
    entities: list[Entity] = []
    i = 0
    while i < size:
        ch = source[i]
        if ch == "\\" and at(i + 1) in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            out.add(ch)
            i += 1
            continue
        begin = i
        end_char = "]" if ch == "[" else ch
        is_pre = False
        language = ""
        i += 1
        if ch == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            is_pre = True
            lang_end = i
            while at(lang_end) not in _SPACES and at(lang_end) != "`":
                lang_end += 1
            if i != lang_end and lang_end < size and at(lang_end) != "`":
                language = source[i:lang_end]
                i = lang_end
            i = _skip_newline(source, i)
        start16 = out.offset16
        part_index = len(out.parts)
        while i < size and (
            source[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))
        ):
            out.add(source[i])
            i += 1
        if i >= size:
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{_byte_offset(source, begin)}"
            )
        length = out.offset16 - start16
        entity: Entity | None = None
        if ch == "[":
            if at(i + 1) == "(":
                i += 2
                url_begin = i
                while i < size and source[i] != ")":
                    i += 1
                url = source[url_begin:i]
            else:
                url = out.text_since(part_index)
            entity = _link_entity(url, start16, length) if length else None
        elif length:
            kind = {"_": "italic", "*": "bold"}.get(ch, "pre" if is_pre else "code")
            entity = _entity(kind, start16, length, language=language or None)
        if entity is not None:
            entities.append(entity)
        if is_pre:
            i += 2
        i += 1
    return FormattedText(out.text(), entities)


# ------------------------------------------------------------------------------------ facade

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def format_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> FormattedText:
    """Parse `text` like the Bot API does for sendMessage/captions, then trim whitespace.

    Raises :class:`EntityParseError` for malformed markup and :class:`KeyError` for an
    unsupported `parse_mode`. Explicit `entities` are used as given when there is no
    parse mode (Telegram ignores parse_mode when entities are passed).
    """
    if entities:
        parsed = FormattedText(text, [dict(entity) for entity in entities])
    elif parse_mode:
        parsed = _PARSERS[parse_mode.lower()](text)
    else:
        parsed = FormattedText(text, [])
    return _trim(parsed)


def _trim(parsed: FormattedText) -> FormattedText:
    """Strip leading/trailing whitespace like TDLib, moving and clipping entities."""
    text = parsed.text
    stripped = text.strip(" \t\r\n\v\f")
    if stripped == text:
        return FormattedText(text, _sorted(parsed.entities))
    lead = utf16_len(text[: len(text) - len(text.lstrip(" \t\r\n\v\f"))])
    total = utf16_len(stripped)
    entities = []
    for entity in parsed.entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, _sorted(entities))


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))
