"""Property-based tests of the promises every mode of the numerical gradient makes.

Random shapes (0-d to 4-d), dtypes, views (strided, transposed, reversed), methods and
evaluation modes, with functions that are smooth, raise, return nan or inf, return an
array, modify x or ignore it. The properties: x is bit-identical afterwards; a result has
x's shape and a floating dtype; a failure is one of the documented exceptions, with a
message that names the problem; every mode gives the same result bit for bit.

The default run is bounded (``GRADWALK_FUZZ`` unset: 30 examples per property); set
``GRADWALK_FUZZ=long`` for 2000 examples per property, e.g.
``GRADWALK_FUZZ=long python -m pytest tests/derivatives/test_fuzz.py``.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradwalk import GradwalkWarning, InputModifiedError, numerical_gradient
from gradwalk._engine.methods import METHODS as _REGISTRY

settings.register_profile(
    "default", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("GRADWALK_FUZZ", "default"))

METHODS = list(_REGISTRY)
DTYPES = [np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_]


class FError(Exception):
    """What the fuzzed f raises on purpose."""


def _smooth(x: Any) -> Any:
    # Sorted first: the same values give the same sum whatever the memory layout (modes
    # promise equal results for equal values of f; np.sum's order follows the layout).
    return np.sum(np.sort(np.sin(x) + 0.5 * x**2, axis=None))


def _raises(x: Any) -> Any:
    raise FError("f failed on purpose, as the fuzzer asked")


def _nan(x: Any) -> Any:
    return np.sum(x) * np.nan


def _inf(x: Any) -> Any:
    return np.sum(x) + np.inf


def _array(x: Any) -> Any:
    return np.concatenate([np.ravel(x), np.ravel(x)]) if np.size(x) else np.ones(2)


def _mutates(x: Any) -> Any:
    value = np.sum(x**2)
    if np.size(x):
        x.reshape(-1)[0] = 7  # on a view or the array itself
    return value


def _ignores(x: Any) -> Any:
    return 3.0


FUNCTIONS = {
    "smooth": _smooth,
    "raises": _raises,
    "nan": _nan,
    "inf": _inf,
    "array": _array,
    "mutates": _mutates,
    "ignores": _ignores,
}


@st.composite
def points(draw: st.DrawFn) -> np.ndarray:
    """An array of 0 to 4 dimensions (at most 24 elements), possibly a strided view."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
    if dtype == np.bool_:
        elements = st.booleans()
    elif np.issubdtype(dtype, np.integer):
        elements = st.integers(-20, 20)
    else:
        elements = st.floats(-20, 20, width=np.finfo(dtype).bits)
    base = draw(hnp.arrays(dtype, shape, elements=elements))
    view = draw(st.sampled_from(["plain", "transposed", "reversed", "strided"]))
    if view == "transposed":
        return base.T
    if view == "reversed" and base.ndim:
        return base[::-1]
    if view == "strided" and base.ndim:
        wide = np.repeat(base, 2, axis=0)
        return wide[::2]
    return base


def _vectorized(f: Any) -> Any:
    """f over a batch of points, one call per batch."""
    return lambda batch: np.array([f(point) for point in batch])


def _run(f: Any, x: np.ndarray, method: str, mode: str) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", GradwalkWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if mode == "vectorized":
            return numerical_gradient(_vectorized(f), x, method=method, vectorized=True)
        if mode == "threads":
            with ThreadPoolExecutor(2) as pool:
                return numerical_gradient(f, x, method=method, workers=pool)
        return numerical_gradient(f, x, method=method)


def _documented(error: BaseException, kind: str) -> bool:
    """Whether ``error`` is what gradwalk documents for an f of this kind."""
    expected: dict[str, tuple[type[BaseException], ...]] = {
        "raises": (FError,),
        "array": (ValueError, TypeError),
        "mutates": (InputModifiedError,),
    }
    return isinstance(error, expected.get(kind, ())) and len(str(error)) > 20


@given(
    x=points(),
    kind=st.sampled_from(sorted(FUNCTIONS)),
    method=st.sampled_from(METHODS),
    mode=st.sampled_from(["in-place", "vectorized", "threads"]),
)
def test_x_is_untouched_and_the_result_has_its_shape_or_a_documented_error(
    x: np.ndarray, kind: str, method: str, mode: str
) -> None:
    before = x.copy()
    f = FUNCTIONS[kind]
    try:
        grad = _run(f, x, method, mode)
    except Exception as error:
        assert _documented(error, kind), (
            f"{kind} f, {method}, {mode}, x {x.dtype}{x.shape}: undocumented "
            f"{type(error).__name__}: {error}"
        )
    else:
        assert kind not in ("raises", "array") or (x.size == 0 and kind == "array"), (
            f"{kind} f with {method}/{mode} returned {grad} instead of an error"
        )
        assert grad.shape == x.shape, f"grad shape {grad.shape} != x shape {x.shape}"
        assert grad.dtype.kind == "f", f"grad dtype {grad.dtype} is not floating"
        if kind == "smooth" and x.size and grad.dtype == np.float64:
            # (float16/32 with the book's fixed h are limited by rounding, and say so.)
            true = np.cos(x.astype(np.float64)) + x.astype(np.float64)
            tolerance = 1e-3 if method in ("forward", "backward") else 1e-5
            np.testing.assert_allclose(grad, true, rtol=tolerance, atol=tolerance)
    assert x.dtype == before.dtype
    np.testing.assert_array_equal(x, before, f"{kind} f with {method}/{mode} changed x")
    assert x.tobytes() == before.tobytes(), "x must be bit-identical afterwards"


@given(
    x=points(),
    kind=st.sampled_from(["smooth", "nan", "inf", "ignores"]),
    method=st.sampled_from(METHODS),
)
def test_every_mode_gives_the_same_gradient_bit_for_bit(
    x: np.ndarray, kind: str, method: str
) -> None:
    f = FUNCTIONS[kind]
    results = {mode: _run(f, x, method, mode) for mode in ("in-place", "vectorized", "threads")}
    reference = results["in-place"]
    for mode, grad in results.items():
        assert grad.tobytes() == reference.tobytes(), (
            f"{mode} gave {grad}, in-place {reference} ({kind} f, {method}, {x.dtype}{x.shape})"
        )


@pytest.mark.parametrize("kind", ["raises", "array", "mutates"])
def test_the_fuzzed_failures_can_happen(kind: str) -> None:
    # The properties above accept these errors: make sure each really is raised.
    with pytest.raises(Exception) as raised:
        _run(FUNCTIONS[kind], np.array([1.0, 2.0]), "central", "in-place")
    assert _documented(raised.value, kind), repr(raised.value)
