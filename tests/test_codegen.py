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

import archlang
from archlang import codegen

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURES = ROOT / "architectures"
SPECS = sorted(ARCHITECTURES.glob("*.arch"))
ARCHC = str(Path(sys.executable).parent / "archc")

# Runs a generated file as a script in a Python that refuses to import archlang.
NO_ARCHLANG = (
    "import runpy, sys; sys.modules['archlang'] = None; "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)


def generate(spec: Path | str, **params: object) -> str:
    return codegen.python(archlang.check(spec, **params))


def buildable() -> list[Path]:
    """Specs archc build can write today (branches of every kind, not yet
    kim2014's embedding or LeNet-5 1998's partial connections)."""
    specs = []
    for spec in SPECS:
        try:
            generate(spec)
        except archlang.ArchError:
            continue
        specs.append(spec)
    return specs


def test_deterministic_across_runs_and_hash_seeds() -> None:
    here = {spec.name: generate(spec) for spec in buildable()}
    assert here == {spec.name: generate(spec) for spec in buildable()}
    script = (
        "import archlang, json, sys; from archlang import codegen; "
        "print(json.dumps(codegen.python(archlang.check(sys.argv[1]))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    for name in ("vgg16.arch", "resnet50.arch", "googlenet.arch"):
        if name not in here:
            continue
        run = subprocess.run([sys.executable, "-c", script, str(ARCHITECTURES / name)],
                             capture_output=True, text=True, env=env, check=True)
        import json

        assert json.loads(run.stdout) == here[name]


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_ruff_check_and_format(tmp_path: Path) -> None:
    for spec in buildable():
        (tmp_path / f"{spec.stem}.py").write_text(generate(spec))
    (tmp_path / "vgg16_bn.py").write_text(generate(ARCHITECTURES / "vgg16.arch", bn=True))
    # --isolated: ruff's defaults (line length 88), not this project's settings.
    for command in (["check"], ["format", "--check"]):
        run = subprocess.run([sys.executable, "-m", "ruff", *command, "--isolated", "--no-cache", str(tmp_path)],
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr


def test_standalone_script_without_archlang(tmp_path: Path) -> None:
    source = generate(ARCHITECTURES / "lenet5.arch")
    assert "archlang" not in source.replace("archc", "")
    (tmp_path / "lenet5.py").write_text(source)
    run = subprocess.run([sys.executable, "-I", "-c", NO_ARCHLANG, "lenet5.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "lenet5: output (10,), 61,706 parameters" in run.stdout


@pytest.mark.slow
def test_acceptance_vgg16_script(tmp_path: Path) -> None:
    """Issue 4, acceptance 1: archc build vgg16.arch -o vgg16.py && python vgg16.py."""
    subprocess.run([ARCHC, "build", str(ARCHITECTURES / "vgg16.arch"), "-o", "vgg16.py"], cwd=tmp_path, check=True)
    run = subprocess.run([sys.executable, "-I", "-c", NO_ARCHLANG, "vgg16.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "vgg16: output (1000,), 138,357,544 parameters" in run.stdout


def test_one_line_per_layer_with_spec_lines() -> None:
    source = generate(ARCHITECTURES / "vgg16.arch")
    forward = source.split("def forward")[-1]
    assert "x = self.conv1_1(x)  # vgg16.arch:" in forward
    assert "x = self.flatten6(x)  # vgg16.arch:" in forward  # the implied flatten, explicit
    assert "self.relu6 = nn.ReLU(inplace=True)" in source  # activations visible
    assert source.count("class ConvBlock(nn.Module):") == 1  # one block class for 13 convs
    assert "self.conv5_3 = ConvBlock(512, 512)" in source


def test_helpers_only_when_used() -> None:
    assert "class PositionBias" in generate(ARCHITECTURES / "alphago_policy.arch")
    vgg = generate(ARCHITECTURES / "vgg16.arch")
    assert not any(f"class {name}" in vgg for name in codegen.HELPERS)
    maxout = generate("network m\ninput 8@16x16\nconv3-8, maxout(2), minpool, l2pool, local3-4 p=0, fc-3")
    for name in ("Maxout", "MinPool", "L2Pool", "LocallyConnected"):
        assert f"class {name}(nn.Module)" in maxout


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


def test_kinds_without_a_constructor_are_a_located_error() -> None:
    path = ARCHITECTURES / "kim2014.arch"
    if not path.exists():
        pytest.skip("kim2014.arch is not shipped")
    with pytest.raises(archlang.ArchError) as caught:
        generate(path)
    assert caught.value.diagnostics[0].code == "E402"
    assert caught.value.diagnostics[0].line > 0


# ---- torch stays out of archlang and archc check --------------------------------------


def test_import_and_check_do_not_import_torch() -> None:
    script = (
        "import sys, archlang; from archlang import codegen; "
        "net = archlang.check(sys.argv[1]); codegen.python(net); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", script, str(ARCHITECTURES / "vgg16.arch")], check=True)


def test_build_is_exported_lazily() -> None:
    pytest.importorskip("torch")
    assert "build" in archlang.__all__
    assert callable(archlang.build)


def test_meta_build_allocates_nothing() -> None:
    torch = pytest.importorskip("torch")
    model = archlang.build(ARCHITECTURES / "vgg16.arch", device="meta")
    assert all(p.device.type == "meta" for p in model.parameters())
    assert model(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 1000)


# ---- archc build ----------------------------------------------------------------------------


def archc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARCHC, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_cli_writes_the_same_source(tmp_path: Path) -> None:
    out = tmp_path / "alphago.py"
    run = archc("build", str(ARCHITECTURES / "alphago_policy.arch"), "-D", "k=128", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_text() == generate(ARCHITECTURES / "alphago_policy.arch", k=128)
    assert [p.name for p in tmp_path.iterdir()] == ["alphago.py"]  # no temporary file left
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_cli_to_stdout() -> None:
    run = archc("build", str(ARCHITECTURES / "xor_relu.arch"), "-o", "-")
    assert run.returncode == 0
    assert run.stdout == generate(ARCHITECTURES / "xor_relu.arch")


def test_cli_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    spec = tmp_path / "net.arch"
    spec.write_text("network net\ninput 2\nfc-1\n")
    run = archc("build", "net.arch", "-o", str(spec), cwd=tmp_path)
    assert run.returncode == 2
    assert spec.read_text() == "network net\ninput 2\nfc-1\n"


def test_cli_errors_leave_no_file(tmp_path: Path) -> None:
    spec = tmp_path / "bad.arch"
    spec.write_text("network bad\ninput 3@8x8\nconv9-4 p=0\n")
    out = tmp_path / "bad.py"
    run = archc("build", str(spec), "-o", str(out))
    assert run.returncode == 1
    assert "E302" in run.stderr
    assert not out.exists()
    assert archc("build", str(spec)).returncode == 2  # -o is required
    assert archc("build", str(ARCHITECTURES / "vgg16.arch"), "-o", str(tmp_path / "no" / "x.py")).returncode == 2
