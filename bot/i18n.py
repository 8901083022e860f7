"""The baker's language: gettext catalogs read through aiogram's own I18n, and Babel for dates,
times and numbers in the baker's locale.

Catalogs are plain `.po` files (`bot/locales/<language>/LC_MESSAGES/messages.po`), compiled in
memory when the bot starts, so there is no build step and no binary file in the repository.
`make messages` extracts every marked string (`Msg(...)`, `_(...)`, `ngettext(...)`) into the
template and merges it into each catalog.

Texts are English message ids. A module-level text is a `Msg`: it is translated when it is
formatted or turned into a `str`, in the locale of the update being handled (set by
`LocaleMiddleware`) or of the baker a reminder goes to (`use_locale`), never at import."""

from __future__ import annotations

import gettext as gettext_module
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"

# The languages a baker can pick, each named in itself. The key is a Babel locale: its language
# picks the catalog, and the whole locale the formats ("en" writes 2:35 PM, "en_GB" 14:35).
LANGUAGES: dict[str, str] = {
    "en": "English (US)",
    "en_GB": "English (UK)",
    "de": "Deutsch",
    "ru": "Русский",
}
# Telegram's language codes whose own locale is on the list above, beyond the exact matches.
_ENGLISH_24H = {"GB", "IE", "NZ", "ZA", "IN", "SG"}


class CatalogI18n(I18n):
    """aiogram's I18n, reading `.po` catalogs (compiled in memory with Babel) instead of `.mo`
    files, and finding a locale's catalog by its language (`en_GB` reads `en`)."""

    def find_locales(self) -> dict[str, gettext_module.GNUTranslations]:
        translations: dict[str, gettext_module.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=language)
            for message in list(catalog):  # untranslated: the English message id is used
                forms = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and (message.fuzzy or not all(forms)):
                    catalog.delete(message.id)
            compiled = BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations[language] = gettext_module.GNUTranslations(compiled)
        return translations

    def gettext(
        self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None
    ) -> str:
        language = catalog_language(locale or self.current_locale)
        return super().gettext(singular, plural, n, language)


i18n = CatalogI18n(path=LOCALES_DIR, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)
I18n.set_current(i18n)  # one catalog set for the whole process: texts work in any task or thread


def catalog_language(locale: str) -> str:
    return locale.split("_")[0].split("-")[0].lower()


def current_locale() -> str:
    return i18n.current_locale


@contextmanager
def use_locale(locale: str | None) -> Iterator[None]:
    """Render in a baker's locale outside an update (reminders, summaries)."""
    with i18n.use_locale(locale or DEFAULT_LANGUAGE):
        yield


def set_locale(locale: str | None) -> None:
    """For the rest of this task (one update's handling): its baker's locale."""
    i18n.current_locale = locale or DEFAULT_LANGUAGE


def locale_for(language_code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The locale a new baker starts with, from Telegram's `language_code` ("de", "en-GB",
    "pt-br"): one of LANGUAGES, English when theirs is not (yet) translated, `default` when
    Telegram sends none."""
    if not language_code:
        return default
    language, _, region = language_code.replace("_", "-").partition("-")
    language = language.lower()
    if language == "en":
        return "en_GB" if region.upper() in _ENGLISH_24H else "en"
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=32)
def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def current_babel_locale() -> Locale:
    return babel_locale(i18n.current_locale)


def _(message: str) -> str:
    """Translate `message` (an English message id) into the current locale."""
    return i18n.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form for `n` in the current locale (Russian has three, German and English two)."""
    return i18n.gettext(singular, plural, n)


class Msg:
    """A module-level text: an English message id, translated when it is used, in the locale of
    whoever it is for. Not a `str`, so mypy points at any place that would send it untranslated;
    `str(msg)`, `msg.format(...)` and f-strings translate it."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return i18n.gettext(self.msgid)

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def format(self, *args: Any, **kwargs: Any) -> str:
        return _format(str(self), self.msgid, *args, **kwargs)

    def placeholders(self) -> set[str]:
        return placeholders(self.msgid)


class Plural:
    """A module-level text with a count: `.format(n=3, ...)` picks the form for that count in the
    baker's language (one/other in English and German; one/few/many in Russian)."""

    __slots__ = ("count", "plural", "singular")

    def __init__(self, singular: str, plural: str, count: str = "n") -> None:
        self.singular = singular
        self.plural = plural
        self.count = count

    def __repr__(self) -> str:
        return f"Plural({self.singular!r}, {self.plural!r})"

    def format(self, **kwargs: Any) -> str:
        count = int(kwargs[self.count])
        english = self.singular if count == 1 else self.plural
        return _format(ngettext(self.singular, self.plural, count), english, **kwargs)


def _format(translated: str, english: str, *args: Any, **kwargs: Any) -> str:
    """A translation whose placeholders don't fit (a catalog not yet updated) falls back to the
    English text instead of failing the reply; tests/unit/test_catalogs.py keeps this rare."""
    try:
        return translated.format(*args, **kwargs)
    except (KeyError, IndexError, ValueError):
        return english.format(*args, **kwargs)


_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z_0-9]*)[^{}]*\}")


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message: a translation must keep exactly these."""
    return set(_PLACEHOLDER.findall(text))
