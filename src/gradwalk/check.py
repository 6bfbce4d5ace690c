"""Gradient checking: compare a hand-written gradient with the numerical one, and explain.

:func:`check_gradient` compares the analytic gradient of f at x with
:func:`~gradwalk.numerical_gradient`, element by element (``mode="full"``) or along a few
random directions (``mode="directional"``, at a cost independent of the size of x).
:func:`check_gradients` does the same for a model with several parameter arrays, and
:func:`assert_gradient_close` turns a check into an assertion for tests.

A value fails when the analytic and numerical values differ by more than the tolerance
plus a few times the numerical value's own error bar. Each failing value is then
diagnosed by repeating the difference at larger and smaller steps: a discrepancy that
stays put while the numerical values agree with each other is a wrong analytic gradient;
one that shrinks like h² is truncation; one that grows as h shrinks is rounding in f;
one-sided differences that keep disagreeing mean f has a kink there.

>>> import numpy as np
>>> f = lambda x: np.sum(x**3)
>>> x = np.array([1.0, -2.0, 0.5])
>>> check_gradient(f, x, 3 * x**2).passed
True
>>> report = check_gradient(f, x, 3 * x**2 + [0.0, 0.0, 1e-3])
>>> report.failures[0].label, report.failures[0].diagnosis
('x[2]', 'wrong')
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._evaluate import InputModifiedError, _real_value
from ._gradient import (
    GradientResult,
    _modified_message,
    _names,
    _working_array,
    numerical_diff,
    numerical_gradient,
)
from ._plan import COMPLEX_METHODS, ROUNDING_ULPS
from ._steps import representable_step, step_sizes
from ._validate import _check_count, _check_tolerance

__all__ = [
    "ElementCheck",
    "GradientCheck",
    "assert_gradient_close",
    "check_gradient",
    "check_gradients",
]

Mode = Literal["full", "directional"]
Diagnosis = Literal["wrong", "truncation", "rounding", "nonsmooth", "nonfinite", "inconclusive"]

#: A tolerance looser than this relative error somewhere (or than eps**(1/3) of x's
#: dtype, the accuracy of a plain central difference, if that is larger) earns a note.
COARSE = 1e-3

#: The numerical value's error bar joins the tolerance multiplied by this factor.
ERROR_BAR_FACTOR = 4.0

#: A relative error is divided by at least this fraction of the largest value compared
#: in the same array, never by a near-zero element alone.
SCALE_FLOOR = 1e-3

#: When many values are wrong, all by less than this relative error, the report hints
#: at a small systematic term.
SMALL_BUG = 1e-4

#: Rows of the worst-values table, and diagnoses written out in full, in the report.
SHOWN_ROWS = 5
SHOWN_DIAGNOSES = 5

#: The diagnosis repeats central differences at the step used and at the central
#: difference's own best step, times LADDER_RATIO**j for j in LADDER_SPAN.
LADDER_RATIO = 4.0
LADDER_SPAN = (2, 1, 0, -1, -2)

#: The diagnosis never steps below this many units of eps·max(1, |x|).
SMALLEST_STEP = 16.0

#: A discrepancy is a wrong gradient when it exceeds this many times the spread of the
#: numerical values at their most stable pair of steps.
SPREAD_FACTOR = 4.0

#: A discrepancy that falls faster than h**ABRUPT_ORDER is not truncation: the step
#: has passed a kink.
ABRUPT_ORDER = 6.0

#: One-sided differences that disagree by amounts within this factor of each other over
#: a 16-fold range of steps mark a kink.
KINK_RATIO = 4.0


@dataclass(frozen=True)
class ElementCheck:
    """One compared value: an element of a parameter array, or one random direction.

    Attributes
    ----------
    name : str
        The parameter's name (``"x"`` for :func:`check_gradient`), or ``"direction 2"``.
    index : tuple of int or None
        The element's index in its array (None for a direction).
    analytic, numerical : float
        The two values compared (for a direction v: ``grad · v`` and the numerical
        derivative of ``t -> f(x + t v)`` at 0).
    error : float
        The numerical value's estimated absolute error (nan if the method gives none).
    rel_error : float
        ``|analytic - numerical| / max(|analytic|, |numerical|, floor)``, the floor
        being :data:`SCALE_FLOOR` times the largest value compared in the same array.
    failed : bool
        Whether the difference exceeds the tolerance.
    diagnosis : str or None
        For a diagnosed failure: "wrong", "truncation", "rounding", "nonsmooth",
        "nonfinite" or "inconclusive".
    explanation : str
        The diagnosis in plain words, with the numbers behind it.

    Examples
    --------
    >>> row = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 5.0]).failures[0]
    >>> row.label, row.analytic, row.diagnosis
    ('x[1]', 5.0, 'wrong')
    """

    name: str
    index: tuple[int, ...] | None
    analytic: float
    numerical: float
    error: float
    rel_error: float
    failed: bool
    diagnosis: Diagnosis | None = None
    explanation: str = ""

    @property
    def label(self) -> str:
        """``W1[0, 3]``, ``x`` or ``direction 2``: how the report names this value."""
        if not self.index:
            return self.name
        return self.name + "[" + ", ".join(str(i) for i in self.index) + "]"


@dataclass(frozen=True)
class GradientCheck:
    """The result of a gradient check; ``print()`` it for the full report.

    Attributes
    ----------
    passed : bool
        True when every compared value is within the tolerance.
    mode : {"full", "directional"}
        Every element compared, or ``checked`` random directions.
    method : str
        The numerical method.
    checked, failed : int
        How many values (elements or directions) were compared, and how many failed.
    max_rel_error : float
        The largest scale-aware relative error (see :class:`ElementCheck`).
    rtol, atol : float
        The tolerance: a value fails when ``|a - n|`` exceeds
        ``atol + rtol * max(|a|, |n|, floor) + ERROR_BAR_FACTOR * error``.
    error_bars : bool
        Whether the method gave error bars (they then join the tolerance).
    worst : tuple of ElementCheck
        The values furthest outside (or least inside) their tolerance, worst first.
    failures : tuple of ElementCheck
        The diagnosed failures, worst first (at most ``diagnose`` of them).
    nfev : int
        Evaluations of f, the diagnoses' included.
    seed : int or None
        The seed of the random directions (directional mode); pass it to repeat them.
    notes : tuple of str
        Caveats, such as a tolerance too loose to catch anything but gross errors.

    Examples
    --------
    >>> check = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 4.0])
    >>> check.passed, check.mode, check.checked, check.failed
    (True, 'full', 2, 0)
    >>> check.verdict.startswith("Gradient check passed: all 2 elements agree")
    True
    """

    passed: bool
    mode: Mode
    method: str
    checked: int
    failed: int
    max_rel_error: float
    rtol: float
    atol: float
    error_bars: bool
    worst: tuple[ElementCheck, ...]
    failures: tuple[ElementCheck, ...]
    nfev: int
    seed: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """The report's first line: passed or failed, and what the failures look like."""
        what = "elements" if self.mode == "full" else "random directions"
        if self.checked == 1:
            what = "element" if self.mode == "full" else "random direction"
        if self.passed:
            every = "all " if self.checked > 1 else ""
            coarse = " Only a coarse check: see the note." if self.notes else ""
            return (
                f"Gradient check passed: {every}{self.checked} {what} agree"
                f"{'s' if self.checked == 1 else ''} "
                f"(largest relative error {self.max_rel_error:.1e}).{coarse}"
            )
        count = f"{self.failed} of {self.checked} {what} failed"
        if not self.failures:
            return f"Gradient check FAILED ({count}); the failures were not diagnosed."
        kinds = {failure.diagnosis for failure in self.failures}
        if "wrong" in kinds:
            wrong = [f.label for f in self.failures if f.diagnosis == "wrong"]
            where = ", ".join(wrong[:3])
            if len(wrong) > 3:
                where += f" and {len(wrong) - 3} more diagnosed"
            if self.mode == "full":
                return (
                    f"Gradient check FAILED: the analytic gradient is wrong at {where} ({count})."
                )
            return (
                f"Gradient check FAILED: the analytic gradient is wrong along {where} "
                f"({count}); run mode='full' to find the elements."
            )
        if "nonfinite" in kinds:
            return f"Gradient check FAILED: inf or nan values ({count})."
        if "nonsmooth" in kinds:
            return (
                f"Gradient check FAILED at a kink of f ({count}): differences cannot check "
                "a gradient where f is not smooth."
            )
        noise = [kind for kind in ("truncation", "rounding") if kind in kinds]
        if noise and kinds <= {"truncation", "rounding"}:
            named = " and ".join("rounding in f" if k == "rounding" else k for k in noise)
            return (
                f"Gradient check FAILED ({count}), but the discrepancies look like "
                f"finite-difference {named}, not a bug in the gradient."
            )
        return f"Gradient check FAILED ({count}); the diagnosis is inconclusive."

    def __repr__(self) -> str:
        return (
            f"GradientCheck(passed={self.passed}, mode={self.mode!r}, method={self.method!r}, "
            f"checked={self.checked}, failed={self.failed}, "
            f"max_rel_error={self.max_rel_error:.2e})"
        )

    def __str__(self) -> str:
        return _report(self)


def _report(check: GradientCheck) -> str:
    """The printable report: verdict, counts, tolerance, worst values, diagnoses."""
    if check.mode == "full":
        scope = f"mode='full': {check.checked} elements compared one by one"
    else:
        scope = (
            f"mode='directional': {check.checked} random directions compared (seed={check.seed})"
        )
    bars = (
        f" + {ERROR_BAR_FACTOR:g} × error bar"
        if check.error_bars
        else f" (method {check.method!r} gives no error bars)"
    )
    absolute = f"{check.atol:.1e} + " if check.atol else ""
    lines = [
        check.verdict,
        f"{scope}; method={check.method!r}; {check.nfev} evaluations of f.",
        f"Tolerance: |analytic - numerical| <= {absolute}{check.rtol:.1e} × scale{bars},",
        f"  scale = max(|analytic|, |numerical|, {SCALE_FLOOR:g} × largest value).",
        f"Failed: {check.failed} of {check.checked}; "
        f"largest relative error {check.max_rel_error:.1e}.",
    ]
    lines += list(check.notes)
    if check.worst:
        lines += ["", "Worst values:", *_table(check.worst)]
    if check.failed:
        lines += ["", "Diagnosis:"]
        lines += [f"  {f.label}: {f.explanation}" for f in check.failures[:SHOWN_DIAGNOSES]]
        rest = check.failures[SHOWN_DIAGNOSES:]
        if rest:
            kinds: dict[str, int] = {}
            for failure in rest:
                kinds[str(failure.diagnosis)] = kinds.get(str(failure.diagnosis), 0) + 1
            summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
            lines.append(f"  ... and {len(rest)} more ({summary}); see .failures.")
    wrong = any(f.diagnosis == "wrong" for f in check.failures)
    widespread = check.failed >= max(3, check.checked / 10)
    if wrong and widespread and 0 < check.max_rel_error < SMALL_BUG:
        enough = 10 ** math.ceil(math.log10(3 * check.max_rel_error))
        lines.append(
            f"  Hint: no value is off by more than a relative {check.max_rel_error:.1e}, a "
            "small but systematic difference: a term the hand-written gradient leaves out, "
            "such as the 1e-7 that the book's cross_entropy_error adds inside the log. If "
            f"that is intended, pass rtol={enough:.0e}."
        )
    undiagnosed = check.failed - len(check.failures)
    if undiagnosed > 0:
        more = " more" if check.failures else ""
        lines.append(
            f"  {undiagnosed}{more} failing values were not diagnosed "
            "(pass diagnose=None to diagnose them all)."
        )
    return "\n".join(lines)


def _table(rows: Sequence[ElementCheck]) -> list[str]:
    """The worst-values table, one line per value, columns aligned."""
    header = ("parameter", "index", "analytic", "numerical", "± error", "rel. error", "")
    cells = [header]
    for row in rows:
        index = "-" if row.index is None else ", ".join(str(i) for i in row.index) or "()"
        cells.append(
            (
                row.name,
                index,
                f"{row.analytic:.12g}",
                f"{row.numerical:.12g}",
                "n/a" if math.isnan(row.error) else f"{row.error:.1e}",
                f"{row.rel_error:.1e}",
                "FAIL" if row.failed else "ok",
            )
        )
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    return [
        ("  " + "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True))).rstrip()
        for cell in cells
    ]


class _Line:
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
                same = (array == point) | (np.isnan(array) & np.isnan(point))
                if not same.all():
                    changed = np.flatnonzero(~same)
                    raise InputModifiedError(_modified_message(array.shape, changed))
        finally:
            for array, start in zip(self._arrays, self._starts, strict=True):
                array[...] = start
        return value


@dataclass
class _Group:
    """The values compared for one parameter array, or for all the random directions."""

    name: str
    shape: tuple[int, ...] | None  # None: the values are directions
    analytic: NDArray[np.float64]
    numerical: NDArray[np.float64]
    error: NDArray[np.float64]
    step: NDArray[np.float64]  # the step behind each numerical value
    best_step: NDArray[np.float64]  # the central difference's own step for each value
    line: Callable[[int], _Line]  # f along the value's element or direction
    anchor: NDArray[np.floating] | None  # x's elements, for steps x + h represents exactly
    t_dtype: np.dtype[Any]
    nonfinite_note: str = ""
    rel: NDArray[np.float64] = field(init=False)
    scale: NDArray[np.float64] = field(init=False)
    allowed: NDArray[np.float64] = field(init=False)
    failed: NDArray[np.bool_] = field(init=False)
    badness: NDArray[np.float64] = field(init=False)

    def compare(self, rtol: float, atol: float) -> None:
        """Relative errors, tolerances and failures of every value."""
        a, n = self.analytic, self.numerical
        finite = np.isfinite(a) & np.isfinite(n)
        values = np.abs(np.concatenate([a[finite], n[finite]]))
        largest = float(values.max()) if values.size else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.fmax(np.fmax(np.abs(a), np.abs(n)), SCALE_FLOOR * largest)
            difference = np.abs(a - n)
            bar = np.where(np.isfinite(self.error), self.error, 0.0)
            self.scale = scale
            self.allowed = atol + rtol * scale + ERROR_BAR_FACTOR * bar
            self.rel = np.where(difference == 0, 0.0, difference / scale)
            self.failed = ~(difference <= self.allowed) | ~finite
            self.badness = np.where(difference == 0, 0.0, difference / self.allowed)
        self.rel[~finite] = np.inf
        self.badness[~finite] = np.inf

    def coarsest(self) -> tuple[int, float] | None:
        """The value whose tolerance is loosest relative to its scale, and that ratio."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.allowed / self.scale
        ratio = np.where(np.isfinite(ratio), ratio, 0.0)
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
        )


def _full_groups(
    arrays: Mapping[str, NDArray[np.floating]],
    analytic: Mapping[str, NDArray[np.float64]],
    gradient_f: Callable[[str], Callable[[Any], object]],
    call: Callable[[], object],
    method: str,
    h: Any,
    options: dict[str, Any],
) -> tuple[list[_Group], int]:
    """One group per parameter array: every element's numerical gradient."""
    groups: list[_Group] = []
    nfev = 0
    for name, array in arrays.items():
        result = _numerical(gradient_f(name), array, method, h, options)
        nfev += result.nfev
        start = array.reshape(-1).copy()

        def line(i: int, array: NDArray[np.floating] = array) -> _Line:
            direction = np.zeros(array.shape, dtype=array.dtype)
            direction.flat[i] = 1
            return _Line(call, [array], [direction])

        groups.append(
            _Group(
                name=name,
                shape=array.shape,
                analytic=analytic[name].reshape(-1),
                numerical=_float64(result.grad).reshape(-1),
                error=_float64(result.error).reshape(-1),
                step=_float64(result.step).reshape(-1),
                best_step=_float64(step_sizes(start, "auto", "central")),
                line=line,
                anchor=start,
                t_dtype=array.dtype,
            )
        )
    return groups, nfev


def _directional_group(
    arrays: Mapping[str, NDArray[np.floating]],
    analytic: Mapping[str, NDArray[np.float64]],
    call: Callable[[], object],
    method: str,
    h: Any,
    k: int,
    seed: int,
) -> tuple[_Group, int]:
    """One group of k random directions: numerical directional derivatives vs grad · v.

    Element i moves by ``w_i * max(1, |x_i|) * t`` (relative, as a step of h="auto"
    would), the weight w_i with a random sign and a random size between 1/2 and 3/2:
    a wrong element shows in every direction, never hidden by a near-zero weight, and
    two wrong elements cannot cancel exactly.
    """
    rng = np.random.default_rng(seed)
    t_dtype = max((a.dtype for a in arrays.values()), key=lambda d: float(np.finfo(d).eps))
    t0 = np.zeros((), dtype=t_dtype)
    lines: list[_Line] = []
    values = np.empty((4, k))
    nfev = 0
    for j in range(k):
        directions = []
        projection = 0.0
        for name, array in arrays.items():
            magnitude = np.abs(array.astype(np.float64))
            scale = np.where(np.isfinite(magnitude), np.maximum(1.0, magnitude), 1.0)
            weights = rng.choice(np.array([-1.0, 1.0]), size=array.shape) * rng.uniform(
                0.5, 1.5, size=array.shape
            )
            direction = (weights * scale).astype(array.dtype)
            directions.append(direction)
            projection += float(np.dot(analytic[name].reshape(-1), _float64(direction).reshape(-1)))
        lines.append(_Line(call, list(arrays.values()), directions))
        result = _numerical_diff(lines[-1], t0, method, h)
        nfev += result.nfev
        values[:, j] = (projection, float(result.grad), float(result.error), float(result.step))
    nonfinite = [
        f"{name}" + _names(a.shape, np.flatnonzero(~np.isfinite(a)))[1:]
        for name, a in analytic.items()
        if not np.isfinite(a).all()
    ]
    group = _Group(
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
    )
    return group, nfev


def _numerical(
    f: Callable[[Any], object],
    x: NDArray[np.floating],
    method: str,
    h: Any,
    options: dict[str, Any],
) -> GradientResult:
    """numerical_gradient with full output; h only when the caller gave one."""
    if h is None:
        return numerical_gradient(f, x, method=method, full_output=True, **options)
    return numerical_gradient(f, x, h, method=method, full_output=True, **options)


def _numerical_diff(line: _Line, t0: NDArray[np.floating], method: str, h: Any) -> GradientResult:
    """numerical_diff of a line at t = 0, with full output; h only when given."""
    if h is None:
        result: GradientResult = numerical_diff(line, t0, method=method, full_output=True)
    else:
        result = numerical_diff(line, t0, h, method=method, full_output=True)
    return result


def _float64(values: ArrayLike) -> NDArray[np.float64]:
    """Values as float64 (or wider) for comparing; never narrower than they are."""
    array = np.asarray(values)
    return array.astype(np.result_type(array.dtype, np.float64), copy=False)


# --- diagnosis ---------------------------------------------------------------------


def _trace(steps: NDArray[np.float64], gaps: NDArray[np.float64]) -> str:
    """``2.0e-06 at h=1.0e-03, ...`` for a few (step, discrepancy) pairs."""
    return ", ".join(f"{g:.1e} at h={s:.1e}" for s, g in zip(steps, gaps, strict=True))


def _difference(
    line: _Line, t0: NDArray[np.floating], step: float, method: str
) -> tuple[float, int]:
    try:
        result: GradientResult = numerical_diff(line, t0, step, method=method, full_output=True)
    except (ArithmeticError, ValueError):
        return math.nan, 0
    return float(result.grad), result.nfev


def _smallest_step(group: _Group, i: int) -> float:
    """SMALLEST_STEP units of eps·max(1, |x|): differences below it are all rounding."""
    magnitude = 1.0 if group.anchor is None else abs(float(group.anchor[i]))
    eps = float(np.finfo(group.t_dtype).eps)
    return SMALLEST_STEP * eps * (max(1.0, magnitude) if math.isfinite(magnitude) else 1.0)


def _ladder(group: _Group, i: int) -> NDArray[np.float64]:
    """The steps to repeat the difference at, largest first.

    Around the step used, and around the central difference's own best step where that
    adds steps at least a factor 2 away from those already there; never below
    SMALLEST_STEP units of eps·max(1, |x|), where x ± h barely differs from x.
    """
    smallest = _smallest_step(group, i)
    steps: list[float] = []
    for centre in (float(group.step[i]), float(group.best_step[i])):
        if not (centre > 0 and math.isfinite(centre)):
            continue
        for j in LADDER_SPAN:
            step = centre * LADDER_RATIO**j
            if all(abs(math.log(step / s)) >= math.log(2) for s in steps):
                steps.append(step)
    ladder = np.array(sorted(steps, reverse=True), dtype=np.float64)
    if group.anchor is not None:
        start = np.full(ladder.shape, group.anchor[i])
        ladder = _float64(representable_step(start, ladder.astype(group.t_dtype)))
    else:
        ladder = _float64(ladder.astype(group.t_dtype))
    return np.unique(ladder[ladder >= smallest])[::-1]


def _diagnose(group: _Group, i: int) -> tuple[Diagnosis, str, int]:
    """Why value i failed: repeat the difference at larger and smaller steps."""
    a, n, e = float(group.analytic[i]), float(group.numerical[i]), float(group.error[i])
    if not math.isfinite(a):
        where = f" ({group.nonfinite_note})" if group.nonfinite_note else ""
        return (
            "nonfinite",
            f"the analytic value is {a}{where}: the hand-written gradient produced inf or nan.",
            0,
        )
    if not math.isfinite(n):
        return (
            "nonfinite",
            f"the numerical value is {n}: f is inf or nan within a step of this point "
            "(see the NonFiniteWarning). Check the domain of f near x.",
            0,
        )
    line = group.line(i)
    t0 = np.zeros((), dtype=group.t_dtype)
    used = float(group.step[i])
    # one-sided differences around the step used, or the central difference's own step
    # when the step used is one no difference can take (the complex step's)
    centre = used if used / 16 >= _smallest_step(group, i) else float(group.best_step[i])
    kink_steps = (centre, centre / 4, centre / 16)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        f0 = abs(float(_real_value(line(t0))))
        steps = _ladder(group, i)
        central = np.empty(steps.size)
        nfev = 1
        for k, step in enumerate(steps):
            central[k], cost = _difference(line, t0, float(step), "central")
            nfev += cost
        jumps = []
        for step in kink_steps:
            forward, cost_f = _difference(line, t0, step, "forward")
            backward, cost_b = _difference(line, t0, step, "backward")
            nfev += cost_f + cost_b
            jumps.append(abs(forward - backward))
    rounding = ROUNDING_ULPS * float(np.finfo(group.t_dtype).eps) * f0
    repeated = _Repeated(a, float(group.allowed[i]), used, steps, central, rounding)
    kink = repeated.kink(kink_steps, jumps)
    if kink:
        return "nonsmooth", kink, nfev
    kind, why = repeated.classify(n, e)
    return kind, why, nfev


@dataclass(frozen=True)
class _Repeated:
    """Central differences of one value repeated over a ladder of steps, and how to read them.

    ``rounding`` is the rounding error of f: ROUNDING_ULPS units of eps·|f(x)|. Divided
    by a step, it is the rounding error expected of a difference at that step.
    """

    analytic: float
    allowed: float
    used: float
    steps: NDArray[np.float64]
    central: NDArray[np.float64]
    rounding: float

    @property
    def noise(self) -> NDArray[np.float64]:
        """The rounding error expected of the central difference at each step."""
        return self.rounding / self.steps

    @property
    def gap(self) -> NDArray[np.float64]:
        """|central difference - analytic value| at each step."""
        return np.abs(self.central - self.analytic)

    def kink(self, kink_steps: Sequence[float], jumps: Sequence[float]) -> str:
        """The explanation if f has a kink at or near this point, else "".

        For a smooth f the forward and backward differences disagree by about
        ``|f''| h``: the gap shrinks with the step. At a kink it stays put, and a kink
        within the step keeps it from shrinking until the step passes the kink. Gaps
        within reach of rounding (which grows like 1/h) or of the tolerance prove nothing.
        """
        if not all(math.isfinite(j) for j in jumps):
            return ""
        rounding = [2 * self.rounding / step for step in kink_steps]
        clear = [
            jump > self.allowed and jump > SPREAD_FACTOR * noise
            for jump, noise in zip(jumps, rounding, strict=True)
        ]
        if clear[-1] and max(jumps) <= KINK_RATIO * min(jumps):
            return (
                f"f is not smooth here: the forward and backward differences disagree by "
                f"{jumps[0]:.2g} at h={kink_steps[0]:.1e} and still by {jumps[-1]:.2g} at "
                f"h={kink_steps[-1]:.1e}, as at a kink (relu at 0, abs at 0). The analytic "
                f"value {self.analytic:.6g} may be a valid one-sided choice, but differences "
                "cannot check it; check at a point away from the kink."
            )
        if clear[0] and clear[1] and 2 * jumps[1] >= jumps[0] and KINK_RATIO * jumps[2] < jumps[0]:
            return (
                f"f is not smooth within the step: the forward and backward differences "
                f"disagree by {jumps[0]:.2g} at h={kink_steps[0]:.1e} and by {jumps[1]:.2g} at "
                f"h={kink_steps[1]:.1e}, but only by {jumps[2]:.2g} at h={kink_steps[2]:.1e}: a "
                f"kink lies between x - h and x + h. {self._closest_agreement()} Use a "
                "smaller step, or check at a point further from the kink."
            )
        return ""

    def _closest_agreement(self) -> str:
        """Where the repeated differences come closest to the analytic value."""
        gap = np.where(np.isfinite(self.gap), self.gap, np.inf)
        k = int(np.argmin(gap))
        return (
            f"At h={self.steps[k]:.1e} the difference agrees with the analytic value to "
            f"{gap[k]:.1e}."
        )

    def _steadiest(self) -> tuple[NDArray[np.intp], float] | None:
        """The two neighbouring steps whose differences agree best, and their spread.

        The spread of a pair is the distance between its differences, but never less
        than the rounding expected at its smaller step (so that noise agreeing by chance
        at tiny steps does not look steady).
        """
        finite = np.flatnonzero(np.isfinite(self.central))
        width = 2
        if finite.size < width:
            return None
        best: tuple[NDArray[np.intp], float] | None = None
        for start in range(finite.size - width + 1):
            window = finite[start : start + width]
            values = self.central[window]
            spread = max(float(values.max() - values.min()), float(self.noise[window].max()))
            if best is None or spread < best[1]:
                best = (window, spread)
        return best

    def _judge_error_bar(
        self, numerical: float, error: float, window: NDArray[np.intp], spread: float, agree: str
    ) -> tuple[Diagnosis, str]:
        """A value with an error bar whose repeated differences are too noisy to convict.

        The numerical value failed by more than its error bar. If the repeated
        differences side clearly with it, the analytic value is wrong; if they side with
        the analytic value, the error bar was too optimistic; otherwise they cannot tell.
        """
        middle = float(self.central[window].mean())
        to_analytic = abs(middle - self.analytic)
        to_numerical = abs(middle - numerical)
        steps = self.steps
        between = f"at steps from h={steps[window[0]]:.1e} to h={steps[window[-1]]:.1e}"
        if to_analytic > 2 * to_numerical and to_analytic > spread:
            return (
                "wrong",
                f"the analytic gradient is wrong here: the numerical value {numerical:.12g} "
                f"± {error:.1e} lies {abs(numerical - self.analytic):.1e} from the analytic "
                f"value {self.analytic:.12g}, and central differences {between} side with it "
                f"({middle:.12g}, scattering by {spread:.1e}).",
            )
        if to_analytic <= to_numerical:
            return (
                "inconclusive",
                f"probably not a bug: {agree}, within its own spread ({spread:.1e}), but the "
                f"numerical value {numerical:.12g} is further from the analytic one than its "
                f"error bar ({error:.1e}) allows.",
            )
        return (
            "inconclusive",
            f"the numerical value {numerical:.12g} ± {error:.1e} disagrees with the analytic "
            f"value, but central differences {between} scatter by {spread:.1e}, too much to "
            "tell a bug from noise.",
        )

    def classify(self, numerical: float, error: float) -> tuple[Diagnosis, str]:
        """Wrong gradient, truncation, rounding or inconclusive, with the evidence."""
        steadiest = self._steadiest()
        if steadiest is None:
            return (
                "inconclusive",
                "f was not finite at the larger and smaller steps tried, so the difference "
                "could not be repeated.",
            )
        window, spread = steadiest
        gap = self.gap
        closest = int(window[np.argmin(gap[window])])
        best = float(gap[closest])
        steps = self.steps
        if best > max(SPREAD_FACTOR * spread, self.allowed):
            finite = np.flatnonzero(np.isfinite(gap))
            shown = sorted({int(finite[0]), closest, int(finite[-1])})
            return (
                "wrong",
                f"the analytic gradient is wrong here: central differences at steps from "
                f"h={steps[window[0]]:.1e} to h={steps[window[-1]]:.1e} agree with each other "
                f"to {spread:.1e} but stay {best:.1e} away from the analytic value "
                f"{self.analytic:.12g}; the discrepancy stays put as the step shrinks "
                f"({_trace(steps[shown], gap[shown])}).",
            )
        agree = (
            f"at h={steps[closest]:.1e} the difference agrees with the analytic value to {best:.1e}"
        )
        if math.isfinite(error):
            return self._judge_error_bar(numerical, error, window, spread, agree)
        u = int(np.argmin(np.abs(np.log(steps / self.used))))
        if u < window[0] and u + 1 < steps.size and gap[u + 1] < gap[u]:
            order = math.log(gap[u] / gap[u + 1]) / math.log(steps[u] / steps[u + 1])
            if order > ABRUPT_ORDER:
                return (
                    "nonsmooth",
                    f"f is not smooth within the step: the discrepancy vanishes abruptly as "
                    f"the step shrinks ({_trace(steps[[u, u + 1]], gap[[u, u + 1]])}), not "
                    f"like h², as when a kink lies between x - h and x + h; {agree}. Use a "
                    "smaller step, or check at a point further from the kink.",
                )
            if order > 1.5:
                return (
                    "truncation",
                    f"finite-difference truncation, not a bug: the discrepancy shrinks like "
                    f"h^{order:.1f} as the step shrinks "
                    f"({_trace(steps[[u, u + 1]], gap[[u, u + 1]])}), and {agree}. Use a "
                    "smaller step or method='richardson'.",
                )
        if u > window[-1] and gap[u] > SPREAD_FACTOR * best and self.noise[u] * 10 > gap[u]:
            shown = [closest, (closest + u) // 2, u] if u - closest > 1 else [closest, u]
            return (
                "rounding",
                f"rounding in f, not a bug: the discrepancy grows as the step shrinks "
                f"({_trace(steps[shown], gap[shown])}), as rounding errors of about "
                f"{self.noise[u]:.1e} at h={steps[u]:.1e} do. The step is too small for the "
                "precision of f (float32, or cancellation); use a larger step, h='auto', "
                "or float64.",
            )
        return (
            "inconclusive",
            f"{agree}, about as well as the differences agree with each other "
            f"({spread:.1e}): at this tolerance the difference cannot tell a bug from noise. "
            "Loosen rtol or use method='richardson'.",
        )


# --- the check ---------------------------------------------------------------------


def _analytic_array(
    grad: object, shape: tuple[int, ...], what: str, of: str
) -> NDArray[np.float64]:
    """The analytic gradient as a float64 (or wider) array of x's shape, or an error."""
    array = np.asarray(grad)
    if array.dtype.kind not in "fiu":
        raise TypeError(
            f"{what} must be a real numeric array, got dtype {array.dtype} "
            f"({type(grad).__name__}); pass the gradient as a float array."
        )
    if array.shape != shape:
        raise ValueError(
            f"{what} has shape {array.shape} but {of} has shape {shape}: the analytic "
            f"gradient must have the same shape as {of} (one value per element)."
        )
    return _float64(array)


def _run_check(
    call: Callable[[], object],
    gradient_f: Callable[[str], Callable[[Any], object]],
    arrays: Mapping[str, NDArray[np.floating]],
    analytic: Mapping[str, NDArray[np.float64]],
    *,
    rtol: object,
    atol: object,
    method: str,
    mode: object,
    h: Any,
    k: object,
    seed: object,
    diagnose: object,
    options: dict[str, Any],
) -> GradientCheck:
    """The check shared by check_gradient and check_gradients."""
    if not any(array.size for array in arrays.values()):
        raise ValueError("x has no elements: there is nothing to check.")
    rtol_given = _check_tolerance(rtol, "rtol")
    atol_value = _check_tolerance(atol, "atol") or 0.0
    if mode not in ("full", "directional"):
        raise ValueError(
            f"mode={mode!r} is not a mode; choose 'full' (every element) or "
            "'directional' (k random directions, for large models)."
        )
    directions = _check_count(k, "k", least=1)
    most = _check_count(diagnose, "diagnose", least=0, none_ok=True)
    seed_value = _check_count(seed, "seed", least=0, none_ok=True)

    if mode == "directional" and method in COMPLEX_METHODS:
        raise ValueError(
            f"method={method!r} evaluates f on a complex copy of x, and directional mode "
            "moves x itself (in place, for closures that read it); use mode='full' for "
            "the complex step, or method='richardson'."
        )
    if mode == "full":
        groups, nfev = _full_groups(arrays, analytic, gradient_f, call, method, h, options)
        seed_value = None
    else:
        if seed_value is None:
            seed_value = int(np.random.SeedSequence().entropy % 2**32)  # type: ignore[operator]
        group, nfev = _directional_group(
            arrays, analytic, call, method, h, int(directions or 1), seed_value
        )
        groups = [group]

    error_bars = any(np.isfinite(g.error).any() for g in groups)
    eps = max(float(np.finfo(a.dtype).eps) for a in arrays.values())
    rtol_value = rtol_given if rtol_given is not None else eps ** (0.5 if error_bars else 0.25)
    for g in groups:
        g.compare(rtol_value, atol_value)

    notes = _coarse_notes(groups, max(COARSE, eps ** (1 / 3)))
    ranked = _ranked(groups, most)
    diagnosed: dict[tuple[int, int], ElementCheck] = {}
    budget = math.inf if most is None else most
    for g_index, i in ranked:
        group = groups[g_index]
        if len(diagnosed) >= budget:
            break
        if group.failed[i]:
            kind, why, cost = _diagnose(group, i)
            nfev += cost
            diagnosed[(g_index, i)] = group.item(i, kind, why)
    worst = tuple(
        diagnosed.get((g_index, i)) or groups[g_index].item(i) for g_index, i in ranked[:SHOWN_ROWS]
    )
    failed = int(sum(int(g.failed.sum()) for g in groups))
    rel = [float(g.rel.max()) for g in groups if g.rel.size]
    return GradientCheck(
        passed=failed == 0,
        mode="full" if mode == "full" else "directional",
        method=method,
        checked=int(sum(g.analytic.size for g in groups)),
        failed=failed,
        max_rel_error=max(rel, default=0.0),
        rtol=rtol_value,
        atol=atol_value,
        error_bars=error_bars,
        worst=worst,
        failures=tuple(diagnosed.values()),
        nfev=nfev,
        seed=seed_value,
        notes=notes,
    )


def _coarse_notes(groups: Sequence[_Group], coarse: float) -> tuple[str, ...]:
    """A note when the tolerance somewhere is looser than a relative ``coarse``."""
    loosest = [(ratio, g, i) for g in groups if (c := g.coarsest()) for i, ratio in [c]]
    if not loosest:
        return ()
    ratio, group, i = max(loosest, key=lambda c: c[0])
    if ratio <= coarse:
        return ()
    row = group.item(i)
    bar = "" if math.isnan(row.error) else f" (its error bar is {row.error:.1e})"
    return (
        f"Note: the tolerance at {row.label} allows relative errors up to {ratio:.1e}{bar}, "
        "so smaller errors go unseen there. The numerical value is too coarse for a close "
        "check: try h='auto' or method='richardson', or check in float64.",
    )


def _ranked(groups: Sequence[_Group], most: int | None) -> list[tuple[int, int]]:
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


def check_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    grad: ArrayLike | Callable[[Any], ArrayLike],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: str = "richardson",
    mode: Mode = "full",
    h: float | str | None = None,
    k: int = 3,
    seed: int | None = None,
    diagnose: int | None = 10,
    **gradient_options: Any,
) -> GradientCheck:
    """Check an analytic gradient of f at x against the numerical one, and explain.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. As in the book, f may ignore its argument and read x itself
        (``lambda w: net.loss(x, t)`` with ``x=net.W``): x is perturbed in place.
    x : array_like
        The point. Integer and list input is checked on a float copy; x is never left
        modified.
    grad : array_like or callable
        The analytic gradient at x (x's shape), or a function ``grad(x)`` returning it.
    rtol, atol : float, optional
        A value fails when ``|a - n| > atol + rtol * max(|a|, |n|, floor)`` plus
        ERROR_BAR_FACTOR times the numerical value's error bar (floor: SCALE_FLOOR times
        the largest value compared). Default rtol: ``sqrt(eps)`` of x's dtype when the
        method gives error bars (1.5e-8 in float64), ``eps**(1/4)`` when it gives none;
        default atol: 0.
    method : str
        Numerical method; "richardson" (default) estimates each element's error.
        "complex" (the complex step) works in full mode only.
    mode : {"full", "directional"}
        "full" compares every element (2 or more evaluations of f per element);
        "directional" compares ``k`` random directional derivatives ``grad · v``, at a
        cost independent of the size of x.
    h : float or "auto", optional
        The numerical step (default: the method's own). In directional mode it is the
        step in t along each direction, element i moving by about ``h * max(1, |x_i|)``.
    k : int
        Number of random directions in directional mode.
    seed : int, optional
        Seed of the random directions; the report gives the seed used, to repeat it.
    diagnose : int or None
        Diagnose at most this many failing values, worst first (None: all). Each
        diagnosis costs about 25 evaluations of f.
    **gradient_options
        Passed on to :func:`~gradwalk.numerical_gradient` in full mode (e.g.
        ``vectorized``, ``workers``).

    Returns
    -------
    GradientCheck
        ``print()`` it for the report; ``.passed`` says whether every value agreed.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.5, -1.0])
    >>> check = check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp(x))
    >>> check.passed, check.checked, check.failed
    (True, 2, 0)
    >>> check = check_gradient(lambda x: np.sum(np.exp(x)), x, lambda x: np.exp(x) * 1.01)
    >>> check.passed, check.failed, check.failures[0].diagnosis
    (False, 2, 'wrong')
    """
    if not callable(f):
        raise TypeError(f"f must be a callable taking an array, got {f!r}.")
    work, _ = _working_array(x)
    if callable(grad):
        before = work.copy()
        try:
            value = grad(work)
        finally:
            changed = np.flatnonzero(~((work == before) | (np.isnan(work) & np.isnan(before))))
            np.copyto(work, before)
        if changed.size:
            raise InputModifiedError(
                f"grad(x) modified x ({_names(work.shape, changed)} changed); x has been "
                "restored. If grad must modify its input, give it a copy: "
                "lambda w: grad(w.copy()).",
                int(changed[0]),
            )
        analytic = _analytic_array(value, work.shape, "the gradient returned by grad(x)", "x")
    else:
        analytic = _analytic_array(grad, work.shape, "grad", "x")
    if gradient_options.get("vectorized"):

        def call() -> object:
            return np.asarray(f(work[np.newaxis]))[0]
    else:

        def call() -> object:
            return f(work)

    return _run_check(
        call,
        lambda _name: f,
        {"x": work},
        {"x": analytic},
        rtol=rtol,
        atol=atol,
        method=method,
        mode=mode,
        h=h,
        k=k,
        seed=seed,
        diagnose=diagnose,
        options=gradient_options,
    )


def check_gradients(
    loss: Callable[[Any], object],
    params: Mapping[str, NDArray[np.floating]],
    grads: Mapping[str, ArrayLike],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: str = "richardson",
    mode: Mode = "full",
    h: float | str | None = None,
    k: int = 3,
    seed: int | None = None,
    diagnose: int | None = 10,
    **gradient_options: Any,
) -> GradientCheck:
    """Check the gradients of a model with several parameter arrays, in one report.

    Parameters
    ----------
    loss : callable
        ``loss(params) -> float``, called with the ``params`` mapping itself. Like the
        book's ``lambda w: net.loss(x, t)``, it may ignore its argument and read the
        model's arrays: they are the very arrays of ``params``, perturbed in place.
    params : mapping of str to ndarray
        The parameter arrays by name (e.g. ``net.params`` with W1, b1, W2, b2): writable
        float arrays, left exactly as they were.
    grads : mapping of str to array_like
        The analytic gradient of each parameter, with the same names and shapes (e.g.
        the result of ``net.gradient(x, t)``).
    rtol, atol, method, mode, h, k, seed, diagnose, **gradient_options
        As for :func:`check_gradient`. In directional mode each direction moves all
        parameters at once.

    Returns
    -------
    GradientCheck
        One report for all parameters; elements are named like ``W1[0, 3]``.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])}
    >>> x = np.array([1.0, -1.0])
    >>> def loss(p):
    ...     return np.sum((x @ params["W"] + params["b"]) ** 2)
    >>> y = x @ params["W"] + params["b"]
    >>> grads = {"W": 2 * np.outer(x, y), "b": 2 * y}
    >>> check_gradients(loss, params, grads).passed
    True
    >>> grads["b"] = 2 * y + [0.0, 1e-4]
    >>> print(check_gradients(loss, params, grads).verdict)
    Gradient check FAILED: the analytic gradient is wrong at b[1] (1 of 6 elements failed).
    """
    if not callable(loss):
        raise TypeError(f"loss must be a callable taking the params mapping, got {loss!r}.")
    if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
        raise TypeError(
            "params and grads must be mappings of names to arrays (such as net.params and "
            f"net.gradient(x, t)), got {type(params).__name__} and {type(grads).__name__}."
        )
    missing = [name for name in params if name not in grads]
    extra = [name for name in grads if name not in params]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no gradient for {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"grads has {', '.join(map(repr, extra))}, which params lacks")
        raise ValueError(f"params and grads must have the same names: {'; '.join(parts)}.")
    if not params:
        raise ValueError("params is empty: there is nothing to check.")
    copies = [name for name in ("vectorized", "workers") if gradient_options.get(name)]
    if method in COMPLEX_METHODS:
        copies.append(f"method={method!r}")
    if copies:
        raise ValueError(
            f"check_gradients does not take {' or '.join(copies)}: the loss reads the "
            "model's own arrays, which are perturbed in place, and those options hand f "
            "copies instead. Use check_gradient with an f that computes from its argument."
        )
    arrays: dict[str, NDArray[np.floating]] = {}
    analytic: dict[str, NDArray[np.float64]] = {}
    for name, array in params.items():
        if not (
            isinstance(array, np.ndarray) and array.dtype.kind == "f" and array.flags.writeable
        ):
            got = (
                f"a read-only {array.dtype} array"
                if isinstance(array, np.ndarray) and array.dtype.kind == "f"
                else f"{type(array).__name__}"
                + (f" of dtype {array.dtype}" if isinstance(array, np.ndarray) else "")
            )
            raise TypeError(
                f"params[{name!r}] is {got}: the loss reads the parameters in place, so each "
                "must be a writable float ndarray. Convert it in the model itself, e.g. "
                f"params[{name!r}] = np.array(params[{name!r}], dtype=float)."
            )
        arrays[str(name)] = array
        analytic[str(name)] = _analytic_array(
            grads[name], array.shape, f"grads[{name!r}]", f"params[{name!r}]"
        )
    return _run_check(
        lambda: loss(params),
        lambda _name: lambda _w: loss(params),
        arrays,
        analytic,
        rtol=rtol,
        atol=atol,
        method=method,
        mode=mode,
        h=h,
        k=k,
        seed=seed,
        diagnose=diagnose,
        options=gradient_options,
    )


def assert_gradient_close(
    f: Callable[[Any], object],
    x: ArrayLike | Mapping[str, NDArray[np.floating]],
    grad: Any,
    **options: Any,
) -> None:
    """Raise AssertionError, with the full report, unless the gradient check passes.

    With an array x this is :func:`check_gradient`; with a mapping of parameter arrays
    it is :func:`check_gradients` (f is then the loss and grad the mapping of
    gradients). The options are theirs.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0])
    >>> assert_gradient_close(lambda x: np.sum(x**2), x, 2 * x)
    >>> assert_gradient_close(lambda x: np.sum(x**2), x, 2 * x + [0.0, 0.1])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: Gradient check FAILED: the analytic gradient is wrong at x[1] ...
    """
    if isinstance(x, Mapping):
        check = check_gradients(f, x, grad, **options)
    else:
        check = check_gradient(f, x, grad, **options)
    if not check.passed:
        raise AssertionError(str(check))
