"""The central-difference shortcut for small x gives the driver's result, bit for bit."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk._engine.book_fast_path import central_shortcut
from gradwalk._engine.driver import differentiate
from gradwalk._engine.evaluators.options import Options


def _counted(f: Any) -> Any:
    def wrapped(x: Any) -> Any:
        wrapped.calls += 1  # type: ignore[attr-defined]
        return f(x)

    wrapped.calls = 0  # type: ignore[attr-defined]
    return wrapped


CASES = [
    ("smooth", lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2, [-1.5, 2.0]),
    ("rounding-limited", lambda x: 1e12 + x[0] * 1e-9 + x[1], [0.3, 0.7]),
    ("float32 inside", lambda x: float(np.float32(np.sum(x.astype(np.float32) ** 2))), [1.1, 2.3]),
    ("pole at x", lambda x: 1 / x[0] + x[1], [0.0, 1.0]),
    ("sign change", lambda x: x[0] * x[1], [0.0, 2.0]),
    ("not finite nearby", lambda x: np.log(x[0]) + x[1], [5e-5, 1.0]),
    ("ignores x", lambda x: 3.0, [1.0, 2.0]),
    ("stationary", lambda x: np.sum((x - 1) ** 2) + 5, [1.0, 1.0]),
    ("inexact step", lambda x: np.sum(x**2), [1e13, 1.0]),
    ("int value", lambda x: int(x[0] > 0) + 2 * int(x[1] > 0), [0.0, 1.0]),
]


def _rows(f: Any) -> Any:
    """A vectorized f made of a scalar one: f on each row of a batch."""
    return lambda batch: np.array([f(row) for row in batch])


@pytest.mark.parametrize("vectorized", [False, True], ids=["in place", "vectorized"])
@pytest.mark.parametrize(("name", "f", "x"), CASES, ids=[c[0] for c in CASES])
def test_shortcut_matches_the_driver(name: str, f: Any, x: list[float], vectorized: bool) -> None:
    runs = []
    # None: numerical_gradient's own options (the shortcut); an equal Options object
    # built here is not check_options' own, so it goes to the driver.
    for options in (None, Options(vectorized=vectorized)):
        counted = _counted(f)  # counts points, one call each or one row of a batch each
        point = np.array(x)
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            if options is None:
                from gradwalk import numerical_gradient

                result = numerical_gradient(
                    _rows(counted) if vectorized else counted,
                    point,
                    full_output=True,
                    vectorized=vectorized,
                )
            else:
                given = _rows(counted) if vectorized else counted
                result = differentiate(given, point, None, "central", options)
        assert np.array_equal(point, x), f"{name}: x was not restored"
        runs.append((result, counted.calls, [(w.category, str(w.message)) for w in caught]))
    (fast, fast_calls, fast_warned), (full, full_calls, full_warned) = runs
    for field in ("grad", "error", "step", "status"):
        a, b = getattr(fast, field), getattr(full, field)
        assert a.dtype == b.dtype and a.shape == b.shape, f"{name}: {field} dtype or shape"
        assert np.array_equal(a, b, equal_nan=True), f"{name}: {field} {a} != driver's {b}"
        assert np.array_equal(np.signbit(a), np.signbit(b)), f"{name}: sign of zero in {field}"
    assert fast.nfev == full.nfev == fast_calls == full_calls, (
        f"{name}: f called {fast_calls} times (nfev {fast.nfev}), driver {full_calls} "
        f"(nfev {full.nfev}): the values already computed must be served again"
    )
    assert fast_warned == full_warned, f"{name}: warnings {fast_warned} != {full_warned}"


def test_shortcut_applies_only_to_the_default_call() -> None:
    f = lambda x: float(np.sum(x**2))  # noqa: E731
    x = np.array([1.0, 2.0])
    default = Options()
    taken = central_shortcut(f, x, None, "central", default, None, None, None, None, False)
    assert taken is None, "an Options object that is not the default goes to the driver"
    from gradwalk._engine.evaluators.options import check_options

    options = check_options()
    shortcut = central_shortcut(f, x, None, "central", options, None, None, None, None, False)
    assert shortcut is not None and shortcut.fields is not None, "the default call is taken"
    rows = lambda batch: np.sum(batch**2, axis=1)  # noqa: E731
    vectorized = check_options(vectorized=True)
    shortcut = central_shortcut(rows, x, None, "central", vectorized, None, None, None, None, False)
    assert shortcut is not None and shortcut.fields is not None, "vectorized=True is taken"
    assert np.allclose(shortcut.fields["grad"], 2 * x, rtol=1e-8), "vectorized: not 2x"
    sized = check_options(vectorized=True, batch_size=1)
    assert central_shortcut(rows, x, None, "central", sized, None, None, None, None, False) is None
    for method, h, vector in (
        ("forward", None, False),
        ("central", "auto", False),
        ("central", None, True),
    ):
        assert central_shortcut(f, x, h, method, options, None, None, None, None, vector) is None, (
            f"method={method}, h={h}, vector={vector} is not the shortcut's case"
        )
    big = np.ones(100)
    assert central_shortcut(f, big, None, "central", options, None, None, None, None, False) is None
    single = np.ones(2, dtype=np.float32)
    assert (
        central_shortcut(f, single, None, "central", options, None, None, None, None, False) is None
    )
