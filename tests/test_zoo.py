"""The zoo: every torchvision classification model by name, computing what torchvision computes.

shared/reference/torchvision-zoo.json (copied to tests/golden/torchvision-zoo.json)
holds, for each of torchvision 0.29's 80 models, its parameters, MACs
(FlopCounterMode / 2), input, output and state_dict signature, measured on
torchvision itself; tests/golden/zoo_outputs.json the output fingerprint of
each on fixed weights and a fixed input (scripts/record_torchvision.py made it
with real torchvision). Here each name is checked, built and run:

- check gives the reference's parameters, MACs, input and output;
- the module built on the meta device has the reference's state_dict
  signature: every tensor's shape, in order, parameters and buffers where
  torchvision has them, so `archlang.load_state_dict` loads its weights;
- built for real and filled with the reference's fixed weights (by
  structure: tensor i gets what torchvision's tensor i got), it gives
  torchvision's output on the reference input. The largest models run only
  with ARCHLANG_ZOO_ALL=1 (minutes and GBs each on a CPU).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

import archlang
from archlang import zoo

REFERENCE = json.loads((ROOT / "tests" / "golden" / "torchvision-zoo.json").read_text())
OUTPUTS_FILE = ROOT / "tests" / "golden" / "zoo_outputs.json"
OUTPUTS = json.loads(OUTPUTS_FILE.read_text()) if OUTPUTS_FILE.exists() else {}

#: Models the zoo does not express yet, with what is missing (the README says the same): none since
#: Swin, Swin V2 and MaxViT (archlang/zoo/swin.arch, maxvit.arch).
MISSING: dict[str, str] = {}

#: Models too large to run on a CPU in CI (parameters x MACs): their function test needs ARCHLANG_ZOO_ALL=1.
GIANT_MACS = 40e9
GIANT_PARAMS = 250e6

NAMES = sorted(REFERENCE)
EXPRESSED = [n for n in NAMES if n not in MISSING]


def test_the_index_matches_the_family_files() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_zoo_index.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_every_reference_model_is_in_the_zoo_or_listed_as_missing() -> None:
    assert sorted(set(zoo.models()) & set(REFERENCE)) == EXPRESSED
    assert set(MISSING) <= set(REFERENCE)


@pytest.mark.parametrize("name", EXPRESSED)
def test_figures_equal_torchvision(name: str) -> None:
    reference = REFERENCE[name]
    network = archlang.check(name)
    assert network.name == name
    assert network.input == tuple(reference["input"])
    assert network.output == tuple(reference["output"])
    assert network.params == reference["params"]
    assert network.macs == reference["macs"]


@pytest.mark.parametrize("name", EXPRESSED)
def test_state_dict_signature_equals_torchvision(name: str) -> None:
    torch = pytest.importorskip("torch")
    model = archlang.build(name, device="meta")
    ours = [tuple(t.shape) for t in model.state_dict().values()]
    theirs = [tuple(shape) for _, shape in REFERENCE[name]["state_dict"]]
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"tensor {i}: ours {list(model.state_dict())[i]} {a}, torchvision's " \
                       f"{REFERENCE[name]['state_dict'][i][0]} {b}"
    assert len(ours) == len(theirs)
    if name in OUTPUTS:  # parameters where torchvision has parameters, buffers where it has buffers
        kinds = {id(p) for p in model.parameters()}
        ours_parameters = [i for i, t in enumerate(model.state_dict(keep_vars=True).values()) if id(t) in kinds]
        assert ours_parameters == OUTPUTS[name]["parameters"]
    del torch


def _giant(name: str) -> bool:
    reference = REFERENCE[name]
    return reference["macs"] > GIANT_MACS or reference["params"] > GIANT_PARAMS


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in EXPRESSED if n in OUTPUTS])
def test_the_built_module_computes_what_torchvision_computes(name: str) -> None:
    if _giant(name) and os.environ.get("ARCHLANG_ZOO_ALL") != "1":
        pytest.skip("a giant on a CPU: run with ARCHLANG_ZOO_ALL=1")
    torch = pytest.importorskip("torch")
    import zoo_reference

    model = archlang.build(name).eval()
    names = [ref_name for ref_name, _ in REFERENCE[name]["state_dict"]]
    tensors = list(model.state_dict().values())
    zoo_reference.fill_state(list(zip(names, tensors)), set(OUTPUTS[name]["parameters"]))
    shape = tuple(REFERENCE[name]["input"])
    for key, amplitude in (("fingerprint", 1.0), ("fingerprint_amplified", zoo_reference.AMPLIFIED)):
        with torch.no_grad():
            output = model(zoo_reference.reference_input(shape, amplitude))
        output = output[0] if isinstance(output, tuple) else output  # the main output; side outputs follow
        problem = zoo_reference.matches(OUTPUTS[name][key], zoo_reference.fingerprint(output))
        assert problem is None, f"{key}: {problem}"


def test_an_unknown_name_is_a_coded_error_with_a_suggestion() -> None:
    with pytest.raises(archlang.ArchError) as info:
        archlang.check("resnet5O")
    (error,) = info.value.errors
    assert error.code == "E216" and error.hint == "did you mean 'resnet50'?"


def test_load_state_dict_loads_by_structure_and_names_the_first_misfit() -> None:
    torch = pytest.importorskip("torch")
    model = archlang.build("resnet18")
    theirs = {f"torchvision.{i}": t.clone() + 1 for i, t in enumerate(model.state_dict().values())}
    archlang.load_state_dict(model, theirs)
    assert torch.equal(next(iter(model.state_dict().values())), next(iter(theirs.values())))
    bad = dict(theirs)
    key = list(bad)[3]
    bad[key] = torch.zeros(7)
    with pytest.raises(ValueError, match=rf"tensor 3 of the state_dict, {key} \(7,\)"):
        archlang.load_state_dict(model, bad)


def test_the_readme_zoo_table_is_archc_zoo_and_names_what_is_missing() -> None:
    from conftest import archc_in_process

    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- zoo table: archc zoo --format md (tests/test_zoo.py checks it) -->\n")
    end = readme.index("<!-- end of zoo table -->")
    table = readme[start:end].split("\n", 1)[1]
    assert table == archc_in_process("zoo", "--format", "md").stdout
    for name in MISSING:
        assert f"`{name}`" in readme
