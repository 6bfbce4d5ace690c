"""The tour: every stop of sections 4.4 and 4.5 printed in turn, the figures written,
and a page that shows them."""

from __future__ import annotations

import html
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from .section_4_4 import TourStop, figure_4_9, figure_4_10, learning_rates_figure, tour_stops
from .section_4_5 import LEARNING_FIGURES, LearningStop, learning_stops

#: The folder the tour writes its figures and page to, relative to the current one.
DEFAULT_OUT = "gradwalk-tour"


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


#: The tour's figures: file name, caption, and how to draw it.
FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    "fig-4-9.png": (
        "Figure 4-9: the negative gradient of x0² + x1² at each point of the book's grid. "
        "Every arrow points at the minimum (0, 0), and arrows grow with the distance "
        "from it.",
        figure_4_9,
    ),
    "fig-4-10.png": (
        "Figure 4-10: gradient descent on x0² + x1² from (-3, 4) with lr = 0.1, 20 steps, "
        "over the dashed contour lines of f that the printed figure shows. Each step "
        "moves straight towards the minimum and shrinks x by the factor 0.8.",
        figure_4_10,
    ),
    "learning-rates.png": (
        "The three learning rates of section 4.4.1 from (-3, 4), at most 100 steps each. "
        "lr = 10 overshoots further at every step (dotted: it leaves the window after "
        "the first step); f climbs to 6.7e26, and after 10 steps x ± h rounds to x, the "
        "gradient is exactly 0 and the run stops as diverged. lr = 0.1 falls steadily to "
        "f = 1e-18 at the minimum; lr = 1e-10 hardly moves from f = 25.",
        learning_rates_figure,
    ),
    **LEARNING_FIGURES,
}


def _drawn(name: str) -> Figure:
    """The tour's figure ``name``, drawn (the warnings of its runs are in the text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FIGURES[name][1]()


def _write_figures(out: Path) -> None:
    """Draw every figure of the tour into the folder ``out`` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in FIGURES:
        _drawn(name).savefig(out / name, dpi=100)


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


def run_tour(
    write: Callable[[str], object] = print,
    *,
    out: str | Path | None = None,
    show: Callable[[Figure], object] | None = None,
) -> bool:
    """Print the tour; return True when every value agrees with the book.

    Parameters
    ----------
    write : callable
        Called with each line of text (``print`` by default).
    out : str or Path, optional
        A folder to draw the figures into, with ``index.html``; created if needed.
        Without it, the text only.
    show : callable, optional
        Called with each stop's figures after its text (a notebook displays them there).

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
        if show is not None:
            for name in stop.figures:
                show(_drawn(name))
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
