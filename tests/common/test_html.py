"""Every result a notebook shows has a rich display: its verdict, coloured, and its facts.

The displays are built from gradwalk._common.html; each result type's ``_repr_html_`` is
checked here on a real result, for what a reader must see in it.
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest

from gradwalk import (
    TwoLayerNet,
    check_gradient,
    descend,
    numerical_gradient,
    numerical_hessian,
    numerical_jacobian,
    train,
)
from gradwalk._common.html import card, table
from gradwalk.book import function_2
from gradwalk.datasets import make_moons


class _Text(HTMLParser):
    """The text a browser would show, and whether every tag was closed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes another tag"

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(html: str) -> str:
    """The display's text, after checking that its tags nest."""
    parser = _Text()
    parser.feed(html)
    assert not parser.open, f"unclosed tags: {parser.open}"
    return " ".join(" ".join(parser.parts).split())


def test_text_is_escaped() -> None:
    html = card("<b>", [("a<b", "x & y")], verdict="1 < 2", message="<script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;i&gt;" in table(("h",), [("<i>",)]) and "x &amp; y" in html


def test_a_gradient_shows_each_element_with_its_status() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = numerical_gradient(lambda x: np.sum(x**2), [1.0, 1e7], full_output=True)
    text = shown(result._repr_html_())
    assert "1 of 2 elements not CONVERGED: ROUNDING_LIMITED at x[0]" in text, text
    assert "x[0] 0 n/a 0.0001 ROUNDING_LIMITED x[1] 20000000 n/a 0.0001 CONVERGED" in text, text


def test_a_jacobian_and_a_hessian_show_their_values() -> None:
    jac = numerical_jacobian(lambda x: np.array([x[0] * x[1], x[0]]), [1.0, 2.0], full_output=True)
    assert "all 2 elements CONVERGED" in shown(jac._repr_html_())
    hess = numerical_hessian(lambda x: x[0] ** 2 * x[1], [1.0, 2.0], full_output=True)
    text = shown(hess._repr_html_())
    assert "HessianResult" in text and "largest error bar" in text and "[[" in text
    assert repr(hess).startswith("HessianResult(method='richardson', nfev=")


def test_a_failing_check_shows_its_verdict_worst_values_and_diagnosis() -> None:
    check = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 5.0])
    html = check._repr_html_()
    text = shown(html)
    assert "Gradient check FAILED: the analytic gradient is wrong at x[1]" in text, text
    assert "Worst values" in text and re.search(r"x 1 5 4 .* FAIL", text), text
    assert "Diagnosis" in text and "x[1]:" in text
    assert "#cf222e" in html, "a failed check is shown in red"
    passed = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 4.0])
    assert "#1a7f37" in passed._repr_html_() and "passed" in shown(passed._repr_html_())
    assert "x[1]: FAIL" in shown(check.failures[0]._repr_html_())


def test_a_descent_shows_its_status_and_why() -> None:
    result = descend(function_2, [-3.0, 4.0], lr=10.0)
    text = shown(result._repr_html_())
    assert text.startswith("DescentResult diverged f grew from 25 to 6.72e+26"), text
    assert "SGD(lr=10.0)" in text


@pytest.mark.filterwarnings("ignore::gradwalk.TrainingWarning")
def test_a_training_run_shows_its_status_and_the_accuracy_per_epoch() -> None:
    x, t = make_moons(100, seed=0)
    net = TwoLayerNet(2, 8, 2, weight_init_std=1.0, seed=0)
    history = train(net, x, t, x_test=x, t_test=t, iters_num=50, batch_size=20,
                    learning_rate=0.5, seed=0, progress=False)  # fmt: skip
    text = shown(history._repr_html_())
    assert text.startswith("TrainingHistory trained The loss fell from"), text
    assert "epoch iteration train test 0 0" in text and f"{history.test_acc_list[-1]:.4f}" in text
