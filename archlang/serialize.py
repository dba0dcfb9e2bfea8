"""Serialisation: what a check found, as one JSON object of one schema.

`archc check --json` and the API write through here, so there is one place
that says what the JSON holds, for a network that checks and for one that
does not alike: the same keys, with null where a figure is unknown (the
totals of a network with errors), and every diagnostic with its file and
range. `version` changes when a key changes meaning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .accounting import BYTES_PER_VALUE, memory
from .checker.checked import CheckedNetwork, Row
from .pipeline import Analysis
from .source import displayable

#: The version of the JSON's shape: the key `version` of every object, and the
#: schema shipped as archlang/schema/check-v{VERSION}.json.
VERSION = 1
SCHEMA = Path(__file__).resolve().parent / "schema" / f"check-v{VERSION}.json"


def schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of `archc check --json`, of this version."""
    import json

    return dict(json.loads(SCHEMA.read_text("utf-8")))


def network_json(network: CheckedNetwork) -> dict[str, Any]:
    """A checked network: totals, every layer, and its diagnostics."""
    return _object(network.name, network.source.name, network, network.diagnostics, ok=not network.errors)


def analysis_json(analysis: Analysis, path: str | Path) -> dict[str, Any]:
    """Whatever `analyze` found: a network (perhaps partial), or only diagnostics."""
    network = analysis.network
    name = network.name if network else _declared_name(analysis)
    file = analysis.source.name if analysis.source else displayable(path)
    return _object(name, file, network, analysis.diagnostics, ok=analysis.ok and network is not None)


def _declared_name(analysis: Analysis) -> str | None:
    module = analysis.module
    return module.networks[0].name if module is not None and module.networks else None


def _object(name: str | None, file: str, network: CheckedNetwork | None, diagnostics: list[Any],
            ok: bool) -> dict[str, Any]:
    whole = ok and network is not None
    return {
        "version": VERSION,
        "network": name,
        "file": file,
        "ok": ok,
        "input": list(network.input) if network is not None and network.input else None,
        "output": list(network.output) if whole and network.output else None,  # type: ignore[union-attr]
        "side_outputs": [list(shape) for shape in network.side_outputs] if whole else [],  # type: ignore[union-attr]
        "params": network.params if whole else None,  # type: ignore[union-attr]
        "macs": network.macs if whole else None,  # type: ignore[union-attr]
        "flops": network.flops if whole else None,  # type: ignore[union-attr]
        "trainable": network.trainable if whole else None,  # type: ignore[union-attr]
        "frozen": network.frozen if whole else None,  # type: ignore[union-attr]
        "buffers": network.buffers if whole else None,  # type: ignore[union-attr]
        "memory": memory_json(network) if whole else None,  # type: ignore[arg-type]
        "layers": [row_json(row) for row in network.rows] if network is not None else [],
        "diagnostics": [d.to_json() for d in diagnostics],
    }


def memory_json(network: CheckedNetwork) -> dict[str, Any]:
    """The memory estimate in bytes, for `batch` examples (accounting.py says what
    each figure counts); the layers' shapes and memory stay per example."""
    estimate = memory(network)
    return {"batch": estimate.batch, "optimizer": estimate.optimizer, "bytes_per_value": BYTES_PER_VALUE,
            **dict(estimate.items())}


def row_json(row: Row) -> dict[str, Any]:
    layer = row.layer
    return {
        "name": row.name,
        "depth": row.depth,
        "op": layer.op,
        "kind": layer.kind.name,
        "act": layer.act_name,
        "bn": bool(layer.opts.get("bn")),
        "file": layer.origin,
        "line": layer.span.line,
        "col": layer.span.col,
        "in": list(layer.in_shape),
        "out": list(layer.out_shape),
        "params": layer.params,
        "macs": layer.macs,
        "memory": layer.elements,
        "rf": list(row.rf[0]) if row.rf else None,
        "jump": list(row.rf[1]) if row.rf else None,
    }
