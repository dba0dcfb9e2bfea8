"""Issue 14's conventions of a command line and a package: `python -m archlang`,
`-` for standard input, exit 2 for unknown `-D` names, the files a wheel ships,
the message when torch is missing, and a short repr of a checked network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ARCHITECTURES_DIR, ROOT, Result, invoke

import archlang

VGG16 = str(ARCHITECTURES_DIR / "vgg16.arch")


def _python(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env=env, check=False)


def test_python_m_archlang_runs_the_command_line() -> None:
    result = _python("-m", "archlang", "check", VGG16)
    assert result.returncode == 0, result.stderr
    assert "params      138,357,544" in result.stdout
    assert _python("-m", "archlang", "check", "missing.arch").returncode == 1
    version = _python("-m", "archlang", "--version")
    assert version.returncode == 0 and version.stdout.startswith("archc, version ")


# ---- `-`: the spec on standard input -------------------------------------------------------

OK = "network small\ninput 3@32x32\nact relu\n[conv3-16]*2, pool\nfc-10\n"


def _archc(*args: str, stdin: str = "") -> Result:
    return invoke(list(args), input=stdin)


def test_check_dash_reads_the_spec_from_standard_input() -> None:
    result = _archc("check", "-", stdin=OK)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "network small (<stdin>)"
    assert "params      " in result.stdout


def test_stdin_diagnostics_are_named_stdin() -> None:
    result = _archc("check", "-", stdin="network bad\ninput 3@32x32\ncnov3-16\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("<stdin>:3:1: error[")
    as_json = json.loads(_archc("check", "-", "--json", stdin=OK).stdout)
    assert as_json["file"] == "<stdin>" and as_json["ok"] is True


def test_stdin_past_max_bytes_is_e100() -> None:
    result = _archc("check", "-", "--max-bytes", "10", stdin=OK)
    assert result.exit_code == 1
    assert "error[E100]: <stdin> is more than the limit of 10 bytes" in result.stderr


def test_build_table_and_render_read_standard_input_too(tmp_path: Path) -> None:
    built = _archc("build", "-", "-o", "-", stdin=OK)
    assert built.exit_code == 0 and "class Small(nn.Module)" in built.stdout
    table = _archc("table", "-", stdin=OK)
    assert table.exit_code == 0 and "small" in table.stdout
    out = tmp_path / "small.svg"  # the volume figure: no Graphviz needed
    rendered = _archc("render", "-", "--style", "volumes", "-o", str(out), stdin=OK)
    assert rendered.exit_code == 0 and out.read_text().lstrip().startswith("<")


# ---- an unknown -D name is a usage error ---------------------------------------------------

PARAMETRIC = "network wide(k = 8, bn = false)\ninput 3@32x32\nconv3-k bn=bn\n"


def test_unknown_define_exits_2_with_e205_and_its_hint() -> None:
    for command in (["check", "-"], ["check", "-", "--json"], ["build", "-", "-o", "-"], ["table", "-"]):
        result = _archc(*command, "-D", "kk=3", stdin=PARAMETRIC)
        assert result.exit_code == 2, command
        if "--json" not in command:
            assert "<stdin>:1:1: error[E205]: -D kk: network 'wide' has no parameter 'kk'" in result.stderr
            assert "did you mean 'k'?" in result.stderr


def test_other_errors_with_a_good_define_still_exit_1() -> None:
    result = _archc("check", "-", "-D", "k=4", stdin=PARAMETRIC + "cnov3-16\n")
    assert result.exit_code == 1
    variant = "network wide(k = 8)\nvariant narrow(kk = 4)\ninput 3@32x32\nconv3-k\n"
    result = _archc("check", "-", stdin=variant)
    assert result.exit_code == 1 and "error[E205]: variant narrow" in result.stderr  # a variant's unknown name is the spec's error


# ---- the wheel: LICENSE, py.typed, the .arch files -----------------------------------------


def test_license_is_the_mit_text_the_metadata_names() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the archlang authors\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text


def test_the_wheel_ships_py_typed_the_grammar_and_every_arch_file(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    tree = tmp_path / "src"  # a copy, so that the build leaves nothing in the repository
    for folder in ("archlang", "grammars"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tree / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q",
                    "-w", str(tmp_path / "dist"), str(tree)], check=True, capture_output=True, timeout=120)
    [wheel] = (tmp_path / "dist").glob("archlang-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    arch = [path for folder in ("stdlib", "zoo") for path in (ROOT / "archlang" / folder).glob("*.arch")]
    wanted = {"archlang/py.typed", "archlang/grammars/archlang.lark", "archlang/schema/check-v1.json"} | {
        p.relative_to(ROOT).as_posix() for p in arch}
    assert len(wanted) > 10 and wanted <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


# ---- archlang.build without torch ----------------------------------------------------------

WITHOUT_TORCH = """
import sys
sys.modules["torch"] = None  # as if torch were not installed
import archlang
print(archlang.check("network s\\ninput 3@8x8\\nconv3-4\\n").params)
try:
    archlang.build("network s\\ninput 3@8x8\\nconv3-4\\n")
except ImportError as error:
    print(type(error).__name__, error.name, error)
"""


def test_build_without_torch_says_pip_install_torch() -> None:
    result = _python("-c", WITHOUT_TORCH)
    assert result.returncode == 0, result.stderr
    checked, raised = result.stdout.splitlines()
    assert checked == "112"
    assert raised.startswith("ImportError torch building a module needs PyTorch, which is not installed: "
                             "pip install torch")


# ---- a checked network in Python: a one-line repr, the table as summary() ------------------


def test_repr_is_one_line() -> None:
    network = archlang.check(VGG16)
    assert repr(network) == "<CheckedNetwork vgg16: 3@224x224 -> 1000, 138,357,544 params, 15.47 G MACs>"
    small = archlang.check(OK)
    assert repr(small) == f"<CheckedNetwork small: 3@32x32 -> 10, {small.params:,} params, {small.macs / 1e6:.2f} M MACs>"


def test_summary_and_str_are_the_table_archc_check_prints() -> None:
    network = archlang.check(VGG16)
    printed = _archc("check", VGG16).stdout
    assert network.summary() + "\n" == printed
    assert str(network) == network.summary()
    assert len(str(network)) < 4000  # not the 48 KB dataclass dump


def test_summary_works_whatever_module_is_imported_first() -> None:
    """Importing any module of archlang runs archlang/__init__.py, which imports report, the table."""
    code = ("from archlang.checker.checked import CheckedNetwork\n"
            "from archlang.pipeline import check\n"
            "print(check('network s\\ninput 3@8x8\\nconv3-4\\n').summary().splitlines()[0])")
    result = _python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "network s (<string>)\n"


# ---- Jupyter: the table as HTML, with or without Graphviz ----------------------------------


class _Formatter:
    def __init__(self) -> None:
        self.types: dict[type, Any] = {}

    def for_type(self, cls: type, function: Any) -> None:
        self.types[cls] = function


def test_notebook_registers_html_and_svg(monkeypatch: pytest.MonkeyPatch) -> None:
    from archlang import notebook

    formatters = {"image/svg+xml": _Formatter(), "text/html": _Formatter()}
    shell = SimpleNamespace(display_formatter=SimpleNamespace(formatters=formatters))
    assert notebook.register(shell)
    assert formatters["text/html"].types[archlang.CheckedNetwork] is notebook.html
    assert formatters["image/svg+xml"].types[archlang.CheckedNetwork] is notebook.svg


def test_notebook_html_is_the_table_and_the_diagram_when_there(monkeypatch: pytest.MonkeyPatch) -> None:
    from archlang import notebook
    from archlang.tables import accounting, listing

    network = archlang.check(OK)
    tables = listing(network, "html") + accounting(network, "html")  # the layers, then trainable, frozen, memory
    monkeypatch.setattr(notebook, "svg", lambda network: None)  # no Graphviz
    assert notebook.html(network) == tables
    assert notebook.html(network).startswith('<table class="archlang">')
    drawn = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="1"><g/></svg>\n'
    monkeypatch.setattr(notebook, "svg", lambda network: drawn)
    assert notebook.html(network) == tables + '\n<div class="archlang-diagram"><svg width="1"><g/></svg>\n</div>'
