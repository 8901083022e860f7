"""The parse-mode parsers accept and reject texts like Telegram (TDLib) does."""

from __future__ import annotations

import pytest

from emulator.formatting import EntityParseError, format_text, utf16_len


def test_html_is_stripped_and_entities_unescaped() -> None:
    parsed = format_text("<b>Rise</b> &lt;3 &amp; &quot;fold&quot; &#65;&#x42;", "HTML")
    assert parsed.text == 'Rise <3 & "fold" AB'
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 4}]


def test_html_entities_use_utf16_offsets() -> None:
    parsed = format_text('🍞 <i>loaf</i> <a href="https://example.com">x</a>', "HTML")
    assert parsed.text == "🍞 loaf x"
    assert parsed.entities == [
        {"type": "italic", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 1, "url": "https://example.com"},
    ]
    assert utf16_len("🍞") == 2


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>",
        "<s>s</s><strike>k</strike><del>d</del><tg-spoiler>p</tg-spoiler>",
        '<span class="tg-spoiler">p</span><code>c</code><pre>p</pre><blockquote>q</blockquote>',
        '<pre><code class="language-python">x = 1</code></pre>',
        "<blockquote expandable>long quote</blockquote>",
        "unknown named entity &nbsp; stays and & alone is fine",
    ],
)
def test_supported_html_is_accepted(text: str) -> None:
    assert format_text(text, "HTML").text


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("proof 3 < 4", 'Unsupported start tag "" at byte offset 8'),
        ("é<br/>", 'Unsupported start tag "br/" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_malformed_html_is_rejected(text: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        format_text(text, "HTML")
    assert str(caught.value) == error


def test_whitespace_is_trimmed_and_entities_moved() -> None:
    parsed = format_text("\n  <b>hi</b> there  \n", "html")
    assert parsed.text == "hi there"
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_markdown_v2() -> None:
    source = "*bold* _it_ __u__ ~s~ ||sp|| `c` [link](https://a\\.b) 1\\.5"
    parsed = format_text(source, "MarkdownV2")
    assert parsed.text == "bold it u s sp c link 1.5"
    assert [entity["type"] for entity in parsed.entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        format_text("Done.", "MarkdownV2")
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        format_text("*open", "MarkdownV2")


def test_legacy_markdown() -> None:
    assert format_text("*b* _i_ `c`", "Markdown").text == "b i c"
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting"):
        format_text("snake_case", "Markdown")


def test_unknown_parse_mode() -> None:
    with pytest.raises(KeyError):
        format_text("x", "BBCode")
