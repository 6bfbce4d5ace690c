"""numerical_hessian and hessian_vector_product against analytic second derivatives."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradwalk import GradientStatus, InputModifiedError, PrecisionWarning, numerical_hessian
from tests.support.hessian_example import X, f, hessian


def f_batch(X: np.ndarray) -> np.ndarray:
    return np.sum(np.exp(0.3 * X) * np.sin(X), axis=1) + X[:, 0] * X[:, 1] ** 2


class Counted:
    """f counting the points it is evaluated at (a batch of k counts k)."""

    def __init__(self, f: object) -> None:
        self.f = f
        self.points = 0

    def __call__(self, x: np.ndarray) -> object:
        self.points += x.shape[0] if x.ndim == 2 else 1
        return self.f(x)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("options", "func"),
    [
        ({}, f),
        ({"vectorized": True, "batch_size": 7}, f_batch),
        ({"workers": ThreadPoolExecutor(2)}, f),
    ],
)
def test_richardson_hessian_is_symmetric_accurate_and_its_error_bar_covers(
    options: dict[str, object], func: object
) -> None:
    x = X.copy()
    result = numerical_hessian(func, x, full_output=True, **options)  # type: ignore[arg-type]
    error = np.abs(result.hess - hessian(X))
    assert result.hess.shape == (3, 3)
    assert np.array_equal(result.hess, result.hess.T), "the Hessian must be exactly symmetric"
    assert error.max() <= 1e-10, f"max error {error.max():.1e}"
    assert np.all(error <= result.error), "the error estimate must cover the true error"
    counted = Counted(func)  # type: ignore[arg-type]
    again = numerical_hessian(counted, X.copy(), full_output=True, **options)  # type: ignore[arg-type]
    assert again.nfev == result.nfev == counted.points, "nfev counts f's evaluations"
    assert np.all(result.status == 0), "every entry CONVERGED"
    assert np.array_equal(x, X), "x must be restored"


def test_central_hessian_has_one_level_and_no_error_estimate() -> None:
    result = numerical_hessian(f, X.copy(), method="central", full_output=True)
    np.testing.assert_allclose(result.hess, hessian(X), atol=1e-6)
    assert np.all(np.isnan(result.error)) and result.nfev == 1 + 2 * 9


def test_hessian_of_a_matrix_argument_has_shape_x_plus_x() -> None:
    W = np.array([[1.0, 2.0], [0.5, -1.0]])
    H = numerical_hessian(lambda w: float(np.sum(w**3)), W)
    expected = np.zeros((2, 2, 2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j, i, j] = 6 * W[i, j]
    np.testing.assert_allclose(H, expected, atol=1e-9)


def test_f_modifying_x_is_an_error_and_x_is_restored() -> None:
    x = np.array([1.0, 2.0])

    def bad(w: np.ndarray) -> float:
        w[1] = 5.0
        return float(w[0])

    with pytest.raises(InputModifiedError):
        numerical_hessian(bad, x)
    assert x.tolist() == [1.0, 2.0]


def test_unknown_method_names_the_choices() -> None:
    with pytest.raises(ValueError, match="'richardson'"):
        numerical_hessian(f, X, method="complex")


def test_steps_that_leave_fs_domain_shrink_until_f_is_finite() -> None:
    # sqrt(x0) * x1**2 at x0 = 1e-3: Richardson's first step (about 0.17) leaves
    # sqrt's domain; the entries must still be the analytic ones, not nan.
    x = np.array([1e-3, 1.5])

    def func(v: np.ndarray) -> float:
        with np.errstate(invalid="ignore"):
            return float(np.sqrt(v[0]) * v[1] ** 2)

    exact = np.array(
        [
            [-0.25 * x[0] ** -1.5 * x[1] ** 2, x[1] / np.sqrt(x[0])],
            [x[1] / np.sqrt(x[0]), 2 * np.sqrt(x[0])],
        ]
    )
    result = numerical_hessian(func, x.copy(), full_output=True)
    assert np.all(np.isfinite(result.hess)), f"entries left nan near sqrt's edge: {result.hess}"
    np.testing.assert_allclose(result.hess, exact, rtol=1e-5)
    error = np.abs(result.hess - exact)
    assert np.all(error <= result.error), "the error estimate must cover the true error"


# --- right, or flagged ------------------------------------------------------------


def test_a_function_far_faster_than_the_first_step_is_followed_down_to_its_scale() -> None:
    # sin(x0² + 3 x1⁴) at (1, 2) varies on a scale of 1/96 along x1: the first step (0.33)
    # is far too large for it; a fixed ladder gave H01 = -54 ± 1.2, H11 = 2538 ± 33.
    def g(x: np.ndarray) -> float:
        return float(np.sin(x[0] ** 2 + 3 * x[1] ** 4))

    u = 1.0 + 3 * 16.0  # the argument at (1, 2), and its derivatives
    exact = np.array(
        [
            [2 * np.cos(u) - 4 * np.sin(u), -2 * 96 * np.sin(u)],
            [-2 * 96 * np.sin(u), 36 * 4 * np.cos(u) - 96**2 * np.sin(u)],
        ]
    )
    np.testing.assert_allclose(
        exact, [[4.416195698525161, 183.1205093298186], [183.1205093298186, 8833.069774130376]]
    )
    result = numerical_hessian(g, [1.0, 2.0], full_output=True)
    error = np.abs(result.hess - exact)
    assert np.all(result.status == GradientStatus.CONVERGED), result.status
    assert np.all(error <= result.error), f"true error {error} beyond the bars {result.error}"
    assert np.all(error <= 1e-8 * np.abs(exact)), f"relative error {error / np.abs(exact)}"


@pytest.mark.parametrize(
    ("g", "x", "entry", "one_sided"),
    [
        (lambda x: x[0] * abs(x[0]) + x[1] ** 2, [0.0, 1.0], (0, 0), (-2.0, 2.0)),
        (lambda x: max(x[0], 0.0) ** 2 + x[0] * x[1], [0.0, 1.0], (0, 0), (0.0, 2.0)),
        (lambda x: x[0] * abs(x[1]), [0.0, 0.0], (0, 1), (-1.0, 1.0)),
    ],
    ids=["x|x|", "relu(x)²", "x0|x1|"],
)
def test_where_the_second_derivative_does_not_exist_the_entry_is_flagged(
    g: object, x: list[float], entry: tuple[int, int], one_sided: tuple[float, float]
) -> None:
    # f' has a kink at x: the second differences are steady there (the mean of the two
    # one-sided second derivatives), so only the odd part of the same values shows it
    with pytest.warns(PrecisionWarning, match=r"second derivative does not exist at x for H\["):
        result = numerical_hessian(g, x, full_output=True)  # type: ignore[arg-type]
    i, j = entry
    assert result.status[i, j] == GradientStatus.NONSMOOTH, result.status
    assert result.status[i, j] == result.status[j, i]
    low, high = one_sided
    assert result.hess[i, j] - result.error[i, j] <= low + 1e-9, "the bar spans both sides"
    assert result.hess[i, j] + result.error[i, j] >= high - 1e-9, "the bar spans both sides"
    others = [(k, m) for k in range(2) for m in range(2) if {k, m} != {i, j}]
    assert all(result.status[k, m] == GradientStatus.CONVERGED for k, m in others), (
        "entries whose second derivative exists are not flagged"
    )


def test_an_infinite_second_derivative_never_converges() -> None:
    # |x|^1.5 at 0: f'' ~ |x|^-0.5; its second differences grow as the step shrinks
    with pytest.warns(PrecisionWarning, match=r"H\[0, 0\] did not settle"):
        result = numerical_hessian(
            lambda x: abs(x[0]) ** 1.5 + x[1] ** 2, [0.0, 1.0], full_output=True
        )
    assert result.status[0, 0] == GradientStatus.STEP_TOO_LARGE and result.error[0, 0] == np.inf
    assert result.status[1, 1] == GradientStatus.CONVERGED and result.hess[1, 1] == pytest.approx(2)


def test_rtol_atol_and_max_levels_set_how_far_each_entry_goes() -> None:
    default = numerical_hessian(f, X.copy(), full_output=True)
    loose = numerical_hessian(f, X.copy(), rtol=1e-3, atol=1e-6, full_output=True)
    assert loose.nfev <= default.nfev and np.all(loose.status == GradientStatus.CONVERGED)
    assert np.all(np.abs(loose.hess - hessian(X)) <= loose.error)
    assert np.all(loose.error <= 1e-6 + 1e-3 * np.abs(loose.hess))
    with pytest.warns(PrecisionWarning, match="f's rounding limits"):
        tight = numerical_hessian(f, X.copy(), rtol=1e-12, full_output=True)
    assert tight.nfev > default.nfev, "a tight tolerance goes on while it improves"
    assert np.any(tight.status == GradientStatus.ROUNDING_LIMITED), "1e-12 is out of reach"
    assert np.all(np.abs(tight.hess - hessian(X)) <= tight.error)
    with pytest.warns(PrecisionWarning, match="used all its levels"):
        short = numerical_hessian(f, X.copy(), max_levels=2, full_output=True)
    assert np.any(short.status == GradientStatus.LEVEL_LIMIT)
    assert np.all(np.abs(short.hess - hessian(X)) <= short.error), "its bars still cover"
    with pytest.raises(ValueError, match="only to method='richardson'"):
        numerical_hessian(f, X, method="central", rtol=1e-6)


def test_bounds_keep_every_point_inside() -> None:
    # sqrt(x0) x1² at x0 = 1e-3 with bounds (0, inf): no point may go below 0
    seen: list[float] = []

    def g(v: np.ndarray) -> float:
        seen.append(float(v[0]))
        return float(np.sqrt(v[0]) * v[1] ** 2)

    x = np.array([1e-3, 1.5])
    result = numerical_hessian(g, x, bounds=(0.0, np.inf), full_output=True)
    assert min(seen) > 0, "a point left the bounds"
    exact = np.array(
        [
            [-0.25 * x[0] ** -1.5 * x[1] ** 2, x[1] / np.sqrt(x[0])],
            [x[1] / np.sqrt(x[0]), 2 * np.sqrt(x[0])],
        ]
    )
    assert np.all(np.abs(result.hess - exact) <= result.error), (result.hess, exact)
    with pytest.raises(ValueError, match=r"x\[0\] = 0.0 lies on its bound"):
        numerical_hessian(g, [0.0, 1.0], bounds=(0.0, np.inf))


def test_the_error_bar_covers_on_smooth_functions_without_false_flags() -> None:
    # the benchmark's three Hessians at n = 6, five random points each
    m = np.random.default_rng(3).standard_normal((6, 6))
    quad = m @ m.T / 6
    cases = [
        (
            lambda x: np.log(np.sum(np.exp(x))),
            lambda x: (
                np.diag(np.exp(x) / np.sum(np.exp(x)))
                - np.outer(np.exp(x), np.exp(x)) / np.sum(np.exp(x)) ** 2
            ),
        ),
        (
            lambda x: np.cos(x @ quad @ x / 4),
            lambda x: (
                -np.cos(x @ quad @ x / 4) * np.outer(quad @ x, quad @ x) / 4
                - np.sin(x @ quad @ x / 4) * quad / 2
            ),
        ),
    ]
    for seed in range(5):
        x = np.random.default_rng(seed).uniform(-1, 1, 6)
        for g, exact in cases:
            result = numerical_hessian(g, x, full_output=True)
            assert np.all(result.status == GradientStatus.CONVERGED), result.status
            assert np.all(np.abs(result.hess - exact(x)) <= result.error)


# --- the property: right to its bar, or flagged --------------------------------------


def _log_hessian(x: np.ndarray) -> np.ndarray:
    s = x[0] ** 2 + x[1] ** 2 + 0.01
    return np.array(
        [
            [2 / s - 4 * x[0] ** 2 / s**2, -4 * x[0] * x[1] / s**2],
            [-4 * x[0] * x[1] / s**2, 2 / s - 4 * x[1] ** 2 / s**2],
        ]
    )


#: Smooth and hostile functions of two variables with their Hessians (where they exist:
#: at x0 = 0 the last two have none, and must be flagged).
BATTERY = {
    "exp·sin": (
        lambda x: np.exp(0.3 * x[0]) * np.sin(x[1]) + x[0] * x[1] ** 2,
        lambda x: np.array(
            [
                [
                    0.09 * np.exp(0.3 * x[0]) * np.sin(x[1]),
                    0.3 * np.exp(0.3 * x[0]) * np.cos(x[1]) + 2 * x[1],
                ],
                [
                    0.3 * np.exp(0.3 * x[0]) * np.cos(x[1]) + 2 * x[1],
                    -np.exp(0.3 * x[0]) * np.sin(x[1]) + 2 * x[0],
                ],
            ]
        ),
    ),
    "a large constant": (
        lambda x: 1e8 + x[0] ** 2 * x[1],
        lambda x: np.array([[2 * x[1], 2 * x[0]], [2 * x[0], 0.0]]),
    ),
    "fast": (
        lambda x: np.sin(30 * x[0]) + np.cos(20 * x[1]),
        lambda x: np.diag([-900 * np.sin(30 * x[0]), -400 * np.cos(20 * x[1])]),
    ),
    "quartic": (lambda x: x[0] ** 4 + x[1] ** 4, lambda x: np.diag(12 * x**2)),
    "log near a pole": (lambda x: np.log(x[0] ** 2 + x[1] ** 2 + 0.01), _log_hessian),
    "relu²": (
        lambda x: max(x[0], 0.0) ** 2 + max(x[1], 0.0) ** 2 + x[0] * x[1],
        lambda x: np.array([[2.0 * (x[0] > 0), 1.0], [1.0, 2.0 * (x[1] > 0)]]),
    ),
    "x·|x|": (
        lambda x: x[0] * abs(x[0]) + x[1] * abs(x[1]),
        lambda x: np.diag(2 * np.sign(x)),
    ),
}


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(BATTERY)),
    x=st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    at_kink=st.booleans(),
)
def test_every_entry_is_right_to_its_bar_or_flagged(
    name: str, x: tuple[float, float], scale: float, at_kink: bool
) -> None:
    g, exact = BATTERY[name]
    point = np.array(x) * (1.0 if name == "fast" else scale)
    kink = at_kink and name in ("relu²", "x·|x|")
    if kink:
        point[0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = numerical_hessian(g, point, full_output=True)
    if kink:
        assert result.status[0, 0] != GradientStatus.CONVERGED, f"{name}: no H00 at x0 = 0"
        return
    error = np.abs(result.hess - exact(point))
    dishonest = (error > result.error) & (result.status == GradientStatus.CONVERGED)
    assert not dishonest.any(), (
        f"{name} at {point}: {result.hess} against {exact(point)}, bars {result.error}"
    )


def test_an_entry_from_subnormal_values_of_f_is_right_to_its_bar_or_flagged() -> None:
    # f's values along x0 are subnormal (about 2.2e-316, spaced 4.9e-324 apart: some 8
    # digits). Their rounding was modelled as 8 eps·|f|, which underflows to 0 there, so
    # every second difference looked exact: H00 came out 0 ± 6.8e-322 and CONVERGED
    # (the truth is 0.09 sin(x1) = 2.0e-317), or NONSMOOTH where x1 = 2.2e-316.
    g, exact = BATTERY["exp·sin"]
    for x1 in (2.2250738585e-316, 2.2e-316):
        point = np.array([0.0, x1])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = numerical_hessian(g, point, full_output=True)
        truth = 0.09 * np.sin(x1)
        off = abs(result.hess[0, 0] - truth)
        assert off <= result.error[0, 0] or (
            result.status[0, 0] != GradientStatus.CONVERGED
            and any(issubclass(w.category, PrecisionWarning) for w in caught)
        ), (
            f"at x1 = {x1}, H00 = {result.hess[0, 0]} ± {result.error[0, 0]} "
            f"(status {result.status[0, 0]}) against the true {truth}: f's rounding of "
            "subnormal values was taken for none, and a wrong entry passed as converged"
        )
        assert result.status[0, 0] != GradientStatus.NONSMOOTH, (
            f"at x1 = {x1}, H00 of a smooth f was called a kink: f's rounding of "
            "subnormal values was taken for a change in f''"
        )
        assert np.all(np.abs(result.hess - exact(point)) <= result.error), (
            f"at x1 = {x1}: {result.hess} against {exact(point)}, bars {result.error}"
        )


def test_steps_near_multiples_of_a_period_of_f_are_caught() -> None:
    # At x1 = 1218.75 the first step, 0.165 · 1218.75 = 201.02, is within 0.02% of 64π:
    # the ladder's first six steps all sample sin at nearly whole periods and agree,
    # perfectly asymptotic, on H11 ≈ 8.6e-9. The true H11 is -sin(1218.75) = 0.187.
    def g(x: np.ndarray) -> float:
        return float(np.exp(0.3 * x[0]) * np.sin(x[1]) + x[0] * x[1] ** 2)

    x = np.array([0.0, 1218.75])
    exact = np.array(
        [
            [0.09 * np.sin(x[1]), 0.3 * np.cos(x[1]) + 2 * x[1]],
            [0.3 * np.cos(x[1]) + 2 * x[1], -np.sin(x[1])],
        ]
    )
    result = numerical_hessian(g, x, full_output=True)
    error = np.abs(result.hess - exact)
    honest = (error <= result.error) | (result.status != GradientStatus.CONVERGED)
    assert honest.all(), f"{result.hess} against {exact}, bars {result.error}"
    assert error[1, 1] < 1e-6, f"H11 = {result.hess[1, 1]}, truth {exact[1, 1]}"


def test_a_fortran_ordered_x_is_perturbed_where_f_sees_it() -> None:
    # reshape(-1) copies a Fortran-ordered array: writes there never reached f, whose
    # unchanged values gave a zero Hessian, CONVERGED.
    x = np.asfortranarray([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    result = numerical_hessian(lambda v: np.sum(v**3), x, full_output=True)
    expected = np.diag(6 * x.reshape(-1))
    hess = result.hess.reshape(6, 6)
    assert np.allclose(hess, expected, rtol=1e-6, atol=1e-8), (
        f"the Hessian of sum(v**3) is diag(6v) at a Fortran-ordered x, got {np.diag(hess)}"
    )
    assert x.flags.f_contiguous and x.tolist() == [[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]
