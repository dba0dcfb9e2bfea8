"""Issue 14's notebook acceptance: docs/notebooks/quickstart.ipynb, executed
headlessly with nbclient (one kernel start, about 3 s), shows a checked
network as its HTML table, with the diagram when Graphviz is there and
without it once the notebook takes `dot` off its kernel's PATH."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest
from conftest import ROOT

import archlang
from archlang import accounting

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"


@pytest.fixture(scope="module")
def outputs() -> list[list[dict[str, Any]]]:
    """Each code cell's outputs, the notebook run from its own folder."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]


def _html(cell: list[dict[str, Any]]) -> str:
    (result,) = [o for o in cell if o["output_type"] == "execute_result"]
    return result["data"]["text/html"]


def _cells(html: str) -> list[str]:
    return re.findall(r"<t[dh] [^>]*>([^<]*)</t[dh]>", html)


def test_the_notebook_ships_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


def test_a_checked_network_shows_as_its_table(outputs) -> None:
    html = _html(outputs[0])
    assert html.startswith('<table class="archlang">')
    cells = _cells(html)
    assert cells[:8] == ["name", "layer", "output", "params", "MACs", "memory", "rf/jump", "line"]
    row = cells.index("stage1.conv1")  # the zoo's vgg16 (archlang/zoo/vgg.arch) names its stages
    assert cells[row:row + 7] == ["stage1.conv1", "conv3-64 + relu", "64@224x224", "1,792", "86,704,128",
                                  "3,211,264", "3/1"]
    total = cells.index("total")
    assert cells[total:total + 6] == ["total", "", "1000", "138,357,544", "15,470,264,320", "15,145,448"]
    trainable = cells.index("trainable params")
    assert cells[trainable + 1] == "138,357,544"
    training = cells.index("training step total")
    # input 3 x 224 x 224 x 4 + parameters and their gradients, 2 x 4 x 138,357,544, + what the backward keeps
    kept = accounting.kept_for_backward(archlang.check("vgg16"))
    assert cells[training + 1:training + 3] == ["1.1 GiB", f"{602_112 + 8 * 138_357_544 + kept:,}"]


def test_with_graphviz_the_diagram_follows_the_tables(outputs) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed here: the case without it is tested below")
    html = _html(outputs[0])
    assert '<div class="archlang-diagram"><svg' in html
    assert html.index("<svg") > html.index("training step total")


def test_the_repr_and_the_counts(outputs) -> None:
    text = "".join(o["text"] for o in outputs[1] if o["output_type"] == "stream")
    assert text == ("<CheckedNetwork vgg16: 3@224x224 -> 1000, 138,357,544 params, 15.47 G MACs>\n"
                    "138357544 138357544 0 0 15470264320\n")


def test_frozen_parameters_and_a_batch_show(outputs) -> None:
    cells = _cells(_html(outputs[2]))
    assert cells[cells.index("total") + 3] == "11,979,902"
    assert cells[cells.index("trainable params") + 1] == "6,350,402"
    assert cells[cells.index("frozen params") + 1] == "5,629,500"
    assert "50 x 56" in cells  # the input row, batch 50
    gradients = cells.index("gradients")
    assert cells[gradients + 2] == f"{4 * 6_350_402:,}"  # the frozen copy gets none
    state = cells.index("optimizer state (adam)")
    assert cells[state + 2] == f"{2 * 4 * 6_350_402:,}"


def test_without_graphviz_the_tables_alone(outputs) -> None:
    text = "".join(o["text"] for o in outputs[3] if o["output_type"] == "stream")
    assert text == "dot: None\n"
    html = _html(outputs[3])
    assert "<svg" not in html and "archlang-diagram" not in html
    (result,) = [o for o in outputs[3] if o["output_type"] == "execute_result"]
    assert set(result["data"]) == {"text/plain", "text/html"}  # no image/svg+xml either
    assert html == _html(outputs[0])[:len(html)]  # the same tables as with Graphviz
    assert "138,357,544" in _cells(html)
