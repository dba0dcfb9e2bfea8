"""Outputs are byte-identical across runs and across hash seeds.

`archc check --json`, the generated `.py` (`archc build`) and the `.dot` text
(`archc render -o x.dot`) of a few architectures, branchy ones included, are
written by fresh interpreters started with PYTHONHASHSEED=0, 1 and 12345, and
once more with 0: every file must be the same bytes in every run. A set or a
dict ordered by hashes anywhere on the way would show up here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

NAMES = ["googlenet", "resnet50", "inception_v3", "vgg16", "lenet5_1998"]
SEEDS = ["0", "1", "12345", "0"]

#: One interpreter runs archc's commands for every architecture, as `archc` would.
SCRIPT = """
import contextlib, sys
from pathlib import Path
from archlang.cli import main

out = Path(sys.argv[1])
(out / "seed").write_text(str(hash("archlang")))  # proof that the seed took effect
for name in sys.argv[2:]:
    spec = f"architectures/{name}.arch"
    commands = [["check", spec, "--json"], ["build", spec, "-o", str(out / f"{name}.py")],
                ["render", spec, "-o", str(out / f"{name}.dot")]]
    for args in commands:
        with open(out / f"{name}.{args[0]}.stdout", "w") as stdout, contextlib.redirect_stdout(stdout):
            try:
                main(args)
            except SystemExit as done:
                assert done.code in (0, None), (args, done.code)
"""


def outputs(folder: Path, seed: str) -> dict[str, bytes]:
    folder.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-c", SCRIPT, str(folder), *NAMES], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.slow
def test_outputs_are_identical_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    runs = [outputs(tmp_path / f"run{i}-seed{seed}", seed) for i, seed in enumerate(SEEDS)]
    hashes = [run.pop("seed") for run in runs]
    assert hashes[0] == hashes[3] and len(set(hashes)) == 3
    first = runs[0]
    for name in NAMES:
        assert {f"{name}.py", f"{name}.dot", f"{name}.check.stdout"} <= set(first)
        assert b'"network": "' in first[f"{name}.check.stdout"]
        assert first[f"{name}.dot"].startswith(b"digraph")
    for seed, run in zip(SEEDS[1:], runs[1:]):
        assert set(run) == set(first)
        for file, data in first.items():
            assert run[file] == data, f"{file} differs with PYTHONHASHSEED={seed}"
