"""The message catalogs: every message of the code translated into each language, its
placeholders intact, the editions' own terms, and the shipped .mo files compiled from the
.po sources.

The messages are extracted from the code the way ``pybabel extract -F babel.cfg`` does
(docs/languages.md, "Translating"), so a message added anywhere fails here until each
catalog translates it.
"""

from __future__ import annotations

import gettext
import re
import string
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

babel = pytest.importorskip("babel", reason="Babel extracts the messages (the test extra)")
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

from gradwalk._common.language import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "gradwalk"
CODES = [code for code in LANGUAGES if code != "en"]


def _methods() -> list[tuple[str, str]]:
    """babel.cfg's patterns and methods (its own extractor names resolved)."""
    text = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    extractors = dict(re.findall(r"^(\w+)\s*=\s*(\S+)$", text, re.MULTILINE))
    sections = re.findall(r"^\[(\w+):\s*(\S+)\]$", text, re.MULTILINE)
    return [(pattern, extractors.get(method, method)) for method, pattern in sections]


@cache
def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every message of the code (a plural as its singular and plural), with where it is."""
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=_methods(),
        keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        directory_filter=lambda path: not Path(path).name.startswith((".", "__pycache__")),
    ):
        key = message if isinstance(message, str) else tuple(message)
        found.setdefault(key, []).append(f"{filename}:{line}")
    return found


@cache
def catalog(code: str) -> Catalog:
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as source:
        return read_po(source, locale=code)


def _key(message_id: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def test_the_code_has_messages_to_translate() -> None:
    messages = extracted()
    assert len(messages) > 250
    assert "agrees with the book" in messages, "the tour's messages are found"
    assert "Gradient descent" in messages, "the page's HTML is found"
    assert "computing…" in messages, "the page's script is found"
    assert ("{count} step", "{count} steps") in messages, "plural forms are found"


@pytest.mark.parametrize("code", CODES)
def test_every_message_of_the_code_is_translated_in_each_catalog(code: str) -> None:
    entries = {_key(m.id): m for m in catalog(code) if m.id}
    missing = [
        f"{message!r} ({where[0]})"
        for message, where in extracted().items()
        if message not in entries
        or entries[message].fuzzy
        or not all(
            entries[message].string if isinstance(message, tuple) else [entries[message].string]
        )
    ]
    assert not missing, (
        f"{len(missing)} messages lack a {code} translation (update the catalogs as "
        "docs/languages.md says):\n" + "\n".join(missing)
    )
    obsolete = sorted(map(str, set(entries) - set(extracted())))
    assert not obsolete, f"{code} translates messages the code no longer has: {obsolete}"


def _fields(text: str) -> Counter[tuple[str, str]]:
    """The {name:spec} placeholders of a message, with how often each comes."""
    return Counter(
        (name, spec or "")
        for _literal, name, spec, _conversion in string.Formatter().parse(text)
        if name is not None
    )


@pytest.mark.parametrize("code", CODES)
def test_placeholders_are_kept_intact_in_every_translation(code: str) -> None:
    wrong = []
    for message in catalog(code):
        if not message.id:
            continue
        originals = [message.id] if isinstance(message.id, str) else list(message.id)
        translations = [message.string] if isinstance(message.string, str) else list(message.string)
        for translation in translations:
            if _fields(translation) != _fields(originals[-1]) and not any(
                _fields(translation) == _fields(original) for original in originals
            ):
                wrong.append(f"{originals[0]!r}\n  -> {translation!r}")
    assert not wrong, f"{code}: placeholders changed in:\n" + "\n".join(wrong)


#: What a translation keeps as written: options, keys, and names of code and math.
_KEPT = re.compile(r"--[a-z][\w-]*|Ctrl-C|\b[a-z]+_[a-z_]+\b|\bgtol\b|\blr\b|2/λmax|h='auto'")


@pytest.mark.parametrize("code", CODES)
def test_options_and_names_of_code_are_kept_as_written(code: str) -> None:
    wrong = []
    for message in catalog(code):
        if not isinstance(message.id, str) or not message.id:
            continue
        lost = set(_KEPT.findall(message.id)) - set(_KEPT.findall(message.string))
        if lost:
            wrong.append(f"{sorted(lost)} lost in {message.string!r}")
    assert not wrong, f"{code}:\n" + "\n".join(wrong)


#: The editions' own terms: an English message that says the term is translated with it.
GLOSSARY = {
    "zh_CN": {
        "learning rate": "学习率",
        "loss function": "损失函数",
        "hyperparameter": "超参数",
        "numerical gradient": "数值梯度",
        "gradient descent": "梯度下降法",
        "backpropagation": "误差反向传播法",
        "Figure 4-": "图 4-",
        "gradient": "梯度",
    },
    "ja": {
        "learning rate": "学習率",
        "loss function": "損失関数",
        "hyperparameter": "ハイパーパラメータ",
        "numerical gradient": "数値勾配",
        "gradient descent": "勾配降下法",
        "backpropagation": "誤差逆伝播法",
        "Figure 4-": "図4-",
        "gradient": "勾配",
    },
}

#: Each language's words that the other one (or a non-edition wording) would use instead.
FOREIGN = {
    "zh_CN": ["学習率", "勾配", "損失関数", "数値", "逆伝播", "学习速率", "坡度"],
    "ja": ["学习率", "梯度", "损失函数", "数值", "反向传播", "学習速度", "傾き"],
}


@pytest.mark.parametrize("code", CODES)
def test_the_editions_terms_are_used(code: str) -> None:
    wrong = []
    for message in catalog(code):
        if not isinstance(message.id, str) or not message.id:
            continue
        translation = message.string
        assert isinstance(translation, str)
        # the words of the message, not of code: net.gradient, --gradient, {gradient}
        english = re.sub(r"\w*[._]\w+|--[\w-]+|\{[^}]*\}", " ", message.id.lower())
        for term, word in GLOSSARY[code].items():
            if term.lower() in english and word not in translation:
                wrong.append(f"{term!r} is not {word!r} in {translation!r}")
        for word in FOREIGN[code]:
            if word in translation:
                wrong.append(f"{word!r} is not the edition's word, in {translation!r}")
    assert not wrong, f"{code}:\n" + "\n".join(wrong)


def test_the_section_and_figure_numbers_stay_the_books() -> None:
    for code in CODES:
        for message in catalog(code):
            if not isinstance(message.id, str):
                continue
            numbers = re.findall(r"\b4[-.]\d+(?:\.\d+)?\b", message.id)
            assert all(number in message.string for number in numbers), (
                f"{code}: {message.id!r} names {numbers}, its translation "
                f"{message.string!r} does not"
            )


@pytest.mark.parametrize("code", CODES)
def test_the_shipped_mo_file_is_the_po_file_compiled(code: str) -> None:
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as compiled:
        shipped = gettext.GNUTranslations(compiled)
    for message in catalog(code):
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            assert shipped.gettext(message.id) == message.string, (
                f"{code}: the .mo file differs from the .po file for {message.id!r}; "
                "compile the catalogs (docs/languages.md, 'Translating')"
            )
        else:
            for count, form in ((1, 0), (2, -1)):
                expected = message.string[min(form, len(message.string) - 1)]
                got = shipped.ngettext(message.id[0], message.id[1], count)
                assert got == expected, f"{code}: the .mo file differs for {message.id!r}"
    entries: dict[object, str] = getattr(shipped, "_catalog", {})
    in_po = {_key(m.id) for m in catalog(code) if m.id}
    stale = [
        key
        for key in entries
        if key and (key if isinstance(key, str) else None) not in in_po and isinstance(key, str)
    ]
    assert not stale, f"{code}: the .mo file holds messages the .po file lacks: {stale[:5]}"


def test_the_template_lists_the_messages_of_the_code() -> None:
    path = LOCALE_DIR / f"{DOMAIN}.pot"
    with path.open("rb") as source:
        template = {_key(m.id) for m in read_po(source) if m.id}
    assert template == set(extracted()), (
        "locale/gradwalk.pot is out of date: extract the messages again "
        "(docs/languages.md, 'Translating')"
    )
