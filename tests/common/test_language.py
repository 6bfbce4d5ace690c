"""The language gradwalk speaks: chosen per call, per process or by the locale."""

from __future__ import annotations

import threading

import pytest

import gradwalk
from gradwalk._common.language import (
    LANGUAGES,
    catalog,
    check_language,
    get_language,
    gettext,
    language_code,
    language_scope,
    locale_language,
    ngettext,
    readable_in,
    sentences,
    set_language,
)

_LOCALE = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def locale(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No locale variable set, and no language chosen for the process."""
    for variable in _LOCALE:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("gradwalk._common.language._chosen", None)
    return monkeypatch


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("zh", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh_TW", "zh_CN"),
        ("ZH", "zh_CN"),
        ("ja", "ja"),
        ("ja_JP.eucJP", "ja"),
        ("en_US.UTF-8", "en"),
        ("C", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("fr_FR", None),
        ("", None),
    ],
)
def test_language_codes_from_what_users_and_systems_write(tag: str, code: str | None) -> None:
    assert language_code(tag) == code


def test_an_unknown_language_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'fr'.*en \(English\), zh \(简体中文\), ja \(日本語\)"):
        check_language("fr")
    with pytest.raises(TypeError, match="language code"):
        check_language(3)


@pytest.mark.parametrize(
    ("environment", "code"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "zh_CN.UTF-8"}, "ja"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "fr:ja:en", "LANG": "zh_CN.UTF-8"}, "ja"),
        ({"LANGUAGE": "fr", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),
    ],
)
def test_the_locale_decides_in_gettexts_order(
    locale: pytest.MonkeyPatch, environment: dict[str, str], code: str
) -> None:
    for variable, value in environment.items():
        locale.setenv(variable, value)
    assert locale_language() == code
    assert get_language() == code


def test_set_language_wins_over_the_locale_and_none_goes_back(locale: pytest.MonkeyPatch) -> None:
    locale.setenv("LANG", "ja_JP.UTF-8")
    gradwalk.set_language("zh")
    assert gradwalk.get_language() == "zh_CN"
    gradwalk.set_language(None)
    assert gradwalk.get_language() == "ja"
    with pytest.raises(ValueError, match="'de'"):
        gradwalk.set_language("de")


def test_a_scope_wins_over_set_language_and_is_undone(locale: pytest.MonkeyPatch) -> None:
    set_language("ja")
    with language_scope("zh-CN") as code:
        assert code == get_language() == "zh_CN"
        with language_scope(None):
            assert get_language() == "zh_CN", "None leaves the language as it is"
    assert get_language() == "ja"


def test_a_scope_holds_for_its_own_thread_only(locale: pytest.MonkeyPatch) -> None:
    seen: dict[str, str] = {}
    ready, done = threading.Event(), threading.Event()

    def other() -> None:
        with language_scope("ja"):
            ready.set()
            done.wait(5)
            seen["other"] = get_language()

    thread = threading.Thread(target=other)
    thread.start()
    ready.wait(5)
    with language_scope("zh"):
        seen["main"] = get_language()
        done.set()
        thread.join(5)
    assert seen == {"main": "zh_CN", "other": "ja"}


def test_messages_are_looked_up_and_formatted_after_the_lookup(locale: pytest.MonkeyPatch) -> None:
    with language_scope("en"):
        assert gettext("agrees with the book") == "agrees with the book"
        assert ngettext("{count} step", "{count} steps", 2).format(count=2) == "2 steps"
    with language_scope("zh"):
        assert gettext("agrees with the book") == "与书中一致"
        assert ngettext("{count} step", "{count} steps", 2).format(count=2) == "2 步"
        assert gettext("a message no catalog has") == "a message no catalog has"
    with language_scope("ja"):
        assert gettext("agrees with the book") == "本書と一致"


def test_sentences_are_joined_as_each_language_writes_them(locale: pytest.MonkeyPatch) -> None:
    with language_scope("en"):
        assert sentences("f fell.", "", "Allow more steps.") == "f fell. Allow more steps."
    with language_scope("ja"):
        assert (
            sentences("下がりました。", "増やしてください。") == "下がりました。増やしてください。"
        )


@pytest.mark.parametrize(
    ("code", "readable", "unreadable"),
    [
        ("zh_CN", ["utf-8", "gbk", "gb18030", None], ["cp932", "big5", "ascii", "latin-1"]),
        ("ja", ["utf-8", "cp932", "gbk", None], ["big5", "ascii", "latin-1"]),
        ("en", ["utf-8", "ascii", "latin-1", "cp932"], []),
    ],
)
def test_which_encodings_can_show_a_language(
    code: str, readable: list[str | None], unreadable: list[str]
) -> None:
    assert all(readable_in(code, encoding) for encoding in readable)
    assert not any(readable_in(code, encoding) for encoding in unreadable)


def test_the_catalogs_hold_every_language_but_english() -> None:
    assert set(LANGUAGES) == {"en", "zh_CN", "ja"}
    assert catalog("en") == {}
    assert catalog("zh_CN")["Gradient descent"] == "梯度下降法"
    assert catalog("ja")["Gradient descent"] == "勾配降下法"


def test_what_python_shows_a_learner_follows_the_language(locale: pytest.MonkeyPatch) -> None:
    import numpy as np

    from gradwalk.book import function_2

    with language_scope("ja"):
        result = gradwalk.descend(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=20)
        assert result.message.startswith("f は 20 ステップで 25 から")
        assert "進んだステップ数" in result._repr_html_(), "the notebook display's labels"
        assert str(result).startswith("SGD(lr=0.1) で 20 ステップの後 max_steps")
    with language_scope("zh"):
        result = gradwalk.descend(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=20)
        assert result.message.startswith("f 在 20 步内从 25 降到")
    assert gradwalk.descend(function_2, np.array([-3.0, 4.0]), lr=0.1).message.startswith(
        "f fell from 25"
    ), "English outside the scopes"
