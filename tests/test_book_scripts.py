"""The book's own files on gradwalk: docs/book.md's table, and the ch04 scripts run.

The book's repository keeps sections 4.4-4.5 in ch04/, common/ and dataset/. This test
writes common/ and dataset/ as docs/book.md says (its file blocks, read from the page),
a dataset/mnist.pkl in the format the book's dataset/mnist.py writes, and ch04 scripts
of its own that do what the book's scripts do; it runs each script in a fresh Python,
from the ch04 folder as a reader would, and checks what it prints against the book's
digits or an independent computation.
"""

from __future__ import annotations

import importlib
import os
import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import gradwalk.functions

ROOT = Path(__file__).resolve().parent.parent
BOOK_PAGE = ROOT / "docs" / "book.md"

#: The names the repository's common/functions.py defines.
BOOK_FUNCTIONS = [
    "identity_function",
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "softmax",
    "sum_squared_error",
    "cross_entropy_error",
    "softmax_loss",
]

#: The files of ch04/, common/ and dataset/ that sections 4.4 and 4.5 use.
BOOK_FILES = [
    "ch04/gradient_1d.py",
    "ch04/gradient_2d.py",
    "ch04/gradient_method.py",
    "ch04/gradient_simplenet.py",
    "ch04/two_layer_net.py",
    "ch04/train_neuralnet.py",
    "common/functions.py",
    "common/gradient.py",
    "dataset/mnist.py",
]


def _table() -> dict[str, tuple[str, str]]:
    """docs/book.md's table: the book's file -> (its names, gradwalk's names)."""
    rows = {}
    for line in BOOK_PAGE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith(".py`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_the_table_names_every_file_of_sections_4_4_and_4_5() -> None:
    assert sorted(_table()) == sorted(BOOK_FILES)


@pytest.mark.parametrize("book_file", BOOK_FILES)
def test_every_gradwalk_name_in_the_table_exists(book_file: str) -> None:
    _, ours = _table()[book_file]
    names = re.findall(r"`(gradwalk(?:\.\w+)+)`", ours)
    assert names, f"no gradwalk name for {book_file}"
    for dotted in names:
        module_name, _, attribute = dotted.rpartition(".")
        try:
            module = importlib.import_module(dotted)
        except ImportError:
            module = importlib.import_module(module_name)
            assert hasattr(module, attribute), f"{book_file}: {dotted} does not exist"
        else:
            assert module is not None


def test_every_name_of_common_functions_is_in_gradwalk_functions() -> None:
    theirs, ours = _table()["common/functions.py"]
    for name in BOOK_FUNCTIONS:
        assert callable(getattr(gradwalk.functions, name, None)), f"gradwalk.functions.{name}"
        assert f"`{name}`" in theirs, f"the table's row for common/functions.py lacks {name}"
    assert "`gradwalk.functions`" in ours


# --- the scripts ----------------------------------------------------------------------


def _page_files() -> dict[str, str]:
    """The files docs/book.md tells a reader to write, read from its marked blocks."""
    lines = BOOK_PAGE.read_text(encoding="utf-8").splitlines()
    files = {}
    for number, line in enumerate(lines):
        marker = re.search(r"<!-- not run: the file (\S+), written and run by", line)
        if marker:
            end = lines.index("```", number + 2)
            files[marker.group(1)] = "\n".join(lines[number + 2 : end]) + "\n"
    return files


#: What the book's scripts do, written for this test. Each prints what the book shows.
SCRIPTS = {
    "gradient_1d.py": """
        import sys, os
        sys.path.append(os.pardir)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
        from gradwalk.book import function_1, numerical_diff, tangent_line

        print(numerical_diff(function_1, 5))
        print(numerical_diff(function_1, 10))
        x = np.arange(0.0, 20.0, 0.1)
        plt.plot(x, function_1(x))
        plt.plot(x, tangent_line(function_1, 5)(x))
        plt.savefig("gradient_1d.png")
    """,
    "gradient_2d.py": """
        import sys, os
        sys.path.append(os.pardir)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
        from common.gradient import numerical_gradient, numerical_gradient_2d
        from gradwalk.book import function_2

        for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
            print(numerical_gradient(function_2, np.array(point)))
        x0 = np.arange(-2, 2.5, 0.25)
        X, Y = np.meshgrid(x0, x0)
        grad = numerical_gradient_2d(function_2, np.array([X.flatten(), Y.flatten()]).T).T
        plt.quiver(X.flatten(), Y.flatten(), -grad[0], -grad[1], angles="xy", color="#666666")
        plt.savefig("gradient_2d.png")
        print(grad.shape)
    """,
    "gradient_method.py": """
        import sys, os
        sys.path.append(os.pardir)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
        from gradwalk.book import function_2, gradient_descent

        for lr in (0.1, 10.0, 1e-10):
            print(gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100))
        x, x_history = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1,
                                        step_num=20, history=True)
        plt.plot(x_history[:, 0], x_history[:, 1], "o")
        plt.savefig("gradient_method.png")
        print(x_history.shape)
    """,
    "gradient_simplenet.py": """
        import sys, os
        sys.path.append(os.pardir)
        import numpy as np
        from common.functions import cross_entropy_error, softmax
        from common.gradient import numerical_gradient


        class simpleNet:
            def __init__(self):
                self.W = np.array([[0.47355232, 0.9977393, 0.84668094],
                                   [0.85557411, 0.03563661, 0.69422093]])

            def predict(self, x):
                return np.dot(x, self.W)

            def loss(self, x, t):
                return cross_entropy_error(softmax(self.predict(x)), t)


        net = simpleNet()
        x = np.array([0.6, 0.9])
        t = np.array([0, 0, 1])
        print(net.predict(x))
        print(np.argmax(net.predict(x)))
        print(net.loss(x, t))
        print(numerical_gradient(lambda w: net.loss(x, t), net.W))
    """,
    "two_layer_net.py": """
        import sys, os
        sys.path.append(os.pardir)
        import numpy as np
        from common.functions import *
        from common.gradient import numerical_gradient


        class TwoLayerNet:
            def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
                self.params = {
                    "W1": weight_init_std * np.random.randn(input_size, hidden_size),
                    "b1": np.zeros(hidden_size),
                    "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                    "b2": np.zeros(output_size),
                }

            def predict(self, x):
                hidden = sigmoid(np.dot(x, self.params["W1"]) + self.params["b1"])
                return softmax(np.dot(hidden, self.params["W2"]) + self.params["b2"])

            def loss(self, x, t):
                return cross_entropy_error(self.predict(x), t)

            def accuracy(self, x, t):
                y = np.argmax(self.predict(x), axis=1)
                return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[0])

            def numerical_gradient(self, x, t):
                loss_W = lambda W: self.loss(x, t)
                return {key: numerical_gradient(loss_W, self.params[key]) for key in self.params}

            def gradient(self, x, t):
                p = self.params
                a1 = np.dot(x, p["W1"]) + p["b1"]
                z1 = sigmoid(a1)
                y = softmax(np.dot(z1, p["W2"]) + p["b2"])
                dy = (y - t) / x.shape[0]
                da1 = sigmoid_grad(a1) * np.dot(dy, p["W2"].T)
                return {"W1": np.dot(x.T, da1), "b1": np.sum(da1, axis=0),
                        "W2": np.dot(z1.T, dy), "b2": np.sum(dy, axis=0)}


        if __name__ == "__main__":
            np.random.seed(0)
            net = TwoLayerNet(input_size=784, hidden_size=3, output_size=10)
            x = np.random.rand(3, 784)
            t = np.eye(10)[[1, 5, 7]]
            numerical, backprop = net.numerical_gradient(x, t), net.gradient(x, t)
            for key in ("W1", "b1", "W2", "b2"):
                print(key, np.average(np.abs(numerical[key] - backprop[key])))
    """,
    "train_neuralnet.py": """
        import sys, os
        sys.path.append(os.pardir)
        import numpy as np
        from dataset.mnist import load_mnist
        from two_layer_net import TwoLayerNet

        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
        np.random.seed(0)
        network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
        iters_num, batch_size, learning_rate = 300, 20, 0.5
        train_size = x_train.shape[0]
        iter_per_epoch = max(train_size / batch_size, 1)
        for i in range(iters_num):
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
            grad = network.gradient(x_batch, t_batch)
            for key in ("W1", "b1", "W2", "b2"):
                network.params[key] -= learning_rate * grad[key]
            if i % iter_per_epoch == 0:
                train_acc = network.accuracy(x_train, t_train)
                test_acc = network.accuracy(x_test, t_test)
                print("train acc, test acc | " + str(train_acc) + ", " + str(test_acc))
    """,
}


def _book_mnist(folder: Path) -> None:
    """A small mnist.pkl as the book's dataset/mnist.py writes it: ten recognisable classes.

    Each class lights its own band of pixel rows, with noise: a network can learn it.
    """
    rng = np.random.default_rng(0)

    def split(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 10, count).astype(np.uint8)
        images = rng.integers(0, 60, (count, 28, 28))
        for image, label in zip(images, labels, strict=True):
            image[2 + 2 * label : 5 + 2 * label, 4:24] += 180
        return images.reshape(count, 784).astype(np.uint8), labels

    train_img, train_label = split(600)
    test_img, test_label = split(200)
    data = {
        "train_img": train_img,
        "train_label": train_label,
        "test_img": test_img,
        "test_label": test_label,
    }
    with open(folder / "mnist.pkl", "wb") as file:
        pickle.dump(data, file, -1)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the book's folder layout with gradwalk as common/ and dataset/."""
    root = tmp_path_factory.mktemp("deep-learning-from-scratch")
    files = _page_files()
    assert sorted(files) == ["common/functions.py", "common/gradient.py", "dataset/mnist.py"]
    for folder in ("common", "dataset", "ch04"):
        (root / folder).mkdir()
        (root / folder / "__init__.py").write_text("")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    for name, text in SCRIPTS.items():
        (root / "ch04" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    _book_mnist(root / "dataset")
    return root


def _run(book: Path, script: str) -> list[str]:
    environment = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, script],
        cwd=book / "ch04",
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, f"ch04/{script} failed:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout.splitlines()


def test_gradient_1d_prints_the_central_difference(book: Path) -> None:
    h = 1e-4
    f = lambda x: 0.01 * x**2 + 0.1 * x  # noqa: E731 - the book's function_1
    expected = [str((f(x + h) - f(x - h)) / (2 * h)) for x in (5, 10)]
    assert _run(book, "gradient_1d.py") == expected
    assert (book / "ch04" / "gradient_1d.png").stat().st_size > 0


def test_gradient_2d_prints_the_books_three_gradients(book: Path) -> None:
    assert _run(book, "gradient_2d.py") == ["[6. 8.]", "[0. 4.]", "[6. 0.]", "(2, 324)"]


def test_gradient_method_prints_the_books_table(book: Path) -> None:
    assert _run(book, "gradient_method.py") == [
        "[-6.11110793e-10  8.14814391e-10]",
        "[-2.58983747e+13 -1.29524862e+12]",
        "[-2.99999994  3.99999992]",
        "(20, 2)",
    ]


def test_gradient_simplenet_prints_the_books_values(book: Path) -> None:
    # The repository's loss, with its 1e-7 inside the log (docs/book.md, 4.4.2).
    assert _run(book, "gradient_simplenet.py") == [
        "[1.05414809 0.63071653 1.1328074 ]",
        "2",
        "0.9280682857864075",
        "[[ 0.21924757  0.14356243 -0.36281   ]",
        " [ 0.32887136  0.21534364 -0.544215  ]]",
    ]


def test_two_layer_net_numerical_gradient_agrees_with_backprop(book: Path) -> None:
    lines = _run(book, "two_layer_net.py")
    assert [line.split()[0] for line in lines] == ["W1", "b1", "W2", "b2"]
    # The loss adds 1e-7 inside the log, backprop differentiates it without: about 1e-7.
    assert all(float(line.split()[1]) < 1e-6 for line in lines), lines


def test_train_neuralnet_learns_from_a_book_format_mnist_pkl(book: Path) -> None:
    lines = _run(book, "train_neuralnet.py")
    assert len(lines) == 10, lines  # 300 iterations, an epoch of 600 / 20 = 30
    accuracies = []
    for line in lines:
        match = re.fullmatch(r"train acc, test acc \| ([\d.]+), ([\d.]+)", line)
        assert match, f"not the book's line: {line!r}"
        accuracies.append((float(match.group(1)), float(match.group(2))))
    assert accuracies[-1][1] > 0.9 > accuracies[0][1], accuracies
