"""The tour's stops of section 4.4: each result beside the value the book printed,
and the section's figures."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.terminal import padded
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._learning.nets import SimpleNet
from gradwalk.book import function_2
from gradwalk.descent._gradient_descent import gradient_descent
from gradwalk.functions import softmax

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The weights printed in section 4.4.2 of the book.
BOOK_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
_BOOK_X = np.array([0.6, 0.9])
_BOOK_T = np.array([0, 0, 1])


def book_label() -> str:
    """The label of the book's value, as wide as "gradwalk " so that arrays line up."""
    return padded(_("book"), len("gradwalk "))


@dataclass(frozen=True)
class TourStop:
    """One computation of the section: the code, gradwalk's value, the book's, and why."""

    section: str
    code: str
    compute: Callable[[], ArrayLike]
    book: str
    book_value: NDArray[np.float64]
    lesson: str
    figures: tuple[str, ...] = ()

    def run(self) -> tuple[NDArray[np.float64], bool, list[str]]:
        """gradwalk's value, whether it agrees with the book's digits, and its warnings."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = np.asarray(self.compute(), dtype=np.float64)
        scale = float(np.max(np.abs(self.book_value))) if self.book_value.size else 1.0
        agrees = bool(np.allclose(value, self.book_value, rtol=1e-7, atol=1e-8 * scale))
        return value, agrees, [str(record.message) for record in caught]


def _gradient_stop(
    point: list[float],
    book: str,
    book_value: NDArray[np.float64],
    lesson: str,
    figures: tuple[str, ...] = (),
) -> TourStop:
    """The stop of section 4.4 that computes ``numerical_gradient(function_2, point)``."""
    x = np.array(point)
    code = f"numerical_gradient(function_2, np.array([{', '.join(map(str, point))}]))"

    def compute() -> ArrayLike:
        return numerical_gradient(function_2, x)

    return TourStop("4.4", code, compute, book, book_value, lesson, figures)


def _descent_stop(
    lr: float,
    book: str,
    book_value: NDArray[np.float64],
    lesson: str,
    figures: tuple[str, ...] = (),
) -> TourStop:
    """The stop of section 4.4.1 that descends function_2 from (-3, 4) at rate ``lr``."""
    code = f"gradient_descent(function_2, init_x=np.array([-3.0, 4.0]), lr={lr}, step_num=100)"

    def compute() -> ArrayLike:
        return gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100)

    return TourStop("4.4.1", code, compute, book, book_value, lesson, figures)


def _loss_without_delta(net: SimpleNet) -> float:
    """The loss of the book's first print run, whose cross-entropy had no + 1e-7."""
    return float(-np.log(softmax(net.predict(_BOOK_X))[2]))


def _net_gradient(with_delta: bool) -> NDArray[np.floating]:
    net = SimpleNet(W=BOOK_W)
    if with_delta:
        return numerical_gradient(lambda w: net.loss(_BOOK_X, _BOOK_T), net.W)
    return numerical_gradient(lambda w: _loss_without_delta(net), net.W)


def tour_stops() -> list[TourStop]:
    """The computations of section 4.4, in the book's order."""
    net = SimpleNet(W=BOOK_W)
    return [
        _gradient_stop(
            [3.0, 4.0],
            "[ 6.  8.]  "
            + _("(full: {values})").format(values="6.0000000000037801, 7.9999999999991189"),
            np.array([6.0000000000037801, 7.9999999999991189]),
            _(
                "The gradient of x0² + x1² is (2·x0, 2·x1); the central difference with h = "
                "1e-4 gets it to about 12 digits."
            ),
        ),
        _gradient_stop(
            [0.0, 2.0],
            "[ 0.  4.]",
            np.array([0.0, 4.0]),
            _("Along x0 the function is flat at x0 = 0, so that component is 0."),
        ),
        _gradient_stop(
            [3.0, 0.0],
            "[ 6.  0.]",
            np.array([6.0, 0.0]),
            _(
                "The gradient points where f grows fastest; its negative (Figure 4-9) points at "
                "the minimum."
            ),
            figures=("fig-4-9.png",),
        ),
        _descent_stop(
            0.1,
            "[ -6.11110793e-10   8.14814391e-10]",
            np.array([-6.11110793e-10, 8.14814391e-10]),
            _(
                "Each step multiplies x by 1 - 2·lr = 0.8, so after 100 steps x = 0.8^100 · "
                "(-3, 4): practically the minimum (0, 0)."
            ),
            figures=("fig-4-10.png",),
        ),
        _descent_stop(
            10.0,
            "[ -2.58983747e+13  -1.29524862e+12]",
            np.array([-2.58983747e13, -1.29524862e12]),
            _(
                "lr = 10 is far above the stable bound lr < 1: x grows about 19-fold per step "
                "until x ± h rounds to x, the numerical gradient becomes exactly 0 and x "
                "freezes."
            ),
        ),
        _descent_stop(
            1e-10,
            "[-2.99999994  3.99999992]",
            np.array([-2.99999994, 3.99999992]),
            _("lr = 1e-10 is far too small: after 100 steps x has hardly left (-3, 4)."),
            figures=("learning-rates.png",),
        ),
        TourStop(
            "4.4.2",
            # Translators: code; translate only "the book's W" inside the angle brackets.
            _("net = simpleNet(W=<the book's W>); net.predict(np.array([0.6, 0.9]))"),
            lambda: net.predict(_BOOK_X),
            "[ 1.05414809  0.63071653  1.1328074 ]   np.argmax(p) = 2",
            np.array([1.05414809, 0.63071653, 1.1328074]),
            _("A one-layer network scores the three classes as x · W; class 2 scores highest."),
        ),
        TourStop(
            "4.4.2",
            # Translators: keep the code (net.loss(x, t), t = [0, 0, 1], log(y), + 1e-7).
            _("net.loss(x, t) with t = [0, 0, 1], as first printed (log(y) without + 1e-7)"),
            lambda: np.array([_loss_without_delta(net)]),
            "0.92806853663411326",
            np.array([0.92806853663411326]),
            _(
                "The cross-entropy of the softmax scores against the correct class 2. It agrees "
                "to 8 digits, not 17: the book prints W rounded to 8 digits, and the loss it "
                "printed came from the unrounded W."
            ),
        ),
        TourStop(
            "4.4.2",
            _("net.loss(x, t) with the reference code's log(y + 1e-7)"),
            lambda: np.array([net.loss(_BOOK_X, _BOOK_T)]),
            "0.9280682857864075  " + _("(the current reference code)"),
            np.array([0.9280682857864075]),
            _("The 1e-7 that guards against log(0) shifts the loss in the 7th digit."),
        ),
        TourStop(
            "4.4.2",
            "numerical_gradient(lambda w: net.loss(x, t), net.W)   " + _("# first print run"),
            lambda: _net_gradient(with_delta=False),
            "[[ 0.21924763  0.14356247 -0.36281009]\n"
            "           [ 0.32887144  0.2153437  -0.54421514]]",
            np.array([[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]),
            _(
                "The closure ignores w: it sees the perturbation because numerical_gradient "
                "changes net.W itself, in place, one element at a time."
            ),
        ),
        TourStop(
            "4.4.2",
            "numerical_gradient(lambda w: net.loss(x, t), net.W)   " + _("# with + 1e-7"),
            lambda: _net_gradient(with_delta=True),
            "[[ 0.21924757  0.14356243 -0.36281   ]\n"
            "           [ 0.32887136  0.21534364 -0.544215  ]]  "
            + _("(the current reference code)"),
            np.array([[0.21924757, 0.14356243, -0.36281], [0.32887136, 0.21534364, -0.544215]]),
            _(
                "Raising w[0, 0] by h raises the loss by about 0.2h; the last column's negative "
                "entries say: raise those weights to lower the loss."
            ),
        ),
    ]


def figure_4_9() -> Figure:
    from gradwalk.plot._gradients import plot_gradient_field

    return plot_gradient_field(function_2)


def figure_4_10() -> Figure:
    from gradwalk.descent._loop import descend
    from gradwalk.plot._gradients import plot_descent

    # The book's x_history: the 20 points x takes before each of its 20 steps.
    path = descend(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=20).path[:20]
    return plot_descent(path, function_2)


def learning_rates_figure() -> Figure:
    from gradwalk.plot._gradients import plot_learning_rates

    return plot_learning_rates(function_2, np.array([-3.0, 4.0]))
