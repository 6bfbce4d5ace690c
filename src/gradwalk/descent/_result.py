"""What a run of :func:`~gradwalk.descend` returns: :class:`DescentResult`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.html import Tone, array_block, card
from gradwalk._common.language import gettext as _

from ._explain import Status, steps_in_words

__all__ = ["DescentResult"]

#: The colour of each status in a notebook.
_TONES: dict[str, Tone] = {
    "converged": "good",
    "max_steps": "plain",
    "diverged": "bad",
    "stalled": "warn",
    "stopped": "warn",
}


@dataclass(frozen=True, eq=False)
class DescentResult:
    """What a run of :func:`descend` did: the whole path, how it ended, and why.

    Attributes
    ----------
    x : ndarray
        The last point (``path[-1]``).
    path : ndarray
        Every iterate, the start included: shape ``(steps_taken + 1, *x.shape)``.
    values : ndarray
        f at each point of the path.
    grad_norms : ndarray
        The 2-norm of the gradient at each point of the path (nan where it could not be
        computed because f was not finite).
    status : {"converged", "max_steps", "diverged", "stalled", "stopped"}
        How the run ended: the gradient norm fell below ``gtol`` (or became exactly
        zero); all steps were used; f blew up or became inf/nan; x stopped moving
        short of a minimum; or the callback asked to stop.
    message : str
        One or two plain sentences saying what happened and what to try.
    steps_taken : int
        Number of updates made.
    optimizer : str
        The optimizer and its settings, e.g. ``"SGD(lr=0.1)"``.
    nfev : int
        Evaluations of f in all, those of the numerical gradient and of the end-of-run
        diagnosis included (an analytic ``grad`` is not counted).

    Examples
    --------
    >>> from gradwalk import descend
    >>> from gradwalk.book import function_2
    >>> result = descend(function_2, [-3.0, 4.0], lr=0.1, steps=20)
    >>> result.status, result.steps_taken, result.path.shape
    ('max_steps', 20, (21, 2))
    >>> "<strong>DescentResult</strong>" in result._repr_html_()  # what a notebook shows
    True
    """

    x: NDArray[np.floating]
    path: NDArray[np.floating]
    values: NDArray[np.floating]
    grad_norms: NDArray[np.floating]
    status: Status
    message: str
    steps_taken: int
    optimizer: str
    nfev: int

    @property
    def value(self) -> float:
        """f at the last point."""
        return float(self.values[-1])

    def __repr__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            x = np.array2string(self.x, separator=", ", prefix="              x=")
        return (
            f"DescentResult(status={self.status!r}, steps_taken={self.steps_taken}, "
            f"optimizer={self.optimizer}, nfev={self.nfev},\n"
            f"              x={x}, value={self.value:.6g},\n"
            f"              message={self.message!r})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: the status coloured, the message, the last point."""
        fields = [
            (_("steps taken"), str(self.steps_taken)),
            (_("optimizer"), self.optimizer),
            (_("evaluations of f"), str(self.nfev)),
            (_("f at the last point"), f"{self.value:.6g}"),
        ]
        return card(
            "DescentResult",
            fields,
            verdict=self.status,
            tone=_TONES[self.status],
            message=self.message,
            sections=[("x", array_block(self.x))],
        )

    def __str__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            x = np.array2string(self.x, separator=", ")
        head = _(
            "{status} after {steps} of {optimizer} ({nfev} evaluations of f): f = {value:.6g} "
            "at x = {x}"
        ).format(
            status=self.status,
            steps=steps_in_words(self.steps_taken),
            optimizer=self.optimizer,
            nfev=self.nfev,
            value=self.value,
            x=x,
        )
        return f"{head}\n{self.message}"
