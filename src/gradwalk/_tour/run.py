"""The tour: every stop of sections 4.4 and 4.5 printed in turn, the figures written,
and a page that shows them."""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from gradwalk._common.language import get_language, language_scope
from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.terminal import fill, write_line

from .section_4_4 import (
    TourStop,
    book_label,
    figure_4_9,
    figure_4_10,
    learning_rates_figure,
    tour_stops,
)
from .section_4_5 import LEARNING_FIGURES, LearningStop, learning_stops

#: The folder the tour writes its figures and page to, relative to the current one.
DEFAULT_OUT = "gradwalk-tour"


def _shown(value: NDArray[np.float64]) -> str:
    """A value as NumPy prints it; a single number with all its digits."""
    if value.size == 1:
        return repr(float(value.reshape(-1)[0]))
    return np.array2string(value, precision=8, prefix="  gradwalk ")


def _paragraph(label: str, text: str) -> str:
    return fill(text, width=88, initial_indent=f"  {label}", subsequent_indent="    ")


def _labelled(label: str, text: str) -> str:
    """``label: text`` as the current language writes a colon (full width in zh and ja)."""
    return _("{label}: {text}").format(label=label, text=text)


def _stop_lines(number: int, total: int, stop: TourStop | LearningStop) -> tuple[list[str], bool]:
    """The lines the tour prints for one stop, and whether it agrees with the book."""
    lines = [
        _("[{number}/{total}] section {section}").format(
            number=number, total=total, section=stop.section
        )
    ]
    lines.extend(
        f"  {'...' if code.startswith(' ') else '>>>'} {code}" for code in stop.code.splitlines()
    )
    if isinstance(stop, LearningStop):
        shown, agrees, warned = stop.run()
        lines.extend(shown)
        verdict = _("holds") if agrees else _("DOES NOT HOLD")
    else:
        value, agrees, warned = stop.run()
        lines.extend([f"  gradwalk {_shown(value)}", f"  {book_label()}{stop.book}"])
        verdict = _("agrees with the book") if agrees else _("DIFFERS from the book")
    lines.extend(_paragraph(_labelled(_("gradwalk warned"), ""), message) for message in warned)
    lines.append(_paragraph(_labelled(verdict, ""), stop.lesson))
    return lines, agrees


#: The tour's figures: file name, caption, and how to draw it.
FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    "fig-4-9.png": (
        N_(
            "Figure 4-9: the negative gradient of x0² + x1² at each point of the book's grid. "
            "Every arrow points at the minimum (0, 0), and arrows grow with the distance from "
            "it."
        ),
        figure_4_9,
    ),
    "fig-4-10.png": (
        N_(
            "Figure 4-10: gradient descent on x0² + x1² from (-3, 4) with lr = 0.1, 20 steps, "
            "over the dashed contour lines of f that the printed figure shows. Each step moves "
            "straight towards the minimum and shrinks x by the factor 0.8."
        ),
        figure_4_10,
    ),
    "learning-rates.png": (
        N_(
            "The three learning rates of section 4.4.1 from (-3, 4), at most 100 steps each. "
            "lr = 10 overshoots further at every step (dotted: it leaves the window after the "
            "first step); f climbs to 6.7e26, and after 10 steps x ± h rounds to x, the "
            "gradient is exactly 0 and the run stops as diverged. lr = 0.1 falls steadily to "
            "f = 1e-18 at the minimum; lr = 1e-10 hardly moves from f = 25."
        ),
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
    title = _title()
    parts = [
        "<!doctype html>",
        f'<html lang="{get_language().replace("_", "-")}">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem}"
        "pre{background:#f5f5f5;padding:.8rem;overflow-x:auto;white-space:pre-wrap}"
        "figure{margin:1.5rem 0}img{max-width:100%;border:1px solid #ddd}"
        "figcaption{color:#444}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>"
        + html.escape(
            _(
                "Each computation of the section, run by gradwalk, beside the value the book "
                "printed; then the section's figures."
            )
        )
        + "</p>",
    ]
    for lines, figures in blocks:
        parts.append("<section>")
        parts.append("<pre>" + html.escape("\n".join(lines)) + "</pre>")
        for name in figures:
            caption = _(FIGURES[name][0])
            parts.append(
                f'<figure><img src="{name}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        parts.append("</section>")
    parts.extend([f"<p><strong>{html.escape(summary)}</strong></p>", "</body>", "</html>", ""])
    return "\n".join(parts)


def _title() -> str:
    return _('gradwalk tour: section 4.4 "Gradient" of Deep Learning from Scratch')


def run_tour(
    write: Callable[[str], object] = write_line,
    *,
    out: str | Path | None = None,
    show: Callable[[Figure], object] | None = None,
    lang: str | None = None,
) -> bool:
    """Print the tour; return True when every value agrees with the book.

    Parameters
    ----------
    write : callable
        Called with each line of text (by default printed, with ASCII forms for
        characters the output encoding lacks).
    out : str or Path, optional
        A folder to draw the figures into, with ``index.html``; created if needed.
        Without it, the text only.
    show : callable, optional
        Called with each stop's figures after its text (a notebook displays them there).
    lang : str, optional
        ``"en"``, ``"zh"`` or ``"ja"``; by default the language of
        :func:`gradwalk.get_language`.

    Examples
    --------
    >>> lines = []
    >>> run_tour(lines.append, lang="en")
    True
    >>> lines[0]
    'gradwalk tour: section 4.4 "Gradient" of Deep Learning from Scratch'
    """
    with language_scope(lang):
        return _run_tour(write, None if out is None else Path(out), show)


def _run_tour(
    write: Callable[[str], object],
    folder: Path | None,
    show: Callable[[Figure], object] | None,
) -> bool:
    """The tour in the current language."""
    stops: list[TourStop | LearningStop] = [*tour_stops(), *learning_stops()]
    write(_title())
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
            write("  " + _labelled(_("figure"), str(Path(folder or ".", name))))
            write(fill(_(FIGURES[name][0]), 88, " " * 4, " " * 4))
        write("")
    summary = (
        _("{count} computations, every value agrees with the book and every check holds.")
        if all_agree
        else _("{count} computations, some values differ or checks fail.")
    ).format(count=len(stops))
    write(summary)
    if folder is not None:
        _write_figures(folder)  # after the text, which is then shown even if this fails
        page = folder / "index.html"
        page.write_text(_page(blocks, summary), encoding="utf-8")
        write(
            _("The figures and a page with the text and the pictures together: {page}").format(
                page=page
            )
        )
    return all_agree
