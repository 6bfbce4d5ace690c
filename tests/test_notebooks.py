"""The example notebooks, executed in a fresh Jupyter kernel (nbclient, ipykernel).

Each notebook of notebooks/ runs from top to bottom in a new kernel of this Python, as a
reader's Jupyter would run it: no cell may fail, every figure cell (tagged "figure")
must store a PNG, every display cell ("display") a rich HTML display, and the outputs
must hold the book's printed digits. The notebooks in the repository keep their outputs
(so that they show on a page that does not run them): those must be what a fresh run
prints, timings aside. GRADWALK_UPDATE_NOTEBOOKS=1 writes the fresh outputs back instead.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra (nbformat) is not installed")
nbclient = pytest.importorskip("nbclient", reason="the test extra (nbclient) is not installed")
pytest.importorskip("ipykernel", reason="the test extra (ipykernel) is not installed")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
UPDATE = os.environ.get("GRADWALK_UPDATE_NOTEBOOKS") == "1"

#: What the book printed, as NumPy prints it, that each notebook must show.
BOOK_DIGITS = {
    "section-4-4.ipynb": [
        "array([6., 8.])",
        "array([0., 4.])",
        "array([6., 0.])",
        "[6.00000000000378, 7.999999999999119]",
        "array([-6.11110793e-10,  8.14814391e-10])",
        "array([-2.58983747e+13, -1.29524862e+12])",
        "array([-2.99999994,  3.99999992])",
        "array([1.05414809, 0.63071653, 1.1328074 ])",
        "array([[ 0.21924763,  0.14356247, -0.36281009],\n"
        "       [ 0.32887144,  0.2153437 , -0.54421514]])",
    ],
    "section-4-5.ipynb": ["train acc, test acc | "],
}


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A kernel spec that runs this very Python (not whatever "python3" the machine has)."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "gradwalk-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "gradwalk test", "language": "python"})
    )
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(folder)
    yield "gradwalk-test"
    if previous is None:
        del os.environ["JUPYTER_PATH"]
    else:
        os.environ["JUPYTER_PATH"] = previous


def _execute(notebook: Any, kernel: str, folder: Path) -> Any:
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name=kernel,
        record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return notebook


def _code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _texts(cell: Any) -> list[str]:
    """A cell's text outputs (printed and shown), its timings replaced, its stderr left out."""
    printed = "".join(
        output.text
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )  # however the kernel cut it into messages
    texts = [printed]
    for output in cell.outputs:
        if output.output_type in ("execute_result", "display_data"):
            texts.extend(output.data.get(mime, "") for mime in ("text/plain", "text/html"))
    return [re.sub(r"\d+(\.\d+)? (s|ms)\b", "<time>", text) for text in texts]


def _without_paths(notebook: Any) -> Any:
    """``notebook`` with the file paths that warnings print before their category (the
    kernel's temporary cell files) left out of its stored stderr: a stored notebook names
    no folder of the machine that ran it."""
    for cell in _code_cells(notebook):
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = re.sub(r"^\S+\.py:\d+: (?=\w+Warning: )", "", output.text, flags=re.M)
    return notebook


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _check_outputs(notebook: Any, name: str) -> None:
    for number, cell in enumerate(_code_cells(notebook), start=1):
        where = f"{name}, code cell {number} ({cell.source.splitlines()[0]!r})"
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert not errors, f"{where} failed: {errors[0].get('evalue') if errors else ''}"
        noise = [o.text for o in cell.outputs if o.output_type == "stream" and "Tqdm" in o.text]
        assert not noise, f"{where} shows tqdm's warning: {noise[0]}"
        data = [o.data for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
        if "figure" in _tags(cell):
            assert any("image/png" in d for d in data), f"{where} shows no picture"
        if "display" in _tags(cell):
            assert any('class="gradwalk-result"' in d.get("text/html", "") for d in data), (
                f"{where} shows no rich display"
            )
    shown = "\n".join(text for cell in _code_cells(notebook) for text in _texts(cell))
    for digits in BOOK_DIGITS[name]:
        assert digits in shown, f"{name} does not show the book's {digits!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_a_notebook_runs_in_a_fresh_kernel_and_shows_the_book(
    path: Path, kernel: str, tmp_path: Path
) -> None:
    stored = nbformat.read(path, as_version=4)
    fresh = _execute(nbformat.read(path, as_version=4), kernel, tmp_path)
    _check_outputs(fresh, path.name)
    if UPDATE:
        nbformat.write(_without_paths(fresh), path)
        return
    _check_outputs(stored, path.name)  # the outputs a reader sees without running it
    assert nbformat.writes(_without_paths(stored)) == nbformat.writes(stored), (
        f"{path.name} stores a machine's file path in a warning; rerun with "
        "GRADWALK_UPDATE_NOTEBOOKS=1 to store it without"
    )
    for number, (old, new) in enumerate(
        zip(_code_cells(stored), _code_cells(fresh), strict=True), start=1
    ):
        assert _texts(old) == _texts(new), (
            f"{path.name}, code cell {number}: the stored outputs are not what it prints now; "
            "rerun with GRADWALK_UPDATE_NOTEBOOKS=1 to store them"
        )


def test_a_figure_shows_in_a_fresh_kernel_without_matplotlib_inline(
    kernel: str, tmp_path: Path
) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from gradwalk.book import function_2\n"
            "from gradwalk.plot import plot_gradient_field\n"
            "plot_gradient_field(function_2)"
        ),
        nbformat.v4.new_code_cell("import sys\n'matplotlib.pyplot' in sys.modules"),
    ]
    _execute(notebook, kernel, tmp_path)
    figure, pyplot = notebook.cells
    results = [o for o in figure.outputs if o.output_type == "execute_result"]
    assert results and "image/png" in results[0].data, figure.outputs
    assert results[0].data["image/png"], "an empty picture"
    streams = [o for o in figure.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not streams, f"importing gradwalk printed to stderr: {streams[0].text}"
    assert pyplot.outputs[0].data["text/plain"] == "False", "pyplot was imported: it keeps state"


def test_the_tour_in_a_notebook_shows_each_figure_under_its_text(
    kernel: str, tmp_path: Path
) -> None:
    from gradwalk._tour.run import FIGURES
    from gradwalk._tour.section_4_4 import tour_stops
    from gradwalk._tour.section_4_5 import learning_stops

    stops = [*tour_stops(), *learning_stops()]
    owner = next(number for number, stop in enumerate(stops, start=1) if stop.figures)

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import gradwalk\ngradwalk.tour()")]
    _execute(notebook, kernel, tmp_path)
    outputs = notebook.cells[0].outputs
    pictures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(pictures) == len(FIGURES), f"{len(pictures)} pictures for {len(FIGURES)} figures"
    first_picture = outputs.index(pictures[0])
    before = "".join(o.text for o in outputs[:first_picture] if o.output_type == "stream")
    assert f"[{owner}/" in before and f"[{owner + 1}/" not in before, (
        f"the first figure does not follow the text of its stop, [{owner}/{len(stops)}]"
    )
    assert outputs[-1].data["text/plain"] == "True", "the tour did not agree with the book"
