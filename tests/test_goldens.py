"""Golden outputs of every shipped architecture: check --json, the generated .py, the .dot.

These pin what archc produces, byte for byte, so that a change to the core
that should change nothing visible is seen to change nothing. A change that
is meant to alter an output (a bug fix) regenerates the goldens and says so in
its commit:

    ARCHLANG_UPDATE_GOLDENS=1 python -m pytest tests/test_goldens.py

Each case is a file of architectures/ with the -D values the figure tests use.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, GOLDEN_DIR, ROOT

import archlang
from archlang import codegen, render, serialize

GOLDEN = GOLDEN_DIR / "core"
UPDATE = os.environ.get("ARCHLANG_UPDATE_GOLDENS") == "1"

#: (file, -D parameters): every file once with its defaults, and the variants the figures test.
VARIANTS: list[tuple[str, dict[str, object]]] = [
    *((path.stem, {}) for path in ARCHITECTURES),
    ("alexnet", {"groups": 1}),
    ("vgg11", {"bn": True}),
    ("vgg16", {"bn": True}),
    ("alphago_policy", {"k": 256}),
    ("inception_v3", {"aux": True}),
    ("kim2014", {"multichannel": True}),
    ("resnet_cifar", {"n": 9}),
]


def case_id(name: str, params: dict[str, object]) -> str:
    return name + "".join(f"-{k}={v}" for k, v in params.items())


def outputs(name: str, params: dict[str, object]) -> dict[str, str]:
    """The three outputs of one case, as text."""
    network = archlang.check(Path("architectures") / f"{name}.arch", **params)
    return {
        "json": json.dumps(serialize.network_json(network), indent=2) + "\n",
        "py": codegen.python(network),
        "dot": render.source(network),
    }


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=[case_id(n, p) for n, p in VARIANTS])
def test_golden(name: str, params: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the JSON names the file as given: architectures/NAME.arch
    for suffix, text in outputs(name, params).items():
        path = GOLDEN / f"{case_id(name, params)}.{suffix}"
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            continue
        assert path.exists(), f"no golden {path.name}: run with ARCHLANG_UPDATE_GOLDENS=1"
        expected = path.read_text("utf-8")
        assert text == expected, f"{path.name} differs from its golden"
