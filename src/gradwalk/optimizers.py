"""Optimizers of chapter 6 of the book, with its names, defaults and ``update`` interface.

Each optimizer updates a mapping of parameter arrays **in place** from a mapping of
gradients with the same keys, exactly as the book's ``common/optimizer.py`` does:
``optimizer.update(params, grads)``. State (velocities, running averages) is kept per key
and created on the first update. :func:`gradwalk.descend` accepts any of them, by name
(``optimizer="adam"``) or as an instance.

>>> import numpy as np
>>> params = {"x": np.array([-3.0, 4.0])}
>>> SGD(lr=0.1).update(params, {"x": 2 * params["x"]})
>>> params["x"]
array([-2.4,  3.2])
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, MutableMapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ._common.language import gettext_noop as N_
from ._common.validate import check_fraction, check_learning_rate, choice_hint

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "AdaGrad",
    "Adam",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
]

Params = MutableMapping[Any, NDArray[Any]]
Grads = Mapping[Any, NDArray[Any]]

#: The small constant the book adds to square roots before dividing by them.
_EPSILON = 1e-7


class Optimizer(ABC):
    """Base class: an update rule with hyperparameters and per-key state.

    Subclasses set :attr:`name` and implement :meth:`_update_one` for one array.

    Raises
    ------
    TypeError
        A setting (lr, momentum, decay_rate, beta1, beta2) is not a number.
    ValueError
        lr is not finite and > 0, or a decay factor is outside [0, 1).

    Examples
    --------
    >>> Adam(lr=0.01)
    Adam(lr=0.01, beta1=0.9, beta2=0.999)
    """

    #: The lowercase name that :func:`gradwalk.descend` accepts.
    name: ClassVar[str] = ""
    #: One line on what the update does, for help texts and the docs' table.
    summary: ClassVar[str] = ""  # a message of the catalogs: N_("...")
    #: The colour its path is drawn in on the ``gradwalk explore`` page.
    color: ClassVar[str] = "#7f7f7f"

    def __init__(self, lr: float) -> None:
        self.lr = check_learning_rate(lr)

    @property
    def hyperparameters(self) -> dict[str, float]:
        """The settings the optimizer was built with (what ``repr`` shows)."""
        return {"lr": self.lr}

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.hyperparameters.items())
        return f"{type(self).__name__}({settings})"

    def fresh(self) -> Optimizer:
        """A new optimizer with the same settings and no state."""
        return type(self)(**self.hyperparameters)

    def update(self, params: Params, grads: Grads) -> None:
        """Update every array of ``params`` in place from the gradient of the same key.

        Parameters
        ----------
        params : mapping of str to ndarray
            The parameters (floating arrays), changed in place.
        grads : mapping of str to ndarray
            Their gradients: the same keys and shapes.

        Raises
        ------
        KeyError
            grads lacks a key of params.
        ValueError
            A gradient's shape differs from its parameter's.

        Examples
        --------
        >>> params = {"W": np.array([1.0, 2.0])}
        >>> SGD(lr=0.5).update(params, {"W": np.array([2.0, 4.0])})
        >>> params["W"]
        array([0., 0.])
        """
        for key in params:
            if key not in grads:
                raise KeyError(
                    f"grads has no entry {key!r}; it needs one gradient per parameter "
                    f"(params has keys {list(params)}, grads {list(grads)})."
                )
            if np.shape(grads[key]) != np.shape(params[key]):
                raise ValueError(
                    f"grads[{key!r}] has shape {np.shape(grads[key])} but params[{key!r}] "
                    f"has shape {np.shape(params[key])}; they must match."
                )
        self._begin_update()
        for key in params:
            self._update_one(key, params[key], grads[key])

    def _begin_update(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Hook run once per :meth:`update`, before the arrays are updated."""

    @abstractmethod
    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        """Update one parameter array in place from its gradient."""


class SGD(Optimizer):
    """Stochastic gradient descent: ``param -= lr * grad``.

    Raises
    ------
    TypeError
        A setting is not a number.
    ValueError
        lr is not finite and > 0.

    Examples
    --------
    >>> SGD()
    SGD(lr=0.01)
    """

    name = "sgd"
    summary = N_("plain gradient descent")
    color = "#d62728"

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        param -= self.lr * grad


class Momentum(Optimizer):
    """Momentum: ``v = momentum * v - lr * grad; param += v``.

    Raises
    ------
    TypeError
        A setting is not a number.
    ValueError
        lr is not finite and > 0, or momentum is outside [0, 1).

    Examples
    --------
    >>> Momentum(lr=0.1)
    Momentum(lr=0.1, momentum=0.9)
    """

    name = "momentum"
    summary = N_("a velocity that accumulates past gradients")
    color = "#1f77b4"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = check_fraction(momentum, "momentum")
        self.v: dict[Any, NDArray[Any]] = {}

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "momentum": self.momentum}

    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        v = self.v.setdefault(key, np.zeros_like(param))
        v *= self.momentum
        v -= self.lr * grad
        param += v


class Nesterov(Momentum):
    """Nesterov's accelerated gradient, in the book's reformulation.

    ``v = momentum * v - lr * grad;
    param += momentum² * v - (1 + momentum) * lr * grad``.

    Raises
    ------
    TypeError
        A setting is not a number.
    ValueError
        lr is not finite and > 0, or momentum is outside [0, 1).

    Examples
    --------
    >>> Nesterov()
    Nesterov(lr=0.01, momentum=0.9)
    """

    name = "nesterov"
    summary = N_("momentum with the gradient taken ahead")
    color = "#9467bd"

    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        v = self.v.setdefault(key, np.zeros_like(param))
        v *= self.momentum
        v -= self.lr * grad
        param += self.momentum * self.momentum * v
        param -= (1 + self.momentum) * self.lr * grad


class AdaGrad(Optimizer):
    """AdaGrad: ``h += grad²; param -= lr * grad / (√h + 1e-7)``.

    Raises
    ------
    TypeError
        A setting is not a number.
    ValueError
        lr is not finite and > 0.

    Examples
    --------
    >>> AdaGrad(lr=0.5)
    AdaGrad(lr=0.5)
    """

    name = "adagrad"
    summary = N_("a learning rate per parameter that decays with its summed squared gradients")
    color = "#8c564b"

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)
        self.h: dict[Any, NDArray[Any]] = {}

    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        h = self.h.setdefault(key, np.zeros_like(param))
        h += grad * grad
        param -= self.lr * grad / (np.sqrt(h) + _EPSILON)


class RMSprop(Optimizer):
    """RMSprop: ``h = decay_rate * h + (1 - decay_rate) * grad²;
    param -= lr * grad / (√h + 1e-7)``.

    Raises
    ------
    TypeError
        A setting is not a number.
    ValueError
        lr is not finite and > 0, or decay_rate is outside [0, 1).

    Examples
    --------
    >>> RMSprop()
    RMSprop(lr=0.01, decay_rate=0.99)
    """

    name = "rmsprop"
    summary = N_("AdaGrad with a moving average instead of a sum")
    color = "#e377c2"

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99) -> None:
        super().__init__(lr)
        self.decay_rate = check_fraction(decay_rate, "decay_rate")
        self.h: dict[Any, NDArray[Any]] = {}

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "decay_rate": self.decay_rate}

    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        h = self.h.setdefault(key, np.zeros_like(param))
        h *= self.decay_rate
        h += (1 - self.decay_rate) * grad * grad
        param -= self.lr * grad / (np.sqrt(h) + _EPSILON)


class Adam(Optimizer):
    """Adam, with the book's bias correction folded into the step size.

    ``m += (1 - beta1) (grad - m); v += (1 - beta2) (grad² - v);
    param -= lr √(1 - beta2ᵗ) / (1 - beta1ᵗ) · m / (√v + 1e-7)``.

    Raises
    ------
    TypeError
        A setting is not a number.
    ValueError
        lr is not finite and > 0, or beta1 or beta2 is outside [0, 1).

    Examples
    --------
    >>> Adam()
    Adam(lr=0.001, beta1=0.9, beta2=0.999)
    """

    name = "adam"
    summary = N_("momentum and RMSprop together, with bias correction")
    color = "#2ca02c"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999) -> None:
        super().__init__(lr)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.iter = 0
        self.m: dict[Any, NDArray[Any]] = {}
        self.v: dict[Any, NDArray[Any]] = {}
        self._lr_t = self.lr

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2}

    def _begin_update(self) -> None:
        self.iter += 1
        self._lr_t = (
            self.lr * math.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        )

    def _update_one(self, key: Any, param: NDArray[Any], grad: NDArray[Any]) -> None:
        m = self.m.setdefault(key, np.zeros_like(param))
        v = self.v.setdefault(key, np.zeros_like(param))
        m += (1 - self.beta1) * (grad - m)
        v += (1 - self.beta2) * (grad**2 - v)
        param -= self._lr_t * m / (np.sqrt(v) + _EPSILON)


#: Every optimizer class by the name :func:`gradwalk.descend` accepts.
OPTIMIZERS: Mapping[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam)
}


def optimizer_for(optimizer: object, lr: float | None) -> Optimizer:
    """A fresh optimizer from a name or an instance, with a clear error otherwise.

    A name without ``lr`` gets the optimizer's own default, the book's rate.

    >>> optimizer_for("adam", None), optimizer_for("sgd", 0.1)
    (Adam(lr=0.001, beta1=0.9, beta2=0.999), SGD(lr=0.1))
    """
    if isinstance(optimizer, Optimizer):
        if lr is not None and check_learning_rate(lr) != optimizer.lr:
            raise ValueError(
                f"lr={lr!r} disagrees with the optimizer's own rate {optimizer!r}; pass lr "
                "only with an optimizer name, or build the instance with the rate you want."
            )
        return optimizer.fresh()
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        if lr is None:  # the book's own rate for this optimizer (Adam: 0.001, others 0.01)
            return OPTIMIZERS[optimizer.lower()]()  # type: ignore[call-arg]
        return OPTIMIZERS[optimizer.lower()](lr=check_learning_rate(lr))
    choices, hint = choice_hint(optimizer, OPTIMIZERS)
    raise ValueError(
        f"optimizer={optimizer!r} is not a known optimizer; choose one of {choices}, "
        f"or pass an instance such as Adam(lr=0.01).{hint}"
    )


def optimizer_table() -> str:
    """The docs' table of optimizers (docs/descent.md), from :data:`OPTIMIZERS`.

    >>> print(optimizer_table().splitlines()[2])
    | `"sgd"` | `SGD` | 0.01 | plain gradient descent |
    """
    rows = [
        "| `optimizer=` | class | default `lr` (the book's) | what it does |",
        "|---|---|---|---|",
    ]
    for name, cls in OPTIMIZERS.items():
        lr = inspect.signature(cls).parameters["lr"].default
        rows.append(f'| `"{name}"` | `{cls.__name__}` | {lr:g} | {cls.summary} |')
    return "\n".join(rows)
