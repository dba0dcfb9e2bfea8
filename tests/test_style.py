"""The package passes `ruff check` (the house style's lint), like the code it generates."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
