"""The package passes `ruff check` (the house style's lint), like the code it generates;
the tests share one conftest.py instead of copies of its paths and helpers."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

TESTS = ROOT / "tests"
#: A module that finds the repository from its own file instead of importing ROOT from conftest.py.
OWN_ROOT = re.compile(r"^\s*ROOT\s*=|Path\(__file__\)")


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff is a test dependency: pip install -e '.[test]'")
def test_ruff_check_passes() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    done = subprocess.run([ruff, "check", "archlang", "benchmarks", "docs", "examples", "tests"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_package_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages a wheel carries: every folder of
    archlang/ with an __init__.py must be among them (a missing one made
    non-editable installs fail to import)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "archlang").rglob("__init__.py")}
    assert found | {"archlang.grammars"} == listed


def _modules() -> list[Path]:
    """tests/*.py but conftest.py."""
    return [path for path in sorted(TESTS.glob("*.py")) if path.name != "conftest.py"]


def test_no_module_derives_the_repository_from_its_own_file() -> None:
    """ROOT and the paths under it (architectures, golden files) come from conftest.py."""
    found = [f"{path.name}:{number}: {line.strip()}" for path in _modules()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OWN_ROOT.search(line)]
    assert not found, "import these paths from conftest.py instead:\n" + "\n".join(found)


def _defined(path: Path) -> set[str]:
    """The names a module's top level assigns or defines (functions, fixtures, classes)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}
    return names


def test_no_module_redefines_a_shared_name() -> None:
    """A module that needs a path, HEAD or a helper of conftest.py imports it rather than copying it."""
    shared = {name for name in _defined(TESTS / "conftest.py") if not name.startswith("_")}
    assert {"ROOT", "ARCHITECTURES", "HEAD", "codes", "archc_process", "spec"} <= shared
    again = {path.name: sorted(shared & _defined(path)) for path in _modules()}
    assert not {name: names for name, names in again.items() if names}
