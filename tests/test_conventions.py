"""Issue 14's conventions of a command line and a package: `python -m archlang`,
`-` for standard input, exit 2 for unknown `-D` names, the files a wheel ships,
the message when torch is missing, and a short repr of a checked network."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ARCHITECTURES_DIR, ROOT

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
