"""What a gradient check compares: the array mover, one group of values per array, tolerances.

:class:`Line` moves the caller's own arrays along a line (so closures that read them see
the move) and puts them back; a :class:`Group` holds the analytic and numerical values
of one parameter array (or of all random directions) and decides which fail.

>>> import numpy as np
>>> w = np.array([1.0, 2.0])
>>> move = Line(lambda: float(np.sum(w**2)), [w], [np.array([1.0, 0.0])])
>>> move(np.float64(0.5)), w
(6.25, array([1., 2.]))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.warnings import naming_elements
from gradwalk._derivatives.diff import numerical_diff
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._engine.driver import GradientResult
from gradwalk._engine.inputs import (
    InputModifiedError,
    analytic_gradient,
    changed_elements,
    modified_message,
    names,
    scale,
)
from gradwalk._engine.status_codes import GradientStatus
from gradwalk._engine.steps import step_sizes

from ._report import ERROR_BAR_FACTOR, SCALE_FLOOR, SHOWN_ROWS, Diagnosis, ElementCheck

__all__ = [
    "COARSE",
    "COARSE_RTOLS",
    "Group",
    "Line",
    "analytic_array",
    "as_float64",
    "coarse_notes",
    "directional_group",
    "full_groups",
    "worst_first",
]

#: A value whose tolerance, by ERROR_BAR_FACTOR times its numerical error bar alone,
#: reaches this fraction of its scale has not been checked: a factor-2 bug would pass.
UNCHECKED_FRACTION = 0.5

#: The numerical statuses whose value is no derivative to check against, whatever its
#: error bar: a kink or jump in f, steps that never agreed as the order predicts.
NOT_VERIFIED = (int(GradientStatus.NONSMOOTH), int(GradientStatus.STEP_TOO_LARGE))

#: A tolerance looser than this relative error somewhere (or than eps**(1/3) of x's
#: dtype, the accuracy of a plain central difference, if that is larger) earns a note.
COARSE = 1e-3

#: A tolerance more than this many times rtol (relative) somewhere earns the note too:
#: there the error bars, not rtol, decide, and errors far above rtol go unseen (f = 1e8 +
#: sum(x**2) knows its gradient only to about 1e-4 relative against an rtol of 1.5e-8).
COARSE_RTOLS = 1e3


def coarse_threshold(rtol: float, eps: float) -> float:
    """The relative tolerance above which a check is coarse: COARSE (or eps**(1/3) of
    x's dtype, if larger), or COARSE_RTOLS times rtol, whichever is smaller.

    >>> print(f"{coarse_threshold(1.5e-8, 2.2e-16):.1e}", coarse_threshold(1e-2, 2.2e-16))
    1.5e-05 0.001
    """
    return min(max(COARSE, float(eps ** (1 / 3))), COARSE_RTOLS * rtol)


class Line:
    """``t -> f`` with every array set to ``start + t·direction`` in place, then restored.

    The arrays are the caller's own, so a closure that reads them (the book's
    ``lambda w: net.loss(x, t)``) sees the move. They are put back after every call,
    also when f raises; an f that changes them is stopped with InputModifiedError.
    """

    def __init__(
        self,
        call: Callable[[], object],
        arrays: Sequence[NDArray[np.floating]],
        directions: Sequence[NDArray[np.floating]],
    ) -> None:
        self._call = call
        self._arrays = arrays
        self._starts = [array.copy() for array in arrays]
        self._directions = directions

    def __call__(self, t: Any) -> object:
        moved = [
            np.asarray(start + t * direction, dtype=start.dtype)
            for start, direction in zip(self._starts, self._directions, strict=True)
        ]
        try:
            for array, point in zip(self._arrays, moved, strict=True):
                array[...] = point
            value = self._call()
            for array, point in zip(self._arrays, moved, strict=True):
                changed = changed_elements(array, point)
                if changed.size:
                    raise InputModifiedError(modified_message(array.shape, changed))
        finally:
            for array, start in zip(self._arrays, self._starts, strict=True):
                array[...] = start
        return value


@dataclass
class Group:
    """The values compared for one parameter array, or for all the random directions."""

    name: str
    shape: tuple[int, ...] | None  # None: the values are directions
    analytic: NDArray[np.float64]
    numerical: NDArray[np.float64]
    error: NDArray[np.float64]
    step: NDArray[np.float64]  # the step behind each numerical value
    best_step: NDArray[np.float64]  # the central difference's own step for each value
    line: Callable[[int], Line]  # f along the value's element or direction
    anchor: NDArray[np.floating] | None  # x's elements, for steps x + h represents exactly
    t_dtype: np.dtype[Any]
    nonfinite_note: str = ""
    method: str = "richardson"  # the numerical method and step, for advice not already taken
    h: object = None
    # f along value i's line, every output (a vector-valued f): where noise in f shows
    outputs: Callable[[int], Line] | None = None
    # the numerical value's GradientStatus code, per value (None: not known)
    status: NDArray[np.int8] | None = None
    rel: NDArray[np.float64] = field(init=False)
    scale: NDArray[np.float64] = field(init=False)
    allowed: NDArray[np.float64] = field(init=False)
    failed: NDArray[np.bool_] = field(init=False)
    unchecked: NDArray[np.bool_] = field(init=False)
    # within the tolerance, but one looser than the check's coarse threshold: agreeing
    # only to the numerical value's resolution, not to rtol
    coarse: NDArray[np.bool_] = field(init=False)
    badness: NDArray[np.float64] = field(init=False)

    def largest(self) -> float:
        """The largest value that may set a floor: the finite analytic values and the
        numerical values certain of their own size (0.0 where there is none)."""
        a, n = self.analytic, self.numerical
        finite = np.isfinite(a) & np.isfinite(n)
        values = np.abs(np.concatenate([a[finite], n[self._sure(finite)]]))
        return float(values.max()) if values.size else 0.0

    def compare(
        self, rtol: float, atol: float, coarse: float = math.inf, largest: float | None = None
    ) -> None:
        """Relative errors, tolerances and failures of every value; ``coarse`` the
        relative tolerance above which a value that passes is only coarsely checked;
        ``largest`` the largest value of the whole check, which sets the floor (None:
        this group's own, :meth:`largest`)."""
        a, n = self.analytic, self.numerical
        finite = np.isfinite(a) & np.isfinite(n)
        if largest is None:
            largest = self.largest()
        with np.errstate(invalid="ignore", divide="ignore"):
            size = np.fmax(np.fmax(np.abs(a), np.abs(n)), SCALE_FLOOR * largest)
            difference = np.abs(a - n)
            bar = np.where(np.isfinite(self.error), self.error, 0.0)
            self.scale = size
            self.allowed = atol + rtol * size + ERROR_BAR_FACTOR * bar
            self.rel = np.where(difference == 0, 0.0, difference / size)
            nothing = np.isinf(self.error)  # the numerical side verified nothing
            self.failed = (~(difference <= self.allowed) | ~finite) & ~(nothing & finite)
            self.badness = np.where(difference == 0, 0.0, difference / self.allowed)
            # A value within the tolerance only by the numerical value's own uncertainty
            # (a bar of half the scale lets a factor-2 bug through) was not checked.
            vague = ERROR_BAR_FACTOR * self.error >= UNCHECKED_FRACTION * size
            vague |= np.isinf(self.error)
            if self.status is not None:  # no derivative, or the steps never agreed
                vague |= np.isin(self.status, NOT_VERIFIED)
            self.unchecked = ~self.failed & vague
            self.coarse = ~self.failed & ~self.unchecked & (self.allowed > coarse * size)
        self.rel[~finite] = np.inf
        self.badness[~finite] = np.inf

    def _sure(self, finite: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """The numerical values that may set the floor's "largest value" (with every
        finite analytic value): those certain of their own size (4 error bars below half
        of it) and a derivative at all. A jump's "derivative" (about 1/h, its bar inf),
        or a value as uncertain as itself, says nothing about the array's scale: taken as
        its largest value, it would raise every other value's floor, and a value too
        uncertain to check would pass next to it."""
        with np.errstate(invalid="ignore"):
            sure = finite & (
                ERROR_BAR_FACTOR * self.error < UNCHECKED_FRACTION * np.abs(self.numerical)
            )
        if self.status is not None:
            sure &= ~np.isin(self.status, NOT_VERIFIED)
        return sure

    def coarsest(self) -> tuple[int, float] | None:
        """The value whose tolerance is loosest relative to its scale, and that ratio
        (among the values checked at all: those too uncertain are reported as such)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.allowed / self.scale
        ratio = np.where(np.isfinite(ratio) & ~self.unchecked, ratio, 0.0)
        if not ratio.size or ratio.max() <= 0:
            return None
        i = int(np.argmax(ratio))
        return i, float(ratio[i])

    def item(self, i: int, diagnosis: Diagnosis | None = None, why: str = "") -> ElementCheck:
        """The value i as an ElementCheck."""
        if self.shape is None:
            name, index = f"direction {i + 1}", None
        else:
            name, index = self.name, tuple(int(p) for p in np.unravel_index(i, self.shape))
        return ElementCheck(
            name=name,
            index=index,
            analytic=float(self.analytic[i]),
            numerical=float(self.numerical[i]),
            error=float(self.error[i]),
            rel_error=float(self.rel[i]),
            failed=bool(self.failed[i]),
            diagnosis=diagnosis,
            explanation=why,
            unchecked=bool(self.unchecked[i]),
            coarse=bool(self.coarse[i]),
        )


def full_groups(
    arrays: Mapping[str, NDArray[np.floating]],
    analytic: Mapping[str, NDArray[np.float64]],
    gradient_f: Callable[[str], Callable[[Any], object]],
    call: Callable[[], object],
    method: str,
    h: Any,
    options: dict[str, Any],
) -> tuple[list[Group], int]:
    """One group per parameter array: every element's numerical gradient."""
    groups: list[Group] = []
    nfev = 0
    for name, array in arrays.items():
        result = _numerical_gradient_of(gradient_f(name), array, method, h, options, name)
        nfev += result.nfev
        start = array.reshape(-1).copy()

        def line(i: int, array: NDArray[np.floating] = array) -> Line:
            direction = np.zeros(array.shape, dtype=array.dtype)
            direction.flat[i] = 1
            return Line(call, [array], [direction])

        groups.append(
            Group(
                name=name,
                shape=array.shape,
                analytic=analytic[name].reshape(-1),
                numerical=as_float64(result.grad).reshape(-1),
                error=as_float64(result.error).reshape(-1),
                step=as_float64(result.step).reshape(-1),
                best_step=as_float64(step_sizes(start, "auto", "central")),
                line=line,
                anchor=start,
                t_dtype=array.dtype,
                method=method,
                h=h,
                status=np.asarray(result.status, dtype=np.int8).reshape(-1),
            )
        )
    return groups, nfev


def directional_group(
    arrays: Mapping[str, NDArray[np.floating]],
    analytic: Mapping[str, NDArray[np.float64]],
    call: Callable[[], object],
    method: str,
    h: Any,
    k: int,
    seed: int,
) -> tuple[Group, int]:
    """One group of k random directions: numerical directional derivatives vs grad · v.

    Element i moves by ``w_i * max(1, |x_i|) * t`` (relative, as a step of h="auto"
    would), the weight w_i with a random sign and a random size between 1/2 and 3/2:
    a wrong element shows in every direction, never hidden by a near-zero weight, and
    two wrong elements cannot cancel exactly.
    """
    rng = np.random.default_rng(seed)
    t_dtype = max((a.dtype for a in arrays.values()), key=lambda d: float(np.finfo(d).eps))
    t0 = np.zeros((), dtype=t_dtype)
    lines: list[Line] = []
    values = np.empty((4, k))
    codes = np.zeros(k, dtype=np.int8)
    nfev = 0
    for j in range(k):
        directions = []
        projection = 0.0
        for name, array in arrays.items():
            unit = scale(array)
            weights = rng.choice(np.array([-1.0, 1.0]), size=array.shape) * rng.uniform(
                0.5, 1.5, size=array.shape
            )
            direction = (weights * unit).astype(array.dtype)
            directions.append(direction)
            projection += float(
                np.dot(analytic[name].reshape(-1), as_float64(direction).reshape(-1))
            )
        lines.append(Line(call, list(arrays.values()), directions))
        result = _numerical_diff_of_line(lines[-1], t0, method, h)
        nfev += result.nfev
        values[:, j] = (projection, float(result.grad), float(result.error), float(result.step))
        codes[j] = int(np.max(result.status))
    nonfinite = [
        f"{name}" + names(a.shape, np.flatnonzero(~np.isfinite(a)))[1:]
        for name, a in analytic.items()
        if not np.isfinite(a).all()
    ]
    group = Group(
        name="directions",
        shape=None,
        analytic=values[0],
        numerical=values[1],
        error=values[2],
        step=values[3],
        best_step=np.full(k, float(step_sizes(np.zeros(1, t_dtype), "auto", "central")[0])),
        line=lambda j: lines[j],
        anchor=None,
        t_dtype=t_dtype,
        nonfinite_note=("; ".join(nonfinite)),
        method=method,
        h=h,
        status=codes,
    )
    return group, nfev


def _numerical_gradient_of(
    f: Callable[[Any], object],
    x: NDArray[np.floating],
    method: str,
    h: Any,
    options: dict[str, Any],
    name: str = "x",
) -> GradientResult:
    """numerical_gradient with full output; h only when the caller gave one.

    Its warnings name the elements of the parameter ``name`` (``W[0, 1]``, not ``x[0, 1]``).
    """
    with naming_elements(name):
        if h is None:
            result = numerical_gradient(f, x, method=method, full_output=True, **options)
        else:
            result = numerical_gradient(f, x, h, method=method, full_output=True, **options)
    return result


def _numerical_diff_of_line(
    line: Line, t0: NDArray[np.floating], method: str, h: Any
) -> GradientResult:
    """numerical_diff of a line at t = 0, with full output; h only when given."""
    if h is None:
        result: GradientResult = numerical_diff(line, t0, method=method, full_output=True)
    else:
        result = numerical_diff(line, t0, h, method=method, full_output=True)
    return result


def as_float64(values: ArrayLike) -> NDArray[np.float64]:
    """Values as float64 (or wider) for comparing; never narrower than they are."""
    array = np.asarray(values)
    return array.astype(np.result_type(array.dtype, np.float64), copy=False)


def analytic_array(grad: object, shape: tuple[int, ...], what: str, of: str) -> NDArray[np.float64]:
    """The analytic gradient as a float64 (or wider) array of x's shape, or an error."""
    return as_float64(analytic_gradient(grad, shape, what, of))


def untried(group: Group, narrow: bool) -> str:
    """The remedies for a coarse numerical value that are not already in use, in words:
    h='auto' (not for methods that choose their own steps), method='richardson', and
    float64 where x or f (``narrow``) computes in less.

    >>> import numpy as np
    >>> group = Group("x", (1,), *(np.zeros(1),) * 5, lambda i: None, None, np.dtype(float))
    >>> untried(group, narrow=True)
    'float64'
    >>> group.method, group.h = "central", None
    >>> untried(group, narrow=False)
    "h='auto' or method='richardson'"
    """
    remedies = []
    if group.method not in ("richardson", "complex") and group.h != "auto":
        remedies.append("h='auto'")
    if group.method != "richardson":
        remedies.append("method='richardson'")
    if narrow or float(np.finfo(group.t_dtype).eps) > float(np.finfo(np.float64).eps):
        remedies.append("float64")
    return " or ".join(remedies)


def coarse_notes(groups: Sequence[Group], coarse: float) -> tuple[str, ...]:
    """A note when the tolerance somewhere is looser than a relative ``coarse``."""
    loosest = [(ratio, g, i) for g in groups if (c := g.coarsest()) for i, ratio in [c]]
    if not loosest:
        return ()
    ratio, group, i = max(loosest, key=lambda c: c[0])
    if ratio <= coarse:
        return ()
    row = group.item(i)
    bar = "" if math.isnan(row.error) else f" (its error bar is {row.error:.1e})"
    remedies = untried(group, narrow=False)
    if remedies:
        advice = f": try {remedies}"
    else:
        advice = ", as f's precision allows here (a large constant added to f costs it)"
    marked = ' Values marked "coarse" agree only to within their error bars, not to rtol.'

    if not any(g.coarse.any() for g in groups):
        marked = ""
    return (
        f"Note: the tolerance at {row.label} allows relative errors up to {ratio:.1e}{bar}, "
        f"so smaller errors go unseen there. The numerical value is too coarse for a close "
        f"check{advice}.{marked}",
    )


def worst_first(groups: Sequence[Group], most: int | None) -> list[tuple[int, int]]:
    """(group, value) pairs worth showing or diagnosing, worst first."""
    candidates: list[tuple[float, int, int]] = []
    for g_index, group in enumerate(groups):
        badness = group.badness
        take = SHOWN_ROWS + (badness.size if most is None else most)
        if take < badness.size:
            chosen = np.argpartition(-badness, take - 1)[:take]
        else:
            chosen = np.arange(badness.size)
        candidates += [(float(badness[i]), g_index, int(i)) for i in chosen]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    return [(g_index, i) for _, g_index, i in candidates]
