"""The step rule: which step each element of x gets.

A fixed ``h`` is used as given. ``h="auto"`` gives every element its own step, relative
to ``max(1, |x|)`` and sized from the machine epsilon of x's dtype so that rounding in f
and the truncation error of the formula balance:

- one-sided differences (error O(h)): ``eps**(1/2) * max(1, |x|)``;
- central differences (error O(h²)): ``eps**(1/3) * max(1, |x|)``;
- a stencil of order p (``order=``, error O(h^p)): ``eps**(1/(p+1)) * max(1, |x|)``,
  which is the two rules above for p = 1 and 2;
- the complex step (no cancellation): a step so small that its O(h²) error is far
  below ``eps``;
- Richardson extrapolation starts from ``eps**(1/13) * max(1, |x|)``, the step at which
  rounding and truncation balance for the order-12 extrapolant of six levels
  (:data:`RICHARDSON_ORDER`), and halves it from level to level, as many times as f
  needs: an f that varies on a scale much smaller than ``max(1, |x|)`` is followed down
  to steps small enough for it.

Finite-difference steps are then adjusted to ``(|x| + h) - |x|`` in x's dtype, so that
``x + h`` and ``x - h`` are exactly representable wherever ``|x| >= h`` (for smaller |x|
the difference quotients divide by the distance between the points actually evaluated).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .inputs import scale
from .points import Step

Rule = Literal["one-sided", "central", "complex", "richardson"]

#: The only string h accepts.
AUTO = "auto"

#: Order of the Richardson extrapolant the first step is sized for (six levels).
RICHARDSON_ORDER = 12

#: Complex step relative to max(1, |x|): its O(h²) truncation error is far below eps.
COMPLEX_STEP = 1e-20


def order_factor(dtype: np.dtype[np.floating], order: int) -> float:
    """``eps**(1/(order+1))``: the step, relative to max(1, |x|), of a formula of ``order``.

    A difference of order p has a truncation error ~ h**p and a rounding error ~ eps / h;
    they balance at h ~ eps**(1/(p+1)).

    >>> import numpy as np
    >>> bool(order_factor(np.dtype(np.float64), 2) == np.finfo(np.float64).eps ** (1 / 3))
    True
    """
    return float(float(np.finfo(dtype).eps) ** (1 / (order + 1)))


def _relative_factor(dtype: np.dtype[np.floating], rule: Rule) -> float:
    """The factor that multiplies max(1, |x|) for ``rule`` in ``dtype``."""
    eps = float(np.finfo(dtype).eps)
    factors = {
        "one-sided": order_factor(dtype, 1),
        "central": order_factor(dtype, 2),
        "complex": COMPLEX_STEP,
        "richardson": eps ** (1 / (RICHARDSON_ORDER + 1)),
    }
    return float(factors[rule])


def check_step(h: object) -> Step:
    """h validated: a positive finite number (as a float), or "auto".

    Raises
    ------
    TypeError
        h is not a number (nor a string).
    ValueError
        h is not positive and finite, or a string other than "auto".

    Examples
    --------
    >>> check_step(1), check_step("auto")
    (1.0, 'auto')
    """
    if isinstance(h, str):
        if h != AUTO:
            raise ValueError(
                f"h={h!r} is not a step; pass a positive number or h={AUTO!r} for a step "
                "chosen per element from |x| and the dtype's precision."
            )
        return h
    if isinstance(h, bool) or not isinstance(h, int | float | np.integer | np.floating):
        raise TypeError(f"h must be a positive number, got {h!r} ({type(h).__name__}).")
    if not math.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite number, got h={h!r}.")
    return float(h)


def representable_step(
    x0: NDArray[np.floating], step: NDArray[np.floating]
) -> NDArray[np.floating]:
    """``(|x| + h) - |x|`` in x's dtype: the step that takes x exactly to x ± h.

    Moving away from zero, ``|x| + h`` lands on a float whose spacing is at least that of
    x, so the adjusted h is a multiple of x's spacing: then x + h and x - h are both
    exact wherever ``|x| >= h`` (and ``|x| + h`` always is).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([3.0])
    >>> h = representable_step(x, np.array([0.1]))
    >>> bool((x + h) - x == h), bool((x - h) + h == x)
    (True, True)
    """
    wanted = step.astype(x0.dtype)
    magnitude = np.where(np.isfinite(x0), np.abs(x0), 0)
    adjusted = (magnitude + wanted) - magnitude
    return np.where(np.isfinite(adjusted) & (adjusted > 0), adjusted, wanted)


def step_sizes(x0: NDArray[np.floating], h: Step, rule: Rule) -> NDArray[np.floating]:
    """The step of every element of the flat array ``x0`` for ``h`` (a number or "auto").

    A number is used as it is, for every element. ``"auto"`` gives each element a step
    relative to ``max(1, |x|)`` (see the module docstring), in x's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 1e3])
    >>> step_sizes(x, "auto", "central") / np.maximum(1, np.abs(x))
    array([6.05545445e-06, 6.05545445e-06])
    >>> h32 = step_sizes(x.astype(np.float32), "auto", "central")  # sized for float32
    >>> h32.dtype, bool(np.allclose(h32, np.finfo(np.float32).eps ** (1 / 3) * np.array([1, 1e3])))
    (dtype('float32'), True)
    """
    if not isinstance(h, str):
        return np.full(x0.shape, h, dtype=np.result_type(x0.dtype, np.float16))
    if h != AUTO:
        raise ValueError(
            f"h={h!r} is not a step; pass a positive number or h={AUTO!r} for a step "
            "chosen per element from |x| and the dtype's precision."
        )
    wanted = _relative_factor(x0.dtype, rule) * scale(x0)
    if rule == "complex":  # the imaginary part: float32 at least, as complex numbers are
        return wanted.astype(np.result_type(x0.dtype, np.float32))
    return representable_step(x0, wanted)


def order_steps(x0: NDArray[np.floating], h: Step, order: int) -> NDArray[np.floating]:
    """The step of every element for a difference formula of ``order`` (see :func:`order_factor`).

    A number is used as it is; ``"auto"`` gives ``eps**(1/(order+1)) * max(1, |x|)`` in x's
    dtype, adjusted by :func:`representable_step`. Order 1 gives the one-sided rule, order
    2 the central one.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.5, 2e3])
    >>> bool(np.all(order_steps(x, "auto", 2) == step_sizes(x, "auto", "central")))
    True
    >>> order_steps(x.astype(np.float32), "auto", 6).dtype
    dtype('float32')
    """
    if not isinstance(h, str):
        return step_sizes(x0, h, "central")
    check_step(h)
    return representable_step(x0, order_factor(x0.dtype, order) * scale(x0))
