"""The safe formula parser: what it computes, and what it refuses before running anything."""

from __future__ import annotations

import ast
import builtins
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradwalk import numerical_gradient
from gradwalk._formulas import MAX_DEPTH, MAX_LENGTH, Expression, ExpressionError, parse_expression

GRID = np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4)), axis=-1)  # (4, 5, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x0**2 + x1**2", lambda a, b: a**2 + b**2),
        ("x**2 + y**2", lambda a, b: a**2 + b**2),
        ("sin(x) * exp(-y**2)", lambda a, b: np.sin(a) * np.exp(-(b**2))),
        ("100*(x1 - x0**2)**2 + (1 - x0)**2", lambda a, b: 100 * (b - a**2) ** 2 + (1 - a) ** 2),
        ("-x0 / (1 + abs(x1))", lambda a, b: -a / (1 + np.abs(b))),
        ("arctan2(x1, x0) + hypot(x0, x1)", lambda a, b: np.arctan2(b, a) + np.hypot(a, b)),
        ("2 * pi * e + x0 * 0", lambda a, b: 2 * np.pi * np.e + 0 * a),
        ("+x0 - -x1", lambda a, b: a + b),
        ("x0**-2", lambda a, b: a**-2.0),
    ],
)
def test_formulas_compute_what_numpy_computes(text: str, expected: Any) -> None:
    f = parse_expression(text)
    with np.errstate(all="ignore"):
        want = expected(GRID[..., 0], GRID[..., 1])
    got = f(GRID)
    assert got.shape == (4, 5), f"{text!r} should give one value per point of the grid"
    np.testing.assert_allclose(got, want, rtol=1e-15, err_msg=f"{text!r} computed wrongly")
    for index in np.ndindex(4, 5):  # one point at a time gives the same numbers
        np.testing.assert_allclose(f(GRID[index]), want[index], rtol=1e-15)


def test_variables_and_size_are_reported() -> None:
    f = parse_expression("x3 * x1")
    assert f.variables == ("x1", "x3")
    assert f.size == 4, "x3 is the fourth coordinate"
    assert parse_expression("y").size == 2, "y is x1, so a point needs two coordinates"
    constant = parse_expression("3")
    assert constant.size == 0
    assert constant(GRID).shape == (4, 5), "a constant formula still gives one value per point"
    assert np.all(constant(GRID) == 3.0)


def test_gradient_of_a_formula_matches_the_analytic_gradient() -> None:
    f = parse_expression("x0**2 + x1**2")
    np.testing.assert_allclose(numerical_gradient(f, np.array([3.0, 4.0])), [6.0, 8.0], rtol=1e-9)
    g = parse_expression("sin(x) * exp(-y**2)")
    x, y = 0.7, -0.4
    analytic = [np.cos(x) * np.exp(-(y**2)), -2 * y * np.sin(x) * np.exp(-(y**2))]
    np.testing.assert_allclose(numerical_gradient(g, np.array([x, y])), analytic, rtol=1e-7)


def test_dtypes_are_kept_and_integers_computed_as_floats() -> None:
    f = parse_expression("x0 * 2.5 + x1")
    assert f(np.array([1.0, 2.0], dtype=np.float32)).dtype == np.float32
    assert f(np.array([1, 2])) == 4.5, "integer points must not be truncated"
    assert f(np.array([1 + 1j, 2])) == 4.5 + 2.5j, "complex points serve the complex step"
    with pytest.raises(TypeError, match="dtype <U1"):
        f(np.array(["1", "2"]))


def test_a_point_with_too_few_coordinates_is_refused() -> None:
    with pytest.raises(ValueError, match=r"uses x2, so a point needs at least 3 coordinates"):
        parse_expression("x0 + x2")(np.array([1.0, 2.0]))


def test_invalid_arithmetic_gives_nan_without_warnings() -> None:
    f = parse_expression("log(x0) + 1 / x1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = f(np.array([[-1.0, 1.0], [1.0, 0.0]]))
    assert np.isnan(value[0]) and np.isinf(value[1])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('echo hacked')", r"calling \"__import__\('os'\)\.system\""),
        ("__import__('os')", r"calling '__import__'"),
        ("().__class__", "attribute access is not allowed"),
        ("(x0, x1)", "a tuple is not allowed"),
        ("x0.__class__", "attribute access is not allowed"),
        ("(1).__class__.__bases__[0].__subclasses__()", "calling"),
        ("lambda: 1", "a lambda is not allowed"),
        ("[t for t in (1, 2)]", "a list comprehension is not allowed"),
        ("{t for t in (1, 2)}", "a set comprehension is not allowed"),
        ("sum(t for t in (1, 2))", "calling 'sum'"),
        ("open('/etc/passwd')", "calling 'open'"),
        ("eval('1')", "calling 'eval'"),
        ("x0[0]", "indexing is not allowed"),
        ("'a' * 3", "a str constant is not allowed"),
        ("True + x0", "a bool constant is not allowed"),
        ("1j * x0", "a complex constant is not allowed"),
        ("x0 if x1 else 1", "if/else is not allowed"),
        ("x0 < x1", "a comparison is not allowed"),
        ("x0 and x1", "and/or is not allowed"),
        ("(y := 2)", "the := operator is not allowed"),
        ("x0 % 2", "the operator Mod is not allowed"),
        ("x0 // 2", "the operator FloorDiv is not allowed"),
        ("x0 @ x1", "the operator MatMult is not allowed"),
        ("~x0", "the operator Invert is not allowed"),
        ("f'{x0}'", "an f-string is not allowed"),
        ("import os", "not a formula that can be read"),
        ("x0; x1", "not a formula that can be read"),
        ("np.sin(x0)", "calling 'np.sin'"),
        ("z + 1", "unknown name 'z'"),
        ("os", "unknown name 'os'"),
        ("sin", "'sin' is a function: call it"),
        ("sin(x0, x1)", "sin takes 1 argument"),
        ("hypot(x0)", "hypot takes 2 arguments"),
        ("sin(x=x0)", "sin takes 1 argument"),
        ("x + x1", "mixes x, y with x0, x1"),
        ("x100", "beyond x99"),
        ("x01", "unknown name 'x01'"),
        ("", "the formula is empty"),
        ("x0\x00", "cannot be read|null bytes"),
        ("1e999 * x0", "too large for a float"),
        ("9" * 400 + " * x0", "too large for a float"),
    ],
)
def test_anything_but_arithmetic_is_refused(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_expression(text)


@pytest.mark.parametrize(
    "text",
    [
        "9**9**9**9",
        "2**1000 * x0",
        "x0**1e10",
        "x0**(-101)",
        "x0**(2**7)",
        "(10**10)**x0 + x0**(5*30)",
    ],
)
def test_huge_constant_exponents_are_refused_at_once(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionError, match="constant exponent"):
        parse_expression(text)
    assert time.perf_counter() - started < 1.0, f"refusing {text!r} should take no time"


def test_exponents_up_to_the_limit_are_fine() -> None:
    assert parse_expression("x0**100")(np.array([1.01])) == pytest.approx(1.01**100, rel=1e-12)
    assert parse_expression("x0**x1")(np.array([2.0, 10.0])) == 1024.0, "a variable exponent"


def test_a_100_kb_string_is_refused_by_its_length() -> None:
    with pytest.raises(ExpressionError, match=f"100001 characters long; at most {MAX_LENGTH}"):
        parse_expression("x0+" * 33333 + "x0")
    assert len("x0+" * 33333 + "x0") == 100001
    with pytest.raises(ExpressionError, match="characters long"):
        parse_expression("(" * 100_000)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} levels"):
        parse_expression("-" * 500 + "x0")
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} levels"):
        parse_expression("sin(" * 150 + "x0" + ")" * 150)
    with pytest.raises(ExpressionError):  # too deep even for Python's own parser
        parse_expression("(" * 400 + "x0" + ")" * 400)
    assert parse_expression("-" * 50 + "x0")(np.array([2.0])) == 2.0, "50 minus signs are fine"


def test_non_strings_are_refused() -> None:
    with pytest.raises(TypeError, match="must be a string"):
        parse_expression(b"x0")  # type: ignore[arg-type]


def test_hostile_input_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No eval, no exec, and compile only ever to build a syntax tree."""
    target = tmp_path / "hacked"
    calls: list[str] = []
    real_compile = builtins.compile

    def no_eval(*args: object, **kwargs: object) -> None:
        calls.append("eval/exec")
        raise AssertionError("the formula was passed to eval or exec")

    def tree_only(
        source: Any, filename: Any, mode: Any, flags: int = 0, *args: Any, **kwargs: Any
    ) -> Any:
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise AssertionError("the formula was compiled to code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    monkeypatch.setattr(builtins, "compile", tree_only)
    attacks = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w').write('x')",
        f"(lambda: __import__('os').system('touch {target}'))()",
        f"[__import__('os').system('touch {target}') for _ in (1,)]",
    ]
    for attack in attacks:
        with pytest.raises(ExpressionError):
            parse_expression(attack)
    f = parse_expression("sin(x) * exp(-y**2)")
    f(GRID)
    assert not target.exists(), "a hostile formula ran"
    assert calls == [], f"code was run or compiled: {calls}"


def test_expression_repr_shows_the_formula() -> None:
    f = parse_expression("x0**2 + x1**2")
    assert isinstance(f, Expression)
    assert "x0**2 + x1**2" in repr(f)
    assert f == parse_expression("x0**2 + x1**2"), "the same formula compares equal"


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("x^2", "write ** for powers, as in 'x**2'"),
        ("2x0", "write 2*x0, not '2x0'"),
        ("x0 + 2.5e3x1", "write 2.5e3*x1"),
        ("3(x + 1)", "need a * between them"),
        ("sni(x)", "(did you mean 'sin'?)"),
        ("xx + 1", "(did you mean 'x'?)"),
        ("x^2 + y^2", "('x^2 + y^2' at column 2): write ** for powers, as in 'x**2 + y**2'"),
        (
            "x0² + x1²",
            "at column 3, a superscript that a formula does not read: type it in ASCII, "
            "'x0**2 + x1**2'",
        ),
        ("x0**2 ＋ x1**2", "'＋' (U+FF0B) at column 7, a full-width or typographic character"),
        ("x**2＋y³", "type it in ASCII, 'x**2+y**3'"),
        ("sin(x)*exp(−y²)", "'−' (U+2212) at column 12"),
    ],
)
def test_formulas_as_people_type_them_get_the_fix(text: str, advice: str) -> None:
    with pytest.raises(ExpressionError) as error:
        parse_expression(text)
    assert advice in str(error.value), f"{text!r}: expected {advice!r} in {error.value}"


def test_the_functions_a_formula_calls_and_which_the_complex_step_cannot_use() -> None:
    f = parse_expression("hypot(x0, x1) + sin(x0) + abs(x1) + sin(x1)")
    assert f.functions == ("hypot", "sin", "abs")
    assert f.complex_unsafe == ("hypot has no complex version", "abs drops the imaginary part")
    assert parse_expression("exp(x) * cos(y)").complex_unsafe == ()
