"""Codegen: the generated source is deterministic, formatted, standalone and safe.

The parity of what it builds (parameters, shapes, MACs) is tests/test_parity.py;
here the text itself: byte-identical across runs and hash seeds, clean under
`ruff check` and `ruff format --check`, runnable by a Python that cannot import
archlang, and immune to whatever a spec's names and file names hold.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, ARCHITECTURES_DIR, archc_command, archc_process

import archlang
from archlang import codegen, layers

#: -D variants that add layers: a side output, a frozen second embedding.
VARIANTS = {"inception_v3_aux": ("inception_v3.arch", {"aux": True}),
            "kim2014_multichannel": ("kim2014.arch", {"multichannel": True}),
            "vgg16_bn": ("vgg16.arch", {"bn": True})}

# Runs a generated file as a script in a Python that refuses to import archlang.
NO_ARCHLANG = (
    "import runpy, sys; sys.modules['archlang'] = None; "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)


def generate(spec: Path | str, **params: object) -> str:
    return codegen.python(archlang.check(spec, **params))


def every_file() -> dict[str, str]:
    """The generated source of every shipped spec and variant, by name."""
    sources = {spec.stem: generate(spec) for spec in ARCHITECTURES}
    sources.update({name: generate(ARCHITECTURES_DIR / file, **params) for name, (file, params) in VARIANTS.items()})
    return sources


def test_deterministic_across_runs_and_hash_seeds() -> None:
    here = {spec.name: generate(spec) for spec in ARCHITECTURES}
    assert here == {spec.name: generate(spec) for spec in ARCHITECTURES}
    script = (
        "import archlang, json, sys; from archlang import codegen; "
        "print(json.dumps(codegen.python(archlang.check(sys.argv[1]))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    for name in ("vgg16.arch", "resnet50.arch", "googlenet.arch", "lenet5_1998.arch"):
        run = subprocess.run([sys.executable, "-c", script, str(ARCHITECTURES_DIR / name)],
                             capture_output=True, text=True, env=env, check=True)
        import json

        assert json.loads(run.stdout) == here[name]


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_ruff_check_and_format(tmp_path: Path) -> None:
    for name, source in every_file().items():
        (tmp_path / f"{name}.py").write_text(source)
    # --isolated: ruff's defaults (line length 88), not this project's settings.
    for command in (["check"], ["format", "--check"]):
        run = subprocess.run([sys.executable, "-m", "ruff", *command, "--isolated", "--no-cache", str(tmp_path)],
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr


def test_standalone_script_without_archlang(tmp_path: Path) -> None:
    source = generate(ARCHITECTURES_DIR / "lenet5.arch")
    assert "archlang" not in source.replace("archc", "")
    (tmp_path / "lenet5.py").write_text(source)
    run = subprocess.run([sys.executable, "-I", "-c", NO_ARCHLANG, "lenet5.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "lenet5: output (10,), 61,706 parameters" in run.stdout


@pytest.mark.parametrize(("name", "printed"), [
    ("lenet5_1998", ["lenet5_1998: output (10,), 60,000 parameters"]),
    ("kim2014", ["kim2014: output (2,), 5,990,402 parameters"]),  # its input: a LongTensor of token ids
    ("inception_v3_aux", ["inception_v3: output (1000,), 27,161,264 parameters", "side output aux: (1000,)"]),
])
def test_standalone_scripts_of_the_kinds_pytorch_lacks(tmp_path: Path, name: str, printed: list[str]) -> None:
    file, params = VARIANTS.get(name, (f"{name}.arch", {}))
    (tmp_path / f"{name}.py").write_text(generate(ARCHITECTURES_DIR / file, **params))
    run = subprocess.run([sys.executable, "-I", "-c", NO_ARCHLANG, f"{name}.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == printed


@pytest.mark.slow
def test_acceptance_vgg16_script(tmp_path: Path) -> None:
    """Issue 4, acceptance 1: archc build vgg16.arch -o vgg16.py && python vgg16.py."""
    subprocess.run([*archc_command(), "build", str(ARCHITECTURES_DIR / "vgg16.arch"), "-o", "vgg16.py"], cwd=tmp_path,
                   check=True)
    run = subprocess.run([sys.executable, "-I", "-c", NO_ARCHLANG, "vgg16.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "vgg16: output (1000,), 138,357,544 parameters" in run.stdout


def test_one_line_per_layer_with_spec_lines() -> None:
    source = generate(ARCHITECTURES_DIR / "vgg16.arch")
    forward = source.split("def forward")[-1]
    assert "x = self.conv1_1(x)  # vgg16.arch:" in forward
    assert "x = self.flatten6(x)  # vgg16.arch:" in forward  # the implied flatten, explicit
    assert "self.relu6 = nn.ReLU(inplace=True)" in source  # activations visible
    assert source.count("class ConvBlock(nn.Module):") == 1  # one block class for 13 convs
    assert "self.conv5_3 = ConvBlock(512, 512)" in source


def test_helpers_only_when_used() -> None:
    assert "class PositionBias" in generate(ARCHITECTURES_DIR / "alphago_policy.arch")
    vgg = generate(ARCHITECTURES_DIR / "vgg16.arch")
    assert not any(f"class {name}" in vgg for name in codegen.HELPERS)
    maxout = generate("network m\ninput 8@16x16\nconv3-8, maxout(2), minpool, l2pool, local3-4 p=0, fc-3")
    for name in ("Maxout", "MinPool", "L2Pool", "LocallyConnected"):
        assert f"class {name}(nn.Module)" in maxout
    lenet = generate(ARCHITECTURES_DIR / "lenet5_1998.arch")
    for name in ("PartialConv", "Subsample", "RBF"):
        assert f"class {name}(nn.Module)" in lenet
    assert "LENET5_TABLE = (\n    (0, 1, 2),\n" in lenet  # Table I, written out once
    assert "self.partialconv2 = PartialConv(LENET5_TABLE, nn.Conv2d, kernel_size=5)" in lenet
    assert "self.subsample1 = Subsample(6, nn.AvgPool2d(kernel_size=2, stride=2))" in lenet
    kim = generate(ARCHITECTURES_DIR / "kim2014.arch", multichannel=True)
    assert "class Embed(nn.Embedding)" in kim and "input_dtype = torch.long" in kim
    assert "Embed(18765, 300, frozen=True)" in kim and "Embed(18765, 300)" in kim


# ---- injection: only identifiers, numbers and escaped comments reach the source ----


@pytest.mark.parametrize("stem", ['my-net', 'a"b', "x'); import os; os.system('id'); ('", "two\nlines", "class", "é"])
def test_network_names_that_are_not_identifiers_are_refused(tmp_path: Path, stem: str) -> None:
    path = tmp_path / f"{stem}.arch"
    try:
        path.write_text("input 2\nfc-1\n")
    except OSError:
        pytest.skip("the file system refuses this name")
    with pytest.raises(archlang.ArchError) as caught:
        generate(path)
    assert [d.code for d in caught.value.diagnostics] == ["E401"]


@pytest.mark.parametrize("stem", ['quote"s', "new\nline import os", "back\\slash", "tab\tand\u2028sep"])
def test_file_names_are_escaped_in_comments(tmp_path: Path, stem: str) -> None:
    path = tmp_path / f"{stem}.arch"
    try:
        path.write_text("network safe\ninput 2\nfc-1\n")
    except OSError:
        pytest.skip("the file system refuses this name")
    source = generate(path)
    compile(source, "generated", "exec")
    assert all(line.isascii() and line.isprintable() for line in source.splitlines())
    assert not any(line.lstrip().startswith("import os") for line in source.splitlines())


def test_labels_that_clash_with_python_or_nn_module_get_an_underscore() -> None:
    source = generate("network n\ninput 2\nforward: fc-3, training: fc-2, to: fc-1")
    assert "self.forward_ = nn.Linear(2, 3)" in source
    assert "self.training_ = " in source and "self.to_ = " in source
    torch = pytest.importorskip("torch")
    model = archlang.build("network n\ninput 2\nforward: fc-3, training: fc-2, to: fc-1")
    assert model(torch.zeros(1, 2)).shape == (1, 1)


def test_module_attributes_cover_nn_module() -> None:
    nn = pytest.importorskip("torch.nn")
    public = {name for name in dir(nn.Module) if not name.startswith("_")}
    assert public <= codegen.MODULE_ATTRIBUTES | {n for n in public if n.startswith("register_")}


def test_every_kind_has_a_constructor() -> None:
    """Every kind of the table has its PyTorch rule in the backend."""
    from archlang.codegen import torch_rules

    assert {kind.name for kind in layers.KINDS} <= set(torch_rules.CONSTRUCTORS)


@pytest.mark.parametrize("name", ["concat", "add", "zeropad-8"])
def test_joins_and_internal_kinds_are_not_layers(name: str) -> None:
    """A join is written as a branch, option A's shortcut by shortcut=A: neither is a layer name."""
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(f"network n\ninput 3@8x8\nconv3-4, {name}")
    assert [(d.code, d.line, d.col) for d in info.value.errors] == [("E201", 3, 10)]


SIDES = """network sides
input 3@16x16
act relu
def stage(c) = conv3-c, side[gap, fc-10], pool
[stage(8)]*2
[conv3-8, side[gmp, fc-4]]*2
{x + conv3-8, side[gmp, fc-4], conv3-8}
{conv1-4 | side[gap, fc-2], conv1-4}
gap, fc-3
"""


def test_side_outputs_are_returned_after_the_output() -> None:
    """forward returns (output, *side outputs) in spec order, also from inside
    blocks, repeats, residuals and branches; a block returns its own sides."""
    source = generate(SIDES)
    assert "        return x, aux\n" in source  # the stage block's forward
    assert "x, aux = self.stage1(x)" in source and "x, aux2 = self.stage2(x)" in source
    assert "        return x, aux, aux2, aux3, aux4, aux5, aux6\n" in source
    assert "    forward returns a tuple: the output, then the side outputs (10, 10, 4, 4, 4, 2).\n" in source
    assert 'print(f"side output aux6: {tuple(aux6.shape[1:])}")' in source
    assert "tuple[torch.Tensor, ...]" not in generate(ARCHITECTURES_DIR / "vgg16.arch")
    torch = pytest.importorskip("torch")
    network, model = archlang.check(SIDES), archlang.build(SIDES)
    outputs = model(torch.randn(2, 3, 16, 16))
    assert [tuple(y.shape[1:]) for y in outputs] == [network.output, *network.side_outputs]
    assert sum(p.numel() for p in model.parameters()) == network.params


def test_block_comments_name_the_file_the_block_is_in(tmp_path: Path) -> None:
    """FILE:LINE inside a block points into the file that defines it (the
    checker records it: Block.origin), the call's line into the spec."""
    (tmp_path / "blocks.arch").write_text("act relu\n\ndef pair(c) = conv3-c, conv3-c\n")
    spec = tmp_path / "net.arch"
    spec.write_text('network net\nimport "blocks.arch"\ninput 3@8x8\npair(4)\n')
    source = generate(spec)
    assert "x = self.conv1(x)  # blocks.arch:3" in source
    assert "x = self.pair1(x)  # net.arch:4" in source


# ---- torch stays out of archlang and archc check --------------------------------------


def test_import_and_check_do_not_import_torch() -> None:
    script = (
        "import sys, archlang; from archlang import codegen; "
        "net = archlang.check(sys.argv[1]); codegen.python(net); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", script, str(ARCHITECTURES_DIR / "vgg16.arch")], check=True)


def test_build_is_exported_lazily() -> None:
    pytest.importorskip("torch")
    assert "build" in archlang.__all__
    assert callable(archlang.build)


def test_meta_build_allocates_nothing() -> None:
    torch = pytest.importorskip("torch")
    model = archlang.build(ARCHITECTURES_DIR / "vgg16.arch", device="meta")
    assert all(p.device.type == "meta" for p in model.parameters())
    assert model(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 1000)


# ---- archc build ----------------------------------------------------------------------------


def test_cli_writes_the_same_source(tmp_path: Path) -> None:
    out = tmp_path / "alphago.py"
    run = archc_process("build", str(ARCHITECTURES_DIR / "alphago_policy.arch"), "-D", "k=128", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_text() == generate(ARCHITECTURES_DIR / "alphago_policy.arch", k=128)
    assert [p.name for p in tmp_path.iterdir()] == ["alphago.py"]  # no temporary file left
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_cli_to_stdout() -> None:
    run = archc_process("build", str(ARCHITECTURES_DIR / "xor_relu.arch"), "-o", "-")
    assert run.returncode == 0
    assert run.stdout == generate(ARCHITECTURES_DIR / "xor_relu.arch")


def test_cli_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    spec = tmp_path / "net.arch"
    spec.write_text("network net\ninput 2\nfc-1\n")
    run = archc_process("build", "net.arch", "-o", str(spec), cwd=tmp_path)
    assert run.returncode == 2
    assert spec.read_text() == "network net\ninput 2\nfc-1\n"


def test_cli_errors_leave_no_file(tmp_path: Path) -> None:
    spec = tmp_path / "bad.arch"
    spec.write_text("network bad\ninput 3@8x8\nconv9-4 p=0\n")
    out = tmp_path / "bad.py"
    run = archc_process("build", str(spec), "-o", str(out))
    assert run.returncode == 1
    assert "E302" in run.stderr
    assert not out.exists()
    assert archc_process("build", str(spec)).returncode == 2  # -o is required
    assert archc_process("build", str(ARCHITECTURES_DIR / "vgg16.arch"), "-o", str(tmp_path / "no" / "x.py")).returncode == 2
