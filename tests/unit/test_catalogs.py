"""Every text the code marks is in every catalog, translated, with the same placeholders and the
same markup: a text added without `make messages` and a translation fails here, not in a baker's
chat. The marked texts are read from the code itself (Babel's extractor, as `make messages` does)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, i18n, placeholders, use_locale

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"Msg": None, "Plural": (1, 2), "_": None, "ngettext": (1, 2), "N_": None}
TRANSLATED = ("de", "ru")
TAG = re.compile(r"</?[a-z]+[^>]*>")


@cache
def marked() -> dict[str, str | None]:
    """msgid → msgid_plural (None for a text without plural forms), from the code."""
    found: dict[str, str | None] = {}
    for folder, pattern in (("bot", "**.py"), ("storage", "importer.py")):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[(pattern, "python")], keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                found[message[0]] = message[1]
            else:
                found[message] = None
    return found


@cache
def catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def test_the_code_marks_the_texts() -> None:
    texts = marked()
    assert len(texts) > 400
    assert "Okay, cancelled. Nothing was changed." in texts
    assert texts["{n} bake"] == "{n} bakes"


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_every_marked_text_is_in_the_catalog(language: str) -> None:
    ids = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog(language)
        if message.id
    }
    missing = sorted(set(marked()) - ids)
    assert missing == [], f"run `make messages`: {len(missing)} new texts, e.g. {missing[:3]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_is_translated_with_its_placeholders_and_markup(language: str) -> None:
    plural_forms = catalog(language).num_plurals
    problems: list[str] = []
    for msgid, plural in marked().items():
        message = catalog(language).get(msgid if plural is None else (msgid, plural))
        if message is None:
            continue  # reported by the test above
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if plural is not None and len(forms) != plural_forms:
            problems.append(f"{msgid!r}: {len(forms)} plural forms, {language} has {plural_forms}")
        if message.fuzzy or not all(forms):
            problems.append(f"{msgid!r}: not translated")
            continue
        wanted = placeholders(msgid) | (placeholders(plural) if plural else set())
        for form in forms:
            # A plural form may leave out the count ("one fold"), never add a placeholder.
            got = placeholders(form)
            if got - wanted or (plural is None and got != wanted) or (plural and not got >= wanted - {"n"}):
                problems.append(f"{msgid!r}: placeholders {sorted(got)} instead of {sorted(wanted)}")
            if sorted(TAG.findall(form)) != sorted(TAG.findall(msgid)):
                problems.append(f"{msgid!r}: markup {TAG.findall(form)} instead of {TAG.findall(msgid)}")
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_compiles_and_is_used(language: str) -> None:
    assert language in i18n.available_locales
    with use_locale(language):
        assert (
            i18n.gettext("Okay, cancelled. Nothing was changed.") != "Okay, cancelled. Nothing was changed."
        )


def test_russian_has_three_plural_forms() -> None:
    with use_locale("ru"):
        forms = {i18n.gettext("{n} bake", "{n} bakes", n).format(n=n) for n in (1, 2, 5, 21, 22, 25, 11)}
    assert len({form.split()[1] for form in forms}) == 3, forms
