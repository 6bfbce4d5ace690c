"""Safe formulas: text such as ``"x0**2 + x1**2"`` turned into a vectorized NumPy function.

The text is parsed into a Python syntax tree (:mod:`ast`), every node is checked against
a whitelist, and the checked tree is turned into nested NumPy calls. The text is never
given to ``eval`` or ``compile``: a formula can only compute with numbers, the
variables, ``+ - * / **``, unary minus and a fixed set of NumPy functions. Length,
nesting depth and constant exponents are limited, so that a hostile formula fails with
:class:`ExpressionError` before anything runs.

>>> import numpy as np
>>> f = parse_expression("x0**2 + x1**2")
>>> f(np.array([3.0, 4.0]))
array(25.)
>>> f(np.array([[3.0, 4.0], [1.0, 1.0]]))  # vectorized over leading axes
array([25.,  2.])
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._common.language import gettext as _
from ._common.language import gettext_noop as N_

__all__ = ["Expression", "ExpressionError", "ascii_spelling", "parse_expression"]

#: Longest formula accepted, in characters.
MAX_LENGTH = 1000
#: Deepest nesting of the syntax tree accepted (each operation or call is one level).
MAX_DEPTH = 100
#: Largest absolute value of an exponent that is a constant, as in ``x**100``.
MAX_EXPONENT = 100.0
#: Largest index of a variable: x0 ... x99.
MAX_VARIABLE = 99

_Array = NDArray[Any]
_Node = Callable[[_Array], Any]

#: The functions a formula may call, with their number of arguments.
_FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "abs": (np.abs, 1),
    "arccos": (np.arccos, 1),
    "arccosh": (np.arccosh, 1),
    "arcsin": (np.arcsin, 1),
    "arcsinh": (np.arcsinh, 1),
    "arctan": (np.arctan, 1),
    "arctan2": (np.arctan2, 2),
    "arctanh": (np.arctanh, 1),
    "cbrt": (np.cbrt, 1),
    "cos": (np.cos, 1),
    "cosh": (np.cosh, 1),
    "exp": (np.exp, 1),
    "expm1": (np.expm1, 1),
    "hypot": (np.hypot, 2),
    "log": (np.log, 1),
    "log10": (np.log10, 1),
    "log1p": (np.log1p, 1),
    "log2": (np.log2, 1),
    "maximum": (np.maximum, 2),
    "minimum": (np.minimum, 2),
    "sin": (np.sin, 1),
    "sinh": (np.sinh, 1),
    "sqrt": (np.sqrt, 1),
    "tan": (np.tan, 1),
    "tanh": (np.tanh, 1),
}
#: Functions the complex step cannot use, and why.
_NOT_COMPLEX = {
    "abs": "drops the imaginary part",
    "arctan2": "has no complex version",
    "cbrt": "has no complex version",
    "hypot": "has no complex version",
}
_CONSTANTS = {"pi": float(np.pi), "e": float(np.e)}
_BINARY: dict[type[ast.operator], tuple[Callable[[Any, Any], Any], str]] = {
    ast.Add: (np.add, "+"),
    ast.Sub: (np.subtract, "-"),
    ast.Mult: (np.multiply, "*"),
    ast.Div: (np.true_divide, "/"),
    ast.Pow: (np.power, "**"),
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: np.negative,
    ast.UAdd: np.positive,
}
_NUMBERED = re.compile(r"x(0|[1-9][0-9]*)")
_LETTERS = {"x": 0, "y": 1}


def _allowed() -> str:
    """What a formula may use, in the current language."""
    return _(
        "A formula may use numbers, the variables x0, x1, ... (or x and y), the constants "
        "pi and e, + - * / ** and parentheses, and the functions {functions}."
    ).format(functions=", ".join(_FUNCTIONS))


#: What the rejected kinds of syntax are called in error messages.
_DESCRIBED = {
    ast.Attribute: N_("attribute access"),
    ast.Subscript: N_("indexing"),
    ast.Lambda: N_("a lambda"),
    ast.ListComp: N_("a list comprehension"),
    ast.SetComp: N_("a set comprehension"),
    ast.DictComp: N_("a dict comprehension"),
    ast.GeneratorExp: N_("a generator expression"),
    ast.Compare: N_("a comparison"),
    ast.BoolOp: N_("and/or"),
    ast.IfExp: N_("if/else"),
    ast.NamedExpr: N_("the := operator"),
    ast.Await: N_("await"),
    ast.Yield: N_("yield"),
    ast.YieldFrom: N_("yield"),
    ast.JoinedStr: N_("an f-string"),
    ast.List: N_("a list"),
    ast.Tuple: N_("a tuple"),
    ast.Set: N_("a set"),
    ast.Dict: N_("a dict"),
    ast.Starred: N_("unpacking with *"),
}


class ExpressionError(ValueError):
    """A formula that is not allowed or cannot be read; nothing of it was run."""


@dataclass(frozen=True)
class Expression:
    """A checked formula, callable on arrays of points.

    Calling it with an array of shape ``(..., n)`` evaluates the formula at every point
    along the leading axes and returns an array of shape ``(...)``; ``n`` must be at
    least :attr:`size`.

    Attributes
    ----------
    text : str
        The formula as typed.
    variables : tuple of str
        The variables it uses, as typed, in the order of their coordinates.
    size : int
        How many coordinates a point needs (one more than the largest variable index).
    functions : tuple of str
        The functions it calls, each once, in the order they first appear.
    """

    text: str
    variables: tuple[str, ...]
    size: int
    functions: tuple[str, ...]
    _evaluate: _Node = field(repr=False, compare=False)

    @property
    def complex_unsafe(self) -> tuple[str, ...]:
        """Why the complex step cannot differentiate it: one phrase per function, or ()."""
        return tuple(
            f"{name} {_NOT_COMPLEX[name]}" for name in self.functions if name in _NOT_COMPLEX
        )

    def __call__(self, x: ArrayLike) -> NDArray[np.floating]:
        """Evaluate the formula at the point(s) x, shape ``(..., n)``.

        Integers are computed as float64; floating and complex dtypes are kept (complex
        input serves the complex-step method). Invalid operations (log of a negative
        number, overflow) give nan or inf without a warning.
        """
        points = np.asarray(x)
        if points.dtype.kind in "biu":
            points = points.astype(np.float64)
        elif points.dtype.kind not in "fc":
            raise TypeError(
                f"{_quoted(self.text)} is evaluated on numbers; got an array of dtype "
                f"{points.dtype}. Pass floats, e.g. np.array([3.0, 4.0])."
            )
        if self.size and (points.ndim == 0 or points.shape[-1] < self.size):
            raise ValueError(
                f"{_quoted(self.text)} uses {self.variables[-1]}, so a point needs at least "
                f"{self.size} coordinates along the last axis; got an array of shape "
                f"{points.shape}."
            )
        shape = points.shape[:-1] if points.ndim else ()
        with np.errstate(all="ignore"):
            value = np.asarray(self._evaluate(points))
        if value.shape != shape:
            value = np.array(np.broadcast_to(value, shape))
        return value


def _quoted(text: str | None, limit: int = 60) -> str:
    """A piece of a formula, quoted and shortened for an error message."""
    text = text or ""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


def _fail(what: str, node: ast.AST, text: str) -> ExpressionError:
    """An error naming the offending part of the formula and what is allowed instead."""
    snippet = _quoted(ast.get_source_segment(text, node) or what)
    column = getattr(node, "col_offset", 0) + 1
    return ExpressionError(
        _("{what} is not allowed in a formula ({snippet} at column {column}).").format(
            what=what, snippet=snippet, column=column
        )
        + " "
        + _allowed()
    )


def _variable_index(name: str) -> int | None:
    """The coordinate a variable name refers to, or None when it is no variable."""
    if name in _LETTERS:
        return _LETTERS[name]
    match = _NUMBERED.fullmatch(name)
    return int(match.group(1)) if match else None


class _Checker:
    """Walks a syntax tree, rejecting anything outside the whitelist, and builds it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.used: dict[int, str] = {}
        self.names: set[str] = set()
        self.functions: dict[str, None] = {}

    def build(self, node: ast.AST, depth: int) -> tuple[_Node, float | None]:
        """The NumPy function of a checked node and, for a constant subtree, its value."""
        if depth > MAX_DEPTH:
            raise ExpressionError(
                _(
                    "the formula is nested more than {depth} levels deep; write it with "
                    "fewer nested operations."
                ).format(depth=MAX_DEPTH)
            )
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            unary = _UNARY[type(node.op)]
            operand, constant = self.build(node.operand, depth + 1)
            return (lambda x: unary(operand(x))), _fold(unary, constant)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self._binary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            segment = ast.get_source_segment(self.text, node) or "x^2"
            column = node.col_offset + segment.index("^") + 1 if "^" in segment else 1
            raise ExpressionError(
                _(
                    "'^' is not a power in a formula ({segment} at column {column}): write ** "
                    "for powers, as in {fixed}."
                ).format(
                    segment=_quoted(segment),
                    column=column,
                    fixed=_quoted(segment.replace("^", "**")),
                )
            )
        if isinstance(node, ast.UnaryOp | ast.BinOp):
            what = _("the operator {name}").format(name=type(node.op).__name__)
            raise _fail(what, node, self.text)
        described = _DESCRIBED.get(type(node))
        raise _fail(_(described) if described else type(node).__name__, node, self.text)

    def _number(self, node: ast.Constant) -> tuple[_Node, float | None]:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            what = _("a {kind} constant").format(kind=type(value).__name__)
            raise _fail(what, node, self.text)
        try:
            number = float(value)
        except OverflowError:
            number = float("inf")
        if not np.isfinite(number):
            raise ExpressionError(
                _("the number {number} is too large for a float (about 1.8e308 at most).").format(
                    number=_quoted(ast.get_source_segment(self.text, node))
                )
            )
        return (lambda x: number), number

    def _name(self, node: ast.Name) -> tuple[_Node, float | None]:
        if node.id in _CONSTANTS:
            constant = _CONSTANTS[node.id]
            return (lambda x: constant), constant
        index = _variable_index(node.id)
        if index is None:
            hint = (
                _("'{name}' is a function: call it, as in {name}(x0)").format(name=node.id)
                if node.id in _FUNCTIONS
                else _("unknown name {name}").format(name=_quoted(node.id)) + _did_you_mean(node.id)
            )
            raise ExpressionError(
                _(
                    "{hint} (at column {column}). Variables are x0, x1, ... (or x and y); "
                    "constants are pi and e."
                ).format(hint=hint, column=node.col_offset + 1)
            )
        if index > MAX_VARIABLE:
            raise ExpressionError(
                _(
                    "the variable {name} is beyond x{last}; a formula has at most {count} "
                    "variables."
                ).format(name=_quoted(node.id), last=MAX_VARIABLE, count=MAX_VARIABLE + 1)
            )
        self.used.setdefault(index, node.id)
        self.names.add(node.id)
        return (lambda x: x[..., index]), None

    def _binary(self, node: ast.BinOp, depth: int) -> tuple[_Node, float | None]:
        function, symbol = _BINARY[type(node.op)]
        left, left_constant = self.build(node.left, depth + 1)
        right, right_constant = self.build(node.right, depth + 1)
        if symbol == "**" and right_constant is not None and abs(right_constant) > MAX_EXPONENT:
            raise ExpressionError(
                _(
                    "the constant exponent in {power} is {exponent:.6g}; exponents up to "
                    "{largest:g} in absolute value are allowed."
                ).format(
                    power=_quoted(ast.get_source_segment(self.text, node)),
                    exponent=right_constant,
                    largest=MAX_EXPONENT,
                )
            )
        folded = None
        if left_constant is not None and right_constant is not None:
            with np.errstate(all="ignore"):
                folded = float(function(np.float64(left_constant), np.float64(right_constant)))
        return (lambda x: function(left(x), right(x))), folded

    def _call(self, node: ast.Call, depth: int) -> tuple[_Node, float | None]:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            called = _quoted(ast.get_source_segment(self.text, node.func) or "this")
            if isinstance(node.func, ast.Constant):
                raise ExpressionError(
                    _(
                        "{called} is a number, not a function (at column {column}): a number "
                        "and what it multiplies need a * between them, as in {fixed}."
                    ).format(
                        called=called,
                        column=node.col_offset + 1,
                        fixed=_quoted(called.strip(chr(39)) + "*(...)"),
                    )
                )
            if isinstance(node.func, ast.Name) and _did_you_mean(node.func.id, _FUNCTIONS):
                raise ExpressionError(
                    _("unknown function {called} (at column {column})").format(
                        called=called, column=node.col_offset + 1
                    )
                    + _did_you_mean(node.func.id, _FUNCTIONS)
                    + ". "
                    + _allowed()
                )
            raise _fail(_("calling {called}").format(called=called), node, self.text)
        name = node.func.id
        self.functions.setdefault(name, None)
        function, arity = _FUNCTIONS[name]
        if node.keywords or len(node.args) != arity:
            message = (
                _("{name} takes 1 argument, written {written}; got {got}.")
                if arity == 1
                else _("{name} takes {arity} arguments, written {written}; got {got}.")
            )
            raise ExpressionError(
                message.format(
                    name=name,
                    arity=arity,
                    written=f"{name}({', '.join(['x0', 'x1'][:arity])})",
                    got=_quoted(ast.get_source_segment(self.text, node)),
                )
            )
        built = [self.build(argument, depth + 1) for argument in node.args]
        if arity == 1:
            ((only, constant),) = built
            return (lambda x: function(only(x))), _fold(function, constant)
        (first, first_constant), (second, second_constant) = built
        folded = None
        if first_constant is not None and second_constant is not None:
            with np.errstate(all="ignore"):
                folded = float(function(first_constant, second_constant))
        return (lambda x: function(first(x), second(x))), folded


def _did_you_mean(name: str, choices: Iterable[str] | None = None) -> str:
    """ " (did you mean 'sin'?)" for the closest known name, or ""."""
    known = (
        list(choices) if choices is not None else [*_FUNCTIONS, *_CONSTANTS, "x", "y", "x0", "x1"]
    )
    close = difflib.get_close_matches(name.lower(), known, n=1)
    return " " + _("(did you mean {name!r}?)").format(name=close[0]) if close else ""


#: A number followed at once by a name or a parenthesis: ``2x0``, ``3(x + 1)``.
_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])(\d+\.?\d*(?:[eE][-+]?\d+)?)\s*([A-Za-z_(][\w]*)")


def _fold(function: Callable[[Any], Any], constant: float | None) -> float | None:
    """The value of a function of a constant, or None when the argument is no constant."""
    if constant is None:
        return None
    with np.errstate(all="ignore"):
        return float(function(np.float64(constant)))


#: Superscript digits and minus, as an input method types them: x² is x**2.
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-", strict=True))
_POWER = re.compile("[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
#: Signs that are not ASCII but have an ASCII spelling (besides the full-width forms).
_SIGNS = {"×": "*", "·": "*", "÷": "/", "−": "-", "、": ",", "\u3000": " "}


def ascii_spelling(text: str) -> str:
    """The text with what an input method types for ASCII (full-width letters, digits
    and signs, superscript powers, × ÷ −) spelled in ASCII; other text unchanged.

    Chinese and Japanese input methods type full-width forms (``＋``, ``，``, ``３``) and
    superscripts (``x²``) that look like what a formula needs but are other characters.

    >>> ascii_spelling("x0² + x1²")
    'x0**2 + x1**2'
    >>> ascii_spelling("x０＊＊２＋ｙ，-3，4")
    'x0**2+y,-3,4'
    """
    spelled = _POWER.sub(
        lambda match: "**" + "".join(_SUPERSCRIPTS[c] for c in match.group(0)), text
    )
    return "".join(
        chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else _SIGNS.get(c, c) for c in spelled
    )


def _non_ascii(text: str) -> ExpressionError | None:
    """The error for a formula typed with an input method's characters, with its ASCII."""
    spelled = ascii_spelling(text)
    if spelled == text:
        return None
    column, char = next(
        (i, c) for i, c in enumerate(text) if ascii_spelling(c) != c or c in _SUPERSCRIPTS
    )
    if char in _SUPERSCRIPTS:
        message = _(
            "{text} has {char!r} (U+{code:04X}) at column {column}, a superscript that a "
            "formula does not read: type it in ASCII, {spelled} (write ** for powers)."
        )
    else:
        message = _(
            "{text} has {char!r} (U+{code:04X}) at column {column}, a full-width or "
            "typographic character that a formula does not read: type it in ASCII, "
            "{spelled} (switch the input method to half-width)."
        )
    return ExpressionError(
        message.format(
            text=_quoted(text),
            char=char,
            code=ord(char),
            column=column + 1,
            spelled=_quoted(spelled),
        )
    )


def parse_expression(text: str) -> Expression:
    """Check a formula such as ``"x0**2 + x1**2"`` and return it as a NumPy function.

    Parameters
    ----------
    text : str
        A formula in the variables x0, x1, ... (or x and y, meaning x0 and x1), with
        numbers, the constants pi and e, ``+ - * / **``, unary minus, parentheses and
        the functions abs, sin, cos, tan, arcsin, arccos, arctan, arctan2, sinh, cosh,
        tanh, arcsinh, arccosh, arctanh, exp, expm1, log, log1p, log2, log10, sqrt,
        cbrt, hypot, minimum and maximum. At most 1000 characters, nested at most 100
        levels deep, with constant exponents of at most 100 in absolute value.

    Returns
    -------
    Expression
        Callable on arrays of shape ``(..., n)``, returning shape ``(...)``.

    Raises
    ------
    ExpressionError
        For anything else (attribute access, other names, calls, lambdas, strings,
        comprehensions, ...), with what was wrong and where; nothing of the text runs.

    Examples
    --------
    >>> import numpy as np
    >>> f = parse_expression("sin(x) * exp(-y**2)")
    >>> f.variables, f.size
    (('x', 'y'), 2)
    >>> bool(np.isclose(f(np.array([np.pi / 2, 0.0])), 1.0))
    True
    >>> parse_expression("().__class__")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gradwalk._formulas.ExpressionError: attribute access is not allowed in a formula ...
    """
    if not isinstance(text, str):
        raise TypeError(f"a formula must be a string, got {type(text).__name__} {text!r:.60}.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            _("the formula is {length} characters long; at most {most} are allowed.").format(
                length=len(text), most=MAX_LENGTH
            )
        )
    if not text.strip():
        raise ExpressionError(_("the formula is empty.") + " " + _allowed())
    spelled = _non_ascii(text.strip())
    if spelled is not None:
        raise spelled
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        where = _(" at column {column}").format(column=error.offset) if error.offset else ""
        product = _IMPLICIT_PRODUCT.search(text)
        if product:
            number, name = product.groups()
            raise ExpressionError(
                _(
                    "{text} cannot be read{where}: a number and what it multiplies need a * "
                    "between them: write {fixed}, not {written!r}."
                ).format(
                    text=_quoted(text),
                    where=where,
                    fixed=f"{number}*{name}",
                    written=product.group(0),
                )
            ) from None
        raise ExpressionError(
            _("{text} is not a formula that can be read: {reason}{where}.").format(
                text=_quoted(text), reason=error.msg, where=where
            )
            + " "
            + _allowed()
        ) from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise ExpressionError(
            _("{text} cannot be read: {reason}.").format(text=_quoted(text), reason=error)
        ) from None
    checker = _Checker(text.strip())
    evaluate, _constant = checker.build(tree.body, 1)
    styles = {name in _LETTERS for name in checker.names}
    if len(styles) > 1:
        raise ExpressionError(
            _(
                "{text} mixes x, y with x0, x1, ...: x means x0 and y means x1, so use one "
                "style, e.g. 'x0**2 + x1**2' or 'x**2 + y**2'."
            ).format(text=_quoted(text))
        )
    order = sorted(checker.used)
    size = order[-1] + 1 if order else 0
    variables = tuple(checker.used[i] for i in order)
    return Expression(text, variables, size, tuple(checker.functions), evaluate)
