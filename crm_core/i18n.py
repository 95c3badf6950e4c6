"""Message catalogue for every text the bot sends, in English and Simplified Chinese.

Each feature keeps its messages in a module under ``crm_core.catalogue`` as a
``MESSAGES`` dict of ``key -> {"en": ..., "zh": ...}``. Templates use
``str.format`` placeholders. Values that come from users are HTML-escaped by
``translate`` unless the caller passes them as ``Markup``, because replies use
Telegram's HTML parse mode.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import string
from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"


class Markup(str):
    """Text that is already valid Telegram HTML and must not be escaped again."""


class CatalogueError(RuntimeError):
    """Raised when two catalogue modules define the same key or a language is missing."""


def _load_catalogue() -> dict[str, dict[str, str]]:
    from crm_core import catalogue

    merged: dict[str, dict[str, str]] = {}
    for module_info in pkgutil.iter_modules(catalogue.__path__):
        module = importlib.import_module(f"{catalogue.__name__}.{module_info.name}")
        for key, texts in getattr(module, "MESSAGES", {}).items():
            if key in merged:
                raise CatalogueError(f"message key {key!r} is defined twice ({module.__name__})")
            missing = [language for language in LANGUAGES if language not in texts]
            if missing:
                raise CatalogueError(f"message key {key!r} has no text for {missing}")
            merged[key] = dict(texts)
    return merged


CATALOGUE: Mapping[str, Mapping[str, str]] = _load_catalogue()


def normalize_language(code: str | None) -> str:
    """Map a Telegram ``language_code`` (``zh-hans``, ``en-US``) to a catalogue language."""
    if not code:
        return DEFAULT_LANGUAGE
    prefix = code.lower().replace("_", "-").split("-")[0]
    return prefix if prefix in LANGUAGES else DEFAULT_LANGUAGE


def placeholders(template: str) -> set[str]:
    """Return the names of the ``str.format`` fields in ``template``."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def translate(language: str, key: str, /, **params: object) -> str:
    """Render message ``key`` in ``language``, escaping every parameter that is not Markup.

    Unknown languages fall back to English. An unknown key raises KeyError, because a
    missing message is a programming error that tests must catch.
    """
    texts = CATALOGUE[key]
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    escaped = {name: _escape(value) for name, value in params.items()}
    return template.format(**escaped)


def _escape(value: object) -> object:
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


t = translate
