"""The language gradwalk speaks to a learner: English, 简体中文 or 日本語.

What a learner reads (the tour, the command line's lines, descend's explanations, the
page) is looked up in standard gettext catalogs shipped with the package
(``gradwalk/locale/<code>/LC_MESSAGES/gradwalk.mo``, compiled from the ``.po`` beside
them). The language is, from the first that applies:

1. the one given for a call (``--lang``, ``lang=``, the page's menu), held in a context
   variable by :func:`language_scope`, so concurrent requests never mix;
2. the one chosen for the process by :func:`set_language`;
3. the locale: the first of ``LANGUAGE`` (a colon-separated list), ``LC_ALL``,
   ``LC_MESSAGES`` and ``LANG`` that is set, as Python's :mod:`gettext` reads them
   (``C`` and ``POSIX`` mean English); on Windows without them, the user's display
   language;
4. English.

Messages are written with named placeholders and filled with :meth:`str.format` after
the lookup, so that a translation may put them in its own order::

    _("f fell from {first} to {last}").format(first=..., last=...)

>>> with language_scope("ja"):
...     gettext("agrees with the book")
'本書と一致'
>>> with language_scope("zh"):
...     get_language()
'zh_CN'
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from .terminal import ASCII_FORMS, can_encode

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "catalog",
    "check_language",
    "get_language",
    "gettext",
    "gettext_noop",
    "language_code",
    "language_scope",
    "locale_language",
    "ngettext",
    "page_language",
    "readable_in",
    "sentences",
    "set_language",
    "translations",
]

#: The gettext domain: the catalogs are ``LOCALE_DIR/<code>/LC_MESSAGES/gradwalk.mo``.
DOMAIN = "gradwalk"
#: Where the catalogs are, inside the installed package.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

#: The languages gradwalk speaks, by code, each in its own words.
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文", "ja": "日本語"}

#: The code of each primary language subtag: any Chinese reads the simplified catalog.
_PRIMARY = {"en": "en", "zh": "zh_CN", "ja": "ja", "c": "en", "posix": "en"}

#: The language of the current call (:func:`language_scope`), if one was given.
_SCOPED: ContextVar[str | None] = ContextVar("gradwalk_language", default=None)
#: The language chosen for the process (:func:`set_language`), if any.
_chosen: str | None = None


def language_code(text: str) -> str | None:
    """The code of a language tag or locale name, or None when gradwalk lacks it.

    Accepts what users and systems write: ``zh``, ``zh-CN``, ``zh_CN.UTF-8``,
    ``zh-Hans``, ``ja``, ``ja_JP.eucJP``, ``en_US``, ``C``. Every Chinese tag reads the
    simplified catalog.

    >>> language_code("zh-Hans"), language_code("ja_JP.UTF-8"), language_code("fr")
    ('zh_CN', 'ja', None)
    """
    tag = text.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    return _PRIMARY.get(tag.split("_")[0])


def check_language(lang: object) -> str:
    """The code of a language gradwalk speaks, or a ValueError that lists them.

    Raises
    ------
    TypeError
        ``lang`` is not a string.
    ValueError
        gradwalk has no catalog for ``lang``.
    """
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a language code such as 'zh' or 'ja', got {lang!r}.")
    code = language_code(lang)
    if code is None:
        spoken = ", ".join(f"{_short(code)} ({name})" for code, name in LANGUAGES.items())
        raise ValueError(f"gradwalk does not speak {lang!r}; choose one of {spoken}.")
    return code


def _short(code: str) -> str:
    """The short tag a user types for a language: en, zh, ja."""
    return code.split("_")[0]


def _windows_language() -> str | None:
    """The user's display language on Windows, where the locale variables are rarely set."""
    if sys.platform == "win32":
        import ctypes
        import locale

        identifier = ctypes.windll.kernel32.GetUserDefaultUILanguage()
        return locale.windows_locale.get(identifier)
    return None


def locale_language() -> str:
    """The language of the locale: ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``.

    The first of them that is set decides, as in Python's :mod:`gettext`; ``LANGUAGE``
    may list several (``fr:ja``), and the first gradwalk speaks wins. English when none
    is set or none is spoken.
    """
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            for item in value.split(":"):
                code = language_code(item)
                if code is not None:
                    return code
            return "en"
    windows = _windows_language()
    return (language_code(windows) if windows else None) or "en"


def get_language() -> str:
    """The code of the language gradwalk speaks now: ``"en"``, ``"zh_CN"`` or ``"ja"``.

    >>> set_language("ja"); get_language()
    'ja'
    >>> set_language(None)
    """
    return _SCOPED.get() or _chosen or locale_language()


def set_language(lang: str | None) -> None:
    """Choose the language of gradwalk's messages for this process.

    Parameters
    ----------
    lang : str or None
        ``"en"``, ``"zh"`` (简体中文) or ``"ja"`` (日本語); regional forms such as
        ``"zh_CN"``, ``"zh-Hans"`` or ``"ja_JP"`` are accepted. None goes back to the
        locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``).

    Raises
    ------
    TypeError
        ``lang`` is neither a string nor None.
    ValueError
        gradwalk does not speak ``lang``.

    Examples
    --------
    >>> import gradwalk
    >>> gradwalk.set_language("zh")
    >>> gradwalk.get_language()
    'zh_CN'
    >>> gradwalk.set_language("en")
    """
    global _chosen
    _chosen = None if lang is None else check_language(lang)


@contextmanager
def language_scope(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (None: leave the language as it is).

    The choice is held in a context variable: it applies to this thread or task only.
    """
    if lang is None:
        yield get_language()
        return
    token = _SCOPED.set(check_language(lang))
    try:
        yield get_language()
    finally:
        _SCOPED.reset(token)


@cache
def translations(code: str) -> _gettext.NullTranslations:
    """The catalog of a language (English: no catalog, every message as written)."""
    if code == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])


@cache
def catalog(code: str) -> dict[str, str]:
    """A language's translations by English message, plural forms left out (what the page
    looks its text up in); empty for English."""
    entries: dict[object, str] = getattr(translations(code), "_catalog", {})
    return {key: text for key, text in entries.items() if isinstance(key, str) and key}


def page_language(requested: object) -> str:
    """The language a request of the page asks for (``lang``); English when unknown.

    >>> page_language("zh-CN"), page_language("ja"), page_language("fr"), page_language(None)
    ('zh_CN', 'ja', 'en', 'en')
    """
    return (language_code(requested) if isinstance(requested, str) else None) or "en"


@cache
def readable_in(code: str, encoding: str | None) -> bool:
    """Whether text in a language can be written in ``encoding`` (None: UTF-8).

    True when every character of the language's catalog is in the encoding or has an
    ASCII form (:data:`~gradwalk._common.terminal.ASCII_FORMS`): Chinese in GBK or
    UTF-8, Japanese in CP932; not Chinese in CP932 or ASCII.
    """
    if encoding is None:
        return True
    missing = {
        character
        for character in "".join(catalog(code).values())
        if not can_encode(character, encoding)
    }
    return missing <= ASCII_FORMS.keys()


def gettext(message: str) -> str:
    """``message`` in the current language (as written when it has no translation).

    Modules import it as ``_``, the name the message extractor looks for.
    """
    return translations(get_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the current language."""
    return translations(get_language()).ngettext(singular, plural, count)


def gettext_noop(message: str) -> str:
    """Mark a message for the catalogs without translating it (imported as ``N_``).

    For text defined at import time, such as a figure's caption: it is translated where
    it is shown, with ``_(message)``.
    """
    return message


def sentences(*parts: str) -> str:
    """Sentences joined as the current language writes them: a space in English only.

    >>> with language_scope("en"):
    ...     sentences("f fell.", "Allow more steps.")
    'f fell. Allow more steps.'
    """
    joiner = " " if get_language() == "en" else ""
    return joiner.join(part for part in parts if part)
