"""Why a compared value failed: the difference repeated over a ladder of steps, read off.

A discrepancy that stays put while the numerical values agree with each other is a
wrong analytic gradient; one that shrinks like h² is truncation; one that grows as h
shrinks is rounding in f; one-sided differences that keep disagreeing mean a kink.
:func:`diagnose_failure` runs the repeats for one value of a :class:`Group` and returns
the verdict with the numbers behind it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._derivatives.diff import numerical_diff
from gradwalk._engine.driver import GradientResult
from gradwalk._engine.first_step import PROBE_FRACTION
from gradwalk._engine.inputs import real_value, scale
from gradwalk._engine.ladder import AMPLIFICATION
from gradwalk._engine.rounding import Precision, measured_precision
from gradwalk._engine.status_codes import GradientStatus
from gradwalk._engine.steps import representable_step

from ._compare import Group, Line, as_float64, untried
from ._noise import noise_along
from ._report import ERROR_BAR_FACTOR, Diagnosis

__all__ = ["Finding", "diagnose_failure", "diagnosis_steps"]

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

#: f(x + h) - f(x - h) that stays within this factor over the finest three steps (a
#: 16-fold range), clear of rounding, marks a jump: a smooth f's shrinks with h.
JUMP_RATIO = 2.0

#: Noise in f's values, per unit of noise over the step, in a numerical value: the sum of
#: the method's weights' sizes (the central difference's stencils up to order 8, the
#: richardson extrapolant's at any level, the one-sided stencils up to order 4).
NOISE_GAIN = {
    "central": 2.1,
    "richardson": float(AMPLIFICATION.max()),
    "forward": 10.7,
    "backward": 10.7,
    "complex": 1.0,
}

#: Noise in f explains no discrepancy that exceeds what the numerical value allows this
#: many times over, while the noise amplified over the step stays NOISE_MARGIN times
#: below it (:func:`_noise_cannot_explain`).
WIDE_MARGIN = 100.0
NOISE_MARGIN = 10.0


@dataclass(frozen=True)
class Finding:
    """A diagnosis: its kind, the explanation with the numbers behind it, the
    evaluations it cost, and whether f was found to compute in less than x."""

    kind: Diagnosis
    why: str
    nfev: int
    narrow: bool  # f computes in less than x (float32, or a float32 part on a constant)
    probed: bool = False  # whether it looked for noise in f


def _or(remedies: str) -> str:
    """``", or h='auto'"``: the remedies appended to one already named, if any."""
    return f", or {remedies}" if remedies else ""


def _trace(steps: NDArray[np.float64], gaps: NDArray[np.float64]) -> str:
    """``2.0e-06 at h=1.0e-03, ...`` for a few (step, discrepancy) pairs."""
    return ", ".join(f"{g:.1e} at h={s:.1e}" for s, g in zip(steps, gaps, strict=True))


def _difference_at(
    line: Line, t0: NDArray[np.floating], step: float, method: str
) -> tuple[float, int]:
    try:
        result: GradientResult = numerical_diff(line, t0, step, method=method, full_output=True)
    except (ArithmeticError, ValueError):
        return math.nan, 0
    return float(result.grad), result.nfev


def _smallest_step(group: Group, i: int) -> float:
    """SMALLEST_STEP units of eps·max(1, |x|): differences below it are all rounding."""
    unit = 1.0 if group.anchor is None else float(scale(group.anchor[i]))
    return SMALLEST_STEP * float(np.finfo(group.t_dtype).eps) * unit


def diagnosis_steps(group: Group, i: int) -> NDArray[np.float64]:
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
        ladder = as_float64(representable_step(start, ladder.astype(group.t_dtype)))
    else:
        ladder = as_float64(ladder.astype(group.t_dtype))
    return np.unique(ladder[ladder >= smallest])[::-1]


#: Generic points on a value's line where f's precision is read (multiples of
#: PROBE_FRACTION times the step): enough differences for a value grid to show.
GENERIC_POINTS = (1, 2, 3, 4)


def _generic_values(group: Group, i: int, line: Line, step: float) -> list[float]:
    """f at the generic points of value i's line (float32 inside f shows there, and so
    does its value grid when a float64 constant is added to a float32 part)."""
    t0 = np.zeros((), dtype=group.t_dtype)
    points = [t0 + group.t_dtype.type(PROBE_FRACTION * k * step) for k in GENERIC_POINTS]
    return [float(real_value(line(t))) for t in points]


def _narrower(precision: Precision, dtype: np.dtype[Any]) -> bool:
    """Whether f computes in less than x: in a narrower type, or (x in float64) with its
    values on a grid far coarser than float64's, as a float32 part on a float64 constant
    makes them. For narrower x a grid says nothing: its values are narrow anyway."""
    if precision.eps > float(np.finfo(dtype).eps):
        return True
    return precision.grid > 0 and dtype == np.dtype(np.float64)


def f_precision(group: Group, i: int) -> tuple[Precision, int]:
    """The precision f computes in (and the grid its values lie on), read from f at x
    and at generic points on value i's line, and the evaluations spent."""
    line = group.line(i)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        f0 = float(real_value(line(np.zeros((), dtype=group.t_dtype))))
        sample = np.array([f0, *_generic_values(group, i, line, float(group.best_step[i]))])
    return _line_precision(sample, np.dtype(group.t_dtype)), 1 + len(GENERIC_POINTS)


#: A grid that f's values along a line lie on is believed only where it is at least this
#: many times float64's spacing of the values (values a few units of rounding apart share
#: trailing zero bits by chance, as 1 + t**2 does for small t; a float32 part beside a
#: float64 constant up to 1e5 times larger makes a grid far coarser).
GRID_ULPS = 4096.0


def _line_precision(sample: NDArray[Any], dtype: np.dtype[Any]) -> Precision:
    """f's precision read from its values along a line. Values that are all the same (f
    does not move along it: a Jacobian entry whose output ignores the element) say
    nothing about it, nor does a grid a few units of their rounding wide: x's own is
    assumed."""
    own = Precision(float(np.finfo(dtype).eps))
    if np.all(sample == sample[0]):
        return own
    precision = measured_precision(sample, dtype)
    if precision.grid and precision.grid < GRID_ULPS * np.spacing(np.max(np.abs(sample))):
        return own
    return precision


def f_narrower(group: Group, i: int) -> tuple[bool, int]:
    """Whether f computes in less than x, read as :func:`f_precision` reads it."""
    precision, cost = f_precision(group, i)
    return _narrower(precision, np.dtype(group.t_dtype)), cost


def diagnose_failure(group: Group, i: int, probe_noise: bool = True) -> Finding:
    """Why value i failed, or could not be checked: repeat the difference at larger and
    smaller steps, read f's precision, and for a value that looks wrong, look for noise
    in f (:func:`~gradwalk.check._noise.noise_along`; not with ``probe_noise`` false,
    where it was found already)."""
    a, n, e = float(group.analytic[i]), float(group.numerical[i]), float(group.error[i])
    eps = float(np.finfo(group.t_dtype).eps)
    if not math.isfinite(a):
        where = f" ({group.nonfinite_note})" if group.nonfinite_note else ""
        why = f"the analytic value is {a}{where}: the hand-written gradient produced inf or nan."
        return Finding("nonfinite", why, 0, False)
    if not math.isfinite(n):
        return Finding(
            "nonfinite",
            f"the numerical value is {n}: f is inf or nan within a step of this point "
            "(see the NonFiniteWarning). Check the domain of f near x.",
            0,
            False,
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
        f0 = abs(float(real_value(line(t0))))
        steps = diagnosis_steps(group, i)
        central = np.empty(steps.size)
        nfev = 1
        for k, step in enumerate(steps):
            central[k], cost = _difference_at(line, t0, float(step), "central")
            nfev += cost
        jumps = []
        for step in kink_steps:
            forward, cost_f = _difference_at(line, t0, step, "forward")
            backward, cost_b = _difference_at(line, t0, step, "backward")
            nfev += cost_f + cost_b
            jumps.append(abs(forward - backward))
        # f's precision, from its values at x and at two generic points on the line: f
        # computing in float32 shows there, and its rounding is then float32's
        generic = _generic_values(group, i, line, centre)
        nfev += len(generic)
        sample = np.array([f0, *generic], dtype=np.float64)
    precision = _line_precision(sample, np.dtype(group.t_dtype))
    rounding = float(precision.rounding(f0))
    narrow = _narrower(precision, np.dtype(group.t_dtype))
    allowed = float(group.allowed[i])
    if group.unchecked[i] and math.isfinite(e):  # judge the evidence without the wide bar
        allowed -= ERROR_BAR_FACTOR * e
    repeated = RepeatedDifferences(
        a, allowed, used, steps, central, rounding, untried(group, narrow)
    )
    jump = repeated.jump()
    if jump:
        return Finding("discontinuous", jump, nfev, narrow)
    kink = repeated.kink(kink_steps, jumps)
    if kink:
        return Finding("nonsmooth", kink, nfev, narrow)
    if group.status is not None and group.status[i] == GradientStatus.NONSMOOTH:
        return Finding(
            "nonsmooth",
            "f has a kink or a jump within the step here: its differences do not shrink with "
            "the step as a derivative needs (the numerical value's status is NONSMOOTH). "
            f"The analytic value {a:.6g} may be a valid one-sided choice, but differences "
            "cannot check it; check at a point away from it.",
            nfev,
            narrow,
        )
    kind, why = repeated.classify(n, e)
    noisy = group.status is not None and group.status[i] == GradientStatus.NOISY
    if kind == "wrong" and noisy:  # the numerical side measured noise in f itself
        return Finding("inexact", _inexact(a, n, math.nan, math.nan), nfev, narrow)
    if kind == "wrong" and probe_noise:
        unit = 1.0 if group.anchor is None else float(scale(group.anchor[i]))
        along = line if group.outputs is None else group.outputs(i)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")

            def outputs(t: float) -> NDArray[np.float64]:
                return np.real(np.asarray(along(t0 + t), dtype=complex))

            relative, spacing, cost = noise_along(
                outputs,
                unit,
                precision if precision.eps >= eps else Precision(eps, precision.grid),
            )
            nfev += cost
            noise = math.nan
            if math.isfinite(relative):  # its size, to bound what it does to a difference
                noise = relative * float(np.max(np.abs(outputs(0.0)), initial=0.0))
                nfev += 1
        if math.isfinite(relative) and not _noise_cannot_explain(group, i, noise):
            return Finding("inexact", _inexact(a, n, relative, spacing), nfev, narrow, True)
        return Finding(kind, why, nfev, narrow, True)
    if group.unchecked[i] and kind not in ("wrong", "truncation", "rounding"):
        kind = "uncertain"
        why = (
            f"the numerical value {n:.12g} ± {e:.1e} is as uncertain as the value itself, "
            f"so the analytic value {a:.12g} has not been checked. " + repeated.closest_agreement()
        )
    if narrow and kind in ("rounding", "inconclusive", "uncertain"):
        kind = "float32"
        why = (
            f"f computes in float32 (its values, or their differences, are float32 numbers "
            f"although x is {np.dtype(group.t_dtype).name}), and its rounding hides the "
            f"difference: {why} "
            "Compute f in float64 for a close check."
        )
    return Finding(kind, why, nfev, narrow)


def _noise_cannot_explain(group: Group, i: int, noise: float) -> bool:
    """Whether noise of about ``noise`` in f's values (absolute), found at
    a spacing far coarser than the steps value i was verified at, is far too small to
    explain its discrepancy.

    An f computed to a tolerance is smooth at the steps a difference takes, and its
    error (of about the noise) varies no faster than over the step: its derivative is off
    by at most the noise over the step, amplified by the method's weights. Where the
    numerical value CONVERGED, the discrepancy exceeds what it allows WIDE_MARGIN times
    over, and that bound is NOISE_MARGIN times below the discrepancy, the noise cannot
    have made it: the analytic value stays wrong."""
    if group.status is None or group.status[i] != GradientStatus.CONVERGED:
        return False
    step = float(group.step[i])
    if not (step > 0 and math.isfinite(step) and math.isfinite(noise)):
        return False
    discrepancy = abs(float(group.analytic[i]) - float(group.numerical[i]))
    gain = NOISE_GAIN.get(group.method, max(NOISE_GAIN.values()))
    bound = gain * noise / step
    return (
        discrepancy > WIDE_MARGIN * float(group.allowed[i]) and discrepancy > NOISE_MARGIN * bound
    )


def _inexact(analytic: float, numerical: float, noise: float, spacing: float) -> str:
    """The explanation of an f computed inexactly."""
    where = (
        "its values carry noise (the numerical value's status is NOISY)"
        if math.isnan(noise)
        else f"at a spacing of {spacing:.0e} its values scatter by about {noise:.0e} relative"
    )
    return (
        f"f is computed inexactly: {where}, as an adaptive solver's or an iteration's "
        "stopping at a tolerance do. Differences measure the derivative of that "
        "approximation, which can differ from the exact derivative by far more than the "
        "scatter, so the difference "
        f"between the analytic value {analytic:.12g} and the numerical {numerical:.12g} "
        "cannot be blamed on the analytic side. Tighten the tolerance inside f and check "
        "again: a difference that shrinks with it is f's."
    )


@dataclass(frozen=True)
class RepeatedDifferences:
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
    remedies: str = "method='richardson'"  # the remedies not already in use, in words

    @property
    def noise(self) -> NDArray[np.float64]:
        """The rounding error expected of the central difference at each step."""
        return self.rounding / self.steps

    @property
    def gap(self) -> NDArray[np.float64]:
        """|central difference - analytic value| at each step."""
        return np.abs(self.central - self.analytic)

    def jump(self) -> str:
        """The explanation if f jumps at x, else "".

        ``f(x + h) - f(x - h)`` is ``2h`` times the central difference: a smooth f's
        shrinks with h, a jump's stays at the size of the jump, far above rounding.
        """
        finite = np.flatnonzero(np.isfinite(self.central))
        if finite.size < 3:
            return ""
        finest = finite[-3:]
        spans = np.abs(2 * self.steps[finest] * self.central[finest])
        clear = spans > SPREAD_FACTOR * 2 * self.rounding
        if not clear.all() or spans.max() > JUMP_RATIO * spans.min():
            return ""
        largest, smallest = self.steps[finest[0]], self.steps[finest[-1]]
        return (
            f"f jumps here: f(x + h) - f(x - h) stays about {float(np.median(spans)):.2g} as "
            f"the step shrinks from h={largest:.1e} to h={smallest:.1e}, "
            "where a smooth f's would shrink with h. f is discontinuous at x, so there is no "
            f"derivative to check (the analytic value {self.analytic:.6g} may be a valid "
            "choice there); check at a point away from the jump."
        )

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
                f"kink lies between x - h and x + h. {self.closest_agreement()} Use a "
                "smaller step, or check at a point further from the kink."
            )
        return ""

    def closest_agreement(self) -> str:
        """Where the repeated differences come closest to the analytic value, and how
        much they scatter there."""
        gap = np.where(np.isfinite(self.gap), self.gap, np.inf)
        k = int(np.argmin(gap))
        steadiest = self._steadiest()
        scatter = "" if steadiest is None else f" (they scatter by {steadiest[1]:.1e})"
        return (
            f"At h={self.steps[k]:.1e} the difference agrees with the analytic value to "
            f"{gap[k]:.1e}{scatter}."
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
                    f"smaller step{_or(self.remedies)}.",
                )
        if u > window[-1] and gap[u] > SPREAD_FACTOR * best and self.noise[u] * 10 > gap[u]:
            shown = [closest, (closest + u) // 2, u] if u - closest > 1 else [closest, u]
            return (
                "rounding",
                f"rounding in f, not a bug: the discrepancy grows as the step shrinks "
                f"({_trace(steps[shown], gap[shown])}), as rounding errors of about "
                f"{self.noise[u]:.1e} at h={steps[u]:.1e} do. The step is too small for the "
                f"precision of f (float32, or cancellation); use a larger step"
                f"{_or(self.remedies)}.",
            )
        return (
            "inconclusive",
            f"{agree}, about as well as the differences agree with each other "
            f"({spread:.1e}): at this tolerance the difference cannot tell a bug from noise. "
            f"Loosen rtol{_or(self.remedies)}.",
        )
