"""The tour replays section 4.4 and agrees with every value the book printed."""

from __future__ import annotations

import numpy as np

from gradwalk._tour import run_tour, tour_stops


def test_every_tour_stop_agrees_with_the_book() -> None:
    for stop in tour_stops():
        value, agrees, _ = stop.run()
        assert agrees, f"tour stop {stop.code!r} gave {value}, the book printed {stop.book}"


def test_a_stop_that_disagrees_is_reported() -> None:
    stop = tour_stops()[0]
    wrong = type(stop)(
        stop.section, stop.code, lambda: np.array([6.1, 8.0]), stop.book, stop.book_value, ""
    )
    assert not wrong.run()[1], "a gradient of [6.1, 8.0] must not agree with the book's [6, 8]"


def test_tour_text_follows_the_books_order_and_explains_the_freeze() -> None:
    lines: list[str] = []
    assert run_tour(lines.append) is True
    text = "\n".join(lines)
    order = ["np.array([3.0, 4.0])", "lr=0.1,", "lr=10.0", "lr=1e-10", "net.predict"]
    positions = [text.index(snippet) for snippet in order]
    assert positions == sorted(positions), "the tour is not in the book's order"
    assert "rounds back to x" in text, "the lr = 10 stop should show why the gradient froze"
    assert "DIFFERS" not in text
