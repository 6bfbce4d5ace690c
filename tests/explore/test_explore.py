"""gradwalk explore: the server's answers and limits, the command, and the page in Chromium.

The server runs for real (uvicorn on 127.0.0.1, a free port) and the page is driven in the
system's headless Chromium through Playwright; those tests skip, saying why, where either
is missing. Screenshots go to a temporary folder; with GRADWALK_UPDATE_SCREENSHOTS=1 they
are written to docs/images/ instead (that is how the pictures of docs/explore.md are made).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.interrupts import ctrl_c_enabled
from tests.support.servers import running_server

pytest.importorskip("starlette", reason="the explore extra (starlette, uvicorn) is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the explore extra is not installed")

from gradwalk._engine.methods import METHODS  # noqa: E402
from gradwalk.cli import main  # noqa: E402
from gradwalk.explore._requests import Limits  # noqa: E402
from gradwalk.explore._server import bind  # noqa: E402
from gradwalk.optimizers import OPTIMIZERS  # noqa: E402
from gradwalk.testfunctions import FUNCTIONS  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_server() as address:
        yield address


def _strict(text: str) -> Any:
    """JSON as a browser reads it: NaN and Infinity are errors."""

    def refuse(name: str) -> None:
        raise AssertionError(f"the answer holds {name}, which JSON.parse rejects")

    return json.loads(text, parse_constant=refuse)


def request(
    url: str, path: str, payload: Any = None, *, raw: bytes | None = None
) -> tuple[int, Any]:
    """Status and JSON body of a GET (no payload) or POST to the server."""
    data = raw if raw is not None else None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(
        url + path.lstrip("/"), data=data, method="GET" if data is None else "POST"
    )
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, _strict(response.read().decode())
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        assert "Traceback" not in body, f"a traceback reached the client: {body[:300]}"
        return error.code, _strict(body)


ROSENBROCK = {
    "function": "rosenbrock",
    "start": [-1.5, 2.0],
    "lr": 0.001,
    "steps": 1000,
    "optimizers": ["sgd", "momentum", "adam"],
}


# --- the server -------------------------------------------------------------------------


def test_options_list_every_function_optimizer_and_method(url: str) -> None:
    status, body = request(url, "/api/options")
    assert status == 200, body
    names = [f["name"] for f in body["descent"]["functions"]]
    assert names == list(FUNCTIONS), f"the page would offer {names}"
    assert body["descent"]["optimizers"] == list(OPTIMIZERS), body["descent"]["optimizers"]
    assert body["descent"]["colors"] == {n: o.color for n, o in OPTIMIZERS.items()}
    assert body["descent"]["methods"] == list(METHODS), body["descent"]["methods"]
    assert body["learning"]["datasets"] == ["spiral", "moons", "circles"]
    assert body["learning"]["gradients"] == ["backprop", "numerical", "spsa"]


def test_descent_reproduces_the_book_on_the_sphere(url: str) -> None:
    payload = {"function": "sphere", "start": [-3, 4], "lr": 0.1, "steps": 100}
    status, body = request(url, "/api/descent", payload)
    assert status == 200, body
    (run,) = body["runs"]
    assert run["path"][0] == [-3.0, 4.0], "the path must begin at the start point"
    # the book prints array([-6.11110793e-10,  8.14814391e-10]) for this run (section 4.4.1)
    np.testing.assert_allclose(run["x"], [-6.11110793e-10, 8.14814391e-10], rtol=1e-8)
    assert run["steps_taken"] == 100 and len(run["values"]) == 101, "one value per point"
    assert run["nfev"] == 101 * 5, "f at each point and 4 evaluations for its central gradient"
    assert body["bound"] == pytest.approx(1.0, rel=1e-6), "2/λmax of x0² + x1² is 2/2 = 1"
    assert body["grid"]["n"] == 100 and len(body["grid"]["z"]) == 100


def test_descent_runs_one_path_per_optimizer_with_a_message(url: str) -> None:
    status, body = request(url, "/api/descent", ROSENBROCK)
    assert status == 200, body
    assert [r["optimizer"] for r in body["runs"]] == ["sgd", "momentum", "adam"]
    for run in body["runs"]:
        assert run["status"] in {"converged", "max_steps", "diverged", "stalled"}, run
        assert run["message"] and len(run["path"]) == run["steps_taken"] + 1, run["message"]
    assert body["runs"][1]["label"].startswith("Momentum(lr=0.001"), body["runs"][1]["label"]


def test_a_divergent_run_answers_strict_json_and_names_the_bound(url: str) -> None:
    payload = {"function": "sphere", "start": [-3, 4], "lr": 1.5, "steps": 2000}
    status, body = request(url, "/api/descent", payload)  # request() rejects NaN/Infinity
    assert status == 200, body
    (run,) = body["runs"]
    assert run["status"] == "diverged", run
    assert "stable bound" in run["message"], run["message"]


@pytest.mark.parametrize(
    ("payload", "instead"),
    [
        ({"function": "sphere", "start": [-3, 4], "lr": 0.1, "steps": 60}, "fewer steps"),
        (
            {
                "function": "sphere",
                "start": [3e12, 4e12],
                "xlim": [-5e12, 5e12],
                "ylim": [-5e12, 5e12],
                "lr": 0.1,
                "steps": 20,
            },
            "richardson method",
        ),
    ],
    ids=["a-small-gradient-without-gtol", "a-step-that-rounds-away-without-h"],
)
def test_messages_recommend_only_what_the_page_offers(
    url: str, payload: dict[str, Any], instead: str
) -> None:
    status, body = request(url, "/api/descent", payload)
    assert status == 200, body
    (run,) = body["runs"]
    message = run["message"]
    assert "gtol" not in message and "h=" not in message, (
        f"the page has neither gtol nor h, but its message recommends one: {message}"
    )
    assert instead in message, f"the message should point at the page's {instead!r}: {message}"


def test_a_formula_is_drawn_and_descended(url: str) -> None:
    payload = {"function": "formula", "formula": "x**2 + 3*y**2", "start": [1, 1], "lr": 0.1}
    status, body = request(url, "/api/descent", payload)
    assert status == 200, body
    assert body["title"] == "x**2 + 3*y**2"
    assert body["bound"] == pytest.approx(2 / 6, rel=1e-5), "λmax of x² + 3y² is 6"
    z = np.array(body["grid"]["z"])
    # independent check: the grid is x² + 3y² over the default window [-2, 2]²
    xs = np.linspace(-2, 2, 100)
    np.testing.assert_allclose(z, xs[None, :] ** 2 + 3 * xs[:, None] ** 2, rtol=1e-12)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"lr": 0}, "lr", "greater than 0"),
        ({"lr": -0.1}, "lr", "greater than 0"),
        ({"lr": "abc"}, "lr", "must be a number"),
        ({"lr": "nan"}, "lr", "finite"),
        ({"steps": 10**6}, "steps", "limit of 10000"),
        ({"steps": 2.5}, "steps", "whole number"),
        ({"start": [9, 9]}, "start", "outside the view"),
        ({"xlim": [2, -2]}, "xlim", "not a range"),
        ({"optimizers": ["sgd", "lbfgs"]}, "optimizers", "not one of"),
        ({"method": "forward2"}, "method", "not one of"),
        ({"grid": 5000}, "grid", "limit of 200"),
        ({"function": "banana"}, "function", "not one of"),
        ({"function": "formula", "formula": "x**2 + os"}, "formula", "os"),
        ({"function": "formula", "formula": "x0 + x1 + x2"}, "formula", "two variables"),
        ({"function": "formula", "formula": "x" + "+x" * 200}, "formula", "at most 300"),
        ({"function": "formula", "formula": "().__class__"}, "formula", "attribute"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    url: str, change: dict[str, Any], field: str, words: str
) -> None:
    status, body = request(url, "/api/descent", {**ROSENBROCK, "steps": 10} | change)
    assert status == 422, f"{change} was answered {status}: {body}"
    assert body["field"] == field, f"{change} blamed {body['field']!r}, not {field!r}"
    assert words in body["error"], f"{change}: the message {body['error']!r} lacks {words!r}"


@pytest.mark.parametrize(
    ("method", "path", "raw", "status", "words"),
    [
        ("POST", "/api/descent", b"{nope", 400, "not JSON"),
        ("POST", "/api/descent", b"[1, 2]", 400, "JSON object"),
        ("POST", "/api/descent", b"\xff\xfe", 400, "not JSON"),
        ("POST", "/api/descent", b" " * 70_000, 413, "at most"),
        ("GET", "/api/descent", None, 405, "Method Not Allowed"),
        ("GET", "/api/nothing", None, 404, "Not Found"),
    ],
)
def test_malformed_requests_get_a_message_not_a_traceback(
    url: str, method: str, path: str, raw: bytes | None, status: int, words: str
) -> None:
    code, body = request(url, path, raw=raw)
    assert code == status, f"{raw!r:.30} to {path} was answered {code}, not {status}: {body}"
    assert words in body["error"], body


def test_a_run_over_the_time_limit_stops_with_what_it_has() -> None:
    with running_server(Limits(seconds=0.05)) as address:
        payload = {**ROSENBROCK, "steps": 10_000, "method": "richardson", "optimizers": ["sgd"]}
        began = time.perf_counter()
        status, body = request(address, "/api/descent", payload)
        elapsed = time.perf_counter() - began
    assert status == 200, body
    (run,) = body["runs"]
    assert run["status"] == "stopped" and 0 < run["steps_taken"] < 10_000, run["steps_taken"]
    assert "time limit of 0.05 s" in run["message"], run["message"]
    assert len(run["path"]) == run["steps_taken"] + 1, "the path so far comes back"
    assert elapsed < 5, f"a request limited to 0.05 s of compute took {elapsed:.1f} s"


def test_the_server_stays_responsive_under_many_requests(url: str) -> None:
    payloads = [{**ROSENBROCK, "optimizers": ["sgd"], "lr": 10 ** (-4 + k / 10)} for k in range(6)]
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(request, url, "/api/descent", p) for p in payloads]
        began = time.perf_counter()
        status, _ = request(url, "/api/options")
        waited = time.perf_counter() - began
        answers = [f.result() for f in futures]
    assert status == 200 and waited < 2, f"the page's menus waited {waited:.1f} s behind descents"
    assert all(code == 200 for code, _ in answers), [code for code, _ in answers]


def test_training_learns_the_spiral_with_backprop(url: str) -> None:
    status, start = request(url, "/api/learn/start", {"dataset": "spiral", "size": 200})
    assert status == 200, start
    assert len(start["points"]) == 200 and start["classes"] == 3
    assert start["parameters"] == 2 * 10 + 10 + 10 * 3 + 3, "TwoLayerNet(2, 10, 3)"
    status, body = request(url, "/api/learn/step", {"id": start["id"], "steps": 1000, "seconds": 5})
    assert status == 200, body
    assert body["iteration"] == len(body["loss"]) == len(body["accuracy"]) > 100, body["iteration"]
    assert body["loss"][-1] < 0.5 * body["loss"][0], f"the loss went {body['loss'][::200]}"
    assert len(body["boundary"]["label"]) == 64 * 64
    assert body["cost"]["evaluations"] == 0, "backprop evaluates no extra losses"


@pytest.mark.parametrize("gradient", ["numerical", "spsa"])
def test_each_gradient_reports_its_cost(url: str, gradient: str) -> None:
    payload = {"dataset": "moons", "size": 50, "hidden": 5, "gradient": gradient}
    _, start = request(url, "/api/learn/start", payload)
    status, body = request(url, "/api/learn/step", {"id": start["id"], "steps": 3})
    assert status == 200, body
    # TwoLayerNet(2, 5, 2) has 2*5 + 5 + 5*2 + 2 = 27 parameters; moons has 2 classes
    expected = {"numerical": 2 * 27, "spsa": 2}[gradient]
    assert body["cost"]["evaluations_per_step"] == expected, body["cost"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"size": 100_000}, "size"),
        ({"hidden": 1000}, "hidden"),
        ({"noise": 5}, "noise"),
        ({"lr": 0}, "lr"),
        ({"dataset": "mnist"}, "dataset"),
        ({"gradient": "magic"}, "gradient"),
    ],
)
def test_training_limits(url: str, change: dict[str, Any], field: str) -> None:
    status, body = request(url, "/api/learn/start", change)
    assert status == 422 and body["field"] == field, f"{change}: {status} {body}"


def test_a_forgotten_session_says_to_reset() -> None:
    with running_server(Limits(sessions=2)) as address:
        ids = [request(address, "/api/learn/start", {"size": 20})[1]["id"] for _ in range(3)]
        status, body = request(address, "/api/learn/step", {"id": ids[0]})
        assert status == 422 and "press Reset" in body["error"], body
        status, body = request(address, "/api/learn/step", {"id": ids[2]})
        assert status == 200 and body["iteration"] == 1, body


# --- the command --------------------------------------------------------------------------


def test_explore_help_names_the_extra(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--help"]) == 0
    assert "gradwalk[explore]" in capsys.readouterr().out


def test_a_busy_port_is_an_error_that_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    sock = bind(0)
    try:
        status = main(["explore", "--port", str(sock.getsockname()[1]), "--no-browser"])
    finally:
        sock.close()
    assert status == 2
    assert "--port 0" in capsys.readouterr().err


def test_explore_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gradwalk.cli", "explore", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_enabled,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, f"no URL in the first line: {line!r}"
        with urllib.request.urlopen(found.group(0), timeout=10) as response:
            assert b"gradwalk explore" in response.read()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, f"exit {process.returncode}: {err}"
    assert "stopped" in out and "Traceback" not in err, (out, err)


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


@pytest.fixture
def page(browser: Any, url: str) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    yield page
    page.close()
    assert not errors, f"the page reported errors: {errors}"


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """Save a screenshot: into docs/images/ with GRADWALK_UPDATE_SCREENSHOTS=1, else tmp_path."""
    folder = IMAGES if os.environ.get("GRADWALK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"explore-{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"the screenshot {path} is nearly empty"
    return path


def drawn(page: Any, count: int = 1) -> Any:
    """Wait for the descent view's next drawing; return what it drew."""
    page.wait_for_function(f"window.gradwalkExplore.drawings >= {count}", timeout=20_000)
    return page.evaluate("window.gradwalkExplore.descent")


def test_the_descent_view_draws_three_paths(page: Any, url: str, tmp_path: Path) -> None:
    page.goto(url + "?f=rosenbrock&start=-1.5,2&lr=0.001&steps=1000&opt=sgd,momentum,adam")
    shown = drawn(page)
    assert shown["paths"] == 3, f"{shown['paths']} paths drawn for three optimizers"
    status = page.inner_text("#status")
    assert re.match(r"3 paths, up to 1000 steps: computed in \d+ ms, drawn in \d+ ms", status), (
        status
    )
    runs = page.locator("#runs li")
    assert runs.count() == 3
    assert "Momentum(lr=0.001, momentum=0.9)" in runs.nth(1).inner_text()
    assert "stable bound" in page.inner_text("#bound")
    assert page.locator("#bound-mark").is_visible(), "the bound is marked on the slider"
    screenshot(page, "descent", tmp_path)


def test_a_learning_rate_past_the_bound_diverges_in_words(
    page: Any, url: str, tmp_path: Path
) -> None:
    page.goto(url + "?f=sphere&start=-3,4&lr=0.5&steps=30&opt=sgd")
    first = drawn(page)
    assert first["answer"]["runs"][0]["status"] in {"converged", "max_steps"}, first["answer"]
    page.fill("#lr", "1.5")
    shown = drawn(page, 2)
    run = shown["answer"]["runs"][0]
    assert run["label"] == "SGD(lr=1.5)" and run["status"] == "diverged", run["label"]
    text = page.inner_text("#runs")
    assert "diverged" in text and "stable bound of about 1" in text, text
    assert "above it" in page.inner_text("#bound")
    screenshot(page, "diverged", tmp_path)


def test_clicking_the_plot_sets_the_start(page: Any, url: str) -> None:
    page.goto(url + "?f=himmelblau&x=-5,5&y=-5,5&lr=0.01&steps=200&opt=sgd")
    drawn(page)
    box = page.locator("#plot").bounding_box()
    # the plot area spans pixels 52..546 across and 28..524 down (see Frame's margins)
    x_pixel = 52 + (1 - -5) / 10 * (560 - 52 - 14)
    y_pixel = 28 + (5 - -2) / 10 * (560 - 28 - 36)
    page.mouse.click(box["x"] + 1 + x_pixel, box["y"] + 1 + y_pixel)  # inside a 1 px border
    shown = drawn(page, 2)
    start = shown["answer"]["runs"][0]["path"][0]
    assert start == pytest.approx([1.0, -2.0], abs=0.011), f"clicked (1, -2), started at {start}"
    assert float(page.input_value("#start-x")) == pytest.approx(1.0, abs=0.011)
    # from (1, -2) plain descent on Himmelblau ends in the minimum near (3.58, -1.85)
    assert shown["answer"]["runs"][0]["x"] == pytest.approx([3.584428, -1.848126], abs=1e-3)
    shared = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["start"][0]
    assert [float(v) for v in shared.split(",")] == pytest.approx(start), f"URL: {page.url}"


def test_a_bad_formula_keeps_the_picture_and_says_why(page: Any, url: str, tmp_path: Path) -> None:
    page.goto(url + "?f=formula&formula=x**2%2B3*y**2&start=1,1&lr=0.1&opt=sgd,adam")
    shown = drawn(page)
    assert shown["answer"]["title"] == "x**2+3*y**2"
    page.fill("#formula", "x**2 + os.system(1)")
    page.wait_for_function(
        "document.querySelector('.error[data-field=formula]').textContent !== ''"
    )
    message = page.inner_text(".error[data-field=formula]")
    assert "os" in message, message
    assert page.inner_text("#status").startswith("not updated"), page.inner_text("#status")
    assert page.evaluate("window.gradwalkExplore.descent.paths") == 2, "the last picture stays"
    screenshot(page, "bad-formula", tmp_path)
    page.fill("#formula", "x**2 + 10*y**2")
    shown = drawn(page, 2)
    assert shown["answer"]["title"] == "x**2 + 10*y**2"
    assert page.inner_text(".error[data-field=formula]") == "", "the message is cleared"


def test_a_bad_learning_rate_and_too_many_steps_are_explained(page: Any, url: str) -> None:
    page.goto(url + "?f=booth&opt=sgd")
    drawn(page)
    for field, value, words in [("#lr", "-1", "greater than 0"), ("#steps", "50000", "limit")]:
        page.fill(field, value)
        error = f".error[data-field={field[1:]}]"
        page.wait_for_function(f"document.querySelector('{error}').textContent !== ''")
        assert words in page.inner_text(error), page.inner_text(error)
        page.fill(field, "0.01" if field == "#lr" else "100")
        page.wait_for_function(f"document.querySelector('{error}').textContent === ''")


def test_dragging_the_slider_ends_on_the_latest_value(page: Any, url: str) -> None:
    page.goto(url + "?f=rosenbrock&start=-1.5,2&lr=0.001&steps=1000&opt=sgd,momentum,adam")
    drawn(page)
    page.evaluate(
        """() => { const s = document.getElementById('lr-slider');
        for (let k = 0; k <= 30; k++) {
            s.value = -5 + k * 0.05; s.dispatchEvent(new Event('input'));
        } }"""
    )  # the last value is 10**-3.5, shown as 0.00032
    latest = "SGD(lr=0.00032)"
    page.wait_for_function(
        f"window.gradwalkExplore.descent.answer.runs[0].label === '{latest}'", timeout=20_000
    )
    time.sleep(0.5)  # nothing older may arrive after the latest
    label = page.evaluate("window.gradwalkExplore.descent.answer.runs[0].label")
    assert label == latest, f"the page shows {label} after the slider stopped at {latest}"
    drawings = page.evaluate("window.gradwalkExplore.drawings")
    assert drawings < 31, f"{drawings} drawings: every slider event was computed, none skipped"


def test_a_link_reproduces_the_view(page: Any, url: str) -> None:
    page.goto(url + "?f=beale&start=1,1&lr=0.01&steps=500&opt=adam&method=richardson")
    shown = drawn(page)
    assert page.input_value("#function") == "beale" and page.input_value("#method") == "richardson"
    assert [r["optimizer"] for r in shown["answer"]["runs"]] == ["adam"]
    assert shown["answer"]["method"] == "richardson"
    link = page.get_attribute("#share", "href")
    assert "f=beale" in link and "opt=adam" in link and "method=richardson" in link, link


def test_the_network_learns_the_spiral_live(page: Any, url: str, tmp_path: Path) -> None:
    page.goto(url + "?view=learning&data=spiral&n=200&hidden=10&grad=backprop&llr=1&lopt=sgd")
    page.wait_for_function("window.gradwalkExplore.learning !== undefined")
    page.click("#step")
    page.wait_for_function("window.gradwalkExplore.learning.iteration === 1")
    assert page.inner_text("#learn-status").startswith("step 1: loss")
    page.click("#start")
    page.wait_for_function("window.gradwalkExplore.learning.iteration >= 2000", timeout=20_000)
    page.click("#pause")
    learned = page.evaluate("window.gradwalkExplore.learning")
    assert learned["points"] == 200
    assert learned["accuracy"][-1] > 0.9, f"accuracy {learned['accuracy'][-1]} after 2000 steps"
    assert "steps per second" in page.inner_text("#cost"), page.inner_text("#cost")
    screenshot(page, "learning", tmp_path)


def test_numerical_gradient_training_shows_its_cost(page: Any, url: str) -> None:
    page.goto(url + "?view=learning&data=moons&n=100&hidden=4&grad=numerical&llr=1")
    page.wait_for_function("window.gradwalkExplore.learning !== undefined")
    page.click("#step")
    page.wait_for_function("window.gradwalkExplore.learning.iteration === 1")
    # TwoLayerNet(2, 4, 2): 2*4 + 4 + 4*2 + 2 = 22 parameters, 2 losses each (central)
    assert "44 evaluations of the loss per step" in page.inner_text("#cost"), page.inner_text(
        "#cost"
    )


# --- the page as a reader of the book first sees it -------------------------------------


def test_the_page_opens_on_the_books_run(page: Any, url: str, tmp_path: Path) -> None:
    page.goto(url)
    shown = drawn(page)
    answer = shown["answer"]
    assert "function_2" in answer["title"], answer["title"]
    assert (answer["xlim"], answer["ylim"]) == ([-3.5, 3.5], [-4.5, 4.5]), "Figure 4-10's window"
    [run] = answer["runs"]
    assert run["label"] == "SGD(lr=0.1)" and run["steps_taken"] == 100, run["label"]
    assert run["path"][0] == [-3.0, 4.0]
    # the book's printed result of 100 steps of lr = 0.1 from (-3, 4)
    assert run["x"] == pytest.approx([-6.11110793e-10, 8.14814391e-10], rel=1e-8)
    screenshot(page, "book-run", tmp_path)


def _tick_labels(page: Any, canvas: str) -> dict[str, Any]:
    return page.evaluate(f"window.gradwalkExplore.axes['{canvas}']")


def test_the_empty_loss_chart_has_sane_axes(page: Any, url: str) -> None:
    page.goto(url + "?view=learning&data=moons&n=100")
    page.wait_for_function("window.gradwalkExplore.learning !== undefined")
    curves = _tick_labels(page, "curves")  # before the first step: nothing to scale to
    assert curves["y"][0] == "0" and curves["y"][-1] == "1" and not curves["clipped"], curves
    assert all(len(label) <= 4 for label in curves["x"] + curves["y"]), curves


def _coloured_pixels(page: Any, canvas: str, rgb: tuple[int, int, int]) -> int:
    return int(
        page.evaluate(
            f"""() => {{
            const c = document.getElementById('{canvas}');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let k = 0; k < d.length; k += 4)
                if (Math.abs(d[k] - {rgb[0]}) < 8 && Math.abs(d[k + 1] - {rgb[1]}) < 8 &&
                    Math.abs(d[k + 2] - {rgb[2]}) < 8) n++;
            return n; }}"""
        )
    )


def test_one_step_is_drawn_with_train_and_test_accuracy(page: Any, url: str) -> None:
    page.goto(url + "?view=learning&data=moons&n=100&hidden=6&grad=backprop&llr=1&lopt=sgd")
    page.wait_for_function("window.gradwalkExplore.learning !== undefined")
    assert _coloured_pixels(page, "curves", (214, 39, 40)) == 0, "a loss is drawn before any step"
    page.click("#step")
    page.wait_for_function("window.gradwalkExplore.learning.iteration === 1")
    assert _coloured_pixels(page, "curves", (214, 39, 40)) > 10, (
        "the first step's loss is not drawn"
    )
    learned = page.evaluate("window.gradwalkExplore.learning")
    assert len(learned["testAccuracy"]) == len(learned["accuracy"]) == 1
    status = page.inner_text("#learn-status")
    assert re.match(
        r"step 1: loss [\d.]+, training accuracy [\d.]+%, test accuracy [\d.]+%", status
    )


def test_training_reports_test_accuracy_as_it_learns(page: Any, url: str) -> None:
    page.goto(url + "?view=learning&data=moons&n=200&hidden=10&grad=backprop&llr=1&lopt=sgd")
    page.wait_for_function("window.gradwalkExplore.learning !== undefined")
    page.click("#start")
    page.wait_for_function("window.gradwalkExplore.learning.iteration >= 1000", timeout=20_000)
    page.click("#pause")
    learned = page.evaluate("window.gradwalkExplore.learning")
    assert len(learned["testAccuracy"]) == len(learned["accuracy"])
    assert learned["testAccuracy"][-1] > 0.85, learned["testAccuracy"][-1]
    assert learned["hint"] == "", f"a run that learns got a hint: {learned['hint']}"


def test_a_learning_rate_too_large_in_training_gets_the_bound(page: Any, url: str) -> None:
    page.goto(url + "?view=learning&data=spiral&n=200&hidden=10&grad=backprop&llr=1000&lopt=sgd")
    page.wait_for_function("window.gradwalkExplore.learning !== undefined")
    page.click("#start")
    page.wait_for_function("window.gradwalkExplore.learning.hint !== ''", timeout=20_000)
    page.click("#pause")
    hint = page.inner_text("#learn-hint")
    assert "lr = 1000 is above the stable bound of about" in hint, hint


def test_the_page_is_usable_800_pixels_wide(browser: Any, url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 900})
    try:
        page.goto(url + "?f=himmelblau&x=-5,5&y=-5,5&lr=0.01&steps=200&opt=sgd")
        drawn(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 800, "it scrolls sideways"
        box = page.locator("#plot").bounding_box()
        assert box["x"] + box["width"] <= 800 and box["width"] >= 380, box
        # a click still lands where it points, on the plot drawn smaller
        scale = box["width"] / 562  # the canvas's 560 pixels and its 1 px border
        x_pixel = (52 + (1 - -5) / 10 * (560 - 52 - 14)) * scale
        y_pixel = (28 + (5 - -2) / 10 * (560 - 28 - 36)) * scale
        page.mouse.click(box["x"] + 1 + x_pixel, box["y"] + 1 + y_pixel)
        start = drawn(page, 2)["answer"]["runs"][0]["path"][0]
        assert start == pytest.approx([1.0, -2.0], abs=0.05), start
        page.click("#tab-learning")
        page.wait_for_function("window.gradwalkExplore.learning !== undefined")
        for canvas in ("#boundary", "#curves"):
            edge = page.locator(canvas).bounding_box()
            assert edge["x"] + edge["width"] <= 800, (canvas, edge)
        screenshot(page, "narrow", tmp_path)
    finally:
        page.close()
