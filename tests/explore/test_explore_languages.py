"""The page in English, 简体中文 and 日本語: its menu, the browser's language by default,
its static and computed text, and the server's messages in the page's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the explore extra (starlette, uvicorn) is not installed")

from tests.explore.test_explore import (
    CHROMIUM,
    CHROMIUM_ARGS,
    request,
    running_server,
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_server() as address:
        yield address


def test_the_page_offers_each_language_and_its_catalog(url: str) -> None:
    status, options = request(url, "/api/options")
    assert status == 200 and options["languages"] == {
        "en": "English",
        "zh_CN": "简体中文",
        "ja": "日本語",
    }
    status, body = request(url, "/api/messages?lang=ja-JP")
    assert status == 200 and body["lang"] == "ja"
    assert body["messages"]["Gradient descent"] == "勾配降下法"
    assert body["messages"]["Learning rate"] == "学習率"
    status, body = request(url, "/api/messages?lang=fr")
    assert body == {"lang": "en", "messages": {}}, "a language the page lacks is English"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["f 在 30 步内", "稳定上界"]),
        ("ja", ["f は 30 ステップで", "安定の上限"]),
        (None, ["f rose from", "stable bound"]),
    ],
)
def test_descends_explanation_comes_in_the_pages_language(
    url: str, lang: str | None, words: list[str]
) -> None:
    payload: dict[str, Any] = {"function": "sphere", "start": [-3, 4], "lr": 1.05, "steps": 30}
    if lang is not None:
        payload["lang"] = lang
    status, body = request(url, "/api/descent", payload)
    assert status == 200, body
    message = body["runs"][0]["message"]
    assert all(word in message for word in words), message


def test_a_bad_input_is_explained_in_the_pages_language(url: str) -> None:
    payload = {"function": "sphere", "start": [-3, 4], "lr": -1, "lang": "zh"}
    status, body = request(url, "/api/descent", payload)
    assert status == 422 and body["field"] == "lr"
    assert body["error"] == "lr 必须大于 0，收到的是 -1。试试 0.001 到 0.1。"


def test_the_page_advice_replaces_gtol_in_every_language(url: str) -> None:
    for lang, instead in (("zh", "减少步数"), ("ja", "ステップ数を減らして")):
        payload = {"function": "sphere", "start": [-3, 4], "lr": 0.1, "steps": 60, "lang": lang}
        status, body = request(url, "/api/descent", payload)
        assert status == 200, body
        message = body["runs"][0]["message"]
        assert "gtol" not in message and instead in message, message


# --- the page in Chromium -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; install it with: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, locale: str, errors: list[str]) -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def _drawn(page: Any) -> Any:
    page.wait_for_function("window.gradwalkExplore.drawings >= 1", timeout=20_000)
    return page.evaluate("window.gradwalkExplore.descent")


def test_the_page_opens_in_the_browsers_language_and_switches_by_its_menu(
    browser: Any, url: str
) -> None:
    errors: list[str] = []
    page = _page(browser, "zh-CN", errors)
    page.goto(url + "?f=sphere&start=-3,4&lr=1.05&steps=30&opt=sgd")
    _drawn(page)
    assert page.input_value("#lang") == "zh_CN"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.inner_text("#tab-descent") == "梯度下降法"
    assert page.inner_text("#tab-learning") == "神经网络的学习"
    assert "学习率" in page.inner_text("#view-descent .controls")
    assert "1 条路径，最多 30 步" in page.inner_text("#status")
    assert "f 在" in page.inner_text("#runs"), "descend's explanation in Chinese"
    assert "稳定上界" in page.inner_text("#bound")
    page.select_option("#lang", "ja")  # the same view opens again in Japanese
    page.wait_for_url("**lang=ja**")
    _drawn(page)
    assert page.inner_text("#tab-descent") == "勾配降下法"
    assert "経路 1 本、最大 30 ステップ" in page.inner_text("#status")
    assert "f は" in page.inner_text("#runs")
    assert page.input_value("#lr") == "1.05", "the inputs survive the switch"
    assert "lang=ja" in page.get_attribute("#share", "href")
    page.context.close()
    assert not errors, errors


def test_a_link_chooses_the_language_over_the_browser(browser: Any, url: str) -> None:
    errors: list[str] = []
    page = _page(browser, "ja-JP", errors)
    page.goto(url + "?lang=en&f=sphere&start=-3,4&lr=0.1&steps=10&opt=sgd")
    _drawn(page)
    assert page.inner_text("#tab-descent") == "Gradient descent"
    page.goto(url + "?view=learning&f=sphere")
    page.wait_for_function("window.gradwalkExplore.ready === true", timeout=20_000)
    page.wait_for_function(
        "document.getElementById('learn-status').textContent.includes('「開始」')", timeout=20_000
    )
    assert page.inner_text("#step") == "1 ステップ"
    page.click("#step")
    page.wait_for_function(
        "document.getElementById('learn-status').textContent.includes('ステップ目')",
        timeout=20_000,
    )
    assert "損失関数の値" in page.inner_text("#learn-status")
    page.context.close()
    assert not errors, errors
