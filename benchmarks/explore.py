"""The explore page's speed: a descent update, and training steps of the learning view.

Two measurements, each a median over repeated updates in one run:

1. the descent view on Rosenbrock, 1,000 steps with SGD, Momentum and Adam (central
   differences), driven in headless Chromium: the learning rate is changed and the time
   from that input to the finished picture is read from the page, with its two parts,
   the server's compute and the page's drawing;
2. the learning view: training steps per second of a TwoLayerNet(2, 10, 3) on a 200-point
   spiral with backprop, and of a smaller network with the numerical gradient and SPSA,
   on the server alone and live in the page (steps per wall second while it trains and
   draws).

Run by hand (needs the ``test`` extra and /usr/bin/chromium)::

    python benchmarks/explore.py

It prints the Markdown of the "Explore" section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright

from gradwalk.explore._learning_view import Sessions
from gradwalk.explore._server import bind, create_app

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
UPDATES = 15


@contextmanager
def server() -> Iterator[str]:
    sock = bind(0)
    instance = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not instance.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        instance.should_exit = True
        thread.join()


def descent_updates(page: Any, url: str) -> dict[str, list[float]]:
    """Latency, compute and drawing of UPDATES learning-rate changes, in ms."""
    page.goto(url + "?f=rosenbrock&start=-1.5,2&lr=0.001&steps=1000&opt=sgd,momentum,adam")
    page.wait_for_function("window.gradwalkExplore.drawings >= 1", timeout=60_000)
    times: dict[str, list[float]] = {"latency": [], "compute": [], "draw": []}
    for k in range(UPDATES):
        lr = f"{0.0005 + 0.00001 * k:.5f}"
        page.fill("#lr", lr)
        page.wait_for_function(f"window.gradwalkExplore.drawings >= {k + 2}", timeout=60_000)
        shown = page.evaluate("window.gradwalkExplore.descent")
        assert shown["paths"] == 3, "three paths drawn"
        times["latency"].append(shown["latencyMs"])
        times["compute"].append(shown["computeMs"])
        times["draw"].append(shown["drawMs"])
    return times


def live_training(page: Any, url: str, query: str, seconds: float) -> float:
    """Steps per wall second while the page trains and draws."""
    page.goto(url + "?view=learning&" + query)
    page.wait_for_function("window.gradwalkExplore.learning !== undefined", timeout=60_000)
    page.click("#start")
    page.wait_for_function("window.gradwalkExplore.learning.iteration > 0", timeout=60_000)
    first = page.evaluate("window.gradwalkExplore.learning.iteration")
    began = time.perf_counter()
    time.sleep(seconds)
    last = page.evaluate("window.gradwalkExplore.learning.iteration")
    elapsed = time.perf_counter() - began
    page.click("#pause")
    return (last - first) / elapsed


def server_training(payload: dict[str, Any], steps: int) -> float:
    """Steps per second of the server alone (no HTTP, no drawing)."""
    sessions = Sessions()
    key = sessions.start(payload)["id"]
    rates = []
    for _ in range(3):
        began = time.perf_counter()
        answer = sessions.step({"id": key, "steps": steps, "seconds": 5})
        rates.append(answer["cost"]["steps"] / (time.perf_counter() - began))
    return statistics.median(rates)


def main() -> None:
    cases = [
        ("backprop, TwoLayerNet(2, 10, 3), 200-point spiral", "spiral", 200, 10, "backprop", 1000),
        (
            "numerical (central), TwoLayerNet(2, 5, 3), 200-point spiral",
            "spiral",
            200,
            5,
            "numerical",
            20,
        ),
        (
            "SPSA (1 direction), TwoLayerNet(2, 10, 3), 200-point spiral",
            "spiral",
            200,
            10,
            "spsa",
            1000,
        ),
    ]
    with server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        times = descent_updates(page, url)
        live = [
            live_training(page, url, f"data={d}&n={n}&hidden={h}&grad={g}&llr=1", 3.0)
            for _, d, n, h, g, _ in cases
        ]
        browser.close()
    alone = [
        server_training({"dataset": d, "size": n, "hidden": h, "gradient": g, "lr": 1}, s)
        for _, d, n, h, g, s in cases
    ]
    load = os.getloadavg()[0]
    print(
        f"Python {platform.python_version()}, {os.cpu_count()}-core {platform.machine()}, "
        f"Chromium headless; load average {load:.1f} at the end (the machine is shared).\n"
    )
    print(
        f"Descent view, Rosenbrock from (-1.5, 2), 1,000 steps each of SGD, Momentum and Adam "
        f"(central differences, 5,005 evaluations of f per path), median of {UPDATES} "
        "learning-rate changes (min–max in brackets):\n"
    )
    print("| part | ms |")
    print("|---|---|")
    for name, key in [
        ("server: grid, arrows, 2/λmax and three descents", "compute"),
        ("page: drawing (contours cached per function)", "draw"),
        ("input to finished picture (HTTP and JSON included)", "latency"),
    ]:
        values = times[key]
        print(f"| {name} | {statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f}) |")
    print("\nLearning view, full-batch training steps per second:\n")
    print("| gradient and network | server alone | live in the page (training and drawing) |")
    print("|---|---|---|")
    for (name, *_), a, b in zip(cases, alone, live, strict=True):
        print(f"| {name} | {a:.0f} | {b:.0f} |")


if __name__ == "__main__":
    main()
