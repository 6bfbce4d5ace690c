"""Plans: which points to evaluate for a method, and how their values combine.

A plan is a generator. It yields :class:`_Points` (flat indices into x and the new
values those elements take), receives the values of f at those points, and finally
returns an :class:`_Estimate`. It never knows how the points are evaluated: in place,
in batches or on a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._choices import _choice_hint
from ._steps import Step as Step
from ._steps import step_sizes

#: Index used in :class:`_Points` for "evaluate f at x itself, unperturbed".
UNPERTURBED = -1


@dataclass(frozen=True)
class _Points:
    """Points to evaluate: element ``index[k]`` of x set to ``value[k]`` (index -1: x as is)."""

    index: NDArray[np.intp]
    value: NDArray[Any]


@dataclass(frozen=True)
class _Estimate:
    """What a plan returns: the gradient, its error estimate and the step per element."""

    grad: NDArray[np.floating]
    error: NDArray[np.floating]
    step: NDArray[np.floating]
    vanished: NDArray[np.bool_]


PlanGenerator = Generator[_Points, NDArray[Any], _Estimate]
PlanFactory = Callable[[NDArray[np.floating], Step], PlanGenerator]


def _unknown_error(grad: NDArray[np.floating]) -> NDArray[np.floating]:
    """Per-element error of a plan that does not estimate it: nan, meaning 'not estimated'."""
    return np.full_like(grad, np.nan)


def _wide(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype in which distances between points are computed (float64 or wider)."""
    return np.result_type(dtype, np.float64)


def _central(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    """The book's central difference: (f(x + h e_i) - f(x - h e_i)) / (2h).

    With h="auto" the quotient divides by the distance between the two points actually
    evaluated (2h wherever x ± h is exact).
    """
    step: float | NDArray[np.floating] = h if isinstance(h, float) else step_sizes(x0, h, "central")
    plus = x0 + step
    minus = x0 - step
    n = x0.size
    index = np.repeat(np.arange(n, dtype=np.intp), 2)
    value = np.empty(2 * n, dtype=x0.dtype)
    value[0::2] = plus
    value[1::2] = minus
    f_values = yield _Points(index, value)
    if isinstance(step, float):
        width: float | NDArray[np.floating] = 2 * step
    else:
        width = plus.astype(_wide(x0.dtype)) - minus.astype(_wide(x0.dtype))
    grad = (f_values[0::2] - f_values[1::2]) / width
    return _Estimate(
        grad=grad,
        error=_unknown_error(grad),
        step=np.broadcast_to(np.asarray(step, dtype=np.float64), (n,)).copy(),
        vanished=(plus == x0) | (minus == x0),
    )


def _one_sided(x0: NDArray[np.floating], h: Step, sign: float) -> PlanGenerator:
    """Forward (sign +1) or backward (sign -1) difference: ±(f(x ± h e_i) - f(x)) / h."""
    step: float | NDArray[np.floating] = (
        h if isinstance(h, float) else step_sizes(x0, h, "one-sided")
    )
    moved = x0 + sign * step
    n = x0.size
    index = np.concatenate([[UNPERTURBED], np.arange(n, dtype=np.intp)]).astype(np.intp)
    value = np.concatenate([[0], moved]).astype(x0.dtype)
    f_values = yield _Points(index, value)
    f_at_x = f_values[0]
    if isinstance(step, float):
        width: float | NDArray[np.floating] = sign * step
    else:
        width = moved.astype(_wide(x0.dtype)) - x0.astype(_wide(x0.dtype))
    grad = (f_values[1:] - f_at_x) / width
    return _Estimate(
        grad=grad,
        error=_unknown_error(grad),
        step=np.broadcast_to(np.asarray(step, dtype=np.float64), (n,)).copy(),
        vanished=moved == x0,
    )


def _forward(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    return _one_sided(x0, h, 1.0)


def _backward(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    return _one_sided(x0, h, -1.0)


#: Most levels (step halvings) of the Richardson ladder; each costs 2 evaluations.
RICHARDSON_LEVELS = 8

#: Rounding error of one value of f, in units of eps·|f| (f's own arithmetic included).
ROUNDING_ULPS = 8.0

#: Relative error estimate below which a level that does not improve ends the refinement.
CONVERGED = 1e-4

#: Rounding error of a complex-step derivative, in units of eps·|grad| (no cancellation).
COMPLEX_ULPS = 8.0


def _richardson_weights(levels: int) -> NDArray[np.float64]:
    """Row j: the weights of the differences D_0..D_j in the extrapolant T[j][j].

    From the recurrence ``T[j][k] = T[j][k-1] + (T[j][k-1] - T[j-1][k-1]) / (4**k - 1)``
    of central differences whose step halves from one level to the next.

    Examples
    --------
    >>> _richardson_weights(2)[1] * 3  # T[1][1] = (4 D_1 - D_0) / 3
    array([-1.,  4.])
    """
    weights = np.zeros((levels, levels))
    previous: list[NDArray[np.float64]] = []
    for j in range(levels):
        row = [np.eye(levels)[j]]
        for k in range(1, j + 1):
            row.append(row[k - 1] + (row[k - 1] - previous[k - 1]) / (4.0**k - 1))
        weights[j] = row[j]
        previous = row
    return weights


def _richardson(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    """Central differences at halving steps, extrapolated and refined per element.

    Level j evaluates ``x ± h/2**j`` for every element still active (2 evaluations each)
    and extends that element's row of the Richardson table; its diagonal T[j][j] is the
    level's estimate of the derivative. Its error is estimated as the distance to the
    previous level's estimate plus the rounding error of f amplified by the weights and
    divided by the step. An element stops at the first level whose estimate does not
    improve on its best one (once that best one has converged: relative error below
    :data:`CONVERGED`, or rounding-limited); it keeps the best level, and since the finer
    level just evaluated should agree with it, the reported error is at least their
    distance. At most :data:`RICHARDSON_LEVELS` levels.
    """
    n = x0.size
    wide = _wide(x0.dtype)
    eps = float(np.finfo(x0.dtype).eps)
    first = step_sizes(x0, h, "richardson")
    # Rounding error of T[j][j] per unit eps·|f| / h_j: sum_k |a_jk| h_j / h_k.
    levels = np.arange(RICHARDSON_LEVELS)
    amplification = (np.abs(_richardson_weights(RICHARDSON_LEVELS)) @ 2.0**-levels) * 2.0**levels

    grad = np.full(n, np.nan, dtype=wide)
    error = np.full(n, np.inf, dtype=wide)
    step = first.astype(np.float64)
    f_scale = np.zeros(n, dtype=wide)
    floor = np.zeros(n, dtype=wide)
    previous: list[NDArray[Any]] = []
    active = np.arange(n, dtype=np.intp)
    vanished = np.zeros(n, dtype=bool)
    for level in levels:
        if not active.size:
            break
        h_level = first[active] / x0.dtype.type(2**level)
        plus = x0[active] + h_level
        minus = x0[active] - h_level
        value = np.empty(2 * active.size, dtype=x0.dtype)
        value[0::2] = plus
        value[1::2] = minus
        f_values = yield _Points(np.repeat(active, 2), value)
        f_plus, f_minus = f_values[0::2], f_values[1::2]
        f_scale[active] = np.maximum.reduce([f_scale[active], np.abs(f_plus), np.abs(f_minus)])
        width = plus.astype(wide) - minus.astype(wide)
        width[width == 0] = 2 * h_level[width == 0]  # x ± h == x: f(x+) == f(x-), D = 0
        row = [np.full(n, np.nan, dtype=wide)]
        row[0][active] = (f_plus - f_minus) / width
        for k in range(1, level + 1):
            row.append(row[k - 1] + (row[k - 1] - previous[k - 1]) / (4.0**k - 1))
        if level == 0:
            vanished[active] = (plus == x0[active]) | (minus == x0[active])
            grad[active] = row[0][active]
            previous = row
            continue
        truncation = np.abs(row[level][active] - previous[level - 1][active])
        rounding = ROUNDING_ULPS * eps * f_scale[active] * amplification[level] / (width / 2)
        estimate = truncation + rounding
        previous = row
        better = estimate < error[active]
        kept = active[~better]
        error[kept] = np.maximum(error[kept], np.abs(row[level][kept] - grad[kept]))
        improved = active[better]
        grad[improved] = row[level][improved]
        error[improved] = estimate[better]
        step[improved] = h_level[better]
        floor[improved] = rounding[better]
        # A worse level stops an element only once it has converged: a first step far
        # too large for f makes the early levels jump about before they settle.
        converged = error[kept] <= CONVERGED * np.abs(grad[kept]) + 2 * floor[kept]
        active = np.concatenate([improved, kept[~converged]])
        active = np.sort(active[np.isfinite(error[active])])
    return _Estimate(grad=grad, error=error, step=step, vanished=vanished)


def _complex(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    """The complex step: Im f(x + ih e_i) / h, one evaluation per element.

    No difference is taken, so nothing cancels and the step can be tiny: the result is
    as accurate as f itself, provided f is analytic (written with operations that carry
    the imaginary part through). Elements whose imaginary part came back zero are
    checked with a real central difference: if f changes there, f dropped the imaginary
    part (abs, .real, float(), comparisons) and a ValueError says so. The same check covers
    imaginary parts at rounding level (what conj leaves), so garbage is never returned
    silently.
    """
    n = x0.size
    wide = _wide(x0.dtype)
    eps = float(np.finfo(x0.dtype).eps)
    complex_type = np.result_type(x0.dtype, np.complex64)
    step = step_sizes(x0, h, "complex")
    value = x0.astype(complex_type)
    value.imag = step
    f_values = yield _Points(np.arange(n, dtype=np.intp), value)
    grad = f_values.imag.astype(wide) / step.astype(wide)
    # An imaginary part at rounding level is what non-analytic f (abs, conj) leave.
    rounding = ROUNDING_ULPS * eps * np.abs(f_values.real) / np.maximum(1.0, np.abs(x0))
    flat = np.flatnonzero((np.abs(grad) <= rounding) & np.isfinite(f_values))
    if flat.size:
        yield from _check_analytic(x0, flat, f_values.real, complex_type)
    # With h="auto" the O(h²) truncation error is far below eps, so rounding is all that is
    # left; at a step of the caller's choosing the truncation error is unknown.
    rounding_only = COMPLEX_ULPS * eps * np.abs(grad)
    return _Estimate(
        grad=grad,
        error=rounding_only if isinstance(h, str) else _unknown_error(grad),
        step=step.astype(np.float64),
        vanished=np.zeros(n, dtype=bool),
    )


def _check_analytic(
    x0: NDArray[np.floating],
    flat: NDArray[np.intp],
    f_at_x: NDArray[Any],
    complex_type: np.dtype[Any],
) -> Generator[_Points, NDArray[Any], None]:
    """Raise ValueError if f changes along elements where the complex step saw nothing."""
    central = step_sizes(x0, "auto", "central")[flat]
    plus = x0[flat] + central
    minus = x0[flat] - central
    value = np.empty(2 * flat.size, dtype=complex_type)
    value[0::2] = plus
    value[1::2] = minus
    f_values = (yield _Points(np.repeat(flat, 2), value)).real
    wide = _wide(x0.dtype)
    slope = (f_values[0::2] - f_values[1::2]) / (plus.astype(wide) - minus.astype(wide))
    eps = float(np.finfo(x0.dtype).eps)
    level = np.maximum(np.abs(f_values[0::2]), np.abs(f_values[1::2]))
    level = np.maximum(level, np.abs(f_at_x[flat]))
    scale = np.maximum(1.0, np.abs(x0[flat].astype(wide)))
    tolerance = eps ** (1 / 3) * level / scale
    dropped = flat[np.abs(slope) > tolerance]
    if dropped.size:
        shown = ", ".join(str(int(i)) for i in dropped[:5])
        more = f" and {dropped.size - 5} more" if dropped.size > 5 else ""
        raise ValueError(
            "method='complex' reads the derivative from the imaginary part of f(x + ih), "
            f"but f returned no imaginary part (or one at rounding level) for element(s) "
            f"{shown}{more} (flat index) "
            "although it changes when they change: f is not analytic there. It drops the "
            "imaginary part somewhere (np.abs, .real, np.conj, float(), comparisons on "
            "x.real, or assigning into a real array). Write f with operations that "
            "carry complex numbers (x**2 instead of abs(x)**2), or use "
            "method='richardson', which needs no complex arithmetic."
        )


#: Every method by name. A method is added here and nowhere else.
PLANS: dict[str, PlanFactory] = {
    "central": _central,
    "forward": _forward,
    "backward": _backward,
    "richardson": _richardson,
    "complex": _complex,
}

#: Methods that evaluate f at complex points (on a complex copy of x).
COMPLEX_METHODS = frozenset({"complex"})


def _plan_for(method: str) -> PlanFactory:
    """The plan factory of ``method``, or a ValueError naming the valid choices."""
    if not isinstance(method, str) or method not in PLANS:
        choices, hint = _choice_hint(method, PLANS)
        raise ValueError(f"method={method!r} is not a known method; choose one of {choices}.{hint}")
    return PLANS[method]
