"""Generated data sets; loaders of digits and MNIST-format files."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk.datasets import make_circles, make_moons, make_spiral


@pytest.mark.parametrize("make", [make_spiral, make_moons, make_circles])
def test_generated_sets_are_seeded_float64_points_with_int_labels(make) -> None:  # type: ignore[no-untyped-def]
    x, t = make(101, seed=5)
    x2, t2 = make(101, seed=5)
    assert x.shape == (101, 2) and x.dtype == np.float64 and t.dtype == np.int64
    assert np.array_equal(x, x2) and np.array_equal(t, t2), "the same seed must repeat"
    assert not np.array_equal(x, make(101, seed=6)[0]), "another seed must differ"
    counts = np.bincount(t)
    assert counts.max() - counts.min() <= 1, f"classes must be balanced, got {counts}"


def test_spiral_arms_follow_the_formula_without_noise() -> None:
    x, t = make_spiral(30, 3, noise=0.0)
    for k in range(3):
        r = np.linspace(0, 1, 10)
        angle = 4 * (k + r)
        expected = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        np.testing.assert_allclose(x[t == k], expected, atol=1e-15)


def test_moons_and_circles_lie_on_their_curves_without_noise() -> None:
    x, t = make_moons(40, noise=0.0)
    np.testing.assert_allclose(np.hypot(*x[t == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(x[t == 1, 0] - 1, x[t == 1, 1] - 0.5), 1.0)
    x, t = make_circles(40, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*x[t == 1].T), 0.3)


def test_bad_arguments_of_generated_sets_are_named() -> None:
    with pytest.raises(ValueError, match="n_samples must be >= 3"):
        make_spiral(2, 3)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        make_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"factor must be a number in \(0, 1\)"):
        make_circles(10, factor=1.5)
    with pytest.raises(TypeError, match="seed must be an int"):
        make_spiral(10, seed="x")  # type: ignore[arg-type]


# --- IDX files from a local HTTP server --------------------------------------------

import gzip  # noqa: E402
import hashlib  # noqa: E402
import http.server  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

from gradwalk._learning.datasets import IDX_FILES  # noqa: E402
from gradwalk.datasets import (  # noqa: E402
    IDXError,
    load_digits,
    load_idx_dataset,
    load_mnist,
)


def _idx(array: np.ndarray) -> bytes:
    """IDX bytes of a uint8 array, written from the format's definition."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, np.ndarray]]]:
    """A real HTTP server on 127.0.0.1 serving four small MNIST-format files."""
    rng = np.random.default_rng(0)
    arrays = {
        IDX_FILES[0]: rng.integers(0, 256, (6, 28, 28)),
        IDX_FILES[1]: rng.integers(0, 10, 6),
        IDX_FILES[2]: rng.integers(0, 256, (3, 28, 28)),
        IDX_FILES[3]: rng.integers(0, 10, 3),
    }
    root = tmp_path / "server"
    root.mkdir()
    for name, array in arrays.items():
        (root / name).write_bytes(gzip.compress(_idx(array)))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=root))
    thread = threading.Thread(target=partial(server.serve_forever, poll_interval=0.02), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root, arrays
    finally:
        server.shutdown()
        server.server_close()


def _hashes(root: Path) -> dict[str, str]:
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in IDX_FILES}


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_checks_hashes_reads_idx_and_caches(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, root, arrays = served
    cache = tmp_path / "cache"
    (x_train, t_train), (x_test, t_test) = load_idx_dataset(
        url, _hashes(root), cache, progress=False
    )
    assert x_train.shape == (6, 784) and x_train.dtype == np.float32
    np.testing.assert_array_equal(x_train * 255, arrays[IDX_FILES[0]].reshape(6, 784))
    np.testing.assert_array_equal(t_train, arrays[IDX_FILES[1]])
    assert t_test.dtype == np.uint8 and x_test.shape == (3, 784), "the book's labels are uint8"
    # Cached: a second call needs no server at all, and the book's options apply.
    (x_raw, t_hot), _ = load_idx_dataset(
        _closed_port_url(), _hashes(root), cache, normalize=False, flatten=False,
        one_hot_label=True, progress=False,
    )  # fmt: skip
    assert x_raw.shape == (6, 1, 28, 28) and x_raw.dtype == np.uint8
    assert t_hot.dtype == np.float64, "the book's one-hot rows are float64"
    np.testing.assert_array_equal(t_hot, np.eye(10)[arrays[IDX_FILES[1]]])


def test_a_file_that_does_not_match_its_sha256_is_refused(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = served
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="does not have the expected SHA-256 440fcabf"):
        load_mnist(cache_dir=cache, base_url=url, progress=False)
    assert not (cache / IDX_FILES[0]).exists(), "a file with the wrong hash was kept"


def test_offline_and_not_cached_says_where_to_put_the_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match="could not download") as raised:
        load_mnist(cache_dir=cache, base_url=_closed_port_url(), progress=False)
    assert str(cache) in str(raised.value) and IDX_FILES[3] in str(raised.value)
    assert "cache_dir=" in str(raised.value) and "mnist.pkl" in str(raised.value)
    assert "not the expected file" not in str(raised.value), "no file was there to blame"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__, (
        "the download's own exceptions must not be chained into a long traceback"
    )
    (cache / IDX_FILES[0]).write_bytes(gzip.compress(b"another file"))
    with pytest.raises(OSError, match="could not download") as raised:
        load_mnist(cache_dir=cache, base_url=_closed_port_url(), progress=False)
    assert f"{IDX_FILES[0]} is there but not the expected file" in str(raised.value), (
        f"offline, the error must say which file in the cache is the wrong one: {raised.value}"
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: gzip.compress(raw[:-10]), "promises shape .* but it has"),
        (lambda raw: gzip.compress(raw + b"\0"), "promises shape"),
        (lambda raw: gzip.compress(b"\1" + raw[1:]), "does not start with an IDX header"),
        (lambda raw: gzip.compress(raw)[:-20], "not a valid gzip file"),
    ],
    ids=["truncated", "too-long", "bad-magic", "cut-gzip"],
)
def test_a_corrupt_or_truncated_file_is_an_error(served, tmp_path: Path, damage, message) -> None:  # type: ignore[no-untyped-def]
    url, root, arrays = served
    target = root / IDX_FILES[2]
    target.write_bytes(damage(_idx(arrays[IDX_FILES[2]])))
    with pytest.raises(IDXError, match=message):
        load_idx_dataset(url, _hashes(root), tmp_path / "cache", progress=False)


def test_digits_have_a_fixed_split_in_the_books_format() -> None:
    pytest.importorskip("sklearn")
    (x_train, t_train), (x_test, _t_test) = load_digits()
    assert x_train.shape == (1500, 64) and x_test.shape == (297, 64)
    assert x_train.dtype == np.float32 and x_train.min() >= 0.0 and x_train.max() == 1.0
    assert set(t_train.tolist()) == set(range(10))
    (x_img, t_hot), _ = load_digits(normalize=False, flatten=False, one_hot_label=True)
    assert x_img.shape == (1500, 1, 8, 8) and t_hot.shape == (1500, 10)
    np.testing.assert_array_equal(x_img.reshape(1500, 64) / np.float32(16), x_train)


def test_without_pooch_files_put_by_hand_load_and_missing_ones_are_explained(
    served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import pooch

    url, root, arrays = served
    folder = pooch.os_cache("gradwalk") / "mnist"  # where pooch itself would keep MNIST
    monkeypatch.setitem(sys.modules, "pooch", None)  # as on an install without the extra
    with pytest.raises(ImportError, match=r'pip install "gradwalk\[data\]"') as raised:
        load_mnist(base_url=url, progress=False)
    assert str(folder) in str(raised.value), "the message names pooch's own cache folder"
    assert IDX_FILES[0] in str(raised.value) and url in str(raised.value)
    by_hand = tmp_path / "by-hand"
    shutil.copytree(root, by_hand)
    (_, t_train), _ = load_idx_dataset(url, _hashes(root), by_hand, progress=False)
    np.testing.assert_array_equal(t_train, arrays[IDX_FILES[1]])
    (by_hand / IDX_FILES[3]).write_bytes(b"not the file")
    with pytest.raises(ImportError, match="into " + re.escape(str(by_hand))) as raised:
        load_idx_dataset(url, _hashes(root), by_hand, progress=False)
    assert f"{IDX_FILES[3]} is there but not the expected file" in str(raised.value), (
        f"the error must say which file put by hand is the wrong one: {raised.value}"
    )


# --- the book's dataset/mnist.pkl -------------------------------------------------------


def _book_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Four arrays as the book's dataset/mnist.py pickles them (uint8, images flattened)."""
    return {
        "train_img": rng.integers(0, 256, (6, 784)).astype(np.uint8),
        "train_label": rng.integers(0, 10, 6).astype(np.uint8),
        "test_img": rng.integers(0, 256, (3, 784)).astype(np.uint8),
        "test_label": rng.integers(0, 10, 3).astype(np.uint8),
    }


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_load_mnist_reads_the_books_pickle_with_the_books_dtypes(
    tmp_path: Path, protocol: int
) -> None:
    import pickle

    arrays = _book_arrays(np.random.default_rng(protocol))
    with open(tmp_path / "mnist.pkl", "wb") as file:
        pickle.dump(arrays, file, protocol)
    url = _closed_port_url()  # nothing is downloaded
    (x_train, t_train), (x_test, t_test) = load_mnist(cache_dir=tmp_path, base_url=url)
    assert x_train.dtype == np.float32 and t_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["train_img"].astype(np.float32) / 255.0)
    np.testing.assert_array_equal(t_test, arrays["test_label"])
    (x_raw, t_hot), _ = load_mnist(
        normalize=False, flatten=False, one_hot_label=True, cache_dir=tmp_path, base_url=url
    )
    assert x_raw.dtype == np.uint8 and x_raw.shape == (6, 1, 28, 28)
    assert t_hot.dtype == np.float64
    np.testing.assert_array_equal(t_hot.argmax(axis=1), arrays["train_label"])
    assert x_test.shape == (3, 784)


class _Shell:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("this pickle ran code",))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ({"train_img": _Shell()}, r"asks to run builtins.print"),
        ([1, 2], r"holds list"),
        ({**_book_arrays(np.random.default_rng(0)), "train_label": np.zeros(6)}, r"float64"),
        (
            {**_book_arrays(np.random.default_rng(0)), "test_label": np.zeros(2, np.uint8)},
            r"3 samples but the labels 2",
        ),
    ],
    ids=["runs-code", "not-a-dict", "wrong-dtype", "wrong-count"],
)
def test_a_pickle_that_is_not_the_books_is_refused_without_running_it(
    tmp_path: Path, content: object, match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import pickle

    from gradwalk.datasets import BookPickleError

    (tmp_path / "mnist.pkl").write_bytes(pickle.dumps(content, 4))
    with pytest.raises(BookPickleError, match=match) as raised:
        load_mnist(cache_dir=tmp_path, base_url=_closed_port_url())
    assert "ran code" not in capsys.readouterr().out, "the pickle's code was run"
    assert str(tmp_path / "mnist.pkl") in str(raised.value) and "Delete it" in str(raised.value)
