"""The numerical gradient of the book's TwoLayerNet(784, 50, 10) on a device.

The loss of the network on a batch of 100 (affine, sigmoid, affine, softmax,
cross-entropy) as a function of a vector of its 39,760 parameters, written against the
array API standard (array-api-compat), so that one function runs in PyTorch (CPU or
CUDA), CuPy or NumPy. Its numerical gradient with ``vectorized=True`` builds each batch
of perturbed parameter vectors on the device and evaluates it in one call: one loss
costs about 7.94 MFLOP (its two matrix products), a full central-difference gradient
79,520 losses, about 631 GFLOP. Printed beside it: backpropagation (autograd) and the
FLOP floor at the device's measured rate on the loss's own batched matrix product.

Run by hand (needs the ``frameworks`` extra; CuPy where installed)::

    python benchmarks/gpu.py                       # PyTorch on CUDA if present, else CPU
    python benchmarks/gpu.py --device cuda --full  # one full gradient on a GPU
    python benchmarks/gpu.py --library cupy --full # the same with CuPy

Without ``--full`` the gradient is taken with respect to the first ``--size``
parameters (elements of W1, the others held fixed) and the full gradient's time is
extrapolated from it. It prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import array_api_compat
import numpy as np

from gradwalk import numerical_gradient

D, H, C, BATCH = 784, 50, 10, 100
#: FLOP of one loss: the two matrix products (100x784 by 784x50, 100x50 by 50x10).
LOSS_FLOP = 2 * BATCH * (D * H + H * C)


class Net:
    """The loss of TwoLayerNet(784, 50, 10) as a function of the first ``size``
    parameters (a stack of k vectors), in the library of ``theta``."""

    def __init__(self, library: str, device: str, dtype: str, size: int | None) -> None:
        rng = np.random.default_rng(11)  # the data and weights of benchmarks/scale.py
        x = rng.random((BATCH, D))
        t = np.eye(C)[rng.integers(0, C, BATCH)]
        theta = np.concatenate(
            [
                0.01 * rng.standard_normal(D * H),
                np.zeros(H),
                0.01 * rng.standard_normal(H * C),
                np.zeros(C),
            ]
        )
        self.library, self.device = library, device
        self.x, self.t, self.theta = (self.array(a.astype(dtype)) for a in (x, t, theta))
        self.xp = array_api_compat.array_namespace(self.theta)
        self.size = size or theta.size

    def array(self, values: np.ndarray) -> Any:
        if self.library == "torch":
            import torch

            return torch.from_numpy(values).to(self.device)
        if self.library == "cupy":
            import cupy  # type: ignore[import-not-found]

            return cupy.asarray(values)
        return values

    def losses(self, stack: Any) -> Any:
        """The loss at each of k parameter vectors (k, size): shape (k,)."""
        xp = self.xp
        k = stack.shape[0]
        if self.size < self.theta.shape[0]:
            rest = xp.broadcast_to(self.theta[self.size :], (k, self.theta.shape[0] - self.size))
            stack = xp.concat([stack, rest], axis=1)
        w1 = xp.reshape(stack[:, : D * H], (k, D, H))
        b1 = stack[:, D * H : D * H + H]
        w2 = xp.reshape(stack[:, D * H + H : D * H + H + H * C], (k, H, C))
        b2 = stack[:, D * H + H + H * C :]
        z1 = 1.0 / (1.0 + xp.exp(-(xp.matmul(self.x, w1) + b1[:, None, :])))
        a = xp.matmul(z1, w2) + b2[:, None, :]
        a = a - xp.max(a, axis=-1, keepdims=True)
        y = xp.exp(a) / xp.sum(xp.exp(a), axis=-1, keepdims=True)
        return -xp.sum(self.t * xp.log(y + 1e-7), axis=(1, 2)) / BATCH

    def loss(self, point: Any) -> Any:
        return self.losses(point[None, :])[0]


def synchronize(library: str, device: str) -> None:
    if library == "torch" and device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    elif library == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()


def timed(run: Callable[[], object], library: str, device: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        synchronize(library, device)
        start = time.perf_counter()
        run()
        synchronize(library, device)
        times.append(time.perf_counter() - start)
    return times


def backprop(net: Net) -> Callable[[], Any]:
    """The gradient by autograd (PyTorch) of the loss at theta's first ``size`` elements."""
    import torch

    def run() -> Any:
        point = net.theta[: net.size].clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(net.loss(point), point)
        return grad

    return run


def gemm_rate(net: Net, k: int = 64) -> float:
    """FLOP/s of the device on the loss's own batched product, (k,100,784)@(k,784,50)."""
    xp = net.xp
    w = xp.reshape(xp.concat([net.theta[: D * H]] * k), (k, D, H))
    run = lambda: xp.matmul(net.x, w)  # noqa: E731
    run()
    seconds = statistics.median(timed(run, net.library, net.device, 7))
    return 2 * k * BATCH * D * H / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default="torch", choices=["torch", "cupy", "numpy"])
    parser.add_argument("--device", default=None, help="torch device (default: cuda if present)")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--size", type=int, default=2000, help="parameters differentiated")
    parser.add_argument("--full", action="store_true", help="all 39,760 parameters")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = args.device or "cpu"
    if args.library == "torch":
        import torch

        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        name = (
            torch.cuda.get_device_name(device)
            if device.startswith("cuda")
            else platform.processor() or platform.machine()
        )
        version = f"PyTorch {torch.__version__}"
    elif args.library == "cupy":
        import cupy

        name, version = (
            cupy.cuda.runtime.getDeviceProperties(0)["name"].decode(),
            f"CuPy {cupy.__version__}",
        )
        device = "cuda"
    else:
        name, version = platform.machine(), f"NumPy {np.__version__}"
    net = Net(args.library, device, args.dtype, None if args.full else args.size)
    n = net.size
    evaluations = 2 * n
    point = net.theta[:n]
    result: dict[str, Any] = {}

    def numerical() -> None:
        result["grad"] = numerical_gradient(net.losses, point, vectorized=True)

    numerical_times = timed(numerical, args.library, device, 1 if args.full else args.repeats)
    seconds = statistics.median(numerical_times)
    rate = gemm_rate(net)
    floor = evaluations * LOSS_FLOP / rate
    full_floor = 2 * net.theta.shape[0] * LOSS_FLOP / rate
    scale = net.theta.shape[0] / n
    print(
        f"Device: {name} ({device}), {version}, {args.dtype}; {os.cpu_count()} CPU cores; "
        f"load averages {', '.join(f'{v:.2f}' for v in os.getloadavg())}."
    )
    print(
        f"Command: python benchmarks/gpu.py --library {args.library} --device {device} "
        f"--dtype {args.dtype}" + (" --full" if args.full else f" --size {n}")
    )
    print()
    print("| what | seconds | per loss | note |")
    print("|---|---|---|---|")
    print(
        f"| numerical gradient, `vectorized=True`, {n} parameters ({evaluations} losses) "
        f"| {seconds:.3f} (of {len(numerical_times)}) | {seconds / evaluations * 1e6:.1f} µs | "
        f"{'' if args.full else f'full gradient extrapolated: {seconds * scale:.1f} s'} |"
    )
    print(
        f"| FLOP floor for those losses, at {rate / 1e9:.1f} GFLOP/s measured | {floor:.3f} | "
        f"{LOSS_FLOP / rate * 1e6:.2f} µs | full gradient: {full_floor:.2f} s "
        f"({2 * net.theta.shape[0] * LOSS_FLOP / 1e9:.0f} GFLOP) |"
    )
    if args.library == "torch":
        back = backprop(net)
        grad_b = back()
        back_seconds = statistics.median(timed(back, args.library, device, 5))
        difference = float(abs(result["grad"] - grad_b).max())
        print(
            f"| backpropagation (autograd), same {n} parameters | {back_seconds * 1e3:.2f} ms | | "
            f"max abs difference from the numerical gradient {difference:.1e} |"
        )
    print()
    print(
        f"To reach one full gradient in under 1 s the device needs about "
        f"{2 * net.theta.shape[0] * LOSS_FLOP / 1e12:.2f} TFLOP/s sustained on these "
        "batched products (an H100's FP64 peak is about 67 TFLOP/s: a floor near 10 ms)."
    )


if __name__ == "__main__":
    main()
