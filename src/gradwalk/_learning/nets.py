"""The book's networks: ``SimpleNet`` (section 4.4.2) and ``TwoLayerNet`` (section 4.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.rng import make_rng
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk.functions import cross_entropy_error, sigmoid, softmax

__all__ = ["SimpleNet", "TwoLayerNet", "simpleNet"]


class SimpleNet:
    """A single 2×3 weight matrix, softmax and cross-entropy (the book's ``simpleNet``).

    Parameters
    ----------
    W : array_like, optional
        The weights (copied, as float64). Without it, W is drawn from a standard normal.
    seed : int, numpy.random.Generator or numpy.random.RandomState, optional
        Seed or generator for the random W, for reproducible runs. A legacy
        ``RandomState`` draws W with its own ``randn``, as the book's ``np.random.randn``.

    Notes
    -----
    The book's ``simpleNet()`` draws W with ``np.random.randn``, so ``np.random.seed(0)``
    makes it reproducible there. ``SimpleNet()`` draws from its own generator and
    ignores ``np.random.seed``: pass ``seed=0``, or ``seed=np.random.RandomState(0)``
    for the same W that ``np.random.seed(0); np.random.randn(2, 3)`` gives.

    Raises
    ------
    ValueError
        Both W and seed are given, or W is not a 2-D matrix (or not numbers).

    Examples
    --------
    >>> net = SimpleNet(W=[[0.47355232, 0.9977393, 0.84668094],
    ...                    [0.85557411, 0.03563661, 0.69422093]])
    >>> net.predict(np.array([0.6, 0.9]))
    array([1.05414809, 0.63071653, 1.1328074 ])
    >>> round(float(net.loss(np.array([0.6, 0.9]), np.array([0, 0, 1]))), 10)
    0.9280682858
    """

    W: NDArray[np.float64]

    def __init__(
        self,
        W: ArrayLike | None = None,
        *,
        seed: int | np.random.Generator | np.random.RandomState | None = None,
    ) -> None:
        if W is not None and seed is not None:
            raise ValueError("pass either W or seed, not both: seed only draws a random W.")
        if W is None:
            if isinstance(seed, np.random.RandomState):
                self.W = seed.randn(2, 3)
            else:
                rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
                self.W = rng.standard_normal((2, 3))
        else:
            weights = np.array(W, dtype=np.float64)
            if weights.ndim != 2:
                raise ValueError(f"W must be a 2-D matrix, got shape {weights.shape}.")
            self.W = weights

    def predict(self, x: ArrayLike) -> Any:
        """Scores ``x · W``.

        Raises
        ------
        ValueError
            x does not have as many values per sample as W has rows (2 for the book's
            net): the message says what x should look like.
        """
        inputs = self.W.shape[0]
        if np.shape(x)[-1:] != (inputs,):
            shape = np.shape(x)
            raise ValueError(
                f"x has shape {shape}, but simpleNet's W has {inputs} rows, so it takes "
                f"{inputs} values per sample: pass x of shape ({inputs},) such as the book's "
                f"np.array([0.6, 0.9]), or a batch of shape (N, {inputs}). For "
                f"{shape[-1] if shape else 1} inputs build simpleNet(W=...) with "
                f"{shape[-1] if shape else 1} rows."
            )
        return np.dot(x, self.W)

    def loss(self, x: ArrayLike, t: ArrayLike) -> Any:
        """Cross-entropy of ``softmax(predict(x))`` against the target t."""
        return cross_entropy_error(softmax(self.predict(x)), t)

    def __repr__(self) -> str:
        return f"SimpleNet(W={np.array2string(self.W, separator=', ', prefix='SimpleNet(W=')})"


#: The book's own name for the class.
simpleNet = SimpleNet


#: The parameter names of a TwoLayerNet, in the book's order.
PARAMETER_NAMES = ("W1", "b1", "W2", "b2")

Params = dict[str, NDArray[np.float64]]


def _forward(params: dict[str, Any], x: NDArray[Any]) -> Any:
    """affine → sigmoid → affine: the scores before softmax (the book's ``predict``)."""
    z1 = sigmoid(np.dot(x, params["W1"]) + params["b1"])
    return np.dot(z1, params["W2"]) + params["b2"]


@dataclass(frozen=True)
class _ParameterLoss:
    """The loss as a function of one parameter array, the others held fixed.

    A module-level class so that it pickles for ``workers``. Called with the network's own
    array (the default in-place mode) it is the book's ``lambda W: net.loss(x, t)``; called
    with a copy (workers, the complex step) it computes from that copy.
    """

    params: dict[str, NDArray[np.float64]]
    name: str
    x: NDArray[np.float64]
    t: NDArray[np.intp]

    def __call__(self, w: NDArray[Any]) -> Any:
        scores = _forward({**self.params, self.name: w}, self.x)
        return cross_entropy_error(softmax(scores), self.t)

    @property
    def parameter(self) -> str:
        """The parameter this loss is a function of, named in gradwalk's warnings."""
        return self.name

    def unmoved_reason(self) -> str:
        """Why the loss may not change when this parameter moves."""
        return _unmoved_reason(self.name, self.x)


@dataclass(frozen=True)
class _StackedParameterLoss:
    """The loss of k copies of one parameter array at once (``vectorized=True``)."""

    params: dict[str, NDArray[np.float64]]
    name: str
    x: NDArray[np.float64]
    t: NDArray[np.intp]

    def __call__(self, stack: NDArray[Any]) -> NDArray[Any]:
        return _stacked_loss({**self.params, self.name: stack}, {self.name}, self.x, self.t)

    @property
    def parameter(self) -> str:
        """The parameter this loss is a function of, named in gradwalk's warnings."""
        return self.name

    def unmoved_reason(self) -> str:
        """Why the loss may not change when this parameter moves."""
        return _unmoved_reason(self.name, self.x)


def _unmoved_reason(name: str, x: NDArray[Any]) -> str:
    """Why the loss does not change when parameter ``name`` moves, for batch ``x``."""
    if name == "W1" and not np.any(x):
        return "every input in x is 0, so W1 multiplies only zeros and has no effect"
    return f"{name} has no effect on the loss for this batch"


class TwoLayerNet:
    """The book's two-layer network: affine → sigmoid → affine → softmax (section 4.5).

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Features per sample, hidden units, classes (the book uses 784, 50, 10 for MNIST).
    weight_init_std : float
        Standard deviation of the normal weights W1 and W2 (the book's 0.01); the biases
        b1 and b2 start at zero.
    seed : int, numpy.random.Generator or numpy.random.RandomState, optional
        Seed or generator for the initial weights, for reproducible runs. A legacy
        ``RandomState`` draws W1, then W2, with its own ``randn``, as the book's
        ``np.random.randn`` does: ``seed=np.random.RandomState(0)`` gives the weights of
        the book's TwoLayerNet after ``np.random.seed(0)``, bit for bit.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1`` (input_size, hidden_size), ``b1`` (hidden_size,), ``W2`` (hidden_size,
        output_size), ``b2`` (output_size,), float64: the book's names.

    Raises
    ------
    TypeError, ValueError
        A size that is not a whole number >= 1, or a weight_init_std that is not a
        finite number > 0.

    Notes
    -----
    Targets ``t`` may be label indices, shape (N,), or one-hot rows, shape (N,
    output_size), as in the book. The loss is the book's ``cross_entropy_error``, with
    1e-7 inside the log; :meth:`gradient` (backpropagation, the book's chapter 5) is the
    exact gradient of the cross-entropy without that 1e-7, so the two differ by a relative
    1e-7 / y: a gradient check at a tight tolerance sees it (see the example of
    :meth:`gradient`).

    Examples
    --------
    >>> net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0)
    >>> {name: p.shape for name, p in net.params.items()}
    {'W1': (784, 50), 'b1': (50,), 'W2': (50, 10), 'b2': (10,)}
    >>> x = np.random.default_rng(1).random((100, 784))
    >>> net.predict(x).shape
    (100, 10)
    """

    params: Params

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float = 0.01,
        *,
        seed: int | np.random.Generator | np.random.RandomState | None = None,
    ) -> None:
        sizes = {"input_size": input_size, "hidden_size": hidden_size, "output_size": output_size}
        for name, size in sizes.items():
            if isinstance(size, bool) or not isinstance(size, int | np.integer):
                raise TypeError(f"{name} must be a whole number >= 1, got {size!r}.")
            if size < 1:
                raise ValueError(f"{name} must be >= 1, got {name}={size!r}.")
        if (
            isinstance(weight_init_std, bool)
            or not isinstance(weight_init_std, int | float | np.integer | np.floating)
            or not np.isfinite(weight_init_std)
            or weight_init_std <= 0
        ):
            raise ValueError(
                f"weight_init_std must be a finite number > 0, got {weight_init_std!r}; the "
                "book uses 0.01."
            )
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.output_size = int(output_size)
        self.weight_init_std = float(weight_init_std)
        shapes = (self.input_size, self.hidden_size), (self.hidden_size, self.output_size)
        if isinstance(seed, np.random.RandomState):  # the book's np.random.randn, in its order
            w1, w2 = (seed.randn(*shape) for shape in shapes)
        else:
            rng = make_rng(seed)
            w1, w2 = (rng.standard_normal(shape) for shape in shapes)
        self.params = {
            "W1": weight_init_std * w1,
            "b1": np.zeros(self.hidden_size),
            "W2": weight_init_std * w2,
            "b2": np.zeros(self.output_size),
        }

    def __repr__(self) -> str:
        return (
            f"TwoLayerNet(input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"output_size={self.output_size}, weight_init_std={self.weight_init_std:g})"
        )

    # --- input checks -----------------------------------------------------------

    def check_inputs(self, x: ArrayLike, name: str = "x") -> NDArray[np.float64]:
        """x as a float64 batch of shape (N, input_size), or an error saying what is wrong.

        Raises
        ------
        ValueError
            x is not 2-D (a 1-D x of input_size values is one sample), has another number
            of features than input_size, or holds nan or inf.
        TypeError
            x is not numeric.
        """
        array = np.asarray(x)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a real numeric array, got dtype {array.dtype}.")
        if array.ndim == 1 and array.size == self.input_size:
            array = array.reshape(1, -1)
        if array.ndim == 2 and array.shape[0] == self.input_size != array.shape[1]:
            raise ValueError(
                f"{name} has shape {array.shape}: its samples look like columns, while the "
                f"network takes one sample per row ({self.input_size} features each). Pass "
                f"{name}.T, of shape {array.shape[::-1]}."
            )
        if array.ndim != 2 or array.shape[1] != self.input_size:
            raise ValueError(
                f"{name} has shape {array.shape}, but the network takes input_size="
                f"{self.input_size} features per sample: pass {name} of shape (N, "
                f"{self.input_size}), or build TwoLayerNet(input_size={_features(array)}, ...)."
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} holds nan or inf values; clean or drop those samples.")
        return np.asarray(array, dtype=np.float64)

    def check_targets(self, t: ArrayLike, samples: int, name: str = "t") -> NDArray[np.intp]:
        """t as label indices of shape (samples,), from labels or one-hot rows.

        Raises
        ------
        ValueError
            t has another number of samples, one-hot rows of another width than
            output_size, labels outside 0 .. output_size - 1, or non-integer labels.
        """
        array = np.asarray(t)
        classes = self.output_size
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold integer labels or one-hot rows, got {array.dtype}.")
        if array.ndim == 2:
            if array.shape[1] != classes:
                raise ValueError(
                    f"{name} has one-hot rows of {array.shape[1]} classes (shape "
                    f"{array.shape}), but the network has output_size={classes}: pass rows of "
                    f"{classes} values, or build TwoLayerNet(..., output_size={array.shape[1]})."
                )
            labels = array.argmax(axis=1)
        elif array.ndim == 1 or (array.ndim == 0 and samples == 1):
            labels = array.reshape(-1)
            if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
                raise ValueError(f"{name} holds non-integer labels; labels are class indices.")
        else:
            raise ValueError(
                f"{name} must be labels of shape (N,) or one-hot rows of shape (N, {classes}), "
                f"got shape {array.shape}."
            )
        if labels.shape[0] != samples:
            raise ValueError(
                f"{name} has {labels.shape[0]} samples but x has {samples}; they must match."
            )
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            bad = labels[(labels < 0) | (labels >= classes)][0]
            raise ValueError(
                f"{name} holds the label {int(bad)}, but the network has output_size="
                f"{classes} classes: labels must be in 0 .. {classes - 1}. Build the network "
                f"with output_size={int(labels.max()) + 1} or fix the labels."
            )
        result: NDArray[np.intp] = labels.astype(np.intp)
        return result

    def _batch(self, x: ArrayLike, t: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        xs = self.check_inputs(x)
        return xs, self.check_targets(t, xs.shape[0])

    # --- the book's interface -----------------------------------------------------

    def predict(self, x: ArrayLike) -> NDArray[np.float64]:
        """The class probabilities ``softmax(sigmoid(x · W1 + b1) · W2 + b2)``, shape (N, classes).

        Raises
        ------
        ValueError
            x does not have input_size features per sample (see :meth:`check_inputs`).
        """
        result: NDArray[np.float64] = softmax(_forward(self.params, self.check_inputs(x)))
        return result

    def loss(self, x: ArrayLike, t: ArrayLike) -> float:
        """The book's loss ``cross_entropy_error(predict(x), t)``, a mean over the batch.

        Raises
        ------
        ValueError
            x or t do not fit the network (see :meth:`check_inputs`, :meth:`check_targets`).
        """
        xs, labels = self._batch(x, t)
        return float(_ParameterLoss(self.params, "W1", xs, labels)(self.params["W1"]))

    def accuracy(self, x: ArrayLike, t: ArrayLike) -> float:
        """The fraction of samples whose largest score is at the target class."""
        xs, labels = self._batch(x, t)
        return float(np.mean(np.argmax(_forward(self.params, xs), axis=1) == labels))

    def batched_loss(
        self, x: ArrayLike, t: ArrayLike, **stacked: NDArray[Any]
    ) -> NDArray[np.float64]:
        """The loss of k copies of the network at once, for ``vectorized=True``.

        Parameters
        ----------
        x, t : array_like
            The batch, as for :meth:`loss`.
        **stacked : ndarray
            Any of W1, b1, W2, b2 as a stack of k copies, shape ``(k, *params[name].shape)``;
            the others are the network's own.

        Returns
        -------
        ndarray, shape (k,)
            The loss of each copy, the same as :meth:`loss` with that copy in place (up to
            the rounding of a batched matrix product).

        Raises
        ------
        ValueError
            An unknown name, no stack, or stacks of the wrong shape or of different k.

        Examples
        --------
        >>> net = TwoLayerNet(3, 4, 2, seed=0)
        >>> x, t = np.ones((5, 3)), np.array([0, 1, 1, 0, 1])
        >>> stack = np.stack([net.params["b2"], net.params["b2"] + [1.0, 0.0]])
        >>> losses = net.batched_loss(x, t, b2=stack)
        >>> bool(np.isclose(losses[0], net.loss(x, t)))
        True
        """
        if not stacked:
            raise ValueError("pass at least one stacked parameter, e.g. W1=stack.")
        counts = set()
        for name, stack in stacked.items():
            if name not in self.params:
                raise ValueError(f"unknown parameter {name!r}; the network has {PARAMETER_NAMES}.")
            shape = self.params[name].shape
            if np.ndim(stack) != len(shape) + 1 or np.shape(stack)[1:] != shape:
                raise ValueError(
                    f"{name} must be a stack of shape (k, {', '.join(map(str, shape))}), got "
                    f"{np.shape(stack)}."
                )
            counts.add(np.shape(stack)[0])
        if len(counts) != 1:
            raise ValueError(f"the stacks hold different numbers of copies: {sorted(counts)}.")
        xs, labels = self._batch(x, t)
        return _stacked_loss({**self.params, **stacked}, set(stacked), xs, labels)

    def numerical_gradient(
        self, x: ArrayLike, t: ArrayLike, *, full_output: bool = False, **options: Any
    ) -> dict[str, Any]:
        """The gradient of :meth:`loss` for every parameter, by gradwalk's numerical gradient.

        As in the book, each parameter array is perturbed **in place** and restored; with
        ``vectorized=True`` the loss of many perturbed copies is computed at once by
        :meth:`batched_loss`; with ``workers`` the copies are evaluated in parallel.

        Parameters
        ----------
        x, t : array_like
            The batch, as for :meth:`loss`.
        full_output : bool
            Return a :class:`~gradwalk.GradientResult` per parameter (gradient, error
            estimate, evaluations) instead of the bare gradients.
        **options
            Passed to :func:`gradwalk.numerical_gradient`: ``h``, ``method``,
            ``vectorized``, ``batch_size``, ``workers``, ``progress``.

        Returns
        -------
        dict of str to ndarray (or GradientResult)
            The gradient of each of W1, b1, W2, b2, with its shape.

        Raises
        ------
        ValueError, TypeError
            As :meth:`loss` for x and t; as :func:`gradwalk.numerical_gradient` for the
            options.

        Examples
        --------
        >>> net = TwoLayerNet(2, 3, 2, weight_init_std=1.0, seed=0)
        >>> x, t = np.array([[0.5, -1.0]]), np.array([1])
        >>> grads = net.numerical_gradient(x, t)
        >>> bool(np.allclose(grads["W2"], net.gradient(x, t)["W2"], atol=1e-6))
        True
        """
        xs, labels = self._batch(x, t)
        grads: dict[str, Any] = {}
        vectorized = bool(options.get("vectorized"))
        for name in PARAMETER_NAMES:
            f: Any = (
                _StackedParameterLoss(self.params, name, xs, labels)
                if vectorized
                else _ParameterLoss(self.params, name, xs, labels)
            )
            gradient: Any = numerical_gradient  # options pass through, checked there
            grads[name] = gradient(f, self.params[name], full_output=full_output, **options)
        return grads

    def gradient(self, x: ArrayLike, t: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """The gradient by backpropagation (the book's fast ``gradient``, chapter 5).

        ``dy = (softmax(scores) - t) / N``, then back through the affine and sigmoid
        layers; it is the exact gradient of the cross-entropy without the book's + 1e-7.

        Examples
        --------
        >>> from gradwalk import check_gradients
        >>> net = TwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=0)
        >>> rng = np.random.default_rng(1)
        >>> x, t = rng.random((6, 4)), rng.integers(0, 3, 6)
        >>> check = check_gradients(lambda p: net.loss(x, t), net.params, net.gradient(x, t),
        ...                         rtol=1e-5)
        >>> check.passed
        True
        """
        xs, labels = self._batch(x, t)
        p = self.params
        n = xs.shape[0]
        z1 = sigmoid(xs @ p["W1"] + p["b1"])
        dy = softmax(z1 @ p["W2"] + p["b2"])
        dy[np.arange(n), labels] -= 1.0
        dy /= n
        dz1 = (dy @ p["W2"].T) * (1.0 - z1) * z1
        return {"W1": xs.T @ dz1, "b1": dz1.sum(axis=0), "W2": z1.T @ dy, "b2": dy.sum(axis=0)}


def _features(array: NDArray[Any]) -> int:
    """The number of features a batch of this shape has (its last axis; 1 for a scalar)."""
    return int(array.shape[-1]) if array.ndim else 1


def _stacked_loss(
    params: dict[str, NDArray[Any]],
    stacked: set[str],
    x: NDArray[np.float64],
    labels: NDArray[np.intp],
) -> NDArray[np.float64]:
    """The loss of each copy when the names in ``stacked`` carry a leading copy axis.

    Arrays that are not stacked are used once (x · W1 + b1 is computed once when neither is
    stacked); a stacked W1 multiplies x with one matrix product per copy.
    """

    def lead(name: str) -> NDArray[Any]:  # insert the sample axis after the copy axis
        array = params[name]
        return array[:, np.newaxis, :] if name in stacked else array

    if "W1" in stacked:
        a1 = np.matmul(x, params["W1"]) + lead("b1")
    else:
        a1 = x @ params["W1"] + lead("b1")
    z1 = sigmoid(a1)
    scores = np.matmul(z1, params["W2"]) + lead("b2")
    copies = next(params[name].shape[0] for name in stacked)
    scores = np.broadcast_to(scores, (copies, *scores.shape[-2:]))
    y = softmax(scores)
    n = x.shape[0]
    picked = y[:, np.arange(n), labels]
    return np.asarray(-np.sum(np.log(picked + 1e-7), axis=1) / n)
