"""``gradwalk tour``: section 4.4 of the book replayed in the terminal, with its figures.

Each stop runs one computation of the section, prints gradwalk's result beside the
value the book printed, and says in one sentence what it shows. Given a folder, the
tour also draws the section's figures there (Figure 4-9, Figure 4-10 with its contour
lines, the learning-rate comparison) and writes ``index.html``, a page with the text
and the pictures together. The tour then turns the page to section 4.5
(:mod:`gradwalk._tour_learning`): the book's TwoLayerNet, its two gradients, and a
training run on generated data with its figures.
"""

from __future__ import annotations

import html
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._gradient import numerical_gradient
from ._tour_learning import LEARNING_FIGURES, LearningStop, learning_stops
from .book import function_2
from .descent import gradient_descent
from .functions import softmax
from .nets import SimpleNet

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BOOK_W", "DEFAULT_OUT", "FIGURES", "TourStop", "run_tour", "tour_stops"]

#: The folder the tour writes its figures and page to, relative to the current one.
DEFAULT_OUT = "gradwalk-tour"

#: The weights printed in section 4.4.2 of the book.
BOOK_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
_BOOK_X = np.array([0.6, 0.9])
_BOOK_T = np.array([0, 0, 1])


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
            "[ 6.  8.]  (full: 6.0000000000037801, 7.9999999999991189)",
            np.array([6.0000000000037801, 7.9999999999991189]),
            "The gradient of x0² + x1² is (2·x0, 2·x1); the central difference with "
            "h = 1e-4 gets it to about 12 digits.",
        ),
        _gradient_stop(
            [0.0, 2.0],
            "[ 0.  4.]",
            np.array([0.0, 4.0]),
            "Along x0 the function is flat at x0 = 0, so that component is 0.",
        ),
        _gradient_stop(
            [3.0, 0.0],
            "[ 6.  0.]",
            np.array([6.0, 0.0]),
            "The gradient points where f grows fastest; its negative (Figure 4-9) points "
            "at the minimum.",
            figures=("fig-4-9.png",),
        ),
        _descent_stop(
            0.1,
            "[ -6.11110793e-10   8.14814391e-10]",
            np.array([-6.11110793e-10, 8.14814391e-10]),
            "Each step multiplies x by 1 - 2·lr = 0.8, so after 100 steps x = 0.8^100 · "
            "(-3, 4): practically the minimum (0, 0).",
            figures=("fig-4-10.png",),
        ),
        _descent_stop(
            10.0,
            "[ -2.58983747e+13  -1.29524862e+12]",
            np.array([-2.58983747e13, -1.29524862e12]),
            "lr = 10 is far above the stable bound lr < 1: x grows about 19-fold per step "
            "until x ± h rounds to x, the numerical gradient becomes exactly 0 and x freezes.",
        ),
        _descent_stop(
            1e-10,
            "[-2.99999994  3.99999992]",
            np.array([-2.99999994, 3.99999992]),
            "lr = 1e-10 is far too small: after 100 steps x has hardly left (-3, 4).",
            figures=("learning-rates.png",),
        ),
        TourStop(
            "4.4.2",
            "net = simpleNet(W=<the book's W>); net.predict(np.array([0.6, 0.9]))",
            lambda: net.predict(_BOOK_X),
            "[ 1.05414809  0.63071653  1.1328074 ]   np.argmax(p) = 2",
            np.array([1.05414809, 0.63071653, 1.1328074]),
            "A one-layer network scores the three classes as x · W; class 2 scores highest.",
        ),
        TourStop(
            "4.4.2",
            "net.loss(x, t) with t = [0, 0, 1], as first printed (log(y) without + 1e-7)",
            lambda: np.array([_loss_without_delta(net)]),
            "0.92806853663411326",
            np.array([0.92806853663411326]),
            "The cross-entropy of the softmax scores against the correct class 2. It "
            "agrees to 8 digits, not 17: the book prints W rounded to 8 digits, and the "
            "loss it printed came from the unrounded W.",
        ),
        TourStop(
            "4.4.2",
            "net.loss(x, t) with the reference code's log(y + 1e-7)",
            lambda: np.array([net.loss(_BOOK_X, _BOOK_T)]),
            "0.9280682857864075  (the current reference code)",
            np.array([0.9280682857864075]),
            "The 1e-7 that guards against log(0) shifts the loss in the 7th digit.",
        ),
        TourStop(
            "4.4.2",
            "numerical_gradient(lambda w: net.loss(x, t), net.W)   # first print run",
            lambda: _net_gradient(with_delta=False),
            "[[ 0.21924763  0.14356247 -0.36281009]\n"
            "           [ 0.32887144  0.2153437  -0.54421514]]",
            np.array([[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]),
            "The closure ignores w: it sees the perturbation because numerical_gradient "
            "changes net.W itself, in place, one element at a time.",
        ),
        TourStop(
            "4.4.2",
            "numerical_gradient(lambda w: net.loss(x, t), net.W)   # with + 1e-7",
            lambda: _net_gradient(with_delta=True),
            "[[ 0.21924757  0.14356243 -0.36281   ]\n"
            "           [ 0.32887136  0.21534364 -0.544215  ]]  (current reference code)",
            np.array([[0.21924757, 0.14356243, -0.36281], [0.32887136, 0.21534364, -0.544215]]),
            "Raising w[0, 0] by h raises the loss by about 0.2h; the last column's negative "
            "entries say: raise those weights to lower the loss.",
        ),
    ]


def _shown(value: NDArray[np.float64]) -> str:
    """A value as NumPy prints it; a single number with all its digits."""
    if value.size == 1:
        return repr(float(value.reshape(-1)[0]))
    return np.array2string(value, precision=8, prefix="  gradwalk ")


def _paragraph(label: str, text: str) -> str:
    return textwrap.fill(text, width=88, initial_indent=f"  {label}", subsequent_indent="    ")


def _stop_lines(number: int, total: int, stop: TourStop | LearningStop) -> tuple[list[str], bool]:
    """The lines the tour prints for one stop, and whether it agrees with the book."""
    lines = [f"[{number}/{total}] section {stop.section}"]
    lines.extend(
        f"  {'...' if code.startswith(' ') else '>>>'} {code}" for code in stop.code.splitlines()
    )
    if isinstance(stop, LearningStop):
        shown, agrees, warned = stop.run()
        lines.extend(shown)
        verdict = "holds" if agrees else "DOES NOT HOLD"
    else:
        value, agrees, warned = stop.run()
        lines.extend([f"  gradwalk {_shown(value)}", f"  book     {stop.book}"])
        verdict = "agrees with the book" if agrees else "DIFFERS from the book"
    lines.extend(_paragraph("gradwalk warned: ", message) for message in warned)
    lines.append(_paragraph(f"{verdict}: ", stop.lesson))
    return lines, agrees


def _figure_4_9() -> Figure:
    from .plot import plot_gradient_field

    return plot_gradient_field(function_2)


def _figure_4_10() -> Figure:
    from .descent import descend
    from .plot import plot_descent

    # The book's x_history: the 20 points x takes before each of its 20 steps.
    path = descend(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=20).path[:20]
    return plot_descent(path, function_2)


def _learning_rates() -> Figure:
    from .plot import plot_learning_rates

    return plot_learning_rates(function_2, np.array([-3.0, 4.0]))


#: The tour's figures: file name, caption, and how to draw it.
FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    "fig-4-9.png": (
        "Figure 4-9: the negative gradient of x0² + x1² at each point of the book's grid. "
        "Every arrow points at the minimum (0, 0), and arrows grow with the distance "
        "from it.",
        _figure_4_9,
    ),
    "fig-4-10.png": (
        "Figure 4-10: gradient descent on x0² + x1² from (-3, 4) with lr = 0.1, 20 steps, "
        "over the dashed contour lines of f that the printed figure shows. Each step "
        "moves straight towards the minimum and shrinks x by the factor 0.8.",
        _figure_4_10,
    ),
    "learning-rates.png": (
        "The three learning rates of section 4.4.1 from (-3, 4), at most 100 steps each. "
        "lr = 10 overshoots further at every step (dotted: it leaves the window after "
        "the first step); f climbs to 6.7e26, and after 10 steps x ± h rounds to x, the "
        "gradient is exactly 0 and the run stops as diverged. lr = 0.1 falls steadily to "
        "f = 1e-18 at the minimum; lr = 1e-10 hardly moves from f = 25.",
        _learning_rates,
    ),
    **LEARNING_FIGURES,
}


def _write_figures(out: Path) -> None:
    """Draw every figure of the tour into the folder ``out`` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, (_, draw) in FIGURES.items():
        # The warnings of these runs (lr = 10 freezing) are shown by the text part.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure = draw()
        figure.savefig(out / name, dpi=100)


def _page(blocks: list[tuple[list[str], tuple[str, ...]]], summary: str) -> str:
    """index.html: the tour's text, each stop followed by its figures."""
    title = 'gradwalk tour: section 4.4 "Gradient" of Deep Learning from Scratch'
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem}"
        "pre{background:#f5f5f5;padding:.8rem;overflow-x:auto;white-space:pre-wrap}"
        "figure{margin:1.5rem 0}img{max-width:100%;border:1px solid #ddd}"
        "figcaption{color:#444}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>Each computation of the section, run by gradwalk, beside the value the book "
        "printed; then the section's figures.</p>",
    ]
    for lines, figures in blocks:
        parts.append("<section>")
        parts.append("<pre>" + html.escape("\n".join(lines)) + "</pre>")
        for name in figures:
            caption = FIGURES[name][0]
            parts.append(
                f'<figure><img src="{name}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        parts.append("</section>")
    parts.extend([f"<p><strong>{html.escape(summary)}</strong></p>", "</body>", "</html>", ""])
    return "\n".join(parts)


def run_tour(write: Callable[[str], object] = print, *, out: str | Path | None = None) -> bool:
    """Print the tour; return True when every value agrees with the book.

    Parameters
    ----------
    write : callable
        Called with each line of text (``print`` by default).
    out : str or Path, optional
        A folder to draw the figures into, with ``index.html``; created if needed.
        Without it, the text only.

    Examples
    --------
    >>> lines = []
    >>> run_tour(lines.append)
    True
    >>> lines[0]
    'gradwalk tour: section 4.4 "Gradient" of Deep Learning from Scratch'
    """
    stops: list[TourStop | LearningStop] = [*tour_stops(), *learning_stops()]
    folder = None if out is None else Path(out)
    write('gradwalk tour: section 4.4 "Gradient" of Deep Learning from Scratch')
    write("")
    all_agree = True
    blocks: list[tuple[list[str], tuple[str, ...]]] = []
    for number, stop in enumerate(stops, start=1):
        lines, agrees = _stop_lines(number, len(stops), stop)
        all_agree = all_agree and agrees
        figures = stop.figures if folder is not None else ()
        blocks.append((lines, figures))
        for line in lines:
            write(line)
        for name in figures:
            write(f"  figure: {Path(folder or '.', name)}")
            write(
                textwrap.fill(
                    FIGURES[name][0], width=88, initial_indent=" " * 4, subsequent_indent=" " * 4
                )
            )
        write("")
    verdict = (
        "every value agrees with the book and every check holds"
        if all_agree
        else "some values differ or checks fail"
    )
    summary = f"{len(stops)} computations, {verdict}."
    write(summary)
    if folder is not None:
        _write_figures(folder)  # after the text, which is then shown even if this fails
        page = folder / "index.html"
        page.write_text(_page(blocks, summary), encoding="utf-8")
        write(f"The figures and a page with the text and the pictures together: {page}")
    return all_agree
